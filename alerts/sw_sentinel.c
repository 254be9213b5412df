/* sw_sentinel.c -- see sw_sentinel.h.
 *
 * hiredis 0.14.1 rules followed here, as in sw_redis.c: a context is freed
 * by hiredis itself after onConnect(REDIS_ERR) and after onDisconnect (never
 * redisAsyncFree there); redisAsyncFree inside a reply callback is deferred
 * until the callback returns; when a context goes away every pending
 * callback, the subscription's too, runs with reply == NULL.  A callback
 * belongs to the current attempt only if its context is still the one we
 * hold (q_ac, w_ac): a context given up is set aside first, so its late
 * callbacks are recognised and ignored. */
#include "sw_sentinel.h"
#include "sw_log.h"
#include "sw_redis.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define REPLY_MAX 4096                  /* bulk strings from a sentinel: addresses, names */
#define WATCH_BACKOFF_MIN_MS 500
#define WATCH_BACKOFF_MAX_MS 30000
#define KEEPALIVE_S 15

static void q_try_next(sw_sentinel *s);
static void w_connect(sw_sentinel *s);
static void on_w_timer(uv_timer_t *t);

static void wipe(char *p, size_t n)
{
    volatile char *v = p;
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
}

static char *addr_text(const sw_sentinel_addr *a, char *buf, size_t len)
{
    int v6 = strchr(a->host, ':') != NULL;
    snprintf(buf, len, "%s%s%s:%d", v6 ? "[" : "", a->host, v6 ? "]" : "", a->port);
    return buf;
}

int sw_sentinel_init(sw_sentinel *s, uv_loop_t *loop, const sw_sentinel_params *p, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->loop = loop;
    s->max_string = REPLY_MAX;
    s->timeout_ms = p->timeout_ms ? p->timeout_ms : 500;
    if (!p->master_name || !p->master_name[0] || strlen(p->master_name) > SW_SENTINEL_NAME_MAX) {
        snprintf(err, errlen, "redis.master_name: missing or longer than %d bytes", SW_SENTINEL_NAME_MAX);
        return -1;
    }
    if (p->n_addrs == 0 || p->n_addrs > SW_SENTINEL_MAX) {
        snprintf(err, errlen, "redis.sentinels: %zu sentinels (1 to %d)", p->n_addrs, SW_SENTINEL_MAX);
        return -1;
    }
    for (size_t i = 0; i < p->n_addrs; i++) {
        char e[200];
        if (sw_redis_addr_parse(p->addrs[i], s->addrs[i].host, sizeof s->addrs[i].host, &s->addrs[i].port,
                                SW_SENTINEL_DEFAULT_PORT, e, sizeof e) != 0) {
            snprintf(err, errlen, "redis.sentinels[%zu]: %s", i, e);
            return -1;
        }
    }
    s->n = p->n_addrs;
    snprintf(s->master, sizeof s->master, "%s", p->master_name);
    if (p->password) {
        if (strlen(p->password) >= sizeof s->password) {
            snprintf(err, errlen, "redis.sentinel_password: longer than %zu bytes", sizeof s->password - 1);
            return -1;
        }
        snprintf(s->password, sizeof s->password, "%s", p->password);
    }
    int rc = uv_timer_init(loop, &s->q_timer);
    if (rc == 0) {
        rc = uv_timer_init(loop, &s->w_timer);
        if (rc != 0)
            uv_close((uv_handle_t *)&s->q_timer, NULL);
    }
    if (rc != 0) {
        wipe(s->password, sizeof s->password);
        snprintf(err, errlen, "cannot create a timer: %s", uv_strerror(rc));
        return rc;
    }
    s->q_timer.data = s->w_timer.data = s;
    return 0;
}

char *sw_sentinel_describe(const sw_sentinel *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s via %zu sentinel%s", s->master, s->n, s->n == 1 ? "" : "s");
    return buf;
}

/* A connection to a, attached to the loop, with AUTH queued when a sentinel
 * password is set; NULL with the reason in why. */
static struct redisAsyncContext *open_conn(sw_sentinel *s, const sw_sentinel_addr *a, redisCallbackFn *auth_cb,
                                           char *why, size_t whylen)
{
    redisAsyncContext *ac = redisAsyncConnect(a->host, a->port);
    if (!ac) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    if (ac->err) {
        snprintf(why, whylen, "%s", ac->errstr);
        redisAsyncFree(ac);
        return NULL;
    }
    ac->data = s;
    if (sw_redis_attach(ac, s->loop, &s->max_string) != 0) {
        snprintf(why, whylen, "cannot watch the socket on the loop");
        redisAsyncFree(ac);
        return NULL;
    }
    if (s->password[0]) {
        const char *argv[] = { "AUTH", s->password };
        size_t lens[] = { 4, strlen(s->password) };
        if (redisAsyncCommandArgv(ac, auth_cb, NULL, 2, argv, lens) != REDIS_OK) {
            snprintf(why, whylen, "cannot queue AUTH");
            redisAsyncFree(ac);
            return NULL;
        }
    }
    return ac;
}

