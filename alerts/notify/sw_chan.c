/* sw_chan.c -- see sw_chan.h. */
#include "sw_chan.h"
#include "sw_escape.h"
#include "sw_host.h"
#include "sw_log.h"
#include "sw_logout.h"
#include "sw_secret.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const sw_chan_type *const types[SW_CHAN_KINDS] = {
    [SW_CHAN_SLACK] = &sw_chan_slack_type,       [SW_CHAN_EMAIL] = &sw_chan_email_type,
    [SW_CHAN_WEBHOOK] = &sw_chan_webhook_type,   [SW_CHAN_DISCORD] = &sw_chan_discord_type,
    [SW_CHAN_TELEGRAM] = &sw_chan_telegram_type, [SW_CHAN_CONSOLE] = &sw_chan_console_type,
};

static void pump(sw_chan *ch);

static uint64_t next_random(sw_chan *ch)
{
    ch->rng ^= ch->rng >> 12;
    ch->rng ^= ch->rng << 25;
    ch->rng ^= ch->rng >> 27;
    return ch->rng * UINT64_C(2685821657736338717);
}

/* ---- URLs ----------------------------------------------------------------------- */

char *sw_chan_url_host(const char *url, char *buf, size_t len)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    snprintf(buf, len, "%.*s", (int)(n < 200 ? n : 200), p);
    return buf;
}

int sw_chan_check_url(const char *url, const char *what, char *err, size_t errlen)
{
    char host[256];
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
            snprintf(err, errlen, "%s holds spaces or control characters (a URL)", what);
            return -1;
        }
    if (strncasecmp(url, "https://", 8) == 0 && url[8])
        return 0;
    if (strncasecmp(url, "http://", 7) == 0 && url[7]) {
        /* The project's one loopback test (sw_host.h): by address. */
        if (sw_url_is_loopback(url))
            return 0;
        snprintf(err, errlen, "%s is http:// to %s: plain HTTP is allowed to a loopback host only", what,
                 sw_chan_url_host(url, host, sizeof host));
        return -1;
    }
    snprintf(err, errlen, "%s is not an https:// URL", what);
    return -1;
}

int sw_chan_open_url(sw_chan *ch, int direct, char *err, size_t errlen)
{
    char what[128], host[256];
    snprintf(what, sizeof what, "notify.channels.%s.url", ch->cfg->name);
    if (direct && ch->cfg->url) {
        ch->secret = strdup(ch->cfg->url);
        if (!ch->secret) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    } else {
        int rc = sw_secret_load(&ch->secret, what, ch->cfg->url_env, ch->cfg->url_file, err, errlen);
        if (rc != 0) {
            if (rc == 1)
                snprintf(err, errlen, "%s: missing (%surl_env or url_file)", what, direct ? "url, " : "");
            return -1;
        }
    }
    if (sw_chan_check_url(ch->secret, what, err, errlen) != 0)
        return -1;
    snprintf(ch->where + strlen(ch->where), sizeof ch->where - strlen(ch->where), " (%s)",
             sw_chan_url_host(ch->secret, host, sizeof host));
    return 0;
}

/* ---- requests -------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    sw_chan_req *req = userp;
    size_t n = size * nmemb, room = sizeof req->resp - 1 - req->resp_len;
    memcpy(req->resp + req->resp_len, data, n < room ? n : room);
    req->resp_len += n < room ? n : room;
    req->resp[req->resp_len] = '\0';
    return n; /* the rest is read and discarded: a service's answer is not ours to hold */
}

