/* test_notify_http.c -- shock-notify against a real HTTP server on loopback
 * (tests/notify_peer.py) and a private redis-server: Slack, webhook, Discord
 * and Telegram bodies, the webhook's HMAC, 429 with Retry-After, 5xx and
 * timeouts retried, dead letters, and SIGKILL mid-stream with a restart that
 * delivers every alert once per channel. */
#include "sw_test_notify.h"

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define STREAM "shockwatch:alerts"
#define GROUP "shock-notify"

static struct env {
    test_redis redis;
    tn_proc peer, notify;
    char dir[64], cfg[128], log[128];
    redisContext *c;
} G;

static void teardown(void)
{
    tn_stop(&G.notify, SIGKILL);
    tn_stop(&G.peer, SIGTERM);
    if (G.c)
        redisFree(G.c);
    G.c = NULL;
    tr_destroy(&G.redis);
    tn_rmdir(G.dir);
}

/* Redis, the HTTP peer (with its --respond/--hold args) and a config whose
 * notify section is `notify` (printf'd with the peer's port wherever %1$d is). */
static void setup(const char *const *peer_args, const char *notify_fmt)
{
    memset(&G, 0, sizeof G);
    tn_tmpdir(G.dir, sizeof G.dir);
    cr_assert(G.dir[0]);
    cr_assert_eq(tr_start(&G.redis, NULL, 0, 0), 0, "redis-server did not start");
    G.c = tr_connect(&G.redis);
    cr_assert(G.c);
    snprintf(G.log, sizeof G.log, "%s/http.log", G.dir);
    const char *args[24] = { "--log", G.log };
    size_t n = 2;
    for (size_t i = 0; peer_args && peer_args[i] && n < 22; i++)
        args[n++] = peer_args[i];
    args[n] = NULL;
    cr_assert_eq(tn_peer_start(&G.peer, G.dir, "http", args), 0, "HTTP peer did not start");
    char notify[4096], text[8192], url[128];
    snprintf(notify, sizeof notify, notify_fmt, G.peer.port);
    snprintf(text, sizeof text,
             "{ \"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"AVGO\"]},\n"
             "  \"redis\": {\"url\": \"%s\"}, \"state_dir\": \"%s\", \"shutdown_timeout\": \"3s\",\n"
             "  \"notify\": %s }\n",
             G.redis.url, G.dir, notify);
    snprintf(G.cfg, sizeof G.cfg, "%s/cfg.json", G.dir);
    tn_write(G.cfg, text);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/slack", G.peer.port);
    setenv("TN_SLACK_URL", url, 1);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/discord", G.peer.port);
    setenv("TN_DISCORD_URL", url, 1);
    setenv("TN_TG_TOKEN", "123456:test-token", 1);
    setenv("TN_HOOK_SECRET", "s3cret-key", 1);
}

static void xadd(int seq, const char *sym, sw_severity sev, sw_alert *out)
{
    sw_alert a;
    tn_alert(&a, seq, sym, sev);
    cr_assert_eq(tn_xadd(G.c, STREAM, &a), 0);
    if (out)
        *out = a;
}

static const cJSON *find_path(const cJSON *log, const char *path, int nth)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, log) {
        const cJSON *p = cJSON_GetObjectItem(e, "path");
        if (cJSON_IsString(p) && strcmp(p->valuestring, path) == 0 && nth-- == 0)
            return e;
    }
    return NULL;
}

static const char *header(const cJSON *req, const char *name)
{
    const cJSON *h = cJSON_GetObjectItem(cJSON_GetObjectItem(req, "headers"), name);
    return cJSON_IsString(h) ? h->valuestring : NULL;
}

static cJSON *body_json(const cJSON *req)
{
    return cJSON_Parse(cJSON_GetObjectItem(req, "body")->valuestring);
}

TestSuite(notify_http, .fini = teardown, .timeout = 120);

