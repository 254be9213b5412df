/* test_silence.c -- the silence model (alerts/notify/sw_silence.h) without
 * I/O: matching (each matcher, severity "at or below", groups through their
 * members, channel), the active window, the record's round trip, what a
 * record read from Redis must be (hostile ones refused with the reason),
 * durations and times typed by a person, and the Redis names. */
#include "sw_silence.h"
#include "sw_test_notify.h"

#include <criterion/criterion.h>

/* 2025-01-27 10:00 New York (15:00 UTC). */
#define T0 INT64_C(1737990000000)

static sw_silence base(void)
{
    sw_silence s;
    sw_silence_init(&s);
    snprintf(s.id, sizeof s.id, "3fa9c2d1");
    s.start_ms = T0;
    s.end_ms = T0 + 3600 * 1000;
    s.created_ms = T0;
    snprintf(s.author, sizeof s.author, "ana");
    snprintf(s.comment, sizeof s.comment, "on it");
    return s;
}

static const char *const ai_members[] = { "NVDA", "AMD", "AVGO" };
static const sw_group_spec groups[] = { { "ai", ai_members, 3 } };

Test(silence, each_matcher_narrows_what_it_holds_back)
{
    sw_alert nvda, amd, msft, breadth;
    tn_alert(&nvda, 1, "NVDA", SW_SEV_CRITICAL);
    tn_alert(&amd, 2, "AMD", SW_SEV_WARNING);
    tn_alert(&msft, 3, "MSFT", SW_SEV_INFO);
    tn_alert(&breadth, 4, "ai", SW_SEV_CRITICAL);
    snprintf(breadth.group, sizeof breadth.group, "ai");
    snprintf(breadth.detector, sizeof breadth.detector, "breadth");

    sw_silence s = base();
    snprintf(s.symbol, sizeof s.symbol, "NVDA");
    cr_expect(sw_silence_matches(&s, &nvda, "slack", groups, 1), "critical alerts are silenced too");
    cr_expect(sw_silence_matches(&s, &nvda, "tg", groups, 1), "no channel matcher: every channel");
    cr_expect(!sw_silence_matches(&s, &amd, "slack", groups, 1));

    s = base();
    snprintf(s.group, sizeof s.group, "ai");
    cr_expect(sw_silence_matches(&s, &nvda, "x", groups, 1), "a member of the group");
    cr_expect(sw_silence_matches(&s, &amd, "x", groups, 1));
    cr_expect(sw_silence_matches(&s, &breadth, "x", groups, 1), "the group's own alert");
    cr_expect(!sw_silence_matches(&s, &msft, "x", groups, 1), "not a member");

    s = base();
    s.severity = SW_SEV_WARNING;
    cr_expect(!sw_silence_matches(&s, &nvda, "x", groups, 1), "critical is above warning");
    cr_expect(sw_silence_matches(&s, &amd, "x", groups, 1), "warning is at warning");
    cr_expect(sw_silence_matches(&s, &msft, "x", groups, 1), "info is below");

    s = base();
    snprintf(s.detector, sizeof s.detector, "breadth");
    cr_expect(sw_silence_matches(&s, &breadth, "x", groups, 1));
    cr_expect(!sw_silence_matches(&s, &nvda, "x", groups, 1));

    s = base();
    snprintf(s.symbol, sizeof s.symbol, "NVDA");
    snprintf(s.channel, sizeof s.channel, "tg");
    cr_expect(sw_silence_matches(&s, &nvda, "tg", groups, 1));
    cr_expect(!sw_silence_matches(&s, &nvda, "slack", groups, 1), "only on its channel");
    cr_expect(!sw_silence_matches(&s, &nvda, NULL, groups, 1));

    /* All matchers together: every one must hold. */
    snprintf(s.group, sizeof s.group, "ai");
    snprintf(s.detector, sizeof s.detector, "pct_move");
    s.severity = SW_SEV_CRITICAL;
    cr_expect(sw_silence_matches(&s, &nvda, "tg", groups, 1));
    snprintf(s.detector, sizeof s.detector, "zscore");
    cr_expect(!sw_silence_matches(&s, &nvda, "tg", groups, 1));
}

