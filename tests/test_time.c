/*
 * test_time.c -- strategies/sw_time: civil dates, the New York offset and DST
 * switches, the regular session window, durations and vendor timestamps.
 *
 * Every expected epoch value below was computed by hand from day counts
 * (1970-01-01 = day 0; 2025-01-01 = day 20089 = 55 * 365 + 14 leap days of
 * 1972..2024; the rest is spelled out where used) and cross-checked with
 * `date -u -d '<date>' +%s` and `TZ=America/New_York date -d @<secs>`.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "sw_time.h"

#define S(x) ((int64_t)(x) * SW_NS_PER_SEC)

/* 2025-01-27 (a Monday) 14:30:00 UTC = 09:30 EST: day 20115 (20089 + 26),
 * 20115 * 86400 + 14.5 * 3600 = 1737936000 + 52200. */
#define T_2025_01_27_0930_EST INT64_C(1737988200)

/* ---- civil dates -------------------------------------------------------- */

Test(civil, known_days)
{
    cr_assert_eq(sw_days_from_civil(1970, 1, 1), 0);
    cr_assert_eq(sw_days_from_civil(1969, 12, 31), -1);
    /* 30 years from 1970 with 7 leap days (72..96): 30 * 365 + 7 = 10957 is
     * 2000-01-01; + 31 (Jan) + 28 = 11016 is 2000-02-29 (2000 is a leap year:
     * divisible by 400). */
    cr_assert_eq(sw_days_from_civil(2000, 1, 1), 10957);
    cr_assert_eq(sw_days_from_civil(2000, 2, 29), 11016);
    cr_assert_eq(sw_days_from_civil(2000, 3, 1), 11017);
    /* 2024-01-01 = 19723 (1704067200 / 86400); + 31 + 28 = 2024-02-29. */
    cr_assert_eq(sw_days_from_civil(2024, 2, 29), 19782);
    /* 2100-01-01 = 4102444800 / 86400 = 47482; 2100 is NOT a leap year
     * (divisible by 100, not by 400): Feb 28 = 47482 + 31 + 27, Mar 1 follows. */
    cr_assert_eq(sw_days_from_civil(2100, 1, 1), 47482);
    cr_assert_eq(sw_days_from_civil(2100, 2, 28), 47540);
    cr_assert_eq(sw_days_from_civil(2100, 3, 1), 47541);
    /* 1900-01-01 = -2208988800 / 86400. */
    cr_assert_eq(sw_days_from_civil(1900, 1, 1), -25567);
}

Test(civil, real_dates)
{
    cr_assert(sw_civil_valid(2024, 2, 29) && sw_civil_valid(2000, 2, 29) && sw_civil_valid(2025, 12, 31));
    cr_assert(!sw_civil_valid(2025, 2, 29) && !sw_civil_valid(2100, 2, 29) && !sw_civil_valid(2025, 2, 30));
    cr_assert(!sw_civil_valid(2025, 4, 31) && !sw_civil_valid(2025, 13, 1) && !sw_civil_valid(2025, 0, 1));
    cr_assert(!sw_civil_valid(2025, 1, 0) && !sw_civil_valid(2025, 1, 32));
}

Test(civil, inverse_of_known_days)
{
    int y, m, d;
    sw_civil_from_days(0, &y, &m, &d);
    cr_assert(y == 1970 && m == 1 && d == 1);
    sw_civil_from_days(-1, &y, &m, &d);
    cr_assert(y == 1969 && m == 12 && d == 31, "%d-%d-%d", y, m, d);
    sw_civil_from_days(11016, &y, &m, &d);
    cr_assert(y == 2000 && m == 2 && d == 29, "%d-%d-%d", y, m, d);
    sw_civil_from_days(19782, &y, &m, &d);
    cr_assert(y == 2024 && m == 2 && d == 29, "%d-%d-%d", y, m, d);
    sw_civil_from_days(47540, &y, &m, &d);
    cr_assert(y == 2100 && m == 2 && d == 28, "%d-%d-%d", y, m, d);
    sw_civil_from_days(47541, &y, &m, &d);
    cr_assert(y == 2100 && m == 3 && d == 1, "%d-%d-%d", y, m, d);
}

