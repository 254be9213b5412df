/*
 * sw_relative.h -- a move against a benchmark: "NVDA -15.8% while the market
 * is flat".  It tells a name-specific or sector shock from a market-wide
 * fall, which pct_move alone cannot: on 2025-01-27 NVDA fell 16.97% while
 * SPY fell 1.41%.
 *
 * For every watched symbol but the benchmark, both moves are measured against
 * their own previous close at the same event time -- the symbol's trade and
 * the benchmark's price as of that trade -- and combined as
 *
 *     relative = (1 + r_symbol) / (1 + r_benchmark) - 1
 *
 * (in percent: -15.80 for NVDA on that day), the symbol's return in units of
 * the benchmark, which for small moves is about r_symbol - r_benchmark and
 * never exaggerates a large one.  Warning and critical levels, both
 * directions, edge-triggered and confirmed like pct_move (sw_detect.h: a
 * level needs `confirm_ticks` consecutive trades of the symbol beyond it, or
 * two spanning `confirm`; a step re-alerts, the hysteresis clears, a session
 * roll clears).  The benchmark's price is the median of its last three trades
 * on the symbol's day, so one bad print of SPY cannot make every name look
 * like it moved against the market at once.  Nothing is judged before both
 * have a previous close and the benchmark has traded on the symbol's day.
 * Every trade counts, pre- and post-market too (the session field says which).
 *
 * The benchmark must be watched (the config loader says so); the alert's
 * change_pct is the relative move, its reference the symbol's previous
 * close, its window "prev_close".  The message gives both moves:
 * "NVDA -15.80% vs SPY (NVDA -16.97%, SPY -1.41%)".
 */
#ifndef SW_RELATIVE_H
#define SW_RELATIVE_H

#include "sw_tick.h"

#include <stdint.h>

typedef struct sw_relative_params {
    char benchmark[SW_SYMBOL_MAX];
    double warning_pct;     /* relative move, percent, either direction */
    double critical_pct;    /* > warning_pct */
    double step_pct;        /* re-alert when it extends by this much (0: never) */
    double hysteresis;      /* fraction of warning_pct it must fall back by to clear */
    int confirm_ticks;
    int64_t confirm_ns;
} sw_relative_params;

#endif