/* Retry-After: delay-seconds or an HTTP-date (RFC 9110 10.2.3). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    sw_chan_req *req = userp;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && n < 200 && strncasecmp(data, name, sizeof name - 1) == 0) {
        char v[200];
        size_t vl = n - (sizeof name - 1);
        memcpy(v, data + sizeof name - 1, vl);
        v[vl] = '\0';
        char *s = v;
        while (*s == ' ' || *s == '\t')
            s++;
        s[strcspn(s, "\r\n")] = '\0';
        char *end;
        double secs = strtod(s, &end);
        if (end != s && *end == '\0' && secs >= 0 && secs < 86400 * 7) {
            req->retry_after_ms = (long)ceil(secs * 1000);
        } else {
            time_t t = curl_getdate(s, NULL);
            time_t now = time(NULL);
            if (t != (time_t)-1)
                req->retry_after_ms = t > now ? (long)(t - now) * 1000 : 0;
        }
    }
    return n;
}

CURL *sw_chan_easy(sw_chan *ch, sw_chan_req *req)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    long timeout_ms = (long)(ch->cfg->timeout_ns / 1000000);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, req);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, req);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "shock-notify/" SHOCK_VERSION);
    if (ch->cfg->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, ch->cfg->ca_file);
    req->easy = e;
    return e;
}

int sw_chan_http_post(sw_chan *ch, sw_chan_req *req, const char *url, char *body, size_t len,
                      const char *content_type, const char *const *extra_headers)
{
    req->body = body;
    req->body_len = len;
    CURL *e = sw_chan_easy(ch, req);
    if (!e)
        return -1;
    char ct[128];
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
    struct curl_slist *h = curl_slist_append(NULL, ct);
    /* No "100 Continue" round trip for a small body. */
    if (h)
        h = curl_slist_append(h, "Expect:");
    for (size_t i = 0; h && extra_headers && extra_headers[i]; i++) {
        struct curl_slist *nh = curl_slist_append(h, extra_headers[i]);
        if (!nh) {
            curl_slist_free_all(h);
            h = NULL;
        } else {
            h = nh;
        }
    }
    if (!h)
        return -1;
    req->headers = h;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    /* A webhook that redirects is misconfigured: the 3xx is reported, not followed. */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    return 0;
}

void sw_chan_req_free(sw_chan_req *req)
{
    if (req->easy)
        curl_easy_cleanup(req->easy);
    curl_slist_free_all(req->headers);
    curl_slist_free_all(req->rcpt);
    curl_mime_free(req->mime); /* after the easy handle that used it */
    free(req->body);
    memset(req, 0, sizeof *req);
    req->retry_after_ms = -1;
}

/* ---- messages ------------------------------------------------------------------- */

static sw_chan_msg *msg_new(const char *group)
{
    sw_chan_msg *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cap = 1;
    m->items = calloc(1, sizeof *m->items);
    if (!m->items) {
        free(m);
        return NULL;
    }
    snprintf(m->group, sizeof m->group, "%s", group ? group : "");
    return m;
}

static int msg_add(sw_chan_msg *m, const sw_chan_item *it)
{
    if (m->n == m->cap) {
        sw_chan_item *ni = realloc(m->items, m->cap * 2 * sizeof *ni);
        if (!ni)
            return -1;
        m->items = ni;
        m->cap *= 2;
    }
    m->items[m->n++] = *it;
    return 0;
}

static void msg_free(sw_chan_msg *m)
{
    if (m) {
        free(m->items);
        free(m->chart);
        free(m);
    }
}

const sw_alert **sw_chan_alerts(const sw_chan_msg *m)
{
    const sw_alert **al = malloc(m->n * sizeof *al);
    for (size_t i = 0; al && i < m->n; i++)
        al[i] = m->items[i].alert;
    return al;
}

char *sw_chan_format(const sw_chan_msg *m, sw_chan_fmt fmt)
{
    const sw_alert **al = sw_chan_alerts(m);
    char *text = al ? fmt(al, m->n, m->group[0] ? m->group : NULL) : NULL;
    free(al);
    return text;
}

int sw_chan_post_json(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, sw_chan_fmt fmt, char *err,
                      size_t errlen)
{
    char *body = sw_chan_format(m, fmt);
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return sw_chan_http_post(ch, req, ch->secret, body, strlen(body), "application/json", NULL);
}

static void enqueue(sw_chan *ch, sw_chan_msg *m)
{
    /* One alert of a group goes out as itself, not as a digest of one. */
    if (m->n == 1)
        m->group[0] = '\0';
    m->next = NULL;
    if (ch->tail)
        ch->tail->next = m;
    else
        ch->head = m;
    ch->tail = m;
}

/* ---- outcomes --------------------------------------------------------------------- */

