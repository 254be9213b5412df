/*
 * fuzz_silence.c -- a silence's record as shock-notify and shockd's
 * dashboard read it back from Redis (alerts/notify/sw_silence.c), which
 * anyone with access to that Redis can write (docs/security.md).  Besides
 * not crashing: a record accepted passes sw_silence_check, and survives a
 * round trip (encoded by sw_silence_to_json, parsed again, encoded to the
 * same bytes); its matchers text (what the log, the list and the dashboard
 * show) is one line without control characters; a refused one has a reason.
 */
#include "sw_escape.h"
#include "sw_fuzz.h"
#include "sw_silence.h"
#include "sw_strict_json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    return 0;
}

static char j1[SW_SILENCE_JSON_MAX + 1], j2[SW_SILENCE_JSON_MAX + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = sw_fuzz_copy(data, size);
    sw_silence s, t;
    char err[256] = "";
    if (sw_silence_parse(json, size, &s, err, sizeof err) == 0) {
        char e2[256] = "", m[200];
        if (sw_silence_check(&s, e2, sizeof e2) != 0) {
            fprintf(stderr, "accepted but not valid: %s\n%.*s\n", e2, (int)size, json);
            abort();
        }
        sw_silence_matchers(&s, m, sizeof m);
        if (sw_json_has_control(m) || !sw_utf8_valid(m, strlen(m)))
            abort();
        /* Encoded, read back, encoded again: the same bytes. */
        char *j[2] = { j1, j2 };
        int n[2];
        sw_silence *cur = &s;
        for (int k = 0; k < 2; k++, cur = &t) {
            n[k] = sw_silence_to_json(cur, j[k], sizeof j1);
            if (n[k] <= 0 || sw_silence_parse(j[k], (size_t)n[k], &t, e2, sizeof e2) != 0) {
                fprintf(stderr, "encoding %d failed or did not read back: %s\n%s\n", k + 1, e2, n[k] > 0 ? j[k] : "");
                abort();
            }
        }
        if (n[0] != n[1] || memcmp(j1, j2, (size_t)n[0]) != 0) {
            fprintf(stderr, "round trip differs:\n%s\n%s\n", j1, j2);
            abort();
        }
    } else if (!err[0] || !memchr(err, '\0', sizeof err)) {
        abort();
    }
    free(json);
    return 0;
}
