/* test_notify_silence.c -- silences end to end, with real components: a
 * private redis-server, shock-notify, tests/notify_peer.py as the webhook
 * receiver and as a Telegram Bot API (sendMessage, and getUpdates long
 * polling over queued updates), promtool for the scrape.
 *
 *  - `shock-notify silence add|list|expire`: the table, --json, and clear
 *    errors (bad duration, unknown option, matcher value or channel with
 *    "did you mean", no matcher, an end in the past);
 *  - a silence stops the matching alerts on the matching channel only; they
 *    are acknowledged, stay in the stream, are logged (a critical one says
 *    so), counted in /metrics (promtool-clean), and a silenced alert leaves
 *    the digest it was collecting in;
 *  - a short silence ends on time: the same alert afterwards is sent;
 *  - silences survive a shock-notify restart, and an alert waiting in the
 *    stream at start is held back by one;
 *  - Telegram: /silence from the configured chat silences that channel and
 *    is answered, /silences lists, /expire ends it; the same command from
 *    another chat is refused (not carried out, not answered) and logged;
 *    the bot token never reaches the log; a silence from the chat is kept
 *    across a restart (its command not carried out twice) and ends on time;
 *  - shockd's dashboard lists them: in its state frame, and on its page in a
 *    real browser (tests/live_peer.py, chromium), as text; without a redis
 *    sink it says why.
 * Every wait is on a condition (a log line, a request, the group drained)
 * with a generous deadline. */
#include "sw_test_notify.h"
#include "sw_test_http.h"

#include "sw_silence.h"

#include <criterion/criterion.h>

#define STREAM "shockwatch:alerts"
#define GROUP "shock-notify"
#define TOKEN "123456:test-token"
#define TG_SEND "/bot" TOKEN "/sendMessage"
#define CHAT "-100123"

static struct env {
    test_redis redis;
    tn_proc peer, notify;
    char dir[64], cfg[128], log[128], updates[128], err[160];
    redisContext *c;
    int seq, next_update;
} G;

static void teardown(void)
{
    tn_stop(&G.notify, SIGKILL);
    tn_stop(&G.peer, SIGTERM);
    tn_env_down(&G.c, &G.redis, G.dir);
}

TestSuite(notify_silence, .fini = teardown, .timeout = 240);

#define FAST "\"block\": \"200ms\", \"claim_after\": \"2s\", \"start\": \"all\""

/* Two channels, every alert to both: a webhook and a Telegram chat that
 * takes commands. */
static const char both[] =
    "{ " FAST ", \"digest_window\": \"0\", \"metrics_listen\": \"127.0.0.1:0\",\n"
    "  \"channels\": {\n"
    "    \"hook\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:%1$d/hook\"},\n"
    "    \"tg\": {\"type\": \"telegram\", \"token_env\": \"TN_TG_TOKEN\", \"chat_id\": \"" CHAT "\", \"api_base\": \"http://127.0.0.1:%1$d\",\n"
    "           \"commands\": true, \"poll_timeout\": \"5s\"}},\n"
    "  \"routes\": [{\"channels\": [\"hook\", \"tg\"]}]}";

static void setup(const char *notify_fmt)
{
    memset(&G, 0, sizeof G);
    cr_assert_eq(tn_env_up(G.dir, sizeof G.dir, &G.redis, &G.c), 0);
    snprintf(G.log, sizeof G.log, "%s/http.log", G.dir);
    snprintf(G.updates, sizeof G.updates, "%s/updates.ndjson", G.dir);
    snprintf(G.err, sizeof G.err, "%s/notify.stderr", G.dir);
    tn_write(G.updates, "");
    const char *args[] = { "--log", G.log, "--updates", G.updates, NULL };
    cr_assert_eq(tn_peer_start(&G.peer, G.dir, "http", args), 0, "HTTP peer did not start");
    char notify[4096];
    snprintf(notify, sizeof notify, notify_fmt, G.peer.port);
    tn_config(G.cfg, sizeof G.cfg, G.dir, &G.redis, "{\"ai\": [\"NVDA\", \"AMD\", \"AVGO\"], \"benchmarks\": [\"SPY\"]}", notify);
    setenv("TN_TG_TOKEN", TOKEN, 1);
}

/* ---- helpers ------------------------------------------------------------------------ */

/* shock-notify -c cfg silence ARGS...; its exit status, output in *out and *err. */
static int cli(char **out, char **err, const char *const *args)
{
    const char *argv[32] = { SW_BINARY_DIR "/shock-notify", "-c", G.cfg, "silence" };
    size_t n = 4;
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char o[192], e[192];
    snprintf(o, sizeof o, "%s/cli.out", G.dir);
    snprintf(e, sizeof e, "%s/cli.err", G.dir);
    int rc = tn_run(argv, o, e, 30000);
    *out = tn_read(o);
    *err = tn_read(e);
    cr_assert(*out && *err);
    return rc;
}

/* Add a silence; its id. */
static void add(char id[16], const char *const *args)
{
    const char *argv[32] = { "add" };
    size_t n = 1;
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *out, *err;
    cr_assert_eq(cli(&out, &err, argv), 0, "silence add: %s%s", out, err);
    cr_assert_eq(sscanf(out, "added silence %8s:", id), 1, "%s", out);
    free(out);
    free(err);
}

