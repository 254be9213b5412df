/*
 * sw_sink.h -- where alerts go once the policy let them through.
 *
 * A sink receives each alert both as the struct and as its schema-v1 JSON line
 * (encoded once, shared by all sinks).  This module defines the interface and
 * the `stdout` sink; the Redis sink comes in its own module.  Sinks are named in
 * the config's "sinks" list.
 */
#ifndef SW_SINK_H
#define SW_SINK_H

#include "sw_alert.h"

#include <stdint.h>
#include <stdio.h>
#include <uv.h>

typedef struct sw_sink sw_sink;

/* Completion callback for the asynchronous steps below. */
typedef void (*sw_sink_done_fn)(void *ctx, sw_sink *s);

/*
 * Life cycle, driven by shockd: start (optional) once the loop exists;
 * deliver for every alert; at the end (replay finished, SIGTERM) drain, which
 * delivers or safely stores everything pending within timeout_ms and then
 * calls done exactly once (it may do so before returning); close, which
 * closes the sink's loop handles and calls closed once they are all closed;
 * destroy, which frees it.  Sinks without loop work leave start, drain and
 * close NULL.
 */
struct sw_sink {
    const char *name;
    int (*start)(sw_sink *s, uv_loop_t *loop);
    /* Returns 0 when the alert was taken over (delivered, queued or spooled);
     * a negative code when it could not be (the caller counts and logs it). */
    int (*deliver)(sw_sink *s, const sw_alert *a, const char *json, size_t len);
    void (*flush)(sw_sink *s);
    void (*drain)(sw_sink *s, uint64_t timeout_ms, sw_sink_done_fn done, void *ctx);
    /* Alerts taken over but not yet confirmed by the destination. */
    size_t (*pending)(sw_sink *s);
    void (*close)(sw_sink *s, sw_sink_done_fn closed, void *ctx);
    void (*destroy)(sw_sink *s);
    unsigned long delivered;
    unsigned long failed;
};

typedef enum sw_stdout_format {
    SW_STDOUT_JSON = 0,   /* one schema-v1 JSON object per line */
    SW_STDOUT_TEXT = 1    /* one readable line per alert */
} sw_stdout_format;

typedef struct sw_stdout_params {
    int format;           /* sw_stdout_format */
} sw_stdout_params;

/* A sink that writes to `out` (stdout in shockd; a memstream in tests).  Each
 * alert is flushed at once: alerts are rare, and a person or a pipe waiting
 * for one must not wait for a buffer to fill. */
sw_sink *sw_sink_stdout_new(FILE *out, const sw_stdout_params *params);

#endif
