/*
 * sw_spool.h -- the Redis sink's durable queue of alerts not yet confirmed.
 *
 * Every alert is appended to <state_dir>/spool.ndjson (one schema-v1 JSON
 * object per line, exactly the line consumers get) BEFORE it is sent, and
 * stays there until Redis confirmed it.  The spool keeps:
 *
 *  - a confirmed offset: every line before it was confirmed.  It is persisted
 *    in <state_dir>/spool.offset (written atomically) so a restart does not
 *    resend what Redis already has.  Orderings are chosen so that the offset
 *    on disk never points past an unconfirmed line: a crash can only cause a
 *    resend (at-least-once; consumers deduplicate by `id`), never a loss.
 *  - an index of every unconfirmed line (offset, length, severity), in order;
 *    the first `queue_max` of them also carry their JSON and XADD fields in
 *    memory ("loaded"), the rest are read back from the file as the head is
 *    confirmed, so memory stays bounded during a long outage.
 *
 * When everything is confirmed the file is truncated; when the confirmed
 * prefix is most of a large file, the unconfirmed tail is rewritten into a
 * new file.  At open, a spool left by a crash is read back: a torn last line
 * (no newline) and lines that are not alerts are reported as FILE:LINE and
 * skipped, never fatal.
 *
 * Size limit (max_bytes), the overflow policy: first the confirmed prefix is
 * compacted away; then a new `info` alert is refused; then unsent `info`
 * alerts already spooled are dropped to make room for a warning or a
 * critical; then a new `warning` is refused; then, for a critical alert only,
 * unsent warnings are dropped; a critical alert is never dropped, even if the
 * file must exceed the limit for it.  Every drop is counted and logged.
 *
 * A full disk (ENOSPC, EDQUOT, a file-size limit: any failed append) does not
 * lose an accepted alert: it is kept in memory ("held", flag `mem` on its
 * item) and sent to Redis from there like any other.  While alerts are held,
 * newer ones are held behind them so the file stays in alert order; each
 * append and each sync first tries to write the held alerts to the file, and
 * once that succeeds the spool is back to normal.  Held alerts are bounded:
 * beyond SW_SPOOL_HELD_MAX an info or warning alert is refused (counted and
 * logged, as by the overflow policy); a critical one is always held.  They are
 * the only copy: if shockd stops before Redis or the disk took them they are
 * lost, and close says so, with their ids.
 *
 * A lock on <state_dir>/spool.lock keeps a second process off the same spool.
 * The spool does file I/O only; the sink drives it from its loop.
 */
#ifndef SW_SPOOL_H
#define SW_SPOOL_H

#include "sw_alert.h"

#include <stddef.h>
#include <stdint.h>

#define SW_SPOOL_FILE "spool.ndjson"
#define SW_SPOOL_OFFSET_FILE "spool.offset"
#define SW_SPOOL_LOCK_FILE "spool.lock"
/* Held alerts (see above) beyond which only critical ones are accepted. */
#define SW_SPOOL_HELD_MAX 10000
/* Lines longer than an alert can be are not alerts. */
#define SW_SPOOL_LINE_MAX (SW_ALERT_JSON_MAX + 1)

/* Item flags; the sink owns them.  The spool only reads SENT (an alert on
 * the wire is never dropped by the overflow policy). */
#define SW_SPOOL_SENT 1u        /* written on the current connection, reply pending */
#define SW_SPOOL_MAYBE_SENT 2u  /* may have reached Redis (lost reply, or found at open) */
#define SW_SPOOL_WRITTEN 4u     /* with SENT: the script answered (written, or found written) */
#define SW_SPOOL_ACKED 8u       /* with WRITTEN: enough replicas have it (WAIT), or none are asked for */

/* What XADD needs besides the JSON. */
typedef struct sw_spool_body {
    char id[24];
    char symbol[32];
    char detector[24];
    size_t len;                 /* JSON bytes, no newline */
    char json[];                /* NUL-terminated */
} sw_spool_body;

typedef struct sw_spool_item {
    uint64_t off;               /* start of its line in spool.ndjson */
    uint32_t len;               /* line length, newline included */
    uint8_t severity;           /* sw_severity */
    uint8_t flags;              /* SW_SPOOL_* */
    uint8_t mem;                /* 1: held, not in the file; off is meaningless and body the only copy */
    sw_spool_body *body;        /* NULL while only on disk */
} sw_spool_item;

