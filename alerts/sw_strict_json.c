/* sw_strict_json.c -- see sw_strict_json.h. */
#include "sw_strict_json.h"
#include "sw_escape.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sw_json_has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
            return 1;
    return 0;
}

/* How a message names a field: "\"symbol\"" at the top, members[2].symbol
 * inside (`where` "members[2].").  Returns buf. */
static const char *field(char *buf, size_t len, const char *where, const char *key)
{
    snprintf(buf, len, where[0] ? "%s%s" : "\"%s%s\"", where, key);
    return buf;
}

int sw_json_get_str(const cJSON *o, const char *where, const char *key, char *dst, size_t len, int flags, char *err,
                    size_t errlen)
{
    char f[64];
    field(f, sizeof f, where, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if ((flags & SW_JSON_NULL) && cJSON_IsNull(v)) {
        dst[0] = '\0';
        return 0;
    }
    if (!cJSON_IsString(v)) {
        snprintf(err, errlen, "%s is %s (a string%s)", f, v ? "not a string" : "missing",
                 (flags & SW_JSON_NULL) ? " or null" : "");
        return -1;
    }
    size_t n = strlen(v->valuestring);
    if (n == 0 && !(flags & SW_JSON_EMPTY)) {
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
    if (sw_json_has_control(v->valuestring)) {
        snprintf(err, errlen, "%s has a control character (the schema's strings are one line of text)", f);
        return -1;
    }
    memcpy(dst, v->valuestring, n + 1);
    return 0;
}

int sw_json_get_num(const cJSON *o, const char *where, const char *key, double *out, int nullable, char *err,
                    size_t errlen)
{
    char f[64];
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

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sw_json_unique_keys(const cJSON *o, const char *where, char *err, size_t errlen)
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

cJSON *sw_json_one_object(const char *json, size_t len, const char *what, char *err, size_t errlen)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)json[i] < 0x20) {
            snprintf(err, errlen, "control character 0x%02x at byte %zu (the %s is one line of JSON)",
                     (unsigned)(unsigned char)json[i], i + 1, what);
            return NULL;
        }
    /* A backslash always escapes the next character, so `\\u0000` is text. */
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
        snprintf(err, errlen, "trailing content after the %s object (byte %zu of %zu)", what,
                 (size_t)(end - json) + 1, len);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *sw_json_record(const char *json, size_t len, size_t max, const char *what, int version, char *err,
                      size_t errlen)
{
    if (len > max) {
        snprintf(err, errlen, "%s JSON of %zu bytes is over the limit of %zu", what, len, max);
        return NULL;
    }
    cJSON *o = sw_json_one_object(json, len, what, err, errlen);
    if (!o)
        return NULL;
    if (sw_json_unique_keys(o, "", err, errlen) != 0)
        goto fail;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "v");
    if (!cJSON_IsNumber(v) || v->valuedouble != version) {
        snprintf(err, errlen, "schema version \"v\" is not %d", version);
        goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

const char *sw_json_type_name(const cJSON *v)
{
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "invalid";
}
