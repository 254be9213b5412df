/* sw_notify_config.c -- see sw_notify_config.h. */
#include "sw_notify_config.h"
#include "sw_alert.h"
#include "sw_host.h"
#include "sw_secret.h"
#include "sw_time.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[SW_CHAN_KINDS] = { "slack", "email", "webhook", "discord", "telegram",
                                                       "console" };

const char *sw_chan_kind_name(int kind)
{
    return kind >= 0 && kind < SW_CHAN_KINDS ? kind_names[kind] : NULL;
}

int sw_chan_kind_parse(const char *name)
{
    for (int i = 0; i < SW_CHAN_KINDS; i++)
        if (strcmp(kind_names[i], name) == 0)
            return i;
    return -1;
}

void sw_notify_config_defaults(sw_notify_config *n)
{
    memset(n, 0, sizeof *n);
    n->group = strdup(SW_NOTIFY_DEFAULT_GROUP);
    n->dead_stream = strdup(SW_NOTIFY_DEFAULT_DEAD);
    n->sent_prefix = strdup(SW_NOTIFY_DEFAULT_SENT_PREFIX);
    n->block_ns = 5 * SW_NS_PER_SEC;
    n->count = 64;
    n->claim_after_ns = 60 * SW_NS_PER_SEC;
    n->dedupe_horizon_ns = 7 * SW_NS_PER_DAY;
    n->digest_window_ns = 60 * SW_NS_PER_SEC;
    n->max_inflight = 1000;
    n->metrics_listen = strdup("off");
}

/* The per-kind defaults are the services' own published limits: Slack's
 * incoming webhooks allow about one message a second, Discord's 30 a minute,
 * Telegram's one a second per chat.  People read slack/email/discord/telegram,
 * so those get digests; a webhook is read by a program that wants every alert
 * as its own JSON document. */
int sw_notify_channel_defaults(sw_notify_channel_config *c, const char *name, int kind)
{
    static const struct { double rate; int burst; int digest; int timeout_s; } d[SW_CHAN_KINDS] = {
        [SW_CHAN_SLACK] = { 1, 3, 1, 10 },      [SW_CHAN_EMAIL] = { 1, 5, 1, 30 },
        [SW_CHAN_WEBHOOK] = { 10, 20, 0, 10 },  [SW_CHAN_DISCORD] = { 0.5, 5, 1, 10 },
        [SW_CHAN_TELEGRAM] = { 1, 3, 1, 10 },   [SW_CHAN_CONSOLE] = { 1000, 1000, 1, 1 },
    };
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    if (!c->name)
        return -1;
    c->kind = kind;
    c->rate = d[kind].rate;
    c->burst = d[kind].burst;
    c->digest = d[kind].digest;
    c->timeout_ns = d[kind].timeout_s * SW_NS_PER_SEC;
    c->retry_deadline_ns = 10 * SW_NS_PER_MIN;
    c->backoff_base_ns = SW_NS_PER_SEC;
    c->backoff_max_ns = 60 * SW_NS_PER_SEC;
    c->quiet_from_min = c->quiet_to_min = -1;
    c->starttls = 1;
    c->poll_timeout_ns = 25 * SW_NS_PER_SEC;
    return 0;
}

static void channel_free(sw_notify_channel_config *c)
{
    char **strs[] = { &c->name, &c->quiet_hours, &c->url, &c->url_env, &c->url_file, &c->secret_env,
                      &c->secret_file, &c->token_env, &c->token_file, &c->chat_id, &c->api_base, &c->ca_file,
                      &c->username, &c->password_env, &c->password_file, &c->from };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    sw_str_list_free(&c->headers);
    sw_str_list_free(&c->to);
}

void sw_notify_config_free(sw_notify_config *n)
{
    free(n->chart_url);
    free(n->dashboard_url);
    free(n->metrics_listen);
    free(n->group);
    free(n->consumer);
    free(n->dead_stream);
    free(n->sent_prefix);
    for (size_t i = 0; i < n->n_channels; i++)
        channel_free(&n->channels[i]);
    free(n->channels);
    for (size_t i = 0; i < n->n_routes; i++) {
        sw_str_list_free(&n->routes[i].detectors);
        sw_str_list_free(&n->routes[i].channels);
    }
    free(n->routes);
    memset(n, 0, sizeof *n);
}

