/*
 * sw_test_notify.h -- what shock-notify's tests share (header-only, included
 * by tests/test_notify_*.c; not a test itself): the loopback peers of
 * tests/notify_peer.py (HTTP and SMTP servers), the shock-notify binary run as
 * a child, alerts XADDed the way shockd's redis sink writes them, and polling
 * with deadlines.  Every child is reaped by its stop function; nothing
 * outlives a test.
 */
#ifndef SW_TEST_NOTIFY_H
#define SW_TEST_NOTIFY_H

#include "sw_test_redis.h"

#include "sw_alert.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <sys/prctl.h>

#define TN_PYTHON "/usr/bin/python3"

typedef struct tn_proc {
    pid_t pid;
    int port;
    char dir[128];
    char port_file[192];
} tn_proc;

/* A private temp dir for one test. */
static inline void tn_tmpdir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/sw-notify-XXXXXX");
    if (!mkdtemp(dir))
        dir[0] = '\0';
}

static inline void tn_rmdir(const char *dir)
{
    char cmd[256];
    if (dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
}

/* The start of every notify test: a folder of its own (dir, dlen bytes), a
 * private redis-server and a connection to it.  0, or -1 (what failed is
 * on stderr). */
static inline int tn_env_up(char *dir, size_t dlen, test_redis *r, redisContext **c)
{
    tn_tmpdir(dir, dlen);
    if (!dir[0] || tr_start(r, NULL, 0, 0) != 0) {
        fprintf(stderr, "%s\n", dir[0] ? "redis-server did not start" : "no temporary folder");
        return -1;
    }
    *c = tr_connect(r);
    return *c ? 0 : -1;
}

/* The end of every notify test's teardown, after its processes are
 * stopped: the test's connection, its redis-server, its folder. */
static inline void tn_env_down(redisContext **c, test_redis *r, const char *dir)
{
    if (*c)
        redisFree(*c);
    *c = NULL;
    tr_destroy(r);
    tn_rmdir(dir);
}

static inline pid_t tn_spawn(const char *const *argv, const char *out_path, const char *err_path)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* A test process that dies (timeout, crash) takes its peers with it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    if (out_path) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(fd, 1);
    }
    if (err_path) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(fd, 2);
    }
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

/* Start tests/notify_peer.py with MODE and extra args (NULL-terminated);
 * waits (polling, 15 s deadline) until it wrote its port. */
static inline int tn_peer_start(tn_proc *p, const char *dir, const char *mode, const char *const *extra)
{
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "%s", dir);
    snprintf(p->port_file, sizeof p->port_file, "%s/%s.port", dir, mode);
    unlink(p->port_file);
    const char *argv[40];
    int n = 0;
    argv[n++] = TN_PYTHON;
    argv[n++] = SW_SOURCE_DIR "/tests/notify_peer.py";
    argv[n++] = mode;
    argv[n++] = "--port-file";
    argv[n++] = p->port_file;
    for (size_t i = 0; extra && extra[i] && n < 38; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    char errp[256];
    snprintf(errp, sizeof errp, "%s/%s.stderr", dir, mode);
    p->pid = tn_spawn(argv, NULL, errp);
    if (p->pid < 0)
        return -1;
    uint64_t deadline = tr_now_ms() + 15000;
    while (tr_now_ms() < deadline) {
        FILE *f = fopen(p->port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &p->port) == 1;
            fclose(f);
            if (ok)
                return 0;
        }
        if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
            p->pid = 0;
            return -1;
        }
        tr_pause_ms(20);
    }
    return -1;
}

