/* sw_metrics.c -- see sw_metrics.h. */
#include "sw_metrics.h"
#include "sw_log.h"
#include "sw_prom.h"
#include "sw_sink_gate.h"
#include "sw_sink_redis.h"
#include "sw_time.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Upper bounds (seconds) of the latency buckets: a few ms (a colocated feed)
 * to a minute (a provider in trouble). */
static const double bucket_le[SW_METRICS_BUCKETS] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,    1,     2.5,  5,     10,   60 };

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * SW_NS_PER_SEC + ts.tv_nsec;
}

/* ---- counting ------------------------------------------------------------------ */

static sw_metrics_det *det_slot(sw_metrics *m, const char *name)
{
    for (size_t i = 0; i < m->n_det; i++)
        if (strcmp(m->det[i].name, name) == 0)
            return &m->det[i];
    if (m->n_det == SW_METRICS_MAX_DETECTORS)
        return NULL;
    sw_metrics_det *d = &m->det[m->n_det++];
    snprintf(d->name, sizeof d->name, "%s", name);
    return d;
}

static void roll_today(sw_metrics *m, int64_t now_ns)
{
    int64_t day = sw_ny_day(now_ns, NULL);
    if (day != m->today) {
        m->today = day;
        memset(m->alerts_today, 0, sizeof m->alerts_today);
    }
}

void sw_metrics_alert(sw_metrics *m, const sw_alert *a, int live)
{
    sw_metrics_alert_at(m, a, live, wall_ns());
}

void sw_metrics_alert_at(sw_metrics *m, const sw_alert *a, int live, int64_t now_ns)
{
    int sev = a->severity >= 0 && a->severity <= 2 ? (int)a->severity : 0;
    sw_metrics_det *d = det_slot(m, a->detector);
    if (d)
        d->n[sev]++;
    roll_today(m, now_ns);
    m->alerts_today[sev]++;
    if (!live)
        return;
    double s = (double)(now_ns - a->ts_ns) / 1e9;
    if (!(s > 0))
        s = 0; /* a provider clock slightly ahead of ours */
    m->hist_count++;
    m->hist_sum += s;
    for (int i = 0; i < SW_METRICS_BUCKETS; i++)
        if (s <= bucket_le[i]) {
            m->bucket[i]++;
            break;
        }
}

void sw_metrics_poll(sw_metrics *m)
{
    if (!m->loop || !m->v.engine)
        return;
    if (m->v.engine->stats.ticks != m->seen_ticks) {
        m->seen_ticks = m->v.engine->stats.ticks;
        m->last_tick_ms = uv_now(m->loop);
    }
}

/* ---- reading the daemon ------------------------------------------------------------ */

typedef struct snapshot {
    int live, replaying, stopping;
    const char *provider;
    int feed_up;
    const char *feed_state;
    uint64_t reconnects;
    uint64_t malformed, bad_trade, oversize;
    int has_redis, redis_up;
    size_t spool;
    size_t held;                  /* of the spool: held in memory, the file refused them */
    uint64_t deduplicated;        /* the redis sink found them written by another shockd */
    size_t unreplicated;          /* written, waiting for WAIT to count redis.replicas_ack replicas */
    size_t symbols;
    uint64_t ticks;
} snapshot;

static void take(sw_metrics *m, snapshot *s)
{
    memset(s, 0, sizeof *s);
    const sw_metrics_view *v = &m->v;
    s->live = v->live && *v->live && v->feed;
    s->replaying = v->replaying && *v->replaying && v->replay;
    s->stopping = v->stopping && *v->stopping;
    if (s->live) {
        const sw_feed *f = v->feed;
        s->provider = f->prov ? f->prov->name : "feed";
        s->feed_up = f->ws.established && f->sess.state == SW_SESS_STREAMING;
        s->feed_state = s->feed_up ? "streaming"
                      : f->ws.established ? sw_sess_state_name(f->sess.state)
                      : f->ws.connecting ? "connecting"
                      : "disconnected";
        s->reconnects = f->stats.connects > 1 ? f->stats.connects - 1 : 0;
        s->malformed = f->stats.bad_messages;
        s->bad_trade = f->stats.bad_trades;
        s->oversize = f->ws.oversize;
    } else if (s->replaying) {
        s->provider = "replay";
        s->feed_up = !v->replay->finished;
        s->feed_state = s->feed_up ? "running" : "finished";
        s->malformed = v->replay->stats.bad_lines;
        s->bad_trade = v->replay->stats.bad_trades;
    }
    for (size_t i = 0; v->sinks && v->n_sinks && i < *v->n_sinks; i++) {
        sw_sink *k = v->sinks[i];
        if (k->pending)
            s->spool += k->pending(k);
        sw_sink *inner = sw_sink_unwrap(k);
        if (strcmp(inner->name, "redis") == 0) {
            sw_sink_redis_stats rs;
            sw_sink_redis_get_stats(inner, &rs);
            s->has_redis = 1;
            s->redis_up = rs.connected && !sw_sink_is_gate(k);
            s->held += rs.held_now;
            s->deduplicated += rs.deduplicated;
            s->unreplicated += rs.unreplicated;
        }
    }
    if (v->engine) {
        s->symbols = v->engine->n_syms;
        s->ticks = v->engine->stats.ticks;
    }
}

