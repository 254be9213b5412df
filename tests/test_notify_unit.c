/* test_notify_unit.c -- shock-notify's pure parts with plain values: the
 * notify.* config rows and checks, routing and quiet hours (New York time),
 * the alert parser, and the rendered texts. */
#include "sw_alert_parse.h"
#include "sw_time.h"
#include "sw_config.h"
#include "sw_notify_format.h"
#include "sw_notify_route.h"
#include "sw_chan.h"

#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define BASE "\"groups\": {\"ai\": [\"NVDA\", \"AMD\"], \"benchmarks\": [\"SPY\"]}"

static int load(sw_config *cfg, const char *notify, char *errs, size_t len)
{
    char text[4096];
    snprintf(text, sizeof text, "{" BASE ", \"notify\": %s}", notify);
    sw_diag d = { 0 };
    int rc = sw_config_parse(cfg, text, strlen(text), "t.json", &d);
    errs[0] = '\0';
    for (size_t i = 0; i < d.n; i++)
        snprintf(errs + strlen(errs), len - strlen(errs), "%s\n", d.lines[i]);
    sw_diag_free(&d);
    return rc;
}

static const char *const ROUTES =
    "{\"channels\": {\"slack\": {\"url_env\": \"X\", \"quiet_hours\": \"22:00-07:00\"},\n"
    "  \"email\": {\"url\": \"smtps://mail.example.com\", \"from\": \"a@example.com\", \"to\": [\"b@example.com\"]},\n"
    "  \"hook\": {\"type\": \"webhook\", \"url\": \"https://example.com/h\"}},\n"
    " \"routes\": [{\"min_severity\": \"critical\", \"channels\": [\"slack\", \"email\"]},\n"
    "            {\"min_severity\": \"warning\", \"channels\": [\"slack\"]},\n"
    "            {\"groups\": [\"benchmarks\"], \"detectors\": [\"zscore\"], \"channels\": [\"hook\"]}]}";

static sw_alert alert(const char *sym, sw_severity sev, const char *det)
{
    sw_alert a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "0123456789abcdef");
    snprintf(a.symbol, sizeof a.symbol, "%s", sym);
    snprintf(a.detector, sizeof a.detector, "%s", det);
    snprintf(a.window, sizeof a.window, "prev_close");
    a.severity = sev;
    a.direction = -1;
    a.price = 118.42;
    a.reference = 142.62;
    a.change_pct = -16.97;
    a.zscore = NAN;
    a.ts_ns = INT64_C(1737988200000000000);
    snprintf(a.message, sizeof a.message, "%s -16.97%% vs previous close 142.62", sym);
    return a;
}

/* 2025-01-27 (EST, UTC-5) at h:m New York time. */
static int64_t ny(int h, int m)
{
    return INT64_C(1737954000000000000) + ((int64_t)h * 3600 + m * 60) * INT64_C(1000000000);
}

