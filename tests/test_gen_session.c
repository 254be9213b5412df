/*
 * test_gen_session.c -- the synthetic demo sessions in data/sessions/ and their
 * generator, data/gen_session.c.
 *
 * The committed files are parsed with a small hand parser (no JSON library) and checked
 * against the real daily bars they are pinned to (data/daily/SYM.csv); the generator is
 * run again and must reproduce the committed crash-day file byte for byte.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw_time.h"

#define GEN SW_BINARY_DIR "/gen_session"
#define DAILY SW_SOURCE_DIR "/data/daily"
#define SYMBOLS "NVDA,AMD,AVGO,TSM,ASML,MSFT,GOOG,META,AMZN,ORCL,SMCI,ARM,MU,QQQ,SPY,SMH"
#define CRASH_FILE SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson"
#define CALM_DATE "2025-08-27"
#define CALM_FILE SW_SOURCE_DIR "/data/sessions/" CALM_DATE "/finnhub.ndjson"

/* ------------------------------------------------------------ parsing ---- */

#define MAX_SYM 32

typedef struct {
    int64_t t_ms;
    int64_t cents;
    int32_t size;
    int sym;
} trade_t;

typedef struct {
    trade_t *v;
    size_t n;
    char syms[MAX_SYM][16];
    int nsym;
    size_t n_msgs, n_pings;
} session_t;

static int sym_index(session_t *s, const char *name)
{
    for (int i = 0; i < s->nsym; i++)
        if (strcmp(s->syms[i], name) == 0)
            return i;
    cr_assert_lt(s->nsym, MAX_SYM, "too many symbols");
    strcpy(s->syms[s->nsym], name);
    return s->nsym++;
}

static int find_sym(const session_t *s, const char *name)
{
    for (int i = 0; i < s->nsym; i++)
        if (strcmp(s->syms[i], name) == 0)
            return i;
    cr_assert_fail("symbol %s not in the session", name);
    return -1;
}

/* Parse a whole Finnhub NDJSON file; asserts on anything malformed. */
static void load_session(const char *path, session_t *s)
{
    memset(s, 0, sizeof *s);
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 1 << 20;
    s->v = malloc(cap * sizeof *s->v);
    cr_assert_not_null(s->v);
    char *line = NULL;
    size_t lcap = 0;
    long lineno = 0;
    static const char head[] = "{\"data\":[";
    static const char tail[] = "],\"type\":\"trade\"}";
    while (getline(&line, &lcap, fp) >= 0) {
        lineno++;
        size_t len = strlen(line);
        cr_assert(len > 0 && line[len - 1] == '\n', "%s:%ld: no newline", path, lineno);
        line[--len] = '\0';
        if (strcmp(line, "{\"type\":\"ping\"}") == 0) {
            s->n_pings++;
            continue;
        }
        cr_assert(len > sizeof head + sizeof tail && strncmp(line, head, sizeof head - 1) == 0 &&
                      strcmp(line + len - (sizeof tail - 1), tail) == 0,
                  "%s:%ld: not a trade message: %.80s", path, lineno, line);
        s->n_msgs++;
        const char *p = line + sizeof head - 1;
        const char *end = line + len - (sizeof tail - 1);
        int in_msg = 0;
        while (p < end) {
            if (in_msg) {
                cr_assert_eq(*p, ',', "%s:%ld: trades not comma-separated", path, lineno);
                p++;
            }
            long long whole, t;
            int cents, size, n = 0, n_dot = 0, n_cents = 0;
            char sym[16];
            int got = sscanf(p, "{\"c\":[\"1\"],\"p\":%lld.%n%d%n,\"s\":\"%15[^\"]\",\"t\":%lld,\"v\":%d}%n",
                             &whole, &n_dot, &cents, &n_cents, sym, &t, &size, &n);
            cr_assert(got == 5 && n > 0, "%s:%ld: bad trade object: %.80s", path, lineno, p);
            cr_assert_eq(n_cents - n_dot, 2, "%s:%ld: price without exactly 2 decimals: %.40s",
                         path, lineno, p);
            cr_assert(size > 0, "%s:%ld: size %d", path, lineno, size);
            if (s->n == cap) {
                cap *= 2;
                s->v = realloc(s->v, cap * sizeof *s->v);
                cr_assert_not_null(s->v);
            }
            trade_t *tr = &s->v[s->n++];
            tr->t_ms = t;
            tr->cents = whole * 100 + cents;
            tr->size = size;
            tr->sym = sym_index(s, sym);
            p += n;
            in_msg = 1;
        }
        cr_assert(in_msg, "%s:%ld: empty trade message", path, lineno);
    }
    cr_assert(!ferror(fp));
    free(line);
    fclose(fp);
}

