/*
 * detector_bench.c -- cost of the detectors per tick and their memory per
 * symbol, with the detector set of a real config.
 *
 *   detector_bench [-c CONFIG] [-s SYMBOLS] [-n TICKS]
 *
 * Builds an engine with the config's detectors over S symbols (one group: the
 * config's watchlist, then synthetic ones), feeds N ticks of per-symbol random walks through a simulated
 * trading day with no I/O at all, and prints ns per tick and bytes of state
 * per symbol.  Goals: <= 100 ns/tick for the default set, <= 4 KiB/symbol.
 */
#include "sw_config.h"
#include "sw_engine.h"
#include "sw_time.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static unsigned long candidates;

static void count(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    (void)c;
    candidates++;
}

int main(int argc, char **argv)
{
    const char *cfg_path = SW_SOURCE_DIR "/config/shockwatch.json";
    long n_syms = 500, n_ticks = 20000000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            cfg_path = argv[++i];
        else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            n_syms = atol(argv[++i]);
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n_ticks = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: detector_bench [-c CONFIG] [-s SYMBOLS] [-n TICKS]\n");
            return 2;
        }
    }
    if (n_syms < 1 || n_ticks < 1) {
        fprintf(stderr, "detector_bench: -s and -n must be positive\n");
        return 2;
    }
    sw_config cfg;
    sw_diag diag = { 0 };
    if (sw_config_load(&cfg, cfg_path, &diag) != 0) {
        sw_diag_print(&diag, stderr);
        return 1;
    }
    char **names = calloc((size_t)n_syms, sizeof *names);
    double *px = calloc((size_t)n_syms, sizeof *px);
    /* The config's own symbols first: its detectors may name some of them
     * (relative's benchmark, market's index, level's symbols); synthetic
     * ones make up the rest of the S symbols. */
    long n_named = 0;
    for (size_t gi = 0; gi < cfg.n_groups; gi++)
        for (size_t m = 0; m < cfg.groups[gi].n_members && n_named < n_syms; m++) {
            long k = 0;
            while (k < n_named && strcmp(names[k], cfg.groups[gi].members[m]) != 0)
                k++;
            if (k == n_named)
                names[n_named++] = strdup(cfg.groups[gi].members[m]);
        }
    for (long i = 0; i < n_syms; i++) {
        if (i >= n_named) {
            names[i] = malloc(24);
            snprintf(names[i], 24, "S%05ld", i % 100000);
        }
        px[i] = 20 + 480 * uniform();
    }
    /* Named like the config's first group, so detectors that name groups (breadth) find it. */
    sw_group_spec g = { cfg.groups[0].name, (const char *const *)names, (size_t)n_syms };
    sw_group_spec *unused_groups;
    sw_detector_spec *dets;
    sw_config_engine_specs(&cfg, &unused_groups, &dets);
    free(unused_groups);
    sw_engine e;
    char err[256];
    if (sw_engine_init(&e, &g, 1, dets, cfg.n_detectors, count, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "detector_bench: %s\n", err);
        return 1;
    }
    e.calendar = &cfg.cal;
    /* A previous close for every symbol, then the session. */
    int64_t day = sw_days_from_civil(2025, 1, 24);
    sw_tick t;
    memset(&t, 0, sizeof t);
    t.size = 100;
    for (long i = 0; i < n_syms; i++) {
        memcpy(t.symbol, names[i], strlen(names[i]) + 1);
        t.price = px[i];
        t.ts_ns = sw_ny_to_utc(day, 16, 0, 0);
        sw_engine_tick(&e, &t);
    }
    int64_t open = sw_ny_to_utc(day + 3, 9, 30, 0);
    int64_t span = 390 * SW_NS_PER_MIN - SW_NS_PER_SEC;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long k = 0; k < n_ticks; k++) {
        long i = (long)(uniform() * (double)n_syms);
        /* Per-trade moves of ~1 bp: an ordinary day. */
        px[i] *= 1 + (uniform() - 0.5) * 0.0002;
        memcpy(t.symbol, names[i], strlen(names[i]) + 1);
        t.price = px[i];
        t.ts_ns = open + (int64_t)((double)span * (double)k / (double)n_ticks);
        sw_engine_tick(&e, &t);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    printf("detector_bench: %s: %zu detectors (", cfg_path, cfg.n_detectors);
    for (size_t i = 0; i < cfg.n_detectors; i++)
        printf("%s%s", i ? ", " : "", cfg.detectors[i].type->name);
    printf(")\n");
    printf("  %ld ticks over %ld symbols: %.1f ns/tick (%.2f M ticks/s), %lu candidates\n", n_ticks, n_syms,
           ns / (double)n_ticks, (double)n_ticks / ns * 1e3, candidates);
    printf("  memory per symbol: %zu B header + %zu B detector state = a %zu B record (whole cache lines)\n",
           offsetof(sw_symbol, state), e.state_size, e.sym_stride);
    sw_engine_free(&e);
    free(dets);
    for (long i = 0; i < n_syms; i++)
        free(names[i]);
    free(names);
    free(px);
    sw_config_free(&cfg);
    return 0;
}
