/* sw_listen.c -- see sw_listen.h. */
#include "sw_listen.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPECTED "\"off\", or ADDRESS:PORT such as 127.0.0.1:9464, [::1]:9464 or 0.0.0.0:9464"

int sw_listen_parse(const char *text, sw_listen *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (strcmp(text, "off") == 0) {
        out->off = 1;
        return 0;
    }
    const char *colon;
    char host[64];
    if (text[0] == '[') {
        const char *rb = strchr(text, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - text - 1) >= sizeof host) {
            snprintf(err, errlen, "\"%.80s\" is not an address and port (%s)", text, EXPECTED);
            return -1;
        }
        memcpy(host, text + 1, (size_t)(rb - text - 1));
        host[rb - text - 1] = '\0';
        colon = rb + 1;
        out->ipv6 = 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon || colon == text || (size_t)(colon - text) >= sizeof host || memchr(text, ':', (size_t)(colon - text))) {
            snprintf(err, errlen, "\"%.80s\" is not an address and port (%s)", text, EXPECTED);
            return -1;
        }
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || port < 0 || port > 65535) {
        snprintf(err, errlen, "\"%.80s\": the port must be a number from 0 to 65535 (%s)", text, EXPECTED);
        return -1;
    }
    out->port = (int)port;
    if (!out->ipv6 && strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    unsigned char addr[16];
    if (inet_pton(out->ipv6 ? AF_INET6 : AF_INET, host, addr) != 1) {
        snprintf(err, errlen, "\"%.80s\": \"%.60s\" is not a numeric %s address (%s)", text, host,
                 out->ipv6 ? "IPv6" : "IPv4", EXPECTED);
        return -1;
    }
    static const unsigned char zero[16];
    out->any = memcmp(addr, zero, out->ipv6 ? 16 : 4) == 0;
    snprintf(out->host, sizeof out->host, "%s", host);
    return 0;
}

char *sw_listen_format(const sw_listen *l, int port, char *buf, size_t len)
{
    if (l->off)
        snprintf(buf, len, "off");
    else if (l->ipv6)
        snprintf(buf, len, "[%s]:%d", l->host, port);
    else
        snprintf(buf, len, "%s:%d", l->host, port);
    return buf;
}
