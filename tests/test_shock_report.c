/*
 * test_shock_report.c -- the shock-report program end to end: the bundled
 * 2025-01-27 session and the week of 2025-01-27 from the real daily bars,
 * byte-identical on a second run, under 2 MB, nothing fetched, exactly one
 * alert element per alert with the ids `shockd --replay` prints for the
 * same inputs; a holiday week; an alerts file (duplicates, a bad line);
 * the errors a user meets.  And a real browser: Debian's chromium opens the
 * report from file://, its DOM holds one alert element per alert id, its
 * screenshot is not blank and shows each severity's colour (decoded with
 * libpng).  Without chromium that test is skipped, loudly.
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <criterion/criterion.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw_test_util.h"

#define REPORT SW_BINARY_DIR "/shock-report"
#define SHOCKD SW_BINARY_DIR "/shockd"
#define SESSION SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson"
#define DAILY SW_SOURCE_DIR "/data/daily/*.csv"
#define MAX_SIZE (2 * 1024 * 1024)

static char tmpdir[64], demo_cfg[160];

/* config/demo.json with JSON alerts and its state in the test's folder, so
 * shockd --replay starts fresh (no state.json of another run). */
static void write_demo_config(void)
{
    snprintf(demo_cfg, sizeof demo_cfg, "%s/demo.json", tmpdir);
    char *text = sw_test_slurp(SW_SOURCE_DIR "/config/demo.json");
    char *fmt = strstr(text, "\"format\": \"text\"");
    char *sd = strstr(text, "\"/tmp/shockwatch-demo\"");
    cr_assert(fmt && sd, "config/demo.json changed: no text format or state_dir line");
    memcpy(fmt, "\"format\": \"json\"", 16);
    FILE *f = fopen(demo_cfg, "w");
    cr_assert_not_null(f);
    fprintf(f, "%.*s\"%s\"%s", (int)(sd - text), text, tmpdir, sd + strlen("\"/tmp/shockwatch-demo\""));
    fclose(f);
    free(text);
}

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(tmpdir, sizeof tmpdir, "report"), 0);
    write_demo_config();
}

static void teardown(void)
{
    cr_expect_eq(sw_test_rmdir(tmpdir), 0);
}

TestSuite(shock_report, .init = setup, .fini = teardown, .timeout = 300);

static const char *tmp(const char *name)
{
    static char paths[8][160];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 160, "%s/%s", tmpdir, name);
    return p;
}

/* Run a shell command (globs expand) with stdout and stderr to files in the
 * test's folder; returns the exit status. */
