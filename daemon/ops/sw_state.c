/* sw_state.c -- see sw_state.h. */
#include "sw_state.h"
#include "sw_strict_json.h"
#include "sw_alert.h"
#include "sw_fsutil.h"
#include "sw_jsonarena.h"
#include "sw_lines.h"
#include "sw_log.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REPORT_MAX 10

int sw_state_init(sw_state *st, const char *state_dir, const char *mode)
{
    memset(st, 0, sizeof *st);
    snprintf(st->mode, sizeof st->mode, "%s", mode);
    st->dir = strdup(state_dir);
    st->path = st->dir ? sw_fs_join(state_dir, SW_STATE_FILE) : NULL;
    if (!st->dir || !st->path) {
        sw_state_free(st);
        return -1;
    }
    return 0;
}

/* A version-1 file's records whole, and their checkpoint bytes. */
static void free_v1(sw_state *st)
{
    for (size_t i = 0; st->v1 && i < st->n_v1; i++)
        free(st->v1[i].engine);
    free(st->v1);
    st->v1 = NULL;
    st->n_v1 = 0;
}

/* The pools of detector entries and numbers: a version-1 file's records
 * use them for the run, a line read again for a moment. */
static void free_pools(sw_state *st)
{
    free(st->dets);
    free(st->vals);
    st->dets = NULL;
    st->vals = NULL;
    st->n_dets = st->n_vals = st->det_cap = st->val_cap = 0;
}

/* The checkpoint's detector-wide state and policy keys: used once, by
 * sw_state_apply (the stale detector's alone is ~9 bytes a symbol). */
static void free_checkpoint_parts(sw_state *st)
{
    for (size_t k = 0; k < SW_STATE_DET_MAX; k++) {
        free(st->priv[k]);
        st->priv[k] = NULL;
        st->priv_len[k] = 0;
    }
    free(st->keys);
    st->keys = NULL;
    st->n_keys = st->key_cap = 0;
}

static void free_checkpoint(sw_state *st)
{
    free_checkpoint_parts(st);
    st->fingerprint = 0;
}

void sw_state_free(sw_state *st)
{
    free_checkpoint(st);
    free_v1(st);
    if (st->file)
        fclose(st->file);
    free(st->dir);
    free(st->path);
    free(st->recs);
    free_pools(st);
    memset(st, 0, sizeof *st);
}

void sw_state_set_policy(sw_state *st, sw_policy *p)
{
    st->policy = p;
}

/* ---- base64 (RFC 4648, with padding): the checkpoint's bytes in JSON ---------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The four characters of in[i .. i + 3) (padded past n) at o. */
static void b64_quad(const unsigned char *in, size_t i, size_t n, char *o)
{
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
    o[0] = b64[v >> 18 & 63];
    o[1] = b64[v >> 12 & 63];
    o[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
    o[3] = i + 2 < n ? b64[v & 63] : '=';
}

/* A malloc'd NUL-terminated string, or NULL. */
static char *b64_encode(const unsigned char *in, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3, o += 4)
        b64_quad(in, i, n, o);
    *o = '\0';
    return out;
}

static int b64_value(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

/* Decode text into a malloc'd buffer; returns it with *n, or NULL when the
 * text is not base64. */
static unsigned char *b64_decode(const char *text, size_t *n)
{
    size_t len = strlen(text);
    if (len % 4)
        return NULL;
    unsigned char *out = malloc(len / 4 * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = text[i + k] == '=' && i + 4 == len && k >= 2 ? 0 : b64_value(text[i + k]);
        int pad = (text[i + 3] == '=') + (text[i + 2] == '=');
        if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0 || (pad && i + 4 != len) ||
            (text[i + 2] == '=' && text[i + 3] != '=')) {
            free(out);
            return NULL;
        }
        uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[o++] = (unsigned char)(x >> 16);
        if (pad < 2)
            out[o++] = (unsigned char)(x >> 8);
        if (pad < 1)
            out[o++] = (unsigned char)x;
    }
    *n = o;
    return out;
}

/* ---- loading -------------------------------------------------------------------- */

typedef struct loader {
    const char *file;
    int errors;
    size_t line;                     /* version 2: the line read (1 is the first); 0: version 1 */
} loader;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void bad(loader *L, const char *path, const char *fmt, ...)
{
    if (L->errors++ >= REPORT_MAX)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (L->line)
        sw_warn("%s:%zu: %s: %s", L->file, L->line, path, msg);
    else
        sw_warn("%s: %s: %s", L->file, path, msg);
}

/* A price: a positive finite number, or null (NaN) when unknown. */
static void get_price(loader *L, const cJSON *o, const char *key, const char *sp, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char p[128];
    snprintf(p, sizeof p, "%s.%s", sp, key);
    *out = NAN;
    if (!v || cJSON_IsNull(v))
        return;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || !(v->valuedouble > 0)) {
        bad(L, p, "is %s (a positive price or null)", cJSON_IsNumber(v) ? "not a positive price" : sw_json_type_name(v));
        return;
    }
    *out = v->valuedouble;
}

static void get_day(loader *L, const cJSON *o, const char *sp, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "day");
    char p[128];
    snprintf(p, sizeof p, "%s.day", sp);
    *out = SW_NO_DAY;
    if (!v || cJSON_IsNull(v))
        return;
    int y, m, d, n = 0;
    if (!cJSON_IsString(v) || sscanf(v->valuestring, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
        v->valuestring[n] != '\0' || y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) {
        bad(L, p, "is %s (a date \"YYYY-MM-DD\" or null)", cJSON_IsString(v) ? "not a date" : sw_json_type_name(v));
        return;
    }
    *out = sw_days_from_civil(y, m, d);
}

static void get_ts(loader *L, const cJSON *o, const char *sp, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "last_ts_ns");
    char p[128];
    snprintf(p, sizeof p, "%s.last_ts_ns", sp);
    *out = INT64_MIN;
    if (!v || cJSON_IsNull(v))
        return;
    /* A string: nanoseconds do not fit a JSON number's double exactly. */
    char *end = NULL;
    errno = 0;
    long long x = cJSON_IsString(v) ? strtoll(v->valuestring, &end, 10) : 0;
    if (!cJSON_IsString(v) || !v->valuestring[0] || *end || errno || x < 0) {
        bad(L, p, "is %s (nanoseconds since 1970 as a string of digits)",
            cJSON_IsString(v) ? "not a number of nanoseconds" : sw_json_type_name(v));
        return;
    }
    *out = (int64_t)x;
}

/* Room for one more detector entry in the pool; NULL if out of memory. */
static sw_state_det *new_det(sw_state *st)
{
    size_t *cap = &st->det_cap;
    if (st->n_dets == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        sw_state_det *nd = realloc(st->dets, ncap * sizeof *nd);
        if (!nd)
            return NULL;
        st->dets = nd;
        *cap = ncap;
    }
    return &st->dets[st->n_dets++];
}

/* A detector's numbers are one string, "1.5 null 42" (JSON numbers, null
 * for NaN, one space between them), not a JSON array: a volume baseline is
 * 160 numbers a symbol, and as array items cJSON would hold each in a node of
 * its own -- some 13 KiB a symbol while the file is parsed, against a
 * kilobyte of text. */
static size_t count_values(const char *text)
{
    if (!*text)
        return 0;
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ' ';
    return n;
}

/* The string of n numbers into a malloc'd buffer (NULL: out of memory): each
 * as short as reads back to the same double. */
static char *values_text(const double *v, size_t n)
{
    char *text = malloc(n * 26 + 1), *p = text;
    if (!text)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ' ';
        if (!isfinite(v[i])) {
            memcpy(p, "null", 5);
        } else {
            snprintf(p, 26, "%.15g", v[i]);
            if (strtod(p, NULL) != v[i])
                snprintf(p, 26, "%.17g", v[i]);
        }
        p += strlen(p);
    }
    return text;
}

