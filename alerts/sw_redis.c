/* sw_redis.c -- see sw_redis.h.
 *
 * hiredis 0.14.1 rules this file lives by (checked against its async.c):
 *  - a context is freed by hiredis itself after onConnect(REDIS_ERR) and
 *    after onDisconnect; calling redisAsyncFree inside those two callbacks
 *    would free it twice, so we never do;
 *  - redisAsyncFree inside a reply callback is deferred until the callback
 *    returns (REDIS_IN_CALLBACK), so it is safe there and from timers;
 *  - when a context goes away, every pending reply callback runs with NULL
 *    before onDisconnect; the first such NULL tells us the connection is gone.
 * Stale callbacks (from a connection we already gave up) are recognised by
 * the generation number stored with each command. */
#include "sw_redis.h"
#include "sw_host.h"
#include "sw_log.h"

#include <hiredis/async.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <hiredis/adapters/libuv.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* The 0.14.1 adapter's poll callback returns early when libuv reports an
 * error (libuv says UV_EBADF on POLLERR, e.g. a refused connect or a reset),
 * so hiredis never learns of it and a refused connect would hang until the
 * connect timeout.  We keep the adapter (attach, its per-connection poll
 * handle, cleanup and close) and install event hooks whose callback lets
 * hiredis's own read/write find the error, as later hiredis versions do. */
static void poll_cb(uv_poll_t *h, int status, int events)
{
    redisLibuvEvents *p = h->data;
    int ev = status ? p->events : events;
    if (p->context && (ev & UV_READABLE))
        redisAsyncHandleRead(p->context);
    if (p->context && (ev & UV_WRITABLE))
        redisAsyncHandleWrite(p->context);
}

static void set_events(redisLibuvEvents *p, int events)
{
    p->events = events;
    if (events)
        uv_poll_start(&p->handle, events, poll_cb);
    else
        uv_poll_stop(&p->handle);
}

static void ev_add_read(void *privdata)
{
    redisLibuvEvents *p = privdata;
    set_events(p, p->events | UV_READABLE);
}

static void ev_del_read(void *privdata)
{
    redisLibuvEvents *p = privdata;
    set_events(p, p->events & ~UV_READABLE);
}

static void ev_add_write(void *privdata)
{
    redisLibuvEvents *p = privdata;
    set_events(p, p->events | UV_WRITABLE);
}

static void ev_del_write(void *privdata)
{
    redisLibuvEvents *p = privdata;
    set_events(p, p->events & ~UV_WRITABLE);
}

#define ATTEMPT_SHIFT_MAX 20
/* A connection that stayed up this long was healthy: the next failure starts
 * the backoff from its first step again. */
#define HEALTHY_MS 10000

/* CMD_SETUP: a caller's command that only prepares the connection (SCRIPT
 * LOAD): its success says nothing about whether the server takes our writes,
 * so it does not reset the backoff a refused write built up. */
typedef enum cmd_kind { CMD_USER, CMD_SETUP, CMD_AUTH, CMD_SELECT, CMD_PING, CMD_ROLE } cmd_kind;

typedef struct cmd {
    sw_redis *r;
    uint64_t gen;
    cmd_kind kind;
    sw_redis_reply_fn fn;
    void *privdata;
} cmd;

static void on_timer(uv_timer_t *t);
static void drop(sw_redis *r, int refused, const char *why);

static uint64_t now_ms(const sw_redis *r)
{
    return uv_now(r->loop);
}

/* xorshift64*: jitter only, not security. */
static uint64_t next_random(sw_redis *r)
{
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return r->rng * UINT64_C(2685821657736338717);
}

