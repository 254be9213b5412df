/*
 * sw_alert_parse.h -- the inverse of sw_alert_to_json: a schema-v1 alert as
 * read back by a consumer (shock-notify reads them from the Redis stream).
 *
 * The input is untrusted (anything may XADD to the stream): at most
 * SW_ALERT_JSON_MAX bytes, every field checked for type and length, strings
 * longer than the struct's fields refused rather than cut (an id cut short
 * would collide), members beyond SW_ALERT_MAX_MEMBERS refused.  Fields
 * added by a later schema version are ignored; a different `v` is refused.
 */
#ifndef SW_ALERT_PARSE_H
#define SW_ALERT_PARSE_H

#include "sw_alert.h"

#include <stddef.h>

/* Returns 0 and fills *a, or -1 with one sentence in err. */
int sw_alert_parse(const char *json, size_t len, sw_alert *a, char *err, size_t errlen);

#endif