static void finish_msg(sw_chan *ch, int delivered, const char *reason)
{
    sw_chan_msg *m = ch->head;
    ch->awaiting_settle = 1;
    if (delivered) {
        ch->stats.messages++;
        ch->stats.alerts_sent += m->n;
        ch->stats.digests += m->group[0] != '\0';
        sw_debug("%s: delivered %zu alert%s (id %s%s) after %u attempt%s", ch->where, m->n, m->n == 1 ? "" : "s",
                 m->items[0].alert->id, m->n > 1 ? ", ..." : "", m->attempts, m->attempts == 1 ? "" : "s");
    } else {
        ch->stats.alerts_failed += m->n;
        sw_error("%s: giving up on %zu alert%s (id %s%s): %s", ch->where, m->n, m->n == 1 ? "" : "s",
                 m->items[0].alert->id, m->n > 1 ? ", ..." : "", reason);
    }
    ch->result(ch->ctx, ch, m->items, m->n, delivered, reason);
}

/* Try again after hint_ms (a Retry-After) or the next backoff step, unless
 * that would be past the deadline. */
static void retry_later(sw_chan *ch, long hint_ms, const char *why)
{
    sw_chan_msg *m = ch->head;
    uint64_t now = uv_now(ch->loop);
    uint64_t delay;
    if (hint_ms >= 0) {
        delay = (uint64_t)hint_ms;
    } else {
        /* Exponential with jitter over the upper half of the window: never
         * a zero wait for a server that just failed, yet many channels that
         * failed together do not come back in step. */
        uint64_t base = (uint64_t)(ch->cfg->backoff_base_ns / 1000000), cap = (uint64_t)(ch->cfg->backoff_max_ns / 1000000);
        unsigned shift = m->attempts > 0 ? m->attempts - 1 : 0;
        uint64_t window = shift >= 30 ? cap : base << shift;
        if (window > cap)
            window = cap;
        if (window < 2)
            window = 2;
        delay = window / 2 + next_random(ch) % (window / 2 + 1);
    }
    uint64_t deadline = m->first_ms + (uint64_t)(ch->cfg->retry_deadline_ns / 1000000);
    if (now + delay > deadline) {
        char reason[600];
        snprintf(reason, sizeof reason, "gave up after %u attempt%s in %.1f s (retry_deadline): %s", m->attempts,
                 m->attempts == 1 ? "" : "s", (double)(now - m->first_ms) / 1000.0, why);
        finish_msg(ch, 0, reason);
        return;
    }
    ch->stats.retries++;
    /* Outage lines at attempts 1, 2, 4, 8, ...; the rest at debug level. */
    unsigned a = m->attempts;
    sw_log((a & (a - 1)) == 0 ? SW_LOG_WARNING : SW_LOG_DEBUG, "%s: %s; retry %u in %llu ms", ch->where, why, a,
           (unsigned long long)delay);
    m->not_before_ms = now + delay;
    pump(ch);
}

/* Failures that go away by themselves: the network, a busy or restarting
 * server.  Everything else (a refused login, a certificate that does not
 * verify, a server without STARTTLS) needs a person. */
static int transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
        return 1;
    default:
        return 0;
    }
}

/* Text a service or libcurl wrote, before it goes to the log or a dead
 * letter (which is stored in Redis, out of the log's reach): every form of
 * the channel's secrets replaced -- the URL or token, the key or password,
 * a URL's path and query (the secret part of a Slack or Discord webhook, as
 * an error page may quote it) and the URL with its slashes JSON-escaped --
 * then the log's own last check (sw_logout_redact: URL userinfo, token=...).
 * Done on the whole captured text, before it is cut for display. */
