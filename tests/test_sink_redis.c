/* Tests of alert delivery through Redis against real redis-server processes
 * on loopback: shockd replays the bundled session into a stream and onto
 * Pub/Sub channels; Redis stops in the middle of a paced replay and comes
 * back; shockd is killed with a full spool and the next start drains it; a
 * torn spool line; a refused XADD; a wrong password; a Unix socket with a
 * db; the client's connect and command timeouts; the redis.* config checks;
 * a full disk under the spool while Redis is down (in process); the alert
 * script of an active-active pair (two sinks, one entry, the other counted as
 * deduplicated; NOSCRIPT after SCRIPT FLUSH); replicas_ack (WAIT) with the
 * replica absent, then present.
 * Every wait polls a condition against a deadline. */
#include "sw_test_redis.h"

#include "sw_alert.h"
#include "sw_config.h"
#include "sw_log.h"
#include "sw_redis.h"
#include "sw_test_probe.h"
#include "sw_sink_redis.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <sys/resource.h>
#include <uv.h>

#include "sw_test_util.h"

#define SHOCKD SW_BINARY_DIR "/shockd"
#define SESSION SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson"
#define MAX_ALERTS 512

static char tmpdir[64];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(tmpdir, sizeof tmpdir, "sinkredis"), 0);
    sw_log_init("test");
}

static void teardown(void)
{
    cr_expect_eq(sw_test_rmdir(tmpdir), 0);
}

TestSuite(sink_redis, .init = setup, .fini = teardown, .timeout = 240);

/* ---- files and processes ------------------------------------------------------ */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static size_t count_lines(const char *path)
{
    char *t = sw_test_slurp(path);
    size_t n = 0;
    for (char *c = t; *c; c++)
        n += *c == '\n';
    free(t);
    return n;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static char *tpath(const char *name)
{
    static char bufs[8][160];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 160, "%s/%s", tmpdir, name);
    return b;
}

