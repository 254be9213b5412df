/*
 * sw_notify_silence.h -- silences in shock-notify's delivery: which of the
 * channels an alert was routed to a silence holds it back from, the log
 * line and the counts, the watcher that keeps the silences current
 * (sw_silence_watch.h), and the Telegram bots that take /silence commands
 * (sw_tg_bot.h).
 *
 * The engine (sw_notify.c) asks once per alert, after routing and before
 * the dedupe look-ups (sw_nsil_hold with the routed channels), and again
 * when it hands the alert to a channel (a silence may have come meanwhile).
 * A held-back channel counts as handled for that alert: nothing is sent or
 * recorded as sent there, and the stream entry is acknowledged once its
 * other channels are done -- it stays in the stream for every other
 * reader.  When a list brings new silences, the engine also takes back what
 * they match from the channels' queues and collecting digests
 * (sw_chan_withdraw), so a digest leaves out the alerts silenced since it
 * began.
 *
 * Each (alert, silence) is logged once, naming the channels:
 *   NVDA pct_move warning silenced by ana until 11:30 ET: on it (alert
 *   00000000a1e70001 on slack; silence 3fa9c2d1)
 * and a critical one at warning level, saying so.
 */
#ifndef SW_NOTIFY_SILENCE_H
#define SW_NOTIFY_SILENCE_H

#include "sw_alert.h"
#include "sw_chan.h"
#include "sw_curl.h"
#include "sw_notify_config.h"
#include "sw_redis.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct sw_nsil sw_nsil;

typedef struct sw_nsil_opts {
    uv_loop_t *loop;
    const sw_notify_config *cfg;
    const sw_group_spec *groups;
    size_t n_groups;
    const char *stream;
    sw_redis *cmd;                    /* the engine's command connection: lists and commands go over it */
    sw_redis_options sub;             /* for the subscription's own connection (url, timeouts) */
    sw_curl *curl;
    sw_chan *chans;                   /* the engine's channels, cfg->channels' order */
    size_t n_chans;
    void (*added)(void *ctx);         /* new silences arrived */
    void *ctx;
} sw_nsil_opts;

typedef struct sw_nsil_stats {
    uint64_t silenced;                /* alert x channel held back */
    uint64_t commands, refused;       /* Telegram commands carried out (or answered); refused chats */
    uint64_t lists, list_failures;
} sw_nsil_stats;

/* 0, or -1 with err.  *out is set whenever the struct was allocated, also
 * on failure: close it with sw_nsil_close, then free it. */
int sw_nsil_new(sw_nsil **out, const sw_nsil_opts *o, char *err, size_t errlen);
void sw_nsil_start(sw_nsil *s);
/* The command connection is up: list the silences now. */
void sw_nsil_connected(sw_nsil *s);

/* The silences were listed once (or the list failed): alerts may be read. */
int sw_nsil_ready(const sw_nsil *s);

/* Stop taking commands (shutting down); silences still apply. */
void sw_nsil_stop(sw_nsil *s);

/* Of `mask` (bit i: channel i), the channels an active silence holds a
 * back from; logged and counted here. */
uint32_t sw_nsil_hold(sw_nsil *s, const sw_alert *a, uint32_t mask);

/* Silences active now; alerts held back on channel i. */
size_t sw_nsil_active(const sw_nsil *s);
uint64_t sw_nsil_silenced(const sw_nsil *s, size_t chan);
void sw_nsil_get_stats(const sw_nsil *s, sw_nsil_stats *out);

/* Close the watcher and the bots; closed(ctx) once all are closed. */
void sw_nsil_close(sw_nsil *s, void (*closed)(void *ctx), void *ctx);
void sw_nsil_free(sw_nsil *s);

#endif
