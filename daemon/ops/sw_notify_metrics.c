/* sw_notify_metrics.c -- see sw_notify_metrics.h. */
#include "sw_notify_metrics.h"
#include "sw_log.h"
#include "sw_prom.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

size_t sw_notify_metrics_render(sw_notify_metrics *m, char *buf, size_t cap)
{
    sw_prom o = { buf, cap, 0 };
    if (cap)
        buf[0] = '\0';
    sw_notify_stats st;
    sw_notify_get_stats(m->n, &st);
    size_t nc = sw_notify_n_channels(m->n);
    sw_notify_chan_info ci;

    sw_prom_head(&o, "shocknotify_alerts_read_total", "counter",
                 "Stream entries read (own pending ones at start and claimed ones included).");
    sw_prom_put(&o, "shocknotify_alerts_read_total %" PRIu64 "\n", st.read);
    sw_prom_head(&o, "shocknotify_alerts_malformed_total", "counter",
                 "Stream entries that were not an alert (dead-lettered and acknowledged).");
    sw_prom_put(&o, "shocknotify_alerts_malformed_total %" PRIu64 "\n", st.malformed);
    sw_prom_head(&o, "shocknotify_alerts_acked_total", "counter", "Stream entries acknowledged (XACK): handled.");
    sw_prom_put(&o, "shocknotify_alerts_acked_total %" PRIu64 "\n", st.acked);

    struct { const char *name, *help; int field; } per_chan[] = {
        { "shocknotify_alerts_delivered_total", "Alerts a channel delivered, by channel.", 0 },
        { "shocknotify_alerts_failed_total", "Alerts a channel gave up on (then dead-lettered), by channel.", 1 },
        { "shocknotify_alerts_silenced_total", "Alerts held back from a channel by a silence, by channel.", 2 },
    };
    for (size_t k = 0; k < 3; k++) {
        sw_prom_head(&o, per_chan[k].name, "counter", per_chan[k].help);
        for (size_t i = 0; i < nc; i++) {
            sw_notify_get_chan(m->n, i, &ci);
            uint64_t v = per_chan[k].field == 0 ? ci.delivered : per_chan[k].field == 1 ? ci.failed : ci.silenced;
            sw_prom_put(&o, "%s{channel=\"%s\",type=\"%s\"} %" PRIu64 "\n", per_chan[k].name, ci.name, ci.type, v);
        }
    }
    sw_prom_head(&o, "shocknotify_alerts_dead_lettered_total", "counter",
                 "Dead letters written (alert x channel given up, and entries that were not alerts).");
    sw_prom_put(&o, "shocknotify_alerts_dead_lettered_total %" PRIu64 "\n", st.dead_lettered);
    sw_prom_head(&o, "shocknotify_alerts_skipped_total", "counter",
                 "Alerts not sent, by reason: duplicate (sent to that channel already), quiet_hours, unrouted (no "
                 "route matched).");
    sw_prom_put(&o, "shocknotify_alerts_skipped_total{reason=\"duplicate\"} %" PRIu64 "\n", st.dup_skipped);
    sw_prom_put(&o, "shocknotify_alerts_skipped_total{reason=\"quiet_hours\"} %" PRIu64 "\n", st.quiet_skipped);
    sw_prom_put(&o, "shocknotify_alerts_skipped_total{reason=\"unrouted\"} %" PRIu64 "\n", st.unrouted);
    sw_prom_head(&o, "shocknotify_silences_active", "gauge",
                 "Silences in force now (listed from Redis every second and on each announcement).");
    sw_prom_put(&o, "shocknotify_silences_active %zu\n", sw_notify_silences_active(m->n));
    sw_prom_head(&o, "shocknotify_commands_total", "counter",
                 "Telegram commands: taken (carried out or answered) and refused (from a chat that may not command).");
    sw_prom_put(&o, "shocknotify_commands_total{result=\"taken\"} %" PRIu64 "\n", st.commands);
    sw_prom_put(&o, "shocknotify_commands_total{result=\"refused\"} %" PRIu64 "\n", st.commands_refused);
    sw_prom_head(&o, "shocknotify_alerts_inflight", "gauge", "Stream entries read and not yet acknowledged.");
    sw_prom_put(&o, "shocknotify_alerts_inflight %zu\n", sw_notify_inflight(m->n));
    sw_prom_head(&o, "shocknotify_redis_connected", "gauge", "1 while both Redis connections (read, write) are up.");
    sw_prom_put(&o, "shocknotify_redis_connected %d\n", sw_notify_redis_up(m->n));
    sw_prom_head(&o, "shocknotify_redis_errors_total", "counter", "Error replies from Redis.");
    sw_prom_put(&o, "shocknotify_redis_errors_total %" PRIu64 "\n", st.redis_errors);
    sw_prom_http(&o, "shocknotify", &m->http);
    sw_prom_head(&o, "shocknotify_build_info", "gauge", "Always 1; the version is in the label.");
    sw_prom_put(&o, "shocknotify_build_info{version=\"%s\"} 1\n", SHOCK_VERSION);
    return o.len;
}

static size_t render(void *ctx, char *buf, size_t cap)
{
    return sw_notify_metrics_render(ctx, buf, cap);
}

static int on_metrics(void *ctx, const sw_http_req *req, sw_http_resp *r)
{
    (void)req;
    sw_notify_metrics *m = ctx;
    m->scrapes++;
    return sw_prom_respond(r, render, m);
}

static int on_healthz(void *ctx, const sw_http_req *req, sw_http_resp *r)
{
    (void)req;
    sw_notify_metrics *m = ctx;
    r->ctype = "text/plain; charset=utf-8";
    int up = sw_notify_redis_up(m->n);
    r->status = up ? 200 : 503;
    r->text = up ? "ok\n" : "redis: not connected\n";
    return 0;
}

int sw_notify_metrics_start(sw_notify_metrics *m, uv_loop_t *loop, const char *listen, const sw_notify *n)
{
    memset(m, 0, sizeof *m);
    m->n = n;
    char err[256], where[80];
    if (!listen || sw_listen_parse(listen, &m->listen, err, sizeof err) != 0 || m->listen.off)
        return 0; /* the config loader reported a bad value already */
    sw_http_route_add(&m->http, "/metrics", "metrics", on_metrics, m);
    sw_http_route_add(&m->http, "/healthz", "healthz", on_healthz, m);
    if (sw_http_start(&m->http, loop, &m->listen, 0) != 0)
        return -1;
    m->on = 1;
    sw_info("metrics: listening on http://%s/metrics and /healthz",
            sw_listen_format(&m->listen, m->http.port, where, sizeof where));
    return 0;
}

void sw_notify_metrics_stop(sw_notify_metrics *m)
{
    sw_http_stop(&m->http);
}

void sw_notify_metrics_fini(sw_notify_metrics *m)
{
    sw_http_fini(&m->http);
}
