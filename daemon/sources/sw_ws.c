/* sw_ws.c -- see sw_ws.h. */
#include "sw_ws.h"
#include "sw_secret.h"
#include "sw_escape.h"
#include "sw_host.h"
#include "sw_log.h"

#include <uv.h> /* before libwebsockets.h: its libuv parts depend on it */
#include <libwebsockets.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Debian's system CA bundle (package ca-certificates).  lws would otherwise
 * also try its compiled-in directory, which does not exist on Debian and
 * makes it log a misleading error. */
#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/* ---- URLs ----------------------------------------------------------------- */

int sw_url_parse(const char *url, sw_url *u, char *err, size_t errlen)
{
    char shown[SW_WS_URL_MAX];
    sw_secret_redact_url(url, shown, sizeof shown);
    memset(u, 0, sizeof *u);
    const char *p;
    if (strncasecmp(url, "wss://", 6) == 0) {
        u->tls = 1;
        u->port = 443;
        p = url + 6;
    } else if (strncasecmp(url, "ws://", 5) == 0) {
        u->port = 80;
        p = url + 5;
    } else {
        snprintf(err, errlen, "\"%s\" is not a WebSocket URL (wss://host/path, or ws:// for loopback)", shown);
        return -1;
    }
    if (strlen(url) >= SW_WS_URL_MAX) {
        snprintf(err, errlen, "URL longer than %d bytes", SW_WS_URL_MAX - 1);
        return -1;
    }
    size_t alen = strcspn(p, "/?#");
    if (memchr(p, '@', alen)) {
        snprintf(err, errlen, "\"%s\": user@ in a WebSocket URL is not supported (credentials go in "
                 "feed.key_env or feed.key_file)", shown);
        return -1;
    }
    const char *hend;
    if (*p == '[') {
        const char *rb = memchr(p, ']', alen);
        if (!rb) {
            snprintf(err, errlen, "\"%s\": unterminated [IPv6] host", shown);
            return -1;
        }
        /* Bounded like a name: the brackets once let any length through. */
        if ((size_t)(rb - p - 1) >= sizeof u->host) {
            snprintf(err, errlen, "host longer than %d bytes", (int)sizeof u->host - 1);
            return -1;
        }
        memcpy(u->host, p + 1, (size_t)(rb - p - 1));
        hend = rb + 1;
    } else {
        const char *colon = memchr(p, ':', alen);
        hend = colon ? colon : p + alen;
        if ((size_t)(hend - p) >= sizeof u->host) {
            snprintf(err, errlen, "host longer than %d bytes", (int)sizeof u->host - 1);
            return -1;
        }
        memcpy(u->host, p, (size_t)(hend - p));
    }
    if (!u->host[0]) {
        snprintf(err, errlen, "\"%s\": no host", shown);
        return -1;
    }
    for (const char *c = u->host; *c; c++) {
        if (!isalnum((unsigned char)*c) && !strchr(".-_:", *c)) {
            snprintf(err, errlen, "\"%s\": invalid character in host name", shown);
            return -1;
        }
    }
    if (hend < p + alen) {
        if (*hend != ':') {
            snprintf(err, errlen, "\"%s\": junk after the host", shown);
            return -1;
        }
        char *end;
        long port = strtol(hend + 1, &end, 10);
        if (end == hend + 1 || end != p + alen || port < 1 || port > 65535) {
            snprintf(err, errlen, "\"%s\": port must be a number from 1 to 65535", shown);
            return -1;
        }
        u->port = (int)port;
    }
    const char *rest = p + alen;
    if (strchr(rest, '#')) {
        snprintf(err, errlen, "\"%s\": a #fragment has no meaning in a WebSocket URL", shown);
        return -1;
    }
    snprintf(u->path, sizeof u->path, "%s%s", *rest == '/' ? "" : "/", rest);
    if (!u->tls && !sw_host_is_loopback(u->host)) {
        snprintf(err, errlen, "\"%s\": ws:// (unencrypted) is only allowed for loopback hosts "
                 "(127.0.0.1, ::1, localhost); use wss://", shown);
        return -1;
    }
    return 0;
}

/* ---- logging -------------------------------------------------------------- */

