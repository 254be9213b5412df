/*
 * sw_alpaca.c -- Alpaca's market data stream (v2, stocks) to ticks, and its
 * handshake.
 *
 * Every message is a JSON array of objects told apart by "T":
 *   [{"T":"success","msg":"connected"}]         on open; we then send
 *   {"action":"auth","key":K,"secret":S}
 *   [{"T":"success","msg":"authenticated"}]     we then send
 *   {"action":"subscribe","trades":["NVDA",...]}
 *   [{"T":"subscription","trades":[...],"quotes":[],"bars":[]}]
 *   [{"T":"t","S":"NVDA","p":118.42,"s":100,"t":"2025-01-27T14:30:00.588123456Z",
 *     "i":52983525029461,"x":"V","c":["@"],"z":"C"}, ...]
 *   [{"T":"error","code":402,"msg":"auth failed"}]
 * Trade times are RFC 3339 with up to nanoseconds and must carry their zone.
 * A size of 0 is a price without volume (flagged PRICE_ONLY), as with Finnhub.
 * Quotes, bars and other kinds are control messages for us.
 *
 * Error codes and our reaction (Alpaca closes the connection after most):
 *   400 invalid syntax, 401 not authenticated, 403 already authenticated:
 *       our bug or a protocol change -- error, reconnect normally;
 *   402 auth failed: the key is wrong or revoked -- long backoff;
 *   404 auth timeout: we were too slow -- reconnect normally;
 *   405 symbol limit, 408 v2 not enabled, 409 insufficient subscription,
 *   410 invalid subscribe action: the plan does not allow it -- long backoff;
 *   406 connection limit: another client holds the key's only connection --
 *       long backoff, so we do not take turns kicking each other out;
 *   407 slow client: we fell behind -- reconnect normally;
 *   500 internal error: reconnect normally.
 */
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_provider.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const sw_trade_spec alpaca_trade = {
    "S", "trade without symbol \"S\"",
    "p", "trade without a positive price \"p\"",
    "s", "size \"s\" not a non-negative number",
    "t", "trade without time \"t\"",
    SW_TRADE_TIME_RFC3339, "time \"t\" not an RFC 3339 timestamp with zone",
};

static int fill_trade(const cJSON *o, sw_tick *t, const char **why)
{
    return sw_fill_trade(o, &alpaca_trade, t, why);
}

static void send_auth(sw_session *s)
{
    if (!s->key || !s->secret) {
        sw_session_note(s, SW_LOG_ERROR, SW_ACT_BACKOFF_LONG,
                        "Alpaca needs an API key and secret (feed.key_env/key_file and "
                        "feed.secret_env/secret_file)");
        return;
    }
    cJSON *m = cJSON_CreateObject();
    if (m && cJSON_AddStringToObject(m, "action", "auth") && cJSON_AddStringToObject(m, "key", s->key) &&
        cJSON_AddStringToObject(m, "secret", s->secret))
        sw_session_send_json(s, m);
    cJSON_Delete(m);
    s->state = SW_SESS_AUTHENTICATING;
}

static void send_subscribe(sw_session *s)
{
    cJSON *m = cJSON_CreateObject();
    cJSON *trades = cJSON_CreateStringArray(s->symbols, (int)s->n_symbols);
    if (m && trades && cJSON_AddStringToObject(m, "action", "subscribe")) {
        cJSON_AddItemToObject(m, "trades", trades);
        trades = NULL;
        sw_session_send_json(s, m);
    }
    cJSON_Delete(trades);
    cJSON_Delete(m);
    s->state = SW_SESS_SUBSCRIBING;
}

static void on_error(sw_session *s, const cJSON *o)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "msg");
    int c = cJSON_IsNumber(code) ? code->valueint : 0;
    const char *text = cJSON_IsString(msg) ? msg->valuestring : "";
    switch (c) {
    case 402:
        sw_session_note(s, SW_LOG_ERROR, SW_ACT_BACKOFF_LONG,
                        "Alpaca refused the credentials (402 %s): check feed.key and feed.secret", text);
        break;
    case 406:
        sw_session_note(s, SW_LOG_ERROR, SW_ACT_BACKOFF_LONG,
                        "Alpaca connection limit exceeded (406 %s): another client is using this key", text);
        break;
    case 405:
    case 408:
    case 409:
    case 410:
        sw_session_note(s, SW_LOG_ERROR, SW_ACT_BACKOFF_LONG,
                        "Alpaca refused the subscription (%d %s): the plan does not cover it", c, text);
        break;
    case 407:
        sw_session_note(s, SW_LOG_WARNING, SW_ACT_RECONNECT,
                        "Alpaca says we are a slow client (407 %s): reconnecting", text);
        break;
    case 404:
        sw_session_note(s, SW_LOG_WARNING, SW_ACT_RECONNECT, "Alpaca auth timeout (404 %s)", text);
        break;
    default:
        sw_session_note(s, SW_LOG_ERROR, SW_ACT_RECONNECT, "Alpaca error %d: %s", c, text);
        break;
    }
}