static int64_t ny_ms(int y, int m, int d, int h, int mi, int sec)
{
    return sw_ny_to_utc(sw_days_from_civil(y, m, d), h, mi, sec) / 1000000;
}

/* Real daily bar of `sym` on `date` (cents) and the previous row's close, read from the
 * committed CSV with the same rounding as the generator (prices there have at most 4
 * decimals; round half up on cents). */
typedef struct {
    int64_t prev_close, open, high, low, close;
} bar_t;

static int64_t to_cents(const char *txt)
{
    double v = strtod(txt, NULL);
    return (int64_t)floor(v * 100.0 + 0.5 + 1e-7);
}

static bar_t real_bar(const char *sym, const char *date)
{
    char path[1024];
    snprintf(path, sizeof path, DAILY "/%s.csv", sym);
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp, "cannot open %s", path);
    char line[1024];
    bar_t b = {0};
    int64_t prev_close = 0;
    int found = 0;
    cr_assert_not_null(fgets(line, sizeof line, fp));
    while (fgets(line, sizeof line, fp)) {
        char *f[8];
        int nf = 0;
        for (char *tok = strtok(line, ","); tok && nf < 8; tok = strtok(NULL, ","))
            f[nf++] = tok;
        cr_assert_geq(nf, 6);
        if (strncmp(f[0], date, 10) == 0) {
            b.prev_close = prev_close;
            b.close = to_cents(f[1]);
            b.high = to_cents(f[2]);
            b.low = to_cents(f[3]);
            b.open = to_cents(f[4]);
            found = 1;
            break;
        }
        prev_close = to_cents(f[1]);
    }
    fclose(fp);
    cr_assert(found && b.prev_close > 0, "%s: no row for %s", path, date);
    return b;
}

/* ----------------------------------------------------------- running ---- */

/* Run gen_session with argv, stdout to out_path (or /dev/null), stderr to err_path.
 * Returns the exit status. */
static int run_gen(char *const argv[], const char *out_path, const char *err_path)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (!freopen(out_path ? out_path : "/dev/null", "w", stdout) ||
            !freopen(err_path ? err_path : "/dev/null", "w", stderr))
            _exit(126);
        execv(GEN, argv);
        _exit(127);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "gen_session did not exit normally");
    cr_assert_neq(WEXITSTATUS(status), 127, "cannot execute %s", GEN);
    return WEXITSTATUS(status);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "cannot open %s: %s", path, strerror(errno));
    cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
    long n = ftell(fp);
    cr_assert_geq(n, 0);
    rewind(fp);
    char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/test_gen_session.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

/* -------------------------------------------------------------- tests ---- */

Test(gen_session, regenerates_the_committed_crash_day_byte_for_byte, .init = make_tmpdir,
     .fini = remove_tmpdir, .timeout = 120)
{
    char out[128];
    snprintf(out, sizeof out, "%s/crash.ndjson", tmpdir);
    char *argv[] = {(char *)GEN,        (char *)"--daily-dir", (char *)DAILY,
                    (char *)"--date",   (char *)"2025-01-27",  (char *)"--symbols",
                    (char *)SYMBOLS,    (char *)"--seed",      (char *)"20250127",
                    (char *)"--out",    out,                   NULL};
    cr_assert_eq(run_gen(argv, NULL, NULL), 0);
    size_t na, nb;
    char *a = slurp(out, &na);
    char *b = slurp(CRASH_FILE, &nb);
    cr_assert_eq(na, nb, "regenerated %zu bytes, committed file has %zu", na, nb);
    cr_assert(memcmp(a, b, na) == 0, "regenerated file differs from %s", CRASH_FILE);
    free(a);
    free(b);

    /* The default seed is the documented one, and --out is the same as stdout. */
    char *argv2[] = {(char *)GEN,      (char *)"--daily-dir", (char *)DAILY,
                     (char *)"--date", (char *)"2025-01-27",  (char *)"--symbols",
                     (char *)SYMBOLS,  NULL};
    char out2[128];
    snprintf(out2, sizeof out2, "%s/crash_stdout.ndjson", tmpdir);
    cr_assert_eq(run_gen(argv2, out2, NULL), 0);
    a = slurp(out2, &na);
    b = slurp(CRASH_FILE, &nb);
    cr_assert(na == nb && memcmp(a, b, na) == 0, "default seed / stdout output differs");
    free(a);
    free(b);
}

