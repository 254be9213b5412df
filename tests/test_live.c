/*
 * test_live.c -- the dashboard (daemon/ops/sw_live.h) with real components:
 * shock-feed plays the 2025-01-27 session (its first twenty minutes) as
 * Finnhub's WebSocket service, shockd streams from it with its listener on a
 * free port, and the clients are real: libcurl for the page and the charts
 * (PNGs decoded with libpng), python3-websockets viewers and Debian's
 * chromium driven through the DevTools protocol (tests/live_peer.py).
 *
 *  - the page: one document, nothing fetched from elsewhere (CSP);
 *  - a real browser shows an alert raised during the test within 1 s of
 *    shockd handing it to its viewers (the page's own measure), and its
 *    screenshot is not blank;
 *  - the charts: /chart/NVDA.png is 800x400 with the critical alert's colour,
 *    the SVG holds the alert pointed out, the group's PNG decodes, bad paths
 *    and ids are refused;
 *  - viewers: at most metrics.max_viewers (16); one that never reads is
 *    dropped while the others keep getting frames, the bytes held stay
 *    bounded, and its place is free again.
 */
#include <criterion/criterion.h>

#include "feed_harness.h"
#include "sw_live.h"
#include "sw_test_http.h"

#include <png.h>

FH_SESSION_FIXTURE("live")

TestSuite(live, .init = setup, .fini = teardown, .timeout = 300);

/* ---- the pieces without I/O ------------------------------------------------------- */

Test(live, chart_paths_and_alert_ids)
{
    sw_live_chart_req r;
    char err[128];
    cr_assert_eq(sw_live_parse_chart("/chart/NVDA.png", &r, err, sizeof err), 0);
    cr_assert(r.png && !r.group && strcmp(r.name, "NVDA") == 0);
    cr_assert_eq(sw_live_parse_chart("/chart/BTC/USD.svg", &r, err, sizeof err), 0);
    cr_assert(!r.png && !r.group && strcmp(r.name, "BTC/USD") == 0);
    cr_assert_eq(sw_live_parse_chart("/chart/group/ai.png", &r, err, sizeof err), 0);
    cr_assert(r.png && r.group && strcmp(r.name, "ai") == 0);
    static const char *const bad[] = { "/chart/", "/chart/.png", "/chart/NVDA", "/chart/NVDA.gif",
                                       "/chart/group/a/b.png", "/chart/N VDA.png", "/chart/N\x01.png",
                                       "/chart/ABCDEFGHIJKLMNOPQRSTUVWXYZ.png", "/metrics" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(sw_live_parse_chart(bad[i], &r, err, sizeof err), -1, "%s", bad[i]);
    cr_assert(sw_live_valid_alert_id("00000000a1e70007"));
    cr_assert(!sw_live_valid_alert_id("00000000A1E70007"));
    cr_assert(!sw_live_valid_alert_id("00000000a1e7000"));
    cr_assert(!sw_live_valid_alert_id("00000000a1e70007x"));
    cr_assert(!sw_live_valid_alert_id(""));
}

/* ---- shockd live against shock-feed ------------------------------------------------ */

typedef struct run {
    fh_proc feed, shockd;
    int port;
} run;

static const char *config(const char *url, const char *metrics)
{
    static char path[256];
    char text[2048];
    snprintf(path, sizeof path, "%s/live.json", dir);
    snprintf(text, sizeof text,
             "{\"feed\": {\"provider\": \"finnhub\", \"url\": \"%s\", \"key_env\": \"SW_KEY\",\n"
             "   \"backoff_base\": \"20ms\", \"backoff_cap\": \"200ms\"},\n"
             " \"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"AVGO\", \"TSM\", \"ASML\", \"MSFT\", \"GOOG\", \"META\",\n"
             "   \"AMZN\", \"ORCL\", \"SMCI\", \"ARM\", \"MU\"], \"benchmarks\": [\"QQQ\", \"SPY\", \"SMH\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"warning_pct\": 5, \"critical_pct\": 10},\n"
             "   {\"type\": \"breadth\", \"groups\": [\"ai\"], \"warning_pct\": 3, \"critical_pct\": 5,\n"
             "    \"min_fraction\": 0.5, \"min_members\": 7}],\n"
             " \"sinks\": [\"stdout\"], \"log_level\": \"info\", \"state_dir\": \"%s\",\n"
             " \"metrics\": {\"listen\": \"127.0.0.1:0\"%s}}\n",
             url, dir, metrics ? metrics : "");
    fh_write(path, text);
    return path;
}

/* shock-feed (extra args) and shockd streaming from it, listener up. */
static run start(const char *const *feed_args, const char *metrics)
{
    run r;
    char url[128];
    r.feed = fh_feed_start(dir, "finnhub", head, feed_args, url, sizeof url);
    cr_assert(url[0], "shock-feed: %s", sw_test_slurp(r.feed.err));
    r.port = fh_shockd_listening(dir, config(url, metrics), "dashboard: http://127.0.0.1:", &r.shockd);
    cr_assert_gt(r.port, 0, "no dashboard: %s", sw_test_slurp(r.shockd.err));
    cr_assert(sw_test_wait_text(r.shockd.err, "feed: connected to", 1, 20000), "%s", sw_test_slurp(r.shockd.err));
    return r;
}

static void stop(run *r)
{
    fh_stop(&r->feed);
    cr_expect_eq(fh_stop(&r->shockd), 0, "%s", sw_test_slurp(r->shockd.err));
}

/* A decoded PNG: size, and whether it holds the colour, and the share of
 * pixels that are not white. */
typedef struct picture {
    unsigned w, h;
    int has_colour;
    double inked;
} picture;

static picture decode(const void *data, size_t len, unsigned rgb)
{
    picture p = { 0, 0, 0, 0 };
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    cr_assert(png_image_begin_read_from_memory(&img, data, len), "not a PNG");
    img.format = PNG_FORMAT_RGB;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
    cr_assert(png_image_finish_read(&img, NULL, px, 0, NULL));
    p.w = img.width;
    p.h = img.height;
    size_t n = (size_t)img.width * img.height, ink = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned)px[3 * i] << 16 | (unsigned)px[3 * i + 1] << 8 | px[3 * i + 2];
        p.has_colour |= c == rgb;
        ink += c != 0xffffff;
    }
    p.inked = (double)ink / (double)n;
    free(px);
    return p;
}

