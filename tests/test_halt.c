/* Tests of strategies/sw_halt with plain numbers: a halt status is a critical
 * alert naming its reason, the resumption a RESOLVE with the halt's length
 * (or a trade more than a second into the halt, when the status was missed);
 * trades near a LULD band warn once per approach and clear when back away,
 * at a halt or at the session's end; a pause is inferred from silence after
 * a move only for an active symbol, inside the session, with the move and
 * the rate it needs, never for a 24x7 symbol or a halted one, and the next
 * trade clears it; trades kept from the price by their conditions count for
 * none of this. */
#include "sw_calendar.h"
#include "sw_calendar_file.h"
#include "sw_config.h"
#include "sw_engine.h"
#include "sw_halt.h"
#include "sw_test_calendar.h"
#include "sw_test_candidates.h"
#include "sw_test_doc.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static sw_engine eng;
static sw_calendar cal;

/* Monday 2025-01-27, New York time. */
static int64_t at(int h, int mi, int s)
{
    return sw_ny_to_utc(sw_days_from_civil(2025, 1, 27), h, mi, s);
}

static sw_halt_params defaults(void)
{
    sw_halt_params p;
    sw_detector_find("halt")->defaults(&p);
    return p;
}

/* Watchlist NVDA, AMD (exchange), BTC-USD (crypto). */
static void build(const sw_halt_params *p)
{
    static const char *const ai[] = { "NVDA", "AMD", "BTC-USD" };
    sw_group_spec g = { "ai", ai, 3 };
    const sw_detector_type *t = sw_detector_find("halt");
    char err[128];
    cr_assert_eq(t->validate(p, err, sizeof err), 0, "%s", err);
    sw_detector_spec d = { t, p };
    n_got = 0;
    cr_assert_eq(sw_engine_init(&eng, &g, 1, &d, 1, collect, NULL, err, sizeof err), 0, "%s", err);
    eng.calendar = &cal;
}

static void setup(void)
{
    sw_test_nyse_calendar(&cal);
}

static void teardown(void)
{
    sw_engine_free(&eng);
}

TestSuite(halt, .init = setup, .fini = teardown);

static void trade_f(const char *sym, double price, int64_t ts, uint32_t flags)
{
    sw_tick t = sw_test_tick(sym, price, ts, flags);
    if (flags & SW_TICK_NO_LAST)
        t.excluded = SW_EXCL_ODD_LOT;
    cr_assert_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
}

static void trade(const char *sym, double price, int64_t ts)
{
    trade_f(sym, price, ts, 0);
}

/* A status (kind SW_TICK_STATUS, with HALT or RESUME or neither) or LULD
 * bands (kind SW_TICK_LULD: up, down) of sym. */
static void event(const char *sym, int64_t ts, uint32_t kind, const char *sc, const char *rc, const char *rm,
                  double up, double down)
{
    sw_tick t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "%s", sym);
    t.ts_ns = ts;
    t.flags = kind;
    if (kind & SW_TICK_LULD) {
        t.limit_up = up;
        t.limit_down = down;
    } else {
        snprintf(t.status, sizeof t.status, "%s", sc);
        snprintf(t.reason, sizeof t.reason, "%s", rc);
        t.reason_text = rm;
    }
    cr_assert_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
}

static void status(const char *sym, int64_t ts, uint32_t kind, const char *sc, const char *rc, const char *rm)
{
    event(sym, ts, SW_TICK_STATUS | kind, sc, rc, rm, 0, 0);
}

static void bands(const char *sym, int64_t ts, double up, double down)
{
    event(sym, ts, SW_TICK_LULD, NULL, NULL, NULL, up, down);
}

