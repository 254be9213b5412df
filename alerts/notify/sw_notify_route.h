/*
 * sw_notify_route.h -- which channels an alert goes to: the routes of the
 * `notify` section, quiet hours in New York time, and the group an alert is
 * digested under.
 *
 * Pure functions of their arguments (the wall clock is passed in), so the
 * rules are tested with plain numbers.  An alert goes to the union of the
 * channels of every route it matches; a route matches when the alert is at
 * least its min_severity and, for each non-empty list, the alert is in it:
 * symbols (the alert's symbol), groups (the alert's own group, or a group its
 * symbol is a member of), detectors.  Resolved (info) alerts match only routes
 * that ask for them.  A channel in quiet hours drops all but critical alerts.
 */
#ifndef SW_NOTIFY_ROUTE_H
#define SW_NOTIFY_ROUTE_H

#include "sw_alert.h"
#include "sw_engine.h"
#include "sw_notify_config.h"

#include <stdint.h>

/* Bit i set: n->channels[i].  *quieted (may be NULL): channels the routes
 * chose but quiet hours held back. */
uint32_t sw_notify_route(const sw_notify_config *n, const sw_group_spec *groups, size_t n_groups,
                         const sw_alert *a, int64_t now_ns, uint32_t *quieted);

/* Does alert a belong to the group `name`: its own group, or a configured
 * group its symbol is a member of (route and silence group matchers). */
int sw_notify_in_group(const char *name, const sw_group_spec *groups, size_t n_groups, const sw_alert *a);

/* Is the channel in its quiet hours at now_ns (UTC ns), New York time? */
int sw_notify_quiet(const sw_notify_channel_config *c, int64_t now_ns);

/* The group the alert is digested under: its own (group alerts), else the
 * first configured group its symbol is in, else NULL (sent on its own). */
const char *sw_notify_digest_group(const sw_group_spec *groups, size_t n_groups, const sw_alert *a);

#endif
