/*
 * sw_stale.h -- a symbol that stops trading during its regular session.
 *
 * A watched name that prints nothing for `after` (default 120 s) while its
 * market is open means a halt, a dead subscription or a stuck feed; every other
 * detector is blind for that symbol meanwhile, so the silence itself is worth a
 * WARNING.  The detector fires once per silence (direction 0, no percent move)
 * and sends a CLEAR with the next trade.
 *
 * Silence only counts inside the session: it is measured from the later of the
 * last trade and the session's open, and nothing fires on a weekend, a holiday,
 * at night, before `after` has passed since the open, or once the close (16:00,
 * or the early close) has passed.  The engine's calendar (sw_engine.calendar)
 * says when the session is; symbols listed in `always_open` (crypto) use a 24x7
 * calendar instead and are watched around the clock.
 *
 * A symbol is watched from its first trade seen by this engine: at start-up
 * (mid-session, or a replay of a subset of the watchlist) a symbol that never
 * traded says nothing about a feed that stopped.  Price-only updates
 * (SW_TICK_PRICE_ONLY) are not trades: a halted name can still get them.
 *
 * Cost: the engine calls on_clock at most once per second of event time.  The
 * watched symbols wait by their last trade in a ring of per-second lists (one
 * queue for the session's symbols, one for the 24x7 ones; keys older than the
 * ring, which spans more than `after`, wait in one more list and are due at
 * the next step), so a clock step takes out exactly the symbols whose silence
 * may have reached `after`, at O(1) each -- never the whole watchlist, and no
 * heap's log2(n) steps through an array larger than the L1 cache.  A trade
 * does not move its symbol in the queue (it updates the last trade in a
 * compact per-symbol array, O(1)); a symbol that comes up with a newer trade
 * than its key goes back in with that one, at most once per `after`.
 * Symbols that fire in one step are reported in watchlist order.
 */
#ifndef SW_STALE_H
#define SW_STALE_H

#include "sw_engine.h"

#include <stdint.h>

typedef struct sw_stale_params {
    int64_t after_ns;           /* silence that fires, default 120 s */
    sw_name_list always_open;   /* symbols watched 24x7 (crypto), default none */
} sw_stale_params;

#endif
