/* Tests of per-symbol state across restarts (daemon/ops/sw_state): a save/load
 * round trip through state.json (version 2, JSON Lines; a version-1 file of
 * the previous release still restores, and a bad line of either is named by
 * file, line and JSON path), the day rolling over a restored close,
 * detector numbers through the optional hooks, a corrupt file reported as
 * FILE: json.path: what and ignored, symbols no longer watched, a state newer
 * than the data or older than a week, the other mode's file; and shockd
 * itself carrying Friday's close into a Monday replay. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "sw_engine.h"
#include "sw_log.h"
#include "sw_state.h"
#include "sw_time.h"
#include "sw_volume.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw_test_util.h"

#define SHOCKD SW_BINARY_DIR "/shockd"
#define SESSION SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson"

static char dir[64];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "state"), 0);
    sw_log_init("test");
    sw_log_set_level(SW_LOG_WARNING);
}

static void teardown(void)
{
    cr_expect_eq(sw_test_rmdir(dir), 0);
}

TestSuite(state, .init = setup, .fini = teardown, .timeout = 120);

/* A detector that keeps two numbers per symbol and saves them. */
typedef struct keep_st {
    double a, b;
    int restored;
} keep_st;

static void keep_defaults(void *p)
{
    (void)p;
}
static size_t keep_size(const void *p)
{
    (void)p;
    return sizeof(keep_st);
}
static void keep_sym_init(const sw_detector *d, void *st)
{
    (void)d;
    keep_st *k = st;
    k->a = k->b = NAN;
    k->restored = 0;
}
static void keep_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *st, const sw_tick *t)
{
    (void)d;
    (void)e;
    (void)s;
    keep_st *k = st;
    k->a = t->price * 2;
    k->b = NAN;
}
static size_t keep_save(const sw_detector *d, const void *st, double *out, size_t max)
{
    (void)d;
    const keep_st *k = st;
    if (max < 2 || isnan(k->a))
        return 0;
    out[0] = k->a;
    out[1] = k->b;
    return 2;
}
static int keep_restore(const sw_detector *d, void *st, const double *in, size_t n)
{
    (void)d;
    keep_st *k = st;
    if (n != 2)
        return -1;
    k->a = in[0];
    k->b = in[1];
    k->restored = 1;
    return 0;
}
static const sw_detector_type keep_type = {
    .name = "keep",
    .params_size = 1,
    .defaults = keep_defaults,
    .state_size = keep_size,
    .sym_init = keep_sym_init,
    .on_tick = keep_tick,
    .save_state = keep_save,
    .restore_state = keep_restore,
};

static void no_emit(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    (void)c;
}

static void build(sw_engine *e, const char *const *members, size_t n)
{
    sw_group_spec g = { "g", members, n };
    char params[8] = { 0 };
    sw_detector_spec d = { &keep_type, params };
    char err[256];
    cr_assert_eq(sw_engine_init(e, &g, 1, &d, 1, no_emit, NULL, err, sizeof err), 0, "%s", err);
}

static int64_t ny(int y, int m, int d, int hh, int mm, int ss)
{
    return sw_ny_to_utc(sw_days_from_civil(y, m, d), hh, mm, ss);
}

static void tick(sw_engine *e, const char *sym, int64_t ts, double price)
{
    sw_tick t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "%s", sym);
    t.ts_ns = ts;
    t.price = price;
    t.size = 100;
    cr_assert_eq(sw_engine_tick(e, &t), SW_TICK_OK);
}

/* A live run's state.json of e, then e is gone (a stop). */
static void save_and_free(sw_engine *e)
{
    sw_state st;
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_assert_eq(sw_state_save(&st, e), 0);
    sw_state_free(&st);
    sw_engine_free(e);
}

static void write_text(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Save, stop, and start again on the same watchlist: st loaded with
 * `want` records. */
static void save_and_restart(sw_engine *e, sw_state *st, const char *const *syms, size_t n, size_t want)
{
    cr_assert_eq(sw_state_save(st, e), 0);
    sw_state_free(st);
    sw_engine_free(e);
    build(e, syms, n);
    cr_assert_eq(sw_state_init(st, dir, "live"), 0);
    cr_assert_eq(sw_state_load(st, e), want);
}

Test(state, round_trip_and_the_next_day_rolls_over_the_restored_close)
{
    static const char *const syms[] = { "NVDA", "AMD" };
    sw_engine e;
    build(&e, syms, 2);
    tick(&e, "NVDA", ny(2025, 1, 23, 15, 59, 0), 140.0);
    tick(&e, "NVDA", ny(2025, 1, 24, 9, 30, 0), 141.0);
    tick(&e, "NVDA", ny(2025, 1, 24, 16, 0, 0), 142.62);
    tick(&e, "NVDA", ny(2025, 1, 24, 17, 5, 0), 142.9); /* after hours: a price, not the close */
    save_and_free(&e);
    sw_state st;

    char path[128];
    snprintf(path, sizeof path, "%s/state.json", dir);
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0);
    cr_expect_eq(sb.st_mode & 0777, 0600);

    /* A restart: a new engine, the same watchlist. */
    build(&e, syms, 2);
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_assert_eq(sw_state_load(&st, &e), 1, "AMD had no data: only NVDA is saved");
    int64_t monday_open = ny(2025, 1, 27, 9, 30, 0);
    sw_state_apply(&st, &e, monday_open);
    sw_symbol *s = sw_engine_symbol(&e, "NVDA");
    cr_expect_eq(s->day, sw_days_from_civil(2025, 1, 24));
    cr_expect_float_eq(s->prev_close, 140.0, 1e-9);
    cr_expect_float_eq(s->open, 141.0, 1e-9);
    cr_expect_float_eq(s->day_close, 142.62, 1e-9);
    cr_expect_float_eq(s->last_price, 142.9, 1e-9);
    cr_expect_eq(s->last_ts, ny(2025, 1, 24, 17, 5, 0));
    keep_st *k = (keep_st *)(s->state + e.dets[0].state_off);
    cr_expect_eq(k->restored, 1);
    cr_expect_float_eq(k->a, 142.9 * 2, 1e-9);
    cr_expect(isnan(k->b), "NaN survives as null");
    /* Monday's first trade: Friday's regular close becomes the previous close. */
    tick(&e, "NVDA", monday_open, 124.8);
    cr_expect_float_eq(s->prev_close, 142.62, 1e-9);
    cr_expect_float_eq(s->open, 124.8, 1e-9);
    /* A save now writes the engine's fresh values. */
    save_and_restart(&e, &st, syms, 2, 1);
    sw_state_apply(&st, &e, monday_open + SW_NS_PER_MIN);
    cr_expect_float_eq(sw_engine_symbol(&e, "NVDA")->prev_close, 142.62, 1e-9);
    sw_state_free(&st);
    sw_engine_free(&e);
}