/* ---- rendering --------------------------------------------------------------------- */

size_t sw_metrics_render(sw_metrics *m, char *buf, size_t cap)
{
    sw_prom o = { buf, cap, 0 };
    if (cap)
        buf[0] = '\0';
    snapshot s;
    take(m, &s);
    sw_metrics_poll(m);
    const sw_engine_stats *es = m->v.engine ? &m->v.engine->stats : NULL;

    sw_prom_head(&o, "shockwatch_ticks_total", "counter", "Trades accepted by the engine.");
    sw_prom_put(&o, "shockwatch_ticks_total %" PRIu64 "\n", s.ticks);

    sw_prom_head(&o, "shockwatch_bad_messages_total", "counter",
         "Input dropped, by reason: malformed messages or lines, bad trades inside good messages, "
         "oversize frames, out-of-order ticks, unknown symbols, bad prices.");
    const struct { const char *reason; uint64_t n; } bad[] = {
        { "malformed", s.malformed },
        { "bad_trade", s.bad_trade },
        { "oversize", s.oversize },
        { "out_of_order", es ? es->out_of_order : 0 },
        { "unknown_symbol", es ? es->unknown_symbol : 0 },
        { "bad_price", es ? es->bad_price : 0 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        sw_prom_put(&o, "shockwatch_bad_messages_total{reason=\"%s\"} %" PRIu64 "\n", bad[i].reason, bad[i].n);

    /* Trades the sale conditions kept from the detectors' price (an odd lot,
     * an average-price or out-of-sequence print...), by provider and reason. */
    const char *prov = s.live ? s.provider : s.replaying ? sw_replay_provider(m->v.replay) : NULL;
    sw_prom_head(&o, "shockwatch_trades_excluded_total", "counter",
                 "Trades kept from the detectors' price by their sale conditions, by provider and reason "
                 "(docs/feeds.md, \"Trade conditions\"); they still count toward volume where the rules say so.");
    for (int i = 1; i < SW_EXCL_N; i++)
        sw_prom_put(&o, "shockwatch_trades_excluded_total{provider=\"%s\",reason=\"%s\"} %" PRIu64 "\n",
                    prov ? prov : "none", sw_excl_name(i), es ? es->excluded[i] : 0);
    sw_prom_head(&o, "shockwatch_status_events_total", "counter",
                 "Trading statuses (halts, resumptions) and LULD bands of watched symbols the engine received.");
    sw_prom_put(&o, "shockwatch_status_events_total %" PRIu64 "\n", es ? es->status_events : 0);

    sw_prom_head(&o, "shockwatch_feed_connected", "gauge",
         "1 while the source delivers: the live feed is streaming, or a replay is running.");
    sw_prom_put(&o, "shockwatch_feed_connected %d\n", s.feed_up);

    sw_prom_head(&o, "shockwatch_feed_reconnects_total", "counter", "Live feed connections after the first one.");
    sw_prom_put(&o, "shockwatch_feed_reconnects_total %" PRIu64 "\n", s.reconnects);

    sw_prom_head(&o, "shockwatch_alerts_total", "counter", "Alerts handed to the sinks, by severity and detector.");
    for (size_t i = 0; i < m->n_det; i++)
        for (int sev = 2; sev >= 0; sev--)
            sw_prom_put(&o, "shockwatch_alerts_total{severity=\"%s\",detector=\"%s\"} %" PRIu64 "\n",
                sw_severity_name((sw_severity)sev), m->det[i].name, m->det[i].n[sev]);

    sw_prom_head(&o, "shockwatch_redis_connected", "gauge",
         "1 when the redis sink is connected to Redis; 0 when it is not, or no redis sink is configured.");
    sw_prom_put(&o, "shockwatch_redis_connected %d\n", s.redis_up);

    sw_prom_head(&o, "shockwatch_spool_depth", "gauge", "Alerts taken by the sinks and not yet confirmed (the redis spool).");
    sw_prom_put(&o, "shockwatch_spool_depth %zu\n", s.spool);

    sw_prom_head(&o, "shockwatch_spool_held", "gauge",
         "Of the spool's alerts, those its file could not take (disk full, file-size limit), held in memory: "
         "lost if shockd stops before Redis or the disk takes them.");
    sw_prom_put(&o, "shockwatch_spool_held %zu\n", s.held);

    sw_prom_head(&o, "shockwatch_alerts_deduplicated_total", "counter",
         "Alerts the redis sink found already in the stream, written by another shockd (active-active): "
         "confirmed without a second copy.");
    sw_prom_put(&o, "shockwatch_alerts_deduplicated_total %" PRIu64 "\n", s.deduplicated);

    sw_prom_head(&o, "shockwatch_spool_unreplicated", "gauge",
         "Of the spool's alerts, those Redis has but fewer than redis.replicas_ack replicas confirmed (WAIT): "
         "kept and sent again after a failover.");
    sw_prom_put(&o, "shockwatch_spool_unreplicated %zu\n", s.unreplicated);

    if (m->v.shard_count && *m->v.shard_count > 1) {
        sw_prom_head(&o, "shockwatch_shard", "gauge", "Always 1; this shockd's shard of the watchlist is in the labels.");
        sw_prom_put(&o, "shockwatch_shard{index=\"%d\",count=\"%d\"} 1\n", *m->v.shard_index, *m->v.shard_count);
    }

    sw_prom_head(&o, "shockwatch_symbols", "gauge", "Symbols on the watchlist.");
    sw_prom_put(&o, "shockwatch_symbols %zu\n", s.symbols);

    sw_prom_head(&o, "shockwatch_last_tick_age_seconds", "gauge",
         "Seconds since the engine last accepted a trade (since start before the first one); 1 s resolution.");
    uint64_t now = m->loop ? uv_now(m->loop) : 0;
    uint64_t since = m->seen_ticks ? m->last_tick_ms : m->start_ms;
    sw_prom_put(&o, "shockwatch_last_tick_age_seconds %.3f\n", (double)(now - since) / 1000.0);

    sw_prom_head(&o, "shockwatch_tick_to_publish_seconds", "histogram",
         "From a trade's event time to its alert being handed to the sinks, live feeds only.");
    uint64_t cum = 0;
    for (int i = 0; i < SW_METRICS_BUCKETS; i++) {
        cum += m->bucket[i];
        sw_prom_put(&o, "shockwatch_tick_to_publish_seconds_bucket{le=\"%g\"} %" PRIu64 "\n", bucket_le[i], cum);
    }
    sw_prom_put(&o, "shockwatch_tick_to_publish_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", m->hist_count);
    sw_prom_put(&o, "shockwatch_tick_to_publish_seconds_sum %.6f\n", m->hist_sum);
    sw_prom_put(&o, "shockwatch_tick_to_publish_seconds_count %" PRIu64 "\n", m->hist_count);

    sw_prom_head(&o, "shockwatch_config_reloads_total", "counter", "SIGHUP reloads, by result.");
    sw_prom_put(&o, "shockwatch_config_reloads_total{result=\"applied\"} %" PRIu64 "\n",
        m->v.reloads_ok ? *m->v.reloads_ok : 0);
    sw_prom_put(&o, "shockwatch_config_reloads_total{result=\"rejected\"} %" PRIu64 "\n",
        m->v.reloads_failed ? *m->v.reloads_failed : 0);

    if (m->v.state) {
        const sw_state *st = m->v.state;
        sw_prom_head(&o, "shockwatch_state_saves_total", "counter",
                     "Saves of state.json (in a forked child, or in shockd at exit), by result.");
        sw_prom_put(&o, "shockwatch_state_saves_total{result=\"ok\"} %" PRIu64 "\n", st->saves);
        sw_prom_put(&o, "shockwatch_state_saves_total{result=\"failed\"} %" PRIu64 "\n", st->save_failures);
        sw_prom_head(&o, "shockwatch_state_last_save_timestamp_seconds", "gauge",
                     "Wall-clock time of the last good save of state.json (0: none yet).");
        sw_prom_put(&o, "shockwatch_state_last_save_timestamp_seconds %.3f\n", (double)st->last_save_ns / 1e9);
        sw_prom_head(&o, "shockwatch_state_save_running", "gauge", "1 while a forked child writes state.json.");
        sw_prom_put(&o, "shockwatch_state_save_running %d\n", m->v.bgsave && sw_bgsave_child(m->v.bgsave) ? 1 : 0);
    }

    sw_prom_http(&o, "shockwatch", &m->http);
    if (m->v.extra) {
        char *dst = o.len < o.cap ? o.buf + o.len : NULL;
        o.len += m->v.extra(m->v.extra_ctx, dst, o.len < o.cap ? o.cap - o.len : 0);
    }

    sw_prom_head(&o, "shockwatch_build_info", "gauge", "Always 1; the version is in the label.");
    sw_prom_put(&o, "shockwatch_build_info{version=\"%s\"} 1\n", SHOCK_VERSION);
    return o.len;
}

int sw_metrics_health(sw_metrics *m, char *buf, size_t len)
{
    snapshot s;
    take(m, &s);
    sw_prom o = { buf, len, 0 };
    if (len)
        buf[0] = '\0';
    if (s.stopping)
        sw_prom_put(&o, "shockd: stopping\n");
    else if (s.live && !s.feed_up)
        sw_prom_put(&o, "feed: %s %s\n", s.provider, s.feed_state);
    else if (!s.live && !s.replaying)
        sw_prom_put(&o, "feed: no source\n");
    if (s.has_redis && !s.redis_up)
        sw_prom_put(&o, "redis: not connected (%zu alerts waiting in the spool)\n", s.spool);
    if (s.held)
        sw_prom_put(&o, "spool: the file cannot take alerts (disk full?); %zu held in memory\n", s.held);
    return o.len == 0;
}

char *sw_metrics_status(sw_metrics *m, char *buf, size_t len)
{
    snapshot s;
    take(m, &s);
    roll_today(m, wall_ns());
    sw_prom o = { buf, len, 0 };
    if (len)
        buf[0] = '\0';
    if (m->v.shard_count && *m->v.shard_count > 1)
        sw_prom_put(&o, "shard %d/%d: ", *m->v.shard_index, *m->v.shard_count);
    if (s.live)
        sw_prom_put(&o, "live %s %s", s.provider, s.feed_state);
    else if (s.replaying)
        sw_prom_put(&o, "replay %s", s.feed_state);
    else
        sw_prom_put(&o, "no source");
    sw_prom_put(&o, "; %zu symbols; alerts today: %" PRIu64 " critical, %" PRIu64 " warning, %" PRIu64 " info", s.symbols,
        m->alerts_today[SW_SEV_CRITICAL], m->alerts_today[SW_SEV_WARNING], m->alerts_today[SW_SEV_INFO]);
    if (s.has_redis)
        sw_prom_put(&o, "; redis %s, spool %zu%s", s.redis_up ? "connected" : "NOT connected", s.spool,
            s.held ? " (file full: some held in memory)" : "");
    else if (s.spool)
        sw_prom_put(&o, "; %zu alerts unconfirmed", s.spool);
    return buf;
}

/* ---- HTTP ----------------------------------------------------------------------------- */

static size_t render(void *ctx, char *buf, size_t cap)
{
    return sw_metrics_render(ctx, buf, cap);
}

static int on_metrics(void *ctx, const sw_http_req *req, sw_http_resp *r)
{
    (void)req;
    sw_metrics *m = ctx;
    m->scrapes++;
    return sw_prom_respond(r, render, m);
}

static int on_healthz(void *ctx, const sw_http_req *req, sw_http_resp *r)
{
    (void)req;
    sw_metrics *m = ctx;
    char why[1024];
    int ok = sw_metrics_health(m, why, sizeof why);
    r->ctype = "text/plain; charset=utf-8";
    if (ok) {
        r->status = 200;
        r->text = "ok\n";
        return 0;
    }
    r->status = 503;
    sw_dbuf_init(&r->body, sizeof why);
    sw_dbuf_addstr(&r->body, why);
    return sw_dbuf_error(&r->body) ? -1 : 0;
}

sw_http *sw_metrics_http(sw_metrics *m)
{
    return m->http.vh ? &m->http : NULL;
}

int sw_metrics_start(sw_metrics *m, uv_loop_t *loop, const char *listen, const sw_metrics_view *v,
                     size_t max_connections)
{
    memset(m, 0, sizeof *m);
    m->v = *v;
    m->loop = loop;
    m->start_ms = uv_now(loop);
    m->today = INT64_MIN;
    /* Every detector type and the feed's gap pseudo-detector, so each
     * series exists from the start (rate() needs a first sample). */
    size_t nt;
    const sw_detector_type *const *types = sw_detector_types(&nt);
    for (size_t i = 0; i < nt; i++)
        det_slot(m, types[i]->name);
    det_slot(m, "feed");
    char err[256];
    if (!listen || sw_listen_parse(listen, &m->listen, err, sizeof err) != 0 || m->listen.off) {
        m->listen.off = 1;
        return 0; /* the config loader already reported a bad value */
    }
    sw_http_route_add(&m->http, "/metrics", "metrics", on_metrics, m);
    sw_http_route_add(&m->http, "/healthz", "healthz", on_healthz, m);
    if (sw_http_start(&m->http, loop, &m->listen, max_connections) != 0) {
        m->listen.off = 1;
        return -1;
    }
    m->port = m->http.port;
    char where[80];
    sw_info("metrics: listening on http://%s/metrics and /healthz",
            sw_listen_format(&m->listen, m->port, where, sizeof where));
    return 0;
}

void sw_metrics_stop(sw_metrics *m)
{
    sw_http_stop(&m->http);
}

void sw_metrics_fini(sw_metrics *m)
{
    sw_http_fini(&m->http);
}
