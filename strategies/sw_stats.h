/*
 * sw_stats.h -- small running statistics that detectors keep per symbol: a
 * ring buffer of doubles, a rolling mean and variance over its last N values,
 * and an exponentially weighted (RiskMetrics) variance.
 *
 * Everything here works in fixed memory chosen at init: the ring's storage is
 * an array the caller provides (usually a flexible tail of a detector's
 * per-symbol state), so nothing allocates on the tick path.  The caller also
 * passes that storage to every call rather than the ring keeping a pointer
 * to it: these structs live in per-symbol state (10 000 copies), where a
 * pointer is 8 bytes a copy, and one into the state itself must be re-aimed
 * whenever the state's bytes move (a checkpoint restored); likewise the
 * EWMA's lambda is the caller's parameter, not a per-symbol copy.  The rolling
 * variance uses Welford's add/remove updates rather than a sum of squares:
 * with prices near 1e9 (or returns with a large common offset) a sum of
 * squares loses every significant digit of a small variance, Welford's
 * deviations from the running mean do not.  To keep rounding from creeping in
 * over millions of replacements, the rolling statistics are recomputed exactly
 * from the ring once every `cap` replacements (amortized O(1) per value).
 */
#ifndef SW_STATS_H
#define SW_STATS_H

#include <stddef.h>
#include <stdint.h>

/* ---- ring buffer ---------------------------------------------------------- */

/* Last `cap` values pushed, oldest first, kept in storage v[0..cap-1] that
 * the caller owns and passes to every call (always the same array). */
typedef struct sw_ring {
    uint32_t cap;
    uint32_t head;      /* index of the oldest value */
    uint32_t n;         /* values held, <= cap */
} sw_ring;

/* An empty ring of cap >= 1 values. */
void sw_ring_init(sw_ring *r, uint32_t cap);
void sw_ring_clear(sw_ring *r);
/* Append x.  When the ring was full the oldest value is dropped: it is
 * returned through *evicted and the function returns 1; otherwise 0. */
int sw_ring_push(sw_ring *r, double *v, double x, double *evicted);
/* i-th value, 0 = oldest, n-1 = newest.  i must be < n. */
double sw_ring_at(const sw_ring *r, const double *v, uint32_t i);
static inline int sw_ring_full(const sw_ring *r) { return r->n == r->cap; }

/* ---- rolling mean / variance over a ring ------------------------------------ */

/* 32 bytes: since_exact fills the ring's 12 up to the doubles. */
typedef struct sw_rolling {
    sw_ring ring;
    uint32_t since_exact; /* replacements since the last exact recompute */
    double mean;
    double m2;          /* sum of squared deviations from mean */
} sw_rolling;

/* A window of the last `cap` values, kept in the caller's v[0..cap-1]. */
void sw_rolling_init(sw_rolling *s, uint32_t cap);
void sw_rolling_clear(sw_rolling *s);
/* Add x; when the window is full the oldest value leaves it (returned through
 * *evicted when not NULL; the function then returns 1, else 0). */
int sw_rolling_push(sw_rolling *s, double *v, double x, double *evicted);
static inline uint32_t sw_rolling_count(const sw_rolling *s) { return s->ring.n; }
static inline double sw_rolling_mean(const sw_rolling *s) { return s->mean; }
/* Sample variance (divisor n - 1); NaN with fewer than two values. */
double sw_rolling_var(const sw_rolling *s);
/* Population variance (divisor n); NaN when empty. */
double sw_rolling_pvar(const sw_rolling *s);
/* Multiply every value by k (k > 0), e.g. to rescale prices after a split. */
void sw_rolling_scale(sw_rolling *s, double *v, double k);

/* ---- exponentially weighted variance --------------------------------------- */

/*
 * RiskMetrics variance of zero-mean values (returns):
 *     var = lambda * var + (1 - lambda) * r^2.
 * While fewer than 1 / (1 - lambda) values have been seen, the weight of the
 * newest value is 1/n instead of (1 - lambda): the estimate is then the plain
 * mean of r^2, so the first value is not taken as the whole baseline and the
 * start-up does not depend on an arbitrary seed.
 */
typedef struct sw_ewvar {
    double var;
    uint64_t n;         /* values added */
} sw_ewvar;

#define SW_RISKMETRICS_LAMBDA 0.94

void sw_ewvar_init(sw_ewvar *s);
/* Add r with decay lambda (0 < lambda < 1; the same at every call). */
void sw_ewvar_add(sw_ewvar *s, double lambda, double r);
/* NaN before the first value. */
double sw_ewvar_var(const sw_ewvar *s);

#endif
