/* sw_reload.c -- see sw_reload.h. */
#include "sw_reload.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_sink_gate.h"
#include "sw_sink_redis.h"
#include "sw_ws.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An old sink on its way out: drained (optional), closed, destroyed; then
 * the gate waiting for it, if any, is opened. */
struct sw_reload_retiring {
    sw_reload *r;
    sw_sink *sink;
    sw_sink *gate;
    sw_reload_retiring *next;
};

void sw_reload_init(sw_reload *r, const sw_reload_target *t)
{
    memset(r, 0, sizeof *r);
    r->t = *t;
}

/* ---- building ---------------------------------------------------------------- */

/* What a detector wants the operator to know goes to the log. */
static void log_note(void *ctx, const char *text)
{
    (void)ctx;
    sw_info("%s", text);
}

int sw_reload_build_engine(sw_engine *e, sw_config *cfg, sw_emit_fn emit, void *ctx)
{
    sw_group_spec *groups;
    sw_detector_spec *dets;
    char err[256];
    if (sw_config_engine_specs(cfg, &groups, &dets) != 0) {
        sw_error("out of memory");
        return -1;
    }
    int rc = sw_engine_init(e, groups, cfg->n_groups, dets, cfg->n_detectors, emit, ctx, err, sizeof err);
    free(groups);
    free(dets);
    if (rc != 0) {
        sw_error("%s: %s", cfg->path, err);
        return -1;
    }
    /* After sw_engine_init, which zeroes the engine; cfg outlives it. */
    e->calendar = &cfg->cal;
    e->note = log_note;
    for (size_t i = 0; i < cfg->n_splits; i++)
        if (sw_engine_add_split(e, cfg->splits[i].symbol, cfg->splits[i].day, cfg->splits[i].ratio) != 0) {
            sw_error("%s: corporate_actions[%zu]: cannot schedule (more than %d splits?)", cfg->path, i,
                     SW_MAX_SPLITS);
            sw_engine_free(e);
            return -1;
        }
    return 0;
}

/* What detector k of `from` keeps across a restart (save_state) goes to
 * detector k of `to` when it is of the same type: a reload must not forget a
 * baseline weeks in the making (volume) any more than a restart does.  A
 * detector whose parameters changed shape refuses the numbers and starts
 * afresh. */
static void carry_detectors(sw_engine *to, sw_symbol *n, const sw_engine *from, const sw_symbol *o, double *buf)
{
    for (size_t k = 0; k < to->n_dets && k < from->n_dets && buf; k++) {
        const sw_detector *a = &from->dets[k];
        sw_detector *b = &to->dets[k];
        if (a->type != b->type || !a->type->save_state || !b->type->restore_state)
            continue;
        size_t nv = a->type->save_state(a, o->state + a->state_off, buf, SW_DET_STATE_MAX);
        if (nv > 0 && nv <= SW_DET_STATE_MAX)
            (void)b->type->restore_state(b, n->state + b->state_off, buf, nv);
    }
}

size_t sw_reload_copy_sessions(sw_engine *to, const sw_engine *from)
{
    size_t kept = 0;
    double *buf = malloc(SW_DET_STATE_MAX * sizeof *buf); /* NULL: detectors start afresh */
    for (size_t i = 0; i < from->n_syms; i++) {
        const sw_symbol *o = sw_engine_sym(from, i);
        sw_symbol *n = sw_engine_symbol(to, o->name);
        if (!n)
            continue;
        kept++;
        n->ticks = o->ticks;
        n->last_ts = o->last_ts;
        n->last_price = o->last_price;
        n->day = o->day;
        n->prev_close = o->prev_close;
        n->open = o->open;
        n->day_close = o->day_close;
        n->official = o->official;
        /* The session bounds are a cache of `day` under the calendar; the
         * calendar may have changed, so the next tick computes them again
         * (same day: no roll, the session fields above stay). */
        n->day_lo = n->day_hi = INT64_MIN;
        carry_detectors(to, n, from, o, buf);
    }
    free(buf);
    /* Splits already applied stay applied: a CSV split column on the same
     * day must not apply a second time. */
    for (size_t k = 0; k < to->n_splits; k++) {
        sw_split_action *a = &to->splits[k];
        const char *name = sw_engine_sym(to, a->symbol)->name;
        for (size_t j = 0; j < from->n_splits; j++) {
            const sw_split_action *b = &from->splits[j];
            if (b->applied && b->day == a->day && strcmp(sw_engine_sym(from, b->symbol)->name, name) == 0)
                a->applied = 1;
        }
    }
    to->now_ns = from->now_ns;
    to->next_clock_ns = from->next_clock_ns;
    /* Counters are cumulative for the process (metrics, the summary). */
    to->stats = from->stats;
    return kept;
}

