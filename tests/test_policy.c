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

/* ---- the plan (sw_policy_plan_for) ---------------------------------------------- */

#include "sw_breadth.h"
#include "sw_pct_move.h"
#include "sw_stale.h"
#include "sw_vol_regime.h"

static char names[10000][8];
static const char *ptrs[10000];

/* An engine over n symbols S000.. (names[]) with a detector of each planning
 * kind: pct_move (+-1 per symbol), vol_regime and stale (0 per symbol),
 * breadth (+-1 per group). */
static void plan_engine(sw_engine *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], 8, "S%04u", (unsigned)(i % 10000));
        ptrs[i] = names[i];
    }
    static sw_pct_move_params pm;
    static sw_vol_regime_params vr;
    static sw_stale_params st;
    static sw_breadth_params br;
    sw_detector_find("pct_move")->defaults(&pm);
    sw_detector_find("vol_regime")->defaults(&vr);
    sw_detector_find("stale")->defaults(&st);
    sw_detector_find("breadth")->defaults(&br);
    sw_detector_spec d[] = {
        { sw_detector_find("pct_move"), &pm }, { sw_detector_find("vol_regime"), &vr },
        { sw_detector_find("breadth"), &br }, { sw_detector_find("stale"), &st },
    };
    sw_group_spec g[] = { { "g1", ptrs, n / 2 }, { "g2", ptrs + n / 2, n - n / 2 } };
    char err[128];
    cr_assert_eq(sw_engine_init(e, g, 2, d, 4, NULL, NULL, err, sizeof err), 0, "%s", err);
}

static sw_alert seq[2][4096];
static int n_seq[2];

static void record(void *ctx, const sw_alert *a)
{
    int which = (int)(intptr_t)ctx;
    if (n_seq[which] < 4096)
        seq[which][n_seq[which]++] = *a;
}

/* The same candidates through a planned and an unplanned policy give the
 * same alerts, in the same order: the plan only moves where keys live. */
Test(policy, plan_changes_where_keys_live_not_what_passes)
{
    enum { N = 40 };
    sw_engine e;
    plan_engine(&e, N);
    sw_policy_params pp;
    sw_policy_defaults(&pp);
    pp.resolved = 1;
    sw_policy a, b;
    n_seq[0] = n_seq[1] = 0;
    cr_assert_eq(sw_policy_init(&a, &pp, record, (void *)(intptr_t)0), 0);
    cr_assert_eq(sw_policy_init(&b, &pp, record, (void *)(intptr_t)1), 0);
    cr_assert_eq(sw_policy_plan_for(&a, &e), 0);
    /* pct_move -1/+1, vol_regime 0, stale 0 per symbol; breadth -1/+1 per group. */
    cr_expect_eq(a.plan == NULL, 0);
    uint64_t rng = 12345;
    const char *const groups[] = { "g1", "g2", "g3" };
    for (int i = 0; i < 30000; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(rng >> 33);
        sw_candidate c;
        memset(&c, 0, sizeof c);
        int grp = r % 7 == 0;
        c.symbol = grp ? groups[r / 7 % 3] : r % 11 == 0 ? "FEED" : names[r / 3 % N];
        c.group = grp ? c.symbol : NULL;
        c.instance = (int)(r / 5 % 6) - 1;        /* -1 (the feed) .. 4 (beyond the engine) */
        c.direction = (int)(r / 17 % 3) - 1;
        c.kind = r / 51 % 4 == 0 ? SW_CAND_CLEAR : SW_CAND_FIRE;
        c.severity = (sw_severity)(r / 204 % 3);
        c.detector = "x";
        c.ts_ns = (int64_t)i * 7 * SW_NS_PER_SEC;
        c.magnitude = (double)(r / 612 % 20);
        c.step = r % 2 ? 5 : 0;
        c.reference = c.change_pct = c.zscore = NAN;
        c.window = "w";
        c.text = "t";
        int ra = sw_policy_offer(&a, &c), rb = sw_policy_offer(&b, &c);
        cr_assert_eq(ra, rb, "candidate %d", i);
    }
    cr_assert_eq(n_seq[0], n_seq[1]);
    cr_assert_gt(n_seq[0], 1000);
    for (int i = 0; i < n_seq[0] && i < 4096; i++)
        cr_assert_eq(memcmp(&seq[0][i], &seq[1][i], sizeof seq[0][i]), 0, "alert %d", i);
    cr_expect_eq(memcmp(&a.stats, &b.stats, sizeof a.stats), 0);
    /* Planned keys never reached the general table: only the feed's, the
     * unknown group's and the detectors' unplanned ones did. */
    cr_expect_lt(a.count, b.count);
    sw_policy_free(&a);
    sw_policy_free(&b);
    sw_engine_free(&e);
}

/* 10 000 symbols: the plan is what can fire, and symbol alerts leave the
 * general table as it started. */
Test(policy, plan_holds_every_symbol_key)
{
    enum { N = 10000 };
    sw_engine e;
    plan_engine(&e, N);
    cr_assert_eq(sw_policy_plan_for(&pol, &e), 0);
    size_t slots = pol.mask + 1;
    for (int i = 0; i < N; i++) {
        cr_assert_eq(offer(names[i], SW_CAND_FIRE, SW_SEV_WARNING, i % 2 ? 1 : -1, 6, i), 1);
        cr_assert_eq(offer(names[i], SW_CAND_FIRE, SW_SEV_WARNING, i % 2 ? 1 : -1, 6, i + 1), 0, "cooldown");
    }
    cr_expect_eq(pol.count, 0u, "every key was planned");
    cr_expect_eq(pol.mask + 1, slots);
    sw_engine_free(&e);
}

Test(policy, a_resolve_is_a_resolved_alert_even_with_resolved_off)
{
    sw_policy_free(&pol);
    sw_policy_params p;
    sw_policy_defaults(&p);
    p.resolved = 0;
    p.min_severity = SW_SEV_WARNING;
    cr_assert_eq(sw_policy_init(&pol, &p, collect, NULL), 0);
    /* A halt and its resumption (once: nothing is then in force); a plain
     * clear stays silent; min_severity does not hold back the resolved alert. */
    cr_expect_eq(offer("NVDA", SW_CAND_FIRE, SW_SEV_CRITICAL, 0, 1, 0), 1);
    cr_expect_eq(offer("NVDA", SW_CAND_RESOLVE, SW_SEV_INFO, 0, 1, 300), 1);
    cr_expect_eq(offer("NVDA", SW_CAND_RESOLVE, SW_SEV_INFO, 0, 1, 310), 0, "nothing in force to resolve");
    cr_expect_eq(offer("AMD", SW_CAND_FIRE, SW_SEV_WARNING, -1, 6, 0), 1);
    cr_expect_eq(offer("AMD", SW_CAND_CLEAR, SW_SEV_INFO, -1, 1, 60), 0);
    cr_assert_eq(n_got, 3);
    cr_expect(got[1].resolved && got[1].severity == SW_SEV_INFO);
    cr_expect_str_eq(got[1].symbol, "NVDA");
}
