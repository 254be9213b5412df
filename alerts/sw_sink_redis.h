/*
 * sw_sink_redis.h -- the `redis` sink: alerts into a Redis stream and onto
 * Pub/Sub channels, without losing one when Redis is away.
 *
 * Per alert, one server-side Lua script (loaded with SCRIPT LOAD on every
 * (re)connect, run with EVALSHA; EVAL when the server answers NOSCRIPT):
 *
 *   if EXISTS <stream>:id:<id> then
 *       EXPIRE <stream>:id:<id> <dedupe_ttl>; return {producer of the key}
 *   XADD <stream> MAXLEN ~ <maxlen> * id <id> symbol <symbol>
 *        severity <sev> detector <detector> json <json>
 *   SET <stream>:id:<id> <producer> EX <dedupe_ttl>
 *   PUBLISH <channel> <json>
 *   PUBLISH <channel>:<severity> <json>
 *   return the entry id
 *
 * (the SET ... NX EX of the design, in the order a script needs: Redis does
 * not roll a script back, so the XADD that can be refused goes before the
 * key that would make a retry a no-op)
 *
 * Atomically (a script runs alone): whichever shockd is first writes the
 * alert, and the same alert from another active-active instance is a
 * confirmed no-op, counted as deduplicated (the key names its producer, a
 * hash of host name and state_dir, so this shockd's own resend after a lost
 * reply is told apart).  The no-op's EXPIRE is a write on purpose: it makes
 * a following WAIT cover the first writer's entry too.  The key follows the
 * stream's name, so two deployments that share a Redis never deduplicate
 * each other.
 *
 * The stream is the durable record: an alert counts as delivered when Redis
 * answered its script -- and, with replicas_ack N > 0, when a WAIT N sent
 * after it says N replicas have it (the spool keeps it until then; after a
 * failover it is sent again by id, and the key makes that safe).  Pub/Sub is
 * fire-and-forget for live watchers (a subscriber that is not connected at
 * that moment misses it, as Pub/Sub always does).
 *
 * No loss: every alert is appended to the spool (sw_spool.h) before it is
 * sent; the spool forgets it only after the XADD reply.  While Redis is away,
 * alerts accumulate in the spool (bounded, with its overflow policy); on
 * reconnect the spool drains in order before newer alerts, and a spool left by
 * a crash drains at the next start.  Delivery is at least once: consumers
 * deduplicate by `id`.  To keep duplicates rare, after a reconnect (and at
 * start) the alerts that may already have reached Redis (sent, reply lost)
 * are looked up among the stream's last entries and not sent again if found.
 * drain() waits for every XADD reply or the timeout; what is unconfirmed stays
 * in the spool, and pending() says how many.  When the spool file cannot take
 * an alert (disk full, file-size limit), the spool holds it in memory and the
 * sink sends it from there: Redis being up is then enough to deliver it, and
 * only a stop while both are unavailable loses it (logged with ids).
 */
#ifndef SW_SINK_REDIS_H
#define SW_SINK_REDIS_H

#include "sw_sink.h"
#include "sw_strlist.h"

#include <stddef.h>
#include <stdint.h>

#define SW_REDIS_DEFAULT_URL "redis://127.0.0.1:6379"
#define SW_REDIS_DEFAULT_STREAM "shockwatch:alerts"
#define SW_REDIS_DEFAULT_CHANNEL "shockwatch:alerts"
#define SW_REDIS_NAME_MAX 256       /* stream and channel names */

typedef enum sw_redis_fsync {
    SW_REDIS_FSYNC_ALWAYS = 0,      /* fdatasync the spool after every alert */
    SW_REDIS_FSYNC_EVERYSEC = 1     /* at most once a second (a crash may lose the last second) */
} sw_redis_fsync;

/* The `redis` section of the config (config/ fills it through its option
 * rows; strings are malloc'd and owned by the struct). */
