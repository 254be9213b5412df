/*
 * test_cred.c -- the feed's credentials, loaded by alerts/sw_secret (the one
 * loading path of shockd and shock-notify): from the environment or a file
 * ($CREDENTIALS_DIRECTORY for relative names), their limits and errors, the
 * file rule, the *_env name rule, URL redaction; and end to end: shockd reads a key file the way systemd's
 * LoadCredential= provides it, shock-feed only accepts that exact key, and no
 * log line of shockd ever shows it.
 */
#include <criterion/criterion.h>

#include "feed_harness.h"
#include "sw_secret.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

static char dir[64];
static char err[512];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "cred"), 0);
    unsetenv("CREDENTIALS_DIRECTORY");
    unsetenv("SW_TEST_KEY");
}

static void teardown(void)
{
    sw_test_rmdir(dir);
}

TestSuite(cred, .init = setup, .fini = teardown, .timeout = 120);

/* A credential file as it should be: readable by its owner only. */
static const char *file_with(const char *name, const char *content, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(content, 1, len, f), len);
    fclose(f);
    cr_assert_eq(chmod(path, 0600), 0);
    return path;
}

Test(cred, none_configured)
{
    char *c = (char *)"x";
    cr_assert_eq(sw_secret_load(&c, "feed.key", NULL, NULL, err, sizeof err), 1);
    cr_assert_null(c);
    sw_secret_free(&c);
}