static inline void tn_stop(tn_proc *p, int sig)
{
    if (p->pid > 0) {
        kill(p->pid, sig);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
}

/* Exit status of a stopped child, or -1. */
static inline int tn_stop_status(tn_proc *p, int sig, int timeout_ms)
{
    if (p->pid <= 0)
        return -1;
    kill(p->pid, sig);
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    int st = 0;
    while (tr_now_ms() < deadline) {
        if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
            p->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        tr_pause_ms(20);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    p->pid = 0;
    return -1;
}

/* Run build/shock-notify -c cfg; stdout and stderr go to files in dir. */
static inline int tn_notify_start(tn_proc *p, const char *dir, const char *cfg)
{
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "%s", dir);
    char out[256], err[256];
    snprintf(out, sizeof out, "%s/notify.stdout", dir);
    snprintf(err, sizeof err, "%s/notify.stderr", dir);
    const char *argv[] = { SW_BINARY_DIR "/shock-notify", "-c", cfg, "--log-level", "debug", NULL };
    p->pid = tn_spawn(argv, out, err);
    return p->pid > 0 ? 0 : -1;
}

/* Run argv to its end (stdout and stderr into the files, truncated first);
 * its exit status, or -1 when it did not end within timeout_ms (killed). */
static inline int tn_run(const char *const *argv, const char *out_path, const char *err_path, int timeout_ms)
{
    unlink(out_path);
    unlink(err_path);
    pid_t pid = tn_spawn(argv, out_path, err_path);
    if (pid < 0)
        return -1;
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    int st = 0;
    while (tr_now_ms() < deadline) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        tr_pause_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static inline void tn_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* <dir>/cfg.json into cfg: the watchlist `groups` (a JSON object), Redis,
 * state_dir and a 3 s shutdown around the `notify` section. */
static inline void tn_config(char *cfg, size_t len, const char *dir, const test_redis *r, const char *groups,
                             const char *notify)
{
    char text[12288];
    snprintf(text, sizeof text,
             "{ \"groups\": %s,\n"
             "  \"redis\": {\"url\": \"%s\"}, \"state_dir\": \"%s\", \"shutdown_timeout\": \"3s\",\n"
             "  \"notify\": %s }\n",
             groups, r->url, dir, notify);
    snprintf(cfg, len, "%s/cfg.json", dir);
    tn_write(cfg, text);
}

/* Whole file (malloc'd, NUL-terminated) or NULL. */
static inline char *tn_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* The HTTP peer's log as a cJSON array of request objects (never NULL). */
static inline cJSON *tn_http_log(const char *path)
{
    cJSON *arr = cJSON_CreateArray();
    char *text = tn_read(path);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (!next)
            break; /* a line still being written */
        *next++ = '\0';
        cJSON *o = cJSON_Parse(line);
        if (o)
            cJSON_AddItemToArray(arr, o);
    }
    free(text);
    return arr;
}

/* Requests on `path` answered with 2xx (held or failed ones not counted). */
static inline int tn_count_ok(const cJSON *log, const char *path)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, log) {
        const cJSON *p = cJSON_GetObjectItem(e, "path"), *st = cJSON_GetObjectItem(e, "status");
        if (cJSON_IsString(p) && strcmp(p->valuestring, path) == 0 && cJSON_IsNumber(st) && st->valueint / 100 == 2)
            n++;
    }
    return n;
}

static inline int tn_count_path(const cJSON *log, const char *path)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, log) {
        const cJSON *p = cJSON_GetObjectItem(e, "path");
        if (cJSON_IsString(p) && strcmp(p->valuestring, path) == 0)
            n++;
    }
    return n;
}

/* Poll until the peer log has at least `want` 2xx answers on path. */
static inline int tn_wait_ok(const char *log_path, const char *path, int want, int timeout_ms)
{
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    do {
        cJSON *log = tn_http_log(log_path);
        int n = tn_count_ok(log, path);
        cJSON_Delete(log);
        if (n >= want)
            return n;
        tr_pause_ms(25);
    } while (tr_now_ms() < deadline);
    return -1;
}

/* A critical pct_move alert like shockd's, with a distinct id per `seq`. */
static inline void tn_alert(sw_alert *a, int seq, const char *symbol, sw_severity sev)
{
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%016x", 0xa1e70000u + (unsigned)seq);
    a->ts_ns = INT64_C(1737988200000000000) + (int64_t)seq * INT64_C(1000000000);
    snprintf(a->symbol, sizeof a->symbol, "%s", symbol);
    snprintf(a->detector, sizeof a->detector, "pct_move");
    a->severity = sev;
    a->direction = -1;
    a->price = 118.42;
    a->reference = 142.62;
    a->change_pct = -16.97;
    a->zscore = NAN;
    snprintf(a->window, sizeof a->window, "prev_close");
    snprintf(a->message, sizeof a->message, "%s -16.97%% vs previous close 142.62", symbol);
}

/* XADD the alert as the redis sink does (fields id, symbol, severity,
 * detector, json).  Returns 0 or -1. */
