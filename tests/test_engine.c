/* Tests of strategies/sw_engine: symbol lookup, session tracking in New York
 * time (previous close, open), order checks, splits. */
#include "sw_engine.h"
#include "sw_pct_move.h"
#include "sw_test_tick.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static sw_engine eng;
static int n_cand;

static void count(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    (void)c;
    n_cand++;
}

/* New York local time on a date -> ns. */
static int64_t ny(int y, int m, int d, int h, int mi, int s)
{
    return sw_ny_to_utc(sw_days_from_civil(y, m, d), h, mi, s);
}

static sw_tick tick(const char *sym, double px, int64_t ts)
{
    return sw_test_tick(sym, px, ts, 0);
}

static void setup(void)
{
    static const char *const ai[] = { "NVDA", "AVGO", "MU" };
    static const char *const bench[] = { "QQQ", "NVDA" };
    sw_group_spec groups[] = { { "ai", ai, 3 }, { "bench", bench, 2 } };
    sw_pct_move_params p;
    sw_detector_find("pct_move")->defaults(&p);
    sw_detector_spec det = { sw_detector_find("pct_move"), &p };
    char err[128];
    n_cand = 0;
    cr_assert_eq(sw_engine_init(&eng, groups, 2, &det, 1, count, NULL, err, sizeof err), 0, "%s", err);
}

static void teardown(void)
{
    sw_engine_free(&eng);
}

TestSuite(engine, .init = setup, .fini = teardown);

Test(engine, watchlist_is_the_union_of_groups)
{
    cr_expect_eq(eng.n_syms, 4, "NVDA is in two groups but one symbol");
    sw_symbol *s = sw_engine_symbol(&eng, "NVDA");
    cr_assert_not_null(s);
    cr_expect_eq(s->n_groups, 2);
    cr_expect_null(sw_engine_symbol(&eng, "TSLA"));
    cr_expect_eq(eng.groups[1].n_members, 2);
}

Test(engine, unknown_bad_and_out_of_order_ticks_are_counted_and_dropped)
{
    int64_t t0 = ny(2025, 1, 27, 10, 0, 0);
    sw_tick t = tick("TSLA", 400, t0);
    cr_expect_eq(sw_engine_tick(&eng, &t), SW_TICK_UNKNOWN);
    t = tick("NVDA", 0, t0);
    cr_expect_eq(sw_engine_tick(&eng, &t), SW_TICK_BAD_PRICE);
    t = tick("NVDA", NAN, t0);
    cr_expect_eq(sw_engine_tick(&eng, &t), SW_TICK_BAD_PRICE);
    t = tick("NVDA", 120, t0);
    cr_expect_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
    t = tick("NVDA", 121, t0); /* equal time is fine */
    cr_expect_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
    t = tick("NVDA", 119, t0 - 1);
    cr_expect_eq(sw_engine_tick(&eng, &t), SW_TICK_OUT_OF_ORDER);
    t = tick("AVGO", 200, t0 - SW_NS_PER_SEC); /* order is per symbol */
    cr_expect_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
    cr_expect_eq(eng.stats.unknown_symbol, 1);
    cr_expect_eq(eng.stats.bad_price, 2);
    cr_expect_eq(eng.stats.out_of_order, 1);
    cr_expect_eq(eng.stats.ticks, 3);
    cr_expect_eq(sw_engine_symbol(&eng, "NVDA")->last_price, 121);
}

Test(engine, previous_close_is_the_last_regular_hours_price)
{
    sw_tick t;
    t = tick("NVDA", 147.0, ny(2025, 1, 24, 15, 59, 59));
    sw_engine_tick(&eng, &t);
    t = tick("NVDA", 142.62, ny(2025, 1, 24, 16, 0, 0)); /* closing print */
    sw_engine_tick(&eng, &t);
    t = tick("NVDA", 141.00, ny(2025, 1, 24, 17, 30, 0)); /* after hours: not the close */
    sw_engine_tick(&eng, &t);
    sw_symbol *s = sw_engine_symbol(&eng, "NVDA");
    cr_expect(isnan(s->prev_close));
    cr_expect_eq(s->day_close, 142.62);
    /* Monday pre-market: the day rolls, Friday's close becomes the reference. */
    t = tick("NVDA", 127.0, ny(2025, 1, 27, 7, 0, 0));
    sw_engine_tick(&eng, &t);
    cr_expect_eq(s->prev_close, 142.62);
    cr_expect(isnan(s->open), "no open before 09:30");
    t = tick("NVDA", 124.80, ny(2025, 1, 27, 9, 30, 0));
    sw_engine_tick(&eng, &t);
    t = tick("NVDA", 125.10, ny(2025, 1, 27, 9, 30, 1));
    sw_engine_tick(&eng, &t);
    cr_expect_eq(s->open, 124.80);
    cr_expect_eq(s->prev_close, 142.62);
    cr_expect_eq(s->day, sw_days_from_civil(2025, 1, 27));
}

