/*
 * gen_session.c -- deterministic synthetic trading session, pinned to real daily bars.
 *
 * Reads DIR/<SYM>.csv (daily bars: date,Close,High,Low,Open,Volume,...,splitfactor;
 * header names are matched case-insensitively) and writes the trades of one New York
 * regular session as Finnhub WebSocket messages, one raw JSON message per line:
 *
 *   {"data":[{"c":["1"],"p":118.42,"s":"NVDA","t":1737988200000,"v":100}],"type":"trade"}
 *
 * For every symbol:
 *   - the end of the previous session: 150-300 trades between 15:55 and 16:00 New York,
 *     the last one exactly at 16:00:00.000 at the real previous Close;
 *   - the session: an opening print at 09:30:00.000 at the real Open, the real High and
 *     the real Low reached exactly once each (never exceeded), a closing print at
 *     16:00:00.000 at the real Close.  Between these pins the path is a Brownian bridge
 *     (open -> first extreme -> second extreme -> close) conditioned to stay inside
 *     [Low, High] (Bessel-3 bridges measured from the walls, see bessel_piece), with the
 *     per-minute volatility implied by the day's range (Parkinson), plus a bid/ask bounce.
 *   - trade times: inhomogeneous Poisson process with a U-shaped intensity; sizes mostly
 *     round lots.
 *
 * Determinism: own PRNG (splitmix64 seeding xoshiro256**), one stream per symbol (so a
 * symbol's path does not depend on which other symbols are generated), and only IEEE-754
 * correctly rounded operations (+ - * / sqrt) on doubles -- logarithms are computed here,
 * not by libm, whose exp/log differ in the last bit between implementations.  Prices are
 * carried and printed as integer cents.  Build with -ffp-contract=off (data/CMakeLists.txt)
 * so no fused multiply-add changes a rounding.  Same arguments -> byte-identical output.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw_time.h"

#define DEFAULT_SEED UINT64_C(20250127)
#define MAX_SYMBOLS 64
#define MAX_SYMLEN 15

#define SESSION_S 23400            /* 09:30 .. 16:00 */
#define SESSION_MS INT64_C(23400000)
#define SESSION_MIN 390.0

/* Trade intensity, trades per second per symbol: U shape. */
#define RATE_MID 0.6    /* midday floor */
#define RATE_OPEN 3.5   /* at 09:30 */
#define RATE_CLOSE 3.2  /* at 16:00 */
#define RATE_TAU_MIN 25.0 /* decay of the open/close bursts, minutes */

#define LN2 0.69314718055994530942
#define SQRT_LN2 0.83255461115769775635 /* sqrt(ln 2) */

/* ---------------------------------------------------------------- PRNG ---- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void rng_seed(rng_t *r, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&sm);
}

/* Uniform in [0, 1), 53 random bits: exact. */
static double rng_unif(rng_t *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* Uniform in (0, 1]. */
static double rng_unif_pos(rng_t *r) { return (double)((rng_next(r) >> 11) + 1) * 0x1.0p-53; }

/* Uniform integer in [0, n), n > 0: rejection sampling, unbiased. */
static uint64_t rng_below(rng_t *r, uint64_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = rng_next(r);
    while (x >= lim);
    return x % n;
}

/* Approximately standard normal: Irwin-Hall sum of 12 uniforms minus 6.  Mean 0,
 * variance 1, and bounded to [-6, 6] by construction: no draw can produce a jump
 * beyond what the volatility allows. */
static double rng_gauss(rng_t *r)
{
    double s = 0.0;
    for (int i = 0; i < 12; i++)
        s += rng_unif(r);
    return s - 6.0;
}

/* ------------------------------------------------- deterministic math ---- */

/* Natural logarithm of x > 0 with + - * / only (frexp is exact): x = m * 2^e with
 * m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.1716; a fixed
 * number of series terms reaches full double precision. */
static double det_ln(double x)
{
    int e;
    double m = frexp(x, &e);
    if (m < 0.70710678118654752440) {
        m *= 2.0;
        e -= 1;
    }
    double s = (m - 1.0) / (m + 1.0);
    double s2 = s * s;
    double term = s, sum = 0.0;
    for (int k = 1; k <= 41; k += 2) {
        sum += term / k;
        term *= s2;
    }
    return 2.0 * sum + e * LN2;
}

/* ------------------------------------------------------------- input ---- */

typedef struct {
    int64_t day;        /* New York local date, days since 1970-01-01 */
    int64_t open, high, low, close; /* cents */
    int64_t volume;
    double split;       /* splitfactor of the row, 1.0 if the column is absent */
} bar_t;

typedef struct {
    char name[MAX_SYMLEN + 1];
    bar_t prev, cur;
} symbol_t;

static const char *prog = "gen_session";

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = *a, cb = *b;
        if (ca >= 'A' && ca <= 'Z')
            ca = (char)(ca - 'A' + 'a');
        if (cb >= 'A' && cb <= 'Z')
            cb = (char)(cb - 'A' + 'a');
        if (ca != cb)
            return 0;
    }
    return *a == *b;
}

