/* Tests of the Redis Sentinel client (alerts/sw_sentinel, through sw_redis)
 * against real redis-server and redis-sentinel processes on loopback: the
 * sentinels are asked in turn and the one that answered is asked first next
 * time; a master name no sentinel knows and sentinels that cannot be reached
 * are the spec's two clear errors; a server whose ROLE is not master is
 * never used; SENTINEL FAILOVER is followed (+switch-master, a new
 * resolution, writes work on the new master); and shockd replaying into a
 * Sentinel-managed Redis with replicas_ack 1 loses and repeats nothing across
 * a failover in the middle of the session.  Sentinels run with
 * down-after-milliseconds 1000 and a quorum of 2; every wait polls a
 * condition against a generous deadline. */
#include "sw_test_redis.h"

#include "sw_log.h"
#include "sw_redis.h"
#include "sw_test_probe.h"
#include "sw_sentinel.h"

#include <criterion/criterion.h>
#include <uv.h>

#include "sw_test_util.h"

#define SHOCKD SW_BINARY_DIR "/shockd"
#define SESSION SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson"
#define MASTER "mm"

static char tmpdir[64];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(tmpdir, sizeof tmpdir, "sentinel"), 0);
    sw_log_init("test");
    sw_log_set_level(SW_LOG_ERROR);
}

static void teardown(void)
{
    cr_expect_eq(sw_test_rmdir(tmpdir), 0);
}

TestSuite(sentinel, .init = setup, .fini = teardown, .timeout = 300);

/* ---- a master, a replica, three sentinels ------------------------------------------ */

typedef struct cluster {
    test_redis m, r;
    test_sentinel s[3];
    int n_s;
} cluster;

static int poll_until(int (*cond)(const cluster *), const cluster *c, int timeout_ms)
{
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    while (tr_now_ms() < deadline) {
        if (cond(c))
            return 1;
        tr_pause_ms(50);
    }
    return cond(c);
}

/* Every sentinel knows the other two and can promote the replica. */
static int sentinels_ready(const cluster *c)
{
    for (int i = 0; i < c->n_s; i++)
        if (!ts_knows_sentinels(c->s[i].port, MASTER, c->n_s - 1) || !ts_knows_replicas(c->s[i].port, MASTER, 1))
            return 0;
    return 1;
}

static int replica_online(const cluster *c)
{
    return tr_replicas_online(&c->m, 1);
}

static void cluster_up(cluster *c, int n_sentinels)
{
    if (!ts_available())
        cr_skip_test("redis-sentinel is not installed (Debian package redis-sentinel)");
    memset(c, 0, sizeof *c);
    cr_assert_eq(tr_start(&c->m, NULL, 0, 0), 0, "master");
    cr_assert_eq(tr_start_replica(&c->r, &c->m), 0, "replica");
    cr_assert(poll_until(replica_online, c, 60000), "the replica did not sync");
    for (int i = 0; i < n_sentinels; i++) {
        cr_assert_eq(ts_start(&c->s[i], MASTER, c->m.port, 2), 0, "sentinel %d", i);
        c->n_s++;
    }
    cr_assert(poll_until(sentinels_ready, c, 90000), "the sentinels did not find each other and the replica");
}

static void cluster_down(cluster *c)
{
    for (int i = 0; i < c->n_s; i++)
        ts_destroy(&c->s[i]);
    tr_destroy(&c->r);
    tr_destroy(&c->m);
}

static void sentinel_cmd(int port, const char *cmd, char *out, size_t len)
{
    test_redis t;
    memset(&t, 0, sizeof t);
    t.port = port;
    redisContext *c = tr_connect(&t);
    cr_assert_not_null(c);
    redisReply *rep = redisCommand(c, cmd);
    cr_assert_not_null(rep);
    snprintf(out, len, "%s", rep->type == REDIS_REPLY_STATUS || rep->type == REDIS_REPLY_ERROR ? rep->str : "");
    freeReplyObject(rep);
    redisFree(c);
}

/* ---- an sw_redis through the sentinels, in process -------------------------------------- */

typedef tr_probe probe;




static void probe_init(probe *p, const char *const *addrs, size_t n, const char *master)
{
    memset(p, 0, sizeof *p);
    cr_assert_eq(uv_loop_init(&p->loop), 0);
    sw_redis_options o;
    memset(&o, 0, sizeof o);
    char err[256];
    /* The URL gives only the db and password; its host is not used. */
    cr_assert_eq(sw_redis_url_parse("redis://unused.invalid", &o.url, err, sizeof err), 0, "%s", err);
    o.connect_timeout_ms = 2000;
    o.command_timeout_ms = 20000;
    o.backoff_min_ms = 50;
    o.backoff_max_ms = 500;
    o.on_state = tr_probe_state;
    o.ctx = p;
    sw_sentinel_params sp = { addrs, n, master, NULL, 500 };
    o.sentinel = &sp;
    cr_assert_eq(sw_redis_init(&p->r, &p->loop, &o), 0);
}

