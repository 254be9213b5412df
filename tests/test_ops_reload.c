/* SIGHUP reloads of a running shockd, end to end: a paced replay whose day 1
 * pauses (a run of ticks of an unwatched symbol, one a second) so the test
 * can reload between the morning's trades and the afternoon's crash. */
#include "sw_test_redis.h" /* first: it defines _DEFAULT_SOURCE unguarded */
#include "sw_test_ops.h"

#include "sw_level.h"
#include "sw_reload.h"
#include "sw_time.h"
#include "sw_volume.h"

#include <math.h>

TestSuite(ops_reload, .init = ops_setup, .fini = ops_teardown, .timeout = 120);

/* Seconds of the pause in which the test reloads: the reload must land in
 * it (SIGHUP, config read, engine rebuilt) however loaded the machine, so it
 * is generous; each test that reloads lasts that long. */
#define WINDOW_S 20

/* Day 0 (2025-03-03) closes: MRK 10, NVDA 100, AMD 50, INTC 20.  Day 1 opens
 * with small moves of the others, then MRK -50% (the marker alert: once it is
 * out, everything before the pause has been processed), the pause, then
 * NVDA -15%, AMD -20%, INTC -15% and a first AAPL. */
static const char *write_session(void)
{
    const char *path = ops_path("session.ndjson");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    int64_t d0 = ops_utc_ms(2025, 3, 3, 20, 0, 0, 0); /* 15:00 New York */
    ops_trade(f, "MRK", 10, d0);
    ops_trade(f, "NVDA", 100, d0 + 1);
    ops_trade(f, "AMD", 50, d0 + 2);
    ops_trade(f, "INTC", 20, d0 + 3);
    int64_t d1 = ops_utc_ms(2025, 3, 4, 14, 31, 0, 0); /* 09:31 New York */
    ops_trade(f, "NVDA", 100.5, d1);
    ops_trade(f, "AMD", 50.2, d1 + 1);
    ops_trade(f, "INTC", 20.1, d1 + 2);
    ops_trade(f, "MRK", 5, d1 + 100);
    /* The pause: an unwatched symbol once a second keeps the paced replay
     * waiting (it jumps only over gaps longer than 2 s). */
    for (int i = 1; i <= WINDOW_S; i++)
        ops_trade(f, "ZZZZ", 1, d1 + 200 + i * 1000);
    int64_t crash = d1 + 200 + (WINDOW_S + 1) * 1000;
    ops_trade(f, "NVDA", 85, crash);
    ops_trade(f, "AMD", 40, crash + 1);
    ops_trade(f, "INTC", 17, crash + 2);
    ops_trade(f, "AAPL", 150, crash + 3);
    fclose(f);
    return path;
}

static const char *config(const char *name, const char *groups, const char *extra)
{
    const char *path = ops_path(name);
    char text[2048];
    snprintf(text, sizeof text,
             "{\"groups\": {\"ai\": [%s]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"confirm_ticks\": 1}],\n"
             " \"sinks\": [\"stdout\"], \"state_dir\": \"%s\", \"log_level\": \"info\"%s}\n",
             groups, ops_dir, extra);
    ops_write(path, text);
    return path;
}

/* The alert line of `symbol` (the first one after `from`), or NULL. */
static const char *alert_of(const char *out, const char *symbol)
{
    char key[64];
    snprintf(key, sizeof key, "\"symbol\":\"%s\"", symbol);
    return strstr(out, key);
}

