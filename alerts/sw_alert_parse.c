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

int sw_alert_parse(const char *json, size_t len, sw_alert *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    cJSON *o = sw_json_record(json, len, SW_ALERT_JSON_MAX, "alert", SW_ALERT_SCHEMA, err, errlen);
    if (!o)
        return -1;
    int rc = -1;
    char ts[40], sev[16], dir[8];
    if (sw_json_get_str(o, "", "id", a->id, sizeof a->id, 0, err, errlen) ||
        sw_json_get_str(o, "", "ts", ts, sizeof ts, 0, err, errlen) ||
        sw_json_get_str(o, "", "symbol", a->symbol, sizeof a->symbol, 0, err, errlen) ||
        sw_json_get_str(o, "", "group", a->group, sizeof a->group, SW_JSON_NULL, err, errlen) ||
        sw_json_get_str(o, "", "detector", a->detector, sizeof a->detector, 0, err, errlen) ||
        sw_json_get_str(o, "", "severity", sev, sizeof sev, 0, err, errlen) ||
        sw_json_get_str(o, "", "window", a->window, sizeof a->window, 0, err, errlen) ||
        sw_json_get_str(o, "", "direction", dir, sizeof dir, 0, err, errlen) ||
        sw_json_get_str(o, "", "message", a->message, sizeof a->message, 0, err, errlen) ||
        sw_json_get_num(o, "", "price", &a->price, 1, err, errlen) ||
        sw_json_get_num(o, "", "reference", &a->reference, 1, err, errlen) ||
        sw_json_get_num(o, "", "change_pct", &a->change_pct, 1, err, errlen) ||
        sw_json_get_num(o, "", "zscore", &a->zscore, 1, err, errlen))
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
    /* Optional: alerts written before the field existed have none. */
    const cJSON *ses = cJSON_GetObjectItemCaseSensitive(o, "session");
    if (ses && !(cJSON_IsString(ses) && (a->session = sw_session_parse(ses->valuestring)) != SW_SESSION_NONE)) {
        snprintf(err, errlen, "\"session\" is not pre, regular, post or closed");
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
        if (sw_json_unique_keys(m, where, err, errlen) ||
            sw_json_get_str(m, where, "symbol", am->symbol, sizeof am->symbol, 0, err, errlen) ||
            sw_json_get_num(m, where, "change_pct", &am->change_pct, 1, err, errlen))
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
