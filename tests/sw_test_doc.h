/*
 * sw_test_doc.h -- the check every detector's test makes that the defaults
 * shockd --config-doc documents are the ones its code uses: a config built
 * from the documentation's own lines.  Header-only (static), for test
 * programs that include it once.
 */
#ifndef SW_TEST_DOC_H
#define SW_TEST_DOC_H

#include "sw_config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Load a config whose one detector of `type` sets every option the
 * documentation (shockd --config-doc) lists to the default it documents (a
 * default in parentheses -- "(required)", "(none: ...)" -- is no value:
 * `extra` supplies such keys, e.g. ", \"levels\": {...}"); at least
 * min_opts of them must be listed.  The watchlist is XYZ and SPY (the
 * benchmark and index detectors name by default).  The caller compares
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
        if (def[0] != '(')
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

/* The defaults documented for `type` load to exactly what its defaults()
 * sets, byte for byte. */
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
