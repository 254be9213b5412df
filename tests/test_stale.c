/* Tests of strategies/sw_stale with plain numbers: silence inside the session
 * fires once and clears on the next trade; nights, weekends, holidays, the
 * first minutes after the open and the time after an (early) close never fire;
 * 24x7 symbols are watched around the clock. */
#include "sw_calendar.h"
#include "sw_calendar_file.h"
#include "sw_config.h"
#include "sw_engine.h"
#include "sw_stale.h"
#include "sw_test_calendar.h"
#include "sw_test_candidates.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static sw_engine eng;
static sw_calendar cal;

static int64_t ny(int y, int m, int d, int h, int mi, int s)
{
    return sw_ny_to_utc(sw_days_from_civil(y, m, d), h, mi, s);
}

static sw_stale_params defaults(void)
{
    sw_stale_params p;
    sw_detector_find("stale")->defaults(&p);
    return p;
}

/* Watchlist: NVDA and AMD (exchange), BTC-USD (crypto, when listed as 24x7). */
static void build(const sw_stale_params *p, const sw_calendar *c)
{
    static const char *const ai[] = { "NVDA", "AMD" };
    static const char *const crypto[] = { "BTC-USD" };
    sw_group_spec g[] = { { "ai", ai, 2 }, { "crypto", crypto, 1 } };
    sw_detector_spec d = { sw_detector_find("stale"), p };
    char err[128];
    n_got = 0;
    cr_assert_eq(sw_engine_init(&eng, g, 2, &d, 1, collect, NULL, err, sizeof err), 0, "%s", err);
    eng.calendar = c;
}

static void setup(void)
{
    sw_test_nyse_calendar(&cal);
}

static void teardown(void)
{
    sw_engine_free(&eng);
}

TestSuite(stale, .init = setup, .fini = teardown);

static void trade_f(const char *sym, int64_t ts, uint32_t flags)
{
    cr_assert_eq(sw_test_trade(&eng, sym, 100, ts, flags), SW_TICK_OK);
}

static void trade(const char *sym, int64_t ts)
{
    trade_f(sym, ts, 0);
}

/* Move event time from `from` to `to` in steps of `step` seconds, as a feed's
 * clock would. */
static void run_clock(int64_t from, int64_t to, int step)
{
    for (int64_t t = from; t <= to; t += step * SW_NS_PER_SEC)
        sw_engine_advance(&eng, t);
    sw_engine_advance(&eng, to);
}

Test(stale, silence_mid_session_fires_once_and_clears_on_the_next_trade)
{
    sw_stale_params p = defaults();
    build(&p, &cal);
    int64_t t0 = ny(2025, 1, 27, 10, 0, 0);
    trade("NVDA", t0);
    /* AMD keeps trading every second: only NVDA goes quiet. */
    for (int i = 0; i <= 119; i++)
        trade("AMD", t0 + i * SW_NS_PER_SEC);
    cr_expect_eq(n_got, 0, "119 s of silence is not yet stale");
    for (int i = 120; i <= 190; i++)
        trade("AMD", t0 + i * SW_NS_PER_SEC);
    cr_assert_eq(n_got, 1, "one FIRE, not one per second");
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_str_eq(got[0].symbol, "NVDA");
    cr_expect_str_eq(got[0].detector, "stale");
    cr_expect_eq(got[0].direction, 0);
    cr_expect(isnan(got[0].change_pct));
    cr_expect(isnan(got[0].reference));
    cr_expect_str_eq(got[0].window, "120s");
    cr_expect_eq(got[0].ts_ns, t0 + 120 * SW_NS_PER_SEC);
    cr_expect_str_eq(got[0].text, "NVDA: no trade for 2m 0s during the session");
    trade("NVDA", t0 + 190 * SW_NS_PER_SEC);
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].kind, SW_CAND_CLEAR);
    cr_expect_str_eq(got[1].symbol, "NVDA");
    cr_expect_eq(got[1].direction, 0);
    cr_expect_str_eq(got[1].text, "NVDA: trading again after 3m 10s without a trade");
    /* Re-armed: another silence fires again. */
    run_clock(t0 + 191 * SW_NS_PER_SEC, t0 + 400 * SW_NS_PER_SEC, 1);
    cr_expect_eq(n_got, 4, "NVDA again, and AMD which stopped at +190s");
}

