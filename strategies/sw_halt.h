/*
 * sw_halt.h -- trading halts, limit-up/limit-down bands, and pauses inferred
 * where no status exists.
 *
 * From providers that publish them (Alpaca's `statuses` and `lulds`
 * channels, Polygon's LULD events; the adapters turn them into ticks with
 * SW_TICK_STATUS or SW_TICK_LULD, which only on_status sees):
 *  - a halt or pause is a CRITICAL alert (direction 0, window "halt") that
 *    names the tape's reason code and the provider's words for it, e.g.
 *    "NVDA halted: LUDP Volatility Trading Pause"; every halt of the day
 *    alerts, also within the policy's cooldown (the alert's magnitude is the
 *    day's halt count with a step of 1);
 *  - the resumption is an INFO alert with `resolved: true` whatever
 *    policy.resolved says (SW_CAND_RESOLVE), with how long the halt lasted.
 *    A price-eligible trade more than a second after the halt while no
 *    resumption came (a reconnect can miss one) resumes it too;
 *  - a trade within `band_pct` of a LULD band (or beyond it) is a WARNING,
 *    direction -1 for the lower band and +1 for the upper, window "luld";
 *    it clears when the price is back more than twice `band_pct` away, at a
 *    halt, or when the session ends (the bands are the session's).
 *
 * Inferred, where no status exists (Finnhub; `infer`): a symbol that traded
 * at least `min_rate` times a minute and moved at least `move_pct` within
 * `move_window` (default 5 minutes) goes silent for `after` inside the
 * regular session -> a WARNING (direction 0, window "halt") such as
 * "NVDA: no trade for 45s after -9.8% in 5m: possible LULD pause", cleared
 * by the next trade (a CLEAR: a `resolved` alert when policy.resolved is on);
 * like halts, each one of the day alerts.
 * The move is the largest from any price of the window to the last trade;
 * both it and the rate are measured in ten buckets of move_window / 10, so
 * the window covers the last 90 to 100 % of move_window, and the rate is
 * the trades in it divided by its length in minutes.  Symbols listed in
 * `always_open` (crypto, 24x7) are never inferred paused, nor is a symbol
 * halted by a status.  Silence needs event time to pass without the
 * symbol's trades: the engine's clock (sw_engine_advance) moves with the
 * other symbols' ticks in replay and with the wall clock on a live
 * real-time feed, as for `stale`; on_clock looks only at the symbols armed
 * by such a move (usually none).
 *
 * Only price-eligible trades count (SW_TICK_NO_LAST trades do not: a late
 * report during a pause is not trading).  Deterministic: the same ticks
 * give the same alerts, live or replayed.
 */
#ifndef SW_HALT_H
#define SW_HALT_H

#include "sw_engine.h"

#include <stdint.h>

/* Buckets of the inferred pause's window (fixed memory per symbol). */
#define SW_HALT_SLOTS 10

typedef struct sw_halt_params {
    double band_pct;            /* distance to a LULD band that warns, percent (default 1) */
    int infer;                  /* infer pauses from silence after a move (default on) */
    int64_t after_ns;           /* silence that is a possible pause (default 30 s) */
    double move_pct;            /* move within move_window that arms it (default 5) */
    int64_t move_window_ns;     /* default 5 minutes */
    double min_rate;            /* trades per minute over the window (default 10) */
    sw_name_list always_open;   /* 24x7 symbols: never inferred paused */
} sw_halt_params;

#endif
