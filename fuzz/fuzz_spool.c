/*
 * fuzz_spool.c -- reading back a spool a crash left behind (alerts/sw_spool.c):
 * spool.ndjson lines that may be torn, not JSON, not alerts, too long; a
 * spool.offset that may be garbage or point anywhere.  Each run opens the
 * spool (which indexes the file), loads bodies with a small in-memory queue
 * so lines are read back from disk as the head is confirmed, confirms some,
 * and closes (which persists the offset and compacts, as shockd does).
 *
 * Input layout: if it starts with "O:", the rest of its first line is
 * spool.offset; everything after is spool.ndjson.  Without the prefix there
 * is no offset file.  The state directory is private, on /dev/shm.
 */
#include "sw_fuzz.h"
#include "sw_spool.h"

static char dir[256], spool_path[300], offset_path[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    sw_fuzz_tmpdir_gone_at_exit(dir, sizeof dir, "spool");
    snprintf(spool_path, sizeof spool_path, "%s/%s", dir, SW_SPOOL_FILE);
    snprintf(offset_path, sizeof offset_path, "%s/%s", dir, SW_SPOOL_OFFSET_FILE);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unlink(offset_path);
    if (size >= 2 && data[0] == 'O' && data[1] == ':') {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t first = nl ? (size_t)(nl - data) + 1 : size;
        sw_fuzz_write(offset_path, data + 2, first - 2 - (nl ? 1 : 0));
        data += first, size -= first;
    }
    sw_fuzz_write(spool_path, data, size);

    sw_spool_params p = { .dir = dir, .max_bytes = 64 * 1024, .queue_max = 2, .fsync_always = 0 };
    sw_spool sp;
    char err[512];
    if (sw_spool_open(&sp, &p, err, sizeof err) != 0) {
        if (!err[0])
            abort();
        return 0;
    }
    /* Drain: load what fits, confirm the head, again; a line that can no
     * longer be read is dropped by load, so this ends. */
    for (int guard = 0; sw_spool_pending(&sp) > 0 && guard < 100000; guard++) {
        sw_spool_load(&sp);
        if (sw_spool_pending(&sp) == 0)
            break;
        sw_spool_item *it = sw_spool_item_at(&sp, 0);
        if (it->body && (!memchr(it->body->id, '\0', sizeof it->body->id) || it->body->json[it->body->len] != '\0'))
            abort();
        sw_spool_confirm(&sp);
        if (guard % 3 == 2)
            (void)sw_spool_sync(&sp);
    }
    sw_spool_close(&sp);
    return 0;
}
