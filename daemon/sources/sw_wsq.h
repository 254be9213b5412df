/*
 * sw_wsq.h -- the send queue of one WebSocket connection: messages waiting
 * for libwebsockets' next writeable callback, oldest first.
 *
 * lws_write() needs LWS_PRE bytes of headroom in front of every payload and
 * may be called only from the writeable callback, so a message to send is
 * copied once into its own buffer (headroom, then the bytes) and queued
 * here; the callback takes the oldest, writes it and pops it.  Both ends of
 * a feed use it: the client transport (sw_ws, subscriptions and pings) and
 * shock-feed (recorded trades to each of its clients).  The queue is a ring
 * that doubles when full, so a burst costs no copying of queued messages'
 * bytes, only of their descriptors.  It counts the queued payload bytes, for
 * callers that bound the queue by size; a bound on the number of messages
 * is given per push.
 */
#ifndef SW_WSQ_H
#define SW_WSQ_H

#include <stddef.h>

typedef struct sw_wsq_msg {
    unsigned char *buf; /* LWS_PRE bytes of headroom, then the message */
    size_t len;         /* the message's length (without the headroom) */
    int tag;            /* the caller's: what kind of message this is */
} sw_wsq_msg;

typedef struct sw_wsq {
    sw_wsq_msg *ring;
    size_t head, n, cap;
    size_t bytes; /* sum of len over the queued messages */
} sw_wsq;

/* Copy msg[0..len) to the back of the queue.  Returns 0, or -1 when the
 * queue already holds max_n messages or memory runs out (nothing queued). */
int sw_wsq_push(sw_wsq *q, const char *msg, size_t len, int tag, size_t max_n);

/* The oldest message, or NULL if the queue is empty. */
sw_wsq_msg *sw_wsq_front(sw_wsq *q);

/* Remove the oldest message and free its buffer (no-op when empty). */
void sw_wsq_pop(sw_wsq *q);

/* Drop every queued message; the ring is kept for reuse. */
void sw_wsq_clear(sw_wsq *q);

/* Drop every message and the ring; the queue is empty and reusable. */
void sw_wsq_free(sw_wsq *q);

#endif
