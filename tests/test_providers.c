/*
 * test_providers.c -- the provider adapters (daemon/providers/sw_finnhub, sw_alpaca,
 * sw_polygon, sw_coinbase, sw_binance) behind sw_provider: each one's
 * handshake as a session (what it sends, in which state it ends), good and
 * malformed messages, auth and limit errors with the reaction the feed must
 * take; and the round trip through shock-feed's encoders (sw_emulate), which
 * must give back exactly the ticks that went in.
 *
 * 1737988200 s = 2025-01-27T14:30:00Z (09:30 New York).
 */
#include <criterion/criterion.h>

#include "sw_emulate.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_provider.h"
#include "sw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0_NS INT64_C(1737988200000000000)

static char sent[16][4096];
static int n_sent;
static sw_tick ticks[64];
static sw_parse_result res;
static sw_session sess;
static const char *const syms[] = { "NVDA", "AMD" };

static int capture(void *ctx, const char *msg, size_t len)
{
    (void)ctx;
    cr_assert_lt(n_sent, 16);
    snprintf(sent[n_sent++], sizeof sent[0], "%.*s", (int)len, msg);
    return 0;
}

static void setup(void)
{
    sw_log_set_level(SW_LOG_ERROR);
    cr_assert_eq(sw_jsonarena_install(), 0);
    n_sent = 0;
}

static void teardown(void)
{
    sw_session_free(&sess);
    sw_jsonarena_uninstall();
}

TestSuite(providers, .init = setup, .fini = teardown);

static void open_session(const char *provider, const char *key, const char *secret)
{
    const sw_provider *p = sw_provider_find(provider);
    cr_assert_not_null(p, "%s", provider);
    cr_assert_eq(sw_session_init(&sess, p, syms, 2, key, secret, capture, NULL), 0);
    sw_session_reset(&sess);
    p->on_open(&sess);
}

/* Feed one message to the live session. */
static void msg(const char *text)
{
    memset(ticks, 0x5a, sizeof ticks);
    sess.prov->on_message(&sess, text, strlen(text), ticks, 64, &res);
}

/* Feed one message without a session (replay). */
static void parse(const char *provider, const char *text)
{
    memset(ticks, 0x5a, sizeof ticks);
    sw_provider_find(provider)->parse(text, strlen(text), ticks, 64, &res);
}

static void expect_note(sw_sess_action action, const char *part)
{
    cr_expect_eq(sess.action, action, "action %d, note \"%s\"", sess.action, sess.note);
    cr_expect(strstr(sess.note, part) != NULL, "note \"%s\" lacks \"%s\"", sess.note, part);
    sess.note[0] = '\0';
    sess.action = SW_ACT_NONE;
}

Test(providers, registry)
{
    const char *names[] = { "finnhub", "alpaca", "polygon", "coinbase", "binance" };
    for (int i = 0; i < 5; i++) {
        const sw_provider *p = sw_provider_find(names[i]);
        cr_assert_not_null(p, "%s", names[i]);
        cr_expect_str_eq(p->name, names[i]);
        cr_expect_eq(strncmp(p->default_url, "wss://", 6), 0, "%s", p->default_url);
        cr_expect_not_null(p->parse);
        cr_expect_not_null(p->on_open);
        cr_expect_not_null(p->on_message);
        cr_expect_not_null(sw_emu_find(names[i]), "shock-feed speaks %s too", names[i]);
    }
    cr_expect_null(sw_provider_find("bloomberg"));
    cr_expect_str_eq(sw_provider_names(), "finnhub, alpaca, polygon, coinbase, binance");
    cr_expect(sw_provider_find("coinbase")->flags & SW_PROV_24X7);
    cr_expect(!(sw_provider_find("polygon")->flags & SW_PROV_24X7));
}

/* ---- finnhub --------------------------------------------------------------- */

