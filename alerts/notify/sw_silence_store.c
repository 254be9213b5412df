/* sw_silence_store.c -- see sw_silence_store.h. */
#include "sw_silence_store.h"
#include "sw_escape.h"
#include "sw_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define NAME_MAX_LEN 384              /* a stream name (256) and what is added to it */
#define ADD_TRIES 3

/* KEYS: record, index.  ARGV: json, end_ms, id. */
static const char add_script[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "redis.call('PEXPIREAT', KEYS[1], ARGV[2])\n"
    "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])\n"
    "redis.call('PUBLISH', KEYS[2], 'add ' .. ARGV[3])\n"
    "return 1\n";

/* KEYS: record, index.  ARGV: id, last byte to read. */
static const char expire_script[] =
    "local v = redis.pcall('GETRANGE', KEYS[1], 0, ARGV[2])\n"
    "if type(v) ~= 'string' then v = '' end\n"
    "local n = redis.call('DEL', KEYS[1]) + redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "if n > 0 then redis.call('PUBLISH', KEYS[2], 'expire ' .. ARGV[1]) end\n"
    "return {n, v}\n";

/* KEYS: index.  ARGV: now_ms, most ids, record key prefix, last byte to
 * read.  Returns id, record pairs; a record of the wrong type is an error
 * reply in its place, one that is gone is dropped from the index. */
static const char list_script[] =
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])\n"
    "local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'LIMIT', 0, tonumber(ARGV[2]))\n"
    "local out = {}\n"
    "for _, id in ipairs(ids) do\n"
    "  local v = ''\n"
    "  if string.len(id) <= 64 then v = redis.pcall('GETRANGE', ARGV[3] .. id, 0, tonumber(ARGV[4])) end\n"
    "  if v == '' then\n"
    "    redis.call('ZREM', KEYS[1], id)\n"
    "  else\n"
    "    out[#out + 1] = string.sub(id, 1, 64)\n"
    "    if type(v) ~= 'string' then v = {err = 'not a string record'} end\n"
    "    out[#out + 1] = v\n"
    "  end\n"
    "end\n"
    "return out\n";

typedef struct req {
    sw_redis *r;
    char stream[NAME_MAX_LEN];
    sw_silence s;                     /* add: the silence; expire: its id */
    int tries;
    int64_t now_ms;
    sw_silence_list_fn list_fn;
    sw_silence_done_fn done_fn;
    void *ctx;
} req;

