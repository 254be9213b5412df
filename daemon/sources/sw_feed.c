/* sw_feed.c -- see sw_feed.h. */
#include "sw_feed.h"
#include "sw_alert.h"
#include "sw_secret.h"
#include "sw_log.h"
#include "sw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Problems logged one by one before they are only counted. */
#define REPORT_FIRST 10

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * SW_NS_PER_SEC + ts.tv_nsec;
}

/* xorshift64*: jitter only needs to differ between processes, not to be
 * unpredictable. */
static double rand01(sw_feed *f)
{
    f->rng ^= f->rng >> 12;
    f->rng ^= f->rng << 25;
    f->rng ^= f->rng >> 27;
    return (double)((f->rng * UINT64_C(2685821657736338717)) >> 11) / 9007199254740992.0;
}

int64_t sw_backoff_full_jitter(int64_t base_ns, int64_t cap_ns, int n, double r)
{
    double ceiling = (double)base_ns;
    for (int i = 0; i < n && ceiling < (double)cap_ns; i++)
        ceiling *= 2;
    if (ceiling > (double)cap_ns)
        ceiling = (double)cap_ns;
    return (int64_t)(ceiling * r);
}

static char *fmt_secs(int64_t ns, char *buf, size_t len)
{
    double s = (double)ns / 1e9;
    long whole = (long)s;
    if (s < 100)
        snprintf(buf, len, "%.1f s", s);
    else if (whole < 3600)
        snprintf(buf, len, "%ldm%02lds", whole / 60, whole % 60);
    else
        snprintf(buf, len, "%ldh%02ldm", whole / 3600, whole / 60 % 60);
    return buf;
}

/* ---- connecting ---------------------------------------------------------- */

static void connect_now(sw_feed *f)
{
    if (f->stopping)
        return;
    f->stats.attempts++;
    if (f->in_gap)
        f->gap.attempts++;
    sw_info("feed: connecting to %s (%s, attempt %llu)", f->url_shown, f->prov->name,
            (unsigned long long)f->stats.attempts);
    sw_ws_connect(&f->ws, &f->target);
}

static void on_retry(uv_timer_t *t)
{
    connect_now(t->data);
}

/* Schedule the next attempt after a connection ended; returns the delay. */
static int64_t schedule_retry(sw_feed *f, int long_wait)
{
    int64_t delay;
    if (long_wait) {
        /* Some jitter still, but never short: 80-100% of auth_backoff. */
        delay = (int64_t)((double)f->p.auth_backoff_ns * (0.8 + 0.2 * rand01(f)));
    } else {
        delay = sw_backoff_full_jitter(f->p.backoff_base_ns, f->p.backoff_cap_ns, f->attempt, rand01(f));
        if (f->attempt < 62)
            f->attempt++;
    }
    uv_timer_start(&f->retry, on_retry, (uint64_t)(delay / 1000000), 0);
    return delay;
}

/* ---- sw_ws handlers --------------------------------------------------------- */

static int send_text(void *ctx, const char *msg, size_t len)
{
    sw_feed *f = ctx;
    return sw_ws_send(&f->ws, msg, len);
}

static void on_open(void *ctx)
{
    sw_feed *f = ctx;
    f->stats.connects++;
    f->open_ms = f->last_msg_ms = uv_now(f->loop);
    f->streaming_logged = 0;
    f->long_backoff = 0;
    sw_session_reset(&f->sess);
    sw_info("feed: connected to %s", f->url_shown);
    f->prov->on_open(&f->sess);
}

/* Log what the adapter noted, and act on it. */
static void handle_note(sw_feed *f)
{
    sw_session *s = &f->sess;
    if (s->note[0])
        sw_log((sw_log_level)s->note_level, "feed: %s", s->note);
    if (s->action != SW_ACT_NONE && sw_ws_busy(&f->ws)) {
        if (s->action == SW_ACT_BACKOFF_LONG)
            f->long_backoff = 1;
        sw_ws_drop(&f->ws, s->note[0] ? s->note : "provider error");
    }
    s->note[0] = '\0';
    s->action = SW_ACT_NONE;
}

