/* Tests of strategies/sw_zscore through a real sw_engine fed plain numbers:
 * warm-up, a 10-sigma bar caught within the bar in either direction, bad
 * prints (in a bar and closing a bar), the overnight gap kept out of both the
 * score and the volatility, the opening delay, a calm random walk, the rolling
 * method, and the documented defaults against defaults().
 *
 * The calm series alternate bar returns of +0.1% and -0.1% (log), so the
 * volatility is exactly 0.001 per bar and a bar's z is its return / 0.001. */
#include "sw_config.h"
#include "sw_engine.h"
#include "sw_time.h"
#include "sw_zscore.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_test_engine.h"

static sw_zscore_params defaults(void)
{
    sw_zscore_params p;
    sw_detector_find("zscore")->defaults(&p);
    return p;
}

static void build(const sw_zscore_params *p)
{
    build_detector("zscore", p);
}

TestSuite(zscore, .fini = teardown);

/* Calm bars: minutes [from, to) of day d, each with trades at :10 and :40 at
 * one price, the price alternating by exp(+-0.001) bar to bar.  *p carries
 * the price, *sign the direction of the next bar. */
static void calm(int64_t d, int from, int to, double *p, int *sign)
{
    for (int i = from; i < to; i++) {
        *p *= exp(0.001 * *sign);
        *sign = -*sign;
        px(*p, minute(d, i) + 10 * SW_NS_PER_SEC);
        px(*p, minute(d, i) + 40 * SW_NS_PER_SEC);
    }
}

static int count(sw_cand_kind kind, int sev)
{
    int n = 0;
    for (int i = 0; i < n_got; i++)
        n += got[i].kind == kind && (sev < 0 || (int)got[i].severity == sev);
    return n;
}

/* A bar `r` (log) away from the previous close, three trades at :10 :20 :30. */
static void shock_bar(int64_t d, int i, double ref, double r)
{
    for (int k = 1; k <= 3; k++)
        px(ref * exp(r), minute(d, i) + k * 10 * SW_NS_PER_SEC);
}

Test(zscore, registered_with_the_documented_defaults)
{
    sw_zscore_params p = defaults();
    cr_expect_eq(p.bar_ns, SW_NS_PER_MIN);
    cr_expect_eq(p.method, SW_VOL_EWMA);
    cr_expect_eq(p.lambda, 0.94);
    cr_expect_eq(p.min_bars, 30);
    cr_expect_eq(p.warning_z, 5.0);
    cr_expect_eq(p.critical_z, 9.0);
    cr_expect_eq(p.confirm_ticks, 2);
    cr_expect_eq(p.min_vol, 0.0005);
    cr_expect_eq(p.open_delay_ns, 30 * SW_NS_PER_MIN);
    cr_expect_eq(p.extended_hours, 0);
}

/* The documentation rows (shockd --config-doc) name a default for every
 * option; fed back through the loader they must give exactly defaults(). */
Test(zscore, config_doc_defaults_equal_defaults)
{
    sw_config cfg;
    load_documented_defaults("zscore", 12, &cfg);
    const sw_zscore_params *got_p = cfg.detectors[0].params;
    sw_zscore_params want = defaults();
    cr_expect_eq(got_p->bar_ns, want.bar_ns);
    cr_expect_eq(got_p->method, want.method);
    cr_expect_eq(got_p->lambda, want.lambda);
    cr_expect_eq(got_p->window, want.window);
    cr_expect_eq(got_p->min_bars, want.min_bars);
    cr_expect_eq(got_p->warning_z, want.warning_z);
    cr_expect_eq(got_p->critical_z, want.critical_z);
    cr_expect_eq(got_p->hysteresis, want.hysteresis);
    cr_expect_eq(got_p->min_vol, want.min_vol);
    cr_expect_eq(got_p->confirm_ticks, want.confirm_ticks);
    cr_expect_eq(got_p->extended_hours, want.extended_hours);
    cr_expect_eq(got_p->open_delay_ns, want.open_delay_ns);
    sw_config_free(&cfg);
}

