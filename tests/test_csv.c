/*
 * test_csv.c -- daemon/sources/sw_csv: OHLCV bar files to bars and bars to ticks.
 *
 * Uses the committed sample data (data/daily/NVDA.csv, a Tiingo-style export
 * with a splitfactor column holding NVDA's 10:1 split on 2024-06-10, and
 * data/intraday_5m/NVDA_5m.csv, yfinance 5-minute bars) and small files written
 * to a private directory under /tmp.
 *
 * Epoch values were computed by hand from day numbers (2024-01-01 = day 19723,
 * 2025-01-01 = day 20089) and checked with `date -u -d ... +%s`.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw_csv.h"
#include "sw_time.h"

#define S(x) ((int64_t)(x) * SW_NS_PER_SEC)

/* ---- temporary files ----------------------------------------------------- */

static char tmpdir[64];
static char made[16][600];
static int n_made;

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sw_test_csv.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    n_made = 0;
}

static void teardown(void)
{
    for (int i = 0; i < n_made; i++)
        unlink(made[i]);
    rmdir(tmpdir);
}

TestSuite(csv, .init = setup, .fini = teardown);

/* Write `content` to tmpdir/name; returns the path (static storage). */
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

/* The sample data in the source tree, else in the shared copy. */
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

static void open_ok(sw_csv *c, const char *path)
{
    char err[700] = "";
    int rc = sw_csv_open(c, path, err, sizeof err);
    cr_assert_eq(rc, 0, "sw_csv_open(%s): %s", path, err);
}

static void next_ok(sw_csv *c, sw_bar *b)
{
    const char *why = NULL;
    int rc = sw_csv_next(c, b, &why);
    cr_assert_eq(rc, SW_LINES_OK, "line %lu: rc %d (%s)", c->lines.lineno, rc, why ? why : "");
}

static void expect_tick(const sw_tick *t, const char *sym, double price, int64_t ts_ns, double size)
{
    cr_assert_str_eq(t->symbol, sym);
    cr_assert_eq(t->price, price, "price %.10g, expected %.10g", t->price, price);
    cr_assert_eq(t->ts_ns, ts_ns, "ts %lld, expected %lld", (long long)t->ts_ns, (long long)ts_ns);
    cr_assert_eq(t->size, size);
    /* DAILY_BAR is checked where the bar's kind is known. */
    cr_assert_eq(t->flags & ~(uint32_t)SW_TICK_DAILY_BAR, (uint32_t)SW_TICK_SYNTH_BAR);
}

/* ---- the real sample files ----------------------------------------------- */

Test(csv, daily_nvda_header)
{
    sw_csv c;
    open_ok(&c, data_path("daily/NVDA.csv"));
    /* date,Close,High,Low,Open,Volume,AdjClose,AdjHigh,AdjLow,AdjOpen,AdjVolume,divcash,splitfactor */
    cr_assert_eq(c.col_ts, 0);
    cr_assert_eq(c.col_close, 1);
    cr_assert_eq(c.col_high, 2);
    cr_assert_eq(c.col_low, 3);
    cr_assert_eq(c.col_open, 4);
    cr_assert_eq(c.col_volume, 5);   /* not AdjVolume (10) */
    cr_assert_eq(c.col_split, 12);
    cr_assert_eq(c.split_is_factor, 1);
    cr_assert_eq(c.col_symbol, -1);
    cr_assert_str_eq(c.file_symbol, "NVDA");
    sw_csv_close(&c);
}