#define CRITICAL_RGB 0xB40426u /* sw_severity_rgb[2] */

/* The id of the first alert of `symbol` shockd printed (JSON sink), or "".
 * Its own alert: "symbol" right after "ts" (a group alert names it among
 * its members as {"symbol":...}). */
static void first_alert(const run *r, const char *symbol, char *id, long timeout_ms)
{
    char needle[64];
    snprintf(needle, sizeof needle, "\",\"symbol\":\"%s\"", symbol);
    id[0] = '\0';
    if (!sw_test_wait_text(r->shockd.out, needle, 1, timeout_ms))
        return;
    char *t = sw_test_slurp(r->shockd.out);
    for (char *line = t; line && *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        const char *k = strstr(line, "\"id\":\"");
        if (strstr(line, needle) && k) {
            snprintf(id, 17, "%s", k + 6);
            break;
        }
        line = nl + 1;
    }
    free(t);
}

Test(live, page_charts_and_a_browser_that_shows_the_alert_within_a_second)
{
    if (access("/usr/bin/chromium", X_OK) != 0)
        cr_skip_test("chromium is not installed (SW_PACKAGES has it): the browser part needs it");
    const char *hold[] = { "--hold", "--speed", "60", NULL };
    run r = start(hold, NULL);

    /* The page: one document, nothing from elsewhere. */
    th_body b, h;
    cr_assert_eq(th_fetch(r.port, "/", 0, &b, &h, NULL, 0), 200);
    cr_assert(strstr(b.p, "<title>shockwatch") && strstr(b.p, "/live"), "%.200s", b.p);
    cr_assert(strstr(h.p, "content-security-policy: default-src 'none';"), "%s", h.p);
    cr_assert(!strstr(b.p, "src=\"http") && !strstr(b.p, "href=\"http"), "an external asset");
    free(b.p);
    free(h.p);

    /* The browser opens it before any trade; then the session plays. */
    char id_file[192], shot[192], url[96];
    snprintf(id_file, sizeof id_file, "%s/alert.id", dir);
    snprintf(shot, sizeof shot, "%s/dashboard.png", dir);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", r.port);
    const char *bargv[] = { PYTHON, SW_SOURCE_DIR "/tests/live_peer.py", "browser", "--url", url, "--id-file", id_file,
                            "--screenshot", shot, "--timeout", "90", NULL };
    fh_proc br = fh_start(dir, "browser", bargv, NULL);
    cr_assert(sw_test_wait_text(br.out, "connected", 1, 90000), "the page never went live: %s",
              sw_test_slurp(br.err));
    cr_assert_eq(kill(r.feed.pid, SIGUSR1), 0);

    /* The first alert raised now, while the page watches. */
    char id[24];
    first_alert(&r, "NVDA", id, 60000);
    cr_assert(id[0], "no NVDA alert: %s", sw_test_slurp(r.shockd.err));
    fh_write(id_file, id);
    cr_assert_eq(fh_wait(&br, 120000), 0, "browser: %s", sw_test_slurp(br.err));
    char *res = sw_test_slurp(br.out);
    const char *js = strstr(res, "{\"id\"");
    cr_assert(js, "%s", res);
    char want[64];
    snprintf(want, sizeof want, "{\"id\": \"%s\"", id);
    cr_assert(strncmp(js, want, strlen(want)) == 0, "%s", js);
    const char *lat = strstr(js, "\"latency_ms\": ");
    cr_assert(lat, "%s", js);
    double ms = atof(lat + 14);
    cr_assert(ms >= 0 && ms < 1000, "the page showed alert %s %.0f ms after shockd sent it", id, ms);
    cr_assert(strstr(js, "NVDA"), "%s", js);
    free(res);
    char *png = sw_test_slurp(shot);
    FILE *f = fopen(shot, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    picture sp = decode(png, (size_t)n, CRITICAL_RGB);
    free(png);
    cr_assert(sp.w == 1400 && sp.h == 900, "screenshot %ux%u", sp.w, sp.h);
    cr_assert_gt(sp.inked, 0.02, "the screenshot is blank (%.4f of it inked)", sp.inked);
    cr_assert(sp.has_colour, "no critical glyph on the page");

    /* The charts of the day so far. */
    char path[128];
    snprintf(path, sizeof path, "/chart/NVDA.png?alert=%s", id);
    cr_assert_eq(th_fetch(r.port, path, 0, &b, &h, NULL, 0), 200);
    cr_assert(strstr(h.p, "content-type: image/png"), "%s", h.p);
    picture cp = decode(b.p, b.n, CRITICAL_RGB);
    cr_assert(cp.w == SW_LIVE_PNG_W && cp.h == SW_LIVE_PNG_H, "%ux%u", cp.w, cp.h);
    cr_assert(cp.has_colour, "the critical alert's colour is not in the chart");
    free(b.p);
    free(h.p);
    snprintf(path, sizeof path, "/chart/NVDA.svg?alert=%s", id);
    cr_assert_eq(th_fetch(r.port, path, 0, &b, NULL, NULL, 0), 200);
    snprintf(want, sizeof want, "class=\"alert critical focus\" data-id=\"%s\"", id);
    cr_assert(strstr(b.p, "<svg xmlns=\"http://www.w3.org/2000/svg\"") && strstr(b.p, want), "%.300s", b.p);
    free(b.p);
    cr_assert_eq(th_fetch(r.port, "/chart/group/ai.png", 0, &b, NULL, NULL, 0), 200);
    cp = decode(b.p, b.n, CRITICAL_RGB);
    cr_assert(cp.w == SW_LIVE_PNG_W && cp.h == SW_LIVE_PNG_H && cp.has_colour);
    free(b.p);
    cr_assert_eq(th_fetch(r.port, "/chart/NOPE.png", 0, &b, NULL, NULL, 0), 404);
    free(b.p);
    cr_assert_eq(th_fetch(r.port, "/chart/NVDA.png?alert=../../x", 0, &b, NULL, NULL, 0), 400);
    free(b.p);
    cr_assert_eq(th_fetch(r.port, "/chart/NVDA.exe", 0, &b, NULL, NULL, 0), 404);
    free(b.p);
    cr_expect_geq(th_metric(r.port, "shockwatch_chart_render_seconds_count{format=\"png\"}"), 2);
    stop(&r);
}

/* RSS of a process in KiB, or -1. */
static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            v = atol(line + 6);
    if (f)
        fclose(f);
    return v;
}