Test(ops_reload, changed_watchlist_keeps_the_previous_close_of_kept_symbols)
{
    const char *session = write_session();
    const char *cfg = config("shockwatch.json", "\"NVDA\", \"AMD\", \"INTC\", \"MRK\"", "");
    const char *argv[] = { OPS_SHOCKD, "-c", cfg, "--group", "extra=QQQ", "--replay", session, "--speed", "1", NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, NULL, out, err);
    /* Day 1 has begun once MRK's alert is out; the pause follows. */
    cr_assert(sw_test_wait_text(out, "\"symbol\":\"MRK\"", 1, 20000), "no marker alert; stderr:\n%s", sw_test_slurp(err));
    /* The new watchlist: AMD goes, AAPL comes, NVDA, INTC and MRK stay. */
    config("shockwatch.json", "\"NVDA\", \"INTC\", \"AAPL\", \"MRK\"", "");
    cr_assert_eq(kill(pid, SIGHUP), 0);
    cr_assert(sw_test_wait_text(err, "reload: ", 1, 20000), "%s", sw_test_slurp(err));
    int rc = ops_wait(pid, 60000);
    char *o = sw_test_slurp(out), *e = sw_test_slurp(err);
    cr_assert_eq(rc, 0, "exit %d; stderr:\n%s", rc, e);
    cr_expect(strstr(e, "applied: 5 symbols (4 kept with their session, 1 added, 1 removed)") != NULL,
              "the --group extra=QQQ is applied again too; stderr:\n%s", e);
    cr_expect(strstr(e, "no longer watching AMD") && strstr(e, "watching AAPL"), "%s", e);
    /* NVDA and INTC are judged against the closes of day 0, kept across the
     * reload. */
    const char *nvda = alert_of(o, "NVDA"), *intc = alert_of(o, "INTC");
    cr_assert_not_null(nvda, "no NVDA alert after the reload; stdout:\n%s\nstderr:\n%s", o, e);
    cr_expect(strstr(nvda, "\"reference\":100,") && strstr(nvda, "\"change_pct\":-15,") &&
                  strstr(nvda, "\"severity\":\"critical\""),
              "%s", nvda);
    cr_assert_not_null(intc, "%s", o);
    cr_expect(strstr(intc, "\"reference\":20,") && strstr(intc, "\"change_pct\":-15,"), "%s", intc);
    cr_expect_null(alert_of(o, "AMD"), "AMD was removed: %s", o);
    cr_expect_null(alert_of(o, "AAPL"), "AAPL is new: no previous close yet: %s", o);
    /* Exactly the trades no watchlist had when they came: the pause's ZZZZ
     * ticks and AMD's crash after its removal.  AAPL's trade is a tick. */
    cr_expect(sw_test_says(e, WINDOW_S + 1, "unknown-symbol"), "%s", e);
    cr_expect(sw_test_says(e, 11, "ticks,"), "%s", e);
    free(o);
    free(e);
}

Test(ops_reload, broken_config_is_rejected_and_the_old_one_stays)
{
    const char *session = write_session();
    const char *cfg = config("shockwatch.json", "\"NVDA\", \"AMD\", \"INTC\", \"MRK\"", "");
    const char *argv[] = { OPS_SHOCKD, "-c", cfg, "--replay", session, "--speed", "1", NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, NULL, out, err);
    cr_assert(sw_test_wait_text(out, "\"symbol\":\"MRK\"", 1, 20000), "no marker alert; stderr:\n%s", sw_test_slurp(err));
    /* A typo and a lower-case symbol: two problems, both reported. */
    ops_write(cfg, "{\"groups\": {\"ai\": [\"NVDA\", \"nvda\"]},\n"
                   " \"detectors\": [{\"type\": \"pct_move\", \"critcal_pct\": 12}]}\n");
    cr_assert_eq(kill(pid, SIGHUP), 0);
    cr_assert(sw_test_wait_text(err, "rejected", 1, 20000), "%s", sw_test_slurp(err));
    int rc = ops_wait(pid, 60000);
    char *o = sw_test_slurp(out), *e = sw_test_slurp(err);
    cr_assert_eq(rc, 0, "exit %d; stderr:\n%s", rc, e);
    /* The log names every problem exactly as --check does. */
    const char *check_argv[] = { OPS_SHOCKD, "--check", "-c", cfg, NULL };
    pid_t cp = ops_spawn(check_argv, NULL, ops_path("check.out"), ops_path("check.err"));
    cr_assert_eq(ops_wait(cp, 10000), 1);
    char *check = sw_test_slurp(ops_path("check.err"));
    int lines = 0;
    char *save = NULL;
    for (char *line = strtok_r(check, "\n", &save); line; line = strtok_r(NULL, "\n", &save), lines++)
        cr_expect(strstr(e, line) != NULL, "--check says \"%s\", the reload log does not:\n%s", line, e);
    cr_expect_eq(lines, 2, "%d problems", lines);
    cr_expect(strstr(e, "critcal_pct") && strstr(e, "\"nvda\" is not a valid symbol"), "%s", e);
    /* The old configuration stayed: AMD is still watched, NVDA still has
     * its previous close. */
    cr_expect_not_null(alert_of(o, "AMD"), "%s", o);
    const char *nvda = alert_of(o, "NVDA");
    cr_expect(nvda && strstr(nvda, "\"reference\":100,"), "%s", o);
    free(check);
    free(o);
    free(e);
}

