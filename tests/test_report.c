/*
 * test_report.c -- the HTML day and week reports (daemon/charts/sw_report.c)
 * from a model built by hand: one "alert" element per alert wherever it
 * belongs (a symbol's chart, once even for a symbol in two groups; a group's
 * breadth chart; the strip of others), text from data escaped, no URL and
 * no script, numbers never "NaN", the headline and the movers in order, a
 * closed day in the week, and the same bytes for the same model.
 */
#include "sw_report.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sw_test_util.h"

#define MON INT64_C(20115) /* Monday 2025-01-27 */

static const char *names[] = { "NVDA", "X<b>&Y", "SPY" };

static void add(sw_daybook *b, size_t sym, int64_t day, int h, int m, double p, double ref)
{
    sw_tick t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "%s", names[sym]);
    t.price = p;
    t.ts_ns = sw_ny_to_utc(day, h, m, 0);
    cr_assert_eq(sw_daybook_add(b, sym, &t, ref), 0);
}

static sw_alert alert(const char *id, int64_t day, int h, int m, const char *sym, const char *group, int sev,
                      double price, int dir, const char *msg)
{
    sw_alert a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "%s", id);
    a.ts_ns = sw_ny_to_utc(day, h, m, 0);
    snprintf(a.symbol, sizeof a.symbol, "%s", sym);
    snprintf(a.group, sizeof a.group, "%s", group);
    snprintf(a.detector, sizeof a.detector, "%s", group[0] ? "breadth" : "pct_move");
    a.severity = (sw_severity)sev;
    a.price = price;
    a.direction = dir;
    a.reference = a.change_pct = a.zscore = NAN;
    snprintf(a.message, sizeof a.message, "%s", msg);
    return a;
}

static const size_t ai_members[] = { 0, 1 }, bench_members[] = { 2, 0 };
static const sw_report_group groups[] = {
    { "ai", ai_members, 2, 1, 3, 5, 0.5, 2 },
    { "bench", bench_members, 2, 0, 3, 5, 0.5, 3 },
};
static const sw_chart_level levels[] = { { 5, 1 }, { -5, 1 }, { 10, 2 }, { -10, 2 } };
static const char *inputs[] = { "data/x\"<y>.ndjson" };

static void fill_day(sw_daybook *b, int64_t day, double scale)
{
    sw_daybook_start(b, day, NULL);
    for (int i = 0; i < 390; i += 5) {
        add(b, 0, day, 9 + (30 + i) / 60, (30 + i) % 60, scale * (124.8 - i * 0.02), 142.62);
        add(b, 1, day, 9 + (30 + i) / 60, (30 + i) % 60, scale * (10 - i * 0.001), 10.5);
        add(b, 2, day, 9 + (30 + i) / 60, (30 + i) % 60, scale * (600 + i * 0.01), 607.97);
    }
}

