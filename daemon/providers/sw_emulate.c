/* sw_emulate.c -- see sw_emulate.h. */
#include "sw_emulate.h"
#include "sw_conditions.h"
#include "sw_jsonarena.h"
#include "sw_provider.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared helpers ------------------------------------------------------- */

char *sw_emu_format_number(double x, char *buf, size_t len)
{
    snprintf(buf, len, "%.15g", x);
    if (strtod(buf, NULL) != x)
        snprintf(buf, len, "%.17g", x);
    if (strchr(buf, 'e')) {
        /* Providers never write exponents: fixed notation, trailing zeros cut. */
        snprintf(buf, len, "%.12f", x);
        size_t n = strlen(buf);
        while (n > 1 && buf[n - 1] == '0' && buf[n - 2] != '.')
            buf[--n] = '\0';
    }
    return buf;
}

char *sw_emu_format_time(int64_t ts_ns, int digits, char *buf, size_t len)
{
    int64_t secs = ts_ns / SW_NS_PER_SEC;
    int64_t frac = ts_ns % SW_NS_PER_SEC;
    if (frac < 0) {
        frac += SW_NS_PER_SEC;
        secs--;
    }
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int sod = (int)(secs - days * 86400);
    int y, m, d;
    sw_civil_from_days(days, &y, &m, &d);
    int div = digits == 3 ? 1000000 : digits == 6 ? 1000 : 1;
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%0*lldZ", y, m, d, sod / 3600, sod / 60 % 60, sod % 60,
             digits, (long long)(frac / div));
    return buf;
}

size_t sw_emu_max_message(size_t n)
{
    /* The longest trade object (a Coinbase ticker, a 23-character symbol
     * repeated in stream and data) is well under 512 bytes. */
    return 256 + n * 512;
}

static int print_json(const cJSON *o, char *buf, size_t cap)
{
    if (!cJSON_PrintPreallocated((cJSON *)o, buf, (int)cap, 0))
        return -1;
    return (int)strlen(buf);
}

static void send_json(const cJSON *o, sw_emu_out_fn out, void *ctx)
{
    static char buf[1 << 17];
    int n = print_json(o, buf, sizeof buf);
    if (n > 0)
        out(ctx, buf, (size_t)n);
}

/* Send a literal message (our own fixed replies). */
static void send_text(const char *text, sw_emu_out_fn out, void *ctx)
{
    out(ctx, text, strlen(text));
}

static int valid_symbol(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= SW_SYMBOL_MAX)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(".-_/:^=", *s))
            return 0;
    return 1;
}

/* Returns 1 if added, 0 if already there, -1 if invalid or over the limit. */
static int add_sub(sw_emu_conn *c, const char *sym)
{
    if (!valid_symbol(sym))
        return -1;
    if (sw_symtab_find(&c->tab, sym) != SW_SYMTAB_EMPTY)
        return 0;
    if (c->n_subs >= SW_EMU_MAX_SUBS)
        return -1;
    memcpy(c->subs[c->n_subs], sym, strlen(sym) + 1);
    if (sw_symtab_insert(&c->tab, (uint32_t)c->n_subs) != 0)
        return -1;
    c->n_subs++;
    return 1;
}

/* Add `sym` ("*": every symbol) to a set; 1 added, 0 already there, -1
 * invalid or over the limit. */
static int set_add(sw_emu_set *set, const char *sym)
{
    if (strcmp(sym, "*") == 0) {
        set->all = 1;
        return 1;
    }
    if (!valid_symbol(sym))
        return -1;
    if (!set->names) {
        set->names = calloc(SW_EMU_MAX_SUBS, sizeof *set->names);
        if (!set->names || sw_symtab_init(&set->tab, SW_EMU_MAX_SUBS, (const char *)set->names, sizeof *set->names) != 0) {
            free(set->names);
            set->names = NULL;
            return -1;
        }
    }
    if (sw_symtab_find(&set->tab, sym) != SW_SYMTAB_EMPTY)
        return 0;
    if (set->n >= SW_EMU_MAX_SUBS)
        return -1;
    memcpy(set->names[set->n], sym, strlen(sym) + 1);
    if (sw_symtab_insert(&set->tab, (uint32_t)set->n) != 0)
        return -1;
    set->n++;
    return 1;
}

