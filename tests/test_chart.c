/*
 * test_chart.c -- the charts (daemon/charts/sw_chart.c), drawn with a pen
 * that records what it is asked to draw (the way a cairo pen would receive
 * it) and with the SVG pen: one "alert" group per alert and a "mark" for a
 * second drawing, severity shapes, levels only inside the range, a closed
 * day hatched and named, a daily bar instead of a path, a one-trade spike
 * reaching its pixel, breadth areas and the need line.
 */
#include "sw_chart.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sw_test_util.h"

typedef struct rec_path {
    size_t n;
    int closed;
    sw_style st;
    double min_y, max_y;
} rec_path;

typedef struct rec {
    sw_pen pen;
    int begun, ended;
    size_t n_paths, n_rects, n_circles, n_texts, n_groups, open_groups;
    rec_path paths[4096];
    char texts[256][64];
    char group_cls[64][32];
    const char *group_id[64];
    char group_title[64][128];
} rec;

static rec *R(sw_pen *p) { return (rec *)p; }
static void r_begin(sw_pen *p, double w, double h, const char *l) { (void)w, (void)h, (void)l; R(p)->begun++; }
static void r_end(sw_pen *p) { R(p)->ended++; }
static void r_rect(sw_pen *p, double x, double y, double w, double h, const sw_style *st)
{
    (void)x, (void)y, (void)w, (void)h, (void)st;
    R(p)->n_rects++;
}
static void r_path(sw_pen *p, const double *xy, size_t n, int closed, const sw_style *st)
{
    rec *r = R(p);
    cr_assert_lt(r->n_paths, 4096u);
    rec_path *rp = &r->paths[r->n_paths++];
    rp->n = n;
    rp->closed = closed;
    rp->st = *st;
    rp->min_y = INFINITY;
    rp->max_y = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        rp->min_y = fmin(rp->min_y, xy[2 * i + 1]);
        rp->max_y = fmax(rp->max_y, xy[2 * i + 1]);
    }
}
static void r_circle(sw_pen *p, double x, double y, double rad, const sw_style *st)
{
    (void)x, (void)y, (void)rad, (void)st;
    R(p)->n_circles++;
}
static void r_text(sw_pen *p, double x, double y, const char *s, double size, sw_anchor a, int bold, sw_rgb c)
{
    (void)x, (void)y, (void)size, (void)a, (void)bold, (void)c;
    rec *r = R(p);
    if (r->n_texts < 256)
        snprintf(r->texts[r->n_texts++], 64, "%s", s);
}
static void r_group_begin(sw_pen *p, const char *cls, const char *id, const char *title)
{
    rec *r = R(p);
    cr_assert_lt(r->n_groups, 64u);
    snprintf(r->group_cls[r->n_groups], 32, "%s", cls);
    r->group_id[r->n_groups] = id;
    snprintf(r->group_title[r->n_groups], 128, "%s", title ? title : "");
    r->n_groups++;
    r->open_groups++;
}
static void r_group_end(sw_pen *p) { R(p)->open_groups--; }

static rec *new_rec(void)
{
    static rec r;
    memset(&r, 0, sizeof r);
    r.pen = (sw_pen){ &r, r_begin, r_end, r_rect, r_path, r_circle, r_text, r_group_begin, r_group_end };
    return &r;
}

static int has_text(const rec *r, const char *s)
{
    for (size_t i = 0; i < r->n_texts; i++)
        if (strcmp(r->texts[i], s) == 0)
            return 1;
    return 0;
}

static size_t paths_in(const rec *r, sw_rgb stroke, int dashed)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_paths; i++)
        n += r->paths[i].st.stroke == stroke && (r->paths[i].st.dash > 0) == dashed;
    return n;
}

#define DAY INT64_C(20115) /* 2025-01-27 */

static int64_t at(int h, int m) { return sw_ny_to_utc(DAY, h, m, 0); }

