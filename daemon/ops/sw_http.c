/* sw_http.c -- see sw_http.h. */
#include "sw_http.h"
#include "sw_log.h"
#include "sw_ws.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* Descriptors shockd needs besides the listener's (feed, Redis, spool, state,
 * journal): kept free when the limit is checked against RLIMIT_NOFILE. */
#define OTHER_FDS 128

const char *const sw_http_rej_names[SW_HTTP_REJ_KINDS] = {
    "limit", "evicted", "timeout", "incomplete", "busy", "upgrade",
};

enum { C_WAIT, C_BUSY, C_WS };

struct sw_http_conn {
    lws_dll2_t list;                    /* in sw_http.conns, oldest first */
    struct lws *wsi;
    uint64_t since_ms;                  /* accepted, or its last response finished */
    int state;
    int evicting;
    unsigned requests;
    unsigned char *resp;                /* LWS_PRE headroom, then the body */
    size_t len, off;
};

static sw_http *of_wsi(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* ---- connections ---------------------------------------------------------------- */

static sw_http_conn *conn_of(struct lws_dll2 *d)
{
    return lws_container_of(d, sw_http_conn, list);
}

static void drop_resp(sw_http *h, sw_http_conn *c)
{
    if (c->resp) {
        h->held -= c->len;
        free(c->resp);
        c->resp = NULL;
    }
    c->len = c->off = 0;
}

/* A new connection, before lws creates it: make room or refuse.  Returns 0
 * to take it, 1 to close it at once. */
static int admit(sw_http *h)
{
    size_t evicting = 0;
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&h->conns)) {
        evicting += conn_of(d)->evicting;
    } lws_end_foreach_dll(d);
    if ((size_t)h->conns.count - evicting < h->max_conns)
        return 0;
    /* Full: close the connection that has waited longest without being
     * answered or served -- still sending its request, or idle between
     * requests.  Oldest first: the list is kept in that order.  Those being
     * closed still hold their descriptors for a moment; beyond the slack
     * lws stops accepting until they are gone, and new connections wait in
     * the kernel's backlog for those few milliseconds. */
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&h->conns)) {
        sw_http_conn *c = conn_of(d);
        if (c->state == C_WAIT && !c->evicting && !c->resp) {
            c->evicting = 1;
            lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
            h->st.rejected[SW_HTTP_REJ_EVICTED]++;
            return 0;
        }
    } lws_end_foreach_dll(d);
    h->st.rejected[SW_HTTP_REJ_LIMIT]++;
    return 1;
}

static void conn_new(sw_http *h, struct lws *wsi)
{
    sw_http_conn *c = calloc(1, sizeof *c);
    if (!c) {
        /* Untracked, it still has lws' timeouts; close it rather than let
         * it escape the limit. */
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    c->wsi = wsi;
    c->since_ms = uv_now(h->loop);
    lws_dll2_add_tail(&c->list, &h->conns);
    h->st.accepted++;
    lws_set_opaque_user_data(wsi, c);
}

static void conn_gone(sw_http *h, struct lws *wsi)
{
    sw_http_conn *c = lws_get_opaque_user_data(wsi);
    if (!c)
        return;
    lws_set_opaque_user_data(wsi, NULL);
    if (c->state == C_WAIT && c->requests == 0 && !c->evicting) {
        /* Never sent a whole request: the header deadline, or closed early
         * (garbage, headers too large, a client that gave up). */
        uint64_t age = uv_now(h->loop) - c->since_ms;
        h->st.rejected[age + 250 >= SW_HTTP_HEADER_TIMEOUT_S * 1000u ? SW_HTTP_REJ_TIMEOUT : SW_HTTP_REJ_BAD]++;
    }
    drop_resp(h, c);
    lws_dll2_remove(&c->list);
    free(c);
}

/* ---- responses ------------------------------------------------------------------- */

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p, unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name, (const unsigned char *)value,
                                       (int)strlen(value), p, end);
}

