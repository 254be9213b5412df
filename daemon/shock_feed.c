/*
 * shock_feed.c -- shock-feed: a small WebSocket server that plays a recording
 * the way a market-data provider would stream it, so shockd can be run live,
 * tested and benchmarked without an account or the internet.
 *
 * The recording (NDJSON of any provider, or OHLCV CSV bars) is read with the
 * readers replay uses (sw_replay, sw_csv), paced like a replay (N times real
 * time, quiet stretches longer than 2 s skipped, or as fast as the client
 * takes it), and sent in the protocol of the chosen provider, handshake, auth
 * and subscribe rules included (sw_emulate): a client only gets the trades of
 * the symbols it subscribed.  lws's server role runs on our own libuv loop.
 *
 * Choices made for testability, documented in --help:
 *  - playback waits while no client is streaming, so a client that connects
 *    late, or reconnects after --drop-every, misses nothing; with --clients N,
 *    while fewer than N are (two shockd of an active-active pair get the
 *    same trades from the first one on, and a restarted one misses only
 *    what was on its way when it stopped);
 *  - --drop-every N closes a connection right after its N-th data message;
 *    nothing is queued for it beyond that, so no trade is lost to a drop;
 *  - --drop-period S closes each connection S seconds (wall clock) after it
 *    opened: from then on nothing more is queued for it, and it is closed
 *    once what was queued is sent, so again no trade is lost to the drop;
 *  - --garbage P adds a malformed frame before a data message with
 *    probability P (fixed seed: the same run injects the same frames);
 *  - at the end of the recording (without --loop) every connection is closed
 *    with 1000 "end of recording" once it has everything, and shock-feed exits.
 * Every buffer of client input has a hard limit (64 KiB per message, 4096
 * subscriptions per connection); a client that does not read is not sent more
 * than 1 MiB ahead (playback waits for it).
 */
#include "sw_emulate.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_replay.h"
#include "sw_symtab.h"
#include "sw_time.h"
#include "sw_ws.h"
#include "sw_wsq.h"

#include <uv.h> /* before libwebsockets.h: its libuv parts depend on it */
#include <libwebsockets.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HIGH_WATER (1024 * 1024)   /* bytes queued per connection before playback waits */
#define MAX_CLIENT_MSG (64 * 1024)
#define MAX_WAIT_MS 2000          /* paced playback jumps over longer quiet stretches */
#define MAX_BATCH 4096
#define MAX_SYMBOLS 65536         /* distinct symbols in a recording (sequence numbers) */
#define GARBAGE_SEED UINT64_C(0x5eed5eed12345678)
#define WEEK_NS (7 * SW_NS_PER_DAY)
#define MAX_PRELOAD (64u * 1024 * 1024) /* trades --preload holds */
/* A client's subscriptions count as complete once it has been quiet this
 * long: Finnhub-style subscribes (one message per symbol, no acknowledgement)
 * arrive as a burst, and streaming after the first would drop the trades of
 * the symbols still on their way. */
#define SETTLE_MS 50
/* lws_write's opcode for a close frame: libwebsockets keeps it out of its
 * public enum (LWS_WRITE_CLOSE = 4 in its private headers, stable in 4.x). */
#define WRITE_CLOSE_FRAME ((enum lws_write_protocol)4)

typedef struct feedsrv feedsrv;

typedef struct conn {
    feedsrv *srv;
    struct lws *wsi;
    sw_emu_conn emu;
    sw_wsq q;                     /* tag 1: a trade message (counts for --drop-every) */
    uint64_t data_queued, data_sent;
    int closing;                  /* close once the queue is sent */
    int drop_due;                 /* --drop-period reached: queue nothing more, close when sent */
    int close_sent;               /* our close frame is out; waiting for the client's */
    int close_code;
    char close_reason[64];
    char *rx;                     /* client message being assembled */
    size_t rx_len;
    int rx_over;
    uint64_t opened_ms, last_client_ms;
    struct conn *prev, *next;
} conn;

/* lws's per-connection storage: the connection, and whether it still counts
 * as open (until lws destroys it, after the close handshake). */
typedef struct pss {
    conn *c;
    int counted;
} pss;

typedef struct symseq {
    char name[SW_SYMBOL_MAX];
    int64_t seq;
} symseq;

