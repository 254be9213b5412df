/*
 * sw_test_engine.h -- the harness the detector tests share: a real sw_engine
 * with one symbol ("XYZ", in group "g") -- or the symbols a test names --
 * and one detector, fed plain prices (and sizes) at event times built from
 * trading days and session minutes, its candidates collected in got[] and
 * its log notes in notes[]; and the check that the documented option
 * defaults (shockd --config-doc) load into a config.
 *
 * Header-only (static functions) because each test program includes it once;
 * define SW_TEST_MAX_GOT before including it to keep more or fewer candidates.
 */
#ifndef SW_TEST_ENGINE_H
#define SW_TEST_ENGINE_H

#include "sw_config.h"
#include "sw_engine.h"
#include "sw_time.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SW_TEST_MAX_GOT
#define SW_TEST_MAX_GOT 256
#endif

static sw_engine eng;
static int built;
static sw_candidate got[SW_TEST_MAX_GOT];
static char texts[SW_TEST_MAX_GOT][256];
static char windows[SW_TEST_MAX_GOT][16];
static int n_got;
static char notes[8][256];
static int n_notes;

static inline void collect(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    if (n_got < SW_TEST_MAX_GOT) {
        got[n_got] = *c;
        snprintf(texts[n_got], sizeof texts[n_got], "%s", c->text);
        got[n_got].text = texts[n_got];
        /* The strings are only valid during the callback: copies. */
        snprintf(windows[n_got], sizeof windows[n_got], "%s", c->window ? c->window : "");
        got[n_got].window = windows[n_got];
        n_got++;
    }
}

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
    sw_tick t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "%s", sym);
    t.price = price;
    t.size = size;
    t.ts_ns = ts;
    cr_assert_eq(sw_engine_tick(&eng, &t), SW_TICK_OK);
}

/* One trade of 100 XYZ at `price`, event time ts. */
static inline void px(double price, int64_t ts)
{
    trade("XYZ", price, 100, ts);
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

/* Load a config whose one detector of `type` sets every option the
 * documentation (shockd --config-doc) lists to the default it documents
 * (a default in parentheses, "(required)", is no value: `extra` supplies
 * such keys, e.g. ", \"levels\": {...}"); at least min_opts of them must
 * be listed.  The watchlist is XYZ and SPY.  The caller compares
 * cfg->detectors[0].params with the type's defaults(). */
static inline void load_documented_defaults_with(const char *type, int min_opts, const char *extra, sw_config *cfg)
{
    char *doc = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&doc, &len);
    sw_config_print_doc(f);
    fclose(f);
    char head[64];
    snprintf(head, sizeof head, "detector \"%s\":", type);
    const char *sec = strstr(doc, head);
    cr_assert_not_null(sec, "no section %s in the documentation", head);
    char json[2048];
    snprintf(json, sizeof json, "{\"groups\": {\"g\": [\"XYZ\", \"SPY\"]}, \"detectors\": [{\"type\": \"%s\"%s", type,
             extra);
    int n_opts = 0;
    for (const char *line = strchr(sec, '\n') + 1; *line == ' ' && line[2] != ' ';) {
        char key[64], def[64];
        const char *d = strstr(line, "default ");
        cr_assert(sscanf(line, " %63s", key) == 1 && d);
        cr_assert(sscanf(d + 8, "%63[^)]", def) == 1);
        char *end;
        strtod(def, &end);
        int bare = *end == '\0' || strcmp(def, "true") == 0 || strcmp(def, "false") == 0 || def[0] == '[';
        size_t used = strlen(json);
        if (def[0] != '(') /* "(none: ...)", "(required)": no value to write */
            snprintf(json + used, sizeof json - used, bare ? ", \"%s\": %s" : ", \"%s\": \"%s\"", key, def);
        n_opts++;
        line = strchr(line, '\n') + 1; /* the doc sentence */
        line = strchr(line, '\n') + 1;
    }
    strcat(json, "}]}");
    free(doc);
    cr_assert_geq(n_opts, min_opts, "every option documented (%d found)", n_opts);
    sw_diag diag = { 0 };
    int rc = sw_config_parse(cfg, json, strlen(json), "doc.json", &diag);
    if (rc != 0)
        sw_diag_print(&diag, stderr);
    sw_diag_free(&diag);
    cr_assert_eq(rc, 0, "%s", json);
}

static inline void load_documented_defaults(const char *type, int min_opts, sw_config *cfg)
{
    load_documented_defaults_with(type, min_opts, "", cfg);
}

/* The defaults `shockd --config-doc` documents for `type` load to exactly
 * what its defaults() sets, byte for byte. */
static inline void expect_documented_defaults(const char *type, int min_opts)
{
    sw_config cfg;
    load_documented_defaults(type, min_opts, &cfg);
    const sw_detector_type *t = sw_detector_find(type);
    cr_assert_not_null(t);
    void *want = calloc(1, t->params_size);
    cr_assert_not_null(want);
    t->defaults(want);
    cr_expect_eq(memcmp(cfg.detectors[0].params, want, t->params_size), 0, "%s: documented defaults differ", type);
    free(want);
    sw_config_free(&cfg);
}

#endif
