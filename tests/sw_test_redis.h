/*
 * sw_test_redis.h -- private redis-server instances for tests (header-only,
 * included by the test programs that need one; not a test itself).
 *
 * Each server runs on a free loopback port (below the ephemeral range) with
 * its own temporary directory (data files, log, optional Unix socket),
 * without persistence unless asked for (a test that stops and restarts Redis
 * needs its data to survive).  Readiness is polled against a deadline, never
 * waited for by sleeping, and it checks that the server that answers is the
 * one started (its process id).  tr_stop() always reaps the process: no server outlives a test.
 * Tests that only need some server use $SW_TEST_REDIS_URL (set by
 * scripts/test) through tr_shared_url(), or start their own.
 *
 * For high availability: a server may start as a replica of another
 * (tr_start_replica), and ts_start runs a real Redis Sentinel (the Debian
 * package redis-sentinel; `redis-server --sentinel` when it is missing)
 * watching a master, with a short down-after so SENTINEL FAILOVER and a
 * killed master are followed in about a second.
 */
#ifndef SW_TEST_REDIS_H
#define SW_TEST_REDIS_H

#define _DEFAULT_SOURCE /* mkdtemp */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sw_test_util.h"

typedef struct test_redis {
    pid_t pid;
    int port;
    char dir[64];
    char sock[128];       /* Unix socket path when unix_socket was asked for */
    char password[64];    /* requirepass; empty: none */
    int unix_socket, persist;
    int replica_of;       /* port of the master this one replicates; 0: none */
    char url[256];        /* redis://127.0.0.1:PORT (no password) */
} test_redis;

static inline uint64_t tr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A short pause between polls of a condition (never a wait for the
 * condition itself). */
static inline void tr_pause_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* A port for a redis-server: free now, and below Linux's ephemeral range
 * (32768-60999), so the kernel does not hand it to another process's
 * connect() or port-0 listener between now and the server's bind, nor while
 * a test has the server stopped for a restart on the same port.  (Asking the
 * kernel for a free port gives an ephemeral one: a parallel test could be
 * given it the moment it is closed.)  Another test picking the same number
 * is caught by tr_spawn, which checks that the server answering is ours. */
static inline int tr_free_port(void)
{
    static unsigned seed;
    if (!seed)
        seed = (unsigned)getpid() * 2654435761u ^ (unsigned)tr_now_ms();
    for (int tries = 0; tries < 100; tries++) {
        seed = seed * 1103515245u + 12345u;
        int port = 10000 + (int)((seed >> 8) % 22768u); /* 10000..32767 */
        int fd = sw_test_bind_loopback(port);
        if (fd >= 0) {
            close(fd);
            return port;
        }
    }
    return -1;
}

/* A synchronous connection (authenticated), or NULL. */
static inline redisContext *tr_connect(const test_redis *r)
{
    struct timeval tv = { 1, 0 };
    redisContext *c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
    if (!c || c->err) {
        if (c)
            redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, (struct timeval){ 5, 0 });
    if (r->password[0]) {
        redisReply *rep = redisCommand(c, "AUTH %s", r->password);
        int ok = rep && rep->type == REDIS_REPLY_STATUS;
        if (rep)
            freeReplyObject(rep);
        if (!ok) {
            redisFree(c);
            return NULL;
        }
    }
    return c;
}

static inline int tr_ping(const test_redis *r)
{
    redisContext *c = tr_connect(r);
    if (!c)
        return 0;
    redisReply *rep = redisCommand(c, "PING");
    int ok = rep && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
    if (rep)
        freeReplyObject(rep);
    redisFree(c);
    return ok;
}

/* fork(), the child's standard streams on /dev/null (a server's chatter
 * is in its log file).  As fork(): the child gets 0. */
static inline pid_t tr_fork_quiet(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    return pid;
}

/* 1 if the server answering on r's port is process r->pid (INFO server's
 * process_id), not some other server that happens to have the port. */
static inline int tr_is_ours(const test_redis *r)
{
    redisContext *c = tr_connect(r);
    if (!c)
        return 0;
    redisReply *rep = redisCommand(c, "INFO server");
    int ok = 0;
    if (rep && rep->type == REDIS_REPLY_STRING) {
        const char *p = strstr(rep->str, "\nprocess_id:");
        ok = p && strtol(p + 12, NULL, 10) == (long)r->pid;
    }
    if (rep)
        freeReplyObject(rep);
    redisFree(c);
    return ok;
}

