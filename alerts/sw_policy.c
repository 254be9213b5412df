/* sw_policy.c -- see sw_policy.h. */
#include "sw_policy.h"
#include "sw_symtab.h"
#include "sw_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the policy remembers of one (symbol, detector, direction) key.
 * Packed: 17 bytes, not 24 -- the plan holds one for every (symbol,
 * detector, direction) that can fire, 11 a symbol with the production
 * detectors, 77 bytes a symbol saved at 10 000 symbols.  The flags and the
 * severity share the first byte (key_sev/set_sev).  Its fields are only
 * ever read and written by name (no pointer to a member). */
#if defined(__GNUC__)
#define SW_PACKED __attribute__((packed))
#else
#define SW_PACKED
#endif
typedef struct SW_PACKED key_state {
    uint8_t used : 1;
    uint8_t active : 1;         /* fired and not cleared since */
    uint8_t alerted : 1;        /* at least one alert went out for this key */
    uint8_t sev : 4;            /* severity + 1 of the last alert: 0 none (sw_severity is 0..2) */
    double magnitude;
    int64_t last_ts;
} key_state;

#if defined(__GNUC__)
_Static_assert(sizeof(key_state) == 17, "key_state is packed to 17 bytes");
#endif

static inline int key_sev(const key_state *k)
{
    return (int)k->sev - 1;
}

static inline void set_sev(key_state *k, int sev)
{
    k->sev = (uint8_t)((sev < -1 ? -1 : sev > 14 ? 14 : sev) + 1);
}

/* A key of the general table. */
struct sw_policy_key {
    char symbol[32];
    int instance;
    int direction;
    key_state st;
};

/* Planned keys of one kind of name (symbols, or groups): each name has a
 * block of `per_name` states, one per (detector instance, direction) that
 * can fire for that kind; pos[instance * 3 + direction + 1] is the state's
 * place in the block, or -1. */
typedef struct plan_table {
    size_t n, name_len, per_name;
    char *names;                /* n * name_len */
    uint32_t *slots;            /* name index + 1, 0 = empty; open addressing */
    size_t mask;
    key_state *states;          /* n * per_name */
    int8_t *pos;
    int n_instances;
} plan_table;

struct sw_policy_plan {
    plan_table symbols, groups;
};

void sw_policy_defaults(sw_policy_params *p)
{
    p->cooldown_ns = 15 * SW_NS_PER_MIN;
    p->resolved = 0;
    p->min_severity = SW_SEV_INFO;
}

int sw_policy_init(sw_policy *p, const sw_policy_params *params, sw_alert_fn deliver, void *ctx)
{
    memset(p, 0, sizeof *p);
    p->params = *params;
    p->deliver = deliver;
    p->ctx = ctx;
    p->keys = calloc(64, sizeof *p->keys);
    if (!p->keys)
        return -1;
    p->mask = 63;
    return 0;
}

static void table_free(plan_table *t)
{
    free(t->names);
    free(t->slots);
    free(t->states);
    free(t->pos);
    memset(t, 0, sizeof *t);
}

void sw_policy_free(sw_policy *p)
{
    if (p->plan) {
        table_free(&p->plan->symbols);
        table_free(&p->plan->groups);
        free(p->plan);
        p->plan = NULL;
    }
    free(p->keys);
    p->keys = NULL;
}

static size_t slot_of(const sw_policy *p, const char *symbol, int instance, int direction)
{
    char key[64];
    snprintf(key, sizeof key, "%s|%d|%d", symbol, instance, direction);
    return (size_t)sw_hash_str(key) & p->mask;
}

static sw_policy_key *probe(sw_policy_key *keys, size_t mask, size_t i, const char *symbol,
                            int instance, int direction)
{
    for (;;) {
        sw_policy_key *k = &keys[i];
        if (!k->st.used || (k->instance == instance && k->direction == direction &&
                         strcmp(k->symbol, symbol) == 0))
            return k;
        i = (i + 1) & mask;
    }
}

static int grow(sw_policy *p)
{
    size_t nmask = p->mask * 2 + 1;
    sw_policy_key *nk = calloc(nmask + 1, sizeof *nk);
    if (!nk)
        return -1;
    sw_policy_key *old = p->keys;
    size_t omask = p->mask;
    p->keys = nk;
    p->mask = nmask;
    for (size_t i = 0; i <= omask; i++) {
        if (!old[i].st.used)
            continue;
        size_t s = slot_of(p, old[i].symbol, old[i].instance, old[i].direction);
        *probe(nk, nmask, s, old[i].symbol, old[i].instance, old[i].direction) = old[i];
    }
    free(old);
    return 0;
}

