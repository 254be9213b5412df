/* sw_fsutil.c -- see sw_fsutil.h. */
#include "sw_fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

char *sw_fs_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

int sw_fs_ensure_dir(const char *dir, char *err, size_t errlen)
{
    if (!dir || !dir[0])
        return fail(err, errlen, "state directory is empty");
    size_t n = strlen(dir);
    if (n >= 4096)
        return fail(err, errlen, "%.64s...: path too long", dir);
    char path[4096];
    memcpy(path, dir, n + 1);
    /* Create each missing component; only the ones we create get 0700, an
     * existing parent is left as the administrator made it. */
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            int e = errno;
            path[i] = saved;
            return fail(err, errlen, "%s: cannot create directory: %s", dir, strerror(e));
        }
        path[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return fail(err, errlen, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return fail(err, errlen, "%s: exists and is not a directory", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return fail(err, errlen, "%s: directory is not writable: %s", dir, strerror(errno));
    return 0;
}

int sw_fs_sync_parent(const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else {
        size_t n = (size_t)(slash - path);
        if (n == 0)
            n = 1; /* "/file": the root directory */
        if (n >= sizeof dir)
            return fail(err, errlen, "%.64s...: path too long", path);
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errlen, "%s: cannot open directory: %s", dir, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0 && e != EINVAL) /* some file systems cannot fsync a directory */
        return fail(err, errlen, "%s: fsync: %s", dir, strerror(e));
    return 0;
}

/* The temporary file of `path` for process pid: one name, here. */
static int tmp_name(char *buf, size_t cap, const char *path, long pid)
{
    return snprintf(buf, cap, "%s.tmp.%ld", path, pid) >= (int)cap ? -1 : 0;
}

void sw_fs_atomic_discard(const char *path, long pid)
{
    char tmp[sizeof ((sw_fs_atomic *)0)->tmp];
    if (tmp_name(tmp, sizeof tmp, path, pid) == 0)
        unlink(tmp);
}

int sw_fs_atomic_open(sw_fs_atomic *a, const char *path, char *err, size_t errlen)
{
    a->fd = -1;
    a->path = path;
    if (tmp_name(a->tmp, sizeof a->tmp, path, (long)getpid()) != 0)
        return fail(err, errlen, "%.64s...: path too long", path);
    a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (a->fd < 0)
        return fail(err, errlen, "%s: cannot create: %s", a->tmp, strerror(errno));
    return 0;
}

void sw_fs_atomic_abort(sw_fs_atomic *a)
{
    if (a->fd >= 0) {
        close(a->fd);
        unlink(a->tmp);
    }
    a->fd = -1;
}

int sw_fs_atomic_write(sw_fs_atomic *a, const void *data, size_t len, char *err, size_t errlen)
{
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(a->fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return fail(err, errlen, "%s: write: %s", a->tmp, strerror(w < 0 ? errno : EIO));
        p += w;
        left -= (size_t)w;
    }
    return 0;
}

int sw_fs_atomic_commit(sw_fs_atomic *a, char *err, size_t errlen)
{
    if (fsync(a->fd) != 0) {
        int e = errno;
        sw_fs_atomic_abort(a);
        return fail(err, errlen, "%s: fsync: %s", a->tmp, strerror(e));
    }
    int rc = close(a->fd);
    a->fd = -1;
    if (rc != 0) {
        int e = errno;
        unlink(a->tmp);
        return fail(err, errlen, "%s: close: %s", a->tmp, strerror(e));
    }
    if (rename(a->tmp, a->path) != 0) {
        int e = errno;
        unlink(a->tmp);
        return fail(err, errlen, "%s: rename: %s", a->path, strerror(e));
    }
    return sw_fs_sync_parent(a->path, err, errlen);
}

int sw_fs_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    sw_fs_atomic a;
    if (sw_fs_atomic_open(&a, path, err, errlen) != 0)
        return -1;
    if (sw_fs_atomic_write(&a, data, len, err, errlen) != 0) {
        sw_fs_atomic_abort(&a);
        return -1;
    }
    return sw_fs_atomic_commit(&a, err, errlen);
}
