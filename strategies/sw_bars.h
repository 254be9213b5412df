/*
 * sw_bars.h -- time-bucketed bars built from ticks, for detectors that reason
 * about bar returns rather than single trades.
 *
 * A bar of length L (1s .. 1d) holds the prices whose event time falls in one
 * bucket: floor(ts / L) for intraday lengths, which lines buckets up with the
 * clock (a 5m bar starts at :00, :05, ...; New York's offset from UTC is whole
 * hours).  A length of whole days buckets by New York trading date instead, so
 * that a session's prints, stamped from 04:00 to 20:00 local time, never
 * straddle a UTC midnight, and a weekend is not counted as bars elapsed (a
 * Friday-to-Monday return spans one daily bar; holidays would need the
 * exchange calendar and count).  Nothing is filled in for buckets without prices:
 * the next completed bar reports how many buckets its return spans, and the
 * caller decides how to scale it.
 *
 * A bar completes when the first tick of a later bucket arrives (event time
 * only, no clock).  sw_bars_roll() and sw_bars_add() are separate so that a
 * detector can keep a price it does not trust (an unconfirmed outlier) out of
 * the bar while still moving the bar forward in time; sw_bars_tick() does
 * both.  Fixed size, no allocation.
 */
#ifndef SW_BARS_H
#define SW_BARS_H

#include <stdint.h>

#define SW_BARS_NONE INT64_MIN

/* A bar length, the parameter every call takes (by value: two registers):
 * the caller's, not a copy in each sw_bars -- one of those per symbol is 16
 * bytes a symbol less without it.  sw_bar_len_of() makes one. */
typedef struct sw_bar_len {
    int64_t ns;           /* bar length for intraday bars */
    int64_t days;         /* > 0: bars are this many New York trading dates */
} sw_bar_len;

/* 64 bytes: the bar in progress first (a tick reads and writes it), then
 * the last completed bar. */
typedef struct sw_bars {
    int64_t bucket;       /* bucket of the bar in progress, SW_BARS_NONE before the first tick */
    double open, high, low, close;
    int64_t last_bucket;  /* bucket of the last completed bar, SW_BARS_NONE if none */
    double last_close;    /* its close; NaN if none or after a break */
    uint32_t n;           /* prices added to the bar in progress */
    uint32_t pending_break; /* sw_bars_break() called: applies at the next bucket change */
} sw_bars;

/* A completed bar. */
typedef struct sw_bar_done {
    int64_t bucket;
    double open, high, low, close;
    uint32_t n;           /* prices it holds, >= 1 */
    double ret;           /* log(close / previous completed close), NaN if there is none */
    int64_t span;         /* buckets between the two closes (>= 1); 0 when ret is NaN */
} sw_bar_done;

/* The length len_ns, from 1s to 1d; a multiple of a day (1d) means
 * trading-date bars; 0 or less: one minute. */
sw_bar_len sw_bar_len_of(int64_t len_ns);

/* No bar yet.  Every later call passes the same length. */
void sw_bars_init(sw_bars *b);

/* Bucket number of event time ts. */
int64_t sw_bars_bucket(sw_bar_len L, int64_t ts);

/* Bars from the last completed close to the bar in progress (>= 1): the
 * bucket difference, or for daily bars the weekdays between them. */
int64_t sw_bars_span(const sw_bars *b, sw_bar_len L);

/* Move to the bucket of ts.  If that is a later bucket than the bar in
 * progress and the bar holds prices, the bar completes: *done is filled and
 * the function returns 1 (else 0).  A bar without prices is dropped silently. */
int sw_bars_roll(sw_bars *b, sw_bar_len L, int64_t ts, sw_bar_done *done);

/* Add a price to the bar in progress (call sw_bars_roll first). */
void sw_bars_add(sw_bars *b, double price);

/* sw_bars_roll then sw_bars_add. */
int sw_bars_tick(sw_bars *b, sw_bar_len L, int64_t ts, double price, sw_bar_done *done);

/* A break in the series (a new session): the bar in progress, if any, still
 * completes with its return, but the first bar begun after the break reports
 * none, so a return across the break (an overnight gap) is never mistaken for
 * one bar's move.  Takes effect at the next bucket change. */
void sw_bars_break(sw_bars *b);

/* Divide every stored price by ratio (a split of ratio new shares per old). */
void sw_bars_split(sw_bars *b, double ratio);

#endif
