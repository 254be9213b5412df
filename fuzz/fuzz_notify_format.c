/*
 * fuzz_notify_format.c -- every channel's formatter (alerts/notify/
 * sw_notify_format.c) on alerts from the Redis stream, which anyone with
 * access to that Redis can write (docs/security.md).
 *
 * The input is a stream entry's JSON.  If sw_alert_parse accepts it, that
 * alert is rendered alone and as a digest with a second alert whose text is
 * taken from the input's tail.  Otherwise an alert is made straight from the
 * input's bytes, cut into its text fields at 0xFF bytes, bypassing the
 * parser's rules (the formatters must be safe on their own), and rendered
 * alone or as a digest.  For every
 * rendering, besides "no crash":
 *
 *  - Slack, Discord, Telegram: the payload is JSON (cJSON parses it) and
 *    valid UTF-8;
 *  - Slack: no string of the payload holds '<' or '>', so no mention
 *    (<!channel>, <@U..>) and no link (<url|text>) can form;
 *  - Discord: no '@', '<', '>', '`', '|', '~' or '_' without its backslash,
 *    no "](" (a masked link) with its ']' unescaped, and mention parsing off;
 *  - Telegram: no '@' directly before a name character (a mention entity);
 *  - the mail subject (a header) is printable ASCII of at most 200 bytes,
 *    the mail text and the console lines hold no control character but the
 *    line ends, and a log line (sw_esc_line) holds none at all.
 */
#include "sw_alert.h"
#include "sw_alert_parse.h"
#include "sw_escape.h"
#include "sw_fuzz.h"
#include "sw_notify_format.h"

#include <cjson/cJSON.h>
#include <math.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    return 0;
}

#define FAIL(...)                                                                                                \
    do {                                                                                                     \
        fprintf(stderr, __VA_ARGS__);                                                                        \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

static void slack_strings(const cJSON *v, const char *all)
{
    if (cJSON_IsString(v) && (strchr(v->valuestring, '<') || strchr(v->valuestring, '>')))
        FAIL("Slack text with < or >: %s\nin %s", v->valuestring, all);
    const cJSON *c;
    cJSON_ArrayForEach(c, v) slack_strings(c, all);
}

/* The payload parses as JSON, is UTF-8; returns the parsed tree. */
static cJSON *json_payload(const char *what, const char *out)
{
    if (!out)
        FAIL("%s: no payload", what);
    if (!sw_utf8_valid(out, strlen(out)))
        FAIL("%s: payload is not UTF-8: %s", what, out);
    cJSON *o = cJSON_Parse(out);
    if (!o)
        FAIL("%s: payload is not JSON: %s", what, out);
    return o;
}

static void check_slack(const sw_alert *const *al, size_t n, const char *group)
{
    char *out = sw_nf_slack(al, n, group);
    cJSON *o = json_payload("slack", out);
    slack_strings(o, out);
    cJSON_Delete(o);
    free(out);
}

static void check_discord(const sw_alert *const *al, size_t n, const char *group)
{
    char *out = sw_nf_discord(al, n, group);
    cJSON *o = json_payload("discord", out);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "content");
    const cJSON *parse = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "allowed_mentions"),
                                                          "parse");
    if (!cJSON_IsString(c) || !cJSON_IsArray(parse) || cJSON_GetArraySize(parse) != 0)
        FAIL("discord: no content or mentions not off: %s", out);
    const char *s = c->valuestring;
    for (const char *p = s; *p; p++) {
        /* An escaping backslash is one not escaped itself. */
        size_t bs = 0;
        for (const char *q = p; q > s && q[-1] == '\\'; q--)
            bs++;
        int escaped = bs % 2 == 1;
        if (strchr("@<>`|~_", *p) && !escaped)
            FAIL("discord: unescaped '%c' at %td: %s", *p, p - s, s);
        if (*p == ']' && p[1] == '(' && !escaped)
            FAIL("discord: a masked link at %td: %s", p - s, s);
    }
    cJSON_Delete(o);
    free(out);
}

static void check_telegram(const sw_alert *const *al, size_t n, const char *group)
{
    char *out = sw_nf_telegram("-100123", al, n, group);
    cJSON *o = json_payload("telegram", out);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "text");
    if (!cJSON_IsString(t) || cJSON_GetObjectItemCaseSensitive(o, "parse_mode"))
        FAIL("telegram: no text, or a parse mode: %s", out);
    for (const char *p = strchr(t->valuestring, '@'); p; p = strchr(p + 1, '@'))
        if ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= '0' && p[1] <= '9') ||
            p[1] == '_')
            FAIL("telegram: a mention at %td: %s", p - t->valuestring, t->valuestring);
    cJSON_Delete(o);
    free(out);
}

