/* sw_provider.c -- the registry of provider adapters and the helpers they
 * share, see sw_provider.h. */
#include "sw_provider.h"
#include "sw_conditions.h"
#include "sw_escape.h"
#include "sw_fastjson.h"
#include "sw_jsonarena.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sw_provider *const providers[] = {
    &sw_finnhub_provider, &sw_alpaca_provider, &sw_polygon_provider, &sw_coinbase_provider,
    &sw_binance_provider,
};

#define N_PROVIDERS (sizeof providers / sizeof providers[0])

const sw_provider *sw_provider_find(const char *name)
{
    for (size_t i = 0; i < N_PROVIDERS; i++)
        if (strcmp(providers[i]->name, name) == 0)
            return providers[i];
    return NULL;
}

const char *sw_provider_names(void)
{
    static char names[128];
    if (!names[0])
        for (size_t i = 0; i < N_PROVIDERS; i++) {
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", providers[i]->name);
        }
    return names;
}

/* ---- sessions -------------------------------------------------------------- */

int sw_session_init(sw_session *s, const sw_provider *p, const char *const *symbols, size_t n_symbols,
                    const char *key, const char *secret, sw_send_fn send, void *send_ctx)
{
    memset(s, 0, sizeof *s);
    s->prov = p;
    s->symbols = symbols;
    s->n_symbols = n_symbols;
    s->key = key;
    s->secret = secret;
    s->send = send;
    s->send_ctx = send_ctx;
    s->last_seq = calloc(n_symbols ? n_symbols : 1, sizeof *s->last_seq);
    return s->last_seq ? 0 : -1;
}

void sw_session_reset(sw_session *s)
{
    s->state = SW_SESS_CONNECTED;
    s->action = SW_ACT_NONE;
    s->note[0] = '\0';
    /* Sequence numbers are kept: a gap across a reconnect is a gap too. */
}

void sw_session_free(sw_session *s)
{
    free(s->last_seq);
    s->last_seq = NULL;
}

const char *sw_sess_state_name(sw_sess_state st)
{
    static const char *const names[] = { "connected", "authenticating", "subscribing", "streaming" };
    return (unsigned)st < 4 ? names[st] : "?";
}

