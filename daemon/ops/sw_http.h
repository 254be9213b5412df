/*
 * sw_http.h -- shockd's HTTP listener (metrics.listen): libwebsockets' HTTP
 * server role in a context of its own on shockd's loop, serving the routes
 * other modules register (/metrics and /healthz from sw_metrics, the
 * dashboard, its /live WebSocket and the charts from sw_live), and built so
 * that no client can keep it from answering.
 *
 * What a client can make us hold, and for how long:
 *   - connections: at most max_connections (metrics.max_connections).  When
 *     the listener is full, a new connection closes the oldest connection
 *     that is still sending its request or idles between requests (never a
 *     request being answered, never a dashboard viewer): an attacker holding
 *     every slot with slow or idle connections only ever closes its own, and
 *     a request that arrives whole is parsed at once.  With nothing to close,
 *     the new connection is closed (counted).
 *   - header parsing: every connection has its header buffer (4 KiB) from
 *     the moment it is accepted -- libwebsockets' header pool is as large as
 *     the connection limit, so no request waits in lws' queue for a buffer
 *     (lws 4.1 parses only as many requests at once as the pool holds, and
 *     queues the rest oldest first: 8 slow clients held everyone else for
 *     the 10 s of lws' default header timeout).  A request whose headers do
 *     not fit (a 200 KB header) or do not parse is closed.
 *   - time: 5 s to send a whole request (from the connection or the previous
 *     response), 5 s of idle keep-alive, 10 s to read a response.
 *   - memory: responses are rendered whole into bounded buffers and written
 *     in 16 KiB pieces as the client reads; all responses held at once are
 *     at most SW_HTTP_HELD_MAX bytes (beyond: 503 at once).
 * Requests: GET only (405 otherwise), bodies never read.  Every response
 * carries Cache-Control: no-store and X-Content-Type-Options: nosniff.
 * Counters (connections, rejections by reason, bytes held, requests by
 * route) are read by sw_metrics for /metrics.
 *
 * One WebSocket protocol can be attached (sw_http_ws): the dashboard's
 * viewers.  An upgrade is accepted only on its path with its subprotocol;
 * its connections are counted but never closed to make room.
 */
#ifndef SW_HTTP_H
#define SW_HTTP_H

#include "sw_listen.h"
#include "sw_dbuf.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h> /* before libwebsockets.h: its libuv parts depend on it */
#include <libwebsockets.h>

#define SW_HTTP_HEADER_MAX 4096            /* bytes of one request's headers */
#define SW_HTTP_HEADER_TIMEOUT_S 5         /* to send a whole request */
#define SW_HTTP_KEEPALIVE_S 5              /* idle between requests */
#define SW_HTTP_SEND_TIMEOUT_S 10          /* to read a response */
#define SW_HTTP_CHUNK 16384                /* written per writable event */
#define SW_HTTP_HELD_MAX (32u << 20)       /* response bytes held at once */
#define SW_HTTP_MAX_ROUTES 8
/* Connections closed to make room hold their descriptor until lws has
 * closed them (within a loop iteration): the listener takes at most this
 * many beyond max_connections meanwhile, then new ones wait in the kernel's
 * backlog for those milliseconds. */
#define SW_HTTP_CLOSING_ROOM 64
#define SW_HTTP_DEFAULT_MAX_CONNECTIONS 256
#define SW_HTTP_WS_PROTOCOL "shockwatch-live"

typedef struct sw_http sw_http;

/* What a handler answers.  body: the handler's sw_dbuf, taken over by the
 * listener (NULL body: `text` instead, a static string). */
typedef struct sw_http_resp {
    unsigned status;
    const char *ctype;
    sw_dbuf body;
    const char *text;
    const char *csp;                    /* Content-Security-Policy, or NULL */
} sw_http_resp;

typedef struct sw_http_req {
    struct lws *wsi;
    const char *path;                   /* decoded by lws, without the query */
} sw_http_req;

/* A route handler: fill resp (status 0 means 500).  Returns 0, or -1 to
 * drop the connection (out of memory). */