Test(halt, a_halt_is_critical_with_its_reason_and_the_resumption_resolves_it)
{
    sw_halt_params p = defaults();
    build(&p);
    trade("NVDA", 118.60, at(9, 47, 44));
    status("NVDA", at(9, 48, 0), SW_TICK_HALT, "H", "LUDP", "Volatility Trading Pause");
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
    cr_expect_eq(got[0].severity, SW_SEV_CRITICAL);
    cr_expect_eq(got[0].direction, 0);
    cr_expect_str_eq(got[0].detector, "halt");
    cr_expect_str_eq(got[0].window, "halt");
    cr_expect_str_eq(got[0].text, "NVDA halted: LUDP Volatility Trading Pause");
    cr_expect_eq(got[0].ts_ns, at(9, 48, 0));
    cr_expect_eq(got[0].price, 118.60);
    cr_expect_eq(got[0].magnitude, 1);
    cr_expect_eq(got[0].step, 1, "every halt of the day is news");
    /* More of the same halt (quotes resuming first) says nothing. */
    status("NVDA", at(9, 52, 0), SW_TICK_HALT, "Q", "LUDP", NULL);
    status("NVDA", at(9, 52, 30), 0, "Q", "", NULL);
    cr_expect_eq(n_got, 1);
    status("NVDA", at(9, 53, 0), SW_TICK_RESUME, "T", "LUDP", "Volatility Trading Pause");
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].kind, SW_CAND_RESOLVE);
    cr_expect_eq(got[1].severity, SW_SEV_INFO);
    cr_expect_eq(got[1].direction, 0);
    cr_expect_str_eq(got[1].text, "NVDA: trading resumes after 5m 0s halted (LUDP Volatility Trading Pause)");
    /* A resumption without a halt in force, and a second halt of the day. */
    status("NVDA", at(10, 0, 0), SW_TICK_RESUME, "T", "", NULL);
    cr_expect_eq(n_got, 2);
    status("NVDA", at(10, 30, 0), SW_TICK_HALT, "2", "", NULL);
    cr_assert_eq(n_got, 3);
    cr_expect_str_eq(got[2].text, "NVDA halted: status 2");
    cr_expect_eq(got[2].magnitude, 2);
    /* The next session starts counting again; the halt stands. */
    trade("NVDA", 120, sw_ny_to_utc(sw_days_from_civil(2025, 1, 28), 9, 30, 0) - 60 * SW_NS_PER_SEC);
    cr_assert_eq(n_got, 4, "a trade in a halt resumes it");
    cr_expect_eq(got[3].kind, SW_CAND_RESOLVE);
    cr_expect(strstr(got[3].text, "trading again at 120.00 after 22h 59m halted (status 2), without a resumption "
                                  "status") != NULL, "%s", got[3].text);
}

Test(halt, a_trade_within_a_second_of_the_halt_does_not_resume_it)
{
    sw_halt_params p = defaults();
    build(&p);
    status("AMD", at(10, 0, 0), SW_TICK_HALT, "H", "T1", NULL);
    trade("AMD", 118, at(10, 0, 0) + SW_NS_PER_SEC / 2);
    trade("AMD", 118, at(10, 0, 1));
    cr_expect_eq(n_got, 1, "stamped with the halt: not trading again yet");
    cr_expect_str_eq(got[0].text, "AMD halted: reason T1");
    trade("AMD", 118, at(10, 0, 1) + 1);
    cr_expect_eq(n_got, 2);
    /* Trades the conditions keep from the price do not resume it. */
    status("AMD", at(10, 5, 0), SW_TICK_HALT, "H", "", NULL);
    trade_f("AMD", 118, at(10, 6, 0), SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW);
    cr_expect_eq(n_got, 3);
}