/* Send status and headers now, the body as the client reads it. */
static int respond(sw_http *h, struct lws *wsi, sw_http_conn *c, sw_http_resp *r)
{
    const char *body = r->body.p ? r->body.p : r->text ? r->text : "";
    size_t len = r->body.p ? r->body.len : strlen(body);
    unsigned status = r->status ? r->status : HTTP_STATUS_INTERNAL_SERVER_ERROR;
    if (h->held + len > SW_HTTP_HELD_MAX) {
        /* The memory bound: answer at once with a few bytes instead. */
        h->st.rejected[SW_HTTP_REJ_BUSY]++;
        status = HTTP_STATUS_SERVICE_UNAVAILABLE;
        body = "busy: too many responses waiting for their clients; try again\n";
        len = strlen(body);
        r->ctype = "text/plain; charset=utf-8";
        r->csp = NULL;
    }
    drop_resp(h, c);
    c->resp = malloc(LWS_PRE + len + 1);
    if (!c->resp)
        return -1;
    memcpy(c->resp + LWS_PRE, body, len);
    c->len = len;
    c->off = 0;
    h->held += len;
    unsigned char hdr[LWS_PRE + 1024];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    if (lws_add_http_common_headers(wsi, status, r->ctype ? r->ctype : "text/plain; charset=utf-8",
                                    (lws_filepos_t)len, &p, end) ||
        add_header(wsi, "cache-control:", "no-store", &p, end) ||
        add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        add_header(wsi, "referrer-policy:", "no-referrer", &p, end) ||
        (r->csp && add_header(wsi, "content-security-policy:", r->csp, &p, end)) ||
        (status == HTTP_STATUS_METHOD_NOT_ALLOWED && add_header(wsi, "allow:", "GET", &p, end)))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    /* A client that does not read its answer lets go of it here. */
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, SW_HTTP_SEND_TIMEOUT_S);
    lws_callback_on_writable(wsi);
    return 0;
}

