/*
 * sw_finnhub.c -- Finnhub's WebSocket trade messages to ticks.
 *
 * A trade batch is {"type":"trade","data":[{"s":"NVDA","p":118.42,
 * "t":1737988200000,"v":100,"c":["1","12"]},...]}.  A volume of 0 is a price
 * update from a venue without trades: it is a price, flagged PRICE_ONLY, not a
 * trade of size 0.  "ping" and any other "type" are control messages.
 *
 * The trade conditions "c" are not read: Finnhub's documentation says only
 * "List of trade conditions. A comprehensive list of trade conditions code
 * can be found here", the link going to a spreadsheet (docs.google.com,
 * 1PUxiSWPHSODbaTaoL2Vef6DgU-yFtlRGZf19oBb9Hp0) that no stored material
 * holds.  Its codes are Finnhub's own numbers ("1", "8", "12", "24"), not the
 * CTA/UTP letters nor Polygon's ids, so no table is guessed: every Finnhub
 * trade counts as a regular sale (docs/feeds.md says so, and what verifying
 * the list would take).
 */
#include "sw_fastjson.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_provider.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int fill_trade(const cJSON *t, sw_tick *out, const char **why)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(t, "s");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(t, "p");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(t, "t");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "v");
    if (!cJSON_IsString(s) || !s->valuestring[0]) {
        *why = "trade without symbol \"s\"";
        return -1;
    }
    if (strlen(s->valuestring) >= SW_SYMBOL_MAX) {
        *why = "symbol too long";
        return -1;
    }
    if (!cJSON_IsNumber(p)) {
        *why = "trade without numeric price \"p\"";
        return -1;
    }
    if (!isfinite(p->valuedouble) || p->valuedouble <= 0) {
        *why = "price not a positive finite number";
        return -1;
    }
    if (!cJSON_IsNumber(ts)) {
        *why = "trade without numeric time \"t\"";
        return -1;
    }
    double ms = ts->valuedouble;
    if (!(ms * 1e6 >= (double)SW_TS_MIN_NS && ms * 1e6 <= (double)SW_TS_MAX_NS)) {
        *why = "absurd timestamp";
        return -1;
    }
    double vol = 0;
    if (v) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0) {
            *why = "volume \"v\" not a non-negative number";
            return -1;
        }
        vol = v->valuedouble;
    }
    memcpy(out->symbol, s->valuestring, strlen(s->valuestring) + 1);
    out->price = p->valuedouble;
    out->size = vol;
    out->ts_ns = (int64_t)llround(ms) * 1000000;
    out->flags = vol == 0 ? SW_TICK_PRICE_ONLY : 0;
    out->excluded = SW_EXCL_NONE;
    return 0;
}

/* The fast path (sw_provider.h): a "trade" message whose every trade is good
 * and fits; 1 if it filled r, 0 for the cJSON path.  The checks are
 * fill_trade's. */
static int fast_trades(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r)
{
    sw_fj m;
    if (!sw_fast_path_enabled() || sw_fj_parse(&m, msg, len) != 0 || !sw_fj_is(&m, 0, SW_FJ_OBJECT) ||
        !SW_FJ_STR_EQ(&m, SW_FJ_GET(&m, 0, "type"), "trade"))
        return 0;
    int data = SW_FJ_GET(&m, 0, "data");
    if (!sw_fj_is(&m, data, SW_FJ_ARRAY))
        return 0;
    static sw_fj_keys keys;
    if (!keys.n)
        sw_fj_keys_init(&keys, (const char *const[]){ "s", "p", "t", "v" }, 4);
    size_t n = 0;
    for (int t = sw_fj_first(&m, data); t >= 0; t = sw_fj_after(&m, data, t)) {
        sw_tick *out = &ticks[n];
        double vol = 0;
        int f[4]; /* s, p, t, v */
        if (n >= cap || !sw_fj_is(&m, t, SW_FJ_OBJECT))
            return 0;
        sw_fj_fields(&m, t, &keys, f);
        if (sw_fj_symbol(&m, f[0], out) != 0 || !sw_fj_is(&m, f[1], SW_FJ_NUMBER) ||
            sw_fj_epoch_ms(&m, f[2], &out->ts_ns) != 0)
            return 0;
        out->price = sw_fj_number(&m, f[1]);
        if (!isfinite(out->price) || out->price <= 0)
            return 0;
        if (f[3] >= 0 && (!sw_fj_is(&m, f[3], SW_FJ_NUMBER) || !isfinite(vol = sw_fj_number(&m, f[3])) || vol < 0))
            return 0;
        out->size = vol;
        out->flags = vol == 0 ? SW_TICK_PRICE_ONLY : 0;
        out->excluded = SW_EXCL_NONE;
        n++;
    }
    return sw_fast_answer(r, n);
}