/* Walk day by day from 1600-01-01 to 2400-12-31 and check that the calendar
 * advances exactly as the Gregorian rules say, and that both functions are
 * inverse of each other at every step. */
Test(civil, round_trip_walk)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y = 1600, m = 1, d = 1;
    int64_t day = sw_days_from_civil(1600, 1, 1);
    long leap_days = 0;
    while (y <= 2400) {
        int cy, cm, cd;
        sw_civil_from_days(day, &cy, &cm, &cd);
        cr_assert(cy == y && cm == m && cd == d, "day %lld: %d-%d-%d, expected %d-%d-%d",
                  (long long)day, cy, cm, cd, y, m, d);
        cr_assert_eq(sw_days_from_civil(y, m, d), day);
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (m == 2 && d == 29)
            leap_days++;
        int len = mdays[m - 1] + (m == 2 && leap);
        if (++d > len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        day++;
    }
    /* 1600..2400 hold (2400 - 1600) / 4 + 1 = 201 multiples of 4, minus 1700,
     * 1800, 1900, 2100, 2200, 2300 = 195 leap days; the walk met each one. */
    cr_assert_eq(leap_days, 195);
    cr_assert_eq(day, sw_days_from_civil(2401, 1, 1));
}

Test(civil, weekday)
{
    cr_assert_eq(sw_weekday(0), 4);      /* 1970-01-01 was a Thursday */
    cr_assert_eq(sw_weekday(-1), 3);     /* 1969-12-31 a Wednesday */
    cr_assert_eq(sw_weekday(-7), 4);
    cr_assert_eq(sw_weekday(20115), 1);  /* 2025-01-27 a Monday */
    cr_assert_eq(sw_weekday(20113), 6);  /* 2025-01-25 a Saturday */
    cr_assert_eq(sw_weekday(20156), 0);  /* 2025-03-09 a Sunday */
}

/* ---- New York offset ------------------------------------------------------ */

/* DST 2025 starts Sunday 2025-03-09 at 02:00 EST = 07:00 UTC:
 * day 20156 (20089 + 31 + 28 + 8) * 86400 + 7 * 3600 = 1741503600. */
Test(ny, dst_start_2025)
{
    int64_t sw = S(INT64_C(1741503600));
    cr_assert_eq(sw_ny_offset_s(sw - 1), -18000);
    cr_assert_eq(sw_ny_offset_s(sw - SW_NS_PER_SEC), -18000);
    cr_assert_eq(sw_ny_offset_s(sw), -14400);
    cr_assert_eq(sw_ny_offset_s(sw + 1), -14400);
    /* Local clock: 01:59:59 EST just before, 03:00:00 EDT at the switch. */
    int sod;
    cr_assert_eq(sw_ny_day(sw - SW_NS_PER_SEC, &sod), 20156);
    cr_assert_eq(sod, 1 * 3600 + 59 * 60 + 59);
    cr_assert_eq(sw_ny_day(sw, &sod), 20156);
    cr_assert_eq(sod, 3 * 3600);
}

/* DST 2025 ends Sunday 2025-11-02 at 02:00 EDT = 06:00 UTC:
 * day 20394 (20089 + 305) * 86400 + 6 * 3600 = 1762063200. */
Test(ny, dst_end_2025)
{
    int64_t sw = S(INT64_C(1762063200));
    cr_assert_eq(sw_ny_offset_s(sw - 1), -14400);
    cr_assert_eq(sw_ny_offset_s(sw), -18000);
    int sod;
    cr_assert_eq(sw_ny_day(sw - SW_NS_PER_SEC, &sod), 20394);
    cr_assert_eq(sod, 1 * 3600 + 59 * 60 + 59); /* 01:59:59 EDT */
    cr_assert_eq(sw_ny_day(sw, &sod), 20394);
    cr_assert_eq(sod, 1 * 3600);                /* 01:00:00 EST, again */
    /* Mid-winter and mid-summer. */
    cr_assert_eq(sw_ny_offset_s(S(T_2025_01_27_0930_EST)), -18000);
    cr_assert_eq(sw_ny_offset_s(S(INT64_C(1751376600))), -14400); /* 2025-07-01 */
}

