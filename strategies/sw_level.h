/*
 * sw_level.h -- absolute price levels per symbol: "tell me when NVDA breaks
 * 120".  The alert every trader sets first in a broker app, as a detector.
 *
 * Each level has a direction: a "below" level alerts when trades cross from
 * above it to below it, an "above" level the other way, each with its own
 * severity (default warning).  A crossing must be confirmed like pct_move's
 * levels (`confirm_ticks` consecutive trades beyond it, or two or more
 * spanning `confirm`: sw_detect.h), so a single bad print never crosses.  A
 * level alerts once per crossing: it is then spent until the price goes back
 * beyond it by `rearm_pct` percent (above 120 * 1.005 for a "below 120" level
 * and the default 0.5), when it re-arms and, as a CLEAR, re-arms the policy's
 * key too; the policy's cooldown still holds a re-crossing soon after.
 *
 * Nothing has crossed before there is an earlier price: the symbol's first
 * trade only says which side each level is on (a level the price is already
 * beyond waits to re-arm).  The last price survives a restart through
 * state.json, so a gap through a level between sessions -- yesterday's last
 * trade above 120, today's first trades below -- is a crossing, and the
 * message says it gapped.  Every trade counts, pre- and post-market too (the
 * alert's session field and message say which).  A split divides the
 * symbol's levels by its ratio, as the engine does with its references.
 *
 * The alert: window "level", reference the level (after any split),
 * change_pct the trade's distance from it, direction down for "below" and up
 * for "above", magnitude the number of the symbol's levels crossed in that
 * direction (step 1), so a second, deeper level always passes the policy.
 * Cost: a symbol without levels returns at once; one with k levels checks k.
 */
#ifndef SW_LEVEL_H
#define SW_LEVEL_H

#include "sw_tick.h"

#include <stdint.h>

#define SW_LEVEL_MAX 256            /* levels in one detector, all symbols together */

typedef struct sw_level_def {
    char symbol[SW_SYMBOL_MAX];
    double price;                   /* > 0 */
    int dir;                        /* -1: "below" (crossing down), +1: "above" */
    int severity;                   /* SW_SEV_WARNING or SW_SEV_CRITICAL */
} sw_level_def;

typedef struct sw_level_params {
    int n;
    sw_level_def lv[SW_LEVEL_MAX];
    double rearm_pct;               /* percent back beyond the level that re-arms it */
    int confirm_ticks;
    int64_t confirm_ns;
} sw_level_params;

#endif
