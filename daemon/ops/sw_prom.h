/*
 * sw_prom.h -- writing the Prometheus text exposition (format 0.0.4) into a
 * bounded buffer, for the /metrics of shockd (sw_metrics.h) and of
 * shock-notify (sw_notify_metrics.h): series with their HELP and TYPE
 * lines, the HTTP listener's own series under a program's prefix, and the
 * /metrics response itself.
 *
 * The writer never writes past its buffer: like snprintf it keeps counting
 * what it would need, so the caller learns the size and can say the
 * exposition was cut (SW_PROM_BODY_MAX).
 */
#ifndef SW_PROM_H
#define SW_PROM_H

#include "sw_http.h"

#include <stddef.h>

#define SW_PROM_BODY_MAX (64 * 1024)

typedef struct sw_prom {
    char *buf;
    size_t cap, len;                  /* len may pass cap: what was needed */
} sw_prom;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sw_prom_put(sw_prom *o, const char *fmt, ...);

/* "# HELP name help" and "# TYPE name type". */
void sw_prom_head(sw_prom *o, const char *name, const char *type, const char *help);

/* The listener's connections, limit, bytes held, requests by route and
 * rejections by reason, as <prefix>_http_* (h NULL or not listening: zeros). */
void sw_prom_http(sw_prom *o, const char *prefix, const sw_http *h);

/* Fill a /metrics response from render (as snprintf: returns the length it
 * wrote or needed), at most SW_PROM_BODY_MAX bytes (cut, with a warning,
 * beyond).  0, or -1 when out of memory. */
int sw_prom_respond(sw_http_resp *r, size_t (*render)(void *ctx, char *buf, size_t cap), void *ctx);

#endif
