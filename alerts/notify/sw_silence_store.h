/*
 * sw_silence_store.h -- silences kept in Redis next to the alert stream, so
 * that every shock-notify of a deployment (and shockd's dashboard) sees the
 * same ones, they survive restarts, and they go away by themselves.
 *
 * Layout (sw_silence.h names the keys):
 *   <stream>:silence:<id>   a string: the silence's record (one line of
 *                           JSON, sw_silence.h), with PEXPIREAT at its end:
 *                           Redis deletes it then
 *   <stream>:silences       a sorted set of ids scored by end (ms): the
 *                           index; an id whose end has passed is removed by
 *                           the next list ("cleaned on read")
 * and every change is announced with PUBLISH <stream>:silences "add ID" or
 * "expire ID", so readers refresh at once instead of at their next period.
 *
 * Each operation is one Lua script (EVAL), so it is atomic and one round
 * trip: add writes the record only if the id is new (an id taken already
 * gets a new random one, up to 3 times), sets its expiry, indexes it and
 * announces it; expire deletes the record and its index entry and returns
 * what it held; list removes ended ids from the index, then returns at
 * most SW_SILENCE_MAX + 1 ids with the first SW_SILENCE_JSON_MAX + 1 bytes
 * of each record (GETRANGE: a huge value planted in Redis is never read
 * whole), dropping index entries whose record is gone.  The scripts name
 * the record keys they build from the stream name, so a Redis Cluster is
 * not supported (neither is it for the stream's consumer group).
 *
 * What list gives back is checked as untrusted (sw_silence_parse plus: the
 * record's id must be the one its key and index name); a record that fails
 * is left out and reported in `bad` with the reason, for the caller to log
 * (once per id: sw_silence_watch.h).  Every callback runs exactly once --
 * with an error when the connection went before the reply.
 */
#ifndef SW_SILENCE_STORE_H
#define SW_SILENCE_STORE_H

#include "sw_redis.h"
#include "sw_silence.h"

#include <stddef.h>
#include <stdint.h>

#define SW_SILENCE_BAD_MAX 16         /* refused records described per list */

typedef struct sw_silence_bad {
    char id[24];                      /* as found (escaped, cut) */
    char why[200];
} sw_silence_bad;

/* What a list found: the silences that have not ended, by end (soonest
 * first), the records refused, and how many were beyond SW_SILENCE_MAX. */
typedef struct sw_silence_set {
    const sw_silence *v;
    size_t n;
    const sw_silence_bad *bad;
    size_t n_bad;                     /* described (at most SW_SILENCE_BAD_MAX) */
    size_t bad_total;
    size_t over;
} sw_silence_set;

/* set NULL and err set: the list failed (Redis refused, connection lost). */
typedef void (*sw_silence_list_fn)(void *ctx, const sw_silence_set *set, const char *err);

/* rc 0: done (s: the silence added, with its final id; or the one expired,
 * NULL when its record could not be read); 1: expire found no such id;
 * -1: failed, err says why. */
typedef void (*sw_silence_done_fn)(void *ctx, int rc, const sw_silence *s, const char *err);

/* Each returns 0 (the callback will come), or -1 when the command could not
 * be queued (not connected, out of memory): then no callback. */
int sw_silence_store_list(sw_redis *r, const char *stream, int64_t now_ms, sw_silence_list_fn fn, void *ctx);
/* s must pass sw_silence_check (its id is the first one tried). */
int sw_silence_store_add(sw_redis *r, const char *stream, const sw_silence *s, sw_silence_done_fn fn, void *ctx);
int sw_silence_store_expire(sw_redis *r, const char *stream, const char *id, sw_silence_done_fn fn, void *ctx);

/* A new random id (getrandom). */
void sw_silence_new_id(char id[SW_SILENCE_ID_LEN + 1]);

#endif
