/*
 * sw_calendar.h -- the exchange calendar: which New York days are trading days
 * and when each regular session opens and closes.
 *
 * A calendar holds the exchange's holidays and early closes (as New York dates,
 * days since the epoch like sw_time.h) in fixed-size sorted arrays, so a lookup
 * is a binary search over at most SW_CALENDAR_MAX entries and nothing is
 * allocated.  It is filled once at start-up (config/sw_calendar_file.c reads
 * data/calendar/nyse.csv) and then only read.
 *
 * Outside the days the calendar covers (covered_from..covered_until: the whole
 * years its file lists) and for a NULL calendar, every weekday is a trading day
 * from 09:30 to 16:00 New York time: without the exchange's list we cannot know
 * a holiday, and treating a weekday as open is the choice that keeps detectors
 * watching.  A calendar in 24x7 mode (crypto) is open at every instant; its
 * "session" of a day is New York midnight to midnight.
 *
 * Two views of "open": sw_calendar_is_open() is the half-open interval
 * [open, close) -- is the market trading at this instant -- while
 * sw_calendar_regular() also admits the instant of the close itself, because
 * the closing print is stamped exactly 16:00:00 (13:00:00 on an early close)
 * and must count as the day's close.
 */
#ifndef SW_CALENDAR_H
#define SW_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

/* Entries per list: about 10 holidays and 3 early closes a year, so this holds
 * two decades of either. */
#define SW_CALENDAR_MAX 256

/* The regular session on a normal day, seconds after New York midnight. */
#define SW_SESSION_OPEN_SOD (9 * 3600 + 30 * 60)
#define SW_SESSION_CLOSE_SOD (16 * 3600)

typedef struct sw_calendar {
    int always_open;                      /* 24x7: every day, all day */
    int64_t covered_from;                 /* first day the lists are complete for */
    int64_t covered_until;                /* last such day; < covered_from: none */
    size_t n_holidays;
    int64_t holidays[SW_CALENDAR_MAX];    /* sorted New York days the market is closed */
    size_t n_early;
    int64_t early_days[SW_CALENDAR_MAX];  /* sorted New York days with an early close */
    int32_t early_close[SW_CALENDAR_MAX]; /* that day's close, seconds after midnight */
} sw_calendar;

/* An empty calendar: weekdays 09:30-16:00 everywhere, nothing covered. */
void sw_calendar_init(sw_calendar *c);

/* A 24x7 calendar for symbols that never close (crypto). */
void sw_calendar_init_24x7(sw_calendar *c);

/* A shared, read-only 24x7 calendar. */
const sw_calendar *sw_calendar_24x7(void);

/* Add a holiday or an early close (close_sod: seconds after midnight, strictly
 * between the 09:30 open and 16:00).  Entries may come in any order.  Returns 0,
 * -1 if the list is full or close_sod is out of range, -2 if `day` is already a
 * holiday or an early close. */
int sw_calendar_add_holiday(sw_calendar *c, int64_t day);
int sw_calendar_add_early_close(sw_calendar *c, int64_t day, int close_sod);

/* Declare the days (inclusive) for which the lists are complete. */
void sw_calendar_set_coverage(sw_calendar *c, int64_t first_day, int64_t last_day);

/* True when `day` is inside the covered range (always for 24x7). */
int sw_calendar_covers(const sw_calendar *c, int64_t day);

/* The regular session of New York day `day`: returns 1 and sets the open and
 * close as seconds after local midnight, or returns 0 if the market does not
 * open that day (weekend, holiday).  c may be NULL (weekday fallback). */
int sw_calendar_day(const sw_calendar *c, int64_t day, int *open_sod, int *close_sod);

/* The same as UTC instants (ns since the epoch); daylight-saving days are
 * handled by sw_ny_to_utc.  Returns 1, or 0 for a day without a session. */
int sw_calendar_session(const sw_calendar *c, int64_t day, int64_t *open_ns, int64_t *close_ns);

/* True when the market is open at ts_ns: a trading day and open <= t < close. */
int sw_calendar_is_open(const sw_calendar *c, int64_t ts_ns);

/* True when a trade at ts_ns belongs to the regular session: open <= t <= close,
 * the closing print included.  With c == NULL this is sw_ny_regular_hours. */
int sw_calendar_regular(const sw_calendar *c, int64_t ts_ns);

/* The session in progress at ts_ns (open <= t < close), else the next one to
 * open.  Returns 1 and its bounds, or 0 if no session opens within 31 days
 * (a calendar that closed a whole month: nothing to wait for). */
int sw_calendar_next_session(const sw_calendar *c, int64_t ts_ns, int64_t *open_ns, int64_t *close_ns);

/*
 * The session an instant belongs to, as alerts carry it ("session"): pre
 * (04:00 to the open), regular (the open to the close, the closing print at
 * the close included, as sw_calendar_regular), post (after the close for 4
 * hours: 16:00-20:00, or 13:00-17:00 after an early close, when the
 * exchanges' late session ends at 17:00), closed (any other time, weekends
 * and holidays).  A 24x7 calendar is always regular.
 */
typedef enum sw_session_kind {
    SW_SESSION_NONE = 0,        /* not known: an alert written before the field existed */
    SW_SESSION_PRE,
    SW_SESSION_REGULAR,
    SW_SESSION_POST,
    SW_SESSION_CLOSED
} sw_session_kind;

#define SW_EXTENDED_OPEN_SOD (4 * 3600)   /* pre-market from 04:00 New York */
#define SW_EXTENDED_AFTER_CLOSE_S (4 * 3600) /* post-market for 4 hours after the close */

sw_session_kind sw_calendar_session_at(const sw_calendar *c, int64_t ts_ns);

/* "pre", "regular", "post", "closed"; NULL for SW_SESSION_NONE. */
const char *sw_session_name(sw_session_kind s);

/* The session named s, or SW_SESSION_NONE for any other text. */
sw_session_kind sw_session_parse(const char *s);

#endif
