/* sw_halt.c -- see sw_halt.h. */
#include "sw_halt.h"
#include "sw_time.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* halt_state.flags */
enum {
    HALTED = 1u << 0,   /* a halt status is in force */
    PAUSED = 1u << 1,   /* an inferred pause was raised; the next trade clears it */
    ARMED = 1u << 2,    /* the last trade came after a qualifying move: silence may be a pause */
    LISTED = 1u << 3    /* in the detector's list of armed symbols */
};

typedef struct bucket {
    double hi, lo;
    uint32_t n;         /* trades; 0: an empty bucket (hi, lo unused) */
} bucket;

typedef struct halt_state {
    int64_t halt_ts;            /* time of the halt in force */
    int64_t last_trade;         /* last price-eligible trade seen (inference) */
    double up, down;            /* the session's LULD bands; 0: none */
    double move, move_ref;      /* move at the last trade (%) and the price it is from */
    uint16_t halts;             /* halts and possible pauses alerted this session */
    int8_t near;                /* -1, +1: a band warning is up for that band */
    uint8_t flags;
    char status[SW_STATUS_CODE_MAX], reason[SW_REASON_CODE_MAX];
    const char *reason_text;    /* the halt's, for the resumption */
    /* Inference only (the state is sized without it when `infer` is off). */
    int64_t bucket;             /* bucket number of slot[cur]; INT64_MIN: none yet */
    int cur;
    bucket slot[SW_HALT_SLOTS];
} halt_state;

typedef struct halt_priv {
    uint32_t *armed;            /* symbols whose silence may be a pause, in the order armed */
    size_t n_armed;
    char window[16];            /* move_window as text, "5m" */
    uint8_t always[];           /* per symbol index: listed in always_open */
} halt_priv;

static void hl_defaults(void *p)
{
    sw_halt_params *P = p;
    memset(P, 0, sizeof *P);
    P->band_pct = 1.0;
    P->infer = 1;
    P->after_ns = 30 * SW_NS_PER_SEC;
    P->move_pct = 5.0;
    P->move_window_ns = 5 * SW_NS_PER_MIN;
    P->min_rate = 10.0;
}

static int hl_validate(const void *p, char *err, size_t errlen)
{
    const sw_halt_params *P = p;
    if (P->after_ns < SW_NS_PER_SEC) {
        /* The engine's clock ticks once per second of event time. */
        snprintf(err, errlen, "after must be at least 1s");
        return -1;
    }
    if (P->move_window_ns < SW_HALT_SLOTS * SW_NS_PER_SEC) {
        snprintf(err, errlen, "move_window must be at least %ds", SW_HALT_SLOTS);
        return -1;
    }
    return 0;
}

static size_t hl_state_size(const void *p)
{
    const sw_halt_params *P = p;
    return P->infer ? sizeof(halt_state) : offsetof(halt_state, bucket);
}

static int hl_init(sw_detector *d, sw_engine *e)
{
    const sw_halt_params *P = d->params;
    size_t n = e->n_syms ? e->n_syms : 1;
    halt_priv *pv = sw_detector_priv_alloc(d, e, sizeof *pv);
    if (!pv)
        return -1;
    pv->armed = malloc(n * sizeof *pv->armed);
    if (!pv->armed)
        return -1;
    sw_format_duration(P->move_window_ns, pv->window, sizeof pv->window);
    (void)sw_engine_mark_names(e, &P->always_open, pv->always, 1);
    return 0;
}

static void hl_fini(sw_detector *d)
{
    halt_priv *pv = d->priv;
    if (pv)
        free(pv->armed);
    free(pv);
    d->priv = NULL;
}

static void clear_ring(halt_state *st)
{
    st->bucket = INT64_MIN;
    st->cur = 0;
    memset(st->slot, 0, sizeof st->slot);
}