static void schedule_retry(sw_redis *r, uint64_t *delay_out)
{
    if (r->attempt < 1000)
        r->attempt++;
    uint64_t cap = r->handshake_failed ? r->o.auth_backoff_max_ms : r->o.backoff_max_ms;
    unsigned shift = r->attempt - 1 < ATTEMPT_SHIFT_MAX ? r->attempt - 1 : ATTEMPT_SHIFT_MAX;
    uint64_t base = r->handshake_failed ? r->o.auth_backoff_min_ms : r->o.backoff_min_ms;
    uint64_t window = base << shift;
    if (window > cap)
        window = cap;
    /* Full jitter: anywhere in [0, window], so many clients that lost the same
     * server do not come back in lockstep. */
    uint64_t delay = next_random(r) % (window + 1);
    *delay_out = delay;
    uv_timer_start(&r->timer, on_timer, delay, 0);
}

/* The connection is gone or given up.  free_ctx: we must free the context
 * ourselves (timeouts, refused handshakes, drop, close); otherwise hiredis is
 * already freeing it.  why: logged as a warning with the retry delay (NULL:
 * log nothing). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void conn_lost(sw_redis *r, int free_ctx, const char *why, ...)
{
    struct redisAsyncContext *ac = r->ac;
    sw_redis_state prev = r->state;
    if (prev == SW_REDIS_CLOSED && !ac)
        return;
    if (r->resolving) {
        sw_sentinel_cancel(&r->sent);
        r->resolving = 0;
    }
    r->resolved = 0;
    r->ac = NULL;
    r->state = SW_REDIS_CLOSED;
    r->gen++;
    r->outstanding = 0;
    r->handshake_left = 0;
    uv_timer_stop(&r->timer);
    if (prev == SW_REDIS_CONNECTED && now_ms(r) - r->connected_ms >= HEALTHY_MS && !r->handshake_failed)
        r->attempt = 0;
    if (!r->closing) {
        r->stats.failures++;
        uint64_t delay = 0;
        schedule_retry(r, &delay);
        if (why) {
            char msg[512];
            va_list ap;
            va_start(ap, why);
            vsnprintf(msg, sizeof msg, why, ap);
            va_end(ap);
            /* A refused handshake is an operator's problem: an error at every
             * (growing) step.  An outage repeats the same line: shown at
             * attempts 1, 2, 4, 8, ..., the rest at debug level. */
            unsigned a = r->attempt;
            sw_log_level lvl = r->handshake_failed ? SW_LOG_ERROR
                               : (a & (a - 1)) == 0 ? SW_LOG_WARNING
                                                    : SW_LOG_DEBUG;
            sw_log(lvl, "redis %s: %s; retry %u in %llu ms", r->where, msg, a, (unsigned long long)delay);
        }
    }
    if (prev == SW_REDIS_CONNECTED && r->o.on_state)
        r->o.on_state(r->o.ctx, r, SW_REDIS_CLOSED);
    if (free_ctx && ac)
        redisAsyncFree(ac); /* pending callbacks run with NULL; they are stale now */
}

static void on_reply(struct redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    cmd *c = privdata;
    sw_redis *r = c->r;
    const redisReply *rep = reply;
    r->in_hiredis++;
    if (c->gen == r->gen) {
        if (!rep) {
            conn_lost(r, 0, "connection lost%s%s", ac->errstr[0] ? ": " : "", ac->errstr);
        } else {
            if (r->outstanding)
                r->outstanding--;
            r->progress_ms = now_ms(r);
            if (rep->type != REDIS_REPLY_ERROR && c->kind != CMD_SETUP) {
                r->attempt = 0;
                r->handshake_failed = 0;
            }
        }
    }
    c->fn(c->privdata, r, rep);
    r->in_hiredis--;
    free(c);
}

static const char *cmd_name(cmd_kind k)
{
    return k == CMD_AUTH ? "AUTH" : k == CMD_SELECT ? "SELECT" : k == CMD_ROLE ? "ROLE" : "PING";
}

int sw_redis_reply_transient(const redisReply *rep)
{
    static const char *const transient[] = { "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "READONLY",
                                             "NOREPLICAS" };
    if (!rep || rep->type != REDIS_REPLY_ERROR || !rep->str)
        return 0;
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++) {
        size_t n = strlen(transient[i]);
        if (rep->len >= n && strncmp(rep->str, transient[i], n) == 0 &&
            (rep->len == n || rep->str[n] == ' '))
            return 1;
    }
    return 0;
}

