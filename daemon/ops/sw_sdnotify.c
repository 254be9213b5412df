/* sw_sdnotify.c -- see sw_sdnotify.h. */
#include "sw_sdnotify.h"
#include "sw_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

static void notify(const sw_sdnotify *n, const char *msg)
{
    if (!n->enabled)
        return;
    int rc = sd_notify(0, msg);
    if (rc < 0)
        sw_debug("sd_notify(\"%.40s\"): %s", msg, strerror(-rc));
}

static void on_timer(uv_timer_t *t)
{
    sw_sdnotify *n = t->data;
    if (!n->ready_sent) {
        /* First loop iteration: everything before uv_run succeeded. */
        n->ready_sent = 1;
        char msg[SW_SDNOTIFY_STATUS_MAX + 32];
        snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", n->status[0] ? n->status : "running");
        notify(n, msg);
    }
    if (n->watchdog_usec) {
        n->pings++;
        notify(n, "WATCHDOG=1");
    }
}

int sw_sdnotify_start(sw_sdnotify *n, uv_loop_t *loop)
{
    memset(n, 0, sizeof *n);
    const char *sock = getenv("NOTIFY_SOCKET");
    n->enabled = sock && *sock;
    if (!n->enabled)
        return 0;
    uint64_t usec = 0;
    /* > 0 only when WatchdogSec= is set and the ping is meant for us
     * (WATCHDOG_PID, when present, is our pid). */
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        n->watchdog_usec = usec;
    int rc = uv_timer_init(loop, &n->timer);
    if (rc != 0)
        return rc;
    n->timer_open = 1;
    n->timer.data = n;
    /* Half the interval, as sd_watchdog_enabled(3) recommends; at least
     * 1 ms so a tiny test interval cannot turn into a busy loop. */
    uint64_t every_ms = n->watchdog_usec / 2000;
    if (n->watchdog_usec && every_ms == 0)
        every_ms = 1;
    rc = uv_timer_start(&n->timer, on_timer, 0, every_ms);
    uv_unref((uv_handle_t *)&n->timer);
    if (rc == 0 && n->watchdog_usec)
        sw_debug("systemd watchdog: %" PRIu64 " ms, pinging every %" PRIu64 " ms", n->watchdog_usec / 1000,
                 every_ms);
    return rc;
}

void sw_sdnotify_status(sw_sdnotify *n, const char *line)
{
    if (!n->enabled || strncmp(n->status, line, sizeof n->status - 1) == 0)
        return;
    snprintf(n->status, sizeof n->status, "%s", line);
    if (!n->ready_sent)
        return; /* goes out with READY=1 */
    char msg[SW_SDNOTIFY_STATUS_MAX + 16];
    snprintf(msg, sizeof msg, "STATUS=%s", n->status);
    notify(n, msg);
}

static void on_status_timer(uv_timer_t *t)
{
    sw_sdnotify *n = t->data;
    char line[SW_SDNOTIFY_STATUS_MAX];
    sw_sdnotify_status(n, n->status_fn(n->status_ctx, line, sizeof line));
}

int sw_sdnotify_poll_status(sw_sdnotify *n, uv_loop_t *loop, sw_sdnotify_status_fn fn, void *ctx)
{
    n->status_fn = fn;
    n->status_ctx = ctx;
    if (!n->enabled)
        return 0;
    on_status_timer(&(uv_timer_t){ .data = n }); /* the READY message carries it */
    int rc = uv_timer_init(loop, &n->status_timer);
    if (rc != 0)
        return rc;
    n->status_timer_open = 1;
    n->status_timer.data = n;
    rc = uv_timer_start(&n->status_timer, on_status_timer, 1000, 1000);
    uv_unref((uv_handle_t *)&n->status_timer);
    return rc;
}

void sw_sdnotify_reloading(sw_sdnotify *n)
{
    notify(n, "RELOADING=1\nSTATUS=reloading the configuration");
}

void sw_sdnotify_reloaded(sw_sdnotify *n)
{
    char msg[SW_SDNOTIFY_STATUS_MAX + 32];
    snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", n->status[0] ? n->status : "running");
    notify(n, msg);
}

void sw_sdnotify_stopping(sw_sdnotify *n, uint64_t extend_usec)
{
    char msg[128];
    if (extend_usec)
        snprintf(msg, sizeof msg, "STOPPING=1\nSTATUS=stopping: draining sinks\nEXTEND_TIMEOUT_USEC=%" PRIu64,
                 extend_usec);
    else
        snprintf(msg, sizeof msg, "STOPPING=1\nSTATUS=stopping");
    notify(n, msg);
}

void sw_sdnotify_close(sw_sdnotify *n, uv_close_cb closed)
{
    if (n->timer_open && !uv_is_closing((uv_handle_t *)&n->timer))
        uv_close((uv_handle_t *)&n->timer, closed);
    if (n->status_timer_open && !uv_is_closing((uv_handle_t *)&n->status_timer))
        uv_close((uv_handle_t *)&n->status_timer, closed);
}
