/* sw_secret.c -- see sw_secret.h. */
#include "sw_secret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int take(char **out, const char *v, size_t n, const char *where, char *err, size_t errlen)
{
    if (n > 0 && v[n - 1] == '\n') {
        n--;
        if (n > 0 && v[n - 1] == '\r')
            n--;
    }
    if (n == 0) {
        snprintf(err, errlen, "%s is empty", where);
        return -1;
    }
    if (n > SW_SECRET_MAX) {
        snprintf(err, errlen, "%s is longer than %d bytes", where, SW_SECRET_MAX);
        return -1;
    }
    if (memchr(v, '\n', n) || memchr(v, '\r', n) || memchr(v, '\0', n)) {
        snprintf(err, errlen, "%s has more than one line (one value, optionally followed by a newline)", where);
        return -1;
    }
    if (!(*out = malloc(n + 1))) {
        snprintf(err, errlen, "%s: out of memory", where);
        return -1;
    }
    memcpy(*out, v, n);
    (*out)[n] = '\0';
    return 0;
}

int sw_secret_load(char **out, const char *what, const char *env, const char *file, char *err, size_t errlen)
{
    char where[512];
    *out = NULL;
    if (env && file) {
        snprintf(err, errlen, "%s: both %s_env and %s_file are set (use one)", what, what, what);
        return -1;
    }
    if (env) {
        const char *v = getenv(env);
        snprintf(where, sizeof where, "%s_env: environment variable %s", what, env);
        if (!v) {
            snprintf(err, errlen, "%s is not set", where);
            return -1;
        }
        return take(out, v, strlen(v), where, err, errlen);
    }
    if (!file)
        return 1;
    char path[4096];
    if (file[0] == '/') {
        snprintf(path, sizeof path, "%s", file);
    } else {
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        if (!dir || !*dir) {
            snprintf(err, errlen, "%s_file: \"%s\" is a relative name but $CREDENTIALS_DIRECTORY is not set "
                                  "(an absolute path, or run under systemd with LoadCredential=)", what, file);
            return -1;
        }
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
            snprintf(err, errlen, "%s_file: path too long", what);
            return -1;
        }
    }
    snprintf(where, sizeof where, "%s_file: %.400s", what, path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", where, strerror(errno));
        return -1;
    }
    char buf[SW_SECRET_MAX + 3];
    size_t n = fread(buf, 1, sizeof buf, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: read error", where);
        return -1;
    }
    int rc = n == sizeof buf ? (snprintf(err, errlen, "%s is longer than %d bytes", where, SW_SECRET_MAX), -1)
                             : take(out, buf, n, where, err, errlen);
    /* The stack copy is as secret as the heap one. */
    volatile char *p = buf;
    for (size_t i = 0; i < sizeof buf; i++)
        p[i] = 0;
    return rc;
}

void sw_secret_free(char **s)
{
    if (!*s)
        return;
    volatile char *p = *s;
    while (*p)
        *p++ = 0;
    free(*s);
    *s = NULL;
}

char *sw_secret_redact(const char *text, const char *secret, char *out, size_t cap)
{
    size_t o = 0, sl = secret ? strlen(secret) : 0;
    if (cap == 0)
        return out;
    while (*text && o + 1 < cap) {
        if (sl >= 4 && strncmp(text, secret, sl) == 0) {
            for (const char *r = "***"; *r && o + 1 < cap; r++)
                out[o++] = *r;
            text += sl;
        } else {
            out[o++] = *text++;
        }
    }
    out[o] = '\0';
    return out;
}
