/*
 * sw_alert_file.h -- a file of alerts, one schema-v1 JSON object per line
 * (NDJSON): what shockd's stdout sink prints with "format": "json", or the
 * `json` field of the Redis stream's entries exported, e.g.
 *   redis-cli --raw XRANGE shockwatch:alerts - + | grep '^{'
 * shock-report draws the alerts of such a file instead of replaying them.
 *
 * The file is untrusted: lines are read with sw_lines under a limit of
 * SW_ALERT_JSON_MAX bytes, each parsed and checked by sw_alert_parse.  A
 * blank line is skipped; a bad line (too long, not JSON, a field missing or
 * of the wrong type) is counted and reported as "FILE:LINE: why" (the first
 * SW_ALERT_FILE_REPORT_FIRST of them), and reading goes on: one bad line
 * costs that line.  Only a file that cannot be opened or read is an error.
 */
#ifndef SW_ALERT_FILE_H
#define SW_ALERT_FILE_H

#include "sw_alert.h"

#include <stddef.h>
#include <stdint.h>

#define SW_ALERT_FILE_REPORT_FIRST 10

typedef struct sw_alert_file_stats {
    uint64_t lines;          /* lines read, blank ones included */
    uint64_t alerts;         /* handed to the callback */
    uint64_t bad;            /* lines refused */
    char first_bad[320];     /* "FILE:LINE: why" of the first refused line, "" if none */
} sw_alert_file_stats;

typedef void (*sw_alert_file_fn)(void *ctx, const sw_alert *a);

/* Read every alert of path ("-": standard input) into fn, in file order.
 * Returns 0, or -1 with a sentence in err when the file cannot be opened or
 * read (the alerts before a read error have been handed over). */
int sw_alert_file_read(const char *path, sw_alert_file_fn fn, void *ctx, sw_alert_file_stats *st, char *err,
                       size_t errlen);

#endif