Test(gen_session, regenerates_the_committed_calm_day_byte_for_byte, .init = make_tmpdir,
     .fini = remove_tmpdir, .timeout = 120)
{
    char out[128];
    snprintf(out, sizeof out, "%s/calm.ndjson", tmpdir);
    char *argv[] = {(char *)GEN,      (char *)"--daily-dir", (char *)DAILY,
                    (char *)"--date", (char *)CALM_DATE,     (char *)"--symbols",
                    (char *)SYMBOLS,  (char *)"--out",       out,
                    NULL};
    cr_assert_eq(run_gen(argv, NULL, NULL), 0);
    size_t na, nb;
    char *a = slurp(out, &na);
    char *b = slurp(CALM_FILE, &nb);
    cr_assert(na == nb && memcmp(a, b, na) == 0, "regenerated file differs from %s", CALM_FILE);
    free(a);
    free(b);
}

Test(gen_session, another_seed_gives_another_path_with_the_same_pins, .init = make_tmpdir,
     .fini = remove_tmpdir, .timeout = 120)
{
    char out[128];
    snprintf(out, sizeof out, "%s/seed7.ndjson", tmpdir);
    char *argv[] = {(char *)GEN,      (char *)"--daily-dir", (char *)DAILY,
                    (char *)"--date", (char *)"2025-01-27",  (char *)"--symbols",
                    (char *)"NVDA",   (char *)"--seed",      (char *)"7",
                    (char *)"--out",  out,                   NULL};
    cr_assert_eq(run_gen(argv, NULL, NULL), 0);
    session_t s;
    load_session(out, &s);
    cr_assert_eq(s.nsym, 1);
    int64_t open_ms = ny_ms(2025, 1, 27, 9, 30, 0);
    int64_t hi = 0, lo = INT64_MAX;
    size_t first = s.n;
    for (size_t i = 0; i < s.n; i++) {
        if (s.v[i].t_ms < open_ms)
            continue;
        if (first == s.n)
            first = i;
        hi = s.v[i].cents > hi ? s.v[i].cents : hi;
        lo = s.v[i].cents < lo ? s.v[i].cents : lo;
    }
    cr_assert_eq(s.v[first].cents, 12480);
    cr_assert_eq(hi, 12840);
    cr_assert_eq(lo, 11670);
    cr_assert_eq(s.v[s.n - 1].cents, 11842);

    /* ...but not the committed path. */
    session_t c;
    load_session(CRASH_FILE, &c);
    int nvda = find_sym(&c, "NVDA");
    size_t k = 0, same = 0, compared = 0;
    for (size_t i = 0; i < c.n && k < s.n; i++) {
        if (c.v[i].sym != nvda)
            continue;
        compared++;
        same += c.v[i].t_ms == s.v[k].t_ms && c.v[i].cents == s.v[k].cents;
        k++;
    }
    cr_assert_gt(compared, 1000);
    cr_assert_lt(same, compared / 10, "seed 7 reproduced the default-seed path");
    free(s.v);
    free(c.v);
}

/* NVDA on 2025-01-27 against its real bars: prev close 142.62 (2025-01-24), open 124.80,
 * high 128.40, low 116.70, close 118.42. */
