/* sw_daybook.c -- see sw_daybook.h. */
#include "sw_daybook.h"
#include "sw_time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void forget(sw_daybook_sym *s)
{
    s->ref = s->open = s->high = s->low = s->close = s->first = s->last = NAN;
    s->first_ts = s->last_ts = INT64_MIN;
    s->ticks = s->daily_ticks = 0;
    if (s->path.cols)
        sw_colseries_clear(&s->path);
}

int sw_daybook_init(sw_daybook *b, size_t n, int64_t step)
{
    memset(b, 0, sizeof *b);
    b->syms = calloc(n ? n : 1, sizeof *b->syms);
    if (!b->syms)
        return -1;
    b->n = n;
    b->step = step;
    b->day = INT64_MIN; /* no day yet */
    for (size_t i = 0; i < n; i++)
        forget(&b->syms[i]);
    return 0;
}

void sw_daybook_free(sw_daybook *b)
{
    for (size_t i = 0; i < b->n; i++)
        sw_colseries_free(&b->syms[i].path);
    free(b->syms);
    memset(b, 0, sizeof *b);
}

void sw_daybook_start(sw_daybook *b, int64_t day, const sw_calendar *cal)
{
    b->day = day;
    b->lo = sw_ny_to_utc(day, 0, 0, 0);
    b->hi = sw_ny_to_utc(day + 1, 0, 0, 0);
    if (!sw_calendar_session(cal, day, &b->open, &b->close)) {
        b->open = INT64_MAX;
        b->close = INT64_MIN;
    }
    for (size_t i = 0; i < b->n; i++) {
        sw_daybook_sym *s = &b->syms[i];
        /* A day of another length (daylight saving) needs other columns. */
        if (s->path.cols && (int64_t)s->path.ncols * s->path.step < b->hi - b->lo)
            sw_colseries_free(&s->path);
        if (s->path.cols)
            s->path.t0 = b->lo;
        forget(s);
    }
}

int sw_daybook_add(sw_daybook *b, size_t sym, const sw_tick *t, double ref)
{
    /* A status, LULD bands, or a trade its conditions keep from the price
     * (an odd lot, a late average-price print) is not on the price path. */
    if (sym >= b->n || t->ts_ns < b->lo || t->ts_ns >= b->hi || (t->flags & (SW_TICK_EVENT | SW_TICK_NO_LAST)))
        return 0;
    sw_daybook_sym *s = &b->syms[sym];
    if (!s->path.cols && sw_colseries_init(&s->path, b->lo, b->hi, b->step) != 0)
        return -1;
    double p = t->price;
    if (s->ticks == 0) {
        s->ref = ref;
        s->first = p;
        s->first_ts = t->ts_ns;
    }
    s->ticks++;
    if (t->flags & SW_TICK_DAILY_BAR)
        s->daily_ticks++;
    s->last = p;
    s->last_ts = t->ts_ns;
    sw_colseries_add(&s->path, t->ts_ns, p);
    /* The closing print stamped exactly at the close belongs to the session. */
    if (t->ts_ns >= b->open && t->ts_ns <= b->close) {
        if (isnan(s->open)) {
            s->open = s->high = s->low = p;
        }
        s->high = fmax(s->high, p);
        s->low = fmin(s->low, p);
        s->close = p;
    }
    return 0;
}

int sw_daybook_daily_only(const sw_daybook_sym *s)
{
    return s->ticks > 0 && s->daily_ticks == s->ticks;
}

double sw_daybook_base(const sw_daybook_sym *s)
{
    return isfinite(s->ref) && s->ref > 0 ? s->ref : s->first;
}
