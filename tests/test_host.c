/* test_host.c -- alerts/sw_host: the project's one loopback test, by
 * address, and the host of a URL. */
#include "sw_host.h"

#include <criterion/criterion.h>

Test(host, loopback_is_an_address)
{
    cr_expect(sw_host_is_loopback("127.0.0.1"));
    cr_expect(sw_host_is_loopback("127.1.2.3"));
    cr_expect(sw_host_is_loopback("::1"));
    cr_expect(sw_host_is_loopback("::ffff:127.0.0.1"));
    cr_expect(sw_host_is_loopback("LocalHost"));
    cr_expect(!sw_host_is_loopback("128.0.0.1"));
    cr_expect(!sw_host_is_loopback("127.attacker.example"));
    cr_expect(!sw_host_is_loopback("127.0.0.1.nip.io"));
    cr_expect(!sw_host_is_loopback("localhost.evil.com"));
    cr_expect(!sw_host_is_loopback("::2"));
    cr_expect(!sw_host_is_loopback(""));
}

Test(host, host_of_a_url)
{
    char h[64];
    cr_assert_eq(sw_url_host("http://user:pw@127.0.0.1:8080/x?y", h, sizeof h), 0);
    cr_expect_str_eq(h, "127.0.0.1");
    cr_assert_eq(sw_url_host("smtp://[::1]:25", h, sizeof h), 0);
    cr_expect_str_eq(h, "::1");
    cr_assert_eq(sw_url_host("https://a@b@hooks.example.com/p", h, sizeof h), 0);
    cr_expect_str_eq(h, "hooks.example.com");
    cr_expect_eq(sw_url_host("http://[::1/x", h, sizeof h), -1, "unclosed bracket");
    cr_expect_eq(sw_url_host("no scheme", h, sizeof h), -1);
    cr_expect_eq(sw_url_host("http:///x", h, sizeof h), -1, "no host");
    cr_expect_eq(sw_url_host("http://0123456789012345678901234567890123456789012345678901234567890123456789/", h,
                             sizeof h), -1, "longer than the buffer: refused, not cut");
    cr_expect(sw_url_is_loopback("http://localhost:8080/"));
    cr_expect(sw_url_is_loopback("smtp://127.0.0.1"));
    cr_expect(!sw_url_is_loopback("http://127.attacker.example/hook"));
    cr_expect(!sw_url_is_loopback("smtp://127.mail.attacker.example"));
}