static void lws_log_emit(int level, const char *line)
{
    char clean[1024], red[1200];
    /* lws prefixes "[date time] E: "; sw_log has its own prefix. */
    const char *p = line;
    if (*p == '[') {
        const char *rb = strstr(p, "] ");
        if (rb)
            p = rb + 2;
    }
    if (p[0] && p[1] == ':' && p[2] == ' ')
        p += 3;
    snprintf(clean, sizeof clean, "%s", p);
    size_t n = strlen(clean);
    while (n && (clean[n - 1] == '\n' || clean[n - 1] == '\r'))
        clean[--n] = '\0';
    sw_secret_redact_params(clean, red, sizeof red);
    if (level & LLL_ERR)
        sw_warn("libwebsockets: %s", red);
    else
        sw_debug("libwebsockets: %s", red);
}

void sw_ws_route_lws_logs(void)
{
    /* Warnings and notices of lws are about its internals (plugin loading,
     * vhost creation): debug for us.  Its errors are worth a warning. */
    int level = LLL_ERR;
    if (sw_log_get_level() >= SW_LOG_DEBUG)
        level |= LLL_WARN | LLL_NOTICE;
    lws_set_log_level(level, lws_log_emit);
}

/* ---- the connection ----------------------------------------------------------- */

/* The attempt or connection is over: report it once. */
static void conn_ended(sw_ws *ws)
{
    if (!ws->connecting && !ws->established)
        return;
    ws->connecting = ws->established = 0;
    ws->wsi = NULL;
    ws->kill_requested = 0;
    ws->rx_len = 0;
    ws->rx_dropping = 0;
    sw_wsq_clear(&ws->out);
    if (ws->stopping)
        return;
    sw_ws_end end = ws->end;
    memset(&ws->end, 0, sizeof ws->end);
    if (ws->h.on_end)
        ws->h.on_end(ws->hctx, &end);
}

static void note_reason(sw_ws *ws, const char *text, size_t len)
{
    if (ws->end.reason[0] || !text || !len)
        return;
    char raw[256], line[256];
    snprintf(raw, sizeof raw, "%.*s", (int)(len < sizeof raw ? len : sizeof raw - 1), text);
    sw_secret_redact_params(sw_esc_line_buf(raw, line, sizeof line), ws->end.reason, sizeof ws->end.reason);
}

static void receive(sw_ws *ws, struct lws *wsi, const char *in, size_t len)
{
    if (!ws->rx_dropping) {
        if (ws->rx_len + len > ws->p.max_frame) {
            /* Over the limit: stop buffering, count what still arrives. */
            ws->rx_dropping = 1;
            ws->rx_len += len;
        } else {
            if (ws->rx_len + len + 1 > ws->rx_cap) {
                size_t cap = ws->rx_cap ? ws->rx_cap : 4096;
                while (cap < ws->rx_len + len + 1)
                    cap *= 2;
                if (cap > ws->p.max_frame + 1)
                    cap = ws->p.max_frame + 1;
                char *n = realloc(ws->rx, cap);
                if (!n) {
                    ws->rx_dropping = 1;
                    ws->rx_len += len;
                    goto done;
                }
                ws->rx = n;
                ws->rx_cap = cap;
            }
            memcpy(ws->rx + ws->rx_len, in, len);
            ws->rx_len += len;
        }
    } else {
        ws->rx_len += len;
    }
done:
    /* lws hands a large frame over in pieces: only the last piece of the
     * last frame of a message completes it. */
    if (!lws_is_final_fragment(wsi))
        return;
    ws->bytes_in += ws->rx_len;
    if (ws->rx_dropping) {
        ws->oversize++;
        if (ws->h.on_oversize)
            ws->h.on_oversize(ws->hctx, ws->rx_len);
    } else {
        ws->msgs_in++;
        ws->rx[ws->rx_len] = '\0';
        if (ws->h.on_message)
            ws->h.on_message(ws->hctx, ws->rx, ws->rx_len);
    }
    ws->rx_len = 0;
    ws->rx_dropping = 0;
}

static int write_next(sw_ws *ws, struct lws *wsi)
{
    if (ws->kill_requested)
        return -1;
    sw_wsq_msg *o = sw_wsq_front(&ws->out);
    if (!o)
        return 0;
    int n = lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
    sw_wsq_pop(&ws->out);
    if (n < (int)0) {
        note_reason(ws, "write failed", 12);
        return -1;
    }
    ws->msgs_out++;
    /* One write per writeable callback: lws buffers a partial write and
     * calls back when the socket drains. */
    if (ws->out.n)
        lws_callback_on_writable(wsi);
    return 0;
}