static int sh(const char *cmd, const char *out, const char *err)
{
    char full[4096];
    snprintf(full, sizeof full, "(%s) > %s 2> %s", cmd, tmp(out), tmp(err));
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The n strings sorted, one per line (freed). */
static char *sorted_lines(char **ids, size_t n)
{
    for (size_t i = 1; i < n; i++) /* insertion sort: tens of ids */
        for (size_t j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
            char *t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(ids[i]) + 1;
    char *s = malloc(len + 1), *w = s;
    for (size_t i = 0; i < n; i++) {
        w += sprintf(w, "%s\n", ids[i]);
        free(ids[i]);
    }
    *w = '\0';
    free(ids);
    return s;
}

/* The ids of shockd's JSON lines whose ts starts with one of the prefixes
 * (NULL: all), sorted, one per line. */
static char *ids_of_json(const char *out, const char *const *days)
{
    size_t n = 0;
    char **ids = calloc(strlen(out) / 16 + 2, sizeof *ids);
    for (const char *p = strstr(out, "\"id\":\""); p; p = strstr(p + 1, "\"id\":\"")) {
        const char *ts = strstr(p, "\"ts\":\"");
        int keep = !days;
        for (size_t k = 0; days && days[k]; k++)
            keep |= ts && strncmp(ts + 6, days[k], strlen(days[k])) == 0;
        if (keep)
            ids[n++] = strndup(p + 6, 16);
    }
    return sorted_lines(ids, n);
}

/* The data-id of every element of class "alert ...", sorted; *count gets
 * how many such elements there are (with or without an id). */
static char *ids_of_html(const char *html, int *count)
{
    size_t n = 0;
    *count = 0;
    char **ids = calloc(strlen(html) / 32 + 2, sizeof *ids);
    for (const char *p = strstr(html, "class=\"alert "); p; p = strstr(p + 1, "class=\"alert ")) {
        (*count)++;
        const char *end = strchr(p, '>');
        const char *id = strstr(p, "data-id=\"");
        if (id && id < end)
            ids[n++] = strndup(id + 9, strcspn(id + 9, "\""));
    }
    return sorted_lines(ids, n);
}

/* No src=, href= or url( whose value is a URL: nothing is fetched. */
static void expect_nothing_fetched(const char *html, const char *what)
{
    const char *attrs[] = { "src=", "href=", "url(" };
    for (size_t a = 0; a < 3; a++)
        for (const char *p = strstr(html, attrs[a]); p; p = strstr(p + 1, attrs[a])) {
            char val[256];
            snprintf(val, sizeof val, "%.*s", (int)strcspn(p, " >)"), p);
            cr_expect(strstr(val, "//") == NULL && strstr(val, "http") == NULL, "%s: fetches %s", what, val);
        }
    cr_expect(strstr(html, "http://") == NULL && strstr(html, "https://") == NULL, "%s: a URL", what);
    cr_expect(strstr(html, "<script") == NULL, "%s: no script is needed", what);
}

static size_t file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n > 0 ? (size_t)n : 0;
}

/* Run shock-report with `args` twice; the page must be the same bytes. */
static char *report_twice(const char *args, const char *name)
{
    char cmd[2048], out1[64], out2[64];
    snprintf(out1, sizeof out1, "%s-1.html", name);
    snprintf(out2, sizeof out2, "%s-2.html", name);
    snprintf(cmd, sizeof cmd, "%s %s -o %s", REPORT, args, tmp(out1));
    cr_assert_eq(sh(cmd, "r.out", "r.err"), 0, "%s\n%s", cmd, sw_test_slurp(tmp("r.err")));
    snprintf(cmd, sizeof cmd, "%s %s -o %s", REPORT, args, tmp(out2));
    cr_assert_eq(sh(cmd, "r.out", "r.err"), 0, "%s", sw_test_slurp(tmp("r.err")));
    char *a = sw_test_slurp(tmp(out1)), *b = sw_test_slurp(tmp(out2));
    cr_assert_gt(strlen(a), 1000u);
    cr_expect(strcmp(a, b) == 0, "%s: the second run wrote other bytes", name);
    size_t size = file_size(tmp(out1));
    cr_expect_lt(size, (size_t)MAX_SIZE, "%s: %zu bytes", name, size);
    free(b);
    return a;
}

/* shockd --replay of `inputs` with the same configuration: the ids of its
 * alerts on `days` (NULL: all), sorted; its JSON output in *json if asked. */
static char *replay_ids(const char *inputs, const char *const *days, char **json)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -c %s --replay %s", SHOCKD, demo_cfg, inputs);
    cr_assert_eq(sh(cmd, "shockd.out", "shockd.err"), 0, "%s", sw_test_slurp(tmp("shockd.err")));
    char *out = sw_test_slurp(tmp("shockd.out"));
    char *ids = ids_of_json(out, days);
    if (json)
        *json = out;
    else
        free(out);
    return ids;
}

/* The page holds the alerts `want` (sorted ids), one element each. */
static void expect_alerts(const char *html, const char *want, const char *what)
{
    int count;
    char *got = ids_of_html(html, &count);
    cr_expect_str_eq(got, want, "%s: the alerts are shockd --replay's", what);
    cr_expect_eq((size_t)count * 17, strlen(want), "%s: exactly one alert element per alert", what);
    free(got);
}

/* The report of `inputs` (with `range`: "--day D", "--week D" or ""),
 * checked as every report must be: the same bytes twice, under 2 MB,
 * nothing fetched, the alerts of shockd --replay on `days` (NULL: all), at
 * least `min_alerts` of them.  Returns the page. */
