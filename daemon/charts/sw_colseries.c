/* sw_colseries.c -- see sw_colseries.h. */
#include "sw_colseries.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_MS INT64_C(1000000)
#define MAX_SPAN_MS INT64_C(49) * 86400 * 1000 /* uint32 ms offsets */

static void clear_cols(sw_colseries *s)
{
    for (size_t i = 0; i < s->ncols; i++)
        s->cols[i].first = NAN;
    s->first_col = s->ncols;
    s->last_col = 0;
    s->points = s->outside = 0;
}

int sw_colseries_init(sw_colseries *s, int64_t t0, int64_t t1, int64_t step)
{
    memset(s, 0, sizeof *s);
    if (step < NS_PER_MS || step % NS_PER_MS || t1 <= t0 || (t1 - t0) / NS_PER_MS > MAX_SPAN_MS)
        return -1;
    s->t0 = t0;
    s->step = step;
    s->ncols = (size_t)((t1 - t0 + step - 1) / step);
    s->cols = malloc(s->ncols * sizeof *s->cols);
    if (!s->cols) {
        s->ncols = 0;
        return -1;
    }
    clear_cols(s);
    return 0;
}

void sw_colseries_free(sw_colseries *s)
{
    free(s->cols);
    memset(s, 0, sizeof *s);
}

void sw_colseries_clear(sw_colseries *s)
{
    clear_cols(s);
}

void sw_colseries_add(sw_colseries *s, int64_t t, double v)
{
    if (t < s->t0 || !s->ncols || (uint64_t)(t - s->t0) / (uint64_t)s->step >= s->ncols || isnan(v)) {
        s->outside++;
        return;
    }
    size_t k = (size_t)((t - s->t0) / s->step);
    uint32_t ms = (uint32_t)((t - s->t0) / NS_PER_MS);
    sw_col *c = &s->cols[k];
    s->points++;
    if (isnan(c->first)) {
        c->first = c->last = c->lo = c->hi = v;
        c->t_first = c->t_last = c->t_lo = c->t_hi = ms;
        if (k < s->first_col)
            s->first_col = k;
        if (k > s->last_col)
            s->last_col = k;
        return;
    }
    if (ms < c->t_first) {
        c->first = v;
        c->t_first = ms;
    }
    if (ms >= c->t_last) {
        c->last = v;
        c->t_last = ms;
    }
    /* The first time an extreme is reached is the one drawn. */
    if (v < c->lo || (v == c->lo && ms < c->t_lo)) {
        c->lo = v;
        c->t_lo = ms;
    }
    if (v > c->hi || (v == c->hi && ms < c->t_hi)) {
        c->hi = v;
        c->t_hi = ms;
    }
}

static int64_t at_ms(const sw_colseries *s, uint32_t ms)
{
    return s->t0 + (int64_t)ms * NS_PER_MS;
}

/* The columns whose start lies in [from, to): [*a, *b).  0 if none. */
static int cols_in(const sw_colseries *s, int64_t from, int64_t to, size_t *a, size_t *b)
{
    if (s->first_col > s->last_col || to <= from)
        return 0;
    int64_t lo = from <= s->t0 ? 0 : (from - s->t0 + s->step - 1) / s->step;
    int64_t hi = to <= s->t0 ? 0 : (to - s->t0 + s->step - 1) / s->step;
    if (lo < (int64_t)s->first_col)
        lo = (int64_t)s->first_col;
    if (hi > (int64_t)s->last_col + 1)
        hi = (int64_t)s->last_col + 1;
    if (lo >= hi)
        return 0;
    *a = (size_t)lo;
    *b = (size_t)hi;
    return 1;
}

static size_t put(sw_pt *out, size_t n, int64_t t, double v)
{
    if (n > 0 && out[n - 1].t == t && out[n - 1].v == v)
        return n;
    out[n].t = t;
    out[n].v = v;
    return n + 1;
}

