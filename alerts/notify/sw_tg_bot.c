/* sw_tg_bot.c -- see sw_tg_bot.h. */
#include "sw_tg_bot.h"
#include "sw_escape.h"
#include "sw_log.h"
#include "sw_secret.h"
#include "sw_silence_store.h"
#include "sw_strict_json.h"
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define CONFLICT_MS 30000         /* 409: another client polls this bot */
#define REDIS_WAIT_MS 200         /* looks again for Redis this often */
#define REFUSED_MS 300000         /* 401/404: the token is wrong */
#define REPLY_MAX 3500            /* bytes of an answer (Telegram takes 4096 characters) */

struct sw_tg_reply {
    sw_tg_reply *next;
    char chat[72];
    char *text;
};

/* One command being carried out in Redis. */
typedef struct pending {
    sw_tg_bot *b;
    char chat[72];
    char who[200];
    sw_tg_kind kind;
    int64_t duration_ms;
} pending;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- parsing the updates ------------------------------------------------------------ */

/* An integer member (exact in a double: below 2^53). */
static int get_int(const cJSON *o, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble) ||
        fabs(v->valuedouble) > 9007199254740991.0)
        return -1;
    *out = (int64_t)v->valuedouble;
    return 0;
}

/* Text someone typed, for names: whole UTF-8 characters within cap, control
 * characters as spaces; bytes that are not UTF-8 end it. */
static void clean_text(char *dst, size_t cap, const char *src)
{
    size_t o = 0, n = strlen(src);
    for (size_t i = 0; i < n;) {
        size_t k = sw_utf8_seq(src + i, n - i);
        if (k == 0 || o + k >= cap)
            break;
        unsigned char c = (unsigned char)src[i];
        int ctl = c < 0x20 || c == 0x7f || (c == 0xC2 && k == 2 && (unsigned char)src[i + 1] <= 0x9F);
        if (ctl) {
            dst[o++] = ' ';
        } else {
            memcpy(dst + o, src + i, k);
            o += k;
        }
        i += k;
    }
    dst[o] = '\0';
}

/* A Telegram username: 5..32 of [A-Za-z0-9_]; anything else is dropped. */
static void username(char *dst, size_t cap, const cJSON *o)
{
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "username");
    dst[0] = '\0';
    if (!cJSON_IsString(u))
        return;
    size_t n = strlen(u->valuestring);
    if (n < 5 || n > 32 || n >= cap)
        return;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)u->valuestring[i]) && u->valuestring[i] != '_')
            return;
    memcpy(dst, u->valuestring, n + 1);
}

static void take_message(sw_tg_update *u, const cJSON *m)
{
    const cJSON *chat = cJSON_GetObjectItemCaseSensitive(m, "chat"), *from = cJSON_GetObjectItemCaseSensitive(m, "from");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(m, "text");
    if (!cJSON_IsObject(chat) || get_int(chat, "id", &u->chat_id) != 0 || !cJSON_IsString(text) ||
        get_int(m, "date", &u->date) != 0)
        return;
    size_t n = strlen(text->valuestring);
    if (!sw_utf8_valid(text->valuestring, n))
        return;
    username(u->chat_username, sizeof u->chat_username, chat);
    if (cJSON_IsObject(from)) {
        if (get_int(from, "id", &u->from_id) != 0)
            u->from_id = 0;
        username(u->from_username, sizeof u->from_username, from);
        const cJSON *fn = cJSON_GetObjectItemCaseSensitive(from, "first_name");
        if (cJSON_IsString(fn))
            clean_text(u->from_name, sizeof u->from_name, fn->valuestring);
    }
    u->has_text = 1;
    if (n > SW_TG_TEXT_MAX) {
        /* Its start, on a character boundary: enough to tell a command. */
        u->too_long = 1;
        n = SW_TG_TEXT_MAX;
        while (n > 0 && ((unsigned char)text->valuestring[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(u->text, text->valuestring, n);
    u->text[n] = '\0';
}

int sw_tg_parse_updates(const char *json, size_t len, sw_tg_update *out, size_t max, size_t *n, int64_t *last,
                        char *err, size_t errlen)
{
    *n = 0;
    if (len > SW_TG_BODY_MAX) {
        snprintf(err, errlen, "an answer of %zu bytes (at most %u)", len, SW_TG_BODY_MAX);
        return -1;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    int rc = -1;
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "the answer is not a JSON object");
        goto done;
    }
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(root, "ok");
    if (!cJSON_IsTrue(ok)) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "description");
        char shown[200];
        snprintf(err, errlen, "the Bot API says: %s",
                 cJSON_IsString(d) ? sw_esc_line_buf(d->valuestring, shown, sizeof shown) : "not ok");
        goto done;
    }
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(root, "result");
    if (!cJSON_IsArray(result)) {
        snprintf(err, errlen, "\"result\" is not an array");
        goto done;
    }
    for (const cJSON *it = result->child; it && *n < max; it = it->next) {
        sw_tg_update *u = &out[*n];
        memset(u, 0, sizeof *u);
        /* Without a usable update_id nothing after it can be confirmed. */
        if (!cJSON_IsObject(it) || get_int(it, "update_id", &u->update_id) != 0 || u->update_id < 0) {
            snprintf(err, errlen, "update %zu has no update_id", *n);
            goto done;
        }
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "message");
        if (cJSON_IsObject(m))
            take_message(u, m);
        if (u->update_id > *last)
            *last = u->update_id;
        (*n)++;
    }
    rc = 0;
done:
    cJSON_Delete(root);
    return rc;
}

