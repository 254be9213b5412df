/*
 * test_shock_feed.c -- shock-feed -> shockd over loopback, end to end, with
 * real processes and sockets (ports chosen by the OS).
 *
 * The recording is the bundled 2025-01-27 session cut after 09:50 New York
 * (the Friday tail that sets the previous close, and the first 20 minutes of
 * Monday), converted into each provider's format by `shock-feed --dump`.  For
 * every provider, the alerts shockd raises live from shock-feed must be the
 * alerts `shockd --replay` raises from the same recording, byte for byte.
 * Then the faults: --drop-every and --drop-period (reconnect, resubscribe,
 * gaps reported as feed info alerts, no alert lost), --garbage (counted, nothing else changes),
 * --reject-auth (a clear error and minutes of backoff, not a loop), --loop.
 */
#include <criterion/criterion.h>

#include "feed_harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];
static char head[128];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "shockfeed"), 0);
    snprintf(head, sizeof head, "%s/head.ndjson", dir);
    cr_assert_eq(fh_session_head(head), 0);
}

static void teardown(void)
{
    sw_test_rmdir(dir);
}

TestSuite(shock_feed, .init = setup, .fini = teardown, .timeout = 300);

/* The head of the session in provider P's format (a file shock-feed wrote). */
static const char *recording(const char *provider)
{
    static char path[256];
    char tag[64];
    snprintf(tag, sizeof tag, "rec-%s", provider);
    const char *argv[] = { SHOCK_FEED, "--dump", "--provider", provider, "--format", "finnhub", "--replay", head, NULL };
    fh_proc p = fh_start(dir, tag, argv, NULL);
    cr_assert_eq(fh_wait(&p, 60000), 0, "dump failed: %s", sw_test_slurp(p.err));
    snprintf(path, sizeof path, "%s", p.out);
    return path;
}

/* The detectors of the configs below (the halt tests set their own). */
static const char *detectors = "[{\"type\": \"pct_move\"}]";

/* shockd's config: the demo's watchlist, JSON alerts, a fast backoff. */
static const char *config(const char *name, const char *provider, const char *url, const char *extra)
{
    static char path[256];
    char text[2048];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    snprintf(text, sizeof text,
             "{\"feed\": {\"provider\": \"%s\", \"url\": \"%s\", \"key_env\": \"SW_KEY\", \"secret_env\": \"SW_SECRET\","
             " \"backoff_base\": \"20ms\", \"backoff_cap\": \"200ms\"%s},\n"
             " \"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"AVGO\", \"TSM\", \"ASML\", \"MSFT\", \"GOOG\", \"META\",\n"
             "   \"AMZN\", \"ORCL\", \"SMCI\", \"ARM\", \"MU\"], \"benchmarks\": [\"QQQ\", \"SPY\", \"SMH\"]},\n"
             " \"detectors\": %s, \"sinks\": [\"stdout\"], \"log_level\": \"info\",\n"
             " \"metrics\": {\"listen\": \"off\"}, \"state_dir\": \"%s\"}\n",
             provider, url ? url : "ws://127.0.0.1:9", extra ? extra : "", detectors, dir);
    fh_write(path, text);
    return path;
}

static const char *const creds[] = { "SW_KEY=key-1", "SW_SECRET=secret-1", NULL };

/* Alerts of `shockd --replay` of the recording. */
static char *replay_alerts(const char *provider, const char *rec)
{
    char tag[64];
    snprintf(tag, sizeof tag, "replay-%s", provider);
    const char *argv[] = { SHOCKD, "-c", config(tag, provider, NULL, NULL), "--replay", rec, "--format", provider,
                           NULL };
    fh_proc d = fh_start(dir, tag, argv, NULL);
    cr_assert_eq(fh_wait(&d, 60000), 0, "replay failed: %s", sw_test_slurp(d.err));
    return sw_test_slurp(d.out);
}

typedef struct live_run {
    fh_proc feed, shockd;
    char *alerts;         /* shockd's stdout */
    char *feed_alerts;    /* the "feed" info alerts among them */
    char *other_alerts;   /* all others */
    char *log, *feed_log;
} live_run;

