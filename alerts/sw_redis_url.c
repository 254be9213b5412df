/* sw_redis_url.c -- see sw_redis_url.h.
 *
 * Written as a sequence of small checks over explicit (pointer, length)
 * slices of the input, never past its end: the fuzzer feeds arbitrary bytes. */
#include "sw_redis_url.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* A slice of the input quoted in an error: at most 24 bytes, so a long
 * garbage value does not flood the log. */
static void quote(char *buf, size_t len, const char *s, size_t n)
{
    size_t max = 24;
    if (n > max)
        snprintf(buf, len, "%.*s...", (int)max, s);
    else
        snprintf(buf, len, "%.*s", (int)n, s);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse an unsigned decimal slice into *v if it is at most `max`; returns 0,
 * -1 for a non-digit, -2 for out of range (or more digits than any valid
 * value has).  `what` and the caller phrase the message. */
static int parse_uint(const char *s, size_t n, long max, long *v)
{
    if (n == 0)
        return -1;
    long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        if (x <= max)
            x = x * 10 + (s[i] - '0');
    }
    if (x > max)
        return -2;
    *v = x;
    return 0;
}

static int parse_port(const char *s, size_t n, int *port, char *err, size_t errlen)
{
    char q[40];
    long v = 0;
    if (n == 0)
        return fail(err, errlen, "missing port after \":\" (1..65535)");
    quote(q, sizeof q, s, n);
    int rc = parse_uint(s, n, 65535, &v);
    if (rc == -1)
        return fail(err, errlen, "port \"%s\" is not a number (1..65535)", q);
    if (rc == -2 || v < 1)
        return fail(err, errlen, "port %s out of range (1..65535)", q);
    *port = (int)v;
    return 0;
}

static int parse_db(const char *s, size_t n, int *db, char *err, size_t errlen)
{
    char q[40];
    long v = 0;
    quote(q, sizeof q, s, n);
    int rc = parse_uint(s, n, SW_REDIS_DB_MAX, &v);
    if (rc == -1)
        return fail(err, errlen, "db \"%s\" is not a number (0..%d)", q, SW_REDIS_DB_MAX);
    if (rc == -2)
        return fail(err, errlen, "db %s out of range (0..%d)", q, SW_REDIS_DB_MAX);
    *db = (int)v;
    return 0;
}

/* Percent-decode the password slice into out (NUL-terminated). */
static int decode_password(const char *s, size_t n, char *out, size_t outlen, char *err, size_t errlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 1 < n ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return fail(err, errlen, "bad percent-encoding in the password (%%XX with two hex digits)");
            c = (char)(hi * 16 + lo);
            i += 2;
            if (c == '\0')
                return fail(err, errlen, "the password contains %%00 (a NUL byte is not allowed)");
        }
        if (o + 1 >= outlen)
            return fail(err, errlen, "password longer than %d bytes", SW_REDIS_PASSWORD_MAX - 1);
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '-' || c == '_';
}

/* "host[:port]" or "[v6]:port" in h[0..hn) into host (NUL-terminated) and
 * *port (default_port when there is none). */
