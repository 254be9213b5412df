/*
 * test_cairo.c -- the cairo pen (daemon/charts/sw_cairo.c) and the charts
 * drawn with it: a day's symbol chart and a group's chart as PNGs, decoded
 * with libpng -- the stated size, the white page, the critical alert's
 * colour where its marker is (the inside of a filled shape is exactly its
 * colour), the group members' line colours; scale; text that is not UTF-8
 * drawn without stopping the picture; a size no chart has refused; the
 * output bounded by its buffer.
 */
#include "sw_cairo.h"
#include "sw_chart.h"
#include "sw_report.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <png.h>
#include <string.h>

typedef struct picture {
    unsigned w, h;
    unsigned char *px; /* RGB */
} picture;

static picture decode(const sw_dbuf *b)
{
    picture p = { 0, 0, NULL };
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    cr_assert(png_image_begin_read_from_memory(&img, b->p, b->len), "not a PNG");
    img.format = PNG_FORMAT_RGB;
    p.px = malloc(PNG_IMAGE_SIZE(img));
    cr_assert(png_image_finish_read(&img, NULL, p.px, 0, NULL));
    p.w = img.width;
    p.h = img.height;
    return p;
}

static unsigned at(const picture *p, unsigned x, unsigned y)
{
    const unsigned char *c = p->px + 3 * ((size_t)y * p->w + x);
    return (unsigned)c[0] << 16 | (unsigned)c[1] << 8 | c[2];
}

static size_t count(const picture *p, unsigned rgb)
{
    size_t n = 0;
    for (unsigned y = 0; y < p->h; y++)
        for (unsigned x = 0; x < p->w; x++)
            n += at(p, x, y) == rgb;
    return n;
}

#define OPEN INT64_C(1737988200000000000) /* 2025-01-27 09:30 New York */

/* NVDA and AMD through the first hour of 2025-01-27, one critical alert. */
typedef struct day {
    sw_daybook bk;
    sw_alert alert;
    const char *names[2];
    size_t members[2];
    sw_report_group group;
    sw_report r;
    sw_chart_level levels[2];
} day;

static void make_day(day *d)
{
    memset(d, 0, sizeof *d);
    cr_assert_eq(sw_daybook_init(&d->bk, 2, 15 * SW_NS_PER_SEC), 0);
    sw_daybook_start(&d->bk, sw_ny_day(OPEN, NULL), NULL);
    for (int i = 0; i < 240; i++) {
        sw_tick t = { .symbol = "NVDA", .price = 125 - (i % 17) * 0.3, .ts_ns = OPEN + i * INT64_C(15000000000) };
        sw_daybook_add(&d->bk, 0, &t, 142.62);
        sw_tick u = { .symbol = "AMD", .price = 118 + (i % 5) * 0.2, .ts_ns = OPEN + i * INT64_C(15000000000) };
        sw_daybook_add(&d->bk, 1, &u, 122.0);
    }
    sw_alert *a = &d->alert;
    snprintf(a->id, sizeof a->id, "c204c20ba0b74d8c");
    snprintf(a->symbol, sizeof a->symbol, "NVDA");
    snprintf(a->detector, sizeof a->detector, "pct_move");
    snprintf(a->message, sizeof a->message, "NVDA -12.49%% vs previous close 142.62");
    a->severity = SW_SEV_CRITICAL;
    a->ts_ns = OPEN + INT64_C(600000000000);
    a->price = 124.8;
    d->names[0] = "NVDA";
    d->names[1] = "AMD";
    d->members[0] = 0;
    d->members[1] = 1;
    d->group = (sw_report_group){ .name = "ai", .members = d->members, .n_members = 2 };
    d->levels[0] = (sw_chart_level){ -10, 2 };
    d->levels[1] = (sw_chart_level){ -5, 1 };
    d->r = (sw_report){ .books = &d->bk, .n_books = 1, .symbols = d->names, .n_symbols = 2, .groups = &d->group,
                        .n_groups = 1, .alerts = &d->alert, .n_alerts = 1, .levels = d->levels, .n_levels = 2 };
}