/* shock-feed with `feed_args` playing rec, shockd live against it until
 * shock-feed has played everything and closed; both stopped. */
static live_run run_live(const char *provider, const char *rec, const char *const *feed_args, const char *extra)
{
    live_run r;
    char url[128];
    r.feed = fh_feed_start(dir, provider, rec, feed_args, url, sizeof url);
    cr_assert(url[0], "shock-feed did not start: %s", sw_test_slurp(r.feed.err));
    const char *dargv[] = { SHOCKD, "-c", config("live", provider, url, extra), NULL };
    r.shockd = fh_start(dir, "shockd", dargv, creds);
    cr_expect_eq(fh_wait(&r.feed, 120000), 0, "shock-feed: %s", sw_test_slurp(r.feed.err));
    /* Everything sent was read once shockd has seen the closing frame. */
    cr_expect(sw_test_wait_text(r.shockd.err, "1000 end of recording", 1, 30000), "%s", sw_test_slurp(r.shockd.err));
    cr_expect_eq(fh_stop(&r.shockd), 0);
    r.alerts = sw_test_slurp(r.shockd.out);
    r.feed_alerts = fh_filter_lines(r.alerts, "\"detector\":\"feed\"", 1);
    r.other_alerts = fh_filter_lines(r.alerts, "\"detector\":\"feed\"", 0);
    r.log = sw_test_slurp(r.shockd.err);
    r.feed_log = sw_test_slurp(r.feed.err);
    return r;
}

static void live_free(live_run *r)
{
    free(r->alerts);
    free(r->feed_alerts);
    free(r->other_alerts);
    free(r->log);
    free(r->feed_log);
}

static void live_equals_replay(const char *provider)
{
    const char *rec = recording(provider);
    char *want = replay_alerts(provider, rec);
    cr_assert(strstr(want, "\"symbol\":\"NVDA\",\"group\":null,\"detector\":\"pct_move\",\"severity\":\"critical\""),
              "the replay itself lacks NVDA's critical alert: %s", want);
    live_run r = run_live(provider, rec, NULL, NULL);
    cr_expect_str_eq(r.alerts, want, "%s live differs from replay; log:\n%s", provider, r.log);
    cr_expect_str_eq(r.feed_alerts, "", "no gap in an uninterrupted run");
    cr_expect(sw_test_says(r.log, 0, "malformed, 0 bad trades, 0 oversize"), "%s", r.log);
    cr_expect(sw_test_number_after(r.log, "sequence gaps ") == 0 && sw_test_number_after(r.log, ", stale ") == 0,
              "%s", r.log);
    /* One connection played the recording; shockd's reconnect after the
     * closing "end of recording" may race shock-feed's exit, and is counted
     * apart ("after the end"). */
    cr_expect_eq(sw_test_number_before(r.feed_log, "connections"), 1, "%s", r.feed_log);
    free(want);
    live_free(&r);
}

/* ---- halts and sale conditions, end to end --------------------------------------------
 *
 * data/scenarios/halt/alpaca.ndjson: NVDA near its LULD lower band, halted
 * (LUDP) for 5 minutes and resumed, after five late average-price prints 8 %
 * below the market; converted by shock-feed --dump into Polygon (LULD events
 * with indicators 17/18) and Finnhub (no statuses, no conditions: the pause
 * is inferred, the average-price prints are not sent).  Live through
 * shock-feed must equal the replay, and each must say what it should. */

#define SCENARIO SW_SOURCE_DIR "/data/scenarios/halt/alpaca.ndjson"

/* ... and summary: what shockd's summary line must say of the conditions
 * and statuses it read (live and replay alike), or NULL for "nothing". */
/* The scenario in `provider`'s protocol (shock-feed --dump): its file. */
static const char *scenario(const char *provider)
{
    static fh_proc p;
    char tag[64];
    snprintf(tag, sizeof tag, "scenario-%s", provider);
    const char *argv[] = { SHOCK_FEED, "--dump", "--provider", provider, "--format", "alpaca", "--replay", SCENARIO, NULL };
    p = fh_start(dir, tag, argv, NULL);
    cr_assert_eq(fh_wait(&p, 60000), 0, "dump failed: %s", sw_test_slurp(p.err));
    return p.out;
}