Test(chart, alerts_levels_and_the_path)
{
    sw_colseries cs;
    cr_assert_eq(sw_colseries_init(&cs, at(0, 0), at(24, 0), 15 * SW_NS_PER_SEC), 0);
    for (int i = 0; i < 390; i++)
        sw_colseries_add(&cs, at(9, 30) + i * SW_NS_PER_MIN, 125 - i * 0.01);
    sw_colseries_add(&cs, at(12, 0) + 500, 110); /* one trade far below the rest */
    sw_chart_slot slot = { .from = at(9, 0), .to = at(16, 0), .open = at(9, 30), .close = at(16, 0),
                           .series = &cs, .scale = 100 / 142.62, .offset = -100,
                           .bar_open = NAN, .bar_high = NAN, .bar_low = NAN, .bar_close = NAN };
    sw_chart_level levels[] = { { -5, 1 }, { -10, 2 }, { 5, 1 }, { 10, 2 }, { -40, 2 } };
    sw_chart_mark marks[] = {
        { at(9, 30), -12.49, 2, "8baa0b0c5937e012", "NVDA -12.49%", 0 },
        { at(13, 44), -17.49, 2, NULL, "the same alert, second drawing", 0 },
        { at(10, 0), -5.1, 1, "00000000000000aa", "a warning", 0 },
        { at(11, 0), -6, 0, "00000000000000bb", "an info", 0 },
    };
    sw_chart c = { .width = 300, .height = 170, .title = "NVDA", .subtitle = "142.62 -> 118.42",
                   .value = "-16.97%", .label = "NVDA", .y_lo = -25, .y_hi = 5, .y_unit = "%",
                   .slots = &slot, .n_slots = 1, .levels = levels, .n_levels = 5, .marks = marks, .n_marks = 4 };
    rec *r = new_rec();
    sw_chart_draw(&c, &r->pen);
    cr_expect_eq(r->begun, 1);
    cr_expect_eq(r->ended, 1);
    cr_expect_eq(r->open_groups, 0u, "every group closed");
    /* Four marks; three are alerts, the echo is a "mark"; critical last. */
    cr_assert_eq(r->n_groups, 4u);
    size_t alerts = 0;
    for (size_t i = 0; i < 4; i++)
        alerts += strncmp(r->group_cls[i], "alert ", 6) == 0;
    cr_expect_eq(alerts, 3u);
    cr_expect_str_eq(r->group_cls[0], "alert info");
    cr_expect_str_eq(r->group_cls[1], "alert warning");
    cr_expect_str_eq(r->group_cls[2], "alert critical");
    cr_expect_str_eq(r->group_cls[3], "mark critical");
    cr_expect_null(r->group_id[3]);
    cr_expect_str_eq(r->group_title[2], "NVDA -12.49%");
    /* Shapes: a circle for info, polygons for warning and critical. */
    cr_expect_geq(r->n_circles, 1u);
    /* Levels inside [-25, 5]: -5 and -10 only (5 is the frame's edge, +10
     * and -40 are outside). */
    cr_expect_eq(paths_in(r, sw_severity_rgb[1], 1), 1u);
    cr_expect_eq(paths_in(r, sw_severity_rgb[2], 1), 1u);
    /* The price path: its lowest point is the one-trade dip to 110
     * (-22.87%), mapped inside the frame. */
    const rec_path *price = NULL;
    for (size_t i = 0; i < r->n_paths; i++)
        if (r->paths[i].st.stroke == 0x1f1f1f && r->paths[i].n > 10)
            price = &r->paths[i];
    cr_assert_not_null(price);
    double y_frame_top = 27, y_frame_bottom = 170 - 19;
    double want = y_frame_bottom - (-22.87 + 25) / 30 * (y_frame_bottom - y_frame_top);
    cr_expect(fabs(price->max_y - want) < 0.2, "the dip at y %g, expected %g", price->max_y, want);
    cr_expect_leq(price->n, 4 * 300u, "reduced to the pixel columns");
    cr_expect(has_text(r, "NVDA") && has_text(r, "-16.97%"));
    cr_expect(has_text(r, "10:00") && has_text(r, "16:00"), "clock ticks");
    cr_expect(has_text(r, "\xE2\x88\x92" "10%"), "a round value tick with the typographic minus");
    /* Through the SVG pen: exactly three alert elements. */
    sw_dbuf b;
    sw_dbuf_init(&b, 1 << 20);
    sw_svg svg;
    sw_svg_init(&svg, &b, 0);
    sw_chart_draw(&c, &svg.pen);
    cr_assert(!sw_dbuf_error(&b));
    cr_expect_eq(sw_test_count(b.p, "class=\"alert "), 3);
    cr_expect_eq(sw_test_count(b.p, "class=\"mark "), 1);
    cr_expect_eq(sw_test_count(b.p, "data-id="), 3);
    sw_dbuf_free(&b);
    sw_colseries_free(&cs);
}