static void hl_sym_init(const sw_detector *d, void *vst)
{
    const sw_halt_params *P = d->params;
    halt_state *st = vst;
    memset(st, 0, offsetof(halt_state, bucket));
    st->halt_ts = INT64_MIN;
    st->last_trade = INT64_MIN;
    if (P->infer)
        clear_ring(st);
}

static void emit(sw_detector *d, sw_engine *e, const sw_symbol *s, sw_cand_kind kind, sw_severity sev, int dir,
                 int64_t ts, double price, double ref, double mag, double step, const char *window)
{
    sw_candidate c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.symbol = s->name;
    c.detector = d->type->name;
    c.instance = d->instance;
    c.severity = kind == SW_CAND_FIRE ? sev : SW_SEV_INFO;
    c.direction = dir;
    c.ts_ns = ts;
    c.price = price;
    c.reference = ref > 0 ? ref : NAN;
    c.change_pct = ref > 0 && price > 0 ? (price / ref - 1.0) * 100.0 : NAN;
    c.zscore = NAN;
    c.magnitude = mag;
    c.step = step;
    c.window = window;
    c.text = d->text;
    sw_engine_emit(e, &c);
}

/* What the tape said about the halt: "LUDP Volatility Trading Pause",
 * "reason T1", "status H", or "" when it said nothing. */
static const char *describe(const halt_state *st, char *buf, size_t len)
{
    if (st->reason[0] && st->reason_text)
        snprintf(buf, len, "%s %s", st->reason, st->reason_text);
    else if (st->reason[0])
        snprintf(buf, len, "reason %s", st->reason);
    else if (st->reason_text)
        snprintf(buf, len, "%s", st->reason_text);
    else if (st->status[0])
        snprintf(buf, len, "status %s", st->status);
    else
        buf[0] = '\0';
    return buf;
}

static void clear_near(sw_detector *d, sw_engine *e, const sw_symbol *s, halt_state *st, int64_t ts,
                       const char *why)
{
    int dir = st->near;
    st->near = 0;
    snprintf(d->text, sizeof d->text, "%s: %s", s->name, why);
    emit(d, e, s, SW_CAND_CLEAR, SW_SEV_INFO, dir, ts, s->last_price, dir < 0 ? st->down : st->up, 0, 0, "luld");
}

static void halt(sw_detector *d, sw_engine *e, const sw_symbol *s, halt_state *st, const sw_tick *t)
{
    char why[96];
    if (st->near)
        clear_near(d, e, s, st, t->ts_ns, "halted: the LULD band warning ends");
    st->flags = (uint8_t)((st->flags | HALTED) & ~(PAUSED | ARMED));
    st->halt_ts = t->ts_ns;
    if (st->halts < UINT16_MAX)
        st->halts++;
    memcpy(st->status, t->status, sizeof st->status);
    memcpy(st->reason, t->reason, sizeof st->reason);
    st->status[sizeof st->status - 1] = st->reason[sizeof st->reason - 1] = '\0';
    st->reason_text = t->reason_text;
    describe(st, why, sizeof why);
    snprintf(d->text, sizeof d->text, "%s halted%s%s", s->name, why[0] ? ": " : "", why);
    /* Magnitude = the day's halt count, step 1: each halt is news, also
     * within the cooldown of the one before. */
    emit(d, e, s, SW_CAND_FIRE, SW_SEV_CRITICAL, 0, t->ts_ns, s->last_price, NAN, st->halts, 1, "halt");
}

/* Trading resumes: `price` > 0 when a trade said so (no status came). */
static void resume(sw_detector *d, sw_engine *e, const sw_symbol *s, halt_state *st, int64_t ts, double price)
{
    char why[96], b[32];
    st->flags &= (uint8_t)~HALTED;
    describe(st, why, sizeof why);
    sw_format_span(ts - st->halt_ts, b, sizeof b);
    if (price > 0)
        snprintf(d->text, sizeof d->text, "%s: trading again at %.2f after %s halted%s%s%s, without a resumption "
                 "status", s->name, price, b, why[0] ? " (" : "", why, why[0] ? ")" : "");
    else
        snprintf(d->text, sizeof d->text, "%s: trading resumes after %s halted%s%s%s", s->name, b,
                 why[0] ? " (" : "", why, why[0] ? ")" : "");
    emit(d, e, s, SW_CAND_RESOLVE, SW_SEV_INFO, 0, ts, price > 0 ? price : s->last_price, NAN, st->halts, 1,
         "halt");
}

