/* sw_chan_discord.c -- the `discord` preset: a Discord webhook over the same
 * HTTP path as Slack's, payload {"content": ...} (sw_nf_discord) with
 * mentions turned off.  The webhook URL is a secret like Slack's.  With
 * "chart": true the chart goes along as a file attachment (multipart). */
#include "sw_chan.h"
#include "sw_notify_format.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>

static int discord_open(sw_chan *ch, char *err, size_t errlen)
{
    return sw_chan_open_url(ch, 0, err, errlen);
}

static int discord_build(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    return sw_chan_post_json(ch, m, req, sw_nf_discord, err, errlen);
}

/* ---- with a picture ---------------------------------------------------------------- */

/* Execute Webhook as multipart/form-data: the JSON payload in the part
 * payload_json, naming the file in its "attachments", and the file in
 * files[0]. */
static int discord_build_chart(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    char *body = sw_chan_format(m, sw_nf_discord);
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
