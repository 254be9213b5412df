/* shockd under a (fake) systemd: the notification socket sees READY=1 only
 * after a valid configuration, STATUS= lines, WATCHDOG=1 at half the
 * interval, RELOADING=1/READY=1 around SIGHUP and STOPPING=1 with
 * EXTEND_TIMEOUT_USEC= on SIGTERM.  SIGTERM stops a paced replay part-way
 * with exit 0, and with Redis down the pending alerts stay in the spool.
 * Nothing is timed: every wait is for a message, with a generous deadline. */
#include "sw_test_redis.h" /* first: it defines _DEFAULT_SOURCE unguarded */
#include "sw_test_ops.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

TestSuite(ops_systemd, .init = ops_setup, .fini = ops_teardown, .timeout = 120);

static int notify_socket(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0, "%s", strerror(errno));
    return fd;
}

/* The fake systemd's socket (ops_path("notify")), and the NOTIFY_SOCKET=
 * line that sends shockd to it, into env. */
static int notify_env(char *env, size_t len)
{
    const char *sock = ops_path("notify");
    snprintf(env, len, "NOTIFY_SOCKET=%s", sock);
    return notify_socket(sock);
}

/* Messages received so far are appended to *log (one datagram per line,
 * its newlines turned into '|'); reading stops once `needle` is in the log
 * `times` times, or after ms. */
static int read_until_n(int fd, char **log, const char *needle, int times, int ms)
{
    uint64_t end = sw_test_now_ms() + (uint64_t)ms;
    for (;;) {
        if (*log && sw_test_count(*log, needle) >= times)
            return 1;
        uint64_t now = sw_test_now_ms();
        if (now >= end)
            return 0;
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, (int)(end - now)) <= 0)
            continue;
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        for (char *c = buf; *c; c++)
            if (*c == '\n')
                *c = '|';
        size_t old = *log ? strlen(*log) : 0;
        *log = realloc(*log, old + (size_t)n + 2);
        memcpy(*log + old, buf, (size_t)n);
        (*log)[old + (size_t)n] = '\n';
        (*log)[old + (size_t)n + 1] = '\0';
    }
}

static int read_until(int fd, char **log, const char *needle, int ms)
{
    return read_until_n(fd, log, needle, 1, ms);
}

#define PAUSE_S 120

static const char *write_session(int pause_s)
{
    const char *path = ops_path("session.ndjson");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    int64_t d0 = ops_utc_ms(2025, 3, 3, 20, 0, 0, 0);
    ops_trade(f, "MRK", 10, d0);
    ops_trade(f, "NVDA", 100, d0 + 1);
    int64_t d1 = ops_utc_ms(2025, 3, 4, 14, 31, 0, 0);
    ops_trade(f, "MRK", 5, d1);
    for (int i = 1; i <= pause_s; i++)
        ops_trade(f, "ZZZZ", 1, d1 + 200 + i * 1000);
    ops_trade(f, "NVDA", 85, d1 + 200 + (pause_s + 1) * 1000);
    fclose(f);
    return path;
}

static const char *config(const char *extra)
{
    const char *path = ops_path("shockwatch.json");
    char text[1024];
    snprintf(text, sizeof text,
             "{\"groups\": {\"ai\": [\"NVDA\", \"MRK\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"confirm_ticks\": 1}],\n"
             " \"state_dir\": \"%s\"%s}\n",
             ops_dir, extra);
    /* The sessions below pause for PAUSE_S after MRK's alert: every check of
     * a running shockd happens in the pause, however slow the machine; the
     * tests end shockd with SIGTERM. */
    ops_write(path, text);
    return path;
}

