/* sw_chart.c -- see sw_chart.h. */
#include "sw_chart.h"
#include "sw_axis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Okabe-Ito blue and orange, and a dark red: three hues a colour-blind
 * reader tells apart, and three greys (light orange, mid blue, dark red)
 * when printed without colour. */
const sw_rgb sw_severity_rgb[3] = { 0x0072B2, 0xE69F00, 0xB40426 };
const char *const sw_severity_css[3] = { "info", "warning", "critical" };
const sw_rgb sw_line_rgb[SW_LINE_COLORS] = { 0x332288, 0x117733, 0x44AA99, 0x88CCEE, 0xDDCC77,
                                             0xCC6677, 0xAA4499, 0x882255, 0x999933 };

#define INK 0x1f1f1f       /* the price path */
#define TEXT 0x262626
#define MUTED 0x6b6b6b
#define FRAME 0xb4b4b4
#define GRID 0xe3e3e3
#define ZERO 0x4d4d4d
#define SHADE 0xececec     /* outside the regular session */
#define HATCH 0xcfcfcf     /* a closed day */
/* Breadth areas: tints of the warning and critical colours, light enough
 * that the marks and the dashed need line on them stay readable. */
#define AREA_WARN 0xf3cd80
#define AREA_CRIT 0xd9838f

#define ML 46.0            /* left margin: the value labels */
#define ML_PLAIN 8.0
#define MR 8.0
#define MT 27.0            /* the title line */
#define MB 19.0            /* the time labels */
#define SLOT_GAP 8.0
#define MAX_SLOTS 16
#define FONT 10.0

typedef struct frame {
    double x0, x1, y0, y1;          /* the plot */
    double lo, hi;                  /* values at y1 and y0 */
    size_t n;
    const sw_chart_slot *slots;
    double sx[MAX_SLOTS], sw[MAX_SLOTS];
} frame;

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double y_of(const frame *f, double v)
{
    double span = f->hi - f->lo;
    double y = span > 0 ? f->y1 - (v - f->lo) / span * (f->y1 - f->y0) : (f->y0 + f->y1) / 2;
    return clampd(y, f->y0, f->y1);
}

static double x_of(const frame *f, size_t i, int64_t t)
{
    const sw_chart_slot *s = &f->slots[i];
    double span = (double)(s->to - s->from);
    /* In doubles: an alert file's time may lie centuries from the slot's. */
    double x = f->sx[i] + (span > 0 ? ((double)t - (double)s->from) / span * f->sw[i] : 0);
    return clampd(x, f->sx[i], f->sx[i] + f->sw[i]);
}

