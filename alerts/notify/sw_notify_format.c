/* sw_notify_format.c -- see sw_notify_format.h. */
#include "sw_notify_format.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOVERS_SHOWN 8
#define SLACK_HEADER_MAX 150
#define SLACK_TEXT_MAX 3000
#define DISCORD_MAX 2000
#define TELEGRAM_MAX 4096

/* ---- a growable string --------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
}

static char *sb_take(sbuf *b)
{
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    if (!b->p)
        return calloc(1, 1);
    return b->p;
}

/* Cut s to at most max bytes on a UTF-8 boundary, marking the cut. */
static void cut_utf8(char *s, size_t max, const char *mark)
{
    size_t n = strlen(s), ml = strlen(mark);
    if (n <= max || max < ml)
        return;
    size_t at = max - ml;
    while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80)
        at--;
    memcpy(s + at, mark, ml + 1);
}

/* ---- pieces --------------------------------------------------------------- */

static const char *sev_upper(const sw_alert *a)
{
    if (a->resolved)
        return "RESOLVED";
    return a->severity == SW_SEV_CRITICAL ? "CRITICAL" : a->severity == SW_SEV_WARNING ? "WARNING" : "INFO";
}

static int worst(const sw_alert *const *al, size_t n)
{
    size_t w = 0;
    for (size_t i = 1; i < n; i++)
        if (al[i]->severity > al[w]->severity)
            w = i;
    return (int)w;
}

/* Prices and references with at most 4 decimals, trailing zeros dropped. */
static char *fmt_num(double v, char *buf, size_t len)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "-");
        return buf;
    }
    snprintf(buf, len, "%.4f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
    return buf;
}

static char *fmt_pct(double v, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, "%+.2f%%", v);
    else
        snprintf(buf, len, "-");
    return buf;
}

char *sw_nf_time_ny(int64_t ts_ns, char *buf, size_t len)
{
    int sod, y, m, d;
    int64_t day = sw_ny_day(ts_ns, &sod);
    sw_civil_from_days(day, &y, &m, &d);
    int64_t ms = ts_ns / 1000000 % 1000;
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%03d %s", y, m, d, sod / 3600, sod / 60 % 60, sod % 60,
             (int)(ms < 0 ? 0 : ms), sw_ny_offset_s(ts_ns) == -14400 ? "EDT" : "EST");
    return buf;
}

static const char *window_label(const char *w)
{
    if (strcmp(w, "prev_close") == 0)
        return "prev close";
    return w;
}

/* A short ASCII headline of one alert, without the severity tag. */
static void headline(const sw_alert *a, char *buf, size_t len)
{
    char pct[32];
    if (!a->resolved && strcmp(a->detector, "pct_move") == 0 && isfinite(a->change_pct)) {
        const char *w = window_label(a->window);
        snprintf(buf, len, "%s %s vs %s%s", a->symbol, fmt_pct(a->change_pct, pct, sizeof pct), w,
                 strcmp(w, "prev close") && strcmp(w, "open") ? " ago" : "");
    } else if (!a->resolved && strcmp(a->detector, "zscore") == 0 && isfinite(a->zscore)) {
        snprintf(buf, len, "%s z %+.2f (%s, %s bar)", a->symbol, a->zscore, fmt_pct(a->change_pct, pct, sizeof pct),
                 a->window);
    } else {
        snprintf(buf, len, "%s", a->message);
    }
}

/* Printable ASCII only: a mail header must not carry raw 8-bit text or a
 * line break that would start a header of the sender's choosing. */
static void ascii_only(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = '?';
}

typedef struct mover {
    const char *symbol;
    double pct;
    int from_prev_close;
} mover;

static int cmp_mover(const void *x, const void *y)
{
    double a = fabs(((const mover *)x)->pct), b = fabs(((const mover *)y)->pct);
    return a < b ? 1 : a > b ? -1 : strcmp(((const mover *)x)->symbol, ((const mover *)y)->symbol);
}

/* The digest's movers: each symbol once, its move vs the previous close when
 * an alert or the group's breadth members say it, else its largest move. */