static void on_handshake(struct redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    cmd *c = privdata;
    sw_redis *r = c->r;
    const redisReply *rep = reply;
    cmd_kind kind = c->kind;
    int current = c->gen == r->gen && r->state == SW_REDIS_CONNECTING;
    free(c);
    /* NULL: the connection is going away; on_connect/on_disconnect or the
     * code that freed it has dealt with that. */
    if (!current || !rep)
        return;
    r->in_hiredis++;
    if (rep->type == REDIS_REPLY_ERROR) {
        int len = (int)(rep->len < 200 ? rep->len : 200);
        /* A server still loading its data or busy with a script comes round
         * by itself: the ordinary backoff.  Anything else (a password, a db
         * out of range) needs a person: errors, and the slow backoff. */
        r->handshake_failed = !sw_redis_reply_transient(rep);
        r->stats.handshake_errors++;
        if (kind == CMD_AUTH)
            conn_lost(r, 1, "AUTH refused: %.*s (check the password in redis.url, redis.password_env or "
                            "redis.password_file)", len, rep->str);
        else if (len >= 6 && strncmp(rep->str, "NOAUTH", 6) == 0)
            conn_lost(r, 1, "the server requires a password (%.*s): set it in redis.url, redis.password_env "
                            "or redis.password_file", len, rep->str);
        else
            conn_lost(r, 1, "%s refused: %.*s", cmd_name(kind), len, rep->str);
    } else if (kind == CMD_ROLE && (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
                                    rep->element[0]->type != REDIS_REPLY_STRING ||
                                    strcmp(rep->element[0]->str, "master") != 0)) {
        /* Step 3 of the Sentinel client spec: a sentinel that has not yet
         * heard of a failover names the old master, which is a replica now
         * (or, back from the dead, about to be made one).  Ask again after a
         * short delay: the ordinary backoff's first steps. */
        r->stats.not_master++;
        r->handshake_failed = 0;
        const char *role = rep->type == REDIS_REPLY_ARRAY && rep->elements >= 1 &&
                                   rep->element[0]->type == REDIS_REPLY_STRING
                               ? rep->element[0]->str
                               : "(no role)";
        conn_lost(r, 1, "ROLE says %.40s, not master: asking the sentinels again", role);
    } else if (--r->handshake_left == 0) {
        uv_timer_stop(&r->timer);
        r->state = SW_REDIS_CONNECTED;
        r->connected_ms = now_ms(r);
        r->outstanding = 0;
        r->stats.connects++;
        if (r->stats.connects == 1 && r->attempt == 0)
            sw_info("redis %s: connected", r->where);
        else
            sw_info("redis %s: connected after %u failed attempts", r->where, r->attempt);
        if (r->o.on_state)
            r->o.on_state(r->o.ctx, r, SW_REDIS_CONNECTED);
    }
    r->in_hiredis--;
}

static void on_connect(const struct redisAsyncContext *ac, int status)
{
    sw_redis *r = ac->data;
    if (!r || ac != r->ac)
        return;
    if (status != REDIS_OK) {
        r->in_hiredis++;
        conn_lost(r, 0, "cannot connect: %s", ac->errstr[0] ? ac->errstr : "unknown error");
        r->in_hiredis--;
    }
}

static void on_disconnect(const struct redisAsyncContext *ac, int status)
{
    (void)status;
    sw_redis *r = ac->data;
    if (!r || ac != r->ac)
        return;
    r->in_hiredis++;
    conn_lost(r, 0, "connection lost%s%s", ac->errstr[0] ? ": " : "", ac->errstr[0] ? ac->errstr : "");
    r->in_hiredis--;
}

static int queue_handshake(sw_redis *r, cmd_kind kind, int argc, const char **argv, const size_t *lens)
{
    cmd *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->r = r;
    c->gen = r->gen;
    c->kind = kind;
    if (redisAsyncCommandArgv(r->ac, on_handshake, c, argc, argv, lens) != REDIS_OK) {
        free(c);
        return -1;
    }
    r->handshake_left++;
    return 0;
}

