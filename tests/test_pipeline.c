/*
 * test_pipeline.c -- the flow shockd and shock-report share (daemon/
 * sw_pipeline.c): a config's detectors and policy turn replayed events into
 * alerts with the ids the alert model gives them; a split event moves the
 * references instead of alerting; a repeated condition is held by the
 * policy; symbols outside the watchlist are refused.
 */
#include "sw_log.h"
#include "sw_pipeline.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <string.h>

/* What the test looks at: how many alerts, and the first one. */
static size_t n_alerts;
static sw_alert first;

static void deliver(void *ctx, const sw_alert *a)
{
    (void)ctx;
    if (n_alerts++ == 0)
        first = *a;
}

static sw_event ev_tick(const char *sym, int64_t day, int h, int m, int s, double price)
{
    sw_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SW_EV_TICK;
    snprintf(ev.tick.symbol, sizeof ev.tick.symbol, "%s", sym);
    ev.tick.price = price;
    ev.tick.size = 100;
    ev.tick.ts_ns = sw_ny_to_utc(day, h, m, s);
    return ev;
}

#define FRI INT64_C(20112) /* 2025-01-24 */
#define MON INT64_C(20115)

static const char cfg_text[] =
    "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\"]},"
    " \"detectors\": [{\"type\": \"pct_move\", \"warning_pct\": 5, \"critical_pct\": 10, \"confirm_ticks\": 2}],"
    " \"sinks\": [\"stdout\"], \"state_dir\": \"/nonexistent-state\", \"log_level\": \"error\"}";

Test(pipeline, ticks_to_alerts_and_splits_to_references)
{
    sw_log_init("test");
    sw_log_set_level(SW_LOG_ERROR);
    sw_config cfg;
    sw_diag diag = { 0 };
    cr_assert_eq(sw_config_parse(&cfg, cfg_text, sizeof cfg_text - 1, "test.json", &diag), 0);
    sw_diag_free(&diag);
    sw_pipeline p;
    cr_assert_eq(sw_pipeline_init(&p, &cfg, deliver, NULL), 0);
    /* Friday's close sets the reference; Monday opens 12.5 % lower. */
    sw_event e = ev_tick("NVDA", FRI, 16, 0, 0, 142.62);
    cr_expect_eq(sw_pipeline_event(&p, &e), SW_TICK_OK);
    e = ev_tick("AMD", FRI, 16, 0, 0, 100.00);
    sw_pipeline_event(&p, &e);
    e = ev_tick("MSFT", FRI, 16, 0, 0, 400.00);
    cr_expect_eq(sw_pipeline_event(&p, &e), SW_TICK_UNKNOWN, "not in the watchlist");
    for (int i = 0; i < 3; i++) {
        e = ev_tick("NVDA", MON, 9, 30, i, 124.80);
        sw_pipeline_event(&p, &e);
    }
    cr_assert_eq(n_alerts, 1u, "one critical alert: the policy holds the repeats");
    cr_expect_str_eq(first.symbol, "NVDA");
    cr_expect_eq(first.severity, SW_SEV_CRITICAL);
    cr_expect_eq(first.reference, 142.62);
    /* The id is the alert model's, from what triggered it. */
    sw_candidate c = { .symbol = "NVDA", .detector = "pct_move", .instance = 0, .severity = SW_SEV_CRITICAL,
                       .direction = -1, .ts_ns = first.ts_ns };
    sw_alert want;
    sw_alert_from_candidate(&want, &c, SW_SEV_CRITICAL, 0);
    cr_expect_str_eq(first.id, want.id);
    /* AMD splits 2:1 over the weekend (the event comes before the day's
     * first trade, as a CSV bar's split column does): Monday's 50.50 is
     * +1 % of the halved close, no alert. */
    sw_event split;
    memset(&split, 0, sizeof split);
    split.kind = SW_EV_SPLIT;
    strcpy(split.tick.symbol, "AMD");
    split.tick.ts_ns = sw_ny_to_utc(MON, 9, 30, 0);
    split.ratio = 2;
    cr_expect_eq(sw_pipeline_event(&p, &split), SW_TICK_OK);
    for (int i = 0; i < 3; i++) {
        e = ev_tick("AMD", MON, 9, 30, 10 + i, 50.50);
        cr_expect_eq(sw_pipeline_event(&p, &e), SW_TICK_OK);
    }
    cr_expect_eq(n_alerts, 1u, "a split is not a move");
    cr_expect_eq(sw_engine_symbol(&p.engine, "AMD")->prev_close, 50.0);
    strcpy(split.tick.symbol, "ZZZ");
    cr_expect_eq(sw_pipeline_event(&p, &split), SW_TICK_UNKNOWN);
    sw_pipeline_free(&p);
    sw_config_free(&cfg);
}
