/*
 * test_replay.c -- daemon/sources/sw_replay: NDJSON recordings and OHLCV CSV files
 * merged in event-time order on a real libuv loop.
 *
 * T0 = 1737988200 s = 2025-01-27 14:30:00 UTC = 09:30 EST (day 20115 * 86400 +
 * 52200); Finnhub's "t" is in ms, so T0 is written 1737988200000 there, and
 * the CSV's naive "2025-01-27 09:30:00" is New York time, i.e. T0 too.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "sw_log.h"
#include "sw_replay.h"
#include "sw_time.h"

#define T0 INT64_C(1737988200)
#define S(x) ((int64_t)(x) * SW_NS_PER_SEC)
#define MAX_EV 20000

/* ---- temporary files ----------------------------------------------------- */

static char tmpdir[64];
static char made[16][600];
static int n_made;

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sw_test_replay.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    n_made = 0;
    sw_log_set_level(SW_LOG_ERROR); /* the bad lines below are expected */
}

static void teardown(void)
{
    for (int i = 0; i < n_made; i++)
        unlink(made[i]);
    rmdir(tmpdir);
}

TestSuite(replay, .init = setup, .fini = teardown);

static const char *write_file(const char *name, const char *content)
{
    cr_assert_lt(n_made, 16);
    char *path = made[n_made++];
    snprintf(path, sizeof made[0], "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(content, 1, strlen(content), f), strlen(content));
    fclose(f);
    return path;
}

static const char *data_path(const char *rel)
{
    static char path[2][512];
    static int which;
    char *p = path[which++ & 1];
    snprintf(p, sizeof path[0], "%s/data/%s", SW_SOURCE_DIR, rel);
    if (access(p, R_OK) != 0)
        snprintf(p, sizeof path[0], "/work/shared/data/%s", rel);
    return p;
}

/* ---- running a replay ------------------------------------------------------ */

typedef struct recorder {
    sw_event *ev;
    size_t n;
    int done;
    size_t stop_after;     /* call sw_replay_stop after this many events (0: never) */
    int close_in_done;     /* close the replay from on_done, as shockd does */
    sw_replay *r;
} recorder;

static int closed_calls;

static void on_closed(sw_replay *r)
{
    (void)r;
    closed_calls++;
}

/* The ahead hook's view: which event it announced before each event ran. */
static sw_event ahead_seen[MAX_EV];
static size_t n_ahead;

static void on_ahead(void *ctx, const sw_event *next)
{
    recorder *rec = ctx;
    cr_assert_lt(n_ahead, (size_t)MAX_EV);
    cr_assert_eq(n_ahead, rec->n, "one announcement before each event but the last");
    ahead_seen[n_ahead++] = *next;
}

static void on_event(void *ctx, const sw_event *ev)
{
    recorder *rec = ctx;
    cr_assert_lt(rec->n, (size_t)MAX_EV);
    cr_assert_eq(rec->done, 0, "event after on_done");
    rec->ev[rec->n++] = *ev;
    if (rec->stop_after && rec->n == rec->stop_after)
        sw_replay_stop(rec->r);
}

static void on_done(void *ctx, sw_replay *r)
{
    recorder *rec = ctx;
    cr_assert_eq(r, rec->r);
    rec->done++;
    if (rec->close_in_done)
        sw_replay_close(r, on_closed);
}

/* Open, run to the end on a fresh loop, close, and check the loop is empty. */
static void run(const char *const *paths, size_t n, const char *format, double speed, recorder *rec,
                sw_replay_stats *stats)
{
    uv_loop_t loop;
    cr_assert_eq(uv_loop_init(&loop), 0);
    sw_replay r;
    cr_assert_eq(sw_replay_open(&r, paths, n, format, "finnhub"), 0);
    rec->ev = calloc(MAX_EV, sizeof *rec->ev);
    cr_assert_not_null(rec->ev);
    rec->r = &r;
    closed_calls = 0;
    n_ahead = 0;
    r.ahead = on_ahead;
    cr_assert_eq(sw_replay_start(&r, &loop, speed, on_event, on_done, rec), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec->done, 1);
    cr_assert(r.finished);
    /* Before event i ran, the hook was shown event i + 1 (decoded ahead). */
    if (!rec->stop_after) {
        cr_assert_eq(n_ahead + 1, rec->n ? rec->n : 1);
        for (size_t i = 0; i < n_ahead; i++) {
            cr_assert_str_eq(ahead_seen[i].tick.symbol, rec->ev[i + 1].tick.symbol, "announcement %zu", i);
            cr_assert_eq(ahead_seen[i].tick.ts_ns, rec->ev[i + 1].tick.ts_ns, "announcement %zu", i);
        }
    }
    *stats = r.stats;
    if (!rec->close_in_done) {
        cr_assert_eq(closed_calls, 0);
        sw_replay_close(&r, on_closed);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    cr_assert_eq(closed_calls, 1);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

static void expect_ev(const recorder *rec, size_t i, const char *sym, double price, int64_t ts_ns)
{
    cr_assert_lt(i, rec->n);
    const sw_event *e = &rec->ev[i];
    cr_assert_eq(e->kind, SW_EV_TICK, "event %zu: kind %d", i, e->kind);
    cr_assert_str_eq(e->tick.symbol, sym, "event %zu", i);
    cr_assert_eq(e->tick.price, price, "event %zu: price %g, expected %g", i, e->tick.price, price);
    cr_assert_eq(e->tick.ts_ns, ts_ns, "event %zu: ts %lld, expected %lld", i, (long long)e->tick.ts_ns,
                 (long long)ts_ns);
}

static void expect_nondecreasing(const recorder *rec)
{
    for (size_t i = 1; i < rec->n; i++)
        cr_assert_geq(rec->ev[i].tick.ts_ns, rec->ev[i - 1].tick.ts_ns, "event %zu goes back in time", i);
}

/* ---- the three-file merge -------------------------------------------------- */

static const char *A_NDJSON =
    "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":100,\"t\":1737988200000,\"v\":1}]}\n"
    "{\"type\":\"ping\"}\n"
    "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":101,\"t\":1737988260000,\"v\":1},"
    "{\"s\":\"NVDA\",\"p\":102,\"t\":1737988320000,\"v\":1}]}\n";
static const char *B_NDJSON =
    "{\"type\":\"trade\",\"data\":[{\"s\":\"AAPL\",\"p\":200,\"t\":1737988200000,\"v\":1}]}\n"
    "this is not json\n"
    "{\"type\":\"trade\",\"data\":[{\"s\":\"AAPL\",\"p\":201,\"t\":1737988290000,\"v\":1}]}\n";
/* Two 5-minute bars (spacing 5 min -> bar length 300 s).  Bar 1 rises (10 ->
 * 10.5): open, low, high, close at T0, +100 s, +200 s, +300 s - 1 ms.  Bar 2
 * falls (10.5 -> 10.1): open, high, low, close from T0 + 300 s. */
static const char *C_CSV =
    "Datetime,Open,High,Low,Close,Volume\n"
    "2025-01-27 09:30:00,10,11,9,10.5,400\n"
    "2025-01-27 09:35:00,10.5,10.6,10,10.1,400\n";

/* The merged stream of a, b, c in that order on the command line. */
static void expect_abc(const recorder *rec, const char *first, double p1, const char *second, double p2)
{
    cr_assert_eq(rec->n, 13u);
    expect_ev(rec, 0, first, p1, S(T0));        /* the T0 tie: command-line order */
    expect_ev(rec, 1, second, p2, S(T0));
    expect_ev(rec, 2, "AMD", 10, S(T0));
    expect_ev(rec, 3, "NVDA", 101, S(T0 + 60));
    expect_ev(rec, 4, "AAPL", 201, S(T0 + 90));
    expect_ev(rec, 5, "AMD", 9, S(T0 + 100));
    expect_ev(rec, 6, "NVDA", 102, S(T0 + 120));
    expect_ev(rec, 7, "AMD", 11, S(T0 + 200));
    expect_ev(rec, 8, "AMD", 10.5, S(T0 + 300) - 1000000);
    expect_ev(rec, 9, "AMD", 10.5, S(T0 + 300));
    expect_ev(rec, 10, "AMD", 10.6, S(T0 + 400));
    expect_ev(rec, 11, "AMD", 10, S(T0 + 500));
    expect_ev(rec, 12, "AMD", 10.1, S(T0 + 600) - 1000000);
    expect_nondecreasing(rec);
    /* Sizes and flags come from the source: CSV volume / 4, Finnhub "v". */
    cr_assert_eq(rec->ev[2].tick.size, 100.0);
    cr_assert_eq(rec->ev[2].tick.flags, (uint32_t)SW_TICK_SYNTH_BAR);
    cr_assert_eq(rec->ev[3].tick.size, 1.0);
    cr_assert_eq(rec->ev[3].tick.flags, 0u);
}

static void expect_abc_stats(const sw_replay_stats *st)
{
    cr_assert_eq(st->events, 13u);
    cr_assert_eq(st->lines, 8u);      /* 3 + 3 NDJSON lines, 2 CSV rows (not the header) */
    cr_assert_eq(st->bad_lines, 1u);  /* "this is not json" */
    cr_assert_eq(st->bad_trades, 0u);
    cr_assert_eq(st->control, 1u);    /* the ping */
}

Test(replay, merge_two_ndjson_and_csv)
{
    const char *paths[3] = { write_file("a.ndjson", A_NDJSON), write_file("b.ndjson", B_NDJSON),
                             write_file("AMD_5m.csv", C_CSV) };
    recorder rec = { 0 };
    sw_replay_stats st;
    run(paths, 3, NULL, 0, &rec, &st);
    expect_abc(&rec, "NVDA", 100, "AAPL", 200);
    expect_abc_stats(&st);
    free(rec.ev);
}

Test(replay, ties_follow_command_line_order)
{
    /* Same files, a and b swapped: at T0 AAPL now comes first. */
    const char *a = write_file("a.ndjson", A_NDJSON);
    const char *b = write_file("b.ndjson", B_NDJSON);
    const char *c = write_file("AMD_5m.csv", C_CSV);
    const char *paths[3] = { b, a, c };
    recorder rec = { 0 };
    sw_replay_stats st;
    run(paths, 3, NULL, 0, &rec, &st);
    expect_abc(&rec, "AAPL", 200, "NVDA", 100);
    /* And the CSV first: its open tick at T0 leads. */
    const char *paths2[3] = { c, a, b };
    recorder rec2 = { 0 };
    run(paths2, 3, NULL, 0, &rec2, &st);
    cr_assert_eq(rec2.n, 13u);
    expect_ev(&rec2, 0, "AMD", 10, S(T0));
    expect_ev(&rec2, 1, "NVDA", 100, S(T0));
    expect_ev(&rec2, 2, "AAPL", 200, S(T0));
    expect_nondecreasing(&rec2);
    free(rec.ev);
    free(rec2.ev);
}

Test(replay, paced_replay_delivers_everything_in_order)
{
    const char *paths[3] = { write_file("a.ndjson", A_NDJSON), write_file("b.ndjson", B_NDJSON),
                             write_file("AMD_5m.csv", C_CSV) };
    recorder rec = { 0 };
    sw_replay_stats st;
    /* 600 s of event time at a million times real time: 0.6 ms of wall time. */
    run(paths, 3, NULL, 1e6, &rec, &st);
    expect_abc(&rec, "NVDA", 100, "AAPL", 200);
    expect_abc_stats(&st);
    free(rec.ev);
}

Test(replay, paced_replay_skips_long_gaps)
{
    /* Two events one second apart, then one a day later.  At 1000x the day
     * would take 86.4 s of wall time; waits longer than 2 s are skipped. */
    const char *p = write_file("gap.ndjson",
        "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":100,\"t\":1737988200000,\"v\":1}]}\n"
        "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":101,\"t\":1737988201000,\"v\":1}]}\n"
        "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":102,\"t\":1738074600000,\"v\":1}]}\n");
    recorder rec = { 0 };
    sw_replay_stats st;
    uint64_t t_start = uv_hrtime();
    run(&p, 1, NULL, 1000, &rec, &st);
    double secs = (double)(uv_hrtime() - t_start) / 1e9;
    cr_assert_eq(rec.n, 3u);
    expect_ev(&rec, 2, "NVDA", 102, S(T0 + 86400));
    cr_assert_eq(st.skipped_gaps, 1u);
    /* A generous deadline: it only tells a skipped day from a waited one. */
    cr_assert_lt(secs, 60.0, "paced replay took %.1f s (the day was waited for)", secs);
    free(rec.ev);
}

/* ---- bad lines ---------------------------------------------------------------- */

Test(replay, bad_lines_counted_good_lines_delivered)
{
    /* 1 good; 2 malformed (bad line); 3 one good + one bad trade (bad trade
     * only); 4 its only trade bad (bad line and bad trade); 5 longer than
     * 1 MiB (bad line); 6 empty (ignored); 7 good, without final newline. */
    size_t big = SW_NDJSON_MAX_LINE + 100;
    char *content = malloc(big + 4096);
    cr_assert_not_null(content);
    int n = snprintf(content, 4096,
        "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":100,\"t\":1737988200000,\"v\":1}]}\n"
        "{\"type\":\"trade\",\"data\":[\n"
        "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":101,\"t\":1737988201000,\"v\":1},"
        "{\"s\":\"NVDA\",\"p\":-1,\"t\":1737988201000,\"v\":1}]}\n"
        "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":0,\"t\":1737988202000,\"v\":1}]}\n");
    memset(content + n, ' ', big);
    content[n] = '{';
    strcpy(content + n + big,
           "\n\n{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":102,\"t\":1737988203000,\"v\":1}]}");
    const char *p1 = write_file("mixed.ndjson", content);
    free(content);
    /* And a CSV with one bad row between two good ones. */
    const char *p2 = write_file("MSFT.csv", "Date,Open,High,Low,Close\n"
                                            "2025-01-27 09:30:00,430,430,430,430\n"
                                            "2025-01-27 09:31:00,abc,430,430,430\n"
                                            "2025-01-27 09:32:00,431,431,431,431\n");
    const char *paths[2] = { p1, p2 };
    recorder rec = { 0 };
    sw_replay_stats st;
    run(paths, 2, NULL, 0, &rec, &st);
    cr_assert_eq(st.bad_lines, 4u);   /* lines 2, 4, 5 of mixed.ndjson and row 3 of MSFT.csv */
    cr_assert_eq(st.bad_trades, 2u);  /* the -1 and the 0 price */
    cr_assert_eq(st.lines, 10u);      /* 7 NDJSON lines (the empty one too) + 3 CSV rows */
    cr_assert_eq(st.events, 11u);     /* 3 NDJSON ticks + 2 bars * 4 */
    cr_assert_eq(rec.n, 11u);
    /* T0: NVDA 100 before MSFT's open (file order); the bars are 1 minute long
     * (ticks at +20 s, +40 s, +59.999 s). */
    expect_ev(&rec, 0, "NVDA", 100, S(T0));
    expect_ev(&rec, 1, "MSFT", 430, S(T0));
    expect_ev(&rec, 2, "NVDA", 101, S(T0 + 1));
    expect_ev(&rec, 3, "NVDA", 102, S(T0 + 3));
    expect_ev(&rec, 4, "MSFT", 430, S(T0 + 20));
    expect_ev(&rec, 5, "MSFT", 430, S(T0 + 40));
    expect_ev(&rec, 6, "MSFT", 430, S(T0 + 60) - 1000000);
    expect_ev(&rec, 7, "MSFT", 431, S(T0 + 120));
    expect_nondecreasing(&rec);
    free(rec.ev);
}

/* ---- open failures -------------------------------------------------------------- */

Test(replay, open_failures)
{
    const char *good = write_file("a.ndjson", A_NDJSON);
    const char *nohdr = write_file("NVDA.csv", "Date,Open,High,Low\n2025-01-27,1,1,1\n");
    char missing_nd[700], missing_csv[700];
    snprintf(missing_nd, sizeof missing_nd, "%s/missing.ndjson", tmpdir);
    snprintf(missing_csv, sizeof missing_csv, "%s/MISSING.csv", tmpdir);
    sw_replay r;
    /* Unknown format, named or implied by the provider. */
    cr_assert_eq(sw_replay_open(&r, &good, 1, "bloomberg", "finnhub"), -1);
    cr_assert_null(r.files);
    cr_assert_eq(sw_replay_open(&r, &good, 1, NULL, "nosuchprovider"), -1);
    /* Missing files of either kind, an unusable CSV header. */
    const char *m1 = missing_nd, *m2 = missing_csv;
    cr_assert_eq(sw_replay_open(&r, &m1, 1, NULL, "finnhub"), -1);
    cr_assert_eq(sw_replay_open(&r, &m2, 1, NULL, "finnhub"), -1);
    cr_assert_eq(sw_replay_open(&r, &nohdr, 1, NULL, "finnhub"), -1);
    /* A good file first and a bad one after: the good one is closed again
     * (ASan's leak check sees it otherwise). */
    const char *two[2] = { good, missing_nd };
    cr_assert_eq(sw_replay_open(&r, two, 2, NULL, "finnhub"), -1);
    cr_assert_null(r.files);
    cr_assert_eq(r.n_files, 0u);
    /* An explicit "csv" format overrides the extension. */
    const char *csv_as_nd = write_file("BAD.ndjson", "not,a,csv,header\n");
    cr_assert_eq(sw_replay_open(&r, &csv_as_nd, 1, "csv", "finnhub"), -1);
    /* And the good file alone opens, and closes without ever starting. */
    cr_assert_eq(sw_replay_open(&r, &good, 1, NULL, "finnhub"), 0);
    closed_calls = 0;
    sw_replay_close(&r, on_closed);
    cr_assert_eq(closed_calls, 1);
}

/* ---- stop, close from on_done, the real sample data ---------------------------- */

Test(replay, stop_from_event_callback)
{
    const char *paths[3] = { write_file("a.ndjson", A_NDJSON), write_file("b.ndjson", B_NDJSON),
                             write_file("AMD_5m.csv", C_CSV) };
    recorder rec = { 0 };
    rec.stop_after = 5;
    sw_replay_stats st;
    run(paths, 3, NULL, 0, &rec, &st);
    cr_assert_eq(rec.n, 5u);   /* nothing after the stop */
    cr_assert_eq(st.events, 5u);
    expect_ev(&rec, 4, "AAPL", 201, S(T0 + 90));
    free(rec.ev);
}

Test(replay, close_from_on_done_like_shockd)
{
    const char *paths[3] = { write_file("a.ndjson", A_NDJSON), write_file("b.ndjson", B_NDJSON),
                             write_file("AMD_5m.csv", C_CSV) };
    recorder rec = { 0 };
    rec.close_in_done = 1;
    sw_replay_stats st;
    run(paths, 3, NULL, 0, &rec, &st);
    expect_abc(&rec, "NVDA", 100, "AAPL", 200);
    free(rec.ev);
}

Test(replay, real_daily_and_5m_files_with_split)
{
    const char *paths[2] = { data_path("daily/NVDA.csv"), data_path("intraday_5m/NVDA_5m.csv") };
    recorder rec = { 0 };
    sw_replay_stats st;
    run(paths, 2, NULL, 0, &rec, &st);
    /* 502 daily bars and 3349 5-minute bars, 4 ticks each, plus one split. */
    cr_assert_eq(st.bad_lines, 0u);
    cr_assert_eq(st.lines, 502u + 3349u);
    cr_assert_eq(rec.n, (502u + 3349u) * 4 + 1);
    cr_assert_eq(st.events, rec.n);
    expect_nondecreasing(&rec);
    size_t splits = 0;
    for (size_t i = 0; i < rec.n; i++) {
        if (rec.ev[i].kind != SW_EV_SPLIT)
            continue;
        splits++;
        cr_assert_str_eq(rec.ev[i].tick.symbol, "NVDA");
        cr_assert_eq(rec.ev[i].ratio, 10.0);
        /* 2024-06-10 09:30 EDT = 13:30 UTC, day 19884 = 1717977600 s; the
         * split comes right before that day's open tick (120.37). */
        cr_assert_eq(rec.ev[i].tick.ts_ns, S(INT64_C(1717977600) + 48600));
        cr_assert_lt(i + 1, rec.n);
        expect_ev(&rec, i + 1, "NVDA", 120.37, S(INT64_C(1717977600) + 48600));
    }
    cr_assert_eq(splits, 1u);
    free(rec.ev);
}