/* ---- parsing a command --------------------------------------------------------------- */

const char *sw_tg_help(void)
{
    return "Commands:\n"
           "/silence SYMBOL|GROUP DURATION [comment] - hold back its alerts on this channel, e.g. /silence NVDA 1h "
           "on it\n"
           "  matchers: symbol=, group=, detector=, severity= (that one and below), channel=NAME or channel=* (every "
           "channel)\n"
           "/silences - the silences in force or to come\n"
           "/expire ID - end a silence now";
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next word of *p (at most cap - 1 bytes; longer words are cut and
 * flagged).  0 at the end of the text. */
static int next_word(const char **p, char *w, size_t cap, int *cut)
{
    const char *s = *p;
    while (*s && is_space(*s))
        s++;
    if (!*s)
        return 0;
    size_t n = 0;
    *cut = 0;
    while (s[n] && !is_space(s[n]))
        n++;
    if (n >= cap)
        *cut = 1;
    snprintf(w, cap, "%.*s", (int)(n < cap ? n : cap - 1), s);
    *p = s + n;
    return 1;
}

static void parse_silence(const char *p, const sw_silence_names *nm, const char *own_channel, sw_tg_cmd *c)
{
    char w[80];
    int cut, any_channel = 0, target = 0;
    sw_silence_init(&c->s);
    c->kind = SW_TG_SILENCE;
    while (next_word(&p, w, sizeof w, &cut)) {
        char *eq = strchr(w, '=');
        if (cut) {
            c->kind = SW_TG_BAD;
            snprintf(c->err, sizeof c->err, "a word of more than %zu bytes", sizeof w - 1);
            return;
        }
        if (eq) {
            *eq = '\0';
            if (sw_silence_set_matcher(&c->s, w, eq + 1, nm, &any_channel, c->err, sizeof c->err) != 0) {
                c->kind = SW_TG_BAD;
                return;
            }
            continue;
        }
        if (isdigit((unsigned char)w[0])) {
            if (sw_silence_parse_duration(w, &c->duration_ms, c->err, sizeof c->err) != 0) {
                c->kind = SW_TG_BAD;
                return;
            }
            /* The rest is the comment, one line. */
            while (*p && is_space(*p))
                p++;
            clean_text(c->s.comment, sizeof c->s.comment, p);
            size_t n = strlen(c->s.comment);
            while (n && c->s.comment[n - 1] == ' ')
                c->s.comment[--n] = '\0';
            break;
        }
        if (target) {
            c->kind = SW_TG_BAD;
            snprintf(c->err, sizeof c->err, "one symbol or group, then the duration (30m, 1h, 1d)");
            return;
        }
        target = 1;
        if (sw_silence_set_target(&c->s, w, nm, c->err, sizeof c->err) != 0) {
            c->kind = SW_TG_BAD;
            return;
        }
    }
    if (!c->duration_ms) {
        c->kind = SW_TG_BAD;
        snprintf(c->err, sizeof c->err, "missing the duration: /silence NVDA 1h [comment]");
        return;
    }
    if (!c->s.symbol[0] && !c->s.group[0] && !c->s.detector[0] && c->s.severity < 0) {
        c->kind = SW_TG_BAD;
        snprintf(c->err, sizeof c->err, "name what to silence: a symbol, a group, detector= or severity=");
        return;
    }
    if (!any_channel && !c->s.channel[0] && own_channel)
        snprintf(c->s.channel, sizeof c->s.channel, "%s", own_channel);
}

void sw_tg_parse_command(const char *text, const sw_silence_names *nm, const char *own_channel, sw_tg_cmd *out)
{
    memset(out, 0, sizeof *out);
    sw_silence_init(&out->s);
    const char *p = text;
    char w[80];
    int cut;
    if (text[0] != '/' || !next_word(&p, w, sizeof w, &cut) || cut)
        return;
    char *at = strchr(w, '@'); /* "/silence@mybot" in a group */
    if (at)
        *at = '\0';
    for (char *q = w; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    if (strcmp(w, "/silence") == 0) {
        parse_silence(p, nm, own_channel, out);
    } else if (strcmp(w, "/silences") == 0) {
        out->kind = SW_TG_SILENCES;
    } else if (strcmp(w, "/expire") == 0) {
        out->kind = SW_TG_BAD;
        if (!next_word(&p, w, sizeof w, &cut) || cut) {
            snprintf(out->err, sizeof out->err, "which silence? /expire ID (/silences lists them)");
            return;
        }
        for (char *q = w; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        if (!sw_silence_id_valid(w)) {
            char shown[48];
            snprintf(out->err, sizeof out->err, "\"%s\" is not a silence id (%d hex digits; /silences lists them)",
                     sw_esc_line_buf(w, shown, sizeof shown), SW_SILENCE_ID_LEN);
            return;
        }
        out->kind = SW_TG_EXPIRE;
        snprintf(out->id, sizeof out->id, "%.*s", SW_SILENCE_ID_LEN, w);
    } else if (strcmp(w, "/help") == 0 || strcmp(w, "/start") == 0) {
        out->kind = SW_TG_HELP;
    }
    /* Any other command is someone else's (another bot in the chat). */
}

/* ---- answers ------------------------------------------------------------------------- */

static void send_next(sw_tg_bot *b);

static void on_sent(void *ctx, CURL *easy, CURLcode rc)
{
    sw_tg_bot *b = ctx;
    (void)easy;
    b->sending = 0;
    if (b->closing || rc == CURLE_ABORTED_BY_CALLBACK) {
        sw_chan_req_free(&b->send_req);
        return;
    }
    long code = 0;
    curl_easy_getinfo(b->send_req.easy, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK || code / 100 != 2) {
        char why[CURL_ERROR_SIZE + 64], red[2 * CURL_ERROR_SIZE + 64];
        if (rc != CURLE_OK)
            snprintf(why, sizeof why, "%s", b->send_req.errbuf[0] ? b->send_req.errbuf : curl_easy_strerror(rc));
        else
            snprintf(why, sizeof why, "HTTP %ld", code);
        sw_chan_redact(b->ch, why, red, sizeof red);
        b->st.reply_failures++;
        sw_warn("%s: an answer to a command was not delivered: %s", b->ch->where, red);
    } else {
        b->st.replies++;
    }
    sw_chan_req_free(&b->send_req);
    send_next(b);
}

static void send_next(sw_tg_bot *b)
{
    if (b->sending || b->closing || !b->replies)
        return;
    sw_tg_reply *r = b->replies;
    b->replies = r->next;
    if (!b->replies)
        b->replies_tail = NULL;
    b->n_replies--;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "chat_id", r->chat);
    cJSON_AddStringToObject(o, "text", r->text);
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    free(r->text);
    free(r);
    char url[8192];
    int ok = body && sw_chan_telegram_url(b->ch, "sendMessage", url, sizeof url) == 0;
    if (ok && sw_chan_http_post(b->ch, &b->send_req, url, body, strlen(body), "application/json", NULL) == 0) {
        body = NULL; /* the request's */
        ok = sw_curl_add(b->curl, b->send_req.easy, on_sent, b) == 0;
    } else {
        ok = 0;
    }
    sw_secret_wipe_buf(url, sizeof url);
    free(body);
    if (!ok) {
        sw_chan_req_free(&b->send_req);
        b->st.reply_failures++;
        sw_warn("%s: cannot send an answer to a command (out of memory)", b->ch->where);
        send_next(b);
        return;
    }
    b->sending = 1;
}

/* Queue an answer; the text is ours (plain text, escaped for Telegram). */
static void reply(sw_tg_bot *b, const char *chat, const char *text)
{
    if (b->closing)
        return;
    if (b->n_replies >= SW_TG_REPLIES_MAX) {
        b->st.reply_failures++;
        sw_warn("%s: %d answers waiting already: one dropped", b->ch->where, SW_TG_REPLIES_MAX);
        return;
    }
    sw_dbuf d = SW_DBUF_INIT(4 * REPLY_MAX);
    /* Line by line: sw_esc_telegram makes a line break a space. */
    for (const char *line = text; *line;) {
        size_t n = strcspn(line, "\n");
        char part[REPLY_MAX + 1];
        snprintf(part, sizeof part, "%.*s", (int)(n < REPLY_MAX ? n : REPLY_MAX), line);
        sw_esc_telegram(&d, part);
        line += n;
        if (*line == '\n') {
            sw_dbuf_addc(&d, '\n');
            line++;
        }
    }
    sw_tg_reply *r = calloc(1, sizeof *r);
    char *t = sw_dbuf_take(&d);
    if (!r || !t) {
        free(r);
        free(t);
        b->st.reply_failures++;
        return;
    }
    snprintf(r->chat, sizeof r->chat, "%s", chat);
    r->text = t;
    if (b->replies_tail)
        b->replies_tail->next = r;
    else
        b->replies = r;
    b->replies_tail = r;
    b->n_replies++;
    send_next(b);
}

/* ---- commands ------------------------------------------------------------------------ */

static pending *pending_new(sw_tg_bot *b, const char *chat, const char *who, sw_tg_kind kind)
{
    pending *p = calloc(1, sizeof *p);
    if (p) {
        p->b = b;
        p->kind = kind;
        snprintf(p->chat, sizeof p->chat, "%s", chat);
        snprintf(p->who, sizeof p->who, "%s", who);
    }
    return p;
}

static void on_added(void *ctx, int rc, const sw_silence *s, const char *err)
{
    pending *p = ctx;
    sw_tg_bot *b = p->b;
    char text[REPLY_MAX], m[200], until[40], dur[24];
    if (!b->closing) {
        int64_t now = wall_ms();
        if (rc == 0) {
            sw_format_duration(p->duration_ms * 1000000, dur, sizeof dur);
            sw_silence_matchers(s, m, sizeof m);
            sw_silence_clock(s->end_ms, now, until, sizeof until);
            snprintf(text, sizeof text, "Silenced %s until %s (%s): silence %s.\n/expire %s ends it.", m, until, dur,
                     s->id, s->id);
            sw_info("%s: %s added silence %s: %s until %s", b->ch->where, p->who, s->id, m, until);
            sw_silence_watch_refresh(b->watch);
        } else {
            snprintf(text, sizeof text, "Not done: %s", err ? err : "Redis refused");
            sw_warn("%s: the silence %s asked for was not added: %s", b->ch->where, p->who, err ? err : "?");
        }
        reply(b, p->chat, text);
    }
    free(p);
}

static void on_expired(void *ctx, int rc, const sw_silence *s, const char *err)
{
    pending *p = ctx;
    sw_tg_bot *b = p->b;
    char text[REPLY_MAX], m[200];
    if (!b->closing) {
        if (rc == 0 && s) {
            char who[2 * SW_SILENCE_AUTHOR_MAX + 8];
            sw_esc_line_buf(s->author, who, sizeof who);
            snprintf(text, sizeof text, "Expired silence %s (%s, by %s).", s->id, sw_silence_matchers(s, m, sizeof m),
                     s->author);
            sw_info("%s: %s expired silence %s (%s, by %s)", b->ch->where, p->who, s->id, m, who);
            sw_silence_watch_refresh(b->watch);
        } else if (rc == 0) {
            snprintf(text, sizeof text, "Expired (its record could not be read).");
            sw_info("%s: %s expired a silence", b->ch->where, p->who);
            sw_silence_watch_refresh(b->watch);
        } else if (rc == 1) {
            snprintf(text, sizeof text, "No such silence (it ended, or was expired already). /silences lists them.");
        } else {
            snprintf(text, sizeof text, "Not done: %s", err ? err : "Redis refused");
        }
        reply(b, p->chat, text);
    }
    free(p);
}

static void on_listed(void *ctx, const sw_silence_set *set, const char *err)
{
    pending *p = ctx;
    sw_tg_bot *b = p->b;
    if (!b->closing) {
        sw_dbuf d = SW_DBUF_INIT(REPLY_MAX);
        int64_t now = wall_ms();
        if (!set) {
            sw_dbuf_printf(&d, "Not done: %s", err);
        } else if (set->n == 0) {
            sw_dbuf_addstr(&d, "No silences.");
        } else {
            sw_dbuf_printf(&d, "%zu silence%s:", set->n, set->n == 1 ? "" : "s");
            for (size_t i = 0; i < set->n; i++) {
                const sw_silence *s = &set->v[i];
                char m[200], from[40], until[40], line[REPLY_MAX];
                int w = snprintf(line, sizeof line, "\n%s %s %s%s until %s by %s%s%s", s->id,
                                 sw_silence_matchers(s, m, sizeof m), sw_silence_active(s, now) ? "" : "from ",
                                 sw_silence_active(s, now) ? "" : sw_silence_clock(s->start_ms, now, from, sizeof from),
                                 sw_silence_clock(s->end_ms, now, until, sizeof until), s->author,
                                 s->comment[0] ? ": " : "", s->comment);
                if (w < 0 || d.len + (size_t)w + 40 > REPLY_MAX) {
                    sw_dbuf_printf(&d, "\n... and %zu more", set->n - i);
                    break;
                }
                sw_dbuf_addstr(&d, line);
            }
        }
        char *t = sw_dbuf_take(&d);
        reply(b, p->chat, t ? t : "Not done: out of memory");
        free(t);
    }
    free(p);
}

static int chat_allowed(const sw_tg_bot *b, const sw_tg_update *u, size_t *which)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)u->chat_id);
    for (size_t i = 0; i < b->n_chats; i++)
        if (strcmp(b->chats[i], id) == 0 ||
            (b->chats[i][0] == '@' && u->chat_username[0] && strcasecmp(b->chats[i] + 1, u->chat_username) == 0)) {
            *which = i;
            return 1;
        }
    return 0;
}

