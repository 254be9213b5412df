/*
 * sw_emulate.h -- the server side of each provider's WebSocket protocol, for
 * shock-feed: what the provider checks in the upgrade request, what it says
 * when a client connects, how it answers auth and subscribe messages, and
 * how it encodes trades -- so that a client cannot tell shock-feed from the
 * real service (the client side lives in the adapters, sw_provider.h).
 *
 * Rules kept, per provider:
 *   finnhub   token in ?token= (refused: HTTP 401 at the upgrade);
 *             {"type":"subscribe","symbol":S} per symbol, no acknowledgement;
 *             trades batched: {"data":[{"c","p","s","t","v"},...],"type":"trade"}.
 *   alpaca    greets [{"T":"success","msg":"connected"}]; auth
 *             {"action":"auth","key","secret"} within 10 s (else 404) -> 402 or
 *             "authenticated"; subscribe before auth -> 401; subscribe
 *             {"action":"subscribe","trades":[..],"statuses":[..],"lulds":[..]}
 *             (any of the three, "*" for every symbol in the last two) ->
 *             "subscription" with all three lists; trades batched as arrays of
 *             {"T":"t",...} with RFC 3339 ns times and their conditions "c" on
 *             tape "C", statuses {"T":"s","sc","sm","rc","rm"}, bands
 *             {"T":"l","u","d"}.
 *   polygon   greets status "connected"; {"action":"auth","params":KEY} ->
 *             auth_success / auth_failed; {"action":"subscribe","params":"T.A,LULD.A"}
 *             -> one status "success" per channel; trades batched {"ev":"T",...}
 *             with their condition ids "c"; halts, resumptions (indicators 17,
 *             18) and bands as {"ev":"LULD","T","h","l","i","z","t","q"}.
 *   coinbase  a subscribe {"type":"subscribe","product_ids","channels":["ticker"]}
 *             within 5 s (else an error and the connection closes); one ticker
 *             message per trade with per-product sequence numbers, prices as strings.
 *   binance   streams named in the URL (/stream?streams=a@trade/b@trade or
 *             /ws/a@trade); one combined-stream message per trade, strings for
 *             price and quantity.
 * Only trades of subscribed symbols are sent, statuses and bands only to
 * who subscribed to them.  A tick the target provider cannot express is
 * not sent (encode() returns -1): a status or bands to finnhub, coinbase or
 * binance, or a trade whose sale conditions keep it from the price to a
 * provider without a condition table; an eligible opening or closing print
 * goes there as a plain trade.  Any client message the provider would not
 * understand gets the provider's error reply.
 */
#ifndef SW_EMULATE_H
#define SW_EMULATE_H

#include "sw_symtab.h"
#include "sw_tick.h"

#include <stddef.h>
#include <stdint.h>

/* Most symbols one connection may subscribe (a hard limit on client input). */
#define SW_EMU_MAX_SUBS 4096

/* A trade as the server sends it: the tick plus the numbers a provider
 * attaches (assigned once per trade, the same for every client). */
typedef struct sw_emu_trade {
    sw_tick tick;
    uint64_t id;            /* trade id */
    int64_t seq;            /* per-symbol sequence number (Coinbase) */
} sw_emu_trade;

typedef struct sw_emu sw_emu;

/* Queue one message (text) on the connection. */
typedef void (*sw_emu_out_fn)(void *ctx, const char *msg, size_t len);

/* A set of subscribed symbols, or all of them ("*"). */
typedef struct sw_emu_set {
    char (*names)[SW_SYMBOL_MAX];
    size_t n;
    sw_symtab tab;
    int all;
} sw_emu_set;

typedef struct sw_emu_conn {
    const sw_emu *emu;
    int authed;             /* credentials accepted or not needed */
    int reject_auth;        /* --reject-auth: refuse any credentials */
    const char *want_key;   /* NULL: any non-empty key is accepted */
    const char *want_secret;
    int close_now;          /* close once what is queued has been sent */
    int close_code;
    char close_reason[64];
    char (*subs)[SW_SYMBOL_MAX];
    size_t n_subs;
    sw_symtab tab;
    sw_emu_set statuses, lulds; /* trading statuses, LULD bands (Alpaca, Polygon) */
    uint64_t opened_ms;     /* loop time of the open, for the auth/subscribe deadlines */
    uint64_t client_msgs;
} sw_emu_conn;

struct sw_emu {
    const char *name;
    int batches;            /* several trades in one message */
    /* A message is open + element (, element)* + close: the provider's
     * envelope around trades cJSON encoded one by one, so each trade is
     * encoded once whatever the number of clients and batches it goes to. */
    const char *open, *close;
    /* The upgrade request: return 0 to accept, or the HTTP status to refuse
     * with (401).  `query` is the decoded query string ("" if none). */
    int (*on_upgrade)(sw_emu_conn *c, const char *path, const char *query);
    void (*on_open)(sw_emu_conn *c, sw_emu_out_fn out, void *ctx);
    void (*on_message)(sw_emu_conn *c, const char *msg, size_t len, sw_emu_out_fn out, void *ctx);
    /* Called about every second with the time since the open: deadlines. */
    void (*on_tick)(sw_emu_conn *c, uint64_t since_open_ms, sw_emu_out_fn out, void *ctx);
    /* Encode one trade as an element (a whole message for providers that
     * do not batch).  At most SW_EMU_MAX_ELEMENT bytes.  Returns the length
     * written to buf, or -1.  Call inside a jsonarena mark. */
    int (*encode)(const sw_emu_trade *t, char *buf, size_t cap);
};

#define SW_EMU_MAX_ELEMENT 512

/* A message from encoded elements; returns its length, or -1 if it does not
 * fit in cap (or n is not 1 for a provider that does not batch). */
int sw_emu_assemble(const sw_emu *e, const char *const *elem, const size_t *len, size_t n, char *buf, size_t cap);

/* The same from trades: encode each, then assemble. */
int sw_emu_encode(const sw_emu *e, const sw_emu_trade *t, size_t n, char *buf, size_t cap);

const sw_emu *sw_emu_find(const char *provider);

/* Set up / tear down a connection's state.  Returns 0 or -1 (out of memory). */
int sw_emu_conn_init(sw_emu_conn *c, const sw_emu *e, int reject_auth, const char *want_key,
                     const char *want_secret);
void sw_emu_conn_free(sw_emu_conn *c);

/* True when the connection subscribed `symbol` and may receive its trades. */
int sw_emu_subscribed(const sw_emu_conn *c, const char *symbol);

/* True when the connection subscribed to what t is: the symbol's trades, or
 * its statuses or LULD bands (SW_TICK_STATUS, SW_TICK_LULD). */
int sw_emu_wants(const sw_emu_conn *c, const sw_tick *t);

/* Largest message encode() may produce for n trades. */
size_t sw_emu_max_message(size_t n);

/* Number formatting shared with tests: shortest text that reads back as the
 * same double, without an exponent ("118.42", "0.00001234"). */
char *sw_emu_format_number(double x, char *buf, size_t len);

/* RFC 3339 UTC with `digits` fractional digits (3, 6 or 9). */
char *sw_emu_format_time(int64_t ts_ns, int digits, char *buf, size_t len);

#endif