Test(silence, active_from_start_to_end_exclusive)
{
    sw_silence s = base();
    cr_expect(!sw_silence_active(&s, T0 - 1));
    cr_expect(sw_silence_active(&s, T0));
    cr_expect(sw_silence_active(&s, s.end_ms - 1));
    cr_expect(!sw_silence_active(&s, s.end_ms));
}

Test(silence, record_round_trip_and_matchers_text)
{
    sw_silence s = base(), back;
    snprintf(s.symbol, sizeof s.symbol, "BRK.B");
    snprintf(s.group, sizeof s.group, "ai");
    snprintf(s.detector, sizeof s.detector, "pct_move");
    s.severity = SW_SEV_WARNING;
    snprintf(s.channel, sizeof s.channel, "risk-desk");
    snprintf(s.comment, sizeof s.comment, "NVDA \"halted\" \xE2\x80\x94 see desk");
    char json[SW_SILENCE_JSON_MAX], again[SW_SILENCE_JSON_MAX], err[200];
    int n = sw_silence_to_json(&s, json, sizeof json);
    cr_assert_gt(n, 0);
    cr_expect(strchr(json, '\n') == NULL, "one line: %s", json);
    cr_assert_eq(sw_silence_parse(json, (size_t)n, &back, err, sizeof err), 0, "%s: %s", err, json);
    cr_expect_str_eq(back.id, s.id);
    cr_expect_str_eq(back.symbol, "BRK.B");
    cr_expect_str_eq(back.group, "ai");
    cr_expect_str_eq(back.detector, "pct_move");
    cr_expect_eq(back.severity, SW_SEV_WARNING);
    cr_expect_str_eq(back.channel, "risk-desk");
    cr_expect_eq(back.start_ms, s.start_ms);
    cr_expect_eq(back.end_ms, s.end_ms);
    cr_expect_eq(back.created_ms, s.created_ms);
    cr_expect_str_eq(back.author, "ana");
    cr_expect_str_eq(back.comment, s.comment);
    cr_assert_eq(sw_silence_to_json(&back, again, sizeof again), n);
    cr_expect_str_eq(again, json, "encode, parse, encode gives the same bytes");
    char m[200];
    cr_expect_str_eq(sw_silence_matchers(&s, m, sizeof m),
                     "symbol=BRK.B group=ai detector=pct_move severity<=warning channel=risk-desk");
    cr_expect_eq(sw_silence_to_json(&s, json, 40), -1, "does not fit");
}

