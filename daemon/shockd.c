/*
 * shockd.c -- shockd: wires a source (live feed or replay) to the engine, the
 * engine's candidates to the alert policy, and the policy's alerts to the
 * configured sinks, all on one libuv loop.
 *
 * It holds no detection logic.  Exit status: 0 success, 1 invalid
 * configuration or input files, 2 usage error, 3 runtime failure.
 */
#include "sw_cairo.h"
#include "sw_config.h"
#include "sw_secret.h"
#include "sw_feed.h"
#include "sw_jsonarena.h"
#include "sw_listen.h"
#include "sw_live.h"
#include "sw_log.h"
#include "sw_logout.h"
#include "sw_metrics.h"
#include "sw_pipeline.h"
#include "sw_policy.h"
#include "sw_progress.h"
#include "sw_reload.h"
#include "sw_replay.h"
#include "sw_sdnotify.h"
#include "sw_sink.h"
#include "sw_sink_gate.h"
#include "sw_redis.h"
#include "sw_sink_redis.h"
#include "sw_state.h"
#include "sw_bgsave.h"
#include "sw_time.h"

#include <getopt.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define EXIT_CONFIG 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

typedef struct shockd {
    sw_config cfg;
    sw_pipeline pipe;             /* engine -> detectors -> policy, as shock-report builds it */
    sw_sink *sinks[4];
    size_t n_sinks;
    sw_replay replay;
    int replaying;
    sw_feed feed;                 /* the live source (no --replay) */
    int live;
    char *feed_key, *feed_secret;  /* the feed's credentials, NULL when none (sw_secret) */
    const char **feed_symbols;
    char (*live_names)[SW_SYMBOL_MAX]; /* the feed's list after a reload changed it */
    int wall_clock;                    /* the live feed is real time: the wall clock drives event time */
    const char **live_ptrs;
    int draining, finished;
    int sinks_draining, sinks_closing;
    uv_loop_t loop;
    uv_signal_t sig_int, sig_term, sig_hup;
    uv_timer_t cron;
    int handles_open;
    uint64_t alerts[3];
    uint64_t sink_failures;
    uint64_t t_start_ns, t_end_ns;
    int exit_code;
    sw_state state;               /* <state_dir>/state.json */
    unsigned cron_ticks;
    int state_dirty;              /* an alert since the last save: save at the next cron tick */
    int state_due;                /* the minute's save is due (waits for a running one) */
    sw_bgsave bgsave;             /* saves run in a forked child, off the loop */
    sw_metrics metrics;           /* /metrics, /healthz, the STATUS= line */
    sw_live dash;                 /* the dashboard and charts on the same listener */
    sw_sdnotify sdn;              /* systemd notifications */
    sw_reload reload;             /* SIGHUP */
    sw_progress progress;         /* the replay's line on a terminal stderr */
    uv_timer_t progress_timer;
    int progress_on;
    int stdout_tty;               /* alerts share the progress line's terminal */
    int seeding;                  /* --seed-state: a replay that writes a live start's state */
} shockd;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shockd [-c FILE] [--check]\n"
            "       shockd [-c FILE]                  (live: the feed.provider WebSocket feed)\n"
            "       shockd [-c FILE] --replay PATH... [--speed N|max] [--format FMT] [--quiet]\n"
            "       shockd [-c FILE] --replay HISTORY... --seed-state\n"
            "\n"
            "Real-time market-shock monitor: watches trades for the symbols in the config's\n"
            "groups, runs the configured detectors on event time, and sends alerts to sinks.\n"
            "\n"
            "  -c, --config FILE   configuration file (default /etc/shockwatch/shockwatch.json)\n"
            "      --check         validate the configuration, print every problem, exit\n"
            "      --replay PATH   replay recorded data (NDJSON provider messages or OHLCV CSV)\n"
            "                      through the live pipeline; repeat, or list several paths\n"
            "      --seed-state    with --replay: replay history into state_dir's state.json for\n"
            "                      the next live start (baselines such as volume's); no alert\n"
            "                      goes to a sink, the state replaces the one there\n"
            "      --speed N|max   replay pace: N times real time, or max (default max)\n"
            "  -q, --quiet         no progress line (a replay draws one on stderr when it is\n"
            "                      a terminal: bytes read of the total, ticks/s, alerts, ETA)\n"
            "      --format FMT    input format: csv or a provider name (finnhub, alpaca, polygon,\n"
            "                      coinbase, binance); default by\n"
            "                      extension: .csv is CSV, anything else the feed's provider\n"
            "      --log-level L   error, warning, info or debug (overrides the config)\n"
            "      --group NAME=SYM,SYM,...\n"
            "                      add a group to the configured watchlist (repeatable), e.g.\n"
            "                      to replay more names with the production detectors\n"
            "      --shard K/N     run shard K of N (0 <= K < N): only the groups that fall to\n"
            "                      it (overrides the config's \"shard\"; K alone: N is the\n"
            "                      config's shard.count; see shockd(8))\n"
            "      --config-doc    print every configuration option with its default and exit\n"
            "  -h, --help          show this help and exit\n"
            "  -V, --version       show the version and exit\n"
            "\n"
            "Exit status: 0 ok, 1 invalid configuration or input, 2 usage, 3 runtime failure.\n");
}

/* ---- pipeline: engine -> policy -> sinks ------------------------------- */

