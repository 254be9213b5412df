/*
 * sw_coinbase.c -- Coinbase Exchange's WebSocket feed (ticker channel) to
 * ticks, and its subscribe rule.
 *
 * Coinbase closes a connection that has not subscribed within 5 seconds, so
 * the subscription goes out as soon as the socket opens:
 *   {"type":"subscribe","product_ids":["BTC-USD",...],"channels":["ticker"]}
 *   {"type":"subscriptions","channels":[{"name":"ticker","product_ids":[...]}]}
 *   {"type":"ticker","sequence":37475248783,"product_id":"BTC-USD",
 *    "price":"101000.25","last_size":"0.0125","time":"2025-01-27T14:30:00.588123Z",...}
 *   {"type":"error","message":"Failed to subscribe","reason":"FOO-USD is not a valid product"}
 * Prices and sizes are decimal strings.  "sequence" increases per product:
 * a jump forward means messages were lost (counted and logged as a sequence
 * gap, the tick is kept); a repeated or older number is a stale duplicate
 * (counted, the tick dropped).  The public ticker channel needs no key.
 * An error from Coinbase is nearly always a configuration problem (unknown
 * product, missing authentication): long backoff.
 */
#include "sw_fastjson.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_provider.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* Sequence gaps logged one by one; later ones are only counted. */
#define GAPS_LOGGED 10

static const sw_trade_spec coinbase_ticker = {
    "product_id", "ticker without \"product_id\"",
    "price", "ticker without a positive \"price\"",
    "last_size", "\"last_size\" not a non-negative number",
    "time", "ticker without \"time\"",
    SW_TRADE_TIME_RFC3339, "\"time\" not an ISO-8601 timestamp with zone",
    SW_NO_CONDITIONS, /* crypto trades have no sale conditions */
    SW_TICK_ALWAYS_OPEN, /* and no session: the market never closes */
};

static int fill_tick(const cJSON *o, sw_tick *t, const char **why)
{
    return sw_fill_trade(o, &coinbase_ticker, t, why);
}

/* Returns 1 to keep the tick, 0 to drop it as a stale duplicate.  has_seq:
 * the ticker's "sequence" is a number, of value seq. */
static int check_sequence(sw_session *s, int has_seq, double seq, const char *product)
{
    int idx = sw_session_symbol_index(s, product);
    if (idx < 0 || !has_seq || !(seq >= 1) || seq > 9e15)
        return 1;
    int64_t n = (int64_t)seq;
    int64_t last = s->last_seq[idx];
    if (last && n <= last) {
        s->seq_stale++;
        return 0;
    }
    if (last && n > last + 1) {
        s->seq_gaps++;
        if (s->seq_gaps <= GAPS_LOGGED)
            sw_session_note(s, SW_LOG_WARNING, SW_ACT_NONE,
                            "Coinbase sequence gap on %s: %lld message(s) missed (%lld after %lld)%s", product,
                            (long long)(n - last - 1), (long long)n, (long long)last,
                            s->seq_gaps == GAPS_LOGGED ? "; further gaps are only counted" : "");
    }
    s->last_seq[idx] = n;
    return 1;
}

/* The fast path (sw_provider.h): a good ticker; 1 if it filled r, 0 for the
 * cJSON path. */
static int fast_ticker(sw_session *s, const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r)
{
    sw_fj m;
    if (!sw_fast_path_enabled() || cap == 0 || sw_fj_parse(&m, msg, len) != 0 || !sw_fj_is(&m, 0, SW_FJ_OBJECT) ||
        !SW_FJ_STR_EQ(&m, SW_FJ_GET(&m, 0, "type"), "ticker") ||
        sw_fill_trade_fj(&m, 0, &coinbase_ticker, &ticks[0]) != 0)
        return 0;
    int seq = SW_FJ_GET(&m, 0, "sequence");
    int has_seq = sw_fj_is(&m, seq, SW_FJ_NUMBER);
    /* A repeated or older sequence number drops the tick (check_sequence). */
    return sw_fast_answer(r, !s || check_sequence(s, has_seq, has_seq ? sw_fj_number(&m, seq) : 0, ticks[0].symbol));
}

static void coinbase_message(sw_session *s, const char *msg, size_t len, sw_tick *ticks, size_t cap,
                             sw_parse_result *r)
{
    if (fast_ticker(s, msg, len, ticks, cap, r))
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
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsObject(root) || !cJSON_IsString(type)) {
        r->kind = SW_MSG_BAD;
        r->why = "not a Coinbase message (no \"type\")";
        goto out;
    }
    if (strcmp(type->valuestring, "ticker") == 0) {
        r->kind = SW_MSG_TRADES;
        const char *why = NULL;
        if (cap == 0) {
            sw_result_bad_trade(r, "too many trades in one message");
        } else if (fill_tick(root, &ticks[0], &why) != 0) {
            sw_result_bad_trade(r, why);
        } else {
            const cJSON *seq = cJSON_GetObjectItemCaseSensitive(root, "sequence");
            if (!s || check_sequence(s, cJSON_IsNumber(seq), cJSON_IsNumber(seq) ? seq->valuedouble : 0,
                                     ticks[0].symbol))
                r->n_ticks = 1;
        }
        goto out;
    }
    r->kind = SW_MSG_CONTROL;
    if (!s)
        goto out;
    if (strcmp(type->valuestring, "subscriptions") == 0) {
        s->state = SW_SESS_STREAMING;
    } else if (strcmp(type->valuestring, "error") == 0) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "message");
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(root, "reason");
        sw_session_note(s, SW_LOG_ERROR, SW_ACT_BACKOFF_LONG, "Coinbase error: %s%s%s",
                        cJSON_IsString(m) ? m->valuestring : "(no message)", cJSON_IsString(why) ? ": " : "",
                        cJSON_IsString(why) ? why->valuestring : "");
    }
out:
    cJSON_Delete(root);
    sw_jsonarena_release(mark);
}

void sw_coinbase_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r)
{
    coinbase_message(NULL, msg, len, ticks, cap, r);
}

static void coinbase_open(sw_session *s)
{
    cJSON *m = cJSON_CreateObject();
    cJSON *ids = cJSON_CreateStringArray(s->symbols, (int)s->n_symbols);
    cJSON *chans = cJSON_CreateArray();
    cJSON *ticker = cJSON_CreateString("ticker");
    if (m && ids && chans && ticker && cJSON_AddStringToObject(m, "type", "subscribe")) {
        cJSON_AddItemToArray(chans, ticker);
        cJSON_AddItemToObject(m, "product_ids", ids);
        cJSON_AddItemToObject(m, "channels", chans);
        sw_session_send_json(s, m);
        cJSON_Delete(m);
    } else {
        s->send_failures++;
        cJSON_Delete(m);
        cJSON_Delete(ids);
        cJSON_Delete(chans);
        cJSON_Delete(ticker);
    }
    s->state = SW_SESS_SUBSCRIBING;
}

/* Subscribing must not wait for anything: 5 seconds is Coinbase's limit. */
static void coinbase_open_marked(sw_session *s)
{
    size_t mark = sw_jsonarena_mark();
    coinbase_open(s);
    sw_jsonarena_release(mark);
}

const sw_provider sw_coinbase_provider = {
    .name = "coinbase",
    .default_url = "wss://ws-feed.exchange.coinbase.com",
    .parse = sw_coinbase_parse,
    .flags = SW_PROV_24X7,
    .build_url = NULL,
    .on_open = coinbase_open_marked,
    .on_message = coinbase_message,
};
