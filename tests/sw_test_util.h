/*
 * sw_test_util.h -- the small file and time helpers every test program
 * shares: a temporary folder and its removal, a whole file read into a
 * string, counting a string in a text or a file, the whole number before a
 * word in a summary, polling a file until a line appears (never a blind
 * sleep), the monotonic clock, and a loopback port that refuses connections.  Header-only
 * (static inline) so each test program stays one file; it does not include
 * Criterion, so the harness headers built on it (feed_harness.h,
 * sw_test_ops.h) decide how a failure is reported.
 */
#ifndef SW_TEST_UTIL_H
#define SW_TEST_UTIL_H

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* mkdtemp */
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Milliseconds on the monotonic clock (deadlines, durations). */
static inline uint64_t sw_test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void sw_test_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* The whole file as a NUL-terminated string ("" if it cannot be opened: a
 * process that has not written its log yet); free() it. */
static inline char *sw_test_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)(n > 0 ? n : 0) + 1);
    size_t got = n > 0 ? fread(b, 1, (size_t)n, f) : 0;
    b[got] = '\0';
    fclose(f);
    return b;
}

/* How many times needle occurs in text (overlapping ones too). */
static inline int sw_test_count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *q = strstr(text, needle); q; q = strstr(q + 1, needle))
        n++;
    return n;
}

/* The whole number printed just before `what` ("17 connections" -> 17,
 * never just the 7), at the first occurrence of `what` that has one; -1 if
 * none has.  For figures in a summary: compare the number, not a substring
 * ("1 upgrades" is also in "11 upgrades"). */
static inline long sw_test_number_before(const char *text, const char *what)
{
    for (const char *q = strstr(text, what); q; q = strstr(q + 1, what)) {
        const char *e = q;
        while (e > text && e[-1] == ' ')
            e--;
        const char *b = e;
        while (b > text && b[-1] >= '0' && b[-1] <= '9')
            b--;
        if (b < e && (b == text || b[-1] != '.'))
            return strtol(b, NULL, 10);
    }
    return -1;
}

/* The whole number printed right after the first `what` ("sequence gaps 0"
 * -> 0), or -1. */
static inline long sw_test_number_after(const char *text, const char *what)
{
    const char *q = strstr(text, what);
    if (!q)
        return -1;
    q += strlen(what);
    return *q >= '0' && *q <= '9' ? strtol(q, NULL, 10) : -1;
}

/* 1 if text says "<n> <what>" with n the whole number: " 1 upgrades" and
 * "(1 upgrades" count, "11 upgrades" and "0.1 upgrades" do not. */
static inline int sw_test_says(const char *text, long n, const char *what)
{
    char needle[256];
    snprintf(needle, sizeof needle, "%ld %s", n, what);
    for (const char *q = strstr(text, needle); q; q = strstr(q + 1, needle))
        if (q == text || !((q[-1] >= '0' && q[-1] <= '9') || q[-1] == '.' || q[-1] == '-'))
            return 1;
    return 0;
}

static inline int sw_test_count_file(const char *path, const char *needle)
{
    char *t = sw_test_slurp(path);
    int n = sw_test_count(t, needle);
    free(t);
    return n;
}

/* Wait until the file holds `needle` at least `times` times; 1 if it did. */
static inline int sw_test_wait_text(const char *path, const char *needle, int times, long timeout_ms)
{
    uint64_t end = sw_test_now_ms() + (uint64_t)timeout_ms;
    do {
        if (sw_test_count_file(path, needle) >= times)
            return 1;
        sw_test_sleep_ms(10);
    } while (sw_test_now_ms() < end);
    return sw_test_count_file(path, needle) >= times;
}

/* A TCP socket bound to 127.0.0.1:port (0: any free port), not listening,
 * close-on-exec; or -1. */
static inline int sw_test_bind_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A loopback port where every connection is refused, for as long as the
 * caller keeps the returned socket open (close() it at the end): bound, not
 * listening, without SO_REUSEADDR, so no other process can bind it and
 * listen meanwhile, and the kernel does not hand it out as anyone's
 * ephemeral port.  (A port found free, closed and used later may have been
 * taken in between by a parallel test.)  Returns the socket and sets *port,
 * or returns -1. */
static inline int sw_test_hold_port(int *port)
{
    int fd = sw_test_bind_loopback(0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* Make /tmp/sw-<name>-XXXXXX in buf; returns 0, or -1 with errno. */
static inline int sw_test_tmpdir(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "/tmp/sw-%s-XXXXXX", name);
    return mkdtemp(buf) ? 0 : -1;
}

/* rm -rf the folder; returns 0, or -1 (said on stderr). */
static inline int sw_test_rmdir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
        return -1;
    }
    return 0;
}

#endif