struct feedsrv {
    /* options */
    const sw_emu *emu;
    const char *format;
    const char **paths;
    size_t n_paths;
    double speed;                 /* 0: as fast as the clients read */
    int loop_rec;
    uint64_t drop_every;
    uint64_t drop_period_ms;      /* --drop-period; 0: never */
    double garbage;
    int reject_auth;
    size_t clients;               /* --clients: playback waits while fewer are streaming */
    size_t batch;
    const char *key, *secret;
    char host[64];
    int port;
    int dump;
    /* recording */
    sw_replay rec;
    int rec_open, rec_done;
    sw_emu_trade pending;
    int have_pending;
    int64_t shift_ns, first_ts, last_ts;
    uint64_t next_id;
    symseq *seqs;
    size_t n_seqs;
    sw_symtab seqtab;
    /* loop and server */
    uv_loop_t loop;
    struct lws_context *ctx;
    uv_idle_t idle;
    uv_timer_t pace, tick, stop, settle;
    uv_signal_t sigint, sigterm, sigusr1;
    int held;                     /* --hold: no playback before SIGUSR1 */
    int handles_open, idle_on;
    int paused;
    int64_t ev0;
    uint64_t wall0_ms;
    conn *conns;
    size_t wsi_alive;             /* WebSocket connections lws has not destroyed yet */
    int stopping;
    uint64_t rng;
    /* the batch being sent: trades, their encoded elements, and the subset
     * one connection subscribed */
    sw_emu_trade *batch_buf;
    char *elem_buf;               /* batch * SW_EMU_MAX_ELEMENT bytes */
    const char **elem;
    size_t *elem_len;
    const char **sel;
    size_t *sel_len;
    char *enc;
    size_t enc_cap;
    /* --preload: the whole recording, parsed and encoded before listening */
    int preload;
    sw_emu_trade *pre_t;
    size_t *pre_off;
    uint16_t *pre_len;
    char *pre_bytes;
    size_t pre_n, pre_cap, pre_pos, pre_used, pre_bytes_cap;
    const char *pending_elem;     /* preloaded element of s->pending */
    size_t pending_len;
    /* counters */
    uint64_t upgrades, refused, connections, data_msgs, trades, garbage_sent, drops, skipped_gaps, loops;
    uint64_t late;                /* connections after the end of the recording (not in `connections`) */
    int exit_code;
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shock-feed --replay PATH... [--provider NAME] [--listen HOST:PORT] [--speed N|max]\n"
            "                  [--loop] [--batch N] [--drop-every N] [--drop-period S] [--garbage P]\n"
            "                  [--reject-auth] [--hold] [--clients N]\n"
            "                  [--key K] [--secret S] [--format FMT] [--preload]\n"
            "       shock-feed --dump --provider NAME --replay PATH...\n"
            "\n"
            "A WebSocket server that plays a recording as a market-data provider streams it:\n"
            "its URL rules, greeting, auth and subscribe messages, and its trade format.  Only\n"
            "trades of subscribed symbols are sent.  Playback waits while no client is\n"
            "streaming; at the end of the recording (without --loop) connections are closed\n"
            "with 1000 \"end of recording\" and shock-feed exits.\n"
            "\n"
            "  --replay PATH       recording: NDJSON provider messages or OHLCV CSV (repeat or\n"
            "                      list several: merged in event time, as shockd --replay does)\n"
            "  --format FMT        csv or a provider name; default: .csv is CSV, anything else\n"
            "                      NDJSON of the --provider\n"
            "  --provider NAME     finnhub (default), alpaca, polygon, coinbase or binance\n"
            "  --listen HOST:PORT  address (default 127.0.0.1:0; port 0 picks a free one); the\n"
            "                      URL is printed on stdout: \"listening on ws://HOST:PORT ...\"\n"
            "  --speed N|max       N times real time (quiet stretches over 2 s are skipped), or\n"
            "                      as fast as the client reads (default max)\n"
            "  --loop              play the recording again and again, shifted by whole weeks\n"
            "  --batch N           trades per message for providers that batch (finnhub,\n"
            "                      alpaca, polygon); default 1\n"
            "  --drop-every N      close each connection after its N-th trade message\n"
            "  --drop-period S     close each connection S seconds after it opened (once what\n"
            "                      was queued for it is sent: no trade is lost to the drop)\n"
            "  --garbage P         send a malformed frame before a trade message with\n"
            "                      probability P (0..1, fixed seed)\n"
            "  --reject-auth       refuse every credential the way the provider does\n"
            "  --hold              start playing only on SIGUSR1 (a test opens its observers\n"
            "                      first: clients connect and subscribe meanwhile)\n"
            "  --clients N         play only while at least N clients are streaming (default\n"
            "                      1): an active-active pair gets the same trades\n"
            "  --key K, --secret S accept only these credentials (default: any non-empty)\n"
            "  --preload           read and encode the whole recording before listening, so that\n"
            "                      playback costs only the writes (benchmarks; not with --loop)\n"
            "  --dump              write the trade messages a client subscribed to everything\n"
            "                      would get, one per line (a recording converter), and exit\n"
            "  -h, --help          this help\n"
            "\n"
            "At the end a summary goes to stderr: \"N connections\" are the connections the\n"
            "recording was played to (each drop and its reconnect included); clients that\n"
            "connect after the end are told \"end of recording\" and counted apart (\"after\n"
            "the end\").  Exit status 0, 1 bad input, 2 usage.\n");
}

/* ---- the recording ---------------------------------------------------------- */

static double rand01(feedsrv *s)
{
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return (double)((s->rng * UINT64_C(2685821657736338717)) >> 11) / 9007199254740992.0;
}

static int open_recording(feedsrv *s)
{
    if (sw_replay_open(&s->rec, s->paths, s->n_paths, s->format, s->emu->name) != 0)
        return -1;
    s->rec_open = 1;
    return 0;
}

static int64_t *seq_of(feedsrv *s, const char *sym)
{
    uint32_t i = sw_symtab_find(&s->seqtab, sym);
    if (i != SW_SYMTAB_EMPTY)
        return &s->seqs[i].seq;
    if (s->n_seqs >= MAX_SYMBOLS)
        return NULL;
    memcpy(s->seqs[s->n_seqs].name, sym, strlen(sym) + 1);
    s->seqs[s->n_seqs].seq = 0;
    if (sw_symtab_insert(&s->seqtab, (uint32_t)s->n_seqs) != 0)
        return NULL;
    return &s->seqs[s->n_seqs++].seq;
}

