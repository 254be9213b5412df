/* Tests of strategies/sw_pct_move with plain numbers: levels, both
 * directions, references, confirmation against bad prints, clear. */
#include "sw_engine.h"
#include "sw_pct_move.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define SW_TEST_MAX_GOT 32
#include "sw_test_candidates.h"

static sw_engine eng;

static int64_t day27(int h, int m, int s)
{
    return sw_ny_to_utc(sw_days_from_civil(2025, 1, 27), h, m, s);
}

static void build(const sw_pct_move_params *p)
{
    static const char *const syms[] = { "NVDA" };
    sw_group_spec g = { "ai", syms, 1 };
    sw_detector_spec d = { sw_detector_find("pct_move"), p };
    char err[128];
    n_got = 0;
    cr_assert_eq(sw_engine_init(&eng, &g, 1, &d, 1, collect, NULL, err, sizeof err), 0, "%s", err);
}

static void px(double price, int64_t ts)
{
    sw_test_trade(&eng, "NVDA", price, ts, 0);
}

static sw_pct_move_params defaults(void)
{
    sw_pct_move_params p;
    sw_detector_find("pct_move")->defaults(&p);
    return p;
}

static void teardown(void)
{
    sw_engine_free(&eng);
}

TestSuite(pct_move, .fini = teardown);

/* Friday's close 142.62, then Monday's trades. */
static void friday(void)
{
    px(142.62, sw_ny_to_utc(sw_days_from_civil(2025, 1, 24), 16, 0, 0));
}

Test(pct_move, gap_down_is_critical_after_confirmation)
{
    sw_pct_move_params p = defaults();
    build(&p);
    friday();
    px(124.80, day27(9, 30, 0)); /* -12.49% */
    cr_expect_eq(n_got, 0, "one print is not enough");
    px(124.85, day27(9, 30, 0) + 200000000);
    cr_expect_eq(n_got, 0);
    px(124.70, day27(9, 30, 0) + 400000000);
    cr_assert_eq(n_got, 1, "third trade beyond the level confirms");
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
    cr_expect_eq(got[0].severity, SW_SEV_CRITICAL);
    cr_expect_eq(got[0].direction, -1);
    cr_expect_eq(got[0].reference, 142.62);
    cr_expect_float_eq(got[0].change_pct, (124.70 / 142.62 - 1) * 100, 1e-9);
    cr_expect_str_eq(got[0].window, "prev_close");
    cr_expect_str_eq(got[0].text, "NVDA -12.56% vs previous close 142.62");
    cr_expect_eq(got[0].ts_ns, day27(9, 30, 0) + 400000000);
}

Test(pct_move, confirmation_by_time)
{
    sw_pct_move_params p = defaults();
    build(&p);
    friday();
    px(124.80, day27(9, 30, 0));
    px(124.80, day27(9, 30, 1)); /* two trades spanning < 2 s */
    cr_expect_eq(n_got, 0);
    px(124.81, day27(9, 30, 0) + 2 * SW_NS_PER_SEC); /* still 3 trades: count wins */
    cr_expect_eq(n_got, 1);
}

Test(pct_move, single_bad_print_does_not_fire_and_is_counted)
{
    sw_pct_move_params p = defaults();
    build(&p);
    friday();
    px(142.00, day27(10, 0, 0));
    px(14.20, day27(10, 0, 1)); /* a misplaced decimal point */
    px(142.10, day27(10, 0, 2));
    px(142.05, day27(10, 0, 3));
    cr_expect_eq(n_got, 0);
    cr_expect_eq(eng.stats.filtered_prints, 1);
}

Test(pct_move, warning_then_escalation_then_extension_then_clear)
{
    sw_pct_move_params p = defaults();
    p.confirm_ticks = 1;
    build(&p);
    friday();
    px(142.62 * 1.06, day27(10, 0, 0)); /* +6% warning */
    px(142.62 * 1.07, day27(10, 0, 1)); /* nothing new */
    px(142.62 * 1.11, day27(10, 0, 2)); /* critical */
    px(142.62 * 1.15, day27(10, 0, 3)); /* +4 over the last: no step yet */
    px(142.62 * 1.161, day27(10, 0, 4)); /* 5.1 beyond 11: extension */
    px(142.62 * 1.045, day27(10, 0, 5)); /* inside 5% but not below 4%: holds */
    px(142.62 * 1.039, day27(10, 0, 6)); /* below 4%: clear */
    cr_assert_eq(n_got, 4);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_eq(got[0].direction, 1);
    cr_expect_eq(got[1].severity, SW_SEV_CRITICAL);
    cr_expect_eq(got[2].severity, SW_SEV_CRITICAL);
    cr_expect_float_eq(got[2].magnitude, 16.1, 1e-6);
    cr_expect_eq(got[3].kind, SW_CAND_CLEAR);
}

