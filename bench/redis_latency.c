/*
 * redis_latency.c -- how long an alert takes to get out through Redis.
 *
 * Ticks arrive at a steady rate (default 50 000/s, paced by a 1 ms uv timer
 * on the same kind of loop shockd runs) and go through a real sw_engine with
 * a bench detector that raises an alert every N ticks (default 100).  Each
 * alert is encoded as schema-v1 JSON and handed to the real `redis` sink
 * (spool append, XADD + 2 PUBLISH, written with a non-blocking write).
 *
 * Three figures, with p50/p99/p99.9/max:
 *   tick -> socket   from taking the tick off the loop to the alert's script
 *                    (XADD and 2 PUBLISH) being written to the socket
 *                    (hiredis's output buffer empty); goal p99 <= 200 us;
 *   tick -> subscriber  to a SUBSCRIBEd client (another thread, its own
 *                    connection) receiving the message; goal p99 <= 1 ms on
 *                    loopback;
 *   tick -> confirmed   to the sink counting the alert as delivered (it
 *                    leaves the spool): the script's reply, and with
 *                    --replicas-ack N the WAIT N after it.
 * With --replicas-ack N a private replica is started too (without --url) and
 * the whole measurement runs twice in the same run, replicas_ack 0 and then
 * N, so the cost of WAIT is read side by side.
 * Both clocks are CLOCK_MONOTONIC.  The first second is warm-up and not
 * counted.  Without --url a private redis-server is started (free loopback
 * port, no persistence) and stopped at the end.  Figures are printed; nothing
 * is asserted.
 *
 *   redis_latency [--url URL] [--seconds S] [--rate TICKS_PER_S] [--every N]
 *                 [--fsync everysec|always] [--replicas-ack N]
 */
#include "sw_test_redis.h" /* private redis-server, shared with the tests */

#include "sw_alert.h"
#include "sw_engine.h"
#include "sw_log.h"
#include "sw_sink_redis.h"

#include <hiredis/hiredis.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define N_SYMBOLS 100
#define CHANNEL "bench:alerts"
#define WARMUP_NS UINT64_C(1000000000)

static struct bench {
    double rate;
    unsigned every, seconds;
    sw_engine engine;
    sw_sink *sink;
    uv_loop_t loop;
    uv_timer_t pace;
    uv_check_t check;
    uint64_t t_start, t_end, ticks;
    uint64_t cur_t0;                  /* when the tick being processed was taken */
    size_t max_alerts, n_alerts;
    uint64_t *t0;                     /* per alert: tick taken */
    uint64_t *t_sock;                 /* per alert: bytes written to the socket */
    uint64_t *t_conf;                 /* per alert: confirmed (left the spool) */
    size_t confirmed_seen;
    _Atomic uint64_t *t_sub;          /* per alert: received by the subscriber */
    size_t unwritten_from;            /* alerts from here on wait for the socket */
    int drained, closed;
    unsigned counter;
    char names[N_SYMBOLS][8];
} B;

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the bench detector: an alert every N ticks --------------------------------- */

static void bd_defaults(void *p)
{
    (void)p;
}

static void bd_tick(sw_detector *d, sw_engine *e, sw_symbol *s, void *st, const sw_tick *t)
{
    (void)d;
    (void)st;
    if (++B.counter % B.every)
        return;
    char text[64];
    snprintf(text, sizeof text, "bench #%zu", B.n_alerts);
    sw_candidate c = {
        .kind = SW_CAND_FIRE, .symbol = s->name, .detector = "bench", .instance = 0,
        .severity = (sw_severity)(B.n_alerts % 3), .direction = -1, .ts_ns = t->ts_ns, .price = t->price,
        .reference = t->price * 1.1, .change_pct = -9.09, .zscore = NAN, .window = "prev_close", .text = text,
    };
    sw_engine_emit(e, &c);
}

static const sw_detector_type bench_type = {
    .name = "bench", .params_size = 1, .defaults = bd_defaults, .on_tick = bd_tick,
};

/* What shockd's deliver() does, minus the policy: build, encode, hand over. */
static void on_candidate(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    if (B.n_alerts >= B.max_alerts)
        return;
    sw_alert a;
    char json[SW_ALERT_JSON_MAX];
    sw_alert_from_candidate(&a, c, c->severity, 0);
    int len = sw_alert_to_json(&a, json, sizeof json);
    size_t i = B.n_alerts++;
    B.t0[i] = B.cur_t0;
    if (len < 0 || B.sink->deliver(B.sink, &a, json, (size_t)len) != 0) {
        fprintf(stderr, "redis_latency: alert %zu not taken\n", i);
        return;
    }
    if (sw_sink_redis_unwritten(B.sink) == 0) {
        uint64_t now = mono_ns();
        for (size_t k = B.unwritten_from; k <= i; k++)
            B.t_sock[k] = now;
        B.unwritten_from = i + 1;
    }
}