static void probe_run(probe *p, int (*done)(probe *), int timeout_ms)
{
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    /* NOWAIT and a short pause: the condition is checked however quiet the
     * loop is. */
    while (!done(p) && tr_now_ms() < deadline) {
        uv_run(&p->loop, UV_RUN_NOWAIT);
        tr_pause_ms(5);
    }
}

static void probe_fini(probe *p)
{
    sw_redis_close(&p->r, tr_probe_closed);
    uv_run(&p->loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&p->loop), 0, "handles left open");
}

static int is_connected(probe *p)
{
    return p->r.state == SW_REDIS_CONNECTED;
}

static int answered(probe *p)
{
    return p->replies > 0;
}

static char *addr(int port)
{
    static char bufs[8][32];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 32, "127.0.0.1:%d", port);
    return b;
}

Test(sentinel, the_sentinels_are_asked_in_turn_and_the_one_that_answered_first_next_time)
{
    cluster c;
    cluster_up(&c, 3);
    int dead_port = 0, dead = sw_test_hold_port(&dead_port); /* refuses every connection */
    cr_assert_geq(dead, 0);
    const char *addrs[] = { addr(dead_port), addr(c.s[1].port), addr(c.s[2].port) };
    probe p;
    probe_init(&p, addrs, 3, MASTER);
    sw_redis_start(&p.r);
    probe_run(&p, is_connected, 60000);
    cr_assert_eq(p.r.state, SW_REDIS_CONNECTED, "never connected: %s", p.r.where);
    char want[64];
    snprintf(want, sizeof want, MASTER " at 127.0.0.1:%d", c.m.port);
    cr_expect_str_eq(p.r.where, want);
    cr_expect_eq(p.r.sent.stats.resolved, 1);
    cr_expect_eq(p.r.sent.addrs[0].port, c.s[1].port, "the sentinel that answered is asked first next time");
    cr_expect_eq(p.r.sent.addrs[1].port, dead_port, "the others keep their order");
    /* Commands go to the master. */
    const char *argv[] = { "SET", "sentinel-test", "1" };
    size_t lens[] = { 3, 13, 1 };
    cr_assert_eq(sw_redis_command(&p.r, tr_probe_reply, &p, 3, argv, lens), 0);
    probe_run(&p, answered, 30000);
    cr_expect_str_eq(p.last, "OK");
    probe_fini(&p);
    close(dead);
    cluster_down(&c);
}

/* ---- the spec's two errors, on the resolver alone ------------------------------------- */

typedef struct answer {
    int done;
    sw_sentinel_status st;
    char why[1200];
    int port;
} answer;

static void on_answer(void *ctx, sw_sentinel *s, sw_sentinel_status st, const char *host, int port, const char *why)
{
    (void)s;
    (void)host;
    answer *a = ctx;
    a->done = 1;
    a->st = st;
    a->port = port;
    snprintf(a->why, sizeof a->why, "%s", why ? why : "");
}

static void sentinel_closed(sw_sentinel *s, void *ctx)
{
    (void)s;
    (void)ctx;
}

static answer resolve(const char *const *addrs, size_t n, const char *master)
{
    uv_loop_t loop;
    cr_assert_eq(uv_loop_init(&loop), 0);
    sw_sentinel s;
    sw_sentinel_params sp = { addrs, n, master, NULL, 500 };
    char err[256];
    cr_assert_eq(sw_sentinel_init(&s, &loop, &sp, err, sizeof err), 0, "%s", err);
    answer a;
    memset(&a, 0, sizeof a);
    sw_sentinel_resolve(&s, on_answer, &a);
    uint64_t deadline = tr_now_ms() + 30000;
    while (!a.done && tr_now_ms() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    sw_sentinel_close(&s, sentinel_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&loop), 0, "handles left open");
    cr_assert(a.done, "no answer within 30 s");
    return a;
}