Test(csv, daily_nvda_bars_and_split)
{
    sw_csv c;
    open_ok(&c, data_path("daily/NVDA.csv"));
    sw_bar b;
    /* Row 1: 2024-04-01 00:00:00+00:00,903.63,922.25,892.04,902.99,44811733,...,1.0 */
    next_ok(&c, &b);
    cr_assert_str_eq(b.symbol, "NVDA");
    cr_assert(b.daily);
    cr_assert_eq(b.start_ns, S(INT64_C(1711944000))); /* 2024-04-01 00:00 EDT: 19814 * 86400 + 4 h */
    cr_assert_eq(b.open, 902.99);
    cr_assert_eq(b.high, 922.25);
    cr_assert_eq(b.low, 892.04);
    cr_assert_eq(b.close, 903.63);
    cr_assert_eq(b.volume, 44811733.0);
    cr_assert_eq(b.split, 0.0); /* splitfactor 1.0 means no split */

    /* Rising (close >= open): open, low, high, close at 09:30, 11:40, 13:50,
     * 16:00 EDT = 13:30, 15:40, 17:50, 20:00 UTC on day 19814 (1711929600). */
    sw_tick t[4];
    cr_assert_eq(sw_bar_ticks(&c, &b, t), 4);
    double q = 44811733.0 / 4;
    expect_tick(&t[0], "NVDA", 902.99, S(INT64_C(1711929600) + 48600), q);
    expect_tick(&t[1], "NVDA", 892.04, S(INT64_C(1711929600) + 56400), q);
    expect_tick(&t[2], "NVDA", 922.25, S(INT64_C(1711929600) + 64200), q);
    expect_tick(&t[3], "NVDA", 903.63, S(INT64_C(1711929600) + 72000), q);
    /* Their times stand for the day, and the ticks say so (shock-report draws
     * such a day as a bar, not as a path through invented times). */
    for (int i = 0; i < 4; i++)
        cr_assert_eq(t[i].flags, (uint32_t)(SW_TICK_SYNTH_BAR | SW_TICK_DAILY_BAR));

    /* Rows 2 and 3, then row 4: 2024-04-04 falls (open 904.06 -> close 859.05):
     * open, high, low, close.  Day 19817 = 1712188800 s. */
    next_ok(&c, &b);
    next_ok(&c, &b);
    next_ok(&c, &b);
    cr_assert_eq(c.lines.lineno, 5ul);
    cr_assert_eq(b.start_ns, S(INT64_C(1712188800) + 4 * 3600));
    sw_bar_ticks(&c, &b, t);
    q = 42886990.0 / 4;
    expect_tick(&t[0], "NVDA", 904.06, S(INT64_C(1712188800) + 48600), q);
    expect_tick(&t[1], "NVDA", 906.3399, S(INT64_C(1712188800) + 56400), q);
    expect_tick(&t[2], "NVDA", 858.8, S(INT64_C(1712188800) + 64200), q);
    expect_tick(&t[3], "NVDA", 859.05, S(INT64_C(1712188800) + 72000), q);

    /* The rest of the file: 502 bars in all, all good, exactly one split (10:1
     * on 2024-06-10 = day 19884, line 51), dates strictly increasing. */
    int bars = 4, splits = 0;
    int64_t prev = b.start_ns;
    const char *why = NULL;
    int rc;
    while ((rc = sw_csv_next(&c, &b, &why)) == SW_LINES_OK) {
        bars++;
        cr_assert_gt(b.start_ns, prev);
        prev = b.start_ns;
        cr_assert(b.daily);
        if (b.split != 0) {
            splits++;
            cr_assert_eq(b.split, 10.0);
            cr_assert_eq(sw_ny_day(b.start_ns, NULL), 19884);
            cr_assert_eq(c.lines.lineno, 51ul);
            cr_assert_eq(b.open, 120.37);
        }
    }
    cr_assert_eq(rc, SW_LINES_EOF, "line %lu: %s", c.lines.lineno, why ? why : "");
    cr_assert_eq(bars, 502);
    cr_assert_eq(splits, 1);
    sw_csv_close(&c);
}