/* shockd in the background, stdout/stderr to files named after `tag`. */
static pid_t spawn_shockd(const char *tag, const char *const *argv, const char *env_kv)
{
    char outp[160], errp[160];
    snprintf(outp, sizeof outp, "%s/%s.out", tmpdir, tag);
    snprintf(errp, sizeof errp, "%s/%s.err", tmpdir, tag);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        if (env_kv)
            putenv((char *)env_kv);
        execv(SHOCKD, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Wait for exit up to timeout_ms; returns the exit code, 128+signal, or -1 on
 * timeout (the process is then killed). */
static int wait_exit(pid_t pid, int timeout_ms)
{
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    int st;
    while (tr_now_ms() < deadline) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        tr_pause_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static int run_shockd(const char *tag, const char *const *argv, const char *env_kv, int timeout_ms)
{
    return wait_exit(spawn_shockd(tag, argv, env_kv), timeout_ms);
}

/* Poll until file `path` has at least n lines, or timeout; returns 1 if so. */
static int wait_lines(const char *path, size_t n, int timeout_ms)
{
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    while (tr_now_ms() < deadline) {
        if (count_lines(path) >= n)
            return 1;
        tr_pause_ms(20);
    }
    return 0;
}

static int wait_text(const char *path, const char *needle, int timeout_ms)
{
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    while (tr_now_ms() < deadline) {
        char *t = sw_test_slurp(path);
        int found = strstr(t, needle) != NULL;
        free(t);
        if (found)
            return 1;
        tr_pause_ms(20);
    }
    return 0;
}

/* ---- configs ---------------------------------------------------------------------- */

/* The demo watchlist, sensitive pct_move levels and resolved alerts: about 80
 * alerts of all three severities spread over the session. */
static const char *write_config(const char *name, const char *url, const char *stream, const char *extra_redis,
                                const char *extra_top)
{
    char *path = tpath(name);
    char text[2048];
    snprintf(text, sizeof text,
             "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"AVGO\", \"TSM\", \"ASML\", \"MSFT\", \"GOOG\", \"META\",\n"
             "  \"AMZN\", \"ORCL\", \"SMCI\", \"ARM\", \"MU\"], \"benchmarks\": [\"QQQ\", \"SPY\", \"SMH\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"warning_pct\": 2, \"critical_pct\": 4, \"step_pct\": 1}],\n"
             " \"policy\": {\"resolved\": true},\n"
             " \"sinks\": [\"stdout\", \"redis\"],\n"
             " \"redis\": {\"url\": \"%s\", \"stream\": \"%s\", \"channel\": \"%s\"%s},\n"
             " \"state_dir\": \"%s/state\", \"log_level\": \"info\"%s}\n",
             url, stream, stream, extra_redis ? extra_redis : "", tmpdir, extra_top ? extra_top : "");
    write_file(path, text);
    return path;
}

/* ---- reading Redis ------------------------------------------------------------------ */

typedef struct entry {
    char id[24], symbol[32], severity[16], detector[32];
    char *json;
    char order[96];   /* field names, space-separated, as stored */
} entry;

static size_t read_stream(redisContext *c, const char *stream, entry *out, size_t max)
{
    redisReply *rep = redisCommand(c, "XRANGE %s - +", stream);
    cr_assert_not_null(rep);
    cr_assert_eq(rep->type, REDIS_REPLY_ARRAY, "XRANGE: %s", rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
    size_t n = 0;
    for (size_t i = 0; i < rep->elements && n < max; i++, n++) {
        entry *e = &out[n];
        memset(e, 0, sizeof *e);
        redisReply *f = rep->element[i]->element[1];
        for (size_t k = 0; k + 1 < f->elements; k += 2) {
            const char *key = f->element[k]->str, *val = f->element[k + 1]->str;
            size_t used = strlen(e->order);
            snprintf(e->order + used, sizeof e->order - used, "%s%s", used ? " " : "", key);
            if (!strcmp(key, "id"))
                snprintf(e->id, sizeof e->id, "%s", val);
            else if (!strcmp(key, "symbol"))
                snprintf(e->symbol, sizeof e->symbol, "%s", val);
            else if (!strcmp(key, "severity"))
                snprintf(e->severity, sizeof e->severity, "%s", val);
            else if (!strcmp(key, "detector"))
                snprintf(e->detector, sizeof e->detector, "%s", val);
            else if (!strcmp(key, "json"))
                e->json = strdup(val);
        }
    }
    freeReplyObject(rep);
    return n;
}

static void free_entries(entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].json);
}

/* stdout of shockd (format json): one alert per line. */
static size_t read_lines(const char *path, char **lines, size_t max)
{
    char *t = sw_test_slurp(path), *save = NULL;
    size_t n = 0;
    for (char *l = strtok_r(t, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save))
        lines[n++] = strdup(l);
    free(t);
    return n;
}

static void json_field(const char *json, const char *key, char *out, size_t len)
{
    cJSON *o = cJSON_Parse(json);
    cr_assert_not_null(o, "not JSON: %s", json);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    snprintf(out, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
    cJSON_Delete(o);
}

/* The stream holds exactly the alerts shockd printed, once each, in order. */
static void expect_stream_equals_stdout(redisContext *c, const char *stream, const char *out_path, size_t min)
{
    static entry es[MAX_ALERTS];
    static char *lines[MAX_ALERTS];
    size_t ne = read_stream(c, stream, es, MAX_ALERTS);
    size_t nl = read_lines(out_path, lines, MAX_ALERTS);
    cr_expect_geq(nl, min, "shockd printed %zu alerts", nl);
    cr_expect_eq(ne, nl, "stream has %zu entries, shockd printed %zu alerts", ne, nl);
    for (size_t i = 0; i < ne && i < nl; i++) {
        char id[32];
        json_field(lines[i], "id", id, sizeof id);
        cr_expect_str_eq(es[i].id, id, "entry %zu", i);
        cr_expect_str_eq(es[i].json ? es[i].json : "", lines[i], "entry %zu", i);
    }
    for (size_t i = 0; i < ne; i++)
        for (size_t k = i + 1; k < ne; k++)
            cr_expect_str_neq(es[i].id, es[k].id, "id %s twice in the stream", es[i].id);
    free_entries(es, ne);
    for (size_t i = 0; i < nl; i++)
        free(lines[i]);
}

/* ---- config ---------------------------------------------------------------------- */

static int config_errors(const char *text, const char *const *want)
{
    sw_config cfg;
    sw_diag d = { 0 };
    int rc = sw_config_parse(&cfg, text, strlen(text), "t.json", &d);
    for (size_t i = 0; want[i]; i++) {
        int found = 0;
        for (size_t k = 0; k < d.n; k++)
            found |= strcmp(d.lines[k], want[i]) == 0;
        cr_expect(found, "missing diagnostic: %s", want[i]);
    }
    for (size_t k = 0; k < d.n; k++)
        cr_expect_null(strstr(d.lines[k], "hunter2"), "password in a message: %s", d.lines[k]);
    sw_diag_free(&d);
    if (rc == 0)
        sw_config_free(&cfg);
    return rc;
}

Test(sink_redis, config_rows_defaults_and_checks)
{
    sw_config cfg;
    sw_diag d = { 0 };
    const char *ok = "{\"groups\": {\"g\": [\"NVDA\"]}, \"sinks\": [\"redis\"]}";
    cr_assert_eq(sw_config_parse(&cfg, ok, strlen(ok), "t.json", &d), 0);
    cr_expect_str_eq(cfg.sinks[0], "redis");
    cr_expect_str_eq(cfg.redis.url, "redis://127.0.0.1:6379");
    cr_expect_str_eq(cfg.redis.stream, "shockwatch:alerts");
    cr_expect_str_eq(cfg.redis.channel, "shockwatch:alerts");
    cr_expect_eq(cfg.redis.maxlen, 100000);
    cr_expect_eq(cfg.redis.fsync, SW_REDIS_FSYNC_EVERYSEC);
    cr_expect_eq(cfg.redis.connect_timeout_ns, 2 * SW_NS_PER_SEC);
    cr_expect_eq(cfg.redis.command_timeout_ns, 5 * SW_NS_PER_SEC);
    sw_config_free(&cfg);
    sw_diag_free(&d);

    const char *full = "{\"groups\": {\"g\": [\"NVDA\"]}, \"redis\": {\"url\": \"unix:///run/r.sock?db=2\", "
                       "\"password_file\": \"redis-pass\", \"stream\": \"s\", \"maxlen\": 10, \"channel\": \"c\", "
                       "\"fsync\": \"always\", \"queue_max\": 5, \"spool_max_bytes\": 1048576, "
                       "\"connect_timeout\": \"500ms\", \"command_timeout\": 1}}";
    cr_assert_eq(sw_config_parse(&cfg, full, strlen(full), "t.json", &d), 0);
    cr_expect_eq(cfg.redis.fsync, SW_REDIS_FSYNC_ALWAYS);
    cr_expect_eq(cfg.redis.queue_max, 5);
    cr_expect_eq(cfg.redis.spool_max_bytes, 1048576);
    cr_expect_eq(cfg.redis.connect_timeout_ns, INT64_C(500000000));
    cr_expect_str_eq(cfg.redis.password_file, "redis-pass");
    sw_config_free(&cfg);
    sw_diag_free(&d);

    const char *const want1[] = { "t.json: redis.url: port 70000 out of range (1..65535)", NULL };
    cr_expect_eq(config_errors("{\"groups\": {\"g\": [\"NVDA\"]}, \"redis\": {\"url\": \"redis://:hunter2@h:70000\"}}",
                               want1), -1);
    const char *const want2[] = {
        "t.json: redis.password_env: the URL already holds a password (use one source)",
        "t.json: redis.fsync: \"sometimes\" is not a known value (one of \"always\", \"everysec\")", NULL };
    cr_expect_eq(config_errors("{\"groups\": {\"g\": [\"NVDA\"]}, \"redis\": {\"url\": \"redis://:hunter2@h\", "
                               "\"password_env\": \"P\", \"fsync\": \"sometimes\"}}", want2), -1);
    const char *const want3[] = {
        "t.json: redis.password_file: the password comes from password_env already (use one of them)",
        "t.json: redis.password_env: is not an environment variable name (letters, digits, \"_\")", NULL };
    cr_expect_eq(config_errors("{\"groups\": {\"g\": [\"NVDA\"]}, \"redis\": {\"password_env\": \"1-X\", "
                               "\"password_file\": \"f\"}}", want3), -1);
}

/* ---- round trip ------------------------------------------------------------------ */

typedef struct sub {
    redisContext *c;
    char channel[64];
} sub;

static void subscribe(sub *s, const test_redis *r, const char *channel)
{
    s->c = tr_connect(r);
    cr_assert_not_null(s->c);
    snprintf(s->channel, sizeof s->channel, "%s", channel);
    redisReply *rep = redisCommand(s->c, "SUBSCRIBE %s %s:info %s:warning %s:critical", channel, channel, channel,
                                   channel);
    cr_assert_not_null(rep);
    freeReplyObject(rep);
    for (int i = 0; i < 3; i++) { /* the other three confirmations */
        cr_assert_eq(redisGetReply(s->c, (void **)&rep), REDIS_OK);
        freeReplyObject(rep);
    }
}

Test(sink_redis, round_trip_every_alert_in_the_stream_and_on_the_channels)
{
    test_redis own, r;
    int mine = tr_shared(&r) != 0;
    if (mine) {
        cr_assert_eq(tr_start(&own, NULL, 0, 0), 0, "cannot start redis-server");
        r = own;
    }
    char stream[64];
    snprintf(stream, sizeof stream, "swtest:%d:roundtrip", (int)getpid());
    sub s;
    subscribe(&s, &r, stream);
    const char *cfg = write_config("rt.json", r.url, stream, NULL, NULL);
    const char *argv[] = { "shockd", "-c", cfg, "--replay", SESSION, NULL };
    int rc = run_shockd("rt", argv, NULL, 120000);
    char *err = sw_test_slurp(tpath("rt.err"));
    cr_assert_eq(rc, 0, "stderr: %s", err);
    cr_expect_null(strstr(err, "unconfirmed"), "%s", err);
    free(err);

    redisContext *c = tr_connect(&r);
    cr_assert_not_null(c);
    expect_stream_equals_stdout(c, stream, tpath("rt.out"), 20);

    /* Fields as documented, in order, and consistent with the JSON. */
    static entry es[MAX_ALERTS];
    size_t ne = read_stream(c, stream, es, MAX_ALERTS);
    size_t by_sev[3] = { 0 };
    for (size_t i = 0; i < ne; i++) {
        cr_expect_str_eq(es[i].order, "id symbol severity detector json");
        char v[64];
        json_field(es[i].json, "symbol", v, sizeof v);
        cr_expect_str_eq(es[i].symbol, v);
        json_field(es[i].json, "severity", v, sizeof v);
        cr_expect_str_eq(es[i].severity, v);
        json_field(es[i].json, "detector", v, sizeof v);
        cr_expect_str_eq(es[i].detector, v);
    }
    for (size_t i = 0; i < ne; i++)
        by_sev[!strcmp(es[i].severity, "info") ? 0 : !strcmp(es[i].severity, "warning") ? 1 : 2]++;
    cr_expect_gt(by_sev[0], 0, "the config produces info alerts (resolved)");
    cr_expect_gt(by_sev[2], 0);

    /* Pub/Sub: every JSON on the channel, in order, and on <channel>:<severity>. */
    size_t got_main = 0, got_sev[3] = { 0 };
    redisSetTimeout(s.c, (struct timeval){ 5, 0 });
    while (got_main + got_sev[0] + got_sev[1] + got_sev[2] < 2 * ne) {
        redisReply *m;
        if (redisGetReply(s.c, (void **)&m) != REDIS_OK)
            break;
        cr_assert_eq(m->type, REDIS_REPLY_ARRAY);
        const char *ch = m->element[1]->str, *msg = m->element[2]->str;
        if (strcmp(ch, stream) == 0) {
            cr_expect_str_eq(msg, es[got_main].json, "message %zu on %s", got_main, ch);
            got_main++;
        } else {
            char sev[16];
            json_field(msg, "severity", sev, sizeof sev);
            char want[96];
            snprintf(want, sizeof want, "%s:%s", stream, sev);
            cr_expect_str_eq(ch, want);
            got_sev[!strcmp(sev, "info") ? 0 : !strcmp(sev, "warning") ? 1 : 2]++;
        }
        freeReplyObject(m);
    }
    cr_expect_eq(got_main, ne);
    for (int k = 0; k < 3; k++)
        cr_expect_eq(got_sev[k], by_sev[k], "severity %d", k);
    free_entries(es, ne);
    cr_expect_eq(file_size(tpath("state/spool.ndjson")), 0, "spool empty after the drain");
    redisReply *del = redisCommand(c, "DEL %s", stream);
    freeReplyObject(del);
    redisFree(c);
    redisFree(s.c);
    if (mine)
        tr_destroy(&own);
}

/* ---- outage ---------------------------------------------------------------------- */

Test(sink_redis, outage_in_the_middle_of_a_paced_replay_loses_and_repeats_nothing)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 1), 0, "cannot start redis-server");
    const char *cfg = write_config("out.json", r.url, "shockwatch:alerts", NULL, ", \"shutdown_timeout\": \"60s\"");
    const char *argv[] = { "shockd", "-c", cfg, "--replay", SESSION, "--speed", "1000", NULL };
    pid_t pid = spawn_shockd("out", argv, NULL);
    const char *out = tpath("out.out");

    /* Some alerts through, then Redis goes away... */
    cr_assert(wait_lines(out, 20, 60000), "no alerts from the paced replay");
    tr_stop(&r);
    size_t at_stop = count_lines(out);
    /* ...while at least five more alerts are produced (they can only be
     * spooled), then it comes back with its data. */
    cr_assert(wait_lines(out, at_stop + 5, 60000), "no alerts during the outage");
    cr_assert_eq(tr_restart(&r), 0, "redis-server did not come back");
    size_t at_restart = count_lines(out);

    int rc = wait_exit(pid, 120000);
    char *err = sw_test_slurp(tpath("out.err"));
    cr_assert_eq(rc, 0, "stderr: %s", err);
    cr_expect_not_null(strstr(err, "Connection refused"), "the outage was noticed: %s", err);
    cr_expect_not_null(strstr(err, "connected after"), "and the reconnect: %s", err);
    cr_expect_null(strstr(err, "unconfirmed"), "%s", err);
    free(err);
    cr_expect_gt(count_lines(out), at_restart, "alerts after the outage too");

    redisContext *c = tr_connect(&r);
    cr_assert_not_null(c);
    expect_stream_equals_stdout(c, "shockwatch:alerts", out, 40);
    redisFree(c);
    cr_expect_eq(file_size(tpath("state/spool.ndjson")), 0, "spool empty");
    tr_destroy(&r);
}

