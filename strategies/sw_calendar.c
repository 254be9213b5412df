/* sw_calendar.c -- see sw_calendar.h. */
#include "sw_calendar.h"
#include "sw_time.h"

#include <string.h>

void sw_calendar_init(sw_calendar *c)
{
    memset(c, 0, sizeof *c);
    c->covered_from = 0;
    c->covered_until = -1;
}

void sw_calendar_init_24x7(sw_calendar *c)
{
    sw_calendar_init(c);
    c->always_open = 1;
}

const sw_calendar *sw_calendar_24x7(void)
{
    /* Zero lists, empty coverage (irrelevant in 24x7 mode), always open. */
    static const sw_calendar always = { 1, 0, -1, 0, { 0 }, 0, { 0 }, { 0 } };
    return &always;
}

/* Index of the first entry >= day in a sorted array. */
static size_t lower_bound(const int64_t *a, size_t n, int64_t day)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int find(const int64_t *a, size_t n, int64_t day)
{
    size_t i = lower_bound(a, n, day);
    return i < n && a[i] == day ? (int)i : -1;
}

static int listed(const sw_calendar *c, int64_t day)
{
    return find(c->holidays, c->n_holidays, day) >= 0 || find(c->early_days, c->n_early, day) >= 0;
}

int sw_calendar_add_holiday(sw_calendar *c, int64_t day)
{
    if (listed(c, day))
        return -2;
    if (c->n_holidays >= SW_CALENDAR_MAX)
        return -1;
    /* Insertion keeps the list sorted; it runs only while loading (a few dozen
     * entries), never on the tick path. */
    size_t i = lower_bound(c->holidays, c->n_holidays, day);
    memmove(&c->holidays[i + 1], &c->holidays[i], (c->n_holidays - i) * sizeof c->holidays[0]);
    c->holidays[i] = day;
    c->n_holidays++;
    return 0;
}

int sw_calendar_add_early_close(sw_calendar *c, int64_t day, int close_sod)
{
    if (listed(c, day))
        return -2;
    if (c->n_early >= SW_CALENDAR_MAX || close_sod <= SW_SESSION_OPEN_SOD || close_sod >= SW_SESSION_CLOSE_SOD)
        return -1;
    size_t i = lower_bound(c->early_days, c->n_early, day);
    memmove(&c->early_days[i + 1], &c->early_days[i], (c->n_early - i) * sizeof c->early_days[0]);
    memmove(&c->early_close[i + 1], &c->early_close[i], (c->n_early - i) * sizeof c->early_close[0]);
    c->early_days[i] = day;
    c->early_close[i] = close_sod;
    c->n_early++;
    return 0;
}

void sw_calendar_set_coverage(sw_calendar *c, int64_t first_day, int64_t last_day)
{
    c->covered_from = first_day;
    c->covered_until = last_day;
}

int sw_calendar_covers(const sw_calendar *c, int64_t day)
{
    if (!c)
        return 0;
    return c->always_open || (day >= c->covered_from && day <= c->covered_until);
}

int sw_calendar_day(const sw_calendar *c, int64_t day, int *open_sod, int *close_sod)
{
    if (c && c->always_open) {
        *open_sod = 0;
        *close_sod = 86400;
        return 1;
    }
    int w = sw_weekday(day);
    if (w == 0 || w == 6)
        return 0;
    *open_sod = SW_SESSION_OPEN_SOD;
    *close_sod = SW_SESSION_CLOSE_SOD;
    if (!c)
        return 1;
    /* The lists are consulted even outside the covered range: they hold nothing
     * there, so the result is the documented weekday fallback. */
    if (find(c->holidays, c->n_holidays, day) >= 0)
        return 0;
    int i = find(c->early_days, c->n_early, day);
    if (i >= 0)
        *close_sod = c->early_close[i];
    return 1;
}

int sw_calendar_session(const sw_calendar *c, int64_t day, int64_t *open_ns, int64_t *close_ns)
{
    int o, cl;
    if (!sw_calendar_day(c, day, &o, &cl))
        return 0;
    /* Midnight is never in the 01:00-03:00 daylight-saving gap, and 24:00 is the
     * next day's midnight, so both convert exactly. */
    *open_ns = sw_ny_to_utc(day, o / 3600, o / 60 % 60, o % 60);
    *close_ns = cl == 86400 ? sw_ny_to_utc(day + 1, 0, 0, 0) : sw_ny_to_utc(day, cl / 3600, cl / 60 % 60, cl % 60);
    return 1;
}

int sw_calendar_is_open(const sw_calendar *c, int64_t ts_ns)
{
    if (c && c->always_open)
        return 1;
    int sod, o, cl;
    int64_t day = sw_ny_day(ts_ns, &sod);
    if (!sw_calendar_day(c, day, &o, &cl))
        return 0;
    return sod >= o && sod < cl;
}

int sw_calendar_regular(const sw_calendar *c, int64_t ts_ns)
{
    if (c && c->always_open)
        return 1;
    int sod, o, cl;
    int64_t day = sw_ny_day(ts_ns, &sod);
    /* Cheap tests first: most ticks outside the session are rejected by the
     * clock alone, before any binary search. */
    if (sod < SW_SESSION_OPEN_SOD || sod > SW_SESSION_CLOSE_SOD)
        return 0;
    if (!sw_calendar_day(c, day, &o, &cl))
        return 0;
    if (sod < o || sod > cl)
        return 0;
    /* hh:mm:00.000 exactly is the closing print; a nanosecond later is not. */
    if (sod == cl && ts_ns % SW_NS_PER_SEC != 0)
        return 0;
    return 1;
}

int sw_calendar_next_session(const sw_calendar *c, int64_t ts_ns, int64_t *open_ns, int64_t *close_ns)
{
    int64_t day = sw_ny_day(ts_ns, NULL);
    for (int k = 0; k <= 31; k++) {
        int64_t o, cl;
        if (sw_calendar_session(c, day + k, &o, &cl) && ts_ns < cl) {
            *open_ns = o;
            *close_ns = cl;
            return 1;
        }
    }
    return 0;
}

sw_session_kind sw_calendar_session_at(const sw_calendar *c, int64_t ts_ns)
{
    if (c && c->always_open)
        return SW_SESSION_REGULAR;
    int sod, o, cl;
    int64_t day = sw_ny_day(ts_ns, &sod);
    if (!sw_calendar_day(c, day, &o, &cl))
        return SW_SESSION_CLOSED;
    if (sw_calendar_regular(c, ts_ns))
        return SW_SESSION_REGULAR;
    if (sod >= SW_EXTENDED_OPEN_SOD && sod < o)
        return SW_SESSION_PRE;
    /* From the instant after the closing print. */
    if (sod >= cl && sod < cl + SW_EXTENDED_AFTER_CLOSE_S)
        return SW_SESSION_POST;
    return SW_SESSION_CLOSED;
}

static const char *const session_names[] = { NULL, "pre", "regular", "post", "closed" };

const char *sw_session_name(sw_session_kind s)
{
    return s > SW_SESSION_NONE && s <= SW_SESSION_CLOSED ? session_names[s] : NULL;
}

sw_session_kind sw_session_parse(const char *s)
{
    for (int i = SW_SESSION_PRE; i <= SW_SESSION_CLOSED; i++)
        if (strcmp(session_names[i], s) == 0)
            return (sw_session_kind)i;
    return SW_SESSION_NONE;
}
