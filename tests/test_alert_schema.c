/* The consumers' contract, docs/alert-v1.schema.json (JSON Schema 2020-12),
 * against what shockwatch produces:
 *  - every alert shockd raises over the shipped data -- both bundled
 *    sessions, the real 5-minute and daily bars -- with every detector type
 *    configured (pct_move against the previous close, the open and a window;
 *    zscore, vol_regime, breadth with its members, stale, level, volume,
 *    relative, market) and resolved
 *    alerts on, validates; the run is checked to have produced each kind, so
 *    the validation is not vacuous;
 *  - every shape the encoder can produce validates: each severity,
 *    direction and resolved flag, null numbers, a feed gap, 64 members, the
 *    longest fields, odd characters, times before 1970 and at midnight;
 *  - every one of those alerts is also read back by shock-notify's parser
 *    (alerts/sw_alert_parse.c): what shockd writes, shock-notify accepts;
 *  - a bad alert fails, each mistake on its own, and an alert with a field
 *    added later within v1 passes the public schema (consumers ignore unknown
 *    fields) but not the strict check shockd's own output gets;
 *  - the schema and the parser say the same thing: one table of odd and
 *    hostile lines, each accepted or refused by both, but for the two
 *    differences docs/alert-schema.md states.
 * The checks run tests/alert_schema_check.py (python3-jsonschema). */
#include "sw_test_ops.h" /* first: it asks for _DEFAULT_SOURCE */
#include "sw_alert.h"
#include "sw_alert_parse.h"
#include "sw_test_schema.h"

#include <math.h>

TestSuite(alert_schema, .init = ops_setup, .fini = ops_teardown, .timeout = 300);

#define DATA SW_SOURCE_DIR "/data"

/* A config with every detector type, JSON on stdout, resolved alerts on;
 * `detectors` replaces the detector list when not NULL. */
static const char *write_config(const char *name, const char *detectors)
{
    static const char all[] =
        "[{\"type\": \"pct_move\", \"reference\": \"prev_close\", \"warning_pct\": 5, \"critical_pct\": 10},\n"
        " {\"type\": \"pct_move\", \"reference\": \"open\", \"warning_pct\": 4, \"critical_pct\": 8},\n"
        " {\"type\": \"pct_move\", \"reference\": \"window\", \"window\": \"5m\", \"warning_pct\": 3, "
        "\"critical_pct\": 6},\n"
        " {\"type\": \"zscore\", \"bar\": \"5m\", \"warning_z\": 5, \"critical_z\": 9},\n"
        " {\"type\": \"vol_regime\", \"bar\": \"5m\", \"threshold\": 3},\n"
        " {\"type\": \"breadth\", \"groups\": [\"ai\"], \"warning_pct\": 3, \"critical_pct\": 5, "
        "\"min_fraction\": 0.5, \"min_members\": 7},\n"
        " {\"type\": \"stale\", \"after\": \"120s\"},\n"
        " {\"type\": \"level\", \"levels\": {\"NVDA\": {\"below\": [130]}, \"MRVL\": {\"below\": [75], "
        "\"above\": [85]}}},\n"
        " {\"type\": \"volume\"},\n"
        " {\"type\": \"relative\", \"benchmark\": \"SPY\"},\n"
        " {\"type\": \"market\", \"index\": \"SPY\", \"levels\": [1, 2, 3]}]";
    char text[4096];
    snprintf(text, sizeof text,
             "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"AVGO\", \"TSM\", \"ASML\", \"MSFT\", \"GOOG\", \"META\",\n"
             "                     \"AMZN\", \"ORCL\", \"SMCI\", \"ARM\", \"MU\"],\n"
             "            \"benchmarks\": [\"QQQ\", \"SPY\", \"SMH\"],\n"
             "            \"others\": [\"INTC\", \"QCOM\", \"AAPL\", \"TSLA\", \"PLTR\", \"MRVL\"]},\n"
             " \"detectors\": %s,\n"
             " \"policy\": {\"cooldown\": \"15m\", \"resolved\": true},\n"
             " \"sinks\": [\"stdout\"], \"stdout\": {\"format\": \"json\"},\n"
             " \"state_dir\": \"%s/state-%s\", \"log_level\": \"warning\"}\n",
             detectors ? detectors : all, ops_dir, name);
    const char *path = ops_path(name);
    ops_write(path, text);
    return path;
}