Test(engine, day_without_regular_trades_keeps_the_previous_close)
{
    sw_tick t = tick("MU", 100, ny(2025, 1, 24, 16, 0, 0));
    sw_engine_tick(&eng, &t);
    t = tick("MU", 99, ny(2025, 1, 25, 10, 0, 0)); /* Saturday: not regular hours */
    sw_engine_tick(&eng, &t);
    t = tick("MU", 98, ny(2025, 1, 27, 9, 31, 0));
    sw_engine_tick(&eng, &t);
    cr_expect_eq(sw_engine_symbol(&eng, "MU")->prev_close, 100);
}

Test(engine, split_rescales_references_so_no_move_appears)
{
    sw_tick t = tick("NVDA", 1208.88, ny(2024, 6, 7, 16, 0, 0));
    sw_engine_tick(&eng, &t);
    cr_expect_eq(sw_engine_split(&eng, "NVDA", ny(2024, 6, 10, 9, 30, 0), 10), 0);
    t = tick("NVDA", 121.79, ny(2024, 6, 10, 9, 30, 0));
    for (int i = 0; i < 5; i++) {
        t.ts_ns += SW_NS_PER_SEC;
        sw_engine_tick(&eng, &t);
    }
    cr_expect_float_eq(sw_engine_symbol(&eng, "NVDA")->prev_close, 120.888, 1e-9);
    cr_expect_eq(n_cand, 0, "a 10:1 split must not alert");
    cr_expect_eq(sw_engine_split(&eng, "TSLA", ny(2024, 6, 10, 9, 30, 0), 3), -1);
    cr_expect_eq(sw_engine_split(&eng, "NVDA", ny(2024, 6, 10, 9, 30, 0), 0), -1);
}

Test(engine, without_split_the_same_prices_do_alert)
{
    sw_tick t = tick("NVDA", 1208.88, ny(2024, 6, 7, 16, 0, 0));
    sw_engine_tick(&eng, &t);
    t = tick("NVDA", 121.79, ny(2024, 6, 10, 9, 30, 0));
    for (int i = 0; i < 5; i++) {
        t.ts_ns += SW_NS_PER_SEC;
        sw_engine_tick(&eng, &t);
    }
    cr_expect_eq(n_cand, 1, "the control case: an unadjusted split looks like -90%%");
}

Test(engine, rejects_empty_group_and_overlong_symbol)
{
    sw_engine e2;
    char err[128];
    static const char *const none[] = { NULL };
    sw_group_spec g = { "empty", none, 0 };
    cr_expect_eq(sw_engine_init(&e2, &g, 1, NULL, 0, NULL, NULL, err, sizeof err), -1);
    cr_expect_str_eq(err, "group \"empty\" has no members");
    static const char *const longsym[] = { "ABCDEFGHIJKLMNOPQRSTUVWXYZ" };
    sw_group_spec g2 = { "x", longsym, 1 };
    cr_expect_eq(sw_engine_init(&e2, &g2, 1, NULL, 0, NULL, NULL, err, sizeof err), -1);
    cr_expect(strstr(err, "must have 1 to 23 characters") != NULL, "%s", err);
}

Test(engine, scheduled_split_applies_once_even_with_a_csv_split_column)
{
    int64_t split_day = sw_days_from_civil(2024, 6, 10);
    cr_assert_eq(sw_engine_add_split(&eng, "NVDA", split_day, 10), 0);
    cr_expect_eq(sw_engine_add_split(&eng, "TSLA", split_day, 10), -1);
    sw_tick t = tick("NVDA", 1208.88, ny(2024, 6, 7, 16, 0, 0));
    sw_engine_tick(&eng, &t);
    /* The same split also arrives from a CSV split column: applied once. */
    cr_expect_eq(sw_engine_split(&eng, "NVDA", ny(2024, 6, 10, 9, 30, 0), 10), 0);
    t = tick("NVDA", 121.79, ny(2024, 6, 10, 9, 30, 0));
    for (int i = 0; i < 5; i++) {
        t.ts_ns += SW_NS_PER_SEC;
        sw_engine_tick(&eng, &t);
    }
    cr_expect_float_eq(sw_engine_symbol(&eng, "NVDA")->prev_close, 120.888, 1e-9);
    cr_expect_eq(n_cand, 0);
}