static void handle(sw_tg_bot *b, const sw_tg_update *u)
{
    if (!u->has_text || u->text[0] != '/')
        return; /* ordinary talk in the chat */
    char who[80], chat[32], shown[2 * SW_TG_TEXT_MAX + 8];
    if (u->from_username[0])
        snprintf(who, sizeof who, "@%s", u->from_username);
    else
        snprintf(who, sizeof who, "%.50s (id %lld)", u->from_name[0] ? u->from_name : "someone", (long long)u->from_id);
    snprintf(chat, sizeof chat, "%lld", (long long)u->chat_id);
    size_t which = 0;
    if (!chat_allowed(b, u, &which)) {
        b->st.refused++;
        char whoesc[200];
        sw_warn("%s: refused a message from chat %s (%s), which may not issue commands: \"%s\"", b->ch->where, chat,
                sw_esc_line_buf(who, whoesc, sizeof whoesc),
                sw_esc_line_buf(u->text, shown, sizeof shown));
        return;
    }
    if (u->too_long) {
        reply(b, chat, "Not done: a command of more than 1024 bytes.");
        return;
    }
    sw_tg_cmd c;
    sw_tg_parse_command(u->text, &b->names, b->chat_channel[which], &c);
    if (c.kind == SW_TG_NONE)
        return;
    b->st.commands++;
    int64_t now = wall_ms();
    char text[REPLY_MAX], whoesc[200];
    sw_esc_line_buf(who, whoesc, sizeof whoesc);
    if (u->date * 1000 + SW_TG_MAX_AGE_S * 1000 < now) {
        char at[40];
        b->st.too_old++;
        snprintf(text, sizeof text,
                 "Not done: sent at %s, more than %d minutes ago (shock-notify was not reading); send it again if "
                 "you still mean it.",
                 sw_silence_clock(u->date * 1000, now, at, sizeof at), SW_TG_MAX_AGE_S / 60);
        sw_info("%s: a command of %s from %s is too old to carry out: \"%s\"", b->ch->where, at, whoesc,
                sw_esc_line_buf(u->text, shown, sizeof shown));
        reply(b, chat, text);
        return;
    }
    sw_info("%s: %s in chat %s: \"%s\"", b->ch->where, whoesc, chat, sw_esc_line_buf(u->text, shown, sizeof shown));
    pending *p = NULL;
    int rc = 0;
    switch (c.kind) {
    case SW_TG_HELP:
        reply(b, chat, sw_tg_help());
        return;
    case SW_TG_BAD:
        snprintf(text, sizeof text, "Not done: %s. /help shows the commands.", c.err);
        reply(b, chat, text);
        return;
    case SW_TG_SILENCE: {
        sw_silence s = c.s;
        sw_silence_new_id(s.id);
        s.start_ms = s.created_ms = now;
        s.end_ms = now + c.duration_ms;
        if (u->from_username[0])
            snprintf(s.author, sizeof s.author, "@%s (telegram)", u->from_username);
        else
            snprintf(s.author, sizeof s.author, "%.40s (telegram %lld)", u->from_name[0] ? u->from_name : "user",
                     (long long)u->from_id);
        char err[200];
        if (sw_silence_check(&s, err, sizeof err) != 0) {
            snprintf(text, sizeof text, "Not done: %s.", err);
            reply(b, chat, text);
            return;
        }
        if ((p = pending_new(b, chat, whoesc, c.kind)))
            p->duration_ms = c.duration_ms;
        rc = p ? sw_silence_store_add(b->redis, b->stream, &s, on_added, p) : -1;
        break;
    }
    case SW_TG_SILENCES:
        p = pending_new(b, chat, whoesc, c.kind);
        rc = p ? sw_silence_store_list(b->redis, b->stream, now, on_listed, p) : -1;
        break;
    case SW_TG_EXPIRE:
        p = pending_new(b, chat, whoesc, c.kind);
        rc = p ? sw_silence_store_expire(b->redis, b->stream, c.id, on_expired, p) : -1;
        break;
    default:
        return;
    }
    if (rc != 0) {
        free(p);
        reply(b, chat, "Not done: Redis cannot be reached now; try again in a moment.");
    }
}

