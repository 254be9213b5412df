/* Tests of strategies/sw_vol_regime through a real sw_engine fed plain
 * numbers: warm-up, a warning when volatility triples and its clear, one
 * jump clipped rather than taken for a regime, the overnight gap and the
 * opening half hour left out, a calm random walk, documented defaults.
 *
 * Calm bars alternate log returns of +0.1% and -0.1%: realized volatility
 * exactly 0.001 per bar, as is the baseline that calm bars feed. */
#include "sw_config.h"
#include "sw_engine.h"
#include "sw_time.h"
#include "sw_vol_regime.h"
#include "sw_zscore.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SW_TEST_MAX_GOT 64
#include "sw_test_engine.h"

static sw_vol_regime_params defaults(void)
{
    sw_vol_regime_params p;
    sw_detector_find("vol_regime")->defaults(&p);
    return p;
}

static void build(const sw_vol_regime_params *p)
{
    build_detector("vol_regime", p);
}

TestSuite(vol_regime, .fini = teardown);

/* Minutes [from, to) of day d, bar returns alternating +-r. */
static void bars(int64_t d, int from, int to, double r, double *p, int *sign)
{
    for (int i = from; i < to; i++) {
        *p *= exp(r * *sign);
        *sign = -*sign;
        px(*p, minute(d, i) + 10 * SW_NS_PER_SEC);
        px(*p, minute(d, i) + 40 * SW_NS_PER_SEC);
    }
}

/* Whole calm sessions: days [0, n). */
static void calm_days(int n, double *p, int *sign)
{
    for (int k = 0; k < n; k++)
        bars(day(k), 0, 390, 0.001, p, sign);
}

Test(vol_regime, registered_with_the_documented_defaults)
{
    sw_vol_regime_params p = defaults();
    cr_expect_eq(p.bar_ns, SW_NS_PER_MIN);
    cr_expect_eq(p.window, 30);
    cr_expect_eq(p.baseline, SW_VOL_EWMA);
    cr_expect_eq(p.lambda, 0.995);
    cr_expect_eq(p.min_bars, 390);
    cr_expect_eq(p.threshold, 3.0);
    cr_expect_eq(p.hysteresis, 0.2);
    cr_expect_eq(p.open_delay_ns, 30 * SW_NS_PER_MIN);
}

Test(vol_regime, config_doc_defaults_equal_defaults)
{
    sw_config cfg;
    load_documented_defaults("vol_regime", 12, &cfg);
    const sw_vol_regime_params *g = cfg.detectors[0].params;
    sw_vol_regime_params w = defaults();
    cr_expect_eq(g->bar_ns, w.bar_ns);
    cr_expect_eq(g->window, w.window);
    cr_expect_eq(g->baseline, w.baseline);
    cr_expect_eq(g->lambda, w.lambda);
    cr_expect_eq(g->baseline_window, w.baseline_window);
    cr_expect_eq(g->min_bars, w.min_bars);
    cr_expect_eq(g->threshold, w.threshold);
    cr_expect_eq(g->hysteresis, w.hysteresis);
    cr_expect_eq(g->clip, w.clip);
    cr_expect_eq(g->min_vol, w.min_vol);
    cr_expect_eq(g->extended_hours, w.extended_hours);
    cr_expect_eq(g->open_delay_ns, w.open_delay_ns);
    sw_config_free(&cfg);
}

Test(vol_regime, warning_when_volatility_triples_then_clear)
{
    sw_vol_regime_params p = defaults();
    build(&p);
    double price = 100;
    int sign = 1;
    /* Two calm sessions: each gives 359 usable returns (390 bars, less the
     * gap bar and 30 bars of opening delay); the first 30 fill the window,
     * so the baseline holds 688 >= 390 returns by the end of day 2. */
    calm_days(2, &price, &sign);
    cr_assert_eq(n_got, 0, "calm sessions: no regime");
    /* Day 3: calm until 11:30, then bars of +-0.32% (3.2 times) for 40
     * minutes, then calm again. */
    bars(day(2), 0, 120, 0.001, &price, &sign);
    cr_assert_eq(n_got, 0);
    bars(day(2), 120, 160, 0.0032, &price, &sign);
    cr_assert_eq(n_got, 1, "one warning for the hot spell (got %d)", n_got);
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_eq(got[0].direction, 0);
    cr_expect_str_eq(got[0].detector, "vol_regime");
    cr_expect(got[0].magnitude >= 3.0 && got[0].magnitude < 3.2, "ratio %.3f", got[0].magnitude);
    /* The window needs most of its 30 bars hot: with h hot bars the ratio is
     * sqrt((h * 10.24 + (30 - h)) / 30) >= 3 when 9.24 h + 30 >= 270, i.e.
     * h >= 25.97.  The 26th hot bar (minute 145) completes with the first
     * trade of minute 146. */
    cr_expect(got[0].ts_ns >= minute(day(2), 146) && got[0].ts_ns < minute(day(2), 147),
              "fired at minute %lld",
              (long long)((got[0].ts_ns - minute(day(2), 0)) / SW_NS_PER_MIN));
    /* Calm again: the window flushes and the ratio falls below 3 * 0.8. */
    bars(day(2), 160, 230, 0.001, &price, &sign);
    cr_assert_eq(n_got, 2, "got %d", n_got);
    cr_expect_eq(got[1].kind, SW_CAND_CLEAR);
    cr_expect_eq(got[1].direction, 0);
    cr_expect(got[1].magnitude < 2.4, "ratio %.3f", got[1].magnitude);
    cr_expect(got[1].ts_ns > minute(day(2), 160));
}

