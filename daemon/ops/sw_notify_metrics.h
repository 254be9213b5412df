/*
 * sw_notify_metrics.h -- what an operator's monitoring reads from
 * shock-notify (notify.metrics_listen): Prometheus metrics on /metrics and
 * a health verdict on /healthz, served by the same bounded listener as
 * shockd's (sw_http.h) and written with the same helpers (sw_prom.h).
 *
 * Series (all read from the engine at scrape time; nothing is counted here):
 *   shocknotify_alerts_read_total, _malformed_total, _acked_total
 *   shocknotify_alerts_delivered_total{channel}, _failed_total{channel}
 *   shocknotify_alerts_dead_lettered_total
 *   shocknotify_alerts_skipped_total{reason="duplicate|quiet_hours|unrouted"}
 *   shocknotify_alerts_silenced_total{channel}
 *   shocknotify_silences_active
 *   shocknotify_commands_total{result="taken|refused"} (Telegram)
 *   shocknotify_alerts_inflight, shocknotify_redis_connected,
 *   shocknotify_redis_errors_total, shocknotify_http_*, shocknotify_build_info
 * Health: 200 "ok" while both Redis connections are up; 503 with the reason
 * otherwise.  No alert text and no secret is ever served.
 */
#ifndef SW_NOTIFY_METRICS_H
#define SW_NOTIFY_METRICS_H

#include "sw_http.h"
#include "sw_listen.h"
#include "sw_notify.h"

#include <stddef.h>
#include <uv.h>

typedef struct sw_notify_metrics {
    const sw_notify *n;
    sw_http http;
    sw_listen listen;
    int on;                           /* listening */
    uint64_t scrapes;
} sw_notify_metrics;

/* Listen on `listen` ("off" or NULL: nothing).  0, or -1 after logging why
 * (shock-notify runs on without /metrics). */
int sw_notify_metrics_start(sw_notify_metrics *m, uv_loop_t *loop, const char *listen, const sw_notify *n);

/* The exposition (as snprintf: the length written or needed). */
size_t sw_notify_metrics_render(sw_notify_metrics *m, char *buf, size_t cap);

/* First stage of the listener's teardown (from a loop callback); the
 * second after uv_run returned. */
void sw_notify_metrics_stop(sw_notify_metrics *m);
void sw_notify_metrics_fini(sw_notify_metrics *m);

#endif