Test(ny, day_and_seconds_of_day)
{
    int sod = -1;
    /* 14:30 UTC = 09:30 EST on 2025-01-27 (day 20115). */
    cr_assert_eq(sw_ny_day(S(T_2025_01_27_0930_EST), &sod), 20115);
    cr_assert_eq(sod, 9 * 3600 + 30 * 60);
    /* 2025-01-28 03:00 UTC is still 2025-01-27 22:00 in New York. */
    cr_assert_eq(sw_ny_day(S(T_2025_01_27_0930_EST + 12 * 3600 + 30 * 60), &sod), 20115);
    cr_assert_eq(sod, 22 * 3600);
    /* 2025-07-01 03:59:59 UTC = 2025-06-30 23:59:59 EDT: day 20270 - 1 (2025-07-01
     * is 20089 + 181). */
    cr_assert_eq(sw_ny_day(S(INT64_C(20270) * 86400 + 3 * 3600 + 3599), &sod), 20269);
    cr_assert_eq(sod, 86399);
    cr_assert_eq(sw_ny_day(S(INT64_C(20270) * 86400 + 4 * 3600), &sod), 20270);
    cr_assert_eq(sod, 0);
    /* The epoch is 1969-12-31 19:00 EST: flooring, not truncation. */
    cr_assert_eq(sw_ny_day(0, &sod), -1);
    cr_assert_eq(sod, 19 * 3600);
    /* A NULL sec_of_day is allowed. */
    cr_assert_eq(sw_ny_day(S(T_2025_01_27_0930_EST), NULL), 20115);
}

Test(ny, to_utc)
{
    cr_assert_eq(sw_ny_to_utc(20115, 9, 30, 0), S(T_2025_01_27_0930_EST));
    cr_assert_eq(sw_ny_to_utc(20115, 16, 0, 0), S(T_2025_01_27_0930_EST + 6 * 3600 + 1800));
    /* Summer: 2025-07-01 09:30 EDT = 13:30 UTC = 20270 * 86400 + 48600. */
    cr_assert_eq(sw_ny_to_utc(20270, 9, 30, 0), S(INT64_C(1751376600)));
    /* On the switch days themselves: 03:00 EDT on 03-09 is 07:00 UTC; 09:30 on
     * 11-02 is EST again, 14:30 UTC. */
    cr_assert_eq(sw_ny_to_utc(20156, 3, 0, 0), S(INT64_C(1741503600)));
    cr_assert_eq(sw_ny_to_utc(20394, 9, 30, 0), S(INT64_C(20394) * 86400 + 14 * 3600 + 1800));
    /* Midnight 2024-04-01 EDT = 04:00 UTC: 19814 * 86400 + 14400. */
    cr_assert_eq(sw_ny_to_utc(19814, 0, 0, 0), S(INT64_C(1711944000)));
}

/* ---- regular hours -------------------------------------------------------- */

Test(ny, regular_hours_edges)
{
    int64_t open = S(T_2025_01_27_0930_EST);
    int64_t close = S(T_2025_01_27_0930_EST + 6 * 3600 + 1800); /* 16:00:00 EST */
    cr_assert_not(sw_ny_regular_hours(open - 1000000));    /* 09:29:59.999 */
    cr_assert_not(sw_ny_regular_hours(open - 1));
    cr_assert(sw_ny_regular_hours(open));                  /* 09:30:00.000 */
    cr_assert(sw_ny_regular_hours(open + 3 * 3600 * SW_NS_PER_SEC));
    cr_assert(sw_ny_regular_hours(close - 1));
    cr_assert(sw_ny_regular_hours(close));                 /* 16:00:00.000: closing print */
    cr_assert_not(sw_ny_regular_hours(close + 1000000));   /* 16:00:00.001 */
    cr_assert_not(sw_ny_regular_hours(close + SW_NS_PER_SEC));
    /* Saturday 2025-01-25 12:00 EST = 17:00 UTC = 20113 * 86400 + 61200. */
    cr_assert_not(sw_ny_regular_hours(S(INT64_C(1737824400))));
    /* Sunday 2025-01-26, same clock time. */
    cr_assert_not(sw_ny_regular_hours(S(INT64_C(1737824400 + 86400))));
    /* Summer: 13:30 UTC is 09:30 EDT (open), 13:29:59 is not. */
    cr_assert(sw_ny_regular_hours(S(INT64_C(1751376600))));
    cr_assert_not(sw_ny_regular_hours(S(INT64_C(1751376599))));
    /* 14:30 UTC in summer is 10:30: open; 20:00 UTC = 16:00 EDT: open; 20:01: not. */
    cr_assert(sw_ny_regular_hours(S(INT64_C(1751376600 + 3600))));
    cr_assert(sw_ny_regular_hours(S(INT64_C(1751376600 + 23400))));
    cr_assert_not(sw_ny_regular_hours(S(INT64_C(1751376600 + 23460))));
}