static void halt_live_equals_replay(const char *provider, const char *const *must, const char *summary)
{
    detectors = "[{\"type\": \"halt\"}, {\"type\": \"pct_move\", \"reference\": \"window\", \"window\": \"5m\"}]";
    const char *rec = scenario(provider);
    char *want = replay_alerts(provider, rec);
    for (int i = 0; must[i]; i++)
        cr_expect(strstr(want, must[i]) != NULL, "%s replay lacks %s:\n%s", provider, must[i], want);
    cr_expect(strstr(want, "T14:38:0") == NULL, "the late average-price prints raised something:\n%s", want);
    live_run r = run_live(provider, rec, NULL, NULL);
    cr_expect_str_eq(r.alerts, want, "%s live differs from replay; log:\n%s", provider, r.log);
    cr_expect(sw_test_says(r.log, 0, "malformed, 0 bad trades"), "%s", r.log);
    if (summary)
        cr_expect(strstr(r.log, summary) != NULL, "%s: the summary lacks \"%s\":\n%s", provider, summary, r.log);
    else
        cr_expect(strstr(r.log, "excluded by conditions") == NULL && strstr(r.log, "trading statuses") == NULL,
                  "%s: nothing to exclude, no status:\n%s", provider, r.log);
    free(want);
    live_free(&r);
}

/* The scenario's five late average-price prints and its three official
 * open/close reports, kept from the price by their conditions; its two
 * LULD band updates, the halt and the resumption. */
#define SCENARIO_SUMMARY "; excluded by conditions: 8 (average_price 5, official_price 3); 4 trading statuses and LULD bands;"

Test(shock_feed, halts_through_alpaca_statuses_and_lulds)
{
    static const char *const must[] = {
        "\"detector\":\"halt\",\"severity\":\"critical\"",
        "\"message\":\"NVDA halted: LUDP Volatility Trading Pause\"",
        "\"resolved\":true,\"session\":\"regular\",\"message\":\"NVDA: trading resumes after 5m 0s halted (LUDP Volatility Trading Pause)\"",
        "\"window\":\"luld\",\"direction\":\"down\",\"resolved\":false,\"session\":\"regular\",\"message\":\"NVDA 119.73 within 0.99% of its LULD "
        "lower band 118.56",
        NULL,
    };
    halt_live_equals_replay("alpaca", must, SCENARIO_SUMMARY);
}

Test(shock_feed, halts_through_polygon_luld_events)
{
    static const char *const must[] = {
        "\"message\":\"NVDA halted: trading halt, LULD indicator 17\"",
        "\"resolved\":true,\"session\":\"regular\",\"message\":\"NVDA: trading resumes after 5m 0s halted",
        "within 0.99% of its LULD lower band 118.56",
        NULL,
    };
    halt_live_equals_replay("polygon", must, SCENARIO_SUMMARY);
}

/* Without a detector that reads them, shockd does not ask for statuses and
 * bands (shock-feed sends them only to a client that subscribed); the
 * trades' conditions are read all the same. */
Test(shock_feed, no_halt_detector_no_statuses_asked)
{
    detectors = "[{\"type\": \"pct_move\", \"reference\": \"window\", \"window\": \"5m\"}]";
    live_run r = run_live("alpaca", scenario("alpaca"), NULL, NULL);
    cr_expect(strstr(r.log, "granted statuses") == NULL, "%s", r.log);
    cr_expect(strstr(r.log, "trading statuses and LULD bands") == NULL, "%s", r.log);
    cr_expect(strstr(r.log, "; excluded by conditions: 8 (average_price 5, official_price 3);") != NULL, "%s", r.log);
    cr_expect(strstr(r.alerts, "\"detector\":\"halt\"") == NULL, "%s", r.alerts);
    live_free(&r);
}

Test(shock_feed, a_pause_inferred_where_finnhub_has_no_status)
{
    static const char *const must[] = {
        "\"detector\":\"halt\",\"severity\":\"warning\"",
        "\"message\":\"NVDA: no trade for 31s after -5.1% in 5m: possible LULD pause\"",
        NULL,
    };
    halt_live_equals_replay("finnhub", must, NULL);
}