Test(zscore, validate_rejects_inverted_levels_and_a_one_bar_window)
{
    const sw_detector_type *t = sw_detector_find("zscore");
    char err[256];
    sw_zscore_params p = defaults();
    p.critical_z = p.warning_z;
    cr_expect_neq(t->validate(&p, err, sizeof err), 0);
    cr_expect(strstr(err, "critical_z") != NULL, "%s", err);
    p = defaults();
    p.method = SW_VOL_ROLLING;
    p.min_bars = 1;
    cr_expect_neq(t->validate(&p, err, sizeof err), 0);
}

/* 10:00 onwards: past the default 30-minute opening delay. */
#define AFTER_OPEN 30

Test(zscore, no_alert_during_warm_up)
{
    sw_zscore_params p = defaults();
    build(&p);
    double price = 100;
    int sign = 1;
    /* The first bar of the session is the gap bar (not fed); the next 29
     * complete and feed: 29 < min_bars 30 returns when bar 31 trades. */
    calm(day(0), AFTER_OPEN, AFTER_OPEN + 30, &price, &sign);
    shock_bar(day(0), AFTER_OPEN + 30, price, -0.02); /* 20 sigma */
    cr_expect_eq(n_got, 0, "no alert before min_bars returns (got %d: %s)", n_got,
                 n_got ? got[0].text : "");
    /* Once warm, the same kind of bar alerts (the 2% bars above inflated the
     * volatility, which 40 calm bars bring down to about 0.2%). */
    calm(day(0), AFTER_OPEN + 31, AFTER_OPEN + 71, &price, &sign);
    shock_bar(day(0), AFTER_OPEN + 71, price, -0.03);
    cr_expect_eq(count(SW_CAND_FIRE, SW_SEV_CRITICAL), 1, "got %d", n_got);
}

Test(zscore, ten_sigma_bar_fires_critical_down_within_the_bar)
{
    sw_zscore_params p = defaults();
    build(&p);
    double price = 100;
    int sign = 1;
    calm(day(0), AFTER_OPEN, AFTER_OPEN + 40, &price, &sign);
    cr_assert_eq(n_got, 0, "calm bars alert nothing");
    int bar = AFTER_OPEN + 40;
    double ref = price;
    /* -1.0% in log terms = 10 sigma.  The first trade starts a run, the
     * second confirms it: critical at :20, 40 s before the bar ends. */
    px(ref * exp(-0.010), minute(day(0), bar) + 10 * SW_NS_PER_SEC);
    cr_expect_eq(n_got, 0, "one trade is not confirmation");
    px(ref * exp(-0.010), minute(day(0), bar) + 20 * SW_NS_PER_SEC);
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
    cr_expect_eq(got[0].severity, SW_SEV_CRITICAL);
    cr_expect_eq(got[0].direction, -1);
    cr_expect_str_eq(got[0].detector, "zscore");
    cr_expect(fabs(got[0].zscore - -10.0) < 1e-6, "z %.9f", got[0].zscore);
    cr_expect(fabs(got[0].magnitude - 10.0) < 1e-6);
    cr_expect_eq(got[0].step, 4.0, "step = critical - warning");
    cr_expect(fabs(got[0].reference - ref) < 1e-12, "reference is the previous bar's close");
    cr_expect(fabs(got[0].change_pct - (exp(-0.010) - 1) * 100) < 1e-9, "%f", got[0].change_pct);
    cr_expect(got[0].ts_ns < minute(day(0), bar + 1), "caught within the bar");
    cr_expect(strstr(got[0].text, "XYZ -1.00%") != NULL, "%s", got[0].text);
    /* The next bar measures from the shock's close: back to calm -> CLEAR. */
    px(ref * exp(-0.010), minute(day(0), bar + 1) + 10 * SW_NS_PER_SEC);
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].kind, SW_CAND_CLEAR);
    cr_expect_eq(got[1].direction, -1);
}