static void xadd(const char *sym, sw_severity sev, sw_alert *out)
{
    sw_alert a;
    tn_alert(&a, ++G.seq, sym, sev);
    cr_assert_eq(tn_xadd(G.c, STREAM, &a), 0);
    if (out)
        *out = a;
}

static void start_notify(void)
{
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
}

/* The listener's port, from the log line that names it. */
static int metrics_port(void)
{
    cr_assert(sw_test_wait_text(G.err, "metrics: listening on http://127.0.0.1:", 1, 30000), "%s",
              sw_test_slurp(G.err));
    char *t = sw_test_slurp(G.err);
    const char *p = strstr(t, "metrics: listening on http://127.0.0.1:");
    int port = atoi(p + strlen("metrics: listening on http://127.0.0.1:"));
    free(t);
    return port;
}

/* Requests to the webhook holding alert `id`. */
static int hook_has(const char *id)
{
    cJSON *log = tn_http_log(G.log);
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, log) {
        const cJSON *p = cJSON_GetObjectItem(e, "path"), *b = cJSON_GetObjectItem(e, "body");
        if (cJSON_IsString(p) && strcmp(p->valuestring, "/hook") == 0 && cJSON_IsString(b) &&
            strstr(b->valuestring, id))
            n++;
    }
    cJSON_Delete(log);
    return n;
}

/* Telegram messages to `chat` whose text holds needle: the text of the
 * last one (malloc'd, NULL when none), and how many in *n. */
static char *tg_scan(const char *chat, const char *needle, int *n)
{
    cJSON *log = tn_http_log(G.log);
    char *last = NULL;
    *n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, log) {
        const cJSON *p = cJSON_GetObjectItem(e, "path"), *b = cJSON_GetObjectItem(e, "body");
        if (!cJSON_IsString(p) || strcmp(p->valuestring, TG_SEND) != 0 || !cJSON_IsString(b))
            continue;
        cJSON *j = cJSON_Parse(b->valuestring);
        const cJSON *c = cJSON_GetObjectItem(j, "chat_id"), *t = cJSON_GetObjectItem(j, "text");
        if (cJSON_IsString(c) && strcmp(c->valuestring, chat) == 0 && cJSON_IsString(t) && strstr(t->valuestring, needle)) {
            (*n)++;
            free(last);
            last = strdup(t->valuestring);
        }
        cJSON_Delete(j);
    }
    cJSON_Delete(log);
    return last;
}

static int tg_count(const char *chat, const char *needle)
{
    int n;
    free(tg_scan(chat, needle, &n));
    return n;
}

static int wait_tg(const char *chat, const char *needle, int want, int timeout_ms)
{
    uint64_t end = tr_now_ms() + (uint64_t)timeout_ms;
    do {
        if (tg_count(chat, needle) >= want)
            return 1;
        tr_pause_ms(25);
    } while (tr_now_ms() < end);
    return 0;
}

/* The text of the last Telegram message to chat holding needle (malloc'd). */
static char *tg_text(const char *chat, const char *needle)
{
    int n;
    return tg_scan(chat, needle, &n);
}

/* Queue an update for getUpdates: a message with text from a chat. */
static void tg_message(long long chat, const char *username, const char *text)
{
    cJSON *u = cJSON_CreateObject(), *m = cJSON_AddObjectToObject(u, "message");
    cJSON_AddNumberToObject(u, "update_id", 1000 + ++G.next_update);
    cJSON_AddNumberToObject(m, "message_id", G.next_update);
    cJSON_AddNumberToObject(m, "date", (double)time(NULL));
    cJSON *c = cJSON_AddObjectToObject(m, "chat");
    cJSON_AddNumberToObject(c, "id", (double)chat);
    cJSON_AddStringToObject(c, "type", "supergroup");
    cJSON *f = cJSON_AddObjectToObject(m, "from");
    cJSON_AddNumberToObject(f, "id", 4242);
    cJSON_AddBoolToObject(f, "is_bot", 0);
    cJSON_AddStringToObject(f, "first_name", "Ana");
    cJSON_AddStringToObject(f, "username", username);
    cJSON_AddStringToObject(m, "text", text);
    char *line = cJSON_PrintUnformatted(u);
    FILE *fp = fopen(G.updates, "a");
    cr_assert(fp);
    fprintf(fp, "%s\n", line);
    fclose(fp);
    free(line);
    cJSON_Delete(u);
}

/* `silence list` once it no longer shows `needle` (a silence ended): its
 * output (malloc'd). */
static char *list_without(const char *needle)
{
    uint64_t end = tr_now_ms() + 30000;
    char *out = NULL, *err = NULL;
    do {
        free(out);
        free(err);
        tr_pause_ms(100);
        cr_assert_eq(cli(&out, &err, (const char *[]){ "list", NULL }), 0, "%s", err);
    } while (strstr(out, needle) && tr_now_ms() < end);
    cr_assert(!strstr(out, needle), "still listed: %s", out);
    free(err);
    return out;
}

static long long xlen(void)
{
    return tn_int(G.c, "XLEN %s", STREAM, NULL);
}

/* ---- the command line ---------------------------------------------------------------- */