/* ---- crash --------------------------------------------------------------------- */

Test(sink_redis, a_spool_left_by_kill_9_drains_at_the_next_start)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0);
    tr_stop(&r); /* down while the first shockd runs */
    const char *cfg = write_config("crash.json", r.url, "shockwatch:alerts", NULL, ", \"shutdown_timeout\": \"120s\"");
    const char *argv[] = { "shockd", "-c", cfg, "--replay", SESSION, NULL };
    pid_t pid = spawn_shockd("crash1", argv, NULL);
    /* The replay is over and shockd waits for Redis with everything spooled. */
    cr_assert(wait_text(tpath("crash1.err"), "waiting up to", 60000), "shockd did not reach its drain");
    size_t n = count_lines(tpath("crash1.out"));
    cr_assert_gt(n, 20);
    cr_assert(wait_lines(tpath("state/spool.ndjson"), n, 10000));
    kill(pid, SIGKILL);
    cr_expect_eq(wait_exit(pid, 10000), 128 + SIGKILL);
    cr_expect_eq(count_lines(tpath("state/spool.ndjson")), n);

    cr_assert_eq(tr_restart(&r), 0);
    write_file(tpath("quiet.ndjson"), "{\"type\":\"ping\"}\n");
    const char *argv2[] = { "shockd", "-c", cfg, "--replay", tpath("quiet.ndjson"), NULL };
    int rc = run_shockd("crash2", argv2, NULL, 60000);
    char *err = sw_test_slurp(tpath("crash2.err"));
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect(sw_test_says(err, (long)n, "unconfirmed alerts from a previous run"), "%zu: %s", n, err);
    free(err);
    redisContext *c = tr_connect(&r);
    cr_assert_not_null(c);
    expect_stream_equals_stdout(c, "shockwatch:alerts", tpath("crash1.out"), 20);
    redisFree(c);
    cr_expect_eq(file_size(tpath("state/spool.ndjson")), 0);
    tr_destroy(&r);
}

