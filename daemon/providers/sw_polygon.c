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
 *   [{"ev":"LULD","T":"NVDA","h":130.3,"l":106.6,"i":[17],"z":3,"t":1737988200588,"q":..}]
 * "t" is epoch milliseconds (SIP time).  A trade's conditions "c" are
 * Polygon's condition ids, read through the table below.  Quotes,
 * aggregates and other events are control messages for us.
 *
 * LULD events (massive-com/client-python .massive/websocket.json, event
 * "LULD": T the symbol, h/l the high and low price band, i the indicators,
 * t "the Timestamp in Unix MS" -- its own example holds microseconds, so the
 * unit is told by the size of the number) are subscribed ("LULD.NVDA") when
 * the session wants statuses.  Polygon: "Halt and resumption messages
 * (indicators 17 and 18) are only available for NASDAQ listed securities"
 * (massive.com/docs/websocket/stocks/luld): indicator 17 is a halt, 18 the
 * resumption; an event with bands also sets them.
 *
 * Statuses and our reaction: auth_failed -- long backoff (the key is wrong);
 * max_connections -- long backoff (another client holds the key's
 * connection); error -- logged, the connection stays; anything else is
 * logged at info level.
 */
#include "sw_conditions.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_provider.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Polygon's trade condition ids with their consolidated update rules
 * (GET /v3/reference/conditions, update_rules.consolidated: updates_open_close
 * is the last price for us, updates_high_low, updates_volume).  Ids 1-10 as
 * Polygon's own client carries them (massive-com/client-python,
 * test_rest/mocks/v3/reference/conditions&asset_class=stocks.json); 0 and
 * 11-53 as Polygon's conditions glossary gives them, copied in
 * QuantConnect/Lean.DataSource.Polygon's predecessor (ToolBox/Polygon
 * PolygonSIPTradeMappings) and alpacahq/marketstore
 * (contrib/polygon/backfill: ConditionToUpdateInfo), which agree.  Where
 * those leave the rules blank (17, 18, 19, 24), the rows follow the CTA
 * letter of the same name in Alpaca's table (O, 5, 6, K).  The sources
 * disagree on whether 32 or 33 is "Sold (Out of Sequence)" (the other being
 * a variant of it): both are taken as out of sequence.  Our choices, as for
 * Alpaca (docs/feeds.md): 12 Form T is the extended-hours price; opening,
 * closing and official prints set the open and close; 38, the corrected
 * consolidated close, is the close, not a last price.  Ids not here (26,
 * 31, 35, 39-51, 54-59) restrict nothing.
 */
