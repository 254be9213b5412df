/* sw_live.c -- see sw_live.h. */
#include "sw_live.h"
#include "sw_axis.h"
#include "sw_cairo.h"
#include "sw_escape.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_model.h"
#include "sw_report.h"
#include "sw_silence_store.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BOOK_STEP (15 * SW_NS_PER_SEC)   /* the day's path, as shock-report keeps it */
#define VIEWER_SNDBUF (64 * 1024)        /* kernel memory a viewer's socket may hold */

/* The page (daemon/ops/sw_dashboard.html, embedded by the build). */
extern const char *const sw_dashboard_html;
extern const size_t sw_dashboard_html_len;

/* Nothing but the page itself: its inline script and style, its own
 * WebSocket, its own charts.  No frame may embed it. */
static const char page_csp[] = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                               "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'";
static const char svg_csp[] = "default-src 'none'; style-src 'unsafe-inline'";

struct sw_live_viewer {
    lws_dll2_t list;                  /* in sw_live.viewers */
    struct lws *wsi;
    uint64_t state_seq, spark_seq;    /* last sent; 0: none yet */
    uint64_t next_alert;              /* seq of the next alert to send */
    uint64_t stall_since;             /* loop ms a write was left to lws; 0: none waiting */
    size_t pending;                   /* bytes of that write (at most) */
    int closing;
};

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the book: one New York day of the watchlist ----------------------------------- */

/* (Re)build the book for the engine's watchlist, keeping the day of every
 * symbol that stays (a reload may reorder, add and remove symbols). */
static int book_sync(sw_live *l)
{
    const sw_engine *e = l->engine;
    size_t n = e->n_syms;
    sw_daybook nb;
    char(*names)[SW_SYMBOL_MAX] = calloc(n ? n : 1, sizeof *names);
    sw_live_last *last = calloc(n ? n : 1, sizeof *last);
    if (!names || !last || sw_daybook_init(&nb, n, BOOK_STEP) != 0) {
        free(names);
        free(last);
        return -1;
    }
    if (l->book_ok && l->book.day != INT64_MIN)
        sw_daybook_start(&nb, l->book.day, &l->cfg->cal);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], SW_SYMBOL_MAX, "%s", sw_engine_sym(e, i)->name);
        for (size_t k = 0; l->book_ok && k < l->book.n; k++)
            if (strcmp(l->names[k], names[i]) == 0) {
                /* Move the day over: the old book forgets its path. */
                sw_colseries_free(&nb.syms[i].path);
                nb.syms[i] = l->book.syms[k];
                memset(&l->book.syms[k].path, 0, sizeof l->book.syms[k].path);
                last[i] = l->last[k];
                break;
            }
    }
    if (l->book_ok)
        sw_daybook_free(&l->book);
    free(l->names);
    free(l->last);
    l->book = nb;
    l->names = names;
    l->last = last;
    l->book_ok = 1;
    return 0;
}

/* The book's index of engine symbol s: the same as the engine's unless a
 * reload changed the watchlist since (then the book follows). */
static int book_index(sw_live *l, const sw_symbol *s, size_t *idx)
{
    if (!l->book_ok || s->index >= l->book.n || strcmp(l->names[s->index], s->name) != 0) {
        if (book_sync(l) != 0)
            return -1;
        if (s->index >= l->book.n || strcmp(l->names[s->index], s->name) != 0)
            return -1;
    }
    *idx = s->index;
    return 0;
}

static int find_name(const sw_live *l, const char *name)
{
    for (size_t i = 0; l->book_ok && i < l->book.n; i++)
        if (strcmp(l->names[i], name) == 0)
            return (int)i;
    return -1;
}

void sw_live_tick(sw_live *l, const sw_symbol *s, const sw_tick *t)
{
    if (!l->on)
        return;
    size_t i;
    if (book_index(l, s, &i) != 0)
        return;
    if (s->day > l->book.day || l->book.day == INT64_MIN) {
        /* A new New York day: its book starts empty, and so do the symbols'
         * last alerts (the alert list of the page keeps its 100). */
        sw_daybook_start(&l->book, s->day, &l->cfg->cal);
        memset(l->last, 0, l->book.n * sizeof *l->last);
        l->spark_ms = 0; /* yesterday's sparklines go at the next period */
    }
    if (sw_daybook_add(&l->book, i, t, s->prev_close) != 0)
        sw_warn("dashboard: out of memory keeping %s's path", s->name);
    l->dirty = l->spark_dirty = 1;
}

/* ---- frames -------------------------------------------------------------------- */

static sw_live_frame *frame_of(const char *text, size_t len)
{
    if (len > SW_LIVE_FRAME_MAX)
        return NULL;
    sw_live_frame *f = malloc(sizeof *f + LWS_PRE + len);
    if (!f)
        return NULL;
    f->len = len;
    memcpy(f->data + LWS_PRE, text, len);
    return f;
}

/* cJSON's tree becomes a frame; both the tree and its text come from the
 * JSON arena when shockd installed it (released here). */