/* The slot a time belongs to: the one containing it, else the nearest. */
static size_t slot_of(const frame *f, int64_t t)
{
    size_t best = 0;
    uint64_t best_d = UINT64_MAX;
    for (size_t i = 0; i < f->n; i++) {
        const sw_chart_slot *s = &f->slots[i];
        /* Unsigned: the distance between two int64 times always fits in a
         * uint64 (an alert in 1704 and a slot in 2025 overflowed int64). */
        uint64_t d = t < s->from ? (uint64_t)s->from - (uint64_t)t : t > s->to ? (uint64_t)t - (uint64_t)s->to : 0;
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

static void layout(frame *f, double w, double h, double ml, double mr, const sw_chart_slot *slots, size_t n)
{
    f->x0 = ml;
    f->x1 = w - MR - mr;
    f->y0 = MT;
    f->y1 = h - MB;
    f->slots = slots;
    f->n = n > MAX_SLOTS ? MAX_SLOTS : n;
    double total = 0;
    for (size_t i = 0; i < f->n; i++)
        total += (double)(slots[i].to - slots[i].from);
    double room = f->x1 - f->x0 - SLOT_GAP * (double)(f->n ? f->n - 1 : 0);
    double x = f->x0;
    for (size_t i = 0; i < f->n; i++) {
        double share = total > 0 ? (double)(slots[i].to - slots[i].from) / total : 1.0 / (double)f->n;
        f->sx[i] = x;
        f->sw[i] = room * share;
        x += f->sw[i] + SLOT_GAP;
    }
}

/* Width of a text in px, estimated (the font is the reader's): for placing
 * a subtitle after a title, never for anything that must line up. */
static double text_width(const char *s, double size, int bold)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    return (double)chars * size * (bold ? 0.74 : 0.6);
}

static void line(sw_pen *pen, double x0, double y0, double x1, double y1, sw_rgb c, double width, double dash)
{
    double xy[4] = { x0, y0, x1, y1 };
    sw_style st = { SW_RGB_NONE, c, width, dash };
    pen->path(pen, xy, 2, 0, &st);
}

void sw_chart_marker(sw_pen *pen, double x, double y, int severity, double size)
{
    sw_style st = { sw_severity_rgb[severity < 0 ? 0 : severity > 2 ? 2 : severity], 0x1a1a1a, 0.9, 0 };
    double r = size / 2;
    if (severity >= 2) { /* diamond */
        double xy[8] = { x, y - r * 1.15, x + r, y, x, y + r * 1.15, x - r, y };
        pen->path(pen, xy, 4, 1, &st);
    } else if (severity == 1) { /* triangle, point up */
        double xy[6] = { x, y - r * 1.1, x + r, y + r * 0.75, x - r, y + r * 0.75 };
        pen->path(pen, xy, 3, 1, &st);
    } else {
        pen->circle(pen, x, y, r * 0.8, &st);
    }
}

static int has_bar(const sw_chart_slot *s)
{
    return !s->series && !isnan(s->bar_high) && !isnan(s->bar_low);
}

static void marks(sw_pen *pen, const frame *f, const sw_chart_slot *slots, const sw_chart_mark *m, size_t n,
                  const char *focus)
{
    /* Critical on top: drawn last; the focus above everything. */
    for (int pass = 0; pass <= 3; pass++)
        for (size_t i = 0; i < n; i++) {
            int is_focus = focus && m[i].id && strcmp(m[i].id, focus) == 0;
            int sev = m[i].severity < 0 ? 0 : m[i].severity > 2 ? 2 : m[i].severity;
            if (pass == 3 ? !is_focus : is_focus || sev != pass)
                continue;
            size_t si = slot_of(f, m[i].t);
            /* A day drawn as a bar has no time axis: its alerts stand on the bar. */
            double x = m[i].at_bar || (slots && has_bar(&slots[si])) ? f->sx[si] + f->sw[si] / 2 : x_of(f, si, m[i].t);
            double y = y_of(f, m[i].v);
            char cls[40];
            strcpy(cls, m[i].id ? "alert " : "mark ");
            strcat(cls, sw_severity_css[sev]);
            if (is_focus)
                strcat(cls, " focus");
            pen->group_begin(pen, cls, m[i].id, m[i].title);
            if (is_focus) {
                line(pen, x, f->y0, x, f->y1, sw_severity_rgb[sev], 1.2, 3);
                sw_style ring = { SW_RGB_NONE, sw_severity_rgb[sev], 2, 0 };
                pen->circle(pen, x, y, 11, &ring);
            }
            sw_chart_marker(pen, x, y, sev, is_focus ? 14 : 11);
            pen->group_end(pen);
        }
}

/* Shading outside the session, hatching of a closed day, clock ticks or the
 * slot's label underneath. */
static void slot_backgrounds(sw_pen *pen, const frame *f)
{
    sw_style shade = { SHADE, SW_RGB_NONE, 0, 0 };
    for (size_t i = 0; i < f->n; i++) {
        const sw_chart_slot *s = &f->slots[i];
        double x0 = f->sx[i], x1 = f->sx[i] + f->sw[i];
        if (s->open > s->close) {
            pen->rect(pen, x0, f->y0, x1 - x0, f->y1 - f->y0, &shade);
            for (double d = -(f->y1 - f->y0); d < x1 - x0; d += 7) {
                /* Diagonals clipped to the slot by hand (pens have no clip). */
                double ax = x0 + d, ay = f->y1, bx = x0 + d + (f->y1 - f->y0), by = f->y0;
                if (ax < x0) {
                    ay -= x0 - ax;
                    ax = x0;
                }
                if (bx > x1) {
                    by += bx - x1;
                    bx = x1;
                }
                if (bx > ax)
                    line(pen, ax, ay, bx, by, HATCH, 0.8, 0);
            }
            continue;
        }
        if (s->open > s->from)
            pen->rect(pen, x0, f->y0, x_of(f, i, s->open) - x0, f->y1 - f->y0, &shade);
        if (s->close < s->to) {
            double xc = x_of(f, i, s->close);
            pen->rect(pen, xc, f->y0, x1 - xc, f->y1 - f->y0, &shade);
        }
    }
}

static void time_axis(sw_pen *pen, const frame *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const sw_chart_slot *s = &f->slots[i];
        double x0 = f->sx[i], w = f->sw[i];
        if (s->label) {
            pen->text(pen, x0 + w / 2, f->y1 + 13, s->label, FONT, SW_ANCHOR_MIDDLE, 0, TEXT);
            continue;
        }
        int64_t ticks[32];
        int target = (int)(w / 48);
        size_t n = sw_axis_time_ticks(s->from, s->to, target < 2 ? 2 : target, ticks, 32, NULL);
        for (size_t k = 0; k < n; k++) {
            double x = x_of(f, i, ticks[k]);
            char lab[16];
            line(pen, x, f->y0, x, f->y1, GRID, 0.7, 0);
            line(pen, x, f->y1, x, f->y1 + 3, FRAME, 0.8, 0);
            sw_anchor a = x - x0 < 14 ? SW_ANCHOR_START : x0 + w - x < 14 ? SW_ANCHOR_END : SW_ANCHOR_MIDDLE;
            pen->text(pen, x, f->y1 + 13, sw_ny_clock(ticks[k], 0, lab), FONT, a, 0, MUTED);
        }
    }
}

