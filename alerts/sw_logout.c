/* sw_logout.c -- see sw_logout.h. */
#include "sw_logout.h"
#include "sw_escape.h"
#include "sw_symtab.h" /* sw_hash_str */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 16

/* One message being watched for repeats. */
typedef struct slot {
    int used;
    int level;
    uint64_t hash;
    uint64_t start_ms;      /* when it was last printed */
    uint64_t repeats;       /* identical lines held back since */
    char prog[64];
    char level_name[16];
    char text[SW_LOGOUT_LINE_MAX];
} slot;

static sw_logout_format format = SW_LOGOUT_PLAIN;
static uint64_t window_ms;
static FILE *stream;
static uint64_t (*clock_fn)(void);
static sw_logout_filter filter;
static void (*before_line)(void *ctx);
static void *before_line_ctx;
static slot slots[SLOTS];
static int atexit_done;

static uint64_t mono_ms(void)
{
    if (clock_fn)
        return clock_fn();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int sw_logout_is_journal(int fd, const char *js)
{
    if (!js || !*js)
        return 0;
    char *end;
    unsigned long long dev = strtoull(js, &end, 10);
    if (end == js || *end != ':')
        return 0;
    const char *p = end + 1;
    unsigned long long ino = strtoull(p, &end, 10);
    if (end == p || *end)
        return 0;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static void flush_at_exit(void)
{
    sw_logout_flush();
}

sw_logout_format sw_logout_from_environment(void)
{
    format = sw_logout_is_journal(STDERR_FILENO, getenv("JOURNAL_STREAM")) ? SW_LOGOUT_JOURNAL : SW_LOGOUT_ISO;
    window_ms = SW_LOGOUT_REPEAT_WINDOW_MS;
    if (!atexit_done && atexit(flush_at_exit) == 0)
        atexit_done = 1;
    return format;
}

void sw_logout_set_format(sw_logout_format f)
{
    format = f;
}

sw_logout_format sw_logout_get_format(void)
{
    return format;
}

void sw_logout_set_repeat_window(uint64_t ms)
{
    if (ms == 0)
        sw_logout_flush();
    window_ms = ms;
}

void sw_logout_set_stream(FILE *out)
{
    stream = out;
}

void sw_logout_set_clock(uint64_t (*now_ms)(void))
{
    clock_fn = now_ms;
}

void sw_logout_set_filter(sw_logout_filter f)
{
    filter = f;
}

void sw_logout_set_before_line(void (*fn)(void *ctx), void *ctx)
{
    before_line = fn;
    before_line_ctx = ctx;
}

char *sw_logout_redact_userinfo(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return out;
    const char *p = in;
    while (*p && o + 1 < cap) {
        const char *sep = strstr(p, "://");
        if (!sep) {
            size_t n = strlen(p);
            if (n > cap - 1 - o)
                n = cap - 1 - o;
            memcpy(out + o, p, n);
            o += n;
            break;
        }
        /* Copy through "://", then look for '@' before the end of the
         * authority (a '/', '?', '#' or white space ends it). */
        size_t n = (size_t)(sep - p) + 3;
        if (n > cap - 1 - o)
            n = cap - 1 - o;
        memcpy(out + o, p, n);
        o += n;
        p = sep + 3;
        size_t alen = strcspn(p, "/?# \t\"'<>");
        const char *at = memchr(p, '@', alen);
        if (at) {
            /* Hide everything before the last '@': user, password or both. */
            const char *last = at;
            for (const char *q = at + 1; q < p + alen; q++)
                if (*q == '@')
                    last = q;
            for (const char *s = "***"; *s && o + 1 < cap; s++)
                out[o++] = *s;
            p = last;
        }
    }
    out[o] = '\0';
    return out;
}

static void put_line(const char *prog, int level, const char *level_name, const char *text)
{
    FILE *out = stream ? stream : stderr;
    if (before_line)
        before_line(before_line_ctx);
    /* One fprintf per line so concurrent writers to the same stderr (a test
     * harness capturing several programs) never interleave within a line. */
    switch (format) {
    case SW_LOGOUT_JOURNAL: {
        /* syslog priorities: err 3, warning 4, info 6, debug 7 */
        static const int prio[4] = { 3, 4, 6, 7 };
        fprintf(out, "<%d>%s: %s\n", prio[level < 0 ? 0 : level > 3 ? 3 : level], level_name, text);
        break;
    }
    case SW_LOGOUT_ISO: {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char when[40];
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(out, "%s.%03ldZ %s: %s: %s\n", when, ts.tv_nsec / 1000000L, prog, level_name, text);
        break;
    }
    default:
        fprintf(out, "%s: %s: %s\n", prog, level_name, text);
        break;
    }
}

static void report_repeats(slot *s, uint64_t now)
{
    if (s->repeats) {
        char line[SW_LOGOUT_LINE_MAX + 96];
        snprintf(line, sizeof line, "%s (repeated %" PRIu64 " more times in %" PRIu64 " s)", s->text, s->repeats,
                 (now - s->start_ms + 500) / 1000);
        put_line(s->prog, s->level, s->level_name, line);
    }
    s->used = 0;
    s->repeats = 0;
}

static void expire(uint64_t now, int all)
{
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].used && (all || now - slots[i].start_ms >= window_ms))
            report_repeats(&slots[i], now);
}

void sw_logout_tick(void)
{
    if (window_ms)
        expire(mono_ms(), 0);
}

void sw_logout_flush(void)
{
    expire(mono_ms(), 1);
}

/* Held back as a repeat?  Otherwise remembers the line for later repeats. */
static int held(const char *prog, int level, const char *level_name, const char *text)
{
    uint64_t now = mono_ms();
    expire(now, 0);
    uint64_t h = sw_hash_str(text) ^ (uint64_t)level;
    slot *victim = NULL;
    for (int i = 0; i < SLOTS; i++) {
        slot *s = &slots[i];
        if (!s->used) {
            if (!victim || victim->used)
                victim = s;
            continue;
        }
        if (s->hash == h && s->level == level && strcmp(s->text, text) == 0) {
            s->repeats++;
            return 1;
        }
        if (!victim || (victim->used && s->start_ms < victim->start_ms))
            victim = s;
    }
    /* Sixteen distinct messages in one window: the oldest one's count is
     * reported now rather than lost. */
    if (victim->used)
        report_repeats(victim, now);
    victim->used = 1;
    victim->level = level;
    victim->hash = h;
    victim->start_ms = now;
    victim->repeats = 0;
    snprintf(victim->prog, sizeof victim->prog, "%s", prog);
    snprintf(victim->level_name, sizeof victim->level_name, "%s", level_name);
    snprintf(victim->text, sizeof victim->text, "%s", text);
    return 0;
}

char *sw_logout_redact(const char *in, char *out, size_t cap)
{
    char clean[SW_LOGOUT_LINE_MAX];
    sw_logout_redact_userinfo(in, clean, sizeof clean);
    if (filter)
        return filter(clean, out, cap);
    snprintf(out, cap, "%s", clean);
    return out;
}

void sw_logout_write(const char *prog, int level, const char *level_name, const char *msg)
{
    char clean[SW_LOGOUT_LINE_MAX], text[SW_LOGOUT_LINE_MAX];
    sw_logout_redact(msg, clean, sizeof clean);
    /* One record per line, whatever the message holds. */
    sw_esc_line_buf(clean, text, sizeof text);
    /* Only errors and warnings repeat in storms (a peer that is down);
     * info and debug lines are few or asked for. */
    if (window_ms && level <= 1 && held(prog, level, level_name, text))
        return;
    put_line(prog, level, level_name, text);
}
