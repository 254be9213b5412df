/*
 * fuzz_tg_updates.c -- a Telegram getUpdates answer as shock-notify's bot
 * reads it (alerts/notify/sw_tg_bot.c), from a Bot API server that may be
 * hostile or broken, and each message's text as a command.  Besides not
 * crashing:
 *  - an answer refused has a reason; an accepted one gives at most `max`
 *    updates, the highest update_id seen at least as high as each of them,
 *    their strings terminated, one line (no control character in a name),
 *    valid UTF-8;
 *  - a /silence command the parser takes, completed as the bot completes it
 *    (an id, now, the duration, an author), passes sw_silence_check: the
 *    parser never hands over what the store would refuse; a wrong one has a
 *    reason; /expire gives a valid id.
 */
#include "sw_escape.h"
#include "sw_fuzz.h"
#include "sw_strict_json.h"
#include "sw_tg_bot.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    return 0;
}

#define MAX_UPDATES 4

static const char *const ai[] = { "NVDA", "AMD", "AVGO" };
static const sw_group_spec groups[] = { { "ai", ai, 3 } };
static const char *const channels[] = { "tg", "hook" };
static const sw_silence_names names = { groups, 1, channels, 2 };

static void check_string(const char *what, const char *s, size_t cap)
{
    if (!memchr(s, '\0', cap))
        abort();
    if (sw_json_has_control(s) || !sw_utf8_valid(s, strlen(s))) {
        fprintf(stderr, "%s: not one line of UTF-8: %s\n", what, s);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = sw_fuzz_copy(data, size);
    static sw_tg_update u[MAX_UPDATES];
    size_t n = 0;
    int64_t last = INT64_MIN;
    char err[256] = "";
    if (sw_tg_parse_updates(json, size, u, MAX_UPDATES, &n, &last, err, sizeof err) != 0) {
        if (!err[0] || !memchr(err, '\0', sizeof err))
            abort();
        free(json);
        return 0;
    }
    if (n > MAX_UPDATES)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (u[i].update_id > last)
            abort();
        check_string("chat_username", u[i].chat_username, sizeof u[i].chat_username);
        check_string("from_username", u[i].from_username, sizeof u[i].from_username);
        check_string("from_name", u[i].from_name, sizeof u[i].from_name);
        if (!memchr(u[i].text, '\0', sizeof u[i].text) || !sw_utf8_valid(u[i].text, strlen(u[i].text)))
            abort();
        if (!u[i].has_text)
            continue;
        sw_tg_cmd c;
        sw_tg_parse_command(u[i].text, &names, "tg", &c);
        if (c.kind == SW_TG_SILENCE) {
            sw_silence s = c.s;
            snprintf(s.id, sizeof s.id, "0123abcd");
            s.start_ms = s.created_ms = INT64_C(1737990000000);
            s.end_ms = s.start_ms + c.duration_ms;
            snprintf(s.author, sizeof s.author, "@ana (telegram)");
            char e2[256];
            if (sw_silence_check(&s, e2, sizeof e2) != 0) {
                fprintf(stderr, "a command taken makes an invalid silence: %s\n%s\n", e2, u[i].text);
                abort();
            }
        } else if (c.kind == SW_TG_BAD) {
            if (!c.err[0] || !memchr(c.err, '\0', sizeof c.err))
                abort();
        } else if (c.kind == SW_TG_EXPIRE && !sw_silence_id_valid(c.id)) {
            abort();
        }
    }
    free(json);
    return 0;
}
