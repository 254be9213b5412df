/* Tests of strategies/sw_calendar and config/sw_calendar_file: the shipped NYSE
 * calendar (holidays, early closes, weekends, daylight-saving days), the
 * weekday fallback, 24x7 mode, every bad calendar line reported as
 * FILE:LINE, and the engine's session tracking on an early close. */
#include "sw_calendar.h"
#include "sw_calendar_file.h"
#include "sw_config.h"
#include "sw_engine.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NYSE_CSV SW_SOURCE_DIR "/data/calendar/nyse.csv"

static sw_calendar cal;
static sw_diag diag;

static int64_t D(int y, int m, int d)
{
    return sw_days_from_civil(y, m, d);
}

/* New York local time -> ns. */
static int64_t ny(int y, int m, int d, int h, int mi, int s)
{
    return sw_ny_to_utc(D(y, m, d), h, mi, s);
}

/* UTC -> ns, written out independently of sw_ny_to_utc. */
static int64_t utc(int y, int m, int d, int h, int mi)
{
    return (D(y, m, d) * 86400 + h * 3600 + mi * 60) * SW_NS_PER_SEC;
}

static void dump(void)
{
    for (size_t i = 0; i < diag.n; i++)
        cr_log_info("diag: %s", diag.lines[i]);
}

static void load_nyse(void)
{
    int rc = sw_calendar_file_load(&cal, NYSE_CSV, &diag);
    dump();
    cr_assert_eq(rc, 0, "the shipped calendar must load");
}

static void teardown(void)
{
    sw_diag_free(&diag);
}

TestSuite(calendar, .fini = teardown);

Test(calendar, shipped_file_lists_the_nyse_closures)
{
    load_nyse();
    /* 10 holidays + the day of mourning in 2025, 10 in 2026, 10 in 2027. */
    cr_expect_eq(cal.n_holidays, 31);
    cr_expect_eq(cal.n_early, 6);
    cr_expect_eq(cal.covered_from, D(2025, 1, 1));
    cr_expect_eq(cal.covered_until, D(2027, 12, 31));
    int o, c;
    const int64_t closed[] = {
        D(2025, 1, 1),  D(2025, 1, 9),  D(2025, 1, 20), D(2025, 2, 17), D(2025, 4, 18), D(2025, 5, 26),
        D(2025, 6, 19), D(2025, 7, 4),  D(2025, 9, 1),  D(2025, 11, 27), D(2025, 12, 25),
        D(2026, 1, 1),  D(2026, 1, 19), D(2026, 2, 16), D(2026, 4, 3),  D(2026, 5, 25), D(2026, 6, 19),
        D(2026, 7, 3),  D(2026, 9, 7),  D(2026, 11, 26), D(2026, 12, 25),
        D(2027, 1, 1),  D(2027, 1, 18), D(2027, 2, 15), D(2027, 3, 26), D(2027, 5, 31), D(2027, 6, 18),
        D(2027, 7, 5),  D(2027, 9, 6),  D(2027, 11, 25), D(2027, 12, 24),
    };
    for (size_t i = 0; i < sizeof closed / sizeof closed[0]; i++) {
        int y, m, d;
        sw_civil_from_days(closed[i], &y, &m, &d);
        cr_expect_eq(sw_calendar_day(&cal, closed[i], &o, &c), 0, "%04d-%02d-%02d must be a holiday", y, m, d);
    }
    const int64_t early[] = { D(2025, 7, 3), D(2025, 11, 28), D(2025, 12, 24),
                              D(2026, 11, 27), D(2026, 12, 24), D(2027, 11, 26) };
    for (size_t i = 0; i < sizeof early / sizeof early[0]; i++) {
        cr_expect_eq(sw_calendar_day(&cal, early[i], &o, &c), 1);
        cr_expect_eq(c, 13 * 3600, "early close at 13:00");
        cr_expect_eq(o, 9 * 3600 + 30 * 60);
    }
    /* Ordinary days around them are full sessions. */
    cr_expect_eq(sw_calendar_day(&cal, D(2026, 7, 2), &o, &c), 1);
    cr_expect_eq(c, 16 * 3600, "no early close before an observed July 3 holiday");
    cr_expect_eq(sw_calendar_day(&cal, D(2027, 12, 23), &o, &c), 1);
    cr_expect_eq(c, 16 * 3600);
}

