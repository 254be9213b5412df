/* sw_stale.c -- see sw_stale.h. */
#include "sw_stale.h"
#include "sw_calendar.h"
#include "sw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEVER INT64_MIN

/* In the symbol's record: only what a silence that fired needs.  What every
 * trade updates and every clock step reads lives in two compact arrays of
 * the detector (last[], flags[] below): with 10 000 symbols they stay in the
 * cache, where the records do not. */
typedef struct stale_state {
    int64_t silent_since;   /* start of the silence that fired */
} stale_state;

enum {
    FIRED = 1u << 0,
    BARS = 1u << 1,         /* the last trade was a synthesized bar */
    QUEUED = 1u << 2,       /* in its heap */
    ALWAYS = 1u << 3        /* 24x7 (always_open) */
};

/* A symbol waiting for its silence: key is a last trade it had (never newer
 * than its present one). */
typedef struct entry {
    int64_t key;
    uint32_t sym;
} entry;

typedef struct heap {
    entry *e;
    size_t n;
} heap;

typedef struct stale_priv {
    heap session, around;   /* exchange symbols; 24x7 (always_open) symbols */
    int64_t session_after;  /* the session heap waits until this event time */
    uint32_t *due;          /* symbols firing in one clock step */
    int64_t *last;          /* per symbol index: its last trade; NEVER: not watched yet */
    char window[16];        /* `after` as the candidate's window, e.g. "120s" */
    uint8_t flags[];        /* per symbol index: FIRED, BARS, QUEUED, ALWAYS */
} stale_priv;

static void heap_push(heap *h, int64_t key, uint32_t sym)
{
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->e[p].key <= key)
            break;
        h->e[i] = h->e[p];
        i = p;
    }
    h->e[i].key = key;
    h->e[i].sym = sym;
}

static void heap_pop(heap *h)
{
    entry last = h->e[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = l;
        if (l >= h->n)
            break;
        if (l + 1 < h->n && h->e[l + 1].key < h->e[l].key)
            m = l + 1;
        if (h->e[m].key >= last.key)
            break;
        h->e[i] = h->e[m];
        i = m;
    }
    if (h->n)
        h->e[i] = last;
}

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
    size_t n = e->n_syms ? e->n_syms : 1;
    stale_priv *pv = sw_detector_priv_alloc(d, e, sizeof *pv);
    if (!pv)
        return -1;
    pv->session_after = INT64_MIN;
    /* Whole seconds read best as seconds ("120s", as the option is usually
     * written); anything finer keeps its own unit. */
    if (P->after_ns % SW_NS_PER_SEC == 0)
        snprintf(pv->window, sizeof pv->window, "%llds", (long long)(P->after_ns / SW_NS_PER_SEC));
    else
        sw_format_duration(P->after_ns, pv->window, sizeof pv->window);
    size_t n_always = sw_engine_mark_names(e, &P->always_open, pv->flags, ALWAYS);
    /* Each symbol is in one heap at most: sized for all of them at start. */
    pv->session.e = malloc((n - n_always + 1) * sizeof *pv->session.e);
    pv->around.e = malloc((n_always + 1) * sizeof *pv->around.e);
    pv->due = malloc(n * sizeof *pv->due);
    pv->last = malloc(n * sizeof *pv->last);
    if (!pv->session.e || !pv->around.e || !pv->due || !pv->last)
        return -1;
    for (size_t i = 0; i < n; i++)
        pv->last[i] = NEVER;
    return 0;
}

static void st_fini(sw_detector *d)
{
    stale_priv *pv = d->priv;
    if (pv) {
        free(pv->session.e);
        free(pv->around.e);
        free(pv->due);
        free(pv->last);
        free(pv);
    }
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
    stale_priv *pv = d->priv;
    stale_state *st = vst;
    uint8_t *f = &pv->flags[s->index];
    if (t->flags & SW_TICK_PRICE_ONLY)
        return;
    if (*f & FIRED) {
        char b[32];
        *f &= (uint8_t)~FIRED;
        snprintf(d->text, sizeof d->text, "%s: trading again after %s without a trade", s->name,
                 sw_format_span(t->ts_ns - st->silent_since, b, sizeof b));
        emit(d, e, s, SW_CAND_CLEAR, t->ts_ns, t->ts_ns - st->silent_since);
    }
    pv->last[s->index] = t->ts_ns;
    /* A bar feed's gaps are its resolution, not a silence. */
    if (t->flags & SW_TICK_SYNTH_BAR)
        *f |= BARS;
    else
        *f &= (uint8_t)~BARS;
    /* Already waiting in its heap: the key there is an older trade, which
     * the clock corrects when it comes up. */
    if (!(*f & (BARS | QUEUED))) {
        heap_push(*f & ALWAYS ? &pv->around : &pv->session, t->ts_ns, s->index);
        *f |= QUEUED;
    }
}

/* Take from h every symbol whose silence reached `after` by now: those
 * still silent go to pv->due (*n_due), those that traded since their key go
 * back in with their last trade, those fired or fed by bars leave the heap
 * (their next trade brings them back). */