Test(pct_move, open_reference)
{
    sw_pct_move_params p = defaults();
    p.reference = SW_REF_OPEN;
    p.confirm_ticks = 1;
    build(&p);
    friday();
    px(124.80, day27(9, 30, 0));
    cr_expect_eq(n_got, 0, "vs open there is no move at the open");
    px(124.80 * 0.94, day27(11, 0, 0));
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].reference, 124.80);
    cr_expect_str_eq(got[0].window, "open");
}

Test(pct_move, window_reference_is_the_price_a_window_ago)
{
    sw_pct_move_params p = defaults();
    p.reference = SW_REF_WINDOW;
    p.window_ns = 5 * SW_NS_PER_MIN;
    p.confirm_ticks = 1;
    build(&p);
    int64_t t0 = day27(10, 0, 0);
    /* Flat at 100 for 6 minutes, one trade every 10 s. */
    for (int i = 0; i <= 36; i++)
        px(100, t0 + i * 10 * SW_NS_PER_SEC);
    cr_expect_eq(n_got, 0);
    px(94, t0 + 370 * SW_NS_PER_SEC); /* -6% vs 5 minutes ago */
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].reference, 100);
    cr_expect_str_eq(got[0].window, "5m");
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    /* Ten minutes later at the same price, the window reference is 94 again. */
    for (int i = 38; i <= 100; i++)
        px(94, t0 + i * 10 * SW_NS_PER_SEC);
    cr_expect_eq(got[n_got - 1].kind, SW_CAND_CLEAR);
}

Test(pct_move, no_reference_no_alert)
{
    sw_pct_move_params p = defaults();
    p.confirm_ticks = 1;
    build(&p);
    px(100, day27(10, 0, 0));
    px(50, day27(10, 0, 1)); /* no previous close known */
    cr_expect_eq(n_got, 0);
}

Test(pct_move, validation)
{
    sw_pct_move_params p = defaults();
    char err[128];
    const sw_detector_type *t = sw_detector_find("pct_move");
    cr_expect_eq(t->validate(&p, err, sizeof err), 0);
    p.critical_pct = 4;
    cr_expect_eq(t->validate(&p, err, sizeof err), -1);
    cr_expect_str_eq(err, "critical_pct (4) must be greater than warning_pct (5)");
    eng.n_dets = 0; /* nothing built in this test */
}

Test(pct_move, a_new_session_clears_and_rearms)
{
    sw_pct_move_params p = defaults();
    p.confirm_ticks = 1;
    build(&p);
    friday();
    px(124.80, day27(9, 30, 0)); /* critical on Monday */
    cr_assert_eq(n_got, 1);
    /* Tuesday: the close of Monday (124.80) is the new reference. */
    px(124.80 * 0.85, sw_ny_to_utc(sw_days_from_civil(2025, 1, 28), 9, 30, 0));
    cr_assert_eq(n_got, 3);
    cr_expect_eq(got[1].kind, SW_CAND_CLEAR, "Monday's condition ends with Monday");
    cr_expect_str_eq(got[1].window, "session");
    cr_expect_eq(got[2].kind, SW_CAND_FIRE);
    cr_expect_eq(got[2].reference, 124.80);
}

Test(pct_move, no_warning_extension_while_critical_awaits_confirmation)
{
    sw_pct_move_params p = defaults();
    build(&p);
    friday();
    for (int i = 0; i < 3; i++)
        px(142.62 * 0.94, day27(10, 0, i)); /* -6%: warning once confirmed */
    cr_assert_eq(n_got, 1);
    px(142.62 * 0.889, day27(10, 5, 0)); /* -11.1%: 5.1 beyond, but past critical */
    px(142.62 * 0.889, day27(10, 5, 0) + 100000000);
    cr_expect_eq(n_got, 1, "no warning 'extension' one tick before the critical");
    px(142.62 * 0.889, day27(10, 5, 0) + 200000000);
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].severity, SW_SEV_CRITICAL);
}
