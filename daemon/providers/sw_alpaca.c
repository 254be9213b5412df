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
 *   [{"T":"s","S":"NVDA","sc":"H","sm":"Trading Halt","rc":"LUDP",
 *     "rm":"Volatility Trading Pause","t":"...","z":"C"}]    a trading status
 *   [{"T":"l","S":"NVDA","u":130.3,"d":106.6,"i":"B","t":"...","z":"C"}]  LULD bands
 * Trade times are RFC 3339 with up to nanoseconds and must carry their zone.
 * A size of 0 is a price without volume (flagged PRICE_ONLY), as with Finnhub.
 * A trade's conditions "c" read with the tape "z" through the table below.
 * Quotes, bars and other kinds are control messages for us.
 *
 * Statuses and LULD bands (the `statuses` and `lulds` channels; field names
 * as alpacahq/alpaca-trade-api-go marketdata/stream declares them: status
 * sc/sm/rc/rm, LULD u/d/i) are asked for when the session wants them
 * (a `halt` detector), in a second subscribe once the trades are granted:
 * a plan that refuses them then costs only them, not the trades.  Status
 * codes are the tapes' (CTA: 2 trading halt, 3 resume; UTP: H trading halt,
 * P volatility trading pause, Q quotation resumption -- still halted --,
 * T trading resumption); others (price indications, imbalances) are kept
 * as statuses that neither halt nor resume.
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
#include "sw_conditions.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_provider.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/*
 * Alpaca's trade conditions: the CTA (tapes A, B) and UTP (tape C) letters,
 * with the update rules Alpaca publishes for them in "How are bars
 * aggregated?", https://docs.alpaca.markets/docs/market-data-faq (based on
 * the CTS and UTP output specifications; the CTS letters cross-checked with
 * forum.alpaca.markets/t/12329).  A trade's price is for the detectors when
 * the rule updates a *minute* bar's open/close (the last price now); the
 * high/low column is the *daily* bar's (the day's extremes, which prior
 * reference, out-of-sequence and derivatively priced prints do update);
 * volume is the same in both.  Several conditions: the strictest wins, as
 * Alpaca and the plans say.  Two choices of ours, in docs/feeds.md: T
 * (Form T, extended hours) is the extended-hours price, as in Alpaca's
 * minute bars (the session's open and close never take it: it prints
 * outside 09:30-16:00); opening, closing and official prints set the open
 * and close (SW_TICK_OFFICIAL_*).  "B" is an average price on the CTA tapes
 * and a bunched trade on the UTP tape; on an unknown tape both rows apply
 * (the strictest).
 */
static const sw_cond_rule alpaca_rules[] = {
    /* First: the row shock-feed writes for a regular sale. */
    { "@", -1, 0, 0, 0, "Regular Sale" },
    { " ", -1, SW_TAPE_CTA, 0, 0, "Regular Sale" },
    { "4", -1, 0, SW_TICK_NO_LAST, SW_EXCL_DERIVATIVE, "Derivatively Priced" },
    { "5", -1, 0, 0, 0, "Market Center Reopening Trade" },
    { "6", -1, 0, SW_TICK_OFFICIAL_CLOSE, 0, "Market Center Closing Trade" },
    { "7", -1, 0, SW_COND_VOLUME_ONLY, SW_EXCL_CONTINGENT, "Qualified Contingent Trade" },
    { "9", -1, 0, SW_TICK_NO_LAST | SW_TICK_NO_VOLUME | SW_TICK_OFFICIAL_CLOSE, SW_EXCL_OFFICIAL,
      "Corrected Consolidated Close" },
    { "A", -1, SW_TAPE_C, 0, 0, "Acquisition" },
    { "B", -1, SW_TAPE_CTA, SW_COND_VOLUME_ONLY, SW_EXCL_AVERAGE_PRICE, "Average Price Trade" },
    { "B", -1, SW_TAPE_C, 0, 0, "Bunched Trade" },
    { "C", -1, 0, SW_COND_VOLUME_ONLY, SW_EXCL_CASH, "Cash Sale" },
    { "D", -1, SW_TAPE_C, 0, 0, "Distribution" },
    { "E", -1, SW_TAPE_CTA, 0, 0, "Automatic Execution" },
    { "F", -1, 0, 0, 0, "Intermarket Sweep" },
    { "G", -1, SW_TAPE_C, SW_TICK_NO_LAST, SW_EXCL_BUNCHED_SOLD, "Bunched Sold Trade" },
    { "H", -1, 0, SW_COND_VOLUME_ONLY, SW_EXCL_PRICE_VARIATION, "Price Variation Trade" },
    { "I", -1, 0, SW_COND_VOLUME_ONLY | SW_TICK_ODD_LOT, SW_EXCL_ODD_LOT, "Odd Lot Trade" },
    { "K", -1, 0, 0, 0, "Rule 127 or Rule 155" },
    { "L", -1, 0, 0, 0, "Sold Last" },
    { "M", -1, 0, SW_COND_NOT_A_TRADE | SW_TICK_OFFICIAL_CLOSE, SW_EXCL_OFFICIAL, "Market Center Official Close" },
    { "N", -1, 0, SW_COND_VOLUME_ONLY, SW_EXCL_NEXT_DAY, "Next Day" },
    { "O", -1, 0, SW_TICK_OFFICIAL_OPEN, 0, "Market Center Opening Trade" },
    { "P", -1, 0, SW_TICK_NO_LAST, SW_EXCL_PRIOR_REFERENCE, "Prior Reference Price" },
    { "Q", -1, 0, SW_COND_NOT_A_TRADE | SW_TICK_OFFICIAL_OPEN, SW_EXCL_OFFICIAL, "Market Center Official Open" },
    { "R", -1, 0, SW_COND_VOLUME_ONLY, SW_EXCL_SELLER, "Seller" },
    { "T", -1, 0, 0, 0, "Extended Hours Trade" },
    { "U", -1, 0, SW_COND_VOLUME_ONLY, SW_EXCL_OUT_OF_SEQUENCE, "Extended Trading Hours (Sold Out of Sequence)" },
    { "V", -1, 0, SW_COND_VOLUME_ONLY, SW_EXCL_CONTINGENT, "Contingent Trade" },
    { "W", -1, 0, SW_COND_VOLUME_ONLY, SW_EXCL_AVERAGE_PRICE, "Average Price Trade" },
    { "X", -1, 0, 0, 0, "Cross Trade" },
    { "Y", -1, SW_TAPE_C, 0, 0, "Yellow Flag Regular Trade" },
    { "Z", -1, 0, SW_TICK_NO_LAST, SW_EXCL_OUT_OF_SEQUENCE, "Sold Out Of Sequence" },
};

