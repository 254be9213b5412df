/* sw_chan_discord.c -- the `discord` preset: a Discord webhook over the same
 * HTTP path as Slack's, payload {"content": ...} (sw_nf_discord) with
 * mentions turned off.  The webhook URL is a secret like Slack's. */
#include "sw_chan.h"
#include "sw_notify_format.h"
#include "sw_secret.h"

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

const sw_chan_type sw_chan_discord_type = { SW_CHAN_DISCORD, discord_open, discord_build };