Test(calendar, holidays_are_closed_all_day)
{
    load_nyse();
    /* National Day of Mourning for President Carter. */
    cr_expect_not(sw_calendar_is_open(&cal, ny(2025, 1, 9, 11, 0, 0)));
    cr_expect_not(sw_calendar_regular(&cal, ny(2025, 1, 9, 9, 30, 0)));
    cr_expect(sw_calendar_is_open(&cal, ny(2025, 1, 8, 11, 0, 0)));
    cr_expect(sw_calendar_is_open(&cal, ny(2025, 1, 10, 11, 0, 0)));
    /* Good Friday 2025 and the observed Independence Day 2026. */
    cr_expect_not(sw_calendar_is_open(&cal, ny(2025, 4, 18, 12, 0, 0)));
    cr_expect_not(sw_calendar_is_open(&cal, ny(2026, 7, 3, 12, 0, 0)));
    cr_expect(sw_calendar_is_open(&cal, ny(2026, 7, 2, 15, 59, 59)));
    int64_t o, c;
    cr_expect_eq(sw_calendar_session(&cal, D(2025, 4, 18), &o, &c), 0);
    /* The NULL calendar and an empty one know no holidays. */
    cr_expect(sw_calendar_is_open(NULL, ny(2025, 1, 9, 11, 0, 0)));
    sw_calendar empty;
    sw_calendar_init(&empty);
    cr_expect(sw_calendar_is_open(&empty, ny(2025, 4, 18, 12, 0, 0)));
}

Test(calendar, weekends_are_closed)
{
    load_nyse();
    cr_expect_not(sw_calendar_is_open(&cal, ny(2025, 1, 25, 12, 0, 0)), "Saturday");
    cr_expect_not(sw_calendar_is_open(&cal, ny(2025, 1, 26, 12, 0, 0)), "Sunday");
    cr_expect_not(sw_calendar_is_open(NULL, ny(2025, 1, 26, 12, 0, 0)));
    cr_expect(sw_calendar_is_open(&cal, ny(2025, 1, 27, 9, 30, 0)), "Monday at the open");
    cr_expect_not(sw_calendar_is_open(&cal, ny(2025, 1, 27, 9, 29, 59)));
    cr_expect_not(sw_calendar_is_open(&cal, ny(2025, 1, 27, 16, 0, 0)), "the close is not open");
    cr_expect(sw_calendar_regular(&cal, ny(2025, 1, 27, 16, 0, 0)), "but the closing print is regular");
    cr_expect_not(sw_calendar_regular(&cal, ny(2025, 1, 27, 16, 0, 0) + 1));
}

Test(calendar, early_close_ends_the_session_at_13_00)
{
    load_nyse();
    int64_t o, c;
    cr_assert_eq(sw_calendar_session(&cal, D(2025, 11, 28), &o, &c), 1);
    cr_expect_eq(o, utc(2025, 11, 28, 14, 30), "09:30 EST");
    cr_expect_eq(c, utc(2025, 11, 28, 18, 0), "13:00 EST");
    cr_expect(sw_calendar_is_open(&cal, ny(2025, 11, 28, 12, 59, 59)));
    cr_expect_not(sw_calendar_is_open(&cal, ny(2025, 11, 28, 13, 0, 0)));
    cr_expect(sw_calendar_regular(&cal, ny(2025, 11, 28, 13, 0, 0)), "the 13:00:00 closing print");
    cr_expect_not(sw_calendar_regular(&cal, ny(2025, 11, 28, 13, 0, 0) + 1000000));
    cr_expect_not(sw_calendar_regular(&cal, ny(2025, 11, 28, 14, 0, 0)));
    /* Without the calendar it is a full day. */
    cr_expect(sw_calendar_regular(NULL, ny(2025, 11, 28, 14, 0, 0)));
}