Test(notify_silence, cli_add_list_expire_and_clear_errors)
{
    setup(both);
    char id1[16], id2[16], *out, *err;
    add(id1, (const char *[]){ "--symbol", "nvda", "--for", "1h", "--author", "ana", "--comment", "on it", NULL });
    setenv("USER", "bob", 1);
    unsetenv("SUDO_USER");
    add(id2, (const char *[]){ "--group", "ai", "--severity", "warning", "--channel", "tg", "--start", "2030-01-02T09:30",
                               "--end", "2030-01-02T16:00", NULL });

    cr_assert_eq(cli(&out, &err, (const char *[]){ "list", NULL }), 0, "%s", err);
    /* Header, then the one that ends first. */
    cr_expect(strstr(out, "ID  ") == out && strstr(out, "START (NEW YORK)") && strstr(out, "END (UTC)") &&
                  strstr(out, "REMAINING") && strstr(out, "AUTHOR") && strstr(out, "COMMENT"),
              "%s", out);
    const char *l1 = strstr(out, id1), *l2 = strstr(out, id2);
    cr_assert(l1 && l2 && l1 < l2, "%s", out);
    cr_expect(strstr(l1, "symbol=NVDA ") && strstr(l1, " ana ") && strstr(l1, "on it") &&
                  (strstr(l1, " EST ") || strstr(l1, " EDT ")) &&
                  strstr(l1, "Z  ") && (strstr(l1, "59m") || strstr(l1, "1h00m")),
              "%s", l1);
    cr_expect(strstr(l2, "group=ai severity<=warning channel=tg") && strstr(l2, "2030-01-02 09:30:00 EST") &&
                  strstr(l2, "2030-01-02T14:30:00Z") && strstr(l2, "2030-01-02 16:00:00 EST") &&
                  strstr(l2, "2030-01-02T21:00:00Z") && strstr(l2, "starts in ") && strstr(l2, " bob"),
              "the author is $USER by default: %s", l2);
    free(out);
    free(err);

    cr_assert_eq(cli(&out, &err, (const char *[]){ "list", "--json", NULL }), 0, "%s", err);
    int lines = 0;
    for (char *p = out, *nl; (nl = strchr(p, '\n')); p = nl + 1, lines++) {
        *nl = '\0';
        sw_silence s;
        char why[200];
        cr_expect_eq(sw_silence_parse(p, strlen(p), &s, why, sizeof why), 0, "%s: %s", why, p);
    }
    cr_expect_eq(lines, 2);
    free(out);
    free(err);

    /* In Redis: a record with its expiry, and the index. */
    char key[128];
    snprintf(key, sizeof key, STREAM ":silence:%s", id1);
    long long ttl = tn_int(G.c, "PTTL %s", key, NULL);
    cr_expect(ttl > 3500000 && ttl <= 3600000, "PTTL %lld", ttl);
    cr_expect_eq(tn_int(G.c, "ZCARD %s", STREAM ":silences", NULL), 2);

    cr_assert_eq(cli(&out, &err, (const char *[]){ "expire", id1, NULL }), 0, "%s", err);
    cr_expect(strstr(out, "expired silence") && strstr(out, "symbol=NVDA, by ana"), "%s", out);
    free(out);
    free(err);
    cr_expect_eq(cli(&out, &err, (const char *[]){ "expire", id1, NULL }), 4, "not there any more");
    cr_expect(strstr(err, "no silence"), "%s", err);
    free(out);
    free(err);
    cr_expect_eq(tn_int(G.c, "EXISTS %s", key, NULL), 0);

    /* What a person gets wrong, each with its reason; nothing added. */
    struct { const char *args[12]; const char *why; } bad[] = {
        { { "add", "--symbol", "NVDA", "--for", "1x", NULL }, "\"1x\" is not a duration" },
        { { "add", "--symbol", "NVDA", "--for", "90", NULL }, "\"90\" is not a duration (a number and a unit" },
        { { "add", "--symbl", "NVDA", "--for", "1h", NULL }, "unknown option --symbl; did you mean --symbol?" },
        { { "add", "--symbol", "NVDX", "--for", "1h", NULL }, "\"NVDX\" is not a symbol of the watchlist; did you mean \"NVDA\"?" },
        { { "add", "--group", "ia", "--for", "1h", NULL }, "\"ia\" is not a group of the watchlist; did you mean \"ai\"?" },
        { { "add", "--channel", "hok", "--for", "1h", NULL }, "\"hok\" is not a channel of notify.channels; did you mean \"hook\"?" },
        { { "add", "--detector", "pctmove", "--for", "1h", NULL }, "did you mean \"pct_move\"?" },
        { { "add", "--severity", "high", "--for", "1h", NULL }, "\"high\" is not a severity" },
        { { "add", "--for", "1h", "--author", "ana", NULL }, "no matcher" },
        { { "add", "--symbol", "NVDA", "--end", "2020-01-27T11:30", NULL }, "which is in the past" },
        { { "add", "--symbol", "NVDA", NULL }, "how long? --for DURATION" },
        { { "add", "--symbol", "NVDA", "--for", "31d", NULL }, "longer than the 30 days" },
        { { "add", "--symbol", "NVDA", "--for", "1h", "--comment", "a\nb", NULL }, "the comment is not one line" },
        { { "ad", NULL }, "\"ad\" is not a command; did you mean \"add\"?" },
        { { "expire", "NOTANID", NULL }, "is not a silence id" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(cli(&out, &err, bad[i].args), 2, "%s %s: %s%s", bad[i].args[0], bad[i].args[1], out, err);
        cr_expect(strstr(err, bad[i].why), "wanted \"%s\": %s", bad[i].why, err);
        free(out);
        free(err);
    }
    cr_expect_eq(tn_int(G.c, "ZCARD %s", STREAM ":silences", NULL), 1, "nothing added by a refused command");
}

/* ---- delivery ------------------------------------------------------------------------ */

Test(notify_silence, matching_alerts_held_back_on_the_matching_channel_only)
{
    setup(both);
    start_notify();
    int port = metrics_port();
    char id[16];
    add(id, (const char *[]){ "--symbol", "NVDA", "--channel", "hook", "--for", "1h", "--author", "ana", "--comment",
                              "on it", NULL });
    char seen[64];
    snprintf(seen, sizeof seen, "silence %s in force", id);
    cr_assert(sw_test_wait_text(G.err, seen, 1, 30000), "%s", sw_test_slurp(G.err));
    sw_alert nvda, amd, nvda_w;
    xadd("NVDA", SW_SEV_CRITICAL, &nvda);
    xadd("AMD", SW_SEV_WARNING, &amd);
    xadd("NVDA", SW_SEV_WARNING, &nvda_w);
    cr_assert(wait_tg(CHAT, "NVDA", 2, 30000), "telegram is not silenced: both NVDA alerts go there");
    cr_assert(wait_tg(CHAT, "AMD", 1, 30000));
    cr_assert_eq(tn_wait_ok(G.log, "/hook", 1, 30000), 1);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 30000), 0, "silenced alerts are acknowledged too");
    cr_expect_eq(hook_has(amd.id), 1);
    cr_expect_eq(hook_has(nvda.id), 0, "NVDA was silenced on the webhook");
    cr_expect_eq(hook_has(nvda_w.id), 0);
    cr_expect_eq(xlen(), 3, "the stream keeps them for every other reader");
    /* Not recorded as sent where it was not sent. */
    cr_expect_eq(tn_int(G.c, "ZSCORE %s %s", "shockwatch:notify:sent:hook", nvda.id), -1);

    char *log = sw_test_slurp(G.err);
    const char *line = strstr(log, "NVDA pct_move critical silenced by ana until ");
    cr_assert_not_null(line, "%s", log);
    cr_expect(strstr(line, "ET: on it (a critical alert, held back by this explicit silence; alert ") &&
                  strstr(line, " on hook; silence "), "%s", line);
    cr_expect_eq(sw_test_count(log, "silenced by ana"), 2, "one line per (alert, silence): %s", log);
    cr_expect(strstr(log, "info: NVDA pct_move warning silenced by ana until "), "%s", log);
    free(log);

    char *m;
    cr_assert_eq(th_get(port, "/metrics", 0, &m, NULL, 0), 200);
    cr_expect_eq(th_sample(m, "shocknotify_alerts_silenced_total{channel=\"hook\",type=\"webhook\"}"), 2, "%s", m);
    cr_expect_eq(th_sample(m, "shocknotify_alerts_silenced_total{channel=\"tg\",type=\"telegram\"}"), 0);
    cr_expect_eq(th_sample(m, "shocknotify_silences_active"), 1);
    cr_expect_eq(th_sample(m, "shocknotify_alerts_delivered_total{channel=\"hook\",type=\"webhook\"}"), 1);
    cr_expect_eq(th_sample(m, "shocknotify_alerts_delivered_total{channel=\"tg\",type=\"telegram\"}"), 3);
    cr_expect_eq(th_sample(m, "shocknotify_alerts_read_total"), 3);
    cr_expect_eq(th_sample(m, "shocknotify_redis_connected"), 1);
    char report[2048];
    cr_expect_eq(th_promtool(m, G.dir, report, sizeof report), 0, "promtool: %s\n%s", report, m);
    free(m);
    char *h;
    cr_expect_eq(th_get(port, "/healthz", 0, &h, NULL, 0), 200);
    free(h);
    cr_expect_eq(tn_stop_status(&G.notify, SIGTERM, 15000), 0);
    cr_expect(sw_test_wait_text(G.err, "silenced 2; 0 pending", 1, 1000), "%s", sw_test_slurp(G.err));
}

