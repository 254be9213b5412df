/* /metrics and /healthz of a running shockd, scraped with libcurl and checked
 * by promtool; /healthz follows Redis going away.  The renderer and the
 * listener parser are also tested directly. */
#include "sw_test_redis.h" /* first: it defines _DEFAULT_SOURCE unguarded */
#include "sw_test_http.h"
#include "sw_test_ops.h"

#include "sw_listen.h"
#include "sw_metrics.h"
#include "sw_test_tick.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

TestSuite(ops_metrics, .init = ops_setup, .fini = ops_teardown, .timeout = 120);

static int promtool_ok(const char *text, char *report, size_t len)
{
    return th_promtool(text, ops_dir, report, len);
}

/* The same recording as the reload tests: day 0 closes, MRK's -50% marker on
 * day 1, a pause of ticks of an unwatched symbol, then the crash. */
static const char *write_session(int pause_s)
{
    const char *path = ops_path("session.ndjson");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    int64_t d0 = ops_utc_ms(2025, 3, 3, 20, 0, 0, 0);
    ops_trade(f, "MRK", 10, d0);
    ops_trade(f, "NVDA", 100, d0 + 1);
    ops_trade(f, "AMD", 50, d0 + 2);
    int64_t d1 = ops_utc_ms(2025, 3, 4, 14, 31, 0, 0);
    ops_trade(f, "MRK", 5, d1);
    ops_trade(f, "NVDA", 100.5, d1 + 100);
    for (int i = 1; i <= pause_s; i++)
        ops_trade(f, "ZZZZ", 1, d1 + 200 + i * 1000);
    ops_trade(f, "NVDA", 85, d1 + 200 + (pause_s + 1) * 1000);
    fclose(f);
    return path;
}

static const char *config(const char *redis_url)
{
    const char *path = ops_path("shockwatch.json");
    char text[1024];
    snprintf(text, sizeof text,
             "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"MRK\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"confirm_ticks\": 1}],\n"
             " \"sinks\": [\"stdout\"%s], %s%s%s\"state_dir\": \"%s\", \"shutdown_timeout\": \"2s\",\n"
             " \"metrics\": {\"listen\": \"127.0.0.1:0\"}}\n",
             redis_url ? ", \"redis\"" : "", redis_url ? "\"redis\": {\"url\": \"" : "", redis_url ? redis_url : "",
             redis_url ? "\", \"connect_timeout\": \"500ms\"}, " : "", ops_dir);
    ops_write(path, text);
    return path;
}

static int wait_health(int port, long want, const char *needle, int ms, char **last)
{
    uint64_t end = sw_test_now_ms() + (uint64_t)ms;
    for (;;) {
        char *b = NULL;
        long st = th_get(port, "/healthz", 0, &b, NULL, 0);
        int ok = st == want && (!needle || strstr(b, needle));
        free(*last);
        *last = b;
        if (ok)
            return 1;
        if (sw_test_now_ms() >= end)
            return 0;
        sw_test_sleep_ms(50);
    }
}

