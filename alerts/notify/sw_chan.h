/*
 * sw_chan.h -- a notification channel: what every channel does the same way
 * (a queue, a token bucket, retries with backoff up to a deadline, digests of
 * a group's alerts), and the interface each channel type implements in its
 * own file (sw_chan_slack.c, sw_chan_email.c, sw_chan_webhook.c,
 * sw_chan_discord.c, sw_chan_telegram.c, sw_chan_console.c).
 *
 * A channel sends one message at a time, in order: a message is one alert, or
 * the alerts of one group that arrived within the digest window (the first of
 * them waits at most that long, a critical one too).  Before each attempt it
 * takes a token from its bucket (rate per second, burst); every request has
 * the channel's timeout.  An HTTP 429 waits for the Retry-After the service
 * asked for; a 5xx, a timeout or a refused connection is retried after an
 * exponentially growing, jittered delay; once the next attempt would start
 * after retry_deadline (counted from the first attempt), or when the failure
 * cannot go away by itself (a 4xx, a refused login, a server without the
 * STARTTLS we require), the message is given up with the reason.
 *
 * Either way the owner hears of the outcome once per message (result
 * callback) and the channel then waits for sw_chan_settled: the owner first
 * records the outcome durably (the dedupe set, the dead-letter stream), so a
 * crash can never lose more than the one message in flight.  Nothing is
 * dropped silently: a given-up message is the owner's to dead-letter.
 */
#ifndef SW_CHAN_H
#define SW_CHAN_H

#include "sw_alert.h"
#include "sw_curl.h"
#include "sw_notify_chart.h"
#include "sw_notify_config.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SW_CHAN_DIGEST_MAX 200       /* a digest holding this many alerts goes out at once */
#define SW_CHAN_DIGEST_GROUPS 64     /* groups collecting at once; beyond, alerts go alone */
#define SW_CHAN_RESP_MAX 512         /* the start of a service's answer, kept for the log */

typedef struct sw_chan sw_chan;

/* One alert handed to a channel; the owner keeps alert and json alive until
 * the outcome is reported. */
typedef struct sw_chan_item {
    const sw_alert *alert;
    const char *json;           /* schema-v1 JSON as read from the stream */
    size_t json_len;
    void *entry;                /* the owner's */
} sw_chan_item;

typedef struct sw_chan_msg {
    struct sw_chan_msg *next;
    sw_chan_item *items;
    size_t n, cap;
    char group[32];             /* a digest's group; "" for a single alert */
    uint64_t first_ms;          /* first attempt (loop time); 0: not tried yet */
    uint64_t not_before_ms;     /* retry or Retry-After wait */
    unsigned attempts;
    unsigned char *chart;       /* its picture (a PNG), when the channel carries one and it came */
    size_t chart_len;
    int chart_done;             /* fetched or given up: never fetched again for this message */
    int stage;                  /* requests of this message already delivered (a text, then its photo) */
} sw_chan_msg;

/* The request a channel type builds for one attempt. */
typedef struct sw_chan_req {
    CURL *easy;
    struct curl_slist *headers, *rcpt;
    char *body;
    size_t body_len, body_off;  /* body_off: how much of an SMTP upload was read */
    char resp[SW_CHAN_RESP_MAX];
    size_t resp_len;
    long retry_after_ms;        /* from a Retry-After header; -1: none */
    char errbuf[CURL_ERROR_SIZE];
    curl_mime *mime;            /* a multipart body (pictures), freed with the request */
    int more;                   /* once delivered, the message has another request (stage + 1) */
} sw_chan_req;

typedef struct sw_chan_type {
    int kind;                   /* sw_chan_kind */
    /* Load secrets and check what the config could not.  0 or -1 with err. */
    int (*open)(sw_chan *ch, char *err, size_t errlen);
    /* Build the request for m: 0 (req->easy ready to run), 1 (delivered
     * already: the console), -1 with err (cannot be built: given up). */
    int (*build)(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen);
    /* With "chart": true: the same with the message's picture (email,
     * telegram, discord; m->chart set) or the dashboard link (slack).
     * NULL: the type carries none.  A request that fails after an earlier
     * stage of the message was delivered does not fail the message. */
    int (*build_chart)(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen);
} sw_chan_type;

extern const sw_chan_type sw_chan_slack_type, sw_chan_email_type, sw_chan_webhook_type, sw_chan_discord_type,
    sw_chan_telegram_type, sw_chan_console_type;

/* delivered: 1 sent, 0 given up (reason says why).  items are the message's. */
typedef void (*sw_chan_result_fn)(void *ctx, sw_chan *ch, const sw_chan_item *items, size_t n, int delivered,
                                  const char *reason);
typedef void (*sw_chan_closed_fn)(sw_chan *ch);

typedef struct sw_chan_stats {
    uint64_t messages, alerts_sent, digests;   /* delivered */
    uint64_t alerts_failed;                    /* given up */
    uint64_t attempts, retries, rate_limited;  /* rate_limited: HTTP 429 answers */
} sw_chan_stats;

typedef struct sw_chan_bucket {
    char group[32];
    sw_chan_msg *m;
    uint64_t deadline_ms;
} sw_chan_bucket;

