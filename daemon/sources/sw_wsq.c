/*
 * sw_wsq.c -- the send queue of one WebSocket connection (see sw_wsq.h).
 */
#include "sw_wsq.h"

#include <uv.h> /* before libwebsockets.h: its libuv parts depend on it */
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

/* The first ring holds this many; it doubles from there. */
#define WSQ_FIRST_CAP 16

static int wsq_grow(sw_wsq *q)
{
    size_t ncap = q->cap ? q->cap * 2 : WSQ_FIRST_CAP;
    sw_wsq_msg *ring = malloc(ncap * sizeof *ring);
    if (!ring)
        return -1;
    /* Unroll the ring so the oldest is at 0 again. */
    for (size_t k = 0; k < q->n; k++)
        ring[k] = q->ring[(q->head + k) % q->cap];
    free(q->ring);
    q->ring = ring;
    q->cap = ncap;
    q->head = 0;
    return 0;
}

int sw_wsq_push(sw_wsq *q, const char *msg, size_t len, int tag, size_t max_n)
{
    if (q->n >= max_n)
        return -1;
    if (q->n == q->cap && wsq_grow(q) != 0)
        return -1;
    unsigned char *buf = malloc(LWS_PRE + len);
    if (!buf)
        return -1;
    memcpy(buf + LWS_PRE, msg, len);
    sw_wsq_msg *m = &q->ring[(q->head + q->n) % q->cap];
    m->buf = buf;
    m->len = len;
    m->tag = tag;
    q->n++;
    q->bytes += len;
    return 0;
}

sw_wsq_msg *sw_wsq_front(sw_wsq *q)
{
    return q->n ? &q->ring[q->head] : NULL;
}

void sw_wsq_pop(sw_wsq *q)
{
    if (!q->n)
        return;
    sw_wsq_msg *m = &q->ring[q->head];
    q->bytes -= m->len;
    free(m->buf);
    m->buf = NULL;
    q->head = (q->head + 1) % q->cap;
    q->n--;
}

void sw_wsq_clear(sw_wsq *q)
{
    while (q->n)
        sw_wsq_pop(q);
    q->head = 0;
}

void sw_wsq_free(sw_wsq *q)
{
    sw_wsq_clear(q);
    free(q->ring);
    q->ring = NULL;
    q->cap = 0;
}
