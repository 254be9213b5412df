/*
 * sw_logout.h -- how sw_log's lines reach stderr: format for the place they
 * go, suppression of repeats, and a last check for secrets.
 *
 * sw_log (sw_log.h) decides *whether* a message is printed (its level); this
 * module decides *how*.  A library user or a unit test that never calls
 * sw_logout_from_environment gets sw_log's original lines, unchanged:
 * "prog: level: message".  The programs (shockd, shock-feed, shock-notify)
 * call it once at start and get:
 *
 *  - under systemd, when stderr is the journal (the JOURNAL_STREAM variable
 *    names stderr's device:inode, checked with fstat -- a service whose
 *    stderr was redirected elsewhere does not count): each line starts with
 *    the syslog priority, "<3>error: ...", "<4>warning: ...", "<6>info: ...",
 *    "<7>debug: ...", so `journalctl -p warning` filters by level.  No
 *    timestamp and no program name: journald records both itself.
 *  - anywhere else: "2025-01-27T14:30:00.123Z prog: level: message", UTC
 *    with milliseconds, so lines from a terminal or a file can be ordered and
 *    matched against alert timestamps.
 *  - repeats suppressed: an identical error or warning (same level, same
 *    text) printed again within `window` (10 s) is only counted; when the
 *    window has passed, the next occurrence -- or sw_logout_tick from the
 *    daemon's once-a-second timer -- prints one line
 *    "<message> (repeated 512 times in the last 10 s)".  A Redis server that
 *    is down must not write a line per alert for hours.  Sixteen distinct
 *    messages are tracked at a time; info and debug lines are never held.
 *
 * Secrets: every line passes through a redaction step before it is written:
 * the user:password@ part of any URL in the line is replaced by three stars
 * (a Redis URL keeps scheme and host), then an optional filter the program installs
 * (shockd and shock-notify install sw_secret_redact_params, which hides
 * credential-like name=value pairs such as token=...).  Code must still never
 * format a secret into a message; this is the net under that rule.  Text
 * that leaves by another way than the log (a dead letter's reason) goes
 * through the same step: sw_logout_redact.
 *
 * One line per record: control characters in the message (a "\n<3>" in
 * text from the Redis stream or a provider would start a forged journal
 * record) are written as visible escapes (sw_esc_line, sw_escape.h), after
 * the redaction, so nothing a message holds can end its line.
 *
 * Single-threaded, like the daemon's loop.
 */
#ifndef SW_LOGOUT_H
#define SW_LOGOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum sw_logout_format {
    SW_LOGOUT_PLAIN = 0,    /* "prog: level: message" (the default) */
    SW_LOGOUT_ISO = 1,      /* "2025-01-27T14:30:00.123Z prog: level: message" */
    SW_LOGOUT_JOURNAL = 2   /* "<3>level: message" */
} sw_logout_format;

#define SW_LOGOUT_REPEAT_WINDOW_MS 10000
#define SW_LOGOUT_LINE_MAX 2048

/* Choose the format from the environment (JOURNAL_STREAM vs stderr) and turn
 * on repeat suppression with the default window.  Registers an atexit
 * handler that prints any repeat counts still held.  Returns the format. */
sw_logout_format sw_logout_from_environment(void);

/* True when JOURNAL_STREAM ("DEV:INODE") names the file open on fd. */
int sw_logout_is_journal(int fd, const char *journal_stream);

void sw_logout_set_format(sw_logout_format f);
sw_logout_format sw_logout_get_format(void);

/* Repeat suppression window in ms; 0 turns it off (the default). */
void sw_logout_set_repeat_window(uint64_t ms);

/* Where lines go; NULL: stderr (the default).  For tests. */
void sw_logout_set_stream(FILE *out);

/* Monotonic clock in ms used for the repeat windows; NULL: CLOCK_MONOTONIC.
 * For tests. */
void sw_logout_set_clock(uint64_t (*now_ms)(void));

/* Extra redaction applied to every line (after the URL userinfo step): write
 * the cleaned text of `in` to out (cap bytes, NUL-terminated) and return out.
 * sw_secret_redact_params has this signature.  NULL: none. */
typedef char *(*sw_logout_filter)(const char *in, char *out, size_t cap);
void sw_logout_set_filter(sw_logout_filter f);

/* Called just before each line is written: a program that keeps a status
 * line on the same terminal (sw_progress) erases it there, so the log line
 * starts at the left margin.  NULL: none. */
void sw_logout_set_before_line(void (*fn)(void *ctx), void *ctx);

/* Replace "scheme://user:password@" userinfo in text with "***".  Returns out. */
char *sw_logout_redact_userinfo(const char *in, char *out, size_t cap);

/* The redaction every log line gets (userinfo, then the installed filter),
 * for text that is stored elsewhere.  Returns out. */
char *sw_logout_redact(const char *in, char *out, size_t cap);

/* Write one line: called by sw_log with its level (0 error .. 3 debug), the
 * level's name and the formatted message. */
void sw_logout_write(const char *prog, int level, const char *level_name, const char *msg);

/* Print the repeat counts of windows that have ended (call about once a
 * second); sw_logout_flush prints all that are held, ended or not. */
void sw_logout_tick(void);
void sw_logout_flush(void);

#endif
