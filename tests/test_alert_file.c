/*
 * test_alert_file.c -- a file of schema-v1 alerts (daemon/sources/
 * sw_alert_file.c): every good line handed over in file order, blank lines
 * skipped, each bad line (not JSON, a field of the wrong type, longer than
 * an alert may be) counted and named by file and line without stopping the
 * read, and a file that cannot be opened refused with its name.
 */
#include "sw_alert_file.h"
#include "sw_log.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_test_util.h"

static char dir[64];

static void setup(void)
{
    sw_log_init("test");
    sw_log_set_level(SW_LOG_ERROR);
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "alertfile"), 0);
}

static void teardown(void)
{
    sw_test_rmdir(dir);
}

TestSuite(alert_file, .init = setup, .fini = teardown);

typedef struct got {
    sw_alert a[16];
    size_t n;
} got;

static void collect(void *ctx, const sw_alert *a)
{
    got *g = ctx;
    cr_assert_lt(g->n, 16u);
    g->a[g->n++] = *a;
}

#define GOOD(id, ts, sym)                                                                                        \
    "{\"v\":1,\"id\":\"" id "\",\"ts\":\"" ts "\",\"symbol\":\"" sym "\",\"group\":null,\"detector\":\"pct_move\","  \
    "\"severity\":\"critical\",\"price\":124.8,\"reference\":142.62,\"change_pct\":-12.49,\"zscore\":null,"          \
    "\"window\":\"prev_close\",\"direction\":\"down\",\"resolved\":false,\"message\":\"" sym " -12.49%\"}"

Test(alert_file, good_blank_and_bad_lines)
{
    char path[128];
    snprintf(path, sizeof path, "%s/alerts.ndjson", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(GOOD("8baa0b0c5937e012", "2025-01-27T14:30:00.190Z", "NVDA") "\n", f);
    fputs("\n   \n", f);
    fputs("not json at all\n", f);
    fputs("{\"v\":1,\"id\":42}\n", f);
    fprintf(f, "{\"pad\":\"%0*d\"}\n", 9000, 0); /* longer than an alert may be */
    fputs(GOOD("4ce1aee115568591", "2025-01-27T14:30:00.036Z", "AVGO"), f); /* no final newline */
    fclose(f);
    got g = { .n = 0 };
    sw_alert_file_stats st;
    char err[256] = "";
    cr_assert_eq(sw_alert_file_read(path, collect, &g, &st, err, sizeof err), 0, "%s", err);
    cr_expect_eq(st.lines, 7u);
    cr_expect_eq(st.alerts, 2u);
    cr_expect_eq(st.bad, 3u);
    cr_assert_eq(g.n, 2u);
    cr_expect_str_eq(g.a[0].id, "8baa0b0c5937e012", "in file order");
    cr_expect_str_eq(g.a[1].symbol, "AVGO");
    cr_expect_eq(g.a[0].ts_ns, INT64_C(1737988200190000000));
    cr_expect_eq(g.a[0].severity, SW_SEV_CRITICAL);
    char want[200];
    snprintf(want, sizeof want, "%s:4: ", path);
    cr_expect(strncmp(st.first_bad, want, strlen(want)) == 0, "the first bad line named: %s", st.first_bad);
}

Test(alert_file, missing_file_is_an_error_that_names_it)
{
    got g = { .n = 0 };
    sw_alert_file_stats st;
    char err[256] = "";
    cr_expect_eq(sw_alert_file_read("/nonexistent/alerts.ndjson", collect, &g, &st, err, sizeof err), -1);
    cr_expect(strstr(err, "/nonexistent/alerts.ndjson: cannot open") != NULL, "%s", err);
    cr_expect_eq(g.n, 0u);
}
