/*
 * sw_pct_move.h -- percent move of the last trade against a reference price:
 * the previous session's close (default), today's open, or the price `window`
 * ago (LULD-style).  Both directions; warning and critical levels.
 *
 * The detector is edge-triggered: it reports when a level is first reached,
 * when the move escalates to critical, when it extends by another `step_pct`,
 * and (as a CLEAR candidate) when the move falls back inside the warning level
 * by the hysteresis margin.  A level must be confirmed by `confirm_ticks`
 * consecutive trades beyond it, or by two or more trades spanning `confirm`,
 * so a single out-of-line print cannot raise an alert; unconfirmed excursions
 * are counted as filtered prints.
 */
#ifndef SW_PCT_MOVE_H
#define SW_PCT_MOVE_H

#include <stdint.h>

typedef enum sw_pct_reference {
    SW_REF_PREV_CLOSE = 0,
    SW_REF_OPEN = 1,
    SW_REF_WINDOW = 2
} sw_pct_reference;

/* Number of buckets the window reference is kept in (fixed memory per symbol). */
#define SW_PCT_WINDOW_SLOTS 60

typedef struct sw_pct_move_params {
    int reference;          /* sw_pct_reference */
    int64_t window_ns;      /* for SW_REF_WINDOW */
    double warning_pct;     /* level for a warning, percent, > 0 */
    double critical_pct;    /* level for critical, > warning_pct */
    double step_pct;        /* re-alert when the move extends by this much (0: never) */
    double hysteresis;      /* fraction of warning_pct the move must fall back by to clear */
    int confirm_ticks;      /* consecutive trades beyond a level that confirm it */
    int64_t confirm_ns;     /* or: at least two trades beyond it spanning this long */
} sw_pct_move_params;

#endif
