/* sw_sink_redis.c -- the `redis` sink, see sw_sink_redis.h.
 *
 * Bookkeeping: the spool's items are in order; the first n_sent of them were
 * written on the current connection (flag SENT) and await their XADD reply.
 * Replies come in order on one connection, so each XADD reply confirms the
 * oldest item.  When the connection is lost, the SENT items become
 * MAYBE_SENT and are sent again after the reconnect check. */
#include "sw_secret.h"
#include "sw_sink_redis.h"
#include "sw_log.h"
#include "sw_redis.h"
#include "sw_redis_url.h"
#include "sw_spool.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Alerts written but not yet answered, at most: bounds hiredis's buffers
 * after a long outage while keeping the pipeline full. */
#define SEND_WINDOW 256
/* Extra stream entries read by the reconnect check, in case other producers
 * wrote to the stream after our last alerts. */
#define CHECK_MARGIN 64
#define CHECK_MAX 2048
#define PUBLISH_ERRORS_LOGGED 5
/* How often held alerts are offered to the spool file again (fsync always). */
#define HELD_RETRY_MS 1000

typedef struct redis_sink {
    sw_sink base;
    sw_redis_sink_params p;
    char *state_dir;
    sw_json_bracket json;
    char *channel_sev[3];       /* "<channel>:<severity>" */
    char maxlen[24];
    uv_loop_t *loop;
    sw_redis redis;
    sw_spool spool;
    uv_timer_t sync_timer, drain_timer;
    int redis_inited, timers_inited, spool_open;
    int closing, closes_left;
    size_t n_sent;
    int checking;               /* reconnect check (XREVRANGE) in flight */
    int draining;
    uint64_t drain_timeout_ms;
    sw_sink_done_fn drain_done, closed;
    void *drain_ctx, *closed_ctx;
    uint64_t published, publish_errors, xadd_errors, resend_skipped;
    sw_spool_stats spool_stats;  /* kept when the spool is closed */
    size_t held_lost;            /* held alerts the spool could not write before it closed */
} redis_sink;

/* ---- parameters -------------------------------------------------------------- */

void sw_redis_sink_defaults(sw_redis_sink_params *p)
{
    memset(p, 0, sizeof *p);
    p->url = strdup(SW_REDIS_DEFAULT_URL);
    p->stream = strdup(SW_REDIS_DEFAULT_STREAM);
    p->channel = strdup(SW_REDIS_DEFAULT_CHANNEL);
    p->maxlen = 100000;
    p->fsync = SW_REDIS_FSYNC_EVERYSEC;
    p->queue_max = 10000;
    p->spool_max_bytes = 64 << 20;
    p->connect_timeout_ns = INT64_C(2000000000);
    p->command_timeout_ns = INT64_C(5000000000);
}

void sw_redis_sink_params_free(sw_redis_sink_params *p)
{
    free(p->url);
    free(p->password_env);
    free(p->password_file);
    free(p->stream);
    free(p->channel);
    memset(p, 0, sizeof *p);
}

