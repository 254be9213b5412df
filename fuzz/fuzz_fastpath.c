/*
 * fuzz_fastpath.c -- differential target: one provider's adapter
 * (SW_FUZZ_PROVIDER, one binary per provider) with its fast path on and off
 * must agree on every message.
 *
 * The fast path (sw_fastjson.h, sw_provider.h) answers for the trade messages
 * it reads completely and hands everything else to the cJSON path; answering
 * differently from cJSON would silently change ticks.  So each input runs
 * both ways, as fuzz_provider.c feeds adapters:
 *  - replay: the parse function, no session;
 *  - live: on_message on two sessions in the same starting state (the first
 *    byte picks the handshake state and whether on_open ran), two messages
 *    in a row so sequence numbers and state carry over;
 * and everything is compared: message kind, tick count, dropped trades and
 * the reason sentence, every tick (symbol, price and size bit for bit, time,
 * flags -- the sale conditions' eligibility among them -- and the exclusion
 * reason; a status's fields share the price's and size's bytes), and on the
 * live side the session's state, action, note, sequence
 * numbers and counters and the bytes it sent.  Any difference aborts.
 */
#include "sw_fuzz.h"
#include "sw_provider.h"

#include <math.h>

#define CAP 64 /* small, so batches that overflow the cap are cut */

static const char *const symbols[] = { "NVDA", "AAPL", "BTC-USD", "ETHUSDT", "X:BTCUSD", "MSFT" };
#define N_SYMBOLS (sizeof symbols / sizeof symbols[0])

typedef struct run {
    sw_parse_result r;
    sw_tick ticks[CAP];
    size_t sent;
} run;

static int fake_send(void *ctx, const char *msg, size_t len)
{
    (void)msg;
    ((run *)ctx)->sent += len;
    return 0;
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void compare(const run *fast, const run *slow)
{
    const sw_parse_result *a = &fast->r, *b = &slow->r;
    if (a->kind != b->kind || a->n_ticks != b->n_ticks || a->n_bad != b->n_bad || !same_str(a->why, b->why))
        abort();
    for (size_t i = 0; i < a->n_ticks; i++) {
        const sw_tick *x = &fast->ticks[i], *y = &slow->ticks[i];
        if (strcmp(x->symbol, y->symbol) != 0 || memcmp(&x->price, &y->price, sizeof x->price) != 0 ||
            memcmp(&x->size, &y->size, sizeof x->size) != 0 || x->ts_ns != y->ts_ns || x->flags != y->flags ||
            x->excluded != y->excluded)
            abort();
    }
}

static void compare_sessions(const sw_session *a, const sw_session *b)
{
    if (a->state != b->state || a->action != b->action || a->note_level != b->note_level ||
        strcmp(a->note, b->note) != 0 || a->seq_gaps != b->seq_gaps || a->seq_stale != b->seq_stale ||
        a->send_failures != b->send_failures || a->status_state != b->status_state ||
        memcmp(a->last_seq, b->last_seq, N_SYMBOLS * sizeof *a->last_seq) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const sw_provider *p = sw_provider_find(SW_FUZZ_PROVIDER);
    if (!p)
        abort();
    static int quiet;
    if (!quiet++)
        sw_fuzz_quiet();
    static run fast, slow;
    char *msg = sw_fuzz_copy(data, size);

    memset(&fast, 0, sizeof fast);
    memset(&slow, 0, sizeof slow);
    sw_fast_path_enable(1);
    p->parse(msg, size, fast.ticks, CAP, &fast.r);
    sw_fast_path_enable(0);
    p->parse(msg, size, slow.ticks, CAP, &slow.r);
    compare(&fast, &slow);

    if (size >= 1) {
        sw_session a, b;
        if (sw_session_init(&a, p, symbols, N_SYMBOLS, "k3y", "s3cret", fake_send, &fast) != 0 ||
            sw_session_init(&b, p, symbols, N_SYMBOLS, "k3y", "s3cret", fake_send, &slow) != 0)
            abort();
        unsigned sel = data[0];
        if (sel & 4) {
            p->on_open(&a);
            p->on_open(&b);
        }
        a.state = b.state = (sw_sess_state)(sel & 3);
        a.want_status = b.want_status = (sel >> 3) & 1;
        a.status_state = b.status_state = (int)((sel >> 4) & 3);
        for (int pass = 0; pass < 2; pass++) {
            memset(&fast.r, 0, sizeof fast.r);
            memset(&slow.r, 0, sizeof slow.r);
            sw_fast_path_enable(1);
            p->on_message(&a, msg + 1, size - 1, fast.ticks, CAP, &fast.r);
            sw_fast_path_enable(0);
            p->on_message(&b, msg + 1, size - 1, slow.ticks, CAP, &slow.r);
            compare(&fast, &slow);
            compare_sessions(&a, &b);
            if (fast.sent != slow.sent)
                abort();
            a.action = b.action = SW_ACT_NONE;
            a.note[0] = b.note[0] = '\0';
        }
        sw_session_free(&a);
        sw_session_free(&b);
    }
    sw_fast_path_enable(1);
    free(msg);
    return 0;
}
