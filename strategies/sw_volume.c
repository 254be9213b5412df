/* sw_volume.c -- see sw_volume.h. */
#include "sw_calendar.h"
#include "sw_detect.h"
#include "sw_engine.h"
#include "sw_time.h"
#include "sw_volume.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_NS (390 * SW_NS_PER_MIN)    /* a full regular session, 09:30-16:00 */
#define CLOSE_ZONE_NS (30 * SW_NS_PER_MIN)  /* an early close's closing rush */
#define STATE_FORMAT 8                      /* numbers before the windows in state.json */

typedef struct vo_state {
    int64_t day;              /* New York day of the windows in progress; SW_NO_DAY: none */
    double vol;               /* volume of window `cur` so far */
    double big;               /* its largest single trade */
    int16_t cur;              /* window in progress today (< 390: windows are >= 1 min); -1: no trade yet today */
    int8_t fired_sev;         /* -1: nothing raised */
    uint8_t early;            /* today closes early: judged, not added to the baseline */
    uint8_t seen;             /* this run has had a trade of the symbol: empty windows were watched */
    uint8_t restored;         /* restored from state.json and no trade since */
    uint8_t skip_cur;         /* window `cur` is incomplete (a restart): not added */
    uint8_t noted;            /* "no baseline yet" said */
    uint8_t closed;           /* the day's windows went into the baseline at its close */
    /* mean[B] then cnt[B] (uint8_t): the baseline of each window.  A count
     * saturates at 255: it is only ever compared with min_days and
     * baseline_days, which the config bounds to 255 (beyond baseline_days
     * sessions the weight is the floor whatever the count), so a saturated
     * count decides as the exact one would -- and one byte a window, not two,
     * is 78 bytes a symbol with 5-minute windows. */
    float mean[];
} vo_state;

/* Which windows of the last two days the engine saw any trade in, of any
 * symbol: a window without one was a feed outage, not a window without
 * volume, and enters no baseline as a zero. */
typedef struct vo_priv {
    int64_t day[2];
    uint8_t *seen[2];
    int64_t closed_day;       /* the last day whose close on_clock has handled */
} vo_priv;

static int windows(const sw_volume_params *P)
{
    return P->bar_ns ? 1 : (int)((SESSION_NS + P->window_ns - 1) / P->window_ns);
}

static uint8_t *counts(const sw_volume_params *P, vo_state *st)
{
    return (uint8_t *)(void *)(st->mean + windows(P));
}

static void vo_defaults(void *p)
{
    sw_volume_params *P = p;
    memset(P, 0, sizeof *P);
    P->window_ns = 5 * SW_NS_PER_MIN;
    P->bar_ns = 0;
    P->baseline_days = 20;
    P->min_days = 10;
    P->warning_x = 5.0;
    P->critical_x = 20.0;
    P->min_volume = 10000;
    P->hysteresis = 0.2;
}

static int vo_validate(const void *p, char *err, size_t errlen)
{
    const sw_volume_params *P = p;
    if (sw_levels_check("x", P->warning_x, P->critical_x, err, errlen) != 0)
        return -1;
    if (P->bar_ns != 0 && P->bar_ns != SW_NS_PER_DAY) {
        snprintf(err, errlen, "bar must be \"1d\" (whole sessions) or left out (windows of `window`)");
        return -1;
    }
    if (P->window_ns < SW_NS_PER_MIN || P->window_ns > SESSION_NS) {
        snprintf(err, errlen, "window must be from 1m to 390m (the regular session)");
        return -1;
    }
    if (P->min_days < 1 || P->baseline_days < 1) {
        snprintf(err, errlen, "baseline_days and min_days must be at least 1");
        return -1;
    }
    return 0;
}