static void value_axis(sw_pen *pen, const frame *f, const char *unit, int labels)
{
    double ticks[24], step;
    size_t n = sw_axis_ticks(f->lo, f->hi, (int)((f->y1 - f->y0) / 26) + 1, ticks, 24, &step);
    int dec = sw_axis_decimals(step);
    for (size_t k = 0; k < n; k++) {
        double y = y_of(f, ticks[k]);
        line(pen, f->x0, y, f->x1, y, GRID, 0.7, 0);
        if (!labels)
            continue;
        char num[SW_NUM_MAX + 8];
        sw_fmt_num(num, ticks[k], dec, SW_NUM_MINUS | SW_NUM_PLUS | SW_NUM_TRIM);
        if (unit)
            strncat(num, unit, sizeof num - strlen(num) - 1);
        pen->text(pen, f->x0 - 4, y + 3.5, num, FONT, SW_ANCHOR_END, 0, MUTED);
    }
}

static void heading(sw_pen *pen, double w, const char *title, const char *subtitle, const char *value)
{
    double x = 6;
    if (title) {
        pen->text(pen, x, 16, title, 13, SW_ANCHOR_START, 1, TEXT);
        x += text_width(title, 13, 1) + 8;
    }
    if (subtitle)
        pen->text(pen, x, 16, subtitle, FONT, SW_ANCHOR_START, 0, MUTED);
    if (value)
        pen->text(pen, w - MR, 16, value, 13, SW_ANCHOR_END, 1, TEXT);
}

/* A word across an empty slot ("closed", "no data"), near its top, on a
 * white ground so no line runs through it. */
static void note(sw_pen *pen, const frame *f, size_t i, const char *text)
{
    double w = text_width(text, FONT, 0) + 8, x = f->sx[i] + f->sw[i] / 2, y = f->y0 + 6;
    if (w > f->sw[i] - 2)
        w = f->sw[i] - 2;
    sw_style ground = { 0xffffff, SW_RGB_NONE, 0, 0 };
    pen->rect(pen, x - w / 2, y, w, 14, &ground);
    pen->text(pen, x, y + 10.5, text, FONT, SW_ANCHOR_MIDDLE, 0, TEXT);
}

static void frame_box(sw_pen *pen, const frame *f)
{
    sw_style box = { SW_RGB_NONE, FRAME, 0.8, 0 };
    for (size_t i = 0; i < f->n; i++)
        pen->rect(pen, f->sx[i], f->y0, f->sw[i], f->y1 - f->y0, &box);
}

/* The path of slot i, per pixel column. */
static void path(sw_pen *pen, const frame *f, size_t i)
{
    const sw_chart_slot *s = &f->slots[i];
    size_t px = (size_t)ceil(f->sw[i]);
    if (px == 0)
        return;
    sw_pt *pts = malloc(4 * px * sizeof *pts);
    double *xy = malloc(8 * px * sizeof *xy);
    if (pts && xy) {
        size_t n = sw_colseries_reduce(s->series, s->from, s->to, px, pts);
        for (size_t k = 0; k < n; k++) {
            xy[2 * k] = x_of(f, i, pts[k].t);
            xy[2 * k + 1] = y_of(f, s->scale * pts[k].v + s->offset);
        }
        sw_style st = { SW_RGB_NONE, INK, 1.2, 0 };
        if (n == 1) { /* one trade: a dot, not an invisible line */
            sw_style dot = { INK, SW_RGB_NONE, 0, 0 };
            pen->circle(pen, xy[0], xy[1], 1.5, &dot);
        } else {
            pen->path(pen, xy, n, 0, &st);
        }
    }
    free(pts);
    free(xy);
}

