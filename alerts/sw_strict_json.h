/*
 * sw_strict_json.h -- reading one JSON record we did not write: an alert from
 * the Redis stream, a silence from Redis.
 *
 * cJSON parses; these helpers hold what cJSON leaves to the caller, the same
 * way for every such record (docs/security.md):
 *  - sw_json_record: the opening every versioned record shares (a size
 *    limit, one object, unique keys, its "v");
 *  - sw_json_one_object: exactly one JSON object on one line -- no control
 *    byte anywhere (a line break between tokens included), '{' first,
 *    nothing after the closing '}' (a second value after the first could be
 *    read by another parser instead);
 *  - sw_json_unique_keys: no key twice (cJSON reads the first, many readers
 *    the last), checked on a sorted copy of the names, O(k log k);
 *  - sw_json_get_str: a string that fits its field (refused, never cut: an
 *    id cut short would collide), valid UTF-8 and without control characters
 *    (C0, DEL, C1) -- every text field is one line; not empty unless the
 *    field allows it;
 *  - sw_json_get_num: a number a double holds (finite);
 *  - a field is present unless the caller looked first: null is "no value",
 *    missing is an error (a field a later writer forgot is not "no value").
 * sw_json_type_name says what a value is in such sentences (the config
 * loader and state.json's reader use it too).
 * Errors are one sentence naming the key; text from the input in them is
 * escaped (sw_esc_line).
 */
#ifndef SW_STRICT_JSON_H
#define SW_STRICT_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* What v is, for an error message: "a string", "a number", "a boolean",
 * "null", "an array", "an object" (the config loader and state.json's reader
 * say "is a string (a number)" with it). */
const char *sw_json_type_name(const cJSON *v);

/* A C0 control character, DEL or a C1 control (as UTF-8) in s. */
int sw_json_has_control(const char *s);

/* Parse json (len bytes) as one object on one line; `what` names the record
 * in messages ("alert": "trailing content after the alert object").  An
 * escaped NUL (\u0000) is refused too: cJSON would end the string there,
 * so "NV\u0000<b>" would read as "NV" and pass every later check.  The
 * object, or NULL with err. */
cJSON *sw_json_one_object(const char *json, size_t len, const char *what, char *err, size_t errlen);

/* A versioned record: at most max bytes, one object on one line
 * (sw_json_one_object), no key twice at its top, and "v" equal to version.
 * The object (the caller reads its fields and deletes it), or NULL with
 * err. */
cJSON *sw_json_record(const char *json, size_t len, size_t max, const char *what, int version, char *err,
                      size_t errlen);

/* No key twice in object o; `where` prefixes the message ("", "members[2]."). */
int sw_json_unique_keys(const cJSON *o, const char *where, char *err, size_t errlen);

/* Flags of sw_json_get_str. */
#define SW_JSON_NULL 1  /* null is allowed: dst "" */
#define SW_JSON_EMPTY 2 /* "" is allowed */

/* String member `key` of o into dst (len bytes with the NUL).  Messages name
 * it "\"key\"" at the top (where ""), or where+key inside ("members[2].",
 * "matchers.").  0, or -1 with err. */
int sw_json_get_str(const cJSON *o, const char *where, const char *key, char *dst, size_t len, int flags, char *err,
                    size_t errlen);

/* Number member `key` (finite); nullable: null gives NAN. */
int sw_json_get_num(const cJSON *o, const char *where, const char *key, double *out, int nullable, char *err,
                    size_t errlen);

#endif
