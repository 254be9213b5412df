/* sw_alert_parse.c -- see sw_alert_parse.h. */
#include "sw_alert_parse.h"
#include "sw_escape.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A control character of C0, DEL or C1 (as UTF-8) in s. */
static int has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
            return 1;
    return 0;
}

/* How a message names a field: "symbol" at the top, members[2].symbol in a
 * member (`where` is "" or "members[2].").  Returns buf. */
static const char *field(char *buf, size_t len, const char *where, const char *key)
{
    snprintf(buf, len, where[0] ? "%s%s" : "\"%s%s\"", where, key);
    return buf;
}

/* A required string that fits in dst (len bytes with the NUL): not empty
 * (every string of the schema has one character at least), valid UTF-8 and,
 * as every string of the schema is one line, without control characters.
 * `nullable`: null is allowed too, and leaves dst empty. */
static int get_str(const cJSON *o, const char *where, const char *key, char *dst, size_t len, int nullable,
                   char *err, size_t errlen)
{
    char f[48];
    field(f, sizeof f, where, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (nullable && cJSON_IsNull(v)) {
        dst[0] = '\0';
        return 0;
    }
    if (!cJSON_IsString(v)) {
        snprintf(err, errlen, "%s is %s (a string%s)", f, v ? "not a string" : "missing", nullable ? " or null" : "");
        return -1;
    }
    size_t n = strlen(v->valuestring);
    if (n == 0) {
        snprintf(err, errlen, "%s is empty", f);
        return -1;
    }
    if (n >= len) {
        snprintf(err, errlen, "%s is longer than %zu bytes", f, len - 1);
        return -1;
    }
    if (!sw_utf8_valid(v->valuestring, n)) {
        snprintf(err, errlen, "%s is not valid UTF-8", f);
        return -1;
    }
    if (has_control(v->valuestring)) {
        snprintf(err, errlen, "%s has a control character (the schema's strings are one line of text)", f);
        return -1;
    }
    memcpy(dst, v->valuestring, n + 1);
    return 0;
}

/* A required number; `nullable`: null is allowed too (NAN). */
static int get_num(const cJSON *o, const char *where, const char *key, double *out, int nullable, char *err,
                   size_t errlen)
{
    char f[48];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (nullable && cJSON_IsNull(v)) {
        *out = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        snprintf(err, errlen, "%s is %s (a number%s)", field(f, sizeof f, where, key),
                 v ? "not a number a double holds" : "missing", nullable ? " or null" : "");
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

/* ts exactly as the encoder writes it (sw_format_iso_ms): YYYY-MM-DDTHH:MM:SS.mmmZ,
 * a real date and time of the years 1678 to 2261 (every instant of which
 * 64-bit nanoseconds since 1970 hold). */
static int parse_ts(const char *s, int64_t *ns)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (strlen(s) != sizeof shape - 1)
        return -1;
    int v[7] = { 0 }, k = 0;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] != 'd') {
            if (s[i] != shape[i])
                return -1;
            k++; /* a separator ends a field */
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v[k] = v[k] * 10 + (s[i] - '0');
    }
    int y = v[0], mo = v[1], d = v[2], h = v[3], mi = v[4], se = v[5], ms = v[6];
    if (y < 1678 || y > 2261 || !sw_civil_valid(y, mo, d) || h > 23 || mi > 59 || se > 59)
        return -1;
    int64_t days = sw_days_from_civil(y, mo, d);
    *ns = ((days * 86400 + h * 3600 + mi * 60 + se) * 1000 + ms) * INT64_C(1000000);
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* No key twice in object o (sorted copy of the names: O(k log k) whatever
 * an entry holds).  `where` prefixes the message ("", "members[2]."). */
static int unique_keys(const cJSON *o, const char *where, char *err, size_t errlen)
{
    size_t k = 0;
    for (const cJSON *c = o->child; c; c = c->next)
        k++;
    if (k < 2)
        return 0;
    const char **names = malloc(k * sizeof *names);
    if (!names) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    k = 0;
    for (const cJSON *c = o->child; c; c = c->next)
        names[k++] = c->string ? c->string : "";
    qsort(names, k, sizeof *names, cmp_name);
    int rc = 0;
    for (size_t i = 1; i < k && rc == 0; i++)
        if (strcmp(names[i - 1], names[i]) == 0) {
            char shown[64];
            snprintf(err, errlen, "%skey \"%s\" appears twice", where, sw_esc_line_buf(names[i], shown, sizeof shown));
            rc = -1;
        }
    free(names);
    return rc;
}

/* What the schema says the text fields are (sw_alert_parse.h). */
static int check_names(const sw_alert *a, char *err, size_t errlen)
{
    /* A group alert's symbol is its group's name. */
    if (!sw_symbol_valid(a->symbol) && !sw_group_name_valid(a->symbol)) {
        snprintf(err, errlen, "\"symbol\" is neither a symbol (1 to %d of " SW_SYMBOL_CHARS
                              ") nor a group name (1 to %d letters, digits, '_' or '-')",
                 SW_SYMBOL_MAX - 1, SW_GROUP_NAME_MAX - 1);
        return -1;
    }
    if (a->group[0] && !sw_group_name_valid(a->group)) {
        snprintf(err, errlen, "\"group\" is not a group name (1 to %d letters, digits, '_' or '-')",
                 SW_GROUP_NAME_MAX - 1);
        return -1;
    }
    if (!sw_alert_detector_known(a->detector)) {
        char names[160];
        snprintf(err, errlen, "\"detector\" is not a detector type (one of %s)",
                 sw_alert_detector_names(names, sizeof names));
        return -1;
    }
    for (const char *p = a->window; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.') {
            snprintf(err, errlen, "\"window\" has characters other than letters, digits, '_' and '.'");
            return -1;
        }
    /* What sw_alert_from_candidate writes, the only producer: it keys the
     * dedupe sets, the Message-ID and the dashboard's ?alert=. */
    if (strlen(a->id) != 16 || strspn(a->id, "0123456789abcdef") != 16) {
        snprintf(err, errlen, "\"id\" is not 16 lowercase hex digits");
        return -1;
    }
    for (size_t i = 0; i < a->n_members; i++)
        if (!sw_symbol_valid(a->members[i].symbol)) {
            snprintf(err, errlen, "members[%zu].symbol is not a symbol (1 to %d of " SW_SYMBOL_CHARS ")", i,
                     SW_SYMBOL_MAX - 1);
            return -1;
        }
    return 0;
}

/* One line, one object: no control byte, '{' first, nothing after the value. */
static cJSON *parse_one_object(const char *json, size_t len, char *err, size_t errlen)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)json[i] < 0x20) {
            snprintf(err, errlen, "control character 0x%02x at byte %zu (an alert is one line of JSON)",
                     (unsigned)(unsigned char)json[i], i + 1);
            return NULL;
        }
    /* cJSON ends a string at an escaped NUL, so "NV\u0000<b>" would read as
     * "NV" and pass the control-character check: refuse the escape itself
     * (a backslash always escapes the next character, so `\\u0000` is text). */
    for (size_t i = 0; i + 1 < len; i++)
        if (json[i] == '\\') {
            if (json[i + 1] == 'u' && i + 5 < len && strncmp(json + i + 2, "0000", 4) == 0) {
                snprintf(err, errlen, "\\u0000 at byte %zu (the schema's strings are one line of text)", i + 1);
                return NULL;
            }
            i++;
        }
    if (len == 0 || json[0] != '{') {
        snprintf(err, errlen, "not a JSON object");
        return NULL;
    }
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!o || !cJSON_IsObject(o)) {
        snprintf(err, errlen, "not a JSON object");
        cJSON_Delete(o);
        return NULL;
    }
    if (end != json + len) {
        snprintf(err, errlen, "trailing content after the alert object (byte %zu of %zu)", (size_t)(end - json) + 1,
                 len);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int sw_alert_parse(const char *json, size_t len, sw_alert *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (len > SW_ALERT_JSON_MAX) {
        snprintf(err, errlen, "alert JSON of %zu bytes is over the limit of %d", len, SW_ALERT_JSON_MAX);
        return -1;
    }
    cJSON *o = parse_one_object(json, len, err, errlen);
    if (!o)
        return -1;
    int rc = -1;
    if (unique_keys(o, "", err, errlen) != 0)
        goto done;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "v");
    if (!cJSON_IsNumber(v) || v->valuedouble != SW_ALERT_SCHEMA) {
        snprintf(err, errlen, "schema version \"v\" is not %d", SW_ALERT_SCHEMA);
        goto done;
    }
    char ts[40], sev[16], dir[8];
    if (get_str(o, "", "id", a->id, sizeof a->id, 0, err, errlen) ||
        get_str(o, "", "ts", ts, sizeof ts, 0, err, errlen) ||
        get_str(o, "", "symbol", a->symbol, sizeof a->symbol, 0, err, errlen) ||
        get_str(o, "", "group", a->group, sizeof a->group, 1, err, errlen) ||
        get_str(o, "", "detector", a->detector, sizeof a->detector, 0, err, errlen) ||
        get_str(o, "", "severity", sev, sizeof sev, 0, err, errlen) ||
        get_str(o, "", "window", a->window, sizeof a->window, 0, err, errlen) ||
        get_str(o, "", "direction", dir, sizeof dir, 0, err, errlen) ||
        get_str(o, "", "message", a->message, sizeof a->message, 0, err, errlen) ||
        get_num(o, "", "price", &a->price, 1, err, errlen) || get_num(o, "", "reference", &a->reference, 1, err, errlen) ||
        get_num(o, "", "change_pct", &a->change_pct, 1, err, errlen) ||
        get_num(o, "", "zscore", &a->zscore, 1, err, errlen))
        goto done;
    if (parse_ts(ts, &a->ts_ns) != 0) {
        snprintf(err, errlen, "\"ts\" is not a UTC time YYYY-MM-DDTHH:MM:SS.mmmZ of the years 1678 to 2261");
        goto done;
    }
    if (strcmp(sev, "info") == 0)
        a->severity = SW_SEV_INFO;
    else if (strcmp(sev, "warning") == 0)
        a->severity = SW_SEV_WARNING;
    else if (strcmp(sev, "critical") == 0)
        a->severity = SW_SEV_CRITICAL;
    else {
        snprintf(err, errlen, "\"severity\" is not info, warning or critical");
        goto done;
    }
    if (strcmp(dir, "down") == 0)
        a->direction = -1;
    else if (strcmp(dir, "up") == 0)
        a->direction = 1;
    else if (strcmp(dir, "none") == 0)
        a->direction = 0;
    else {
        snprintf(err, errlen, "\"direction\" is not down, up or none");
        goto done;
    }
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "resolved");
    if (!cJSON_IsBool(res)) {
        snprintf(err, errlen, "\"resolved\" is %s (a boolean)", res ? "not a boolean" : "missing");
        goto done;
    }
    a->resolved = cJSON_IsTrue(res);
    if (a->resolved && a->severity != SW_SEV_INFO) {
        snprintf(err, errlen, "a resolved alert is an info alert (\"severity\" is %s)", sev);
        goto done;
    }
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(o, "members");
    if (mem && (!cJSON_IsArray(mem) || !mem->child)) {
        snprintf(err, errlen, "\"members\" is not an array of one member or more");
        goto done;
    }
    if (mem && !a->group[0]) {
        snprintf(err, errlen, "\"members\" come with group alerts only (\"group\" is null)");
        goto done;
    }
    for (const cJSON *m = mem ? mem->child : NULL; m; m = m->next) {
        if (a->n_members >= SW_ALERT_MAX_MEMBERS) {
            snprintf(err, errlen, "more than %d members", SW_ALERT_MAX_MEMBERS);
            goto done;
        }
        sw_alert_member *am = &a->members[a->n_members];
        char where[32];
        snprintf(where, sizeof where, "members[%zu].", a->n_members);
        if (!cJSON_IsObject(m)) {
            snprintf(err, errlen, "members[%zu] is not an object", a->n_members);
            goto done;
        }
        if (unique_keys(m, where, err, errlen) ||
            get_str(m, where, "symbol", am->symbol, sizeof am->symbol, 0, err, errlen) ||
            get_num(m, where, "change_pct", &am->change_pct, 1, err, errlen))
            goto done;
        a->n_members++;
    }
    if (check_names(a, err, errlen) != 0)
        goto done;
    rc = 0;
done:
    cJSON_Delete(o);
    return rc;
}
