/* sw_zscore.c -- see sw_zscore.h. */
#include "sw_bars.h"
#include "sw_detect.h"
#include "sw_engine.h"
#include "sw_stats.h"
#include "sw_time.h"
#include "sw_zscore.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* A run of consecutive trades at or beyond one level in one direction. */
typedef struct run {
    int count;
} run;

/* One per symbol: 144 bytes with method ewma (the production one). */
typedef struct zs_state {
    sw_bars bars;
    /* The ewma of returns (method ewma); its count n is the returns fed into
     * the volatility with either method (a rolling one counts here too: fed). */
    sw_ewvar ew;
    int64_t score_ns;         /* today's bars are scored from here (open + open_delay) */
    /* Scale of the bar in progress, recomputed when the bucket changes: the
     * estimate only moves when a bar completes, so a trade costs one log(). */
    int64_t scaled_bucket;
    double mu;                /* expected log return over the span (rolling: k * mean) */
    double inv_sd;            /* 1 / (volatility over the span) */
    double sd_bar;            /* per-bar volatility, floored, for the text */
    double fired_mag;
    run warn, crit;
    int8_t run_dir;
    int8_t fired_sev;         /* -1: nothing fired; else sw_severity */
    int8_t fired_dir;
    /* Method rolling only (the state is sized without it for ewma): the
     * window and its storage. */
    sw_rolling roll;
    double buf[];
} zs_state;

static void zs_defaults(void *p)
{
    sw_zscore_params *P = p;
    P->bar_ns = SW_NS_PER_MIN;
    P->method = SW_VOL_EWMA;
    P->lambda = SW_RISKMETRICS_LAMBDA;
    P->window = 30;
    P->min_bars = 30;
    P->warning_z = 5.0;
    P->critical_z = 9.0;
    P->hysteresis = 0.2;
    P->min_vol = 0.0005;
    P->confirm_ticks = 2;
    P->extended_hours = 0;
    P->open_delay_ns = 30 * SW_NS_PER_MIN;
}

static int zs_validate(const void *p, char *err, size_t errlen)
{
    const sw_zscore_params *P = p;
    if (sw_levels_check("z", P->warning_z, P->critical_z, err, errlen) != 0)
        return -1;
    if (P->bar_ns < SW_NS_PER_SEC || P->bar_ns > SW_NS_PER_DAY) {
        snprintf(err, errlen, "bar must be from 1s to 1d");
        return -1;
    }
    if (P->method == SW_VOL_ROLLING && (P->window < 2 || P->min_bars < 2)) {
        snprintf(err, errlen, "method \"rolling\" needs window and min_bars of at least 2 "
                              "(a standard deviation of one return is not defined)");
        return -1;
    }
    if (!(P->lambda > 0 && P->lambda < 1)) {
        snprintf(err, errlen, "lambda must be between 0 and 1");
        return -1;
    }
    return 0;
}

/* Returns fed into the volatility (either method). */
static uint64_t fed(const zs_state *st)
{
    return st->ew.n;
}

/* The bar length: bar is 1s .. 1d (zs_validate), so only 1d is in days;
 * no division (sw_bar_len_of's) on the tick path. */
static sw_bar_len bar_len(const sw_zscore_params *P)
{
    sw_bar_len L = { P->bar_ns, P->bar_ns == SW_NS_PER_DAY };
    return L;
}

static size_t zs_state_size(const void *p)
{
    const sw_zscore_params *P = p;
    if (P->method != SW_VOL_ROLLING)
        return offsetof(zs_state, roll);
    return sizeof(zs_state) + (size_t)P->window * sizeof(double);
}

static void zs_sym_init(const sw_detector *d, void *vst)
{
    const sw_zscore_params *P = d->params;
    zs_state *st = vst;
    memset(st, 0, zs_state_size(P));
    sw_bars_init(&st->bars);
    sw_ewvar_init(&st->ew);
    if (P->method == SW_VOL_ROLLING)
        sw_rolling_init(&st->roll, (uint32_t)P->window);
    st->scaled_bucket = SW_BARS_NONE;
    st->fired_sev = -1;
}

static int daily(const sw_zscore_params *P)
{
    return P->bar_ns >= SW_NS_PER_DAY;
}

static void zs_on_session(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst)
{
    const sw_zscore_params *P = d->params;
    zs_state *st = vst;
    /* A market that never closes has no overnight gap and no opening rush;
     * the engine's session bounds (from its calendar) are empty on a holiday. */
    int continuous = e->calendar && e->calendar->always_open;
    st->score_ns = daily(P) || continuous || s->reg_lo > s->reg_hi ? INT64_MIN
                                                                   : s->reg_lo + P->open_delay_ns;
    /* The first bar of the new day must not be measured from yesterday's last
     * bar: that return is the overnight gap.  Daily bars are sessions, so their
     * returns are close to close by design. */
    if (!daily(P) && !continuous)
        sw_bars_break(&st->bars);
}

