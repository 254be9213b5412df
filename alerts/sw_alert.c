/* sw_alert.c -- see sw_alert.h. */
#include "sw_alert.h"
#include "sw_time.h"
#include "sw_symtab.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Every string of schema v1 is one line of text (docs/alert-schema.md), and
 * shock-notify refuses one that is not: a control character (C0, DEL, C1)
 * becomes a space, so shockd never writes an alert its own reader would
 * dead-letter. */
static void one_line(char *s)
{
    char *o = s;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p < 0x20 || *p == 0x7f) {
            *o++ = ' ';
            p++;
        } else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            *o++ = ' ';
            p += 2;
        } else {
            *o++ = (char)*p++;
        }
    }
    *o = '\0';
}

/* Copy into a fixed field, as one line; a string that does not fit is cut at
 * a character boundary, never inside a UTF-8 sequence: the alert's JSON must
 * stay valid UTF-8 (RFC 8259), or consumers reject the whole alert. */
static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
    size_t len = strlen(dst);
    if (!src || src[len] == '\0') {
        one_line(dst);
        return;
    }
    size_t lead = len;
    while (lead > 0 && ((unsigned char)dst[lead - 1] & 0xC0) == 0x80) /* continuation bytes */
        lead--;
    if (lead > 0 && ((unsigned char)dst[lead - 1] & 0x80)) { /* not cut after an ASCII character */
        unsigned char b = (unsigned char)dst[lead - 1];
        size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        if (len - (lead - 1) < need)
            dst[lead - 1] = '\0'; /* the last character lost its tail: drop it */
    }
    one_line(dst);
}

void sw_alert_from_candidate(sw_alert *a, const sw_candidate *c, sw_severity severity, int resolved)
{
    memset(a, 0, sizeof *a);
    a->ts_ns = c->ts_ns;
    copy(a->symbol, sizeof a->symbol, c->symbol);
    copy(a->group, sizeof a->group, c->group);
    copy(a->detector, sizeof a->detector, c->detector);
    copy(a->window, sizeof a->window, c->window);
    a->session = sw_session_name(c->session) ? c->session : SW_SESSION_NONE;
    /* Outside the regular session a person reading the message should not
     * need the field to know it: a pre-market move is thinner news. */
    const char *tail = a->session == SW_SESSION_PRE ? " (pre-market)" : a->session == SW_SESSION_POST ? " (after hours)" : "";
    size_t tl = strlen(tail);
    copy(a->message, sizeof a->message - tl, c->text);
    size_t ml = strlen(a->message);
    if (tl && !(ml >= tl && strcmp(a->message + ml - tl, tail) == 0))
        memcpy(a->message + ml, tail, tl + 1);
    a->severity = severity;
    a->direction = c->direction;
    a->resolved = resolved;
    a->instance = c->instance;
    a->price = c->price;
    a->reference = c->reference;
    a->change_pct = c->change_pct;
    a->zscore = c->zscore;
    a->n_members = c->n_members < SW_ALERT_MAX_MEMBERS ? c->n_members : SW_ALERT_MAX_MEMBERS;
    for (size_t i = 0; i < a->n_members; i++) {
        copy(a->members[i].symbol, sizeof a->members[i].symbol, c->members[i].symbol);
        a->members[i].change_pct = c->members[i].change_pct;
    }
    /* The id depends only on what triggered the alert, so replaying the same
     * input yields the same ids and consumers can deduplicate across restarts. */
    char key[160];
    snprintf(key, sizeof key, "%s|%s|%d|%d|%d|%d|%lld", a->symbol, a->detector, a->instance,
             (int)severity, a->direction, resolved, (long long)a->ts_ns);
    snprintf(a->id, sizeof a->id, "%016llx", (unsigned long long)sw_hash_str(key));
}

#define FEED_DETECTOR "feed"

int sw_alert_detector_known(const char *name)
{
    return sw_detector_find(name) != NULL || strcmp(name, FEED_DETECTOR) == 0;
}

