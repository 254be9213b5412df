/* sw_chan_slack.c -- the `slack` channel: an incoming webhook, Block Kit.
 *
 * The webhook URL is the credential (whoever has it can post), so it comes
 * from url_env or url_file only and log lines name its host, never its path.
 * The payload (sw_nf_slack) carries a plain-text fallback for notifications,
 * and an attachment coloured by severity holding a header with severity and
 * symbol, the price/move/z-score/reference/time fields and the alert ids.
 * With "chart": true it ends with a link to the dashboard. */
#include "sw_chan.h"
#include "sw_notify_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int slack_open(sw_chan *ch, char *err, size_t errlen)
{
    return sw_chan_open_url(ch, 0, err, errlen);
}

static int slack_build(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    return sw_chan_post_json(ch, m, req, sw_nf_slack, err, errlen);
}

/* ---- "chart": true ---------------------------------------------------------------- */

/* An incoming webhook cannot carry a file: the message links the dashboard
 * (notify.dashboard_url, {symbol} and {id} filled in as for a chart). */
static int slack_build_chart(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    const sw_alert **al = sw_chan_alerts(m);
    const char *group = m->group[0] ? m->group : NULL;
    char url[SW_NOTIFY_URL_MAX + 512];
    char *body = al ? sw_nf_slack(al, m->n, group) : NULL;
    int url_ok = al && sw_nchart_url(ch->cfg->dashboard_url, al, m->n, group, url, sizeof url) == 0;
    free(al);
    char *linked = body && url_ok ? sw_nf_slack_link(body, url, "Open the live dashboard") : NULL;
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (linked) {
        free(body);
        body = linked;
    }
    return sw_chan_http_post(ch, req, ch->secret, body, strlen(body), "application/json", NULL);
}

const sw_chan_type sw_chan_slack_type = { SW_CHAN_SLACK, slack_open, slack_build, slack_build_chart };
