/*
 * sw_provider.h -- the interface between a market-data provider's messages and
 * normalized ticks.
 *
 * One adapter per provider turns one raw message (a WebSocket frame, or one
 * line of a recording of such frames) into zero or more sw_tick.  The same
 * adapter serves the live feed and replay, so a recording replays exactly as it
 * was received.  Adapters never abort on bad input: a malformed message, or a
 * malformed trade inside a good batch, is counted with a short reason and the
 * rest is kept.
 */
#ifndef SW_PROVIDER_H
#define SW_PROVIDER_H

#include "sw_tick.h"

#include <stddef.h>

typedef enum sw_msg_kind {
    SW_MSG_TRADES = 0,   /* market data (ticks may still be 0 if all were bad) */
    SW_MSG_CONTROL = 1,  /* ping, status, subscription ack: nothing to process */
    SW_MSG_BAD = 2       /* not a message of this provider: see `why` */
} sw_msg_kind;

typedef struct sw_parse_result {
    sw_msg_kind kind;
    size_t n_ticks;
    size_t n_bad;        /* trades dropped inside the message */
    const char *why;     /* reason for SW_MSG_BAD or the first dropped trade */
} sw_parse_result;

/* Most ticks one message may carry; larger batches are cut and counted. */
#define SW_MAX_TICKS_PER_MSG 4096

/* Earliest and latest event time we believe (1990 .. 2100): anything outside
 * is an absurd timestamp, whatever unit confusion produced it. */
#define SW_TS_MIN_NS INT64_C(631152000000000000)
#define SW_TS_MAX_NS INT64_C(4102444800000000000)

typedef struct sw_provider {
    const char *name;
    const char *default_url;
    void (*parse)(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r);
} sw_provider;

const sw_provider *sw_provider_find(const char *name);

/* Finnhub: {"type":"trade","data":[{"s","p","t"(ms),"v","c"}...]}, {"type":"ping"}. */
void sw_finnhub_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r);

#endif