/* After each poll: alerts whose bytes were still queued are written now? */
static void on_check(uv_check_t *h)
{
    (void)h;
    uint64_t now = mono_ns();
    if (B.unwritten_from < B.n_alerts && sw_sink_redis_unwritten(B.sink) == 0) {
        for (size_t k = B.unwritten_from; k < B.n_alerts; k++)
            B.t_sock[k] = now;
        B.unwritten_from = B.n_alerts;
    }
    /* Confirmations come in order: the first `confirmed` alerts are out. */
    sw_sink_redis_stats st;
    sw_sink_redis_get_stats(B.sink, &st);
    for (; B.confirmed_seen < st.confirmed && B.confirmed_seen < B.n_alerts; B.confirmed_seen++)
        B.t_conf[B.confirmed_seen] = now;
}

static void on_pace(uv_timer_t *h)
{
    (void)h;
    uint64_t now = mono_ns();
    if (now - B.t_start >= (uint64_t)B.seconds * 1000000000u) {
        uv_timer_stop(&B.pace);
        B.t_end = now;
        return;
    }
    uint64_t due = (uint64_t)((double)(now - B.t_start) * B.rate / 1e9);
    for (; B.ticks < due; B.ticks++) {
        sw_tick t;
        memset(&t, 0, sizeof t);
        memcpy(t.symbol, B.names[B.ticks % N_SYMBOLS], sizeof B.names[0]);
        t.ts_ns = INT64_C(1737988200000000000) + (int64_t)(B.ticks * 20000);
        t.price = 100.0 + (double)(B.ticks % 50) * 0.01;
        t.size = 100;
        B.cur_t0 = mono_ns();
        sw_engine_tick(&B.engine, &t);
    }
}

/* ---- the subscriber --------------------------------------------------------------- */

static atomic_int sub_ready, sub_stop;
static test_redis server;

static void *subscriber(void *arg)
{
    (void)arg;
    redisContext *c = tr_connect(&server);
    if (!c) {
        fprintf(stderr, "redis_latency: subscriber cannot connect\n");
        atomic_store(&sub_ready, -1);
        return NULL;
    }
    redisReply *rep = redisCommand(c, "SUBSCRIBE " CHANNEL);
    if (rep)
        freeReplyObject(rep);
    redisSetTimeout(c, (struct timeval){ 0, 200000 });
    atomic_store(&sub_ready, 1);
    while (!atomic_load(&sub_stop)) {
        void *r;
        if (redisGetReply(c, &r) != REDIS_OK) {
            if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                c->err = 0; /* a read timeout: look at the stop flag and go on */
                continue;
            }
            break;
        }
        uint64_t now = mono_ns();
        redisReply *m = r;
        if (m->type == REDIS_REPLY_ARRAY && m->elements == 3 && m->element[2]->type == REDIS_REPLY_STRING) {
            const char *p = strstr(m->element[2]->str, "\"message\":\"bench #");
            if (p) {
                size_t i = strtoul(p + 18, NULL, 10);
                if (i < B.max_alerts)
                    atomic_store(&B.t_sub[i], now);
            }
        }
        freeReplyObject(m);
    }
    redisFree(c);
    return NULL;
}