static const sw_cond_rule polygon_rules[] = {
    { NULL, 0, 0, 0, 0, "Regular Sale" },
    { NULL, 1, 0, 0, 0, "Acquisition" },
    { NULL, 2, 0, SW_COND_VOLUME_ONLY, SW_EXCL_AVERAGE_PRICE, "Average Price Trade" },
    { NULL, 3, 0, 0, 0, "Automatic Execution" },
    { NULL, 4, 0, 0, 0, "Bunched Trade" },
    { NULL, 5, 0, SW_TICK_NO_LAST, SW_EXCL_BUNCHED_SOLD, "Bunched Sold Trade" },
    { NULL, 6, 0, 0, 0, "CAP Election" },
    { NULL, 7, 0, SW_COND_VOLUME_ONLY, SW_EXCL_CASH, "Cash Sale" },
    { NULL, 8, 0, SW_TICK_OFFICIAL_CLOSE, 0, "Closing Prints" },
    { NULL, 9, 0, 0, 0, "Cross Trade" },
    { NULL, 10, 0, SW_TICK_NO_LAST, SW_EXCL_DERIVATIVE, "Derivatively Priced" },
    { NULL, 11, 0, 0, 0, "Distribution" },
    { NULL, 12, 0, 0, 0, "Form T" },
    { NULL, 13, 0, SW_COND_VOLUME_ONLY, SW_EXCL_OUT_OF_SEQUENCE, "Extended Trading Hours (Sold Out of Sequence)" },
    { NULL, 14, 0, 0, 0, "Intermarket Sweep" },
    { NULL, 15, 0, SW_COND_NOT_A_TRADE | SW_TICK_OFFICIAL_CLOSE, SW_EXCL_OFFICIAL, "Market Center Official Close" },
    { NULL, 16, 0, SW_COND_NOT_A_TRADE | SW_TICK_OFFICIAL_OPEN, SW_EXCL_OFFICIAL, "Market Center Official Open" },
    { NULL, 17, 0, SW_TICK_OFFICIAL_OPEN, 0, "Market Center Opening Trade" },
    { NULL, 18, 0, 0, 0, "Market Center Reopening Trade" },
    { NULL, 19, 0, SW_TICK_OFFICIAL_CLOSE, 0, "Market Center Closing Trade" },
    { NULL, 20, 0, SW_COND_VOLUME_ONLY, SW_EXCL_NEXT_DAY, "Next Day" },
    { NULL, 21, 0, SW_COND_VOLUME_ONLY, SW_EXCL_PRICE_VARIATION, "Price Variation Trade" },
    { NULL, 22, 0, SW_TICK_NO_LAST, SW_EXCL_PRIOR_REFERENCE, "Prior Reference Price" },
    { NULL, 23, 0, 0, 0, "Rule 155 Trade (AMEX)" },
    { NULL, 24, 0, 0, 0, "Rule 127 NYSE" },
    { NULL, 25, 0, SW_TICK_OFFICIAL_OPEN, 0, "Opening Prints" },
    { NULL, 27, 0, 0, 0, "Stopped Stock (Regular Trade)" },
    { NULL, 28, 0, 0, 0, "Re-Opening Prints" },
    { NULL, 29, 0, SW_TICK_NO_LAST, SW_EXCL_SELLER, "Seller" },
    { NULL, 30, 0, 0, 0, "Sold Last" },
    { NULL, 32, 0, SW_TICK_NO_LAST, SW_EXCL_OUT_OF_SEQUENCE, "Sold (Out of Sequence)" },
    { NULL, 33, 0, SW_TICK_NO_LAST, SW_EXCL_OUT_OF_SEQUENCE, "Sold (Out of Sequence)" },
    { NULL, 34, 0, 0, 0, "Split Trade" },
    { NULL, 36, 0, 0, 0, "Yellow Flag Regular Trade" },
    { NULL, 37, 0, SW_COND_VOLUME_ONLY | SW_TICK_ODD_LOT, SW_EXCL_ODD_LOT, "Odd Lot Trade" },
    { NULL, 38, 0, SW_TICK_NO_LAST | SW_TICK_NO_VOLUME | SW_TICK_OFFICIAL_CLOSE, SW_EXCL_OFFICIAL,
      "Corrected Consolidated Close (per listing market)" },
    { NULL, 52, 0, SW_COND_VOLUME_ONLY, SW_EXCL_CONTINGENT, "Contingent Trade" },
    { NULL, 53, 0, SW_COND_VOLUME_ONLY, SW_EXCL_CONTINGENT, "Qualified Contingent Trade" },
};

const sw_cond_table sw_polygon_conditions = {
    "polygon", polygon_rules, sizeof polygon_rules / sizeof polygon_rules[0],
};

static const sw_trade_spec polygon_trade = {
    "sym", "trade without symbol \"sym\"",
    "p", "trade without a positive price \"p\"",
    "s", "size \"s\" not a non-negative number",
    "t", "trade without numeric time \"t\"",
    SW_TRADE_TIME_EPOCH_MS, NULL,
    "c", "conditions \"c\" not an array of whole numbers",
    NULL, &sw_polygon_conditions, 1,
    0, /* exchange-listed: sessions */
};

/* A LULD event's time: milliseconds as documented, or micro- or
 * nanoseconds (the documentation's own example): the three ranges of a
 * 1990..2100 time do not overlap.  0, or -1 if it is none of them. */
