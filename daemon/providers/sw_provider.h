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

/* ---- live sessions ---------------------------------------------------------
 *
 * On a live connection an adapter also drives the provider's handshake: what
 * to send once the WebSocket is open, what each control message means
 * (connected, authenticated, subscribed, errors), and how the feed must react.
 * The per-connection state lives in sw_session; the transport and the
 * reconnect policy (sw_feed) act on `action`.  Replay passes no session: the
 * same message function then only extracts ticks.
 */

typedef enum sw_sess_state {
    SW_SESS_CONNECTED = 0,      /* WebSocket open; waiting for the provider's greeting */
    SW_SESS_AUTHENTICATING = 1, /* credentials sent; waiting for the verdict */
    SW_SESS_SUBSCRIBING = 2,    /* subscription sent; waiting for the acknowledgement */
    SW_SESS_STREAMING = 3       /* market data flows */
} sw_sess_state;

/* What the feed must do after a message (the worst one wins). */
typedef enum sw_sess_action {
    SW_ACT_NONE = 0,            /* carry on */
    SW_ACT_RECONNECT = 1,       /* close; reconnect with the normal backoff */
    SW_ACT_BACKOFF_LONG = 2     /* close; retry only after the long backoff: credentials
                                   refused, connection limit, plan or symbol limits --
                                   retrying fast cannot fix these and looks like abuse */
} sw_sess_action;

typedef struct sw_provider sw_provider;

/* Sends one text message on the connection; returns 0 or -1. */
typedef int (*sw_send_fn)(void *ctx, const char *msg, size_t len);

typedef struct sw_session {
    const sw_provider *prov;
    sw_sess_state state;
    const char *const *symbols; /* the watchlist, as the config spells it */
    size_t n_symbols;
    const char *key;            /* API key or token; NULL if none */
    const char *secret;         /* API secret (alpaca); NULL if none */
    sw_send_fn send;
    void *send_ctx;
    /* Set by a message for the feed to act on and log, then cleared by it. */
    sw_sess_action action;
    int note_level;             /* sw_log_level of note */
    char note[384];             /* what the provider said, as a sentence; "" if nothing */
    /* Sequence numbers per symbol (Coinbase), 0 = none seen yet. */
    int64_t *last_seq;
    uint64_t seq_gaps;          /* messages missed according to sequence numbers */
    uint64_t seq_stale;         /* repeated or older sequence numbers, dropped */
    uint64_t send_failures;
    /* Trading statuses and LULD bands (a `halt` detector is configured):
     * set by the owner after sw_session_init; the adapter subscribes to them
     * where the provider has them (Alpaca's `statuses` and `lulds`,
     * Polygon's `LULD.`).  status_state is the adapter's, kept across
     * reconnects: a provider that refused them is not asked again. */
    int want_status;
    int status_state;           /* SW_STATUS_* */
} sw_session;

enum {
    SW_STATUS_NONE = 0,         /* not asked (yet) on this connection */
    SW_STATUS_PENDING = 1,      /* asked, no answer yet */
    SW_STATUS_ON = 2,           /* granted */
    SW_STATUS_REFUSED = 3       /* refused: the feed carries on without them */
};

/* Provider properties (bit set). */
enum {
    SW_PROV_NEEDS_KEY = 1u << 0,    /* a key/token is required (feed.key_env/key_file) */
    SW_PROV_NEEDS_SECRET = 1u << 1, /* and a secret (feed.secret_env/secret_file) */
    SW_PROV_24X7 = 1u << 2          /* its market never closes (crypto) */
};

struct sw_provider {
    const char *name;
    const char *default_url;
    void (*parse)(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r);
    unsigned flags;             /* SW_PROV_* */
    /* The server ends every connection after this long (Binance: 24 h), so
     * such a disconnect is expected, not a fault; 0: no such rule. */
    int64_t max_connection_ns;
    /* The URL to connect to, from the base URL (the default or feed.url):
     * adds credentials or stream names where the provider wants them.
     * Returns 0, or -1 if it does not fit in cap. */
    int (*build_url)(const sw_session *s, const char *base, char *out, size_t cap);
    /* The WebSocket is open: send what the provider expects first. */
    void (*on_open)(sw_session *s);
    /* One received message: ticks out, handshake steps, errors.  s may be
     * NULL (replay). */
    void (*on_message)(sw_session *s, const char *msg, size_t len, sw_tick *ticks, size_t cap,
                       sw_parse_result *r);
};

