/* sw_alert_file.c -- see sw_alert_file.h. */
#include "sw_alert_file.h"
#include "sw_alert_parse.h"
#include "sw_lines.h"
#include "sw_log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void refuse(sw_alert_file_stats *st, const char *path, unsigned long line, const char *why)
{
    st->bad++;
    if (st->bad == 1)
        snprintf(st->first_bad, sizeof st->first_bad, "%s:%lu: %s", path, line, why);
    if (st->bad <= SW_ALERT_FILE_REPORT_FIRST)
        sw_warn("%s:%lu: %s%s", path, line, why,
                st->bad == SW_ALERT_FILE_REPORT_FIRST ? " (further bad lines are only counted)" : "");
}

int sw_alert_file_read(const char *path, sw_alert_file_fn fn, void *ctx, sw_alert_file_stats *st, char *err,
                       size_t errlen)
{
    memset(st, 0, sizeof *st);
    sw_lines lines;
    if (sw_lines_open(&lines, path, SW_ALERT_JSON_MAX) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (;;) {
        char *line;
        size_t len;
        int r = sw_lines_next(&lines, &line, &len);
        if (r == SW_LINES_EOF)
            break;
        if (r == SW_LINES_ERROR) {
            snprintf(err, errlen, "%s:%lu: read error: %s", path, lines.lineno + 1, strerror(errno));
            rc = -1;
            break;
        }
        st->lines++;
        if (r == SW_LINES_TOO_LONG) {
            char why[64];
            snprintf(why, sizeof why, "line longer than %d bytes", SW_ALERT_JSON_MAX);
            refuse(st, path, lines.lineno, why);
            continue;
        }
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len)
            continue;
        sw_alert a;
        char why[256];
        if (sw_alert_parse(line, len, &a, why, sizeof why) != 0) {
            refuse(st, path, lines.lineno, why);
            continue;
        }
        st->alerts++;
        fn(ctx, &a);
    }
    sw_lines_close(&lines);
    return rc;
}
