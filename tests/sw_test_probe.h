/*
 * sw_test_probe.h -- an sw_redis connection that counts what happens to it,
 * for the tests of sw_redis itself (test_sink_redis) and of Sentinel
 * (test_sentinel): state changes, replies, NULL replies (a command whose
 * connection went away), errors, and the text of the last reply.  Include
 * after sw_redis.h.
 */
#ifndef SW_TEST_PROBE_H
#define SW_TEST_PROBE_H

#include <stdio.h>
#include <uv.h>

typedef struct tr_probe {
    sw_redis r;
    uv_loop_t loop;               /* for a test that gives the probe a loop of its own */
    int connected, lost, replies, null_replies, errors;
    char last[64];                /* status, error or string text of the last reply */
    uv_timer_t stop;
} tr_probe;

/* sw_redis_options.on_state, with ctx the probe. */
static inline void tr_probe_state(void *ctx, sw_redis *r, sw_redis_state st)
{
    (void)r;
    tr_probe *p = ctx;
    if (st == SW_REDIS_CONNECTED)
        p->connected++;
    else
        p->lost++;
}

/* A command's reply callback, with privdata the probe. */
static inline void tr_probe_reply(void *privdata, sw_redis *r, const redisReply *rep)
{
    (void)r;
    tr_probe *p = privdata;
    if (!rep) {
        p->null_replies++;
        return;
    }
    p->replies++;
    p->errors += rep->type == REDIS_REPLY_ERROR;
    snprintf(p->last, sizeof p->last, "%s",
             rep->type == REDIS_REPLY_STATUS || rep->type == REDIS_REPLY_ERROR || rep->type == REDIS_REPLY_STRING
                 ? rep->str
                 : "");
}

static inline void tr_probe_closed(sw_redis *r)
{
    (void)r;
}

#endif