const sw_provider *sw_provider_find(const char *name);

/* "finnhub, alpaca, ..." for messages that list the choices. */
const char *sw_provider_names(void);

/* Prepare a session for one connection (state CONNECTED, counters kept).
 * sw_session_init allocates the per-symbol arrays; returns 0 or -1. */
int sw_session_init(sw_session *s, const sw_provider *p, const char *const *symbols, size_t n_symbols,
                    const char *key, const char *secret, sw_send_fn send, void *send_ctx);
void sw_session_reset(sw_session *s);
void sw_session_free(sw_session *s);
const char *sw_sess_state_name(sw_sess_state st);

/* ---- helpers for adapters (sw_provider.c) ------------------------------- */

typedef struct cJSON cJSON;

/* Parse msg as exactly one JSON value (trailing blanks allowed, anything else
 * is malformed).  Returns the root or NULL.  Call inside a jsonarena mark. */
cJSON *sw_json_parse_one(const char *msg, size_t len);

/* Encode obj compactly and send it on the session.  Returns 0 or -1. */
int sw_session_send_json(sw_session *s, const cJSON *obj);

/* Record what the provider said and what to do; a worse action replaces a
 * milder one.  The note is cut to fit and never holds credentials. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void sw_session_note(sw_session *s, int level, sw_sess_action action, const char *fmt, ...);

/* Index of symbol in the session's watchlist, or -1. */
int sw_session_symbol_index(const sw_session *s, const char *symbol);

/* A price or size that may be a JSON number or a decimal string ("118.42").
 * Returns 0 with *out set, -1 if missing, not a finite number or a string
 * with anything but the number in it. */
int sw_json_number(const cJSON *v, double *out);

/* Record a dropped trade in r (count it, keep the first reason). */
void sw_result_bad_trade(sw_parse_result *r, const char *why);

/* Turns one provider trade object into a tick; 0, or -1 with *why set. */
typedef int (*sw_fill_trade_fn)(const cJSON *o, sw_tick *t, const char **why);

/* Append the trade `o` to ticks[r->n_ticks] with `fill`, or record why it was
 * dropped (not an object, no room left in cap, or fill's reason).  The one
 * place every adapter's batch loop counts trades.  Returns 1 if a tick was
 * added. */
int sw_result_add_trade(sw_parse_result *r, const cJSON *o, sw_tick *ticks, size_t cap, sw_fill_trade_fn fill);

/* Where one provider's trade object keeps symbol, price, size and time, and
 * the sentence a trade gets when each is missing or wrong.  Four providers'
 * trades differ only in this (Finnhub checks in another order, with its own
 * sentences, and keeps its own fill). */
typedef enum sw_trade_time {
    SW_TRADE_TIME_RFC3339 = 0,      /* a string with a zone: "2025-01-27T14:30:00.123456789Z" */
    SW_TRADE_TIME_EPOCH_MS = 1      /* a number: milliseconds since the epoch */
} sw_trade_time;

typedef struct sw_cond_table sw_cond_table;

typedef struct sw_trade_spec {
    const char *symbol, *no_symbol;  /* key; sentence when it is not a string */
    const char *price, *no_price;    /* key; sentence when not a positive number */
    const char *size, *bad_size;     /* key (optional field); sentence when not a number >= 0 */
    const char *time, *no_time;      /* key; sentence when missing or of the wrong JSON type */
    sw_trade_time time_format;
    const char *bad_time;            /* RFC 3339 only: sentence when it does not parse */
    /* Sale conditions (sw_conditions.h), or all NULL when the provider has
     * no table.  The codes are an optional array (null: none) of strings
     * (Alpaca) or whole numbers (Polygon), as `cond` reads them; the tape,
     * optional, a string ("A", "B", "C"). */
    const char *conditions, *bad_conditions; /* key; sentence when not such an array */
    const char *tape;                /* key, or NULL */
    const sw_cond_table *cond;
    int numeric_codes;               /* the codes are numbers, not strings */
    uint32_t flags;                  /* SW_TICK_* every trade of the provider carries */
} sw_trade_spec;

/* The condition fields of a spec whose provider has no sale conditions (crypto). */
#define SW_NO_CONDITIONS NULL, NULL, NULL, NULL, 0

/* The symbol and the time of an event object o (a status, LULD bands),
 * read with the keys and sentences of f; the rest of t is the caller's.
 * Returns 0, or -1 with *why set. */
