/*
 * gen_finnhub.c -- synthetic Finnhub WebSocket trade messages for the replay
 * benchmark.
 *
 *   gen_finnhub [-n MESSAGES] [-s SYMBOLS] [-b TRADES_PER_MESSAGE]
 *               [--seed N] [-o FILE] [--symbols-out CONFIG]
 *
 * Writes MESSAGES lines of NDJSON (stdout, or -o FILE), each one Finnhub
 * trade message:
 *
 *   {"data":[{"c":["1"],"p":123.45,"s":"S0001","t":1737988200000,"v":100}],"type":"trade"}
 *
 * with TRADES_PER_MESSAGE trades in "data".  Symbols are S0001, S0002, ...
 * (zero-padded to at least four digits).  Each symbol starts at a price
 * between 20.00 and 500.00 and moves by a random walk of at most about one
 * basis point per trade, reflected at +-3% of its start, so a default
 * "percent move >= 5%" detector never fires.  Timestamps start at 2025-01-27
 * 14:30:00 UTC (09:30 New York), never decrease, and spread the trades evenly
 * over the regular session (the last one is before 21:00 UTC).
 *
 * Everything comes from one splitmix64 stream: the same arguments give
 * byte-identical output.  Prices are integer cents printed as D.CC.
 *
 * --symbols-out CONFIG writes a shockwatch config that watches every
 * generated symbol with the default pct_move detector and no sinks.
 *
 * --minutes M spreads a session's trades over its first M minutes (default
 * 390, the whole session): with many symbols, a short span keeps every one
 * of them trading every few seconds, as a watched name does.
 *
 * --format binance writes Binance trade stream messages instead, one trade
 * per message (-b 1), prices and quantities as decimal strings with eight
 * places as Binance prints them:
 *
 *   {"stream":"s0001@trade","data":{"e":"trade","E":1737988200001,"s":"S0001",
 *    "t":1,"p":"123.45000000","q":"100.00000000","T":1737988200000,"m":true,"M":true}}
 *
 * and --symbols-out then names provider "binance" in the config.
 *
 * --days N writes N such sessions back to back on consecutive weekdays from
 * 2025-01-27 (Monday; the ten weekdays to 2025-02-07 have no NYSE holiday),
 * MESSAGES per session, the random walks carrying over from day to day: the
 * soak test (bench/soak) replays trading weeks in one process.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MESSAGES 1000000ull
#define DEFAULT_SYMBOLS 500ull
#define DEFAULT_SEED 0x5348434b57415443ull /* "SHCKWATC" */

#define MAX_SYMBOLS 10000000ull   /* names up to S10000000 */
#define MAX_BATCH 100000ull
#define MAX_TRADES 1000000000000ull

#define SESSION_START_MS 1737988200000ll /* 2025-01-27 14:30:00 UTC */

#define PRICE_MIN_CENTS 2000    /* 20.00 */
#define PRICE_MAX_CENTS 50000   /* 500.00 */
#define BAND_PCT 3              /* walk stays within +-3% of the start */

#define OUTBUF_SIZE (4u << 20)
#define TRADE_MAX_BYTES 160     /* generous bound on one formatted trade */

static const char *prog = "gen_finnhub";

/* ---- PRNG ---------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t splitmix64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) for n < 2^32, without a division (Lemire, 32-bit). */
static uint32_t rng_below(uint32_t n)
{
    return (uint32_t)(((splitmix64() >> 32) * (uint64_t)n) >> 32);
}

/* ---- symbols ------------------------------------------------------------- */

typedef struct sym {
    int64_t cur;    /* cents: price of the next trade */
    int64_t lo, hi; /* band, cents */
    uint32_t step;  /* largest step per trade, cents */
} sym;