/* ---- bounded replies ---------------------------------------------------------------- */

/* hiredis 0.14's createString (hiredis.c), but a bulk string longer than the
 * connection's max_string keeps only its start; integer says how long it
 * was.  Error and status lines are kept whole (they are one line). */
static void *capped_string(const redisReadTask *task, char *str, size_t len)
{
    const size_t *max = task->privdata;
    size_t keep = len;
    if (task->type == REDIS_REPLY_STRING && max && *max && len > *max)
        keep = *max;
    redisReply *rep = calloc(1, sizeof *rep);
    if (!rep)
        return NULL;
    rep->type = task->type;
    rep->str = malloc(keep + 1);
    if (!rep->str) {
        free(rep);
        return NULL;
    }
    memcpy(rep->str, str, keep);
    rep->str[keep] = '\0';
    rep->len = keep;
    if (keep < len)
        rep->integer = (long long)len;
    if (task->parent) {
        redisReply *parent = task->parent->obj;
        parent->element[task->idx] = rep;
    }
    return rep;
}

size_t sw_redis_reply_len(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING && r->integer > 0 && (size_t)r->integer > r->len ? (size_t)r->integer
                                                                                           : r->len;
}

int sw_redis_warn_if_in_clear(const sw_redis_url *u)
{
    if (u->is_unix || sw_host_is_loopback(u->host))
        return 0;
    char where[SW_REDIS_HOST_MAX + 64];
    sw_warn("redis %s is not a loopback address or a Unix socket, and hiredis 0.14 has no TLS: the password and "
            "every alert may cross a network in clear text; use a Unix socket, loopback, or a TLS tunnel such as "
            "stunnel (docs/security.md)", sw_redis_url_describe(u, where, sizeof where));
    return 1;
}

int sw_redis_attach(struct redisAsyncContext *ac, uv_loop_t *loop, const size_t *max_string)
{
    if (redisLibuvAttach(ac, loop) != REDIS_OK)
        return -1;
    if (max_string && *max_string) {
        /* The default functions with createString swapped; the reader hands
         * its privdata to every task. */
        static redisReplyObjectFunctions capped;
        if (!capped.createString) {
            capped = *ac->c.reader->fn;
            capped.createString = capped_string;
        }
        ac->c.reader->fn = &capped;
        ac->c.reader->privdata = (void *)max_string;
    }
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    return 0;
}

static void connect_now(sw_redis *r);

/* The sentinels' answer (sw_sentinel_resolve). */
static void on_resolved(void *ctx, sw_sentinel *s, sw_sentinel_status st, const char *host, int port,
                        const char *why)
{
    (void)s;
    sw_redis *r = ctx;
    if (!r->resolving || r->closing)
        return;
    r->resolving = 0;
    if (st != SW_SENTINEL_OK) {
        r->state = SW_REDIS_CLOSED;
        r->stats.failures++;
        /* A master name no sentinel knows is a configuration error: errors
         * and the slow backoff, like a refused password. */
        r->handshake_failed = st == SW_SENTINEL_UNKNOWN_MASTER;
        uint64_t delay = 0;
        schedule_retry(r, &delay);
        unsigned a = r->attempt;
        sw_log_level lvl = r->handshake_failed ? SW_LOG_ERROR : (a & (a - 1)) == 0 ? SW_LOG_WARNING : SW_LOG_DEBUG;
        sw_log(lvl, "redis %s: %s; retry %u in %llu ms", r->where, why ? why : "no answer", a,
               (unsigned long long)delay);
        return;
    }
    snprintf(r->o.url.host, sizeof r->o.url.host, "%s", host);
    r->o.url.port = port;
    char addr[SW_REDIS_HOST_MAX + 32];
    snprintf(r->where, sizeof r->where, "%s at %s", r->sent.master, sw_redis_url_describe(&r->o.url, addr, sizeof addr));
    r->resolved = 1;
    connect_now(r);
}