static void hl_on_status(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst, const sw_tick *t)
{
    halt_state *st = vst;
    if (t->flags & SW_TICK_LULD) {
        /* The bands hold until the next message; a band of 0 is none. */
        st->up = t->limit_up > 0 && isfinite(t->limit_up) ? t->limit_up : 0;
        st->down = t->limit_down > 0 && isfinite(t->limit_down) ? t->limit_down : 0;
        return;
    }
    if (!(t->flags & SW_TICK_STATUS))
        return;
    if ((t->flags & SW_TICK_HALT) && !(st->flags & HALTED))
        halt(d, e, s, st, t);
    else if ((t->flags & SW_TICK_RESUME) && (st->flags & HALTED))
        resume(d, e, s, st, t->ts_ns, 0);
    /* A second halt status while halted (a new reason, quotes resuming
     * before trading does) is no news: the halt stands. */
}

/* The trade t in the window's buckets; the move from the window's high (or
 * low) to t, and whether the symbol is now armed: its silence from here on
 * may be a pause. */
static int infer_update(const sw_halt_params *P, halt_state *st, const sw_symbol *s, const sw_tick *t)
{
    int64_t width = P->move_window_ns / SW_HALT_SLOTS;
    int64_t b = t->ts_ns / width;
    if (st->bucket == INT64_MIN || b - st->bucket >= SW_HALT_SLOTS) {
        clear_ring(st);
    } else {
        for (int64_t k = st->bucket; k < b; k++) {
            st->cur = st->cur + 1 == SW_HALT_SLOTS ? 0 : st->cur + 1;
            st->slot[st->cur].n = 0;
        }
    }
    st->bucket = b;
    bucket *cur = &st->slot[st->cur];
    if (cur->n == 0 || t->price > cur->hi)
        cur->hi = t->price;
    if (cur->n == 0 || t->price < cur->lo)
        cur->lo = t->price;
    cur->n++;
    st->last_trade = t->ts_ns;

    double hi = 0, lo = INFINITY;
    uint64_t n = 0;
    for (int k = 0; k < SW_HALT_SLOTS; k++)
        if (st->slot[k].n) {
            hi = st->slot[k].hi > hi ? st->slot[k].hi : hi;
            lo = st->slot[k].lo < lo ? st->slot[k].lo : lo;
            n += st->slot[k].n;
        }
    double down = (t->price / hi - 1.0) * 100.0, up = (t->price / lo - 1.0) * 100.0;
    if (-down >= up) {
        st->move = down;
        st->move_ref = hi;
    } else {
        st->move = up;
        st->move_ref = lo;
    }
    double rate = (double)n / ((double)P->move_window_ns / (double)SW_NS_PER_MIN);
    return t->ts_ns >= s->reg_lo && t->ts_ns <= s->reg_hi && fabs(st->move) >= P->move_pct && rate >= P->min_rate &&
           !(st->flags & HALTED);
}

