/* sw_notify_chart.c -- see sw_notify_chart.h. */
#include "sw_notify_chart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t sw_nchart_lead(const sw_alert *const *al, size_t n)
{
    size_t w = 0;
    for (size_t i = 1; i < n; i++)
        if (al[i]->severity >= al[w]->severity)
            w = i;
    return w;
}

/* Append s percent-encoded; returns the new length, or cap when full. */
static size_t put_encoded(char *out, size_t o, size_t cap, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p && o < cap; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (plain) {
            out[o++] = (char)*p;
        } else if (o + 3 <= cap) {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        } else {
            return cap;
        }
    }
    return o;
}

int sw_nchart_url(const char *tmpl, const sw_alert *const *al, size_t n, const char *group, char *out, size_t cap)
{
    if (cap == 0 || n == 0)
        return -1;
    const sw_alert *lead = al[sw_nchart_lead(al, n)];
    size_t o = 0, room = cap - 1;
    for (const char *p = tmpl; *p && o < room;) {
        if (strncmp(p, "{symbol}", 8) == 0) {
            if (group && group[0]) {
                static const char pre[] = "group/";
                if (o + sizeof pre - 1 > room)
                    return -1;
                memcpy(out + o, pre, sizeof pre - 1);
                o = put_encoded(out, o + sizeof pre - 1, room, group);
            } else {
                o = put_encoded(out, o, room, lead->symbol);
            }
            p += 8;
        } else if (strncmp(p, "{id}", 4) == 0) {
            o = put_encoded(out, o, room, lead->id);
            p += 4;
        } else {
            out[o++] = *p++;
        }
        if (o >= room && *p)
            return -1;
    }
    if (o >= room)
        return -1;
    out[o] = '\0';
    return 0;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userp)
{
    sw_nchart *f = userp;
    size_t n = size * nmemb;
    if (f->len + n > SW_NCHART_MAX) {
        f->over = 1;
        return 0; /* curl stops with a write error */
    }
    if (f->len + n > f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 65536;
        while (cap < f->len + n)
            cap *= 2;
        unsigned char *p = realloc(f->data, cap);
        if (!p)
            return 0;
        f->data = p;
        f->cap = cap;
    }
    memcpy(f->data + f->len, data, n);
    f->len += n;
    return n;
}

static void on_done(void *ctx, CURL *easy, CURLcode rc)
{
    sw_nchart *f = ctx;
    char why[CURL_ERROR_SIZE + 64] = "";
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (f->over)
        snprintf(why, sizeof why, "the picture is larger than %u MB", SW_NCHART_MAX >> 20);
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        snprintf(why, sizeof why, "no answer within %d ms", SW_NCHART_TIMEOUT_MS);
    else if (rc != CURLE_OK)
        snprintf(why, sizeof why, "%s", f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc));
    else if (code != 200)
        snprintf(why, sizeof why, "HTTP %ld", code);
    else if (f->len < sizeof sig || memcmp(f->data, sig, sizeof sig) != 0)
        snprintf(why, sizeof why, "the answer is not a PNG");
    curl_easy_cleanup(easy);
    f->easy = NULL;
    unsigned char *png = why[0] ? NULL : f->data;
    size_t len = f->len;
    if (!png)
        free(f->data);
    f->data = NULL;
    f->len = f->cap = 0;
    f->done(f->ctx, png, png ? len : 0, why[0] ? why : NULL);
}

int sw_nchart_start(sw_nchart *f, sw_curl *curl, const char *url, const char *ca_file, sw_nchart_done_fn done,
                    void *ctx, char *why, size_t whylen)
{
    memset(f, 0, sizeof *f);
    f->curl = curl;
    f->done = done;
    f->ctx = ctx;
    CURL *e = curl_easy_init();
    if (!e) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)SW_NCHART_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)SW_NCHART_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "shock-notify/" SHOCK_VERSION);
    if (ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
    f->easy = e;
    if (sw_curl_add(curl, e, on_done, f) != 0) {
        curl_easy_cleanup(e);
        f->easy = NULL;
        snprintf(why, whylen, "cannot start the request");
        return -1;
    }
    return 0;
}

void sw_nchart_cancel(sw_nchart *f)
{
    if (!f->easy)
        return;
    sw_curl_cancel(f->curl, f->easy);
    curl_easy_cleanup(f->easy);
    f->easy = NULL;
    free(f->data);
    f->data = NULL;
    f->len = f->cap = 0;
}
