/* sw_breadth.c -- see sw_breadth.h. */
#include "sw_breadth.h"
#include "sw_detect.h"
#include "sw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DOWN = 0, UP = 1 };

/* Per symbol: the contribution it made to its groups' counts.  16 bytes:
 * a New York day number fits 32 bits (days since 1970), and `day` is only
 * ever compared with a symbol's or a group's day. */
#define MEMBER_NO_DAY INT32_MIN
typedef struct br_member {
    double chg;             /* latest move vs previous close, percent */
    int32_t day;            /* New York day the contribution is for; MEMBER_NO_DAY: none */
    int8_t level;           /* -2 critical down, -1 warning down, 0, +1, +2 */
    int8_t has_data;        /* previous close known and traded on `day` */
} br_member;

typedef struct br_group {
    int watched;
    int64_t day;            /* day the counts are for; SW_NO_DAY before any tick */
    int n_data;             /* members with data */
    int warn[2], crit[2];   /* members at or beyond each level, by direction */
    int fired_sev;          /* -1: nothing fired */
    int fired_dir;          /* DOWN or UP */
    double fired_mag;
} br_group;

typedef struct br_priv {
    br_group *groups;       /* indexed like engine->groups */
    sw_member_move *buf;    /* member list of one candidate */
} br_priv;

static void br_defaults(void *p)
{
    sw_breadth_params *P = p;
    memset(P, 0, sizeof *P);
    P->warning_pct = 3.0;
    P->critical_pct = 5.0;
    P->min_fraction = 0.5;
    P->min_members = 3;
    P->step = 0.25;
    P->hysteresis = 0.2;
}

static int br_validate(const void *p, char *err, size_t errlen)
{
    const sw_breadth_params *P = p;
    if (sw_levels_check("pct", P->warning_pct, P->critical_pct, err, errlen) != 0)
        return -1;
    return 0;
}

static int br_init(sw_detector *d, sw_engine *e)
{
    const sw_breadth_params *P = d->params;
    br_priv *pv = calloc(1, sizeof *pv);
    if (!pv)
        return -1;
    d->priv = pv;
    pv->groups = calloc(e->n_groups ? e->n_groups : 1, sizeof *pv->groups);
    if (!pv->groups)
        return -1;
    for (size_t g = 0; g < e->n_groups; g++) {
        pv->groups[g].day = SW_NO_DAY;
        pv->groups[g].fired_sev = -1;
        pv->groups[g].watched = P->groups.n == 0;
    }
    for (int i = 0; i < P->groups.n && i < SW_NAME_LIST_MAX; i++) {
        size_t g = 0;
        while (g < e->n_groups && strcmp(e->groups[g].name, P->groups.name[i]) != 0)
            g++;
        /* The config loader checked the names against the whole watchlist; a
         * shard (shockd --shard) runs only some of the groups, and the others
         * are watched where they run. */
        if (g < e->n_groups)
            pv->groups[g].watched = 1;
    }
    /* A candidate lists the members of a watched group only: a large group
     * breadth does not watch (an "all" list of the whole watchlist) costs
     * no member list here. */
    size_t most = 1;
    for (size_t g = 0; g < e->n_groups; g++)
        if (pv->groups[g].watched && e->groups[g].n_members > most)
            most = e->groups[g].n_members;
    pv->buf = calloc(most, sizeof *pv->buf);
    return pv->buf ? 0 : -1;
}

static void br_fini(sw_detector *d)
{
    br_priv *pv = d->priv;
    if (pv) {
        free(pv->groups);
        free(pv->buf);
        free(pv);
    }
    d->priv = NULL;
}

static size_t br_state_size(const void *p)
{
    (void)p;
    return sizeof(br_member);
}

static void br_sym_init(const sw_detector *d, void *vst)
{
    (void)d;
    br_member *m = vst;
    m->day = MEMBER_NO_DAY;
    m->chg = NAN;
    m->level = 0;
    m->has_data = 0;
}

/* A member's level: reached at warning_pct / critical_pct, left only when the
 * move falls back below the level * (1 - hysteresis), so a name hovering at
 * -3.00% does not flip the group's count (and its alert) on every print. */
static int level_of(const sw_breadth_params *P, double chg, int prev)
{
    double a = fabs(chg);
    int sign = chg < 0 ? -1 : 1;
    int lvl = a >= P->critical_pct ? 2 : a >= P->warning_pct ? 1 : 0;
    if (prev * sign > lvl) {
        /* Same direction as before and below the level held: keep the highest
         * level whose exit threshold the move still reaches. */
        for (int k = prev * sign; k > lvl; k--)
            if (a >= (k == 2 ? P->critical_pct : P->warning_pct) * (1.0 - P->hysteresis))
                return sign * k;
    }
    return sign * lvl;
}