static char *checked_report(const char *inputs, const char *range, const char *const *days, size_t min_alerts,
                            const char *name)
{
    char *want = replay_ids(inputs, days, NULL);
    cr_assert_geq(strlen(want), 17 * min_alerts, "%s: the replay raises alerts", name);
    char args[1024];
    snprintf(args, sizeof args, "-c %s %s --replay %s", demo_cfg, range, inputs);
    char *html = report_twice(args, name);
    expect_alerts(html, want, name);
    expect_nothing_fetched(html, name);
    free(want);
    return html;
}

Test(shock_report, bundled_day_same_alerts_as_shockd_replay)
{
    char *html = checked_report(SESSION, "", NULL, 10, "day");
    /* What a trader reads first. */
    cr_expect(strstr(html, "Monday 27 January 2025") != NULL);
    cr_expect(strstr(html, "<h1>ai: ") != NULL && strstr(html, " at 09:30:00 \xC2\xB7 AVGO \xE2\x88\x92" "17.40% at the close</h1>"),
              "headline: %.200s", strstr(html, "<h1>"));
    cr_expect(strstr(html, "<td>142.62</td><td>124.80</td><td>116.70</td><td>128.40</td><td>118.42</td>") != NULL,
              "NVDA's row: previous close, open, low, high, close");
    cr_expect(strstr(html, "<h2>ai<small>13 symbols") != NULL && strstr(html, "ai breadth") != NULL);
    char *err = sw_test_slurp(tmp("r.err"));
    cr_expect(strstr(err, "day 2025-01-27, 16 symbols, 21 alerts") != NULL, "%s", err);
    free(err);
    free(html);
}

Test(shock_report, week_from_real_daily_bars)
{
    /* The week of Monday 2025-01-27, New York days = these UTC dates for
     * the replay's 09:30..16:00 bar times. */
    const char *week[] = { "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", NULL };
    char *html = checked_report(DAILY, "--week 2025-01-29", week, 1, "week");
    cr_expect(strstr(html, "Monday 27 January 2025 to Friday 31 January 2025") != NULL);
    cr_expect(strstr(html, "<th>Mon 27 Jan</th><th>Tue 28 Jan</th><th>Wed 29 Jan</th><th>Thu 30 Jan</th><th>Fri 31 Jan</th>"));
    /* NVDA: from Friday 24's close 142.62, -16.97% on Monday. */
    const char *nvda = strstr(html, "<tr><td><b>NVDA</b></td><td>142.62</td><td>\xE2\x88\x92" "16.97%</td>");
    cr_expect_not_null(nvda, "NVDA's row of the week table");
    cr_expect(strstr(html, "drawn as that bar") != NULL, "says the days are daily bars");
    free(html);
}

Test(shock_report, holiday_week_shows_the_closed_day)
{
    char args[1024];
    snprintf(args, sizeof args, "-c %s --week 2026-01-23 --replay %s", demo_cfg, DAILY);
    char *html = report_twice(args, "holiday");
    cr_expect(strstr(html, "closed Mon 19 Jan") != NULL, "Martin Luther King Jr. Day is closed");
    cr_expect_geq(sw_test_count(html, "<td class=\"closed\">closed</td>"), 16, "in every symbol's row");
    cr_expect(strstr(html, "at the close of Fri 16 Jan") != NULL);
    free(html);
}