Test(stale, the_text_says_how_long_when_the_clock_is_coarse)
{
    sw_stale_params p = defaults();
    build(&p, &cal);
    int64_t t0 = ny(2025, 1, 27, 11, 0, 0);
    trade("NVDA", t0);
    sw_engine_advance(&eng, t0 + 60 * SW_NS_PER_SEC);
    sw_engine_advance(&eng, t0 + 125 * SW_NS_PER_SEC);
    cr_assert_eq(n_got, 1);
    cr_expect_str_eq(got[0].text, "NVDA: no trade for 2m 5s during the session");
}

Test(stale, never_at_night_and_not_before_after_has_passed_since_the_open)
{
    sw_stale_params p = defaults();
    build(&p, &cal);
    trade("NVDA", ny(2025, 1, 27, 15, 59, 0));
    run_clock(ny(2025, 1, 27, 15, 59, 0), ny(2025, 1, 28, 9, 31, 59), 1);
    cr_expect_eq(n_got, 0, "16:00 to 09:31:59 next morning: closed, then the first 2 minutes");
    sw_engine_advance(&eng, ny(2025, 1, 28, 9, 32, 0));
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].ts_ns, ny(2025, 1, 28, 9, 32, 0));
    cr_expect_str_eq(got[0].text, "NVDA: no trade for 2m 0s during the session",
                     "silence is counted from the open, not from yesterday's trade");
}

Test(stale, never_on_a_weekend_or_a_holiday)
{
    sw_stale_params p = defaults();
    build(&p, &cal);
    /* Wednesday 2025-01-08, then the day of mourning, then Friday. */
    trade("NVDA", ny(2025, 1, 8, 15, 59, 30));
    run_clock(ny(2025, 1, 8, 15, 59, 30), ny(2025, 1, 10, 9, 31, 59), 1);
    cr_expect_eq(n_got, 0, "2025-01-09: NYSE closed");
    sw_engine_advance(&eng, ny(2025, 1, 10, 9, 32, 0));
    cr_expect_eq(n_got, 1);
    n_got = 0;
    trade("NVDA", ny(2025, 1, 24, 15, 59, 0));
    run_clock(ny(2025, 1, 24, 15, 59, 0), ny(2025, 1, 27, 9, 31, 0), 7);
    cr_assert_eq(n_got, 1, "only the CLEAR of the 2025-01-10 alert: nothing over the weekend");
    cr_expect_eq(got[0].kind, SW_CAND_CLEAR);
    /* Control: on Monday the same silence fires. */
    trade("NVDA", ny(2025, 1, 27, 9, 31, 30));
    sw_engine_advance(&eng, ny(2025, 1, 27, 9, 33, 30));
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].kind, SW_CAND_FIRE);
}

Test(stale, never_after_an_early_close)
{
    sw_stale_params p = defaults();
    build(&p, &cal);
    /* Black Friday 2025 closes at 13:00. */
    trade("NVDA", ny(2025, 11, 28, 12, 59, 0));
    run_clock(ny(2025, 11, 28, 12, 59, 0), ny(2025, 11, 28, 16, 30, 0), 1);
    cr_expect_eq(n_got, 0, "the market closed at 13:00");
    sw_engine_free(&eng);
    /* Control: without the calendar 13:01 is mid-session. */
    build(&p, NULL);
    trade("NVDA", ny(2025, 11, 28, 12, 59, 0));
    run_clock(ny(2025, 11, 28, 12, 59, 0), ny(2025, 11, 28, 13, 5, 0), 1);
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].ts_ns, ny(2025, 11, 28, 13, 1, 0));
    sw_engine_free(&eng);
    /* Before the early close it does fire. */
    build(&p, &cal);
    trade("NVDA", ny(2025, 11, 28, 12, 57, 0));
    run_clock(ny(2025, 11, 28, 12, 57, 0), ny(2025, 11, 28, 13, 30, 0), 1);
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].ts_ns, ny(2025, 11, 28, 12, 59, 0));
}

Test(stale, symbols_that_never_traded_and_price_only_updates)
{
    sw_stale_params p = defaults();
    build(&p, &cal);
    trade("NVDA", ny(2025, 1, 27, 10, 0, 0));
    /* AMD never trades; NVDA only gets price updates after its trade. */
    for (int i = 1; i <= 200; i++)
        trade_f("NVDA", ny(2025, 1, 27, 10, 0, 0) + i * SW_NS_PER_SEC, SW_TICK_PRICE_ONLY);
    cr_assert_eq(n_got, 1, "NVDA only");
    cr_expect_str_eq(got[0].symbol, "NVDA");
}

