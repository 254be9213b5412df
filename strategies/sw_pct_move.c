/* sw_pct_move.c -- see sw_pct_move.h. */
#include "sw_detect.h"
#include "sw_engine.h"
#include "sw_pct_move.h"
#include "sw_time.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* One per symbol: 40 bytes, 544 with the window reference. */
typedef struct pm_state {
    sw_move_state mv;         /* levels, confirmation, what was raised (sw_detect.h) */
    /* Window reference only (the state is sized without the rest for the
     * other references): last price of each bucket of window/SLOTS.  The
     * bucket of slot[cur] is bucket_end / width - 1, worked out only when a
     * trade crosses bucket_end (a division there already), so it is not
     * kept: 8 bytes a symbol. */
    int64_t bucket_end;       /* first ns of the next bucket; INT64_MIN: no bucket yet */
    int cur;                  /* ring index of the current bucket */
    int filled;               /* buckets recorded this session, capped at SLOTS + 1 */
    double slot[SW_PCT_WINDOW_SLOTS + 1];
} pm_state;

static void pm_defaults(void *p)
{
    sw_pct_move_params *P = p;
    P->reference = SW_REF_PREV_CLOSE;
    P->window_ns = 5 * SW_NS_PER_MIN;
    P->warning_pct = 5.0;
    P->critical_pct = 10.0;
    P->step_pct = 5.0;
    P->hysteresis = 0.2;
    P->confirm_ticks = 3;
    P->confirm_ns = 2 * SW_NS_PER_SEC;
}

static int pm_validate(const void *p, char *err, size_t errlen)
{
    const sw_pct_move_params *P = p;
    if (sw_levels_check("pct", P->warning_pct, P->critical_pct, err, errlen) != 0)
        return -1;
    if (P->reference == SW_REF_WINDOW && P->window_ns < SW_PCT_WINDOW_SLOTS * SW_NS_PER_SEC / 10) {
        snprintf(err, errlen, "window must be at least 6s for reference \"window\"");
        return -1;
    }
    return 0;
}

static size_t pm_state_size(const void *p)
{
    const sw_pct_move_params *P = p;
    /* The window's part is last and only the window reference uses it: the
     * other references need a tenth of the memory. */
    return P->reference == SW_REF_WINDOW ? sizeof(pm_state) : offsetof(pm_state, bucket_end);
}

static size_t pm_hot_size(const void *p)
{
    /* The ring's slot in use moves every window/SLOTS: loading the whole
     * ring ahead of each tick costs more than it saves. */
    size_t all = pm_state_size(p);
    return offsetof(pm_state, slot) < all ? offsetof(pm_state, slot) : all;
}

static void reset(const sw_pct_move_params *P, pm_state *st)
{
    /* Not the ring: `filled` = 0 marks its contents as unused; and nothing
     * of the window's part where it is not allocated (see pm_state_size). */
    if (P->reference == SW_REF_WINDOW) {
        memset(st, 0, offsetof(pm_state, slot));
        st->bucket_end = INT64_MIN;
    } else {
        memset(st, 0, offsetof(pm_state, bucket_end));
    }
    sw_move_reset(&st->mv);
}

static void pm_sym_init(const sw_detector *d, void *st)
{
    reset(d->params, st);
}

static void pm_on_session(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst)
{
    pm_state *st = vst;
    /* A new day starts from a clean slate: yesterday's alert state and window
     * samples say nothing about today's move vs today's references. */
    sw_move_session_clear(d, e, s, &st->mv, "");
    reset(d->params, st);
}

static void pm_on_split(sw_detector *d, sw_symbol *s, void *vst, double ratio)
{
    const sw_pct_move_params *P = d->params;
    (void)s;
    pm_state *st = vst;
    if (P->reference != SW_REF_WINDOW)
        return; /* no ring allocated (pm_state_size) */
    for (int i = 0; i <= SW_PCT_WINDOW_SLOTS; i++)
        st->slot[i] /= ratio;
}

/* Record the price in the window ring and return the price one window ago, or
 * NaN while the window is not yet full this session. */
