/*
 * test_finnhub.c -- daemon/providers/sw_finnhub + sw_provider: Finnhub WebSocket
 * messages to ticks.
 *
 * Finnhub's "t" is epoch milliseconds; 1737988200000 is 2025-01-27 14:30:00 UTC
 * (day 20115 * 86400 + 52200 s), so ts_ns = t * 1e6.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "sw_jsonarena.h"
#include "sw_provider.h"

#define T0_MS INT64_C(1737988200000)
#define MS(x) ((int64_t)(x) * 1000000)

static sw_tick ticks[16];
static sw_parse_result res;

static void parse_cap(const char *msg, size_t cap)
{
    memset(ticks, 0x5a, sizeof ticks); /* poison: anything not written shows */
    memset(&res, 0x5a, sizeof res);
    sw_finnhub_parse(msg, strlen(msg), ticks, cap, &res);
}

static void parse(const char *msg)
{
    parse_cap(msg, 16);
}

/* A message with one trade whose fields are `trade` (JSON object text). */
static void parse_one(const char *trade)
{
    static char msg[512];
    snprintf(msg, sizeof msg, "{\"type\":\"trade\",\"data\":[%s]}", trade);
    parse(msg);
}

static void expect_one_bad(const char *trade, const char *why)
{
    parse_one(trade);
    cr_assert_eq(res.kind, SW_MSG_TRADES, "%s", trade);
    cr_assert_eq(res.n_ticks, 0u, "%s accepted", trade);
    cr_assert_eq(res.n_bad, 1u, "%s", trade);
    cr_assert_not_null(res.why);
    cr_assert_not_null(strstr(res.why, why), "%s: \"%s\" lacks \"%s\"", trade, res.why, why);
}

Test(finnhub, provider_registry)
{
    const sw_provider *p = sw_provider_find("finnhub");
    cr_assert_not_null(p);
    cr_assert_str_eq(p->name, "finnhub");
    cr_assert(p->parse == sw_finnhub_parse);
    cr_assert_not_null(strstr(p->default_url, "finnhub.io"));
    cr_assert_null(sw_provider_find("bloomberg")); /* polygon & co. are adapters now */
    cr_assert_null(sw_provider_find("Finnhub"));
    cr_assert_null(sw_provider_find(""));
}

Test(finnhub, batch_of_three)
{
    parse("{\"type\":\"trade\",\"data\":["
          "{\"s\":\"NVDA\",\"p\":118.42,\"t\":1737988200000,\"v\":100,\"c\":[\"1\",\"12\"]},"
          "{\"s\":\"AAPL\",\"p\":229.5,\"t\":1737988200500,\"v\":5},"
          "{\"s\":\"BINANCE:BTCUSDT\",\"p\":101000.25,\"t\":1737988201001,\"v\":0.0125}]}");
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 3u);
    cr_assert_eq(res.n_bad, 0u);
    cr_assert_null(res.why);
    cr_assert_str_eq(ticks[0].symbol, "NVDA");
    cr_assert_eq(ticks[0].price, 118.42);
    cr_assert_eq(ticks[0].size, 100.0);
    cr_assert_eq(ticks[0].ts_ns, MS(T0_MS));
    cr_assert_eq(ticks[0].flags, 0u);
    cr_assert_str_eq(ticks[1].symbol, "AAPL");
    cr_assert_eq(ticks[1].price, 229.5);
    cr_assert_eq(ticks[1].size, 5.0);
    cr_assert_eq(ticks[1].ts_ns, MS(T0_MS + 500));
    cr_assert_str_eq(ticks[2].symbol, "BINANCE:BTCUSDT");
    cr_assert_eq(ticks[2].price, 101000.25);
    cr_assert_eq(ticks[2].size, 0.0125);
    cr_assert_eq(ticks[2].ts_ns, MS(T0_MS + 1001));
    cr_assert_eq(ticks[2].flags, 0u);
}

