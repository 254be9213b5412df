/*
 * sw_test_ops.h -- helpers for the operations tests (header-only, not a test
 * itself): a temporary folder, shockd as a child process with its output in
 * files, conditions polled against a deadline (never a blind sleep), and
 * Finnhub recordings written trade by trade.
 */
#ifndef SW_TEST_OPS_H
#define SW_TEST_OPS_H

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* mkdtemp, timegm, setenv */
#endif
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sw_test_util.h"

#define OPS_SHOCKD SW_BINARY_DIR "/shockd"

static char ops_dir[64];

static inline void ops_setup(void)
{
    cr_assert_eq(sw_test_tmpdir(ops_dir, sizeof ops_dir, "ops"), 0);
}

static inline void ops_teardown(void)
{
    cr_expect_eq(sw_test_rmdir(ops_dir), 0);
}

/* "<ops_dir>/<name>" in a static rotating buffer. */
static inline const char *ops_path(const char *name)
{
    static char bufs[8][256];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", ops_dir, name);
    return b;
}

static inline void ops_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* Run argv with stdout and stderr in files; env entries "NAME=value" are
 * added (NULL-terminated list, may be NULL). */
static inline pid_t ops_spawn(const char *const *argv, const char *const *env, const char *out, const char *err)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Wait up to ms for pid to end; returns its exit code (128+signal when
 * killed), or -1 on timeout, after which it is killed and reaped. */
static inline int ops_wait(pid_t pid, int ms)
{
    uint64_t end = sw_test_now_ms() + (uint64_t)ms;
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (sw_test_now_ms() >= end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        sw_test_sleep_ms(10);
    }
}

/* Epoch milliseconds of a UTC time. */
static inline int64_t ops_utc_ms(int y, int mo, int d, int h, int mi, int s, int ms)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

/* One Finnhub trade message, as the provider sends it. */
static inline void ops_trade(FILE *f, const char *sym, double price, int64_t t_ms)
{
    fprintf(f, "{\"type\":\"trade\",\"data\":[{\"s\":\"%s\",\"p\":%.4f,\"t\":%lld,\"v\":100}]}\n", sym, price,
            (long long)t_ms);
}

/* The port from shockd's "metrics: listening on http://127.0.0.1:PORT/" line
 * (polled), or -1. */
static inline int ops_metrics_port(const char *err_path, int ms)
{
    static const char key[] = "metrics: listening on http://127.0.0.1:";
    if (!sw_test_wait_text(err_path, key, 1, ms))
        return -1;
    char *t = sw_test_slurp(err_path);
    const char *p = strstr(t, key);
    int port = p ? atoi(p + sizeof key - 1) : -1;
    free(t);
    return port;
}

/* Run a shell command, output (both streams) into *out; returns its status. */
static inline int ops_sh(const char *cmd, char **out)
{
    char full[4096];
    const char *log = ops_path("sh.log");
    snprintf(full, sizeof full, "(%s) > %s 2>&1", cmd, log);
    int st = system(full);
    *out = sw_test_slurp(log);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `shockd --replay <ops_dir>/rec.ndjson` with a config of these groups and
 * detectors (JSON text of the two values), alerts to stdout in *out (stderr
 * dropped), state in <ops_dir>/state; returns shockd's exit status. */
static inline int ops_replay_rec(const char *groups, const char *detectors, char **out)
{
    char cfg[2048], cmd[1024];
    snprintf(cfg, sizeof cfg,
             "{\"groups\": %s, \"detectors\": %s, \"sinks\": [\"stdout\"], \"state_dir\": \"%s/state\", "
             "\"log_level\": \"warning\"}",
             groups, detectors, ops_dir);
    ops_write(ops_path("c.json"), cfg);
    snprintf(cmd, sizeof cmd, OPS_SHOCKD " -c %s --replay %s 2>/dev/null", ops_path("c.json"), ops_path("rec.ndjson"));
    return ops_sh(cmd, out);
}

/* The port of a shock-feed started with its output in feed.out/feed.err,
 * from its "listening on ws://HOST:PORT" line (polled). */
static inline int ops_feed_port(void)
{
    cr_assert(sw_test_wait_text(ops_path("feed.out"), "listening on ws://", 1, 10000), "%s",
              sw_test_slurp(ops_path("feed.err")));
    char *fo = sw_test_slurp(ops_path("feed.out"));
    int port = atoi(strrchr(strstr(fo, "ws://"), ':') + 1);
    free(fo);
    return port;
}

#endif
