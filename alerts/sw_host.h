/*
 * sw_host.h -- is this host this machine?  The one loopback test of the
 * project, by address.
 *
 * Plain-text transports are allowed to this machine only: ws:// for a feed
 * (daemon/sources/sw_ws.c), http:// and smtp:// without STARTTLS for
 * shock-notify's channels, and the "Redis in clear text" warning of shockd
 * and shock-notify.  A host is loopback when it is an IPv4 address in
 * 127.0.0.0/8, the IPv6 address ::1 or ::ffff:127.x.y.z, or the name
 * "localhost" (which libcurl, libwebsockets and hiredis' getaddrinfo resolve
 * to loopback addresses).  Nothing else counts, whatever it starts with:
 * "127.attacker.example" is a name anyone can point anywhere.
 *
 * It lives in alerts/, the lowest folder all its users may include
 * (strategies/ must stay free of networking).
 */
#ifndef SW_HOST_H
#define SW_HOST_H

#include <stddef.h>

/* True for 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 and "localhost" (any case). */
int sw_host_is_loopback(const char *host);

/* The host of scheme://[user@]host[:port][/...] into buf, IPv6 brackets
 * removed.  Returns 0, or -1 when there is no "://", no host, an unclosed
 * '[' or a host longer than len - 1 bytes. */
int sw_url_host(const char *url, char *buf, size_t len);

/* The URL's host is loopback (a URL without a host is not). */
int sw_url_is_loopback(const char *url);

#endif
