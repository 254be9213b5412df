/* sw_chan_email.c -- the `email` channel: one plain-text mail per message
 * through libcurl's SMTP client.
 *
 * Transport security is not optional: smtps:// is TLS from the first byte,
 * and smtp:// requires STARTTLS (CURLUSESSL_ALL): a server that does not
 * offer it is refused before MAIL FROM, so neither the alert nor the
 * password crosses the network in clear text.  Only a loopback server (a
 * local relay, the tests) may be used without (starttls: false).
 *
 * The message is RFC 5322: Date, From, To (every recipient), Subject like
 * "[CRITICAL] NVDA -16.97% vs prev close", a Message-ID made of the alert id,
 * the send time and a random part, MIME headers for UTF-8 text, and
 * Auto-Submitted (RFC 3834) so vacation responders stay quiet.  Lines end in
 * CRLF; libcurl dot-stuffs the body.  The message grows in a bounded buffer
 * (sw_dbuf) as it is written: its size is never guessed in advance; alert
 * text in it is escaped (no control characters) and the subject is ASCII.
 * With "chart": true the same message becomes multipart/related with the
 * chart inline (email_build_chart). */
#include "sw_chan.h"
#include "sw_dbuf.h"
#include "sw_escape.h"
#include "sw_notify_format.h"
#include "sw_secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int email_open(sw_chan *ch, char *err, size_t errlen)
{
    char what[128], host[256];
    snprintf(what, sizeof what, "notify.channels.%s.password", ch->cfg->name);
    if (sw_secret_load(&ch->key, what, ch->cfg->password_env, ch->cfg->password_file, err, errlen) < 0)
        return -1;
    snprintf(ch->where + strlen(ch->where), sizeof ch->where - strlen(ch->where), " (%s)",
             sw_chan_url_host(ch->cfg->url, host, sizeof host));
    return 0;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *userp)
{
    sw_chan_req *req = userp;
    size_t room = size * nmemb, left = req->body_len - req->body_off;
    size_t n = left < room ? left : room;
    memcpy(buf, req->body + req->body_off, n);
    req->body_off += n;
    return n;
}

/* \n -> \r\n, for the body of an SMTP message. */
static void put_crlf(sw_dbuf *b, const char *s)
{
    while (*s) {
        size_t n = strcspn(s, "\n");
        sw_dbuf_add(b, s, n);
        s += n;
        if (*s == '\n') {
            sw_dbuf_add(b, "\r\n", 2);
            s++;
        }
    }
}

/* A whole message is far below this: 200 alerts of text and the headers. */
#define EMAIL_MAX (2u << 20)