Test(gen_session, crash_day_nvda_is_pinned_to_the_real_bars, .timeout = 120)
{
    session_t s;
    load_session(CRASH_FILE, &s);
    int nvda = find_sym(&s, "NVDA");
    const int64_t prev_close_ms = ny_ms(2025, 1, 24, 16, 0, 0);
    const int64_t open_ms = ny_ms(2025, 1, 27, 9, 30, 0);
    const int64_t close_ms = ny_ms(2025, 1, 27, 16, 0, 0);
    cr_assert_eq(open_ms, INT64_C(1737988200000), "09:30 New York is 14:30 UTC in winter");

    const trade_t *last_prev = NULL, *first = NULL, *last = NULL;
    int64_t hi = 0, lo = INT64_MAX;
    int n_hi = 0, n_lo = 0, n_prev = 0;
    int64_t t_hi = 0, t_lo = 0;
    for (size_t i = 0; i < s.n; i++) {
        const trade_t *t = &s.v[i];
        if (t->sym != nvda)
            continue;
        if (t->t_ms < open_ms) {
            last_prev = t;
            n_prev++;
            cr_assert_geq(t->t_ms, prev_close_ms - 5 * 60 * 1000,
                          "previous-session trade before 15:55");
            continue;
        }
        if (!first)
            first = t;
        last = t;
        if (t->cents > hi)
            hi = t->cents;
        if (t->cents < lo)
            lo = t->cents;
    }
    for (size_t i = 0; i < s.n; i++) {
        const trade_t *t = &s.v[i];
        if (t->sym != nvda || t->t_ms < open_ms)
            continue;
        if (t->cents == 12840) {
            n_hi++;
            t_hi = t->t_ms;
        }
        if (t->cents == 11670) {
            n_lo++;
            t_lo = t->t_ms;
        }
    }
    cr_assert_not_null(last_prev);
    cr_assert_geq(n_prev, 3, "a few trades before the previous close");
    cr_assert_eq(last_prev->t_ms, prev_close_ms, "previous close not at 2025-01-24 16:00:00 NY");
    cr_assert_eq(last_prev->cents, 14262, "previous close %lld", (long long)last_prev->cents);

    cr_assert_eq(first->t_ms, open_ms);
    cr_assert_eq(first->cents, 12480, "open %lld", (long long)first->cents);
    cr_assert_eq(hi, 12840, "high %lld", (long long)hi);
    cr_assert_eq(lo, 11670, "low %lld", (long long)lo);
    cr_assert_eq(n_hi, 1, "the high is printed %d times", n_hi);
    cr_assert_eq(n_lo, 1, "the low is printed %d times", n_lo);
    /* Down day: the high early (first ~20%), the low late (last ~40%). */
    cr_assert_lt(t_hi, open_ms + 390 * 60 * 1000 * 35 / 100);
    cr_assert_gt(t_lo, open_ms + 390 * 60 * 1000 * 60 / 100);
    cr_assert_eq(last->t_ms, close_ms, "last trade not at 16:00:00.000");
    cr_assert_eq(last->cents, 11842, "close %lld", (long long)last->cents);
    free(s.v);
}

/* Every symbol of the crash day is pinned to its own bars, in a file whose timestamps
 * never decrease and whose trades are batched per 100 ms like the real feed. */
Test(gen_session, crash_day_all_symbols_pinned_and_time_ordered, .timeout = 120)
{
    session_t s;
    load_session(CRASH_FILE, &s);
    cr_assert_eq(s.nsym, 16);
    cr_assert_gt(s.n_pings, 100, "pings now and then");
    for (size_t i = 1; i < s.n; i++)
        cr_assert_geq(s.v[i].t_ms, s.v[i - 1].t_ms, "timestamp decreases at trade %zu", i);

    const int64_t prev_close_ms = ny_ms(2025, 1, 24, 16, 0, 0);
    const int64_t open_ms = ny_ms(2025, 1, 27, 9, 30, 0);
    const int64_t close_ms = ny_ms(2025, 1, 27, 16, 0, 0);
    for (int k = 0; k < s.nsym; k++) {
        bar_t b = real_bar(s.syms[k], "2025-01-27");
        int64_t prev = 0, open = 0, close = 0, hi = 0, lo = INT64_MAX;
        int64_t t_prev = 0, t_open = 0, t_close = 0;
        for (size_t i = 0; i < s.n; i++) {
            const trade_t *t = &s.v[i];
            if (t->sym != k)
                continue;
            if (t->t_ms < open_ms) {
                prev = t->cents;
                t_prev = t->t_ms;
                continue;
            }
            if (!open) {
                open = t->cents;
                t_open = t->t_ms;
            }
            close = t->cents;
            t_close = t->t_ms;
            hi = t->cents > hi ? t->cents : hi;
            lo = t->cents < lo ? t->cents : lo;
        }
        const char *n = s.syms[k];
        cr_assert(t_prev == prev_close_ms && prev == b.prev_close, "%s prev close", n);
        cr_assert(t_open == open_ms && open == b.open, "%s open %lld vs %lld", n,
                  (long long)open, (long long)b.open);
        cr_assert(hi == b.high && lo == b.low, "%s range [%lld, %lld] vs [%lld, %lld]", n,
                  (long long)lo, (long long)hi, (long long)b.low, (long long)b.high);
        cr_assert(t_close == close_ms && close == b.close, "%s close", n);
    }

    /* AVGO: 244.70 -> 202.13, -17.4%. */
    int avgo = find_sym(&s, "AVGO");
    int64_t avgo_prev = 0, avgo_close = 0, avgo_close_t = 0;
    for (size_t i = 0; i < s.n; i++)
        if (s.v[i].sym == avgo) {
            if (s.v[i].t_ms < open_ms)
                avgo_prev = s.v[i].cents;
            avgo_close = s.v[i].cents;
            avgo_close_t = s.v[i].t_ms;
        }
    cr_assert_eq(avgo_prev, 24470);
    cr_assert_eq(avgo_close, 20213);
    cr_assert_eq(avgo_close_t, close_ms);

    /* Batching: every 100 ms window is one message. */
    size_t windows = 0;
    for (size_t i = 0; i < s.n; i++)
        if (i == 0 || s.v[i].t_ms / 100 != s.v[i - 1].t_ms / 100)
            windows++;
    cr_assert_eq(windows, s.n_msgs, "%zu windows, %zu messages", windows, s.n_msgs);
    cr_assert_lt(s.n_msgs, s.n, "no batching at all");
    free(s.v);
}