/* Make s->pending the next trade; returns 0 at the end of the recording. */
static int next_trade(feedsrv *s)
{
    if (s->have_pending)
        return 1;
    if (s->preload) {
        if (s->pre_pos == s->pre_n) {
            s->rec_done = 1;
            return 0;
        }
        s->pending = s->pre_t[s->pre_pos];
        s->pending_elem = s->pre_bytes + s->pre_off[s->pre_pos];
        s->pending_len = s->pre_len[s->pre_pos];
        s->pre_pos++;
        s->have_pending = 1;
        return 1;
    }
    while (!s->rec_done) {
        sw_event ev;
        if (sw_replay_next(&s->rec, &ev)) {
            if (ev.kind != SW_EV_TICK)
                continue; /* splits are not something a feed sends */
            ev.tick.ts_ns += s->shift_ns;
            if (s->first_ts == INT64_MIN)
                s->first_ts = ev.tick.ts_ns;
            s->last_ts = ev.tick.ts_ns;
            s->pending.tick = ev.tick;
            s->pending.id = ++s->next_id;
            int64_t *seq = seq_of(s, ev.tick.symbol);
            s->pending.seq = seq ? ++*seq : 0;
            s->have_pending = 1;
            return 1;
        }
        sw_replay_close(&s->rec, NULL);
        s->rec_open = 0;
        if (!s->loop_rec || s->first_ts == INT64_MIN) {
            s->rec_done = 1;
            break;
        }
        /* Again, later: whole weeks keep weekdays weekdays and sessions
         * sessions, and times keep increasing. */
        int64_t span = s->last_ts - (s->first_ts - s->shift_ns) + 1;
        s->shift_ns = (span + WEEK_NS - 1) / WEEK_NS * WEEK_NS;
        s->first_ts = INT64_MIN;
        s->loops++;
        sw_info("lap %llu: the recording again, %lld week(s) later", (unsigned long long)s->loops + 1,
                (long long)(s->shift_ns / WEEK_NS));
        if (open_recording(s) != 0) {
            s->rec_done = 1;
            break;
        }
    }
    return 0;
}

/* Move s->pending into slot n of the batch, with its encoded element.
 * Returns 0, or -1 if it cannot be encoded (dropped). */
static int take_pending(feedsrv *s, size_t n)
{
    s->have_pending = 0;
    s->batch_buf[n] = s->pending;
    if (s->preload) {
        s->elem[n] = s->pending_elem;
        s->elem_len[n] = s->pending_len;
        return 0;
    }
    char *slot = s->elem_buf + n * SW_EMU_MAX_ELEMENT;
    size_t mark = sw_jsonarena_mark();
    int len = s->emu->encode(&s->pending, slot, SW_EMU_MAX_ELEMENT);
    sw_jsonarena_release(mark);
    if (len < 0)
        return -1;
    s->elem[n] = slot;
    s->elem_len[n] = (size_t)len;
    return 0;
}

/* --preload: everything in memory before the first client comes, so
 * playback costs only the writes (for benchmarking the client). */
static int preload_all(feedsrv *s)
{
    char el[SW_EMU_MAX_ELEMENT];
    while (next_trade(s)) {
        s->have_pending = 0;
        if (s->pre_n == MAX_PRELOAD) {
            fprintf(stderr, "shock-feed: --preload holds at most %u trades\n", MAX_PRELOAD);
            return -1;
        }
        size_t mark = sw_jsonarena_mark();
        int len = s->emu->encode(&s->pending, el, sizeof el);
        sw_jsonarena_release(mark);
        if (len < 0)
            continue;
        if (s->pre_n == s->pre_cap) {
            size_t ncap = s->pre_cap ? s->pre_cap * 2 : 65536;
            sw_emu_trade *t = realloc(s->pre_t, ncap * sizeof *t);
            if (t)
                s->pre_t = t;
            size_t *off = realloc(s->pre_off, ncap * sizeof *off);
            if (off)
                s->pre_off = off;
            uint16_t *ln = realloc(s->pre_len, ncap * sizeof *ln);
            if (ln)
                s->pre_len = ln;
            if (!t || !off || !ln)
                return -1;
            s->pre_cap = ncap;
        }
        if (s->pre_used + (size_t)len > s->pre_bytes_cap) {
            size_t ncap = s->pre_bytes_cap ? s->pre_bytes_cap * 2 : (1u << 22);
            char *b = realloc(s->pre_bytes, ncap);
            if (!b)
                return -1;
            s->pre_bytes = b;
            s->pre_bytes_cap = ncap;
        }
        memcpy(s->pre_bytes + s->pre_used, el, (size_t)len);
        s->pre_t[s->pre_n] = s->pending;
        s->pre_off[s->pre_n] = s->pre_used;
        s->pre_len[s->pre_n] = (uint16_t)len;
        s->pre_used += (size_t)len;
        s->pre_n++;
    }
    s->rec_done = 0;
    s->preload = 1;
    return 0;
}

/* ---- connections --------------------------------------------------------------- */

static int conn_ready(const conn *c)
{
    return c->wsi && c->emu.authed && c->emu.n_subs && !c->closing && !c->emu.close_now &&
           uv_now(&c->srv->loop) - c->last_client_ms >= SETTLE_MS;
}

/* Playback may queue more for c. */
static int conn_has_room(const feedsrv *s, const conn *c)
{
    if (c->q.bytes > HIGH_WATER)
        return 0;
    /* Never queue past the drop point: those trades would be lost. */
    if (c->drop_due)
        return 0;
    return !s->drop_every || c->data_queued < s->drop_every;
}

