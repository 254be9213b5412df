/*
 * sw_axis.h -- where an axis puts its ticks, and how it labels New York
 * clock times.
 *
 * Value axes tick at round numbers: steps of 1, 2, 2.5 or 5 times a power of
 * ten, about `target` of them over the range (-10%, -5%, 0%, 5% rather than
 * -9.37%, -4.68%, ...).  Time axes tick at round New York clock times
 * (10:00, 11:00, ...; or every 30, 15, 10, 5, 2, 1 minutes as the span
 * shrinks), computed per local day so a daylight-saving change never shifts
 * them.  Everything is pure arithmetic on its arguments: the decimal powers
 * are a table, not libm's pow/log10, so two machines pick the same ticks.
 */
#ifndef SW_AXIS_H
#define SW_AXIS_H

#include <stddef.h>
#include <stdint.h>

/* The round step that puts about `target` (>= 1) ticks on [lo, hi]. */
double sw_axis_step(double lo, double hi, int target);

/* Decimals a label needs to show multiples of step exactly (2.5 -> 1). */
int sw_axis_decimals(double step);

/* The multiples of sw_axis_step(lo, hi, target) in [lo, hi], ascending, at
 * most max of them.  Returns the count; *step (if not NULL) the step. */
size_t sw_axis_ticks(double lo, double hi, int target, double *out, size_t max, double *step);

/* Widen [*lo, *hi] to the multiples of its round step around it: the range
 * a chart draws so its top and bottom ticks sit on the frame.  An empty
 * range (lo == hi) is widened around its value first. */
void sw_axis_nice(double *lo, double *hi, int target);

/* Round New York clock times in [from, to] (ns): the smallest step of 1, 2,
 * 5, 10, 15, 30 minutes, 1, 2, 3, 4, 6 or 12 hours that gives at most
 * `target` ticks.  Returns the count (at most max); *step_ns the step. */
size_t sw_axis_time_ticks(int64_t from, int64_t to, int target, int64_t *out, size_t max, int64_t *step_ns);

/* New York clock time of ts: "09:30" (prec 0), "09:30:00" (1) or
 * "09:30:00.190" (2).  buf: at least 16 bytes.  Returns buf. */
char *sw_ny_clock(int64_t ts, int prec, char *buf);

/* New York date of day (days since the epoch): "2025-01-27".  buf: 16 bytes. */
char *sw_ny_date(int64_t day, char *buf);

#endif
