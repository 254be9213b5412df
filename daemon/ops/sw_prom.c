/* sw_prom.c -- see sw_prom.h. */
#include "sw_prom.h"
#include "sw_log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void sw_prom_put(sw_prom *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = o->len < o->cap ? o->buf + o->len : NULL;
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

void sw_prom_head(sw_prom *o, const char *name, const char *type, const char *help)
{
    sw_prom_put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void sw_prom_http(sw_prom *o, const char *prefix, const sw_http *h)
{
    sw_http_stats hs = { 0 };
    if (h && h->vh)
        sw_http_get_stats(h, &hs);
    char name[96];
    snprintf(name, sizeof name, "%s_http_connections", prefix);
    sw_prom_head(o, name, "gauge", "Connections open on the HTTP listener (dashboard viewers included).");
    sw_prom_put(o, "%s %zu\n", name, hs.connections);
    snprintf(name, sizeof name, "%s_http_connections_max", prefix);
    sw_prom_head(o, name, "gauge", "The listener's connection limit (after RLIMIT_NOFILE).");
    sw_prom_put(o, "%s %zu\n", name, hs.max_connections);
    snprintf(name, sizeof name, "%s_http_buffer_bytes", prefix);
    sw_prom_head(o, name, "gauge", "Response and dashboard bytes held for clients that have not read them yet.");
    sw_prom_put(o, "%s %zu\n", name, hs.held);
    snprintf(name, sizeof name, "%s_http_requests_total", prefix);
    sw_prom_head(o, name, "counter", "HTTP requests, by route.");
    for (size_t i = 0; h && i < h->n_routes; i++)
        sw_prom_put(o, "%s{route=\"%s\"} %" PRIu64 "\n", name, h->routes[i].name, h->routes[i].requests);
    sw_prom_put(o, "%s{route=\"other\"} %" PRIu64 "\n", name, h ? h->other_requests : 0);
    snprintf(name, sizeof name, "%s_http_rejected_total", prefix);
    sw_prom_head(o, name, "counter",
                 "Connections and requests the listener refused or closed, by reason: limit (full, nothing to "
                 "close), evicted (closed to make room: slow or idle), timeout (no whole request within 5 s), "
                 "incomplete (closed before a whole request: garbage, headers too large), busy (503: too many "
                 "bytes held), upgrade (a WebSocket upgrade refused).");
    for (int i = 0; i < SW_HTTP_REJ_KINDS; i++)
        sw_prom_put(o, "%s{reason=\"%s\"} %" PRIu64 "\n", name, sw_http_rej_names[i], hs.rejected[i]);
}

int sw_prom_respond(sw_http_resp *r, size_t (*render)(void *ctx, char *buf, size_t cap), void *ctx)
{
    char *body = malloc(SW_PROM_BODY_MAX);
    if (!body)
        return -1;
    size_t n = render(ctx, body, SW_PROM_BODY_MAX);
    if (n >= SW_PROM_BODY_MAX) {
        sw_warn("metrics: the exposition needs %zu bytes, more than the %d-byte limit: cut", n, SW_PROM_BODY_MAX);
        n = SW_PROM_BODY_MAX - 1;
    }
    sw_dbuf_init(&r->body, SW_PROM_BODY_MAX);
    sw_dbuf_add(&r->body, body, n);
    free(body);
    if (sw_dbuf_error(&r->body))
        return -1;
    r->status = 200;
    r->ctype = "text/plain; version=0.0.4; charset=utf-8";
    return 0;
}