static void end_gap(sw_feed *f, const sw_tick *first)
{
    f->in_gap = 0;
    f->stats.gaps++;
    f->gap.number = f->stats.gaps;
    f->gap.up_ns = wall_ns();
    f->gap.first_ev_ns = first->ts_ns;
    char text[300];
    sw_warn("feed: %s", sw_feed_gap_text(f, &f->gap, text, sizeof text));
    if (f->h.on_gap)
        f->h.on_gap(f->hctx, &f->gap);
}

static void on_message(void *ctx, const char *msg, size_t len)
{
    sw_feed *f = ctx;
    if (f->stopping)
        return;
    f->last_msg_ms = uv_now(f->loop);
    f->stats.messages++;
    sw_parse_result r;
    f->prov->on_message(&f->sess, msg, len, f->ticks, SW_MAX_TICKS_PER_MSG, &r);
    switch (r.kind) {
    case SW_MSG_BAD:
        if (++f->stats.bad_messages <= REPORT_FIRST)
            sw_warn("feed: %zu-byte message dropped: %s%s", len, r.why ? r.why : "malformed",
                    f->stats.bad_messages == REPORT_FIRST ? " (further ones are only counted)" : "");
        break;
    case SW_MSG_CONTROL:
        f->stats.control++;
        break;
    case SW_MSG_TRADES:
        if (r.n_bad) {
            f->stats.bad_trades += r.n_bad;
            if (f->stats.bad_trades <= REPORT_FIRST)
                sw_warn("feed: %zu trade(s) dropped: %s", r.n_bad, r.why ? r.why : "bad trade");
        }
        if (r.n_ticks && f->in_gap)
            end_gap(f, &f->ticks[0]);
        if (r.n_ticks) {
            f->stats.last_tick_ns = uv_hrtime();
            if (!f->stats.first_tick_ns)
                f->stats.first_tick_ns = f->stats.last_tick_ns;
        }
        for (size_t i = 0; i < r.n_ticks && !f->stopping; i++) {
            f->stats.ticks++;
            f->last_ev_ns = f->ticks[i].ts_ns;
            f->h.on_tick(f->hctx, &f->ticks[i]);
        }
        break;
    }
    if (f->sess.state == SW_SESS_STREAMING && !f->streaming_logged) {
        f->streaming_logged = 1;
        sw_info("feed: %s streaming %zu symbols", f->prov->name, f->sess.n_symbols);
    }
    if (f->sess.note[0] || f->sess.action != SW_ACT_NONE)
        handle_note(f);
}

static void on_oversize(void *ctx, size_t len)
{
    sw_feed *f = ctx;
    f->last_msg_ms = uv_now(f->loop);
    f->stats.oversize++;
    if (f->stats.oversize <= REPORT_FIRST)
        sw_warn("feed: %zu-byte message over feed.max_frame (%zu bytes) dropped%s", len, f->p.max_frame,
                f->stats.oversize == REPORT_FIRST ? " (further ones are only counted)" : "");
}

static void on_end(void *ctx, const sw_ws_end *e)
{
    sw_feed *f = ctx;
    if (f->stopping)
        return;
    uint64_t now = uv_now(f->loop);
    int64_t up_ns = e->established ? (int64_t)(now - f->open_ms) * 1000000 : 0;
    char why[320];
    if (e->http_status)
        snprintf(why, sizeof why, "upgrade refused with HTTP %d%s%.200s", e->http_status, e->reason[0] ? ": " : "",
                 e->reason);
    else if (e->close_code)
        snprintf(why, sizeof why, "closed by the server (%d%s%.200s)", e->close_code, e->reason[0] ? " " : "",
                 e->reason);
    else
        snprintf(why, sizeof why, "%.250s", e->reason[0] ? e->reason : "connection closed");

    int auth = e->http_status == 401 || e->http_status == 403;
    int long_wait = auth || f->long_backoff || e->http_status == 429;
    if (auth || f->long_backoff)
        f->stats.auth_failures++;
    if (e->established) {
        f->stats.disconnects++;
        if (up_ns >= f->p.stable_after_ns)
            f->attempt = 0; /* it worked for a while: start the backoff over */
        if (f->last_ev_ns != INT64_MIN && !f->in_gap) {
            f->in_gap = 1;
            memset(&f->gap, 0, sizeof f->gap);
            f->gap.down_ns = wall_ns();
            f->gap.last_ev_ns = f->last_ev_ns;
            snprintf(f->gap.cause, sizeof f->gap.cause, "%.159s", why);
        }
    }
    f->long_backoff = 0;
    int64_t delay = schedule_retry(f, long_wait);
    char d[32], u[32], every[32];
    fmt_secs(delay, d, sizeof d);
    if (auth)
        sw_error("feed: %s refused the credentials (%s): check feed.key_env/key_file; retrying in %s",
                 f->prov->name, why, d);
    else if (long_wait)
        sw_error("feed: %s: %s; retrying in %s (long backoff: this needs an operator)", f->url_shown, why, d);
    else if (e->established && f->prov->max_connection_ns && up_ns >= f->prov->max_connection_ns / 100 * 95)
        sw_info("feed: %s ended the connection after %s, as it does every %s: reconnecting in %s",
                f->prov->name, fmt_secs(up_ns, u, sizeof u),
                sw_format_duration(f->prov->max_connection_ns, every, (int)sizeof every), d);
    else if (e->established)
        sw_warn("feed: connection to %s lost after %s: %s; reconnecting in %s", f->url_shown,
                fmt_secs(up_ns, u, sizeof u), why, d);
    else
        sw_warn("feed: cannot connect to %s: %s; retrying in %s (attempt %llu)", f->url_shown, why, d,
                (unsigned long long)f->stats.attempts);
}

