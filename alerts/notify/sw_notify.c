/* sw_notify.c -- see sw_notify.h.
 *
 * Bookkeeping: an `entry` is a stream entry read and not yet acknowledged; its
 * `todo` has a bit per channel still to settle, `checking` the channels whose
 * dedupe look-up is outstanding.  Every Redis write whose reply matters is an
 * `op` in one list: written when the connection is up, written again after a
 * reconnect when its reply was lost (ZSCORE, ZADD and XACK are idempotent; a
 * dead letter may then be written twice, which is better than not at all).
 * Entries are freed only after their XACK reply, and their XACK is the last
 * op that refers to them. */
#include "sw_notify.h"
#include "sw_alert_parse.h"
#include "sw_chan.h"
#include "sw_curl.h"
#include "sw_log.h"
#include "sw_notify_route.h"
#include "sw_notify_silence.h"
#include "sw_redis.h"
#include "sw_symtab.h" /* sw_hash_str */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLAIM_ROUNDS 10          /* XAUTOCLAIM pages per claim tick */
#define REFRESH_IDS 100          /* ids per XCLAIM ... JUSTID */
#define DEAD_MAXLEN "100000"
#define NO_CHAN ((size_t)-1)

typedef struct entry {
    struct entry *prev, *next;
    struct entry *sid_next, *aid_next; /* chains of the by-sid and by-alert-id indexes */
    int in_aid;                  /* in the alert-id index (a parsed alert) */
    char sid[48];                /* stream entry id */
    sw_alert alert;
    char *json;
    size_t json_len;
    uint32_t todo, checking;
    int bad;                     /* not an alert: dead-lettered, then acknowledged */
    int held;                    /* read, waiting for WAIT to count replicas_ack replicas */
    char *why;                   /* held and bad: why it is not an alert */
} entry;

typedef enum op_kind { OP_CHECK, OP_SENT, OP_DEAD, OP_ACK } op_kind;

typedef struct op {
    struct op *prev, *next;
    op_kind kind;
    size_t chan;                 /* CHECK, SENT, DEAD (NO_CHAN: a malformed entry) */
    entry **entries;             /* SENT and DEAD: the message's; CHECK and ACK: one */
    size_t n;
    char *reason;                /* DEAD */
    int written;                 /* commands written on the current connection */
    size_t replies_left;
    int failed;                  /* a reply of this round was lost: write again */
    int from_chan;               /* SENT/DEAD reporting the channel's current message */
} op;

struct sw_notify {
    uv_loop_t *loop;
    const sw_notify_config *cfg;
    char *stream, *consumer;
    const sw_group_spec *groups;
    size_t n_groups;
    sw_redis rd, wr;             /* reads (blocking); everything else */
    int rd_inited, wr_inited;
    int rd_closing, rd_closed;   /* the read connection is closed first, when stopping */
    sw_curl curl;
    int curl_inited;
    sw_chan *chans;
    size_t n_chans, chans_inited;
    char **sent_keys;            /* <sent_prefix><channel> */
    uv_timer_t claim_timer, cron_timer, stop_timer;
    int timers_inited;
    sw_nsil *sil;                /* silences: sw_notify_silence.h */
    entry *entries;
    size_t n_entries;
    entry **by_sid, **by_aid;    /* hash indexes of entries (chained), hmask + 1 buckets */
    size_t hmask;
    op *ops_head, *ops_tail;
    /* reading */
    int reading;                 /* an XREADGROUP (or XGROUP CREATE) is outstanding */
    int group_ready;
    int own_phase;               /* reading our own pending entries (id 0) before new ones (>) */
    char own_last[48];
    char block_ms[24], count[16], claim_ms[24];
    /* WAIT (replicas_ack) */
    int replicas_ack;
    char wait_n[16], wait_ms[24];
    int read_waiting;            /* a WAIT for the last read is outstanding on the read connection */
    /* claiming */
    int claiming;
    char claim_cursor[48];
    int claim_rounds;
    int autoclaim_unsupported;
    /* life cycle */
    int started, stopping, closing;
    void (*stop_done)(void *);
    void *stop_ctx;
    void (*closed)(void *);
    void *closed_ctx;
    int handles_open;
    sw_notify_stats stats;
};

static void read_more(sw_notify *n);
static void maybe_stop_done(sw_notify *n);
static void op_write(sw_notify *n, op *o);
static void on_op_wait(void *privdata, sw_redis *r, const redisReply *rep);

/* Shown at the 1st, 2nd, 4th, 8th... short WAIT: a missing replica repeats
 * it every replicas_timeout. */