static int vo_init(sw_detector *d, sw_engine *e)
{
    (void)e;
    int n = windows(d->params);
    vo_priv *pv = calloc(1, sizeof *pv + 2 * (size_t)n);
    if (!pv)
        return -1;
    pv->day[0] = pv->day[1] = pv->closed_day = SW_NO_DAY;
    pv->seen[0] = (uint8_t *)(pv + 1);
    pv->seen[1] = pv->seen[0] + n;
    d->priv = pv;
    return 0;
}

static void vo_fini(sw_detector *d)
{
    free(d->priv);
    d->priv = NULL;
}

/* The engine's record of day's windows; with `make`, a fresh one replacing
 * the older day's.  NULL: that day is not kept. */
static uint8_t *seen_of(const sw_detector *d, int64_t day, int make)
{
    vo_priv *pv = d->priv;
    for (int k = 0; k < 2; k++)
        if (pv->day[k] == day)
            return pv->seen[k];
    if (!make)
        return NULL;
    int old = pv->day[0] < pv->day[1] ? 0 : 1;
    pv->day[old] = day;
    memset(pv->seen[old], 0, (size_t)windows(d->params));
    return pv->seen[old];
}

static size_t vo_state_size(const void *p)
{
    const sw_volume_params *P = p;
    return offsetof(vo_state, mean) + (size_t)windows(P) * (sizeof(float) + sizeof(uint8_t));
}

static size_t vo_hot_size(const void *p)
{
    (void)p;
    return offsetof(vo_state, mean); /* a trade reads one window's mean besides */
}

static void vo_sym_init(const sw_detector *d, void *vst)
{
    vo_state *st = vst;
    memset(st, 0, vo_state_size(d->params));
    st->day = SW_NO_DAY;
    st->cur = -1;
    st->fired_sev = -1;
}

/* The window of a regular-session trade at ts, or -1 outside the curve. */
static int window_of(const sw_volume_params *P, const vo_state *st, const sw_symbol *s, int64_t ts)
{
    if (ts < s->reg_lo || ts > s->reg_hi)
        return -1;
    if (P->bar_ns)
        return 0;
    int n = windows(P);
    if (st->early) {
        /* The closing rush: counted back from the close, window by window
         * ([12:55, 13:00] is the last window, as [15:55, 16:00] is). */
        int64_t to_close = s->reg_hi - ts;
        int64_t zone = (CLOSE_ZONE_NS + P->window_ns - 1) / P->window_ns * P->window_ns;
        if (to_close <= zone)
            return n - 1 - (int)(to_close > 0 ? (to_close - 1) / P->window_ns : 0);
    }
    int64_t w = (ts - s->reg_lo) / P->window_ns;
    if (w < n)
        return (int)w;
    return ts == s->reg_hi ? n - 1 : -1; /* the closing print; a 24x7 day beyond 6.5 h */
}

/* Window w's volume x enters the baseline. */
static void commit(const sw_volume_params *P, vo_state *st, int w, double x)
{
    uint8_t *cnt = counts(P, st);
    double a = 1.0 / (cnt[w] + 1.0), floor_a = 2.0 / (P->baseline_days + 1.0);
    if (a < floor_a)
        a = floor_a;
    st->mean[w] = (float)(st->mean[w] + (x - st->mean[w]) * a);
    if (cnt[w] < SW_VOLUME_DAYS_MAX)
        cnt[w]++;
}

/* A window of `day` without trades of s enters the baseline as 0 only if
 * the engine was receiving trades then. */
static void commit_empty(const sw_detector *d, vo_state *st, int64_t day, int w)
{
    const uint8_t *seen = seen_of(d, day, 0);
    if (seen && seen[w])
        commit(d->params, st, w, 0.0);
}

static double mean_of(const vo_state *st, int w)
{
    return st->mean[w] > 1.0f ? st->mean[w] : 1.0; /* a window that never trades: one share */
}

