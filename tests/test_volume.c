/* Tests of strategies/sw_volume with plain numbers: the baseline of each
 * window (the intraday curve), the levels, one print never enough, nothing
 * and one note before min_days sessions, the floor, the clear, early closes,
 * feed outages, daily bars, splits, the numbers kept in state.json; and end
 * to end: `shockd --replay` of a recording, and a baseline seeded from
 * history (`--seed-state`) that a live start accepts. */
#include "sw_test_ops.h" /* first: it asks for _DEFAULT_SOURCE */
#include "sw_calendar.h"
#include "sw_volume.h"
#include "sw_test_engine.h"

#include <math.h>

TestSuite(volume, .fini = teardown);

static sw_volume_params P;

static void defaults(void)
{
    sw_detector_find("volume")->defaults(&P);
    P.min_volume = 0;
}

/* A session of day d in which every 5-minute window trades `per` trades of
 * `size` shares, spread over its first minutes; window `w` (or none: -1)
 * trades `mult` times as many. */
static void session(int64_t d, int per, double size, int w, int mult)
{
    for (int k = 0; k < 78; k++) {
        int n = k == w ? per * mult : per;
        for (int i = 0; i < n; i++)
            trade("XYZ", 100, size, minute(d, 5 * k) + (int64_t)i * (SW_NS_PER_SEC / 2));
    }
}

/* The FIRE candidates among got[] (a heavy window is followed by its CLEAR). */
static int fires(void)
{
    int n = 0;
    for (int i = 0; i < n_got; i++)
        n += got[i].kind == SW_CAND_FIRE;
    return n;
}

/* min_days sessions of 10 trades of 100 shares a window: a mean of 1000. */
static void learn(int days)
{
    for (int k = 0; k < days; k++)
        session(day(k), 10, 100, -1, 1);
}

Test(volume, warning_at_5_times_the_windows_mean_without_its_largest_trade)
{
    defaults();
    build_detector("volume", &P);
    learn(10);
    cr_expect_eq(n_got, 0, "ordinary sessions raise nothing");
    /* Day 10, window 3 (09:45-09:50): trades of 100 until the volume less
     * its largest trade reaches 5 x 1000. */
    int64_t t0 = minute(day(10), 15);
    int i = 0;
    while (n_got == 0 && i < 1000)
        trade("XYZ", 100, 100, t0 + (int64_t)i++ * SW_NS_PER_SEC / 10);
    cr_assert_eq(n_got, 1);
    cr_expect_eq(i, 51, "5100 shares less the largest 100 is 5000: the 51st trade");
    cr_expect_eq(got[0].severity, SW_SEV_WARNING);
    cr_expect_eq(got[0].direction, 0);
    cr_expect(isnan(got[0].change_pct) && isnan(got[0].reference));
    cr_expect_float_eq(got[0].magnitude, 5.1, 1e-4);
    cr_expect_str_eq(got[0].text,
                     "XYZ volume 5.1 times its usual for 09:45-09:50: 5100 shares vs a 10-session mean of 1000");
    /* Critical at 20 x: 20 000 shares less one trade. */
    while (n_got == 1 && i < 1000)
        trade("XYZ", 100, 100, t0 + (int64_t)i++ * SW_NS_PER_SEC / 10);
    cr_assert_eq(n_got, 2);
    cr_expect_eq(i, 201);
    cr_expect_eq(got[1].severity, SW_SEV_CRITICAL);
}

Test(volume, one_print_of_any_size_is_not_unusual_volume)
{
    defaults();
    build_detector("volume", &P);
    learn(10);
    trade("XYZ", 100, 1000000, minute(day(10), 15)); /* a thousand times the mean, one print */
    trade("XYZ", 100, 100, minute(day(10), 16));
    cr_expect_eq(n_got, 0);
}

Test(volume, the_curve_a_busy_open_is_not_a_busy_midday)
{
    defaults();
    build_detector("volume", &P);
    /* Every session trades 10x at the open (window 0). */
    for (int k = 0; k < 10; k++)
        session(day(k), 10, 100, 0, 10);
    session(day(10), 10, 100, 0, 10);
    cr_expect_eq(fires(), 0, "the open's volume against the open's baseline");
    /* The same 10x at noon (window 30) is unusual. */
    session(day(11), 10, 100, 30, 10);
    cr_assert_eq(fires(), 1);
    cr_expect(strstr(got[0].text, "for 12:00-12:05") != NULL, "%s", got[0].text);
}

