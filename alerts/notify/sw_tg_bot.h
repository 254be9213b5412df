/*
 * sw_tg_bot.h -- silences from a Telegram chat: a bot that takes
 *   /silence SYMBOL|GROUP [matcher=value ...] DURATION [comment]
 *   /silences
 *   /expire ID
 *   /help
 * from the chats of the telegram channels that have "commands": true, and
 * answers each in the chat that sent it.
 *
 * Updates come by long polling (Bot API getUpdates: offset, timeout,
 * allowed_updates ["message"]) through libcurl's multi interface on the
 * loop (sw_curl.h), so the loop never waits for Telegram.  One request is
 * out at a time; after each answer the next asks for offset = the highest
 * update_id seen + 1, which confirms everything before it to Telegram.  A
 * failed poll waits (1 s doubling to 60 s; 30 s after a 409 Conflict, which
 * means another client polls the same bot; 5 min after the token is
 * refused) and says so once until a poll works again.
 *
 * Who may command: only the chats named by chat_id of a command-enabled
 * telegram channel of this bot (a numeric id, or @name for a public chat);
 * membership of that chat is the access control.  A command from any other
 * chat is refused -- not executed and not answered (an answer would tell a
 * stranger the bot acts on commands) -- and logged with the chat, the
 * sender and the text, escaped.  A command older than SW_TG_MAX_AGE_S
 * (sent while shock-notify was down) is answered, not executed: a silence
 * "for 1h" typed hours ago is not what anyone means now.  While Redis is
 * not connected the bot does not poll: a command read then could only be
 * answered "try again", and Telegram would not offer it again.
 *
 * What a silence from a chat holds back: by default only that channel's
 * alerts (the person silenced what they see); "channel=NAME" names another
 * channel, "channel=*" every channel.  Its author is the sender
 * ("@username (telegram)", else the first name and id).
 *
 * The updates are untrusted input (a hostile or broken API server): the
 * answer is read into a bounded buffer (SW_TG_BODY_MAX), parsed by cJSON,
 * and every field used is checked for type and size (sw_tg_parse_updates,
 * fuzzed by fuzz_tg_updates); text goes to the log escaped (sw_esc_line)
 * and into answers escaped for Telegram (sw_esc_telegram, no parse_mode).
 * The token is in every request's URL: curl's messages are redacted with
 * the channel's secrets before they are logged (sw_chan_redact).
 */
#ifndef SW_TG_BOT_H
#define SW_TG_BOT_H

#include "sw_chan.h"
#include "sw_curl.h"
#include "sw_dbuf.h"
#include "sw_engine.h"
#include "sw_redis.h"
#include "sw_silence.h"
#include "sw_silence_watch.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SW_TG_BODY_MAX (1u << 20)       /* bytes of one getUpdates answer */
#define SW_TG_LIMIT 20                  /* updates asked for at once */
#define SW_TG_TEXT_MAX 1024             /* bytes of a command kept (longer: refused) */
#define SW_TG_MAX_AGE_S 300             /* older commands are not executed */
#define SW_TG_REPLIES_MAX 32            /* answers waiting to be sent */
#define SW_TG_CHATS_MAX 32

/* ---- parsing (pure) -------------------------------------------------------------- */

typedef struct sw_tg_update {
    int64_t update_id;
    int has_text;                       /* a message with text: a possible command */
    int64_t chat_id;
    char chat_username[40];             /* public chats: without '@'; "" otherwise */
    int64_t from_id;
    char from_username[40], from_name[72];
    int64_t date;                       /* seconds since the epoch */
    int too_long;                       /* text over SW_TG_TEXT_MAX: refused (text holds its start) */
    char text[SW_TG_TEXT_MAX + 1];
} sw_tg_update;

/* A getUpdates answer ({"ok": true, "result": [Update, ...]}): up to max
 * updates into out (*n), *last the highest update_id seen (of every update,
 * those without text included; unchanged when none).  Returns 0; -1 with
 * err when the answer is not one (ok false: its description, escaped). */
