/*
 * sw_test_schema.h -- check alert JSON lines against the consumers' contract,
 * docs/alert-v1.schema.json, from a test (header-only, not a test itself).
 *
 * sw_test_schema_check runs tests/alert_schema_check.py (Debian's
 * python3-jsonschema, Draft 2020-12) over an NDJSON file of alerts -- what a
 * test captured from shockd's stdout, the spool or the Redis stream -- in
 * strict mode by default: a field the schema does not name fails too (shockd
 * must not emit undocumented fields; consumers, the other way round, must
 * ignore unknown ones).  It does not include Criterion: the caller asserts
 * on the status and prints the report.
 */
#ifndef SW_TEST_SCHEMA_H
#define SW_TEST_SCHEMA_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define SW_TEST_SCHEMA SW_SOURCE_DIR "/docs/alert-v1.schema.json"
#define SW_TEST_SCHEMA_CHECK "/usr/bin/python3 " SW_SOURCE_DIR "/tests/alert_schema_check.py"

/* Validate every line of the file at path ("-" is not allowed here).
 * Returns the checker's exit status: 0 when every line is a valid alert
 * and there is at least one, 1 when one is not (or the file is empty), 2
 * when the checker could not run; *report gets its output ("N alerts, M
 * invalid", one line per problem before it); free() it. */
static inline int sw_test_schema_check(const char *path, int strict, char **report)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, SW_TEST_SCHEMA_CHECK "%s " SW_TEST_SCHEMA " '%s' 2>&1", strict ? " --strict" : "",
             path);
    size_t len = 0, cap = 4096;
    char *out = malloc(cap);
    FILE *p = popen(cmd, "r");
    if (!out || !p) {
        if (p)
            pclose(p);
        free(out);
        *report = strdup("cannot run the schema checker");
        return 2;
    }
    size_t n;
    while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 1024) {
            char *grown = realloc(out, cap * 2);
            if (!grown)
                break;
            out = grown;
            cap *= 2;
        }
    }
    out[len] = '\0';
    int st = pclose(p);
    *report = out;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

#endif