/* Text whose only control characters are its line ends. */
static void lines_only(const char *what, const char *s)
{
    if (!s)
        FAIL("%s: no text", what);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
            FAIL("%s: control character 0x%02x at %td: %s", what, *p, (const char *)p - s, s);
}

static void check_plain(const sw_alert *const *al, size_t n, const char *group)
{
    char subject[256], summary[1024];
    sw_nf_subject(al, n, group, subject, sizeof subject);
    if (strlen(subject) > 200)
        FAIL("subject of %zu bytes", strlen(subject));
    for (const unsigned char *p = (const unsigned char *)subject; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            FAIL("subject byte 0x%02x: %s", *p, subject);
    sw_nf_summary(al, n, group, 1, summary, sizeof summary);
    lines_only("summary", summary);
    if (strchr(summary, '\n'))
        FAIL("summary of more than one line: %s", summary);
    char *text = sw_nf_text(al, n, group);
    lines_only("mail text", text);
    free(text);
    char *console = sw_nf_console(al, n, group);
    lines_only("console", console);
    free(console);
}

static void check_all(const sw_alert *const *al, size_t n, const char *group)
{
    check_slack(al, n, group);
    check_discord(al, n, group);
    check_telegram(al, n, group);
    check_plain(al, n, group);
}

/* The next 0xFF-separated piece of data into dst (cut to fit, NUL-free). */
static void piece(const uint8_t **p, const uint8_t *end, char *dst, size_t len)
{
    size_t o = 0;
    while (*p < end && **p != 0xFF) {
        if (**p && o + 1 < len)
            dst[o++] = (char)**p;
        (*p)++;
    }
    if (*p < end)
        (*p)++;
    dst[o] = '\0';
}

/* An alert straight from the bytes, none of the parser's rules applied. */
static void raw_alert(sw_alert *a, const uint8_t *data, size_t size)
{
    memset(a, 0, sizeof *a);
    const uint8_t *p = data, *end = data + size;
    piece(&p, end, a->message, sizeof a->message);
    piece(&p, end, a->symbol, sizeof a->symbol);
    piece(&p, end, a->group, sizeof a->group);
    piece(&p, end, a->detector, sizeof a->detector);
    piece(&p, end, a->window, sizeof a->window);
    piece(&p, end, a->id, sizeof a->id);
    a->severity = size ? (sw_severity)(data[0] % 3) : SW_SEV_CRITICAL;
    a->resolved = size > 1 && (data[1] & 1);
    a->direction = size > 2 ? data[2] % 3 - 1 : -1;
    a->ts_ns = INT64_C(1737988200000000000) + (int64_t)(size * 1000003);
    a->price = 118.42;
    a->reference = size > 3 && (data[3] & 1) ? NAN : 142.62;
    a->change_pct = size > 3 && (data[3] & 2) ? NAN : -16.97;
    a->zscore = size > 3 && (data[3] & 4) ? -9.5 : NAN;
    while (p < end && a->n_members < SW_ALERT_MAX_MEMBERS) {
        sw_alert_member *m = &a->members[a->n_members++];
        piece(&p, end, m->symbol, sizeof m->symbol);
        m->change_pct = -(double)a->n_members;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = sw_fuzz_copy(data, size);
    static sw_alert a, b;
    char err[256];
    int parsed = sw_alert_parse(json, size, &a, err, sizeof err) == 0;
    free(json);
    if (parsed) {
        const sw_alert *one[] = { &a };
        check_all(one, 1, NULL);
        raw_alert(&b, data + size / 2, size - size / 2);
        const sw_alert *two[] = { &a, &b };
        check_all(two, 2, a.group[0] ? a.group : "ai");
    } else {
        /* Most inputs are no alert: the same bytes as raw fields, alone or
         * (the last byte says) as a digest of two. */
        raw_alert(&b, data, size);
        const sw_alert *pair[] = { &b, &b };
        if (size && (data[size - 1] & 1))
            check_all(pair, 2, b.group);
        else
            check_all(pair, 1, NULL);
    }
    /* A log line from any bytes: one line, nothing below 0x20. */
    char *s = sw_fuzz_strndup(data, size), line[1024];
    sw_esc_line_buf(s, line, sizeof line);
    for (const char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            FAIL("log line with control character 0x%02x", (unsigned char)*p);
    free(s);
    return 0;
}
