/*
 * sw_listen.h -- the address an HTTP listener binds: the value of the
 * config's `metrics.listen`.
 *
 * Accepted: "off" (no listener), "HOST:PORT" with an IPv4 literal
 * ("127.0.0.1:9464", "0.0.0.0:9464" for every interface), "[IPv6]:PORT"
 * ("[::1]:9464"), or "localhost:PORT".  PORT is 0 to 65535; 0 asks the
 * kernel for a free port (tests; the daemon logs the one it got).  Host
 * names other than localhost are refused: a listener binds an address, and
 * resolving names at start would make the bound address depend on DNS.
 * The config loader checks the value with this parser, so `shockd --check`
 * reports a bad one like any other problem.
 */
#ifndef SW_LISTEN_H
#define SW_LISTEN_H

#include <stddef.h>

#define SW_LISTEN_DEFAULT "127.0.0.1:9464"

typedef struct sw_listen {
    int off;              /* "off": no listener */
    int ipv6;
    int any;              /* 0.0.0.0 or [::]: every interface */
    char host[64];        /* numeric address, without brackets */
    int port;
} sw_listen;

/* Returns 0, or -1 with a sentence in err saying what is expected. */
int sw_listen_parse(const char *text, sw_listen *out, char *err, size_t errlen);

/* "127.0.0.1:9464" / "[::1]:9464" (for log lines and URLs). */
char *sw_listen_format(const sw_listen *l, int port, char *buf, size_t len);

#endif