int sw_policy_reserve(sw_policy *p, size_t keys)
{
    size_t slots = 64;
    while (slots < keys * 2 && slots < ((size_t)1 << 24))
        slots *= 2;
    while (p->mask + 1 < slots)
        if (grow(p) != 0)
            return -1;
    /* Touch every slot now, so the table's pages are resident from the start
     * and RSS does not creep up as new (symbol, detector, direction) keys
     * first fire over the following days: a volatile store per slot cannot
     * be folded into calloc's lazily mapped zero pages. */
    for (size_t i = 0; i <= p->mask; i++)
        *(volatile unsigned char *)&p->keys[i] = *(unsigned char *)&p->keys[i];
    return 0;
}

/* ---- the plan --------------------------------------------------------------------- */

static int table_build(plan_table *t, const sw_engine *e, int groups)
{
    memset(t, 0, sizeof *t);
    t->n_instances = (int)e->n_dets;
    t->pos = malloc((e->n_dets ? e->n_dets : 1) * 3);
    if (!t->pos)
        return -1;
    for (size_t i = 0; i < e->n_dets; i++) {
        unsigned dirs = groups ? e->dets[i].type->group_dirs : e->dets[i].type->symbol_dirs;
        for (int d = 0; d < 3; d++)
            t->pos[i * 3 + (size_t)d] = dirs & (1u << d) ? (int8_t)t->per_name++ : (int8_t)-1;
    }
    t->n = groups ? e->n_groups : e->n_syms;
    if (t->per_name == 0 || t->n == 0 || t->per_name > 127) {
        t->n = 0; /* nothing planned: every key of this kind is general */
        return 0;
    }
    /* Names as long as the longest one needs, not the most a name may be
     * (SW_SYMBOL_MAX): tickers are mostly 1-5 letters, and at 10 000
     * symbols each byte of stride is 10 KB. */
    t->name_len = 1;
    for (size_t j = 0; j < t->n; j++) {
        size_t len = strlen(groups ? e->groups[j].name : sw_engine_sym(e, j)->name) + 1;
        t->name_len = len > t->name_len ? len : t->name_len;
    }
    /* At most 3/4 full (linear probing stays short: a lookup runs per
     * candidate, not per tick), not at most half: 13 bytes a name at
     * 10 000 names became 6.5. */
    size_t slots = 8;
    while (slots * 3 < t->n * 4)
        slots <<= 1;
    t->mask = slots - 1;
    t->names = calloc(t->n, t->name_len);
    t->slots = calloc(slots, sizeof *t->slots);
    t->states = calloc(t->n * t->per_name, sizeof *t->states);
    if (!t->names || !t->slots || !t->states)
        return -1;
    for (size_t j = 0; j < t->n; j++) {
        char *name = t->names + j * t->name_len;
        snprintf(name, t->name_len, "%s", groups ? e->groups[j].name : sw_engine_sym(e, j)->name);
        size_t i = (size_t)sw_hash_str(name) & t->mask;
        while (t->slots[i])
            i = (i + 1) & t->mask;
        t->slots[i] = (uint32_t)j + 1;
    }
    /* Every state as a key seen for the first time; writing them all makes
     * the whole plan resident now. */
    for (size_t k = 0; k < t->n * t->per_name; k++) {
        t->states[k].used = 1;
        set_sev(&t->states[k], -1);
    }
    return 0;
}

int sw_policy_plan_for(sw_policy *p, const sw_engine *e)
{
    sw_policy_plan *plan = calloc(1, sizeof *plan);
    if (!plan || table_build(&plan->symbols, e, 0) != 0 || table_build(&plan->groups, e, 1) != 0) {
        if (plan) {
            table_free(&plan->symbols);
            table_free(&plan->groups);
        }
        free(plan);
        return -1;
    }
    if (p->plan) {
        table_free(&p->plan->symbols);
        table_free(&p->plan->groups);
        free(p->plan);
    }
    p->plan = plan;
    return 0;
}

/* The planned state of c's key, or NULL if the plan has none. */
static key_state *planned(const sw_policy *p, const sw_candidate *c)
{
    if (!p->plan || !c->symbol)
        return NULL;
    const plan_table *t = c->group ? &p->plan->groups : &p->plan->symbols;
    if (!t->n || c->instance < 0 || c->instance >= t->n_instances || c->direction < -1 || c->direction > 1)
        return NULL;
    int pos = t->pos[(size_t)c->instance * 3 + (size_t)(c->direction + 1)];
    if (pos < 0)
        return NULL;
    for (size_t i = (size_t)sw_hash_str(c->symbol) & t->mask;; i = (i + 1) & t->mask) {
        uint32_t j = t->slots[i];
        if (!j)
            return NULL;
        if (strcmp(t->names + (j - 1) * t->name_len, c->symbol) == 0)
            return &t->states[(j - 1) * t->per_name + (size_t)pos];
    }
}

static key_state *lookup(sw_policy *p, const sw_candidate *c)
{
    key_state *st = planned(p, c);
    if (st)
        return st;
    if ((p->count + 1) * 2 > p->mask + 1 && grow(p) != 0)
        return NULL;
    const char *sym = c->symbol ? c->symbol : "";
    sw_policy_key *k = probe(p->keys, p->mask, slot_of(p, sym, c->instance, c->direction), sym,
                             c->instance, c->direction);
    if (!k->st.used) {
        memset(k, 0, sizeof *k);
        k->st.used = 1;
        snprintf(k->symbol, sizeof k->symbol, "%s", sym);
        k->instance = c->instance;
        k->direction = c->direction;
        set_sev(&k->st, -1);
        p->count++;
    }
    return &k->st;
}

