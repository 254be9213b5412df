/* sw_chan_chart.c -- pictures in messages, the part every channel does the
 * same way (sw_chan.h): before a message's first attempt its picture is
 * fetched once (sw_notify_chart.h: notify.chart_url, 2 s at most); the
 * message then goes out with it through the type's build_chart, or without
 * it through build when the fetch failed.  After a failure the channel does
 * not ask again for CHART_RETRY_MS: a burst of alerts while the chart server
 * is down goes out at once, not 2 s apart.  A failure is logged once per
 * episode -- a warning for the first message that goes without, then debug
 * lines until a picture comes again (said at info level) -- so a chart
 * server that is down never floods the log, and never holds an alert back
 * longer than the fetch's deadline. */
#include "sw_chan.h"
#include "sw_log.h"

#include <stdlib.h>
#include <string.h>

#define CHART_RETRY_MS 30000

/* Email, Telegram and Discord carry the picture itself; Slack a link. */
static int carries_picture(const sw_chan *ch)
{
    int k = ch->cfg->kind;
    return ch->cfg->chart && ch->cfg->chart_url && ch->type->build_chart &&
           (k == SW_CHAN_EMAIL || k == SW_CHAN_TELEGRAM || k == SW_CHAN_DISCORD);
}

int sw_chan_chart_build(const sw_chan *ch, const sw_chan_msg *m)
{
    if (!ch->cfg->chart || !ch->type->build_chart)
        return 0;
    if (ch->cfg->kind == SW_CHAN_SLACK)
        return ch->cfg->dashboard_url != NULL;
    return m->chart != NULL;
}

/* The outcome of a fetch, said once per episode. */
static void episode(sw_chan *ch, const sw_chan_msg *m, const char *why)
{
    const char *id = m->items[0].alert->id;
    if (!why) {
        if (ch->chart_down)
            sw_info("%s: pictures are attached again (alert %s)", ch->where, id);
        ch->chart_down = 0;
        return;
    }
    ch->chart_retry_ms = uv_now(ch->loop) + CHART_RETRY_MS;
    if (!ch->chart_down)
        sw_warn("%s: alert %s goes without its picture: %s (said once: until a picture comes again, alerts go "
                "without one; asked again every %d s)",
                ch->where, id, why, CHART_RETRY_MS / 1000);
    else
        sw_debug("%s: alert %s goes without its picture: %s", ch->where, id, why);
    ch->chart_down = 1;
}

static void on_fetched(void *ctx, unsigned char *png, size_t len, const char *why)
{
    sw_chan *ch = ctx;
    ch->chart_fetching = 0;
    sw_chan_msg *m = ch->head;
    if (ch->closing || !m) {
        free(png);
        return;
    }
    m->chart_done = 1;
    m->chart = png;
    m->chart_len = len;
    episode(ch, m, why);
    sw_chan_kick(ch);
}

int sw_chan_chart_step(sw_chan *ch, sw_chan_msg *m)
{
    if (ch->chart_fetching)
        return 1;
    if (m->chart_done || !carries_picture(ch))
        return 0;
    m->chart_done = 1; /* one try per message, whatever happens */
    if (ch->chart_down && uv_now(ch->loop) < ch->chart_retry_ms) {
        sw_debug("%s: alert %s goes without its picture (the chart server failed less than %d s ago)", ch->where,
                 m->items[0].alert->id, CHART_RETRY_MS / 1000);
        return 0;
    }
    const sw_alert **al = sw_chan_alerts(m);
    char url[SW_NOTIFY_URL_MAX + 512], why[CURL_ERROR_SIZE + 64];
    int ok = al && sw_nchart_url(ch->cfg->chart_url, al, m->n, m->group[0] ? m->group : NULL, url, sizeof url) == 0;
    free(al);
    if (!ok) {
        episode(ch, m, "its URL is too long");
        return 0;
    }
    if (sw_nchart_start(&ch->chart, ch->curl, url, ch->cfg->ca_file, on_fetched, ch, why, sizeof why) != 0) {
        episode(ch, m, why);
        return 0;
    }
    ch->chart_fetching = 1;
    return 1;
}

void sw_chan_chart_cancel(sw_chan *ch)
{
    if (ch->chart_fetching)
        sw_nchart_cancel(&ch->chart);
    ch->chart_fetching = 0;
}

int sw_chan_http_mime(sw_chan *ch, sw_chan_req *req, const char *url, curl_mime *mime)
{
    req->mime = mime;
    /* The channels' POST, with the parts as its body: curl completes the
     * Content-Type with the boundary. */
    if (sw_chan_http_post(ch, req, url, NULL, 0, "multipart/form-data", NULL) != 0)
        return -1;
    curl_easy_setopt(req->easy, CURLOPT_MIMEPOST, mime);
    return 0;
}

curl_mimepart *sw_chan_png_part(curl_mime *mime, const sw_chan_msg *m, const char *name, const char *filename)
{
    curl_mimepart *p = curl_mime_addpart(mime);
    if (!p || curl_mime_data(p, (const char *)m->chart, m->chart_len) != CURLE_OK ||
        curl_mime_type(p, "image/png") != CURLE_OK || (name && curl_mime_name(p, name) != CURLE_OK) ||
        curl_mime_filename(p, filename) != CURLE_OK)
        return NULL;
    return p;
}