/* "10:05-10:10" for window w of today. */
static void window_span(const sw_volume_params *P, const vo_state *st, const sw_symbol *s, int w, char *buf,
                        size_t len)
{
    int n = windows(P);
    int64_t zone = (CLOSE_ZONE_NS + P->window_ns - 1) / P->window_ns;
    int64_t start = st->early && w >= n - zone ? s->reg_hi - (int64_t)(n - w) * P->window_ns
                                               : s->reg_lo + (int64_t)w * P->window_ns;
    int64_t end = start + P->window_ns < s->reg_hi ? start + P->window_ns : s->reg_hi;
    int a, b;
    sw_ny_day(start, &a);
    sw_ny_day(end, &b);
    snprintf(buf, len, "%02d:%02d-%02d:%02d", a / 3600, a / 60 % 60, b / 3600, b / 60 % 60);
}

static void emit(sw_detector *d, sw_engine *e, const sw_symbol *s, int64_t ts, double price, int kind, int sev,
                 double ratio)
{
    const sw_volume_params *P = d->params;
    char wbuf[16];
    sw_candidate c;
    sw_cand_init(&c, d, s, ts, price);
    c.kind = kind;
    c.severity = (sw_severity)sev;
    c.direction = 0; /* volume has no direction */
    c.magnitude = ratio;
    c.step = 0;      /* one alert per condition, and its escalation */
    c.window = P->bar_ns ? "1d" : sw_format_duration(P->window_ns, wbuf, sizeof wbuf);
    sw_engine_emit(e, &c);
}

/* Window `cur` is over (a later window, or the end of the session): it
 * enters the baseline, and a condition raised clears when it ended light. */
static void finish_window(sw_detector *d, sw_engine *e, const sw_symbol *s, vo_state *st, int64_t ts, int empty_after)
{
    const sw_volume_params *P = d->params;
    double ratio = empty_after ? 0.0 : st->vol / mean_of(st, st->cur);
    if (st->fired_sev >= 0 && ratio < P->warning_x * (1.0 - P->hysteresis)) {
        snprintf(d->text, sizeof d->text, "%s volume back to %.1f times its usual", s->name, ratio);
        emit(d, e, s, ts, s->last_price, SW_CAND_CLEAR, SW_SEV_INFO, ratio);
        st->fired_sev = -1;
    }
    if (!st->early && !st->skip_cur)
        commit(P, st, st->cur, st->vol);
}

/* The session of s is over: its windows this run watched enter the
 * baseline, those after its last trade as 0 (the run went on past the
 * close: this is its tick or its clock). */
static void close_day(sw_detector *d, sw_engine *e, const sw_symbol *s, vo_state *st)
{
    const sw_volume_params *P = d->params;
    if (st->day != SW_NO_DAY && st->cur >= 0 && !st->closed) {
        finish_window(d, e, s, st, s->last_ts, 0);
        for (int w = st->cur + 1; w < windows(P) && !st->early && !st->restored; w++)
            commit_empty(d, st, st->day, w);
    }
    st->closed = 1;
}

/* Event time passed the close: every symbol's day enters the baseline now,
 * not at its first trade tomorrow -- a restart overnight would otherwise
 * lose each day's last window. */
static void vo_on_clock(sw_detector *d, sw_engine *e, int64_t now)
{
    vo_priv *pv = d->priv;
    int64_t day = sw_ny_day(now, NULL), lo, hi;
    if (pv->closed_day == day)
        return;
    if (sw_calendar_session(e->calendar, day, &lo, &hi) && now <= hi)
        return;
    pv->closed_day = day;
    for (size_t i = 0; i < e->n_syms; i++) {
        sw_symbol *s = sw_engine_sym(e, i);
        vo_state *st = (vo_state *)(void *)(s->state + d->state_off);
        if (st->day == day)
            close_day(d, e, s, st);
    }
}

/* A new day for s: yesterday's windows end (if its close did not end them),
 * today's start empty. */