Test(halt, a_trade_near_a_luld_band_warns_once_and_clears_back_away)
{
    sw_halt_params p = defaults(); /* band_pct 1 */
    build(&p);
    trade("NVDA", 100, at(10, 0, 0));
    cr_expect_eq(n_got, 0, "no bands yet");
    bands("NVDA", at(10, 0, 1), 110, 90);
    trade("NVDA", 100, at(10, 0, 2));
    trade("NVDA", 90.95, at(10, 0, 3)); /* 1.06 % above the lower band */
    cr_expect_eq(n_got, 0);
    trade("NVDA", 90.80, at(10, 0, 4)); /* 0.89 % */
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_eq(got[0].direction, -1);
    cr_expect_eq(got[0].reference, 90);
    cr_expect_str_eq(got[0].window, "luld");
    cr_expect_str_eq(got[0].text, "NVDA 90.80 within 0.89% of its LULD lower band 90.00 (bands 90.00-110.00)");
    trade("NVDA", 89.50, at(10, 0, 5));
    trade("NVDA", 91.70, at(10, 0, 6)); /* 1.9 %: not back away yet */
    cr_expect_eq(n_got, 1, "one warning per approach");
    trade("NVDA", 91.90, at(10, 0, 7)); /* 2.1 % */
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].kind, SW_CAND_CLEAR);
    cr_expect_eq(got[1].direction, -1);
    trade("NVDA", 109.10, at(10, 0, 8)); /* 0.82 % below the upper band */
    cr_assert_eq(n_got, 3);
    cr_expect_eq(got[2].direction, 1);
    cr_expect_str_eq(got[2].text, "NVDA 109.10 within 0.82% of its LULD upper band 110.00 (bands 90.00-110.00)");
    trade("NVDA", 111, at(10, 0, 9));
    cr_expect_eq(n_got, 3);
    /* A halt ends the warning; bands are the session's. */
    status("NVDA", at(10, 0, 10), SW_TICK_HALT, "H", "LUDP", NULL);
    cr_assert_eq(n_got, 5);
    cr_expect_eq(got[3].kind, SW_CAND_CLEAR);
    cr_expect_eq(got[3].direction, 1);
    cr_expect_eq(got[4].severity, SW_SEV_CRITICAL);
    status("NVDA", at(10, 5, 10), SW_TICK_RESUME, "T", "LUDP", NULL);
    trade("NVDA", 109.5, at(10, 5, 11));
    cr_assert_eq(n_got, 7);
    cr_expect_eq(got[6].direction, 1);
    trade("NVDA", 109.5, sw_ny_to_utc(sw_days_from_civil(2025, 1, 28), 9, 30, 0));
    cr_assert_eq(n_got, 8, "the session's end clears it, and there are no bands today");
    cr_expect_eq(got[7].kind, SW_CAND_CLEAR);
    /* Bands of 0 are none; a split divides them. */
    bands("NVDA", at(10, 0, 0) + SW_NS_PER_DAY + 1, 0, 100);
    trade("NVDA", 1000, at(10, 0, 1) + SW_NS_PER_DAY);
    cr_expect_eq(n_got, 8);
    cr_assert_eq(sw_engine_split(&eng, "NVDA", at(10, 0, 2) + SW_NS_PER_DAY, 10), 0);
    trade("NVDA", 10.05, at(10, 0, 3) + SW_NS_PER_DAY);
    cr_assert_eq(n_got, 9);
    cr_expect_eq(got[8].reference, 10);
}

/* The flags of slide()'s NVDA trades. */
static uint32_t slide_flags;

/* NVDA: a trade every 2 s from 09:30 (30 a minute) at 100, then a slide to
 * `low` over the five minutes to 09:40; AMD trades every second until
 * `amd_end` (the clock). */
static void slide(double low, int64_t amd_end, int nvda_every_s)
{
    for (int64_t t = at(9, 30, 0), a = at(9, 30, 0); t < at(9, 40, 0) || a < amd_end;) {
        if (t < at(9, 40, 0) && (t <= a || a >= amd_end)) {
            double px = t < at(9, 35, 0) ? 100 : 100 + (low - 100) * (double)(t - at(9, 35, 0)) / (5 * SW_NS_PER_MIN);
            trade_f("NVDA", px, t, slide_flags);
            t += nvda_every_s * SW_NS_PER_SEC;
        } else {
            trade("AMD", 50, a);
            a += SW_NS_PER_SEC;
        }
    }
}

Test(halt, silence_after_a_move_is_a_possible_pause_until_the_next_trade)
{
    sw_halt_params p = defaults(); /* after 30 s, move 5 %, 5 min, 10 a minute */
    build(&p);
    /* Last NVDA trade 09:39:58 at 94.04: -5.96 % from the window's 100. */
    slide(94.0, at(9, 41, 0), 2);
    cr_assert_eq(n_got, 1, "%d", n_got);
    cr_expect_eq(got[0].kind, SW_CAND_FIRE);
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_eq(got[0].direction, 0);
    cr_expect_str_eq(got[0].window, "halt");
    cr_expect_eq(got[0].ts_ns, at(9, 40, 28), "30 s after the last trade (stamped so, whatever the clock step)");
    cr_expect_eq(got[0].reference, 100);
    cr_expect(fabs(got[0].change_pct - (94.0 + 6.0 * 2 / 300 - 100)) < 1e-9, "%f", got[0].change_pct);
    cr_expect_str_eq(got[0].text, "NVDA: no trade for 30s after -6.0% in 5m: possible LULD pause");
    trade("NVDA", 95, at(9, 40, 45));
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].kind, SW_CAND_CLEAR);
    cr_expect_str_eq(got[1].text, "NVDA: trading again after 47s without a trade (the possible pause is over)");
}