Test(notify_config, rows_defaults_and_routes)
{
    sw_config cfg;
    char errs[4096];
    cr_assert_eq(load(&cfg, ROUTES, errs, sizeof errs), 0, "%s", errs);
    const sw_notify_config *n = &cfg.notify;
    cr_assert(n->present);
    cr_assert_eq(n->n_channels, 3);
    cr_assert_eq(n->channels[0].kind, SW_CHAN_SLACK);
    cr_assert_float_eq(n->channels[0].rate, 1.0, 1e-9, "Slack: one message a second by default");
    cr_assert_eq(n->channels[0].quiet_from_min, 22 * 60);
    cr_assert_eq(n->channels[0].quiet_to_min, 7 * 60);
    cr_assert_eq(n->channels[2].digest, 0, "webhooks get no digests");
    cr_assert_eq(n->digest_window_ns, INT64_C(60000000000));
    cr_assert_str_eq(n->dead_stream, "shockwatch:alerts:dead");
    sw_group_spec *g;
    sw_detector_spec *d;
    cr_assert_eq(sw_config_engine_specs(&cfg, &g, &d), 0);
    sw_alert crit = alert("NVDA", SW_SEV_CRITICAL, "pct_move"), warn = alert("NVDA", SW_SEV_WARNING, "pct_move"),
             info = alert("NVDA", SW_SEV_INFO, "pct_move"), z = alert("SPY", SW_SEV_WARNING, "zscore");
    uint32_t q;
    cr_assert_eq(sw_notify_route(n, g, cfg.n_groups, &crit, ny(12, 0), &q), 3u, "critical: slack + email");
    cr_assert_eq(sw_notify_route(n, g, cfg.n_groups, &warn, ny(12, 0), &q), 1u, "warning: slack");
    cr_assert_eq(sw_notify_route(n, g, cfg.n_groups, &info, ny(12, 0), &q), 0u, "info: nowhere");
    cr_assert_eq(sw_notify_route(n, g, cfg.n_groups, &z, ny(12, 0), &q), 5u, "benchmarks' zscore: slack + hook");
    /* Quiet hours in New York time: the warning waits for no one, it is skipped; critical passes. */
    cr_assert_eq(sw_notify_route(n, g, cfg.n_groups, &warn, ny(23, 30), &q), 0u);
    cr_assert_eq(q, 1u);
    cr_assert_eq(sw_notify_route(n, g, cfg.n_groups, &warn, ny(6, 59), &q), 0u);
    cr_assert_eq(sw_notify_route(n, g, cfg.n_groups, &warn, ny(7, 0), &q), 1u);
    cr_assert_eq(sw_notify_route(n, g, cfg.n_groups, &crit, ny(3, 0), &q), 3u, "critical always passes");
    cr_assert_str_eq(sw_notify_digest_group(g, cfg.n_groups, &crit), "ai");
    free(g);
    free(d);
    sw_config_free(&cfg);
}

Test(notify_config, problems_are_named)
{
    sw_config cfg;
    char errs[4096];
    cr_assert_neq(load(&cfg,
                       "{\"channels\": {\"slack\": {\"secret_env\": \"X\"},\n"
                       "  \"hook\": {\"type\": \"webhook\", \"url\": \"http://10.1.2.3/x\", \"digest\": true},\n"
                       "  \"mail\": {\"type\": \"email\", \"url\": \"smtp://mail.example.com:587\", \"starttls\": false,\n"
                       "           \"from\": \"a@example.com\", \"to\": [\"not an address\"]},\n"
                       "  \"pager\": {\"url\": \"https://x\"}},\n"
                       " \"routes\": [{\"channels\": [\"slack\", \"sms\"], \"detectors\": [\"pct_mov\"]}], \"digest\": 1}",
                       errs, sizeof errs),
                  0);
    static const char *const want[] = {
        "t.json: notify.channels.slack.secret_env: unknown key \"secret_env\"",
        "t.json: notify.channels.slack: missing url_env or url_file",
        "t.json: notify.channels.hook.url: http:// is allowed to a loopback host only",
        "t.json: notify.channels.hook.digest: a webhook posts each alert as its own JSON document",
        "t.json: notify.channels.mail.url: starttls may be turned off only for smtp:// to a loopback host",
        "t.json: notify.channels.mail.to[0]: \"not an address\" is not a mail address",
        "t.json: notify.channels.pager: missing type",
        "t.json: notify.routes[0].channels[1]: \"sms\" is not a channel",
        "t.json: notify.routes[0].detectors[0]: \"pct_mov\" is not a detector",
        "t.json: notify.digest: unknown key \"digest\" (one of: group, consumer",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(errs, want[i]), "missing: %s\nin:\n%s", want[i], errs);
}

Test(notify_config, quiet_hours_syntax)
{
    int a, b;
    cr_assert_eq(sw_notify_parse_quiet("22:00-07:00", &a, &b), 0);
    cr_assert_eq(sw_notify_parse_quiet("00:00-24:00", &a, &b), 0);
    cr_assert_eq(b, 1440);
    cr_assert_neq(sw_notify_parse_quiet("22:00-22:00", &a, &b), 0);
    cr_assert_neq(sw_notify_parse_quiet("25:00-07:00", &a, &b), 0);
    cr_assert_neq(sw_notify_parse_quiet("22:00 - 07:00", &a, &b), 0);
    cr_assert_neq(sw_notify_parse_quiet("22-07", &a, &b), 0);
}