static sw_live_frame *frame_of_json(cJSON *root, size_t mark)
{
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    sw_live_frame *f = text ? frame_of(text, strlen(text)) : NULL;
    cJSON_free(text);
    cJSON_Delete(root);
    sw_jsonarena_release(mark);
    return f;
}

/* A number with `dec` decimals, or null. */
static cJSON *num(double v, int dec)
{
    if (!isfinite(v))
        return cJSON_CreateNull();
    double k = dec == 2 ? 100 : dec == 4 ? 10000 : 1;
    return cJSON_CreateNumber(round(v * k) / k);
}

static double move_pct(double p, double base)
{
    return isfinite(p) && isfinite(base) && base > 0 ? (p / base - 1) * 100 : NAN;
}

static double ms_of(int64_t ns)
{
    return (double)(ns / 1000000);
}

static sw_live_viewer *viewer_of(struct lws_dll2 *d)
{
    return lws_container_of(d, sw_live_viewer, list);
}

static void notify_viewers(sw_live *l)
{
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&l->viewers)) {
        if (!viewer_of(d)->closing)
            lws_callback_on_writable(viewer_of(d)->wsi);
    } lws_end_foreach_dll(d);
}

/* A new state or sparkline frame replaces the one before (viewers that
 * did not get that one skip it) and goes to every viewer. */
static void publish(sw_live *l, sw_live_frame **slot, sw_live_frame *f, uint64_t *seq, uint64_t *built)
{
    free(*slot);
    *slot = f;
    (*seq)++;
    (*built)++;
    notify_viewers(l);
}

static void add_health(sw_live *l, cJSON *root)
{
    char status[512], why[1024];
    int ok = sw_metrics_health(l->metrics, why, sizeof why);
    cJSON_AddStringToObject(root, "status", sw_metrics_status(l->metrics, status, sizeof status));
    cJSON *h = cJSON_AddObjectToObject(root, "health");
    cJSON_AddBoolToObject(h, "ok", ok);
    cJSON *reasons = cJSON_AddArrayToObject(h, "reasons");
    for (char *line = why, *nl; !ok && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        cJSON_AddItemToArray(reasons, cJSON_CreateString(line));
    }
    cJSON *at = cJSON_AddObjectToObject(root, "alerts_today");
    for (int s = 2; s >= 0; s--)
        cJSON_AddNumberToObject(at, sw_severity_name((sw_severity)s), (double)l->metrics->alerts_today[s]);
}

static void add_symbol(sw_live *l, cJSON *arr, size_t i)
{
    const sw_symbol *es = sw_engine_sym(l->engine, i);
    const sw_daybook_sym *s = &l->book.syms[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "s", es->name);
    double base = s->ticks ? sw_daybook_base(s) : es->prev_close;
    double last = s->ticks ? s->last : es->last_price;
    cJSON_AddItemToObject(o, "last", num(es->ticks ? last : NAN, 4));
    cJSON_AddItemToObject(o, "ref", num(base, 4));
    cJSON_AddItemToObject(o, "pct", num(s->ticks ? move_pct(last, base) : NAN, 2));
    cJSON_AddItemToObject(o, "open", num(s->open, 4));
    cJSON_AddItemToObject(o, "hi", num(s->high, 4));
    cJSON_AddItemToObject(o, "lo", num(s->low, 4));
    cJSON_AddNumberToObject(o, "ticks", (double)s->ticks);
    cJSON_AddItemToObject(o, "t", s->ticks ? cJSON_CreateNumber(ms_of(s->last_ts)) : cJSON_CreateNull());
    const sw_live_last *a = &l->last[i];
    if (a->id[0]) {
        cJSON *ao = cJSON_AddObjectToObject(o, "alert");
        cJSON_AddStringToObject(ao, "id", a->id);
        cJSON_AddStringToObject(ao, "severity", a->resolved ? "resolved" : sw_severity_name((sw_severity)a->severity));
        cJSON_AddNumberToObject(ao, "t", ms_of(a->ts_ns));
        cJSON_AddStringToObject(ao, "message", a->message);
    } else {
        cJSON_AddNullToObject(o, "alert");
    }
    cJSON_AddItemToArray(arr, o);
}

static void add_silences(sw_live *l, cJSON *root)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "silences");
    int64_t now = (int64_t)wall_ms();
    for (size_t i = 0; i < l->n_silences; i++) {
        const sw_silence *s = &l->silences[i];
        if (s->end_ms <= now)
            continue; /* ended since the list */
        cJSON *o = cJSON_CreateObject();
        char m[200];
        cJSON_AddStringToObject(o, "id", s->id);
        cJSON_AddStringToObject(o, "matchers", sw_silence_matchers(s, m, sizeof m));
        const char *keys[] = { "symbol", "group", "detector", "channel" };
        const char *vals[] = { s->symbol, s->group, s->detector, s->channel };
        for (size_t k = 0; k < 4; k++)
            cJSON_AddItemToObject(o, keys[k], vals[k][0] ? cJSON_CreateString(vals[k]) : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "severity", s->severity >= 0
                                                 ? cJSON_CreateString(sw_severity_name((sw_severity)s->severity))
                                                 : cJSON_CreateNull());
        cJSON_AddNumberToObject(o, "start", (double)s->start_ms);
        cJSON_AddNumberToObject(o, "end", (double)s->end_ms);
        cJSON_AddBoolToObject(o, "active", sw_silence_active(s, now));
        cJSON_AddStringToObject(o, "author", s->author);
        cJSON_AddStringToObject(o, "comment", s->comment);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_AddItemToObject(root, "silences_note",
                          l->silence_note[0] ? cJSON_CreateString(l->silence_note) : cJSON_CreateNull());
}

