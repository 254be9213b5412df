/* sw_silence.c -- see sw_silence.h. */
#include "sw_silence.h"
#include "sw_escape.h"
#include "sw_nearest.h"
#include "sw_notify_route.h"
#include "sw_strict_json.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whole milliseconds from 2001 to 2200: a record's times. */
#define MS_MIN INT64_C(978307200000)
#define MS_MAX INT64_C(7258118400000)

static const char *const matcher_keys[] = { "symbol", "group", "detector", "severity", "channel" };

void sw_silence_init(sw_silence *s)
{
    memset(s, 0, sizeof *s);
    s->severity = -1;
}

int sw_silence_id_valid(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++)
        if (!isdigit((unsigned char)id[n]) && !(id[n] >= 'a' && id[n] <= 'f'))
            return 0;
    return n == SW_SILENCE_ID_LEN;
}

static int channel_name_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isalnum((unsigned char)s[n]) && s[n] != '_' && s[n] != '-')
            return 0;
    return n > 0 && n < SW_NOTIFY_NAME_MAX;
}

/* Text a person wrote (author, comment): UTF-8, one line, within max. */
static int text_ok(const char *s, size_t min, size_t max, const char *what, char *err, size_t errlen)
{
    size_t n = strlen(s);
    if (n < min || n > max) {
        snprintf(err, errlen, "%s is %zu bytes long (%zu to %zu)", what, n, min, max);
        return -1;
    }
    if (!sw_utf8_valid(s, n) || sw_json_has_control(s)) {
        snprintf(err, errlen, "%s is not one line of UTF-8 text", what);
        return -1;
    }
    return 0;
}

int sw_silence_check(const sw_silence *s, char *err, size_t errlen)
{
    if (!sw_silence_id_valid(s->id)) {
        snprintf(err, errlen, "the id is not %d lowercase hex digits", SW_SILENCE_ID_LEN);
        return -1;
    }
    if (!s->symbol[0] && !s->group[0] && !s->detector[0] && s->severity < 0 && !s->channel[0]) {
        snprintf(err, errlen, "no matcher: a silence names at least one of symbol, group, detector, severity, channel");
        return -1;
    }
    if (s->symbol[0] && !sw_symbol_valid(s->symbol)) {
        snprintf(err, errlen, "symbol is not a symbol (1 to %d of %s)", SW_SYMBOL_MAX - 1, SW_SYMBOL_CHARS);
        return -1;
    }
    if (s->group[0] && !sw_group_name_valid(s->group)) {
        snprintf(err, errlen, "group is not a group name (1 to %d letters, digits, '_' or '-')",
                 SW_GROUP_NAME_MAX - 1);
        return -1;
    }
    if (s->detector[0] && !sw_alert_detector_known(s->detector)) {
        char names[160];
        snprintf(err, errlen, "detector is not a detector type (one of %s)", sw_alert_detector_names(names, sizeof names));
        return -1;
    }
    if (s->severity < -1 || s->severity > SW_SEV_CRITICAL) {
        snprintf(err, errlen, "severity is not info, warning or critical");
        return -1;
    }
    if (s->channel[0] && !channel_name_valid(s->channel)) {
        snprintf(err, errlen, "channel is not a channel name (letters, digits, '_', '-')");
        return -1;
    }
    const int64_t *t[] = { &s->start_ms, &s->end_ms, &s->created_ms };
    for (size_t i = 0; i < 3; i++)
        if (*t[i] < MS_MIN || *t[i] > MS_MAX) {
            snprintf(err, errlen, "a time is not within the years 2001 to 2199");
            return -1;
        }
    if (s->end_ms <= s->start_ms) {
        snprintf(err, errlen, "the end is not after the start");
        return -1;
    }
    if (s->end_ms - s->start_ms > SW_SILENCE_MAX_MS) {
        snprintf(err, errlen, "it lasts longer than %d days (a silence is for an incident; a lasting change is a route)",
                 (int)(SW_SILENCE_MAX_MS / 86400000));
        return -1;
    }
    if (text_ok(s->author, 1, SW_SILENCE_AUTHOR_MAX, "the author", err, errlen) != 0 ||
        text_ok(s->comment, 0, SW_SILENCE_COMMENT_MAX, "the comment", err, errlen) != 0)
        return -1;
    return 0;
}