Test(notify_silence, a_silenced_alert_leaves_the_digest_it_was_in)
{
    /* A long window: the digest goes out when shock-notify stops, after the
     * silence came, whatever the machine's speed. */
    setup("{ " FAST ", \"digest_window\": \"10m\",\n"
          "  \"channels\": {\"tg\": {\"type\": \"telegram\", \"token_env\": \"TN_TG_TOKEN\", \"chat_id\": \"" CHAT "\",\n"
          "                        \"api_base\": \"http://127.0.0.1:%1$d\"}},\n"
          "  \"routes\": [{\"channels\": [\"tg\"]}]}");
    start_notify();
    sw_alert nvda, amd, avgo;
    xadd("NVDA", SW_SEV_CRITICAL, &nvda);
    xadd("AMD", SW_SEV_CRITICAL, &amd);
    xadd("AVGO", SW_SEV_WARNING, &avgo);
    /* All three read and collecting (pending, nothing sent). */
    uint64_t end = tr_now_ms() + 30000;
    while (tn_pending(G.c, STREAM, GROUP) != 3 && tr_now_ms() < end)
        tr_pause_ms(25);
    cr_assert_eq(tn_pending(G.c, STREAM, GROUP), 3);
    cJSON *before = tn_http_log(G.log);
    cr_assert_eq(tn_count_path(before, TG_SEND), 0, "a digest is collecting");
    cJSON_Delete(before);
    char id[16];
    add(id, (const char *[]){ "--symbol", "NVDA", "--for", "1h", "--author", "ana", NULL });
    cr_assert(sw_test_wait_text(G.err, "NVDA pct_move critical silenced by ana", 1, 30000), "%s", sw_test_slurp(G.err));
    /* NVDA's entry is acknowledged at once; the others wait for the digest. */
    end = tr_now_ms() + 30000;
    while (tn_pending(G.c, STREAM, GROUP) != 2 && tr_now_ms() < end)
        tr_pause_ms(25);
    cr_expect_eq(tn_pending(G.c, STREAM, GROUP), 2);
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 15000), 0);
    cr_assert(wait_tg(CHAT, "AMD", 1, 1000));
    char *text = tg_text(CHAT, "AMD");
    cr_expect(strstr(text, "AVGO") && !strstr(text, "NVDA"), "the digest without NVDA: %s", text);
    free(text);
    cr_expect_eq(tg_count(CHAT, "NVDA"), 0);
    cr_expect_eq(tn_pending(G.c, STREAM, GROUP), 0);
}