Test(finnhub, control_messages)
{
    parse("{\"type\":\"ping\"}");
    cr_assert_eq(res.kind, SW_MSG_CONTROL);
    cr_assert_eq(res.n_ticks, 0u);
    cr_assert_eq(res.n_bad, 0u);
    parse("{\"type\":\"error\",\"msg\":\"Invalid API key\"}");
    cr_assert_eq(res.kind, SW_MSG_CONTROL);
    cr_assert_eq(res.n_ticks, 0u);
    parse("  {\"type\":\"ping\"}\r\n"); /* surrounding whitespace is fine */
    cr_assert_eq(res.kind, SW_MSG_CONTROL);
}

Test(finnhub, malformed)
{
    parse("{\"type\":\"trade\",\"data\":[");
    cr_assert_eq(res.kind, SW_MSG_BAD);
    cr_assert_str_eq(res.why, "malformed JSON");
    cr_assert_eq(res.n_ticks, 0u);
    parse("");
    cr_assert_eq(res.kind, SW_MSG_BAD);
    parse("not json");
    cr_assert_eq(res.kind, SW_MSG_BAD);
    cr_assert_str_eq(res.why, "malformed JSON");
    /* Two messages run together (a torn recording) or trailing junk: the text
     * is not one JSON value, so it is not silently cut to the first. */
    parse("{\"type\":\"ping\"}{\"type\":\"trade\",\"data\":[]}");
    cr_assert_eq(res.kind, SW_MSG_BAD);
    cr_assert_str_eq(res.why, "malformed JSON");
    parse("{\"type\":\"ping\"} x");
    cr_assert_eq(res.kind, SW_MSG_BAD);
    /* Valid JSON, but not a Finnhub message. */
    parse("[1,2,3]");
    cr_assert_eq(res.kind, SW_MSG_BAD);
    cr_assert_not_null(strstr(res.why, "type"));
    parse("{\"data\":[]}");
    cr_assert_eq(res.kind, SW_MSG_BAD);
    parse("{\"type\":42}");
    cr_assert_eq(res.kind, SW_MSG_BAD);
    parse("{\"type\":\"trade\"}");
    cr_assert_eq(res.kind, SW_MSG_BAD);
    cr_assert_not_null(strstr(res.why, "data"));
    parse("{\"type\":\"trade\",\"data\":{}}");
    cr_assert_eq(res.kind, SW_MSG_BAD);
}

Test(finnhub, honours_length)
{
    /* Only len bytes are the message: what follows in memory is not read. */
    const char *buf = "{\"type\":\"ping\"}GARBAGE";
    sw_finnhub_parse(buf, 15, ticks, 16, &res);
    cr_assert_eq(res.kind, SW_MSG_CONTROL);
    sw_finnhub_parse(buf, 14, ticks, 16, &res);
    cr_assert_eq(res.kind, SW_MSG_BAD);
}