const sw_cond_table sw_alpaca_conditions = {
    "alpaca", alpaca_rules, sizeof alpaca_rules / sizeof alpaca_rules[0],
};

static const sw_trade_spec alpaca_trade = {
    "S", "trade without symbol \"S\"",
    "p", "trade without a positive price \"p\"",
    "s", "size \"s\" not a non-negative number",
    "t", "trade without time \"t\"",
    SW_TRADE_TIME_RFC3339, "time \"t\" not an RFC 3339 timestamp with zone",
    "c", "conditions \"c\" not an array of strings",
    "z", &sw_alpaca_conditions, 0,
    0, /* exchange-listed: sessions */
};

/* Statuses and LULD bands: symbol and time as a trade has them. */
static const sw_trade_spec alpaca_event = {
    "S", "status without symbol \"S\"",
    NULL, NULL, NULL, NULL,
    "t", "status without time \"t\"",
    SW_TRADE_TIME_RFC3339, "time \"t\" not an RFC 3339 timestamp with zone",
    SW_NO_CONDITIONS, 0,
};

static int fill_trade(const cJSON *o, sw_tick *t, const char **why)
{
    return sw_fill_trade(o, &alpaca_trade, t, why);
}

/* A code into a fixed field, cut to fit. */
static void copy_code(char *dst, size_t cap, const cJSON *v)
{
    snprintf(dst, cap, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static int fill_status(const cJSON *o, sw_tick *t, const char **why)
{
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(o, "sc");
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(o, "rc");
    const cJSON *rm = cJSON_GetObjectItemCaseSensitive(o, "rm");
    if (sw_fill_event(o, &alpaca_event, t, why) != 0)
        return -1;
    if (!cJSON_IsString(sc) || !sc->valuestring[0]) {
        *why = "status without a status code \"sc\"";
        return -1;
    }
    t->flags = SW_TICK_STATUS;
    t->excluded = SW_EXCL_NONE;
    t->reason_text = NULL;
    copy_code(t->status, sizeof t->status, sc);
    copy_code(t->reason, sizeof t->reason, rc);
    if (cJSON_IsString(rm))
        t->reason_text = sw_intern_text(rm->valuestring);
    const char *c = sc->valuestring;
    if (!c[1] && strchr("2HP", c[0]))
        t->flags |= SW_TICK_HALT;
    else if (!c[1] && strchr("3T", c[0]))
        t->flags |= SW_TICK_RESUME;
    return 0;
}

static int fill_luld(const cJSON *o, sw_tick *t, const char **why)
{
    double up, down;
    if (sw_fill_event(o, &alpaca_event, t, why) != 0)
        return -1;
    if (sw_json_number(cJSON_GetObjectItemCaseSensitive(o, "u"), &up) != 0 || up < 0 ||
        sw_json_number(cJSON_GetObjectItemCaseSensitive(o, "d"), &down) != 0 || down < 0) {
        *why = "LULD without limit prices \"u\" and \"d\" (numbers >= 0)";
        return -1;
    }
    t->flags = SW_TICK_LULD;
    t->excluded = SW_EXCL_NONE;
    t->limit_up = up;
    t->limit_down = down;
    return 0;
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

/* {"action":"subscribe","trades":[...]}, or the statuses and lulds of the
 * watchlist instead of the trades. */
static void send_subscribe(sw_session *s, int statuses)
{
    cJSON *m = cJSON_CreateObject();
    cJSON *a = cJSON_CreateStringArray(s->symbols, (int)s->n_symbols);
    cJSON *b = statuses ? cJSON_CreateStringArray(s->symbols, (int)s->n_symbols) : NULL;
    if (m && a && (b || !statuses) && cJSON_AddStringToObject(m, "action", "subscribe")) {
        cJSON_AddItemToObject(m, statuses ? "statuses" : "trades", a);
        a = NULL;
        if (b) {
            cJSON_AddItemToObject(m, "lulds", b);
            b = NULL;
        }
        sw_session_send_json(s, m);
    } else {
        s->send_failures++;
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(m);
    if (statuses)
        s->status_state = SW_STATUS_PENDING;
    else
        s->state = SW_SESS_SUBSCRIBING;
}

/* How many of the watchlist `list` (a subscription's array) holds; "*"
 * holds them all. */
static size_t subscribed(const sw_session *s, const cJSON *list)
{
    size_t have = 0;
    for (size_t i = 0; i < s->n_symbols; i++) {
        const cJSON *e;
        cJSON_ArrayForEach(e, list)
        {
            if (cJSON_IsString(e) && (strcmp(e->valuestring, s->symbols[i]) == 0 || strcmp(e->valuestring, "*") == 0)) {
                have++;
                break;
            }
        }
    }
    return have;
}

static void on_error(sw_session *s, const cJSON *o)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "msg");
    int c = cJSON_IsNumber(code) ? code->valueint : 0;
    const char *text = cJSON_IsString(msg) ? msg->valuestring : "";
    if (s->status_state == SW_STATUS_PENDING && (c == 405 || c == 409 || c == 410)) {
        /* The answer to our statuses/lulds subscribe: the plan lacks them.
         * Trades flow on; halts are then only inferred. */
        s->status_state = SW_STATUS_REFUSED;
        sw_session_note(s, SW_LOG_WARNING, SW_ACT_NONE,
                        "Alpaca refused the statuses and lulds channels (%d %s): halts are only inferred", c, text);
        return;
    }
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
            send_subscribe(s, 0);
    } else if (strcmp(kind, "subscription") == 0) {
        if (s->status_state == SW_STATUS_PENDING) {
            size_t st = subscribed(s, cJSON_GetObjectItemCaseSensitive(o, "statuses"));
            size_t lu = subscribed(s, cJSON_GetObjectItemCaseSensitive(o, "lulds"));
            s->status_state = SW_STATUS_ON;
            if (st < s->n_symbols || lu < s->n_symbols)
                sw_session_note(s, SW_LOG_WARNING, SW_ACT_NONE,
                                "Alpaca granted statuses for %zu and LULD bands for %zu of %zu symbols", st, lu,
                                s->n_symbols);
            return;
        }
        size_t have = subscribed(s, cJSON_GetObjectItemCaseSensitive(o, "trades"));
        if (have < s->n_symbols)
            sw_session_note(s, SW_LOG_WARNING, SW_ACT_NONE,
                            "Alpaca subscribed %zu of %zu symbols: the others will stay silent", have,
                            s->n_symbols);
        int was = s->state;
        s->state = SW_SESS_STREAMING;
        if (was == SW_SESS_SUBSCRIBING && s->want_status && s->status_state == SW_STATUS_NONE)
            send_subscribe(s, 1);
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
        const char *k = T->valuestring;
        sw_fill_trade_fn fill = strcmp(k, "t") == 0 ? fill_trade
                              : strcmp(k, "s") == 0 ? fill_status
                              : strcmp(k, "l") == 0 ? fill_luld
                              : NULL;
        if (!fill) {
            if (s)
                on_control(s, k, o);
            continue;
        }
        r->kind = SW_MSG_TRADES;
        sw_result_add_trade(r, o, ticks, cap, fill);
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
    /* Nothing yet: Alpaca speaks first ("connected").  A new connection
     * asks for statuses again, unless the plan refused them. */
    s->state = SW_SESS_CONNECTED;
    if (s->status_state != SW_STATUS_REFUSED)
        s->status_state = SW_STATUS_NONE;
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
