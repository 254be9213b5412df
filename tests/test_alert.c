/* Tests of alerts/sw_alert: schema-v1 JSON that parses back to the same
 * values, stable ids, readable text. */
#include "sw_alert.h"
#include "sw_alert_parse.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

/* 2025-01-27 14:30:00.412 UTC = 09:30:00.412 New York. */
#define TS (INT64_C(1737988200412) * 1000000)

static sw_candidate nvda(void)
{
    sw_candidate c;
    memset(&c, 0, sizeof c);
    c.kind = SW_CAND_FIRE;
    c.symbol = "NVDA";
    c.detector = "pct_move";
    c.severity = SW_SEV_CRITICAL;
    c.direction = -1;
    c.ts_ns = TS;
    c.price = 124.8;
    c.reference = 142.62;
    c.change_pct = (124.8 / 142.62 - 1) * 100;
    c.zscore = NAN;
    c.window = "prev_close";
    c.text = "NVDA -12.49% vs previous close 142.62";
    return c;
}

Test(alert, json_round_trip_has_every_schema_field)
{
    sw_candidate c = nvda();
    sw_alert a;
    sw_alert_from_candidate(&a, &c, c.severity, 0);
    char buf[SW_ALERT_JSON_MAX];
    int n = sw_alert_to_json(&a, buf, sizeof buf);
    cr_assert_gt(n, 0);
    cr_expect_eq((size_t)n, strlen(buf));
    cr_expect_null(strchr(buf, '\n'), "one line per alert");
    cJSON *o = cJSON_Parse(buf);
    cr_assert_not_null(o, "not JSON: %s", buf);
    cr_expect_eq(cJSON_GetObjectItem(o, "v")->valueint, 1);
    cr_expect_str_eq(cJSON_GetObjectItem(o, "id")->valuestring, a.id);
    cr_expect_eq(strlen(a.id), 16);
    cr_expect_str_eq(cJSON_GetObjectItem(o, "ts")->valuestring, "2025-01-27T14:30:00.412Z");
    cr_expect_str_eq(cJSON_GetObjectItem(o, "symbol")->valuestring, "NVDA");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(o, "group")));
    cr_expect_str_eq(cJSON_GetObjectItem(o, "detector")->valuestring, "pct_move");
    cr_expect_str_eq(cJSON_GetObjectItem(o, "severity")->valuestring, "critical");
    cr_expect_float_eq(cJSON_GetObjectItem(o, "price")->valuedouble, 124.8, 1e-9);
    cr_expect_float_eq(cJSON_GetObjectItem(o, "reference")->valuedouble, 142.62, 1e-9);
    /* 124.8/142.62 - 1 = -12.4947...% rounds to -12.49 */
    cr_expect_float_eq(cJSON_GetObjectItem(o, "change_pct")->valuedouble, -12.49, 1e-9);
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(o, "zscore")));
    cr_expect_str_eq(cJSON_GetObjectItem(o, "window")->valuestring, "prev_close");
    cr_expect_str_eq(cJSON_GetObjectItem(o, "direction")->valuestring, "down");
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(o, "resolved")));
    cr_expect_str_eq(cJSON_GetObjectItem(o, "message")->valuestring, "NVDA -12.49% vs previous close 142.62");
    cr_expect_null(cJSON_GetObjectItem(o, "members"));
    cJSON_Delete(o);
}

Test(alert, ids_are_stable_and_distinct)
{
    sw_candidate c = nvda();
    sw_alert a, b;
    sw_alert_from_candidate(&a, &c, c.severity, 0);
    sw_alert_from_candidate(&b, &c, c.severity, 0);
    cr_expect_str_eq(a.id, b.id, "same trigger, same id");
    c.ts_ns += 1000000;
    sw_alert_from_candidate(&b, &c, c.severity, 0);
    cr_expect_str_neq(a.id, b.id);
    c = nvda();
    sw_alert_from_candidate(&b, &c, SW_SEV_WARNING, 0);
    cr_expect_str_neq(a.id, b.id);
    c.symbol = "AVGO";
    sw_alert_from_candidate(&b, &c, c.severity, 0);
    cr_expect_str_neq(a.id, b.id);
}

