/* sw_stale.c -- see sw_stale.h. */
#include "sw_stale.h"
#include "sw_calendar.h"
#include "sw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEVER INT64_MIN
#define NONE UINT32_MAX

/* In the symbol's record: only what a silence that fired needs. */
typedef struct stale_state {
    int64_t silent_since;   /* start of the silence that fired */
} stale_state;

enum {
    FIRED = 1u << 0,
    BARS = 1u << 1,         /* the last trade was a synthesized bar */
    QUEUED = 1u << 2,       /* in its queue */
    ALWAYS = 1u << 3        /* 24x7 (always_open) */
};

/* What every trade updates and every clock step reads, per symbol index, in
 * a 24-byte entry of a compact array (and a byte of flags): with 10 000
 * symbols they stay in the cache, where the records do not. */
typedef struct watch {
    int64_t last;           /* its last trade; NEVER: not watched yet */
    int64_t key;            /* while QUEUED: the trade it waits from (never newer than last) */
    uint32_t next;          /* the next symbol in the same list, or NONE */
} watch;

typedef struct list {
    uint32_t head, tail;    /* NONE: empty */
} list;

/* The symbols waiting for their silence, by the key they wait from: a ring
 * of `mask + 1` lists, list b holding the keys in [b * span, (b + 1) * span)
 * for the bucket numbers b in [lo, lo + mask]; older keys wait in `old`.
 * A clock step takes out exactly the keys <= now - after, as a min-heap's top
 * would, but at O(1) a symbol instead of a heap's log2(n) steps through an
 * array larger than the L1 cache: every watched symbol comes up once per
 * `after` (and goes back in with its newer trade), 100 000 times over 20
 * minutes for 10 000 symbols.  The ring covers more than `after`, so that
 * any key older than the ring is due at the next step; keys are never newer
 * than the engine's event time, so the ring slides forward with it. */
typedef struct queue {
    list *ring;
    uint32_t mask;
    int64_t span;           /* ns of key time per list */
    int64_t lo;             /* bucket number of the oldest list of the ring */
    int64_t cursor;         /* no key of a bucket below this is in the ring */
    list old;               /* keys below lo * span */
    size_t n;
} queue;

typedef struct stale_priv {
    queue session, around;  /* exchange symbols; 24x7 (always_open) symbols */
    int64_t session_after;  /* the session queue waits until this event time */
    uint32_t *due;          /* symbols firing in one clock step */
    watch *w;               /* per symbol index */
    char window[16];        /* `after` as the candidate's window, e.g. "120s" */
    uint8_t flags[];        /* per symbol index: FIRED, BARS, QUEUED, ALWAYS */
} stale_priv;

static void list_add(watch *w, list *l, uint32_t i)
{
    w[i].next = NONE;
    if (l->head == NONE)
        l->head = i;
    else
        w[l->tail].next = i;
    l->tail = i;
}

/* Append list b to list a, leaving b empty. */
static void list_join(watch *w, list *a, list *b)
{
    if (b->head == NONE)
        return;
    if (a->head == NONE)
        a->head = b->head;
    else
        w[a->tail].next = b->head;
    a->tail = b->tail;
    b->head = b->tail = NONE;
}

/* Bucket numbers round down for times before the epoch too (tests). */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

static int queue_init(queue *q, int64_t after_ns)
{
    /* One list per second of key time (per a thousandth of `after` when that
     * is longer), and enough lists that `after` plus two fit in the ring. */
    int64_t sec = SW_NS_PER_SEC;
    q->span = after_ns <= 1000 * sec ? sec : (after_ns / 1000 + sec - 1) / sec * sec;
    uint32_t n = 4;
    while ((int64_t)n < after_ns / q->span + 3)
        n *= 2;
    q->ring = malloc(n * sizeof *q->ring);
    if (!q->ring)
        return -1;
    for (uint32_t k = 0; k < n; k++)
        q->ring[k].head = q->ring[k].tail = NONE;
    q->mask = n - 1;
    q->lo = q->cursor = INT64_MIN;
    q->old.head = q->old.tail = NONE;
    q->n = 0;
    return 0;
}

/* Make the ring end at bucket `top`: the lists it leaves behind join `old`. */
static void queue_slide(watch *w, queue *q, int64_t top)
{
    int64_t lo = top - q->mask;
    if (lo <= q->lo)
        return;
    if (q->lo != INT64_MIN) {
        int64_t from = q->cursor > q->lo ? q->cursor : q->lo;
        int64_t to = lo - from > q->mask ? from + q->mask + 1 : lo;
        for (int64_t b = from; b < to; b++)
            list_join(w, &q->old, &q->ring[b & q->mask]);
    }
    q->lo = lo;
    if (q->cursor < lo)
        q->cursor = lo;
}

static void queue_push(watch *w, queue *q, int64_t key, uint32_t i)
{
    int64_t b = floor_div(key, q->span);
    if (q->lo == INT64_MIN || b > q->lo + q->mask)
        queue_slide(w, q, b);
    w[i].key = key;
    if (b < q->lo) {
        list_add(w, &q->old, i);
    } else {
        list_add(w, &q->ring[b & q->mask], i);
        if (b < q->cursor)
            q->cursor = b;
    }
    q->n++;
}

