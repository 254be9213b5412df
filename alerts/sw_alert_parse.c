/* sw_alert_parse.c -- see sw_alert_parse.h. */
#include "sw_alert_parse.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A required string that fits in dst (len bytes with the NUL). */
static int get_str(const cJSON *o, const char *key, char *dst, size_t len, int nullable, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (nullable && cJSON_IsNull(v)) {
        dst[0] = '\0';
        return 0;
    }
    if (!cJSON_IsString(v)) {
        snprintf(err, errlen, "\"%s\" is %s (a string%s)", key, v ? "not a string" : "missing",
                 nullable ? " or null" : "");
        return -1;
    }
    size_t n = strlen(v->valuestring);
    if (n >= len) {
        snprintf(err, errlen, "\"%s\" is longer than %zu bytes", key, len - 1);
        return -1;
    }
    memcpy(dst, v->valuestring, n + 1);
    return 0;
}

static int get_num(const cJSON *o, const char *key, double *out, int nullable, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (nullable && (!v || cJSON_IsNull(v))) {
        *out = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        snprintf(err, errlen, "\"%s\" is %s (a number%s)", key, v ? "not a finite number" : "missing",
                 nullable ? " or null" : "");
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

int sw_alert_parse(const char *json, size_t len, sw_alert *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (len > SW_ALERT_JSON_MAX) {
        snprintf(err, errlen, "alert JSON of %zu bytes is over the limit of %d", len, SW_ALERT_JSON_MAX);
        return -1;
    }
    cJSON *o = cJSON_ParseWithLength(json, len);
    if (!o || !cJSON_IsObject(o)) {
        snprintf(err, errlen, "not a JSON object");
        cJSON_Delete(o);
        return -1;
    }
    int rc = -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "v");
    if (!cJSON_IsNumber(v) || v->valuedouble != SW_ALERT_SCHEMA) {
        snprintf(err, errlen, "schema version \"v\" is not %d", SW_ALERT_SCHEMA);
        goto done;
    }
    char ts[40], sev[16], dir[8];
    if (get_str(o, "id", a->id, sizeof a->id, 0, err, errlen) || get_str(o, "ts", ts, sizeof ts, 0, err, errlen) ||
        get_str(o, "symbol", a->symbol, sizeof a->symbol, 0, err, errlen) ||
        get_str(o, "group", a->group, sizeof a->group, 1, err, errlen) ||
        get_str(o, "detector", a->detector, sizeof a->detector, 0, err, errlen) ||
        get_str(o, "severity", sev, sizeof sev, 0, err, errlen) ||
        get_str(o, "window", a->window, sizeof a->window, 0, err, errlen) ||
        get_str(o, "direction", dir, sizeof dir, 0, err, errlen) ||
        get_str(o, "message", a->message, sizeof a->message, 0, err, errlen) ||
        get_num(o, "price", &a->price, 1, err, errlen) || get_num(o, "reference", &a->reference, 1, err, errlen) ||
        get_num(o, "change_pct", &a->change_pct, 1, err, errlen) ||
        get_num(o, "zscore", &a->zscore, 1, err, errlen))
        goto done;
    /* The id keys the dedupe sets and the Message-ID: plain characters only. */
    if (!a->id[0]) {
        snprintf(err, errlen, "\"id\" is empty");
        goto done;
    }
    for (const char *p = a->id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
            snprintf(err, errlen, "\"id\" has characters other than letters, digits, '-' and '_'");
            goto done;
        }
    int flags = 0;
    size_t ts_len = strlen(ts);
    if (sw_parse_timestamp(ts, ts_len, &a->ts_ns, &flags) != 0 || !(flags & SW_TS_HAD_OFFSET)) {
        snprintf(err, errlen, "\"ts\" is not an ISO-8601 UTC time");
        goto done;
    }
    if (flags & SW_TS_DATE_ONLY) {
        /* sw_parse_timestamp reads an exact midnight as a daily bar's date
         * (New York midnight), but an alert's ts is an instant: an alert at
         * 00:00:00.000Z (24x7 crypto feeds) would move by 4-5 hours.  Parse
         * the same text one second later, which is not midnight, and step
         * back.  A bare date is not an alert time. */
        char later[64];
        int64_t ns;
        int f2 = 0;
        if (ts_len < 19 || ts_len >= sizeof later || (ts[10] != 'T' && ts[10] != ' ') || ts[16] != ':') {
            snprintf(err, errlen, "\"ts\" is not an ISO-8601 UTC time");
            goto done;
        }
        memcpy(later, ts, ts_len + 1);
        later[18] = '1';
        if (sw_parse_timestamp(later, ts_len, &ns, &f2) != 0 || (f2 & SW_TS_DATE_ONLY)) {
            snprintf(err, errlen, "\"ts\" is not an ISO-8601 UTC time");
            goto done;
        }
        a->ts_ns = ns - SW_NS_PER_SEC;
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
    a->direction = strcmp(dir, "down") == 0 ? -1 : strcmp(dir, "up") == 0 ? 1 : 0;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "resolved");
    if (res && !cJSON_IsBool(res)) {
        snprintf(err, errlen, "\"resolved\" is not a boolean");
        goto done;
    }
    a->resolved = cJSON_IsTrue(res);
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(o, "members");
    if (mem && !cJSON_IsArray(mem)) {
        snprintf(err, errlen, "\"members\" is not an array");
        goto done;
    }
    for (const cJSON *m = mem ? mem->child : NULL; m; m = m->next) {
        if (a->n_members >= SW_ALERT_MAX_MEMBERS) {
            snprintf(err, errlen, "more than %d members", SW_ALERT_MAX_MEMBERS);
            goto done;
        }
        sw_alert_member *am = &a->members[a->n_members];
        if (!cJSON_IsObject(m) || get_str(m, "symbol", am->symbol, sizeof am->symbol, 0, err, errlen) ||
            get_num(m, "change_pct", &am->change_pct, 1, err, errlen)) {
            if (!cJSON_IsObject(m))
                snprintf(err, errlen, "a member is not an object");
            goto done;
        }
        a->n_members++;
    }
    rc = 0;
done:
    cJSON_Delete(o);
    return rc;
}