static int luld_time(const cJSON *v, int64_t *ns)
{
    if (!cJSON_IsNumber(v))
        return -1;
    double x = v->valuedouble;
    for (int64_t unit = 1000000; unit >= 1; unit /= 1000) {
        if (x * (double)unit >= (double)SW_TS_MIN_NS && x * (double)unit <= (double)SW_TS_MAX_NS) {
            /* Whole units in integers: a microsecond time times 1000 is
             * not exact in a double. */
            *ns = (int64_t)llround(x) * unit;
            return 0;
        }
    }
    return -1;
}

static int luld_band(const cJSON *o, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = 0;
    return v && (sw_json_number(v, out) != 0 || *out < 0) ? -1 : 0;
}

/* A LULD event: a halt (17) or resumption (18) status and/or the bands, as
 * up to two ticks. */
static void add_luld(sw_parse_result *r, const cJSON *o, sw_tick *ticks, size_t cap)
{
    const cJSON *sym = cJSON_GetObjectItemCaseSensitive(o, "T");
    const cJSON *ind = cJSON_GetObjectItemCaseSensitive(o, "i"), *e;
    const char *why = NULL;
    sw_tick t;
    double up, down;
    int halt = 0, resume = 0;
    memset(&t, 0, sizeof t);
    if (!cJSON_IsString(sym)) {
        sw_result_bad_trade(r, "LULD without symbol \"T\"");
        return;
    }
    if (sw_tick_set_symbol(&t, sym->valuestring, &why) != 0) {
        sw_result_bad_trade(r, why);
        return;
    }
    if (luld_time(cJSON_GetObjectItemCaseSensitive(o, "t"), &t.ts_ns) != 0) {
        sw_result_bad_trade(r, "LULD without a time \"t\" in ms, us or ns since the epoch");
        return;
    }
    if (luld_band(o, "h", &up) != 0 || luld_band(o, "l", &down) != 0) {
        sw_result_bad_trade(r, "LULD band \"h\" or \"l\" not a number >= 0");
        return;
    }
    if (ind && !cJSON_IsNull(ind) && !cJSON_IsArray(ind)) {
        sw_result_bad_trade(r, "LULD indicators \"i\" not an array of numbers");
        return;
    }
    const cJSON *list = cJSON_IsArray(ind) ? ind : NULL;
    cJSON_ArrayForEach(e, list)
    {
        if (!cJSON_IsNumber(e)) {
            sw_result_bad_trade(r, "LULD indicators \"i\" not an array of numbers");
            return;
        }
        halt |= e->valuedouble == 17;
        resume |= e->valuedouble == 18;
    }
    size_t need = (halt || resume) + (up > 0 || down > 0 || !(halt || resume));
    if (r->n_ticks + need > cap) {
        sw_result_bad_trade(r, "too many trades in one message");
        return;
    }
    if (halt || resume) {
        sw_tick *s = &ticks[r->n_ticks++];
        *s = t;
        s->flags = SW_TICK_STATUS | (halt ? SW_TICK_HALT : SW_TICK_RESUME);
        snprintf(s->status, sizeof s->status, "%s", halt ? "17" : "18");
        s->reason_text = halt ? "trading halt, LULD indicator 17" : "trading resumption, LULD indicator 18";
    }
    if (up > 0 || down > 0 || !(halt || resume)) {
        sw_tick *b = &ticks[r->n_ticks++];
        *b = t;
        b->flags = SW_TICK_LULD;
        b->limit_up = up;
        b->limit_down = down;
    }
}

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
    /* "T.NVDA,T.AMD,...": one message for the whole watchlist, with
     * "LULD.NVDA,..." when the session wants statuses. */
    size_t cap = 1;
    for (size_t i = 0; i < s->n_symbols; i++)
        cap += 2 * strlen(s->symbols[i]) + 9;
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
    for (size_t i = 0; s->want_status && i < s->n_symbols; i++) {
        strcat(params, ",LULD.");
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
        if (strcmp(ev->valuestring, "LULD") == 0) {
            r->kind = SW_MSG_TRADES;
            add_luld(r, o, ticks, cap);
            continue;
        }
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
