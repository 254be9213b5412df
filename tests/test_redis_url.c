/* Tests of the redis.url parser: every accepted form, every error sentence
 * verbatim, the password kept out of messages, and a seeded mutation fuzz
 * (the parser must never read past its input or accept nonsense). */
#include "sw_redis_url.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static sw_redis_url parse_ok(const char *text)
{
    sw_redis_url u;
    char err[256];
    int rc = sw_redis_url_parse(text, &u, err, sizeof err);
    cr_assert_eq(rc, 0, "%s: %s", text, err);
    return u;
}

static void expect_err(const char *text, const char *want)
{
    sw_redis_url u;
    char err[256];
    int rc = sw_redis_url_parse(text, &u, err, sizeof err);
    cr_assert_eq(rc, -1, "%s was accepted", text);
    cr_expect_str_eq(err, want, "for %s", text);
    cr_expect_eq(u.password[0], '\0', "password left in the struct after an error");
}

Test(redis_url, tcp_forms)
{
    sw_redis_url u = parse_ok("redis://127.0.0.1:6379");
    cr_expect_eq(u.is_unix, 0);
    cr_expect_str_eq(u.host, "127.0.0.1");
    cr_expect_eq(u.port, 6379);
    cr_expect_eq(u.db, 0);
    cr_expect_str_eq(u.password, "");

    u = parse_ok("redis://localhost");
    cr_expect_str_eq(u.host, "localhost");
    cr_expect_eq(u.port, 6379);

    u = parse_ok("redis://:s3cret@cache.example.org:7000/2");
    cr_expect_str_eq(u.password, "s3cret");
    cr_expect_str_eq(u.host, "cache.example.org");
    cr_expect_eq(u.port, 7000);
    cr_expect_eq(u.db, 2);

    u = parse_ok("redis://h/");
    cr_expect_eq(u.db, 0);
    u = parse_ok("redis://h/15");
    cr_expect_eq(u.db, 15);
    cr_expect_eq(u.port, 6379);

    u = parse_ok("redis://[::1]:6380/1");
    cr_expect_str_eq(u.host, "::1");
    cr_expect_eq(u.port, 6380);
    cr_expect_eq(u.db, 1);
    u = parse_ok("redis://[fe80::1]");
    cr_expect_eq(u.port, 6379);

    u = parse_ok("redis://h:65535");
    cr_expect_eq(u.port, 65535);
    u = parse_ok("redis://h:1");
    cr_expect_eq(u.port, 1);
}

Test(redis_url, password_decoding)
{
    sw_redis_url u = parse_ok("redis://:p%40ss%3Aw%2Fd%25@h:1");
    cr_expect_str_eq(u.password, "p@ss:w/d%");
    /* A raw '@' in the password still parses: userinfo ends at the last '@'. */
    u = parse_ok("redis://:p@ss@h:2");
    cr_expect_str_eq(u.password, "p@ss");
    cr_expect_str_eq(u.host, "h");
    sw_redis_url_wipe(&u);
    cr_expect_eq(u.password[0], '\0');
}

Test(redis_url, unix_forms)
{
    sw_redis_url u = parse_ok("unix:///run/redis/redis.sock");
    cr_expect_eq(u.is_unix, 1);
    cr_expect_str_eq(u.path, "/run/redis/redis.sock");
    cr_expect_eq(u.db, 0);
    u = parse_ok("unix:///tmp/r.sock?db=3");
    cr_expect_str_eq(u.path, "/tmp/r.sock");
    cr_expect_eq(u.db, 3);
}

Test(redis_url, port_errors)
{
    expect_err("redis://h:70000", "port 70000 out of range (1..65535)");
    expect_err("redis://127.0.0.1:65536/0", "port 65536 out of range (1..65535)");
    expect_err("redis://h:0", "port 0 out of range (1..65535)");
    expect_err("redis://h:", "missing port after \":\" (1..65535)");
    expect_err("redis://h:abc", "port \"abc\" is not a number (1..65535)");
    expect_err("redis://h:-1", "port \"-1\" is not a number (1..65535)");
    expect_err("redis://h:99999999999999999999999999999999",
               "port 999999999999999999999999... out of range (1..65535)");
    expect_err("redis://h:1:2", "more than one \":\" after the host (IPv6 addresses go in [brackets])");
}