static int on_writable(sw_http *h, struct lws *wsi, sw_http_conn *c)
{
    if (!c->resp)
        return 0;
    size_t n = c->len - c->off;
    if (n > SW_HTTP_CHUNK)
        n = SW_HTTP_CHUNK;
    int last = c->off + n == c->len;
    if (lws_write(wsi, c->resp + LWS_PRE + c->off, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0)
        return -1;
    c->off += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    drop_resp(h, c);
    c->state = C_WAIT;
    c->since_ms = uv_now(h->loop);
    c->requests++;
    /* Keep the order oldest-waiting first. */
    lws_dll2_remove(&c->list);
    lws_dll2_add_tail(&c->list, &h->conns);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int sw_http_arg(const sw_http_req *req, const char *name, char *buf, size_t len)
{
    char key[64];
    if (snprintf(key, sizeof key, "%s=", name) >= (int)sizeof key || len < 2)
        return -1;
    /* Every argument fits in this (they all came in the headers): one that
     * is too long for buf is an error, not silently a shorter one, nor
     * (lws skips what does not fit) an absent one. */
    char *tmp = malloc(SW_HTTP_HEADER_MAX + 1);
    if (!tmp)
        return -1;
    const char *v = lws_get_urlarg_by_name(req->wsi, key, tmp, SW_HTTP_HEADER_MAX + 1);
    int n = v ? (int)strlen(v) : -1;
    if (n >= (int)len)
        n = -2;
    if (n >= 0)
        memcpy(buf, v, (size_t)n + 1);
    free(tmp);
    return n;
}

static int on_request(sw_http *h, struct lws *wsi, sw_http_conn *c, const char *uri)
{
    h->st.requests++;
    c->state = C_BUSY;
    sw_http_resp r;
    memset(&r, 0, sizeof r);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
        r.status = HTTP_STATUS_METHOD_NOT_ALLOWED;
        r.text = "only GET is supported\n";
        return respond(h, wsi, c, &r);
    }
    sw_http_req req = { wsi, uri };
    sw_http_route *route = NULL;
    for (size_t i = 0; i < h->n_routes && !route; i++) {
        const char *pre = h->routes[i].prefix;
        size_t n = strlen(pre);
        if (pre[n - 1] == '/' && n > 1 ? strncmp(uri, pre, n) == 0 : strcmp(uri, pre) == 0)
            route = &h->routes[i];
    }
    int rc = 0;
    if (route) {
        route->requests++;
        rc = route->fn(route->ctx, &req, &r);
    } else {
        h->other_requests++;
        r.status = HTTP_STATUS_NOT_FOUND;
        r.text = "not found: try /, /metrics or /healthz\n";
    }
    if (rc == 0)
        rc = respond(h, wsi, c, &r);
    sw_dbuf_free(&r.body);
    return rc;
}

/* ---- the WebSocket upgrade --------------------------------------------------------- */

/* An upgrade to the viewers' protocol on its path, or nothing. */
static int upgrade_ok(sw_http *h, struct lws *wsi)
{
    char path[64], proto[128];
    if (!h->ws || lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) <= 0 ||
        strcmp(path, h->ws->path) != 0 || lws_hdr_copy(wsi, proto, sizeof proto, WSI_TOKEN_PROTOCOL) <= 0)
        return 0;
    /* A comma-separated list: ours must be in it. */
    for (char *save = NULL, *t = strtok_r(proto, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        if (strcmp(t, SW_HTTP_WS_PROTOCOL) == 0)
            return 1;
    return 0;
}

/* A browser always says where the page that opens a WebSocket came from:
 * only our own page may read the live data (another site's page on the
 * operator's machine must not).  Clients that are not browsers send no
 * Origin. */
static int origin_ok(struct lws *wsi)
{
    char origin[256], host[256];
    int on = lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
    if (on <= 0)
        return on == 0 || lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) == 0;
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
        return 0;
    const char *o = strncasecmp(origin, "http://", 7) == 0 ? origin + 7 : strncasecmp(origin, "https://", 8) == 0
                                                                               ? origin + 8
                                                                               : NULL;
    return o && strcasecmp(o, host) == 0;
}

/* A refused upgrade is counted as that, not again as an incomplete request
 * when its connection goes. */
static void refuse_upgrade(sw_http *h, sw_http_conn *c)
{
    h->st.rejected[SW_HTTP_REJ_UPGRADE]++;
    if (c)
        c->state = C_BUSY;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    sw_http *h = of_wsi(wsi);
    void **pss = user;
    (void)in;
    if (!h || !h->ws)
        return reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION ? 1 : 0;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (!origin_ok(wsi) || h->ws->accept(h->ws_ctx, wsi) != 0) {
            refuse_upgrade(h, lws_get_opaque_user_data(wsi));
            return 1;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED: {
        sw_http_conn *c = lws_get_opaque_user_data(wsi);
        if (c)
            c->state = C_WS;
        h->ws->established(h->ws_ctx, wsi, pss);
        return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return h->ws->writable(h->ws_ctx, wsi, pss);
    case LWS_CALLBACK_RECEIVE:
        return h->ws->received(h->ws_ctx, wsi, pss, len);
    case LWS_CALLBACK_CLOSED:
        h->ws->closed(h->ws_ctx, wsi, pss);
        return 0;
    default:
        return 0;
    }
}

/* ---- the HTTP callback ---------------------------------------------------------- */

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    sw_http *h = of_wsi(wsi);
    if (!h)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    sw_http_conn *c = lws_get_opaque_user_data(wsi);
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return admit(h);
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        conn_new(h, wsi);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        conn_gone(h, wsi);
        return 0;
    case LWS_CALLBACK_HTTP:
        if (!c)
            return -1;
        return on_request(h, wsi, c, in ? (const char *)in : "/") ? -1 : 0;
    case LWS_CALLBACK_HTTP_BODY:
        return 0; /* never kept */
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        /* A request with a body (refused with 405 already): lws lets us
         * write once the body has been read past. */
        if (c && c->resp)
            lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return c ? on_writable(h, wsi, c) : 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        if (in && strcmp((const char *)in, "websocket") == 0 && upgrade_ok(h, wsi))
            return 0;
        refuse_upgrade(h, c);
        return -1;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    { "http", http_callback, 0, 0, 0, NULL, 0 },
    /* The viewers' frames are built by us; what they send is never kept. */
    { SW_HTTP_WS_PROTOCOL, ws_callback, sizeof(void *), 512, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---- start and stop ----------------------------------------------------------------- */

/* Can the address be bound now?  Asked before lws is: a vhost whose bind
 * fails leaves lws 4.1.6 holding a closed descriptor on the shared loop, and
 * the feed's next socket, given the same number, then fails ("read
 * failed").  Returns 0, or an errno value. */
static int can_bind(const sw_listen *l)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (l->ipv6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)l->port);
        inet_pton(AF_INET6, l->host, &a->sin6_addr);
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)l->port);
        inet_pton(AF_INET, l->host, &a->sin_addr);
        len = sizeof *a;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    int one = 1;
    /* As lws does: a port whose old connections linger is still usable. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (l->ipv6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    int rc = bind(fd, (struct sockaddr *)&ss, len) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

/* The connection limit needs descriptors: raise the soft RLIMIT_NOFILE
 * towards the hard one if needed (as systemd advises services to), else
 * lower the limit to what fits. */
static size_t fit_fd_limit(size_t want)
{
    struct rlimit rl;
    size_t need = want + SW_HTTP_CLOSING_ROOM + OTHER_FDS;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return want;
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            return want;
    } else if (rl.rlim_max > rl.rlim_cur) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    size_t reserved = SW_HTTP_CLOSING_ROOM + OTHER_FDS;
    size_t room = rl.rlim_cur > reserved + 16 ? rl.rlim_cur - reserved : 16;
    sw_warn("metrics: %zu connections need %zu file descriptors, the limit (ulimit -n) is %llu: "
            "at most %zu connections",
            want, need, (unsigned long long)rl.rlim_cur, room < want ? room : want);
    return room < want ? room : want;
}

