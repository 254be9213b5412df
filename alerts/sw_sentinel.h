/*
 * sw_sentinel.h -- where the Redis master is, asked of Redis Sentinel: the
 * Sentinel client protocol on hiredis 0.14's async API, which has no
 * Sentinel support of its own.  sw_redis uses it for every connection
 * (shockd's sink, shock-notify's two), so all of them follow a failover.
 *
 * Resolving follows redis.io's "Sentinel client spec":
 *  1. the sentinels are asked in turn, each with a short timeout that covers
 *     connecting, AUTH (when a sentinel password is set) and the question; a
 *     refused connection, a timeout, an error or a null answer moves on to
 *     the next one;
 *  2. the question is SENTINEL get-master-addr-by-name <master_name>, the
 *     answer [host, port];
 *  3. the sentinel that answered moves to the front of the list, so the next
 *     resolution asks it first.
 * The caller connects to that address and checks with ROLE that the server
 * is the master (a sentinel may not have heard of a failover yet) -- that
 * step is sw_redis's handshake.  The address is never cached: every
 * reconnect resolves again.  When no sentinel gave an address the result
 * says which of the spec's two cases it is: none could be reached (with the
 * last error), or those that answered do not know the master name.
 *
 * Watching: one long-lived connection to a sentinel (the one that answered
 * last) subscribes to +switch-master; a message for our master name is
 * reported at once, so the caller can drop its connection and resolve again
 * instead of waiting for a timeout.  It only makes a failover noticed
 * sooner: a message can be missed, and correctness never depends on it
 * (ROLE and re-resolving on every reconnect do).  The watch moves to the next
 * sentinel, with a growing delay, when its connection goes; TCP keepalive
 * finds a sentinel host that vanished without a reset.
 *
 * Replies are bounded like sw_redis's (bulk strings cut at 4 KiB as they are
 * built), and every hiredis callback handles reply == NULL (the connection
 * went away or was freed).  Log lines name sentinels by host:port and never
 * a password.
 */
#ifndef SW_SENTINEL_H
#define SW_SENTINEL_H

#include "sw_redis_url.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SW_SENTINEL_MAX 16              /* sentinels in redis.sentinels */
#define SW_SENTINEL_DEFAULT_PORT 26379
#define SW_SENTINEL_NAME_MAX 256        /* master names (as stream and channel names) */

struct redisAsyncContext;
typedef struct sw_sentinel sw_sentinel;

typedef struct sw_sentinel_params {
    const char *const *addrs;           /* "host:port" (checked by the config: sw_redis_addr_parse) */
    size_t n_addrs;
    const char *master_name;
    const char *password;               /* AUTH to the sentinels; NULL or "": none */
    uint64_t timeout_ms;                /* per sentinel; 0: 500 */
} sw_sentinel_params;

typedef enum sw_sentinel_status {
    SW_SENTINEL_OK = 0,
    SW_SENTINEL_UNREACHABLE = 1,        /* no sentinel answered the question */
    SW_SENTINEL_UNKNOWN_MASTER = 2      /* every sentinel that answered said null: a wrong master_name? */
} sw_sentinel_status;

/* The result of sw_sentinel_resolve, exactly once per call (unless
 * cancelled): host and port of the master when OK, else NULL and 0 with a
 * sentence in why. */
typedef void (*sw_sentinel_resolved_fn)(void *ctx, sw_sentinel *s, sw_sentinel_status st, const char *host,
                                        int port, const char *why);
/* +switch-master for our master name: it moved to host:port. */
typedef void (*sw_sentinel_switch_fn)(void *ctx, sw_sentinel *s, const char *host, int port);
typedef void (*sw_sentinel_closed_fn)(sw_sentinel *s, void *ctx);

typedef struct sw_sentinel_addr {
    char host[SW_REDIS_HOST_MAX];
    int port;
} sw_sentinel_addr;

typedef struct sw_sentinel_stats {
    uint64_t resolved;                  /* addresses obtained */
    uint64_t failed;                    /* resolutions where no sentinel gave one */
    uint64_t switches;                  /* +switch-master messages for our master */
} sw_sentinel_stats;

struct sw_sentinel {
    uv_loop_t *loop;
    sw_sentinel_addr addrs[SW_SENTINEL_MAX]; /* the one that answered last first */
    size_t n;
    char master[SW_SENTINEL_NAME_MAX + 1];
    char password[SW_REDIS_PASSWORD_MAX];
    uint64_t timeout_ms;
    size_t max_string;                  /* the replies' bound (sw_redis_attach) */
    /* the resolution in progress */
    uv_timer_t q_timer;
    struct redisAsyncContext *q_ac;
    int q_active;
    size_t q_next, q_tried, q_nulls;
    sw_sentinel_addr q_addr;            /* the sentinel asked now */
    char q_why[640];                    /* the last failure, for the summary */
    sw_sentinel_resolved_fn q_cb;
    void *q_ctx;
    /* the +switch-master watch */
    uv_timer_t w_timer;
    struct redisAsyncContext *w_ac;
    int watching;
    int subscribed;                     /* the watch's SUBSCRIBE was confirmed (tests, logs) */
    size_t w_next;
    unsigned w_attempt;
    sw_sentinel_addr w_addr;
    sw_sentinel_switch_fn w_cb;
    void *w_ctx;
    /* life cycle */
    int closing, closes_left;
    sw_sentinel_closed_fn closed;
    void *closed_ctx;
    sw_sentinel_stats stats;
};

/* Set up (no I/O yet).  Returns 0, or a negative value with a sentence in
 * err (an address that does not parse, too many, no master name). */
int sw_sentinel_init(sw_sentinel *s, uv_loop_t *loop, const sw_sentinel_params *p, char *err, size_t errlen);

/* Ask the sentinels in turn (see above); cb is called once, possibly
 * before this returns when no sentinel can even be tried.  A resolution
 * already in progress is cancelled first (its cb is not called). */
void sw_sentinel_resolve(sw_sentinel *s, sw_sentinel_resolved_fn cb, void *ctx);

/* Stop the resolution in progress; its cb is not called. */
void sw_sentinel_cancel(sw_sentinel *s);

/* Start watching +switch-master (once; later calls change the callback). */
void sw_sentinel_watch(sw_sentinel *s, sw_sentinel_switch_fn cb, void *ctx);

/* "mymaster via 3 sentinels" for log lines. */
char *sw_sentinel_describe(const sw_sentinel *s, char *buf, size_t len);

/* Close both connections and timers; closed(s, ctx) once the timers are
 * closed (hiredis's libuv adapter closes its own poll handles: run the loop
 * until uv_run returns before uv_loop_close).  The password is wiped. */
void sw_sentinel_close(sw_sentinel *s, sw_sentinel_closed_fn closed, void *ctx);

#endif