Test(calendar, session_bounds_follow_daylight_saving)
{
    load_nyse();
    int64_t o, c;
    /* DST began Sunday 2025-03-09: Friday before is EST, Monday after is EDT. */
    cr_assert(sw_calendar_session(&cal, D(2025, 3, 7), &o, &c));
    cr_expect_eq(o, utc(2025, 3, 7, 14, 30));
    cr_expect_eq(c, utc(2025, 3, 7, 21, 0));
    cr_assert(sw_calendar_session(&cal, D(2025, 3, 10), &o, &c));
    cr_expect_eq(o, utc(2025, 3, 10, 13, 30));
    cr_expect_eq(c, utc(2025, 3, 10, 20, 0));
    /* DST ended Sunday 2025-11-02. */
    cr_assert(sw_calendar_session(&cal, D(2025, 10, 31), &o, &c));
    cr_expect_eq(o, utc(2025, 10, 31, 13, 30));
    cr_assert(sw_calendar_session(&cal, D(2025, 11, 3), &o, &c));
    cr_expect_eq(o, utc(2025, 11, 3, 14, 30));
    cr_expect_eq(c, utc(2025, 11, 3, 21, 0));
    cr_expect(sw_calendar_is_open(&cal, utc(2025, 11, 3, 14, 30)));
    cr_expect_not(sw_calendar_is_open(&cal, utc(2025, 11, 3, 13, 45)), "09:30 EDT would be 08:45 EST");
}

Test(calendar, next_session_skips_holidays_and_weekends)
{
    load_nyse();
    int64_t o, c;
    /* Thursday after the close -> Good Friday, weekend -> Monday 2025-04-21. */
    cr_assert(sw_calendar_next_session(&cal, ny(2025, 4, 17, 16, 30, 0), &o, &c));
    cr_expect_eq(o, ny(2025, 4, 21, 9, 30, 0));
    cr_expect_eq(c, ny(2025, 4, 21, 16, 0, 0));
    /* During a session: that session. */
    cr_assert(sw_calendar_next_session(&cal, ny(2025, 11, 28, 12, 0, 0), &o, &c));
    cr_expect_eq(o, ny(2025, 11, 28, 9, 30, 0));
    cr_expect_eq(c, ny(2025, 11, 28, 13, 0, 0));
}

Test(calendar, outside_the_covered_years_every_weekday_is_a_session)
{
    load_nyse();
    cr_expect(sw_calendar_covers(&cal, D(2027, 12, 31)));
    cr_expect_not(sw_calendar_covers(&cal, D(2028, 1, 3)));
    cr_expect_not(sw_calendar_covers(&cal, D(2024, 12, 31)));
    /* MLK day 2028 and Christmas 2024 are unknown to the file: open. */
    cr_expect(sw_calendar_is_open(&cal, ny(2028, 1, 17, 12, 0, 0)));
    cr_expect(sw_calendar_is_open(&cal, ny(2024, 12, 25, 12, 0, 0)));
    cr_expect_not(sw_calendar_is_open(&cal, ny(2028, 1, 15, 12, 0, 0)), "still no weekends");
}

Test(calendar, always_open_mode_for_crypto)
{
    const sw_calendar *c24 = sw_calendar_24x7();
    cr_expect(sw_calendar_is_open(c24, ny(2025, 1, 25, 3, 0, 0)), "Saturday night");
    cr_expect(sw_calendar_is_open(c24, ny(2025, 12, 25, 12, 0, 0)), "Christmas");
    int64_t o, c;
    cr_assert(sw_calendar_session(c24, D(2025, 3, 9), &o, &c));
    cr_expect_eq(o, utc(2025, 3, 9, 5, 0));
    cr_expect_eq(c - o, 23 * 3600 * SW_NS_PER_SEC, "the spring-forward day has 23 hours");
    sw_calendar mine;
    sw_calendar_init_24x7(&mine);
    cr_expect(sw_calendar_regular(&mine, ny(2025, 1, 26, 23, 59, 59)));
}

