/*
 * sw_ws.h -- the WebSocket client transport of live feeds: libwebsockets on
 * shockd's own libuv loop.
 *
 * One sw_ws holds one lws context (client role only, created on the caller's
 * loop as a "foreign" loop: one loop runs everything) and at most one
 * connection at a time.  It knows nothing about providers: it connects to a
 * URL, queues text messages to send, hands every complete received message
 * to on_message, and reports the end of a connection once, with what is known
 * about why (refused upgrade status, peer close code, lws's error text).
 * Reconnecting, backoff and protocol state belong to the caller (sw_feed).
 *
 * Security rules enforced here, not left to configuration discipline:
 *  - wss:// verifies the server certificate and host name against the system
 *    CA store (or the CA file given); verification is never turned off.
 *  - ws:// (plain text) is accepted only for loopback hosts (127.0.0.0/8, ::1,
 *    localhost; the project's one test, sw_host.h): test peers and
 *    shock-feed, never a real provider.
 *  - a received message longer than max_frame bytes is dropped and counted,
 *    never buffered: the connection stays.
 *
 * lws log lines are routed into sw_log with credential-like URL parameters
 * redacted (sw_secret_redact_params).
 *
 * Teardown (libwebsockets 4.1 on a foreign libuv loop needs two destroys):
 * sw_ws_stop() from a loop callback closes the connection and starts the
 * destruction of the context; once uv_run has returned, sw_ws_fini() finishes
 * it (second lws_context_destroy and a last uv_run), after which
 * uv_loop_close() returns 0.
 */
#ifndef SW_WS_H
#define SW_WS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sw_wsq.h"

#define SW_WS_URL_MAX 4096
#define SW_WS_HOST_MAX 256
/* Outgoing messages queued on one connection (subscribe lists are the
 * largest use: one Finnhub message per symbol). */
#define SW_WS_MAX_QUEUED 8192

typedef struct sw_url {
    int tls;                         /* wss:// */
    char host[SW_WS_HOST_MAX];       /* without brackets for IPv6 literals */
    int port;
    char path[SW_WS_URL_MAX];        /* path and query, starting with '/' */
} sw_url;

/* Parse ws:// or wss:// URLs and apply the loopback rule for ws://.  Returns 0,
 * or -1 with a sentence in err (the URL in it is redacted). */
int sw_url_parse(const char *url, sw_url *u, char *err, size_t errlen);


/* Why a connection ended. */
typedef struct sw_ws_end {
    int established;                 /* 0: the WebSocket never opened (connect/TLS/upgrade failed) */
    int http_status;                 /* refused upgrade: the HTTP status (401, 403, 429...), else 0 */
    int close_code;                  /* close frame from the peer, else 0 */
    char reason[256];                /* peer's close reason or lws's error, redacted */
} sw_ws_end;

typedef struct sw_ws sw_ws;

typedef struct sw_ws_handlers {
    void (*on_open)(void *ctx);
    /* A complete text (or binary) message; msg is NUL-terminated at msg[len]
     * and valid only during the call. */
    void (*on_message)(void *ctx, const char *msg, size_t len);
    /* A message over max_frame bytes was dropped; `len` is how much arrived. */
    void (*on_oversize)(void *ctx, size_t len);
    /* The connection attempt failed or the connection closed.  Not called
     * after sw_ws_stop. */
    void (*on_end)(void *ctx, const sw_ws_end *end);
} sw_ws_handlers;

typedef struct sw_ws_params {
    size_t max_frame;                /* bytes; larger messages are dropped */
    const char *ca_file;             /* NULL: the system CA store */
    int connect_timeout_s;           /* TCP + TLS + upgrade, seconds */
    const char *user_agent;          /* NULL: "shockwatch" */
} sw_ws_params;

struct sw_ws {
    uv_loop_t *loop;
    struct lws_context *ctx;
    struct lws *wsi;                 /* current connection, NULL if none */
    sw_ws_handlers h;
    void *hctx;
    sw_ws_params p;
    char ca_file[1024];
    sw_url url;
    int connecting, established, stopping, destroyed_once;
    int kill_requested;
    int in_callback;                 /* inside an lws callback of ours */
    sw_ws_end end;                   /* collected while the connection lives */
    /* receive assembly */
    char *rx;
    size_t rx_len, rx_cap;
    int rx_dropping;
    /* send queue */
    sw_wsq out;
    /* counters */
    uint64_t connects, msgs_in, bytes_in, msgs_out, oversize;
};

/* Create the lws context on `loop`.  Returns 0, or -1 with a sentence in err
 * (e.g. the libuv plugin of libwebsockets is not installed). */
int sw_ws_init(sw_ws *ws, uv_loop_t *loop, const sw_ws_params *p, const sw_ws_handlers *h, void *hctx,
               char *err, size_t errlen);

/* Start connecting to url (already checked with sw_url_parse).  Returns 0, or
 * -1 if an attempt could not even start (on_end is then not called). */
int sw_ws_connect(sw_ws *ws, const sw_url *url);

/* Queue a text message on the open connection.  Returns 0, or -1 when there
 * is no open connection or the queue is full. */
int sw_ws_send(sw_ws *ws, const char *msg, size_t len);

/* Close the current connection (or abandon the attempt) now, without a close
 * handshake: used when the peer has gone silent.  on_end follows. */
void sw_ws_drop(sw_ws *ws, const char *why);

/* True while a connection is being attempted or open. */
int sw_ws_busy(const sw_ws *ws);

/* Stop: close any connection, no more callbacks, first lws_context_destroy.
 * Call from a loop callback (not from inside an sw_ws handler). */
void sw_ws_stop(sw_ws *ws);

/* After uv_run returned: finish the lws teardown and free everything. */
void sw_ws_fini(sw_ws *ws);

/* Route libwebsockets' own log lines into sw_log (errors as warnings, the
 * rest at debug), credential-like parameters redacted.  Global; idempotent. */
void sw_ws_route_lws_logs(void);

/* The end of an lws context on a foreign loop (after uv_run returned): the
 * first lws_context_destroy unless it ran already (destroyed_once), the
 * loop run so lws closes its handles, the second destroy that frees the
 * context, and a last run -- with one destroy only, lws 4.1.6 leaves its
 * handles and ~330 KB behind. */
void sw_ws_context_fini(struct lws_context *ctx, uv_loop_t *loop, int destroyed_once);

#endif
