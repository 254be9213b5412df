/* sw_svg.c -- see sw_svg.h. */
#include "sw_svg.h"

#include "sw_escape.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

/* ---- numbers and markup ---------------------------------------------------- */

void sw_put_int(sw_dbuf *b, long long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    sw_dbuf_add(b, tmp + i, sizeof tmp - i);
}

static const double pow10_tab[10] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };

char *sw_fmt_num(char *buf, double v, int decimals, int flags)
{
    if (!isfinite(v)) {
        memcpy(buf, "NaN", 4);
        return buf;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    double scaled = round(fabs(v) * pow10_tab[decimals]); /* half away from zero */
    if (scaled >= 9e15) {
        /* Beyond what a picture ever holds: clamp rather than overflow. */
        scaled = 9e15;
        decimals = 0;
    }
    unsigned long long u = (unsigned long long)scaled;
    while ((flags & SW_NUM_TRIM) && decimals > 0 && u % 10 == 0) {
        u /= 10;
        decimals--;
    }
    char tmp[SW_NUM_MAX];
    size_t i = sizeof tmp;
    tmp[--i] = '\0';
    for (int d = 0; d < decimals; d++) {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    }
    if (decimals)
        tmp[--i] = '.';
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0 && scaled > 0) { /* never "-0" or "-0.00" */
        if (flags & SW_NUM_MINUS) {
            i -= 3;
            memcpy(tmp + i, "\xE2\x88\x92", 3);
        } else {
            tmp[--i] = '-';
        }
    } else if (v > 0 && scaled > 0 && (flags & SW_NUM_PLUS)) {
        tmp[--i] = '+';
    }
    memcpy(buf, tmp + i, sizeof tmp - i);
    return buf;
}

void sw_put_num(sw_dbuf *b, double v, int decimals)
{
    char tmp[SW_NUM_MAX];
    sw_dbuf_addstr(b, sw_fmt_num(tmp, v, decimals, 0));
}

void sw_put_num_short(sw_dbuf *b, double v, int decimals)
{
    char tmp[SW_NUM_MAX];
    sw_dbuf_addstr(b, sw_fmt_num(tmp, v, decimals, SW_NUM_TRIM));
}

void sw_putf(sw_dbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *run = fmt;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        sw_dbuf_add(b, run, (size_t)(p - run));
        char c = *++p;
        if (c == 's')
            sw_dbuf_addstr(b, va_arg(ap, const char *));
        else if (c == 'h')
            sw_esc_html(b, va_arg(ap, const char *));
        else if (c == 'd')
            sw_put_int(b, va_arg(ap, int));
        else if (c == 'l')
            sw_put_int(b, va_arg(ap, long long));
        else if (c >= '0' && c <= '9')
            sw_put_num(b, va_arg(ap, double), c - '0');
        else if (c == '%')
            sw_dbuf_add(b, "%", 1);
        else /* a format we do not know: a bug in our own markup */
            sw_dbuf_fail(b, SW_DBUF_FORMAT);
        if (!c)
            break;
        run = p + 1;
    }
    if (*run)
        sw_dbuf_addstr(b, run);
    va_end(ap);
}

/* ---- the SVG pen ------------------------------------------------------- */

char *sw_rgb_hex(sw_rgb c, char buf[8])
{
    static const char hex[] = "0123456789abcdef";
    buf[0] = '#';
    for (int i = 0; i < 6; i++)
        buf[1 + i] = hex[(c >> (20 - 4 * i)) & 0xF];
    buf[7] = '\0';
    return buf;
}

static sw_dbuf *out_of(sw_pen *p)
{
    return ((sw_svg *)p)->b;
}

/* Coordinates to a tenth of a pixel: finer is invisible and only costs bytes. */
static void coord(sw_dbuf *b, double v)
{
    sw_put_num_short(b, v, 1);
}

static void paint(sw_dbuf *b, const char *attr, sw_rgb c)
{
    char hex[8];
    sw_putf(b, " %s=\"%s\"", attr, c == SW_RGB_NONE ? "none" : sw_rgb_hex(c, hex));
}

static void style_attrs(sw_dbuf *b, const sw_style *st)
{
    paint(b, "fill", st->fill);
    if (st->stroke != SW_RGB_NONE && st->width > 0) {
        paint(b, "stroke", st->stroke);
        sw_dbuf_addstr(b, " stroke-width=\"");
        sw_put_num_short(b, st->width, 2);
        sw_dbuf_addstr(b, "\"");
        if (st->dash > 0) {
            sw_dbuf_addstr(b, " stroke-dasharray=\"");
            sw_put_num_short(b, st->dash, 1);
            sw_dbuf_addstr(b, "\"");
        }
    }
}