#define FAST "\"block\": \"200ms\", \"claim_after\": \"2s\", \"start\": \"all\", \"digest_window\": \"0\""

Test(notify_http, bodies_of_every_http_channel)
{
    setup(NULL, "{ " FAST ",\n"
                "  \"channels\": {\n"
                "    \"slack\": {\"url_env\": \"TN_SLACK_URL\"},\n"
                "    \"hook\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:%1$d/hook\",\n"
                "              \"secret_env\": \"TN_HOOK_SECRET\", \"headers\": [\"X-Team: markets\"]},\n"
                "    \"discord\": {\"url_env\": \"TN_DISCORD_URL\"},\n"
                "    \"telegram\": {\"token_env\": \"TN_TG_TOKEN\", \"chat_id\": \"-100123\",\n"
                "                 \"api_base\": \"http://127.0.0.1:%1$d\"}},\n"
                "  \"routes\": [{\"min_severity\": \"warning\", \"channels\": [\"slack\", \"hook\", \"discord\", \"telegram\"]}]}");
    sw_alert a;
    xadd(1, "NVDA", SW_SEV_CRITICAL, &a);
    xadd(2, "AMD", SW_SEV_INFO, NULL); /* below every route: acknowledged, sent nowhere */
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_ok(G.log, "/slack", 1, 20000), 1);
    cr_assert_eq(tn_wait_ok(G.log, "/hook", 1, 20000), 1);
    cr_assert_eq(tn_wait_ok(G.log, "/discord", 1, 20000), 1);
    cr_assert_eq(tn_wait_ok(G.log, "/bot123456:test-token/sendMessage", 1, 20000), 1);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 20000), 0, "entries left unacknowledged");
    cJSON *log = tn_http_log(G.log);
    cr_assert_eq(cJSON_GetArraySize(log), 4, "one post per channel, none for the info alert");

    /* Slack: fallback text, attachment coloured red, header with severity and symbol, fields, ids. */
    const cJSON *r = find_path(log, "/slack", 0);
    cr_assert_str_eq(header(r, "content-type"), "application/json");
    cJSON *b = body_json(r);
    cr_assert(b);
    cr_assert(strstr(cJSON_GetObjectItem(b, "text")->valuestring, "[CRITICAL] NVDA -16.97% vs previous close"));
    const cJSON *att = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "attachments"), 0);
    cr_assert_str_eq(cJSON_GetObjectItem(att, "color")->valuestring, "#D7263D");
    const cJSON *blocks = cJSON_GetObjectItem(att, "blocks");
    const cJSON *hdr = cJSON_GetArrayItem(blocks, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(hdr, "type")->valuestring, "header");
    const char *ht = cJSON_GetObjectItem(cJSON_GetObjectItem(hdr, "text"), "text")->valuestring;
    cr_assert(strstr(ht, "CRITICAL") && strstr(ht, "NVDA"), "header: %s", ht);
    char *all = cJSON_PrintUnformatted(blocks);
    static const char *const want[] = { "*Price*\\n118.42", "*Move*\\n-16.97%", "*Z-score*", "*Reference*\\n142.62",
                                        "*Time (New York)*\\n2025-01-27 09:30:01.000 EST",
                                        "*Time (UTC)*\\n2025-01-27T14:30:01.000Z", "context" };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(all, want[i]), "slack blocks lack %s: %s", want[i], all);
    cr_assert(strstr(all, a.id));
    free(all);
    cJSON_Delete(b);

    /* Webhook: the alert JSON byte for byte, signed with HMAC-SHA256, extra header, id header. */
    r = find_path(log, "/hook", 0);
    const char *body = cJSON_GetObjectItem(r, "body")->valuestring;
    char json[SW_ALERT_JSON_MAX];
    sw_alert_to_json(&a, json, sizeof json);
    cr_assert_str_eq(body, json);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    HMAC(EVP_sha256(), "s3cret-key", 10, (const unsigned char *)body, strlen(body), md, &mdlen);
    char sig[160] = "sha256=";
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(sig + strlen(sig), sizeof sig - strlen(sig), "%02x", md[i]);
    cr_assert_str_eq(header(r, "x-shockwatch-signature"), sig);
    cr_assert_str_eq(header(r, "x-team"), "markets");
    cr_assert_str_eq(header(r, "x-shockwatch-alert-id"), a.id);

    /* Discord: content with the headline, no mentions parsed. */
    b = body_json(find_path(log, "/discord", 0));
    cr_assert(strstr(cJSON_GetObjectItem(b, "content")->valuestring, "[CRITICAL] NVDA -16.97% vs prev close"));
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "allowed_mentions"), "parse")), 0);
    cJSON_Delete(b);

    /* Telegram: sendMessage with chat_id and text. */
    b = body_json(find_path(log, "/bot123456:test-token/sendMessage", 0));
    cr_assert_str_eq(cJSON_GetObjectItem(b, "chat_id")->valuestring, "-100123");
    const char *tt = cJSON_GetObjectItem(b, "text")->valuestring;
    cr_assert(strstr(tt, "[CRITICAL] NVDA") && strstr(tt, a.id), "%s", tt);
    cJSON_Delete(b);
    cJSON_Delete(log);

    /* Recorded as sent, per channel, before the acknowledgement. */
    static const char *const chans[] = { "slack", "hook", "discord", "telegram" };
    for (size_t i = 0; i < 4; i++) {
        char key[128];
        snprintf(key, sizeof key, "shockwatch:notify:sent:%s", chans[i]);
        redisReply *z = redisCommand(G.c, "ZSCORE %s %s", key, a.id);
        cr_assert(z && z->type == REDIS_REPLY_STRING, "%s not in %s", a.id, key);
        freeReplyObject(z);
    }
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 10000), 0, "shock-notify did not exit 0 on SIGTERM");
    /* The secrets never reach the log. */
    char errp[192];
    snprintf(errp, sizeof errp, "%s/notify.stderr", G.dir);
    char *err = tn_read(errp);
    cr_assert(err && !strstr(err, "test-token") && !strstr(err, "/slack") && !strstr(err, "s3cret"), "%s", err);
    free(err);
}