Test(providers, finnhub_token_in_url_and_one_subscribe_per_symbol)
{
    open_session("finnhub", "a b&c", NULL);
    char url[256];
    cr_assert_eq(sess.prov->build_url(&sess, "wss://ws.finnhub.io", url, sizeof url), 0);
    cr_expect_str_eq(url, "wss://ws.finnhub.io?token=a%20b%26c");
    cr_assert_eq(sess.prov->build_url(&sess, "ws://127.0.0.1:9/x?v=1", url, sizeof url), 0);
    cr_expect_str_eq(url, "ws://127.0.0.1:9/x?v=1&token=a%20b%26c");
    cr_expect_eq(sess.prov->build_url(&sess, "wss://ws.finnhub.io", url, 20), -1, "too long must fail");
    cr_assert_eq(n_sent, 2);
    cr_expect_str_eq(sent[0], "{\"type\":\"subscribe\",\"symbol\":\"NVDA\"}");
    cr_expect_str_eq(sent[1], "{\"type\":\"subscribe\",\"symbol\":\"AMD\"}");
    cr_expect_eq(sess.state, SW_SESS_STREAMING);
}

Test(providers, finnhub_messages)
{
    open_session("finnhub", "k", NULL);
    msg("{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":118.42,\"t\":1737988200000,\"v\":100}]}");
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 1u);
    cr_expect_eq(ticks[0].ts_ns, T0_NS);
    msg("{\"type\":\"ping\"}");
    cr_expect_eq(res.kind, SW_MSG_CONTROL);
    cr_expect_eq(sess.action, SW_ACT_NONE);
    cr_expect_str_eq(sess.note, "");
    msg("{\"type\":\"error\",\"msg\":\"Subscribing to too many symbols\"}");
    cr_expect_eq(res.kind, SW_MSG_CONTROL);
    expect_note(SW_ACT_NONE, "Finnhub error: Subscribing to too many symbols");
    msg("{\"type\":\"trade\",\"data\":[");
    cr_expect_eq(res.kind, SW_MSG_BAD);
}

/* ---- alpaca ---------------------------------------------------------------- */

Test(providers, alpaca_handshake)
{
    open_session("alpaca", "KEY", "SECRET");
    cr_expect_eq(n_sent, 0, "Alpaca speaks first");
    cr_expect_eq(sess.state, SW_SESS_CONNECTED);
    msg("[{\"T\":\"success\",\"msg\":\"connected\"}]");
    cr_expect_eq(res.kind, SW_MSG_CONTROL);
    cr_assert_eq(n_sent, 1);
    cr_expect_str_eq(sent[0], "{\"action\":\"auth\",\"key\":\"KEY\",\"secret\":\"SECRET\"}");
    cr_expect_eq(sess.state, SW_SESS_AUTHENTICATING);
    msg("[{\"T\":\"success\",\"msg\":\"authenticated\"}]");
    cr_assert_eq(n_sent, 2);
    cr_expect_str_eq(sent[1], "{\"action\":\"subscribe\",\"trades\":[\"NVDA\",\"AMD\"]}");
    cr_expect_eq(sess.state, SW_SESS_SUBSCRIBING);
    msg("[{\"T\":\"subscription\",\"trades\":[\"NVDA\"],\"quotes\":[],\"bars\":[]}]");
    cr_expect_eq(sess.state, SW_SESS_STREAMING);
    expect_note(SW_ACT_NONE, "subscribed 1 of 2 symbols");
    /* A repeated greeting does not re-authenticate. */
    msg("[{\"T\":\"success\",\"msg\":\"connected\"}]");
    cr_expect_eq(n_sent, 2);
}

Test(providers, alpaca_trades)
{
    parse("alpaca", "[{\"T\":\"t\",\"S\":\"NVDA\",\"i\":1,\"x\":\"V\",\"p\":118.42,\"s\":100,"
                    "\"t\":\"2025-01-27T14:30:00.123456789Z\",\"c\":[\"@\"],\"z\":\"C\"},"
                    "{\"T\":\"q\",\"S\":\"NVDA\",\"bp\":1},"
                    "{\"T\":\"t\",\"S\":\"AMD\",\"p\":\"122.5\",\"s\":0,\"t\":\"2025-01-27T09:30:01-05:00\"},"
                    "{\"T\":\"t\",\"S\":\"AMD\",\"p\":122.5,\"s\":5,\"t\":\"2025-01-27T09:30:01\"},"
                    "{\"T\":\"t\",\"S\":\"AMD\",\"p\":-1,\"s\":5,\"t\":\"2025-01-27T14:30:01Z\"}]");
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 2u);
    cr_expect_str_eq(ticks[0].symbol, "NVDA");
    cr_expect_eq(ticks[0].ts_ns, T0_NS + 123456789);
    cr_expect_float_eq(ticks[0].price, 118.42, 1e-12);
    cr_expect_float_eq(ticks[0].size, 100, 0);
    cr_expect_eq(ticks[0].flags, 0u);
    cr_expect_eq(ticks[1].ts_ns, T0_NS + SW_NS_PER_SEC, "an offset is honoured");
    cr_expect_eq(ticks[1].flags, (uint32_t)SW_TICK_PRICE_ONLY);
    cr_expect_eq(res.n_bad, 2u, "a time without zone and a negative price");
    cr_expect(strstr(res.why, "with zone"), "%s", res.why);

    parse("alpaca", "[{\"T\":\"q\"}]");
    cr_expect_eq(res.kind, SW_MSG_CONTROL);
    parse("alpaca", "[{\"T\":\"t\",");
    cr_expect_eq(res.kind, SW_MSG_BAD);
    cr_expect_str_eq(res.why, "malformed JSON");
    parse("alpaca", "[1,2]");
    cr_expect_eq(res.kind, SW_MSG_BAD);
    parse("alpaca", "[{\"T\":\"t\"}] junk");
    cr_expect_eq(res.kind, SW_MSG_BAD, "trailing junk makes the message malformed");
}

