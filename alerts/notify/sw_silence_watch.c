/* sw_silence_watch.c -- see sw_silence_watch.h. */
#include "sw_silence_watch.h"
#include "sw_escape.h"
#include "sw_log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const sw_silence *find(const sw_silence *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].id, id) == 0)
            return &v[i];
    return NULL;
}

static void say_seen(const sw_silence *s, int64_t now)
{
    char m[200], until[40], from[40], who[2 * SW_SILENCE_AUTHOR_MAX + 8], why[2 * SW_SILENCE_COMMENT_MAX + 8];
    sw_esc_line_buf(s->author, who, sizeof who);
    sw_esc_line_buf(s->comment, why, sizeof why);
    if (sw_silence_active(s, now))
        sw_info("silence %s in force: %s, by %s until %s%s%s", s->id, sw_silence_matchers(s, m, sizeof m), who,
                sw_silence_clock(s->end_ms, now, until, sizeof until), why[0] ? ": " : "", why);
    else
        sw_info("silence %s from %s: %s, by %s until %s%s%s", s->id, sw_silence_clock(s->start_ms, now, from, sizeof from),
                sw_silence_matchers(s, m, sizeof m), who, sw_silence_clock(s->end_ms, now, until, sizeof until),
                why[0] ? ": " : "", why);
}

static void list_now(sw_silence_watch *w);

static void on_list(void *ctx, const sw_silence_set *set, const char *err)
{
    sw_silence_watch *w = ctx;
    w->listing = 0;
    if (w->closing)
        return;
    if (!set) {
        w->st.list_failures++;
        if (!w->failing)
            sw_warn("silences: cannot list them (%s); the last ones known stay in force", err);
        w->failing = 1;
        /* The owner waits for a first verdict: this is one (none known). */
        if (!w->have_list && w->fn)
            w->fn(w->ctx, w->v, w->n, NULL, 0);
        return;
    }
    if (w->failing)
        sw_info("silences: listed again (%zu known)", set->n);
    w->failing = 0;
    w->st.lists++;
    int64_t now = wall_ms();
    /* Refused records: said once each, until they are gone. */
    char(*bad)[24] = calloc(set->n_bad ? set->n_bad : 1, sizeof *bad);
    for (size_t i = 0; bad && i < set->n_bad; i++) {
        int known = 0;
        for (size_t k = 0; k < w->n_bad && !known; k++)
            known = strcmp(w->bad[k], set->bad[i].id) == 0;
        if (!known) {
            w->st.refused++;
            sw_warn("silences: the record of %s in Redis is not a valid silence, ignored: %s", set->bad[i].id,
                    set->bad[i].why);
        }
        memcpy(bad[i], set->bad[i].id, sizeof bad[i]);
    }
    if (bad) {
        free(w->bad);
        w->bad = bad;
        w->n_bad = set->n_bad;
    }
    if (set->over)
        sw_warn("silences: %zu more than the %d kept are ignored", set->over, SW_SILENCE_MAX);
    sw_silence *v = malloc((set->n ? set->n : 1) * sizeof *v);
    const sw_silence **added = malloc((set->n ? set->n : 1) * sizeof *added);
    if (!v || !added) {
        free(v);
        free(added);
        sw_warn("silences: out of memory keeping %zu of them; the last ones known stay in force", set->n);
        return;
    }
    memcpy(v, set->v, set->n * sizeof *v);
    size_t n_added = 0;
    for (size_t i = 0; i < set->n; i++)
        if (!find(w->v, w->n, v[i].id)) {
            added[n_added++] = &v[i];
            say_seen(&v[i], now);
        }
    for (size_t i = 0; i < w->n; i++)
        if (!find(v, set->n, w->v[i].id)) {
            char m[200];
            sw_info("silence %s %s: %s", w->v[i].id, w->v[i].end_ms <= now ? "ended" : "expired",
                    sw_silence_matchers(&w->v[i], m, sizeof m));
        }
    free(w->v);
    w->v = v;
    w->n = set->n;
    w->have_list = 1;
    if (w->fn)
        w->fn(w->ctx, w->v, w->n, added, n_added);
    free(added);
    if (w->again) {
        w->again = 0;
        list_now(w);
    }
}