Test(cred, from_env_with_newline_trimmed)
{
    char *c;
    setenv("SW_TEST_KEY", "abc123\n", 1);
    cr_assert_eq(sw_secret_load(&c, "feed.key", "SW_TEST_KEY", NULL, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c, "abc123");
    sw_secret_free(&c);
    cr_assert_null(c);
}

Test(cred, env_errors_name_the_variable)
{
    char *c;
    cr_assert_eq(sw_secret_load(&c, "feed.key", "SW_TEST_KEY", NULL, err, sizeof err), -1);
    cr_assert_str_eq(err, "feed.key_env: environment variable SW_TEST_KEY is not set");
    setenv("SW_TEST_KEY", "", 1);
    cr_assert_eq(sw_secret_load(&c, "feed.key", "SW_TEST_KEY", NULL, err, sizeof err), -1);
    cr_assert_str_eq(err, "feed.key_env: environment variable SW_TEST_KEY is empty");
    setenv("SW_TEST_KEY", "two\nlines", 1);
    cr_assert_eq(sw_secret_load(&c, "feed.secret", "SW_TEST_KEY", NULL, err, sizeof err), -1);
    cr_assert_str_eq(err, "feed.secret_env: environment variable SW_TEST_KEY has more than one line (one value, "
                          "optionally followed by a newline)");
    cr_assert_null(strstr(err, "two"), "the value leaked into the error: %s", err);
}

Test(cred, both_sources_is_an_error)
{
    char *c;
    cr_assert_eq(sw_secret_load(&c, "feed.key", "SW_TEST_KEY", "key", err, sizeof err), -1);
    cr_assert_str_eq(err, "feed.key: both feed.key_env and feed.key_file are set (use one)");
    cr_assert_null(c);
}

Test(cred, absolute_file_crlf_trimmed)
{
    char *c;
    const char *p = file_with("k", "sekrit\r\n", 8);
    cr_assert_eq(sw_secret_load(&c, "feed.key", NULL, p, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c, "sekrit");
    sw_secret_free(&c);
}

Test(cred, relative_file_from_credentials_directory)
{
    char *c;
    file_with("finnhub", "tok-42\n", 7);
    cr_assert_eq(sw_secret_load(&c, "feed.key", NULL, "finnhub", err, sizeof err), -1);
    cr_assert(strstr(err, "feed.key_file: \"finnhub\" is a relative name but $CREDENTIALS_DIRECTORY is not set"),
              "%s", err);
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    cr_assert_eq(sw_secret_load(&c, "feed.key", NULL, "finnhub", err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c, "tok-42");
    sw_secret_free(&c);
    cr_assert_eq(sw_secret_load(&c, "feed.key", NULL, "missing", err, sizeof err), -1);
    char want[400];
    snprintf(want, sizeof want, "feed.key_file: %s/missing: cannot open: No such file or directory", dir);
    cr_assert_str_eq(err, want);
}

Test(cred, file_limits)
{
    char *c;
    char *big = malloc(SW_SECRET_MAX + 2);
    memset(big, 'k', SW_SECRET_MAX + 2);
    /* Exactly the limit, plus its newline: accepted. */
    big[SW_SECRET_MAX] = '\n';
    const char *p = file_with("max", big, SW_SECRET_MAX + 1);
    cr_assert_eq(sw_secret_load(&c, "feed.key", NULL, p, err, sizeof err), 0, "%s", err);
    cr_assert_eq(strlen(c), (size_t)SW_SECRET_MAX);
    sw_secret_free(&c);
    /* One byte more: refused, not cut. */
    big[SW_SECRET_MAX] = 'k';
    big[SW_SECRET_MAX + 1] = '\n';
    p = file_with("over", big, SW_SECRET_MAX + 2);
    cr_assert_eq(sw_secret_load(&c, "feed.key", NULL, p, err, sizeof err), -1);
    cr_assert(strstr(err, "is longer than 4096 bytes"), "%s", err);
    free(big);
    p = file_with("empty", "\n", 1);
    cr_assert_eq(sw_secret_load(&c, "feed.key", NULL, p, err, sizeof err), -1);
    cr_assert(strstr(err, "is empty"), "%s", err);
    cr_assert_eq(sw_secret_load(&c, "feed.key", NULL, dir, err, sizeof err), -1, "a directory is not a key");
}

/* Like ssh with a private key: a secret that other users can read (or
 * change) is refused, and so is anything but a regular file (a FIFO would
 * block the read; a device is no secret).  shockd's feed credentials and
 * shock-notify's secrets share the rule (and the loading path). */
Test(cred, file_permissions_are_checked_like_ssh)
{
    char *s = NULL;
    const char *p = file_with("open", "tok\n", 4);
    cr_assert_eq(chmod(p, 0644), 0);
    cr_assert_eq(sw_secret_load(&s, "feed.key", NULL, p, err, sizeof err), -1);
    cr_assert(strstr(err, "feed.key_file: ") && strstr(err, "permissions 0644 are too open"), "%s", err);
    cr_assert_eq(sw_secret_load(&s, "notify.channels.slack.url", NULL, p, err, sizeof err), -1);
    cr_assert(strstr(err, "notify.channels.slack.url_file") && strstr(err, "permissions 0644 are too open"), "%s",
              err);
    cr_assert_null(s);
    cr_assert_eq(chmod(p, 0640), 0);
    cr_assert_eq(sw_secret_load(&s, "feed.key", NULL, p, err, sizeof err), -1);
    cr_assert(strstr(err, "permissions 0640 are too open"), "%s", err);
    cr_assert_eq(chmod(p, 0602), 0);
    cr_assert_eq(sw_secret_load(&s, "redis.password", NULL, p, err, sizeof err), -1, "world-writable");
    cr_assert_eq(chmod(p, 0400), 0);
    cr_assert_eq(sw_secret_load(&s, "feed.key", NULL, p, err, sizeof err), 0, "%s", err);
    sw_secret_free(&s);

    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(sw_secret_load(&s, "feed.key", NULL, fifo, err, sizeof err), -1, "a FIFO must not block the load");
    cr_assert(strstr(err, "is not a regular file"), "%s", err);
    cr_assert_eq(sw_secret_load(&s, "feed.key", NULL, "/dev/null", err, sizeof err), -1);
    cr_assert(strstr(err, "is not a regular file"), "%s", err);
}

/* The rule for the *_env keys of both programs' configurations. */
Test(cred, env_names)
{
    static const char *const good[] = { "FINNHUB_TOKEN", "_x", "a1", "SW_TEST_KEY" };
    static const char *const bad[] = { "", "1ABC", "A-B", "A B", "A=B", "\xc3\xa9", "A\n" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert(sw_env_name_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert(!sw_env_name_valid(bad[i]), "%s", bad[i]);
}

Test(cred, redaction)
{
    char out[512];
    cr_assert_str_eq(sw_secret_redact_url("wss://ws.finnhub.io?token=abc123", out, sizeof out),
                     "wss://ws.finnhub.io?token=***");
    cr_assert_str_eq(sw_secret_redact_url("wss://h/p?x=1&apiKey=zz&Token=q#f", out, sizeof out),
                     "wss://h/p?x=1&apiKey=***&Token=***#f");
    cr_assert_str_eq(sw_secret_redact_url("wss://user:pw@host:443/x?streams=a@trade", out, sizeof out),
                     "wss://***@host:443/x?streams=a@trade");
    cr_assert_str_eq(sw_secret_redact_url("ws://127.0.0.1:9/stream?streams=nvda@trade", out, sizeof out),
                     "ws://127.0.0.1:9/stream?streams=nvda@trade");
    cr_assert_str_eq(sw_secret_redact_params("GET /?token=abc HTTP/1.1 secret=x, keyboard=1", out, sizeof out),
                     "GET /?token=*** HTTP/1.1 secret=***, keyboard=1");
    /* Truncation keeps the terminator and never shows more than the input. */
    cr_assert_str_eq(sw_secret_redact_url("wss://a?token=abcdef", out, 12), "wss://a?tok");
}

/* ---- end to end ------------------------------------------------------------ */

Test(cred, shockd_reads_a_loadcredential_file_and_never_logs_it)
{
    const char *key = "Zq7-very-secret-key";
    char rec[300], cfg[300], url[128];
    snprintf(rec, sizeof rec, "%s/head.ndjson", dir);
    cr_assert_eq(fh_session_head(rec), 0);
    char keyfile[64];
    snprintf(keyfile, sizeof keyfile, "%s\n", key);
    file_with("finnhub-token", keyfile, strlen(keyfile));

    const char *sf_argv[] = { SHOCK_FEED, "--provider", "finnhub", "--key", key, "--replay", rec, NULL };
    fh_proc sf = fh_start(dir, "feed", sf_argv, NULL);
    cr_assert(fh_listen_url(&sf, url, sizeof url, 10000), "shock-feed did not start");
    char text[1024];
    snprintf(text, sizeof text,
             "{\"feed\": {\"provider\": \"finnhub\", \"url\": \"%s\", \"key_file\": \"finnhub-token\"},\n"
             " \"groups\": {\"x\": [\"NVDA\", \"AMD\"]}, \"log_level\": \"debug\",\n"
             " \"metrics\": {\"listen\": \"off\"}, \"state_dir\": \"%s\"}\n", url, dir);
    snprintf(cfg, sizeof cfg, "%s/cfg.json", dir);
    fh_write(cfg, text);

    char credenv[200];
    snprintf(credenv, sizeof credenv, "CREDENTIALS_DIRECTORY=%s", dir);
    const char *env[] = { credenv, NULL };
    const char *argv[] = { SHOCKD, "-c", cfg, NULL };
    fh_proc d = fh_start(dir, "shockd", argv, env);
    /* shockd first: after the closing frame it reconnects, and on a loaded
     * machine those attempts can keep shock-feed from exiting for a while. */
    cr_expect(sw_test_wait_text(d.err, "end of recording", 1, 60000), "shockd never saw the end");
    cr_expect_eq(fh_stop(&d), 0);
    cr_expect(fh_wait(&sf, 60000) == 0, "shock-feed did not finish");
    char *out = sw_test_slurp(d.out), *errs = sw_test_slurp(d.err), *sferr = sw_test_slurp(sf.err);
    /* The key was accepted (a wrong one is refused with 401), data flowed. */
    cr_expect(sw_test_says(sferr, 0, "refused"), "%s", sferr);
    cr_expect(strstr(out, "\"symbol\":\"NVDA\""), "no NVDA alert: %s\n%s", out, errs);
    cr_expect(strstr(errs, "?token=***"), "the URL is logged redacted: %s", errs);
    cr_expect_null(strstr(errs, key), "the key leaked into shockd's log");
    cr_expect_null(strstr(out, key));
    free(out);
    free(errs);
    free(sferr);
}

Test(cred, missing_key_is_a_config_error_naming_the_source)
{
    char cfg[300], text[600];
    snprintf(cfg, sizeof cfg, "%s/cfg.json", dir);
    snprintf(text, sizeof text, "{\"feed\": {\"provider\": \"polygon\", \"url\": \"ws://127.0.0.1:9\", "
             "\"key_env\": \"SW_NO_SUCH_VAR\"}, \"groups\": {\"x\": [\"NVDA\"]}, \"metrics\": {\"listen\": \"off\"}, "
             "\"state_dir\": \"%s\"}", dir);
    fh_write(cfg, text);
    const char *argv[] = { SHOCKD, "-c", cfg, NULL };
    fh_proc d = fh_start(dir, "shockd", argv, NULL);
    cr_assert_eq(fh_wait(&d, 20000), 1);
    cr_expect_eq(sw_test_count_file(d.err, "feed.key_env: environment variable SW_NO_SUCH_VAR is not set"), 1);

    snprintf(text, sizeof text, "{\"feed\": {\"provider\": \"alpaca\", \"url\": \"ws://127.0.0.1:9\", "
             "\"key_env\": \"HOME\"}, \"groups\": {\"x\": [\"NVDA\"]}, \"metrics\": {\"listen\": \"off\"}, "
             "\"state_dir\": \"%s\"}", dir);
    fh_write(cfg, text);
    d = fh_start(dir, "shockd", argv, NULL);
    cr_assert_eq(fh_wait(&d, 20000), 1);
    cr_expect_eq(sw_test_count_file(d.err, "alpaca needs an API secret: set feed.secret_env or feed.secret_file"), 1);
}
