/*
 * sw_cairo.h -- the charts' pen (sw_svg.h) on a cairo image surface: the
 * picture the SVG pen writes, rasterized and encoded as a PNG for the places
 * that cannot show SVG -- an e-mail client, Telegram, Discord.
 *
 * The charts (sw_chart.h) only ever call a pen, so the PNG is the same layout
 * as the SVG, drawn by cairo (libcairo2): rectangles, paths (round joins on
 * open lines, as the SVG pen asks), circles, and text through cairo's "toy"
 * text API with the family the SVG names first, DejaVu Sans (Debian's
 * fonts-dejavu-core, found through fontconfig).  Groups (an alert's id and
 * tooltip) have no meaning in a raster: their contents are drawn.  Text that
 * is not valid UTF-8 is drawn with U+FFFD in place of the bad bytes (cairo
 * would otherwise refuse the whole string and stop drawing).
 *
 * Antialiasing makes edges blend, but the inside of every filled shape is
 * exactly its colour: a test can look for a severity's colour in the pixels.
 * The output is deterministic for one cairo and font version, not across
 * them (hinting, glyph shapes): tests check sizes and colours, not pixels.
 */
#ifndef SW_CAIRO_H
#define SW_CAIRO_H

#include "sw_svg.h"

#include <stddef.h>

typedef struct sw_cairo {
    sw_pen pen;                     /* first: the pen's functions get the sw_cairo */
    double scale;                   /* device pixels per chart px */
    void *surface, *cr;             /* cairo_surface_t, cairo_t once begun */
    int width, height;              /* of the surface, device pixels */
    int failed;                     /* a cairo call failed (out of memory, bad size) */
} sw_cairo;

/* A pen drawing at `scale` (1: one chart px is one pixel; 0.25 .. 4). */
void sw_cairo_init(sw_cairo *c, double scale);

/* After the drawing (pen.end): the PNG appended to out (bounded by its
 * maximum).  Returns 0, or -1 when nothing was drawn, cairo failed or out
 * is full. */
int sw_cairo_png(sw_cairo *c, sw_dbuf *out);

/* Free the surface (always, drawn or not). */
void sw_cairo_fini(sw_cairo *c);

/* At the end of a program that drew: let cairo and fontconfig free the font
 * caches they keep for the process (else a leak checker counts them). */
void sw_cairo_shutdown(void);

#endif