Test(providers, alpaca_errors_and_reactions)
{
    open_session("alpaca", "KEY", "SECRET");
    msg("[{\"T\":\"error\",\"code\":402,\"msg\":\"auth failed\"}]");
    expect_note(SW_ACT_BACKOFF_LONG, "Alpaca refused the credentials (402 auth failed)");
    msg("[{\"T\":\"error\",\"code\":406,\"msg\":\"connection limit exceeded\"}]");
    expect_note(SW_ACT_BACKOFF_LONG, "connection limit exceeded (406");
    msg("[{\"T\":\"error\",\"code\":405,\"msg\":\"symbol limit exceeded\"}]");
    expect_note(SW_ACT_BACKOFF_LONG, "refused the subscription (405");
    msg("[{\"T\":\"error\",\"code\":409,\"msg\":\"insufficient subscription\"}]");
    expect_note(SW_ACT_BACKOFF_LONG, "(409");
    msg("[{\"T\":\"error\",\"code\":407,\"msg\":\"slow client\"}]");
    expect_note(SW_ACT_RECONNECT, "slow client (407");
    msg("[{\"T\":\"error\",\"code\":404,\"msg\":\"auth timeout\"}]");
    expect_note(SW_ACT_RECONNECT, "auth timeout (404");
    msg("[{\"T\":\"error\",\"code\":500,\"msg\":\"internal error\"}]");
    expect_note(SW_ACT_RECONNECT, "Alpaca error 500");
    /* The worst reaction of one message wins. */
    msg("[{\"T\":\"error\",\"code\":407,\"msg\":\"slow client\"},{\"T\":\"error\",\"code\":402,\"msg\":\"x\"}]");
    expect_note(SW_ACT_BACKOFF_LONG, "402");
}

Test(providers, alpaca_without_secret_backs_off_long)
{
    open_session("alpaca", "KEY", NULL);
    msg("[{\"T\":\"success\",\"msg\":\"connected\"}]");
    cr_expect_eq(n_sent, 0, "no auth without a secret");
    expect_note(SW_ACT_BACKOFF_LONG, "needs an API key and secret");
}

/* ---- polygon --------------------------------------------------------------- */