static void deliver(void *ctx, const sw_alert *a)
{
    shockd *d = ctx;
    char json[SW_ALERT_JSON_MAX];
    size_t mark = sw_jsonarena_mark(); /* the encoder's cJSON tree is gone on return */
    int len = sw_alert_to_json(a, json, sizeof json);
    sw_jsonarena_release(mark);
    if (len < 0) {
        /* Cannot happen with bounded fields; say so loudly rather than drop. */
        sw_error("alert %s could not be encoded as JSON", a->id);
        d->sink_failures++;
        return;
    }
    d->alerts[a->severity]++;
    d->state_dirty = 1;
    sw_metrics_alert(&d->metrics, a, d->live);
    sw_live_alert(&d->dash, a);
    if (d->stdout_tty) /* the alert line must not land after the progress line */
        sw_progress_clear(&d->progress);
    for (size_t i = 0; i < d->n_sinks; i++) {
        sw_sink *s = d->sinks[i];
        if (s->deliver(s, a, json, (size_t)len) != 0) {
            s->failed++;
            d->sink_failures++;
            sw_error("sink %s failed to take alert %s", s->name, a->id);
        } else {
            s->delivered++;
        }
    }
}

/* The dashboard's book of the day follows every accepted trade (only when
 * the dashboard is served: a replay without a listener pays nothing). */
static void show_tick(shockd *d, const sw_tick *t)
{
    if (d->dash.on)
        sw_live_tick(&d->dash, sw_engine_symbol(&d->pipe.engine, t->symbol), t);
}

static void on_replay_event(void *ctx, const sw_event *ev)
{
    shockd *d = ctx;
    if (d->state.pending) /* saved state goes in just before the first event */
        sw_state_apply(&d->state, &d->pipe.engine, ev->tick.ts_ns);
    if (sw_pipeline_event(&d->pipe, ev) == SW_TICK_OK && ev->kind == SW_EV_TICK)
        show_tick(d, &ev->tick);
}

/* The replay reads a message ahead: the engine starts loading the next
 * tick's symbol while this one runs (sw_engine_prefetch). */
static void on_replay_ahead(void *ctx, const sw_event *next)
{
    shockd *d = ctx;
    sw_engine_prefetch(&d->pipe.engine, next->tick.symbol);
}

/* ---- the live feed ----------------------------------------------------------- */

static void on_feed_tick(void *ctx, const sw_tick *t)
{
    shockd *d = ctx;
    if (d->state.pending)
        sw_state_apply(&d->state, &d->pipe.engine, t->ts_ns);
    if (sw_engine_tick(&d->pipe.engine, t) == SW_TICK_OK)
        show_tick(d, t);
}

/* A gap in the feed is not market data: the detectors never see it, the
 * policy gets it as an info candidate of the pseudo-detector "feed". */
static void on_feed_gap(void *ctx, const sw_feed_gap *g)
{
    shockd *d = ctx;
    char text[256];
    sw_feed_gap_text(&d->feed, g, text, sizeof text);
    sw_candidate c = {
        .kind = SW_CAND_FIRE,
        .symbol = d->cfg.feed.provider,
        .detector = "feed",
        .instance = -1,
        .severity = SW_SEV_INFO,
        .direction = 0,
        .ts_ns = g->first_ev_ns,
        .price = 0,
        .reference = NAN,
        .change_pct = NAN,
        .zscore = NAN,
        /* Every gap is news: numbering them as magnitudes one step apart
         * makes the policy pass each one instead of holding later gaps in
         * the cooldown of the first. */
        .magnitude = (double)g->number,
        .step = 1,
        .window = "gap",
        .text = text,
        .session = sw_calendar_session_at(&d->cfg.cal, g->first_ev_ns),
    };
    sw_policy_offer(&d->pipe.policy, &c);
}

static void on_source_done(shockd *d);

static void on_feed_stopped(void *ctx)
{
    on_source_done(ctx);
}

/* Credentials, the watchlist and the WebSocket context; nothing connects
 * before sw_feed_start.  Returns 0, or -1 after saying what is wrong. */
static int open_feed(shockd *d)
{
    const sw_feed_config *fc = &d->cfg.feed;
    char err[SW_WS_URL_MAX + 512];
    if (sw_secret_load(&d->feed_key, "feed.key", fc->key_env, fc->key_file, err, sizeof err) < 0 ||
        sw_secret_load(&d->feed_secret, "feed.secret", fc->secret_env, fc->secret_file, err, sizeof err) < 0) {
        sw_error("%s: %s", d->cfg.path, err);
        return -1;
    }
    d->feed_symbols = calloc(d->pipe.engine.n_syms ? d->pipe.engine.n_syms : 1, sizeof *d->feed_symbols);
    if (!d->feed_symbols) {
        sw_error("out of memory");
        return -1;
    }
    for (size_t i = 0; i < d->pipe.engine.n_syms; i++)
        d->feed_symbols[i] = sw_engine_sym(&d->pipe.engine, i)->name;
    /* A detector that reads trading statuses (halt): ask the provider for them. */
    int want_status = 0;
    for (size_t i = 0; i < d->pipe.engine.n_dets; i++)
        want_status |= d->pipe.engine.dets[i].type->on_status != NULL;
    sw_feed_params p = {
        .provider = fc->provider,
        .url = fc->url,
        .symbols = d->feed_symbols,
        .n_symbols = d->pipe.engine.n_syms,
        .key = d->feed_key,
        .secret = d->feed_secret,
        .ca_file = fc->ca_file,
        .backoff_base_ns = fc->backoff_base_ns,
        .backoff_cap_ns = fc->backoff_cap_ns,
        .stable_after_ns = fc->stable_after_ns,
        .auth_backoff_ns = fc->auth_backoff_ns,
        .silence_timeout_ns = fc->silence_timeout_ns,
        .handshake_timeout_ns = fc->handshake_timeout_ns,
        .silence_hours = fc->silence_hours,
        .max_frame = (size_t)fc->max_frame,
        .calendar = &d->cfg.cal,
        .want_status = want_status,
    };
    sw_feed_handlers h = { on_feed_tick, on_feed_gap, on_feed_stopped };
    if (sw_feed_init(&d->feed, &d->loop, &p, &h, d, err, sizeof err) != 0) {
        sw_error("%s: %s", d->cfg.path, err);
        return -1;
    }
    d->live = 1;
    return 0;
}