/* ---- the watchdog --------------------------------------------------------- */

static int market_open(const sw_feed *f)
{
    if (f->p.silence_hours == SW_SILENCE_ALWAYS)
        return 1;
    if (f->p.silence_hours == SW_SILENCE_AUTO && (f->prov->flags & SW_PROV_24X7))
        return 1;
    return sw_calendar_is_open(f->p.calendar, wall_ns());
}

static void on_watch(uv_timer_t *t)
{
    sw_feed *f = t->data;
    if (f->stopping || !f->ws.established || f->ws.kill_requested)
        return;
    uint64_t now = uv_now(f->loop);
    char d[32];
    if (f->sess.state != SW_SESS_STREAMING && (int64_t)(now - f->open_ms) * 1000000 > f->p.handshake_timeout_ns) {
        f->stats.handshake_timeouts++;
        sw_warn("feed: %s did not confirm the subscription within %s (stuck %s): reconnecting", f->prov->name,
                fmt_secs(f->p.handshake_timeout_ns, d, sizeof d), sw_sess_state_name(f->sess.state));
        sw_ws_drop(&f->ws, "handshake timeout");
        return;
    }
    if ((int64_t)(now - f->last_msg_ms) * 1000000 > f->p.silence_timeout_ns && market_open(f)) {
        f->stats.silence_drops++;
        sw_warn("feed: no message from %s for %s while the market is open: reconnecting", f->prov->name,
                fmt_secs((int64_t)(now - f->last_msg_ms) * 1000000, d, sizeof d));
        sw_ws_drop(&f->ws, "silent connection closed by the watchdog");
    }
}

/* ---- life cycle ------------------------------------------------------------- */