Test(stale, always_open_symbols_are_watched_around_the_clock)
{
    sw_stale_params p = defaults();
    p.always_open.n = 1;
    strcpy(p.always_open.name[0], "BTC-USD");
    build(&p, &cal);
    /* Saturday night. */
    trade("BTC-USD", ny(2025, 1, 25, 3, 0, 0));
    trade("NVDA", ny(2025, 1, 25, 3, 0, 0));
    run_clock(ny(2025, 1, 25, 3, 0, 0), ny(2025, 1, 25, 3, 5, 0), 1);
    cr_assert_eq(n_got, 1);
    cr_expect_str_eq(got[0].symbol, "BTC-USD");
    cr_expect_eq(got[0].ts_ns, ny(2025, 1, 25, 3, 2, 0));
    cr_expect_str_eq(got[0].text, "BTC-USD: no trade for 2m 0s (trades around the clock)");
    /* Across midnight the silence is not reset. */
    trade("BTC-USD", ny(2025, 1, 25, 23, 59, 0));
    run_clock(ny(2025, 1, 25, 23, 59, 0), ny(2025, 1, 26, 0, 1, 0), 1);
    cr_assert_eq(n_got, 3);
    cr_expect_eq(got[2].kind, SW_CAND_FIRE);
    cr_expect_eq(got[2].ts_ns, ny(2025, 1, 26, 0, 1, 0));
}

Test(stale, bar_replays_are_not_silence)
{
    sw_stale_params p = defaults();
    build(&p, &cal);
    for (int i = 0; i < 6; i++)
        trade_f("NVDA", ny(2025, 1, 27, 10, 0, 0) + i * 5 * SW_NS_PER_MIN, SW_TICK_SYNTH_BAR);
    cr_expect_eq(n_got, 0, "5-minute bars are 5 minutes apart by construction");
}

Test(stale, config_options)
{
    sw_config cfg;
    sw_diag diag = { 0 };
    const char *json = "{\"groups\": {\"ai\": [\"NVDA\"], \"crypto\": [\"BTC-USD\", \"ETH-USD\"]},\n"
                       " \"detectors\": [{\"type\": \"stale\", \"after\": \"90s\", \"always_open\": [\"BTC-USD\", \"ETH-USD\"]},\n"
                       "               {\"type\": \"stale\"}]}";
    cr_assert_eq(sw_config_parse(&cfg, json, strlen(json), "t.json", &diag), 0);
    const sw_stale_params *p = cfg.detectors[0].params;
    cr_expect_eq(p->after_ns, 90 * SW_NS_PER_SEC);
    cr_expect_eq(p->always_open.n, 2);
    cr_expect_str_eq(p->always_open.name[1], "ETH-USD");
    const sw_stale_params *q = cfg.detectors[1].params;
    cr_expect_eq(q->after_ns, 120 * SW_NS_PER_SEC, "documented default 120s");
    cr_expect_eq(q->always_open.n, 0);
    sw_config_free(&cfg);
    json = "{\"groups\": {\"ai\": [\"NVDA\"]},\n"
           " \"detectors\": [{\"type\": \"stale\", \"after\": \"0s\", \"always_open\": [\"DOGE-USD\", 3, \"NVDA\", \"NVDA\"]}]}";
    cr_assert_neq(sw_config_parse(&cfg, json, strlen(json), "t.json", &diag), 0);
    const char *want[] = {
        "t.json: detectors[0].after: 0s is out of range (a duration from 1s to 1d)",
        "t.json: detectors[0].always_open[0]: \"DOGE-USD\" is not in any group (a symbol of the watchlist)",
        "t.json: detectors[0].always_open[1]: is a number (a symbol such as \"BTC-USD\")",
        "t.json: detectors[0].always_open[3]: \"NVDA\" is listed twice (each name once)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int found = 0;
        for (size_t k = 0; k < diag.n; k++)
            found |= strcmp(diag.lines[k], want[i]) == 0;
        cr_expect(found, "missing diagnostic: %s", want[i]);
    }
    cr_expect_eq(diag.n, 4);
    sw_diag_free(&diag);
}