/* ---- polling ------------------------------------------------------------------------- */

static void poll_now(sw_tg_bot *b);

static void on_timer(uv_timer_t *t)
{
    poll_now(t->data);
}

static void poll_later(sw_tg_bot *b, uint64_t ms)
{
    if (!b->closing && !b->stopped)
        uv_timer_start(&b->timer, on_timer, ms, 0);
}

static size_t on_poll_body(char *data, size_t size, size_t nmemb, void *userp)
{
    sw_tg_bot *b = userp;
    size_t n = size * nmemb;
    return sw_dbuf_add(&b->body, data, n) == 0 ? n : 0; /* 0: curl stops (CURLE_WRITE_ERROR) */
}

static void poll_failed(sw_tg_bot *b, const char *why, uint64_t wait_ms)
{
    b->st.poll_failures++;
    b->failures++;
    if (!wait_ms) {
        unsigned shift = b->failures - 1 < 6 ? b->failures - 1 : 6;
        wait_ms = (uint64_t)BACKOFF_MIN_MS << shift;
        if (wait_ms > BACKOFF_MAX_MS)
            wait_ms = BACKOFF_MAX_MS;
    }
    /* An outage is said once, then at debug level until a poll works. */
    sw_log(b->down ? SW_LOG_DEBUG : SW_LOG_WARNING, "%s: commands: getUpdates failed: %s; again in %llu ms",
           b->ch->where, why, (unsigned long long)wait_ms);
    b->down = 1;
    poll_later(b, wait_ms);
}

