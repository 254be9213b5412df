/*
 * sw_config.h -- the shockwatch configuration: one JSON file, loaded by a
 * table-driven parser.
 *
 * Every option is one row in a table (key, type, bounds, default, doc); the
 * same rows validate input, fill the parameter structs that strategies/ and
 * alerts/ define, and print the reference documentation (shockd
 * --config-doc).  Validation collects every problem, each as
 * "FILE: json.path: what is wrong (what was expected)", so one run of
 * `shockd --check` shows them all.  Unknown keys are errors: a misspelled
 * option must never silently leave a detector at its default.
 */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include "sw_engine.h"
#include "sw_notify_config.h"
#include "sw_policy.h"
#include "sw_sink.h"
#include "sw_sink_redis.h"

#include <stddef.h>
#include <stdio.h>

#define SW_CONFIG_MAX_BYTES (4u << 20)
#define SW_CONFIG_MAX_ERRORS 100

/* Problems found while loading, each a complete line without newline. */
typedef struct sw_diag {
    char **lines;
    size_t n;
    size_t dropped;       /* lines beyond SW_CONFIG_MAX_ERRORS */
} sw_diag;

/* Append one formatted problem (beyond SW_CONFIG_MAX_ERRORS only counted). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sw_diag_add(sw_diag *d, const char *fmt, ...);
void sw_diag_free(sw_diag *d);
void sw_diag_print(const sw_diag *d, FILE *out);

typedef struct sw_feed_config {
    char *provider;       /* finnhub, alpaca, polygon, coinbase, binance */
    char *url;            /* NULL: the provider's default */
    char *key_env;        /* env var holding the API key/token */
    char *key_file;       /* file holding it (relative: $CREDENTIALS_DIRECTORY) */
    char *secret_env;     /* alpaca's secret */
    char *secret_file;
    char *ca_file;        /* CA bundle for wss://; NULL: the system store */
    int64_t backoff_base_ns, backoff_cap_ns; /* reconnect: full-jitter exponential backoff */
    int64_t stable_after_ns;  /* a connection up this long resets the backoff */
    int64_t auth_backoff_ns;  /* wait after refused credentials or provider limits */
    int64_t silence_timeout_ns; /* no message this long while the market is open: reconnect */
    int silence_hours;    /* sw_silence_hours (daemon/sources/sw_feed.h): auto, session, always */
    int64_t handshake_timeout_ns; /* open -> streaming (auth, subscribe) */
    int max_frame;        /* bytes; longer messages are dropped */
} sw_feed_config;

typedef struct sw_group_config {
    char *name;
    char **members;
    size_t n_members;
    char *names;          /* the config file's: one block holding every member's name; NULL: each strdup'd */
} sw_group_config;

typedef struct sw_detector_config {
    const sw_detector_type *type;
    void *params;         /* type->params_size bytes */
} sw_detector_config;

/* A split from the config's corporate_actions list. */
typedef struct sw_split_config {
    char *symbol;
    int64_t day;          /* New York date it takes effect, days since the epoch */
    double ratio;         /* new shares per old share (10 for 10:1, 0.1 for 1:10) */
} sw_split_config;

typedef struct sw_config {
    char *path;
    sw_feed_config feed;
    sw_group_config *groups;
    size_t n_groups;
    sw_detector_config *detectors;
    size_t n_detectors;
    sw_policy_params policy;
    char **sinks;
    size_t n_sinks;
    sw_stdout_params stdout_sink;
    sw_redis_sink_params redis;   /* the `redis` section */
    sw_notify_config notify;      /* the `notify` section (shock-notify) */
    char *state_dir;
    int log_level;        /* sw_log_level */
    int64_t shutdown_timeout_ns; /* how long sinks may take to drain on exit */
    char *calendar;       /* exchange calendar CSV, for sw_calendar_file_load() */
    char *metrics_listen; /* metrics.listen: "ADDRESS:PORT" or "off" (sw_listen.h) */
    int metrics_max_connections; /* metrics.max_connections: the listener's connection limit */
    int metrics_dashboard;       /* metrics.dashboard: serve /, /live and /chart/ */
    int metrics_max_viewers;     /* metrics.max_viewers: dashboard WebSocket viewers at once */
    sw_calendar cal;      /* loaded from `calendar` by sw_config_load */
    sw_split_config *splits;
    size_t n_splits;
    int shard_index;      /* shard: {"index": K, "count": N}; count 1: the whole watchlist */
    int shard_count;
} sw_config;

/* Load and validate FILE.  Returns 0, or -1 with every problem in diag (the
 * config is then freed and must not be used). */
int sw_config_load(sw_config *cfg, const char *path, sw_diag *diag);

/* The same from memory; `name` is what messages call the file. */
int sw_config_parse(sw_config *cfg, const char *text, size_t len, const char *name, sw_diag *diag);

void sw_config_free(sw_config *cfg);

/* Engine inputs built from the config (arrays owned by the caller, pointing
 * into cfg: free with free() and keep cfg alive while the engine exists). */
int sw_config_engine_specs(const sw_config *cfg, sw_group_spec **groups, sw_detector_spec **dets);

/* Add a group given on the command line as "NAME=SYM,SYM,...", validated like
 * the config's groups.  Returns 0, or -1 with the problem in diag. */
int sw_config_add_group(sw_config *cfg, const char *spec, sw_diag *diag);

/*
 * Shards: N shockd processes split one watchlist, each taking the groups
 * that fall to it:
 *  - groups that share a symbol form one unit (a symbol in several groups
 *    follows its first group, in config order, and every group keeps all
 *    its members, so breadth stays exact); a unit goes whole to shard
 *    FNV-1a 64(name of its first group) mod N;
 *  - every symbol is in a group (the watchlist is their union), so there is
 *    no symbol without one to place.
 * The hash is of names only: adding a group moves no other group (except
 * one it joins by sharing a symbol), and every process computes the same
 * split from the same file.
 */
/* The shard (0..count-1) of a unit whose first group is `name`. */
int sw_config_shard_of(const char *name, int count);

/* Which shard each group goes to, in config order (out[g]), by the rule
 * above.  Returns 0 or -1 (out of memory). */
int sw_config_shard_map(const sw_config *cfg, int count, int *out);

/* Keep only the groups of shard index/count (and the splits of their
 * symbols); remembers index and count in cfg.  Returns 0, or -1 with the
 * problem in diag (the shard gets no group at all). */
int sw_config_shard(sw_config *cfg, int index, int count, sw_diag *diag);

/* Total number of distinct symbols across groups. */
size_t sw_config_symbol_count(const sw_config *cfg);

/* Print every option with type, bounds, default and doc. */
void sw_config_print_doc(FILE *out);

#endif