static int email_build(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    const sw_notify_channel_config *c = ch->cfg;
    const sw_alert **al = sw_chan_alerts(m);
    char *text = al ? sw_nf_text(al, m->n, m->group[0] ? m->group : NULL) : NULL;
    char subject[256];
    if (al)
        sw_nf_subject(al, m->n, m->group[0] ? m->group : NULL, subject, sizeof subject);
    free(al);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    /* No setlocale() anywhere in the program: %a and %b are the C locale's English names. */
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    const char *domain = strchr(c->from, '@') + 1;
    /* Grown as written, with a ceiling: nothing is sized in advance (the
     * addresses come from the config, the text from the stream). */
    sw_dbuf b = SW_DBUF_INIT(EMAIL_MAX);
    sw_dbuf_printf(&b, "Date: %s\r\nFrom: shock-notify <%s>\r\nTo: ", date, c->from);
    for (size_t i = 0; i < c->to.n; i++)
        sw_dbuf_printf(&b, "%s<%s>", i ? ",\r\n " : "", c->to.v[i]);
    uint64_t rnd = uv_hrtime() ^ ((uint64_t)(uintptr_t)req << 7);
    sw_dbuf_printf(&b, "\r\nSubject: %s\r\nMessage-ID: <%s%s.%lld.%08llx@%s>\r\n", subject, m->items[0].alert->id,
                   m->n > 1 ? ".digest" : "", (long long)now, (unsigned long long)(rnd & 0xffffffffu), domain);
    sw_dbuf_addstr(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n"
                       "X-Shockwatch-Alert-Ids:");
    /* Folded four ids a line: header lines stay far below 998 bytes. */
    for (size_t i = 0; i < m->n; i++)
        sw_dbuf_printf(&b, "%s %s", i && i % 4 == 0 ? "\r\n" : "", m->items[i].alert->id);
    sw_dbuf_addstr(&b, "\r\n\r\n");
    put_crlf(&b, text);
    free(text);
    size_t len = sw_dbuf_len(&b);
    sw_dbuf_err derr = sw_dbuf_error(&b);
    req->body = sw_dbuf_take(&b);
    if (!req->body) {
        snprintf(err, errlen, "the message is %s", sw_dbuf_strerror(derr));
        return -1;
    }
    req->body_len = len;
    req->body_off = 0;

    CURL *e = sw_chan_easy(ch, req);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char addr[1100];
    snprintf(addr, sizeof addr, "<%s>", c->from);
    curl_easy_setopt(e, CURLOPT_URL, c->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(e, CURLOPT_USE_SSL, (long)(c->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, addr);
    for (size_t i = 0; i < c->to.n; i++) {
        snprintf(addr, sizeof addr, "<%s>", c->to.v[i]);
        struct curl_slist *r = curl_slist_append(req->rcpt, addr);
        if (!r) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        req->rcpt = r;
    }
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, req->rcpt);
    if (c->username) {
        curl_easy_setopt(e, CURLOPT_USERNAME, c->username);
        if (ch->key)
            curl_easy_setopt(e, CURLOPT_PASSWORD, ch->key);
    }
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, req);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
    return 0;
}

/* ---- with a picture ---------------------------------------------------------------- */

/* The text as HTML for the message's HTML alternative: escaped, as is. */
static char *html_of(const char *text, const char *cid)
{
    sw_dbuf b = SW_DBUF_INIT(EMAIL_MAX);
    sw_dbuf_addstr(&b, "<!DOCTYPE html>\r\n<html><body>\r\n<pre style=\"font-family:monospace\">");
    sw_esc_html(&b, text);
    sw_dbuf_printf(&b, "</pre>\r\n<p><img src=\"cid:%s\" width=\"800\" height=\"400\" alt=\"the move, alerts marked\"></p>\r\n"
                       "</body></html>\r\n", cid);
    return sw_dbuf_take(&b); /* NULL past EMAIL_MAX or out of memory */
}

/* The header lines of a message built by email_build as a list for curl
 * (folded lines stay one entry), without the MIME ones curl writes itself. */
static struct curl_slist *header_list(const char *msg, size_t hlen)
{
    struct curl_slist *l = NULL;
    char *line = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < hlen;) {
        const char *eol = strstr(msg + i, "\r\n");
        size_t n = eol ? (size_t)(eol - (msg + i)) : hlen - i;
        size_t keep = line ? strlen(line) : 0;
        int cont = msg[i] == ' ' || msg[i] == '\t';
        if (!cont && line) {
            if (strncasecmp(line, "MIME-Version:", 13) && strncasecmp(line, "Content-Type:", 13) &&
                strncasecmp(line, "Content-Transfer-Encoding:", 26)) {
                struct curl_slist *nl = curl_slist_append(l, line);
                if (!nl)
                    goto oom;
                l = nl;
            }
            keep = 0;
        }
        if (keep + n + 3 > cap) {
            cap = (keep + n + 3) * 2;
            char *nl = realloc(line, cap);
            if (!nl)
                goto oom;
            line = nl;
        }
        if (cont)
            memcpy(line + keep, "\r\n", 2), keep += 2;
        memcpy(line + keep, msg + i, n);
        line[keep + n] = '\0';
        i += n + 2;
    }
    if (line && strncasecmp(line, "MIME-Version:", 13) && strncasecmp(line, "Content-Type:", 13) &&
        strncasecmp(line, "Content-Transfer-Encoding:", 26)) {
        struct curl_slist *nl = curl_slist_append(l, line);
        if (!nl)
            goto oom;
        l = nl;
    }
    free(line);
    return l;
