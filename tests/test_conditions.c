/*
 * test_conditions.c -- daemon/providers/sw_conditions and the providers'
 * tables, with each provider's real codes: Alpaca's CTA/UTP letters read
 * with the tape as its market-data FAQ gives the rules (the FAQ's own
 * examples included), Polygon's condition ids as its update rules give them,
 * Finnhub's codes not read (its list is unverified); the fast path and the
 * cJSON path reading every one the same; every row written back by
 * shock-feed reading as it was; and a run of late average-price prints 8 %
 * away from the market, which the bad-print confirmation does not stop,
 * raising nothing once its conditions are read.
 *
 * 1737988200 s = 2025-01-27T14:30:00Z (09:30 New York).
 */
#include <criterion/criterion.h>

#include "sw_conditions.h"
#include "sw_emulate.h"
#include "sw_engine.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_pct_move.h"
#include "sw_provider.h"
#include "sw_time.h"

#include <stdio.h>
#include <string.h>

static void setup(void)
{
    sw_log_set_level(SW_LOG_ERROR);
    cr_assert_eq(sw_jsonarena_install(), 0);
}

static void teardown(void)
{
    sw_fast_path_enable(1);
    sw_jsonarena_uninstall();
}

TestSuite(conditions, .init = setup, .fini = teardown);

/* Parse msg with `provider`'s adapter on both paths; they must agree, and
 * the one tick they give is returned (or the parse result's why when bad). */
static sw_tick one(const char *provider, const char *msg, const char **why)
{
    static sw_tick t[2][4];
    sw_parse_result r[2];
    const sw_provider *p = sw_provider_find(provider);
    for (int path = 0; path < 2; path++) {
        memset(t[path], 0x5a, sizeof t[path]);
        sw_fast_path_enable(path == 0);
        p->parse(msg, strlen(msg), t[path], 4, &r[path]);
    }
    sw_fast_path_enable(1);
    cr_assert_eq(r[0].n_ticks, r[1].n_ticks, "%s", msg);
    cr_assert_eq(r[0].n_bad, r[1].n_bad, "%s", msg);
    if (why)
        *why = r[1].n_bad ? r[1].why : NULL;
    if (!r[1].n_ticks) {
        cr_assert(why, "%s: %s", msg, r[1].why);
        return t[1][0];
    }
    cr_assert_eq(t[0][0].flags, t[1][0].flags, "%s", msg);
    cr_assert_eq(t[0][0].excluded, t[1][0].excluded, "%s", msg);
    cr_assert_eq(t[0][0].price, t[1][0].price);
    return t[1][0];
}

static sw_tick alpaca(const char *codes, const char *tape)
{
    char msg[256];
    snprintf(msg, sizeof msg,
             "[{\"T\":\"t\",\"S\":\"NVDA\",\"p\":118.42,\"s\":100,\"t\":\"2025-01-27T14:30:00.5Z\",\"c\":[%s]%s%s%s}]",
             codes, tape ? ",\"z\":\"" : "", tape ? tape : "", tape ? "\"" : "");
    return one("alpaca", msg, NULL);
}

#define VOL_ONLY (SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW)
#define NOT_A_TRADE (SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW | SW_TICK_NO_VOLUME)

static void expect(sw_tick t, uint32_t flags, int reason, const char *what)
{
    cr_expect_eq(t.flags & ~SW_TICK_PRICE_ONLY, flags, "%s: flags %#x, want %#x", what, t.flags, flags);
    if (flags & SW_TICK_NO_LAST)
        cr_expect_eq(t.excluded, reason, "%s: reason %s, want %s", what, sw_excl_name(t.excluded), sw_excl_name(reason));
}

