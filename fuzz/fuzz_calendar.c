/*
 * fuzz_calendar.c -- the exchange calendar file parser
 * (sw_calendar_file_parse, config/sw_calendar_file.c).  A calendar that loads
 * is also queried for a few days, so what the parser stored is used.
 */
#include "sw_calendar_file.h"
#include "sw_fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = sw_fuzz_copy(data, size);
    sw_calendar cal;
    sw_diag diag = { 0 };
    int rc = sw_calendar_file_parse(&cal, text, size, "fuzz.csv", &diag);
    if (rc == 0) {
        for (int64_t day = 20089; day < 20089 + 400; day += 7) { /* 2025 and into 2026 */
            int64_t open_ns, close_ns;
            (void)sw_calendar_session(&cal, day, &open_ns, &close_ns);
        }
    } else if (diag.n == 0) {
        abort(); /* rejected without a reason */
    }
    sw_diag_free(&diag);
    free(text);
    return 0;
}
