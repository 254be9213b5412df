/* Tests of config/sw_config: every problem is reported with file, JSON path,
 * what is wrong and what was expected; defaults match their documentation. */
#include "sw_config.h"
#include "sw_pct_move.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static sw_diag diag;
static sw_config cfg;

static int parse(const char *json)
{
    sw_diag_free(&diag);
    return sw_config_parse(&cfg, json, strlen(json), "t.json", &diag);
}

static int has_line(const char *want)
{
    for (size_t i = 0; i < diag.n; i++)
        if (strcmp(diag.lines[i], want) == 0)
            return 1;
    return 0;
}

static void dump(void)
{
    for (size_t i = 0; i < diag.n; i++)
        cr_log_info("diag: %s", diag.lines[i]);
}

#define EXPECT_LINE(s)                                     \
    do {                                                   \
        if (!has_line(s))                                  \
            dump();                                        \
        cr_expect(has_line(s), "missing diagnostic: %s", s); \
    } while (0)

static void teardown(void)
{
    sw_config_free(&cfg);
    sw_diag_free(&diag);
}

TestSuite(config, .fini = teardown);

Test(config, minimal_config_gets_documented_defaults)
{
    cr_assert_eq(parse("{\"groups\": {\"ai\": [\"NVDA\", \"AMD\"]}}"), 0);
    cr_expect_str_eq(cfg.feed.provider, "finnhub");
    cr_expect_eq(cfg.n_groups, 1);
    cr_expect_eq(cfg.groups[0].n_members, 2);
    cr_expect_eq(cfg.n_detectors, 1);
    cr_expect_str_eq(cfg.detectors[0].type->name, "pct_move");
    const sw_pct_move_params *p = cfg.detectors[0].params;
    cr_expect_eq(p->warning_pct, 5.0);
    cr_expect_eq(p->critical_pct, 10.0);
    cr_expect_eq(p->reference, SW_REF_PREV_CLOSE);
    cr_expect_eq(cfg.policy.cooldown_ns, 15 * SW_NS_PER_MIN);
    cr_expect_eq(cfg.n_sinks, 1);
    cr_expect_str_eq(cfg.sinks[0], "stdout");
    cr_expect_str_eq(cfg.redis.url, "redis://127.0.0.1:6379");
    cr_expect_eq(cfg.log_level, 2);
}

Test(config, misspelled_detector_key_names_its_path)
{
    cr_assert_neq(parse("{\"groups\": {\"ai\": [\"NVDA\"]},\n"
                        " \"detectors\": [{\"type\": \"pct_move\", \"warnig_pct\": 4}]}"), 0);
    EXPECT_LINE("t.json: detectors[0].warnig_pct: unknown key \"warnig_pct\"; did you mean "
                "\"warning_pct\"? (one of: reference, window, warning_pct, critical_pct, step_pct, "
                "hysteresis, confirm_ticks, confirm, type)");
}

Test(config, unknown_top_level_key)
{
    cr_assert_neq(parse("{\"groups\": {\"ai\": [\"NVDA\"]}, \"sink\": [\"stdout\"]}"), 0);
    cr_expect_eq(diag.n, 1);
    cr_expect(strstr(diag.lines[0], "t.json: sink: unknown key \"sink\"; did you mean \"sinks\"?") ==
              diag.lines[0]);
}

Test(config, syntax_error_gives_line_and_column)
{
    cr_assert_neq(parse("{\n  \"groups\": {\"ai\": [\"NVDA\",]}\n}"), 0);
    cr_assert_eq(diag.n, 1);
    cr_expect(strncmp(diag.lines[0], "t.json:2:", 9) == 0, "got %s", diag.lines[0]);
    cr_expect(strstr(diag.lines[0], "invalid JSON") != NULL);
}

Test(config, watchlist_is_required)
{
    cr_assert_neq(parse("{}"), 0);
    cr_expect(diag.n == 1 && strncmp(diag.lines[0], "t.json: groups: missing", 23) == 0);
}

