/*
 * sw_sdnotify.h -- shockd's side of systemd's service notification protocol
 * (Type=notify), through libsystemd's sd_notify.
 *
 * What systemd is told, and when:
 *  - READY=1 once, from the first iteration of the loop: the configuration
 *    is loaded and valid, the engine, sinks and source exist, and the loop
 *    runs.  Not when the feed is connected: that can take minutes (backoff,
 *    a market that is closed) and is reported in STATUS= instead, so a unit
 *    ordered After=shockd.service is not held up by a provider.
 *  - STATUS=<one line a person reads>, whenever the line changes (the daemon
 *    offers it once a second): feed state, symbols, alerts today, spool.
 *  - WATCHDOG=1 every half of WatchdogSec= (sd_watchdog_enabled gives the
 *    interval) from a timer on the daemon's own loop: if the loop stalls --
 *    a busy loop, a deadlock in a callback -- the pings stop and systemd
 *    restarts the service.  No thread pings on the loop's behalf.
 *  - RELOADING=1 while SIGHUP reloads the configuration, READY=1 after.
 *  - STOPPING=1 when a stop begins, with EXTEND_TIMEOUT_USEC= covering the
 *    sinks' drain, so systemd's stop timeout never cuts a drain it was
 *    told about.
 * Outside systemd (no NOTIFY_SOCKET) every call is a cheap no-op and no
 * timer runs.
 */
#ifndef SW_SDNOTIFY_H
#define SW_SDNOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SW_SDNOTIFY_STATUS_MAX 256

/* Writes the current status line into buf and returns buf. */
typedef char *(*sw_sdnotify_status_fn)(void *ctx, char *buf, size_t len);

typedef struct sw_sdnotify {
    uv_timer_t timer;              /* READY=1 at the first tick, then watchdog pings */
    uv_timer_t status_timer;       /* sw_sdnotify_poll_status */
    sw_sdnotify_status_fn status_fn;
    void *status_ctx;
    int enabled;                   /* NOTIFY_SOCKET is set */
    int timer_open, status_timer_open;
    int ready_sent;
    uint64_t watchdog_usec;        /* 0: no watchdog */
    uint64_t pings;
    char status[SW_SDNOTIFY_STATUS_MAX];
} sw_sdnotify;

/* Set up on loop (a timer, unreferenced: it never keeps the loop alive).
 * Returns 0 or a libuv error. */
int sw_sdnotify_start(sw_sdnotify *n, uv_loop_t *loop);

/* STATUS=line, sent only when it differs from the last one. */
void sw_sdnotify_status(sw_sdnotify *n, const char *line);

/* After sw_sdnotify_start, for programs without a housekeeping timer of
 * their own: ask fn for the status line now and once a second (an
 * unreferenced timer).  Returns 0 or a libuv error. */
int sw_sdnotify_poll_status(sw_sdnotify *n, uv_loop_t *loop, sw_sdnotify_status_fn fn, void *ctx);

void sw_sdnotify_reloading(sw_sdnotify *n);
void sw_sdnotify_reloaded(sw_sdnotify *n);

/* STOPPING=1; extend_usec > 0 also asks systemd for that much more time. */
void sw_sdnotify_stopping(sw_sdnotify *n, uint64_t extend_usec);

/* Close the timers (at shutdown, with the program's other handles);
 * `closed` may be NULL (it runs once per timer). */
void sw_sdnotify_close(sw_sdnotify *n, uv_close_cb closed);

#endif
