/* sw_config.c -- see sw_config.h. */
#include "sw_config.h"
#include "sw_listen.h"
#include "sw_breadth.h"
#include "sw_calendar_file.h"
#include "sw_level.h"
#include "sw_halt.h"
#include "sw_log.h"
#include "sw_market.h"
#include "sw_nearest.h"
#include "sw_pct_move.h"
#include "sw_relative.h"
#include "sw_redis_url.h"
#include "sw_sentinel.h"
#include "sw_sink_redis.h"
#include "sw_vol_regime.h"
#include "sw_volume.h"
#include "sw_zscore.h"
#include "sw_stale.h"
#include "sw_strict_json.h"
#include "sw_time.h"
#include "sw_symtab.h" /* sw_hash_str: FNV-1a 64 */

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- diagnostics ------------------------------------------------------- */

void sw_diag_free(sw_diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->lines[i]);
    free(d->lines);
    memset(d, 0, sizeof *d);
}

void sw_diag_print(const sw_diag *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(out, "%s\n", d->lines[i]);
    if (d->dropped)
        fprintf(out, "(%zu more problems not shown)\n", d->dropped);
}

void sw_diag_add(sw_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    if (d->n >= SW_CONFIG_MAX_ERRORS) {
        d->dropped++;
        return;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **nl = realloc(d->lines, (d->n + 1) * sizeof *nl);
    if (!nl)
        return;
    d->lines = nl;
    d->lines[d->n] = strdup(buf);
    if (d->lines[d->n])
        d->n++;
}

/* ---- the option tables -------------------------------------------------- */

typedef enum opt_type {
    OPT_STRING,     /* char * (malloc'd); max: its length in bytes */
    OPT_ENUM,       /* int: index into choices */
    OPT_NUMBER,     /* double */
    OPT_INT,        /* int */
    OPT_BOOL,       /* int 0/1 */
    OPT_DURATION,   /* int64_t ns; JSON string "15m" or number of seconds */
    OPT_SYMBOLS,    /* sw_name_list: array of symbols of the watchlist */
    OPT_GROUPS,     /* sw_name_list: array of names of configured groups */
    OPT_STRINGS,    /* sw_str_list: array of non-empty strings of at most max bytes (checked by the section's own check) */
    OPT_SYMBOL,     /* char[SW_SYMBOL_MAX]: one symbol of the watchlist */
    OPT_NUMBERS3,   /* double[3]: three numbers, each within min..max */
    OPT_PRICE_LEVELS /* sw_level_params: {"SYMBOL": {"below": [...], "above": [...]}} (set_price_levels) */
} opt_type;

typedef struct sw_option {
    const char *key;
    opt_type type;
    size_t offset;
    double min, max;            /* numbers and ints; durations in seconds; string lengths in bytes */
    const char *def;            /* default as written in the config, for docs */
    const char *const *choices; /* OPT_ENUM, NULL-terminated */
    const char *doc;
} sw_option;

#define END_OPTS { NULL, OPT_STRING, 0, 0, 0, NULL, NULL, NULL }

/* Every string has a length limit (`max`, in bytes; for OPT_STRINGS, of each
 * element): nothing from a config file reaches a fixed buffer, a header or a
 * URL without a bound, and the error names the key.  The named ones: */
#define LEN_PATH 4095   /* a file or directory name (PATH_MAX - 1) */
#define LEN_ENV 255     /* an environment variable's name */
#define LEN_URL 4095    /* an http(s) or ws(s) URL (sw_ws.h's SW_WS_URL_MAX - 1) */
#define LEN_MAIL 254    /* a mail address (RFC 5321 4.5.3.1.3: a path is 256 bytes with its "<>") */

static const char *const providers[] = { "finnhub", "alpaca", "polygon", "coinbase", "binance", NULL };
static const char *const silence_hours[] = { "auto", "session", "always", NULL };
static const char *const log_levels[] = { "error", "warning", "info", "debug", NULL };
static const char *const references[] = { "prev_close", "open", "window", NULL };
static const char *const stdout_formats[] = { "json", "text", NULL };
static const char *const severities[] = { "info", "warning", "critical", NULL };
static const char *const sink_names[] = { "stdout", "redis", NULL };
static const char *const fsync_modes[] = { "always", "everysec", NULL };

/* The provider is kept as a string (adapters look it up by name) but checked
 * against the enum list. */
static const sw_option feed_opts[] = {
    { "provider", OPT_STRING, offsetof(sw_feed_config, provider), 0, 16, "finnhub", providers,
      "Market-data provider whose WebSocket protocol the feed speaks." },
    { "url", OPT_STRING, offsetof(sw_feed_config, url), 0, LEN_URL, "(the provider's)", NULL,
      "WebSocket URL; overrides the provider's default (wss:// only, ws:// for loopback)." },
    { "key_env", OPT_STRING, offsetof(sw_feed_config, key_env), 0, LEN_ENV, "(none)", NULL,
      "Name of the environment variable that holds the API key or token." },
    { "key_file", OPT_STRING, offsetof(sw_feed_config, key_file), 0, LEN_PATH, "(none)", NULL,
      "File that holds the API key; a relative name is looked up in $CREDENTIALS_DIRECTORY." },
    { "secret_env", OPT_STRING, offsetof(sw_feed_config, secret_env), 0, LEN_ENV, "(none)", NULL,
      "Environment variable with the API secret (alpaca)." },
    { "secret_file", OPT_STRING, offsetof(sw_feed_config, secret_file), 0, LEN_PATH, "(none)", NULL,
      "File with the API secret (alpaca); relative: $CREDENTIALS_DIRECTORY." },
    { "ca_file", OPT_STRING, offsetof(sw_feed_config, ca_file), 0, LEN_PATH, "(the system CA store)", NULL,
      "PEM file of the certificate authorities a wss:// server must chain to; verification is never "
      "turned off." },
    { "backoff_base", OPT_DURATION, offsetof(sw_feed_config, backoff_base_ns), 0.01, 60, "1s", NULL,
      "First reconnect delay ceiling: the n-th retry waits a random time up to base * 2^n (full jitter)." },
    { "backoff_cap", OPT_DURATION, offsetof(sw_feed_config, backoff_cap_ns), 0.01, 3600, "60s", NULL,
      "Largest reconnect delay ceiling; must not be below backoff_base." },
    { "stable_after", OPT_DURATION, offsetof(sw_feed_config, stable_after_ns), 1, 86400, "60s", NULL,
      "A connection that stayed up this long starts the backoff over at backoff_base." },
    { "auth_backoff", OPT_DURATION, offsetof(sw_feed_config, auth_backoff_ns), 1, 86400, "5m", NULL,
      "Wait before retrying after refused credentials, a connection limit or a plan limit: things only "
      "an operator fixes, so never a fast loop." },
    { "silence_timeout", OPT_DURATION, offsetof(sw_feed_config, silence_timeout_ns), 0.05, 3600, "30s", NULL,
      "A connection that delivers no message at all for this long while the market is open is closed "
      "and reconnected." },
    { "silence_hours", OPT_ENUM, offsetof(sw_feed_config, silence_hours), 0, 0, "auto", silence_hours,
      "When the silence watchdog runs: session (the exchange calendar's regular sessions), always, or "
      "auto (always for 24x7 crypto providers, else session)." },
    { "handshake_timeout", OPT_DURATION, offsetof(sw_feed_config, handshake_timeout_ns), 0.05, 300, "10s",
      NULL, "Time from the WebSocket opening to the provider confirming the subscription (greeting, "
      "auth, subscribe) before the attempt is abandoned." },
    { "max_frame", OPT_INT, offsetof(sw_feed_config, max_frame), 4096, 67108864, "1048576", NULL,
      "Longest message in bytes; a longer one is counted and dropped, the connection stays." },
    END_OPTS
};

static const sw_option policy_opts[] = {
    { "cooldown", OPT_DURATION, offsetof(sw_policy_params, cooldown_ns), 0, 7 * 86400, "15m", NULL,
      "Event time during which a (symbol, detector, direction) does not alert again at the same "
      "or a lower severity unless the move extends by a full level step." },
    { "resolved", OPT_BOOL, offsetof(sw_policy_params, resolved), 0, 1, "false", NULL,
      "Send an info alert with \"resolved\": true when a condition that alerted clears." },
    { "min_severity", OPT_ENUM, offsetof(sw_policy_params, min_severity), 0, 0, "info", severities,
      "Alerts below this severity are not sent." },
    END_OPTS
};

static const sw_option stdout_opts[] = {
    { "format", OPT_ENUM, offsetof(sw_stdout_params, format), 0, 0, "json", stdout_formats,
      "json: one schema-v1 object per line; text: one readable line per alert." },
    END_OPTS
};

/* The `redis` sink (alerts/sw_sink_redis.h); cross-field checks in sw_redis_sink_check. */
static const sw_option redis_opts[] = {
    { "url", OPT_STRING, offsetof(sw_redis_sink_params, url), 0, SW_REDIS_URL_MAX, SW_REDIS_DEFAULT_URL, NULL,
      "redis://[:password@]host:port[/db] or unix:///path/redis.sock[?db=N] (no TLS: hiredis 0.14). "
      "Log lines name the server without the password." },
    { "password_env", OPT_STRING, offsetof(sw_redis_sink_params, password_env), 0, LEN_ENV, "(none)", NULL,
      "Environment variable that holds the Redis password (instead of the URL)." },
    { "password_file", OPT_STRING, offsetof(sw_redis_sink_params, password_file), 0, LEN_PATH, "(none)", NULL,
      "File that holds the Redis password; a relative name is looked up in $CREDENTIALS_DIRECTORY." },
    { "stream", OPT_STRING, offsetof(sw_redis_sink_params, stream), 0, SW_REDIS_NAME_MAX, SW_REDIS_DEFAULT_STREAM, NULL,
      "Stream every alert is added to (XADD) with the fields id, symbol, severity, detector, json." },
    { "maxlen", OPT_INT, offsetof(sw_redis_sink_params, maxlen), 1, 1000000000, "100000", NULL,
      "Length the stream is trimmed to, approximately (XADD MAXLEN ~)." },
    { "channel", OPT_STRING, offsetof(sw_redis_sink_params, channel), 0, SW_REDIS_NAME_MAX, SW_REDIS_DEFAULT_CHANNEL, NULL,
      "Pub/Sub channel each alert's JSON is published on, and again on <channel>:<severity>." },
    { "fsync", OPT_ENUM, offsetof(sw_redis_sink_params, fsync), 0, 0, "everysec", fsync_modes,
      "When the alert spool reaches the disk: after every alert (always), or once a second (everysec: "
      "a crash of the machine, not just of shockd, may lose the last second)." },
    { "queue_max", OPT_INT, offsetof(sw_redis_sink_params, queue_max), 1, 1000000, "10000", NULL,
      "Unconfirmed alerts held in memory; while Redis is away, more wait in the spool file only." },
    { "spool_max_bytes", OPT_INT, offsetof(sw_redis_sink_params, spool_max_bytes), 65536, 2147483647,
      "67108864", NULL,
      "Size limit of <state_dir>/spool.ndjson: when full, new info alerts are dropped, then spooled "
      "info alerts make room, then new warnings are dropped, then spooled warnings make room for a "
      "critical; critical alerts are never dropped.  Every drop is logged." },
    { "connect_timeout", OPT_DURATION, offsetof(sw_redis_sink_params, connect_timeout_ns), 0.01, 300, "2s",
      NULL, "Connecting plus AUTH, SELECT and PING must finish within this." },
    { "command_timeout", OPT_DURATION, offsetof(sw_redis_sink_params, command_timeout_ns), 0.01, 3600, "5s",
      NULL, "No reply for this long while commands are outstanding: the connection is dropped and made "
      "again; unconfirmed alerts are sent again." },
    { "dedupe_ttl", OPT_DURATION, offsetof(sw_redis_sink_params, dedupe_ttl_ns), 60, 30 * 86400, "24h", NULL,
      "How long Redis remembers an alert id (the key <stream>:id:<id>): within it the same alert from "
      "another shockd (active-active) or a resend is a confirmed no-op, counted in "
      "shockwatch_alerts_deduplicated_total.  Whole seconds." },
    { "replicas_ack", OPT_INT, offsetof(sw_redis_sink_params, replicas_ack), 0, 16, "0", NULL,
      "An alert counts as delivered (and leaves the spool) only once WAIT says this many replicas have "
      "it, so a failover cannot lose it; 0: when the master answered (asynchronous replication: a "
      "failover may lose the last alerts).  shock-notify waits likewise for its delivery records and "
      "acknowledgements, and reads only what the replicas have." },
    { "replicas_timeout", OPT_DURATION, offsetof(sw_redis_sink_params, replicas_timeout_ns), 0.01, 600, "1s", NULL,
      "How long one WAIT waits for replicas_ack replicas; when fewer answered, the alerts stay in the "
      "spool and WAIT is asked again.  Below command_timeout." },
    { "sentinels", OPT_STRINGS, offsetof(sw_redis_sink_params, sentinels), 0, SW_REDIS_HOST_MAX + 7, "[] (none)",
      NULL, "Redis Sentinel: \"host:port\" of each sentinel (port 26379 if left out); the master's address "
      "is asked of them (in turn) before every connect, and redis.url then gives only the password and the "
      "db.  Needs master_name." },
    { "master_name", OPT_STRING, offsetof(sw_redis_sink_params, master_name), 0, SW_REDIS_NAME_MAX, "(none)", NULL,
      "The name the sentinels monitor the master under (sentinel monitor NAME host port quorum)." },
    { "sentinel_password_env", OPT_STRING, offsetof(sw_redis_sink_params, sentinel_password_env), 0, LEN_ENV,
      "(none)", NULL, "Environment variable that holds the sentinels' password (their requirepass)." },
    { "sentinel_password_file", OPT_STRING, offsetof(sw_redis_sink_params, sentinel_password_file), 0, LEN_PATH,
      "(none)", NULL,
      "File that holds the sentinels' password; a relative name is looked up in $CREDENTIALS_DIRECTORY." },
    { "sentinel_timeout", OPT_DURATION, offsetof(sw_redis_sink_params, sentinel_timeout_ns), 0.01, 60, "500ms",
      NULL, "How long one sentinel may take to connect and answer before the next one is asked." },
    END_OPTS
};

/* shock-notify's `notify` section (alerts/notify/sw_notify_config.h); cross-field
 * checks in sw_notify_config_check.  The Redis server and stream are the
 * `redis` section's: shock-notify reads what shockd writes. */
static const char *const console_formats[] = { "text", "json", NULL };
static const char *const notify_starts[] = { "new", "all", NULL };

static const sw_option notify_opts[] = {
    { "group", OPT_STRING, offsetof(sw_notify_config, group), 0, SW_REDIS_NAME_MAX, SW_NOTIFY_DEFAULT_GROUP, NULL,
      "Redis consumer group on redis.stream (created with MKSTREAM if missing); every shock-notify of "
      "one deployment uses the same group, so each alert is handled once." },
    { "consumer", OPT_STRING, offsetof(sw_notify_config, consumer), 0, SW_REDIS_NAME_MAX, "(the host name)", NULL,
      "This instance's consumer name; keep it stable across restarts: its own unacknowledged alerts are "
      "read again at once when it starts." },
    { "dead_stream", OPT_STRING, offsetof(sw_notify_config, dead_stream), 0, SW_REDIS_NAME_MAX, SW_NOTIFY_DEFAULT_DEAD, NULL,
      "Stream of alerts a channel could not deliver before its retry_deadline (or refused for good), with "
      "the channel and the reason." },
    { "sent_prefix", OPT_STRING, offsetof(sw_notify_config, sent_prefix), 0, (SW_REDIS_NAME_MAX - SW_NOTIFY_NAME_MAX), SW_NOTIFY_DEFAULT_SENT_PREFIX,
      NULL, "Prefix of the per-channel sorted sets of alert ids already sent (<prefix><channel>), written "
      "before the alert is acknowledged and read before it is sent." },
    { "block", OPT_DURATION, offsetof(sw_notify_config, block_ns), 0.01, 60, "5s", NULL,
      "How long one XREADGROUP waits for new alerts on its own connection." },
    { "count", OPT_INT, offsetof(sw_notify_config, count), 1, 1000, "64", NULL,
      "Most stream entries read at once." },
    { "claim_after", OPT_DURATION, offsetof(sw_notify_config, claim_after_ns), 1, 86400, "60s", NULL,
      "Entries another consumer read but did not acknowledge for this long (it crashed) are claimed "
      "(XAUTOCLAIM) and delivered here; entries this instance is still working on are kept fresh." },
    { "dedupe_horizon", OPT_DURATION, offsetof(sw_notify_config, dedupe_horizon_ns), 60, 90 * 86400, "7d", NULL,
      "An alert id sent to a channel is not sent to it again within this time, across restarts." },
    { "digest_window", OPT_DURATION, offsetof(sw_notify_config, digest_window_ns), 0, 3600, "60s", NULL,
      "Alerts of one group arriving within this window go out as one message on channels with digest "
      "on (the first one waits at most this long, critical too); 0: every alert on its own." },
    { "max_inflight", OPT_INT, offsetof(sw_notify_config, max_inflight), 1, 100000, "1000", NULL,
      "Stream entries being delivered at once; reading pauses at this many." },
    { "start", OPT_ENUM, offsetof(sw_notify_config, start_all), 0, 0, "new", notify_starts,
      "Where a consumer group that does not exist yet starts: new (alerts added from now on) or all "
      "(every alert the stream holds).  An existing group always goes on where it stopped, so alerts "
      "added while shock-notify was down are delivered when it returns." },
    { "chart_url", OPT_STRING, offsetof(sw_notify_config, chart_url), 0, SW_NOTIFY_URL_MAX, "(none)", NULL,
      "Where the picture of an alert comes from, for channels with \"chart\": true: a URL template with "
      "{symbol} and {id}, replaced URL-encoded by the alert's symbol and id (a digest: group/NAME and its "
      "most severe alert), e.g. \"http://127.0.0.1:9464/chart/{symbol}.png?alert={id}\" (shockd's "
      "listener).  Fetched within 2 s; an alert never waits longer and goes without the picture." },
    { "dashboard_url", OPT_STRING, offsetof(sw_notify_config, dashboard_url), 0, SW_NOTIFY_URL_MAX, "(none)", NULL,
      "Link Slack messages of channels with \"chart\": true carry instead of a picture (Slack's incoming "
      "webhooks cannot carry files): a URL template like chart_url, e.g. \"http://shockd.example:9464/\"." },
    { "metrics_listen", OPT_STRING, offsetof(sw_notify_config, metrics_listen), 0, 64, "off", NULL,
      "Address and port of shock-notify's HTTP listener for /metrics (Prometheus text format: alerts read, "
      "delivered, dead-lettered, silenced, silences active) and /healthz, as metrics.listen "
      "(127.0.0.1:9465; port 0: any free port, logged), or \"off\".  Several instances on one host need "
      "a port each." },
    END_OPTS
};

/* Rows every channel has; a channel is these plus its type's rows. */
static const sw_option channel_opts[] = {
    { "rate", OPT_NUMBER, offsetof(sw_notify_channel_config, rate), 0.001, 1000,
      "(the type's: slack 1, email 1, webhook 10, discord 0.5, telegram 1, console 1000)", NULL,
      "Messages per second the channel's token bucket allows on average." },
    { "burst", OPT_INT, offsetof(sw_notify_channel_config, burst), 1, 10000,
      "(the type's: slack 3, email 5, webhook 20, discord 5, telegram 3, console 1000)", NULL,
      "Messages the token bucket lets through at once after a quiet time." },
    { "timeout", OPT_DURATION, offsetof(sw_notify_channel_config, timeout_ns), 0.1, 300,
      "10s (email 30s, console 1s)", NULL, "Limit of one request, connecting included." },
    { "retry_deadline", OPT_DURATION, offsetof(sw_notify_channel_config, retry_deadline_ns), 1, 7 * 86400, "10m",
      NULL, "5xx answers, timeouts and refused connections are retried with exponential backoff for this "
      "long after the first attempt; then the alert goes to notify.dead_stream with the reason." },
    { "backoff_base", OPT_DURATION, offsetof(sw_notify_channel_config, backoff_base_ns), 0.01, 3600, "1s", NULL,
      "First retry delay ceiling; the n-th retry waits a random time up to base * 2^n (full jitter)." },
    { "backoff_max", OPT_DURATION, offsetof(sw_notify_channel_config, backoff_max_ns), 0.01, 86400, "60s", NULL,
      "Largest retry delay ceiling.  An HTTP 429's Retry-After is honoured as given." },
    { "quiet_hours", OPT_STRING, offsetof(sw_notify_channel_config, quiet_hours), 0, 11, "(none)", NULL,
      "\"22:00-07:00\": New York wall-clock time during which only critical alerts are sent to this "
      "channel; the others are skipped (and logged)." },
    { "digest", OPT_BOOL, offsetof(sw_notify_channel_config, digest), 0, 1,
      "(true for slack, email, discord, telegram, console; false for webhook)", NULL,
      "Send the alerts of one group within notify.digest_window as one message." },
    { "chart", OPT_BOOL, offsetof(sw_notify_channel_config, chart), 0, 1, "false", NULL,
      "A picture of the move with each message: email (inline image), telegram (sendPhoto) and discord "
      "(an attachment) fetch it from notify.chart_url; slack links notify.dashboard_url instead." },
    END_OPTS
};

#define CA_FILE_OPT                                                                                          \
    { "ca_file", OPT_STRING, offsetof(sw_notify_channel_config, ca_file), 0, LEN_PATH, "(the system CA store)", NULL, \
      "PEM file of the certificate authorities the server must chain to; verification is never off." }
#define URL_SECRET_OPTS(what)                                                                                \
    { "url_env", OPT_STRING, offsetof(sw_notify_channel_config, url_env), 0, LEN_ENV, "(none)", NULL,             \
      "Environment variable holding the " what " URL (a secret: never logged, only its host)." },           \
    { "url_file", OPT_STRING, offsetof(sw_notify_channel_config, url_file), 0, LEN_PATH, "(none)", NULL,           \
      "File holding the " what " URL; a relative name is looked up in $CREDENTIALS_DIRECTORY." }

static const sw_option slack_opts[] = { URL_SECRET_OPTS("Slack incoming-webhook"), CA_FILE_OPT, END_OPTS };
static const sw_option discord_opts[] = { URL_SECRET_OPTS("Discord webhook"), CA_FILE_OPT, END_OPTS };

static const sw_option webhook_opts[] = {
    { "url", OPT_STRING, offsetof(sw_notify_channel_config, url), 0, LEN_URL, "(none)", NULL,
      "URL each alert's JSON is POSTed to (https://; http:// to loopback only); or url_env/url_file." },
    URL_SECRET_OPTS("webhook"),
    { "secret_env", OPT_STRING, offsetof(sw_notify_channel_config, secret_env), 0, LEN_ENV, "(none)", NULL,
      "Environment variable with the key for X-Shockwatch-Signature: sha256=<hex HMAC-SHA256 of the body>." },
    { "secret_file", OPT_STRING, offsetof(sw_notify_channel_config, secret_file), 0, LEN_PATH, "(none)", NULL,
      "File with the signature key; relative: $CREDENTIALS_DIRECTORY." },
    { "headers", OPT_STRINGS, offsetof(sw_notify_channel_config, headers), 0, 1024, "[]", NULL,
      "Extra request headers, each \"Name: value\"." },
    CA_FILE_OPT,
    END_OPTS
};

static const sw_option telegram_opts[] = {
    { "token_env", OPT_STRING, offsetof(sw_notify_channel_config, token_env), 0, LEN_ENV, "(none)", NULL,
      "Environment variable holding the bot token (a secret: never logged)." },
    { "token_file", OPT_STRING, offsetof(sw_notify_channel_config, token_file), 0, LEN_PATH, "(none)", NULL,
      "File holding the bot token; relative: $CREDENTIALS_DIRECTORY." },
    { "chat_id", OPT_STRING, offsetof(sw_notify_channel_config, chat_id), 0, 64, "(required)", NULL,
      "Chat the bot posts to (sendMessage chat_id)." },
    { "api_base", OPT_STRING, offsetof(sw_notify_channel_config, api_base), 0, LEN_URL, "https://api.telegram.org",
      NULL, "Bot API base URL." },
    { "commands", OPT_BOOL, offsetof(sw_notify_channel_config, commands), 0, 1, "false", NULL,
      "Take commands from chat_id: /silence SYMBOL|GROUP DURATION [comment], /silences, /expire ID (the "
      "bot's updates by long polling, getUpdates).  Messages from any other chat are refused and logged.  "
      "One shock-notify per bot: the Bot API serves one getUpdates at a time." },
    { "poll_timeout", OPT_DURATION, offsetof(sw_notify_channel_config, poll_timeout_ns), 1, 50, "25s", NULL,
      "How long one getUpdates waits for a command (long polling) before it is asked again." },
    CA_FILE_OPT,
    END_OPTS
};

static const sw_option email_opts[] = {
    { "url", OPT_STRING, offsetof(sw_notify_channel_config, url), 0, SW_REDIS_URL_MAX, "(required)", NULL,
      "smtps://host:465 (TLS from the start) or smtp://host:587 (STARTTLS required)." },
    { "username", OPT_STRING, offsetof(sw_notify_channel_config, username), 0, 255, "(none: no AUTH)", NULL,
      "SMTP AUTH user name." },
    { "password_env", OPT_STRING, offsetof(sw_notify_channel_config, password_env), 0, LEN_ENV, "(none)", NULL,
      "Environment variable holding the SMTP password." },
    { "password_file", OPT_STRING, offsetof(sw_notify_channel_config, password_file), 0, LEN_PATH, "(none)", NULL,
      "File holding the SMTP password; relative: $CREDENTIALS_DIRECTORY." },
    { "from", OPT_STRING, offsetof(sw_notify_channel_config, from), 0, LEN_MAIL, "(required)", NULL,
      "Sender address (From: and MAIL FROM)." },
    { "to", OPT_STRINGS, offsetof(sw_notify_channel_config, to), 0, LEN_MAIL, "(required)", NULL,
      "Recipient addresses (one message to all of them)." },
    { "starttls", OPT_BOOL, offsetof(sw_notify_channel_config, starttls), 0, 1, "true", NULL,
      "Require STARTTLS on smtp:// (a server without it is refused, nothing is sent in clear); false is "
      "accepted only for a loopback server." },
    CA_FILE_OPT,
    END_OPTS
};

static const sw_option console_opts[] = {
    { "format", OPT_ENUM, offsetof(sw_notify_channel_config, format), 0, 0, "text", console_formats,
      "text: readable lines on stdout; json: the alert JSON, one per line." },
    END_OPTS
};

/* Indexed by sw_chan_kind. */
static const sw_option *const channel_kind_opts[SW_CHAN_KINDS] = {
    [SW_CHAN_SLACK] = slack_opts, [SW_CHAN_EMAIL] = email_opts, [SW_CHAN_WEBHOOK] = webhook_opts,
    [SW_CHAN_DISCORD] = discord_opts, [SW_CHAN_TELEGRAM] = telegram_opts, [SW_CHAN_CONSOLE] = console_opts,
};

static const sw_option route_opts[] = {
    { "min_severity", OPT_ENUM, offsetof(sw_notify_route_config, min_severity), 0, 0, "info", severities,
      "Least severe alert the route takes." },
    { "symbols", OPT_SYMBOLS, offsetof(sw_notify_route_config, symbols), 0, 0, "[] (any)", NULL,
      "Only alerts of these symbols." },
    { "groups", OPT_GROUPS, offsetof(sw_notify_route_config, groups), 0, 0, "[] (any)", NULL,
      "Only group alerts of these groups and alerts of their members." },
    { "detectors", OPT_STRINGS, offsetof(sw_notify_route_config, detectors), 0, 23, "[] (any)", NULL,
      "Only alerts of these detector types (pct_move, zscore, vol_regime, breadth, stale, feed)." },
    { "resolved", OPT_BOOL, offsetof(sw_notify_route_config, resolved), 0, 1, "false", NULL,
      "Also route the info alerts that say a condition cleared." },
    { "channels", OPT_STRINGS, offsetof(sw_notify_route_config, channels), 0, (SW_NOTIFY_NAME_MAX - 1), "(required)", NULL,
      "Channels (names under notify.channels) that matching alerts go to; an alert matched by several "
      "routes goes to each channel once." },
    END_OPTS
};

/* The HTTP listener of /metrics and /healthz (daemon/ops/sw_metrics.h). */
static const sw_option metrics_opts[] = {
    { "listen", OPT_STRING, offsetof(sw_config, metrics_listen), 0, 64,
      SW_LISTEN_DEFAULT " (live); off (--replay)", NULL,
      "Address and port of the HTTP listener for /metrics (Prometheus text format) and /healthz: "
      "ADDRESS:PORT (127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464 for every interface; port 0: any free "
      "port, logged), or \"off\".  A replay listens only when this is set.  A reload keeps the "
      "running listener: changes take effect at the next start." },
    { "max_connections", OPT_INT, offsetof(sw_config, metrics_max_connections), 16, 4096, "256", NULL,
      "Connections the listener holds at once (viewers included); when full, a new one closes the oldest that is "
      "still sending its request or idle, so slow clients never keep a scrape out.  Restart to change." },
    { "dashboard", OPT_BOOL, offsetof(sw_config, metrics_dashboard), 0, 1, "true", NULL,
      "Serve the live dashboard: the page /, its WebSocket /live, the charts /chart/SYMBOL.svg|png and "
      "/chart/group/NAME.svg|png; false: /metrics and /healthz only.  Restart to change." },
    { "max_viewers", OPT_INT, offsetof(sw_config, metrics_max_viewers), 0, 256, "16", NULL,
      "Dashboard pages connected at once; more are refused.  Restart to change." },
    END_OPTS
};

/* shard: {"index": K, "count": N}; index < count is a cross-field check. */
static const sw_option shard_opts[] = {
    { "index", OPT_INT, offsetof(sw_config, shard_index), 0, 1023, "0", NULL,
      "This shockd's shard, 0 to count - 1 (shockd --shard K/N overrides both)." },
    { "count", OPT_INT, offsetof(sw_config, shard_count), 1, 1024, "1", NULL,
      "How many shockd processes split the watchlist: each takes the groups whose first group's name "
      "hashes to its index (FNV-1a 64 mod count); groups sharing a symbol stay together." },
    END_OPTS
};

static const sw_option top_opts[] = {
    { "state_dir", OPT_STRING, offsetof(sw_config, state_dir), 0, LEN_PATH, "$STATE_DIRECTORY or /var/lib/shockwatch",
      NULL, "Directory for the alert spool and persisted per-symbol state." },
    { "log_level", OPT_ENUM, offsetof(sw_config, log_level), 0, 0, "info", log_levels,
      "Least severe log message printed." },
    { "shutdown_timeout", OPT_DURATION, offsetof(sw_config, shutdown_timeout_ns), 0, 300, "10s", NULL,
      "At the end of a replay and on SIGTERM, how long to wait for sinks to confirm every alert; "
      "what is still unconfirmed stays in the spool." },
    { "calendar", OPT_STRING, offsetof(sw_config, calendar), 0, LEN_PATH,
      "(the shipped calendar/nyse.csv: /usr/share/shockwatch/calendar/nyse.csv when installed)",
      NULL, "Exchange calendar: a CSV of holidays and early closes (date,kind,close) that decides when "
      "sessions open and close; outside the years it lists, every weekday is a 09:30-16:00 session.  "
      "The default path is compiled in: the installed copy in a build for installation "
      "(SHOCK_INSTALL_LAYOUT), the source tree's data/calendar/nyse.csv in a development build." },
    END_OPTS
};

static const sw_option pct_move_opts[] = {
    { "reference", OPT_ENUM, offsetof(sw_pct_move_params, reference), 0, 0, "prev_close", references,
      "Price the move is measured against: the previous session's close, today's open, or the "
      "price `window` ago." },
    { "window", OPT_DURATION, offsetof(sw_pct_move_params, window_ns), 6, 86400, "5m", NULL,
      "Look-back for reference \"window\"." },
    { "warning_pct", OPT_NUMBER, offsetof(sw_pct_move_params, warning_pct), 0.01, 100, "5", NULL,
      "Move in percent (either direction) that raises a warning." },
    { "critical_pct", OPT_NUMBER, offsetof(sw_pct_move_params, critical_pct), 0.01, 1000, "10", NULL,
      "Move in percent that raises a critical alert; must exceed warning_pct." },
    { "step_pct", OPT_NUMBER, offsetof(sw_pct_move_params, step_pct), 0, 1000, "5", NULL,
      "Alert again at the same severity when the move extends by this many percent (0: never)." },
    { "hysteresis", OPT_NUMBER, offsetof(sw_pct_move_params, hysteresis), 0, 0.9, "0.2", NULL,
      "The move must fall back below warning_pct * (1 - hysteresis) before the condition clears." },
    { "confirm_ticks", OPT_INT, offsetof(sw_pct_move_params, confirm_ticks), 1, 1000, "3", NULL,
      "Consecutive trades beyond a level that confirm it (1: no bad-print filter)." },
    { "confirm", OPT_DURATION, offsetof(sw_pct_move_params, confirm_ns), 0, 3600, "2s", NULL,
      "Alternatively, two or more trades beyond the level spanning this long confirm it." },
    END_OPTS
};

static const char *const vol_methods[] = { "ewma", "rolling", NULL };

static const sw_option zscore_opts[] = {
    { "bar", OPT_DURATION, offsetof(sw_zscore_params, bar_ns), 1, 86400, "1m", NULL,
      "Length of the bars whose returns are scored, from 1s to 1d; with \"1d\" each session's "
      "close-to-close return is scored." },
    { "method", OPT_ENUM, offsetof(sw_zscore_params, method), 0, 0, "ewma", vol_methods,
      "How the volatility of bar returns is estimated: \"ewma\" weights recent bars more "
      "(RiskMetrics, see lambda), \"rolling\" is the standard deviation of the last `window` bars." },
    { "lambda", OPT_NUMBER, offsetof(sw_zscore_params, lambda), 0.5, 0.9999, "0.94", NULL,
      "Decay per bar of the \"ewma\" volatility: 0.94 gives each new bar 6% of the weight, a "
      "memory of roughly 16 bars." },
    { "window", OPT_INT, offsetof(sw_zscore_params, window), 2, 10000, "30", NULL,
      "Number of bars in the \"rolling\" volatility window." },
    { "min_bars", OPT_INT, offsetof(sw_zscore_params, min_bars), 1, 100000, "30", NULL,
      "Bar returns that must have fed the volatility before the first alert; the estimate is kept "
      "across days, so this warm-up happens once per symbol." },
    { "warning_z", OPT_NUMBER, offsetof(sw_zscore_params, warning_z), 1, 100, "5", NULL,
      "Size of the bar's move, in units of its volatility (|z|, either direction), that raises a "
      "warning." },
    { "critical_z", OPT_NUMBER, offsetof(sw_zscore_params, critical_z), 1, 1000, "9", NULL,
      "|z| that raises a critical alert; must exceed warning_z.  The difference is also the step by "
      "which an alerted move must extend to alert again." },
    { "hysteresis", OPT_NUMBER, offsetof(sw_zscore_params, hysteresis), 0, 0.9, "0.2", NULL,
      "|z| must fall back below warning_z * (1 - hysteresis) before the condition clears." },
    { "min_vol", OPT_NUMBER, offsetof(sw_zscore_params, min_vol), 0, 1, "0.0005", NULL,
      "Floor of the volatility per bar as a fraction (0.0005 = 0.05%), so that a name that hardly "
      "moves does not turn a tick into a shock." },
    { "confirm_ticks", OPT_INT, offsetof(sw_zscore_params, confirm_ticks), 1, 1000, "2", NULL,
      "Consecutive trades beyond a level that confirm it (1: no bad-print filter)." },
    { "extended_hours", OPT_BOOL, offsetof(sw_zscore_params, extended_hours), 0, 1, "false", NULL,
      "Also score trades outside the regular session; by default pre- and post-market prints are "
      "ignored, being thin and far more volatile than the session." },
    { "open_delay", OPT_DURATION, offsetof(sw_zscore_params, open_delay_ns), 0, 23400, "30m", NULL,
      "Bars are not scored for this long after the 09:30 open (they still feed the volatility): "
      "price discovery after the open moves several midday sigmas on an ordinary day, and the gap "
      "and the open are pct_move's to judge." },
    END_OPTS
};

static const sw_option vol_regime_opts[] = {
    { "bar", OPT_DURATION, offsetof(sw_vol_regime_params, bar_ns), 1, 86400, "1m", NULL,
      "Length of the bars whose returns measure volatility, from 1s to 1d." },
    { "window", OPT_INT, offsetof(sw_vol_regime_params, window), 2, 10000, "30", NULL,
      "Number of recent bars whose realized volatility is compared with the baseline." },
    { "baseline", OPT_ENUM, offsetof(sw_vol_regime_params, baseline), 0, 0, "ewma", vol_methods,
      "How the baseline volatility is estimated from the returns before the window: \"ewma\" (see "
      "lambda) or \"rolling\" over the last `baseline_window` bars." },
    { "lambda", OPT_NUMBER, offsetof(sw_vol_regime_params, lambda), 0.5, 0.99999, "0.995", NULL,
      "Decay per bar of the \"ewma\" baseline: 0.995 halves a bar's weight in about 138 bars." },
    { "baseline_window", OPT_INT, offsetof(sw_vol_regime_params, baseline_window), 2, 100000, "390",
      NULL, "Number of bars in a \"rolling\" baseline (390 one-minute bars are one session)." },
    { "min_bars", OPT_INT, offsetof(sw_vol_regime_params, min_bars), 1, 1000000, "390", NULL,
      "Bar returns the baseline must hold before the first alert." },
    { "threshold", OPT_NUMBER, offsetof(sw_vol_regime_params, threshold), 1.01, 100, "3", NULL,
      "Ratio of recent to baseline volatility that raises a warning (this detector never raises "
      "critical)." },
    { "hysteresis", OPT_NUMBER, offsetof(sw_vol_regime_params, hysteresis), 0, 0.9, "0.2", NULL,
      "The ratio must fall back below threshold * (1 - hysteresis) before the condition clears." },
    { "clip", OPT_NUMBER, offsetof(sw_vol_regime_params, clip), 0, 1000, "8", NULL,
      "Each return counts at most this many baseline volatilities, so one jump or bad print cannot "
      "pass for a new regime (0: no clipping)." },
    { "min_vol", OPT_NUMBER, offsetof(sw_vol_regime_params, min_vol), 0, 1, "0.0005", NULL,
      "Floor of the baseline volatility per bar as a fraction (0.0005 = 0.05%), so that a quiet "
      "name waking up to ordinary activity is not a new regime." },
    { "extended_hours", OPT_BOOL, offsetof(sw_vol_regime_params, extended_hours), 0, 1, "false", NULL,
      "Also use trades outside the regular session; by default pre- and post-market prints are "
      "ignored." },
    { "open_delay", OPT_DURATION, offsetof(sw_vol_regime_params, open_delay_ns), 0, 23400, "30m", NULL,
      "Returns of bars that begin this soon after the 09:30 open are left out: the opening half "
      "hour is several times as volatile as the rest of an ordinary day." },
    END_OPTS
};

static const sw_option stale_opts[] = {
    { "after", OPT_DURATION, offsetof(sw_stale_params, after_ns), 1, 86400, "120s", NULL,
      "Event time without a trade, inside the symbol's regular session, that raises a warning; the "
      "next trade clears it." },
    { "always_open", OPT_SYMBOLS, offsetof(sw_stale_params, always_open), 0, 0, "[]", NULL,
      "Symbols that trade around the clock (crypto): their silence is watched 24x7 instead of in "
      "the exchange calendar's sessions." },
    END_OPTS
};

static const sw_option halt_opts[] = {
    { "band_pct", OPT_NUMBER, offsetof(sw_halt_params, band_pct), 0.01, 50, "1", NULL,
      "A trade within this many percent of a limit-up/limit-down band (or beyond it) raises a warning; "
      "it clears when the price is back twice as far.  Needs a feed with LULD bands (alpaca, polygon)." },
    { "infer", OPT_BOOL, offsetof(sw_halt_params, infer), 0, 1, "true", NULL,
      "Also infer pauses where no status exists (finnhub; NYSE names on polygon): a symbol that traded "
      "at least min_rate times a minute and moved move_pct within move_window, then has no trade for "
      "`after` inside the regular session, raises a warning \"possible LULD pause\"." },
    { "after", OPT_DURATION, offsetof(sw_halt_params, after_ns), 1, 3600, "30s", NULL,
      "Silence after such a move that is a possible pause (a LULD pause lasts 5 minutes)." },
    { "move_pct", OPT_NUMBER, offsetof(sw_halt_params, move_pct), 0.1, 100, "5", NULL,
      "Move, in percent from the window's high (or low) to the last trade, that arms the inference; "
      "LULD bands are 5 % for the largest names, 10 % and more for the others." },
    { "move_window", OPT_DURATION, offsetof(sw_halt_params, move_window_ns), 10, 3600, "5m", NULL,
      "Window of that move and of the trade rate (the LULD reference price is a 5-minute average)." },
    { "min_rate", OPT_NUMBER, offsetof(sw_halt_params, min_rate), 0, 100000, "10", NULL,
      "Trades per minute over the window below which silence is not unusual enough to infer anything." },
    { "always_open", OPT_SYMBOLS, offsetof(sw_halt_params, always_open), 0, 0, "[]", NULL,
      "Symbols that trade around the clock (crypto in a CSV replay): never inferred paused.  A crypto "
      "feed's trades (coinbase, binance) need not be listed: they say so themselves." },
    END_OPTS
};

static const sw_option breadth_opts[] = {
    { "warning_pct", OPT_NUMBER, offsetof(sw_breadth_params, warning_pct), 0.01, 100, "3", NULL,
      "Move of a member vs its previous close, in percent (either direction), at which it counts "
      "toward a warning." },
    { "critical_pct", OPT_NUMBER, offsetof(sw_breadth_params, critical_pct), 0.01, 1000, "5", NULL,
      "Move at which a member counts toward a critical alert; must exceed warning_pct." },
    { "min_fraction", OPT_NUMBER, offsetof(sw_breadth_params, min_fraction), 0.01, 1, "0.5", NULL,
      "Share of the members with data that must be at or beyond a level, in one direction, for the "
      "group to alert at that level." },
    { "min_members", OPT_INT, offsetof(sw_breadth_params, min_members), 1, 10000, "3", NULL,
      "Members that must have data (a previous close and a trade today) before the group is judged." },
    { "step", OPT_NUMBER, offsetof(sw_breadth_params, step), 0, 1, "0.25", NULL,
      "Alert again at the same severity when the share grows by this much (0.25: another quarter of "
      "the group; 0: never)." },
    { "hysteresis", OPT_NUMBER, offsetof(sw_breadth_params, hysteresis), 0, 0.9, "0.2", NULL,
      "A member leaves a level only when its move falls back below the level * (1 - hysteresis), "
      "and the condition clears only when the share at the warning level falls below "
      "min_fraction * (1 - hysteresis)." },
    { "groups", OPT_GROUPS, offsetof(sw_breadth_params, groups), 0, 0, "[]", NULL,
      "Names of the groups watched; an empty list watches every group." },
    END_OPTS
};

static const sw_option level_opts[] = {
    { "levels", OPT_PRICE_LEVELS, 0, 0, 0, "(required)", NULL,
      "Price levels by symbol of the watchlist: {\"NVDA\": {\"below\": [120, {\"price\": 110, \"severity\": "
      "\"critical\"}], \"above\": [150]}}.  A \"below\" level alerts when trades cross from above it to below it, "
      "an \"above\" level the other way; a level is a price, or {\"price\", \"severity\"} (warning or critical; "
      "default warning).  At most 256 levels." },
    { "rearm_pct", OPT_NUMBER, offsetof(sw_level_params, rearm_pct), 0, 50, "0.5", NULL,
      "A level that alerted re-arms when the price goes back beyond it by this many percent (above 120.60 for "
      "\"below 120\"); until then it does not alert again." },
    { "confirm_ticks", OPT_INT, offsetof(sw_level_params, confirm_ticks), 1, 1000, "3", NULL,
      "Consecutive trades beyond a level that confirm the crossing (1: no bad-print filter)." },
    { "confirm", OPT_DURATION, offsetof(sw_level_params, confirm_ns), 0, 3600, "2s", NULL,
      "Alternatively, two or more trades beyond the level spanning this long confirm it." },
    END_OPTS
};

static const sw_option volume_opts[] = {
    { "window", OPT_DURATION, offsetof(sw_volume_params, window_ns), 60, 23400, "5m", NULL,
      "Length of the windows the regular session is cut into from the open (09:30-09:35, ...): the volume of "
      "the window in progress is judged against the same window of the previous sessions." },
    { "bar", OPT_DURATION, offsetof(sw_volume_params, bar_ns), 86400, 86400, "(none: windows of `window`)", NULL,
      "\"1d\": judge the day's volume so far against the mean daily volume instead (for daily bars)." },
    { "baseline_days", OPT_INT, offsetof(sw_volume_params, baseline_days), 1, SW_VOLUME_DAYS_MAX, "20", NULL,
      "Sessions the baseline of a window averages over: their mean while fewer, then an exponential "
      "average with the same mean age (weight 2 / (baseline_days + 1) per session).  At most 255: a window "
      "counts its sessions in one byte (one per window and symbol)." },
    { "min_days", OPT_INT, offsetof(sw_volume_params, min_days), 1, SW_VOLUME_DAYS_MAX, "10", NULL,
      "Sessions a window needs in its baseline before it is judged; until then nothing is raised, and the "
      "log says so once per symbol.  At most 255, as baseline_days." },
    { "warning_x", OPT_NUMBER, offsetof(sw_volume_params, warning_x), 1.01, 1000, "5", NULL,
      "Volume of the window, in times its baseline mean, that raises a warning." },
    { "critical_x", OPT_NUMBER, offsetof(sw_volume_params, critical_x), 1.01, 10000, "20", NULL,
      "Times the mean that raises a critical alert; must exceed warning_x." },
    { "min_volume", OPT_NUMBER, offsetof(sw_volume_params, min_volume), 0, 1e15, "10000", NULL,
      "Shares (or contracts, coins) the window must hold before it can alert, so a quiet name waking up to "
      "a few blocks is not unusual; set it in the units of what you watch (crypto: coins)." },
    { "hysteresis", OPT_NUMBER, offsetof(sw_volume_params, hysteresis), 0, 0.9, "0.2", NULL,
      "The condition clears when a window ends below warning_x * (1 - hysteresis) times its mean." },
    END_OPTS
};

static const sw_option relative_opts[] = {
    { "benchmark", OPT_SYMBOL, offsetof(sw_relative_params, benchmark), 0, 0, "SPY", NULL,
      "The symbol every other one is measured against; it must be in a group (watched)." },
    { "warning_pct", OPT_NUMBER, offsetof(sw_relative_params, warning_pct), 0.01, 100, "5", NULL,
      "Move against the benchmark, (1 + r_symbol) / (1 + r_benchmark) - 1 in percent with both r vs their "
      "previous close, either direction, that raises a warning." },
    { "critical_pct", OPT_NUMBER, offsetof(sw_relative_params, critical_pct), 0.01, 1000, "10", NULL,
      "Relative move that raises a critical alert; must exceed warning_pct." },
    { "step_pct", OPT_NUMBER, offsetof(sw_relative_params, step_pct), 0, 1000, "5", NULL,
      "Alert again at the same severity when the relative move extends by this much (0: never)." },
    { "hysteresis", OPT_NUMBER, offsetof(sw_relative_params, hysteresis), 0, 0.9, "0.2", NULL,
      "The relative move must fall back below warning_pct * (1 - hysteresis) before the condition clears." },
    { "confirm_ticks", OPT_INT, offsetof(sw_relative_params, confirm_ticks), 1, 1000, "3", NULL,
      "Consecutive trades of the symbol beyond a level that confirm it (1: no bad-print filter)." },
    { "confirm", OPT_DURATION, offsetof(sw_relative_params, confirm_ns), 0, 3600, "2s", NULL,
      "Alternatively, two or more trades beyond the level spanning this long confirm it." },
    END_OPTS
};

static const sw_option market_opts[] = {
    { "index", OPT_SYMBOL, offsetof(sw_market_params, index), 0, 0, "SPY", NULL,
      "The S&P 500, or the symbol that stands in for it (SPY); it must be in a group (watched).  The "
      "alerts are about this symbol only." },
    { "levels", OPT_NUMBERS3, offsetof(sw_market_params, levels), 0.01, 99.99, "[7, 13, 20]", NULL,
      "Declines from the previous close, in percent, of circuit-breaker levels 1, 2 and 3 (NYSE Rule 7.12): "
      "three increasing numbers." },
    { "proxy", OPT_BOOL, offsetof(sw_market_params, proxy), 0, 1, "true", NULL,
      "The index symbol is a proxy (an ETF), and the message says so: the rule is on the S&P 500 itself.  "
      "false when the feed carries the index." },
    { "confirm_ticks", OPT_INT, offsetof(sw_market_params, confirm_ticks), 1, 1000, "3", NULL,
      "Consecutive regular-session trades at or beyond a level that confirm it (1: no bad-print filter)." },
    { "confirm", OPT_DURATION, offsetof(sw_market_params, confirm_ns), 0, 3600, "2s", NULL,
      "Alternatively, two or more trades beyond the level spanning this long confirm it." },
    END_OPTS
};

typedef struct detector_table {
    const char *type;
    const sw_option *opts;
    const char *doc;
} detector_table;

static const detector_table detector_tables[] = {
    { "pct_move", pct_move_opts, "Percent move of the last trade vs a reference price." },
    { "stale", stale_opts, "A symbol with no trade for `after` during its regular session (warning)." },
    { "breadth", breadth_opts, "Share of a group's members down (or up) by a level vs their previous close." },
    { "zscore", zscore_opts,
      "Return of the bar in progress in units of the symbol's own bar volatility." },
    { "vol_regime", vol_regime_opts,
      "Recent realized volatility vs the symbol's longer baseline (warning only)." },
    { "level", level_opts, "Trades crossing absolute price levels per symbol, once per crossing." },
    { "volume", volume_opts,
      "Volume of the window in progress vs the same window of earlier sessions (the intraday curve)." },
    { "relative", relative_opts, "A symbol's move vs the benchmark's, both from their previous close." },
    { "market", market_opts,
      "Market-wide circuit-breaker levels (7/13/20%) on the S&P 500 or its proxy (critical)." },
    { "halt", halt_opts,
      "Trading halts (critical) and their resumptions (resolved) from the provider's statuses, trades near "
      "a LULD band (warning), and pauses inferred from silence after a move where no status exists." },
};

static const detector_table *find_detector_table(const char *type)
{
    for (size_t i = 0; i < sizeof detector_tables / sizeof detector_tables[0]; i++)
        if (strcmp(detector_tables[i].type, type) == 0)
            return &detector_tables[i];
    return NULL;
}

/* ---- helpers ---------------------------------------------------------- */

typedef struct ctx {
    const char *file;
    sw_diag *diag;
    int errors;
    const sw_config *cfg;   /* groups already loaded: name lists are checked against them */
} ctx;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void err(ctx *c, const char *path, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->errors++;
    sw_diag_add(c->diag, "%s: %s: %s", c->file, path, msg);
}

/* "one of: a, b, c" plus a "did you mean" for a near miss. */
static void unknown_key(ctx *c, const char *path, const char *key, const char *const *known, size_t n)
{
    char list[512] = "";
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", known[i]);
    }
    const char *best = sw_nearest(key, known, n);
    if (best)
        err(c, path, "unknown key \"%s\"; did you mean \"%s\"? (one of: %s)", key, best, list);
    else
        err(c, path, "unknown key \"%s\" (one of: %s)", key, list);
}

