/*
 * sw_breadth.h -- a move shared by a group: the share of its members that are
 * down (or up) by a level against their previous close.
 *
 * One name falling 6% is news about that name; seven of thirteen AI names
 * falling 5% at once is a sector shock, and that is what this detector reports:
 * one candidate per group, with the group's name as the symbol, every member
 * that has data with its move (sorted by move, biggest fall first), and the
 * group's MEDIAN move as change_pct (the median, not the mean, so that one
 * member's outsized move cannot make the group look like it moved).
 *
 * A member has data when it has a previous close and has traded on the group's
 * current New York day; at least `min_members` must.  When the share of those
 * at or beyond `critical_pct` (in one direction) reaches `min_fraction` the
 * group is CRITICAL; else when the share at or beyond `warning_pct` does, it is
 * a WARNING.  Sell-offs and melt-ups are both watched.  Edge-triggered like
 * pct_move: a FIRE when the condition is first met, escalates or extends by
 * `step` (another quarter of the group by default) at the severity that fired,
 * a CLEAR when the share at the warning level falls below
 * min_fraction * (1 - hysteresis).  magnitude is the share (0..1) at the
 * severity reached, step is in the same unit.  The same hysteresis holds each
 * member at a level until its move falls back below level * (1 - hysteresis),
 * so a name hovering at exactly -3% cannot make a small group flap.  A new New
 * York day starts every group afresh; a condition still raised then gets a
 * CLEAR (window "session"), so the policy treats the next day's move as new.
 *
 * Cost: every member keeps its level (-2 critical down .. +2 critical up) and
 * each group keeps counts per level; a tick that does not change its member's
 * level costs O(1), one that does updates the counts of the member's groups
 * (at most SW_MAX_GROUPS_PER_SYMBOL).  The member list is built only when a
 * candidate is emitted.  A new day resets a group's counts once per day.
 */
#ifndef SW_BREADTH_H
#define SW_BREADTH_H

#include "sw_engine.h"

typedef struct sw_breadth_params {
    double warning_pct;     /* member move, percent, either direction; default 3 */
    double critical_pct;    /* > warning_pct; default 5 */
    double min_fraction;    /* share of members with data; default 0.5 */
    int min_members;        /* members with data needed to judge; default 3 */
    double step;            /* re-alert when the share grows by this much (0: never); default 0.25 */
    double hysteresis;      /* for members' levels and the group's share; default 0.2 */
    sw_name_list groups;    /* groups watched; empty: all groups */
} sw_breadth_params;

#endif