static int set_has(const sw_emu_set *set, const char *sym)
{
    return set->all || (set->n && sw_symtab_find(&set->tab, sym) != SW_SYMTAB_EMPTY);
}

static void set_free(sw_emu_set *set)
{
    if (set->names)
        sw_symtab_free(&set->tab);
    free(set->names);
    memset(set, 0, sizeof *set);
}

/* The set as a JSON array of names ("*" first when it holds everything). */
static cJSON *set_json(const sw_emu_set *set)
{
    cJSON *a = cJSON_CreateArray();
    if (set->all)
        cJSON_AddItemToArray(a, cJSON_CreateString("*"));
    for (size_t i = 0; i < set->n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(set->names[i]));
    return a;
}

static void close_with(sw_emu_conn *c, int code, const char *reason)
{
    c->close_now = 1;
    c->close_code = code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason);
}

/* Value of query parameter `name` ("" if absent) into out. */
static void query_param(const char *query, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t seg = amp ? (size_t)(amp - p) : strlen(p);
        if (seg > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = seg - nl - 1;
            if (vl >= cap)
                vl = cap - 1;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return;
        }
        p = amp ? amp + 1 : NULL;
    }
}

static int key_ok(const sw_emu_conn *c, const char *key, const char *secret)
{
    if (c->reject_auth || !key || !*key)
        return 0;
    if (c->want_key && strcmp(c->want_key, key) != 0)
        return 0;
    if (c->want_secret && (!secret || strcmp(c->want_secret, secret) != 0))
        return 0;
    return 1;
}

int sw_emu_conn_init(sw_emu_conn *c, const sw_emu *e, int reject_auth, const char *want_key,
                     const char *want_secret)
{
    memset(c, 0, sizeof *c);
    c->emu = e;
    c->reject_auth = reject_auth;
    c->want_key = want_key;
    c->want_secret = want_secret;
    c->subs = calloc(SW_EMU_MAX_SUBS, sizeof *c->subs);
    if (!c->subs || sw_symtab_init(&c->tab, SW_EMU_MAX_SUBS, (const char *)c->subs, sizeof *c->subs) != 0) {
        free(c->subs);
        c->subs = NULL;
        return -1;
    }
    return 0;
}

void sw_emu_conn_free(sw_emu_conn *c)
{
    if (c->subs)
        sw_symtab_free(&c->tab);
    free(c->subs);
    c->subs = NULL;
    c->n_subs = 0;
    set_free(&c->statuses);
    set_free(&c->lulds);
}

int sw_emu_subscribed(const sw_emu_conn *c, const char *symbol)
{
    return c->n_subs && sw_symtab_find(&c->tab, symbol) != SW_SYMTAB_EMPTY;
}

int sw_emu_wants(const sw_emu_conn *c, const sw_tick *t)
{
    if (t->flags & SW_TICK_STATUS)
        return set_has(&c->statuses, t->symbol);
    if (t->flags & SW_TICK_LULD)
        return set_has(&c->lulds, t->symbol);
    return sw_emu_subscribed(c, t->symbol);
}

/* A tick a provider without sale conditions can send: a trade the
 * conditions keep from the price cannot be told from a regular one there. */
static int plain_trade(const sw_tick *t)
{
    return !(t->flags & (SW_TICK_EVENT | SW_TICK_NO_LAST));
}

/* The tape's words for a status code, as Alpaca's "sm" carries them. */
static const char *status_message(const char *sc)
{
    static const struct { const char *code, *text; } m[] = {
        { "2", "Trading Halt" },         { "3", "Resume" },
        { "H", "Trading Halt" },         { "P", "Volatility Trading Pause" },
        { "Q", "Quotation Resumption" }, { "T", "Trading Resumption" },
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strcmp(m[i].code, sc) == 0)
            return m[i].text;
    return "";
}

/* ---- finnhub ---------------------------------------------------------------- */

static int finnhub_upgrade(sw_emu_conn *c, const char *path, const char *query)
{
    (void)path;
    char token[512];
    query_param(query, "token", token, sizeof token);
    if (!key_ok(c, token, NULL))
        return 401;
    c->authed = 1;
    return 0;
}