static void join_choices(const char *const *choices, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; choices[i]; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s\"%s\"", i ? ", " : "", choices[i]);
    }
}

static void child_path(char *out, size_t len, const char *parent, const char *key)
{
    if (parent[0])
        snprintf(out, len, "%s.%s", parent, key);
    else
        snprintf(out, len, "%s", key);
}

/* Duplicate keys are legal JSON but almost always a mistake: the second value
 * would silently win (or lose) depending on the reader. */
static void check_duplicates(ctx *c, const cJSON *obj, const char *path)
{
    for (const cJSON *a = obj->child; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (a->string && b->string && strcmp(a->string, b->string) == 0) {
                char p[256];
                child_path(p, sizeof p, path, b->string);
                err(c, p, "duplicate key (each key once)");
            }
}

/* Is `name` a group (OPT_GROUPS) or a member of one (OPT_SYMBOLS)? */
static int known_name(const sw_config *cfg, opt_type type, const char *name)
{
    for (size_t g = 0; g < cfg->n_groups; g++) {
        if (type == OPT_GROUPS && strcmp(cfg->groups[g].name, name) == 0)
            return 1;
        for (size_t m = 0; type == OPT_SYMBOLS && m < cfg->groups[g].n_members; m++)
            if (strcmp(cfg->groups[g].members[m], name) == 0)
                return 1;
    }
    return 0;
}

/* An array of names into a fixed sw_name_list.  Names must exist in the
 * groups loaded before the detectors: a misspelled name would otherwise
 * silently match nothing. */
static int set_names(ctx *c, const sw_option *o, const cJSON *v, sw_name_list *list, const char *path)
{
    const int groups = o->type == OPT_GROUPS;
    if (!cJSON_IsArray(v)) {
        err(c, path, "is %s (an array of %s)", sw_json_type_name(v), groups ? "group names" : "symbols");
        return -1;
    }
    char known[512] = "";
    for (size_t g = 0; groups && c->cfg && g < c->cfg->n_groups; g++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof known - used, "%s\"%s\"", g ? ", " : "", c->cfg->groups[g].name);
    }
    sw_name_list tmp;
    memset(&tmp, 0, sizeof tmp);
    int bad = 0;
    size_t i = 0;
    for (const cJSON *s = v->child; s; s = s->next, i++) {
        char ip[300];
        snprintf(ip, sizeof ip, "%s[%zu]", path, i);
        if (!cJSON_IsString(s)) {
            err(c, ip, "is %s (%s)", sw_json_type_name(s), groups ? "a group name" : "a symbol such as \"BTC-USD\"");
            bad = 1;
            continue;
        }
        /* Without groups (already reported) there is nothing to check against. */
        if (c->cfg && c->cfg->n_groups && !known_name(c->cfg, o->type, s->valuestring)) {
            if (groups)
                err(c, ip, "\"%s\" is not a group (one of %s)", s->valuestring, known);
            else
                err(c, ip, "\"%s\" is not in any group (a symbol of the watchlist)", s->valuestring);
            bad = 1;
            continue;
        }
        if (strlen(s->valuestring) >= SW_GROUP_NAME_MAX) {
            err(c, ip, "\"%s\" is too long (at most %d characters)", s->valuestring, SW_GROUP_NAME_MAX - 1);
            bad = 1;
            continue;
        }
        int dup = 0;
        for (int k = 0; k < tmp.n; k++)
            dup |= strcmp(tmp.name[k], s->valuestring) == 0;
        if (dup) {
            err(c, ip, "\"%s\" is listed twice (each name once)", s->valuestring);
            bad = 1;
            continue;
        }
        if (tmp.n >= SW_NAME_LIST_MAX) {
            err(c, path, "has more than %d names (at most %d)", SW_NAME_LIST_MAX, SW_NAME_LIST_MAX);
            return -1;
        }
        snprintf(tmp.name[tmp.n++], sizeof tmp.name[0], "%s", s->valuestring);
    }
    if (bad)
        return -1;
    *list = tmp;
    return 0;
}

