/*
 * fuzz_redis_url.c -- the redis.url parser (alerts/sw_redis_url.c), and the
 * two functions that print URLs into logs: describe (never the password) and
 * redact.  Properties checked: a parse either succeeds or says why, the
 * results are NUL-terminated within their fields, and a decoded password
 * never appears in what describe or redact print.
 */
#include "sw_fuzz.h"
#include "sw_redis_url.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = sw_fuzz_strndup(data, size);
    sw_redis_url u;
    char err[256] = "";
    char red[SW_REDIS_URL_MAX + 64];
    (void)sw_redis_url_redact(text, red, sizeof red);
    if (!memchr(red, '\0', sizeof red))
        abort();
    if (sw_redis_url_parse(text, &u, err, sizeof err) == 0) {
        if (!memchr(u.host, '\0', sizeof u.host) || !memchr(u.path, '\0', sizeof u.path) ||
            !memchr(u.password, '\0', sizeof u.password))
            abort();
        if (!u.is_unix && (u.port < 1 || u.port > 65535))
            abort();
        if (u.db < 0 || u.db > SW_REDIS_DB_MAX)
            abort();
        char desc[512];
        sw_redis_url_describe(&u, desc, sizeof desc);
        /* The password may legitimately appear as part of what is not
         * secret ("edi" is in "redis"): only check passwords that are not a
         * substring of the public parts. */
        char pub[2 * SW_REDIS_URL_MAX];
        snprintf(pub, sizeof pub, "redis://unix:///?db=%d:%d@[]*** ***@%s:%d/%d ***@[%s] %s", u.db, u.port,
                 u.host, u.port, u.db, u.host, u.path);
        if (u.password[0] && !strstr(pub, u.password) && (strstr(desc, u.password) || strstr(red, u.password))) {
            fprintf(stderr, "password leaked: describe \"%s\" redact \"%s\"\n", desc, red);
            abort();
        }
        sw_redis_url_wipe(&u);
    } else if (!err[0] || !memchr(err, '\0', sizeof err)) {
        abort();
    }
    free(text);
    return 0;
}