int sw_silence_to_json(const sw_silence *s, char *buf, size_t cap)
{
    char err[160];
    if (sw_silence_check(s, err, sizeof err) != 0)
        return -1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "v", SW_SILENCE_SCHEMA);
    cJSON_AddStringToObject(o, "id", s->id);
    cJSON *m = cJSON_AddObjectToObject(o, "matchers");
    if (!m) {
        cJSON_Delete(o);
        return -1;
    }
    const char *vals[] = { s->symbol, s->group, s->detector,
                           s->severity >= 0 ? sw_severity_name((sw_severity)s->severity) : "", s->channel };
    for (size_t i = 0; i < sizeof matcher_keys / sizeof matcher_keys[0]; i++)
        if (vals[i][0])
            cJSON_AddStringToObject(m, matcher_keys[i], vals[i]);
    /* Milliseconds since the epoch fit a double exactly (below 2^53). */
    cJSON_AddNumberToObject(o, "start_ms", (double)s->start_ms);
    cJSON_AddNumberToObject(o, "end_ms", (double)s->end_ms);
    cJSON_AddNumberToObject(o, "created_ms", (double)s->created_ms);
    cJSON_AddStringToObject(o, "author", s->author);
    cJSON_AddStringToObject(o, "comment", s->comment);
    int rc = -1;
    if (cJSON_PrintPreallocated(o, buf, (int)(cap > INT32_MAX ? INT32_MAX : cap), 0))
        rc = (int)strlen(buf);
    cJSON_Delete(o);
    return rc;
}

