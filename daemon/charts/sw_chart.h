/*
 * sw_chart.h -- the charts every picture of shockwatch is made of, drawn
 * with a pen (sw_svg.h) from plain structs: nothing here knows where the
 * numbers came from (a replay, a live engine, an alerts file).
 *
 * A price chart (sw_chart) shows a value -- usually the % move against a
 * reference -- over one or more time slots side by side: one slot for a
 * session (its pre-market and after-hours shaded), five for a week (a closed
 * day hatched and labelled).  A slot holds a price path, reduced per pixel
 * column by sw_colseries so no extreme is lost, or, for a day known only as
 * a daily bar, that bar (open, high, low, close).  On top: round ticks, the
 * zero line, levels (a detector's warning and critical lines, dashed in the
 * severity's colour), and alert marks at their time and value.
 *
 * A count chart (sw_chart_counts) shows how many members of a group are up
 * or down by a warning and a critical level over time (breadth), above and
 * below the zero line, with the number of members an alert needs.
 *
 * Severity is a colour and a shape, so it survives greyscale printing and
 * colour-blind readers: info a blue circle, warning an orange triangle,
 * critical a dark red diamond, each with a dark outline.  An alert mark is
 * drawn as a group of class "alert SEVERITY" with data-id and a title (the
 * tooltip: the alert's message); a second drawing of the same alert (a
 * symbol in two groups) is of class "mark SEVERITY" with no id, so a page
 * holds exactly one "alert" element per alert.  The alert a picture is
 * about (`focus`: a notification's) gets a ring and a dashed line at its
 * time in its colour, and the class "focus".
 */
#ifndef SW_CHART_H
#define SW_CHART_H

#include "sw_colseries.h"
#include "sw_svg.h"

#include <stddef.h>
#include <stdint.h>

/* Severity (sw_severity: 0 info, 1 warning, 2 critical) as colour and name. */
extern const sw_rgb sw_severity_rgb[3];
extern const char *const sw_severity_css[3];

/* Draw severity's shape centred at (x, y), about `size` px across. */
void sw_chart_marker(sw_pen *pen, double x, double y, int severity, double size);

typedef struct sw_chart_slot {
    int64_t from, to;               /* time drawn, ns */
    int64_t open, close;            /* regular session; open > close: closed all day */
    const char *label;              /* under the slot (a week's "Mon 27"); NULL: clock ticks */
    const char *note;               /* across the slot when it has nothing to draw */
    const sw_colseries *series;     /* the price path, or NULL */
    double bar_open, bar_high, bar_low, bar_close; /* without a path: the day's bar (NaN: none) */
    double scale, offset;           /* value drawn = scale * price + offset */
} sw_chart_slot;

typedef struct sw_chart_mark {
    int64_t t;
    double v;                       /* in the chart's values (after scale and offset) */
    int severity;
    const char *id;                 /* the alert's id: an "alert" element; NULL: a "mark" */
    const char *title;              /* the tooltip */
    int at_bar;                     /* at the slot's bar, its time being the day's */
} sw_chart_mark;

/* One more path over the chart's first slot (a group's members on one
 * chart): its own colour, labelled at its last point. */
typedef struct sw_chart_line {
    const sw_colseries *series;
    double scale, offset;           /* value drawn = scale * price + offset */
    sw_rgb color;
    const char *label;              /* at the line's end, in its colour */
} sw_chart_line;

/* Distinct colours for lines (Paul Tol's muted scheme, none of them a
 * severity's colour), used in turn. */
#define SW_LINE_COLORS 9
extern const sw_rgb sw_line_rgb[SW_LINE_COLORS];

typedef struct sw_chart_level {
    double v;
    int severity;
} sw_chart_level;

typedef struct sw_chart {
    double width, height;           /* px */
    const char *title;              /* bold, top left ("NVDA") */
    const char *subtitle;           /* grey, after the title */
    const char *value;              /* bold, top right ("-16.97%") */
    const char *label;              /* what the picture shows, for screen readers */
    double y_lo, y_hi;              /* value range (sw_axis_nice'd, shared by a group) */
    const char *y_unit;             /* after each tick label ("%"); NULL: none */
    int plain;                      /* no value axis and no zero line (a strip of marks) */
    const sw_chart_slot *slots;
    size_t n_slots;
    const sw_chart_level *levels;
    size_t n_levels;
    const sw_chart_mark *marks;
    size_t n_marks;
    int gaps;                       /* dashed line from each slot's close to the next one's open */
    const sw_chart_line *lines;     /* more paths over slot 0, labelled at the right */
    size_t n_lines;
    double label_room;              /* px kept right of the plot for the lines' labels */
    const char *focus;              /* the id of an alert to point out: a ring and a line at its time */
} sw_chart;

void sw_chart_draw(const sw_chart *c, sw_pen *pen);

typedef struct sw_chart_counts {
    double width, height;
    const char *title, *subtitle, *label;
    int64_t from, to, open, close;  /* one slot, as in sw_chart */
    int64_t t0, step;               /* sample i covers [t0 + i*step, t0 + (i+1)*step) */
    size_t n;
    const int16_t *up[2];           /* members up by the warning [0] and critical [1] level */
    const int16_t *down[2];         /* the same, down */
    const int16_t *need;            /* members an alert needs at that time; < 0: not judged */
    int members;                    /* in the group */
    const sw_chart_mark *marks;     /* v: a number of members, positive up, negative down */
    size_t n_marks;
} sw_chart_counts;

void sw_chart_counts_draw(const sw_chart_counts *c, sw_pen *pen);

#endif