Test(volume, nothing_and_one_note_before_min_days)
{
    defaults();
    build_detector("volume", &P);
    learn(9);
    session(day(9), 10, 100, 5, 50); /* 50x, but the baseline has 9 sessions */
    cr_expect_eq(fires(), 0);
    cr_expect_eq(n_notes, 1, "said once for the symbol");
    cr_expect_str_eq(notes[0], "volume: XYZ has 0 of the 10 sessions of baseline a window needs; no unusual-volume "
                               "alert for it until then (build one from history: shockd --replay FILES --seed-state)");
    session(day(10), 10, 100, 5, 50);
    cr_expect_eq(fires(), 1, "the tenth session made it");
}

Test(volume, below_min_volume_nothing)
{
    defaults();
    P.min_volume = 10000;
    build_detector("volume", &P);
    learn(10);
    session(day(10), 10, 100, 5, 9); /* 9000 shares: 9 x the mean, under the floor */
    cr_expect_eq(fires(), 0);
    session(day(11), 10, 100, 5, 11);
    cr_expect_eq(fires(), 1);
}

Test(volume, the_condition_holds_while_windows_stay_heavy_and_then_clears)
{
    defaults();
    build_detector("volume", &P);
    learn(10);
    int64_t d = day(10);
    for (int k = 0; k < 6; k++) /* windows 0-5 at 6x */
        for (int i = 0; i < 60; i++)
            trade("XYZ", 100, 100, minute(d, 5 * k) + i * SW_NS_PER_SEC);
    cr_expect_eq(n_got, 1, "one alert for six heavy windows");
    for (int i = 0; i < 10; i++) /* window 6 ordinary */
        trade("XYZ", 100, 100, minute(d, 30) + i * SW_NS_PER_SEC);
    trade("XYZ", 100, 100, minute(d, 35));
    cr_assert_eq(n_got, 2, "the ordinary window ended: clear");
    cr_expect_eq(got[1].kind, SW_CAND_CLEAR);
    cr_expect_str_eq(got[1].text, "XYZ volume back to 1.0 times its usual");
}

Test(volume, an_early_close_is_judged_on_the_curve_but_not_learned)
{
    sw_calendar cal;
    sw_calendar_init(&cal);
    cr_assert_eq(sw_calendar_add_early_close(&cal, day(10), 13 * 3600), 0);
    defaults();
    build_detector("volume", &P);
    eng.calendar = &cal;
    /* Every session: 10 trades a window, 40 in the last (15:55-16:00). */
    for (int k = 0; k < 10; k++)
        session(day(k), 10, 100, 77, 4);
    /* The early close: its last window (12:55-13:00) trades 6000 shares,
     * 1.5x the closing window's mean of 4000 -- not unusual; against the
     * 1000 of a normal day's 12:55 window it would be 6x. */
    for (int k = 0; k < 42; k++) {
        int n = k == 41 ? 60 : 10;
        for (int i = 0; i < n; i++)
            trade("XYZ", 100, 100, minute(day(10), 5 * k) + i * (SW_NS_PER_SEC / 2));
    }
    cr_expect_eq(fires(), 0, "the early close's last window is compared with the close's");
    /* Not learned: the next session's 12:55 window still has a mean of 1000,
     * and its 15:55 window 4000. */
    session(day(11), 10, 100, 41, 6);
    cr_assert_eq(fires(), 1, "12:55 at 6x its mean");
    cr_expect(strstr(got[0].text, "for 12:55-13:00: 5100 shares vs a 10-session mean of 1000") != NULL, "%s",
              got[0].text);
}