static void finnhub_message(sw_emu_conn *c, const char *msg, size_t len, sw_emu_out_fn out, void *ctx)
{
    cJSON *m = sw_json_parse_one(msg, len);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
    const cJSON *sym = cJSON_GetObjectItemCaseSensitive(m, "symbol");
    if (cJSON_IsString(type) && strcmp(type->valuestring, "subscribe") == 0 && cJSON_IsString(sym)) {
        if (add_sub(c, sym->valuestring) < 0)
            send_text("{\"type\":\"error\",\"msg\":\"Subscribing to too many symbols\"}", out, ctx);
    } else if (!(cJSON_IsString(type) && strcmp(type->valuestring, "unsubscribe") == 0)) {
        send_text("{\"type\":\"error\",\"msg\":\"Invalid message\"}", out, ctx);
    }
    cJSON_Delete(m);
}

/* One element of "data"; the message is {"data":[...],"type":"trade"}. */
static int finnhub_encode(const sw_emu_trade *t, char *buf, size_t cap)
{
    if (!plain_trade(&t->tick))
        return -1;
    cJSON *o = cJSON_CreateObject();
    cJSON *cond = cJSON_AddArrayToObject(o, "c");
    cJSON_AddItemToArray(cond, cJSON_CreateString("1"));
    cJSON_AddNumberToObject(o, "p", t->tick.price);
    cJSON_AddStringToObject(o, "s", t->tick.symbol);
    cJSON_AddNumberToObject(o, "t", (double)(t->tick.ts_ns / 1000000));
    cJSON_AddNumberToObject(o, "v", t->tick.size);
    int len = cond ? print_json(o, buf, cap) : -1;
    cJSON_Delete(o);
    return len;
}

/* ---- alpaca ------------------------------------------------------------------- */

static int accept_any(sw_emu_conn *c, const char *path, const char *query)
{
    (void)c;
    (void)path;
    (void)query;
    return 0;
}

static void alpaca_open(sw_emu_conn *c, sw_emu_out_fn out, void *ctx)
{
    (void)c;
    send_text("[{\"T\":\"success\",\"msg\":\"connected\"}]", out, ctx);
}

static void alpaca_error(sw_emu_conn *c, int code, const char *msg, int close, sw_emu_out_fn out, void *ctx)
{
    char buf[160];
    snprintf(buf, sizeof buf, "[{\"T\":\"error\",\"code\":%d,\"msg\":\"%s\"}]", code, msg);
    send_text(buf, out, ctx);
    if (close)
        close_with(c, 1008, msg);
}