/* A string longer than the row allows: the error names the key. */
static int too_long(ctx *c, const sw_option *o, const char *s, const char *path)
{
    size_t n = strlen(s);
    if ((double)n <= o->max)
        return 0;
    err(c, path, "is %zu bytes long (at most %.0f)", n, o->max);
    return 1;
}

/* An array of non-empty strings (at most 256 of at most o->max bytes: mail
 * recipients, header lines, channel names). */
static int set_strings(ctx *c, const sw_option *o, const cJSON *v, sw_str_list *list, const char *path)
{
    if (!cJSON_IsArray(v)) {
        err(c, path, "is %s (an array of strings)", sw_json_type_name(v));
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
    if (n > 256) {
        err(c, path, "has %zu entries (at most 256)", n);
        return -1;
    }
    sw_str_list tmp = { calloc(n ? n : 1, sizeof(char *)), 0 };
    if (!tmp.v)
        return -1;
    int bad = 0;
    for (const cJSON *s = v->child; s; s = s->next, i++) {
        char ip[300];
        snprintf(ip, sizeof ip, "%s[%zu]", path, i);
        if (!cJSON_IsString(s) || !s->valuestring[0]) {
            err(c, ip, "is %s (a non-empty string)", cJSON_IsString(s) ? "empty" : sw_json_type_name(s));
            bad = 1;
            continue;
        }
        if (too_long(c, o, s->valuestring, ip)) {
            bad = 1;
            continue;
        }
        if ((tmp.v[tmp.n] = strdup(s->valuestring)))
            tmp.n++;
    }
    if (bad) {
        sw_str_list_free(&tmp);
        return -1;
    }
    sw_str_list_free(list);
    *list = tmp;
    return 0;
}

/* One level of "below"/"above": a price, or {"price": N, "severity": S}. */
static int set_one_level(ctx *c, const cJSON *v, sw_level_def *lv, const char *path)
{
    const cJSON *price = v, *sev = NULL;
    if (cJSON_IsObject(v)) {
        check_duplicates(c, v, path);
        static const char *const keys[] = { "price", "severity" };
        int bad = 0;
        for (const cJSON *k = v->child; k; k = k->next)
            if (strcmp(k->string, "price") != 0 && strcmp(k->string, "severity") != 0) {
                char kp[400];
                child_path(kp, sizeof kp, path, k->string);
                unknown_key(c, kp, k->string, keys, 2);
                bad = 1;
            }
        price = cJSON_GetObjectItemCaseSensitive(v, "price");
        sev = cJSON_GetObjectItemCaseSensitive(v, "severity");
        if (!price) {
            err(c, path, "has no \"price\" ({\"price\": 110, \"severity\": \"critical\"})");
            return -1;
        }
        if (bad)
            return -1;
    }
    char pp[400];
    snprintf(pp, sizeof pp, "%s%s", path, price == v ? "" : ".price");
    if (!cJSON_IsNumber(price) || !isfinite(price->valuedouble) || !(price->valuedouble > 0) ||
        price->valuedouble > 1e12) {
        err(c, pp, "is %s (a price above 0, or {\"price\": N, \"severity\": \"warning\" or \"critical\"})",
            cJSON_IsNumber(price) ? "not a positive price" : sw_json_type_name(price));
        return -1;
    }
    lv->price = price->valuedouble;
    lv->severity = SW_SEV_WARNING;
    if (sev) {
        char sp[400];
        snprintf(sp, sizeof sp, "%s.severity", path);
        if (!cJSON_IsString(sev) || (strcmp(sev->valuestring, "warning") != 0 &&
                                     strcmp(sev->valuestring, "critical") != 0)) {
            err(c, sp, "is %s (\"warning\" or \"critical\")", cJSON_IsString(sev) ? "not a level's severity" : sw_json_type_name(sev));
            return -1;
        }
        lv->severity = strcmp(sev->valuestring, "critical") == 0 ? SW_SEV_CRITICAL : SW_SEV_WARNING;
    }
    return 0;
}

/* level's "levels": {"NVDA": {"below": [120, {"price": 110, "severity":
 * "critical"}], "above": [150]}, ...}: symbols of the watchlist, each with
 * "below" and/or "above" lists. */
static int set_price_levels(ctx *c, const cJSON *v, sw_level_params *P, const char *path)
{
    if (!cJSON_IsObject(v)) {
        err(c, path, "is %s (an object of symbols, each {\"below\": [prices], \"above\": [prices]})", sw_json_type_name(v));
        return -1;
    }
    check_duplicates(c, v, path);
    int bad = 0;
    P->n = 0;
    for (const cJSON *sym = v->child; sym; sym = sym->next) {
        char sp[300];
        snprintf(sp, sizeof sp, "%s.%.40s", path, sym->string);
        if (!sw_symbol_valid(sym->string) || (c->cfg && c->cfg->n_groups && !known_name(c->cfg, OPT_SYMBOLS, sym->string))) {
            err(c, sp, "\"%.40s\" is not in any group (a symbol of the watchlist)", sym->string);
            bad = 1;
            continue;
        }
        if (!cJSON_IsObject(sym)) {
            err(c, sp, "is %s (an object: {\"below\": [prices], \"above\": [prices]})", sw_json_type_name(sym));
            bad = 1;
            continue;
        }
        check_duplicates(c, sym, sp);
        for (const cJSON *side = sym->child; side; side = side->next) {
            char dp[360];
            child_path(dp, sizeof dp, sp, side->string);
            int dir = strcmp(side->string, "below") == 0 ? -1 : strcmp(side->string, "above") == 0 ? 1 : 0;
            if (!dir) {
                static const char *const sides[] = { "below", "above" };
                unknown_key(c, dp, side->string, sides, 2);
                bad = 1;
                continue;
            }
            if (!cJSON_IsArray(side)) {
                err(c, dp, "is %s (an array of prices)", sw_json_type_name(side));
                bad = 1;
                continue;
            }
            size_t i = 0;
            for (const cJSON *l = side->child; l; l = l->next, i++) {
                char lp[380];
                snprintf(lp, sizeof lp, "%s[%zu]", dp, i);
                if (P->n >= SW_LEVEL_MAX) {
                    err(c, lp, "is one level too many (at most %d in one detector)", SW_LEVEL_MAX);
                    return -1;
                }
                sw_level_def *lv = &P->lv[P->n];
                memset(lv, 0, sizeof *lv);
                if (set_one_level(c, l, lv, lp) != 0) {
                    bad = 1;
                    continue;
                }
                snprintf(lv->symbol, sizeof lv->symbol, "%s", sym->string);
                lv->dir = dir;
                P->n++;
            }
        }
    }
    return bad ? -1 : 0;
}

static int set_option(ctx *c, const sw_option *o, const cJSON *v, void *base, const char *path)
{
    char *field = (char *)base + o->offset;
    char choices[256];
    switch (o->type) {
    case OPT_STRING:
        if (!cJSON_IsString(v) || !v->valuestring[0]) {
            err(c, path, "is %s (a non-empty string)", cJSON_IsString(v) ? "empty" : sw_json_type_name(v));
            return -1;
        }
        if (too_long(c, o, v->valuestring, path))
            return -1;
        if (o->choices) {
            int found = 0;
            for (size_t i = 0; o->choices[i]; i++)
                found |= strcmp(o->choices[i], v->valuestring) == 0;
            if (!found) {
                join_choices(o->choices, choices, sizeof choices);
                err(c, path, "\"%s\" is not a known value (one of %s)", v->valuestring, choices);
                return -1;
            }
        }
        free(*(char **)field);
        *(char **)field = strdup(v->valuestring);
        return 0;
    case OPT_ENUM:
        join_choices(o->choices, choices, sizeof choices);
        if (!cJSON_IsString(v)) {
            err(c, path, "is %s (one of %s)", sw_json_type_name(v), choices);
            return -1;
        }
        for (int i = 0; o->choices[i]; i++)
            if (strcmp(o->choices[i], v->valuestring) == 0) {
                *(int *)field = i;
                return 0;
            }
        err(c, path, "\"%s\" is not a known value (one of %s)", v->valuestring, choices);
        return -1;
    case OPT_NUMBER:
    case OPT_INT:
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
            err(c, path, "is %s (%s from %g to %g)", sw_json_type_name(v),
                o->type == OPT_INT ? "a whole number" : "a number", o->min, o->max);
            return -1;
        }
        if (v->valuedouble < o->min || v->valuedouble > o->max ||
            (o->type == OPT_INT && v->valuedouble != floor(v->valuedouble))) {
            err(c, path, "%g is out of range (%s from %g to %g)", v->valuedouble,
                o->type == OPT_INT ? "a whole number" : "a number", o->min, o->max);
            return -1;
        }
        if (o->type == OPT_INT)
            *(int *)field = (int)v->valuedouble;
        else
            *(double *)field = v->valuedouble;
        return 0;
    case OPT_BOOL:
        if (!cJSON_IsBool(v)) {
            err(c, path, "is %s (true or false)", sw_json_type_name(v));
            return -1;
        }
        *(int *)field = cJSON_IsTrue(v);
        return 0;
    case OPT_DURATION: {
        int64_t ns;
        if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0 &&
            v->valuedouble < 9e9) {
            ns = (int64_t)llround(v->valuedouble * 1e9);
        } else if (!cJSON_IsString(v) || sw_parse_duration(v->valuestring, &ns) != 0) {
            if (cJSON_IsString(v))
                err(c, path, "\"%s\" is not a duration (like \"500ms\", \"30s\", \"5m\", \"1h\", \"1d\")",
                    v->valuestring);
            else
                err(c, path, "is %s (a duration like \"30s\" or \"5m\", or a number of seconds)", sw_json_type_name(v));
            return -1;
        }
        if ((double)ns < o->min * 1e9 || (double)ns > o->max * 1e9) {
            char lo[24], hi[24];
            err(c, path, "%s is out of range (a duration from %s to %s)",
                cJSON_IsString(v) ? v->valuestring : "value",
                sw_format_duration((int64_t)(o->min * 1e9), lo, sizeof lo),
                sw_format_duration((int64_t)(o->max * 1e9), hi, sizeof hi));
            return -1;
        }
        *(int64_t *)field = ns;
        return 0;
    }
    case OPT_SYMBOLS:
    case OPT_GROUPS:
        return set_names(c, o, v, (sw_name_list *)field, path);
    case OPT_STRINGS:
        return set_strings(c, o, v, (sw_str_list *)field, path);
    case OPT_SYMBOL:
        if (!cJSON_IsString(v) || !sw_symbol_valid(v->valuestring)) {
            err(c, path, "is %s (a symbol of the watchlist, such as \"SPY\")",
                cJSON_IsString(v) ? "not a valid symbol" : sw_json_type_name(v));
            return -1;
        }
        if (c->cfg && c->cfg->n_groups && !known_name(c->cfg, OPT_SYMBOLS, v->valuestring)) {
            err(c, path, "\"%s\" is not in any group (it must be watched: add it to a group)", v->valuestring);
            return -1;
        }
        snprintf(field, SW_SYMBOL_MAX, "%s", v->valuestring);
        return 0;
    case OPT_NUMBERS3: {
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 3) {
            err(c, path, "is %s (an array of 3 numbers from %g to %g)", cJSON_IsArray(v) ? "not 3 numbers" : sw_json_type_name(v),
                o->min, o->max);
            return -1;
        }
        double tmp[3];
        int i = 0;
        for (const cJSON *x = v->child; x; x = x->next, i++) {
            if (!cJSON_IsNumber(x) || !(x->valuedouble >= o->min && x->valuedouble <= o->max)) {
                char ip[300];
                snprintf(ip, sizeof ip, "%s[%d]", path, i);
                err(c, ip, "is %s (a number from %g to %g)", cJSON_IsNumber(x) ? "out of range" : sw_json_type_name(x), o->min,
                    o->max);
                return -1;
            }
            tmp[i] = x->valuedouble;
        }
        memcpy(field, tmp, sizeof tmp);
        return 0;
    }
    case OPT_PRICE_LEVELS:
        return set_price_levels(c, v, base, path);
    }
    return -1;
}

