/* Tests of strategies/sw_breadth with plain numbers: 7 of 13 members down 5%
 * is critical, 5 of 13 is nothing; the candidate carries the members sorted
 * biggest fall first and the median move; edge-triggered (one FIRE, an
 * extension by a quarter of the group, a CLEAR with hysteresis); melt-ups;
 * members without data; the `groups` option; a new day starts clean. */
#include "sw_breadth.h"
#include "sw_config.h"
#include "sw_engine.h"
#include "sw_policy.h"
#include "sw_test_tick.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAXC 32

typedef struct rec {
    sw_candidate c;
    char text[256];
    char symbol[32];
    char group[32];
    char window[16];
    size_t n;
    char msym[16][SW_SYMBOL_MAX];
    double mchg[16];
} rec;

static sw_engine eng;
static rec got[MAXC];
static int n_got;

static void collect(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    if (n_got >= MAXC)
        return;
    rec *r = &got[n_got++];
    r->c = *c;
    snprintf(r->text, sizeof r->text, "%s", c->text);
    snprintf(r->symbol, sizeof r->symbol, "%s", c->symbol);
    snprintf(r->group, sizeof r->group, "%s", c->group ? c->group : "(null)");
    snprintf(r->window, sizeof r->window, "%s", c->window ? c->window : "");
    r->n = c->n_members;
    for (size_t i = 0; i < c->n_members && i < 16; i++) {
        snprintf(r->msym[i], sizeof r->msym[i], "%s", c->members[i].symbol);
        r->mchg[i] = c->members[i].change_pct;
    }
}

static const char *const AI[13] = { "NVDA", "AMD", "AVGO", "TSM", "ASML", "MSFT", "GOOG",
                                    "META", "AMZN", "ORCL", "SMCI", "ARM",  "MU" };
static const char *const BENCH[3] = { "QQQ", "SPY", "SMH" };

static int64_t ny(int d, int h, int mi, int s)
{
    return sw_ny_to_utc(sw_days_from_civil(2025, 1, d), h, mi, s);
}

static void px(const char *sym, double price, int64_t ts)
{
    cr_assert_eq(sw_test_trade(&eng, sym, price, ts, 0), SW_TICK_OK);
}

static sw_breadth_params defaults(void)
{
    sw_breadth_params p;
    sw_detector_find("breadth")->defaults(&p);
    return p;
}

static void build(const sw_breadth_params *p)
{
    sw_group_spec g[] = { { "ai", AI, 13 }, { "benchmarks", BENCH, 3 } };
    sw_detector_spec d = { sw_detector_find("breadth"), p };
    char err[128];
    n_got = 0;
    cr_assert_eq(sw_engine_init(&eng, g, 2, &d, 1, collect, NULL, err, sizeof err), 0, "%s", err);
}

/* Friday 2025-01-24 closes at 100 for every name, Monday opens flat. */
static void friday_close_monday_open(void)
{
    for (int i = 0; i < 13; i++)
        px(AI[i], 100.0, ny(24, 16, 0, 0));
    for (int i = 0; i < 3; i++)
        px(BENCH[i], 100.0, ny(24, 16, 0, 0));
    for (int i = 0; i < 13; i++)
        px(AI[i], 100.0, ny(27, 9, 30, 0));
    for (int i = 0; i < 3; i++)
        px(BENCH[i], 100.0, ny(27, 9, 30, 0));
    cr_assert_eq(n_got, 0);
}

static void teardown(void)
{
    sw_engine_free(&eng);
}

TestSuite(breadth, .fini = teardown);