Test(notify_http, http_429_waits_for_retry_after)
{
    const char *args[] = { "--respond", "/slack=429:2", NULL };
    setup(args, "{ " FAST ", \"channels\": {\"slack\": {\"url_env\": \"TN_SLACK_URL\"}},\n"
                "  \"routes\": [{\"channels\": [\"slack\"]}]}");
    xadd(1, "NVDA", SW_SEV_CRITICAL, NULL);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_ok(G.log, "/slack", 1, 20000), 1);
    cJSON *log = tn_http_log(G.log);
    cr_assert_eq(tn_count_path(log, "/slack"), 2);
    double t0 = cJSON_GetObjectItem(find_path(log, "/slack", 0), "t")->valuedouble;
    double t1 = cJSON_GetObjectItem(find_path(log, "/slack", 1), "t")->valuedouble;
    cr_assert_eq(cJSON_GetObjectItem(find_path(log, "/slack", 0), "status")->valueint, 429);
    cr_assert(t1 - t0 >= 1.9, "retried after %.3f s, Retry-After said 2", t1 - t0);
    cJSON_Delete(log);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 10000), 0);
}

Test(notify_http, server_errors_and_timeouts_are_retried)
{
    /* Two 500s, then fine; and a request left unanswered until the channel's
     * timeout.  The timeout is long enough that the answered retry cannot
     * time out too on a loaded machine (that would be a third request). */
    const char *args[] = { "--respond", "/hook=500,500", "--hold", "/slow=0", NULL };
    setup(args, "{ " FAST ",\n"
                "  \"channels\": {\"hook\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:%1$d/hook\",\n"
                "                          \"backoff_base\": \"100ms\", \"backoff_max\": \"400ms\"},\n"
                "                \"slow\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:%1$d/slow\",\n"
                "                          \"timeout\": \"2s\", \"backoff_base\": \"100ms\"}},\n"
                "  \"routes\": [{\"channels\": [\"hook\", \"slow\"]}]}");
    xadd(1, "NVDA", SW_SEV_CRITICAL, NULL);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_ok(G.log, "/hook", 1, 20000), 1);
    cr_assert_eq(tn_wait_ok(G.log, "/slow", 1, 20000), 1);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 10000), 0);
    cJSON *log = tn_http_log(G.log);
    cr_assert_eq(tn_count_path(log, "/hook"), 3, "500, 500, 200");
    cr_assert_eq(tn_count_path(log, "/slow"), 2, "held (timed out), then 200");
    cJSON_Delete(log);
    redisReply *d = redisCommand(G.c, "XLEN shockwatch:alerts:dead");
    cr_assert_eq(d->integer, 0);
    freeReplyObject(d);
}

