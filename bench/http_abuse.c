/*
 * http_abuse.c -- what a hostile or broken client does to shockd's HTTP
 * listener, and how long /healthz takes to answer meanwhile.
 *
 *   http_abuse --port P [--host 127.0.0.1] [--slow N] [--idle N] [--garbage N]
 *              [--big N] [--big-bytes B] [--duration S] [--probe-ms MS]
 *              [--probe-path /healthz,/metrics] [--no-reopen] [--json]
 *
 * The abuse (one thread, poll): --slow connections send half a request and
 * then one header byte a second, never finishing; --idle ones connect and
 * send nothing; --garbage ones send random bytes; --big ones send a request
 * line and then B bytes (default 200 KB) of one header.  Whatever the server
 * closes is opened again at once (unless --no-reopen): the client "that keeps
 * re-opening them".  The probe (a second thread, libcurl, a new connection
 * each time, 5 s timeout) GETs --probe-path every --probe-ms while the abuse
 * runs, after a second to let the abuse connections in; several paths,
 * comma-separated, are asked in turn.
 *
 * Prints one line of figures and, with --json, the same as a JSON object on
 * the last line (what tests/test_http_abuse.c reads):
 *   probes N ok K p50 X ms p99 Y ms max Z ms | abuse open A (slow S idle I) reopened R
 * Exit status 0 (figures printed), 2 usage, 1 nothing could connect.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { K_SLOW, K_IDLE, K_GARBAGE, K_BIG, K_KINDS };
static const char *const kind_names[K_KINDS] = { "slow", "idle", "garbage", "big" };

typedef struct conn {
    int fd;
    int kind;
    size_t sent;                  /* bytes of the script sent */
    uint64_t next_ms;             /* next byte (slow) */
} conn;

typedef struct opts {
    const char *host, *path;
    int port;
    int n[K_KINDS];
    size_t big_bytes;
    double duration;
    int probe_ms, reopen, json;
} opts;