/* The frames count of a viewers line "frames state=N ...". */
static long frames(const char *path)
{
    char *t = sw_test_slurp(path);
    long n = -1;
    for (const char *p = strstr(t, "frames state="); p; p = strstr(p + 1, "frames state="))
        n = atol(p + 13);
    free(t);
    return n;
}

Test(live, viewers_are_bounded_and_one_that_never_reads_is_dropped)
{
    const char *loop[] = { "--loop", "--speed", "30", NULL };
    run r = start(loop, NULL); /* metrics.max_viewers: the default, 16 */
    long rss0 = rss_kib(r.shockd.pid);
    char url[96];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/live", r.port);
    const char *vargv[] = { PYTHON, SW_SOURCE_DIR "/tests/live_peer.py", "viewers", "--url", url, "--readers", "15",
                            "--stalled", "1", "--duration", "120", NULL };
    fh_proc v = fh_start(dir, "viewers", vargv, NULL);
    cr_assert(sw_test_wait_text(v.out, "connected 16", 1, 60000), "%s", sw_test_slurp(v.err));
    char *said = sw_test_slurp(v.out);
    cr_assert(strstr(said, "foreign origin refused") && strstr(said, "no subprotocol refused") &&
                  strstr(said, "other path refused"),
              "an upgrade that must be refused was not: %s", said);
    free(said);
    cr_assert_geq(th_metric(r.port, "shockwatch_http_rejected_total{reason=\"upgrade\"}"), 3);
    /* The seventeenth is refused. */
    cr_assert(sw_test_wait_text(v.out, "refused", 1, 30000), "%s", sw_test_slurp(v.err));
    cr_assert_geq(th_metric(r.port, "shockwatch_dashboard_viewers_total{result=\"refused\"}"), 1);
    /* While the one that never reads fills its buffers and stalls, the
     * bytes held for clients stay bounded (one frame for it at most, as
     * lws keeps what the socket did not take), and it is dropped. */
    double held_max = 0;
    uint64_t deadline = sw_test_now_ms() + 90000;
    long before = frames(v.out);
    while (th_metric(r.port, "shockwatch_dashboard_viewers_total{result=\"dropped\"}") < 1 && sw_test_now_ms() < deadline) {
        double held = th_metric(r.port, "shockwatch_http_buffer_bytes");
        held_max = held > held_max ? held : held_max;
        sw_test_sleep_ms(100);
    }
    cr_assert_geq(th_metric(r.port, "shockwatch_dashboard_viewers_total{result=\"dropped\"}"), 1,
                  "the viewer that never reads was not dropped: %s", sw_test_slurp(r.shockd.err));
    cr_assert_lt(held_max, 1 << 20, "held %.0f bytes for clients", held_max);
    /* The others went on: frames kept coming to them meanwhile. */
    cr_assert(sw_test_wait_text(v.out, "rejoined", 1, 30000), "no room again after the drop: %s",
              sw_test_slurp(v.out));
    cr_assert_gt(frames(v.out), before + 15 * 4, "the readers starved: %ld then %ld frames", before, frames(v.out));
    long rss1 = rss_kib(r.shockd.pid);
    cr_expect(rss0 > 0 && rss1 > 0 && rss1 - rss0 < 64 * 1024, "RSS %ld -> %ld KiB", rss0, rss1);
    cr_assert(sw_test_count_file(r.shockd.err, "a viewer took nothing for 10 s: dropped") >= 1);
    fh_stop(&v);
    stop(&r);
}