/* U-shaped activity: the busiest 5 minutes (near the open or the close) have well over
 * the quietest (midday); and the average rates are in the stated ranges. */
Test(gen_session, crash_day_activity_is_u_shaped, .timeout = 120)
{
    session_t s;
    load_session(CRASH_FILE, &s);
    const int64_t open_ms = ny_ms(2025, 1, 27, 9, 30, 0);
    size_t bucket[78] = {0};
    for (size_t i = 0; i < s.n; i++) {
        int64_t dt = s.v[i].t_ms - open_ms;
        if (dt < 0 || dt >= 390 * 60 * 1000)
            continue;
        bucket[dt / (5 * 60 * 1000)]++;
    }
    size_t busiest = 0, quietest = SIZE_MAX;
    int b_at = 0;
    for (int i = 0; i < 78; i++) {
        if (bucket[i] > busiest) {
            busiest = bucket[i];
            b_at = i;
        }
        if (bucket[i] < quietest)
            quietest = bucket[i];
    }
    cr_assert_gt(busiest, 3 * quietest, "busiest %zu vs quietest %zu", busiest, quietest);
    cr_assert(b_at < 6 || b_at >= 72, "busiest 5 minutes at bucket %d: not at the open/close",
              b_at);
    /* Per symbol: a few per second at the open, 0.5-1 per second midday. */
    double open_rate = (double)bucket[0] / 300.0 / s.nsym;
    double mid_rate = (double)(bucket[38] + bucket[39]) / 600.0 / s.nsym;
    cr_assert(open_rate > 2.0 && open_rate < 5.0, "open rate %.2f/s/symbol", open_rate);
    cr_assert(mid_rate > 0.4 && mid_rate < 1.0, "midday rate %.2f/s/symbol", mid_rate);

    /* Sizes: integers, mostly round lots. */
    size_t round_lots = 0;
    for (size_t i = 0; i < s.n; i++)
        round_lots += s.v[i].size % 100 == 0;
    cr_assert_gt(round_lots, s.n / 2);
    cr_assert_lt(round_lots, s.n);

    struct stat st;
    cr_assert_eq(stat(CRASH_FILE, &st), 0);
    cr_assert_lt(st.st_size, 35L * 1000 * 1000, "crash-day file is %lld bytes",
                 (long long)st.st_size);
    free(s.v);
}

/* No fake shocks: no symbol moves more than 6 per-minute sigmas (Parkinson sigma of its
 * own day's range / sqrt(390)) within any minute of the session. */