Test(providers, alpaca_asks_for_statuses_and_lulds_after_the_trades)
{
    open_session("alpaca", "KEY", "SECRET");
    sess.want_status = 1;
    msg("[{\"T\":\"success\",\"msg\":\"connected\"}]");
    msg("[{\"T\":\"success\",\"msg\":\"authenticated\"}]");
    cr_assert_eq(n_sent, 2);
    cr_expect_str_eq(sent[1], "{\"action\":\"subscribe\",\"trades\":[\"NVDA\",\"AMD\"]}");
    msg("[{\"T\":\"subscription\",\"trades\":[\"NVDA\",\"AMD\"],\"quotes\":[],\"bars\":[]}]");
    cr_expect_eq(sess.state, SW_SESS_STREAMING);
    cr_assert_eq(n_sent, 3, "the statuses once the trades are granted");
    cr_expect_str_eq(sent[2], "{\"action\":\"subscribe\",\"statuses\":[\"NVDA\",\"AMD\"],\"lulds\":[\"NVDA\",\"AMD\"]}");
    cr_expect_eq(sess.status_state, SW_STATUS_PENDING);
    msg("[{\"T\":\"subscription\",\"trades\":[\"NVDA\",\"AMD\"],\"statuses\":[\"*\"],\"lulds\":[\"NVDA\"]}]");
    cr_expect_eq(sess.status_state, SW_STATUS_ON);
    expect_note(SW_ACT_NONE, "granted statuses for 2 and LULD bands for 1 of 2 symbols");
    cr_expect_eq(n_sent, 3);
    /* A plan without them: refused once, the trades flow on, and the next
     * connection does not ask again. */
    sw_session_reset(&sess);
    sess.prov->on_open(&sess);
    cr_expect_eq(sess.status_state, SW_STATUS_NONE);
    msg("[{\"T\":\"success\",\"msg\":\"connected\"}]");
    msg("[{\"T\":\"success\",\"msg\":\"authenticated\"}]");
    msg("[{\"T\":\"subscription\",\"trades\":[\"NVDA\",\"AMD\"]}]");
    cr_assert_eq(n_sent, 6);
    msg("[{\"T\":\"error\",\"code\":409,\"msg\":\"insufficient subscription\"}]");
    expect_note(SW_ACT_NONE, "Alpaca refused the statuses and lulds channels (409 insufficient subscription)");
    cr_expect_eq(sess.status_state, SW_STATUS_REFUSED);
    sw_session_reset(&sess);
    sess.prov->on_open(&sess);
    msg("[{\"T\":\"success\",\"msg\":\"connected\"}]");
    msg("[{\"T\":\"success\",\"msg\":\"authenticated\"}]");
    msg("[{\"T\":\"subscription\",\"trades\":[\"NVDA\",\"AMD\"]}]");
    cr_expect_eq(n_sent, 8, "auth and trades only");
    /* The same code at another time is the plan refusing the trades. */
    msg("[{\"T\":\"error\",\"code\":409,\"msg\":\"insufficient subscription\"}]");
    expect_note(SW_ACT_BACKOFF_LONG, "the plan does not cover it");
}

Test(providers, alpaca_statuses_and_luld_bands)
{
    parse("alpaca", "[{\"T\":\"s\",\"S\":\"NVDA\",\"sc\":\"H\",\"sm\":\"Trading Halt\",\"rc\":\"LUDP\","
                    "\"rm\":\"Volatility Trading Pause\",\"t\":\"2025-01-27T14:30:00Z\",\"z\":\"C\"},"
                    "{\"T\":\"s\",\"S\":\"NVDA\",\"sc\":\"3\",\"sm\":\"Resume\",\"rc\":\"T12\",\"t\":\"2025-01-27T14:30:01Z\"},"
                    "{\"T\":\"s\",\"S\":\"AMD\",\"sc\":\"Q\",\"rc\":\"LUDP\",\"rm\":\"Volatility\\u0007Pause\","
                    "\"t\":\"2025-01-27T14:30:02Z\"},"
                    "{\"T\":\"l\",\"S\":\"NVDA\",\"u\":130.3,\"d\":\"106.6\",\"i\":\"B\",\"t\":\"2025-01-27T14:30:03Z\",\"z\":\"C\"},"
                    "{\"T\":\"s\",\"S\":\"NVDA\",\"t\":\"2025-01-27T14:30:00Z\"},"
                    "{\"T\":\"l\",\"S\":\"NVDA\",\"u\":-1,\"d\":1,\"t\":\"2025-01-27T14:30:00Z\"},"
                    "{\"T\":\"s\",\"S\":\"NVDA\",\"sc\":\"H\",\"t\":\"2025-01-27\"}]");
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 4u);
    cr_expect_eq(ticks[0].flags, (uint32_t)(SW_TICK_STATUS | SW_TICK_HALT));
    cr_expect_str_eq(ticks[0].status, "H");
    cr_expect_str_eq(ticks[0].reason, "LUDP");
    cr_expect_str_eq(ticks[0].reason_text, "Volatility Trading Pause");
    cr_expect_eq(ticks[0].ts_ns, T0_NS);
    cr_expect_eq(ticks[1].flags, (uint32_t)(SW_TICK_STATUS | SW_TICK_RESUME), "CTA 3: resume");
    cr_expect_str_eq(ticks[1].reason, "T12");
    cr_expect_null(ticks[1].reason_text);
    cr_expect_eq(ticks[2].flags, (uint32_t)SW_TICK_STATUS, "Q: quotes resume, trading does not yet");
    cr_expect_str_eq(ticks[2].reason_text, "Volatility?Pause", "the provider's words, one printable line");
    cr_expect_eq(ticks[3].flags, (uint32_t)SW_TICK_LULD);
    cr_expect_float_eq(ticks[3].limit_up, 130.3, 1e-12);
    cr_expect_float_eq(ticks[3].limit_down, 106.6, 1e-12);
    cr_expect_eq(res.n_bad, 3u);
    cr_expect_str_eq(res.why, "status without a status code \"sc\"");
    /* The same words are one string; the pool is bounded. */
    cr_expect_eq(sw_intern_text("Volatility Trading Pause"), ticks[0].reason_text);
    cr_expect_null(sw_intern_text(""));
    char w[16];
    const char *last = "";
    for (int i = 0; i < 100; i++) {
        snprintf(w, sizeof w, "reason %d", i);
        const char *p = sw_intern_text(w);
        if (p)
            last = p;
        else
            break;
    }
    cr_expect(strncmp(last, "reason ", 7) == 0);
    cr_expect_null(sw_intern_text("one more reason"), "the pool is full");
    cr_expect_eq(sw_intern_text("Volatility Trading Pause"), ticks[0].reason_text, "old words still found");
}