Test(config, every_problem_is_reported_at_once)
{
    cr_assert_neq(parse("{\"groups\": {\"ai\": [], \"x y\": [\"A\"], \"b\": [\"nvda\", 5, \"MU\", \"MU\"]},\n"
                        " \"detectors\": [{\"type\": \"pct_mov\"}, {\"warning_pct\": 1},\n"
                        "                 {\"type\": \"pct_move\", \"warning_pct\": \"5\", \"critical_pct\": -1,\n"
                        "                  \"reference\": \"close\", \"window\": \"5 min\", \"confirm_ticks\": 1.5}],\n"
                        " \"policy\": {\"cooldown\": \"fast\", \"resolved\": \"yes\"},\n"
                        " \"sinks\": [\"stdout\", \"kafka\", \"stdout\"], \"log_level\": \"loud\",\n"
                        " \"feed\": {\"provider\": \"bloomberg\", \"url\": 7}}"), 0);
    EXPECT_LINE("t.json: groups.ai: is empty (at least one symbol)");
    EXPECT_LINE("t.json: groups.x y: group name must be 1 to 31 letters, digits, '_' or '-'");
    EXPECT_LINE("t.json: groups.b[0]: \"nvda\" is not a valid symbol (1 to 23 of A-Z 0-9 . - _ / : ^ =, upper case)");
    EXPECT_LINE("t.json: groups.b[1]: is a number (a symbol such as \"NVDA\")");
    EXPECT_LINE("t.json: groups.b[3]: \"MU\" is listed twice in group \"b\" (each symbol once per group)");
    /* The list of known types grows with the registry; the start is fixed. */
    int found = 0;
    for (size_t i = 0; i < diag.n; i++)
        found |= strncmp(diag.lines[i], "t.json: detectors[0].type: unknown detector type \"pct_mov\"; "
                                        "did you mean \"pct_move\"? (one of \"pct_move\"", 95) == 0;
    cr_expect(found, "no unknown-type diagnostic for detectors[0]");
    cr_expect(diag.n >= 1);
    EXPECT_LINE("t.json: detectors[2].warning_pct: is a string (a number from 0.01 to 100)");
    EXPECT_LINE("t.json: detectors[2].critical_pct: -1 is out of range (a number from 0.01 to 1000)");
    EXPECT_LINE("t.json: detectors[2].reference: \"close\" is not a known value (one of \"prev_close\", "
                "\"open\", \"window\")");
    EXPECT_LINE("t.json: detectors[2].window: \"5 min\" is not a duration (like \"500ms\", \"30s\", \"5m\", "
                "\"1h\", \"1d\")");
    EXPECT_LINE("t.json: detectors[2].confirm_ticks: 1.5 is out of range (a whole number from 1 to 1000)");
    EXPECT_LINE("t.json: policy.cooldown: \"fast\" is not a duration (like \"500ms\", \"30s\", \"5m\", \"1h\", \"1d\")");
    EXPECT_LINE("t.json: policy.resolved: is a string (true or false)");
    EXPECT_LINE("t.json: sinks[1]: \"kafka\" is not a known sink (one of \"stdout\", \"redis\")");
    EXPECT_LINE("t.json: sinks[2]: \"stdout\" is listed twice (each sink once)");
    EXPECT_LINE("t.json: log_level: \"loud\" is not a known value (one of \"error\", \"warning\", \"info\", \"debug\")");
    EXPECT_LINE("t.json: feed.provider: \"bloomberg\" is not a known value (one of \"finnhub\", \"alpaca\", "
                "\"polygon\", \"coinbase\", \"binance\")");
    EXPECT_LINE("t.json: feed.url: is a number (a non-empty string)");
}

Test(config, detector_without_type)
{
    cr_assert_neq(parse("{\"groups\": {\"ai\": [\"NVDA\"]}, \"detectors\": [{\"warning_pct\": 1}]}"), 0);
    cr_expect_eq(diag.n, 1);
    cr_expect(strncmp(diag.lines[0], "t.json: detectors[0].type: missing (one of \"pct_move\"", 52) == 0,
              "got %s", diag.lines[0]);
}

Test(config, cross_field_validation)
{
    cr_assert_neq(parse("{\"groups\": {\"ai\": [\"NVDA\"]}, \"detectors\": "
                        "[{\"type\": \"pct_move\", \"warning_pct\": 8, \"critical_pct\": 6}]}"), 0);
    EXPECT_LINE("t.json: detectors[0]: critical_pct (6) must be greater than warning_pct (8)");
}

Test(config, duplicate_keys_are_errors)
{
    cr_assert_neq(parse("{\"groups\": {\"ai\": [\"NVDA\"]}, \"log_level\": \"info\", \"log_level\": \"debug\"}"), 0);
    EXPECT_LINE("t.json: log_level: duplicate key (each key once)");
}

Test(config, durations_accept_strings_and_seconds)
{
    cr_assert_eq(parse("{\"groups\": {\"ai\": [\"NVDA\"]}, \"policy\": {\"cooldown\": 90}, "
                       "\"detectors\": [{\"type\": \"pct_move\", \"reference\": \"window\", \"window\": \"10m\"}]}"), 0);
    cr_expect_eq(cfg.policy.cooldown_ns, 90 * SW_NS_PER_SEC);
    const sw_pct_move_params *p = cfg.detectors[0].params;
    cr_expect_eq(p->reference, SW_REF_WINDOW);
    cr_expect_eq(p->window_ns, 10 * SW_NS_PER_MIN);
}