void sw_finnhub_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r)
{
    if (fast_trades(msg, len, ticks, cap, r))
        return;
    memset(r, 0, sizeof *r);
    size_t mark = sw_jsonarena_mark();
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(msg, len, &end, 0);
    if (root) {
        /* One message is one JSON value: anything but blanks after it (two
         * messages run together in a torn recording, trailing junk) makes the
         * message malformed instead of silently cutting it to its first value. */
        while (end < msg + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
            end++;
        if (end != msg + len) {
            cJSON_Delete(root);
            root = NULL;
        }
    }
    if (!root) {
        /* A failed parse frees what it built; the arena space goes with it. */
        sw_jsonarena_release(mark);
        r->kind = SW_MSG_BAD;
        r->why = "malformed JSON";
        return;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsObject(root) || !cJSON_IsString(type)) {
        r->kind = SW_MSG_BAD;
        r->why = "not a Finnhub message (no \"type\")";
        goto out;
    }
    if (strcmp(type->valuestring, "trade") != 0) {
        r->kind = SW_MSG_CONTROL; /* ping, subscription errors are logged by the feed */
        goto out;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsArray(data)) {
        r->kind = SW_MSG_BAD;
        r->why = "trade message without \"data\" array";
        goto out;
    }
    r->kind = SW_MSG_TRADES;
    for (const cJSON *t = data->child; t; t = t->next)
        sw_result_add_trade(r, t, ticks, cap, fill_trade);
out:
    cJSON_Delete(root);
    sw_jsonarena_release(mark);
}

/* ---- live session ----------------------------------------------------------
 *
 * The token goes in the URL (?token=); once the socket is open we send one
 * {"type":"subscribe","symbol":"NVDA"} per symbol and data flows without an
 * acknowledgement.  A refused token is refused at the upgrade (HTTP 401),
 * which the feed sees before any message.  Errors arrive as
 * {"type":"error","msg":"..."}, e.g. "Subscribing to too many symbols": the
 * connection stays, the symbols beyond the plan's limit stay silent.
 */

static int finnhub_url(const sw_session *s, const char *base, char *out, size_t cap)
{
    if ((size_t)snprintf(out, cap, "%s%stoken=", base, strchr(base, '?') ? "&" : "?") >= cap)
        return -1;
    return sw_url_append_escaped(out, cap, s->key ? s->key : "");
}

static void finnhub_open(sw_session *s)
{
    for (size_t i = 0; i < s->n_symbols; i++) {
        size_t mark = sw_jsonarena_mark();
        cJSON *m = cJSON_CreateObject();
        if (m && cJSON_AddStringToObject(m, "type", "subscribe") &&
            cJSON_AddStringToObject(m, "symbol", s->symbols[i]))
            sw_session_send_json(s, m);
        else
            s->send_failures++;
        cJSON_Delete(m);
        sw_jsonarena_release(mark);
    }
    s->state = SW_SESS_STREAMING;
}

static void finnhub_message(sw_session *s, const char *msg, size_t len, sw_tick *ticks, size_t cap,
                            sw_parse_result *r)
{
    sw_finnhub_parse(msg, len, ticks, cap, r);
    if (!s || r->kind != SW_MSG_CONTROL)
        return;
    /* Control messages are rare (pings, errors): parsing again is cheaper
     * than slowing the trade path down. */
    size_t mark = sw_jsonarena_mark();
    cJSON *root = sw_json_parse_one(msg, len);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (cJSON_IsString(type) && strcmp(type->valuestring, "error") == 0) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "msg");
        sw_session_note(s, SW_LOG_WARNING, SW_ACT_NONE, "Finnhub error: %s",
                        cJSON_IsString(m) ? m->valuestring : "(no message)");
    }
    cJSON_Delete(root);
    sw_jsonarena_release(mark);
}

const sw_provider sw_finnhub_provider = {
    .name = "finnhub",
    .default_url = "wss://ws.finnhub.io",
    .parse = sw_finnhub_parse,
    .flags = SW_PROV_NEEDS_KEY,
    .build_url = finnhub_url,
    .on_open = finnhub_open,
    .on_message = finnhub_message,
};