static void connect_now(sw_redis *r)
{
    r->state = SW_REDIS_CONNECTING;
    r->gen++;
    r->handshake_left = 0;
    if (r->has_sentinel && !r->resolved) {
        /* Every connect asks the sentinels first (never a cached answer). */
        sw_sentinel_describe(&r->sent, r->where, sizeof r->where);
        r->resolving = 1;
        sw_sentinel_resolve(&r->sent, on_resolved, r);
        return;
    }
    r->resolved = 0;
    redisAsyncContext *ac = r->o.url.is_unix ? redisAsyncConnectUnix(r->o.url.path)
                                             : redisAsyncConnect(r->o.url.host, r->o.url.port);
    if (!ac) {
        r->state = SW_REDIS_CLOSED;
        r->ac = NULL;
        uint64_t delay;
        r->stats.failures++;
        schedule_retry(r, &delay);
        sw_warn("redis %s: cannot connect: out of memory; retrying in %llu ms", r->where,
                (unsigned long long)delay);
        return;
    }
    if (ac->err) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s", ac->errstr);
        redisAsyncFree(ac);
        r->state = SW_REDIS_CLOSED;
        r->ac = NULL;
        uint64_t delay;
        r->stats.failures++;
        schedule_retry(r, &delay);
        sw_warn("redis %s: cannot connect: %s; retrying in %llu ms", r->where, msg, (unsigned long long)delay);
        return;
    }
    ac->data = r;
    if (sw_redis_attach(ac, r->loop, &r->o.max_string) != 0) {
        redisAsyncFree(ac);
        r->state = SW_REDIS_CLOSED;
        r->ac = NULL;
        uint64_t delay;
        r->stats.failures++;
        schedule_retry(r, &delay);
        sw_warn("redis %s: cannot watch the socket on the loop; retrying in %llu ms", r->where,
                (unsigned long long)delay);
        return;
    }
    r->ac = ac;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);

    /* Queued now, written as soon as the socket is connected: the handshake
     * costs one round trip. */
    int rc = 0;
    if (r->o.url.password[0]) {
        const char *argv[] = { "AUTH", r->o.url.password };
        size_t lens[] = { 4, strlen(r->o.url.password) };
        rc |= queue_handshake(r, CMD_AUTH, 2, argv, lens);
    }
    if (r->o.url.db) {
        char db[16];
        snprintf(db, sizeof db, "%d", r->o.url.db);
        const char *argv[] = { "SELECT", db };
        size_t lens[] = { 6, strlen(db) };
        rc |= queue_handshake(r, CMD_SELECT, 2, argv, lens);
    }
    /* PING: its reply proves the server answers commands (not, say, still
     * loading its data set). */
    const char *argv[] = { "PING" };
    size_t lens[] = { 4 };
    rc |= queue_handshake(r, CMD_PING, 1, argv, lens);
    if (r->has_sentinel) {
        /* ROLE last: the server the sentinels named must be the master. */
        const char *rargv[] = { "ROLE" };
        size_t rlens[] = { 4 };
        rc |= queue_handshake(r, CMD_ROLE, 1, rargv, rlens);
    }
    if (rc != 0) {
        conn_lost(r, 1, "cannot queue the handshake (out of memory)");
        return;
    }
    uv_timer_start(&r->timer, on_timer, r->o.connect_timeout_ms, 0);
}

/* +switch-master for our master: drop the connection and resolve now rather
 * than after a timeout. */
static void on_switch(void *ctx, sw_sentinel *s, const char *host, int port)
{
    (void)s;
    sw_redis *r = ctx;
    if (r->closing)
        return;
    if (r->state == SW_REDIS_CONNECTED && strcmp(host, r->o.url.host) == 0 && port == r->o.url.port)
        return; /* already there */
    r->attempt = 0;
    r->handshake_failed = 0;
    if (r->state == SW_REDIS_CLOSED) {
        uv_timer_stop(&r->timer);
        uv_timer_start(&r->timer, on_timer, 0, 0);
        return;
    }
    char msg[SW_REDIS_HOST_MAX + 80];
    snprintf(msg, sizeof msg, "the sentinels moved the master to %s:%d", host, port);
    drop(r, 0, msg);
}

