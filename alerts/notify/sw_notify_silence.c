/* sw_notify_silence.c -- see sw_notify_silence.h. */
#include "sw_notify_silence.h"
#include "sw_escape.h"
#include "sw_log.h"
#include "sw_silence_watch.h"
#include "sw_tg_bot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sw_nsil {
    sw_nsil_opts o;
    sw_silence_watch watch;
    int watch_inited;
    sw_tg_bot *bots;                  /* one per bot token with commands on */
    size_t n_bots;
    const char **chan_names;          /* for the commands' channel= */
    uint64_t *silenced;               /* per channel */
    uint64_t silenced_total;
    int ready;                        /* a first list came (or failed) */
    int closing, handles_open;
    void (*closed)(void *ctx);
    void *closed_ctx;
};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_list(void *ctx, const sw_silence *v, size_t n, const sw_silence *const *added, size_t n_added)
{
    sw_nsil *s = ctx;
    (void)v;
    (void)n;
    (void)added;
    if ((n_added || !s->ready) && !s->closing) {
        s->ready = 1;
        if (s->o.added)
            s->o.added(s->o.ctx);
    }
}

/* The bots: one per token among the telegram channels with commands on;
 * each takes the chats of every such channel with its token. */
static int make_bots(sw_nsil *s, char *err, size_t errlen)
{
    sw_silence_names names = { s->o.groups, s->o.n_groups, s->chan_names, s->o.n_chans };
    s->bots = calloc(s->o.n_chans ? s->o.n_chans : 1, sizeof *s->bots);
    if (!s->bots) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t c = 0; c < s->o.n_chans; c++) {
        sw_chan *ch = &s->o.chans[c];
        if (ch->cfg->kind != SW_CHAN_TELEGRAM || !ch->cfg->commands || !ch->secret)
            continue;
        size_t b = 0;
        while (b < s->n_bots && strcmp(s->bots[b].ch->secret, ch->secret) != 0)
            b++;
        if (b == s->n_bots) {
            if (sw_tg_bot_init(&s->bots[b], s->o.loop, s->o.curl, ch, &names, s->o.cmd, s->o.stream, &s->watch, err,
                               errlen) != 0)
                return -1;
            s->n_bots++;
        }
        if (sw_tg_bot_add_chat(&s->bots[b], ch->cfg->chat_id, ch->cfg->name) != 0) {
            snprintf(err, errlen, "channel %s: too many command chats for one bot", ch->cfg->name);
            return -1;
        }
    }
    return 0;
}

int sw_nsil_new(sw_nsil **out, const sw_nsil_opts *o, char *err, size_t errlen)
{
    sw_nsil *s = *out = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->o = *o;
    s->silenced = calloc(o->n_chans ? o->n_chans : 1, sizeof *s->silenced);
    s->chan_names = calloc(o->n_chans ? o->n_chans : 1, sizeof *s->chan_names);
    if (!s->silenced || !s->chan_names) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t c = 0; c < o->n_chans; c++)
        s->chan_names[c] = o->chans[c].cfg->name;
    /* From here on what exists is closed by sw_nsil_close, whatever fails. */
    s->watch_inited = 1;
    if (sw_silence_watch_init(&s->watch, o->loop, o->cmd, &o->sub, o->stream, on_list, s) != 0) {
        snprintf(err, errlen, "cannot set up the silences' watcher");
        return -1;
    }
    return make_bots(s, err, errlen);
}

void sw_nsil_start(sw_nsil *s)
{
    sw_silence_watch_start(&s->watch);
    for (size_t b = 0; b < s->n_bots; b++)
        sw_tg_bot_start(&s->bots[b]);
}

void sw_nsil_connected(sw_nsil *s)
{
    sw_silence_watch_refresh(&s->watch);
}

int sw_nsil_ready(const sw_nsil *s)
{
    return s->ready;
}

void sw_nsil_stop(sw_nsil *s)
{
    for (size_t b = 0; b < s->n_bots; b++)
        sw_tg_bot_stop(&s->bots[b]);
}