Test(state, only_watched_symbols_and_only_older_state_are_restored)
{
    write_text("state.json",
               "{\"v\":1,\"mode\":\"replay\",\"symbols\":{"
               "\"NVDA\":{\"day\":\"2025-01-24\",\"prev_close\":140,\"open\":141,\"day_close\":142.62,"
               "\"last_price\":142.62,\"last_ts_ns\":\"1737752400000000000\"},"
               "\"MRVL\":{\"day\":\"2025-01-24\",\"prev_close\":1,\"open\":1,\"day_close\":1,\"last_price\":1},"
               "\"AMD\":{\"day\":\"2025-01-27\",\"prev_close\":122.84,\"open\":117.8,\"day_close\":115.01,"
               "\"last_price\":115.01,\"last_ts_ns\":\"1738011600000000000\"}}}");
    static const char *const syms[] = { "NVDA", "AMD" };
    sw_engine e;
    build(&e, syms, 2);
    sw_state st;
    cr_assert_eq(sw_state_init(&st, dir, "replay"), 0);
    cr_expect_eq(sw_state_load(&st, &e), 2, "MRVL is no longer watched");
    /* The replay starts on Monday morning: AMD's state is from Monday night. */
    sw_state_apply(&st, &e, ny(2025, 1, 27, 4, 0, 0));
    cr_expect_float_eq(sw_engine_symbol(&e, "NVDA")->day_close, 142.62, 1e-9);
    cr_expect(isnan(sw_engine_symbol(&e, "AMD")->prev_close), "newer state left out");
    cr_expect_eq(sw_engine_symbol(&e, "AMD")->day, SW_NO_DAY);
    sw_state_free(&st);

    /* A live start does not take a replay's state. */
    sw_engine_free(&e);
    build(&e, syms, 2);
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_expect_eq(sw_state_load(&st, &e), 0);
    sw_state_free(&st);
    sw_engine_free(&e);
}

Test(state, a_close_older_than_a_week_is_not_a_reference)
{
    write_text("state.json", "{\"v\":1,\"mode\":\"live\",\"symbols\":{\"NVDA\":{\"day\":\"2025-01-24\","
                             "\"prev_close\":140,\"day_close\":142.62,\"last_price\":142.62,"
                             "\"last_ts_ns\":\"1737752400000000000\"}}}");
    static const char *const syms[] = { "NVDA" };
    sw_engine e;
    build(&e, syms, 1);
    sw_state st;
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_assert_eq(sw_state_load(&st, &e), 1);
    sw_state_apply(&st, &e, ny(2025, 2, 18, 9, 30, 0)); /* three weeks later */
    cr_expect(isnan(sw_engine_symbol(&e, "NVDA")->prev_close));
    cr_expect(isnan(sw_engine_symbol(&e, "NVDA")->day_close));
    sw_state_free(&st);
    sw_engine_free(&e);
}

static void expect_ignored(const char *text)
{
    write_text("state.json", text);
    static const char *const syms[] = { "NVDA", "AMD" };
    sw_engine e;
    build(&e, syms, 2);
    sw_state st;
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_expect_eq(sw_state_load(&st, &e), 0, "%s", text);
    cr_expect_eq(st.pending, 0);
    sw_state_free(&st);
    sw_engine_free(&e);
}

/* stderr (redirected) holds want, every "@" in it spelled as the state
 * file's path. */
static void expect_reports(const char *want)
{
    fflush(stderr);
    char f[96], text[8192];
    snprintf(f, sizeof f, "%s/state.json", dir);
    size_t o = 0;
    for (const char *p = want; *p && o + sizeof f < sizeof text; p++) {
        if (*p == '@')
            o += (size_t)snprintf(text + o, sizeof text - o, "%s", f);
        else
            text[o++] = *p;
    }
    text[o] = '\0';
    cr_expect_stderr_eq_str(text);
}

Test(state, a_corrupt_file_is_reported_and_ignored)
{
    cr_redirect_stderr();
    expect_ignored("{\"v\":1,\"mode\":\"live\",\"symbols\":{\"NVDA\":{\"day\":");
    expect_ignored("{\"v\":3,\"mode\":\"live\",\"symbols\":{}}");
    expect_ignored("{\"v\":1,\"mode\":\"live\",\"symbols\":{\"NVDA\":{\"prev_close\":\"142\",\"day\":\"Jan 24\","
                   "\"last_ts_ns\":12,\"detectors\":[{\"index\":0}]}}}");
    expect_ignored("[]");
    /* cJSON keeps both members of a repeated key */
    expect_ignored("{\"v\":1,\"mode\":\"live\",\"symbols\":{\"NVDA\":{},\"AMD\":{},\"NVDA\":{}}}");
    expect_reports("test: warning: @: (top level): is not a JSON object (invalid JSON)\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @: v: is another version (1 or 2: the versions this shockd reads)\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @: symbols.NVDA.day: is not a date (a date \"YYYY-MM-DD\" or null)\n"
                   "test: warning: @: symbols.NVDA.prev_close: is a string (a positive price or null)\n"
                   "test: warning: @: symbols.NVDA.last_ts_ns: is a number (nanoseconds since 1970 as a string of "
                   "digits)\n"
                   "test: warning: @: symbols.NVDA.detectors[0]: is not {\"index\": N, \"type\": NAME, "
                   "\"values\": \"at most 1024 numbers or null, separated by spaces\"}\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @: (top level): is not a JSON object\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @: symbols.NVDA: appears twice\n"
                   "test: warning: @: ignored (starting without saved state)\n");
}

/* A detector's numbers are one string in the file: each reads back to the
 * same double (17 digits where 15 do not), NaN as null; anything else in it
 * is reported with its position and the file ignored. */
