/* sw_escape.c -- see sw_escape.h. */
#include "sw_escape.h"

#include <stdio.h>
#include <string.h>

size_t sw_utf8_seq(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (u[0] < 0x80)
        return 1;
    size_t len;
    unsigned cp, min;
    if ((u[0] & 0xE0) == 0xC0) {
        len = 2, cp = u[0] & 0x1Fu, min = 0x80;
    } else if ((u[0] & 0xF0) == 0xE0) {
        len = 3, cp = u[0] & 0x0Fu, min = 0x800;
    } else if ((u[0] & 0xF8) == 0xF0) {
        len = 4, cp = u[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (u[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int sw_utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = sw_utf8_seq(s + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* The code point of a well-formed sequence of k bytes. */
static unsigned code_point(const unsigned char *u, size_t k)
{
    if (k == 1)
        return u[0];
    unsigned cp = u[0] & (k == 2 ? 0x1Fu : k == 3 ? 0x0Fu : 0x07u);
    for (size_t i = 1; i < k; i++)
        cp = cp << 6 | (u[i] & 0x3Fu);
    return cp;
}

static int bidi_control(unsigned cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* ---- one line of plain text ------------------------------------------------- */

/* What the next character of s[0..n) becomes in a log line: written to out
 * (at most 12 bytes), its length returned, *used set to the input taken. */
static size_t line_piece(const unsigned char *s, size_t n, char *out, size_t *used)
{
    size_t k = sw_utf8_seq((const char *)s, n);
    if (k == 0) {
        *used = 1;
        return (size_t)snprintf(out, 12, "\\x%02x", s[0]);
    }
    *used = k;
    if (k == 1 && (s[0] < 0x20 || s[0] == 0x7f)) {
        if (s[0] == '\n')
            return (size_t)snprintf(out, 12, "\\n");
        if (s[0] == '\r')
            return (size_t)snprintf(out, 12, "\\r");
        if (s[0] == '\t')
            return (size_t)snprintf(out, 12, "\\t");
        return (size_t)snprintf(out, 12, "\\x%02x", s[0]);
    }
    if (k == 2 && s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) /* C1: U+0085 NEL is a line break to some */
        return (size_t)snprintf(out, 12, "\\u%04x", (unsigned)s[1]);
    memcpy(out, s, k);
    return k;
}

void sw_esc_line(sw_dbuf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* Runs of ordinary printable ASCII go in one append. */
        size_t run = i;
        while (run < len && u[run] >= 0x20 && u[run] < 0x7f)
            run++;
        if (run > i) {
            sw_dbuf_add(b, s + i, run - i);
            i = run;
            continue;
        }
        char piece[12];
        size_t used, pl = line_piece(u + i, len - i, piece, &used);
        sw_dbuf_add(b, piece, pl);
        i += used;
    }
}

void sw_esc_plain(sw_dbuf *b, const char *s)
{
    sw_esc_line(b, s, strlen(s));
}

char *sw_esc_line_buf(const char *in, char *out, size_t cap)
{
    size_t o = 0, n = strlen(in);
    if (cap == 0)
        return out;
    const unsigned char *u = (const unsigned char *)in;
    for (size_t i = 0; i < n;) {
        char piece[12];
        size_t used, pl = line_piece(u + i, n - i, piece, &used);
        if (o + pl >= cap)
            break; /* cut before a piece that does not fit whole */
        memcpy(out + o, piece, pl);
        o += pl;
        i += used;
    }
    out[o] = '\0';
    return out;
}

/* ---- chat targets ------------------------------------------------------------ */

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Walk s: control characters become a space, bytes that are not UTF-8 and
 * bidirectional overrides U+FFFD (and, for `xml`, U+FFFE and U+FFFF, which
 * XML does not allow); every other ASCII byte that `special` names goes
 * through `ascii` (which writes its escaped form), and the rest is copied --
 * in runs, not byte by byte. */
static void chat(sw_dbuf *b, const char *s, int (*special)(char c), void (*ascii)(sw_dbuf *b, char c), int xml)
{
    size_t n = strlen(s);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t run = i;
        while (run < n && u[run] >= 0x20 && u[run] < 0x7f && !special((char)u[run]))
            run++;
        if (run > i) {
            sw_dbuf_add(b, s + i, run - i);
            i = run;
            continue;
        }
        size_t k = sw_utf8_seq(s + i, n - i);
        if (k == 0) {
            sw_dbuf_addstr(b, REPLACEMENT);
            i++;
            continue;
        }
        unsigned cp = code_point(u + i, k);
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
            sw_dbuf_addc(b, ' ');
        else if (bidi_control(cp) || (xml && (cp == 0xFFFE || cp == 0xFFFF)))
            sw_dbuf_addstr(b, REPLACEMENT);
        else if (k == 1)
            ascii(b, (char)cp);
        else
            sw_dbuf_add(b, s + i, k);
        i += k;
    }
}

static int slack_special(char c)
{
    return c == '&' || c == '<' || c == '>';
}

static void slack_char(sw_dbuf *b, char c)
{
    sw_dbuf_addstr(b, c == '&' ? "&amp;" : c == '<' ? "&lt;" : "&gt;");
}

void sw_esc_slack(sw_dbuf *b, const char *s)
{
    chat(b, s, slack_special, slack_char, 0);
}

/* ASCII punctuation: 0x21-0x2F, 0x3A-0x40, 0x5B-0x60, 0x7B-0x7E. */
static int discord_special(char c)
{
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

static void discord_char(sw_dbuf *b, char c)
{
    char e[2] = { '\\', c };
    sw_dbuf_add(b, e, 2);
}

void sw_esc_discord(sw_dbuf *b, const char *s)
{
    chat(b, s, discord_special, discord_char, 0);
}

static int telegram_special(char c)
{
    return c == '@';
}

static void telegram_char(sw_dbuf *b, char c)
{
    (void)c;
    sw_dbuf_addstr(b, "@\xe2\x81\xa0"); /* U+2060 WORD JOINER */
}

void sw_esc_telegram(sw_dbuf *b, const char *s)
{
    chat(b, s, telegram_special, telegram_char, 0);
}

static int html_special(char c)
{
    return c == '&' || c == '<' || c == '>' || c == '"' || c == '\'';
}

static void html_char(sw_dbuf *b, char c)
{
    sw_dbuf_addstr(b, c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '"' ? "&quot;" : "&#39;");
}

void sw_esc_html(sw_dbuf *b, const char *s)
{
    chat(b, s, html_special, html_char, 1);
}