static void list_now(sw_silence_watch *w)
{
    if (w->closing || w->cmd->state != SW_REDIS_CONNECTED)
        return;
    if (w->listing) {
        w->again = 1; /* a change came while a list was out: list once more after it */
        return;
    }
    w->listing = sw_silence_store_list(w->cmd, w->stream, wall_ms(), on_list, w) == 0;
}

static void on_timer(uv_timer_t *t)
{
    list_now(t->data);
}

static void on_message(void *privdata, sw_redis *r, const redisReply *rep)
{
    sw_silence_watch *w = privdata;
    (void)r;
    if (!rep || w->closing)
        return;
    /* ["message", channel, "add ID" | "expire ID"]: the payload is only a
     * hint (anyone may publish); the list is what counts. */
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 3 && rep->element[0]->type == REDIS_REPLY_STRING &&
        strcmp(rep->element[0]->str, "message") == 0) {
        w->st.announcements++;
        list_now(w);
    }
}

static void on_sub_state(void *ctx, sw_redis *r, sw_redis_state state)
{
    sw_silence_watch *w = ctx;
    if (state != SW_REDIS_CONNECTED || w->closing)
        return;
    if (sw_redis_subscribe(r, w->channel, on_message, w) != 0)
        sw_redis_drop(r, "cannot subscribe to the silence announcements");
    /* What was announced while the subscription was down. */
    list_now(w);
}

int sw_silence_watch_init(sw_silence_watch *w, uv_loop_t *loop, sw_redis *cmd, const sw_redis_options *sub_opts,
                          const char *stream, sw_silence_watch_fn fn, void *ctx)
{
    memset(w, 0, sizeof *w);
    w->loop = loop;
    w->cmd = cmd;
    w->fn = fn;
    w->ctx = ctx;
    w->stream = strdup(stream);
    size_t cl = strlen(stream) + 16;
    w->channel = malloc(cl);
    if (!w->stream || !w->channel || !sw_silence_index(stream, w->channel, cl))
        goto fail;
    if (uv_timer_init(loop, &w->timer) != 0)
        goto fail;
    w->timer.data = w;
    w->timer_inited = 1;
    sw_redis_options o = *sub_opts;
    o.on_state = on_sub_state;
    o.ctx = w;
    o.max_string = 1024; /* announcements are a few bytes */
    if (sw_redis_init(&w->sub, loop, &o) != 0)
        goto fail;
    w->sub_inited = 1;
    return 0;
fail:
    /* The timer may exist: the owner closes it with sw_silence_watch_close. */
    return -1;
}

void sw_silence_watch_start(sw_silence_watch *w)
{
    uv_timer_start(&w->timer, on_timer, 0, SW_SILENCE_PERIOD_MS);
    sw_redis_start(&w->sub);
}

void sw_silence_watch_refresh(sw_silence_watch *w)
{
    list_now(w);
}

const sw_silence *sw_silence_watch_get(const sw_silence_watch *w, size_t *n)
{
    *n = w->n;
    return w->v;
}

size_t sw_silence_watch_active(const sw_silence_watch *w, int64_t now_ms)
{
    size_t k = 0;
    for (size_t i = 0; i < w->n; i++)
        k += sw_silence_active(&w->v[i], now_ms);
    return k;
}

static void one_closed(sw_silence_watch *w)
{
    if (--w->handles_open == 0 && w->closed)
        w->closed(w);
}

static void on_timer_closed(uv_handle_t *h)
{
    one_closed(h->data);
}

static void on_sub_closed(sw_redis *r)
{
    one_closed(r->o.ctx);
}

void sw_silence_watch_close(sw_silence_watch *w, void (*closed)(sw_silence_watch *w))
{
    if (w->closing)
        return;
    w->closing = 1;
    w->closed = closed;
    w->handles_open = 1;
    if (w->timer_inited) {
        w->handles_open++;
        uv_close((uv_handle_t *)&w->timer, on_timer_closed);
    }
    if (w->sub_inited) {
        w->handles_open++;
        sw_redis_close(&w->sub, on_sub_closed);
    }
    one_closed(w);
}

void sw_silence_watch_free(sw_silence_watch *w)
{
    free(w->v);
    free(w->bad);
    free(w->stream);
    free(w->channel);
    memset(w, 0, sizeof *w);
}