static void wait_short(sw_notify *n, const char *what, const redisReply *rep)
{
    uint64_t k = ++n->stats.wait_short;
    sw_log((k & (k - 1)) == 0 ? SW_LOG_WARNING : SW_LOG_DEBUG,
           "redis: WAIT %s after %s: %lld replicas acknowledged within %s ms; asking again (redis.replicas_ack)",
           n->wait_n, what, rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1LL, n->wait_ms);
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- entries ------------------------------------------------------------------ */

/* The indexes: a stream id (a reply names entries by it) and an alert id
 * (the same alert in two entries, a producer's retry) each find their
 * entries without a walk over every entry in work, so a read of COUNT
 * entries costs O(COUNT) at max_inflight 100000 as at 10. */
static size_t bucket(const sw_notify *n, const char *key)
{
    return (size_t)sw_hash_str(key) & n->hmask;
}

static entry *find_entry(sw_notify *n, const char *sid)
{
    for (entry *e = n->by_sid[bucket(n, sid)]; e; e = e->sid_next)
        if (strcmp(e->sid, sid) == 0)
            return e;
    return NULL;
}

static void index_alert(sw_notify *n, entry *e)
{
    entry **b = &n->by_aid[bucket(n, e->alert.id)];
    e->aid_next = *b;
    *b = e;
    e->in_aid = 1;
}

static void unchain(entry **head, entry *e, int by_aid)
{
    for (entry **p = head; *p; p = by_aid ? &(*p)->aid_next : &(*p)->sid_next)
        if (*p == e) {
            *p = by_aid ? e->aid_next : e->sid_next;
            return;
        }
}

static void entry_free(sw_notify *n, entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        n->entries = e->next;
    if (e->next)
        e->next->prev = e->prev;
    unchain(&n->by_sid[bucket(n, e->sid)], e, 0);
    if (e->in_aid)
        unchain(&n->by_aid[bucket(n, e->alert.id)], e, 1);
    n->n_entries--;
    free(e->json);
    free(e->why);
    free(e);
}

/* ---- ops ------------------------------------------------------------------------ */

static op *op_new(sw_notify *n, op_kind kind, size_t chan, size_t n_entries)
{
    op *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->entries = calloc(n_entries ? n_entries : 1, sizeof *o->entries);
    if (!o->entries) {
        free(o);
        return NULL;
    }
    o->kind = kind;
    o->chan = chan;
    o->prev = n->ops_tail;
    if (n->ops_tail)
        n->ops_tail->next = o;
    else
        n->ops_head = o;
    n->ops_tail = o;
    return o;
}

static void op_free(sw_notify *n, op *o)
{
    if (o->prev)
        o->prev->next = o->next;
    else
        n->ops_head = o->next;
    if (o->next)
        o->next->prev = o->prev;
    else
        n->ops_tail = o->prev;
    free(o->entries);
    free(o->reason);
    free(o);
}

static void ack_entry(sw_notify *n, entry *e)
{
    op *o = op_new(n, OP_ACK, NO_CHAN, 1);
    if (!o) {
        sw_error("out of memory: entry %s stays pending and comes back at the next start", e->sid);
        return;
    }
    o->entries[o->n++] = e;
    op_write(n, o);
}

/* A channel of e is settled (delivered, deduplicated or dead-lettered). */
static void settle(sw_notify *n, entry *e, size_t chan)
{
    if (chan != NO_CHAN)
        e->todo &= ~(UINT32_C(1) << chan);
    if (e->todo == 0 && e->checking == 0)
        ack_entry(n, e);
}

static void dead_letter(sw_notify *n, size_t chan, entry **es, size_t count, const char *reason, int from_chan)
{
    op *o = op_new(n, OP_DEAD, chan, count);
    if (!o || !(o->reason = strdup(reason))) {
        /* Never silently: the alert is in the log, and stays unacknowledged. */
        for (size_t i = 0; i < count; i++)
            sw_error("out of memory writing a dead letter; alert kept pending: %.*s", (int)es[i]->json_len,
                     es[i]->json);
        if (o)
            op_free(n, o);
        return;
    }
    o->from_chan = from_chan;
    for (size_t i = 0; i < count; i++)
        o->entries[o->n++] = es[i];
    op_write(n, o);
}

/* Submit e to channel c (the dedupe look-up said: not sent yet). */
static void submit(sw_notify *n, entry *e, size_t c)
{
    if (sw_nsil_hold(n->sil, &e->alert, UINT32_C(1) << c)) {
        settle(n, e, c); /* a silence came while its dedupe look-up ran */
        return;
    }
    sw_chan_item it = { &e->alert, e->json, e->json_len, e };
    const char *group = sw_notify_digest_group(n->groups, n->n_groups, &e->alert);
    if (sw_chan_submit(&n->chans[c], &it, group) != 0) {
        entry *one[1] = { e };
        dead_letter(n, c, one, 1, "cannot queue the alert (out of memory)", 0);
    }
}

/* ---- silences ---------------------------------------------------------------------- */

typedef struct withdrawal {
    sw_notify *n;
    size_t chan;
    entry **v;
    size_t len, cap;
} withdrawal;

static int take_silenced(void *ctx, const sw_chan_item *it)
{
    withdrawal *w = ctx;
    if (w->len == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        entry **v = realloc(w->v, cap * sizeof *v);
        if (!v)
            return 0; /* stays queued: sent, as if the silence had come later */
        w->v = v;
        w->cap = cap;
    }
    entry *e = it->entry;
    if (!sw_nsil_hold(w->n->sil, &e->alert, UINT32_C(1) << w->chan))
        return 0;
    w->v[w->len++] = e;
    return 1;
}

/* New silences (or the first list): what they match leaves the channels'
 * queues and collecting digests; reading may start. */
static void on_silences(void *ctx)
{
    sw_notify *n = ctx;
    if (n->closing)
        return;
    for (size_t c = 0; c < n->chans_inited; c++) {
        withdrawal w = { n, c, NULL, 0, 0 };
        sw_chan_withdraw(&n->chans[c], take_silenced, &w);
        for (size_t i = 0; i < w.len; i++)
            settle(n, w.v[i], c);
        free(w.v);
    }
    read_more(n);
}

static void on_check(sw_notify *n, op *o, const redisReply *rep)
{
    entry *e = o->entries[0];
    size_t c = o->chan;
    uint32_t bit = UINT32_C(1) << c;
    e->checking &= ~bit;
    if (rep->type == REDIS_REPLY_STRING) {
        double score = strtod(rep->str, NULL);
        uint64_t horizon = (uint64_t)(n->cfg->dedupe_horizon_ns / 1000000), now = wall_ms();
        if (score + (double)horizon >= (double)now) {
            n->stats.dup_skipped++;
            sw_info("alert %s (%s %s) was sent to %s already: not again", e->alert.id,
                    sw_severity_name(e->alert.severity), e->alert.symbol, n->chans[c].cfg->name);
            settle(n, e, c);
            return;
        }
    } else if (rep->type == REDIS_REPLY_ERROR) {
        n->stats.redis_errors++;
        sw_warn("redis: ZSCORE %s: %.*s; sending alert %s anyway", n->sent_keys[c], (int)rep->len, rep->str,
                e->alert.id);
    }
    /* The same alert id in another stream entry (a producer's retry) that this
     * channel is already working on: one delivery is enough. */
    for (entry *x = n->by_aid[bucket(n, e->alert.id)]; x; x = x->aid_next)
        if (x != e && (x->todo & bit) && !(x->checking & bit) && strcmp(x->alert.id, e->alert.id) == 0) {
            n->stats.dup_skipped++;
            sw_info("alert %s is being sent to %s already (stream entries %s and %s)", e->alert.id,
                    n->chans[c].cfg->name, x->sid, e->sid);
            settle(n, e, c);
            return;
        }
    submit(n, e, c);
}

static void on_op_reply(void *privdata, sw_redis *r, const redisReply *rep)
{
    op *o = privdata;
    sw_notify *n = r->o.ctx;
    if (!rep) {
        /* Lost with the connection: written again after the reconnect. */
        o->failed = 1;
        if (--o->replies_left == 0) {
            o->written = 0;
            o->failed = 0;
            if (n->closing)
                return;
            op_write(n, o);
        }
        return;
    }
    if (rep->type == REDIS_REPLY_ERROR && o->kind != OP_CHECK) {
        n->stats.redis_errors++;
        if (o->kind == OP_DEAD)
            sw_error("redis: XADD %s failed: %.*s; the dead letter is this log line: channel %s, reason %s, alert %.*s",
                     n->cfg->dead_stream, (int)rep->len, rep->str,
                     o->chan == NO_CHAN ? "-" : n->chans[o->chan].cfg->name, o->reason,
                     (int)o->entries[0]->json_len, o->entries[0]->json);
        else
            sw_error("redis: %s failed: %.*s", o->kind == OP_ACK ? "XACK" : "ZADD", (int)rep->len, rep->str);
    }
    if (--o->replies_left > 0)
        return;
    if (o->failed) {
        o->written = 0;
        o->failed = 0;
        if (!n->closing)
            op_write(n, o);
        return;
    }
    switch (o->kind) {
    case OP_CHECK:
        on_check(n, o, rep);
        break;
    case OP_SENT:
        n->stats.delivered += o->n;
        for (size_t i = 0; i < o->n; i++)
            settle(n, o->entries[i], o->chan);
        sw_chan_settled(&n->chans[o->chan]);
        break;
    case OP_DEAD:
        n->stats.dead_lettered += o->n;
        for (size_t i = 0; i < o->n; i++)
            settle(n, o->entries[i], o->chan);
        if (o->from_chan)
            sw_chan_settled(&n->chans[o->chan]);
        break;
    case OP_ACK:
        n->stats.acked++;
        entry_free(n, o->entries[0]);
        break;
    }
    op_free(n, o);
    if (!n->stopping)
        read_more(n); /* room again below max_inflight */
    maybe_stop_done(n);
}

static void on_ignore(void *privdata, sw_redis *r, const redisReply *rep)
{
    (void)privdata;
    (void)r;
    (void)rep;
}

static int command(sw_notify *n, sw_redis *r, sw_redis_reply_fn fn, void *pd, int argc, const char **argv)
{
    size_t lens[128];
    if (argc > 128)
        return -1;
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    (void)n;
    return sw_redis_command(r, fn, pd, argc, argv, lens);
}

static void op_write(sw_notify *n, op *o)
{
    if (o->written || n->wr.state != SW_REDIS_CONNECTED)
        return;
    char now[24], exp[24];
    snprintf(now, sizeof now, "%" PRIu64, wall_ms());
    size_t sent = 0;
    switch (o->kind) {
    case OP_CHECK: {
        const char *argv[] = { "ZSCORE", n->sent_keys[o->chan], o->entries[0]->alert.id };
        sent += command(n, &n->wr, on_op_reply, o, 3, argv) == 0;
        break;
    }
    case OP_SENT: {
        const char *argv[2 + 2 * 32];
        size_t k = 0;
        /* In chunks: a digest holds up to SW_CHAN_DIGEST_MAX ids. */
        for (size_t i = 0; i < o->n; i += 30) {
            k = 0;
            argv[k++] = "ZADD";
            argv[k++] = n->sent_keys[o->chan];
            for (size_t j = i; j < o->n && j < i + 30; j++) {
                argv[k++] = now;
                argv[k++] = o->entries[j]->alert.id;
            }
            sent += command(n, &n->wr, on_op_reply, o, (int)k, argv) == 0;
        }
        /* The set outlives its newest id by the horizon, then goes away. */
        snprintf(exp, sizeof exp, "%" PRId64, n->cfg->dedupe_horizon_ns / 1000000);
        const char *pe[] = { "PEXPIRE", n->sent_keys[o->chan], exp };
        command(n, &n->wr, on_ignore, NULL, 3, pe);
        break;
    }
    case OP_DEAD:
        for (size_t i = 0; i < o->n; i++) {
            entry *e = o->entries[i];
            char ts[40];
            time_t t = (time_t)(wall_ms() / 1000);
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
            const char *argv[] = { "XADD",   n->cfg->dead_stream,
                                   "MAXLEN", "~",
                                   DEAD_MAXLEN, "*",
                                   "id",     e->bad ? "" : e->alert.id,
                                   "channel", o->chan == NO_CHAN ? "" : n->chans[o->chan].cfg->name,
                                   "reason", o->reason,
                                   "stream_id", e->sid,
                                   "failed_at", ts,
                                   "json",   "" };
            size_t lens[20];
            for (int a = 0; a < 17; a++)
                lens[a] = strlen(argv[a]);
            /* The JSON as it was read (binary-safe, not NUL-terminated by need). */
            argv[17] = e->json;
            lens[17] = e->json_len;
            sent += sw_redis_command(&n->wr, on_op_reply, o, 18, argv, lens) == 0;
        }
        break;
    case OP_ACK: {
        const char *argv[] = { "XACK", n->stream, n->cfg->group, o->entries[0]->sid };
        sent += command(n, &n->wr, on_op_reply, o, 4, argv) == 0;
        break;
    }
    }
    /* What must survive a failover counts once replicas_ack replicas have
     * it: the WAIT is the op's last reply. */
    if (sent && n->replicas_ack && o->kind != OP_CHECK) {
        const char *argv[] = { "WAIT", n->wait_n, n->wait_ms };
        sent += command(n, &n->wr, on_op_wait, o, 3, argv) == 0;
    }
    if (sent) {
        o->written = 1;
        o->replies_left = sent;
    }
}

static void on_op_reply(void *privdata, sw_redis *r, const redisReply *rep);

static void on_op_wait(void *privdata, sw_redis *r, const redisReply *rep)
{
    op *o = privdata;
    sw_notify *n = r->o.ctx;
    if (rep && !(rep->type == REDIS_REPLY_INTEGER && rep->integer >= n->replicas_ack)) {
        static const char *const what[] = { "ZSCORE", "a delivery record", "a dead letter", "XACK" };
        /* Written again, WAIT included (ZADD and XACK are idempotent); a
         * short WAIT blocked for its whole timeout, so this paces itself.  A
         * refused WAIT (a replica answering) reconnects instead. */
        o->failed = 1;
        if (rep->type == REDIS_REPLY_ERROR) {
            n->stats.redis_errors++;
            sw_error("redis: WAIT refused: %.*s; reconnecting", (int)(rep->len < 200 ? rep->len : 200), rep->str);
            sw_redis_drop(r, "WAIT refused");
        } else {
            wait_short(n, what[o->kind], rep);
        }
        on_op_reply(privdata, r, NULL);
        return;
    }
    on_op_reply(privdata, r, rep);
}

/* ---- channel outcomes ------------------------------------------------------------- */

static void on_chan_result(void *ctx, sw_chan *ch, const sw_chan_item *items, size_t count, int delivered,
                           const char *reason)
{
    sw_notify *n = ctx;
    entry **es = malloc(count * sizeof *es);
    if (!es) {
        sw_error("out of memory: %zu alerts stay pending on %s", count, ch->cfg->name);
        return;
    }
    for (size_t i = 0; i < count; i++)
        es[i] = items[i].entry;
    if (!delivered) {
        dead_letter(n, ch->index, es, count, reason, 1);
        free(es);
        return;
    }
    op *o = op_new(n, OP_SENT, ch->index, count);
    if (!o) {
        free(es);
        sw_error("out of memory recording a delivery on %s", ch->cfg->name);
        return;
    }
    o->from_chan = 1;
    for (size_t i = 0; i < count; i++)
        o->entries[o->n++] = es[i];
    free(es);
    op_write(n, o);
}

/* ---- stream entries ---------------------------------------------------------------- */

/* Why a stream entry cannot be an alert, before its JSON is parsed ("" if
 * it may be one); *json: its "json" field, if it has one. */
static void check_entry(const entry *e, const redisReply *fields, const redisReply **json, char *err, size_t errlen)
{
    *json = NULL;
    if (fields->type != REDIS_REPLY_ARRAY) {
        /* Trimmed from the stream (MAXLEN) before anyone delivered it. */
        snprintf(err, errlen, "entry %s was deleted from the stream before it was delivered", e->sid);
        return;
    }
    size_t bytes = 0, n_json = 0;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *k = fields->element[i], *v = fields->element[i + 1];
        if (k->type == REDIS_REPLY_STRING)
            bytes += sw_redis_reply_len(k);
        if (v->type == REDIS_REPLY_STRING)
            bytes += sw_redis_reply_len(v);
        if (k->type == REDIS_REPLY_STRING && k->len == 4 && memcmp(k->str, "json", 4) == 0 &&
            v->type == REDIS_REPLY_STRING) {
            *json = v;
            n_json++;
        }
    }
    if (fields->elements / 2 > SW_NOTIFY_FIELDS_MAX)
        snprintf(err, errlen, "entry %s has %zu fields (at most %d)", e->sid, fields->elements / 2,
                 SW_NOTIFY_FIELDS_MAX);
    else if (!*json)
        snprintf(err, errlen, "entry %s has no \"json\" field", e->sid);
    else if (n_json > 1) /* which one a reader takes is up to the reader */
        snprintf(err, errlen, "entry %s has %zu \"json\" fields (one)", e->sid, n_json);
    else if (sw_redis_reply_len(*json) > SW_ALERT_JSON_MAX)
        snprintf(err, errlen, "entry %s: alert JSON of %zu bytes is over the limit of %d", e->sid,
                 sw_redis_reply_len(*json), SW_ALERT_JSON_MAX);
    else if (bytes > SW_NOTIFY_ENTRY_MAX)
        snprintf(err, errlen, "entry %s of %zu bytes is over the limit of %d (field names and values)", e->sid,
                 bytes, SW_NOTIFY_ENTRY_MAX);
}