Test(vol_regime, no_alert_during_warm_up)
{
    sw_vol_regime_params p = defaults();
    build(&p);
    double price = 100;
    int sign = 1;
    /* Day 1 only: at 12:00 the baseline holds 150 - 30 - 30 = 90 returns
     * (minus the window's 30), far from min_bars 390.  The same hot spell
     * as above raises nothing. */
    bars(day(0), 0, 150, 0.001, &price, &sign);
    bars(day(0), 150, 200, 0.0032, &price, &sign);
    cr_expect_eq(n_got, 0, "got %d: %s", n_got, n_got ? got[0].text : "");
}

Test(vol_regime, one_jump_is_clipped_not_a_regime)
{
    sw_vol_regime_params p = defaults();
    build(&p);
    double price = 100;
    int sign = 1;
    calm_days(2, &price, &sign);
    /* One 5% bar (50 bar sigmas) in an otherwise calm day.  Clipped at
     * 8 * 0.001 it adds 0.008^2 / 30 to the window's mean square:
     * sqrt((29 * 1e-6 + 64e-6) / 30) = 0.00176, a ratio of 1.8. */
    bars(day(2), 0, 100, 0.001, &price, &sign);
    price *= exp(0.05);
    px(price, minute(day(2), 100) + 10 * SW_NS_PER_SEC);
    bars(day(2), 101, 160, 0.001, &price, &sign);
    cr_expect_eq(n_got, 0, "got %d: %s", n_got, n_got ? got[0].text : "");
}

Test(vol_regime, without_clip_one_jump_would_pass_for_a_regime)
{
    /* The same day with clip 0: sqrt((29e-6 + 0.05^2) / 30) = 0.0092, a ratio
     * of 9.2 -- which is why the default clips. */
    sw_vol_regime_params p = defaults();
    p.clip = 0;
    build(&p);
    double price = 100;
    int sign = 1;
    calm_days(2, &price, &sign);
    bars(day(2), 0, 100, 0.001, &price, &sign);
    price *= exp(0.05);
    px(price, minute(day(2), 100) + 10 * SW_NS_PER_SEC);
    bars(day(2), 101, 160, 0.001, &price, &sign);
    cr_expect_eq(n_got, 2, "fire, then clear when the jump leaves the window");
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
}

Test(vol_regime, overnight_gap_is_left_out)
{
    /* clip 0, so that a fed gap would show (see the test above). */
    sw_vol_regime_params p = defaults();
    p.clip = 0;
    build(&p);
    double price = 100;
    int sign = 1;
    calm_days(2, &price, &sign);
    price *= exp(0.05); /* day 3 opens 5% higher */
    bars(day(2), 0, 200, 0.001, &price, &sign);
    cr_expect_eq(n_got, 0, "got %d: %s", n_got, n_got ? got[0].text : "");
}

Test(vol_regime, opening_half_hour_is_left_out)
{
    sw_vol_regime_params p = defaults();
    build(&p);
    double price = 100;
    int sign = 1;
    calm_days(2, &price, &sign);
    /* Day 3: the first 30 minutes at 3.2 times the volatility, as most
     * mornings are; then calm. */
    bars(day(2), 0, 30, 0.0032, &price, &sign);
    bars(day(2), 30, 200, 0.001, &price, &sign);
    cr_expect_eq(n_got, 0, "got %d: %s", n_got, n_got ? got[0].text : "");
}

Test(vol_regime, without_opening_delay_every_morning_is_a_regime)
{
    sw_vol_regime_params p = defaults();
    p.open_delay_ns = 0;
    build(&p);
    double price = 100;
    int sign = 1;
    calm_days(2, &price, &sign);
    bars(day(2), 0, 30, 0.0032, &price, &sign);
    bars(day(2), 30, 200, 0.001, &price, &sign);
    cr_expect_geq(n_got, 1, "the same morning with open_delay 0 fires");
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
}

static uint64_t rng;
static double uniform(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return ((rng * 0x2545F4914F6CDD1Du) >> 11) * (1.0 / 9007199254740992.0);
}
static double normal(void)
{
    double u = uniform(), v = uniform();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

Test(vol_regime, calm_random_walk_fires_nothing)
{
    sw_vol_regime_params p = defaults();
    build(&p);
    rng = 0x9E3779B97F4A7C15u;
    double price = 50;
    for (int dd = 0; dd < 5; dd++)
        for (int i = 0; i < 390; i++)
            for (int k = 0; k < 4; k++) {
                price *= exp(0.0005 * normal());
                px(price, minute(day(dd), i) + (5 + 15 * k) * SW_NS_PER_SEC);
            }
    cr_expect_eq(n_got, 0, "got %d: %s", n_got, n_got ? got[0].text : "");
    /* Then the walk's step quadruples for an hour: a regime.  (Quadruples
     * rather than triples: 30 random returns estimate a ratio of 3 as often
     * below 3 as above it.) */
    for (int i = 0; i < 60; i++)
        for (int k = 0; k < 4; k++) {
            price *= exp(0.002 * normal());
            px(price, minute(day(5), 60 + i) + (5 + 15 * k) * SW_NS_PER_SEC);
        }
    cr_assert_geq(n_got, 1);
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
}