/* A detector entry's numbers (none: the pool may not exist). */
static const double *det_vals(const sw_state *st, const sw_state_det *sd)
{
    static const double none[1];
    return sd->n ? st->vals + sd->off : none;
}

/* Room for n more numbers in the pool; -1 if out of memory. */
static int reserve_vals(sw_state *st, size_t n)
{
    size_t *cap = &st->val_cap;
    if (st->n_vals + n <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 256;
    while (ncap < st->n_vals + n)
        ncap *= 2;
    double *nv = realloc(st->vals, ncap * sizeof *nv);
    if (!nv)
        return -1;
    st->vals = nv;
    *cap = ncap;
    return 0;
}

static void get_detectors(loader *L, sw_state *st, const cJSON *o, const char *sp, sw_state_whole *r)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "detectors");
    char p[160];
    snprintf(p, sizeof p, "%s.detectors", sp);
    if (!arr || cJSON_IsNull(arr))
        return;
    if (!cJSON_IsArray(arr)) {
        bad(L, p, "is %s (an array)", sw_json_type_name(arr));
        return;
    }
    size_t i = 0;
    for (const cJSON *d = arr->child; d; d = d->next, i++) {
        char dp[200];
        snprintf(dp, sizeof dp, "%s[%zu]", p, i);
        if (r->n_det >= SW_STATE_DET_MAX) {
            bad(L, p, "has more than %d entries", SW_STATE_DET_MAX);
            return;
        }
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(d, "index");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(d, "type");
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(d, "values");
        size_t n_vals = cJSON_IsString(vals) ? count_values(vals->valuestring) : 0;
        if (!cJSON_IsObject(d) || !cJSON_IsNumber(idx) || idx->valuedouble < 0 || idx->valuedouble > 1000 ||
            idx->valuedouble != floor(idx->valuedouble) || !cJSON_IsString(type) ||
            strlen(type->valuestring) >= sizeof st->dets[0].type || !cJSON_IsString(vals) ||
            n_vals > SW_STATE_DET_VALUES) {
            bad(L, dp, "is not {\"index\": N, \"type\": NAME, \"values\": \"at most %d numbers or null, "
                "separated by spaces\"}", SW_STATE_DET_VALUES);
            continue;
        }
        sw_state_det *sd = new_det(st);
        if (!sd || reserve_vals(st, n_vals) != 0) {
            bad(L, dp, "could not be kept (out of memory)");
            return;
        }
        if (r->n_det++ == 0)
            r->det = (uint32_t)(st->n_dets - 1);
        sd->index = (int)idx->valuedouble;
        snprintf(sd->type, sizeof sd->type, "%s", type->valuestring);
        sd->off = st->n_vals;
        sd->n = 0;
        const char *q = vals->valuestring;
        for (; sd->n < n_vals; sd->n++) {
            size_t len = strcspn(q, " ");
            int null = len == 4 && strncmp(q, "null", 4) == 0;
            char *end = (char *)q + (null ? 4 : 0);
            double x = null ? NAN : strtod(q, &end);
            /* strtod would take "nan", "inf" and leading blanks: none is ours */
            if (len == 0 || end != q + len || (!null && !isfinite(x))) {
                bad(L, dp, "values: number %zu is \"%.*s\" (a number or null)", sd->n + 1, len > 40 ? 40 : (int)len, q);
                sd->n = 0; /* the detector starts afresh */
                break;
            }
            st->vals[st->n_vals + sd->n] = x;
            q += len + (q[len] == ' ');
        }
        st->n_vals += sd->n;
    }
}

/* The whole of f (size bytes, checked by the caller), NUL-terminated; or
 * NULL (reported).  Closes f. */
