/*
 * sw_feed.h -- the live source: one provider's WebSocket feed kept alive on
 * shockd's loop, its messages turned into ticks for the engine.
 *
 * sw_feed owns the reconnect policy, not the transport (sw_ws) nor the
 * protocol (the provider adapter and its sw_session):
 *  - every lost or failed connection is retried after an exponential backoff
 *    with full jitter (a random delay in [0, min(cap, base * 2^n)]), so many
 *    clients dropped at once by a provider do not come back in lock step;
 *    n returns to 0 once a connection has stayed up `stable_after`;
 *  - refused credentials (HTTP 401/403 at the upgrade, or the provider's auth
 *    error) and limits that only an operator can fix wait `auth_backoff`
 *    (minutes), never seconds: a wrong key must not become a hot loop;
 *  - after every reconnect the adapter subscribes the whole watchlist again;
 *  - a silence watchdog closes a connection that delivered no message at all
 *    for `silence_timeout` while the market of its symbols is open (exchange
 *    calendar; always for 24x7 crypto providers), and a handshake that has not
 *    reached streaming within `handshake_timeout` is abandoned the same way;
 *  - a gap -- from the disconnect of a connection that had delivered data to
 *    the first tick after it -- is logged and reported to the owner
 *    (on_gap), which turns it into a `feed` info alert;
 *  - oversized frames, malformed messages and bad trades are counted and
 *    dropped; the connection stays.
 * URLs are logged only in redacted form.
 */
#ifndef SW_FEED_H
#define SW_FEED_H

#include "sw_calendar.h"
#include "sw_provider.h"
#include "sw_ws.h"

#include <stdint.h>
#include <uv.h>

typedef enum sw_silence_hours {
    SW_SILENCE_AUTO = 0,     /* 24x7 providers: always; others: market sessions */
    SW_SILENCE_SESSION = 1,  /* only while the exchange calendar has the market open */
    SW_SILENCE_ALWAYS = 2    /* around the clock */
} sw_silence_hours;

typedef struct sw_feed_params {
    const char *provider;            /* adapter name */
    const char *url;                 /* NULL: the provider's default */
    const char *const *symbols;      /* the watchlist */
    size_t n_symbols;
    const char *key, *secret;        /* loaded credentials, NULL if none */
    const char *ca_file;             /* NULL: system CA store */
    int64_t backoff_base_ns, backoff_cap_ns, stable_after_ns, auth_backoff_ns;
    int64_t silence_timeout_ns, handshake_timeout_ns;
    int silence_hours;               /* sw_silence_hours */
    size_t max_frame;
    const sw_calendar *calendar;     /* market hours; NULL: weekdays 09:30-16:00 New York */
    int want_status;                 /* subscribe trading statuses and LULD bands where the
                                        provider has them (a `halt` detector); decided at start */
} sw_feed_params;

/* One interruption of the data, reported when data flows again. */
typedef struct sw_feed_gap {
    uint64_t number;                 /* 1 for the first gap of this run, then 2, ... */
    int64_t down_ns, up_ns;          /* wall clock: disconnect, first tick after it */
    int64_t last_ev_ns, first_ev_ns; /* event time: last tick before, first tick after */
    uint64_t attempts;               /* connection attempts it took */
    char cause[160];                 /* why the connection ended */
} sw_feed_gap;

typedef struct sw_feed_handlers {
    void (*on_tick)(void *ctx, const sw_tick *t);
    void (*on_gap)(void *ctx, const sw_feed_gap *g);
    void (*on_stopped)(void *ctx);   /* after sw_feed_stop: no tick follows */
} sw_feed_handlers;

typedef struct sw_feed_stats {
    uint64_t attempts, connects, disconnects, auth_failures, gaps;
    uint64_t messages, control, ticks, bad_messages, bad_trades, oversize;
    uint64_t silence_drops, handshake_timeouts, send_failures;
    uint64_t first_tick_ns, last_tick_ns; /* uv_hrtime() of the first and last tick: the rate while data flows */
} sw_feed_stats;

typedef struct sw_feed {
    uv_loop_t *loop;
    const sw_provider *prov;
    sw_feed_params p;
    sw_feed_handlers h;
    void *hctx;
    char url[SW_WS_URL_MAX];         /* with credentials: never logged */
    char url_shown[SW_WS_URL_MAX];   /* redacted */
    sw_url target;
    sw_ws ws;
    int ws_ready;
    sw_session sess;
    int sess_ready;
    sw_tick *ticks;
    uv_timer_t retry, watch;
    int timers_init, handles_open;
    void (*closed)(struct sw_feed *f);
    int stopping, streaming_logged;
    int attempt;                     /* backoff exponent */
    int long_backoff;                /* the connection ended for a reason only an operator fixes */
    uint64_t open_ms, last_msg_ms;   /* loop time of the open and of the last message */
    int64_t last_ev_ns;              /* event time of the last tick, INT64_MIN before any */
    int in_gap;
    sw_feed_gap gap;
    uint64_t rng;
    sw_feed_stats stats;
} sw_feed;

/* Check the parameters (provider, URL and its loopback rule, credentials the
 * provider needs) and create the WebSocket context.  Nothing connects yet and
 * no loop handle exists before sw_feed_start.  Returns 0, or -1 with a
 * sentence in err (a configuration error) and nothing left to clean up. */
int sw_feed_init(sw_feed *f, uv_loop_t *loop, const sw_feed_params *p, const sw_feed_handlers *h, void *hctx,
                 char *err, size_t errlen);

/* Connect (and keep reconnecting until sw_feed_stop).  Returns 0 or a libuv
 * error. */
int sw_feed_start(sw_feed *f);

/* Stop: no more ticks; the connection and the lws context start closing;
 * on_stopped runs (possibly before this returns).  Idempotent. */
void sw_feed_stop(sw_feed *f);

/* Replace the watchlist (after a reload): the names must stay valid until
 * the next call or sw_feed_fini.  Sequence numbers of names that stay are
 * kept.  A connection in progress is dropped, so the next one subscribes the
 * new list (there is no portable way to unsubscribe in place across the five
 * protocols; the short gap is reported like any other).  Returns 0, or -1
 * with a sentence in err (the old list stays). */
int sw_feed_set_symbols(sw_feed *f, const char *const *symbols, size_t n, char *err, size_t errlen);

/* Close the feed's loop handles; `closed` (may be NULL) runs when done. */
void sw_feed_close(sw_feed *f, void (*closed)(sw_feed *f));

/* After uv_run has returned: finish the teardown of libwebsockets (it needs
 * the loop once more) and free everything. */
void sw_feed_fini(sw_feed *f);

/* One sentence for a gap: provider, start and end (event time, UTC), how long
 * the connection was down, why.  Returns buf. */
char *sw_feed_gap_text(const sw_feed *f, const sw_feed_gap *g, char *buf, size_t len);

/* The end-of-run summary line (no newline). */
char *sw_feed_summary(const sw_feed *f, char *buf, size_t len);

/* Delay before the next attempt, in ns, for attempt number n (0-based):
 * uniform in [0, min(cap, base * 2^n)].  `r` is a random number in [0, 1). */
int64_t sw_backoff_full_jitter(int64_t base_ns, int64_t cap_ns, int n, double r);

#endif
