/* sw_csv.c -- see sw_csv.h. */
#include "sw_csv.h"
#include "sw_time.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct fields {
    char *f[SW_CSV_MAX_COLS];
    int n;
} fields;

/* Split a line in place.  Handles "quoted, fields" with "" escapes; returns
 * the number of fields or -1 for too many. */
static int split_line(char *line, fields *out)
{
    out->n = 0;
    char *p = line;
    for (;;) {
        if (out->n >= SW_CSV_MAX_COLS)
            return -1;
        while (*p == ' ')
            p++;
        if (*p == '"') {
            char *w = ++p;
            out->f[out->n++] = w;
            for (;;) {
                if (*p == '\0')
                    break;
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            char *comma = strchr(p, ',');
            *w = '\0';
            if (!comma)
                return out->n;
            p = comma + 1;
        } else {
            out->f[out->n++] = p;
            char *comma = strchr(p, ',');
            if (!comma) {
                char *e = p + strlen(p);
                while (e > p && e[-1] == ' ')
                    *--e = '\0';
                return out->n;
            }
            *comma = '\0';
            char *e = comma;
            while (e > p && e[-1] == ' ')
                *--e = '\0';
            p = comma + 1;
        }
    }
}

static int match(const char *name, const char *const *alts)
{
    for (; *alts; alts++)
        if (strcasecmp(name, *alts) == 0)
            return 1;
    return 0;
}

static const char *const ts_names[] = { "date", "datetime", "timestamp", "time", NULL };
static const char *const open_names[] = { "open", NULL };
static const char *const high_names[] = { "high", NULL };
static const char *const low_names[] = { "low", NULL };
static const char *const close_names[] = { "close", NULL };
static const char *const volume_names[] = { "volume", NULL };
static const char *const symbol_names[] = { "symbol", "ticker", NULL };
static const char *const factor_names[] = { "splitfactor", "split_factor", NULL };
static const char *const splits_names[] = { "stock splits", "stock_splits", "splits", "split", NULL };

static int parse_header(sw_csv *c, char *line, char *err, size_t errlen)
{
    fields fl;
    if (split_line(line, &fl) < 0) {
        snprintf(err, errlen, "%s:1: header has more than %d columns", c->path, SW_CSV_MAX_COLS);
        return -1;
    }
    c->col_ts = c->col_open = c->col_high = c->col_low = c->col_close = -1;
    c->col_volume = c->col_symbol = c->col_split = -1;
    for (int i = 0; i < fl.n; i++) {
        const char *h = fl.f[i];
        /* A UTF-8 byte order mark before the first name is common in exports. */
        if (i == 0 && (unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB &&
            (unsigned char)h[2] == 0xBF)
            h += 3;
        int *slot = NULL;
        if (match(h, ts_names)) slot = &c->col_ts;
        else if (match(h, open_names)) slot = &c->col_open;
        else if (match(h, high_names)) slot = &c->col_high;
        else if (match(h, low_names)) slot = &c->col_low;
        else if (match(h, close_names)) slot = &c->col_close;
        else if (match(h, volume_names)) slot = &c->col_volume;
        else if (match(h, symbol_names)) slot = &c->col_symbol;
        else if (match(h, factor_names)) { slot = &c->col_split; c->split_is_factor = 1; }
        else if (match(h, splits_names)) { slot = &c->col_split; c->split_is_factor = 0; }
        if (slot && *slot < 0)
            *slot = i; /* the first of duplicate names wins */
    }
    const char *missing = c->col_ts < 0 ? "Date, Datetime or timestamp"
                        : c->col_open < 0 ? "Open"
                        : c->col_high < 0 ? "High"
                        : c->col_low < 0 ? "Low"
                        : c->col_close < 0 ? "Close" : NULL;
    if (missing) {
        snprintf(err, errlen, "%s:1: header has no %s column (expected Date|Datetime|timestamp, "
                 "Open, High, Low, Close, optional Volume, Symbol, splitfactor)", c->path, missing);
        return -1;
    }
    return 0;
}

static void symbol_from_path(sw_csv *c)
{
    const char *base = strrchr(c->path, '/');
    base = base ? base + 1 : c->path;
    size_t n = strcspn(base, "_.");
    if (n >= SW_SYMBOL_MAX)
        n = SW_SYMBOL_MAX - 1;
    for (size_t i = 0; i < n; i++)
        c->file_symbol[i] = (char)toupper((unsigned char)base[i]);
    c->file_symbol[n] = '\0';
}

static int parse_num(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* The bar length: the smallest positive spacing among the first rows. */
static void infer_bar_length(sw_csv *c)
{
    c->bar_ns = 60 * SW_NS_PER_SEC;
    sw_lines r;
    if (sw_lines_open(&r, c->path, SW_CSV_MAX_LINE) != 0)
        return;
    char *line;
    size_t len;
    int64_t prev = INT64_MIN, best = INT64_MAX;
    int rows = 0, rc;
    while (rows < 200 && (rc = sw_lines_next(&r, &line, &len)) != SW_LINES_EOF && rc != SW_LINES_ERROR) {
        if (rc != SW_LINES_OK || r.lineno == 1)
            continue;
        fields fl;
        if (split_line(line, &fl) <= c->col_ts)
            continue;
        int64_t ts;
        int flags;
        if (sw_parse_timestamp(fl.f[c->col_ts], strlen(fl.f[c->col_ts]), &ts, &flags) != 0)
            continue;
        /* ts > prev, so the difference is exact in uint64_t; as int64_t it
         * overflows for far-apart garbage (1941 then 2245; found by fuzz_csv). */
        if (prev != INT64_MIN && ts > prev && (uint64_t)ts - (uint64_t)prev < (uint64_t)best)
            best = (int64_t)((uint64_t)ts - (uint64_t)prev);
        prev = ts;
        rows++;
    }
    sw_lines_close(&r);
    if (best != INT64_MAX && best < SW_NS_PER_DAY)
        c->bar_ns = best;
}

int sw_csv_open(sw_csv *c, const char *path, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s", path);
    if (sw_lines_open(&c->lines, path, SW_CSV_MAX_LINE) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *line;
    size_t len;
    int rc = sw_lines_next(&c->lines, &line, &len);
    if (rc != SW_LINES_OK) {
        snprintf(err, errlen, "%s:1: %s", path, rc == SW_LINES_EOF ? "empty file (a header row expected)"
                                              : rc == SW_LINES_TOO_LONG ? "header line too long"
                                              : "read error");
        sw_lines_close(&c->lines);
        return -1;
    }
    if (parse_header(c, line, err, errlen) != 0) {
        sw_lines_close(&c->lines);
        return -1;
    }
    symbol_from_path(c);
    if (c->col_symbol < 0 && !c->file_symbol[0]) {
        snprintf(err, errlen, "%s: no Symbol column and no symbol in the file name", path);
        sw_lines_close(&c->lines);
        return -1;
    }
    infer_bar_length(c);
    return 0;
}

void sw_csv_close(sw_csv *c)
{
    sw_lines_close(&c->lines);
}

int sw_csv_next(sw_csv *c, sw_bar *bar, const char **why)
{
    char *line;
    size_t len;
    for (;;) {
        int rc = sw_lines_next(&c->lines, &line, &len);
        if (rc == SW_LINES_EOF)
            return SW_LINES_EOF;
        if (rc == SW_LINES_ERROR) {
            *why = "read error";
            return SW_LINES_ERROR;
        }
        if (rc == SW_LINES_TOO_LONG) {
            *why = "line longer than 4096 bytes";
            return SW_CSV_BAD;
        }
        if (len == 0)
            continue; /* blank lines, e.g. at the end, are not data */
        break;
    }
    fields fl;
    if (split_line(line, &fl) < 0) {
        *why = "too many columns";
        return SW_CSV_BAD;
    }
    int need = c->col_ts;
    int cols[] = { c->col_open, c->col_high, c->col_low, c->col_close, c->col_volume, c->col_symbol, c->col_split };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (cols[i] > need)
            need = cols[i];
    if (fl.n <= need) {
        *why = "fewer columns than the header";
        return SW_CSV_BAD;
    }
    memset(bar, 0, sizeof *bar);
    int flags;
    const char *ts = fl.f[c->col_ts];
    if (sw_parse_timestamp(ts, strlen(ts), &bar->start_ns, &flags) != 0) {
        *why = "unreadable timestamp";
        return SW_CSV_BAD;
    }
    if (bar->start_ns < INT64_C(631152000000000000) || bar->start_ns > INT64_C(4102444800000000000)) {
        *why = "absurd timestamp (before 1990 or after 2100)";
        return SW_CSV_BAD;
    }
    bar->daily = (flags & SW_TS_DATE_ONLY) != 0;
    if (parse_num(fl.f[c->col_open], &bar->open) || parse_num(fl.f[c->col_high], &bar->high) ||
        parse_num(fl.f[c->col_low], &bar->low) || parse_num(fl.f[c->col_close], &bar->close)) {
        *why = "open, high, low or close is not a number";
        return SW_CSV_BAD;
    }
    if (!(bar->open > 0 && bar->high > 0 && bar->low > 0 && bar->close > 0)) {
        *why = "zero or negative price";
        return SW_CSV_BAD;
    }
    if (c->col_volume >= 0 && fl.f[c->col_volume][0]) {
        if (parse_num(fl.f[c->col_volume], &bar->volume) || bar->volume < 0) {
            *why = "volume is not a non-negative number";
            return SW_CSV_BAD;
        }
    }
    /* Vendors' high/low occasionally miss the open or close by a rounding
     * step; the path must still contain all four prices. */
    bar->high = fmax(bar->high, fmax(bar->open, bar->close));
    bar->low = fmin(bar->low, fmin(bar->open, bar->close));
    if (c->col_split >= 0 && fl.f[c->col_split][0]) {
        double f;
        if (parse_num(fl.f[c->col_split], &f) || f < 0) {
            *why = "split factor is not a non-negative number";
            return SW_CSV_BAD;
        }
        if (f > 0 && f != 1.0)
            bar->split = f;
    }
    const char *sym = c->col_symbol >= 0 ? fl.f[c->col_symbol] : c->file_symbol;
    if (!sym[0] || strlen(sym) >= SW_SYMBOL_MAX) {
        *why = "empty or overlong symbol";
        return SW_CSV_BAD;
    }
    snprintf(bar->symbol, sizeof bar->symbol, "%s", sym);
    return SW_LINES_OK;
}

int sw_bar_ticks(const sw_csv *c, const sw_bar *bar, sw_tick out[4])
{
    int64_t t[4];
    if (bar->daily) {
        /* Daily bars: the session's open at 09:30 and its close at 16:00 New
         * York, the extremes in between. */
        int64_t day = sw_ny_day(bar->start_ns, NULL);
        t[0] = sw_ny_to_utc(day, 9, 30, 0);
        t[1] = sw_ny_to_utc(day, 11, 40, 0);
        t[2] = sw_ny_to_utc(day, 13, 50, 0);
        t[3] = sw_ny_to_utc(day, 16, 0, 0);
    } else {
        int64_t len = c->bar_ns;
        t[0] = bar->start_ns;
        t[1] = bar->start_ns + len / 3;
        t[2] = bar->start_ns + 2 * len / 3;
        t[3] = bar->start_ns + (len > 4000000 ? len - 1000000 : len - 1);
    }
    int up = bar->close >= bar->open;
    double px[4] = { bar->open, up ? bar->low : bar->high, up ? bar->high : bar->low, bar->close };
    for (int i = 0; i < 4; i++) {
        memcpy(out[i].symbol, bar->symbol, sizeof out[i].symbol);
        out[i].price = px[i];
        out[i].size = bar->volume / 4;
        out[i].ts_ns = t[i];
        out[i].flags = SW_TICK_SYNTH_BAR | (bar->daily ? SW_TICK_DAILY_BAR : 0u);
        out[i].excluded = SW_EXCL_NONE;
    }
    return 4;
}