static char *read_file(const char *path, FILE *f, size_t size, size_t *len)
{
    char *buf = malloc(size + 1);
    size_t n = buf ? fread(buf, 1, size, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        sw_warn("%s: %s; starting without saved state", path, buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* One alert policy key (version 1: checkpoint.policy[i]; version 2: a
 * line's "policy_key") into st->keys. */
static void get_key(loader *L, sw_state *st, const cJSON *o, const char *p)
{
    const cJSON *sym = cJSON_GetObjectItemCaseSensitive(o, "symbol");
    const cJSON *f[4] = { cJSON_GetObjectItemCaseSensitive(o, "instance"),
                          cJSON_GetObjectItemCaseSensitive(o, "direction"),
                          cJSON_GetObjectItemCaseSensitive(o, "severity"),
                          cJSON_GetObjectItemCaseSensitive(o, "magnitude") };
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(o, "active");
    const cJSON *alerted = cJSON_GetObjectItemCaseSensitive(o, "alerted");
    int ok = cJSON_IsObject(o) && cJSON_IsString(sym) && strlen(sym->valuestring) < sizeof st->keys[0].symbol &&
             cJSON_IsBool(active) && cJSON_IsBool(alerted);
    /* instance, direction and severity become ints: in range first */
    for (int j = 0; j < 4; j++)
        ok = ok && cJSON_IsNumber(f[j]) && isfinite(f[j]->valuedouble) && (j == 3 || fabs(f[j]->valuedouble) < 1e9);
    int64_t ts = INT64_MIN;
    if (ok)
        get_ts(L, o, p, &ts);
    if (!ok) {
        bad(L, p, "is not a policy key {\"symbol\", \"instance\", \"direction\", \"active\", \"alerted\", "
            "\"severity\", \"magnitude\", \"last_ts_ns\"}");
        return;
    }
    if (st->n_keys == st->key_cap) {
        size_t ncap = st->key_cap ? st->key_cap * 2 : 64;
        sw_policy_key_state *nk = realloc(st->keys, ncap * sizeof *nk);
        if (!nk) {
            bad(L, p, "could not be kept (out of memory)");
            return;
        }
        st->keys = nk;
        st->key_cap = ncap;
    }
    sw_policy_key_state *ks = &st->keys[st->n_keys++];
    memset(ks, 0, sizeof *ks);
    snprintf(ks->symbol, sizeof ks->symbol, "%s", sym->valuestring);
    ks->instance = (int)f[0]->valuedouble;
    ks->direction = (int)f[1]->valuedouble;
    ks->severity = (int)f[2]->valuedouble;
    ks->magnitude = f[3]->valuedouble;
    ks->active = cJSON_IsTrue(active);
    ks->alerted = cJSON_IsTrue(alerted);
    ks->last_ts = ts;
}

/* "checkpoint": {"fingerprint": HEX, "detectors": [null or BASE64, ...],
 * "policy": [{"symbol", "instance", "direction", "active", "alerted",
 * "severity", "magnitude", "last_ts_ns"}, ...]}.  One written for another
 * engine (fingerprint) is read and then left unused. */
static void get_checkpoint(loader *L, sw_state *st, const cJSON *cp)
{
    if (!cp || cJSON_IsNull(cp))
        return;
    const cJSON *fp = cJSON_GetObjectItemCaseSensitive(cp, "fingerprint");
    char *end = NULL;
    if (!cJSON_IsObject(cp) || !cJSON_IsString(fp) || strlen(fp->valuestring) != 16 ||
        (st->fingerprint = strtoull(fp->valuestring, &end, 16), !end || *end)) {
        bad(L, "checkpoint", "is not {\"fingerprint\": 16 hex digits, ...}");
        st->fingerprint = 0;
        return;
    }
    const cJSON *dets = cJSON_GetObjectItemCaseSensitive(cp, "detectors");
    size_t k = 0;
    for (const cJSON *d = cJSON_IsArray(dets) ? dets->child : NULL; d && k < SW_STATE_DET_MAX; d = d->next, k++) {
        if (cJSON_IsNull(d))
            continue;
        if (!cJSON_IsString(d) || !(st->priv[k] = b64_decode(d->valuestring, &st->priv_len[k])))
            bad(L, "checkpoint.detectors", "[%zu] is not base64 or null", k);
    }
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(cp, "policy");
    size_t i = 0;
    for (const cJSON *o = cJSON_IsArray(keys) ? keys->child : NULL; o; o = o->next, i++) {
        char p[48];
        snprintf(p, sizeof p, "checkpoint.policy[%zu]", i);
        get_key(L, st, o, p);
    }
}

/* ---- the watchlist: names in the engine's order ------------------------------- */

/* A watched name and its index in the engine's order (the first appearance
 * in the groups, in order: sw_engine_init's interning). */
typedef struct wname {
    const char *name;
    uint32_t idx;
} wname;

/* The watchlist, distinct names sorted by name for lookups; order hashes
 * the names in index order (what a record's sym means). */
typedef struct watch {
    wname *by_name;
    size_t n;
    uint64_t order;
} watch;

static int wname_by_name(const void *a, const void *b)
{
    const wname *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int wname_by_idx(const void *a, const void *b)
{
    const wname *x = a, *y = b;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* FNV-1a over the names in index order, each with its terminating NUL. */
static uint64_t order_add(uint64_t h, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name;; p++) {
        h = (h ^ *p) * UINT64_C(0x100000001b3);
        if (!*p)
            return h;
    }
}

#define ORDER_SEED UINT64_C(0xcbf29ce484222325)

static uint64_t engine_order(const sw_engine *e)
{
    uint64_t h = ORDER_SEED;
    for (size_t i = 0; i < e->n_syms; i++)
        h = order_add(h, sw_engine_sym(e, i)->name);
    return h;
}

/* w->by_name[0 .. n) holds every member with idx its position among all
 * members: keep each name's first appearance, number those in order, hash
 * that order and sort by name. */
static void watch_finish(watch *w)
{
    if (w->n > 1)
        qsort(w->by_name, w->n, sizeof *w->by_name, wname_by_name);
    size_t k = 0;
    for (size_t i = 0; i < w->n; i++)
        if (!k || strcmp(w->by_name[i].name, w->by_name[k - 1].name) != 0)
            w->by_name[k++] = w->by_name[i]; /* the first of its equals: the lowest position */
    w->n = k;
    if (w->n > 1)
        qsort(w->by_name, w->n, sizeof *w->by_name, wname_by_idx);
    w->order = ORDER_SEED;
    for (size_t i = 0; i < w->n; i++) {
        w->by_name[i].idx = (uint32_t)i;
        w->order = order_add(w->order, w->by_name[i].name);
    }
    if (w->n > 1)
        qsort(w->by_name, w->n, sizeof *w->by_name, wname_by_name);
}

/* The index of name in the watchlist, or -1 if it is not watched. */
static int64_t watched(const watch *w, const char *name)
{
    size_t lo = 0, hi = w->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, w->by_name[mid].name);
        if (!c)
            return w->by_name[mid].idx;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* The name of index idx (errors only: a scan). */
static const char *watch_name(const watch *w, uint32_t idx)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->by_name[i].idx == idx)
            return w->by_name[i].name;
    return "?";
}

static size_t load(sw_state *st, const watch *w);

size_t sw_state_load(sw_state *st, sw_engine *e)
{
    watch w = { calloc(e->n_syms ? e->n_syms : 1, sizeof(wname)), 0, 0 };
    if (!w.by_name) {
        sw_warn("%s: out of memory; starting without saved state", st->path ? st->path : "state");
        return 0;
    }
    for (size_t i = 0; i < e->n_syms; i++)
        w.by_name[w.n++] = (wname){ sw_engine_sym(e, i)->name, (uint32_t)i };
    watch_finish(&w);
    size_t n = load(st, &w);
    free(w.by_name);
    return n;
}

size_t sw_state_load_config(sw_state *st, const sw_config *cfg)
{
    size_t total = 0;
    for (size_t g = 0; g < cfg->n_groups; g++)
        total += cfg->groups[g].n_members;
    watch w = { calloc(total ? total : 1, sizeof(wname)), 0, 0 };
    if (!w.by_name) {
        sw_warn("%s: out of memory; starting without saved state", st->path ? st->path : "state");
        return 0;
    }
    for (size_t g = 0; g < cfg->n_groups; g++)
        for (size_t m = 0; m < cfg->groups[g].n_members; m++, w.n++)
            w.by_name[w.n] = (wname){ cfg->groups[g].members[m], (uint32_t)w.n };
    watch_finish(&w);
    size_t n = load(st, &w);
    free(w.by_name);
    return n;
}

/* Drop what a load kept: records, pools, the checkpoint, the file. */
static void unload(sw_state *st)
{
    free_checkpoint(st);
    free_v1(st);
    free_pools(st);
    free(st->recs);
    st->recs = NULL;
    st->n = 0;
    st->pending = 0;
    st->order = 0;
    if (st->file)
        fclose(st->file);
    st->file = NULL;
}

/* One symbol's object (version 1: symbols.NAME; version 2: its line) into r:
 * the numbers, its detectors' entries appended to the pools, the
 * checkpoint's bytes decoded.  sp names the object in errors. */
static void get_rec(loader *L, sw_state *st, const cJSON *s, const char *sp, const char *sym, sw_state_whole *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->symbol, sizeof r->symbol, "%s", sym);
    get_day(L, s, sp, &r->day);
    get_price(L, s, "prev_close", sp, &r->prev_close);
    get_price(L, s, "open", sp, &r->open);
    get_price(L, s, "day_close", sp, &r->day_close);
    get_price(L, s, "last_price", sp, &r->last_price);
    get_ts(L, s, sp, &r->last_ts);
    get_detectors(L, st, s, sp, r);
    const cJSON *eng = cJSON_GetObjectItemCaseSensitive(s, "engine");
    if (cJSON_IsNull(eng))
        eng = NULL;
    if (eng && !cJSON_IsString(eng))
        bad(L, sp, "engine is %s (base64)", sw_json_type_name(eng));
    else if (eng && !(r->engine = b64_decode(eng->valuestring, &r->engine_len)))
        bad(L, sp, "engine is not base64");
}

/* Hand back what a failed load read, and say so. */
static size_t ignored(sw_state *st, const loader *L, sw_state_rec *recs)
{
    if (L->errors > REPORT_MAX)
        sw_warn("%s: %d more problems", st->path, L->errors - REPORT_MAX);
    sw_warn("%s: ignored (starting without saved state)", st->path);
    free(recs);
    unload(st);
    return 0;
}

static int rec_by_sym(const void *a, const void *b)
{
    const sw_state_rec *x = a, *y = b;
    return (x->sym > y->sym) - (x->sym < y->sym);
}

/* Sort the records by sym (a save finds the record of a symbol without news
 * by bisection) and report a symbol read twice -- which one would be meant?
 * (version 1: a key repeated in "symbols", which cJSON keeps). */
static void twice(loader *L, const watch *w, sw_state_rec *recs, size_t n)
{
    if (n > 1)
        qsort(recs, n, sizeof *recs, rec_by_sym);
    for (size_t i = 1; i < n; i++) {
        if (recs[i].sym != recs[i - 1].sym)
            continue;
        const char *name = watch_name(w, recs[i].sym);
        if (L->line) {
            uint32_t a = recs[i - 1].line, b = recs[i].line;
            L->line = a > b ? a : b;
            bad(L, name, "appears twice (also on line %u)", a > b ? b : a);
        } else {
            char sp[64];
            snprintf(sp, sizeof sp, "symbols.%.40s", name);
            bad(L, sp, "appears twice");
        }
    }
}

/* The records kept (sorted by twice). */
static size_t keep(sw_state *st, const watch *w, sw_state_rec *recs, size_t n, size_t unknown)
{
    if (!n) { /* room for the watchlist, unused */
        free(recs);
        recs = NULL;
    }
    st->recs = recs;
    st->n = n;
    st->order = w->order;
    st->pending = n > 0;
    if (n)
        sw_info("%s: saved state of %zu symbols%s", st->path, n,
                unknown ? " (symbols no longer watched left out)" : "");
    return n;
}

/* The mode a file was written in: 0 if it is ours, 1 if it is the other
 * mode's (said, not an error), -1 if bad (reported). */
static int check_mode(loader *L, sw_state *st, const cJSON *root)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "mode");
    if (!cJSON_IsString(v) || (strcmp(v->valuestring, "replay") != 0 && strcmp(v->valuestring, "live") != 0)) {
        bad(L, "mode", "is %s (\"replay\" or \"live\")", cJSON_IsString(v) ? "unknown" : sw_json_type_name(v));
        return -1;
    }
    if (strcmp(v->valuestring, st->mode) != 0) {
        sw_info("%s: written by a %s run; a %s run starts without it", st->path, v->valuestring, st->mode);
        return 1;
    }
    return 0;
}