Test(state, detector_numbers_round_trip_exactly_and_a_bad_one_is_named)
{
    static const char *const syms[] = { "NVDA" };
    const double px = 0.1 + 0.2; /* 0.30000000000000004 */
    sw_engine e;
    build(&e, syms, 1);
    tick(&e, "NVDA", ny(2025, 1, 24, 15, 0, 0), px);
    save_and_free(&e);
    sw_state st;
    char path[128];
    snprintf(path, sizeof path, "%s/state.json", dir);
    char *text = sw_test_slurp(path);
    cr_expect(strstr(text, "\"type\":\"keep\",\"values\":\"0.60000000000000009 null\"") != NULL, "%s", text);
    free(text);

    build(&e, syms, 1);
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_assert_eq(sw_state_load(&st, &e), 1);
    sw_state_apply(&st, &e, ny(2025, 1, 27, 9, 30, 0));
    keep_st *k = (keep_st *)(sw_engine_symbol(&e, "NVDA")->state + e.dets[0].state_off);
    cr_expect_eq(k->restored, 1);
    cr_expect(k->a == 2 * px, "%.17g", k->a);
    cr_expect(isnan(k->b));
    sw_state_free(&st);
    sw_engine_free(&e);

    cr_redirect_stderr();
    static const char *const bad[] = { "1 nan", "1  2", "1 2 ", "0x1p3 1e999" };
    for (size_t i = 0; i < 4; i++) {
        char doc[256];
        snprintf(doc, sizeof doc, "{\"v\":1,\"mode\":\"live\",\"symbols\":{\"NVDA\":{\"detectors\":"
                 "[{\"index\":0,\"type\":\"keep\",\"values\":\"%s\"}]}}}", bad[i]);
        expect_ignored(doc);
    }
    expect_reports("test: warning: @: symbols.NVDA.detectors[0]: values: number 2 is \"nan\" (a number or null)\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @: symbols.NVDA.detectors[0]: values: number 2 is \"\" (a number or null)\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @: symbols.NVDA.detectors[0]: values: number 3 is \"\" (a number or null)\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @: symbols.NVDA.detectors[0]: values: number 2 is \"1e999\" (a number or null)\n"
                   "test: warning: @: ignored (starting without saved state)\n");
}

Test(state, an_unwritable_state_dir_is_reported_once_and_not_fatal)
{
    char file[128], below[160];
    snprintf(file, sizeof file, "%s/file", dir);
    write_text("file", "x");
    snprintf(below, sizeof below, "%s/state", file);
    static const char *const syms[] = { "NVDA" };
    sw_engine e;
    build(&e, syms, 1);
    tick(&e, "NVDA", ny(2025, 1, 24, 10, 0, 0), 140.0);
    sw_state st;
    cr_assert_eq(sw_state_init(&st, below, "live"), 0);
    cr_redirect_stderr();
    cr_expect_eq(sw_state_save(&st, &e), -1);
    cr_expect_eq(sw_state_save(&st, &e), -1);
    fflush(stderr);
    char want[512];
    snprintf(want, sizeof want, "test: warning: state: cannot save per-symbol state: %s: cannot create directory: "
                                "Not a directory\n", below);
    cr_expect_stderr_eq_str(want);
    sw_state_free(&st);
    sw_engine_free(&e);
}

/* ---- shockd: Friday's close carried into a Monday replay ---------------------------- */