sw_sink *sw_reload_make_sink(const char *name, const sw_config *cfg)
{
    sw_sink *s = NULL;
    if (strcmp(name, "stdout") == 0)
        s = sw_sink_stdout_new(stdout, &cfg->stdout_sink);
    else if (strcmp(name, "redis") == 0) /* spooled lines are parsed on the arena too */
        s = sw_sink_redis_new(&cfg->redis, cfg->state_dir,
                              &(sw_json_bracket){ sw_jsonarena_mark, sw_jsonarena_release });
    if (!s)
        sw_error("cannot create sink \"%s\"", name);
    return s;
}

/* ---- comparing ------------------------------------------------------------------ */

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_list(const sw_str_list *a, const sw_str_list *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return 0;
    return 1;
}

static int same_redis(const sw_redis_sink_params *a, const sw_redis_sink_params *b)
{
    return same_str(a->url, b->url) && same_str(a->password_env, b->password_env) &&
           same_str(a->password_file, b->password_file) && same_str(a->stream, b->stream) &&
           same_str(a->channel, b->channel) && a->maxlen == b->maxlen && a->fsync == b->fsync &&
           a->queue_max == b->queue_max && a->spool_max_bytes == b->spool_max_bytes &&
           a->connect_timeout_ns == b->connect_timeout_ns && a->command_timeout_ns == b->command_timeout_ns &&
           a->dedupe_ttl_ns == b->dedupe_ttl_ns && a->replicas_ack == b->replicas_ack &&
           a->replicas_timeout_ns == b->replicas_timeout_ns && same_str(a->master_name, b->master_name) &&
           same_str(a->sentinel_password_env, b->sentinel_password_env) &&
           same_str(a->sentinel_password_file, b->sentinel_password_file) &&
           a->sentinel_timeout_ns == b->sentinel_timeout_ns && same_list(&a->sentinels, &b->sentinels);
}

static int same_sink(const char *name, const sw_config *a, const sw_config *b)
{
    if (strcmp(name, "stdout") == 0)
        return a->stdout_sink.format == b->stdout_sink.format;
    if (strcmp(name, "redis") == 0)
        return same_redis(&a->redis, &b->redis);
    return 0;
}

static int same_feed(const sw_feed_config *a, const sw_feed_config *b)
{
    return same_str(a->provider, b->provider) && same_str(a->url, b->url) && same_str(a->key_env, b->key_env) &&
           same_str(a->key_file, b->key_file) && same_str(a->secret_env, b->secret_env) &&
           same_str(a->secret_file, b->secret_file) && same_str(a->ca_file, b->ca_file) &&
           a->backoff_base_ns == b->backoff_base_ns && a->backoff_cap_ns == b->backoff_cap_ns &&
           a->stable_after_ns == b->stable_after_ns && a->auth_backoff_ns == b->auth_backoff_ns &&
           a->silence_timeout_ns == b->silence_timeout_ns && a->silence_hours == b->silence_hours &&
           a->handshake_timeout_ns == b->handshake_timeout_ns && a->max_frame == b->max_frame;
}

/* Settings the running daemon cannot change without a restart keep their
 * running values in the new config; say which ones the file changed. */
static void carry_restart_only(sw_config *nc, sw_config *oc)
{
    char changed[160] = "";
    if (!same_feed(&nc->feed, &oc->feed))
        strcat(changed, ", feed");
    if (!same_str(nc->state_dir, oc->state_dir))
        strcat(changed, ", state_dir");
    if (!same_str(nc->metrics_listen, oc->metrics_listen))
        strcat(changed, ", metrics.listen");
    if (nc->metrics_max_connections != oc->metrics_max_connections || nc->metrics_dashboard != oc->metrics_dashboard ||
        nc->metrics_max_viewers != oc->metrics_max_viewers)
        strcat(changed, ", metrics.max_connections/dashboard/max_viewers");
    nc->metrics_max_connections = oc->metrics_max_connections;
    nc->metrics_dashboard = oc->metrics_dashboard;
    nc->metrics_max_viewers = oc->metrics_max_viewers;
    sw_feed_config f = nc->feed;
    nc->feed = oc->feed;
    oc->feed = f;
    char *s = nc->state_dir;
    nc->state_dir = oc->state_dir;
    oc->state_dir = s;
    s = nc->metrics_listen;
    nc->metrics_listen = oc->metrics_listen;
    oc->metrics_listen = s;
    if (changed[0])
        sw_warn("reload: %s changed in %s: these take effect at the next restart; the running values stay",
                changed + 2, nc->path);
}