Test(zscore, ten_sigma_bar_up_fires_critical_up_and_warning_first_below_critical)
{
    sw_zscore_params p = defaults();
    build(&p);
    double price = 100;
    int sign = 1;
    calm(day(0), AFTER_OPEN, AFTER_OPEN + 40, &price, &sign);
    int bar = AFTER_OPEN + 40;
    double ref = price;
    /* +0.7% = z +7: warning (5) but not critical (9). */
    px(ref * exp(0.007), minute(day(0), bar) + 5 * SW_NS_PER_SEC);
    px(ref * exp(0.007), minute(day(0), bar) + 10 * SW_NS_PER_SEC);
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_eq(got[0].direction, 1);
    /* Then +1.0% = z +10 in the same bar: escalates to critical. */
    px(ref * exp(0.010), minute(day(0), bar) + 20 * SW_NS_PER_SEC);
    px(ref * exp(0.010), minute(day(0), bar) + 30 * SW_NS_PER_SEC);
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].kind, SW_CAND_FIRE);
    cr_expect_eq(got[1].severity, SW_SEV_CRITICAL);
    cr_expect_eq(got[1].direction, 1);
    cr_expect(fabs(got[1].zscore - 10.0) < 1e-6);
}

Test(zscore, single_bad_print_in_a_bar_is_filtered)
{
    sw_zscore_params p = defaults();
    build(&p);
    double price = 100;
    int sign = 1;
    calm(day(0), AFTER_OPEN, AFTER_OPEN + 40, &price, &sign);
    int bar = AFTER_OPEN + 40;
    price *= exp(0.001 * sign);
    sign = -sign;
    px(price, minute(day(0), bar) + 10 * SW_NS_PER_SEC);
    px(price * 0.90, minute(day(0), bar) + 20 * SW_NS_PER_SEC); /* -10.5%: z -105 */
    px(price, minute(day(0), bar) + 40 * SW_NS_PER_SEC);
    calm(day(0), bar + 1, bar + 10, &price, &sign);
    cr_expect_eq(count(SW_CAND_FIRE, -1), 0, "a lone print raises nothing (got %d)", n_got);
    cr_expect_eq(eng.stats.filtered_prints, 1, "%llu",
                 (unsigned long long)eng.stats.filtered_prints);
}

Test(zscore, bad_print_closing_a_bar_does_not_become_the_reference)
{
    sw_zscore_params p = defaults();
    build(&p);
    double price = 100;
    int sign = 1;
    calm(day(0), AFTER_OPEN, AFTER_OPEN + 40, &price, &sign);
    int bar = AFTER_OPEN + 40;
    price *= exp(0.001 * sign);
    sign = -sign;
    px(price, minute(day(0), bar) + 10 * SW_NS_PER_SEC);
    /* The last trade of the bar is bad.  Were it the bar's close, every good
     * trade of the next bar would be +10% (z +105) against it: confirmed at
     * once, critical, up. */
    px(price * 0.90, minute(day(0), bar) + 50 * SW_NS_PER_SEC);
    calm(day(0), bar + 1, bar + 10, &price, &sign);
    cr_expect_eq(count(SW_CAND_FIRE, -1), 0, "got %d candidates, first: %s", n_got,
                 n_got ? got[0].text : "");
    cr_expect_eq(eng.stats.filtered_prints, 1);
}

Test(zscore, confirm_ticks_1_disables_the_filter)
{
    /* The same lone print with no confirmation required: it alerts.  This is
     * what the default confirmation protects against. */
    sw_zscore_params p = defaults();
    p.confirm_ticks = 1;
    build(&p);
    double price = 100;
    int sign = 1;
    calm(day(0), AFTER_OPEN, AFTER_OPEN + 40, &price, &sign);
    px(price * 0.90, minute(day(0), AFTER_OPEN + 40) + 20 * SW_NS_PER_SEC);
    cr_expect_eq(count(SW_CAND_FIRE, SW_SEV_CRITICAL), 1);
    /* Back at once: the excursion ends, but it confirmed and fired -- a
     * move, not a filtered print. */
    px(price, minute(day(0), AFTER_OPEN + 40) + 40 * SW_NS_PER_SEC);
    cr_expect_eq(eng.stats.filtered_prints, 0, "%llu", (unsigned long long)eng.stats.filtered_prints);
}