int sw_tg_parse_updates(const char *json, size_t len, sw_tg_update *out, size_t max, size_t *n, int64_t *last,
                        char *err, size_t errlen);

typedef enum sw_tg_kind {
    SW_TG_NONE = 0,                     /* not a command (ordinary text) */
    SW_TG_SILENCE,
    SW_TG_SILENCES,
    SW_TG_EXPIRE,
    SW_TG_HELP,
    SW_TG_BAD                           /* a command, wrong: err says why */
} sw_tg_kind;

typedef struct sw_tg_cmd {
    sw_tg_kind kind;
    sw_silence s;                       /* SILENCE: matchers and comment (no id, times, author) */
    int64_t duration_ms;
    char id[SW_SILENCE_ID_LEN + 1];     /* EXPIRE */
    char err[300];                      /* BAD */
} sw_tg_cmd;

/* Parse one message's text ("/silence@mybot NVDA 1h on it" too); what it
 * may name is checked against names, and a silence without channel= is for
 * own_channel. */
void sw_tg_parse_command(const char *text, const sw_silence_names *names, const char *own_channel, sw_tg_cmd *out);

/* The usage text /help answers. */
const char *sw_tg_help(void);

/* ---- the bot ----------------------------------------------------------------------- */

typedef struct sw_tg_reply sw_tg_reply;

typedef struct sw_tg_bot_stats {
    uint64_t polls, poll_failures, updates, commands, refused, too_old, replies, reply_failures;
} sw_tg_bot_stats;

typedef struct sw_tg_bot {
    uv_loop_t *loop;
    sw_curl *curl;
    sw_chan *ch;                        /* the first command channel of the token: secret, api_base, timeout */
    char chats[SW_TG_CHATS_MAX][72];    /* chat_ids that may command, as configured */
    const char *chat_channel[SW_TG_CHATS_MAX]; /* the channel each chat's silences default to */
    size_t n_chats;
    sw_silence_names names;
    sw_redis *redis;                    /* commands run over it (borrowed) */
    const char *stream;
    sw_silence_watch *watch;            /* refreshed after a change (borrowed) */
    sw_chan_req poll_req;               /* the getUpdates request */
    int polling;                        /* ... is out */
    sw_dbuf body;                       /* its answer, bounded */
    int64_t offset;                     /* next getUpdates offset; 0: none yet */
    unsigned failures;                  /* consecutive failed polls */
    int down;                           /* said that polling fails */
    int waiting;                        /* said that polling waits for Redis */
    uv_timer_t timer;                   /* the wait before the next poll */
    int timer_inited;
    sw_tg_reply *replies, *replies_tail;
    size_t n_replies;
    sw_chan_req send_req;               /* the answer being sent */
    int sending;
    int stopped, closing;
    void (*closed)(struct sw_tg_bot *b);
    void *owner;                        /* the owner's, for closed */
    sw_tg_bot_stats st;
} sw_tg_bot;

/* Set up the bot of channel `ch` (a telegram channel with commands on);
 * the chats of every command channel sharing its token are added with
 * sw_tg_bot_add_chat.  0 or -1 with err. */
int sw_tg_bot_init(sw_tg_bot *b, uv_loop_t *loop, sw_curl *curl, sw_chan *ch, const sw_silence_names *names,
                   sw_redis *redis, const char *stream, sw_silence_watch *watch, char *err, size_t errlen);
int sw_tg_bot_add_chat(sw_tg_bot *b, const char *chat_id, const char *channel);

/* Start polling; stop polling (shutting down: commands are no longer taken). */
void sw_tg_bot_start(sw_tg_bot *b);
void sw_tg_bot_stop(sw_tg_bot *b);

/* Cancel what runs, close the timer; closed(b) then. */
void sw_tg_bot_close(sw_tg_bot *b, void (*closed)(sw_tg_bot *b));
void sw_tg_bot_free(sw_tg_bot *b);

#endif
