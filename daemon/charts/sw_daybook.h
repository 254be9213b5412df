/*
 * sw_daybook.h -- one New York day of a watchlist, as the drawings need it.
 *
 * Per symbol: the price path over the whole local day (an sw_colseries,
 * allocated at the symbol's first tick of the day), the regular session's
 * open, high, low and close (the calendar's session, the closing print
 * included, as the engine counts them), the first and last trade, and the
 * reference its move is measured against -- the previous close the engine
 * held when the symbol's first tick of the day arrived, the very price
 * pct_move compares with.  A symbol known only from a daily bar (its ticks
 * flagged SW_TICK_DAILY_BAR) is marked so: its times are invented, a chart
 * draws it as a bar.
 *
 * Fed tick by tick and bounded (fixed columns per symbol), so a report of a
 * recording and a live "today so far" chart keep it the same way.  Pure: no
 * I/O, no clock.
 */
#ifndef SW_DAYBOOK_H
#define SW_DAYBOOK_H

#include "sw_calendar.h"
#include "sw_colseries.h"
#include "sw_tick.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sw_daybook_sym {
    sw_colseries path;          /* the day's prices; cols NULL until the first tick */
    double ref;                 /* previous close at the first tick; NaN: unknown */
    double open, high, low, close; /* regular session; NaN until its first trade */
    double first, last;         /* first and last price of the day, any hour */
    int64_t first_ts, last_ts;
    uint64_t ticks;
    uint64_t daily_ticks;       /* of them, standing for a daily bar */
} sw_daybook_sym;

typedef struct sw_daybook {
    int64_t day;                /* New York day (days since the epoch) */
    int64_t lo, hi;             /* its midnight and the next, UTC ns */
    int64_t open, close;        /* regular session; open > close: the market is closed */
    int64_t step;               /* column width of the paths */
    size_t n;
    sw_daybook_sym *syms;
} sw_daybook;

/* Room for n symbols whose paths have columns of step ns.  Returns 0 or -1. */
int sw_daybook_init(sw_daybook *b, size_t n, int64_t step);
void sw_daybook_free(sw_daybook *b);

/* Start (or start again) on New York day `day`: everything is forgotten,
 * the memory kept for the next day. */
void sw_daybook_start(sw_daybook *b, int64_t day, const sw_calendar *cal);

/* A tick of symbol `sym` (index < n) on the book's day; ref is the previous
 * close the engine holds for it now (NaN if none).  Ticks of another day,
 * and ticks that are no price (SW_TICK_EVENT, SW_TICK_NO_LAST), are
 * ignored.  Returns 0, or -1 out of memory (the tick is not drawn). */
int sw_daybook_add(sw_daybook *b, size_t sym, const sw_tick *t, double ref);

/* Known only from a daily bar: every tick of the day stood for one. */
int sw_daybook_daily_only(const sw_daybook_sym *s);

/* The price the day's move is measured against: ref, else (no previous
 * close in the data) the first price of the day; NaN without a tick. */
double sw_daybook_base(const sw_daybook_sym *s);

#endif