static inline int tn_xadd(redisContext *c, const char *stream, const sw_alert *a)
{
    char json[SW_ALERT_JSON_MAX];
    int len = sw_alert_to_json(a, json, sizeof json);
    if (len < 0)
        return -1;
    redisReply *r = redisCommand(c, "XADD %s * id %s symbol %s severity %s detector %s json %b", stream, a->id,
                                 a->symbol, sw_severity_name(a->severity), a->detector, json, (size_t)len);
    int ok = r && r->type == REDIS_REPLY_STRING;
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

/* XADD an entry with the given field/value pairs as they are (binary-safe):
 * hostile entries the redis sink would never write.  Returns the entry id
 * (malloc'd) or NULL. */
static inline char *tn_xadd_raw(redisContext *c, const char *stream, size_t n_fields, const char *const *fv,
                                const size_t *lens)
{
    const char *argv[2 + 3 + 2 * 64];
    size_t argl[2 + 3 + 2 * 64];
    size_t k = 0;
    if (n_fields > 64)
        return NULL;
    argv[k] = "XADD", argl[k++] = 4;
    argv[k] = stream, argl[k++] = strlen(stream);
    argv[k] = "*", argl[k++] = 1;
    for (size_t i = 0; i < 2 * n_fields; i++) {
        argv[k] = fv[i];
        argl[k++] = lens ? lens[i] : strlen(fv[i]);
    }
    redisReply *r = redisCommandArgv(c, (int)k, argv, argl);
    char *id = r && r->type == REDIS_REPLY_STRING ? strdup(r->str) : NULL;
    if (r)
        freeReplyObject(r);
    return id;
}

/* XADD one "json" field holding `json` (len bytes) plus id/symbol/severity/detector
 * fields as the sink writes them.  Returns the entry id (malloc'd) or NULL. */
static inline char *tn_xadd_json(redisContext *c, const char *stream, const char *json, size_t len)
{
    const char *fv[] = { "id", "hostile", "symbol", "X", "severity", "critical", "detector", "pct_move", "json", json };
    size_t lens[] = { 2, 7, 6, 1, 8, 8, 8, 8, 4, len };
    return tn_xadd_raw(c, stream, 5, fv, lens);
}

/* The dead letter whose stream_id is sid, as a reply element (NULL: none). */
static inline const redisReply *tn_dead_for(const redisReply *range, const char *sid)
{
    for (size_t i = 0; range && range->type == REDIS_REPLY_ARRAY && i < range->elements; i++) {
        const redisReply *e = range->element[i];
        if (e->type == REDIS_REPLY_ARRAY && e->elements == 2 && e->element[1]->type == REDIS_REPLY_ARRAY) {
            const redisReply *f = e->element[1];
            for (size_t k = 0; k + 1 < f->elements; k += 2)
                if (strcmp(f->element[k]->str, "stream_id") == 0 && strcmp(f->element[k + 1]->str, sid) == 0)
                    return e;
        }
    }
    return NULL;
}

static inline long long tn_int(redisContext *c, const char *fmt, const char *a1, const char *a2)
{
    redisReply *r = redisCommand(c, fmt, a1, a2);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject(r);
    return v;
}

/* Pending entries of the group (XPENDING summary count), or -1. */
static inline long long tn_pending(redisContext *c, const char *stream, const char *group)
{
    redisReply *r = redisCommand(c, "XPENDING %s %s", stream, group);
    long long v = r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 && r->element[0]->type == REDIS_REPLY_INTEGER
                      ? r->element[0]->integer
                      : -1;
    if (r)
        freeReplyObject(r);
    return v;
}

/* Poll until the group has no pending entry and `n` were delivered (stream
 * fully read): the notifier acknowledged everything. */
static inline int tn_wait_drained(redisContext *c, const char *stream, const char *group, int timeout_ms)
{
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    do {
        redisReply *r = redisCommand(c, "XINFO GROUPS %s", stream);
        int done = 0;
        if (r && r->type == REDIS_REPLY_ARRAY)
            for (size_t i = 0; i < r->elements; i++) {
                redisReply *g = r->element[i];
                long long pending = -1, lag = -1;
                int ours = 0;
                for (size_t k = 0; g->type == REDIS_REPLY_ARRAY && k + 1 < g->elements; k += 2) {
                    const char *key = g->element[k]->str;
                    redisReply *v = g->element[k + 1];
                    if (strcmp(key, "name") == 0 && v->type == REDIS_REPLY_STRING)
                        ours = strcmp(v->str, group) == 0;
                    if (strcmp(key, "pending") == 0 && v->type == REDIS_REPLY_INTEGER)
                        pending = v->integer;
                    if (strcmp(key, "lag") == 0 && v->type == REDIS_REPLY_INTEGER)
                        lag = v->integer;
                }
                if (ours && pending == 0 && lag == 0)
                    done = 1;
            }
        if (r)
            freeReplyObject(r);
        if (done)
            return 0;
        tr_pause_ms(25);
    } while (tr_now_ms() < deadline);
    return -1;
}

/* Entries of a stream (XRANGE - +) as a reply the caller frees. */
static inline redisReply *tn_xrange(redisContext *c, const char *stream)
{
    return redisCommand(c, "XRANGE %s - +", stream);
}

/* Field `name` of an XRANGE entry, or NULL. */
static inline const char *tn_field(const redisReply *entry, const char *name)
{
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2 || entry->element[1]->type != REDIS_REPLY_ARRAY)
        return NULL;
    const redisReply *f = entry->element[1];
    for (size_t i = 0; i + 1 < f->elements; i += 2)
        if (strcmp(f->element[i]->str, name) == 0)
            return f->element[i + 1]->str;
    return NULL;
}

#endif
