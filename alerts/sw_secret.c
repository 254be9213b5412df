/* sw_secret.c -- see sw_secret.h. */
#include "sw_secret.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

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

/* ---- the file rule ------------------------------------------------------------- */

/* POSIX ACL as the kernel stores it in the system.posix_acl_access extended
 * attribute (linux/posix_acl_xattr.h): a 32-bit version (2), then 8-byte
 * entries of tag, permissions and id, little-endian. */
enum { ACL_USER_OBJ = 0x01, ACL_USER = 0x02, ACL_GROUP_OBJ = 0x04, ACL_GROUP = 0x08, ACL_MASK = 0x10,
       ACL_OTHER = 0x20 };

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 1: the file has an ACL and it lets another user or a group read or
 * write; 0: it has one and it does not; -1: it has none. */
static int acl_too_open(int fd)
{
    unsigned char a[4 + 8 * 64];
    ssize_t n = fgetxattr(fd, "system.posix_acl_access", a, sizeof a);
    if (n < 0)
        return errno == ERANGE ? 1 : -1; /* ENODATA, ENOTSUP: no ACL; ERANGE: more entries than anyone needs */
    if (n < 4 || (n - 4) % 8 != 0 || le32(a) != 2)
        return 1; /* not a format we know: not ours to trust */
    unsigned mask = 7;
    for (ssize_t i = 4; i < n; i += 8)
        if (le16(a + i) == ACL_MASK)
            mask = le16(a + i + 2);
    for (ssize_t i = 4; i < n; i += 8) {
        unsigned tag = le16(a + i), perm = le16(a + i + 2) & 6; /* read and write; execute does not matter */
        uint32_t id = le32(a + i + 4);
        if ((tag == ACL_USER && id != (uint32_t)geteuid() && (perm & mask)) ||
            ((tag == ACL_GROUP_OBJ || tag == ACL_GROUP) && (perm & mask)) || (tag == ACL_OTHER && perm))
            return 1;
    }
    return 0;
}

/* Like ssh with a private key: a regular file of this user's or root's that
 * no one else may read or write. */
static int check_file(int fd, const char *where, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", where, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file (a file holding only the secret)", where);
        return -1;
    }
    if (st.st_uid != geteuid() && st.st_uid != 0) {
        snprintf(err, errlen, "%s is owned by uid %u, neither this user (uid %u) nor root", where,
                 (unsigned)st.st_uid, (unsigned)geteuid());
        return -1;
    }
    unsigned mode = (unsigned)st.st_mode & 07777;
    int acl = (mode & 0070) ? acl_too_open(fd) : -1;
    if ((mode & 0007) || (acl == -1 && (mode & 0070)) || acl == 1) {
        snprintf(err, errlen, "%s: permissions %04o are too open: other users may read or change it "
                              "(chmod 600, as ssh asks of a private key)", where, mode);
        return -1;
    }
    return 0;
}

int sw_secret_read_file(const char *path, const char *where, char *buf, size_t cap, size_t *n, char *err,
                        size_t errlen)
{
    *n = 0;
    /* O_NONBLOCK: a FIFO must not hold the start until someone writes to it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", where, strerror(errno));
        return -1;
    }
    if (check_file(fd, where, err, errlen) != 0) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < cap) {
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: read error: %s", where, strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *n = got;
    return 0;
}

int sw_secret_protect_process(void)
{
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* ---- loading ------------------------------------------------------------------- */

int sw_env_name_valid(const char *s)
{
    if (!s[0] || isdigit((unsigned char)s[0]))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
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
    char buf[SW_SECRET_MAX + 3];
    size_t n;
    int rc = sw_secret_read_file(path, where, buf, sizeof buf, &n, err, errlen);
    if (rc == 0)
        rc = n == sizeof buf ? (snprintf(err, errlen, "%s is longer than %d bytes", where, SW_SECRET_MAX), -1)
                             : take(out, buf, n, where, err, errlen);
    /* The stack copy is as secret as the heap one. */
    sw_secret_wipe_buf(buf, sizeof buf);
    return rc;
}

void sw_secret_wipe_buf(void *buf, size_t n)
{
    /* volatile: the compiler must not drop stores to memory about to die. */
    volatile unsigned char *p = buf;
    for (size_t i = 0; i < n; i++)
        p[i] = 0;
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
    size_t o = 0, sl = secret ? strlen(secret) : 0, left = strlen(text);
    if (cap == 0)
        return out;
    while (left && o + 1 < cap) {
        /* The whole secret, or (at the end of a text cut short) its start. */
        size_t m = sl < 4 ? 0 : left >= sl ? (strncmp(text, secret, sl) == 0 ? sl : 0)
                                           : (left >= 8 && strncmp(text, secret, left) == 0 ? left : 0);
        if (m) {
            for (const char *r = "***"; *r && o + 1 < cap; r++)
                out[o++] = *r;
            text += m;
            left -= m;
        } else {
            out[o++] = *text++;
            left--;
        }
    }
    out[o] = '\0';
    return out;
}

/* ---- credential-like text in lines ----------------------------------------------- */

static const char *const secret_names[] = {
    "token", "apikey", "api_key", "api-key", "key", "secret", "password", "passwd", "auth",
    "signature", "access_token", NULL,
};

static int is_secret_name(const char *name, size_t n)
{
    for (size_t i = 0; secret_names[i]; i++) {
        if (strlen(secret_names[i]) != n)
            continue;
        size_t k = 0;
        while (k < n && tolower((unsigned char)name[k]) == secret_names[i][k])
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

static int name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '-';
}

/* Value characters end at a separator of URLs, JSON or prose. */
static int value_end(char ch)
{
    return ch == '\0' || ch == '&' || ch == '#' || ch == ' ' || ch == '"' || ch == '\'' || ch == '\n' ||
           ch == '\t' || ch == ',' || ch == ';' || ch == ')' || ch == '>';
}

/* Append src[0..n) to out at *o, keeping room for the NUL. */
static void put(char *out, size_t cap, size_t *o, const char *src, size_t n)
{
    while (n-- && *o + 1 < cap)
        out[(*o)++] = *src++;
}

char *sw_secret_redact_params(const char *text, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return out;
    const char *p = text;
    while (*p) {
        /* A name starts at the beginning or after a non-name character. */
        if (name_char(*p) && (p == text || !name_char(p[-1]))) {
            const char *q = p;
            while (name_char(*q))
                q++;
            if (*q == '=' && is_secret_name(p, (size_t)(q - p))) {
                put(out, cap, &o, p, (size_t)(q - p) + 1);
                put(out, cap, &o, "***", 3);
                p = q + 1;
                while (!value_end(*p))
                    p++;
                continue;
            }
            put(out, cap, &o, p, (size_t)(q - p));
            p = q;
            continue;
        }
        put(out, cap, &o, p, 1);
        p++;
    }
    out[o] = '\0';
    return out;
}

char *sw_secret_redact_url(const char *url, char *out, size_t cap)
{
    char tmp[2048];
    const char *s = url;
    /* user:password@host: hide the whole user part. */
    const char *scheme = strstr(url, "://");
    if (scheme) {
        const char *auth = scheme + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', alen);
        if (at) {
            /* A user name alone can be the token (https://TOKEN@host). */
            snprintf(tmp, sizeof tmp, "%.*s***%s", (int)(auth - url), url, at);
            s = tmp;
        }
    }
    return sw_secret_redact_params(s, out, cap);
}
