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

#include <stdio.h>

typedef struct sw_sink sw_sink;

struct sw_sink {
    const char *name;
    /* Returns 0, or a negative code if the alert could not be handed over
     * (the caller counts it). */
    int (*deliver)(sw_sink *s, const sw_alert *a, const char *json, size_t len);
    void (*flush)(sw_sink *s);
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
