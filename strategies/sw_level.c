/* sw_level.c -- see sw_level.h. */
#include "sw_detect.h"
#include "sw_engine.h"
#include "sw_level.h"
#include "sw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { UNKNOWN = -1, SPENT = 0, ARMED = 1 };

/* One level as the run goes: its price follows splits. */
typedef struct lv_live {
    double price;
    int dir, sev;
    int state;                /* UNKNOWN until the symbol has a price, then SPENT or ARMED */
    int fired;                /* alerted since it last re-armed */
    int gapped;               /* the run beyond it began with the first trade of a new day */
    double from_px;           /* the trade before the run: the far side */
    sw_run run;
} lv_live;

/* The levels of all symbols, grouped by symbol: symbol i's are
 * lv[first[i] .. first[i + 1]). */
typedef struct lv_priv {
    lv_live *lv;
    uint32_t *first;
} lv_priv;

/* Per symbol: its previous trade, for a crossing's side and the gap. */
typedef struct lv_sym {
    double last_px;           /* NaN: none yet */
    int64_t last_day;
} lv_sym;

static void lv_defaults(void *p)
{
    sw_level_params *P = p;
    memset(P, 0, sizeof *P);
    P->rearm_pct = 0.5;
    P->confirm_ticks = 3;
    P->confirm_ns = 2 * SW_NS_PER_SEC;
}

static int lv_validate(const void *p, char *err, size_t errlen)
{
    const sw_level_params *P = p;
    if (P->n < 0 || P->n > SW_LEVEL_MAX) {
        snprintf(err, errlen, "at most %d levels", SW_LEVEL_MAX);
        return -1;
    }
    for (int i = 0; i < P->n; i++)
        if (!(P->lv[i].price > 0) || !isfinite(P->lv[i].price) || (P->lv[i].dir != -1 && P->lv[i].dir != 1)) {
            snprintf(err, errlen, "level %d of %s is not a positive price with a direction", i, P->lv[i].symbol);
            return -1;
        }
    return 0;
}

static void lv_fini(sw_detector *d)
{
    lv_priv *pv = d->priv;
    if (pv) {
        free(pv->lv);
        free(pv->first);
        free(pv);
    }
    d->priv = NULL;
}

static int lv_init(sw_detector *d, sw_engine *e)
{
    const sw_level_params *P = d->params;
    lv_priv *pv = calloc(1, sizeof *pv);
    if (!pv)
        return -1;
    d->priv = pv;
    pv->lv = calloc(P->n ? (size_t)P->n : 1, sizeof *pv->lv);
    pv->first = calloc(e->n_syms + 1, sizeof *pv->first);
    if (!pv->lv || !pv->first)
        return -1;
    /* Counting sort by symbol index; a symbol's levels keep the config's order. */
    uint32_t *owner = calloc(P->n ? (size_t)P->n : 1, sizeof *owner);
    if (!owner)
        return -1;
    for (int i = 0; i < P->n; i++) {
        sw_symbol *s = sw_engine_symbol(e, P->lv[i].symbol);
        if (!s) {
            free(owner); /* the config loader checks the names: a caller's bug */
            return -1;
        }
        owner[i] = s->index;
        pv->first[s->index + 1]++;
    }
    for (size_t k = 0; k < e->n_syms; k++)
        pv->first[k + 1] += pv->first[k];
    uint32_t *fill = calloc(e->n_syms + 1, sizeof *fill);
    if (!fill) {
        free(owner);
        return -1;
    }
    for (int i = 0; i < P->n; i++) {
        lv_live *l = &pv->lv[pv->first[owner[i]] + fill[owner[i]]++];
        l->price = P->lv[i].price;
        l->dir = P->lv[i].dir;
        l->sev = P->lv[i].severity;
        l->state = UNKNOWN;
    }
    free(fill);
    free(owner);
    return 0;
}

static size_t lv_state_size(const void *p)
{
    (void)p;
    return sizeof(lv_sym);
}

static void lv_sym_init(const sw_detector *d, void *vst)
{
    (void)d;
    lv_sym *st = vst;
    st->last_px = NAN;
    st->last_day = SW_NO_DAY;
}

/* A price as a person writes it: up to 4 decimals, trailing zeros dropped. */
static const char *fmt_price(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%.4f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    return buf;
}

/* Is price p beyond level l (strictly: a touch is not a break)? */
static int beyond(const lv_live *l, double p)
{
    return l->dir < 0 ? p < l->price : p > l->price;
}

