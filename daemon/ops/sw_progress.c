/* sw_progress.c -- see sw_progress.h. */
#include "sw_progress.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Append to buf at *pos, never past cap - 1; the text is cut, not lost in
 * an error, when the line is longer than the buffer. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void put(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
{
    if (*pos + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, cap - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos += (size_t)n < cap - *pos ? (size_t)n : cap - *pos - 1;
}

/* 512 B, 12.3 KiB, 412.3 MiB, 1.20 GiB */
static void put_bytes(char *buf, size_t cap, size_t *pos, uint64_t b)
{
    if (b < 1024)
        put(buf, cap, pos, "%u B", (unsigned)b);
    else if (b < 1024ull * 1024)
        put(buf, cap, pos, "%.1f KiB", (double)b / 1024);
    else if (b < 1024ull * 1024 * 1024)
        put(buf, cap, pos, "%.1f MiB", (double)b / (1024.0 * 1024));
    else
        put(buf, cap, pos, "%.2f GiB", (double)b / (1024.0 * 1024 * 1024));
}

/* 0:41, 12:03, 1:02:03 */
static void put_duration(char *buf, size_t cap, size_t *pos, uint64_t secs)
{
    if (secs >= 3600)
        put(buf, cap, pos, "%llu:%02u:%02u", (unsigned long long)(secs / 3600), (unsigned)(secs / 60 % 60),
            (unsigned)(secs % 60));
    else
        put(buf, cap, pos, "%u:%02u", (unsigned)(secs / 60), (unsigned)(secs % 60));
}

size_t sw_progress_format(const sw_progress_sample *s, char *buf, size_t cap)
{
    size_t pos = 0;
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    if (s->label && s->label[0])
        put(buf, cap, &pos, "%s ", s->label);
    put_duration(buf, cap, &pos, s->elapsed_ns / 1000000000u);
    put(buf, cap, &pos, " ");
    put_bytes(buf, cap, &pos, s->bytes_done);
    if (s->bytes_total) {
        uint64_t done = s->bytes_done < s->bytes_total ? s->bytes_done : s->bytes_total;
        put(buf, cap, &pos, "/");
        put_bytes(buf, cap, &pos, s->bytes_total);
        put(buf, cap, &pos, " %u%%", (unsigned)(done * 100 / s->bytes_total));
    }
    double r = s->ticks_per_s > 0 ? s->ticks_per_s : 0;
    if (r >= 1e6)
        put(buf, cap, &pos, " %.2fM ticks/s", r / 1e6);
    else if (r >= 1e3)
        put(buf, cap, &pos, " %.1fk ticks/s", r / 1e3);
    else
        put(buf, cap, &pos, " %.0f ticks/s", r);
    put(buf, cap, &pos, " %llu alert%s", (unsigned long long)s->alerts, s->alerts == 1 ? "" : "s");
    if (s->bytes_total) {
        put(buf, cap, &pos, " ETA ");
        if (s->bytes_done == 0 || s->elapsed_ns == 0) {
            put(buf, cap, &pos, "--:--");
        } else {
            uint64_t left = s->bytes_done < s->bytes_total ? s->bytes_total - s->bytes_done : 0;
            double eta = (double)s->elapsed_ns / 1e9 * (double)left / (double)s->bytes_done;
            put_duration(buf, cap, &pos, (uint64_t)(eta + 0.5));
        }
    }
    return pos;
}

/* Write all of it; a terminal that has gone away turns the line off. */
static void emit(sw_progress *p, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(p->fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            p->fd = -1;
            p->drawn = 0;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

int sw_progress_init(sw_progress *p, int fd, int wanted, const char *label, uint64_t bytes_total,
                     uint64_t now_ns)
{
    memset(p, 0, sizeof *p);
    p->fd = wanted && fd >= 0 && isatty(fd) ? fd : -1;
    p->label = label;
    p->bytes_total = bytes_total;
    p->start_ns = p->last_ns = now_ns;
    return p->fd >= 0;
}

int sw_progress_update(sw_progress *p, uint64_t now_ns, uint64_t bytes_done, uint64_t ticks, uint64_t alerts)
{
    if (p->fd < 0 || now_ns - p->last_ns < SW_PROGRESS_INTERVAL_NS)
        return 0;
    sw_progress_sample s = {
        .label = p->label,
        .elapsed_ns = now_ns - p->start_ns,
        .bytes_done = bytes_done,
        .bytes_total = p->bytes_total,
        .ticks_per_s = (double)(ticks - p->last_ticks) / ((double)(now_ns - p->last_ns) / 1e9),
        .alerts = alerts,
    };
    p->last_ns = now_ns;
    p->last_ticks = ticks;
    char line[SW_PROGRESS_LINE_MAX];
    size_t n = sw_progress_format(&s, line, sizeof line);
    /* Never wider than the terminal: a wrapped line cannot be redrawn with \r. */
    struct winsize ws;
    if (ioctl(p->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n > (size_t)ws.ws_col - 1)
        n = (size_t)ws.ws_col - 1;
    char out[SW_PROGRESS_LINE_MAX + 8];
    out[0] = '\r';
    memcpy(out + 1, line, n);
    memcpy(out + 1 + n, "\033[K", 3);
    emit(p, out, n + 4);
    if (p->fd >= 0)
        p->drawn = 1;
    return 1;
}

void sw_progress_clear(sw_progress *p)
{
    if (p->fd < 0 || !p->drawn)
        return;
    p->drawn = 0;
    emit(p, "\r\033[K", 4);
}