Test(ops_reload, detector_and_log_level_changes_apply)
{
    const char *session = write_session();
    const char *cfg = config("shockwatch.json", "\"NVDA\", \"AMD\", \"INTC\", \"MRK\"", "");
    const char *argv[] = { OPS_SHOCKD, "-c", cfg, "--replay", session, "--speed", "1", NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, NULL, out, err);
    cr_assert(sw_test_wait_text(out, "\"symbol\":\"MRK\"", 1, 20000), "no marker alert; stderr:\n%s", sw_test_slurp(err));
    /* Levels raised so that -15% is only a warning; quieter log. */
    const char *path = ops_path("shockwatch.json");
    char text[1024];
    snprintf(text, sizeof text,
             "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"INTC\", \"MRK\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"confirm_ticks\": 1, \"warning_pct\": 12, "
             "\"critical_pct\": 30}],\n"
             " \"sinks\": [\"stdout\"], \"stdout\": {\"format\": \"text\"}, \"state_dir\": \"%s\", "
             "\"log_level\": \"warning\"}\n",
             ops_dir);
    ops_write(path, text);
    cr_assert_eq(kill(pid, SIGHUP), 0);
    int rc = ops_wait(pid, 60000);
    char *o = sw_test_slurp(out), *e = sw_test_slurp(err);
    cr_assert_eq(rc, 0, "%s", e);
    /* The stdout sink was replaced by a text one; NVDA's -15% is a warning. */
    cr_expect(strstr(o, " ET  WARNING   NVDA    pct_move    NVDA -15.00% vs previous close 100.00\n") != NULL, "%s", o);
    cr_expect_eq(sw_test_count(o, "\"symbol\":\"NVDA\""), 0, "JSON after the reload: %s", o);
    /* log_level warning: the reload's own info line is the last info. */
    const char *applied = strstr(e, "applied:");
    cr_assert_not_null(applied, "%s", e);
    cr_expect_null(strstr(applied, ": info: "), "info lines after the reload: %s", applied);
    free(o);
    free(e);
}

/* A changed `redis` section: the old sink closes, the new one starts on the
 * same spool; alerts before the reload are in the old stream, after it in
 * the new one, none lost or doubled. */