Test(calendar, building_in_any_order_keeps_lookups_right)
{
    sw_calendar c;
    sw_calendar_init(&c);
    cr_expect_eq(sw_calendar_add_holiday(&c, D(2025, 12, 25)), 0);
    cr_expect_eq(sw_calendar_add_holiday(&c, D(2025, 1, 1)), 0);
    cr_expect_eq(sw_calendar_add_holiday(&c, D(2025, 7, 4)), 0);
    cr_expect_eq(sw_calendar_add_early_close(&c, D(2025, 7, 3), 13 * 3600), 0);
    cr_expect_eq(sw_calendar_add_holiday(&c, D(2025, 7, 3)), -2, "already an early close");
    cr_expect_eq(sw_calendar_add_early_close(&c, D(2025, 7, 4), 13 * 3600), -2);
    cr_expect_eq(sw_calendar_add_early_close(&c, D(2025, 7, 2), 17 * 3600), -1, "after 16:00");
    cr_expect_eq(c.holidays[0], D(2025, 1, 1));
    cr_expect_eq(c.holidays[2], D(2025, 12, 25));
    cr_expect_not(sw_calendar_is_open(&c, ny(2025, 7, 4, 12, 0, 0)));
    cr_expect_not(sw_calendar_is_open(&c, ny(2025, 7, 3, 13, 30, 0)));
    cr_expect(sw_calendar_is_open(&c, ny(2025, 7, 2, 15, 30, 0)));
}

/* ---- the file loader ---------------------------------------------------- */

static int has_line(const char *want)
{
    for (size_t i = 0; i < diag.n; i++)
        if (strcmp(diag.lines[i], want) == 0)
            return 1;
    return 0;
}

#define EXPECT_LINE(s)                                         \
    do {                                                       \
        if (!has_line(s))                                      \
            dump();                                            \
        cr_expect(has_line(s), "missing diagnostic: %s", s);   \
    } while (0)

static int parse(const char *text)
{
    sw_diag_free(&diag);
    return sw_calendar_file_parse(&cal, text, strlen(text), "cal.csv", &diag);
}

Test(calendar, every_bad_line_is_reported_with_file_and_line)
{
    cr_assert_eq(parse("# a comment\n"
                       "date,kind,close\n"
                       "2025-01-01,holiday,\n"
                       "2025-02-30,holiday,\n"
                       "2025-01-04,holiday,\n"
                       "2025-07-03,early,13:00\n"
                       "2025-07-03,early_close,17:00\n"
                       "2025-01-01,holiday,\n"
                       "2025-12-25,holiday,13:00\n"
                       "2025-12-24,early_close\r\n"
                       "2025-11-28,early_close,\n"
                       "\n"
                       "25-11-28,holiday,\n"
                       "2025-11-27,holiday,,\n"),
                 -1);
    EXPECT_LINE("cal.csv:4: \"2025-02-30\" is not a date (YYYY-MM-DD)");
    EXPECT_LINE("cal.csv:5: 2025-01-04 is a Saturday (a weekday: the market is closed on weekends anyway)");
    EXPECT_LINE("cal.csv:6: \"early\" is not a kind (holiday or early_close)");
    EXPECT_LINE("cal.csv:7: \"17:00\" is not a close time (HH:MM after 09:30 and before 16:00, New York time)");
    EXPECT_LINE("cal.csv:8: 2025-01-01 is listed twice (each date once; first at line 3)");
    EXPECT_LINE("cal.csv:9: a holiday has no close time, found \"13:00\" (an empty third field)");
    EXPECT_LINE("cal.csv:10: 2 fields (3: date,kind,close)");
    EXPECT_LINE("cal.csv:11: early_close without a close time (HH:MM after 09:30 and before 16:00, New York time)");
    EXPECT_LINE("cal.csv:13: \"25-11-28\" is not a date (YYYY-MM-DD)");
    EXPECT_LINE("cal.csv:14: 4 fields (3: date,kind,close)");
    cr_expect_eq(diag.n, 10, "one line per problem, nothing else");
    cr_expect_eq(cal.n_holidays, 0, "a failed load leaves the weekday fallback");
    cr_expect(sw_calendar_is_open(&cal, ny(2025, 1, 1, 12, 0, 0)));
}