static void alpaca_message(sw_emu_conn *c, const char *msg, size_t len, sw_emu_out_fn out, void *ctx)
{
    cJSON *m = sw_json_parse_one(msg, len);
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(m, "action");
    if (!cJSON_IsString(action)) {
        alpaca_error(c, 400, "invalid syntax", 0, out, ctx);
    } else if (strcmp(action->valuestring, "auth") == 0) {
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(m, "key");
        const cJSON *secret = cJSON_GetObjectItemCaseSensitive(m, "secret");
        if (c->authed)
            alpaca_error(c, 403, "already authenticated", 0, out, ctx);
        else if (!key_ok(c, cJSON_IsString(key) ? key->valuestring : NULL,
                         cJSON_IsString(secret) ? secret->valuestring : NULL))
            alpaca_error(c, 402, "auth failed", 1, out, ctx);
        else {
            c->authed = 1;
            send_text("[{\"T\":\"success\",\"msg\":\"authenticated\"}]", out, ctx);
        }
    } else if (strcmp(action->valuestring, "subscribe") == 0) {
        if (!c->authed) {
            alpaca_error(c, 401, "not authenticated", 0, out, ctx);
        } else {
            const cJSON *trades = cJSON_GetObjectItemCaseSensitive(m, "trades");
            const cJSON *statuses = cJSON_GetObjectItemCaseSensitive(m, "statuses");
            const cJSON *lulds = cJSON_GetObjectItemCaseSensitive(m, "lulds");
            const cJSON *s;
            /* At least one channel; each one given is an array of names. */
            int bad = (!trades && !statuses && !lulds) || (trades && !cJSON_IsArray(trades)) ||
                      (statuses && !cJSON_IsArray(statuses)) || (lulds && !cJSON_IsArray(lulds));
            cJSON_ArrayForEach(s, trades)
            {
                if (!cJSON_IsString(s) || add_sub(c, s->valuestring) < 0)
                    bad = 1;
            }
            cJSON_ArrayForEach(s, statuses)
            {
                if (!cJSON_IsString(s) || set_add(&c->statuses, s->valuestring) < 0)
                    bad = 1;
            }
            cJSON_ArrayForEach(s, lulds)
            {
                if (!cJSON_IsString(s) || set_add(&c->lulds, s->valuestring) < 0)
                    bad = 1;
            }
            if (bad) {
                alpaca_error(c, 405, "symbol limit exceeded", 0, out, ctx);
            } else {
                cJSON *r = cJSON_CreateArray();
                cJSON *o = cJSON_CreateObject();
                cJSON_AddItemToArray(r, o);
                cJSON_AddStringToObject(o, "T", "subscription");
                cJSON *list = cJSON_AddArrayToObject(o, "trades");
                for (size_t i = 0; i < c->n_subs; i++)
                    cJSON_AddItemToArray(list, cJSON_CreateString(c->subs[i]));
                cJSON_AddArrayToObject(o, "quotes");
                cJSON_AddArrayToObject(o, "bars");
                cJSON_AddItemToObject(o, "statuses", set_json(&c->statuses));
                cJSON_AddItemToObject(o, "lulds", set_json(&c->lulds));
                send_json(r, out, ctx);
                cJSON_Delete(r);
            }
        }
    } else {
        alpaca_error(c, 400, "invalid syntax", 0, out, ctx);
    }
    cJSON_Delete(m);
}

static void alpaca_tick(sw_emu_conn *c, uint64_t since_ms, sw_emu_out_fn out, void *ctx)
{
    if (!c->authed && !c->close_now && since_ms > 10000)
        alpaca_error(c, 404, "auth timeout", 1, out, ctx);
}

/* A status or LULD bands as Alpaca sends them. */
static int alpaca_event(const sw_emu_trade *t, char *buf, size_t cap)
{
    char ts[48];
    const sw_tick *k = &t->tick;
    cJSON *o = cJSON_CreateObject();
    if (k->flags & SW_TICK_STATUS) {
        cJSON_AddStringToObject(o, "T", "s");
        cJSON_AddStringToObject(o, "S", k->symbol);
        cJSON_AddStringToObject(o, "sc", k->status);
        cJSON_AddStringToObject(o, "sm", status_message(k->status));
        cJSON_AddStringToObject(o, "rc", k->reason);
        cJSON_AddStringToObject(o, "rm", k->reason_text ? k->reason_text : "");
    } else {
        cJSON_AddStringToObject(o, "T", "l");
        cJSON_AddStringToObject(o, "S", k->symbol);
        cJSON_AddNumberToObject(o, "u", k->limit_up);
        cJSON_AddNumberToObject(o, "d", k->limit_down);
    }
    cJSON_AddStringToObject(o, "t", sw_emu_format_time(k->ts_ns, 9, ts, sizeof ts));
    cJSON_AddStringToObject(o, "z", "C");
    int len = print_json(o, buf, cap);
    cJSON_Delete(o);
    return len;
}

/* One element of the message array. */
static int alpaca_encode(const sw_emu_trade *t, char *buf, size_t cap)
{
    char ts[48];
    const sw_cond_rule *rows[8];
    if (t->tick.flags & SW_TICK_EVENT)
        return alpaca_event(t, buf, cap);
    /* The trade's eligibility as UTP (tape C) codes: read back, they give
     * the same flags. */
    int n = sw_cond_encode(&sw_alpaca_conditions, SW_TAPE_C, t->tick.flags, t->tick.excluded, rows, 8);
    if (n < 0)
        return -1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "T", "t");
    cJSON_AddStringToObject(o, "S", t->tick.symbol);
    cJSON_AddNumberToObject(o, "i", (double)t->id);
    cJSON_AddStringToObject(o, "x", "V");
    cJSON_AddNumberToObject(o, "p", t->tick.price);
    cJSON_AddNumberToObject(o, "s", t->tick.size);
    cJSON *cond = cJSON_AddArrayToObject(o, "c");
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(cond, cJSON_CreateString(rows[i]->code));
    cJSON_AddStringToObject(o, "t", sw_emu_format_time(t->tick.ts_ns, 9, ts, sizeof ts));
    cJSON_AddStringToObject(o, "z", "C");
    int len = cond ? print_json(o, buf, cap) : -1;
    cJSON_Delete(o);
    return len;
}