static void start_entry(sw_notify *n, entry *e, const char *err);

static void take_entry(sw_notify *n, const redisReply *item, int claimed)
{
    if (item->type != REDIS_REPLY_ARRAY || item->elements < 2 || item->element[0]->type != REDIS_REPLY_STRING)
        return;
    const redisReply *idr = item->element[0], *fields = item->element[1];
    if (idr->len >= sizeof(((entry *)0)->sid) || find_entry(n, idr->str))
        return; /* being worked on here already (Redis's ids are 41 bytes at most) */
    entry *e = calloc(1, sizeof *e);
    if (!e)
        return; /* stays pending: read again at the next start or claim */
    memcpy(e->sid, idr->str, idr->len + 1);
    e->next = n->entries;
    if (n->entries)
        n->entries->prev = e;
    n->entries = e;
    entry **b = &n->by_sid[bucket(n, e->sid)];
    e->sid_next = *b;
    *b = e;
    n->n_entries++;
    n->stats.read++;
    n->stats.claimed += claimed;
    const redisReply *json = NULL;
    char err[300] = "";
    check_entry(e, fields, &json, err, sizeof err);
    /* What a dead letter keeps: at most the alert's limit, never more. */
    size_t keep = json ? (json->len > SW_ALERT_JSON_MAX ? SW_ALERT_JSON_MAX : json->len) : 0;
    e->json = malloc(keep + 1);
    if (!e->json) {
        entry_free(n, e);
        return;
    }
    if (json)
        memcpy(e->json, json->str, keep);
    e->json[keep] = '\0';
    e->json_len = keep;
    char perr[200];
    if (!err[0] && sw_alert_parse(e->json, e->json_len, &e->alert, perr, sizeof perr) != 0)
        snprintf(err, sizeof err, "entry %.40s: %.200s", e->sid, perr);
    if (n->replicas_ack && !claimed && !n->own_phase) {
        /* New: taken once WAIT says the replicas have it (on_read_wait). */
        if (err[0] && !(e->why = strdup(err))) {
            entry_free(n, e);
            return; /* stays pending: read again at the next start */
        }
        e->held = 1;
        return;
    }
    start_entry(n, e, err);
}