Test(sink_redis, a_torn_spool_line_is_reported_and_skipped)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0);
    const char *cfg = write_config("torn.json", r.url, "shockwatch:alerts", NULL, NULL);
    char dir[160];
    snprintf(dir, sizeof dir, "%s/state", tmpdir);
    mkdir(dir, 0700);
    write_file(tpath("state/spool.ndjson"),
               "{\"v\":1,\"id\":\"00000000000000a1\",\"symbol\":\"NVDA\",\"detector\":\"pct_move\",\"severity\":\"critical\"}\n"
               "{\"v\":1,\"id\":\"00000000000000a2\",\"symbol\":\"AMD\",\"detector\":\"pct_move\",\"severity\":\"warning\"}\n"
               "{\"v\":1,\"id\":\"00000000000000a3\",\"sym");
    write_file(tpath("quiet.ndjson"), "{\"type\":\"ping\"}\n");
    const char *argv[] = { "shockd", "-c", cfg, "--replay", tpath("quiet.ndjson"), NULL };
    int rc = run_shockd("torn", argv, NULL, 60000);
    char *err = sw_test_slurp(tpath("torn.err"));
    cr_assert_eq(rc, 0, "%s", err);
    char want[256];
    snprintf(want, sizeof want, "%s/state/spool.ndjson:3: incomplete last line (35 bytes, no newline", tmpdir);
    cr_expect_not_null(strstr(err, want), "%s", err);
    free(err);
    redisContext *c = tr_connect(&r);
    static entry es[8];
    size_t n = read_stream(c, "shockwatch:alerts", es, 8);
    cr_expect_eq(n, 2);
    if (n == 2) {
        cr_expect_str_eq(es[0].id, "00000000000000a1");
        cr_expect_str_eq(es[1].id, "00000000000000a2");
        cr_expect_str_eq(es[1].severity, "warning");
    }
    free_entries(es, n);
    redisFree(c);
    tr_destroy(&r);
}

Test(sink_redis, alerts_already_in_the_stream_are_not_sent_again)
{
    /* What a lost XADD reply leaves behind: the first alerts of the spool are
     * in the stream already. */
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0);
    redisContext *c = tr_connect(&r);
    for (int i = 1; i <= 2; i++) {
        redisReply *rep = redisCommand(c, "XADD shockwatch:alerts * id 00000000000000b%d symbol X", i);
        freeReplyObject(rep);
    }
    const char *cfg = write_config("dup.json", r.url, "shockwatch:alerts", NULL, NULL);
    char dir[160];
    snprintf(dir, sizeof dir, "%s/state", tmpdir);
    mkdir(dir, 0700);
    char spool[1024] = "";
    for (int i = 1; i <= 4; i++) {
        size_t used = strlen(spool);
        snprintf(spool + used, sizeof spool - used,
                 "{\"v\":1,\"id\":\"00000000000000b%d\",\"symbol\":\"X\",\"detector\":\"d\",\"severity\":\"info\"}\n", i);
    }
    write_file(tpath("state/spool.ndjson"), spool);
    write_file(tpath("quiet.ndjson"), "{\"type\":\"ping\"}\n");
    const char *argv[] = { "shockd", "-c", cfg, "--replay", tpath("quiet.ndjson"), NULL };
    int rc = run_shockd("dup", argv, NULL, 60000);
    char *err = sw_test_slurp(tpath("dup.err"));
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect(sw_test_says(err, 2, "alerts are already among the last entries"), "%s", err);
    free(err);
    static entry es[8];
    size_t n = read_stream(c, "shockwatch:alerts", es, 8);
    cr_assert_eq(n, 4);
    for (int i = 0; i < 4; i++) {
        char want[24];
        snprintf(want, sizeof want, "00000000000000b%d", i + 1);
        cr_expect_str_eq(es[i].id, want);
    }
    free_entries(es, n);
    redisFree(c);
    tr_destroy(&r);
}

Test(sink_redis, a_refused_xadd_keeps_the_alerts_and_backs_off)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0);
    redisContext *c = tr_connect(&r);
    redisReply *rep = redisCommand(c, "SET shockwatch:alerts not-a-stream");
    freeReplyObject(rep);
    const char *cfg = write_config("wt.json", r.url, "shockwatch:alerts", NULL, ", \"shutdown_timeout\": \"3s\"");
    const char *argv[] = { "shockd", "-c", cfg, "--replay", SESSION, NULL };
    int rc = run_shockd("wt", argv, NULL, 60000);
    char *err = sw_test_slurp(tpath("wt.err"));
    cr_expect_eq(rc, 0, "%s", err);
    cr_expect_not_null(strstr(err, "the alert script on shockwatch:alerts refused: WRONGTYPE"), "%s", err);
    cr_expect_not_null(strstr(err, "alerts unconfirmed, kept for the next start"), "%s", err);
    size_t refusals = 0;
    for (const char *p = strstr(err, "refused: WRONGTYPE"); p; p = strstr(p + 1, "refused: WRONGTYPE"))
        refusals++;
    cr_expect(refusals >= 1 && refusals <= 8, "%zu refusals in 3 s: %s", refusals, err);
    free(err);
    size_t n = count_lines(tpath("wt.out"));
    cr_expect_eq(count_lines(tpath("state/spool.ndjson")), n);
    /* The key fixed, the next start delivers everything. */
    rep = redisCommand(c, "DEL shockwatch:alerts");
    freeReplyObject(rep);
    write_file(tpath("quiet.ndjson"), "{\"type\":\"ping\"}\n");
    const char *argv2[] = { "shockd", "-c", cfg, "--replay", tpath("quiet.ndjson"), NULL };
    rc = run_shockd("wt2", argv2, NULL, 60000);
    cr_expect_eq(rc, 0);
    expect_stream_equals_stdout(c, "shockwatch:alerts", tpath("wt.out"), 20);
    redisFree(c);
    tr_destroy(&r);
}