Test(breadth, seven_of_thirteen_down_5pct_is_critical_five_is_nothing)
{
    sw_breadth_params p = defaults();
    build(&p);
    friday_close_monday_open();
    /* Members 0..4 fall 6%..10%. */
    for (int i = 0; i < 5; i++)
        px(AI[i], 94.0 - i, ny(27, 9, 30, 10 + i));
    cr_expect_eq(n_got, 0, "5 of 13 is not half the group");
    px(AI[5], 89.0, ny(27, 9, 30, 20));
    cr_expect_eq(n_got, 0, "6 of 13 is not half the group");
    px(AI[6], 88.0, ny(27, 9, 30, 21));
    cr_assert_eq(n_got, 1, "7 of 13");
    rec *r = &got[0];
    cr_expect_eq(r->c.kind, SW_CAND_FIRE);
    cr_expect_eq(r->c.severity, SW_SEV_CRITICAL);
    cr_expect_eq(r->c.direction, -1);
    cr_expect_str_eq(r->symbol, "ai");
    cr_expect_str_eq(r->group, "ai");
    cr_expect_str_eq(r->c.detector, "breadth");
    cr_expect_str_eq(r->window, "prev_close");
    cr_expect_float_eq(r->c.magnitude, 7.0 / 13.0, 1e-12);
    cr_expect_float_eq(r->c.step, 0.25, 1e-12);
    cr_expect_eq(r->c.ts_ns, ny(27, 9, 30, 21));
    /* Every member with data, biggest fall first. */
    cr_assert_eq(r->n, 13);
    cr_expect_str_eq(r->msym[0], "GOOG");
    cr_expect_float_eq(r->mchg[0], -12.0, 1e-9);
    cr_expect_str_eq(r->msym[1], "MSFT");
    cr_expect_str_eq(r->msym[6], "NVDA");
    cr_expect_float_eq(r->mchg[6], -6.0, 1e-9);
    for (size_t i = 1; i < r->n; i++)
        cr_expect(r->mchg[i - 1] <= r->mchg[i], "sorted at %zu", i);
    cr_expect_float_eq(r->mchg[12], 0.0, 1e-9);
    /* Median of -12..-6 and six zeros is the 7th value: -6. */
    cr_expect_float_eq(r->c.change_pct, -6.0, 1e-9);
    cr_expect_str_eq(r->text, "ai: 7 of 13 members down 5% or more vs previous close (median -6.00%)");
    cr_expect(isnan(r->c.price));
    /* Edge-triggered: the same condition does not fire again. */
    for (int k = 0; k < 50; k++)
        px(AI[k % 7], 93.0, ny(27, 9, 31, k));
    cr_expect_eq(n_got, 1);
}

Test(breadth, seven_of_thirteen_down_4pct_is_a_warning)
{
    sw_breadth_params p = defaults();
    build(&p);
    friday_close_monday_open();
    for (int i = 0; i < 7; i++)
        px(AI[i], 96.0, ny(27, 9, 35, i));
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].c.severity, SW_SEV_WARNING);
    cr_expect_str_eq(got[0].text, "ai: 7 of 13 members down 3% or more vs previous close (median -4.00%)");
    /* Escalation: four of them fall through 5%, then three more: 7 critical. */
    for (int i = 0; i < 7; i++)
        px(AI[i], 94.5, ny(27, 9, 40, i));
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].c.severity, SW_SEV_CRITICAL);
}

Test(breadth, melt_up_fires_upward)
{
    sw_breadth_params p = defaults();
    build(&p);
    friday_close_monday_open();
    for (int i = 0; i < 7; i++)
        px(AI[12 - i], 106.0 + i, ny(27, 10, 0, i));
    cr_assert_eq(n_got, 1);
    cr_expect_eq(got[0].c.direction, 1);
    cr_expect_eq(got[0].c.severity, SW_SEV_CRITICAL);
    cr_expect_str_eq(got[0].text, "ai: 7 of 13 members up 5% or more vs previous close (median +6.00%)");
    cr_expect_float_eq(got[0].mchg[0], 0.0, 1e-9, "still sorted biggest fall first");
    cr_expect_float_eq(got[0].mchg[12], 12.0, 1e-9);
}