static void zs_on_split(sw_detector *d, sw_symbol *s, void *vst, double ratio)
{
    (void)d;
    (void)s;
    zs_state *st = vst;
    /* Returns are ratios and survive a split; only stored prices move. */
    sw_bars_split(&st->bars, ratio);
}

/* Volatility per bar, or NaN while the estimate has too few returns. */
static double bar_sd(const sw_zscore_params *P, const zs_state *st)
{
    if (P->method == SW_VOL_ROLLING)
        return sqrt(sw_rolling_var(&st->roll)); /* NaN below two returns */
    return fed(st) ? sqrt(sw_ewvar_var(&st->ew)) : NAN;
}

static void feed(const sw_zscore_params *P, zs_state *st, const sw_bar_done *b)
{
    if (isnan(b->ret))
        return; /* the session's first bar: its return holds the overnight gap */
    /* A return over k bar lengths has k times the variance of one bar. */
    double r = b->span > 1 ? b->ret / sqrt((double)b->span) : b->ret;
    if (P->method == SW_VOL_ROLLING) {
        sw_rolling_push(&st->roll, st->buf, r, NULL);
        st->ew.n++; /* the count (fed) only: its var is the ewma's */
    } else {
        sw_ewvar_add(&st->ew, P->lambda, r); /* counts it too */
    }
}

/* Scale of the bar in progress against the last completed close. */
static void rescale(const sw_zscore_params *P, sw_bar_len L, zs_state *st)
{
    st->scaled_bucket = st->bars.bucket;
    double sd = bar_sd(P, st);
    if (isnan(sd)) {
        st->inv_sd = NAN;
        st->sd_bar = NAN;
        st->mu = 0;
        return;
    }
    if (sd < P->min_vol)
        sd = P->min_vol;
    double k = st->bars.last_close > 0 ? (double)sw_bars_span(&st->bars, L) : 1.0;
    st->sd_bar = sd;
    st->inv_sd = 1.0 / (sd * sqrt(k));
    st->mu = P->method == SW_VOL_ROLLING ? k * sw_rolling_mean(&st->roll) : 0;
}

static int confirmed(const sw_zscore_params *P, const run *r)
{
    return r->count > 0 && r->count >= P->confirm_ticks;
}

/* An ended run that never reached confirm_ticks is a filtered print (runs
 * confirm by their count alone here, so the count at the end says). */
static void bump(const sw_zscore_params *P, run *r, int beyond, uint64_t *filtered)
{
    if (beyond) {
        r->count++;
    } else {
        if (r->count > 0 && !confirmed(P, r) && filtered)
            (*filtered)++;
        r->count = 0;
    }
}

static void emit(sw_detector *d, sw_engine *e, sw_symbol *s, const sw_tick *t, sw_cand_kind kind,
                 sw_severity sev, int dir, double ref, double z, const char *window)
{
    const sw_zscore_params *P = d->params;
    sw_candidate c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.severity = sev;
    c.direction = dir;
    c.symbol = s->name;
    c.detector = d->type->name;
    c.instance = d->instance;
    c.ts_ns = t->ts_ns;
    c.price = t->price;
    c.reference = ref;
    c.change_pct = ref > 0 ? (t->price / ref - 1.0) * 100.0 : NAN;
    c.zscore = z;
    c.magnitude = fabs(z);
    c.step = P->critical_z - P->warning_z;
    c.window = window;
    c.text = d->text;
    sw_engine_emit(e, &c);
}

/* True when |log(x)| * inv_sd is certainly below level, without the log:
 * |log x| <= x - 1 for x >= 1 and <= (1 - x) / x below 1; the margin covers
 * the rounding of these and of log itself.  False for NaN. */
static int quiet(double x, double inv_sd, double level)
{
    double u = x >= 1 ? x - 1 : (1 - x) / x;
    return u * inv_sd * (1 + 1e-6) < level;
}

