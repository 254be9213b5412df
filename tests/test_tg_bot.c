/* test_tg_bot.c -- the Telegram bot's parsers (alerts/notify/sw_tg_bot.h)
 * without I/O: getUpdates answers (what is taken, what is skipped, what
 * refuses the whole answer, the highest update_id), and commands (matchers,
 * the default channel, durations, comments, "did you mean", other bots'
 * commands ignored).  The bot on the network is tested in
 * test_notify_silence.c. */
#include "sw_tg_bot.h"

#include <criterion/criterion.h>
#include <string.h>

static const char *const ai[] = { "NVDA", "AMD", "AVGO" };
static const sw_group_spec groups[] = { { "ai", ai, 3 } };
static const char *const chans[] = { "tg", "hook", "desk" };
static const sw_silence_names names = { groups, 1, chans, 3 };

Test(tg_bot, updates_are_read_with_their_ids)
{
    static const char answer[] =
        "{\"ok\":true,\"result\":["
        "{\"update_id\":7,\"message\":{\"message_id\":1,\"date\":1737990000,\"chat\":{\"id\":-1001234567890,"
        "\"type\":\"supergroup\",\"username\":\"desk_room\"},\"from\":{\"id\":42,\"is_bot\":false,\"first_name\":"
        "\"Ana\\nX\",\"username\":\"ana_trader\"},\"text\":\"/silence NVDA 1h\",\"entities\":[{\"type\":\"bot_command\","
        "\"offset\":0,\"length\":8}]}},"
        "{\"update_id\":8,\"edited_message\":{\"text\":\"x\"}},"
        "{\"update_id\":9,\"message\":{\"message_id\":2,\"date\":1737990001,\"chat\":{\"id\":5,\"type\":\"private\"},"
        "\"photo\":[]}},"
        "{\"update_id\":10,\"message\":{\"message_id\":3,\"date\":1737990002,\"chat\":{\"id\":\"x\"},\"text\":\"/silences\"}}"
        "]}";
    sw_tg_update u[8];
    size_t n = 0;
    int64_t last = 0;
    char err[200];
    cr_assert_eq(sw_tg_parse_updates(answer, strlen(answer), u, 8, &n, &last, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n, 4);
    cr_expect_eq(last, 10, "every update is confirmed, with text or not");
    cr_expect(u[0].has_text);
    cr_expect_eq(u[0].chat_id, -1001234567890LL);
    cr_expect_str_eq(u[0].chat_username, "desk_room");
    cr_expect_eq(u[0].from_id, 42);
    cr_expect_str_eq(u[0].from_username, "ana_trader");
    cr_expect_str_eq(u[0].from_name, "Ana X", "a control character in a name is a space");
    cr_expect_eq(u[0].date, 1737990000);
    cr_expect_str_eq(u[0].text, "/silence NVDA 1h");
    cr_expect(!u[1].has_text, "an edit is not a command");
    cr_expect(!u[2].has_text, "a photo is not a command");
    cr_expect(!u[3].has_text, "a chat id that is not a number");

    /* At most max are taken; last covers those only. */
    last = 0;
    cr_assert_eq(sw_tg_parse_updates(answer, strlen(answer), u, 2, &n, &last, err, sizeof err), 0);
    cr_expect_eq(n, 2);
    cr_expect_eq(last, 8);

    /* A long text keeps its start, flagged. */
    char big[4000];
    char text[2000];
    memset(text, 'a', sizeof text - 1);
    text[0] = '/';
    text[sizeof text - 1] = '\0';
    snprintf(big, sizeof big, "{\"ok\":true,\"result\":[{\"update_id\":1,\"message\":{\"date\":1,\"chat\":{\"id\":1},"
                              "\"text\":\"%s\"}}]}", text);
    cr_assert_eq(sw_tg_parse_updates(big, strlen(big), u, 8, &n, &last, err, sizeof err), 0);
    cr_expect(u[0].too_long && strlen(u[0].text) == SW_TG_TEXT_MAX);
}

Test(tg_bot, answers_that_are_refused_whole)
{
    struct { const char *json, *why; } bad[] = {
        { "{\"ok\":false,\"error_code\":409,\"description\":\"Conflict: terminated by other getUpdates request\"}",
          "the Bot API says: Conflict: terminated by other getUpdates request" },
        { "{\"ok\":false,\"description\":\"a\\u001bb\"}", "the Bot API says: a\\x1bb" },
        { "[]", "not a JSON object" },
        { "{\"ok\":true}", "\"result\" is not an array" },
        { "{\"ok\":true,\"result\":[{\"message\":{}}]}", "update 0 has no update_id" },
        { "{\"ok\":true,\"result\":[{\"update_id\":1.5}]}", "update 0 has no update_id" },
        { "{\"ok\":true,\"result\":[{\"update_id\":-3}]}", "update 0 has no update_id" },
        { "not json", "not a JSON object" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sw_tg_update u[4];
        size_t n = 99;
        int64_t last = 5;
        char err[200] = "";
        cr_expect_eq(sw_tg_parse_updates(bad[i].json, strlen(bad[i].json), u, 4, &n, &last, err, sizeof err), -1,
                     "%s", bad[i].json);
        cr_expect(strstr(err, bad[i].why), "%s: wanted \"%s\", got \"%s\"", bad[i].json, bad[i].why, err);
        cr_expect_eq(last, 5, "nothing confirmed from a refused answer");
    }
}

Test(tg_bot, commands)
{
    sw_tg_cmd c;
    sw_tg_parse_command("/silence NVDA 1h on it  ", &names, "tg", &c);
    cr_assert_eq(c.kind, SW_TG_SILENCE, "%s", c.err);
    cr_expect_str_eq(c.s.symbol, "NVDA");
    cr_expect_str_eq(c.s.channel, "tg", "this channel unless told otherwise");
    cr_expect_eq(c.duration_ms, 3600000);
    cr_expect_str_eq(c.s.comment, "on it");

    sw_tg_parse_command("/silence@shock_bot nvda 30m", &names, "tg", &c);
    cr_assert_eq(c.kind, SW_TG_SILENCE, "%s", c.err);
    cr_expect_str_eq(c.s.symbol, "NVDA", "any case");
    cr_expect_str_eq(c.s.comment, "");

    sw_tg_parse_command("/silence ai severity=warning channel=* 2h\nbig day", &names, "tg", &c);
    cr_assert_eq(c.kind, SW_TG_SILENCE, "%s", c.err);
    cr_expect_str_eq(c.s.group, "ai");
    cr_expect_eq(c.s.severity, SW_SEV_WARNING);
    cr_expect_str_eq(c.s.channel, "", "channel=*: every channel");
    cr_expect_str_eq(c.s.comment, "big day");

    sw_tg_parse_command("/silence detector=breadth channel=desk 1d", &names, "tg", &c);
    cr_assert_eq(c.kind, SW_TG_SILENCE, "%s", c.err);
    cr_expect_str_eq(c.s.detector, "breadth");
    cr_expect_str_eq(c.s.channel, "desk");

    sw_tg_parse_command("/silences", &names, "tg", &c);
    cr_expect_eq(c.kind, SW_TG_SILENCES);
    sw_tg_parse_command("/expire 3FA9C2D1", &names, "tg", &c);
    cr_expect_eq(c.kind, SW_TG_EXPIRE);
    cr_expect_str_eq(c.id, "3fa9c2d1");
    sw_tg_parse_command("/help", &names, "tg", &c);
    cr_expect_eq(c.kind, SW_TG_HELP);
    cr_expect(strstr(sw_tg_help(), "/silence SYMBOL|GROUP DURATION"));

    /* Not ours: ordinary talk, another bot's command. */
    sw_tg_parse_command("silence NVDA 1h", &names, "tg", &c);
    cr_expect_eq(c.kind, SW_TG_NONE);
    sw_tg_parse_command("/weather", &names, "tg", &c);
    cr_expect_eq(c.kind, SW_TG_NONE);

    struct { const char *text, *why; } bad[] = {
        { "/silence NVDX 1h", "\"NVDX\" is neither a symbol nor a group of the watchlist; did you mean \"NVDA\"?" },
        { "/silence NVDA", "missing the duration" },
        { "/silence NVDA 1x", "\"1x\" is not a duration" },
        { "/silence NVDA 40d", "longer than the 30 days" },
        { "/silence NVDA AMD 1h", "one symbol or group, then the duration" },
        { "/silence channel=tg 1h", "name what to silence" },
        { "/silence NVDA chanel=hook 1h", "unknown matcher \"chanel\"; did you mean \"channel\"?" },
        { "/silence NVDA channel=hok 1h", "\"hok\" is not a channel of notify.channels; did you mean \"hook\"?" },
        { "/silence NVDA severity=high 1h", "\"high\" is not a severity" },
        { "/silence group=ia 1h", "did you mean \"ai\"?" },
        { "/expire", "which silence?" },
        { "/expire nope", "\"nope\" is not a silence id" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sw_tg_parse_command(bad[i].text, &names, "tg", &c);
        cr_expect_eq(c.kind, SW_TG_BAD, "%s", bad[i].text);
        cr_expect(strstr(c.err, bad[i].why), "%s: wanted \"%s\", got \"%s\"", bad[i].text, bad[i].why, c.err);
    }
}