int sw_http_start(sw_http *h, uv_loop_t *loop, const sw_listen *listen, size_t max_connections)
{
    /* Routes added before start stay. */
    sw_http_route routes[SW_HTTP_MAX_ROUTES];
    size_t n_routes = h->n_routes;
    memcpy(routes, h->routes, sizeof routes);
    const sw_http_ws *ws = h->ws;
    void *ws_ctx = h->ws_ctx;
    memset(h, 0, sizeof *h);
    memcpy(h->routes, routes, sizeof routes);
    h->n_routes = n_routes;
    h->ws = ws;
    h->ws_ctx = ws_ctx;
    h->loop = loop;
    h->listen = *listen;
    h->max_conns = fit_fd_limit(max_connections ? max_connections : SW_HTTP_DEFAULT_MAX_CONNECTIONS);
    char where[80];
    int berr = can_bind(&h->listen);
    if (berr) {
        sw_error("metrics: cannot listen on %s: %s; running without /metrics",
                 sw_listen_format(&h->listen, h->listen.port, where, sizeof where), strerror(berr));
        return -1;
    }
    sw_ws_route_lws_logs();
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    void *loops[1] = { loop };
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    info.foreign_loops = loops;
    info.user = h;
    info.port = CONTEXT_PORT_NO_LISTEN;
    /* Every connection gets its header buffer when accepted: none waits in
     * lws' queue behind slow ones (see sw_http.h). */
    info.max_http_header_data = SW_HTTP_HEADER_MAX;
    info.max_http_header_pool = (unsigned short)(h->max_conns + SW_HTTP_CLOSING_ROOM);
    /* lws stops accepting one below this: the listening socket's own slot. */
    info.fd_limit_per_thread = (unsigned int)(h->max_conns + SW_HTTP_CLOSING_ROOM + 1);
    info.timeout_secs = SW_HTTP_HEADER_TIMEOUT_S;
    info.keepalive_timeout = SW_HTTP_KEEPALIVE_S;
    h->ctx = lws_create_context(&info);
    if (!h->ctx) {
        sw_error("metrics: cannot create the HTTP context (is libwebsockets-evlib-uv installed?); "
                 "running without /metrics");
        return -1;
    }
    struct lws_context_creation_info vi;
    memset(&vi, 0, sizeof vi);
    vi.vhost_name = "metrics";
    vi.port = h->listen.port;
    vi.iface = h->listen.any ? NULL : h->listen.host;
    vi.protocols = protocols;
    vi.options = h->listen.ipv6 ? LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY | LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE
                                : LWS_SERVER_OPTION_DISABLE_IPV6;
    vi.keepalive_timeout = SW_HTTP_KEEPALIVE_S;
    vi.timeout_secs = SW_HTTP_HEADER_TIMEOUT_S;
    /* lws' own deadline for a request's headers (its default is 10 s). */
    vi.timeout_secs_ah_idle = SW_HTTP_HEADER_TIMEOUT_S;
    h->vh = lws_create_vhost(h->ctx, &vi);
    if (!h->vh) {
        sw_error("metrics: cannot listen on %s (address in use or not local?); running without /metrics",
                 sw_listen_format(&h->listen, h->listen.port, where, sizeof where));
        /* Lost a race for the port after can_bind.  The context stays until
         * the normal teardown: destroying an lws context on the shared loop
         * before it runs leaves the feed's context stuck (lws 4.1.6). */
        return -1;
    }
    h->port = lws_get_vhost_listen_port(h->vh);
    return 0;
}

int sw_http_route_add(sw_http *h, const char *prefix, const char *name, sw_http_fn fn, void *ctx)
{
    if (h->n_routes == SW_HTTP_MAX_ROUTES || !prefix[0])
        return -1;
    h->routes[h->n_routes++] = (sw_http_route){ prefix, name, fn, ctx, 0 };
    return 0;
}

void sw_http_set_ws(sw_http *h, const sw_http_ws *ws, void *ctx)
{
    h->ws = ws;
    h->ws_ctx = ctx;
}

void sw_http_get_stats(const sw_http *h, sw_http_stats *out)
{
    *out = h->st;
    out->connections = (size_t)h->conns.count;
    out->max_connections = h->max_conns;
    out->held = h->held + (h->ws && h->ws->held ? h->ws->held(h->ws_ctx) : 0);
}

void sw_http_stop(sw_http *h)
{
    if (h->ctx && !h->destroyed_once) {
        h->destroyed_once = 1;
        /* First stage: lws closes its listener and connections on the loop. */
        lws_context_destroy(h->ctx);
    }
}

void sw_http_fini(sw_http *h)
{
    if (!h->ctx)
        return;
    sw_ws_context_fini(h->ctx, h->loop, h->destroyed_once);
    h->destroyed_once = 1;
    h->ctx = NULL;
    h->vh = NULL;
}