static int run(const char *const *argv, const char *out, const char *err)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        execv(SHOCKD, (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(state, shockd_carries_the_previous_close_across_a_restart)
{
    /* Split the bundled session at Monday 00:00 New York: Friday's last
     * minutes, then Monday. */
    int64_t cut_ms = ny(2025, 1, 27, 0, 0, 0) / 1000000;
    FILE *in = fopen(SESSION, "r");
    cr_assert_not_null(in);
    char fri[128], mon[128], cfg[128], out[128], err[128];
    snprintf(fri, sizeof fri, "%s/friday.ndjson", dir);
    snprintf(mon, sizeof mon, "%s/monday.ndjson", dir);
    FILE *a = fopen(fri, "w"), *b = fopen(mon, "w");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    size_t na = 0, nb = 0;
    while ((n = getline(&line, &cap, in)) > 0) {
        const char *t = strstr(line, "\"t\":");
        long long ms = t ? atoll(t + 4) : 0;
        if (ms && ms < cut_ms) {
            fputs(line, a);
            na++;
        } else {
            fputs(line, b);
            nb++;
        }
    }
    free(line);
    fclose(in);
    fclose(a);
    fclose(b);
    cr_assert(na > 0 && nb > 0);
    snprintf(cfg, sizeof cfg, "%s/c.json", dir);
    FILE *c = fopen(cfg, "w");
    fprintf(c, "{\"groups\": {\"ai\": [\"NVDA\", \"AVGO\"]}, \"detectors\": [{\"type\": \"pct_move\"}], "
               "\"sinks\": [\"stdout\"], \"state_dir\": \"%s/state\", \"log_level\": \"info\"}", dir);
    fclose(c);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(err, sizeof err, "%s/err", dir);

    /* Monday alone knows no previous close: no prev_close alert. */
    const char *only_monday[] = { "shockd", "-c", cfg, "--replay", mon, NULL };
    cr_assert_eq(run(only_monday, out, err), 0);
    char *o = sw_test_slurp(out);
    cr_expect_null(strstr(o, "\"symbol\":\"NVDA\""), "%s", o);
    free(o);
    char rm[200];
    snprintf(rm, sizeof rm, "rm -rf %s/state", dir);
    cr_assert_eq(system(rm), 0);

    /* Friday, then a restart with Monday: the close comes from state.json. */
    const char *friday[] = { "shockd", "-c", cfg, "--replay", fri, NULL };
    cr_assert_eq(run(friday, out, err), 0);
    cr_assert_eq(run(only_monday, out, err), 0);
    o = sw_test_slurp(out);
    char *e = sw_test_slurp(err);
    cr_expect_not_null(strstr(e, "state: restored 2 symbols"), "%s", e);
    cr_expect_not_null(strstr(o, "\"symbol\":\"NVDA\""), "NVDA alerts against Friday's close: %s", o);
    cr_expect_not_null(strstr(o, "\"reference\":142.62"), "%s", o);
    free(o);
    free(e);
}

/* Many symbols, a restart where half of them trade: the save keeps the
 * other half's loaded records (found by bisection among them, detector
 * numbers included) and the file reads back whole. */
Test(state, a_save_keeps_the_records_of_symbols_without_news)
{
    enum { N = 2000 };
    static char names[N][8];
    static const char *ptrs[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "S%04d", N - 1 - i); /* not in sorted order */
        ptrs[i] = names[i];
    }
    sw_engine e;
    build(&e, ptrs, N);
    for (int i = 0; i < N; i++)
        tick(&e, names[i], ny(2025, 1, 24, 15, 0, 0), 100 + i);
    sw_state st;
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_assert_eq(sw_state_save(&st, &e), 0);
    sw_state_free(&st);
    sw_engine_free(&e);

    build(&e, ptrs, N);
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_assert_eq(sw_state_load(&st, &e), (size_t)N);
    sw_state_apply(&st, &e, ny(2025, 1, 27, 9, 30, 0));
    sw_engine_free(&e);
    /* A fresh engine (nothing applied) where the even ones trade on Monday. */
    build(&e, ptrs, N);
    for (int i = 0; i < N; i += 2)
        tick(&e, names[i], ny(2025, 1, 27, 10, 0, 0), 200 + i);
    cr_assert_eq(sw_state_save(&st, &e), 0);
    sw_state_free(&st);
    sw_engine_free(&e);

    build(&e, ptrs, N);
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_assert_eq(sw_state_load(&st, &e), (size_t)N, "every symbol still in the file");
    sw_state_apply(&st, &e, ny(2025, 1, 27, 16, 0, 0));
    for (int i = 0; i < N; i++) {
        sw_symbol *s = sw_engine_symbol(&e, names[i]);
        cr_assert_float_eq(s->last_price, i % 2 ? 100 + i : 200 + i, 1e-9, "%s", names[i]);
        keep_st *k = (keep_st *)(s->state + e.dets[0].state_off);
        cr_assert_eq(k->restored, 1, "%s: its detector numbers came back", names[i]);
        cr_assert_float_eq(k->a, 2 * (i % 2 ? 100 + i : 200 + i), 1e-9, "%s", names[i]);
    }
    sw_state_free(&st);
    sw_engine_free(&e);
}

/* The previous release's file (version 1, one document) restores -- prices,
 * detector numbers, the checkpoint's bytes -- and the next save writes
 * version 2 with the same content, records of symbols without news included. */
Test(state, a_version_1_file_still_restores_and_is_saved_as_version_2)
{
    static const char *const syms[] = { "NVDA", "AMD" };
    sw_engine e;
    build(&e, syms, 2);
    tick(&e, "NVDA", ny(2025, 1, 24, 15, 0, 0), 142.5);
    /* A version-1 document with this engine's checkpoint bytes. */
    char *b64 = NULL;
    {
        sw_state st;
        cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
        cr_assert_eq(sw_state_save(&st, &e), 0);
        sw_state_free(&st);
        char path[128];
        snprintf(path, sizeof path, "%s/state.json", dir);
        char *text = sw_test_slurp(path);
        char *p = strstr(text, "\"engine\":\"");
        cr_assert_not_null(p, "%s", text);
        p += 10;
        b64 = strndup(p, strcspn(p, "\""));
        char *fp = strstr(text, "\"fingerprint\":\"");
        cr_assert_not_null(fp);
        char doc[4096];
        snprintf(doc, sizeof doc,
                 "{\"v\":1,\"mode\":\"live\",\"saved_at\":\"2025-01-24T20:00:00.000Z\",\"checkpoint\":{%.32s,"
                 "\"detectors\":[null],\"policy\":[]},\"symbols\":{\"NVDA\":{\"day\":\"2025-01-24\","
                 "\"prev_close\":140,\"open\":141,\"day_close\":142.5,\"last_price\":142.5,"
                 "\"last_ts_ns\":\"1737748800000000000\",\"detectors\":[{\"index\":0,\"type\":\"keep\","
                 "\"values\":\"285 null\"}],\"engine\":\"%s\"}}}",
                 fp, b64);
        free(text);
        write_text("state.json", doc);
    }
    sw_engine_free(&e);

    for (int round = 0; round < 2; round++) {
        build(&e, syms, 2);
        sw_state st;
        cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
        cr_assert_eq(sw_state_load(&st, &e), 1, "round %d", round);
        sw_state_apply(&st, &e, ny(2025, 1, 27, 9, 30, 0));
        sw_symbol *s = sw_engine_symbol(&e, "NVDA");
        cr_expect_float_eq(s->prev_close, 140.0, 1e-9, "round %d", round);
        cr_expect_float_eq(s->day_close, 142.5, 1e-9);
        cr_expect_eq(st.restored, 1, "round %d: the checkpoint's bytes came back", round);
        keep_st *k = (keep_st *)(s->state + e.dets[0].state_off);
        cr_expect_eq(k->restored, 1);
        cr_expect_float_eq(k->a, 285, 1e-9);
        sw_engine_free(&e);
        /* A save by an engine where NVDA had no news keeps its record, on
         * its line in the new file: no detector state is held any more. */
        build(&e, syms, 2);
        cr_assert_eq(sw_state_save(&st, &e), 0);
        cr_expect(st.vals == NULL && st.dets == NULL && st.v1 == NULL && st.n == 1 &&
                      !(st.recs[0].flags & SW_STATE_REC_V1) && st.recs[0].line == 2,
                  "round %d", round);
        sw_state_free(&st);
        sw_engine_free(&e);
        char path[128];
        snprintf(path, sizeof path, "%s/state.json", dir);
        char *text = sw_test_slurp(path);
        cr_expect(strncmp(text, "{\"v\":2,", 7) == 0, "%s", text);
        cr_expect(strstr(text, "\n{\"symbol\":\"NVDA\",\"day\":\"2025-01-24\",\"prev_close\":140,") != NULL, "%s",
                  text);
        cr_expect(strstr(text, b64) != NULL, "the checkpoint's bytes are kept");
        cr_expect(strstr(text, "\n{\"end\":2}\n") != NULL, "%s", text);
        free(text);
    }
    free(b64);
}

/* A live run's state.json where each of syms traded once on Friday
 * 2025-01-24 at 15:00, the i-th at 10 * (i + 1). */
static void save_friday(const char *const *syms, size_t n)
{
    sw_engine e;
    build(&e, syms, n);
    for (size_t i = 0; i < n; i++)
        tick(&e, syms[i], ny(2025, 1, 24, 15, 0, 0), 10.0 * (double)(i + 1));
    save_and_free(&e);
}

/* save_friday, then a restart's engine of the same watchlist and st with
 * the file loaded (every symbol's record). */
static void load_friday(sw_engine *e, sw_state *st, const char *const *syms, size_t n)
{
    save_friday(syms, n);
    build(e, syms, n);
    cr_assert_eq(sw_state_init(st, dir, "live"), 0);
    cr_assert_eq(sw_state_load(st, e), n);
}

/* A record's detector state is read again from its line when it is used:
 * several saves in a row (each replacing the file the records point into)
 * keep the numbers of every symbol without news. */
Test(state, records_follow_their_lines_across_saves)
{
    static const char *const syms[] = { "NVDA", "AMD", "TSM" };
    sw_engine e;
    sw_state st;
    load_friday(&e, &st, syms, 3);
    for (int i = 0; i < 3; i++) {
        sw_engine_free(&e);
        build(&e, syms, 3);
        if (i == 1)
            tick(&e, "AMD", ny(2025, 1, 27, 10, 0, 0), 21);
        cr_assert_eq(sw_state_save(&st, &e), 0, "save %d", i);
    }
    sw_engine_free(&e);
    sw_state_free(&st);
    build(&e, syms, 3);
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    /* AMD's line after its news came from the engine of that save, and its
     * record went (the engine holds its state from then on; in shockd an
     * engine is not replaced without its symbols' sessions: a reload
     * carries them); the last engine had no news of it, so the last save
     * has no line of AMD (not Friday's numbers: older than what it saved). */
    cr_assert_eq(sw_state_load(&st, &e), 2);
    sw_state_apply(&st, &e, ny(2025, 1, 27, 16, 0, 0));
    const char *names[] = { "NVDA", "TSM" };
    const double px[] = { 10, 30 };
    for (int i = 0; i < 2; i++) {
        sw_symbol *s = sw_engine_symbol(&e, names[i]);
        keep_st *k = (keep_st *)(s->state + e.dets[0].state_off);
        cr_expect_float_eq(s->last_price, px[i], 1e-9, "%s", names[i]);
        cr_expect_eq(k->restored, 1, "%s", names[i]);
        cr_expect_float_eq(k->a, 2 * px[i], 1e-9, "%s", names[i]);
    }
    cr_expect_eq(st.restored, 2);
    cr_expect(isnan(sw_engine_symbol(&e, "AMD")->last_price));
    sw_state_free(&st);
    sw_engine_free(&e);
}

/* Version 2's own faults, each named by file:line and JSON path, and the
 * file ignored as a whole: a bad header, a bad symbol line, a line that is
 * none of ours, a symbol twice, a file cut short, a line after the end. */
Test(state, a_bad_line_of_version_2_is_named_by_its_line)
{
    static const char head[] = "{\"v\":2,\"mode\":\"live\",\"saved_at\":\"x\"}\n";
    static const char nvda[] = "{\"symbol\":\"NVDA\",\"day\":\"2025-01-24\",\"last_price\":1,"
                               "\"last_ts_ns\":\"1737748800000000000\"}\n";
    char docs[7][512];
    snprintf(docs[0], sizeof docs[0], "{\"v\":2,\"mode\":\"paper\"}\n{\"end\":1}\n");
    snprintf(docs[1], sizeof docs[1], "%s%s{\"symbol\":\"AMD\",\"open\":-1,\"engine\":\"@@\"}\n{\"end\":3}\n", head,
             nvda);
    snprintf(docs[2], sizeof docs[2], "%s%s[1]\n{\"lol\":1}\n{\"end\":4}\n", head, nvda);
    snprintf(docs[3], sizeof docs[3], "%s%s%s{\"end\":3}\n", head, nvda, nvda);
    snprintf(docs[4], sizeof docs[4], "%s%s", head, nvda);
    snprintf(docs[5], sizeof docs[5], "%s%s{\"end\":2}\n%s", head, nvda, nvda);
    snprintf(docs[6], sizeof docs[6], "%s%s{\"policy_key\":{\"symbol\":\"NVDA\",\"instance\":1e300}}\n{\"end\":5}\n",
             head, nvda);
    cr_redirect_stderr();
    for (int i = 0; i < 7; i++)
        expect_ignored(docs[i]);
    expect_reports("test: warning: @:1: mode: is unknown (\"replay\" or \"live\")\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @:3: AMD.open: is not a positive price (a positive price or null)\n"
                   "test: warning: @:3: AMD: engine is not base64\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @:3: (line): is not a JSON object\n"
                   "test: warning: @:4: (line): is none of a symbol's {\"symbol\": ..}, {\"policy_key\": ..}, "
                   "{\"end\": N}\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @:3: NVDA: appears twice (also on line 2)\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @:3: (end): missing: the file was cut short\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @:4: (line): comes after the end line\n"
                   "test: warning: @: ignored (starting without saved state)\n"
                   "test: warning: @:3: policy_key: is not a policy key {\"symbol\", \"instance\", \"direction\", "
                   "\"active\", \"alerted\", \"severity\", \"magnitude\", \"last_ts_ns\"}\n"
                   "test: warning: @:4: end: is not 3, the lines before it (lines are missing or added)\n"
                   "test: warning: @: ignored (starting without saved state)\n");
}

/* A file changed in place after it was read (not by us: a save replaces
 * it): a record whose line is no longer its own is reported, by file and
 * line, and its symbol starts fresh (its prices are on that line too). */
Test(state, a_line_changed_after_the_load_is_reported_not_trusted)
{
    static const char *const syms[] = { "NVDA", "AMD" };
    sw_engine e;
    sw_state st;
    load_friday(&e, &st, syms, 2);
    /* The same inode, rewritten: every line moves by a byte. */
    char path[128];
    snprintf(path, sizeof path, "%s/state.json", dir);
    char *text = sw_test_slurp(path);
    FILE *f = fopen(path, "r+");
    cr_assert_not_null(f);
    fprintf(f, " %s", text);
    fclose(f);
    free(text);
    cr_redirect_stderr();
    sw_state_apply(&st, &e, ny(2025, 1, 27, 9, 30, 0));
    for (int i = 0; i < 2; i++) {
        sw_symbol *s = sw_engine_symbol(&e, syms[i]);
        cr_expect(isnan(s->last_price), "%s", syms[i]);
        cr_expect_eq(s->day, SW_NO_DAY, "%s", syms[i]);
        cr_expect_eq(((keep_st *)(s->state + e.dets[0].state_off))->restored, 0, "%s", syms[i]);
    }
    cr_expect_eq(st.restored, 0);
    expect_reports("test: warning: @:2: NVDA: is not a JSON object any more (the file changed since it was read); "
                   "the symbol starts fresh\n"
                   "test: warning: @:3: AMD: is not a JSON object any more (the file changed since it was read); "
                   "the symbol starts fresh\n"
                   "test: warning: state: 2 symbols start fresh: @ changed since it was read (see above)\n");
    sw_state_free(&st);
    sw_engine_free(&e);
}

/* What a symbol's state was when it was saved, to compare with what a
 * restart restores. */
typedef struct snap {
    int64_t day, last_ts;
    double prev_close, open, day_close, last_price, a, b;
} snap;

static snap snap_of(const sw_engine *e, sw_symbol *s)
{
    const keep_st *k = (const keep_st *)(s->state + e->dets[0].state_off);
    return (snap){ s->day, s->last_ts, s->prev_close, s->open, s->day_close, s->last_price, k->a, k->b };
}

/* Bit for bit (NaN included): a detector's numbers are written exactly. */
static int same(double x, double y)
{
    return memcmp(&x, &y, sizeof x) == 0;
}

/* A price as cJSON writes it: 15 significant digits when they read back
 * within its epsilon, so the last bit may go (as it always did). */
static int close_price(double x, double y)
{
    return (isnan(x) && isnan(y)) || fabs(x - y) <= fabs(y) * 4 * DBL_EPSILON;
}

/* A record holds which symbol and where its line is, nothing of what the
 * line says: the prices, times and detector numbers restored before the
 * first event come from the line, read again then, and are the ones saved
 * (detector numbers bit for bit, NaN too), for the same watchlist (the
 * checkpoint's bytes too) and for one in another order (the checkpoint is
 * another engine's then; the records count the new order's symbols). */
Test(state, a_record_read_again_at_apply_gives_the_same_numbers)
{
    static const char *const syms[] = { "NVDA", "AMD", "TSM", "SPY" };
    const double px[][3] = { { 140.1, 0.1 + 0.2, 142.62 }, { 1e-7, 123456.789012345, 3.0000000000000004 },
                             { 99.99, 100.01, 5e300 } };
    sw_engine e;
    build(&e, syms, 4);
    for (int i = 0; i < 3; i++) { /* SPY: no trade, no record */
        tick(&e, syms[i], ny(2025, 1, 23, 15, 59, 0), px[i][0]);
        tick(&e, syms[i], ny(2025, 1, 24, 9, 30, 0), px[i][1]);
        tick(&e, syms[i], ny(2025, 1, 24, 15, 0, 0) + i, px[i][2]);
    }
    snap want[3];
    for (int i = 0; i < 3; i++)
        want[i] = snap_of(&e, sw_engine_symbol(&e, syms[i]));
    save_and_free(&e);

    static const char *const again[] = { "SPY", "TSM", "NVDA", "AMD" };
    for (int round = 0; round < 2; round++) {
        build(&e, round ? again : syms, 4);
        sw_state st;
        cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
        cr_assert_eq(sw_state_load(&st, &e), 3);
        cr_expect_leq(sizeof(sw_state_rec), 20, "a record is small: %zu bytes", sizeof(sw_state_rec));
        cr_expect(st.v1 == NULL && st.dets == NULL && st.vals == NULL, "no numbers are held after the load");
        for (size_t i = 0; i < st.n; i++) {
            cr_expect_lt(st.recs[i].sym, e.n_syms);
            cr_expect_eq(st.recs[i].flags, 0);
            cr_expect(i == 0 || st.recs[i - 1].sym < st.recs[i].sym, "by sym");
        }
        sw_state_apply(&st, &e, ny(2025, 1, 27, 9, 30, 0));
        cr_expect_eq(st.restored, round ? 0 : 3, "round %d: the checkpoint's bytes", round);
        for (int i = 0; i < 3; i++) {
            sw_symbol *s = sw_engine_symbol(&e, syms[i]);
            snap got = snap_of(&e, s);
            cr_expect_eq(got.day, want[i].day, "%s", syms[i]);
            cr_expect_eq(got.last_ts, want[i].last_ts, "%s", syms[i]);
            cr_expect(close_price(got.prev_close, want[i].prev_close) && close_price(got.open, want[i].open) &&
                          close_price(got.day_close, want[i].day_close) &&
                          close_price(got.last_price, want[i].last_price),
                      "%s: %.17g %.17g %.17g %.17g", syms[i], got.prev_close, got.open, got.day_close, got.last_price);
            cr_expect(same(got.a, want[i].a) && same(got.b, want[i].b), "%s: detector numbers %.17g %.17g", syms[i],
                      got.a, got.b);
            cr_expect_eq(((keep_st *)(s->state + e.dets[0].state_off))->restored, 1, "%s", syms[i]);
        }
        cr_expect_eq(sw_engine_symbol(&e, "SPY")->day, SW_NO_DAY);
        sw_state_free(&st);
        sw_engine_free(&e);
    }
}

/* Replace the first `from` in the file (in place: the same inode, every
 * line where it was) by `to`, of the same length. */
static void patch_in_place(const char *from, const char *to)
{
    cr_assert_eq(strlen(from), strlen(to));
    char path[128];
    snprintf(path, sizeof path, "%s/state.json", dir);
    char *text = sw_test_slurp(path);
    char *p = strstr(text, from);
    cr_assert_not_null(p, "%s in %s", from, text);
    FILE *f = fopen(path, "r+");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, (long)(p - text), SEEK_SET), 0);
    cr_assert_eq(fwrite(to, 1, strlen(to), f), strlen(to));
    fclose(f);
    free(text);
}

