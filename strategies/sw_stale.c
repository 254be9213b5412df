/* sw_stale.c -- see sw_stale.h. */
#include "sw_stale.h"
#include "sw_calendar.h"
#include "sw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEVER INT64_MIN

typedef struct stale_state {
    int64_t last_trade;     /* event time of the last trade; NEVER: not watched yet */
    int64_t silent_since;   /* start of the silence that fired */
    int fired;
    int bars;               /* the last trade was a synthesized bar */
} stale_state;

typedef struct stale_priv {
    int64_t next_due;       /* no symbol can become due before this */
    char window[16];        /* `after` as the candidate's window, e.g. "120s" */
    unsigned char always[]; /* per symbol index: 1 = 24x7 */
} stale_priv;

static void st_defaults(void *p)
{
    sw_stale_params *P = p;
    memset(P, 0, sizeof *P);
    P->after_ns = 120 * SW_NS_PER_SEC;
}

static int st_validate(const void *p, char *err, size_t errlen)
{
    const sw_stale_params *P = p;
    if (P->after_ns < SW_NS_PER_SEC) {
        /* The engine's clock ticks once per second of event time. */
        snprintf(err, errlen, "after must be at least 1s");
        return -1;
    }
    return 0;
}

static int st_init(sw_detector *d, sw_engine *e)
{
    const sw_stale_params *P = d->params;
    stale_priv *pv = calloc(1, sizeof *pv + (e->n_syms ? e->n_syms : 1));
    if (!pv)
        return -1;
    pv->next_due = INT64_MAX;
    /* Whole seconds read best as seconds ("120s", as the option is usually
     * written); anything finer keeps its own unit. */
    if (P->after_ns % SW_NS_PER_SEC == 0)
        snprintf(pv->window, sizeof pv->window, "%llds", (long long)(P->after_ns / SW_NS_PER_SEC));
    else
        sw_format_duration(P->after_ns, pv->window, sizeof pv->window);
    /* Names outside the watchlist are ignored here: the config loader reports
     * them, and the engine never sees their ticks anyway. */
    for (int i = 0; i < P->always_open.n && i < SW_NAME_LIST_MAX; i++) {
        uint32_t idx = sw_symtab_find(&e->tab, P->always_open.name[i]);
        if (idx != SW_SYMTAB_EMPTY)
            pv->always[idx] = 1;
    }
    d->priv = pv;
    return 0;
}

static void st_fini(sw_detector *d)
{
    free(d->priv);
    d->priv = NULL;
}

static size_t st_state_size(const void *p)
{
    (void)p;
    return sizeof(stale_state);
}

static void st_sym_init(const sw_detector *d, void *vst)
{
    (void)d;
    stale_state *st = vst;
    memset(st, 0, sizeof *st);
    st->last_trade = NEVER;
}

/* "2m 5s", "45s", "1h 3m": how long, for a person. */
static const char *span(int64_t ns, char *buf, size_t len)
{
    long long s = (long long)(ns / SW_NS_PER_SEC);
    if (s >= 3600)
        snprintf(buf, len, "%lldh %lldm", s / 3600, s / 60 % 60);
    else if (s >= 60)
        snprintf(buf, len, "%lldm %llds", s / 60, s % 60);
    else
        snprintf(buf, len, "%llds", s);
    return buf;
}

static void emit(sw_detector *d, sw_engine *e, const sw_symbol *s, sw_cand_kind kind, int64_t now,
                 int64_t silence)
{
    const stale_priv *pv = d->priv;
    sw_candidate c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.symbol = s->name;
    c.detector = d->type->name;
    c.instance = d->instance;
    c.severity = kind == SW_CAND_FIRE ? SW_SEV_WARNING : SW_SEV_INFO;
    c.direction = 0;
    c.ts_ns = now;
    c.price = s->last_price;
    c.reference = NAN;
    c.change_pct = NAN;
    c.zscore = NAN;
    /* Seconds of silence; step 0: a longer silence is not a new alert. */
    c.magnitude = (double)silence / 1e9;
    c.step = 0;
    c.window = pv->window;
    c.text = d->text;
    sw_engine_emit(e, &c);
}

