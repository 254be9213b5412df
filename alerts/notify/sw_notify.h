/*
 * sw_notify.h -- shock-notify's engine: alerts from the Redis stream, through
 * the routes, to the channels, each exactly once per channel as far as a
 * crash allows.
 *
 * Consumption is a Redis consumer group on the alert stream (XGROUP CREATE
 * ... MKSTREAM), read with XREADGROUP on a connection of its own (its BLOCK
 * would hold up every command queued behind it); everything else (dedupe
 * look-ups and writes, dead letters, XACK, claims) goes over a second
 * connection.  Both are sw_redis connections: reconnect with backoff,
 * AUTH/SELECT, command timeouts.
 *
 * Per stream entry: parse the alert (a malformed entry is dead-lettered, not
 * dropped), route it (sw_notify_route: rules and quiet hours), and for each
 * channel ask the channel's sent set (ZSCORE <sent_prefix><channel> <id>)
 * whether it went out within dedupe_horizon -- if so it is not sent again.
 * When a channel delivered a message, its ids are added to the sent set
 * (ZADD, score = send time) and only once Redis confirmed that does the
 * channel go on; a message a channel gave up on goes to the dead-letter
 * stream with the channel and the reason.  An entry is acknowledged (XACK)
 * only when every channel it was routed to has delivered or dead-lettered it.
 * So a crash (SIGKILL) at any point loses nothing -- unacknowledged entries
 * are read again at the next start (the consumer's own pending entries first,
 * XREADGROUP ... 0) -- and repeats at most the one message per channel whose
 * delivery was not yet recorded.  Entries another consumer left pending for
 * claim_after are taken over with XAUTOCLAIM (Redis >= 6.2); entries in work
 * here are re-claimed regularly (XCLAIM ... JUSTID) so no one takes them
 * while a channel is still retrying.
 *
 * With replicas_ack N (redis.replicas_ack), what must survive a failover is
 * confirmed by WAIT N before it counts: a batch of new entries is taken only
 * once WAIT on the read connection (after the XREADGROUP, itself a write
 * that Redis propagates) says N replicas have it, so an alert is never
 * delivered from a master that may lose it; a delivery record (ZADD), a
 * dead letter and an XACK are followed by WAIT and written again, WAIT
 * included, until it answers N.  Both connections may go through Redis
 * Sentinel (sw_sentinel.h): every reconnect asks the sentinels where the
 * master is.
 *
 * Silences (sw_notify_silence.h) hold alerts back from the channels they
 * name: decided after routing and again at the hand-over to a channel; a
 * held-back channel is settled like a delivered one, without a send.
 * Reading starts once the silences were listed (or could not be), so an
 * alert read at start never slips past one.
 *
 * The stream is a trust boundary (docs/security.md): an entry is an alert
 * only if it has at most SW_NOTIFY_FIELDS_MAX fields, at most
 * SW_NOTIFY_ENTRY_MAX bytes of field names and values, a "json" field of at
 * most SW_ALERT_JSON_MAX bytes, and that JSON passes sw_alert_parse;
 * anything else is dead-lettered with the reason (and its first
 * SW_ALERT_JSON_MAX bytes of JSON) and acknowledged, never retried and
 * never a crash or a stall.  Both connections cut bulk strings at
 * SW_NOTIFY_ENTRY_MAX as hiredis builds the reply (sw_redis.h says what
 * hiredis 0.14 can and cannot bound).  Entries in work are found by stream
 * id and by alert id through hash indexes, not by scanning them all.
 */
#ifndef SW_NOTIFY_H
#define SW_NOTIFY_H

#include "sw_engine.h"
#include "sw_notify_config.h"
#include "sw_redis_url.h"
#include "sw_sentinel.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SW_NOTIFY_FIELDS_MAX 32       /* field/value pairs of one stream entry (the sink writes 5) */
#define SW_NOTIFY_ENTRY_MAX 65536     /* bytes of one entry's field names and values */

typedef struct sw_notify sw_notify;

typedef struct sw_notify_opts {
    const sw_notify_config *cfg;
    sw_redis_url url;                 /* with the password resolved */
    const char *stream;               /* redis.stream */
    uint64_t connect_timeout_ms, command_timeout_ms;
    const sw_group_spec *groups;      /* the watchlist: routes by group, digests by group */
    size_t n_groups;
    const char *consumer;             /* resolved (cfg->consumer or the host name) */
    const sw_sentinel_params *sentinel; /* NULL: url's server */
    int replicas_ack;                 /* redis.replicas_ack (0: no WAIT) */
    uint64_t replicas_timeout_ms;
} sw_notify_opts;

typedef struct sw_notify_stats {
    uint64_t read, claimed, malformed, acked;
    uint64_t routed, unrouted, quiet_skipped, dup_skipped;
    uint64_t delivered, dead_lettered;   /* alert x channel */
    uint64_t silenced;                   /* alert x channel held back by a silence */
    uint64_t commands, commands_refused; /* Telegram commands taken; refused (another chat) */
    uint64_t redis_errors;
    uint64_t wait_short;              /* WAITs answered with fewer than replicas_ack replicas */
} sw_notify_stats;

/* Build everything (channels open their secrets here: a missing one is an
 * error now, not at the first alert).  NULL with err. */
sw_notify *sw_notify_new(uv_loop_t *loop, const sw_notify_opts *o, char *err, size_t errlen);

/* Connect and start consuming. */
void sw_notify_start(sw_notify *n);

/* Stop reading, send the collecting digests now, and call done once nothing
 * is in flight or timeout_ms passed (what is left stays pending in the group
 * and is delivered at the next start). */
void sw_notify_stop(sw_notify *n, uint64_t timeout_ms, void (*done)(void *ctx), void *ctx);

/* Close every handle (cancelling what runs); closed(ctx) when all are closed,
 * then sw_notify_free. */
void sw_notify_close(sw_notify *n, void (*closed)(void *ctx), void *ctx);
void sw_notify_free(sw_notify *n);

void sw_notify_get_stats(const sw_notify *n, sw_notify_stats *out);
/* Stream entries read and not yet acknowledged. */
size_t sw_notify_inflight(const sw_notify *n);

/* Per channel, for /metrics: alerts delivered, given up, held back by a
 * silence. */
typedef struct sw_notify_chan_info {
    const char *name, *type;
    uint64_t delivered, failed, silenced;
} sw_notify_chan_info;
size_t sw_notify_n_channels(const sw_notify *n);
void sw_notify_get_chan(const sw_notify *n, size_t i, sw_notify_chan_info *out);

/* Silences active now (sw_notify_silence.h). */
size_t sw_notify_silences_active(const sw_notify *n);

/* Both Redis connections are up (/healthz). */
int sw_notify_redis_up(const sw_notify *n);

#endif