/* Every line of the file through sw_alert_parse: the number refused, the
 * first refusal in *first (line and reason).  A line whose detector is not a
 * type this version knows is counted in *unknown_detector instead (the
 * parser's one stricter rule on shockd's own output, docs/alert-schema.md). */
static int parse_all(const char *path, char *first, size_t cap, int *unknown_detector)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char line[SW_ALERT_JSON_MAX + 2];
    int bad = 0, no = 0;
    first[0] = '\0';
    if (unknown_detector)
        *unknown_detector = 0;
    while (fgets(line, sizeof line, f)) {
        no++;
        size_t n = strcspn(line, "\n");
        sw_alert a;
        char err[256];
        if (sw_alert_parse(line, n, &a, err, sizeof err) == 0)
            continue;
        if (unknown_detector && strstr(err, "\"detector\" is not a detector type")) {
            (*unknown_detector)++;
            continue;
        }
        if (!bad++)
            snprintf(first, cap, "line %d: %s: %.*s", no, err, (int)n, line);
    }
    fclose(f);
    return bad;
}

/* MRVL trades every second from the open for ten minutes, then once more at
 * 15:00 New York: a stale warning ~14:42 and its resolved alert at 15:00.
 * Before the open it crosses below its level 75 (pre-market), after the
 * close above 85 (post-market). */
static void write_silent_symbol(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    int64_t open = ops_utc_ms(2025, 1, 27, 14, 30, 0, 0);
    ops_trade(f, "MRVL", 80.0, open - 90 * 60 * 1000);
    for (int i = 1; i <= 3; i++)
        ops_trade(f, "MRVL", 70.0, open - 90 * 60 * 1000 + i * 1000);
    for (int i = 0; i < 600; i++)
        ops_trade(f, "MRVL", 80.0 + (i % 3) * 0.01, open + i * 1000);
    ops_trade(f, "MRVL", 80.1, open + 30 * 60 * 1000);
    for (int i = 0; i < 3; i++)
        ops_trade(f, "MRVL", 90.0, open + 480 * 60 * 1000 + i * 1000); /* 17:30 */
    fclose(f);
}

Test(alert_schema, every_alert_over_the_shipped_data_validates)
{
    write_silent_symbol(ops_path("mrvl.ndjson"));
    /* The daily bars with the shipped daily detectors (1d bars). */
    char *daily = sw_test_slurp(SW_SOURCE_DIR "/config/daily.json");
    char *det = strstr(daily, "\"detectors\":");
    char *end = det ? strstr(det, "],\n  \"policy\"") : NULL;
    cr_assert(det && end, "config/daily.json changed shape: %s", daily);
    char daily_detectors[2048];
    snprintf(daily_detectors, sizeof daily_detectors, "%.*s]", (int)(end - det - 13), det + 13);
    free(daily);

    struct { const char *name, *detectors, *args; } runs[] = {
        { "shock", NULL, DATA "/sessions/2025-01-27/finnhub.ndjson %s/mrvl.ndjson" },
        { "calm", NULL, DATA "/sessions/2025-08-27/finnhub.ndjson" },
        { "intraday", NULL, DATA "/intraday_5m/*.csv" },
        { "daily", daily_detectors, DATA "/daily/*.csv" },
        /* Halts, resumptions, LULD bands (Alpaca statuses in a recording). */
        { "halt", "[{\"type\": \"halt\"}]", DATA "/scenarios/halt/alpaca.ndjson --format alpaca" },
    };
    char cmd[2048], args[512], *out;
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        const char *cfg = write_config(runs[i].name, runs[i].detectors);
        snprintf(args, sizeof args, runs[i].args, ops_dir);
        snprintf(cmd, sizeof cmd, OPS_SHOCKD " -c %s --replay %s >> %s/alerts.ndjson", cfg, args, ops_dir);
        cr_assert_eq(ops_sh(cmd, &out), 0, "%s:\n%s", runs[i].name, out);
        cr_expect(strstr(out, " 0 bad lines, 0 bad trades,") != NULL, "%s: %s", runs[i].name, out);
        free(out);
    }

    char *alerts = sw_test_slurp(ops_path("alerts.ndjson"));
    int n = sw_test_count(alerts, "\n");
    /* Every kind the contract describes is in the sample. */
    const char *kinds[] = {
        "\"detector\":\"pct_move\"", "\"detector\":\"zscore\"", "\"detector\":\"vol_regime\"",
        "\"detector\":\"breadth\"", "\"detector\":\"stale\"", "\"severity\":\"info\"", "\"severity\":\"warning\"",
        "\"severity\":\"critical\"", "\"resolved\":true", "\"members\":[{", "\"group\":\"ai\"", "\"group\":null",
        "\"window\":\"prev_close\"", "\"window\":\"open\"", "\"window\":\"5m\"", "\"window\":\"session\"",
        "\"direction\":\"down\"", "\"direction\":\"up\"", "\"direction\":\"none\"", "\"price\":null",
        "\"zscore\":null", "\"symbol\":\"MRVL\",\"group\":null,\"detector\":\"stale\"",
        "\"detector\":\"level\"", "\"detector\":\"volume\"", "\"detector\":\"relative\"",
        "\"detector\":\"market\"", "\"window\":\"level\"", "\"session\":\"regular\"", "\"session\":\"pre\"",
        "\"session\":\"post\"", "(pre-market)\"}", "(after hours)\"}",
        "\"detector\":\"halt\",\"severity\":\"critical\"", "\"window\":\"halt\",\"direction\":\"none\",\"resolved\":true",
        "\"window\":\"luld\"",
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        cr_expect(strstr(alerts, kinds[i]) != NULL, "no alert with %s among %d", kinds[i], n);
    cr_expect_gt(n, 1000);
    free(alerts);

    char *report;
    int rc = sw_test_schema_check(ops_path("alerts.ndjson"), 1, &report);
    char want[64];
    snprintf(want, sizeof want, "%d alerts, 0 invalid\n", n);
    cr_expect_eq(rc, 0, "%s", report);
    cr_expect_str_eq(report, want);
    free(report);
    char first[SW_ALERT_JSON_MAX + 300];
    cr_expect_eq(parse_all(ops_path("alerts.ndjson"), first, sizeof first, NULL), 0, "%s", first);
}

