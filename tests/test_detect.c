/* Tests of strategies/sw_detect with plain numbers: the levels check, the confirmation run
 * (ticks or time, a broken run counted as a filtered print), the
 * edge-triggered move state (first level, escalation, extension by a step,
 * direction change, the hysteresis clear, a critical blip filtered) and the
 * candidate it builds.  The detectors that use it (pct_move, relative) are
 * tested through the engine in their own files. */
#include "sw_detect.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define S(x) ((int64_t)(x) * 1000000000LL)

static const sw_move_levels L = {
    .warning = 5, .critical = 10, .step = 5, .hysteresis = 0.2, .confirm_ticks = 3, .confirm_ns = S(2),
};

Test(detect, critical_must_be_above_warning_and_the_sentence_names_both)
{
    char err[128] = "";
    cr_expect_eq(sw_levels_check("pct", 5, 10, err, sizeof err), 0);
    cr_expect_eq(sw_levels_check("x", 5, 5, err, sizeof err), -1);
    cr_expect_str_eq(err, "critical_x (5) must be greater than warning_x (5)");
    cr_expect_eq(sw_levels_check("z", 9, 5.5, err, sizeof err), -1);
    cr_expect_str_eq(err, "critical_z (5.5) must be greater than warning_z (9)");
}

Test(detect, a_run_confirms_by_ticks_or_by_time_and_a_broken_one_is_filtered)
{
    sw_run r = { 0 };
    uint64_t filtered = 0;
    sw_run_step(&r, 1, S(10), &filtered);
    cr_expect_not(sw_run_confirmed(&r, 3, S(2), S(10)), "one trade never confirms");
    sw_run_step(&r, 1, S(11), &filtered);
    cr_expect_not(sw_run_confirmed(&r, 3, S(2), S(11)), "2 trades in 1 s: neither 3 ticks nor 2 s");
    cr_expect(sw_run_confirmed(&r, 3, S(2), S(12)), "2 trades spanning 2 s by now confirm");
    sw_run_step(&r, 1, S(11) + 1, &filtered);
    cr_expect(sw_run_confirmed(&r, 3, S(2), S(11) + 1), "3 trades confirm at once");
    cr_expect_eq(filtered, 0);

    sw_run_step(&r, 0, S(13), &filtered); /* back inside: the run ends */
    cr_expect_eq(r.count, 0);
    cr_expect_eq(filtered, 0, "a run that confirmed was a move, not a filtered print");
    sw_run_step(&r, 1, S(14), &filtered);
    sw_run_step(&r, 0, S(15), &filtered);
    cr_expect_eq(filtered, 1, "an excursion that never confirmed is one filtered print");
    sw_run_step(&r, 0, S(16), &filtered);
    cr_expect_eq(filtered, 1, "no run, nothing more to count");

    /* A caller that ends a confirmed run itself (market resets the count):
     * the next run starts unconfirmed. */
    sw_run_step(&r, 1, S(17), &filtered);
    sw_run_step(&r, 1, S(18), &filtered);
    sw_run_step(&r, 1, S(19), &filtered);
    cr_expect(sw_run_confirmed(&r, 3, S(2), S(19)));
    r.count = 0;
    sw_run_step(&r, 1, S(20), &filtered);
    sw_run_step(&r, 0, S(21), &filtered);
    cr_expect_eq(filtered, 2);

    /* A lone trade spanning a long time is still one trade. */
    sw_run_step(&r, 1, S(20), NULL);
    cr_expect_not(sw_run_confirmed(&r, 3, S(2), S(100)));
    cr_expect_eq(r.first_ts, S(20));
}

/* Feed the move chg n times, one second apart from *t; the last result. */
static int feed(sw_move_state *m, double chg, int n, int64_t *t, uint64_t *filtered)
{
    int r = SW_MOVE_NONE;
    for (int i = 0; i < n; i++) {
        r = sw_move_step(m, &L, chg, *t, filtered);
        *t += S(1);
        if (r != SW_MOVE_NONE && i < n - 1)
            return -100 - i; /* fired before the last trade: the caller's count is wrong */
    }
    return r;
}

