/*
 * fuzz_csv.c -- the OHLCV CSV reader (daemon/sources/sw_csv.c): header detection,
 * column matching, timestamps, numbers, split columns, bar-length inference,
 * and the four ticks each bar becomes.  The input is the whole file.
 */
#include "sw_csv.h"
#include "sw_fuzz.h"

#include <math.h>

static sw_fuzz_file file;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    sw_fuzz_file_init(&file, "fuzz-csv");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sw_fuzz_file_set(&file, data, size);
    sw_csv c;
    char err[600];
    if (sw_csv_open(&c, file.path, err, sizeof err) != 0) {
        if (!memchr(err, '\0', sizeof err) || !err[0])
            abort(); /* a failure always says why */
        return 0;
    }
    sw_bar bar;
    const char *why;
    int rc;
    while ((rc = sw_csv_next(&c, &bar, &why)) != SW_LINES_EOF && rc != SW_LINES_ERROR) {
        if (rc != SW_LINES_OK)
            continue;
        sw_tick t[4];
        int n = sw_bar_ticks(&c, &bar, t);
        if (n != 4)
            abort();
        for (int i = 0; i < n; i++)
            if (!isfinite(t[i].price) || !memchr(t[i].symbol, '\0', sizeof t[i].symbol))
                abort();
    }
    sw_csv_close(&c);
    return 0;
}