static unsigned digits_of(uint64_t v)
{
    unsigned d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* ---- output buffer ------------------------------------------------------- */

static FILE *out;
static const char *out_name = "stdout";
static char *obuf;
static size_t olen;

static void die_io(const char *what, const char *name)
{
    fprintf(stderr, "%s: %s %s: %s\n", prog, what, name, strerror(errno));
    exit(1);
}

static void oflush(void)
{
    if (olen && fwrite(obuf, 1, olen, out) != olen)
        die_io("cannot write", out_name);
    olen = 0;
}

static inline char *put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static inline char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

#define PUT_LIT(p, lit) put_str((p), (lit), sizeof(lit) - 1)

/* ---- arguments ----------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
        "usage: %s [-n MESSAGES] [-s SYMBOLS] [-b TRADES_PER_MESSAGE] [--seed N]\n"
        "                   [-o FILE] [--symbols-out CONFIG] [--days N]\n"
        "                   [--format finnhub|binance] [--minutes M]\n"
        "\n"
        "Writes MESSAGES Finnhub trade messages (NDJSON, one per line) over SYMBOLS\n"
        "symbols S0001.. to stdout or FILE.  Same arguments, same bytes.\n"
        "\n"
        "  -n MESSAGES           messages to write (default %llu)\n"
        "  -s SYMBOLS            distinct symbols, 1..%llu (default %llu)\n"
        "  -b N                  trades per message, 1..%llu (default 1)\n"
        "  --seed N              PRNG seed (default %llu)\n"
        "  -o FILE               write the messages to FILE instead of stdout\n"
        "  --symbols-out CONFIG  also write a shockwatch config watching all symbols\n"
        "                        with the default pct_move detector and no sinks\n"
        "  --days N              N sessions on consecutive weekdays, MESSAGES each\n"
        "                        (default 1)\n"
        "  --minutes M           spread each session's trades over its first M minutes\n"
        "                        (1..390, default 390)\n"
        "  --format FMT          finnhub (default) or binance (one trade per message,\n"
        "                        prices and quantities as strings)\n"
        "  -h, --help            this text\n",
        prog, DEFAULT_MESSAGES, MAX_SYMBOLS, DEFAULT_SYMBOLS, MAX_BATCH, DEFAULT_SEED);
}

static void die_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '%s --help'.\n", prog);
    exit(2);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
    char *end;
    unsigned long long v;

    if (!s || *s < '0' || *s > '9')
        die_usage("option %s needs a non-negative decimal integer", opt);
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        die_usage("bad number for option %s", opt);
    if (v < min || v > max) {
        fprintf(stderr, "%s: %s must be between %" PRIu64 " and %" PRIu64 "\n", prog, opt, min, max);
        exit(2);
    }
    return (uint64_t)v;
}

/* ---- config -------------------------------------------------------------- */

static void write_config(const char *path, uint64_t nsym, unsigned width, int binance)
{
    FILE *f = fopen(path, "w");
    uint64_t i;

    if (!f)
        die_io("cannot create", path);
    fputs("{\n", f);
    if (binance)
        fputs("  \"feed\": {\"provider\": \"binance\"},\n", f);
    fputs("  \"groups\": {\n    \"bench\": [", f);
    for (i = 1; i <= nsym; i++) {
        fputs(i == 1 ? "" : (i - 1) % 10 ? ", " : ",\n      ", f);
        fprintf(f, "\"S%0*" PRIu64 "\"", (int)width, i);
    }
    fputs("]\n  },\n"
          "  \"detectors\": [{\"type\": \"pct_move\"}],\n"
          "  \"sinks\": [],\n"
          "  \"log_level\": \"warning\"\n"
          "}\n", f);
    if (ferror(f) | fclose(f))
        die_io("cannot write", path);
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
    uint64_t nmsg = DEFAULT_MESSAGES, nsym = DEFAULT_SYMBOLS, batch = 1, seed = DEFAULT_SEED, ndays = 1, day,
             minutes = 390;
    const char *out_path = NULL, *cfg_path = NULL;
    int binance = 0;
    uint64_t trade_id = 0;
    unsigned width, namelen;
    char *names;
    sym *syms;
    uint64_t i, total, t_step, t_rem, t_acc = 0;
    int64_t t_ms = SESSION_START_MS;
    int i_arg;

    for (i_arg = 1; i_arg < argc; i_arg++) {
        const char *a = argv[i_arg];
        const char *val = NULL;
        const char *eq = NULL;
        char opt[32];

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        /* --long=value */
        if (!strncmp(a, "--", 2) && (eq = strchr(a, '=')) && (size_t)(eq - a) < sizeof opt) {
            memcpy(opt, a, (size_t)(eq - a));
            opt[eq - a] = '\0';
            a = opt;
            val = eq + 1;
        }
        if (strcmp(a, "-n") && strcmp(a, "-s") && strcmp(a, "-b") && strcmp(a, "-o") &&
            strcmp(a, "--seed") && strcmp(a, "--symbols-out") && strcmp(a, "--days") && strcmp(a, "--format") &&
            strcmp(a, "--minutes"))
            die_usage("unknown argument '%s'", argv[i_arg]);
        if (!val) {
            if (i_arg + 1 >= argc)
                die_usage("option %s needs a value", a);
            val = argv[++i_arg];
        }
        if (!strcmp(a, "-n"))
            nmsg = parse_u64(a, val, 0, MAX_TRADES);
        else if (!strcmp(a, "-s"))
            nsym = parse_u64(a, val, 1, MAX_SYMBOLS);
        else if (!strcmp(a, "-b"))
            batch = parse_u64(a, val, 1, MAX_BATCH);
        else if (!strcmp(a, "--seed"))
            seed = parse_u64(a, val, 0, UINT64_MAX);
        else if (!strcmp(a, "--days"))
            ndays = parse_u64(a, val, 1, 10000);
        else if (!strcmp(a, "--minutes"))
            minutes = parse_u64(a, val, 1, 390);
        else if (!strcmp(a, "-o"))
            out_path = val;
        else if (!strcmp(a, "--format")) {
            if (strcmp(val, "binance") && strcmp(val, "finnhub"))
                die_usage("--format: '%s' is not finnhub or binance", val);
            binance = !strcmp(val, "binance");
        }
        else
            cfg_path = val;
        if (!*val)
            die_usage("option %s needs a value", a);
    }
    if (binance && batch != 1)
        die_usage("%s: Binance messages carry one trade: -b must be 1", "--format binance");
    if (nmsg > MAX_TRADES / batch) {
        fprintf(stderr, "%s: -n times -b must not exceed %llu trades\n", prog, MAX_TRADES);
        return 2;
    }
    total = nmsg * batch;

    /* Names: "S" + zero-padded number, all the same length. */
    width = digits_of(nsym);
    if (width < 4)
        width = 4;
    namelen = 1 + width;
    names = malloc((size_t)nsym * namelen + 1);
    syms = malloc((size_t)nsym * sizeof *syms);
    obuf = malloc(OUTBUF_SIZE);
    if (!names || !syms || !obuf) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return 1;
    }
    rng_state = seed;
    for (i = 0; i < nsym; i++) {
        char *nm = names + i * namelen;
        uint64_t v = i + 1;
        unsigned k;
        int64_t start;

        nm[0] = 'S';
        for (k = width; k >= 1; k--) {
            nm[k] = (char)('0' + v % 10);
            v /= 10;
        }
        start = PRICE_MIN_CENTS + rng_below(PRICE_MAX_CENTS - PRICE_MIN_CENTS + 1);
        syms[i].cur = start;
        syms[i].lo = start - start * BAND_PCT / 100;
        syms[i].hi = start + start * BAND_PCT / 100;
        syms[i].step = (uint32_t)(start / 10000 > 0 ? start / 10000 : 1); /* ~1 bp */
    }

    if (cfg_path)
        write_config(cfg_path, nsym, width, binance);

    if (out_path) {
        out = fopen(out_path, "wb");
        if (!out)
            die_io("cannot create", out_path);
        out_name = out_path;
    } else {
        out = stdout;
    }
    setvbuf(out, NULL, _IONBF, 0); /* obuf is the buffer; writes go out in 4 MiB chunks */

    /* Timestamps: trade k at START + floor(k * LEN / total), kept as an
     * integer part plus a remainder so there is no overflow and no division
     * per trade. */
    t_step = total ? minutes * 60000 / total : 0;
    t_rem = total ? minutes * 60000 % total : 0;

    for (day = 0; day < ndays; day++) {
        /* Session `day` opens on the day-th weekday from the first (a Monday). */
        t_ms = SESSION_START_MS + (int64_t)((day / 5) * 7 + day % 5) * 86400000ll;
        t_acc = 0;
        for (i = 0; i < nmsg; i++) {
            uint64_t j;
            char *p;

            if (OUTBUF_SIZE - olen < 64)
                oflush();
            p = obuf + olen;
            if (!binance)
                p = PUT_LIT(p, "{\"data\":[");
            for (j = 0; j < batch; j++) {
                uint32_t si = rng_below((uint32_t)nsym);
                sym *s = &syms[si];
                uint64_t r = splitmix64();
                int64_t price = s->cur, next;
                int64_t d = (int64_t)((r & 0xffffffffu) % (2 * s->step + 1)) - (int64_t)s->step;
                uint32_t vr = (uint32_t)(r >> 32);
                uint64_t vol;

                /* Volume: mostly round lots of 100..1000, a quarter odd lots 1..99. */
                if ((vr & 3) == 0)
                    vol = 1 + (vr >> 2) % 99;
                else
                    vol = 100 * (1 + (vr >> 2) % 10);

                /* Reflect the walk at the band; |d| is far smaller than the band. */
                next = price + d;
                if (next < s->lo || next > s->hi)
                    next = price - d;
                s->cur = next;

                if ((size_t)(p - obuf) + TRADE_MAX_BYTES + 32 > OUTBUF_SIZE) {
                    olen = (size_t)(p - obuf);
                    oflush();
                    p = obuf;
                }
                if (binance) {
                    const char *nm = names + (size_t)si * namelen;
                    p = PUT_LIT(p, "{\"stream\":\"s");
                    p = put_str(p, nm + 1, namelen - 1);
                    p = PUT_LIT(p, "@trade\",\"data\":{\"e\":\"trade\",\"E\":");
                    p = put_u64(p, (uint64_t)t_ms + 1);
                    p = PUT_LIT(p, ",\"s\":\"");
                    p = put_str(p, nm, namelen);
                    p = PUT_LIT(p, "\",\"t\":");
                    p = put_u64(p, ++trade_id);
                    p = PUT_LIT(p, ",\"p\":\"");
                    p = put_u64(p, (uint64_t)price / 100);
                    *p++ = '.';
                    *p++ = (char)('0' + price % 100 / 10);
                    *p++ = (char)('0' + price % 10);
                    p = PUT_LIT(p, "000000\",\"q\":\"");
                    p = put_u64(p, vol);
                    p = PUT_LIT(p, ".00000000\",\"T\":");
                    p = put_u64(p, (uint64_t)t_ms);
                    p = PUT_LIT(p, ",\"m\":true,\"M\":true}}\n");
                    goto next_trade;
                }
                if (j)
                    *p++ = ',';
                p = PUT_LIT(p, "{\"c\":[\"1\"],\"p\":");
                p = put_u64(p, (uint64_t)price / 100);
                *p++ = '.';
                *p++ = (char)('0' + price % 100 / 10);
                *p++ = (char)('0' + price % 10);
                p = PUT_LIT(p, ",\"s\":\"");
                p = put_str(p, names + (size_t)si * namelen, namelen);
                p = PUT_LIT(p, "\",\"t\":");
                p = put_u64(p, (uint64_t)t_ms);
                p = PUT_LIT(p, ",\"v\":");
                p = put_u64(p, vol);
                *p++ = '}';
            next_trade:
                t_ms += (int64_t)t_step;
                t_acc += t_rem;
                if (t_acc >= total) {
                    t_acc -= total;
                    t_ms++;
                }
            }
            if (!binance)
                p = PUT_LIT(p, "],\"type\":\"trade\"}\n");
            olen = (size_t)(p - obuf);
        }
    }
    oflush();
    if (out_path ? fclose(out) != 0 : fflush(out) != 0)
        die_io("cannot write", out_name);

    free(obuf);
    free(syms);
    free(names);
    return 0;
}