/* ---- the encoder's whole range ---------------------------------------------- */

static FILE *lines;
static int n_lines;

static void put_alert(const sw_candidate *c, sw_severity sev, int resolved)
{
    n_lines++;
    sw_alert a;
    sw_alert_from_candidate(&a, c, sev, resolved);
    char json[SW_ALERT_JSON_MAX];
    int len = sw_alert_to_json(&a, json, sizeof json);
    cr_assert_gt(len, 0, "%s could not be encoded", a.id);
    fprintf(lines, "%s\n", json);
}

Test(alert_schema, every_shape_the_encoder_writes_validates)
{
    lines = fopen(ops_path("enc.ndjson"), "w");
    cr_assert_not_null(lines);
    int64_t t = ops_utc_ms(2025, 1, 27, 14, 30, 0, 588) * 1000000;
    sw_candidate c = {
        .kind = SW_CAND_FIRE, .symbol = "NVDA", .detector = "pct_move", .ts_ns = t, .price = 124.8,
        .reference = 142.62, .change_pct = -12.4912, .zscore = NAN, .window = "prev_close",
        .text = "NVDA -12.49% vs previous close 142.62",
    };
    /* Every severity, direction and resolved flag (resolved only as info,
     * as the policy sends it). */
    int n = 0;
    for (int sev = SW_SEV_INFO; sev <= SW_SEV_CRITICAL; sev++)
        for (int dir = -1; dir <= 1; dir++)
            for (int res = 0; res <= (sev == SW_SEV_INFO); res++) {
                c.direction = dir;
                c.ts_ns = t + n++;
                put_alert(&c, (sw_severity)sev, res);
            }
    /* No numbers at all, and a feed gap: price 0, the provider as symbol. */
    c.price = c.reference = c.change_pct = NAN;
    put_alert(&c, SW_SEV_WARNING, 0);
    sw_candidate gap = { .kind = SW_CAND_FIRE, .symbol = "finnhub", .detector = "feed", .instance = -1,
                         .ts_ns = t, .price = 0, .reference = NAN, .change_pct = NAN, .zscore = NAN,
                         .window = "gap", .text = "finnhub: feed gap 3: no data for 31 s (reconnected)" };
    put_alert(&gap, SW_SEV_INFO, 0);
    /* A group alert with the most members, each name as long as a symbol
     * can be, one without a move. */
    static sw_member_move members[SW_ALERT_MAX_MEMBERS + 6];
    static char names[SW_ALERT_MAX_MEMBERS + 6][SW_SYMBOL_MAX];
    for (int i = 0; i < SW_ALERT_MAX_MEMBERS + 6; i++) {
        snprintf(names[i], sizeof names[i], "M%02d%020d", i, i);
        members[i].symbol = names[i];
        members[i].change_pct = i == 3 ? NAN : -20.0 + i * 0.337;
    }
    sw_candidate grp = { .kind = SW_CAND_FIRE, .symbol = "ai", .group = "ai", .detector = "breadth", .ts_ns = t,
                         .price = NAN, .reference = NAN, .change_pct = -8.12, .zscore = NAN, .window = "prev_close",
                         .direction = -1, .text = "ai: 4 of 7 members down 5% or more", .members = members,
                         .n_members = SW_ALERT_MAX_MEMBERS + 6 };
    put_alert(&grp, SW_SEV_CRITICAL, 0);
    /* Every string longer than its field (cut), and characters JSON escapes. */
    char longer[600];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    char odd[700];
    snprintf(odd, sizeof odd, "quote \" backslash \\ tab \t newline \n bell \a del \x7f unicode Größe ±5%% %s",
             longer);
    sw_candidate big = { .kind = SW_CAND_FIRE, .symbol = longer, .group = longer, .detector = "a_detector_name_that_is_long",
                         .ts_ns = t, .price = 1e15, .reference = 1e-4, .change_pct = -99.999, .zscore = 1e6,
                         .window = "a_window_longer_than_fifteen", .text = odd };
    put_alert(&big, SW_SEV_WARNING, 0);
    /* A text of two-byte characters cut at the field's size. */
    char accents[601] = "";
    for (int i = 0; i < 300; i++)
        strcat(accents, "\xc3\xa9");
    big.text = accents;
    put_alert(&big, SW_SEV_WARNING, 0);
    /* Each session, and none (an alert of an older shockd). */
    for (int k = SW_SESSION_NONE; k <= SW_SESSION_CLOSED; k++) {
        c.session = k;
        put_alert(&c, SW_SEV_WARNING, 0);
    }
    c.session = 0;
    /* Times: the epoch, before it, midnight UTC exactly, far ahead. */
    const int64_t times[] = { 0, -1, ops_utc_ms(2025, 1, 28, 0, 0, 0, 0) * 1000000,
                              ops_utc_ms(2199, 12, 31, 23, 59, 59, 999) * 1000000 };
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        c.ts_ns = times[i];
        put_alert(&c, SW_SEV_CRITICAL, 0);
    }
    fclose(lines);

    char *report;
    int rc = sw_test_schema_check(ops_path("enc.ndjson"), 1, &report);
    cr_expect_eq(rc, 0, "%s", report);
    char want[64];
    snprintf(want, sizeof want, "%d alerts, 0 invalid\n", n_lines);
    cr_expect_str_eq(report, want);
    free(report);
    /* shock-notify reads them all, control characters and all (they became
     * spaces), but the over-long detector name no version knows. */
    char first[SW_ALERT_JSON_MAX + 300];
    int unknown;
    cr_expect_eq(parse_all(ops_path("enc.ndjson"), first, sizeof first, &unknown), 0, "%s", first);
    cr_expect_eq(unknown, 2, "the two alerts of \"a_detector_name_that_is\"");
    char *enc = sw_test_slurp(ops_path("enc.ndjson"));
    cr_expect(strstr(enc, "tab   newline   bell   del   unicode Gr\xc3\xb6\xc3\x9f"), "%s", enc);
    free(enc);
}

