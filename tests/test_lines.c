/*
 * test_lines.c -- daemon/sources/sw_lines: the line reader with a hard length limit.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw_lines.h"

#define CHUNK (64 * 1024) /* READ_CHUNK of sw_lines.c */

/* A stream holding exactly `len` bytes of `data`. */
static FILE *stream_of(const char *data, size_t len)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    rewind(f);
    return f;
}

static FILE *stream_str(const char *s)
{
    return stream_of(s, strlen(s));
}

/* Expect the next line to be `want` (OK), with line number `lineno`. */
static void expect_line(sw_lines *r, const char *want, unsigned long lineno, int unterminated)
{
    char *line = NULL;
    size_t len = 12345;
    int rc = sw_lines_next(r, &line, &len);
    cr_assert_eq(rc, SW_LINES_OK, "line %lu: rc %d, expected OK", lineno, rc);
    cr_assert_eq(len, strlen(want), "line %lu: len %zu, expected %zu", lineno, len, strlen(want));
    cr_assert_eq(memcmp(line, want, len), 0, "line %lu differs", lineno);
    cr_assert_eq(line[len], '\0');
    cr_assert_eq(r->lineno, lineno);
    cr_assert_eq(r->last_unterminated, unterminated, "line %lu: last_unterminated", lineno);
}

static void expect_rc(sw_lines *r, int want, unsigned long lineno)
{
    char *line;
    size_t len;
    int rc = sw_lines_next(r, &line, &len);
    cr_assert_eq(rc, want, "rc %d, expected %d", rc, want);
    cr_assert_eq(r->lineno, lineno, "lineno %lu, expected %lu", r->lineno, lineno);
}

Test(lines, normal)
{
    FILE *f = stream_str("alpha\nbeta gamma\n{\"x\":1}\n");
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, 100), 0);
    expect_line(&r, "alpha", 1, 0);
    expect_line(&r, "beta gamma", 2, 0);
    expect_line(&r, "{\"x\":1}", 3, 0);
    expect_rc(&r, SW_LINES_EOF, 3);
    expect_rc(&r, SW_LINES_EOF, 3); /* EOF is sticky */
    sw_lines_close(&r);
    fclose(f); /* sw_lines_from does not own the stream */
}

Test(lines, empty_input)
{
    FILE *f = stream_str("");
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, 100), 0);
    expect_rc(&r, SW_LINES_EOF, 0);
    sw_lines_close(&r);
    fclose(f);
}

Test(lines, crlf)
{
    /* Only one trailing '\r' goes; a '\r' inside the line stays. */
    FILE *f = stream_str("a,b\r\nc\rd\r\n\r\nlast\r");
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, 100), 0);
    expect_line(&r, "a,b", 1, 0);
    expect_line(&r, "c\rd", 2, 0);
    expect_line(&r, "", 3, 0);
    expect_line(&r, "last", 4, 1);
    expect_rc(&r, SW_LINES_EOF, 4);
    sw_lines_close(&r);
    fclose(f);
}

Test(lines, empty_lines)
{
    FILE *f = stream_str("\n\nx\n\n");
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, 100), 0);
    expect_line(&r, "", 1, 0);
    expect_line(&r, "", 2, 0);
    expect_line(&r, "x", 3, 0);
    expect_line(&r, "", 4, 0);
    expect_rc(&r, SW_LINES_EOF, 4); /* no phantom empty line after the last '\n' */
    sw_lines_close(&r);
    fclose(f);
}

Test(lines, final_line_without_newline)
{
    FILE *f = stream_str("first\n{\"type\":\"tra");
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, 100), 0);
    expect_line(&r, "first", 1, 0);
    expect_line(&r, "{\"type\":\"tra", 2, 1);
    expect_rc(&r, SW_LINES_EOF, 2);
    sw_lines_close(&r);
    fclose(f);
}

Test(lines, limit_exact_and_one_over)
{
    /* Limit 8: "12345678" is exactly at the limit, "123456789" one byte over. */
    FILE *f = stream_str("12345678\n123456789\nnext\n123456789");
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, 8), 0);
    expect_line(&r, "12345678", 1, 0);
    expect_rc(&r, SW_LINES_TOO_LONG, 2);
    expect_line(&r, "next", 3, 0);   /* the reader resumed right after the long line */
    expect_rc(&r, SW_LINES_TOO_LONG, 4);
    cr_assert_eq(r.last_unterminated, 1);
    expect_rc(&r, SW_LINES_EOF, 4);
    sw_lines_close(&r);
    fclose(f);
}