/* ---- sinks ---------------------------------------------------------------------- */

static void retiring_unlink(sw_reload *r, sw_reload_retiring *node)
{
    for (sw_reload_retiring **p = &r->retiring; *p; p = &(*p)->next)
        if (*p == node) {
            *p = node->next;
            return;
        }
}

static void open_gate(sw_reload *r, sw_sink *gate)
{
    sw_sink *inner = sw_sink_unwrap(gate);
    unsigned long failed_before = inner->failed;
    if (sw_sink_gate_open(gate, r->t.loop) != 0)
        return; /* closed by a shutdown before the hand-over: shockd frees it */
    if (r->t.sink_failures)
        *r->t.sink_failures += inner->failed - failed_before;
    for (size_t i = 0; i < *r->t.n_sinks; i++)
        if (r->t.sinks[i] == gate) {
            r->t.sinks[i] = sw_sink_gate_release(gate);
            sw_info("reload: sink %s handed over", r->t.sinks[i]->name);
            return;
        }
    /* Not in the list (cannot happen): do not leak it. */
    inner = sw_sink_gate_release(gate);
    inner->destroy(inner);
}

static void on_retired_closed(void *ctx, sw_sink *s)
{
    (void)s;
    sw_reload_retiring *node = ctx;
    sw_reload *r = node->r;
    retiring_unlink(r, node);
    size_t left = node->sink->pending ? node->sink->pending(node->sink) : 0;
    if (left)
        sw_info("reload: old %s sink closed; %zu unconfirmed alerts stay in its spool", node->sink->name, left);
    node->sink->destroy(node->sink);
    if (node->gate) {
        r->handovers--;
        open_gate(r, node->gate);
    }
    free(node);
}

static void on_retired_drained(void *ctx, sw_sink *s)
{
    (void)s;
    sw_reload_retiring *node = ctx;
    if (node->sink->close)
        node->sink->close(node->sink, on_retired_closed, node);
    else
        on_retired_closed(node, node->sink);
}

/* Take `sink` out of service; `gate`, if any, opens once it is closed. */
static void retire(sw_reload *r, sw_sink *sink, sw_sink *gate, int drain)
{
    sw_reload_retiring *node = calloc(1, sizeof *node);
    if (!node) {
        /* Out of memory: close without bookkeeping rather than leak a
         * running sink; its spool keeps what is unconfirmed. */
        sw_error("reload: out of memory retiring sink %s", sink->name);
        return;
    }
    node->r = r;
    node->sink = sink;
    node->gate = gate;
    node->next = r->retiring;
    r->retiring = node;
    if (gate)
        r->handovers++;
    if (sink->flush)
        sink->flush(sink);
    if (drain && sink->drain)
        sink->drain(sink, (uint64_t)(r->t.cfg->shutdown_timeout_ns / 1000000), on_retired_drained, node);
    else
        on_retired_drained(node, sink);
}

typedef struct sink_plan {
    sw_sink *list[8];
    size_t n;
    int keep_old[8];                   /* old sinks that stay */
    sw_sink *gate_for_old[8];          /* old redis -> the gate of its successor */
    sw_sink *fresh[8];                 /* new sinks to start now */
    size_t n_fresh;
} sink_plan;

/* Decide what happens to each sink; creates the new ones (not started).
 * Returns 0, or -1 with nothing created. */
static int plan_sinks(sw_reload *r, const sw_config *nc, sink_plan *p)
{
    memset(p, 0, sizeof *p);
    size_t n_old = *r->t.n_sinks;
    if (nc->n_sinks > r->t.max_sinks || nc->n_sinks > 8 || n_old > 8) {
        sw_error("reload: %s: too many sinks", nc->path);
        return -1;
    }
    for (size_t i = 0; i < nc->n_sinks; i++) {
        const char *name = nc->sinks[i];
        size_t o = n_old;
        for (size_t k = 0; k < n_old; k++)
            if (strcmp(r->t.sinks[k]->name, name) == 0)
                o = k;
        if (o < n_old && same_sink(name, r->t.cfg, nc)) {
            p->keep_old[o] = 1;
            p->list[p->n++] = r->t.sinks[o];
            continue;
        }
        sw_sink *s = sw_reload_make_sink(name, nc);
        if (!s)
            goto fail;
        if (o < n_old && strcmp(name, "redis") == 0) {
            /* Same spool file: the new one starts when the old one closed. */
            sw_sink *g = sw_sink_gate_new(s);
            if (!g) {
                s->destroy(s);
                goto fail;
            }
            p->gate_for_old[o] = g;
            p->list[p->n++] = g;
        } else {
            p->list[p->n++] = s;
            p->fresh[p->n_fresh++] = s;
        }
    }
    return 0;
fail:
    for (size_t i = 0; i < p->n; i++) {
        int kept = 0;
        for (size_t k = 0; k < n_old; k++)
            kept |= p->list[i] == r->t.sinks[k];
        if (!kept)
            p->list[i]->destroy(p->list[i]);
    }
    return -1;
}

