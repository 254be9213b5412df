/* test_notify_http.c -- shock-notify against a real HTTP server on loopback
 * (tests/notify_peer.py) and a private redis-server: Slack, webhook, Discord
 * and Telegram bodies, the webhook's HMAC, 429 with Retry-After, 5xx and
 * timeouts retried, dead letters, and SIGKILL mid-stream with a restart that
 * delivers every alert once per channel. */
#include "sw_test_notify.h"

#include <ctype.h>
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
    tn_env_down(&G.c, &G.redis, G.dir);
}

/* Redis, the HTTP peer (with its --respond/--hold args) and a config whose
 * notify section is `notify` (printf'd with the peer's port wherever %1$d is). */
static void setup(const char *const *peer_args, const char *notify_fmt)
{
    memset(&G, 0, sizeof G);
    cr_assert_eq(tn_env_up(G.dir, sizeof G.dir, &G.redis, &G.c), 0);
    snprintf(G.log, sizeof G.log, "%s/http.log", G.dir);
    const char *args[24] = { "--log", G.log };
    size_t n = 2;
    for (size_t i = 0; peer_args && peer_args[i] && n < 22; i++)
        args[n++] = peer_args[i];
    args[n] = NULL;
    cr_assert_eq(tn_peer_start(&G.peer, G.dir, "http", args), 0, "HTTP peer did not start");
    char notify[4096], url[128];
    snprintf(notify, sizeof notify, notify_fmt, G.peer.port);
    tn_config(G.cfg, sizeof G.cfg, G.dir, &G.redis, "{\"ai\": [\"NVDA\", \"AMD\", \"AVGO\"]}", notify);
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

/* ---- the stream is a trust boundary (docs/security.md) ------------------------------ */

/* Text a hostile producer puts in an alert: Slack's mention and link syntax,
 * Discord's masked link and mass mentions, HTML-looking entities, markdown. */
#define HOSTILE "<!channel> <https://evil.example|Re-authenticate> [Re-authenticate](https://evil.example) " \
                "@everyone @here <@U024BE7LH> &lt;b&gt; *bold* `x` ~y~ _z_ #h"

static void xadd_hostile(int seq, const char *sym, const char *detector, sw_alert *out)
{
    sw_alert a;
    tn_alert(&a, seq, sym, SW_SEV_CRITICAL);
    snprintf(a.detector, sizeof a.detector, "%s", detector);
    snprintf(a.window, sizeof a.window, "30m");
    snprintf(a.message, sizeof a.message, "%s", HOSTILE);
    cr_assert_eq(tn_xadd(G.c, STREAM, &a), 0);
    if (out)
        *out = a;
}

/* Slack: no string of the payload may hold '<' or '>': every control
 * sequence (<!channel>, <@U...>, <url|text>) needs them (Slack's formatting
 * reference, "Escaping text"). */
static void slack_inert(const cJSON *v, const char *where)
{
    if (cJSON_IsString(v))
        cr_assert(!strchr(v->valuestring, '<') && !strchr(v->valuestring, '>'), "%s: Slack text with < or >: %s",
                  where, v->valuestring);
    const cJSON *c;
    cJSON_ArrayForEach(c, v) slack_inert(c, where);
}

/* Discord: no masked link ("](" with the ']' unescaped) and no mention,
 * code, spoiler, strike, underline or quote character left unescaped; our
 * own "**", "[CRITICAL]" and "(...)" cannot make a link. */
static void discord_inert(const char *content)
{
    cr_assert(!strstr(content, "[Re-authenticate]("), "masked link survived: %s", content);
    for (const char *p = content; *p; p++) {
        int escaped = p > content && p[-1] == '\\';
        if (strchr("@<>`|~_", *p))
            cr_assert(escaped, "unescaped '%c' at %td: %s", *p, p - content, content);
        if (*p == ']' && p[1] == '(')
            cr_assert(escaped, "a masked link at %td: %s", p - content, content);
    }
}

/* Telegram (plain text, no parse_mode): an '@' followed by a name is a
 * mention entity the server detects; none may form. */
static void telegram_inert(const char *text)
{
    for (const char *p = strchr(text, '@'); p; p = strchr(p + 1, '@'))
        cr_assert(!(isalnum((unsigned char)p[1]) || p[1] == '_'), "a mention formed at %td: %s", p - text, text);
}

Test(notify_http, hostile_text_is_inert_on_every_channel)
{
    setup(NULL, "{ " FAST ",\n"
                "  \"channels\": {\n"
                "    \"slack\": {\"url_env\": \"TN_SLACK_URL\"},\n"
                "    \"hook\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:%1$d/hook\"},\n"
                "    \"discord\": {\"url_env\": \"TN_DISCORD_URL\"},\n"
                "    \"telegram\": {\"token_env\": \"TN_TG_TOKEN\", \"chat_id\": \"-100123\",\n"
                "                 \"api_base\": \"http://127.0.0.1:%1$d\"}},\n"
                "  \"routes\": [{\"channels\": [\"slack\", \"hook\", \"discord\", \"telegram\"]}]}");
    sw_alert a;
    xadd_hostile(1, "NVDA", "vol_regime", &a); /* vol_regime: the headline is the message itself */
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_ok(G.log, "/slack", 1, 20000), 1);
    cr_assert_eq(tn_wait_ok(G.log, "/hook", 1, 20000), 1);
    cr_assert_eq(tn_wait_ok(G.log, "/discord", 1, 20000), 1);
    cr_assert_eq(tn_wait_ok(G.log, "/bot123456:test-token/sendMessage", 1, 20000), 1);
    cJSON *log = tn_http_log(G.log);
    cJSON *b = body_json(find_path(log, "/slack", 0));
    slack_inert(b, "slack");
    char *all = cJSON_PrintUnformatted(b);
    cr_assert(strstr(all, "&lt;!channel&gt;"), "the message is shown, escaped: %s", all);
    free(all);
    cJSON_Delete(b);
    b = body_json(find_path(log, "/discord", 0));
    discord_inert(cJSON_GetObjectItem(b, "content")->valuestring);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "allowed_mentions"), "parse")), 0);
    cJSON_Delete(b);
    b = body_json(find_path(log, "/bot123456:test-token/sendMessage", 0));
    telegram_inert(cJSON_GetObjectItem(b, "text")->valuestring);
    cJSON_Delete(b);
    /* A webhook is read by a program: the alert's JSON as it was, signed if asked. */
    char json[SW_ALERT_JSON_MAX];
    sw_alert_to_json(&a, json, sizeof json);
    cr_assert_str_eq(cJSON_GetObjectItem(find_path(log, "/hook", 0), "body")->valuestring, json);
    cJSON_Delete(log);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 20000), 0);
}