static void check_minute_moves(const char *path, int y, int m, int d)
{
    session_t s;
    load_session(path, &s);
    const int64_t open_ms = ny_ms(y, m, d, 9, 30, 0);
    int64_t *ts = malloc(s.n * sizeof *ts);
    int64_t *px = malloc(s.n * sizeof *px);
    cr_assert(ts && px);
    for (int k = 0; k < s.nsym; k++) {
        size_t n = 0;
        int64_t hi = 0, lo = INT64_MAX;
        for (size_t i = 0; i < s.n; i++)
            if (s.v[i].sym == k && s.v[i].t_ms >= open_ms) {
                ts[n] = s.v[i].t_ms;
                px[n] = s.v[i].cents;
                hi = px[n] > hi ? px[n] : hi;
                lo = px[n] < lo ? px[n] : lo;
                n++;
            }
        double sigma_min = log((double)hi / (double)lo) / (2.0 * sqrt(log(2.0))) / sqrt(390.0);
        double worst = 0.0;
        size_t j = 0;
        for (size_t i = 0; i < n; i++) {
            /* j: the last trade at or before ts[i] - 60 s */
            while (j + 1 < n && ts[j + 1] <= ts[i] - 60000)
                j++;
            if (ts[j] > ts[i] - 60000)
                continue;
            double mv = fabs(log((double)px[i] / (double)px[j]));
            if (mv > worst)
                worst = mv;
        }
        cr_assert_lt(worst, 6.0 * sigma_min, "%s %s: a %.3f%% move within a minute = %.1f sigma",
                     path, s.syms[k], worst * 100.0, worst / sigma_min);
    }
    free(ts);
    free(px);
    free(s.v);
}

Test(gen_session, crash_day_has_no_minute_move_beyond_six_sigma, .timeout = 120)
{
    check_minute_moves(CRASH_FILE, 2025, 1, 27);
}

Test(gen_session, calm_day_has_no_minute_move_beyond_six_sigma, .timeout = 120)
{
    check_minute_moves(CALM_FILE, 2025, 8, 27);
}

/* The calm day: no symbol is ever more than 3% away from its previous close. */
Test(gen_session, calm_day_stays_within_three_percent_of_prev_close, .timeout = 120)
{
    session_t s;
    load_session(CALM_FILE, &s);
    cr_assert_eq(s.nsym, 16);
    const int64_t open_ms = ny_ms(2025, 8, 27, 9, 30, 0);
    cr_assert_eq(open_ms, INT64_C(1756301400000), "09:30 New York is 13:30 UTC in summer");
    int64_t prev[MAX_SYM] = {0};
    for (size_t i = 0; i < s.n; i++) {
        const trade_t *t = &s.v[i];
        if (i > 0)
            cr_assert_geq(t->t_ms, s.v[i - 1].t_ms);
        if (t->t_ms < open_ms) {
            prev[t->sym] = t->cents; /* the last one is the 16:00 close */
            continue;
        }
        cr_assert_gt(prev[t->sym], 0, "%s: no previous close", s.syms[t->sym]);
        double mv = fabs((double)t->cents / (double)prev[t->sym] - 1.0);
        cr_assert_lt(mv, 0.03, "%s moves %.2f%% from its previous close at %lld",
                     s.syms[t->sym], mv * 100.0, (long long)t->t_ms);
    }
    for (int k = 0; k < s.nsym; k++) {
        bar_t b = real_bar(s.syms[k], CALM_DATE);
        cr_assert_eq(prev[k], b.prev_close, "%s previous close", s.syms[k]);
    }
    free(s.v);
}

/* Bad input: clear messages naming the file (and line), non-zero exit. */
static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void expect_error(const char *sym, const char *date, const char *needle)
{
    char err[128], needle_path[256];
    snprintf(err, sizeof err, "%s/err.txt", tmpdir);
    char *argv[] = {(char *)GEN,  (char *)"--daily-dir", tmpdir,        (char *)"--date",
                    (char *)date, (char *)"--symbols",   (char *)sym,   NULL};
    cr_assert_neq(run_gen(argv, NULL, err), 0, "%s %s: exit status 0", sym, date);
    size_t n;
    char *msg = slurp(err, &n);
    snprintf(needle_path, sizeof needle_path, needle, tmpdir);
    cr_assert_not_null(strstr(msg, needle_path), "message '%s' lacks '%s'", msg, needle_path);
    free(msg);
}