static void apply_sinks(sw_reload *r, sink_plan *p)
{
    size_t n_old = *r->t.n_sinks;
    sw_sink *old[8];
    memcpy(old, r->t.sinks, n_old * sizeof *old);
    for (size_t i = 0; i < p->n; i++)
        r->t.sinks[i] = p->list[i];
    *r->t.n_sinks = p->n;
    for (size_t k = 0; k < n_old; k++) {
        if (p->keep_old[k])
            continue;
        if (old[k]->close || old[k]->drain) {
            /* A removed sink delivers what it holds first; a replaced one
             * leaves it in the spool for its successor. */
            retire(r, old[k], p->gate_for_old[k], p->gate_for_old[k] == NULL);
        } else {
            if (old[k]->flush)
                old[k]->flush(old[k]);
            old[k]->destroy(old[k]);
        }
    }
    for (size_t i = 0; i < p->n_fresh; i++) {
        sw_sink *s = p->fresh[i];
        if (s->start && s->start(s, r->t.loop) != 0)
            sw_error("reload: sink %s could not start; alerts to it fail until the next reload or restart",
                     s->name);
    }
}

/* ---- the watchlist and the feed's names ------------------------------------------- */

/* The feed's names point into the engine: copy them to storage the reload
 * owns before the old engine goes, so its next (re)subscribe reads valid
 * memory. */
static int pin_feed_names(sw_reload *r)
{
    if (!r->t.feed_symbols || !r->t.n_feed_symbols)
        return 0;
    char(*blk)[SW_SYMBOL_MAX] = calloc(r->t.n_feed_symbols, sizeof *blk);
    if (!blk)
        return -1;
    for (size_t i = 0; i < r->t.n_feed_symbols; i++) {
        snprintf(blk[i], SW_SYMBOL_MAX, "%s", r->t.feed_symbols[i]);
        r->t.feed_symbols[i] = blk[i];
    }
    free(r->pinned);
    r->pinned = blk;
    r->n_pinned = r->t.n_feed_symbols;
    return 0;
}

static void report_watchlist(sw_reload *r, const sw_engine *ne, const sw_engine *oe, size_t *n_added,
                             size_t *n_removed)
{
    const char **added = calloc(ne->n_syms + 1, sizeof *added);
    const char **removed = calloc(oe->n_syms + 1, sizeof *removed);
    const char **all = calloc(ne->n_syms + 1, sizeof *all);
    *n_added = *n_removed = 0;
    if (!added || !removed || !all)
        goto out;
    for (size_t i = 0; i < ne->n_syms; i++) {
        all[i] = sw_engine_sym(ne, i)->name;
        if (!sw_engine_symbol((sw_engine *)oe, sw_engine_sym(ne, i)->name))
            added[(*n_added)++] = sw_engine_sym(ne, i)->name;
    }
    for (size_t i = 0; i < oe->n_syms; i++)
        if (!sw_engine_symbol((sw_engine *)ne, sw_engine_sym(oe, i)->name))
            removed[(*n_removed)++] = sw_engine_sym(oe, i)->name;
    for (size_t i = 0; i < *n_added; i++)
        sw_info("reload: watching %s (new: no previous close until its first session ends)", added[i]);
    for (size_t i = 0; i < *n_removed; i++)
        sw_info("reload: no longer watching %s", removed[i]);
    if ((*n_added || *n_removed) && r->t.watchlist) {
        sw_watchlist_diff d = { added, *n_added, removed, *n_removed, all, ne->n_syms };
        r->t.watchlist(r->t.hook_ctx, &d);
    }
out:
    free(added);
    free(removed);
    free(all);
}

/* ---- the reload ------------------------------------------------------------------- */

static void reject(sw_reload *r, const char *path, const sw_diag *diag, const char *why)
{
    r->rejected++;
    sw_error("reload: %s rejected (%s); the running configuration stays in force", path, why);
    for (size_t i = 0; diag && i < diag->n; i++)
        sw_error("%s", diag->lines[i]);
    if (diag && diag->dropped)
        sw_error("(%zu more problems not shown)", diag->dropped);
}