typedef struct sw_redis_sink_params {
    char *url;
    char *password_env;             /* NULL: none */
    char *password_file;            /* NULL: none; relative: in $CREDENTIALS_DIRECTORY */
    char *stream;
    int maxlen;                     /* approximate trim (MAXLEN ~) */
    char *channel;
    int fsync;                      /* sw_redis_fsync */
    int queue_max;                  /* alerts held in memory; the rest wait in the spool file */
    int spool_max_bytes;
    int64_t connect_timeout_ns;
    int64_t command_timeout_ns;
    int64_t dedupe_ttl_ns;          /* life of <stream>:id:<id> (whole seconds) */
    int replicas_ack;               /* WAIT for this many replicas before an alert counts (0: no WAIT) */
    int64_t replicas_timeout_ns;    /* WAIT's timeout; below command_timeout */
    sw_str_list sentinels;          /* "host:port" of each sentinel; empty: redis.url's server */
    char *master_name;              /* with sentinels: the name they monitor */
    char *sentinel_password_env;    /* AUTH to the sentinels */
    char *sentinel_password_file;
    int64_t sentinel_timeout_ns;    /* per sentinel asked */
} sw_redis_sink_params;

/* Defaults (strings strdup'd); free with sw_redis_sink_params_free. */
void sw_redis_sink_defaults(sw_redis_sink_params *p);
void sw_redis_sink_params_free(sw_redis_sink_params *p);

/* Cross-field checks the option rows cannot express (URL syntax, one
 * password source, names, sentinel addresses with a master name, the WAIT
 * timeout below the command timeout).  Calls report(ctx, key, sentence) for each problem
 * (key relative to the section: "url", "password_file", ...) and returns how
 * many there were. */
int sw_redis_sink_check(const sw_redis_sink_params *p,
                        void (*report)(void *ctx, const char *key, const char *msg), void *ctx);

/* cJSON may run on shockd's bump arena (daemon/providers/sw_jsonarena.h); the sink
 * parses spooled lines and brackets each parse with these.  NULL members or a
 * NULL pointer: plain malloc. */
typedef struct sw_json_bracket {
    size_t (*mark)(void);
    void (*release)(size_t mark);
} sw_json_bracket;

/* Where the sentinel password comes from, resolved like the Redis
 * password (sw_secret_load): 0 with *out malloc'd (sw_secret_free it), 1
 * when neither source is set (*out NULL), -1 with a sentence in err.  For
 * shock-notify, which builds its own connections. */
int sw_redis_sentinel_password(const sw_redis_sink_params *p, char **out, char *err, size_t errlen);

/* The producer name the sink writes into the dedupe keys: 16 hex digits of
 * FNV-1a 64 over the host name and state_dir ("ab12..."). */
void sw_redis_producer_id(const char *state_dir, char out[17]);

/* The sink; nothing happens until start (which opens the spool in state_dir,
 * reads the password and connects; an unusable state_dir or password source
 * is a clear error there).  params and json are copied. */
sw_sink *sw_sink_redis_new(const sw_redis_sink_params *params, const char *state_dir, const sw_json_bracket *json);

typedef struct sw_sink_redis_stats {
    uint64_t spooled, confirmed, published, publish_errors, xadd_errors;
    uint64_t resend_skipped;        /* found in the stream after a lost reply: not sent again */
    uint64_t dropped[3];            /* by severity (overflow policy) */
    uint64_t recovered;             /* found in the spool at start */
    uint64_t held;                  /* the spool file could not take them (disk full): held in memory */
    uint64_t held_written;          /* of those, written to the file later */
    uint64_t held_lost;             /* held, and neither written nor confirmed when the sink closed */
    size_t held_now;                /* held in memory at this moment */
    uint64_t skipped_lines;         /* torn/invalid spool lines at start */
    uint64_t connects, connection_failures;
    int connected;                  /* the connection is up and its handshake done (metrics, /healthz) */
    uint64_t deduplicated;          /* the script found the alert written by another producer: confirmed */
    uint64_t noscript;              /* NOSCRIPT answers: sent again with EVAL */
    uint64_t wait_short;            /* WAITs that returned fewer than replicas_ack replicas */
    size_t unreplicated;            /* alerts written, waiting for WAIT to count replicas_ack replicas */
    uint64_t sentinel_switches;     /* +switch-master messages for our master */
    uint64_t not_master;            /* connections dropped because ROLE was not master */
} sw_sink_redis_stats;

/* For tests and diagnostics. */
void sw_sink_redis_get_stats(sw_sink *s, sw_sink_redis_stats *out);
/* The sink's connection, for a few other commands of shockd's own (the
 * dashboard lists the silences over it); NULL before start or once closing.
 * Its state says whether commands can be sent now. */
struct sw_redis *sw_sink_redis_conn(sw_sink *s);

/* Bytes of commands not yet written to the socket (benchmarks). */
size_t sw_sink_redis_unwritten(sw_sink *s);

#endif