/* ---- polygon ------------------------------------------------------------------- */

static void polygon_status(const char *status, const char *message, sw_emu_out_fn out, void *ctx)
{
    cJSON *r = cJSON_CreateArray();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(r, o);
    cJSON_AddStringToObject(o, "ev", "status");
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddStringToObject(o, "message", message);
    send_json(r, out, ctx);
    cJSON_Delete(r);
}

static void polygon_open(sw_emu_conn *c, sw_emu_out_fn out, void *ctx)
{
    (void)c;
    polygon_status("connected", "Connected Successfully", out, ctx);
}

static void polygon_message(sw_emu_conn *c, const char *msg, size_t len, sw_emu_out_fn out, void *ctx)
{
    cJSON *m = sw_json_parse_one(msg, len);
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(m, "action");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
    if (!cJSON_IsString(action) || !cJSON_IsString(params)) {
        polygon_status("error", "invalid message", out, ctx);
    } else if (strcmp(action->valuestring, "auth") == 0) {
        if (key_ok(c, params->valuestring, NULL)) {
            c->authed = 1;
            polygon_status("auth_success", "authenticated", out, ctx);
        } else {
            polygon_status("auth_failed", "authentication failed", out, ctx);
            close_with(c, 1008, "authentication failed");
        }
    } else if (strcmp(action->valuestring, "subscribe") == 0) {
        if (!c->authed) {
            polygon_status("error", "not authorized", out, ctx);
        } else {
            char list[8192];
            snprintf(list, sizeof list, "%s", params->valuestring);
            char *save = NULL;
            for (char *ch = strtok_r(list, ",", &save); ch; ch = strtok_r(NULL, ",", &save)) {
                char text[64];
                /* LULD.X: halts, resumptions and bands of X ("*": all). */
                if (strncmp(ch, "LULD.", 5) == 0 && set_add(&c->statuses, ch + 5) >= 0 &&
                    set_add(&c->lulds, ch + 5) >= 0) {
                    snprintf(text, sizeof text, "subscribed to: %.40s", ch);
                    polygon_status("success", text, out, ctx);
                } else if (strncmp(ch, "T.", 2) == 0 && add_sub(c, ch + 2) >= 0) {
                    snprintf(text, sizeof text, "subscribed to: %.40s", ch);
                    polygon_status("success", text, out, ctx);
                } else {
                    snprintf(text, sizeof text, "invalid channel: %.40s", ch);
                    polygon_status("error", text, out, ctx);
                }
            }
        }
    } else {
        polygon_status("error", "unknown action", out, ctx);
    }
    cJSON_Delete(m);
}

/* A halt, a resumption or bands as a LULD event; other statuses have no
 * Polygon form. */
static int polygon_luld(const sw_emu_trade *t, char *buf, size_t cap)
{
    const sw_tick *k = &t->tick;
    int status = (k->flags & SW_TICK_STATUS) != 0;
    if (status && !(k->flags & (SW_TICK_HALT | SW_TICK_RESUME)))
        return -1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ev", "LULD");
    cJSON_AddStringToObject(o, "T", k->symbol);
    cJSON_AddNumberToObject(o, "h", status ? 0 : k->limit_up);
    cJSON_AddNumberToObject(o, "l", status ? 0 : k->limit_down);
    cJSON *ind = cJSON_AddArrayToObject(o, "i");
    if (status)
        cJSON_AddItemToArray(ind, cJSON_CreateNumber(k->flags & SW_TICK_HALT ? 17 : 18));
    cJSON_AddNumberToObject(o, "z", 3);
    cJSON_AddNumberToObject(o, "t", (double)(k->ts_ns / 1000000));
    cJSON_AddNumberToObject(o, "q", (double)t->seq);
    int len = ind ? print_json(o, buf, cap) : -1;
    cJSON_Delete(o);
    return len;
}

