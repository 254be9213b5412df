/* Tests of strategies/sw_relative with plain numbers: the move against the
 * benchmark, (1 + r_sym) / (1 + r_bench) - 1, both vs their previous close
 * at the same event time; a market-wide fall is no relative move; one bad
 * print of the benchmark moves nothing; nothing without the benchmark's day;
 * levels, steps, clears, the session roll; and end to end, `shockd --replay`
 * of a recording, and `--check` refusing an unwatched benchmark. */
#include "sw_test_ops.h" /* first: it asks for _DEFAULT_SOURCE */
#include "sw_relative.h"
#include "sw_test_engine.h"

#include <math.h>

TestSuite(relative, .fini = teardown);

static sw_relative_params P;
static const char *const syms[] = { "NVDA", "SPY" };

/* Day 0 closes NVDA at 100 and SPY at 500. */
static void setup_rel(void)
{
    sw_detector_find("relative")->defaults(&P);
    build_detector_syms("relative", &P, syms, 2);
    trade("NVDA", 100, 100, minute(day(0), 390));
    trade("SPY", 500, 100, minute(day(0), 390));
}

/* n trades of sym at price, one second apart from minute m of day 1. */
static void run(const char *sym, double price, int m, int n)
{
    for (int i = 0; i < n; i++)
        trade(sym, price, 100, minute(day(1), m) + i * SW_NS_PER_SEC);
}

Test(relative, a_name_falling_while_the_market_is_flat)
{
    setup_rel();
    run("SPY", 495, 0, 1);   /* -1% */
    run("NVDA", 85, 1, 3);   /* -15%: (0.85 / 0.99 - 1) = -14.14% */
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].severity, SW_SEV_CRITICAL);
    cr_expect_eq(got[0].direction, -1);
    cr_expect_float_eq(got[0].change_pct, (0.85 / 0.99 - 1) * 100, 1e-9);
    cr_expect_eq(got[0].reference, 100);
    cr_expect_str_eq(got[0].text, "NVDA -14.14% vs SPY (NVDA -15.00%, SPY -1.00%)");
    cr_expect_eq(got[0].ts_ns, minute(day(1), 1) + 2 * SW_NS_PER_SEC);
}

Test(relative, a_market_wide_fall_is_no_relative_move)
{
    setup_rel();
    run("SPY", 450, 0, 3);   /* -10% */
    run("NVDA", 90, 1, 5);   /* -10% too */
    cr_expect_eq(n_got, 0);
    run("NVDA", 85, 2, 3);   /* -15%: 0.85 / 0.9 - 1 = -5.56% */
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_str_eq(got[0].text, "NVDA -5.56% vs SPY (NVDA -15.00%, SPY -10.00%)");
}

Test(relative, one_bad_print_of_the_benchmark_moves_nothing)
{
    setup_rel();
    run("SPY", 500, 0, 2);
    run("SPY", 400, 1, 1);   /* a bad print, -20% */
    run("NVDA", 99, 2, 5);   /* -1%: against SPY's 400 it would be +23.75% */
    cr_expect_eq(n_got, 0, "the median of SPY's last three prices is 500");
}

Test(relative, nothing_before_the_benchmark_trades_today)
{
    setup_rel();
    run("NVDA", 80, 0, 5);
    cr_expect_eq(n_got, 0, "SPY has not traded on day 1");
    run("SPY", 500, 1, 1);
    run("NVDA", 80, 2, 3);
    cr_expect_eq(n_got, 1);
}

Test(relative, steps_clear_and_the_session)
{
    setup_rel();
    run("SPY", 500, 0, 1);
    run("NVDA", 106, 1, 3);  /* +6%: warning up */
    run("NVDA", 111, 2, 3);  /* +11%: critical */
    run("NVDA", 116.5, 3, 3); /* +16.5%: an extension by more than a step of 5 */
    run("NVDA", 103, 4, 1);  /* +3%: below 4 (5 * 0.8): clear */
    cr_assert_eq(n_got, 4);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_eq(got[1].severity, SW_SEV_CRITICAL);
    cr_expect_eq(got[2].severity, SW_SEV_CRITICAL);
    cr_expect_eq(got[3].kind, SW_CAND_CLEAR);
    cr_expect_str_eq(got[3].text, "NVDA back to +3.00% vs SPY (NVDA +3.00%, SPY +0.00%)");
    run("NVDA", 106, 5, 3);
    cr_assert_eq(n_got, 5);
    trade("NVDA", 106, 100, minute(day(2), 0)); /* a new day, still raised: cleared */
    cr_assert_eq(n_got, 6);
    cr_expect_eq(got[5].kind, SW_CAND_CLEAR);
    cr_expect_str_eq(got[5].window, "session");
    cr_expect_str_eq(got[5].text, "NVDA: yesterday's up move vs SPY ends with the session");
}