Test(shock_feed, finnhub_live_equals_replay) { live_equals_replay("finnhub"); }
Test(shock_feed, alpaca_live_equals_replay) { live_equals_replay("alpaca"); }
Test(shock_feed, polygon_live_equals_replay) { live_equals_replay("polygon"); }
Test(shock_feed, coinbase_live_equals_replay) { live_equals_replay("coinbase"); }
Test(shock_feed, binance_live_equals_replay) { live_equals_replay("binance"); }

/* A live run with shock-feed dropping connections (feed_args): at least
 * min_drops drops, one reconnect each, and not one alert lost to them (the
 * non-feed alerts equal the replay's).  Returns the drop count. */
static long live_with_drops(const char *provider, const char *const *feed_args, long min_drops, live_run *r)
{
    const char *rec = recording(provider);
    char *want = replay_alerts(provider, rec);
    *r = run_live(provider, rec, feed_args, NULL);
    long drops = sw_test_number_before(r->feed_log, "drops");
    long conns = sw_test_number_before(r->feed_log, "connections");
    cr_assert_geq(drops, min_drops, "%s", r->feed_log);
    cr_expect_eq(conns, drops + 1, "each drop, one reconnect: %s", r->feed_log);
    cr_expect_str_eq(r->other_alerts, want, "a drop must not cost an alert");
    free(want);
    return drops;
}

Test(shock_feed, drops_reconnect_resubscribe_and_report_gaps)
{
    /* Alpaca: every reconnect has to authenticate and subscribe again
     * before a single trade flows. */
    const char *args[] = { "--drop-every", "3000", NULL };
    live_run r;
    long drops = live_with_drops("alpaca", args, 5, &r);
    /* Every drop that data followed is a gap, reported once as an info alert. */
    int gaps = sw_test_count(r.feed_alerts, "\"severity\":\"info\"");
    cr_expect(gaps == drops || gaps == drops - 1, "%d gap alerts for %ld drops:\n%s", gaps, drops, r.feed_alerts);
    cr_expect_eq(sw_test_count(r.feed_alerts, "\"symbol\":\"alpaca\""), gaps);
    cr_expect_eq(sw_test_count(r.feed_alerts, "\"direction\":\"none\""), gaps);
    cr_expect(strstr(r.feed_alerts, "alpaca feed gap from 2025-"), "%s", r.feed_alerts);
    cr_expect(strstr(r.feed_alerts, "closed by the server (1001 drop-every)"), "%s", r.feed_alerts);
    cr_expect_eq(sw_test_count(r.log, "Alpaca refused"), 0);
    cr_expect(sw_test_says(r.log, gaps, "gaps"), "%s", r.log);
    live_free(&r);
}

Test(shock_feed, a_drop_every_second_of_wall_time_costs_no_alert)
{
    /* --drop-period: the drops come by the clock, wherever playback is (what
     * scripts/faults uses for "the feed dropped every 10 s"). */
    const char *args[] = { "--drop-period", "1", "--speed", "150", NULL };
    live_run r;
    live_with_drops("finnhub", args, 3, &r);
    cr_expect(strstr(r.feed_alerts, "closed by the server (1001 drop-period)"), "%s", r.feed_alerts);
    live_free(&r);
}

Test(shock_feed, garbage_is_counted_and_nothing_else_changes)
{
    const char *rec = recording("finnhub");
    char *want = replay_alerts("finnhub", rec);
    const char *args[] = { "--garbage", "0.02", NULL };
    live_run r = run_live("finnhub", rec, args, NULL);
    long garbage = sw_test_number_before(r.feed_log, "garbage frames");
    cr_assert_gt(garbage, 50, "%s", r.feed_log);
    long malformed = sw_test_number_before(r.log, "malformed,");
    cr_expect_eq(malformed, garbage, "every injected frame counted: %s", r.log);
    cr_expect_str_eq(r.alerts, want, "later ticks are processed as if nothing happened");
    cr_expect_eq(sw_test_number_before(r.feed_log, "connections"), 1, "garbage costs no connection: %s", r.feed_log);
    /* The connection that played stays until the recording ends.  shockd
     * may reconnect before shock-feed has exited: that late connection is
     * closed too, with "end of recording" or, if shock-feed is already
     * exiting, without a close frame; it is not what this test caused, so
     * only the first loss is checked. */
    const char *lost = strstr(r.log, "lost after");
    cr_assert_not_null(lost, "%s", r.log);
    const char *eol = strchr(lost, '\n');
    cr_expect(strstr(lost, "closed by the server (1000 end of recording)") && eol &&
                  strstr(lost, "closed by the server (1000 end of recording)") < eol,
              "the connection stays until the recording ends: %s", r.log);
    cr_expect(strstr(r.log, "message dropped: malformed JSON"), "%s", r.log);
    cr_expect(strstr(r.log, "(further ones are only counted)"), "reports are capped: %s", r.log);
    free(want);
    live_free(&r);
}