Test(calendar, header_and_year_gaps_are_checked)
{
    cr_assert_eq(parse("2025-01-01,holiday,\n2027-01-01,holiday,\n"), -1);
    EXPECT_LINE("cal.csv:1: \"2025-01-01,holiday,\" is not the header (the line \"date,kind,close\" before the rows)");
    cr_expect_eq(diag.n, 1);
    cr_assert_eq(parse("date,kind,close\n2025-01-01,holiday,\n2027-01-01,holiday,\n"), -1);
    EXPECT_LINE("cal.csv: no rows for 2026 (every year from 2025 to 2027, each complete)");
    cr_expect_eq(diag.n, 1);
    cr_assert_eq(parse("# nothing\n"), -1);
    EXPECT_LINE("cal.csv: no header and no rows (the line \"date,kind,close\" and at least one year of holidays)");
    cr_assert_eq(parse("date,kind,close\n"), -1);
    EXPECT_LINE("cal.csv: no holidays or early closes (at least one year of them)");
    /* Spaces around fields and CRLF line ends are tolerated. */
    cr_assert_eq(parse("date,kind,close\r\n 2025-11-28 , early_close , 13:00 \r\n"), 0);
    cr_expect_eq(cal.n_early, 1);
    cr_expect_eq(cal.early_close[0], 13 * 3600);
}

Test(calendar, a_file_on_disk_is_named_in_messages)
{
    char path[] = "/tmp/sw_calendar_testXXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char text[] = "date,kind,close\n2025-01-09,holiday,\n2025-13-01,holiday,\n";
    cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    cr_expect_eq(sw_calendar_file_load(&cal, path, &diag), -1);
    char want[128];
    snprintf(want, sizeof want, "%s:3: \"2025-13-01\" is not a date (YYYY-MM-DD)", path);
    EXPECT_LINE(want);
    unlink(path);
    sw_diag_free(&diag);
    cr_expect_eq(sw_calendar_file_load(&cal, "/nonexistent/nyse.csv", &diag), -1);
    EXPECT_LINE("/nonexistent/nyse.csv: cannot open: No such file or directory");
}

/* ---- config and engine --------------------------------------------------- */

Test(calendar, config_key_defaults_to_the_shipped_file)
{
    sw_config cfg;
    const char *json = "{\"groups\": {\"ai\": [\"NVDA\"]}}";
    cr_assert_eq(sw_config_parse(&cfg, json, strlen(json), "t.json", &diag), 0);
    cr_expect_str_eq(cfg.calendar, sw_calendar_default_path());
    cr_expect_eq(sw_calendar_file_load(&cal, cfg.calendar, &diag), 0, "the default must exist and load");
    sw_config_free(&cfg);
    json = "{\"groups\": {\"ai\": [\"NVDA\"]}, \"calendar\": \"/etc/shockwatch/nyse.csv\"}";
    cr_assert_eq(sw_config_parse(&cfg, json, strlen(json), "t.json", &diag), 0);
    cr_expect_str_eq(cfg.calendar, "/etc/shockwatch/nyse.csv");
    sw_config_free(&cfg);
    json = "{\"groups\": {\"ai\": [\"NVDA\"]}, \"calendar\": 5}";
    cr_expect_neq(sw_config_parse(&cfg, json, strlen(json), "t.json", &diag), 0);
    EXPECT_LINE("t.json: calendar: is a number (a non-empty string)");
}

static void ignore(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    (void)c;
}

static void trade(sw_engine *e, double px, int64_t ts)
{
    sw_tick t;
    memset(&t, 0, sizeof t);
    strcpy(t.symbol, "NVDA");
    t.price = px;
    t.size = 100;
    t.ts_ns = ts;
    cr_assert_eq(sw_engine_tick(e, &t), SW_TICK_OK);
}

/* Black Friday 2025: the 13:00 print is the close, a 13:30 print is after hours. */
static double close_after_black_friday(const sw_calendar *c)
{
    static const char *const syms[] = { "NVDA" };
    sw_group_spec g = { "ai", syms, 1 };
    sw_engine e;
    char err[128];
    cr_assert_eq(sw_engine_init(&e, &g, 1, NULL, 0, ignore, NULL, err, sizeof err), 0, "%s", err);
    e.calendar = c;
    trade(&e, 100.0, ny(2025, 11, 28, 12, 59, 59));
    trade(&e, 101.0, ny(2025, 11, 28, 13, 0, 0));
    trade(&e, 102.0, ny(2025, 11, 28, 13, 30, 0));
    trade(&e, 103.0, ny(2025, 12, 1, 10, 0, 0));
    double pc = sw_engine_symbol(&e, "NVDA")->prev_close;
    sw_engine_free(&e);
    return pc;
}

