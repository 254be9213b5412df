/* sw_chan_discord.c -- the `discord` preset: a Discord webhook over the same
 * HTTP path as Slack's, payload {"content": ...} (sw_nf_discord) with
 * mentions turned off.  The webhook URL is a secret like Slack's.  With
 * "chart": true the chart goes along as a file attachment (multipart). */
#include "sw_chan.h"
#include "sw_notify_format.h"
#include "sw_secret.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int discord_open(sw_chan *ch, char *err, size_t errlen)
{
    char what[128], host[256];
    snprintf(what, sizeof what, "notify.channels.%s.url", ch->cfg->name);
    int rc = sw_secret_load(&ch->secret, what, ch->cfg->url_env, ch->cfg->url_file, err, errlen);
    if (rc != 0) {
        if (rc == 1)
            snprintf(err, errlen, "%s: missing (url_env or url_file)", what);
        return -1;
    }
    if (sw_chan_check_url(ch->secret, what, err, errlen) != 0)
        return -1;
    snprintf(ch->where + strlen(ch->where), sizeof ch->where - strlen(ch->where), " (%s)",
             sw_chan_url_host(ch->secret, host, sizeof host));
    return 0;
}

static int discord_build(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    const sw_alert **al = malloc(m->n * sizeof *al);
    for (size_t i = 0; al && i < m->n; i++)
        al[i] = m->items[i].alert;
    char *body = al ? sw_nf_discord(al, m->n, m->group[0] ? m->group : NULL) : NULL;
    free(al);
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return sw_chan_http_post(ch, req, ch->secret, body, strlen(body), "application/json", NULL);
}

/* ---- with a picture ---------------------------------------------------------------- */

/* Execute Webhook as multipart/form-data: the JSON payload in the part
 * payload_json, naming the file in its "attachments", and the file in
 * files[0]. */
static int discord_build_chart(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    const sw_alert **al = sw_chan_alerts(m);
    char *body = al ? sw_nf_discord(al, m->n, m->group[0] ? m->group : NULL) : NULL;
    free(al);
    cJSON *root = body ? cJSON_Parse(body) : NULL;
    free(body);
    cJSON *atts = root ? cJSON_AddArrayToObject(root, "attachments") : NULL;
    cJSON *att = cJSON_CreateObject();
    cJSON_AddNumberToObject(att, "id", 0);
    cJSON_AddStringToObject(att, "filename", "chart.png");
    cJSON_AddStringToObject(att, "description", "the move, alerts marked");
    cJSON_AddItemToArray(atts, att);
    char *payload = atts ? cJSON_PrintUnformatted(root) : NULL;
    if (!atts)
        cJSON_Delete(att);
    cJSON_Delete(root);
    curl_mime *mime = payload ? curl_mime_init(NULL) : NULL;
    curl_mimepart *pj = mime ? curl_mime_addpart(mime) : NULL;
    int rc = -1;
    if (pj && curl_mime_name(pj, "payload_json") == CURLE_OK &&
        curl_mime_data(pj, payload, CURL_ZERO_TERMINATED) == CURLE_OK &&
        curl_mime_type(pj, "application/json") == CURLE_OK && sw_chan_png_part(mime, m, "files[0]", "chart.png")) {
        rc = sw_chan_http_mime(ch, req, ch->secret, mime);
        mime = NULL;
    }
    curl_mime_free(mime);
    cJSON_free(payload);
    if (rc != 0)
        snprintf(err, errlen, "cannot build the webhook request with its picture (out of memory?)");
    return rc;
}

const sw_chan_type sw_chan_discord_type = { SW_CHAN_DISCORD, discord_open, discord_build, discord_build_chart };