Test(zscore, overnight_gap_is_neither_scored_nor_fed)
{
    sw_zscore_params p = defaults();
    p.open_delay_ns = 0; /* so that the first bars of day 2 are scored at all */
    build(&p);
    double price = 100;
    int sign = 1;
    /* Day 1: a whole calm session, last trade at the 16:00 close. */
    calm(day(0), 0, 390, &price, &sign);
    px(price, sw_ny_to_utc(day(0), 16, 0, 0));
    cr_assert_eq(n_got, 0);
    /* Day 2 opens 5% higher (50 sigma of a bar) and trades there. */
    price *= exp(0.05);
    calm(day(1), 0, 30, &price, &sign);
    cr_expect_eq(n_got, 0, "the gap is pct_move's, not zscore's (got: %s)",
                 n_got ? got[0].text : "");
    /* Had the gap fed the EWMA, the volatility would be about
     * sqrt(0.06 * 0.05^2) = 1.2% and the 10-sigma bar below a mere z -0.8.
     * It still fires critical: the estimate never saw the gap. */
    double ref = price;
    shock_bar(day(1), 30, ref, -0.010);
    cr_expect_eq(count(SW_CAND_FIRE, SW_SEV_CRITICAL), 1, "got %d", n_got);
}

Test(zscore, opening_delay_holds_scores_until_it_ends)
{
    sw_zscore_params p = defaults(); /* open_delay 30m */
    build(&p);
    double price = 100;
    int sign = 1;
    calm(day(0), 0, 390, &price, &sign);
    /* Day 2, 09:45 (minute 15): a 10-sigma bar inside the opening delay. */
    calm(day(1), 0, 15, &price, &sign);
    double ref = price;
    shock_bar(day(1), 15, ref, -0.010);
    cr_expect_eq(n_got, 0, "not scored 15 minutes after the open");
    /* At 10:05 (minute 35) the same bar alerts; the 09:45 shock fed the
     * volatility, so bring it back down with twenty calm bars first. */
    price = ref * exp(-0.010);
    calm(day(1), 16, 35, &price, &sign);
    shock_bar(day(1), 35, price, -0.030);
    cr_expect_geq(count(SW_CAND_FIRE, SW_SEV_CRITICAL), 1, "got %d", n_got);
}

Test(zscore, a_split_is_not_a_shock)
{
    sw_zscore_params p = defaults();
    build(&p);
    double price = 1000;
    int sign = 1;
    calm(day(0), AFTER_OPEN, AFTER_OPEN + 40, &price, &sign);
    /* 10-for-1 between two bars: without rescaling the stored closes the
     * next trade would be ln(0.1) = -230 sigma. */
    cr_assert_eq(sw_engine_split(&eng, "XYZ", minute(day(0), AFTER_OPEN + 40), 10), 0);
    price /= 10;
    calm(day(0), AFTER_OPEN + 40, AFTER_OPEN + 60, &price, &sign);
    cr_expect_eq(n_got, 0, "got %d: %s", n_got, n_got ? got[0].text : "");
    /* And the volatility survived it: a 10-sigma bar is still critical. */
    shock_bar(day(0), AFTER_OPEN + 60, price, 0.010);
    cr_expect_eq(count(SW_CAND_FIRE, SW_SEV_CRITICAL), 1);
}

Test(zscore, trades_outside_the_session_are_ignored_by_default)
{
    sw_zscore_params p = defaults();
    build(&p);
    double price = 100;
    int sign = 1;
    calm(day(0), AFTER_OPEN, AFTER_OPEN + 40, &price, &sign);
    /* 16:30 and 17:00 prints 3% away: post-market, ignored. */
    px(price * 0.97, sw_ny_to_utc(day(0), 16, 30, 0));
    px(price * 0.97, sw_ny_to_utc(day(0), 17, 0, 0));
    cr_expect_eq(n_got, 0);
}

/* xorshift64* and Box-Muller: a reproducible normal stream. */
static uint64_t rng = 0x9E3779B97F4A7C15u;
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

