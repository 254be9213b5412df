/* sw_relative.c -- see sw_relative.h. */
#include "sw_detect.h"
#include "sw_engine.h"
#include "sw_relative.h"
#include "sw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The benchmark as of the latest trade: its last three prices of one day. */
typedef struct rl_priv {
    uint32_t bench;           /* symbol index of the benchmark */
    int64_t day;              /* New York day of px[]; SW_NO_DAY: none yet */
    double px[3];
    int n;                    /* prices held, up to 3 */
    int next;                 /* ring position of the next price */
} rl_priv;

static void rl_defaults(void *p)
{
    sw_relative_params *P = p;
    memset(P, 0, sizeof *P);
    snprintf(P->benchmark, sizeof P->benchmark, "SPY");
    P->warning_pct = 5.0;
    P->critical_pct = 10.0;
    P->step_pct = 5.0;
    P->hysteresis = 0.2;
    P->confirm_ticks = 3;
    P->confirm_ns = 2 * SW_NS_PER_SEC;
}

static int rl_validate(const void *p, char *err, size_t errlen)
{
    const sw_relative_params *P = p;
    if (sw_levels_check("pct", P->warning_pct, P->critical_pct, err, errlen) != 0)
        return -1;
    if (!sw_symbol_valid(P->benchmark)) {
        snprintf(err, errlen, "benchmark \"%s\" is not a symbol", P->benchmark);
        return -1;
    }
    return 0;
}

static int rl_init(sw_detector *d, sw_engine *e)
{
    const sw_relative_params *P = d->params;
    sw_symbol *b = sw_engine_symbol(e, P->benchmark);
    if (!b)
        return -1; /* the config loader says "not watched": a caller's bug */
    rl_priv *pv = calloc(1, sizeof *pv);
    if (!pv)
        return -1;
    pv->bench = b->index;
    pv->day = SW_NO_DAY;
    d->priv = pv;
    return 0;
}

static void rl_fini(sw_detector *d)
{
    free(d->priv);
    d->priv = NULL;
}

static size_t rl_state_size(const void *p)
{
    (void)p;
    return sizeof(sw_move_state);
}

static void rl_sym_init(const sw_detector *d, void *st)
{
    (void)d;
    sw_move_reset(st);
}

static void rl_on_session(sw_detector *d, sw_engine *e, sw_symbol *s, void *st)
{
    char what[SW_SYMBOL_MAX + 8];
    snprintf(what, sizeof what, " vs %s", ((const sw_relative_params *)d->params)->benchmark);
    sw_move_session_clear(d, e, s, st, what);
}

static double median3(const rl_priv *pv)
{
    if (pv->n < 3)
        return pv->px[(pv->next + 2) % 3]; /* fewer than three: the latest */
    double a = pv->px[0], b = pv->px[1], c = pv->px[2];
    return a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
}

static void rl_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst, const sw_tick *t)
{
    const sw_relative_params *P = d->params;
    rl_priv *pv = d->priv;
    if (s->index == pv->bench) {
        if (pv->day != s->day) {
            pv->day = s->day;
            pv->n = pv->next = 0;
        }
        pv->px[pv->next] = t->price;
        pv->next = (pv->next + 1) % 3;
        pv->n += pv->n < 3;
        return;
    }
    const sw_symbol *b = sw_engine_sym(e, pv->bench);
    if (!(s->prev_close > 0) || !(b->prev_close > 0) || pv->day != s->day || pv->n == 0)
        return;
    double r_sym = t->price / s->prev_close - 1.0;
    double r_bench = median3(pv) / b->prev_close - 1.0;
    double rel = ((1.0 + r_sym) / (1.0 + r_bench) - 1.0) * 100.0;
    sw_move_state *st = vst;
    const sw_move_levels L = { P->warning_pct, P->critical_pct, P->step_pct, P->hysteresis, P->confirm_ticks,
                               P->confirm_ns };
    int what = sw_move_step(st, &L, rel, t->ts_ns, &e->stats.filtered_prints);
    if (what == SW_MOVE_NONE)
        return;
    sw_candidate c;
    sw_cand_init(&c, d, s, t->ts_ns, t->price);
    if (what == SW_MOVE_CLEAR) {
        c.kind = SW_CAND_CLEAR;
        c.severity = SW_SEV_INFO;
        snprintf(d->text, sizeof d->text, "%s back to %+.2f%% vs %s (%s %+.2f%%, %s %+.2f%%)", s->name, rel,
                 P->benchmark, s->name, r_sym * 100.0, P->benchmark, r_bench * 100.0);
    } else {
        c.severity = (sw_severity)st->fired_sev;
        snprintf(d->text, sizeof d->text, "%s %+.2f%% vs %s (%s %+.2f%%, %s %+.2f%%)", s->name, rel, P->benchmark,
                 s->name, r_sym * 100.0, P->benchmark, r_bench * 100.0);
    }
    c.direction = st->fired_dir;
    c.reference = s->prev_close;
    c.change_pct = rel;
    c.magnitude = fabs(rel);
    c.step = P->step_pct;
    c.window = "prev_close";
    sw_engine_emit(e, &c);
}

const sw_detector_type sw_relative_type = {
    .name = "relative",
    .symbol_dirs = SW_DIRS_DOWN | SW_DIRS_UP,
    .group_dirs = 0,
    .params_size = sizeof(sw_relative_params),
    .defaults = rl_defaults,
    .validate = rl_validate,
    .init = rl_init,
    .fini = rl_fini,
    .state_size = rl_state_size,
    .sym_init = rl_sym_init,
    .on_tick = rl_on_tick,
    .on_session = rl_on_session,
};