static void hl_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst, const sw_tick *t)
{
    const sw_halt_params *P = d->params;
    halt_priv *pv = d->priv;
    halt_state *st = vst;
    char b[32];
    /* A trade in a halt: the resumption status was missed.  A second's
     * margin for trades stamped at the halt. */
    if ((st->flags & HALTED) && t->ts_ns - st->halt_ts > SW_NS_PER_SEC)
        resume(d, e, s, st, t->ts_ns, t->price);
    if (st->flags & PAUSED) {
        st->flags &= (uint8_t)~PAUSED;
        snprintf(d->text, sizeof d->text, "%s: trading again after %s without a trade (the possible pause is over)",
                 s->name, sw_format_span(t->ts_ns - st->last_trade, b, sizeof b));
        emit(d, e, s, SW_CAND_CLEAR, SW_SEV_INFO, 0, t->ts_ns, t->price, st->move_ref, 0, 0, "halt");
    }
    /* A crypto feed's trades say their market never closes (the adapter
     * marks them): as if listed in always_open, from the first one. */
    if (t->flags & SW_TICK_ALWAYS_OPEN)
        pv->always[s->index] = 1;
    if (P->infer && !pv->always[s->index]) {
        if (infer_update(P, st, s, t)) {
            st->flags |= ARMED;
            if (!(st->flags & LISTED)) {
                st->flags |= LISTED;
                pv->armed[pv->n_armed++] = s->index;
            }
        } else {
            st->flags &= (uint8_t)~ARMED;
        }
    }
    if ((st->flags & HALTED) || !(st->up > 0 || st->down > 0))
        return;
    /* Distance to each band in percent of the band (negative beyond it). */
    double to_down = st->down > 0 ? (t->price / st->down - 1.0) * 100.0 : INFINITY;
    double to_up = st->up > 0 ? (st->up / t->price - 1.0) * 100.0 : INFINITY;
    int dir = 0;
    if (to_down <= P->band_pct || to_up <= P->band_pct)
        dir = to_down <= to_up ? -1 : 1;
    if (st->near && dir != st->near && (dir || fmin(to_down, to_up) > 2 * P->band_pct))
        clear_near(d, e, s, st, t->ts_ns, "back away from its LULD bands");
    if (dir && dir != st->near) {
        double band = dir < 0 ? st->down : st->up, dist = dir < 0 ? to_down : to_up;
        st->near = (int8_t)dir;
        if (dist >= 0)
            snprintf(d->text, sizeof d->text, "%s %.2f within %.2f%% of its LULD %s band %.2f (bands %.2f-%.2f)",
                     s->name, t->price, dist, dir < 0 ? "lower" : "upper", band, st->down, st->up);
        else
            snprintf(d->text, sizeof d->text, "%s %.2f beyond its LULD %s band %.2f (bands %.2f-%.2f)", s->name,
                     t->price, dir < 0 ? "lower" : "upper", band, st->down, st->up);
        emit(d, e, s, SW_CAND_FIRE, SW_SEV_WARNING, dir, t->ts_ns, t->price, band, fabs(dist), 0, "luld");
    }
}

static void hl_on_clock(sw_detector *d, sw_engine *e, int64_t now)
{
    const sw_halt_params *P = d->params;
    halt_priv *pv = d->priv;
    size_t keep = 0;
    for (size_t i = 0; i < pv->n_armed; i++) {
        uint32_t idx = pv->armed[i];
        sw_symbol *s = sw_engine_sym(e, idx);
        halt_state *st = (halt_state *)(s->state + d->state_off);
        if (!(st->flags & ARMED) || (st->flags & HALTED) || now > s->reg_hi) {
            /* Traded without the move since, halted for real, or the
             * session ended: no pause to infer. */
            st->flags &= (uint8_t)~(ARMED | LISTED);
            continue;
        }
        if (now - st->last_trade < P->after_ns) {
            pv->armed[keep++] = idx;
            continue;
        }
        char b[32];
        st->flags = (uint8_t)((st->flags & ~(ARMED | LISTED)) | PAUSED);
        snprintf(d->text, sizeof d->text, "%s: no trade for %s after %+.1f%% in %s: possible LULD pause", s->name,
                 sw_format_span(now - st->last_trade, b, sizeof b), st->move, pv->window);
        /* Counted with the day's halts: each possible pause is news too. */
        if (st->halts < UINT16_MAX)
            st->halts++;
        /* Stamped with the moment the silence reached `after`, not the clock
         * step that noticed it: the id depends on the trades alone, the same
         * in both shockd of an active-active pair (as stale does). */
        emit(d, e, s, SW_CAND_FIRE, SW_SEV_WARNING, 0, st->last_trade + P->after_ns, s->last_price, st->move_ref,
             st->halts, 1, "halt");
    }
    pv->n_armed = keep;
}