Test(redis_url, host_and_userinfo_errors)
{
    expect_err("redis://", "missing host (redis://host:port)");
    expect_err("redis://:6379", "missing host (redis://host:port)");
    expect_err("redis://user:pw@h", "a user name is not supported (redis://:password@host:port)");
    expect_err("redis://:@h", "empty password in \":@\" (leave out \":@\" for none)");
    expect_err("redis://:a%zz@h", "bad percent-encoding in the password (%XX with two hex digits)");
    expect_err("redis://:a%4@h", "bad percent-encoding in the password (%XX with two hex digits)");
    expect_err("redis://:a%00b@h", "the password contains %00 (a NUL byte is not allowed)");
    expect_err("redis://[::1", "missing \"]\" after the IPv6 address");
    expect_err("redis://[]:1", "empty IPv6 address in \"[]\"");
    expect_err("redis://[::1]x", "unexpected text after \"]\" (\":port\" or nothing)");
    expect_err("redis://[zz]:1", "\"zz\" is not an IPv6 address");
    expect_err("redis://h!st:1", "invalid character 0x21 in the host (letters, digits, \".\", \"-\", \"_\")");
    char longhost[400] = "redis://";
    memset(longhost + 8, 'a', 300);
    expect_err(longhost, "host longer than 255 bytes");
}

Test(redis_url, db_and_tail_errors)
{
    expect_err("redis://h/abc", "db \"abc\" is not a number (0..1000000)");
    expect_err("redis://h/1/2", "db \"1/2\" is not a number (0..1000000)");
    expect_err("redis://h/1000001", "db 1000001 out of range (0..1000000)");
    expect_err("redis://h:1/5?x=1", "unexpected \"?\" after the db (redis:// URLs take no query or fragment)");
    expect_err("redis://h?x", "unexpected \"?\" after the host (redis:// URLs take no query or fragment)");
}

Test(redis_url, scheme_errors)
{
    expect_err("rediss://h:6380", "TLS (rediss://) is not supported by hiredis 0.14 (use redis:// on loopback or a "
                                  "trusted network, or unix://)");
    expect_err("http://h", "unknown scheme \"http://\" (redis://[:password@]host:port[/db] or "
                           "unix:///path/redis.sock[?db=N])");
    expect_err("", "is empty (redis://[:password@]host:port[/db] or unix:///path/redis.sock[?db=N])");
    expect_err("redis://h h", "contains a space or control character at byte 10 (percent-encode it in a password)");
    expect_err("redis://h\xc3\xa9", "contains a non-ASCII byte at byte 10 (percent-encode it in a password)");
    char huge[1100];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    memcpy(huge, "redis://", 8);
    expect_err(huge, "longer than 1024 bytes");
    sw_redis_url u;
    char err[64];
    cr_expect_eq(sw_redis_url_parse(NULL, &u, err, sizeof err), -1);
}

Test(redis_url, unix_errors)
{
    expect_err("unix://relative.sock", "the socket path must be absolute (unix:///path/to/redis.sock)");
    expect_err("unix://:pw@/tmp/r.sock",
               "a password cannot go in a unix:// URL (use redis.password_env or redis.password_file)");
    expect_err("unix:///", "missing socket path (unix:///path/to/redis.sock)");
    expect_err("unix:///tmp/", "the socket path ends with \"/\" (the path of a socket file)");
    expect_err("unix:///a.sock?db=x", "db \"x\" is not a number (0..1000000)");
    expect_err("unix:///a.sock?db=", "missing value after \"db=\" (0..1000000)");
    expect_err("unix:///a.sock?foo=1", "unknown parameter \"foo\" in the query (only db=N)");
    expect_err("unix:///a.sock?db=1&db=2", "db given twice in the query");
    expect_err("unix:///a.sock?db=1&", "empty parameter in the query (only db=N)");
    expect_err("unix:///a.sock#x", "unexpected \"#\" after the socket path");
    char longpath[200] = "unix:///";
    memset(longpath + 8, 'p', 120);
    expect_err(longpath, "socket path longer than 107 bytes");
}

