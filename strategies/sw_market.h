/*
 * sw_market.h -- market-wide circuit breakers (NYSE Rule 7.12 and its
 * equivalents): a decline of the S&P 500 from its previous close of 7%
 * (level 1), 13% (level 2) or 20% (level 3) during the regular session
 * halts every US equity market -- levels 1 and 2 for 15 minutes unless they
 * are reached at or after 15:25 (12:25 on an early close), level 3 for the
 * rest of the day.  Each level can trigger once a day.
 *
 * The detector watches one symbol, `index`: the index itself where a feed
 * has it, usually a proxy such as SPY -- and then the message names it as
 * one (`proxy`, default true), since the rule is on the index, not the ETF.
 * A market-wide detector fires on the index symbol, not on every member.
 * Each level is a CRITICAL alert once per New York day, direction down,
 * window "prev_close", reference the previous close, magnitude the level
 * (1..3, step 1, so a deeper level always passes the policy).  A level must
 * be confirmed like pct_move's (`confirm_ticks` consecutive trades at or
 * beyond it, or two spanning `confirm`: sw_detect.h), and the level reported
 * is the deepest one every trade of the confirming run reached, so one bad
 * print cannot skip to level 3.  A jump straight past level 1 reports level 2
 * alone (the rule halts once, for the level reached).  Only trades of the
 * regular session count: the rule applies from the open to the close.  The
 * message: "market-wide circuit breaker level 1 (-7%): SPY (S&P 500 proxy)
 * -7.12% vs previous close 600.00; trading halts for 15 minutes".
 */
#ifndef SW_MARKET_H
#define SW_MARKET_H

#include "sw_tick.h"

#include <stdint.h>

#define SW_MARKET_LEVELS 3

typedef struct sw_market_params {
    char index[SW_SYMBOL_MAX];
    double levels[SW_MARKET_LEVELS]; /* declines in percent, increasing: 7, 13, 20 */
    int proxy;                       /* the symbol stands in for the S&P 500 */
    int confirm_ticks;
    int64_t confirm_ns;
} sw_market_params;

#endif
