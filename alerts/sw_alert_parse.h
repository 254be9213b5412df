/*
 * sw_alert_parse.h -- the inverse of sw_alert_to_json: a schema-v1 alert as
 * read back by a consumer (shock-notify reads them from the Redis stream).
 *
 * The input is untrusted (anything may XADD to the stream, docs/security.md):
 * at most SW_ALERT_JSON_MAX bytes; exactly one JSON object on one line -- no
 * control byte anywhere (a line break between tokens included), nothing
 * before its '{' or after its '}' (a second value after the first would be
 * signed and sent verbatim to a webhook, where a receiver may read that one
 * instead), no key twice (cJSON reads the first, many receivers the last).
 * Then the object must be what docs/alert-v1.schema.json says, rule for rule
 * (the schema states every rule checked here, and tests/test_alert_schema.c
 * feeds the same lines to both): every field present, of its type; the id 16
 * lowercase hex digits; ts exactly as the encoder writes it, a real UTC time;
 * symbols in the watchlist's character set (or a group name, for group
 * alerts), the group a group name, the window letters, digits, '_' and '.';
 * no string empty, every string valid UTF-8 without control characters
 * (C0, DEL, C1, an escaped NUL too); numbers finite; a resolved alert info;
 * members (1 to SW_ALERT_MAX_MEMBERS) only with a group.  Strings longer than
 * the struct's fields are refused rather than cut (an id cut short would
 * collide).  Two rules are stricter than the schema, on purpose
 * (docs/alert-schema.md): `detector` must be a type this version knows
 * (the schema leaves it open for consumers), and a string's limit counts
 * bytes (the schema can only count characters).  Fields added by a later
 * schema version are ignored; a different `v` is refused.
 */
#ifndef SW_ALERT_PARSE_H
#define SW_ALERT_PARSE_H

#include "sw_alert.h"

#include <stddef.h>

/* Returns 0 and fills *a, or -1 with one sentence in err. */
int sw_alert_parse(const char *json, size_t len, sw_alert *a, char *err, size_t errlen);

#endif