/* The watchlist, health and counters: one frame for every viewer. */
static void build_state(sw_live *l)
{
    if (!l->book_ok || l->book.n != l->engine->n_syms)
        book_sync(l);
    size_t mark = sw_jsonarena_mark();
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "type", "state");
    cJSON_AddNumberToObject(root, "seq", (double)(l->state_seq + 1));
    cJSON_AddNumberToObject(root, "sent", (double)wall_ms());
    cJSON_AddStringToObject(root, "version", SHOCK_VERSION);
    char day[16];
    const sw_daybook *bk = &l->book;
    if (bk->day != INT64_MIN)
        cJSON_AddStringToObject(root, "day", sw_ny_date(bk->day, day));
    else
        cJSON_AddNullToObject(root, "day");
    if (bk->day != INT64_MIN && bk->open <= bk->close) {
        cJSON *sess = cJSON_AddObjectToObject(root, "session");
        cJSON_AddNumberToObject(sess, "open", ms_of(bk->open));
        cJSON_AddNumberToObject(sess, "close", ms_of(bk->close));
    } else {
        cJSON_AddNullToObject(root, "session");
    }
    int64_t now = l->engine->now_ns;
    cJSON_AddItemToObject(root, "now", now == INT64_MIN ? cJSON_CreateNull() : cJSON_CreateNumber(ms_of(now)));
    cJSON_AddNumberToObject(root, "ticks", (double)l->engine->stats.ticks);
    add_health(l, root);
    cJSON_AddNumberToObject(root, "viewers", (double)l->viewers.count);
    cJSON_AddNumberToObject(root, "max_viewers", (double)l->max_viewers);
    add_silences(l, root);
    cJSON *groups = cJSON_AddArrayToObject(root, "groups");
    for (size_t g = 0; g < l->engine->n_groups; g++) {
        const sw_group *eg = &l->engine->groups[g];
        cJSON *go = cJSON_CreateObject();
        cJSON_AddStringToObject(go, "name", eg->name);
        cJSON *members = cJSON_AddArrayToObject(go, "symbols");
        for (size_t k = 0; k < eg->n_members; k++)
            cJSON_AddItemToArray(members, cJSON_CreateString(sw_engine_sym(l->engine, eg->members[k])->name));
        cJSON_AddItemToArray(groups, go);
    }
    cJSON *syms = cJSON_AddArrayToObject(root, "symbols");
    for (size_t i = 0; l->book_ok && i < l->book.n; i++)
        add_symbol(l, syms, i);
    sw_live_frame *f = frame_of_json(root, mark);
    l->state_ms = uv_now(l->loop);
    if (!f)
        return; /* the viewers keep the previous state */
    l->dirty = 0;
    publish(l, &l->state, f, &l->state_seq, &l->st.states);
}

/* The session the sparklines span: 30 minutes before the open to the close
 * (the whole New York day when the market is closed). */
static void spark_span(const sw_daybook *bk, int64_t *from, int64_t *to)
{
    if (bk->open <= bk->close) {
        *from = bk->open - 30 * SW_NS_PER_MIN;
        *to = bk->close;
    } else {
        *from = bk->lo;
        *to = bk->hi;
    }
}

static void build_spark(sw_live *l)
{
    const sw_daybook *bk = &l->book;
    if (!l->book_ok || bk->day == INT64_MIN)
        return;
    int64_t from, to;
    spark_span(bk, &from, &to);
    sw_pt pts[4 * SW_LIVE_SPARK_COLS];
    size_t mark = sw_jsonarena_mark();
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "type", "spark");
    cJSON_AddNumberToObject(root, "seq", (double)(l->spark_seq + 1));
    char day[16];
    cJSON_AddStringToObject(root, "day", sw_ny_date(bk->day, day));
    cJSON_AddNumberToObject(root, "from", ms_of(from));
    cJSON_AddNumberToObject(root, "to", ms_of(to));
    cJSON *syms = cJSON_AddObjectToObject(root, "symbols");
    for (size_t i = 0; i < bk->n; i++) {
        const sw_daybook_sym *s = &bk->syms[i];
        double base = sw_daybook_base(s);
        if (!s->ticks || !s->path.cols || !(base > 0))
            continue;
        /* Per column its first, lowest, highest and last point: the line
         * looks like the line through every trade, no extreme lost. */
        size_t n = sw_colseries_reduce(&s->path, from, to, SW_LIVE_SPARK_COLS, pts);
        cJSON *arr = cJSON_AddArrayToObject(syms, l->names[i]);
        for (size_t k = 0; k < n; k++) {
            cJSON *p = cJSON_CreateArray();
            cJSON_AddItemToArray(p, cJSON_CreateNumber((double)((pts[k].t - from) / SW_NS_PER_SEC)));
            cJSON_AddItemToArray(p, num(move_pct(pts[k].v, base), 2));
            cJSON_AddItemToArray(arr, p);
        }
    }
    sw_live_frame *f = frame_of_json(root, mark);
    l->spark_ms = uv_now(l->loop);
    if (!f)
        return;
    l->spark_dirty = 0;
    publish(l, &l->spark, f, &l->spark_seq, &l->st.sparks);
}