static void on_timer(uv_timer_t *t)
{
    sw_redis *r = t->data;
    switch (r->state) {
    case SW_REDIS_CLOSED:
        if (!r->closing)
            connect_now(r);
        break;
    case SW_REDIS_CONNECTING:
        r->stats.timeouts++;
        conn_lost(r, 1, "no connection and handshake within %llu ms (connect_timeout)",
                  (unsigned long long)r->o.connect_timeout_ms);
        break;
    case SW_REDIS_CONNECTED: {
        if (r->outstanding == 0)
            break; /* re-armed by the next command */
        uint64_t idle = now_ms(r) - r->progress_ms;
        if (idle >= r->o.command_timeout_ms) {
            r->stats.timeouts++;
            conn_lost(r, 1, "no reply for %llu ms with %zu commands outstanding (command_timeout)",
                      (unsigned long long)idle, r->outstanding);
        } else {
            uv_timer_start(&r->timer, on_timer, r->o.command_timeout_ms - idle, 0);
        }
        break;
    }
    }
}

int sw_redis_init(sw_redis *r, uv_loop_t *loop, const sw_redis_options *o)
{
    memset(r, 0, sizeof *r);
    r->loop = loop;
    r->o = *o;
    if (!r->o.connect_timeout_ms)
        r->o.connect_timeout_ms = 2000;
    if (!r->o.command_timeout_ms)
        r->o.command_timeout_ms = 5000;
    if (!r->o.backoff_min_ms)
        r->o.backoff_min_ms = 100;
    if (!r->o.backoff_max_ms)
        r->o.backoff_max_ms = 10000;
    if (!r->o.auth_backoff_min_ms)
        r->o.auth_backoff_min_ms = 1000;
    if (!r->o.auth_backoff_max_ms)
        r->o.auth_backoff_max_ms = 60000;
    r->rng = uv_hrtime() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)r;
    if (!r->rng)
        r->rng = 1;
    r->o.sentinel = NULL; /* copied into r->sent below; the caller's may go */
    sw_redis_url_describe(&r->o.url, r->where, sizeof r->where);
    /* hiredis writes with write(2), not send(MSG_NOSIGNAL). */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
    }
    if (o->sentinel) {
        char err[400];
        if (sw_sentinel_init(&r->sent, loop, o->sentinel, err, sizeof err) != 0) {
            sw_error("%s", err);
            sw_redis_url_wipe(&r->o.url);
            return -1;
        }
        r->has_sentinel = 1;
        sw_sentinel_describe(&r->sent, r->where, sizeof r->where);
    }
    int rc = uv_timer_init(loop, &r->timer);
    if (rc != 0) {
        sw_redis_url_wipe(&r->o.url);
        if (r->has_sentinel)
            sw_sentinel_close(&r->sent, NULL, NULL);
        r->has_sentinel = 0;
        return rc;
    }
    r->timer.data = r;
    return 0;
}

void sw_redis_start(sw_redis *r)
{
    if (r->state == SW_REDIS_CLOSED && !r->ac && !r->closing) {
        uv_timer_stop(&r->timer);
        connect_now(r);
    }
    if (r->has_sentinel && !r->closing)
        sw_sentinel_watch(&r->sent, on_switch, r);
}

/* A caller's command for this connection, or NULL when it is not
 * connected (or out of memory). */
static cmd *user_cmd(sw_redis *r, sw_redis_reply_fn fn, void *privdata)
{
    if (r->state != SW_REDIS_CONNECTED || !r->ac)
        return NULL;
    cmd *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->r = r;
    c->gen = r->gen;
    c->kind = CMD_USER;
    c->fn = fn;
    c->privdata = privdata;
    return c;
}