Test(notify_http, dead_letters_after_deadline_or_refusal)
{
    const char *args[] = { "--respond", "/hook=500*", "--respond", "/gone=404", NULL };
    setup(args, "{ " FAST ",\n"
                "  \"channels\": {\"hook\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:%1$d/hook\",\n"
                "                          \"backoff_base\": \"100ms\", \"backoff_max\": \"300ms\",\n"
                "                          \"retry_deadline\": \"2s\"},\n"
                "                \"gone\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:%1$d/gone\"}},\n"
                "  \"routes\": [{\"channels\": [\"hook\", \"gone\"]}]}");
    sw_alert a;
    xadd(1, "NVDA", SW_SEV_CRITICAL, &a);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 20000), 0, "not acknowledged after dead-lettering");
    redisReply *r = tn_xrange(G.c, "shockwatch:alerts:dead");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY);
    cr_assert_eq(r->elements, 2, "one dead letter per channel");
    int seen = 0;
    for (size_t i = 0; i < r->elements; i++) {
        const char *chan = tn_field(r->element[i], "channel"), *reason = tn_field(r->element[i], "reason");
        cr_assert_str_eq(tn_field(r->element[i], "id"), a.id);
        cr_assert(strstr(tn_field(r->element[i], "json"), a.id));
        if (strcmp(chan, "hook") == 0) {
            cr_assert(strstr(reason, "HTTP 500") && strstr(reason, "retry_deadline"), "%s", reason);
            seen |= 1;
        } else {
            cr_assert_str_eq(chan, "gone");
            cr_assert(strstr(reason, "HTTP 404"), "%s", reason);
            seen |= 2;
        }
    }
    cr_assert_eq(seen, 3);
    freeReplyObject(r);
    cJSON *log = tn_http_log(G.log);
    cr_assert_eq(tn_count_path(log, "/gone"), 1, "a 404 is not retried");
    cr_assert_geq(tn_count_path(log, "/hook"), 3, "a 500 is retried until the deadline");
    cJSON_Delete(log);
}

static void ids_once(const char *log_path, const char *path, const char *const *ids, int n, int by_json)
{
    cJSON *log = tn_http_log(log_path);
    for (int i = 0; i < n; i++) {
        int count = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, log) {
            const cJSON *p = cJSON_GetObjectItem(e, "path"), *st = cJSON_GetObjectItem(e, "status");
            if (!cJSON_IsString(p) || strcmp(p->valuestring, path) != 0 || !cJSON_IsNumber(st) || st->valueint != 200)
                continue;
            const char *body = cJSON_GetObjectItem(e, "body")->valuestring;
            if (by_json) {
                cJSON *b = cJSON_Parse(body);
                count += strcmp(cJSON_GetObjectItem(b, "id")->valuestring, ids[i]) == 0;
                cJSON_Delete(b);
            } else {
                count += strstr(body, ids[i]) != NULL;
            }
        }
        cr_assert_eq(count, 1, "alert %s delivered %d times on %s", ids[i], count, path);
    }
    cJSON_Delete(log);
}