/* ---- durations ------------------------------------------------------------ */

Test(duration, parse_good)
{
    int64_t ns = -1;
    cr_assert_eq(sw_parse_duration("250ms", &ns), 0);
    cr_assert_eq(ns, INT64_C(250000000));
    cr_assert_eq(sw_parse_duration("5m", &ns), 0);
    cr_assert_eq(ns, 5 * SW_NS_PER_MIN);
    cr_assert_eq(sw_parse_duration("5min", &ns), 0);
    cr_assert_eq(ns, 5 * SW_NS_PER_MIN);
    cr_assert_eq(sw_parse_duration("1d", &ns), 0);
    cr_assert_eq(ns, SW_NS_PER_DAY);
    cr_assert_eq(sw_parse_duration("1h", &ns), 0);
    cr_assert_eq(ns, 3600 * SW_NS_PER_SEC);
    cr_assert_eq(sw_parse_duration("1.5s", &ns), 0);
    cr_assert_eq(ns, INT64_C(1500000000));
    cr_assert_eq(sw_parse_duration("30s", &ns), 0);
    cr_assert_eq(ns, 30 * SW_NS_PER_SEC);
    cr_assert_eq(sw_parse_duration("30", &ns), 0); /* bare number: seconds */
    cr_assert_eq(ns, 30 * SW_NS_PER_SEC);
    cr_assert_eq(sw_parse_duration("0s", &ns), 0);
    cr_assert_eq(ns, 0);
}

Test(duration, parse_bad)
{
    static const char *const bad[] = { "", "5x", "-1s", "s", "ms", "5 m", "5mm", "1.5.s",
                                       "nan", "inf", "1e30d", "5s junk" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ns = 12345;
        cr_assert_eq(sw_parse_duration(bad[i], &ns), -1, "\"%s\" accepted", bad[i]);
    }
    int64_t ns;
    cr_assert_eq(sw_parse_duration(NULL, &ns), -1);
}

Test(duration, format)
{
    char buf[32];
    cr_assert_str_eq(sw_format_duration(5 * SW_NS_PER_MIN, buf, sizeof buf), "5m");
    cr_assert_str_eq(sw_format_duration(90 * SW_NS_PER_SEC, buf, sizeof buf), "90s");
    cr_assert_str_eq(sw_format_duration(SW_NS_PER_DAY, buf, sizeof buf), "1d");
    cr_assert_str_eq(sw_format_duration(2 * 3600 * SW_NS_PER_SEC, buf, sizeof buf), "2h");
    cr_assert_str_eq(sw_format_duration(250000000, buf, sizeof buf), "250ms");
    cr_assert_str_eq(sw_format_duration(1500, buf, sizeof buf), "1500ns");
    cr_assert_str_eq(sw_format_duration(0, buf, sizeof buf), "0s"); /* a zero duration reads as one */
    /* Round trip through the parser. */
    int64_t ns;
    cr_assert_eq(sw_parse_duration(sw_format_duration(90 * SW_NS_PER_SEC, buf, sizeof buf), &ns), 0);
    cr_assert_eq(ns, 90 * SW_NS_PER_SEC);
}

/* ---- timestamps ----------------------------------------------------------- */

