/*
 * sw_svg.h -- the text side of every picture we draw: a bounded growing
 * buffer, numbers written without printf, text escaped for SVG and HTML,
 * and the "pen" the charts draw with, with its SVG implementation.
 *
 * The buffer grows by doubling up to a hard maximum given at init (curl's
 * dynbuf): past it, or when memory runs out, it stops taking text and stays
 * `failed`, so a writer checks once at the end instead of after every call.
 *
 * Numbers are formatted here, not with printf: a fixed number of decimals,
 * rounded half away from zero on the double's value, "-0" never written, no
 * locale (a report, or a chart served to a browser, is byte-identical on any
 * machine).  Text that comes from data (symbols, alert messages, file names)
 * always goes through sw_buf_esc: & < > " ' become entities, control
 * characters and bytes that are not UTF-8 become U+FFFD, so no input can
 * close a tag, open a new one or make the document invalid.
 *
 * A pen is a small table of drawing operations (rectangle, path, circle,
 * text, a group standing for one alert).  The charts (sw_chart.h) only ever
 * call a pen, so one layout serves the SVG pen below and any other pen -- a
 * cairo pen drawing the same picture into a PNG, or a counting pen in tests.
 * Colours are explicit 0xRRGGBB values on every element (no stylesheet), so
 * an SVG served on its own looks the same as inside the report.
 */
#ifndef SW_SVG_H
#define SW_SVG_H

#include <stddef.h>
#include <stdint.h>

/* ---- the buffer ---------------------------------------------------------- */

typedef struct sw_buf {
    char *p;              /* NUL-terminated while not failed; NULL until the first byte */
    size_t len, cap, max;
    int failed;           /* sticky: over `max` or out of memory */
} sw_buf;

void sw_buf_init(sw_buf *b, size_t max);
void sw_buf_free(sw_buf *b);
/* Forget the text, keep the memory (and clear `failed`). */
void sw_buf_reset(sw_buf *b);
void sw_buf_add(sw_buf *b, const char *s, size_t n);
void sw_buf_puts(sw_buf *b, const char *s);
/* Number formatting into a caller's buffer (at least SW_NUM_MAX bytes):
 * v with `decimals` (0..9) decimals, rounded half away from zero, never
 * "-0"; NaN and infinities give "NaN".  Flags: SW_NUM_PLUS writes "+" before
 * a positive value, SW_NUM_MINUS the typographic minus U+2212 instead of
 * "-" (for text people read; markup and data keep "-"), SW_NUM_TRIM leaves
 * out trailing zeros. */
#define SW_NUM_MAX 40
enum { SW_NUM_PLUS = 1, SW_NUM_MINUS = 2, SW_NUM_TRIM = 4 /* no trailing zeros: 5 rather than 5.00 */ };
char *sw_fmt_num(char *buf, double v, int decimals, int flags);

/* v with `decimals` (0..9) decimals (sw_fmt_num without flags). */
void sw_buf_num(sw_buf *b, double v, int decimals);
/* The shortest of 0..`decimals` decimals that shows v as exactly as
 * `decimals` do (12.5 rather than 12.50; 3 rather than 3.00). */
void sw_buf_num_short(sw_buf *b, double v, int decimals);
void sw_buf_int(sw_buf *b, long long v);
/* Length of the valid UTF-8 sequence at s (1..4 bytes, at most n), or 0 if
 * the bytes there are not UTF-8 (overlong forms, surrogates, values past
 * U+10FFFF, U+FFFE and U+FFFF included). */
size_t sw_utf8_len(const char *s, size_t n);
/* Text escaped for an SVG/HTML element or a quoted attribute. */
void sw_buf_esc(sw_buf *b, const char *s);
void sw_buf_esc_n(sw_buf *b, const char *s, size_t n);
/*
 * Formatted text, with our own conversions (not printf's):
 *   %s  a string as is (markup we wrote)   %h  a string escaped (sw_buf_esc)
 *   %d  an int                             %l  a long long
 *   %0 .. %9  a double with that many decimals (sw_buf_num)
 *   %%  a percent sign
 */
void sw_buf_f(sw_buf *b, const char *fmt, ...);

/* ---- the pen ------------------------------------------------------------- */

typedef uint32_t sw_rgb;            /* 0xRRGGBB */
#define SW_RGB_NONE 0xFFFFFFFFu     /* no fill, or no stroke */

typedef struct sw_style {
    sw_rgb fill;
    sw_rgb stroke;
    double width;                   /* stroke width, px */
    double dash;                    /* dash length, px; 0: solid */
} sw_style;

typedef enum sw_anchor {
    SW_ANCHOR_START = 0,
    SW_ANCHOR_MIDDLE = 1,
    SW_ANCHOR_END = 2
} sw_anchor;

typedef struct sw_pen sw_pen;
struct sw_pen {
    void *ctx;
    /* A picture of w x h px; `label` names it for screen readers. */
    void (*begin)(sw_pen *p, double w, double h, const char *label);
    void (*end)(sw_pen *p);
    void (*rect)(sw_pen *p, double x, double y, double w, double h, const sw_style *st);
    /* n points (x0, y0, x1, y1, ...); closed: a polygon, else a polyline. */
    void (*path)(sw_pen *p, const double *xy, size_t n, int closed, const sw_style *st);
    void (*circle)(sw_pen *p, double cx, double cy, double r, const sw_style *st);
    /* Text with its baseline at y; size in px. */
    void (*text)(sw_pen *p, double x, double y, const char *s, double size, sw_anchor a, int bold, sw_rgb color);
    /* What is drawn until group_end stands for one thing: an element of class
     * `cls` with data-id `id` (NULL: none) and a tooltip `title`.  Pens that
     * cannot carry these (a raster) just draw the contents. */
    void (*group_begin)(sw_pen *p, const char *cls, const char *id, const char *title);
    void (*group_end)(sw_pen *p);
};

/* The SVG pen: writes one <svg> element into b -- inline in an HTML page,
 * or `standalone` (with the XML namespace a file or an image/svg+xml reply
 * needs).  Draw with &svg->pen. */
typedef struct sw_svg {
    sw_pen pen;                     /* first: the pen's functions get the sw_svg */
    sw_buf *b;
    int standalone;
} sw_svg;

void sw_svg_init(sw_svg *svg, sw_buf *b, int standalone);

/* "#rrggbb" of a colour (buf: 8 bytes). */
char *sw_rgb_hex(sw_rgb c, char buf[8]);

#endif