Test(conditions, alpaca_letters_as_its_faq_gives_the_rules)
{
    expect(alpaca("\"@\"", "C"), 0, 0, "regular sale");
    expect(alpaca("\" \"", "A"), 0, 0, "CTA regular sale");
    expect(alpaca("\"@\",\"F\"", "C"), 0, 0, "intermarket sweep");
    expect(alpaca("\"@\",\"I\"", "C"), VOL_ONLY | SW_TICK_ODD_LOT, SW_EXCL_ODD_LOT, "odd lot");
    expect(alpaca("\"W\"", "C"), VOL_ONLY, SW_EXCL_AVERAGE_PRICE, "UTP average price");
    expect(alpaca("\"B\"", "A"), VOL_ONLY, SW_EXCL_AVERAGE_PRICE, "CTA average price");
    expect(alpaca("\"B\"", "C"), 0, 0, "UTP bunched trade");
    expect(alpaca("\"B\"", NULL), VOL_ONLY, SW_EXCL_AVERAGE_PRICE, "unknown tape: the strictest");
    expect(alpaca("\"B\"", "O"), VOL_ONLY, SW_EXCL_AVERAGE_PRICE, "OTC tape: unknown here");
    expect(alpaca("\"C\"", "C"), VOL_ONLY, SW_EXCL_CASH, "cash sale");
    expect(alpaca("\"H\"", "A"), VOL_ONLY, SW_EXCL_PRICE_VARIATION, "price variation");
    expect(alpaca("\"N\"", "C"), VOL_ONLY, SW_EXCL_NEXT_DAY, "next day");
    expect(alpaca("\"R\"", "C"), VOL_ONLY, SW_EXCL_SELLER, "seller");
    expect(alpaca("\"V\"", "C"), VOL_ONLY, SW_EXCL_CONTINGENT, "contingent");
    expect(alpaca("\"7\"", "C"), VOL_ONLY, SW_EXCL_CONTINGENT, "qualified contingent");
    expect(alpaca("\"U\"", "C"), VOL_ONLY, SW_EXCL_OUT_OF_SEQUENCE, "extended hours out of sequence");
    /* Minute bars no, daily high/low yes. */
    expect(alpaca("\"Z\"", "C"), SW_TICK_NO_LAST, SW_EXCL_OUT_OF_SEQUENCE, "sold out of sequence");
    expect(alpaca("\"P\"", "A"), SW_TICK_NO_LAST, SW_EXCL_PRIOR_REFERENCE, "prior reference price");
    expect(alpaca("\"4\"", "C"), SW_TICK_NO_LAST, SW_EXCL_DERIVATIVE, "derivatively priced");
    expect(alpaca("\"G\"", "C"), SW_TICK_NO_LAST, SW_EXCL_BUNCHED_SOLD, "bunched sold");
    /* Official prints. */
    expect(alpaca("\"M\"", "C"), NOT_A_TRADE | SW_TICK_OFFICIAL_CLOSE, SW_EXCL_OFFICIAL, "official close");
    expect(alpaca("\"Q\"", "A"), NOT_A_TRADE | SW_TICK_OFFICIAL_OPEN, SW_EXCL_OFFICIAL, "official open");
    expect(alpaca("\"9\"", "A"), SW_TICK_NO_LAST | SW_TICK_NO_VOLUME | SW_TICK_OFFICIAL_CLOSE, SW_EXCL_OFFICIAL,
           "corrected consolidated close");
    expect(alpaca("\"@\",\"6\"", "C"), SW_TICK_OFFICIAL_CLOSE, 0, "closing print");
    expect(alpaca("\"@\",\"O\"", "C"), SW_TICK_OFFICIAL_OPEN, 0, "opening print");
    expect(alpaca("\"@\",\"5\"", "C"), 0, 0, "reopening print");
    expect(alpaca("\"@\",\"T\"", "C"), 0, 0, "extended hours: the extended-hours price");
    expect(alpaca("\"@\",\"X\"", "C"), 0, 0, "unknown letters restrict nothing");
    expect(alpaca("\"@\",\"XX\",\"\"", "C"), 0, 0, "nor do longer or empty codes");
    expect(alpaca("", "C"), 0, 0, "no condition");
    /* The FAQ's own example: "@", "4", "I" on a Nasdaq trade updates only the
     * volume; without "I" the high/low too. */
    expect(alpaca("\"@\",\"4\",\"I\"", "C"), VOL_ONLY | SW_TICK_ODD_LOT, SW_EXCL_DERIVATIVE, "@ 4 I");
    expect(alpaca("\"@\",\"4\"", "C"), SW_TICK_NO_LAST, SW_EXCL_DERIVATIVE, "@ 4");
    /* The first ineligible code names the reason. */
    expect(alpaca("\"I\",\"W\"", "C"), VOL_ONLY | SW_TICK_ODD_LOT, SW_EXCL_ODD_LOT, "I W");
    expect(alpaca("\"W\",\"I\"", "C"), VOL_ONLY | SW_TICK_ODD_LOT, SW_EXCL_AVERAGE_PRICE, "W I");
}