/* Apply every member of obj through the table; `skip` names keys handled by
 * the caller ("type" of a detector). */
static void apply_table(ctx *c, const cJSON *obj, const sw_option *opts, void *base, const char *path,
                        const char *const *extra_keys)
{
    const char *known[48];
    size_t nk = 0;
    for (const sw_option *o = opts; o->key && nk < 40; o++)
        known[nk++] = o->key;
    for (size_t i = 0; extra_keys && extra_keys[i] && nk < 48; i++) {
        const sw_option *o = opts;
        while (o->key && strcmp(o->key, extra_keys[i]) != 0)
            o++;
        if (!o->key)
            known[nk++] = extra_keys[i];
    }
    check_duplicates(c, obj, path);
    for (const cJSON *v = obj->child; v; v = v->next) {
        char p[256];
        child_path(p, sizeof p, path, v->string);
        const sw_option *o = opts;
        while (o->key && strcmp(o->key, v->string) != 0)
            o++;
        if (o->key) {
            set_option(c, o, v, base, p);
            continue;
        }
        int extra = 0;
        for (size_t i = 0; extra_keys && extra_keys[i]; i++)
            extra |= strcmp(extra_keys[i], v->string) == 0;
        if (!extra)
            unknown_key(c, p, v->string, known, nk);
    }
}

