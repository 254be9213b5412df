/*
 * sw_state.h -- per-symbol state that survives a restart: <state_dir>/state.json.
 *
 * What a restart would otherwise forget is what the first trades of the next
 * session are judged against: each symbol's trading day, previous close,
 * today's open and running close, last price and last event time, plus a few
 * numbers a detector may choose to keep (sw_detector_type.save_state, e.g. a
 * volume baseline: up to SW_DET_STATE_MAX).  shockd saves them every 60 s and at shutdown
 * (while running, from a forked child: sw_bgsave.h),
 * atomically (temporary file, fsync, rename), and reads them at start.
 *
 * A checkpoint rides along, so a restart in the middle of a session goes on
 * where the engine was -- the same alerts, with the same ids, as if it had
 * not stopped (what an active-active twin relies on): each symbol's
 * detector state (sw_engine.h checkpoints: bytes in this build's layout,
 * base64), each detector's detector-wide state, and the alert policy's keys
 * (cooldowns, what is raised).  It is stamped with the engine's fingerprint
 * and restored only into an engine with the same one (same build of
 * strategies/, detectors, parameters and groups), and only for the symbols
 * whose session record is restored; otherwise they start fresh as before.
 * Ticks that came after the last save are not in it: shockd saves soon
 * after every alert, so a crash forgets at most the confirmations and
 * windows of the last second or so.
 *
 * The file is JSON Lines (version 2): a header line (version, mode, the
 * checkpoint's fingerprint and detector-wide state), one line per symbol, one
 * per alert policy key, and an end line that counts the lines before it (a
 * file cut short is not taken for a whole one).  Each line is parsed alone
 * and freed before the next, so reading 10 000 symbols costs the memory of
 * one; and a record keeps only which watched symbol it is and where its
 * line is (20 bytes): the line (its prices and times, and the detector
 * state, about 3 KB a symbol) is read again from the file, held open, when
 * it is applied or written into the next save.  A line that changed in
 * between (the file edited under a running shockd) is reported as
 * "FILE:LINE: SYMBOL: ..." and that symbol starts fresh.  Version 1
 * (one JSON document, the previous release's) is still read, the upgrade
 * path; saves write version 2.
 *
 * Loading is careful, never fatal: a missing file is a first start; a file
 * that is not what we wrote (bad JSON, wrong types, too large, cut short)
 * is reported as "FILE:LINE: json.path: what" (version 1: "FILE: json.path:
 * what") and ignored as a whole; symbols no longer in the watchlist are left
 * out.  Records are applied just before the first event,
 * and only where they belong: a symbol whose saved last trade is newer than
 * that event (a replay of older data must not be judged against the future),
 * or more than 7 days older (a stale close, or another replay's unrelated
 * day), keeps its fresh state; and the file records whether a replay or the
 * live feed wrote it, so neither is ever judged against the other's state.
 */
#ifndef SW_STATE_H
#define SW_STATE_H

#include "sw_config.h"
#include "sw_engine.h"
#include "sw_policy.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SW_STATE_FILE "state.json"
/* Bounds of what is read as ours.  Version 1 is parsed whole: 64 MiB.
 * Version 2 is read a line at a time: a line (a symbol's ~3 KB with the
 * production detectors; the header's detector-wide state, 12 bytes a
 * symbol) at most 64 MiB, the file at most 1 GiB, some 300 000 symbols
 * (a record's offset is 32 bits). */
#define SW_STATE_MAX_BYTES (64u << 20)
#define SW_STATE_MAX_LINE (64u << 20)
#define SW_STATE_MAX_BYTES_V2 ((uint64_t)1 << 30)
#define SW_STATE_DET_VALUES SW_DET_STATE_MAX /* numbers a detector may keep per symbol */
#define SW_STATE_DET_MAX 16          /* detectors per symbol in the file */
/* Saved state older than this at the first event is not restored: it covers
 * any weekend plus holidays, not a stale or unrelated day. */
#define SW_STATE_MAX_AGE_NS (INT64_C(7) * 86400 * 1000000000)

typedef struct sw_state_det {
    int index;                       /* position in the config's detector list */
    char type[24];
    size_t n;
    size_t off;                      /* its numbers: sw_state.vals[off .. off + n) */
} sw_state_det;

/* A loaded symbol's record: which watched symbol it is and where its line
 * is, 20 bytes.  What the line says (prices, times, detector numbers, the
 * checkpoint's bytes) is read again from the file, held open, when the
 * record is applied or written into the next save: held as numbers next to
 * the engine, 10 000 records were ~1.2 MB at a restart's peak. */