/* Lines that turn bad between the load and the first event (the file
 * edited in place under a running shockd): a bad number, another symbol's
 * name.  Each is a warning naming file:line (and the JSON path), its
 * symbol starts fresh -- no number of it is taken -- the others are
 * restored, and the next save leaves the bad ones out rather than write
 * what it cannot vouch for. */
Test(state, a_line_turned_bad_after_the_load_starts_that_symbol_fresh)
{
    static const char *const syms[] = { "NVDA", "AMD", "TSM" };
    sw_engine e;
    sw_state st;
    load_friday(&e, &st, syms, 3);
    patch_in_place("\"open\":20,", "\"open\":-2,");
    patch_in_place("\"symbol\":\"TSM\"", "\"symbol\":\"TSX\"");
    cr_redirect_stderr();
    sw_state_apply(&st, &e, ny(2025, 1, 27, 9, 30, 0));
    sw_symbol *nvda = sw_engine_symbol(&e, "NVDA");
    cr_expect_float_eq(nvda->last_price, 10, 1e-9);
    cr_expect_eq(((keep_st *)(nvda->state + e.dets[0].state_off))->restored, 1);
    for (int i = 1; i < 3; i++) {
        sw_symbol *s = sw_engine_symbol(&e, syms[i]);
        cr_expect_eq(s->day, SW_NO_DAY, "%s", syms[i]);
        cr_expect(isnan(s->last_price) && isnan(s->open) && s->last_ts == INT64_MIN, "%s", syms[i]);
        cr_expect_eq(((keep_st *)(s->state + e.dets[0].state_off))->restored, 0, "%s", syms[i]);
    }
    cr_expect_eq(st.restored, 1);
    /* A save by an engine without news keeps NVDA's record, not the bad ones. */
    sw_engine_free(&e);
    build(&e, syms, 3);
    cr_assert_eq(sw_state_save(&st, &e), 0);
    cr_expect_eq(st.n, 1);
    expect_reports("test: warning: @:3: AMD.open: is not a positive price (a positive price or null)\n"
                   "test: warning: @:3: AMD: the line changed since it was read (the problem above); the symbol "
                   "starts fresh\n"
                   "test: warning: @:4: TSM: is not that symbol's line any more (the file changed since it was "
                   "read); the symbol starts fresh\n"
                   "test: warning: state: 2 symbols start fresh: @ changed since it was read (see above)\n"
                   "test: warning: @:3: AMD.open: is not a positive price (a positive price or null)\n"
                   "test: warning: @:3: AMD: the line changed since it was read (the problem above); it is left "
                   "out of this save\n"
                   "test: warning: @:4: TSM: is not that symbol's line any more (the file changed since it was "
                   "read); it is left out of this save\n");
    sw_state_free(&st);
    sw_engine_free(&e);
}