Test(zscore, calm_random_walk_fires_nothing)
{
    sw_zscore_params p = defaults();
    build(&p);
    rng = 0x9E3779B97F4A7C15u;
    double price = 50;
    /* Five sessions, four trades a minute, each a N(0, 0.05%) step: one
     * minute is N(0, 0.1%), twice the min_vol floor. */
    for (int dd = 0; dd < 5; dd++) {
        for (int i = 0; i < (dd == 4 ? 389 : 390); i++)
            for (int k = 0; k < 4; k++) {
                price *= exp(0.0005 * normal());
                px(price, minute(day(dd), i) + (5 + 15 * k) * SW_NS_PER_SEC);
            }
    }
    cr_expect_eq(eng.stats.ticks, (5 * 390 - 1) * 4);
    cr_expect_eq(n_got, 0, "got %d, first: %s", n_got, n_got ? got[0].text : "");
    /* Not silent, though: a 1.5% bar after the walk (about 15 of its minutes'
     * sigma) is critical. */
    double ref = price;
    shock_bar(day(4), 389, ref, -0.015);
    cr_expect_eq(count(SW_CAND_FIRE, SW_SEV_CRITICAL), 1, "got %d", n_got);
}

Test(zscore, rolling_method_scores_against_the_window)
{
    sw_zscore_params p = defaults();
    p.method = SW_VOL_ROLLING;
    p.window = 30;
    build(&p);
    double price = 100;
    int sign = 1;
    calm(day(0), AFTER_OPEN, AFTER_OPEN + 40, &price, &sign);
    cr_assert_eq(n_got, 0);
    /* 30 alternating returns of +-0.001 have mean 0 and sample standard
     * deviation 0.001 * sqrt(30/29) = 0.0010171: -1% is z = -9.83. */
    double ref = price;
    shock_bar(day(0), AFTER_OPEN + 40, ref, -0.010);
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].severity, SW_SEV_CRITICAL);
    cr_expect(fabs(got[0].zscore - -0.010 / (0.001 * sqrt(30.0 / 29.0))) < 1e-6, "z %.6f",
              got[0].zscore);
}

Test(zscore, min_vol_floor_protects_a_quiet_name)
{
    sw_zscore_params p = defaults();
    build(&p);
    double price = 100;
    /* Bars alternating +-0.0001 (a tenth of the floor): a 0.3% bar would be
     * z 30 against the raw estimate, but is 6 against the 0.05% floor:
     * a warning, not a critical. */
    for (int i = AFTER_OPEN; i < AFTER_OPEN + 40; i++) {
        price *= exp(i % 2 ? 0.0001 : -0.0001);
        px(price, minute(day(0), i) + 10 * SW_NS_PER_SEC);
        px(price, minute(day(0), i) + 40 * SW_NS_PER_SEC);
    }
    shock_bar(day(0), AFTER_OPEN + 40, price, 0.003);
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect(fabs(got[0].zscore - 6.0) < 1e-6, "z %.6f", got[0].zscore);
}

Test(zscore, daily_bars_score_close_to_close_across_sessions)
{
    sw_zscore_params p = defaults();
    p.bar_ns = SW_NS_PER_DAY;
    build(&p);
    /* 40 sessions alternating +-1% close to close (two trades a day), then a
     * -10% day: z = ln(0.9) / 0.01 = -10.5, critical.  With intraday bars
     * every one of these returns would be an overnight gap; with daily bars
     * they are the series.  Weekends are skipped, not counted as bars. */
    double price = 100;
    int64_t d = sw_days_from_civil(2025, 1, 6); /* a Monday */
    int sign = 1;
    for (int n = 0; n < 42; d++) {
        int wd = sw_weekday(d);
        if (wd == 0 || wd == 6)
            continue;
        price *= exp(0.01 * sign);
        sign = -sign;
        px(price, sw_ny_to_utc(d, 9, 30, 0));
        px(price, sw_ny_to_utc(d, 16, 0, 0));
        n++;
    }
    cr_assert_eq(n_got, 0);
    while (sw_weekday(d) == 0 || sw_weekday(d) == 6)
        d++;
    double ref = price;
    px(ref * 0.9, sw_ny_to_utc(d, 9, 30, 0));
    px(ref * 0.9, sw_ny_to_utc(d, 11, 0, 0));
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].severity, SW_SEV_CRITICAL);
    cr_expect(fabs(got[0].zscore - log(0.9) / 0.01) < 1e-6, "z %.6f", got[0].zscore);
}