Test(notify_silence, a_short_silence_ends_on_time)
{
    setup(both);
    start_notify();
    char id[16];
    add(id, (const char *[]){ "--symbol", "NVDA", "--channel", "hook", "--for", "2s", "--author", "ana", NULL });
    char seen[64];
    snprintf(seen, sizeof seen, "silence %s in force", id);
    cr_assert(sw_test_wait_text(G.err, seen, 1, 30000), "%s", sw_test_slurp(G.err));
    int64_t added = (int64_t)time(NULL);
    sw_alert a1, a2;
    xadd("NVDA", SW_SEV_CRITICAL, &a1);
    cr_assert(wait_tg(CHAT, a1.id, 1, 30000));
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 30000), 0);
    cr_expect_eq(hook_has(a1.id), 0, "held back while the silence lasts");
    /* Wait for its end: `silence list` has it no more. */
    char *out = list_without("symbol=NVDA");
    cr_expect(strstr(out, "no silences"), "%s", out);
    free(out);
    cr_expect_geq((int64_t)time(NULL) - added, 1, "it lasted its two seconds");
    xadd("NVDA", SW_SEV_CRITICAL, &a2);
    cr_assert(wait_tg(CHAT, a2.id, 1, 30000));
    uint64_t end = tr_now_ms() + 30000;
    while (!hook_has(a2.id) && tr_now_ms() < end)
        tr_pause_ms(25);
    cr_expect_eq(hook_has(a2.id), 1, "after its end the same alert goes out");
    cr_expect(sw_test_wait_text(G.err, "ended: symbol=NVDA channel=hook", 1, 5000), "%s", sw_test_slurp(G.err));
    /* The record went with its expiry. */
    char key[128];
    snprintf(key, sizeof key, STREAM ":silence:%s", id);
    cr_expect_eq(tn_int(G.c, "EXISTS %s", key, NULL), 0);
}

Test(notify_silence, silences_survive_a_restart)
{
    setup(both);
    start_notify();
    sw_alert a0;
    xadd("AMD", SW_SEV_WARNING, &a0);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 30000), 0);
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 15000), 0);
    /* While it is down: a silence, and alerts waiting in the stream. */
    char id[16];
    add(id, (const char *[]){ "--symbol", "NVDA", "--channel", "hook", "--for", "1h", "--author", "ana", NULL });
    sw_alert nvda, amd;
    xadd("NVDA", SW_SEV_CRITICAL, &nvda);
    xadd("AMD", SW_SEV_CRITICAL, &amd);
    start_notify();
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 30000), 0);
    cr_assert(wait_tg(CHAT, nvda.id, 1, 30000));
    cr_expect_eq(hook_has(amd.id), 1);
    cr_expect_eq(hook_has(nvda.id), 0, "the first alert read after the start is held back");
    char *out, *err;
    cr_assert_eq(cli(&out, &err, (const char *[]){ "list", NULL }), 0);
    cr_expect(strstr(out, id), "%s", out);
    free(out);
    free(err);
}

/* ---- Telegram -------------------------------------------------------------------------- */