/* A reload that changes the watchlist before the next save (shockd's
 * engine replaced: other symbols, another order): the records, which count
 * the symbols of the watchlist they were loaded for, follow by name -- a
 * symbol still watched keeps its line, one no longer watched is left out. */
Test(state, records_follow_a_reload_that_changes_the_watchlist)
{
    static const char *const syms[] = { "NVDA", "AMD", "TSM" };
    static const char *const after[] = { "TSM", "INTC", "NVDA" };
    sw_engine e;
    sw_state st;
    load_friday(&e, &st, syms, 3);
    sw_engine_free(&e);
    build(&e, after, 3);
    cr_assert_eq(sw_state_save(&st, &e), 0);
    cr_expect_eq(st.n, 2, "NVDA and TSM");
    sw_state_free(&st);
    sw_engine_free(&e);
    char path[128];
    snprintf(path, sizeof path, "%s/state.json", dir);
    char *text = sw_test_slurp(path);
    cr_expect(strstr(text, "\n{\"symbol\":\"TSM\",\"day\":\"2025-01-24\",") != NULL, "%s", text);
    cr_expect(strstr(text, "\"AMD\"") == NULL && strstr(text, "\"INTC\"") == NULL, "%s", text);
    free(text);
    build(&e, after, 3);
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_assert_eq(sw_state_load(&st, &e), 2);
    sw_state_apply(&st, &e, ny(2025, 1, 27, 9, 30, 0));
    cr_expect_float_eq(sw_engine_symbol(&e, "NVDA")->last_price, 10, 1e-9);
    cr_expect_float_eq(sw_engine_symbol(&e, "TSM")->last_price, 30, 1e-9);
    cr_expect(isnan(sw_engine_symbol(&e, "INTC")->last_price));
    keep_st *k = (keep_st *)(sw_engine_symbol(&e, "TSM")->state + e.dets[0].state_off);
    cr_expect_float_eq(k->a, 60, 1e-9);
    sw_state_free(&st);
    sw_engine_free(&e);
}