Test(ops_systemd, notifications_follow_the_life_cycle)
{
    char env_sock[300];
    int fd = notify_env(env_sock, sizeof env_sock);
    /* 200 ms: pings every 100 ms. */
    const char *env[] = { env_sock, "WATCHDOG_USEC=200000", NULL };
    const char *argv[] = { OPS_SHOCKD, "-c", config(", \"log_level\": \"debug\""), "--replay",
                           write_session(PAUSE_S), "--speed", "1", NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, env, out, err);
    char *log = NULL;
    cr_assert(read_until(fd, &log, "READY=1", 30000), "no READY=1: %s\n%s", log, sw_test_slurp(err));
    cr_expect(strncmp(log, "READY=1|STATUS=replay running; 2 symbols; alerts today: ", 56) == 0,
              "the first message is READY with a status: %s", log);
    /* Watchdog pings at half the interval (200 ms): the period shockd chose
     * is in its log, and the pings keep coming.  (Not timed here: how fast
     * they arrive measures the machine's load, not shockd.) */
    cr_expect(sw_test_wait_text(err, "systemd watchdog: 200 ms, pinging every 100 ms", 1, 10000), "%s",
              sw_test_slurp(err));
    int pings = sw_test_count(log, "WATCHDOG=1");
    cr_expect(read_until_n(fd, &log, "WATCHDOG=1", pings + 5, 20000), "%s", log);
    /* The alert shows in the next STATUS= line (sent once a second). */
    cr_expect(read_until(fd, &log, "alerts today: 1 critical, 0 warning, 0 info", 20000), "%s", log);
    kill(pid, SIGHUP);
    cr_expect(read_until_n(fd, &log, "READY=1", 2, 20000), "%s", log);
    const char *rel = strstr(log, "RELOADING=1");
    cr_expect(rel && strstr(rel, "\nREADY=1|STATUS="), "READY=1 after the reload: %s", log);
    kill(pid, SIGTERM);
    cr_expect(read_until(fd, &log, "STOPPING=1", 20000), "%s", log);
    cr_expect(strstr(log, "STOPPING=1|STATUS=stopping: draining sinks|EXTEND_TIMEOUT_USEC=15000000") != NULL,
              "shutdown_timeout 10 s + 5 s: %s", log);
    cr_expect_eq(ops_wait(pid, 30000), 0);
    free(log);
    close(fd);
}

Test(ops_systemd, an_invalid_config_never_reports_ready)
{
    char env_sock[300];
    int fd = notify_env(env_sock, sizeof env_sock);
    const char *env[] = { env_sock, NULL };
    const char *cfg = ops_path("bad.json");
    ops_write(cfg, "{\"groups\": {\"ai\": [\"NVDA\"]}, \"log_levle\": \"info\"}\n");
    const char *argv[] = { OPS_SHOCKD, "-c", cfg, "--replay", write_session(0), NULL };
    pid_t pid = ops_spawn(argv, env, ops_path("out"), ops_path("err"));
    cr_expect_eq(ops_wait(pid, 10000), 1);
    char *log = NULL;
    cr_expect_not(read_until(fd, &log, "READY=1", 200), "%s", log);
    free(log);
    close(fd);
}

/* SIGTERM ends a paced replay at once (the rest would take PAUSE_S): exit 0
 * and the summary of a replay stopped part-way.  The deadline is generous;
 * what tells a stop from a run to the end is the tick count. */
Test(ops_systemd, sigterm_stops_a_paced_replay_with_exit_0)
{
    const char *argv[] = { OPS_SHOCKD, "-c", config(""), "--replay", write_session(PAUSE_S), "--speed", "1", NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, NULL, out, err);
    cr_assert(sw_test_wait_text(out, "\"symbol\":\"MRK\"", 1, 20000), "%s", sw_test_slurp(err));
    uint64_t t0 = sw_test_now_ms();
    cr_assert_eq(kill(pid, SIGTERM), 0);
    int rc = ops_wait(pid, 30000);
    uint64_t took = sw_test_now_ms() - t0;
    char *e = sw_test_slurp(err);
    cr_expect_eq(rc, 0, "exit %d after %llu ms: %s", rc, (unsigned long long)took, e);
    cr_expect(strstr(e, "SIGTERM received: stopping") && strstr(e, "replay: "), "%s", e);
    /* MRK, NVDA, MRK: NVDA's trade after the pause never came. */
    cr_expect_eq(sw_test_number_after(e, "replay: "), 3, "stopped part-way: %s", e);
    free(e);
}