/* ---- report ---------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *v, size_t n, double goal_us)
{
    if (n == 0) {
        printf("%-22s no samples\n", what);
        return;
    }
    qsort(v, n, sizeof *v, cmp_u64);
    double p50 = (double)v[n / 2] / 1e3, p99 = (double)v[(size_t)((double)n * 0.99)] / 1e3;
    double p999 = (double)v[(size_t)((double)n * 0.999)] / 1e3, max = (double)v[n - 1] / 1e3;
    printf("%-22s p50 %7.1f us  p99 %7.1f us  p99.9 %7.1f us  max %8.1f us  (%zu alerts; goal p99 <= %.0f us: %s)\n",
           what, p50, p99, p999, max, n, goal_us, p99 <= goal_us ? "met" : "NOT met");
}

static void on_drained(void *ctx, sw_sink *s)
{
    (void)ctx;
    (void)s;
    B.drained = 1;
}

static void on_closed(void *ctx, sw_sink *s)
{
    (void)ctx;
    (void)s;
    B.closed = 1;
}

static void close_own(uv_handle_t *h)
{
    (void)h;
}

/* One measurement with the sink's replicas_ack; figures printed. */
static int measure(const char *url, int fsync_always, int replicas_ack)
{
    B.n_alerts = B.ticks = B.t_end = B.unwritten_from = B.confirmed_seen = 0;
    B.drained = B.closed = 0;
    B.counter = 0;
    atomic_store(&sub_ready, 0);
    atomic_store(&sub_stop, 0);
    B.max_alerts = (size_t)(B.rate * B.seconds / B.every) + 16;
    B.t0 = calloc(B.max_alerts, sizeof *B.t0);
    B.t_sock = calloc(B.max_alerts, sizeof *B.t_sock);
    B.t_conf = calloc(B.max_alerts, sizeof *B.t_conf);
    B.t_sub = calloc(B.max_alerts, sizeof *B.t_sub);
    uint64_t *tmp = calloc(B.max_alerts, sizeof *tmp);
    if (!B.t0 || !B.t_sock || !B.t_conf || !B.t_sub || !tmp)
        return 1;

    const char *members[N_SYMBOLS];
    for (int i = 0; i < N_SYMBOLS; i++) {
        snprintf(B.names[i], sizeof B.names[i], "S%03d", i);
        members[i] = B.names[i];
    }
    sw_group_spec g = { "bench", members, N_SYMBOLS };
    char params[8] = { 0 }, err[256];
    sw_detector_spec d = { &bench_type, params };
    if (sw_engine_init(&B.engine, &g, 1, &d, 1, on_candidate, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "redis_latency: %s\n", err);
        return 1;
    }

    char state_dir[64];
    snprintf(state_dir, sizeof state_dir, "/tmp/sw-redis-bench-XXXXXX");
    if (!mkdtemp(state_dir))
        return 1;
    sw_redis_sink_params p;
    sw_redis_sink_defaults(&p);
    free(p.url);
    p.url = strdup(url);
    /* A stream (and so dedupe keys) of its own per measurement: the second
     * one raises the same alert ids, which must not find the first's keys. */
    char stream[48];
    snprintf(stream, sizeof stream, "bench:stream:%d:%d", replicas_ack, (int)getpid());
    free(p.stream);
    p.stream = strdup(stream);
    free(p.channel);
    p.channel = strdup(CHANNEL);
    p.fsync = fsync_always ? SW_REDIS_FSYNC_ALWAYS : SW_REDIS_FSYNC_EVERYSEC;
    p.replicas_ack = replicas_ack;
    B.sink = sw_sink_redis_new(&p, state_dir, NULL);
    sw_redis_sink_params_free(&p);

    uv_loop_init(&B.loop);
    if (!B.sink || B.sink->start(B.sink, &B.loop) != 0)
        return 1;
    /* Connected, and the subscriber listening, before the clock starts. */
    pthread_t th;
    pthread_create(&th, NULL, subscriber, NULL);
    uv_timer_init(&B.loop, &B.pace);
    uv_check_init(&B.loop, &B.check);
    uv_check_start(&B.check, on_check);
    /* Poll the loop until the handshake is done and the subscriber listens. */
    uint64_t deadline = mono_ns() + 10 * UINT64_C(1000000000);
    sw_sink_redis_stats st;
    do {
        uv_run(&B.loop, UV_RUN_NOWAIT);
        sw_sink_redis_get_stats(B.sink, &st);
    } while ((st.connects == 0 || atomic_load(&sub_ready) == 0) && mono_ns() < deadline);
    if (st.connects == 0 || atomic_load(&sub_ready) != 1) {
        fprintf(stderr, "redis_latency: no connection to %s\n", url);
        return 1;
    }

    B.t_start = mono_ns();
    uv_timer_start(&B.pace, on_pace, 1, 1);
    while (!B.t_end)
        uv_run(&B.loop, UV_RUN_ONCE);
    double secs = (double)(B.t_end - B.t_start) / 1e9;
    B.sink->drain(B.sink, 10000, on_drained, NULL);
    while (!B.drained)
        uv_run(&B.loop, UV_RUN_ONCE);
    size_t unconfirmed = B.sink->pending(B.sink);
    on_check(&B.check); /* the last confirmations */

    /* The subscriber gets the last messages a moment later. */
    deadline = mono_ns() + 5 * UINT64_C(1000000000);
    while (B.n_alerts && atomic_load(&B.t_sub[B.n_alerts - 1]) == 0 && mono_ns() < deadline)
        tr_pause_ms(5);
    atomic_store(&sub_stop, 1);
    pthread_join(th, NULL);

    uv_close((uv_handle_t *)&B.pace, close_own);
    uv_close((uv_handle_t *)&B.check, close_own);
    B.sink->close(B.sink, on_closed, NULL);
    uv_run(&B.loop, UV_RUN_DEFAULT);
    uv_loop_close(&B.loop);

    printf("redis_latency: %.0f ticks/s for %.1f s (%llu ticks), an alert every %u ticks: %zu alerts, %zu unconfirmed, "
           "spool fsync %s, replicas_ack %d\n",
           (double)B.ticks / secs, secs, (unsigned long long)B.ticks, B.every, B.n_alerts, unconfirmed,
           fsync_always ? "always" : "everysec", replicas_ack);
    size_t n = 0, lost = 0;
    for (size_t i = 0; i < B.n_alerts; i++)
        if (B.t0[i] - B.t_start >= WARMUP_NS && B.t_sock[i])
            tmp[n++] = B.t_sock[i] - B.t0[i];
    report("tick -> socket", tmp, n, 200);
    n = 0;
    for (size_t i = 0; i < B.n_alerts; i++) {
        uint64_t ts = atomic_load(&B.t_sub[i]);
        if (!ts)
            lost++;
        else if (B.t0[i] - B.t_start >= WARMUP_NS)
            tmp[n++] = ts - B.t0[i];
    }
    report("tick -> subscriber", tmp, n, 1000);
    if (lost)
        printf("(%zu alerts not seen by the subscriber)\n", lost);
    n = 0;
    for (size_t i = 0; i < B.n_alerts; i++)
        if (B.t0[i] - B.t_start >= WARMUP_NS && B.t_conf[i])
            tmp[n++] = B.t_conf[i] - B.t0[i];
    report("tick -> confirmed", tmp, n, replicas_ack ? 2000 : 1000);

    B.sink->destroy(B.sink);
    sw_engine_free(&B.engine);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", state_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "redis_latency: could not remove %s\n", state_dir);
    free(B.t0);
    free(B.t_sock);
    free(B.t_conf);
    free((void *)B.t_sub);
    free(tmp);
    return 0;
}