/* Route (or dead-letter: err non-empty) an entry that was read. */
static void start_entry(sw_notify *n, entry *e, const char *err)
{
    if (err[0]) {
        n->stats.malformed++;
        e->bad = 1;
        sw_error("%s: not an alert; written to %s", err, n->cfg->dead_stream);
        entry *one[1] = { e };
        dead_letter(n, NO_CHAN, one, 1, err, 0);
        return;
    }
    index_alert(n, e);
    uint32_t quiet = 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    uint32_t mask = sw_notify_route(n->cfg, n->groups, n->n_groups, &e->alert, now_ns, &quiet);
    uint32_t held = sw_nsil_hold(n->sil, &e->alert, mask);
    mask &= ~held;
    for (size_t c = 0; c < n->n_chans; c++)
        if (quiet & (UINT32_C(1) << c)) {
            n->stats.quiet_skipped++;
            sw_info("alert %s (%s %s) not sent to %s: quiet hours %s New York time", e->alert.id,
                    sw_severity_name(e->alert.severity), e->alert.symbol, n->chans[c].cfg->name,
                    n->chans[c].cfg->quiet_hours);
        }
    if (!mask && held) {
        ack_entry(n, e); /* silenced everywhere it was routed: handled */
        return;
    }
    if (!mask) {
        n->stats.unrouted++;
        sw_debug("alert %s (%s %s %s) matches no route", e->alert.id, sw_severity_name(e->alert.severity),
                 e->alert.symbol, e->alert.detector);
        ack_entry(n, e);
        return;
    }
    n->stats.routed++;
    e->todo = e->checking = mask;
    for (size_t c = 0; c < n->n_chans; c++) {
        if (!(mask & (UINT32_C(1) << c)))
            continue;
        op *o = op_new(n, OP_CHECK, c, 1);
        if (!o) {
            e->checking &= ~(UINT32_C(1) << c);
            submit(n, e, c);
            continue;
        }
        o->entries[o->n++] = e;
        op_write(n, o);
    }
}

