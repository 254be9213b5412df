/*
 * sw_model.h -- what the drawings (daemon/charts/sw_report.h) need to know of
 * the configured watchlist, built from the engine and the config: the
 * symbols' names in the engine's order, the groups with their members as
 * indexes and their breadth levels, and the pct_move levels against the
 * previous close.  shock-report's pages and the live dashboard's charts draw
 * from the same model, so a level or a group looks the same in both.
 *
 * The charts may not read the config (daemon/charts/ draws from plain
 * structs); this is where the config is read for them.
 */
#ifndef SW_MODEL_H
#define SW_MODEL_H

#include "sw_config.h"
#include "sw_engine.h"
#include "sw_report.h"

#include <stddef.h>

#define SW_MODEL_LEVELS 16

typedef struct sw_model {
    const char **names;             /* sw_engine_sym(engine, i)->name: a report's symbols (n_syms) */
    sw_report_group *groups;        /* engine->groups, in order: its groups (n_groups) */
    size_t *members;
    sw_chart_level levels[SW_MODEL_LEVELS];
    size_t n_levels;
} sw_model;

/* Build for engine e (names point into it) and cfg.  Returns 0 or -1 (out
 * of memory). */
int sw_model_build(sw_model *m, const sw_engine *e, const sw_config *cfg);

void sw_model_free(sw_model *m);

#endif