Test(ops_reload, redis_section_change_hands_the_sink_over)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0, "cannot start redis-server");
    const char *session = write_session();
    char extra[512];
    snprintf(extra, sizeof extra, ", \"redis\": {\"url\": \"%s\", \"stream\": \"before\"}", r.url);
    const char *cfg = config("shockwatch.json", "\"NVDA\", \"AMD\", \"INTC\", \"MRK\"", extra);
    /* config() writes sinks ["stdout"]: add redis. */
    char *text = sw_test_slurp(cfg);
    char *sinks = strstr(text, "[\"stdout\"]");
    cr_assert_not_null(sinks);
    char fixed[2048];
    snprintf(fixed, sizeof fixed, "%.*s[\"stdout\", \"redis\"]%s", (int)(sinks - text), text, sinks + 10);
    ops_write(cfg, fixed);
    const char *argv[] = { OPS_SHOCKD, "-c", cfg, "--replay", session, "--speed", "1", NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, NULL, out, err);
    cr_assert(sw_test_wait_text(out, "\"symbol\":\"MRK\"", 1, 20000), "%s", sw_test_slurp(err));
    /* A replaced sink leaves what Redis has not confirmed in the spool for
     * its successor (at-least-once): the marker would go to both streams if
     * the SIGHUP came while its XADD was in flight.  So the reload waits
     * until the marker is in "before" and the spool file is empty again
     * (truncated once everything in it is confirmed). */
    redisContext *c = tr_connect(&r);
    cr_assert_not_null(c);
    uint64_t deadline = sw_test_now_ms() + 20000;
    long long in_before = -1;
    long spool_size = -1;
    const char *spool = ops_path("spool.ndjson");
    do {
        redisReply *len = redisCommand(c, "XLEN before");
        in_before = len && len->type == REDIS_REPLY_INTEGER ? len->integer : -1;
        if (len)
            freeReplyObject(len);
        struct stat st;
        spool_size = stat(spool, &st) == 0 ? (long)st.st_size : -1;
        if (in_before == 1 && spool_size == 0)
            break;
        sw_test_sleep_ms(20);
    } while (sw_test_now_ms() < deadline);
    cr_assert(in_before == 1 && spool_size == 0, "marker not confirmed: XLEN before %lld, spool %ld bytes; %s",
              in_before, spool_size, sw_test_slurp(err));
    char *after = strstr(fixed, "\"before\"");
    cr_assert_not_null(after);
    memcpy(after, "\"after\" ", 8); /* same length: one space pads it */
    ops_write(cfg, fixed);
    cr_assert_eq(kill(pid, SIGHUP), 0);
    cr_assert(sw_test_wait_text(err, "sink redis handed over", 1, 20000), "%s", sw_test_slurp(err));
    int rc = ops_wait(pid, 60000);
    char *e = sw_test_slurp(err);
    cr_assert_eq(rc, 0, "%s", e);
    redisReply *before = redisCommand(c, "XRANGE before - +");
    redisReply *now = redisCommand(c, "XRANGE after - +");
    cr_assert(before && now && before->type == REDIS_REPLY_ARRAY && now->type == REDIS_REPLY_ARRAY);
    cr_expect_eq(before->elements, 1, "MRK only");
    cr_expect_eq(now->elements, 3, "NVDA, AMD and INTC after the reload");
    freeReplyObject(before);
    freeReplyObject(now);
    redisFree(c);
    free(text);
    free(e);
    tr_destroy(&r);
}