static int want_object(ctx *c, const cJSON *v, const char *path)
{
    if (cJSON_IsObject(v))
        return 1;
    err(c, path, "is %s (an object)", sw_json_type_name(v));
    return 0;
}

/* ---- sections --------------------------------------------------------- */

static void load_groups(ctx *c, sw_config *cfg, const cJSON *groups)
{
    if (!groups) {
        err(c, "groups", "missing (an object mapping group names to arrays of symbols, "
                         "e.g. {\"ai\": [\"NVDA\", \"AMD\"]}: the watchlist has no default)");
        return;
    }
    if (!want_object(c, groups, "groups"))
        return;
    check_duplicates(c, groups, "groups");
    size_t n = (size_t)cJSON_GetArraySize(groups);
    if (n == 0) {
        err(c, "groups", "is empty (at least one group with at least one symbol)");
        return;
    }
    cfg->groups = calloc(n, sizeof *cfg->groups);
    if (!cfg->groups)
        return;
    for (const cJSON *g = groups->child; g; g = g->next) {
        char p[256];
        snprintf(p, sizeof p, "groups.%s", g->string);
        if (!sw_group_name_valid(g->string)) {
            err(c, p, "group name must be 1 to %d letters, digits, '_' or '-'", SW_GROUP_NAME_MAX - 1);
            continue;
        }
        if (!cJSON_IsArray(g)) {
            err(c, p, "is %s (an array of symbols)", sw_json_type_name(g));
            continue;
        }
        size_t m = (size_t)cJSON_GetArraySize(g);
        if (m == 0) {
            err(c, p, "is empty (at least one symbol)");
            continue;
        }
        sw_group_config *gc = &cfg->groups[cfg->n_groups++];
        gc->name = strdup(g->string);
        gc->members = calloc(m, sizeof *gc->members);
        /* The names seen so far, for the duplicate check: an open-addressing
         * set of member positions + 1 (0: empty), at most half full -- a
         * watchlist of 10 000 names was 50 M strcmp against every name
         * before it, a third of a second at each start and reload. */
        size_t mask = 7;
        while (mask + 1 < m * 2)
            mask = mask * 2 + 1;
        uint32_t *seen = calloc(mask + 1, sizeof *seen);
        if (!gc->name || !gc->members || !seen) {
            free(seen);
            return;
        }
        size_t i = 0;
        for (const cJSON *s = g->child; s; s = s->next, i++) {
            char sp[300];
            snprintf(sp, sizeof sp, "%s[%zu]", p, i);
            if (!cJSON_IsString(s)) {
                err(c, sp, "is %s (a symbol such as \"NVDA\")", sw_json_type_name(s));
                continue;
            }
            if (!sw_symbol_valid(s->valuestring)) {
                err(c, sp, "\"%s\" is not a valid symbol (1 to %d of A-Z 0-9 . - _ / : ^ =, upper case)",
                    s->valuestring, SW_SYMBOL_MAX - 1);
                continue;
            }
            size_t h = (size_t)sw_hash_str(s->valuestring) & mask;
            while (seen[h] && strcmp(gc->members[seen[h] - 1], s->valuestring) != 0)
                h = (h + 1) & mask;
            if (seen[h]) {
                err(c, sp, "\"%s\" is listed twice in group \"%s\" (each symbol once per group)",
                    s->valuestring, g->string);
                continue;
            }
            seen[h] = (uint32_t)gc->n_members + 1;
            gc->members[gc->n_members++] = s->valuestring; /* the tree's, until copied below */
        }
        free(seen);
        /* The names in one block, not a strdup each: 10 000 small strings
         * allocated among the parse tree's items would pin its pages after
         * the tree is freed (malloc_trim returns only whole free pages),
         * ~100 bytes a symbol kept for nothing under the engine. */
        size_t bytes = 0;
        for (size_t k = 0; k < gc->n_members; k++)
            bytes += strlen(gc->members[k]) + 1;
        gc->names = malloc(bytes ? bytes : 1);
        if (!gc->names) {
            gc->n_members = 0; /* the tree's strings: nothing of ours to free */
            return;
        }
        char *at = gc->names;
        for (size_t k = 0; k < gc->n_members; k++) {
            size_t len = strlen(gc->members[k]) + 1;
            memcpy(at, gc->members[k], len);
            gc->members[k] = at;
            at += len;
        }
    }
}