/* A valid record with one piece replaced: refused, with the reason. */
Test(silence, records_read_from_redis_are_checked)
{
    static const char good[] =
        "{\"v\":1,\"id\":\"3fa9c2d1\",\"matchers\":{\"symbol\":\"NVDA\"},\"start_ms\":1737990000000,"
        "\"end_ms\":1737993600000,\"created_ms\":1737990000000,\"author\":\"ana\",\"comment\":\"on it\"}";
    sw_silence s;
    char err[200];
    cr_assert_eq(sw_silence_parse(good, strlen(good), &s, err, sizeof err), 0, "%s", err);
    struct { const char *from, *to, *why; } bad[] = {
        { "\"v\":1", "\"v\":2", "schema version" },
        { "\"id\":\"3fa9c2d1\"", "\"id\":\"3FA9C2D1\"", "lowercase hex" },
        { "\"id\":\"3fa9c2d1\"", "\"id\":\"3fa9c2d\"", "lowercase hex" },
        { "{\"symbol\":\"NVDA\"}", "{}", "no matcher" },
        { "{\"symbol\":\"NVDA\"}", "{\"symbol\":\"NVDA\",\"region\":\"us\"}", "unknown matcher \"region\"" },
        { "{\"symbol\":\"NVDA\"}", "{\"symbol\":\"\"}", "matchers.symbol is empty" },
        { "{\"symbol\":\"NVDA\"}", "{\"symbol\":\"nv da\"}", "not a symbol" },
        { "{\"symbol\":\"NVDA\"}", "{\"symbol\":\"NVDA\",\"symbol\":\"AMD\"}", "appears twice" },
        { "{\"symbol\":\"NVDA\"}", "{\"severity\":\"fatal\"}", "severity is not" },
        { "{\"symbol\":\"NVDA\"}", "{\"detector\":\"magic\"}", "not a detector type" },
        { "{\"symbol\":\"NVDA\"}", "{\"channel\":\"a b\"}", "not a channel name" },
        { "{\"symbol\":\"NVDA\"}", "{\"group\":\"a.b\"}", "not a group name" },
        { "{\"symbol\":\"NVDA\"}", "[]", "\"matchers\" is not an object" },
        { "\"end_ms\":1737993600000", "\"end_ms\":1737990000000", "not after the start" },
        { "\"end_ms\":1737993600000", "\"end_ms\":1747993600000", "longer than 30 days" },
        { "\"end_ms\":1737993600000", "\"end_ms\":1737993600000.5", "whole milliseconds" },
        { "\"end_ms\":1737993600000", "\"end_ms\":\"soon\"", "\"end_ms\" is not a number a double holds" },
        { "\"start_ms\":1737990000000", "\"start_ms\":1", "within the years" },
        { "\"author\":\"ana\"", "\"author\":\"\"", "\"author\" is empty" },
        { "\"author\":\"ana\"", "\"author\":\"a\\nb\"", "\"author\" has a control character" },
        { "\"comment\":\"on it\"", "\"comment\":\"\\u001b[31m\"", "\"comment\" has a control character" },
        { "\"comment\":\"on it\"", "\"comment\":\"\\u0085x\"", "\"comment\" has a control character" },
        { "\"comment\":\"on it\"", "\"comment\":\"on\\u0000<b>\"", "\\u0000 at byte" },
        { "\"comment\":\"on it\"", "\"comment\":\"on it\",\"comment\":\"x\"", "appears twice" },
        { "{\"v\":1", " {\"v\":1", "not a JSON object" },
        { "\"on it\"}", "\"on it\"}{\"v\":1}", "trailing content after the silence object" },
        { "\"on it\"}", "\"on it\"}\n", "control character 0x0a" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024];
        const char *at = strstr(good, bad[i].from);
        cr_assert_not_null(at, "%s", bad[i].from);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good), good, bad[i].to, at + strlen(bad[i].from));
        err[0] = '\0';
        cr_expect_eq(sw_silence_parse(text, strlen(text), &s, err, sizeof err), -1, "accepted: %s", text);
        cr_expect(strstr(err, bad[i].why) != NULL, "%s: wanted \"%s\", got \"%s\"", text, bad[i].why, err);
    }
    /* A long comment is refused, never cut; a record over the limit is not read. */
    char big[SW_SILENCE_JSON_MAX + 64];
    char comment[SW_SILENCE_COMMENT_MAX + 2];
    memset(comment, 'x', sizeof comment - 1);
    comment[sizeof comment - 1] = '\0';
    snprintf(big, sizeof big, "{\"v\":1,\"id\":\"3fa9c2d1\",\"matchers\":{\"symbol\":\"NVDA\"},\"start_ms\":1737990000000,"
             "\"end_ms\":1737993600000,\"created_ms\":1737990000000,\"author\":\"ana\",\"comment\":\"%s\"}", comment);
    cr_expect_eq(sw_silence_parse(big, strlen(big), &s, err, sizeof err), -1);
    cr_expect(strstr(err, "\"comment\" is longer than 500 bytes"), "%s", err);
    memset(big, ' ', sizeof big);
    cr_expect_eq(sw_silence_parse(big, SW_SILENCE_JSON_MAX + 1, &s, err, sizeof err), -1);
    cr_expect(strstr(err, "over the limit of 4096"), "%s", err);
    /* Unknown keys outside the matchers: a later version's fields; an empty
     * comment is a comment (not a missing one). */
    static const char later[] =
        "{\"v\":1,\"id\":\"3fa9c2d1\",\"matchers\":{\"symbol\":\"NVDA\"},\"start_ms\":1737990000000,"
        "\"end_ms\":1737993600000,\"created_ms\":1737990000000,\"author\":\"ana\",\"comment\":\"\",\"ticket\":\"OPS-1\"}";
    cr_expect_eq(sw_silence_parse(later, strlen(later), &s, err, sizeof err), 0, "%s", err);
}