Test(lines, limit_zero)
{
    FILE *f = stream_str("\nx\n\n");
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, 0), 0);
    expect_line(&r, "", 1, 0);
    expect_rc(&r, SW_LINES_TOO_LONG, 2);
    expect_line(&r, "", 3, 0);
    expect_rc(&r, SW_LINES_EOF, 3);
    sw_lines_close(&r);
    fclose(f);
}

/* Build a buffer of lines with the given lengths; line i is filled with the
 * letter 'a' + i % 26 so that a misplaced byte shows up. */
static char *build(const size_t *lens, int n, size_t *total)
{
    size_t sz = 0;
    for (int i = 0; i < n; i++)
        sz += lens[i] + 1;
    char *buf = malloc(sz);
    cr_assert_not_null(buf);
    size_t p = 0;
    for (int i = 0; i < n; i++) {
        memset(buf + p, 'a' + i % 26, lens[i]);
        p += lens[i];
        buf[p++] = '\n';
    }
    *total = sz;
    return buf;
}

static void expect_filled(sw_lines *r, size_t want_len, char fill, unsigned long lineno)
{
    char *line;
    size_t len;
    int rc = sw_lines_next(r, &line, &len);
    cr_assert_eq(rc, SW_LINES_OK, "line %lu: rc %d", lineno, rc);
    cr_assert_eq(len, want_len, "line %lu: len %zu, expected %zu", lineno, len, want_len);
    for (size_t i = 0; i < len; i++)
        if (line[i] != fill)
            cr_assert_fail("line %lu: byte %zu is %d, expected %c", lineno, i, line[i], fill);
    cr_assert_eq(line[len], '\0');
    cr_assert_eq(r->lineno, lineno);
}

/* Lines crossing the 64 KiB read-chunk boundary, a newline as the very last
 * byte of a chunk and as the first byte of the next, and a line longer than a
 * whole chunk (but within the limit). */
Test(lines, chunk_boundaries)
{
    /* Offsets: line 1 is bytes 0..65529 with its newline at 65530, 5 bytes
     * before the first boundary; line 2 (65531..65630, newline 65631) crosses
     * it; line 3 (65632..135631, newline 135632) is longer than a chunk.  Line
     * 4 starts at 135633 and must put its newline at 196607 = 3 * 65536 - 1,
     * the last byte of the third chunk: 196607 - 135633 = 60974 bytes.  Line 5
     * is empty: its newline is byte 196608, the first of the fourth chunk. */
    size_t lens[7] = { 65530, 100, 70000, 60974, 0, 5, 200000 };
    size_t total;
    char *buf = build(lens, 7, &total);
    cr_assert_eq(buf[3 * CHUNK - 1], '\n');
    cr_assert_eq(buf[3 * CHUNK], '\n');
    FILE *f = stream_of(buf, total);
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, 100000), 0);
    expect_filled(&r, 65530, 'a', 1);
    expect_filled(&r, 100, 'b', 2);
    expect_filled(&r, 70000, 'c', 3);
    expect_filled(&r, 60974, 'd', 4);
    expect_filled(&r, 0, 'e', 5);
    expect_filled(&r, 5, 'f', 6);
    /* 200000 bytes over three chunks: too long for 100000, skipped whole. */
    expect_rc(&r, SW_LINES_TOO_LONG, 7);
    cr_assert_eq(r.last_unterminated, 0);
    expect_rc(&r, SW_LINES_EOF, 7);
    sw_lines_close(&r);
    fclose(f);
    free(buf);
}

/* An overlong line spanning several chunks costs exactly one line. */
Test(lines, too_long_across_chunks_then_normal)
{
    size_t lens[3] = { 3 * CHUNK + 17, 3, 4 };
    size_t total;
    char *buf = build(lens, 3, &total);
    FILE *f = stream_of(buf, total);
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, 1000), 0);
    expect_rc(&r, SW_LINES_TOO_LONG, 1);
    expect_filled(&r, 3, 'b', 2);
    expect_filled(&r, 4, 'c', 3);
    expect_rc(&r, SW_LINES_EOF, 3);
    sw_lines_close(&r);
    fclose(f);
    free(buf);
}