int sw_feed_init(sw_feed *f, uv_loop_t *loop, const sw_feed_params *p, const sw_feed_handlers *h, void *hctx,
                 char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->loop = loop;
    f->p = *p;
    f->h = *h;
    f->hctx = hctx;
    f->last_ev_ns = INT64_MIN;
    f->rng = (uv_hrtime() ^ ((uint64_t)getpid() << 32)) | 1;
    f->prov = sw_provider_find(p->provider);
    if (!f->prov) {
        snprintf(err, errlen, "feed.provider: unknown provider \"%s\" (one of %s)", p->provider,
                 sw_provider_names());
        return -1;
    }
    if (p->n_symbols == 0) {
        snprintf(err, errlen, "the watchlist is empty: nothing to subscribe");
        return -1;
    }
    if ((f->prov->flags & SW_PROV_NEEDS_KEY) && !p->key) {
        snprintf(err, errlen, "feed: %s needs an API key: set feed.key_env or feed.key_file", f->prov->name);
        return -1;
    }
    if ((f->prov->flags & SW_PROV_NEEDS_SECRET) && !p->secret) {
        snprintf(err, errlen, "feed: %s needs an API secret: set feed.secret_env or feed.secret_file",
                 f->prov->name);
        return -1;
    }
    if (sw_session_init(&f->sess, f->prov, p->symbols, p->n_symbols, p->key, p->secret, send_text, f) != 0)
        goto oom;
    f->sess.want_status = p->want_status;
    f->sess_ready = 1;
    f->ticks = malloc(SW_MAX_TICKS_PER_MSG * sizeof *f->ticks);
    if (!f->ticks)
        goto oom;
    const char *base = p->url ? p->url : f->prov->default_url;
    if (f->prov->build_url) {
        if (f->prov->build_url(&f->sess, base, f->url, sizeof f->url) != 0) {
            snprintf(err, errlen, "feed.url: cannot build the %s URL (too long, or a symbol %s cannot stream)",
                     f->prov->name, f->prov->name);
            goto fail;
        }
    } else if ((size_t)snprintf(f->url, sizeof f->url, "%s", base) >= sizeof f->url) {
        snprintf(err, errlen, "feed.url: too long");
        goto fail;
    }
    sw_secret_redact_url(f->url, f->url_shown, sizeof f->url_shown);
    char uerr[SW_WS_URL_MAX + 200];
    if (sw_url_parse(f->url, &f->target, uerr, sizeof uerr) != 0) {
        snprintf(err, errlen, "feed.url: %s", uerr);
        goto fail;
    }
    /* Last: nothing may fail after the lws context exists. */
    sw_ws_params wp = { .max_frame = p->max_frame, .ca_file = p->ca_file, .connect_timeout_s = 10 };
    sw_ws_handlers wh = { on_open, on_message, on_oversize, on_end };
    if (sw_ws_init(&f->ws, loop, &wp, &wh, f, err, errlen) != 0)
        goto fail;
    f->ws_ready = 1;
    return 0;
oom:
    snprintf(err, errlen, "feed: out of memory");
fail:
    sw_feed_fini(f);
    return -1;
}

int sw_feed_start(sw_feed *f)
{
    int rc = uv_timer_init(f->loop, &f->retry);
    if (rc != 0)
        return rc;
    f->handles_open++;
    if ((rc = uv_timer_init(f->loop, &f->watch)) != 0)
        return rc;
    f->handles_open++;
    f->timers_init = 1;
    f->retry.data = f->watch.data = f;
    /* Check often enough that a short silence_timeout (tests) is honoured
     * within a quarter of it; once a second is plenty for the default. */
    uint64_t period = (uint64_t)(f->p.silence_timeout_ns / 4 / 1000000);
    if (period > 1000)
        period = 1000;
    if (period < 10)
        period = 10;
    rc = uv_timer_start(&f->watch, on_watch, period, period);
    if (rc == 0)
        connect_now(f);
    return rc;
}

int sw_feed_set_symbols(sw_feed *f, const char *const *symbols, size_t n, char *err, size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "the watchlist is empty: nothing to subscribe");
        return -1;
    }
    int64_t *seq = calloc(n, sizeof *seq);
    if (!seq) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int k = sw_session_symbol_index(&f->sess, symbols[i]);
        if (k >= 0)
            seq[i] = f->sess.last_seq[k];
    }
    /* Providers that name the streams in the URL (Binance) need a new URL;
     * build it first so a failure leaves everything as it was. */
    char url[SW_WS_URL_MAX];
    sw_url target = f->target;
    if (f->prov->build_url) {
        sw_session probe = f->sess;
        probe.symbols = symbols;
        probe.n_symbols = n;
        const char *base = f->p.url ? f->p.url : f->prov->default_url;
        char uerr[SW_WS_URL_MAX + 200];
        if (f->prov->build_url(&probe, base, url, sizeof url) != 0 ||
            sw_url_parse(url, &target, uerr, sizeof uerr) != 0) {
            snprintf(err, errlen, "cannot build the %s URL for the new watchlist", f->prov->name);
            free(seq);
            return -1;
        }
        memcpy(f->url, url, sizeof url);
        f->target = target;
        sw_secret_redact_url(f->url, f->url_shown, sizeof f->url_shown);
    }
    free(f->sess.last_seq);
    f->sess.last_seq = seq;
    f->sess.symbols = symbols;
    f->sess.n_symbols = n;
    f->p.symbols = symbols;
    f->p.n_symbols = n;
    if (!f->stopping && sw_ws_busy(&f->ws))
        sw_ws_drop(&f->ws, "the watchlist changed: resubscribing");
    return 0;
}

