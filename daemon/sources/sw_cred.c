/* sw_cred.c -- see sw_cred.h. */
#include "sw_cred.h"
#include "sw_secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Store a copy of v[0..n) in c, refusing what cannot be a credential. */
static int take(sw_cred *c, const char *v, size_t n, const char *where, char *err, size_t errlen)
{
    /* One trailing newline is what `echo KEY > file` and most editors leave. */
    if (n > 0 && v[n - 1] == '\n') {
        n--;
        if (n > 0 && v[n - 1] == '\r')
            n--;
    }
    if (n == 0) {
        snprintf(err, errlen, "%s is empty (an API key)", where);
        return -1;
    }
    if (n > SW_CRED_MAX) {
        snprintf(err, errlen, "%s is longer than %d bytes (an API key)", where, SW_CRED_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '\n' || v[i] == '\r' || v[i] == '\0') {
            snprintf(err, errlen, "%s has more than one line (one key, optionally followed by a newline)",
                     where);
            return -1;
        }
    }
    c->value = malloc(n + 1);
    if (!c->value) {
        snprintf(err, errlen, "%s: out of memory", where);
        return -1;
    }
    memcpy(c->value, v, n);
    c->value[n] = '\0';
    c->len = n;
    return 0;
}

static int load_file(sw_cred *c, const char *what, const char *file, char *err, size_t errlen)
{
    char path[4096];
    if (file[0] == '/') {
        snprintf(path, sizeof path, "%s", file);
    } else {
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        if (!dir || !*dir) {
            snprintf(err, errlen,
                     "%s_file: \"%s\" is a relative name but $CREDENTIALS_DIRECTORY is not set "
                     "(an absolute path, or run under systemd with LoadCredential=)", what, file);
            return -1;
        }
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
            snprintf(err, errlen, "%s_file: path too long", what);
            return -1;
        }
    }
    char where[4200];
    snprintf(where, sizeof where, "%s_file %s", what, path);
    /* Read one byte more than a credential plus its newline may take, so an
     * oversized file is refused instead of silently cut.  The file rule
     * (regular file, no one else may read it) is shock-notify's too. */
    char buf[SW_CRED_MAX + 3];
    size_t n;
    int rc = sw_secret_read_file(path, where, buf, sizeof buf, &n, err, errlen);
    if (rc == 0 && n == sizeof buf) {
        snprintf(err, errlen, "%s is longer than %d bytes (an API key)", where, SW_CRED_MAX);
        rc = -1;
    } else if (rc == 0) {
        rc = take(c, buf, n, where, err, errlen);
    }
    volatile char *p = buf; /* the stack copy must not outlive the call */
    for (size_t i = 0; i < sizeof buf; i++)
        p[i] = 0;
    return rc;
}

int sw_cred_load(sw_cred *c, const char *what, const char *env_name, const char *file, char *err,
                 size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (env_name && file) {
        snprintf(err, errlen, "%s_env and %s_file are both set (one of them)", what, what);
        return -1;
    }
    if (file)
        return load_file(c, what, file, err, errlen);
    if (!env_name)
        return 1;
    char where[300];
    snprintf(where, sizeof where, "%s_env: environment variable %s", what, env_name);
    const char *v = getenv(env_name);
    if (!v) {
        snprintf(err, errlen, "%s is not set", where);
        return -1;
    }
    return take(c, v, strlen(v), where, err, errlen);
}

void sw_cred_free(sw_cred *c)
{
    if (c->value) {
        volatile char *p = c->value;
        for (size_t i = 0; i < c->len; i++)
            p[i] = 0;
        free(c->value);
    }
    c->value = NULL;
    c->len = 0;
}
