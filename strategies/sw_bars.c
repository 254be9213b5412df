/* sw_bars.c -- see sw_bars.h. */
#include "sw_bars.h"
#include "sw_time.h"

#include <math.h>

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Weekdays in the New York days (a, b], a <= b: the trading days a daily
 * return spans, holidays aside (they need the exchange calendar). */
static int64_t weekdays_between(int64_t a, int64_t b)
{
    int64_t n = b - a;
    int64_t count = n / 7 * 5;
    for (int64_t d = a + n / 7 * 7 + 1; d <= b; d++) {
        int w = sw_weekday(d);
        count += w != 0 && w != 6;
    }
    return count;
}

sw_bar_len sw_bar_len_of(int64_t len_ns)
{
    if (len_ns <= 0)
        len_ns = SW_NS_PER_MIN;
    sw_bar_len L = { len_ns, len_ns % SW_NS_PER_DAY == 0 ? len_ns / SW_NS_PER_DAY : 0 };
    return L;
}

void sw_bars_init(sw_bars *b)
{
    b->bucket = SW_BARS_NONE;
    b->open = b->high = b->low = b->close = NAN;
    b->n = 0;
    b->last_bucket = SW_BARS_NONE;
    b->last_close = NAN;
    b->pending_break = 0;
}

int64_t sw_bars_bucket(sw_bar_len L, int64_t ts)
{
    if (L.days)
        return floor_div(sw_ny_day(ts, NULL), L.days);
    return floor_div(ts, L.ns);
}

int64_t sw_bars_span(const sw_bars *b, sw_bar_len L)
{
    if (b->last_bucket == SW_BARS_NONE || b->bucket == SW_BARS_NONE || b->bucket <= b->last_bucket)
        return 1;
    if (L.days) {
        /* Friday to Monday is one daily return, not three. */
        int64_t days = weekdays_between(b->last_bucket * L.days, b->bucket * L.days);
        return days >= L.days ? days / L.days : 1;
    }
    return b->bucket - b->last_bucket;
}

int sw_bars_roll(sw_bars *b, sw_bar_len L, int64_t ts, sw_bar_done *done)
{
    int64_t k = sw_bars_bucket(L, ts);
    if (b->bucket != SW_BARS_NONE && k <= b->bucket)
        return 0; /* same bar (an older stamp is the caller's business) */
    int completed = 0;
    if (b->bucket != SW_BARS_NONE && b->n > 0) {
        done->bucket = b->bucket;
        done->open = b->open;
        done->high = b->high;
        done->low = b->low;
        done->close = b->close;
        done->n = b->n;
        if (b->last_close > 0) {
            done->ret = log(b->close / b->last_close);
            done->span = sw_bars_span(b, L);
        } else {
            done->ret = NAN;
            done->span = 0;
        }
        b->last_bucket = b->bucket;
        b->last_close = b->close;
        completed = 1;
    }
    if (b->pending_break) {
        b->last_close = NAN;
        b->pending_break = 0;
    }
    b->bucket = k;
    b->n = 0;
    b->open = b->high = b->low = b->close = NAN;
    return completed;
}

void sw_bars_add(sw_bars *b, double price)
{
    if (b->n++ == 0) {
        b->open = b->high = b->low = price;
    } else {
        if (price > b->high)
            b->high = price;
        if (price < b->low)
            b->low = price;
    }
    b->close = price;
}

int sw_bars_tick(sw_bars *b, sw_bar_len L, int64_t ts, double price, sw_bar_done *done)
{
    int completed = sw_bars_roll(b, L, ts, done);
    sw_bars_add(b, price);
    return completed;
}

void sw_bars_break(sw_bars *b)
{
    b->pending_break = 1;
}

void sw_bars_split(sw_bars *b, double ratio)
{
    b->open /= ratio;
    b->high /= ratio;
    b->low /= ratio;
    b->close /= ratio;
    b->last_close /= ratio;
}