static const char *const detector_extra_keys[] = { "type", NULL };

static void load_detector(ctx *c, sw_config *cfg, const cJSON *d, const char *path)
{
    if (!want_object(c, d, path))
        return;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(d, "type");
    char tp[280];
    snprintf(tp, sizeof tp, "%s.type", path);
    size_t ntypes;
    const sw_detector_type *const *types = sw_detector_types(&ntypes);
    char known[256] = "";
    const char *names[16];
    for (size_t i = 0; i < ntypes && i < 16; i++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof known - used, "%s\"%s\"", i ? ", " : "", types[i]->name);
        names[i] = types[i]->name;
    }
    if (!type) {
        err(c, tp, "missing (one of %s)", known);
        return;
    }
    if (!cJSON_IsString(type)) {
        err(c, tp, "is %s (one of %s)", sw_json_type_name(type), known);
        return;
    }
    const sw_detector_type *dt = sw_detector_find(type->valuestring);
    const detector_table *tab = find_detector_table(type->valuestring);
    if (!dt || !tab) {
        const char *best = sw_nearest(type->valuestring, names, ntypes < 16 ? ntypes : 16);
        if (best)
            err(c, tp, "unknown detector type \"%s\"; did you mean \"%s\"? (one of %s)",
                type->valuestring, best, known);
        else
            err(c, tp, "unknown detector type \"%s\" (one of %s)", type->valuestring, known);
        return;
    }
    sw_detector_config *dc = &cfg->detectors[cfg->n_detectors];
    dc->type = dt;
    dc->params = calloc(1, dt->params_size);
    if (!dc->params)
        return;
    cfg->n_detectors++;
    dt->defaults(dc->params);
    int before = c->errors;
    apply_table(c, d, tab->opts, dc->params, path, detector_extra_keys);
    /* A symbol left at its default (relative's "SPY") must be watched as much
     * as one given: the engine could not build the detector otherwise. */
    for (const sw_option *o = tab->opts; o->key; o++) {
        const char *sym = (const char *)dc->params + o->offset;
        char kp[300];
        child_path(kp, sizeof kp, path, o->key);
        if (o->type == OPT_SYMBOL && !cJSON_GetObjectItemCaseSensitive(d, o->key) && cfg->n_groups &&
            !known_name(cfg, OPT_SYMBOLS, sym))
            err(c, kp, "missing, and the default \"%s\" is not in any group (name a watched symbol, or watch %s)",
                sym, sym);
        if (o->type == OPT_PRICE_LEVELS && !cJSON_GetObjectItemCaseSensitive(d, o->key))
            err(c, kp, "missing (%s)", "an object of price levels by symbol: {\"NVDA\": {\"below\": [120]}}");
    }
    char msg[256];
    if (c->errors == before && dt->validate && dt->validate(dc->params, msg, sizeof msg) != 0)
        err(c, path, "%s", msg);
}