char *sw_alert_detector_names(char *buf, size_t len)
{
    size_t n, used = 0;
    const sw_detector_type *const *types = sw_detector_types(&n);
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i <= n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", i < n ? types[i]->name : FEED_DETECTOR);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

char *sw_format_iso_ms(int64_t ts_ns, char *buf, size_t len)
{
    int64_t ms = ts_ns >= 0 ? ts_ns / 1000000 : -((-ts_ns + 999999) / 1000000);
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int msec = (int)(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int sod = (int)(secs - days * 86400);
    int y, m, d;
    sw_civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, sod / 3600,
             sod / 60 % 60, sod % 60, msec);
    return buf;
}

/* Round for presentation: percent and z-score to 2 decimals, prices to 4, so
 * the JSON says -16.97 rather than -16.971672977142058. */
static double round_to(double v, double scale)
{
    return round(v * scale) / scale;
}

static cJSON *number_or_null(double v, double scale)
{
    return isfinite(v) ? cJSON_CreateNumber(round_to(v, scale)) : cJSON_CreateNull();
}

int sw_alert_to_json(const sw_alert *a, char *buf, size_t len)
{
    char ts[40];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return -1;
    cJSON_AddNumberToObject(o, "v", SW_ALERT_SCHEMA);
    cJSON_AddStringToObject(o, "id", a->id);
    cJSON_AddStringToObject(o, "ts", sw_format_iso_ms(a->ts_ns, ts, sizeof ts));
    cJSON_AddStringToObject(o, "symbol", a->symbol);
    if (a->group[0])
        cJSON_AddStringToObject(o, "group", a->group);
    else
        cJSON_AddNullToObject(o, "group");
    cJSON_AddStringToObject(o, "detector", a->detector);
    cJSON_AddStringToObject(o, "severity", sw_severity_name(a->severity));
    cJSON_AddItemToObject(o, "price", number_or_null(a->price, 1e4));
    cJSON_AddItemToObject(o, "reference", number_or_null(a->reference, 1e4));
    cJSON_AddItemToObject(o, "change_pct", number_or_null(a->change_pct, 1e2));
    cJSON_AddItemToObject(o, "zscore", number_or_null(a->zscore, 1e2));
    cJSON_AddStringToObject(o, "window", a->window);
    cJSON_AddStringToObject(o, "direction", a->direction < 0 ? "down" : a->direction > 0 ? "up" : "none");
    cJSON_AddBoolToObject(o, "resolved", a->resolved);
    if (sw_session_name(a->session))
        cJSON_AddStringToObject(o, "session", sw_session_name(a->session));
    cJSON_AddStringToObject(o, "message", a->message);
    if (a->n_members) {
        cJSON *arr = cJSON_AddArrayToObject(o, "members");
        for (size_t i = 0; arr && i < a->n_members; i++) {
            cJSON *m = cJSON_CreateObject();
            cJSON_AddStringToObject(m, "symbol", a->members[i].symbol);
            cJSON_AddItemToObject(m, "change_pct", number_or_null(a->members[i].change_pct, 1e2));
            cJSON_AddItemToArray(arr, m);
        }
    }
    /* PrintPreallocated needs a few spare bytes (cJSON's own guidance is 5). */
    int ok = len > 5 && cJSON_PrintPreallocated(o, buf, (int)(len - 5), 0);
    cJSON_Delete(o);
    return ok ? (int)strlen(buf) : -1;
}

int sw_alert_to_text(const sw_alert *a, char *buf, size_t len)
{
    int sod;
    int64_t day = sw_ny_day(a->ts_ns, &sod);
    int y, m, d;
    sw_civil_from_days(day, &y, &m, &d);
    int ms = (int)((a->ts_ns / 1000000) % 1000);
    static const char *const sev[] = { "info", "WARNING", "CRITICAL" };
    int n = snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%03d ET  %-8s  %-6s  %-10s  %s",
                     y, m, d, sod / 3600, sod / 60 % 60, sod % 60, ms < 0 ? 0 : ms,
                     sev[a->severity], a->symbol, a->detector, a->message);
    return n < 0 || (size_t)n >= len ? -1 : n;
}