static void on_polled(void *ctx, CURL *easy, CURLcode rc)
{
    sw_tg_bot *b = ctx;
    (void)easy;
    b->polling = 0;
    if (b->closing || b->stopped || rc == CURLE_ABORTED_BY_CALLBACK) {
        sw_chan_req_free(&b->poll_req);
        return;
    }
    long code = 0;
    curl_easy_getinfo(b->poll_req.easy, CURLINFO_RESPONSE_CODE, &code);
    char why[CURL_ERROR_SIZE + 64], red[2 * CURL_ERROR_SIZE + 64];
    snprintf(why, sizeof why, "%s", b->poll_req.errbuf[0] ? b->poll_req.errbuf : curl_easy_strerror(rc));
    sw_chan_req_free(&b->poll_req);
    b->st.polls++;
    if (rc == CURLE_WRITE_ERROR) {
        poll_failed(b, "the answer is larger than 1 MiB", 0);
        return;
    }
    if (rc != CURLE_OK) {
        sw_chan_redact(b->ch, why, red, sizeof red);
        poll_failed(b, red, 0);
        return;
    }
    if (code == 409) {
        poll_failed(b, "409 Conflict: another client is polling this bot (is a second shock-notify taking its "
                       "commands?)", CONFLICT_MS);
        return;
    }
    if (code == 401 || code == 404) {
        snprintf(why, sizeof why, "HTTP %ld: the bot token was refused", code);
        poll_failed(b, why, REFUSED_MS);
        return;
    }
    if (code / 100 != 2) {
        snprintf(why, sizeof why, "HTTP %ld", code);
        poll_failed(b, why, 0);
        return;
    }
    sw_tg_update *ups = calloc(SW_TG_LIMIT, sizeof *ups);
    size_t n = 0;
    int64_t last = b->offset - 1;
    char err[300];
    if (!ups || sw_tg_parse_updates(sw_dbuf_str(&b->body), sw_dbuf_len(&b->body), ups, SW_TG_LIMIT, &n, &last, err,
                                    sizeof err) != 0) {
        free(ups);
        poll_failed(b, ups ? err : "out of memory", 0);
        return;
    }
    if (b->down)
        sw_info("%s: commands: polling works again", b->ch->where);
    b->down = 0;
    b->failures = 0;
    b->st.updates += n;
    /* Confirmed by the next poll, whatever each one held. */
    if (last + 1 > b->offset)
        b->offset = last + 1;
    for (size_t i = 0; i < n && !b->closing; i++)
        handle(b, &ups[i]);
    free(ups);
    poll_later(b, 0);
}