Test(sentinel, an_unknown_master_name_and_unreachable_sentinels_are_told_apart)
{
    cluster c;
    cluster_up(&c, 2);
    const char *both[] = { addr(c.s[0].port), addr(c.s[1].port) };
    answer a = resolve(both, 2, "nosuchmaster");
    cr_expect_eq(a.st, SW_SENTINEL_UNKNOWN_MASTER);
    cr_expect(strstr(a.why, "no sentinel knows a master named \"nosuchmaster\" (all 2 answered null)") != NULL,
              "%s", a.why);

    a = resolve(both, 2, MASTER);
    cr_expect_eq(a.st, SW_SENTINEL_OK, "%s", a.why);
    cr_expect_eq(a.port, c.m.port);

    int p1 = 0, p2 = 0, d1 = sw_test_hold_port(&p1), d2 = sw_test_hold_port(&p2);
    const char *dead[] = { addr(p1), addr(p2) };
    a = resolve(dead, 2, MASTER);
    cr_expect_eq(a.st, SW_SENTINEL_UNREACHABLE);
    cr_expect(strstr(a.why, "no sentinel can be reached (2 tried; last: sentinel 127.0.0.1:") != NULL &&
                  strstr(a.why, "cannot connect") != NULL,
              "%s", a.why);
    close(d1);
    close(d2);
    cluster_down(&c);
}

/* ---- ROLE: a server that is not the master is never used --------------------------------- */

static int dropped_twice(probe *p)
{
    return p->r.stats.not_master >= 2;
}

Test(sentinel, a_server_whose_role_is_not_master_is_dropped_and_the_sentinels_asked_again)
{
    if (!ts_available())
        cr_skip_test("redis-sentinel is not installed (Debian package redis-sentinel)");
    /* A sentinel that names a replica as the master of "stale" -- what a
     * sentinel that has not heard of a failover does.  Quorum 2 with one
     * sentinel: it can never fail "stale" over itself. */
    test_redis m, r;
    cr_assert_eq(tr_start(&m, NULL, 0, 0), 0);
    cr_assert_eq(tr_start_replica(&r, &m), 0);
    test_sentinel s;
    cr_assert_eq(ts_start(&s, "stale", r.port, 2), 0);
    const char *addrs[] = { addr(s.port) };
    probe p;
    probe_init(&p, addrs, 1, "stale");
    sw_redis_start(&p.r);
    probe_run(&p, dropped_twice, 60000);
    cr_expect_geq(p.r.stats.not_master, 2, "ROLE checked on every attempt");
    cr_expect_eq(p.connected, 0, "a replica is never reported connected");
    cr_expect_geq(p.r.sent.stats.resolved, 2, "resolved again before every attempt");
    probe_fini(&p);
    ts_destroy(&s);
    tr_destroy(&r);
    tr_destroy(&m);
}

/* ---- a failover is followed ---------------------------------------------------------------- */

static int subscribed(probe *p)
{
    return p->r.state == SW_REDIS_CONNECTED && p->r.sent.subscribed;
}

static int on_new_master(probe *p)
{
    return p->connected >= 2 && p->r.state == SW_REDIS_CONNECTED;
}

Test(sentinel, sentinel_failover_is_followed_to_the_promoted_replica)
{
    cluster c;
    cluster_up(&c, 3);
    const char *addrs[] = { addr(c.s[0].port), addr(c.s[1].port), addr(c.s[2].port) };
    probe p;
    probe_init(&p, addrs, 3, MASTER);
    sw_redis_start(&p.r);
    probe_run(&p, subscribed, 60000);
    cr_assert(subscribed(&p), "not connected and watching +switch-master");
    char out[128];
    sentinel_cmd(c.s[0].port, "SENTINEL FAILOVER " MASTER, out, sizeof out);
    cr_assert_str_eq(out, "OK", "SENTINEL FAILOVER: %s", out);
    probe_run(&p, on_new_master, 60000);
    cr_assert_eq(p.connected, 2, "reconnected once: lost %d", p.lost);
    char want[64];
    snprintf(want, sizeof want, MASTER " at 127.0.0.1:%d", c.r.port);
    cr_expect_str_eq(p.r.where, want, "on the promoted replica");
    char role[16];
    cr_expect_str_eq(tr_role(&c.r, role, sizeof role), "master");
    cr_expect_geq(p.r.sent.stats.switches, 1, "+switch-master was heard");
    const char *argv[] = { "SET", "after-failover", "1" };
    size_t lens[] = { 3, 14, 1 };
    cr_assert_eq(sw_redis_command(&p.r, tr_probe_reply, &p, 3, argv, lens), 0);
    probe_run(&p, answered, 30000);
    cr_expect_str_eq(p.last, "OK", "a write works on the new master");
    probe_fini(&p);
    cluster_down(&c);
}

/* ---- shockd across a failover ------------------------------------------------------------- */