Test(notify_http, hostile_text_is_inert_in_digests)
{
    setup(NULL, "{ \"block\": \"200ms\", \"start\": \"all\", \"digest_window\": \"1s\",\n"
                "  \"channels\": {\n"
                "    \"slack\": {\"url_env\": \"TN_SLACK_URL\"},\n"
                "    \"discord\": {\"url_env\": \"TN_DISCORD_URL\", \"rate\": 100},\n"
                "    \"telegram\": {\"token_env\": \"TN_TG_TOKEN\", \"chat_id\": \"-100123\",\n"
                "                 \"api_base\": \"http://127.0.0.1:%1$d\"}},\n"
                "  \"routes\": [{\"channels\": [\"slack\", \"discord\", \"telegram\"]}]}");
    xadd_hostile(1, "NVDA", "vol_regime", NULL);
    xadd_hostile(2, "AMD", "pct_move", NULL);
    xadd_hostile(3, "AVGO", "zscore", NULL);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 20000), 0);
    cJSON *log = tn_http_log(G.log);
    cr_assert_eq(tn_count_ok(log, "/slack"), 1, "one digest");
    cJSON *b = body_json(find_path(log, "/slack", 0));
    slack_inert(b, "slack digest");
    cJSON_Delete(b);
    b = body_json(find_path(log, "/discord", 0));
    discord_inert(cJSON_GetObjectItem(b, "content")->valuestring);
    cJSON_Delete(b);
    b = body_json(find_path(log, "/bot123456:test-token/sendMessage", 0));
    telegram_inert(cJSON_GetObjectItem(b, "text")->valuestring);
    cJSON_Delete(b);
    cJSON_Delete(log);
}

