/*
 * sw_test_tick.h -- a trade of a plain price, as a tick or fed to an engine,
 * for the engine and detector tests.  Header-only (static inline).
 */
#ifndef SW_TEST_TICK_H
#define SW_TEST_TICK_H

#include "sw_engine.h"

#include <stdio.h>
#include <string.h>

/* A trade of `sym` at `price`, 100 shares (none with SW_TICK_PRICE_ONLY). */
static inline sw_tick sw_test_tick(const char *sym, double price, int64_t ts, uint32_t flags)
{
    sw_tick t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "%s", sym);
    t.price = price;
    t.size = flags & SW_TICK_PRICE_ONLY ? 0 : 100;
    t.ts_ns = ts;
    t.flags = flags;
    return t;
}

/* The same trade fed to e; returns the engine's verdict. */
static inline sw_tick_result sw_test_trade(sw_engine *e, const char *sym, double price, int64_t ts, uint32_t flags)
{
    sw_tick t = sw_test_tick(sym, price, ts, flags);
    return sw_engine_tick(e, &t);
}

#endif