static void poll_now(sw_tg_bot *b)
{
    if (b->polling || b->closing || b->stopped)
        return;
    /* Reading a command confirms it to Telegram: read none that could not
     * be carried out (at start, before the connection is up; in an outage). */
    if (b->redis->state != SW_REDIS_CONNECTED) {
        if (!b->waiting) /* Redis says so itself: at start this is a moment */
            sw_debug("%s: commands wait for Redis", b->ch->where);
        b->waiting = 1;
        poll_later(b, REDIS_WAIT_MS);
        return;
    }
    b->waiting = 0;
    char body[160], url[8192];
    long timeout_s = (long)(b->ch->cfg->poll_timeout_ns / 1000000000);
    if (b->offset > 0)
        snprintf(body, sizeof body, "{\"offset\":%lld,\"timeout\":%ld,\"limit\":%d,\"allowed_updates\":[\"message\"]}",
                 (long long)b->offset, timeout_s, SW_TG_LIMIT);
    else
        snprintf(body, sizeof body, "{\"timeout\":%ld,\"limit\":%d,\"allowed_updates\":[\"message\"]}", timeout_s,
                 SW_TG_LIMIT);
    char *copy = strdup(body);
    sw_dbuf_reset(&b->body);
    int ok = copy && sw_chan_telegram_url(b->ch, "getUpdates", url, sizeof url) == 0 &&
             sw_chan_http_post(b->ch, &b->poll_req, url, copy, strlen(copy), "application/json", NULL) == 0;
    sw_secret_wipe_buf(url, sizeof url);
    if (!ok) {
        if (!b->poll_req.body)
            free(copy);
        sw_chan_req_free(&b->poll_req);
        poll_failed(b, "cannot build the request (out of memory)", 0);
        return;
    }
    /* The long poll holds the request for timeout_s: the channel's timeout
     * comes on top of it. */
    CURL *e = b->poll_req.easy;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(b->ch->cfg->poll_timeout_ns / 1000000 + b->ch->cfg->timeout_ns / 1000000));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_poll_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
    if (sw_curl_add(b->curl, e, on_polled, b) != 0) {
        sw_chan_req_free(&b->poll_req);
        poll_failed(b, "cannot start the request", 0);
        return;
    }
    b->polling = 1;
}