Test(conditions, alpaca_conditions_that_are_not_codes_drop_the_trade)
{
    const char *why;
    one("alpaca", "[{\"T\":\"t\",\"S\":\"NVDA\",\"p\":1,\"s\":1,\"t\":\"2025-01-27T14:30:00Z\",\"c\":\"@\"}]", &why);
    cr_expect_str_eq(why, "conditions \"c\" not an array of strings");
    one("alpaca", "[{\"T\":\"t\",\"S\":\"NVDA\",\"p\":1,\"s\":1,\"t\":\"2025-01-27T14:30:00Z\",\"c\":[\"@\",7]}]", &why);
    cr_expect_str_eq(why, "conditions \"c\" not an array of strings");
    sw_tick t = one("alpaca", "[{\"T\":\"t\",\"S\":\"NVDA\",\"p\":1,\"s\":1,\"t\":\"2025-01-27T14:30:00Z\",\"c\":null,\"z\":7}]",
                    &why);
    cr_expect_null(why, "null conditions and a tape that is no string are none");
    expect(t, 0, 0, "null");
}

static sw_tick polygon(const char *ids)
{
    char msg[256];
    snprintf(msg, sizeof msg, "[{\"ev\":\"T\",\"sym\":\"NVDA\",\"x\":4,\"z\":3,\"p\":118.42,\"s\":100,\"c\":[%s],"
                              "\"t\":1737988200588}]", ids);
    return one("polygon", msg, NULL);
}

Test(conditions, polygon_ids_as_their_update_rules_give_them)
{
    expect(polygon(""), 0, 0, "no condition");
    expect(polygon("0"), 0, 0, "regular sale");
    expect(polygon("14,41"), 0, 0, "intermarket sweep, trade through exempt (unknown)");
    expect(polygon("2"), VOL_ONLY, SW_EXCL_AVERAGE_PRICE, "average price");
    expect(polygon("37"), VOL_ONLY | SW_TICK_ODD_LOT, SW_EXCL_ODD_LOT, "odd lot");
    expect(polygon("12,37"), VOL_ONLY | SW_TICK_ODD_LOT, SW_EXCL_ODD_LOT, "form T odd lot");
    expect(polygon("12"), 0, 0, "form T: the extended-hours price");
    expect(polygon("7"), VOL_ONLY, SW_EXCL_CASH, "cash sale");
    expect(polygon("13"), VOL_ONLY, SW_EXCL_OUT_OF_SEQUENCE, "extended hours out of sequence");
    expect(polygon("20"), VOL_ONLY, SW_EXCL_NEXT_DAY, "next day");
    expect(polygon("21"), VOL_ONLY, SW_EXCL_PRICE_VARIATION, "price variation");
    expect(polygon("52"), VOL_ONLY, SW_EXCL_CONTINGENT, "contingent");
    expect(polygon("53"), VOL_ONLY, SW_EXCL_CONTINGENT, "qualified contingent");
    expect(polygon("5"), SW_TICK_NO_LAST, SW_EXCL_BUNCHED_SOLD, "bunched sold");
    expect(polygon("10"), SW_TICK_NO_LAST, SW_EXCL_DERIVATIVE, "derivatively priced");
    expect(polygon("22"), SW_TICK_NO_LAST, SW_EXCL_PRIOR_REFERENCE, "prior reference price");
    expect(polygon("29"), SW_TICK_NO_LAST, SW_EXCL_SELLER, "seller");
    expect(polygon("33"), SW_TICK_NO_LAST, SW_EXCL_OUT_OF_SEQUENCE, "sold out of sequence");
    expect(polygon("15"), NOT_A_TRADE | SW_TICK_OFFICIAL_CLOSE, SW_EXCL_OFFICIAL, "official close");
    expect(polygon("16"), NOT_A_TRADE | SW_TICK_OFFICIAL_OPEN, SW_EXCL_OFFICIAL, "official open");
    expect(polygon("38"), SW_TICK_NO_LAST | SW_TICK_NO_VOLUME | SW_TICK_OFFICIAL_CLOSE, SW_EXCL_OFFICIAL,
           "corrected consolidated close");
    expect(polygon("8"), SW_TICK_OFFICIAL_CLOSE, 0, "closing prints");
    expect(polygon("25"), SW_TICK_OFFICIAL_OPEN, 0, "opening prints");
    expect(polygon("14,22,37"), VOL_ONLY | SW_TICK_ODD_LOT, SW_EXCL_PRIOR_REFERENCE, "the strictest, first reason");
    expect(polygon("-0,1e2,4000000000"), 0, 0, "unknown numbers restrict nothing");
    const char *why;
    one("polygon", "[{\"ev\":\"T\",\"sym\":\"NVDA\",\"p\":1,\"s\":1,\"c\":[1.5],\"t\":1737988200588}]", &why);
    cr_expect_str_eq(why, "conditions \"c\" not an array of whole numbers");
    one("polygon", "[{\"ev\":\"T\",\"sym\":\"NVDA\",\"p\":1,\"s\":1,\"c\":[\"2\"],\"t\":1737988200588}]", &why);
    cr_expect_str_eq(why, "conditions \"c\" not an array of whole numbers");
    one("polygon", "[{\"ev\":\"T\",\"sym\":\"NVDA\",\"p\":1,\"s\":1,\"c\":2,\"t\":1737988200588}]", &why);
    cr_expect_str_eq(why, "conditions \"c\" not an array of whole numbers");
}