/* ---- password and socket ----------------------------------------------------------- */

Test(sink_redis, a_wrong_password_is_a_clear_error_with_backoff_then_the_right_one_drains)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, "c0rrect-horse", 0, 0), 0);
    char url[160];
    snprintf(url, sizeof url, "redis://:wr0ng-horse@127.0.0.1:%d", r.port);
    const char *cfg = write_config("pw.json", url, "shockwatch:alerts", NULL, ", \"shutdown_timeout\": \"3s\"");
    const char *argv[] = { "shockd", "-c", cfg, "--replay", SESSION, NULL };
    int rc = run_shockd("pw", argv, NULL, 60000);
    char *err = sw_test_slurp(tpath("pw.err"));
    cr_expect_eq(rc, 0, "%s", err);
    cr_expect_not_null(strstr(err, "AUTH refused: WRONGPASS"), "%s", err);
    cr_expect_not_null(strstr(err, "alerts unconfirmed, kept for the next start"), "%s", err);
    cr_expect_null(strstr(err, "wr0ng-horse"), "the password was logged: %s", err);
    size_t refusals = 0;
    for (const char *p = strstr(err, "AUTH refused"); p; p = strstr(p + 1, "AUTH refused"))
        refusals++;
    /* Backoff from 1 s doubling (full jitter): a handful in 3 s, not a storm. */
    cr_expect(refusals >= 1 && refusals <= 8, "%zu AUTH refusals in 3 s: %s", refusals, err);
    free(err);
    size_t n = count_lines(tpath("pw.out"));
    cr_expect_eq(count_lines(tpath("state/spool.ndjson")), n, "everything waits in the spool");

    /* The right password from a credentials file ($CREDENTIALS_DIRECTORY). */
    write_file(tpath("redis-pass"), "c0rrect-horse\n");
    cr_assert_eq(chmod(tpath("redis-pass"), 0600), 0, "a credential file is its owner's only");
    const char *cfg2 = write_config("pw2.json", r.url, "shockwatch:alerts", ", \"password_file\": \"redis-pass\"",
                                    NULL);
    write_file(tpath("quiet.ndjson"), "{\"type\":\"ping\"}\n");
    static char env[200];
    snprintf(env, sizeof env, "CREDENTIALS_DIRECTORY=%s", tmpdir);
    const char *argv2[] = { "shockd", "-c", cfg2, "--replay", tpath("quiet.ndjson"), NULL };
    rc = run_shockd("pw2", argv2, env, 60000);
    err = sw_test_slurp(tpath("pw2.err"));
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_null(strstr(err, "c0rrect-horse"), "%s", err);
    free(err);
    redisContext *c = tr_connect(&r);
    cr_assert_not_null(c);
    expect_stream_equals_stdout(c, "shockwatch:alerts", tpath("pw.out"), 20);
    redisFree(c);
    tr_destroy(&r);
}

Test(sink_redis, unix_socket_with_a_database)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 1, 0), 0);
    char url[200];
    snprintf(url, sizeof url, "unix://%s?db=3", r.sock);
    const char *cfg = write_config("unix.json", url, "shockwatch:alerts", NULL, NULL);
    const char *argv[] = { "shockd", "-c", cfg, "--replay", SESSION, NULL };
    int rc = run_shockd("unix", argv, NULL, 60000);
    char *err = sw_test_slurp(tpath("unix.err"));
    cr_assert_eq(rc, 0, "%s", err);
    char want[200];
    snprintf(want, sizeof want, "redis unix:%s?db=3: connected", r.sock);
    cr_expect_not_null(strstr(err, want), "%s", err);
    free(err);
    redisContext *c = tr_connect(&r);
    cr_assert_not_null(c);
    redisReply *rep = redisCommand(c, "XLEN shockwatch:alerts");
    cr_expect_eq(rep->integer, 0, "nothing in db 0");
    freeReplyObject(rep);
    rep = redisCommand(c, "SELECT 3");
    freeReplyObject(rep);
    expect_stream_equals_stdout(c, "shockwatch:alerts", tpath("unix.out"), 20);
    redisFree(c);
    tr_destroy(&r);
}

/* ---- the client's timeouts, in process ------------------------------------------ */

typedef tr_probe probe;




static void run_until(uv_loop_t *loop, int (*done)(probe *), probe *p, int timeout_ms)
{
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    while (!done(p) && tr_now_ms() < deadline)
        uv_run(loop, UV_RUN_ONCE);
}

static int is_connected(probe *p)
{
    return p->connected > 0;
}

static int timed_out(probe *p)
{
    return p->r.stats.timeouts > 0;
}

static int reconnected(probe *p)
{
    return p->connected >= 2 && p->replies >= 1;
}

static void probe_init(probe *p, uv_loop_t *loop, const char *url, uint64_t connect_ms, uint64_t command_ms)
{
    memset(p, 0, sizeof *p);
    sw_redis_options o;
    memset(&o, 0, sizeof o);
    char err[256];
    cr_assert_eq(sw_redis_url_parse(url, &o.url, err, sizeof err), 0, "%s", err);
    o.connect_timeout_ms = connect_ms;
    o.command_timeout_ms = command_ms;
    o.backoff_min_ms = 10;
    o.backoff_max_ms = 50;
    o.on_state = tr_probe_state;
    o.ctx = p;
    cr_assert_eq(sw_redis_init(&p->r, loop, &o), 0);
}

static void probe_fini(probe *p, uv_loop_t *loop)
{
    sw_redis_close(&p->r, tr_probe_closed);
    uv_run(loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(loop), 0, "handles left open");
}