Test(providers, polygon_handshake_and_errors)
{
    open_session("polygon", "PK", NULL);
    cr_expect_eq(n_sent, 0);
    msg("[{\"ev\":\"status\",\"status\":\"connected\",\"message\":\"Connected Successfully\"}]");
    cr_assert_eq(n_sent, 1);
    cr_expect_str_eq(sent[0], "{\"action\":\"auth\",\"params\":\"PK\"}");
    msg("[{\"ev\":\"status\",\"status\":\"auth_success\",\"message\":\"authenticated\"}]");
    cr_assert_eq(n_sent, 2);
    cr_expect_str_eq(sent[1], "{\"action\":\"subscribe\",\"params\":\"T.NVDA,T.AMD\"}");
    cr_expect_eq(sess.state, SW_SESS_SUBSCRIBING);
    msg("[{\"ev\":\"status\",\"status\":\"success\",\"message\":\"subscribed to: T.NVDA\"},"
        "{\"ev\":\"status\",\"status\":\"success\",\"message\":\"subscribed to: T.AMD\"}]");
    cr_expect_eq(sess.state, SW_SESS_STREAMING);
    msg("[{\"ev\":\"status\",\"status\":\"auth_failed\",\"message\":\"authentication failed\"}]");
    expect_note(SW_ACT_BACKOFF_LONG, "Polygon refused the API key");
    msg("[{\"ev\":\"status\",\"status\":\"max_connections\",\"message\":\"Maximum number of connections\"}]");
    expect_note(SW_ACT_BACKOFF_LONG, "connection limit");
    msg("[{\"ev\":\"status\",\"status\":\"error\",\"message\":\"bad params\"}]");
    expect_note(SW_ACT_NONE, "Polygon error: bad params");
}

Test(providers, polygon_trades)
{
    parse("polygon", "[{\"ev\":\"T\",\"sym\":\"NVDA\",\"x\":4,\"i\":\"52983525029461\",\"z\":3,\"p\":118.42,"
                     "\"s\":100,\"c\":[12,37],\"t\":1737988200588,\"q\":1234},"
                     "{\"ev\":\"Q\",\"sym\":\"NVDA\"},"
                     "{\"ev\":\"T\",\"sym\":\"AMD\",\"p\":122.5,\"t\":\"1737988200588\"}]");
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 1u);
    cr_expect_eq(ticks[0].ts_ns, T0_NS + 588000000);
    cr_expect_eq(res.n_bad, 1u);
    cr_expect(strstr(res.why, "numeric time"), "%s", res.why);
    parse("polygon", "{\"ev\":\"status\",\"status\":\"connected\"}");
    cr_expect_eq(res.kind, SW_MSG_CONTROL, "a lone object is read as an array of one");
    parse("polygon", "[{\"no\":\"ev\"}]");
    cr_expect_eq(res.kind, SW_MSG_BAD);
}

/* ---- coinbase ------------------------------------------------------------- */