Test(cairo, symbol_chart_png_has_the_size_and_the_alert_colour)
{
    day d;
    make_day(&d);
    sw_cairo c;
    sw_cairo_init(&c, 1);
    cr_assert_eq(sw_report_symbol_chart(&d.r, 0, 800, 400, d.alert.id, &c.pen), 0);
    sw_dbuf png;
    sw_dbuf_init(&png, 1 << 22);
    cr_assert_eq(sw_cairo_png(&c, &png), 0);
    picture p = decode(&png);
    cr_assert(p.w == 800 && p.h == 400, "%ux%u", p.w, p.h);
    cr_assert_eq(at(&p, 799, 0), 0xffffff, "the page is white");
    /* The critical marker (and its focus ring) is drawn in the critical
     * colour; nothing else in the chart uses it except the -10% level. */
    size_t crit = count(&p, sw_severity_rgb[2]);
    cr_assert_gt(crit, 20, "%zu pixels of the critical colour", crit);
    cr_assert_gt(count(&p, 0x1f1f1f), 100, "the price path");
    free(p.px);
    sw_dbuf_free(&png);
    sw_cairo_fini(&c);

    /* Without the alert: the critical colour only in the dashed level. */
    d.r.n_alerts = 0;
    sw_cairo_init(&c, 1);
    cr_assert_eq(sw_report_symbol_chart(&d.r, 0, 800, 400, NULL, &c.pen), 0);
    sw_dbuf_init(&png, 1 << 22);
    cr_assert_eq(sw_cairo_png(&c, &png), 0);
    p = decode(&png);
    cr_assert_lt(count(&p, sw_severity_rgb[2]), crit);
    free(p.px);
    sw_dbuf_free(&png);
    sw_cairo_fini(&c);
    sw_cairo_shutdown();
    sw_daybook_free(&d.bk);
}

Test(cairo, group_chart_draws_each_member_in_its_colour_at_scale)
{
    day d;
    make_day(&d);
    sw_cairo c;
    sw_cairo_init(&c, 2);
    cr_assert_eq(sw_report_group_chart(&d.r, 0, 800, 400, NULL, &c.pen), 0);
    sw_dbuf png;
    sw_dbuf_init(&png, 1 << 23);
    cr_assert_eq(sw_cairo_png(&c, &png), 0);
    picture p = decode(&png);
    cr_assert(p.w == 1600 && p.h == 800, "scale 2: %ux%u", p.w, p.h);
    cr_assert_gt(count(&p, sw_line_rgb[0]), 50, "NVDA's line");
    cr_assert_gt(count(&p, sw_line_rgb[1]), 50, "AMD's line");
    cr_assert_gt(count(&p, sw_severity_rgb[2]), 20, "the member's critical alert");
    free(p.px);
    sw_dbuf_free(&png);
    sw_cairo_fini(&c);
    sw_cairo_shutdown();
    sw_daybook_free(&d.bk);
}

Test(cairo, bad_text_bad_sizes_and_a_full_buffer)
{
    sw_cairo c;
    sw_cairo_init(&c, 1);
    c.pen.begin(&c.pen, 200, 100, NULL);
    /* Not UTF-8, control characters: drawn with U+FFFD, the picture goes on. */
    c.pen.text(&c.pen, 10, 50, "bad \xff\xfe text\x01", 12, SW_ANCHOR_START, 1, 0x000000);
    sw_style st = { 0xB40426, SW_RGB_NONE, 0, 0 };
    c.pen.rect(&c.pen, 150, 10, 20, 20, &st);
    c.pen.end(&c.pen);
    sw_dbuf png;
    sw_dbuf_init(&png, 1 << 20);
    cr_assert_eq(sw_cairo_png(&c, &png), 0);
    picture p = decode(&png);
    cr_assert_eq(at(&p, 160, 20), 0xB40426u, "drawn after the bad text");
    free(p.px);
    sw_dbuf_free(&png);
    /* Too small a buffer: refused, never overrun. */
    sw_dbuf_init(&png, 100);
    cr_assert_eq(sw_cairo_png(&c, &png), -1);
    cr_assert_leq(png.len, 100);
    sw_dbuf_free(&png);
    sw_cairo_fini(&c);
    /* A size no chart has: nothing allocated, an error. */
    sw_cairo_init(&c, 4);
    c.pen.begin(&c.pen, 100000, 100, NULL);
    c.pen.rect(&c.pen, 0, 0, 10, 10, &st);
    c.pen.end(&c.pen);
    sw_dbuf_init(&png, 1 << 20);
    cr_assert_eq(sw_cairo_png(&c, &png), -1);
    sw_dbuf_free(&png);
    sw_cairo_fini(&c);
    /* Nothing drawn at all. */
    sw_cairo_init(&c, 1);
    sw_dbuf_init(&png, 1 << 20);
    cr_assert_eq(sw_cairo_png(&c, &png), -1);
    sw_dbuf_free(&png);
    sw_cairo_fini(&c);
    sw_cairo_shutdown();
}
