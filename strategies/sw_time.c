/*
 * sw_time.c -- see sw_time.h.  The civil-date conversions use the classic
 * era-based algorithm (400-year cycles), exact for every date we can meet.
 */
#include "sw_time.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t sw_days_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t mp = (m + 9) % 12; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void sw_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

int sw_civil_valid(int y, int m, int d)
{
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    int cy, cm, cd;
    sw_civil_from_days(sw_days_from_civil(y, m, d), &cy, &cm, &cd);
    return cy == y && cm == m && cd == d;
}

int sw_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* Day (since epoch) of the n-th Sunday of a month (n >= 1). */
static int64_t nth_sunday(int y, int m, int n)
{
    int64_t first = sw_days_from_civil(y, m, 1);
    int w = sw_weekday(first);
    return first + (7 - w) % 7 + 7 * (n - 1);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int sw_ny_offset_s(int64_t ts_ns)
{
    int64_t s = floor_div(ts_ns, SW_NS_PER_SEC);
    int y, m, d;
    sw_civil_from_days(floor_div(s, 86400), &y, &m, &d);
    /* DST starts the second Sunday of March at 02:00 EST (07:00 UTC) and ends the
     * first Sunday of November at 02:00 EDT (06:00 UTC). */
    int64_t start = nth_sunday(y, 3, 2) * 86400 + 7 * 3600;
    int64_t end = nth_sunday(y, 11, 1) * 86400 + 6 * 3600;
    return (s >= start && s < end) ? -4 * 3600 : -5 * 3600;
}

int64_t sw_ny_day(int64_t ts_ns, int *sec_of_day)
{
    int64_t local = floor_div(ts_ns, SW_NS_PER_SEC) + sw_ny_offset_s(ts_ns);
    int64_t day = floor_div(local, 86400);
    if (sec_of_day)
        *sec_of_day = (int)(local - day * 86400);
    return day;
}

int64_t sw_ny_to_utc(int64_t day, int h, int m, int s)
{
    int64_t local = day * 86400 + h * 3600 + m * 60 + s;
    /* Guess with the winter offset, then correct with the offset at that instant;
     * the session hours never fall in the ambiguous 01:00-03:00 window. */
    int64_t guess = (local + 5 * 3600) * SW_NS_PER_SEC;
    int off = sw_ny_offset_s(guess);
    return (local - off) * SW_NS_PER_SEC;
}

int sw_ny_regular_hours(int64_t ts_ns)
{
    int sod;
    int64_t day = sw_ny_day(ts_ns, &sod);
    int w = sw_weekday(day);
    if (w == 0 || w == 6)
        return 0;
    if (sod < 9 * 3600 + 30 * 60 || sod > 16 * 3600)
        return 0;
    /* 16:00:00.000 is in (the closing print), 16:00:00.001 is not. */
    if (sod == 16 * 3600 && floor_div(ts_ns, SW_NS_PER_SEC) * SW_NS_PER_SEC != ts_ns)
        return 0;
    return 1;
}

int sw_parse_duration(const char *text, int64_t *ns)
{
    if (!text || !*text)
        return -1;
    char *end;
    double v = strtod(text, &end);
    if (end == text || !(v >= 0))
        return -1;
    double mult;
    if (*end == '\0' || strcmp(end, "s") == 0)
        mult = 1e9;
    else if (strcmp(end, "ms") == 0)
        mult = 1e6;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        mult = 60e9;
    else if (strcmp(end, "h") == 0)
        mult = 3600e9;
    else if (strcmp(end, "d") == 0)
        mult = 86400e9;
    else
        return -1;
    double r = v * mult;
    if (r > 9.0e18)
        return -1;
    *ns = (int64_t)(r + 0.5);
    return 0;
}

char *sw_format_duration(int64_t ns, char *buf, int len)
{
    static const struct { int64_t unit; const char *suffix; } units[] = {
        { SW_NS_PER_DAY, "d" }, { 3600 * SW_NS_PER_SEC, "h" },
        { SW_NS_PER_MIN, "m" }, { SW_NS_PER_SEC, "s" }, { 1000000, "ms" },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (ns != 0 && ns % units[i].unit == 0) {
            snprintf(buf, (size_t)len, "%lld%s", (long long)(ns / units[i].unit), units[i].suffix);
            return buf;
        }
    }
    snprintf(buf, (size_t)len, ns == 0 ? "0s" : "%lldns", (long long)ns);
    return buf;
}

char *sw_format_span(int64_t ns, char *buf, size_t len)
{
    long long s = (long long)(ns / SW_NS_PER_SEC);
    if (s >= 3600)
        snprintf(buf, len, "%lldh %lldm", s / 3600, s / 60 % 60);
    else if (s >= 60)
        snprintf(buf, len, "%lldm %llds", s / 60, s % 60);
    else
        snprintf(buf, len, "%llds", s);
    return buf;
}

static int digits(const char *s, size_t len, size_t pos, int n, int *out)
{
    if (pos + (size_t)n > len)
        return -1;
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = s[pos + (size_t)i];
        if (ch < '0' || ch > '9')
            return -1;
        v = v * 10 + (ch - '0');
    }
    *out = v;
    return 0;
}