Test(providers, polygon_luld_events)
{
    open_session("polygon", "PK", NULL);
    sess.want_status = 1;
    msg("[{\"ev\":\"status\",\"status\":\"connected\",\"message\":\"Connected Successfully\"}]");
    msg("[{\"ev\":\"status\",\"status\":\"auth_success\",\"message\":\"authenticated\"}]");
    cr_assert_eq(n_sent, 2);
    cr_expect_str_eq(sent[1], "{\"action\":\"subscribe\",\"params\":\"T.NVDA,T.AMD,LULD.NVDA,LULD.AMD\"}");
    /* The documentation's example (its time in microseconds), a halt and a
     * resumption with and without bands, and the wrong ones. */
    parse("polygon", "[{\"ev\":\"LULD\",\"T\":\"MSFT\",\"h\":218.96,\"l\":198.11,\"i\":[21],\"z\":3,"
                     "\"t\":1601316752683746,\"q\":290317},"
                     "{\"ev\":\"LULD\",\"T\":\"NVDA\",\"h\":0,\"l\":0,\"i\":[17],\"z\":3,\"t\":1737988200000},"
                     "{\"ev\":\"LULD\",\"T\":\"NVDA\",\"h\":125.5,\"l\":113.5,\"i\":[18],\"t\":1737988500000000000},"
                     "{\"ev\":\"LULD\",\"T\":\"NVDA\",\"t\":1737988200},"
                     "{\"ev\":\"LULD\",\"T\":\"NVDA\",\"h\":\"x\",\"t\":1737988200000},"
                     "{\"ev\":\"LULD\",\"T\":\"NVDA\",\"i\":17,\"t\":1737988200000},"
                     "{\"ev\":\"LULD\",\"h\":1,\"t\":1737988200000}]");
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 4u);
    cr_expect_eq(ticks[0].flags, (uint32_t)SW_TICK_LULD);
    cr_expect_str_eq(ticks[0].symbol, "MSFT");
    cr_expect_eq(ticks[0].ts_ns, INT64_C(1601316752683746000));
    cr_expect_eq(ticks[0].limit_up, 218.96);
    cr_expect_eq(ticks[0].limit_down, 198.11);
    cr_expect_eq(ticks[1].flags, (uint32_t)(SW_TICK_STATUS | SW_TICK_HALT), "17 without bands: the halt alone");
    cr_expect_str_eq(ticks[1].status, "17");
    cr_expect_eq(ticks[1].ts_ns, T0_NS);
    cr_expect_eq(ticks[2].flags, (uint32_t)(SW_TICK_STATUS | SW_TICK_RESUME));
    cr_expect_eq(ticks[2].ts_ns, T0_NS + 300 * SW_NS_PER_SEC, "nanoseconds too");
    cr_expect_eq(ticks[3].flags, (uint32_t)SW_TICK_LULD, "and its bands");
    cr_expect_eq(ticks[3].limit_up, 125.5);
    cr_expect_eq(res.n_bad, 4u);
    cr_expect_str_eq(res.why, "LULD without a time \"t\" in ms, us or ns since the epoch");
}

Test(providers, coinbase_subscribes_at_once_and_tracks_sequences)
{
    open_session("coinbase", NULL, NULL);
    cr_assert_eq(n_sent, 1, "the subscription goes out on open (5 s rule)");
    cr_expect_str_eq(sent[0], "{\"type\":\"subscribe\",\"product_ids\":[\"NVDA\",\"AMD\"],\"channels\":[\"ticker\"]}");
    cr_expect_eq(sess.state, SW_SESS_SUBSCRIBING);
    msg("{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"ticker\",\"product_ids\":[\"NVDA\",\"AMD\"]}]}");
    cr_expect_eq(sess.state, SW_SESS_STREAMING);
    const char *fmt = "{\"type\":\"ticker\",\"sequence\":%d,\"product_id\":\"NVDA\",\"price\":\"118.42\","
                      "\"last_size\":\"0.5\",\"time\":\"2025-01-27T14:30:00.000001Z\"}";
    char m[400];
    snprintf(m, sizeof m, fmt, 10);
    msg(m);
    cr_assert_eq(res.n_ticks, 1u);
    cr_expect_eq(ticks[0].ts_ns, T0_NS + 1000);
    cr_expect_float_eq(ticks[0].size, 0.5, 0);
    snprintf(m, sizeof m, fmt, 11);
    msg(m);
    cr_expect_eq(sess.seq_gaps, 0u);
    snprintf(m, sizeof m, fmt, 15);
    msg(m);
    cr_expect_eq(res.n_ticks, 1u, "a gap keeps the tick");
    cr_expect_eq(sess.seq_gaps, 1u);
    expect_note(SW_ACT_NONE, "Coinbase sequence gap on NVDA: 3 message(s) missed");
    snprintf(m, sizeof m, fmt, 14);
    msg(m);
    cr_expect_eq(res.kind, SW_MSG_TRADES);
    cr_expect_eq(res.n_ticks, 0u, "an older sequence number is a stale duplicate");
    cr_expect_eq(res.n_bad, 0u);
    cr_expect_eq(sess.seq_stale, 1u);
    msg("{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":\"FOO is not a valid product\"}");
    expect_note(SW_ACT_BACKOFF_LONG, "Coinbase error: Failed to subscribe: FOO is not a valid product");
}

