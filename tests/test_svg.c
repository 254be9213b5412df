/*
 * test_svg.c -- the text side of the drawings (daemon/charts/sw_svg.c):
 * numbers written without printf or the locale, our own format conversions
 * into an sw_dbuf, and the SVG pen's elements with text escaped by
 * sw_esc_html (the buffer and the escaper have their own tests: test_dbuf,
 * test_escape).
 */
#include "sw_svg.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static char *num(double v, int dec, int flags)
{
    static char buf[SW_NUM_MAX];
    return sw_fmt_num(buf, v, dec, flags);
}

Test(svg, numbers_fixed_precision_without_the_locale)
{
    cr_expect_str_eq(num(-16.9716, 2, 0), "-16.97");
    cr_expect_str_eq(num(142.62, 2, 0), "142.62");
    cr_expect_str_eq(num(0.125, 2, 0), "0.13");      /* half away from zero (0.125 is exact) */
    cr_expect_str_eq(num(-0.125, 2, 0), "-0.13");
    cr_expect_str_eq(num(2.5, 0, 0), "3");
    cr_expect_str_eq(num(7, 3, 0), "7.000");
    cr_expect_str_eq(num(1234567.891, 1, 0), "1234567.9");
    cr_expect_str_eq(num(0.00004, 4, 0), "0.0000");
    /* Never a negative zero, whatever rounds to zero. */
    cr_expect_str_eq(num(-0.0, 2, 0), "0.00");
    cr_expect_str_eq(num(-0.004, 2, 0), "0.00");
    cr_expect_str_eq(num(-0.004, 2, SW_NUM_MINUS | SW_NUM_PLUS), "0.00");
    cr_expect_str_eq(num(NAN, 2, 0), "NaN");
    cr_expect_str_eq(num(INFINITY, 2, 0), "NaN");
    /* For people: a typographic minus and an explicit plus. */
    cr_expect_str_eq(num(-16.97, 2, SW_NUM_MINUS), "\xE2\x88\x92" "16.97");
    cr_expect_str_eq(num(1.91, 2, SW_NUM_PLUS), "+1.91");
    cr_expect_str_eq(num(5.0, 2, SW_NUM_TRIM), "5");
    cr_expect_str_eq(num(2.50, 2, SW_NUM_TRIM), "2.5");
    cr_expect_str_eq(num(-10, 2, SW_NUM_TRIM | SW_NUM_MINUS), "\xE2\x88\x92" "10");
    /* Huge values are clamped, not overflowed. */
    cr_expect_str_eq(num(1e300, 2, 0), "9000000000000000");
}

Test(svg, format_conversions)
{
    sw_dbuf b;
    sw_dbuf_init(&b, 1024);
    sw_putf(&b, "<a x=\"%1\" n=\"%d\" l=\"%l\" t=\"%h\">%s %% %0</a>", 12.345, -7, (long long)1 << 40, "<b>",
            "<i>", 2.5);
    cr_assert(!sw_dbuf_error(&b));
    cr_expect_str_eq(b.p, "<a x=\"12.3\" n=\"-7\" l=\"1099511627776\" t=\"&lt;b&gt;\"><i> % 3</a>");
    sw_dbuf_reset(&b);
    sw_put_int(&b, -9223372036854775807LL - 1);
    sw_put_num_short(&b, 12.50, 2);
    cr_expect_str_eq(b.p, "-922337203685477580812.5");
    sw_dbuf_reset(&b);
    sw_putf(&b, "%q");
    cr_expect_eq(sw_dbuf_error(&b), SW_DBUF_FORMAT, "an unknown conversion is our bug: the buffer says so");
    sw_dbuf_free(&b);
    /* Bounded by the buffer: the text fails, nothing half written. */
    sw_dbuf_init(&b, 10);
    sw_putf(&b, "%s%d", "01234567", 42);
    cr_expect_eq(sw_dbuf_error(&b), 0);
    sw_putf(&b, "%h", "&");
    cr_expect_eq(sw_dbuf_error(&b), SW_DBUF_TOOBIG);
    cr_expect_str_eq(b.p, "0123456742");
    sw_dbuf_free(&b);
}

Test(svg, pen_writes_elements_with_explicit_colours_and_escaped_text)
{
    sw_dbuf b;
    sw_dbuf_init(&b, 1 << 16);
    sw_svg svg;
    sw_svg_init(&svg, &b, 1);
    sw_pen *p = &svg.pen;
    p->begin(p, 300, 170, "NVDA & co");
    sw_style st = { 0x0072B2, 0x1a1a1a, 0.9, 0 };
    p->rect(p, 1, 2.25, 3, 4, &st);
    double xy[] = { 0, 0, 10.04, 5.06, 20, 0 };
    sw_style line = { SW_RGB_NONE, 0xB40426, 1.1, 4 };
    p->path(p, xy, 3, 0, &line);
    p->text(p, 5, 16, "<NVDA>", 13, SW_ANCHOR_END, 1, 0x262626);
    p->group_begin(p, "alert critical", "8baa0b0c5937e012", "NVDA \"-12.49%\" <b>");
    p->circle(p, 1, 2, 3, &st);
    p->group_end(p);
    p->text(p, 0, 0, "bad\x01\xff\xEF\xBF\xBF", 9, SW_ANCHOR_START, 0, 0);
    p->end(p);
    cr_assert(!sw_dbuf_error(&b));
    cr_expect(strstr(b.p, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300 170\"") == b.p, "%s", b.p);
    cr_expect(strstr(b.p, "aria-label=\"NVDA &amp; co\""));
    cr_expect(strstr(b.p, "<rect x=\"1\" y=\"2.3\" width=\"3\" height=\"4\" fill=\"#0072b2\" stroke=\"#1a1a1a\" "
                          "stroke-width=\"0.9\"/>"), "%s", b.p);
    cr_expect(strstr(b.p, "<path d=\"M0 0L10 5.1L20 0\" fill=\"none\" stroke=\"#b40426\" stroke-width=\"1.1\" "
                          "stroke-dasharray=\"4\""), "%s", b.p);
    cr_expect(strstr(b.p, "text-anchor=\"end\" font-weight=\"bold\" fill=\"#262626\">&lt;NVDA&gt;</text>"));
    cr_expect(strstr(b.p, "<g class=\"alert critical\" data-id=\"8baa0b0c5937e012\"><title>NVDA &quot;-12.49%&quot; "
                          "&lt;b&gt;</title><circle"), "%s", b.p);
    /* Still XML whatever the text: no control character, no U+FFFF. */
    cr_expect(strstr(b.p, ">bad \xEF\xBF\xBD\xEF\xBF\xBD</text></svg>"), "%s", b.p);
    /* Inline in a page: no namespace, no URL at all. */
    sw_dbuf_reset(&b);
    sw_svg_init(&svg, &b, 0);
    p->begin(p, 10, 10, "x");
    p->end(p);
    cr_expect(strstr(b.p, "http") == NULL, "%s", b.p);
    char hex[8];
    cr_expect_str_eq(sw_rgb_hex(0xE69F00, hex), "#e69f00");
    sw_dbuf_free(&b);
}
