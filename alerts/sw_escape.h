/*
 * sw_escape.h -- text we did not write, made inert for the place it lands.
 *
 * Alert text comes from the Redis stream, which anyone with access to that
 * Redis can write (docs/security.md); provider messages come from the
 * network.  Where such text is shown, the target's own syntax must not be
 * reachable through it: a mention that pings a channel, a link whose text
 * hides its target, a line break that starts a forged journal record.  One
 * function per target, each appending to a bounded sw_dbuf:
 *
 *  - sw_esc_line: one line of plain text for logs, the console, mail
 *    headers and error excerpts.  C0 controls, DEL and the C1 controls
 *    become visible escapes (\n, \r, \t, \xNN, \u0085), as do bytes that
 *    are not UTF-8; nothing else changes, so a JSON document stays readable.
 *    A backslash is not doubled: "\n" in a log line may be either.
 *  - sw_esc_slack: Slack mrkdwn and plain text.  Slack's formatting reference
 *    ("Escaping text", https://api.slack.com/reference/surfaces/formatting):
 *    &, < and > are its control characters and must be sent as &amp;, &lt;
 *    and &gt; -- every mention (<!channel>, <@U024BE7LH>, <!subteam^ID>) and
 *    every link (<https://x|text>) needs < and >, so none can form.  *bold*,
 *    _italic_, ~strike~ and `code` stay (Slack has no escape for them; they
 *    change looks, not meaning).  A bare "@channel" is not a mention for an
 *    incoming webhook unless link_names is set, which we never do.
 *  - sw_esc_discord: Discord markdown (message content of a webhook, where
 *    masked links [text](url) are honoured).  Every ASCII punctuation
 *    character gets a backslash: Discord's markdown removes a backslash before
 *    any character that is not a letter, digit or space and shows the
 *    character literally, so links, mentions (@everyone, <@id>, <#id>),
 *    emphasis, headings, lists, code and spoilers cannot start.  The webhook
 *    payload also turns mention parsing off (allowed_mentions.parse = [],
 *    https://discord.com/developers/docs/resources/message#allowed-mentions-object).
 *  - sw_esc_telegram: Telegram plain text.  We send sendMessage without
 *    parse_mode (https://core.telegram.org/bots/api#sendmessage), so no
 *    markup is parsed at all and tg://user links cannot exist (they work only
 *    inside inline links, which need a parse mode: "Formatting options").
 *    What the server still detects on its own are entities such as
 *    "mention" (@username) and "email" (https://core.telegram.org/bots/api
 *    #messageentity): a WORD JOINER (U+2060) after every '@' keeps a name
 *    from being read as a mention, and shows nothing.
 *  - sw_esc_html: HTML and SVG text and attribute values, quoted with ' or
 *    " (& < > " ' become entities) -- the e-mail's HTML part, the reports,
 *    the dashboard's charts.  One rule for every page and picture we write,
 *    the chat targets' rule below: a control character (tab and line breaks
 *    included) is a space, since in HTML text it is white space or nothing
 *    and a space shows where it was; what cannot be read (bytes that are not
 *    UTF-8) or must not be (bidi overrides) is U+FFFD, a visible mark.  For
 *    SVG, which browsers parse as XML, U+FFFE and U+FFFF become U+FFFD too:
 *    XML 1.0's Char excludes them, and one would make the whole picture
 *    fail to load (so would a C0 control, which is already a space).
 *
 * Every chat target also replaces control characters by a space, bytes that
 * are not UTF-8 by U+FFFD (so the JSON we send stays valid UTF-8) and the
 * bidirectional overrides (U+202A..U+202E, U+2066..U+2069) by U+FFFD (they
 * can make text read differently from what it is).
 */
#ifndef SW_ESCAPE_H
#define SW_ESCAPE_H

#include "sw_dbuf.h"

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at s (1..4, at most n bytes):
 * no overlong forms, no surrogates, nothing above U+10FFFF; 0 if there is
 * none.  A NUL byte counts as one. */
size_t sw_utf8_seq(const char *s, size_t n);
int sw_utf8_valid(const char *s, size_t n);

typedef void (*sw_esc_fn)(sw_dbuf *b, const char *s);

void sw_esc_line(sw_dbuf *b, const char *s, size_t len);
void sw_esc_slack(sw_dbuf *b, const char *s);
void sw_esc_discord(sw_dbuf *b, const char *s);
void sw_esc_telegram(sw_dbuf *b, const char *s);
void sw_esc_html(sw_dbuf *b, const char *s);
/* NUL-terminated s through sw_esc_line (for an sw_esc_fn). */
void sw_esc_plain(sw_dbuf *b, const char *s);

/* sw_esc_line into a fixed buffer: cut (on a character boundary) to fit,
 * always NUL-terminated.  Returns out. */
char *sw_esc_line_buf(const char *in, char *out, size_t cap);

#endif