/* ---- life cycle -------------------------------------------------------------------- */

int sw_tg_bot_init(sw_tg_bot *b, uv_loop_t *loop, sw_curl *curl, sw_chan *ch, const sw_silence_names *names,
                   sw_redis *redis, const char *stream, sw_silence_watch *watch, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->loop = loop;
    b->curl = curl;
    b->ch = ch;
    b->names = *names;
    b->redis = redis;
    b->stream = stream;
    b->watch = watch;
    sw_dbuf_init(&b->body, SW_TG_BODY_MAX);
    b->poll_req.retry_after_ms = b->send_req.retry_after_ms = -1;
    if (uv_timer_init(loop, &b->timer) != 0) {
        snprintf(err, errlen, "%s: cannot create a timer", ch->where);
        return -1;
    }
    b->timer.data = b;
    b->timer_inited = 1;
    return 0;
}

int sw_tg_bot_add_chat(sw_tg_bot *b, const char *chat_id, const char *channel)
{
    if (b->n_chats >= SW_TG_CHATS_MAX || strlen(chat_id) >= sizeof b->chats[0])
        return -1;
    for (size_t i = 0; i < b->n_chats; i++)
        if (strcmp(b->chats[i], chat_id) == 0)
            return 0; /* the first channel of a chat is where its silences go */
    snprintf(b->chats[b->n_chats], sizeof b->chats[0], "%s", chat_id);
    b->chat_channel[b->n_chats++] = channel;
    return 0;
}