static inline int tr_spawn(test_redis *r)
{
    char port[16], log[128], master[16];
    snprintf(port, sizeof port, "%d", r->port);
    snprintf(master, sizeof master, "%d", r->replica_of);
    snprintf(log, sizeof log, "%s/redis.log", r->dir);
    const char *argv[32];
    int n = 0;
    argv[n++] = "redis-server";
    argv[n++] = "--port"; argv[n++] = port;
    argv[n++] = "--bind"; argv[n++] = "127.0.0.1";
    argv[n++] = "--dir"; argv[n++] = r->dir;
    argv[n++] = "--logfile"; argv[n++] = log;
    argv[n++] = "--daemonize"; argv[n++] = "no";
    argv[n++] = "--save"; argv[n++] = "";
    argv[n++] = "--appendonly"; argv[n++] = r->persist ? "yes" : "no";
    argv[n++] = "--appendfsync"; argv[n++] = "always";
    /* A replica's first sync starts at once (the default waits 5 s for more
     * replicas to share one transfer). */
    argv[n++] = "--repl-diskless-sync-delay"; argv[n++] = "0";
    if (r->replica_of) {
        argv[n++] = "--replicaof"; argv[n++] = "127.0.0.1"; argv[n++] = master;
    }
    if (r->unix_socket) {
        argv[n++] = "--unixsocket"; argv[n++] = r->sock;
        argv[n++] = "--unixsocketperm"; argv[n++] = "700";
    }
    if (r->password[0]) {
        argv[n++] = "--requirepass"; argv[n++] = r->password;
    }
    argv[n] = NULL;
    pid_t pid = tr_fork_quiet();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    r->pid = pid;
    /* Poll until it answers as itself, or it died (port taken), or 30 s
     * passed (a loaded machine under ASan). */
    uint64_t deadline = tr_now_ms() + 30000;
    while (tr_now_ms() < deadline) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            r->pid = 0;
            return -1;
        }
        /* PING too: INFO is answered while an AOF is still loading. */
        if (tr_is_ours(r) && tr_ping(r))
            return 0;
        tr_pause_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    r->pid = 0;
    return -1;
}

/* A private folder and a free port for r, then the server (its options as
 * r's fields say); a port taken meanwhile is tried again.  0 or -1. */
static inline int tr_launch(test_redis *r)
{
    snprintf(r->dir, sizeof r->dir, "/tmp/sw-redis-XXXXXX");
    if (!mkdtemp(r->dir))
        return -1;
    snprintf(r->sock, sizeof r->sock, "%s/redis.sock", r->dir);
    for (int attempt = 0; attempt < 5; attempt++) {
        r->port = tr_free_port();
        if (r->port > 0 && tr_spawn(r) == 0) {
            snprintf(r->url, sizeof r->url, "redis://127.0.0.1:%d", r->port);
            return 0;
        }
    }
    return -1;
}

/* Start a server (options as the struct's fields say).  Returns 0 or -1. */
static inline int tr_start(test_redis *r, const char *password, int unix_socket, int persist)
{
    memset(r, 0, sizeof *r);
    if (password)
        snprintf(r->password, sizeof r->password, "%s", password);
    r->unix_socket = unix_socket;
    r->persist = persist;
    return tr_launch(r);
}

/* A replica of `master` (no password), running.  Returns 0 or -1. */
static inline int tr_start_replica(test_redis *r, const test_redis *master)
{
    memset(r, 0, sizeof *r);
    r->replica_of = master->port;
    return tr_launch(r);
}

/* The first word of ROLE ("master", "slave"), into buf; "" if it cannot be
 * asked. */
static inline const char *tr_role(const test_redis *r, char *buf, size_t len)
{
    buf[0] = '\0';
    redisContext *c = tr_connect(r);
    if (!c)
        return buf;
    redisReply *rep = redisCommand(c, "ROLE");
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements > 0 && rep->element[0]->type == REDIS_REPLY_STRING)
        snprintf(buf, len, "%s", rep->element[0]->str);
    if (rep)
        freeReplyObject(rep);
    redisFree(c);
    return buf;
}

/* 1 once the master at r reports `n` replicas online (INFO replication). */
static inline int tr_replicas_online(const test_redis *r, int n)
{
    redisContext *c = tr_connect(r);
    if (!c)
        return 0;
    redisReply *rep = redisCommand(c, "INFO replication");
    int k = 0;
    /* "slave0:ip=127.0.0.1,port=...,state=online,offset=...,lag=0" */
    for (const char *l = rep && rep->type == REDIS_REPLY_STRING ? rep->str : ""; *l;) {
        size_t len = strcspn(l, "\r\n");
        if (len > 6 && strncmp(l, "slave", 5) == 0 && l[5] >= '0' && l[5] <= '9') {
            const char *on = strstr(l, "state=online");
            k += on && on < l + len;
        }
        l += len;
        l += strspn(l, "\r\n");
    }
    if (rep)
        freeReplyObject(rep);
    redisFree(c);
    return k >= n;
}

/* ---- Redis Sentinel ------------------------------------------------------------- */

typedef struct test_sentinel {
    pid_t pid;
    int port;
    char dir[64];
    char conf[128];
} test_sentinel;

/* 1 when a sentinel can be run here (redis-sentinel, or redis-server that
 * takes --sentinel). */
static inline int ts_available(void)
{
    return access("/usr/bin/redis-sentinel", X_OK) == 0 || system("command -v redis-sentinel >/dev/null 2>&1") == 0;
}

/* The sentinel at port's answer to SENTINEL <what> <master_name> (free it),
 * or NULL. */
