/* End-to-end tests of the shockd program: real process, real files, the
 * bundled 2025-01-27 session, exit codes and messages a user sees. */
#define _DEFAULT_SOURCE /* timegm, mkdtemp */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sw_test_util.h"

#define SHOCKD SW_BINARY_DIR "/shockd"
#define SESSION SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson"

static char tmpdir[64];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(tmpdir, sizeof tmpdir, "e2e"), 0);
}

static void teardown(void)
{
    cr_expect_eq(sw_test_rmdir(tmpdir), 0);
}

TestSuite(shockd, .init = setup, .fini = teardown, .timeout = 120);

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

typedef struct result {
    int status;     /* exit code, or 128+signal */
    char *out, *err;
    uint64_t stop_ms; /* from SIGTERM to the exit */
} result;

static void result_free(result *r)
{
    free(r->out);
    free(r->err);
}

/* Start shockd with argv, its stdout and stderr into the files tmpdir/out and
 * tmpdir/err (their paths into outp and errp, 128 bytes each). */
static pid_t spawn(const char *const *argv, char *outp, char *errp)
{
    snprintf(outp, 128, "%s/out", tmpdir);
    snprintf(errp, 128, "%s/err", tmpdir);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        execv(SHOCKD, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Start shockd with argv; if term_on is set, send SIGTERM once its stdout
 * holds that text (polled, 60 s deadline; SIGTERM then anyway, and the
 * test's checks say what was missing). */
static result run(const char *const *argv, const char *term_on)
{
    char outp[128], errp[128];
    pid_t pid = spawn(argv, outp, errp);
    uint64_t t_term = 0;
    if (term_on) {
        sw_test_wait_text(outp, term_on, 1, 60000);
        t_term = sw_test_now_ms();
        kill(pid, SIGTERM);
    }
    int st;
    waitpid(pid, &st, 0);
    result r;
    r.stop_ms = term_on ? sw_test_now_ms() - t_term : 0;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = sw_test_slurp(outp);
    r.err = sw_test_slurp(errp);
    return r;
}

/* The demo's watchlist with JSON output, so tests read what programs read. */
/* Every config a test writes keeps shockd's state (spool, state.json) in the
 * test's own folder, never in /var/lib/shockwatch. */
static void write_config(const char *path, const char *fmt)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fprintf(f, fmt, tmpdir);
    fclose(f);
    write_file(path, text);
    free(text);
}

static const char *json_config(void)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/demo-json.json", tmpdir);
    write_config(path,
               "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"AVGO\", \"TSM\", \"ASML\", \"MSFT\", \"GOOG\",\n"
               "  \"META\", \"AMZN\", \"ORCL\", \"SMCI\", \"ARM\", \"MU\"], \"benchmarks\": [\"QQQ\", \"SPY\", \"SMH\"]},\n"
               " \"detectors\": [{\"type\": \"pct_move\"}], \"sinks\": [\"stdout\"], \"log_level\": \"warning\",\n"
               " \"state_dir\": \"%s\"}\n");
    return path;
}

static int64_t iso_to_ms(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int ms = 0;
    sscanf(s, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
           &tm.tm_sec, &ms);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

Test(shockd, bundled_session_catches_nvda_within_a_minute)
{
    const char *argv[] = { "shockd", "-c", json_config(), "--replay", SESSION, NULL };
    result r = run(argv, NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    int nvda_crit = 0, lines = 0;
    int64_t open_ms = INT64_C(1737988200000); /* 2025-01-27 09:30 New York */
    char *save = NULL;
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lines++;
        cJSON *o = cJSON_Parse(line);
        cr_assert_not_null(o, "stdout line is not JSON: %s", line);
        const char *sym = cJSON_GetObjectItem(o, "symbol")->valuestring;
        const char *sev = cJSON_GetObjectItem(o, "severity")->valuestring;
        if (strcmp(sym, "NVDA") == 0 && strcmp(sev, "critical") == 0) {
            double chg = cJSON_GetObjectItem(o, "change_pct")->valuedouble;
            cr_expect(chg <= -12.5 + 0.05 && chg >= -18.2, "NVDA change %g outside gap..low", chg);
            if (nvda_crit++ == 0) {
                int64_t t = iso_to_ms(cJSON_GetObjectItem(o, "ts")->valuestring);
                cr_expect(t >= open_ms && t < open_ms + 60000, "first NVDA critical at +%lld ms",
                          (long long)(t - open_ms));
                cr_expect_float_eq(cJSON_GetObjectItem(o, "reference")->valuedouble, 142.62, 1e-9);
            }
        }
        cr_expect_str_neq(sym, "META", "META rose that day: no alert");
        cr_expect_str_neq(sym, "SPY");
        cJSON_Delete(o);
    }
    cr_expect_geq(nvda_crit, 1);
    cr_expect_geq(lines, 8);
    cr_expect(strstr(r.err, "replay: ") != NULL && sw_test_says(r.err, 16, "symbols, 0 bad lines"),
              "summary: %s", r.err);
    result_free(&r);
}

/* A shipped config with "state_dir" set to the test's folder (the key is put
 * first; a later "state_dir" in the file would be a duplicate key, so the
 * shipped one is renamed out of the way). */
static const char *with_state_dir(char *text)
{
    static char buf[16384];
    char *sd = strstr(text, "\"state_dir\"");
    if (sd)
        memcpy(sd, "\"_unused__\"", 11);
    char *brace = strchr(text, '{');
    cr_assert_not_null(brace);
    snprintf(buf, sizeof buf, "{\"state_dir\": \"%s\",%s", tmpdir, brace + 1);
    if (sd) {
        /* Drop the renamed key with its value: "_unused__": "...", */
        char *k = strstr(buf, "\"_unused__\"");
        char *end = strchr(k, ',');
        memmove(k, end + 1, strlen(end + 1) + 1);
    }
    return buf;
}

/* config/demo.json (the full detector set) with JSON output. */
static const char *demo_config_json(void)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/demo.json", tmpdir);
    char *text = sw_test_slurp(SW_SOURCE_DIR "/config/demo.json");
    char *fmt = strstr(text, "\"format\": \"text\"");
    cr_assert_not_null(fmt, "config/demo.json has no text format line");
    memcpy(fmt, "\"format\": \"json\"", 16);
    write_file(path, with_state_dir(text));
    free(text);
    return path;
}

static int count_alerts(const char *out, const char *symbol, const char *detector, const char *severity)
{
    char want[160];
    int n = 0;
    snprintf(want, sizeof want, "\"symbol\":\"%s\",", symbol);
    for (const char *p = strstr(out, want); p; p = strstr(p + 1, want)) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char det[64], sev[64];
        snprintf(det, sizeof det, "\"detector\":\"%s\"", detector);
        snprintf(sev, sizeof sev, "\"severity\":\"%s\"", severity);
        char *line = strndup(p, len);
        n += (!detector[0] || strstr(line, det)) && (!severity[0] || strstr(line, sev));
        free(line);
    }
    return n;
}

