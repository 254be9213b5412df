/*
 * sw_live.h -- the live dashboard on shockd's listener: the page at `/`, its
 * updates over the WebSocket `/live`, and the charts of today's session at
 * `/chart/SYMBOL.svg|png` and `/chart/group/NAME.svg|png`.
 *
 * What it keeps: one New York day of the watchlist (sw_daybook: per symbol
 * the day's path at 15 s columns, session open/high/low, the previous
 * close), fed tick by tick, and today's alerts (the last SW_LIVE_DAY_ALERTS).
 * The tick path only adds the tick to the book and marks the state dirty:
 * O(1), no allocation after a symbol's first tick of the day.
 *
 * What viewers get, as JSON text frames (docs/dashboard.md has the fields):
 *   "state"  the watchlist (last, % vs previous close, session high/low, last
 *            alert per symbol), health and counters -- built at most 4 times
 *            a second, only while something changed and someone watches, once
 *            for all viewers;
 *   "spark"  the sparklines (each symbol's path over the session at 48
 *            columns, no extreme lost), at most every 2 s;
 *   "alert"  each alert once, as it is delivered, with its schema-v1 JSON.
 * The state also lists shock-notify's silences (in force or to come): read
 * from Redis, where shock-notify keeps them (sw_silence_store.h), over the
 * redis sink's own connection once a second while someone watches; without
 * a redis sink the list is empty and a note says why.
 * A viewer gets the newest state and sparklines when it can take them
 * (coalesced: a slow viewer skips versions, it never queues them), and every
 * alert of the last SW_LIVE_ALERTS (a viewer further behind skips to them).
 * Frames are built once and shared; a write the socket cannot take at once
 * is kept by lws (one frame per viewer at most) and the viewer gets nothing
 * more until it is sent.  A viewer that takes nothing for SW_LIVE_STALL_MS
 * is dropped (close 1008).  At most max_viewers (metrics.max_viewers) at
 * once; viewers send nothing (a viewer that does is closed).
 *
 * Charts are drawn from the book on request by the report's drawing
 * (sw_report_symbol_chart/_group_chart): SVG by the SVG pen, PNG (800x400)
 * by the cairo pen; ?alert=ID points out that alert.  Drawing runs on the
 * loop (a PNG of a whole day takes about 15 ms), so it has a budget: at most
 * SW_LIVE_DRAW_SHARE of the loop's time on average, beyond which a chart is
 * refused (503) rather than slow the ticks; the same request within a
 * second is answered from a small cache.
 */
#ifndef SW_LIVE_H
#define SW_LIVE_H

#include "sw_alert.h"
#include "sw_config.h"
#include "sw_daybook.h"
#include "sw_engine.h"
#include "sw_http.h"
#include "sw_metrics.h"
#include "sw_silence.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SW_LIVE_ALERTS 100            /* the page's list; each viewer gets them all */
#define SW_LIVE_DAY_ALERTS 1000       /* today's alerts kept for the charts */
#define SW_LIVE_PERIOD_MS 250         /* state frames at most this often */
#define SW_LIVE_SPARK_MS 2000         /* sparkline frames at most this often */
#define SW_LIVE_STALL_MS 10000        /* a viewer that takes nothing this long is dropped */
#define SW_LIVE_SPARK_COLS 48
#define SW_LIVE_FRAME_MAX (8u << 20)  /* one frame; a watchlist of thousands stays far below */
#define SW_LIVE_CHART_MAX (4u << 20)  /* one chart, SVG or PNG */
#define SW_LIVE_PNG_W 800
#define SW_LIVE_PNG_H 400
#define SW_LIVE_DEFAULT_VIEWERS 16
#define SW_LIVE_DRAW_SHARE 0.25       /* of the loop's time, charts may take at most this */
#define SW_LIVE_DRAW_BURST_MS 500.0   /* ... and this much at once after a quiet time */
#define SW_LIVE_CACHE 8               /* charts kept for SW_LIVE_CACHE_MS for the same request */
#define SW_LIVE_CACHE_MS 1000

typedef struct sw_live_frame {
    size_t len;
    unsigned char data[];             /* LWS_PRE bytes of headroom, then the text */
} sw_live_frame;

typedef struct sw_live_viewer sw_live_viewer;

/* Per book symbol, what the state frame says of its last alert. */
typedef struct sw_live_last {
    char id[24];
    int severity, resolved;
    int64_t ts_ns;
    char message[160];
} sw_live_last;