/* ---- resolving ------------------------------------------------------------------ */

/* The attempt on the current sentinel failed.  free_ctx: the context is
 * ours to free (a timeout, an answer we cannot use); otherwise hiredis is
 * freeing it already. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void q_fail(sw_sentinel *s, int free_ctx, const char *fmt, ...)
{
    redisAsyncContext *ac = s->q_ac;
    s->q_ac = NULL;
    uv_timer_stop(&s->q_timer);
    char msg[240], where[SW_REDIS_HOST_MAX + 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(s->q_why, sizeof s->q_why, "sentinel %.270s: %.300s", addr_text(&s->q_addr, where, sizeof where), msg);
    sw_debug("%s", s->q_why);
    if (free_ctx && ac)
        redisAsyncFree(ac); /* pending callbacks run with NULL; they are stale now */
    if (s->q_active)
        q_try_next(s);
}

static void q_done(sw_sentinel *s, sw_sentinel_status st, const char *host, int port, const char *why)
{
    s->q_active = 0;
    sw_sentinel_resolved_fn cb = s->q_cb;
    s->q_cb = NULL;
    if (st == SW_SENTINEL_OK)
        s->stats.resolved++;
    else
        s->stats.failed++;
    if (cb)
        cb(s->q_ctx, s, st, host, port, why);
}

static void on_q_timeout(uv_timer_t *t)
{
    sw_sentinel *s = t->data;
    if (s->q_ac)
        q_fail(s, 1, "no answer within %llu ms", (unsigned long long)s->timeout_ms);
}

static void on_q_connect(const redisAsyncContext *ac, int status)
{
    sw_sentinel *s = ac->data;
    if (!s || ac != s->q_ac || status == REDIS_OK)
        return;
    q_fail(s, 0, "cannot connect: %s", ac->errstr[0] ? ac->errstr : "unknown error");
}

static void on_q_disconnect(const redisAsyncContext *ac, int status)
{
    (void)status;
    sw_sentinel *s = ac->data;
    if (!s || ac != s->q_ac)
        return;
    q_fail(s, 0, "connection lost%s%s", ac->errstr[0] ? ": " : "", ac->errstr);
}

static void on_q_auth(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)privdata;
    sw_sentinel *s = ac->data;
    const redisReply *r = reply;
    if (!s || ac != s->q_ac || !r)
        return; /* NULL: on_q_connect/on_q_disconnect or the code that freed it has dealt with it */
    if (r->type == REDIS_REPLY_ERROR)
        q_fail(s, 1, "AUTH refused: %.*s (check redis.sentinel_password_env or _file)",
               (int)(r->len < 200 ? r->len : 200), r->str);
}

/* [host, port] from SENTINEL get-master-addr-by-name. */
static void on_q_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)privdata;
    sw_sentinel *s = ac->data;
    const redisReply *r = reply;
    if (!s || ac != s->q_ac || !r)
        return;
    if (r->type == REDIS_REPLY_NIL) {
        s->q_nulls++;
        q_fail(s, 1, "does not know a master named \"%s\"", s->master);
        return;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        q_fail(s, 1, "%.*s", (int)(r->len < 200 ? r->len : 200), r->str);
        return;
    }
    char host[SW_REDIS_HOST_MAX];
    long port = 0;
    char *end = NULL;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
        r->element[1]->type != REDIS_REPLY_STRING || r->element[0]->len == 0 ||
        r->element[0]->len >= sizeof host || sw_redis_reply_len(r->element[0]) != r->element[0]->len ||
        (port = strtol(r->element[1]->str, &end, 10), !end || *end || port < 1 || port > 65535)) {
        q_fail(s, 1, "the answer is not [host, port]");
        return;
    }
    memcpy(host, r->element[0]->str, r->element[0]->len + 1);
    /* Step 3: the sentinel that answered is asked first next time. */
    size_t at = (s->q_next + s->n - 1) % s->n;
    if (at != 0) {
        sw_sentinel_addr first = s->addrs[at];
        memmove(&s->addrs[1], &s->addrs[0], at * sizeof s->addrs[0]);
        s->addrs[0] = first;
    }
    s->q_ac = NULL;
    uv_timer_stop(&s->q_timer);
    redisAsyncFree(ac); /* deferred until this callback returns */
    char where[SW_REDIS_HOST_MAX + 16];
    sw_debug("sentinel %s: the master of %s is %s:%ld", addr_text(&s->q_addr, where, sizeof where), s->master,
             host, port);
    q_done(s, SW_SENTINEL_OK, host, (int)port, NULL);
}