size_t sw_colseries_reduce(const sw_colseries *s, int64_t from, int64_t to, size_t n, sw_pt *out)
{
    size_t a, b, w = 0;
    if (n == 0 || !cols_in(s, from, to, &a, &b))
        return 0;
    double span = (double)(to - from);
    size_t k = a;
    while (k < b) {
        /* The pixel of column k, and every following column in that pixel. */
        int64_t start = s->t0 + (int64_t)k * s->step;
        size_t px = (size_t)((double)(start - from) * (double)n / span);
        if (px >= n)
            px = n - 1;
        sw_col acc = { 0 };
        int have = 0;
        for (; k < b; k++) {
            int64_t st = s->t0 + (int64_t)k * s->step;
            size_t pk = (size_t)((double)(st - from) * (double)n / span);
            if ((pk >= n ? n - 1 : pk) != px)
                break;
            const sw_col *c = &s->cols[k];
            if (isnan(c->first))
                continue;
            if (!have) {
                acc = *c;
                have = 1;
                continue;
            }
            /* Columns come in time order: the first stays, the last moves on. */
            acc.last = c->last;
            acc.t_last = c->t_last;
            if (c->lo < acc.lo) {
                acc.lo = c->lo;
                acc.t_lo = c->t_lo;
            }
            if (c->hi > acc.hi) {
                acc.hi = c->hi;
                acc.t_hi = c->t_hi;
            }
        }
        if (!have)
            continue;
        w = put(out, w, at_ms(s, acc.t_first), acc.first);
        if (acc.t_lo <= acc.t_hi) {
            w = put(out, w, at_ms(s, acc.t_lo), acc.lo);
            w = put(out, w, at_ms(s, acc.t_hi), acc.hi);
        } else {
            w = put(out, w, at_ms(s, acc.t_hi), acc.hi);
            w = put(out, w, at_ms(s, acc.t_lo), acc.lo);
        }
        w = put(out, w, at_ms(s, acc.t_last), acc.last);
    }
    return w;
}

double sw_colseries_at(const sw_colseries *s, int64_t t)
{
    if (s->first_col > s->last_col || t < s->t0)
        return NAN;
    int64_t k = (t - s->t0) / s->step;
    if (k > (int64_t)s->last_col)
        k = (int64_t)s->last_col;
    uint32_t ms = (uint32_t)((t - s->t0) / NS_PER_MS < MAX_SPAN_MS ? (t - s->t0) / NS_PER_MS : MAX_SPAN_MS);
    for (; k >= (int64_t)s->first_col; k--) {
        const sw_col *c = &s->cols[k];
        if (isnan(c->first))
            continue;
        if (c->t_last <= ms)
            return c->last;
        /* t falls inside this column before its last point: the latest of
         * the points we kept that is not after t. */
        double v = NAN;
        uint32_t best = 0;
        const uint32_t ts[4] = { c->t_first, c->t_lo, c->t_hi, c->t_last };
        const double vs[4] = { c->first, c->lo, c->hi, c->last };
        for (int i = 0; i < 4; i++)
            if (ts[i] <= ms && (isnan(v) || ts[i] >= best)) {
                v = vs[i];
                best = ts[i];
            }
        if (!isnan(v))
            return v;
    }
    return NAN;
}

int sw_colseries_range(const sw_colseries *s, int64_t from, int64_t to, double *lo, double *hi)
{
    size_t a, b;
    if (!cols_in(s, from, to, &a, &b))
        return 0;
    int have = 0;
    for (size_t k = a; k < b; k++) {
        const sw_col *c = &s->cols[k];
        if (isnan(c->first))
            continue;
        if (!have || c->lo < *lo)
            *lo = c->lo;
        if (!have || c->hi > *hi)
            *hi = c->hi;
        have = 1;
    }
    return have;
}

int sw_colseries_span(const sw_colseries *s, int64_t *first, int64_t *last)
{
    if (s->first_col > s->last_col)
        return 0;
    *first = at_ms(s, s->cols[s->first_col].t_first);
    *last = at_ms(s, s->cols[s->last_col].t_last);
    return 1;
}