int sw_reload_run(sw_reload *r)
{
    const sw_reload_target *t = &r->t;
    if (t->stopping && *t->stopping) {
        sw_warn("SIGHUP ignored: shockd is stopping");
        return -1;
    }
    if (r->handovers) {
        sw_warn("SIGHUP ignored: the previous reload is still handing a sink over; send it again in a moment");
        r->rejected++;
        return -1;
    }
    sw_info("SIGHUP received: reloading %s", t->config_path);
    sw_diag diag = { 0 };
    sw_config nc;
    if (sw_config_load(&nc, t->config_path, &diag) != 0) {
        reject(r, t->config_path, &diag, "invalid configuration");
        sw_diag_free(&diag);
        return -1;
    }
    for (size_t i = 0; i < t->n_extra_groups; i++)
        if (sw_config_add_group(&nc, t->extra_groups[i], &diag) != 0) {
            reject(r, t->config_path, &diag, "a --group of the command line no longer fits");
            sw_diag_free(&diag);
            sw_config_free(&nc);
            return -1;
        }
    if (sw_config_shard(&nc, t->shard_count ? t->shard_index : nc.shard_index,
                        t->shard_count > 0 ? t->shard_count : nc.shard_count, &diag) != 0) {
        reject(r, t->config_path, &diag, "the shard would have no group");
        sw_diag_free(&diag);
        sw_config_free(&nc);
        return -1;
    }
    sw_diag_free(&diag);
    sw_engine ne;
    /* The calendar pointer is set again after the swap (see below). */
    if (sw_reload_build_engine(&ne, &nc, t->emit, t->emit_ctx) != 0) {
        reject(r, t->config_path, NULL, "the engine could not be built");
        sw_config_free(&nc);
        return -1;
    }
    sink_plan plan;
    if (plan_sinks(r, &nc, &plan) != 0) {
        reject(r, t->config_path, NULL, "the sinks could not be built");
        sw_engine_free(&ne);
        sw_config_free(&nc);
        return -1;
    }
    if (pin_feed_names(r) != 0) {
        reject(r, t->config_path, NULL, "out of memory");
        for (size_t i = 0; i < plan.n; i++) {
            int kept = 0;
            for (size_t k = 0; k < *t->n_sinks; k++)
                kept |= plan.list[i] == t->sinks[k];
            if (!kept)
                plan.list[i]->destroy(plan.list[i]);
        }
        sw_engine_free(&ne);
        sw_config_free(&nc);
        return -1;
    }

    /* ---- commit: nothing below can fail ---- */
    size_t kept = sw_reload_copy_sessions(&ne, t->engine);
    size_t n_added, n_removed;
    report_watchlist(r, &ne, t->engine, &n_added, &n_removed);
    carry_restart_only(&nc, t->cfg);
    /* Sinks first: same_sink compares against the configuration in force. */
    apply_sinks(r, &plan);
    sw_config old_cfg = *t->cfg;
    *t->cfg = nc;
    sw_engine old_engine = *t->engine;
    *t->engine = ne;
    t->engine->calendar = &t->cfg->cal; /* the config now lives in *t->cfg */
    sw_engine_free(&old_engine);
    sw_config_free(&old_cfg);
    t->policy->params = t->cfg->policy;
    r->applied++;

    char sinks[128] = "";
    for (size_t i = 0; i < t->cfg->n_sinks; i++) {
        size_t used = strlen(sinks);
        snprintf(sinks + used, sizeof sinks - used, "%s%s", i ? ", " : "", t->cfg->sinks[i]);
    }
    sw_info("reload: %s applied: %zu symbols (%zu kept with their session, %zu added, %zu removed), "
            "%zu detectors (state restarted), sinks %s",
            t->config_path, t->engine->n_syms, kept, n_added, n_removed, t->cfg->n_detectors, sinks);
    /* Last, so the line above is printed at the level it was asked under. */
    int level = t->log_level_override >= 0 ? t->log_level_override : t->cfg->log_level;
    sw_log_set_level((sw_log_level)level);
    sw_ws_route_lws_logs();
    return 0;
}

void sw_reload_fini(sw_reload *r)
{
    while (r->retiring) {
        sw_reload_retiring *node = r->retiring;
        r->retiring = node->next;
        /* A gate still waiting is in shockd's sink list, which frees it. */
        node->sink->destroy(node->sink);
        free(node);
    }
    free(r->pinned);
    r->pinned = NULL;
}