static void zs_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst, const sw_tick *t)
{
    const sw_zscore_params *P = d->params;
    zs_state *st = vst;
    /* The engine's cached session (calendar: early closes, holidays); the
     * closing print stamped at the close is in. */
    int regular = t->ts_ns >= s->reg_lo && t->ts_ns <= s->reg_hi;
    if (!P->extended_hours && !regular)
        return;

    sw_bar_done done;
    sw_bar_len L = bar_len(P);
    if (sw_bars_roll(&st->bars, L, t->ts_ns, &done))
        feed(P, st, &done);
    if (st->bars.bucket != st->scaled_bucket)
        rescale(P, L, st);

    /* The session's first bar has no reference of its own day: its trades
     * are checked against its first (trusted) trade, for the bad-print
     * filter only -- the gap is not scored. */
    double ref = st->bars.last_close;
    int gap = !(ref > 0);
    double inv_sd = st->inv_sd, mu = st->mu;
    if (gap) {
        ref = st->bars.n > 0 ? st->bars.open : t->price;
        inv_sd = 1.0 / st->sd_bar;
        mu = 0;
    }
    if (isnan(inv_sd)) {
        /* No volatility yet: nothing to score or filter against. */
        sw_bars_add(&st->bars, t->price);
        return;
    }

    double x = t->price / ref, z = 0, mag;
    int dir;
    if (st->fired_sev < 0 && mu == 0 && quiet(x, inv_sd, P->warning_z)) {
        /* Nearly every trade: |z| is surely below every level, so nothing
         * below depends on its value, only on its sign -- that of x - 1. */
        mag = 0;
        dir = x < 1 ? -1 : 1;
    } else {
        z = (log(x) - mu) * inv_sd;
        mag = fabs(z);
        dir = z < 0 ? -1 : 1;
    }
    if (dir != st->run_dir) {
        /* A run beyond a level is in one direction; a flip ends it (and an
         * unconfirmed critical excursion ended by it was filtered all the same). */
        bump(P, &st->warn, 0, NULL);
        bump(P, &st->crit, 0, &e->stats.filtered_prints);
        st->run_dir = (int8_t)dir;
    }
    /* As in pct_move only the critical run counts filtered prints. */
    bump(P, &st->warn, mag >= P->warning_z, NULL);
    bump(P, &st->crit, mag >= P->critical_z, &e->stats.filtered_prints);
    int warn_ok = confirmed(P, &st->warn), crit_ok = confirmed(P, &st->crit);

    /* An excursion enters the bar only once confirmed at its own level: an
     * unconfirmed outlier closing a bar would otherwise be the next bar's
     * reference and make every good trade after it look like a shock. */
    if (mag < P->warning_z || (warn_ok && (mag < P->critical_z || crit_ok)))
        sw_bars_add(&st->bars, t->price);

    char window[16]; /* formatted only when something is reported */
    /* After the open, bars still feed the volatility (which then starts the
     * day at the open's level) but are not scored until score_ns. */
    int scoring = !gap && fed(st) >= (uint64_t)P->min_bars &&
                  (!regular || t->ts_ns >= st->score_ns);

    if (st->fired_sev >= 0 && (!scoring || mag < P->warning_z * (1.0 - P->hysteresis) ||
                               (dir != st->fired_dir && (warn_ok || crit_ok)))) {
        sw_format_duration(P->bar_ns, window, sizeof window);
        /* Cleared -- or reversed: the old direction's key must re-arm before
         * the new direction fires below. */
        if (scoring)
            snprintf(d->text, sizeof d->text, "%s back to z %+.1f (%+.2f%%) in the %s bar",
                     s->name, z, (t->price / ref - 1.0) * 100.0, window);
        else
            snprintf(d->text, sizeof d->text,
                     "%s: a new session began; the %s bar z-score condition is over", s->name,
                     window);
        emit(d, e, s, t, SW_CAND_CLEAR, SW_SEV_INFO, st->fired_dir, ref, scoring ? z : NAN, window);
        st->fired_sev = -1;
    }
    if (!scoring)
        return;

    int sev = crit_ok ? SW_SEV_CRITICAL : warn_ok ? SW_SEV_WARNING : -1;
    double step = P->critical_z - P->warning_z;
    if (sev >= 0 && (st->fired_sev < 0 || sev > st->fired_sev || mag >= st->fired_mag + step)) {
        sw_format_duration(P->bar_ns, window, sizeof window);
        snprintf(d->text, sizeof d->text,
                 "%s %+.2f%% in the %s bar (previous close %.2f): z %+.1f, %.1f times its typical "
                 "%s move of %.2f%%",
                 s->name, (t->price / ref - 1.0) * 100.0, window, ref, z, mag, window,
                 st->sd_bar * 100.0);
        emit(d, e, s, t, SW_CAND_FIRE, (sw_severity)sev, dir, ref, z, window);
        st->fired_sev = (int8_t)sev;
        st->fired_dir = (int8_t)dir;
        st->fired_mag = mag;
    }
}

const sw_detector_type sw_zscore_type = {
    .name = "zscore",
    .symbol_dirs = SW_DIRS_DOWN | SW_DIRS_UP,
    .group_dirs = 0,
    .params_size = sizeof(sw_zscore_params),
    .defaults = zs_defaults,
    .validate = zs_validate,
    .state_size = zs_state_size,
    .sym_init = zs_sym_init,
    .on_tick = zs_on_tick,
    .on_session = zs_on_session,
    .on_split = zs_on_split,
};
