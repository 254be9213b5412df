/*
 * sw_silence.h -- a silence: a person's decision that alerts matching some
 * matchers are not to be sent, on some channel or all, from a start to an
 * end; the model, its JSON record, its checks and its matching.  Pure (no
 * I/O, the clock passed in), so the rules are tested with plain numbers and
 * the record parser is fuzzed (fuzz_silence).
 *
 * Matchers (at least one; an absent one matches anything):
 *   symbol    the alert's symbol
 *   group     the alert's group, or a configured group its symbol is in (as
 *             routes match groups: sw_notify_route.h)
 *   detector  the alert's detector type
 *   severity  the alert's severity is at or below it ("warning": info and
 *             warning alerts, not critical)
 *   channel   only on this channel (name under notify.channels); absent:
 *             on every channel
 * A silence is active from start (inclusive) to end (exclusive), by the
 * wall clock: it is a person's decision about now, not about the alert's
 * event time (an alert read late, after a restart, is silenced if a
 * silence is active when it would be sent).  Critical alerts are silenced
 * too: a silence is explicit.
 *
 * The record (what sw_silence_store.h keeps in Redis), one line of JSON:
 *   {"v":1,"id":"3fa9c2d1","matchers":{"symbol":"NVDA","channel":"tg"},
 *    "start_ms":1737995400000,"end_ms":1737999000000,
 *    "created_ms":1737995400000,"author":"ana","comment":"on it"}
 * Whoever can write Redis can write one, so a record read back is checked
 * like an alert from the stream (docs/security.md): at most
 * SW_SILENCE_JSON_MAX bytes, one object on one line, each key once, the
 * character sets below, whole milliseconds in 2001..2200; an unknown key
 * inside "matchers" refuses the record (a matcher this version does not
 * know would otherwise silence more than its author meant), unknown keys
 * outside it are ignored (later versions may add fields).
 *
 *   id        SW_SILENCE_ID_LEN lowercase hex digits
 *   symbol    a symbol (sw_symbol_valid)
 *   group     a group name (sw_group_name_valid)
 *   detector  a detector type (sw_alert_detector_known)
 *   severity  info, warning or critical
 *   channel   1..63 letters, digits, '_', '-'
 *   author    1..SW_SILENCE_AUTHOR_MAX bytes, comment 0..SW_SILENCE_COMMENT_MAX
 *             bytes: valid UTF-8 without control characters
 *   start < end, end - start at most SW_SILENCE_MAX_MS
 */
#ifndef SW_SILENCE_H
#define SW_SILENCE_H

#include "sw_alert.h"
#include "sw_engine.h"
#include "sw_notify_config.h"

#include <stddef.h>
#include <stdint.h>

#define SW_SILENCE_SCHEMA 1
#define SW_SILENCE_ID_LEN 8                  /* hex digits: short enough to type in a chat */
#define SW_SILENCE_AUTHOR_MAX 64             /* bytes */
#define SW_SILENCE_COMMENT_MAX 500           /* bytes */
#define SW_SILENCE_JSON_MAX 4096             /* bytes of one record */
#define SW_SILENCE_MAX 1000                  /* silences a reader keeps at once */
/* A silence is for an incident, not a permanent mute (that is a route). */
#define SW_SILENCE_MAX_MS (INT64_C(30) * 86400 * 1000)

typedef struct sw_silence {
    char id[SW_SILENCE_ID_LEN + 1];
    char symbol[SW_SYMBOL_MAX];              /* "" : any */
    char group[SW_GROUP_NAME_MAX];           /* "" : any */
    char detector[24];                       /* "" : any */
    int severity;                            /* -1: any; else at or below this sw_severity */
    char channel[SW_NOTIFY_NAME_MAX];        /* "" : every channel */
    int64_t start_ms, end_ms, created_ms;    /* wall clock, ms since the epoch */
    char author[SW_SILENCE_AUTHOR_MAX + 1];
    char comment[SW_SILENCE_COMMENT_MAX + 1];
} sw_silence;