Test(breadth, extends_by_a_quarter_of_the_group_and_clears_with_hysteresis)
{
    sw_breadth_params p = defaults();
    build(&p);
    friday_close_monday_open();
    for (int i = 0; i < 7; i++)
        px(AI[i], 94.0, ny(27, 9, 45, i));
    cr_assert_eq(n_got, 1);
    for (int i = 7; i < 10; i++)
        px(AI[i], 94.0, ny(27, 9, 46, i));
    cr_expect_eq(n_got, 1, "10/13 = 0.77 is less than 7/13 + 0.25");
    px(AI[10], 94.0, ny(27, 9, 47, 0));
    cr_assert_eq(n_got, 2, "11/13 = 0.85 extends by a quarter");
    cr_expect_eq(got[1].c.kind, SW_CAND_FIRE);
    cr_expect_eq(got[1].c.severity, SW_SEV_CRITICAL);
    cr_expect_float_eq(got[1].c.magnitude, 11.0 / 13.0, 1e-12);
    /* Recovery: 11 down -> 6 down (0.46) holds, 5 down (0.38 < 0.4) clears. */
    for (int i = 0; i < 5; i++)
        px(AI[i], 99.0, ny(27, 10, 0, i));
    cr_expect_eq(n_got, 2, "6 of 13 still down 3%%: inside the hysteresis band");
    px(AI[5], 99.0, ny(27, 10, 0, 30));
    cr_assert_eq(n_got, 3);
    cr_expect_eq(got[2].c.kind, SW_CAND_CLEAR);
    cr_expect_eq(got[2].c.direction, -1);
    cr_expect_str_eq(got[2].text, "ai: back to 5 of 13 members down 3% or more (median -1.00%)");
    /* Re-armed: the next sell-off fires again. */
    for (int i = 0; i < 2; i++)
        px(AI[i], 90.0, ny(27, 11, 0, i));
    cr_assert_eq(n_got, 4);
    cr_expect_eq(got[3].c.kind, SW_CAND_FIRE);
}

Test(breadth, only_members_with_data_count)
{
    sw_breadth_params p = defaults();
    build(&p);
    /* Only four names closed on Friday; the others first trade on Monday and
     * have no previous close, AI[3] does not trade on Monday. */
    for (int i = 0; i < 4; i++)
        px(AI[i], 100.0, ny(24, 16, 0, 0));
    for (int i = 4; i < 13; i++)
        px(AI[i], 50.0, ny(27, 9, 30, 0));
    px(AI[0], 90.0, ny(27, 9, 30, 1));
    px(AI[1], 91.0, ny(27, 9, 30, 2));
    cr_expect_eq(n_got, 0, "2 of 2 with data are down, but min_members is 3");
    px(AI[2], 100.0, ny(27, 9, 30, 3));
    cr_assert_eq(n_got, 1, "2 of the 3 with data are down 9%% or more");
    cr_expect_eq(got[0].c.severity, SW_SEV_CRITICAL);
    cr_assert_eq(got[0].n, 3, "members without a previous close or a trade today are left out");
    cr_expect_str_eq(got[0].msym[0], "NVDA");
    cr_expect_str_eq(got[0].msym[1], "AMD");
    cr_expect_str_eq(got[0].msym[2], "AVGO");
    cr_expect_float_eq(got[0].c.change_pct, -9.0, 1e-9, "median of -10, -9, 0");
    cr_expect_str_eq(got[0].text, "ai: 2 of 3 members down 5% or more vs previous close (median -9.00%)");
}