Test(redis_url, the_password_never_appears_in_errors)
{
    const char *bad[] = { "redis://:topsecret@h:99999", "redis://:topsecret@h/x", "redis://:topsecret@",
                          "topsecret", "redis://:topsecret%@h", "xx://:topsecret@h" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sw_redis_url u;
        char err[256];
        cr_assert_eq(sw_redis_url_parse(bad[i], &u, err, sizeof err), -1, "%s", bad[i]);
        cr_expect_null(strstr(err, "topsecret"), "%s -> %s", bad[i], err);
    }
}

Test(redis_url, describe_and_redact)
{
    char buf[300];
    sw_redis_url u = parse_ok("redis://:pw@h:7/2");
    cr_expect_str_eq(sw_redis_url_describe(&u, buf, sizeof buf), "h:7/2");
    u = parse_ok("redis://[::1]:6379");
    cr_expect_str_eq(sw_redis_url_describe(&u, buf, sizeof buf), "[::1]:6379");
    u = parse_ok("unix:///tmp/r.sock?db=4");
    cr_expect_str_eq(sw_redis_url_describe(&u, buf, sizeof buf), "unix:/tmp/r.sock?db=4");
    cr_expect_str_eq(sw_redis_url_redact("redis://:pw@h:7/2", buf, sizeof buf), "redis://***@h:7/2");
    cr_expect_str_eq(sw_redis_url_redact("redis://h:7", buf, sizeof buf), "redis://h:7");
    cr_expect_str_eq(sw_redis_url_redact("redis://:a@b@h", buf, sizeof buf), "redis://***@h");
    cr_expect_str_eq(sw_redis_url_redact("no url", buf, sizeof buf), "(invalid URL)");
}

/* Mutations of valid URLs (flip, insert, delete, truncate bytes), seeded so a
 * failure reproduces.  Under ASan this catches any read past the input. */
Test(redis_url, mutation_fuzz)
{
    static const char *seeds[] = { "redis://:p%41ss@h.example:6379/3", "redis://[::1]:1/0", "unix:///tmp/x.sock?db=2",
                                   "redis://localhost", "rediss://h", "unix:///a" };
    static const char alphabet[] = "redis:/unix?db=[]@%:0123456789aZ.-_ \x01\x7f\xff#&";
    uint64_t rng = 0x9e3779b97f4a7c15u;
    for (int iter = 0; iter < 200000; iter++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        char buf[96];
        const char *seed = seeds[rng % (sizeof seeds / sizeof seeds[0])];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        int edits = 1 + (int)((rng >> 8) % 4);
        for (int e = 0; e < edits; e++) {
            uint64_t r = rng >> (12 + e * 10);
            size_t pos = n ? (size_t)(r % n) : 0;
            char c = alphabet[(r >> 5) % (sizeof alphabet - 1)];
            switch ((r >> 3) % 4) {
            case 0: if (n) buf[pos] = c; break;
            case 1: if (n + 1 < sizeof buf) { memmove(buf + pos + 1, buf + pos, n - pos); buf[pos] = c; n++; } break;
            case 2: if (n) { memmove(buf + pos, buf + pos + 1, n - pos - 1); n--; } break;
            case 3: n = pos; break;
            }
        }
        /* The mutated text ends after n bytes. */
        buf[n] = '\0';
        sw_redis_url u;
        char err[128];
        err[0] = 'x';
        int rc = sw_redis_url_parse(buf, &u, err, sizeof err);
        if (rc == 0) {
            if (u.is_unix) {
                cr_assert_eq(u.path[0], '/', "%s", buf);
                cr_assert_lt(strlen(u.path), sizeof u.path);
            } else {
                cr_assert(u.port >= 1 && u.port <= 65535, "%s", buf);
                cr_assert_gt(strlen(u.host), 0, "%s", buf);
            }
            cr_assert(u.db >= 0 && u.db <= SW_REDIS_DB_MAX);
        } else {
            cr_assert_eq(rc, -1);
            cr_assert_gt(strlen(err), 0, "no message for %s", buf);
        }
    }
}
