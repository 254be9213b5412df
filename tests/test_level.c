/* Tests of strategies/sw_level with plain numbers: crossings confirmed
 * against bad prints, once per crossing and re-armed by rearm_pct, severity
 * per level, no crossing without an earlier price, a gap between sessions
 * (also across a restart), splits; and end to end, `shockd --replay` of a
 * recording that crosses a level. */
#include "sw_test_ops.h" /* first: it asks for _DEFAULT_SOURCE */
#include "sw_level.h"
#include "sw_test_engine.h"

#include <math.h>

TestSuite(level, .fini = teardown);

static sw_level_params P;

/* Levels of XYZ: "below" 100 (warning) and 90 (critical), "above" 120. */
static void setup_levels(void)
{
    sw_detector_find("level")->defaults(&P);
    const struct { double price; int dir, sev; } lv[] = {
        { 100, -1, SW_SEV_WARNING }, { 90, -1, SW_SEV_CRITICAL }, { 120, 1, SW_SEV_WARNING },
    };
    for (size_t i = 0; i < 3; i++) {
        snprintf(P.lv[i].symbol, sizeof P.lv[i].symbol, "XYZ");
        P.lv[i].price = lv[i].price;
        P.lv[i].dir = lv[i].dir;
        P.lv[i].severity = lv[i].sev;
    }
    P.n = 3;
    build_detector("level", &P);
}

/* Trades of XYZ at the given prices, one second apart from minute m of day d. */
static void prints(int64_t d, int m, const double *px_, size_t n)
{
    for (size_t i = 0; i < n; i++)
        px(px_[i], minute(d, m) + (int64_t)i * SW_NS_PER_SEC);
}

Test(level, a_crossing_needs_three_trades_and_alerts_once)
{
    setup_levels();
    const double a[] = { 101, 99.5, 101 }; /* one print below: a bad print, no crossing */
    prints(day(0), 10, a, 3);
    cr_expect_eq(n_got, 0);
    const double b[] = { 99.9, 99.8, 99.7, 99.5, 99.0 };
    prints(day(0), 20, b, 5);
    cr_assert_eq(n_got, 1, "one alert for one crossing, on its third trade");
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_eq(got[0].direction, -1);
    cr_expect_eq(got[0].reference, 100);
    cr_expect_float_eq(got[0].change_pct, -0.3, 1e-9);
    cr_expect_eq(got[0].ts_ns, minute(day(0), 20) + 2 * SW_NS_PER_SEC);
    cr_expect_str_eq(got[0].text, "XYZ crossed below 100 (price 99.7)");
    cr_expect_eq(got[0].magnitude, 1);
}

Test(level, it_re_arms_only_beyond_rearm_pct)
{
    setup_levels();
    const double down[] = { 101, 99, 99, 99 };
    prints(day(0), 10, down, 4);
    cr_assert_eq(n_got, 1);
    /* Back above 100 but not above 100.5: still spent, no second alert. */
    const double wobble[] = { 100.4, 100.4, 99, 99, 99 };
    prints(day(0), 20, wobble, 5);
    cr_expect_eq(n_got, 1, "no re-arm inside rearm_pct");
    const double back[] = { 100.6 };
    prints(day(0), 30, back, 1);
    cr_assert_eq(n_got, 2, "re-armed beyond 100.5");
    cr_expect_eq(got[1].kind, SW_CAND_CLEAR);
    cr_expect_str_eq(got[1].text, "XYZ back above 100.5 (100.6): level below 100 re-armed");
    prints(day(0), 40, down + 1, 3);
    cr_expect_eq(n_got, 3, "the next crossing alerts again");
    cr_expect_eq(got[2].kind, SW_CAND_FIRE);
}

Test(level, each_level_its_severity_and_direction)
{
    setup_levels();
    const double fall[] = { 105, 95, 95, 95, 89, 89, 89 };
    prints(day(0), 10, fall, 7);
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_eq(got[1].severity, SW_SEV_CRITICAL);
    cr_expect_eq(got[1].reference, 90);
    cr_expect_eq(got[1].magnitude, 2, "two levels crossed down: a deeper level passes the policy");
    const double rise[] = { 125, 125, 125 };
    prints(day(0), 20, rise, 3);
    cr_assert_eq(n_got, 5, "two re-arms below, then 120 crossed up");
    cr_expect_eq(got[2].kind, SW_CAND_CLEAR);
    cr_expect_eq(got[3].kind, SW_CAND_CLEAR);
    cr_expect_eq(got[4].direction, 1);
    cr_expect_str_eq(got[4].text, "XYZ crossed above 120 (price 125)");
}

Test(level, nothing_crosses_before_an_earlier_price)
{
    setup_levels();
    const double below[] = { 95, 94, 93, 92 };
    prints(day(0), 10, below, 4);
    cr_expect_eq(n_got, 0, "the first price says where we are; 100 was not crossed");
    const double up[] = { 101 };
    prints(day(0), 20, up, 1);
    cr_expect_eq(n_got, 0, "re-armed, but nothing had alerted: no clear");
    prints(day(0), 30, below, 3);
    cr_expect_eq(n_got, 1);
}

Test(level, a_gap_between_sessions_is_a_crossing_and_says_so)
{
    setup_levels();
    const double fri[] = { 104, 103 };
    prints(day(0), 380, fri, 2);
    const double mon[] = { 97, 97.5, 98 };
    prints(day(1), 0, mon, 3);
    cr_assert_eq(n_got, 1);
    cr_expect_str_eq(got[0].text, "XYZ gapped below 100 (price 98, previous session's last 103)");
    cr_expect_eq(got[0].ts_ns, minute(day(1), 0) + 2 * SW_NS_PER_SEC);
}