Test(relative, documented_defaults_are_the_defaults)
{
    expect_documented_defaults("relative", 7);
}

/* ---- end to end ------------------------------------------------------------ */

Test(relative, shockd_replay_and_check, .init = ops_setup, .fini = ops_teardown)
{
    FILE *f = fopen(ops_path("rec.ndjson"), "w");
    cr_assert_not_null(f);
    /* Friday closes NVDA 142.62 and SPY 607.97; Monday from 10:00 New York
     * SPY trades at 599.40 (-1.41%) and NVDA falls to 118.42 (-16.97%). */
    ops_trade(f, "NVDA", 142.62, ops_utc_ms(2025, 1, 24, 21, 0, 0, 0));
    ops_trade(f, "SPY", 607.97, ops_utc_ms(2025, 1, 24, 21, 0, 0, 0));
    for (int i = 0; i < 3; i++)
        ops_trade(f, "SPY", 599.40, ops_utc_ms(2025, 1, 27, 15, 0, i, 0));
    for (int i = 0; i < 3; i++)
        ops_trade(f, "NVDA", 118.42, ops_utc_ms(2025, 1, 27, 15, 1, i, 0));
    fclose(f);
    char *out;
    cr_assert_eq(ops_replay_rec("{\"ai\": [\"NVDA\"], \"market\": [\"SPY\"]}",
                                "[{\"type\": \"relative\", \"benchmark\": \"SPY\"}]", &out),
                 0, "%s", out);
    cr_expect_eq(sw_test_count(out, "\n"), 1, "%s", out);
    cr_expect(strstr(out, "\"symbol\":\"NVDA\",\"group\":null,\"detector\":\"relative\",\"severity\":\"critical\","
                          "\"price\":118.42,\"reference\":142.62,\"change_pct\":-15.78,\"zscore\":null,"
                          "\"window\":\"prev_close\",\"direction\":\"down\",\"resolved\":false,\"session\":\"regular\","
                          "\"message\":\"NVDA -15.78% vs SPY (NVDA -16.97%, SPY -1.41%)\"}") != NULL, "%s", out);
    free(out);

    /* The benchmark must be watched: --check says where. */
    ops_write(ops_path("bad.json"), "{\"groups\": {\"ai\": [\"NVDA\"]}, \"detectors\": [{\"type\": \"relative\", "
                                    "\"benchmark\": \"SPY\"}]}");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, OPS_SHOCKD " --check -c %s", ops_path("bad.json"));
    cr_expect_eq(ops_sh(cmd, &out), 1, "%s", out);
    cr_expect(strstr(out, "bad.json: detectors[0].benchmark: \"SPY\" is not in any group (it must be watched: add it "
                          "to a group)") != NULL, "%s", out);
    free(out);
}

/* The real shape of 2025-01-27 (the bundled session, pinned to the real daily
 * bars) through the shipped production config: NVDA, AVGO and TSM fall 10%
 * or more against SPY (critical), META and MSFT, which held up, raise
 * nothing; and SPY (-1.46%) is nowhere near a circuit breaker. */
Test(relative, the_2025_01_27_session_with_the_shipped_config, .init = ops_setup, .fini = ops_teardown)
{
    char cmd[2048], *out;
    /* The shipped config with this test's state_dir (state.json) and no listener. */
    snprintf(cmd, sizeof cmd,
             "sed 's|\"state_dir\": \"[^\"]*\"|\"state_dir\": \"%s/state\"|' %s/config/shockwatch.json > %s",
             ops_dir, SW_SOURCE_DIR, ops_path("prod.json"));
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, OPS_SHOCKD " -c %s --log-level warning --replay %s/data/sessions/2025-01-27/finnhub.ndjson",
             ops_path("prod.json"), SW_SOURCE_DIR);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    static const char *const crit[] = { "NVDA", "AVGO", "TSM" };
    for (size_t i = 0; i < 3; i++) {
        char want[96];
        snprintf(want, sizeof want, "\"symbol\":\"%s\",\"group\":null,\"detector\":\"relative\",\"severity\":\"critical\"",
                 crit[i]);
        cr_expect(strstr(out, want) != NULL, "no critical relative alert for %s:\n%s", crit[i], out);
    }
    static const char *const none[] = { "META", "MSFT", "SPY" };
    for (size_t i = 0; i < 3; i++) {
        char unwanted[64];
        snprintf(unwanted, sizeof unwanted, "\"symbol\":\"%s\",\"group\":null,\"detector\":\"relative\"", none[i]);
        cr_expect(strstr(out, unwanted) == NULL, "a relative alert for %s:\n%s", none[i], out);
    }
    cr_expect(strstr(out, "\"detector\":\"market\"") == NULL, "a circuit breaker on a -1.5%% day:\n%s", out);
    free(out);
}