Test(notify_silence, telegram_commands_from_the_chat_and_refused_from_another)
{
    setup(both);
    start_notify();
    int port = metrics_port();
    cr_assert(sw_test_wait_text(G.err, "taking commands from chat " CHAT, 1, 30000), "%s", sw_test_slurp(G.err));

    /* Another chat first: refused, not answered, not carried out. */
    tg_message(-100999, "mallory_x", "/silence AMD 1h");
    tg_message(-100123, "ana_trader", "/silence NVDA 1h on it");
    cr_assert(wait_tg(CHAT, "Silenced symbol=NVDA channel=tg until ", 1, 30000), "%s", sw_test_slurp(G.err));
    char *reply = tg_text(CHAT, "Silenced");
    char id[16] = "";
    const char *p = strstr(reply, "silence ");
    cr_assert(p && sscanf(p, "silence %8[0-9a-f]", id) == 1, "%s", reply);
    cr_expect(strstr(reply, "(1h)") && strstr(reply, "/expire "), "%s", reply);
    free(reply);
    cr_expect(sw_test_wait_text(G.err, "refused a message from chat -100999 (@mallory_x), which may not issue "
                                       "commands: \"/silence AMD 1h\"", 1, 5000),
              "%s", sw_test_slurp(G.err));
    cr_expect_eq(tg_count("-100999", ""), 0, "no answer to a stranger");

    char *out, *err;
    cr_assert_eq(cli(&out, &err, (const char *[]){ "list", NULL }), 0);
    cr_expect(strstr(out, id) && strstr(out, "symbol=NVDA channel=tg") && strstr(out, "@ana_trader (telegram)") &&
                  strstr(out, "on it") && !strstr(out, "AMD"),
              "%s", out);
    free(out);
    free(err);

    /* The silence holds NVDA back on Telegram only. */
    char seen[64];
    snprintf(seen, sizeof seen, "silence %s in force", id);
    cr_assert(sw_test_wait_text(G.err, seen, 1, 30000));
    sw_alert nvda, amd;
    xadd("NVDA", SW_SEV_CRITICAL, &nvda);
    xadd("AMD", SW_SEV_CRITICAL, &amd);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 30000), 0);
    cr_assert(wait_tg(CHAT, amd.id, 1, 30000));
    cr_expect_eq(tg_count(CHAT, nvda.id), 0);
    cr_expect_eq(hook_has(nvda.id), 1);

    /* /silences lists it; a wrong command is answered with the reason. */
    tg_message(-100123, "ana_trader", "/silences");
    cr_assert(wait_tg(CHAT, "1 silence:", 1, 30000));
    reply = tg_text(CHAT, "1 silence:");
    /* "@" is followed by a word joiner (no mention forms): the name after it. */
    cr_expect(strstr(reply, id) && strstr(reply, "symbol=NVDA channel=tg") && strstr(reply, "ana_trader (telegram)"),
              "%s", reply);
    free(reply);
    tg_message(-100123, "ana_trader", "/silence NVDX 1h");
    cr_assert(wait_tg(CHAT, "did you mean \"NVDA\"?", 1, 30000));
    tg_message(-100123, "ana_trader", "/silence NVDA 1x");
    cr_assert(wait_tg(CHAT, "\"1x\" is not a duration", 1, 30000));

    /* /expire ends it: NVDA goes to Telegram again. */
    char cmd[64];
    snprintf(cmd, sizeof cmd, "/expire %s", id);
    tg_message(-100123, "ana_trader", cmd);
    cr_assert(wait_tg(CHAT, "Expired silence", 1, 30000));
    cr_assert(sw_test_wait_text(G.err, "expired: symbol=NVDA channel=tg", 1, 30000), "%s", sw_test_slurp(G.err));
    sw_alert nvda2;
    xadd("NVDA", SW_SEV_CRITICAL, &nvda2);
    cr_assert(wait_tg(CHAT, nvda2.id, 1, 30000));

    cr_expect_eq(th_metric(port, "shocknotify_commands_total{result=\"refused\"}"), 1);
    cr_expect_eq(th_metric(port, "shocknotify_commands_total{result=\"taken\"}"), 5);
    cr_expect_eq(th_metric(port, "shocknotify_alerts_silenced_total{channel=\"tg\",type=\"telegram\"}"), 1);
    cr_expect_eq(tn_stop_status(&G.notify, SIGTERM, 15000), 0);
    /* Every poll asked for the updates after the last one seen. */
    cJSON *log = tn_http_log(G.log);
    long long last_returned = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, log) {
        const cJSON *path = cJSON_GetObjectItem(e, "path");
        if (!cJSON_IsString(path) || !strstr(path->valuestring, "/getUpdates"))
            continue;
        cJSON *b = cJSON_Parse(cJSON_GetObjectItem(e, "body")->valuestring);
        const cJSON *off = cJSON_GetObjectItem(b, "offset");
        if (last_returned)
            cr_expect(cJSON_IsNumber(off) && off->valuedouble == (double)(last_returned + 1), "offset %s after %lld",
                      cJSON_PrintUnformatted(b), last_returned);
        const cJSON *ret = cJSON_GetObjectItem(e, "returned"), *r;
        cJSON_ArrayForEach(r, ret) last_returned = (long long)r->valuedouble;
        cJSON_Delete(b);
    }
    cJSON_Delete(log);
    char *all = sw_test_slurp(G.err);
    cr_expect(!strstr(all, "test-token"), "the token in the log: %s", all);
    free(all);
}

/* A getUpdates asked for the updates after `id`: every one up to it is
 * confirmed to Telegram (the peer will not serve them again). */