cJSON *sw_json_parse_one(const char *msg, size_t len)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(msg, len, &end, 0);
    if (!root)
        return NULL;
    /* One message is one JSON value: two values run together, or junk after
     * one, make the message malformed rather than silently cut. */
    while (end < msg + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (end != msg + len) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int sw_session_send_json(sw_session *s, const cJSON *obj)
{
    /* Subscribe lists are the longest messages we send: 64 KiB holds
     * thousands of symbols; a larger watchlist fails loudly here. */
    static char buf[65536];
    if (!s->send || !cJSON_PrintPreallocated((cJSON *)obj, buf, (int)sizeof buf, 0)) {
        s->send_failures++;
        return -1;
    }
    if (s->send(s->send_ctx, buf, strlen(buf)) != 0) {
        s->send_failures++;
        return -1;
    }
    return 0;
}

void sw_session_note(sw_session *s, int level, sw_sess_action action, const char *fmt, ...)
{
    if (!s)
        return;
    /* The first note of a message stays unless a worse action comes. */
    if (s->note[0] && action <= s->action)
        return;
    char raw[sizeof s->note];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* The provider's words are theirs: one line, controls made visible. */
    sw_esc_line_buf(raw, s->note, sizeof s->note);
    s->note_level = level;
    if (action > s->action)
        s->action = action;
}

int sw_session_symbol_index(const sw_session *s, const char *symbol)
{
    for (size_t i = 0; i < s->n_symbols; i++)
        if (strcmp(s->symbols[i], symbol) == 0)
            return (int)i;
    return -1;
}

/* ---- message helpers ------------------------------------------------------- */

int sw_json_number(const cJSON *v, double *out)
{
    double x;
    if (cJSON_IsNumber(v)) {
        x = v->valuedouble;
    } else if (cJSON_IsString(v)) {
        /* Decimal text only: strtod would also take "inf", "nan", hex and
         * leading blanks, none of which a provider means. */
        if (sw_decimal_parse(v->valuestring, strlen(v->valuestring), 1, &x) != 0)
            return -1;
    } else {
        return -1;
    }
    if (!isfinite(x))
        return -1;
    *out = x;
    return 0;
}

void sw_result_bad_trade(sw_parse_result *r, const char *why)
{
    r->n_bad++;
    if (!r->why)
        r->why = why;
}

int sw_result_add_trade(sw_parse_result *r, const cJSON *o, sw_tick *ticks, size_t cap, sw_fill_trade_fn fill)
{
    const char *why = NULL;
    if (r->n_ticks >= cap) {
        sw_result_bad_trade(r, "too many trades in one message");
        return 0;
    }
    if (!cJSON_IsObject(o)) {
        sw_result_bad_trade(r, "trade is not an object");
        return 0;
    }
    if (fill(o, &ticks[r->n_ticks], &why) != 0) {
        sw_result_bad_trade(r, why);
        return 0;
    }
    r->n_ticks++;
    return 1;
}

static int read_symbol(const cJSON *o, const sw_trade_spec *f, sw_tick *t, const char **why)
{
    const cJSON *sym = cJSON_GetObjectItemCaseSensitive(o, f->symbol);
    if (!cJSON_IsString(sym)) {
        *why = f->no_symbol;
        return -1;
    }
    return sw_tick_set_symbol(t, sym->valuestring, why);
}

static int read_time(const cJSON *o, const sw_trade_spec *f, int64_t *out, const char **why)
{
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, f->time);
    int64_t ns;
    if (f->time_format == SW_TRADE_TIME_EPOCH_MS) {
        if (!cJSON_IsNumber(ts)) {
            *why = f->no_time;
            return -1;
        }
        double ms = ts->valuedouble;
        if (!(ms * 1e6 >= (double)SW_TS_MIN_NS && ms * 1e6 <= (double)SW_TS_MAX_NS)) {
            *why = "absurd timestamp";
            return -1;
        }
        ns = (int64_t)llround(ms) * 1000000;
    } else {
        if (!cJSON_IsString(ts)) {
            *why = f->no_time;
            return -1;
        }
        int flags = 0;
        if (sw_parse_timestamp(ts->valuestring, strlen(ts->valuestring), &ns, &flags) != 0 ||
            !(flags & SW_TS_HAD_OFFSET) || (flags & SW_TS_DATE_ONLY)) {
            *why = f->bad_time;
            return -1;
        }
        if (ns < SW_TS_MIN_NS || ns > SW_TS_MAX_NS) {
            *why = "absurd timestamp";
            return -1;
        }
    }
    *out = ns;
    return 0;
}

int sw_fill_event(const cJSON *o, const sw_trade_spec *f, sw_tick *t, const char **why)
{
    return read_symbol(o, f, t, why) != 0 || read_time(o, f, &t->ts_ns, why) != 0 ? -1 : 0;
}

const char *sw_intern_text(const char *text)
{
    static char pool[64][64];
    static size_t n;
    char clean[64];
    size_t k = 0;
    for (; text[k] && k < sizeof clean - 1; k++)
        clean[k] = text[k] >= ' ' && text[k] <= '~' ? text[k] : '?';
    clean[k] = '\0';
    if (!k)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(pool[i], clean) == 0)
            return pool[i];
    if (n == sizeof pool / sizeof pool[0])
        return NULL;
    memcpy(pool[n], clean, k + 1);
    return pool[n++];
}

int sw_fill_trade(const cJSON *o, const sw_trade_spec *f, sw_tick *t, const char **why)
{
    double price, size = 0;
    if (read_symbol(o, f, t, why) != 0)
        return -1;
    if (sw_json_number(cJSON_GetObjectItemCaseSensitive(o, f->price), &price) != 0 || price <= 0) {
        *why = f->no_price;
        return -1;
    }
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(o, f->size);
    if (sz && (sw_json_number(sz, &size) != 0 || size < 0)) {
        *why = f->bad_size;
        return -1;
    }
    int64_t ns;
    if (read_time(o, f, &ns, why) != 0)
        return -1;
    sw_cond_acc acc;
    sw_cond_start(&acc);
    if (f->cond) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, f->conditions), *e;
        const cJSON *z = f->tape ? cJSON_GetObjectItemCaseSensitive(o, f->tape) : NULL;
        unsigned tape = cJSON_IsString(z) ? sw_cond_tape(z->valuestring, strlen(z->valuestring)) : 0;
        if (c && !cJSON_IsNull(c) && !cJSON_IsArray(c)) {
            *why = f->bad_conditions;
            return -1;
        }
        const cJSON *list = cJSON_IsArray(c) ? c : NULL;
        cJSON_ArrayForEach(e, list)
        {
            if (f->numeric_codes ? !cJSON_IsNumber(e) || sw_cond_add_id(f->cond, e->valuedouble, &acc) != 0
                                 : !cJSON_IsString(e)) {
                *why = f->bad_conditions;
                return -1;
            }
            if (!f->numeric_codes)
                sw_cond_add_code(f->cond, tape, e->valuestring, strlen(e->valuestring), &acc);
        }
    }
    t->price = price;
    t->size = size;
    t->ts_ns = ns;
    t->flags = (size == 0 ? SW_TICK_PRICE_ONLY : 0) | acc.flags | f->flags;
    t->excluded = acc.reason;
    return 0;
}

