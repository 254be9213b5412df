/*
 * sw_reload.h -- SIGHUP: read the configuration file again and apply it to the
 * running daemon, or keep the old one if the new one is not valid.
 *
 * A reload is all or nothing.  The new file is loaded and checked exactly as
 * `shockd --check` does (same loader, same messages, logged as errors); the
 * --group additions of the command line are applied again; the new engine
 * and the new sinks are built.  Any failure up to there leaves the running
 * configuration untouched.  Only then is it applied, in one step on the loop:
 *
 *  - watchlist: the engine is rebuilt from the new config.  Symbols that stay
 *    keep their session -- day, previous close, open, day close, last price
 *    and time, tick count, and applied splits -- so the next trade of a kept
 *    symbol is judged against the same previous close as before.  New
 *    symbols start empty (their first session sets a previous close), removed
 *    ones are dropped.  Detector state is rebuilt: per-symbol detector state
 *    holds pointers into the engine's state block and cannot be carried over,
 *    so zscore and vol_regime warm up again (min_bars), pct_move's window
 *    refills, a stale or breadth condition is judged afresh.  The alert
 *    policy's state is kept (only its parameters change), so a condition that
 *    already alerted does not alert again just because of the reload.
 *  - detectors, policy, calendar, corporate actions, shutdown_timeout: as in
 *    the new file.
 *  - sinks: an unchanged sink keeps running; a `stdout` sink whose format
 *    changed is replaced at once; a removed `redis` sink is drained (within
 *    shutdown_timeout) and closed; a changed `redis` section closes the old
 *    sink and starts the new one on the same spool, which resends whatever
 *    the old one had not had confirmed (sw_sink_gate holds the alerts of the
 *    few loop iterations in between).
 *  - shard: the new file's groups split again (sw_config_shard), by --shard
 *    when it was given, else by the file's `shard`; a shard left without a
 *    group rejects the reload.
 *  - log level: the file's `log_level`, unless --log-level was given.
 *  - restart-only settings: `feed.*` (the feed's connection), `state_dir`
 *    and `metrics.listen` keep their running values; a reload that changes
 *    them says so in a warning.
 *  - the live feed: watchlist changes are offered to the `watchlist` hook
 *    (added and removed names); the feed's own list of names is repointed to
 *    storage that outlives the old engine.
 *
 * A reload that arrives while shockd is stopping, or while the previous
 * reload's sink hand-over is still running (a few ms), is refused with a
 * warning.
 */
#ifndef SW_RELOAD_H
#define SW_RELOAD_H

#include "sw_config.h"
#include "sw_engine.h"
#include "sw_policy.h"
#include "sw_sink.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* What changed in the watchlist (names valid during the hook call only). */
typedef struct sw_watchlist_diff {
    const char *const *added;
    size_t n_added;
    const char *const *removed;
    size_t n_removed;
    const char *const *symbols;        /* the whole new watchlist */
    size_t n_symbols;
} sw_watchlist_diff;

/* The running daemon, as the reload sees it (pointers into shockd). */
typedef struct sw_reload_target {
    uv_loop_t *loop;
    const char *config_path;
    const char *const *extra_groups;   /* --group NAME=SYM,... specs, applied again */
    size_t n_extra_groups;
    int shard_index, shard_count;      /* --shard K/N; count 0: the file's `shard`; -1: K, the file's count */
    int log_level_override;            /* -1: the config's log_level */
    sw_config *cfg;                    /* replaced in place */
    sw_engine *engine;                 /* replaced in place */
    sw_policy *policy;                 /* parameters replaced, state kept */
    sw_emit_fn emit;                   /* the engine's candidate callback */
    void *emit_ctx;
    sw_sink **sinks;                   /* the daemon's sink list */
    size_t *n_sinks;
    size_t max_sinks;
    uint64_t *sink_failures;           /* alerts a sink refused during a hand-over */
    const int *stopping;               /* nonzero once shutdown began */
    /* The live feed's array of watchlist names (pointing into the engine),
     * NULL without a live feed. */
    const char **feed_symbols;
    size_t n_feed_symbols;
    /* Called after a reload that changed the watchlist. */
    void (*watchlist)(void *ctx, const sw_watchlist_diff *diff);
    void *hook_ctx;
} sw_reload_target;

typedef struct sw_reload_retiring sw_reload_retiring;

typedef struct sw_reload {
    sw_reload_target t;
    char (*pinned)[SW_SYMBOL_MAX];     /* the feed's names, kept past the old engine */
    size_t n_pinned;
    sw_reload_retiring *retiring;      /* old sinks draining or closing */
    int handovers;                     /* gates waiting for an old sink to close */
    uint64_t applied, rejected;
} sw_reload;

void sw_reload_init(sw_reload *r, const sw_reload_target *t);

/* Reload now (from the SIGHUP handler).  Returns 0 when the new
 * configuration is in force, -1 when it was rejected (the old one stays). */
int sw_reload_run(sw_reload *r);

/* After uv_run returned: free what the reload still holds. */
void sw_reload_fini(sw_reload *r);

/* Build an engine (and its splits) from cfg; the engine's calendar points at
 * cfg->cal.  Returns 0, or -1 after logging why. */
int sw_reload_build_engine(sw_engine *e, sw_config *cfg, sw_emit_fn emit, void *ctx);

/* Copy the session of every symbol of `from` that is also in `to`, what its
 * detectors keep across a restart (save_state, to a detector of the same
 * type at the same position), the engine clock, the statistics and the
 * applied splits.  Returns the number of symbols kept. */
size_t sw_reload_copy_sessions(sw_engine *to, const sw_engine *from);

/* A new sink named `name` ("stdout", "redis") for cfg, not started; NULL on
 * failure (logged). */
sw_sink *sw_reload_make_sink(const char *name, const sw_config *cfg);

#endif
