/* Tests of strategies/sw_bars with plain numbers: bucketing, completion on
 * the first tick of a later bucket, OHLC, log returns and their span, prices
 * kept out of a bar, session breaks, daily bars over a weekend, splits.  The
 * expected values are worked out by hand in the comments. */
#include "sw_bars.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>

#define NEAR(a, b, tol)                                                                            \
    cr_expect(fabs((a) - (b)) <= (tol), "%s = %.17g, expected %.17g", #a, (double)(a), (double)(b))

static const int64_t S = SW_NS_PER_SEC;

Test(bars, bucket_is_floor_of_time_over_length)
{
    sw_bar_len L = sw_bar_len_of(SW_NS_PER_MIN);
    cr_expect_eq(sw_bars_bucket(L, 0), 0);
    cr_expect_eq(sw_bars_bucket(L, 59 * S + 999999999), 0);
    cr_expect_eq(sw_bars_bucket(L, 60 * S), 1);
    cr_expect_eq(sw_bars_bucket(L, 90 * S), 1);
    cr_expect_eq(sw_bars_bucket(L, -1), -1, "floor, not truncation, before the epoch");
    /* 5m bars line up with the clock: 2025-01-27 14:30:00Z is 1737988200 s,
     * 1737988200 / 300 = 5793294 exactly, and 14:34:59 is still that bar. */
    L = sw_bar_len_of(5 * SW_NS_PER_MIN);
    cr_expect_eq(sw_bars_bucket(L, 1737988200 * S), 5793294);
    cr_expect_eq(sw_bars_bucket(L, (1737988200 + 299) * S), 5793294);
    cr_expect_eq(sw_bars_bucket(L, (1737988200 + 300) * S), 5793295);
}

Test(bars, completes_on_the_next_bucket_with_ohlc_and_log_return)
{
    sw_bars b;
    sw_bar_done d;
    const sw_bar_len L = sw_bar_len_of(SW_NS_PER_MIN);
    sw_bars_init(&b);
    /* Bucket 0: 100, 101, 99. */
    cr_expect_eq(sw_bars_tick(&b, L, 0, 100, &d), 0);
    cr_expect_eq(sw_bars_tick(&b, L, 30 * S, 101, &d), 0);
    cr_expect_eq(sw_bars_tick(&b, L, 59 * S, 99, &d), 0);
    /* 60 s opens bucket 1 and completes bucket 0: O 100 H 101 L 99 C 99,
     * three prices, no previous close hence no return. */
    cr_assert_eq(sw_bars_tick(&b, L, 60 * S, 102, &d), 1);
    cr_expect_eq(d.bucket, 0);
    cr_expect_eq(d.open, 100);
    cr_expect_eq(d.high, 101);
    cr_expect_eq(d.low, 99);
    cr_expect_eq(d.close, 99);
    cr_expect_eq(d.n, 3);
    cr_expect(isnan(d.ret));
    cr_expect_eq(d.span, 0);
    /* Bucket 1: 102, 103.  Completed by 125 s (bucket 2):
     * ret = ln(103 / 99) = ln(1.040404...) = 0.0396091381. */
    cr_expect_eq(sw_bars_tick(&b, L, 61 * S, 103, &d), 0);
    cr_assert_eq(sw_bars_tick(&b, L, 125 * S, 104, &d), 1);
    cr_expect_eq(d.bucket, 1);
    cr_expect_eq(d.open, 102);
    cr_expect_eq(d.close, 103);
    NEAR(d.ret, 0.0396091381, 1e-10);
    cr_expect_eq(d.span, 1);
    /* Bucket 2 holds 104 only; the next tick is in bucket 5 (300 s), so
     * buckets 3 and 4 had no trade.  Bucket 2: ln(104/103) = 0.0096619109. */
    cr_assert_eq(sw_bars_tick(&b, L, 300 * S, 105, &d), 1);
    cr_expect_eq(d.bucket, 2);
    NEAR(d.ret, 0.0096619109, 1e-10);
    /* Bucket 5 completes at 600 s: ln(105/104) = 0.0095694510 over
     * 5 - 2 = 3 bucket lengths. */
    cr_assert_eq(sw_bars_tick(&b, L, 600 * S, 106, &d), 1);
    cr_expect_eq(d.bucket, 5);
    NEAR(d.ret, 0.0095694510, 1e-10);
    cr_expect_eq(d.span, 3);
}

Test(bars, a_bucket_without_added_prices_is_dropped)
{
    sw_bars b;
    sw_bar_done d;
    const sw_bar_len L = sw_bar_len_of(SW_NS_PER_MIN);
    sw_bars_init(&b);
    sw_bars_tick(&b, L, 0, 100, &d);
    /* Bucket 1 is entered (completing bucket 0) but the caller keeps its
     * only price out (an unconfirmed outlier). */
    cr_expect_eq(sw_bars_roll(&b, L, 70 * S, &d), 1);
    cr_expect_eq(d.close, 100);
    cr_expect_eq(sw_bars_span(&b, L), 1);
    /* Bucket 2: nothing to complete for bucket 1, and the span from the
     * last close (bucket 0) to the bar in progress is 2. */
    cr_expect_eq(sw_bars_roll(&b, L, 130 * S, &d), 0);
    cr_expect_eq(sw_bars_span(&b, L), 2);
    sw_bars_add(&b, 110);
    /* Completed by bucket 3: ln(110/100) = 0.0953101798 over 2 buckets. */
    cr_assert_eq(sw_bars_tick(&b, L, 190 * S, 111, &d), 1);
    cr_expect_eq(d.bucket, 2);
    NEAR(d.ret, 0.0953101798, 1e-10);
    cr_expect_eq(d.span, 2);
}

Test(bars, break_keeps_the_bar_in_progress_and_drops_the_next_return)
{
    sw_bars b;
    sw_bar_done d;
    const sw_bar_len L = sw_bar_len_of(SW_NS_PER_MIN);
    sw_bars_init(&b);
    sw_bars_tick(&b, L, 0, 100, &d);
    sw_bars_tick(&b, L, 60 * S, 101, &d); /* completes bucket 0 */
    /* Session ends with bucket 1 (close 101) in progress; a new one begins. */
    sw_bars_break(&b);
    /* The first tick of the new session completes bucket 1 with its own
     * return ln(101/100) = 0.00995033085: yesterday's last bar is a bar. */
    cr_assert_eq(sw_bars_tick(&b, L, 86400 * S, 110, &d), 1);
    cr_expect_eq(d.bucket, 1);
    NEAR(d.ret, 0.00995033085, 1e-10);
    /* The first bar of the new session has no return: 110 vs 101 is the gap. */
    cr_assert_eq(sw_bars_tick(&b, L, 86460 * S, 111, &d), 1);
    cr_expect_eq(d.close, 110);
    cr_expect(isnan(d.ret));
    /* And the second bar is ordinary again: ln(111/110) = 0.00904983552. */
    cr_assert_eq(sw_bars_tick(&b, L, 86520 * S, 112, &d), 1);
    NEAR(d.ret, 0.00904983552, 1e-10);
    cr_expect_eq(d.span, 1);
}

Test(bars, daily_bars_are_new_york_dates_and_skip_weekends)
{
    sw_bars b;
    sw_bar_done d;
    const sw_bar_len L = sw_bar_len_of(SW_NS_PER_DAY);
    sw_bars_init(&b);
    int64_t fri = sw_days_from_civil(2025, 1, 24), mon = sw_days_from_civil(2025, 1, 27);
    int64_t tue = mon + 1;
    /* Friday's session from 09:30 to the 16:00 close, then a post-market
     * print at 19:30 New York, which is 00:30 UTC on Saturday: still
     * Friday's bar, because daily buckets are New York dates. */
    sw_bars_tick(&b, L, sw_ny_to_utc(fri, 9, 30, 0), 148.37, &d);
    sw_bars_tick(&b, L, sw_ny_to_utc(fri, 16, 0, 0), 142.62, &d);
    cr_expect_eq(sw_bars_tick(&b, L, sw_ny_to_utc(fri, 19, 30, 0), 142.60, &d), 0);
    cr_assert_eq(sw_bars_tick(&b, L, sw_ny_to_utc(mon, 9, 30, 0), 124.80, &d), 1);
    cr_expect_eq(d.bucket, fri);
    cr_expect_eq(d.close, 142.60);
    sw_bars_tick(&b, L, sw_ny_to_utc(mon, 16, 0, 0), 118.42, &d);
    /* Monday completes on Tuesday: ln(118.42 / 142.60) = -0.1858059..., and
     * Friday to Monday is one trading day, not three calendar days. */
    cr_assert_eq(sw_bars_tick(&b, L, sw_ny_to_utc(tue, 9, 30, 0), 121.81, &d), 1);
    cr_expect_eq(d.bucket, mon);
    NEAR(d.ret, log(118.42 / 142.60), 1e-15);
    NEAR(d.ret, -0.18580588, 1e-8);
    cr_expect_eq(d.span, 1);
}

Test(bars, split_divides_stored_prices)
{
    sw_bars b;
    sw_bar_done d;
    const sw_bar_len L = sw_bar_len_of(SW_NS_PER_MIN);
    sw_bars_init(&b);
    sw_bars_tick(&b, L, 0, 1000, &d);
    sw_bars_tick(&b, L, 60 * S, 1200, &d);
    /* 10-for-1: last close 1000 -> 100, bar in progress 1200 -> 120; a trade
     * at 121 after the split is then +ln(121/120), not -90%. */
    sw_bars_split(&b, 10);
    cr_expect_eq(b.last_close, 100);
    cr_expect_eq(b.close, 120);
    sw_bars_add(&b, 121);
    cr_assert_eq(sw_bars_tick(&b, L, 120 * S, 122, &d), 1);
    NEAR(d.ret, log(121.0 / 100.0), 1e-15);
}