/* ---- the fast path ----------------------------------------------------------- */

static int fast_path = 1;

void sw_fast_path_enable(int on)
{
    fast_path = on != 0;
}

int sw_fast_path_enabled(void)
{
    return fast_path;
}

static uint64_t answered;

uint64_t sw_fast_path_answered(void)
{
    return answered;
}

int sw_fast_answer(sw_parse_result *r, size_t n)
{
    memset(r, 0, sizeof *r);
    r->kind = SW_MSG_TRADES;
    r->n_ticks = n;
    answered++;
    return 1;
}

int sw_fast_event_array(const char *msg, size_t len, const char *type_key, const char *trade,
                        const sw_trade_spec *f, sw_tick *ticks, size_t cap, sw_parse_result *r)
{
    sw_fj m;
    if (!fast_path || sw_fj_parse(&m, msg, len) != 0)
        return 0;
    int arr = sw_fj_is(&m, 0, SW_FJ_ARRAY);
    int first = arr ? sw_fj_first(&m, 0) : 0;
    if (first < 0)
        return 0;
    size_t n = 0, klen = strlen(type_key), tlen = strlen(trade);
    for (int o = first; o >= 0; o = arr ? sw_fj_after(&m, 0, o) : -1) {
        if (n >= cap || !sw_fj_is(&m, o, SW_FJ_OBJECT) || !sw_fj_str_eq(&m, sw_fj_get(&m, o, type_key, klen), trade, tlen) ||
            sw_fill_trade_fj(&m, o, f, &ticks[n]) != 0)
            return 0;
        n++;
    }
    return sw_fast_answer(r, n);
}

int sw_fj_price(const sw_fj *m, int v, double *out)
{
    double x;
    if (sw_fj_is(m, v, SW_FJ_NUMBER)) {
        x = sw_fj_number(m, v);
    } else if (sw_fj_is(m, v, SW_FJ_STRING)) {
        size_t n;
        const char *s = sw_fj_str(m, v, &n);
        int rc = sw_decimal_parse(s, n, 0, &x);
        if (rc != 0)
            return rc;
    } else {
        return -1;
    }
    if (!isfinite(x))
        return -1;
    *out = x;
    return 0;
}

int sw_fj_symbol(const sw_fj *m, int v, sw_tick *t)
{
    size_t n;
    if (!sw_fj_is(m, v, SW_FJ_STRING))
        return -1;
    const char *s = sw_fj_str(m, v, &n);
    if (n == 0 || n >= SW_SYMBOL_MAX)
        return -1;
    memcpy(t->symbol, s, n);
    t->symbol[n] = '\0';
    return 0;
}

int sw_fj_epoch_ms(const sw_fj *m, int v, int64_t *ns)
{
    if (!sw_fj_is(m, v, SW_FJ_NUMBER))
        return -1;
    double ms = sw_fj_number(m, v);
    if (!(ms * 1e6 >= (double)SW_TS_MIN_NS && ms * 1e6 <= (double)SW_TS_MAX_NS))
        return -1;
    /* Whole milliseconds (always, in practice) round to themselves. */
    int64_t whole = (int64_t)ms;
    *ns = ((double)whole == ms ? whole : (int64_t)llround(ms)) * 1000000;
    return 0;
}

