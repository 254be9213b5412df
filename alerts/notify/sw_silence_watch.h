/*
 * sw_silence_watch.h -- the silences a shock-notify applies, kept current:
 * listed from Redis (sw_silence_store.h) every period and at once when a
 * change is announced on the Pub/Sub channel <stream>:silences.
 *
 * The list goes over the owner's command connection (borrowed); the
 * subscription needs a connection of its own (a subscribed connection
 * carries nothing else), made from the same URL.  Announcements are a
 * shortcut, not the mechanism: a message missed while that connection was
 * down, or one that never came (a silence written by another tool), is
 * picked up by the next periodic list, and whether a silence is active is
 * decided by the wall clock at each use (sw_silence_active) -- a silence
 * stops at its end to the millisecond, whatever the period.
 *
 * While Redis is away the last list stays in force (silences already seen
 * still hold, new ones wait for Redis to come back); at start, until the
 * first list answered, none are known.  A record Redis holds that is not a
 * valid silence is ignored and logged once (again only if it goes away and
 * comes back); every silence is logged when first seen and when it ends or
 * is expired.  The owner hears of each new list (fn): the silences known
 * now, and which of them are new since the previous one.
 */
#ifndef SW_SILENCE_WATCH_H
#define SW_SILENCE_WATCH_H

#include "sw_redis.h"
#include "sw_silence.h"
#include "sw_silence_store.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SW_SILENCE_PERIOD_MS 1000

/* A new list arrived: v[0..n) (sorted by end), of which added[0..n_added)
 * were not in the one before.  Also called once when the first list fails
 * (n 0, n_added 0): an owner that waits for the silences before it reads
 * alerts goes on without them, and says so. */
typedef void (*sw_silence_watch_fn)(void *ctx, const sw_silence *v, size_t n, const sw_silence *const *added,
                                    size_t n_added);

typedef struct sw_silence_watch_stats {
    uint64_t lists, list_failures, announcements, refused;
} sw_silence_watch_stats;

typedef struct sw_silence_watch {
    uv_loop_t *loop;
    sw_redis *cmd;                    /* borrowed: lists go over it */
    sw_redis sub;                     /* the subscription */
    int sub_inited;
    char *stream, *channel;
    uv_timer_t timer;
    int timer_inited;
    sw_silence *v;                    /* known now */
    size_t n;
    char (*bad)[24];                  /* ids refused at the last list (logged once) */
    size_t n_bad;
    int listing, again, have_list;
    int failing;                      /* the last list failed (said once) */
    int closing, handles_open;
    void (*closed)(struct sw_silence_watch *w);
    sw_silence_watch_fn fn;
    void *ctx;
    sw_silence_watch_stats st;
} sw_silence_watch;

/* Set up (no I/O).  url: for the subscription connection.  Returns 0 or -1. */
int sw_silence_watch_init(sw_silence_watch *w, uv_loop_t *loop, sw_redis *cmd, const sw_redis_options *sub_opts,
                          const char *stream, sw_silence_watch_fn fn, void *ctx);

/* Start the period and the subscription. */
void sw_silence_watch_start(sw_silence_watch *w);

/* List now (after a change made here: a Telegram command). */
void sw_silence_watch_refresh(sw_silence_watch *w);

/* The silences known (active or still to start), and how many are active. */
const sw_silence *sw_silence_watch_get(const sw_silence_watch *w, size_t *n);
size_t sw_silence_watch_active(const sw_silence_watch *w, int64_t now_ms);

/* Close the timer and the subscription; closed(w) once both are closed. */
void sw_silence_watch_close(sw_silence_watch *w, void (*closed)(sw_silence_watch *w));
void sw_silence_watch_free(sw_silence_watch *w);

#endif
