/* Tests of strategies/sw_market with plain numbers: market-wide circuit
 * breaker levels 1-3 on the index (or its proxy, named as one), critical,
 * once per level per day, the 15-minute halt before 15:25 (12:25 on an early
 * close) and none after, level 3 halts for the day, confirmation against a
 * bad print, regular session only, the index alone fires; and end to end,
 * `shockd --replay` of a recording. */
#include "sw_test_ops.h" /* first: it asks for _DEFAULT_SOURCE */
#include "sw_calendar.h"
#include "sw_market.h"
#include "sw_test_engine.h"

#include <math.h>

TestSuite(market, .fini = teardown);

static sw_market_params P;
static const char *const syms[] = { "SPY", "NVDA" };

/* Day 0 closes SPY at 100 and NVDA at 100. */
static void setup_mkt(void)
{
    sw_detector_find("market")->defaults(&P);
    build_detector_syms("market", &P, syms, 2);
    trade("SPY", 100, 100, minute(day(0), 390));
    trade("NVDA", 100, 100, minute(day(0), 390));
}

/* n trades of sym at price, one second apart from minute m of day d. */
static void run(const char *sym, double price, int64_t d, int m, int n)
{
    for (int i = 0; i < n; i++)
        trade(sym, price, 100, minute(d, m) + i * SW_NS_PER_SEC);
}

Test(market, level_1_is_critical_and_halts_15_minutes_before_15_25)
{
    setup_mkt();
    run("SPY", 92.9, day(1), 30, 3); /* 10:00, -7.1% */
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].severity, SW_SEV_CRITICAL);
    cr_expect_eq(got[0].direction, -1);
    cr_expect_eq(got[0].reference, 100);
    cr_expect_str_eq(got[0].window, "prev_close");
    cr_expect_eq(got[0].magnitude, 1);
    cr_expect_str_eq(got[0].text, "market-wide circuit breaker level 1 (-7%): SPY (S&P 500 proxy) -7.10% vs previous "
                                  "close 100.00; trading halts for 15 minutes");
    run("SPY", 93.5, day(1), 60, 3);
    run("SPY", 92.5, day(1), 90, 3);
    cr_expect_eq(n_got, 1, "once per level per day");
}

Test(market, after_15_25_no_halt_and_level_3_halts_the_day)
{
    setup_mkt();
    run("SPY", 86.5, day(1), 356, 3); /* 15:26, -13.5%: level 2 straight away */
    cr_assert_eq(n_got, 1, "a jump past level 1 reports level 2 alone");
    cr_expect_str_eq(got[0].text, "market-wide circuit breaker level 2 (-13%): SPY (S&P 500 proxy) -13.50% vs "
                                  "previous close 100.00; no halt at or after 15:25");
    cr_expect_eq(got[0].magnitude, 2);
    run("SPY", 79.9, day(1), 358, 3);
    cr_assert_eq(n_got, 2);
    cr_expect_str_eq(got[1].text, "market-wide circuit breaker level 3 (-20%): SPY (S&P 500 proxy) -20.10% vs "
                                  "previous close 100.00; trading halts for the day");
}

Test(market, a_bad_print_confirms_nothing_and_only_the_session_counts)
{
    setup_mkt();
    trade("SPY", 70, 100, sw_ny_to_utc(day(1), 8, 0, 0)); /* pre-market, -30% */
    trade("SPY", 70, 100, sw_ny_to_utc(day(1), 8, 0, 1));
    trade("SPY", 70, 100, sw_ny_to_utc(day(1), 8, 0, 2));
    cr_expect_eq(n_got, 0, "the rule applies from the open");
    run("SPY", 99, day(1), 10, 2);
    run("SPY", 75, day(1), 11, 1); /* one print at -25% */
    run("SPY", 99, day(1), 12, 1);
    cr_expect_eq(n_got, 0, "one print confirms nothing");
    run("SPY", 75, day(1), 13, 1); /* the bad print again, then a real -8% */
    run("SPY", 92, day(1), 14, 2);
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].magnitude, 1, "level 1: the deepest level every trade of the run reached, not 3");
    run("NVDA", 60, day(1), 20, 5);
    cr_expect_eq(n_got, 1, "a member's fall is not the market's");
}

Test(market, a_new_day_re_arms_the_levels)
{
    setup_mkt();
    run("SPY", 92, day(1), 30, 3);
    run("SPY", 92, day(1), 390, 1);
    cr_assert_eq(n_got, 1);
    run("SPY", 85, day(2), 30, 3); /* -7.6% vs 92 */
    cr_assert_eq(n_got, 3);
    cr_expect_eq(got[1].kind, SW_CAND_CLEAR);
    cr_expect_str_eq(got[1].window, "session");
    cr_expect_eq(got[2].kind, SW_CAND_FIRE);
    cr_expect_eq(got[2].magnitude, 1);
}

Test(market, an_early_close_moves_the_cut_off_to_12_25)
{
    sw_calendar cal;
    sw_calendar_init(&cal);
    cr_assert_eq(sw_calendar_add_early_close(&cal, day(1), 13 * 3600), 0);
    setup_mkt();
    eng.calendar = &cal;
    run("SPY", 92, day(1), 176, 3); /* 12:26 */
    cr_assert_eq(n_got, 1);
    cr_expect(strstr(got[0].text, "; no halt at or after 12:25") != NULL, "%s", got[0].text);
}

Test(market, documented_defaults_are_the_defaults)
{
    expect_documented_defaults("market", 5);
}

/* ---- end to end ------------------------------------------------------------ */

Test(market, shockd_replay_alerts_level_1_on_the_proxy, .init = ops_setup, .fini = ops_teardown)
{
    FILE *f = fopen(ops_path("rec.ndjson"), "w");
    cr_assert_not_null(f);
    /* SPY closes at 600 on Friday 2025-01-24 and trades at 555 (-7.5%) from
     * 10:00 New York on Monday; NVDA falls 20% and is only a member. */
    ops_trade(f, "SPY", 600, ops_utc_ms(2025, 1, 24, 21, 0, 0, 0));
    ops_trade(f, "NVDA", 140, ops_utc_ms(2025, 1, 24, 21, 0, 0, 0));
    for (int i = 0; i < 3; i++) {
        ops_trade(f, "SPY", 555, ops_utc_ms(2025, 1, 27, 15, 0, i, 0));
        ops_trade(f, "NVDA", 112, ops_utc_ms(2025, 1, 27, 15, 0, i, 500));
    }
    fclose(f);
    char *out;
    cr_assert_eq(ops_replay_rec("{\"ai\": [\"NVDA\"], \"market\": [\"SPY\"]}",
                                "[{\"type\": \"market\", \"index\": \"SPY\"}]", &out),
                 0, "%s", out);
    cr_expect_eq(sw_test_count(out, "\n"), 1, "%s", out);
    cr_expect(strstr(out, "\"ts\":\"2025-01-27T15:00:02.000Z\",\"symbol\":\"SPY\",\"group\":null,\"detector\":\"market\","
                          "\"severity\":\"critical\",\"price\":555,\"reference\":600,\"change_pct\":-7.5,"
                          "\"zscore\":null,\"window\":\"prev_close\",\"direction\":\"down\",\"resolved\":false,"
                          "\"session\":\"regular\",\"message\":\"market-wide circuit breaker level 1 (-7%): SPY (S&P "
                          "500 proxy) -7.50% vs previous close 600.00; trading halts for 15 minutes\"}") != NULL,
              "%s", out);
    free(out);
}