/* The session copy on its own. */
Test(ops_reload, copy_sessions_keeps_what_stays)
{
    const sw_detector_type *pm = sw_detector_find("pct_move");
    cr_assert_not_null(pm);
    unsigned char params[1024];
    cr_assert_leq(pm->params_size, sizeof params);
    pm->defaults(params);
    sw_detector_spec det = { pm, params };
    const char *a_members[] = { "NVDA", "AMD" }, *b_members[] = { "AAPL", "NVDA" };
    sw_group_spec ga = { "ai", a_members, 2 }, gb = { "ai", b_members, 2 };
    sw_engine a, b;
    char err[256];
    cr_assert_eq(sw_engine_init(&a, &ga, 1, &det, 1, NULL, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sw_engine_init(&b, &gb, 1, &det, 1, NULL, NULL, err, sizeof err), 0, "%s", err);
    int64_t d0 = ops_utc_ms(2025, 3, 3, 20, 0, 0, 0) * 1000000, d1 = ops_utc_ms(2025, 3, 4, 15, 0, 0, 0) * 1000000;
    sw_tick t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "NVDA");
    t.price = 100;
    t.ts_ns = d0;
    sw_engine_tick(&a, &t);
    t.price = 101;
    t.ts_ns = d1;
    sw_engine_tick(&a, &t);
    snprintf(t.symbol, sizeof t.symbol, "AMD");
    sw_engine_tick(&a, &t);
    cr_assert_eq(sw_reload_copy_sessions(&b, &a), 1);
    const sw_symbol *n = sw_engine_symbol(&b, "NVDA"), *o = sw_engine_symbol(&a, "NVDA");
    cr_expect_float_eq(n->prev_close, 100, 1e-9);
    cr_expect_float_eq(n->open, 101, 1e-9);
    cr_expect_float_eq(n->day_close, 101, 1e-9);
    cr_expect_float_eq(n->last_price, 101, 1e-9);
    cr_expect_eq(n->day, o->day);
    cr_expect_eq(n->last_ts, d1);
    cr_expect_eq(n->ticks, 2);
    const sw_symbol *fresh = sw_engine_symbol(&b, "AAPL");
    cr_expect(isnan(fresh->prev_close) && fresh->ticks == 0 && fresh->day == SW_NO_DAY);
    cr_expect_eq(b.stats.ticks, 3, "counters carry over");
    cr_expect_eq(b.now_ns, a.now_ns);
    /* The next NVDA trade of the same day is no roll: previous close stays. */
    snprintf(t.symbol, sizeof t.symbol, "NVDA");
    t.price = 90;
    t.ts_ns = d1 + 1000000000;
    cr_expect_eq(sw_engine_tick(&b, &t), SW_TICK_OK);
    cr_expect_float_eq(sw_engine_symbol(&b, "NVDA")->prev_close, 100, 1e-9);
    sw_engine_free(&a);
    sw_engine_free(&b);
}

/* What detectors keep across a restart crosses a reload too: a level's
 * previous trade and volume's baseline go to the detector of the same type
 * at the same position of the new engine; a detector of another type there
 * starts afresh. */