static double bar_x(const frame *f, size_t i)
{
    return f->sx[i] + f->sw[i] / 2;
}

/* A day known as a bar: high-low line, open tick left, close tick right. */
static void bar(sw_pen *pen, const frame *f, size_t i)
{
    const sw_chart_slot *s = &f->slots[i];
    double x = bar_x(f, i), k = s->scale, o = s->offset;
    double arm = f->sw[i] * 0.18 < 7 ? f->sw[i] * 0.18 : 7;
    line(pen, x, y_of(f, k * s->bar_high + o), x, y_of(f, k * s->bar_low + o), INK, 2.2, 0);
    if (!isnan(s->bar_open))
        line(pen, x - arm, y_of(f, k * s->bar_open + o), x, y_of(f, k * s->bar_open + o), INK, 2.2, 0);
    if (!isnan(s->bar_close))
        line(pen, x, y_of(f, k * s->bar_close + o), x + arm, y_of(f, k * s->bar_close + o), INK, 2.2, 0);
}


/* Where slot i ends (its last price) or begins (its first): x and value. */
static int slot_end(const frame *f, size_t i, int last, double *x, double *v)
{
    const sw_chart_slot *s = &f->slots[i];
    if (s->open > s->close)
        return 0;
    if (s->series) {
        int64_t a, b;
        if (!sw_colseries_span(s->series, &a, &b))
            return 0;
        *x = x_of(f, i, last ? b : a);
        *v = s->scale * sw_colseries_at(s->series, last ? b : a) + s->offset;
        return !isnan(*v);
    }
    double p = last ? s->bar_close : s->bar_open;
    if (isnan(p))
        return 0;
    double arm = f->sw[i] * 0.18 < 7 ? f->sw[i] * 0.18 : 7;
    *x = bar_x(f, i) + (last ? arm : -arm);
    *v = s->scale * p + s->offset;
    return 1;
}

static void gaps(sw_pen *pen, const frame *f)
{
    size_t prev = f->n;
    for (size_t i = 0; i < f->n; i++) {
        double x0, v0, x1, v1;
        if (prev < f->n && slot_end(f, prev, 1, &x0, &v0) && slot_end(f, i, 0, &x1, &v1))
            line(pen, x0, y_of(f, v0), x1, y_of(f, v1), MUTED, 1, 2.5);
        double x, v;
        if (slot_end(f, i, 1, &x, &v) || slot_end(f, i, 0, &x, &v))
            prev = i;
    }
}

typedef struct end_label {
    double y;
    size_t line;
} end_label;

static int by_y(const void *a, const void *b)
{
    double ya = ((const end_label *)a)->y, yb = ((const end_label *)b)->y;
    return ya < yb ? -1 : ya > yb;
}

/* The extra lines over slot 0, per pixel column like the main path, then
 * their labels at the right, pushed apart so none overlaps another. */
static void more_lines(sw_pen *pen, const frame *f, const sw_chart_line *lines, size_t n)
{
    const sw_chart_slot *s = &f->slots[0];
    size_t px = (size_t)ceil(f->sw[0]);
    sw_pt *pts = malloc(4 * (px ? px : 1) * sizeof *pts);
    double *xy = malloc(8 * (px ? px : 1) * sizeof *xy);
    end_label *labels = malloc(n * sizeof *labels);
    size_t nl = 0;
    for (size_t i = 0; pts && xy && labels && px && i < n; i++) {
        const sw_chart_line *l = &lines[i];
        if (!l->series || !l->series->cols || l->series->first_col > l->series->last_col)
            continue;
        size_t k = sw_colseries_reduce(l->series, s->from, s->to, px, pts);
        for (size_t j = 0; j < k; j++) {
            xy[2 * j] = x_of(f, 0, pts[j].t);
            xy[2 * j + 1] = y_of(f, l->scale * pts[j].v + l->offset);
        }
        sw_style st = { SW_RGB_NONE, l->color, 1.4, 0 };
        if (k >= 2)
            pen->path(pen, xy, k, 0, &st);
        if (k >= 1 && l->label)
            labels[nl++] = (end_label){ xy[2 * k - 1], i };
    }
    /* Labels 11 px apart at least, in the order of the line ends. */
    qsort(labels, nl, sizeof *labels, by_y);
    for (size_t j = 1; j < nl; j++)
        if (labels[j].y < labels[j - 1].y + 11)
            labels[j].y = labels[j - 1].y + 11;
    for (size_t j = nl; j-- > 0;) {
        double lim = f->y1 + 8 - (double)(nl - 1 - j) * 11;
        if (labels[j].y > lim)
            labels[j].y = lim;
        const sw_chart_line *l = &lines[labels[j].line];
        pen->text(pen, f->x1 + 4, labels[j].y + 3.5, l->label, FONT, SW_ANCHOR_START, 1, l->color);
    }
    free(pts);
    free(xy);
    free(labels);
}

