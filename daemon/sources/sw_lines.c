/* sw_lines.c -- see sw_lines.h. */
#include "sw_lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK (64 * 1024)
#define FIRST_CAP 4096

static int setup(sw_lines *r, size_t limit)
{
    r->limit = limit;
    r->cap = limit < FIRST_CAP ? limit : FIRST_CAP;
    r->buf = malloc(r->cap + 1);
    r->rbuf = malloc(READ_CHUNK);
    if (!r->buf || !r->rbuf) {
        free(r->buf);
        free(r->rbuf);
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int sw_lines_open(sw_lines *r, const char *path, size_t limit)
{
    memset(r, 0, sizeof *r);
    if (strcmp(path, "-") == 0) {
        r->f = stdin;
    } else {
        r->f = fopen(path, "rb");
        if (!r->f)
            return -1;
        r->owns = 1;
    }
    if (setup(r, limit) != 0) {
        if (r->owns)
            fclose(r->f);
        return -1;
    }
    return 0;
}

int sw_lines_from(sw_lines *r, FILE *f, size_t limit)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    return setup(r, limit);
}

void sw_lines_close(sw_lines *r)
{
    if (r->owns && r->f)
        fclose(r->f);
    free(r->buf);
    free(r->rbuf);
    memset(r, 0, sizeof *r);
}

uint64_t sw_lines_offset(const sw_lines *r)
{
    return r->nread - (r->rlen - r->rpos);
}

/* Make room for need bytes (need <= limit) plus the terminating NUL. */
static int grow(sw_lines *r, size_t need)
{
    if (need <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : FIRST_CAP;
    while (cap < need)
        cap = cap > r->limit / 2 ? r->limit : cap * 2;
    char *nb = realloc(r->buf, cap + 1);
    if (!nb) {
        errno = ENOMEM;
        return -1;
    }
    r->buf = nb;
    r->cap = cap;
    return 0;
}

int sw_lines_next(sw_lines *r, char **line, size_t *len)
{
    size_t n = 0;
    int too_long = 0;
    int got_any = 0;
    for (;;) {
        if (r->rpos == r->rlen) {
            if (r->eof)
                break;
            r->rlen = fread(r->rbuf, 1, READ_CHUNK, r->f);
            r->rpos = 0;
            r->nread += r->rlen;
            if (r->rlen == 0) {
                if (ferror(r->f))
                    return SW_LINES_ERROR;
                r->eof = 1;
                break;
            }
        }
        got_any = 1;
        char *start = r->rbuf + r->rpos;
        size_t avail = r->rlen - r->rpos;
        char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        if (nl && n == 0 && take <= r->limit) {
            /* The whole line is in the read buffer (nearly always): hand it
             * out from there, NUL where its newline was, without a copy. */
            r->rpos += take + 1;
            r->lineno++;
            r->last_unterminated = 0;
            if (take > 0 && start[take - 1] == '\r')
                take--;
            start[take] = '\0';
            *line = start;
            *len = take;
            return SW_LINES_OK;
        }
        if (!too_long) {
            if (n + take > r->limit)
                too_long = 1;
            else if (grow(r, n + take) != 0)
                return SW_LINES_ERROR;
            else
                memcpy(r->buf + n, start, take);
        }
        n += take;
        r->rpos += take;
        if (nl) {
            r->rpos++; /* the newline */
            r->lineno++;
            r->last_unterminated = 0;
            goto done;
        }
    }
    if (!got_any || (n == 0 && !too_long))
        return SW_LINES_EOF;
    r->lineno++;
    r->last_unterminated = 1;
done:
    if (too_long)
        return SW_LINES_TOO_LONG;
    if (n > 0 && r->buf[n - 1] == '\r')
        n--;
    r->buf[n] = '\0';
    *line = r->buf;
    *len = n;
    return SW_LINES_OK;
}