Test(gen_session, bad_input_is_reported_with_file_and_line, .init = make_tmpdir,
     .fini = remove_tmpdir, .timeout = 60)
{
    char path[256];
    snprintf(path, sizeof path, "%s/BAD.csv", tmpdir);
    write_file(path, "date,Close,High,Low,Open,Volume\n"
                     "2025-03-06 00:00:00+00:00,100,101,99,100.5,10\n"
                     "2025-03-07 00:00:00+00:00,95,100,94,1OO,20\n");
    expect_error("BAD", "2025-03-07", "%s/BAD.csv:3: bad open price '1OO'");

    snprintf(path, sizeof path, "%s/INC.csv", tmpdir);
    write_file(path, "date,Close,High,Low,Open,Volume\n"
                     "2025-03-06,100,101,99,100.5,10\n"
                     "2025-03-07,95,100,96,99,20\n");
    expect_error("INC", "2025-03-07", "%s/INC.csv:3: inconsistent bar");

    snprintf(path, sizeof path, "%s/HDR.csv", tmpdir);
    write_file(path, "date,Close,High,Open,Volume\n2025-03-07,95,100,99,20\n");
    expect_error("HDR", "2025-03-07", "%s/HDR.csv:1: header has no 'low' column");

    snprintf(path, sizeof path, "%s/ONE.csv", tmpdir);
    write_file(path, "date,Close,High,Low,Open,Volume\n2025-03-07,95,100,94,99,20\n");
    expect_error("ONE", "2025-03-07", "%s/ONE.csv:2: 2025-03-07 is the first row");
    expect_error("ONE", "2025-03-05", "%s/ONE.csv: no row for 2025-03-05");
    expect_error("GONE", "2025-03-07", "cannot open %s/GONE.csv");
    expect_error("ONE", "2025-03-08", "2025-03-08 is a weekend day");
}

/* Edge bars: open at the high, a range of one cent, a flat day.  Pins still hold. */
Test(gen_session, degenerate_bars_still_pinned, .init = make_tmpdir, .fini = remove_tmpdir,
     .timeout = 60)
{
    char path[256], out[256];
    snprintf(path, sizeof path, "%s/EDGE.csv", tmpdir);
    write_file(path, "date,Close,High,Low,Open,Volume\n"
                     "2025-03-06,100.00,101.00,99.00,100.50,1000000\n"
                     "2025-03-07,95.00,100.00,94.00,100.00,2000000\n"  /* open = high */
                     "2025-03-10,50.01,50.01,50.00,50.00,2000000\n"    /* 1 cent, split day */
                     "2025-03-11,50,50,50,50,0\n");                     /* flat */
    snprintf(out, sizeof out, "%s/edge.ndjson", tmpdir);
    static const struct {
        const char *date;
        int y, m, d;
        int64_t prev, open, high, low, close;
    } cases[] = {
        {"2025-03-07", 2025, 3, 7, 10000, 10000, 10000, 9400, 9500},
        {"2025-03-10", 2025, 3, 10, 9500, 5000, 5001, 5000, 5001},
        {"2025-03-11", 2025, 3, 11, 5001, 5000, 5000, 5000, 5000},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *argv[] = {(char *)GEN,           (char *)"--daily-dir", tmpdir,
                        (char *)"--date",      (char *)cases[c].date, (char *)"--symbols",
                        (char *)"EDGE",        (char *)"--out",       out,
                        NULL};
        cr_assert_eq(run_gen(argv, NULL, NULL), 0, "%s", cases[c].date);
        session_t s;
        load_session(out, &s);
        int64_t open_ms = ny_ms(cases[c].y, cases[c].m, cases[c].d, 9, 30, 0);
        int64_t prev = 0, open = 0, hi = 0, lo = INT64_MAX;
        int n_hi = 0;
        for (size_t i = 0; i < s.n; i++) {
            if (s.v[i].t_ms < open_ms) {
                prev = s.v[i].cents;
                continue;
            }
            if (!open)
                open = s.v[i].cents;
            hi = s.v[i].cents > hi ? s.v[i].cents : hi;
            lo = s.v[i].cents < lo ? s.v[i].cents : lo;
            n_hi += s.v[i].cents == cases[c].high;
        }
        cr_assert_eq(prev, cases[c].prev, "%s", cases[c].date);
        cr_assert_eq(open, cases[c].open, "%s", cases[c].date);
        cr_assert_eq(hi, cases[c].high, "%s", cases[c].date);
        cr_assert_eq(lo, cases[c].low, "%s", cases[c].date);
        cr_assert_eq(s.v[s.n - 1].cents, cases[c].close, "%s", cases[c].date);
        if (c == 0)
            cr_assert_eq(n_hi, 1, "open at the high: the high is the opening print only");
        free(s.v);
    }
}