Test(ops_reload, copy_sessions_carries_what_detectors_keep)
{
    static const char *const members[] = { "NVDA" };
    sw_group_spec g = { "ai", members, 1 };
    static sw_level_params lp;
    sw_volume_params vp, vp2;
    sw_detector_find("level")->defaults(&lp);
    snprintf(lp.lv[0].symbol, sizeof lp.lv[0].symbol, "NVDA");
    lp.lv[0].price = 100;
    lp.lv[0].dir = -1;
    lp.lv[0].severity = SW_SEV_WARNING;
    lp.n = 1;
    sw_detector_find("volume")->defaults(&vp);
    vp2 = vp;
    vp2.window_ns = 10 * SW_NS_PER_MIN; /* another shape: not carried */
    sw_detector_spec da[] = { { sw_detector_find("level"), &lp }, { sw_detector_find("volume"), &vp } };
    sw_detector_spec db[] = { { sw_detector_find("level"), &lp }, { sw_detector_find("volume"), &vp2 } };
    sw_engine a, b, c;
    char err[256];
    cr_assert_eq(sw_engine_init(&a, &g, 1, da, 2, NULL, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sw_engine_init(&b, &g, 1, da, 2, NULL, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sw_engine_init(&c, &g, 1, db, 2, NULL, NULL, err, sizeof err), 0, "%s", err);
    sw_tick t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "NVDA");
    t.price = 105;
    t.size = 1000;
    for (int day = 3; day <= 5; day++)
        for (int m = 0; m < 390; m += 5) {
            t.ts_ns = ops_utc_ms(2025, 3, day, 14, 30, 0, 0) * 1000000 + (int64_t)m * SW_NS_PER_MIN;
            sw_engine_tick(&a, &t);
        }
    sw_reload_copy_sessions(&b, &a);
    sw_reload_copy_sessions(&c, &a);
    double va[SW_DET_STATE_MAX], vb[SW_DET_STATE_MAX];
    const sw_symbol *sa = sw_engine_symbol(&a, "NVDA"), *sb = sw_engine_symbol(&b, "NVDA"),
                    *sc = sw_engine_symbol(&c, "NVDA");
    for (int k = 0; k < 2; k++) {
        const sw_detector *x = &a.dets[k], *y = &b.dets[k];
        size_t na = x->type->save_state(x, sa->state + x->state_off, va, SW_DET_STATE_MAX);
        size_t nb = y->type->save_state(y, sb->state + y->state_off, vb, SW_DET_STATE_MAX);
        cr_expect(na > 0 && na == nb && memcmp(va, vb, na * sizeof va[0]) == 0, "detector %d: %zu vs %zu numbers", k,
                  na, nb);
    }
    const sw_detector *cv = &c.dets[1];
    cr_expect_eq(cv->type->save_state(cv, sc->state + cv->state_off, vb, SW_DET_STATE_MAX), 0,
                 "a volume detector of 10m windows does not take 5m windows' baseline");
    sw_engine_free(&a);
    sw_engine_free(&b);
    sw_engine_free(&c);
}

/* With a live feed: the reload changes the watchlist (AAPL in, AMD out), and
 * the feed resubscribes with the new list; the old engine, whose names the
 * feed used before, is freed (under ASan a dangling name would abort it).
 * shock-feed drops each connection after 3 trade messages and only sends
 * subscribed symbols, so after the reload AAPL's trades arrive: the summary
 * counts 4 symbols with trades in the new engine (NVDA, INTC, MRK, AAPL). */
Test(ops_reload, live_feed_keeps_subscribing_after_a_reload)
{
    if (access(SW_BINARY_DIR "/shock-feed", X_OK) != 0)
        cr_skip_test("shock-feed is not built");
    const char *session = write_session();
    const char *feed_argv[] = { SW_BINARY_DIR "/shock-feed", "--replay", session, "--loop", "--drop-every", "3",
                                "--speed", "max", NULL };
    pid_t feed = ops_spawn(feed_argv, NULL, ops_path("feed.out"), ops_path("feed.err"));
    int fport = ops_feed_port();
    char extra[256];
    snprintf(extra, sizeof extra,
             ", \"feed\": {\"url\": \"ws://127.0.0.1:%d\", \"key_env\": \"SW_OPS_TOKEN\", "
             "\"backoff_base\": \"20ms\", \"backoff_cap\": \"100ms\"}, \"metrics\": {\"listen\": \"off\"}",
             fport);
    const char *cfg = config("shockwatch.json", "\"NVDA\", \"AMD\", \"INTC\", \"MRK\"", extra);
    const char *env[] = { "SW_OPS_TOKEN=t0ken", NULL };
    const char *argv[] = { OPS_SHOCKD, "-c", cfg, NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, env, out, err);
    cr_assert(sw_test_wait_text(err, "feed: finnhub streaming 4 symbols", 2, 20000), "%s", sw_test_slurp(err));
    config("shockwatch.json", "\"NVDA\", \"INTC\", \"AAPL\", \"MRK\"", extra);
    cr_assert_eq(kill(pid, SIGHUP), 0);
    cr_assert(sw_test_wait_text(err, "applied: 4 symbols (3 kept with their session, 1 added, 1 removed)", 1, 20000),
              "%s", sw_test_slurp(err));
    /* Five more subscriptions after the reload, with the names it pinned. */
    char *e = sw_test_slurp(err);
    int before = sw_test_count(e, "feed: finnhub streaming 4 symbols");
    free(e);
    cr_expect(sw_test_wait_text(err, "feed: finnhub streaming 4 symbols", before + 5, 20000), "%s", sw_test_slurp(err));
    cr_assert_eq(kill(pid, SIGTERM), 0);
    int rc = ops_wait(pid, 10000);
    e = sw_test_slurp(err);
    cr_expect_eq(rc, 0, "%s", e);
    cr_expect(strstr(e, "feed: resubscribing 4 symbols (1 added, 1 removed)") != NULL, "%s", e);
    cr_expect(strstr(e, " ticks, 4 symbols,") != NULL, "AAPL never arrived after the reload: %s", e);
    free(e);
    kill(feed, SIGTERM);
    ops_wait(feed, 10000);
}