static void emit_alert(sw_policy *p, const sw_candidate *c, sw_severity sev, int resolved)
{
    sw_alert_from_candidate(&p->scratch, c, sev, resolved);
    p->stats.passed[sev]++;
    p->deliver(p->ctx, &p->scratch);
}

int sw_policy_offer(sw_policy *p, const sw_candidate *c)
{
    key_state *k = lookup(p, c);
    if (!k) {
        if (c->kind == SW_CAND_FIRE)
            emit_alert(p, c, c->severity, 0);
        return -1;
    }
    if (c->kind != SW_CAND_FIRE) {
        int was = k->active && k->alerted;
        k->active = 0;
        if (was && (p->params.resolved || c->kind == SW_CAND_RESOLVE)) {
            emit_alert(p, c, SW_SEV_INFO, 1);
            return 1;
        }
        return 0;
    }
    if ((int)c->severity < p->params.min_severity) {
        p->stats.suppressed++;
        return 0;
    }
    int pass;
    int in_cooldown = k->alerted && c->ts_ns - k->last_ts < p->params.cooldown_ns;
    if (!k->alerted)
        pass = 1;
    else if ((int)c->severity > key_sev(k) && (k->active || in_cooldown))
        pass = 1; /* escalation */
    else if (c->step > 0 && c->magnitude >= k->magnitude + c->step && (k->active || in_cooldown))
        pass = 1; /* extension by a full step */
    else
        pass = !in_cooldown && !k->active;
    /* A key that stays active past its cooldown without clearing does not
     * re-alert at the same level: nothing new happened. */
    k->active = 1;
    if (!pass) {
        p->stats.suppressed++;
        return 0;
    }
    k->alerted = 1;
    set_sev(k, (int)c->severity);
    k->magnitude = c->magnitude;
    k->last_ts = c->ts_ns;
    emit_alert(p, c, c->severity, 0);
    return 1;
}

/* A key state worth a checkpoint: one that saw a candidate (a planned
 * state starts used, severity -1, nothing else). */
static int touched(const key_state *k)
{
    return k->used && (k->active || k->alerted || key_sev(k) >= 0 || k->last_ts != 0);
}

static size_t each_out(const char *symbol, int instance, int direction, const key_state *k,
                       void (*fn)(void *ctx, const sw_policy_key_state *k), void *ctx)
{
    if (!touched(k))
        return 0;
    sw_policy_key_state st;
    memset(&st, 0, sizeof st);
    snprintf(st.symbol, sizeof st.symbol, "%s", symbol);
    st.instance = instance;
    st.direction = direction;
    st.active = k->active;
    st.alerted = k->alerted;
    st.severity = key_sev(k);
    st.magnitude = k->magnitude;
    st.last_ts = k->last_ts;
    fn(ctx, &st);
    return 1;
}

size_t sw_policy_each_key(const sw_policy *p, void (*fn)(void *ctx, const sw_policy_key_state *k), void *ctx)
{
    size_t n = 0;
    for (int g = 0; p->plan && g < 2; g++) {
        const plan_table *t = g ? &p->plan->groups : &p->plan->symbols;
        for (size_t j = 0; j < t->n; j++)
            for (int inst = 0; inst < t->n_instances; inst++)
                for (int d = 0; d < 3; d++) {
                    int pos = t->pos[(size_t)inst * 3 + (size_t)d];
                    if (pos >= 0)
                        n += each_out(t->names + j * t->name_len, inst, d - 1,
                                      &t->states[j * t->per_name + (size_t)pos], fn, ctx);
                }
    }
    for (size_t i = 0; p->keys && i <= p->mask; i++) {
        const sw_policy_key *k = &p->keys[i];
        n += each_out(k->symbol, k->instance, k->direction, &k->st, fn, ctx);
    }
    return n;
}

int sw_policy_restore_key(sw_policy *p, const sw_policy_key_state *ks)
{
    sw_candidate c;
    memset(&c, 0, sizeof c);
    c.symbol = ks->symbol;
    c.instance = ks->instance;
    c.direction = ks->direction;
    /* A symbol's planned key, else a group's, else the general table's. */
    key_state *k = planned(p, &c);
    if (!k) {
        c.group = ks->symbol;
        k = planned(p, &c);
        c.group = NULL;
    }
    if (!k)
        k = lookup(p, &c);
    if (!k)
        return -1;
    k->active = ks->active != 0;
    k->alerted = ks->alerted != 0;
    set_sev(k, ks->severity);
    k->magnitude = ks->magnitude;
    k->last_ts = ks->last_ts;
    return 0;
}
