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
 * text in it is escaped (no control characters) and the subject is ASCII. */
#include "sw_chan.h"
#include "sw_dbuf.h"
#include "sw_notify_format.h"
#include "sw_secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    const sw_alert **al = malloc(m->n * sizeof *al);
    for (size_t i = 0; al && i < m->n; i++)
        al[i] = m->items[i].alert;
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

const sw_chan_type sw_chan_email_type = { SW_CHAN_EMAIL, email_open, email_build };