/* Split line in place on commas; returns the number of fields (at most max). */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n < max)
            fields[n] = p;
        n++;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n > max ? max : n;
}

/* Parse "YYYY-MM-DD" at the start of s (anything may follow, e.g. " 00:00:00+00:00"). */
static int parse_date(const char *s, int64_t *day)
{
    int y = 0, m = 0, d = 0;
    for (int i = 0; i < 10; i++) {
        char c = s[i];
        if (i == 4 || i == 7) {
            if (c != '-')
                return -1;
        } else if (c < '0' || c > '9') {
            return -1;
        }
    }
    if (s[10] != '\0' && s[10] != ' ' && s[10] != 'T')
        return -1;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    int64_t days = sw_days_from_civil(y, m, d);
    int yy, mm, dd;
    sw_civil_from_days(days, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d)
        return -1; /* 2025-02-30 */
    *day = days;
    return 0;
}

/* Decimal text -> cents, rounded half away from zero on the decimal digits themselves
 * (no binary floating point: "187.665" -> 18767 exactly).  Accepts "124.8", "128",
 * "171.5599975585938".  Returns -1 on anything else or a non-positive price. */
static int parse_cents(const char *s, int64_t *out)
{
    int64_t whole = 0;
    const char *p = s;
    int digits = 0;
    if (*p == '+')
        p++;
    while (*p >= '0' && *p <= '9') {
        if (whole > INT64_C(100000000000))
            return -1;
        whole = whole * 10 + (*p - '0');
        p++;
        digits++;
    }
    int64_t frac = 0;
    int nf = 0, round_up = 0;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (nf < 2)
                frac = frac * 10 + (*p - '0');
            else if (nf == 2)
                round_up = (*p >= '5');
            nf++;
            digits++;
            p++;
        }
    }
    if (digits == 0 || *p != '\0')
        return -1;
    for (int i = nf; i < 2; i++)
        frac *= 10;
    int64_t c = whole * 100 + frac + round_up;
    if (c <= 0)
        return -1;
    *out = c;
    return 0;
}

static int parse_volume(const char *s, int64_t *out)
{
    /* Integers, occasionally written as "1234.0". */
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno)
        return -1;
    if (*end == '.') {
        end++;
        while (*end == '0')
            end++;
    }
    if (*end != '\0' || v < 0)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno)
        return -1;
    *out = v;
    return 0;
}