static void vo_on_session(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst)
{
    vo_state *st = vst;
    close_day(d, e, s, st);
    if (st->fired_sev >= 0) {
        snprintf(d->text, sizeof d->text, "%s: yesterday's unusual volume ends with the session", s->name);
        emit(d, e, s, s->last_ts, s->last_price, SW_CAND_CLEAR, SW_SEV_INFO, 0.0);
    }
    st->fired_sev = -1;
    st->day = s->day;
    st->cur = -1;
    st->vol = st->big = 0;
    st->skip_cur = 0;
    st->restored = 0;
    st->closed = 0;
    st->early = s->reg_lo <= s->reg_hi && s->reg_hi - s->reg_lo < SESSION_NS; /* the calendar's early close */
}

static void vo_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst, const sw_tick *t)
{
    const sw_volume_params *P = d->params;
    vo_state *st = vst;
    int w = window_of(P, st, s, t->ts_ns);
    if (w < 0)
        return;
    seen_of(d, s->day, 1)[w] = 1; /* the feed was up in this window */
    if (!(t->size > 0))
        return; /* a price without volume */
    if (w != st->cur) {
        int from = st->cur >= 0 ? st->cur + 1 : st->seen ? 0 : w;
        if (st->cur >= 0)
            finish_window(d, e, s, st, t->ts_ns, w > st->cur + 1);
        /* Windows without trades since: watched, unless a restart lost them. */
        for (int k = from; k < w && !st->early && !st->restored; k++)
            commit_empty(d, st, s->day, k);
        st->cur = (int16_t)w;
        st->vol = st->big = 0;
        st->skip_cur = 0;
    } else if (st->restored) {
        st->skip_cur = 0; /* back within the window the restart interrupted */
    }
    st->restored = 0;
    st->seen = 1;
    st->vol += t->size;
    if (!(t->flags & SW_TICK_SYNTH_BAR) && t->size > st->big)
        st->big = t->size;

    int n = counts(P, st)[w];
    if (n < P->min_days) {
        if (!st->noted) {
            st->noted = 1;
            sw_engine_note(e,
                           "volume: %s has %d of the %d sessions of baseline a window needs; no unusual-volume "
                           "alert for it until then (build one from history: shockd --replay FILES --seed-state)",
                           s->name, n, P->min_days);
        }
        return;
    }
    if (st->vol < P->min_volume)
        return;
    double m = mean_of(st, w);
    double conf = (st->vol - st->big) / m;
    int sev = conf >= P->critical_x ? SW_SEV_CRITICAL : conf >= P->warning_x ? SW_SEV_WARNING : -1;
    if (sev <= st->fired_sev)
        return;
    st->fired_sev = (int8_t)sev;
    double ratio = st->vol / m;
    int days = n < P->baseline_days ? n : P->baseline_days;
    if (P->bar_ns) {
        snprintf(d->text, sizeof d->text, "%s volume %.1f times its usual for the day: %.0f shares vs a %d-session mean of %.0f",
                 s->name, ratio, st->vol, days, m);
    } else {
        char span[32];
        window_span(P, st, s, w, span, sizeof span);
        snprintf(d->text, sizeof d->text, "%s volume %.1f times its usual for %s: %.0f shares vs a %d-session mean of %.0f",
                 s->name, ratio, span, st->vol, days, m);
    }
    emit(d, e, s, t->ts_ns, t->price, SW_CAND_FIRE, sev, ratio);
}

/* A split of `ratio` new shares per old multiplies share volumes: the
 * baseline follows, or every day after a 10:1 split would look 10 times
 * as busy. */
static void vo_on_split(sw_detector *d, sw_symbol *s, void *vst, double ratio)
{
    (void)s;
    vo_state *st = vst;
    for (int w = 0; w < windows(d->params); w++)
        st->mean[w] = (float)(st->mean[w] * ratio);
    st->vol *= ratio;
    st->big *= ratio;
}