static size_t collect_movers(const sw_alert *const *al, size_t n, mover *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const sw_alert *a = al[i];
        size_t nm = a->n_members ? a->n_members : 1;
        for (size_t j = 0; j < nm; j++) {
            const char *sym = a->n_members ? a->members[j].symbol : a->symbol;
            double pct = a->n_members ? a->members[j].change_pct : a->change_pct;
            int pc = a->n_members || strcmp(a->window, "prev_close") == 0;
            if (!isfinite(pct) || (a->group[0] && !a->n_members) || a->resolved)
                continue;
            size_t f = 0;
            while (f < k && strcmp(out[f].symbol, sym) != 0)
                f++;
            if (f == k) {
                if (k == cap)
                    continue;
                out[k++] = (mover){ sym, pct, pc };
            } else if ((pc && !out[f].from_prev_close) ||
                       (pc == out[f].from_prev_close && fabs(pct) > fabs(out[f].pct))) {
                out[f].pct = pct;
                out[f].from_prev_close = pc;
            }
        }
    }
    qsort(out, k, sizeof *out, cmp_mover);
    return k;
}

static void movers_line(const sw_alert *const *al, size_t n, int ascii, char *buf, size_t len)
{
    mover mv[SW_ALERT_MAX_MEMBERS * 2];
    size_t k = collect_movers(al, n, mv, sizeof mv / sizeof mv[0]);
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k && i < MOVERS_SHOWN; i++) {
        char pct[32];
        used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s %s", i ? ", " : "", mv[i].symbol,
                                 fmt_pct(mv[i].pct, pct, sizeof pct));
        if (used >= len)
            return;
    }
    if (k > MOVERS_SHOWN)
        snprintf(buf + used, len - used, ", %s (%zu more)", ascii ? "..." : "\xe2\x80\xa6", k - MOVERS_SHOWN);
}

void sw_nf_summary(const sw_alert *const *al, size_t n, const char *group, int ascii, char *buf, size_t len)
{
    if (n == 1 || !group) {
        snprintf(buf, len, "%s", al[0]->message);
        return;
    }
    const sw_alert *lead = NULL;
    size_t by[3] = { 0, 0, 0 };
    for (size_t i = 0; i < n; i++) {
        by[al[i]->severity]++;
        /* The group's own alert says it best ("ai: 9 of 14 members down 5%..."); the most severe, latest. */
        if (al[i]->n_members && !al[i]->resolved && (!lead || al[i]->severity >= lead->severity))
            lead = al[i];
    }
    char head[320], movers[512];
    if (lead)
        snprintf(head, sizeof head, "%s", lead->message);
    else
        snprintf(head, sizeof head, "%s: %zu alerts (%zu critical, %zu warning, %zu info)", group, n, by[2], by[1],
                 by[0]);
    movers_line(al, n, ascii, movers, sizeof movers);
    snprintf(buf, len, "%s%s%s", head, movers[0] ? (ascii ? " - " : " \xe2\x80\x94 ") : "", movers);
}

void sw_nf_subject(const sw_alert *const *al, size_t n, const char *group, char *buf, size_t len)
{
    const sw_alert *w = al[worst(al, n)];
    char h[400];
    if (n == 1 || !group) {
        headline(al[0], h, sizeof h);
        snprintf(buf, len, "[%s] %s", sev_upper(al[0]), h);
    } else {
        char movers[512];
        movers_line(al, n, 1, movers, sizeof movers);
        snprintf(buf, len, "[%s] %s: %zu alerts%s%s", w->severity == SW_SEV_CRITICAL ? "CRITICAL"
                                                      : w->severity == SW_SEV_WARNING ? "WARNING" : "INFO",
                 group, n, movers[0] ? " - " : "", movers);
    }
    ascii_only(buf);
    /* RFC 5322 wants lines under 78 characters where it can; a subject this long is unreadable anyway. */
    if (strlen(buf) > 200)
        memcpy(buf + 197, "...", 4);
}

/* ---- plain text ------------------------------------------------------------- */