static void svg_begin(sw_pen *p, double w, double h, const char *label)
{
    sw_svg *s = (sw_svg *)p;
    sw_dbuf *b = s->b;
    sw_dbuf_addstr(b, "<svg");
    if (s->standalone)
        sw_dbuf_addstr(b, " xmlns=\"http://www.w3.org/2000/svg\"");
    sw_putf(b, " viewBox=\"0 0 %0 %0\" width=\"%0\" height=\"%0\" role=\"img\" aria-label=\"%h\""
                " font-family=\"DejaVu Sans,Verdana,Arial,sans-serif\">",
             w, h, w, h, label ? label : "");
}

static void svg_end(sw_pen *p)
{
    sw_dbuf_addstr(out_of(p), "</svg>");
}

static void svg_rect(sw_pen *p, double x, double y, double w, double h, const sw_style *st)
{
    sw_dbuf *b = out_of(p);
    sw_dbuf_addstr(b, "<rect x=\"");
    coord(b, x);
    sw_dbuf_addstr(b, "\" y=\"");
    coord(b, y);
    sw_dbuf_addstr(b, "\" width=\"");
    coord(b, w);
    sw_dbuf_addstr(b, "\" height=\"");
    coord(b, h);
    sw_dbuf_addstr(b, "\"");
    style_attrs(b, st);
    sw_dbuf_addstr(b, "/>");
}

static void svg_path(sw_pen *p, const double *xy, size_t n, int closed, const sw_style *st)
{
    if (n == 0)
        return;
    sw_dbuf *b = out_of(p);
    sw_dbuf_addstr(b, "<path d=\"");
    for (size_t i = 0; i < n; i++) {
        sw_dbuf_add(b, i == 0 ? "M" : "L", 1);
        coord(b, xy[2 * i]);
        sw_dbuf_add(b, " ", 1);
        coord(b, xy[2 * i + 1]);
    }
    if (closed)
        sw_dbuf_add(b, "Z", 1);
    sw_dbuf_addstr(b, "\"");
    style_attrs(b, st);
    /* Lines keep their joins round, so a spike stays a spike at any zoom. */
    if (!closed)
        sw_dbuf_addstr(b, " stroke-linejoin=\"round\"");
    sw_dbuf_addstr(b, "/>");
}

static void svg_circle(sw_pen *p, double cx, double cy, double r, const sw_style *st)
{
    sw_dbuf *b = out_of(p);
    sw_dbuf_addstr(b, "<circle cx=\"");
    coord(b, cx);
    sw_dbuf_addstr(b, "\" cy=\"");
    coord(b, cy);
    sw_dbuf_addstr(b, "\" r=\"");
    coord(b, r);
    sw_dbuf_addstr(b, "\"");
    style_attrs(b, st);
    sw_dbuf_addstr(b, "/>");
}

static void svg_text(sw_pen *p, double x, double y, const char *s, double size, sw_anchor a, int bold,
                     sw_rgb color)
{
    static const char *const anchors[] = { "start", "middle", "end" };
    sw_dbuf *b = out_of(p);
    sw_dbuf_addstr(b, "<text x=\"");
    coord(b, x);
    sw_dbuf_addstr(b, "\" y=\"");
    coord(b, y);
    sw_dbuf_addstr(b, "\" font-size=\"");
    coord(b, size);
    sw_dbuf_addstr(b, "\"");
    if (a != SW_ANCHOR_START)
        sw_putf(b, " text-anchor=\"%s\"", anchors[a]);
    if (bold)
        sw_dbuf_addstr(b, " font-weight=\"bold\"");
    paint(b, "fill", color);
    sw_dbuf_addstr(b, ">");
    sw_esc_html(b, s);
    sw_dbuf_addstr(b, "</text>");
}

static void svg_group_begin(sw_pen *p, const char *cls, const char *id, const char *title)
{
    sw_dbuf *b = out_of(p);
    sw_putf(b, "<g class=\"%h\"", cls);
    if (id)
        sw_putf(b, " data-id=\"%h\"", id);
    sw_dbuf_addstr(b, ">");
    if (title)
        sw_putf(b, "<title>%h</title>", title);
}

static void svg_group_end(sw_pen *p)
{
    sw_dbuf_addstr(out_of(p), "</g>");
}

static const sw_pen svg_pen = {
    NULL, svg_begin, svg_end, svg_rect, svg_path, svg_circle, svg_text, svg_group_begin, svg_group_end,
};

void sw_svg_init(sw_svg *svg, sw_dbuf *b, int standalone)
{
    svg->pen = svg_pen;
    svg->pen.ctx = svg;
    svg->b = b;
    svg->standalone = standalone;
}