Test(finnhub, bad_trades)
{
    expect_one_bad("{\"s\":\"NVDA\",\"p\":0,\"t\":1737988200000,\"v\":1}", "price");
    expect_one_bad("{\"s\":\"NVDA\",\"p\":-118.42,\"t\":1737988200000,\"v\":1}", "price");
    expect_one_bad("{\"s\":\"NVDA\",\"p\":\"118.42\",\"t\":1737988200000,\"v\":1}", "numeric price");
    expect_one_bad("{\"s\":\"NVDA\",\"t\":1737988200000,\"v\":1}", "numeric price");
    expect_one_bad("{\"s\":\"NVDA\",\"p\":1e999,\"t\":1737988200000,\"v\":1}", "price");
    expect_one_bad("{\"p\":118.42,\"t\":1737988200000,\"v\":1}", "symbol");
    expect_one_bad("{\"s\":\"\",\"p\":118.42,\"t\":1737988200000,\"v\":1}", "symbol");
    expect_one_bad("{\"s\":7,\"p\":118.42,\"t\":1737988200000,\"v\":1}", "symbol");
    /* 24 characters do not fit SW_SYMBOL_MAX (24 with the NUL). */
    expect_one_bad("{\"s\":\"ABCDEFGHIJKLMNOPQRSTUVWX\",\"p\":1,\"t\":1737988200000,\"v\":1}",
                   "symbol too long");
    /* Seconds instead of milliseconds: 1737988200 ms is 1970-01-21, before 1990. */
    expect_one_bad("{\"s\":\"NVDA\",\"p\":118.42,\"t\":1737988200,\"v\":1}", "absurd timestamp");
    /* Nanoseconds instead of milliseconds: far after 2100. */
    expect_one_bad("{\"s\":\"NVDA\",\"p\":118.42,\"t\":1737988200000000000,\"v\":1}", "absurd timestamp");
    expect_one_bad("{\"s\":\"NVDA\",\"p\":118.42,\"t\":\"1737988200000\",\"v\":1}", "time");
    expect_one_bad("{\"s\":\"NVDA\",\"p\":118.42,\"v\":1}", "time");
    expect_one_bad("{\"s\":\"NVDA\",\"p\":118.42,\"t\":1737988200000,\"v\":-1}", "volume");
    expect_one_bad("{\"s\":\"NVDA\",\"p\":118.42,\"t\":1737988200000,\"v\":\"100\"}", "volume");
    expect_one_bad("[\"NVDA\",118.42]", "not an object");
}

Test(finnhub, symbol_at_the_limit)
{
    /* 23 characters plus the NUL fill SW_SYMBOL_MAX exactly. */
    parse_one("{\"s\":\"ABCDEFGHIJKLMNOPQRSTUVW\",\"p\":1.5,\"t\":1737988200000,\"v\":1}");
    cr_assert_eq(res.n_ticks, 1u);
    cr_assert_str_eq(ticks[0].symbol, "ABCDEFGHIJKLMNOPQRSTUVW");
}

Test(finnhub, zero_volume_is_price_only)
{
    parse_one("{\"s\":\"NVDA\",\"p\":118.42,\"t\":1737988200000,\"v\":0}");
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 1u);
    cr_assert_eq(res.n_bad, 0u);
    cr_assert_eq(ticks[0].size, 0.0);
    cr_assert_eq(ticks[0].flags, (uint32_t)SW_TICK_PRICE_ONLY);
    cr_assert_eq(ticks[0].price, 118.42);
    /* No "v" at all: a price too. */
    parse_one("{\"s\":\"NVDA\",\"p\":118.43,\"t\":1737988200001}");
    cr_assert_eq(res.n_ticks, 1u);
    cr_assert_eq(ticks[0].flags, (uint32_t)SW_TICK_PRICE_ONLY);
    cr_assert_eq(ticks[0].ts_ns, MS(T0_MS + 1));
}

Test(finnhub, one_bad_trade_in_a_batch)
{
    parse("{\"type\":\"trade\",\"data\":["
          "{\"s\":\"NVDA\",\"p\":118.42,\"t\":1737988200000,\"v\":100},"
          "{\"s\":\"AMD\",\"p\":0,\"t\":1737988200100,\"v\":10},"
          "{\"s\":\"AAPL\",\"p\":229.5,\"t\":1737988200200,\"v\":5}]}");
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 2u);
    cr_assert_eq(res.n_bad, 1u);
    cr_assert_not_null(strstr(res.why, "price"));
    /* The good ones keep their order and are packed together. */
    cr_assert_str_eq(ticks[0].symbol, "NVDA");
    cr_assert_eq(ticks[0].ts_ns, MS(T0_MS));
    cr_assert_str_eq(ticks[1].symbol, "AAPL");
    cr_assert_eq(ticks[1].ts_ns, MS(T0_MS + 200));
    cr_assert_eq(ticks[1].price, 229.5);
}

Test(finnhub, why_names_the_first_dropped_trade)
{
    parse("{\"type\":\"trade\",\"data\":["
          "{\"s\":\"NVDA\",\"p\":118.42,\"t\":1737988200},"
          "{\"p\":1,\"t\":1737988200000}]}");
    cr_assert_eq(res.n_ticks, 0u);
    cr_assert_eq(res.n_bad, 2u);
    cr_assert_not_null(strstr(res.why, "absurd"));
}