int sw_notify_parse_quiet(const char *text, int *from_min, int *to_min)
{
    int h1, m1, h2, m2, used = 0;
    if (!text || sscanf(text, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &used) != 4 || text[used] != '\0')
        return -1;
    if (strlen(text) != 11 || h1 < 0 || h1 > 23 || h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 ||
        m2 > 59 || (h2 == 24 && m2 != 0))
        return -1;
    *from_min = h1 * 60 + m1;
    *to_min = h2 * 60 + m2;
    return *from_min == *to_min ? -1 : 0;
}

/* ---- checks ------------------------------------------------------------------ */

typedef struct checker {
    void (*report)(void *ctx, const char *path, const char *msg);
    void *ctx;
    int problems;
} checker;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void problem(checker *k, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    k->report(k->ctx, path, msg);
    k->problems++;
}

static int valid_channel_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= SW_NOTIFY_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return 0;
    return 1;
}

static int has_scheme(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0 && url[n + 3];
}

static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* An http(s) URL; plain http only to loopback. */
static void check_http_url(checker *k, const char *path, const char *url)
{
    if (has_ctl(url) || strchr(url, ' '))
        problem(k, path, "contains spaces or control characters (a URL)");
    else if (has_scheme(url, "https"))
        return;
    else if (has_scheme(url, "http")) {
        if (!sw_url_is_loopback(url))
            problem(k, path, "http:// is allowed to a loopback host only (https://...)");
    } else {
        problem(k, path, "is not an http(s) URL (https://...)");
    }
}

/* Exactly (need) or at most one source of a secret. */
static void check_source(checker *k, const char *cpath, const char *what, int need, const char *direct,
                         const char *env, const char *file)
{
    char p[160];
    int n = !!direct + !!env + !!file;
    if (env && !sw_env_name_valid(env)) {
        snprintf(p, sizeof p, "%s.%s_env", cpath, what);
        problem(k, p, "is not an environment variable name (letters, digits, \"_\")");
    }
    if (n > 1) {
        snprintf(p, sizeof p, "%s.%s_%s", cpath, what, file ? "file" : "env");
        problem(k, p, "%s is given more than once (use one of %s%s%s_env, %s_file)", what, direct ? what : "",
                direct ? ", " : "", what, what);
    } else if (n == 0 && need) {
        problem(k, cpath, "missing %s%s_env or %s_file (where the %s comes from)", direct ? "url, " : "", what,
                what, what);
    }
}

