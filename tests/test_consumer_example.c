/* docs/examples/consumer.py, the example consumer of the Redis stream, run
 * against the real stream of the 2025-01-27 replay so that the example
 * never rots: shockd delivers to a private redis-server, the example reads
 * the whole stream in a consumer group (validating each alert against
 * docs/alert-v1.schema.json; the stream itself is checked strictly) and
 * prints every alert exactly once and
 * acknowledges it (XPENDING 0).  Then what the example is for: a duplicate
 * entry of an alert is skipped, an entry a worker took and never
 * acknowledged -- its own, or a dead worker's (XAUTOCLAIM) -- is handled
 * once, and an entry that is not a valid alert is set aside without
 * blocking the group. */
#include "sw_test_redis.h" /* first: it defines _DEFAULT_SOURCE unguarded */
#include "sw_test_ops.h"
#include "sw_test_schema.h"

static test_redis server;

/* The server goes with the test, however the test ends. */
static void teardown(void)
{
    tr_destroy(&server);
    ops_teardown();
}

TestSuite(consumer_example, .init = ops_setup, .fini = teardown, .timeout = 300);

#define STREAM "shockwatch:alerts"
#define CONSUMER "/usr/bin/python3 " SW_SOURCE_DIR "/docs/examples/consumer.py"
#define SCHEMA SW_SOURCE_DIR "/docs/alert-v1.schema.json"

static long long integer(redisContext *c, const char *cmd)
{
    redisReply *r = redisCommand(c, cmd);
    cr_assert(r && r->type == REDIS_REPLY_INTEGER, "%s: %s", cmd, r && r->str ? r->str : "no reply");
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

/* Entries the group has handed out and not seen acknowledged. */
static long long pending(redisContext *c, const char *group)
{
    redisReply *r = redisCommand(c, "XPENDING " STREAM " %s", group);
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 && r->element[0]->type == REDIS_REPLY_INTEGER,
              "XPENDING %s", group);
    long long n = r->element[0]->integer;
    freeReplyObject(r);
    return n;
}

/* Run the example over what the group has not read yet; its stdout into
 * *out, stderr into *err. */
static int consume(const char *group, const char *consumer, const char *extra, char **out, char **err)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             CONSUMER " --url %s --group %s --consumer %s --start 0 --drain --schema " SCHEMA " %s > %s 2> %s",
             server.url, group, consumer, extra, ops_path("consumer.out"), ops_path("consumer.err"));
    int st = system(cmd);
    *out = sw_test_slurp(ops_path("consumer.out"));
    *err = sw_test_slurp(ops_path("consumer.err"));
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The printed line of alert id, or NULL. */
static const char *line_of(const char *out, const char *id)
{
    for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, id, 16) == 0 && p[16] == ' ')
            return p;
    return NULL;
}