Test(volume, windows_nobody_traded_in_are_an_outage_not_zero_volume)
{
    defaults();
    build_detector("volume", &P);
    learn(10);
    /* Day 10: the feed is down from 10:00 to 14:00 (no trade of any symbol);
     * window 60 (14:30) trades as usual. */
    for (int k = 0; k < 78; k++)
        if (k < 6 || k >= 54)
            for (int i = 0; i < 10; i++)
                trade("XYZ", 100, 100, minute(day(10), 5 * k) + i * SW_NS_PER_SEC);
    session(day(11), 10, 100, -1, 1);
    session(day(12), 10, 100, 30, 6);
    cr_assert_eq(fires(), 1);
    /* Zeros for the outage would make it a 12-session mean of 914. */
    cr_expect(strstr(got[0].text, "vs a 11-session mean of 1000") != NULL, "%s", got[0].text);
}

/* One of the four ticks the CSV reader makes of a daily bar. */
static void bar_tick(double size, int64_t ts)
{
    sw_tick t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "XYZ");
    t.price = 100;
    t.size = size;
    t.ts_ns = ts;
    t.flags = SW_TICK_SYNTH_BAR | SW_TICK_DAILY_BAR;
    cr_assert_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
}

Test(volume, daily_bars_compare_the_days_volume)
{
    defaults();
    P.bar_ns = SW_NS_PER_DAY;
    P.warning_x = 2;
    P.critical_x = 4;
    build_detector("volume", &P);
    for (int k = 0; k < 10; k++)
        for (int i = 0; i < 4; i++) /* a daily bar: four ticks of a quarter of 1 000 000 */
            bar_tick(250000, minute(day(k), 130 * i));
    cr_expect_eq(n_got, 0);
    for (int i = 0; i < 4; i++)
        bar_tick(600000, minute(day(10), 130 * i));
    cr_assert_eq(n_got, 1, "2.4 million by the 4th tick: 2.4x");
    cr_expect_eq(got[0].ts_ns, minute(day(10), 390));
    cr_expect_str_eq(got[0].text, "XYZ volume 2.4 times its usual for the day: 2400000 shares vs a 10-session mean of "
                                  "1000000");
}

Test(volume, a_split_multiplies_the_baseline)
{
    defaults();
    build_detector("volume", &P);
    learn(10);
    cr_assert_eq(sw_engine_split(&eng, "XYZ", minute(day(10), 0), 10), 0);
    session(day(10), 10, 1000, -1, 1); /* ten times the shares: the same volume after 10:1 */
    cr_expect_eq(fires(), 0);
}

/* Ten sessions learnt and the clock past the last close (the day's last
 * window enters the baseline before a shutdown's save): volume's numbers
 * into v (returns how many); then a new engine with XYZ on that day, as a
 * restart has it before the numbers go back. */
static size_t learn_and_restart(double *v)
{
    defaults();
    build_detector("volume", &P);
    learn(10);
    sw_engine_advance(&eng, minute(day(9), 391));
    const sw_detector *d = &eng.dets[0];
    sw_symbol *s = sw_engine_symbol(&eng, "XYZ");
    size_t n = d->type->save_state(d, s->state + d->state_off, v, SW_DET_STATE_MAX);
    cr_assert_eq(n, 8 + 2 * 78);
    int64_t saved_day = s->day;
    teardown();
    build_detector("volume", &P);
    sw_engine_symbol(&eng, "XYZ")->day = saved_day;
    return n;
}

Test(volume, the_baseline_survives_a_restart)
{
    static double v[SW_DET_STATE_MAX];
    size_t n = learn_and_restart(v);
    sw_symbol *s = sw_engine_symbol(&eng, "XYZ");
    cr_assert_eq(eng.dets[0].type->restore_state(&eng.dets[0], s->state + eng.dets[0].state_off, v, n), 0);
    session(day(10), 10, 100, 5, 6);
    cr_expect_eq(fires(), 1, "judged at once against the restored baseline");
    cr_expect_eq(n_notes, 0);
    v[0] = 39; /* a baseline of another window length */
    cr_expect_eq(eng.dets[0].type->restore_state(&eng.dets[0], s->state + eng.dets[0].state_off, v, n), -1);
}

