/*
 * test_colseries.c -- price paths at screen resolution
 * (daemon/charts/sw_colseries.c): every pixel column's lowest and highest
 * trade survive the reduction at any width (an extreme never disappears),
 * the points come out in time order, first and last are kept, points
 * outside the span are counted, and the value at a time is the last trade
 * at or before it.
 */
#include "sw_colseries.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MS INT64_C(1000000)
#define SEC (1000 * MS)

/* A random walk with a few one-tick spikes, the kind a bad print or a
 * flash crash leaves: Knuth's MMIX generator with a fixed seed, so every
 * run draws the same path. */
static uint64_t rng = 20250127;
static double next_rand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng >> 11) / 9007199254740992.0;
}

#define N_PTS 40000
static int64_t ts[N_PTS];
static double vs[N_PTS];

static void make_walk(int64_t t0, int64_t span)
{
    double v = 100;
    for (int i = 0; i < N_PTS; i++) {
        ts[i] = t0 + (int64_t)((double)span * i / N_PTS) + (int64_t)(next_rand() * 100) * MS;
        v += (next_rand() - 0.5) * 0.2;
        vs[i] = v;
        if (i % 9973 == 5000)
            vs[i] = v * (i % 2 ? 1.2 : 0.8); /* a spike of one trade */
    }
}

Test(colseries, no_extreme_disappears_at_any_width)
{
    int64_t t0 = INT64_C(1737954000) * SEC; /* 2025-01-27 00:00 New York */
    int64_t span = 16 * 3600 * SEC;
    make_walk(t0 + 4 * 3600 * SEC, span - 5 * 3600 * SEC);
    sw_colseries s;
    cr_assert_eq(sw_colseries_init(&s, t0, t0 + span, 15 * SEC), 0);
    for (int i = 0; i < N_PTS; i++)
        sw_colseries_add(&s, ts[i], vs[i]);
    cr_assert_eq(s.points, (uint64_t)N_PTS);
    const size_t widths[] = { 1, 2, 7, 50, 299, 300, 1000, 4000, 10000 };
    sw_pt *out = malloc(4 * 10000 * sizeof *out);
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        size_t n = widths[w];
        size_t got = sw_colseries_reduce(&s, t0, t0 + span, n, out);
        cr_assert_gt(got, 0u);
        cr_assert_leq(got, 4 * n);
        for (size_t k = 1; k < got; k++)
            cr_assert_leq(out[k - 1].t, out[k].t, "width %zu: point %zu out of time order", n, k);
        cr_expect_eq(out[0].v, vs[0], "width %zu: the first trade", n);
        cr_expect_eq(out[got - 1].v, vs[N_PTS - 1], "width %zu: the last trade", n);
        /* Per pixel column (the pixel of each 15 s column's start), the raw
         * extremes are among the reduced points of that pixel. */
        double *lo = malloc(n * sizeof *lo), *hi = malloc(n * sizeof *hi);
        for (size_t p = 0; p < n; p++)
            lo[p] = INFINITY, hi[p] = -INFINITY;
        for (int i = 0; i < N_PTS; i++) {
            int64_t col_start = t0 + (ts[i] - t0) / (15 * SEC) * (15 * SEC);
            size_t p = (size_t)((double)(col_start - t0) * (double)n / (double)span);
            lo[p] = fmin(lo[p], vs[i]);
            hi[p] = fmax(hi[p], vs[i]);
        }
        for (size_t p = 0; p < n; p++) {
            if (isinf(lo[p]))
                continue;
            int found_lo = 0, found_hi = 0;
            for (size_t k = 0; k < got; k++) {
                size_t q = (size_t)((double)((out[k].t - t0) / (15 * SEC) * (15 * SEC)) * (double)n / (double)span);
                if (q != p)
                    continue;
                found_lo |= out[k].v == lo[p];
                found_hi |= out[k].v == hi[p];
            }
            cr_assert(found_lo && found_hi, "width %zu, pixel %zu: low %g found %d, high %g found %d", n, p, lo[p],
                      found_lo, hi[p], found_hi);
        }
        free(lo);
        free(hi);
    }
    /* So the day's spikes, lowest and highest, are in even a 1-pixel chart. */
    double glo = INFINITY, ghi = -INFINITY;
    for (int i = 0; i < N_PTS; i++)
        glo = fmin(glo, vs[i]), ghi = fmax(ghi, vs[i]);
    size_t got = sw_colseries_reduce(&s, t0, t0 + span, 1, out);
    int seen_lo = 0, seen_hi = 0;
    for (size_t k = 0; k < got; k++)
        seen_lo |= out[k].v == glo, seen_hi |= out[k].v == ghi;
    cr_expect(seen_lo && seen_hi);
    double rlo, rhi;
    cr_assert(sw_colseries_range(&s, t0, t0 + span, &rlo, &rhi));
    cr_expect_eq(rlo, glo);
    cr_expect_eq(rhi, ghi);
    free(out);
    sw_colseries_free(&s);
}

