/*
 * sw_redis_url.h -- parse the `redis.url` option into where and how to connect.
 *
 * Accepted forms (nothing else):
 *
 *   redis://[:password@]host[:port][/db]     TCP; port 6379 by default, db 0
 *   unix:///absolute/path/redis.sock[?db=N]  a Unix domain socket
 *
 * `host` is a name, an IPv4 address or a bracketed IPv6 address
 * ("redis://[::1]:6379").  A password may contain any byte written as %XX.
 * The parser is pure (no I/O, no allocation, no global state) so it can be
 * fuzzed: every input either fills the struct or yields one precise sentence
 * such as "port 70000 out of range (1..65535)".  Error sentences never quote
 * the password, and log lines use sw_redis_url_describe(), which has none.
 */
#ifndef SW_REDIS_URL_H
#define SW_REDIS_URL_H

#include <stddef.h>

#define SW_REDIS_URL_MAX 1024       /* longer input is refused, not truncated */
#define SW_REDIS_HOST_MAX 256       /* a DNS name is at most 253 bytes */
#define SW_REDIS_PATH_MAX 108       /* sizeof(struct sockaddr_un.sun_path) on Linux */
#define SW_REDIS_PASSWORD_MAX 512
#define SW_REDIS_DEFAULT_PORT 6379
#define SW_REDIS_DB_MAX 1000000     /* Redis's `databases` may be raised; this bounds a typo */

typedef struct sw_redis_url {
    int is_unix;                            /* 1: path is set; 0: host and port are */
    char host[SW_REDIS_HOST_MAX];           /* without the IPv6 brackets */
    int port;
    char path[SW_REDIS_PATH_MAX];
    int db;
    char password[SW_REDIS_PASSWORD_MAX];   /* decoded; empty: none in the URL */
} sw_redis_url;

/* Parse `text`.  Returns 0 and fills *out, or -1 with one sentence in err
 * (no file or key prefix: the caller adds "FILE: redis.url: "). */
int sw_redis_url_parse(const char *text, sw_redis_url *out, char *err, size_t errlen);

/* "127.0.0.1:6379", "[::1]:6380/2", "unix:/run/redis.sock?db=1": where the
 * client connects, for log lines.  Never contains the password. */
char *sw_redis_url_describe(const sw_redis_url *u, char *buf, size_t len);

/* The URL text with any password replaced by "***" (for echoing a config);
 * input that is not a URL is replaced entirely. */
char *sw_redis_url_redact(const char *text, char *buf, size_t len);

/* "host:port", "[::1]:26379" or "host" (default_port then): one server
 * address without scheme, password or path (redis.sentinels).  Returns 0 and
 * fills host (NUL-terminated) and *port, or -1 with one sentence in err. */
int sw_redis_addr_parse(const char *text, char *host, size_t host_cap, int *port, int default_port, char *err,
                        size_t errlen);

/* Overwrite the password in memory once it is no longer needed. */
void sw_redis_url_wipe(sw_redis_url *u);

#endif
