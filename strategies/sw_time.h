/*
 * sw_time.h -- calendar arithmetic on event time: UTC civil dates, the
 * America/New_York offset (US daylight-saving rules in force since 2007), the
 * regular session window, and duration strings such as "15m".
 *
 * Pure functions of their arguments: detectors and the engine use them to decide
 * which trading day a tick belongs to without ever looking at the wall clock, so a
 * replay and a live run of the same ticks agree.
 */
#ifndef SW_TIME_H
#define SW_TIME_H

#include <stddef.h>
#include <stdint.h>

#define SW_NS_PER_SEC INT64_C(1000000000)
#define SW_NS_PER_MIN (INT64_C(60) * SW_NS_PER_SEC)
#define SW_NS_PER_DAY (INT64_C(86400) * SW_NS_PER_SEC)

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
int64_t sw_days_from_civil(int y, int m, int d);
/* Inverse of sw_days_from_civil. */
void sw_civil_from_days(int64_t days, int *y, int *m, int *d);
/* 1 when y-m-d is a real date (month 1..12, no 2025-02-30), else 0. */
int sw_civil_valid(int y, int m, int d);
/* 0 = Sunday .. 6 = Saturday. */
int sw_weekday(int64_t days);

/* Offset of New York local time from UTC at the instant ts_ns, in seconds
 * (-18000 in winter, -14400 in summer). */
int sw_ny_offset_s(int64_t ts_ns);

/* New York local date of ts_ns as days since the epoch, and seconds since local
 * midnight (0..86399). */
int64_t sw_ny_day(int64_t ts_ns, int *sec_of_day);

/* UTC instant (ns) of New York local time h:m:s on local day `day`. */
int64_t sw_ny_to_utc(int64_t day, int h, int m, int s);

/* True when ts_ns is a weekday between 09:30:00 (inclusive) and 16:00:00
 * (inclusive: the closing print is stamped 16:00:00) New York time.  Holidays
 * are the calendar's business (sw_calendar), not this function's. */
int sw_ny_regular_hours(int64_t ts_ns);

/* Parse a duration such as "250ms", "30s", "5m", "1h", "1d" or a bare number of
 * seconds.  Returns 0 and sets *ns, or -1 if the text is not a duration. */
int sw_parse_duration(const char *text, int64_t *ns);

/* Format a duration compactly ("5m", "90s", "1d") into buf; returns buf. */
char *sw_format_duration(int64_t ns, char *buf, int len);

/* A length of time for a person, in whole seconds: "45s", "2m 5s", "1h 3m"
 * (messages of detectors that act on silence).  Returns buf. */
char *sw_format_span(int64_t ns, char *buf, size_t len);

/* Flags reported by sw_parse_timestamp. */
enum {
    SW_TS_DATE_ONLY = 1 << 0,   /* a bare date, or midnight exactly: a daily bar */
    SW_TS_HAD_OFFSET = 1 << 1   /* the text named its offset (Z or +hh:mm) */
};

/*
 * Parse a timestamp as vendors write them:
 *   "2025-01-27", "2025-01-27 14:30:00+00:00", "2025-01-27T09:30:00.123456789-05:00",
 *   "2025-01-27T14:30:00Z", or epoch seconds / milliseconds / nanoseconds as digits.
 * A time without an offset is New York local time (the exchange's clock).  A bare
 * date, and a time of exactly midnight (how daily bars are often stamped), set
 * SW_TS_DATE_ONLY and return midnight of that calendar date in New York.
 * Returns 0, or -1 if the text is not a timestamp.
 */
int sw_parse_timestamp(const char *text, size_t len, int64_t *ns, int *flags);

#endif