Test(detect, a_move_fires_once_per_level_escalates_extends_and_clears)
{
    sw_move_state m;
    sw_move_reset(&m);
    cr_expect_eq(m.fired_sev, -1);
    int64_t t = S(1000);
    uint64_t filtered = 0;

    cr_expect_eq(feed(&m, -4.9, 5, &t, &filtered), SW_MOVE_NONE, "inside the warning level");
    cr_expect_eq(feed(&m, -6, 3, &t, &filtered), SW_MOVE_FIRE, "the third trade past 5% confirms");
    cr_expect_eq(m.fired_sev, SW_SEV_WARNING);
    cr_expect_eq(m.fired_dir, -1);
    cr_expect_float_eq(m.fired_mag, 6, 1e-12);
    cr_expect_eq(feed(&m, -7, 5, &t, &filtered), SW_MOVE_NONE, "deeper by less than a step: nothing");

    cr_expect_eq(feed(&m, -10.5, 3, &t, &filtered), SW_MOVE_FIRE, "escalation to critical");
    cr_expect_eq(m.fired_sev, SW_SEV_CRITICAL);
    cr_expect_eq(feed(&m, -15.4, 1, &t, &filtered), SW_MOVE_NONE, "10.5 + 5 not reached");
    cr_expect_eq(feed(&m, -15.5, 1, &t, &filtered), SW_MOVE_FIRE, "extension by a full step");
    cr_expect_float_eq(m.fired_mag, 15.5, 1e-12);

    /* Back inside warning * (1 - hysteresis) = 4 clears; 4.1 does not. */
    cr_expect_eq(feed(&m, -4.1, 3, &t, &filtered), SW_MOVE_NONE);
    cr_expect_eq(feed(&m, -3.9, 1, &t, &filtered), SW_MOVE_CLEAR);
    cr_expect_eq(m.fired_sev, -1);
    cr_expect_eq(m.fired_dir, -1, "the clear says which direction it was");
    cr_expect_eq(filtered, 0, "the critical run confirmed and fired: no filtered print");
}

Test(detect, a_critical_blip_is_filtered_and_a_flip_is_a_new_move)
{
    sw_move_state m;
    sw_move_reset(&m);
    int64_t t = S(1000);
    uint64_t filtered = 0;

    /* One print at -30% among ordinary ones: no alert, one filtered print. */
    cr_expect_eq(feed(&m, -0.2, 3, &t, &filtered), SW_MOVE_NONE);
    cr_expect_eq(feed(&m, -30, 1, &t, &filtered), SW_MOVE_NONE);
    cr_expect_eq(feed(&m, -0.1, 3, &t, &filtered), SW_MOVE_NONE);
    cr_expect_eq(filtered, 1);
    /* The same print followed by a trade on the other side of the
     * reference: the flip ends the run, a filtered print all the same. */
    cr_expect_eq(feed(&m, -30, 1, &t, &filtered), SW_MOVE_NONE);
    cr_expect_eq(feed(&m, 0.1, 3, &t, &filtered), SW_MOVE_NONE);
    cr_expect_eq(filtered, 2);

    /* Up 6% confirmed, then down 6% confirmed: the change of direction fires
     * at the same severity. */
    cr_expect_eq(feed(&m, 6, 3, &t, &filtered), SW_MOVE_FIRE);
    cr_expect_eq(m.fired_dir, 1);
    cr_expect_eq(feed(&m, -6, 3, &t, &filtered), SW_MOVE_FIRE);
    cr_expect_eq(m.fired_dir, -1);
    cr_expect_eq(m.fired_sev, SW_SEV_WARNING);

    /* A flip in the middle of a run restarts the count: 2 down, 1 up, 2 down
     * is not 3 in a row. */
    sw_move_reset(&m);
    cr_expect_eq(feed(&m, -6, 2, &t, &filtered), SW_MOVE_NONE);
    cr_expect_eq(feed(&m, 6, 1, &t, &filtered), SW_MOVE_NONE);
    cr_expect_eq(feed(&m, -6, 2, &t, &filtered), SW_MOVE_NONE);
    cr_expect_eq(feed(&m, -6, 1, &t, &filtered), SW_MOVE_FIRE);
}

Test(detect, past_the_next_level_the_escalation_is_the_news_not_an_extension)
{
    sw_move_state m;
    sw_move_reset(&m);
    int64_t t = S(0);
    cr_expect_eq(feed(&m, 5, 3, &t, NULL), SW_MOVE_FIRE);
    /* 10.5 is a full step past 5, but it is critical and awaits confirmation:
     * no warning extension on the way. */
    cr_expect_eq(sw_move_step(&m, &L, 10.5, t, NULL), SW_MOVE_NONE);
    cr_expect_eq(sw_move_step(&m, &L, 10.5, t + S(1), NULL), SW_MOVE_NONE);
    cr_expect_eq(sw_move_step(&m, &L, 10.5, t + S(2), NULL), SW_MOVE_FIRE);
    cr_expect_eq(m.fired_sev, SW_SEV_CRITICAL);
}

Test(detect, a_candidate_starts_as_a_fire_with_no_numbers_and_the_detectors_text)
{
    sw_detector_type type = { .name = "relative" };
    sw_detector d = { .type = &type, .instance = 2 };
    sw_symbol s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "NVDA");
    sw_candidate c;
    memset(&c, 0xff, sizeof c);
    sw_cand_init(&c, &d, &s, S(77), 118.42);
    cr_expect_eq(c.kind, SW_CAND_FIRE);
    cr_expect_str_eq(c.symbol, "NVDA");
    cr_expect_str_eq(c.detector, "relative");
    cr_expect_eq(c.instance, 2);
    cr_expect_eq(c.ts_ns, S(77));
    cr_expect_float_eq(c.price, 118.42, 1e-12);
    cr_expect(isnan(c.reference) && isnan(c.change_pct) && isnan(c.zscore));
    cr_expect_eq(c.text, d.text);
    cr_expect_eq(c.session, 0, "the engine fills in the session");
    cr_expect_eq(c.n_members, 0);
}