/* One element of the message array. */
static int polygon_encode(const sw_emu_trade *t, char *buf, size_t cap)
{
    char id[32];
    const sw_cond_rule *rows[8];
    if (t->tick.flags & SW_TICK_EVENT)
        return polygon_luld(t, buf, cap);
    int n = sw_cond_encode(&sw_polygon_conditions, SW_TAPE_C, t->tick.flags, t->tick.excluded, rows, 8);
    if (n < 0)
        return -1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ev", "T");
    cJSON_AddStringToObject(o, "sym", t->tick.symbol);
    cJSON_AddNumberToObject(o, "x", 4);
    snprintf(id, sizeof id, "%llu", (unsigned long long)t->id);
    cJSON_AddStringToObject(o, "i", id);
    cJSON_AddNumberToObject(o, "z", 3);
    cJSON_AddNumberToObject(o, "p", t->tick.price);
    cJSON_AddNumberToObject(o, "s", t->tick.size);
    /* A regular sale is written as no condition at all, as Polygon does. */
    cJSON *cond = cJSON_AddArrayToObject(o, "c");
    for (int i = 0; i < n; i++)
        if (rows[i]->id != 0 || n > 1)
            cJSON_AddItemToArray(cond, cJSON_CreateNumber(rows[i]->id));
    cJSON_AddNumberToObject(o, "t", (double)(t->tick.ts_ns / 1000000));
    cJSON_AddNumberToObject(o, "q", (double)t->seq);
    int len = o ? print_json(o, buf, cap) : -1;
    cJSON_Delete(o);
    return len;
}

/* ---- coinbase ------------------------------------------------------------------- */

static int coinbase_upgrade(sw_emu_conn *c, const char *path, const char *query)
{
    (void)path;
    (void)query;
    c->authed = 1; /* the public ticker channel needs no credentials */
    return 0;
}

static void coinbase_error(sw_emu_conn *c, const char *message, const char *reason, sw_emu_out_fn out,
                           void *ctx)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "error");
    cJSON_AddStringToObject(o, "message", message);
    cJSON_AddStringToObject(o, "reason", reason);
    send_json(o, out, ctx);
    cJSON_Delete(o);
    close_with(c, 1008, message);
}

static void coinbase_message(sw_emu_conn *c, const char *msg, size_t len, sw_emu_out_fn out, void *ctx)
{
    cJSON *m = sw_json_parse_one(msg, len);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(m, "product_ids");
    const cJSON *chans = cJSON_GetObjectItemCaseSensitive(m, "channels");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "subscribe") != 0) {
        coinbase_error(c, "Failed to subscribe", "expected a subscribe message", out, ctx);
    } else if (c->reject_auth) {
        coinbase_error(c, "Authentication Failed", "invalid signature", out, ctx);
    } else {
        int ticker = 0, bad = !cJSON_IsArray(ids);
        const cJSON *e;
        cJSON_ArrayForEach(e, chans)
        {
            const cJSON *name = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "name") : e;
            ticker |= cJSON_IsString(name) && strcmp(name->valuestring, "ticker") == 0;
        }
        cJSON_ArrayForEach(e, ids)
        {
            if (!cJSON_IsString(e) || add_sub(c, e->valuestring) < 0)
                bad = 1;
        }
        if (!ticker || bad) {
            coinbase_error(c, "Failed to subscribe", !ticker ? "the ticker channel is required here"
                                                             : "invalid product id",
                           out, ctx);
        } else {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "type", "subscriptions");
            cJSON *list = cJSON_AddArrayToObject(r, "channels");
            cJSON *ch = cJSON_CreateObject();
            cJSON_AddItemToArray(list, ch);
            cJSON_AddStringToObject(ch, "name", "ticker");
            cJSON *pids = cJSON_AddArrayToObject(ch, "product_ids");
            for (size_t i = 0; i < c->n_subs; i++)
                cJSON_AddItemToArray(pids, cJSON_CreateString(c->subs[i]));
            send_json(r, out, ctx);
            cJSON_Delete(r);
        }
    }
    cJSON_Delete(m);
}