Test(alert, group_alert_lists_members_and_escapes_text)
{
    sw_member_move m[3] = { { "AVGO", -17.4 }, { "NVDA", -16.97 }, { "META", 1.91 } };
    sw_candidate c = nvda();
    c.symbol = "ai";
    c.group = "ai";
    c.detector = "breadth";
    c.members = m;
    c.n_members = 3;
    c.text = "ai: 2 of 3 \"down\" \\ 5%";
    sw_alert a;
    sw_alert_from_candidate(&a, &c, c.severity, 0);
    char buf[SW_ALERT_JSON_MAX];
    cr_assert_gt(sw_alert_to_json(&a, buf, sizeof buf), 0);
    cJSON *o = cJSON_Parse(buf);
    cr_assert_not_null(o);
    cr_expect_str_eq(cJSON_GetObjectItem(o, "group")->valuestring, "ai");
    cr_expect_str_eq(cJSON_GetObjectItem(o, "message")->valuestring, "ai: 2 of 3 \"down\" \\ 5%");
    cJSON *arr = cJSON_GetObjectItem(o, "members");
    cr_assert_eq(cJSON_GetArraySize(arr), 3);
    cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "symbol")->valuestring, "AVGO");
    cr_expect_float_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 2), "change_pct")->valuedouble, 1.91, 1e-9);
    cJSON_Delete(o);
}

Test(alert, too_small_buffer_fails_cleanly)
{
    sw_candidate c = nvda();
    sw_alert a;
    sw_alert_from_candidate(&a, &c, c.severity, 0);
    char buf[64];
    cr_expect_eq(sw_alert_to_json(&a, buf, sizeof buf), -1);
}

Test(alert, text_rendering_uses_new_york_time)
{
    sw_candidate c = nvda();
    sw_alert a;
    sw_alert_from_candidate(&a, &c, c.severity, 0);
    char line[512];
    cr_assert_gt(sw_alert_to_text(&a, line, sizeof line), 0);
    cr_expect(strncmp(line, "2025-01-27 09:30:00.412 ET  CRITICAL  NVDA", 42) == 0, "got %s", line);
    cr_expect(strstr(line, "NVDA -12.49% vs previous close 142.62") != NULL);
}

Test(alert, iso_format_before_epoch_and_summer)
{
    char b[40];
    cr_expect_str_eq(sw_format_iso_ms(0, b, sizeof b), "1970-01-01T00:00:00.000Z");
    cr_expect_str_eq(sw_format_iso_ms(-1000000, b, sizeof b), "1969-12-31T23:59:59.999Z");
    /* 2025-07-01 13:30:00.005 UTC */
    cr_expect_str_eq(sw_format_iso_ms(INT64_C(1751376600005) * 1000000, b, sizeof b), "2025-07-01T13:30:00.005Z");
}

/* The session field and the message's note outside the regular session;
 * an alert without a session (an older shockd's) has no field. */
Test(alert, session_field_and_message_note)
{
    static const struct { int session; const char *field, *message; } cases[] = {
        { SW_SESSION_NONE, NULL, "NVDA -12.49% vs previous close 142.62" },
        { SW_SESSION_PRE, "\"session\":\"pre\"", "NVDA -12.49% vs previous close 142.62 (pre-market)" },
        { SW_SESSION_REGULAR, "\"session\":\"regular\"", "NVDA -12.49% vs previous close 142.62" },
        { SW_SESSION_POST, "\"session\":\"post\"", "NVDA -12.49% vs previous close 142.62 (after hours)" },
        { SW_SESSION_CLOSED, "\"session\":\"closed\"", "NVDA -12.49% vs previous close 142.62" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sw_candidate c = nvda();
        c.session = cases[i].session;
        sw_alert a, b;
        sw_alert_from_candidate(&a, &c, c.severity, 0);
        cr_expect_str_eq(a.message, cases[i].message);
        char json[SW_ALERT_JSON_MAX], err[128];
        cr_assert_gt(sw_alert_to_json(&a, json, sizeof json), 0);
        if (cases[i].field)
            cr_expect(strstr(json, cases[i].field) != NULL, "%s", json);
        else
            cr_expect(strstr(json, "\"session\"") == NULL, "%s", json);
        cr_assert_eq(sw_alert_parse(json, strlen(json), &b, err, sizeof err), 0, "%s", err);
        cr_expect_eq(b.session, cases[i].session);
    }
    /* A text that fills the message keeps the note: the text is cut instead. */
    char longtext[400];
    memset(longtext, 'x', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    sw_candidate c = nvda();
    c.text = longtext;
    c.session = SW_SESSION_POST;
    sw_alert a;
    sw_alert_from_candidate(&a, &c, c.severity, 0);
    cr_expect_eq(strlen(a.message), sizeof a.message - 1);
    cr_expect(strstr(a.message, "x (after hours)") != NULL);
}
