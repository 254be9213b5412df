/* sw_cairo.c -- see sw_cairo.h. */
#include "sw_cairo.h"

#include "sw_escape.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIDE 8192 /* device pixels: a chart is never this big; a bug must not allocate gigabytes */

static sw_cairo *of(sw_pen *p)
{
    return (sw_cairo *)p;
}

static cairo_t *cr_of(sw_pen *p)
{
    sw_cairo *c = of(p);
    return c->failed ? NULL : c->cr;
}

static void set_rgb(cairo_t *cr, sw_rgb c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0);
}

/* Fill and stroke the current path as st says, as the SVG pen's fill,
 * stroke, stroke-width and stroke-dasharray attributes do. */
static void paint(cairo_t *cr, const sw_style *st)
{
    if (st->fill != SW_RGB_NONE) {
        set_rgb(cr, st->fill);
        cairo_fill_preserve(cr);
    }
    if (st->stroke != SW_RGB_NONE && st->width > 0) {
        set_rgb(cr, st->stroke);
        cairo_set_line_width(cr, st->width);
        if (st->dash > 0)
            cairo_set_dash(cr, &st->dash, 1, 0);
        cairo_stroke_preserve(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    cairo_new_path(cr);
}

static void c_begin(sw_pen *p, double w, double h, const char *label)
{
    (void)label; /* a raster has no accessible name; the message around it does */
    sw_cairo *c = of(p);
    double dw = ceil(w * c->scale), dh = ceil(h * c->scale);
    if (c->surface || !(dw >= 1 && dh >= 1 && dw <= MAX_SIDE && dh <= MAX_SIDE)) {
        c->failed = 1;
        return;
    }
    c->width = (int)dw;
    c->height = (int)dh;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, c->width, c->height);
    cairo_t *cr = cairo_create(s);
    c->surface = s;
    c->cr = cr;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        c->failed = 1;
        return;
    }
    cairo_scale(cr, c->scale, c->scale);
    cairo_set_source_rgb(cr, 1, 1, 1); /* the SVG's page is white too */
    cairo_paint(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
}

static void c_end(sw_pen *p)
{
    sw_cairo *c = of(p);
    if (c->cr && cairo_status(c->cr) != CAIRO_STATUS_SUCCESS)
        c->failed = 1;
    if (c->surface)
        cairo_surface_flush(c->surface);
}

static void c_rect(sw_pen *p, double x, double y, double w, double h, const sw_style *st)
{
    cairo_t *cr = cr_of(p);
    if (!cr)
        return;
    cairo_rectangle(cr, x, y, w, h);
    paint(cr, st);
}

static void c_path(sw_pen *p, const double *xy, size_t n, int closed, const sw_style *st)
{
    cairo_t *cr = cr_of(p);
    if (!cr || n == 0)
        return;
    cairo_move_to(cr, xy[0], xy[1]);
    for (size_t i = 1; i < n; i++)
        cairo_line_to(cr, xy[2 * i], xy[2 * i + 1]);
    if (closed)
        cairo_close_path(cr);
    /* As the SVG pen: open lines keep round joins, so a spike stays a spike. */
    cairo_set_line_join(cr, closed ? CAIRO_LINE_JOIN_MITER : CAIRO_LINE_JOIN_ROUND);
    paint(cr, st);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
}

static void c_circle(sw_pen *p, double cx, double cy, double r, const sw_style *st)
{
    cairo_t *cr = cr_of(p);
    if (!cr || !(r > 0))
        return;
    cairo_new_sub_path(cr);
    cairo_arc(cr, cx, cy, r, 0, 6.283185307179586);
    paint(cr, st);
}

/* s with every byte that is not part of valid UTF-8 (or is a control
 * character) replaced by U+FFFD; malloc'd, NULL when out of memory. */
static char *clean_utf8(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t k = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? 0 : sw_utf8_seq(s + i, n - i);
        if (k == 0) {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(o, s + i, k);
            o += k;
            i += k;
        }
    }
    *o = '\0';
    return out;
}

static void c_text(sw_pen *p, double x, double y, const char *s, double size, sw_anchor a, int bold, sw_rgb color)
{
    cairo_t *cr = cr_of(p);
    if (!cr || !s[0])
        return;
    char *t = clean_utf8(s);
    if (!t) {
        of(p)->failed = 1;
        return;
    }
    /* The family the SVG names first (font-family="DejaVu Sans,..."). */
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    double dx = 0;
    if (a != SW_ANCHOR_START) {
        cairo_text_extents_t ext;
        cairo_text_extents(cr, t, &ext);
        dx = a == SW_ANCHOR_MIDDLE ? ext.x_advance / 2 : ext.x_advance;
    }
    set_rgb(cr, color);
    cairo_move_to(cr, x - dx, y);
    cairo_show_text(cr, t);
    cairo_new_path(cr);
    free(t);
}

static void c_group_begin(sw_pen *p, const char *cls, const char *id, const char *title)
{
    (void)p;
    (void)cls;
    (void)id;
    (void)title;
}

static void c_group_end(sw_pen *p)
{
    (void)p;
}

static const sw_pen cairo_pen = {
    NULL, c_begin, c_end, c_rect, c_path, c_circle, c_text, c_group_begin, c_group_end,
};

void sw_cairo_init(sw_cairo *c, double scale)
{
    memset(c, 0, sizeof *c);
    c->pen = cairo_pen;
    c->pen.ctx = c;
    c->scale = scale >= 0.25 && scale <= 4 ? scale : 1;
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    sw_dbuf *b = closure;
    sw_dbuf_add(b, (const char *)data, len);
    return sw_dbuf_error(b) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

int sw_cairo_png(sw_cairo *c, sw_dbuf *out)
{
    if (c->failed || !c->surface || cairo_surface_status(c->surface) != CAIRO_STATUS_SUCCESS)
        return -1;
    if (cairo_surface_write_to_png_stream(c->surface, to_buf, out) != CAIRO_STATUS_SUCCESS || sw_dbuf_error(out))
        return -1;
    return 0;
}

void sw_cairo_fini(sw_cairo *c)
{
    if (c->cr)
        cairo_destroy(c->cr);
    if (c->surface)
        cairo_surface_destroy(c->surface);
    c->cr = c->surface = NULL;
}

void sw_cairo_shutdown(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}
