/* test_escape.c -- alerts/sw_escape: text from the stream or the network made
 * inert for each place it lands (log line, Slack, Discord, Telegram, HTML),
 * and the UTF-8 check the alert parser uses. */
#include "sw_escape.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

typedef void (*esc_fn)(sw_dbuf *, const char *);

static char *esc(esc_fn f, const char *s)
{
    sw_dbuf b = SW_DBUF_INIT(4096);
    f(&b, s);
    char *out = sw_dbuf_take(&b);
    cr_assert(out);
    return out;
}

static void expect(esc_fn f, const char *in, const char *want)
{
    char *got = esc(f, in);
    cr_expect_str_eq(got, want, "in: %s", in);
    free(got);
}

Test(escape, utf8)
{
    cr_assert(sw_utf8_valid("plain \xc3\xa9t\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x93\x89", 20));
    cr_assert(!sw_utf8_valid("\xff", 1));
    cr_assert(!sw_utf8_valid("\xc0\xaf", 2), "overlong '/'");
    cr_assert(!sw_utf8_valid("\xed\xa0\x80", 3), "a surrogate");
    cr_assert(!sw_utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF");
    cr_assert(!sw_utf8_valid("\xe2\x80", 2), "cut short");
    cr_assert_eq(sw_utf8_seq("\xe2\x80\x94x", 4), 3u);
}

Test(escape, log_lines_stay_one_line)
{
    expect(sw_esc_plain, "NVDA\n<3>forged", "NVDA\\n<3>forged");
    expect(sw_esc_plain, "a\r\tb\x1b[31m\x7f", "a\\r\\tb\\x1b[31m\\x7f");
    expect(sw_esc_plain, "next\xc2\x85line", "next\\u0085line");
    expect(sw_esc_plain, "bad \xff byte", "bad \\xff byte");
    expect(sw_esc_plain, "{\"json\":\"stays \\\" readable\",\"\xc3\xa9\":1}", "{\"json\":\"stays \\\" readable\",\"\xc3\xa9\":1}");
    char out[8];
    cr_assert_str_eq(sw_esc_line_buf("ab\ncdef", out, sizeof out), "ab\\ncde");
    cr_assert_str_eq(sw_esc_line_buf("abcdef\n", out, sizeof out), "abcdef", "an escape is never cut in half");
}

Test(escape, slack_control_sequences_cannot_form)
{
    expect(sw_esc_slack, "<!channel> <https://evil.example|Re-authenticate> &amp;",
           "&lt;!channel&gt; &lt;https://evil.example|Re-authenticate&gt; &amp;amp;");
    expect(sw_esc_slack, "*bold* _it_", "*bold* _it_");
    expect(sw_esc_slack, "two\nlines\xff", "two lines\xef\xbf\xbd");
    expect(sw_esc_slack, "a\xe2\x80\xae" "b", "a\xef\xbf\xbd" "b");
}

Test(escape, discord_markdown_and_mentions_cannot_form)
{
    expect(sw_esc_discord, "[Re-authenticate](https://evil.example) @everyone",
           "\\[Re\\-authenticate\\]\\(https\\:\\/\\/evil\\.example\\) \\@everyone");
    expect(sw_esc_discord, "<@123> **b** `c` ||s|| \\", "\\<\\@123\\> \\*\\*b\\*\\* \\`c\\` \\|\\|s\\|\\| \\\\");
    expect(sw_esc_discord, "NVDA 118 \xc3\xa9", "NVDA 118 \xc3\xa9");
}

Test(escape, telegram_mentions_cannot_form)
{
    expect(sw_esc_telegram, "@admin and a@b.c", "@\xe2\x81\xa0" "admin and a@\xe2\x81\xa0" "b.c");
    expect(sw_esc_telegram, "<b>[x](y)</b>", "<b>[x](y)</b>");
}

Test(escape, html)
{
    expect(sw_esc_html, "<script>alert('x')</script> & \"q\"",
           "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    /* UTF-8 passes: the minus sign, an accent, an emoji. */
    expect(sw_esc_html, "\xE2\x88\x92 caf\xC3\xA9 \xF0\x9F\x93\x89", "\xE2\x88\x92 caf\xC3\xA9 \xF0\x9F\x93\x89");
    /* Control characters (tab and line breaks too, C1 as well) are a space;
     * what is not UTF-8 -- stray bytes, a surrogate, an overlong form, a
     * sequence cut at the end -- is U+FFFD, byte by byte. */
    expect(sw_esc_html, "a\x01" "b\x7f" "c\t\n\r" "d\xc2\x85",  "a b c   d ");
    expect(sw_esc_html, "c\xff" "d\xC3" "e\xED\xA0\x80" "f\xC0\xAF" "ok\xE2\x88",
           "c\xEF\xBF\xBD" "d\xEF\xBF\xBD" "e\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "f\xEF\xBF\xBD\xEF\xBF\xBD"
           "ok\xEF\xBF\xBD\xEF\xBF\xBD");
    /* SVG is XML: U+FFFE and U+FFFF are not characters it allows (the chat
     * targets keep them); bidi overrides are U+FFFD as everywhere. */
    expect(sw_esc_html, "x\xEF\xBF\xBE" "y\xEF\xBF\xBF" "z\xEF\xBF\xBD",
           "x\xEF\xBF\xBD" "y\xEF\xBF\xBD" "z\xEF\xBF\xBD");
    expect(sw_esc_slack, "x\xEF\xBF\xBE", "x\xEF\xBF\xBE");
    expect(sw_esc_html, "a\xe2\x80\xae" "b", "a\xef\xbf\xbd" "b");
}
