/* sw_stats.c -- see sw_stats.h. */
#include "sw_stats.h"

#include <math.h>

/* ---- ring buffer ---------------------------------------------------------- */

void sw_ring_init(sw_ring *r, uint32_t cap)
{
    r->cap = cap ? cap : 1;
    r->head = 0;
    r->n = 0;
}

void sw_ring_clear(sw_ring *r)
{
    r->head = 0;
    r->n = 0;
}

int sw_ring_push(sw_ring *r, double *v, double x, double *evicted)
{
    if (r->n < r->cap) {
        uint32_t i = r->head + r->n;
        if (i >= r->cap)
            i -= r->cap;
        v[i] = x;
        r->n++;
        return 0;
    }
    /* Full: the slot of the oldest value becomes the newest. */
    if (evicted)
        *evicted = v[r->head];
    v[r->head] = x;
    r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
    return 1;
}

double sw_ring_at(const sw_ring *r, const double *v, uint32_t i)
{
    uint32_t k = r->head + i;
    if (k >= r->cap)
        k -= r->cap;
    return v[k];
}

/* ---- rolling mean / variance ----------------------------------------------- */

void sw_rolling_init(sw_rolling *s, uint32_t cap)
{
    sw_ring_init(&s->ring, cap);
    sw_rolling_clear(s);
}

void sw_rolling_clear(sw_rolling *s)
{
    sw_ring_clear(&s->ring);
    s->mean = 0;
    s->m2 = 0;
    s->since_exact = 0;
}

/* Two-pass mean and squared deviations of the ring: exact up to one rounding
 * per value, whatever happened before. */
static void recompute(sw_rolling *s, const double *v)
{
    uint32_t n = s->ring.n;
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += sw_ring_at(&s->ring, v, i);
    double mean = n ? sum / n : 0;
    double m2 = 0;
    for (uint32_t i = 0; i < n; i++) {
        double d = sw_ring_at(&s->ring, v, i) - mean;
        m2 += d * d;
    }
    s->mean = mean;
    s->m2 = m2;
    s->since_exact = 0;
}

int sw_rolling_push(sw_rolling *s, double *v, double x, double *evicted)
{
    double y;
    if (!sw_ring_push(&s->ring, v, x, &y)) {
        /* Welford add: n grew by one. */
        double n = s->ring.n;
        double d = x - s->mean;
        s->mean += d / n;
        s->m2 += d * (x - s->mean);
        return 0;
    }
    /* Replace y by x at constant n:
     *   mean' = mean + (x - y) / n
     *   M2'   = M2 + (x - y) * ((x - mean') + (y - mean))
     * Both factors are differences of nearby numbers, never squares of large
     * ones, which is what keeps a tiny variance of large values intact. */
    double n = s->ring.n;
    double old_mean = s->mean;
    s->mean += (x - y) / n;
    s->m2 += (x - y) * ((x - s->mean) + (y - old_mean));
    if (s->m2 < 0)
        s->m2 = 0; /* rounding of an (almost) constant window */
    if (++s->since_exact >= s->ring.cap)
        recompute(s, v);
    if (evicted)
        *evicted = y;
    return 1;
}

double sw_rolling_var(const sw_rolling *s)
{
    if (s->ring.n < 2)
        return NAN;
    return s->m2 / (s->ring.n - 1);
}

double sw_rolling_pvar(const sw_rolling *s)
{
    if (s->ring.n < 1)
        return NAN;
    return s->m2 / s->ring.n;
}

void sw_rolling_scale(sw_rolling *s, double *v, double k)
{
    for (uint32_t i = 0; i < s->ring.n; i++) {
        uint32_t j = s->ring.head + i;
        if (j >= s->ring.cap)
            j -= s->ring.cap;
        v[j] *= k;
    }
    recompute(s, v);
}

/* ---- exponentially weighted variance --------------------------------------- */

void sw_ewvar_init(sw_ewvar *s)
{
    s->var = 0;
    s->n = 0;
}

void sw_ewvar_add(sw_ewvar *s, double lambda, double r)
{
    s->n++;
    double w = 1.0 - lambda;
    double inv_n = 1.0 / (double)s->n;
    if (inv_n > w)
        w = inv_n; /* start-up: equal weights until the EWMA's own memory is reached */
    /* var += w (r^2 - var) is var = (1 - w) var + w r^2 without cancellation. */
    s->var += w * (r * r - s->var);
}

double sw_ewvar_var(const sw_ewvar *s)
{
    return s->n ? s->var : NAN;
}