Test(engine, scheduled_split_alone_adjusts_the_reference)
{
    cr_assert_eq(sw_engine_add_split(&eng, "NVDA", sw_days_from_civil(2024, 6, 10), 10), 0);
    sw_tick t = tick("NVDA", 1208.88, ny(2024, 6, 7, 16, 0, 0));
    sw_engine_tick(&eng, &t);
    /* Monday's first trade comes pre-market: the split applies at the roll. */
    t = tick("NVDA", 121.50, ny(2024, 6, 10, 8, 0, 0));
    sw_engine_tick(&eng, &t);
    cr_expect_float_eq(sw_engine_symbol(&eng, "NVDA")->prev_close, 120.888, 1e-9);
    t = tick("NVDA", 121.79, ny(2024, 6, 10, 9, 30, 0));
    for (int i = 0; i < 5; i++) {
        t.ts_ns += SW_NS_PER_SEC;
        sw_engine_tick(&eng, &t);
    }
    cr_expect_eq(n_cand, 0);
    cr_expect_eq(eng.splits[0].applied, 1);
}

Test(engine, one_record_per_symbol_header_then_detector_state)
{
    /* Each symbol's detector state lives right after its header, and the
     * records follow each other at one stride, a whole number of cache
     * lines from a line boundary: a tick touches one record's lines. */
    size_t hdr = offsetof(sw_symbol, state);
    cr_assert_eq(eng.sym_stride % 64, 0);
    cr_assert_geq(eng.sym_stride, hdr + eng.state_size);
    cr_assert_lt(eng.sym_stride, hdr + eng.state_size + 64);
    cr_assert_eq((uintptr_t)eng.sym_block % 64, 0);
    for (size_t i = 0; i < eng.n_syms; i++) {
        sw_symbol *s = sw_engine_sym(&eng, i);
        cr_expect_eq(s->index, i);
        cr_expect_eq((unsigned char *)s, eng.sym_block + i * eng.sym_stride);
        cr_expect_eq(s->state, (unsigned char *)s + hdr);
        cr_expect_eq(sw_engine_symbol(&eng, s->name), s);
    }
}

Test(engine, prefetch_is_only_a_hint)
{
    sw_symbol *nvda = sw_engine_symbol(&eng, "NVDA"), *mu = sw_engine_symbol(&eng, "MU");
    sw_engine_prefetch(&eng, "NVDA");
    cr_expect_eq(eng.ahead[1], nvda->index, "announced by its hash tag");
    sw_engine_prefetch(&eng, "TSLA"); /* not watched: nothing to load */
    cr_expect_eq(eng.ahead[0], nvda->index);
    /* The announced symbol's tick, then one that was never announced, then
     * an unknown one: each lands on its own symbol or is counted unknown. */
    sw_tick t = tick("NVDA", 120, ny(2025, 1, 27, 10, 0, 0));
    cr_assert_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
    cr_expect_eq(nvda->last_price, 120);
    t = tick("MU", 90, ny(2025, 1, 27, 10, 0, 1));
    cr_assert_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
    cr_expect_eq(mu->last_price, 90);
    cr_expect(isnan(nvda->prev_close));
    /* A wrong announcement (MU announced, an NVDA tick comes) changes nothing. */
    sw_engine_prefetch(&eng, "MU");
    sw_engine_prefetch(&eng, "MU");
    t = tick("NVDA", 121, ny(2025, 1, 27, 10, 0, 2));
    cr_assert_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
    cr_expect_eq(nvda->last_price, 121);
    cr_expect_eq(mu->last_price, 90);
    t = tick("TSLA", 400, ny(2025, 1, 27, 10, 0, 3));
    cr_expect_eq(sw_engine_tick(&eng, &t), SW_TICK_UNKNOWN);
    cr_expect_eq(eng.stats.ticks, 3u);
    cr_expect_eq(eng.stats.unknown_symbol, 1u);
}

/* ---- sale conditions and status events ------------------------------------- */