Test(sink_redis, connect_timeout_against_a_server_that_never_answers)
{
    /* A listening socket nobody accepts from: TCP connects (backlog), the
     * handshake never gets a reply. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 8), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", ntohs(a.sin_port));
    sw_log_set_level(SW_LOG_ERROR);
    uv_loop_t loop;
    uv_loop_init(&loop);
    probe p;
    /* The command timeout is far longer than the connect timeout, so any
     * timeout well before it is the connect timeout (a generous window: a
     * loaded machine only makes it later). */
    probe_init(&p, &loop, url, 200, 20000);
    uint64_t t0 = tr_now_ms();
    sw_redis_start(&p.r);
    run_until(&loop, timed_out, &p, 15000);
    uint64_t took = tr_now_ms() - t0;
    cr_expect_eq(p.r.stats.timeouts, 1, "connect timeout seen");
    cr_expect(took >= 190 && took < 15000, "timed out after %llu ms", (unsigned long long)took);
    cr_expect_eq(p.connected, 0);
    probe_fini(&p, &loop);
    close(fd);
}

Test(sink_redis, command_timeout_drops_a_silent_connection_and_reconnects)
{
    test_redis tr;
    cr_assert_eq(tr_start(&tr, NULL, 0, 0), 0);
    sw_log_set_level(SW_LOG_ERROR);
    uv_loop_t loop;
    uv_loop_init(&loop);
    probe p;
    probe_init(&p, &loop, tr.url, 5000, 300);
    sw_redis_start(&p.r);
    run_until(&loop, is_connected, &p, 5000);
    cr_assert_eq(p.connected, 1);
    /* Redis stops answering everyone for 4 s: the PING below must be sent
     * and time out (300 ms) within the pause even on a loaded machine. */
    redisContext *c = tr_connect(&tr);
    redisReply *rep = redisCommand(c, "CLIENT PAUSE 4000 ALL");
    cr_assert(rep && rep->type == REDIS_REPLY_STATUS);
    freeReplyObject(rep);
    redisFree(c);
    const char *argv[] = { "PING" };
    size_t lens[] = { 4 };
    cr_assert_eq(sw_redis_command(&p.r, tr_probe_reply, &p, 1, argv, lens), 0);
    run_until(&loop, timed_out, &p, 5000);
    cr_expect_geq(p.r.stats.timeouts, 1);
    cr_expect_eq(p.lost, 1);
    cr_expect_eq(p.null_replies, 1, "the unanswered command is reported with NULL");
    /* After the pause: connected again, commands answered. */
    uint64_t deadline = tr_now_ms() + 15000;
    while (p.connected < 2 && tr_now_ms() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    cr_assert_eq(p.connected, 2);
    cr_assert_eq(sw_redis_command(&p.r, tr_probe_reply, &p, 1, argv, lens), 0);
    run_until(&loop, reconnected, &p, 5000);
    cr_expect_eq(p.replies, 1);
    probe_fini(&p, &loop);
    tr_destroy(&tr);
}

/* hiredis 0.14 keeps whole replies; with max_string a bulk string is cut as
 * its reply object is made, and sw_redis_reply_len still says how long it
 * was (shock-notify dead-letters such an entry rather than using a part). */
typedef struct capped {
    int n;
    size_t len[4], full[4];
    char head[4][32];
    int type[4];
} capped;

static capped cap_seen;

static void cap_reply(void *privdata, sw_redis *r, const redisReply *rep)
{
    (void)privdata;
    (void)r;
    if (!rep || cap_seen.n >= 4)
        return;
    const redisReply *v = rep->type == REDIS_REPLY_ARRAY && rep->elements ? rep->element[0] : rep;
    int i = cap_seen.n++;
    cap_seen.type[i] = v->type;
    cap_seen.len[i] = v->len;
    cap_seen.full[i] = sw_redis_reply_len(v);
    snprintf(cap_seen.head[i], sizeof cap_seen.head[i], "%.*s", (int)(v->len < 31 ? v->len : 31), v->str ? v->str : "");
}

static int three_replies(probe *p)
{
    (void)p;
    return cap_seen.n >= 3;
}

Test(sink_redis, long_bulk_strings_are_cut_as_the_reply_is_built)
{
    test_redis tr;
    cr_assert_eq(tr_start(&tr, NULL, 0, 0), 0);
    redisContext *c = tr_connect(&tr);
    static char big[100000];
    memset(big, 'b', sizeof big);
    redisReply *rep = redisCommand(c, "SET big %b", big, sizeof big);
    cr_assert(rep && rep->type == REDIS_REPLY_STATUS);
    freeReplyObject(rep);
    rep = redisCommand(c, "RPUSH list short %b", big, sizeof big);
    cr_assert(rep && rep->type == REDIS_REPLY_INTEGER);
    freeReplyObject(rep);
    redisFree(c);
    sw_log_set_level(SW_LOG_ERROR);
    uv_loop_t loop;
    uv_loop_init(&loop);
    probe p;
    probe_init(&p, &loop, tr.url, 5000, 5000);
    p.r.o.max_string = 16;
    sw_redis_start(&p.r);
    run_until(&loop, is_connected, &p, 5000);
    cr_assert_eq(p.connected, 1);
    memset(&cap_seen, 0, sizeof cap_seen);
    const char *get[] = { "GET", "big" }, *lr[] = { "LRANGE", "list", "0", "-1" }, *bad[] = { "NOSUCHCOMMAND", "x" };
    size_t gl[] = { 3, 3 }, ll[] = { 6, 4, 1, 2 }, bl[] = { 13, 1 };
    cr_assert_eq(sw_redis_command(&p.r, cap_reply, NULL, 2, get, gl), 0);
    cr_assert_eq(sw_redis_command(&p.r, cap_reply, NULL, 4, lr, ll), 0);
    cr_assert_eq(sw_redis_command(&p.r, cap_reply, NULL, 2, bad, bl), 0);
    run_until(&loop, three_replies, &p, 5000);
    cr_assert_eq(cap_seen.n, 3);
    cr_expect_eq(cap_seen.len[0], 16u, "kept: the first 16 bytes");
    cr_expect_eq(cap_seen.full[0], sizeof big, "the length Redis sent");
    cr_expect_str_eq(cap_seen.head[0], "bbbbbbbbbbbbbbbb");
    cr_expect_eq(cap_seen.len[1], 5u, "a short string is whole");
    cr_expect_eq(cap_seen.full[1], 5u);
    cr_expect_eq(cap_seen.type[2], REDIS_REPLY_ERROR);
    cr_expect_gt(cap_seen.len[2], 16u, "an error line is kept whole");
    probe_fini(&p, &loop);
    tr_destroy(&tr);
}

/* ---- a full disk under the spool ---------------------------------------------- */

static void set_file_limit(rlim_t bytes)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = bytes;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* redis-server started by this test process must not inherit the limit. */
static void child_unlimited(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_FSIZE, &rl);
    }
}