static void enqueue(conn *c, const char *msg, size_t len, int data)
{
    /* No bound on the count: playback stops at HIGH_WATER bytes, and what
     * else is queued are replies to the client's own messages. */
    if (sw_wsq_push(&c->q, msg, len, data, SIZE_MAX) != 0)
        return;
    if (data)
        c->data_queued++;
    lws_callback_on_writable(c->wsi);
}

static void out_to_conn(void *ctx, const char *msg, size_t len)
{
    enqueue(ctx, msg, len, 0);
}

static void start_closing(conn *c, int code, const char *reason)
{
    if (c->closing)
        return;
    c->closing = 1;
    c->close_code = code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason);
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
}

/* ---- playback ---------------------------------------------------------------- */

static void pump(feedsrv *s);

static void on_idle(uv_idle_t *h)
{
    pump(h->data);
}

static void idle_on(feedsrv *s, int on)
{
    if (on && !s->idle_on) {
        uv_idle_start(&s->idle, on_idle);
        s->idle_on = 1;
    } else if (!on && s->idle_on) {
        uv_idle_stop(&s->idle);
        s->idle_on = 0;
    }
}

static const char *const garbage[] = {
    "{\"type\":\"trade\",\"data\":[{\"s\":",
    "not json at all",
    "[{\"T\":\"t\",\"S\":\"NVDA\",\"p\":",
    "{\"ev\":\"T\"}}",
    "\"unterminated",
};

/* Send the batch's n trades to every streaming connection subscribed to
 * them: each message is the provider's envelope around the elements of the
 * trades that connection subscribed. */
static void broadcast(feedsrv *s, size_t n)
{
    for (conn *c = s->conns; c; c = c->next) {
        if (!conn_ready(c))
            continue;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (sw_emu_wants(&c->emu, &s->batch_buf[i].tick)) {
                s->sel[k] = s->elem[i];
                s->sel_len[k++] = s->elem_len[i];
            }
        if (!k)
            continue;
        int len = sw_emu_assemble(s->emu, s->sel, s->sel_len, k, s->enc, s->enc_cap);
        if (len < 0)
            continue;
        if (s->garbage > 0 && rand01(s) < s->garbage) {
            const char *g = garbage[s->garbage_sent % (sizeof garbage / sizeof garbage[0])];
            enqueue(c, g, strlen(g), 0);
            s->garbage_sent++;
        }
        enqueue(c, s->enc, (size_t)len, 1);
        s->data_msgs++;
        s->trades += k;
    }
}

static void request_shutdown(feedsrv *s);

static void end_of_recording(feedsrv *s)
{
    size_t n = 0;
    for (conn *c = s->conns; c; c = c->next, n++)
        start_closing(c, LWS_CLOSE_STATUS_NORMAL, "end of recording");
    sw_info("end of the recording: closing %zu connection(s); exiting once they are closed", n);
    if (!s->wsi_alive)
        request_shutdown(s);
}

static void pump(feedsrv *s)
{
    if (s->stopping || s->rec_done)
        return;
    if (s->held) {
        s->paused = 1; /* the clock starts when playback does */
        idle_on(s, 0);
        return;
    }
    size_t ready = 0;
    int room = 1;
    for (conn *c = s->conns; c; c = c->next)
        if (conn_ready(c)) {
            ready++;
            room &= conn_has_room(s, c);
        }
    if (!ready || ready < s->clients) {
        /* Nobody (or fewer than --clients) to stream to: wait, without losing
         * the place. */
        s->paused = 1;
        idle_on(s, 0);
        return;
    }
    if (!room) {
        idle_on(s, 0); /* a writeable callback resumes us */
        return;
    }
    uint64_t now = uv_now(&s->loop);
    if (s->paused) {
        s->paused = 0;
        s->wall0_ms = now;
        s->ev0 = next_trade(s) ? s->pending.tick.ts_ns : 0;
    }
    int64_t target = INT64_MAX;
    if (s->speed > 0)
        target = s->ev0 + (int64_t)((double)(now - s->wall0_ms) * 1e6 * s->speed);
    size_t budget = s->speed > 0 ? 200000 : 8192;
    while (budget > 0 && room) {
        size_t n = 0;
        while (n < s->batch && budget > 0 && next_trade(s)) {
            int64_t ts = s->pending.tick.ts_ns;
            if (ts > target) {
                if ((double)(ts - target) / 1e6 / s->speed > MAX_WAIT_MS) {
                    s->skipped_gaps++;
                    s->ev0 += ts - target;
                    target = ts;
                } else {
                    break;
                }
            }
            if (take_pending(s, n) == 0)
                n++;
            budget--;
            if (!s->emu->batches)
                break;
        }
        if (!n)
            break;
        broadcast(s, n);
        for (conn *c = s->conns; c; c = c->next)
            if (conn_ready(c))
                room &= conn_has_room(s, c);
    }
    if (!next_trade(s) && s->rec_done) {
        idle_on(s, 0);
        end_of_recording(s);
        return;
    }
    idle_on(s, s->speed == 0 && room);
}

static void on_pace(uv_timer_t *h)
{
    pump(h->data);
}

/* Once a second: the providers' deadlines (auth within 10 s, subscribe within 5 s). */
static void on_tick(uv_timer_t *h)
{
    feedsrv *s = h->data;
    uint64_t now = uv_now(&s->loop);
    for (conn *c = s->conns; c; c = c->next) {
        if (c->wsi && !c->closing && !c->drop_due && s->drop_period_ms &&
            now - c->opened_ms >= s->drop_period_ms) {
            c->drop_due = 1; /* write_queue closes it once its queue is out */
            lws_callback_on_writable(c->wsi);
        }
        if (!c->wsi || c->closing || !s->emu->on_tick)
            continue;
        size_t mark = sw_jsonarena_mark();
        s->emu->on_tick(&c->emu, now - c->opened_ms, out_to_conn, c);
        sw_jsonarena_release(mark);
        if (c->emu.close_now)
            start_closing(c, c->emu.close_code, c->emu.close_reason);
    }
}