/* Version 1: one JSON document {"v":1,"mode","saved_at","checkpoint",
 * "symbols":{NAME:{..},..}}, parsed whole (the previous release's file,
 * read once when upgrading).  Its records are held whole in st->v1 (there
 * is no line to read them from again) until the next save. */
static size_t load_v1(sw_state *st, const watch *w, FILE *f, size_t size)
{
    size_t len;
    char *text = read_file(st->path, f, size, &len);
    if (!text)
        return 0;
    loader L = { st->path, 0, 0 };
    size_t mark = sw_jsonarena_mark();
    cJSON *root = cJSON_ParseWithLength(text, len);
    sw_state_rec *recs = NULL;
    size_t n = 0, unknown = 0;
    const cJSON *v, *syms = NULL;
    if (!root || !cJSON_IsObject(root)) {
        bad(&L, "(top level)", "is not a JSON object%s", root ? "" : " (invalid JSON)");
        goto done;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "v");
    if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
        bad(&L, "v", "is %s (1 or 2: the versions this shockd reads)",
            cJSON_IsNumber(v) ? "another version" : sw_json_type_name(v));
        goto done;
    }
    if (check_mode(&L, st, root) != 0)
        goto done;
    syms = cJSON_GetObjectItemCaseSensitive(root, "symbols");
    if (!cJSON_IsObject(syms)) {
        bad(&L, "symbols", "is %s (an object of symbols)", syms ? sw_json_type_name(syms) : "missing");
        goto done;
    }
    recs = calloc(w->n ? w->n : 1, sizeof *recs);
    st->v1 = calloc(w->n ? w->n : 1, sizeof *st->v1);
    if (!recs || !st->v1) {
        bad(&L, "symbols", "could not be kept (out of memory)");
        goto done;
    }
    for (const cJSON *s = syms->child; s; s = s->next) {
        char sp[64];
        snprintf(sp, sizeof sp, "symbols.%.40s", s->string);
        if (!cJSON_IsObject(s)) {
            bad(&L, sp, "is %s (an object)", sw_json_type_name(s));
            continue;
        }
        int64_t idx = watched(w, s->string);
        if (idx < 0) {
            unknown++; /* no longer watched */
            continue;
        }
        if (n >= w->n) {
            bad(&L, sp, "appears twice");
            continue;
        }
        get_rec(&L, st, s, sp, s->string, &st->v1[st->n_v1]);
        recs[n++] = (sw_state_rec){ .sym = (uint32_t)idx, .off = (uint32_t)st->n_v1++, .flags = SW_STATE_REC_V1 };
    }
    get_checkpoint(&L, st, cJSON_GetObjectItemCaseSensitive(root, "checkpoint"));
done:
    cJSON_Delete(root);
    sw_jsonarena_release(mark);
    free(text);
#if defined(__GLIBC__)
    /* The tree was thousands of small blocks: glibc keeps freed ones in its
     * heap, where the engine (one large block, mapped afresh) cannot reuse
     * them.  Hand the pages back, or RSS keeps the parse on top of the
     * engine (about a kilobyte a symbol). */
    malloc_trim(0);
#endif
    if (!L.errors)
        twice(&L, w, recs, n);
    if (L.errors)
        return ignored(st, &L, recs);
    if (!st->n_v1) {
        free_v1(st);
    } else if (st->n_v1 < w->n) { /* room for the watchlist was taken; keep what is used */
        sw_state_whole *fit = realloc(st->v1, st->n_v1 * sizeof *st->v1);
        if (fit)
            st->v1 = fit;
    }
    return keep(st, w, recs, n, unknown);
}

/* Does text begin a version-2 file, {"v":2 (blanks allowed)? */
static int is_v2(const char *t)
{
    static const char blank[] = " \t\r\n";
    t += strspn(t, blank);
    if (*t++ != '{')
        return 0;
    t += strspn(t, blank);
    if (strncmp(t, "\"v\"", 3) != 0)
        return 0;
    t += 3;
    t += strspn(t, blank);
    if (*t++ != ':')
        return 0;
    t += strspn(t, blank);
    return t[0] == '2' && t[1] && strchr(",} \t\r\n", t[1]);
}

/* Version 2, JSON Lines: the header {"v":2,"mode","saved_at","checkpoint":
 * {"fingerprint","detectors"}}, then {"symbol":NAME,..} lines, then
 * {"policy_key":{..}} lines, then {"end":N} with N the lines before it.
 * Each line is parsed whole (every error now, not at the first event) and
 * freed before the next; a record keeps which symbol it is and where its
 * line is (what the line says is read again when used), and the file stays
 * open for that. */