/* ---- a bad alert fails ---------------------------------------------------------- */

static const char good[] =
    "{\"v\":1,\"id\":\"8baa0b0c5937e012\",\"ts\":\"2025-01-27T14:30:00.000Z\",\"symbol\":\"NVDA\",\"group\":null,"
    "\"detector\":\"pct_move\",\"severity\":\"critical\",\"price\":124.8,\"reference\":142.62,"
    "\"change_pct\":-12.49,\"zscore\":null,\"window\":\"prev_close\",\"direction\":\"down\",\"resolved\":false,"
    "\"message\":\"NVDA -12.49% vs previous close 142.62\"}";

/* The good alert with `from` replaced by `to`. */
static void mutate(char *out, size_t cap, const char *from, const char *to)
{
    const char *p = strstr(good, from);
    cr_assert_not_null(p, "%s", from);
    snprintf(out, cap, "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
}

Test(alert_schema, a_bad_alert_fails_and_a_new_optional_field_passes)
{
    char *report;
    char line[2048];
    ops_write(ops_path("good.ndjson"), good);
    cr_expect_eq(sw_test_schema_check(ops_path("good.ndjson"), 1, &report), 0, "%s", report);
    free(report);

    /* Each mistake alone, and the JSON path the checker must name. */
    struct { const char *from, *to, *path; } bad[] = {
        { "\"v\":1", "\"v\":2", "$.v:" },
        { "\"id\":\"8baa0b0c5937e012\",", "", "$: 'id' is a required property" },
        { "8baa0b0c5937e012", "8BAA0B0C5937E012", "$.id:" },
        { "8baa0b0c5937e012", "8baa0b0c5937e01", "$.id:" },
        { "2025-01-27T14:30:00.000Z", "2025-01-27 14:30:00.000Z", "$.ts:" },
        { "2025-01-27T14:30:00.000Z", "2025-02-30T14:30:00.000Z", "$.ts: '2025-02-30T14:30:00.000Z' is not a 'date-time'" },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"\"", "$.symbol:" },
        { "\"group\":null", "\"group\":7", "$.group:" },
        { "\"detector\":\"pct_move\"", "\"detector\":\"Pct-Move\"", "$.detector:" },
        { "\"severity\":\"critical\"", "\"severity\":\"fatal\"", "$.severity:" },
        { "\"price\":124.8", "\"price\":\"124.8\"", "$.price:" },
        { "\"change_pct\":-12.49", "\"change_pct\":\"-12.49%\"", "$.change_pct:" },
        { "\"zscore\":null,", "", "$: 'zscore' is a required property" },
        { "\"window\":\"prev_close\"", "\"window\":\"\"", "$.window:" },
        { "\"direction\":\"down\"", "\"direction\":\"sideways\"", "$.direction:" },
        { "\"resolved\":false", "\"resolved\":\"no\"", "$.resolved:" },
        { "\"resolved\":false", "\"resolved\":true", "$.severity: 'info' was expected" },
        { "\"message\":\"NVDA", "\"message\":7,\"x\":\"", "$.message:" },
        { "}", ",\"members\":[]}", "$.members:" },
        { "}", ",\"members\":[{\"symbol\":\"AMD\",\"change_pct\":-4.1}]}", "$.group:" },
        { "\"group\":null", "\"group\":\"ai\"", NULL }, /* valid: a group alert may have no members */
        { "\"resolved\":false", "\"resolved\":false,\"session\":\"lunch\"", "$.session: 'lunch' is not one of" },
        { "\"resolved\":false", "\"resolved\":false,\"session\":null", "$.session:" },
        { "\"resolved\":false", "\"resolved\":false,\"session\":\"post\"", NULL },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mutate(line, sizeof line, bad[i].from, bad[i].to);
        ops_write(ops_path("bad.ndjson"), line);
        int rc = sw_test_schema_check(ops_path("bad.ndjson"), 0, &report);
        if (bad[i].path) {
            cr_expect_eq(rc, 1, "accepted: %s\n%s", line, report);
            cr_expect(strstr(report, bad[i].path) != NULL, "%s: no \"%s\" in:\n%s", line, bad[i].path, report);
        } else {
            cr_expect_eq(rc, 0, "%s\n%s", line, report);
        }
        free(report);
    }
    /* A member needs both fields, of the right types. */
    mutate(line, sizeof line, "\"group\":null", "\"group\":\"ai\"");
    char grp[2048];
    snprintf(grp, sizeof grp, "%.*s,\"members\":[{\"symbol\":\"AMD\"},{\"symbol\":3,\"change_pct\":null}]}",
             (int)strlen(line) - 1, line);
    ops_write(ops_path("bad.ndjson"), grp);
    cr_expect_eq(sw_test_schema_check(ops_path("bad.ndjson"), 0, &report), 1, "%s", report);
    cr_expect(strstr(report, "$.members[0]: 'change_pct' is a required property") != NULL, "%s", report);
    cr_expect(strstr(report, "$.members[1].symbol:") != NULL, "%s", report);
    free(report);
    /* Not JSON, and JSON that is not UTF-8. */
    ops_write(ops_path("bad.ndjson"), "{\"v\":1,\n\xff\xfe\n");
    cr_expect_eq(sw_test_schema_check(ops_path("bad.ndjson"), 0, &report), 1, "%s", report);
    cr_expect_eq(sw_test_count(report, ": not JSON: "), 2, "%s", report);
    free(report);

    /* A field added later within v1 (say "venue"): the public schema lets
     * it through -- consumers ignore what they do not know -- while the
     * strict check of shockd's own output refuses an undocumented field. */
    mutate(line, sizeof line, "}", ",\"venue\":\"XNAS\"}");
    ops_write(ops_path("new.ndjson"), line);
    cr_expect_eq(sw_test_schema_check(ops_path("new.ndjson"), 0, &report), 0, "%s", report);
    free(report);
    cr_expect_eq(sw_test_schema_check(ops_path("new.ndjson"), 1, &report), 1, "%s", report);
    cr_expect(strstr(report, "'venue' was unexpected") != NULL, "%s", report);
    free(report);
}

