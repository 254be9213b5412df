/* sw_axis.c -- see sw_axis.h. */
#include "sw_axis.h"
#include "sw_time.h"

#include <math.h>
#include <string.h>

/* Decimal powers 1e-9 .. 1e15, exactly as the compiler rounds the literals. */
static const double pow10s[] = {
    1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3,
    1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};
#define N_POW10 (sizeof pow10s / sizeof pow10s[0])

double sw_axis_step(double lo, double hi, int target)
{
    if (target < 1)
        target = 1;
    double span = hi - lo;
    if (!(span > 0) || !isfinite(span))
        span = fabs(hi) > 0 && isfinite(hi) ? fabs(hi) : 1;
    double raw = span / target;
    size_t i = 0;
    while (i + 1 < N_POW10 && pow10s[i + 1] <= raw)
        i++;
    double mag = pow10s[i];
    double f = raw / mag;
    double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
    return nice * mag;
}

int sw_axis_decimals(double step)
{
    for (int d = 0; d <= 9; d++) {
        double scaled = step * pow10s[9 + d];
        if (fabs(scaled - round(scaled)) < 1e-6 * scaled)
            return d;
    }
    return 9;
}

size_t sw_axis_ticks(double lo, double hi, int target, double *out, size_t max, double *step)
{
    double st = sw_axis_step(lo, hi, target);
    if (step)
        *step = st;
    if (!(hi >= lo) || !isfinite(lo) || !isfinite(hi))
        return 0;
    /* A tick a hair outside because of rounding still counts as on the edge. */
    double k0 = ceil(lo / st - 1e-9), k1 = floor(hi / st + 1e-9);
    size_t n = 0;
    for (double k = k0; k <= k1 && n < max; k++) {
        double v = k * st;
        out[n++] = v == 0 ? 0 : v; /* never -0 */
    }
    return n;
}

void sw_axis_nice(double *lo, double *hi, int target)
{
    if (!isfinite(*lo) || !isfinite(*hi))
        return;
    if (*hi < *lo) {
        double t = *lo;
        *lo = *hi;
        *hi = t;
    }
    if (*hi == *lo) {
        double pad = *lo == 0 ? 1 : fabs(*lo) * 0.1;
        *lo -= pad;
        *hi += pad;
    }
    double st = sw_axis_step(*lo, *hi, target);
    *lo = floor(*lo / st + 1e-9) * st;
    *hi = ceil(*hi / st - 1e-9) * st;
}

size_t sw_axis_time_ticks(int64_t from, int64_t to, int target, int64_t *out, size_t max, int64_t *step_ns)
{
    static const int steps_min[] = { 1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720 };
    size_t n_steps = sizeof steps_min / sizeof steps_min[0];
    if (target < 1)
        target = 1;
    int step = steps_min[n_steps - 1];
    for (size_t i = 0; i < n_steps; i++)
        if ((to - from) / (steps_min[i] * SW_NS_PER_MIN) <= target) {
            step = steps_min[i];
            break;
        }
    if (step_ns)
        *step_ns = step * SW_NS_PER_MIN;
    size_t n = 0;
    if (to < from)
        return 0;
    for (int64_t day = sw_ny_day(from, NULL); day <= sw_ny_day(to, NULL); day++)
        for (int m = 0; m < 24 * 60 && n < max; m += step) {
            int64_t t = sw_ny_to_utc(day, m / 60, m % 60, 0);
            if (t >= from && t <= to && (n == 0 || t > out[n - 1]))
                out[n++] = t;
        }
    return n;
}

static char *two(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

char *sw_ny_clock(int64_t ts, int prec, char *buf)
{
    int sod;
    sw_ny_day(ts, &sod);
    char *p = two(buf, sod / 3600);
    *p++ = ':';
    p = two(p, sod / 60 % 60);
    if (prec >= 1) {
        *p++ = ':';
        p = two(p, sod % 60);
    }
    if (prec >= 2) {
        int64_t ms = ts % SW_NS_PER_SEC / 1000000;
        if (ms < 0)
            ms += 1000;
        *p++ = '.';
        *p++ = (char)('0' + ms / 100);
        p = two(p, (int)(ms % 100));
    }
    *p = '\0';
    return buf;
}

char *sw_ny_date(int64_t day, char *buf)
{
    int y, m, d;
    sw_civil_from_days(day, &y, &m, &d);
    char *p = two(buf, y / 100);
    p = two(p, y % 100);
    *p++ = '-';
    p = two(p, m);
    *p++ = '-';
    p = two(p, d);
    *p = '\0';
    return buf;
}