/* [[stream, [entry, ...]], ...] from XREADGROUP.  Returns the entries seen. */
static size_t take_read_reply(sw_notify *n, const redisReply *rep, char *last, size_t lastlen)
{
    size_t seen = 0;
    if (rep->type != REDIS_REPLY_ARRAY)
        return 0;
    for (size_t s = 0; s < rep->elements; s++) {
        const redisReply *sr = rep->element[s];
        if (sr->type != REDIS_REPLY_ARRAY || sr->elements < 2 || sr->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        const redisReply *items = sr->element[1];
        for (size_t i = 0; i < items->elements; i++) {
            const redisReply *it = items->element[i];
            if (it->type == REDIS_REPLY_ARRAY && it->elements >= 1 && it->element[0]->type == REDIS_REPLY_STRING)
                snprintf(last, lastlen, "%s", it->element[0]->str);
            take_entry(n, it, 0);
            seen++;
        }
    }
    return seen;
}

/* ---- reading ------------------------------------------------------------------------ */

static void create_group(sw_notify *n);

static size_t held_entries(const sw_notify *n)
{
    size_t k = 0;
    for (const entry *e = n->entries; e; e = e->next)
        k += e->held;
    return k;
}

/* Held entries go: the read connection was lost before WAIT answered.  They
 * stay pending in the group, and the reconnect reads them again (our own
 * pending entries come first). */
static void free_held(sw_notify *n)
{
    for (entry *e = n->entries, *next; e; e = next) {
        next = e->next;
        if (e->held)
            entry_free(n, e);
    }
}

static void on_read_wait(void *privdata, sw_redis *r, const redisReply *rep);

/* WAIT on the read connection: the XREADGROUP before it was a write (the
 * group's pending list), so its answer covers the entries just read. */
static void read_wait(sw_notify *n)
{
    const char *argv[] = { "WAIT", n->wait_n, n->wait_ms };
    n->reading = 1;
    n->read_waiting = 1;
    if (command(n, &n->rd, on_read_wait, n, 3, argv) != 0) {
        n->reading = n->read_waiting = 0;
        free_held(n);
    }
}

static void on_read_wait(void *privdata, sw_redis *r, const redisReply *rep)
{
    sw_notify *n = privdata;
    if (!rep || !n->read_waiting)
        return; /* connection lost: on_rd_state dropped the held entries */
    if (rep->type == REDIS_REPLY_ERROR) {
        n->stats.redis_errors++;
        sw_error("redis: WAIT refused: %.*s; reconnecting", (int)(rep->len < 200 ? rep->len : 200), rep->str);
        sw_redis_drop(r, "WAIT refused");
        return;
    }
    if (rep->type != REDIS_REPLY_INTEGER || rep->integer < n->replicas_ack) {
        wait_short(n, "reading new alerts", rep);
        read_wait(n);
        return;
    }
    n->reading = n->read_waiting = 0;
    for (entry *e = n->entries; e; e = e->next)
        if (e->held) {
            e->held = 0;
            char *why = e->why;
            e->why = NULL;
            start_entry(n, e, why ? why : "");
            free(why);
        }
    if (!n->stopping)
        read_more(n);
}

static void on_read(void *privdata, sw_redis *r, const redisReply *rep)
{
    sw_notify *n = privdata;
    (void)r;
    n->reading = 0;
    if (!rep)
        return; /* connection lost: on_rd_state starts over */
    if (rep->type == REDIS_REPLY_ERROR) {
        n->stats.redis_errors++;
        if (strncmp(rep->str, "NOGROUP", 7) == 0) {
            sw_warn("redis: the consumer group %s on %s is gone; creating it again", n->cfg->group, n->stream);
            n->group_ready = 0;
            create_group(n);
        } else {
            sw_redis_drop(&n->rd, "XREADGROUP refused");
            sw_error("redis: XREADGROUP: %.*s", (int)rep->len, rep->str);
        }
        return;
    }
    if (n->own_phase) {
        size_t seen = take_read_reply(n, rep, n->own_last, sizeof n->own_last);
        if (seen == 0) {
            n->own_phase = 0;
            sw_debug("own pending entries read; now reading new alerts");
        }
    } else {
        char last[48];
        take_read_reply(n, rep, last, sizeof last);
        if (held_entries(n)) {
            read_wait(n);
            return;
        }
    }
    read_more(n);
}

static void read_more(sw_notify *n)
{
    if (n->reading || !n->group_ready || n->stopping || n->closing || n->rd.state != SW_REDIS_CONNECTED)
        return;
    if (!sw_nsil_ready(n->sil))
        return; /* the silences first: an alert read at start must not slip past one */
    if (n->n_entries >= (size_t)n->cfg->max_inflight)
        return; /* resumed when an entry is acknowledged */
    n->reading = 1;
    if (n->own_phase) {
        const char *argv[] = { "XREADGROUP", "GROUP", n->cfg->group, n->consumer, "COUNT", n->count,
                               "STREAMS",    n->stream, n->own_last };
        if (command(n, &n->rd, on_read, n, 9, argv) != 0)
            n->reading = 0;
    } else {
        const char *argv[] = { "XREADGROUP", "GROUP", n->cfg->group, n->consumer, "COUNT", n->count,
                               "BLOCK", n->block_ms, "STREAMS", n->stream, ">" };
        if (command(n, &n->rd, on_read, n, 11, argv) != 0)
            n->reading = 0;
    }
}

static void on_group(void *privdata, sw_redis *r, const redisReply *rep)
{
    sw_notify *n = privdata;
    (void)r;
    n->reading = 0;
    if (!rep)
        return;
    if (rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "BUSYGROUP", 9) != 0) {
        n->stats.redis_errors++;
        sw_error("redis: XGROUP CREATE %s %s: %.*s", n->stream, n->cfg->group, (int)rep->len, rep->str);
        sw_redis_drop(&n->rd, "XGROUP CREATE refused");
        return;
    }
    if (rep->type != REDIS_REPLY_ERROR)
        sw_info("created consumer group %s on %s (starting at %s)", n->cfg->group, n->stream,
                n->cfg->start_all ? "the first entry" : "new entries");
    n->group_ready = 1;
    n->own_phase = 1;
    snprintf(n->own_last, sizeof n->own_last, "0");
    read_more(n);
}