/* A trade with the eligibility flags a condition table gives. */
static sw_tick cond_tick(const char *sym, double px, int64_t ts, uint32_t flags, int reason)
{
    sw_tick t = sw_test_tick(sym, px, ts, flags);
    t.excluded = (uint8_t)reason;
    return t;
}

Test(engine, trades_kept_from_the_price_never_move_it_and_are_counted_by_reason)
{
    sw_tick t = tick("NVDA", 142.62, ny(2025, 1, 24, 16, 0, 0));
    sw_engine_tick(&eng, &t);
    t = tick("NVDA", 124.80, ny(2025, 1, 27, 10, 0, 0));
    sw_engine_tick(&eng, &t);
    int before = n_cand; /* the open's -12.5 % is one tick: not confirmed yet */
    /* Three average-price prints 20 % below the close: excluded, no alert. */
    for (int i = 1; i <= 3; i++) {
        t = cond_tick("NVDA", 114.0, ny(2025, 1, 27, 10, 0, i), SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW,
                      SW_EXCL_AVERAGE_PRICE);
        cr_expect_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
    }
    sw_symbol *s = sw_engine_symbol(&eng, "NVDA");
    cr_expect_eq(n_cand, before, "pct_move never saw them");
    cr_expect_eq(s->last_price, 124.80);
    cr_expect_eq(s->day_close, 124.80);
    cr_expect_eq(s->last_ts, ny(2025, 1, 27, 10, 0, 3), "they are ordered like trades");
    cr_expect_eq(eng.stats.excluded[SW_EXCL_AVERAGE_PRICE], 3);
    cr_expect_eq(eng.stats.ticks, 5, "accepted, and counted among the ticks");
    t = cond_tick("NVDA", 114.0, ny(2025, 1, 27, 10, 0, 2), SW_TICK_NO_LAST, SW_EXCL_PRIOR_REFERENCE);
    cr_expect_eq(sw_engine_tick(&eng, &t), SW_TICK_OUT_OF_ORDER);
    /* The same three as regular trades: confirmed, an alert. */
    for (int i = 4; i <= 6; i++) {
        t = tick("NVDA", 114.0, ny(2025, 1, 27, 10, 0, i));
        sw_engine_tick(&eng, &t);
    }
    cr_expect_gt(n_cand, before);
}

Test(engine, official_prints_set_the_open_and_the_close_even_after_16h)
{
    sw_symbol *s = sw_engine_symbol(&eng, "NVDA");
    sw_tick t = tick("NVDA", 142.50, ny(2025, 1, 24, 15, 59, 59));
    sw_engine_tick(&eng, &t);
    /* The closing cross two seconds late, then the official close ("M":
     * no volume, not a last sale) five seconds late; the last one wins. */
    t = cond_tick("NVDA", 142.55, ny(2025, 1, 24, 16, 0, 2), SW_TICK_OFFICIAL_CLOSE, 0);
    sw_engine_tick(&eng, &t);
    cr_expect_eq(s->day_close, 142.55);
    t = cond_tick("NVDA", 142.62, ny(2025, 1, 24, 16, 0, 5),
                  SW_TICK_NO_LAST | SW_TICK_NO_VOLUME | SW_TICK_NO_HIGH_LOW | SW_TICK_OFFICIAL_CLOSE, SW_EXCL_OFFICIAL);
    sw_engine_tick(&eng, &t);
    cr_expect_eq(s->day_close, 142.62);
    cr_expect_eq(s->last_price, 142.55, "an official close is not a last sale");
    t = tick("NVDA", 141.0, ny(2025, 1, 24, 17, 0, 0));
    sw_engine_tick(&eng, &t);
    cr_expect_eq(s->day_close, 142.62, "after-hours trades do not move the close");
    /* Monday: a trade at 09:30:00 opens, the official open replaces it, a
     * later opening print does not. */
    t = tick("NVDA", 124.0, ny(2025, 1, 27, 9, 30, 0));
    sw_engine_tick(&eng, &t);
    cr_expect_eq(s->prev_close, 142.62);
    cr_expect_eq(s->open, 124.0);
    t = cond_tick("NVDA", 124.80, ny(2025, 1, 27, 9, 30, 1),
                  SW_TICK_NO_LAST | SW_TICK_NO_VOLUME | SW_TICK_NO_HIGH_LOW | SW_TICK_OFFICIAL_OPEN, SW_EXCL_OFFICIAL);
    sw_engine_tick(&eng, &t);
    cr_expect_eq(s->open, 124.80);
    t = cond_tick("NVDA", 125.50, ny(2025, 1, 27, 9, 40, 0), SW_TICK_OFFICIAL_OPEN, 0);
    sw_engine_tick(&eng, &t);
    cr_expect_eq(s->open, 124.80, "the first official open of the day stands");
    cr_expect_eq(s->last_price, 125.50, "an eligible opening print is a trade");
    /* An official print before the open is no open. */
    t = cond_tick("AVGO", 230.0, ny(2025, 1, 27, 9, 0, 0), SW_TICK_OFFICIAL_OPEN, 0);
    sw_engine_tick(&eng, &t);
    cr_expect(isnan(sw_engine_symbol(&eng, "AVGO")->open));
}