typedef struct held_run {
    uv_loop_t loop;
    sw_sink *sink;
    int closed;
} held_run;

static void held_closed(void *ctx, sw_sink *s)
{
    (void)s;
    ((held_run *)ctx)->closed = 1;
}

static void run_loop_ms(held_run *h, int ms)
{
    uint64_t end = tr_now_ms() + (uint64_t)ms;
    while (tr_now_ms() < end) {
        uv_run(&h->loop, UV_RUN_NOWAIT);
        tr_pause_ms(2);
    }
}

static void deliver_alert(held_run *h, unsigned i)
{
    sw_alert a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "%016x", i);
    a.ts_ns = INT64_C(1737988200000000000) + (int64_t)i * 1000000000;
    snprintf(a.symbol, sizeof a.symbol, "NVDA");
    snprintf(a.detector, sizeof a.detector, "pct_move");
    snprintf(a.window, sizeof a.window, "prev_close");
    a.severity = i % 3 == 0 ? SW_SEV_CRITICAL : i % 3 == 1 ? SW_SEV_WARNING : SW_SEV_INFO;
    a.direction = -1;
    a.price = 118.42;
    a.reference = 142.62;
    a.change_pct = -16.97;
    a.zscore = NAN;
    snprintf(a.message, sizeof a.message, "alert %u", i);
    char json[SW_ALERT_JSON_MAX];
    cr_assert_gt(sw_alert_to_json(&a, json, sizeof json), 0);
    cr_assert_eq(h->sink->deliver(h->sink, &a, json, strlen(json)), 0, "alert %u refused", i);
}

Test(sink_redis, a_full_disk_while_redis_is_down_holds_alerts_and_delivers_them_all_in_order)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0);
    tr_stop(&r); /* down from the start */
    cr_assert_eq(pthread_atfork(NULL, NULL, child_unlimited), 0);
    signal(SIGXFSZ, SIG_IGN); /* as shockd does */
    sw_log_set_level(SW_LOG_ERROR);

    sw_redis_sink_params p;
    sw_redis_sink_defaults(&p);
    free(p.url);
    p.url = strdup(r.url);
    p.fsync = SW_REDIS_FSYNC_ALWAYS;
    p.connect_timeout_ns = INT64_C(500000000);
    held_run h;
    memset(&h, 0, sizeof h);
    cr_assert_eq(uv_loop_init(&h.loop), 0);
    h.sink = sw_sink_redis_new(&p, tpath("state"), NULL);
    sw_redis_sink_params_free(&p);
    cr_assert_not_null(h.sink);
    cr_assert_eq(h.sink->start(h.sink, &h.loop), 0);

    /* Three alerts reach the spool file; then the disk is full. */
    for (unsigned i = 1; i <= 3; i++)
        deliver_alert(&h, i);
    const char *spool = tpath("state/spool.ndjson");
    long full = file_size(spool);
    cr_assert_gt(full, 0);
    set_file_limit((rlim_t)full);
    for (unsigned i = 4; i <= 43; i++)
        deliver_alert(&h, i);
    run_loop_ms(&h, 300);
    sw_sink_redis_stats st;
    sw_sink_redis_get_stats(h.sink, &st);
    cr_expect_eq(st.held, 40);
    cr_expect_eq(st.held_now, 40);
    cr_expect_eq(st.spooled, 43);
    cr_expect_eq(file_size(spool), full, "the file did not grow");
    cr_expect_eq(h.sink->pending(h.sink), 43);

    /* Redis comes back while the disk is still full: everything is sent,
     * the held alerts from memory, in the order they were produced. */
    cr_assert_eq(tr_spawn(&r), 0, "redis-server did not come back");
    uint64_t deadline = tr_now_ms() + 30000;
    while (h.sink->pending(h.sink) > 0 && tr_now_ms() < deadline)
        run_loop_ms(&h, 20);
    sw_sink_redis_get_stats(h.sink, &st);
    cr_expect_eq(h.sink->pending(h.sink), 0, "not confirmed: %zu", h.sink->pending(h.sink));
    cr_expect_eq(st.confirmed, 43);
    cr_expect_eq(st.held_now, 0);
    cr_expect_eq(st.held_written, 0, "sent from memory, never written");

    redisContext *c = tr_connect(&r);
    cr_assert_not_null(c);
    entry e[64];
    size_t n = read_stream(c, "shockwatch:alerts", e, 64);
    cr_expect_eq(n, 43);
    for (size_t i = 0; i < n; i++) {
        char want[24];
        snprintf(want, sizeof want, "%016zx", i + 1);
        cr_expect_str_eq(e[i].id, want, "entry %zu", i);
    }
    free_entries(e, n);
    redisFree(c);

    set_file_limit(RLIM_INFINITY);
    h.sink->close(h.sink, held_closed, &h);
    while (!h.closed)
        uv_run(&h.loop, UV_RUN_ONCE);
    sw_sink_redis_get_stats(h.sink, &st);
    cr_expect_eq(st.held_lost, 0);
    h.sink->destroy(h.sink);
    uv_run(&h.loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&h.loop), 0);
    tr_destroy(&r);
}

/* ---- active-active: the alert script ---------------------------------------------- */

static sw_sink *new_sink(held_run *h, const char *url, const char *state, int replicas_ack)
{
    sw_redis_sink_params p;
    sw_redis_sink_defaults(&p);
    free(p.url);
    p.url = strdup(url);
    p.replicas_ack = replicas_ack;
    p.replicas_timeout_ns = INT64_C(200000000);
    sw_sink *s = sw_sink_redis_new(&p, tpath(state), NULL);
    sw_redis_sink_params_free(&p);
    cr_assert_not_null(s);
    cr_assert_eq(s->start(s, &h->loop), 0);
    return s;
}

static void close_sink(held_run *h, sw_sink *s)
{
    h->closed = 0;
    s->close(s, held_closed, h);
    while (!h->closed)
        uv_run(&h->loop, UV_RUN_ONCE);
    s->destroy(s);
}