struct sw_chan {
    const sw_notify_channel_config *cfg;
    const sw_chan_type *type;
    size_t index;               /* in the owner's channel list */
    uv_loop_t *loop;
    sw_curl *curl;
    char *secret;               /* the URL or token: redacted from every log line */
    char *key;                  /* HMAC key or SMTP password */
    char where[160];            /* "slack \"ops\" (hooks.slack.com)" for log lines */
    uint64_t digest_window_ms;
    uv_timer_t send_timer, digest_timer;
    int handles_open, closing;
    sw_chan_closed_fn closed;
    sw_chan_msg *head, *tail;
    size_t queued;              /* alerts in queue and buckets */
    sw_chan_bucket buckets[SW_CHAN_DIGEST_GROUPS];
    size_t n_buckets;
    double tokens;
    uint64_t refill_ms;
    int in_flight, awaiting_settle;
    sw_chan_req req;
    uint64_t rng;
    sw_chan_result_fn result;
    void *ctx;
    sw_chan_stats stats;
    sw_nchart chart;            /* the head message's picture, while fetching */
    int chart_fetching;
    int chart_down;             /* the last fetch failed: said once, until one works again */
    uint64_t chart_retry_ms;    /* while down, messages go without trying until then */
};

/* Set up and open (secrets).  Returns 0, or -1 with err. */
int sw_chan_init(sw_chan *ch, uv_loop_t *loop, sw_curl *curl, const sw_notify_channel_config *cfg,
                 int64_t digest_window_ns, sw_chan_result_fn result, void *ctx, char *err, size_t errlen);

/* Queue one alert; group NULL/"" or digest off: on its own. */
int sw_chan_submit(sw_chan *ch, const sw_chan_item *item, const char *group);

/* The owner recorded the last outcome: go on with the next message. */
void sw_chan_settled(sw_chan *ch);

/* Send every collecting digest now (shutting down). */
void sw_chan_flush(sw_chan *ch);

/* Take queued alerts back (a silence came after they were handed over):
 * every item of a collecting digest or of a queued message not yet tried
 * for which take(ctx, item) returns 1 -- never one of the message being
 * sent.  The owner settles those items itself.  Returns how many. */
size_t sw_chan_withdraw(sw_chan *ch, int (*take)(void *ctx, const sw_chan_item *it), void *ctx);

/* Alerts queued, collecting or in flight. */
size_t sw_chan_pending(const sw_chan *ch);

/* Stop: the running request is cancelled (its alerts stay unacknowledged
 * upstream and are read again next time), queues are freed; `closed` once
 * the timers are closed. */
void sw_chan_close(sw_chan *ch, sw_chan_closed_fn closed);

/* For channel types: a POST of body (taken over, freed with the request)
 * with Content-Type and extra headers ("Name: value", NULL-terminated),
 * the channel's timeout, CA file, and capture of the answer and Retry-After. */
int sw_chan_http_post(sw_chan *ch, sw_chan_req *req, const char *url, char *body, size_t len,
                      const char *content_type, const char *const *extra_headers);

/* Clean up a request (its easy handle, headers, body); ready for the next. */
void sw_chan_req_free(sw_chan_req *req);

/* For channel types: the common parts of an easy handle (timeouts, CA file,
 * answer capture, error buffer, user agent). */
CURL *sw_chan_easy(sw_chan *ch, sw_chan_req *req);

/* ---- pictures (sw_chan_chart.c) ---- */

/* Before a message's first attempt: start fetching its picture when the
 * channel carries one.  Returns 1 while the fetch runs (the message waits,
 * at most SW_NCHART_TIMEOUT_MS), 0 to go on (with or without it). */
int sw_chan_chart_step(sw_chan *ch, sw_chan_msg *m);

/* Whether m is built with type->build_chart. */
int sw_chan_chart_build(const sw_chan *ch, const sw_chan_msg *m);

/* Stop a running fetch (closing). */
void sw_chan_chart_cancel(sw_chan *ch);

/* The message's alerts as the array the formatters take (malloc'd; NULL
 * when out of memory). */
const sw_alert **sw_chan_alerts(const sw_chan_msg *m);

/* The message through one of sw_notify_format's formatters (its alerts, its
 * group or NULL): the malloc'd text, or NULL when out of memory. */
typedef char *(*sw_chan_fmt)(const sw_alert *const *al, size_t n, const char *group);
char *sw_chan_format(const sw_chan_msg *m, sw_chan_fmt fmt);
/* The message formatted by fmt, POSTed as application/json to ch->secret
 * (a webhook URL): sw_chan_http_post's return. */
int sw_chan_post_json(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, sw_chan_fmt fmt, char *err,
                      size_t errlen);

/* Go on with the head message (a fetch ended). */
void sw_chan_kick(sw_chan *ch);

/* For channel types: a POST of a multipart body (taken over by req). */
int sw_chan_http_mime(sw_chan *ch, sw_chan_req *req, const char *url, curl_mime *mime);

/* For channel types: the picture as a part of mime named `name`, image/png,
 * with filename.  Returns the part, or NULL (out of memory). */
curl_mimepart *sw_chan_png_part(curl_mime *mime, const sw_chan_msg *m, const char *name, const char *filename);

/* An http(s) URL a secret holds: https, or http to a loopback host. */
int sw_chan_check_url(const char *url, const char *what, char *err, size_t errlen);

/* Text a service or libcurl wrote about this channel, with every form of
 * its secrets replaced by "***" (then the log's own redaction): before it
 * goes to a log line or a dead letter. */
void sw_chan_redact(const sw_chan *ch, const char *in, char *out, size_t cap);

/* A Bot API method's URL for a telegram channel: <api_base>/bot<token>/<method>
 * (holds the token: wipe it after use).  0, or -1 when it does not fit. */
int sw_chan_telegram_url(const sw_chan *ch, const char *method, char *buf, size_t len);

/* A channel's URL into ch->secret -- from url_env or url_file, or with
 * `direct` from url as well -- checked (sw_chan_check_url), its host added
 * to ch->where.  Returns 0, or -1 with a sentence in err. */
int sw_chan_open_url(sw_chan *ch, int direct, char *err, size_t errlen);

/* Host of a URL for log lines (never the path or credentials). */
char *sw_chan_url_host(const char *url, char *buf, size_t len);

#endif