void sw_silence_new_id(char id[SW_SILENCE_ID_LEN + 1])
{
    unsigned char b[SW_SILENCE_ID_LEN / 2];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        /* Never in practice (a kernel without getrandom); an id only has to
         * be unlikely to repeat, and add checks it is new. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec * UINT64_C(2654435761) ^ (uint64_t)ts.tv_sec;
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)(x >> (8 * i));
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(id + 2 * i, 3, "%02x", b[i]);
}

static int eval(sw_redis *r, sw_redis_reply_fn fn, req *q, const char *script, int nkeys, const char *const *args,
                int nargs)
{
    const char *argv[12];
    size_t lens[12];
    char nk[8];
    snprintf(nk, sizeof nk, "%d", nkeys);
    int k = 0;
    argv[k++] = "EVAL";
    argv[k++] = script;
    argv[k++] = nk;
    for (int i = 0; i < nargs && k < 12; i++)
        argv[k++] = args[i];
    for (int i = 0; i < k; i++)
        lens[i] = strlen(argv[i]);
    return sw_redis_command(r, fn, q, k, argv, lens);
}

static void reply_error(const redisReply *rep, char *buf, size_t len)
{
    if (!rep)
        snprintf(buf, len, "the connection to Redis was lost before the reply");
    else if (rep->type == REDIS_REPLY_ERROR)
        snprintf(buf, len, "Redis: %.*s", (int)(rep->len < 300 ? rep->len : 300), rep->str);
    else
        snprintf(buf, len, "Redis gave an unexpected reply");
}

/* ---- list ---------------------------------------------------------------------------- */

static void on_list(void *privdata, sw_redis *r, const redisReply *rep)
{
    req *q = privdata;
    (void)r;
    char err[400];
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        reply_error(rep, err, sizeof err);
        q->list_fn(q->ctx, NULL, err);
        free(q);
        return;
    }
    size_t pairs = rep->elements / 2;
    sw_silence *v = calloc(pairs ? pairs : 1, sizeof *v);
    sw_silence_bad bad[SW_SILENCE_BAD_MAX];
    sw_silence_set set = { v, 0, bad, 0, 0, 0 };
    if (!v) {
        q->list_fn(q->ctx, NULL, "out of memory reading the silences");
        free(q);
        return;
    }
    for (size_t i = 0; i < pairs; i++) {
        const redisReply *idr = rep->element[2 * i], *rec = rep->element[2 * i + 1];
        char id[64] = "", why[200] = "";
        if (idr->type == REDIS_REPLY_STRING)
            snprintf(id, sizeof id, "%.*s", (int)idr->len, idr->str);
        sw_silence *s = &v[set.n];
        if (!sw_silence_id_valid(id))
            snprintf(why, sizeof why, "the index holds \"%s\", which is not a silence id", id);
        else if (rec->type == REDIS_REPLY_ERROR)
            snprintf(why, sizeof why, "%.*s", (int)(rec->len < 150 ? rec->len : 150), rec->str);
        else if (rec->type != REDIS_REPLY_STRING)
            snprintf(why, sizeof why, "not a string record");
        else if (sw_redis_reply_len(rec) > SW_SILENCE_JSON_MAX)
            snprintf(why, sizeof why, "record of more than %d bytes", SW_SILENCE_JSON_MAX);
        else if (sw_silence_parse(rec->str, rec->len, s, why, sizeof why) == 0 && strcmp(s->id, id) != 0)
            snprintf(why, sizeof why, "the record's id is not the one of its key");
        if (why[0]) {
            if (set.n_bad < SW_SILENCE_BAD_MAX) {
                sw_esc_line_buf(id, bad[set.n_bad].id, sizeof bad[set.n_bad].id);
                sw_esc_line_buf(why, bad[set.n_bad].why, sizeof bad[set.n_bad].why);
                set.n_bad++;
            }
            set.bad_total++;
            continue;
        }
        if (s->end_ms <= q->now_ms)
            continue; /* ended between the script and now */
        if (set.n == SW_SILENCE_MAX) {
            set.over++;
            continue;
        }
        set.n++;
    }
    q->list_fn(q->ctx, &set, NULL);
    free(v);
    free(q);
}

int sw_silence_store_list(sw_redis *r, const char *stream, int64_t now_ms, sw_silence_list_fn fn, void *ctx)
{
    req *q = calloc(1, sizeof *q);
    if (!q)
        return -1;
    char index[NAME_MAX_LEN], prefix[NAME_MAX_LEN], now[24], most[16], last[16];
    if (!sw_silence_index(stream, index, sizeof index) || !sw_silence_key(stream, "", prefix, sizeof prefix)) {
        free(q);
        return -1;
    }
    q->list_fn = fn;
    q->ctx = ctx;
    q->now_ms = now_ms;
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    snprintf(most, sizeof most, "%d", SW_SILENCE_MAX + 1);
    snprintf(last, sizeof last, "%d", SW_SILENCE_JSON_MAX);
    const char *args[] = { index, now, most, prefix, last };
    if (eval(r, on_list, q, list_script, 1, args, 5) != 0) {
        free(q);
        return -1;
    }
    return 0;
}

/* ---- add ----------------------------------------------------------------------------- */

static int send_add(req *q);