static int wait_pending(held_run *h, sw_sink *s, size_t want, int timeout_ms)
{
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    while (s->pending(s) != want && tr_now_ms() < deadline)
        run_loop_ms(h, 10);
    return s->pending(s) == want;
}

static long long xlen(redisContext *c, const char *stream)
{
    redisReply *rep = redisCommand(c, "XLEN %s", stream);
    long long n = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
    if (rep)
        freeReplyObject(rep);
    return n;
}

Test(sink_redis, two_sinks_with_the_same_alert_write_one_entry_and_count_the_other_as_deduplicated)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0);
    sw_log_set_level(SW_LOG_ERROR);
    held_run h;
    memset(&h, 0, sizeof h);
    cr_assert_eq(uv_loop_init(&h.loop), 0);
    /* Two shockd of an active-active pair: two spools, two connections. */
    sw_sink *a = new_sink(&h, r.url, "state-a", 0), *b = new_sink(&h, r.url, "state-b", 0);
    h.sink = a;
    deliver_alert(&h, 7);
    cr_assert(wait_pending(&h, a, 0, 30000), "a did not confirm");
    h.sink = b;
    deliver_alert(&h, 7);
    cr_assert(wait_pending(&h, b, 0, 30000), "b did not confirm");
    sw_sink_redis_stats sa, sb;
    sw_sink_redis_get_stats(a, &sa);
    sw_sink_redis_get_stats(b, &sb);
    cr_expect_eq(sa.confirmed, 1);
    cr_expect_eq(sa.deduplicated, 0);
    cr_expect_eq(sa.published, 2, "the writer published on both channels");
    cr_expect_eq(sb.confirmed, 1, "the no-op counts as confirmed");
    cr_expect_eq(sb.deduplicated, 1);
    cr_expect_eq(sb.published, 0, "the copy publishes nothing");

    redisContext *c = tr_connect(&r);
    cr_assert_not_null(c);
    cr_expect_eq(xlen(c, "shockwatch:alerts"), 1, "one entry for the alert");
    /* The key follows the stream's name and names its producer (a's). */
    redisReply *rep = redisCommand(c, "GET shockwatch:alerts:id:0000000000000007");
    cr_assert(rep && rep->type == REDIS_REPLY_STRING, "no dedupe key");
    cr_expect_eq(rep->len, 16);
    freeReplyObject(rep);
    rep = redisCommand(c, "TTL shockwatch:alerts:id:0000000000000007");
    cr_expect(rep && rep->type == REDIS_REPLY_INTEGER && rep->integer > 86000 && rep->integer <= 86400,
              "dedupe_ttl 24 h by default");
    freeReplyObject(rep);

    /* A resend by the producer itself (reply lost) is not another's copy. */
    h.sink = a;
    deliver_alert(&h, 7);
    cr_assert(wait_pending(&h, a, 0, 30000));
    sw_sink_redis_get_stats(a, &sa);
    cr_expect_eq(sa.deduplicated, 0, "our own copy is not counted as deduplicated");
    cr_expect_eq(sa.resend_skipped, 1);
    cr_expect_eq(xlen(c, "shockwatch:alerts"), 1);

    /* The script is gone from the server (SCRIPT FLUSH): NOSCRIPT, then EVAL,
     * and nothing is lost. */
    freeReplyObject(redisCommand(c, "SCRIPT FLUSH"));
    h.sink = b;
    deliver_alert(&h, 8);
    cr_assert(wait_pending(&h, b, 0, 30000), "the alert after SCRIPT FLUSH was not confirmed");
    sw_sink_redis_get_stats(b, &sb);
    cr_expect_eq(sb.noscript, 1);
    cr_expect_eq(xlen(c, "shockwatch:alerts"), 2);
    redisFree(c);
    close_sink(&h, a);
    close_sink(&h, b);
    uv_run(&h.loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&h.loop), 0);
    tr_destroy(&r);
}

/* ---- replicas_ack: WAIT ------------------------------------------------------------- */

Test(sink_redis, replicas_ack_keeps_alerts_in_the_spool_until_a_replica_has_them)
{
    test_redis m, rep_srv;
    cr_assert_eq(tr_start(&m, NULL, 0, 0), 0);
    sw_log_set_level(SW_LOG_ERROR);
    held_run h;
    memset(&h, 0, sizeof h);
    cr_assert_eq(uv_loop_init(&h.loop), 0);
    sw_sink *s = new_sink(&h, m.url, "state", 1);
    h.sink = s;

    /* No replica: the alerts are written, and stay in the spool. */
    for (unsigned i = 1; i <= 5; i++)
        deliver_alert(&h, i);
    redisContext *c = tr_connect(&m);
    cr_assert_not_null(c);
    uint64_t deadline = tr_now_ms() + 30000;
    sw_sink_redis_stats st;
    do {
        run_loop_ms(&h, 20);
        sw_sink_redis_get_stats(s, &st);
    } while ((xlen(c, "shockwatch:alerts") < 5 || st.wait_short < 2) && tr_now_ms() < deadline);
    cr_expect_eq(xlen(c, "shockwatch:alerts"), 5, "written to the master");
    cr_expect_geq(st.wait_short, 2, "WAIT asked again after each short answer");
    cr_expect_eq(s->pending(s), 5, "not delivered without a replica");
    cr_expect_eq(st.unreplicated, 5);
    cr_expect_eq(st.confirmed, 0);

    /* A replica joins: everything is released, and it has every alert. */
    cr_assert_eq(tr_start_replica(&rep_srv, &m), 0);
    cr_assert(wait_pending(&h, s, 0, 60000), "still %zu pending with a replica", s->pending(s));
    sw_sink_redis_get_stats(s, &st);
    cr_expect_eq(st.confirmed, 5);
    cr_expect_eq(st.unreplicated, 0);
    redisContext *rc = tr_connect(&rep_srv);
    cr_assert_not_null(rc);
    cr_expect_eq(xlen(rc, "shockwatch:alerts"), 5, "the replica has them");

    /* With the replica present an alert goes through (a loaded machine may
     * still need a second WAIT: only the outcome is checked). */
    deliver_alert(&h, 6);
    cr_assert(wait_pending(&h, s, 0, 30000));
    cr_expect_eq(xlen(rc, "shockwatch:alerts"), 6);
    redisFree(rc);
    redisFree(c);
    close_sink(&h, s);
    uv_run(&h.loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&h.loop), 0);
    tr_destroy(&rep_srv);
    tr_destroy(&m);
}