int sw_fill_event(const cJSON *o, const sw_trade_spec *f, sw_tick *t, const char **why);

/* A provider's words (a halt's reason) as a string that lives as long as
 * the process, for a tick to point at: printable ASCII only (anything else
 * becomes '?'), cut to 63 bytes; the same text gives the same pointer.
 * Up to 64 distinct texts are kept; beyond, or for "", NULL. */
const char *sw_intern_text(const char *text);

/* Fill t from trade object o as spec f says, checking symbol, price, size,
 * time, conditions in that order.  Returns 0, or -1 with *why set (f's
 * sentences, sw_tick_set_symbol's, or "absurd timestamp" outside
 * 1990..2100). */
int sw_fill_trade(const cJSON *o, const sw_trade_spec *f, sw_tick *t, const char **why);

/* ---- the fast path (sw_fastjson.h) ---------------------------------------
 *
 * Every adapter reads a trade message first with the zero-allocation reader
 * and fills its ticks from it; a message that reader does not answer for, a
 * message that is not trades only, and any trade that fails a check go to
 * the adapter's cJSON path instead, which decides and words the verdict.  So
 * results and error sentences are cJSON's, and the fast path only has to
 * agree with it on the messages it takes (fuzz/fuzz_fastpath.c checks that). */

typedef struct sw_fj sw_fj;

/* On by default; off sends every message through cJSON (tests, the fuzz
 * target that compares both). */
void sw_fast_path_enable(int on);
int sw_fast_path_enabled(void);
/* Messages the fast path answered since start (tests). */
uint64_t sw_fast_path_answered(void);

/* The fast path's sw_json_number: 0, -1 (not a finite number) or -2 (a
 * decimal string too long for it: ask cJSON). */
int sw_fj_price(const sw_fj *m, int v, double *out);
/* A string of 1 to SW_SYMBOL_MAX - 1 bytes into t->symbol; 0 or -1. */
int sw_fj_symbol(const sw_fj *m, int v, sw_tick *t);
/* A number of epoch milliseconds within 1990..2100 to ns; 0 or -1. */
int sw_fj_epoch_ms(const sw_fj *m, int v, int64_t *ns);
/* sw_fill_trade on the fast path: 0 with t filled, or -1 if anything is not
 * as a good trade has it (the reason is the cJSON path's to give). */
int sw_fill_trade_fj(const sw_fj *m, int o, const sw_trade_spec *f, sw_tick *t);

/* The fast path's answer: r says n good ticks; returns 1. */
int sw_fast_answer(sw_parse_result *r, size_t n);

/* The fast path of a provider whose messages are arrays of events told apart
 * by a string member (Alpaca "T", Polygon "ev"; a lone object counts as an
 * array of one): answers, with sw_fast_answer, a message of trade events
 * only (type_key equal to trade), all good and fitting in cap; returns 0 for
 * anything else (the cJSON path's). */
int sw_fast_event_array(const char *msg, size_t len, const char *type_key, const char *trade,
                        const sw_trade_spec *f, sw_tick *ticks, size_t cap, sw_parse_result *r);

/* Copy a symbol into a tick; returns 0, or -1 (and sets *why) if empty or too long. */
int sw_tick_set_symbol(sw_tick *t, const char *sym, const char **why);

/* Percent-encode text for a URL query value into out; returns 0 or -1 if it
 * does not fit. */
int sw_url_append_escaped(char *out, size_t cap, const char *text);

/* ---- the adapters --------------------------------------------------------- */

/* Finnhub: {"type":"trade","data":[{"s","p","t"(ms),"v","c"}...]}, {"type":"ping"}. */
void sw_finnhub_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r);
extern const sw_provider sw_finnhub_provider;

/* Alpaca market data v2: arrays of {"T":"t","S","p","s","t"(RFC 3339),...}. */
void sw_alpaca_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r);
extern const sw_provider sw_alpaca_provider;

/* Polygon stocks: arrays of {"ev":"T","sym","p","s","t"(ms),"c","q"} and status events. */
void sw_polygon_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r);
extern const sw_provider sw_polygon_provider;

/* Coinbase Exchange ticker channel: {"type":"ticker","product_id","price":"..","time","sequence"}. */
void sw_coinbase_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r);
extern const sw_provider sw_coinbase_provider;

/* Binance trade streams, raw or combined: {"stream":..,"data":{"e":"trade","s","p":"..","q":"..","T"}}. */
void sw_binance_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r);
extern const sw_provider sw_binance_provider;

#endif