static void text_block(sbuf *b, const sw_alert *a)
{
    char num[64], t[64], u[40];
    sb_printf(b, "[%s] %s\n", sev_upper(a), a->message);
    sb_printf(b, "  Symbol:     %s\n", a->symbol);
    sb_printf(b, "  Group:      %s\n", a->group[0] ? a->group : "-");
    sb_printf(b, "  Severity:   %s%s\n", sw_severity_name(a->severity), a->resolved ? " (resolved)" : "");
    sb_printf(b, "  Detector:   %s\n", a->detector);
    sb_printf(b, "  Price:      %s\n", fmt_num(a->price, num, sizeof num));
    sb_printf(b, "  Move:       %s (%s, over %s)\n", fmt_pct(a->change_pct, num, sizeof num),
              a->direction < 0 ? "down" : a->direction > 0 ? "up" : "none", a->window);
    sb_printf(b, "  Z-score:    %s\n", isfinite(a->zscore) ? (snprintf(num, sizeof num, "%+.2f", a->zscore), num) : "-");
    sb_printf(b, "  Reference:  %s\n", fmt_num(a->reference, num, sizeof num));
    sb_printf(b, "  Time (NY):  %s\n", sw_nf_time_ny(a->ts_ns, t, sizeof t));
    sb_printf(b, "  Time (UTC): %s\n", sw_format_iso_ms(a->ts_ns, u, sizeof u));
    sb_printf(b, "  Alert id:   %s\n", a->id);
    if (a->n_members) {
        sb_printf(b, "  Members:   ");
        for (size_t i = 0; i < a->n_members; i++)
            sb_printf(b, "%s %s %s", i ? "," : "", a->members[i].symbol,
                      fmt_pct(a->members[i].change_pct, num, sizeof num));
        sb_printf(b, "\n");
    }
}

char *sw_nf_text(const sw_alert *const *al, size_t n, const char *group)
{
    sbuf b = { 0 };
    if (n > 1 && group) {
        char sum[1024];
        sw_nf_summary(al, n, group, 1, sum, sizeof sum);
        sb_printf(&b, "%s\n\n%zu alerts of group %s, in the order they arrived:\n\n", sum, n, group);
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_printf(&b, "\n");
        text_block(&b, al[i]);
    }
    sb_printf(&b, "\n-- \nshock-notify (shockwatch %s)\n", SHOCK_VERSION);
    return sb_take(&b);
}

char *sw_nf_console(const sw_alert *const *al, size_t n, const char *group)
{
    sbuf b = { 0 };
    char line[600];
    if (n > 1 && group) {
        char sum[1024];
        sw_nf_summary(al, n, group, 0, sum, sizeof sum);
        sb_printf(&b, "DIGEST %s: %zu alerts | %s\n", group, n, sum);
    }
    for (size_t i = 0; i < n; i++)
        if (sw_alert_to_text(al[i], line, sizeof line) >= 0)
            sb_printf(&b, "%s%s\n", n > 1 && group ? "  " : "", line);
    return sb_take(&b);
}

/* ---- Slack ---------------------------------------------------------------------- */

/* Slack's mrkdwn gives &, < and > a meaning (links, mentions). */
static void slack_escape(sbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            sb_printf(b, "&amp;");
        else if (*s == '<')
            sb_printf(b, "&lt;");
        else if (*s == '>')
            sb_printf(b, "&gt;");
        else
            sb_printf(b, "%c", *s);
    }
}

static const char *sev_colour(const sw_alert *a)
{
    if (a->resolved)
        return "#2EB67D";
    return a->severity == SW_SEV_CRITICAL ? "#D7263D" : a->severity == SW_SEV_WARNING ? "#F4A261" : "#439FE0";
}

static cJSON *mrkdwn(const char *text)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "mrkdwn");
    cJSON_AddStringToObject(o, "text", text);
    return o;
}

static void add_field(cJSON *fields, const char *label, const char *value)
{
    sbuf b = { 0 };
    sb_printf(&b, "*%s*\n", label);
    slack_escape(&b, value);
    char *s = sb_take(&b);
    if (s)
        cJSON_AddItemToArray(fields, mrkdwn(s));
    free(s);
}

static void add_section_text(cJSON *blocks, char *text)
{
    cut_utf8(text, SLACK_TEXT_MAX, "\xe2\x80\xa6");
    cJSON *sec = cJSON_CreateObject();
    cJSON_AddStringToObject(sec, "type", "section");
    cJSON_AddItemToObject(sec, "text", mrkdwn(text));
    cJSON_AddItemToArray(blocks, sec);
}

