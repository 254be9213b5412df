/*
 * test_svg.c -- the text side of the drawings (daemon/charts/sw_svg.c): the
 * bounded buffer, numbers written without printf or the locale, escaping of
 * text from data for SVG and HTML, our own format conversions, and the SVG
 * pen's elements.
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

static char *esc(const char *s, size_t n)
{
    static sw_buf b;
    sw_buf_free(&b);
    sw_buf_init(&b, 1 << 16);
    sw_buf_esc_n(&b, s, n);
    return b.p ? b.p : (char *)"";
}

Test(svg, escaping_leaves_no_markup_and_no_invalid_text)
{
    const char *evil = "<script>alert('x')</script> & \"q\"";
    cr_expect_str_eq(esc(evil, strlen(evil)),
                     "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    /* UTF-8 passes: the minus sign, an accent, an emoji. */
    const char *utf = "\xE2\x88\x92 caf\xC3\xA9 \xF0\x9F\x93\x89";
    cr_expect_str_eq(esc(utf, strlen(utf)), utf);
    /* Control characters and bytes that are not UTF-8 become U+FFFD; tabs
     * and newlines stay. */
    const char bad[] = "a\x01" "b\x7f" "c\xff" "d\xC3" "e\xED\xA0\x80" "f\xC0\xAF" "g\t\n";
    cr_expect_str_eq(esc(bad, sizeof bad - 1),
                     "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD" "d\xEF\xBF\xBD" "e\xEF\xBF\xBD\xEF\xBF\xBD"
                     "\xEF\xBF\xBD" "f\xEF\xBF\xBD\xEF\xBF\xBD" "g\t\n");
    /* A NUL inside the given length is not a terminator of the output. */
    cr_expect_str_eq(esc("x\0y", 3), "x\xEF\xBF\xBDy");
    /* A truncated sequence at the very end. */
    cr_expect_str_eq(esc("ok\xE2\x88", 4), "ok\xEF\xBF\xBD\xEF\xBF\xBD");
    /* U+FFFE is not a character XML allows. */
    cr_expect_str_eq(esc("\xEF\xBF\xBE", 3), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

Test(svg, format_conversions)
{
    sw_buf b;
    sw_buf_init(&b, 1024);
    sw_buf_f(&b, "<a x=\"%1\" n=\"%d\" l=\"%l\" t=\"%h\">%s %% %0</a>", 12.345, -7, (long long)1 << 40, "<b>",
             "<i>", 2.5);
    cr_assert(!b.failed);
    cr_expect_str_eq(b.p, "<a x=\"12.3\" n=\"-7\" l=\"1099511627776\" t=\"&lt;b&gt;\"><i> % 3</a>");
    sw_buf_reset(&b);
    sw_buf_f(&b, "%q");
    cr_expect(b.failed, "an unknown conversion is our bug: the buffer says so");
    sw_buf_free(&b);
}

Test(svg, buffer_is_bounded_and_failure_sticks)
{
    sw_buf b;
    sw_buf_init(&b, 10);
    sw_buf_puts(&b, "0123456789");
    cr_assert(!b.failed);
    cr_expect_eq(b.len, 10u);
    sw_buf_puts(&b, "x");
    cr_expect(b.failed, "past the maximum");
    cr_expect_eq(b.len, 10u, "nothing half written");
    sw_buf_puts(&b, "");
    cr_expect(b.failed, "stays failed");
    sw_buf_reset(&b);
    cr_expect(!b.failed);
    cr_expect_eq(b.len, 0u);
    /* Growth across many doublings keeps every byte. */
    sw_buf big;
    sw_buf_init(&big, 1 << 20);
    for (int i = 0; i < 100000; i++)
        sw_buf_int(&big, i % 10);
    cr_assert(!big.failed);
    cr_expect_eq(big.len, 100000u);
    cr_expect_eq(big.p[99999], '9');
    cr_expect_eq(big.p[100000], '\0');
    sw_buf_free(&big);
    sw_buf_free(&b);
}

Test(svg, pen_writes_elements_with_explicit_colours_and_escaped_text)
{
    sw_buf b;
    sw_buf_init(&b, 1 << 16);
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
    p->end(p);
    cr_assert(!b.failed);
    cr_expect(strstr(b.p, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300 170\"") == b.p, "%s", b.p);
    cr_expect(strstr(b.p, "aria-label=\"NVDA &amp; co\""));
    cr_expect(strstr(b.p, "<rect x=\"1\" y=\"2.3\" width=\"3\" height=\"4\" fill=\"#0072b2\" stroke=\"#1a1a1a\" "
                          "stroke-width=\"0.9\"/>"), "%s", b.p);
    cr_expect(strstr(b.p, "<path d=\"M0 0L10 5.1L20 0\" fill=\"none\" stroke=\"#b40426\" stroke-width=\"1.1\" "
                          "stroke-dasharray=\"4\""), "%s", b.p);
    cr_expect(strstr(b.p, "text-anchor=\"end\" font-weight=\"bold\" fill=\"#262626\">&lt;NVDA&gt;</text>"));
    cr_expect(strstr(b.p, "<g class=\"alert critical\" data-id=\"8baa0b0c5937e012\"><title>NVDA &quot;-12.49%&quot; "
                          "&lt;b&gt;</title><circle"), "%s", b.p);
    cr_expect(strstr(b.p, "</g></svg>"));
    /* Inline in a page: no namespace, no URL at all. */
    sw_buf_reset(&b);
    sw_svg_init(&svg, &b, 0);
    p->begin(p, 10, 10, "x");
    p->end(p);
    cr_expect(strstr(b.p, "http") == NULL, "%s", b.p);
    char hex[8];
    cr_expect_str_eq(sw_rgb_hex(0xE69F00, hex), "#e69f00");
    sw_buf_free(&b);
}
