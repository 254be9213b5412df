/*
 * cjson_loop.c -- the yardstick of bench/hot-bench: a stock cJSON parse-only
 * loop over a recording of provider trade messages.
 *
 *   cjson_loop [--format finnhub|binance] FILE
 *
 * Reads FILE (NDJSON, one message per line) into memory first, untimed, so
 * the loop measures JSON work only and no I/O (shockd's replay figure
 * includes reading the file: the comparison favours this loop).  Then, per
 * line: cJSON_Parse, cJSON_GetObjectItemCaseSensitive for the fields a trade
 * needs, cJSON_Delete -- cJSON as installed, default allocator, no hooks:
 *   finnhub  "data", then "s", "p", "t", "v" of every trade in it;
 *   binance  "data", then "s", "p", "q", "T" of the trade object (prices are
 *            strings; converting them is not parsing and is left out, which
 *            again favours this loop).
 * Prints one line to stdout, with the wall time of the loop and its CPU time
 * (the figure to trust on a loaded machine):
 *
 *   cjson_loop: 1000000 messages, 1000000 trades, 0 failed, 0.667 s, cpu 0.660 s,
 *   1.50 M messages/s, 1.50 M trades/s
 *
 * Exit status 0, 1 on I/O error or if a line fails to parse, 2 on usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile double sink; /* keeps the field lookups from being optimised away */

static double now_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int touch(const cJSON *o, const char *const keys[4])
{
    int found = 0;
    for (int k = 0; k < 4; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[k]);
        if (v) {
            found++;
            sink += v->valuedouble + (v->valuestring ? (double)v->valuestring[0] : 0);
        }
    }
    return found;
}

int main(int argc, char **argv)
{
    static const char *const finnhub_keys[4] = { "s", "p", "t", "v" };
    static const char *const binance_keys[4] = { "s", "p", "q", "T" };
    int binance = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "binance") == 0)
                binance = 1;
            else if (strcmp(f, "finnhub") != 0) {
                fprintf(stderr, "cjson_loop: --format: \"%s\" is not finnhub or binance\n", f);
                return 2;
            }
        } else if (!path && argv[i][0] != '-') {
            path = argv[i];
        } else {
            fprintf(stderr, "usage: cjson_loop [--format finnhub|binance] FILE\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: cjson_loop [--format finnhub|binance] FILE\n");
        return 2;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cjson_loop: %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            fprintf(stderr, "cjson_loop: out of memory\n");
            return 1;
        }
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
    }
    if (ferror(f)) {
        fprintf(stderr, "cjson_loop: %s: read error\n", path);
        return 1;
    }
    fclose(f);
    buf[len] = '\0';
    /* One C string per line, as cJSON_Parse wants them. */
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\n')
            buf[i] = '\0';

    unsigned long messages = 0, trades = 0, failed = 0;
    double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    for (char *line = buf; line < buf + len; line += strlen(line) + 1) {
        if (!*line)
            continue;
        cJSON *root = cJSON_Parse(line);
        if (!root) {
            failed++;
            continue;
        }
        messages++;
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
        if (binance) {
            trades += touch(data, binance_keys) == 4;
        } else {
            for (const cJSON *t = data ? data->child : NULL; t; t = t->next)
                trades += touch(t, finnhub_keys) == 4;
        }
        cJSON_Delete(root);
    }
    double secs = now_s(CLOCK_MONOTONIC) - t0, cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("cjson_loop: %lu messages, %lu trades, %lu failed, %.3f s, cpu %.3f s, %.2f M messages/s, "
           "%.2f M trades/s\n",
           messages, trades, failed, secs, cpu, secs > 0 ? (double)messages / secs / 1e6 : 0,
           secs > 0 ? (double)trades / secs / 1e6 : 0);
    free(buf);
    return failed ? 1 : 0;
}
