/* Tests of strategies/sw_stats against values worked out by hand (the
 * arithmetic is in the comments): ring order and eviction, rolling mean and
 * variance while the window fills and slides, numerical stability near 1e9,
 * and the RiskMetrics EWMA with its start-up weights. */
#include "sw_stats.h"

#include <criterion/criterion.h>
#include <math.h>

#define NEAR(a, b, tol)                                                                            \
    cr_expect(fabs((a) - (b)) <= (tol), "%s = %.17g, expected %.17g", #a, (double)(a), (double)(b))

Test(ring, keeps_the_last_cap_values_oldest_first)
{
    double buf[3];
    sw_ring r;
    sw_ring_init(&r, 3);
    double out = -1;
    cr_expect_eq(sw_ring_push(&r, buf, 1, &out), 0);
    cr_expect_eq(sw_ring_push(&r, buf, 2, &out), 0);
    cr_expect_eq(sw_ring_push(&r, buf, 3, &out), 0);
    cr_expect_eq(out, -1, "nothing evicted while filling");
    cr_expect(sw_ring_full(&r));
    /* Full: pushing 4 drops the oldest (1); the ring reads 2, 3, 4. */
    cr_expect_eq(sw_ring_push(&r, buf, 4, &out), 1);
    cr_expect_eq(out, 1);
    cr_expect_eq(sw_ring_at(&r, buf, 0), 2);
    cr_expect_eq(sw_ring_at(&r, buf, 1), 3);
    cr_expect_eq(sw_ring_at(&r, buf, 2), 4);
    /* Two more: 5 evicts 2, 6 evicts 3 -> 4, 5, 6 (the head wrapped around). */
    sw_ring_push(&r, buf, 5, &out);
    cr_expect_eq(out, 2);
    sw_ring_push(&r, buf, 6, &out);
    cr_expect_eq(out, 3);
    cr_expect_eq(sw_ring_at(&r, buf, 0), 4);
    cr_expect_eq(sw_ring_at(&r, buf, 2), 6);
    sw_ring_clear(&r);
    cr_expect_eq(r.n, 0);
}

Test(rolling, mean_and_variance_while_filling_and_sliding)
{
    double buf[4];
    sw_rolling s;
    sw_rolling_init(&s, 4);
    cr_expect(isnan(sw_rolling_var(&s)), "no variance of nothing");
    cr_expect(isnan(sw_rolling_pvar(&s)));
    sw_rolling_push(&s, buf, 2, NULL);
    cr_expect(isnan(sw_rolling_var(&s)), "no sample variance of one value");
    NEAR(sw_rolling_pvar(&s), 0, 0);
    /* 2, 4, 4, 4: mean 14/4 = 3.5; squared deviations 1.5^2 + 3 * 0.5^2 =
     * 2.25 + 0.75 = 3; sample variance 3/3 = 1, population 3/4 = 0.75. */
    sw_rolling_push(&s, buf, 4, NULL);
    sw_rolling_push(&s, buf, 4, NULL);
    sw_rolling_push(&s, buf, 4, NULL);
    cr_expect_eq(sw_rolling_count(&s), 4);
    NEAR(sw_rolling_mean(&s), 3.5, 1e-15);
    NEAR(sw_rolling_var(&s), 1.0, 1e-15);
    NEAR(sw_rolling_pvar(&s), 0.75, 1e-15);
    /* Slide through 5, 5, 7, 9: the window is then 5, 5, 7, 9 with mean
     * 26/4 = 6.5; deviations -1.5, -1.5, 0.5, 2.5 square to 2.25 + 2.25 +
     * 0.25 + 6.25 = 11; sample variance 11/3, population 11/4. */
    double out = 0;
    cr_expect_eq(sw_rolling_push(&s, buf, 5, &out), 1);
    cr_expect_eq(out, 2, "the oldest value leaves first");
    sw_rolling_push(&s, buf, 5, NULL);
    sw_rolling_push(&s, buf, 7, NULL);
    sw_rolling_push(&s, buf, 9, NULL);
    NEAR(sw_rolling_mean(&s), 6.5, 1e-14);
    NEAR(sw_rolling_var(&s), 11.0 / 3.0, 1e-14);
    NEAR(sw_rolling_pvar(&s), 2.75, 1e-14);
}

Test(rolling, tiny_variance_of_values_near_1e9_stays_exact)
{
    /* Values 1e9 + 0.125k are exact doubles (0.125 is a power of two and the
     * spacing of doubles near 1e9 is 2^-23 ~ 1.2e-7).  Any four consecutive
     * values of the cycle 1/8, 2/8, 3/8, 4/8 have mean 1e9 + 0.3125 and
     * deviations +-0.1875, +-0.0625: squared deviations 2 * 0.03515625 +
     * 2 * 0.00390625 = 0.078125, sample variance 0.078125 / 3 = 0.0260416...
     * A sum of squares would hold about 4e18, whose rounding step (512) is
     * thousands of times the whole variance: it would return noise or a
     * negative number.  Welford must hold it over a million slides. */
    double buf[4];
    sw_rolling s;
    sw_rolling_init(&s, 4);
    for (int i = 0; i < 1000000; i++)
        sw_rolling_push(&s, buf, 1e9 + 0.125 * (1 + i % 4), NULL);
    NEAR(sw_rolling_mean(&s), 1e9 + 0.3125, 1e-6);
    NEAR(sw_rolling_var(&s), 0.078125 / 3.0, 1e-9);
    /* Every further slide keeps four consecutive values of the cycle: the
     * same four numbers in another order, the same variance at every step. */
    for (int i = 1000000; i < 1000007; i++) {
        sw_rolling_push(&s, buf, 1e9 + 0.125 * (1 + i % 4), NULL);
        NEAR(sw_rolling_var(&s), 0.078125 / 3.0, 1e-9);
    }
}

Test(rolling, constant_window_has_zero_variance_not_negative)
{
    double buf[8];
    sw_rolling s;
    sw_rolling_init(&s, 8);
    /* 0.1 is not exact in binary: rounding may leave M2 at -1e-18 without
     * the clamp, and sqrt of that is NaN. */
    for (int i = 0; i < 1000; i++)
        sw_rolling_push(&s, buf, 0.1, NULL);
    cr_expect(sw_rolling_var(&s) >= 0);
    cr_expect(sw_rolling_var(&s) < 1e-30);
}

Test(rolling, scale_rescales_values_and_moments)
{
    double buf[4];
    sw_rolling s;
    sw_rolling_init(&s, 4);
    double v[] = { 2, 4, 4, 4 };
    for (int i = 0; i < 4; i++)
        sw_rolling_push(&s, buf, v[i], NULL);
    /* Halving every value halves the mean (3.5 -> 1.75) and quarters the
     * variance (1 -> 0.25). */
    sw_rolling_scale(&s, buf, 0.5);
    NEAR(sw_rolling_mean(&s), 1.75, 1e-15);
    NEAR(sw_rolling_var(&s), 0.25, 1e-15);
    NEAR(sw_ring_at(&s.ring, buf, 0), 1.0, 0);
}

Test(ewvar, riskmetrics_recursion_by_hand)
{
    /* lambda 0.5: the memory 1/(1 - 0.5) = 2 values is reached at n = 2.
     *   r = 1: first value, weight 1           -> var = 1
     *   r = 0: weight max(0.5, 1/2) = 0.5      -> 0.5 * 1 + 0.5 * 0   = 0.5
     *   r = 2: weight max(0.5, 1/3) = 0.5      -> 0.5 * 0.5 + 0.5 * 4 = 2.25
     *   r = 0:                                 -> 0.5 * 2.25          = 1.125 */
    sw_ewvar s;
    const double lambda = 0.5;
    sw_ewvar_init(&s);
    cr_expect(isnan(sw_ewvar_var(&s)));
    sw_ewvar_add(&s, lambda, 1);
    NEAR(sw_ewvar_var(&s), 1.0, 0);
    sw_ewvar_add(&s, lambda, 0);
    NEAR(sw_ewvar_var(&s), 0.5, 0);
    sw_ewvar_add(&s, lambda, 2);
    NEAR(sw_ewvar_var(&s), 2.25, 0);
    sw_ewvar_add(&s, lambda, 0);
    NEAR(sw_ewvar_var(&s), 1.125, 0);
}

Test(ewvar, equal_weights_at_start_then_lambda_094)
{
    sw_ewvar s;
    const double lambda = SW_RISKMETRICS_LAMBDA;
    sw_ewvar_init(&s);
    /* Start-up is the mean of squares:
     *   0.01  -> 1e-4
     *   0.02  -> (1e-4 + 4e-4) / 2 = 2.5e-4
     *   0     -> (1e-4 + 4e-4 + 0) / 3 = 1.6667e-4 */
    sw_ewvar_add(&s, lambda, 0.01);
    NEAR(sw_ewvar_var(&s), 1e-4, 1e-18);
    sw_ewvar_add(&s, lambda, 0.02);
    NEAR(sw_ewvar_var(&s), 2.5e-4, 1e-18);
    sw_ewvar_add(&s, lambda, 0.0);
    NEAR(sw_ewvar_var(&s), 5e-4 / 3, 1e-18);
    /* From n = 17 on (1/17 < 0.06) the weight is 1 - lambda = 0.06.  A fresh
     * estimator fed a constant 0.01 sits at exactly 1e-4 whatever the weights;
     * the steps after it are then pure RiskMetrics (lambda 0.94). */
    sw_ewvar_init(&s);
    for (int i = 0; i < 40; i++)
        sw_ewvar_add(&s, lambda, 0.01);
    NEAR(sw_ewvar_var(&s), 1e-4, 1e-18); /* constant input: var = r^2 whatever the weights */
    /* One shock of 0.05: var = 0.94 * 1e-4 + 0.06 * 25e-4 = 0.94e-4 + 1.5e-4 = 2.44e-4. */
    sw_ewvar_add(&s, lambda, 0.05);
    NEAR(sw_ewvar_var(&s), 2.44e-4, 1e-17);
    /* Then a zero: 0.94 * 2.44e-4 = 2.2936e-4. */
    sw_ewvar_add(&s, lambda, 0.0);
    NEAR(sw_ewvar_var(&s), 2.2936e-4, 1e-17);
}
