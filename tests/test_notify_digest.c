/* test_notify_digest.c -- storm control end to end: build/shockd replays the
 * bundled 2025-01-27 session with the demo's detectors into a private Redis
 * (sinks ["redis"]), and shock-notify, with digests on, sends the AI basket's
 * alerts to Slack as one message rather than one per name. */
#include "sw_test_notify.h"

#include <criterion/criterion.h>

#define STREAM "shockwatch:alerts"
#define GROUP "shock-notify"

static struct env {
    test_redis redis;
    tn_proc peer, notify, shockd;
    char dir[64], cfg[128], log[128];
    redisContext *c;
} G;

static void teardown(void)
{
    tn_stop(&G.notify, SIGKILL);
    tn_stop(&G.shockd, SIGKILL);
    tn_stop(&G.peer, SIGTERM);
    tn_env_down(&G.c, &G.redis, G.dir);
}

TestSuite(notify_digest, .fini = teardown, .timeout = 180);

Test(notify_digest, ai_sell_off_is_one_message_per_group)
{
    memset(&G, 0, sizeof G);
    cr_assert_eq(tn_env_up(G.dir, sizeof G.dir, &G.redis, &G.c), 0);
    snprintf(G.log, sizeof G.log, "%s/http.log", G.dir);
    const char *args[] = { "--log", G.log, NULL };
    cr_assert_eq(tn_peer_start(&G.peer, G.dir, "http", args), 0);

    /* config/demo.json's watchlist and detectors, delivered to Redis. */
    char *demo = tn_read(SW_SOURCE_DIR "/config/demo.json");
    cr_assert(demo);
    cJSON *cfg = cJSON_Parse(demo);
    free(demo);
    cJSON_ReplaceItemInObject(cfg, "sinks", cJSON_CreateStringArray((const char *[]){ "redis" }, 1));
    cJSON_DeleteItemFromObject(cfg, "stdout");
    cJSON *redis = cJSON_CreateObject();
    cJSON_AddStringToObject(redis, "url", G.redis.url);
    cJSON_AddItemToObject(cfg, "redis", redis);
    cJSON_ReplaceItemInObject(cfg, "state_dir", cJSON_CreateString(G.dir));
    char notify[1024];
    snprintf(notify, sizeof notify,
             "{\"block\": \"200ms\", \"start\": \"all\", \"digest_window\": \"3s\",\n"
             " \"channels\": {\"slack\": {\"url_env\": \"TN_SLACK_URL\"}},\n"
             " \"routes\": [{\"min_severity\": \"warning\", \"channels\": [\"slack\"]}]}");
    cJSON_AddItemToObject(cfg, "notify", cJSON_Parse(notify));
    char *text = cJSON_Print(cfg);
    cJSON_Delete(cfg);
    snprintf(G.cfg, sizeof G.cfg, "%s/cfg.json", G.dir);
    tn_write(G.cfg, text);
    free(text);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/slack", G.peer.port);
    setenv("TN_SLACK_URL", url, 1);

    /* The replay first, then shock-notify (start: all) reads the stream.
     * The digest window is wall-clock time from a group's first alert: with
     * shock-notify reading while a max-speed replay writes, a replay slower
     * than the window (ASan on a loaded machine) splits the digest.  From a
     * backlog the whole session's alerts arrive in one read. */
    char out[192], err[192];
    snprintf(out, sizeof out, "%s/shockd.stdout", G.dir);
    snprintf(err, sizeof err, "%s/shockd.stderr", G.dir);
    const char *sargv[] = { SW_BINARY_DIR "/shockd", "-c", G.cfg, "--replay",
                            SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson", NULL };
    G.shockd.pid = tn_spawn(sargv, out, err);
    cr_assert_eq(tn_stop_status(&G.shockd, 0, 120000), 0, "shockd failed (see %s)", err);
    redisReply *len = redisCommand(G.c, "XLEN %s", STREAM);
    long long n_alerts = len->integer;
    freeReplyObject(len);
    cr_assert_geq(n_alerts, 15, "the replay wrote %lld alerts", n_alerts);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);

    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 60000), 0, "not every alert was delivered");
    cJSON *log = tn_http_log(G.log);
    int posts = tn_count_ok(log, "/slack");
    /* One digest per group with alerts: ai and benchmarks. */
    cr_assert_eq(posts, 2, "%d Slack messages for %lld alerts", posts, n_alerts);
    const cJSON *ai = NULL, *e;
    cJSON_ArrayForEach(e, log) {
        if (strstr(cJSON_GetObjectItem(e, "body")->valuestring, "\\u00b7 ai \\u00b7") ||
            strstr(cJSON_GetObjectItem(e, "body")->valuestring, "\xc2\xb7 ai \xc2\xb7"))
            ai = e;
    }
    cr_assert(ai, "no digest for group ai");
    cJSON *b = cJSON_Parse(cJSON_GetObjectItem(ai, "body")->valuestring);
    const char *fallback = cJSON_GetObjectItem(b, "text")->valuestring;
    /* Led by the group's breadth alert, then the biggest movers. */
    cr_assert(strstr(fallback, "ai: 4 of 7 members down 5% or more"), "%s", fallback);
    cr_assert(strstr(fallback, "AVGO -17.81%") && strstr(fallback, "NVDA -17.49%"), "%s", fallback);
    /* Every ai alert of the stream is in it (by id). */
    redisReply *r = tn_xrange(G.c, STREAM);
    char *body = cJSON_PrintUnformatted(b);
    int in_ai = 0;
    for (size_t i = 0; i < r->elements; i++) {
        const char *sym = tn_field(r->element[i], "symbol"), *id = tn_field(r->element[i], "id");
        if (strcmp(sym, "QQQ") && strcmp(sym, "SPY") && strcmp(sym, "SMH")) {
            cr_assert(strstr(body, id), "alert %s (%s) missing from the ai digest", id, sym);
            in_ai++;
        }
    }
    cr_assert_geq(in_ai, 9);
    free(body);
    freeReplyObject(r);
    cJSON_Delete(b);
    cJSON_Delete(log);
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 10000), 0);
}