Test(shockd, shipped_demo_config_catches_the_sell_off_and_spares_the_risers)
{
    const char *argv[] = { "shockd", "-c", demo_config_json(), "--replay", SESSION, NULL };
    result r = run(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *crashed[] = { "NVDA", "AVGO", "TSM", "ORCL", "SMCI", "MU", "ARM" };
    for (size_t i = 0; i < 7; i++)
        cr_expect_geq(count_alerts(r.out, crashed[i], "pct_move", "critical"), 1, "%s not critical", crashed[i]);
    cr_expect_eq(count_alerts(r.out, "ai", "breadth", "critical"), 1, "one critical sector alert for ai");
    const char *calm[] = { "META", "MSFT", "SPY" };
    for (size_t i = 0; i < 3; i++)
        cr_expect_eq(count_alerts(r.out, calm[i], "", "critical"), 0, "%s critical", calm[i]);
    /* The group alert lists its members with their moves. */
    const char *g = strstr(r.out, "\"detector\":\"breadth\"");
    cr_assert_not_null(g);
    cr_expect_not_null(strstr(g, "\"members\":[{\"symbol\":"));
    result_free(&r);
}

Test(shockd, calm_session_stays_quiet)
{
    const char *argv[] = { "shockd", "-c", demo_config_json(), "--replay",
                           SW_SOURCE_DIR "/data/sessions/2025-08-27/finnhub.ndjson", NULL };
    result r = run(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "", "an ordinary day raised: %s", r.out);
    cr_expect_not_null(strstr(r.err, "alerts: 0 critical, 0 warning, 0 info"), "%s", r.err);
    result_free(&r);
}

Test(shockd, daily_config_over_two_years_of_real_bars)
{
    /* The shell expands the glob; shockd gets every file. */
    char script[2048];
    char cfg[128];
    snprintf(cfg, sizeof cfg, "%s/daily.json", tmpdir);
    char *text = sw_test_slurp(SW_SOURCE_DIR "/config/daily.json");
    write_file(cfg, with_state_dir(text));
    free(text);
    snprintf(script, sizeof script, "%s -c %s --replay %s/data/daily/*.csv > %s/out 2> %s/err", SHOCKD, cfg,
             SW_SOURCE_DIR, tmpdir, tmpdir);
    cr_assert_eq(system(script), 0);
    char path[160];
    snprintf(path, sizeof path, "%s/out", tmpdir);
    char *out = sw_test_slurp(path);
    int nvda = 0, avgo = 0, split_days = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        int day27 = strstr(line, "\"ts\":\"2025-01-27") != NULL;
        int crit = strstr(line, "\"severity\":\"critical\"") != NULL;
        nvda += day27 && crit && strstr(line, "\"symbol\":\"NVDA\"");
        avgo += day27 && crit && strstr(line, "\"symbol\":\"AVGO\"");
        split_days += (strstr(line, "\"ts\":\"2024-06-10") && strstr(line, "\"symbol\":\"NVDA\"")) ||
                      (strstr(line, "\"ts\":\"2024-07-15") && strstr(line, "\"symbol\":\"AVGO\""));
    }
    cr_expect_geq(nvda, 1, "NVDA not critical on 2025-01-27");
    cr_expect_geq(avgo, 1, "AVGO not critical on 2025-01-27");
    cr_expect_eq(split_days, 0, "a split day alerted");
    free(out);
}