/* Add (sign +1) or remove (-1) one member's contribution. */
static void count(br_group *g, int level, int sign)
{
    g->n_data += sign;
    int dir = level < 0 ? DOWN : UP;
    int a = level < 0 ? -level : level;
    if (a >= 1)
        g->warn[dir] += sign;
    if (a >= 2)
        g->crit[dir] += sign;
}

static double share(int k, int n)
{
    return n > 0 ? (double)k / n : 0.0;
}

/* Members of group gi with data, sorted by move (biggest fall first); returns
 * the median move.  Runs only when a candidate is emitted. */
static double collect(const sw_detector *d, const sw_engine *e, size_t gi, size_t *n_out)
{
    br_priv *pv = d->priv;
    const br_group *g = &pv->groups[gi];
    const sw_group *eg = &e->groups[gi];
    size_t n = 0;
    for (size_t k = 0; k < eg->n_members; k++) {
        const sw_symbol *s = sw_engine_sym(e, eg->members[k]);
        const br_member *m = (const br_member *)(s->state + d->state_off);
        if (m->day != g->day || !m->has_data)
            continue;
        /* Insertion sort: groups are small and this is not the tick path. */
        size_t j = n++;
        while (j > 0 && pv->buf[j - 1].change_pct > m->chg) {
            pv->buf[j] = pv->buf[j - 1];
            j--;
        }
        pv->buf[j].symbol = s->name;
        pv->buf[j].change_pct = m->chg;
    }
    *n_out = n;
    if (n == 0)
        return NAN;
    return n % 2 ? pv->buf[n / 2].change_pct : (pv->buf[n / 2 - 1].change_pct + pv->buf[n / 2].change_pct) / 2;
}

/* Report a FIRE or a CLEAR for group gi; `rolled` marks the CLEAR sent when a
 * new day ends a condition that was still raised. */
static void emit(sw_detector *d, sw_engine *e, size_t gi, sw_cand_kind kind, int sev, int dir, double mag,
                 int64_t ts, int rolled)
{
    const sw_breadth_params *P = d->params;
    br_priv *pv = d->priv;
    const br_group *g = &pv->groups[gi];
    const char *name = e->groups[gi].name;
    size_t n;
    double median = collect(d, e, gi, &n);
    const char *way = dir == DOWN ? "down" : "up";
    if (rolled) {
        snprintf(d->text, sizeof d->text, "%s: yesterday's %s move across the group ends with the session", name,
                 way);
    } else if (kind == SW_CAND_FIRE) {
        int k = sev == SW_SEV_CRITICAL ? g->crit[dir] : g->warn[dir];
        double lvl = sev == SW_SEV_CRITICAL ? P->critical_pct : P->warning_pct;
        snprintf(d->text, sizeof d->text, "%s: %d of %d members %s %g%% or more vs previous close (median %+.2f%%)",
                 name, k, g->n_data, way, lvl, median);
    } else {
        snprintf(d->text, sizeof d->text, "%s: back to %d of %d members %s %g%% or more (median %+.2f%%)", name,
                 g->warn[dir], g->n_data, way, P->warning_pct, median);
    }
    sw_candidate c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.symbol = name;
    c.group = name;
    c.detector = d->type->name;
    c.instance = d->instance;
    c.severity = kind == SW_CAND_FIRE ? (sw_severity)sev : SW_SEV_INFO;
    c.direction = dir == DOWN ? -1 : 1;
    c.ts_ns = ts;
    c.price = NAN;          /* a group has no price */
    c.reference = NAN;
    c.change_pct = median;
    c.zscore = NAN;
    c.magnitude = mag;
    c.step = P->step;
    c.window = rolled ? "session" : "prev_close";
    c.text = d->text;
    c.members = pv->buf;
    c.n_members = n;
    sw_engine_emit(e, &c);
}

/* Decide after group gi's counts changed. */
static void evaluate(sw_detector *d, sw_engine *e, size_t gi, int64_t ts)
{
    const sw_breadth_params *P = d->params;
    br_group *g = &((br_priv *)d->priv)->groups[gi];
    int best_sev = -1, best_dir = DOWN;
    double best_mag = 0;
    if (g->n_data >= P->min_members) {
        for (int dir = DOWN; dir <= UP; dir++) {
            double fc = share(g->crit[dir], g->n_data), fw = share(g->warn[dir], g->n_data);
            int sev = fc >= P->min_fraction ? SW_SEV_CRITICAL : fw >= P->min_fraction ? SW_SEV_WARNING : -1;
            double mag = sev == SW_SEV_CRITICAL ? fc : fw;
            /* Higher severity wins, then the larger share; a tie goes to the
             * sell-off, listed first. */
            if (sev > best_sev || (sev == best_sev && sev >= 0 && mag > best_mag)) {
                best_sev = sev;
                best_dir = dir;
                best_mag = mag;
            }
        }
    }
    if (g->fired_sev >= 0) {
        double fw = share(g->warn[g->fired_dir], g->n_data);
        /* The other direction taking over ends this one first, so the policy's
         * key for the old direction is re-armed. */
        if (fw < P->min_fraction * (1.0 - P->hysteresis) || (best_sev >= 0 && best_dir != g->fired_dir)) {
            emit(d, e, gi, SW_CAND_CLEAR, SW_SEV_INFO, g->fired_dir, fw, ts, 0);
            g->fired_sev = -1;
        }
    }
    if (best_sev < 0)
        return;
    /* An extension is measured at the severity that fired: a warning-level
     * share is no extension of a critical one. */
    if (g->fired_sev < 0 || best_sev > g->fired_sev ||
        (best_sev == g->fired_sev && P->step > 0 && best_mag >= g->fired_mag + P->step)) {
        g->fired_sev = best_sev;
        g->fired_dir = best_dir;
        g->fired_mag = best_mag;
        emit(d, e, gi, SW_CAND_FIRE, best_sev, best_dir, best_mag, ts, 0);
    }
}