static void load_detectors(ctx *c, sw_config *cfg, const cJSON *dets)
{
    if (!dets) {
        /* Documented default: one pct_move detector with its defaults. */
        cfg->detectors = calloc(1, sizeof *cfg->detectors);
        if (!cfg->detectors)
            return;
        cfg->detectors[0].type = sw_detector_find("pct_move");
        cfg->detectors[0].params = calloc(1, cfg->detectors[0].type->params_size);
        if (!cfg->detectors[0].params)
            return;
        cfg->detectors[0].type->defaults(cfg->detectors[0].params);
        cfg->n_detectors = 1;
        return;
    }
    if (!cJSON_IsArray(dets)) {
        err(c, "detectors", "is %s (an array of detector objects, each with a \"type\")", sw_json_type_name(dets));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(dets);
    if (n == 0) {
        /* An empty list would run a monitor that can never alert. */
        err(c, "detectors", "is empty (at least one detector; leave the key out for the default pct_move)");
        return;
    }
    cfg->detectors = calloc(n ? n : 1, sizeof *cfg->detectors);
    if (!cfg->detectors)
        return;
    size_t i = 0;
    for (const cJSON *d = dets->child; d; d = d->next, i++) {
        char p[64];
        snprintf(p, sizeof p, "detectors[%zu]", i);
        load_detector(c, cfg, d, p);
    }
}

static int in_watchlist(const sw_config *cfg, const char *sym)
{
    for (size_t g = 0; g < cfg->n_groups; g++)
        for (size_t m = 0; m < cfg->groups[g].n_members; m++)
            if (strcmp(cfg->groups[g].members[m], sym) == 0)
                return 1;
    return 0;
}

/* corporate_actions: [{"symbol": "NVDA", "date": "2024-06-10", "ratio": 10}]:
 * splits that adjust the references on the day they take effect, for feeds
 * that (unlike a CSV split column) do not announce them. */
static void load_actions(ctx *c, sw_config *cfg, const cJSON *acts)
{
    if (!acts)
        return;
    if (!cJSON_IsArray(acts)) {
        err(c, "corporate_actions", "is %s (an array of {\"symbol\", \"date\", \"ratio\"} objects)",
            sw_json_type_name(acts));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(acts);
    cfg->splits = calloc(n ? n : 1, sizeof *cfg->splits);
    if (!cfg->splits)
        return;
    size_t i = 0;
    for (const cJSON *a = acts->child; a; a = a->next, i++) {
        char p[64], kp[96];
        snprintf(p, sizeof p, "corporate_actions[%zu]", i);
        if (!want_object(c, a, p))
            continue;
        check_duplicates(c, a, p);
        int ok = 1;
        for (const cJSON *k = a->child; k; k = k->next) {
            static const char *const keys[] = { "symbol", "date", "ratio", "type" };
            int known = 0;
            for (size_t j = 0; j < 4; j++)
                known |= strcmp(k->string, keys[j]) == 0;
            if (!known) {
                snprintf(kp, sizeof kp, "%s.%s", p, k->string);
                unknown_key(c, kp, k->string, keys, 4);
                ok = 0;
            }
        }
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(a, "type");
        const cJSON *sym = cJSON_GetObjectItemCaseSensitive(a, "symbol");
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(a, "date");
        const cJSON *ratio = cJSON_GetObjectItemCaseSensitive(a, "ratio");
        if (type && !(cJSON_IsString(type) && strcmp(type->valuestring, "split") == 0)) {
            snprintf(kp, sizeof kp, "%s.type", p);
            err(c, kp, "only \"split\" is supported (\"split\", or leave it out)");
            ok = 0;
        }
        snprintf(kp, sizeof kp, "%s.symbol", p);
        if (!cJSON_IsString(sym)) {
            err(c, kp, "%s (a symbol of the watchlist)", sym ? "is not a string" : "missing");
            ok = 0;
        } else if (!in_watchlist(cfg, sym->valuestring)) {
            err(c, kp, "\"%s\" is not in any group (a symbol of the watchlist)", sym->valuestring);
            ok = 0;
        }
        int64_t ns = 0;
        int flags = 0;
        snprintf(kp, sizeof kp, "%s.date", p);
        if (!cJSON_IsString(date) || sw_parse_timestamp(date->valuestring, strlen(date->valuestring), &ns,
                                                        &flags) != 0 || !(flags & SW_TS_DATE_ONLY)) {
            err(c, kp, "%s (a date like \"2024-06-10\")", date ? "is not a date" : "missing");
            ok = 0;
        }
        snprintf(kp, sizeof kp, "%s.ratio", p);
        if (!cJSON_IsNumber(ratio) || !(ratio->valuedouble > 0) || ratio->valuedouble == 1 ||
            ratio->valuedouble > 1000 || ratio->valuedouble < 0.001) {
            /* A wrong type is named as everywhere else ("is a string"): "10:1"
             * needs a different fix than 0. */
            char what[32];
            snprintf(what, sizeof what, "%s%s", ratio && !cJSON_IsNumber(ratio) ? "is " : "",
                     !ratio ? "missing" : cJSON_IsNumber(ratio) ? "is not a split ratio" : sw_json_type_name(ratio));
            err(c, kp, "%s (new shares per old share: 10 for a 10:1 split, 0.1 for a 1:10 reverse split)", what);
            ok = 0;
        }
        if (!ok)
            continue;
        /* The same split twice would be applied twice (a 10:1 split as
         * 100:1) to feeds that carry no split events of their own. */
        int64_t day = sw_ny_day(ns, NULL);
        for (size_t j = 0; j < cfg->n_splits; j++)
            if (cfg->splits[j].day == day && strcmp(cfg->splits[j].symbol, sym->valuestring) == 0) {
                snprintf(kp, sizeof kp, "%s", p);
                err(c, kp, "a second split of %s on %s (each split once)", sym->valuestring, date->valuestring);
                ok = 0;
                break;
            }
        if (!ok)
            continue;
        sw_split_config *sc = &cfg->splits[cfg->n_splits];
        sc->symbol = strdup(sym->valuestring);
        sc->day = day;
        sc->ratio = ratio->valuedouble;
        if (sc->symbol)
            cfg->n_splits++;
    }
}

static void load_sinks(ctx *c, sw_config *cfg, const cJSON *sinks)
{
    if (!sinks) {
        cfg->sinks = calloc(1, sizeof *cfg->sinks);
        if (cfg->sinks && (cfg->sinks[0] = strdup("stdout")))
            cfg->n_sinks = 1;
        return;
    }
    char choices[128];
    join_choices(sink_names, choices, sizeof choices);
    if (!cJSON_IsArray(sinks)) {
        err(c, "sinks", "is %s (an array of sink names: %s)", sw_json_type_name(sinks), choices);
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(sinks);
    cfg->sinks = calloc(n ? n : 1, sizeof *cfg->sinks);
    if (!cfg->sinks)
        return;
    size_t i = 0;
    for (const cJSON *s = sinks->child; s; s = s->next, i++) {
        char p[64];
        snprintf(p, sizeof p, "sinks[%zu]", i);
        int known = 0;
        for (size_t k = 0; cJSON_IsString(s) && sink_names[k]; k++)
            known |= strcmp(sink_names[k], s->valuestring) == 0;
        if (!known) {
            if (cJSON_IsString(s))
                err(c, p, "\"%s\" is not a known sink (one of %s)", s->valuestring, choices);
            else
                err(c, p, "is %s (a sink name: %s)", sw_json_type_name(s), choices);
            continue;
        }
        int dup = 0;
        for (size_t k = 0; k < cfg->n_sinks; k++)
            dup |= strcmp(cfg->sinks[k], s->valuestring) == 0;
        if (dup) {
            err(c, p, "\"%s\" is listed twice (each sink once)", s->valuestring);
            continue;
        }
        if ((cfg->sinks[cfg->n_sinks] = strdup(s->valuestring)))
            cfg->n_sinks++;
    }
}

/* ---- notify ------------------------------------------------------------ */

/* One channel of notify.channels: the rows every channel has plus its
 * type's, so a key of another type (a webhook's "secret_env" on a slack
 * channel) is an unknown key like any typo. */
static void load_channel(ctx *c, sw_notify_config *n, const char *name, const cJSON *obj)
{
    char p[256], kinds[160] = "";
    snprintf(p, sizeof p, "notify.channels.%s", name);
    if (!want_object(c, obj, p))
        return;
    for (int k = 0; k < SW_CHAN_KINDS; k++) {
        size_t used = strlen(kinds);
        snprintf(kinds + used, sizeof kinds - used, "%s\"%s\"", k ? ", " : "", sw_chan_kind_name(k));
    }
    /* "type" may be left out when the channel is named after its type. */
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "type");
    int kind = t ? (cJSON_IsString(t) ? sw_chan_kind_parse(t->valuestring) : -1) : sw_chan_kind_parse(name);
    if (kind < 0) {
        if (t) {
            char tp[300];
            snprintf(tp, sizeof tp, "%s.type", p);
            if (cJSON_IsString(t))
                err(c, tp, "\"%s\" is not a channel type (one of %s)", t->valuestring, kinds);
            else
                err(c, tp, "is %s (one of %s)", sw_json_type_name(t), kinds);
        } else {
            err(c, p, "missing type (one of %s; it may be left out when the channel is named after its type)",
                kinds);
        }
        return;
    }
    sw_notify_channel_config *ch = &n->channels[n->n_channels];
    if (sw_notify_channel_defaults(ch, name, kind) != 0)
        return;
    n->n_channels++;
    sw_option merged[40];
    size_t m = 0;
    for (const sw_option *o = channel_opts; o->key && m < 39; o++)
        merged[m++] = *o;
    for (const sw_option *o = channel_kind_opts[kind]; o->key && m < 39; o++)
        merged[m++] = *o;
    merged[m] = (sw_option)END_OPTS;
    static const char *const extra[] = { "type", NULL };
    apply_table(c, obj, merged, ch, p, extra);
}

/* sw_notify_config_check's findings, as "FILE: notify.PATH: what". */
static void notify_problem(void *cp, const char *path, const char *msg)
{
    char p[256];
    snprintf(p, sizeof p, "notify.%s", path);
    err(cp, p, "%s", msg);
}

static void load_notify(ctx *c, sw_config *cfg, const cJSON *v)
{
    if (!v || !want_object(c, v, "notify"))
        return;
    sw_notify_config *n = &cfg->notify;
    n->present = 1;
    static const char *const extra[] = { "channels", "routes", NULL };
    apply_table(c, v, notify_opts, n, "notify", extra);
    const cJSON *chs = cJSON_GetObjectItemCaseSensitive(v, "channels");
    if (chs && want_object(c, chs, "notify.channels")) {
        check_duplicates(c, chs, "notify.channels");
        size_t k = (size_t)cJSON_GetArraySize(chs);
        if (k > SW_NOTIFY_MAX_CHANNELS) {
            err(c, "notify.channels", "has %zu channels (at most %d)", k, SW_NOTIFY_MAX_CHANNELS);
        } else if ((n->channels = calloc(k ? k : 1, sizeof *n->channels))) {
            for (const cJSON *ch = chs->child; ch; ch = ch->next)
                load_channel(c, n, ch->string, ch);
        }
    }
    const cJSON *rts = cJSON_GetObjectItemCaseSensitive(v, "routes");
    if (rts && !cJSON_IsArray(rts)) {
        err(c, "notify.routes", "is %s (an array of route objects)", sw_json_type_name(rts));
    } else if (rts) {
        size_t k = (size_t)cJSON_GetArraySize(rts), i = 0;
        if (k > SW_NOTIFY_MAX_ROUTES) {
            err(c, "notify.routes", "has %zu routes (at most %d)", k, SW_NOTIFY_MAX_ROUTES);
        } else if ((n->routes = calloc(k ? k : 1, sizeof *n->routes))) {
            for (const cJSON *r = rts->child; r; r = r->next, i++) {
                char p[64];
                snprintf(p, sizeof p, "notify.routes[%zu]", i);
                if (want_object(c, r, p))
                    apply_table(c, r, route_opts, &n->routes[n->n_routes++], p, NULL);
            }
        }
    }
    sw_notify_config_check(n, notify_problem, c);
}

/* ---- top level -------------------------------------------------------- */

static const char *const top_keys[] = {
    "metrics", "shard",
    "feed", "groups", "detectors", "policy", "sinks", "stdout", "redis", "corporate_actions", "notify", NULL,
};

static void set_defaults(sw_config *cfg)
{
    cfg->feed.provider = strdup("finnhub");
    cfg->feed.backoff_base_ns = SW_NS_PER_SEC;
    cfg->feed.backoff_cap_ns = 60 * SW_NS_PER_SEC;
    cfg->feed.stable_after_ns = 60 * SW_NS_PER_SEC;
    cfg->feed.auth_backoff_ns = 5 * SW_NS_PER_MIN;
    cfg->feed.silence_timeout_ns = 30 * SW_NS_PER_SEC;
    cfg->feed.handshake_timeout_ns = 10 * SW_NS_PER_SEC;
    cfg->feed.max_frame = 1 << 20;
    sw_policy_defaults(&cfg->policy);
    cfg->stdout_sink.format = SW_STDOUT_JSON;
    sw_redis_sink_defaults(&cfg->redis);
    sw_notify_config_defaults(&cfg->notify);
    const char *sd = getenv("STATE_DIRECTORY"); /* systemd's StateDirectory= */
    cfg->state_dir = strdup(sd && *sd ? sd : "/var/lib/shockwatch");
    cfg->log_level = SW_LOG_INFO;
    cfg->shutdown_timeout_ns = 10 * SW_NS_PER_SEC;
    cfg->calendar = strdup(sw_calendar_default_path());
    cfg->shard_index = 0;
    cfg->shard_count = 1;
    cfg->metrics_max_connections = 256;
    cfg->metrics_dashboard = 1;
    cfg->metrics_max_viewers = 16;
}

/* Line and column (1-based) of byte offset `off` in text. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* sw_redis_sink_check's findings, as "FILE: redis.KEY: what". */
static void redis_problem(void *cp, const char *key, const char *msg)
{
    char p[64];
    snprintf(p, sizeof p, "redis.%s", key);
    err(cp, p, "%s", msg);
}

int sw_config_parse(sw_config *cfg, const char *text, size_t len, const char *name, sw_diag *diag)
{
    memset(cfg, 0, sizeof *cfg);
    ctx c = { name, diag, 0, cfg };
    cfg->path = strdup(name);
    set_defaults(cfg);

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        int line, col;
        line_col(text, off, &line, &col);
        char near[24] = "";
        size_t k = 0;
        for (; k < sizeof near - 1 && off + k < len && text[off + k] != '\n'; k++)
            near[k] = isprint((unsigned char)text[off + k]) ? text[off + k] : '?';
        near[k] = '\0';
        c.errors++;
        sw_diag_add(diag, "%s:%d:%d: invalid JSON near \"%s\" (a well-formed JSON object)", name, line, col,
                 near);
        sw_config_free(cfg);
        return -1;
    }
    if (!cJSON_IsObject(root)) {
        err(&c, "(top level)", "is %s (an object)", sw_json_type_name(root));
        goto done;
    }
    /* Unknown and duplicate top-level keys are reported by the apply_table
     * call at the end, which knows the sections as extra keys. */
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "feed")) && want_object(&c, v, "feed"))
        apply_table(&c, v, feed_opts, &cfg->feed, "feed", NULL);
    /* Both sources for one secret: the feed refuses it at start, so --check
     * must say so too. */
    if (cfg->feed.key_env && cfg->feed.key_file)
        err(&c, "feed.key_file", "feed.key_env is set too (one source for the key: key_env or key_file)");
    if (cfg->feed.secret_env && cfg->feed.secret_file)
        err(&c, "feed.secret_file", "feed.secret_env is set too (one source for the secret: secret_env or secret_file)");
    if (cfg->feed.backoff_cap_ns < cfg->feed.backoff_base_ns)
        err(&c, "feed.backoff_cap", "is below feed.backoff_base (at least the base delay)");
    load_groups(&c, cfg, cJSON_GetObjectItemCaseSensitive(root, "groups"));
    load_detectors(&c, cfg, cJSON_GetObjectItemCaseSensitive(root, "detectors"));
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "policy")) && want_object(&c, v, "policy"))
        apply_table(&c, v, policy_opts, &cfg->policy, "policy", NULL);
    load_sinks(&c, cfg, cJSON_GetObjectItemCaseSensitive(root, "sinks"));
    load_actions(&c, cfg, cJSON_GetObjectItemCaseSensitive(root, "corporate_actions"));
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "stdout")) && want_object(&c, v, "stdout"))
        apply_table(&c, v, stdout_opts, &cfg->stdout_sink, "stdout", NULL);
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "redis")) && want_object(&c, v, "redis"))
        apply_table(&c, v, redis_opts, &cfg->redis, "redis", NULL);
    sw_redis_sink_check(&cfg->redis, redis_problem, &c);
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "metrics")) && want_object(&c, v, "metrics"))
        apply_table(&c, v, metrics_opts, cfg, "metrics", NULL);
    sw_listen ml;
    char lerr[256];
    if (cfg->metrics_listen && sw_listen_parse(cfg->metrics_listen, &ml, lerr, sizeof lerr) != 0)
        err(&c, "metrics.listen", "%s", lerr);
    load_notify(&c, cfg, cJSON_GetObjectItemCaseSensitive(root, "notify"));
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "shard")) && want_object(&c, v, "shard")) {
        int before = c.errors;
        apply_table(&c, v, shard_opts, cfg, "shard", NULL);
        if (c.errors == before && cfg->shard_index >= cfg->shard_count)
            err(&c, "shard.index", "%d is out of range for shard.count %d (0 to %d)", cfg->shard_index,
                cfg->shard_count, cfg->shard_count - 1);
    }
    if (cfg->notify.metrics_listen && sw_listen_parse(cfg->notify.metrics_listen, &ml, lerr, sizeof lerr) != 0)
        err(&c, "notify.metrics_listen", "%s", lerr);
    apply_table(&c, root, top_opts, cfg, "", top_keys);

done:
    cJSON_Delete(root);
    if (c.errors) {
        sw_config_free(cfg);
        return -1;
    }
    return 0;
}

