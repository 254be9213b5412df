/*
 * sw_notify_format.h -- what a person reads: one alert, or a digest of a
 * group's alerts, rendered for each channel (mail subject and plain-text
 * body, Slack Block Kit, Discord, Telegram, a console line).
 *
 * A message is an array of alerts: one alert, or several of one group that
 * arrived within the digest window (then `group` names it).  Everything here
 * is pure and bounded: every string is cut to the service's own limit (Slack
 * header 150 characters, section 3000, Discord 2000, Telegram 4096), alert
 * text is escaped for the target format, and the mail subject is plain
 * ASCII.  Times are shown in New York (EST/EDT) and UTC.
 */
#ifndef SW_NOTIFY_FORMAT_H
#define SW_NOTIFY_FORMAT_H

#include "sw_alert.h"

#include <stddef.h>

/* "[CRITICAL] NVDA -16.97% vs prev close"; a digest:
 * "[CRITICAL] ai: 9 alerts - NVDA -16.97%, AVGO -17.40%, ...".  Printable
 * ASCII only (a mail header). */
void sw_nf_subject(const sw_alert *const *al, size_t n, const char *group, char *buf, size_t len);

/* One line: the alert's message; a digest's lead (the group's breadth alert
 * if there is one, else "ai: 9 alerts (7 critical, 2 warning)") followed by
 * the biggest movers ("NVDA -16.97%, AVGO -17.40%, ...").  ascii: "-" and
 * "..." instead of the em dash and the ellipsis. */
void sw_nf_summary(const sw_alert *const *al, size_t n, const char *group, int ascii, char *buf, size_t len);

/* "2025-01-27 09:30:00.000 EST" */
char *sw_nf_time_ny(int64_t ts_ns, char *buf, size_t len);

/* Plain text with every field of every alert (mail body; lines end in \n,
 * the mail channel converts them).  malloc'd; NULL when out of memory. */
char *sw_nf_text(const sw_alert *const *al, size_t n, const char *group);

/* Slack incoming-webhook payload: fallback text, an attachment coloured by
 * severity holding the blocks (header, fields, context with the ids). */
char *sw_nf_slack(const sw_alert *const *al, size_t n, const char *group);

/* Discord webhook payload {"content": ..., "allowed_mentions": {"parse": []}}. */
char *sw_nf_discord(const sw_alert *const *al, size_t n, const char *group);

/* Telegram sendMessage payload {"chat_id": ..., "text": ...}. */
char *sw_nf_telegram(const char *chat_id, const sw_alert *const *al, size_t n, const char *group);

/* The text of a Telegram message (what sw_nf_telegram sends as "text"),
 * malloc'd: a photo's caption when it is short enough. */
char *sw_nf_telegram_text(const sw_alert *const *al, size_t n, const char *group);

/* Characters of UTF-8 text as Telegram counts them for its limits (UTF-16
 * code units). */
size_t sw_nf_chars(const char *s);

/* A Slack payload (sw_nf_slack's) with one more section: a link to url
 * labelled text.  malloc'd; NULL when payload is not one. */
char *sw_nf_slack_link(const char *payload, const char *url, const char *text);

/* Console: one line per alert (sw_alert_to_text), a digest under a
 * "DIGEST ..." line.  malloc'd, ends with a newline. */
char *sw_nf_console(const sw_alert *const *al, size_t n, const char *group);

#endif
