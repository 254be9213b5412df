/*
 * fuzz_replay.c -- the replay reader (daemon/sources/sw_replay.c over sw_lines.c):
 * NDJSON recordings of provider messages merged in event time with a CSV
 * file, pulled event by event the way shock-feed does.
 *
 * Input layout: the first byte picks the NDJSON file's provider; the rest is
 * split at the first 0xFF byte (never valid UTF-8, so real recordings do not
 * contain it) into the NDJSON file and, if present, a CSV file replayed
 * alongside it.  The files live in a private directory on /dev/shm (tmpfs;
 * falls back to TMPDIR) because replay chooses the format by extension, which
 * a memfd does not have; the directory is removed at exit.
 */
#include "sw_fuzz.h"
#include "sw_replay.h"

#include <fcntl.h>

static char dir[256], nd_path[300], csv_path[300];
static const char *const provs[] = { "finnhub", "alpaca", "polygon", "coinbase", "binance" };

static void cleanup(void)
{
    unlink(nd_path);
    unlink(csv_path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    sw_fuzz_tmpdir(dir, sizeof dir, "replay");
    snprintf(nd_path, sizeof nd_path, "%s/rec.ndjson", dir);
    snprintf(csv_path, sizeof csv_path, "%s/FUZZ_5m.csv", dir);
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *prov = provs[data[0] % 5];
    data++, size--;
    const uint8_t *cut = memchr(data, 0xff, size);
    size_t nd_len = cut ? (size_t)(cut - data) : size;
    sw_fuzz_write(nd_path, data, nd_len);
    const char *paths[2] = { nd_path, csv_path };
    size_t n = 1;
    if (cut) {
        sw_fuzz_write(csv_path, cut + 1, size - nd_len - 1);
        n = 2;
    }
    sw_replay r;
    if (sw_replay_open(&r, paths, n, NULL, prov) != 0)
        return 0;
    sw_event ev;
    uint64_t events = 0;
    while (sw_replay_next(&r, &ev)) {
        if (!memchr(ev.tick.symbol, '\0', sizeof ev.tick.symbol))
            abort();
        events++;
    }
    if (events != r.stats.events)
        abort(); /* the counters a replay reports must match what it delivered */
    sw_replay_close(&r, NULL);
    return 0;
}