Test(csv, intraday_nvda_5m)
{
    sw_csv c;
    open_ok(&c, data_path("intraday_5m/NVDA_5m.csv"));
    cr_assert_str_eq(c.file_symbol, "NVDA"); /* NVDA_5m.csv: up to the '_' */
    cr_assert_eq(c.col_symbol, -1);
    cr_assert_eq(c.col_split, -1);
    cr_assert_eq(c.bar_ns, 5 * SW_NS_PER_MIN);
    sw_bar b;
    /* 2025-12-23 14:30:00+00:00,184.0749969482422,184.63999938964844,
     * 183.50999450683594,184.39480590820312,7154307 -- 2025-12-23 is day 20445. */
    next_ok(&c, &b);
    int64_t t0 = S(INT64_C(1766500200));
    cr_assert_not(b.daily);
    cr_assert_eq(b.start_ns, t0);
    /* Falling: open, high, low, close at start, +100 s, +200 s, +5 min - 1 ms. */
    sw_tick t[4];
    sw_bar_ticks(&c, &b, t);
    double q = 7154307.0 / 4;
    expect_tick(&t[0], "NVDA", 184.39480590820312, t0, q);
    expect_tick(&t[1], "NVDA", 184.63999938964844, t0 + S(100), q);
    expect_tick(&t[2], "NVDA", 183.50999450683594, t0 + S(200), q);
    expect_tick(&t[3], "NVDA", 184.0749969482422, t0 + S(300) - 1000000, q);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(t[i].flags, (uint32_t)SW_TICK_SYNTH_BAR, "an intraday bar's ticks are not a daily bar's");
    /* Next bar rises (184.05999755859375 -> 184.2364044189453). */
    next_ok(&c, &b);
    cr_assert_eq(b.start_ns, t0 + S(300));
    sw_bar_ticks(&c, &b, t);
    q = 2089331.0 / 4;
    expect_tick(&t[0], "NVDA", 184.05999755859375, t0 + S(300), q);
    expect_tick(&t[1], "NVDA", 183.8300018310547, t0 + S(400), q);
    expect_tick(&t[2], "NVDA", 184.44500732421875, t0 + S(500), q);
    expect_tick(&t[3], "NVDA", 184.2364044189453, t0 + S(600) - 1000000, q);
    /* 3349 bars, none bad, none daily, increasing. */
    int bars = 2;
    int64_t prev = b.start_ns;
    const char *why = NULL;
    int rc;
    while ((rc = sw_csv_next(&c, &b, &why)) == SW_LINES_OK) {
        bars++;
        cr_assert_not(b.daily);
        cr_assert_gt(b.start_ns, prev);
        prev = b.start_ns;
    }
    cr_assert_eq(rc, SW_LINES_EOF, "line %lu: %s", c.lines.lineno, why ? why : "");
    cr_assert_eq(bars, 3349);
    sw_csv_close(&c);
}

/* ---- headers ---------------------------------------------------------------- */

Test(csv, header_case_insensitive_and_bom)
{
    const char *p = write_file("msft.csv", "\xEF\xBB\xBF" "DATE,OPEN,high,Low,cLoSe,VOLUME\n"
                                           "2025-01-27,100,110,90,95,400\n");
    sw_csv c;
    open_ok(&c, p);
    cr_assert_eq(c.col_ts, 0); /* found behind the byte order mark */
    cr_assert_eq(c.col_open, 1);
    cr_assert_eq(c.col_close, 4);
    cr_assert_eq(c.col_volume, 5);
    cr_assert_str_eq(c.file_symbol, "MSFT"); /* upper-cased from msft.csv */
    sw_bar b;
    next_ok(&c, &b);
    cr_assert_str_eq(b.symbol, "MSFT");
    cr_assert(b.daily);
    /* Falling daily bar on 2025-01-27 (EST, day 20115 = 1737936000 s):
     * open, high, low, close at 14:30, 16:40, 18:50, 21:00 UTC. */
    sw_tick t[4];
    sw_bar_ticks(&c, &b, t);
    expect_tick(&t[0], "MSFT", 100, S(INT64_C(1737936000) + 52200), 100);
    expect_tick(&t[1], "MSFT", 110, S(INT64_C(1737936000) + 60000), 100);
    expect_tick(&t[2], "MSFT", 90, S(INT64_C(1737936000) + 67800), 100);
    expect_tick(&t[3], "MSFT", 95, S(INT64_C(1737936000) + 75600), 100);
    sw_csv_close(&c);
}