void sw_chan_redact(const sw_chan *ch, const char *in, char *out, size_t cap)
{
    char a[2 * SW_CHAN_RESP_MAX + 64], b[sizeof a], path[SW_SECRET_MAX + 1], json[2 * SW_SECRET_MAX + 1];
    const char *forms[4];
    size_t nf = 0;
    if (ch->secret) {
        forms[nf++] = ch->secret;
        const char *p = strstr(ch->secret, "://");
        if (p && (p = strchr(p + 3, '/')) && strlen(p) >= 8) {
            snprintf(path, sizeof path, "%s", p);
            forms[nf++] = path;
        }
        size_t o = 0;
        for (const char *c = ch->secret; *c && o + 2 < sizeof json; c++) {
            if (*c == '/')
                json[o++] = '\\';
            json[o++] = *c;
        }
        json[o] = '\0';
        if (strcmp(json, ch->secret) != 0)
            forms[nf++] = json;
    }
    if (ch->key)
        forms[nf++] = ch->key;
    snprintf(a, sizeof a, "%s", in);
    for (size_t i = 0; i < nf; i++) {
        sw_secret_redact(a, forms[i], b, sizeof b);
        memcpy(a, b, strlen(b) + 1);
    }
    sw_logout_redact(a, out, cap);
}

/* The service's answer, one line, redacted, for the log and the dead letter. */
static void excerpt(const sw_chan *ch, const sw_chan_req *req, char *buf, size_t len)
{
    char raw[SW_CHAN_RESP_MAX], line[2 * SW_CHAN_RESP_MAX], red[2 * SW_CHAN_RESP_MAX];
    /* Up to the first NUL: a service's answer is text, or not worth showing. */
    snprintf(raw, sizeof raw, "%.*s", (int)req->resp_len, req->resp);
    sw_esc_line_buf(raw, line, sizeof line);
    sw_chan_redact(ch, line, red, sizeof red);
    /* At most 200 bytes of it, cut on a character boundary. */
    size_t n = strlen(red), max = len - 1 < 200 ? len - 1 : 200;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)red[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf, red, n);
    buf[n] = '\0';
}

static void on_done(void *ctx, CURL *easy, CURLcode rc)
{
    sw_chan *ch = ctx;
    (void)easy;
    ch->in_flight = 0;
    /* Cancelled (shutting down): the alerts stay unacknowledged upstream and
     * come back next time; that is not a failure to report. */
    if (ch->closing || rc == CURLE_ABORTED_BY_CALLBACK) {
        sw_chan_req_free(&ch->req);
        return;
    }
    long code = 0;
    curl_easy_getinfo(ch->req.easy, CURLINFO_RESPONSE_CODE, &code);
    char why[700], body[256], msg[CURL_ERROR_SIZE + 64], red[CURL_ERROR_SIZE + 64];
    excerpt(ch, &ch->req, body, sizeof body);
    snprintf(msg, sizeof msg, "%s", ch->req.errbuf[0] ? ch->req.errbuf : curl_easy_strerror(rc));
    /* curl's messages may quote a URL, and the URL may be the secret. */
    sw_chan_redact(ch, msg, red, sizeof red);
    long retry_after = ch->req.retry_after_ms;
    int is_mail = ch->cfg->kind == SW_CHAN_EMAIL;
    int more = ch->req.more;
    sw_chan_req_free(&ch->req);

    if (rc == CURLE_OK && (is_mail || (code >= 200 && code < 300))) {
        if (more) { /* the next request of the same message (its photo) */
            ch->head->stage++;
            pump(ch);
            return;
        }
        finish_msg(ch, 1, NULL);
        return;
    }
    if (ch->head->stage > 0) {
        /* The message itself went out; only what came after it failed. */
        if (rc == CURLE_OK)
            snprintf(why, sizeof why, "HTTP %ld%s%s", code, body[0] ? ": " : "", body);
        else
            snprintf(why, sizeof why, "%s", red);
        sw_warn("%s: alert %s was delivered, but its picture was not: %s", ch->where, ch->head->items[0].alert->id,
                why);
        finish_msg(ch, 1, NULL);
        return;
    }
    if (rc == CURLE_OK) {
        snprintf(why, sizeof why, "HTTP %ld%s%s", code, body[0] ? ": " : "", body);
        if (code == 429) {
            ch->stats.rate_limited++;
            retry_later(ch, retry_after >= 0 ? retry_after : -1, why);
        } else if (code >= 500 || code == 408) {
            retry_later(ch, -1, why);
        } else {
            finish_msg(ch, 0, why);
        }
        return;
    }
    if (is_mail) {
        /* SMTP: the server's last reply code says whether to try again. */
        if (rc == CURLE_USE_SSL_FAILED)
            snprintf(why, sizeof why, "the server does not offer STARTTLS, which is required (nothing was sent): %s",
                     red);
        else if (rc == CURLE_LOGIN_DENIED)
            snprintf(why, sizeof why, "login refused (check username and password): %s", red);
        else
            snprintf(why, sizeof why, "%s%s", red, code ? "" : "");
        if (code >= 400 && code < 500)
            retry_later(ch, -1, why);
        else if (code >= 500 || rc == CURLE_USE_SSL_FAILED || rc == CURLE_LOGIN_DENIED || !transient(rc))
            finish_msg(ch, 0, why);
        else
            retry_later(ch, -1, why);
        return;
    }
    snprintf(why, sizeof why, "%s", red);
    if (transient(rc))
        retry_later(ch, -1, why);
    else
        finish_msg(ch, 0, why);
}

