/*
 * test_axis.c -- where axes put their ticks (daemon/charts/sw_axis.c): round
 * value steps (1, 2, 2.5, 5 x 10^k) inside the range, widened ranges on
 * those steps, round New York clock times across a daylight-saving change,
 * and the clock and date labels.
 */
#include "sw_axis.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>

static void expect_ticks(double lo, double hi, int target, const double *want, size_t n_want)
{
    double got[32], step;
    size_t n = sw_axis_ticks(lo, hi, target, got, 32, &step);
    cr_assert_eq(n, n_want, "[%g, %g] target %d: %zu ticks (step %g)", lo, hi, target, n, step);
    for (size_t i = 0; i < n; i++)
        cr_expect(fabs(got[i] - want[i]) < 1e-9, "[%g, %g]: tick %zu is %g, expected %g", lo, hi, i, got[i],
                  want[i]);
}

Test(axis, value_ticks_are_round_and_inside)
{
    expect_ticks(-20, 5, 5, (double[]){ -20, -15, -10, -5, 0, 5 }, 6);
    expect_ticks(-18.3, 2.1, 5, (double[]){ -15, -10, -5, 0 }, 4);
    expect_ticks(-12.5, 0, 5, (double[]){ -12.5, -10, -7.5, -5, -2.5, 0 }, 6);
    expect_ticks(0.1, 0.9, 4, (double[]){ 0.2, 0.4, 0.6, 0.8 }, 4);
    expect_ticks(0, 13, 3, (double[]){ 0, 5, 10 }, 3);
    expect_ticks(100, 100, 5, (double[]){ 100 }, 1);
    cr_expect_eq(sw_axis_step(0, 1000, 4), 250);
    cr_expect_eq(sw_axis_step(0, 7, 7), 1);
    cr_expect_eq(sw_axis_decimals(2.5), 1);
    cr_expect_eq(sw_axis_decimals(5), 0);
    cr_expect_eq(sw_axis_decimals(0.25), 2);
    cr_expect_eq(sw_axis_decimals(0.1), 1);
    /* Never a tick outside the range, never a -0. */
    double got[32];
    size_t n = sw_axis_ticks(-0.3, 0.3, 6, got, 32, NULL);
    for (size_t i = 0; i < n; i++) {
        cr_expect(got[i] >= -0.3 - 1e-12 && got[i] <= 0.3 + 1e-12);
        if (got[i] == 0)
            cr_expect(!signbit(got[i]), "-0 would print as -0");
    }
}

Test(axis, nice_widens_to_round_steps)
{
    double lo = -18.2, hi = 2.1;
    sw_axis_nice(&lo, &hi, 5);
    cr_expect_eq(lo, -20);
    cr_expect_eq(hi, 5);
    lo = -9.83;
    hi = 0;
    sw_axis_nice(&lo, &hi, 5);
    cr_expect_eq(lo, -10);
    cr_expect_eq(hi, 0);
    lo = hi = 0; /* nothing moved: still a range */
    sw_axis_nice(&lo, &hi, 5);
    cr_expect(lo < 0 && hi > 0);
}

static int64_t ny(int y, int mo, int d, int h, int mi)
{
    return sw_ny_to_utc(sw_days_from_civil(y, mo, d), h, mi, 0);
}

Test(axis, time_ticks_at_round_new_york_times)
{
    int64_t t[64], step;
    /* 09:00 to 16:00, about six ticks: every 2 hours, on the hour. */
    size_t n = sw_axis_time_ticks(ny(2025, 1, 27, 9, 0), ny(2025, 1, 27, 16, 0), 6, t, 64, &step);
    cr_assert_eq(step, 2 * 3600 * SW_NS_PER_SEC);
    cr_assert_eq(n, 4u);
    char buf[16];
    const char *want[] = { "10:00", "12:00", "14:00", "16:00" };
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(sw_ny_clock(t[i], 0, buf), want[i]);
    /* A shorter span: every 30 minutes. */
    n = sw_axis_time_ticks(ny(2025, 1, 27, 9, 30), ny(2025, 1, 27, 12, 0), 6, t, 64, &step);
    cr_expect_eq(step, 30 * SW_NS_PER_MIN);
    cr_expect_eq(n, 6u);
    cr_expect_str_eq(sw_ny_clock(t[0], 0, buf), "09:30");
    /* Across the spring-forward night (2025-03-09 02:00 -> 03:00): local
     * hours stay round, UTC steps are not all equal. */
    n = sw_axis_time_ticks(ny(2025, 3, 8, 20, 0), ny(2025, 3, 9, 8, 0), 4, t, 64, &step);
    cr_assert_gt(n, 2u);
    for (size_t i = 0; i < n; i++) {
        int sod;
        sw_ny_day(t[i], &sod);
        cr_expect_eq(sod % (int)(step / SW_NS_PER_SEC), 0, "tick %zu at %d s after midnight", i, sod);
    }
}

Test(axis, clock_and_date_labels)
{
    char buf[16];
    int64_t t = ny(2025, 1, 27, 9, 30) + 190 * 1000000;
    cr_expect_str_eq(sw_ny_clock(t, 0, buf), "09:30");
    cr_expect_str_eq(sw_ny_clock(t, 1, buf), "09:30:00");
    cr_expect_str_eq(sw_ny_clock(t, 2, buf), "09:30:00.190");
    cr_expect_str_eq(sw_ny_clock(ny(2025, 7, 1, 16, 0), 1, buf), "16:00:00", "summer time too");
    cr_expect_str_eq(sw_ny_date(sw_days_from_civil(2025, 1, 27), buf), "2025-01-27");
}