void sw_chart_draw(const sw_chart *c, sw_pen *pen)
{
    frame f;
    layout(&f, c->width, c->height, c->plain ? ML_PLAIN : ML, c->label_room, c->slots, c->n_slots);
    f.lo = c->y_lo;
    f.hi = c->y_hi;
    pen->begin(pen, c->width, c->height, c->label);
    slot_backgrounds(pen, &f);
    if (!c->plain)
        value_axis(pen, &f, c->y_unit, 1);
    time_axis(pen, &f);
    if (!c->plain && f.lo < 0 && f.hi > 0)
        line(pen, f.x0, y_of(&f, 0), f.x1, y_of(&f, 0), ZERO, 1, 0);
    for (size_t i = 0; i < c->n_levels; i++) {
        const sw_chart_level *l = &c->levels[i];
        if (l->v > f.lo && l->v < f.hi)
            line(pen, f.x0, y_of(&f, l->v), f.x1, y_of(&f, l->v), sw_severity_rgb[l->severity], 1.1, 4);
    }
    for (size_t i = 0; i < f.n; i++) {
        const sw_chart_slot *s = &f.slots[i];
        if (s->open <= s->close && s->series && s->series->first_col <= s->series->last_col)
            path(pen, &f, i);
        else if (s->open <= s->close && has_bar(s))
            bar(pen, &f, i);
        else if (s->note)
            note(pen, &f, i, s->note);
    }
    if (c->n_lines && f.n)
        more_lines(pen, &f, c->lines, c->n_lines);
    if (c->gaps)
        gaps(pen, &f);
    frame_box(pen, &f);
    heading(pen, c->width, c->title, c->subtitle, c->value);
    marks(pen, &f, c->slots, c->marks, c->n_marks, c->focus);
    pen->end(pen);
}

/* ---- counts ---------------------------------------------------------------- */

/* The value of each pixel column of the counts' slot: the most members in
 * the samples it overlaps (so a burst of one sample still shows), 0 where
 * there is no sample; `last` takes the last of them instead (the need
 * line).  out: px values. */
static void per_pixel(const frame *f, const sw_chart_counts *c, const int16_t *v, int last, int16_t *out,
                      size_t px)
{
    const sw_chart_slot *s = &f->slots[0];
    double span = (double)(s->to - s->from);
    for (size_t p = 0; p < px; p++) {
        int64_t a = s->from + (int64_t)((double)p * span / (double)px);
        int64_t b = s->from + (int64_t)((double)(p + 1) * span / (double)px);
        int16_t m = last ? -1 : 0;
        if (b > c->t0 && a < c->t0 + (int64_t)c->n * c->step) {
            int64_t k0 = a > c->t0 ? (a - c->t0) / c->step : 0;
            int64_t k1 = (b - c->t0 + c->step - 1) / c->step;
            if (k1 > (int64_t)c->n)
                k1 = (int64_t)c->n;
            for (int64_t k = k0; k < k1; k++)
                m = last ? v[k] : v[k] > m ? v[k] : m;
        }
        out[p] = m;
    }
}

/* A step line through the runs of positive values, at sign * value; as
 * filled areas down to the zero line (`fill`), or as dashed lines. */