/* ---- the pump ---------------------------------------------------------------------- */

static void on_send_timer(uv_timer_t *t)
{
    pump(t->data);
}

static void pump(sw_chan *ch)
{
    if (ch->closing || ch->in_flight || ch->awaiting_settle || !ch->head)
        return;
    sw_chan_msg *m = ch->head;
    uint64_t now = uv_now(ch->loop);
    if (m->not_before_ms > now) {
        uv_timer_start(&ch->send_timer, on_send_timer, m->not_before_ms - now, 0);
        return;
    }
    if (sw_chan_chart_step(ch, m))
        return; /* its picture first (at most SW_NCHART_TIMEOUT_MS) */
    /* Token bucket: refill for the time passed, then take one. */
    double rate = ch->cfg->rate;
    ch->tokens += (double)(now - ch->refill_ms) / 1000.0 * rate;
    if (ch->tokens > ch->cfg->burst)
        ch->tokens = ch->cfg->burst;
    ch->refill_ms = now;
    if (ch->tokens < 1.0) {
        uint64_t wait = (uint64_t)ceil((1.0 - ch->tokens) / rate * 1000.0);
        uv_timer_start(&ch->send_timer, on_send_timer, wait ? wait : 1, 0);
        return;
    }
    ch->tokens -= 1.0;
    if (!m->first_ms)
        m->first_ms = now ? now : 1;
    m->attempts++;
    ch->stats.attempts++;
    char err[512] = "";
    sw_chan_req_free(&ch->req);
    int rc = sw_chan_chart_build(ch, m) ? ch->type->build_chart(ch, m, &ch->req, err, sizeof err)
                                         : ch->type->build(ch, m, &ch->req, err, sizeof err);
    if (rc == 1) {
        sw_chan_req_free(&ch->req);
        finish_msg(ch, 1, NULL);
        return;
    }
    if (rc < 0) {
        sw_chan_req_free(&ch->req);
        finish_msg(ch, 0, err[0] ? err : "cannot build the request (out of memory)");
        return;
    }
    if (sw_curl_add(ch->curl, ch->req.easy, on_done, ch) != 0) {
        sw_chan_req_free(&ch->req);
        retry_later(ch, -1, "cannot start the request");
        return;
    }
    ch->in_flight = 1;
}

/* ---- digests --------------------------------------------------------------------- */

static void on_digest_timer(uv_timer_t *t);

static void flush_bucket(sw_chan *ch, size_t i)
{
    enqueue(ch, ch->buckets[i].m);
    ch->buckets[i] = ch->buckets[--ch->n_buckets];
}

static void arm_digest_timer(sw_chan *ch)
{
    if (ch->closing)
        return;
    uint64_t first = UINT64_MAX, now = uv_now(ch->loop);
    for (size_t i = 0; i < ch->n_buckets; i++)
        if (ch->buckets[i].deadline_ms < first)
            first = ch->buckets[i].deadline_ms;
    if (first == UINT64_MAX)
        uv_timer_stop(&ch->digest_timer);
    else
        uv_timer_start(&ch->digest_timer, on_digest_timer, first > now ? first - now : 0, 0);
}

static void on_digest_timer(uv_timer_t *t)
{
    sw_chan *ch = t->data;
    uint64_t now = uv_now(ch->loop);
    for (size_t i = 0; i < ch->n_buckets;) {
        if (ch->buckets[i].deadline_ms <= now)
            flush_bucket(ch, i);
        else
            i++;
    }
    arm_digest_timer(ch);
    pump(ch);
}

