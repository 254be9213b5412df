/* Tests of the log output (sw_logout behind sw_log): journald detection,
 * priority prefixes, ISO timestamps, repeat suppression, redaction. */
#define _DEFAULT_SOURCE /* mkstemp, open_memstream */
#include "sw_secret.h"
#include "sw_log.h"
#include "sw_logout.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *buf;
static size_t buflen;
static FILE *mem;
static uint64_t fake_now;

static uint64_t fake_clock(void)
{
    return fake_now;
}

static void setup(void)
{
    mem = open_memstream(&buf, &buflen);
    cr_assert_not_null(mem);
    sw_log_init("t");
    sw_log_set_level(SW_LOG_DEBUG);
    sw_logout_set_stream(mem);
    sw_logout_set_clock(fake_clock);
    sw_logout_set_format(SW_LOGOUT_PLAIN);
    sw_logout_set_filter(NULL);
    fake_now = 1000000;
}

static void teardown(void)
{
    sw_logout_set_repeat_window(0);
    sw_logout_set_stream(NULL);
    sw_logout_set_clock(NULL);
    sw_logout_set_filter(NULL);
    sw_logout_set_format(SW_LOGOUT_PLAIN);
    fclose(mem);
    free(buf);
}

static const char *out(void)
{
    fflush(mem);
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

TestSuite(ops_log, .init = setup, .fini = teardown);

Test(ops_log, plain_format_is_unchanged_by_default)
{
    sw_warn("spool at %d%%", 90);
    cr_expect_str_eq(out(), "t: warning: spool at 90%\n");
}

Test(ops_log, journal_lines_carry_syslog_priorities)
{
    sw_logout_set_format(SW_LOGOUT_JOURNAL);
    sw_error("e");
    sw_warn("w");
    sw_info("i");
    sw_debug("d");
    cr_expect_str_eq(out(), "<3>error: e\n<4>warning: w\n<6>info: i\n<7>debug: d\n");
}

Test(ops_log, iso_lines_start_with_a_utc_timestamp)
{
    sw_logout_set_format(SW_LOGOUT_ISO);
    sw_info("hello");
    const char *o = out();
    /* 2025-01-27T14:30:00.123Z t: info: hello */
    cr_assert_eq(strlen(o), 24 + 1 + strlen("t: info: hello") + 1, "%s", o);
    cr_expect(o[4] == '-' && o[7] == '-' && o[10] == 'T' && o[13] == ':' && o[16] == ':' && o[19] == '.' &&
                  o[23] == 'Z',
              "%s", o);
    cr_expect_str_eq(o + 25, "t: info: hello\n");
}

Test(ops_log, journal_stream_must_name_the_stderr_file)
{
    char path[] = "/tmp/sw-log-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    char js[64], other[64];
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    snprintf(other, sizeof other, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino + 1);
    cr_expect(sw_logout_is_journal(fd, js));
    cr_expect(!sw_logout_is_journal(fd, other), "another inode: stderr was redirected, not the journal");
    cr_expect(!sw_logout_is_journal(fd, NULL));
    cr_expect(!sw_logout_is_journal(fd, ""));
    cr_expect(!sw_logout_is_journal(fd, "12"));
    cr_expect(!sw_logout_is_journal(fd, "12:x"));
    close(fd);
    unlink(path);
}

Test(ops_log, identical_errors_are_counted_and_reported_once_per_window)
{
    sw_logout_set_repeat_window(10000);
    for (int i = 0; i < 513; i++)
        sw_error("redis: connection refused");
    sw_warn("something else"); /* a different line is printed at once */
    cr_expect_eq(count(out(), "connection refused"), 1, "%s", out());
    fake_now += 5000;
    sw_logout_tick();
    cr_expect_eq(count(out(), "repeated"), 0, "window still open");
    fake_now += 5000;
    sw_logout_tick();
    cr_expect_str_eq(out(), "t: error: redis: connection refused\n"
                            "t: warning: something else\n"
                            "t: error: redis: connection refused (repeated 512 more times in 10 s)\n");
    /* After the report the next one prints again and opens a new window. */
    sw_error("redis: connection refused");
    cr_expect_eq(count(out(), "connection refused\n"), 2);
}

Test(ops_log, info_lines_are_never_held)
{
    sw_logout_set_repeat_window(10000);
    for (int i = 0; i < 3; i++)
        sw_info("feed: connecting");
    cr_expect_eq(count(out(), "feed: connecting"), 3);
}

Test(ops_log, a_seventeenth_message_reports_the_oldest_count)
{
    sw_logout_set_repeat_window(10000);
    sw_error("first");
    sw_error("first");
    for (int i = 0; i < 16; i++) {
        fake_now++;
        sw_error("other %d", i);
    }
    cr_expect(strstr(out(), "t: error: first (repeated 1 more times in 0 s)\n") != NULL, "%s", out());
    sw_logout_flush();
    cr_expect_eq(count(out(), "repeated"), 1, "only repeats are reported: %s", out());
}

Test(ops_log, secrets_in_urls_and_parameters_never_reach_the_line)
{
    sw_logout_set_filter(sw_secret_redact_params);
    sw_error("cannot connect to redis://:hunter2@10.0.0.5:6379/0 (refused)");
    sw_error("GET wss://ws.finnhub.io/?token=abc123def failed");
    sw_error("user part https://alice:pw@example.com/x and ftp://bob@host");
    const char *o = out();
    cr_expect(strstr(o, "hunter2") == NULL && strstr(o, "abc123def") == NULL && strstr(o, "alice") == NULL &&
                  strstr(o, ":pw@") == NULL,
              "%s", o);
    cr_expect(strstr(o, "redis://***@10.0.0.5:6379/0 (refused)") != NULL, "%s", o);
    cr_expect(strstr(o, "token=***") != NULL, "%s", o);
    cr_expect(strstr(o, "https://***@example.com/x and ftp://***@host") != NULL, "%s", o);
}

Test(ops_log, redaction_keeps_text_without_credentials)
{
    char o[128];
    cr_expect_str_eq(sw_logout_redact_userinfo("no url here", o, sizeof o), "no url here");
    cr_expect_str_eq(sw_logout_redact_userinfo("redis://127.0.0.1:6379 and a@b", o, sizeof o),
                     "redis://127.0.0.1:6379 and a@b");
    cr_expect_str_eq(sw_logout_redact_userinfo("x://u:p@h", o, 6), "x://*");
}

/* A message is one record, whatever it holds: text from the Redis stream or
 * a provider with "\n<3>" in it would otherwise start a forged error record
 * in the journal. */
Test(ops_log, control_characters_cannot_end_a_line)
{
    sw_logout_set_format(SW_LOGOUT_JOURNAL);
    sw_info("alert for %s", "NVDA\n<3>error: forged\r\x1b[2J");
    cr_expect_str_eq(out(), "<6>info: alert for NVDA\\n<3>error: forged\\r\\x1b[2J\n");
}
