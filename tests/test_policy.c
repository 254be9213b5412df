/* Tests of alerts/sw_policy: cooldown, escalation, hysteresis by level step,
 * resolved alerts, all in event time. */
#include "sw_policy.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static sw_alert got[64];
static int n_got;

static void collect(void *ctx, const sw_alert *a)
{
    (void)ctx;
    if (n_got < 64)
        got[n_got++] = *a;
}

static sw_policy pol;

static void setup(void)
{
    n_got = 0;
    sw_policy_params p;
    sw_policy_defaults(&p);
    p.resolved = 1;
    cr_assert_eq(sw_policy_init(&pol, &p, collect, NULL), 0);
}

static void teardown(void)
{
    sw_policy_free(&pol);
}

TestSuite(policy, .init = setup, .fini = teardown);

static int offer(const char *sym, int kind, sw_severity sev, int dir, double mag, int64_t t_s)
{
    sw_candidate c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.symbol = sym;
    c.detector = "pct_move";
    c.severity = sev;
    c.direction = dir;
    c.ts_ns = t_s * SW_NS_PER_SEC;
    c.price = 100;
    c.reference = 100;
    c.change_pct = dir * mag;
    c.zscore = NAN;
    c.magnitude = mag;
    c.step = 5;
    c.window = "prev_close";
    c.text = "x";
    return sw_policy_offer(&pol, &c);
}

Test(policy, first_alert_passes_repeat_in_cooldown_does_not)
{
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_WARNING, -1, 5.5, 0), 1);
    cr_expect_eq(offer("NVDA", SW_CAND_CLEAR, SW_SEV_INFO, -1, 3.0, 60), 1); /* resolved */
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_WARNING, -1, 5.6, 120), 0);
    cr_expect_eq(n_got, 2);
    cr_expect(got[1].resolved && got[1].severity == SW_SEV_INFO);
}

Test(policy, escalation_always_passes)
{
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_WARNING, -1, 6, 0), 1);
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_CRITICAL, -1, 11, 10), 1);
    cr_expect_eq(n_got, 2);
    cr_expect_eq(got[1].severity, SW_SEV_CRITICAL);
}

Test(policy, same_severity_needs_a_full_step)
{
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_CRITICAL, -1, 12.5, 0), 1);
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_CRITICAL, -1, 17.4, 30), 0); /* 4.9 < step 5 */
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_CRITICAL, -1, 17.5, 40), 1);
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_WARNING, -1, 8, 50), 0);     /* lower: no */
    cr_expect_eq(n_got, 2);
}

Test(policy, cooldown_expiry_rearms_after_clear)
{
    cr_expect_eq(offer("AMD", SW_CAND_FIRE, SW_SEV_WARNING, 1, 5.1, 0), 1);
    cr_expect_eq(offer("AMD", SW_CAND_CLEAR, SW_SEV_INFO, 1, 3, 100), 1);
    /* 15 minutes later, a fresh trigger is news again. */
    cr_expect_eq(offer("AMD", SW_CAND_FIRE, SW_SEV_WARNING, 1, 5.1, 15 * 60), 1);
}

Test(policy, active_condition_does_not_repeat_after_cooldown)
{
    cr_expect_eq(offer("AMD", SW_CAND_FIRE, SW_SEV_WARNING, 1, 5.1, 0), 1);
    /* No clear in between: the same condition still holds an hour later. */
    cr_expect_eq(offer("AMD", SW_CAND_FIRE, SW_SEV_WARNING, 1, 5.2, 3600), 0);
}

Test(policy, keys_are_independent)
{
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_WARNING, -1, 6, 0), 1);
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_WARNING, 1, 6, 1), 1);  /* other direction */
    cr_expect_eq(offer("AVGO", SW_CAND_FIRE, SW_SEV_WARNING, -1, 6, 2), 1); /* other symbol */
    cr_expect_eq(n_got, 3);
}

Test(policy, clear_without_alert_is_silent)
{
    cr_expect_eq(offer("MU", SW_CAND_CLEAR, SW_SEV_INFO, -1, 1, 0), 0);
    cr_expect_eq(n_got, 0);
}

Test(policy, many_keys_grow_the_table)
{
    char sym[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(sym, sizeof sym, "S%04d", i);
        cr_assert_eq(offer(sym, SW_CAND_FIRE, SW_SEV_WARNING, -1, 6, i), 1);
    }
    /* Every key remembered after growth: repeats are suppressed. */
    for (int i = 0; i < 1000; i++) {
        snprintf(sym, sizeof sym, "S%04d", i);
        cr_assert_eq(offer(sym, SW_CAND_FIRE, SW_SEV_WARNING, -1, 6.5, 1000 + i), 0);
    }
    cr_expect_eq(pol.stats.suppressed, 1000);
}

Test(policy, min_severity_drops_lower)
{
    sw_policy_free(&pol);
    sw_policy_params p;
    sw_policy_defaults(&p);
    p.min_severity = SW_SEV_CRITICAL;
    cr_assert_eq(sw_policy_init(&pol, &p, collect, NULL), 0);
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_WARNING, -1, 6, 0), 0);
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_CRITICAL, -1, 12, 1), 1);
    cr_expect_eq(n_got, 1);
}

Test(policy, reserve_sizes_the_table_once_and_keys_beyond_still_fit)
{
    cr_assert_eq(sw_policy_reserve(&pol, 1000), 0);
    size_t slots = pol.mask + 1;
    cr_expect_eq(slots, 2048, "1000 keys at load 1/2 need 2048 slots, got %zu", slots);
    char sym[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(sym, sizeof sym, "S%d", i);
        cr_assert_eq(offer(sym, SW_CAND_FIRE, SW_SEV_WARNING, i % 2 ? 1 : -1, 6, i), 1);
    }
    cr_expect_eq(pol.mask + 1, slots, "no doubling while the reserved keys come in");
    cr_expect_eq(pol.count, 1000);
    /* More keys than reserved: the table grows as before, nothing is lost. */
    for (int i = 1000; i < 1100; i++) {
        snprintf(sym, sizeof sym, "S%d", i);
        cr_assert_eq(offer(sym, SW_CAND_FIRE, SW_SEV_WARNING, -1, 6, i), 1);
    }
    cr_expect_gt(pol.mask + 1, slots);
    cr_expect_eq(pol.count, 1100);
    /* Every key still answers: a repeat inside the cooldown is suppressed. */
    for (int i = 0; i < 1100; i += 99) {
        snprintf(sym, sizeof sym, "S%d", i);
        cr_expect_eq(offer(sym, SW_CAND_FIRE, SW_SEV_WARNING, i < 1000 && i % 2 ? 1 : -1, 6, 1200), 0, "%s", sym);
    }
    /* Reserving less than the table holds changes nothing. */
    size_t now = pol.mask + 1;
    cr_assert_eq(sw_policy_reserve(&pol, 10), 0);
    cr_expect_eq(pol.mask + 1, now);
}
