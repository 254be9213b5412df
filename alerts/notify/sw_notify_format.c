/* sw_notify_format.c -- see sw_notify_format.h. */
#include "sw_notify_format.h"
#include "sw_dbuf.h"
#include "sw_escape.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOVERS_SHOWN 8
#define SLACK_HEADER_MAX 150
#define SLACK_TEXT_MAX 3000
#define DISCORD_MAX 2000
#define TELEGRAM_MAX 4096

/* Every message is built in a bounded buffer: a digest of 200 alerts is
 * about 120 KB of mail text; nothing legitimate comes near this. */
#define NF_MAX (1u << 20)

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

/* "regular", "pre", "post", "closed", or "-" for an alert without the field. */
static const char *session_label(const sw_alert *a)
{
    const char *n = sw_session_name(a->session);
    return n ? n : "-";
}

static const char *window_label(const char *w)
{
    if (strcmp(w, "prev_close") == 0)
        return "prev close";
    return w;
}

/* Every piece of text that came with an alert (message, symbol, group,
 * detector, window, member symbols, id) goes through the target's escape
 * function `esc` (sw_escape.h); what we write ourselves does not need it. */

/* A short headline of one alert, without the severity tag. */
static void headline(sw_dbuf *b, const sw_alert *a, sw_esc_fn esc)
{
    char pct[32];
    if (!a->resolved && strcmp(a->detector, "pct_move") == 0 && isfinite(a->change_pct)) {
        const char *w = window_label(a->window);
        esc(b, a->symbol);
        sw_dbuf_printf(b, " %s vs ", fmt_pct(a->change_pct, pct, sizeof pct));
        esc(b, w);
        sw_dbuf_addstr(b, strcmp(w, "prev close") && strcmp(w, "open") ? " ago" : "");
    } else if (!a->resolved && strcmp(a->detector, "zscore") == 0 && isfinite(a->zscore)) {
        esc(b, a->symbol);
        sw_dbuf_printf(b, " z %+.2f (%s, ", a->zscore, fmt_pct(a->change_pct, pct, sizeof pct));
        esc(b, a->window);
        sw_dbuf_addstr(b, " bar)");
    } else {
        esc(b, a->message);
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

/* "AVGO -17.40%, NVDA -16.97%, ..."; returns whether anything was written. */
static int movers_line(sw_dbuf *b, const sw_alert *const *al, size_t n, int ascii, sw_esc_fn esc)
{
    mover mv[SW_ALERT_MAX_MEMBERS * 2];
    size_t k = collect_movers(al, n, mv, sizeof mv / sizeof mv[0]);
    for (size_t i = 0; i < k && i < MOVERS_SHOWN; i++) {
        char pct[32];
        sw_dbuf_addstr(b, i ? ", " : "");
        esc(b, mv[i].symbol);
        sw_dbuf_printf(b, " %s", fmt_pct(mv[i].pct, pct, sizeof pct));
    }
    if (k > MOVERS_SHOWN)
        sw_dbuf_printf(b, ", %s (%zu more)", ascii ? "..." : "\xe2\x80\xa6", k - MOVERS_SHOWN);
    return k > 0;
}

static void summary(sw_dbuf *b, const sw_alert *const *al, size_t n, const char *group, int ascii, sw_esc_fn esc)
{
    if (n == 1 || !group) {
        esc(b, al[0]->message);
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
    if (lead) {
        esc(b, lead->message);
    } else {
        esc(b, group);
        sw_dbuf_printf(b, ": %zu alerts (%zu critical, %zu warning, %zu info)", n, by[2], by[1], by[0]);
    }
    sw_dbuf mv = SW_DBUF_INIT(4096);
    if (movers_line(&mv, al, n, ascii, esc)) {
        sw_dbuf_addstr(b, ascii ? " - " : " \xe2\x80\x94 ");
        sw_dbuf_add(b, sw_dbuf_str(&mv), sw_dbuf_len(&mv));
    }
    sw_dbuf_free(&mv);
}

/* The copy of b's text into buf (len bytes), cut on a character boundary;
 * b is freed. */
static void to_buf(sw_dbuf *b, char *buf, size_t len)
{
    if (len) {
        const char *s = sw_dbuf_str(b);
        size_t n = sw_dbuf_len(b);
        if (n > len - 1) {
            n = len - 1;
            while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(buf, s, n);
        buf[n] = '\0';
    }
    sw_dbuf_free(b);
}

void sw_nf_summary(const sw_alert *const *al, size_t n, const char *group, int ascii, char *buf, size_t len)
{
    sw_dbuf b = SW_DBUF_INIT(NF_MAX);
    summary(&b, al, n, group, ascii, sw_esc_plain);
    to_buf(&b, buf, len);
}

static const char *worst_name(const sw_alert *w)
{
    return w->severity == SW_SEV_CRITICAL ? "CRITICAL" : w->severity == SW_SEV_WARNING ? "WARNING" : "INFO";
}

/* "[CRITICAL] NVDA -16.97% vs prev close", or a digest's
 * "[CRITICAL] ai: 4 alerts - AVGO -17.40%, ..." */
static void subject(sw_dbuf *b, const sw_alert *const *al, size_t n, const char *group, sw_esc_fn esc)
{
    if (n == 1 || !group) {
        sw_dbuf_printf(b, "[%s] ", sev_upper(al[0]));
        headline(b, al[0], esc);
    } else {
        sw_dbuf_printf(b, "[%s] ", worst_name(al[worst(al, n)]));
        esc(b, group);
        sw_dbuf_printf(b, ": %zu alerts", n);
        sw_dbuf mv = SW_DBUF_INIT(4096);
        if (movers_line(&mv, al, n, 1, esc)) {
            sw_dbuf_addstr(b, " - ");
            sw_dbuf_add(b, sw_dbuf_str(&mv), sw_dbuf_len(&mv));
        }
        sw_dbuf_free(&mv);
    }
}

void sw_nf_subject(const sw_alert *const *al, size_t n, const char *group, char *buf, size_t len)
{
    sw_dbuf b = SW_DBUF_INIT(NF_MAX);
    subject(&b, al, n, group, sw_esc_plain);
    to_buf(&b, buf, len);
    ascii_only(buf);
    /* RFC 5322 wants lines under 78 characters where it can; a subject this long is unreadable anyway. */
    if (strlen(buf) > 200)
        memcpy(buf + 197, "...", 4);
}

/* ---- plain text ------------------------------------------------------------- */

static void text_block(sw_dbuf *b, const sw_alert *a)
{
    char num[64], t[64], u[40];
    sw_dbuf_printf(b, "[%s] ", sev_upper(a));
    sw_esc_plain(b, a->message);
    sw_dbuf_addstr(b, "\n  Symbol:     ");
    sw_esc_plain(b, a->symbol);
    sw_dbuf_addstr(b, "\n  Group:      ");
    sw_esc_plain(b, a->group[0] ? a->group : "-");
    sw_dbuf_printf(b, "\n  Severity:   %s%s\n", sw_severity_name(a->severity), a->resolved ? " (resolved)" : "");
    sw_dbuf_addstr(b, "  Detector:   ");
    sw_esc_plain(b, a->detector);
    sw_dbuf_printf(b, "\n  Price:      %s\n", fmt_num(a->price, num, sizeof num));
    sw_dbuf_printf(b, "  Move:       %s (%s, over ", fmt_pct(a->change_pct, num, sizeof num),
                   a->direction < 0 ? "down" : a->direction > 0 ? "up" : "none");
    sw_esc_plain(b, a->window);
    sw_dbuf_printf(b, ")\n  Z-score:    %s\n",
                   isfinite(a->zscore) ? (snprintf(num, sizeof num, "%+.2f", a->zscore), num) : "-");
    sw_dbuf_printf(b, "  Reference:  %s\n", fmt_num(a->reference, num, sizeof num));
    sw_dbuf_addstr(b, "  Session:    ");
    sw_esc_plain(b, session_label(a));
    sw_dbuf_addstr(b, "\n");
    sw_dbuf_printf(b, "  Time (NY):  %s\n", sw_nf_time_ny(a->ts_ns, t, sizeof t));
    sw_dbuf_printf(b, "  Time (UTC): %s\n", sw_format_iso_ms(a->ts_ns, u, sizeof u));
    sw_dbuf_addstr(b, "  Alert id:   ");
    sw_esc_plain(b, a->id);
    sw_dbuf_addstr(b, "\n");
    if (a->n_members) {
        sw_dbuf_addstr(b, "  Members:   ");
        for (size_t i = 0; i < a->n_members; i++) {
            sw_dbuf_addstr(b, i ? ", " : " ");
            sw_esc_plain(b, a->members[i].symbol);
            sw_dbuf_printf(b, " %s", fmt_pct(a->members[i].change_pct, num, sizeof num));
        }
        sw_dbuf_addstr(b, "\n");
    }
}

char *sw_nf_text(const sw_alert *const *al, size_t n, const char *group)
{
    sw_dbuf b = SW_DBUF_INIT(NF_MAX);
    if (n > 1 && group) {
        summary(&b, al, n, group, 1, sw_esc_plain);
        sw_dbuf_printf(&b, "\n\n%zu alerts of group ", n);
        sw_esc_plain(&b, group);
        sw_dbuf_addstr(&b, ", in the order they arrived:\n\n");
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            sw_dbuf_addstr(&b, "\n");
        text_block(&b, al[i]);
    }
    sw_dbuf_printf(&b, "\n-- \nshock-notify (shockwatch %s)\n", SHOCK_VERSION);
    return sw_dbuf_take(&b);
}

char *sw_nf_console(const sw_alert *const *al, size_t n, const char *group)
{
    sw_dbuf b = SW_DBUF_INIT(NF_MAX);
    char line[600];
    if (n > 1 && group) {
        sw_dbuf_addstr(&b, "DIGEST ");
        sw_esc_plain(&b, group);
        sw_dbuf_printf(&b, ": %zu alerts | ", n);
        summary(&b, al, n, group, 0, sw_esc_plain);
        sw_dbuf_addstr(&b, "\n");
    }
    /* sw_alert_to_text is shockd's own line; here its parts came from the
     * stream, so the line is escaped whole (our parts have nothing to escape). */
    for (size_t i = 0; i < n; i++)
        if (sw_alert_to_text(al[i], line, sizeof line) >= 0) {
            sw_dbuf_addstr(&b, n > 1 && group ? "  " : "");
            sw_esc_plain(&b, line);
            sw_dbuf_addstr(&b, "\n");
        }
    return sw_dbuf_take(&b);
}

/* ---- Slack ---------------------------------------------------------------------- */

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

/* b's text, cut to max bytes, as a mrkdwn object; NULL after an error. */
static cJSON *mrkdwn_of(sw_dbuf *b, size_t max)
{
    char *s = sw_dbuf_take(b);
    if (!s)
        return NULL;
    cut_utf8(s, max, "\xe2\x80\xa6");
    cJSON *o = mrkdwn(s);
    free(s);
    return o;
}

static void add_field(cJSON *fields, const char *label, const char *value)
{
    sw_dbuf b = SW_DBUF_INIT(NF_MAX);
    sw_dbuf_printf(&b, "*%s*\n", label);
    sw_esc_slack(&b, value);
    cJSON_AddItemToArray(fields, mrkdwn_of(&b, SLACK_TEXT_MAX));
}

static void add_section_text(cJSON *blocks, sw_dbuf *text)
{
    cJSON *sec = cJSON_CreateObject();
    cJSON_AddStringToObject(sec, "type", "section");
    cJSON_AddItemToObject(sec, "text", mrkdwn_of(text, SLACK_TEXT_MAX));
    cJSON_AddItemToArray(blocks, sec);
}

char *sw_nf_slack(const sw_alert *const *al, size_t n, const char *group)
{
    const sw_alert *w = al[worst(al, n)];
    int digest = n > 1 && group;
    char num[64], t[64], u[40];
    cJSON *root = cJSON_CreateObject();
    sw_dbuf b = SW_DBUF_INIT(NF_MAX);
    /* The header is plain_text: the symbol or group is escaped all the same. */
    sw_dbuf_printf(&b, "%s \xc2\xb7 ", sev_upper(w));
    sw_esc_slack(&b, digest ? group : w->symbol);
    if (digest)
        sw_dbuf_printf(&b, " \xc2\xb7 %zu alerts", n);
    char *header = sw_dbuf_take(&b);
    if (header)
        cut_utf8(header, SLACK_HEADER_MAX, "\xe2\x80\xa6");
    /* Notifications and clients without blocks show this: the top-level text
     * is mrkdwn, so it is escaped like every other text. */
    sw_dbuf_printf(&b, "[%s] ", sev_upper(w));
    summary(&b, al, n, group, 0, sw_esc_slack);
    char *fallback = sw_dbuf_take(&b);
    if (fallback)
        cut_utf8(fallback, SLACK_TEXT_MAX, "\xe2\x80\xa6");
    cJSON_AddStringToObject(root, "text", fallback ? fallback : "");
    cJSON *att = cJSON_CreateObject();
    cJSON_AddStringToObject(att, "color", sev_colour(w));
    cJSON_AddStringToObject(att, "fallback", fallback ? fallback : "");
    cJSON *blocks = cJSON_AddArrayToObject(att, "blocks");
    cJSON *hb = cJSON_CreateObject();
    cJSON_AddStringToObject(hb, "type", "header");
    cJSON *ht = cJSON_AddObjectToObject(hb, "text");
    cJSON_AddStringToObject(ht, "type", "plain_text");
    cJSON_AddStringToObject(ht, "text", header ? header : "");
    cJSON_AddItemToArray(blocks, hb);
    free(header);
    free(fallback);

    summary(&b, al, n, group, 0, sw_esc_slack);
    add_section_text(blocks, &b);
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
        add_field(fields, "Session", session_label(a));
        add_field(fields, "Time (New York)", sw_nf_time_ny(a->ts_ns, t, sizeof t));
        add_field(fields, "Time (UTC)", sw_format_iso_ms(a->ts_ns, u, sizeof u));
        cJSON_AddItemToArray(blocks, sec);
    } else {
        for (size_t i = 0; i < n; i++) {
            sw_dbuf_printf(&b, "\xe2\x80\xa2 *%s* ", sev_upper(al[i]));
            sw_esc_slack(&b, al[i]->message);
            sw_dbuf_addstr(&b, " _(");
            sw_esc_slack(&b, al[i]->detector);
            sw_dbuf_printf(&b, ", %s)_\n", sw_nf_time_ny(al[i]->ts_ns, t, sizeof t) + 11);
        }
        add_section_text(blocks, &b);
    }
    /* The ids, so an operator can find the alert in the stream or the dead letters. */
    if (digest) {
        /* Each time in a buffer of its own: both are arguments of one call
         * (one buffer made the range end at its start: "09:30 to 09:30"). */
        char t_last[64];
        sw_dbuf_printf(&b, "%s to %s (%s) \xc2\xb7 ids ", sw_nf_time_ny(al[0]->ts_ns, t, sizeof t),
                       sw_nf_time_ny(al[n - 1]->ts_ns, t_last, sizeof t_last) + 11,
                       sw_format_iso_ms(al[0]->ts_ns, u, sizeof u));
    } else {
        sw_esc_slack(&b, al[0]->detector);
        if (al[0]->group[0]) {
            sw_dbuf_addstr(&b, " \xc2\xb7 group ");
            sw_esc_slack(&b, al[0]->group);
        }
        sw_dbuf_addstr(&b, " \xc2\xb7 id ");
    }
    for (size_t i = 0; i < n; i++) {
        sw_dbuf_addstr(&b, i ? " " : "");
        sw_esc_slack(&b, al[i]->id);
    }
    cJSON *cb = cJSON_CreateObject();
    cJSON_AddStringToObject(cb, "type", "context");
    cJSON *els = cJSON_AddArrayToObject(cb, "elements");
    cJSON_AddItemToArray(els, mrkdwn_of(&b, SLACK_TEXT_MAX));
    cJSON_AddItemToArray(blocks, cb);
    cJSON *atts = cJSON_AddArrayToObject(root, "attachments");
    cJSON_AddItemToArray(atts, att);
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    sw_dbuf_free(&b);
    return out;
}

/* ---- Discord and Telegram ------------------------------------------------------ */

static char *short_text(const sw_alert *const *al, size_t n, const char *group, int bold, size_t max, sw_esc_fn esc)
{
    sw_dbuf b = SW_DBUF_INIT(NF_MAX);
    char t[64], num[64], pct[32];
    sw_dbuf_addstr(&b, bold ? "**" : "");
    subject(&b, al, n, group, esc);
    sw_dbuf_addstr(&b, bold ? "**\n" : "\n");
    if (n > 1 && group) {
        summary(&b, al, n, group, 0, esc);
        sw_dbuf_addstr(&b, "\n");
        for (size_t i = 0; i < n; i++) {
            sw_dbuf_printf(&b, "\xe2\x80\xa2 [%s] ", sev_upper(al[i]));
            esc(&b, al[i]->message);
            sw_dbuf_printf(&b, " (%s)\n", sw_nf_time_ny(al[i]->ts_ns, t, sizeof t) + 11);
        }
    } else {
        const sw_alert *a = al[0];
        esc(&b, a->message);
        sw_dbuf_printf(&b, "\nprice %s \xc2\xb7 move %s \xc2\xb7 ", fmt_num(a->price, num, sizeof num),
                       fmt_pct(a->change_pct, pct, sizeof pct));
        sw_dbuf_printf(&b, "ref %s (", fmt_num(a->reference, num, sizeof num));
        esc(&b, a->window);
        sw_dbuf_addstr(&b, ")");
        if (isfinite(a->zscore))
            sw_dbuf_printf(&b, " \xc2\xb7 z %+.2f", a->zscore);
        sw_dbuf_addstr(&b, " \xc2\xb7 session ");
        esc(&b, session_label(a));
        char u[40];
        sw_dbuf_printf(&b, "\n%s \xc2\xb7 %s\n", sw_nf_time_ny(a->ts_ns, t, sizeof t),
                       sw_format_iso_ms(a->ts_ns, u, sizeof u));
    }
    sw_dbuf_addstr(&b, "id");
    for (size_t i = 0; i < n; i++) {
        sw_dbuf_addstr(&b, " ");
        esc(&b, al[i]->id);
    }
    char *s = sw_dbuf_take(&b);
    if (s)
        cut_utf8(s, max, "\xe2\x80\xa6");
    return s;
}

char *sw_nf_discord(const sw_alert *const *al, size_t n, const char *group)
{
    char *text = short_text(al, n, group, 1, DISCORD_MAX, sw_esc_discord);
    if (!text)
        return NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "content", text);
    /* A symbol or message must never ping @everyone: no mention is parsed
     * (the text is escaped as well). */
    cJSON *am = cJSON_AddObjectToObject(root, "allowed_mentions");
    cJSON_AddArrayToObject(am, "parse");
    free(text);
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

char *sw_nf_telegram(const char *chat_id, const sw_alert *const *al, size_t n, const char *group)
{
    char *text = short_text(al, n, group, 0, TELEGRAM_MAX, sw_esc_telegram);
    if (!text)
        return NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "chat_id", chat_id);
    /* No parse_mode: plain text, nothing in it is markup (sw_escape.h). */
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
    return short_text(al, n, group, 0, TELEGRAM_MAX, sw_esc_telegram);
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
    sw_dbuf b = SW_DBUF_INIT(NF_MAX);
    sw_dbuf_addc(&b, '<');
    for (const char *p = url; *p; p++) {
        char one[2] = { *p, 0 };
        if (*p == '|')
            sw_dbuf_addstr(&b, "%7C");
        else
            sw_esc_slack(&b, one);
    }
    sw_dbuf_addc(&b, '|');
    sw_esc_slack(&b, text);
    sw_dbuf_addc(&b, '>');
    int link = sw_dbuf_error(&b) == 0;
    if (link)
        add_section_text(blocks, &b);
    sw_dbuf_free(&b);
    char *out = link ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return out;
}