Test(breadth, groups_option_limits_the_watched_groups)
{
    sw_breadth_params p = defaults();
    p.groups.n = 1;
    strcpy(p.groups.name[0], "benchmarks");
    build(&p);
    friday_close_monday_open();
    for (int i = 0; i < 13; i++)
        px(AI[i], 90.0, ny(27, 9, 31, i));
    cr_expect_eq(n_got, 0, "ai is not watched");
    px("QQQ", 94.0, ny(27, 9, 32, 0));
    px("SMH", 92.0, ny(27, 9, 32, 1));
    cr_assert_eq(n_got, 1);
    cr_expect_str_eq(got[0].symbol, "benchmarks");
    cr_expect_eq(got[0].n, 3);
    cr_expect_str_eq(got[0].msym[0], "SMH");
    sw_engine_free(&eng);
    /* A group name the engine does not have (the config loader checked it
     * against the whole watchlist: a shard runs only some groups) watches
     * nothing here -- it does not fall back to "every group". */
    strcpy(p.groups.name[0], "tech");
    sw_group_spec g[] = { { "ai", AI, 13 } };
    sw_detector_spec d = { sw_detector_find("breadth"), &p };
    char err[128];
    cr_assert_eq(sw_engine_init(&eng, g, 1, &d, 1, collect, NULL, err, sizeof err), 0, "%s", err);
    n_got = 0;
    for (int i = 0; i < 13; i++)
        px(AI[i], 100.0, ny(24, 16, 0, 0));
    for (int i = 0; i < 13; i++)
        px(AI[i], 90.0, ny(27, 9, 31, i));
    cr_expect_eq(n_got, 0, "ai is not watched: the list names only \"tech\"");
    sw_engine_free(&eng);
}

Test(breadth, a_new_day_starts_clean)
{
    sw_breadth_params p = defaults();
    build(&p);
    friday_close_monday_open();
    for (int i = 0; i < 7; i++)
        px(AI[i], 90.0, ny(27, 10, 0, i));
    cr_assert_eq(n_got, 1);
    /* Monday closes there; on Tuesday four names trade flat vs Monday's close. */
    for (int i = 0; i < 13; i++)
        px(AI[i], i < 7 ? 90.0 : 100.0, ny(27, 16, 0, 0));
    cr_assert_eq(n_got, 1);
    px(AI[3], 90.0, ny(28, 9, 30, 0));
    /* Monday's condition was never cleared by a recovery: the new day ends it. */
    cr_assert_eq(n_got, 2);
    cr_expect_eq(got[1].c.kind, SW_CAND_CLEAR);
    cr_expect_eq(got[1].c.direction, -1);
    cr_expect_str_eq(got[1].window, "session");
    cr_expect_str_eq(got[1].text, "ai: yesterday's down move across the group ends with the session");
    cr_expect_eq(got[1].n, 13, "with Monday's members");
    cr_expect_float_eq(got[1].mchg[0], -10.0, 1e-9);
    for (int i = 4; i < 7; i++)
        px(AI[i], 90.0, ny(28, 9, 30, i));
    cr_expect_eq(n_got, 2, "Monday's moves do not count on Tuesday");
    /* Two of them fall 11%: 2 of 4 with data -- a fresh condition. */
    px(AI[3], 80.0, ny(28, 9, 31, 0));
    cr_expect_eq(n_got, 2, "1 of 4");
    px(AI[4], 80.0, ny(28, 9, 31, 1));
    cr_assert_eq(n_got, 3);
    cr_expect_eq(got[2].c.kind, SW_CAND_FIRE);
    cr_expect_eq(got[2].n, 4, "only the members that traded on Tuesday");
    cr_expect_str_eq(got[2].text, "ai: 2 of 4 members down 5% or more vs previous close (median -5.56%)");
}

static sw_policy policy;
static int delivered;

static void count_alert(void *ctx, const sw_alert *a)
{
    (void)ctx;
    (void)a;
    delivered++;
}

static void to_policy(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    sw_policy_offer(&policy, c);
}

