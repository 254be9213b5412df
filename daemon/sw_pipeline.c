/* sw_pipeline.c -- see sw_pipeline.h. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "sw_pipeline.h"
#include "sw_log.h"
#include "sw_reload.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int sw_pipeline_config(sw_config *cfg, const char *path, const char *const *groups, size_t n_groups,
                       const char *log_level)
{
    sw_diag diag = { 0 };
    int rc = 0;
    if (sw_config_load(cfg, path, &diag) != 0) {
        rc = 1;
    } else {
        for (size_t i = 0; i < n_groups && rc == 0; i++)
            if (sw_config_add_group(cfg, groups[i], &diag) != 0) {
                sw_config_free(cfg);
                rc = 2;
            }
    }
    if (rc)
        sw_diag_print(&diag, stderr);
    else
        sw_log_set_level(log_level ? (sw_log_level)sw_log_parse_level(log_level) : (sw_log_level)cfg->log_level);
    sw_diag_free(&diag);
    return rc;
}

/* The engine's block hint: transparent huge pages for a large watchlist's
 * records (sw_engine_set_block_hint says why).  A hint: fine if refused. */
static void hugepage_hint(void *block, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(block, bytes, MADV_HUGEPAGE);
#else
    (void)block;
    (void)bytes;
#endif
}

int sw_pipeline_init(sw_pipeline *p, sw_config *cfg, sw_alert_fn deliver, void *ctx)
{
    sw_engine_set_block_hint(hugepage_hint);
    memset(p, 0, sizeof *p); /* sw_pipeline_free works after a failure */
    /* Built as a reload builds it, so a reloaded engine is the same engine. */
    if (sw_reload_build_engine(&p->engine, cfg, sw_pipeline_candidate, p) != 0)
        return -1;
    /* The key table is sized once for what the detectors can fire, so it
     * never doubles in the middle of a session. */
    if (sw_policy_init(&p->policy, &cfg->policy, deliver, ctx) != 0 ||
        sw_policy_plan_for(&p->policy, &p->engine) != 0) {
        sw_error("out of memory");
        return -1;
    }
    return 0;
}

void sw_pipeline_candidate(void *pipeline, const sw_candidate *c)
{
    sw_pipeline *p = pipeline;
    sw_policy_offer(&p->policy, c);
}

sw_tick_result sw_pipeline_event(sw_pipeline *p, const sw_event *ev)
{
    if (ev->kind == SW_EV_SPLIT) {
        int rc = sw_engine_split(&p->engine, ev->tick.symbol, ev->tick.ts_ns, ev->ratio);
        if (rc == 0)
            sw_info("split %g:1 for %s applied to its references", ev->ratio, ev->tick.symbol);
        return rc < 0 ? SW_TICK_UNKNOWN : SW_TICK_OK; /* 1: that day's split was already applied */
    }
    return sw_engine_tick(&p->engine, &ev->tick);
}

void sw_pipeline_free(sw_pipeline *p)
{
    sw_policy_free(&p->policy);
    sw_engine_free(&p->engine);
}
