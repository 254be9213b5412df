/* sw_sink_redis.c -- the `redis` sink, see sw_sink_redis.h.
 *
 * Bookkeeping: the spool's items are in order; the first n_sent of them were
 * sent on the current connection (flag SENT).  Each item has a sequence
 * number, head_seq + its index (head_seq counts the items confirmed so far);
 * a command's record carries the number, so a reply finds its item even when
 * an item had to be sent again (NOSCRIPT: with EVAL, after later ones).  The
 * script's answer marks the item WRITTEN; with replicas_ack, a WAIT sent
 * after a batch marks every WRITTEN item before it ACKED once it counts
 * enough replicas (without, WRITTEN is enough).  Items are confirmed -- and
 * leave the spool -- from the head, in order, as soon as they are ACKED.
 * When the connection is lost, the SENT items become MAYBE_SENT and are sent
 * again after the reconnect check (the script makes a resend harmless). */
#include "sw_secret.h"
#include "sw_sink_redis.h"
#include "sw_log.h"
#include "sw_redis.h"
#include "sw_redis_url.h"
#include "sw_spool.h"
#include "sw_symtab.h" /* sw_hash_str: FNV-1a 64 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Alerts written but not yet answered, at most: bounds hiredis's buffers
 * after a long outage while keeping the pipeline full. */
#define SEND_WINDOW 256
/* Extra stream entries read by the reconnect check, in case other producers
 * wrote to the stream after our last alerts. */
#define CHECK_MARGIN 64
#define CHECK_MAX 2048
/* How often held alerts are offered to the spool file again (fsync always). */
#define HELD_RETRY_MS 1000
/* After a WAIT answered with an error (say, on a replica): ask again this much later. */
#define WAIT_RETRY_MS 1000

/* The alert script (see sw_sink_redis.h).  KEYS[1] the dedupe key, KEYS[2]
 * the stream; ARGV: ttl, maxlen, producer, id, symbol, severity, detector,
 * json, channel, channel:severity.  Redis does not roll a script back when a
 * command in it fails, so the order matters: the key is looked at first, the
 * XADD (the command that can be refused: WRONGTYPE, OOM) comes before the
 * key is set, so a refused alert leaves no key behind that would make its
 * retry a no-op.  The no-op path writes (EXPIRE) so that a WAIT after it
 * also covers the first writer's entry, and answers a one-element array,
 * which the sink tells apart from the entry id a write answers. */
static const char alert_script[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "  redis.call('EXPIRE', KEYS[1], ARGV[1])\n"
    "  return {redis.call('GET', KEYS[1])}\n"
    "end\n"
    "local e = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'id', ARGV[4], 'symbol', ARGV[5],\n"
    "                     'severity', ARGV[6], 'detector', ARGV[7], 'json', ARGV[8])\n"
    "redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[1])\n"
    "redis.call('PUBLISH', ARGV[9], ARGV[8])\n"
    "redis.call('PUBLISH', ARGV[10], ARGV[8])\n"
    "return e\n";

typedef struct redis_sink {
    sw_sink base;
    sw_redis_sink_params p;
    char *state_dir;
    sw_json_bracket json;
    char *channel_sev[3];       /* "<channel>:<severity>" */
    char *key_prefix;           /* "<stream>:id:" */
    char maxlen[24], ttl[24], wait_n[16], wait_ms[24];
    char producer[17];          /* sw_redis_producer_id */
    uv_loop_t *loop;
    sw_redis redis;
    sw_spool spool;
    uv_timer_t sync_timer, drain_timer, wait_timer;
    int redis_inited, timers_inited, spool_open;
    int closing, closes_left;
    size_t n_sent;
    uint64_t head_seq;          /* sequence number of the spool's first item */
    uint64_t conn_gen;          /* connections made: records of an older one are stale */
    int checking;               /* reconnect check (XREVRANGE) in flight */
    int loading;                /* SCRIPT LOAD in flight */
    char sha[41];               /* the script's SHA1 on this connection; "": EVAL */
    int waits_out;              /* WAITs in flight on this connection */
    int draining;
    uint64_t drain_timeout_ms;
    sw_sink_done_fn drain_done, closed;
    void *drain_ctx, *closed_ctx;
    uint64_t published, publish_errors, xadd_errors, resend_skipped;
    uint64_t deduplicated, noscript, wait_short;
    sw_spool_stats spool_stats;  /* kept when the spool is closed */
    size_t held_lost;            /* held alerts the spool could not write before it closed */
} redis_sink;

/* What a command's reply needs to find its item (the script) or items
 * (WAIT: every one sent before it). */
typedef struct sendrec {
    redis_sink *s;
    uint64_t gen;
    uint64_t seq;               /* the script's item; WAIT: items below this */
} sendrec;

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
    p->dedupe_ttl_ns = INT64_C(86400) * 1000000000;
    p->replicas_ack = 0;
    p->replicas_timeout_ns = INT64_C(1000000000);
    p->sentinel_timeout_ns = INT64_C(500000000);
}