int sw_redis_command(sw_redis *r, sw_redis_reply_fn fn, void *privdata, int argc, const char **argv,
                     const size_t *argvlen)
{
    cmd *c = user_cmd(r, fn, privdata);
    if (!c)
        return -1;
    if (argc >= 1 && (argvlen ? argvlen[0] : strlen(argv[0])) == 6 && strncasecmp(argv[0], "SCRIPT", 6) == 0)
        c->kind = CMD_SETUP;
    if (redisAsyncCommandArgv(r->ac, on_reply, c, argc, argv, argvlen) != REDIS_OK) {
        free(c);
        return -1;
    }
    if (r->outstanding++ == 0) {
        r->progress_ms = now_ms(r);
        uv_timer_start(&r->timer, on_timer, r->o.command_timeout_ms, 0);
    }
    return 0;
}

void sw_redis_flush(sw_redis *r)
{
    /* Inside a hiredis callback a write error would free the context under
     * hiredis's feet; the loop writes a moment later anyway. */
    if (r->in_hiredis || r->state != SW_REDIS_CONNECTED || !r->ac)
        return;
    if (sw_redis_unwritten(r) > 0)
        redisAsyncHandleWrite(r->ac);
}

size_t sw_redis_unwritten(const sw_redis *r)
{
    return r->ac && r->ac->c.obuf ? sdslen(r->ac->c.obuf) : 0;
}

static void drop(sw_redis *r, int refused, const char *why)
{
    if (r->ac || r->state != SW_REDIS_CLOSED) {
        r->handshake_failed = refused;
        conn_lost(r, 1, "%s", why);
    }
}

void sw_redis_drop(sw_redis *r, const char *why)
{
    drop(r, 0, why);
}

void sw_redis_refused(sw_redis *r, const char *why)
{
    drop(r, 1, why);
}

static void one_closed(sw_redis *r)
{
    if (--r->closes_left > 0)
        return;
    sw_redis_url_wipe(&r->o.url);
    if (r->closed_cb)
        r->closed_cb(r);
}

static void on_timer_closed(uv_handle_t *h)
{
    one_closed(h->data);
}

static void on_sentinel_closed(sw_sentinel *s, void *ctx)
{
    (void)s;
    one_closed(ctx);
}

void sw_redis_close(sw_redis *r, sw_redis_closed_fn closed)
{
    if (r->closing)
        return;
    r->closing = 1;
    r->closed_cb = closed;
    conn_lost(r, 1, NULL);
    r->closes_left = 1 + r->has_sentinel;
    if (r->has_sentinel)
        sw_sentinel_close(&r->sent, on_sentinel_closed, r);
    uv_close((uv_handle_t *)&r->timer, on_timer_closed);
}

/* A subscription's callback runs for every message, so its cmd lives until
 * hiredis calls it with NULL (the context is going away: it runs every
 * subscription's callback once with NULL).  It is not an outstanding
 * command: the watchdog would take a quiet channel for a dead server. */
static void on_message(struct redisAsyncContext *ac, void *reply, void *privdata)
{
    cmd *c = privdata;
    sw_redis *r = c->r;
    r->in_hiredis++;
    if (!reply && c->gen == r->gen)
        conn_lost(r, 0, "connection lost%s%s", ac->errstr[0] ? ": " : "", ac->errstr);
    c->fn(c->privdata, r, reply);
    r->in_hiredis--;
    if (!reply)
        free(c);
}

int sw_redis_subscribe(sw_redis *r, const char *channel, sw_redis_reply_fn fn, void *privdata)
{
    cmd *c = user_cmd(r, fn, privdata);
    if (!c)
        return -1;
    const char *argv[] = { "SUBSCRIBE", channel };
    size_t lens[] = { 9, strlen(channel) };
    if (redisAsyncCommandArgv(r->ac, on_message, c, 2, argv, lens) != REDIS_OK) {
        free(c);
        return -1;
    }
    return 0;
}
