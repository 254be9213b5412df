/* sw_host.c -- see sw_host.h. */
#include "sw_host.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

int sw_host_is_loopback(const char *host)
{
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        static const unsigned char loop6[16] = { [15] = 1 };
        if (memcmp(a6.s6_addr, loop6, 16) == 0)
            return 1;
        return memcmp(a6.s6_addr, v4mapped, 12) == 0 && a6.s6_addr[12] == 127;
    }
    return 0;
}

int sw_url_host(const char *url, char *buf, size_t len)
{
    const char *p = strstr(url, "://");
    if (!p || len == 0)
        return -1;
    p += 3;
    size_t n = strcspn(p, "/?#");
    /* Userinfo ends at the last '@' of the authority. */
    for (const char *at = memchr(p, '@', n); at; at = memchr(p, '@', n)) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (n && p[0] == '[') {
        const char *close = memchr(p, ']', n);
        if (!close)
            return -1;
        n = (size_t)(close - p - 1);
        p++;
    } else {
        const char *colon = memchr(p, ':', n);
        if (colon)
            n = (size_t)(colon - p);
    }
    if (n == 0 || n >= len)
        return -1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return 0;
}

int sw_url_is_loopback(const char *url)
{
    char host[256];
    return sw_url_host(url, host, sizeof host) == 0 && sw_host_is_loopback(host);
}