char *sw_nf_slack(const sw_alert *const *al, size_t n, const char *group)
{
    const sw_alert *w = al[worst(al, n)];
    int digest = n > 1 && group;
    char header[256], sum[1024], num[64], t[64], u[40];
    cJSON *root = cJSON_CreateObject();
    sw_nf_summary(al, n, group, 0, sum, sizeof sum);
    if (digest)
        snprintf(header, sizeof header, "%s \xc2\xb7 %s \xc2\xb7 %zu alerts", sev_upper(w), group, n);
    else
        snprintf(header, sizeof header, "%s \xc2\xb7 %s", sev_upper(w), w->symbol);
    cut_utf8(header, SLACK_HEADER_MAX, "\xe2\x80\xa6");
    /* Notifications and clients without blocks show this. */
    char fallback[1200];
    snprintf(fallback, sizeof fallback, "[%s] %s", sev_upper(w), sum);
    cut_utf8(fallback, SLACK_TEXT_MAX, "\xe2\x80\xa6");
    cJSON_AddStringToObject(root, "text", fallback);
    cJSON *att = cJSON_CreateObject();
    cJSON_AddStringToObject(att, "color", sev_colour(w));
    cJSON_AddStringToObject(att, "fallback", fallback);
    cJSON *blocks = cJSON_AddArrayToObject(att, "blocks");
    cJSON *hb = cJSON_CreateObject();
    cJSON_AddStringToObject(hb, "type", "header");
    cJSON *ht = cJSON_AddObjectToObject(hb, "text");
    cJSON_AddStringToObject(ht, "type", "plain_text");
    cJSON_AddStringToObject(ht, "text", header);
    cJSON_AddItemToArray(blocks, hb);

    sbuf b = { 0 };
    slack_escape(&b, sum);
    char *s = sb_take(&b);
    if (s)
        add_section_text(blocks, s);
    free(s);
    if (!digest) {
        const sw_alert *a = al[0];
        cJSON *sec = cJSON_CreateObject();
        cJSON_AddStringToObject(sec, "type", "section");
        cJSON *fields = cJSON_AddArrayToObject(sec, "fields");
        add_field(fields, "Price", fmt_num(a->price, num, sizeof num));
        char mv[96], pct[32];
        snprintf(mv, sizeof mv, "%s (%s)", fmt_pct(a->change_pct, pct, sizeof pct),
                 a->direction < 0 ? "down" : a->direction > 0 ? "up" : "none");
        add_field(fields, "Move", mv);
        add_field(fields, "Z-score", isfinite(a->zscore) ? (snprintf(num, sizeof num, "%+.2f", a->zscore), num) : "-");
        char ref[96];
        snprintf(ref, sizeof ref, "%s (%s)", fmt_num(a->reference, num, sizeof num), a->window);
        add_field(fields, "Reference", ref);
        add_field(fields, "Time (New York)", sw_nf_time_ny(a->ts_ns, t, sizeof t));
        add_field(fields, "Time (UTC)", sw_format_iso_ms(a->ts_ns, u, sizeof u));
        cJSON_AddItemToArray(blocks, sec);
    } else {
        sbuf l = { 0 };
        for (size_t i = 0; i < n; i++) {
            sb_printf(&l, "\xe2\x80\xa2 *%s* ", sev_upper(al[i]));
            slack_escape(&l, al[i]->message);
            sb_printf(&l, " _(%s, %s)_\n", al[i]->detector, sw_nf_time_ny(al[i]->ts_ns, t, sizeof t) + 11);
        }
        char *lines = sb_take(&l);
        if (lines)
            add_section_text(blocks, lines);
        free(lines);
    }
    /* The ids, so an operator can find the alert in the stream or the dead letters. */
    sbuf c = { 0 };
    if (digest) {
        /* Each time in a buffer of its own: both are arguments of one call. */
        char t_last[64];
        sb_printf(&c, "%s to %s (%s) \xc2\xb7 ids ", sw_nf_time_ny(al[0]->ts_ns, t, sizeof t),
                  sw_nf_time_ny(al[n - 1]->ts_ns, t_last, sizeof t_last) + 11,
                  sw_format_iso_ms(al[0]->ts_ns, u, sizeof u));
    }
    else
        sb_printf(&c, "%s%s%s \xc2\xb7 id ", al[0]->detector, al[0]->group[0] ? " \xc2\xb7 group " : "", al[0]->group);
    for (size_t i = 0; i < n; i++)
        sb_printf(&c, "%s%s", i ? " " : "", al[i]->id);
    char *ctx = sb_take(&c);
    if (ctx) {
        cut_utf8(ctx, SLACK_TEXT_MAX, "\xe2\x80\xa6");
        cJSON *cb = cJSON_CreateObject();
        cJSON_AddStringToObject(cb, "type", "context");
        cJSON *els = cJSON_AddArrayToObject(cb, "elements");
        cJSON_AddItemToArray(els, mrkdwn(ctx));
        cJSON_AddItemToArray(blocks, cb);
    }
    free(ctx);
    cJSON *atts = cJSON_AddArrayToObject(root, "attachments");
    cJSON_AddItemToArray(atts, att);
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

/* ---- Discord and Telegram ------------------------------------------------------ */

static char *short_text(const sw_alert *const *al, size_t n, const char *group, int bold, size_t max)
{
    sbuf b = { 0 };
    char subj[256], t[64], num[64], pct[32];
    sw_nf_subject(al, n, group, subj, sizeof subj);
    sb_printf(&b, bold ? "**%s**\n" : "%s\n", subj);
    if (n > 1 && group) {
        char sum[1024];
        sw_nf_summary(al, n, group, 0, sum, sizeof sum);
        sb_printf(&b, "%s\n", sum);
        for (size_t i = 0; i < n; i++)
            sb_printf(&b, "\xe2\x80\xa2 [%s] %s (%s)\n", sev_upper(al[i]), al[i]->message,
                      sw_nf_time_ny(al[i]->ts_ns, t, sizeof t) + 11);
    } else {
        const sw_alert *a = al[0];
        sb_printf(&b, "%s\nprice %s \xc2\xb7 move %s \xc2\xb7 ", a->message, fmt_num(a->price, num, sizeof num),
                  fmt_pct(a->change_pct, pct, sizeof pct));
        sb_printf(&b, "ref %s (%s)", fmt_num(a->reference, num, sizeof num), a->window);
        if (isfinite(a->zscore))
            sb_printf(&b, " \xc2\xb7 z %+.2f", a->zscore);
        char u[40];
        sb_printf(&b, "\n%s \xc2\xb7 %s\n", sw_nf_time_ny(a->ts_ns, t, sizeof t),
                  sw_format_iso_ms(a->ts_ns, u, sizeof u));
    }
    sb_printf(&b, "id");
    for (size_t i = 0; i < n; i++)
        sb_printf(&b, " %s", al[i]->id);
    char *s = sb_take(&b);
    if (s)
        cut_utf8(s, max, "\xe2\x80\xa6");
    return s;
}

char *sw_nf_discord(const sw_alert *const *al, size_t n, const char *group)
{
    char *text = short_text(al, n, group, 1, DISCORD_MAX);
    if (!text)
        return NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "content", text);
    /* A symbol or message must never ping @everyone. */
    cJSON *am = cJSON_AddObjectToObject(root, "allowed_mentions");
    cJSON_AddArrayToObject(am, "parse");
    free(text);
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

char *sw_nf_telegram(const char *chat_id, const sw_alert *const *al, size_t n, const char *group)
{
    char *text = short_text(al, n, group, 0, TELEGRAM_MAX);
    if (!text)
        return NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "chat_id", chat_id);
    cJSON_AddStringToObject(root, "text", text);
    cJSON_AddBoolToObject(root, "disable_web_page_preview", 1);
    free(text);
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

/* ---- pictures ------------------------------------------------------------------ */

char *sw_nf_telegram_text(const sw_alert *const *al, size_t n, const char *group)
{
    return short_text(al, n, group, 0, TELEGRAM_MAX);
}

size_t sw_nf_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n += *p >= 0xF0 ? 2 : 1; /* Telegram counts UTF-16 units: a 4-byte character is two */
    return n;
}

char *sw_nf_slack_link(const char *payload, const char *url, const char *text)
{
    cJSON *root = cJSON_Parse(payload);
    cJSON *att = root ? cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "attachments"), 0) : NULL;
    cJSON *blocks = att ? cJSON_GetObjectItemCaseSensitive(att, "blocks") : NULL;
    if (!cJSON_IsArray(blocks)) {
        cJSON_Delete(root);
        return NULL;
    }
    /* <url|text>: Slack's link syntax, &, < and > escaped; a '|' in the
     * URL would end it early: percent-encoded. */
    sbuf b = { 0 };
    sb_printf(&b, "<");
    for (const char *p = url; *p; p++) {
        char one[2] = { *p, 0 };
        if (*p == '|')
            sb_printf(&b, "%%7C");
        else
            slack_escape(&b, one);
    }
    sb_printf(&b, "|");
    slack_escape(&b, text);
    sb_printf(&b, ">");
    char *link = sb_take(&b);
    if (link)
        add_section_text(blocks, link);
    free(link);
    char *out = link ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return out;
}
