/*
 * sw_volume.h -- unusual volume: "NVDA is trading 4 times its usual volume".
 *
 * Volume has a strong time-of-day curve -- the open and the close always
 * trade several times the midday volume -- so a window is compared with the
 * same window of earlier sessions, not with the day's average.  The regular
 * session is cut into windows of `window` (default 5m) from the open
 * (09:30-09:35, 09:35-09:40, ...); the volume of the window in progress is
 * judged on every trade against the mean volume of the same window over the
 * previous sessions, and reaching `warning_x` (or `critical_x`) times that
 * mean raises a warning (critical): so a burst alerts within its window,
 * not when the window ends.  With `bar` "1d" the window is the whole session:
 * the day's volume so far against the mean daily volume (daily bars).
 *
 * The baseline: per window, the mean of the sessions seen so far while they
 * are fewer than `baseline_days` / 2, then an exponential average with weight
 * 2 / (baseline_days + 1) per new session -- the average age of a
 * baseline_days-session mean, in one number per window instead of a ring of
 * baseline_days of them (state.json keeps it: 2 numbers per window, not 40).
 * A window's volume enters it when the window is over; a window without
 * trades enters as 0, but only while this run was watching: a window before
 * the symbol's first trade of a run, or lost to a restart, does not count.
 * Early closes (the calendar's 13:00 closes) are judged -- their morning
 * against the morning's windows, their last 30 minutes against the last 30
 * minutes of a full session, since the closing rush moves with the close --
 * but never enter the baseline: their afternoon does not exist and their
 * closing rush would inflate midday windows.  Only regular-session trades
 * count (pre- and post-market volume is thin and varies too much from day to
 * day to have a curve).
 *
 * No alert before a window has `min_days` sessions of baseline; the
 * detector says so in the log once per symbol and run (how to build one from
 * history at the first start: docs/operations.md).  Nor below `min_volume`
 * shares in the window, so a quiet name waking up to a few blocks is not
 * unusual.  Confirmation against one bad print: the level must be reached by
 * the window's volume without its largest single trade, so one print of any
 * size -- a misreported size, one block -- never makes unusual volume on its
 * own (synthesized bar ticks, whose size is a share of a bar, are exempt).
 *
 * Edge-triggered: a FIRE when the level is first reached and when it
 * escalates to critical (no extension alerts: step 0), direction "none",
 * magnitude the ratio; the condition holds across windows while they stay
 * heavy and clears (CLEAR) when a window ends below warning_x * (1 -
 * hysteresis) times its mean, or with the session.  Memory per symbol: the
 * header plus 6 bytes a window (78 windows of 5m: about 0.5 KB).
 */
#ifndef SW_VOLUME_H
#define SW_VOLUME_H

#include <stdint.h>

/* The most baseline_days and min_days can be: the per-window session counts
 * are one byte (and saturate there, see sw_volume.c). */
#define SW_VOLUME_DAYS_MAX 255

typedef struct sw_volume_params {
    int64_t window_ns;      /* length of the windows of the intraday curve */
    int64_t bar_ns;         /* 0: intraday windows; one day: whole sessions */
    int baseline_days;      /* sessions the baseline averages over */
    int min_days;           /* sessions a window needs before it is judged */
    double warning_x;       /* times the mean that raises a warning */
    double critical_x;      /* times the mean for critical, > warning_x */
    double min_volume;      /* the window's volume must be at least this */
    double hysteresis;      /* fraction of warning_x a window must fall below to clear */
} sw_volume_params;

#endif
