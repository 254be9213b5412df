/*
 * sw_fsutil.h -- the few file-system steps that durable state needs, done the
 * same way everywhere: create the state directory (mode 0700: alerts and
 * prices are nobody else's business), and replace a small file atomically
 * (write a temporary file, fsync it, rename it over the old one, fsync the
 * directory) so a crash leaves either the old or the new content, never half.
 *
 * Errors come back as a sentence in err naming the path and the reason.
 */
#ifndef SW_FSUTIL_H
#define SW_FSUTIL_H

#include <stddef.h>

/* Create `dir` (and missing parents) with mode 0700 if it does not exist,
 * then check that it is a directory we can write to.  Returns 0 or -1. */
int sw_fs_ensure_dir(const char *dir, char *err, size_t errlen);

/* Replace `path` with `len` bytes of `data` atomically and durably.  The
 * temporary file is `path` + ".tmp.<pid>" in the same directory.  Returns 0
 * or -1 (the old file is then untouched). */
int sw_fs_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* The same, written in pieces: for a file too large to hold in memory at
 * once (state.json of 10 000 symbols).  Open, write as often as needed,
 * then commit (fsync, close, rename, fsync the directory) or abort (the
 * temporary file is removed, the old file untouched).  After a failed write
 * only abort remains.  Each returns 0 or -1 with a sentence in err. */
typedef struct sw_fs_atomic {
    int fd;
    char tmp[4200];
    const char *path;
} sw_fs_atomic;

int sw_fs_atomic_open(sw_fs_atomic *a, const char *path, char *err, size_t errlen);
int sw_fs_atomic_write(sw_fs_atomic *a, const void *data, size_t len, char *err, size_t errlen);
int sw_fs_atomic_commit(sw_fs_atomic *a, char *err, size_t errlen);
void sw_fs_atomic_abort(sw_fs_atomic *a);

/* Remove the temporary file that process `pid` may have left for `path`
 * (killed between open and commit: a forked saver, sw_bgsave).  Quiet when
 * there is none. */
void sw_fs_atomic_discard(const char *path, long pid);

/* fsync the directory holding `path`, so a rename or a new file in it
 * survives a crash.  Returns 0 or -1. */
int sw_fs_sync_parent(const char *path, char *err, size_t errlen);

/* `dir` + "/" + `name` in a new malloc'd string, or NULL. */
char *sw_fs_join(const char *dir, const char *name);

#endif