/* state.json: the format, the day in progress, then mean[] and cnt[]. */
static size_t vo_save(const sw_detector *d, const void *vst, double *out, size_t max)
{
    const sw_volume_params *P = d->params;
    const vo_state *st = vst;
    int n = windows(P);
    size_t need = STATE_FORMAT + 2 * (size_t)n;
    if (max < need)
        return 0;
    const uint8_t *cnt = (const uint8_t *)(const void *)(st->mean + n);
    int any = st->day != SW_NO_DAY;
    for (int w = 0; w < n && !any; w++)
        any = cnt[w] > 0;
    if (!any)
        return 0;
    out[0] = n;
    out[1] = st->day == SW_NO_DAY ? NAN : (double)st->day;
    out[2] = st->cur;
    out[3] = st->vol;
    out[4] = st->big;
    out[5] = st->fired_sev;
    out[6] = st->early;
    out[7] = st->closed;
    for (int w = 0; w < n; w++) {
        /* A float's worth of digits: whole shares above 100, else 3 decimals
         * (crypto), so the file stays about 1 KB a symbol. */
        double m = st->mean[w];
        out[STATE_FORMAT + w] = m >= 100 ? round(m) : round(m * 1000) / 1000;
        out[STATE_FORMAT + n + w] = cnt[w];
    }
    return need;
}

static int whole(double v, double lo, double hi)
{
    return isfinite(v) && v == floor(v) && v >= lo && v <= hi;
}

static int vo_restore(const sw_detector *d, void *vst, const double *in, size_t len)
{
    const sw_volume_params *P = d->params;
    vo_state *st = vst;
    int n = windows(P);
    /* Another window length or a damaged entry: start afresh, never judge
     * against a baseline of other windows. */
    if (len != STATE_FORMAT + 2 * (size_t)n || in[0] != n || !(isnan(in[1]) || whole(in[1], -1e6, 1e6)) ||
        !whole(in[2], -1, n - 1) || !(in[3] >= 0) || !(in[4] >= 0) || !whole(in[5], -1, SW_SEV_CRITICAL) ||
        !whole(in[6], 0, 1) || !whole(in[7], 0, 1))
        return -1;
    for (int w = 0; w < n; w++)
        if (!(in[STATE_FORMAT + w] >= 0) || !whole(in[STATE_FORMAT + n + w], 0, UINT16_MAX))
            return -1;
    uint8_t *cnt = counts(P, st);
    st->day = isnan(in[1]) ? SW_NO_DAY : (int64_t)in[1];
    st->cur = (int16_t)in[2];
    st->vol = in[3];
    st->big = in[4];
    st->fired_sev = (int8_t)in[5];
    st->early = (uint8_t)in[6];
    st->closed = (uint8_t)in[7];
    for (int w = 0; w < n; w++) {
        st->mean[w] = (float)in[STATE_FORMAT + w];
        /* A file of a build that counted to 65535 (the counts were
         * uint16_t): past the bound a count decides nothing more. */
        double c = in[STATE_FORMAT + n + w];
        cnt[w] = (uint8_t)(c < SW_VOLUME_DAYS_MAX ? c : SW_VOLUME_DAYS_MAX);
    }
    /* The window in progress lost the trades of the restart: it counts
     * only if the next trade is still in it. */
    st->restored = 1;
    st->skip_cur = 1;
    return 0;
}

const sw_detector_type sw_volume_type = {
    .name = "volume",
    .symbol_dirs = SW_DIRS_NONE,
    .group_dirs = 0,
    .params_size = sizeof(sw_volume_params),
    .defaults = vo_defaults,
    .validate = vo_validate,
    .init = vo_init,
    .fini = vo_fini,
    .state_size = vo_state_size,
    .hot_size = vo_hot_size,
    .sym_init = vo_sym_init,
    .on_tick = vo_on_tick,
    .on_session = vo_on_session,
    .on_split = vo_on_split,
    .on_clock = vo_on_clock,
    .save_state = vo_save,
    .restore_state = vo_restore,
};