static int callback_inner(sw_ws *ws, struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                          size_t len)
{
    /* Only the current connection counts: lws may still report on one we
     * have already written off.  While lws_client_connect_via_info runs,
     * ws->wsi is not known yet (NULL). */
    if (ws && ws->wsi && ws->wsi != wsi)
        ws = NULL;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (!ws)
            break;
        ws->end.established = 0;
        ws->end.http_status = (int)lws_http_client_http_response(wsi);
        note_reason(ws, in, in ? strlen(in) : 0);
        conn_ended(ws);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!ws)
            break;
        ws->connecting = 0;
        ws->established = 1;
        ws->end.established = 1;
        ws->connects++;
        if (!ws->stopping && ws->h.on_open)
            ws->h.on_open(ws->hctx);
        if (ws->out.n)
            lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (!ws || ws->stopping || !ws->established)
            return 0;
        receive(ws, wsi, in, len);
        return ws->kill_requested ? -1 : 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (!ws || ws->stopping)
            return 0;
        return write_next(ws, wsi);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (ws && len >= 2) {
            const unsigned char *b = in;
            ws->end.close_code = (b[0] << 8) | b[1];
            note_reason(ws, (const char *)in + 2, len - 2);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        if (!ws)
            break;
        conn_ended(ws);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        /* The catch-all: some endings (a kill, a failed TLS handshake) reach
         * neither callback above. */
        if (ws && ws->wsi == wsi) {
            if (!ws->end.reason[0])
                note_reason(ws, "connection closed", 17);
            conn_ended(ws);
        }
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* Our sw_ws is the context's user pointer, never `user`: lws passes other
 * things there for some reasons (an X509_STORE_CTX while verifying a
 * certificate).  Remember that we are inside lws, so sw_ws_drop knows how
 * it may close. */
static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    sw_ws *ws = wsi ? lws_context_user(lws_get_context(wsi)) : NULL;
    if (!ws)
        return 0;
    ws->in_callback++;
    int rc = callback_inner(ws, wsi, reason, user, in, len);
    ws->in_callback--;
    return rc;
}

