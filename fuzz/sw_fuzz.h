/*
 * sw_fuzz.h -- what every libFuzzer target in fuzz/ shares: quiet logging and
 * a way to hand the fuzz input to code that only reads files.
 *
 * The readers we fuzz (CSV, NDJSON replay, the spool) open paths, not
 * buffers; rather than adding a buffer API used only by fuzzing, each input
 * is written to a memfd (no disk I/O, nothing left behind) and the reader
 * opens /proc/self/fd/N, which gives it its own file offset every time.
 */
#ifndef SW_FUZZ_H
#define SW_FUZZ_H

/* fuzz/CMakeLists.txt defines _GNU_SOURCE for memfd_create. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sw_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Every input is bad in some way: the readers' per-line reports would make
 * the fuzzer spend its time writing to stderr.  Errors only. */
static inline void sw_fuzz_quiet(void)
{
    sw_log_init("fuzz");
    sw_log_set_level(SW_LOG_ERROR);
}

typedef struct sw_fuzz_file {
    int fd;
    char path[64];
} sw_fuzz_file;

/* Create a memfd once per process (name is only for /proc listings). */
static inline void sw_fuzz_file_init(sw_fuzz_file *f, const char *name)
{
    f->fd = memfd_create(name, 0);
    if (f->fd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

/* Replace the file's content with data[0..size). */
static inline void sw_fuzz_file_set(sw_fuzz_file *f, const uint8_t *data, size_t size)
{
    if (ftruncate(f->fd, 0) != 0) {
        perror("ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(f->fd, data + done, size - done, (off_t)done);
        if (n <= 0) {
            perror("pwrite");
            abort();
        }
        done += (size_t)n;
    }
}

/* A private directory for targets whose code wants real paths: on /dev/shm
 * (tmpfs, no disk wear at millions of runs) if it exists, else TMPDIR. */
static inline void sw_fuzz_tmpdir(char *out, size_t cap, const char *what)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(out, cap, "%s/shockwatch-fuzz-%s.XXXXXX", base ? base : "/tmp", what);
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        abort();
    }
}

/* The directory sw_fuzz_tmpdir_gone_at_exit removes. */
static inline char *sw_fuzz_gone_dir(void)
{
    static char dir[256];
    return dir;
}

static inline void sw_fuzz_rm_gone_dir(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", sw_fuzz_gone_dir());
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", sw_fuzz_gone_dir());
}

/* sw_fuzz_tmpdir, removed with what is in it when the process exits. */
static inline void sw_fuzz_tmpdir_gone_at_exit(char *out, size_t cap, const char *what)
{
    sw_fuzz_tmpdir(out, cap, what);
    snprintf(sw_fuzz_gone_dir(), 256, "%s", out);
    atexit(sw_fuzz_rm_gone_dir);
}

/* Replace the file at path with data[0..size). */
static inline void sw_fuzz_write(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* An exactly sized, mutable copy, not NUL-terminated (for parsers given a
 * length: a read one byte past the input is an ASan report); free() it. */
static inline char *sw_fuzz_copy(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    return s;
}

/* A NUL-terminated copy (for APIs that take C strings); free() it. */
static inline char *sw_fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