/* shockd against `shock-feed --reject-auth` for a few seconds. */
static void rejected(const char *provider, const char *expect)
{
    const char *argv[] = { SHOCK_FEED, "--provider", provider, "--reject-auth", "--replay", recording(provider), NULL };
    fh_proc feed = fh_start(dir, "feed", argv, NULL);
    char url[128];
    cr_assert(fh_listen_url(&feed, url, sizeof url, 15000));
    const char *dargv[] = { SHOCKD, "-c", config("rej", provider, url, NULL), NULL };
    fh_proc d = fh_start(dir, "shockd", dargv, creds);
    cr_assert(sw_test_wait_text(d.err, expect, 1, 20000), "%s", sw_test_slurp(d.err));
    cr_assert(sw_test_wait_text(d.err, "retrying in ", 1, 20000), "%s", sw_test_slurp(d.err));
    /* backoff_base is 20 ms: a plain retry would come many times over in
     * this window.  A refused key waits minutes.  (A window for something
     * that must not happen: a loaded machine only makes it a weaker test,
     * never a failing one.) */
    sw_test_sleep_ms(2500);
    cr_expect_eq(fh_stop(&d), 0);
    cr_expect_eq(fh_stop(&feed), 0);
    char *log = sw_test_slurp(d.err), *flog = sw_test_slurp(feed.err);
    cr_expect_eq(sw_test_number_before(flog, "upgrades"), 1, "%s: connection attempts: %s", provider, flog);
    cr_expect(strstr(log, "retrying in 4m") || strstr(log, "retrying in 5m"), "%s", log);
    cr_expect(sw_test_says(log, 1, "connection attempts") && sw_test_says(log, 1, "auth failures"), "%s", log);
    free(log);
    free(flog);
}

Test(shock_feed, rejected_credentials_back_off_finnhub) { rejected("finnhub", "finnhub refused the credentials (upgrade refused with HTTP 401"); }
Test(shock_feed, rejected_credentials_back_off_alpaca) { rejected("alpaca", "Alpaca refused the credentials (402 auth failed)"); }
Test(shock_feed, rejected_credentials_back_off_polygon) { rejected("polygon", "Polygon refused the API key (auth_failed"); }

Test(shock_feed, loop_plays_again_a_week_later)
{
    char small[256];
    snprintf(small, sizeof small, "%s/small.ndjson", dir);
    fh_write(small, "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":142.62,\"t\":1737752100000,\"v\":1}]}\n"
                    "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":142.5,\"t\":1737752101000,\"v\":1}]}\n");
    /* 20x: a lap (two trades a second apart) takes 50 ms; the week between
     * laps is skipped like any quiet stretch. */
    const char *argv[] = { SHOCK_FEED, "--replay", small, "--loop", "--speed", "20", "--log-level", "info", NULL };
    fh_proc feed = fh_start(dir, "feed", argv, NULL);
    char url[128];
    cr_assert(fh_listen_url(&feed, url, sizeof url, 15000));
    const char *dargv[] = { SHOCKD, "-c", config("loop", "finnhub", url, NULL), NULL };
    fh_proc d = fh_start(dir, "shockd", dargv, creds);
    cr_assert(sw_test_wait_text(d.err, "streaming 16 symbols", 1, 20000));
    cr_expect(sw_test_wait_text(feed.err, "lap 5:", 1, 20000), "%s", sw_test_slurp(feed.err));
    cr_expect_eq(fh_stop(&d), 0);
    cr_expect_eq(fh_stop(&feed), 0);
    char *log = sw_test_slurp(d.err), *flog = sw_test_slurp(feed.err);
    long loops = sw_test_number_before(flog, "loops");
    long ticks = sw_test_number_before(log, "ticks, ");
    cr_expect_gt(loops, 3, "%s", flog);
    cr_expect_geq(ticks, 2 * (loops - 1), "every finished lap arrived: %s", log);
    cr_expect(sw_test_says(log, 0, "out-of-order"), "every lap is later than the one before: %s", log);
    free(log);
    free(flog);
}