static const struct lws_protocols protocols[] = {
    /* rx_buffer_size: frames arrive in pieces of at most this; sw_ws
     * reassembles them up to max_frame. */
    { "sw-feed", callback, 0, 65536, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* Ping a connection quiet for 30 s and hang up when nothing valid arrived for
 * 75 s: a dead TCP peer is found even outside market hours, when the silence
 * watchdog is off.  No retry table: reconnecting is sw_feed's business. */
static const lws_retry_bo_t idle_policy = {
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 75,
};

int sw_ws_init(sw_ws *ws, uv_loop_t *loop, const sw_ws_params *p, const sw_ws_handlers *h, void *hctx,
               char *err, size_t errlen)
{
    memset(ws, 0, sizeof *ws);
    ws->loop = loop;
    ws->p = *p;
    ws->h = *h;
    ws->hctx = hctx;
    if (!ws->p.max_frame)
        ws->p.max_frame = 1u << 20;
    if (ws->p.connect_timeout_s <= 0)
        ws->p.connect_timeout_s = 10;
    const char *ca = p->ca_file ? p->ca_file : SYSTEM_CA_FILE;
    if (snprintf(ws->ca_file, sizeof ws->ca_file, "%s", ca) >= (int)sizeof ws->ca_file) {
        snprintf(err, errlen, "CA file name too long");
        return -1;
    }
    ws->p.ca_file = ws->ca_file;
    sw_ws_route_lws_logs();

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    void *loops[1] = { loop };
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.foreign_loops = loops;
    info.user = ws;
    info.client_ssl_ca_filepath = ws->ca_file;
    info.timeout_secs = (unsigned int)ws->p.connect_timeout_s;
    info.connect_timeout_secs = (unsigned int)ws->p.connect_timeout_s;
    info.fd_limit_per_thread = 16;
    /* lws reads the socket into this buffer: 4 KiB by default, i.e. one
     * read and one loop turn per 4 KiB of a busy feed. */
    info.pt_serv_buf_size = 65536;
    ws->ctx = lws_create_context(&info);
    if (!ws->ctx) {
        snprintf(err, errlen, "cannot create the WebSocket context (is the package "
                 "libwebsockets-evlib-uv installed? it provides libwebsockets' libuv support)");
        return -1;
    }
    return 0;
}

int sw_ws_connect(sw_ws *ws, const sw_url *url)
{
    if (ws->stopping || ws->connecting || ws->established)
        return -1;
    ws->url = *url;
    memset(&ws->end, 0, sizeof ws->end);
    char hosthdr[SW_WS_HOST_MAX + 16];
    int default_port = url->port == (url->tls ? 443 : 80);
    if (default_port)
        snprintf(hosthdr, sizeof hosthdr, "%s", url->host);
    else if (strchr(url->host, ':'))
        snprintf(hosthdr, sizeof hosthdr, "[%s]:%d", url->host, url->port);
    else
        snprintf(hosthdr, sizeof hosthdr, "%s:%d", url->host, url->port);

    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = ws->ctx;
    i.address = ws->url.host;
    i.port = url->port;
    i.path = ws->url.path;
    i.host = hosthdr;
    i.origin = hosthdr;
    /* Verification stays on: no LCCSCF_ALLOW_* flag is ever set. */
    i.ssl_connection = url->tls ? LCCSCF_USE_SSL : 0;
    i.alpn = "http/1.1";  /* a WebSocket upgrade is HTTP/1.1 */
    i.protocol = NULL;    /* providers speak no WebSocket subprotocol */
    i.local_protocol_name = "sw-feed";
    /* No i.pwsi: lws clears it before the last callbacks, and the wsi is
     * what tells our connection from a dead one (see callback()). */
    i.retry_and_idle_policy = &idle_policy;
    ws->connecting = 1;
    ws->wsi = NULL;
    struct lws *w = lws_client_connect_via_info(&i);
    if (!ws->connecting)
        return 0; /* it already failed, and on_end said so */
    if (!w) {
        /* Failed before any callback: report it like any other failure so
         * the caller has one path for every ending. */
        note_reason(ws, "connection could not be started", 32);
        conn_ended(ws);
        return 0;
    }
    ws->wsi = w;
    return 0;
}

int sw_ws_send(sw_ws *ws, const char *msg, size_t len)
{
    if (!ws->established || ws->stopping || !ws->wsi)
        return -1;
    if (sw_wsq_push(&ws->out, msg, len, 0, SW_WS_MAX_QUEUED) != 0)
        return -1;
    lws_callback_on_writable(ws->wsi);
    return 0;
}

void sw_ws_drop(sw_ws *ws, const char *why)
{
    if (!ws->wsi)
        return;
    if (why)
        note_reason(ws, why, strlen(why));
    ws->kill_requested = 1;
    if (ws->in_callback) {
        /* Inside lws: the callback returns -1 and lws closes the wsi. */
        lws_callback_on_writable(ws->wsi);
        return;
    }
    /* From the loop (a watchdog timer): at once.  lws 4.1's "async kill" (a
     * zero timeout) would wait for lws's next service turn, which a silent
     * peer never causes on a foreign loop. */
    lws_set_timeout(ws->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
}

int sw_ws_busy(const sw_ws *ws)
{
    return ws->connecting || ws->established;
}

void sw_ws_stop(sw_ws *ws)
{
    if (ws->stopping)
        return;
    ws->stopping = 1;
    sw_wsq_clear(&ws->out);
    if (ws->ctx && !ws->destroyed_once) {
        ws->destroyed_once = 1;
        /* First stage: lws closes its connections and libuv handles; the
         * loop must run for that to complete (see sw_ws_fini). */
        lws_context_destroy(ws->ctx);
    }
}

void sw_ws_context_fini(struct lws_context *ctx, uv_loop_t *loop, int destroyed_once)
{
    if (!destroyed_once) {
        lws_context_destroy(ctx);
        uv_run(loop, UV_RUN_DEFAULT);
    }
    /* Second stage: frees the context once its handles are closed. */
    lws_context_destroy(ctx);
    uv_run(loop, UV_RUN_DEFAULT);
}

void sw_ws_fini(sw_ws *ws)
{
    if (ws->ctx) {
        ws->stopping = 1;
        sw_ws_context_fini(ws->ctx, ws->loop, ws->destroyed_once);
        ws->ctx = NULL;
    }
    sw_wsq_free(&ws->out);
    free(ws->rx);
    ws->rx = NULL;
    ws->rx_cap = 0;
}
