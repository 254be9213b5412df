/* sw_chan_telegram.c -- the `telegram` preset: the Bot API's sendMessage
 * (POST <api_base>/bot<token>/sendMessage, {"chat_id", "text"}) over the same
 * HTTP path.  The token sits in the URL's path, so every curl message is
 * passed through sw_secret_redact before it is logged, and log lines name
 * only the API host.  With "chart": true the message goes as sendPhoto with
 * the chart (multipart/form-data), the text as its caption. */
#include "sw_chan.h"
#include "sw_notify_format.h"
#include "sw_secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TELEGRAM_API "https://api.telegram.org"

static int telegram_open(sw_chan *ch, char *err, size_t errlen)
{
    char what[128], host[256];
    snprintf(what, sizeof what, "notify.channels.%s.token", ch->cfg->name);
    int rc = sw_secret_load(&ch->secret, what, ch->cfg->token_env, ch->cfg->token_file, err, errlen);
    if (rc != 0) {
        if (rc == 1)
            snprintf(err, errlen, "%s: missing (token_env or token_file)", what);
        return -1;
    }
    for (const char *p = ch->secret; *p; p++)
        if (*p == '/' || *p == '?' || *p == '#' || (unsigned char)*p <= 0x20) {
            snprintf(err, errlen, "%s: not a bot token (no '/', '?', '#' or spaces)", what);
            return -1;
        }
    const char *base = ch->cfg->api_base ? ch->cfg->api_base : TELEGRAM_API;
    snprintf(what, sizeof what, "notify.channels.%s.api_base", ch->cfg->name);
    if (sw_chan_check_url(base, what, err, errlen) != 0)
        return -1;
    snprintf(ch->where + strlen(ch->where), sizeof ch->where - strlen(ch->where), " (%s)",
             sw_chan_url_host(base, host, sizeof host));
    return 0;
}

int sw_chan_telegram_url(const sw_chan *ch, const char *method, char *buf, size_t len)
{
    const char *base = ch->cfg->api_base ? ch->cfg->api_base : TELEGRAM_API;
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    int w = snprintf(buf, len, "%.*s/bot%s/%s", (int)bl, base, ch->secret, method);
    return w >= 0 && (size_t)w < len ? 0 : -1;
}

static int telegram_build(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    char url[8192];
    if (sw_chan_telegram_url(ch, "sendMessage", url, sizeof url) != 0) {
        snprintf(err, errlen, "the API URL is too long");
        return -1;
    }
    const sw_alert **al = malloc(m->n * sizeof *al);
    for (size_t i = 0; al && i < m->n; i++)
        al[i] = m->items[i].alert;
    char *body = al ? sw_nf_telegram(ch->cfg->chat_id, al, m->n, m->group[0] ? m->group : NULL) : NULL;
    free(al);
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* curl copies the URL: the stack copy of the token is wiped at once. */
    int rc = sw_chan_http_post(ch, req, url, body, strlen(body), "application/json", NULL);
    sw_secret_wipe_buf(url, sizeof url);
    return rc;
}

/* ---- with a picture ---------------------------------------------------------------- */

/* Telegram's limit on a photo's caption (its own count of characters). */
#define TELEGRAM_CAPTION_MAX 1024

/* sendPhoto, multipart: chat_id, the caption, the photo.  The message as
 * caption when it fits; a longer one goes first as itself (sendMessage,
 * stage 0) and the photo follows with the subject line as caption. */
static int telegram_build_chart(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    const sw_alert **al = sw_chan_alerts(m);
    const char *group = m->group[0] ? m->group : NULL;
    char *text = al ? sw_nf_telegram_text(al, m->n, group) : NULL;
    char subject[256] = "";
    if (al)
        sw_nf_subject(al, m->n, group, subject, sizeof subject);
    free(al);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int long_text = sw_nf_chars(text) > TELEGRAM_CAPTION_MAX;
    if (long_text && m->stage == 0) {
        free(text);
        req->more = 1;
        return telegram_build(ch, m, req, err, errlen);
    }
    char url[8192];
    curl_mime *mime = curl_mime_init(NULL);
    curl_mimepart *p1 = mime ? curl_mime_addpart(mime) : NULL, *p2 = mime ? curl_mime_addpart(mime) : NULL;
    int rc = -1;
    if (p1 && p2 && curl_mime_name(p1, "chat_id") == CURLE_OK &&
        curl_mime_data(p1, ch->cfg->chat_id, CURL_ZERO_TERMINATED) == CURLE_OK &&
        curl_mime_name(p2, "caption") == CURLE_OK &&
        curl_mime_data(p2, long_text ? subject : text, CURL_ZERO_TERMINATED) == CURLE_OK &&
        sw_chan_png_part(mime, m, "photo", "chart.png") &&
        sw_chan_telegram_url(ch, "sendPhoto", url, sizeof url) == 0) {
        rc = sw_chan_http_mime(ch, req, url, mime);
        mime = NULL; /* the request's now */
    }
    sw_secret_wipe_buf(url, sizeof url);
    if (rc != 0)
        snprintf(err, errlen, "cannot build the sendPhoto request (out of memory?)");
    curl_mime_free(mime);
    free(text);
    return rc;
}

const sw_chan_type sw_chan_telegram_type = { SW_CHAN_TELEGRAM, telegram_open, telegram_build, telegram_build_chart };
