/* sw_sink_stdout.c -- the `stdout` sink, see sw_sink.h. */
#include "sw_sink.h"

#include <stdlib.h>

typedef struct stdout_sink {
    sw_sink base;
    FILE *out;
    int format;
} stdout_sink;

static int stdout_deliver(sw_sink *s, const sw_alert *a, const char *json, size_t len)
{
    stdout_sink *ss = (stdout_sink *)s;
    int rc;
    if (ss->format == SW_STDOUT_TEXT) {
        char line[512];
        if (sw_alert_to_text(a, line, sizeof line) < 0)
            return -1;
        rc = fprintf(ss->out, "%s\n", line);
    } else {
        rc = fprintf(ss->out, "%.*s\n", (int)len, json);
    }
    if (rc < 0 || fflush(ss->out) != 0)
        return -1;
    return 0;
}

static void stdout_flush(sw_sink *s)
{
    fflush(((stdout_sink *)s)->out);
}

static void stdout_destroy(sw_sink *s)
{
    free(s);
}

sw_sink *sw_sink_stdout_new(FILE *out, const sw_stdout_params *params)
{
    stdout_sink *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.name = "stdout";
    s->base.deliver = stdout_deliver;
    s->base.flush = stdout_flush;
    s->base.destroy = stdout_destroy;
    s->out = out;
    s->format = params ? params->format : SW_STDOUT_JSON;
    return &s->base;
}
