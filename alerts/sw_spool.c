/* sw_spool.c -- see sw_spool.h. */
#include "sw_spool.h"
#include "sw_fsutil.h"
#include "sw_log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* At open, the first few bad lines are reported one by one, then a count. */
#define REPORT_MAX 10
/* Rewrite the tail when the confirmed prefix is at least this large and at
 * least half the file; smaller prefixes wait for the truncation that comes
 * when everything is confirmed. */
#define COMPACT_MIN_BYTES (1u << 20)
/* Drops beyond this many per eviction are summarised in one line. */
#define DROP_LOG_MAX 10

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const char *sev_name(int s)
{
    return sw_severity_name((sw_severity)s);
}

/* ---- the index ----------------------------------------------------------- */

static int push_item(sw_spool *sp, const sw_spool_item *it)
{
    if (sp->head + sp->n == sp->cap) {
        if (sp->head > 0) {
            memmove(sp->items, sp->items + sp->head, sp->n * sizeof *sp->items);
            sp->head = 0;
        } else {
            size_t cap = sp->cap ? sp->cap * 2 : 64;
            sw_spool_item *ni = realloc(sp->items, cap * sizeof *ni);
            if (!ni)
                return -1;
            sp->items = ni;
            sp->cap = cap;
        }
    }
    sp->items[sp->head + sp->n++] = *it;
    return 0;
}

static void count_sev(sw_spool *sp, const sw_spool_item *it, int delta)
{
    sp->n_sev[it->severity] = (size_t)((long long)sp->n_sev[it->severity] + delta);
}

/* Free an item's body and keep the counts of loaded and held items. */
static void forget_body(sw_spool *sp, sw_spool_item *it)
{
    if (it->mem)
        sp->n_mem--;
    else if (it->body)
        sp->n_loaded--;
    free(it->body);
    it->body = NULL;
}

/* Remove item i (0-based from head), freeing its body. */
static void remove_item(sw_spool *sp, size_t i)
{
    sw_spool_item *it = sw_spool_item_at(sp, i);
    count_sev(sp, it, -1);
    forget_body(sp, it);
    memmove(it, it + 1, (sp->n - i - 1) * sizeof *it);
    sp->n--;
}

/* ---- parsing a spooled line ---------------------------------------------- */

typedef struct meta {
    char id[24], symbol[32], detector[24];
    int severity;
} meta;

static int copy_str(const cJSON *o, const char *key, char *out, size_t outlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) >= outlen)
        return -1;
    memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
    return 0;
}

/* The fields XADD needs, from one line of the spool.  Returns 0, or -1 with
 * what is wrong in why. */