static void br_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *vst, const sw_tick *t)
{
    const sw_breadth_params *P = d->params;
    br_priv *pv = d->priv;
    br_member *m = vst;
    int has = s->prev_close > 0 && isfinite(s->prev_close);
    double chg = has ? (t->price / s->prev_close - 1.0) * 100.0 : NAN;
    int level = has ? level_of(P, chg, m->day == s->day && m->has_data ? m->level : 0) : 0;
    /* The common case: same day, same level -- the counts stand. */
    if (m->day == s->day && m->has_data == has && m->level == level) {
        m->chg = chg;
        return;
    }
    for (uint16_t k = 0; k < s->n_groups; k++) {
        size_t gi = s->groups[k];
        br_group *g = &pv->groups[gi];
        if (!g->watched)
            continue;
        if (g->day == SW_NO_DAY || s->day > g->day) {
            /* First trade of a new day in this group: yesterday's moves say
             * nothing about today.  A condition still raised is cleared
             * explicitly (with yesterday's members), as pct_move does, so the
             * policy re-arms the group's key and today's first sell-off
             * alerts like any first one instead of being held as a repeat. */
            if (g->fired_sev >= 0)
                emit(d, e, gi, SW_CAND_CLEAR, SW_SEV_INFO, g->fired_dir, 0.0, t->ts_ns, 1);
            memset(g->warn, 0, sizeof g->warn);
            memset(g->crit, 0, sizeof g->crit);
            g->n_data = 0;
            g->fired_sev = -1;
            g->day = s->day;
        } else if (s->day < g->day) {
            continue; /* a straggler from a day the group has left */
        } else if (m->day == g->day && m->has_data) {
            count(g, m->level, -1);
        }
        if (has)
            count(g, level, +1);
    }
    /* Updated only now, so a CLEAR sent above lists yesterday's moves. */
    m->chg = chg;
    m->day = (int32_t)s->day;
    m->has_data = (int8_t)has;
    m->level = (int8_t)level;
    /* Evaluate after the member's state is final, so a member list built for
     * a candidate includes this tick. */
    for (uint16_t k = 0; k < s->n_groups; k++) {
        size_t gi = s->groups[k];
        if (pv->groups[gi].watched && pv->groups[gi].day == s->day)
            evaluate(d, e, gi, t->ts_ns);
    }
}

/* Checkpoints: the groups' counts and fired state (the members' are in
 * their symbols' state). */
static size_t br_save_priv(const sw_detector *d, const sw_engine *e, void *out, size_t max)
{
    const br_priv *pv = d->priv;
    size_t n = e->n_groups * sizeof *pv->groups;
    if (!n || n > max)
        return 0;
    memcpy(out, pv->groups, n);
    return n;
}

static int br_restore_priv(sw_detector *d, sw_engine *e, const void *in, size_t n)
{
    br_priv *pv = d->priv;
    if (n != e->n_groups * sizeof *pv->groups)
        return -1;
    /* `watched` comes from this run's parameters (the fingerprint made them
     * equal anyway). */
    for (size_t g = 0; g < e->n_groups; g++) {
        int watched = pv->groups[g].watched;
        memcpy(&pv->groups[g], (const char *)in + g * sizeof *pv->groups, sizeof *pv->groups);
        pv->groups[g].watched = watched;
    }
    return 0;
}

const sw_detector_type sw_breadth_type = {
    .name = "breadth",
    .symbol_dirs = 0,
    .group_dirs = SW_DIRS_DOWN | SW_DIRS_UP,
    .params_size = sizeof(sw_breadth_params),
    .defaults = br_defaults,
    .validate = br_validate,
    .init = br_init,
    .fini = br_fini,
    .state_size = br_state_size,
    .sym_init = br_sym_init,
    .on_tick = br_on_tick,
    .save_priv = br_save_priv,
    .restore_priv = br_restore_priv,
};
