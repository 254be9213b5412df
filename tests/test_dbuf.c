/* test_dbuf.c -- alerts/sw_dbuf: a growing buffer that never passes its
 * ceiling, whose errors stick, and that never writes past what it holds. */
#include "sw_dbuf.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(dbuf, grows_and_takes)
{
    sw_dbuf b = SW_DBUF_INIT(1 << 20);
    cr_assert_str_eq(sw_dbuf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(sw_dbuf_printf(&b, "%04d,", i), 0);
    cr_assert_eq(sw_dbuf_len(&b), 5000u);
    cr_assert_eq(strncmp(sw_dbuf_str(&b) + 4995, "0999,", 5), 0);
    char *s = sw_dbuf_take(&b);
    cr_assert(s);
    cr_assert_eq(strlen(s), 5000u);
    free(s);
    cr_assert_eq(sw_dbuf_len(&b), 0u, "take empties the buffer");
    s = sw_dbuf_take(&b);
    cr_assert_str_eq(s, "", "an empty buffer gives an empty string");
    free(s);
}

Test(dbuf, ceiling_is_exact_and_errors_stick)
{
    sw_dbuf b = SW_DBUF_INIT(10);
    cr_assert_eq(sw_dbuf_addstr(&b, "0123456789"), 0, "exactly the ceiling fits");
    cr_assert_eq(sw_dbuf_addc(&b, 'x'), -1);
    cr_assert_eq(sw_dbuf_error(&b), SW_DBUF_TOOBIG);
    cr_assert_eq(sw_dbuf_printf(&b, "%s", ""), -1, "an error sticks, even for nothing");
    cr_assert_str_eq(sw_dbuf_str(&b), "0123456789", "what was there is untouched");
    cr_assert_geq(b.cap, 11u);
    cr_assert_leq(b.cap, 11u, "never more memory than the ceiling and its NUL");
    cr_assert_null(sw_dbuf_take(&b), "a failed text is not handed out");
    cr_assert_eq(sw_dbuf_error(&b), SW_DBUF_OK, "take starts over");
    cr_assert_eq(sw_dbuf_printf(&b, "%d", 12345678), 0);
    cr_assert_eq(sw_dbuf_printf(&b, "%d", 123), -1, "a printf that would pass the ceiling writes nothing");
    cr_assert_str_eq(sw_dbuf_str(&b), "12345678");
    sw_dbuf_reset(&b);
    cr_assert_eq(sw_dbuf_addstr(&b, "ok"), 0);
    cr_assert_str_eq(sw_dbuf_str(&b), "ok");
    sw_dbuf_free(&b);
}

Test(dbuf, a_builder_fails_it_from_outside)
{
    sw_dbuf b = SW_DBUF_INIT(100);
    cr_assert_eq(sw_dbuf_addstr(&b, "part"), 0);
    sw_dbuf_fail(&b, SW_DBUF_NOMEM);
    cr_assert_eq(sw_dbuf_addstr(&b, "more"), -1, "stops like an append that failed");
    sw_dbuf_fail(&b, SW_DBUF_FORMAT);
    cr_assert_eq(sw_dbuf_error(&b), SW_DBUF_NOMEM, "the first error sticks");
    cr_assert_str_eq(sw_dbuf_strerror(SW_DBUF_FORMAT), "a format it does not know");
    cr_assert_null(sw_dbuf_take(&b));
}
