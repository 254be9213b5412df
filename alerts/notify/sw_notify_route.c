/* sw_notify_route.c -- see sw_notify_route.h. */
#include "sw_notify_route.h"
#include "sw_time.h"

#include <string.h>

static int in_names(const sw_name_list *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->name[i], name) == 0)
            return 1;
    return 0;
}

static int member_of(const sw_group_spec *g, const char *symbol)
{
    for (size_t m = 0; m < g->n_members; m++)
        if (strcmp(g->members[m], symbol) == 0)
            return 1;
    return 0;
}

int sw_notify_in_group(const char *name, const sw_group_spec *groups, size_t n_groups, const sw_alert *a)
{
    if (a->group[0] && strcmp(a->group, name) == 0)
        return 1;
    for (size_t g = 0; g < n_groups; g++)
        if (strcmp(groups[g].name, name) == 0 && member_of(&groups[g], a->symbol))
            return 1;
    return 0;
}

static int group_match(const sw_name_list *want, const sw_group_spec *groups, size_t n_groups, const sw_alert *a)
{
    for (int i = 0; i < want->n; i++)
        if (sw_notify_in_group(want->name[i], groups, n_groups, a))
            return 1;
    return 0;
}

int sw_notify_quiet(const sw_notify_channel_config *c, int64_t now_ns)
{
    if (c->quiet_from_min < 0 || c->quiet_to_min < 0)
        return 0;
    int sod;
    sw_ny_day(now_ns, &sod);
    int min = sod / 60;
    if (c->quiet_from_min < c->quiet_to_min)
        return min >= c->quiet_from_min && min < c->quiet_to_min;
    /* Across midnight: 22:00-07:00. */
    return min >= c->quiet_from_min || min < c->quiet_to_min;
}

uint32_t sw_notify_route(const sw_notify_config *n, const sw_group_spec *groups, size_t n_groups,
                         const sw_alert *a, int64_t now_ns, uint32_t *quieted)
{
    uint32_t mask = 0;
    for (size_t r = 0; r < n->n_routes; r++) {
        const sw_notify_route_config *rt = &n->routes[r];
        if ((int)a->severity < rt->min_severity || (a->resolved && !rt->resolved))
            continue;
        if (rt->symbols.n && !in_names(&rt->symbols, a->symbol))
            continue;
        if (rt->groups.n && !group_match(&rt->groups, groups, n_groups, a))
            continue;
        if (rt->detectors.n) {
            int hit = 0;
            for (size_t d = 0; d < rt->detectors.n && !hit; d++)
                hit = strcmp(rt->detectors.v[d], a->detector) == 0;
            if (!hit)
                continue;
        }
        for (size_t i = 0; i < rt->channels.n; i++)
            for (size_t c = 0; c < n->n_channels && c < 32; c++)
                if (strcmp(n->channels[c].name, rt->channels.v[i]) == 0)
                    mask |= UINT32_C(1) << c;
    }
    uint32_t quiet = 0;
    /* Critical always passes: quiet hours are for the things that can wait. */
    for (size_t c = 0; a->severity != SW_SEV_CRITICAL && c < n->n_channels && c < 32; c++)
        if ((mask & (UINT32_C(1) << c)) && sw_notify_quiet(&n->channels[c], now_ns))
            quiet |= UINT32_C(1) << c;
    if (quieted)
        *quieted = quiet;
    return mask & ~quiet;
}

const char *sw_notify_digest_group(const sw_group_spec *groups, size_t n_groups, const sw_alert *a)
{
    if (a->group[0])
        return a->group;
    for (size_t g = 0; g < n_groups; g++)
        if (member_of(&groups[g], a->symbol))
            return groups[g].name;
    return NULL;
}
