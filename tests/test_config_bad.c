/* Broken configurations, end to end: each row is a config file with one thing
 * wrong (a wrong type, a value out of range, an unknown key or detector, an
 * empty group, a duplicate symbol, a bad duration, corporate action, redis
 * URL or notify section ...), and the exact lines `shockd --check` must print
 * for it, verbatim, and nothing else: exit status 1, stdout empty.  The real
 * binary runs in a private folder with the file named c.json, so messages
 * read "c.json: json.path: what is wrong (what was expected)".  When a message
 * is reworded on purpose, run `shockd --check -c FILE` and update its row. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw_test_util.h"

#define SHOCKD SW_BINARY_DIR "/shockd"
#define MAX_LINES 4

typedef struct bad_config {
    const char *name;
    const char *json;
    const char *want[MAX_LINES]; /* every line of stderr, in order */
} bad_config;

static const bad_config cases[] = {
    { "not_json",
      "{\"groups\": ",
      { "c.json:1:11: invalid JSON near \" \" (a well-formed JSON object)" } },
    { "top_level_array",
      "[1,2]",
      { "c.json: (top level): is an array (an object)" } },
    { "unknown_top_key",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"grups\":{}}",
      { "c.json: grups: unknown key \"grups\"; did you mean \"groups\"? (one of: state_dir, log_level, shutdown_timeout, calendar, metrics, shard, feed, groups, detectors, policy, sinks, stdout, redis, corporate_actions, notify)" } },
    { "duplicate_top_key",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]}}",
      { "c.json: groups: duplicate key (each key once)" } },
    { "feed_not_object",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"feed\":\"finnhub\"}",
      { "c.json: feed: is a string (an object)" } },
    { "unknown_provider",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"feed\":{\"provider\":\"bloomberg\"}}",
      { "c.json: feed.provider: \"bloomberg\" is not a known value (one of \"finnhub\", \"alpaca\", \"polygon\", \"coinbase\", \"binance\")" } },
    { "provider_wrong_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"feed\":{\"provider\":7}}",
      { "c.json: feed.provider: is a number (a non-empty string)" } },
    { "feed_unknown_key",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"feed\":{\"provder\":\"finnhub\"}}",
      { "c.json: feed.provder: unknown key \"provder\"; did you mean \"provider\"? (one of: provider, url, key_env, key_file, secret_env, secret_file, ca_file, backoff_base, backoff_cap, stable_after, auth_backoff, silence_timeout, silence_hours, handshake_timeout, max_frame)" } },
    { "backoff_cap_below_base",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"feed\":{\"backoff_base\":\"10s\",\"backoff_cap\":\"1s\"}}",
      { "c.json: feed.backoff_cap: is below feed.backoff_base (at least the base delay)" } },
    { "bad_duration_unit",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"feed\":{\"backoff_base\":\"10 parsecs\"}}",
      { "c.json: feed.backoff_base: \"10 parsecs\" is not a duration (like \"500ms\", \"30s\", \"5m\", \"1h\", \"1d\")" } },
    { "negative_duration",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"feed\":{\"backoff_base\":\"-5s\"}}",
      { "c.json: feed.backoff_base: \"-5s\" is not a duration (like \"500ms\", \"30s\", \"5m\", \"1h\", \"1d\")" } },
    { "max_frame_out_of_range",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"feed\":{\"max_frame\":1}}",
      { "c.json: feed.max_frame: 1 is out of range (a whole number from 4096 to 6.71089e+07)" } },
    { "max_frame_wrong_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"feed\":{\"max_frame\":\"big\"}}",
      { "c.json: feed.max_frame: is a string (a whole number from 4096 to 6.71089e+07)" } },
    { "silence_hours_unknown",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"feed\":{\"silence_hours\":\"never\"}}",
      { "c.json: feed.silence_hours: \"never\" is not a known value (one of \"auto\", \"session\", \"always\")" } },
    { "groups_array",
      "{\"groups\":[\"NVDA\"]}",
      { "c.json: groups: is an array (an object)" } },
    { "groups_missing",
      "{}",
      { "c.json: groups: missing (an object mapping group names to arrays of symbols, e.g. {\"ai\": [\"NVDA\", \"AMD\"]}: the watchlist has no default)" } },
    { "groups_empty",
      "{\"groups\":{}}",
      { "c.json: groups: is empty (at least one group with at least one symbol)" } },
    { "group_empty",
      "{\"groups\":{\"ai\":[]}}",
      { "c.json: groups.ai: is empty (at least one symbol)" } },
    { "member_wrong_type",
      "{\"groups\":{\"ai\":[\"NVDA\",42]}}",
      { "c.json: groups.ai[1]: is a number (a symbol such as \"NVDA\")" } },
    { "member_empty",
      "{\"groups\":{\"ai\":[\"NVDA\",\"\"]}}",
      { "c.json: groups.ai[1]: \"\" is not a valid symbol (1 to 23 of A-Z 0-9 . - _ / : ^ =, upper case)" } },
    { "member_too_long",
      "{\"groups\":{\"ai\":[\"NVDA\",\"ABCDEFGHIJKLMNOPQRSTUVWXYZ\"]}}",
      { "c.json: groups.ai[1]: \"ABCDEFGHIJKLMNOPQRSTUVWXYZ\" is not a valid symbol (1 to 23 of A-Z 0-9 . - _ / : ^ =, upper case)" } },
    { "member_lower_case",
      "{\"groups\":{\"ai\":[\"nvda\"]}}",
      { "c.json: groups.ai[0]: \"nvda\" is not a valid symbol (1 to 23 of A-Z 0-9 . - _ / : ^ =, upper case)" } },
    { "duplicate_symbol",
      "{\"groups\":{\"ai\":[\"NVDA\",\"NVDA\"]}}",
      { "c.json: groups.ai[1]: \"NVDA\" is listed twice in group \"ai\" (each symbol once per group)" } },
    { "detectors_object",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":{\"type\":\"pct_move\"}}",
      { "c.json: detectors: is an object (an array of detector objects, each with a \"type\")" } },
    { "detector_without_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"warning_pct\":5}]}",
      { "c.json: detectors[0].type: missing (one of \"pct_move\", \"zscore\", \"vol_regime\", \"stale\", \"breadth\", \"level\", \"volume\", \"relative\", \"market\", \"halt\")" } },
    { "unknown_detector_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"moon_phase\"}]}",
      { "c.json: detectors[0].type: unknown detector type \"moon_phase\" (one of \"pct_move\", \"zscore\", \"vol_regime\", \"stale\", \"breadth\", \"level\", \"volume\", \"relative\", \"market\", \"halt\")" } },
    { "detector_type_wrong_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":3}]}",
      { "c.json: detectors[0].type: is a number (one of \"pct_move\", \"zscore\", \"vol_regime\", \"stale\", \"breadth\", \"level\", \"volume\", \"relative\", \"market\", \"halt\")" } },
    { "detector_unknown_key",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"pct_move\",\"warn_pct\":5}]}",
      { "c.json: detectors[0].warn_pct: unknown key \"warn_pct\" (one of: reference, window, warning_pct, critical_pct, step_pct, hysteresis, confirm_ticks, confirm, type)" } },
    { "pct_wrong_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"pct_move\",\"warning_pct\":\"5\"}]}",
      { "c.json: detectors[0].warning_pct: is a string (a number from 0.01 to 100)" } },
    { "pct_out_of_range",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"pct_move\",\"warning_pct\":-1}]}",
      { "c.json: detectors[0].warning_pct: -1 is out of range (a number from 0.01 to 100)" } },
    { "critical_below_warning",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"pct_move\",\"warning_pct\":10,\"critical_pct\":5}]}",
      { "c.json: detectors[0]: critical_pct (5) must be greater than warning_pct (10)" } },
    { "unknown_reference",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"pct_move\",\"reference\":\"yesterday\"}]}",
      { "c.json: detectors[0].reference: \"yesterday\" is not a known value (one of \"prev_close\", \"open\", \"window\")" } },
    { "window_bad_duration",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"pct_move\",\"reference\":\"window\",\"window\":\"5 minutes\"}]}",
      { "c.json: detectors[0].window: \"5 minutes\" is not a duration (like \"500ms\", \"30s\", \"5m\", \"1h\", \"1d\")" } },
    { "zscore_bad_bar",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"zscore\",\"bar\":\"7q\"}]}",
      { "c.json: detectors[0].bar: \"7q\" is not a duration (like \"500ms\", \"30s\", \"5m\", \"1h\", \"1d\")" } },
    { "breadth_unknown_group",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"breadth\",\"groups\":[\"semis\"]}]}",
      { "c.json: detectors[0].groups[0]: \"semis\" is not a group (one of \"ai\")" } },
    { "breadth_fraction_out_of_range",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"breadth\",\"groups\":[\"ai\"],\"min_fraction\":1.5}]}",
      { "c.json: detectors[0].min_fraction: 1.5 is out of range (a number from 0.01 to 1)" } },
    { "stale_bad_after",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"stale\",\"after\":\"soon\"}]}",
      { "c.json: detectors[0].after: \"soon\" is not a duration (like \"500ms\", \"30s\", \"5m\", \"1h\", \"1d\")" } },
    { "halt_band_pct_zero",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"halt\",\"band_pct\":0}]}",
      { "c.json: detectors[0].band_pct: 0 is out of range (a number from 0.01 to 50)" } },
    { "halt_infer_string",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"halt\",\"infer\":\"yes\"}]}",
      { "c.json: detectors[0].infer: is a string (true or false)" } },
    { "halt_after_zero",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"halt\",\"after\":\"0s\"}]}",
      { "c.json: detectors[0].after: 0s is out of range (a duration from 1s to 1h)" } },
    { "halt_always_open_not_watched",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"halt\",\"always_open\":[\"BTC-USD\"]}]}",
      { "c.json: detectors[0].always_open[0]: \"BTC-USD\" is not in any group (a symbol of the watchlist)" } },
    { "vol_regime_threshold_wrong_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"vol_regime\",\"threshold\":\"3\"}]}",
      { "c.json: detectors[0].threshold: is a string (a number from 1.01 to 100)" } },
    { "policy_bad_cooldown",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"policy\":{\"cooldown\":\"15 mins\"}}",
      { "c.json: policy.cooldown: \"15 mins\" is not a duration (like \"500ms\", \"30s\", \"5m\", \"1h\", \"1d\")" } },
    { "policy_unknown_key",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"policy\":{\"cooldwn\":\"15m\"}}",
      { "c.json: policy.cooldwn: unknown key \"cooldwn\"; did you mean \"cooldown\"? (one of: cooldown, resolved, min_severity)" } },
    { "sinks_string",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":\"stdout\"}",
      { "c.json: sinks: is a string (an array of sink names: \"stdout\", \"redis\")" } },
    { "unknown_sink",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":[\"pager\"]}",
      { "c.json: sinks[0]: \"pager\" is not a known sink (one of \"stdout\", \"redis\")" } },
    { "duplicate_sink",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":[\"stdout\",\"stdout\"]}",
      { "c.json: sinks[1]: \"stdout\" is listed twice (each sink once)" } },
    { "stdout_unknown_format",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"stdout\":{\"format\":\"xml\"}}",
      { "c.json: stdout.format: \"xml\" is not a known value (one of \"json\", \"text\")" } },
    { "log_level_unknown",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"log_level\":\"loud\"}",
      { "c.json: log_level: \"loud\" is not a known value (one of \"error\", \"warning\", \"info\", \"debug\")" } },
    { "log_level_wrong_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"log_level\":3}",
      { "c.json: log_level: is a number (one of \"error\", \"warning\", \"info\", \"debug\")" } },
    { "state_dir_wrong_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"state_dir\":5}",
      { "c.json: state_dir: is a number (a non-empty string)" } },
    { "state_dir_empty",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"state_dir\":\"\"}",
      { "c.json: state_dir: is empty (a non-empty string)" } },
    { "calendar_wrong_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"calendar\":true}",
      { "c.json: calendar: is a boolean (a non-empty string)" } },
    { "calendar_missing_file",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"calendar\":\"/nonexistent/cal.csv\"}",
      { "/nonexistent/cal.csv: cannot open: No such file or directory" } },
    { "shutdown_timeout_bad",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"shutdown_timeout\":\"forever\"}",
      { "c.json: shutdown_timeout: \"forever\" is not a duration (like \"500ms\", \"30s\", \"5m\", \"1h\", \"1d\")" } },
    { "actions_object",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"corporate_actions\":{\"symbol\":\"NVDA\"}}",
      { "c.json: corporate_actions: is an object (an array of {\"symbol\", \"date\", \"ratio\"} objects)" } },
    { "action_bad_date",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"corporate_actions\":[{\"symbol\":\"NVDA\",\"date\":\"2024-13-40\",\"ratio\":10}]}",
      { "c.json: corporate_actions[0].date: is not a date (a date like \"2024-06-10\")" } },
    { "action_zero_ratio",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"corporate_actions\":[{\"symbol\":\"NVDA\",\"date\":\"2024-06-10\",\"ratio\":0}]}",
      { "c.json: corporate_actions[0].ratio: is not a split ratio (new shares per old share: 10 for a 10:1 split, 0.1 for a 1:10 reverse split)" } },
    { "action_ratio_as_text",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"corporate_actions\":[{\"symbol\":\"NVDA\",\"date\":\"2024-06-10\",\"ratio\":\"10:1\"}]}",
      { "c.json: corporate_actions[0].ratio: is a string (new shares per old share: 10 for a 10:1 split, 0.1 for a 1:10 reverse split)" } },
    { "action_dividend",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"corporate_actions\":[{\"symbol\":\"NVDA\",\"date\":\"2024-06-10\",\"ratio\":10,\"type\":\"dividend\"}]}",
      { "c.json: corporate_actions[0].type: only \"split\" is supported (\"split\", or leave it out)" } },
    { "action_symbol_not_watched",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"corporate_actions\":[{\"symbol\":\"TSLA\",\"date\":\"2024-06-10\",\"ratio\":3}]}",
      { "c.json: corporate_actions[0].symbol: \"TSLA\" is not in any group (a symbol of the watchlist)" } },
    { "action_without_symbol",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"corporate_actions\":[{\"date\":\"2024-06-10\",\"ratio\":3}]}",
      { "c.json: corporate_actions[0].symbol: missing (a symbol of the watchlist)" } },
    { "action_listed_twice",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"corporate_actions\":[{\"symbol\":\"NVDA\",\"date\":\"2024-06-10\",\"ratio\":10},{\"symbol\":\"NVDA\",\"date\":\"2024-06-10\",\"ratio\":10}]}",
      { "c.json: corporate_actions[1]: a second split of NVDA on 2024-06-10 (each split once)" } },
    { "action_unknown_key",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"corporate_actions\":[{\"symbol\":\"NVDA\",\"date\":\"2024-06-10\",\"split\":\"10:1\"}]}",
      { "c.json: corporate_actions[0].split: unknown key \"split\" (one of: symbol, date, ratio, type)",
        "c.json: corporate_actions[0].ratio: missing (new shares per old share: 10 for a 10:1 split, 0.1 for a 1:10 reverse split)" } },
    { "redis_unknown_scheme",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":[\"redis\"],\"redis\":{\"url\":\"http://localhost:6379\"}}",
      { "c.json: redis.url: unknown scheme \"http://\" (redis://[:password@]host:port[/db] or unix:///path/redis.sock[?db=N])" } },
    { "redis_port_out_of_range",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":[\"redis\"],\"redis\":{\"url\":\"redis://localhost:70000\"}}",
      { "c.json: redis.url: port 70000 out of range (1..65535)" } },
    { "redis_relative_socket",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":[\"redis\"],\"redis\":{\"url\":\"unix://redis.sock\"}}",
      { "c.json: redis.url: the socket path must be absolute (unix:///path/to/redis.sock)" } },
    { "redis_db_not_a_number",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":[\"redis\"],\"redis\":{\"url\":\"redis://localhost/abc\"}}",
      { "c.json: redis.url: db \"abc\" is not a number (0..1000000)" } },
    { "redis_empty_password",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":[\"redis\"],\"redis\":{\"url\":\"redis://:@localhost\"}}",
      { "c.json: redis.url: empty password in \":@\" (leave out \":@\" for none)" } },
    { "redis_url_wrong_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":[\"redis\"],\"redis\":{\"url\":6379}}",
      { "c.json: redis.url: is a number (a non-empty string)" } },
    { "redis_unknown_key",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":[\"redis\"],\"redis\":{\"uri\":\"redis://localhost\"}}",
      { "c.json: redis.uri: unknown key \"uri\"; did you mean \"url\"? (one of: url, password_env, password_file, stream, maxlen, channel, fsync, queue_max, spool_max_bytes, connect_timeout, command_timeout, dedupe_ttl, replicas_ack, replicas_timeout, sentinels, master_name, sentinel_password_env, sentinel_password_file, sentinel_timeout)" } },
    { "redis_spool_too_small",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"redis\":{\"spool_max_bytes\":-1}}",
      { "c.json: redis.spool_max_bytes: -1 is out of range (a whole number from 65536 to 2.14748e+09)" } },
    /* High availability and shards (issue 18). */
    { "shard_index_out_of_range",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"shard\":{\"index\":3,\"count\":3}}",
      { "c.json: shard.index: 3 is out of range for shard.count 3 (0 to 2)" } },
    { "shard_count_zero",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"shard\":{\"count\":0}}",
      { "c.json: shard.count: 0 is out of range (a whole number from 1 to 1024)" } },
    { "shard_unknown_key",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"shard\":{\"idx\":1,\"count\":2}}",
      { "c.json: shard.idx: unknown key \"idx\"; did you mean \"index\"? (one of: index, count)" } },
    { "shard_without_a_group",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"shard\":{\"index\":0,\"count\":2}}",
      { "c.json: shard 0/2 gets no group (ai -> 1): use fewer shards or more groups" } },
    { "sentinels_without_master_name",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"sinks\":[\"redis\"],\"redis\":{\"sentinels\":[\"127.0.0.1:26379\"]}}",
      { "c.json: redis.master_name: missing: redis.sentinels needs the name of the master they monitor (the NAME of \"sentinel monitor NAME host port quorum\")" } },
    { "master_name_without_sentinels",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"redis\":{\"master_name\":\"mymaster\"}}",
      { "c.json: redis.master_name: is set but redis.sentinels is empty (the sentinels to ask where it is)" } },
    { "sentinel_address_bad_port",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"redis\":{\"sentinels\":[\"10.0.0.1:99999\"],\"master_name\":\"m\"}}",
      { "c.json: redis.sentinels[0]: port 99999 out of range (1..65535) (a sentinel as \"host:port\", e.g. \"10.0.0.1:26379\")" } },
    { "sentinel_address_is_a_url",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"redis\":{\"sentinels\":[\"redis://10.0.0.1:26379\"],\"master_name\":\"m\"}}",
      { "c.json: redis.sentinels[0]: unexpected \"/\" (host:port, no scheme, password or path) (a sentinel as \"host:port\", e.g. \"10.0.0.1:26379\")" } },
    { "sentinel_password_twice",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"redis\":{\"sentinels\":[\"h:1\"],\"master_name\":\"m\",\"sentinel_password_env\":\"P\",\"sentinel_password_file\":\"p\"}}",
      { "c.json: redis.sentinel_password_file: the sentinel password comes from sentinel_password_env already (use one of them)" } },
    { "sentinel_password_without_sentinels",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"redis\":{\"sentinel_password_file\":\"p\"}}",
      { "c.json: redis.sentinel_password_file: is set but redis.sentinels is empty (a password for no sentinel)" } },
    { "sentinels_with_a_unix_socket",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"redis\":{\"url\":\"unix:///run/redis.sock\",\"sentinels\":[\"h:1\"],\"master_name\":\"m\"}}",
      { "c.json: redis.url: is a Unix socket, but with redis.sentinels the master's host and port come from the sentinels (redis.url then gives only the db, and the password if it holds one)" } },
    { "replicas_timeout_not_below_command_timeout",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"redis\":{\"replicas_ack\":1,\"replicas_timeout\":\"5s\"}}",
      { "c.json: redis.replicas_timeout: must be below redis.command_timeout (WAIT holds the connection that long, and the command timeout would drop it)" } },
    { "replicas_ack_out_of_range",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"redis\":{\"replicas_ack\":17}}",
      { "c.json: redis.replicas_ack: 17 is out of range (a whole number from 0 to 16)" } },
    { "dedupe_ttl_too_short",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"redis\":{\"dedupe_ttl\":\"10s\"}}",
      { "c.json: redis.dedupe_ttl: 10s is out of range (a duration from 1m to 30d)" } },
    { "metrics_listen_not_address",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"metrics\":{\"listen\":\"everywhere\"}}",
      { "c.json: metrics.listen: \"everywhere\" is not an address and port (\"off\", or ADDRESS:PORT such as 127.0.0.1:9464, [::1]:9464 or 0.0.0.0:9464)" } },
    { "metrics_port_out_of_range",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"metrics\":{\"listen\":\"127.0.0.1:99999\"}}",
      { "c.json: metrics.listen: \"127.0.0.1:99999\": the port must be a number from 0 to 65535 (\"off\", or ADDRESS:PORT such as 127.0.0.1:9464, [::1]:9464 or 0.0.0.0:9464)" } },
    { "notify_not_object",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"notify\":[]}",
      { "c.json: notify: is an array (an object)" } },
    { "notify_unknown_key",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"notify\":{\"chanels\":{}}}",
      { "c.json: notify.chanels: unknown key \"chanels\"; did you mean \"channels\"? (one of: group, consumer, dead_stream, sent_prefix, block, count, claim_after, dedupe_horizon, digest_window, max_inflight, start, chart_url, dashboard_url, metrics_listen, channels, routes)" } },
    { "notify_unknown_channel_type",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"notify\":{\"channels\":{\"pager\":{\"type\":\"pager\"}}}}",
      { "c.json: notify.channels.pager.type: \"pager\" is not a channel type (one of \"slack\", \"email\", \"webhook\", \"discord\", \"telegram\", \"console\")" } },
    { "notify_route_to_missing_channel",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"notify\":{\"channels\":{\"c\":{\"type\":\"console\"}},\"routes\":[{\"channels\":[\"slack\"]}]}}",
      { "c.json: notify.routes[0].channels[0]: \"slack\" is not a channel (one of notify.channels: \"c\")" } },
    { "notify_bad_quiet_hours",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"notify\":{\"channels\":{\"c\":{\"type\":\"console\",\"quiet_hours\":\"25:00-07:00\"}}}}",
      { "c.json: notify.channels.c.quiet_hours: \"25:00-07:00\" is not a time range (like \"22:00-07:00\", New York time)" } },
    { "notify_webhook_without_url",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"notify\":{\"channels\":{\"w\":{\"type\":\"webhook\"}}}}",
      { "c.json: notify.channels.w: missing url_env or url_file (where the url comes from)" } },
    { "notify_email_incomplete",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"notify\":{\"channels\":{\"e\":{\"type\":\"email\"}}}}",
      { "c.json: notify.channels.e: missing url (smtps://host:465 or smtp://host:587 with STARTTLS)",
        "c.json: notify.channels.e: missing from (the sender address)",
        "c.json: notify.channels.e: missing to (an array of recipient addresses)" } },
    { "relative_benchmark_not_watched",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"relative\",\"benchmark\":\"SPY\"}]}",
      { "c.json: detectors[0].benchmark: \"SPY\" is not in any group (it must be watched: add it to a group)" } },
    { "relative_default_benchmark_not_watched",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"relative\"}]}",
      { "c.json: detectors[0].benchmark: missing, and the default \"SPY\" is not in any group (name a watched symbol, or watch SPY)" } },
    { "relative_critical_below_warning",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"relative\",\"benchmark\":\"NVDA\",\"critical_pct\":4}]}",
      { "c.json: detectors[0]: critical_pct (4) must be greater than warning_pct (5)" } },
    { "market_levels_not_increasing",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"market\",\"index\":\"AMD\",\"levels\":[13,7,20]}]}",
      { "c.json: detectors[0]: levels must be three increasing declines in percent, each above 0 and below 100" } },
    { "market_two_levels",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"market\",\"index\":\"AMD\",\"levels\":[7,13]}]}",
      { "c.json: detectors[0].levels: is not 3 numbers (an array of 3 numbers from 0.01 to 99.99)" } },
    { "market_level_out_of_range",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"market\",\"index\":\"AMD\",\"levels\":[7,13,120]}]}",
      { "c.json: detectors[0].levels[2]: is out of range (a number from 0.01 to 99.99)" } },
    { "level_without_levels",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"level\"}]}",
      { "c.json: detectors[0].levels: missing (an object of price levels by symbol: {\"NVDA\": {\"below\": [120]}})" } },
    { "level_symbol_not_watched",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"level\",\"levels\":{\"TSLA\":{\"below\":[100]}}}]}",
      { "c.json: detectors[0].levels.TSLA: \"TSLA\" is not in any group (a symbol of the watchlist)" } },
    { "level_unknown_side",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"level\",\"levels\":{\"NVDA\":{\"under\":[100]}}}]}",
      { "c.json: detectors[0].levels.NVDA.under: unknown key \"under\" (one of: below, above)" } },
    { "level_negative_price",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"level\",\"levels\":{\"NVDA\":{\"below\":[-5]}}}]}",
      { "c.json: detectors[0].levels.NVDA.below[0]: is not a positive price (a price above 0, or {\"price\": N, \"severity\": \"warning\" or \"critical\"})" } },
    { "level_unknown_severity",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"level\",\"levels\":{\"NVDA\":{\"below\":[{\"price\":100,\"severity\":\"fatal\"}]}}}]}",
      { "c.json: detectors[0].levels.NVDA.below[0].severity: is not a level's severity (\"warning\" or \"critical\")" } },
    { "level_misspelled_price",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"level\",\"levels\":{\"NVDA\":{\"below\":[{\"prize\":100}]}}}]}",
      { "c.json: detectors[0].levels.NVDA.below[0].prize: unknown key \"prize\"; did you mean \"price\"? (one of: price, severity)", "c.json: detectors[0].levels.NVDA.below[0]: has no \"price\" ({\"price\": 110, \"severity\": \"critical\"})" } },
    { "volume_bar_not_daily",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"volume\",\"bar\":\"1h\"}]}",
      { "c.json: detectors[0].bar: 1h is out of range (a duration from 1d to 1d)" } },
    { "volume_critical_below_warning",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"volume\",\"warning_x\":5,\"critical_x\":3}]}",
      { "c.json: detectors[0]: critical_x (3) must be greater than warning_x (5)" } },
    { "volume_window_too_short",
      "{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]},\"detectors\":[{\"type\":\"volume\",\"window\":\"10s\"}]}",
      { "c.json: detectors[0].window: 10s is out of range (a duration from 1m to 390m)" } },
};