static void steps(sw_pen *pen, const frame *f, const int16_t *val, size_t px, int sign, int fill, sw_rgb color)
{
    double *xy = malloc((4 * px + 8) * sizeof *xy);
    if (!xy)
        return;
    sw_style area_st = { color, SW_RGB_NONE, 0, 0 }, line_st = { SW_RGB_NONE, color, 1.3, 3 };
    double y0 = y_of(f, 0), prev_y = 0;
    size_t n = 0;
    int16_t cur = 0;
    for (size_t p = 0; p <= px; p++) {
        int16_t m = p < px && val[p] > 0 ? val[p] : 0;
        double x = f->sx[0] + (double)p;
        if (m == cur)
            continue;
        if (cur > 0) { /* the level we are leaving */
            xy[n++] = x;
            xy[n++] = prev_y;
        } else if (fill) {
            xy[n++] = x;
            xy[n++] = y0;
        }
        if (m > 0) {
            prev_y = y_of(f, sign * (double)m);
            xy[n++] = x;
            xy[n++] = prev_y;
        } else {
            if (fill) {
                xy[n++] = x;
                xy[n++] = y0;
            }
            if (n >= 4)
                pen->path(pen, xy, n / 2, fill, fill ? &area_st : &line_st);
            n = 0;
        }
        cur = m;
    }
    free(xy);
}

static void counts_layer(sw_pen *pen, const frame *f, const sw_chart_counts *c, const int16_t *v, int last,
                         int sign, int fill, sw_rgb color)
{
    size_t px = (size_t)ceil(f->sw[0]);
    if (!v || px == 0 || c->n == 0)
        return;
    int16_t *val = malloc(px * sizeof *val);
    if (val) {
        per_pixel(f, c, v, last, val, px);
        steps(pen, f, val, px, sign, fill, color);
    }
    free(val);
}

void sw_chart_counts_draw(const sw_chart_counts *c, sw_pen *pen)
{
    sw_chart_slot slot = { .from = c->from, .to = c->to, .open = c->open, .close = c->close,
                           .bar_open = NAN, .bar_high = NAN, .bar_low = NAN, .bar_close = NAN };
    frame f;
    layout(&f, c->width, c->height, ML, 0, &slot, 1);
    /* Each side as tall as its own counts; the need line only on a side
     * where members moved, and that side tall enough to show it. */
    int up = 0, down = 0, need = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->up[0] && c->up[0][i] > up)
            up = c->up[0][i];
        if (c->down[0] && c->down[0][i] > down)
            down = c->down[0][i];
        if (c->need && c->need[i] > need)
            need = c->need[i];
    }
    int need_up = up > 0 && need > 0, need_down = down > 0 && need > 0;
    if (need_up && need > up)
        up = need;
    if (need_down && need > down)
        down = need;
    up = up < 1 ? 1 : up;
    down = down < 1 ? 1 : down;
    for (size_t i = 0; i < c->n_marks; i++) {
        if (c->marks[i].v > up)
            up = (int)ceil(c->marks[i].v);
        if (-c->marks[i].v > down)
            down = (int)ceil(-c->marks[i].v);
    }
    f.lo = -(double)down;
    f.hi = (double)up;
    pen->begin(pen, c->width, c->height, c->label);
    slot_backgrounds(pen, &f);
    /* Whole members only: at most one label per member. */
    double ticks[24], step;
    size_t n = sw_axis_ticks(f.lo, f.hi, (int)((f.y1 - f.y0) / 22) + 1, ticks, 24, &step);
    for (size_t k = 0; k < n; k++) {
        if (ticks[k] != floor(ticks[k]))
            continue;
        double y = y_of(&f, ticks[k]);
        char num[SW_NUM_MAX];
        line(pen, f.x0, y, f.x1, y, GRID, 0.7, 0);
        sw_fmt_num(num, fabs(ticks[k]), 0, 0);
        strcat(num, ticks[k] > 0 ? " up" : ticks[k] < 0 ? " down" : "");
        pen->text(pen, f.x0 - 4, y + 3.5, num, FONT, SW_ANCHOR_END, 0, MUTED);
    }
    time_axis(pen, &f);
    counts_layer(pen, &f, c, c->up[0], 0, 1, 1, AREA_WARN);
    counts_layer(pen, &f, c, c->up[1], 0, 1, 1, AREA_CRIT);
    counts_layer(pen, &f, c, c->down[0], 0, -1, 1, AREA_WARN);
    counts_layer(pen, &f, c, c->down[1], 0, -1, 1, AREA_CRIT);
    if (need_up)
        counts_layer(pen, &f, c, c->need, 1, 1, 0, TEXT);
    if (need_down)
        counts_layer(pen, &f, c, c->need, 1, -1, 0, TEXT);
    line(pen, f.x0, y_of(&f, 0), f.x1, y_of(&f, 0), ZERO, 1, 0);
    frame_box(pen, &f);
    heading(pen, c->width, c->title, c->subtitle, NULL);
    marks(pen, &f, NULL, c->marks, c->n_marks, NULL);
    pen->end(pen);
}