static inline redisReply *ts_ask(int port, const char *what, const char *master_name)
{
    test_redis fake;
    memset(&fake, 0, sizeof fake);
    fake.port = port;
    redisContext *c = tr_connect(&fake);
    if (!c)
        return NULL;
    redisReply *rep = redisCommand(c, "SENTINEL %s %s", what, master_name);
    redisFree(c);
    return rep;
}

/* The sentinel at `port` answers `master` with a port, or -1. */
static inline int ts_master_port(int port, const char *master)
{
    redisReply *rep = ts_ask(port, "get-master-addr-by-name", master);
    int p = -1;
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 && rep->element[1]->type == REDIS_REPLY_STRING)
        p = atoi(rep->element[1]->str);
    if (rep)
        freeReplyObject(rep);
    return p;
}

/* A sentinel watching `master_name` at 127.0.0.1:master_port with quorum q:
 * down after 1 s, a failover may take 3 s.  Returns 0 once it answers, or
 * -1. */
static inline int ts_start(test_sentinel *s, const char *master_name, int master_port, int quorum)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/sw-sentinel-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    snprintf(s->conf, sizeof s->conf, "%s/sentinel.conf", s->dir);
    for (int attempt = 0; attempt < 5; attempt++) {
        s->port = tr_free_port();
        if (s->port <= 0)
            continue;
        FILE *f = fopen(s->conf, "w");
        if (!f)
            return -1;
        /* The file is the sentinel's own: it rewrites it with what it learns. */
        fprintf(f, "port %d\nbind 127.0.0.1\ndir %s\nlogfile %s/sentinel.log\n"
                   "sentinel monitor %s 127.0.0.1 %d %d\n"
                   "sentinel down-after-milliseconds %s 1000\n"
                   "sentinel failover-timeout %s 3000\n"
                   "sentinel parallel-syncs %s 1\n",
                s->port, s->dir, s->dir, master_name, master_port, quorum, master_name, master_name, master_name);
        fclose(f);
        pid_t pid = tr_fork_quiet();
        if (pid < 0)
            return -1;
        if (pid == 0) {
            execlp("redis-sentinel", "redis-sentinel", s->conf, (char *)NULL);
            execlp("redis-server", "redis-server", s->conf, "--sentinel", (char *)NULL);
            _exit(127);
        }
        s->pid = pid;
        uint64_t deadline = tr_now_ms() + 30000;
        while (tr_now_ms() < deadline) {
            int st;
            if (waitpid(pid, &st, WNOHANG) == pid) {
                s->pid = 0;
                break; /* the port was taken: try another */
            }
            if (ts_master_port(s->port, master_name) == master_port)
                return 0;
            tr_pause_ms(20);
        }
        if (s->pid > 0) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
            s->pid = 0;
        }
    }
    return -1;
}

/* 1 once the sentinel at port knows `n` replicas of master_name that it
 * could promote (listed, not down): SENTINEL FAILOVER answers NOGOODSLAVE
 * before that. */
static inline int ts_knows_replicas(int port, const char *master_name, int n)
{
    redisReply *rep = ts_ask(port, "replicas", master_name);
    int k = 0;
    for (size_t i = 0; rep && rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        const redisReply *e = rep->element[i];
        for (size_t j = 0; e->type == REDIS_REPLY_ARRAY && j + 1 < e->elements; j += 2)
            if (e->element[j]->type == REDIS_REPLY_STRING && strcmp(e->element[j]->str, "flags") == 0 &&
                strcmp(e->element[j + 1]->str, "slave") == 0)
                k++;
    }
    if (rep)
        freeReplyObject(rep);
    return k >= n;
}

/* 1 once the sentinel at port knows `n` other sentinels of master_name. */
static inline int ts_knows_sentinels(int port, const char *master_name, int n)
{
    redisReply *rep = ts_ask(port, "sentinels", master_name);
    int ok = rep && rep->type == REDIS_REPLY_ARRAY && (int)rep->elements >= n;
    if (rep)
        freeReplyObject(rep);
    return ok;
}

static inline void ts_destroy(test_sentinel *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    if (s->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", s->dir);
        s->dir[0] = '\0';
    }
}

/* Stop (SIGTERM: a clean shutdown that writes the AOF) and reap. */
static inline void tr_stop(test_redis *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
}

/* Start again on the same port and directory (data kept if persist). */
static inline int tr_restart(test_redis *r)
{
    tr_stop(r);
    return tr_spawn(r);
}

static inline void tr_destroy(test_redis *r)
{
    tr_stop(r);
    if (r->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", r->dir);
        r->dir[0] = '\0';
    }
}

/* The server scripts/test started, if any: fills r->port/url (no pid: not
 * ours to stop).  Returns 0, or -1 when there is none. */
static inline int tr_shared(test_redis *r)
{
    const char *url = getenv("SW_TEST_REDIS_URL");
    memset(r, 0, sizeof *r);
    if (!url || sscanf(url, "redis://127.0.0.1:%d", &r->port) != 1)
        return -1;
    snprintf(r->url, sizeof r->url, "%s", url);
    return tr_ping(r) ? 0 : -1;
}

#endif
