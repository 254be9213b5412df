/* sw_dbuf.c -- see sw_dbuf.h. */
#include "sw_dbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sw_dbuf_init(sw_dbuf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->err = SW_DBUF_OK;
}

/* Room for `more` bytes and the NUL, or the sticky error. */
static int reserve(sw_dbuf *b, size_t more)
{
    if (b->err)
        return -1;
    if (more > b->max - b->len) {
        b->err = SW_DBUF_TOOBIG;
        return -1;
    }
    size_t need = b->len + more + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    /* Never more than the ceiling allows: max bytes and the NUL. */
    if (b->max < (size_t)-1 && cap > b->max + 1)
        cap = b->max + 1;
    char *np = realloc(b->p, cap);
    if (!np) {
        b->err = SW_DBUF_NOMEM;
        return -1;
    }
    b->p = np;
    b->cap = cap;
    return 0;
}

int sw_dbuf_add(sw_dbuf *b, const void *mem, size_t len)
{
    if (reserve(b, len) != 0)
        return -1;
    if (len)
        memcpy(b->p + b->len, mem, len);
    b->len += len;
    b->p[b->len] = '\0';
    return 0;
}

int sw_dbuf_addstr(sw_dbuf *b, const char *s)
{
    return sw_dbuf_add(b, s, strlen(s));
}

int sw_dbuf_addc(sw_dbuf *b, char c)
{
    return sw_dbuf_add(b, &c, 1);
}

int sw_dbuf_printf(sw_dbuf *b, const char *fmt, ...)
{
    if (b->err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->err = SW_DBUF_NOMEM;
        return -1;
    }
    if (reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

const char *sw_dbuf_str(const sw_dbuf *b)
{
    return b->p ? b->p : "";
}

size_t sw_dbuf_len(const sw_dbuf *b)
{
    return b->len;
}

sw_dbuf_err sw_dbuf_error(const sw_dbuf *b)
{
    return b->err;
}

const char *sw_dbuf_strerror(sw_dbuf_err e)
{
    switch (e) {
    case SW_DBUF_OK:
        return "no error";
    case SW_DBUF_NOMEM:
        return "out of memory";
    case SW_DBUF_TOOBIG:
        return "over its size limit";
    case SW_DBUF_FORMAT:
        return "a format it does not know";
    }
    return "unknown error";
}

char *sw_dbuf_take(sw_dbuf *b)
{
    char *s = NULL;
    if (!b->err)
        s = b->p ? b->p : calloc(1, 1);
    else
        free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->err = SW_DBUF_OK;
    return s;
}

void sw_dbuf_fail(sw_dbuf *b, sw_dbuf_err e)
{
    if (!b->err)
        b->err = e;
}

void sw_dbuf_reset(sw_dbuf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
    b->err = SW_DBUF_OK;
}

void sw_dbuf_free(sw_dbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->err = SW_DBUF_OK;
}
