/*
 * feed_harness.h -- helpers for the live-feed tests (test_ws, test_cred,
 * test_shock_feed): start shockd, shock-feed and python3 peers as real
 * processes with their output in files, and wait for what they print instead
 * of sleeping blindly.  Header-only (static inline) so each test program
 * stays one file; nothing here is part of shockwatch.
 */
#ifndef FEED_HARNESS_H
#define FEED_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sw_test_util.h"

#define SHOCKD SW_BINARY_DIR "/shockd"
#define SHOCK_FEED SW_BINARY_DIR "/shock-feed"
#define PYTHON "/usr/bin/python3"
#define SESSION SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson"

typedef struct fh_proc {
    pid_t pid;
    int status;              /* exit code, 128 + signal, or -1 while running */
    char out[256], err[256]; /* files holding stdout and stderr */
} fh_proc;

static inline void fh_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Start argv[0] with stdout/stderr in DIR/TAG.out and DIR/TAG.err.  `env`
 * holds extra "NAME=VALUE" entries (NULL-terminated) or is NULL. */
static inline fh_proc fh_start(const char *dir, const char *tag, const char *const *argv, const char *const *env)
{
    fh_proc p;
    memset(&p, 0, sizeof p);
    p.status = -1;
    snprintf(p.out, sizeof p.out, "%s/%s.out", dir, tag);
    snprintf(p.err, sizeof p.err, "%s/%s.err", dir, tag);
    fflush(NULL);
    p.pid = fork();
    if (p.pid == 0) {
        /* A test that fails half-way (or is killed by its timeout) must not
         * leave servers behind: the child dies with the test process. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int o = open(p.out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(p.err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        for (size_t i = 0; env && env[i]; i++) {
            char name[128];
            const char *eq = strchr(env[i], '=');
            snprintf(name, sizeof name, "%.*s", (int)(eq - env[i]), env[i]);
            setenv(name, eq + 1, 1);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return p;
}

/* Wait up to timeout_ms for the process to end; returns its status, or -1
 * if it is still running. */
static inline int fh_wait(fh_proc *p, long timeout_ms)
{
    uint64_t end = sw_test_now_ms() + (uint64_t)timeout_ms;
    while (p->status < 0) {
        int st;
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid) {
            p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
        if (sw_test_now_ms() >= end)
            return -1;
        sw_test_sleep_ms(5);
    }
    return p->status;
}

/* SIGTERM, then wait (SIGKILL after 20 s: a hang is a failure, not a stuck suite). */
static inline int fh_stop(fh_proc *p)
{
    if (p->pid <= 0 || p->status >= 0)
        return p->status;
    kill(p->pid, SIGTERM);
    if (fh_wait(p, 20000) < 0) {
        kill(p->pid, SIGKILL);
        fh_wait(p, 5000);
        p->status = 999;
    }
    return p->status;
}

/* The URL a shock-feed (or a python peer) announced on stdout as
 * "listening on ws://HOST:PORT ...", into url; 1 if found in time. */
static inline int fh_listen_url(const fh_proc *p, char *url, size_t cap, long timeout_ms)
{
    if (!sw_test_wait_text(p->out, "listening on ", 1, timeout_ms))
        return 0;
    char *t = sw_test_slurp(p->out);
    char *u = strstr(t, "listening on ") + 13;
    size_t n = strcspn(u, " \n");
    snprintf(url, cap, "%.*s", (int)n, u);
    free(t);
    return 1;
}

/* The lines of `text` that contain `needle` (or do not, with keep = 0),
 * joined; the caller frees. */
static inline char *fh_filter_lines(const char *text, const char *needle, int keep)
{
    char *out = malloc(strlen(text) + 1);
    size_t o = 0;
    for (const char *l = text; *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l + 1) : strlen(l);
        char *line = strndup(l, len);
        if ((strstr(line, needle) != NULL) == keep) {
            memcpy(out + o, line, len);
            o += len;
        }
        free(line);
        l += len;
    }
    out[o] = '\0';
    return out;
}

/* The first ~20 minutes of the bundled session (the Friday tail and Monday
 * 09:30-09:50 New York) as a Finnhub recording at path. */
static inline int fh_session_head(const char *path)
{
    FILE *in = fopen(SESSION, "r"), *out = fopen(path, "w");
    if (!in || !out) {
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        return -1;
    }
    char line[4096];
    while (fgets(line, sizeof line, in)) {
        const char *t = strstr(line, "\"t\":");
        if (t && strtoll(t + 4, NULL, 10) >= 1737989400000LL) /* 2025-01-27 09:50 New York */
            break;
        fputs(line, out);
    }
    fclose(in);
    return fclose(out);
}

/* shock-feed playing rec in `provider`'s protocol, with more arguments
 * (NULL-terminated, or NULL), its output in DIR/feed.out and feed.err; the
 * URL it announced goes into url, "" when it did not start within 15 s. */
static inline fh_proc fh_feed_start(const char *dir, const char *provider, const char *rec, const char *const *more,
                                    char *url, size_t cap)
{
    const char *argv[32] = { SHOCK_FEED, "--provider", provider, "--replay", rec, "--log-level", "info" };
    int n = 7;
    for (int i = 0; more && more[i] && n < 31; i++)
        argv[n++] = more[i];
    argv[n] = NULL;
    fh_proc p = fh_start(dir, "feed", argv, NULL);
    if (!fh_listen_url(&p, url, cap, 15000))
        url[0] = '\0';
    return p;
}

/* A temporary folder /tmp/sw-NAME-XXXXXX into dir and the head of the
 * session (fh_session_head) written there as head.ndjson, path into head.
 * Returns 0 or -1. */
static inline int fh_session_dir(char *dir, size_t dlen, const char *name, char *head, size_t hlen)
{
    if (sw_test_tmpdir(dir, dlen, name) != 0)
        return -1;
    snprintf(head, hlen, "%s/head.ndjson", dir);
    return fh_session_head(head);
}

/* shockd -c cfg with the feed credentials SW_KEY=key-1, output in
 * DIR/shockd.out and .err; waits for its listener's log line starting with
 * `key` ("metrics: listening on http://127.0.0.1:") and returns the port
 * after it, or -1 when it did not come within 20 s. */
static inline int fh_shockd_listening(const char *dir, const char *cfg, const char *key, fh_proc *p)
{
    const char *argv[] = { SHOCKD, "-c", cfg, NULL };
    static const char *const env[] = { "SW_KEY=key-1", NULL };
    *p = fh_start(dir, "shockd", argv, env);
    if (!sw_test_wait_text(p->err, key, 1, 20000))
        return -1;
    char *log = sw_test_slurp(p->err);
    int port = atoi(strstr(log, key) + strlen(key));
    free(log);
    return port;
}

/* A test program's fixture: a temporary folder (`dir`) with the session's
 * head in it (`head`) for every test, removed after.  Used in a program that
 * includes Criterion: TestSuite(x, .init = setup, .fini = teardown). */
#define FH_SESSION_FIXTURE(name)                                                      \
    static char dir[64], head[128];                                                  \
    static void setup(void)                                                          \
    {                                                                                \
        cr_assert_eq(fh_session_dir(dir, sizeof dir, name, head, sizeof head), 0);   \
    }                                                                                \
    static void teardown(void)                                                       \
    {                                                                                \
        sw_test_rmdir(dir);                                                          \
    }

#endif