static void expect_clean(const char *html)
{
    cr_expect(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    cr_expect(strstr(html, "</html>\n") != NULL);
    cr_expect(strstr(html, "<script") == NULL, "no script, nor a message that looks like one");
    cr_expect(strstr(html, "NaN") == NULL, "every number formatted");
    cr_expect(strstr(html, "src=") == NULL && strstr(html, "href=") == NULL && strstr(html, "url(") == NULL,
              "nothing to fetch");
    cr_expect(strstr(html, "//") == NULL, "no URL of any scheme");
}

static int count_id(const char *html, const char *id)
{
    char needle[64] = "data-id=\"";
    strncat(needle, id, 40);
    strcat(needle, "\"");
    return sw_test_count(html, needle);
}

Test(report, day_alerts_once_each_and_text_escaped)
{
    sw_daybook b;
    cr_assert_eq(sw_daybook_init(&b, 3, 15 * SW_NS_PER_SEC), 0);
    fill_day(&b, MON, 1);
    sw_alert al[] = {
        alert("a000000000000001", MON, 9, 30, "ai", "ai", 2, 0, -1, "ai: 2 of 2 members down 5% or more"),
        alert("a000000000000002", MON, 9, 31, "NVDA", "", 2, 124.7, -1, "NVDA -12.57% <script>x</script>"),
        alert("a000000000000003", MON, 10, 0, "SPY", "", 1, 600.3, -1, "SPY -1.26% & \"more\""),
        alert("a000000000000004", MON, 11, 0, "finnhub", "", 0, 0, 0, "feed gap of 12 s"),
        alert("a000000000000005", MON, 12, 0, "X<b>&Y", "", 1, 9.9, -1, "X<b>&Y down"),
    };
    sw_report r = { .books = &b, .n_books = 1, .symbols = names, .n_symbols = 3, .groups = groups, .n_groups = 2,
                    .alerts = al, .n_alerts = 5, .levels = levels, .n_levels = 4, .inputs = inputs, .n_inputs = 1,
                    .config = "cfg<x>.json", .n_detectors = 6, .version = "0.1.0" };
    sw_dbuf out;
    sw_dbuf_init(&out, 8 << 20);
    cr_assert_eq(sw_report_html(&r, &out), 0);
    const char *h = out.p;
    expect_clean(h);
    cr_expect_eq(sw_test_count(h, "class=\"alert "), 5, "one element per alert");
    for (size_t i = 0; i < 5; i++)
        cr_expect_eq(count_id(h, al[i].id), 1, "alert %s drawn once", al[i].id);
    cr_expect_eq(sw_test_count(h, "class=\"mark critical\""), 1, "NVDA's alert again in the second group");
    cr_expect_eq(sw_test_count(h, "class=\"alert critical\" data-id=\"a000000000000001\""), 1, "breadth");
    /* Data text escaped everywhere it appears. */
    cr_expect(strstr(h, "X<b>") == NULL);
    cr_expect(strstr(h, "X&lt;b&gt;&amp;Y") != NULL);
    cr_expect(strstr(h, "&lt;script&gt;x&lt;/script&gt;") != NULL);
    cr_expect(strstr(h, "cfg&lt;x&gt;.json") != NULL);
    cr_expect(strstr(h, "data/x&quot;&lt;y&gt;.ndjson") != NULL);
    /* The headline: the first critical, at its time, and the biggest move. */
    cr_expect(strstr(h, "<h1>ai: 2 of 2 members down 5% or more at 09:30:00 \xC2\xB7 NVDA \xE2\x88\x92") != NULL,
              "%.300s", strstr(h, "<h1>"));
    /* The other alert strip holds the feed gap. */
    cr_expect(strstr(h, "Other alerts") != NULL);
    /* Movers: NVDA (about -17.6%) before X<b>&Y (-8.4%) before SPY. */
    const char *mv = strstr(h, "<h2>Movers");
    cr_assert_not_null(mv);
    const char *p1 = strstr(mv, "<b>NVDA</b>"), *p2 = strstr(mv, "<b>X&lt;b&gt;&amp;Y</b>"), *p3 = strstr(mv, "<b>SPY</b>");
    cr_expect(p1 && p2 && p3 && p1 < p2 && p2 < p3);
    /* The same model, the same bytes. */
    sw_dbuf again;
    sw_dbuf_init(&again, 8 << 20);
    cr_assert_eq(sw_report_html(&r, &again), 0);
    cr_expect(again.len == out.len && memcmp(again.p, out.p, out.len) == 0);
    /* A page that does not fit is an error, not half a page. */
    sw_dbuf small;
    sw_dbuf_init(&small, 4096);
    cr_expect_eq(sw_report_html(&r, &small), -1);
    sw_dbuf_free(&small);
    sw_dbuf_free(&again);
    sw_dbuf_free(&out);
    sw_daybook_free(&b);
}

Test(report, week_with_a_closed_day)
{
    sw_calendar cal;
    sw_calendar_init(&cal);
    cr_assert_eq(sw_calendar_add_holiday(&cal, MON), 0);
    sw_calendar_set_coverage(&cal, MON - 30, MON + 30);
    sw_daybook books[5];
    for (int d = 0; d < 5; d++) {
        cr_assert_eq(sw_daybook_init(&books[d], 3, 60 * SW_NS_PER_SEC), 0);
        if (d == 0)
            sw_daybook_start(&books[d], MON, &cal);
        else
            fill_day(&books[d], MON + d, 1 + 0.01 * d);
    }
    sw_alert al[] = {
        alert("b000000000000001", MON + 1, 9, 31, "NVDA", "", 2, 124.7, -1, "NVDA down"),
        alert("b000000000000002", MON + 3, 10, 0, "ai", "ai", 1, 0, -1, "ai: breadth"),
    };
    sw_report r = { .week = 1, .books = books, .n_books = 5, .symbols = names, .n_symbols = 3, .groups = groups,
                    .n_groups = 2, .alerts = al, .n_alerts = 2, .levels = levels, .n_levels = 4, .cal = &cal,
                    .inputs = inputs, .n_inputs = 1, .n_detectors = 1, .version = "0.1.0" };
    sw_dbuf out;
    sw_dbuf_init(&out, 8 << 20);
    cr_assert_eq(sw_report_html(&r, &out), 0);
    const char *h = out.p;
    expect_clean(h);
    cr_expect_eq(sw_test_count(h, "class=\"alert "), 2);
    cr_expect_eq(count_id(h, "b000000000000001"), 1);
    cr_expect_eq(count_id(h, "b000000000000002"), 1);
    cr_expect(strstr(h, "Monday 27 January 2025 to Friday 31 January 2025") != NULL);
    cr_expect(strstr(h, "closed Mon 27 Jan") != NULL, "the holiday is said, not invented");
    cr_expect_geq(sw_test_count(h, "<td class=\"closed\">closed</td>"), 3, "in every symbol's row");
    cr_expect(strstr(h, "at the close of Fri 24 Jan") != NULL, "the week is measured from the close before it");
    cr_expect(strstr(h, "Alerts by day") != NULL);
    sw_dbuf_free(&out);
    for (int d = 0; d < 5; d++)
        sw_daybook_free(&books[d]);
}