static void create_group(sw_notify *n)
{
    const char *argv[] = { "XGROUP", "CREATE", n->stream, n->cfg->group, n->cfg->start_all ? "0" : "$",
                           "MKSTREAM" };
    n->reading = command(n, &n->rd, on_group, n, 6, argv) == 0;
}

static void on_rd_state(void *ctx, sw_redis *r, sw_redis_state state)
{
    sw_notify *n = ctx;
    (void)r;
    n->reading = 0;
    n->group_ready = 0;
    n->read_waiting = 0;
    free_held(n);
    if (state == SW_REDIS_CONNECTED && !n->stopping && !n->closing)
        create_group(n);
}

static void on_wr_state(void *ctx, sw_redis *r, sw_redis_state state)
{
    sw_notify *n = ctx;
    (void)r;
    n->claiming = 0;
    if (state != SW_REDIS_CONNECTED || n->closing)
        return;
    sw_nsil_connected(n->sil);
    /* What was written on the lost connection and not answered goes again. */
    for (op *o = n->ops_head; o; o = o->next)
        if (!o->written)
            op_write(n, o);
}

/* ---- claiming ------------------------------------------------------------------------ */

static void claim_page(sw_notify *n);

static void on_claim(void *privdata, sw_redis *r, const redisReply *rep)
{
    sw_notify *n = privdata;
    (void)r;
    n->claiming = 0;
    if (!rep)
        return;
    if (rep->type == REDIS_REPLY_ERROR) {
        n->stats.redis_errors++;
        if (strncmp(rep->str, "ERR unknown command", 19) == 0) {
            n->autoclaim_unsupported = 1;
            sw_warn("redis: XAUTOCLAIM unknown (Redis before 6.2): entries a crashed consumer of another name "
                    "left pending are not taken over; this consumer's own are still read at start");
        } else if (strncmp(rep->str, "NOGROUP", 7) != 0) {
            sw_warn("redis: XAUTOCLAIM: %.*s", (int)rep->len, rep->str);
        }
        return;
    }
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 2 || rep->element[0]->type != REDIS_REPLY_STRING)
        return;
    const redisReply *items = rep->element[1];
    size_t before = n->stats.read;
    for (size_t i = 0; items->type == REDIS_REPLY_ARRAY && i < items->elements; i++)
        take_entry(n, items->element[i], 1);
    if (n->stats.read > before)
        sw_info("claimed %" PRIu64 " alerts another consumer left pending for %s", n->stats.read - before,
                n->claim_ms);
    snprintf(n->claim_cursor, sizeof n->claim_cursor, "%s", rep->element[0]->str);
    if (strcmp(n->claim_cursor, "0-0") != 0 && ++n->claim_rounds < CLAIM_ROUNDS &&
        n->n_entries < (size_t)n->cfg->max_inflight)
        claim_page(n);
}

static void claim_page(sw_notify *n)
{
    const char *argv[] = { "XAUTOCLAIM", n->stream, n->cfg->group, n->consumer, n->claim_ms, n->claim_cursor,
                           "COUNT", n->count };
    n->claiming = command(n, &n->wr, on_claim, n, 8, argv) == 0;
}

/* Entries in work here are claimed again (idle time reset), so another
 * consumer's XAUTOCLAIM does not take them while a channel still retries. */
static void refresh_claims(sw_notify *n)
{
    const char *argv[6 + REFRESH_IDS];
    int k = 0;
    for (entry *e = n->entries; e; e = e->next) {
        if (k == 0) {
            argv[k++] = "XCLAIM";
            argv[k++] = n->stream;
            argv[k++] = n->cfg->group;
            argv[k++] = n->consumer;
            argv[k++] = "0";
        }
        argv[k++] = e->sid;
        if (k == 5 + REFRESH_IDS || !e->next) {
            argv[k++] = "JUSTID";
            command(n, &n->wr, on_ignore, NULL, k, argv);
            k = 0;
        }
    }
}

static void on_claim_timer(uv_timer_t *t)
{
    sw_notify *n = t->data;
    if (n->stopping || n->closing || n->wr.state != SW_REDIS_CONNECTED || !n->group_ready)
        return;
    refresh_claims(n);
    if (!n->claiming && !n->autoclaim_unsupported && n->n_entries < (size_t)n->cfg->max_inflight) {
        n->claim_rounds = 0;
        claim_page(n);
    }
}

