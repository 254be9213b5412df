/*
 * fuzz_provider.c -- one provider's message adapter (SW_FUZZ_PROVIDER, set by
 * fuzz/CMakeLists.txt: one binary per provider) against arbitrary messages.
 *
 * Each input is used twice, the two ways shockd calls an adapter:
 *  - replay: the provider's parse function, no session;
 *  - live: on_message with a session.  The first byte picks the handshake
 *    state the message arrives in (connected, authenticating, subscribing,
 *    streaming), whether the session was opened first (on_open sends the
 *    greeting) and whether it wants trading statuses and how far it got
 *    with them, so the control-message paths are reached too; the rest is
 *    the message.
 * The message is an exactly-sized heap copy without a terminating NUL, so a
 * read past `len` is an ASan report even though the live and replay callers
 * happen to NUL-terminate.  Afterwards the results are checked against the
 * interface's promises (tick count within cap, finite positive prices,
 * plausible times, a reason for every bad message; a trade kept from the
 * price by its conditions names why, and only then; a status's codes are
 * strings and its words printable; LULD bands finite and not negative).
 */
#include "sw_fuzz.h"
#include "sw_provider.h"

#include <cjson/cJSON.h>
#include <math.h>

#define SW_FUZZ_CAP 64   /* small, so batches that overflow the cap are cut */

static const char *const symbols[] = { "NVDA", "AAPL", "BTC-USD", "ETHUSDT", "X:BTCUSD", "MSFT" };
static sw_tick ticks[SW_FUZZ_CAP];
static size_t sent_bytes;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    return 0;
}

/* The session's transport: count what would be sent, check it is a string. */
static int fake_send(void *ctx, const char *msg, size_t len)
{
    (void)ctx;
    if (len && memchr(msg, '\0', len))
        abort(); /* a NUL inside an outgoing text frame would be a bug */
    sent_bytes += len;
    return 0;
}

static void check(const sw_parse_result *r, size_t cap)
{
    if (r->n_ticks > cap)
        abort();
    if (r->kind == SW_MSG_BAD && !r->why)
        abort();
    if (r->kind != SW_MSG_TRADES && r->n_ticks != 0)
        abort();
    for (size_t i = 0; i < r->n_ticks; i++) {
        const sw_tick *t = &ticks[i];
        if (!memchr(t->symbol, '\0', sizeof t->symbol) || !t->symbol[0])
            abort();
        if (t->flags & SW_TICK_STATUS) {
            /* The codes are strings; the words, when any, a printable line. */
            if (!memchr(t->status, '\0', sizeof t->status) || !memchr(t->reason, '\0', sizeof t->reason))
                abort();
            for (const char *c = t->reason_text; c && *c; c++)
                if (*c < ' ' || *c > '~')
                    abort();
            if ((t->flags & SW_TICK_HALT) && (t->flags & SW_TICK_RESUME))
                abort();
        } else if (t->flags & SW_TICK_LULD) {
            if (!isfinite(t->limit_up) || t->limit_up < 0 || !isfinite(t->limit_down) || t->limit_down < 0)
                abort();
        } else {
            if (!isfinite(t->price) || t->price <= 0 || !isfinite(t->size) || t->size < 0)
                abort();
            /* A trade's eligibility: a reason exactly when kept from the price. */
            if ((t->flags & SW_TICK_NO_LAST) ? t->excluded == SW_EXCL_NONE || t->excluded >= SW_EXCL_N
                                             : t->excluded != SW_EXCL_NONE)
                abort();
        }
        if (t->ts_ns < SW_TS_MIN_NS || t->ts_ns > SW_TS_MAX_NS)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const sw_provider *p = sw_provider_find(SW_FUZZ_PROVIDER);
    if (!p)
        abort();

    char *msg = sw_fuzz_copy(data, size);

    sw_parse_result r;
    memset(&r, 0, sizeof r);
    p->parse(msg, size, ticks, SW_FUZZ_CAP, &r);
    check(&r, SW_FUZZ_CAP);

    if (size >= 1) {
        sw_session s;
        if (sw_session_init(&s, p, symbols, sizeof symbols / sizeof symbols[0], "k3y", "s3cret",
                            fake_send, NULL) != 0)
            abort();
        unsigned sel = data[0];
        if (sel & 4)
            p->on_open(&s);
        s.state = (sw_sess_state)(sel & 3);
        /* Bits 3-5: a session that wants statuses, and where it is with them. */
        s.want_status = (sel >> 3) & 1;
        s.status_state = (int)((sel >> 4) & 3);
        char url[1024];
        if (p->build_url) /* NULL: the base URL is used as is */
            (void)p->build_url(&s, p->default_url, url, sizeof url);
        /* Two messages in a row on one session: sequence numbers and state
         * carried from the first to the second. */
        for (int pass = 0; pass < 2; pass++) {
            memset(&r, 0, sizeof r);
            p->on_message(&s, msg + 1, size - 1, ticks, SW_FUZZ_CAP, &r);
            check(&r, SW_FUZZ_CAP);
            if (!memchr(s.note, '\0', sizeof s.note))
                abort();
            if ((unsigned)s.state > SW_SESS_STREAMING || (unsigned)s.action > SW_ACT_BACKOFF_LONG)
                abort();
            s.action = SW_ACT_NONE;
            s.note[0] = '\0';
        }
        sw_session_free(&s);
    }
    free(msg);
    return 0;
}