/* The limit check spans chunks too: a line exactly at a limit larger than one
 * chunk is accepted, one byte more is not. */
Test(lines, limit_larger_than_chunk)
{
    size_t lens[3] = { CHUNK + 10, CHUNK + 11, 1 };
    size_t total;
    char *buf = build(lens, 3, &total);
    FILE *f = stream_of(buf, total);
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, CHUNK + 10), 0);
    expect_filled(&r, CHUNK + 10, 'a', 1);
    expect_rc(&r, SW_LINES_TOO_LONG, 2);
    expect_filled(&r, 1, 'c', 3);
    sw_lines_close(&r);
    fclose(f);
    free(buf);
}

Test(lines, open_path_and_missing)
{
    char path[] = "/tmp/sw_test_lines.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *text = "one\ntwo\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    sw_lines r;
    cr_assert_eq(sw_lines_open(&r, path, 64), 0);
    cr_assert_eq(r.owns, 1);
    expect_line(&r, "one", 1, 0);
    expect_line(&r, "two", 2, 0);
    expect_rc(&r, SW_LINES_EOF, 2);
    sw_lines_close(&r);
    cr_assert_null(r.f);
    unlink(path);

    errno = 0;
    cr_assert_eq(sw_lines_open(&r, "/tmp/sw_test_lines.does-not-exist/x", 64), -1);
    cr_assert_eq(errno, ENOENT);
}

Test(lines, buffer_grows_to_the_longest_line_only)
{
    /* A 300 KB line between short ones under a 1 MiB limit comes back intact,
     * the buffer grows to hold it and stays within the limit; a short line
     * alone never costs more than the first 4 KiB. */
    size_t big = 300 * 1000;
    size_t total = 6 + big + 1 + 6;
    char *data = malloc(total + 1);
    cr_assert_not_null(data);
    memcpy(data, "short\n", 6);
    for (size_t i = 0; i < big; i++)
        data[6 + i] = (char)('a' + i % 26);
    data[6 + big] = '\n';
    memcpy(data + 6 + big + 1, "tail!\n", 6);
    data[total] = '\0';
    FILE *f = stream_of(data, total);
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, 1u << 20), 0);
    expect_line(&r, "short", 1, 0);
    cr_assert_leq(r.cap, 4096, "cap %zu after a short line", r.cap);
    data[6 + big] = '\0';
    expect_line(&r, data + 6, 2, 0);
    cr_assert_geq(r.cap, big);
    cr_assert_leq(r.cap, (size_t)1 << 20);
    expect_line(&r, "tail!", 3, 0);
    expect_rc(&r, SW_LINES_EOF, 3);
    sw_lines_close(&r);
    fclose(f);
    free(data);
}

Test(lines, line_of_exactly_the_limit_with_growth)
{
    /* The growth clamps at the limit: a line of exactly `limit` bytes fits,
     * one byte more is TOO_LONG and the next line is still read.  Longer
     * than one 64 KiB read, so the line is assembled in the growing buffer
     * (a line inside one read is handed out from the read buffer). */
    size_t limit = 100000; /* not a power of two times 4096 */
    char *data = malloc(2 * limit + 10);
    cr_assert_not_null(data);
    memset(data, 'x', limit);
    data[limit] = '\n';
    memset(data + limit + 1, 'y', limit + 1);
    data[2 * limit + 2] = '\n';
    memcpy(data + 2 * limit + 3, "ok\n", 3);
    FILE *f = stream_of(data, 2 * limit + 6);
    sw_lines r;
    cr_assert_eq(sw_lines_from(&r, f, limit), 0);
    data[limit] = '\0';
    expect_line(&r, data, 1, 0);
    cr_assert_eq(r.cap, limit);
    expect_rc(&r, SW_LINES_TOO_LONG, 2);
    expect_line(&r, "ok", 3, 0);
    sw_lines_close(&r);
    fclose(f);
    free(data);
}