Test(notify_http, sigkill_mid_stream_then_restart_delivers_each_alert_once)
{
    /* Each path leaves one request unanswered after some successes: shock-notify
     * is killed while waiting for it, so the kill falls in the middle of a delivery.
     * Both time out after 60 s, never while the test waits for the other. */
    const char *args[] = { "--hold", "/slack=7", "--hold", "/hook=11", NULL };
    setup(args, "{ " FAST ",\n"
                "  \"channels\": {\"slack\": {\"url_env\": \"TN_SLACK_URL\", \"rate\": 200, \"burst\": 5, \"timeout\": \"60s\"},\n"
                "                \"hook\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:%1$d/hook\",\n"
                "                          \"timeout\": \"60s\"}},\n"
                "  \"routes\": [{\"channels\": [\"slack\", \"hook\"]}]}");
    enum { N = 30 };
    char ids[N][24];
    const char *idp[N];
    for (int i = 0; i < N; i++) {
        sw_alert a;
        xadd(100 + i, i % 2 ? "NVDA" : "AMD", SW_SEV_CRITICAL, &a);
        snprintf(ids[i], sizeof ids[i], "%s", a.id);
        idp[i] = ids[i];
    }
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    /* Both paths reach their held request. */
    uint64_t deadline = tr_now_ms() + 20000;
    int held = 0;
    while (!held && tr_now_ms() < deadline) {
        cJSON *log = tn_http_log(G.log);
        held = tn_count_path(log, "/slack") == 8 && tn_count_path(log, "/hook") == 12;
        cJSON_Delete(log);
        if (!held)
            tr_pause_ms(20);
    }
    cr_assert(held, "the peer never held both requests");
    tn_stop(&G.notify, SIGKILL);
    cr_assert_gt(tn_pending(G.c, STREAM, GROUP), 0, "a killed consumer leaves entries pending");
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_ok(G.log, "/slack", N, 30000), N);
    cr_assert_eq(tn_wait_ok(G.log, "/hook", N, 30000), N);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 20000), 0);
    ids_once(G.log, "/slack", idp, N, 0);
    ids_once(G.log, "/hook", idp, N, 1);
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 10000), 0);
}

Test(notify_http, alerts_added_while_down_are_delivered_on_return)
{
    setup(NULL, "{ \"block\": \"200ms\", \"digest_window\": \"0\",\n"
                "  \"channels\": {\"hook\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:%1$d/hook\"}},\n"
                "  \"routes\": [{\"channels\": [\"hook\"]}]}");
    /* start: new (the default): the group begins at the end of the stream. */
    xadd(1, "NVDA", SW_SEV_CRITICAL, NULL);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    uint64_t deadline = tr_now_ms() + 10000;
    int has = 0;
    while (!has && tr_now_ms() < deadline) {
        redisReply *r = redisCommand(G.c, "XINFO GROUPS %s", STREAM);
        has = r && r->type == REDIS_REPLY_ARRAY && r->elements == 1;
        if (r)
            freeReplyObject(r);
        if (!has)
            tr_pause_ms(20);
    }
    cr_assert(has, "the consumer group was not created");
    xadd(2, "AMD", SW_SEV_WARNING, NULL);
    cr_assert_eq(tn_wait_ok(G.log, "/hook", 1, 10000), 1);
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 10000), 0);
    xadd(3, "AVGO", SW_SEV_CRITICAL, NULL); /* while shock-notify is down */
    xadd(4, "AVGO", SW_SEV_WARNING, NULL);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_ok(G.log, "/hook", 3, 10000), 3);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 10000), 0);
    cJSON *log = tn_http_log(G.log);
    cr_assert_eq(tn_count_path(log, "/hook"), 3, "the alert from before the group existed is not sent");
    cJSON_Delete(log);
}