static void on_add(void *privdata, sw_redis *r, const redisReply *rep)
{
    req *q = privdata;
    (void)r;
    char err[400];
    if (rep && rep->type == REDIS_REPLY_INTEGER && rep->integer == 1) {
        q->done_fn(q->ctx, 0, &q->s, NULL);
    } else if (rep && rep->type == REDIS_REPLY_INTEGER && rep->integer == 0 && ++q->tries < ADD_TRIES) {
        sw_silence_new_id(q->s.id); /* taken: another id */
        if (send_add(q) == 0)
            return;
        q->done_fn(q->ctx, -1, NULL, "the connection to Redis was lost");
    } else {
        if (rep && rep->type == REDIS_REPLY_INTEGER)
            snprintf(err, sizeof err, "no free silence id after %d tries", ADD_TRIES);
        else
            reply_error(rep, err, sizeof err);
        q->done_fn(q->ctx, -1, NULL, err);
    }
    free(q);
}

static int send_add(req *q)
{
    char key[NAME_MAX_LEN], index[NAME_MAX_LEN], json[SW_SILENCE_JSON_MAX + 1], end[24];
    if (!sw_silence_key(q->stream, q->s.id, key, sizeof key) || !sw_silence_index(q->stream, index, sizeof index) ||
        sw_silence_to_json(&q->s, json, sizeof json) < 0)
        return -1;
    snprintf(end, sizeof end, "%lld", (long long)q->s.end_ms);
    const char *args[] = { key, index, json, end, q->s.id };
    return eval(q->r, on_add, q, add_script, 2, args, 5);
}

int sw_silence_store_add(sw_redis *r, const char *stream, const sw_silence *s, sw_silence_done_fn fn, void *ctx)
{
    req *q = calloc(1, sizeof *q);
    if (!q)
        return -1;
    q->r = r;
    q->s = *s;
    q->done_fn = fn;
    q->ctx = ctx;
    snprintf(q->stream, sizeof q->stream, "%s", stream);
    if (strlen(stream) >= sizeof q->stream || send_add(q) != 0) {
        free(q);
        return -1;
    }
    return 0;
}

/* ---- expire ---------------------------------------------------------------------------- */

static void on_expire(void *privdata, sw_redis *r, const redisReply *rep)
{
    req *q = privdata;
    (void)r;
    char err[400];
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 && rep->element[0]->type == REDIS_REPLY_INTEGER &&
        rep->element[1]->type == REDIS_REPLY_STRING) {
        if (rep->element[0]->integer == 0) {
            q->done_fn(q->ctx, 1, NULL, NULL);
        } else {
            const redisReply *rec = rep->element[1];
            sw_silence s;
            int ok = sw_redis_reply_len(rec) <= SW_SILENCE_JSON_MAX &&
                     sw_silence_parse(rec->str, rec->len, &s, err, sizeof err) == 0 && strcmp(s.id, q->s.id) == 0;
            q->done_fn(q->ctx, 0, ok ? &s : NULL, NULL);
        }
    } else {
        reply_error(rep, err, sizeof err);
        q->done_fn(q->ctx, -1, NULL, err);
    }
    free(q);
}

int sw_silence_store_expire(sw_redis *r, const char *stream, const char *id, sw_silence_done_fn fn, void *ctx)
{
    if (!sw_silence_id_valid(id))
        return -1;
    req *q = calloc(1, sizeof *q);
    if (!q)
        return -1;
    char key[NAME_MAX_LEN], index[NAME_MAX_LEN], last[16];
    if (!sw_silence_key(stream, id, key, sizeof key) || !sw_silence_index(stream, index, sizeof index)) {
        free(q);
        return -1;
    }
    snprintf(q->s.id, sizeof q->s.id, "%s", id);
    q->done_fn = fn;
    q->ctx = ctx;
    snprintf(last, sizeof last, "%d", SW_SILENCE_JSON_MAX);
    const char *args[] = { key, index, id, last };
    if (eval(r, on_expire, q, expire_script, 2, args, 4) != 0) {
        free(q);
        return -1;
    }
    return 0;
}
