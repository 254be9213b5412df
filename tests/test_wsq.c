/*
 * test_wsq.c -- the WebSocket send queue (daemon/sources/sw_wsq.c): order across
 * the ring's wrap and growth, the payload behind LWS_PRE bytes of headroom,
 * the byte count, the per-push bound, clear and free.
 */
#include "sw_wsq.h"

#include <criterion/criterion.h>
#include <uv.h> /* before libwebsockets.h: its libuv parts depend on it */
#include <libwebsockets.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void push_num(sw_wsq *q, int i, size_t max_n)
{
    char msg[32];
    int len = snprintf(msg, sizeof msg, "message %d", i);
    cr_assert_eq(sw_wsq_push(q, msg, (size_t)len, i % 3, max_n), 0, "push %d", i);
}

/* Pop the front and check it is message i. */
static void expect_num(sw_wsq *q, int i)
{
    char want[32];
    int len = snprintf(want, sizeof want, "message %d", i);
    sw_wsq_msg *m = sw_wsq_front(q);
    cr_assert_not_null(m, "message %d missing", i);
    cr_assert_eq(m->len, (size_t)len);
    cr_assert_eq(memcmp(m->buf + LWS_PRE, want, (size_t)len), 0, "message %d: %.*s", i, (int)m->len,
                 (const char *)m->buf + LWS_PRE);
    cr_assert_eq(m->tag, i % 3);
    sw_wsq_pop(q);
}

Test(wsq, oldest_first_across_wrap_and_growth)
{
    sw_wsq q = { 0 };
    int next_in = 0, next_out = 0;
    /* Fill part way, take some out so the head moves, then push past the
     * capacity several times: growth must unroll a wrapped ring in order. */
    for (; next_in < 10; next_in++)
        push_num(&q, next_in, SIZE_MAX);
    for (; next_out < 7; next_out++)
        expect_num(&q, next_out);
    for (; next_in < 1000; next_in++) {
        push_num(&q, next_in, SIZE_MAX);
        if (next_in % 5 == 0)
            expect_num(&q, next_out++);
    }
    cr_expect_eq(q.n, (size_t)(next_in - next_out));
    while (next_out < next_in)
        expect_num(&q, next_out++);
    cr_expect_null(sw_wsq_front(&q));
    cr_expect_eq(q.n, 0);
    cr_expect_eq(q.bytes, 0, "bytes back to 0, was %zu", q.bytes);
    sw_wsq_free(&q);
}

Test(wsq, counts_payload_bytes_without_headroom)
{
    sw_wsq q = { 0 };
    cr_assert_eq(sw_wsq_push(&q, "abc", 3, 0, SIZE_MAX), 0);
    cr_assert_eq(sw_wsq_push(&q, "", 0, 1, SIZE_MAX), 0);
    cr_assert_eq(sw_wsq_push(&q, "hello world", 11, 0, SIZE_MAX), 0);
    cr_expect_eq(q.bytes, 14);
    sw_wsq_pop(&q);
    cr_expect_eq(q.bytes, 11);
    cr_expect_eq(sw_wsq_front(&q)->len, 0, "an empty message is queued as one");
    sw_wsq_pop(&q);
    sw_wsq_pop(&q);
    sw_wsq_pop(&q); /* empty: nothing happens */
    cr_expect_eq(q.bytes, 0);
    cr_expect_eq(q.n, 0);
    sw_wsq_free(&q);
}

Test(wsq, bound_refuses_and_queues_nothing)
{
    sw_wsq q = { 0 };
    for (int i = 0; i < 16; i++)
        push_num(&q, i, 16);
    cr_expect_eq(sw_wsq_push(&q, "x", 1, 0, 16), -1, "the 17th message over a bound of 16");
    cr_expect_eq(q.n, 16);
    sw_wsq_pop(&q);
    cr_expect_eq(sw_wsq_push(&q, "x", 1, 0, 16), 0, "room again after a pop");
    for (int i = 1; i < 16; i++)
        expect_num(&q, i);
    cr_expect_eq(sw_wsq_front(&q)->len, 1);
    sw_wsq_free(&q);
}

Test(wsq, clear_and_free_leave_a_usable_queue)
{
    sw_wsq q = { 0 };
    for (int i = 0; i < 40; i++)
        push_num(&q, i, SIZE_MAX);
    sw_wsq_clear(&q);
    cr_expect_eq(q.n, 0);
    cr_expect_eq(q.bytes, 0);
    cr_expect_null(sw_wsq_front(&q));
    cr_expect_geq(q.cap, 40, "the ring is kept for reuse");
    push_num(&q, 7, SIZE_MAX);
    expect_num(&q, 7);
    push_num(&q, 8, SIZE_MAX);
    sw_wsq_free(&q); /* frees a queued message too: ASan/valgrind see no leak */
    cr_expect_null(q.ring);
    cr_expect_eq(q.cap, 0);
    push_num(&q, 9, SIZE_MAX);
    expect_num(&q, 9);
    sw_wsq_free(&q);
}
