/*
 * sw_colseries.h -- a price path kept at screen resolution: fixed time
 * columns over a span (say 15 s over a New York day), each holding its
 * first, last, lowest and highest price with their times.
 *
 * A day of ticks (20 000 per symbol) becomes a few thousand columns, filled
 * as ticks arrive in O(1) with memory fixed at init -- what a report needs
 * for a recording and a live chart needs for "today so far".  Drawing asks
 * for the span it shows at the number of pixel columns it has
 * (sw_colseries_reduce): per pixel column the first point, the lowest and the
 * highest in the order they happened, and the last.  A line through those
 * points looks exactly like the line through every tick at that width (the
 * M4 aggregation), and no extreme ever disappears: the day's low is in the
 * picture however narrow the chart.
 */
#ifndef SW_COLSERIES_H
#define SW_COLSERIES_H

#include <stddef.h>
#include <stdint.h>

typedef struct sw_col {
    double first, last, lo, hi;     /* first is NaN while the column is empty */
    uint32_t t_first, t_last, t_lo, t_hi; /* ms after the series' start */
} sw_col;

typedef struct sw_colseries {
    int64_t t0;                     /* start of column 0, ns */
    int64_t step;                   /* column width, ns (a whole number of ms) */
    size_t ncols;
    sw_col *cols;
    size_t first_col, last_col;     /* the non-empty ones; first_col > last_col: none */
    uint64_t points;                /* added inside the span */
    uint64_t outside;               /* refused: before t0 or after the last column */
} sw_colseries;

typedef struct sw_pt {
    int64_t t;                      /* ns */
    double v;
} sw_pt;

/* Columns of `step` ns (>= 1 ms, a whole number of ms) covering [t0, t1),
 * at most 49 days.  Returns 0, or -1 (bad span or out of memory). */
int sw_colseries_init(sw_colseries *s, int64_t t0, int64_t t1, int64_t step);
void sw_colseries_free(sw_colseries *s);
/* Empty every column (same span). */
void sw_colseries_clear(sw_colseries *s);

/* Add a point.  Times need not increase: within a column the earliest point
 * is first and the latest last (ties: arrival order).  Points outside the
 * span are counted in `outside` and dropped. */
void sw_colseries_add(sw_colseries *s, int64_t t, double v);

/* Reduce [from, to) to n pixel columns of equal width.  A column of the
 * series belongs to the pixel its start falls in.  Writes, in time order,
 * per non-empty pixel column its first point, its lowest and highest (the
 * earlier of the two first), its last, leaving out a point equal to the one
 * before it; out needs room for 4 * n.  Returns the number written. */
size_t sw_colseries_reduce(const sw_colseries *s, int64_t from, int64_t to, size_t n, sw_pt *out);

/* The last value at or before t (NaN if none): where a line drawn through
 * the series stands at t. */
double sw_colseries_at(const sw_colseries *s, int64_t t);

/* Lowest and highest value in [from, to) (whole columns, by their start).
 * Returns 1, or 0 when the series holds nothing there. */
int sw_colseries_range(const sw_colseries *s, int64_t from, int64_t to, double *lo, double *hi);

/* Time of the first and last point.  Returns 1, or 0 when empty. */
int sw_colseries_span(const sw_colseries *s, int64_t *first, int64_t *last);

#endif