static int parse_hostport(const char *h, size_t hn, char *host_out, size_t host_cap, int *port, int default_port,
                          const char *form, char *err, size_t errlen)
{
    char q[40];
    size_t host_len, port_at;  /* port_at: index in h of ':' or hn */
    const char *host;
    if (hn > 0 && h[0] == '[') {
        size_t close = 1;
        while (close < hn && h[close] != ']')
            close++;
        if (close == hn)
            return fail(err, errlen, "missing \"]\" after the IPv6 address");
        host = h + 1;
        host_len = close - 1;
        if (host_len == 0)
            return fail(err, errlen, "empty IPv6 address in \"[]\"");
        for (size_t i = 0; i < host_len; i++)
            if (hex_value(host[i]) < 0 && host[i] != ':' && host[i] != '.') {
                quote(q, sizeof q, host, host_len);
                return fail(err, errlen, "\"%s\" is not an IPv6 address", q);
            }
        port_at = close + 1;
        if (port_at < hn && h[port_at] != ':')
            return fail(err, errlen, "unexpected text after \"]\" (\":port\" or nothing)");
    } else {
        port_at = 0;
        while (port_at < hn && h[port_at] != ':')
            port_at++;
        host = h;
        host_len = port_at;
        if (host_len == 0)
            return fail(err, errlen, "missing host (%s)", form);
        for (size_t i = 0; i < host_len; i++)
            if (!host_char(host[i])) {
                char c = host[i];
                if (c == ':' || c == '@')
                    return fail(err, errlen, "unexpected \"%c\" in the host", c);
                return fail(err, errlen, "invalid character 0x%02x in the host (letters, digits, \".\", \"-\", \"_\")",
                            (unsigned)(unsigned char)c);
            }
    }
    if (host_len >= host_cap)
        return fail(err, errlen, "host longer than %d bytes", (int)host_cap - 1);
    memcpy(host_out, host, host_len);
    host_out[host_len] = '\0';

    *port = default_port;
    if (port_at < hn) {
        const char *p = h + port_at + 1;
        size_t pn = hn - port_at - 1;
        for (size_t i = 0; i < pn; i++)
            if (p[i] == ':')
                return fail(err, errlen, "more than one \":\" after the host (IPv6 addresses go in [brackets])");
        if (parse_port(p, pn, port, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int parse_tcp(const char *s, size_t n, sw_redis_url *u, char *err, size_t errlen)
{
    /* The authority runs to the first '/', '?' or '#'. */
    size_t auth_end = 0;
    while (auth_end < n && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#')
        auth_end++;
    /* Userinfo ends at the last '@' of the authority, so a raw '@' inside a
     * password still parses. */
    size_t at = auth_end;
    for (size_t i = 0; i < auth_end; i++)
        if (s[i] == '@')
            at = i;
    size_t host_start = 0;
    if (at < auth_end) {
        if (at == 0 || s[0] != ':')
            return fail(err, errlen, "a user name is not supported (redis://:password@host:port)");
        if (at == 1)
            return fail(err, errlen, "empty password in \":@\" (leave out \":@\" for none)");
        if (decode_password(s + 1, at - 1, u->password, sizeof u->password, err, errlen) != 0)
            return -1;
        host_start = at + 1;
    }

    if (parse_hostport(s + host_start, auth_end - host_start, u->host, sizeof u->host, &u->port,
                       SW_REDIS_DEFAULT_PORT, "redis://host:port", err, errlen) != 0)
        return -1;

    /* Optional "/db", then nothing. */
    size_t i = auth_end;
    if (i < n && s[i] == '/') {
        size_t db_start = ++i;
        while (i < n && s[i] != '?' && s[i] != '#')
            i++;
        if (i > db_start && parse_db(s + db_start, i - db_start, &u->db, err, errlen) != 0)
            return -1;
    }
    if (i < n)
        return fail(err, errlen, "unexpected \"%c\" after the %s (redis:// URLs take no query or fragment)",
                    s[i], u->db || i > auth_end ? "db" : "host");
    return 0;
}

static int parse_unix(const char *s, size_t n, sw_redis_url *u, char *err, size_t errlen)
{
    if (n == 0 || s[0] != '/') {
        for (size_t i = 0; i < n && s[i] != '/'; i++)
            if (s[i] == '@')
                return fail(err, errlen, "a password cannot go in a unix:// URL (use redis.password_env or "
                                         "redis.password_file)");
        return fail(err, errlen, "the socket path must be absolute (unix:///path/to/redis.sock)");
    }
    size_t pe = 0;
    while (pe < n && s[pe] != '?' && s[pe] != '#')
        pe++;
    if (pe == 1)
        return fail(err, errlen, "missing socket path (unix:///path/to/redis.sock)");
    if (s[pe - 1] == '/')
        return fail(err, errlen, "the socket path ends with \"/\" (the path of a socket file)");
    if (pe >= sizeof u->path)
        return fail(err, errlen, "socket path longer than %d bytes", (int)sizeof u->path - 1);
    memcpy(u->path, s, pe);
    u->path[pe] = '\0';
    u->is_unix = 1;
    if (pe == n)
        return 0;
    if (s[pe] == '#')
        return fail(err, errlen, "unexpected \"#\" after the socket path");

    /* Query: "db=N" and nothing else. */
    size_t i = pe + 1;
    int seen_db = 0;
    while (i <= n) {
        size_t ps = i;
        while (i < n && s[i] != '&')
            i++;
        const char *p = s + ps;
        size_t pn = i - ps;
        char q[40];
        if (pn == 0)
            return fail(err, errlen, "empty parameter in the query (only db=N)");
        if (pn >= 3 && memcmp(p, "db=", 3) == 0) {
            if (seen_db++)
                return fail(err, errlen, "db given twice in the query");
            if (pn == 3)
                return fail(err, errlen, "missing value after \"db=\" (0..%d)", SW_REDIS_DB_MAX);
            if (parse_db(p + 3, pn - 3, &u->db, err, errlen) != 0)
                return -1;
        } else {
            size_t kn = 0;
            while (kn < pn && p[kn] != '=')
                kn++;
            quote(q, sizeof q, p, kn);
            return fail(err, errlen, "unknown parameter \"%s\" in the query (only db=N)", q);
        }
        i++; /* past '&' (or past the end, ending the loop) */
    }
    return 0;
}

int sw_redis_url_parse(const char *text, sw_redis_url *out, char *err, size_t errlen)
{
    static const char forms[] = "redis://[:password@]host:port[/db] or unix:///path/redis.sock[?db=N]";
    memset(out, 0, sizeof *out);
    if (err && errlen)
        err[0] = '\0';
    if (!text)
        return fail(err, errlen, "missing (%s)", forms);
    size_t n = strnlen(text, SW_REDIS_URL_MAX + 1);
    if (n == 0)
        return fail(err, errlen, "is empty (%s)", forms);
    if (n > SW_REDIS_URL_MAX)
        return fail(err, errlen, "longer than %d bytes", SW_REDIS_URL_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= 0x20 || c == 0x7f)
            return fail(err, errlen, "contains a space or control character at byte %zu (percent-encode it "
                                     "in a password)", i + 1);
        if (c >= 0x80)
            return fail(err, errlen, "contains a non-ASCII byte at byte %zu (percent-encode it in a password)",
                        i + 1);
    }
    int rc;
    if (n >= 8 && memcmp(text, "redis://", 8) == 0) {
        rc = parse_tcp(text + 8, n - 8, out, err, errlen);
    } else if (n >= 7 && memcmp(text, "unix://", 7) == 0) {
        rc = parse_unix(text + 7, n - 7, out, err, errlen);
    } else if (n >= 9 && memcmp(text, "rediss://", 9) == 0) {
        rc = fail(err, errlen, "TLS (rediss://) is not supported by hiredis 0.14 (use redis:// on loopback or a "
                               "trusted network, or unix://)");
    } else {
        /* Name the scheme only when it looks like one: the text may be a
         * password pasted into the wrong place. */
        const char *sep = strstr(text, "://");
        size_t sn = sep ? (size_t)(sep - text) : 0;
        int plausible = sn > 0 && sn <= 16;
        for (size_t i = 0; plausible && i < sn; i++)
            plausible = (text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z') || is_digit(text[i]) ||
                        text[i] == '+' || text[i] == '-' || text[i] == '.';
        if (plausible)
            rc = fail(err, errlen, "unknown scheme \"%.*s://\" (%s)", (int)sn, text, forms);
        else
            rc = fail(err, errlen, "is not a Redis URL (%s)", forms);
    }
    if (rc != 0)
        sw_redis_url_wipe(out);
    return rc;
}

char *sw_redis_url_describe(const sw_redis_url *u, char *buf, size_t len)
{
    if (u->is_unix) {
        if (u->db)
            snprintf(buf, len, "unix:%s?db=%d", u->path, u->db);
        else
            snprintf(buf, len, "unix:%s", u->path);
    } else {
        int v6 = strchr(u->host, ':') != NULL;
        if (u->db)
            snprintf(buf, len, "%s%s%s:%d/%d", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, u->db);
        else
            snprintf(buf, len, "%s%s%s:%d", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
    }
    return buf;
}

char *sw_redis_url_redact(const char *text, char *buf, size_t len)
{
    if (!len)
        return buf;
    if (!text || strnlen(text, SW_REDIS_URL_MAX + 1) > SW_REDIS_URL_MAX) {
        snprintf(buf, len, "(invalid URL)");
        return buf;
    }
    const char *scheme_end = strstr(text, "://");
    if (!scheme_end) {
        snprintf(buf, len, "(invalid URL)");
        return buf;
    }
    const char *auth = scheme_end + 3;
    const char *auth_end = auth;
    while (*auth_end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
        auth_end++;
    const char *at = NULL;
    for (const char *p = auth; p < auth_end; p++)
        if (*p == '@')
            at = p;
    if (!at) {
        snprintf(buf, len, "%s", text);
        return buf;
    }
    snprintf(buf, len, "%.*s***%s", (int)(auth - text), text, at);
    return buf;
}

void sw_redis_url_wipe(sw_redis_url *u)
{
    /* volatile: the compiler must not drop stores to memory about to die. */
    volatile char *p = u->password;
    for (size_t i = 0; i < sizeof u->password; i++)
        p[i] = 0;
}

int sw_redis_addr_parse(const char *text, char *host, size_t host_cap, int *port, int default_port, char *err,
                        size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (host_cap)
        host[0] = '\0';
    if (!text)
        return fail(err, errlen, "missing (host:port)");
    size_t n = strnlen(text, SW_REDIS_HOST_MAX + 8);
    if (n == 0)
        return fail(err, errlen, "is empty (host:port)");
    if (n > SW_REDIS_HOST_MAX + 7)
        return fail(err, errlen, "longer than %d bytes", SW_REDIS_HOST_MAX + 7);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= 0x20 || c >= 0x7f)
            return fail(err, errlen, "contains a space, control character or non-ASCII byte at byte %zu", i + 1);
        if (c == '/' || c == '@' || c == '?' || c == '#')
            return fail(err, errlen, "unexpected \"%c\" (host:port, no scheme, password or path)", c);
    }
    return parse_hostport(text, n, host, host_cap, port, default_port, "host:port", err, errlen);
}
