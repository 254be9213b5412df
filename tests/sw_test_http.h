/*
 * sw_test_http.h -- HTTP from the tests to shockd's listener (header-only,
 * not a test itself): a GET or POST with libcurl whose body (any bytes: a
 * PNG too) and headers are collected, and the value of one sample of a
 * Prometheus exposition, promtool's verdict on one.  The test program links libcurl
 * (tests/CMakeLists.txt).
 */
#ifndef SW_TEST_HTTP_H
#define SW_TEST_HTTP_H

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

typedef struct th_body {
    char *p;                    /* NUL-terminated; n bytes before the NUL */
    size_t n;
} th_body;

static inline size_t th_collect(char *data, size_t size, size_t nmemb, void *ctx)
{
    th_body *b = ctx;
    size_t len = size * nmemb;
    char *np = realloc(b->p, b->n + len + 1);
    if (!np)
        return 0;
    memcpy(np + b->n, data, len);
    b->n += len;
    np[b->n] = '\0';
    b->p = np;
    return len;
}

/* GET (or POST a form) http://127.0.0.1:port/path, 10 s at most; the status
 * (-1: no answer).  The body in *out (free out->p), the header lines in
 * *hdrs and the content type in ctype when they are not NULL. */
static inline long th_fetch(int port, const char *path, int post, th_body *out, th_body *hdrs, char *ctype,
                            size_t ctlen)
{
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    *out = (th_body){ calloc(1, 1), 0 };
    if (hdrs)
        *hdrs = (th_body){ calloc(1, 1), 0 };
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, th_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (hdrs) {
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, th_collect);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, hdrs);
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    if (post)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (ctype) {
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        snprintf(ctype, ctlen, "%s", ct ? ct : "");
    }
    curl_easy_cleanup(c);
    return status;
}

/* The same, the body as text in *out (free it). */
static inline long th_get(int port, const char *path, int post, char **out, char *ctype, size_t ctlen)
{
    th_body b;
    long status = th_fetch(port, path, post, &b, NULL, ctype, ctlen);
    *out = b.p;
    return status;
}

/* The value of the sample `series` (exact name with labels), or -1. */
static inline double th_sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return atof(p + n + 1);
    return -1;
}

/* The sample `series` of a fresh scrape of /metrics, or -1. */
static inline double th_metric(int port, const char *series)
{
    char *m;
    double v = th_get(port, "/metrics", 0, &m, NULL, 0) == 200 ? th_sample(m, series) : -1;
    free(m);
    return v;
}

/* promtool check metrics on text (files in dir): its exit status, its
 * words in report. */
static inline int th_promtool(const char *text, const char *dir, char *report, size_t len)
{
    char in[256], out[256], cmd[700];
    snprintf(in, sizeof in, "%s/scrape.txt", dir);
    snprintf(out, sizeof out, "%s/promtool.txt", dir);
    FILE *f = fopen(in, "w");
    if (!f)
        return -1;
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "promtool check metrics < %s > %s 2>&1", in, out);
    int rc = system(cmd);
    report[0] = '\0';
    f = fopen(out, "r");
    if (f) {
        size_t n = fread(report, 1, len - 1, f);
        report[n] = '\0';
        fclose(f);
    }
    return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

#endif
