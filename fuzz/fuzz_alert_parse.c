/*
 * fuzz_alert_parse.c -- the schema-v1 alert parser shock-notify runs on every
 * stream entry (alerts/sw_alert_parse.c).  Besides not crashing, an accepted
 * alert must survive a round trip: encoding it (sw_alert_to_json) and parsing
 * that again must succeed and encode to the same bytes, since shock-notify
 * re-renders what it parsed and consumers dedupe on what shockd encoded.
 */
#include "sw_alert.h"
#include "sw_alert_parse.h"
#include "sw_fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    return 0;
}

static char j1[SW_ALERT_JSON_MAX + 1], j2[SW_ALERT_JSON_MAX + 1], txt[1024];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = sw_fuzz_copy(data, size);
    sw_alert a, b;
    char err[256] = "";
    if (sw_alert_parse(json, size, &a, err, sizeof err) == 0) {
        (void)sw_alert_to_text(&a, txt, sizeof txt);
        int n1 = sw_alert_to_json(&a, j1, sizeof j1);
        if (n1 > 0) {
            char e2[256];
            if (sw_alert_parse(j1, (size_t)n1, &b, e2, sizeof e2) != 0) {
                fprintf(stderr, "re-parse failed: %s\n%.*s\n", e2, n1, j1);
                abort();
            }
            int n2 = sw_alert_to_json(&b, j2, sizeof j2);
            if (n2 != n1 || memcmp(j1, j2, (size_t)n1) != 0) {
                fprintf(stderr, "round trip differs:\n%.*s\n%.*s\n", n1, j1, n2 > 0 ? n2 : 0, j2);
                abort();
            }
        }
    } else if (!err[0] || !memchr(err, '\0', sizeof err)) {
        abort();
    }
    free(json);
    return 0;
}
