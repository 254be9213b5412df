/*
 * sw_pipeline.h -- the flow from a configuration to alerts, built once for
 * every program that turns ticks into alerts: the engine with the config's
 * detectors and splits, the alert policy behind it, and what one replayed
 * event (a tick or a split) does to them.
 *
 * shockd (live and --replay) and shock-report build and drive it the same
 * way, so a report drawn from a recording shows exactly the alerts, with the
 * same ids, that `shockd --replay` of that recording prints.  What happens to
 * an alert afterwards (sinks, a drawing) is the caller's `deliver`; state.json,
 * metrics and reloads stay shockd's (daemon/ops/), a report reads no state.
 */
#ifndef SW_PIPELINE_H
#define SW_PIPELINE_H

#include "sw_config.h"
#include "sw_engine.h"
#include "sw_policy.h"
#include "sw_replay.h"

typedef struct sw_pipeline {
    sw_engine engine;
    sw_policy policy;
} sw_pipeline;

/* The configuration as shockd and shock-report take it: FILE loaded and
 * checked, then the command line's --group NAME=SYM,... specs added, and
 * the log level set (log_level: the --log-level text, NULL for the file's).
 * Every problem is printed on stderr as `shockd --check` prints it.
 * Returns 0; 1 for an invalid file, 2 for an invalid --group (cfg is then
 * freed) -- the programs' exit statuses for each. */
int sw_pipeline_config(sw_config *cfg, const char *path, const char *const *groups, size_t n_groups,
                       const char *log_level);

/* Build the engine from cfg (which must outlive the pipeline: the engine
 * points at its calendar) and the policy that hands alerts to deliver(ctx).
 * Returns 0, or -1 after logging why. */
int sw_pipeline_init(sw_pipeline *p, sw_config *cfg, sw_alert_fn deliver, void *ctx);

/* The engine's candidate callback (ctx: the pipeline): offers the candidate
 * to the policy.  Given to a rebuilt engine on reload. */
void sw_pipeline_candidate(void *pipeline, const sw_candidate *c);

/* One replayed event: a split applied to the symbol's references, or a tick
 * through the detectors.  Returns the engine's verdict on a tick (SW_TICK_OK
 * when accepted), SW_TICK_OK for an applied split, SW_TICK_UNKNOWN for a
 * split of a symbol outside the watchlist. */
sw_tick_result sw_pipeline_event(sw_pipeline *p, const sw_event *ev);

void sw_pipeline_free(sw_pipeline *p);

#endif
