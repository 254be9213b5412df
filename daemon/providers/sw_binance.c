/*
 * sw_binance.c -- Binance's trade streams to ticks.
 *
 * The streams are named in the URL, so there is no subscribe message: we
 * connect to the combined endpoint /stream?streams=btcusdt@trade/ethusdt@trade
 * (stream names are the lower-cased symbols) and every message is wrapped:
 *   {"stream":"btcusdt@trade","data":{"e":"trade","E":1737988200590,"s":"BTCUSDT",
 *    "t":12345,"p":"101000.25","q":"0.0125","T":1737988200588,"m":true,"M":true}}
 * A raw stream (/ws/btcusdt@trade) sends the inner object alone; both are
 * accepted.  "T" is the trade time in epoch milliseconds ("t" is the trade
 * id!), prices and quantities are decimal strings.  Binance pings every few
 * minutes (libwebsockets answers with pongs) and ends every connection after
 * 24 hours: that disconnect is expected and simply reconnected.
 * {"result":null,"id":1} replies and other event types are control messages;
 * {"code":2,"msg":"..."} is an error, logged.
 */
#include "sw_fastjson.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_provider.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const sw_trade_spec binance_trade = {
    "s", "trade without symbol \"s\"",
    "p", "trade without a positive price \"p\"",
    "q", "quantity \"q\" not a non-negative number",
    "T", "trade without numeric trade time \"T\"",
    SW_TRADE_TIME_EPOCH_MS, NULL,
    SW_NO_CONDITIONS, /* crypto trades have no sale conditions */
    SW_TICK_ALWAYS_OPEN, /* and no session: the market never closes */
};

static int fill_trade(const cJSON *o, sw_tick *t, const char **why)
{
    return sw_fill_trade(o, &binance_trade, t, why);
}

/* The fast path (sw_provider.h): a good trade event, raw or combined; 1 if
 * it filled r, 0 for the cJSON path. */
static int fast_trade(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r)
{
    sw_fj m;
    if (!sw_fast_path_enabled() || cap == 0 || sw_fj_parse(&m, msg, len) != 0 || !sw_fj_is(&m, 0, SW_FJ_OBJECT))
        return 0;
    int data = SW_FJ_GET(&m, 0, "data");
    int ev = sw_fj_is(&m, data, SW_FJ_OBJECT) ? data : 0;
    if (!SW_FJ_STR_EQ(&m, SW_FJ_GET(&m, ev, "e"), "trade") || sw_fill_trade_fj(&m, ev, &binance_trade, &ticks[0]) != 0)
        return 0;
    return sw_fast_answer(r, 1);
}

static void binance_message(sw_session *s, const char *msg, size_t len, sw_tick *ticks, size_t cap,
                            sw_parse_result *r)
{
    if (fast_trade(msg, len, ticks, cap, r))
        return;
    memset(r, 0, sizeof *r);
    size_t mark = sw_jsonarena_mark();
    cJSON *root = sw_json_parse_one(msg, len);
    if (!root) {
        sw_jsonarena_release(mark);
        r->kind = SW_MSG_BAD;
        r->why = "malformed JSON";
        return;
    }
    if (!cJSON_IsObject(root)) {
        r->kind = SW_MSG_BAD;
        r->why = "not a Binance message (an object)";
        goto out;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    const cJSON *ev = cJSON_IsObject(data) ? data : root;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(ev, "e");
    if (cJSON_IsString(e) && strcmp(e->valuestring, "trade") == 0) {
        r->kind = SW_MSG_TRADES;
        sw_result_add_trade(r, ev, ticks, cap, fill_trade);
        goto out;
    }
    if (cJSON_IsString(e) || cJSON_HasObjectItem(root, "result") || cJSON_HasObjectItem(root, "id")) {
        r->kind = SW_MSG_CONTROL;
        goto out;
    }
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "code");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "msg");
    if (cJSON_IsNumber(code) || cJSON_IsString(m)) {
        r->kind = SW_MSG_CONTROL;
        sw_session_note(s, SW_LOG_WARNING, SW_ACT_NONE, "Binance error %d: %s",
                        cJSON_IsNumber(code) ? code->valueint : 0, cJSON_IsString(m) ? m->valuestring : "");
        goto out;
    }
    r->kind = SW_MSG_BAD;
    r->why = "not a Binance message (no event type \"e\")";
out:
    cJSON_Delete(root);
    sw_jsonarena_release(mark);
}

void sw_binance_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r)
{
    binance_message(NULL, msg, len, ticks, cap, r);
}

/* base + "/stream?streams=nvda@trade/amd@trade"; a base that already ends in
 * /stream gets only the query. */
static int binance_url(const sw_session *s, const char *base, char *out, size_t cap)
{
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    int has_stream = n >= 7 && strncmp(base + n - 7, "/stream", 7) == 0;
    if ((size_t)snprintf(out, cap, "%.*s%s?streams=", (int)n, base, has_stream ? "" : "/stream") >= cap)
        return -1;
    size_t o = strlen(out);
    for (size_t i = 0; i < s->n_symbols; i++) {
        const char *sym = s->symbols[i];
        if (o + strlen(sym) + 8 >= cap)
            return -1;
        if (i)
            out[o++] = '/';
        for (const char *c = sym; *c; c++) {
            if (!isalnum((unsigned char)*c))
                return -1; /* Binance symbols are letters and digits: BTCUSDT */
            out[o++] = (char)tolower((unsigned char)*c);
        }
        memcpy(out + o, "@trade", 6);
        o += 6;
    }
    out[o] = '\0';
    return 0;
}

static void binance_open(sw_session *s)
{
    /* The URL named the streams: data flows at once. */
    s->state = SW_SESS_STREAMING;
}

const sw_provider sw_binance_provider = {
    .name = "binance",
    .default_url = "wss://stream.binance.com:9443",
    .parse = sw_binance_parse,
    .flags = SW_PROV_24X7,
    .max_connection_ns = INT64_C(86400) * 1000000000,
    .build_url = binance_url,
    .on_open = binance_open,
    .on_message = binance_message,
};