static void check_channel(checker *k, sw_notify_channel_config *c)
{
    char cp[128], p[192];
    snprintf(cp, sizeof cp, "channels.%s", c->name);
    if (!valid_channel_name(c->name))
        problem(k, cp, "channel name must be 1 to %d letters, digits, '_' or '-'", SW_NOTIFY_NAME_MAX - 1);
    if (c->quiet_hours) {
        snprintf(p, sizeof p, "%s.quiet_hours", cp);
        if (sw_notify_parse_quiet(c->quiet_hours, &c->quiet_from_min, &c->quiet_to_min) != 0)
            problem(k, p, "\"%s\" is not a time range (like \"22:00-07:00\", New York time)", c->quiet_hours);
    }
    if (c->backoff_max_ns < c->backoff_base_ns) {
        snprintf(p, sizeof p, "%s.backoff_max", cp);
        problem(k, p, "is below backoff_base (at least the first delay)");
    }
    if (c->ca_file && c->ca_file[0] != '/') {
        snprintf(p, sizeof p, "%s.ca_file", cp);
        problem(k, p, "is not an absolute path");
    }
    switch (c->kind) {
    case SW_CHAN_SLACK:
    case SW_CHAN_DISCORD:
        check_source(k, cp, "url", 1, NULL, c->url_env, c->url_file);
        break;
    case SW_CHAN_WEBHOOK:
        check_source(k, cp, "url", 1, c->url, c->url_env, c->url_file);
        if (c->url) {
            snprintf(p, sizeof p, "%s.url", cp);
            check_http_url(k, p, c->url);
        }
        check_source(k, cp, "secret", 0, NULL, c->secret_env, c->secret_file);
        if (c->digest) {
            snprintf(p, sizeof p, "%s.digest", cp);
            problem(k, p, "a webhook posts each alert as its own JSON document (digests are for people)");
        }
        for (size_t i = 0; i < c->headers.n; i++) {
            const char *h = c->headers.v[i];
            const char *colon = strchr(h, ':');
            snprintf(p, sizeof p, "%s.headers[%zu]", cp, i);
            size_t nlen = colon ? (size_t)(colon - h) : 0;
            int ok = nlen > 0 && !has_ctl(h);
            for (size_t j = 0; ok && j < nlen; j++)
                ok = isalnum((unsigned char)h[j]) || strchr("!#$%&'*+-.^_`|~", h[j]);
            if (!ok) {
                problem(k, p, "\"%s\" is not a header (\"Name: value\", one line)", h);
                continue;
            }
            static const char *const reserved[] = { "content-type", "content-length", "host",
                                                    "x-shockwatch-signature", "transfer-encoding", NULL };
            for (size_t r = 0; reserved[r]; r++)
                if (strlen(reserved[r]) == nlen && strncasecmp(h, reserved[r], nlen) == 0)
                    problem(k, p, "%.*s is set by shock-notify itself (another header)", (int)nlen, h);
        }
        break;
    case SW_CHAN_TELEGRAM:
        check_source(k, cp, "token", 1, NULL, c->token_env, c->token_file);
        if (!c->chat_id)
            problem(k, cp, "missing chat_id (the chat the bot posts to)");
        if (c->api_base) {
            snprintf(p, sizeof p, "%s.api_base", cp);
            check_http_url(k, p, c->api_base);
        }
        break;
    case SW_CHAN_EMAIL: {
        snprintf(p, sizeof p, "%s.url", cp);
        if (!c->url)
            problem(k, cp, "missing url (smtps://host:465 or smtp://host:587 with STARTTLS)");
        else if (has_ctl(c->url) || (!has_scheme(c->url, "smtp") && !has_scheme(c->url, "smtps")))
            problem(k, p, "is not an SMTP URL (smtps://host:465 or smtp://host:587)");
        else if (!c->starttls && !(has_scheme(c->url, "smtp") && sw_url_is_loopback(c->url)))
            problem(k, p, "starttls may be turned off only for smtp:// to a loopback host (mail and its "
                          "password never cross a network in clear text)");
        check_source(k, cp, "password", 0, NULL, c->password_env, c->password_file);
        if ((c->password_env || c->password_file) && !c->username) {
            snprintf(p, sizeof p, "%s.username", cp);
            problem(k, p, "missing (a password is configured)");
        }
        if (!c->from)
            problem(k, cp, "missing from (the sender address)");
        else if (!strchr(c->from, '@') || has_ctl(c->from) || strpbrk(c->from, "<>, ")) {
            snprintf(p, sizeof p, "%s.from", cp);
            problem(k, p, "\"%s\" is not a mail address (name@example.com)", c->from);
        }
        if (c->to.n == 0)
            problem(k, cp, "missing to (an array of recipient addresses)");
        for (size_t i = 0; i < c->to.n; i++)
            if (!strchr(c->to.v[i], '@') || has_ctl(c->to.v[i]) || strpbrk(c->to.v[i], "<>, ")) {
                snprintf(p, sizeof p, "%s.to[%zu]", cp, i);
                problem(k, p, "\"%s\" is not a mail address (name@example.com)", c->to.v[i]);
            }
        break;
    }
    default:
        break;
    }
}

/* A URL template of notify: http(s), at most SW_NOTIFY_URL_MAX bytes, only
 * the placeholders {symbol} and {id}.  The chart server is shockd's
 * listener, plain HTTP on whatever host it runs: http:// to any host. */
static void check_template(checker *k, const char *path, const char *url)
{
    if (strlen(url) > SW_NOTIFY_URL_MAX) {
        problem(k, path, "is longer than %d bytes", SW_NOTIFY_URL_MAX);
        return;
    }
    if (has_ctl(url) || strchr(url, ' ')) {
        problem(k, path, "contains spaces or control characters (a URL)");
        return;
    }
    if (!has_scheme(url, "https") && !has_scheme(url, "http")) {
        problem(k, path, "is not an http(s) URL (http://127.0.0.1:9464/chart/{symbol}.png?alert={id})");
        return;
    }
    for (const char *b = strchr(url, '{'); b; b = strchr(b + 1, '{'))
        if (strncmp(b, "{symbol}", 8) != 0 && strncmp(b, "{id}", 4) != 0) {
            problem(k, path, "has a placeholder other than {symbol} and {id} at \"%.12s\"", b);
            return;
        }
}

