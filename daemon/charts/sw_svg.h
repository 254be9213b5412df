/*
 * sw_svg.h -- the text side of every picture we draw: numbers written
 * without printf, a small formatter for our markup, and the "pen" the
 * charts draw with, with its SVG implementation.
 *
 * Text goes into an sw_dbuf (alerts/sw_dbuf.h: grows up to a maximum given
 * at init, and past it, or out of memory, stays failed, so a writer checks
 * once at the end).  Text that comes from data (symbols, alert messages,
 * file names) always goes through sw_esc_html (alerts/sw_escape.h, the one
 * HTML escaper: & < > " ' become entities, control characters a space,
 * bytes that are not UTF-8 U+FFFD), so no input can close a tag, open a new
 * one or make the document invalid.
 *
 * Numbers are formatted here, not with printf: a fixed number of decimals,
 * rounded half away from zero on the double's value, "-0" never written, no
 * locale (a report, or a chart served to a browser, is byte-identical on any
 * machine).
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

#include "sw_dbuf.h"

#include <stddef.h>
#include <stdint.h>

/* ---- numbers and markup ---------------------------------------------------- */

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
void sw_put_num(sw_dbuf *b, double v, int decimals);
/* The shortest of 0..`decimals` decimals that shows v as exactly as
 * `decimals` do (12.5 rather than 12.50; 3 rather than 3.00). */
void sw_put_num_short(sw_dbuf *b, double v, int decimals);
void sw_put_int(sw_dbuf *b, long long v);
/*
 * Formatted text, with our own conversions (not printf's, whose %f follows
 * the locale):
 *   %s  a string as is (markup we wrote)   %h  a string escaped (sw_esc_html)
 *   %d  an int                             %l  a long long
 *   %0 .. %9  a double with that many decimals (sw_put_num)
 *   %%  a percent sign
 * Any other conversion is a bug in our markup: the text fails
 * (SW_DBUF_FORMAT).
 */
void sw_putf(sw_dbuf *b, const char *fmt, ...);

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
    sw_dbuf *b;
    int standalone;
} sw_svg;

void sw_svg_init(sw_svg *svg, sw_dbuf *b, int standalone);

/* "#rrggbb" of a colour (buf: 8 bytes). */
char *sw_rgb_hex(sw_rgb c, char buf[8]);

#endif