/* An empty silence (no matcher, severity any). */
void sw_silence_init(sw_silence *s);

/* Check every field by the rules above.  0, or -1 with one sentence. */
int sw_silence_check(const sw_silence *s, char *err, size_t errlen);

/* The record, one line, NUL-terminated, into buf.  Its length, or -1 when
 * it does not fit (cap) or s does not pass sw_silence_check. */
int sw_silence_to_json(const sw_silence *s, char *buf, size_t cap);

/* Read a record (untrusted: the rules above).  0, or -1 with one sentence. */
int sw_silence_parse(const char *json, size_t len, sw_silence *s, char *err, size_t errlen);

/* Active at now_ms: start <= now < end. */
int sw_silence_active(const sw_silence *s, int64_t now_ms);

/* Does s hold back alert a on channel `channel` (its name)?  Groups: the
 * configured ones, for group matchers.  Time is not looked at
 * (sw_silence_active). */
int sw_silence_matches(const sw_silence *s, const sw_alert *a, const char *channel, const sw_group_spec *groups,
                       size_t n_groups);

/* "symbol=NVDA severity<=warning channel=tg" into buf.  Returns buf. */
char *sw_silence_matchers(const sw_silence *s, char *buf, size_t len);

/* A time for people: "11:30 ET" when ms is on now_ms's New York day,
 * else "2025-01-28 11:30 ET".  Returns buf. */
char *sw_silence_clock(int64_t ms, int64_t now_ms, char *buf, size_t len);

/* "2025-01-27 11:30:00 EST" (New York) and "2025-01-27T16:30:00Z" (UTC)
 * into two buffers (list output). */
void sw_silence_when(int64_t ms, char *ny, size_t nylen, char *utc, size_t utclen);

/* A duration typed by a person: a number with a unit (30s, 90m, 1.5h, 1d;
 * sw_parse_duration's units, but a bare number is refused), at least one
 * second, at most SW_SILENCE_MAX_MS.  0 with *ms, or -1 with err. */
int sw_silence_parse_duration(const char *text, int64_t *ms, char *err, size_t errlen);

/* A time typed by a person: "11:30" or "11:30:15" (today in New York), or
 * anything sw_parse_timestamp reads (no offset: New York).  0 with *ms, or
 * -1 with err. */
int sw_silence_parse_time(const char *text, int64_t now_ms, int64_t *ms, char *err, size_t errlen);

/* What a person may name in a silence: the configured watchlist (its
 * groups; their members are the symbols) and channels. */
typedef struct sw_silence_names {
    const sw_group_spec *groups;
    size_t n_groups;
    const char *const *channels;
    size_t n_channels;
} sw_silence_names;

/* Set matcher `key` (symbol, group, detector, severity, channel) from what
 * a person typed, checked against names: a symbol of the watchlist (any
 * case), a configured group, a detector type, a severity, a configured
 * channel, or "*" / "all" for every channel (then *any_channel is set).  0,
 * or -1 with a sentence in err (with "did you mean" for a near miss). */
int sw_silence_set_matcher(sw_silence *s, const char *key, const char *value, const sw_silence_names *names,
                           int *any_channel, char *err, size_t errlen);

/* The same for a bare word: a configured group by its exact name, else a
 * symbol of the watchlist. */
int sw_silence_set_target(sw_silence *s, const char *word, const sw_silence_names *names, char *err, size_t errlen);

/* An id in the record's form. */
int sw_silence_id_valid(const char *id);

/* Redis names next to the stream: the record "<stream>:silence:<id>", the
 * index "<stream>:silences" (a sorted set of ids by end), which is also the
 * Pub/Sub channel changes are announced on.  Each returns buf, or NULL when
 * it does not fit. */
char *sw_silence_key(const char *stream, const char *id, char *buf, size_t len);
char *sw_silence_index(const char *stream, char *buf, size_t len);

#endif