/* shockd prunes before it forks a save (sw_state_prune): once the first
 * event is in, a record is needed only while its symbol has neither traded
 * nor been restored (a replay of data older than the file here: each
 * symbol's saved state is newer, so none is); the others go, in shockd
 * itself, and with the last of them their memory.  Saves still write
 * every symbol (the engine's state for those that traded). */
Test(state, a_prune_lets_go_of_the_records_of_symbols_that_traded)
{
    static const char *const syms[] = { "NVDA", "AMD", "TSM" };
    sw_engine e;
    sw_state st;
    load_friday(&e, &st, syms, 3);
    sw_state_prune(&st, &e);
    cr_expect_eq(st.n, 3, "before the first event every record waits for it");
    sw_state_apply(&st, &e, ny(2025, 1, 24, 14, 0, 0));
    sw_state_prune(&st, &e);
    cr_expect_eq(st.n, 3, "newer than the first event: not restored, kept for the saves");
    tick(&e, "AMD", ny(2025, 1, 24, 14, 0, 0), 21);
    sw_state_prune(&st, &e);
    cr_expect_eq(st.n, 2);
    cr_assert_eq(sw_state_save(&st, &e), 0);
    tick(&e, "NVDA", ny(2025, 1, 24, 14, 1, 0), 11);
    tick(&e, "TSM", ny(2025, 1, 24, 14, 1, 0), 31);
    sw_state_prune(&st, &e);
    cr_expect(st.n == 0 && st.recs == NULL);
    save_and_restart(&e, &st, syms, 3, 3);
    sw_state_apply(&st, &e, ny(2025, 1, 27, 9, 30, 0));
    const double px[] = { 11, 21, 31 };
    for (int i = 0; i < 3; i++)
        cr_expect_float_eq(sw_engine_symbol(&e, syms[i])->last_price, px[i], 1e-9, "%s", syms[i]);
    sw_state_free(&st);
    sw_engine_free(&e);
}