int sw_chan_submit(sw_chan *ch, const sw_chan_item *item, const char *group)
{
    if (ch->closing)
        return -1;
    if (ch->cfg->digest && ch->digest_window_ms > 0 && group && group[0]) {
        size_t i = 0;
        while (i < ch->n_buckets && strcmp(ch->buckets[i].group, group) != 0)
            i++;
        if (i == ch->n_buckets && ch->n_buckets < SW_CHAN_DIGEST_GROUPS) {
            sw_chan_msg *m = msg_new(group);
            if (!m)
                return -1;
            sw_chan_bucket *b = &ch->buckets[ch->n_buckets++];
            snprintf(b->group, sizeof b->group, "%s", group);
            b->m = m;
            /* The window starts with the group's first alert: none waits longer. */
            b->deadline_ms = uv_now(ch->loop) + ch->digest_window_ms;
            arm_digest_timer(ch);
        }
        if (i < ch->n_buckets) {
            if (msg_add(ch->buckets[i].m, item) != 0)
                return -1;
            ch->queued++;
            if (ch->buckets[i].m->n >= SW_CHAN_DIGEST_MAX) {
                flush_bucket(ch, i);
                arm_digest_timer(ch);
                pump(ch);
            }
            return 0;
        }
    }
    sw_chan_msg *m = msg_new(NULL);
    if (!m || msg_add(m, item) != 0) {
        msg_free(m);
        return -1;
    }
    ch->queued++;
    enqueue(ch, m);
    pump(ch);
    return 0;
}

void sw_chan_flush(sw_chan *ch)
{
    while (ch->n_buckets)
        flush_bucket(ch, 0);
    arm_digest_timer(ch);
    pump(ch);
}

void sw_chan_settled(sw_chan *ch)
{
    if (!ch->awaiting_settle)
        return;
    sw_chan_msg *m = ch->head;
    ch->head = m->next;
    if (!ch->head)
        ch->tail = NULL;
    ch->queued -= m->n < ch->queued ? m->n : ch->queued;
    msg_free(m);
    ch->awaiting_settle = 0;
    /* Not from inside the owner's result callback: on the next iteration. */
    if (!ch->closing && ch->head)
        uv_timer_start(&ch->send_timer, on_send_timer, 0, 0);
}

/* Take the items `take` wants out of m; how many were taken. */
static size_t withdraw_items(sw_chan_msg *m, int (*take)(void *ctx, const sw_chan_item *it), void *ctx)
{
    size_t kept = 0, n = m->n;
    for (size_t i = 0; i < n; i++)
        if (!take(ctx, &m->items[i]))
            m->items[kept++] = m->items[i];
    m->n = kept;
    if (kept < n && m->chart) {
        /* Its picture showed the alerts it held: fetched again for the rest. */
        free(m->chart);
        m->chart = NULL;
        m->chart_len = 0;
        m->chart_done = 0;
    }
    /* One alert left of a digest goes out as itself. */
    if (kept == 1)
        m->group[0] = '\0';
    return n - kept;
}

size_t sw_chan_withdraw(sw_chan *ch, int (*take)(void *ctx, const sw_chan_item *it), void *ctx)
{
    if (ch->closing)
        return 0;
    size_t taken = 0;
    for (size_t i = 0; i < ch->n_buckets;) {
        taken += withdraw_items(ch->buckets[i].m, take, ctx);
        if (ch->buckets[i].m->n == 0) {
            msg_free(ch->buckets[i].m);
            ch->buckets[i] = ch->buckets[--ch->n_buckets];
        } else {
            i++;
        }
    }
    arm_digest_timer(ch);
    /* Queued messages not tried yet; never the one being sent (or waiting
     * for its picture, or for its outcome to be recorded). */
    sw_chan_msg *prev = NULL;
    for (sw_chan_msg *m = ch->head, *next; m; m = next) {
        next = m->next;
        int busy = m->attempts > 0 || m->stage > 0 ||
                   (m == ch->head && (ch->in_flight || ch->awaiting_settle || ch->chart_fetching));
        if (!busy)
            taken += withdraw_items(m, take, ctx);
        if (m->n > 0) {
            prev = m;
            continue;
        }
        if (prev)
            prev->next = next;
        else
            ch->head = next;
        if (ch->tail == m)
            ch->tail = prev;
        msg_free(m);
    }
    ch->queued -= taken < ch->queued ? taken : ch->queued;
    /* The head may have changed: go on from the loop, not from here. */
    if (taken && ch->head && !ch->in_flight && !ch->awaiting_settle)
        uv_timer_start(&ch->send_timer, on_send_timer, 0, 0);
    return taken;
}

