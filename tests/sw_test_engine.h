/*
 * sw_test_engine.h -- the harness the detector tests share: a real sw_engine
 * with one symbol ("XYZ", in group "g") -- or the symbols a test names --
 * and one detector, fed plain prices (and sizes) at event times built from
 * trading days and session minutes, its candidates collected in got[] and
 * its log notes in notes[]; and (sw_test_doc.h) the check that the
 * documented option defaults (shockd --config-doc) load into a config.
 *
 * Header-only (static functions) because each test program includes it once;
 * define SW_TEST_MAX_GOT before including it to keep more or fewer candidates.
 */
#ifndef SW_TEST_ENGINE_H
#define SW_TEST_ENGINE_H

#include "sw_config.h"
#include "sw_engine.h"
#ifndef SW_TEST_MAX_GOT
#define SW_TEST_MAX_GOT 256
#endif

#include "sw_test_candidates.h"
#include "sw_test_doc.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sw_engine eng;
static int built;
static char notes[8][256];
static int n_notes;

static inline void note(void *ctx, const char *text)
{
    (void)ctx;
    if (n_notes < 8)
        snprintf(notes[n_notes], sizeof notes[n_notes], "%s", text);
    n_notes++;
}

/* A fresh engine: `syms` in group "g", one detector of `type` with params p
 * (validated first, as the config loader does), notes collected. */
static inline void build_detector_syms(const char *type, const void *p, const char *const *syms, size_t n)
{
    sw_group_spec g = { "g", syms, n };
    const sw_detector_type *t = sw_detector_find(type);
    cr_assert_not_null(t, "%s is registered", type);
    char err[256];
    cr_assert_eq(t->validate(p, err, sizeof err), 0, "%s", err);
    sw_detector_spec d = { t, p };
    n_got = n_notes = 0;
    cr_assert_eq(sw_engine_init(&eng, &g, 1, &d, 1, collect, NULL, err, sizeof err), 0, "%s", err);
    eng.note = note;
    built = 1;
}

/* The same with the one symbol "XYZ". */
static inline void build_detector(const char *type, const void *p)
{
    static const char *const syms[] = { "XYZ" };
    build_detector_syms(type, p, syms, 1);
}

static inline void teardown(void)
{
    if (built)
        sw_engine_free(&eng);
    built = 0;
}

/* One trade of `size` of sym at `price`, event time ts. */
static inline void trade(const char *sym, double price, double size, int64_t ts)
{
    sw_tick t = sw_test_tick(sym, price, ts, 0);
    t.size = size;
    cr_assert_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
}

/* One trade of 100 XYZ at `price`, event time ts. */
static inline void px(double price, int64_t ts)
{
    cr_assert_eq(sw_test_trade(&eng, "XYZ", price, ts, 0), SW_TICK_OK);
}

/* The k-th weekday from Tuesday 2025-01-07 (New York winter time). */
static inline int64_t day(int k)
{
    int64_t d = sw_days_from_civil(2025, 1, 7);
    for (;; d++) {
        int wd = sw_weekday(d);
        if (wd != 0 && wd != 6 && k-- == 0)
            return d;
    }
}

/* Start of minute `i` of the session of day d (minute 0 = 09:30). */
static inline int64_t minute(int64_t d, int i)
{
    return sw_ny_to_utc(d, 9, 30, 0) + i * SW_NS_PER_MIN;
}

#endif