Test(shock_report, alerts_from_a_file)
{
    const char *cfg = demo_cfg;
    /* Three of shockd's alerts, one twice (at-least-once delivery), a bad
     * line, and one alert of another day that is not drawn. */
    char *json;
    free(replay_ids(SESSION, NULL, &json));
    char *l1 = strtok(json, "\n"), *l2 = strtok(NULL, "\n"), *l3 = strtok(NULL, "\n");
    cr_assert(l1 && l2 && l3);
    FILE *f = fopen(tmp("alerts.ndjson"), "w");
    fprintf(f, "%s\n%s\n{\"v\":1,\"id\":\"broken\n%s\n%s\n", l3, l1, l2, l1);
    fprintf(f, "{\"v\":1,\"id\":\"00000000000000ff\",\"ts\":\"2025-01-28T15:00:00.000Z\",\"symbol\":\"NVDA\","
               "\"group\":null,\"detector\":\"pct_move\",\"severity\":\"info\",\"price\":1,\"reference\":null,"
               "\"change_pct\":null,\"zscore\":null,\"window\":\"prev_close\",\"direction\":\"up\","
               "\"resolved\":false,\"message\":\"another day\"}\n");
    fclose(f);
    char want[64];
    snprintf(want, sizeof want, "%.16s\n%.16s\n%.16s\n", strstr(l1, "\"id\":\"") + 6, strstr(l2, "\"id\":\"") + 6,
             strstr(l3, "\"id\":\"") + 6);
    char args[1024];
    snprintf(args, sizeof args, "-c %s --day 2025-01-27 --alerts %s --replay %s", cfg, tmp("alerts.ndjson"), SESSION);
    char *html = report_twice(args, "file");
    int count;
    char *got = ids_of_html(html, &count);
    /* want is in file order; got sorted: compare as sets of three. */
    cr_expect_eq(count, 3, "three alerts, the repeated one once");
    for (int i = 0; i < 3; i++) {
        char id[18];
        snprintf(id, sizeof id, "%.16s\n", want + 17 * i);
        cr_expect(strstr(got, id) != NULL, "%s missing", id);
    }
    cr_expect(strstr(html, "1 lines of the alerts file refused") != NULL);
    cr_expect(strstr(html, "1 repeated alerts (same id) drawn once") != NULL);
    cr_expect(strstr(html, "Alerts: read from") != NULL);
    char *err = sw_test_slurp(tmp("r.err"));
    cr_expect(strstr(err, "alerts.ndjson:3: ") != NULL, "the bad line named by file and line: %s", err);
    free(err);
    free(got);
    free(html);
    free(json);
}

Test(shock_report, errors_a_user_meets)
{
    /* Paths of files that do not exist (tmp()'s buffers are reused). */
    char nope[160], x_html[160];
    strcpy(nope, tmp("nope.ndjson"));
    strcpy(x_html, tmp("x.html"));
    const struct {
        const char *args[3]; /* after -c CONFIG: up to three, joined with a space */
        int status;
        const char *said;
    } cases[] = {
        { { "--day 2025-01-28 --replay", SESSION, "-o" }, 1,
          "no trade of the watchlist on 2025-01-28 in the inputs (they hold 2025-01-24 to 2025-01-27)" },
        { { "--day 2025-02-30 --replay", SESSION, "" }, 2, "--day: \"2025-02-30\" is not a date YYYY-MM-DD" },
        { { "--day 2025-01-27 --week 2025-01-27 --replay", SESSION, "" }, 2, "--day and --week exclude each other" },
        { { "", "", "" }, 2, "--replay PATH is required" },
        { { "--replay", nope, "" }, 1, "nope.ndjson: cannot open" },
        { { "--replay", SESSION, "--alerts" }, 1, "--alerts: " },
        { { "--replay", SESSION, "-o /nonexistent/dir/r.html" }, 3, "cannot write /nonexistent/dir/r.html.tmp." },
        { { "--version", "", "" }, 0, "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "%s -c %s %s %s %s", REPORT, demo_cfg, cases[i].args[0], cases[i].args[1],
                 cases[i].args[2]);
        /* The two cases that end in a file name get theirs. */
        if (strcmp(cases[i].args[2], "-o") == 0)
            strcat(strcat(cmd, " "), x_html);
        if (strcmp(cases[i].args[2], "--alerts") == 0)
            strcat(strcat(cmd, " "), nope);
        cr_expect_eq(sh(cmd, "o", "e"), cases[i].status, "%s", cmd);
        char *e = sw_test_slurp(tmp("e"));
        cr_expect(strstr(e, cases[i].said) != NULL, "%s\nsaid: %s", cmd, e);
        free(e);
    }
    cr_expect_eq(access(x_html, F_OK), -1, "no page written for a day without trades");
    char *v = sw_test_slurp(tmp("o"));
    cr_expect(strncmp(v, "shock-report ", 13) == 0, "--version: %s", v);
    free(v);
}

/* ---- a real browser ---------------------------------------------------------- */

static const char *chromium_path(void)
{
    static const char *const candidates[] = { "/usr/bin/chromium", "/usr/bin/chromium-browser" };
    for (size_t i = 0; i < 2; i++)
        if (access(candidates[i], X_OK) == 0)
            return candidates[i];
    return NULL;
}