static size_t load_v2(sw_state *st, const watch *w, FILE *f)
{
    loader L = { st->path, 0, 0 };
    size_t n = 0, unknown = 0, lines = 0;
    int ended = 0, other = 0, read_failed = 0;
    sw_lines lr;
    sw_state_rec *recs = calloc(w->n ? w->n : 1, sizeof *recs);
    if (!recs || sw_lines_from(&lr, f, SW_STATE_MAX_LINE) != 0) {
        sw_warn("%s: out of memory; starting without saved state", st->path);
        free(recs);
        fclose(f);
        return 0;
    }
    while (!other) {
        int64_t at = (int64_t)sw_lines_offset(&lr);
        char *line;
        size_t tl;
        int got = sw_lines_next(&lr, &line, &tl);
        if (got == SW_LINES_EOF)
            break;
        if (got == SW_LINES_ERROR) {
            read_failed = 1;
            break;
        }
        L.line = ++lines;
        if (got == SW_LINES_TOO_LONG) {
            bad(&L, "(line)", "is longer than %u bytes (not a line of ours)", SW_STATE_MAX_LINE);
            break;
        }
        if (ended) {
            bad(&L, "(line)", "comes after the end line");
            break;
        }
        if (at > (int64_t)UINT32_MAX) { /* it grew while read: a record's offset is 32 bits */
            bad(&L, "(line)", "starts past 4 GiB (not a file of ours)");
            break;
        }
        size_t mark = sw_jsonarena_mark();
        cJSON *o = cJSON_ParseWithLength(line, tl);
        const cJSON *v;
        if (!cJSON_IsObject(o)) {
            bad(&L, "(line)", "is not a JSON object%s", o ? "" : " (invalid JSON)");
        } else if (lines == 1) {
            v = cJSON_GetObjectItemCaseSensitive(o, "v");
            if (!cJSON_IsNumber(v) || v->valuedouble != 2)
                bad(&L, "v", "is %s (1 or 2: the versions this shockd reads)",
                    cJSON_IsNumber(v) ? "another version" : sw_json_type_name(v));
            else if ((other = check_mode(&L, st, o)) == 0)
                get_checkpoint(&L, st, cJSON_GetObjectItemCaseSensitive(o, "checkpoint"));
        } else if ((v = cJSON_GetObjectItemCaseSensitive(o, "symbol"))) {
            char sp[48];
            snprintf(sp, sizeof sp, "%.40s", cJSON_IsString(v) ? v->valuestring : "symbol");
            int64_t idx = cJSON_IsString(v) ? watched(w, v->valuestring) : -1;
            if (!cJSON_IsString(v) || !v->valuestring[0]) {
                bad(&L, "symbol", "is %s (a symbol's name)", cJSON_IsString(v) ? "empty" : sw_json_type_name(v));
            } else if (idx < 0) {
                unknown++; /* no longer watched */
            } else if (n >= w->n) {
                bad(&L, sp, "appears twice");
            } else {
                /* Read whole to check it, then only where it is kept. */
                size_t md = st->n_dets, mv = st->n_vals;
                sw_state_whole whole;
                get_rec(&L, st, o, sp, v->valuestring, &whole);
                free(whole.engine);
                st->n_dets = md;
                st->n_vals = mv;
                recs[n++] = (sw_state_rec){ .sym = (uint32_t)idx, .line = (uint32_t)lines, .len = (uint32_t)tl,
                                            .off = (uint32_t)at };
            }
        } else if ((v = cJSON_GetObjectItemCaseSensitive(o, "policy_key"))) {
            get_key(&L, st, v, "policy_key");
        } else if ((v = cJSON_GetObjectItemCaseSensitive(o, "end"))) {
            if (!cJSON_IsNumber(v) || v->valuedouble != (double)(lines - 1))
                bad(&L, "end", "is not %zu, the lines before it (lines are missing or added)", lines - 1);
            ended = 1;
        } else {
            bad(&L, "(line)", "is none of a symbol's {\"symbol\": ..}, {\"policy_key\": ..}, {\"end\": N}");
        }
        cJSON_Delete(o);
        sw_jsonarena_release(mark);
        if (L.errors > REPORT_MAX || (lines == 1 && L.errors))
            break; /* a bad header: the rest is not read as ours */
    }
    if (read_failed) {
        bad(&L, "(file)", "read error: %s", strerror(errno));
    } else if (!other && !ended && !L.errors) {
        L.line = lines + 1;
        bad(&L, "(end)", "missing: the file was cut short");
    }
    sw_lines_close(&lr); /* not f: the records' lines are read from it later */
    if (!L.errors)
        twice(&L, w, recs, n);
    free_pools(st); /* they served the checks only: a version-2 record holds none */
    if (!L.errors && n && n < w->n) { /* room for the watchlist was taken; keep what is used */
        sw_state_rec *fit = realloc(recs, n * sizeof *recs);
        if (fit)
            recs = fit;
    }
#if defined(__GLIBC__)
    malloc_trim(0); /* the line buffer and the pools' growth */
#endif
    if (L.errors) {
        fclose(f);
        return ignored(st, &L, recs);
    }
    if (other || !n) {
        fclose(f);
        if (other)
            n = 0;
        free_checkpoint(st);
    } else {
        st->file = f;
    }
    if (other) {
        free(recs);
        return 0;
    }
    return keep(st, w, recs, n, unknown);
}

static size_t load(sw_state *st, const watch *w)
{
    if (!st->path)
        return 0;
    unload(st);
    FILE *f = fopen(st->path, "rb");
    if (!f) {
        if (errno == ENOENT)
            sw_info("%s: none yet (first start)", st->path);
        else
            sw_warn("%s: cannot open: %s; starting without saved state", st->path, strerror(errno));
        return 0;
    }
    struct stat sb;
    memset(&sb, 0, sizeof sb);
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        sw_warn("%s: not a regular file; ignored", st->path);
        fclose(f);
        return 0;
    }
    char head[64];
    size_t hn = fread(head, 1, sizeof head - 1, f);
    head[hn] = '\0';
    rewind(f);
    /* Version 1 is held whole while it is parsed; version 2 a line at a
     * time, each at most SW_STATE_MAX_LINE. */
    int v2 = is_v2(head);
    uint64_t max = v2 ? SW_STATE_MAX_BYTES_V2 : SW_STATE_MAX_BYTES;
    if ((uint64_t)sb.st_size > max) {
        sw_warn("%s: larger than %" PRIu64 " MiB (not a state file of ours); ignored", st->path, max >> 20);
        fclose(f);
        return 0;
    }
    if (v2)
        return load_v2(st, w, f);
    return load_v1(st, w, f, (size_t)sb.st_size);
}

/* ---- using the records ---------------------------------------------------------- */

/* Record r's line parsed (the caller deletes it under its arena mark), or
 * NULL (reported as FILE:LINE: name: what, then `then`). */