/* The ids of the alert lines in path (one JSON object per line). */
static size_t stdout_ids(const char *path, char (*ids)[17], size_t max)
{
    char *t = sw_test_slurp(path);
    size_t n = 0;
    for (char *q = strstr(t, "\"id\":\""); q && n < max; q = strstr(q + 1, "\"id\":\"")) {
        memcpy(ids[n], q + 6, 16);
        ids[n++][16] = '\0';
    }
    free(t);
    return n;
}

Test(sentinel, shockd_across_a_failover_loses_and_repeats_no_alert)
{
    cluster c;
    cluster_up(&c, 3);
    char cfg[256], text[2048], out[256], err[256];
    snprintf(cfg, sizeof cfg, "%s/c.json", tmpdir);
    snprintf(out, sizeof out, "%s/shockd.out", tmpdir);
    snprintf(err, sizeof err, "%s/shockd.err", tmpdir);
    snprintf(text, sizeof text,
             "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"AVGO\", \"TSM\", \"ASML\", \"MSFT\", \"GOOG\", \"META\","
             " \"AMZN\", \"ORCL\", \"SMCI\", \"ARM\", \"MU\"], \"benchmarks\": [\"QQQ\", \"SPY\", \"SMH\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"warning_pct\": 2, \"critical_pct\": 4, \"step_pct\": 1}],\n"
             " \"policy\": {\"resolved\": true}, \"sinks\": [\"stdout\", \"redis\"],\n"
             " \"redis\": {\"sentinels\": [\"127.0.0.1:%d\", \"127.0.0.1:%d\", \"127.0.0.1:%d\"], \"master_name\": \""
             MASTER "\", \"replicas_ack\": 1, \"replicas_timeout\": \"500ms\", \"command_timeout\": \"3s\"},\n"
             " \"shutdown_timeout\": \"60s\", \"state_dir\": \"%s/state\", \"log_level\": \"info\"}\n",
             c.s[0].port, c.s[1].port, c.s[2].port, tmpdir);
    FILE *f = fopen(cfg, "w");
    fputs(text, f);
    fclose(f);
    /* About 80 alerts over a session played in ~20 s. */
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        execl(SHOCKD, "shockd", "-c", cfg, "--replay", SESSION, "--speed", "1200", (char *)NULL);
        _exit(127);
    }
    cr_assert(sw_test_wait_text(out, "\"id\"", 15, 120000), "no alerts: %s", sw_test_slurp(err));
    char reply[128];
    sentinel_cmd(c.s[1].port, "SENTINEL FAILOVER " MASTER, reply, sizeof reply);
    cr_assert_str_eq(reply, "OK", "SENTINEL FAILOVER: %s", reply);
    int st = 0;
    uint64_t deadline = tr_now_ms() + 240000;
    while (waitpid(pid, &st, WNOHANG) != pid && tr_now_ms() < deadline)
        tr_pause_ms(50);
    if (tr_now_ms() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    char *log = sw_test_slurp(err);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "shockd: %s", log);
    cr_expect(strstr(log, "alerts unconfirmed") == NULL, "every alert confirmed by a replica: %s", log);
    char want[64];
    snprintf(want, sizeof want, "redis " MASTER " at 127.0.0.1:%d: connected", c.r.port);
    cr_expect(strstr(log, want) != NULL, "followed to the promoted replica: %s", log);
    free(log);

    /* The new master's stream holds every alert shockd printed, once. */
    static char ids[512][17], seen[512][17];
    size_t n = stdout_ids(out, ids, 512);
    cr_assert_eq(n, (size_t)sw_test_count_file(out, "\n"));
    cr_assert_geq(n, 40u);
    redisContext *rc = tr_connect(&c.r);
    cr_assert_not_null(rc);
    redisReply *rep = redisCommand(rc, "XRANGE shockwatch:alerts - +");
    cr_assert(rep && rep->type == REDIS_REPLY_ARRAY);
    size_t m = 0;
    for (size_t i = 0; i < rep->elements && m < 512; i++) {
        const redisReply *fv = rep->element[i]->element[1];
        for (size_t k = 0; k + 1 < fv->elements; k += 2)
            if (strcmp(fv->element[k]->str, "id") == 0)
                snprintf(seen[m++], 17, "%s", fv->element[k + 1]->str);
    }
    freeReplyObject(rep);
    redisFree(rc);
    cr_expect_eq(m, n, "%zu entries for %zu alerts", m, n);
    for (size_t i = 0; i < n; i++) {
        int copies = 0;
        for (size_t k = 0; k < m; k++)
            copies += strcmp(ids[i], seen[k]) == 0;
        cr_expect_eq(copies, 1, "alert %s: %d copies in the stream", ids[i], copies);
    }
    cluster_down(&c);
}