static int wait_poll_after(long long id, int timeout_ms)
{
    uint64_t end = tr_now_ms() + (uint64_t)timeout_ms;
    do {
        cJSON *log = tn_http_log(G.log);
        int seen = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, log) {
            const cJSON *path = cJSON_GetObjectItem(e, "path"), *b = cJSON_GetObjectItem(e, "body");
            if (!cJSON_IsString(path) || !strstr(path->valuestring, "/getUpdates") || !cJSON_IsString(b))
                continue;
            cJSON *j = cJSON_Parse(b->valuestring);
            const cJSON *off = cJSON_GetObjectItem(j, "offset");
            seen |= cJSON_IsNumber(off) && off->valuedouble > (double)id;
            cJSON_Delete(j);
        }
        cJSON_Delete(log);
        if (seen)
            return 1;
        tr_pause_ms(25);
    } while (tr_now_ms() < end);
    return 0;
}

/* A silence from the chat is the same as one from the command line: kept
 * across a restart (and its command not carried out again: Telegram was
 * told it was read), ended on time. */
Test(notify_silence, a_telegram_silence_survives_a_restart_and_ends_on_time)
{
    setup(both);
    start_notify();
    cr_assert(sw_test_wait_text(G.err, "taking commands from chat " CHAT, 1, 30000), "%s", sw_test_slurp(G.err));
    tg_message(-100123, "ana_trader", "/silence NVDA 1h on it");
    tg_message(-100123, "ana_trader", "/silence AMD 3s brief");
    cr_assert(wait_tg(CHAT, "Silenced symbol=NVDA channel=tg", 1, 30000), "%s", sw_test_slurp(G.err));
    cr_assert(wait_tg(CHAT, "Silenced symbol=AMD channel=tg", 1, 30000), "%s", sw_test_slurp(G.err));
    int64_t added = (int64_t)time(NULL);
    /* Stopped once the bot asked for what comes after them: read. */
    cr_assert(wait_poll_after(1002, 30000), "%s", sw_test_slurp(G.log));
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 15000), 0);
    start_notify();
    cr_assert(sw_test_wait_text(G.err, "taking commands from chat " CHAT, 1, 30000), "%s", sw_test_slurp(G.err));

    /* AMD's ends by itself; NVDA's is still there, once. */
    char *out = list_without("symbol=AMD");
    cr_expect_geq((int64_t)time(NULL) - added, 2, "it lasted its three seconds");
    cr_expect_eq(sw_test_count(out, "symbol=NVDA channel=tg"), 1, "carried out once: %s", out);
    free(out);

    sw_alert nvda, amd;
    xadd("NVDA", SW_SEV_CRITICAL, &nvda);
    xadd("AMD", SW_SEV_CRITICAL, &amd);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 30000), 0);
    cr_assert(wait_tg(CHAT, amd.id, 1, 30000), "after its end AMD goes to Telegram");
    cr_expect_eq(tg_count(CHAT, nvda.id), 0, "NVDA is still silenced there after the restart");
    cr_expect_eq(hook_has(nvda.id), 1, "and only there");
    cr_expect_eq(tg_count(CHAT, "Silenced symbol=NVDA"), 1, "answered once");
}

/* ---- shockd's dashboard ---------------------------------------------------------------- */

/* shockd replaying a quiet recording in real time (ten minutes of NVDA
 * trades), its listener on a free port: the port. */
static int start_shockd(tn_proc *p, const char *name, int redis_sink)
{
    char rec[192], cfg[192], text[2048], out[192], err[192];
    snprintf(rec, sizeof rec, "%s/rec.ndjson", G.dir);
    FILE *f = fopen(rec, "w");
    cr_assert(f);
    long long t0 = 1737988200000LL; /* 2025-01-27 09:30 New York */
    for (int i = 0; i < 600; i++)
        fprintf(f, "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":%.2f,\"t\":%lld,\"v\":100}]}\n",
                120.0 + (i % 5) * 0.01, t0 + i * 1000LL);
    fclose(f);
    snprintf(cfg, sizeof cfg, "%s/%s.json", G.dir, name);
    snprintf(text, sizeof text,
             "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"AVGO\"]}, \"sinks\": [\"%s\"],\n"
             " \"redis\": {\"url\": \"%s\"}, \"state_dir\": \"%s/%s-state\", \"log_level\": \"info\",\n"
             " \"metrics\": {\"listen\": \"127.0.0.1:0\"}}\n",
             redis_sink ? "redis" : "stdout", G.redis.url, G.dir, name);
    tn_write(cfg, text);
    snprintf(out, sizeof out, "%s/%s.out", G.dir, name);
    snprintf(err, sizeof err, "%s/%s.err", G.dir, name);
    const char *argv[] = { SW_BINARY_DIR "/shockd", "-c", cfg, "--speed", "1", "--quiet", "--replay", rec, NULL };
    memset(p, 0, sizeof *p);
    p->pid = tn_spawn(argv, out, err);
    cr_assert_gt(p->pid, 0);
    static const char key[] = "dashboard: http://127.0.0.1:";
    cr_assert(sw_test_wait_text(err, key, 1, 30000), "%s", sw_test_slurp(err));
    char *t = sw_test_slurp(err);
    int port = atoi(strstr(t, key) + strlen(key));
    free(t);
    return port;
}

