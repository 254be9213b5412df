/*
 * sw_redis.h -- a Redis connection that stays up: hiredis's async API on
 * shockd's libuv loop (adapters/libuv.h), with what hiredis 0.14 lacks.
 *
 * State is explicit: CLOSED (waiting to retry, or closing), CONNECTING (TCP
 * or Unix connect, then AUTH, SELECT and PING, in that order, on every
 * (re)connect), CONNECTED (handshake answered; commands may be sent).  One uv
 * timer serves as the connect deadline (connect + handshake), as the command
 * watchdog (no reply for command_timeout while commands are outstanding: the
 * connection is declared dead and dropped; hiredis has no command timeout)
 * and as the retry delay: exponential backoff with full jitter (a random
 * delay up to a window that doubles from 100 ms to 10 s; after a refused
 * handshake from 1 s to 60 s), so a wrong password is one clear error per
 * backoff step rather than a retry storm.
 * The backoff step is reset by the first good reply to a user command (not by
 * a handshake alone), so a server that accepts connections but rejects every
 * command is not hammered either.
 *
 * Every reply callback runs exactly once per queued command, with reply ==
 * NULL when the connection went away before the reply came (the command may
 * or may not have been executed).  Log lines name the server as
 * sw_redis_url_describe() does: never the password.
 *
 * With Sentinel (options.sentinel), the master's address is asked of the
 * sentinels before every connect (sw_sentinel.h: never cached), the
 * handshake ends with ROLE, and a server that is not the master is dropped
 * and the sentinels asked again after a short delay; a +switch-master
 * message for our master drops the connection at once, so a failover is
 * followed in about the time the sentinels take to announce it.  The URL's
 * password and db still apply; its host and port are not used.
 *
 * hiredis writes with write(2), so a server that closed its end would raise
 * SIGPIPE; sw_redis_init ignores SIGPIPE if it still has its default action.
 *
 * What Redis sends is bounded only as far as hiredis 0.14 lets us (checked
 * against its read.c and hiredis.c): its reader keeps a whole bulk string in
 * its buffer until the string is complete (up to the server's
 * proto-max-bulk-len, 512 MB by default; reader->maxbuf only trims the idle
 * buffer), and an array may have up to INT_MAX elements, each a reply
 * object.  What we can bound is what is kept: with max_string set, a bulk
 * string longer than that is cut as its reply object is made (our
 * createString, set on the context's reader), so a reply of COUNT entries
 * holds at most max_string bytes per field however big the entries are;
 * sw_redis_reply_len still gives the length Redis sent, so the caller can
 * refuse the entry rather than use a part of it.
 */
#ifndef SW_REDIS_H
#define SW_REDIS_H

#include "sw_redis_url.h"
#include "sw_sentinel.h"

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct redisAsyncContext;

typedef enum sw_redis_state {
    SW_REDIS_CLOSED = 0,
    SW_REDIS_CONNECTING = 1,
    SW_REDIS_CONNECTED = 2
} sw_redis_state;

typedef struct sw_redis sw_redis;

/* reply: NULL when the connection was lost or closed first.  It is freed by
 * hiredis when the callback returns: copy what you keep. */
typedef void (*sw_redis_reply_fn)(void *privdata, sw_redis *r, const redisReply *reply);
/* CONNECTED once the handshake is answered; CLOSED when a connection that was
 * reported CONNECTED is lost (or closed).  Commands may be sent from here. */
typedef void (*sw_redis_state_fn)(void *ctx, sw_redis *r, sw_redis_state state);
typedef void (*sw_redis_closed_fn)(sw_redis *r);

typedef struct sw_redis_options {
    sw_redis_url url;             /* copied; the copy's password is wiped at close */
    uint64_t connect_timeout_ms;  /* connect + handshake; 0: 2000 */
    uint64_t command_timeout_ms;  /* 0: 5000 */
    uint64_t backoff_min_ms;      /* 0: 100 */
    uint64_t backoff_max_ms;      /* 0: 10000 */
    uint64_t auth_backoff_min_ms; /* after a refused handshake; 0: 1000 */
    uint64_t auth_backoff_max_ms; /* after a refused handshake; 0: 60000 */
    size_t max_string;            /* 0: none; else bulk strings are cut to this (see above) */
    const sw_sentinel_params *sentinel; /* non-NULL: the master comes from the sentinels (copied) */
    sw_redis_state_fn on_state;
    void *ctx;
} sw_redis_options;

typedef struct sw_redis_stats {
    uint64_t connects;            /* handshakes completed */
    uint64_t failures;            /* connects that failed or connections lost */
    uint64_t timeouts;            /* connect or command timeouts among them */
    uint64_t handshake_errors;    /* AUTH/SELECT/PING refused */
    uint64_t not_master;          /* with Sentinel: ROLE said replica (a stale answer): resolved again */
} sw_redis_stats;