/* Many symbols: each fires at the first clock step where its own silence
 * reaches `after`, whatever order they traded in, and those firing in one
 * step come in watchlist order; a symbol that kept trading never fires (the
 * clock finds it by its last trade, not the one it was first queued with). */
Test(stale, many_symbols_fire_in_watchlist_order_at_their_own_time)
{
    enum { N = 300 };
    static char names[N][8];
    static const char *ptrs[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "S%03d", i);
        ptrs[i] = names[i];
    }
    sw_group_spec g = { "all", ptrs, N };
    sw_stale_params p = defaults();
    sw_detector_spec d = { sw_detector_find("stale"), &p };
    char err[128];
    n_got = 0;
    cr_assert_eq(sw_engine_init(&eng, &g, 1, &d, 1, collect, NULL, err, sizeof err), 0, "%s", err);
    eng.calendar = &cal;
    int64_t t0 = ny(2025, 1, 27, 11, 0, 0);
    /* Back to front, every symbol once at t0; S000 then trades every 10 s
     * for the next 5 minutes, S001 once more at +60 s. */
    for (int i = N - 1; i >= 0; i--)
        trade(names[i], t0);
    for (int k = 1; k <= 300; k++) {
        int64_t t = t0 + k * SW_NS_PER_SEC;
        if (k % 10 == 0)
            trade("S000", t);
        if (k == 60)
            trade("S001", t);
        sw_engine_advance(&eng, t);
    }
    /* The 298 symbols silent since t0 fire together at t0 + 120 s. */
    cr_assert_eq(n_got, 64, "the collector keeps 64: the first 64 of the step");
    for (int k = 0; k < 64; k++) {
        cr_expect_eq(got[k].kind, SW_CAND_FIRE);
        cr_expect_eq(got[k].ts_ns, t0 + 120 * SW_NS_PER_SEC);
        cr_expect_str_eq(got[k].symbol, names[k + 2], "watchlist order, S000 and S001 traded since");
    }
    cr_expect_eq(eng.stats.candidates, (uint64_t)(N - 2 + 1), "and S001 at +180 s");
    const int64_t *s001 = (const int64_t *)(const void *)sw_engine_symbol(&eng, "S001")->state;
    cr_expect_eq(s001[0], t0 + 60 * SW_NS_PER_SEC, "S001's silence counts from its last trade: %lld",
                 (long long)(s001[0] - t0));
    trade("S001", t0 + 300 * SW_NS_PER_SEC);
    cr_expect_eq(eng.stats.candidates, (uint64_t)(N - 2 + 2), "S001 clears");
}

/* A checkpoint (shockd's state.json) carries each symbol's last trade and
 * whether its silence already fired: an engine restored from it goes on as
 * the first would have -- NVDA's silence fires at the same moment (the same
 * id), AMD's, which fired before the checkpoint, does not fire again, and
 * its next trade clears it. */
Test(stale, a_checkpoint_goes_on_where_it_stopped)
{
    sw_stale_params p = defaults();
    build(&p, &cal);
    int64_t t0 = ny(2025, 1, 27, 10, 0, 0);
    trade("AMD", t0);
    trade("NVDA", t0 + 100 * SW_NS_PER_SEC);
    run_clock(t0 + 101 * SW_NS_PER_SEC, t0 + 130 * SW_NS_PER_SEC, 1);
    cr_assert_eq(n_got, 1, "AMD fired at +120 s");
    unsigned char buf[256];
    size_t n = sw_engine_save_priv(&eng, 0, buf, sizeof buf);
    cr_assert_eq(n, 3 * 9, "9 bytes for each of the 3 symbols");
    sw_engine_free(&eng);

    build(&p, &cal);
    cr_assert_eq(sw_engine_restore_priv(&eng, 0, buf, n), 0);
    cr_expect_neq(sw_engine_restore_priv(&eng, 0, buf, n - 1), 0, "a checkpoint of another watchlist");
    cr_assert_eq(sw_engine_restore_priv(&eng, 0, buf, n), 0);
    run_clock(t0 + 131 * SW_NS_PER_SEC, t0 + 240 * SW_NS_PER_SEC, 7);
    cr_assert_eq(n_got, 1, "NVDA only; AMD had fired already");
    cr_expect_str_eq(got[0].symbol, "NVDA");
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
    cr_expect_eq(got[0].ts_ns, t0 + 220 * SW_NS_PER_SEC, "stamped when the silence reached 120 s, not at the step");
    trade("AMD", t0 + 241 * SW_NS_PER_SEC);
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].kind, SW_CAND_CLEAR);
    cr_expect_str_eq(got[1].symbol, "AMD");
}

