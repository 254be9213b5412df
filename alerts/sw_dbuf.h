/*
 * sw_dbuf.h -- a growing buffer with a ceiling, for text we build from input
 * we do not control (messages for Slack, Discord, Telegram, mail, escaped
 * log text).
 *
 * Like curl's dynbuf: the buffer doubles as it grows but never holds more
 * than `max` bytes; an append that would pass the ceiling, or an allocation
 * that fails, is an error that sticks -- every later append is refused too --
 * so a builder writes its whole text without checking each step and looks
 * once at the end (sw_dbuf_take returns NULL, sw_dbuf_error says why).  The
 * content is always NUL-terminated.  Nothing is ever written past the end:
 * the size of what goes in is never estimated in advance.
 */
#ifndef SW_DBUF_H
#define SW_DBUF_H

#include <stddef.h>

typedef enum sw_dbuf_err {
    SW_DBUF_OK = 0,
    SW_DBUF_NOMEM = 1,     /* malloc/realloc failed */
    SW_DBUF_TOOBIG = 2,    /* the text would pass max */
    SW_DBUF_FORMAT = 3     /* a builder's format it does not know (our bug) */
} sw_dbuf_err;

typedef struct sw_dbuf {
    char *p;               /* NULL until the first byte */
    size_t len, cap;
    size_t max;            /* most bytes held, the NUL not counted */
    sw_dbuf_err err;
} sw_dbuf;

#define SW_DBUF_INIT(max) { NULL, 0, 0, (max), SW_DBUF_OK }

void sw_dbuf_init(sw_dbuf *b, size_t max);

/* Append; 0, or -1 (and the error sticks). */
int sw_dbuf_add(sw_dbuf *b, const void *mem, size_t len);
int sw_dbuf_addstr(sw_dbuf *b, const char *s);
int sw_dbuf_addc(sw_dbuf *b, char c);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int sw_dbuf_printf(sw_dbuf *b, const char *fmt, ...);

/* The text so far ("" when empty), valid until the next append. */
const char *sw_dbuf_str(const sw_dbuf *b);
size_t sw_dbuf_len(const sw_dbuf *b);
sw_dbuf_err sw_dbuf_error(const sw_dbuf *b);
/* "out of memory", "longer than N bytes"-style words for an error. */
const char *sw_dbuf_strerror(sw_dbuf_err e);

/* The text as a malloc'd string the caller frees (an empty buffer gives
 * ""), or NULL after an error; the buffer is empty again either way. */
char *sw_dbuf_take(sw_dbuf *b);

/* Fail the text from outside: a builder whose own allocation failed, or
 * that met a format it does not know, stops the text as an append would.
 * The first error sticks. */
void sw_dbuf_fail(sw_dbuf *b, sw_dbuf_err e);

/* Empty it (memory kept; the error cleared). */
void sw_dbuf_reset(sw_dbuf *b);
void sw_dbuf_free(sw_dbuf *b);

#endif
