/* shockd started into a broken environment, end to end with the real binary:
 * Redis absent (alerts are spooled, exit 0), the feed unreachable (reconnect
 * with backoff, each attempt logged, SIGTERM still a clean exit), the state
 * file corrupt (reported and ignored, the same alerts as without it), the
 * credential file unreadable and the state directory unusable (start refused
 * with a message naming the file).  Inputs: config/demo.json's watchlist and
 * detectors, the bundled 2025-01-27 session (21 alerts). */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sw_test_util.h"

#define SHOCKD SW_BINARY_DIR "/shockd"
#define SESSION SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson"
#define DEMO SW_SOURCE_DIR "/config/demo.json"
#define SESSION_ALERTS 21

static char tmpdir[64];
static int held_fd = -1; /* closed_port()'s socket */

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(tmpdir, sizeof tmpdir, "startup"), 0);
}

static void teardown(void)
{
    if (held_fd >= 0)
        close(held_fd);
    held_fd = -1;
    cr_expect_eq(sw_test_rmdir(tmpdir), 0);
}

TestSuite(startup, .init = setup, .fini = teardown, .timeout = 120);

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* A loopback port nothing listens on, held (bound, not listening) until the
 * test ends so no parallel test can take it meanwhile. */
static int closed_port(void)
{
    int port = 0;
    held_fd = sw_test_hold_port(&port);
    cr_assert_geq(held_fd, 0, "cannot bind a loopback port");
    return port;
}

/* config/demo.json with JSON output, state in tmpdir, no metrics listener,
 * and `extra` (a JSON object) merged over it; written to tmpdir/c.json. */