/* ---- the schema and the parser agree -------------------------------------------- */

/* The good alert with up to two replacements (to2 may be NULL). */
static void mutate2(char *out, size_t cap, const char *from, const char *to, const char *from2, const char *to2)
{
    char once[4096];
    mutate(once, sizeof once, from, to);
    if (!from2) {
        snprintf(out, cap, "%s", once);
        return;
    }
    const char *p = strstr(once, from2);
    cr_assert_not_null(p, "%s", from2);
    snprintf(out, cap, "%.*s%s%s", (int)(p - once), once, to2, p + strlen(from2));
}

#define MSG "\"message\":\"NVDA -12.49% vs previous close 142.62\"}"
#define GROUP "\"group\":\"ai\""

Test(alert_schema, the_schema_and_the_parser_accept_and_refuse_the_same_lines)
{
    static char e128[300];
    for (int i = 0; i < 128; i++)
        strcat(e128, "\xc3\xa9");
    static char msg_e128[400], msg_256[400], many[9000];
    snprintf(msg_e128, sizeof msg_e128, "\"message\":\"%s\"}", e128);
    snprintf(msg_256, sizeof msg_256, "\"message\":\"%0256d\"}", 0);
    /* 65 members. */
    strcpy(many, MSG);
    many[strlen(many) - 1] = '\0';
    strcat(many, ",\"members\":[");
    for (int i = 0; i < 65; i++)
        strcat(many, i ? ",{\"symbol\":\"AMD\",\"change_pct\":-1}" : "{\"symbol\":\"AMD\",\"change_pct\":-1}");
    strcat(many, "]}");
    /* schema: the python validator's verdict; parser: sw_alert_parse's.
     * 1 = accepted.  Only two rows differ, both on purpose. */
    const struct { const char *from, *to, *from2, *to2; int schema, parser; } rows[] = {
        /* What shockd writes, and what a consumer may see within v1. */
        { "}", "}", NULL, NULL, 1, 1 },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"BRK.B\"", NULL, NULL, 1, 1 },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"BTC/USD:X^=_-\"", NULL, NULL, 1, 1 },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"ai-Group_31ABCDEFGHIJKLMNOPQRST\"", NULL, NULL, 1, 1 },
        { "\"group\":null", GROUP, MSG, "\"message\":\"m\",\"members\":[{\"symbol\":\"AMD\",\"change_pct\":null}]}", 1, 1 },
        { "}", ",\"venue\":\"2025-01-27\"}", NULL, NULL, 1, 1 }, /* a field added later within v1 */
        { "}", ",\"session\":\"pre\"}", NULL, NULL, 1, 1 },
        { MSG, "\"message\":\"\\u202e \\u00e9 \\\\u0000 \\ud83d\\udcc9\"}", NULL, NULL, 1, 1 },
        { "\"ts\":\"2025-01-27T14:30:00.000Z\"", "\"ts\":\"1678-01-01T00:00:00.000Z\"", NULL, NULL, 1, 1 },
        { "\"ts\":\"2025-01-27T14:30:00.000Z\"", "\"ts\":\"2261-12-31T23:59:59.999Z\"", NULL, NULL, 1, 1 },
        { "\"ts\":\"2025-01-27T14:30:00.000Z\"", "\"ts\":\"2024-02-29T00:00:00.000Z\"", NULL, NULL, 1, 1 },
        { "\"v\":1", "\"v\":1.0", NULL, NULL, 1, 1 },
        /* The two differences: the detector names shock-notify knows, and a
         * limit in bytes (255 characters of two bytes each are 510). */
        { "\"detector\":\"pct_move\"", "\"detector\":\"new_kind\"", NULL, NULL, 1, 0 },
        { MSG, msg_e128, NULL, NULL, 1, 0 },
        /* The rest: refused by both. */
        { "}", ",\"session\":\"lunch\"}", NULL, NULL, 0, 0 },
        { "}", ",\"session\":null}", NULL, NULL, 0, 0 },
        { "\"v\":1", "\"v\":true", NULL, NULL, 0, 0 },
        { "\"v\":1", "\"v\":\"1\"", NULL, NULL, 0, 0 },
        { "{\"v\":1,", "{\"v\":1,\"v\":1,", NULL, NULL, 0, 0 },
        { "8baa0b0c5937e012", "8BAA0B0C5937E012", NULL, NULL, 0, 0 },
        { "8baa0b0c5937e012", "8baa0b0c5937e01", NULL, NULL, 0, 0 },
        { "8baa0b0c5937e012", "8baa-0b0c_5937e0", NULL, NULL, 0, 0 },
        { "8baa0b0c5937e012", "8baa0b0c5937e012\\n", NULL, NULL, 0, 0 },
        { "2025-01-27T14:30:00.000Z", "2025-01-27T14:30:00.000+01:00", NULL, NULL, 0, 0 },
        { "2025-01-27T14:30:00.000Z", "2025-01-27T14:30:00Z", NULL, NULL, 0, 0 },
        { "2025-01-27T14:30:00.000Z", "2025-01-27T14:30:00.000z", NULL, NULL, 0, 0 },
        { "2025-01-27T14:30:00.000Z", "2025-02-30T14:30:00.000Z", NULL, NULL, 0, 0 },
        { "2025-01-27T14:30:00.000Z", "2025-01-27T24:00:00.000Z", NULL, NULL, 0, 0 },
        { "2025-01-27T14:30:00.000Z", "2025-01-27T14:30:60.000Z", NULL, NULL, 0, 0 },
        { "2025-01-27T14:30:00.000Z", "1677-12-31T23:59:59.999Z", NULL, NULL, 0, 0 },
        { "2025-01-27T14:30:00.000Z", "2262-01-01T00:00:00.000Z", NULL, NULL, 0, 0 },
        { "2025-01-27T14:30:00.000Z", "2025-01-27T14:30:00.000Z\\n", NULL, NULL, 0, 0 },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"\"", NULL, NULL, 0, 0 },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"nvda<!here>\"", NULL, NULL, 0, 0 },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"NVDA\\n\"", NULL, NULL, 0, 0 },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"NV\\u0000DA\"", NULL, NULL, 0, 0 },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"NVDA.ABCDEFGHIJKLMNOPQRS\"", NULL, NULL, 0, 0 },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\"", NULL, NULL, 0, 0 },
        { "\"group\":null", "\"group\":\"\"", NULL, NULL, 0, 0 },
        { "\"group\":null", "\"group\":\"<@U1>\"", NULL, NULL, 0, 0 },
        { "\"group\":null", "\"group\":\"a b\"", NULL, NULL, 0, 0 },
        { "\"group\":null", "\"group\":\"ai\\n\"", NULL, NULL, 0, 0 },
        { "\"group\":null", GROUP, MSG, "\"message\":\"m\",\"members\":[{\"symbol\":\"AMD\\n\",\"change_pct\":1}]}", 0, 0 },
        { "\"detector\":\"pct_move\"", "\"detector\":\"Pct-Move\"", NULL, NULL, 0, 0 },
        { "\"detector\":\"pct_move\"", "\"detector\":\"pct_move\\n\"", NULL, NULL, 0, 0 },
        { "\"severity\":\"critical\"", "\"severity\":\"fatal\"", NULL, NULL, 0, 0 },
        { "\"direction\":\"down\"", "\"direction\":\"left\"", NULL, NULL, 0, 0 },
        { "\"window\":\"prev_close\"", "\"window\":\"\"", NULL, NULL, 0, 0 },
        { "\"window\":\"prev_close\"", "\"window\":\"5 m\"", NULL, NULL, 0, 0 },
        { "\"window\":\"prev_close\"", "\"window\":\"a/b\"", NULL, NULL, 0, 0 },
        { "\"window\":\"prev_close\"", "\"window\":\"prev_close_1234\"", NULL, NULL, 1, 1 },
        { "\"window\":\"prev_close\"", "\"window\":\"prev_close_12345\"", NULL, NULL, 0, 0 },
        { MSG, "\"message\":\"\"}", NULL, NULL, 0, 0 },
        { MSG, "\"message\":\"\\u0007NVDA\"}", NULL, NULL, 0, 0 },
        { MSG, "\"message\":\"NVDA\\u0085\"}", NULL, NULL, 0, 0 },
        { MSG, "\"message\":\"NVDA\\r\\n<3>forged\"}", NULL, NULL, 0, 0 },
        { MSG, "\"message\":\"NV\\u0000DA\"}", NULL, NULL, 0, 0 },
        { MSG, "\"message\":\"\\ud800 NVDA\"}", NULL, NULL, 0, 0 },
        { MSG, msg_256, NULL, NULL, 0, 0 },
        { "\"price\":124.8", "\"price\":1e999", NULL, NULL, 0, 0 },
        { "\"price\":124.8", "\"price\":-1e999", NULL, NULL, 0, 0 },
        { "\"price\":124.8", "\"price\":NaN", NULL, NULL, 0, 0 },
        { "\"price\":124.8", "\"price\":\"124.8\"", NULL, NULL, 0, 0 },
        { "\"price\":124.8,", "", NULL, NULL, 0, 0 },
        { "\"zscore\":null,", "", NULL, NULL, 0, 0 },
        { "\"resolved\":false,", "", NULL, NULL, 0, 0 },
        { "\"resolved\":false", "\"resolved\":\"no\"", NULL, NULL, 0, 0 },
        { "\"resolved\":false", "\"resolved\":true", NULL, NULL, 0, 0 },
        { MSG, "\"message\":\"m\",\"members\":[{\"symbol\":\"AMD\",\"change_pct\":-4.1}]}", NULL, NULL, 0, 0 },
        { "\"group\":null", GROUP, MSG, "\"message\":\"m\",\"members\":[]}", 0, 0 },
        { "\"group\":null", GROUP, MSG, "\"message\":\"m\",\"members\":{}}", 0, 0 },
        { "\"group\":null", GROUP, MSG, "\"message\":\"m\",\"members\":[{\"symbol\":\"AMD\"}]}", 0, 0 },
        { "\"group\":null", GROUP, MSG, "\"message\":\"m\",\"members\":[{\"symbol\":\"amd\",\"change_pct\":1}]}", 0, 0 },
        { "\"group\":null", GROUP, MSG, "\"message\":\"m\",\"members\":[{\"symbol\":\"AMD\",\"change_pct\":1,\"symbol\":\"X\"}]}", 0, 0 },
        { "\"group\":null", GROUP, MSG, "\"message\":\"m\",\"members\":[7]}", 0, 0 },
        { "\"group\":null", GROUP, MSG, many, 0, 0 },
    };
    size_t n = sizeof rows / sizeof rows[0];
    const char *path = ops_path("table.ndjson");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    static char line[SW_ALERT_JSON_MAX + 512];
    int parsed[sizeof rows / sizeof rows[0]];
    char why[sizeof rows / sizeof rows[0]][256];
    for (size_t i = 0; i < n; i++) {
        mutate2(line, sizeof line, rows[i].from, rows[i].to, rows[i].from2, rows[i].to2);
        fprintf(f, "%s\n", line);
        sw_alert a;
        why[i][0] = '\0';
        parsed[i] = sw_alert_parse(line, strlen(line), &a, why[i], sizeof why[i]) == 0;
    }
    fclose(f);
    char *report;
    sw_test_schema_check(path, 0, &report);
    char *text = sw_test_slurp(path);
    char *at = text;
    for (size_t i = 0; i < n; i++) {
        char *nl = strchr(at, '\n');
        *nl = '\0';
        char mark[300];
        snprintf(mark, sizeof mark, "%s:%zu: ", path, i + 1);
        int valid = strstr(report, mark) == NULL;
        cr_expect_eq(valid, rows[i].schema, "schema %s: %s\n%s", valid ? "accepts" : "refuses", at, report);
        cr_expect_eq(parsed[i], rows[i].parser, "parser %s: %s (%s)", parsed[i] ? "accepts" : "refuses", at, why[i]);
        /* A refusal says something (it is the dead letter's reason). */
        cr_expect(parsed[i] || strlen(why[i]) > 8, "%s", at);
        at = nl + 1;
    }
    free(text);
    free(report);
}
