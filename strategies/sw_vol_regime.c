/* sw_vol_regime.c -- see sw_vol_regime.h. */
#include "sw_bars.h"
#include "sw_engine.h"
#include "sw_stats.h"
#include "sw_time.h"
#include "sw_vol_regime.h"
#include "sw_zscore.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* One per symbol: 128 bytes before the window's values (the bars' 64 are
 * all a tick reads).  The rings' storage is buf[], passed to each call. */
typedef struct vr_state {
    sw_bars bars;
    sw_rolling shortw;        /* squared returns of the last `window` bars (values in buf[]) */
    /* The baseline ewma of returns older than the window; its count n is
     * the returns fed into the baseline with either baseline (a rolling
     * one counts here too: base_fed). */
    sw_ewvar base_ew;
    int64_t use_ns;           /* today's bars count from here (open + open_delay) */
    int fired;
    /* `window` values; then, for a rolling baseline only (the state is sized
     * without it for ewma), the baseline's sw_rolling and its values. */
    double buf[];
} vr_state;

/* The rolling baseline, after the window's values, and its values after it. */
static sw_rolling *base_roll(const sw_vol_regime_params *P, vr_state *st)
{
    return (sw_rolling *)(void *)(st->buf + P->window);
}

static double *base_vals(const sw_vol_regime_params *P, vr_state *st)
{
    return (double *)(void *)(base_roll(P, st) + 1);
}

/* Returns fed into the baseline (either kind). */
static uint64_t base_fed(const vr_state *st)
{
    return st->base_ew.n;
}

/* The bar length: bar is 1s .. 1d (vr_validate), so only 1d is in days;
 * no division (sw_bar_len_of's) on the tick path. */
static sw_bar_len bar_len(const sw_vol_regime_params *P)
{
    sw_bar_len L = { P->bar_ns, P->bar_ns == SW_NS_PER_DAY };
    return L;
}

static void vr_defaults(void *p)
{
    sw_vol_regime_params *P = p;
    P->bar_ns = SW_NS_PER_MIN;
    P->window = 30;
    P->baseline = SW_VOL_EWMA;
    P->lambda = 0.995;
    P->baseline_window = 390;
    P->min_bars = 390;
    P->threshold = 3.0;
    P->hysteresis = 0.2;
    P->clip = 8.0;
    P->min_vol = 0.0005;
    P->extended_hours = 0;
    P->open_delay_ns = 30 * SW_NS_PER_MIN;
}

static int vr_validate(const void *p, char *err, size_t errlen)
{
    const sw_vol_regime_params *P = p;
    if (P->bar_ns < SW_NS_PER_SEC || P->bar_ns > SW_NS_PER_DAY) {
        snprintf(err, errlen, "bar must be from 1s to 1d");
        return -1;
    }
    if (P->window < 2) {
        snprintf(err, errlen, "window must hold at least 2 bars");
        return -1;
    }
    if (P->baseline == SW_VOL_ROLLING && P->baseline_window < P->window) {
        snprintf(err, errlen,
                 "baseline_window (%d) must be at least window (%d): the baseline is the longer "
                 "horizon", P->baseline_window, P->window);
        return -1;
    }
    if (!(P->lambda > 0 && P->lambda < 1)) {
        snprintf(err, errlen, "lambda must be between 0 and 1");
        return -1;
    }
    if (!(P->threshold > 1)) {
        snprintf(err, errlen, "threshold (%g) must be greater than 1", P->threshold);
        return -1;
    }
    return 0;
}

static size_t vr_state_size(const void *p)
{
    const sw_vol_regime_params *P = p;
    size_t n = sizeof(vr_state) + (size_t)P->window * sizeof(double);
    if (P->baseline == SW_VOL_ROLLING)
        n += sizeof(sw_rolling) + (size_t)P->baseline_window * sizeof(double);
    return n;
}

static size_t vr_hot_size(const void *p)
{
    (void)p;
    return sizeof(sw_bars); /* a tick only moves the bar; the rest when one completes */
}

static void vr_sym_init(const sw_detector *d, void *vst)
{
    const sw_vol_regime_params *P = d->params;
    vr_state *st = vst;
    memset(st, 0, sizeof *st);
    sw_bars_init(&st->bars);
    sw_rolling_init(&st->shortw, (uint32_t)P->window);
    sw_ewvar_init(&st->base_ew);
    if (P->baseline == SW_VOL_ROLLING)
        sw_rolling_init(base_roll(P, st), (uint32_t)P->baseline_window);
}

static void vr_on_session(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst)
{
    const sw_vol_regime_params *P = d->params;
    vr_state *st = vst;
    int intraday = P->bar_ns < SW_NS_PER_DAY && !(e->calendar && e->calendar->always_open);
    st->use_ns = intraday && s->reg_lo <= s->reg_hi ? s->reg_lo + P->open_delay_ns : INT64_MIN;
    /* The overnight gap is not an intraday return (see sw_zscore.h). */
    if (intraday)
        sw_bars_break(&st->bars);
}