Test(csv, yfinance_stock_splits)
{
    const char *p = write_file("NVDA.csv",
        "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits\n"
        "2024-06-07 00:00:00-04:00,1197.7,1216.92,1180.22,1208.88,41238580,0.0,0.0\n"
        "2024-06-10 00:00:00-04:00,120.37,123.1,117.01,121.79,314162700,0.0,10.0\n"
        "2024-06-11 00:00:00-04:00,121.77,122.87,118.74,120.91,222551158,0.0,0\n");
    sw_csv c;
    open_ok(&c, p);
    cr_assert_eq(c.col_split, 7);
    cr_assert_eq(c.split_is_factor, 0);
    sw_bar b;
    next_ok(&c, &b);
    cr_assert_eq(b.split, 0.0);                       /* 0.0: none */
    cr_assert_eq(sw_ny_day(b.start_ns, NULL), 19881); /* 2024-06-07 */
    next_ok(&c, &b);
    cr_assert_eq(b.split, 10.0);
    cr_assert_eq(sw_ny_day(b.start_ns, NULL), 19884); /* 2024-06-10 */
    cr_assert_eq(b.start_ns, S(INT64_C(1717977600) + 4 * 3600));
    next_ok(&c, &b);
    cr_assert_eq(b.split, 0.0);
    sw_csv_close(&c);
}

Test(csv, symbol_column_beats_file_name)
{
    const char *p = write_file("SPY_1d.csv",
        "Ticker,Datetime,Open,High,Low,Close,Volume\n"
        "AAPL,2025-01-27 09:30:00,229,230,228,229.5,100\n"
        "MSFT,2025-01-27 09:30:00,430,431,429,430.5,200\n"
        "\"BRK.B\",2025-01-27 09:32:00,480,481,479,480.5,300\n");
    sw_csv c;
    open_ok(&c, p);
    cr_assert_eq(c.col_symbol, 0);
    cr_assert_str_eq(c.file_symbol, "SPY");
    sw_bar b;
    next_ok(&c, &b);
    cr_assert_str_eq(b.symbol, "AAPL");
    cr_assert_not(b.daily);
    cr_assert_eq(b.start_ns, S(INT64_C(1737988200))); /* naive time is New York */
    next_ok(&c, &b);
    cr_assert_str_eq(b.symbol, "MSFT");
    next_ok(&c, &b);
    cr_assert_str_eq(b.symbol, "BRK.B"); /* quotes removed */
    /* Smallest positive spacing among the first rows (0 between AAPL and MSFT
     * does not count): 2 minutes. */
    cr_assert_eq(c.bar_ns, 2 * SW_NS_PER_MIN);
    sw_csv_close(&c);
}

Test(csv, bar_length_is_smallest_spacing)
{
    const char *p = write_file("AMD_15m.csv",
        "timestamp,open,high,low,close\n"
        "2025-01-27T14:30:00Z,100,101,99,100\n"
        "2025-01-27T15:00:00Z,100,101,99,100\n"
        "2025-01-27T15:15:00Z,100,101,99,100\n"
        "2025-01-27T15:30:00Z,100,101,99,100\n");
    sw_csv c;
    open_ok(&c, p);
    cr_assert_eq(c.bar_ns, 15 * SW_NS_PER_MIN);
    cr_assert_eq(c.col_volume, -1);
    sw_bar b;
    next_ok(&c, &b);
    cr_assert_eq(b.volume, 0.0); /* no Volume column */
    sw_tick t[4];
    sw_bar_ticks(&c, &b, t);
    /* 15-minute bar: +300 s, +600 s, +900 s - 1 ms. */
    cr_assert_eq(t[1].ts_ns - t[0].ts_ns, S(300));
    cr_assert_eq(t[2].ts_ns - t[0].ts_ns, S(600));
    cr_assert_eq(t[3].ts_ns - t[0].ts_ns, S(900) - 1000000);
    cr_assert_eq(t[0].size, 0.0);
    sw_csv_close(&c);
}