/* Pictures: which channels can carry one, and what they need. */
static void check_charts(checker *k, sw_notify_config *n)
{
    if (n->chart_url)
        check_template(k, "chart_url", n->chart_url);
    if (n->dashboard_url)
        check_template(k, "dashboard_url", n->dashboard_url);
    for (size_t i = 0; i < n->n_channels; i++) {
        sw_notify_channel_config *c = &n->channels[i];
        char p[128];
        c->chart_url = n->chart_url;
        c->dashboard_url = n->dashboard_url;
        if (!c->chart)
            continue;
        snprintf(p, sizeof p, "channels.%s.chart", c->name);
        if (c->kind == SW_CHAN_WEBHOOK || c->kind == SW_CHAN_CONSOLE)
            problem(k, p, "a %s channel carries no picture (email, telegram and discord attach one; slack "
                          "links the dashboard)", sw_chan_kind_name(c->kind));
        else if (c->kind == SW_CHAN_SLACK && !n->dashboard_url)
            problem(k, p, "slack cannot carry a picture: it links notify.dashboard_url, which is not set");
        else if (c->kind != SW_CHAN_SLACK && !n->chart_url)
            problem(k, p, "needs notify.chart_url (where the picture comes from, e.g. "
                          "\"http://127.0.0.1:9464/chart/{symbol}.png?alert={id}\")");
    }
}

int sw_notify_config_check(sw_notify_config *n, void (*report)(void *ctx, const char *path, const char *msg),
                           void *ctx)
{
    checker k = { report, ctx, 0 };
    char p[160];
    if (n->dead_stream && (has_ctl(n->dead_stream) || strchr(n->dead_stream, ' ')))
        problem(&k, "dead_stream", "is not a stream name (no spaces or control characters)");
    if (n->group && (has_ctl(n->group) || strchr(n->group, ' ')))
        problem(&k, "group", "is not a consumer group name (no spaces or control characters)");
    if (n->consumer && (has_ctl(n->consumer) || strchr(n->consumer, ' ')))
        problem(&k, "consumer", "is not a consumer name (no spaces or control characters)");
    for (size_t i = 0; i < n->n_channels; i++)
        check_channel(&k, &n->channels[i]);
    check_charts(&k, n);
    for (size_t r = 0; r < n->n_routes; r++) {
        const sw_notify_route_config *rt = &n->routes[r];
        if (rt->channels.n == 0) {
            snprintf(p, sizeof p, "routes[%zu]", r);
            problem(&k, p, "missing channels (an array of channel names)");
        }
        for (size_t i = 0; i < rt->channels.n; i++) {
            size_t c = 0;
            while (c < n->n_channels && strcmp(n->channels[c].name, rt->channels.v[i]) != 0)
                c++;
            snprintf(p, sizeof p, "routes[%zu].channels[%zu]", r, i);
            if (c == n->n_channels) {
                char known[512] = "";
                for (size_t j = 0; j < n->n_channels; j++) {
                    size_t used = strlen(known);
                    snprintf(known + used, sizeof known - used, "%s\"%s\"", j ? ", " : "", n->channels[j].name);
                }
                problem(&k, p, "\"%s\" is not a channel (one of notify.channels: %s)", rt->channels.v[i],
                        n->n_channels ? known : "none configured");
            }
            for (size_t j = 0; j < i; j++)
                if (strcmp(rt->channels.v[j], rt->channels.v[i]) == 0)
                    problem(&k, p, "\"%s\" is listed twice (each channel once)", rt->channels.v[i]);
        }
        for (size_t i = 0; i < rt->detectors.n; i++)
            if (!sw_alert_detector_known(rt->detectors.v[i])) {
                char names[160];
                snprintf(p, sizeof p, "routes[%zu].detectors[%zu]", r, i);
                problem(&k, p, "\"%s\" is not a detector (%s)", rt->detectors.v[i],
                        sw_alert_detector_names(names, sizeof names));
            }
    }
    return k.problems;
}