Test(ops_systemd, sigterm_with_redis_down_spools_the_alerts_and_exits_0)
{
    /* Nothing listens on this port: every connection attempt is refused. */
    int port = 0, fd = sw_test_hold_port(&port);
    cr_assert_geq(fd, 0);
    char extra[256];
    snprintf(extra, sizeof extra,
             ", \"sinks\": [\"redis\"], \"redis\": {\"url\": \"redis://127.0.0.1:%d\"}, \"shutdown_timeout\": \"2s\"",
             port);
    const char *argv[] = { OPS_SHOCKD, "-c", config(extra), "--replay", write_session(PAUSE_S), "--speed", "1", NULL };
    const char *out = ops_path("out"), *err = ops_path("err");
    pid_t pid = ops_spawn(argv, NULL, out, err);
    const char *spool = ops_path("spool.ndjson");
    cr_assert(sw_test_wait_text(spool, "\"symbol\":\"MRK\"", 1, 20000), "alert not spooled: %s", sw_test_slurp(err));
    uint64_t t0 = sw_test_now_ms();
    cr_assert_eq(kill(pid, SIGTERM), 0);
    int rc = ops_wait(pid, 30000);
    uint64_t took = sw_test_now_ms() - t0;
    char *e = sw_test_slurp(err), *s = sw_test_slurp(spool);
    cr_expect_eq(rc, 0, "exit %d: %s", rc, e);
    cr_expect_geq(took, 1500, "the drain waits up to shutdown_timeout (2 s) for Redis");
    cr_expect(sw_test_says(e, 1, "alerts unconfirmed, kept for the next start"), "%s", e);
    cr_expect_eq(sw_test_count(s, "\"symbol\":\"MRK\""), 1, "%s", s);
    free(e);
    free(s);
    close(fd);
}

/* shock-notify speaks the same protocol: READY=1 with its status once it
 * consumes, STOPPING=1 on SIGTERM, exit 0. */
Test(ops_systemd, shock_notify_notifies_too)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0, "cannot start redis-server");
    const char *cfg = ops_path("notify.json");
    char text[1024];
    snprintf(text, sizeof text,
             "{\"groups\": {\"ai\": [\"NVDA\"]}, \"redis\": {\"url\": \"%s\"}, \"shutdown_timeout\": \"1s\",\n"
             " \"notify\": {\"channels\": {\"console\": {}}, \"routes\": [{\"channels\": [\"console\"]}]}}\n",
             r.url);
    ops_write(cfg, text);
    char env_sock[300];
    int fd = notify_env(env_sock, sizeof env_sock);
    const char *env[] = { env_sock, "WATCHDOG_USEC=400000", NULL };
    const char *argv[] = { SW_BINARY_DIR "/shock-notify", "-c", cfg, NULL };
    pid_t pid = ops_spawn(argv, env, ops_path("out"), ops_path("err"));
    char *log = NULL;
    cr_expect(read_until(fd, &log, "READY=1|STATUS=read 0 alerts; delivered 0, dead-lettered 0, silenced 0; 0 in flight; 0 silences active", 30000),
              "%s\n%s", log, sw_test_slurp(ops_path("err")));
    cr_expect(read_until(fd, &log, "WATCHDOG=1", 20000), "%s", log);
    kill(pid, SIGTERM);
    cr_expect(read_until(fd, &log, "STOPPING=1", 20000), "%s", log);
    cr_expect_eq(ops_wait(pid, 30000), 0, "%s", sw_test_slurp(ops_path("err")));
    free(log);
    close(fd);
    tr_destroy(&r);
}

/* A shard says so first in its STATUS= line ("ai" falls to shard 1 of 2). */
Test(ops_systemd, a_shard_names_itself_in_its_status)
{
    char env_sock[300];
    int fd = notify_env(env_sock, sizeof env_sock);
    const char *env[] = { env_sock, NULL };
    const char *argv[] = { OPS_SHOCKD, "-c", config(""), "--shard", "1/2", "--replay", write_session(PAUSE_S),
                           "--speed", "1", NULL };
    const char *err = ops_path("err");
    pid_t pid = ops_spawn(argv, env, ops_path("out"), err);
    char *log = NULL;
    cr_assert(read_until(fd, &log, "READY=1", 30000), "no READY=1: %s\n%s", log, sw_test_slurp(err));
    cr_expect(strstr(log, "READY=1|STATUS=shard 1/2: replay running; 2 symbols; alerts today: ") != NULL, "%s", log);
    kill(pid, SIGTERM);
    cr_expect_eq(ops_wait(pid, 30000), 0, "%s", sw_test_slurp(err));
    free(log);
    close(fd);
}