/* A client that connects after the recording ended (shockd reconnects at
 * once after a clean close, sometimes before shock-feed has exited) is told
 * "end of recording" too and does not keep shock-feed running.  The first
 * client is stopped so its close handshake waits for lws' close timeout
 * (5 s): the second one arrives while shock-feed still waits for the first. */
Test(shock_feed, a_client_after_the_end_is_closed_and_does_not_hold_the_exit)
{
    char small[256];
    snprintf(small, sizeof small, "%s/late.ndjson", dir);
    /* Real time, a trade a second (longer quiet stretches are skipped): the
     * recording lasts 10 s, time enough to stop the first client before its
     * end even on a loaded machine (3 s were a thin margin for a poll, a
     * kill and the scheduling of both under ASan with every core busy). */
    FILE *f = fopen(small, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 11; i++)
        fprintf(f, "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":142.%d,\"t\":%lld,\"v\":1}]}\n", 60 - i,
                1737752100000LL + 1000LL * i);
    fclose(f);
    const char *argv[] = { SHOCK_FEED, "--replay", small, "--speed", "1", "--log-level", "info", NULL };
    fh_proc feed = fh_start(dir, "feed", argv, NULL);
    char url[128];
    cr_assert(fh_listen_url(&feed, url, sizeof url, 15000));
    const char *a_argv[] = { SHOCKD, "-c", config("late-a", "finnhub", url, NULL), NULL };
    fh_proc a = fh_start(dir, "shockd-a", a_argv, creds);
    cr_assert(sw_test_wait_text(a.err, "streaming 16 symbols", 1, 20000), "%s", sw_test_slurp(a.err));
    kill(a.pid, SIGSTOP);
    cr_assert(sw_test_wait_text(feed.err, "end of the recording: closing 1 connection(s)", 1, 20000), "%s",
              sw_test_slurp(feed.err));
    const char *b_argv[] = { SHOCKD, "-c", config("late-b", "finnhub", url, NULL), NULL };
    fh_proc b = fh_start(dir, "shockd-b", b_argv, creds);
    int told = sw_test_wait_text(b.err, "(1000 end of recording)", 1, 20000);
    int feed_rc = fh_wait(&feed, 60000);
    kill(a.pid, SIGCONT);
    cr_expect(told, "the late client is told: %s\nshock-feed: %s", sw_test_slurp(b.err), sw_test_slurp(feed.err));
    cr_expect_eq(feed_rc, 0, "shock-feed exits once the clients that played are gone: %s", sw_test_slurp(feed.err));
    cr_expect_eq(fh_stop(&b), 0);
    cr_expect_eq(fh_stop(&a), 0);
    char *blog = sw_test_slurp(b.err), *flog = sw_test_slurp(feed.err);
    cr_expect(sw_test_says(blog, 0, "ticks,"), "the late client got no trade: %s", blog);
    /* The summary tells the two apart: one connection played the recording,
     * shockd-b (and its reconnects while shock-feed waited) came after. */
    cr_expect_eq(sw_test_number_before(flog, "connections"), 1, "%s", flog);
    cr_expect_geq(sw_test_number_before(flog, "after the end"), 1, "%s", flog);
    free(blog);
    free(flog);
}