typedef struct sw_spool_params {
    const char *dir;            /* state_dir; created 0700 if missing */
    uint64_t max_bytes;         /* the overflow policy's limit */
    size_t queue_max;           /* items whose JSON is kept in memory (>= 1) */
    int fsync_always;           /* fdatasync after every append, else sw_spool_sync does it */
    /* cJSON may run on a bump arena (shockd's daemon/providers/sw_jsonarena.h): each
     * parse of a spooled line is bracketed by these so the arena does not
     * fill up.  NULL: plain malloc. */
    size_t (*json_mark)(void);
    void (*json_release)(size_t mark);
} sw_spool_params;

typedef struct sw_spool_stats {
    uint64_t appended;
    uint64_t confirmed;
    uint64_t dropped[3];        /* by severity: refused or evicted by the overflow policy */
    uint64_t over_limit;        /* critical alerts spooled beyond max_bytes */
    uint64_t skipped_lines;     /* torn or invalid lines found at open */
    uint64_t recovered;         /* unconfirmed alerts found at open */
    uint64_t rewrites;          /* compactions that rewrote the file */
    uint64_t held;              /* alerts that could not be appended and were held in memory */
    uint64_t held_written;      /* of those, written to the file later */
} sw_spool_stats;

typedef struct sw_spool {
    char *path, *offset_path, *tmp_path, *lock_path;
    int fd, lock_fd;
    uint64_t size;              /* bytes in the file */
    uint64_t confirmed;         /* lines before this offset are confirmed */
    uint64_t persisted;         /* what spool.offset says */
    int unsynced;               /* appended since the last fdatasync */
    sw_spool_item *items;       /* unconfirmed, in order: items[head .. head+n) */
    size_t head, n, cap;
    size_t n_loaded;            /* the first n_loaded items in the file have a body */
    size_t n_mem;               /* held items: always the last n_mem, all with a body */
    int holding;                /* a disk-full episode is going on (logged once) */
    size_t n_sev[3];            /* items by severity */
    sw_spool_params p;
    sw_spool_stats stats;
} sw_spool;

/* Create the directory if needed, lock it, open the spool and read back what
 * a previous run left unconfirmed.  Returns 0, or -1 with a sentence in err
 * (unwritable directory, spool in use by another process, I/O error). */
int sw_spool_open(sw_spool *sp, const sw_spool_params *p, char *err, size_t errlen);

/* Append one alert (json: its schema-v1 line, no newline).  Returns 0 when it
 * is spooled or held in memory (the file could not take it), 1 when the
 * overflow policy or the held limit refused it (counted and logged here), -1
 * when it is not one line of an alert's size or memory ran out (logged
 * here; nothing was added). */
int sw_spool_append(sw_spool *sp, const sw_alert *a, const char *json, size_t len);

/* Unconfirmed alerts, and the i-th of them (0: the oldest). */
static inline size_t sw_spool_pending(const sw_spool *sp)
{
    return sp->n;
}
static inline sw_spool_item *sw_spool_item_at(sw_spool *sp, size_t i)
{
    return &sp->items[sp->head + i];
}
/* How many of the oldest items have their body in memory, so can be sent:
 * the loaded ones from the file, and the held ones once every item of the
 * file before them is loaded. */
static inline size_t sw_spool_ready(const sw_spool *sp)
{
    return sp->n_loaded + (sp->n_loaded + sp->n_mem == sp->n ? sp->n_mem : 0);
}

/* Read bodies back from the file until queue_max items are loaded or none is
 * left on disk only.  Lines that can no longer be read or parsed are dropped
 * with an error.  Returns the number of items loaded now. */
size_t sw_spool_load(sw_spool *sp);

/* Redis confirmed the oldest item: forget it and advance the offset. */
void sw_spool_confirm(sw_spool *sp);

/* Write held alerts to the file if it takes them now, make appended data
 * durable (fdatasync) when needed, persist the confirmed offset when it
 * moved, and compact.  Returns 0 or -1 (logged here). */
int sw_spool_sync(sw_spool *sp);

/* Sync, then release everything (the files stay).  Held alerts that still
 * could not be written are lost: logged here with their ids (a caller that
 * keeps figures reads sp->n_mem after a last sw_spool_sync). */
void sw_spool_close(sw_spool *sp);

#endif
