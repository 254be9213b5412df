/* sw_sink_gate.c -- see sw_sink_gate.h. */
#include "sw_sink_gate.h"
#include "sw_log.h"

#include <stdlib.h>
#include <string.h>

typedef struct held {
    sw_alert a;
    size_t len;
    char json[];
} held;

typedef struct gate {
    sw_sink base;
    sw_sink *inner;
    held **q;
    size_t n, cap;
    int opened, closed_early;
    /* a drain asked for before the inner sink started */
    int drain_pending;
    uint64_t drain_deadline_ns;        /* uv_hrtime */
    sw_sink_done_fn drain_done;
    void *drain_ctx;
} gate;

static void discard(gate *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->q[i]);
    g->n = 0;
}

static int gate_deliver(sw_sink *s, const sw_alert *a, const char *json, size_t len)
{
    gate *g = (gate *)s;
    if (g->opened)
        return g->inner->deliver(g->inner, a, json, len);
    if (g->closed_early || g->n >= SW_GATE_MAX)
        return -1;
    if (g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 16;
        held **nq = realloc(g->q, ncap * sizeof *nq);
        if (!nq)
            return -1;
        g->q = nq;
        g->cap = ncap;
    }
    held *h = malloc(sizeof *h + len + 1);
    if (!h)
        return -1;
    h->a = *a;
    h->len = len;
    memcpy(h->json, json, len);
    h->json[len] = '\0';
    g->q[g->n++] = h;
    return 0;
}

static void gate_flush(sw_sink *s)
{
    gate *g = (gate *)s;
    if (g->opened && g->inner->flush)
        g->inner->flush(g->inner);
}

static void gate_drain(sw_sink *s, uint64_t timeout_ms, sw_sink_done_fn done, void *ctx)
{
    gate *g = (gate *)s;
    if (g->opened) {
        if (g->inner->drain)
            g->inner->drain(g->inner, timeout_ms, done, ctx);
        else
            done(ctx, s);
        return;
    }
    /* The old sink is still closing (a few loop iterations): the drain
     * starts when the inner sink does, with the time that is left. */
    g->drain_pending = 1;
    g->drain_deadline_ns = uv_hrtime() + timeout_ms * 1000000u;
    g->drain_done = done;
    g->drain_ctx = ctx;
}

static size_t gate_pending(sw_sink *s)
{
    gate *g = (gate *)s;
    size_t inner = g->opened && g->inner->pending ? g->inner->pending(g->inner) : 0;
    return g->n + inner;
}

static void gate_close(sw_sink *s, sw_sink_done_fn closed, void *ctx)
{
    gate *g = (gate *)s;
    if (g->opened && g->inner->close) {
        g->inner->close(g->inner, closed, ctx);
        return;
    }
    if (!g->opened && !g->closed_early) {
        g->closed_early = 1;
        if (g->n)
            sw_error("sink %s: closed before its hand-over finished: %zu alerts it held are lost", s->name, g->n);
        discard(g);
        if (g->drain_pending) {
            g->drain_pending = 0;
            g->drain_done(g->drain_ctx, s);
        }
    }
    closed(ctx, s);
}

static void gate_destroy(sw_sink *s)
{
    gate *g = (gate *)s;
    discard(g);
    free(g->q);
    if (g->inner)
        g->inner->destroy(g->inner);
    free(g);
}

sw_sink *sw_sink_gate_new(sw_sink *inner)
{
    gate *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->inner = inner;
    g->base.name = inner->name;
    g->base.deliver = gate_deliver;
    g->base.flush = gate_flush;
    g->base.drain = gate_drain;
    g->base.pending = gate_pending;
    g->base.close = gate_close;
    g->base.destroy = gate_destroy;
    return &g->base;
}

int sw_sink_is_gate(const sw_sink *s)
{
    return s && s->deliver == gate_deliver;
}

sw_sink *sw_sink_unwrap(sw_sink *s)
{
    return sw_sink_is_gate(s) ? ((gate *)s)->inner : s;
}

int sw_sink_gate_open(sw_sink *s, uv_loop_t *loop)
{
    gate *g = (gate *)s;
    if (g->closed_early || g->opened)
        return -1;
    int rc = g->inner->start ? g->inner->start(g->inner, loop) : 0;
    g->opened = 1;
    if (rc != 0)
        sw_error("sink %s: cannot start after the reload; %zu alerts waiting for it are refused", s->name, g->n);
    size_t failed = 0;
    for (size_t i = 0; i < g->n; i++) {
        held *h = g->q[i];
        if (rc != 0 || g->inner->deliver(g->inner, &h->a, h->json, h->len) != 0) {
            g->inner->failed++;
            failed++;
        } else {
            g->inner->delivered++;
        }
    }
    discard(g);
    if (failed && rc == 0)
        sw_error("sink %s: %zu of the alerts held during the hand-over were refused", s->name, failed);
    if (g->drain_pending) {
        g->drain_pending = 0;
        uint64_t now = uv_hrtime();
        uint64_t left_ms = g->drain_deadline_ns > now ? (g->drain_deadline_ns - now) / 1000000u : 0;
        if (g->inner->drain)
            g->inner->drain(g->inner, left_ms, g->drain_done, g->drain_ctx);
        else
            g->drain_done(g->drain_ctx, g->inner);
    }
    return 0;
}

sw_sink *sw_sink_gate_release(sw_sink *s)
{
    gate *g = (gate *)s;
    sw_sink *inner = g->inner;
    g->inner = NULL;
    gate_destroy(s);
    return inner;
}