static void q_try_next(sw_sentinel *s)
{
    while (s->q_active && s->q_tried < s->n) {
        size_t i = s->q_next;
        s->q_next = (s->q_next + 1) % s->n;
        s->q_tried++;
        s->q_addr = s->addrs[i];
        char why[200];
        redisAsyncContext *ac = open_conn(s, &s->q_addr, on_q_auth, why, sizeof why);
        if (!ac) {
            char where[SW_REDIS_HOST_MAX + 16];
            snprintf(s->q_why, sizeof s->q_why, "sentinel %.270s: cannot connect: %.200s",
                     addr_text(&s->q_addr, where, sizeof where), why);
            continue;
        }
        const char *argv[] = { "SENTINEL", "get-master-addr-by-name", s->master };
        size_t lens[] = { 8, 23, strlen(s->master) };
        if (redisAsyncCommandArgv(ac, on_q_reply, NULL, 3, argv, lens) != REDIS_OK) {
            redisAsyncFree(ac);
            snprintf(s->q_why, sizeof s->q_why, "cannot queue the question");
            continue;
        }
        redisAsyncSetConnectCallback(ac, on_q_connect);
        redisAsyncSetDisconnectCallback(ac, on_q_disconnect);
        s->q_ac = ac;
        uv_timer_start(&s->q_timer, on_q_timeout, s->timeout_ms, 0);
        return;
    }
    if (!s->q_active)
        return;
    char why[1200];
    if (s->q_nulls == s->n)
        snprintf(why, sizeof why, "no sentinel knows a master named \"%s\" (all %zu answered null): check "
                                  "redis.master_name against the sentinels' \"sentinel monitor\" lines",
                 s->master, s->n);
    else if (s->q_nulls > 0)
        snprintf(why, sizeof why, "%zu of %zu sentinels do not know a master named \"%s\", the others cannot be "
                                  "reached (%s)", s->q_nulls, s->n, s->master, s->q_why);
    else
        snprintf(why, sizeof why, "no sentinel can be reached (%zu tried; last: %s)", s->n, s->q_why);
    q_done(s, s->q_nulls == s->n ? SW_SENTINEL_UNKNOWN_MASTER : SW_SENTINEL_UNREACHABLE, NULL, 0, why);
}

void sw_sentinel_cancel(sw_sentinel *s)
{
    s->q_active = 0;
    s->q_cb = NULL;
    uv_timer_stop(&s->q_timer);
    redisAsyncContext *ac = s->q_ac;
    s->q_ac = NULL;
    if (ac)
        redisAsyncFree(ac);
}

void sw_sentinel_resolve(sw_sentinel *s, sw_sentinel_resolved_fn cb, void *ctx)
{
    sw_sentinel_cancel(s);
    if (s->closing)
        return;
    s->q_active = 1;
    s->q_cb = cb;
    s->q_ctx = ctx;
    s->q_next = 0; /* the front of the list: the one that answered last */
    s->q_tried = s->q_nulls = 0;
    s->q_why[0] = '\0';
    q_try_next(s);
}

/* ---- watching +switch-master ------------------------------------------------------ */

static void w_retry(sw_sentinel *s, const char *why)
{
    s->subscribed = 0;
    if (s->closing)
        return;
    if (s->w_attempt < 16)
        s->w_attempt++;
    uint64_t delay = (uint64_t)WATCH_BACKOFF_MIN_MS << (s->w_attempt - 1);
    if (delay > WATCH_BACKOFF_MAX_MS)
        delay = WATCH_BACKOFF_MAX_MS;
    char where[SW_REDIS_HOST_MAX + 16];
    /* The watch is an optimisation: its trouble is worth a debug line only
     * (resolving reports what matters). */
    sw_debug("sentinel %s: +switch-master watch: %s; trying the next sentinel in %llu ms",
             addr_text(&s->w_addr, where, sizeof where), why, (unsigned long long)delay);
    uv_timer_start(&s->w_timer, on_w_timer, delay, 0);
}

static void on_w_timer(uv_timer_t *t)
{
    w_connect(t->data);
}

static void on_w_connect(const redisAsyncContext *ac, int status)
{
    sw_sentinel *s = ac->data;
    if (!s || ac != s->w_ac || status == REDIS_OK)
        return;
    s->w_ac = NULL;
    w_retry(s, ac->errstr[0] ? ac->errstr : "cannot connect");
}

static void on_w_disconnect(const redisAsyncContext *ac, int status)
{
    (void)status;
    sw_sentinel *s = ac->data;
    if (!s || ac != s->w_ac)
        return;
    s->w_ac = NULL;
    w_retry(s, ac->errstr[0] ? ac->errstr : "connection lost");
}