Test(silence, durations_and_times_typed_by_a_person)
{
    int64_t ms;
    char err[200];
    cr_assert_eq(sw_silence_parse_duration("1h", &ms, err, sizeof err), 0);
    cr_expect_eq(ms, 3600000);
    cr_assert_eq(sw_silence_parse_duration("90m", &ms, err, sizeof err), 0);
    cr_expect_eq(ms, 5400000);
    cr_assert_eq(sw_silence_parse_duration("1.5h", &ms, err, sizeof err), 0);
    cr_expect_eq(ms, 5400000);
    cr_assert_eq(sw_silence_parse_duration("2s", &ms, err, sizeof err), 0);
    cr_expect_eq(ms, 2000);
    static const char *const bad[] = { "", "1", "h", "1x", "-1h", "1 h", "inf", "0.5s", "31d", "1h30", "nan" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_expect_eq(sw_silence_parse_duration(bad[i], &ms, err, sizeof err), -1, "\"%s\" accepted", bad[i]);
        cr_expect(err[0], "no reason for \"%s\"", bad[i]);
    }
    cr_expect(strstr((sw_silence_parse_duration("1x", &ms, err, sizeof err), err),
                     "\"1x\" is not a duration (a number and a unit: 30s, 90m, 1.5h, 1d)"), "%s", err);
    cr_expect(strstr((sw_silence_parse_duration("31d", &ms, err, sizeof err), err), "longer than the 30 days"), "%s",
              err);

    /* "11:30" is today in New York; with an offset or without (New York). */
    cr_assert_eq(sw_silence_parse_time("11:30", T0, &ms, err, sizeof err), 0, "%s", err);
    cr_expect_eq(ms, T0 + 90 * 60 * 1000);
    cr_assert_eq(sw_silence_parse_time("2025-01-27T16:30:00Z", T0, &ms, err, sizeof err), 0, "%s", err);
    cr_expect_eq(ms, T0 + 90 * 60 * 1000);
    cr_assert_eq(sw_silence_parse_time("2025-01-27T11:30", T0, &ms, err, sizeof err), 0, "%s", err);
    cr_expect_eq(ms, T0 + 90 * 60 * 1000);
    cr_expect_eq(sw_silence_parse_time("25:00", T0, &ms, err, sizeof err), -1);
    cr_expect_eq(sw_silence_parse_time("soon", T0, &ms, err, sizeof err), -1);
    cr_expect(strstr(err, "\"soon\" is not a time"), "%s", err);

    char buf[64], ny[64], utc[32];
    cr_expect_str_eq(sw_silence_clock(T0 + 90 * 60 * 1000, T0, buf, sizeof buf), "11:30 ET");
    cr_expect_str_eq(sw_silence_clock(T0 + 86400 * 1000, T0, buf, sizeof buf), "2025-01-28 10:00 ET");
    sw_silence_when(T0, ny, sizeof ny, utc, sizeof utc);
    cr_expect_str_eq(ny, "2025-01-27 10:00:00 EST");
    cr_expect_str_eq(utc, "2025-01-27T15:00:00Z");
}

Test(silence, ids_and_redis_names)
{
    cr_expect(sw_silence_id_valid("0123abcd"));
    cr_expect(!sw_silence_id_valid("0123abc"));
    cr_expect(!sw_silence_id_valid("0123abcde"));
    cr_expect(!sw_silence_id_valid("0123abcg"));
    cr_expect(!sw_silence_id_valid(""));
    char buf[64];
    cr_expect_str_eq(sw_silence_key("shockwatch:alerts", "0123abcd", buf, sizeof buf),
                     "shockwatch:alerts:silence:0123abcd");
    cr_expect_str_eq(sw_silence_index("shockwatch:alerts", buf, sizeof buf), "shockwatch:alerts:silences");
    cr_expect_null(sw_silence_key("shockwatch:alerts", "0123abcd", buf, 20));
    /* An empty silence has no matcher: not a silence. */
    sw_silence s = base();
    char err[200];
    cr_expect_eq(sw_silence_check(&s, err, sizeof err), -1);
    cr_expect(strstr(err, "no matcher"), "%s", err);
}
