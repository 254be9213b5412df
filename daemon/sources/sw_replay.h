/*
 * sw_replay.h -- recorded data as a source: NDJSON recordings of provider
 * messages and OHLCV CSV files, merged across files in event-time order and
 * paced on the libuv loop (as fast as possible, or N times real time).
 *
 * Replay hands the same sw_tick values to the same engine as a live feed does;
 * only the source differs.  Files are opened and checked before anything runs,
 * so a wrong path or an unusable CSV header fails at once; bad lines inside a
 * file are counted, the first ten reported with file:line and reason, and
 * skipped.  Ties in event time are broken by the order of the files on the
 * command line, so a replay is deterministic.
 */
#ifndef SW_REPLAY_H
#define SW_REPLAY_H

#include "sw_csv.h"
#include "sw_lines.h"
#include "sw_provider.h"

#include <stdint.h>
#include <uv.h>

#define SW_NDJSON_MAX_LINE (1u << 20)
#define SW_REPLAY_REPORT_FIRST 10

typedef enum sw_event_kind {
    SW_EV_TICK = 0,
    SW_EV_SPLIT = 1
} sw_event_kind;

typedef struct sw_event {
    sw_event_kind kind;
    sw_tick tick;            /* for SW_EV_SPLIT: symbol and ts_ns only */
    double ratio;            /* SW_EV_SPLIT */
} sw_event;

typedef struct sw_replay_stats {
    uint64_t lines;
    uint64_t bad_lines;      /* unusable lines: malformed, overlong, bad fields */
    uint64_t bad_trades;     /* single trades dropped inside an otherwise good message */
    uint64_t control;        /* pings and other non-trade messages */
    uint64_t events;
    uint64_t skipped_gaps;   /* idle stretches skipped when pacing */
} sw_replay_stats;

typedef struct sw_replay_file sw_replay_file;
typedef struct sw_replay sw_replay;

typedef void (*sw_replay_event_fn)(void *ctx, const sw_event *ev);
typedef void (*sw_replay_ahead_fn)(void *ctx, const sw_event *next);
typedef void (*sw_replay_done_fn)(void *ctx, sw_replay *r);

struct sw_replay {
    sw_replay_file *files;
    size_t n_files;
    size_t *heap;            /* file indexes ordered by next event time */
    size_t heap_n;
    sw_replay_stats stats;
    uint64_t bytes_total;    /* sizes of all files; 0 when one is not a regular file (a pipe) */
    uv_loop_t *loop;
    uv_idle_t idle;
    uv_timer_t timer;
    double speed;            /* 0: as fast as possible */
    int64_t ev0;             /* event time mapped to wall0 */
    uint64_t wall0_ms;
    int started, stopped, finished;
    int pulling;             /* sw_replay_next in use */
    int open_handles;
    int idle_init, timer_init;
    void (*closed)(sw_replay *r);
    sw_replay_event_fn on_event;
    sw_replay_done_fn on_done;
    void *ctx;
    /* Optional, set before sw_replay_start: called with the event that will
     * follow, before on_event gets the current one.  The replay decodes a
     * file's next message before handing over the last event of the current
     * one, so the next event is always known; shockd announces its symbol to
     * the engine (sw_engine_prefetch), which loads it while this event runs. */
    sw_replay_ahead_fn ahead;
};

/* Open every file.  `format` is "csv", a provider name ("finnhub"), or NULL to
 * choose by extension (.csv is CSV; anything else NDJSON of `provider`).
 * Returns 0, or -1 after printing what is wrong with which file. */
int sw_replay_open(sw_replay *r, const char *const *paths, size_t n, const char *format,
                   const char *provider);

/* Start pumping events into on_event on the loop; on_done runs once at the end
 * (or after sw_replay_stop).  speed <= 0 means as fast as possible. */
int sw_replay_start(sw_replay *r, uv_loop_t *loop, double speed, sw_replay_event_fn on_event,
                    sw_replay_done_fn on_done, void *ctx);

/* Bytes consumed so far, all files together (of bytes_total): what a
 * progress line shows.  Cheap enough to call a few times a second. */
uint64_t sw_replay_bytes_read(const sw_replay *r);

/* The provider whose messages the recordings hold ("csv" for bars): the
 * first file's, as a label (metrics); NULL before sw_replay_open. */
const char *sw_replay_provider(const sw_replay *r);

/* Stop early (signal); on_done still runs once. */
void sw_replay_stop(sw_replay *r);

/* Pull mode, for a program that paces events itself (shock-feed): copy the
 * next event in merged order into *out and return 1, or return 0 at the end.
 * Use instead of sw_replay_start, never with it; close with
 * sw_replay_close(r, NULL). */
int sw_replay_next(sw_replay *r, sw_event *out);

/* Close handles (asynchronously) and files; `closed` runs when it is safe to
 * free r. */
void sw_replay_close(sw_replay *r, void (*closed)(sw_replay *r));

#endif