/* Checkpoints (shockd's state.json).  The per-symbol bytes come back as they
 * were, except the reason's text: it pointed into the old process's table
 * of provider texts, so the resumption names the reason code alone. */
static void hl_relocate(const sw_detector *d, void *vst)
{
    (void)d;
    ((halt_state *)vst)->reason_text = NULL;
}

/* Detector-wide: which symbols trade around the clock (a byte each; the
 * config's always_open and what a crypto feed's trades said).  The armed
 * list is rebuilt from the symbols' LISTED flags. */
static size_t hl_save_priv(const sw_detector *d, const sw_engine *e, void *out, size_t max)
{
    const halt_priv *pv = d->priv;
    if (!pv || e->n_syms > max)
        return 0;
    memcpy(out, pv->always, e->n_syms);
    return e->n_syms;
}

static int hl_restore_priv(sw_detector *d, sw_engine *e, const void *in, size_t n)
{
    halt_priv *pv = d->priv;
    if (!pv || !in || n != e->n_syms)
        return -1;
    const uint8_t *b = in;
    pv->n_armed = 0;
    for (size_t i = 0; i < e->n_syms; i++) {
        pv->always[i] |= b[i];
        halt_state *st = (halt_state *)(sw_engine_sym(e, i)->state + d->state_off);
        if (st->flags & LISTED)
            pv->armed[pv->n_armed++] = (uint32_t)i;
    }
    return 0;
}

static void hl_on_session(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst)
{
    const sw_halt_params *P = d->params;
    halt_state *st = vst;
    /* The bands and the day's halt count are the session's; a halt stands
     * until it is lifted, whatever the day. */
    if (st->near)
        clear_near(d, e, s, st, s->last_ts, "the session's LULD bands end with it");
    if (st->flags & PAUSED) {
        st->flags &= (uint8_t)~PAUSED;
        snprintf(d->text, sizeof d->text, "%s: the session ended without another trade", s->name);
        emit(d, e, s, SW_CAND_CLEAR, SW_SEV_INFO, 0, s->last_ts, s->last_price, NAN, 0, 0, "halt");
    }
    st->up = st->down = 0;
    st->halts = 0;
    st->flags &= (uint8_t)~ARMED;
    if (P->infer)
        clear_ring(st);
}

static void hl_on_split(sw_detector *d, sw_symbol *s, void *vst, double ratio)
{
    const sw_halt_params *P = d->params;
    (void)s;
    halt_state *st = vst;
    st->up /= ratio;
    st->down /= ratio;
    st->move_ref /= ratio;
    if (P->infer)
        for (int k = 0; k < SW_HALT_SLOTS; k++) {
            st->slot[k].hi /= ratio;
            st->slot[k].lo /= ratio;
        }
}

const sw_detector_type sw_halt_type = {
    .name = "halt",
    .symbol_dirs = SW_DIRS_NONE | SW_DIRS_DOWN | SW_DIRS_UP,
    .group_dirs = 0,
    .params_size = sizeof(sw_halt_params),
    .defaults = hl_defaults,
    .validate = hl_validate,
    .init = hl_init,
    .fini = hl_fini,
    .state_size = hl_state_size,
    .sym_init = hl_sym_init,
    .on_tick = hl_on_tick,
    .on_status = hl_on_status,
    .on_session = hl_on_session,
    .on_split = hl_on_split,
    .on_clock = hl_on_clock,
    .relocate = hl_relocate,
    .save_priv = hl_save_priv,
    .restore_priv = hl_restore_priv,
};