/* ---- alerts ---------------------------------------------------------------------- */

static void keep_alert(sw_live *l, const sw_alert *a)
{
    if (!l->alerts) {
        l->alerts = malloc(SW_LIVE_DAY_ALERTS * sizeof *l->alerts);
        if (!l->alerts)
            return;
    }
    if (l->n_alerts == SW_LIVE_DAY_ALERTS) {
        /* Full: the oldest tenth goes (a day never has this many). */
        size_t drop = SW_LIVE_DAY_ALERTS / 10;
        memmove(l->alerts, l->alerts + drop, (l->n_alerts - drop) * sizeof *l->alerts);
        l->n_alerts -= drop;
    }
    l->alerts[l->n_alerts++] = *a;
}

void sw_live_alert(sw_live *l, const sw_alert *a)
{
    if (!l->on)
        return;
    keep_alert(l, a);
    int i = find_name(l, a->symbol);
    if (i >= 0 && !a->group[0]) {
        sw_live_last *last = &l->last[i];
        snprintf(last->id, sizeof last->id, "%s", a->id);
        last->severity = a->severity;
        last->resolved = a->resolved;
        last->ts_ns = a->ts_ns;
        /* Cut at a character boundary: the frame must stay valid UTF-8. */
        size_t n = strnlen(a->message, sizeof a->message);
        if (n >= sizeof last->message) {
            n = sizeof last->message - 1;
            while (n > 0 && ((unsigned char)a->message[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(last->message, a->message, n);
        last->message[n] = '\0';
    }
    /* The alert's own frame, for every viewer now (not at the next period):
     * {"type":"alert","seq":N,"sent":MS,"alert":<the schema-v1 JSON>}. */
    char json[SW_ALERT_JSON_MAX];
    size_t mark = sw_jsonarena_mark();
    int len = sw_alert_to_json(a, json, sizeof json);
    sw_jsonarena_release(mark);
    l->dirty = 1;
    uint64_t seq = l->alert_seq + 1;
    char head[96];
    int hl = snprintf(head, sizeof head, "{\"type\":\"alert\",\"seq\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"alert\":", seq,
                      wall_ms());
    sw_live_frame *f = len > 0 ? malloc(sizeof *f + LWS_PRE + (size_t)hl + (size_t)len + 1) : NULL;
    if (!f) {
        sw_warn("dashboard: alert %s not sent to the viewers (out of memory)", a->id);
        return;
    }
    f->len = (size_t)hl + (size_t)len + 1;
    memcpy(f->data + LWS_PRE, head, (size_t)hl);
    memcpy(f->data + LWS_PRE + hl, json, (size_t)len);
    f->data[LWS_PRE + f->len - 1] = '}';
    sw_live_frame **slot = &l->ring[l->alert_seq % SW_LIVE_ALERTS];
    free(*slot);
    *slot = f;
    l->alert_seq = seq;
    l->st.alerts++;
    notify_viewers(l);
}

/* ---- viewers ------------------------------------------------------------------------ */

static int v_accept(void *ctx, struct lws *wsi)
{
    sw_live *l = ctx;
    (void)wsi;
    if (!l->on || (size_t)l->viewers.count >= l->max_viewers) {
        l->st.viewers_refused++;
        return -1;
    }
    return 0;
}

static void v_established(void *ctx, struct lws *wsi, void **pss)
{
    sw_live *l = ctx;
    sw_live_viewer *v = calloc(1, sizeof *v);
    if (!v) {
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    v->wsi = wsi;
    v->next_alert = l->alert_seq > SW_LIVE_ALERTS ? l->alert_seq - SW_LIVE_ALERTS + 1 : 1;
    lws_dll2_add_tail(&v->list, &l->viewers);
    l->st.viewers_total++;
    *pss = v;
    /* Bounded kernel memory too: a viewer that does not read stalls after
     * this much, instead of the autotuned megabytes. */
    int sndbuf = VIEWER_SNDBUF;
    setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    if (!l->state || l->dirty)
        build_state(l); /* notifies every viewer, this one included */
    if (!l->spark)
        build_spark(l);
    lws_callback_on_writable(wsi);
}

/* The next frame for v, or NULL: its first state, then every alert it has
 * not had, then the newest state and sparklines if it has not had them. */
static sw_live_frame *next_frame(sw_live *l, sw_live_viewer *v, int *kind)
{
    if (l->state && v->state_seq == 0) {
        *kind = 0;
        return l->state;
    }
    if (v->next_alert <= l->alert_seq) {
        if (l->alert_seq - v->next_alert >= SW_LIVE_ALERTS) /* fell behind: the last 100 only */
            v->next_alert = l->alert_seq - SW_LIVE_ALERTS + 1;
        sw_live_frame *f = l->ring[(v->next_alert - 1) % SW_LIVE_ALERTS];
        *kind = 2;
        return f;
    }
    if (l->state && v->state_seq != l->state_seq) {
        *kind = 0;
        return l->state;
    }
    if (l->spark && v->spark_seq != l->spark_seq) {
        *kind = 1;
        return l->spark;
    }
    return NULL;
}

static int v_writable(void *ctx, struct lws *wsi, void **pss)
{
    sw_live *l = ctx;
    sw_live_viewer *v = *pss;
    if (!v || v->closing)
        return v && v->closing ? -1 : 0;
    /* lws calls us once what it kept of our last write is out. */
    v->stall_since = 0;
    v->pending = 0;
    int kind;
    sw_live_frame *f = next_frame(l, v, &kind);
    if (!f) {
        if (v->next_alert <= l->alert_seq)
            v->next_alert++; /* a frame that could not be built: skip it */
        return 0;
    }
    if (lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
        return -1;
    if (kind == 0)
        v->state_seq = l->state_seq;
    else if (kind == 1)
        v->spark_seq = l->spark_seq;
    else
        v->next_alert++;
    if (lws_partial_buffered(wsi)) {
        v->stall_since = uv_now(l->loop);
        v->pending = f->len;
    }
    int kind2;
    if (next_frame(l, v, &kind2) || v->stall_since)
        lws_callback_on_writable(wsi);
    return 0;
}

static int v_received(void *ctx, struct lws *wsi, void **pss, size_t len)
{
    (void)ctx;
    (void)wsi;
    (void)pss;
    (void)len;
    return -1; /* viewers only listen: whatever one sends closes it */
}

static void v_closed(void *ctx, struct lws *wsi, void **pss)
{
    sw_live *l = ctx;
    (void)wsi;
    (void)l;
    sw_live_viewer *v = *pss;
    if (!v)
        return;
    lws_dll2_remove(&v->list);
    free(v);
    *pss = NULL;
}

static size_t v_held(void *ctx)
{
    sw_live *l = ctx;
    size_t n = 0;
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&l->viewers)) {
        n += viewer_of(d)->pending;
    } lws_end_foreach_dll(d);
    return n;
}

/* Drop viewers that took nothing for SW_LIVE_STALL_MS. */
static void drop_stalled(sw_live *l)
{
    uint64_t now = uv_now(l->loop);
    lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&l->viewers)) {
        sw_live_viewer *v = viewer_of(d);
        if (v->stall_since && !v->closing && now - v->stall_since >= SW_LIVE_STALL_MS) {
            v->closing = 1;
            l->st.viewers_dropped++;
            sw_info("dashboard: a viewer took nothing for %d s: dropped", SW_LIVE_STALL_MS / 1000);
            lws_close_reason(v->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)"too slow", 8);
            lws_set_timeout(v->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        }
    } lws_end_foreach_dll(d);
}

static void on_timer(uv_timer_t *t)
{
    sw_live *l = t->data;
    if (!l->viewers.count)
        return; /* frames are built for viewers only */
    uint64_t now = uv_now(l->loop);
    /* Health and the clock change without ticks: at least once a second. */
    if (l->dirty || now - l->state_ms >= 1000)
        build_state(l);
    if (l->spark_dirty && now - l->spark_ms >= SW_LIVE_SPARK_MS)
        build_spark(l);
    drop_stalled(l);
}

/* ---- charts ------------------------------------------------------------------------- */

int sw_live_parse_chart(const char *path, sw_live_chart_req *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    static const char pre[] = "/chart/", gpre[] = "group/";
    if (strncmp(path, pre, sizeof pre - 1) != 0) {
        snprintf(err, errlen, "not a chart path");
        return -1;
    }
    const char *p = path + sizeof pre - 1;
    if (strncmp(p, gpre, sizeof gpre - 1) == 0) {
        out->group = 1;
        p += sizeof gpre - 1;
    }
    size_t n = strlen(p);
    if (n > 4 && strcmp(p + n - 4, ".png") == 0)
        out->png = 1;
    else if (!(n > 4 && strcmp(p + n - 4, ".svg") == 0)) {
        snprintf(err, errlen, "a chart is NAME.svg or NAME.png");
        return -1;
    }
    n -= 4;
    if (n == 0 || n >= sizeof out->name) {
        snprintf(err, errlen, "a name is 1 to %zu characters", sizeof out->name - 1);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        /* Symbols may hold '/' ("BTC/USD"); group names never do. */
        if (c <= 0x20 || c >= 0x7f || (c == '/' && out->group)) {
            snprintf(err, errlen, "a name is printable ASCII without spaces");
            return -1;
        }
    }
    memcpy(out->name, p, n);
    out->name[n] = '\0';
    return 0;
}

int sw_live_valid_alert_id(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++)
        if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
            return 0;
    return n == 16;
}

static int text_resp(sw_http_resp *r, unsigned status, const char *fmt, const char *arg)
{
    r->status = status;
    r->ctype = "text/plain; charset=utf-8";
    sw_dbuf_init(&r->body, 512);
    char msg[400];
    snprintf(msg, sizeof msg, fmt, arg);
    sw_dbuf_addstr(&r->body, msg);
    sw_dbuf_addstr(&r->body, "\n");
    return sw_dbuf_error(&r->body) ? -1 : 0;
}

/* The token bucket of drawing time: refilled at SW_LIVE_DRAW_SHARE of the
 * loop's time, at most SW_LIVE_DRAW_BURST_MS.  1: draw. */
static int draw_budget(sw_live *l)
{
    uint64_t now = uv_now(l->loop);
    l->draw_ms += (double)(now - l->draw_at) * SW_LIVE_DRAW_SHARE;
    if (l->draw_ms > SW_LIVE_DRAW_BURST_MS)
        l->draw_ms = SW_LIVE_DRAW_BURST_MS;
    l->draw_at = now;
    return l->draw_ms > 0;
}

static int from_cache(sw_live *l, const char *key, int png, sw_http_resp *r)
{
    uint64_t now = uv_now(l->loop);
    for (size_t i = 0; i < SW_LIVE_CACHE; i++) {
        sw_live_cached *c = &l->cache[i];
        if (c->data.p && c->png == png && now - c->at_ms < SW_LIVE_CACHE_MS && strcmp(c->key, key) == 0) {
            sw_dbuf_init(&r->body, SW_LIVE_CHART_MAX);
            sw_dbuf_add(&r->body, c->data.p, c->data.len);
            if (sw_dbuf_error(&r->body))
                return 0;
            r->status = 200;
            r->ctype = png ? "image/png" : "image/svg+xml";
            r->csp = png ? NULL : svg_csp;
            l->st.charts_cached++;
            return 1;
        }
    }
    return 0;
}

static void to_cache(sw_live *l, const char *key, int png, const sw_dbuf *b)
{
    sw_live_cached *oldest = &l->cache[0];
    for (size_t i = 1; i < SW_LIVE_CACHE; i++)
        if (l->cache[i].at_ms < oldest->at_ms)
            oldest = &l->cache[i];
    sw_dbuf_free(&oldest->data);
    sw_dbuf_init(&oldest->data, SW_LIVE_CHART_MAX);
    sw_dbuf_add(&oldest->data, b->p, b->len);
    if (sw_dbuf_error(&oldest->data)) {
        sw_dbuf_free(&oldest->data);
        return;
    }
    snprintf(oldest->key, sizeof oldest->key, "%s", key);
    oldest->at_ms = uv_now(l->loop);
    oldest->png = png;
}

static int on_chart(void *ctx, const sw_http_req *req, sw_http_resp *r)
{
    sw_live *l = ctx;
    sw_live_chart_req cr;
    char err[128], focus[32];
    if (sw_live_parse_chart(req->path, &cr, err, sizeof err) != 0)
        return text_resp(r, 404, "%s: try /chart/SYMBOL.svg, /chart/SYMBOL.png or /chart/group/NAME.png", err);
    int fl = sw_http_arg(req, "alert", focus, sizeof focus);
    if (fl == -2 || (fl >= 0 && !sw_live_valid_alert_id(focus)))
        return text_resp(r, 400, "?alert=%s: an alert id is 16 hex digits", fl == -2 ? "(too long)" : focus);
    if (!l->book_ok || l->book.n != l->engine->n_syms)
        book_sync(l);
    size_t idx = 0;
    int found = 0;
    if (cr.group) {
        for (size_t g = 0; g < l->engine->n_groups && !found; g++)
            if (strcmp(l->engine->groups[g].name, cr.name) == 0) {
                idx = g;
                found = 1;
            }
    } else {
        int i = find_name(l, cr.name);
        found = i >= 0;
        idx = found ? (size_t)i : 0;
    }
    if (!found)
        return text_resp(r, 404, cr.group ? "no group %s in the configuration" : "no symbol %s on the watchlist",
                         cr.name);
    if (l->book.day == INT64_MIN)
        return text_resp(r, 404, "no trade yet today: nothing to draw for %s", cr.name);
    sw_model model;
    if (sw_model_build(&model, l->engine, l->cfg) != 0)
        return -1;
    sw_report rep = {
        .books = &l->book, .n_books = 1, .symbols = model.names, .n_symbols = l->engine->n_syms,
        .groups = model.groups, .n_groups = l->engine->n_groups, .alerts = l->alerts, .n_alerts = l->n_alerts,
        .levels = model.levels, .n_levels = model.n_levels, .cal = &l->cfg->cal,
    };
    const char *fid = fl >= 0 ? focus : NULL;
    char key[sizeof l->cache[0].key];
    snprintf(key, sizeof key, "%s%s?%s", cr.group ? "g/" : "", cr.name, fid ? fid : "");
    if (from_cache(l, key, cr.png, r)) {
        sw_model_free(&model);
        return 0;
    }
    if (!draw_budget(l)) {
        sw_model_free(&model);
        l->st.charts_busy++;
        return text_resp(r, 503, "busy drawing charts: try %s again in a second", cr.name);
    }
    int rc = 0;
    uint64_t t0 = uv_hrtime();
    sw_dbuf_init(&r->body, SW_LIVE_CHART_MAX);
    if (cr.png) {
        sw_cairo cairo;
        sw_cairo_init(&cairo, 1);
        rc = cr.group ? sw_report_group_chart(&rep, idx, SW_LIVE_PNG_W, SW_LIVE_PNG_H, fid, &cairo.pen)
                      : sw_report_symbol_chart(&rep, idx, SW_LIVE_PNG_W, SW_LIVE_PNG_H, fid, &cairo.pen);
        if (rc == 0)
            rc = sw_cairo_png(&cairo, &r->body);
        sw_cairo_fini(&cairo);
        l->st.charts_png++;
        l->st.png_s += (double)(uv_hrtime() - t0) / 1e9;
        r->ctype = "image/png";
    } else {
        sw_svg svg;
        sw_svg_init(&svg, &r->body, 1);
        rc = cr.group ? sw_report_group_chart(&rep, idx, SW_LIVE_PNG_W, SW_LIVE_PNG_H, fid, &svg.pen)
                      : sw_report_symbol_chart(&rep, idx, SW_LIVE_PNG_W, SW_LIVE_PNG_H, fid, &svg.pen);
        l->st.charts_svg++;
        l->st.svg_s += (double)(uv_hrtime() - t0) / 1e9;
        r->ctype = "image/svg+xml";
        r->csp = svg_csp;
    }
    sw_model_free(&model);
    l->draw_ms -= (double)(uv_hrtime() - t0) / 1e6;
    if (rc != 0 || sw_dbuf_error(&r->body)) {
        sw_dbuf_free(&r->body);
        return text_resp(r, 500, "the chart of %s could not be drawn (out of memory?)", cr.name);
    }
    to_cache(l, key, cr.png, &r->body);
    r->status = 200;
    return 0;
}

static int on_page(void *ctx, const sw_http_req *req, sw_http_resp *r)
{
    (void)ctx;
    (void)req;
    r->status = 200;
    r->ctype = "text/html; charset=utf-8";
    r->text = sw_dashboard_html;
    r->csp = page_csp;
    return 0;
}

/* ---- metrics ------------------------------------------------------------------------ */

size_t sw_live_metrics(void *live, char *buf, size_t cap)
{
    sw_live *l = live;
    const sw_live_stats *s = &l->st;
    int n = snprintf(
        buf, cap,
        "# HELP shockwatch_dashboard_viewers Dashboard viewers connected to /live.\n"
        "# TYPE shockwatch_dashboard_viewers gauge\n"
        "shockwatch_dashboard_viewers %zu\n"
        "# HELP shockwatch_dashboard_viewers_total Dashboard viewers by outcome: accepted, refused (the "
        "limit metrics.max_viewers reached), dropped (took nothing for %d s).\n"
        "# TYPE shockwatch_dashboard_viewers_total counter\n"
        "shockwatch_dashboard_viewers_total{result=\"accepted\"} %" PRIu64 "\n"
        "shockwatch_dashboard_viewers_total{result=\"refused\"} %" PRIu64 "\n"
        "shockwatch_dashboard_viewers_total{result=\"dropped\"} %" PRIu64 "\n"
        "# HELP shockwatch_dashboard_frames_total Frames built for the viewers, by type (each built once for "
        "all of them).\n"
        "# TYPE shockwatch_dashboard_frames_total counter\n"
        "shockwatch_dashboard_frames_total{type=\"state\"} %" PRIu64 "\n"
        "shockwatch_dashboard_frames_total{type=\"spark\"} %" PRIu64 "\n"
        "shockwatch_dashboard_frames_total{type=\"alert\"} %" PRIu64 "\n"
        "# HELP shockwatch_chart_render_seconds Time shockd's loop spent drawing the charts of /chart/, by "
        "format.\n"
        "# TYPE shockwatch_chart_render_seconds summary\n"
        "shockwatch_chart_render_seconds_sum{format=\"svg\"} %.6f\n"
        "shockwatch_chart_render_seconds_count{format=\"svg\"} %" PRIu64 "\n"
        "shockwatch_chart_render_seconds_sum{format=\"png\"} %.6f\n"
        "shockwatch_chart_render_seconds_count{format=\"png\"} %" PRIu64 "\n"
        "# HELP shockwatch_charts_total Chart requests not drawn, by outcome: cached (the same request within "
        "a second), busy (503: drawing had taken its share of the loop).\n"
        "# TYPE shockwatch_charts_total counter\n"
        "shockwatch_charts_total{result=\"cached\"} %" PRIu64 "\n"
        "shockwatch_charts_total{result=\"busy\"} %" PRIu64 "\n",
        (size_t)l->viewers.count, SW_LIVE_STALL_MS / 1000, s->viewers_total, s->viewers_refused, s->viewers_dropped,
        s->states, s->sparks, s->alerts, s->svg_s, s->charts_svg, s->png_s, s->charts_png, s->charts_cached,
        s->charts_busy);
    return n > 0 ? (size_t)n : 0;
}

/* ---- life cycle ------------------------------------------------------------------------ */

int sw_live_init(sw_live *l, uv_loop_t *loop, const sw_config *cfg, const sw_engine *engine, sw_metrics *m,
                 int dashboard, size_t max_viewers)
{
    *l = (sw_live){ .loop = loop, .metrics = m, .engine = engine, .cfg = cfg, .max_viewers = max_viewers };
    sw_http *h = sw_metrics_http(m);
    if (!dashboard || !h)
        return 0;
    if (book_sync(l) != 0) {
        sw_error("dashboard: out of memory");
        return -1;
    }
    l->on = 1;
    l->draw_ms = SW_LIVE_DRAW_BURST_MS;
    l->draw_at = uv_now(loop);
    l->ws = (sw_http_ws){ "/live", v_accept, v_established, v_writable, v_received, v_closed, v_held };
    sw_http_set_ws(h, &l->ws, l);
    sw_http_route_add(h, "/", "dashboard", on_page, l);
    sw_http_route_add(h, "/chart/", "chart", on_chart, l);
    if (uv_timer_init(loop, &l->timer) == 0) {
        l->timer_open = 1;
        l->timer.data = l;
        uv_timer_start(&l->timer, on_timer, SW_LIVE_PERIOD_MS, SW_LIVE_PERIOD_MS);
        uv_unref((uv_handle_t *)&l->timer); /* the dashboard never keeps shockd running */
    }
    char where[80];
    sw_info("dashboard: http://%s/ (%zu viewers at most)", sw_listen_format(&m->listen, m->port, where, sizeof where),
            max_viewers);
    return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
    (void)h;
}

/* ---- silences ------------------------------------------------------------------------ */

static void on_silences(void *ctx, const sw_silence_set *set, const char *err)
{
    sw_live *l = ctx;
    l->silence_listing = 0;
    if (!set) {
        char shown[160];
        snprintf(l->silence_note, sizeof l->silence_note, "cannot list them now (%s): the last ones known",
                 sw_esc_line_buf(err, shown, sizeof shown));
        l->dirty = 1;
        return;
    }
    sw_silence *v = malloc((set->n ? set->n : 1) * sizeof *v);
    if (!v)
        return;
    memcpy(v, set->v, set->n * sizeof *v);
    free(l->silences);
    l->silences = v;
    l->n_silences = set->n;
    if (set->bad_total)
        snprintf(l->silence_note, sizeof l->silence_note, "%zu record%s in Redis %s not a silence (ignored)",
                 set->bad_total, set->bad_total == 1 ? "" : "s", set->bad_total == 1 ? "is" : "are");
    else
        l->silence_note[0] = '\0';
    l->dirty = 1;
}

void sw_live_poll_silences(sw_live *l, struct sw_redis *r, const char *stream)
{
    if (!l->on || !l->viewers.count || l->silence_listing)
        return;
    if (!r) {
        snprintf(l->silence_note, sizeof l->silence_note,
                 "shockd has no redis sink: the silences shock-notify keeps in Redis are not shown here");
        l->n_silences = 0;
        return;
    }
    if (r->state != SW_REDIS_CONNECTED) {
        snprintf(l->silence_note, sizeof l->silence_note, "Redis is not connected: the last silences known");
        return;
    }
    l->silence_listing = sw_silence_store_list(r, stream, (int64_t)wall_ms(), on_silences, l) == 0;
}

void sw_live_close(sw_live *l)
{
    if (l->timer_open && !uv_is_closing((uv_handle_t *)&l->timer))
        uv_close((uv_handle_t *)&l->timer, on_timer_closed);
}

void sw_live_free(sw_live *l)
{
    if (l->book_ok)
        sw_daybook_free(&l->book);
    void *owned[] = { l->names, l->last, l->alerts, l->state, l->spark, l->silences };
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        free(owned[i]);
    for (size_t i = 0; i < SW_LIVE_ALERTS; i++)
        free(l->ring[i]);
    for (size_t i = 0; i < SW_LIVE_CACHE; i++)
        sw_dbuf_free(&l->cache[i].data);
    /* Viewers are freed by their close callbacks when lws closes them. */
    memset(l, 0, sizeof *l);
}