Test(ops_metrics, scrape_is_valid_and_health_follows_redis)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0, "cannot start redis-server");
    /* A two-minute pause after the marker: every check below runs while the
     * replay is still in it (one alert so far, the feed "connected"), however
     * slow the machine; the test ends it with SIGTERM. */
    const char *argv[] = { OPS_SHOCKD, "-c", config(r.url), "--replay", write_session(120), "--speed", "1", NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, NULL, out, err);
    int port = ops_metrics_port(err, 10000);
    cr_assert_gt(port, 0, "no metrics line: %s", sw_test_slurp(err));
    cr_assert(sw_test_wait_text(out, "\"symbol\":\"MRK\"", 1, 20000), "%s", sw_test_slurp(err));

    char *last = NULL;
    cr_expect(wait_health(port, 200, "ok\n", 20000, &last), "healthz with Redis up: %s", last);

    /* The stdout line comes before Redis confirms the alert (the spool keeps
     * it until the script's reply): wait for the confirmation, then scrape. */
    char *m = NULL, ctype[128];
    uint64_t confirm_by = sw_test_now_ms() + 20000;
    for (;;) {
        cr_assert_eq(th_get(port, "/metrics", 0, &m, ctype, sizeof ctype), 200);
        if (th_sample(m, "shockwatch_spool_depth") == 0 || sw_test_now_ms() >= confirm_by)
            break;
        free(m);
        m = NULL;
        sw_test_sleep_ms(50);
    }
    cr_expect_str_eq(ctype, "text/plain; version=0.0.4; charset=utf-8");
    char report[4096];
    cr_expect_eq(promtool_ok(m, report, sizeof report), 0, "promtool: %s\n%s", report, m);
    cr_expect_geq(th_sample(m, "shockwatch_ticks_total"), 4, "%s", m);
    cr_expect_eq(th_sample(m, "shockwatch_alerts_total{severity=\"critical\",detector=\"pct_move\"}"), 1, "%s", m);
    cr_expect_eq(th_sample(m, "shockwatch_alerts_total{severity=\"warning\",detector=\"zscore\"}"), 0,
                 "every detector's series exists from the start");
    cr_expect_eq(th_sample(m, "shockwatch_symbols"), 3);
    cr_expect_eq(th_sample(m, "shockwatch_feed_connected"), 1, "a running replay counts as connected");
    cr_expect_eq(th_sample(m, "shockwatch_redis_connected"), 1);
    cr_expect_eq(th_sample(m, "shockwatch_spool_depth"), 0, "the alert was confirmed");
    cr_expect_eq(th_sample(m, "shockwatch_bad_messages_total{reason=\"unknown_symbol\"}") >= 0, 1);
    cr_expect_geq(th_sample(m, "shockwatch_last_tick_age_seconds"), 0);
    cr_expect_lt(th_sample(m, "shockwatch_last_tick_age_seconds"), 60);
    cr_expect_eq(th_sample(m, "shockwatch_tick_to_publish_seconds_count"), 0, "replays are not observed");
    cr_expect_eq(th_sample(m, "shockwatch_tick_to_publish_seconds_bucket{le=\"+Inf\"}"), 0);
    free(m);

    /* Redis goes away: 503 with the reason, and the gauge follows. */
    tr_stop(&r);
    cr_expect(wait_health(port, 503, "redis: not connected", 20000, &last), "healthz: %s", last);
    cr_assert_eq(th_get(port, "/metrics", 0, &m, NULL, 0), 200);
    cr_expect_eq(th_sample(m, "shockwatch_redis_connected"), 0, "%s", m);
    cr_expect_eq(promtool_ok(m, report, sizeof report), 0, "promtool: %s", report);
    free(m);

    /* Anything else is refused without being parsed by us. */
    cr_expect_eq(th_get(port, "/metrics", 1, &m, NULL, 0), 405);
    free(m);
    cr_expect_eq(th_get(port, "/nothing-here", 0, &m, NULL, 0), 404);
    free(m);
    cr_expect_eq(th_get(port, "/metrics?x=1", 0, &m, NULL, 0), 200, "a query string is ignored");
    free(m);
    free(last);

    cr_assert_eq(kill(pid, SIGTERM), 0);
    cr_expect_eq(ops_wait(pid, 30000), 0, "%s", sw_test_slurp(err));
    tr_destroy(&r);
}

Test(ops_metrics, a_replay_listens_only_when_asked)
{
    const char *path = ops_path("plain.json");
    ops_write(path, "{\"groups\": {\"ai\": [\"NVDA\"]}}\n");
    const char *argv[] = { OPS_SHOCKD, "-c", path, "--replay", write_session(0), NULL };
    pid_t pid = ops_spawn(argv, NULL, ops_path("out"), ops_path("err"));
    cr_assert_eq(ops_wait(pid, 20000), 0);
    char *e = sw_test_slurp(ops_path("err"));
    cr_expect_null(strstr(e, "metrics: listening"), "%s", e);
    free(e);
}

