/* sw_market.c -- see sw_market.h. */
#include "sw_detect.h"
#include "sw_engine.h"
#include "sw_market.h"
#include "sw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The halt rule's cut-off for levels 1 and 2: 35 minutes before the close
 * (15:25, or 12:25 on a 13:00 early close). */
#define HALT_CUTOFF_NS (35 * SW_NS_PER_MIN)

typedef struct mk_priv {
    uint32_t index;           /* symbol index of the index (or its proxy) */
    int fired;                /* deepest level reported today, 0: none */
    sw_run run;               /* trades beyond the next level */
    int run_min;              /* the least level every trade of the run reached */
} mk_priv;

static void mk_defaults(void *p)
{
    sw_market_params *P = p;
    memset(P, 0, sizeof *P);
    snprintf(P->index, sizeof P->index, "SPY");
    P->levels[0] = 7;
    P->levels[1] = 13;
    P->levels[2] = 20;
    P->proxy = 1;
    P->confirm_ticks = 3;
    P->confirm_ns = 2 * SW_NS_PER_SEC;
}

static int mk_validate(const void *p, char *err, size_t errlen)
{
    const sw_market_params *P = p;
    for (int k = 0; k < SW_MARKET_LEVELS; k++)
        if (!(P->levels[k] > 0 && P->levels[k] < 100) || (k && !(P->levels[k] > P->levels[k - 1]))) {
            snprintf(err, errlen, "levels must be three increasing declines in percent, each above 0 and below 100");
            return -1;
        }
    if (!sw_symbol_valid(P->index)) {
        snprintf(err, errlen, "index \"%s\" is not a symbol", P->index);
        return -1;
    }
    return 0;
}

static int mk_init(sw_detector *d, sw_engine *e)
{
    const sw_market_params *P = d->params;
    sw_symbol *s = sw_engine_symbol(e, P->index);
    if (!s)
        return -1; /* the config loader says "not watched": a caller's bug */
    mk_priv *pv = calloc(1, sizeof *pv);
    if (!pv)
        return -1;
    pv->index = s->index;
    d->priv = pv;
    return 0;
}

static void mk_fini(sw_detector *d)
{
    free(d->priv);
    d->priv = NULL;
}

static void mk_on_session(sw_detector *d, sw_engine *e, sw_symbol *s, void *st)
{
    (void)st;
    mk_priv *pv = d->priv;
    if (s->index != pv->index)
        return;
    if (pv->fired) {
        /* Each level once per day: a new day re-arms them, and the policy's
         * key with a CLEAR, or tomorrow's level 1 would be held as a repeat. */
        sw_candidate c;
        sw_cand_init(&c, d, s, s->last_ts, s->last_price);
        c.kind = SW_CAND_CLEAR;
        c.severity = SW_SEV_INFO;
        c.direction = -1;
        c.window = "session";
        snprintf(d->text, sizeof d->text, "%s: yesterday's market-wide circuit breaker level %d ends with the session",
                 s->name, pv->fired);
        sw_engine_emit(e, &c);
    }
    pv->fired = 0;
    pv->run.count = 0;
}

static void mk_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *st, const sw_tick *t)
{
    (void)st;
    const sw_market_params *P = d->params;
    mk_priv *pv = d->priv;
    if (s->index != pv->index || pv->fired >= SW_MARKET_LEVELS)
        return;
    /* The rule applies in the regular session only (engine's calendar). */
    if (t->ts_ns < s->reg_lo || t->ts_ns > s->reg_hi || !(s->prev_close > 0))
        return;
    double decline = (1.0 - t->price / s->prev_close) * 100.0;
    int level = 0;
    while (level < SW_MARKET_LEVELS && decline >= P->levels[level])
        level++;
    int b = level > pv->fired;
    if (b)
        pv->run_min = pv->run.count == 0 || level < pv->run_min ? level : pv->run_min;
    sw_run_step(&pv->run, b, t->ts_ns, b ? NULL : &e->stats.filtered_prints);
    if (!sw_run_confirmed(&pv->run, P->confirm_ticks, P->confirm_ns, t->ts_ns))
        return;
    pv->fired = pv->run_min;
    pv->run.count = 0;

    char name[SW_SYMBOL_MAX + 24], halt[64];
    snprintf(name, sizeof name, P->proxy ? "%s (S&P 500 proxy)" : "%s", s->name);
    if (pv->fired >= SW_MARKET_LEVELS) {
        snprintf(halt, sizeof halt, "trading halts for the day");
    } else {
        int sod;
        sw_ny_day(s->reg_hi - HALT_CUTOFF_NS, &sod);
        if (t->ts_ns < s->reg_hi - HALT_CUTOFF_NS)
            snprintf(halt, sizeof halt, "trading halts for 15 minutes");
        else
            snprintf(halt, sizeof halt, "no halt at or after %02d:%02d", sod / 3600, sod / 60 % 60);
    }
    double chg = (t->price / s->prev_close - 1.0) * 100.0;
    snprintf(d->text, sizeof d->text,
             "market-wide circuit breaker level %d (-%g%%): %s %+.2f%% vs previous close %.2f; %s", pv->fired,
             P->levels[pv->fired - 1], name, chg, s->prev_close, halt);
    sw_candidate c;
    sw_cand_init(&c, d, s, t->ts_ns, t->price);
    c.severity = SW_SEV_CRITICAL;
    c.direction = -1;
    c.reference = s->prev_close;
    c.change_pct = chg;
    c.magnitude = pv->fired;
    c.step = 1;
    c.window = "prev_close";
    sw_engine_emit(e, &c);
}

const sw_detector_type sw_market_type = {
    .name = "market",
    /* Only the index (or its proxy) fires: its one key goes to the policy's
     * general table instead of a planned state for every watched symbol. */
    .symbol_dirs = 0,
    .group_dirs = 0,
    .params_size = sizeof(sw_market_params),
    .defaults = mk_defaults,
    .validate = mk_validate,
    .init = mk_init,
    .fini = mk_fini,
    .on_tick = mk_on_tick,
    .on_session = mk_on_session,
};