static int parse_line(const sw_spool *sp, const char *line, size_t len, meta *m, char *why, size_t whylen)
{
    size_t mark = sp->p.json_mark ? sp->p.json_mark() : 0;
    int rc = -1;
    cJSON *o = cJSON_ParseWithLength(line, len);
    if (!o || !cJSON_IsObject(o)) {
        fail(why, whylen, "not a JSON object");
        goto out;
    }
    if (copy_str(o, "id", m->id, sizeof m->id) != 0 || strlen(m->id) != 16 ||
        strspn(m->id, "0123456789abcdef") != 16) {
        fail(why, whylen, "no \"id\" of 16 hex digits");
        goto out;
    }
    if (copy_str(o, "symbol", m->symbol, sizeof m->symbol) != 0) {
        fail(why, whylen, "no \"symbol\"");
        goto out;
    }
    if (copy_str(o, "detector", m->detector, sizeof m->detector) != 0) {
        fail(why, whylen, "no \"detector\"");
        goto out;
    }
    const cJSON *sev = cJSON_GetObjectItemCaseSensitive(o, "severity");
    m->severity = -1;
    for (int s = SW_SEV_INFO; s <= SW_SEV_CRITICAL && cJSON_IsString(sev); s++)
        if (strcmp(sev->valuestring, sev_name(s)) == 0)
            m->severity = s;
    if (m->severity < 0) {
        fail(why, whylen, "no \"severity\" (info, warning or critical)");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(o);
    if (sp->p.json_release)
        sp->p.json_release(mark);
    return rc;
}

static sw_spool_body *make_body(const char *id, const char *symbol, const char *detector, const char *json,
                                size_t len)
{
    sw_spool_body *b = malloc(sizeof *b + len + 1);
    if (!b)
        return NULL;
    snprintf(b->id, sizeof b->id, "%s", id);
    snprintf(b->symbol, sizeof b->symbol, "%s", symbol);
    snprintf(b->detector, sizeof b->detector, "%s", detector);
    b->len = len;
    memcpy(b->json, json, len);
    b->json[len] = '\0';
    return b;
}

/* ---- offsets and durability ---------------------------------------------- */

static int persist_offset(sw_spool *sp, uint64_t off)
{
    char buf[32], err[512];
    int n = snprintf(buf, sizeof buf, "%" PRIu64 "\n", off);
    if (sw_fs_write_atomic(sp->offset_path, buf, (size_t)n, err, sizeof err) != 0) {
        sw_error("redis spool: cannot save the confirmed offset: %s", err);
        return -1;
    }
    sp->persisted = off;
    return 0;
}

static int read_full(int fd, char *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -errno : -EIO;
        got += (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Everything confirmed: empty the file.  The offset goes to 0 first, so a
 * crash in between resends (duplicates) rather than skips. */
static int truncate_all(sw_spool *sp)
{
    if (persist_offset(sp, 0) != 0)
        return -1;
    if (ftruncate(sp->fd, 0) != 0) {
        sw_error("redis spool: %s: truncate: %s", sp->path, strerror(errno));
        return -1;
    }
    sp->size = 0;
    sp->confirmed = 0;
    sp->unsynced = 0;
    return 0;
}

typedef enum keep_rule { KEEP_ALL, DROP_UNSENT_INFO, DROP_UNSENT_WARNING } keep_rule;

static int keeps(keep_rule rule, const sw_spool_item *it)
{
    if (it->flags & SW_SPOOL_SENT)
        return 1;
    if (rule == DROP_UNSENT_INFO)
        return it->severity != SW_SEV_INFO;
    if (rule == DROP_UNSENT_WARNING)
        return it->severity != SW_SEV_WARNING;
    return 1;
}

static void log_drop(sw_spool *sp, const sw_spool_item *it, size_t nth, const char *how)
{
    if (nth >= DROP_LOG_MAX)
        return;
    sw_warn("redis spool: full (%" PRIu64 " of %" PRIu64 " bytes): %s %s alert %s%s%s", sp->size,
            sp->p.max_bytes, how, sev_name(it->severity), it->body ? it->body->id : "(on disk)",
            it->body ? " " : "", it->body ? it->body->symbol : "");
}

/* Write the unconfirmed lines that `rule` keeps into a new file and put it in
 * place of the spool.  Order: new file durable, offset 0, rename; a crash at
 * any point leaves either the old spool (perhaps with offset 0: resend) or
 * the new one.  On failure nothing changes. */
static int rewrite(sw_spool *sp, keep_rule rule)
{
    sw_spool_item *ni = malloc((sp->n ? sp->n : 1) * sizeof *ni);
    char *line = malloc(SW_SPOOL_LINE_MAX);
    int fd = -1;
    if (!ni || !line)
        goto fail;
    fd = open(sp->tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        sw_error("redis spool: %s: cannot create: %s", sp->tmp_path, strerror(errno));
        goto fail;
    }
    uint64_t off = 0;
    size_t kept = 0;
    for (size_t i = 0; i < sp->n; i++) {
        sw_spool_item *it = sw_spool_item_at(sp, i);
        if (it->mem) {
            /* Held alerts come last and stay held: settle() writes them. */
            ni[kept++] = *it;
            continue;
        }
        if (!keeps(rule, it))
            continue;
        const char *src;
        if (it->body) {
            memcpy(line, it->body->json, it->body->len);
            line[it->body->len] = '\n';
        } else {
            int rc = read_full(sp->fd, line, it->len, it->off);
            if (rc != 0) {
                sw_error("redis spool: %s: read: %s", sp->path, strerror(-rc));
                goto fail;
            }
        }
        src = line;
        int rc = write_full(fd, src, it->len);
        if (rc != 0) {
            sw_error("redis spool: %s: write: %s", sp->tmp_path, strerror(-rc));
            goto fail;
        }
        ni[kept] = *it;
        ni[kept].off = off;
        off += it->len;
        kept++;
    }
    if (fsync(fd) != 0) {
        sw_error("redis spool: %s: fsync: %s", sp->tmp_path, strerror(errno));
        goto fail;
    }
    if (persist_offset(sp, 0) != 0)
        goto fail;
    if (rename(sp->tmp_path, sp->path) != 0) {
        sw_error("redis spool: %s: rename: %s", sp->path, strerror(errno));
        goto fail;
    }
    char err[512];
    if (sw_fs_sync_parent(sp->path, err, sizeof err) != 0)
        sw_warn("redis spool: %s", err);

    /* Committed: account for the dropped items, then swap. */
    size_t dropped = 0;
    for (size_t i = 0; i < sp->n; i++) {
        sw_spool_item *it = sw_spool_item_at(sp, i);
        if (it->mem || keeps(rule, it))
            continue;
        log_drop(sp, it, dropped++, "dropped the older");
        sp->stats.dropped[it->severity]++;
        count_sev(sp, it, -1);
        forget_body(sp, it);
    }
    if (dropped > DROP_LOG_MAX)
        sw_warn("redis spool: ... %zu older alerts dropped in all to make room", dropped);
    close(sp->fd);
    sp->fd = fd;
    free(sp->items);
    sp->items = ni;
    sp->cap = sp->n ? sp->n : 1;
    sp->head = 0;
    sp->n = kept;
    sp->size = off;
    sp->confirmed = 0;
    sp->unsynced = 0;
    sp->stats.rewrites++;
    free(line);
    return 0;
fail:
    if (fd >= 0) {
        close(fd);
        unlink(sp->tmp_path);
    }
    free(ni);
    free(line);
    return -1;
}

/* ---- open ------------------------------------------------------------------ */

static int take_lock(sw_spool *sp, char *err, size_t errlen)
{
    sp->lock_fd = open(sp->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (sp->lock_fd < 0)
        return fail(err, errlen, "%s: cannot open: %s", sp->lock_path, strerror(errno));
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    if (fcntl(sp->lock_fd, F_SETLK, &fl) == 0)
        return 0;
    int e = errno;
    if (e == EACCES || e == EAGAIN) {
        struct flock who = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
        long pid = fcntl(sp->lock_fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK ? (long)who.l_pid : 0;
        return fail(err, errlen, "%s: spool in use by another process (pid %ld); one shockd per state_dir",
                    sp->p.dir, pid);
    }
    return fail(err, errlen, "%s: cannot lock: %s", sp->lock_path, strerror(e));
}

/* The confirmed offset from spool.offset: 0 if missing; anything odd is
 * reported and read as 0 (resend everything: duplicates, never a loss). */
static uint64_t read_offset(sw_spool *sp)
{
    FILE *f = fopen(sp->offset_path, "r");
    if (!f) {
        if (errno != ENOENT)
            sw_warn("redis spool: %s: %s; resending the whole spool", sp->offset_path, strerror(errno));
        return 0;
    }
    char buf[64];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (n == 0 || end == buf || errno || (*end && strcmp(end, "\n") != 0) || buf[0] == '-') {
        sw_warn("redis spool: %s: not an offset; resending the whole spool", sp->offset_path);
        return 0;
    }
    if (v > sp->size) {
        sw_warn("redis spool: %s: offset %llu is beyond the spool's %" PRIu64 " bytes; resending the whole spool",
                sp->offset_path, v, sp->size);
        return 0;
    }
    if (v > 0) {
        char c;
        if (read_full(sp->fd, &c, 1, v - 1) != 0 || c != '\n') {
            sw_warn("redis spool: %s: offset %llu is not at a line boundary; resending the whole spool",
                    sp->offset_path, v);
            return 0;
        }
    }
    return v;
}

typedef struct scan {
    uint64_t lineno;
    uint64_t reported;
} scan;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void report_line(sw_spool *sp, scan *sc, uint64_t lineno, const char *fmt, ...)
{
    sp->stats.skipped_lines++;
    if (sc->reported++ >= REPORT_MAX)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sw_warn("%s:%" PRIu64 ": %s", sp->path, lineno, msg);
}

/* One complete line [off, off+len) (newline included) at open. */
static int take_line(sw_spool *sp, scan *sc, const char *line, uint32_t len, uint64_t off)
{
    meta m;
    char why[128];
    if (len > SW_SPOOL_LINE_MAX) {
        report_line(sp, sc, sc->lineno, "line of %u bytes is longer than an alert can be (%d): skipped", len,
                    SW_SPOOL_LINE_MAX);
        return 0;
    }
    if (parse_line(sp, line, len - 1, &m, why, sizeof why) != 0) {
        report_line(sp, sc, sc->lineno, "not an alert (%s): skipped", why);
        return 0;
    }
    sw_spool_item it = { off, len, (uint8_t)m.severity, SW_SPOOL_MAYBE_SENT, 0, NULL };
    if (sp->n_loaded == sp->n && sp->n_loaded < sp->p.queue_max) {
        it.body = make_body(m.id, m.symbol, m.detector, line, len - 1);
        if (!it.body)
            return -1;
    }
    if (push_item(sp, &it) != 0) {
        free(it.body);
        return -1;
    }
    if (it.body)
        sp->n_loaded++;
    count_sev(sp, &it, +1);
    sp->stats.recovered++;
    return 0;
}

/* Read the unconfirmed part of the file into the index.  A final line without
 * newline was cut by a crash mid-write: reported, then cut off so the next
 * append starts a fresh line. */
static int scan_file(sw_spool *sp, char *err, size_t errlen)
{
    enum { CHUNK = 1 << 16 };
    char *buf = malloc(CHUNK);
    char *line = malloc(SW_SPOOL_LINE_MAX + 1);
    if (!buf || !line) {
        free(buf);
        free(line);
        return fail(err, errlen, "out of memory");
    }
    scan sc = { 1, 0 };
    uint64_t pos = 0, line_start = 0;
    uint32_t line_len = 0;  /* bytes of the current line seen so far (capped count beyond the buffer) */
    int rc = 0;
    while (pos < sp->size) {
        size_t want = sp->size - pos < CHUNK ? (size_t)(sp->size - pos) : CHUNK;
        int r = read_full(sp->fd, buf, want, pos);
        if (r != 0) {
            rc = fail(err, errlen, "%s: read: %s", sp->path, strerror(-r));
            goto out;
        }
        for (size_t i = 0; i < want; i++) {
            char c = buf[i];
            if (line_len < SW_SPOOL_LINE_MAX + 1)
                line[line_len] = c;
            if (line_len < UINT32_MAX)
                line_len++;
            if (c != '\n')
                continue;
            /* Lines before the confirmed offset only count for line numbers. */
            if (line_start >= sp->confirmed && take_line(sp, &sc, line, line_len, line_start) != 0) {
                rc = fail(err, errlen, "out of memory");
                goto out;
            }
            sc.lineno++;
            line_start = pos + i + 1;
            line_len = 0;
        }
        pos += want;
    }
    if (line_start < sp->size) {
        report_line(sp, &sc, sc.lineno,
                    "incomplete last line (%" PRIu64 " bytes, no newline: cut by a crash while writing): skipped",
                    sp->size - line_start);
        if (ftruncate(sp->fd, (off_t)line_start) != 0) {
            rc = fail(err, errlen, "%s: truncate: %s", sp->path, strerror(errno));
            goto out;
        }
        sp->size = line_start;
    }
    if (sc.reported > REPORT_MAX)
        sw_warn("%s: %" PRIu64 " more bad lines skipped", sp->path, sc.reported - REPORT_MAX);
out:
    free(buf);
    free(line);
    return rc;
}

int sw_spool_open(sw_spool *sp, const sw_spool_params *p, char *err, size_t errlen)
{
    memset(sp, 0, sizeof *sp);
    sp->fd = sp->lock_fd = -1;
    sp->p = *p;
    if (sp->p.queue_max < 1)
        sp->p.queue_max = 1;
    if (sw_fs_ensure_dir(p->dir, err, errlen) != 0)
        return -1;
    sp->path = sw_fs_join(p->dir, SW_SPOOL_FILE);
    sp->offset_path = sw_fs_join(p->dir, SW_SPOOL_OFFSET_FILE);
    sp->tmp_path = sw_fs_join(p->dir, SW_SPOOL_FILE ".tmp");
    sp->lock_path = sw_fs_join(p->dir, SW_SPOOL_LOCK_FILE);
    if (!sp->path || !sp->offset_path || !sp->tmp_path || !sp->lock_path) {
        fail(err, errlen, "out of memory");
        goto fail;
    }
    if (take_lock(sp, err, errlen) != 0)
        goto fail;
    sp->fd = open(sp->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (sp->fd < 0) {
        fail(err, errlen, "%s: cannot open: %s", sp->path, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(sp->fd, &st) != 0) {
        fail(err, errlen, "%s: %s", sp->path, strerror(errno));
        goto fail;
    }
    sp->size = (uint64_t)st.st_size;
    sp->confirmed = sp->persisted = read_offset(sp);
    if (scan_file(sp, err, errlen) != 0)
        goto fail;
    if (sp->n == 0)
        sp->confirmed = sp->size; /* what is left is confirmed or skipped */
    if (sp->stats.recovered)
        sw_info("redis spool: %" PRIu64 " unconfirmed alerts from a previous run will be sent first",
                sp->stats.recovered);
    if (sw_spool_sync(sp) != 0)
        sw_warn("redis spool: could not compact %s at start; continuing", sp->path);
    return 0;
fail:
    sw_spool_close(sp);
    return -1;
}

/* ---- append ---------------------------------------------------------------- */

/* Make room for `need` bytes of a `sev` alert.  Returns 0 to go ahead, 1 when
 * the new alert is refused. */
static int make_room(sw_spool *sp, int sev, uint64_t need)
{
    uint64_t max = sp->p.max_bytes;
    if (sp->size + need <= max)
        return 0;
    if (sp->confirmed > 0 && rewrite(sp, KEEP_ALL) == 0 && sp->size + need <= max)
        return 0;
    if (sev == SW_SEV_INFO)
        return 1;
    if (sp->n_sev[SW_SEV_INFO] > 0 && rewrite(sp, DROP_UNSENT_INFO) == 0 && sp->size + need <= max)
        return 0;
    if (sev == SW_SEV_WARNING)
        return 1;
    if (sp->n_sev[SW_SEV_WARNING] > 0 && rewrite(sp, DROP_UNSENT_WARNING) == 0 && sp->size + need <= max)
        return 0;
    /* A critical alert is never dropped. */
    sp->stats.over_limit++;
    sw_warn("redis spool: over its limit (%" PRIu64 " of %" PRIu64 " bytes) with critical alerts only; "
            "spooling this critical alert anyway",
            sp->size + need, max);
    return 0;
}

/* Append one line (json, then a newline) at the end of the file, sp->size
 * unchanged.  One writev on an O_APPEND descriptor: the line lands whole at
 * the end, or (crash, full disk) partly; a partial line is taken back so the
 * file stays line-aligned.  Returns 0 or an errno. */
static int append_line(sw_spool *sp, const char *json, size_t len)
{
    struct iovec iov[2] = { { (void *)json, len }, { (void *)"\n", 1 } };
    ssize_t w;
    do
        w = writev(sp->fd, iov, 2);
    while (w < 0 && errno == EINTR);
    if (w == (ssize_t)(len + 1))
        return 0;
    int e = w < 0 ? errno : ENOSPC;
    if (w > 0 && ftruncate(sp->fd, (off_t)sp->size) != 0)
        sw_error("redis spool: %s: cannot undo a partial write: %s", sp->path, strerror(errno));
    return e;
}

/* The file took a write again and nothing is held: the episode is over, say
 * so once.  (Held alerts all confirmed by Redis do not end it: the file has
 * not shown it takes alerts; the next append finds out.) */
static void end_holding(sw_spool *sp)
{
    if (!sp->holding || sp->n_mem > 0)
        return;
    sp->holding = 0;
    sw_info("redis spool: %s takes alerts again and none is held in memory (since start: %" PRIu64
            " held, %" PRIu64 " of them written to the file later, the others sent to Redis from memory)",
            sp->path, sp->stats.held, sp->stats.held_written);
}

/* Keep an alert the file could not take (why: strerror, or NULL when it only
 * queues behind alerts already held).  Returns what sw_spool_append does. */
static int hold(sw_spool *sp, const sw_alert *a, const char *json, size_t len, int sev, const char *why)
{
    if (sp->n_mem >= SW_SPOOL_HELD_MAX && sev != SW_SEV_CRITICAL) {
        sp->stats.dropped[sev]++;
        sw_error("redis spool: %s cannot take alerts and %zu are held in memory already: dropped the new %s "
                 "alert %s %s %s", sp->path, sp->n_mem, sev_name(sev), a->id, a->symbol, a->detector);
        return 1;
    }
    sw_spool_item it = { 0, (uint32_t)(len + 1), (uint8_t)sev, 0, 1, NULL };
    it.body = make_body(a->id, a->symbol, a->detector, json, len);
    if (!it.body || push_item(sp, &it) != 0) {
        free(it.body);
        sw_error("redis spool: %s cannot take alert %s and memory ran out: the alert is lost", sp->path, a->id);
        return -1;
    }
    sp->n_mem++;
    count_sev(sp, &it, +1);
    sp->stats.appended++;
    sp->stats.held++;
    if (!sp->holding) {
        sp->holding = 1;
        sw_error("redis spool: %s: cannot append alert %s: %s; holding it and the alerts after it in memory "
                 "until the file takes them (they are sent to Redis meanwhile, and lost only if shockd stops "
                 "before either took them)", sp->path, a->id, why ? why : "earlier alerts are held");
    }
    return 0;
}

/* Write held alerts to the file, oldest first, under the overflow policy as
 * if they arrived now.  Returns 0 when none is left held, -1 when the file
 * still refuses (the rest stay held, in order). */
static int settle(sw_spool *sp)
{
    int wrote = 0;
    while (sp->n_mem > 0) {
        size_t first = sp->n - sp->n_mem;
        sw_spool_item *it = sw_spool_item_at(sp, first);
        int sent = (it->flags & SW_SPOOL_SENT) != 0;
        /* make_room may rewrite the file and the index: look the item up again after it. */
        if (make_room(sp, it->severity, it->len) != 0 && !sent) {
            it = sw_spool_item_at(sp, sp->n - sp->n_mem);
            sp->stats.dropped[it->severity]++;
            log_drop(sp, it, 0, "dropped the held");
            remove_item(sp, sp->n - sp->n_mem);
            continue;
        }
        first = sp->n - sp->n_mem;
        it = sw_spool_item_at(sp, first);
        if (append_line(sp, it->body->json, it->body->len) != 0)
            break;
        it->off = sp->size;
        it->mem = 0;
        sp->n_mem--;
        sp->size += it->len;
        /* Loaded items must be a prefix of the file's: keep the body only if
         * every item before it is loaded (always so for one on the wire). */
        if (sp->n_loaded == first) {
            sp->n_loaded++;
        } else {
            free(it->body);
            it->body = NULL;
        }
        sp->stats.held_written++;
        wrote = 1;
    }
    if (wrote) {
        sp->unsynced = 1;
        if (sp->p.fsync_always && fdatasync(sp->fd) == 0)
            sp->unsynced = 0;
        end_holding(sp);
    }
    return sp->n_mem > 0 ? -1 : 0;
}

int sw_spool_append(sw_spool *sp, const sw_alert *a, const char *json, size_t len)
{
    if (len == 0 || len >= SW_SPOOL_LINE_MAX || memchr(json, '\n', len)) {
        sw_error("redis spool: alert %s is not one line of at most %d bytes", a->id, SW_ALERT_JSON_MAX);
        return -1;
    }
    int sev = a->severity >= SW_SEV_INFO && a->severity <= SW_SEV_CRITICAL ? (int)a->severity : SW_SEV_INFO;
    /* Alerts held after a failed append go to the file first, in order; if
     * the file still cannot take them, this one is held behind them. */
    if (sp->n_mem > 0 && settle(sp) != 0)
        return hold(sp, a, json, len, sev, NULL);
    if (make_room(sp, sev, len + 1) != 0) {
        sp->stats.dropped[sev]++;
        sw_warn("redis spool: full (%" PRIu64 " of %" PRIu64 " bytes): dropped the new %s alert %s %s %s", sp->size,
                sp->p.max_bytes, sev_name(sev), a->id, a->symbol, a->detector);
        return 1;
    }
    size_t want = len + 1;
    int e = append_line(sp, json, len);
    if (e != 0)
        return hold(sp, a, json, len, sev, strerror(e));
    if (sp->p.fsync_always && fdatasync(sp->fd) != 0) {
        e = errno;
        if (ftruncate(sp->fd, (off_t)sp->size) != 0)
            sw_error("redis spool: %s: cannot undo an append: %s", sp->path, strerror(errno));
        return hold(sp, a, json, len, sev, strerror(e));
    }
    end_holding(sp);
    sw_spool_item it = { sp->size, (uint32_t)want, (uint8_t)sev, 0, 0, NULL };
    /* Kept in memory while it fits and everything older is in memory too. */
    if (sp->n_loaded == sp->n && sp->n_loaded < sp->p.queue_max)
        it.body = make_body(a->id, a->symbol, a->detector, json, len);
    if (push_item(sp, &it) != 0) {
        /* The line is on disk: the next start sends it.  This run cannot. */
        free(it.body);
        sp->size += want;
        sw_error("redis spool: out of memory; alert %s stays in %s for the next start", a->id, sp->path);
        return 0;
    }
    if (it.body)
        sp->n_loaded++;
    count_sev(sp, &it, +1);
    sp->size += want;
    sp->unsynced = !sp->p.fsync_always;
    sp->stats.appended++;
    return 0;
}

/* ---- load, confirm, sync ---------------------------------------------------- */

size_t sw_spool_load(sw_spool *sp)
{
    size_t loaded = 0;
    char *line = NULL;
    while (sp->n_loaded < sp->n - sp->n_mem && sp->n_loaded < sp->p.queue_max) {
        sw_spool_item *it = sw_spool_item_at(sp, sp->n_loaded);
        if (!line && !(line = malloc(SW_SPOOL_LINE_MAX)))
            break;
        meta m;
        char why[128];
        int rc = it->len <= SW_SPOOL_LINE_MAX ? read_full(sp->fd, line, it->len, it->off) : -EINVAL;
        if (rc == 0 && line[it->len - 1] != '\n')
            rc = -EINVAL;
        if (rc == 0 && parse_line(sp, line, it->len - 1, &m, why, sizeof why) != 0)
            rc = -EINVAL;
        if (rc != 0) {
            /* The file changed under us: nothing sensible to send. */
            sw_error("redis spool: %s: line at byte %" PRIu64 " can no longer be read (%s): dropped", sp->path,
                     it->off, rc == -EINVAL ? "not the alert written there" : strerror(-rc));
            sp->stats.dropped[it->severity]++;
            remove_item(sp, sp->n_loaded);
            continue;
        }
        it->body = make_body(m.id, m.symbol, m.detector, line, it->len - 1);
        if (!it->body)
            break;
        sp->n_loaded++;
        loaded++;
    }
    free(line);
    return loaded;
}

void sw_spool_confirm(sw_spool *sp)
{
    if (sp->n == 0)
        return;
    sw_spool_item *it = sw_spool_item_at(sp, 0);
    /* A held item first means every line of the file is confirmed. */
    sp->confirmed = it->mem ? sp->size : it->off + it->len;
    count_sev(sp, it, -1);
    forget_body(sp, it);
    sp->head++;
    sp->n--;
    if (sp->n == 0) {
        sp->head = 0;
        sp->confirmed = sp->size; /* only confirmed or skipped lines are left */
    }
    sp->stats.confirmed++;
}

int sw_spool_sync(sw_spool *sp)
{
    if (sp->fd < 0)
        return 0;
    int rc = 0;
    if (sp->n_mem > 0)
        settle(sp); /* a failure is the normal state of a full disk, reported once by hold() */
    if (sp->unsynced) {
        if (fdatasync(sp->fd) != 0) {
            sw_error("redis spool: %s: fdatasync: %s", sp->path, strerror(errno));
            rc = -1;
        } else {
            sp->unsynced = 0;
        }
    }
    if (sp->n == 0 && sp->size > 0)
        return truncate_all(sp) != 0 ? -1 : rc;
    if (sp->confirmed >= COMPACT_MIN_BYTES && sp->confirmed >= sp->size / 2)
        return rewrite(sp, KEEP_ALL) != 0 ? -1 : rc;
    if (sp->confirmed != sp->persisted && persist_offset(sp, sp->confirmed) != 0)
        rc = -1;
    return rc;
}

void sw_spool_close(sw_spool *sp)
{
    if (sp->fd >= 0) {
        sw_spool_sync(sp);
        close(sp->fd);
    }
    if (sp->n_mem > 0) {
        sw_error("redis spool: %zu held alerts could not be written to %s nor sent to Redis before the stop, and "
                 "are lost:", sp->n_mem, sp->path);
        for (size_t i = sp->n - sp->n_mem, k = 0; i < sp->n; i++, k++) {
            const sw_spool_item *it = sw_spool_item_at(sp, i);
            if (k == DROP_LOG_MAX) {
                sw_error("redis spool:   ... and %zu more", sp->n - i);
                break;
            }
            sw_error("redis spool:   lost %s alert %s %s %s", sev_name(it->severity), it->body->id,
                     it->body->symbol, it->body->detector);
        }
    }
    if (sp->lock_fd >= 0)
        close(sp->lock_fd); /* releases the lock */
    for (size_t i = 0; i < sp->n; i++)
        free(sw_spool_item_at(sp, i)->body);
    free(sp->items);
    free(sp->path);
    free(sp->offset_path);
    free(sp->tmp_path);
    free(sp->lock_path);
    memset(sp, 0, sizeof *sp);
    sp->fd = sp->lock_fd = -1;
}