Test(calendar, engine_takes_the_early_close_print_as_the_close)
{
    load_nyse();
    cr_expect_eq(close_after_black_friday(&cal), 101.0);
    cr_expect_eq(close_after_black_friday(NULL), 102.0, "control: without a calendar 13:30 is regular");
}

Test(calendar, engine_ignores_a_holidays_stray_prints)
{
    load_nyse();
    static const char *const syms[] = { "NVDA" };
    sw_group_spec g = { "ai", syms, 1 };
    sw_engine e;
    char err[128];
    cr_assert_eq(sw_engine_init(&e, &g, 1, NULL, 0, ignore, NULL, err, sizeof err), 0, "%s", err);
    e.calendar = &cal;
    trade(&e, 140.0, ny(2025, 1, 8, 16, 0, 0));
    trade(&e, 150.0, ny(2025, 1, 9, 11, 0, 0)); /* day of mourning */
    trade(&e, 141.0, ny(2025, 1, 10, 9, 30, 0));
    sw_symbol *s = sw_engine_symbol(&e, "NVDA");
    cr_expect_eq(s->prev_close, 140.0);
    cr_expect_eq(s->open, 141.0);
    sw_engine_free(&e);
}

/* The session an alert carries: pre 04:00-09:30, regular to the close with
 * the closing print, post 4 hours after the close (13:00-17:00 after an
 * early close), closed otherwise and on holidays and weekends. */
Test(calendar, the_session_of_an_instant)
{
    load_nyse();
    static const struct { int y, m, d, h, mi, s; int64_t extra_ns; sw_session_kind want; } cases[] = {
        { 2025, 1, 27, 3, 59, 59, 0, SW_SESSION_CLOSED },
        { 2025, 1, 27, 4, 0, 0, 0, SW_SESSION_PRE },
        { 2025, 1, 27, 9, 29, 59, 999999999, SW_SESSION_PRE },
        { 2025, 1, 27, 9, 30, 0, 0, SW_SESSION_REGULAR },
        { 2025, 1, 27, 16, 0, 0, 0, SW_SESSION_REGULAR }, /* the closing print */
        { 2025, 1, 27, 16, 0, 0, 1, SW_SESSION_POST },
        { 2025, 1, 27, 19, 59, 59, 0, SW_SESSION_POST },
        { 2025, 1, 27, 20, 0, 0, 0, SW_SESSION_CLOSED },
        { 2025, 7, 3, 12, 59, 0, 0, SW_SESSION_REGULAR }, /* an early close, summer time */
        { 2025, 7, 3, 13, 0, 1, 0, SW_SESSION_POST },
        { 2025, 7, 3, 16, 59, 59, 0, SW_SESSION_POST },
        { 2025, 7, 3, 17, 0, 0, 0, SW_SESSION_CLOSED },
        { 2025, 7, 4, 10, 0, 0, 0, SW_SESSION_CLOSED },   /* Independence Day */
        { 2025, 1, 25, 10, 0, 0, 0, SW_SESSION_CLOSED },  /* a Saturday */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = ny(cases[i].y, cases[i].m, cases[i].d, cases[i].h, cases[i].mi, cases[i].s) + cases[i].extra_ns;
        cr_expect_eq(sw_calendar_session_at(&cal, t), cases[i].want, "case %zu: %s", i,
                     sw_session_name(sw_calendar_session_at(&cal, t)));
    }
    cr_expect_eq(sw_calendar_session_at(sw_calendar_24x7(), ny(2025, 1, 25, 3, 0, 0)), SW_SESSION_REGULAR);
    cr_expect_eq(sw_calendar_session_at(NULL, ny(2025, 1, 27, 8, 0, 0)), SW_SESSION_PRE, "weekday fallback");
    for (int k = SW_SESSION_PRE; k <= SW_SESSION_CLOSED; k++)
        cr_expect_eq(sw_session_parse(sw_session_name((sw_session_kind)k)), k);
    cr_expect_null(sw_session_name(SW_SESSION_NONE));
    cr_expect_eq(sw_session_parse("Regular"), SW_SESSION_NONE);
}
