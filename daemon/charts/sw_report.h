/*
 * sw_report.h -- the day and week reports: one self-contained HTML page a
 * trader opens in a browser or prints.
 *
 * Day: a headline (the first critical alert and the biggest move), a legend,
 * per group small multiples -- one price chart per symbol, its % move against
 * the previous close through the session on a y-scale shared by the group,
 * pre-market and after-hours shaded, the zero line and the pct_move levels,
 * every alert at its time and price -- and a breadth chart (members up and
 * down by the group's levels over time, with the number an alert needs), a
 * movers table and the list of alerts.  Week: per symbol the five sessions
 * Monday to Friday against the close before the week (cumulative), a closed
 * day hatched, the alerts at their day, a table of each day's move and the
 * week's, and the alerts by day.
 *
 * Everything comes in as plain structs (the day books of sw_daybook.h, the
 * alerts, the groups and levels) and goes out as text: inline SVG and CSS,
 * no script, nothing fetched, a print stylesheet; every string from data
 * escaped; numbers formatted by sw_svg.h, never by the locale; the same
 * model gives the same bytes.  Each alert is exactly one element of class
 * "alert SEVERITY" with data-id, in its symbol's chart (the first group's,
 * if the symbol is in several), its group's breadth chart, or a strip of
 * other alerts (feed gaps, symbols outside the watchlist).
 */
#ifndef SW_REPORT_H
#define SW_REPORT_H

#include "sw_alert.h"
#include "sw_chart.h"
#include "sw_daybook.h"
#include "sw_svg.h"

#include <stddef.h>

typedef struct sw_report_group {
    const char *name;
    const size_t *members;          /* indexes into the books' symbols */
    size_t n_members;
    int breadth;                    /* a breadth detector watches it: draw what it needs */
    double warn_pct, crit_pct;      /* the breadth chart's levels */
    double min_fraction;            /* the share an alert needs ... */
    int min_members;                /* ... of at least this many members with data */
} sw_report_group;

typedef struct sw_report {
    int week;                       /* 0: books[0] is the day; 1: books[0..4], Monday..Friday */
    const sw_daybook *books;
    size_t n_books;
    const char *const *symbols;     /* names, indexed like the books' symbols */
    size_t n_symbols;
    const sw_report_group *groups;
    size_t n_groups;
    const sw_alert *alerts;         /* in time order, on the report's days only */
    size_t n_alerts;
    const sw_chart_level *levels;   /* pct_move against the previous close, % */
    size_t n_levels;
    const sw_calendar *cal;         /* the exchange's days (NULL: weekdays) */
    /* Provenance, said at the foot of the page. */
    const char *const *inputs;
    size_t n_inputs;
    const char *config;
    const char *alerts_file;        /* NULL: the alerts were replayed through the config */
    size_t n_detectors;
    const char *notes;              /* problems met in the inputs; NULL or "": none */
    const char *version;
} sw_report;

/* Write the page into out.  Returns 0, or -1 when out failed (its maximum
 * reached, or out of memory). */
int sw_report_html(const sw_report *r, sw_dbuf *out);

/* One chart of a day report (week 0) on its own, w x h px, for the live
 * dashboard and the pictures in notifications; the same drawing as the
 * page's, dated.  A symbol's chart: its % move against the previous close
 * over the day's span on its own scale, the pct_move levels, each of its
 * alerts.  A group's chart: every member's move as a line of its own colour
 * labelled at its end ("NVDA -16.97%"), the alerts of the group and its
 * members (a group alert at the members' average move).  focus: the id of
 * the alert the picture is about (pointed out), or NULL.  Returns 0, or -1
 * (no such symbol or group, a week, out of memory). */
int sw_report_symbol_chart(const sw_report *r, size_t sym, double w, double h, const char *focus, sw_pen *pen);
int sw_report_group_chart(const sw_report *r, size_t group, double w, double h, const char *focus, sw_pen *pen);

#endif