/* After an upgrade from version 1 (whole records: there are no lines to
 * read them from again), a prune lets go of each record's checkpoint once
 * its symbol is the engine's, and of the whole records and their pools
 * with the last one. */
Test(state, a_prune_after_an_upgrade_lets_go_of_the_whole_records)
{
    static const char *const syms[] = { "NVDA", "AMD" };
    write_text("state.json",
               "{\"v\":1,\"mode\":\"live\",\"saved_at\":\"2025-01-24T21:00:00.000Z\",\"symbols\":{"
               "\"NVDA\":{\"day\":\"2025-01-24\",\"last_price\":142.5,\"last_ts_ns\":\"1737748800000000000\","
               "\"detectors\":[{\"index\":0,\"type\":\"keep\",\"values\":\"285 null\"}],\"engine\":\"AAAA\"},"
               "\"AMD\":{\"day\":\"2025-01-27\",\"last_price\":120,\"last_ts_ns\":\"1738000000000000000\"}}}");
    sw_engine e;
    build(&e, syms, 2);
    sw_state st;
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_assert_eq(sw_state_load(&st, &e), 2);
    cr_assert(st.v1 != NULL && st.n_v1 == 2 && st.n_dets == 1);
    sw_state_apply(&st, &e, ny(2025, 1, 27, 9, 30, 0)); /* AMD's state is newer: not restored */
    cr_expect_float_eq(sw_engine_symbol(&e, "NVDA")->last_price, 142.5, 1e-9);
    sw_state_prune(&st, &e);
    cr_expect_eq(st.n, 1, "AMD's record waits");
    cr_expect(st.v1 != NULL && st.dets != NULL, "AMD's whole record stays");
    tick(&e, "AMD", ny(2025, 1, 27, 9, 31, 0), 118);
    sw_state_prune(&st, &e);
    cr_expect(st.n == 0 && st.recs == NULL && st.v1 == NULL && st.dets == NULL && st.vals == NULL);
    sw_state_free(&st);
    sw_engine_free(&e);
}

/* The upgrade: a state.json written by the build before the per-symbol
 * state shrank (main d0c8534, whose checkpoint fingerprint is
 * a28970b6f86850a4 and whose volume counted a window's sessions in 16
 * bits).  The lines below are that build's (shockd --replay of
 * data/intraday_5m/NVDA_5m.csv, shortened to one symbol and even means).
 * This build refuses the checkpoint's bytes (another layout) and restores
 * what is kept as numbers: the symbol's closes and volume's baseline, the
 * counts past 255 clamped where one byte holds them. */
Test(state, a_file_of_the_build_before_restores_its_numbers_not_its_checkpoint)
{
    static const char *const syms[] = { "NVDA" };
    sw_group_spec g = { "ai", syms, 1 };
    const sw_detector_type *vt = sw_detector_find("volume");
    cr_assert_not_null(vt);
    static unsigned char params[4096];
    cr_assert_leq(vt->params_size, sizeof params);
    vt->defaults(params);
    sw_detector_spec d = { vt, params };
    char err[256];
    sw_engine e;
    cr_assert_eq(sw_engine_init(&e, &g, 1, &d, 1, no_emit, NULL, err, sizeof err), 0, "%s", err);

    static char doc[16384];
    int n = snprintf(doc, sizeof doc,
                     "{\"v\":2,\"mode\":\"live\",\"saved_at\":\"2026-12-03T22:32:49.001Z\",\"checkpoint\":"
                     "{\"fingerprint\":\"a28970b6f86850a4\",\"detectors\":[null]}}\n"
                     "{\"symbol\":\"NVDA\",\"day\":\"2026-02-27\",\"prev_close\":184.89999389648438,"
                     "\"open\":181.22000122070312,\"day_close\":177.16000366210938,\"last_price\":177.16000366210938,"
                     "\"last_ts\":\"2026-02-27T20:59:59.999Z\",\"last_ts_ns\":\"1772225999999000000\","
                     "\"detectors\":[{\"index\":0,\"type\":\"volume\",\"values\":\"78 20511 77 10561614 0 -1 0 1");
    for (int w = 0; w < 78; w++)
        n += snprintf(doc + n, sizeof doc - (size_t)n, " %d", 1000000 + 1000 * w);
    for (int w = 0; w < 78; w++)
        n += snprintf(doc + n, sizeof doc - (size_t)n, " %d", w < 39 ? 43 : 300 + w);
    n += snprintf(doc + n, sizeof doc - (size_t)n,
                  "\"}],\"engine\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD//////////wAAAAAAAAAA\"}\n"
                  "{\"end\":2}\n");
    cr_assert_lt((size_t)n, sizeof doc);
    write_text("state.json", doc);

    sw_state st;
    cr_assert_eq(sw_state_init(&st, dir, "live"), 0);
    cr_assert_eq(sw_state_load(&st, &e), 1);
    sw_state_apply(&st, &e, ny(2026, 3, 2, 9, 30, 0));
    sw_symbol *s = sw_engine_symbol(&e, "NVDA");
    cr_expect_eq(st.restored, 0, "another layout's checkpoint bytes are not put back");
    cr_expect_eq(s->day, sw_days_from_civil(2026, 2, 27));
    cr_expect_float_eq(s->prev_close, 184.89999389648438, 1e-9);
    cr_expect_float_eq(s->day_close, 177.16000366210938, 1e-9, "Monday's reference");
    static double v[SW_DET_STATE_MAX];
    const sw_detector *vd = &e.dets[0];
    cr_assert_eq(vt->save_state(vd, s->state + vd->state_off, v, SW_DET_STATE_MAX), 8 + 2 * 78,
                 "volume's baseline came back");
    cr_expect_eq(v[2], 77);
    cr_expect_eq(v[3], 10561614);
    for (int w = 0; w < 78; w++) {
        cr_expect_eq(v[8 + w], 1000000 + 1000 * w, "mean of window %d", w);
        cr_expect_eq(v[8 + 78 + w], w < 39 ? 43 : SW_VOLUME_DAYS_MAX, "sessions of window %d", w);
    }
    sw_state_free(&st);
    sw_engine_free(&e);
}
