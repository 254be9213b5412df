/* sw_alert_parse.c -- see sw_alert_parse.h. */
#include "sw_alert_parse.h"
#include "sw_strict_json.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the schema says the text fields are (sw_alert_parse.h). */
static int check_names(const sw_alert *a, char *err, size_t errlen)
{
    /* A group alert's symbol is its group's name. */
    if (!sw_symbol_valid(a->symbol) && !sw_group_name_valid(a->symbol)) {
        snprintf(err, errlen, "\"symbol\" has characters other than " SW_SYMBOL_CHARS
                              " (or a group name's letters, digits, '_' and '-')");
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
    /* The id keys the dedupe sets and the Message-ID: plain characters only. */
    if (!a->id[0]) {
        snprintf(err, errlen, "\"id\" is empty");
        return -1;
    }
    for (const char *p = a->id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
            snprintf(err, errlen, "\"id\" has characters other than letters, digits, '-' and '_'");
            return -1;
        }
    for (size_t i = 0; i < a->n_members; i++)
        if (!sw_symbol_valid(a->members[i].symbol)) {
            snprintf(err, errlen, "members[%zu].symbol has characters other than " SW_SYMBOL_CHARS, i);
            return -1;
        }
    return 0;
}

int sw_alert_parse(const char *json, size_t len, sw_alert *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (len > SW_ALERT_JSON_MAX) {
        snprintf(err, errlen, "alert JSON of %zu bytes is over the limit of %d", len, SW_ALERT_JSON_MAX);
        return -1;
    }
    cJSON *o = sw_json_one_object(json, len, "alert", err, errlen);
    if (!o)
        return -1;
    int rc = -1;
    if (sw_json_unique_keys(o, "", err, errlen) != 0)
        goto done;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "v");
    if (!cJSON_IsNumber(v) || v->valuedouble != SW_ALERT_SCHEMA) {
        snprintf(err, errlen, "schema version \"v\" is not %d", SW_ALERT_SCHEMA);
        goto done;
    }
    char ts[40], sev[16], dir[8];
    if (sw_json_get_str(o, "id", a->id, sizeof a->id, 0, err, errlen) ||
        sw_json_get_str(o, "ts", ts, sizeof ts, 0, err, errlen) ||
        sw_json_get_str(o, "symbol", a->symbol, sizeof a->symbol, 0, err, errlen) ||
        sw_json_get_str(o, "group", a->group, sizeof a->group, 1, err, errlen) ||
        sw_json_get_str(o, "detector", a->detector, sizeof a->detector, 0, err, errlen) ||
        sw_json_get_str(o, "severity", sev, sizeof sev, 0, err, errlen) ||
        sw_json_get_str(o, "window", a->window, sizeof a->window, 0, err, errlen) ||
        sw_json_get_str(o, "direction", dir, sizeof dir, 0, err, errlen) ||
        sw_json_get_str(o, "message", a->message, sizeof a->message, 0, err, errlen) ||
        sw_json_get_num(o, "price", &a->price, 1, err, errlen) ||
        sw_json_get_num(o, "reference", &a->reference, 1, err, errlen) ||
        sw_json_get_num(o, "change_pct", &a->change_pct, 1, err, errlen) ||
        sw_json_get_num(o, "zscore", &a->zscore, 1, err, errlen))
        goto done;
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
        char where[32];
        snprintf(where, sizeof where, "members[%zu].", a->n_members);
        if (!cJSON_IsObject(m)) {
            snprintf(err, errlen, "a member is not an object");
            goto done;
        }
        if (sw_json_unique_keys(m, where, err, errlen) ||
            sw_json_get_str(m, "symbol", am->symbol, sizeof am->symbol, 0, err, errlen) ||
            sw_json_get_num(m, "change_pct", &am->change_pct, 1, err, errlen))
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