oom:
    free(line);
    curl_slist_free_all(l);
    return NULL;
}

static curl_mimepart *text_part(curl_mime *mime, const char *data, const char *type)
{
    curl_mimepart *p = curl_mime_addpart(mime);
    if (!p || curl_mime_data(p, data, CURL_ZERO_TERMINATED) != CURLE_OK || curl_mime_type(p, type) != CURLE_OK ||
        curl_mime_encoder(p, "8bit") != CURLE_OK)
        return NULL;
    return p;
}

/* The message email_build makes, as multipart/related through curl's MIME
 * API: the same headers and the same text part, an HTML alternative that
 * shows the text and the picture, and the picture inline (Content-ID).
 *   multipart/mixed (curl's top level)
 *     multipart/related
 *       multipart/alternative: text/plain (unchanged), text/html
 *       image/png, inline, Content-ID */
static int email_build_chart(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    if (email_build(ch, m, req, err, errlen) != 0)
        return -1;
    const char *sep = strstr(req->body, "\r\n\r\n");
    char cid[160];
    const char *domain = strchr(ch->cfg->from, '@') + 1;
    snprintf(cid, sizeof cid, "chart.%s@%.100s", m->items[0].alert->id, domain);
    struct curl_slist *hdrs = sep ? header_list(req->body, (size_t)(sep - req->body)) : NULL;
    char *html = sep ? html_of(sep + 4, cid) : NULL;
    curl_mime *root = curl_mime_init(req->easy), *rel = curl_mime_init(req->easy), *alt = curl_mime_init(req->easy);
    struct curl_slist *img_h = NULL;
    char line[256];
    int ok = hdrs && html && root && rel && alt;
    if (ok) {
        curl_mimepart *a = curl_mime_addpart(rel), *r = curl_mime_addpart(root);
        ok = text_part(alt, sep + 4, "text/plain; charset=utf-8") && text_part(alt, html, "text/html; charset=utf-8") &&
             a && curl_mime_subparts(a, alt) == CURLE_OK;
        if (ok)
            alt = NULL; /* rel's now */
        ok = ok && curl_mime_type(a, "multipart/alternative") == CURLE_OK;
        curl_mimepart *img = ok ? sw_chan_png_part(rel, m, NULL, "chart.png") : NULL;
        snprintf(line, sizeof line, "Content-ID: <%s>", cid);
        ok = img && (img_h = curl_slist_append(NULL, line)) &&
             (img_h = curl_slist_append(img_h, "Content-Disposition: inline; filename=\"chart.png\"")) &&
             curl_mime_headers(img, img_h, 1) == CURLE_OK && curl_mime_encoder(img, "base64") == CURLE_OK;
        if (ok)
            img_h = NULL; /* the part's now */
        ok = ok && r && curl_mime_subparts(r, rel) == CURLE_OK;
        if (ok)
            rel = NULL; /* root's now */
        ok = ok && curl_mime_type(r, "multipart/related") == CURLE_OK;
    }
    curl_slist_free_all(img_h);
    curl_mime_free(alt);
    curl_mime_free(rel);
    free(html);
    if (!ok) {
        curl_mime_free(root);
        curl_slist_free_all(hdrs);
        snprintf(err, errlen, "out of memory building the message with its picture");
        return -1;
    }
    /* The plain message is not sent: the MIME parts and these headers are. */
    free(req->body);
    req->body = NULL;
    req->body_len = req->body_off = 0;
    curl_slist_free_all(req->headers);
    req->headers = hdrs;
    req->mime = root;
    curl_easy_setopt(req->easy, CURLOPT_READFUNCTION, NULL);
    curl_easy_setopt(req->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)-1);
    curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(req->easy, CURLOPT_MIMEPOST, root);
    return 0;
}

const sw_chan_type sw_chan_email_type = { SW_CHAN_EMAIL, email_open, email_build, email_build_chart };