/* The key tables of the specs in use, built on first use (a handful). */
static const sw_fj_keys *spec_keys(const sw_trade_spec *f)
{
    static const sw_trade_spec *spec[8];
    static sw_fj_keys keys[8];
    static size_t n;
    for (size_t i = 0; i < n; i++)
        if (spec[i] == f)
            return &keys[i];
    const char *const k[6] = { f->symbol, f->price, f->size, f->time, f->conditions, f->tape };
    sw_fj_keys tmp;
    sw_fj_keys_init(&tmp, k, !f->cond ? 4 : f->tape ? 6 : 5);
    if (n == 8)
        abort(); /* more specs than adapters: a programming error */
    keys[n] = tmp;
    spec[n] = f;
    return &keys[n++];
}

/* The fast path's reading of a trade's conditions: 0 with *acc set, -1 if
 * they are not as a good trade has them. */
static int conditions_fj(const sw_fj *m, const int *v, const sw_trade_spec *f, sw_cond_acc *acc)
{
    sw_cond_start(acc);
    int c = v[4];
    if (c < 0 || sw_fj_is(m, c, SW_FJ_NULL))
        return 0;
    if (!sw_fj_is(m, c, SW_FJ_ARRAY))
        return -1;
    unsigned tape = 0;
    size_t len;
    if (f->tape && sw_fj_is(m, v[5], SW_FJ_STRING)) {
        const char *z = sw_fj_str(m, v[5], &len);
        tape = sw_cond_tape(z, len);
    }
    for (int e = sw_fj_first(m, c); e >= 0; e = sw_fj_after(m, c, e)) {
        if (f->numeric_codes) {
            if (!sw_fj_is(m, e, SW_FJ_NUMBER) || sw_cond_add_id(f->cond, sw_fj_number(m, e), acc) != 0)
                return -1;
        } else {
            if (!sw_fj_is(m, e, SW_FJ_STRING))
                return -1;
            const char *code = sw_fj_str(m, e, &len);
            sw_cond_add_code(f->cond, tape, code, len, acc);
        }
    }
    return 0;
}

int sw_fill_trade_fj(const sw_fj *m, int o, const sw_trade_spec *f, sw_tick *t)
{
    int v[6] = { -1, -1, -1, -1, -1, -1 };
    double price, size = 0;
    int64_t ns;
    sw_fj_fields(m, o, spec_keys(f), v);
    if (sw_fj_symbol(m, v[0], t) != 0 || sw_fj_price(m, v[1], &price) != 0 || price <= 0)
        return -1;
    if (v[2] >= 0 && (sw_fj_price(m, v[2], &size) != 0 || size < 0))
        return -1;
    if (f->time_format == SW_TRADE_TIME_EPOCH_MS) {
        if (sw_fj_epoch_ms(m, v[3], &ns) != 0)
            return -1;
    } else {
        size_t n;
        int flags = 0;
        if (!sw_fj_is(m, v[3], SW_FJ_STRING))
            return -1;
        const char *s = sw_fj_str(m, v[3], &n);
        if (sw_parse_timestamp(s, n, &ns, &flags) != 0 || !(flags & SW_TS_HAD_OFFSET) || (flags & SW_TS_DATE_ONLY) ||
            ns < SW_TS_MIN_NS || ns > SW_TS_MAX_NS)
            return -1;
    }
    sw_cond_acc acc;
    if (f->cond) {
        if (conditions_fj(m, v, f, &acc) != 0)
            return -1;
    } else {
        sw_cond_start(&acc);
    }
    t->price = price;
    t->size = size;
    t->ts_ns = ns;
    t->flags = (size == 0 ? SW_TICK_PRICE_ONLY : 0) | acc.flags | f->flags;
    t->excluded = acc.reason;
    return 0;
}

int sw_tick_set_symbol(sw_tick *t, const char *sym, const char **why)
{
    size_t n = strlen(sym);
    if (n == 0) {
        *why = "trade without symbol";
        return -1;
    }
    if (n >= SW_SYMBOL_MAX) {
        *why = "symbol too long";
        return -1;
    }
    memcpy(t->symbol, sym, n + 1);
    return 0;
}

int sw_url_append_escaped(char *out, size_t cap, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = strlen(out);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        int plain = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                    *c == '-' || *c == '_' || *c == '.' || *c == '~';
        if (o + (plain ? 1 : 3) >= cap)
            return -1;
        if (plain) {
            out[o++] = (char)*c;
        } else {
            out[o++] = '%';
            out[o++] = hex[*c >> 4];
            out[o++] = hex[*c & 15];
        }
    }
    out[o] = '\0';
    return 0;
}