static void on_control(sw_session *s, const char *kind, const cJSON *o)
{
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "msg");
    const char *text = cJSON_IsString(msg) ? msg->valuestring : "";
    if (strcmp(kind, "success") == 0) {
        if (strcmp(text, "connected") == 0 && s->state == SW_SESS_CONNECTED)
            send_auth(s);
        else if (strcmp(text, "authenticated") == 0 && s->state == SW_SESS_AUTHENTICATING)
            send_subscribe(s);
    } else if (strcmp(kind, "subscription") == 0) {
        const cJSON *trades = cJSON_GetObjectItemCaseSensitive(o, "trades");
        size_t have = 0;
        for (size_t i = 0; i < s->n_symbols; i++) {
            const cJSON *e;
            cJSON_ArrayForEach(e, trades)
            {
                if (cJSON_IsString(e) && strcmp(e->valuestring, s->symbols[i]) == 0) {
                    have++;
                    break;
                }
            }
        }
        if (have < s->n_symbols)
            sw_session_note(s, SW_LOG_WARNING, SW_ACT_NONE,
                            "Alpaca subscribed %zu of %zu symbols: the others will stay silent", have,
                            s->n_symbols);
        s->state = SW_SESS_STREAMING;
    } else if (strcmp(kind, "error") == 0) {
        on_error(s, o);
    }
}

static void alpaca_message(sw_session *s, const char *msg, size_t len, sw_tick *ticks, size_t cap,
                           sw_parse_result *r)
{
    /* The fast path (sw_provider.h): trades only, all good and fitting. */
    if (sw_fast_event_array(msg, len, "T", "t", &alpaca_trade, ticks, cap, r))
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
    if (!cJSON_IsArray(root) && !cJSON_IsObject(root)) {
        r->kind = SW_MSG_BAD;
        r->why = "not an Alpaca message (an array of objects with \"T\")";
        goto out;
    }
    /* Alpaca always sends arrays; a lone object is taken as an array of one. */
    const cJSON *first = cJSON_IsArray(root) ? root->child : root;
    size_t known = 0;
    r->kind = SW_MSG_CONTROL;
    for (const cJSON *o = first; o; o = cJSON_IsArray(root) ? o->next : NULL) {
        const cJSON *T = cJSON_GetObjectItemCaseSensitive(o, "T");
        if (!cJSON_IsObject(o) || !cJSON_IsString(T)) {
            sw_result_bad_trade(r, "element without \"T\"");
            continue;
        }
        known++;
        if (strcmp(T->valuestring, "t") != 0) {
            if (s)
                on_control(s, T->valuestring, o);
            continue;
        }
        r->kind = SW_MSG_TRADES;
        sw_result_add_trade(r, o, ticks, cap, fill_trade);
    }
    if (!known) {
        r->kind = SW_MSG_BAD;
        r->why = "not an Alpaca message (an array of objects with \"T\")";
        r->n_bad = 0;
    }
out:
    cJSON_Delete(root);
    sw_jsonarena_release(mark);
}

void sw_alpaca_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r)
{
    alpaca_message(NULL, msg, len, ticks, cap, r);
}

static void alpaca_open(sw_session *s)
{
    /* Nothing yet: Alpaca speaks first ("connected"). */
    s->state = SW_SESS_CONNECTED;
}

const sw_provider sw_alpaca_provider = {
    .name = "alpaca",
    .default_url = "wss://stream.data.alpaca.markets/v2/iex",
    .parse = sw_alpaca_parse,
    .flags = SW_PROV_NEEDS_KEY | SW_PROV_NEEDS_SECRET,
    .build_url = NULL,
    .on_open = alpaca_open,
    .on_message = alpaca_message,
};