Test(chart, week_slots_closed_day_bar_and_gaps)
{
    sw_chart_slot slots[3];
    memset(slots, 0, sizeof slots);
    for (int d = 0; d < 3; d++) {
        slots[d].from = sw_ny_to_utc(DAY + d, 9, 30, 0);
        slots[d].to = sw_ny_to_utc(DAY + d, 16, 0, 0);
        slots[d].open = slots[d].from;
        slots[d].close = slots[d].to;
        slots[d].scale = 1;
        slots[d].bar_open = slots[d].bar_high = slots[d].bar_low = slots[d].bar_close = NAN;
    }
    slots[0].label = "Mon 27 Jan";
    slots[0].open = INT64_MAX; /* closed */
    slots[0].close = INT64_MIN;
    slots[0].note = "closed";
    slots[1].label = "Tue 28 Jan";
    slots[1].bar_open = -1, slots[1].bar_high = 2, slots[1].bar_low = -3, slots[1].bar_close = 1;
    slots[2].label = "Wed 29 Jan";
    slots[2].bar_open = 1.5, slots[2].bar_high = 4, slots[2].bar_low = 1, slots[2].bar_close = 3;
    sw_chart_mark m = { slots[1].from + 3600 * SW_NS_PER_SEC, 2, 1, "id1", "t", 1 };
    sw_chart c = { .width = 400, .height = 170, .title = "X", .y_lo = -5, .y_hi = 5, .y_unit = "%",
                   .slots = slots, .n_slots = 3, .marks = &m, .n_marks = 1, .gaps = 1 };
    rec *r = new_rec();
    sw_chart_draw(&c, &r->pen);
    cr_expect(has_text(r, "closed"), "the closed day is named");
    cr_expect(has_text(r, "Mon 27 Jan") && has_text(r, "Wed 29 Jan"), "day labels instead of clock ticks");
    cr_expect(!has_text(r, "10:00"));
    /* Two bars of three strokes each (range, open, close) and one dashed
     * line from Tuesday's close to Wednesday's open. */
    cr_expect_eq(paths_in(r, 0x1f1f1f, 0), 6u);
    cr_expect_eq(paths_in(r, 0x6b6b6b, 1), 1u);
    cr_expect_eq(r->n_groups, 1u);
}

Test(chart, breadth_counts_and_need_line)
{
    int16_t upw[8] = { 0 }, upc[8] = { 0 }, dnw[8] = { 0, 5, 9, 11, 11, 10, 10, 9 };
    int16_t dnc[8] = { 0, 3, 7, 9, 9, 9, 8, 8 }, need[8] = { -1, 4, 5, 7, 7, 7, 7, 7 };
    sw_chart_mark m = { at(9, 30), -4, 2, "81035f225895a6f0", "ai: 4 of 7", 0 };
    sw_chart_counts c = { .width = 1240, .height = 150, .title = "ai breadth", .label = "ai",
                          .from = at(9, 0), .to = at(11, 0), .open = at(9, 30), .close = at(16, 0),
                          .t0 = at(9, 0), .step = 15 * SW_NS_PER_MIN, .n = 8, .up = { upw, upc },
                          .down = { dnw, dnc }, .need = need, .members = 13, .marks = &m, .n_marks = 1 };
    rec *r = new_rec();
    sw_chart_counts_draw(&c, &r->pen);
    size_t areas = 0, dashed = 0;
    for (size_t i = 0; i < r->n_paths; i++) {
        areas += r->paths[i].closed && r->paths[i].st.stroke == SW_RGB_NONE; /* not the marks */
        dashed += !r->paths[i].closed && r->paths[i].st.dash > 0;
    }
    cr_expect_eq(areas, 2u, "down by the warning and the critical level; nothing up (%zu)", areas);
    cr_expect_eq(dashed, 1u, "the need line, on the side that moved (%zu)", dashed);
    cr_expect_eq(r->n_groups, 1u);
    cr_expect_str_eq(r->group_cls[0], "alert critical");
    cr_expect(has_text(r, "10 down") || has_text(r, "5 down"), "counts labelled by direction");
    cr_expect(!has_text(r, "10 up"), "the up side is no taller than its counts: nothing moved up");
}