static void vr_on_split(sw_detector *d, sw_symbol *s, void *vst, double ratio)
{
    (void)d;
    (void)s;
    vr_state *st = vst;
    sw_bars_split(&st->bars, ratio);
}

/* Baseline volatility per bar, floored; NaN while empty. */
static double base_sd(const sw_vol_regime_params *P, vr_state *st)
{
    if (!base_fed(st))
        return NAN;
    double var = P->baseline == SW_VOL_ROLLING ? sw_rolling_mean(base_roll(P, st))
                                               : sw_ewvar_var(&st->base_ew);
    double sd = sqrt(var);
    return sd < P->min_vol ? P->min_vol : sd;
}

static void vr_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst, const sw_tick *t)
{
    const sw_vol_regime_params *P = d->params;
    vr_state *st = vst;
    int regular = t->ts_ns >= s->reg_lo && t->ts_ns <= s->reg_hi; /* engine's cached session */
    if (!P->extended_hours && !regular)
        return;
    sw_bar_done b;
    sw_bar_len L = bar_len(P);
    if (!sw_bars_tick(&st->bars, L, t->ts_ns, t->price, &b) || isnan(b.ret))
        return;
    /* Bars that began in the opening period are not this symbol's regime:
     * every morning is that volatile (see sw_vol_regime.h). */
    if (b.bucket * P->bar_ns >= s->reg_lo && b.bucket * P->bar_ns < st->use_ns)
        return;

    double r = b.span > 1 ? b.ret / sqrt((double)b.span) : b.ret;
    double sd = base_sd(P, st);
    if (P->clip > 0 && sd > 0) {
        double cap = P->clip * sd;
        r = r > cap ? cap : r < -cap ? -cap : r;
    }
    double old;
    if (sw_rolling_push(&st->shortw, st->buf, r * r, &old)) {
        /* The oldest return leaves the window for the baseline. */
        if (P->baseline == SW_VOL_ROLLING) {
            sw_rolling_push(base_roll(P, st), base_vals(P, st), old, NULL);
            st->base_ew.n++; /* the count (base_fed) only: its var is the ewma's */
        } else {
            sw_ewvar_add(&st->base_ew, P->lambda, sqrt(old)); /* counts it too */
        }
    }
    if (base_fed(st) < (uint64_t)P->min_bars || !sw_ring_full(&st->shortw.ring))
        return;

    sd = base_sd(P, st);
    double rv = sqrt(sw_rolling_mean(&st->shortw));
    double ratio = rv / sd;
    int fire = !st->fired && ratio >= P->threshold;
    int clear = st->fired && ratio < P->threshold * (1.0 - P->hysteresis);
    if (!fire && !clear)
        return;
    char wbuf[16], bbuf[16];
    sw_format_duration(P->bar_ns, bbuf, sizeof bbuf);
    sw_format_duration(P->bar_ns * P->window, wbuf, sizeof wbuf);
    sw_candidate c;
    memset(&c, 0, sizeof c);
    if (fire) {
        c.kind = SW_CAND_FIRE;
        c.severity = SW_SEV_WARNING;
        snprintf(d->text, sizeof d->text,
                 "%s volatility %.1f times its baseline: %.2f%% per %s bar over the last %s "
                 "vs %.2f%%", s->name, ratio, rv * 100.0, bbuf, wbuf, sd * 100.0);
        st->fired = 1;
    } else {
        c.kind = SW_CAND_CLEAR;
        c.severity = SW_SEV_INFO;
        snprintf(d->text, sizeof d->text,
                 "%s volatility back to %.1f times its baseline (%.2f%% per %s bar vs %.2f%%)",
                 s->name, ratio, rv * 100.0, bbuf, sd * 100.0);
        st->fired = 0;
    }
    c.direction = 0; /* volatility has no direction */
    c.symbol = s->name;
    c.detector = d->type->name;
    c.instance = d->instance;
    c.ts_ns = t->ts_ns;
    c.price = t->price;
    c.reference = NAN;
    c.change_pct = NAN;
    c.zscore = NAN;
    c.magnitude = ratio;
    c.step = 0; /* one alert per regime: no extension alerts */
    c.window = wbuf;
    c.text = d->text;
    sw_engine_emit(e, &c);
}

const sw_detector_type sw_vol_regime_type = {
    .name = "vol_regime",
    .symbol_dirs = SW_DIRS_NONE,
    .group_dirs = 0,
    .params_size = sizeof(sw_vol_regime_params),
    .defaults = vr_defaults,
    .validate = vr_validate,
    .state_size = vr_state_size,
    .hot_size = vr_hot_size,
    .sym_init = vr_sym_init,
    .on_tick = vr_on_tick,
    .on_session = vr_on_session,
    .on_split = vr_on_split,
};