int main(int argc, char **argv)
{
    const char *url = NULL;
    int fsync_always = 0, replicas_ack = 0;
    B.rate = 50000;
    B.every = 100;
    B.seconds = 10;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--url") && i + 1 < argc)
            url = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            B.seconds = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
            B.rate = atof(argv[++i]);
        else if (!strcmp(argv[i], "--every") && i + 1 < argc)
            B.every = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--fsync") && i + 1 < argc)
            fsync_always = !strcmp(argv[++i], "always");
        else if (!strcmp(argv[i], "--replicas-ack") && i + 1 < argc)
            replicas_ack = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: redis_latency [--url redis://127.0.0.1:PORT] [--seconds S] [--rate TICKS_PER_S] "
                            "[--every N] [--fsync everysec|always] [--replicas-ack N]\n");
            return 2;
        }
    }
    if (B.seconds < 2 || B.rate < 1 || B.every < 1 || replicas_ack < 0 || replicas_ack > 16) {
        fprintf(stderr, "redis_latency: need --seconds >= 2, --rate >= 1, --every >= 1, --replicas-ack 0..16\n");
        return 2;
    }
    sw_log_init("redis_latency");
    sw_log_set_level(SW_LOG_WARNING);
    int own_server = url == NULL;
    test_redis replicas[16];
    int n_replicas = 0;
    if (own_server) {
        if (tr_start(&server, NULL, 0, 0) != 0) {
            fprintf(stderr, "redis_latency: cannot start redis-server\n");
            return 1;
        }
        url = server.url;
        for (; n_replicas < replicas_ack; n_replicas++)
            if (tr_start_replica(&replicas[n_replicas], &server) != 0) {
                fprintf(stderr, "redis_latency: cannot start a replica\n");
                return 1;
            }
        uint64_t deadline = mono_ns() + 60 * UINT64_C(1000000000);
        while (replicas_ack && !tr_replicas_online(&server, replicas_ack) && mono_ns() < deadline)
            tr_pause_ms(50);
    } else if (sscanf(url, "redis://127.0.0.1:%d", &server.port) != 1) {
        fprintf(stderr, "redis_latency: --url must be redis://127.0.0.1:PORT (no password)\n");
        return 2;
    }
    int rc = 0;
    /* WAIT's cost, side by side: the same run without it first. */
    if (replicas_ack)
        rc = measure(url, fsync_always, 0);
    if (rc == 0)
        rc = measure(url, fsync_always, replicas_ack);
    for (int i = 0; i < n_replicas; i++)
        tr_destroy(&replicas[i]);
    if (own_server)
        tr_destroy(&server);
    return rc;
}