static double window_ref(const sw_pct_move_params *P, pm_state *st, const sw_tick *t)
{
    const int n = SW_PCT_WINDOW_SLOTS + 1;
    if (t->ts_ns >= st->bucket_end) { /* always with no bucket yet (INT64_MIN) */
        /* Divisions only when a bucket boundary is crossed; every other trade
         * just overwrites the current slot. */
        int64_t width = P->window_ns / SW_PCT_WINDOW_SLOTS;
        int64_t b = t->ts_ns / width;
        if (st->bucket_end == INT64_MIN) {
            st->cur = 0;
            st->filled = 1;
        } else {
            /* Carry the last price through buckets without trades; one lap at
             * most, since older buckets fall out of the window anyway. */
            double carry = st->slot[st->cur];
            int64_t steps = b - (st->bucket_end / width - 1);
            int64_t fill = steps > n ? n : steps;
            for (int64_t k = 1; k < fill; k++) {
                st->cur = st->cur + 1 == n ? 0 : st->cur + 1;
                st->slot[st->cur] = carry;
            }
            st->cur = st->cur + 1 == n ? 0 : st->cur + 1;
            st->filled = (int)(st->filled + steps > n ? n : st->filled + steps);
        }
        st->bucket_end = (b + 1) * width;
    }
    st->slot[st->cur] = t->price;
    if (st->filled < n)
        return NAN;
    /* The slot after the current one is the oldest: bucket b - SLOTS, the last
     * price a window ago. */
    return st->slot[st->cur + 1 == n ? 0 : st->cur + 1];
}

static const char *ref_phrase(int reference)
{
    switch (reference) {
    case SW_REF_OPEN: return "today's open";
    case SW_REF_WINDOW: return "the price";
    default: return "previous close";
    }
}

static void pm_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst, const sw_tick *t)
{
    const sw_pct_move_params *P = d->params;
    pm_state *st = vst;
    double ref;
    switch (P->reference) {
    case SW_REF_OPEN: ref = s->open; break;
    case SW_REF_WINDOW: ref = window_ref(P, st, t); break;
    default: ref = s->prev_close; break;
    }
    if (!(ref > 0))
        return;
    double chg = (t->price / ref - 1.0) * 100.0;
    const sw_move_levels L = { P->warning_pct, P->critical_pct, P->step_pct, P->hysteresis, P->confirm_ticks,
                               P->confirm_ns };
    int what = sw_move_step(&st->mv, &L, chg, t->ts_ns, &e->stats.filtered_prints);
    if (what == SW_MOVE_NONE)
        return; /* the common case: nothing to report, nothing to format */

    sw_candidate c;
    sw_cand_init(&c, d, s, t->ts_ns, t->price);
    char wbuf[16];
    const char *window = P->reference == SW_REF_OPEN ? "open"
                       : P->reference == SW_REF_WINDOW ? sw_format_duration(P->window_ns, wbuf, sizeof wbuf)
                       : "prev_close";
    if (what == SW_MOVE_CLEAR) {
        c.kind = SW_CAND_CLEAR;
        c.severity = SW_SEV_INFO;
        snprintf(d->text, sizeof d->text, "%s back to %+.2f%% vs %s %.2f", s->name, chg,
                 ref_phrase(P->reference), ref);
    } else {
        c.severity = (sw_severity)st->mv.fired_sev;
        if (P->reference == SW_REF_WINDOW)
            snprintf(d->text, sizeof d->text, "%s %+.2f%% in %s (price %s ago %.2f)", s->name, chg,
                     window, window, ref);
        else
            snprintf(d->text, sizeof d->text, "%s %+.2f%% vs %s %.2f", s->name, chg,
                     ref_phrase(P->reference), ref);
    }
    c.direction = st->mv.fired_dir;
    c.reference = ref;
    c.change_pct = chg;
    c.magnitude = fabs(chg);
    c.step = P->step_pct;
    c.window = window;
    sw_engine_emit(e, &c);
}

const sw_detector_type sw_pct_move_type = {
    .name = "pct_move",
    .symbol_dirs = SW_DIRS_DOWN | SW_DIRS_UP,
    .group_dirs = 0,
    .params_size = sizeof(sw_pct_move_params),
    .defaults = pm_defaults,
    .validate = pm_validate,
    .state_size = pm_state_size,
    .hot_size = pm_hot_size,
    .sym_init = pm_sym_init,
    .on_tick = pm_on_tick,
    .on_session = pm_on_session,
    .on_split = pm_on_split,
};