static void report(sw_detector *d, sw_engine *e, const sw_symbol *s, const lv_live *l, const sw_tick *t, int clear,
                   int crossed)
{
    const sw_level_params *P = d->params;
    const char *way = l->dir < 0 ? "below" : "above";
    char lvl[32], px[32], back[32];
    fmt_price(l->price, lvl, sizeof lvl);
    sw_candidate c;
    sw_cand_init(&c, d, s, t->ts_ns, t->price);
    c.direction = l->dir;
    c.reference = l->price;
    c.change_pct = (t->price / l->price - 1.0) * 100.0;
    c.window = "level";
    if (clear) {
        c.kind = SW_CAND_CLEAR;
        c.severity = SW_SEV_INFO;
        double at = l->price * (1.0 - l->dir * P->rearm_pct / 100.0);
        snprintf(d->text, sizeof d->text, "%s back %s %s (%s): level %s %s re-armed", s->name,
                 l->dir < 0 ? "above" : "below", fmt_price(at, back, sizeof back), fmt_price(t->price, px, sizeof px),
                 way, lvl);
    } else {
        c.severity = (sw_severity)l->sev;
        c.magnitude = crossed;
        c.step = 1;
        if (l->gapped && isfinite(l->from_px))
            snprintf(d->text, sizeof d->text, "%s gapped %s %s (price %s, previous session's last %s)", s->name, way,
                     lvl, fmt_price(t->price, px, sizeof px), fmt_price(l->from_px, back, sizeof back));
        else
            snprintf(d->text, sizeof d->text, "%s crossed %s %s (price %s)", s->name, way, lvl,
                     fmt_price(t->price, px, sizeof px));
    }
    sw_engine_emit(e, &c);
}

static void lv_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst, const sw_tick *t)
{
    const sw_level_params *P = d->params;
    lv_priv *pv = d->priv;
    uint32_t i0 = pv->first[s->index], i1 = pv->first[s->index + 1];
    if (i0 == i1)
        return; /* no levels for this symbol: the common case */
    lv_sym *st = vst;
    double p = t->price, prev = st->last_px;
    int new_day = isfinite(prev) && st->last_day != s->day;
    for (uint32_t i = i0; i < i1; i++) {
        lv_live *l = &pv->lv[i];
        if (l->state == UNKNOWN) {
            /* The side the previous price (restored or earlier) was on; with
             * none, this first price only says where we are. */
            double ref = isfinite(prev) ? prev : p;
            l->state = beyond(l, ref) || ref == l->price ? SPENT : ARMED;
            if (!isfinite(prev))
                continue;
        }
        if (l->state == ARMED) {
            int b = beyond(l, p);
            if (b && l->run.count == 0) {
                l->gapped = new_day;
                l->from_px = prev;
            }
            sw_run_step(&l->run, b, t->ts_ns, NULL);
            if (!sw_run_confirmed(&l->run, P->confirm_ticks, P->confirm_ns, t->ts_ns))
                continue;
            l->state = SPENT;
            l->fired = 1;
            l->run.count = 0;
            int crossed = 0;
            for (uint32_t k = i0; k < i1; k++)
                crossed += pv->lv[k].dir == l->dir && pv->lv[k].fired;
            report(d, e, s, l, t, 0, crossed);
        } else if (l->dir < 0 ? p > l->price * (1.0 + P->rearm_pct / 100.0)
                              : p < l->price * (1.0 - P->rearm_pct / 100.0)) {
            l->state = ARMED;
            l->run.count = 0;
            if (l->fired) {
                l->fired = 0;
                report(d, e, s, l, t, 1, 0);
            }
        }
    }
    st->last_px = p;
    st->last_day = s->day;
}

static void lv_on_split(sw_detector *d, sw_symbol *s, void *vst, double ratio)
{
    lv_priv *pv = d->priv;
    lv_sym *st = vst;
    st->last_px /= ratio;
    for (uint32_t i = pv->first[s->index]; i < pv->first[s->index + 1]; i++)
        pv->lv[i].price /= ratio;
}

/* The previous trade survives a restart: a gap through a level overnight is
 * a crossing even when shockd was restarted in between. */
static size_t lv_save(const sw_detector *d, const void *vst, double *out, size_t max)
{
    (void)d;
    const lv_sym *st = vst;
    if (!isfinite(st->last_px) || max < 2)
        return 0;
    out[0] = st->last_px;
    out[1] = (double)st->last_day;
    return 2;
}

static int lv_restore(const sw_detector *d, void *vst, const double *in, size_t n)
{
    (void)d;
    lv_sym *st = vst;
    if (n != 2 || !(in[0] > 0) || !isfinite(in[0]) || !isfinite(in[1]) || in[1] != floor(in[1]))
        return -1;
    st->last_px = in[0];
    st->last_day = (int64_t)in[1];
    return 0;
}

const sw_detector_type sw_level_type = {
    .name = "level",
    .symbol_dirs = SW_DIRS_DOWN | SW_DIRS_UP,
    .group_dirs = 0,
    .params_size = sizeof(sw_level_params),
    .defaults = lv_defaults,
    .validate = lv_validate,
    .init = lv_init,
    .fini = lv_fini,
    .state_size = lv_state_size,
    .sym_init = lv_sym_init,
    .on_tick = lv_on_tick,
    .on_split = lv_on_split,
    .save_state = lv_save,
    .restore_state = lv_restore,
};