uint32_t sw_nsil_hold(sw_nsil *s, const sw_alert *a, uint32_t mask)
{
    size_t n;
    const sw_silence *v = sw_silence_watch_get(&s->watch, &n);
    if (!n || !mask)
        return 0;
    int64_t now = wall_ms();
    uint32_t held = 0;
    for (size_t i = 0; i < n; i++) {
        const sw_silence *si = &v[i];
        if (!sw_silence_active(si, now))
            continue;
        uint32_t hit = 0;
        char chans[256] = "";
        for (size_t c = 0; c < s->o.n_chans && c < 32; c++) {
            uint32_t bit = UINT32_C(1) << c;
            if (!(mask & bit) || !sw_silence_matches(si, a, s->chan_names[c], s->o.groups, s->o.n_groups))
                continue;
            hit |= bit;
            size_t used = strlen(chans);
            snprintf(chans + used, sizeof chans - used, "%s%s", used ? ", " : "", s->chan_names[c]);
        }
        if (!hit)
            continue;
        held |= hit;
        char who[2 * SW_SILENCE_AUTHOR_MAX + 8], why[2 * SW_SILENCE_COMMENT_MAX + 8], until[40];
        sw_esc_line_buf(si->author, who, sizeof who);
        sw_esc_line_buf(si->comment, why, sizeof why);
        int crit = a->severity == SW_SEV_CRITICAL;
        sw_log(crit ? SW_LOG_WARNING : SW_LOG_INFO, "%s %s %s silenced by %s until %s%s%s (%salert %s on %s; silence %s)",
               a->symbol, a->detector, sw_severity_name(a->severity), who,
               sw_silence_clock(si->end_ms, now, until, sizeof until), why[0] ? ": " : "", why,
               crit ? "a critical alert, held back by this explicit silence; " : "", a->id, chans, si->id);
    }
    for (size_t c = 0; c < s->o.n_chans && c < 32; c++)
        if (held & (UINT32_C(1) << c)) {
            s->silenced[c]++;
            s->silenced_total++;
        }
    return held;
}

size_t sw_nsil_active(const sw_nsil *s)
{
    return sw_silence_watch_active(&s->watch, wall_ms());
}

uint64_t sw_nsil_silenced(const sw_nsil *s, size_t chan)
{
    return chan < s->o.n_chans ? s->silenced[chan] : 0;
}

void sw_nsil_get_stats(const sw_nsil *s, sw_nsil_stats *out)
{
    memset(out, 0, sizeof *out);
    out->silenced = s->silenced_total;
    out->lists = s->watch.st.lists;
    out->list_failures = s->watch.st.list_failures;
    for (size_t b = 0; b < s->n_bots; b++) {
        out->commands += s->bots[b].st.commands;
        out->refused += s->bots[b].st.refused;
    }
}

static void one_closed(sw_nsil *s)
{
    if (--s->handles_open == 0 && s->closed)
        s->closed(s->closed_ctx);
}

static void on_watch_closed(sw_silence_watch *w)
{
    one_closed((sw_nsil *)((char *)w - offsetof(sw_nsil, watch)));
}

static void on_bot_closed(sw_tg_bot *b)
{
    one_closed(b->owner);
}

void sw_nsil_close(sw_nsil *s, void (*closed)(void *ctx), void *ctx)
{
    if (s->closing)
        return;
    s->closing = 1;
    s->closed = closed;
    s->closed_ctx = ctx;
    s->handles_open = 1;
    for (size_t b = 0; b < s->n_bots; b++) {
        s->handles_open++;
        s->bots[b].owner = s;
        sw_tg_bot_close(&s->bots[b], on_bot_closed);
    }
    if (s->watch_inited) {
        s->handles_open++;
        sw_silence_watch_close(&s->watch, on_watch_closed);
    }
    one_closed(s);
}

void sw_nsil_free(sw_nsil *s)
{
    if (!s)
        return;
    for (size_t b = 0; b < s->n_bots; b++)
        sw_tg_bot_free(&s->bots[b]);
    free(s->bots);
    if (s->watch_inited)
        sw_silence_watch_free(&s->watch);
    free(s->silenced);
    free(s->chan_names);
    free(s);
}
