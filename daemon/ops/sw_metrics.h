/*
 * sw_metrics.h -- what an operator's monitoring reads from shockd: Prometheus
 * metrics on /metrics, a health verdict on /healthz, and the one-line status
 * systemd shows (sw_sdnotify).
 *
 * The HTTP listener (sw_http.h) is libwebsockets' HTTP server role (no
 * parser of ours), in a context of its own on shockd's libuv loop.  It
 * cannot share the live feed's context: that one is client-only, does not
 * exist in replay mode, and is destroyed when the feed stops -- while
 * /healthz must answer until the very end of a drain.  Two lws contexts on
 * one foreign loop are fine.  The limits on what clients can make it hold
 * are sw_http's; its counters are part of /metrics.  The default address is
 * loopback (127.0.0.1:9464): exposing it is a deliberate config change
 * (`metrics.listen`).  Other modules add their routes to m->http (the
 * dashboard, sw_live.h).
 *
 * Nothing here is on the tick path.  Counters the engine, feed, replay and
 * sinks keep anyway are read at scrape time through sw_metrics_view; only
 * alerts (rare) are counted here, by severity and detector, plus the
 * histogram of tick-to-publish latency: from the triggering trade's event
 * time (the exchange's timestamp) to the moment shockd hands the alert to
 * its sinks, by the wall clock -- what "how late are our alerts" means to a
 * trader, provider delay included.  It is observed for live feeds only: a
 * replay's event times are history.
 *
 * Health: 200 "ok" when the source is fine (live: the feed is streaming;
 * replay: running) and every redis sink is connected; otherwise 503 with
 * one line per reason.  shockwatch_last_tick_age_seconds is measured by the
 * loop clock from the last scrape or once-a-second poll that saw the tick
 * count move (1 s resolution); before the first tick it is the time since
 * start, so "age > N" alerts on a feed that never delivered.
 */
#ifndef SW_METRICS_H
#define SW_METRICS_H

#include "sw_alert.h"
#include "sw_engine.h"
#include "sw_feed.h"
#include "sw_http.h"
#include "sw_listen.h"
#include "sw_prom.h"
#include "sw_replay.h"
#include "sw_sink.h"
#include "sw_state.h"
#include "sw_bgsave.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SW_METRICS_MAX_DETECTORS 16
#define SW_METRICS_BUCKETS 14          /* finite buckets of the latency histogram */
#define SW_METRICS_BODY_MAX SW_PROM_BODY_MAX

/* Where the numbers live (all pointers stay valid for shockd's lifetime;
 * the engine may be replaced in place by a reload).  NULL members are
 * treated as absent. */
typedef struct sw_metrics_view {
    const sw_engine *engine;
    const sw_feed *feed;
    const int *live;                   /* *live: the feed is the source */
    const sw_replay *replay;
    const int *replaying;
    const int *stopping;               /* the source stopped: draining or exiting */
    sw_sink *const *sinks;
    const size_t *n_sinks;
    const uint64_t *reloads_ok, *reloads_failed;
    const int *shard_index, *shard_count;  /* shockd --shard K/N (count 1: no shards) */
    const sw_state *state;             /* state.json saves; NULL: none */
    const sw_bgsave *bgsave;           /* the save running in a child, if any */
    /* More series from other modules (the dashboard), appended to the
     * exposition: as snprintf, returns the length written or needed. */
    size_t (*extra)(void *ctx, char *buf, size_t cap);
    void *extra_ctx;
} sw_metrics_view;

typedef struct sw_metrics_det {
    char name[24];
    uint64_t n[3];                     /* by sw_severity */
} sw_metrics_det;

typedef struct sw_metrics {
    sw_metrics_view v;
    uv_loop_t *loop;
    sw_http http;                      /* the listener (http.ctx NULL: none) */
    sw_listen listen;
    int port;                          /* bound port (differs from listen.port for 0) */
    /* alerts */
    sw_metrics_det det[SW_METRICS_MAX_DETECTORS];
    size_t n_det;
    uint64_t alerts_today[3];
    int64_t today;                     /* New York date of alerts_today */
    /* tick_to_publish histogram */
    uint64_t bucket[SW_METRICS_BUCKETS]; /* non-cumulative; rendered cumulatively */
    uint64_t hist_count;
    double hist_sum;
    /* last tick */
    uint64_t seen_ticks;
    uint64_t last_tick_ms, start_ms;   /* loop clock */
    uint64_t scrapes;
} sw_metrics;

/* Prepare the counters (always) and, unless listen is "off" or NULL, start
 * listening on loop with at most max_connections (0: the default).
 * Returns 0; -1 when the listener could not be set up, after logging why --
 * the counters still work, shockd runs on without /metrics (an alerting
 * daemon must not stop over its monitoring port). */
int sw_metrics_start(sw_metrics *m, uv_loop_t *loop, const char *listen, const sw_metrics_view *v,
                     size_t max_connections);

/* The listener, or NULL when there is none (off, or it failed). */
sw_http *sw_metrics_http(sw_metrics *m);

/* An alert was handed to the sinks; `live`: observe its latency (from the
 * alert's event time to now, on the wall clock). */
void sw_metrics_alert(sw_metrics *m, const sw_alert *a, int live);

/* The same with "now" given (epoch ns): the latency is now_ns - a->ts_ns, so
 * a test knows exactly which bucket it lands in, however slow the machine. */
void sw_metrics_alert_at(sw_metrics *m, const sw_alert *a, int live, int64_t now_ns);

/* About once a second: notice ticks for shockwatch_last_tick_age_seconds. */
void sw_metrics_poll(sw_metrics *m);

/* The Prometheus text exposition (version 0.0.4).  Returns its length, or
 * the length it would need when cap is too small (as snprintf). */
size_t sw_metrics_render(sw_metrics *m, char *buf, size_t cap);

/* 1 when healthy; otherwise 0 with the reasons, one per line, in buf. */
int sw_metrics_health(sw_metrics *m, char *buf, size_t len);

/* The STATUS= line for systemd: "live finnhub streaming; 17 symbols; alerts
 * today: 2 critical, 1 warning, 0 info; redis connected, spool 0". */
char *sw_metrics_status(sw_metrics *m, char *buf, size_t len);

/* Stop listening: first stage of the lws teardown (from a loop callback). */
void sw_metrics_stop(sw_metrics *m);

/* After uv_run returned: second lws_context_destroy and a last uv_run. */
void sw_metrics_fini(sw_metrics *m);

#endif