static int get_ms(const cJSON *o, const char *key, int64_t *out, char *err, size_t errlen)
{
    double v;
    if (sw_json_get_num(o, "", key, &v, 0, err, errlen) != 0)
        return -1;
    if (v != floor(v) || v < (double)MS_MIN || v > (double)MS_MAX) {
        snprintf(err, errlen, "\"%s\" is not whole milliseconds within the years 2001 to 2199", key);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

static int parse_matchers(const cJSON *m, sw_silence *s, char *err, size_t errlen)
{
    if (!cJSON_IsObject(m)) {
        snprintf(err, errlen, "\"matchers\" is %s (an object)", m ? "not an object" : "missing");
        return -1;
    }
    if (sw_json_unique_keys(m, "matchers.", err, errlen) != 0)
        return -1;
    for (const cJSON *c = m->child; c; c = c->next) {
        size_t k = 0;
        while (k < sizeof matcher_keys / sizeof matcher_keys[0] && strcmp(c->string, matcher_keys[k]) != 0)
            k++;
        if (k == sizeof matcher_keys / sizeof matcher_keys[0]) {
            char shown[64];
            snprintf(err, errlen, "matchers: unknown matcher \"%s\" (symbol, group, detector, severity, channel)",
                     sw_esc_line_buf(c->string, shown, sizeof shown));
            return -1;
        }
    }
    /* A matcher that is there matches something: "" is refused (not "any"). */
    char sev[16] = "";
    char *dst[] = { s->symbol, s->group, s->detector, sev, s->channel };
    size_t cap[] = { sizeof s->symbol, sizeof s->group, sizeof s->detector, sizeof sev, sizeof s->channel };
    for (size_t i = 0; i < sizeof dst / sizeof dst[0]; i++)
        if (cJSON_HasObjectItem(m, matcher_keys[i]) &&
            sw_json_get_str(m, "matchers.", matcher_keys[i], dst[i], cap[i], 0, err, errlen) != 0)
            return -1;
    if (sev[0]) {
        for (int v = 0; v <= SW_SEV_CRITICAL && s->severity < 0; v++)
            if (strcmp(sev, sw_severity_name((sw_severity)v)) == 0)
                s->severity = v;
        if (s->severity < 0) {
            snprintf(err, errlen, "matchers.severity is not info, warning or critical");
            return -1;
        }
    }
    return 0;
}

int sw_silence_parse(const char *json, size_t len, sw_silence *s, char *err, size_t errlen)
{
    sw_silence_init(s);
    cJSON *o = sw_json_record(json, len, SW_SILENCE_JSON_MAX, "silence", SW_SILENCE_SCHEMA, err, errlen);
    if (!o)
        return -1;
    int rc = -1;
    if (sw_json_get_str(o, "", "id", s->id, sizeof s->id, 0, err, errlen) ||
        parse_matchers(cJSON_GetObjectItemCaseSensitive(o, "matchers"), s, err, errlen) ||
        get_ms(o, "start_ms", &s->start_ms, err, errlen) || get_ms(o, "end_ms", &s->end_ms, err, errlen) ||
        get_ms(o, "created_ms", &s->created_ms, err, errlen) ||
        sw_json_get_str(o, "", "author", s->author, sizeof s->author, 0, err, errlen) ||
        sw_json_get_str(o, "", "comment", s->comment, sizeof s->comment, SW_JSON_EMPTY, err, errlen))
        goto done;
    rc = sw_silence_check(s, err, errlen);
done:
    cJSON_Delete(o);
    return rc;
}

int sw_silence_active(const sw_silence *s, int64_t now_ms)
{
    return s->start_ms <= now_ms && now_ms < s->end_ms;
}

int sw_silence_matches(const sw_silence *s, const sw_alert *a, const char *channel, const sw_group_spec *groups,
                       size_t n_groups)
{
    if (s->channel[0] && (!channel || strcmp(s->channel, channel) != 0))
        return 0;
    if (s->symbol[0] && strcmp(s->symbol, a->symbol) != 0)
        return 0;
    if (s->group[0] && !sw_notify_in_group(s->group, groups, n_groups, a))
        return 0;
    if (s->detector[0] && strcmp(s->detector, a->detector) != 0)
        return 0;
    if (s->severity >= 0 && (int)a->severity > s->severity)
        return 0;
    return 1;
}

char *sw_silence_matchers(const sw_silence *s, char *buf, size_t len)
{
    size_t used = 0;
    const char *vals[] = { s->symbol, s->group, s->detector,
                           s->severity >= 0 ? sw_severity_name((sw_severity)s->severity) : "", s->channel };
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof vals / sizeof vals[0] && used < len; i++) {
        if (!vals[i][0])
            continue;
        int w = snprintf(buf + used, len - used, "%s%s%s%s", used ? " " : "", matcher_keys[i],
                         i == 3 ? "<=" : "=", vals[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

char *sw_silence_clock(int64_t ms, int64_t now_ms, char *buf, size_t len)
{
    int sod, now_sod, y, m, d;
    int64_t day = sw_ny_day(ms * 1000000, &sod), today = sw_ny_day(now_ms * 1000000, &now_sod);
    if (day == today) {
        snprintf(buf, len, "%02d:%02d ET", sod / 3600, sod / 60 % 60);
    } else {
        sw_civil_from_days(day, &y, &m, &d);
        snprintf(buf, len, "%04d-%02d-%02d %02d:%02d ET", y, m, d, sod / 3600, sod / 60 % 60);
    }
    return buf;
}

void sw_silence_when(int64_t ms, char *ny, size_t nylen, char *utc, size_t utclen)
{
    int sod, y, m, d;
    int64_t ns = ms * 1000000;
    sw_civil_from_days(sw_ny_day(ns, &sod), &y, &m, &d);
    snprintf(ny, nylen, "%04d-%02d-%02d %02d:%02d:%02d %s", y, m, d, sod / 3600, sod / 60 % 60, sod % 60,
             sw_ny_offset_s(ns) == -14400 ? "EDT" : "EST");
    int64_t secs = ms / 1000, day = secs / 86400, sod_utc = secs % 86400;
    sw_civil_from_days(day, &y, &m, &d);
    snprintf(utc, utclen, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sod_utc / 3600), (int)(sod_utc / 60 % 60),
             (int)(sod_utc % 60));
}

int sw_silence_parse_duration(const char *text, int64_t *ms, char *err, size_t errlen)
{
    int64_t ns;
    size_t n = strlen(text);
    char shown[48];
    if (n == 0 || !isalpha((unsigned char)text[n - 1]) || !isdigit((unsigned char)text[0]) ||
        sw_parse_duration(text, &ns) != 0) {
        snprintf(err, errlen, "\"%s\" is not a duration (a number and a unit: 30s, 90m, 1.5h, 1d)",
                 sw_esc_line_buf(text, shown, sizeof shown));
        return -1;
    }
    if (ns < SW_NS_PER_SEC) {
        snprintf(err, errlen, "\"%s\" is shorter than a second", sw_esc_line_buf(text, shown, sizeof shown));
        return -1;
    }
    if (ns / 1000000 > SW_SILENCE_MAX_MS) {
        snprintf(err, errlen, "\"%s\" is longer than the %d days a silence may last",
                 sw_esc_line_buf(text, shown, sizeof shown), (int)(SW_SILENCE_MAX_MS / 86400000));
        return -1;
    }
    *ms = ns / 1000000;
    return 0;
}

int sw_silence_parse_time(const char *text, int64_t now_ms, int64_t *ms, char *err, size_t errlen)
{
    int h, mi, sec = 0, used = 0;
    char shown[48];
    size_t n = strlen(text);
    if ((sscanf(text, "%2d:%2d%n", &h, &mi, &used) == 2 && (size_t)used == n) ||
        (sscanf(text, "%2d:%2d:%2d%n", &h, &mi, &sec, &used) == 3 && (size_t)used == n)) {
        if (h > 23 || mi > 59 || sec > 59 || h < 0 || mi < 0 || sec < 0) {
            snprintf(err, errlen, "\"%s\" is not a time of day", sw_esc_line_buf(text, shown, sizeof shown));
            return -1;
        }
        *ms = sw_ny_to_utc(sw_ny_day(now_ms * 1000000, NULL), h, mi, sec) / 1000000;
        return 0;
    }
    int64_t ns;
    int flags = 0;
    if (n == 0 || sw_parse_timestamp(text, n, &ns, &flags) != 0) {
        snprintf(err, errlen,
                 "\"%s\" is not a time (HH:MM today in New York, 2025-01-27T11:30 New York, or with an offset "
                 "such as 2025-01-27T16:30Z)",
                 sw_esc_line_buf(text, shown, sizeof shown));
        return -1;
    }
    *ms = ns / 1000000;
    return 0;
}

static int is_symbol_of(const sw_silence_names *nm, const char *sym)
{
    for (size_t g = 0; g < nm->n_groups; g++)
        for (size_t k = 0; k < nm->groups[g].n_members; k++)
            if (strcmp(nm->groups[g].members[k], sym) == 0)
                return 1;
    return 0;
}

/* "X is <what>; did you mean Y?" over the symbols and groups, or the channels. */
static int unknown(const sw_silence_names *nm, const char *what, const char *word, int channels, char *err,
                   size_t errlen)
{
    const char *names[512];
    size_t k = 0;
    for (size_t i = 0; channels && i < nm->n_channels && k < 512; i++)
        names[k++] = nm->channels[i];
    for (size_t g = 0; !channels && g < nm->n_groups && k < 512; g++) {
        names[k++] = nm->groups[g].name;
        for (size_t m = 0; m < nm->groups[g].n_members && k < 512; m++)
            names[k++] = nm->groups[g].members[m];
    }
    const char *best = sw_nearest(word, names, k);
    char shown[48];
    sw_esc_line_buf(word, shown, sizeof shown);
    if (best)
        snprintf(err, errlen, "\"%s\" is %s; did you mean \"%s\"?", shown, what, best);
    else
        snprintf(err, errlen, "\"%s\" is %s", shown, what);
    return -1;
}

static int find_group(const sw_silence_names *nm, const char *name)
{
    for (size_t g = 0; g < nm->n_groups; g++)
        if (strcmp(nm->groups[g].name, name) == 0)
            return (int)g;
    return -1;
}

int sw_silence_set_matcher(sw_silence *s, const char *key, const char *val, const sw_silence_names *nm,
                           int *any_channel, char *err, size_t errlen)
{
    if (strcmp(key, "symbol") == 0) {
        char up[SW_SYMBOL_MAX];
        size_t n = strlen(val);
        for (size_t i = 0; i < n && i + 1 < sizeof up; i++)
            up[i] = (char)toupper((unsigned char)val[i]);
        up[n < sizeof up ? n : sizeof up - 1] = '\0';
        if (n >= sizeof up || !is_symbol_of(nm, up))
            return unknown(nm, "not a symbol of the watchlist", val, 0, err, errlen);
        memcpy(s->symbol, up, sizeof up);
    } else if (strcmp(key, "group") == 0) {
        if (find_group(nm, val) < 0)
            return unknown(nm, "not a group of the watchlist", val, 0, err, errlen);
        snprintf(s->group, sizeof s->group, "%s", nm->groups[find_group(nm, val)].name);
    } else if (strcmp(key, "detector") == 0) {
        if (strlen(val) >= sizeof s->detector || !sw_alert_detector_known(val)) {
            char names[160], shown[48];
            size_t nt;
            const sw_detector_type *const *types = sw_detector_types(&nt);
            const char *list[17];
            size_t k = 0;
            for (; k < nt && k < 16; k++)
                list[k] = types[k]->name;
            list[k++] = "feed";
            const char *best = sw_nearest(val, list, k);
            snprintf(err, errlen, "\"%s\" is not a detector type%s%s%s (one of %s)",
                     sw_esc_line_buf(val, shown, sizeof shown), best ? "; did you mean \"" : "", best ? best : "",
                     best ? "\"?" : "", sw_alert_detector_names(names, sizeof names));
            return -1;
        }
        snprintf(s->detector, sizeof s->detector, "%s", val);
    } else if (strcmp(key, "severity") == 0) {
        s->severity = -1;
        for (int v = 0; v <= SW_SEV_CRITICAL; v++)
            if (strcmp(val, sw_severity_name((sw_severity)v)) == 0)
                s->severity = v;
        if (s->severity < 0) {
            char shown[48];
            snprintf(err, errlen, "\"%s\" is not a severity (info, warning or critical: that one and below)",
                     sw_esc_line_buf(val, shown, sizeof shown));
            return -1;
        }
    } else if (strcmp(key, "channel") == 0) {
        if (strcmp(val, "*") == 0 || strcmp(val, "all") == 0) {
            if (any_channel)
                *any_channel = 1;
            s->channel[0] = '\0';
            return 0;
        }
        size_t i = 0;
        while (i < nm->n_channels && strcmp(nm->channels[i], val) != 0)
            i++;
        if (i == nm->n_channels)
            return unknown(nm, "not a channel of notify.channels", val, 1, err, errlen);
        snprintf(s->channel, sizeof s->channel, "%s", nm->channels[i]);
    } else {
        const char *best = sw_nearest(key, matcher_keys, sizeof matcher_keys / sizeof matcher_keys[0]);
        char shown[48];
        snprintf(err, errlen, "unknown matcher \"%s\"%s%s%s (symbol, group, detector, severity, channel)",
                 sw_esc_line_buf(key, shown, sizeof shown), best ? "; did you mean \"" : "", best ? best : "",
                 best ? "\"?" : "");
        return -1;
    }
    return 0;
}

int sw_silence_set_target(sw_silence *s, const char *word, const sw_silence_names *nm, char *err, size_t errlen)
{
    int g = find_group(nm, word);
    if (g >= 0) {
        snprintf(s->group, sizeof s->group, "%s", nm->groups[g].name);
        return 0;
    }
    if (sw_silence_set_matcher(s, "symbol", word, nm, NULL, err, errlen) == 0)
        return 0;
    return unknown(nm, "neither a symbol nor a group of the watchlist", word, 0, err, errlen);
}

char *sw_silence_key(const char *stream, const char *id, char *buf, size_t len)
{
    int w = snprintf(buf, len, "%s:silence:%s", stream, id);
    return w >= 0 && (size_t)w < len ? buf : NULL;
}

char *sw_silence_index(const char *stream, char *buf, size_t len)
{
    int w = snprintf(buf, len, "%s:silences", stream);
    return w >= 0 && (size_t)w < len ? buf : NULL;
}