#define SW_STATE_REC_RESTORED 1u     /* sw_state_apply put its detector state back */
#define SW_STATE_REC_V1 2u           /* a version-1 file's: whole in sw_state.v1[off] */
typedef struct sw_state_rec {
    uint32_t sym;                    /* the symbol's index in the watchlist, in the engine's order (sw_engine_sym) */
    uint32_t line;                   /* version 2: its line in sw_state.file (1 is the first) */
    uint32_t len;                    /* version 2: the line's bytes, without the newline */
    uint32_t off;                    /* version 2: where the line starts (a file is at most 1 GiB);
                                        version 1: its index in sw_state.v1 */
    uint8_t flags;                   /* SW_STATE_REC_* */
} sw_state_rec;

/* A record whole: what its line says, read for the moment it is used (or a
 * version-1 file's entry, held until the next save moves it onto a line). */
typedef struct sw_state_whole {
    char symbol[SW_SYMBOL_MAX];
    int64_t day;                     /* SW_NO_DAY if none */
    double prev_close, open, day_close, last_price;
    int64_t last_ts;
    unsigned char *engine;           /* the checkpoint's detector state (engine->state_size bytes), or NULL */
    size_t engine_len;
    uint32_t det, n_det;             /* its detectors' numbers: sw_state.dets[det .. det + n_det) */
} sw_state_whole;

typedef struct sw_state {
    char *dir, *path;
    char mode[8];                    /* "replay" or "live" */
    sw_state_rec *recs;              /* loaded records, watchlist symbols only, by sym */
    size_t n;
    uint64_t order;                  /* hash of the watchlist's names in the order recs[].sym counts them */
    sw_state_whole *v1;              /* a version-1 file's records whole (NULL for version 2) */
    size_t n_v1;
    sw_state_det *dets;              /* the records' detector entries (most have none) */
    size_t n_dets;
    double *vals;                    /* the entries' numbers, one pool */
    size_t n_vals;
    size_t det_cap, val_cap;         /* the pools' room */
    FILE *file;                      /* the loaded version-2 file, for its records' lines; or NULL */
    int pending;                     /* loaded, to apply before the first event */
    int save_failing;                /* a failing save is reported once until it works */
    uint64_t saves, save_failures;
    int64_t last_save_ns;            /* wall clock of the last good save, 0: none yet */
    /* the checkpoint */
    sw_policy *policy;               /* saved and restored with the engine; NULL: none */
    uint64_t fingerprint;            /* the loaded file's (0: none) */
    unsigned char *priv[SW_STATE_DET_MAX]; /* detector-wide state by detector index */
    size_t priv_len[SW_STATE_DET_MAX];
    sw_policy_key_state *keys;       /* policy keys */
    size_t key_cap;
    size_t n_keys;
    size_t restored;                 /* symbols whose detector state was restored (tests, logs) */
} sw_state;

/* Remember where and in which mode (`replay` or `live`).  Returns 0 or -1. */
int sw_state_init(sw_state *st, const char *state_dir, const char *mode);

/* Save and restore this policy's keys with the checkpoint. */
void sw_state_set_policy(sw_state *st, sw_policy *p);

/* Read state.json for the symbols of e.  Returns the number of records kept
 * (0 for a first start or an ignored file). */
size_t sw_state_load(sw_state *st, sw_engine *e);

/* The same for the watchlist of cfg (the union of its groups, as the engine
 * will have it), so shockd can read the file before it builds the engine:
 * the file's text and cJSON tree (about a kilobyte a symbol) are gone
 * before the engine and the policy take their memory, instead of adding to
 * their peak. */
size_t sw_state_load_config(sw_state *st, const sw_config *cfg);

/* Before the first event (event time first_ts): give each symbol its saved
 * state, unless its saved last trade is newer than first_ts. */
void sw_state_apply(sw_state *st, sw_engine *e, int64_t first_ts);

/* Write the engine's state (and the loaded records of symbols that had no
 * event since) atomically, as version 2.  The file is written line by line,
 * each one encoded by cJSON in the JSON arena and released before the next,
 * so a save of 10 000 symbols costs no more memory than a save of one; the
 * records written again then point at their lines in the new file.  Returns
 * 0, or -1 (reported once while it keeps failing; never fatal). */
int sw_state_save(sw_state *st, const sw_engine *e);

/* What sw_state_save does first, for shockd to do before it forks one: the
 * records follow e's watchlist (after a reload that changed it, renumbered
 * by the names on their lines), and once the first event is in, those of
 * symbols that were restored or traded since go (their state is the
 * engine's; a save writes it from there).  Done here, it lasts: in
 * the child it would be done again at every save, and the records'
 * memory would stay in shockd. */
void sw_state_prune(sw_state *st, const sw_engine *e);

/* The result of sw_state_save run in another process (shockd forks it:
 * sw_bgsave): count it as sw_state_save would have, here where the counters
 * live on.  A failed child's temporary file, which a kill mid-write leaves,
 * is removed.  The child already reported what it knew. */
void sw_state_save_done(sw_state *st, int rc, long child_pid);

void sw_state_free(sw_state *st);

#endif
