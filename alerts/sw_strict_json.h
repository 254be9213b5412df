/*
 * sw_strict_json.h -- reading one JSON record we did not write: an alert from
 * the Redis stream, a silence from Redis, an update from a chat service.
 *
 * cJSON parses; these helpers hold what cJSON leaves to the caller, the same
 * way for every such record (docs/security.md):
 *  - sw_json_one_object: exactly one JSON object on one line -- no control
 *    byte anywhere (a line break between tokens included), '{' first,
 *    nothing after the closing '}' (a second value after the first could be
 *    read by another parser instead);
 *  - sw_json_unique_keys: no key twice (cJSON reads the first, many readers
 *    the last), checked on a sorted copy of the names, O(k log k);
 *  - sw_json_get_str: a string that fits its field (refused, never cut: an
 *    id cut short would collide), valid UTF-8 and without control characters
 *    (C0, DEL, C1) -- every text field is one line;
 *  - sw_json_get_num: a finite number.
 * Errors are one sentence naming the key; text from the input in them is
 * escaped (sw_esc_line).
 */
#ifndef SW_STRICT_JSON_H
#define SW_STRICT_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* A C0 control character, DEL or a C1 control (as UTF-8) in s. */
int sw_json_has_control(const char *s);

/* Parse json (len bytes) as one object on one line; `what` names the record
 * in messages ("alert": "trailing content after the alert object").  The
 * object, or NULL with err. */
cJSON *sw_json_one_object(const char *json, size_t len, const char *what, char *err, size_t errlen);

/* No key twice in object o; `where` prefixes the message ("", "members[2]."). */
int sw_json_unique_keys(const cJSON *o, const char *where, char *err, size_t errlen);

/* String member `key` into dst (len bytes with the NUL); missing is an
 * error, and so is null unless nullable (then "").  0 or -1 with err. */
int sw_json_get_str(const cJSON *o, const char *key, char *dst, size_t len, int nullable, char *err, size_t errlen);

/* Finite number member `key`; nullable: null or missing gives NAN. */
int sw_json_get_num(const cJSON *o, const char *key, double *out, int nullable, char *err, size_t errlen);

#endif