/* Two probes: one takes volume-only trades, one reads statuses. */
static int probe_ticks[2], probe_status;
static sw_tick probe_last_status;

static void probe_on_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *st, const sw_tick *t)
{
    (void)e, (void)s, (void)st, (void)t;
    probe_ticks[d->instance]++;
}

static void probe_on_status(sw_detector *d, sw_engine *e, sw_symbol *s, void *st, const sw_tick *t)
{
    (void)d, (void)e, (void)s, (void)st;
    probe_status++;
    probe_last_status = *t;
}

static const sw_detector_type volume_probe = { .name = "volume_probe", .takes = SW_TAKES_VOLUME_ONLY,
                                               .on_tick = probe_on_tick };
static const sw_detector_type status_probe = { .name = "status_probe", .on_tick = probe_on_tick,
                                               .on_status = probe_on_status };

Test(engine, volume_only_trades_and_statuses_reach_only_the_detectors_that_take_them)
{
    sw_engine_free(&eng);
    static const char *const w[] = { "NVDA" };
    sw_group_spec g = { "g", w, 1 };
    static int none; /* the probes have no parameters */
    sw_detector_spec d[] = { { &volume_probe, &none }, { &status_probe, &none } };
    char err[128];
    cr_assert_eq(sw_engine_init(&eng, &g, 1, d, 2, count, NULL, err, sizeof err), 0, "%s", err);
    memset(probe_ticks, 0, sizeof probe_ticks);
    probe_status = 0;
    int64_t t0 = ny(2025, 1, 27, 10, 0, 0);
    sw_tick t = tick("NVDA", 120, t0);
    sw_engine_tick(&eng, &t);
    t = cond_tick("NVDA", 119, t0 + 1, SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW | SW_TICK_ODD_LOT, SW_EXCL_ODD_LOT);
    sw_engine_tick(&eng, &t);
    t = cond_tick("NVDA", 119, t0 + 2, SW_TICK_NO_LAST | SW_TICK_NO_VOLUME | SW_TICK_OFFICIAL_CLOSE, SW_EXCL_OFFICIAL);
    sw_engine_tick(&eng, &t);
    cr_expect_eq(probe_ticks[0], 2, "the trade and the odd lot, not the official price");
    cr_expect_eq(probe_ticks[1], 1, "the trade only");
    /* A status: to on_status only, even stamped before the last trade, and
     * not a tick. */
    sw_tick st;
    memset(&st, 0, sizeof st);
    strcpy(st.symbol, "NVDA");
    st.ts_ns = t0 - SW_NS_PER_SEC;
    st.flags = SW_TICK_STATUS | SW_TICK_HALT;
    strcpy(st.status, "H");
    strcpy(st.reason, "LUDP");
    st.reason_text = "Volatility Trading Pause";
    cr_expect_eq(sw_engine_tick(&eng, &st), SW_TICK_OK);
    st.flags = SW_TICK_LULD;
    st.limit_up = 126;
    st.limit_down = 114;
    st.ts_ns = t0 + 3;
    cr_expect_eq(sw_engine_tick(&eng, &st), SW_TICK_OK);
    cr_expect_eq(probe_status, 2);
    cr_expect_eq(probe_last_status.limit_down, 114);
    cr_expect_eq(probe_ticks[0] + probe_ticks[1], 3);
    cr_expect_eq(eng.stats.status_events, 2);
    cr_expect_eq(eng.stats.ticks, 3);
    cr_expect_eq(sw_engine_symbol(&eng, "NVDA")->last_price, 120);
    strcpy(st.symbol, "TSLA");
    cr_expect_eq(sw_engine_tick(&eng, &st), SW_TICK_UNKNOWN);
}