Test(config, top_level_must_be_an_object)
{
    cr_assert_neq(parse("[1, 2]"), 0);
    EXPECT_LINE("t.json: (top level): is an array (an object)");
}

Test(config, missing_file_is_reported)
{
    sw_diag_free(&diag);
    cr_assert_neq(sw_config_load(&cfg, "/nonexistent/shockwatch.json", &diag), 0);
    EXPECT_LINE("/nonexistent/shockwatch.json: cannot open: No such file or directory");
}

Test(config, shipped_configs_are_valid)
{
    const char *files[] = { SW_SOURCE_DIR "/config/shockwatch.json", SW_SOURCE_DIR "/config/demo.json" };
    for (size_t i = 0; i < 2; i++) {
        sw_diag_free(&diag);
        int rc = sw_config_load(&cfg, files[i], &diag);
        dump();
        cr_expect_eq(rc, 0, "%s does not load", files[i]);
        if (rc == 0) {
            cr_expect(sw_config_symbol_count(&cfg) >= 16);
            sw_config_free(&cfg);
        }
    }
}

Test(config, production_watchlist_is_the_documented_one)
{
    sw_diag_free(&diag);
    cr_assert_eq(sw_config_load(&cfg, SW_SOURCE_DIR "/config/shockwatch.json", &diag), 0);
    const char *ai[] = { "NVDA", "AMD", "AVGO", "TSM", "ASML", "MSFT", "GOOGL", "META", "AMZN",
                         "ORCL", "SMCI", "ARM", "MU", "MRVL" };
    cr_assert_str_eq(cfg.groups[0].name, "ai");
    cr_assert_eq(cfg.groups[0].n_members, 14);
    for (size_t i = 0; i < 14; i++)
        cr_expect_str_eq(cfg.groups[0].members[i], ai[i]);
    cr_expect_str_eq(cfg.groups[1].name, "benchmarks");
}

Test(config, documentation_lists_every_option)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sw_config_print_doc(f);
    fclose(f);
    const char *keys[] = { "feed.provider", "feed.key_env", "policy.cooldown", "stdout.format", "redis.url",
                           "state_dir", "log_level", "warning_pct", "confirm_ticks" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_expect(strstr(buf, keys[i]) != NULL, "doc lacks %s", keys[i]);
    /* Every string option has a length limit, and the documentation says it. */
    int strings = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, "  (string") || strstr(line, "  (array of strings")) {
            strings++;
            cr_expect(strstr(line, ", at most "), "no length limit: %s", line);
        }
    cr_expect_gt(strings, 30);
    free(buf);
}

Test(config, corporate_actions)
{
    cr_assert_eq(parse("{\"groups\": {\"ai\": [\"NVDA\"]}, \"corporate_actions\": "
                       "[{\"symbol\": \"NVDA\", \"date\": \"2024-06-10\", \"ratio\": 10, \"type\": \"split\"}]}"), 0);
    cr_assert_eq(cfg.n_splits, 1);
    cr_expect_str_eq(cfg.splits[0].symbol, "NVDA");
    cr_expect_eq(cfg.splits[0].day, sw_days_from_civil(2024, 6, 10));
    cr_expect_eq(cfg.splits[0].ratio, 10);
    sw_config_free(&cfg);
    cr_assert_neq(parse("{\"groups\": {\"ai\": [\"NVDA\"]}, \"corporate_actions\": "
                        "[{\"symbol\": \"TSLA\", \"date\": \"2024-06-31\", \"ratio\": 1, \"kind\": 1}, 5]}"), 0);
    EXPECT_LINE("t.json: corporate_actions[0].kind: unknown key \"kind\" (one of: symbol, date, ratio, type)");
    EXPECT_LINE("t.json: corporate_actions[0].symbol: \"TSLA\" is not in any group (a symbol of the watchlist)");
    EXPECT_LINE("t.json: corporate_actions[0].date: is not a date (a date like \"2024-06-10\")");
    EXPECT_LINE("t.json: corporate_actions[0].ratio: is not a split ratio (new shares per old share: 10 for a "
                "10:1 split, 0.1 for a 1:10 reverse split)");
    EXPECT_LINE("t.json: corporate_actions[1]: is a number (an object)");
}

Test(config, empty_detectors_and_two_key_sources_are_errors)
{
    cr_assert_neq(parse("{\"groups\": {\"ai\": [\"NVDA\"]}, \"detectors\": [],\n"
                        " \"feed\": {\"key_env\": \"T\", \"key_file\": \"t\"}}"), 0);
    EXPECT_LINE("t.json: detectors: is empty (at least one detector; leave the key out for the default pct_move)");
    EXPECT_LINE("t.json: feed.key_file: feed.key_env is set too (one source for the key: key_env or key_file)");
}