static char tmpdir[64];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(tmpdir, sizeof tmpdir, "badcfg"), 0);
}

static void teardown(void)
{
    cr_expect_eq(sw_test_rmdir(tmpdir), 0);
}

TestSuite(config_bad, .init = setup, .fini = teardown, .timeout = 120);

/* Run `shockd --check -c c.json` in tmpdir; returns the exit status, with
 * stdout and stderr in *out and *err (malloc'd). */
static int check(const char *json, char **out, char **err)
{
    char path[128];
    snprintf(path, sizeof path, "%s/c.json", tmpdir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(json, f);
    fclose(f);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (chdir(tmpdir) != 0)
            _exit(126);
        int o = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open("err", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        /* Messages in the terminal format, whatever runs the tests. */
        unsetenv("JOURNAL_STREAM");
        execl(SHOCKD, SHOCKD, "--check", "-c", "c.json", (char *)NULL);
        _exit(127);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    char p[128];
    snprintf(p, sizeof p, "%s/out", tmpdir);
    cr_assert_eq(access(p, R_OK), 0, "%s", p);
    *out = sw_test_slurp(p);
    snprintf(p, sizeof p, "%s/err", tmpdir);
    cr_assert_eq(access(p, R_OK), 0, "%s", p);
    *err = sw_test_slurp(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* At least forty cases, and they are forty different faults as shockd sees
 * them: each refused (exit 1) with a report no other row got (a generic
 * "invalid configuration" for several faults, or a row copied, fails here;
 * the table's length alone proves nothing). */
Test(config_bad, at_least_forty_cases)
{
    size_t n = sizeof cases / sizeof cases[0], distinct = 0;
    char **errs = calloc(n, sizeof *errs);
    cr_assert_not_null(errs);
    for (size_t i = 0; i < n; i++) {
        char *out;
        int rc = check(cases[i].json, &out, &errs[i]);
        cr_expect_eq(rc, 1, "%s: exit %d", cases[i].name, rc);
        free(out);
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(errs[k], errs[i]) == 0;
        cr_expect(!seen, "%s: reported exactly as an earlier row:\n%s", cases[i].name, errs[i]);
        distinct += !seen;
    }
    cr_expect_geq(distinct, 40, "%zu distinct reports", distinct);
    for (size_t i = 0; i < n; i++)
        free(errs[i]);
    free(errs);
}

Test(config_bad, each_is_refused_with_its_exact_messages)
{
    size_t failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_config *c = &cases[i];
        char want[4096] = "";
        for (int k = 0; k < MAX_LINES && c->want[k]; k++) {
            strncat(want, c->want[k], sizeof want - strlen(want) - 2);
            strcat(want, "\n");
        }
        char *out, *err;
        int rc = check(c->json, &out, &err);
        int ok = rc == 1 && out[0] == '\0' && strcmp(err, want) == 0;
        cr_expect(ok, "%s: exit %d\nconfig: %s\nstdout: %s\nstderr:\n%swanted:\n%s", c->name, rc, c->json, out,
                  err, want);
        failed += !ok;
        free(out);
        free(err);
    }
    cr_assert_eq(failed, 0, "%zu of %zu broken configs not reported as expected", failed,
                 sizeof cases / sizeof cases[0]);
}

/* The same file with the fault removed is accepted: the rows test the one
 * thing that is wrong, not a config that was broken anyway. */
Test(config_bad, the_base_config_is_valid)
{
    char *out, *err;
    int rc = check("{\"groups\":{\"ai\":[\"NVDA\",\"AMD\"]}}", &out, &err);
    cr_expect_eq(rc, 0, "%s%s", out, err);
    cr_expect_str_eq(out, "c.json: OK: 2 symbols in 1 groups, 1 detectors, 1 sinks\n");
    free(out);
    free(err);
}