static void strip_eol(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

enum { COL_DATE, COL_CLOSE, COL_HIGH, COL_LOW, COL_OPEN, COL_VOLUME, COL_SPLIT, NCOL };
static const char *const col_names[NCOL] = {"date",  "close",  "high",       "low",
                                            "open",  "volume", "splitfactor"};

/* Parse one data row into a bar; reports errors as path:line. */
static int parse_row(const char *path, long lineno, char **f, int nf, const int *col, bar_t *b)
{
    for (int c = 0; c < NCOL; c++) {
        if (col[c] >= 0 && col[c] >= nf) {
            fprintf(stderr, "%s: %s:%ld: only %d fields, expected column '%s' at position %d\n",
                    prog, path, lineno, nf, col_names[c], col[c] + 1);
            return -1;
        }
    }
    if (parse_date(f[col[COL_DATE]], &b->day) != 0) {
        fprintf(stderr, "%s: %s:%ld: bad date '%s' (want YYYY-MM-DD...)\n", prog, path, lineno,
                f[col[COL_DATE]]);
        return -1;
    }
    int64_t *dst[4] = {&b->close, &b->high, &b->low, &b->open};
    for (int c = COL_CLOSE; c <= COL_OPEN; c++) {
        if (parse_cents(f[col[c]], dst[c - COL_CLOSE]) != 0) {
            fprintf(stderr, "%s: %s:%ld: bad %s price '%s' (want a positive decimal number)\n",
                    prog, path, lineno, col_names[c], f[col[c]]);
            return -1;
        }
    }
    if (parse_volume(f[col[COL_VOLUME]], &b->volume) != 0) {
        fprintf(stderr, "%s: %s:%ld: bad volume '%s'\n", prog, path, lineno, f[col[COL_VOLUME]]);
        return -1;
    }
    b->split = 1.0;
    if (col[COL_SPLIT] >= 0 && f[col[COL_SPLIT]][0] != '\0' &&
        parse_double(f[col[COL_SPLIT]], &b->split) != 0) {
        fprintf(stderr, "%s: %s:%ld: bad splitfactor '%s'\n", prog, path, lineno,
                f[col[COL_SPLIT]]);
        return -1;
    }
    if (!(b->low <= b->open && b->open <= b->high && b->low <= b->close &&
          b->close <= b->high)) {
        fprintf(stderr,
                "%s: %s:%ld: inconsistent bar: open %s, high %s, low %s, close %s "
                "(need low <= open, close <= high)\n",
                prog, path, lineno, f[col[COL_OPEN]], f[col[COL_HIGH]], f[col[COL_LOW]],
                f[col[COL_CLOSE]]);
        return -1;
    }
    return 0;
}

/* Load the row of `day` and the row before it from dir/<sym>.csv. */
static int load_symbol(const char *dir, symbol_t *sym, int64_t day, const char *date_text)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s.csv", dir, sym->name);
    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "%s: path too long: %s/%s.csv\n", prog, dir, sym->name);
        return -1;
    }
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "%s: cannot open %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int col[NCOL];
    int have_prev = 0, found = 0, rc = -1;
    int64_t last_day = INT64_MIN;
    bar_t prev = {0}, cur = {0};
    char *f[64];

    if (getline(&line, &cap, fp) < 0) {
        fprintf(stderr, "%s: %s:1: empty file (want a header line)\n", prog, path);
        goto out;
    }
    lineno = 1;
    strip_eol(line);
    int nf = split_csv(line, f, 64);
    for (int c = 0; c < NCOL; c++) {
        col[c] = -1;
        for (int i = 0; i < nf; i++)
            if (ieq(f[i], col_names[c]))
                col[c] = i;
        if (col[c] < 0 && c != COL_SPLIT) {
            fprintf(stderr, "%s: %s:1: header has no '%s' column\n", prog, path, col_names[c]);
            goto out;
        }
    }
    while (getline(&line, &cap, fp) >= 0) {
        lineno++;
        strip_eol(line);
        if (line[0] == '\0')
            continue;
        nf = split_csv(line, f, 64);
        bar_t b;
        if (parse_row(path, lineno, f, nf, col, &b) != 0)
            goto out;
        if (b.day <= last_day) {
            fprintf(stderr, "%s: %s:%ld: date %s is not after the previous row's\n", prog, path,
                    lineno, f[col[COL_DATE]]);
            goto out;
        }
        last_day = b.day;
        if (b.day == day) {
            if (!have_prev) {
                fprintf(stderr,
                        "%s: %s:%ld: %s is the first row: no previous trading day to close\n",
                        prog, path, lineno, date_text);
                goto out;
            }
            cur = b;
            found = 1;
            break;
        }
        prev = b;
        have_prev = 1;
    }
    if (ferror(fp)) {
        fprintf(stderr, "%s: %s: read error: %s\n", prog, path, strerror(errno));
        goto out;
    }
    if (!found) {
        fprintf(stderr, "%s: %s: no row for %s (%ld lines read)\n", prog, path, date_text,
                lineno);
        goto out;
    }
    sym->prev = prev;
    sym->cur = cur;
    if (cur.day - prev.day > 5)
        fprintf(stderr,
                "%s: warning: %s:%ld: the previous row is %" PRId64
                " days before %s: rows missing?\n",
                prog, path, lineno, cur.day - prev.day, date_text);
    if (cur.split != 1.0)
        fprintf(stderr,
                "%s: warning: %s: splitfactor %g on %s: the previous close %" PRId64
                ".%02" PRId64 " is in pre-split units, as a live feed would show it\n",
                prog, path, cur.split, date_text, prev.close / 100, prev.close % 100);
    rc = 0;
out:
    free(line);
    fclose(fp);
    return rc;
}

/* ---------------------------------------------------------- generation ---- */

typedef struct {
    int64_t t_ms;  /* epoch ms UTC */
    int64_t price; /* cents */
    int32_t size;
    int16_t sym;
    uint32_t seq; /* global insertion order: total order for sorting */
} trade_t;

typedef struct {
    trade_t *v;
    size_t n, cap;
} trades_t;

static int push_trade(trades_t *tr, int64_t t_ms, int64_t price, int32_t size, int sym)
{
    if (tr->n == tr->cap) {
        size_t nc = tr->cap ? tr->cap * 2 : 65536;
        trade_t *nv = realloc(tr->v, nc * sizeof *nv);
        if (!nv) {
            fprintf(stderr, "%s: out of memory\n", prog);
            return -1;
        }
        tr->v = nv;
        tr->cap = nc;
    }
    trade_t *t = &tr->v[tr->n];
    t->t_ms = t_ms;
    t->price = price;
    t->size = size;
    t->sym = (int16_t)sym;
    t->seq = (uint32_t)tr->n;
    tr->n++;
    return 0;
}

/* Trade size: mostly round lots, some odd lots. */
static int32_t draw_size(rng_t *r)
{
    uint64_t u = rng_below(r, 100);
    if (u < 20)
        return (int32_t)(1 + rng_below(r, 99)); /* odd lot 1..99 */
    if (u < 60)
        return 100;
    if (u < 75)
        return 200;
    if (u < 85)
        return 300;
    if (u < 89)
        return 400;
    if (u < 96)
        return 500;
    if (u < 99)
        return 1000;
    return 2500;
}