/* What the clock owes: for every 24x7 symbol (no calendar in the way) a
 * firing at the first clock step where its silence reaches `after` (stamped
 * with the moment it did: the id depends on the trades alone), and a
 * clear at its next trade -- checked against that rule written out plainly,
 * over a random walk of trades and clock steps whose gaps run from nothing to
 * hours (longer than the detector's queue spans: symbols waiting from before
 * it wait elsewhere) and back to sub-second. */
Test(stale, around_the_clock_every_symbol_fires_at_the_first_step_past_after)
{
    enum { N = SW_NAME_LIST_MAX }; /* as many as always_open takes */
    static char names[N][8];
    static const char *ptrs[N];
    sw_stale_params p = defaults();
    p.after_ns = 90 * SW_NS_PER_SEC;
    p.always_open.n = N;
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "S%03d", i);
        ptrs[i] = names[i];
        strcpy(p.always_open.name[i], names[i]);
    }
    sw_group_spec g = { "all", ptrs, N };
    sw_detector_spec d = { sw_detector_find("stale"), &p };
    char err[128];
    cr_assert_eq(sw_engine_init(&eng, &g, 1, &d, 1, collect, NULL, err, sizeof err), 0, "%s", err);
    eng.calendar = &cal;

    int64_t last[N], t = ny(2025, 1, 25, 3, 0, 0), next_clock = INT64_MIN;
    int fired[N], want = 0, total = 0;
    for (int i = 0; i < N; i++) {
        last[i] = INT64_MIN;
        fired[i] = 0;
    }
    uint64_t x = 88172645463325252u;
#define NEXT() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
    for (int step = 0; step < 20000; step++) {
        uint64_t r = NEXT() % 100;
        t += r < 2 ? (int64_t)(NEXT() % 7200) * SW_NS_PER_SEC      /* hours */
           : r < 10 ? (int64_t)(NEXT() % 3000) * SW_NS_PER_SEC / 10 /* minutes */
           : r < 20 ? 0
                    : (int64_t)(NEXT() % 3000) * SW_NS_PER_SEC / 1000;
        total += want;
        n_got = want = 0; /* each step's candidates from got[0] */
        /* The clock first (the rule: due ones in watchlist order, once per
         * clock step of the engine) ... */
        sw_engine_advance(&eng, t);
        int clock = t >= next_clock;
        if (clock)
            next_clock = t - t % eng.clock_step_ns + eng.clock_step_ns;
        for (int i = 0; i < N && clock; i++)
            if (last[i] != INT64_MIN && !fired[i] && t - last[i] >= p.after_ns) {
                cr_assert_lt(want, n_got, "step %d: %s due at %lld, not fired", step, names[i], (long long)t);
                cr_assert(got[want].kind == SW_CAND_FIRE && strcmp(got[want].symbol, names[i]) == 0 &&
                              got[want].ts_ns == last[i] + p.after_ns,
                          "step %d: candidate %d is %d for %s at %lld; the rule says %s fires at step %lld, "
                          "stamped %lld (when its silence reached after)", step, want, got[want].kind,
                          got[want].symbol, (long long)got[want].ts_ns, names[i], (long long)t,
                          (long long)(last[i] + p.after_ns));
                fired[i] = 1;
                want++;
            }
        cr_assert_eq(n_got, want, "step %d: a firing the rule does not have", step);
        /* ... then a trade now and then, most of them on a few busy symbols. */
        if (NEXT() % 3 == 0)
            continue;
        int i = NEXT() % 4 == 0 ? (int)(NEXT() % N) : (int)(NEXT() % 5);
        trade(names[i], t);
        if (fired[i]) {
            cr_assert_lt(want, n_got, "step %d: %s traded again, no clear", step, names[i]);
            cr_assert(got[want].kind == SW_CAND_CLEAR && strcmp(got[want].symbol, names[i]) == 0);
            fired[i] = 0;
            want++;
        }
        cr_assert_eq(n_got, want, "step %d: a candidate the rule does not have", step);
        last[i] = t;
    }
#undef NEXT
    total += want;
    cr_expect_gt(total, 1000, "the walk fired and cleared often (%d)", total);
}