/* One valid alert's JSON, changed by `edit` (a cJSON object to modify). */
static char *alert_json_edited(int seq, void (*edit)(cJSON *o))
{
    sw_alert a;
    tn_alert(&a, seq, "NVDA", SW_SEV_CRITICAL);
    char json[SW_ALERT_JSON_MAX];
    cr_assert_gt(sw_alert_to_json(&a, json, sizeof json), 0);
    cJSON *o = cJSON_Parse(json);
    edit(o);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void edit_symbol(cJSON *o)
{
    cJSON_ReplaceItemInObject(o, "symbol", cJSON_CreateString("NVDA\n<3>forged journal line"));
}

static void edit_group(cJSON *o)
{
    cJSON_ReplaceItemInObject(o, "group", cJSON_CreateString("<!here>"));
}

static void edit_detector(cJSON *o)
{
    cJSON_ReplaceItemInObject(o, "detector", cJSON_CreateString("exfiltrate"));
}

static void edit_none(cJSON *o)
{
    (void)o;
}

Test(notify_http, entries_outside_the_schema_are_dead_lettered)
{
    setup(NULL, "{ " FAST ",\n"
                "  \"channels\": {\"hook\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:%1$d/hook\"},\n"
                "                \"console\": {}},\n"
                "  \"routes\": [{\"channels\": [\"hook\", \"console\"]}]}");
    enum { N = 10 };
    const char *want[N];
    char *sid[N];
    size_t k = 0;
    char *j;

    j = alert_json_edited(1, edit_symbol);
    sid[k] = tn_xadd_json(G.c, STREAM, j, strlen(j)), want[k++] = "\"symbol\" has a control character";
    free(j);
    j = alert_json_edited(2, edit_group);
    sid[k] = tn_xadd_json(G.c, STREAM, j, strlen(j)), want[k++] = "\"group\" is not a group name";
    free(j);
    j = alert_json_edited(3, edit_detector);
    sid[k] = tn_xadd_json(G.c, STREAM, j, strlen(j)), want[k++] = "is not a detector";
    free(j);
    /* Trailing content: a receiver that reads the last value would see another alert. */
    char *v = alert_json_edited(4, edit_none), buf[SW_ALERT_JSON_MAX];
    snprintf(buf, sizeof buf, "%s{\"v\":1,\"id\":\"ZZZZZZZZZZZZZZZZ\"}", v);
    sid[k] = tn_xadd_json(G.c, STREAM, buf, strlen(buf)), want[k++] = "trailing content";
    /* A key twice: cJSON reads the first, many receivers the last. */
    snprintf(buf, sizeof buf, "{\"id\":\"ffffffffffffffff\",%s", v + 1);
    sid[k] = tn_xadd_json(G.c, STREAM, buf, strlen(buf)), want[k++] = "appears twice";
    /* A raw line break between tokens: not one line. */
    snprintf(buf, sizeof buf, "{\n%s", v + 1);
    sid[k] = tn_xadd_json(G.c, STREAM, buf, strlen(buf)), want[k++] = "control character";
    /* Bytes that are not UTF-8 inside the message. */
    char *m = strstr(v, "\"message\":\"");
    cr_assert(m);
    snprintf(buf, sizeof buf, "%.*s\xff\xfe%s", (int)(m + 11 - v), v, m + 11);
    sid[k] = tn_xadd_json(G.c, STREAM, buf, strlen(buf)), want[k++] = "not valid UTF-8";
    /* 1 MB: as the alert's JSON, and as a field next to a valid alert. */
    size_t big = 1 << 20;
    char *pad = malloc(big + 64);
    memset(pad, 'x', big + 64);
    memcpy(pad, "{\"v\":1,\"pad\":\"", 14);
    memcpy(pad + big - 2, "\"}", 2);
    sid[k] = tn_xadd_json(G.c, STREAM, pad, big), want[k++] = "over the limit of 8192";
    {
        const char *fv[] = { "pad", pad, "json", v };
        size_t lens[] = { 3, big, 4, strlen(v) };
        sid[k] = tn_xadd_raw(G.c, STREAM, 2, fv, lens), want[k++] = "over the limit of 65536";
    }
    free(pad);
    /* Many fields next to a valid alert. */
    {
        const char *fv[2 * 45];
        char names[44][8];
        for (int i = 0; i < 44; i++) {
            snprintf(names[i], sizeof names[i], "f%d", i);
            fv[2 * i] = names[i];
            fv[2 * i + 1] = "1";
        }
        fv[88] = "json";
        fv[89] = v;
        sid[k] = tn_xadd_raw(G.c, STREAM, 45, fv, NULL), want[k++] = "fields (at most";
    }
    free(v);
    cr_assert_eq(k, (size_t)N);
    for (size_t i = 0; i < k; i++)
        cr_assert(sid[i], "XADD %zu failed", i);
    /* And then a good one: it goes out, nothing stalled. */
    sw_alert good;
    xadd(50, "NVDA", SW_SEV_CRITICAL, &good);

    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_ok(G.log, "/hook", 1, 20000), 1);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 20000), 0, "hostile entries must be acknowledged");
    redisReply *r = tn_xrange(G.c, "shockwatch:alerts:dead");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < k; i++) {
        const redisReply *d = tn_dead_for(r, sid[i]);
        cr_assert(d, "entry %zu (%s) was not dead-lettered (want \"%s\")", i, sid[i], want[i]);
        const char *reason = tn_field(d, "reason");
        cr_assert(strstr(reason, want[i]), "entry %zu: reason \"%s\" lacks \"%s\"", i, reason, want[i]);
        free(sid[i]);
    }
    cr_assert_eq(r->elements, (size_t)N, "only the hostile entries are dead letters");
    freeReplyObject(r);
    cJSON *log = tn_http_log(G.log);
    cr_assert_eq(tn_count_path(log, "/hook"), 1, "only the good alert was posted");
    cr_assert(strstr(cJSON_GetObjectItem(find_path(log, "/hook", 0), "body")->valuestring, good.id));
    cJSON_Delete(log);
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 10000), 0);
    /* No forged line on stdout (the console channel) or stderr (the log): under
     * systemd both are the journal, where "<3>" starts an error record. */
    static const char *const files[] = { "notify.stdout", "notify.stderr" };
    for (size_t f = 0; f < 2; f++) {
        char path[192];
        snprintf(path, sizeof path, "%s/%s", G.dir, files[f]);
        char *text = tn_read(path);
        cr_assert(text);
        cr_assert(!strstr(text, "\n<3>") && strncmp(text, "<3>", 3) != 0, "%s has a forged line:\n%s", files[f], text);
        free(text);
    }
}