/* Auction print size: a fraction of the real daily volume, in round lots (>= 100). */
static int32_t auction_size(int64_t volume, int per_mille)
{
    int64_t s = volume * per_mille / 1000 / 100 * 100;
    if (s < 100)
        s = 100;
    if (s > 50000000)
        s = 50000000;
    return (int32_t)s;
}

/* Fold x into [lo, hi] by reflection at the walls: 1-Lipschitz, so it never makes a
 * step larger than the unfolded one. */
static double fold(double x, double lo, double hi)
{
    double w = hi - lo;
    if (w <= 0.0)
        return lo;
    double y = fmod(x - lo, 2.0 * w); /* fmod is exact */
    if (y < 0.0)
        y += 2.0 * w;
    if (y > w)
        y = 2.0 * w - y;
    return lo + y;
}

static int64_t clamp64(int64_t x, int64_t lo, int64_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Trades per second at `sec` seconds into the session. */
static double rate_at(double sec)
{
    double u = sec / 60.0; /* minutes since the open */
    double a = 1.0 + u / RATE_TAU_MIN;
    double b = 1.0 + (SESSION_MIN - u) / RATE_TAU_MIN;
    return RATE_MID + (RATE_OPEN - RATE_MID) / (a * a) + (RATE_CLOSE - RATE_MID) / (b * b);
}

/* Parkinson daily volatility (log units) from a bar's range. */
static double parkinson(const bar_t *b) { return det_ln((double)b->high / (double)b->low) / (2.0 * SQRT_LN2); }

/* Quoted spread in cents: one tick (1 cent) below $250, about 0.4 bp above -- SPY and
 * NVDA quote a cent wide, ASML and META a few cents. */
static int64_t spread_of(int64_t price)
{
    int64_t sp = price / 25000;
    return sp < 1 ? 1 : sp;
}

/* A trade against the quote around `mid`: at the bid or at the ask, at random. */
static int64_t trade_price(rng_t *r, double mid, int64_t spread)
{
    int64_t bid = (int64_t)floor(mid - (double)spread / 2.0 + 0.5);
    return rng_below(r, 2) ? bid + spread : bid;
}


/* One piece of the latent path on the 1-second grid: from value u at second t0 to v at
 * t1, staying inside [lo, hi].
 *
 * A plain Brownian bridge between two prices that sit on or near the day's extremes
 * would cross them and, clipped or reflected, grind along the wall.  Instead the piece
 * is measured from one wall ("the wall"): x = wall -/+ |B|, with B a 3-dimensional
 * Brownian bridge from (|u - wall|, 0, 0) to (|v - wall|, 0, 0).  Its norm is (close to)
 * a Bessel-3 bridge, i.e. a Brownian bridge conditioned not to touch the wall except at
 * an end that lies on it; far from the wall it is an ordinary Brownian bridge.  |B| is
 * 1-Lipschitz in B, so it makes no step larger than the underlying Brownian steps.  The
 * wall is the one an end lies on, else the nearer one; a draw that crosses the other
 * wall is rejected and drawn again (deterministically: the PRNG just moves on). */
static int bessel_piece(rng_t *r, double *w, double *walk, int64_t t0, int64_t t1, double u,
                        double v, double lo, double hi, double sig_sec)
{
    double wall, sign;
    if (u == lo || v == lo) {
        wall = lo;
        sign = 1.0;
    } else if (u == hi || v == hi) {
        wall = hi;
        sign = -1.0;
    } else {
        double dl = (u < v ? u : v) - lo, dh = hi - (u > v ? u : v);
        wall = dl <= dh ? lo : hi;
        sign = dl <= dh ? 1.0 : -1.0;
    }
    double da = (u - wall) * sign, db = (v - wall) * sign; /* both >= 0 */
    int64_t n = t1 - t0;
    for (int attempt = 0; attempt < 200; attempt++) {
        /* Three independent Brownian walks from 0 (walk[j*(n+1) + k]), then each pinned
         * at both ends: the first from da to db, the other two from 0 to 0. */
        double end[3];
        for (int j = 0; j < 3; j++) {
            double acc = 0.0;
            double *wj = walk + j * (n + 1);
            wj[0] = 0.0;
            for (int64_t k = 1; k <= n; k++) {
                acc += sig_sec * rng_gauss(r);
                wj[k] = acc;
            }
            end[j] = acc;
        }
        int ok = 1;
        for (int64_t k = 0; k <= n && ok; k++) {
            double f = (double)k / (double)n;
            double x0 = da + (db - da) * f + walk[k] - f * end[0];
            double x1 = walk[(n + 1) + k] - f * end[1];
            double x2 = walk[2 * (n + 1) + k] - f * end[2];
            double x = wall + sign * sqrt(x0 * x0 + x1 * x1 + x2 * x2);
            if (x < lo || x > hi)
                ok = 0;
            w[t0 + k] = x;
        }
        if (ok) {
            w[t0] = u; /* exact ends */
            w[t1] = v;
            return 0;
        }
    }
    return -1; /* none fits: the caller falls back */
}

/* Fallback for a piece no conditioned draw fits in (a range of a few cents): a plain
 * Brownian bridge folded into [lo, hi]. */
static void folded_piece(rng_t *r, double *w, int64_t t0, int64_t t1, double u, double v,
                         double lo, double hi, double sig_sec)
{
    int64_t n = t1 - t0;
    double acc = 0.0;
    w[t0] = 0.0;
    for (int64_t k = 1; k <= n; k++) {
        acc += sig_sec * rng_gauss(r);
        w[t0 + k] = acc;
    }
    for (int64_t k = 0; k <= n; k++) {
        double f = (double)k / (double)n;
        w[t0 + k] = fold(u + (v - u) * f + w[t0 + k] - f * acc, lo, hi);
    }
    w[t0] = u;
    w[t1] = v;
}

/* The segment between two waypoints, split at its middle so that each half has at most
 * one end on a wall (open -> high, high -> low, low -> close each touch at most one wall
 * per half).  The middle value is the Brownian bridge's, N((u+v)/2, sig^2 n/4), redrawn
 * until it lies inside the range. */
static void build_segment(rng_t *r, double *w, double *walk, int64_t t0, int64_t t1, double u,
                          double v, double lo, double hi, double sig_sec, int *fallbacks)
{
    int64_t tm = t0 + (t1 - t0) / 2;
    double sd = sig_sec * sqrt((double)(t1 - t0)) / 2.0;
    double margin = (hi - lo) / 20.0;
    double m = (u + v) / 2.0;
    for (int i = 0; i < 1000; i++) {
        double c = (u + v) / 2.0 + sd * rng_gauss(r);
        if (c > lo + margin && c < hi - margin) {
            m = c;
            break;
        }
    }
    if (tm == t0 || tm == t1) {
        folded_piece(r, w, t0, t1, u, v, lo, hi, sig_sec);
        return;
    }
    if (bessel_piece(r, w, walk, t0, tm, u, m, lo, hi, sig_sec) != 0) {
        folded_piece(r, w, t0, tm, u, m, lo, hi, sig_sec);
        (*fallbacks)++;
    }
    if (bessel_piece(r, w, walk, tm, t1, m, v, lo, hi, sig_sec) != 0) {
        folded_piece(r, w, tm, t1, m, v, lo, hi, sig_sec);
        (*fallbacks)++;
    }
}

typedef struct {
    double sigma_day, sigma_min; /* log units */
    size_t n_trades;
    int64_t t_first_ext_s, t_second_ext_s;
    int fallbacks; /* pieces drawn by the folded fallback */
} symstats_t;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static int gen_symbol(const symbol_t *sym, int idx, uint64_t seed, trades_t *tr, symstats_t *st)
{
    rng_t r;
    rng_seed(&r, seed ^ fnv1a(sym->name) ^ ((uint64_t)sym->cur.day * UINT64_C(0x9E3779B97F4A7C15)));
    size_t n0 = tr->n;

    /* ---- 1. the end of the previous session: 15:55 .. 16:00 New York ---- */
    const bar_t *pb = &sym->prev;
    int64_t prev_close_ms = sw_ny_to_utc(pb->day, 16, 0, 0) / 1000000;
    {
        double ref = (double)(pb->high + pb->low) / 2.0;
        double sig_sec = parkinson(pb) / sqrt(SESSION_MIN) / sqrt(60.0) * ref; /* cents */
        /* Half a trade to one trade a second, as a liquid name trades into
         * the close: sparser, and a two-minute hole would read as a stale
         * feed. */
        int n = 150 + (int)rng_below(&r, 150);
        int64_t ts[300];
        for (int i = 0; i < n; i++)
            ts[i] = (int64_t)rng_below(&r, 300000); /* ms after 15:55:00.000 */
        /* sort (insertion sort, n < 300) */
        for (int i = 1; i < n; i++) {
            int64_t v = ts[i];
            int j = i - 1;
            while (j >= 0 && ts[j] > v) {
                ts[j + 1] = ts[j];
                j--;
            }
            ts[j + 1] = v;
        }
        /* Walk backwards from the close. */
        int64_t px[300];
        double x = (double)pb->close;
        int64_t t_next = 300000;
        for (int i = n - 1; i >= 0; i--) {
            double dt = (double)(t_next - ts[i]) / 1000.0;
            x += sig_sec * sqrt(dt) * rng_gauss(&r);
            x = fold(x, (double)pb->low, (double)pb->high);
            int64_t p = trade_price(&r, x, spread_of(pb->close));
            px[i] = clamp64(p, pb->low, pb->high);
            t_next = ts[i];
        }
        int64_t base = prev_close_ms - 300000;
        for (int i = 0; i < n; i++)
            if (push_trade(tr, base + ts[i], px[i], draw_size(&r), idx) != 0)
                return -1;
        if (push_trade(tr, prev_close_ms, pb->close, auction_size(pb->volume, 15), idx) != 0)
            return -1;
    }

    /* ---- 2. the session ---- */
    const bar_t *b = &sym->cur;
    int64_t open_ms = sw_ny_to_utc(b->day, 9, 30, 0) / 1000000;
    int64_t close_ms = sw_ny_to_utc(b->day, 16, 0, 0) / 1000000;
    if (close_ms - open_ms != SESSION_MS) {
        fprintf(stderr, "%s: internal error: session of %s is not 6.5 h\n", prog, sym->name);
        return -1;
    }
    const double ref = (double)(b->high + b->low) / 2.0;
    const double sigma_day = parkinson(b);
    const double sigma_min = sigma_day / sqrt(SESSION_MIN);
    const double sig_sec = sigma_min / sqrt(60.0) * ref; /* cents per sqrt(second) */
    st->sigma_day = sigma_day;
    st->fallbacks = 0;
    st->sigma_min = sigma_min;

    /* Order of the extremes: a down day (close < open) makes its high early and its
     * low late; otherwise the reverse. */
    int down = b->close < b->open;
    int64_t e1 = down ? b->high : b->low;
    int64_t e2 = down ? b->low : b->high;

    /* Times of the extremes (seconds into the session).  The first in the first 20%,
     * the second in the last 40%; never so soon that the drift to reach it exceeds half
     * a per-minute sigma per minute. */
    double sig_min_c = sigma_min * ref; /* cents per minute */
    int64_t t1 = 0, t2 = SESSION_S;
    int merge1 = (e1 == b->open), merge2 = (e2 == b->close);
    if (!merge1) {
        double need = sig_min_c > 0.0 ? 2.0 * (double)llabs(e1 - b->open) / sig_min_c * 60.0 : 0.0;
        int64_t lo = 300, hi = SESSION_S / 5;
        if (need > lo)
            lo = (int64_t)ceil(need);
        if (lo > SESSION_S * 35 / 100)
            lo = SESSION_S * 35 / 100;
        if (hi < lo)
            hi = lo;
        t1 = lo + (int64_t)rng_below(&r, (uint64_t)(hi - lo + 1));
    }
    if (!merge2) {
        double need = sig_min_c > 0.0 ? 2.0 * (double)llabs(b->close - e2) / sig_min_c * 60.0 : 0.0;
        int64_t lo = SESSION_S * 3 / 5, hi = SESSION_S - 300;
        if (need > 300 && SESSION_S - (int64_t)ceil(need) < hi)
            hi = SESSION_S - (int64_t)ceil(need);
        if (hi < SESSION_S * 65 / 100)
            hi = SESSION_S * 65 / 100;
        if (hi < lo)
            lo = hi;
        t2 = lo + (int64_t)rng_below(&r, (uint64_t)(hi - lo + 1));
    }
    st->t_first_ext_s = t1;
    st->t_second_ext_s = t2;

    /* Latent mid price on a 1-second grid through the waypoints
     * open -> first extreme -> second extreme -> close. */
    double *w = malloc((SESSION_S + 1) * sizeof *w);
    double *walk = malloc(3 * (SESSION_S + 1) * sizeof *walk); /* scratch */
    if (!w || !walk) {
        fprintf(stderr, "%s: out of memory\n", prog);
        free(w);
        free(walk);
        return -1;
    }
    int64_t wt[4];
    double wx[4];
    int nw = 0;
    wt[nw] = 0;
    wx[nw++] = (double)b->open;
    if (!merge1) {
        wt[nw] = t1;
        wx[nw++] = (double)e1;
    }
    if (!merge2) {
        wt[nw] = t2;
        wx[nw++] = (double)e2;
    }
    wt[nw] = SESSION_S;
    wx[nw++] = (double)b->close;
    for (int s = 0; s + 1 < nw; s++)
        build_segment(&r, w, walk, wt[s], wt[s + 1], wx[s], wx[s + 1], (double)b->low,
                      (double)b->high, sig_sec, &st->fallbacks);
    free(walk);

    /* Every trade that is not a pinned print stays strictly inside (low, high), so the
     * high and the low are each printed exactly once, at their waypoints. */
    int64_t in_lo = b->low, in_hi = b->high;
    if (b->high - b->low >= 2) {
        in_lo = b->low + 1;
        in_hi = b->high - 1;
    }
    int64_t spread = spread_of(b->open);

    if (push_trade(tr, open_ms, b->open, auction_size(b->volume, 4), idx) != 0)
        goto fail;

    /* Poisson arrivals by thinning, millisecond timestamps strictly inside the session. */
    double lam_max = RATE_MID + (RATE_OPEN - RATE_MID) + (RATE_CLOSE - RATE_MID);
    double t = 0.0;
    int ext1_done = merge1, ext2_done = merge2;
    int64_t ext1_ms = t1 * 1000 + (merge1 ? 0 : (int64_t)rng_below(&r, 1000));
    int64_t ext2_ms = t2 * 1000 + (merge2 ? 0 : (int64_t)rng_below(&r, 1000));
    for (;;) {
        t += -det_ln(rng_unif_pos(&r)) / lam_max;
        if (t >= (double)SESSION_S)
            break;
        if (rng_unif(&r) * lam_max >= rate_at(t))
            continue;
        int64_t ms = (int64_t)floor(t * 1000.0);
        if (ms < 1)
            ms = 1;
        if (ms > SESSION_MS - 1)
            ms = SESSION_MS - 1;
        /* The extreme prints go in at their time, in order. */
        if (!ext1_done && ext1_ms <= ms) {
            if (push_trade(tr, open_ms + ext1_ms, e1, draw_size(&r), idx) != 0)
                goto fail;
            ext1_done = 1;
        }
        if (!ext2_done && ext2_ms <= ms) {
            if (push_trade(tr, open_ms + ext2_ms, e2, draw_size(&r), idx) != 0)
                goto fail;
            ext2_done = 1;
        }
        int k = (int)(ms / 1000);
        double frac = (double)(ms % 1000) / 1000.0;
        double mid = w[k] + (k < SESSION_S ? (w[k + 1] - w[k]) * frac : 0.0);
        int64_t p = trade_price(&r, mid, spread);
        p = clamp64(p, in_lo, in_hi);
        if (push_trade(tr, open_ms + ms, p, draw_size(&r), idx) != 0)
            goto fail;
    }
    if (!ext1_done && push_trade(tr, open_ms + ext1_ms, e1, draw_size(&r), idx) != 0)
        goto fail;
    if (!ext2_done && push_trade(tr, open_ms + ext2_ms, e2, draw_size(&r), idx) != 0)
        goto fail;
    if (push_trade(tr, close_ms, b->close, auction_size(b->volume, 15), idx) != 0)
        goto fail;
    free(w);
    st->n_trades = tr->n - n0;
    return 0;
fail:
    free(w);
    return -1;
}

static int cmp_trade(const void *pa, const void *pb)
{
    const trade_t *a = pa, *b = pb;
    if (a->t_ms != b->t_ms)
        return a->t_ms < b->t_ms ? -1 : 1;
    if (a->sym != b->sym)
        return a->sym < b->sym ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* ------------------------------------------------------------- output ---- */

static int write_session(FILE *out, const trades_t *tr, const symbol_t *syms, size_t *n_msgs,
                         size_t *n_pings)
{
    int64_t last_ping_ref = tr->n ? tr->v[0].t_ms : 0;
    size_t i = 0;
    *n_msgs = *n_pings = 0;
    while (i < tr->n) {
        int64_t win = tr->v[i].t_ms / 100;
        if (tr->v[i].t_ms >= last_ping_ref + 60000) {
            fputs("{\"type\":\"ping\"}\n", out);
            (*n_pings)++;
            last_ping_ref = tr->v[i].t_ms;
        }
        fputs("{\"data\":[", out);
        int first = 1;
        for (; i < tr->n && tr->v[i].t_ms / 100 == win; i++) {
            const trade_t *t = &tr->v[i];
            fprintf(out,
                    "%s{\"c\":[\"1\"],\"p\":%" PRId64 ".%02" PRId64 ",\"s\":\"%s\",\"t\":%" PRId64
                    ",\"v\":%" PRId32 "}",
                    first ? "" : ",", t->price / 100, t->price % 100, syms[t->sym].name, t->t_ms,
                    t->size);
            first = 0;
        }
        fputs("],\"type\":\"trade\"}\n", out);
        (*n_msgs)++;
    }
    return ferror(out) ? -1 : 0;
}

/* ---------------------------------------------------------------- main ---- */

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: %s --daily-dir DIR --date YYYY-MM-DD --symbols SYM[,SYM...]\n"
            "          [--seed N] [--out FILE] [--stats]\n"
            "Writes a synthetic session (Finnhub WebSocket NDJSON) pinned to the real daily\n"
            "bars in DIR/<SYM>.csv: previous close, open, high, low, close.  Deterministic:\n"
            "the same arguments give a byte-identical file (default seed %" PRIu64 ").\n"
            "--stats prints per-symbol volatility and trade counts to stderr.\n",
            prog, DEFAULT_SEED);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *date = NULL, *symlist = NULL, *outpath = NULL;
    uint64_t seed = DEFAULT_SEED;
    int stats = 0;
    double t_start = now_s();

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--stats") == 0) {
            stats = 1;
            continue;
        } else if (strcmp(a, "--daily-dir") == 0) {
            dst = &dir;
        } else if (strcmp(a, "--date") == 0) {
            dst = &date;
        } else if (strcmp(a, "--symbols") == 0) {
            dst = &symlist;
        } else if (strcmp(a, "--out") == 0) {
            dst = &outpath;
        } else if (strcmp(a, "--seed") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: --seed needs a value\n", prog);
                return 2;
            }
            const char *v = argv[++i];
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (*v == '\0' || *v == '-' || *end != '\0' || errno) {
                fprintf(stderr, "%s: --seed: not a non-negative integer: '%s'\n", prog, v);
                return 2;
            }
            seed = (uint64_t)s;
            continue;
        } else {
            fprintf(stderr, "%s: unknown argument '%s'\n", prog, a);
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", prog, a);
            return 2;
        }
        *dst = argv[++i];
    }
    if (!dir || !date || !symlist) {
        fprintf(stderr, "%s: --daily-dir, --date and --symbols are required\n", prog);
        usage(stderr);
        return 2;
    }
    int64_t day;
    if (parse_date(date, &day) != 0 || date[10] != '\0') {
        fprintf(stderr, "%s: --date: not a YYYY-MM-DD date: '%s'\n", prog, date);
        return 2;
    }
    int wd = sw_weekday(day);
    if (wd == 0 || wd == 6) {
        fprintf(stderr, "%s: --date %s is a weekend day\n", prog, date);
        return 2;
    }

    symbol_t syms[MAX_SYMBOLS];
    int nsym = 0;
    {
        const char *p = symlist;
        for (;;) {
            const char *c = strchr(p, ',');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            if (len == 0 || len > MAX_SYMLEN) {
                fprintf(stderr, "%s: --symbols: bad symbol '%.*s' (1..%d characters)\n", prog,
                        (int)len, p, MAX_SYMLEN);
                return 2;
            }
            for (size_t k = 0; k < len; k++) {
                char ch = p[k];
                if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                      ch == '-')) {
                    fprintf(stderr,
                            "%s: --symbols: bad symbol '%.*s' (upper-case letters, digits, "
                            "'.', '-')\n",
                            prog, (int)len, p);
                    return 2;
                }
            }
            if (nsym == MAX_SYMBOLS) {
                fprintf(stderr, "%s: --symbols: more than %d symbols\n", prog, MAX_SYMBOLS);
                return 2;
            }
            memcpy(syms[nsym].name, p, len);
            syms[nsym].name[len] = '\0';
            for (int k = 0; k < nsym; k++)
                if (strcmp(syms[k].name, syms[nsym].name) == 0) {
                    fprintf(stderr, "%s: --symbols: %s given twice\n", prog, syms[k].name);
                    return 2;
                }
            nsym++;
            if (!c)
                break;
            p = c + 1;
        }
    }

    for (int i = 0; i < nsym; i++)
        if (load_symbol(dir, &syms[i], day, date) != 0)
            return 1;

    trades_t tr = {0};
    symstats_t st[MAX_SYMBOLS];
    for (int i = 0; i < nsym; i++)
        if (gen_symbol(&syms[i], i, seed, &tr, &st[i]) != 0) {
            free(tr.v);
            return 1;
        }
    qsort(tr.v, tr.n, sizeof *tr.v, cmp_trade);

    FILE *out = stdout;
    if (outpath) {
        out = fopen(outpath, "w");
        if (!out) {
            fprintf(stderr, "%s: cannot create %s: %s\n", prog, outpath, strerror(errno));
            free(tr.v);
            return 1;
        }
    }
    size_t n_msgs, n_pings;
    int rc = write_session(out, &tr, syms, &n_msgs, &n_pings);
    if (fflush(out) != 0)
        rc = -1;
    if (out != stdout && fclose(out) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "%s: write error on %s: %s\n", prog, outpath ? outpath : "stdout",
                strerror(errno));
        if (outpath)
            remove(outpath); /* no truncated session left behind */
        free(tr.v);
        return 1;
    }

    if (stats) {
        fprintf(stderr, "%-6s %8s %8s %9s %9s %8s %8s  (extremes: minutes after 09:30)\n",
                "symbol", "prevC", "close", "sigma_day", "sigma_min", "ext1", "ext2");
        for (int i = 0; i < nsym; i++) {
            const bar_t *b = &syms[i].cur;
            fprintf(stderr,
                    "%-6s %5" PRId64 ".%02" PRId64 " %5" PRId64 ".%02" PRId64
                    " %8.3f%% %8.4f%% %8.1f %8.1f  trades %zu%s\n",
                    syms[i].name, syms[i].prev.close / 100, syms[i].prev.close % 100,
                    b->close / 100, b->close % 100, st[i].sigma_day * 100.0,
                    st[i].sigma_min * 100.0, (double)st[i].t_first_ext_s / 60.0,
                    (double)st[i].t_second_ext_s / 60.0, st[i].n_trades,
                    st[i].fallbacks ? "  (folded fallback used)" : "");
        }
        fprintf(stderr, "%zu trades in %zu messages, %zu pings, %.3f s\n", tr.n, n_msgs,
                n_pings, now_s() - t_start);
    }
    free(tr.v);
    return 0;
}