Test(providers, coinbase_prices_are_strings)
{
    const char *fmt = "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\",\"price\":%s,\"time\":\"2025-01-27T14:30:00Z\"}";
    const char *good[] = { "\"101000.25\"", "101000.25", "\"1e5\"" };
    const char *bad[] = { "\" 1\"", "\"nan\"", "\"inf\"", "\"0x10\"", "\"12abc\"", "\"0\"", "\"-3\"", "null", "\"\"" };
    char m[300];
    for (size_t i = 0; i < 3; i++) {
        snprintf(m, sizeof m, fmt, good[i]);
        parse("coinbase", m);
        cr_expect_eq(res.n_ticks, 1u, "%s", good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(m, sizeof m, fmt, bad[i]);
        parse("coinbase", m);
        cr_expect_eq(res.n_ticks, 0u, "%s accepted", bad[i]);
        cr_expect_eq(res.n_bad, 1u, "%s", bad[i]);
    }
    parse("coinbase", "{\"type\":\"heartbeat\"}");
    cr_expect_eq(res.kind, SW_MSG_CONTROL);
    parse("coinbase", "[]");
    cr_expect_eq(res.kind, SW_MSG_BAD);
}

/* ---- binance --------------------------------------------------------------- */

Test(providers, binance_streams_in_the_url)
{
    open_session("binance", NULL, NULL);
    cr_expect_eq(n_sent, 0, "nothing to send: the URL names the streams");
    cr_expect_eq(sess.state, SW_SESS_STREAMING);
    char url[256];
    cr_assert_eq(sess.prov->build_url(&sess, "wss://stream.binance.com:9443", url, sizeof url), 0);
    cr_expect_str_eq(url, "wss://stream.binance.com:9443/stream?streams=nvda@trade/amd@trade");
    cr_assert_eq(sess.prov->build_url(&sess, "ws://127.0.0.1:9/stream/", url, sizeof url), 0);
    cr_expect_str_eq(url, "ws://127.0.0.1:9/stream?streams=nvda@trade/amd@trade");
    sw_session_free(&sess);
    const char *const odd[] = { "BRK.B" };
    cr_assert_eq(sw_session_init(&sess, sw_provider_find("binance"), odd, 1, NULL, NULL, capture, NULL), 0);
    cr_expect_eq(sess.prov->build_url(&sess, "wss://x", url, sizeof url), -1, "not a Binance stream name");
}

Test(providers, binance_messages)
{
    parse("binance", "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1737988200590,\"s\":\"BTCUSDT\","
                     "\"t\":12345,\"p\":\"101000.25\",\"q\":\"0.0125\",\"T\":1737988200588,\"m\":true,\"M\":true}}");
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 1u);
    cr_expect_str_eq(ticks[0].symbol, "BTCUSDT");
    cr_expect_eq(ticks[0].ts_ns, T0_NS + 588000000, "T is the trade time, t the trade id");
    cr_expect_float_eq(ticks[0].price, 101000.25, 0);
    cr_expect_float_eq(ticks[0].size, 0.0125, 0);
    cr_expect_eq(ticks[0].flags, SW_TICK_ALWAYS_OPEN, "a market that never closes");
    parse("binance", "{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"p\":\"3000\",\"q\":\"1\",\"T\":1737988200000}");
    cr_expect_eq(res.n_ticks, 1u, "a raw stream without the wrapper");
    parse("binance", "{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"p\":\"3000\",\"q\":\"1\",\"t\":1737988200000}");
    cr_expect_eq(res.n_ticks, 0u);
    cr_expect_eq(res.n_bad, 1u, "no trade time T");
    parse("binance", "{\"result\":null,\"id\":1}");
    cr_expect_eq(res.kind, SW_MSG_CONTROL);
    parse("binance", "{\"stream\":\"x@depth\",\"data\":{\"e\":\"depthUpdate\"}}");
    cr_expect_eq(res.kind, SW_MSG_CONTROL);
    parse("binance", "{\"hello\":1}");
    cr_expect_eq(res.kind, SW_MSG_BAD);
    open_session("binance", NULL, NULL);
    msg("{\"code\":2,\"msg\":\"Invalid request\"}");
    cr_expect_eq(res.kind, SW_MSG_CONTROL);
    expect_note(SW_ACT_NONE, "Binance error 2: Invalid request");
}