static void coinbase_tick(sw_emu_conn *c, uint64_t since_ms, sw_emu_out_fn out, void *ctx)
{
    if (!c->n_subs && !c->close_now && since_ms > 5000)
        coinbase_error(c, "Failed to subscribe", "no subscribe message within 5 seconds", out, ctx);
}

/* A whole ticker message: Coinbase sends one per trade. */
static int coinbase_encode(const sw_emu_trade *t, char *buf, size_t cap)
{
    char price[48], size[48], ts[48];
    if (!plain_trade(&t->tick))
        return -1;
    sw_emu_format_number(t->tick.price, price, sizeof price);
    sw_emu_format_number(t->tick.size, size, sizeof size);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "ticker");
    cJSON_AddNumberToObject(o, "sequence", (double)t->seq);
    cJSON_AddStringToObject(o, "product_id", t->tick.symbol);
    cJSON_AddStringToObject(o, "price", price);
    cJSON_AddStringToObject(o, "best_bid", price);
    cJSON_AddStringToObject(o, "best_ask", price);
    cJSON_AddStringToObject(o, "side", "buy");
    cJSON_AddStringToObject(o, "time", sw_emu_format_time(t->tick.ts_ns, 6, ts, sizeof ts));
    cJSON_AddNumberToObject(o, "trade_id", (double)t->id);
    cJSON_AddStringToObject(o, "last_size", size);
    int len = print_json(o, buf, cap);
    cJSON_Delete(o);
    return len;
}

/* ---- binance ------------------------------------------------------------------- */

/* "nvda@trade" -> subscribe NVDA; returns -1 for anything else. */
static int binance_stream(sw_emu_conn *c, const char *stream, size_t len)
{
    char sym[SW_SYMBOL_MAX];
    if (len <= 6 || strncmp(stream + len - 6, "@trade", 6) != 0 || len - 6 >= sizeof sym)
        return -1;
    for (size_t i = 0; i < len - 6; i++) {
        if (!isalnum((unsigned char)stream[i]))
            return -1;
        sym[i] = (char)toupper((unsigned char)stream[i]);
    }
    sym[len - 6] = '\0';
    return add_sub(c, sym) < 0 ? -1 : 0;
}

static int binance_upgrade(sw_emu_conn *c, const char *path, const char *query)
{
    if (c->reject_auth)
        return 401;
    c->authed = 1;
    if (strncmp(path, "/ws/", 4) == 0)
        return binance_stream(c, path + 4, strlen(path + 4)) == 0 ? 0 : 400;
    if (strcmp(path, "/stream") != 0)
        return 404;
    char streams[8192];
    query_param(query, "streams", streams, sizeof streams);
    for (const char *p = streams; *p;) {
        size_t seg = strcspn(p, "/");
        if (binance_stream(c, p, seg) != 0)
            return 400;
        p += seg;
        if (*p == '/')
            p++;
    }
    return 0;
}

static void binance_message(sw_emu_conn *c, const char *msg, size_t len, sw_emu_out_fn out, void *ctx)
{
    cJSON *m = sw_json_parse_one(msg, len);
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
    if (cJSON_IsString(method) && strcmp(method->valuestring, "SUBSCRIBE") == 0 && cJSON_IsArray(params) &&
        cJSON_IsNumber(id)) {
        const cJSON *s;
        int bad = 0;
        cJSON_ArrayForEach(s, params)
        {
            if (!cJSON_IsString(s) || binance_stream(c, s->valuestring, strlen(s->valuestring)) != 0)
                bad = 1;
        }
        char reply[96];
        if (bad)
            snprintf(reply, sizeof reply, "{\"code\":2,\"msg\":\"Invalid request: unknown stream\",\"id\":%d}",
                     id->valueint);
        else
            snprintf(reply, sizeof reply, "{\"result\":null,\"id\":%d}", id->valueint);
        send_text(reply, out, ctx);
    } else {
        send_text("{\"code\":2,\"msg\":\"Invalid request\"}", out, ctx);
    }
    cJSON_Delete(m);
}

