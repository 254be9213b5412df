/*
 * sw_polygon.c -- Polygon.io's stocks WebSocket to ticks, and its handshake.
 *
 * Every message is a JSON array of events told apart by "ev":
 *   [{"ev":"status","status":"connected","message":"Connected Successfully"}]
 *       on open; we then send {"action":"auth","params":KEY}
 *   [{"ev":"status","status":"auth_success","message":"authenticated"}]
 *       we then send {"action":"subscribe","params":"T.NVDA,T.AMD"}
 *   [{"ev":"status","status":"success","message":"subscribed to: T.NVDA"}, ...]
 *   [{"ev":"T","sym":"NVDA","x":4,"i":"52983525029461","z":3,"p":118.42,"s":100,
 *     "c":[12,37],"t":1737988200588,"q":1234567}, ...]
 * "t" is epoch milliseconds (SIP time).  Quotes, aggregates and other events
 * are control messages for us.
 *
 * Statuses and our reaction: auth_failed -- long backoff (the key is wrong);
 * max_connections -- long backoff (another client holds the key's
 * connection); error -- logged, the connection stays; anything else is
 * logged at info level.
 */
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_provider.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sw_trade_spec polygon_trade = {
    "sym", "trade without symbol \"sym\"",
    "p", "trade without a positive price \"p\"",
    "s", "size \"s\" not a non-negative number",
    "t", "trade without numeric time \"t\"",
    SW_TRADE_TIME_EPOCH_MS, NULL,
};

static int fill_trade(const cJSON *o, sw_tick *t, const char **why)
{
    return sw_fill_trade(o, &polygon_trade, t, why);
}

static void send_action(sw_session *s, const char *action, const char *params)
{
    cJSON *m = cJSON_CreateObject();
    if (m && cJSON_AddStringToObject(m, "action", action) && cJSON_AddStringToObject(m, "params", params))
        sw_session_send_json(s, m);
    else
        s->send_failures++;
    cJSON_Delete(m);
}

static void send_subscribe(sw_session *s)
{
    /* "T.NVDA,T.AMD,...": one message for the whole watchlist. */
    size_t cap = 1;
    for (size_t i = 0; i < s->n_symbols; i++)
        cap += strlen(s->symbols[i]) + 3;
    char *params = malloc(cap);
    if (!params) {
        s->send_failures++;
        return;
    }
    params[0] = '\0';
    for (size_t i = 0; i < s->n_symbols; i++) {
        strcat(params, i ? ",T." : "T.");
        strcat(params, s->symbols[i]);
    }
    send_action(s, "subscribe", params);
    free(params);
    s->state = SW_SESS_SUBSCRIBING;
}

static void on_status(sw_session *s, const cJSON *o)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "message");
    const char *status = cJSON_IsString(st) ? st->valuestring : "";
    const char *text = cJSON_IsString(msg) ? msg->valuestring : "";
    if (strcmp(status, "connected") == 0) {
        if (s->state != SW_SESS_CONNECTED)
            return;
        if (!s->key) {
            sw_session_note(s, SW_LOG_ERROR, SW_ACT_BACKOFF_LONG,
                            "Polygon needs an API key (feed.key_env or feed.key_file)");
            return;
        }
        send_action(s, "auth", s->key);
        s->state = SW_SESS_AUTHENTICATING;
    } else if (strcmp(status, "auth_success") == 0) {
        if (s->state == SW_SESS_AUTHENTICATING)
            send_subscribe(s);
    } else if (strcmp(status, "auth_failed") == 0) {
        sw_session_note(s, SW_LOG_ERROR, SW_ACT_BACKOFF_LONG,
                        "Polygon refused the API key (auth_failed: %s): check feed.key", text);
    } else if (strcmp(status, "max_connections") == 0) {
        sw_session_note(s, SW_LOG_ERROR, SW_ACT_BACKOFF_LONG,
                        "Polygon connection limit reached (%s): another client is using this key", text);
    } else if (strcmp(status, "success") == 0) {
        if (s->state == SW_SESS_SUBSCRIBING)
            s->state = SW_SESS_STREAMING;
    } else if (strcmp(status, "error") == 0) {
        sw_session_note(s, SW_LOG_WARNING, SW_ACT_NONE, "Polygon error: %s", text);
    } else {
        sw_session_note(s, SW_LOG_INFO, SW_ACT_NONE, "Polygon status %s: %s", status, text);
    }
}

static void polygon_message(sw_session *s, const char *msg, size_t len, sw_tick *ticks, size_t cap,
                            sw_parse_result *r)
{
    /* The fast path (sw_provider.h): trades only, all good and fitting. */
    if (sw_fast_event_array(msg, len, "ev", "T", &polygon_trade, ticks, cap, r)) {
        if (s && s->state == SW_SESS_SUBSCRIBING)
            s->state = SW_SESS_STREAMING;
        return;
    }
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
        r->why = "not a Polygon message (an array of objects with \"ev\")";
        goto out;
    }
    const cJSON *first = cJSON_IsArray(root) ? root->child : root;
    size_t known = 0;
    r->kind = SW_MSG_CONTROL;
    for (const cJSON *o = first; o; o = cJSON_IsArray(root) ? o->next : NULL) {
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "ev");
        if (!cJSON_IsObject(o) || !cJSON_IsString(ev)) {
            sw_result_bad_trade(r, "element without \"ev\"");
            continue;
        }
        known++;
        if (strcmp(ev->valuestring, "T") != 0) {
            if (s && strcmp(ev->valuestring, "status") == 0)
                on_status(s, o);
            continue;
        }
        r->kind = SW_MSG_TRADES;
        if (s && s->state == SW_SESS_SUBSCRIBING)
            s->state = SW_SESS_STREAMING;
        sw_result_add_trade(r, o, ticks, cap, fill_trade);
    }
    if (!known) {
        r->kind = SW_MSG_BAD;
        r->why = "not a Polygon message (an array of objects with \"ev\")";
        r->n_bad = 0;
    }
out:
    cJSON_Delete(root);
    sw_jsonarena_release(mark);
}

void sw_polygon_parse(const char *msg, size_t len, sw_tick *ticks, size_t cap, sw_parse_result *r)
{
    polygon_message(NULL, msg, len, ticks, cap, r);
}

static void polygon_open(sw_session *s)
{
    /* Polygon speaks first ("connected"). */
    s->state = SW_SESS_CONNECTED;
}

const sw_provider sw_polygon_provider = {
    .name = "polygon",
    .default_url = "wss://socket.polygon.io/stocks",
    .parse = sw_polygon_parse,
    .flags = SW_PROV_NEEDS_KEY,
    .build_url = NULL,
    .on_open = polygon_open,
    .on_message = polygon_message,
};