Test(level, a_split_divides_the_levels)
{
    setup_levels();
    const double pre[] = { 1010, 1005 };
    prints(day(0), 10, pre, 2);
    /* 10:1: 1005 becomes 100.5, the levels 10, 9 and 12 -- not a crossing of 100. */
    cr_assert_eq(sw_engine_split(&eng, "XYZ", minute(day(1), 0), 10), 0);
    const double post[] = { 100.4, 100.2, 100.1, 9.9, 9.9, 9.9 };
    prints(day(1), 0, post, 6);
    cr_assert_eq(n_got, 1, "the split is no move; 10 (100 / 10) is crossed once");
    cr_expect_eq(got[0].reference, 10);
    cr_expect_str_eq(got[0].text, "XYZ crossed below 10 (price 9.9)");
}

Test(level, the_previous_price_survives_a_restart)
{
    setup_levels();
    const double fri[] = { 104, 103 };
    prints(day(0), 380, fri, 2);
    const sw_detector *d = &eng.dets[0];
    const sw_symbol *s = sw_engine_symbol(&eng, "XYZ");
    double v[SW_DET_STATE_MAX];
    size_t n = d->type->save_state(d, s->state + d->state_off, v, SW_DET_STATE_MAX);
    cr_assert_eq(n, 2);
    int64_t saved_day = s->day;
    teardown();
    setup_levels(); /* a restart: a new engine, the numbers restored */
    sw_symbol *ns = sw_engine_symbol(&eng, "XYZ");
    ns->day = saved_day; /* as sw_state_apply restores the session */
    cr_assert_eq(eng.dets[0].type->restore_state(&eng.dets[0], ns->state + eng.dets[0].state_off, v, n), 0);
    const double mon[] = { 97, 97, 97 };
    prints(day(1), 0, mon, 3);
    cr_assert_eq(n_got, 1, "the gap is seen across the restart");
    cr_expect_str_eq(got[0].text, "XYZ gapped below 100 (price 97, previous session's last 103)");
    cr_expect_eq(eng.dets[0].type->restore_state(&eng.dets[0], ns->state + eng.dets[0].state_off, v, 1), -1,
                 "another shape of numbers is refused");
}

Test(level, documented_defaults_are_the_defaults)
{
    sw_config cfg;
    load_documented_defaults_with("level", 4, ", \"levels\": {\"XYZ\": {\"below\": [1]}}", &cfg);
    sw_level_params want, *have = cfg.detectors[0].params;
    sw_detector_find("level")->defaults(&want);
    cr_expect_eq(have->rearm_pct, want.rearm_pct);
    cr_expect_eq(have->confirm_ticks, want.confirm_ticks);
    cr_expect_eq(have->confirm_ns, want.confirm_ns);
    cr_expect_eq(have->n, 1);
    sw_config_free(&cfg);
}

/* ---- end to end ------------------------------------------------------------ */

Test(level, shockd_replay_alerts_a_crossing_with_its_session, .init = ops_setup, .fini = ops_teardown)
{
    FILE *f = fopen(ops_path("rec.ndjson"), "w");
    cr_assert_not_null(f);
    /* Friday 2025-01-24 closes at 142.62; Monday trades 08:00 New York
     * (pre-market) at 124.80, three times: a gap below 130 before the open;
     * then 119.90 at 10:00, three times: below 120, critical. */
    ops_trade(f, "NVDA", 142.62, ops_utc_ms(2025, 1, 24, 21, 0, 0, 0));
    for (int i = 0; i < 3; i++)
        ops_trade(f, "NVDA", 124.80, ops_utc_ms(2025, 1, 27, 13, 0, i, 0));
    for (int i = 0; i < 3; i++)
        ops_trade(f, "NVDA", 119.90, ops_utc_ms(2025, 1, 27, 15, 0, i, 0));
    fclose(f);
    char *out;
    cr_assert_eq(ops_replay_rec("{\"ai\": [\"NVDA\"]}",
                                "[{\"type\": \"level\", \"levels\": {\"NVDA\": {\"below\": [130, "
                                "{\"price\": 120, \"severity\": \"critical\"}]}}}]",
                                &out),
                 0, "%s", out);
    cr_expect_eq(sw_test_count(out, "\n"), 2, "%s", out);
    cr_expect(strstr(out, "\"ts\":\"2025-01-27T13:00:02.000Z\",\"symbol\":\"NVDA\",\"group\":null,\"detector\":\"level\","
                          "\"severity\":\"warning\",\"price\":124.8,\"reference\":130,\"change_pct\":-4,\"zscore\":null,"
                          "\"window\":\"level\",\"direction\":\"down\",\"resolved\":false,\"session\":\"pre\","
                          "\"message\":\"NVDA gapped below 130 (price 124.8, previous session's last 142.62) "
                          "(pre-market)\"}") != NULL, "%s", out);
    cr_expect(strstr(out, "\"severity\":\"critical\",\"price\":119.9,\"reference\":120,") != NULL, "%s", out);
    cr_expect(strstr(out, "\"session\":\"regular\",\"message\":\"NVDA crossed below 120 (price 119.9)\"") != NULL,
              "%s", out);
    free(out);
}