/* ---- shock-feed's encoding read back by the adapters ----------------------- */

Test(providers, emulated_messages_round_trip_exactly)
{
    const char *names[] = { "finnhub", "alpaca", "polygon", "coinbase", "binance" };
    sw_emu_trade t[3];
    memset(t, 0, sizeof t);
    const char *sym[] = { "NVDA", "BTCUSD", "SMCI" };
    const double price[] = { 118.42, 101000.25, 0.00001234 };
    const double size[] = { 100, 0.0125, 0 };
    for (int i = 0; i < 3; i++) {
        snprintf(t[i].tick.symbol, sizeof t[i].tick.symbol, "%s", sym[i]);
        t[i].tick.price = price[i];
        t[i].tick.size = size[i];
        t[i].tick.ts_ns = T0_NS + (int64_t)i * 1001000000; /* whole milliseconds */
        t[i].tick.flags = size[i] == 0 ? SW_TICK_PRICE_ONLY : 0;
        t[i].id = 100 + (uint64_t)i;
        t[i].seq = 7 + i;
    }
    char buf[8192];
    for (int p = 0; p < 5; p++) {
        const sw_emu *e = sw_emu_find(names[p]);
        size_t per = e->batches ? 3 : 1;
        for (size_t first = 0; first < 3; first += per) {
            int len = sw_emu_encode(e, &t[first], per, buf, sizeof buf);
            cr_assert_gt(len, 0, "%s", names[p]);
            cr_assert_lt((size_t)len, sw_emu_max_message(per));
            parse(names[p], buf);
            cr_assert_eq(res.kind, SW_MSG_TRADES, "%s: %s", names[p], buf);
            cr_assert_eq(res.n_ticks, per, "%s: %s (%s)", names[p], buf, res.why ? res.why : "");
            for (size_t i = 0; i < per; i++) {
                const sw_tick *want = &t[first + i].tick;
                cr_expect_str_eq(ticks[i].symbol, want->symbol, "%s", names[p]);
                cr_expect(ticks[i].price == want->price, "%s: price %.17g != %.17g", names[p], ticks[i].price,
                          want->price);
                cr_expect(ticks[i].size == want->size, "%s: size %.17g", names[p], ticks[i].size);
                cr_expect_eq(ticks[i].ts_ns, want->ts_ns, "%s", names[p]);
                /* A crypto feed's trades also say their market never closes. */
                uint32_t flags = want->flags | (sw_provider_find(names[p])->flags & SW_PROV_24X7 ? SW_TICK_ALWAYS_OPEN : 0);
                cr_expect_eq(ticks[i].flags, flags, "%s", names[p]);
            }
        }
    }
}

Test(providers, number_and_time_formats)
{
    char b[64];
    cr_expect_str_eq(sw_emu_format_number(118.42, b, sizeof b), "118.42");
    cr_expect_str_eq(sw_emu_format_number(0.00001234, b, sizeof b), "0.00001234");
    cr_expect_str_eq(sw_emu_format_number(100, b, sizeof b), "100");
    cr_expect_str_eq(sw_emu_format_time(T0_NS + 588123456, 9, b, sizeof b), "2025-01-27T14:30:00.588123456Z");
    cr_expect_str_eq(sw_emu_format_time(T0_NS + 588123456, 6, b, sizeof b), "2025-01-27T14:30:00.588123Z");
}
