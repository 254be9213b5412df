/*
 * sw_alert_parse.h -- the inverse of sw_alert_to_json: a schema-v1 alert as
 * read back by a consumer (shock-notify reads them from the Redis stream).
 *
 * The input is untrusted (anything may XADD to the stream, docs/security.md):
 * at most SW_ALERT_JSON_MAX bytes; exactly one JSON object on one line -- no
 * control byte anywhere (a line break between tokens included), nothing
 * before its '{' or after its '}' (a second value after the first would be
 * signed and sent verbatim to a webhook, where a receiver may read that one
 * instead), no key twice (cJSON reads the first, many receivers the last);
 * every field checked for type and length, strings longer than the struct's
 * fields refused rather than cut (an id cut short would collide), members
 * beyond SW_ALERT_MAX_MEMBERS refused.  What the schema says a field is, it
 * must be: symbols in the watchlist's character set (or a group name, for
 * group alerts), the group a group name, the detector one of the detector
 * types, severity and direction their enums, the window letters, digits,
 * '_' and '.', every string valid UTF-8 and the text fields free of control
 * characters.  Fields added by a later schema version are ignored; a
 * different `v` is refused.
 */
#ifndef SW_ALERT_PARSE_H
#define SW_ALERT_PARSE_H

#include "sw_alert.h"

#include <stddef.h>

/* Returns 0 and fills *a, or -1 with one sentence in err. */
int sw_alert_parse(const char *json, size_t len, sw_alert *a, char *err, size_t errlen);

#endif