/* --check: the rules of feed.url (wss://, or ws:// to loopback only) need the
 * daemon's URL parser, which the config loader may not use.  Returns 0 or -1
 * after printing the problem the way the loader does. */
static int check_feed_url(const sw_config *cfg)
{
    char err[SW_WS_URL_MAX + 256];
    sw_url u;
    if (!cfg->feed.url || sw_url_parse(cfg->feed.url, &u, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "%s: feed.url: %s\n", cfg->path, err);
    return -1;
}

/* After uv_run: the feed's last teardown step, then what it borrowed. */
static void free_feed(shockd *d)
{
    if (d->live)
        sw_feed_fini(&d->feed);
    d->live = 0;
    sw_secret_free(&d->feed_key);
    sw_secret_free(&d->feed_secret);
    free(d->feed_symbols);
    d->feed_symbols = NULL;
    free(d->live_names);
    free(d->live_ptrs);
    d->live_names = NULL;
    d->live_ptrs = NULL;
}

/* ---- shutdown ------------------------------------------------------------
 *
 * The order matters for "never lose an alert": stop the source (no new
 * ticks), let every sink drain (deliver or store what it holds, bounded by
 * shutdown_timeout), print the summary, then close every loop handle and let
 * uv_run return.  Each step is idempotent, so a second signal or a source
 * that ends on its own during a drain changes nothing.
 */

static void close_handles(shockd *d);

static void on_own_handle_closed(uv_handle_t *h)
{
    shockd *d = h->loop->data;
    d->handles_open--;
}

static void on_replay_closed(sw_replay *r)
{
    (void)r;
}

static void on_sink_closed(void *ctx, sw_sink *s)
{
    (void)s;
    shockd *d = ctx;
    d->sinks_closing--;
}

static void print_summary(shockd *d)
{
    const sw_engine_stats *es = &d->pipe.engine.stats;
    const sw_replay_stats *rs = &d->replay.stats;
    size_t active = 0, unconfirmed = 0, held = 0;
    uint64_t dedup = 0;
    for (size_t i = 0; i < d->pipe.engine.n_syms; i++)
        active += sw_engine_sym(&d->pipe.engine, i)->ticks > 0;
    for (size_t i = 0; i < d->n_sinks; i++) {
        if (d->sinks[i]->pending)
            unconfirmed += d->sinks[i]->pending(d->sinks[i]);
        sw_sink *inner = sw_sink_unwrap(d->sinks[i]);
        if (strcmp(inner->name, "redis") == 0) {
            sw_sink_redis_stats st;
            sw_sink_redis_get_stats(inner, &st);
            held += st.held_now;
            dedup += st.deduplicated;
        }
    }
    double secs = (double)(d->t_end_ns - d->t_start_ns) / 1e9;
    double rate = secs > 0 ? (double)es->ticks / secs : 0;
    char tail[288] = "", excl[512] = "";
    /* Trades their sale conditions kept from the price, by reason; only
     * when there were any, so a run without conditions reads as before. */
    uint64_t n_excl = 0;
    for (int i = 1; i < SW_EXCL_N; i++)
        n_excl += es->excluded[i];
    if (n_excl) {
        size_t o = (size_t)snprintf(excl, sizeof excl, "; excluded by conditions: %llu (", (unsigned long long)n_excl);
        for (int i = 1, first = 1; i < SW_EXCL_N && o < sizeof excl; i++)
            if (es->excluded[i]) {
                o += (size_t)snprintf(excl + o, sizeof excl - o, "%s%s %llu", first ? "" : ", ", sw_excl_name(i),
                                      (unsigned long long)es->excluded[i]);
                first = 0;
            }
        if (o < sizeof excl)
            snprintf(excl + o, sizeof excl - o, ")");
    }
    if (es->status_events && strlen(excl) + 48 < sizeof excl)
        snprintf(excl + strlen(excl), sizeof excl - strlen(excl), "; %llu trading statuses and LULD bands",
                 (unsigned long long)es->status_events);
    if (unconfirmed && held)
        snprintf(tail, sizeof tail, "; %zu alerts unconfirmed, kept for the next start, except %zu the spool file "
                 "could not take (see the error lines)", unconfirmed, held);
    else if (unconfirmed)
        snprintf(tail, sizeof tail, "; %zu alerts unconfirmed, kept for the next start", unconfirmed);
    if (dedup) {
        size_t used = strlen(tail);
        snprintf(tail + used, sizeof tail - used, "; %llu deduplicated (another shockd wrote them first)",
                 (unsigned long long)dedup);
    }
    fprintf(stderr,
            "%s: %llu ticks, %zu symbols, %llu bad lines, %llu bad trades, %llu out-of-order, "
            "%llu unknown-symbol, %llu filtered prints%s; alerts: %llu critical, %llu warning, %llu info; "
            "%.2f M ticks/s (%.3f s)%s\n",
            d->replaying ? "replay" : "shockd", (unsigned long long)es->ticks, active,
            (unsigned long long)rs->bad_lines, (unsigned long long)rs->bad_trades,
            (unsigned long long)es->out_of_order, (unsigned long long)es->unknown_symbol,
            (unsigned long long)es->filtered_prints, excl, (unsigned long long)d->alerts[SW_SEV_CRITICAL],
            (unsigned long long)d->alerts[SW_SEV_WARNING], (unsigned long long)d->alerts[SW_SEV_INFO],
            rate / 1e6, secs, tail);
    if (d->live) {
        char fs[1024];
        fprintf(stderr, "%s\n", sw_feed_summary(&d->feed, fs, sizeof fs));
    }
}

/* sw_bgsave's work, in the child (or here when fork failed). */
static int save_state(void *arg)
{
    shockd *d = arg;
    return sw_state_save(&d->state, &d->pipe.engine);
}

/* Collect a finished background save (wait: block until it ends). */
static void reap_save(shockd *d, int wait)
{
    int rc;
    pid_t pid = sw_bgsave_child(&d->bgsave);
    if (!pid || !(wait ? sw_bgsave_wait(&d->bgsave, &rc) : sw_bgsave_poll(&d->bgsave, &rc)))
        return;
    int st = d->bgsave.last_status;
    if (rc != 0 && WIFSIGNALED(st))
        sw_warn("state: the save in process %ld was ended by signal %d; it is tried again at the next minute or alert", (long)pid, WTERMSIG(st));
    /* A failure is tried again at the next minute or alert, as before. */
    sw_state_save_done(&d->state, rc, (long)pid);
}

static void finish(shockd *d)
{
    if (d->finished)
        return;
    d->finished = 1;
    if (d->seeding && d->pipe.engine.now_ns != INT64_MIN) {
        /* History is taken as whole sessions: its last day is over, so the
         * clock goes past that day's close and detectors that learn per
         * session (volume) take it in, as a live run past the close does. */
        int64_t now = d->pipe.engine.now_ns, lo, hi;
        if (sw_calendar_session(&d->cfg.cal, sw_ny_day(now, NULL), &lo, &hi) && now <= hi)
            sw_engine_advance(&d->pipe.engine, hi + 1);
    }
    /* The last save runs here, after any save still running in a child:
     * two writers must not race on the rename. */
    reap_save(d, 1);
    int saved = sw_state_save(&d->state, &d->pipe.engine);
    print_summary(d);
    if (d->seeding) {
        char last[40] = "none";
        if (d->pipe.engine.now_ns != INT64_MIN)
            sw_format_iso_ms(d->pipe.engine.now_ns, last, sizeof last);
        if (saved == 0)
            fprintf(stderr, "seed-state: wrote %s for a live start (last event %s; a live start restores it "
                    "within 7 days of that)\n", d->state.path, last);
        else
            d->exit_code = EXIT_RUNTIME; /* the state was the whole point: the error is above */
    }
    if (d->sink_failures)
        d->exit_code = EXIT_RUNTIME;
    close_handles(d);
}

static void on_sink_drained(void *ctx, sw_sink *s)
{
    (void)s;
    shockd *d = ctx;
    if (--d->sinks_draining == 0)
        finish(d);
}

/* The source has stopped: no more alerts will be produced. */
static void on_source_done(shockd *d)
{
    if (d->draining)
        return;
    d->draining = 1;
    d->t_end_ns = uv_hrtime();
    if (d->progress_on) { /* the work is done: the line goes before the summary */
        uv_timer_stop(&d->progress_timer);
        sw_progress_clear(&d->progress);
    }
    /* The drain may take shutdown_timeout: systemd must not cut it short. */
    sw_sdnotify_stopping(&d->sdn, (uint64_t)(d->cfg.shutdown_timeout_ns / 1000) + 5000000u);
    /* Count first, then start: a sink may call back before drain returns. */
    d->sinks_draining = 1;
    for (size_t i = 0; i < d->n_sinks; i++) {
        sw_sink *s = d->sinks[i];
        if (s->flush)
            s->flush(s);
        if (s->drain) {
            d->sinks_draining++;
            s->drain(s, (uint64_t)(d->cfg.shutdown_timeout_ns / 1000000), on_sink_drained, d);
        }
    }
    on_sink_drained(d, NULL);
}

static void on_replay_done(void *ctx, sw_replay *r)
{
    (void)r;
    on_source_done(ctx);
}

/* Stop producing ticks; on_source_done follows. */
static void stop_source(shockd *d)
{
    if (d->replaying && !d->replay.finished)
        sw_replay_stop(&d->replay); /* calls on_replay_done */
    else if (d->live && !d->feed.stopping)
        sw_feed_stop(&d->feed); /* calls on_feed_stopped */
    else
        on_source_done(d);
}

static void close_handles(shockd *d)
{
    uv_handle_t *hs[] = { (uv_handle_t *)&d->sig_int, (uv_handle_t *)&d->sig_term,
                          (uv_handle_t *)&d->sig_hup, (uv_handle_t *)&d->cron,
                          (uv_handle_t *)&d->progress_timer };
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        if (hs[i]->loop && !uv_is_closing(hs[i]))
            uv_close(hs[i], on_own_handle_closed);
    if (d->replaying)
        sw_replay_close(&d->replay, on_replay_closed);
    if (d->live)
        sw_feed_close(&d->feed, NULL);
    sw_sdnotify_close(&d->sdn, NULL);
    sw_live_close(&d->dash);
    sw_metrics_stop(&d->metrics);
    for (size_t i = 0; i < d->n_sinks; i++) {
        sw_sink *s = d->sinks[i];
        if (s->close) {
            d->sinks_closing++;
            s->close(s, on_sink_closed, d);
        }
    }
}

static void on_signal(uv_signal_t *h, int signum)
{
    shockd *d = h->data;
    if (signum == SIGHUP) {
        sw_sdnotify_reloading(&d->sdn);
        sw_reload_run(&d->reload);
        sw_sdnotify_reloaded(&d->sdn);
        return;
    }
    if (d->draining) {
        sw_info("%s received again: already stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
        return;
    }
    sw_info("%s received: stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
    stop_source(d);
}

/* Housekeeping once a second, redis serverCron-style: cheap checks that need
 * no event to happen. */
static void on_cron(uv_timer_t *h)
{
    shockd *d = h->data;
    if (d->replaying && d->replay.speed > 0)
        sw_debug("replay: %llu events so far", (unsigned long long)d->replay.stats.events);
    if (d->live && !d->draining) {
        /* Live, event time is also the clock: a feed that goes entirely quiet
         * must still let `stale` see time pass.  Only for a feed whose trades
         * are stamped near now: a recording played over a WebSocket (the
         * demo, shock-feed) keeps pure event time, like a replay. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t wall = (int64_t)ts.tv_sec * SW_NS_PER_SEC + ts.tv_nsec;
        uint64_t since_tick = uv_hrtime() - d->feed.stats.last_tick_ns;
        if (d->pipe.engine.now_ns != INT64_MIN && since_tick < 2 * (uint64_t)SW_NS_PER_SEC) {
            int64_t skew = wall - d->pipe.engine.now_ns; /* no tick yet: now_ns is INT64_MIN */
            d->wall_clock = skew > -300 * SW_NS_PER_SEC && skew < 300 * SW_NS_PER_SEC;
        }
        if (d->wall_clock)
            sw_engine_advance(&d->pipe.engine, wall);
    }
    /* Every minute, and within a second of an alert: what a restart picks
     * up (detectors, cooldowns) should include every alert already sent, or
     * a restarted twin of an active-active pair would send it again. */
    if (++d->cron_ticks % 60 == 0)
        d->state_due = 1;
    reap_save(d, 0);
    if ((d->state_due || d->state_dirty) && !sw_bgsave_child(&d->bgsave)) {
        int rc;
        d->state_due = d->state_dirty = 0;
        sw_state_prune(&d->state, &d->pipe.engine); /* here, where it lasts */
        /* In a forked child: a save of a large watchlist takes a third of a
         * second (10 000 symbols), which the loop must not wait for. */
        if (sw_bgsave_start(&d->bgsave, save_state, d, &rc) == 0) {
            if (d->bgsave.inline_runs == 1)
                sw_warn("state: cannot fork to save state.json (%s); saving on the loop instead",
                        strerror(d->bgsave.last_fork_errno));
            /* sw_state_save counted it. */
        }
    }
    sw_logout_tick();
    sw_metrics_poll(&d->metrics);
    /* The dashboard's silences come over the redis sink's connection. */
    sw_redis *silences = NULL;
    for (size_t i = 0; i < d->n_sinks && !silences; i++)
        if (strcmp(sw_sink_unwrap(d->sinks[i])->name, "redis") == 0)
            silences = sw_sink_redis_conn(sw_sink_unwrap(d->sinks[i]));
    sw_live_poll_silences(&d->dash, silences, d->cfg.redis.stream);
    char status[SW_SDNOTIFY_STATUS_MAX];
    sw_sdnotify_status(&d->sdn, sw_metrics_status(&d->metrics, status, sizeof status));
}

/* ---- the progress line ------------------------------------------------------ */

static void on_progress(uv_timer_t *h)
{
    shockd *d = h->data;
    sw_progress_update(&d->progress, uv_hrtime(), sw_replay_bytes_read(&d->replay), d->pipe.engine.stats.ticks,
                       d->alerts[SW_SEV_INFO] + d->alerts[SW_SEV_WARNING] + d->alerts[SW_SEV_CRITICAL]);
}

static void clear_progress(void *ctx)
{
    sw_progress_clear(ctx);
}

/* A replay draws its progress line when stderr is a terminal, unless
 * --quiet.  The timer asks often (50 ms); sw_progress draws at most every
 * 250 ms.  Returns 0 or a libuv error. */
static int start_progress(shockd *d, int quiet)
{
    if (!d->replaying ||
        !sw_progress_init(&d->progress, STDERR_FILENO, !quiet, "replay", d->replay.bytes_total, uv_hrtime()))
        return 0;
    d->stdout_tty = isatty(STDOUT_FILENO);
    sw_logout_set_before_line(clear_progress, &d->progress); /* log lines start at the margin */
    int rc = uv_timer_init(&d->loop, &d->progress_timer);
    if (rc != 0)
        return rc;
    d->handles_open++;
    d->progress_timer.data = d;
    d->progress_on = 1;
    rc = uv_timer_start(&d->progress_timer, on_progress, 50, 50);
    uv_unref((uv_handle_t *)&d->progress_timer); /* the replay keeps the loop alive, not the line */
    return rc;
}

/* ---- setup ---------------------------------------------------------------- */

static int build_sinks(shockd *d)
{
    for (size_t i = 0; i < d->cfg.n_sinks; i++) {
        sw_sink *s = sw_reload_make_sink(d->cfg.sinks[i], &d->cfg); /* as a reload does */
        if (!s)
            return -1;
        d->sinks[d->n_sinks++] = s;
        if (strcmp(d->cfg.sinks[i], "redis") == 0) {
            /* Once, at start: Redis on another machine is in clear text. */
            sw_redis_url u;
            char err[256];
            if (sw_redis_url_parse(d->cfg.redis.url, &u, err, sizeof err) == 0)
                sw_redis_warn_if_in_clear(&u);
            sw_redis_url_wipe(&u);
        }
    }
    return 0;
}

static int start_loop_handles(shockd *d)
{
    struct { uv_signal_t *h; int sig; } sigs[] = {
        { &d->sig_int, SIGINT }, { &d->sig_term, SIGTERM }, { &d->sig_hup, SIGHUP },
    };
    for (size_t i = 0; i < 3; i++) {
        int rc = uv_signal_init(&d->loop, sigs[i].h);
        if (rc != 0)
            return rc;
        d->handles_open++;
        sigs[i].h->data = d;
        if ((rc = uv_signal_start(sigs[i].h, on_signal, sigs[i].sig)) != 0)
            return rc;
        /* Signals alone must not keep the loop alive once the work is done. */
        uv_unref((uv_handle_t *)sigs[i].h);
    }
    int rc = uv_timer_init(&d->loop, &d->cron);
    if (rc != 0)
        return rc;
    d->handles_open++;
    d->cron.data = d;
    rc = uv_timer_start(&d->cron, on_cron, 1000, 1000);
    uv_unref((uv_handle_t *)&d->cron);
    return rc;
}

/* The live feed subscribes its watchlist when it connects; sw_feed has no
 * call to change the subscriptions of a running connection. */
static void on_watchlist(void *ctx, const sw_watchlist_diff *w)
{
    shockd *d = ctx;
    if (!d->live || (w->n_added == 0 && w->n_removed == 0))
        return;
    /* The feed keeps pointers to the names: give it a copy that lives until
     * the next change (the new engine's names go with the next reload). */
    char(*names)[SW_SYMBOL_MAX] = calloc(w->n_symbols ? w->n_symbols : 1, sizeof *names);
    const char **ptrs = calloc(w->n_symbols ? w->n_symbols : 1, sizeof *ptrs);
    char err[256] = "out of memory";
    if (names && ptrs) {
        for (size_t i = 0; i < w->n_symbols; i++) {
            snprintf(names[i], SW_SYMBOL_MAX, "%s", w->symbols[i]);
            ptrs[i] = names[i];
        }
        if (sw_feed_set_symbols(&d->feed, ptrs, w->n_symbols, err, sizeof err) == 0) {
            sw_info("feed: resubscribing %zu symbols (%zu added, %zu removed)", w->n_symbols, w->n_added,
                    w->n_removed);
            free(d->live_names);
            free(d->live_ptrs);
            d->live_names = names;
            d->live_ptrs = ptrs;
            return;
        }
    }
    sw_error("feed: the watchlist changed but the feed keeps its subscriptions: %s", err);
    free(names);
    free(ptrs);
}

/* Metrics, systemd notification and reload, wired to the daemon's fields.
 * Returns 0 or a libuv error. */
static int start_ops(shockd *d, const char *config_path, const char *const *groups, size_t n_groups,
                     int log_override, int shard_index, int shard_count)
{
    sw_metrics_view v = {
        .engine = &d->pipe.engine, .feed = &d->feed, .live = &d->live, .replay = &d->replay,
        .replaying = &d->replaying, .stopping = &d->draining, .sinks = d->sinks, .n_sinks = &d->n_sinks,
        .reloads_ok = &d->reload.applied, .reloads_failed = &d->reload.rejected,
        .state = &d->state, .bgsave = &d->bgsave,
        .shard_index = &d->cfg.shard_index, .shard_count = &d->cfg.shard_count,
    };
    /* A replay is a batch job: it listens only when the config asks. */
    const char *listen = d->cfg.metrics_listen ? d->cfg.metrics_listen : d->replaying ? "off" : SW_LISTEN_DEFAULT;
    /* Shards on one machine share the file: shard K listens on the port +
     * K, so 9464, 9465, 9466 for three (port 0 stays any free port). */
    char shard_listen[96];
    sw_listen l;
    char lerr[160];
    if (d->cfg.shard_count > 1 && d->cfg.shard_index > 0 && sw_listen_parse(listen, &l, lerr, sizeof lerr) == 0 &&
        !l.off && l.port > 0 && l.port + d->cfg.shard_index <= 65535) {
        listen = sw_listen_format(&l, l.port + d->cfg.shard_index, shard_listen, sizeof shard_listen);
        sw_info("metrics: shard %d listens on %s (metrics.listen's port + %d)", d->cfg.shard_index, listen,
                d->cfg.shard_index);
    }
    /* Failing is logged, never fatal: so is the dashboard's. */
    sw_metrics_start(&d->metrics, &d->loop, listen, &v, (size_t)d->cfg.metrics_max_connections);
    if (sw_live_init(&d->dash, &d->loop, &d->cfg, &d->pipe.engine, &d->metrics, d->cfg.metrics_dashboard,
                     (size_t)d->cfg.metrics_max_viewers) == 0 && d->dash.on) {
        d->metrics.v.extra = sw_live_metrics;
        d->metrics.v.extra_ctx = &d->dash;
    }
    sw_reload_target t = {
        .loop = &d->loop, .config_path = config_path, .extra_groups = groups, .n_extra_groups = n_groups,
        .shard_index = shard_index, .shard_count = shard_count, .log_level_override = log_override, .cfg = &d->cfg, .engine = &d->pipe.engine, .policy = &d->pipe.policy,
        .emit = sw_pipeline_candidate, .emit_ctx = &d->pipe, .sinks = d->sinks, .n_sinks = &d->n_sinks,
        .max_sinks = sizeof d->sinks / sizeof d->sinks[0], .sink_failures = &d->sink_failures,
        .stopping = &d->draining, .feed_symbols = d->live ? d->feed_symbols : NULL,
        .n_feed_symbols = d->live ? d->pipe.engine.n_syms : 0, .watchlist = on_watchlist, .hook_ctx = d,
    };
    sw_reload_init(&d->reload, &t);
    char status[SW_SDNOTIFY_STATUS_MAX];
    int rc = sw_sdnotify_start(&d->sdn, &d->loop);
    sw_sdnotify_status(&d->sdn, sw_metrics_status(&d->metrics, status, sizeof status));
    return rc;
}

/* "K/N" with 0 <= K < N <= 1024, or "K" alone (*count -1: the config's
 * shard.count, as the template unit shockd@K.service passes it).  Returns 0
 * or -1. */
static int parse_shard(const char *text, int *index, int *count)
{
    char *end;
    long k = strtol(text, &end, 10);
    if (end != text && !*end && k >= 0 && k < 1024) {
        *index = (int)k;
        *count = -1;
        return 0;
    }
    if (end == text || *end != '/' || k < 0)
        return -1;
    const char *n_at = end + 1;
    long n = strtol(n_at, &end, 10);
    if (end == n_at || *end || n < 1 || n > 1024 || k >= n)
        return -1;
    *index = (int)k;
    *count = (int)n;
    return 0;
}

/* The shard's share of the watchlist (config/sw_config.h); the log lines
 * name the shard from here on.  Returns 0, or -1 after printing why. */
static int apply_shard(sw_config *cfg, int index, int count)
{
    static char prog[32];
    size_t all_groups = cfg->n_groups, all_syms = sw_config_symbol_count(cfg);
    if (count < 0 && index >= cfg->shard_count) {
        fprintf(stderr, "%s: --shard %d: shard.count is %d here (shards 0 to %d): give --shard %d/N, or set "
                        "\"shard\": {\"count\": N} in the file\n",
                cfg->path, index, cfg->shard_count, cfg->shard_count - 1, index);
        return -1;
    }
    sw_diag diag = { 0 };
    int rc = sw_config_shard(cfg, count ? index : cfg->shard_index, count > 0 ? count : cfg->shard_count, &diag);
    sw_diag_print(&diag, stderr);
    sw_diag_free(&diag);
    if (rc != 0 || cfg->shard_count == 1)
        return rc;
    snprintf(prog, sizeof prog, "shockd[%d/%d]", cfg->shard_index, cfg->shard_count);
    sw_log_init(prog);
    char names[512] = "";
    for (size_t g = 0; g < cfg->n_groups; g++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", g ? ", " : "", cfg->groups[g].name);
    }
    sw_info("shard %d of %d: groups %s (%zu symbols; the whole watchlist has %zu groups, %zu symbols)",
            cfg->shard_index, cfg->shard_count, names, sw_config_symbol_count(cfg), all_groups, all_syms);
    return 0;
}

/* Leave main before the loop exists, freeing the argument lists. */
static int quit(int rc, const char **paths, const char **groups)
{
    free(paths);
    free(groups);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "check", no_argument, NULL, 'k' },
        { "replay", required_argument, NULL, 'r' },
        { "speed", required_argument, NULL, 's' },
        { "format", required_argument, NULL, 'f' },
        { "log-level", required_argument, NULL, 'l' },
        { "config-doc", no_argument, NULL, 'D' },
        { "quiet", no_argument, NULL, 'q' },
        { "seed-state", no_argument, NULL, 'S' },
        { "group", required_argument, NULL, 'g' },
        { "shard", required_argument, NULL, 'K' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *config_path = "/etc/shockwatch/shockwatch.json";
    const char *format = NULL;
    const char *log_level = NULL;
    int check = 0, quiet = 0, seed = 0;
    int shard_index = 0, shard_count = 0; /* count 0: the config's */
    double speed = 0;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    const char **groups_extra = calloc((size_t)argc + 1, sizeof *groups_extra);
    size_t n_groups_extra = 0;
    size_t n_paths = 0;
    int opt;

    /* Before anything holds a secret: no core file, no ptrace by others. */
    if (sw_secret_protect_process() != 0)
        perror("shockd: prctl(PR_SET_DUMPABLE)");
    sw_log_init("shockd");
    sw_logout_from_environment(); /* journald priorities or timestamps; repeats held */
    sw_logout_set_filter(sw_secret_redact_params);
    if (!paths)
        return EXIT_RUNTIME;
    while ((opt = getopt_long(argc, argv, "c:hqV", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': config_path = optarg; break;
        case 'k': check = 1; break;
        case 'q': quiet = 1; break;
        case 'S': seed = 1; break;
        case 'r': paths[n_paths++] = optarg; break;
        case 'f': format = optarg; break;
        case 'l': log_level = optarg; break;
        case 'g': groups_extra[n_groups_extra++] = optarg; break;
        case 'K':
            if (parse_shard(optarg, &shard_index, &shard_count) != 0) {
                fprintf(stderr, "shockd: --shard: \"%s\" is not K/N with 0 <= K < N <= 1024 (e.g. 0/3), or K\n",
                        optarg);
                return quit(EXIT_USAGE, paths, groups_extra);
            }
            break;
        case 's':
            if (strcmp(optarg, "max") == 0) {
                speed = 0;
            } else {
                char *end;
                speed = strtod(optarg, &end);
                if (end == optarg || *end || !(speed > 0) || !isfinite(speed)) {
                    fprintf(stderr, "shockd: --speed: \"%s\" is not a positive number or \"max\"\n", optarg);
                    return quit(EXIT_USAGE, paths, groups_extra);
                }
            }
            break;
        case 'D': sw_config_print_doc(stdout); return quit(0, paths, groups_extra);
        case 'h': usage(stdout); return quit(0, paths, groups_extra);
        case 'V': printf("shockd %s\n", SHOCK_VERSION); return quit(0, paths, groups_extra);
        default: usage(stderr); return quit(EXIT_USAGE, paths, groups_extra);
        }
    }
    /* Paths after the options continue the --replay list. */
    int replay_requested = n_paths > 0;
    for (; optind < argc; optind++) {
        if (!replay_requested) {
            fprintf(stderr, "shockd: unexpected argument \"%s\" (paths follow --replay)\n", argv[optind]);
            return quit(EXIT_USAGE, paths, groups_extra);
        }
        paths[n_paths++] = argv[optind];
    }
    if (seed && !replay_requested) {
        fprintf(stderr, "shockd: --seed-state goes with --replay HISTORY... (it replays history into the state)\n");
        return quit(EXIT_USAGE, paths, groups_extra);
    }
    if (log_level && sw_log_parse_level(log_level) < 0) {
        fprintf(stderr, "shockd: --log-level: \"%s\" is not one of error, warning, info, debug\n", log_level);
        return quit(EXIT_USAGE, paths, groups_extra);
    }

    static shockd d; /* static: large, and lives as long as the process */
    /* The --group specs stay: a reload applies them again. */
    int crc = sw_pipeline_config(&d.cfg, config_path, groups_extra, n_groups_extra, log_level);
    if (crc != 0)
        return quit(crc == 2 ? EXIT_USAGE : EXIT_CONFIG, paths, groups_extra);
    if (apply_shard(&d.cfg, shard_index, shard_count) != 0) {
        sw_config_free(&d.cfg);
        return quit(EXIT_CONFIG, paths, groups_extra);
    }
    if (check) {
        if (check_feed_url(&d.cfg) != 0) {
            sw_config_free(&d.cfg);
            return quit(EXIT_CONFIG, paths, groups_extra);
        }
        char shard[48] = "";
        if (d.cfg.shard_count > 1)
            snprintf(shard, sizeof shard, " (shard %d of %d)", d.cfg.shard_index, d.cfg.shard_count);
        printf("%s: OK: %zu symbols in %zu groups%s, %zu detectors, %zu sinks\n", config_path,
               sw_config_symbol_count(&d.cfg), d.cfg.n_groups, shard, d.cfg.n_detectors, d.cfg.n_sinks);
        sw_config_free(&d.cfg);
        return quit(0, paths, groups_extra);
    }
    d.exit_code = 0;
    int rc = EXIT_RUNTIME;
    if (sw_jsonarena_install() != 0)
        sw_warn("JSON arena unavailable: parsing with malloc");
    if (replay_requested) {
        if (sw_replay_open(&d.replay, paths, n_paths, format, d.cfg.feed.provider) != 0) {
            rc = EXIT_CONFIG;
            goto out_cfg;
        }
        d.replaying = 1;
        d.replay.ahead = on_replay_ahead;
    }
    /* state.json first: its parse is gone before the engine takes its memory.
     * Seeding writes the state a live start reads ("live"), built from the
     * history alone: nothing is loaded, and no alert of the past goes out. */
    d.seeding = seed;
    if (sw_state_init(&d.state, d.cfg.state_dir, d.replaying && !seed ? "replay" : "live") == 0 && !seed)
        sw_state_load_config(&d.state, &d.cfg);
#if defined(__GLIBC__)
    /* The config's parse freed thousands of small blocks (a watchlist of
     * 10 000 names is a cJSON item and a string each) into glibc's heap,
     * where the engine's and the plan's large blocks, mapped afresh, cannot
     * reuse them: hand the pages back first, or RSS keeps the parse under
     * the engine (~120 bytes a symbol).  state.json's load trims after its
     * own parse (sw_state.c); without a file, this is the one. */
    malloc_trim(0);
#endif
    if (sw_pipeline_init(&d.pipe, &d.cfg, deliver, &d) != 0 || (!seed && build_sinks(&d) != 0))
        goto out_engine;
    if (d.state.path)
        sw_state_set_policy(&d.state, &d.pipe.policy); /* the checkpoint's policy keys */
    /* A file-size limit (ulimit -f) must turn a spool or state write into a
     * write error the sinks handle, not a SIGXFSZ that kills the process
     * mid-line. */
    signal(SIGXFSZ, SIG_IGN);
    if (uv_loop_init(&d.loop) != 0)
        goto out_engine;
    d.loop.data = &d;
    if (!d.replaying && open_feed(&d) != 0) {
        uv_loop_close(&d.loop); /* no handle exists yet */
        rc = EXIT_CONFIG;
        goto out_engine;
    }
    int urc = start_loop_handles(&d);
    for (size_t i = 0; urc == 0 && i < d.n_sinks; i++)
        if (d.sinks[i]->start)
            urc = d.sinks[i]->start(d.sinks[i], &d.loop);
    if (urc == 0)
        urc = start_ops(&d, config_path, groups_extra, n_groups_extra,
                        log_level ? sw_log_parse_level(log_level) : -1, shard_index, shard_count);
    if (urc == 0)
        urc = start_progress(&d, quiet);
    d.t_start_ns = uv_hrtime();
    if (urc == 0)
        urc = d.replaying ? sw_replay_start(&d.replay, &d.loop, speed, on_replay_event, on_replay_done, &d)
                          : sw_feed_start(&d.feed);
    if (urc != 0) {
        sw_error("cannot start: %s", urc < 0 && urc != -1 ? uv_strerror(urc) : "see the error above");
        d.exit_code = EXIT_RUNTIME;
        d.finished = 1; /* nothing ran: no summary */
        close_handles(&d);
    }
    uv_run(&d.loop, UV_RUN_DEFAULT);
    free_feed(&d); /* libwebsockets needs the loop once more to finish */
    sw_metrics_fini(&d.metrics); /* the same for the metrics listener */
    if (d.dash.st.charts_png)
        sw_cairo_shutdown(); /* the font caches of the PNG charts */
    sw_live_free(&d.dash);       /* its viewers were closed with the listener */
    sw_reload_fini(&d.reload);
    if (uv_loop_close(&d.loop) != 0)
        sw_warn("event loop closed with handles still open");
    rc = d.exit_code;
out_engine:
    if (d.replaying && d.replay.files)
        sw_replay_close(&d.replay, NULL);
    for (size_t i = 0; i < d.n_sinks; i++)
        d.sinks[i]->destroy(d.sinks[i]);
    free_feed(&d);
    sw_state_free(&d.state);
    sw_pipeline_free(&d.pipe);
out_cfg:
    sw_config_free(&d.cfg);
    sw_jsonarena_uninstall();
    free(paths);
    free(groups_extra);
    return rc;
}