static cJSON *rec_line(sw_state *st, const sw_state_rec *r, const char *name, const char *then)
{
    loader L = { st->path, 0, r->line };
    char *text = st->file ? malloc((size_t)r->len + 1) : NULL;
    if (!text) {
        bad(&L, name, "cannot be read again (%s); %s", st->file ? "out of memory" : "the file is closed", then);
        return NULL;
    }
    ssize_t got = pread(fileno(st->file), text, r->len, (off_t)r->off);
    cJSON *o = got == (ssize_t)r->len ? cJSON_ParseWithLength(text, r->len) : NULL;
    if (got != (ssize_t)r->len)
        bad(&L, name, "cannot be read again: %s; %s", got < 0 ? strerror(errno) : "the file is shorter now", then);
    else if (!cJSON_IsObject(o))
        bad(&L, name, "is not a JSON object any more (the file changed since it was read); %s", then);
    free(text);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Hand back what rec_read took; md, mv: the pools' sizes before it. */
static void rec_release(sw_state *st, const sw_state_whole *w, sw_state_whole *scratch, size_t md, size_t mv)
{
    if (w != scratch)
        return; /* a version-1 record's entry: held until the next save */
    free(scratch->engine);
    scratch->engine = NULL;
    st->n_dets = md;
    st->n_vals = mv;
}

/* Record r whole, for the symbol named `name`: *out points at a version-1
 * record's entry, or at *scratch, read again from its line (its detector
 * entries appended to the pools; rec_release hands them back).  Returns 0,
 * or -1 (reported: the line can no longer be read, is no longer that
 * symbol's, or no longer says what it said at the load -- the file changed
 * under us; `then` says what follows). */
static int rec_read(sw_state *st, const sw_state_rec *r, const char *name, sw_state_whole *scratch,
                    const sw_state_whole **out, const char *then)
{
    if (r->flags & SW_STATE_REC_V1) {
        *out = &st->v1[r->off];
        return 0;
    }
    size_t mark = sw_jsonarena_mark();
    cJSON *o = rec_line(st, r, name, then);
    loader L = { st->path, 0, r->line };
    int rc = -1;
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(o, "symbol");
    if (!o) {
        /* reported */
    } else if (!cJSON_IsString(sv) || strcmp(sv->valuestring, name) != 0) {
        bad(&L, name, "is not that symbol's line any more (the file changed since it was read); %s", then);
    } else {
        char sp[48];
        snprintf(sp, sizeof sp, "%.40s", name);
        size_t md = st->n_dets, mv = st->n_vals;
        get_rec(&L, st, o, sp, name, scratch);
        if (L.errors) {
            rec_release(st, scratch, scratch, md, mv);
            bad(&L, name, "the line changed since it was read (the problem above); %s", then);
        } else {
            *out = scratch;
            rc = 0;
        }
    }
    cJSON_Delete(o);
    sw_jsonarena_release(mark);
    return rc;
}

/* The record of the symbol with index sym, or NULL. */
static sw_state_rec *rec_of(const sw_state *st, uint32_t sym)
{
    sw_state_rec key = { .sym = sym };
    return st->n ? bsearch(&key, st->recs, st->n, sizeof *st->recs, rec_by_sym) : NULL;
}

/* The records count symbols in the order of the watchlist they were loaded
 * for; an engine with another (a reload changed the watchlist) gets them
 * counted in its own: each record's symbol read again from its line,
 * found in e, or dropped (no longer watched, or its line unreadable:
 * reported). */
static void follow_order(sw_state *st, const sw_engine *e)
{
    uint64_t order = engine_order(e);
    if (!st->n || order == st->order)
        return;
    size_t k = 0, gone = 0;
    for (size_t i = 0; i < st->n; i++) {
        sw_state_rec r = st->recs[i];
        uint32_t idx = SW_SYMTAB_EMPTY;
        if (r.flags & SW_STATE_REC_V1) {
            idx = sw_symtab_find(&e->tab, st->v1[r.off].symbol);
        } else {
            size_t mark = sw_jsonarena_mark();
            cJSON *o = rec_line(st, &r, "(a record)", "its symbol starts fresh");
            const cJSON *sv = cJSON_GetObjectItemCaseSensitive(o, "symbol");
            if (cJSON_IsString(sv))
                idx = sw_symtab_find(&e->tab, sv->valuestring);
            cJSON_Delete(o);
            sw_jsonarena_release(mark);
        }
        if (idx == SW_SYMTAB_EMPTY) {
            gone++;
            continue;
        }
        r.sym = idx;
        st->recs[k++] = r;
    }
    if (k > 1)
        qsort(st->recs, k, sizeof *st->recs, rec_by_sym);
    /* Two records of one symbol (a line edited into another's name): the first. */
    size_t kept = k ? 1 : 0;
    for (size_t i = 1; i < k; i++)
        if (st->recs[i].sym != st->recs[kept - 1].sym)
            st->recs[kept++] = st->recs[i];
        else
            gone++;
    st->n = k = kept;
    st->order = order;
    sw_info("state: the watchlist changed since %s was read: %zu of its symbols kept, %zu left out", st->path, k,
            gone);
}

/* s had news this run: restored from a record, or traded.  Its state is
 * the engine's from then on; its record is never used again. */
static int has_news(const sw_symbol *s)
{
    return s->day != SW_NO_DAY || s->last_ts != INT64_MIN;
}

/* Records of symbols that had news -- restored, or traded -- are never used
 * again (their state is the engine's; a reload carries it): let them go,
 * and their memory with them when none is left. */
static void forget_news(sw_state *st, const sw_engine *e)
{
    size_t k = 0, v1 = 0;
    for (size_t i = 0; i < st->n; i++) {
        const sw_state_rec *r = &st->recs[i];
        const sw_symbol *s = r->sym < e->n_syms ? sw_engine_sym(e, r->sym) : NULL;
        if (s && !has_news(s)) {
            v1 += (r->flags & SW_STATE_REC_V1) != 0;
            st->recs[k++] = *r;
        } else if (r->flags & SW_STATE_REC_V1) { /* its checkpoint bytes: ~1.7 KB */
            free(st->v1[r->off].engine);
            st->v1[r->off].engine = NULL;
        }
    }
    if (st->v1 && !v1) { /* the upgrade's whole records, and the pools only they use */
        free_v1(st);
        free_pools(st);
    }
    if (k == st->n)
        return;
    st->n = k;
    if (!k) {
        free(st->recs);
        st->recs = NULL;
    } else {
        sw_state_rec *fit = realloc(st->recs, k * sizeof *st->recs);
        if (fit)
            st->recs = fit;
    }
}

void sw_state_prune(sw_state *st, const sw_engine *e)
{
    follow_order(st, e);
    if (!st->pending)
        forget_news(st, e);
}

/* After the symbols: the detector-wide state and the policy's keys of the
 * restored symbols (and of the groups), once any symbol got its detector
 * state back. */
static void restore_checkpoint(sw_state *st, sw_engine *e, int checkpoint)
{
    if (!checkpoint || !st->restored)
        return;
    for (size_t k = 0; k < e->n_dets && k < SW_STATE_DET_MAX; k++)
        if (e->dets[k].type->restore_priv)
            sw_engine_restore_priv(e, k, st->priv[k], st->priv_len[k]);
    size_t keys = 0;
    for (size_t i = 0; st->policy && i < st->n_keys; i++) {
        const sw_policy_key_state *ks = &st->keys[i];
        /* A group's key, or a key of a symbol whose detectors were restored: a
         * symbol whose detectors start fresh starts fresh in the policy too
         * (a key held raised without its detector would swallow its next
         * alert). */
        int ours = 0;
        for (size_t g = 0; g < e->n_groups && !ours; g++)
            ours = strcmp(e->groups[g].name, ks->symbol) == 0;
        if (!ours) { /* the symbol's index, then its record by bisection */
            uint32_t idx = sw_symtab_find(&e->tab, ks->symbol);
            const sw_state_rec *r = idx == SW_SYMTAB_EMPTY ? NULL : rec_of(st, idx);
            ours = r && (r->flags & SW_STATE_REC_RESTORED);
        }
        if (!ours)
            continue;
        if (sw_policy_restore_key(st->policy, ks) == 0)
            keys++;
    }
    sw_info("state: detectors of %zu symbols and %zu alert policy keys restored (a restart in the middle of a "
            "session goes on where it stopped)", st->restored, keys);
}

void sw_state_apply(sw_state *st, sw_engine *e, int64_t first_ts)
{
    if (!st->pending || !st->path)
        return;
    st->pending = 0;
    size_t applied = 0, newer = 0, stale = 0, unread = 0;
    /* The checkpoint was written by an engine like this one, or it is not used. */
    int checkpoint = st->fingerprint && st->fingerprint == sw_engine_fingerprint(e);
    if (st->fingerprint && !checkpoint)
        sw_info("state: the detectors' checkpoint in %s is from another build, detector list or watchlist: "
                "detectors and the alert policy start fresh", st->path);
    st->restored = 0;
    follow_order(st, e);
    for (size_t i = 0; i < st->n; i++) {
        sw_state_rec *rec = &st->recs[i];
        if (rec->sym >= e->n_syms)
            continue;
        sw_symbol *s = sw_engine_sym(e, rec->sym);
        if (s->ticks > 0)
            continue;
        /* What the line says, read again now (a version-1 record holds it). */
        sw_state_whole scratch;
        const sw_state_whole *r;
        size_t md = st->n_dets, mv = st->n_vals;
        if (rec_read(st, rec, s->name, &scratch, &r, "the symbol starts fresh") != 0) {
            unread++;
            continue;
        }
        if (r->last_ts != INT64_MIN && r->last_ts > first_ts) {
            newer++;
        } else if (r->last_ts == INT64_MIN || first_ts - r->last_ts > SW_STATE_MAX_AGE_NS) {
            /* A close from weeks ago is no reference for today's first trades
             * (nor is another replay's unrelated day): better no alert than a
             * wrong one until the session provides its own. */
            stale++;
        } else {
            s->day = r->day;
            s->prev_close = r->prev_close;
            s->open = r->open;
            s->day_close = r->day_close;
            s->last_price = r->last_price;
            s->last_ts = r->last_ts;
            /* The cached day bounds stay empty: the first tick computes them
             * and, on a later date, rolls the restored day into prev_close. */
            applied++;
            /* The checkpoint first (every byte of the detectors' state), then
             * the numbers the detectors keep themselves, saved at the same
             * moment. */
            if (checkpoint && r->engine && sw_engine_restore_state(e, s, r->engine, r->engine_len) == 0) {
                st->restored++;
                rec->flags |= SW_STATE_REC_RESTORED;
            }
            for (size_t k = 0; k < r->n_det; k++) {
                const sw_state_det *sd = &st->dets[r->det + k];
                if (sd->index < 0 || (size_t)sd->index >= e->n_dets)
                    continue;
                sw_detector *d = &e->dets[sd->index];
                if (strcmp(d->type->name, sd->type) != 0 || !d->type->restore_state)
                    continue;
                d->type->restore_state(d, s->state + d->state_off, det_vals(st, sd), sd->n);
            }
        }
        rec_release(st, r, &scratch, md, mv);
    }
    restore_checkpoint(st, e, checkpoint);
    /* The fingerprint stays: a save checks the loaded records' bytes against it. */
    free_checkpoint_parts(st);
#if defined(__GLIBC__)
    malloc_trim(0); /* the lines' parses and the checkpoint's parts, on the heap below the engine's pages */
#endif
    if (applied)
        sw_info("state: restored %zu symbols from %s", applied, st->path);
    if (newer)
        sw_info("state: %zu symbols start fresh: their saved state is newer than the first event", newer);
    if (stale)
        sw_info("state: %zu symbols start fresh: their saved state is more than 7 days older than the first event",
                stale);
    if (unread)
        sw_warn("state: %zu symbols start fresh: %s changed since it was read (see above)", unread, st->path);
}

/* ---- saving -------------------------------------------------------------------- */

static void add_price(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

/* "values": the numbers' string (left out when memory is short: the
 * loader then refuses the entry and the detector starts afresh). */
static void add_values(cJSON *d, const double *v, size_t n)
{
    char *text = values_text(v, n);
    if (text)
        cJSON_AddStringToObject(d, "values", text);
    free(text);
}

/* s's line: from the engine, or from r, what was loaded for a symbol
 * without news this run (its checkpoint bytes only with_engine: when they
 * are this engine's kind). */
static cJSON *symbol_json(const sw_state *st, const sw_engine *e, const sw_symbol *s, const sw_state_whole *r,
                          int with_engine, double *v)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToObject(o, "symbol", cJSON_CreateStringReference(s->name))) {
        cJSON_Delete(o);
        return NULL;
    }
    int64_t day = r ? r->day : s->day;
    if (day != SW_NO_DAY) {
        int y, m, d;
        char buf[16];
        sw_civil_from_days(day, &y, &m, &d);
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
        cJSON_AddStringToObject(o, "day", buf);
    } else {
        cJSON_AddNullToObject(o, "day");
    }
    add_price(o, "prev_close", r ? r->prev_close : s->prev_close);
    add_price(o, "open", r ? r->open : s->open);
    add_price(o, "day_close", r ? r->day_close : s->day_close);
    add_price(o, "last_price", r ? r->last_price : s->last_price);
    int64_t ts = r ? r->last_ts : s->last_ts;
    if (ts != INT64_MIN) {
        char iso[40], ns[24];
        cJSON_AddStringToObject(o, "last_ts", sw_format_iso_ms(ts, iso, sizeof iso)); /* for people */
        snprintf(ns, sizeof ns, "%" PRId64, ts);
        cJSON_AddStringToObject(o, "last_ts_ns", ns);
    }
    cJSON *dets = cJSON_CreateArray();
    if (r) {
        for (size_t k = 0; k < r->n_det; k++) {
            const sw_state_det *sd = &st->dets[r->det + k];
            cJSON *d = cJSON_CreateObject();
            cJSON_AddNumberToObject(d, "index", sd->index);
            cJSON_AddStringToObject(d, "type", sd->type);
            add_values(d, det_vals(st, sd), sd->n);
            cJSON_AddItemToArray(dets, d);
        }
    } else {
        for (size_t k = 0; k < e->n_dets && k < SW_STATE_DET_MAX; k++) {
            const sw_detector *det = &e->dets[k];
            if (!det->type->save_state)
                continue;
            size_t n = det->type->save_state(det, s->state + det->state_off, v, SW_STATE_DET_VALUES);
            if (n == 0 || n > SW_STATE_DET_VALUES)
                continue;
            cJSON *d = cJSON_CreateObject();
            cJSON_AddNumberToObject(d, "index", (double)k);
            cJSON_AddStringToObject(d, "type", det->type->name);
            add_values(d, v, n);
            cJSON_AddItemToArray(dets, d);
        }
    }
    if (cJSON_GetArraySize(dets) > 0)
        cJSON_AddItemToObject(o, "detectors", dets);
    else
        cJSON_Delete(dets);
    /* The checkpoint's detector state: the engine's, or what was loaded for a
     * symbol without news this run (when it is this engine's kind). */
    const unsigned char *bytes = r ? (with_engine ? r->engine : NULL) : s->state;
    size_t nbytes = r ? r->engine_len : e->state_size;
    if (bytes && nbytes) {
        char *text = b64_encode(bytes, nbytes);
        if (text)
            cJSON_AddStringToObject(o, "engine", text);
        free(text);
    }
    return o;
}