struct sw_redis {
    uv_loop_t *loop;
    uv_timer_t timer;
    struct redisAsyncContext *ac;
    sw_redis_options o;
    sw_redis_state state;
    int closing;
    int in_hiredis;               /* inside a callback hiredis made: do not flush or free now */
    uint64_t gen;                 /* connection generation; stale callbacks are recognised by it */
    unsigned attempt;             /* consecutive failures: the backoff step */
    int handshake_failed;         /* the last failure was a refusal (handshake or command) */
    int handshake_left;
    size_t outstanding;           /* user commands without a reply yet */
    uint64_t progress_ms;         /* last reply, or when outstanding became nonzero */
    uint64_t connected_ms;
    uint64_t rng;
    char where[SW_REDIS_HOST_MAX + SW_SENTINEL_NAME_MAX + 64];
    sw_redis_closed_fn closed_cb;
    int closes_left;              /* the timer, and the sentinel client when there is one */
    sw_redis_stats stats;
    /* Sentinel */
    int has_sentinel;
    int resolving;                /* asking the sentinels (state CONNECTING, no context yet) */
    int resolved;                 /* o.url's host and port come from the answer just received */
    sw_sentinel sent;
};

/* The length of a string reply as Redis sent it: a string cut at
 * max_string keeps its first max_string bytes in str and len, and the whole
 * length in integer. */
size_t sw_redis_reply_len(const redisReply *r);

/* Attach a context made by redisAsyncConnect* to the loop (hiredis's libuv
 * adapter, with the error handling its 0.14 poll callback lacks) and, when
 * *max_string is not 0, cut its bulk strings at that length as replies are
 * built (the pointer must outlive the context).  Returns 0 or -1.  For
 * sw_sentinel's own connections. */
int sw_redis_attach(struct redisAsyncContext *ac, uv_loop_t *loop, const size_t *max_string);

/* 1 for an error reply that goes away by itself: the server is loading,
 * busy with a script, a replica that lost its master or was just demoted
 * (READONLY: a failover happened under this connection), or short of the
 * replicas min-replicas-to-write asks for.  Such a refusal is met with a
 * reconnect after the ordinary backoff (and, with Sentinel, a new
 * resolution), not the slow backoff of a refused password. */
int sw_redis_reply_transient(const redisReply *rep);

/* hiredis 0.14 has no TLS: for a TCP connection to a host that is not a
 * loopback address (sw_host.h; a name other than "localhost" counts as
 * remote), say once -- a warning naming the server -- that AUTH and every
 * alert may cross a network in clear text, and where the safe shapes are
 * (docs/security.md).  Returns 1 if it warned. */
int sw_redis_warn_if_in_clear(const sw_redis_url *u);

/* Set up (no I/O yet).  Returns 0 or a negative libuv error (-1: the
 * sentinel parameters are unusable, logged). */
int sw_redis_init(sw_redis *r, uv_loop_t *loop, const sw_redis_options *o);

/* Begin connecting now. */
void sw_redis_start(sw_redis *r);

/* Queue a command (binary-safe arguments).  Returns 0, or -1 when not
 * CONNECTED (the callback is then never called). */
int sw_redis_command(sw_redis *r, sw_redis_reply_fn fn, void *privdata, int argc, const char **argv,
                     const size_t *argvlen);

/* Subscribe to a Pub/Sub channel (one per connection, sent from on_state
 * CONNECTED; again after every reconnect).  fn runs with the confirmation
 * and each message (["message", channel, payload]), and once with NULL when
 * the connection goes.  The connection then carries nothing else, and is
 * not watched for replies (no command timeout: a quiet channel is normal).
 * Returns 0, or -1 when not CONNECTED. */
int sw_redis_subscribe(sw_redis *r, const char *channel, sw_redis_reply_fn fn, void *privdata);

/* Write queued commands to the socket now instead of on the next loop
 * iteration (a non-blocking write; no-op inside hiredis callbacks).  May lose
 * the connection, calling back before it returns. */
void sw_redis_flush(sw_redis *r);

/* Bytes queued but not yet written to the socket. */
size_t sw_redis_unwritten(const sw_redis *r);

/* Give up on this connection and reconnect after the next backoff step. */
void sw_redis_drop(sw_redis *r, const char *why);

/* The same after the server refused a command with an error that will not go
 * away by itself (WRONGTYPE, OOM, ...): logged as an error at every step,
 * with the slow backoff of a refused handshake. */
void sw_redis_refused(sw_redis *r, const char *why);

/* Close: drops the connection (callbacks get NULL) and closes the timer;
 * `closed` is called once the timer is closed, and from then on the struct
 * may be freed.  hiredis's libuv adapter closes and frees its own poll handle
 * (not ours to wait for), so run the loop until uv_run returns before
 * uv_loop_close. */
void sw_redis_close(sw_redis *r, sw_redis_closed_fn closed);

#endif