static int copy_params(sw_redis_sink_params *dst, const sw_redis_sink_params *src)
{
    *dst = *src;
    dst->url = src->url ? strdup(src->url) : NULL;
    dst->password_env = src->password_env ? strdup(src->password_env) : NULL;
    dst->password_file = src->password_file ? strdup(src->password_file) : NULL;
    dst->stream = src->stream ? strdup(src->stream) : NULL;
    dst->channel = src->channel ? strdup(src->channel) : NULL;
    if (!dst->url || !dst->stream || !dst->channel || (src->password_env && !dst->password_env) ||
        (src->password_file && !dst->password_file)) {
        sw_redis_sink_params_free(dst);
        return -1;
    }
    return 0;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SW_REDIS_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

int sw_redis_sink_check(const sw_redis_sink_params *p,
                        void (*report)(void *ctx, const char *key, const char *msg), void *ctx)
{
    int problems = 0;
    char err[256];
    sw_redis_url u;
    int url_ok = sw_redis_url_parse(p->url, &u, err, sizeof err) == 0;
    if (!url_ok) {
        report(ctx, "url", err);
        problems++;
    }
    int url_pw = url_ok && u.password[0];
    sw_redis_url_wipe(&u);
    if (p->password_env && !sw_env_name_valid(p->password_env)) {
        report(ctx, "password_env", "is not an environment variable name (letters, digits, \"_\")");
        problems++;
    }
    if (p->password_env && p->password_file) {
        report(ctx, "password_file", "the password comes from password_env already (use one of them)");
        problems++;
    }
    if (url_pw && (p->password_env || p->password_file)) {
        report(ctx, p->password_env ? "password_env" : "password_file",
               "the URL already holds a password (use one source)");
        problems++;
    }
    if (p->stream && !valid_name(p->stream)) {
        snprintf(err, sizeof err, "is not a stream name (1 to %d bytes, no spaces or control characters)",
                 SW_REDIS_NAME_MAX);
        report(ctx, "stream", err);
        problems++;
    }
    if (p->channel && !valid_name(p->channel)) {
        snprintf(err, sizeof err, "is not a channel name (1 to %d bytes, no spaces or control characters)",
                 SW_REDIS_NAME_MAX);
        report(ctx, "channel", err);
        problems++;
    }
    return problems;
}

/* ---- the password ------------------------------------------------------------ */

/* Fill u->password from password_env or password_file (the URL's own, if
 * any, is already there).  Returns 0 or -1 with a sentence in err; the
 * sentence never contains the secret. */
static int resolve_password(const sw_redis_sink_params *p, sw_redis_url *u, char *err, size_t errlen)
{
    char *pw = NULL;
    int rc = sw_secret_load(&pw, "redis.password", p->password_env, p->password_file, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0; /* 1: neither configured, the URL's own (if any) stands */
    size_t n = strlen(pw);
    if (n >= sizeof u->password) {
        snprintf(err, errlen, "redis.password: longer than %d bytes", (int)sizeof u->password - 1);
        sw_secret_free(&pw);
        return -1;
    }
    memcpy(u->password, pw, n + 1);
    sw_secret_free(&pw);
    return 0;
}

/* ---- sending ------------------------------------------------------------------ */

static void pump(redis_sink *s);
static void on_sync_timer(uv_timer_t *t);

static void schedule_sync(redis_sink *s)
{
    /* fsync always: persist the confirmed offset on the next loop turn,
     * once for every confirmation a read brought.  everysec: the 1 s timer
     * does it. */
    if (s->p.fsync == SW_REDIS_FSYNC_ALWAYS && s->timers_inited && !s->closing &&
        !uv_is_active((uv_handle_t *)&s->sync_timer))
        uv_timer_start(&s->sync_timer, on_sync_timer, 0, 0);
}

static void finish_drain(redis_sink *s)
{
    if (!s->draining)
        return;
    s->draining = 0;
    uv_timer_stop(&s->drain_timer);
    sw_spool_sync(&s->spool);
    size_t left = sw_spool_pending(&s->spool), held = s->spool.n_mem;
    if (left > held)
        sw_warn("redis sink: %zu alerts not confirmed by Redis within %llu ms; they stay in %s and are sent at "
                "the next start",
                left - held, (unsigned long long)s->drain_timeout_ms, s->spool.path);
    if (held)
        sw_error("redis sink: %zu alerts held in memory (the spool file could not take them) were not confirmed "
                 "by Redis within %llu ms",
                 held, (unsigned long long)s->drain_timeout_ms);
    sw_sink_done_fn done = s->drain_done;
    s->drain_done = NULL;
    if (done)
        done(s->drain_ctx, &s->base);
}

static void check_drain(redis_sink *s)
{
    if (s->draining && sw_spool_pending(&s->spool) == 0)
        finish_drain(s);
}

static void on_publish(void *privdata, sw_redis *r, const redisReply *rep)
{
    (void)r;
    redis_sink *s = privdata;
    if (!rep)
        return;
    if (rep->type == REDIS_REPLY_ERROR) {
        if (s->publish_errors++ < PUBLISH_ERRORS_LOGGED)
            sw_warn("redis %s: PUBLISH refused: %.*s", s->redis.where, (int)(rep->len < 200 ? rep->len : 200),
                    rep->str);
        return;
    }
    s->published++;
}

static void on_xadd(void *privdata, sw_redis *r, const redisReply *rep)
{
    redis_sink *s = privdata;
    if (!rep)
        return; /* connection lost: on_state marked the item MAYBE_SENT */
    if (rep->type == REDIS_REPLY_ERROR) {
        /* WRONGTYPE, OOM, MISCONF...: retrying at once would fail the same
         * way; reconnect after the backoff step and try again then. */
        char msg[320];
        snprintf(msg, sizeof msg, "XADD %s refused: %.*s; the alert stays in the spool", s->p.stream,
                 (int)(rep->len < 200 ? rep->len : 200), rep->str);
        s->xadd_errors++;
        sw_redis_refused(r, msg);
        return;
    }
    sw_spool_item *head = sw_spool_pending(&s->spool) ? sw_spool_item_at(&s->spool, 0) : NULL;
    if (s->n_sent == 0 || !head || !(head->flags & SW_SPOOL_SENT)) {
        /* Cannot happen while replies come in order; never confirm blindly. */
        sw_error("redis sink: XADD reply without an alert waiting for it; reconnecting");
        sw_redis_drop(r, "reply out of step");
        return;
    }
    sw_spool_confirm(&s->spool);
    s->n_sent--;
    schedule_sync(s);
    pump(s);
    check_drain(s);
}

static int send_item(redis_sink *s, const sw_spool_item *it)
{
    const sw_spool_body *b = it->body;
    const char *sev = sw_severity_name((sw_severity)it->severity);
    const char *xargv[] = { "XADD", s->p.stream, "MAXLEN", "~", s->maxlen, "*", "id", b->id, "symbol", b->symbol,
                            "severity", sev, "detector", b->detector, "json", b->json };
    size_t xlen[16];
    for (size_t i = 0; i < 16; i++)
        xlen[i] = strlen(xargv[i]);
    xlen[15] = b->len;
    if (sw_redis_command(&s->redis, on_xadd, s, 16, xargv, xlen) != 0)
        return -1;
    const char *pargv[] = { "PUBLISH", s->p.channel, b->json };
    size_t plen[] = { 7, strlen(s->p.channel), b->len };
    sw_redis_command(&s->redis, on_publish, s, 3, pargv, plen);
    pargv[1] = s->channel_sev[it->severity];
    plen[1] = strlen(pargv[1]);
    sw_redis_command(&s->redis, on_publish, s, 3, pargv, plen);
    return 0;
}

static void pump(redis_sink *s)
{
    if (s->closing || s->checking || s->redis.state != SW_REDIS_CONNECTED)
        return;
    sw_spool_load(&s->spool);
    int sent = 0;
    while (s->n_sent < sw_spool_ready(&s->spool) && s->n_sent < SEND_WINDOW) {
        sw_spool_item *it = sw_spool_item_at(&s->spool, s->n_sent);
        if (send_item(s, it) != 0)
            break;
        it->flags = SW_SPOOL_SENT;
        s->n_sent++;
        sent = 1;
    }
    if (sent)
        sw_redis_flush(&s->redis); /* last: it may lose the connection and call back */
}

/* ---- the reconnect check -------------------------------------------------------- */

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The alert ids among XREVRANGE's entries, sorted, in ids[n][17]. */
static size_t collect_ids(const redisReply *rep, char (*ids)[17], size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < rep->elements && n < max; i++) {
        const redisReply *e = rep->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        const redisReply *f = e->element[1];
        for (size_t k = 0; k + 1 < f->elements; k += 2) {
            const redisReply *key = f->element[k], *val = f->element[k + 1];
            if (key->type == REDIS_REPLY_STRING && key->len == 2 && memcmp(key->str, "id", 2) == 0 &&
                val->type == REDIS_REPLY_STRING && val->len == 16) {
                memcpy(ids[n], val->str, 16);
                ids[n][16] = '\0';
                n++;
                break;
            }
        }
    }
    qsort(ids, n, sizeof ids[0], cmp_id);
    return n;
}

static void clear_maybe(redis_sink *s)
{
    for (size_t i = 0; i < sw_spool_pending(&s->spool); i++)
        sw_spool_item_at(&s->spool, i)->flags &= (uint8_t)~SW_SPOOL_MAYBE_SENT;
}

static void on_check(void *privdata, sw_redis *r, const redisReply *rep)
{
    (void)r;
    redis_sink *s = privdata;
    if (!rep || !s->checking)
        return;
    s->checking = 0;
    if (rep->type != REDIS_REPLY_ARRAY) {
        if (rep->type == REDIS_REPLY_ERROR)
            sw_warn("redis %s: XREVRANGE %s refused: %.*s; sending the spool again in full", s->redis.where,
                    s->p.stream, (int)(rep->len < 200 ? rep->len : 200), rep->str);
        clear_maybe(s);
        pump(s);
        return;
    }
    char (*ids)[17] = malloc((rep->elements ? rep->elements : 1) * sizeof *ids);
    size_t n = ids ? collect_ids(rep, ids, rep->elements) : 0;
    size_t skipped = 0;
    /* Commands run in order: what reached Redis is a prefix of what we sent. */
    while (sw_spool_pending(&s->spool) > 0) {
        sw_spool_item *it = sw_spool_item_at(&s->spool, 0);
        if (!(it->flags & SW_SPOOL_MAYBE_SENT) || !it->body ||
            !bsearch(it->body->id, ids, n, sizeof ids[0], cmp_id))
            break;
        sw_spool_confirm(&s->spool);
        skipped++;
    }
    free(ids);
    if (skipped) {
        s->resend_skipped += skipped;
        sw_info("redis sink: %zu alerts are already among the last entries of %s (sent before, reply lost); "
                "not sent again", skipped, s->p.stream);
        schedule_sync(s);
    }
    clear_maybe(s);
    pump(s);
    check_drain(s);
}

static void start_check(redis_sink *s)
{
    size_t k = 0;
    sw_spool_load(&s->spool);
    while (k < sw_spool_ready(&s->spool) && (sw_spool_item_at(&s->spool, k)->flags & SW_SPOOL_MAYBE_SENT))
        k++;
    if (k == 0) {
        pump(s);
        return;
    }
    size_t count = k + CHECK_MARGIN < CHECK_MAX ? k + CHECK_MARGIN : CHECK_MAX;
    char cnt[24];
    snprintf(cnt, sizeof cnt, "%zu", count);
    const char *argv[] = { "XREVRANGE", s->p.stream, "+", "-", "COUNT", cnt };
    size_t lens[6];
    for (size_t i = 0; i < 6; i++)
        lens[i] = strlen(argv[i]);
    if (sw_redis_command(&s->redis, on_check, s, 6, argv, lens) != 0) {
        clear_maybe(s);
        pump(s);
        return;
    }
    s->checking = 1;
    sw_redis_flush(&s->redis);
}

static void on_state(void *ctx, sw_redis *r, sw_redis_state st)
{
    (void)r;
    redis_sink *s = ctx;
    if (st == SW_REDIS_CONNECTED) {
        s->n_sent = 0;
        if (!s->closing)
            start_check(s);
        return;
    }
    /* Lost: whatever was written may or may not have been executed. */
    for (size_t i = 0; i < s->n_sent && i < sw_spool_pending(&s->spool); i++)
        sw_spool_item_at(&s->spool, i)->flags = SW_SPOOL_MAYBE_SENT;
    s->n_sent = 0;
    s->checking = 0;
}

/* ---- the sink interface ------------------------------------------------------- */

/* While alerts are held in memory (the spool file refused them), try the
 * file again every second even when no new alert or confirmation comes:
 * everysec's periodic timer does that already; fsync always arms a retry. */
static void arm_retry(redis_sink *s)
{
    if (s->spool.n_mem > 0 && s->p.fsync == SW_REDIS_FSYNC_ALWAYS && s->timers_inited && !s->closing &&
        !uv_is_active((uv_handle_t *)&s->sync_timer))
        uv_timer_start(&s->sync_timer, on_sync_timer, HELD_RETRY_MS, 0);
}

static void on_sync_timer(uv_timer_t *t)
{
    redis_sink *s = t->data;
    sw_spool_sync(&s->spool);
    /* Items read back from the file become sendable as memory frees up. */
    pump(s);
    arm_retry(s);
}

static int redis_start(sw_sink *base, uv_loop_t *loop)
{
    redis_sink *s = (redis_sink *)base;
    char err[512];
    sw_redis_options o;
    memset(&o, 0, sizeof o);
    if (sw_redis_url_parse(s->p.url, &o.url, err, sizeof err) != 0) {
        sw_error("redis.url: %s", err);
        return -1;
    }
    if (!o.url.password[0] && resolve_password(&s->p, &o.url, err, sizeof err) != 0) {
        sw_error("%s", err);
        sw_redis_url_wipe(&o.url);
        return -1;
    }
    sw_spool_params sp = {
        .dir = s->state_dir,
        .max_bytes = (uint64_t)s->p.spool_max_bytes,
        .queue_max = s->p.queue_max > 0 ? (size_t)s->p.queue_max : 1,
        .fsync_always = s->p.fsync == SW_REDIS_FSYNC_ALWAYS,
        .json_mark = s->json.mark,
        .json_release = s->json.release,
    };
    if (sw_spool_open(&s->spool, &sp, err, sizeof err) != 0) {
        sw_error("redis sink: %s", err);
        sw_redis_url_wipe(&o.url);
        return -1;
    }
    s->spool_open = 1;
    s->loop = loop;
    int rc = uv_timer_init(loop, &s->sync_timer);
    if (rc == 0) {
        rc = uv_timer_init(loop, &s->drain_timer);
        if (rc != 0)
            uv_close((uv_handle_t *)&s->sync_timer, NULL);
    }
    if (rc != 0) {
        sw_redis_url_wipe(&o.url);
        return rc;
    }
    s->timers_inited = 1;
    s->sync_timer.data = s->drain_timer.data = s;
    o.connect_timeout_ms = (uint64_t)(s->p.connect_timeout_ns / 1000000);
    o.command_timeout_ms = (uint64_t)(s->p.command_timeout_ns / 1000000);
    o.on_state = on_state;
    o.ctx = s;
    rc = sw_redis_init(&s->redis, loop, &o);
    sw_redis_url_wipe(&o.url);
    if (rc != 0)
        return rc;
    s->redis_inited = 1;
    if (s->p.fsync == SW_REDIS_FSYNC_EVERYSEC) {
        uv_timer_start(&s->sync_timer, on_sync_timer, 1000, 1000);
        uv_unref((uv_handle_t *)&s->sync_timer); /* housekeeping: keeps no loop alive */
    }
    sw_info("redis sink: %s, stream %s, channel %s, spool %s", s->redis.where, s->p.stream, s->p.channel,
            s->spool.path);
    sw_redis_start(&s->redis);
    return 0;
}

static int redis_deliver(sw_sink *base, const sw_alert *a, const char *json, size_t len)
{
    redis_sink *s = (redis_sink *)base;
    if (!s->spool_open || s->closing)
        return -1;
    if (sw_spool_append(&s->spool, a, json, len) != 0)
        return -1; /* refused by the overflow policy, or not an alert line: logged by the spool */
    pump(s);
    arm_retry(s);
    return 0;
}

static void redis_flush(sw_sink *base)
{
    redis_sink *s = (redis_sink *)base;
    if (s->spool_open)
        sw_spool_sync(&s->spool);
    if (s->redis_inited)
        sw_redis_flush(&s->redis);
}

static void on_drain_timeout(uv_timer_t *t)
{
    finish_drain(t->data);
}

static void redis_drain(sw_sink *base, uint64_t timeout_ms, sw_sink_done_fn done, void *ctx)
{
    redis_sink *s = (redis_sink *)base;
    if (s->draining)
        return;
    if (s->spool_open)
        sw_spool_sync(&s->spool); /* whatever happens next, it is on disk now */
    s->drain_done = done;
    s->drain_ctx = ctx;
    s->drain_timeout_ms = timeout_ms;
    s->draining = 1;
    if (!s->timers_inited || sw_spool_pending(&s->spool) == 0) {
        finish_drain(s);
        return;
    }
    sw_info("redis sink: waiting up to %llu ms for Redis to confirm %zu alerts", (unsigned long long)timeout_ms,
            sw_spool_pending(&s->spool));
    uv_timer_start(&s->drain_timer, on_drain_timeout, timeout_ms, 0);
    pump(s);
}

static size_t redis_pending(sw_sink *base)
{
    redis_sink *s = (redis_sink *)base;
    return s->spool_open ? sw_spool_pending(&s->spool) : 0;
}

static void close_step(redis_sink *s)
{
    if (--s->closes_left > 0)
        return;
    if (s->spool_open) {
        sw_spool_sync(&s->spool); /* a last chance for held alerts to reach the file */
        s->spool_stats = s->spool.stats;
        s->held_lost = s->spool.n_mem;
        sw_spool_close(&s->spool);
        s->spool_open = 0;
    }
    if (s->closed)
        s->closed(s->closed_ctx, &s->base);
}

static void on_timer_closed(uv_handle_t *h)
{
    close_step(h->data);
}

static void on_redis_closed(sw_redis *r)
{
    close_step(r->o.ctx);
}

static void redis_close(sw_sink *base, sw_sink_done_fn closed, void *ctx)
{
    redis_sink *s = (redis_sink *)base;
    if (s->closing)
        return;
    finish_drain(s);
    s->closing = 1;
    s->closed = closed;
    s->closed_ctx = ctx;
    s->closes_left = 1; /* this function's own step, so callbacks cannot finish early */
    if (s->timers_inited) {
        s->closes_left += 2;
        uv_close((uv_handle_t *)&s->sync_timer, on_timer_closed);
        uv_close((uv_handle_t *)&s->drain_timer, on_timer_closed);
    }
    if (s->redis_inited) {
        s->closes_left++;
        sw_redis_close(&s->redis, on_redis_closed);
    }
    close_step(s);
}

static void redis_destroy(sw_sink *base)
{
    redis_sink *s = (redis_sink *)base;
    if (s->spool_open)
        sw_spool_close(&s->spool);
    sw_redis_sink_params_free(&s->p);
    for (int i = 0; i < 3; i++)
        free(s->channel_sev[i]);
    free(s->state_dir);
    free(s);
}

sw_sink *sw_sink_redis_new(const sw_redis_sink_params *params, const char *state_dir, const sw_json_bracket *json)
{
    redis_sink *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (copy_params(&s->p, params) != 0)
        goto fail;
    s->state_dir = strdup(state_dir ? state_dir : ".");
    if (!s->state_dir)
        goto fail;
    if (json)
        s->json = *json;
    for (int i = 0; i < 3; i++) {
        const char *sev = sw_severity_name((sw_severity)i);
        size_t n = strlen(s->p.channel) + 1 + strlen(sev) + 1;
        if (!(s->channel_sev[i] = malloc(n)))
            goto fail;
        snprintf(s->channel_sev[i], n, "%s:%s", s->p.channel, sev);
    }
    snprintf(s->maxlen, sizeof s->maxlen, "%d", s->p.maxlen > 0 ? s->p.maxlen : 1);
    s->base.name = "redis";
    s->base.start = redis_start;
    s->base.deliver = redis_deliver;
    s->base.flush = redis_flush;
    s->base.drain = redis_drain;
    s->base.pending = redis_pending;
    s->base.close = redis_close;
    s->base.destroy = redis_destroy;
    return &s->base;
fail:
    redis_destroy(&s->base);
    return NULL;
}

void sw_sink_redis_get_stats(sw_sink *base, sw_sink_redis_stats *out)
{
    redis_sink *s = (redis_sink *)base;
    memset(out, 0, sizeof *out);
    const sw_spool_stats *ss = s->spool_open ? &s->spool.stats : &s->spool_stats;
    out->spooled = ss->appended;
    out->confirmed = ss->confirmed;
    out->published = s->published;
    out->publish_errors = s->publish_errors;
    out->xadd_errors = s->xadd_errors;
    out->resend_skipped = s->resend_skipped;
    memcpy(out->dropped, ss->dropped, sizeof out->dropped);
    out->recovered = ss->recovered;
    out->held = ss->held;
    out->held_written = ss->held_written;
    out->held_lost = s->held_lost;
    out->held_now = s->spool_open ? s->spool.n_mem : 0;
    out->skipped_lines = ss->skipped_lines;
    out->connects = s->redis.stats.connects;
    out->connection_failures = s->redis.stats.failures;
    out->connected = s->redis_inited && s->redis.state == SW_REDIS_CONNECTED;
}

size_t sw_sink_redis_unwritten(sw_sink *base)
{
    redis_sink *s = (redis_sink *)base;
    return s->redis_inited ? sw_redis_unwritten(&s->redis) : 0;
}

sw_redis *sw_sink_redis_conn(sw_sink *base)
{
    redis_sink *s = (redis_sink *)base;
    return s->redis_inited && !s->closing ? &s->redis : NULL;
}