static void collect_due(const sw_stale_params *P, stale_priv *pv, heap *h, int64_t now, size_t *n_due)
{
    while (h->n && h->e[0].key <= now - P->after_ns) {
        uint32_t i = h->e[0].sym;
        heap_pop(h);
        if (pv->flags[i] & (FIRED | BARS) || pv->last[i] == NEVER) {
            pv->flags[i] &= (uint8_t)~QUEUED;
        } else if (pv->last[i] > now - P->after_ns) {
            heap_push(h, pv->last[i], i);
        } else {
            pv->flags[i] &= (uint8_t)~QUEUED;
            pv->due[(*n_due)++] = i;
        }
    }
}

static int by_index(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void st_on_clock(sw_detector *d, sw_engine *e, int64_t now)
{
    const sw_stale_params *P = d->params;
    stale_priv *pv = d->priv;
    size_t n_due = 0;
    int64_t open = 0, close = 0;
    collect_due(P, pv, &pv->around, now, &n_due);
    if (pv->session.n && pv->session.e[0].key <= now - P->after_ns && now >= pv->session_after) {
        /* One calendar lookup, shared by every exchange-traded symbol: the
         * session in progress, or the next one.  Silence counts from the
         * later of the last trade and the open, so nothing is due before
         * open + after; with no session within a month, look again in a day. */
        if (!sw_calendar_next_session(e->calendar, now, &open, &close))
            pv->session_after = now + SW_NS_PER_DAY;
        else if (open + P->after_ns > now)
            pv->session_after = open + P->after_ns;
        else
            collect_due(P, pv, &pv->session, now, &n_due);
    }
    if (n_due > 1)
        qsort(pv->due, n_due, sizeof *pv->due, by_index); /* watchlist order */
    for (size_t k = 0; k < n_due; k++) {
        sw_symbol *s = sw_engine_sym(e, pv->due[k]);
        stale_state *st = (stale_state *)(s->state + d->state_off);
        uint32_t i = pv->due[k];
        int always = pv->flags[i] & ALWAYS;
        /* A 24x7 silence is not reset by any session boundary. */
        int64_t since = always || pv->last[i] > open ? pv->last[i] : open;
        char b[32];
        pv->flags[i] |= FIRED;
        st->silent_since = since;
        if (always)
            snprintf(d->text, sizeof d->text, "%s: no trade for %s (trades around the clock)", s->name,
                     sw_format_span(now - since, b, sizeof b));
        else
            snprintf(d->text, sizeof d->text, "%s: no trade for %s during the session", s->name,
                     sw_format_span(now - since, b, sizeof b));
        /* Stamped with the moment the silence reached `after`, not the
         * clock step that noticed it: the id then depends on the trades
         * alone, the same in every shockd of an active-active pair (each
         * on its own wall clock) and in a shard, whose clock only its own
         * symbols move.  The text says how long it was when seen. */
        emit(d, e, s, SW_CAND_FIRE, since + P->after_ns, now - since);
    }
}

/* Checkpoints: per symbol its last trade and its FIRED and BARS flags (9
 * bytes each, in index order); ALWAYS comes from the parameters and QUEUED
 * from the heaps, which a restore builds again. */
static size_t st_save_priv(const sw_detector *d, const sw_engine *e, void *out, size_t max)
{
    const stale_priv *pv = d->priv;
    size_t n = e->n_syms;
    if (!pv || n * 9 > max)
        return 0;
    unsigned char *o = out;
    for (size_t i = 0; i < n; i++) {
        memcpy(o + i * 9, &pv->last[i], 8);
        o[i * 9 + 8] = pv->flags[i] & (FIRED | BARS);
    }
    return n * 9;
}

static int st_restore_priv(sw_detector *d, sw_engine *e, const void *in, size_t len)
{
    stale_priv *pv = d->priv;
    size_t n = e->n_syms;
    if (!pv || !in || len != n * 9)
        return -1;
    const unsigned char *b = in;
    pv->session.n = pv->around.n = 0;
    pv->session_after = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        memcpy(&pv->last[i], b + i * 9, 8);
        pv->flags[i] = (uint8_t)((pv->flags[i] & ALWAYS) | (b[i * 9 + 8] & (FIRED | BARS)));
        if (pv->last[i] != NEVER && !(pv->flags[i] & (FIRED | BARS))) {
            heap_push(pv->flags[i] & ALWAYS ? &pv->around : &pv->session, pv->last[i], (uint32_t)i);
            pv->flags[i] |= QUEUED;
        }
    }
    return 0;
}

const sw_detector_type sw_stale_type = {
    .name = "stale",
    .symbol_dirs = SW_DIRS_NONE,
    .group_dirs = 0,
    .params_size = sizeof(sw_stale_params),
    .defaults = st_defaults,
    .validate = st_validate,
    .init = st_init,
    .fini = st_fini,
    .state_size = st_state_size,
    .sym_init = st_sym_init,
    /* Silence is the absence of any trade: one the sale conditions keep
     * from the price (an odd lot, a late report) still shows the symbol's
     * feed is alive, as it did before conditions were read. */
    .takes = SW_TAKES_VOLUME_ONLY,
    .on_tick = st_on_tick,
    .on_clock = st_on_clock,
    .save_priv = st_save_priv,
    .restore_priv = st_restore_priv,
};
