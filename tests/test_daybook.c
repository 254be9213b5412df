/*
 * test_daybook.c -- one New York day of a watchlist as the drawings need it
 * (daemon/charts/sw_daybook.c): the reference taken at the first tick, the
 * regular session's open, high, low and close (the closing print included,
 * pre- and after-market left out), ticks of other days ignored, a day known
 * only from a daily bar, a holiday, and a fresh start on the next day.
 */
#include "sw_daybook.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#define DAY INT64_C(20115) /* Monday 2025-01-27 */

static sw_tick tick(int64_t day, int h, int m, int s, double price, uint32_t flags)
{
    sw_tick t;
    memset(&t, 0, sizeof t);
    strcpy(t.symbol, "NVDA");
    t.price = price;
    t.size = 100;
    t.ts_ns = sw_ny_to_utc(day, h, m, s);
    t.flags = flags;
    return t;
}

Test(daybook, session_prices_and_reference)
{
    sw_daybook b;
    cr_assert_eq(sw_daybook_init(&b, 2, 15 * SW_NS_PER_SEC), 0);
    sw_daybook_start(&b, DAY, NULL);
    cr_expect_eq(b.open, sw_ny_to_utc(DAY, 9, 30, 0));
    cr_expect_eq(b.close, sw_ny_to_utc(DAY, 16, 0, 0));
    sw_tick t[] = {
        tick(DAY - 3, 15, 59, 0, 142.00, 0),  /* Friday: not this book's day */
        tick(DAY, 8, 0, 0, 120.00, 0),        /* pre-market: a price, not the open */
        tick(DAY, 9, 30, 0, 124.80, 0),       /* the open */
        tick(DAY, 10, 0, 0, 128.40, 0),
        tick(DAY, 14, 0, 0, 116.70, 0),
        tick(DAY, 16, 0, 0, 118.42, 0),       /* the closing print, stamped at the close */
        tick(DAY, 16, 5, 0, 117.00, 0),       /* after hours */
        tick(DAY + 1, 9, 30, 0, 121.00, 0),   /* Tuesday */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        cr_assert_eq(sw_daybook_add(&b, 0, &t[i], i == 1 ? 142.62 : 1.0), 0);
    const sw_daybook_sym *s = &b.syms[0];
    cr_expect_eq(s->ticks, 6u, "Friday's and Tuesday's ticks are not Monday's");
    cr_expect_eq(s->ref, 142.62, "the engine's previous close at the day's first tick");
    /* Open to close from the regular session only; first and last of any hour. */
    const char *what[] = { "open", "high", "low", "close", "first", "last" };
    const double got[] = { s->open, s->high, s->low, s->close, s->first, s->last };
    const double want[] = { 124.80, 128.40, 116.70, 118.42, 120.00, 117.00 };
    for (size_t i = 0; i < 6; i++)
        cr_expect_eq(got[i], want[i], "%s: %g, expected %g", what[i], got[i], want[i]);
    cr_expect_eq(s->first_ts, t[1].ts_ns);
    cr_expect_eq(sw_daybook_base(s), 142.62);
    cr_expect(!sw_daybook_daily_only(s));
    cr_expect_eq(sw_colseries_at(&s->path, t[4].ts_ns), 116.70, "the path holds every hour");
    /* The other symbol never traded. */
    cr_expect_eq(b.syms[1].ticks, 0u);
    cr_expect(isnan(sw_daybook_base(&b.syms[1])));
    cr_expect_null(b.syms[1].path.cols, "no columns without a tick");
    /* Next day: everything forgotten, the memory kept. */
    sw_col *cols = s->path.cols;
    sw_daybook_start(&b, DAY + 1, NULL);
    cr_expect_eq(s->ticks, 0u);
    cr_expect(isnan(s->open) && isnan(s->ref));
    cr_expect_eq(s->path.cols, cols);
    cr_expect_eq(s->path.t0, b.lo);
    sw_tick tue = tick(DAY + 1, 9, 30, 0, 121.00, 0);
    cr_assert_eq(sw_daybook_add(&b, 0, &tue, NAN), 0);
    cr_expect_eq(sw_daybook_base(s), 121.00, "no previous close: against the first trade");
    sw_daybook_free(&b);
}

Test(daybook, daily_bar_and_holiday)
{
    sw_calendar cal;
    sw_calendar_init(&cal);
    cr_assert_eq(sw_calendar_add_holiday(&cal, DAY + 1), 0);
    sw_calendar_set_coverage(&cal, DAY - 30, DAY + 30);
    sw_daybook b;
    cr_assert_eq(sw_daybook_init(&b, 1, 60 * SW_NS_PER_SEC), 0);
    sw_daybook_start(&b, DAY, &cal);
    /* A daily bar's four ticks: the day is known only as that bar. */
    const double px[] = { 124.80, 128.40, 116.70, 118.42 };
    const int hm[][2] = { { 9, 30 }, { 11, 40 }, { 13, 50 }, { 16, 0 } };
    for (int i = 0; i < 4; i++) {
        sw_tick t = tick(DAY, hm[i][0], hm[i][1], 0, px[i], SW_TICK_SYNTH_BAR | SW_TICK_DAILY_BAR);
        sw_daybook_add(&b, 0, &t, 142.62);
    }
    cr_expect(sw_daybook_daily_only(&b.syms[0]));
    cr_expect(b.syms[0].open == 124.80 && b.syms[0].close == 118.42 && b.syms[0].low == 116.70);
    /* An intraday bar's tick makes it a day with a path. */
    sw_tick t = tick(DAY, 10, 0, 0, 125, SW_TICK_SYNTH_BAR);
    sw_daybook_add(&b, 0, &t, 142.62);
    cr_expect(!sw_daybook_daily_only(&b.syms[0]));
    /* A holiday: no regular session, so no open or close, whatever prints. */
    sw_daybook_start(&b, DAY + 1, &cal);
    cr_expect_gt(b.open, b.close, "closed all day");
    t = tick(DAY + 1, 10, 0, 0, 119, 0);
    sw_daybook_add(&b, 0, &t, 118.42);
    cr_expect_eq(b.syms[0].ticks, 1u);
    cr_expect(isnan(b.syms[0].open) && isnan(b.syms[0].close));
    sw_daybook_free(&b);
}