/* The silences of shockd's state frame once they hold `want` (a JSON line). */
static char *dashboard_silences(int port, const char *want)
{
    char url[64], out[192], err[192];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/live", port);
    snprintf(out, sizeof out, "%s/state.out", G.dir);
    snprintf(err, sizeof err, "%s/state.err", G.dir);
    const char *argv[] = { TN_PYTHON, SW_SOURCE_DIR "/tests/live_peer.py", "state", "--url", url, "--want", want,
                           "--timeout", "30", NULL };
    int rc = tn_run(argv, out, err, 60000);
    char *text = tn_read(out);
    cr_assert_eq(rc, 0, "%s%s", text ? text : "", sw_test_slurp(err));
    return text;
}

/* The page's Silences section in a real browser once its JSON holds
 * `want` (live_peer.py page-silences); NULL without chromium. */
static char *page_silences(int port, const char *want)
{
    if (access("/usr/bin/chromium", X_OK) != 0)
        return NULL;
    char url[64], out[192], err[192];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    snprintf(out, sizeof out, "%s/page.out", G.dir);
    snprintf(err, sizeof err, "%s/page.err", G.dir);
    const char *argv[] = { TN_PYTHON, SW_SOURCE_DIR "/tests/live_peer.py", "page-silences", "--url", url, "--want",
                           want, "--timeout", "60", NULL };
    int rc = tn_run(argv, out, err, 120000);
    char *text = tn_read(out);
    cr_assert_eq(rc, 0, "%s%s", text ? text : "", sw_test_slurp(err));
    return text;
}

Test(notify_silence, shockd_dashboard_lists_the_active_silences)
{
    setup(both);
    tn_proc shockd;
    int port = start_shockd(&shockd, "with-redis", 1);
    char id[16];
    add(id, (const char *[]){ "--symbol", "NVDA", "--channel", "hook", "--for", "1h", "--author", "ana", "--comment",
                              "on it <b>", NULL });
    char *line = dashboard_silences(port, id);
    cJSON *j = cJSON_Parse(line);
    cr_assert(j, "%s", line);
    const cJSON *arr = cJSON_GetObjectItem(j, "silences"), *s = cJSON_GetArrayItem(arr, 0);
    cr_assert_eq(cJSON_GetArraySize(arr), 1, "%s", line);
    cr_expect_str_eq(cJSON_GetObjectItem(s, "id")->valuestring, id);
    cr_expect_str_eq(cJSON_GetObjectItem(s, "matchers")->valuestring, "symbol=NVDA channel=hook");
    cr_expect_str_eq(cJSON_GetObjectItem(s, "symbol")->valuestring, "NVDA");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(s, "group")));
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(s, "active")));
    cr_expect_str_eq(cJSON_GetObjectItem(s, "author")->valuestring, "ana");
    cr_expect_str_eq(cJSON_GetObjectItem(s, "comment")->valuestring, "on it <b>", "text; the page shows it as text");
    double end = cJSON_GetObjectItem(s, "end")->valuedouble, start = cJSON_GetObjectItem(s, "start")->valuedouble;
    cr_expect_eq(end - start, 3600000);
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "silences_note")));
    cJSON_Delete(j);
    free(line);
    /* What a person sees: the silence as one line of text (the comment's
     * "<b>" is text, not markup), until when, by whom, its id. */
    char *page = page_silences(port, id);
    if (page) {
        j = cJSON_Parse(page);
        cr_assert(j, "%s", page);
        const cJSON *items = cJSON_GetObjectItem(j, "items"), *it = cJSON_GetArrayItem(items, 0);
        cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "visible")) && cJSON_GetArraySize(items) == 1, "%s", page);
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(it, "text"));
        cr_assert(text, "%s", page);
        cr_expect(strstr(text, "symbol=NVDA channel=hook until ") && strstr(text, " ET, by ana: on it <b>") &&
                      strstr(text, id) && !strstr(text, " from "),
                  "%s", text);
        cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(it, "active")), "%s", page);
        cr_expect_eq(cJSON_GetObjectItem(j, "markup")->valueint, 0, "the comment became markup: %s", page);
        cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(j, "none")), "%s", page);
        cJSON_Delete(j);
        free(page);
    }
    /* Expired: gone from the dashboard too. */
    char *out, *err;
    cr_assert_eq(cli(&out, &err, (const char *[]){ "expire", id, NULL }), 0);
    free(out);
    free(err);
    line = dashboard_silences(port, "\"silences\": []");
    free(line);
    page = page_silences(port, "\"none\": true");
    if (page)
        cr_expect(strstr(page, "\"items\": []"), "%s", page);
    free(page);
    cr_expect_eq(tn_stop_status(&shockd, SIGTERM, 15000), 0);

    /* Without a redis sink shockd cannot know them, and says so. */
    port = start_shockd(&shockd, "no-redis", 0);
    line = dashboard_silences(port, "shockd has no redis sink");
    cr_expect(strstr(line, "\"silences\": []"), "%s", line);
    free(line);
    page = page_silences(port, "shockd has no redis sink");
    free(page);
    cr_expect_eq(tn_stop_status(&shockd, SIGTERM, 15000), 0);
}