/* Buffered writes into the atomic file: a few large writes, not one per
 * symbol.  On the stack, in pages the message parsers (sw_fastjson: tens of
 * KiB) have already made resident: a buffer first touched by the first save
 * would step RSS up a minute into a run. */
typedef struct out {
    sw_fs_atomic file;
    char buf[1 << 15];
    size_t used;
    int64_t total;                   /* bytes put so far: the next line's offset */
    size_t lines;                    /* lines put so far */
    int failed;
    char *err;
    size_t errlen;
} out;

static void put(out *o, const char *p, size_t n)
{
    if (o->failed)
        return;
    o->total += (int64_t)n;
    if (o->used + n > sizeof o->buf) {
        if (sw_fs_atomic_write(&o->file, o->buf, o->used, o->err, o->errlen) != 0) {
            o->failed = 1;
            return;
        }
        o->used = 0;
        if (n > sizeof o->buf) {
            o->failed = sw_fs_atomic_write(&o->file, p, n, o->err, o->errlen) != 0;
            return;
        }
    }
    memcpy(o->buf + o->used, p, n);
    o->used += n;
}

/* cJSON's text of item and a newline: one line of the file (its length
 * without the newline in *len); released with the arena mark the caller
 * holds. */
static int put_line(out *o, const cJSON *item, size_t *len)
{
    char *text = item ? cJSON_PrintUnformatted(item) : NULL;
    if (!text)
        return -1;
    size_t n = strlen(text);
    put(o, text, n);
    put(o, "\n", 1);
    o->lines++;
    if (len)
        *len = n;
    cJSON_free(text);
    return 0;
}

/* bytes as base64, encoded a chunk at a time straight into the file. */
static void put_b64(out *o, const unsigned char *in, size_t n)
{
    char chunk[4096];
    for (size_t i = 0; i < n;) {
        size_t take = n - i < 3 * (sizeof chunk / 4) ? n - i : 3 * (sizeof chunk / 4), c = 0;
        for (size_t j = i; j < i + take; j += 3, c += 4)
            b64_quad(in, j, n, chunk + c);
        put(o, chunk, c);
        i += take;
    }
}

/* The header line: {"v":2,"mode","saved_at","checkpoint":{"fingerprint",
 * "detectors":[null or BASE64, ...]}}.  Written by hand, not by cJSON: the
 * detector-wide state grows with the watchlist (stale: 9 bytes a symbol),
 * and its base64 text and a cJSON copy of it would be held at once, on top
 * of the peak at the final save.  Every string in it is ours (mode, a
 * date, hex, base64): nothing to escape.  Returns 0 or -1 (out of memory). */