int sw_config_load(sw_config *cfg, const char *path, sw_diag *diag)
{
    memset(cfg, 0, sizeof *cfg);
    FILE *f = fopen(path, "rb");
    if (!f) {
        sw_diag_add(diag, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(SW_CONFIG_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        sw_diag_add(diag, "%s: out of memory", path);
        return -1;
    }
    size_t n = fread(buf, 1, SW_CONFIG_MAX_BYTES + 1, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        sw_diag_add(diag, "%s: read error", path);
        return -1;
    }
    if (n > SW_CONFIG_MAX_BYTES) {
        free(buf);
        sw_diag_add(diag, "%s: file is larger than %u bytes (a config file of reasonable size)", path,
                 SW_CONFIG_MAX_BYTES);
        return -1;
    }
    buf[n] = '\0';
    int rc = sw_config_parse(cfg, buf, n, path, diag);
    free(buf);
    /* The calendar is part of the configuration: --check validates it too, and
     * a wrong holiday is as bad as a wrong level. */
    if (rc == 0 && sw_calendar_file_load(&cfg->cal, cfg->calendar, diag) != 0) {
        sw_config_free(cfg);
        return -1;
    }
    return rc;
}

static void free_group(sw_group_config *g)
{
    for (size_t m = 0; !g->names && m < g->n_members; m++)
        free(g->members[m]);
    free(g->names);
    free(g->members);
    free(g->name);
}

void sw_config_free(sw_config *cfg)
{
    free(cfg->path);
    free(cfg->feed.provider);
    free(cfg->feed.url);
    free(cfg->feed.key_env);
    free(cfg->feed.key_file);
    free(cfg->feed.secret_env);
    free(cfg->feed.secret_file);
    free(cfg->feed.ca_file);
    for (size_t g = 0; g < cfg->n_groups; g++)
        free_group(&cfg->groups[g]);
    free(cfg->groups);
    for (size_t i = 0; i < cfg->n_detectors; i++)
        free(cfg->detectors[i].params);
    free(cfg->detectors);
    for (size_t i = 0; i < cfg->n_sinks; i++)
        free(cfg->sinks[i]);
    free(cfg->sinks);
    for (size_t i = 0; i < cfg->n_splits; i++)
        free(cfg->splits[i].symbol);
    free(cfg->splits);
    sw_redis_sink_params_free(&cfg->redis);
    sw_notify_config_free(&cfg->notify);
    free(cfg->state_dir);
    free(cfg->calendar);
    free(cfg->metrics_listen);
    memset(cfg, 0, sizeof *cfg);
}

int sw_config_engine_specs(const sw_config *cfg, sw_group_spec **groups, sw_detector_spec **dets)
{
    *groups = calloc(cfg->n_groups ? cfg->n_groups : 1, sizeof **groups);
    *dets = calloc(cfg->n_detectors ? cfg->n_detectors : 1, sizeof **dets);
    if (!*groups || !*dets) {
        free(*groups);
        free(*dets);
        return -1;
    }
    for (size_t g = 0; g < cfg->n_groups; g++) {
        (*groups)[g].name = cfg->groups[g].name;
        (*groups)[g].members = (const char *const *)cfg->groups[g].members;
        (*groups)[g].n_members = cfg->groups[g].n_members;
    }
    for (size_t i = 0; i < cfg->n_detectors; i++) {
        (*dets)[i].type = cfg->detectors[i].type;
        (*dets)[i].params = cfg->detectors[i].params;
    }
    return 0;
}

int sw_config_add_group(sw_config *cfg, const char *spec, sw_diag *diag)
{
    const char *eq = strchr(spec, '=');
    char name[SW_GROUP_NAME_MAX + 1];
    size_t nlen = eq ? (size_t)(eq - spec) : 0;
    if (!eq || nlen == 0 || nlen >= sizeof name) {
        sw_diag_add(diag, "--group %s: expected NAME=SYMBOL,SYMBOL,...", spec);
        return -1;
    }
    memcpy(name, spec, nlen);
    name[nlen] = '\0';
    if (!sw_group_name_valid(name)) {
        sw_diag_add(diag, "--group %s: group name must be 1 to %d letters, digits, '_' or '-'", spec,
                 SW_GROUP_NAME_MAX - 1);
        return -1;
    }
    for (size_t g = 0; g < cfg->n_groups; g++)
        if (strcmp(cfg->groups[g].name, name) == 0) {
            sw_diag_add(diag, "--group %s: group \"%s\" already exists in %s", spec, name, cfg->path);
            return -1;
        }
    size_t n = 1;
    for (const char *p = eq + 1; *p; p++)
        n += *p == ',';
    sw_group_config gc = { strdup(name), calloc(n, sizeof(char *)), 0, NULL };
    sw_group_config *ng = realloc(cfg->groups, (cfg->n_groups + 1) * sizeof *ng);
    if (!gc.name || !gc.members || !ng) {
        free(gc.name);
        free(gc.members);
        if (ng)
            cfg->groups = ng;
        sw_diag_add(diag, "--group %s: out of memory", spec);
        return -1;
    }
    cfg->groups = ng;
    const char *p = eq + 1;
    int bad = 0;
    while (!bad) {
        size_t len = strcspn(p, ",");
        char sym[SW_SYMBOL_MAX + 1];
        if (len == 0 || len >= sizeof sym) {
            bad = 1;
            sw_diag_add(diag, "--group %s: empty or overlong symbol (1 to %d characters)", spec, SW_SYMBOL_MAX - 1);
            break;
        }
        memcpy(sym, p, len);
        sym[len] = '\0';
        if (!sw_symbol_valid(sym)) {
            bad = 1;
            sw_diag_add(diag, "--group %s: \"%s\" is not a valid symbol (A-Z 0-9 . - _ / : ^ =, upper case)", spec, sym);
            break;
        }
        int dup = 0;
        for (size_t k = 0; k < gc.n_members; k++)
            dup |= strcmp(gc.members[k], sym) == 0;
        if (!dup)
            gc.members[gc.n_members++] = strdup(sym);
        if (!p[len])
            break;
        p += len + 1;
    }
    if (bad) {
        for (size_t k = 0; k < gc.n_members; k++)
            free(gc.members[k]);
        free(gc.members);
        free(gc.name);
        return -1;
    }
    cfg->groups[cfg->n_groups++] = gc;
    return 0;
}

int sw_config_shard_of(const char *name, int count)
{
    return count > 1 ? (int)(sw_hash_str(name) % (uint64_t)count) : 0;
}

static size_t uf_find(size_t *parent, size_t g)
{
    while (parent[g] != g)
        g = parent[g] = parent[parent[g]];
    return g;
}

int sw_config_shard_map(const sw_config *cfg, int count, int *out)
{
    size_t n = cfg->n_groups;
    size_t *parent = malloc((n ? n : 1) * sizeof *parent);
    if (!parent)
        return -1;
    for (size_t g = 0; g < n; g++)
        parent[g] = g;
    /* Groups that share a symbol are one unit, named by its first group:
     * the root is always the smallest index (config order). */
    for (size_t g = 0; g < n; g++)
        for (size_t m = 0; m < cfg->groups[g].n_members; m++)
            for (size_t h = 0; h < g; h++) {
                int shared = 0;
                for (size_t k = 0; k < cfg->groups[h].n_members && !shared; k++)
                    shared = strcmp(cfg->groups[h].members[k], cfg->groups[g].members[m]) == 0;
                if (!shared)
                    continue;
                size_t a = uf_find(parent, g), b = uf_find(parent, h);
                if (a != b) {
                    if (a < b)
                        parent[b] = a;
                    else
                        parent[a] = b;
                }
            }
    for (size_t g = 0; g < n; g++)
        out[g] = sw_config_shard_of(cfg->groups[uf_find(parent, g)].name, count);
    free(parent);
    return 0;
}

int sw_config_shard(sw_config *cfg, int index, int count, sw_diag *diag)
{
    if (count < 1 || index < 0 || index >= count) {
        sw_diag_add(diag, "%s: shard %d/%d: the index must be 0 to %d", cfg->path, index, count, count - 1);
        return -1;
    }
    cfg->shard_index = index;
    cfg->shard_count = count;
    if (count == 1)
        return 0;
    int *map = malloc((cfg->n_groups ? cfg->n_groups : 1) * sizeof *map);
    if (!map || sw_config_shard_map(cfg, count, map) != 0) {
        free(map);
        sw_diag_add(diag, "%s: out of memory", cfg->path);
        return -1;
    }
    size_t kept = 0;
    for (size_t g = 0; g < cfg->n_groups; g++)
        kept += map[g] == index;
    if (kept == 0) {
        char where[512] = "";
        for (size_t g = 0; g < cfg->n_groups; g++) {
            size_t used = strlen(where);
            snprintf(where + used, sizeof where - used, "%s%s -> %d", g ? ", " : "", cfg->groups[g].name, map[g]);
        }
        sw_diag_add(diag, "%s: shard %d/%d gets no group (%s): use fewer shards or more groups", cfg->path, index,
                    count, where);
        free(map);
        return -1;
    }
    size_t k = 0;
    for (size_t g = 0; g < cfg->n_groups; g++) {
        if (map[g] == index)
            cfg->groups[k++] = cfg->groups[g];
        else
            free_group(&cfg->groups[g]);
    }
    cfg->n_groups = k;
    free(map);
    /* Splits of symbols now on other shards: theirs to apply. */
    size_t s = 0;
    for (size_t i = 0; i < cfg->n_splits; i++) {
        if (in_watchlist(cfg, cfg->splits[i].symbol))
            cfg->splits[s++] = cfg->splits[i];
        else
            free(cfg->splits[i].symbol);
    }
    cfg->n_splits = s;
    return 0;
}

size_t sw_config_symbol_count(const sw_config *cfg)
{
    size_t n = 0;
    for (size_t g = 0; g < cfg->n_groups; g++)
        for (size_t m = 0; m < cfg->groups[g].n_members; m++) {
            int seen = 0;
            for (size_t h = 0; h < g && !seen; h++)
                for (size_t k = 0; k < cfg->groups[h].n_members && !seen; k++)
                    seen = strcmp(cfg->groups[h].members[k], cfg->groups[g].members[m]) == 0;
            n += !seen;
        }
    return n;
}

/* ---- documentation ------------------------------------------------------ */

static void print_table(FILE *out, const char *prefix, const sw_option *opts)
{
    static const char *const tnames[] = { "string", "enum", "number", "integer", "boolean", "duration",
                                          "array of symbols", "array of group names", "array of strings",
                                          "symbol of the watchlist", "array of 3 numbers",
                                          "object of price levels by symbol" };
    for (const sw_option *o = opts; o->key; o++) {
        fprintf(out, "  %s%s  (%s", prefix, o->key, tnames[o->type]);
        if (o->type == OPT_STRING || o->type == OPT_STRINGS)
            fprintf(out, ", at most %.0f bytes%s", o->max, o->type == OPT_STRINGS ? " each" : "");
        if (o->type == OPT_NUMBER || o->type == OPT_INT || o->type == OPT_NUMBERS3)
            fprintf(out, ", %g..%g", o->min, o->max);
        if (o->type == OPT_DURATION) {
            char lo[24], hi[24];
            fprintf(out, ", %s..%s", sw_format_duration((int64_t)(o->min * 1e9), lo, sizeof lo),
                    sw_format_duration((int64_t)(o->max * 1e9), hi, sizeof hi));
        }
        if (o->choices) {
            char ch[256];
            join_choices(o->choices, ch, sizeof ch);
            fprintf(out, ": %s", ch);
        }
        fprintf(out, "; default %s)\n      %s\n", o->def, o->doc);
    }
}

void sw_config_print_doc(FILE *out)
{
    fprintf(out, "shockwatch configuration (JSON). Unknown keys are errors.\n\n");
    fprintf(out, "groups  (object, required): group name -> array of symbols; the watchlist is their union.\n");
    fprintf(out, "sinks   (array; default [\"stdout\"]): where alerts go: \"stdout\", \"redis\".\n");
    fprintf(out, "detectors (array; default [{\"type\": \"pct_move\"}]): each an object with \"type\".\n\n");
    print_table(out, "", top_opts);
    fprintf(out, "\nfeed:\n");
    print_table(out, "feed.", feed_opts);
    fprintf(out, "\npolicy:\n");
    print_table(out, "policy.", policy_opts);
    fprintf(out, "\nstdout:\n");
    print_table(out, "stdout.", stdout_opts);
    fprintf(out, "\nredis:\n");
    print_table(out, "redis.", redis_opts);
    fprintf(out, "\nmetrics:\n");
    print_table(out, "metrics.", metrics_opts);
    fprintf(out, "\nshard (shockd only; one shock-notify serves every shard):\n");
    print_table(out, "shard.", shard_opts);
    fprintf(out, "\nnotify (shock-notify; the Redis server and stream are redis.*):\n");
    print_table(out, "notify.", notify_opts);
    fprintf(out, "\nnotify.channels.NAME (an object of channels by name; \"type\": slack, email, webhook, "
                 "discord, telegram, console -- may be left out when NAME is the type):\n");
    print_table(out, "", channel_opts);
    for (int k = 0; k < SW_CHAN_KINDS; k++) {
        fprintf(out, "  type \"%s\":\n", sw_chan_kind_name(k));
        print_table(out, "  ", channel_kind_opts[k]);
    }
    fprintf(out, "\nnotify.routes[] (an array; each alert goes to the union of the channels of the routes "
                 "it matches):\n");
    print_table(out, "", route_opts);
    for (size_t i = 0; i < sizeof detector_tables / sizeof detector_tables[0]; i++) {
        fprintf(out, "\ndetector \"%s\": %s\n", detector_tables[i].type, detector_tables[i].doc);
        print_table(out, "", detector_tables[i].opts);
    }
}
