/*
 * sw_policy.h -- decides which detector candidates become alerts.
 *
 * State is kept per (symbol, detector instance, direction) in event time:
 *  - the first alert of a key passes;
 *  - escalation to a higher severity always passes;
 *  - within the cooldown, an alert at the same or a lower severity passes only
 *    when its move extends the last alerted one by a full level step
 *    (hysteresis: a move hovering at a level cannot flap);
 *  - after the cooldown, a fresh trigger passes again;
 *  - a CLEAR candidate becomes a `resolved` info alert when enabled and the key
 *    had alerted; otherwise it only re-arms the key.  A RESOLVE candidate (a
 *    halt's resumption) becomes one whenever the key had alerted.
 * The policy owns no clock: the candidate's event time is "now".
 */
#ifndef SW_POLICY_H
#define SW_POLICY_H

#include "sw_alert.h"
#include "sw_engine.h"
#include "sw_tick.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sw_policy_params {
    int64_t cooldown_ns;        /* default 15 minutes */
    int resolved;               /* emit `resolved` info alerts */
    int min_severity;           /* candidates below are dropped (default info) */
} sw_policy_params;

void sw_policy_defaults(sw_policy_params *p);

typedef void (*sw_alert_fn)(void *ctx, const sw_alert *a);

typedef struct sw_policy_key sw_policy_key;
typedef struct sw_policy_plan sw_policy_plan;

typedef struct sw_policy_stats {
    uint64_t passed[3];         /* by severity */
    uint64_t suppressed;
} sw_policy_stats;

typedef struct sw_policy {
    sw_policy_params params;
    sw_alert_fn deliver;
    void *ctx;
    sw_policy_plan *plan;       /* the keys that can fire, by name (sw_policy_plan_for) */
    sw_policy_key *keys;        /* any other key: open addressing, grows at load 1/2 */
    size_t mask;
    size_t count;
    sw_policy_stats stats;
    sw_alert scratch;
} sw_policy;

int sw_policy_init(sw_policy *p, const sw_policy_params *params, sw_alert_fn deliver, void *ctx);
void sw_policy_free(sw_policy *p);

/* Size the general key table for `keys` (symbol, detector, direction) keys,
 * so it is allocated and resident once at start instead of doubling days
 * later when rare combinations first fire.  More keys still fit: the table
 * grows as before.  Returns 0 or -1 (out of memory; the table is unchanged
 * and still works). */
int sw_policy_reserve(sw_policy *p, size_t keys);

/* One key's state, for checkpoints (shockd's state.json): a restart in the
 * middle of a session keeps the cooldowns and what is raised, so it does not
 * alert again what it alerted before. */
typedef struct sw_policy_key_state {
    char symbol[32];
    int instance, direction;
    int active, alerted, severity;
    double magnitude;
    int64_t last_ts;
} sw_policy_key_state;

/* Call fn for every key that ever saw a candidate.  Returns their number. */
size_t sw_policy_each_key(const sw_policy *p, void (*fn)(void *ctx, const sw_policy_key_state *k), void *ctx);

/* Put a key's state back (creating the key).  Returns 0 or -1 (out of
 * memory). */
int sw_policy_restore_key(sw_policy *p, const sw_policy_key_state *k);

/* Plan for the keys e's detectors can raise (sw_detector_type.symbol_dirs,
 * group_dirs): for every watched symbol, and for every group, one small
 * record per (detector, direction) that can fire there -- 24 bytes each,
 * found through the name alone.  Allocated and touched here, once, so RSS
 * does not step up days into a run as rare keys first fire (the soak's
 * finding); what the plan leaves out (the feed's gap alerts, symbols a
 * reload adds) goes to the general table.  Call once, after init.  Returns
 * 0 or -1 (out of memory; the general table then takes every key). */
int sw_policy_plan_for(sw_policy *p, const sw_engine *e);

/* Offer a candidate; calls deliver() zero or one time.  Returns 1 if an alert
 * was delivered, 0 if suppressed, -1 on allocation failure (the candidate is
 * then delivered anyway: losing an alert is worse than a duplicate). */
int sw_policy_offer(sw_policy *p, const sw_candidate *c);

#endif