Test(finnhub, more_trades_than_cap)
{
    const char *msg = "{\"type\":\"trade\",\"data\":["
                      "{\"s\":\"A\",\"p\":1,\"t\":1737988200000,\"v\":1},"
                      "{\"s\":\"B\",\"p\":2,\"t\":1737988200001,\"v\":1},"
                      "{\"s\":\"C\",\"p\":3,\"t\":1737988200002,\"v\":1},"
                      "{\"s\":\"D\",\"p\":4,\"t\":1737988200003,\"v\":1},"
                      "{\"s\":\"E\",\"p\":5,\"t\":1737988200004,\"v\":1}]}";
    parse_cap(msg, 3);
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 3u);
    cr_assert_eq(res.n_bad, 2u);
    cr_assert_not_null(strstr(res.why, "too many"));
    cr_assert_str_eq(ticks[0].symbol, "A");
    cr_assert_str_eq(ticks[2].symbol, "C");
    /* Nothing was written past cap. */
    sw_tick poison;
    memset(&poison, 0x5a, sizeof poison);
    cr_assert_eq(memcmp(&ticks[3], &poison, sizeof poison), 0);
    /* A bad trade before the cut is still the one named. */
    parse_cap("{\"type\":\"trade\",\"data\":["
              "{\"s\":\"A\",\"p\":-1,\"t\":1737988200000,\"v\":1},"
              "{\"s\":\"B\",\"p\":2,\"t\":1737988200001,\"v\":1},"
              "{\"s\":\"C\",\"p\":3,\"t\":1737988200002,\"v\":1}]}", 1);
    cr_assert_eq(res.n_ticks, 1u);
    cr_assert_eq(res.n_bad, 2u);
    cr_assert_str_eq(ticks[0].symbol, "B");
    cr_assert_not_null(strstr(res.why, "price"));
    /* cap 0: everything is cut, nothing written. */
    parse_cap(msg, 0);
    cr_assert_eq(res.n_ticks, 0u);
    cr_assert_eq(res.n_bad, 5u);
}

Test(finnhub, empty_batch)
{
    parse("{\"type\":\"trade\",\"data\":[]}");
    cr_assert_eq(res.kind, SW_MSG_TRADES);
    cr_assert_eq(res.n_ticks, 0u);
    cr_assert_eq(res.n_bad, 0u);
}

/* The daemon parses with cJSON on the bump arena (sw_jsonarena): every parse,
 * good, malformed or cut, must give back all it took, and results must not
 * depend on the allocator. */
Test(finnhub, arena_is_released_after_every_parse)
{
    cr_assert_eq(sw_jsonarena_install(), 0);
    static const char *const msgs[] = {
        "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":118.42,\"t\":1737988200000,\"v\":100},"
        "{\"s\":\"AMD\",\"p\":0,\"t\":1737988200100,\"v\":10}]}",
        "{\"type\":\"ping\"}",
        "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\"",
        "{\"type\":\"ping\"}{\"type\":\"ping\"}",
        "[1,2]",
    };
    static const sw_msg_kind kinds[] = { SW_MSG_TRADES, SW_MSG_CONTROL, SW_MSG_BAD, SW_MSG_BAD, SW_MSG_BAD };
    size_t base = sw_jsonarena_mark();
    for (int round = 0; round < 1000; round++) {
        for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
            parse(msgs[i]);
            cr_assert_eq(res.kind, kinds[i], "message %zu", i);
            cr_assert_eq(sw_jsonarena_mark(), base, "message %zu kept arena space", i);
        }
        cr_assert_eq(res.kind, SW_MSG_BAD);
    }
    parse(msgs[0]);
    cr_assert_eq(res.n_ticks, 1u);
    cr_assert_eq(res.n_bad, 1u);
    cr_assert_str_eq(ticks[0].symbol, "NVDA");
    sw_jsonarena_uninstall();
}