static int parse(const char *s, int64_t *ns, int *flags)
{
    return sw_parse_timestamp(s, strlen(s), ns, flags);
}

Test(timestamp, date_only)
{
    int64_t ns = 0;
    int flags = -1;
    /* Midnight 2025-01-27 EST = 05:00 UTC = 20115 * 86400 + 18000. */
    cr_assert_eq(parse("2025-01-27", &ns, &flags), 0);
    cr_assert_eq(ns, S(INT64_C(1737954000)));
    cr_assert_eq(flags, SW_TS_DATE_ONLY);
    /* Leap day in a leap year parses; the next test rejects it in 2025. */
    cr_assert_eq(parse("2024-02-29", &ns, &flags), 0);
    cr_assert_eq(ns, S(INT64_C(19782) * 86400 + 5 * 3600));
}

/* Years whose nanoseconds do not fit int64_t are not timestamps: they used
 * to overflow (signed, undefined) in the conversion; found by fuzz_csv and
 * fuzz_alpaca, inputs kept in fuzz/regressions/. */
Test(timestamp, years_beyond_int64_ns_refused)
{
    int64_t ns = 0;
    int flags = 0;
    cr_expect_eq(parse("9999-01-01", &ns, &flags), -1);
    cr_expect_eq(parse("2262-05-01 10:00:00", &ns, &flags), -1);
    cr_expect_eq(parse("2999-01-01T10:00:00Z", &ns, &flags), -1);
    cr_expect_eq(parse("0001-01-01", &ns, &flags), -1);
    cr_expect_eq(parse("1677-12-31T00:00:01Z", &ns, &flags), -1);
    /* The edges that fit still parse. */
    cr_expect_eq(parse("2261-12-31T23:59:59Z", &ns, &flags), 0);
    cr_expect_eq(parse("1678-01-01", &ns, &flags), 0);
}

Test(timestamp, daily_bar_midnight_with_offset)
{
    int64_t ns = 0;
    int flags = 0;
    /* The calendar date as written, at New York midnight (EDT in April):
     * 2024-04-01 04:00 UTC = 19814 * 86400 + 14400. */
    cr_assert_eq(parse("2024-04-01 00:00:00+00:00", &ns, &flags), 0);
    cr_assert_eq(ns, S(INT64_C(1711944000)));
    cr_assert(flags & SW_TS_DATE_ONLY);
    cr_assert(flags & SW_TS_HAD_OFFSET);
}

Test(timestamp, intraday_utc_offset)
{
    int64_t ns = 0;
    int flags = -1;
    /* 2025-12-23 = day 20445 (20089 + 356): 20445 * 86400 + 52200. */
    cr_assert_eq(parse("2025-12-23 14:30:00+00:00", &ns, &flags), 0);
    cr_assert_eq(ns, S(INT64_C(1766500200)));
    cr_assert_eq(flags, SW_TS_HAD_OFFSET);
}

Test(timestamp, fraction_and_negative_offset)
{
    int64_t ns = 0;
    int flags = -1;
    /* 09:30 at -05:00 is 14:30 UTC. */
    cr_assert_eq(parse("2025-01-27T09:30:00.123456789-05:00", &ns, &flags), 0);
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST) + 123456789);
    cr_assert_eq(flags, SW_TS_HAD_OFFSET);
    /* Fewer digits are scaled: .5 = 500 ms; more than 9 are cut. */
    cr_assert_eq(parse("2025-01-27T09:30:00.5-05:00", &ns, &flags), 0);
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST) + 500000000);
    cr_assert_eq(parse("2025-01-27T09:30:00.1234567891-05:00", &ns, &flags), 0);
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST) + 123456789);
    /* +05:30 without the colon, too: 20:00 local = 14:30 UTC. */
    cr_assert_eq(parse("2025-01-27T20:00:00+0530", &ns, &flags), 0);
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST));
}

Test(timestamp, zulu)
{
    int64_t ns = 0;
    int flags = -1;
    cr_assert_eq(parse("2025-01-27T14:30:00Z", &ns, &flags), 0);
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST));
    cr_assert_eq(flags, SW_TS_HAD_OFFSET);
    cr_assert_eq(parse("2025-01-27T14:30:00.250Z", &ns, &flags), 0);
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST) + 250000000);
}