Test(shock_feed, command_line)
{
    const char *help[] = { SHOCK_FEED, "--help", NULL };
    fh_proc p = fh_start(dir, "help", help, NULL);
    cr_expect_eq(fh_wait(&p, 10000), 0);
    cr_expect_geq(sw_test_count_file(p.out, "--drop-every N"), 1);
    const char *bad[][8] = {
        { SHOCK_FEED, NULL },
        { SHOCK_FEED, "--replay", head, "--provider", "bloomberg", NULL },
        { SHOCK_FEED, "--replay", head, "--speed", "fast", NULL },
        { SHOCK_FEED, "--replay", head, "--garbage", "1.5", NULL },
        { SHOCK_FEED, "--replay", head, "--listen", "127.0.0.1:70000", NULL },
        { SHOCK_FEED, "--replay", head, "--drop-every", "0", NULL },
    };
    const char *why[] = { "nothing to play", "unknown provider \"bloomberg\"", "is not a positive number",
                          "is not a probability", "is not 0..65535", "is not a whole number from 1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = fh_start(dir, "bad", bad[i], NULL);
        cr_expect_eq(fh_wait(&p, 10000), 2, "case %zu", i);
        cr_expect_eq(sw_test_count_file(p.err, why[i]), 1, "case %zu: %s", i, sw_test_slurp(p.err));
    }
    const char *missing[] = { SHOCK_FEED, "--replay", "/nonexistent/x.ndjson", NULL };
    p = fh_start(dir, "missing", missing, NULL);
    cr_expect_eq(fh_wait(&p, 10000), 1);
    cr_expect_eq(sw_test_count_file(p.err, "/nonexistent/x.ndjson: cannot open"), 1, "%s", sw_test_slurp(p.err));
}

/* A real-time feed that goes quiet: with no tick to move event time, the wall
 * clock does (live only, for a feed stamped near now), so `stale` still fires.  The
 * recording is stamped "now"; BTC trades around the clock, so the result does
 * not depend on when the test runs. */
Test(shock_feed, silent_real_time_feed_still_lets_stale_fire)
{
    char rec[128], cfg[128], text[1024];
    snprintf(rec, sizeof rec, "%s/now.ndjson", dir);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    long long now = (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
    snprintf(text, sizeof text,
             "{\"data\":[{\"p\":100.0,\"s\":\"BTC\",\"t\":%lld,\"v\":1}],\"type\":\"trade\"}\n"
             "{\"data\":[{\"p\":100.1,\"s\":\"BTC\",\"t\":%lld,\"v\":1}],\"type\":\"trade\"}\n",
             now, now + 500);
    fh_write(rec, text);
    /* At real speed, no --loop (a loop restamps each lap a week later, which
     * would move event time by itself): two trades, then the recording ends
     * and the feed stays down. */
    const char *fargv[] = { SHOCK_FEED, "--provider", "finnhub", "--replay", rec, "--speed", "1",
                            "--log-level", "info", NULL };
    fh_proc feed = fh_start(dir, "feed-now", fargv, NULL);
    char url[128];
    cr_assert(fh_listen_url(&feed, url, sizeof url, 15000), "%s", sw_test_slurp(feed.err));
    snprintf(cfg, sizeof cfg, "%s/stale.json", dir);
    snprintf(text, sizeof text,
             "{\"feed\": {\"provider\": \"finnhub\", \"url\": \"%s\", \"key_env\": \"SW_KEY\"},\n"
             " \"groups\": {\"c\": [\"BTC\"]},\n"
             " \"detectors\": [{\"type\": \"stale\", \"after\": \"2s\", \"always_open\": [\"BTC\"]}],\n"
             " \"sinks\": [\"stdout\"], \"metrics\": {\"listen\": \"off\"}, \"state_dir\": \"%s\"}\n",
             url, dir);
    fh_write(cfg, text);
    const char *dargv[] = { SHOCKD, "-c", cfg, NULL };
    fh_proc d = fh_start(dir, "shockd-now", dargv, creds);
    cr_expect(sw_test_wait_text(d.out, "\"detector\":\"stale\"", 1, 15000), "no stale alert: %s", sw_test_slurp(d.err));
    cr_expect_eq(fh_stop(&d), 0);
    fh_stop(&feed);
    char *out = sw_test_slurp(d.out);
    cr_expect(strstr(out, "BTC: no trade for") != NULL, "%s", out);
    free(out);
}
