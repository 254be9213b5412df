/*
 * sw_notify_config.h -- the `notify` section of the config: what shock-notify
 * reads (the Redis consumer group), where alerts go (channels) and which go
 * where (routes).
 *
 * config/ fills these structs through its option rows (one table for the
 * section, one for what every channel has, one per channel type, one for a
 * route); the cross-field checks the rows cannot express (a route naming a
 * channel that does not exist, a secret given twice, an SMTP URL without TLS
 * to a remote host, ...) are in sw_notify_config_check, so `shockd --check`
 * and `shock-notify --check` report them like every other problem.  The
 * structs live here, next to the code that uses them, because config/ may
 * include alerts/ but not the other way round.
 */
#ifndef SW_NOTIFY_CONFIG_H
#define SW_NOTIFY_CONFIG_H

#include "sw_engine.h"
#include "sw_strlist.h" /* lists of strings from JSON arrays */

#include <stddef.h>
#include <stdint.h>

#define SW_NOTIFY_MAX_CHANNELS 32
#define SW_NOTIFY_MAX_ROUTES 64
#define SW_NOTIFY_NAME_MAX 64          /* channel names: letters, digits, '_', '-' */
#define SW_NOTIFY_URL_MAX 2048         /* chart_url, dashboard_url */
#define SW_NOTIFY_DEFAULT_GROUP "shock-notify"
#define SW_NOTIFY_DEFAULT_DEAD "shockwatch:alerts:dead"
#define SW_NOTIFY_DEFAULT_SENT_PREFIX "shockwatch:notify:sent:"


typedef enum sw_chan_kind {
    SW_CHAN_SLACK = 0,
    SW_CHAN_EMAIL,
    SW_CHAN_WEBHOOK,
    SW_CHAN_DISCORD,
    SW_CHAN_TELEGRAM,
    SW_CHAN_CONSOLE,
    SW_CHAN_KINDS
} sw_chan_kind;

/* "slack", "email", ... (NULL for an unknown kind); and back (-1: none). */
const char *sw_chan_kind_name(int kind);
int sw_chan_kind_parse(const char *name);

typedef struct sw_notify_channel_config {
    char *name;                 /* the key under notify.channels */
    int kind;                   /* sw_chan_kind */
    /* every channel */
    double rate;                /* messages per second (token bucket refill) */
    int burst;                  /* bucket size */
    int64_t timeout_ns;         /* one request, connect included */
    int64_t retry_deadline_ns;  /* from the first attempt: then the dead-letter stream */
    int64_t backoff_base_ns, backoff_max_ns;
    char *quiet_hours;          /* "22:00-07:00" New York time; NULL: none */
    int quiet_from_min, quiet_to_min; /* parsed by the check; -1: none */
    int digest;                 /* group alerts within notify.digest_window into one message */
    /* HTTP channels: slack, discord (url secret), webhook (url or secret), telegram */
    char *url;                  /* webhook; email's smtp(s):// URL */
    char *url_env, *url_file;   /* slack, discord, webhook: the URL as a secret */
    char *secret_env, *secret_file; /* webhook: HMAC-SHA256 key */
    sw_str_list headers;        /* webhook: "Name: value" */
    char *token_env, *token_file;   /* telegram bot token */
    char *chat_id;              /* telegram */
    char *api_base;             /* telegram: https://api.telegram.org unless a test says otherwise */
    int commands;               /* telegram: take /silence, /silences, /expire from chat_id (getUpdates) */
    int64_t poll_timeout_ns;    /* telegram commands: getUpdates long-poll timeout */
    char *ca_file;              /* PEM CA bundle; NULL: the system store */
    /* email */
    char *username;
    char *password_env, *password_file;
    char *from;
    sw_str_list to;
    int starttls;               /* smtp://: require STARTTLS (only a loopback server may do without) */
    /* console */
    int format;                 /* 0 text, 1 json */
    /* pictures */
    int chart;                  /* email, telegram, discord: attach the chart; slack: link the dashboard */
    const char *chart_url;      /* notify.chart_url, borrowed (set by the check) */
    const char *dashboard_url;  /* notify.dashboard_url, borrowed (set by the check) */
} sw_notify_channel_config;

typedef struct sw_notify_route_config {
    int min_severity;           /* sw_severity */
    sw_name_list symbols;       /* empty: any */
    sw_name_list groups;        /* empty: any; matches the alert's group or a group the symbol is in */
    sw_str_list detectors;      /* empty: any */
    sw_str_list channels;       /* where matching alerts go */
    int resolved;               /* also route resolved (info) alerts */
} sw_notify_route_config;

typedef struct sw_notify_config {
    int present;                /* the section was in the file */
    char *group;                /* consumer group */
    char *consumer;             /* NULL: the host name */
    char *dead_stream;          /* dead letters */
    char *sent_prefix;          /* dedupe sets: <prefix><channel> */
    int64_t block_ns;           /* XREADGROUP BLOCK */
    int count;                  /* XREADGROUP COUNT */
    int64_t claim_after_ns;     /* pending entries idle this long are claimed (crashed consumer) */
    int64_t dedupe_horizon_ns;  /* an id sent to a channel is not sent there again within this */
    int64_t digest_window_ns;   /* 0: no digests */
    int max_inflight;           /* stream entries being worked on at once */
    int start_all;              /* a new group starts at the stream's first entry (1) or its end (0) */
    char *chart_url;            /* template of a chart's URL ({symbol}, {id}); NULL: no pictures */
    char *dashboard_url;        /* template of the dashboard link Slack messages carry; NULL: none */
    char *metrics_listen;       /* shock-notify's /metrics and /healthz listener ("off": none) */
    sw_notify_channel_config *channels;
    size_t n_channels;
    sw_notify_route_config *routes;
    size_t n_routes;
} sw_notify_config;

void sw_notify_config_defaults(sw_notify_config *n);
/* Defaults of a channel of `kind` (rate, burst, digest...); name is strdup'd. */
int sw_notify_channel_defaults(sw_notify_channel_config *c, const char *name, int kind);
void sw_notify_config_free(sw_notify_config *n);

/* Cross-field checks; fills the parsed quiet hours.  report(ctx, path, msg)
 * with path relative to `notify` ("channels.slack.url_env", "routes[1].channels[0]");
 * returns the number of problems. */
int sw_notify_config_check(sw_notify_config *n, void (*report)(void *ctx, const char *path, const char *msg),
                           void *ctx);

/* "HH:MM-HH:MM" into minutes of the day.  Returns 0 or -1. */
int sw_notify_parse_quiet(const char *text, int *from_min, int *to_min);

#endif