/* Is a key <= limit waiting? */
static int queue_due(watch *w, queue *q, int64_t limit)
{
    if (!q->n)
        return 0;
    if (q->old.head != NONE)
        return 1;
    int64_t top = floor_div(limit, q->span);
    for (int64_t b = q->cursor; b <= top && b <= q->lo + q->mask; b++) {
        uint32_t i = q->ring[b & q->mask].head;
        if (i == NONE) {
            q->cursor = b + 1; /* nothing below b + 1 */
            continue;
        }
        if (b < top)
            return 1;
        for (; i != NONE; i = w[i].next)
            if (w[i].key <= limit)
                return 1;
        return 0;
    }
    return 0;
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
    sw_engine_mark_names(e, &P->always_open, pv->flags, ALWAYS);
    pv->due = malloc(n * sizeof *pv->due);
    pv->w = malloc(n * sizeof *pv->w);
    if (!pv->due || !pv->w || queue_init(&pv->session, P->after_ns) != 0 || queue_init(&pv->around, P->after_ns) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        pv->w[i] = (watch){ .last = NEVER, .key = NEVER, .next = NONE };
    return 0;
}

static void st_fini(sw_detector *d)
{
    stale_priv *pv = d->priv;
    if (pv) {
        free(pv->session.ring);
        free(pv->around.ring);
        free(pv->due);
        free(pv->w);
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
    watch *w = &pv->w[s->index];
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
    w->last = t->ts_ns;
    /* A bar feed's gaps are its resolution, not a silence. */
    if (t->flags & SW_TICK_SYNTH_BAR)
        *f |= BARS;
    else
        *f &= (uint8_t)~BARS;
    /* Already waiting in its queue: the key there is an older trade, which
     * the clock corrects when it comes up. */
    if (!(*f & (BARS | QUEUED))) {
        queue_push(pv->w, *f & ALWAYS ? &pv->around : &pv->session, t->ts_ns, s->index);
        *f |= QUEUED;
    }
}

/* One symbol whose key reached now - after: still silent, it goes to
 * pv->due (*n_due); traded since its key, it goes back in with its last
 * trade; fired or fed by bars, it leaves the queue (its next trade brings it
 * back). */
static void come_up(stale_priv *pv, queue *q, uint32_t i, int64_t limit, size_t *n_due)
{
    watch *w = &pv->w[i];
    uint8_t *f = &pv->flags[i];
    q->n--;
    if (*f & (FIRED | BARS) || w->last == NEVER) {
        *f &= (uint8_t)~QUEUED;
    } else if (w->last > limit) {
        queue_push(pv->w, q, w->last, i);
    } else {
        *f &= (uint8_t)~QUEUED;
        pv->due[(*n_due)++] = i;
    }
}

/* Take every symbol whose key is <= now - after out of q (come_up). */
static void collect_due(const sw_stale_params *P, stale_priv *pv, queue *q, int64_t now, size_t *n_due)
{
    int64_t limit = now - P->after_ns;
    if (!queue_due(pv->w, q, limit))
        return;
    /* Re-queued keys are newer than limit, at most now: with the ring ending
     * at now's bucket first, none goes to `old` or past the ring. */
    queue_slide(pv->w, q, floor_div(now, q->span));
    list take = q->old;
    q->old.head = q->old.tail = NONE;
    for (uint32_t i = take.head, nx; i != NONE; i = nx) {
        nx = pv->w[i].next;
        come_up(pv, q, i, limit, n_due);
    }
    int64_t top = floor_div(limit, q->span), end = top < q->lo + q->mask ? top : q->lo + q->mask;
    for (int64_t b = q->cursor; b <= end; b++) {
        list *l = &q->ring[b & q->mask];
        take = *l;
        l->head = l->tail = NONE;
        for (uint32_t i = take.head, nx; i != NONE; i = nx) {
            nx = pv->w[i].next;
            if (pv->w[i].key > limit)
                list_add(pv->w, l, i); /* the last bucket's later keys stay */
            else
                come_up(pv, q, i, limit, n_due);
        }
    }
    if (q->cursor < end)
        q->cursor = end;
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
    if (now >= pv->session_after && queue_due(pv->w, &pv->session, now - P->after_ns)) {
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
        int64_t since = always || pv->w[i].last > open ? pv->w[i].last : open;
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
        memcpy(o + i * 9, &pv->w[i].last, 8);
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
    /* Before the first event: the queues are still empty. */
    pv->session_after = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        memcpy(&pv->w[i].last, b + i * 9, 8);
        pv->flags[i] = (uint8_t)((pv->flags[i] & (ALWAYS | QUEUED)) | (b[i * 9 + 8] & (FIRED | BARS)));
        if (pv->w[i].last != NEVER && !(pv->flags[i] & (FIRED | BARS | QUEUED))) {
            queue_push(pv->w, pv->flags[i] & ALWAYS ? &pv->around : &pv->session, pv->w[i].last, (uint32_t)i);
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