/* A whole combined-stream message: Binance sends one per trade. */
static int binance_encode(const sw_emu_trade *t, char *buf, size_t cap)
{
    char price[48], qty[48], stream[SW_SYMBOL_MAX + 8];
    if (!plain_trade(&t->tick))
        return -1;
    size_t k = 0;
    for (; t->tick.symbol[k]; k++)
        stream[k] = (char)tolower((unsigned char)t->tick.symbol[k]);
    memcpy(stream + k, "@trade", 7);
    double ms = (double)(t->tick.ts_ns / 1000000);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "stream", stream);
    cJSON *d = cJSON_AddObjectToObject(m, "data");
    cJSON_AddStringToObject(d, "e", "trade");
    cJSON_AddNumberToObject(d, "E", ms);
    cJSON_AddStringToObject(d, "s", t->tick.symbol);
    cJSON_AddNumberToObject(d, "t", (double)t->id);
    cJSON_AddStringToObject(d, "p", sw_emu_format_number(t->tick.price, price, sizeof price));
    cJSON_AddStringToObject(d, "q", sw_emu_format_number(t->tick.size, qty, sizeof qty));
    cJSON_AddNumberToObject(d, "T", ms);
    cJSON_AddBoolToObject(d, "m", 0);
    cJSON_AddBoolToObject(d, "M", 1);
    int len = d ? print_json(m, buf, cap) : -1;
    cJSON_Delete(m);
    return len;
}

/* ---- the table ------------------------------------------------------------------- */

static const sw_emu emus[] = {
    { "finnhub", 1, "{\"data\":[", "],\"type\":\"trade\"}", finnhub_upgrade, NULL, finnhub_message, NULL,
      finnhub_encode },
    { "alpaca", 1, "[", "]", accept_any, alpaca_open, alpaca_message, alpaca_tick, alpaca_encode },
    { "polygon", 1, "[", "]", accept_any, polygon_open, polygon_message, NULL, polygon_encode },
    { "coinbase", 0, "", "", coinbase_upgrade, NULL, coinbase_message, coinbase_tick, coinbase_encode },
    { "binance", 0, "", "", binance_upgrade, NULL, binance_message, NULL, binance_encode },
};

int sw_emu_assemble(const sw_emu *e, const char *const *elem, const size_t *len, size_t n, char *buf, size_t cap)
{
    size_t open = strlen(e->open), close = strlen(e->close), o = 0;
    if (n == 0 || (!e->batches && n != 1))
        return -1;
    size_t need = open + close + n; /* separators and the NUL */
    for (size_t i = 0; i < n; i++)
        need += len[i];
    if (need > cap)
        return -1;
    memcpy(buf, e->open, open);
    o = open;
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf[o++] = ',';
        memcpy(buf + o, elem[i], len[i]);
        o += len[i];
    }
    memcpy(buf + o, e->close, close);
    o += close;
    buf[o] = '\0';
    return (int)o;
}

int sw_emu_encode(const sw_emu *e, const sw_emu_trade *t, size_t n, char *buf, size_t cap)
{
    char *tmp = malloc(n * 512);
    const char **elem = malloc(n * sizeof *elem);
    size_t *len = malloc(n * sizeof *len);
    int rc = -1;
    if (!tmp || !elem || !len)
        goto out;
    for (size_t i = 0; i < n; i++) {
        size_t mark = sw_jsonarena_mark();
        int l = e->encode(&t[i], tmp + i * 512, 512);
        sw_jsonarena_release(mark);
        if (l < 0)
            goto out;
        elem[i] = tmp + i * 512;
        len[i] = (size_t)l;
    }
    rc = sw_emu_assemble(e, elem, len, n, buf, cap);
out:
    free(tmp);
    free(elem);
    free(len);
    return rc;
}

const sw_emu *sw_emu_find(const char *provider)
{
    for (size_t i = 0; i < sizeof emus / sizeof emus[0]; i++)
        if (strcmp(emus[i].name, provider) == 0)
            return &emus[i];
    return NULL;
}
