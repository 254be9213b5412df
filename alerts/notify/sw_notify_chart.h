/*
 * sw_notify_chart.h -- the picture that goes with a message: its URL, made
 * from the notify.chart_url template, and its fetch over sw_curl.
 *
 * {symbol} becomes the alert's symbol, {id} its id, each percent-encoded
 * (RFC 3986: everything but letters, digits and - . _ ~).  For a digest,
 * {symbol} becomes "group/" and the group's name (encoded), so the template
 * of shockd's listener fetches the group's picture, and {id} is the digest's
 * lead alert: its most severe, the latest of those.
 *
 * A fetch has SW_NCHART_TIMEOUT_MS in all (connecting included) and takes at
 * most SW_NCHART_MAX bytes; it succeeds only with HTTP 200 and a body that
 * is a PNG (its signature).  It never retries: a message whose picture could
 * not be had goes without it (the channel decides, see sw_chan.h).
 */
#ifndef SW_NOTIFY_CHART_H
#define SW_NOTIFY_CHART_H

#include "sw_alert.h"
#include "sw_curl.h"

#include <stddef.h>

#define SW_NCHART_TIMEOUT_MS 2000
#define SW_NCHART_MAX (8u << 20)      /* Telegram's photos: 10 MB at most */

/* The alert a message's picture is about (index into al). */
size_t sw_nchart_lead(const sw_alert *const *al, size_t n);

/* The picture's URL for one alert (group NULL) or a digest of `group`.
 * Returns 0, or -1 when it does not fit in cap. */
int sw_nchart_url(const char *tmpl, const sw_alert *const *al, size_t n, const char *group, char *out, size_t cap);

/* png: malloc'd (the callee's), NULL on failure with why. */
typedef void (*sw_nchart_done_fn)(void *ctx, unsigned char *png, size_t len, const char *why);

typedef struct sw_nchart {
    sw_curl *curl;
    CURL *easy;
    unsigned char *data;
    size_t len, cap;
    int over;                         /* more than SW_NCHART_MAX */
    char errbuf[CURL_ERROR_SIZE];
    sw_nchart_done_fn done;
    void *ctx;
} sw_nchart;

/* Start fetching url (ca_file: NULL for the system store).  Returns 0, or -1
 * with why (then no callback comes). */
int sw_nchart_start(sw_nchart *f, sw_curl *curl, const char *url, const char *ca_file, sw_nchart_done_fn done,
                    void *ctx, char *why, size_t whylen);

/* Stop a running fetch without its callback. */
void sw_nchart_cancel(sw_nchart *f);

#endif