Test(notify_alert, parse_round_trip_and_refusals)
{
    sw_alert a = alert("ai", SW_SEV_CRITICAL, "breadth"), b;
    snprintf(a.group, sizeof a.group, "ai");
    a.n_members = 1;
    snprintf(a.members[0].symbol, sizeof a.members[0].symbol, "AVGO");
    a.members[0].change_pct = -17.4;
    char json[SW_ALERT_JSON_MAX], err[256];
    int len = sw_alert_to_json(&a, json, sizeof json);
    cr_assert_gt(len, 0);
    cr_assert_eq(sw_alert_parse(json, (size_t)len, &b, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(b.id, a.id);
    cr_assert_eq(b.ts_ns, a.ts_ns);
    cr_assert_eq(b.severity, SW_SEV_CRITICAL);
    cr_assert_eq(b.direction, -1);
    cr_assert(isnan(b.zscore));
    cr_assert_float_eq(b.change_pct, -16.97, 1e-9);
    cr_assert_eq(b.n_members, 1);
    cr_assert_str_eq(b.members[0].symbol, "AVGO");
    static const char *const bad[] = {
        "[]", "{\"v\":2}", "not json",
        "{\"v\":1,\"id\":\"x y\",\"ts\":\"2025-01-27T14:30:00.000Z\",\"symbol\":\"A\",\"group\":null,\"detector\":\"d\","
        "\"severity\":\"critical\",\"price\":1,\"reference\":null,\"change_pct\":null,\"zscore\":null,\"window\":\"w\","
        "\"direction\":\"down\",\"resolved\":false,\"message\":\"m\"}",
        "{\"v\":1,\"id\":\"ab\",\"ts\":\"2025-01-27T14:30:00.000Z\",\"symbol\":\"A\",\"group\":null,\"detector\":\"d\","
        "\"severity\":\"dire\",\"price\":1,\"reference\":null,\"change_pct\":null,\"zscore\":null,\"window\":\"w\","
        "\"direction\":\"down\",\"resolved\":false,\"message\":\"m\"}",
        "{\"v\":1,\"id\":\"0123456789abcdef0123456789\",\"ts\":\"2025-01-27T14:30:00.000Z\",\"symbol\":\"A\","
        "\"group\":null,\"detector\":\"d\",\"severity\":\"info\",\"price\":1,\"reference\":null,\"change_pct\":null,"
        "\"zscore\":null,\"window\":\"w\",\"direction\":\"down\",\"resolved\":false,\"message\":\"m\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_neq(sw_alert_parse(bad[i], strlen(bad[i]), &b, err, sizeof err), 0, "accepted: %s", bad[i]);
}

/* What the schema says a field is, it must be (sw_alert_parse.h): each
 * refusal says which rule and which field. */
Test(notify_alert, schema_is_enforced)
{
    sw_alert a = alert("NVDA", SW_SEV_CRITICAL, "pct_move"), b;
    char json[SW_ALERT_JSON_MAX], bad[SW_ALERT_JSON_MAX + 64], err[256];
    int len = sw_alert_to_json(&a, json, sizeof json);
    cr_assert_gt(len, 0);
    static const struct { const char *from, *to, *want; } cases[] = {
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"nvda<!here>\"", "\"symbol\" is neither a symbol (1 to 23 of" },
        { "\"symbol\":\"NVDA\"", "\"symbol\":\"NVDA\\n<3>x\"", "\"symbol\" has a control character" },
        { "\"group\":null", "\"group\":\"<@U1>\"", "\"group\" is not a group name" },
        { "\"detector\":\"pct_move\"", "\"detector\":\"pct_moves\"", "\"detector\" is not a detector type (one of "
                                                                      "pct_move, zscore, vol_regime, stale, breadth, level, volume, relative, market, halt, feed)" },
        { "\"resolved\":false", "\"resolved\":false,\"session\":\"lunch\"", "\"session\" is not pre, regular, post or closed" },
        { "\"resolved\":false", "\"resolved\":false,\"session\":3", "\"session\" is not pre, regular, post or closed" },
        { "\"window\":\"prev_close\"", "\"window\":\"<x>\"", "\"window\" has characters" },
        { "\"direction\":\"down\"", "\"direction\":\"left\"", "\"direction\" is not down, up or none" },
        { "\"message\":\"NVDA", "\"message\":\"\\u0007NVDA", "\"message\" has a control character" },
        { "\"message\":\"NVDA", "\"message\":\"\\u0085NVDA", "\"message\" has a control character" },
        { "\"message\":\"NVDA", "\"message\":\"\xc3(NVDA", "\"message\" is not valid UTF-8" },
        { "{\"v\":1,", "{\"v\":1,\"v\":1,", "key \"v\" appears twice" },
        { "{\"v\":1,", " {\"v\":1,", "not a JSON object" },
        { "{\"v\":1,", "{\"v\":1,\t", "control character 0x09 at byte 8" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *at = strstr(json, cases[i].from);
        cr_assert(at, "%s", cases[i].from);
        snprintf(bad, sizeof bad, "%.*s%s%s", (int)(at - json), json, cases[i].to, at + strlen(cases[i].from));
        cr_assert_neq(sw_alert_parse(bad, strlen(bad), &b, err, sizeof err), 0, "accepted: %s", bad);
        cr_assert(strstr(err, cases[i].want), "%s\n  gave: %s\n  want: %s", bad, err, cases[i].want);
    }
    snprintf(bad, sizeof bad, "%s{}", json);
    cr_assert_neq(sw_alert_parse(bad, strlen(bad), &b, err, sizeof err), 0);
    cr_assert(strstr(err, "trailing content after the alert object"), "%s", err);
    snprintf(bad, sizeof bad, "%s ", json);
    cr_assert_neq(sw_alert_parse(bad, strlen(bad), &b, err, sizeof err), 0, "not even a space after it");
    /* A group alert's symbol is the group's name; "feed" is shockd's own detector. */
    snprintf(a.symbol, sizeof a.symbol, "finnhub");
    snprintf(a.detector, sizeof a.detector, "feed");
    snprintf(a.window, sizeof a.window, "gap");
    len = sw_alert_to_json(&a, json, sizeof json);
    cr_assert_eq(sw_alert_parse(json, (size_t)len, &b, err, sizeof err), 0, "%s", err);
}

/* An alert stamped exactly at UTC midnight (24x7 crypto feeds) is that
 * instant, not a daily bar's New York midnight: it came back 5 hours late
 * before (found by fuzz/fuzz_alert_parse's round-trip check). */
Test(notify_alert, utc_midnight_is_an_instant)
{
    sw_alert a = alert("BTC-USD", SW_SEV_WARNING, "pct_move"), b;
    a.ts_ns = INT64_C(1737936000) * SW_NS_PER_SEC; /* 2025-01-27T00:00:00.000Z */
    char json[SW_ALERT_JSON_MAX], err[256];
    int len = sw_alert_to_json(&a, json, sizeof json);
    cr_assert_gt(len, 0);
    cr_assert(strstr(json, "\"ts\":\"2025-01-27T00:00:00.000Z\""), "%s", json);
    cr_assert_eq(sw_alert_parse(json, (size_t)len, &b, err, sizeof err), 0, "%s", err);
    cr_assert_eq(b.ts_ns, a.ts_ns);
    /* Only the encoder's form is v1's: another offset is refused, not moved. */
    char *p = strstr(json, "00:00:00.000Z");
    cr_assert(p);
    memcpy(p, "00:00:00+0100", 13); /* as long as "00:00:00.000Z" */
    cr_assert_neq(sw_alert_parse(json, strlen(json), &b, err, sizeof err), 0, "accepted: %s", json);
    cr_assert(strstr(err, "\"ts\" is not a UTC time YYYY-MM-DDTHH:MM:SS.mmmZ"), "%s", err);
}

Test(notify_format, subject_summary_and_digest)
{
    sw_alert n = alert("NVDA", SW_SEV_CRITICAL, "pct_move"), v = alert("AVGO", SW_SEV_CRITICAL, "pct_move"),
             o = alert("ORCL", SW_SEV_WARNING, "pct_move"), br = alert("ai", SW_SEV_CRITICAL, "breadth");
    v.change_pct = -17.4;
    o.change_pct = -8.01;
    snprintf(br.group, sizeof br.group, "ai");
    snprintf(br.message, sizeof br.message, "ai: 9 of 14 members down 5%% or more vs previous close");
    br.price = NAN;
    br.n_members = 2;
    snprintf(br.members[0].symbol, sizeof br.members[0].symbol, "NVDA");
    br.members[0].change_pct = -16.9;
    snprintf(br.members[1].symbol, sizeof br.members[1].symbol, "MU");
    br.members[1].change_pct = -9.5;
    char buf[1024];
    const sw_alert *one[] = { &n };
    sw_nf_subject(one, 1, NULL, buf, sizeof buf);
    cr_assert_str_eq(buf, "[CRITICAL] NVDA -16.97% vs prev close");
    const sw_alert *all[] = { &n, &br, &v, &o };
    sw_nf_summary(all, 4, "ai", 0, buf, sizeof buf);
    cr_assert_str_eq(buf, "ai: 9 of 14 members down 5% or more vs previous close \xe2\x80\x94 "
                          "AVGO -17.40%, NVDA -16.97%, MU -9.50%, ORCL -8.01%");
    sw_nf_subject(all, 4, "ai", buf, sizeof buf);
    cr_assert_str_eq(buf, "[CRITICAL] ai: 4 alerts - AVGO -17.40%, NVDA -16.97%, MU -9.50%, ORCL -8.01%");
    char t[64];
    cr_assert_str_eq(sw_nf_time_ny(n.ts_ns, t, sizeof t), "2025-01-27 09:30:00.000 EST");
    char *console = sw_nf_console(all, 4, "ai");
    cr_assert(strncmp(console, "DIGEST ai: 4 alerts | ai: 9 of 14", 33) == 0, "%s", console);
    free(console);
    /* A subject never carries a line break of the alert's making. */
    snprintf(n.message, sizeof n.message, "evil\r\nBcc: x@example.com");
    snprintf(n.detector, sizeof n.detector, "stale");
    sw_nf_subject(one, 1, NULL, buf, sizeof buf);
    cr_assert(!strchr(buf, '\r') && !strchr(buf, '\n'), "%s", buf);
}

/* "Loopback only" means the address: a name that merely starts with "127."
 * is anyone's (127.attacker.example resolves wherever its owner likes). */
Test(notify_config, plain_text_only_to_a_loopback_address)
{
    sw_config cfg;
    char errs[4096];
    cr_assert_neq(load(&cfg,
                       "{\"channels\": {\n"
                       "  \"hook\": {\"type\": \"webhook\", \"url\": \"http://127.attacker.example/hook\"},\n"
                       "  \"tg\": {\"type\": \"telegram\", \"token_env\": \"T\", \"chat_id\": \"1\",\n"
                       "          \"api_base\": \"http://127.0.0.1.attacker.example\"},\n"
                       "  \"mail\": {\"type\": \"email\", \"url\": \"smtp://127.mail.attacker.example\", \"starttls\": false,\n"
                       "           \"from\": \"a@example.com\", \"to\": [\"b@example.com\"]}},\n"
                       " \"routes\": [{\"channels\": [\"hook\", \"tg\", \"mail\"]}]}",
                       errs, sizeof errs),
                  0);
    static const char *const want[] = {
        "t.json: notify.channels.hook.url: http:// is allowed to a loopback host only",
        "t.json: notify.channels.tg.api_base: http:// is allowed to a loopback host only",
        "t.json: notify.channels.mail.url: starttls may be turned off only for smtp:// to a loopback host",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(errs, want[i]), "missing: %s\nin:\n%s", want[i], errs);
    /* The real loopback addresses are fine. */
    cr_assert_eq(load(&cfg,
                      "{\"channels\": {\n"
                      "  \"a\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.2:8080/hook\"},\n"
                      "  \"b\": {\"type\": \"webhook\", \"url\": \"http://[::1]:8080/hook\"},\n"
                      "  \"c\": {\"type\": \"webhook\", \"url\": \"http://localhost/hook\"},\n"
                      "  \"mail\": {\"type\": \"email\", \"url\": \"smtp://127.0.0.1:25\", \"starttls\": false,\n"
                      "           \"from\": \"a@example.com\", \"to\": [\"b@example.com\"]}},\n"
                      " \"routes\": [{\"channels\": [\"a\", \"b\", \"c\", \"mail\"]}]}",
                      errs, sizeof errs),
                 0, "%s", errs);
    sw_config_free(&cfg);
    /* The same rule for URLs that come from a secret (url_env, url_file). */
    char err[256];
    cr_assert_neq(sw_chan_check_url("http://127.attacker.example/hook", "u", err, sizeof err), 0);
    cr_assert_neq(sw_chan_check_url("http://127.1.attacker.example:80/hook", "u", err, sizeof err), 0);
    cr_assert_eq(sw_chan_check_url("http://127.0.0.1:8080/hook", "u", err, sizeof err), 0, "%s", err);
    cr_assert_eq(sw_chan_check_url("http://[::1]/hook", "u", err, sizeof err), 0, "%s", err);
}

/* A config whose mail channel's from is a local part of `local` bytes at
 * example.com. */
static int load_with_from(sw_config *cfg, size_t local, char *errs, size_t len)
{
    char from[1300], text[3000];
    memset(from, 'a', local);
    memcpy(from + local, "@example.com", 13);
    snprintf(text, sizeof text,
             "{\"channels\": {\"mail\": {\"type\": \"email\", \"url\": \"smtps://mail.example.com\", \"from\": \"%s\",\n"
             "  \"to\": [\"b@example.com\"]}}, \"routes\": [{\"channels\": [\"mail\"]}]}",
             from);
    return load(cfg, text, errs, len);
}

/* Every string option has a length limit in the loader's table: an e-mail
 * "from" of 3000 bytes once overflowed the message buffer. */
Test(notify_config, overlong_strings_are_refused_with_their_key)
{
    sw_config cfg;
    char errs[4096];
    cr_assert_neq(load_with_from(&cfg, 1200, errs, sizeof errs), 0);
    cr_assert(strstr(errs, "t.json: notify.channels.mail.from: is 1212 bytes long (at most 254)"), "%s", errs);
    /* The limit itself is accepted. */
    cr_assert_eq(load_with_from(&cfg, 242, errs, sizeof errs), 0, "%s", errs);
    sw_config_free(&cfg);
}

/* A Slack digest's context line spans its first to its last alert: the
 * 2025-01-27 replay's ai digest held alerts from 09:30 to 13:44 and said
 * "09:30:00.000 EST to 09:30:00.000 EST" (both times were formatted into one
 * buffer, in the arguments of one call). */
Test(notify_format, slack_digest_time_range_ends_at_the_last_alert)
{
    sw_alert first = alert("NVDA", SW_SEV_CRITICAL, "pct_move"), last = alert("AVGO", SW_SEV_WARNING, "pct_move");
    first.ts_ns = ny(9, 30);
    last.ts_ns = ny(13, 44) + INT64_C(12345000000); /* 13:44:12.345 */
    const sw_alert *al[] = { &first, &last };
    char *payload = sw_nf_slack(al, 2, "ai");
    cr_assert_not_null(payload);
    cr_assert(strstr(payload, "2025-01-27 09:30:00.000 EST to 13:44:12.345 EST"), "%s", payload);
    free(payload);
}

Test(notify_config, what_a_picture_needs)
{
    sw_config cfg;
    char errs[4096];
    cr_assert_neq(load(&cfg,
                       "{\"chart_url\": \"ftp://x/{symbol}\", \"dashboard_url\": \"http://x/{sym}\",\n"
                       " \"channels\": {\"hook\": {\"type\": \"webhook\", \"url\": \"https://e.com\", \"chart\": true},\n"
                       "  \"con\": {\"type\": \"console\", \"chart\": true}},\n"
                       " \"routes\": [{\"channels\": [\"hook\", \"con\"]}]}",
                       errs, sizeof errs),
                  0);
    /* Each problem at its path, said the way --check says it. */
    static const struct { const char *path, *what; } want[] = {
        { "chart_url", "is not an http(s) URL" },
        { "dashboard_url", "has a placeholder other than {symbol} and {id} at \"{sym}\"" },
        { "channels.hook.chart", "a webhook channel carries no picture" },
        { "channels.con.chart", "a console channel carries no picture" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char line[256];
        snprintf(line, sizeof line, "t.json: notify.%s: %s", want[i].path, want[i].what);
        cr_assert(strstr(errs, line), "missing: %s\nin:\n%s", line, errs);
    }
    cr_assert_neq(load(&cfg,
                       "{\"channels\": {\"slack\": {\"url_env\": \"X\", \"chart\": true},\n"
                       "  \"tg\": {\"type\": \"telegram\", \"token_env\": \"T\", \"chat_id\": \"1\", \"chart\": true}},\n"
                       " \"routes\": [{\"channels\": [\"slack\", \"tg\"]}]}",
                       errs, sizeof errs),
                  0);
    cr_assert(strstr(errs, "notify.channels.slack.chart: slack cannot carry a picture: it links "
                           "notify.dashboard_url, which is not set"), "%s", errs);
    cr_assert(strstr(errs, "notify.channels.tg.chart: needs notify.chart_url"), "%s", errs);
    cr_assert_eq(load(&cfg,
                      "{\"chart_url\": \"http://10.0.0.5:9464/chart/{symbol}.png?alert={id}\",\n"
                      " \"channels\": {\"tg\": {\"type\": \"telegram\", \"token_env\": \"T\", \"chat_id\": \"1\",\n"
                      "  \"chart\": true}}, \"routes\": [{\"channels\": [\"tg\"]}]}",
                      errs, sizeof errs),
                 0, "%s", errs);
    cr_assert(cfg.notify.channels[0].chart);
    cr_assert_str_eq(cfg.notify.channels[0].chart_url, "http://10.0.0.5:9464/chart/{symbol}.png?alert={id}");
    sw_config_free(&cfg);
}

Test(notify_format, caption_length_and_a_slack_link_to_the_dashboard)
{
    cr_assert_eq(sw_nf_chars("abc"), 3);
    cr_assert_eq(sw_nf_chars("\xe2\x88\x92 1"), 3);           /* U+2212: one */
    cr_assert_eq(sw_nf_chars("\xf0\x9f\x93\x89"), 2);         /* an emoji: two UTF-16 units */
    sw_alert a = alert("NVDA", SW_SEV_CRITICAL, "pct_move");
    const sw_alert *one[] = { &a };
    char *p = sw_nf_slack(one, 1, NULL);
    char *l = sw_nf_slack_link(p, "http://h/?a=1&b=2|3", "Open");
    cr_assert_not_null(l);
    cJSON *o = cJSON_Parse(l);
    cr_assert_not_null(o);
    cr_assert(strstr(l, "<http://h/?a=1&amp;b=2%7C3|Open>"), "%s", l);
    cJSON_Delete(o);
    free(l);
    free(p);
    cr_assert_null(sw_nf_slack_link("{\"text\": 1}", "http://h", "x"));
}


/* Every format shows the alert's session; one without (an older shockd's)
 * shows "-". */
Test(notify_format, the_session_is_shown)
{
    sw_alert a = alert("NVDA", SW_SEV_CRITICAL, "pct_move");
    a.session = SW_SESSION_PRE;
    const sw_alert *one[] = { &a };
    char *text = sw_nf_text(one, 1, NULL), *slack = sw_nf_slack(one, 1, NULL), *discord = sw_nf_discord(one, 1, NULL),
         *tg = sw_nf_telegram("42", one, 1, NULL);
    cr_expect(strstr(text, "\n  Session:    pre\n") != NULL, "%s", text);
    cr_expect(strstr(slack, "*Session*\\npre") != NULL, "%s", slack);
    cr_expect(strstr(discord, "\xc2\xb7 session pre") != NULL, "%s", discord);
    cr_expect(strstr(tg, "\xc2\xb7 session pre") != NULL, "%s", tg);
    free(text);
    free(slack);
    free(discord);
    free(tg);
    a.session = SW_SESSION_NONE;
    text = sw_nf_text(one, 1, NULL);
    cr_expect(strstr(text, "\n  Session:    -\n") != NULL, "%s", text);
    free(text);
}