/* chromium headless on file://page with `what` (--dump-dom, or
 * --screenshot=PNG), a fresh profile, nothing reaching out. */
static int chromium(const char *bin, const char *what, const char *page, const char *out, const char *err)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "timeout 120 %s --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1500 "
             "--disable-background-networking --disable-component-update --disable-sync --no-first-run "
             "--user-data-dir=%s/profile-%s %s file://%s",
             bin, tmpdir, out, what, page);
    return sh(cmd, out, err);
}

/* Pixels within 6 per channel of rgb. */
static size_t pixels_near(const uint8_t *px, size_t n, uint32_t rgb)
{
    int r = (int)(rgb >> 16), g = (int)(rgb >> 8 & 0xff), b = (int)(rgb & 0xff);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = px + 3 * i;
        count += abs(p[0] - r) <= 6 && abs(p[1] - g) <= 6 && abs(p[2] - b) <= 6;
    }
    return count;
}

Test(shock_report, chromium_opens_the_report_from_file)
{
    const char *bin = chromium_path();
    if (!bin)
        cr_skip_test("SKIPPED: chromium is not installed, the browser check did NOT run "
                     "(apt-get install chromium; scripts/test installs it)");
    const char *cfg = demo_cfg;
    char cmd[1024];
    char *want = replay_ids(SESSION, NULL, NULL);
    char page[160];
    snprintf(page, sizeof page, "%s", tmp("browser.html"));
    snprintf(cmd, sizeof cmd, "%s -c %s --replay %s -o %s", REPORT, cfg, SESSION, page);
    cr_assert_eq(sh(cmd, "r.out", "r.err"), 0, "%s", sw_test_slurp(tmp("r.err")));

    /* The DOM after load: one alert element per alert of the replay. */
    cr_assert_eq(chromium(bin, "--dump-dom", page, "dom.html", "dom.err"), 0, "%s", sw_test_slurp(tmp("dom.err")));
    char *dom = sw_test_slurp(tmp("dom.html"));
    cr_assert_gt(strlen(dom), 1000u, "chromium printed no DOM: %s", sw_test_slurp(tmp("dom.err")));
    expect_alerts(dom, want, "the DOM chromium built");

    /* The screenshot: decoded, not blank, each severity's colour on it. */
    char shot[200];
    snprintf(shot, sizeof shot, "--screenshot=%s", tmp("shot.png"));
    cr_assert_eq(chromium(bin, shot, page, "shot.out", "shot.err"), 0, "%s", sw_test_slurp(tmp("shot.err")));
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    cr_assert(png_image_begin_read_from_file(&img, tmp("shot.png")), "not a PNG: %s", img.message);
    img.format = PNG_FORMAT_RGB;
    uint8_t *px = malloc(PNG_IMAGE_SIZE(img));
    cr_assert(png_image_finish_read(&img, NULL, px, 0, NULL), "%s", img.message);
    cr_expect_eq(img.width, 1280u);
    cr_expect_eq(img.height, 1500u);
    size_t n = (size_t)img.width * img.height;
    size_t white = pixels_near(px, n, 0xffffff), ink = pixels_near(px, n, 0x1f1f1f) + pixels_near(px, n, 0x262626);
    cr_expect_lt(white, n * 95 / 100, "the page is blank: %zu of %zu pixels white", white, n);
    cr_expect_gt(ink, 2000u, "text and price lines are drawn");
    const uint32_t sev[3] = { 0x0072B2, 0xE69F00, 0xB40426 };
    const char *names[3] = { "info", "warning", "critical" };
    for (int i = 0; i < 3; i++) {
        size_t k = pixels_near(px, n, sev[i]);
        cr_expect_gt(k, 20u, "%s's colour #%06x: %zu pixels", names[i], sev[i], k);
    }
    /* Critical and warning marks are many: far more of their colour than
     * the legend's one mark each. */
    cr_expect_gt(pixels_near(px, n, sev[2]), 8 * pixels_near(px, n, sev[0]), "critical marks drawn");
    free(px);
    png_image_free(&img);
    free(dom);
    free(want);
}