Test(timestamp, naive_is_new_york)
{
    int64_t ns = 0;
    int flags = -1;
    cr_assert_eq(parse("2025-01-27 09:30:00", &ns, &flags), 0);
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST));
    cr_assert_eq(flags, 0);
    /* Without seconds, and in summer (EDT: 13:30 UTC). */
    cr_assert_eq(parse("2025-01-27T09:30", &ns, &flags), 0);
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST));
    cr_assert_eq(parse("2025-07-01 09:30:00", &ns, &flags), 0);
    cr_assert_eq(ns, S(INT64_C(1751376600)));
    /* Surrounding quotes and spaces, as CSV writers leave them. */
    cr_assert_eq(parse("\"2025-01-27 09:30:00\" ", &ns, &flags), 0);
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST));
}

Test(timestamp, epoch_digits)
{
    int64_t ns = 0;
    int flags = 0;
    cr_assert_eq(parse("1737988200", &ns, &flags), 0);                 /* seconds */
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST));
    cr_assert(flags & SW_TS_HAD_OFFSET);
    cr_assert_eq(parse("1737988200123", &ns, &flags), 0);              /* milliseconds */
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST) + 123000000);
    cr_assert_eq(parse("1737988200123456", &ns, &flags), 0);           /* microseconds */
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST) + 123456000);
    cr_assert_eq(parse("1737988200123456789", &ns, &flags), 0);        /* nanoseconds */
    cr_assert_eq(ns, S(T_2025_01_27_0930_EST) + 123456789);
}

Test(timestamp, epoch_digits_out_of_range)
{
    int64_t ns = 0;
    int flags = 0;
    /* More than 19 digits, more than INT64_MAX, and values whose scaling to
     * nanoseconds would overflow int64 (seconds above ~9.2e9, ms above ~9.2e12,
     * us above ~9.2e15) are not timestamps. */
    cr_assert_eq(parse("12345678901234567890", &ns, &flags), -1);
    cr_assert_eq(parse("9999999999999999999", &ns, &flags), -1);
    cr_assert_eq(parse("99999999999", &ns, &flags), -1);
    cr_assert_eq(parse("99999999999999", &ns, &flags), -1);
    cr_assert_eq(parse("99999999999999999", &ns, &flags), -1);
    /* The largest representable values still parse. */
    cr_assert_eq(parse("9223372036854775807", &ns, &flags), 0);
    cr_assert_eq(ns, INT64_MAX);
    cr_assert_eq(parse("9223372036", &ns, &flags), 0);
    cr_assert_eq(ns, INT64_C(9223372036) * SW_NS_PER_SEC);
}

Test(timestamp, rejects)
{
    static const char *const bad[] = {
        "2025-02-30", "2025-02-29", "2025-04-31", "2025-13-01", "2025-00-10", "2025-01-00",
        "2025-01-27T25:00", "2025-01-27T09:60", "2025-01-27T09:30:61", "garbage", "",
        "   ", "2025-01-27x", "2025-01-27 09:30:00xyz", "2025-01-27 09:30:00+05:00 extra",
        "2025-01-27T", "2025-01-27T09", "2025-01-27T09:30:00.", "2025-01-27T09:30:00+25:00",
        "2025/01/27", "25-01-27", "-1737988200",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ns = 0;
        int flags = 0;
        cr_assert_eq(parse(bad[i], &ns, &flags), -1, "\"%s\" accepted", bad[i]);
    }
}

Test(timestamp, honours_length)
{
    /* The parser reads only len bytes: a CSV field need not be NUL-terminated. */
    const char *row = "2025-01-27,183.10,184.00";
    int64_t ns = 0;
    int flags = 0;
    cr_assert_eq(sw_parse_timestamp(row, 10, &ns, &flags), 0);
    cr_assert_eq(ns, S(INT64_C(1737954000)));
    cr_assert_eq(flags, SW_TS_DATE_ONLY);
    cr_assert_eq(sw_parse_timestamp(row, 11, &ns, &flags), -1); /* "2025-01-27," */
}