static int put_header(out *o, const sw_state *st, const sw_engine *e)
{
    char head[256], saved[40];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int n = snprintf(head, sizeof head,
                     "{\"v\":2,\"mode\":\"%s\",\"saved_at\":\"%s\",\"checkpoint\":{\"fingerprint\":\"%016" PRIx64
                     "\",\"detectors\":[",
                     st->mode, sw_format_iso_ms((int64_t)now.tv_sec * SW_NS_PER_SEC + now.tv_nsec, saved, sizeof saved),
                     sw_engine_fingerprint(e));
    size_t cap = 16384 + e->n_syms * 16;
    unsigned char *buf = malloc(cap);
    if (!buf || n < 0 || (size_t)n >= sizeof head) {
        free(buf);
        return -1;
    }
    put(o, head, (size_t)n);
    for (size_t k = 0; k < e->n_dets && k < SW_STATE_DET_MAX; k++) {
        size_t len = sw_engine_save_priv(e, k, buf, cap);
        if (k)
            put(o, ",", 1);
        if (len) {
            put(o, "\"", 1);
            put_b64(o, buf, len);
            put(o, "\"", 1);
        } else {
            put(o, "null", 4);
        }
    }
    free(buf);
    put(o, "]}}\n", 4);
    o->lines++;
    return 0;
}

/* One policy key's line, {"policy_key":{..}}, built and printed under its
 * own arena mark. */
typedef struct key_out {
    out *o;
    int bad;
} key_out;

static void add_key(void *ctx, const sw_policy_key_state *k)
{
    key_out *ko = ctx;
    size_t mark = sw_jsonarena_mark();
    cJSON *line = cJSON_CreateObject();
    cJSON *o = line ? cJSON_AddObjectToObject(line, "policy_key") : NULL;
    char ns[24];
    snprintf(ns, sizeof ns, "%" PRId64, k->last_ts);
    if (!o || !cJSON_AddStringToObject(o, "symbol", k->symbol) ||
        !cJSON_AddNumberToObject(o, "instance", k->instance) ||
        !cJSON_AddNumberToObject(o, "direction", k->direction) || !cJSON_AddBoolToObject(o, "active", k->active) ||
        !cJSON_AddBoolToObject(o, "alerted", k->alerted) || !cJSON_AddNumberToObject(o, "severity", k->severity) ||
        !cJSON_AddNumberToObject(o, "magnitude", isfinite(k->magnitude) ? k->magnitude : 0) ||
        (k->last_ts != INT64_MIN && !cJSON_AddStringToObject(o, "last_ts_ns", ns))) {
        ko->bad = 1;
    } else {
        ko->bad |= put_line(ko->o, line, NULL) != 0;
    }
    cJSON_Delete(line);
    sw_jsonarena_release(mark);
}

/* Where a loaded record's line went in the save being written. */
typedef struct moved {
    uint32_t off, len, line;         /* len 0: not written */
} moved;

/* After a save: the records written again point at their lines in the new
 * file, which replaces the old one as the records' file.  A record whose
 * symbol had news is not in the new file: it goes (the engine holds that
 * symbol's state now).  A version-1 file's records, held whole, are on
 * lines now too, and go with the pools (~3 KB a symbol for the rest of the
 * run otherwise).  If the new file cannot be opened, the old one, still
 * open, keeps serving every record. */
static void repoint(sw_state *st, const moved *mv)
{
    FILE *nf = fopen(st->path, "rb");
    if (!nf) {
        sw_warn("state: %s: cannot open what was just saved: %s (the previous file keeps serving)", st->path,
                strerror(errno));
        return;
    }
    if (st->file)
        fclose(st->file);
    st->file = nf;
    size_t k = 0;
    for (size_t i = 0; i < st->n; i++) {
        if (!mv[i].len)
            continue;
        sw_state_rec *r = &st->recs[k++];
        *r = st->recs[i]; /* the order (by sym) stays */
        r->flags &= (uint8_t)~SW_STATE_REC_V1;
        r->off = mv[i].off;
        r->len = mv[i].len;
        r->line = mv[i].line;
    }
    st->n = k;
    free_v1(st);
    free_pools(st);
}

/* A save's result in the counters, wherever it ran (here, or in a child:
 * sw_state_save_done). */
static void count_save(sw_state *st, int rc)
{
    if (rc != 0) {
        st->save_failing++;
        st->save_failures++;
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    st->save_failing = 0;
    st->saves++;
    st->last_save_ns = (int64_t)now.tv_sec * SW_NS_PER_SEC + now.tv_nsec;
}

/* A failed save: reported once while saves keep failing, and counted. */
static int save_failed(sw_state *st, const char *why)
{
    if (!st->save_failing)
        sw_warn("state: cannot save per-symbol state: %s", why);
    count_save(st, -1);
    return -1;
}

int sw_state_save(sw_state *st, const sw_engine *e)
{
    char err[512] = "out of memory";
    if (!st->path)
        return -1; /* never initialised */
    if (sw_fs_ensure_dir(st->dir, err, sizeof err) != 0)
        return save_failed(st, err);
    out stack_out, *o = &stack_out;
    if (sw_fs_atomic_open(&o->file, st->path, err, sizeof err) != 0)
        return save_failed(st, err);
    o->used = 0;
    o->total = 0;
    o->lines = 0;
    o->failed = 0;
    o->err = err;
    o->errlen = sizeof err;
    int rc = -1, bad_json = 0;
    /* Version 2 (sw_state.h): the header, a line per symbol, a line per
     * policy key, the end line; each symbol's and key's built by cJSON in
     * the arena and released before the next. */
    uint64_t fp = sw_engine_fingerprint(e);
    size_t mark;
    sw_state_prune(st, e); /* the records' sym counts e's symbols */
    if (put_header(o, st, e) != 0)
        bad_json = 1;
    moved *mv = st->n ? calloc(st->n, sizeof *mv) : NULL;
    double *v = malloc(SW_STATE_DET_VALUES * sizeof *v); /* one detector's numbers at a time */
    bad_json |= !v || (st->n && !mv);
    for (size_t i = 0; i < e->n_syms && !bad_json && !o->failed; i++) {
        const sw_symbol *s = sw_engine_sym(e, i);
        /* A symbol without news this run keeps what was loaded for it. */
        int news = has_news(s);
        sw_state_rec *r = news ? NULL : rec_of(st, (uint32_t)i);
        if (!news && !r)
            continue;
        sw_state_whole scratch;
        const sw_state_whole *src = NULL;
        size_t md = st->n_dets, mvals = st->n_vals;
        if (r && rec_read(st, r, s->name, &scratch, &src, "it is left out of this save") != 0)
            continue;
        mark = sw_jsonarena_mark();
        cJSON *obj = symbol_json(st, e, s, src, st->fingerprint == fp, v);
        int64_t at = o->total;
        size_t len = 0;
        if (put_line(o, obj, &len) != 0)
            bad_json = 1;
        else if (r && at <= (int64_t)UINT32_MAX) /* further (over 4 GiB): not kept, as a load refuses it */
            mv[r - st->recs] = (moved){ (uint32_t)at, (uint32_t)len, (uint32_t)o->lines };
        cJSON_Delete(obj);
        sw_jsonarena_release(mark);
        if (src)
            rec_release(st, src, &scratch, md, mvals);
    }
    free(v);
    key_out ko = { o, 0 };
    if (!bad_json && st->policy)
        sw_policy_each_key(st->policy, add_key, &ko);
    bad_json |= ko.bad;
    char end[40];
    int n_end = snprintf(end, sizeof end, "{\"end\":%zu}\n", o->lines);
    put(o, end, (size_t)n_end);
    if (bad_json || o->failed || (o->used && sw_fs_atomic_write(&o->file, o->buf, o->used, err, sizeof err) != 0) ||
        sw_fs_atomic_commit(&o->file, err, sizeof err) != 0) {
        sw_fs_atomic_abort(&o->file);
        save_failed(st, bad_json ? "out of memory" : err);
        goto out;
    }
    if (st->n)
        repoint(st, mv);
    if (st->save_failing)
        sw_info("state: saving works again (%s)", st->path);
    count_save(st, 0);
    rc = 0;
out:
    free(mv);
    return rc;
}

void sw_state_save_done(sw_state *st, int rc, long child_pid)
{
    count_save(st, rc);
    if (rc != 0 && st->path && child_pid > 0)
        sw_fs_atomic_discard(st->path, child_pid);
}