Test(notify_http, response_excerpts_never_hold_the_secret)
{
    const char *args[] = { "--echo", "/bot123456:test-token/sendMessage=400", "--echo",
                           "/services/T0/B0/hush-hush-1234=404", NULL };
    setup(args, "{ " FAST ",\n"
                "  \"channels\": {\"slack\": {\"url_env\": \"TN_SLACK_SECRET_URL\"},\n"
                "    \"telegram\": {\"token_env\": \"TN_TG_TOKEN\", \"chat_id\": \"-100123\",\n"
                "                 \"api_base\": \"http://127.0.0.1:%1$d\"}},\n"
                "  \"routes\": [{\"channels\": [\"slack\", \"telegram\"]}]}");
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/services/T0/B0/hush-hush-1234", G.peer.port);
    setenv("TN_SLACK_SECRET_URL", url, 1);
    xadd(1, "NVDA", SW_SEV_CRITICAL, NULL);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 20000), 0);
    redisReply *r = tn_xrange(G.c, "shockwatch:alerts:dead");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2, "one dead letter per channel");
    for (size_t i = 0; i < r->elements; i++) {
        const char *reason = tn_field(r->element[i], "reason");
        cr_assert(strstr(reason, "HTTP 40"), "%s", reason);
        cr_assert(strstr(reason, "Bad Request"), "the excerpt is kept: %s", reason);
        cr_assert(!strstr(reason, "test-token") && !strstr(reason, "hush-hush-1234"), "secret in the reason: %s",
                  reason);
    }
    freeReplyObject(r);
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 10000), 0);
    char errp[192];
    snprintf(errp, sizeof errp, "%s/notify.stderr", G.dir);
    char *err = tn_read(errp);
    cr_assert(err && strstr(err, "Bad Request"), "%s", err);
    cr_assert(!strstr(err, "test-token") && !strstr(err, "hush-hush-1234"), "secret in the log: %s", err);
    free(err);
}

Test(notify_http, redis_in_clear_is_said_once)
{
    setup(NULL, "{ " FAST ", \"channels\": {\"console\": {}}, \"routes\": [{\"channels\": [\"console\"]}]}");
    /* The same config with Redis on another machine (TEST-NET-1: nothing answers). */
    char *text = tn_read(G.cfg);
    char *at = strstr(text, G.redis.url);
    cr_assert(at);
    char cfg2[8192];
    snprintf(cfg2, sizeof cfg2, "%.*sredis://192.0.2.1:6379\", \"connect_timeout\": \"200ms%s", (int)(at - text), text,
             at + strlen(G.redis.url));
    free(text);
    tn_write(G.cfg, cfg2);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    char errp[192];
    snprintf(errp, sizeof errp, "%s/notify.stderr", G.dir);
    /* Wait for the second failed attempt: the warning came at start, once. */
    uint64_t deadline = tr_now_ms() + 30000;
    char *err = NULL;
    do {
        free(err);
        err = tn_read(errp);
        if (err && strstr(err, "; retry 2 "))
            break;
        tr_pause_ms(50);
    } while (tr_now_ms() < deadline);
    cr_assert(err && strstr(err, "; retry 2 "), "no second attempt: %s", err);
    int warnings = 0;
    for (const char *p = strstr(err, "in clear text"); p; p = strstr(p + 1, "in clear text"))
        warnings++;
    cr_assert_eq(warnings, 1, "%s", err);
    cr_assert(strstr(err, "192.0.2.1:6379") && strstr(err, "docs/security.md"), "%s", err);
    free(err);
}