Test(volume, session_counts_past_255_from_an_older_file_restore_saturated)
{
    /* Builds before 2026-12-03 counted a window's sessions in 16 bits; the
     * counts are one byte now and stop at SW_VOLUME_DAYS_MAX, the most
     * baseline_days and min_days can be, so such a file still restores and
     * judges as it did. */
    static double v[SW_DET_STATE_MAX], back[SW_DET_STATE_MAX];
    size_t n = learn_and_restart(v);
    for (int w = 0; w < 78; w++) {
        cr_assert_eq(v[8 + 78 + w], 10, "window %d: ten sessions learnt", w);
        v[8 + 78 + w] = 1000 + w;
    }
    const sw_detector *d = &eng.dets[0];
    sw_symbol *s = sw_engine_symbol(&eng, "XYZ");
    cr_assert_eq(d->type->restore_state(d, s->state + d->state_off, v, n), 0);
    cr_assert_eq(d->type->save_state(d, s->state + d->state_off, back, SW_DET_STATE_MAX), n);
    for (int w = 0; w < 78; w++)
        cr_expect_eq(back[8 + 78 + w], SW_VOLUME_DAYS_MAX, "window %d", w);
    session(day(10), 10, 100, 5, 6);
    cr_expect_eq(fires(), 1, "judged against the restored baseline");
    v[8 + 78] = 65536; /* beyond what any build wrote: a damaged file */
    cr_expect_eq(d->type->restore_state(d, s->state + d->state_off, v, n), -1);
}

Test(volume, documented_defaults_are_the_defaults)
{
    expect_documented_defaults("volume", 8);
}

/* ---- end to end ------------------------------------------------------------ */

/* 5-minute bars of NVDA as CSV: `days` sessions from 2026-01-05 of 100 000
 * shares a bar, then one session whose 10:30 bar trades 8x. */
static void write_bars(const char *path, int days, int spike)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "Datetime,Close,High,Low,Open,Volume\n");
    int64_t d0 = sw_days_from_civil(2026, 1, 5);
    for (int64_t d = d0, k = 0; k < days + spike; d++) {
        int wd = sw_weekday(d);
        if (wd == 0 || wd == 6 || d == sw_days_from_civil(2026, 1, 19)) /* MLK day */
            continue;
        for (int b = 0; b < 78; b++) {
            int64_t ts = sw_ny_to_utc(d, 9, 30, 0) / SW_NS_PER_SEC + b * 300;
            int y, m, dd;
            sw_civil_from_days(ts / 86400, &y, &m, &dd);
            int sod = (int)(ts % 86400);
            int heavy = spike && k == days && b == 12;
            fprintf(f, "%04d-%02d-%02d %02d:%02d:00+00:00,100,100.1,99.9,100,%d\n", y, m, dd, sod / 3600,
                    sod / 60 % 60, heavy ? 800000 : 100000);
        }
        k++;
    }
    fclose(f);
}

static const char *config(const char *extra)
{
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{\"groups\": {\"ai\": [\"NVDA\"]}, \"detectors\": [{\"type\": \"volume\"%s}], \"sinks\": [\"stdout\"], "
             "\"state_dir\": \"%s/state\", \"log_level\": \"info\", \"metrics\": {\"listen\": \"off\"}}",
             extra, ops_dir);
    ops_write(ops_path("c.json"), cfg);
    return ops_path("c.json");
}

Test(volume, shockd_replay_alerts_unusual_volume, .init = ops_setup, .fini = ops_teardown)
{
    write_bars(ops_path("NVDA_5m.csv"), 10, 1);
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd, OPS_SHOCKD " -c %s --replay %s 2>%s", config(""), ops_path("NVDA_5m.csv"),
             ops_path("err"));
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    cr_expect_eq(sw_test_count(out, "\n"), 1, "the warning (its clear is not sent: policy.resolved): %s", out);
    cr_expect(strstr(out, "\"symbol\":\"NVDA\",\"group\":null,\"detector\":\"volume\",\"severity\":\"warning\","
                          "\"price\":100.1,\"reference\":null,\"change_pct\":null,\"zscore\":null,\"window\":\"5m\","
                          "\"direction\":\"none\",\"resolved\":false,\"session\":\"regular\","
                          "\"message\":\"NVDA volume 6.0 times its usual for 10:30-10:35: 600000 shares vs a "
                          "10-session mean of 100000\"}") != NULL, "%s", out);
    char *err = sw_test_slurp(ops_path("err"));
    cr_expect_eq(sw_test_count(err, "volume: NVDA has 0 of the 10 sessions"), 1, "said once: %s", err);
    free(err);
    free(out);
}