Test(halt, no_pause_is_inferred_without_the_move_the_rate_or_the_session)
{
    sw_halt_params p = defaults();
    build(&p);
    slide(95.5, at(9, 42, 0), 2); /* -4.4 %: no move */
    cr_expect_eq(n_got, 0);
    teardown();
    build(&p);
    slide(94.0, at(9, 42, 0), 40); /* 1.5 trades a minute */
    cr_expect_eq(n_got, 0);
    teardown();
    p.min_rate = 1;
    build(&p);
    slide(94.0, at(9, 42, 0), 40);
    cr_expect_eq(n_got, 1, "a rate of 1 is enough for min_rate 1");
    teardown();
    /* A trade the conditions keep from the price is no end of the silence. */
    p = defaults();
    build(&p);
    slide(94.0, at(9, 40, 10), 2);
    trade_f("NVDA", 80, at(9, 40, 10), SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW);
    for (int64_t a = at(9, 40, 11); a < at(9, 41, 0); a += SW_NS_PER_SEC)
        trade("AMD", 50, a);
    cr_expect_eq(n_got, 1);
    teardown();
    /* Silence that the close cuts short: nothing.  (15:59:58 is the last
     * trade; the clock passes 16:00:28 on a late print of AMD.) */
    build(&p);
    for (int64_t t = at(15, 50, 0); t < at(16, 0, 0); t += 2 * SW_NS_PER_SEC)
        trade("NVDA", t < at(15, 55, 0) ? 100 : 100 - 6 * (double)(t - at(15, 55, 0)) / (5 * SW_NS_PER_MIN), t);
    trade("AMD", 50, at(16, 0, 40));
    cr_expect_eq(n_got, 0);
    teardown();
    /* infer off, and 24x7 symbols. */
    p.infer = 0;
    build(&p);
    cr_expect_lt(eng.state_size, sizeof(sw_halt_params) + 200, "no window kept");
    slide(94.0, at(9, 41, 0), 2);
    cr_expect_eq(n_got, 0);
    teardown();
    p = defaults();
    p.always_open.n = 1;
    strcpy(p.always_open.name[0], "NVDA");
    build(&p);
    slide(94.0, at(9, 41, 0), 2);
    cr_expect_eq(n_got, 0);
    teardown();
    /* Trades a crypto feed marks as of a market that never closes: as if
     * listed in always_open. */
    p = defaults();
    build(&p);
    slide_flags = SW_TICK_ALWAYS_OPEN;
    slide(94.0, at(9, 41, 0), 2);
    slide_flags = 0;
    cr_expect_eq(n_got, 0, "%s", n_got ? got[0].text : "");
}

Test(halt, a_real_halt_overrides_the_inference)
{
    sw_halt_params p = defaults();
    build(&p);
    slide(94.0, at(9, 40, 5), 2);
    status("NVDA", at(9, 40, 5), SW_TICK_HALT, "H", "LUDP", "Volatility Trading Pause");
    for (int64_t a = at(9, 40, 6); a < at(9, 42, 0); a += SW_NS_PER_SEC)
        trade("AMD", 50, a);
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].severity, SW_SEV_CRITICAL);
}

Test(halt, documented_defaults_are_the_defaults)
{
    sw_config cfg;
    load_documented_defaults("halt", 7, &cfg);
    sw_halt_params d = defaults();
    /* Field by field: a memcmp would compare the padding after `infer`. */
    const sw_halt_params *doc = cfg.detectors[0].params;
    cr_expect_eq(doc->band_pct, d.band_pct);
    cr_expect_eq(doc->infer, d.infer);
    cr_expect_eq(doc->after_ns, d.after_ns);
    cr_expect_eq(doc->move_pct, d.move_pct);
    cr_expect_eq(doc->move_window_ns, d.move_window_ns);
    cr_expect_eq(doc->min_rate, d.min_rate);
    cr_expect_eq(doc->always_open.n, d.always_open.n);
    sw_config_free(&cfg);
    /* And the checks the loader cannot express. */
    char err[128];
    d.after_ns = SW_NS_PER_SEC / 2;
    cr_expect_neq(sw_detector_find("halt")->validate(&d, err, sizeof err), 0);
    d = defaults();
    d.move_window_ns = 5 * SW_NS_PER_SEC;
    cr_expect_neq(sw_detector_find("halt")->validate(&d, err, sizeof err), 0);
    d = defaults();
    build(&d); /* teardown frees an engine */
}