void sw_tg_bot_start(sw_tg_bot *b)
{
    sw_info("%s: taking commands from chat%s %s%s%s", b->ch->where, b->n_chats == 1 ? "" : "s", b->chats[0],
            b->n_chats > 1 ? " and " : "", b->n_chats > 1 ? "others" : "");
    poll_now(b);
}

void sw_tg_bot_stop(sw_tg_bot *b)
{
    b->stopped = 1;
    if (b->timer_inited)
        uv_timer_stop(&b->timer);
    if (b->polling) {
        sw_curl_cancel(b->curl, b->poll_req.easy);
        sw_chan_req_free(&b->poll_req);
        b->polling = 0;
    }
}

static void on_timer_closed(uv_handle_t *h)
{
    sw_tg_bot *b = h->data;
    if (b->closed)
        b->closed(b);
}

void sw_tg_bot_close(sw_tg_bot *b, void (*closed)(sw_tg_bot *b))
{
    if (b->closing)
        return;
    sw_tg_bot_stop(b);
    b->closing = 1;
    b->closed = closed;
    if (b->sending) {
        sw_curl_cancel(b->curl, b->send_req.easy);
        b->sending = 0;
    }
    sw_chan_req_free(&b->send_req);
    while (b->replies) {
        sw_tg_reply *r = b->replies;
        b->replies = r->next;
        free(r->text);
        free(r);
    }
    b->replies_tail = NULL;
    b->n_replies = 0;
    if (b->timer_inited)
        uv_close((uv_handle_t *)&b->timer, on_timer_closed);
    else if (closed)
        closed(b);
}

void sw_tg_bot_free(sw_tg_bot *b)
{
    sw_dbuf_free(&b->body);
}