Test(conditions, finnhub_codes_are_not_read)
{
    /* Finnhub's own documentation example; its list is not verified. */
    sw_tick t = one("finnhub", "{\"data\":[{\"c\":[\"1\",\"8\",\"24\",\"12\"],\"p\":122.1,\"s\":\"TSLA\","
                               "\"t\":1672348887195,\"v\":1}],\"type\":\"trade\"}", NULL);
    expect(t, 0, 0, "finnhub");
}

/* Every row of a table, written back as shock-feed writes it (tape C) and
 * read again by the adapter, gives the flags and reason it had. */
static void round_trip(const char *provider, const sw_cond_table *tab)
{
    const sw_emu *e = sw_emu_find(provider);
    size_t tried = 0;
    for (size_t r = 0; r < tab->n; r++) {
        const sw_cond_rule *row = &tab->rules[r];
        if (row->tapes && !(row->tapes & SW_TAPE_C))
            continue; /* a CTA-only letter: its flags come back through another row */
        sw_emu_trade et;
        memset(&et, 0, sizeof et);
        strcpy(et.tick.symbol, "NVDA");
        et.tick.price = 118.42;
        et.tick.size = 100;
        et.tick.ts_ns = INT64_C(1737988200588000000);
        et.tick.flags = row->flags;
        et.tick.excluded = row->reason;
        char buf[1024];
        int len = sw_emu_encode(e, &et, 1, buf, sizeof buf);
        cr_assert_gt(len, 0, "%s %s", provider, row->name);
        sw_tick t = one(provider, buf, NULL);
        cr_expect_eq(t.flags, row->flags, "%s: %s -> %s", provider, row->name, buf);
        cr_expect_eq(t.excluded, row->flags & SW_TICK_NO_LAST ? row->reason : 0, "%s: %s", provider, row->name);
        tried++;
    }
    cr_expect_geq(tried, tab->n * 3 / 4);
}

/* Crypto trades have no sale conditions, and no session: every trade of
 * Coinbase and Binance says its market never closes (so the halt detector
 * infers no pause), on both paths; an exchange's trade does not. */
Test(conditions, crypto_trades_say_their_market_never_closes)
{
    sw_tick t = one("coinbase",
                    "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\",\"price\":\"101000.25\",\"last_size\":\"0.5\","
                    "\"time\":\"2025-01-27T14:30:00Z\"}",
                    NULL);
    cr_expect_eq(t.flags, SW_TICK_ALWAYS_OPEN);
    t = one("binance", "{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"p\":\"3000\",\"q\":\"1\",\"T\":1737988200000}", NULL);
    cr_expect_eq(t.flags, SW_TICK_ALWAYS_OPEN);
    cr_expect_eq(alpaca("\"@\"", "C").flags, 0);
    t = one("polygon", "[{\"ev\":\"T\",\"sym\":\"NVDA\",\"p\":118.42,\"s\":100,\"t\":1737988200000,\"c\":[]}]", NULL);
    cr_expect_eq(t.flags, 0);
    t = one("finnhub", "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":118.42,\"v\":100,\"t\":1737988200000}]}",
            NULL);
    cr_expect_eq(t.flags, 0);
}