Test(colseries, order_inside_a_column_and_outside_points)
{
    int64_t t0 = 1000 * SEC;
    sw_colseries s;
    cr_assert_eq(sw_colseries_init(&s, t0, t0 + 60 * SEC, 10 * SEC), 0);
    cr_expect_eq(s.ncols, 6u);
    /* Column 0: the high comes before the low; out of order arrival. */
    sw_colseries_add(&s, t0 + 3 * SEC, 105);
    sw_colseries_add(&s, t0 + 1 * SEC, 100); /* earlier: the new first */
    sw_colseries_add(&s, t0 + 5 * SEC, 95);
    sw_colseries_add(&s, t0 + 7 * SEC, 99);
    sw_colseries_add(&s, t0 - 1, 1);           /* before the span */
    sw_colseries_add(&s, t0 + 60 * SEC, 1);    /* at its end: outside */
    sw_colseries_add(&s, t0 + 30 * SEC, NAN);  /* not a price */
    cr_expect_eq(s.outside, 3u);
    cr_expect_eq(s.points, 4u);
    sw_pt out[24];
    size_t n = sw_colseries_reduce(&s, t0, t0 + 60 * SEC, 6, out);
    cr_assert_eq(n, 4u);
    cr_expect(out[0].v == 100 && out[0].t == t0 + 1 * SEC);
    cr_expect(out[1].v == 105 && out[1].t == t0 + 3 * SEC, "high first: it came first");
    cr_expect(out[2].v == 95 && out[2].t == t0 + 5 * SEC);
    cr_expect(out[3].v == 99 && out[3].t == t0 + 7 * SEC);
    /* Where the line stands. */
    cr_expect(isnan(sw_colseries_at(&s, t0)));
    cr_expect_eq(sw_colseries_at(&s, t0 + 1 * SEC), 100);
    cr_expect_eq(sw_colseries_at(&s, t0 + 4 * SEC), 105);
    cr_expect_eq(sw_colseries_at(&s, t0 + 6 * SEC), 95);
    cr_expect_eq(sw_colseries_at(&s, t0 + 50 * SEC), 99);
    int64_t a, b;
    cr_assert(sw_colseries_span(&s, &a, &b));
    cr_expect(a == t0 + 1 * SEC && b == t0 + 7 * SEC);
    /* A span without a point, and clearing. */
    cr_expect_eq(sw_colseries_reduce(&s, t0 + 20 * SEC, t0 + 60 * SEC, 10, out), 0u);
    sw_colseries_clear(&s);
    cr_expect_eq(sw_colseries_reduce(&s, t0, t0 + 60 * SEC, 6, out), 0u);
    cr_expect(!sw_colseries_span(&s, &a, &b));
    sw_colseries_free(&s);
    /* Bad spans are refused. */
    cr_expect_eq(sw_colseries_init(&s, t0, t0, 10 * SEC), -1);
    cr_expect_eq(sw_colseries_init(&s, t0, t0 + SEC, 1500), -1, "not whole milliseconds");
    cr_expect_eq(sw_colseries_init(&s, t0, t0 + INT64_C(60) * 86400 * SEC, SEC), -1, "over 49 days");
}