Test(consumer_example, reads_the_replay_once_dedupes_and_acknowledges)
{
    cr_assert_eq(tr_start(&server, NULL, 0, 0), 0, "redis-server did not start");
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"AVGO\", \"TSM\", \"ASML\", \"MSFT\", \"GOOG\", \"META\",\n"
             "                     \"AMZN\", \"ORCL\", \"SMCI\", \"ARM\", \"MU\"],\n"
             "            \"benchmarks\": [\"QQQ\", \"SPY\", \"SMH\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"reference\": \"prev_close\", \"warning_pct\": 5, "
             "\"critical_pct\": 10},\n"
             "   {\"type\": \"pct_move\", \"reference\": \"window\", \"window\": \"5m\", \"warning_pct\": 3, "
             "\"critical_pct\": 6},\n"
             "   {\"type\": \"breadth\", \"groups\": [\"ai\"], \"warning_pct\": 3, \"critical_pct\": 5, "
             "\"min_fraction\": 0.5, \"min_members\": 7}],\n"
             " \"policy\": {\"resolved\": true},\n"
             " \"sinks\": [\"stdout\", \"redis\"], \"stdout\": {\"format\": \"json\"},\n"
             " \"redis\": {\"url\": \"%s\"}, \"state_dir\": \"%s/state\", \"log_level\": \"warning\"}\n",
             server.url, ops_dir);
    ops_write(ops_path("c.json"), cfg);
    const char *argv[] = { OPS_SHOCKD, "-c", ops_path("c.json"), "--replay",
                           SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson", NULL };
    pid_t pid = ops_spawn(argv, NULL, ops_path("alerts.ndjson"), ops_path("shockd.err"));
    int rc = ops_wait(pid, 120000);
    char *serr = sw_test_slurp(ops_path("shockd.err"));
    cr_assert_eq(rc, 0, "shockd: %s", serr);
    cr_assert(strstr(serr, "unconfirmed") == NULL, "every alert confirmed by Redis: %s", serr);
    free(serr);

    /* The ids shockd produced (stdout and the stream carry the same alerts). */
    char *alerts = sw_test_slurp(ops_path("alerts.ndjson"));
    static char ids[4096][17];
    int n = 0;
    for (const char *p = strstr(alerts, "\"id\":\""); p && n < 4096; p = strstr(p + 1, "\"id\":\""))
        snprintf(ids[n++], sizeof ids[0], "%.16s", p + 6);
    free(alerts);
    cr_assert_gt(n, 20, "the shock day raises alerts");
    redisContext *c = tr_connect(&server);
    cr_assert_not_null(c);
    cr_assert_eq(integer(c, "XLEN " STREAM), n);

    /* What the stream carries is the contract, strictly. */
    redisReply *all = redisCommand(c, "XRANGE " STREAM " - +");
    cr_assert(all && all->type == REDIS_REPLY_ARRAY && all->elements == (size_t)n);
    FILE *f = fopen(ops_path("stream.ndjson"), "w");
    for (size_t i = 0; i < all->elements; i++) {
        redisReply *fv = all->element[i]->element[1];
        for (size_t k = 0; k + 1 < fv->elements; k += 2)
            if (strcmp(fv->element[k]->str, "json") == 0)
                fprintf(f, "%s\n", fv->element[k + 1]->str);
    }
    fclose(f);
    freeReplyObject(all);
    char *report;
    cr_expect_eq(sw_test_schema_check(ops_path("stream.ndjson"), 1, &report), 0, "%s", report);
    free(report);

    /* The example reads it all: each id printed once, nothing else printed,
     * nothing left pending. */
    char *out, *err;
    cr_assert_eq(consume("desk", "w1", "", &out, &err), 0, "%s", err);
    for (int i = 0; i < n; i++) {
        const char *l = line_of(out, ids[i]);
        cr_expect_not_null(l, "alert %s not printed", ids[i]);
        cr_expect(l == NULL || line_of(strchr(l, '\n'), ids[i]) == NULL, "alert %s printed twice", ids[i]);
    }
    cr_expect_eq(sw_test_count(out, "\n"), n, "%s", out);
    char want[96];
    snprintf(want, sizeof want, "consumer: %d handled, 0 duplicates skipped, 0 invalid\n", n);
    cr_expect_str_eq(err, want);
    cr_expect_eq(pending(c, "desk"), 0);
    free(out);
    free(err);

    /* A second group reads the same stream independently. */
    cr_assert_eq(consume("risk", "r1", "", &out, &err), 0, "%s", err);
    cr_expect_eq(sw_test_count(out, "\n"), n, "%s", err);
    free(out);
    free(err);

    /* The same alert added again (as after a reconnect): skipped, acknowledged. */
    redisReply *r = redisCommand(c, "XRANGE " STREAM " - + COUNT 1");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    redisReply *fields = r->element[0]->element[1];
    const char *json = NULL, *first_id = NULL;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        if (strcmp(fields->element[i]->str, "json") == 0)
            json = fields->element[i + 1]->str;
        if (strcmp(fields->element[i]->str, "id") == 0)
            first_id = fields->element[i + 1]->str;
    }
    cr_assert(json && first_id);
    char *json_copy = strdup(json), *id_copy = strdup(first_id);
    freeReplyObject(r);
    r = redisCommand(c, "XADD " STREAM " * id %s json %s", id_copy, json_copy);
    cr_assert(r && r->type == REDIS_REPLY_STRING);
    freeReplyObject(r);

    /* Two alerts nobody has seen, each taken by a worker that died before
     * XACK: one by w1 itself (it takes its own back at start), one by
     * w-dead (taken over with --claim-idle). */
    char *fresh[2];
    const char *fresh_ids[2] = { "00000000000000a1", "00000000000000a2" };
    for (int i = 0; i < 2; i++) {
        size_t len = strlen(json_copy) + 1;
        fresh[i] = malloc(len);
        memcpy(fresh[i], json_copy, len);
        memcpy(strstr(fresh[i], "\"id\":\"") + 6, fresh_ids[i], 16);
        r = redisCommand(c, "XADD " STREAM " * id %s json %s", fresh_ids[i], fresh[i]);
        cr_assert(r && r->type == REDIS_REPLY_STRING);
        freeReplyObject(r);
    }
    /* ... and an entry that is no alert. */
    r = redisCommand(c, "XADD " STREAM " * id %s json %s", "0000000000000bad", "{\"v\":1,\"id\":\"0000000000000bad\"}");
    freeReplyObject(r);
    /* w1 and w-dead take the duplicate and the first fresh one, and the
     * second fresh one, without acknowledging. */
    r = redisCommand(c, "XREADGROUP GROUP desk w1 COUNT 2 STREAMS " STREAM " >");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY, "%s", r && r->str ? r->str : "");
    freeReplyObject(r);
    r = redisCommand(c, "XREADGROUP GROUP desk w-dead COUNT 1 STREAMS " STREAM " >");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    cr_assert_eq(pending(c, "desk"), 3);

    /* w1 again: its own pending entries, w-dead's, then the rest. */
    cr_assert_eq(consume("desk", "w1", "--claim-idle 0", &out, &err), 0, "%s", err);
    for (int i = 0; i < 2; i++) {
        const char *l = line_of(out, fresh_ids[i]);
        cr_expect_not_null(l, "%s not printed:\n%s", fresh_ids[i], out);
    }
    cr_expect_eq(sw_test_count(out, "\n"), 2, "only the two new alerts:\n%s", out);
    cr_expect(strstr(err, "is not a valid alert ($: 'ts' is a required property): moved to " STREAM ":invalid") != NULL,
              "%s", err);
    cr_expect(strstr(err, "consumer: 2 handled, 1 duplicates skipped, 1 invalid\n") != NULL, "%s", err);
    cr_expect_eq(pending(c, "desk"), 0);
    cr_expect_eq(integer(c, "XLEN " STREAM ":invalid"), 1);
    free(out);
    free(err);

    redisFree(c);
    free(json_copy);
    free(id_copy);
    free(fresh[0]);
    free(fresh[1]);
}