Test(ops_metrics, listen_values)
{
    sw_listen l;
    char err[256];
    cr_assert_eq(sw_listen_parse("127.0.0.1:9464", &l, err, sizeof err), 0);
    cr_expect_str_eq(l.host, "127.0.0.1");
    cr_expect_eq(l.port, 9464);
    cr_expect(!l.any && !l.ipv6 && !l.off);
    cr_assert_eq(sw_listen_parse("[::1]:9", &l, err, sizeof err), 0);
    cr_expect(l.ipv6 && l.port == 9);
    cr_assert_eq(sw_listen_parse("0.0.0.0:0", &l, err, sizeof err), 0);
    cr_expect(l.any && l.port == 0);
    cr_assert_eq(sw_listen_parse("localhost:80", &l, err, sizeof err), 0);
    cr_expect_str_eq(l.host, "127.0.0.1");
    cr_assert_eq(sw_listen_parse("off", &l, err, sizeof err), 0);
    cr_expect(l.off);
    const char *bad[] = { "9464", "example.com:9464", "127.0.0.1:65536", "127.0.0.1:", ":9464", "[::1]9464",
                          "1.2.3.4:x", "::1:9464" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_neq(sw_listen_parse(bad[i], &l, err, sizeof err), 0, "%s accepted", bad[i]);
    sw_listen_parse("example.com:9464", &l, err, sizeof err);
    cr_expect(strstr(err, "is not a numeric IPv4 address") != NULL, "%s", err);
}

Test(ops_metrics, config_rejects_a_bad_listen_value)
{
    const char *path = ops_path("bad.json");
    ops_write(path, "{\"groups\": {\"ai\": [\"NVDA\"]}, \"metrics\": {\"listen\": \"metrics.example:9464\", \"port\": 1}}\n");
    const char *argv[] = { OPS_SHOCKD, "--check", "-c", path, NULL };
    pid_t pid = ops_spawn(argv, NULL, ops_path("out"), ops_path("err"));
    cr_assert_eq(ops_wait(pid, 10000), 1);
    char *e = sw_test_slurp(ops_path("err"));
    cr_expect(strstr(e, "metrics.listen: \"metrics.example:9464\": \"metrics.example\" is not a numeric IPv4 "
                        "address") != NULL,
              "%s", e);
    cr_expect(strstr(e, "metrics.port: unknown key \"port\"") != NULL, "%s", e);
    free(e);
}

/* The renderer on its own: histogram buckets are cumulative and end in the
 * count; alerts are counted by severity and detector. */
Test(ops_metrics, render_counts_alerts_and_latency)
{
    uv_loop_t loop;
    cr_assert_eq(uv_loop_init(&loop), 0);
    sw_metrics m;
    sw_metrics_view v = { 0 };
    cr_assert_eq(sw_metrics_start(&m, &loop, "off", &v, 0), 0);
    sw_alert a;
    memset(&a, 0, sizeof a);
    snprintf(a.detector, sizeof a.detector, "pct_move");
    a.severity = SW_SEV_CRITICAL;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t wall = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    /* "Now" is given: the ages are exact, not 30 ms plus however long the
     * machine took to get from here to the clock read inside. */
    a.ts_ns = wall - 30000000; /* 30 ms ago */
    sw_metrics_alert_at(&m, &a, 1, wall);
    a.ts_ns = wall - 3000000000LL; /* 3 s ago */
    sw_metrics_alert_at(&m, &a, 1, wall);
    snprintf(a.detector, sizeof a.detector, "feed");
    a.severity = SW_SEV_INFO;
    sw_metrics_alert(&m, &a, 0);
    char buf[SW_METRICS_BODY_MAX];
    size_t n = sw_metrics_render(&m, buf, sizeof buf);
    cr_assert_lt(n, sizeof buf);
    cr_expect_eq(th_sample(buf, "shockwatch_alerts_total{severity=\"critical\",detector=\"pct_move\"}"), 2);
    cr_expect_eq(th_sample(buf, "shockwatch_alerts_total{severity=\"info\",detector=\"feed\"}"), 1);
    cr_expect_eq(th_sample(buf, "shockwatch_tick_to_publish_seconds_bucket{le=\"0.025\"}"), 0);
    cr_expect_eq(th_sample(buf, "shockwatch_tick_to_publish_seconds_bucket{le=\"0.05\"}"), 1);
    cr_expect_eq(th_sample(buf, "shockwatch_tick_to_publish_seconds_bucket{le=\"2.5\"}"), 1);
    cr_expect_eq(th_sample(buf, "shockwatch_tick_to_publish_seconds_bucket{le=\"5\"}"), 2);
    cr_expect_eq(th_sample(buf, "shockwatch_tick_to_publish_seconds_bucket{le=\"+Inf\"}"), 2);
    cr_expect_eq(th_sample(buf, "shockwatch_tick_to_publish_seconds_count"), 2);
    cr_expect_gt(th_sample(buf, "shockwatch_tick_to_publish_seconds_sum"), 3.0);
    char report[4096];
    cr_expect_eq(promtool_ok(buf, report, sizeof report), 0, "%s", report);
    char st[256];
    cr_expect_str_eq(sw_metrics_status(&m, st, sizeof st),
                     "no source; 0 symbols; alerts today: 2 critical, 0 warning, 1 info");
    char why[256];
    cr_expect_eq(sw_metrics_health(&m, why, sizeof why), 0);
    cr_expect_str_eq(why, "feed: no source\n");
    /* A buffer too small: the length it needs, never an overflow. */
    char small[64];
    cr_expect_eq(sw_metrics_render(&m, small, sizeof small), n);
    sw_metrics_fini(&m);
    cr_expect_eq(uv_loop_close(&loop), 0);
}

/* Trades their sale conditions kept from the price are counted by reason
 * (each reason a series, zero included, so a rate() never starts from
 * nothing), and trading statuses apart; an eligible trade counts in none. */
Test(ops_metrics, excluded_trades_by_reason_and_status_events)
{
    static const char *const syms[] = { "NVDA" };
    sw_group_spec g = { "ai", syms, 1 };
    sw_engine eng;
    char err[128];
    cr_assert_eq(sw_engine_init(&eng, &g, 1, NULL, 0, NULL, NULL, err, sizeof err), 0, "%s", err);
    int64_t t0 = 1737988800LL * 1000000000; /* 2025-01-27 14:40 UTC */
    static const struct { uint32_t flags; uint8_t reason; } trades[] = {
        { 0, SW_EXCL_NONE },
        { SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW, SW_EXCL_AVERAGE_PRICE },
        { SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW, SW_EXCL_AVERAGE_PRICE },
        { SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW | SW_TICK_ODD_LOT, SW_EXCL_ODD_LOT },
        { SW_TICK_NO_LAST, SW_EXCL_OUT_OF_SEQUENCE },
    };
    for (size_t i = 0; i < sizeof trades / sizeof trades[0]; i++) {
        sw_tick t = sw_test_tick("NVDA", 124.9, t0 + (int64_t)i * 1000000, trades[i].flags);
        t.excluded = trades[i].reason;
        cr_assert_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
    }
    sw_tick st = sw_test_tick("NVDA", 0, t0 + 10000000, SW_TICK_LULD);
    st.limit_up = 131.04;
    st.limit_down = 118.56;
    cr_assert_eq(sw_engine_tick(&eng, &st), SW_TICK_OK);

    uv_loop_t loop;
    cr_assert_eq(uv_loop_init(&loop), 0);
    sw_metrics m;
    sw_metrics_view v = { 0 };
    v.engine = &eng;
    cr_assert_eq(sw_metrics_start(&m, &loop, "off", &v, 0), 0);
    char buf[SW_METRICS_BODY_MAX];
    cr_assert_lt(sw_metrics_render(&m, buf, sizeof buf), sizeof buf);
#define EXCL(r) "shockwatch_trades_excluded_total{provider=\"none\",reason=\"" r "\"}"
    cr_expect_eq(th_sample(buf, EXCL("average_price")), 2, "%s", buf);
    cr_expect_eq(th_sample(buf, EXCL("odd_lot")), 1);
    cr_expect_eq(th_sample(buf, EXCL("out_of_sequence")), 1);
    cr_expect_eq(th_sample(buf, EXCL("contingent")), 0, "a reason nothing had is there, at 0");
#undef EXCL
    cr_expect_eq(th_sample(buf, "shockwatch_status_events_total"), 1);
    char report[4096];
    cr_expect_eq(promtool_ok(buf, report, sizeof report), 0, "%s", report);
    sw_metrics_fini(&m);
    cr_expect_eq(uv_loop_close(&loop), 0);
    sw_engine_free(&eng);
}

/* A metrics port that is taken is an error in the log, never a reason for
 * the live feed to fail.  (The listener is given up before lws is asked: in
 * the feed's test_ws, several shockd on the default port made lws 4.1.6 fail
 * the feed's connections with "read failed" after a failed bind; this test
 * checks the message and that alerts still flow.) */
Test(ops_metrics, a_busy_port_leaves_the_live_feed_working)
{
    if (access(SW_BINARY_DIR "/shock-feed", X_OK) != 0)
        cr_skip_test("shock-feed is not built");
    int hold = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    cr_assert_eq(bind(hold, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(hold, 1), 0);
    cr_assert_eq(getsockname(hold, (struct sockaddr *)&a, &alen), 0);
    const char *feed_argv[] = { SW_BINARY_DIR "/shock-feed", "--replay", write_session(0), NULL };
    pid_t feed = ops_spawn(feed_argv, NULL, ops_path("feed.out"), ops_path("feed.err"));
    int fport = ops_feed_port();
    const char *cfg = ops_path("live.json");
    char text[1024];
    snprintf(text, sizeof text,
             "{\"feed\": {\"url\": \"ws://127.0.0.1:%d\", \"key_env\": \"SW_OPS_TOKEN\"},\n"
             " \"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"MRK\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"confirm_ticks\": 1}], \"state_dir\": \"%s\",\n"
             " \"metrics\": {\"listen\": \"127.0.0.1:%d\"}}\n",
             fport, ops_dir, ntohs(a.sin_port));
    ops_write(cfg, text);
    const char *env[] = { "SW_OPS_TOKEN=t0ken", NULL };
    const char *argv[] = { OPS_SHOCKD, "-c", cfg, NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, env, out, err);
    cr_expect(sw_test_wait_text(out, "\"symbol\":\"NVDA\"", 1, 20000), "no alert through the live feed:\n%s",
              sw_test_slurp(err));
    char *e = sw_test_slurp(err);
    cr_expect(strstr(e, "metrics: cannot listen on 127.0.0.1:") && strstr(e, "Address already in use"), "%s", e);
    cr_expect_null(strstr(e, "read failed"), "%s", e);
    free(e);
    kill(pid, SIGTERM);
    cr_expect_eq(ops_wait(pid, 10000), 0);
    kill(feed, SIGTERM);
    ops_wait(feed, 10000);
    close(hold);
}

/* Shard 1 of 2 takes only the groups that hash to it ("ai"; "cloud" falls to
 * shard 0): /metrics counts its own symbols and names the shard, and the
 * log lines name it too. */
Test(ops_metrics, a_shard_names_itself_and_counts_only_its_symbols)
{
    const char *path = ops_path("shard.json");
    char text[1024];
    snprintf(text, sizeof text,
             "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"MRK\"], \"cloud\": [\"MSFT\", \"ORCL\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"confirm_ticks\": 1}],\n"
             " \"state_dir\": \"%s\", \"metrics\": {\"listen\": \"127.0.0.1:0\"}}\n",
             ops_dir);
    ops_write(path, text);
    const char *argv[] = { OPS_SHOCKD, "-c", path, "--shard", "1/2", "--replay", write_session(120), "--speed", "1",
                           NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, NULL, out, err);
    int port = ops_metrics_port(err, 10000);
    cr_assert_gt(port, 0, "no metrics line: %s", sw_test_slurp(err));
    cr_assert(sw_test_wait_text(out, "\"symbol\":\"MRK\"", 1, 20000), "%s", sw_test_slurp(err));
    char *m = NULL;
    cr_assert_eq(th_get(port, "/metrics", 0, &m, NULL, 0), 200);
    char report[4096];
    cr_expect_eq(promtool_ok(m, report, sizeof report), 0, "promtool: %s\n%s", report, m);
    cr_expect_eq(th_sample(m, "shockwatch_shard{index=\"1\",count=\"2\"}"), 1, "%s", m);
    cr_expect_eq(th_sample(m, "shockwatch_symbols"), 3, "ai's three, not cloud's two: %s", m);
    cr_expect_eq(th_sample(m, "shockwatch_alerts_deduplicated_total"), 0, "%s", m);
    cr_expect_eq(th_sample(m, "shockwatch_spool_unreplicated"), 0, "%s", m);
    free(m);
    cr_assert_eq(kill(pid, SIGTERM), 0);
    cr_expect_eq(ops_wait(pid, 30000), 0, "%s", sw_test_slurp(err));
    char *e = sw_test_slurp(err);
    cr_expect(strstr(e, "shockd[1/2]: info: shard 1 of 2: groups ai (3 symbols") != NULL, "%s", e);
    free(e);
}