/* ---- lws callbacks ------------------------------------------------------------- */

/* Path and decoded query of the upgrade request. */
static void request_target(struct lws *wsi, char *path, size_t plen, char *query, size_t qlen)
{
    path[0] = query[0] = '\0';
    if (lws_hdr_copy(wsi, path, (int)plen, WSI_TOKEN_GET_URI) < 0)
        path[0] = '\0';
    size_t used = 0;
    char frag[4096];
    for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
        size_t fl = strlen(frag);
        if (used + fl + 2 >= qlen)
            break;
        if (used)
            query[used++] = '&';
        memcpy(query + used, frag, fl + 1);
        used += fl;
    }
}

static void conn_free(feedsrv *s, conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    sw_wsq_free(&c->q);
    free(c->rx);
    sw_emu_conn_free(&c->emu);
    free(c);
}

static void on_pace(uv_timer_t *h);

static void client_message(feedsrv *s, conn *c, const char *in, size_t len, int final)
{
    if (!c->rx_over) {
        if (c->rx_len + len > MAX_CLIENT_MSG) {
            c->rx_over = 1;
        } else {
            memcpy(c->rx + c->rx_len, in, len);
            c->rx_len += len;
        }
    }
    if (!final)
        return;
    if (c->rx_over) {
        start_closing(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
    } else {
        c->emu.client_msgs++;
        size_t mark = sw_jsonarena_mark();
        s->emu->on_message(&c->emu, c->rx, c->rx_len, out_to_conn, c);
        sw_jsonarena_release(mark);
        if (c->emu.close_now)
            start_closing(c, c->emu.close_code, c->emu.close_reason);
    }
    c->rx_len = 0;
    c->rx_over = 0;
    /* A subscription may make the client ready once the burst is over. */
    c->last_client_ms = uv_now(&s->loop);
    uv_timer_start(&s->settle, on_pace, SETTLE_MS + 1, 0);
}

static int write_queue(feedsrv *s, conn *c, struct lws *wsi)
{
    for (sw_wsq_msg *m; (m = sw_wsq_front(&c->q));) {
        if (lws_send_pipe_choked(wsi)) {
            lws_callback_on_writable(wsi);
            return 0;
        }
        int n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
        int data = m->tag;
        sw_wsq_pop(&c->q);
        if (n < 0)
            return -1;
        /* The N-th trade message may also be the recording's last: then the
         * close that follows is the end of the recording, not a drop. */
        if (data && ++c->data_sent == s->drop_every && !c->closing) {
            s->drops++;
            sw_wsq_clear(&c->q); /* only replies can be left: nothing of the recording */
            start_closing(c, LWS_CLOSE_STATUS_GOINGAWAY, "drop-every");
            break;
        }
    }
    if (c->drop_due && !c->q.n && !c->closing) {
        s->drops++;
        start_closing(c, LWS_CLOSE_STATUS_GOINGAWAY, "drop-period");
    }
    if ((c->closing || c->emu.close_now) && !c->close_sent) {
        if (lws_send_pipe_choked(wsi)) { /* let lws flush what it holds first */
            lws_callback_on_writable(wsi);
            return 0;
        }
        /* The close frame is written here rather than left to lws after
         * returning -1: libwebsockets 4.1 built with _DEBUG (Debian's) closes
         * a libuv connection twice in that path, and the second close kills
         * the socket before the frame goes out. */
        int code = c->closing ? c->close_code : c->emu.close_code;
        const char *why = c->closing ? c->close_reason : c->emu.close_reason;
        unsigned char frame[LWS_PRE + 2 + 64];
        size_t wl = strlen(why) < 64 ? strlen(why) : 64;
        frame[LWS_PRE] = (unsigned char)(code >> 8);
        frame[LWS_PRE + 1] = (unsigned char)code;
        memcpy(frame + LWS_PRE + 2, why, wl);
        if (lws_write(wsi, frame + LWS_PRE, 2 + wl, WRITE_CLOSE_FRAME) < 0)
            return -1;
        c->close_sent = 1;
        lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_ACK, 5); /* a client that never answers */
        return 0;
    }
    if (c->close_sent)
        return 0;
    if (conn_has_room(s, c))
        pump(s);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    feedsrv *s = lws_context_user(lws_get_context(wsi));
    pss *ps = user;
    conn *c = ps ? ps->c : NULL;
    char path[1024], query[8192];
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        s->upgrades++;
        if (s->stopping)
            return -1;
        request_target(wsi, path, sizeof path, query, sizeof query);
        sw_emu_conn probe;
        if (sw_emu_conn_init(&probe, s->emu, s->reject_auth, s->key, s->secret) != 0)
            return -1;
        int status = s->emu->on_upgrade(&probe, path, query);
        sw_emu_conn_free(&probe);
        if (status) {
            s->refused++;
            sw_info("refused an upgrade to %s with HTTP %d", path, status);
            if (lws_return_http_status(wsi, (unsigned int)status, NULL))
                return -1;
            return 1;
        }
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        c = calloc(1, sizeof *c);
        if (!c || !(c->rx = malloc(MAX_CLIENT_MSG)) ||
            sw_emu_conn_init(&c->emu, s->emu, s->reject_auth, s->key, s->secret) != 0) {
            if (c)
                free(c->rx);
            free(c);
            return -1;
        }
        c->srv = s;
        c->wsi = wsi;
        c->opened_ms = uv_now(&s->loop);
        c->last_client_ms = c->opened_ms - SETTLE_MS; /* URL subscriptions are complete */
        c->next = s->conns;
        if (s->conns)
            s->conns->prev = c;
        s->conns = c;
        ps->c = c;
        /* A client that arrives after the recording ended (a fast reconnect
         * racing the close of the last one) is told so and does not hold
         * up the exit: only the connections that were playing are waited
         * for; the context's teardown closes a late one. */
        ps->counted = !s->rec_done;
        s->wsi_alive += ps->counted;
        /* Counted apart too: "connections" are the ones the recording was
         * played to (a drop and its reconnect are two), so a test or a user
         * can tell a reconnect storm from a reconnect that merely raced the
         * exit. */
        if (s->rec_done)
            s->late++;
        else
            s->connections++;
        request_target(wsi, path, sizeof path, query, sizeof query);
        s->emu->on_upgrade(&c->emu, path, query); /* URL-named subscriptions (binance) */
        if (s->emu->on_open) {
            size_t mark = sw_jsonarena_mark();
            s->emu->on_open(&c->emu, out_to_conn, c);
            sw_jsonarena_release(mark);
        }
        if (s->rec_done) {
            sw_info("a client connected after the end of the recording (%s): closing it", path);
            start_closing(c, LWS_CLOSE_STATUS_NORMAL, "end of recording");
            return 0;
        }
        sw_info("client %llu connected (%s)", (unsigned long long)s->connections, path);
        pump(s);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE:
        if (c)
            client_message(s, c, in, len, lws_is_final_fragment(wsi));
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? write_queue(s, c, wsi) : 0;
    case LWS_CALLBACK_CLOSED:
        /* lws says "closed" before it sends the close frame: the connection
         * is gone for playback, but not yet for the network (WSI_DESTROY). */
        if (c) {
            sw_info("client disconnected after %llu trade messages", (unsigned long long)c->data_sent);
            conn_free(s, c);
            ps->c = NULL;
        }
        pump(s);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (ps && ps->counted) {
            ps->counted = 0;
            if (--s->wsi_alive == 0 && s->rec_done)
                request_shutdown(s);
        }
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    { "shock-feed", callback, sizeof(pss), MAX_CLIENT_MSG, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---- start and stop -------------------------------------------------------------- */

static void on_own_closed(uv_handle_t *h)
{
    feedsrv *s = h->data;
    s->handles_open--;
}

static void begin_shutdown(feedsrv *s)
{
    if (s->stopping)
        return;
    s->stopping = 1;
    idle_on(s, 0);
    uv_handle_t *hs[] = { (uv_handle_t *)&s->idle, (uv_handle_t *)&s->pace, (uv_handle_t *)&s->tick,
                          (uv_handle_t *)&s->stop, (uv_handle_t *)&s->settle, (uv_handle_t *)&s->sigint,
                          (uv_handle_t *)&s->sigterm, (uv_handle_t *)&s->sigusr1 };
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        if (hs[i]->loop && !uv_is_closing(hs[i]))
            uv_close(hs[i], on_own_closed);
    if (s->ctx)
        lws_context_destroy(s->ctx); /* first stage; main finishes it */
}

static void on_stop(uv_timer_t *h)
{
    begin_shutdown(h->data);
}

/* From inside an lws callback the context must not be destroyed: do it from
 * the loop, right after. */
static void request_shutdown(feedsrv *s)
{
    if (!s->stopping && s->stop.loop)
        uv_timer_start(&s->stop, on_stop, 0, 0);
}

static void on_release(uv_signal_t *h, int signum)
{
    (void)signum;
    feedsrv *s = h->data;
    if (!s->held)
        return;
    sw_info("SIGUSR1 received: playing");
    s->held = 0;
    pump(s);
}

static void on_signal(uv_signal_t *h, int signum)
{
    feedsrv *s = h->data;
    sw_info("%s received: stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
    begin_shutdown(s);
}

static int parse_listen(feedsrv *s, const char *arg)
{
    const char *colon = strrchr(arg, ':');
    if (!colon) {
        fprintf(stderr, "shock-feed: --listen: \"%s\" is not HOST:PORT\n", arg);
        return -1;
    }
    size_t hl = (size_t)(colon - arg);
    if (hl && arg[0] == '[' && arg[hl - 1] == ']') {
        arg++;
        hl -= 2;
    }
    if (hl >= sizeof s->host) {
        fprintf(stderr, "shock-feed: --listen: host too long\n");
        return -1;
    }
    memcpy(s->host, arg, hl);
    s->host[hl] = '\0';
    if (!s->host[0])
        snprintf(s->host, sizeof s->host, "127.0.0.1");
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || port < 0 || port > 65535) {
        fprintf(stderr, "shock-feed: --listen: port \"%s\" is not 0..65535\n", colon + 1);
        return -1;
    }
    s->port = (int)port;
    return 0;
}

static int parse_count(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (end == arg || *end || errno || arg[0] == '-' || v < min || v > max) {
        fprintf(stderr, "shock-feed: %s: \"%s\" is not a whole number from %llu to %llu\n", opt, arg,
                (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

/* Convert: every trade, as a subscriber to everything would get it. */
static int run_dump(feedsrv *s)
{
    size_t n;
    do {
        n = 0;
        while (n < s->batch && next_trade(s)) {
            if (take_pending(s, n) == 0)
                n++;
            if (!s->emu->batches)
                break;
        }
        if (!n)
            break;
        int len = sw_emu_assemble(s->emu, s->elem, s->elem_len, n, s->enc, s->enc_cap);
        if (len < 0 || fwrite(s->enc, 1, (size_t)len, stdout) != (size_t)len || putchar('\n') == EOF)
            return -1;
        s->data_msgs++;
        s->trades += n;
    } while (n);
    return fflush(stdout) == 0 ? 0 : -1;
}

static int start_server(feedsrv *s)
{
    if (uv_loop_init(&s->loop) != 0)
        return -1;
    uv_idle_init(&s->loop, &s->idle);
    uv_timer_init(&s->loop, &s->pace);
    uv_timer_init(&s->loop, &s->tick);
    uv_timer_init(&s->loop, &s->stop);
    uv_timer_init(&s->loop, &s->settle);
    uv_signal_init(&s->loop, &s->sigint);
    uv_signal_init(&s->loop, &s->sigterm);
    uv_signal_init(&s->loop, &s->sigusr1);
    s->handles_open = 8;
    s->sigusr1.data = s;
    uv_signal_start(&s->sigusr1, on_release, SIGUSR1);
    s->idle.data = s->pace.data = s->tick.data = s->stop.data = s->settle.data = s->sigint.data = s;
    s->sigterm.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_timer_start(&s->tick, on_tick, 1000, 1000);
    if (s->speed > 0)
        uv_timer_start(&s->pace, on_pace, 5, 5);

    sw_ws_route_lws_logs();
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    void *loops[1] = { &s->loop };
    info.port = s->port;
    info.iface = s->host;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_LIBUV;
    info.foreign_loops = loops;
    info.user = s;
    info.fd_limit_per_thread = 64;
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        fprintf(stderr, "shock-feed: cannot listen on %s:%d (address in use or not local?), or the "
                        "libuv plugin of libwebsockets (package libwebsockets-evlib-uv) is missing\n",
                s->host, s->port);
        return -1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(s->ctx, "default");
    int port = vh ? lws_get_vhost_listen_port(vh) : s->port;
    printf("listening on ws://%s%s%s:%d as %s\n", strchr(s->host, ':') ? "[" : "", s->host,
           strchr(s->host, ':') ? "]" : "", port, s->emu->name);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "replay", required_argument, NULL, 'r' },  { "format", required_argument, NULL, 'f' },
        { "provider", required_argument, NULL, 'p' }, { "listen", required_argument, NULL, 'l' },
        { "speed", required_argument, NULL, 's' },   { "loop", no_argument, NULL, 'L' },
        { "batch", required_argument, NULL, 'b' },   { "drop-every", required_argument, NULL, 'd' },
        { "drop-period", required_argument, NULL, 'T' },
        { "garbage", required_argument, NULL, 'g' }, { "reject-auth", no_argument, NULL, 'R' },
        { "key", required_argument, NULL, 'k' },     { "secret", required_argument, NULL, 'S' },
        { "dump", no_argument, NULL, 'D' },          { "log-level", required_argument, NULL, 'v' },
        { "preload", no_argument, NULL, 'P' },       { "hold", no_argument, NULL, 'H' },
        { "clients", required_argument, NULL, 'C' },
        { "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
    };
    static feedsrv srv;
    feedsrv *s = &srv;
    const char *provider = "finnhub";
    uint64_t v;
    int rc = 1;
    sw_log_init("shock-feed");
    sw_log_set_level(SW_LOG_WARNING);
    s->batch = 1;
    s->paths = calloc((size_t)argc + 1, sizeof *s->paths);
    if (!s->paths)
        return 1;
    snprintf(s->host, sizeof s->host, "127.0.0.1");
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'r': s->paths[s->n_paths++] = optarg; break;
        case 'f': s->format = optarg; break;
        case 'p': provider = optarg; break;
        case 'l':
            if (parse_listen(s, optarg) != 0)
                goto usage_error;
            break;
        case 's':
            if (strcmp(optarg, "max") == 0) {
                s->speed = 0;
            } else {
                char *end;
                s->speed = strtod(optarg, &end);
                if (end == optarg || *end || !(s->speed > 0) || !isfinite(s->speed)) {
                    fprintf(stderr, "shock-feed: --speed: \"%s\" is not a positive number or \"max\"\n", optarg);
                    goto usage_error;
                }
            }
            break;
        case 'L': s->loop_rec = 1; break;
        case 'b':
            if (parse_count("--batch", optarg, 1, MAX_BATCH, &v) != 0)
                goto usage_error;
            s->batch = (size_t)v;
            break;
        case 'd':
            if (parse_count("--drop-every", optarg, 1, UINT64_MAX / 2, &s->drop_every) != 0)
                goto usage_error;
            break;
        case 'C':
            if (parse_count("--clients", optarg, 1, 1000, &v) != 0)
                goto usage_error;
            s->clients = (size_t)v;
            break;
        case 'T':
            if (parse_count("--drop-period", optarg, 1, 86400, &v) != 0)
                goto usage_error;
            s->drop_period_ms = v * 1000;
            break;
        case 'g': {
            char *end;
            s->garbage = strtod(optarg, &end);
            if (end == optarg || *end || !(s->garbage >= 0 && s->garbage <= 1)) {
                fprintf(stderr, "shock-feed: --garbage: \"%s\" is not a probability from 0 to 1\n", optarg);
                goto usage_error;
            }
            break;
        }
        case 'R': s->reject_auth = 1; break;
        case 'H': s->held = 1; break;
        case 'k': s->key = optarg; break;
        case 'S': s->secret = optarg; break;
        case 'D': s->dump = 1; break;
        case 'P': s->preload = 1; break;
        case 'v':
            if (sw_log_parse_level(optarg) < 0) {
                fprintf(stderr, "shock-feed: --log-level: \"%s\" is not error, warning, info or debug\n", optarg);
                goto usage_error;
            }
            sw_log_set_level((sw_log_level)sw_log_parse_level(optarg));
            break;
        case 'h': usage(stdout); free(s->paths); return 0;
        default: goto usage_error;
        }
    }
    for (; optind < argc; optind++) {
        if (!s->n_paths) {
            fprintf(stderr, "shock-feed: unexpected argument \"%s\" (paths follow --replay)\n", argv[optind]);
            goto usage_error;
        }
        s->paths[s->n_paths++] = argv[optind];
    }
    if (!s->n_paths) {
        fprintf(stderr, "shock-feed: nothing to play: give --replay PATH (see --help)\n");
        goto usage_error;
    }
    if (!(s->emu = sw_emu_find(provider))) {
        fprintf(stderr, "shock-feed: --provider: unknown provider \"%s\" (finnhub, alpaca, polygon, coinbase, "
                        "binance)\n", provider);
        goto usage_error;
    }

    if (sw_jsonarena_install() != 0)
        sw_warn("JSON arena unavailable: encoding with malloc");
    s->rng = GARBAGE_SEED;
    s->first_ts = INT64_MIN;
    s->enc_cap = sw_emu_max_message(s->batch);
    s->enc = malloc(s->enc_cap);
    s->batch_buf = malloc(s->batch * sizeof *s->batch_buf);
    s->elem_buf = malloc(s->batch * SW_EMU_MAX_ELEMENT);
    s->elem = malloc(s->batch * sizeof *s->elem);
    s->elem_len = malloc(s->batch * sizeof *s->elem_len);
    s->sel = malloc(s->batch * sizeof *s->sel);
    s->sel_len = malloc(s->batch * sizeof *s->sel_len);
    s->seqs = malloc(MAX_SYMBOLS * sizeof *s->seqs);
    if (!s->enc || !s->batch_buf || !s->elem_buf || !s->elem || !s->elem_len || !s->sel || !s->sel_len ||
        !s->seqs ||
        sw_symtab_init(&s->seqtab, MAX_SYMBOLS, (const char *)s->seqs, sizeof *s->seqs) != 0) {
        fprintf(stderr, "shock-feed: out of memory\n");
        goto out;
    }
    if (s->preload && s->loop_rec) {
        fprintf(stderr, "shock-feed: --preload and --loop do not go together (a lap re-times every trade)\n");
        rc = 2;
        goto out;
    }
    if (open_recording(s) != 0)
        goto out; /* sw_replay said which file and why */
    if (s->preload && !s->dump) {
        s->preload = 0; /* next_trade reads the files while loading */
        if (preload_all(s) != 0) {
            fprintf(stderr, "shock-feed: --preload: out of memory\n");
            goto out;
        }
        sw_info("preloaded %zu trades (%zu bytes of messages)", s->pre_n, s->pre_used);
    }

    if (s->dump) {
        rc = run_dump(s) == 0 ? 0 : 1;
        if (rc)
            fprintf(stderr, "shock-feed: cannot write to stdout\n");
        goto out;
    }
    s->paused = 1;
    if (start_server(s) != 0) {
        begin_shutdown(s);
        uv_run(&s->loop, UV_RUN_DEFAULT);
        uv_loop_close(&s->loop);
        goto out;
    }
    uv_run(&s->loop, UV_RUN_DEFAULT);
    /* libwebsockets on a foreign loop: a second destroy once its handles are
     * closed, and one more turn of the loop (see daemon/sources/sw_ws.h). */
    lws_context_destroy(s->ctx);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&s->loop) != 0)
        sw_warn("event loop closed with handles still open");
    fprintf(stderr,
            "shock-feed: %s, %llu connections (%llu upgrades, %llu refused, %llu after the end), %llu trade "
            "messages with %llu trades, %llu garbage frames, %llu drops, %llu loops%s\n",
            s->emu->name, (unsigned long long)s->connections, (unsigned long long)s->upgrades,
            (unsigned long long)s->refused, (unsigned long long)s->late, (unsigned long long)s->data_msgs,
            (unsigned long long)s->trades,
            (unsigned long long)s->garbage_sent, (unsigned long long)s->drops, (unsigned long long)s->loops,
            s->rec_done ? ", recording finished" : "");
    rc = 0;
out:
    if (s->rec_open)
        sw_replay_close(&s->rec, NULL);
    if (s->seqs)
        sw_symtab_free(&s->seqtab);
    free(s->seqs);
    free(s->enc);
    free(s->batch_buf);
    free(s->elem_buf);
    free(s->elem);
    free(s->elem_len);
    free(s->sel);
    free(s->sel_len);
    free(s->pre_t);
    free(s->pre_off);
    free(s->pre_len);
    free(s->pre_bytes);
    free(s->paths);
    sw_jsonarena_uninstall();
    return rc;
usage_error:
    free(s->paths);
    return 2;
}