Test(csv, high_low_widened_to_open_close)
{
    /* The vendor's high (100.5) misses the close (101) and its low (99.9)
     * misses the open (99.8): the path must still contain all four prices. */
    const char *p = write_file("X.csv", "Date,Open,High,Low,Close\n"
                                        "2025-01-27 10:00:00,99.8,100.5,99.9,101\n");
    sw_csv c;
    open_ok(&c, p);
    sw_bar b;
    next_ok(&c, &b);
    cr_assert_eq(b.high, 101.0);
    cr_assert_eq(b.low, 99.8);
    sw_tick t[4];
    sw_bar_ticks(&c, &b, t);
    cr_assert_eq(t[0].price, 99.8);
    cr_assert_eq(t[1].price, 99.8);  /* rising: low */
    cr_assert_eq(t[2].price, 101.0); /* high */
    cr_assert_eq(t[3].price, 101.0);
    sw_csv_close(&c);
}

/* ---- open errors ------------------------------------------------------------ */

static void expect_open_fails(const char *path, const char *needle1, const char *needle2)
{
    sw_csv c;
    char err[700] = "";
    cr_assert_eq(sw_csv_open(&c, path, err, sizeof err), -1, "%s opened", path);
    cr_assert_not_null(strstr(err, needle1), "\"%s\" lacks \"%s\"", err, needle1);
    if (needle2)
        cr_assert_not_null(strstr(err, needle2), "\"%s\" lacks \"%s\"", err, needle2);
}

Test(csv, missing_close_column)
{
    const char *p = write_file("NVDA.csv", "Date,Open,High,Low,Volume\n2025-01-27,1,2,0.5,10\n");
    expect_open_fails(p, p, "Close");
}

Test(csv, missing_time_column)
{
    const char *p = write_file("NVDA.csv", "When,Open,High,Low,Close\n");
    expect_open_fails(p, p, "Date");
}

Test(csv, empty_file_and_missing_file)
{
    const char *p = write_file("NVDA.csv", "");
    expect_open_fails(p, p, "empty");
    char missing[700];
    snprintf(missing, sizeof missing, "%s/nope.csv", tmpdir);
    expect_open_fails(missing, missing, "cannot open");
}

Test(csv, no_symbol_anywhere)
{
    const char *p = write_file("_5m.csv", "Date,Open,High,Low,Close\n2025-01-27,1,2,0.5,1\n");
    expect_open_fails(p, p, "symbol");
}

/* ---- bad rows ------------------------------------------------------------- */

static void expect_bad(sw_csv *c, unsigned long lineno, const char *needle)
{
    sw_bar b;
    const char *why = NULL;
    int rc = sw_csv_next(c, &b, &why);
    cr_assert_eq(rc, SW_CSV_BAD, "line %lu: rc %d, expected SW_CSV_BAD", lineno, rc);
    cr_assert_not_null(why);
    cr_assert_not_null(strstr(why, needle), "line %lu: \"%s\" lacks \"%s\"", lineno, why, needle);
    cr_assert_eq(c->lines.lineno, lineno);
}