/* Once a minute: forget sent ids older than the horizon. */
static void on_cron(uv_timer_t *t)
{
    sw_notify *n = t->data;
    if (n->closing || n->wr.state != SW_REDIS_CONNECTED)
        return;
    char upto[32];
    snprintf(upto, sizeof upto, "(%" PRIu64, wall_ms() - (uint64_t)(n->cfg->dedupe_horizon_ns / 1000000));
    for (size_t c = 0; c < n->n_chans; c++) {
        const char *argv[] = { "ZREMRANGEBYSCORE", n->sent_keys[c], "-inf", upto };
        command(n, &n->wr, on_ignore, NULL, 4, argv);
    }
}

/* ---- life cycle ------------------------------------------------------------------------ */

sw_notify *sw_notify_new(uv_loop_t *loop, const sw_notify_opts *o, char *err, size_t errlen)
{
    sw_notify *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    n->loop = loop;
    n->cfg = o->cfg;
    n->groups = o->groups;
    n->n_groups = o->n_groups;
    n->stream = strdup(o->stream);
    n->consumer = strdup(o->consumer);
    n->n_chans = o->cfg->n_channels;
    n->chans = calloc(n->n_chans ? n->n_chans : 1, sizeof *n->chans);
    n->sent_keys = calloc(n->n_chans ? n->n_chans : 1, sizeof *n->sent_keys);
    if (!n->stream || !n->consumer || !n->chans || !n->sent_keys) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    /* Buckets for every entry reading can hold (max_inflight, overshot by
     * one read or claim page of COUNT) at a load of at most 1/2. */
    size_t want = 2 * ((size_t)o->cfg->max_inflight + 2 * (size_t)o->cfg->count), nb = 64;
    while (nb < want)
        nb *= 2;
    n->hmask = nb - 1;
    n->by_sid = calloc(nb, sizeof *n->by_sid);
    n->by_aid = calloc(nb, sizeof *n->by_aid);
    if (!n->by_sid || !n->by_aid) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    snprintf(n->block_ms, sizeof n->block_ms, "%" PRId64, o->cfg->block_ns / 1000000);
    snprintf(n->count, sizeof n->count, "%d", o->cfg->count);
    snprintf(n->claim_ms, sizeof n->claim_ms, "%" PRId64, o->cfg->claim_after_ns / 1000000);
    snprintf(n->claim_cursor, sizeof n->claim_cursor, "0-0");
    if (sw_curl_init(&n->curl, loop) != 0) {
        snprintf(err, errlen, "cannot set up libcurl's multi interface");
        goto fail;
    }
    n->curl_inited = 1;
    for (size_t c = 0; c < n->n_chans; c++) {
        const sw_notify_channel_config *cc = &o->cfg->channels[c];
        size_t kl = strlen(o->cfg->sent_prefix) + strlen(cc->name) + 1;
        if (!(n->sent_keys[c] = malloc(kl))) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        snprintf(n->sent_keys[c], kl, "%s%s", o->cfg->sent_prefix, cc->name);
        if (sw_chan_init(&n->chans[c], loop, &n->curl, cc, o->cfg->digest_window_ns, on_chan_result, n, err,
                         errlen) != 0)
            goto fail;
        n->chans[c].index = c;
        n->chans_inited++;
    }
    n->replicas_ack = o->replicas_ack;
    snprintf(n->wait_n, sizeof n->wait_n, "%d", o->replicas_ack);
    snprintf(n->wait_ms, sizeof n->wait_ms, "%" PRIu64, o->replicas_timeout_ms ? o->replicas_timeout_ms : 1);
    /* The read connection's replies may take `block` by design. */
    sw_redis_options ro = { .url = o->url, .connect_timeout_ms = o->connect_timeout_ms,
                            .command_timeout_ms = o->command_timeout_ms + (uint64_t)(o->cfg->block_ns / 1000000),
                            .max_string = SW_NOTIFY_ENTRY_MAX, .on_state = on_rd_state, .ctx = n,
                            .sentinel = o->sentinel };
    if (sw_redis_init(&n->rd, loop, &ro) != 0) {
        snprintf(err, errlen, "cannot set up the Redis read connection");
        goto fail;
    }
    n->rd_inited = 1;
    ro.command_timeout_ms = o->command_timeout_ms;
    ro.on_state = on_wr_state;
    if (sw_redis_init(&n->wr, loop, &ro) != 0) {
        snprintf(err, errlen, "cannot set up the Redis write connection");
        goto fail;
    }
    n->wr_inited = 1;
    uv_timer_t *timers[] = { &n->claim_timer, &n->cron_timer, &n->stop_timer };
    for (size_t i = 0; i < 3; i++) {
        if (uv_timer_init(loop, timers[i]) != 0) {
            snprintf(err, errlen, "cannot create a timer");
            goto fail;
        }
        timers[i]->data = n;
        n->timers_inited++;
    }
    sw_nsil_opts so = { loop, o->cfg, o->groups, o->n_groups, n->stream, &n->wr, ro, &n->curl, n->chans,
                        n->chans_inited, on_silences, n };
    if (sw_nsil_new(&n->sil, &so, err, errlen) != 0)
        goto fail;
    return n;
fail:
    /* Nothing ran on the loop yet: the handles made so far are closed by the
     * caller's sw_notify_close, which knows what exists. */
    sw_notify_close(n, NULL, NULL);
    /* Closing handles make uv_run(ONCE) return without waiting for I/O. */
    while (n->handles_open > 0)
        uv_run(loop, UV_RUN_ONCE);
    sw_notify_free(n);
    return NULL;
}

void sw_notify_start(sw_notify *n)
{
    n->started = 1;
    sw_info("reading %s at %s as group %s, consumer %s; %zu channels%s%s%s", n->stream, n->rd.where, n->cfg->group,
            n->consumer, n->n_chans, n->replicas_ack ? "; records count once WAIT says " : "",
            n->replicas_ack ? n->wait_n : "", n->replicas_ack ? " replicas have them" : "");
    for (size_t c = 0; c < n->n_chans; c++)
        sw_info("channel %s", n->chans[c].where);
    sw_redis_start(&n->rd);
    sw_redis_start(&n->wr);
    sw_nsil_start(n->sil);
    uint64_t every = (uint64_t)(n->cfg->claim_after_ns / 1000000) / 3;
    if (every < 500)
        every = 500;
    uv_timer_start(&n->claim_timer, on_claim_timer, every, every);
    uv_timer_start(&n->cron_timer, on_cron, 60000, 60000);
}

