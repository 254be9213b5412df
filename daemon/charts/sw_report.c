/* sw_report.c -- see sw_report.h. */
#include "sw_report.h"
#include "sw_axis.h"
#include "sw_time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PANEL_W 300.0
#define PANEL_H 170.0
#define WIDE_W 1240.0
#define BREADTH_H 150.0
#define STRIP_H 64.0
#define NO_SEVERITY -1

static const char *const weekday_long[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                            "Saturday" };
static const char *const weekday_short[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const month_long[] = { "January", "February", "March",     "April",   "May",      "June",
                                          "July",    "August",   "September", "October", "November", "December" };
static const char *const month_short[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* ---- small formatters (into caller's buffers; never the locale) ------------ */

/* "-16.97%" with the typographic minus and a plus for gains; "–" if unknown. */
static char *pct(char *buf, double v)
{
    if (!isfinite(v)) {
        strcpy(buf, "\xE2\x80\x93");
        return buf;
    }
    sw_fmt_num(buf, v, 2, SW_NUM_PLUS | SW_NUM_MINUS);
    strcat(buf, "%");
    return buf;
}

/* A price as the feeds print it: 2 decimals, 4 below one unit. */
static char *price(char *buf, double p)
{
    if (!isfinite(p)) {
        strcpy(buf, "\xE2\x80\x93");
        return buf;
    }
    return sw_fmt_num(buf, p, fabs(p) < 1 ? 4 : 2, SW_NUM_MINUS);
}

static double move_pct(double p, double base)
{
    return isfinite(p) && isfinite(base) && base > 0 ? (p / base - 1) * 100 : NAN;
}

/* "Monday 27 January 2025" (full) or "Mon 27 Jan". */
static char *date_text(char *buf, int64_t day, int full)
{
    int y, m, d;
    sw_civil_from_days(day, &y, &m, &d);
    char num[SW_NUM_MAX];
    strcpy(buf, full ? weekday_long[sw_weekday(day)] : weekday_short[sw_weekday(day)]);
    strcat(buf, " ");
    strcat(buf, sw_fmt_num(num, d, 0, 0));
    strcat(buf, " ");
    strcat(buf, full ? month_long[m - 1] : month_short[m - 1]);
    if (full) {
        strcat(buf, " ");
        strcat(buf, sw_fmt_num(num, y, 0, 0));
    }
    return buf;
}

static char *long_date(char *buf, int64_t day)
{
    return date_text(buf, day, 1);
}

static char *short_date(char *buf, int64_t day)
{
    return date_text(buf, day, 0);
}

/* How long after the open: "0.190 s", "15 min 19 s", "4 h 14 min", or
 * "12 min before" for a pre-market alert. */
static char *delay(char *buf, int64_t d)
{
    char num[SW_NUM_MAX];
    int before = d < 0;
    if (before)
        d = -d;
    if (d < 60 * SW_NS_PER_SEC) {
        strcpy(buf, sw_fmt_num(num, (double)d / 1e9, 3, 0));
        strcat(buf, " s");
    } else if (d < 3600 * SW_NS_PER_SEC) {
        int64_t s = d / SW_NS_PER_SEC;
        strcpy(buf, sw_fmt_num(num, (double)(s / 60), 0, 0));
        strcat(buf, " min ");
        strcat(buf, sw_fmt_num(num, (double)(s % 60), 0, 0));
        strcat(buf, " s");
    } else {
        int64_t m = d / SW_NS_PER_MIN;
        strcpy(buf, sw_fmt_num(num, (double)(m / 60), 0, 0));
        strcat(buf, " h ");
        strcat(buf, sw_fmt_num(num, (double)(m % 60), 0, 0));
        strcat(buf, " min");
    }
    if (before)
        strcat(buf, " before");
    return buf;
}

/* ---- the page's frame ------------------------------------------------------ */

static const char css[] =
    ":root{color-scheme:light}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "body{margin:20px auto;max-width:1280px;padding:0 16px;font:14px/1.45 \"DejaVu Sans\",Verdana,Arial,"
    "sans-serif;color:#262626;background:#fff}"
    "header{border-bottom:2px solid #262626;padding-bottom:10px}"
    ".kicker{margin:0;color:#5a5a5a;font-size:13px;letter-spacing:.02em}"
    "h1{font-size:22px;line-height:1.25;margin:6px 0 6px}"
    ".summary{margin:0 0 8px;font-size:14px}"
    "h2{font-size:18px;margin:26px 0 8px;padding-bottom:3px;border-bottom:1px solid #c8c8c8}"
    "h2 small{font-size:13px;font-weight:normal;color:#5a5a5a;margin-left:8px}"
    ".panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:10px 12px}"
    ".panels.week{grid-template-columns:repeat(auto-fill,minmax(380px,1fr))}"
    "figure{margin:0}"
    "figure.wide{margin-top:12px}"
    "figcaption{font-size:12px;color:#5a5a5a;margin:2px 0 0 46px}"
    "svg{display:block;width:100%;height:auto}"
    "svg.sev{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin-right:4px}"
    ".legend{max-width:1240px;margin-top:6px}"
    "table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums;margin-top:4px}"
    "th,td{padding:3px 9px;border-bottom:1px solid #e3e3e3;text-align:right;white-space:nowrap}"
    "th{font-weight:bold;border-bottom:1px solid #8c8c8c;vertical-align:bottom}"
    "th:first-child,td:first-child,td.l,th.l{text-align:left}"
    "td.msg{text-align:left;white-space:normal}"
    "td.closed{color:#8c8c8c}"
    "footer{margin-top:28px;padding-top:8px;border-top:1px solid #c8c8c8;font-size:12px;color:#5a5a5a}"
    "footer p{margin:4px 0}"
    "@media print{body{margin:0;max-width:none;padding:0;font-size:10pt}"
    ".panels{grid-template-columns:repeat(4,1fr)}.panels.week{grid-template-columns:repeat(3,1fr)}"
    "section,figure,tr{break-inside:avoid}h2{break-after:avoid}}"
    "@page{size:A4 landscape;margin:10mm}";

static void page_begin(sw_dbuf *b, const char *title)
{
    sw_putf(b,
             "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<title>%h</title>\n<style>%s</style>\n</head>\n<body>\n",
             title, css);
}

/* A severity's shape as a small picture for tables and text. */
static void glyph(sw_dbuf *b, int sev)
{
    sw_putf(b, "<svg class=\"sev\" viewBox=\"0 0 12 12\" role=\"img\" aria-label=\"%s\">",
             sw_severity_css[sev]);
    sw_svg svg;
    sw_svg_init(&svg, b, 0);
    sw_chart_marker(&svg.pen, 6, 6.5, sev, 9);
    sw_dbuf_addstr(b, "</svg>");
}

/* The legend: severity shapes and what every line and shade means. */
static void legend(sw_dbuf *b, const sw_report *r, const char *ref_text, int levels, int shade, int closed)
{
    sw_svg svg;
    sw_svg_init(&svg, b, 0);
    sw_pen *pen = &svg.pen;
    sw_dbuf_addstr(b, "<div class=\"legend\">");
    pen->begin(pen, WIDE_W, 26, "legend");
    double x = 4;
    for (int sev = 2; sev >= 0; sev--) {
        sw_chart_marker(pen, x + 6, 13, sev, 11);
        pen->text(pen, x + 16, 17, sw_severity_css[sev], 12, SW_ANCHOR_START, 0, 0x262626);
        x += sev == 2 ? 84 : 80;
    }
    x += 10;
    double xy[4] = { x, 13, x + 22, 13 };
    sw_style ink = { SW_RGB_NONE, 0x1f1f1f, 1.4, 0 };
    pen->path(pen, xy, 2, 0, &ink);
    pen->text(pen, x + 28, 17, ref_text, 12, SW_ANCHOR_START, 0, 0x262626);
    x += 28 + 7.3 * (double)strlen(ref_text) + 12;
    int shown[3] = { 0, 0, 0 };
    for (size_t i = 0; levels && i < r->n_levels; i++) {
        int sev = r->levels[i].severity;
        if (sev < 1 || sev > 2 || shown[sev])
            continue;
        shown[sev] = 1;
        double lxy[4] = { x, 13, x + 22, 13 };
        sw_style dash = { SW_RGB_NONE, sw_severity_rgb[sev], 1.4, 4 };
        pen->path(pen, lxy, 2, 0, &dash);
        char lab[64], num[SW_NUM_MAX];
        strcpy(lab, "pct_move ");
        strcat(lab, sev == 2 ? "critical " : "warning ");
        strcat(lab, sw_fmt_num(num, fabs(r->levels[i].v), 2, SW_NUM_TRIM));
        strcat(lab, "%");
        pen->text(pen, x + 28, 17, lab, 12, SW_ANCHOR_START, 0, 0x262626);
        x += 28 + 7.3 * (double)strlen(lab) + 12;
    }
    sw_style ground = { 0xececec, 0xb4b4b4, 0.8, 0 };
    if (shade) {
        pen->rect(pen, x, 6, 20, 14, &ground);
        pen->text(pen, x + 26, 17, "outside regular hours", 12, SW_ANCHOR_START, 0, 0x262626);
        x += 26 + 7.3 * 21 + 12;
    }
    if (closed) {
        pen->rect(pen, x, 6, 20, 14, &ground);
        for (double d = 0; d < 20; d += 7) {
            double hxy[4] = { x + d, 20, x + d + 6, 6 };
            sw_style hatch = { SW_RGB_NONE, 0xa8a8a8, 0.8, 0 };
            pen->path(pen, hxy, 2, 0, &hatch);
        }
        pen->text(pen, x + 26, 17, "market closed (calendar)", 12, SW_ANCHOR_START, 0, 0x262626);
    }
    pen->end(pen);
    sw_dbuf_addstr(b, "</div>\n");
}

static void footer(sw_dbuf *b, const sw_report *r)
{
    sw_dbuf_addstr(b, "<footer>\n<p>Made by shock-report");
    if (r->version)
        sw_putf(b, " %h", r->version);
    sw_dbuf_addstr(b, " from ");
    for (size_t i = 0; i < r->n_inputs; i++)
        sw_putf(b, "%s<code>%h</code>", i ? ", " : "", r->inputs[i]);
    if (r->config)
        sw_putf(b, " with the configuration <code>%h</code>", r->config);
    sw_dbuf_addstr(b, ". ");
    if (r->alerts_file)
        sw_putf(b, "Alerts: read from <code>%h</code>.", r->alerts_file);
    else
        sw_putf(b, "Alerts: the inputs replayed through the configuration's %l detectors and alert policy, "
                    "exactly as <code>shockd --replay</code> does (same alerts, same ids).",
                 (long long)r->n_detectors);
    sw_dbuf_addstr(b, "</p>\n<p>Times are New York time (ET). Moves are against the previous close the engine held "
                   "at each symbol's first trade of the day, the price <code>pct_move</code> compares with; "
                   "a symbol without one in the inputs is measured against its first trade. Paths keep, per "
                   "pixel column, the first, lowest, highest and last trade, so no extreme is lost.</p>\n");
    int daily = 0;
    for (size_t d = 0; d < r->n_books; d++)
        for (size_t i = 0; i < r->books[d].n; i++)
            daily |= sw_daybook_daily_only(&r->books[d].syms[i]);
    if (daily)
        sw_dbuf_addstr(b, "<p>A day known only from a daily bar is drawn as that bar (open, high, low, close) "
                       "with its alerts on it; replay gives a bar's four prices the times 09:30, 11:40, 13:50 "
                       "and 16:00, which is what the alerts of such a day say.</p>\n");
    if (r->notes && r->notes[0])
        sw_putf(b, "<p>Inputs: %h</p>\n", r->notes);
    sw_dbuf_addstr(b, "</footer>\n</body>\n</html>\n");
}

/* ---- alerts: where each one is drawn ---------------------------------------- */

static int find_symbol(const sw_report *r, const char *name)
{
    for (size_t i = 0; i < r->n_symbols; i++)
        if (strcmp(r->symbols[i], name) == 0)
            return (int)i;
    return -1;
}

/* The first group listing symbol i, or -1. */
static int first_group(const sw_report *r, size_t sym)
{
    for (size_t g = 0; g < r->n_groups; g++)
        for (size_t k = 0; k < r->groups[g].n_members; k++)
            if (r->groups[g].members[k] == sym)
                return (int)g;
    return -1;
}

/* The group an alert is about (a breadth alert names it), or -1. */
static int alert_group(const sw_report *r, const sw_alert *a)
{
    for (size_t g = 0; g < r->n_groups; g++)
        if ((a->group[0] && strcmp(a->group, r->groups[g].name) == 0) ||
            (find_symbol(r, a->symbol) < 0 && strcmp(a->symbol, r->groups[g].name) == 0))
            return (int)g;
    return -1;
}

/* Drawn in a symbol's chart, a group's chart, or the strip of others. */
enum { AT_SYMBOL, AT_GROUP, AT_OTHER };
static int alert_place(const sw_report *r, const sw_alert *a)
{
    if (alert_group(r, a) >= 0)
        return AT_GROUP;
    int s = find_symbol(r, a->symbol);
    return s >= 0 && first_group(r, (size_t)s) >= 0 ? AT_SYMBOL : AT_OTHER;
}

/* The tooltip: "09:30:00.190 ET · critical · pct_move · NVDA -12.49% vs ...". */
static char *alert_title(char *buf, size_t len, const sw_alert *a, int with_date)
{
    char clock[16], date[16];
    size_t n = 0;
    buf[0] = '\0';
    if (with_date) {
        sw_ny_date(sw_ny_day(a->ts_ns, NULL), date);
        n = strlen(date);
        memcpy(buf, date, n);
        buf[n++] = ' ';
    }
    const char *parts[] = { sw_ny_clock(a->ts_ns, 2, clock), " ET \xC2\xB7 ", a->resolved ? "resolved" :
                            sw_severity_css[a->severity], " \xC2\xB7 ", a->detector, " \xC2\xB7 ", a->message };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t k = strlen(parts[i]);
        if (n + k >= len)
            k = len - 1 - n;
        memcpy(buf + n, parts[i], k);
        n += k;
    }
    buf[n] = '\0';
    return buf;
}

static int sev_of(const sw_alert *a)
{
    return a->severity < 0 ? 0 : a->severity > 2 ? 2 : (int)a->severity;
}

/* ---- one price chart ---------------------------------------------------------- */

typedef struct report_ctx {
    const sw_report *r;
    sw_dbuf *b;
    char (*titles)[400];            /* one tooltip per alert */
    sw_chart_mark *marks;           /* scratch: one per alert */
    int64_t from, to;               /* the day's time span (day report) */
} report_ctx;

/* Which alerts a chart draws, and where: `pick` fills m->v (and at_bar,
 * or clears id for a second drawing) and returns 1 for an alert of this
 * chart.  Returns the number of marks in c->marks. */
typedef int (*pick_fn)(report_ctx *c, const sw_alert *a, sw_chart_mark *m, const void *arg);

static size_t gather(report_ctx *c, pick_fn pick, const void *arg, int with_date)
{
    const sw_report *r = c->r;
    size_t nm = 0;
    for (size_t i = 0; i < r->n_alerts; i++) {
        const sw_alert *a = &r->alerts[i];
        sw_chart_mark *m = &c->marks[nm];
        memset(m, 0, sizeof *m);
        m->t = a->ts_ns;
        m->v = 0.5;
        m->severity = sev_of(a);
        m->id = a->id;
        if (pick(c, a, m, arg))
            m->title = alert_title(c->titles[nm++], sizeof c->titles[0], a, with_date);
    }
    return nm;
}

/* One chart as a figure of the page. */
static void figure(report_ctx *c, const char *cls, const sw_chart *ch, const sw_chart_counts *cc)
{
    sw_svg svg;
    sw_svg_init(&svg, c->b, 0);
    sw_putf(c->b, "<figure class=\"%s\">", cls);
    if (ch)
        sw_chart_draw(ch, &svg.pen);
    else
        sw_chart_counts_draw(cc, &svg.pen);
    sw_dbuf_addstr(c->b, "</figure>\n");
}

/* Value of an alert in a chart measured against base: its price, or where
 * the path stood at its time (alerts without a price: stale, feed). */
static double alert_value(const sw_alert *a, const sw_daybook_sym *s, double base)
{
    double v = a->price > 0 ? move_pct(a->price, base) : NAN;
    if (isnan(v) && s && s->path.cols)
        v = move_pct(sw_colseries_at(&s->path, a->ts_ns), base);
    return isnan(v) ? 0 : v;
}

/* Lowest and highest move of symbol day s against base over [from, to). */
static int sym_range(const sw_daybook_sym *s, double base, int64_t from, int64_t to, double *lo, double *hi)
{
    double a, b;
    if (sw_daybook_daily_only(s)) {
        a = s->low;
        b = s->high;
        if (isnan(a) || isnan(b))
            return 0;
    } else if (!s->path.cols || !sw_colseries_range(&s->path, from, to, &a, &b)) {
        return 0;
    }
    double pa = move_pct(a, base), pb = move_pct(b, base);
    if (isnan(pa) || isnan(pb))
        return 0;
    *lo = fmin(*lo, pa);
    *hi = fmax(*hi, pb);
    return 1;
}

static void slot_for(sw_chart_slot *slot, const sw_daybook *book, const sw_daybook_sym *s, double base,
                     int64_t from, int64_t to)
{
    memset(slot, 0, sizeof *slot);
    slot->from = from;
    slot->to = to;
    slot->open = book->open;
    slot->close = book->close;
    slot->scale = isfinite(base) && base > 0 ? 100 / base : 0;
    slot->offset = -100;
    slot->bar_open = slot->bar_high = slot->bar_low = slot->bar_close = NAN;
    if (!s || s->ticks == 0)
        return;
    if (sw_daybook_daily_only(s)) {
        slot->bar_open = s->open;
        slot->bar_high = s->high;
        slot->bar_low = s->low;
        slot->bar_close = s->close;
    } else {
        slot->series = &s->path;
    }
}

/* ---- the day ----------------------------------------------------------------- */

static void day_span(const sw_report *r, int64_t *from, int64_t *to)
{
    const sw_daybook *bk = &r->books[0];
    int open = bk->open <= bk->close;
    /* At least half an hour before the open (shaded): the gap from the
     * previous close reads at a glance, and pre-market trades have room. */
    int64_t lo = open ? bk->open - 30 * SW_NS_PER_MIN : INT64_MAX, hi = open ? bk->close : INT64_MIN;
    for (size_t i = 0; i < bk->n; i++) {
        const sw_daybook_sym *s = &bk->syms[i];
        if (!s->ticks || sw_daybook_daily_only(s))
            continue;
        lo = s->first_ts < lo ? s->first_ts : lo;
        hi = s->last_ts > hi ? s->last_ts : hi;
    }
    if (lo > hi) {
        lo = bk->lo;
        hi = bk->hi;
    }
    /* Whole quarter hours from New York midnight. */
    int64_t q = 15 * SW_NS_PER_MIN;
    *from = bk->lo + (lo - bk->lo) / q * q;
    *to = bk->lo + (hi - bk->lo + q - 1) / q * q;
    if (*to <= *from)
        *to = *from + q;
}

static void group_range(const sw_report *r, const sw_report_group *g, int64_t from, int64_t to, double *lo,
                        double *hi)
{
    *lo = 0;
    *hi = 0;
    for (size_t k = 0; k < g->n_members; k++) {
        const sw_daybook_sym *s = &r->books[0].syms[g->members[k]];
        sym_range(s, sw_daybook_base(s), from, to, lo, hi);
    }
    sw_axis_nice(lo, hi, 5);
}

/* The alerts of one symbol's chart in group gi: on the day (a day report,
 * refs NULL: against the day's base), or on their day of the week (against
 * refs[day], the week's reference in that day's prices). */
typedef struct day_pick {
    size_t gi, sym;
    const double *refs;
} day_pick;

static int pick_day_symbol(report_ctx *c, const sw_alert *a, sw_chart_mark *m, const void *arg)
{
    const sw_report *r = c->r;
    const day_pick *dp = arg;
    if (strcmp(a->symbol, r->symbols[dp->sym]) != 0 || alert_place(r, a) != AT_SYMBOL)
        return 0;
    int64_t d = r->week ? sw_ny_day(a->ts_ns, NULL) - r->books[0].day : 0;
    if (d < 0 || d >= (int64_t)r->n_books)
        return 0;
    const sw_daybook_sym *s = &r->books[d].syms[dp->sym];
    double base = dp->refs ? dp->refs[d] : sw_daybook_base(s);
    m->v = alert_value(a, s, base);
    if (first_group(r, dp->sym) != (int)dp->gi)
        m->id = NULL;
    m->at_bar = sw_daybook_daily_only(s);
    return 1;
}

/* What a symbol's chart says under its name: "142.62 → 118.42", or what
 * its move is measured against.  sub: 160 bytes. */
static char *symbol_subtitle(const sw_daybook_sym *s, char *sub)
{
    char p1[SW_NUM_MAX], p2[SW_NUM_MAX];
    double last = isfinite(s->close) ? s->close : s->last;
    if (isfinite(s->ref) && s->ref > 0) {
        strcpy(sub, price(p1, s->ref));
        strcat(sub, " \xE2\x86\x92 ");
        strcat(sub, price(p2, last));
    } else if (s->ticks) {
        strcpy(sub, "no previous close: vs first trade ");
        strcat(sub, price(p1, s->first));
    } else {
        sub[0] = '\0';
    }
    return sub;
}

/* The chart of one symbol's day: title, subtitle, its move as the value,
 * the pct_move levels when there is a previous close; the caller sets
 * size, range and marks. */
static void symbol_chart(const sw_report *r, size_t sym, sw_chart_slot *slot, sw_chart_level *lv, char *sub,
                         char *val, char *label, int64_t from, int64_t to, sw_chart *ch)
{
    const sw_daybook *bk = &r->books[0];
    const sw_daybook_sym *s = &bk->syms[sym];
    const char *name = r->symbols[sym];
    double base = sw_daybook_base(s);
    slot_for(slot, bk, s, base, from, to);
    slot->note = s->ticks ? NULL : "no trades";
    double last = isfinite(s->close) ? s->close : s->last;
    strcpy(label, name);
    strcat(label, ": % move against the previous close through the session, alerts marked");
    size_t nl = r->n_levels < 16 ? r->n_levels : 16;
    if (nl)
        memcpy(lv, r->levels, nl * sizeof *lv);
    memset(ch, 0, sizeof *ch);
    ch->title = name;
    ch->subtitle = symbol_subtitle(s, sub);
    ch->value = s->ticks ? pct(val, move_pct(last, base)) : NULL;
    ch->label = label;
    ch->y_unit = "%";
    ch->slots = slot;
    ch->n_slots = 1;
    ch->levels = lv;
    ch->n_levels = isfinite(s->ref) ? nl : 0;
}

static void symbol_panel(report_ctx *c, size_t gi, size_t sym, double lo, double hi)
{
    sw_chart_slot slot;
    sw_chart_level lv[16];
    char sub[160], val[SW_NUM_MAX + 8], label[200];
    sw_chart ch;
    symbol_chart(c->r, sym, &slot, lv, sub, val, label, c->from, c->to, &ch);
    day_pick dp = { gi, sym, NULL };
    ch.width = PANEL_W;
    ch.height = PANEL_H;
    ch.y_lo = lo;
    ch.y_hi = hi;
    ch.marks = c->marks;
    ch.n_marks = gather(c, pick_day_symbol, &dp, 0);
    figure(c, "panel", &ch, NULL);
}

/* A group's own alerts (breadth): in its breadth chart (a day) at the
 * number of members its list has beyond its level, or on its strip (a
 * week). */
static int pick_breadth(report_ctx *c, const sw_alert *a, sw_chart_mark *m, const void *arg)
{
    size_t gi = *(const size_t *)arg;
    const sw_report_group *g = &c->r->groups[gi];
    if (alert_group(c->r, a) != (int)gi)
        return 0;
    if (!c->r->week) {
        double lvl = sev_of(a) == 2 ? g->crit_pct : g->warn_pct;
        int cnt = 0;
        for (size_t k = 0; k < a->n_members; k++)
            cnt += a->direction < 0 ? a->members[k].change_pct <= -lvl : a->members[k].change_pct >= lvl;
        m->v = a->direction < 0 ? -cnt : cnt;
    }
    return 1;
}

static int pick_other(report_ctx *c, const sw_alert *a, sw_chart_mark *m, const void *arg)
{
    (void)m;
    (void)arg;
    return alert_place(c->r, a) == AT_OTHER;
}

/* Breadth over the day: per column of the books' paths, how many members
 * with a previous close and a trade so far are up or down by each level. */
static void breadth_panel(report_ctx *c, size_t gi)
{
    const sw_report *r = c->r;
    const sw_report_group *g = &r->groups[gi];
    const sw_daybook *bk = &r->books[0];
    int64_t step = bk->step;
    size_t k0 = (size_t)((c->from - bk->lo) / step), k1 = (size_t)((c->to - bk->lo + step - 1) / step);
    size_t n = k1 > k0 ? k1 - k0 : 0;
    int16_t *arr = calloc(5 * (n ? n : 1), sizeof *arr);
    double *lastv = malloc((g->n_members ? g->n_members : 1) * sizeof *lastv);
    if (!arr || !lastv) {
        free(arr);
        free(lastv);
        sw_dbuf_fail(c->b, SW_DBUF_NOMEM);
        return;
    }
    int16_t *upw = arr, *upc = arr + n, *dnw = arr + 2 * n, *dnc = arr + 3 * n, *need = arr + 4 * n;
    for (size_t m = 0; m < g->n_members; m++)
        lastv[m] = NAN;
    for (size_t k = 0; k < n; k++) {
        int data = 0;
        for (size_t m = 0; m < g->n_members; m++) {
            const sw_daybook_sym *s = &bk->syms[g->members[m]];
            if (!s->path.cols || !isfinite(s->ref) || sw_daybook_daily_only(s))
                continue;
            const sw_col *col = &s->path.cols[k0 + k];
            if (k0 + k < s->path.ncols && !isnan(col->first))
                lastv[m] = col->last;
            if (isnan(lastv[m]))
                continue;
            data++;
            double v = move_pct(lastv[m], s->ref);
            upw[k] += v >= g->warn_pct;
            upc[k] += v >= g->crit_pct;
            dnw[k] += v <= -g->warn_pct;
            dnc[k] += v <= -g->crit_pct;
        }
        need[k] = g->breadth && data >= g->min_members && data > 0
                      ? (int16_t)ceil(g->min_fraction * data - 1e-9) : -1;
    }
    size_t nm = gather(c, pick_breadth, &gi, 0);
    char title[96], sub[200], num[SW_NUM_MAX], num2[SW_NUM_MAX];
    strcpy(title, g->name);
    strcat(title, " breadth");
    strcpy(sub, "members up or down ");
    strcat(sub, sw_fmt_num(num, g->warn_pct, 2, SW_NUM_TRIM));
    strcat(sub, "% (light) and ");
    strcat(sub, sw_fmt_num(num2, g->crit_pct, 2, SW_NUM_TRIM));
    strcat(sub, "% (dark) vs previous close");
    if (g->breadth)
        strcat(sub, " \xC2\xB7 dashed: the members an alert needs");
    else
        strcat(sub, " \xC2\xB7 no breadth detector watches this group");
    sw_chart_counts cc = {
        .width = WIDE_W, .height = BREADTH_H, .title = title, .subtitle = sub, .label = title,
        .from = c->from, .to = c->to, .open = bk->open, .close = bk->close, .t0 = bk->lo + (int64_t)k0 * step,
        .step = step, .n = n, .up = { upw, upc }, .down = { dnw, dnc }, .need = need,
        .members = (int)g->n_members, .marks = c->marks, .n_marks = nm,
    };
    figure(c, "wide", NULL, &cc);
    free(arr);
    free(lastv);
}

/* Alerts that belong to no chart: one strip over the report's slots. */
static void others_strip(report_ctx *c, const sw_chart_slot *slots, size_t n_slots, int with_date)
{
    size_t nm = gather(c, pick_other, NULL, with_date);
    if (nm == 0)
        return;
    sw_dbuf_addstr(c->b, "<section>\n<h2>Other alerts <small>feed gaps and symbols outside the groups</small></h2>\n");
    sw_chart ch = {
        .width = WIDE_W, .height = STRIP_H, .label = "other alerts over time", .y_lo = 0, .y_hi = 1,
        .plain = 1, .slots = slots, .n_slots = n_slots, .marks = c->marks, .n_marks = nm,
    };
    figure(c, "wide", &ch, NULL);
    sw_dbuf_addstr(c->b, "</section>\n");
}

/* Symbol indexes sorted by a key, biggest first; ties by name. */
typedef struct ranked {
    size_t sym;
    double key;
    const char *name;
} ranked;

static int by_key_desc(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    int na = isnan(a->key), nb = isnan(b->key);
    if (na != nb)
        return na - nb;
    if (!na && a->key != b->key)
        return a->key > b->key ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* Every symbol of the groups once, ranked by |key(symbol)| (biggest first,
 * unknown last, ties by name).  Returns the array (free it) and its length
 * in *n; NULL out of memory. */
static ranked *rank_symbols(const sw_report *r, double (*key)(const sw_report *r, size_t sym, const void *arg),
                            const void *arg, size_t *n)
{
    ranked *rk = malloc((r->n_symbols ? r->n_symbols : 1) * sizeof *rk);
    *n = 0;
    if (!rk)
        return NULL;
    for (size_t i = 0; i < r->n_symbols; i++)
        if (first_group(r, i) >= 0)
            rk[(*n)++] = (ranked){ i, fabs(key(r, i, arg)), r->symbols[i] };
    qsort(rk, *n, sizeof *rk, by_key_desc);
    return rk;
}

/* A table of every symbol, ranked: the section's heading written, the
 * ranking returned (free it), NULL when out of memory (the page failed). */
static ranked *ranked_table(report_ctx *c, double (*key)(const sw_report *r, size_t sym, const void *arg),
                            const void *arg, const char *heading, size_t *n)
{
    ranked *rk = rank_symbols(c->r, key, arg, n);
    if (!rk)
        sw_dbuf_fail(c->b, SW_DBUF_NOMEM);
    else
        sw_dbuf_addstr(c->b, heading);
    return rk;
}

static double day_move(const sw_report *r, size_t sym, const void *arg)
{
    (void)arg;
    const sw_daybook_sym *s = &r->books[0].syms[sym];
    return move_pct(isfinite(s->close) ? s->close : s->last, sw_daybook_base(s));
}

static const sw_alert *first_alert_of(const sw_report *r, const char *name, int *highest)
{
    const sw_alert *first = NULL;
    *highest = NO_SEVERITY;
    for (size_t i = 0; i < r->n_alerts; i++) {
        const sw_alert *a = &r->alerts[i];
        if (strcmp(a->symbol, name) != 0)
            continue;
        if (!first)
            first = a;
        if (sev_of(a) > *highest)
            *highest = sev_of(a);
    }
    return first;
}

static void movers_table(report_ctx *c)
{
    const sw_report *r = c->r;
    const sw_daybook *bk = &r->books[0];
    sw_dbuf *b = c->b;
    size_t n;
    ranked *rk = ranked_table(c, day_move, NULL,
                              "<section>\n<h2>Movers <small>regular session; biggest move first</small></h2>\n"
                              "<table>\n<tr><th>Symbol</th><th class=\"l\">Group</th><th>Prev close</th><th>Open</th>"
                              "<th>Low</th><th>High</th><th>Close</th><th>Open %</th><th>Low %</th><th>High %</th>"
                              "<th>Close %</th><th>First alert</th><th>After the open</th><th class=\"l\">Highest</th>"
                              "</tr>\n",
                              &n);
    if (!rk)
        return;
    for (size_t i = 0; i < n; i++) {
        const sw_daybook_sym *s = &bk->syms[rk[i].sym];
        const char *name = rk[i].name;
        double base = sw_daybook_base(s);
        double last = isfinite(s->close) ? s->close : s->last;
        char p[6][SW_NUM_MAX], q[4][SW_NUM_MAX + 8];
        int g = first_group(r, rk[i].sym);
        sw_putf(b, "<tr><td><b>%h</b></td><td class=\"l\">%h</td>", name, g >= 0 ? r->groups[g].name : "");
        sw_putf(b, "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>", price(p[0], s->ref),
                 price(p[1], s->open), price(p[2], s->low), price(p[3], s->high), price(p[4], last));
        sw_putf(b, "<td>%s</td><td>%s</td><td>%s</td><td><b>%s</b></td>", pct(q[0], move_pct(s->open, base)),
                 pct(q[1], move_pct(s->low, base)), pct(q[2], move_pct(s->high, base)),
                 pct(q[3], move_pct(last, base)));
        int highest;
        const sw_alert *a = first_alert_of(r, name, &highest);
        if (a) {
            char clock[16], d[48];
            sw_putf(b, "<td>%s</td><td>%s</td><td class=\"l\">", sw_ny_clock(a->ts_ns, 2, clock),
                     bk->open <= bk->close ? delay(d, a->ts_ns - bk->open) : "");
            glyph(b, highest);
            sw_putf(b, "%s</td></tr>\n", sw_severity_css[highest]);
        } else {
            sw_dbuf_addstr(b, "<td></td><td></td><td class=\"l\">none</td></tr>\n");
        }
    }
    sw_dbuf_addstr(b, "</table>\n</section>\n");
    free(rk);
}

static void alert_table(report_ctx *c, int with_date)
{
    const sw_report *r = c->r;
    sw_dbuf *b = c->b;
    sw_putf(b, "<section>\n<h2>Alerts <small>%l, in the order they fired</small></h2>\n",
             (long long)r->n_alerts);
    if (r->n_alerts == 0) {
        sw_dbuf_addstr(b, "<p>No alert.</p>\n</section>\n");
        return;
    }
    sw_putf(b, "<table>\n<tr><th class=\"l\">%s</th><th class=\"l\">Severity</th><th class=\"l\">Symbol</th>"
                "<th class=\"l\">Detector</th><th>Price</th><th class=\"l\">Message</th><th class=\"l\">Id</th></tr>\n",
             with_date ? "Day, time (ET)" : "Time (ET)");
    for (size_t i = 0; i < r->n_alerts; i++) {
        const sw_alert *a = &r->alerts[i];
        char clock[16], date[16], p[SW_NUM_MAX];
        sw_dbuf_addstr(b, "<tr><td>");
        if (with_date) {
            short_date(date, sw_ny_day(a->ts_ns, NULL));
            sw_putf(b, "%s ", date);
        }
        sw_putf(b, "%s</td><td class=\"l\">", sw_ny_clock(a->ts_ns, 2, clock));
        glyph(b, sev_of(a));
        sw_putf(b, "%s%s</td><td class=\"l\">%h</td><td class=\"l\">%h</td><td>%s</td><td class=\"msg\">%h</td>"
                    "<td class=\"l\"><code>%h</code></td></tr>\n",
                 sw_severity_css[sev_of(a)], a->resolved ? " (resolved)" : "", a->symbol, a->detector,
                 a->price > 0 ? price(p, a->price) : "", a->message, a->id);
    }
    sw_dbuf_addstr(b, "</table>\n</section>\n");
}

/* "ai: 4 of 7 members down 5% or more vs previous close (median -8.12%) at
 * 09:30:00 · AVGO -17.40% at the close". */
static void day_headline(report_ctx *c)
{
    const sw_report *r = c->r;
    const sw_daybook *bk = &r->books[0];
    sw_dbuf *b = c->b;
    const sw_alert *first = NULL;
    for (int sev = 2; sev >= 1 && !first; sev--)
        for (size_t i = 0; i < r->n_alerts && !first; i++)
            if (sev_of(&r->alerts[i]) == sev && !r->alerts[i].resolved)
                first = &r->alerts[i];
    int best = -1;
    double best_move = 0;
    for (size_t i = 0; i < r->n_symbols; i++) {
        const sw_daybook_sym *s = &bk->syms[i];
        if (first_group(r, i) < 0)
            continue;
        double v = move_pct(isfinite(s->close) ? s->close : s->last, sw_daybook_base(s));
        if (isfinite(v) && (best < 0 || fabs(v) > fabs(best_move))) {
            best = (int)i;
            best_move = v;
        }
    }
    sw_dbuf_addstr(b, "<h1>");
    if (first) {
        char clock[16];
        sw_putf(b, "%h at %s", first->message, sw_ny_clock(first->ts_ns, 1, clock));
    } else {
        sw_dbuf_addstr(b, "No warning or critical alert");
    }
    if (best >= 0) {
        char v[SW_NUM_MAX + 8];
        const sw_daybook_sym *s = &bk->syms[best];
        sw_putf(b, " \xC2\xB7 %h %s %s", r->symbols[best], pct(v, best_move),
                 isfinite(s->close) ? "at the close" : "at the last trade");
    }
    sw_dbuf_addstr(b, "</h1>\n");
}

static void summary_line(report_ctx *c, int with_first)
{
    const sw_report *r = c->r;
    sw_dbuf *b = c->b;
    size_t by[3] = { 0, 0, 0 }, syms = 0;
    for (size_t i = 0; i < r->n_alerts; i++)
        by[sev_of(&r->alerts[i])]++;
    for (size_t i = 0; i < r->n_symbols; i++) {
        int h;
        syms += first_group(r, i) >= 0 && first_alert_of(r, r->symbols[i], &h) != NULL;
    }
    size_t listed = 0;
    for (size_t i = 0; i < r->n_symbols; i++)
        listed += first_group(r, i) >= 0;
    sw_putf(b, "<p class=\"summary\">%l alerts: ", (long long)r->n_alerts);
    for (int sev = 2; sev >= 0; sev--) {
        glyph(b, sev);
        sw_putf(b, "%l %s%s", (long long)by[sev], sw_severity_css[sev], sev ? ", " : "");
    }
    sw_putf(b, " \xC2\xB7 %l of %l symbols alerted", (long long)syms, (long long)listed);
    if (with_first && r->n_alerts) {
        char clock[16];
        sw_putf(b, " \xC2\xB7 first alert at %s ET", sw_ny_clock(r->alerts[0].ts_ns, 2, clock));
    }
    sw_dbuf_addstr(b, "</p>\n");
}

static void day_report(report_ctx *c)
{
    const sw_report *r = c->r;
    const sw_daybook *bk = &r->books[0];
    sw_dbuf *b = c->b;
    char date[64], iso[16], title[128];
    long_date(date, bk->day);
    strcpy(title, "shockwatch \xC2\xB7 ");
    strcat(title, sw_ny_date(bk->day, iso));
    strcat(title, " \xC2\xB7 session report");
    page_begin(b, title);
    day_span(r, &c->from, &c->to);
    sw_putf(b, "<header>\n<p class=\"kicker\">shockwatch session report \xC2\xB7 %h \xC2\xB7 %s", date,
             bk->open <= bk->close ? "New York time (ET)" : "the market was closed (New York calendar)");
    if (bk->open <= bk->close && bk->close - bk->open < 6 * 3600 * SW_NS_PER_SEC) {
        char clock[16];
        sw_putf(b, " \xC2\xB7 early close at %s", sw_ny_clock(bk->close, 0, clock));
    }
    sw_dbuf_addstr(b, "</p>\n");
    day_headline(c);
    summary_line(c, 1);
    legend(b, r, "price, % vs previous close (0 line)", 1, 1, 0);
    sw_dbuf_addstr(b, "</header>\n");
    for (size_t gi = 0; gi < r->n_groups; gi++) {
        const sw_report_group *g = &r->groups[gi];
        double lo, hi;
        group_range(r, g, c->from, c->to, &lo, &hi);
        size_t down = 0, up = 0;
        for (size_t k = 0; k < g->n_members; k++) {
            const sw_daybook_sym *s = &bk->syms[g->members[k]];
            double v = move_pct(isfinite(s->close) ? s->close : s->last, sw_daybook_base(s));
            down += v < 0;
            up += v > 0;
        }
        sw_putf(b, "<section class=\"group\">\n<h2>%h<small>%l symbols \xC2\xB7 %l down, %l up \xC2\xB7 "
                    "one scale for the group</small></h2>\n<div class=\"panels\">\n",
                 g->name, (long long)g->n_members, (long long)down, (long long)up);
        for (size_t k = 0; k < g->n_members; k++)
            symbol_panel(c, gi, g->members[k], lo, hi);
        sw_dbuf_addstr(b, "</div>\n");
        breadth_panel(c, gi);
        sw_dbuf_addstr(b, "</section>\n");
    }
    sw_chart_slot slot;
    slot_for(&slot, bk, NULL, NAN, c->from, c->to);
    others_strip(c, &slot, 1, 0);
    movers_table(c);
    alert_table(c, 0);
}

/* ---- the week ------------------------------------------------------------------ */

typedef struct week_sym {
    double ref[5];                  /* per day: the week's reference in that day's prices */
    double week_ref;                /* the close before the week */
    int64_t ref_day;                /* the first day with data */
    double day_move[5];             /* close against the day's previous close */
    double week_move;               /* last close against week_ref */
    double lo, hi;                  /* the week's extremes against week_ref */
} week_sym;

static int book_closed(const sw_daybook *bk)
{
    return bk->open > bk->close;
}

static void week_numbers(const sw_report *r, size_t sym, week_sym *w)
{
    double cum = NAN, prev_close = NAN;
    w->week_ref = NAN;
    w->week_move = w->lo = w->hi = NAN;
    w->ref_day = INT64_MIN;
    for (size_t d = 0; d < 5; d++) {
        w->ref[d] = w->day_move[d] = NAN;
        if (d >= r->n_books || book_closed(&r->books[d]))
            continue;
        const sw_daybook_sym *s = &r->books[d].syms[sym];
        if (!s->ticks)
            continue;
        if (isnan(cum)) {
            cum = w->week_ref = sw_daybook_base(s);
            w->ref_day = r->books[d].day;
        } else if (isfinite(s->ref) && isfinite(prev_close) && prev_close > 0) {
            /* A split between the days: the engine divided its previous
             * close; the week's reference follows it into today's prices. */
            cum *= s->ref / prev_close;
        }
        w->ref[d] = cum;
        double close = isfinite(s->close) ? s->close : s->last;
        w->day_move[d] = move_pct(close, isfinite(s->ref) ? s->ref : prev_close);
        w->week_move = move_pct(close, cum);
        double lo = isfinite(s->low) ? s->low : close, hi = isfinite(s->high) ? s->high : close;
        w->lo = isnan(w->lo) ? move_pct(lo, cum) : fmin(w->lo, move_pct(lo, cum));
        w->hi = isnan(w->hi) ? move_pct(hi, cum) : fmax(w->hi, move_pct(hi, cum));
        prev_close = close;
    }
}

/* The week's slots: each day's regular hours (a closed day keeps the width
 * of an ordinary one, hatched). */
static void week_slot(const sw_report *r, size_t d, sw_chart_slot *slot, char *label)
{
    const sw_daybook *bk = &r->books[d];
    int64_t from = sw_ny_to_utc(bk->day, 9, 30, 0), to = sw_ny_to_utc(bk->day, 16, 0, 0);
    slot_for(slot, bk, NULL, NAN, from, to);
    short_date(label, bk->day);
    slot->label = label;
    slot->note = book_closed(bk) ? "closed" : "no data";
}

/* The five days as slots of a strip (no note across them). */
static size_t week_slots(const sw_report *r, sw_chart_slot *slots, char (*labels)[32])
{
    size_t ns = r->n_books < 5 ? r->n_books : 5;
    for (size_t d = 0; d < ns; d++) {
        week_slot(r, d, &slots[d], labels[d]);
        slots[d].note = NULL;
    }
    return ns;
}

static void week_panel(report_ctx *c, size_t gi, size_t sym, const week_sym *w, double lo, double hi)
{
    const sw_report *r = c->r;
    const char *name = r->symbols[sym];
    sw_chart_slot slots[5];
    char labels[5][32];
    for (size_t d = 0; d < 5 && d < r->n_books; d++) {
        week_slot(r, d, &slots[d], labels[d]);
        const sw_daybook_sym *s = &r->books[d].syms[sym];
        if (!book_closed(&r->books[d])) {
            const char *lab = slots[d].label, *note = slots[d].note;
            slot_for(&slots[d], &r->books[d], s, w->ref[d], slots[d].from, slots[d].to);
            slots[d].label = lab;
            slots[d].note = note;
        }
    }
    day_pick dp = { gi, sym, w->ref };
    size_t nm = gather(c, pick_day_symbol, &dp, 1);
    char sub[160], val[SW_NUM_MAX + 8], p1[SW_NUM_MAX], label[200], day[32];
    sub[0] = '\0';
    if (isfinite(w->week_ref)) {
        /* The session before the first one of the week with data. */
        int64_t prev = w->ref_day - 1;
        int o, cl;
        for (int k = 0; k < 14 && !sw_calendar_day(r->cal, prev, &o, &cl); k++)
            prev--;
        strcpy(sub, price(p1, w->week_ref));
        strcat(sub, " at the close of ");
        strcat(sub, short_date(day, prev));
    }
    strcpy(label, name);
    strcat(label, ": the week's sessions against the close before the week, alerts marked");
    sw_chart ch = {
        .width = 400, .height = PANEL_H, .title = name, .subtitle = sub, .value = pct(val, w->week_move),
        .label = label, .y_lo = lo, .y_hi = hi, .y_unit = "%", .slots = slots,
        .n_slots = r->n_books < 5 ? r->n_books : 5, .marks = c->marks, .n_marks = nm, .gaps = 1,
    };
    figure(c, "panel", &ch, NULL);
}

/* A group's own alerts (breadth) in the week: a strip over the five days. */
static void week_group_strip(report_ctx *c, size_t gi)
{
    sw_chart_slot slots[5];
    char labels[5][32];
    size_t ns = week_slots(c->r, slots, labels);
    size_t nm = gather(c, pick_breadth, &gi, 1);
    if (nm == 0)
        return;
    char title[96];
    strcpy(title, c->r->groups[gi].name);
    strcat(title, ": group alerts");
    sw_chart ch = {
        .width = WIDE_W, .height = STRIP_H + 14, .title = title, .label = title, .y_lo = 0, .y_hi = 1,
        .plain = 1, .slots = slots, .n_slots = ns, .marks = c->marks, .n_marks = nm,
    };
    figure(c, "wide", &ch, NULL);
}

static double week_move_of(const sw_report *r, size_t sym, const void *arg)
{
    (void)r;
    return ((const week_sym *)arg)[sym].week_move;
}

static void week_table(report_ctx *c, const week_sym *ws)
{
    size_t n;
    ranked *rk = ranked_table(c, week_move_of, ws,
                              "<section>\n<h2>The week, day by day <small>close against the previous close; "
                              "biggest weekly move first</small></h2>\n<table>\n<tr><th>Symbol</th>"
                              "<th>Close before</th>",
                              &n);
    if (!rk)
        return;
    const sw_report *r = c->r;
    sw_dbuf *b = c->b;
    for (size_t d = 0; d < r->n_books && d < 5; d++) {
        char day[32];
        sw_putf(b, "<th>%s</th>", short_date(day, r->books[d].day));
    }
    sw_dbuf_addstr(b, "<th>Week</th><th>Week low</th><th>Week high</th><th>Last close</th>"
                   "<th class=\"l\">Alerts</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        const week_sym *w = &ws[rk[i].sym];
        char p[SW_NUM_MAX], q[SW_NUM_MAX + 8];
        sw_putf(b, "<tr><td><b>%h</b></td><td>%s</td>", rk[i].name, price(p, w->week_ref));
        double last = NAN;
        for (size_t d = 0; d < r->n_books && d < 5; d++) {
            const sw_daybook_sym *s = &r->books[d].syms[rk[i].sym];
            if (book_closed(&r->books[d]))
                sw_dbuf_addstr(b, "<td class=\"closed\">closed</td>");
            else
                sw_putf(b, "<td>%s</td>", pct(q, w->day_move[d]));
            if (s->ticks)
                last = isfinite(s->close) ? s->close : s->last;
        }
        sw_putf(b, "<td><b>%s</b></td>", pct(q, w->week_move));
        sw_putf(b, "<td>%s</td>", pct(q, w->lo));
        sw_putf(b, "<td>%s</td><td>%s</td><td class=\"l\">", pct(q, w->hi), price(p, last));
        size_t by[3] = { 0, 0, 0 };
        for (size_t k = 0; k < r->n_alerts; k++)
            if (strcmp(r->alerts[k].symbol, rk[i].name) == 0)
                by[sev_of(&r->alerts[k])]++;
        for (int sev = 2; sev >= 0; sev--)
            if (by[sev]) {
                glyph(b, sev);
                sw_putf(b, "%l ", (long long)by[sev]);
            }
        sw_dbuf_addstr(b, "</td></tr>\n");
    }
    sw_dbuf_addstr(b, "</table>\n</section>\n");
    free(rk);
}

static void alerts_by_day(report_ctx *c)
{
    const sw_report *r = c->r;
    sw_dbuf *b = c->b;
    sw_dbuf_addstr(b, "<section>\n<h2>Alerts by day</h2>\n<table>\n<tr><th>Day</th><th class=\"l\">Critical</th>"
                   "<th class=\"l\">Warning</th><th class=\"l\">Info</th><th class=\"l\">First alert of the day</th>"
                   "</tr>\n");
    for (size_t d = 0; d < r->n_books && d < 5; d++) {
        const sw_daybook *bk = &r->books[d];
        char day[32];
        size_t by[3] = { 0, 0, 0 };
        const sw_alert *first = NULL;
        for (size_t i = 0; i < r->n_alerts; i++) {
            const sw_alert *a = &r->alerts[i];
            if (sw_ny_day(a->ts_ns, NULL) != bk->day)
                continue;
            by[sev_of(a)]++;
            if (!first)
                first = a;
        }
        sw_putf(b, "<tr><td>%s</td>", short_date(day, bk->day));
        if (book_closed(bk) && !first) {
            sw_dbuf_addstr(b, "<td class=\"closed l\" colspan=\"4\">closed</td></tr>\n");
            continue;
        }
        for (int sev = 2; sev >= 0; sev--) {
            sw_dbuf_addstr(b, "<td class=\"l\">");
            if (by[sev]) {
                glyph(b, sev);
                sw_put_int(b, (long long)by[sev]);
            }
            sw_dbuf_addstr(b, "</td>");
        }
        if (first) {
            char clock[16];
            sw_putf(b, "<td class=\"msg\">%s %h</td></tr>\n", sw_ny_clock(first->ts_ns, 1, clock), first->message);
        } else {
            sw_dbuf_addstr(b, "<td class=\"msg\">none</td></tr>\n");
        }
    }
    sw_dbuf_addstr(b, "</table>\n</section>\n");
}

static void week_headline(report_ctx *c, const week_sym *ws)
{
    const sw_report *r = c->r;
    sw_dbuf *b = c->b;
    int best = -1, worst_sym = -1;
    size_t worst_day = 0;
    double best_v = 0, worst_v = 0;
    for (size_t i = 0; i < r->n_symbols; i++) {
        if (first_group(r, i) < 0)
            continue;
        const week_sym *w = &ws[i];
        if (isfinite(w->week_move) && (best < 0 || fabs(w->week_move) > fabs(best_v))) {
            best = (int)i;
            best_v = w->week_move;
        }
        for (size_t d = 0; d < 5; d++)
            if (isfinite(w->day_move[d]) && (worst_sym < 0 || fabs(w->day_move[d]) > fabs(worst_v))) {
                worst_sym = (int)i;
                worst_day = d;
                worst_v = w->day_move[d];
            }
    }
    sw_dbuf_addstr(b, "<h1>");
    if (best >= 0) {
        char v[SW_NUM_MAX + 8];
        sw_putf(b, "%h %s on the week", r->symbols[best], pct(v, best_v));
    } else {
        sw_dbuf_addstr(b, "No trades in the week");
    }
    if (worst_sym >= 0) {
        char v[SW_NUM_MAX + 8], day[32];
        sw_putf(b, " \xC2\xB7 biggest day: %h %s on %s", r->symbols[worst_sym], pct(v, worst_v),
                 short_date(day, r->books[worst_day].day));
    }
    sw_dbuf_addstr(b, "</h1>\n");
}

static void week_report(report_ctx *c)
{
    const sw_report *r = c->r;
    sw_dbuf *b = c->b;
    week_sym *ws = calloc(r->n_symbols ? r->n_symbols : 1, sizeof *ws);
    if (!ws) {
        sw_dbuf_fail(b, SW_DBUF_NOMEM);
        return;
    }
    for (size_t i = 0; i < r->n_symbols; i++)
        week_numbers(r, i, &ws[i]);
    char d0[64], d4[64], iso[16], title[128];
    int64_t monday = r->books[0].day;
    strcpy(title, "shockwatch \xC2\xB7 week of ");
    strcat(title, sw_ny_date(monday, iso));
    strcat(title, " \xC2\xB7 weekly review");
    page_begin(b, title);
    sw_putf(b, "<header>\n<p class=\"kicker\">shockwatch weekly review \xC2\xB7 %h to %h \xC2\xB7 New York time (ET)",
             long_date(d0, monday), long_date(d4, monday + (int64_t)(r->n_books ? r->n_books - 1 : 0)));
    for (size_t d = 0; d < r->n_books; d++)
        if (book_closed(&r->books[d])) {
            char day[32];
            sw_putf(b, " \xC2\xB7 closed %s", short_date(day, r->books[d].day));
        }
    sw_dbuf_addstr(b, "</p>\n");
    week_headline(c, ws);
    summary_line(c, 0);
    int early = 0, closed = 0;
    for (size_t d = 0; d < r->n_books; d++) {
        const sw_daybook *bk = &r->books[d];
        closed |= book_closed(bk);
        early |= !book_closed(bk) && bk->close < sw_ny_to_utc(bk->day, 16, 0, 0);
    }
    legend(b, r, "session path or daily bar, % vs the close before the week", 0, early, closed);
    sw_dbuf_addstr(b, "</header>\n");
    for (size_t gi = 0; gi < r->n_groups; gi++) {
        const sw_report_group *g = &r->groups[gi];
        double lo = 0, hi = 0;
        for (size_t k = 0; k < g->n_members; k++) {
            const week_sym *w = &ws[g->members[k]];
            if (isfinite(w->lo))
                lo = fmin(lo, w->lo);
            if (isfinite(w->hi))
                hi = fmax(hi, w->hi);
        }
        sw_axis_nice(&lo, &hi, 5);
        sw_putf(b, "<section class=\"group\">\n<h2>%h<small>%l symbols \xC2\xB7 one scale for the group</small></h2>\n"
                    "<div class=\"panels week\">\n",
                 g->name, (long long)g->n_members);
        for (size_t k = 0; k < g->n_members; k++)
            week_panel(c, gi, g->members[k], &ws[g->members[k]], lo, hi);
        sw_dbuf_addstr(b, "</div>\n");
        week_group_strip(c, gi);
        sw_dbuf_addstr(b, "</section>\n");
    }
    sw_chart_slot slots[5];
    char labels[5][32];
    others_strip(c, slots, week_slots(r, slots, labels), 1);
    week_table(c, ws);
    alerts_by_day(c);
    alert_table(c, 1);
    free(ws);
}

int sw_report_html(const sw_report *r, sw_dbuf *out)
{
    if (r->n_books == 0)
        return -1;
    report_ctx c = { .r = r, .b = out };
    size_t n = r->n_alerts ? r->n_alerts : 1;
    c.titles = calloc(n, sizeof *c.titles);
    c.marks = calloc(n, sizeof *c.marks);
    if (!c.titles || !c.marks) {
        free(c.titles);
        free(c.marks);
        return -1;
    }
    if (r->week)
        week_report(&c);
    else
        day_report(&c);
    footer(out, r);
    free(c.titles);
    free(c.marks);
    return sw_dbuf_error(out) ? -1 : 0;
}

/* ---- one chart on its own (the dashboard, notifications) ------------------------ */

typedef struct one_pick {
    size_t sym;                     /* a symbol's chart */
    int group;                      /* or a group's (>= 0) */
} one_pick;

static int is_member(const sw_report_group *g, size_t sym)
{
    for (size_t k = 0; k < g->n_members; k++)
        if (g->members[k] == sym)
            return 1;
    return 0;
}

/* The average move of the group's members with data at time t. */
static double group_move_at(const sw_report *r, const sw_report_group *g, int64_t t)
{
    double sum = 0;
    int n = 0;
    for (size_t k = 0; k < g->n_members; k++) {
        const sw_daybook_sym *s = &r->books[0].syms[g->members[k]];
        if (!s->path.cols || sw_daybook_daily_only(s))
            continue;
        double v = move_pct(sw_colseries_at(&s->path, t), sw_daybook_base(s));
        if (isfinite(v)) {
            sum += v;
            n++;
        }
    }
    return n ? sum / n : 0;
}

/* Every alert of the symbol (or of the group and its members), with its id:
 * a picture of its own holds one element per alert of its subject. */
static int pick_one(report_ctx *c, const sw_alert *a, sw_chart_mark *m, const void *arg)
{
    const sw_report *r = c->r;
    const one_pick *op = arg;
    if (sw_ny_day(a->ts_ns, NULL) != r->books[0].day)
        return 0;
    int s = find_symbol(r, a->symbol);
    int g = alert_group(r, a);
    if (op->group < 0) {
        if (g >= 0 || s != (int)op->sym)
            return 0;
    } else if (g != op->group && (g >= 0 || s < 0 || !is_member(&r->groups[op->group], (size_t)s))) {
        return 0;
    }
    if (g >= 0) {
        m->v = group_move_at(r, &r->groups[g], a->ts_ns);
    } else {
        const sw_daybook_sym *ds = &r->books[0].syms[s];
        m->v = alert_value(a, ds, sw_daybook_base(ds));
    }
    return 1;
}

/* "Mon 27 Jan 2025": a picture on its own names the year too.  buf: 32. */
static char *dated(char *buf, int64_t day)
{
    int y, m, d;
    char num[SW_NUM_MAX];
    sw_civil_from_days(day, &y, &m, &d);
    short_date(buf, day);
    strcat(buf, " ");
    return strcat(buf, sw_fmt_num(num, y, 0, 0));
}

/* Scratch for a chart of its own: marks and tooltips for every alert. */
static int one_ctx(const sw_report *r, report_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    size_t n = r->n_alerts ? r->n_alerts : 1;
    c->titles = calloc(n, sizeof *c->titles);
    c->marks = calloc(n, sizeof *c->marks);
    if (r->n_books == 0 || r->week || !c->titles || !c->marks) {
        free(c->titles);
        free(c->marks);
        return -1;
    }
    day_span(r, &c->from, &c->to);
    return 0;
}

/* The value range of the marks too: an alert's price may lie outside the
 * path drawn at 15 s resolution. */
static void marks_range(const sw_chart_mark *m, size_t n, double *lo, double *hi)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(m[i].v)) {
            *lo = fmin(*lo, m[i].v);
            *hi = fmax(*hi, m[i].v);
        }
}

int sw_report_symbol_chart(const sw_report *r, size_t sym, double w, double h, const char *focus, sw_pen *pen)
{
    report_ctx c;
    if (sym >= r->n_symbols || one_ctx(r, &c) != 0)
        return -1;
    sw_chart_slot slot;
    sw_chart_level lv[16];
    char sub[160], val[SW_NUM_MAX + 8], label[200], date[32], full[200];
    sw_chart ch;
    symbol_chart(r, sym, &slot, lv, sub, val, label, c.from, c.to, &ch);
    /* On its own, the picture says which day it shows. */
    strcpy(full, dated(date, r->books[0].day));
    if (sub[0]) {
        strcat(full, " \xC2\xB7 ");
        strcat(full, sub);
    }
    ch.subtitle = full;
    one_pick op = { sym, -1 };
    ch.marks = c.marks;
    ch.n_marks = gather(&c, pick_one, &op, 0);
    const sw_daybook_sym *s = &r->books[0].syms[sym];
    double lo = 0, hi = 0;
    sym_range(s, sw_daybook_base(s), c.from, c.to, &lo, &hi);
    marks_range(c.marks, ch.n_marks, &lo, &hi);
    sw_axis_nice(&lo, &hi, 6);
    ch.width = w;
    ch.height = h;
    ch.y_lo = lo;
    ch.y_hi = hi;
    ch.focus = focus;
    sw_chart_draw(&ch, pen);
    free(c.titles);
    free(c.marks);
    return 0;
}

int sw_report_group_chart(const sw_report *r, size_t gi, double w, double h, const char *focus, sw_pen *pen)
{
    report_ctx c;
    if (gi >= r->n_groups || one_ctx(r, &c) != 0)
        return -1;
    const sw_report_group *g = &r->groups[gi];
    const sw_daybook *bk = &r->books[0];
    sw_chart_line *lines = calloc(g->n_members ? g->n_members : 1, sizeof *lines);
    char(*names)[48] = calloc(g->n_members ? g->n_members : 1, sizeof *names);
    if (!lines || !names) {
        free(lines);
        free(names);
        free(c.titles);
        free(c.marks);
        return -1;
    }
    size_t nl = 0, down = 0, up = 0;
    for (size_t k = 0; k < g->n_members; k++) {
        const sw_daybook_sym *s = &bk->syms[g->members[k]];
        double base = sw_daybook_base(s);
        if (!s->ticks || sw_daybook_daily_only(s) || !(base > 0))
            continue;
        double v = move_pct(isfinite(s->close) ? s->close : s->last, base);
        down += v < 0;
        up += v > 0;
        char num[SW_NUM_MAX + 4];
        size_t sl = strlen(r->symbols[g->members[k]]);
        sl = sl > 23 ? 23 : sl;
        memcpy(names[nl], r->symbols[g->members[k]], sl);
        names[nl][sl] = ' ';
        strcpy(names[nl] + sl + 1, pct(num, v));
        lines[nl] = (sw_chart_line){ &s->path, 100 / base, -100, sw_line_rgb[nl % SW_LINE_COLORS], names[nl] };
        nl++;
    }
    sw_chart_slot slot;
    slot_for(&slot, bk, NULL, NAN, c.from, c.to);
    slot.note = nl ? NULL : "no trades";
    one_pick op = { 0, (int)gi };
    sw_chart ch;
    memset(&ch, 0, sizeof ch);
    ch.marks = c.marks;
    ch.n_marks = gather(&c, pick_one, &op, 0);
    double lo, hi;
    group_range(r, g, c.from, c.to, &lo, &hi);
    marks_range(c.marks, ch.n_marks, &lo, &hi);
    sw_axis_nice(&lo, &hi, 6);
    char sub[200], date[32], val[96], label[200], n1[SW_NUM_MAX], n2[SW_NUM_MAX];
    strcpy(sub, dated(date, bk->day));
    strcat(sub, " \xC2\xB7 members' % move vs previous close");
    strcpy(val, sw_fmt_num(n1, (double)down, 0, 0));
    strcat(val, " down, ");
    strcat(val, sw_fmt_num(n2, (double)up, 0, 0));
    strcat(val, " up");
    label[0] = '\0';
    strncat(label, g->name, 64);
    strcat(label, ": each member's % move against its previous close, alerts marked");
    ch.width = w;
    ch.height = h;
    ch.title = g->name;
    ch.subtitle = sub;
    ch.value = nl ? val : NULL;
    ch.label = label;
    ch.y_lo = lo;
    ch.y_hi = hi;
    ch.y_unit = "%";
    ch.slots = &slot;
    ch.n_slots = 1;
    ch.lines = lines;
    ch.n_lines = nl;
    ch.label_room = 104;
    ch.focus = focus;
    sw_chart_draw(&ch, pen);
    free(lines);
    free(names);
    free(c.titles);
    free(c.marks);
    return 0;
}