Test(conditions, every_row_written_back_by_shock_feed_reads_the_same)
{
    round_trip("alpaca", &sw_alpaca_conditions);
    round_trip("polygon", &sw_polygon_conditions);
    /* Flags no table row gives cannot be written. */
    const sw_cond_rule *rows[8];
    cr_expect_eq(sw_cond_encode(&sw_alpaca_conditions, SW_TAPE_C, SW_TICK_NO_VOLUME, 0, rows, 8), -1);
    cr_expect_eq(sw_cond_encode(&sw_alpaca_conditions, SW_TAPE_C, SW_TICK_NO_LAST, SW_EXCL_CASH, rows, 8), -1);
    int n = sw_cond_encode(&sw_alpaca_conditions, SW_TAPE_C, VOL_ONLY | SW_TICK_ODD_LOT | SW_TICK_OFFICIAL_CLOSE,
                           SW_EXCL_AVERAGE_PRICE, rows, 8);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(rows[0]->code, "W");
    cr_expect_str_eq(rows[1]->code, "I");
    cr_expect_str_eq(rows[2]->code, "6");
}

/* ---- the late average-price run --------------------------------------------- */

static int n_alerts;

static void count(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    n_alerts += c->kind == SW_CAND_FIRE;
}

/* NVDA through Alpaca: Friday's close 100, then Monday a trade every 2 s at
 * 100 and, at 10:00, five average-price prints in a row 8 % below reported
 * with `code`.  Returns the alerts pct_move (defaults) raised. */
static int late_prints(const char *code)
{
    static const char *const w[] = { "NVDA" };
    sw_group_spec g = { "g", w, 1 };
    sw_pct_move_params p;
    sw_detector_find("pct_move")->defaults(&p);
    sw_detector_spec d = { sw_detector_find("pct_move"), &p };
    sw_engine e;
    char err[128], msg[512], ts[48];
    cr_assert_eq(sw_engine_init(&e, &g, 1, &d, 1, count, NULL, err, sizeof err), 0, "%s", err);
    n_alerts = 0;
    int64_t fri = sw_ny_to_utc(sw_days_from_civil(2025, 1, 24), 16, 0, 0);
    int64_t mon = sw_ny_to_utc(sw_days_from_civil(2025, 1, 27), 9, 30, 0);
    typedef struct ev_t {
        int64_t ts;
        double px;
        const char *c;
    } ev_t;
    ev_t ev[80];
    int n = 0;
    ev[n++] = (ev_t){ fri, 100, "@" };
    for (int64_t t = mon; t < mon + 40 * SW_NS_PER_MIN; t += 40 * SW_NS_PER_SEC) {
        ev[n++] = (ev_t){ t, 100, "@" };
        if (t == mon + 30 * SW_NS_PER_MIN) /* right after this trade, in a row */
            for (int k = 0; k < 5; k++)
                ev[n++] = (ev_t){ t + (k + 1) * 100 * 1000000, 92, code };
    }
    for (int i = 0; i < n; i++) {
        sw_tick t[4];
        sw_parse_result r;
        snprintf(msg, sizeof msg, "[{\"T\":\"t\",\"S\":\"NVDA\",\"p\":%g,\"s\":500,\"c\":[\"%s\"],\"t\":\"%s\",\"z\":\"C\"}]",
                 ev[i].px, ev[i].c, sw_emu_format_time(ev[i].ts, 9, ts, sizeof ts));
        sw_alpaca_parse(msg, strlen(msg), t, 4, &r);
        cr_assert_eq(r.n_ticks, 1, "%s", msg);
        cr_assert_eq(sw_engine_tick(&e, &t[0]), SW_TICK_OK);
    }
    cr_expect_eq(e.stats.excluded[SW_EXCL_AVERAGE_PRICE], strcmp(code, "W") == 0 ? 5 : 0);
    sw_engine_free(&e);
    return n_alerts;
}

Test(conditions, late_average_price_prints_8_percent_away_raise_nothing)
{
    cr_expect_eq(late_prints("W"), 0);
    /* The same prints without their condition: a confirmed -8 % warning. */
    cr_expect_eq(late_prints("@"), 1);
}