static void on_w_auth(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)privdata;
    sw_sentinel *s = ac->data;
    const redisReply *r = reply;
    if (!s || ac != s->w_ac || !r || r->type != REDIS_REPLY_ERROR)
        return;
    s->w_ac = NULL;
    redisAsyncFree(ac);
    w_retry(s, "AUTH refused");
}

/* ["subscribe", "+switch-master", 1], then ["message", "+switch-master",
 * "<name> <old-ip> <old-port> <new-ip> <new-port>"]. */
static void on_w_message(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)privdata;
    sw_sentinel *s = ac->data;
    const redisReply *r = reply;
    if (!s || ac != s->w_ac || !r)
        return; /* NULL: the subscription ended with its connection; on_w_disconnect retries */
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || r->element[0]->type != REDIS_REPLY_STRING)
        return;
    if (strcmp(r->element[0]->str, "subscribe") == 0) {
        s->w_attempt = 0; /* a working subscription starts the backoff over */
        s->subscribed = 1;
        char where[SW_REDIS_HOST_MAX + 16];
        sw_debug("sentinel %s: watching +switch-master for %s", addr_text(&s->w_addr, where, sizeof where),
                 s->master);
        return;
    }
    if (strcmp(r->element[0]->str, "message") != 0 || r->element[2]->type != REDIS_REPLY_STRING)
        return;
    char name[SW_SENTINEL_NAME_MAX + 1], oldh[SW_REDIS_HOST_MAX], newh[SW_REDIS_HOST_MAX];
    int oldp = 0, newp = 0;
    /* Field widths keep sscanf inside the buffers (the bounds above). */
    if (sscanf(r->element[2]->str, "%256s %255s %d %255s %d", name, oldh, &oldp, newh, &newp) != 5 ||
        strcmp(name, s->master) != 0 || newp < 1 || newp > 65535)
        return;
    s->stats.switches++;
    sw_info("sentinels: +switch-master: the master of %s moved from %s:%d to %s:%d", s->master, oldh, oldp, newh,
            newp);
    if (s->w_cb)
        s->w_cb(s->w_ctx, s, newh, newp);
}

static void w_connect(sw_sentinel *s)
{
    if (s->closing || s->w_ac)
        return;
    s->w_addr = s->addrs[s->w_next % s->n];
    s->w_next = (s->w_next + 1) % s->n;
    char why[200];
    redisAsyncContext *ac = open_conn(s, &s->w_addr, on_w_auth, why, sizeof why);
    if (!ac) {
        w_retry(s, why);
        return;
    }
    const char *argv[] = { "SUBSCRIBE", "+switch-master" };
    size_t lens[] = { 9, 14 };
    if (redisAsyncCommandArgv(ac, on_w_message, NULL, 2, argv, lens) != REDIS_OK) {
        redisAsyncFree(ac);
        w_retry(s, "cannot queue SUBSCRIBE");
        return;
    }
    redisAsyncSetConnectCallback(ac, on_w_connect);
    redisAsyncSetDisconnectCallback(ac, on_w_disconnect);
    /* A sentinel host that vanishes without a reset would leave the
     * subscription waiting forever: TCP keepalive notices. */
    int on = 1, idle = KEEPALIVE_S, intvl = KEEPALIVE_S / 3, cnt = 3;
    setsockopt(ac->c.fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(ac->c.fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(ac->c.fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(ac->c.fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    s->w_ac = ac;
}

void sw_sentinel_watch(sw_sentinel *s, sw_sentinel_switch_fn cb, void *ctx)
{
    s->w_cb = cb;
    s->w_ctx = ctx;
    if (s->watching || s->closing)
        return;
    s->watching = 1;
    s->w_next = 0; /* the sentinel that answered last, if any did */
    w_connect(s);
}

/* ---- closing ---------------------------------------------------------------------- */

static void on_timer_closed(uv_handle_t *h)
{
    sw_sentinel *s = h->data;
    if (--s->closes_left == 0 && s->closed)
        s->closed(s, s->closed_ctx);
}

void sw_sentinel_close(sw_sentinel *s, sw_sentinel_closed_fn closed, void *ctx)
{
    if (s->closing)
        return;
    sw_sentinel_cancel(s);
    s->closing = 1;
    s->closed = closed;
    s->closed_ctx = ctx;
    redisAsyncContext *ac = s->w_ac;
    s->w_ac = NULL;
    if (ac)
        redisAsyncFree(ac);
    wipe(s->password, sizeof s->password);
    s->closes_left = 2;
    uv_close((uv_handle_t *)&s->q_timer, on_timer_closed);
    uv_close((uv_handle_t *)&s->w_timer, on_timer_closed);
}