Test(breadth, the_policy_lets_each_days_sell_off_through_once)
{
    sw_policy_params pp;
    sw_policy_defaults(&pp);
    cr_assert_eq(sw_policy_init(&policy, &pp, count_alert, NULL), 0);
    sw_breadth_params p = defaults();
    sw_group_spec g[] = { { "ai", AI, 13 } };
    sw_detector_spec d = { sw_detector_find("breadth"), &p };
    char err[128];
    cr_assert_eq(sw_engine_init(&eng, g, 1, &d, 1, to_policy, NULL, err, sizeof err), 0, "%s", err);
    delivered = 0;
    double base[13];
    for (int i = 0; i < 13; i++)
        base[i] = 100.0;
    for (int day = 24; day <= 28; day += (day == 24 ? 3 : 1)) {
        /* Each day opens flat vs the previous close, 7 names fall 8% and close
         * there: the condition is still raised when the session ends. */
        for (int i = 0; i < 13; i++)
            px(AI[i], base[i], ny(day, 9, 30, 0));
        for (int i = 0; i < 7; i++)
            px(AI[i], base[i] * 0.92, ny(day, 9, 40, i));
        for (int i = 0; i < 13; i++) {
            if (i < 7)
                base[i] *= 0.92;
            px(AI[i], base[i], ny(day, 16, 0, 0));
        }
    }
    /* Friday has no previous close; Monday and Tuesday alert once each. */
    cr_expect_eq(delivered, 2);
    sw_policy_free(&policy);
}

Test(breadth, config_options)
{
    sw_config cfg;
    sw_diag diag = { 0 };
    const char *json = "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\"], \"benchmarks\": [\"QQQ\"]},\n"
                       " \"detectors\": [{\"type\": \"breadth\"},\n"
                       "               {\"type\": \"breadth\", \"groups\": [\"ai\"], \"warning_pct\": 2,\n"
                       "                \"critical_pct\": 4, \"min_fraction\": 0.6, \"min_members\": 5, \"step\": 0}]}";
    cr_assert_eq(sw_config_parse(&cfg, json, strlen(json), "t.json", &diag), 0);
    const sw_breadth_params *a = cfg.detectors[0].params;
    cr_expect_eq(a->warning_pct, 3.0);
    cr_expect_eq(a->critical_pct, 5.0);
    cr_expect_eq(a->min_fraction, 0.5);
    cr_expect_eq(a->min_members, 3);
    cr_expect_eq(a->step, 0.25);
    cr_expect_eq(a->hysteresis, 0.2);
    cr_expect_eq(a->groups.n, 0, "default: every group");
    const sw_breadth_params *b = cfg.detectors[1].params;
    cr_expect_eq(b->groups.n, 1);
    cr_expect_str_eq(b->groups.name[0], "ai");
    cr_expect_eq(b->min_fraction, 0.6);
    cr_expect_eq(b->min_members, 5);
    cr_expect_eq(b->step, 0.0);
    sw_config_free(&cfg);
    json = "{\"groups\": {\"ai\": [\"NVDA\"], \"benchmarks\": [\"QQQ\"]},\n"
           " \"detectors\": [{\"type\": \"breadth\", \"groups\": [\"tech\"]},\n"
           "               {\"type\": \"breadth\", \"groups\": \"ai\"},\n"
           "               {\"type\": \"breadth\", \"warning_pct\": 6}]}";
    cr_assert_neq(sw_config_parse(&cfg, json, strlen(json), "t.json", &diag), 0);
    const char *want[] = {
        "t.json: detectors[0].groups[0]: \"tech\" is not a group (one of \"ai\", \"benchmarks\")",
        "t.json: detectors[1].groups: is a string (an array of group names)",
        "t.json: detectors[2]: critical_pct (5) must be greater than warning_pct (6)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int found = 0;
        for (size_t k = 0; k < diag.n; k++)
            found |= strcmp(diag.lines[k], want[i]) == 0;
        if (!found)
            for (size_t k = 0; k < diag.n; k++)
                cr_log_info("diag: %s", diag.lines[k]);
        cr_expect(found, "missing diagnostic: %s", want[i]);
    }
    cr_expect_eq(diag.n, 3);
    sw_diag_free(&diag);
}