static void st_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst, const sw_tick *t)
{
    const sw_stale_params *P = d->params;
    stale_priv *pv = d->priv;
    stale_state *st = vst;
    if (t->flags & SW_TICK_PRICE_ONLY)
        return;
    if (st->fired) {
        char b[32];
        st->fired = 0;
        snprintf(d->text, sizeof d->text, "%s: trading again after %s without a trade", s->name,
                 span(t->ts_ns - st->silent_since, b, sizeof b));
        emit(d, e, s, SW_CAND_CLEAR, t->ts_ns, t->ts_ns - st->silent_since);
    }
    st->last_trade = t->ts_ns;
    /* A bar feed's gaps are its resolution, not a silence. */
    st->bars = (t->flags & SW_TICK_SYNTH_BAR) != 0;
    /* This symbol cannot be due before t + after (later if the session has not
     * opened yet): keeping next_due a lower bound is all the scan needs. */
    if (!st->bars && t->ts_ns + P->after_ns < pv->next_due)
        pv->next_due = t->ts_ns + P->after_ns;
}

static void st_on_clock(sw_detector *d, sw_engine *e, int64_t now)
{
    const sw_stale_params *P = d->params;
    stale_priv *pv = d->priv;
    if (now < pv->next_due)
        return;
    /* One calendar lookup per scan, shared by every exchange-traded symbol. */
    int64_t open = 0, close = 0;
    int have = sw_calendar_next_session(e->calendar, now, &open, &close);
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < e->n_syms; i++) {
        sw_symbol *s = &e->syms[i];
        stale_state *st = (stale_state *)(s->state + d->state_off);
        if (st->last_trade == NEVER || st->fired || st->bars)
            continue;
        int64_t since, due;
        if (pv->always[i]) {
            since = st->last_trade;     /* no session boundary resets a 24x7 silence */
        } else if (!have) {
            /* No session within a month: look again in a day. */
            if (now + SW_NS_PER_DAY < next)
                next = now + SW_NS_PER_DAY;
            continue;
        } else {
            since = st->last_trade > open ? st->last_trade : open;
        }
        due = since + P->after_ns;
        if (due <= now && (pv->always[i] || now >= open)) {
            /* now < close holds: next_session returned the session in progress. */
            char b[32];
            st->fired = 1;
            st->silent_since = since;
            if (pv->always[i])
                snprintf(d->text, sizeof d->text, "%s: no trade for %s (trades around the clock)", s->name,
                         span(now - since, b, sizeof b));
            else
                snprintf(d->text, sizeof d->text, "%s: no trade for %s during the session", s->name,
                         span(now - since, b, sizeof b));
            /* Stamped with the moment the silence reached `after`, not the
             * clock step that noticed it: the id then depends on the trades
             * alone, the same in every shockd of an active-active pair (each
             * on its own wall clock) and in a shard, whose clock only its
             * own symbols move.  The text says how long it was when seen. */
            emit(d, e, s, SW_CAND_FIRE, due, now - since);
        } else if (due < next) {
            /* Before the open this is open + after; a due at or after the close
             * makes the next scan find the following session. */
            next = due;
        }
    }
    pv->next_due = next;
}

/* After a checkpoint put the symbols' last trades back: their due times
 * are unknown to next_due, so the next clock step scans them all. */
static int st_restore_priv(sw_detector *d, sw_engine *e, const void *in, size_t n)
{
    (void)e;
    (void)in;
    (void)n;
    ((stale_priv *)d->priv)->next_due = INT64_MIN;
    return 0;
}

const sw_detector_type sw_stale_type = {
    .name = "stale",
    .params_size = sizeof(sw_stale_params),
    .defaults = st_defaults,
    .validate = st_validate,
    .init = st_init,
    .fini = st_fini,
    .state_size = st_state_size,
    .sym_init = st_sym_init,
    .on_tick = st_on_tick,
    .on_clock = st_on_clock,
    .restore_priv = st_restore_priv,
};