static int quiescent(const sw_notify *n)
{
    if (n->n_entries || n->ops_head)
        return 0;
    for (size_t c = 0; c < n->n_chans; c++)
        if (sw_chan_pending(&n->chans[c]))
            return 0;
    return 1;
}

static void stop_finish(sw_notify *n)
{
    void (*done)(void *) = n->stop_done;
    n->stop_done = NULL;
    uv_timer_stop(&n->stop_timer);
    if (n->n_entries)
        sw_warn("%zu alerts not yet delivered everywhere stay pending in group %s; they are delivered at the next "
                "start", n->n_entries, n->cfg->group);
    if (done)
        done(n->stop_ctx);
}

static void maybe_stop_done(sw_notify *n)
{
    if (n->stopping && n->stop_done && quiescent(n))
        stop_finish(n);
}

static void on_stop_timeout(uv_timer_t *t)
{
    stop_finish(t->data);
}

static void one_closed(sw_notify *n);

static void on_rd_closed_early(sw_redis *r)
{
    sw_notify *n = r->o.ctx;
    n->rd_closed = 1;
    if (n->closing)
        one_closed(n);
}

void sw_notify_stop(sw_notify *n, uint64_t timeout_ms, void (*done)(void *ctx), void *ctx)
{
    n->stopping = 1;
    n->stop_done = done;
    n->stop_ctx = ctx;
    uv_timer_stop(&n->claim_timer);
    if (n->sil)
        sw_nsil_stop(n->sil); /* no more commands */
    /* An XREADGROUP may block for `block`: close the read connection now; what
     * it would have returned stays in the group for the next start. */
    if (n->rd_inited && !n->rd_closing) {
        n->rd_closing = 1;
        sw_redis_close(&n->rd, on_rd_closed_early);
    }
    for (size_t c = 0; c < n->chans_inited; c++)
        sw_chan_flush(&n->chans[c]);
    if (quiescent(n)) {
        stop_finish(n);
        return;
    }
    uv_timer_start(&n->stop_timer, on_stop_timeout, timeout_ms, 0);
}

static void one_closed(sw_notify *n)
{
    if (--n->handles_open == 0 && n->closed)
        n->closed(n->closed_ctx);
}

static void on_chan_closed(sw_chan *ch)
{
    one_closed(ch->ctx);
}

static void on_redis_closed(sw_redis *r)
{
    one_closed(r->o.ctx);
}

static void on_sil_closed(void *ctx)
{
    one_closed(ctx);
}

static void on_curl_closed(sw_curl *c)
{
    one_closed((sw_notify *)((char *)c - offsetof(sw_notify, curl)));
}

static void on_timer_closed(uv_handle_t *h)
{
    one_closed(h->data);
}

void sw_notify_close(sw_notify *n, void (*closed)(void *ctx), void *ctx)
{
    if (n->closing)
        return;
    n->closing = 1;
    n->closed = closed;
    n->closed_ctx = ctx;
    /* One count for ourselves, so nothing reports "all closed" before every
     * close below was started. */
    n->handles_open = 1;
    /* Channels before curl: a channel cancels its own request quietly. */
    for (size_t c = 0; c < n->chans_inited; c++) {
        n->handles_open++;
        sw_chan_close(&n->chans[c], on_chan_closed);
    }
    /* Silences before curl (the bots cancel their own requests) and before
     * the write connection (their lists and commands run over it). */
    if (n->sil) {
        n->handles_open++;
        sw_nsil_close(n->sil, on_sil_closed, n);
    }
    if (n->curl_inited) {
        n->handles_open++;
        sw_curl_close(&n->curl, on_curl_closed);
    }
    if (n->rd_inited && !n->rd_closing) {
        n->handles_open++;
        sw_redis_close(&n->rd, on_redis_closed);
    } else if (n->rd_closing && !n->rd_closed) {
        n->handles_open++; /* on_rd_closed_early counts it */
    }
    if (n->wr_inited) {
        n->handles_open++;
        sw_redis_close(&n->wr, on_redis_closed);
    }
    uv_timer_t *timers[] = { &n->claim_timer, &n->cron_timer, &n->stop_timer };
    for (int i = 0; i < n->timers_inited; i++) {
        n->handles_open++;
        uv_close((uv_handle_t *)timers[i], on_timer_closed);
    }
    one_closed(n);
}

void sw_notify_free(sw_notify *n)
{
    if (!n)
        return;
    while (n->ops_head)
        op_free(n, n->ops_head);
    while (n->entries)
        entry_free(n, n->entries);
    sw_nsil_free(n->sil);
    free(n->by_sid);
    free(n->by_aid);
    for (size_t c = 0; n->sent_keys && c < n->n_chans; c++)
        free(n->sent_keys[c]);
    free(n->sent_keys);
    free(n->chans);
    free(n->stream);
    free(n->consumer);
    free(n);
}

void sw_notify_get_stats(const sw_notify *n, sw_notify_stats *out)
{
    *out = n->stats;
    sw_nsil_stats ss;
    sw_nsil_get_stats(n->sil, &ss);
    out->silenced = ss.silenced;
    out->commands = ss.commands;
    out->commands_refused = ss.refused;
}

size_t sw_notify_n_channels(const sw_notify *n)
{
    return n->chans_inited;
}

void sw_notify_get_chan(const sw_notify *n, size_t i, sw_notify_chan_info *out)
{
    const sw_chan *ch = &n->chans[i];
    out->name = ch->cfg->name;
    out->type = sw_chan_kind_name(ch->cfg->kind);
    out->delivered = ch->stats.alerts_sent;
    out->failed = ch->stats.alerts_failed;
    out->silenced = sw_nsil_silenced(n->sil, i);
}

size_t sw_notify_silences_active(const sw_notify *n)
{
    return sw_nsil_active(n->sil);
}

int sw_notify_redis_up(const sw_notify *n)
{
    return n->rd.state == SW_REDIS_CONNECTED && n->wr.state == SW_REDIS_CONNECTED;
}

size_t sw_notify_inflight(const sw_notify *n)
{
    return n->n_entries;
}