int sw_parse_timestamp(const char *s, size_t len, int64_t *ns, int *flags)
{
    *flags = 0;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '"'))
        len--;
    while (len && (*s == ' ' || *s == '"')) {
        s++;
        len--;
    }
    if (len == 0)
        return -1;
    /* All digits: epoch in s, ms, us or ns by magnitude. */
    size_t k = 0;
    while (k < len && s[k] >= '0' && s[k] <= '9')
        k++;
    if (k == len) {
        if (len > 19)
            return -1;
        /* 19 digits fit in uint64_t; values that do not fit int64_t once scaled
         * to nanoseconds are not timestamps (and must not overflow). */
        uint64_t u = 0;
        for (size_t i = 0; i < len; i++)
            u = u * 10 + (uint64_t)(s[i] - '0');
        if (u > (uint64_t)INT64_MAX)
            return -1;
        int64_t v = (int64_t)u;
        int64_t mult = v < INT64_C(100000000000) ? SW_NS_PER_SEC          /* < 1e11: seconds */
                     : v < INT64_C(100000000000000) ? 1000000             /* < 1e14: milliseconds */
                     : v < INT64_C(100000000000000000) ? 1000 : 1;        /* < 1e17: microseconds */
        if (v > INT64_MAX / mult)
            return -1;
        *ns = v * mult;
        *flags |= SW_TS_HAD_OFFSET;
        return 0;
    }
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (digits(s, len, 0, 4, &y) || len < 10 || s[4] != '-' || digits(s, len, 5, 2, &mo) ||
        s[7] != '-' || digits(s, len, 8, 2, &d))
        return -1;
    /* Nanoseconds since the epoch in int64_t span 1677-09-21 .. 2262-04-11:
     * a year outside 1678..2261 cannot be represented and must not overflow
     * the arithmetic below (found by fuzz/fuzz_csv: "9999-01-01"). */
    if (y < 1678 || y > 2261 || !sw_civil_valid(y, mo, d))
        return -1;
    int64_t day = sw_days_from_civil(y, mo, d);
    size_t p = 10;
    int64_t frac = 0;
    int have_time = 0;
    if (p < len && (s[p] == 'T' || s[p] == ' ')) {
        p++;
        if (digits(s, len, p, 2, &h) || p + 2 >= len || s[p + 2] != ':' || digits(s, len, p + 3, 2, &mi))
            return -1;
        p += 5;
        if (p < len && s[p] == ':') {
            if (digits(s, len, p + 1, 2, &se))
                return -1;
            p += 3;
            if (p < len && (s[p] == '.' || s[p] == ',')) {
                p++;
                int nd = 0;
                while (p < len && s[p] >= '0' && s[p] <= '9') {
                    if (nd < 9) {
                        frac = frac * 10 + (s[p] - '0');
                        nd++;
                    }
                    p++;
                }
                if (nd == 0)
                    return -1;
                for (; nd < 9; nd++)
                    frac *= 10;
            }
        }
        if (h > 23 || mi > 59 || se > 60)
            return -1;
        have_time = 1;
    }
    int off_s = 0, had_off = 0;
    if (p < len) {
        if (s[p] == 'Z' || s[p] == 'z') {
            had_off = 1;
            p++;
        } else if (s[p] == '+' || s[p] == '-') {
            int oh, om = 0;
            int sign = s[p] == '-' ? -1 : 1;
            if (digits(s, len, p + 1, 2, &oh))
                return -1;
            p += 3;
            if (p < len && s[p] == ':')
                p++;
            if (p < len) {
                if (digits(s, len, p, 2, &om))
                    return -1;
                p += 2;
            }
            if (oh > 18 || om > 59)
                return -1;
            off_s = sign * (oh * 3600 + om * 60);
            had_off = 1;
        }
    }
    if (p != len)
        return -1;
    if (!have_time || (h == 0 && mi == 0 && se == 0 && frac == 0)) {
        /* A daily bar: the calendar date as written, midnight New York. */
        *flags |= SW_TS_DATE_ONLY | (had_off ? SW_TS_HAD_OFFSET : 0);
        *ns = sw_ny_to_utc(day, 0, 0, 0);
        return 0;
    }
    if (had_off) {
        *flags |= SW_TS_HAD_OFFSET;
        *ns = ((day * 86400 + h * 3600 + mi * 60 + se) - off_s) * SW_NS_PER_SEC + frac;
    } else {
        *ns = sw_ny_to_utc(day, h, mi, se) + frac;
    }
    return 0;
}
