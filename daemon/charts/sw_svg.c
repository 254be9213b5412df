/* sw_svg.c -- see sw_svg.h. */
#include "sw_svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- the buffer ---------------------------------------------------------- */

void sw_buf_init(sw_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void sw_buf_free(sw_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void sw_buf_reset(sw_buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->p)
        b->p[0] = '\0';
}

void sw_buf_add(sw_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (n > b->max || b->len > b->max - n) {
        b->failed = 1;
        return;
    }
    size_t need = b->len + n + 1;
    if (need > b->cap) {
        /* Half again what is needed: amortized growth, and never more than
         * the maximum allows. */
        size_t cap = need < 4096 ? 4096 : need + need / 2;
        char *p = realloc(b->p, cap < b->max + 1 ? cap : b->max + 1);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap < b->max + 1 ? cap : b->max + 1;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sw_buf_puts(sw_buf *b, const char *s)
{
    sw_buf_add(b, s, strlen(s));
}

void sw_buf_int(sw_buf *b, long long v)
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
    sw_buf_add(b, tmp + i, sizeof tmp - i);
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

void sw_buf_num(sw_buf *b, double v, int decimals)
{
    char tmp[SW_NUM_MAX];
    sw_buf_puts(b, sw_fmt_num(tmp, v, decimals, 0));
}

void sw_buf_num_short(sw_buf *b, double v, int decimals)
{
    char tmp[SW_NUM_MAX];
    sw_buf_puts(b, sw_fmt_num(tmp, v, decimals, SW_NUM_TRIM));
}

size_t sw_utf8_len(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    /* U+FFFE and U+FFFF are not characters XML allows. */
    if (len == 3 && c == 0xEF && s[1] == 0xBF && s[2] >= 0xBE)
        return 0;
    return len;
}

void sw_buf_esc_n(sw_buf *b, const char *str, size_t n)
{
    static const char bad[] = "\xEF\xBF\xBD"; /* U+FFFD */
    const unsigned char *s = (const unsigned char *)str;
    size_t run = 0; /* bytes copied as they are, written in one go */
    for (size_t i = 0; i < n;) {
        const char *rep = NULL;
        size_t step = 1;
        unsigned char c = s[i];
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        case '\t': case '\n': case '\r': break;
        default:
            if (c < 0x20 || c == 0x7F)
                rep = bad;
            else if (c >= 0x80 && (step = sw_utf8_len(str + i, n - i)) == 0) {
                rep = bad;
                step = 1;
            }
        }
        if (rep) {
            sw_buf_add(b, str + i - run, run);
            sw_buf_puts(b, rep);
            run = 0;
        } else {
            run += step;
        }
        i += step;
    }
    sw_buf_add(b, str + n - run, run);
}

void sw_buf_esc(sw_buf *b, const char *s)
{
    sw_buf_esc_n(b, s, strlen(s));
}

void sw_buf_f(sw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *run = fmt;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        sw_buf_add(b, run, (size_t)(p - run));
        char c = *++p;
        if (c == 's')
            sw_buf_puts(b, va_arg(ap, const char *));
        else if (c == 'h')
            sw_buf_esc(b, va_arg(ap, const char *));
        else if (c == 'd')
            sw_buf_int(b, va_arg(ap, int));
        else if (c == 'l')
            sw_buf_int(b, va_arg(ap, long long));
        else if (c >= '0' && c <= '9')
            sw_buf_num(b, va_arg(ap, double), c - '0');
        else if (c == '%')
            sw_buf_add(b, "%", 1);
        else /* a format we do not know: a bug in our own markup */
            b->failed = 1;
        if (!c)
            break;
        run = p + 1;
    }
    if (*run)
        sw_buf_puts(b, run);
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

static sw_buf *out_of(sw_pen *p)
{
    return ((sw_svg *)p)->b;
}

/* Coordinates to a tenth of a pixel: finer is invisible and only costs bytes. */
static void coord(sw_buf *b, double v)
{
    sw_buf_num_short(b, v, 1);
}

static void paint(sw_buf *b, const char *attr, sw_rgb c)
{
    char hex[8];
    sw_buf_f(b, " %s=\"%s\"", attr, c == SW_RGB_NONE ? "none" : sw_rgb_hex(c, hex));
}

static void style_attrs(sw_buf *b, const sw_style *st)
{
    paint(b, "fill", st->fill);
    if (st->stroke != SW_RGB_NONE && st->width > 0) {
        paint(b, "stroke", st->stroke);
        sw_buf_puts(b, " stroke-width=\"");
        sw_buf_num_short(b, st->width, 2);
        sw_buf_puts(b, "\"");
        if (st->dash > 0) {
            sw_buf_puts(b, " stroke-dasharray=\"");
            sw_buf_num_short(b, st->dash, 1);
            sw_buf_puts(b, "\"");
        }
    }
}

static void svg_begin(sw_pen *p, double w, double h, const char *label)
{
    sw_svg *s = (sw_svg *)p;
    sw_buf *b = s->b;
    sw_buf_puts(b, "<svg");
    if (s->standalone)
        sw_buf_puts(b, " xmlns=\"http://www.w3.org/2000/svg\"");
    sw_buf_f(b, " viewBox=\"0 0 %0 %0\" width=\"%0\" height=\"%0\" role=\"img\" aria-label=\"%h\""
                " font-family=\"DejaVu Sans,Verdana,Arial,sans-serif\">",
             w, h, w, h, label ? label : "");
}

static void svg_end(sw_pen *p)
{
    sw_buf_puts(out_of(p), "</svg>");
}

static void svg_rect(sw_pen *p, double x, double y, double w, double h, const sw_style *st)
{
    sw_buf *b = out_of(p);
    sw_buf_puts(b, "<rect x=\"");
    coord(b, x);
    sw_buf_puts(b, "\" y=\"");
    coord(b, y);
    sw_buf_puts(b, "\" width=\"");
    coord(b, w);
    sw_buf_puts(b, "\" height=\"");
    coord(b, h);
    sw_buf_puts(b, "\"");
    style_attrs(b, st);
    sw_buf_puts(b, "/>");
}

static void svg_path(sw_pen *p, const double *xy, size_t n, int closed, const sw_style *st)
{
    if (n == 0)
        return;
    sw_buf *b = out_of(p);
    sw_buf_puts(b, "<path d=\"");
    for (size_t i = 0; i < n; i++) {
        sw_buf_add(b, i == 0 ? "M" : "L", 1);
        coord(b, xy[2 * i]);
        sw_buf_add(b, " ", 1);
        coord(b, xy[2 * i + 1]);
    }
    if (closed)
        sw_buf_add(b, "Z", 1);
    sw_buf_puts(b, "\"");
    style_attrs(b, st);
    /* Lines keep their joins round, so a spike stays a spike at any zoom. */
    if (!closed)
        sw_buf_puts(b, " stroke-linejoin=\"round\"");
    sw_buf_puts(b, "/>");
}

static void svg_circle(sw_pen *p, double cx, double cy, double r, const sw_style *st)
{
    sw_buf *b = out_of(p);
    sw_buf_puts(b, "<circle cx=\"");
    coord(b, cx);
    sw_buf_puts(b, "\" cy=\"");
    coord(b, cy);
    sw_buf_puts(b, "\" r=\"");
    coord(b, r);
    sw_buf_puts(b, "\"");
    style_attrs(b, st);
    sw_buf_puts(b, "/>");
}

static void svg_text(sw_pen *p, double x, double y, const char *s, double size, sw_anchor a, int bold,
                     sw_rgb color)
{
    static const char *const anchors[] = { "start", "middle", "end" };
    sw_buf *b = out_of(p);
    sw_buf_puts(b, "<text x=\"");
    coord(b, x);
    sw_buf_puts(b, "\" y=\"");
    coord(b, y);
    sw_buf_puts(b, "\" font-size=\"");
    coord(b, size);
    sw_buf_puts(b, "\"");
    if (a != SW_ANCHOR_START)
        sw_buf_f(b, " text-anchor=\"%s\"", anchors[a]);
    if (bold)
        sw_buf_puts(b, " font-weight=\"bold\"");
    paint(b, "fill", color);
    sw_buf_puts(b, ">");
    sw_buf_esc(b, s);
    sw_buf_puts(b, "</text>");
}

static void svg_group_begin(sw_pen *p, const char *cls, const char *id, const char *title)
{
    sw_buf *b = out_of(p);
    sw_buf_f(b, "<g class=\"%h\"", cls);
    if (id)
        sw_buf_f(b, " data-id=\"%h\"", id);
    sw_buf_puts(b, ">");
    if (title)
        sw_buf_f(b, "<title>%h</title>", title);
}

static void svg_group_end(sw_pen *p)
{
    sw_buf_puts(out_of(p), "</g>");
}

static const sw_pen svg_pen = {
    NULL, svg_begin, svg_end, svg_rect, svg_path, svg_circle, svg_text, svg_group_begin, svg_group_end,
};

void sw_svg_init(sw_svg *svg, sw_buf *b, int standalone)
{
    svg->pen = svg_pen;
    svg->pen.ctx = svg;
    svg->b = b;
    svg->standalone = standalone;
}