void sw_redis_sink_params_free(sw_redis_sink_params *p)
{
    free(p->url);
    free(p->password_env);
    free(p->password_file);
    free(p->stream);
    free(p->channel);
    free(p->master_name);
    free(p->sentinel_password_env);
    free(p->sentinel_password_file);
    sw_str_list_free(&p->sentinels);
    memset(p, 0, sizeof *p);
}

static int dup_opt(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return src && !*dst ? -1 : 0;
}

static int copy_params(sw_redis_sink_params *dst, const sw_redis_sink_params *src)
{
    *dst = *src;
    int rc = dup_opt(&dst->url, src->url) | dup_opt(&dst->password_env, src->password_env) |
             dup_opt(&dst->password_file, src->password_file) | dup_opt(&dst->stream, src->stream) |
             dup_opt(&dst->channel, src->channel) | dup_opt(&dst->master_name, src->master_name) |
             dup_opt(&dst->sentinel_password_env, src->sentinel_password_env) |
             dup_opt(&dst->sentinel_password_file, src->sentinel_password_file) |
             sw_str_list_copy(&dst->sentinels, &src->sentinels);
    if (rc != 0 || !dst->url || !dst->stream || !dst->channel) {
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
    int is_unix = url_ok && u.is_unix;
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
    /* Sentinel: addresses, the master's name, where its password comes from. */
    if (p->sentinels.n > SW_SENTINEL_MAX) {
        snprintf(err, sizeof err, "has %zu sentinels (at most %d)", p->sentinels.n, SW_SENTINEL_MAX);
        report(ctx, "sentinels", err);
        problems++;
    }
    for (size_t i = 0; i < p->sentinels.n && i < SW_SENTINEL_MAX; i++) {
        char host[SW_REDIS_HOST_MAX], key[32], e[200];
        int port;
        snprintf(key, sizeof key, "sentinels[%zu]", i);
        if (sw_redis_addr_parse(p->sentinels.v[i], host, sizeof host, &port, SW_SENTINEL_DEFAULT_PORT, e,
                                sizeof e) != 0) {
            snprintf(err, sizeof err, "%s (a sentinel as \"host:port\", e.g. \"10.0.0.1:26379\")", e);
            report(ctx, key, err);
            problems++;
        }
    }
    if (p->sentinels.n && !p->master_name) {
        report(ctx, "master_name", "missing: redis.sentinels needs the name of the master they monitor (the "
                                   "NAME of \"sentinel monitor NAME host port quorum\")");
        problems++;
    }
    if (!p->sentinels.n && p->master_name) {
        report(ctx, "master_name", "is set but redis.sentinels is empty (the sentinels to ask where it is)");
        problems++;
    }
    if (p->master_name && !valid_name(p->master_name)) {
        snprintf(err, sizeof err, "is not a master name (1 to %d bytes, no spaces or control characters)",
                 SW_REDIS_NAME_MAX);
        report(ctx, "master_name", err);
        problems++;
    }
    if (p->sentinel_password_env && !sw_env_name_valid(p->sentinel_password_env)) {
        report(ctx, "sentinel_password_env", "is not an environment variable name (letters, digits, \"_\")");
        problems++;
    }
    if (p->sentinel_password_env && p->sentinel_password_file) {
        report(ctx, "sentinel_password_file",
               "the sentinel password comes from sentinel_password_env already (use one of them)");
        problems++;
    }
    if (!p->sentinels.n && (p->sentinel_password_env || p->sentinel_password_file)) {
        report(ctx, p->sentinel_password_env ? "sentinel_password_env" : "sentinel_password_file",
               "is set but redis.sentinels is empty (a password for no sentinel)");
        problems++;
    }
    if (p->sentinels.n && url_ok && is_unix) {
        report(ctx, "url", "is a Unix socket, but with redis.sentinels the master's host and port come from the "
                           "sentinels (redis.url then gives only the db, and the password if it holds one)");
        problems++;
    }
    if (p->replicas_ack > 0 && p->replicas_timeout_ns >= p->command_timeout_ns) {
        report(ctx, "replicas_timeout", "must be below redis.command_timeout (WAIT holds the connection that "
                                        "long, and the command timeout would drop it)");
        problems++;
    }
    return problems;
}

int sw_redis_sentinel_password(const sw_redis_sink_params *p, char **out, char *err, size_t errlen)
{
    return sw_secret_load(out, "redis.sentinel_password", p->sentinel_password_env, p->sentinel_password_file,
                          err, errlen);
}

void sw_redis_producer_id(const char *state_dir, char out[17])
{
    char host[256] = "";
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    char key[256 + 4096 + 2];
    snprintf(key, sizeof key, "%s|%s", host, state_dir ? state_dir : "");
    snprintf(out, 17, "%016llx", (unsigned long long)sw_hash_str(key));
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
        sw_warn("redis sink: %zu alerts not confirmed by Redis within %llu ms%s; they stay in %s and are sent at "
                "the next start",
                left - held, (unsigned long long)s->drain_timeout_ms,
                s->p.replicas_ack ? " (written and counted by enough replicas)" : "", s->spool.path);
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

/* The sent item with sequence number seq, or NULL (its record is stale). */
static sw_spool_item *item_of(redis_sink *s, uint64_t seq)
{
    if (seq < s->head_seq || seq - s->head_seq >= s->n_sent)
        return NULL;
    return sw_spool_item_at(&s->spool, (size_t)(seq - s->head_seq));
}

/* Confirm the items at the head that are ACKED: they leave the spool. */
static void advance(redis_sink *s)
{
    int any = 0;
    while (s->n_sent > 0 && sw_spool_pending(&s->spool) > 0 &&
           (sw_spool_item_at(&s->spool, 0)->flags & SW_SPOOL_ACKED)) {
        sw_spool_confirm(&s->spool);
        s->head_seq++;
        s->n_sent--;
        any = 1;
    }
    if (!any)
        return;
    schedule_sync(s);
    pump(s);
    check_drain(s);
}

static sendrec *new_rec(redis_sink *s, uint64_t seq)
{
    sendrec *r = malloc(sizeof *r);
    if (r) {
        r->s = s;
        r->gen = s->conn_gen;
        r->seq = seq;
    }
    return r;
}

static void on_script(void *privdata, sw_redis *r, const redisReply *rep);

/* The alert script for the item at index idx, with EVALSHA (EVAL when the
 * server has no copy of the script).  Returns 0, or -1 when the command
 * could not be queued. */
static int send_item(redis_sink *s, size_t idx)
{
    const sw_spool_item *it = sw_spool_item_at(&s->spool, idx);
    const sw_spool_body *b = it->body;
    const char *sev = sw_severity_name((sw_severity)it->severity);
    char key[SW_REDIS_NAME_MAX + 32];
    snprintf(key, sizeof key, "%s%s", s->key_prefix, b->id);
    int eval = !s->sha[0];
    const char *argv[] = { eval ? "EVAL" : "EVALSHA", eval ? alert_script : s->sha, "2", key, s->p.stream,
                           s->ttl, s->maxlen, s->producer, b->id, b->symbol, sev, b->detector, b->json,
                           s->p.channel, s->channel_sev[it->severity] };
    size_t lens[15];
    for (size_t i = 0; i < 15; i++)
        lens[i] = strlen(argv[i]);
    lens[12] = b->len;
    sendrec *rec = new_rec(s, s->head_seq + idx);
    if (!rec)
        return -1;
    if (sw_redis_command(&s->redis, on_script, rec, 15, argv, lens) != 0) {
        free(rec);
        return -1;
    }
    return 0;
}

static void on_wait(void *privdata, sw_redis *r, const redisReply *rep);

/* WAIT replicas_ack timeout after what was just sent: it answers once the
 * replicas have everything this connection wrote before it.  One at a time:
 * a WAIT holds the connection (the scripts behind it run when it returns),
 * so the next one, sent when it answers, covers everything sent meanwhile
 * -- a batch per round instead of a timeout per alert. */
static void send_wait(redis_sink *s)
{
    if (!s->p.replicas_ack || s->redis.state != SW_REDIS_CONNECTED || s->waits_out > 0)
        return;
    sendrec *rec = new_rec(s, s->head_seq + s->n_sent);
    if (!rec)
        return;
    const char *argv[] = { "WAIT", s->wait_n, s->wait_ms };
    size_t lens[] = { 4, strlen(s->wait_n), strlen(s->wait_ms) };
    if (sw_redis_command(&s->redis, on_wait, rec, 3, argv, lens) != 0) {
        free(rec);
        return;
    }
    s->waits_out++;
}

/* Items written but not yet counted by enough replicas. */
static size_t unreplicated(redis_sink *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_sent && i < sw_spool_pending(&s->spool); i++) {
        uint8_t f = sw_spool_item_at(&s->spool, i)->flags;
        n += (f & SW_SPOOL_WRITTEN) && !(f & SW_SPOOL_ACKED);
    }
    return n;
}

static void on_wait_timer(uv_timer_t *t)
{
    redis_sink *s = t->data;
    if (s->waits_out == 0 && unreplicated(s) > 0) {
        send_wait(s);
        sw_redis_flush(&s->redis);
    }
}

static void on_wait(void *privdata, sw_redis *r, const redisReply *rep)
{
    sendrec *rec = privdata;
    redis_sink *s = rec->s;
    uint64_t upto = rec->seq, gen = rec->gen;
    free(rec);
    if (!rep || gen != s->conn_gen)
        return; /* connection lost: on_state starts over */
    if (s->waits_out > 0)
        s->waits_out--;
    if (rep->type == REDIS_REPLY_INTEGER && rep->integer >= s->p.replicas_ack) {
        for (size_t i = 0; i < s->n_sent && s->head_seq + i < upto; i++) {
            sw_spool_item *it = sw_spool_item_at(&s->spool, i);
            if (it->flags & SW_SPOOL_WRITTEN)
                it->flags |= SW_SPOOL_ACKED;
        }
        advance(s);
        /* Items sent after this WAIT need the next one (pump sent it if it
         * sent anything). */
        for (size_t i = 0; i < s->n_sent && s->waits_out == 0; i++)
            if (!(sw_spool_item_at(&s->spool, i)->flags & SW_SPOOL_ACKED)) {
                send_wait(s);
                sw_redis_flush(r);
            }
        return;
    }
    size_t waiting = unreplicated(s);
    s->wait_short++;
    /* Shown at the 1st, 2nd, 4th, 8th... short answer: a missing replica
     * repeats this every timeout. */
    uint64_t k = s->wait_short;
    sw_log_level lvl = (k & (k - 1)) == 0 ? SW_LOG_WARNING : SW_LOG_DEBUG;
    if (rep->type == REDIS_REPLY_INTEGER)
        sw_log(lvl, "redis %s: WAIT %s: %lld replicas acknowledged within %s ms; %zu alerts stay in the spool "
                    "until %s do (redis.replicas_ack)",
               r->where, s->wait_n, rep->integer, s->wait_ms, waiting, s->wait_n);
    else
        sw_log(lvl, "redis %s: WAIT refused: %.*s; %zu alerts stay in the spool", r->where,
               (int)(rep->type == REDIS_REPLY_ERROR && rep->len < 200 ? rep->len : 0),
               rep->type == REDIS_REPLY_ERROR ? rep->str : "", waiting);
    if (s->waits_out > 0 || (waiting == 0 && s->n_sent == 0))
        return; /* a later WAIT covers them */
    if (rep->type == REDIS_REPLY_INTEGER) {
        /* It blocked for the whole timeout: ask again at once. */
        send_wait(s);
        sw_redis_flush(r);
    } else if (s->timers_inited && !s->closing) {
        uv_timer_start(&s->wait_timer, on_wait_timer, WAIT_RETRY_MS, 0);
    }
}

static void on_script(void *privdata, sw_redis *r, const redisReply *rep)
{
    sendrec *rec = privdata;
    redis_sink *s = rec->s;
    uint64_t seq = rec->seq, gen = rec->gen;
    free(rec);
    if (!rep || gen != s->conn_gen)
        return; /* connection lost: on_state marked the item MAYBE_SENT */
    sw_spool_item *it = item_of(s, seq);
    if (!it || !(it->flags & SW_SPOOL_SENT) || (it->flags & SW_SPOOL_WRITTEN)) {
        /* Cannot happen while every record finds its item; never confirm blindly. */
        sw_error("redis sink: a script reply for alert #%llu, which is not waiting for one; reconnecting",
                 (unsigned long long)seq);
        sw_redis_drop(r, "reply out of step");
        return;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        if (rep->len >= 8 && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
            /* The server has no copy of the script (SCRIPT FLUSH, or a proxy
             * that moved us to another server): nothing ran.  EVAL carries
             * the script itself; SCRIPT LOAD is tried again at the next
             * connect. */
            if (s->noscript++ == 0 || s->sha[0])
                sw_warn("redis %s: NOSCRIPT: the server does not have the alert script; sending it with EVAL",
                        r->where);
            s->sha[0] = '\0';
            if (send_item(s, (size_t)(seq - s->head_seq)) == 0) {
                send_wait(s);
                sw_redis_flush(r);
            }
            return;
        }
        char msg[320];
        snprintf(msg, sizeof msg, "the alert script on %s refused: %.*s; the alert stays in the spool", s->p.stream,
                 (int)(rep->len < 200 ? rep->len : 200), rep->str);
        s->xadd_errors++;
        /* READONLY (a failover demoted this server), NOREPLICAS, LOADING:
         * reconnect soon (and ask the sentinels again).  WRONGTYPE, OOM,
         * MISCONF would fail the same way: the slow backoff. */
        if (sw_redis_reply_transient(rep))
            sw_redis_drop(r, msg);
        else
            sw_redis_refused(r, msg);
        return;
    }
    it->flags |= SW_SPOOL_WRITTEN;
    if (rep->type == REDIS_REPLY_ARRAY) {
        /* {producer}: the key was there.  Ours: a resend whose first reply
         * was lost.  Another producer's: the active-active twin was first. */
        const redisReply *who = rep->elements >= 1 ? rep->element[0] : NULL;
        if (who && who->type == REDIS_REPLY_STRING && who->len == 16 && memcmp(who->str, s->producer, 16) == 0) {
            s->resend_skipped++;
        } else {
            s->deduplicated++;
            if (it->body)
                sw_debug("redis sink: alert %s was written by another shockd first (deduplicated)", it->body->id);
        }
    } else {
        s->published += 2;
    }
    if (!s->p.replicas_ack)
        it->flags |= SW_SPOOL_ACKED;
    advance(s);
}

static void pump(redis_sink *s)
{
    if (s->closing || s->checking || s->loading || s->redis.state != SW_REDIS_CONNECTED)
        return;
    sw_spool_load(&s->spool);
    int sent = 0;
    while (s->n_sent < sw_spool_ready(&s->spool) && s->n_sent < SEND_WINDOW) {
        sw_spool_item *it = sw_spool_item_at(&s->spool, s->n_sent);
        if (send_item(s, s->n_sent) != 0)
            break;
        it->flags = SW_SPOOL_SENT;
        s->n_sent++;
        sent = 1;
    }
    if (sent) {
        send_wait(s);
        sw_redis_flush(&s->redis); /* last: it may lose the connection and call back */
    }
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
        s->head_seq++;
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
    /* With replicas_ack an alert found in the stream still needs a WAIT on
     * this connection: it is sent again instead (the script finds it and
     * writes only its key's expiry, which the WAIT then covers). */
    if (k == 0 || s->p.replicas_ack) {
        clear_maybe(s);
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

/* SCRIPT LOAD's answer: the SHA1 EVALSHA names the script by. */
static void on_load(void *privdata, sw_redis *r, const redisReply *rep)
{
    sendrec *rec = privdata;
    redis_sink *s = rec->s;
    uint64_t gen = rec->gen;
    free(rec);
    if (!rep || gen != s->conn_gen)
        return;
    s->loading = 0;
    if (rep->type == REDIS_REPLY_STRING && rep->len == 40) {
        memcpy(s->sha, rep->str, 40);
        s->sha[40] = '\0';
    } else {
        s->sha[0] = '\0';
        sw_warn("redis %s: SCRIPT LOAD refused%s%.*s; sending the alert script with EVAL", r->where,
                rep->type == REDIS_REPLY_ERROR ? ": " : "",
                (int)(rep->type == REDIS_REPLY_ERROR && rep->len < 200 ? rep->len : 0),
                rep->type == REDIS_REPLY_ERROR ? rep->str : "");
    }
    if (!s->closing)
        start_check(s);
}

static void on_state(void *ctx, sw_redis *r, sw_redis_state st)
{
    (void)r;
    redis_sink *s = ctx;
    s->conn_gen++;
    s->waits_out = 0;
    if (st == SW_REDIS_CONNECTED) {
        s->n_sent = 0;
        s->sha[0] = '\0';
        if (s->closing)
            return;
        /* Loaded on every (re)connect: a server after a failover or a
         * restart may never have seen it. */
        const char *argv[] = { "SCRIPT", "LOAD", alert_script };
        size_t lens[] = { 6, 4, sizeof alert_script - 1 };
        sendrec *rec = new_rec(s, 0);
        if (rec && sw_redis_command(&s->redis, on_load, rec, 3, argv, lens) == 0) {
            s->loading = 1;
            sw_redis_flush(&s->redis);
        } else {
            free(rec);
            start_check(s); /* EVAL it is */
        }
        return;
    }
    /* Lost: whatever was written may or may not have been executed. */
    for (size_t i = 0; i < s->n_sent && i < sw_spool_pending(&s->spool); i++)
        sw_spool_item_at(&s->spool, i)->flags = SW_SPOOL_MAYBE_SENT;
    s->n_sent = 0;
    s->checking = 0;
    s->loading = 0;
    if (s->timers_inited && !s->closing)
        uv_timer_stop(&s->wait_timer);
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

/* The sentinel parameters of p, for sw_redis (password resolved into pw,
 * which the caller wipes).  Returns 0, 1 when no sentinel is configured, or
 * -1 after logging why. */
static int sentinel_params(const sw_redis_sink_params *p, sw_sentinel_params *sp, char **pw)
{
    memset(sp, 0, sizeof *sp);
    *pw = NULL;
    if (!p->sentinels.n)
        return 1;
    char err[512];
    if (sw_redis_sentinel_password(p, pw, err, sizeof err) < 0) {
        sw_error("%s", err);
        return -1;
    }
    sp->addrs = (const char *const *)p->sentinels.v;
    sp->n_addrs = p->sentinels.n;
    sp->master_name = p->master_name;
    sp->password = *pw;
    sp->timeout_ms = (uint64_t)(p->sentinel_timeout_ns / 1000000);
    for (size_t i = 0; i < p->sentinels.n; i++) {
        sw_redis_url u;
        memset(&u, 0, sizeof u);
        if (sw_redis_addr_parse(p->sentinels.v[i], u.host, sizeof u.host, &u.port, SW_SENTINEL_DEFAULT_PORT, err,
                                sizeof err) == 0)
            sw_redis_warn_if_in_clear(&u);
    }
    return 0;
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
    sw_sentinel_params snp;
    char *spw = NULL;
    int src = sentinel_params(&s->p, &snp, &spw);
    if (src < 0) {
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
        sw_secret_free(&spw);
        return -1;
    }
    s->spool_open = 1;
    s->loop = loop;
    uv_timer_t *timers[] = { &s->sync_timer, &s->drain_timer, &s->wait_timer };
    int rc = 0;
    size_t made = 0;
    for (; made < 3 && rc == 0; made++)
        if ((rc = uv_timer_init(loop, timers[made])) != 0)
            break;
    if (rc != 0) {
        for (size_t i = 0; i < made; i++)
            uv_close((uv_handle_t *)timers[i], NULL);
        sw_redis_url_wipe(&o.url);
        sw_secret_free(&spw);
        return rc;
    }
    s->timers_inited = 1;
    s->sync_timer.data = s->drain_timer.data = s->wait_timer.data = s;
    o.connect_timeout_ms = (uint64_t)(s->p.connect_timeout_ns / 1000000);
    o.command_timeout_ms = (uint64_t)(s->p.command_timeout_ns / 1000000);
    o.on_state = on_state;
    o.ctx = s;
    o.sentinel = src == 0 ? &snp : NULL;
    rc = sw_redis_init(&s->redis, loop, &o);
    sw_redis_url_wipe(&o.url);
    sw_secret_free(&spw);
    if (rc != 0)
        return rc;
    s->redis_inited = 1;
    if (s->p.fsync == SW_REDIS_FSYNC_EVERYSEC) {
        uv_timer_start(&s->sync_timer, on_sync_timer, 1000, 1000);
        uv_unref((uv_handle_t *)&s->sync_timer); /* housekeeping: keeps no loop alive */
    }
    sw_redis_producer_id(s->state_dir, s->producer);
    sw_info("redis sink: %s, stream %s, channel %s, spool %s; dedupe keys %s* for %s s (producer %s)%s%s%s",
            s->redis.where, s->p.stream, s->p.channel, s->spool.path, s->key_prefix, s->ttl, s->producer,
            s->p.replicas_ack ? "; an alert counts once WAIT says " : "", s->p.replicas_ack ? s->wait_n : "",
            s->p.replicas_ack ? " replicas have it" : "");
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
        s->closes_left += 3;
        uv_close((uv_handle_t *)&s->sync_timer, on_timer_closed);
        uv_close((uv_handle_t *)&s->drain_timer, on_timer_closed);
        uv_close((uv_handle_t *)&s->wait_timer, on_timer_closed);
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
    free(s->key_prefix);
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
    /* The dedupe keys follow the stream's name, as the channels by severity
     * follow the channel's: "<stream>:id:<alert id>". */
    size_t kn = strlen(s->p.stream) + 5;
    if (!(s->key_prefix = malloc(kn)))
        goto fail;
    snprintf(s->key_prefix, kn, "%s:id:", s->p.stream);
    int64_t ttl = s->p.dedupe_ttl_ns / 1000000000;
    snprintf(s->ttl, sizeof s->ttl, "%lld", (long long)(ttl > 0 ? ttl : 1));
    snprintf(s->wait_n, sizeof s->wait_n, "%d", s->p.replicas_ack);
    int64_t wms = s->p.replicas_timeout_ns / 1000000;
    snprintf(s->wait_ms, sizeof s->wait_ms, "%lld", (long long)(wms > 0 ? wms : 1));
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
    out->deduplicated = s->deduplicated;
    out->noscript = s->noscript;
    out->wait_short = s->wait_short;
    out->unreplicated = s->spool_open ? unreplicated(s) : 0;
    out->sentinel_switches = s->redis_inited && s->redis.has_sentinel ? s->redis.sent.stats.switches : 0;
    out->not_master = s->redis.stats.not_master;
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
