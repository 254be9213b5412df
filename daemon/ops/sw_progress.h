/*
 * sw_progress.h -- one pv-style progress line on a terminal for long work
 * (shockd --replay; shock-report and other batch programs may use it too).
 *
 *   replay 0:12 412.3 MiB/1.20 GiB 34% 1.52M ticks/s 87 alerts ETA 0:23
 *
 * The line is drawn on a file descriptor (stderr) only when it is a terminal
 * and the program was not asked to be quiet; never anywhere else, so a pipe,
 * a log file or the journal never sees it.  It is redrawn in place ("\r",
 * the line, erase to the end of the line: ESC [ K) at most every
 * SW_PROGRESS_INTERVAL_NS, cut to the terminal's width so it never wraps,
 * and erased by sw_progress_clear: at the end, and before anything else is
 * written to the same terminal (log lines, alerts on a terminal stdout), so
 * those lines stay whole; the next update draws it again.
 *
 * Fields: elapsed wall time; bytes consumed of the total (all input files
 * together; without a total -- a pipe -- only the bytes, and no percentage
 * or ETA); ticks per second over the time since the previous draw; alerts
 * so far; ETA from the average byte rate since the start.
 *
 * The module keeps no clock and no timer of its own: the caller passes a
 * monotonic time in ns (uv_hrtime(), or clock_gettime(CLOCK_MONOTONIC)) and
 * calls sw_progress_update as often as it likes (a libuv timer of 250 ms,
 * or every N records of its own loop); the update draws only when the
 * interval has passed.  Usage:
 *
 *     sw_progress p;
 *     sw_progress_init(&p, STDERR_FILENO, !quiet, "replay", total_bytes, now());
 *     ... sw_progress_update(&p, now(), bytes_done, ticks, alerts);   // often
 *     ... sw_progress_clear(&p); fprintf(stderr, "a log line\n");     // when needed
 *     sw_progress_clear(&p);                                           // at the end
 *
 * Single-threaded; no allocation.
 */
#ifndef SW_PROGRESS_H
#define SW_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#define SW_PROGRESS_INTERVAL_NS 250000000ull /* at most 4 draws a second */
#define SW_PROGRESS_LINE_MAX 192

/* What one line shows; sw_progress_format turns it into text. */
typedef struct sw_progress_sample {
    const char *label;       /* "replay"; NULL or "": none */
    uint64_t elapsed_ns;
    uint64_t bytes_done;
    uint64_t bytes_total;    /* 0: unknown (no percentage, no ETA) */
    double ticks_per_s;
    uint64_t alerts;
} sw_progress_sample;

typedef struct sw_progress {
    int fd;                  /* the terminal; -1: off */
    const char *label;       /* not copied: a string literal or one that outlives p */
    uint64_t bytes_total;
    uint64_t start_ns;
    uint64_t last_ns;        /* of the last draw (start_ns before the first) */
    uint64_t last_ticks;
    int drawn;               /* a line is on the terminal now */
} sw_progress;

/* Set up; on only when `wanted` (not --quiet) and fd is a terminal.
 * Returns 1 when on, 0 when off (then every other call does nothing). */
int sw_progress_init(sw_progress *p, int fd, int wanted, const char *label, uint64_t bytes_total,
                     uint64_t now_ns);

/* Redraw the line when SW_PROGRESS_INTERVAL_NS has passed since the last
 * draw (or since init).  Returns 1 when it drew. */
int sw_progress_update(sw_progress *p, uint64_t now_ns, uint64_t bytes_done, uint64_t ticks, uint64_t alerts);

/* Erase the line if one is drawn; cheap when none is. */
void sw_progress_clear(sw_progress *p);

/* The line's text, without control characters: returns its length (cut to
 * cap - 1 bytes, always NUL-terminated). */
size_t sw_progress_format(const sw_progress_sample *s, char *buf, size_t cap);

#endif