static volatile int stop_probe;
static double *lat;               /* ms of each probe; -1: failed */
static size_t n_lat, cap_lat;
static opts o;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int open_conn(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)o.port);
    inet_pton(AF_INET, o.host, &a.sin_addr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* What each kind sends: a request that never ends, nothing, noise, or a
 * header far beyond any limit. */
static const char slow_head[] = "GET /healthz HTTP/1.1\r\nHost: abuse\r\nX-Slow: ";

static void pump(conn *c, uint64_t now, unsigned *rng)
{
    char buf[16384];
    ssize_t w = 0;
    switch (c->kind) {
    case K_SLOW:
        if (c->sent < sizeof slow_head - 1) {
            w = send(c->fd, slow_head + c->sent, sizeof slow_head - 1 - c->sent, MSG_NOSIGNAL);
            c->next_ms = now + 1000;
        } else if (now >= c->next_ms) {
            w = send(c->fd, "a", 1, MSG_NOSIGNAL);
            c->next_ms = now + 1000;
        }
        break;
    case K_GARBAGE:
        for (size_t i = 0; i < 512; i++) {
            *rng = *rng * 1103515245u + 12345u;
            buf[i] = (char)(*rng >> 16);
        }
        if (now >= c->next_ms) {
            w = send(c->fd, buf, 512, MSG_NOSIGNAL);
            c->next_ms = now + 50;
        }
        break;
    case K_BIG:
        if (c->sent == 0) {
            static const char head[] = "GET /metrics HTTP/1.1\r\nHost: abuse\r\nX-Big: ";
            w = send(c->fd, head, sizeof head - 1, MSG_NOSIGNAL);
        } else if (c->sent < o.big_bytes) {
            memset(buf, 'b', sizeof buf);
            size_t n = o.big_bytes - c->sent < sizeof buf ? o.big_bytes - c->sent : sizeof buf;
            w = send(c->fd, buf, n, MSG_NOSIGNAL);
        }
        break;
    default:
        break;
    }
    if (w > 0)
        c->sent += (size_t)w;
}

static void *probe(void *arg)
{
    (void)arg;
    char paths[512], *save = NULL, url[256];
    const char *list[16];
    size_t np = 0;
    snprintf(paths, sizeof paths, "%s", o.path);
    for (char *t = strtok_r(paths, ",", &save); t && np < 16; t = strtok_r(NULL, ",", &save))
        list[np++] = t;
    for (size_t k = 0; !stop_probe; k++) {
        snprintf(url, sizeof url, "http://%s:%d%s", o.host, o.port, np ? list[k % np] : "/healthz");
        CURL *e = curl_easy_init();
        FILE *null = fopen("/dev/null", "w");
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, null);
        curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
        uint64_t t0 = now_ms();
        CURLcode rc = curl_easy_perform(e);
        long code = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
        double ms = rc == CURLE_OK && code > 0 ? (double)(now_ms() - t0) : -1;
        curl_easy_cleanup(e);
        fclose(null);
        if (n_lat == cap_lat) {
            cap_lat = cap_lat ? cap_lat * 2 : 256;
            lat = realloc(lat, cap_lat * sizeof *lat);
        }
        lat[n_lat++] = ms;
        usleep((useconds_t)o.probe_ms * 1000);
    }
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int usage(void)
{
    fprintf(stderr, "usage: http_abuse --port P [--host H] [--slow N] [--idle N] [--garbage N] [--big N]\n"
                    "                  [--big-bytes B] [--duration S] [--probe-ms MS] [--probe-path P]\n"
                    "                  [--no-reopen] [--json]\n");
    return 2;
}

int main(int argc, char **argv)
{
    o = (opts){ "127.0.0.1", "/healthz,/metrics", 0, { 500, 0, 0, 0 }, 200 * 1024, 10, 200, 1, 0 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-reopen"))
            o.reopen = 0;
        else if (!strcmp(a, "--json"))
            o.json = 1;
        else if (!v)
            return usage();
        else if (!strcmp(a, "--port"))
            o.port = atoi(v), i++;
        else if (!strcmp(a, "--host"))
            o.host = v, i++;
        else if (!strcmp(a, "--slow"))
            o.n[K_SLOW] = atoi(v), i++;
        else if (!strcmp(a, "--idle"))
            o.n[K_IDLE] = atoi(v), i++;
        else if (!strcmp(a, "--garbage"))
            o.n[K_GARBAGE] = atoi(v), i++;
        else if (!strcmp(a, "--big"))
            o.n[K_BIG] = atoi(v), i++;
        else if (!strcmp(a, "--big-bytes"))
            o.big_bytes = (size_t)atol(v), i++;
        else if (!strcmp(a, "--duration"))
            o.duration = atof(v), i++;
        else if (!strcmp(a, "--probe-ms"))
            o.probe_ms = atoi(v), i++;
        else if (!strcmp(a, "--probe-path"))
            o.path = v, i++;
        else
            return usage();
    }
    if (o.port <= 0)
        return usage();
    size_t total = 0;
    for (int k = 0; k < K_KINDS; k++)
        total += (size_t)(o.n[k] > 0 ? o.n[k] : 0);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < total + 64 && rl.rlim_max >= total + 64) {
        rl.rlim_cur = total + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    conn *cs = calloc(total ? total : 1, sizeof *cs);
    struct pollfd *pf = calloc(total ? total : 1, sizeof *pf);
    size_t n = 0;
    for (int k = 0; k < K_KINDS; k++)
        for (int i = 0; i < o.n[k]; i++)
            cs[n++] = (conn){ -1, k, 0, 0 };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    unsigned rng = 12345;
    uint64_t opened = 0, reopened = 0, refused = 0;
    for (size_t i = 0; i < n; i++)
        if ((cs[i].fd = open_conn()) >= 0)
            opened++;
    if (!opened && n) {
        fprintf(stderr, "http_abuse: cannot connect to %s:%d\n", o.host, o.port);
        return 1;
    }
    uint64_t start = now_ms(), end = start + (uint64_t)(o.duration * 1000), probe_at = start + 1000;
    pthread_t th;
    int probing = 0;
    char sink[4096];
    while (now_ms() < end) {
        uint64_t now = now_ms();
        if (!probing && now >= probe_at) {
            pthread_create(&th, NULL, probe, NULL);
            probing = 1;
        }
        for (size_t i = 0; i < n; i++) {
            pf[i].fd = cs[i].fd;
            pf[i].events = POLLIN | (cs[i].kind == K_BIG || cs[i].sent == 0 ? POLLOUT : 0);
            pf[i].revents = 0;
        }
        poll(pf, n, 20);
        now = now_ms();
        for (size_t i = 0; i < n; i++) {
            conn *c = &cs[i];
            if (c->fd < 0) {
                if (o.reopen && (c->fd = open_conn()) >= 0) {
                    c->sent = 0;
                    reopened++;
                } else if (!o.reopen) {
                    continue;
                } else {
                    refused++;
                }
                continue;
            }
            int closed = (pf[i].revents & (POLLERR | POLLHUP)) != 0;
            if (pf[i].revents & POLLIN) {
                ssize_t r = recv(c->fd, sink, sizeof sink, 0);
                closed |= r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
            }
            if (closed) {
                close(c->fd);
                c->fd = -1;
                continue;
            }
            if (pf[i].revents & POLLOUT || c->kind == K_SLOW || c->kind == K_GARBAGE)
                pump(c, now, &rng);
        }
    }
    size_t open_now[K_KINDS] = { 0 };
    for (size_t i = 0; i < n; i++)
        open_now[cs[i].kind] += cs[i].fd >= 0;
    stop_probe = 1;
    if (probing)
        pthread_join(th, NULL);
    size_t ok = 0;
    double *good = calloc(n_lat ? n_lat : 1, sizeof *good);
    for (size_t i = 0; i < n_lat; i++)
        if (lat[i] >= 0)
            good[ok++] = lat[i];
    qsort(good, ok, sizeof *good, cmp_d);
    double p50 = ok ? good[ok / 2] : -1, p99 = ok ? good[(ok * 99) / 100 < ok ? (ok * 99) / 100 : ok - 1] : -1,
           mx = ok ? good[ok - 1] : -1;
    printf("%s: probes %zu ok %zu p50 %.0f ms p99 %.0f ms max %.0f ms | abuse", o.path, n_lat, ok, p50, p99, mx);
    for (int k = 0; k < K_KINDS; k++)
        if (o.n[k])
            printf(" %s %d (%zu open at the end)", kind_names[k], o.n[k], open_now[k]);
    printf(", re-opened %llu\n", (unsigned long long)reopened);
    if (o.json)
        printf("{\"probes\": %zu, \"ok\": %zu, \"p50_ms\": %.1f, \"p99_ms\": %.1f, \"max_ms\": %.1f, "
               "\"reopened\": %llu}\n",
               n_lat, ok, p50, p99, mx, (unsigned long long)reopened);
    for (size_t i = 0; i < n; i++)
        if (cs[i].fd >= 0)
            close(cs[i].fd);
    free(cs);
    free(pf);
    free(good);
    free(lat);
    curl_global_cleanup();
    (void)refused;
    return 0;
}