typedef int (*sw_http_fn)(void *ctx, const sw_http_req *req, sw_http_resp *resp);

/* The value of query argument `name` ("alert") into buf; its length, -1
 * when absent, -2 when longer than len - 1. */
int sw_http_arg(const sw_http_req *req, const char *name, char *buf, size_t len);

/* The WebSocket side: the viewers.  accept: 0 to take a new connection on
 * `path` (the listener counted it already), -1 to refuse (full).  The pss
 * is one pointer the module may set.  writable/closed as lws says;
 * `received`: the peer sent data (len bytes). */
typedef struct sw_http_ws {
    const char *path;
    int (*accept)(void *ctx, struct lws *wsi);
    void (*established)(void *ctx, struct lws *wsi, void **pss);
    int (*writable)(void *ctx, struct lws *wsi, void **pss);
    int (*received)(void *ctx, struct lws *wsi, void **pss, size_t len);
    void (*closed)(void *ctx, struct lws *wsi, void **pss);
    size_t (*held)(void *ctx);          /* bytes the viewers hold, for the memory bound */
} sw_http_ws;

enum {
    SW_HTTP_REJ_LIMIT,                  /* full, nothing to close: refused */
    SW_HTTP_REJ_EVICTED,                /* closed to make room (slow, idle) */
    SW_HTTP_REJ_TIMEOUT,                /* request not complete within the header timeout */
    SW_HTTP_REJ_BAD,                    /* closed before a whole request: garbage, headers too large */
    SW_HTTP_REJ_BUSY,                   /* 503: responses held at the memory bound */
    SW_HTTP_REJ_UPGRADE,                /* a WebSocket upgrade refused (path, protocol, viewers full) */
    SW_HTTP_REJ_KINDS
};
extern const char *const sw_http_rej_names[SW_HTTP_REJ_KINDS];

typedef struct sw_http_stats {
    size_t connections;                 /* open now (viewers included) */
    size_t max_connections;
    size_t held;                        /* response and viewer bytes held now */
    uint64_t accepted;
    uint64_t rejected[SW_HTTP_REJ_KINDS];
    uint64_t requests;
} sw_http_stats;

typedef struct sw_http_route {
    const char *prefix;                 /* "/metrics"; ending in '/': every path below */
    const char *name;                   /* for logs and /metrics */
    sw_http_fn fn;
    void *ctx;
    uint64_t requests;
} sw_http_route;

typedef struct sw_http_conn sw_http_conn;

struct sw_http {
    uv_loop_t *loop;
    struct lws_context *ctx;
    struct lws_vhost *vh;
    int destroyed_once;
    sw_listen listen;
    int port;
    size_t max_conns;
    sw_http_route routes[SW_HTTP_MAX_ROUTES];
    size_t n_routes;
    uint64_t other_requests;            /* no route: 404 */
    const sw_http_ws *ws;
    void *ws_ctx;
    lws_dll2_owner_t conns;             /* sw_http_conn, oldest first */
    size_t held;                        /* response bytes */
    sw_http_stats st;
};

/* Listen on `listen` (parsed) on loop.  Returns 0, or -1 after logging why
 * (address in use, lws missing its libuv plugin): shockd runs on without
 * the listener.  max_connections 0: the default. */
int sw_http_start(sw_http *h, uv_loop_t *loop, const sw_listen *listen, size_t max_connections);

/* Add a route (before or after start).  Returns 0 or -1 (table full). */
int sw_http_route_add(sw_http *h, const char *prefix, const char *name, sw_http_fn fn, void *ctx);

/* Attach the WebSocket protocol (one). */
void sw_http_set_ws(sw_http *h, const sw_http_ws *ws, void *ctx);

/* Counters for /metrics. */
void sw_http_get_stats(const sw_http *h, sw_http_stats *out);

/* The first stage of the lws teardown (from a loop callback), and the
 * second after uv_run returned (see docs on lws teardown). */
void sw_http_stop(sw_http *h);
void sw_http_fini(sw_http *h);

#endif
