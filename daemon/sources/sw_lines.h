/*
 * sw_lines.h -- a buffered reader of newline-terminated lines with a hard
 * length limit, for every line-oriented input we do not trust (NDJSON
 * recordings, CSV files, spool files).
 *
 * A line longer than the limit is not an error that stops the reader: it is
 * skipped to its end and reported as SW_LINES_TOO_LONG with its line number, so
 * one bad line costs one line.  The line buffer starts small and doubles up
 * to the limit as longer lines arrive, so memory is one read buffer plus the
 * longest line seen (never more than the limit): a replay of many files, or a
 * fuzzer opening one per input, does not pay a megabyte per file up front.
 * A line that lies whole in the read buffer (nearly every line) is handed out
 * from there, not copied; the line buffer only assembles lines that span two
 * reads.  A final line without a newline is returned and flagged
 * (`last_unterminated`) so callers can tell a torn write from a complete line.
 */
#ifndef SW_LINES_H
#define SW_LINES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    SW_LINES_EOF = 0,
    SW_LINES_OK = 1,
    SW_LINES_TOO_LONG = 2,
    SW_LINES_ERROR = -1
};

typedef struct sw_lines {
    FILE *f;
    int owns;
    char *buf;            /* cap + 1 bytes: the current line */
    size_t cap;           /* grows to at most limit */
    size_t limit;
    char *rbuf;           /* read-ahead */
    size_t rlen, rpos;
    unsigned long lineno; /* of the line last returned */
    uint64_t nread;       /* bytes read from f so far (see sw_lines_offset) */
    int eof;
    int last_unterminated;
} sw_lines;

/* Open path ("-" for stdin).  Returns 0 or -1 with errno set. */
int sw_lines_open(sw_lines *r, const char *path, size_t limit);
/* Read from an already open stream (not closed by sw_lines_close). */
int sw_lines_from(sw_lines *r, FILE *f, size_t limit);
void sw_lines_close(sw_lines *r);

/* Bytes of the input consumed so far: the lines returned and their
 * newlines, not the read-ahead (progress of a long replay). */
uint64_t sw_lines_offset(const sw_lines *r);

/* Next line without its newline (and without a trailing '\r').  *line stays
 * valid until the next call; the line is NUL-terminated. */
int sw_lines_next(sw_lines *r, char **line, size_t *len);

#endif
