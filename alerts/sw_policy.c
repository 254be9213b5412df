/* sw_policy.c -- see sw_policy.h. */
#include "sw_policy.h"
#include "sw_symtab.h"
#include "sw_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sw_policy_key {
    int used;
    char symbol[32];
    int instance;
    int direction;
    int active;                 /* fired and not cleared since */
    int alerted;                /* at least one alert went out for this key */
    int severity;
    double magnitude;
    int64_t last_ts;
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

void sw_policy_free(sw_policy *p)
{
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
        if (!k->used || (k->instance == instance && k->direction == direction &&
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
        if (!old[i].used)
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
        *(volatile int *)&p->keys[i].used = p->keys[i].used;
    return 0;
}

static sw_policy_key *lookup(sw_policy *p, const sw_candidate *c)
{
    if ((p->count + 1) * 2 > p->mask + 1 && grow(p) != 0)
        return NULL;
    const char *sym = c->symbol ? c->symbol : "";
    sw_policy_key *k = probe(p->keys, p->mask, slot_of(p, sym, c->instance, c->direction), sym,
                             c->instance, c->direction);
    if (!k->used) {
        memset(k, 0, sizeof *k);
        k->used = 1;
        snprintf(k->symbol, sizeof k->symbol, "%s", sym);
        k->instance = c->instance;
        k->direction = c->direction;
        k->severity = -1;
        p->count++;
    }
    return k;
}

static void emit_alert(sw_policy *p, const sw_candidate *c, sw_severity sev, int resolved)
{
    sw_alert_from_candidate(&p->scratch, c, sev, resolved);
    p->stats.passed[sev]++;
    p->deliver(p->ctx, &p->scratch);
}

int sw_policy_offer(sw_policy *p, const sw_candidate *c)
{
    sw_policy_key *k = lookup(p, c);
    if (!k) {
        if (c->kind == SW_CAND_FIRE)
            emit_alert(p, c, c->severity, 0);
        return -1;
    }
    if (c->kind == SW_CAND_CLEAR) {
        int was = k->active && k->alerted;
        k->active = 0;
        if (was && p->params.resolved) {
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
    else if ((int)c->severity > k->severity && (k->active || in_cooldown))
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
    k->severity = (int)c->severity;
    k->magnitude = c->magnitude;
    k->last_ts = c->ts_ns;
    emit_alert(p, c, c->severity, 0);
    return 1;
}

size_t sw_policy_each_key(const sw_policy *p, void (*fn)(void *ctx, const sw_policy_key_state *k), void *ctx)
{
    size_t n = 0;
    for (size_t i = 0; p->keys && i <= p->mask; i++) {
        const sw_policy_key *k = &p->keys[i];
        if (!k->used)
            continue;
        sw_policy_key_state st;
        memset(&st, 0, sizeof st);
        snprintf(st.symbol, sizeof st.symbol, "%s", k->symbol);
        st.instance = k->instance;
        st.direction = k->direction;
        st.active = k->active;
        st.alerted = k->alerted;
        st.severity = k->severity;
        st.magnitude = k->magnitude;
        st.last_ts = k->last_ts;
        fn(ctx, &st);
        n++;
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
    sw_policy_key *k = lookup(p, &c);
    if (!k)
        return -1;
    k->active = ks->active;
    k->alerted = ks->alerted;
    k->severity = ks->severity;
    k->magnitude = ks->magnitude;
    k->last_ts = ks->last_ts;
    return 0;
}
