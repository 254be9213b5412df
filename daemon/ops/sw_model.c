/* sw_model.c -- see sw_model.h. */
#include "sw_model.h"
#include "sw_breadth.h"
#include "sw_pct_move.h"

#include <stdlib.h>
#include <string.h>

/* The pct_move levels against the previous close (warning and critical,
 * both ways), each once. */
static size_t pct_levels(const sw_config *cfg, sw_chart_level *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_detectors; i++) {
        const sw_detector_config *d = &cfg->detectors[i];
        if (strcmp(d->type->name, "pct_move") != 0)
            continue;
        const sw_pct_move_params *p = d->params;
        if (p->reference != SW_REF_PREV_CLOSE)
            continue;
        double v[4] = { p->warning_pct, -p->warning_pct, p->critical_pct, -p->critical_pct };
        int sev[4] = { 1, 1, 2, 2 };
        for (int k = 0; k < 4 && n < max; k++) {
            int dup = 0;
            for (size_t j = 0; j < n; j++)
                dup |= out[j].v == v[k];
            if (!dup)
                out[n++] = (sw_chart_level){ v[k], sev[k] };
        }
    }
    return n;
}

/* Each group's breadth chart: the levels of the breadth detector watching
 * it; without one, the first breadth detector's, else pct_move's, else 3
 * and 5 %. */
static void group_levels(const sw_config *cfg, const sw_chart_level *lv, size_t n_lv, const char *group,
                         sw_report_group *g)
{
    g->warn_pct = 3;
    g->crit_pct = 5;
    g->min_fraction = 0.5;
    g->min_members = 3;
    g->breadth = 0;
    int have = 0;
    for (size_t k = 0; k < n_lv; k++)
        if (lv[k].v > 0) {
            if (lv[k].severity == 1)
                g->warn_pct = lv[k].v;
            else
                g->crit_pct = lv[k].v;
        }
    for (size_t i = 0; i < cfg->n_detectors; i++) {
        const sw_detector_config *d = &cfg->detectors[i];
        if (strcmp(d->type->name, "breadth") != 0)
            continue;
        const sw_breadth_params *p = d->params;
        int watches = p->groups.n == 0;
        for (int k = 0; k < p->groups.n && k < SW_NAME_LIST_MAX; k++)
            watches |= strcmp(p->groups.name[k], group) == 0;
        if (watches || !have) {
            g->warn_pct = p->warning_pct;
            g->crit_pct = p->critical_pct;
            g->min_fraction = p->min_fraction;
            g->min_members = p->min_members;
            g->breadth = watches;
            have = 1;
        }
        if (watches)
            return;
    }
}

int sw_model_build(sw_model *m, const sw_engine *e, const sw_config *cfg)
{
    memset(m, 0, sizeof *m);
    /* One block: the groups, then every group's members, then the names. */
    size_t n_groups = e->n_groups ? e->n_groups : 1, n_members = e->n_syms * n_groups + 1;
    size_t bytes = n_groups * sizeof *m->groups + n_members * sizeof *m->members + (e->n_syms + 1) * sizeof *m->names;
    m->groups = calloc(1, bytes);
    if (!m->groups)
        return -1;
    m->members = (size_t *)(m->groups + n_groups);
    m->names = (const char **)(m->members + n_members);
    for (size_t i = 0; i < e->n_syms; i++)
        m->names[i] = sw_engine_sym(e, i)->name;
    m->n_levels = pct_levels(cfg, m->levels, SW_MODEL_LEVELS);
    size_t used = 0;
    for (size_t g = 0; g < e->n_groups; g++) {
        m->groups[g].name = e->groups[g].name;
        m->groups[g].members = m->members + used;
        m->groups[g].n_members = e->groups[g].n_members;
        for (size_t k = 0; k < e->groups[g].n_members; k++)
            m->members[used++] = e->groups[g].members[k];
        group_levels(cfg, m->levels, m->n_levels, e->groups[g].name, &m->groups[g]);
    }
    return 0;
}

void sw_model_free(sw_model *m)
{
    free(m->groups); /* the block */
    memset(m, 0, sizeof *m);
}