Test(shockd, replay_is_byte_identical)
{
    const char *argv[] = { "shockd", "-c", json_config(), "--replay", SESSION, NULL };
    result a = run(argv, NULL);
    result b = run(argv, NULL);
    cr_assert_eq(a.status, 0);
    cr_assert_eq(b.status, 0);
    cr_expect_gt(strlen(a.out), 100);
    cr_expect_str_eq(a.out, b.out);
    result_free(&a);
    result_free(&b);
}

Test(shockd, csv_files_merge_and_splits_do_not_alert)
{
    char cfg[128];
    snprintf(cfg, sizeof cfg, "%s/daily.json", tmpdir);
    write_config(cfg, "{\"groups\": {\"x\": [\"NVDA\", \"AVGO\"]}, \"detectors\": [{\"type\": \"pct_move\", "
                      "\"confirm_ticks\": 1}], \"log_level\": \"warning\", \"state_dir\": \"%s\"}");
    const char *argv[] = { "shockd", "-c", cfg, "--replay", SW_SOURCE_DIR "/data/daily/NVDA.csv",
                           SW_SOURCE_DIR "/data/daily/AVGO.csv", NULL };
    result r = run(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_null(strstr(r.out, "\"ts\":\"2024-06-10"), "NVDA split day alerted");
    cr_expect_null(strstr(r.out, "\"ts\":\"2024-07-15"), "AVGO split day alerted");
    cr_expect_not_null(strstr(r.out, "\"ts\":\"2025-01-27T14:30:00.000Z\",\"symbol\":\"NVDA\""),
                       "NVDA at the 2025-01-27 open");
    cr_expect_not_null(strstr(r.out, "\"ts\":\"2025-01-27T14:30:00.000Z\",\"symbol\":\"AVGO\""));
    /* Merged in event time: timestamps never go back. */
    char last[32] = "";
    for (char *p = strstr(r.out, "\"ts\":\""); p; p = strstr(p + 1, "\"ts\":\"")) {
        char ts[32];
        snprintf(ts, sizeof ts, "%.24s", p + 6);
        cr_expect_geq(strcmp(ts, last), 0, "%s after %s", ts, last);
        strcpy(last, ts);
    }
    cr_expect(sw_test_says(r.err, 4012, "ticks, 2 symbols"), "%s", r.err);
    result_free(&r);
}

Test(shockd, bad_lines_are_reported_with_file_and_line_and_skipped)
{
    char data[128];
    snprintf(data, sizeof data, "%s/bad.ndjson", tmpdir);
    FILE *f = fopen(data, "w");
    fprintf(f, "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":142.62,\"t\":1737752400000,\"v\":100}]}\n");
    fprintf(f, "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":\n");          /* truncated */
    fprintf(f, "{\"type\":\"ping\"}\n");                                            /* control */
    fprintf(f, "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":-5,\"t\":1737988200000,\"v\":1}]}\n");
    fprintf(f, "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":1e999,\"t\":1737988200000,\"v\":1}]}\n");
    fputc('{', f);
    for (int i = 0; i < (1 << 20) + 10; i++) /* over the 1 MiB line limit */
        fputc(' ', f);
    fputs("}\n", f);
    for (int i = 0; i < 3; i++)
        fprintf(f, "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":120,\"t\":%lld,\"v\":100}]}\n",
                1737988200000LL + i);
    fprintf(f, "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":121,\"t\":1737988100000,\"v\":100}]}\n");
    fclose(f);
    const char *argv[] = { "shockd", "-c", json_config(), "--replay", data, NULL };
    result r = run(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char want[256];
    snprintf(want, sizeof want, "%s:2: malformed JSON", data);
    cr_expect_not_null(strstr(r.err, want), "%s", r.err);
    snprintf(want, sizeof want, "%s:4: price not a positive finite number", data);
    cr_expect_not_null(strstr(r.err, want), "%s", r.err);
    snprintf(want, sizeof want, "%s:6: line longer than 1 MiB", data);
    cr_expect_not_null(strstr(r.err, want), "%s", r.err);
    cr_expect(sw_test_says(r.err, 4, "ticks, 1 symbols, 4 bad lines"), "%s", r.err);
    cr_expect(sw_test_says(r.err, 1, "out-of-order"), "%s", r.err);
    /* The good lines after the bad ones still count: -15.9% vs 142.62. */
    cr_expect_not_null(strstr(r.out, "\"severity\":\"critical\""), "%s", r.out);
    result_free(&r);
}

Test(shockd, check_names_misspelled_key)
{
    char cfg[128];
    snprintf(cfg, sizeof cfg, "%s/typo.json", tmpdir);
    write_file(cfg, "{\"groups\": {\"ai\": [\"NVDA\"]}, \"detectors\": [{\"type\": \"pct_move\", \"critcal_pct\": 12}]}");
    const char *argv[] = { "shockd", "--check", "-c", cfg, NULL };
    result r = run(argv, NULL);
    cr_expect_eq(r.status, 1);
    char want[256];
    snprintf(want, sizeof want, "%s: detectors[0].critcal_pct: unknown key \"critcal_pct\"; did you mean \"critical_pct\"?", cfg);
    cr_expect_not_null(strstr(r.err, want), "%s", r.err);
    result_free(&r);

    const char *ok[] = { "shockd", "--check", "-c", SW_SOURCE_DIR "/config/shockwatch.json", NULL };
    r = run(ok, NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_not_null(strstr(r.out, "OK: 17 symbols in 2 groups"), "%s", r.out);
    result_free(&r);
}

Test(shockd, unusable_input_file_fails_before_running)
{
    char csv[128];
    snprintf(csv, sizeof csv, "%s/NOCLOSE.csv", tmpdir);
    write_file(csv, "Date,Open,High,Low\n2025-01-27,1,2,0.5\n");
    const char *argv[] = { "shockd", "-c", json_config(), "--replay", csv, NULL };
    result r = run(argv, NULL);
    cr_expect_eq(r.status, 1);
    char want[256];
    snprintf(want, sizeof want, "%s:1: header has no Close column", csv);
    cr_expect_not_null(strstr(r.err, want), "%s", r.err);
    result_free(&r);

    const char *missing[] = { "shockd", "-c", json_config(), "--replay", "/nonexistent.ndjson", NULL };
    r = run(missing, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect_not_null(strstr(r.err, "/nonexistent.ndjson: cannot open: No such file or directory"), "%s", r.err);
    result_free(&r);
}

Test(shockd, usage_help_and_version)
{
    const char *help[] = { "shockd", "--help", NULL };
    result r = run(help, NULL);
    cr_expect_eq(r.status, 0);
    cr_expect_not_null(strstr(r.out, "--replay PATH"));
    result_free(&r);
    const char *ver[] = { "shockd", "--version", NULL };
    r = run(ver, NULL);
    cr_expect_eq(r.status, 0);
    cr_expect_eq(strncmp(r.out, "shockd ", 7), 0);
    result_free(&r);
    const char *bad[] = { "shockd", "--speed", "fast", "-c", json_config(), NULL };
    r = run(bad, NULL);
    cr_expect_eq(r.status, 2);
    cr_expect_not_null(strstr(r.err, "--speed: \"fast\" is not a positive number or \"max\""), "%s", r.err);
    result_free(&r);
}

Test(shockd, sigterm_stops_a_paced_replay_cleanly)
{
    const char *argv[] = { "shockd", "-c", json_config(), "--replay", SESSION, "--speed", "400", NULL };
    /* Stopped once the open's first NVDA alert is out, a few seconds into
     * the session. */
    result r = run(argv, "\"symbol\":\"NVDA\"");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_not_null(strstr(r.out, "\"symbol\":\"NVDA\""), "%s", r.out);
    const char *sum = strstr(r.err, "replay: ");
    cr_assert_not_null(sum, "summary printed on stop: %s", r.err);
    long ticks = strtol(sum + 8, NULL, 10);
    cr_expect(ticks > 0 && ticks < 349726, "stopped part-way, not at the end: %ld ticks", ticks);
    /* At 400x the rest of the session would take about a minute; the
     * deadline is generous, it only tells a stop from a run to the end. */
    cr_expect_lt(r.stop_ms, 30000, "%llu ms from SIGTERM to the exit", (unsigned long long)r.stop_ms);
    result_free(&r);
}

/* The save within a second of an alert runs in a forked child while shockd
 * goes on (sw_bgsave): state.json holds NVDA's alert key while shockd still
 * replays, before any save at exit.  Then shockd dies without a word
 * (SIGKILL, a crash): the file it left is whole, and no temporary file of a
 * child is left behind once the child is done. */
Test(shockd, state_is_saved_by_a_child_while_running_and_survives_a_crash)
{
    char state[160], errp[128], outp[128];
    snprintf(state, sizeof state, "%s/state.json", tmpdir);
    const char *argv[] = { "shockd", "-c", json_config(), "--replay", SESSION, "--speed", "60", NULL };
    pid_t pid = spawn(argv, outp, errp);
    /* At 60x the session takes over six minutes: the key appears long
     * before the end. */
    int saved = sw_test_wait_text(state, "{\"policy_key\":{\"symbol\":\"NVDA\"", 1, 90000);
    int alive = waitpid(pid, NULL, WNOHANG) == 0;
    char *err = sw_test_slurp(errp);
    cr_expect(saved, "NVDA's key saved while running; stderr: %s", err);
    cr_expect(alive, "shockd was still running when the key was in the file");
    cr_expect_null(strstr(err, "replay: "), "no summary yet (not the save at exit): %s", err);
    free(err);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);

    /* A child writing at the moment of the kill finishes on its own. */
    int tmp_left = 1;
    for (uint64_t t0 = sw_test_now_ms(); tmp_left && sw_test_now_ms() - t0 < 60000;) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "ls %s | grep -q 'state.json.tmp'", tmpdir);
        tmp_left = system(cmd) == 0;
        if (tmp_left)
            sw_test_sleep_ms(20);
    }
    cr_expect(!tmp_left, "no temporary file left in %s", tmpdir);
    char *text = sw_test_slurp(state);
    cr_assert_not_null(text);
    cr_expect(strstr(text, "{\"end\":") != NULL, "the file is whole (its end line)");
    free(text);
}