void sw_chan_kick(sw_chan *ch)
{
    pump(ch);
}

size_t sw_chan_pending(const sw_chan *ch)
{
    return ch->queued;
}

/* ---- life cycle --------------------------------------------------------------------- */

int sw_chan_init(sw_chan *ch, uv_loop_t *loop, sw_curl *curl, const sw_notify_channel_config *cfg,
                 int64_t digest_window_ns, sw_chan_result_fn result, void *ctx, char *err, size_t errlen)
{
    memset(ch, 0, sizeof *ch);
    ch->cfg = cfg;
    ch->type = cfg->kind >= 0 && cfg->kind < SW_CHAN_KINDS ? types[cfg->kind] : NULL;
    ch->loop = loop;
    ch->curl = curl;
    ch->result = result;
    ch->ctx = ctx;
    ch->digest_window_ms = (uint64_t)(digest_window_ns / 1000000);
    ch->tokens = cfg->burst;
    ch->refill_ms = uv_now(loop);
    ch->req.retry_after_ms = -1;
    ch->rng = uv_hrtime() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)ch;
    if (!ch->rng)
        ch->rng = 1;
    snprintf(ch->where, sizeof ch->where, "%s \"%s\"", sw_chan_kind_name(cfg->kind), cfg->name);
    if (!ch->type) {
        snprintf(err, errlen, "channel %s: unknown type", cfg->name);
        return -1;
    }
    if (ch->type->open && ch->type->open(ch, err, errlen) != 0) {
        sw_secret_free(&ch->secret);
        sw_secret_free(&ch->key);
        return -1;
    }
    int rc = uv_timer_init(loop, &ch->send_timer);
    if (rc == 0) {
        ch->handles_open++;
        rc = uv_timer_init(loop, &ch->digest_timer);
        if (rc == 0)
            ch->handles_open++;
    }
    ch->send_timer.data = ch->digest_timer.data = ch;
    if (rc != 0) {
        snprintf(err, errlen, "channel %s: %s", cfg->name, uv_strerror(rc));
        return -1;
    }
    return 0;
}

static void timer_closed(uv_handle_t *h)
{
    sw_chan *ch = h->data;
    if (--ch->handles_open == 0) {
        sw_secret_free(&ch->secret);
        sw_secret_free(&ch->key);
        if (ch->closed)
            ch->closed(ch);
    }
}

void sw_chan_close(sw_chan *ch, sw_chan_closed_fn closed)
{
    if (ch->closing)
        return;
    ch->closing = 1;
    ch->closed = closed;
    if (ch->in_flight) {
        sw_curl_cancel(ch->curl, ch->req.easy);
        ch->in_flight = 0;
    }
    sw_chan_chart_cancel(ch);
    sw_chan_req_free(&ch->req);
    while (ch->n_buckets) {
        msg_free(ch->buckets[ch->n_buckets - 1].m);
        ch->n_buckets--;
    }
    while (ch->head) {
        sw_chan_msg *m = ch->head;
        ch->head = m->next;
        msg_free(m);
    }
    ch->tail = NULL;
    ch->queued = 0;
    int open = ch->handles_open;
    if (open == 0) {
        sw_secret_free(&ch->secret);
        sw_secret_free(&ch->key);
        if (closed)
            closed(ch);
        return;
    }
    if (open >= 1)
        uv_close((uv_handle_t *)&ch->send_timer, timer_closed);
    if (open >= 2)
        uv_close((uv_handle_t *)&ch->digest_timer, timer_closed);
}