Test(csv, bad_rows_are_skipped_one_by_one)
{
    char *longline = malloc(5200);
    cr_assert_not_null(longline);
    memset(longline, '9', 5000);
    longline[0] = '2';
    strcpy(longline + 5000, "\n");
    char *content = malloc(8000);
    cr_assert_not_null(content);
    snprintf(content, 8000,
             "Date,Open,High,Low,Close,Volume\n"            /* 1 */
             "2025-01-27 09:30:00,100,101,99,100.5,1000\n"  /* 2 good */
             "2025-01-27 09:35:00,abc,101,99,100,10\n"      /* 3 */
             "2025-01-27 09:40:00,100,101,99,0,10\n"        /* 4 */
             "2025-01-27 09:45:00,100,101,-99,100,10\n"     /* 5 */
             "2025-01-27 09:50:00,nan,101,99,100,10\n"      /* 6 */
             "2025-01-27 09:55:00,100,inf,99,100,10\n"      /* 7 */
             "2025-01-27 10:00:00,100,101\n"                /* 8 */
             "2025-01-32 10:05:00,100,101,99,100,10\n"      /* 9 */
             "1900-01-02 10:10:00,100,101,99,100,10\n"      /* 10 */
             "%s"                                           /* 11: 5000 bytes */
             "2025-01-27 10:15:00,100,101,99,100,-5\n"      /* 12 */
             "2025-01-27 10:20:00,100,1e999,99,100,10\n"    /* 13 */
             "2025-01-27 10:25:00,100,101,99,100,\n"        /* 14 good: empty volume */
             "\n"                                           /* 15 blank: skipped */
             "2025-01-27 10:30:00,101,102,100,101.5,2000\n", /* 16 good */
             longline);
    const char *p = write_file("NVDA_5m.csv", content);
    free(content);
    free(longline);
    sw_csv c;
    open_ok(&c, p);
    cr_assert_eq(c.bar_ns, 5 * SW_NS_PER_MIN);
    sw_bar b;
    next_ok(&c, &b);
    cr_assert_eq(c.lines.lineno, 2ul);
    cr_assert_eq(b.close, 100.5);
    expect_bad(&c, 3, "not a number");
    expect_bad(&c, 4, "zero or negative price");
    expect_bad(&c, 5, "zero or negative price");
    expect_bad(&c, 6, "not a number");
    expect_bad(&c, 7, "not a number");
    expect_bad(&c, 8, "fewer columns");
    expect_bad(&c, 9, "unreadable timestamp");
    expect_bad(&c, 10, "absurd timestamp");
    expect_bad(&c, 11, "longer than 4096");
    expect_bad(&c, 12, "volume");
    expect_bad(&c, 13, "not a number");
    next_ok(&c, &b);
    cr_assert_eq(c.lines.lineno, 14ul);
    cr_assert_eq(b.volume, 0.0);
    next_ok(&c, &b);
    cr_assert_eq(c.lines.lineno, 16ul);
    cr_assert_eq(b.close, 101.5);
    /* 10:30 EST = 15:30 UTC. */
    cr_assert_eq(b.start_ns, S(INT64_C(1737988200) + 3600));
    const char *why = NULL;
    cr_assert_eq(sw_csv_next(&c, &b, &why), SW_LINES_EOF);
    sw_csv_close(&c);
}

Test(csv, overlong_symbol_and_bad_split)
{
    const char *p = write_file("X.csv",
        "Date,Symbol,Open,High,Low,Close,splitfactor\n"
        "2025-01-27,ABCDEFGHIJKLMNOPQRSTUVWXYZ,1,2,0.5,1,1.0\n"   /* 26 chars >= 24 */
        "2025-01-27,,1,2,0.5,1,1.0\n"                             /* empty symbol */
        "2025-01-27,AAPL,1,2,0.5,1,-2\n"                          /* negative factor */
        "2025-01-27,ABCDEFGHIJKLMNOPQRSTUVW,1,2,0.5,1,0.5\n");    /* 23 chars: fits */
    sw_csv c;
    open_ok(&c, p);
    expect_bad(&c, 2, "symbol");
    expect_bad(&c, 3, "symbol");
    expect_bad(&c, 4, "split");
    sw_bar b;
    next_ok(&c, &b);
    cr_assert_str_eq(b.symbol, "ABCDEFGHIJKLMNOPQRSTUVW");
    cr_assert_eq(b.split, 0.5); /* a 1:2 reverse split */
    sw_csv_close(&c);
}