void sw_feed_stop(sw_feed *f)
{
    if (f->stopping)
        return;
    f->stopping = 1;
    if (f->timers_init) {
        uv_timer_stop(&f->retry);
        uv_timer_stop(&f->watch);
    }
    if (f->ws_ready)
        sw_ws_stop(&f->ws);
    if (f->h.on_stopped)
        f->h.on_stopped(f->hctx);
}

static void on_timer_closed(uv_handle_t *h)
{
    sw_feed *f = h->data;
    if (--f->handles_open == 0 && f->closed)
        f->closed(f);
}

void sw_feed_close(sw_feed *f, void (*closed)(sw_feed *f))
{
    f->closed = closed;
    f->stopping = 1;
    if (f->ws_ready && !f->ws.stopping)
        sw_ws_stop(&f->ws);
    if (f->handles_open == 0) {
        if (closed)
            closed(f);
        return;
    }
    uv_handle_t *hs[2] = { (uv_handle_t *)&f->retry, (uv_handle_t *)&f->watch };
    int n = f->handles_open; /* retry, then watch, were initialised in that order */
    for (int i = 0; i < n; i++) {
        hs[i]->data = f;
        if (!uv_is_closing(hs[i]))
            uv_close(hs[i], on_timer_closed);
    }
}

void sw_feed_fini(sw_feed *f)
{
    if (f->ws_ready)
        sw_ws_fini(&f->ws);
    f->ws_ready = 0;
    if (f->sess_ready)
        sw_session_free(&f->sess);
    f->sess_ready = 0;
    free(f->ticks);
    f->ticks = NULL;
}

/* ---- reporting ------------------------------------------------------------------ */

char *sw_feed_gap_text(const sw_feed *f, const sw_feed_gap *g, char *buf, size_t len)
{
    char from[32], to[32], down[32], evgap[32];
    sw_format_iso_ms(g->last_ev_ns, from, sizeof from);
    sw_format_iso_ms(g->first_ev_ns, to, sizeof to);
    fmt_secs(g->up_ns - g->down_ns, down, sizeof down);
    fmt_secs(g->first_ev_ns - g->last_ev_ns, evgap, sizeof evgap);
    snprintf(buf, len, "%s feed gap from %s to %s (%s without data; disconnected %s, %llu attempt%s): %s",
             f->prov->name, from, to, evgap, down, (unsigned long long)g->attempts, g->attempts == 1 ? "" : "s",
             g->cause);
    return buf;
}

char *sw_feed_summary(const sw_feed *f, char *buf, size_t len)
{
    const sw_feed_stats *s = &f->stats;
    /* The rate between the first and the last tick: what the pipeline
     * sustained while data flowed, without connect and idle time. */
    double secs = (double)(s->last_tick_ns - s->first_tick_ns) / 1e9;
    char rate[80] = "";
    if (s->ticks > 1 && secs > 0)
        snprintf(rate, sizeof rate, "; %.2f M ticks/s while streaming (%.3f s first to last tick)",
                 (double)s->ticks / secs / 1e6, secs);
    snprintf(buf, len,
             "feed: %s, %llu messages (%llu control), %llu ticks, %llu malformed, %llu bad trades, "
             "%llu oversize; %llu connection attempts, %llu connects, %llu disconnects, %llu gaps, "
             "%llu auth failures, %llu silence reconnects, %llu handshake timeouts; sequence gaps %llu, "
             "stale %llu%s",
             f->prov->name, (unsigned long long)s->messages, (unsigned long long)s->control,
             (unsigned long long)s->ticks, (unsigned long long)s->bad_messages,
             (unsigned long long)s->bad_trades, (unsigned long long)(f->ws.oversize),
             (unsigned long long)s->attempts, (unsigned long long)s->connects,
             (unsigned long long)s->disconnects, (unsigned long long)s->gaps,
             (unsigned long long)s->auth_failures, (unsigned long long)s->silence_drops,
             (unsigned long long)s->handshake_timeouts, (unsigned long long)f->sess.seq_gaps,
             (unsigned long long)f->sess.seq_stale, rate);
    return buf;
}