typedef struct sw_live_stats {
    uint64_t viewers_total, viewers_dropped, viewers_refused;
    uint64_t states, sparks, alerts;  /* frames built */
    uint64_t charts_svg, charts_png;
    double svg_s, png_s;              /* time spent drawing them */
    uint64_t charts_cached, charts_busy; /* served again from the cache; refused (503) over the budget */
} sw_live_stats;

/* A chart drawn in the last SW_LIVE_CACHE_MS, for the same path and alert:
 * a burst of notifications asking for one picture draws it once. */
typedef struct sw_live_cached {
    char key[SW_SYMBOL_MAX + 64];
    uint64_t at_ms;
    sw_dbuf data;
    int png;
} sw_live_cached;

typedef struct sw_live {
    uv_loop_t *loop;
    sw_metrics *metrics;              /* health and status for the state frame */
    const sw_engine *engine;          /* replaced in place by a reload */
    const sw_config *cfg;             /* likewise */
    int on;                           /* the dashboard is served */
    size_t max_viewers;
    /* the day */
    sw_daybook book;
    char (*names)[SW_SYMBOL_MAX];     /* the book's symbols, as the engine listed them */
    sw_live_last *last;               /* per book symbol */
    int book_ok;
    sw_alert *alerts;                 /* today's, a ring of SW_LIVE_DAY_ALERTS */
    size_t n_alerts, first_alert;
    uint64_t alert_seq;               /* alerts seen since start */
    /* frames */
    sw_live_frame *state, *spark;
    uint64_t state_seq, spark_seq;
    sw_live_frame *ring[SW_LIVE_ALERTS]; /* alert frames by seq % SW_LIVE_ALERTS */
    int dirty, spark_dirty;
    uint64_t state_ms, spark_ms;      /* loop time of the last build */
    uv_timer_t timer;
    int timer_open;
    /* charts: a budget of the loop's time (a token bucket of ms) and a cache */
    double draw_ms;
    uint64_t draw_at;
    sw_live_cached cache[SW_LIVE_CACHE];
    /* viewers */
    /* shock-notify's silences */
    sw_silence *silences;
    size_t n_silences;
    char silence_note[200];           /* why the list may not be all there is; "" */
    int silence_listing;              /* a list is out */
    lws_dll2_owner_t viewers;         /* sw_live_viewer */
    sw_http_ws ws;
    sw_live_stats st;
} sw_live;

/* Set up (the book sized for the engine's watchlist).  `dashboard` 0: no
 * routes, no timer -- the tick hooks then do nothing.  With a listener
 * (sw_metrics_http(m) not NULL) the routes and the WebSocket are added to
 * it.  Returns 0 or -1 (out of memory; logged). */
int sw_live_init(sw_live *l, uv_loop_t *loop, const sw_config *cfg, const sw_engine *engine, sw_metrics *m,
                 int dashboard, size_t max_viewers);

/* A tick the engine accepted (s: its symbol, after the engine saw it). */
void sw_live_tick(sw_live *l, const sw_symbol *s, const sw_tick *t);

/* An alert handed to the sinks. */
void sw_live_alert(sw_live *l, const sw_alert *a);

/* Once a second: list the silences over r (the redis sink's connection;
 * NULL: shockd has no redis sink) while viewers are connected. */
struct sw_redis;
void sw_live_poll_silences(sw_live *l, struct sw_redis *r, const char *stream);

/* The /metrics series of the dashboard (sw_metrics_view.extra). */
size_t sw_live_metrics(void *live, char *buf, size_t cap);

/* Stop the timer (the viewers go with the listener). */
void sw_live_close(sw_live *l);
void sw_live_free(sw_live *l);

/* ---- pieces with no I/O, for tests and fuzzing ------------------------------------ */

typedef struct sw_live_chart_req {
    int group;                        /* /chart/group/NAME.* */
    int png;                          /* .png, else .svg */
    char name[SW_SYMBOL_MAX];         /* symbol or group name */
} sw_live_chart_req;

/* Parse a chart path ("/chart/NVDA.png", "/chart/group/ai.svg").  Names are
 * 1..SW_SYMBOL_MAX-1 bytes of printable ASCII without '/'.  Returns 0, or
 * -1 with why in err. */
int sw_live_parse_chart(const char *path, sw_live_chart_req *out, char *err, size_t errlen);

/* An ?alert= value: an alert id is 16 lowercase hex digits.  1 or 0. */
int sw_live_valid_alert_id(const char *id);

#endif