static void write_config(const char *extra)
{
    char *text = sw_test_slurp(DEMO);
    cJSON *cfg = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(cfg);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/state", tmpdir);
    cJSON_ReplaceItemInObject(cfg, "stdout", cJSON_Parse("{\"format\":\"json\"}"));
    cJSON_ReplaceItemInObject(cfg, "state_dir", cJSON_CreateString(dir));
    cJSON_AddItemToObject(cfg, "metrics", cJSON_Parse("{\"listen\":\"off\"}"));
    cJSON *x = cJSON_Parse(extra);
    cr_assert_not_null(x, "%s", extra);
    for (cJSON *it = x->child; it; it = it->next) {
        cJSON_DeleteItemFromObject(cfg, it->string);
        cJSON_AddItemToObject(cfg, it->string, cJSON_Duplicate(it, 1));
    }
    cJSON_Delete(x);
    char *out = cJSON_Print(cfg);
    cJSON_Delete(cfg);
    char path[128];
    snprintf(path, sizeof path, "%s/c.json", tmpdir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(out, f);
    fclose(f);
    free(out);
}

typedef struct result {
    int status;
    char *out, *err;
} result;

/* Run shockd in tmpdir with -c c.json and, if replay, --replay SESSION; if
 * term_on is set, send SIGTERM once its stderr holds that text (polled, 60 s
 * deadline; SIGTERM then anyway, and the test's checks say what was
 * missing). */
static result run(int replay, const char *term_on, const char *env)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (chdir(tmpdir) != 0)
            _exit(126);
        int o = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open("err", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        unsetenv("JOURNAL_STREAM");
        unsetenv("NOTIFY_SOCKET");
        if (env)
            putenv((char *)env);
        if (replay)
            execl(SHOCKD, SHOCKD, "-c", "c.json", "--replay", SESSION, (char *)NULL);
        else
            execl(SHOCKD, SHOCKD, "-c", "c.json", (char *)NULL);
        _exit(127);
    }
    char p[128];
    if (term_on) {
        snprintf(p, sizeof p, "%s/err", tmpdir);
        sw_test_wait_text(p, term_on, 1, 60000);
        kill(pid, SIGTERM);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    result r;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    snprintf(p, sizeof p, "%s/out", tmpdir);
    r.out = sw_test_slurp(p);
    snprintf(p, sizeof p, "%s/err", tmpdir);
    r.err = sw_test_slurp(p);
    return r;
}

static void result_free(result *r)
{
    free(r->out);
    free(r->err);
}

Test(startup, redis_absent_alerts_are_spooled_and_exit_is_0)
{
    char extra[256];
    snprintf(extra, sizeof extra,
             "{\"sinks\":[\"stdout\",\"redis\"],\"redis\":{\"url\":\"redis://127.0.0.1:%d\"},"
             "\"shutdown_timeout\":\"1s\"}",
             closed_port());
    write_config(extra);
    result r = run(1, NULL, NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_eq(count_lines(r.out), SESSION_ALERTS);
    cr_expect(strstr(r.err, "cannot connect: Connection refused; retry 1 in "), "%s", r.err);
    char want[256];
    snprintf(want, sizeof want,
             "redis sink: %d alerts not confirmed by Redis within 1000 ms; they stay in %s/state/spool.ndjson and "
             "are sent at the next start",
             SESSION_ALERTS, tmpdir);
    cr_expect(strstr(r.err, want), "missing: %s\nin:\n%s", want, r.err);
    cr_expect(strstr(r.err, "; 21 alerts unconfirmed, kept for the next start"), "%s", r.err);
    char p[128];
    snprintf(p, sizeof p, "%s/state/spool.ndjson", tmpdir);
    char *spool = sw_test_slurp(p);
    cr_expect_eq(count_lines(spool), SESSION_ALERTS);
    cr_expect_str_eq(spool, r.out, "the spool holds exactly the alerts printed");
    free(spool);
    result_free(&r);
}

Test(startup, feed_unreachable_reconnects_with_backoff_and_stops_cleanly)
{
    char extra[256];
    int port = closed_port();
    snprintf(extra, sizeof extra,
             "{\"feed\":{\"provider\":\"finnhub\",\"url\":\"ws://127.0.0.1:%d\",\"key_env\":\"SW_TEST_TOKEN\","
             "\"backoff_base\":\"100ms\",\"backoff_cap\":\"400ms\"}}",
             port);
    write_config(extra);
    /* Stopped once the third failed attempt is logged ("cannot connect to
     * ...; retrying in D (attempt 3)"): still reconnecting, not given up. */
    result r = run(0, "(attempt 3)", "SW_TEST_TOKEN=t0ps3cret");
    cr_expect_eq(r.status, 0, "SIGTERM while reconnecting: %s", r.err);
    char want[128];
    snprintf(want, sizeof want, "feed: cannot connect to ws://127.0.0.1:%d?token=*** ", port);
    cr_expect(strstr(r.err, want), "missing: %s\nin:\n%s", want, r.err);
    cr_expect(strstr(r.err, "; retrying in "), "%s", r.err);
    cr_expect(strstr(r.err, "(attempt 3)"), "fewer than 3 attempts in 60 s with a 100-400 ms backoff:\n%s", r.err);
    cr_expect_null(strstr(r.err, "t0ps3cret"), "the token leaked into the log");
    /* The cap holds: never a wait longer than 0.4 s. */
    for (const char *p = r.err; (p = strstr(p, "retrying in ")); p++)
        cr_expect_leq(atof(p + strlen("retrying in ")), 0.4 + 1e-9, "%.40s", p);
    result_free(&r);
}

static result replay_with_state(const char *state_text)
{
    write_config("{}");
    char p[128];
    snprintf(p, sizeof p, "%s/state", tmpdir);
    cr_assert_eq(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/state/state.json", tmpdir);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(state_text, f);
    fclose(f);
    return run(1, NULL, NULL);
}

Test(startup, corrupt_state_file_is_reported_and_ignored)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        { "{\"version\":1,\"mode\":\"replay\",\"symbols\":[{\"sym", "(top level): is not a JSON object (invalid JSON)" },
        { "[1,2]", "(top level): is not a JSON object" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        result r = replay_with_state(bad[i].text);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_eq(count_lines(r.out), SESSION_ALERTS, "state %s", bad[i].text);
        char want[256];
        snprintf(want, sizeof want, "%s/state/state.json: %s\n", tmpdir, bad[i].why);
        cr_expect(strstr(r.err, want), "missing: %s\nin:\n%s", want, r.err);
        snprintf(want, sizeof want, "%s/state/state.json: ignored (starting without saved state)", tmpdir);
        cr_expect(strstr(r.err, want), "missing: %s\nin:\n%s", want, r.err);
        result_free(&r);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s/state", tmpdir);
        cr_assert_eq(system(cmd), 0);
    }
}

Test(startup, unreadable_credential_file_refuses_a_live_start)
{
    char extra[256];
    /* A directory where the token file should be: not a file of secrets. */
    snprintf(extra, sizeof extra, "{\"feed\":{\"provider\":\"finnhub\",\"key_file\":\"%s\"}}", tmpdir);
    write_config(extra);
    result r = run(0, NULL, NULL);
    cr_expect_eq(r.status, 1);
    char want[256];
    snprintf(want, sizeof want, "error: c.json: feed.key_file: %s is not a regular file (a file holding only the "
             "secret)\n", tmpdir);
    cr_expect(strstr(r.err, want), "missing: %s\nin:\n%s", want, r.err);
    result_free(&r);
    write_config("{\"feed\":{\"provider\":\"finnhub\",\"key_file\":\"/nonexistent/finnhub-token\"}}");
    r = run(0, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.err, "error: c.json: feed.key_file: /nonexistent/finnhub-token: cannot open: No such file "
                            "or directory\n"),
              "%s", r.err);
    result_free(&r);
}

Test(startup, unusable_state_dir)
{
    /* With the redis sink the spool needs it: the start is refused. */
    write_config("{\"sinks\":[\"redis\"],\"redis\":{\"url\":\"redis://127.0.0.1:1\"},"
                 "\"state_dir\":\"/dev/null/state\"}");
    result r = run(1, NULL, NULL);
    cr_expect_eq(r.status, 3, "%s", r.err);
    cr_expect(strstr(r.err, "error: redis sink: /dev/null/state: cannot create directory: Not a directory\n"), "%s",
              r.err);
    cr_expect(strstr(r.err, "error: cannot start: see the error above\n"), "%s", r.err);
    result_free(&r);
    /* Without it only the per-symbol state is lost: warned, the run goes on. */
    write_config("{\"state_dir\":\"/dev/null/state\"}");
    r = run(1, NULL, NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_eq(count_lines(r.out), SESSION_ALERTS);
    cr_expect(strstr(r.err, "warning: state: cannot save per-symbol state: /dev/null/state: cannot create directory: "
                            "Not a directory\n"),
              "%s", r.err);
    result_free(&r);
}

/* hiredis 0.14 has no TLS: a Redis on another machine gets one warning at
 * start, naming the server and the safe shapes; loopback and a Unix socket
 * get none. */
Test(startup, redis_in_clear_text_is_said_once)
{
    write_config("{\"sinks\":[\"stdout\",\"redis\"],\"shutdown_timeout\":\"200ms\","
                 "\"redis\":{\"url\":\"redis://192.0.2.1:6379\",\"connect_timeout\":\"100ms\"}}");
    result r = run(1, 0, NULL);
    cr_expect_eq(count_lines(r.out), SESSION_ALERTS, "%s", r.err);
    size_t warnings = 0;
    for (const char *p = strstr(r.err, "in clear text"); p; p = strstr(p + 1, "in clear text"))
        warnings++;
    cr_expect_eq(warnings, 1, "%s", r.err);
    cr_expect(strstr(r.err, "warning: redis 192.0.2.1:6379 is not a loopback address or a Unix socket") &&
                  strstr(r.err, "stunnel (docs/security.md)"),
              "%s", r.err);
    result_free(&r);
    char url[160];
    snprintf(url, sizeof url, "{\"sinks\":[\"redis\"],\"shutdown_timeout\":\"200ms\",\"redis\":{\"url\":"
                              "\"redis://127.0.0.1:%d\"}}", closed_port());
    write_config(url);
    r = run(1, 0, NULL);
    cr_expect_null(strstr(r.err, "in clear text"), "loopback: %s", r.err);
    result_free(&r);
}
