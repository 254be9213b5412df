/*
 * test_fastjson.c -- daemon/providers/sw_fastjson (the zero-allocation reader
 * of the fast path) and the fast path of every adapter against its cJSON
 * path: numbers bit for bit equal to strtod, everything jsmn lets through
 * that is not strict JSON refused, lookups as cJSON finds members, and the
 * shipped recording plus every provider's encoding of it parsed the same
 * both ways (and by the fast path, not by falling back).
 */
#include <criterion/criterion.h>

#include "sw_emulate.h"
#include "sw_fastjson.h"
#include "sw_jsonarena.h"
#include "sw_lines.h"
#include "sw_log.h"
#include "sw_provider.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sw_fj m; /* large: not on the test's stack */

static void setup(void)
{
    sw_log_set_level(SW_LOG_ERROR);
    cr_assert_eq(sw_jsonarena_install(), 0);
    sw_fast_path_enable(1);
}

static void teardown(void)
{
    sw_fast_path_enable(1);
    sw_jsonarena_uninstall();
}

TestSuite(fastjson, .init = setup, .fini = teardown, .timeout = 300);

static int parse(const char *text)
{
    return sw_fj_parse(&m, text, strlen(text));
}

/* "[" text "]" read by the reader: the value of its one number. */
static double number_of(const char *text)
{
    char doc[128];
    snprintf(doc, sizeof doc, "[%s]", text);
    cr_assert_eq(parse(doc), 0, "%s", doc);
    cr_assert(sw_fj_is(&m, 1, SW_FJ_NUMBER), "%s", doc);
    return sw_fj_number(&m, 1);
}

static void expect_same_bits(double a, double b, const char *text)
{
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "%s: %.17g vs strtod %.17g", text, a, b);
}

Test(fastjson, numbers_equal_strtod_bit_for_bit)
{
    static const char *const edge[] = {
        "0", "-0", "0.0", "-0.0", "1", "118.42", "101000.25", "0.0125", "1e2", "1E2", "1e+2", "1e-2",
        "1.5e-3", "9007199254740992", "9007199254740993", "9007199254740995", "1234567890123456789",
        "12345678901234567890", "1e22", "1e23", "1.7976931348623157e308", "1e308", "1e309", "-1e400",
        "4.9e-324", "2.2250738585072014e-308", "2.2250738585072011e-308", "1e-400", "0.1", "0.3",
        "123.45000000", "1737988200000", "1737988200000.5", "0.000000000000000000001",
        "3.14159265358979323846264338327950288", "100000000000000000000000",
    };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        expect_same_bits(number_of(edge[i]), strtod(edge[i], NULL), edge[i]);
    /* Random decimals around the exact conversion's limits: 1..22 digits,
     * a point anywhere, exponents -40..40. */
    uint64_t x = 88172645463325252ull;
    char text[80];
    for (int n = 0; n < 300000; n++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int digits = 1 + (int)(x % 22), point = (int)(x >> 8 & 31), exp = (int)(x >> 16 & 127) - 64;
        size_t k = 0;
        if (x >> 30 & 1)
            text[k++] = '-';
        uint64_t y = x * 2862933555777941757ull + 3037000493ull;
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0)
                text[k++] = '.';
            y = y * 6364136223846793005ull + 1442695040888963407ull;
            text[k++] = (char)('0' + (d == 0 ? 1 + (y >> 33) % 9 : (y >> 33) % 10));
        }
        if (exp > -41 && exp < 41 && (x >> 40 & 1))
            k += (size_t)snprintf(text + k, sizeof text - k, "e%d", exp);
        text[k] = '\0';
        expect_same_bits(number_of(text), strtod(text, NULL), text);
        /* The same text as a price string: one conversion for both paths. */
        double v;
        errno = 0;
        char *end;
        double ref = strtod(text, &end);
        int ok = *end == '\0' && errno != ERANGE;
        cr_assert_eq(sw_decimal_parse(text, k, 0, &v) == 0, ok, "%s", text);
        if (ok)
            expect_same_bits(v, ref, text);
    }
}

Test(fastjson, decimal_strings_as_providers_send_them)
{
    static const struct {
        const char *text;
        int ok;
    } cases[] = {
        { "101000.25", 1 }, { "+1.5", 1 }, { "0001.50", 1 }, { "1.", 1 }, { "1e5", 1 }, { "-0", 1 },
        { "1e-400", 0 }, { "1e400", 0 }, { "1.2.3", 0 }, { "1e", 0 }, { "0x1p3", 0 }, { "inf", 0 },
        { "nan", 0 }, { " 1", 0 }, { "1 ", 0 }, { ".5", 0 }, { "", 0 }, { "-", 0 }, { "1,5", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = 0;
        const char *t = cases[i].text;
        cr_expect_eq(sw_decimal_parse(t, strlen(t), 1, &v) == 0, cases[i].ok, "%s", t);
        if (cases[i].ok)
            expect_same_bits(v, strtod(t, NULL), t);
    }
    /* Longer than the reader copies (64 bytes): only with a terminated string. */
    char longer[100];
    memset(longer, '0', sizeof longer - 1);
    longer[0] = '1';
    longer[1] = '.';
    longer[sizeof longer - 1] = '\0';
    double v;
    cr_expect_eq(sw_decimal_parse(longer, strlen(longer), 0, &v), -2);
    cr_expect_eq(sw_decimal_parse(longer, strlen(longer), 1, &v), 0);
    cr_expect_eq(v, 1.0);
}

/* jsmn takes all of these; none is JSON cJSON reads as such, so the reader
 * must leave every one to the cJSON path. */
Test(fastjson, refuses_what_is_not_strict_json)
{
    static const char *const bad[] = {
        "[1,]", "[,1]", "[1,,2]", "{\"a\":1,}", "{,\"a\":1}", "[1 2]", "{\"a\":1 \"b\":2}", "{\"a\" 1}",
        "{\"a\"}", "{\"a\":1,\"b\"}", "[1:2]", "{\"a\"::1}", "{\"a\":1:2}", "[abc]", "[tru]", "[nul]",
        "[truex]", "[01]", "[1.]", "[.5]", "[+1]", "[-]", "[1e]", "[1e+]", "[0x10]", "[Infinity]", "[NaN]",
        "{1:2}", "{[]:1}", "{}{}", "{} x", "{\"a\":1}}", "[\"a\\\"b\"]", "[\"\\u0041\"]", "\xef\xbb\xbf[1]",
        "[\v1]", "[1]\f", "\"just a string\"", "42", "true", "",
        "[1234567890123456789012345678901234567890123]", /* longer than the reader takes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(parse(bad[i]), -1, "accepted: %s", bad[i]);
    /* A NUL byte inside, and nesting deeper than 32. */
    cr_expect_eq(sw_fj_parse(&m, "[1,\0 2]", 7), -1);
    char deep[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    for (int i = 0; i < 40; i++)
        strcat(deep, "]");
    cr_expect_eq(parse(deep), -1);
    /* cJSON agrees these are not one JSON value, but for the ones JSON does
     * not allow and cJSON does ("01", "1.": strtod reads them), valid JSON the
     * reader leaves to cJSON on purpose (escapes, a byte order mark, blanks
     * other than JSON's, scalars at the top, numbers longer than 40), and the
     * message that is not one value: refusing costs a second parse, never a
     * wrong answer. */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (strcmp(bad[i], "[01]") == 0 || strcmp(bad[i], "[1.]") == 0)
            continue;
        const char *end = NULL;
        cJSON *v = cJSON_ParseWithLengthOpts(bad[i], strlen(bad[i]), &end, 0);
        int one_value = v && end && *end == '\0';
        cJSON_Delete(v);
        if (strstr(bad[i], "\\") || bad[i][0] == '\xef' || strchr(bad[i], '\v') || strchr(bad[i], '\f') ||
            !strchr("[{", bad[i][0]) || strlen(bad[i]) > 40)
            continue;
        cr_expect(!one_value, "cJSON reads %s as one value", bad[i]);
    }
}

Test(fastjson, members_as_cjson_finds_them)
{
    const char *doc = " {\"type\" : \"trade\",\r\n\"data\":[{\"s\":\"A\",\"p\":1,\"p\":2},{},[],\"x\",null,true,false],"
                      "\"\":3,\"type\":\"second\"} ";
    cr_assert_eq(parse(doc), 0);
    cr_expect(SW_FJ_STR_EQ(&m, SW_FJ_GET(&m, 0, "type"), "trade"), "the first of two members of a name");
    cr_expect_eq(sw_fj_number(&m, sw_fj_get(&m, 0, "", 0)), 3, "an empty name is a name");
    int data = SW_FJ_GET(&m, 0, "data");
    cr_assert(sw_fj_is(&m, data, SW_FJ_ARRAY));
    int kinds[8], n = 0;
    for (int e = sw_fj_first(&m, data); e >= 0; e = sw_fj_after(&m, data, e))
        kinds[n++] = m.node[e].kind;
    cr_assert_eq(n, 7);
    int want[] = { SW_FJ_OBJECT, SW_FJ_OBJECT, SW_FJ_ARRAY, SW_FJ_STRING, SW_FJ_NULL, SW_FJ_TRUE, SW_FJ_FALSE };
    for (int i = 0; i < 7; i++)
        cr_expect_eq(kinds[i], want[i], "element %d", i);
    int t = sw_fj_first(&m, data);
    cr_expect_eq(sw_fj_number(&m, SW_FJ_GET(&m, t, "p")), 1);
    sw_fj_keys keys;
    sw_fj_keys_init(&keys, (const char *const[]){ "p", "s", "q" }, 3);
    int f[3];
    sw_fj_fields(&m, t, &keys, f);
    cr_expect_eq(sw_fj_number(&m, f[0]), 1, "first p");
    cr_expect(SW_FJ_STR_EQ(&m, f[1], "A"));
    cr_expect_eq(f[2], -1);
    cr_expect_eq(sw_fj_first(&m, sw_fj_after(&m, data, t)), -1, "an empty object has no first member");
}

/* ---- the adapters, fast path against cJSON path -------------------------------- */

typedef struct outcome {
    sw_parse_result r;
    sw_tick ticks[SW_MAX_TICKS_PER_MSG];
} outcome;

static outcome fast_out, slow_out;

/* Parse msg both ways; 1 if the fast path answered it. */
static int both_ways(const sw_provider *p, const char *msg, size_t len)
{
    uint64_t before = sw_fast_path_answered();
    sw_fast_path_enable(1);
    p->parse(msg, len, fast_out.ticks, SW_MAX_TICKS_PER_MSG, &fast_out.r);
    int answered = sw_fast_path_answered() != before;
    sw_fast_path_enable(0);
    p->parse(msg, len, slow_out.ticks, SW_MAX_TICKS_PER_MSG, &slow_out.r);
    sw_fast_path_enable(1);
    const sw_parse_result *a = &fast_out.r, *b = &slow_out.r;
    cr_assert_eq(a->kind, b->kind, "%s: %.*s", p->name, (int)len, msg);
    cr_assert_eq(a->n_ticks, b->n_ticks, "%s: %.*s", p->name, (int)len, msg);
    cr_assert_eq(a->n_bad, b->n_bad);
    cr_assert(a->why == b->why || (a->why && b->why && strcmp(a->why, b->why) == 0));
    for (size_t i = 0; i < a->n_ticks; i++) {
        const sw_tick *x = &fast_out.ticks[i], *y = &slow_out.ticks[i];
        cr_assert_str_eq(x->symbol, y->symbol);
        cr_assert_eq(memcmp(&x->price, &y->price, sizeof x->price), 0, "%s price", x->symbol);
        cr_assert_eq(memcmp(&x->size, &y->size, sizeof x->size), 0, "%s size", x->symbol);
        cr_assert_eq(x->ts_ns, y->ts_ns);
        cr_assert_eq(x->flags, y->flags);
    }
    return answered;
}

/* Every message of the bundled 2025-01-27 recording as Finnhub sent it, and
 * its trades encoded for each provider as shock-feed does, in batches of 1
 * and 5: the same ticks both ways, and every one answered by the fast path. */
Test(fastjson, recording_the_same_both_ways_for_every_provider)
{
    sw_lines in;
    cr_assert_eq(sw_lines_open(&in, SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson", 1 << 20), 0);
    const sw_provider *fh = sw_provider_find("finnhub");
    static sw_emu_trade trades[20000];
    size_t n_trades = 0, msgs = 0, answered = 0;
    char *line;
    size_t len;
    while (sw_lines_next(&in, &line, &len) == SW_LINES_OK) {
        int ping = strcmp(line, "{\"type\":\"ping\"}") == 0; /* control: cJSON's */
        msgs += !ping;
        cr_assert_eq(both_ways(fh, line, len), !ping, "%s", line);
        answered += !ping;
        for (size_t i = 0; i < fast_out.r.n_ticks && n_trades < 20000; i++) {
            trades[n_trades].tick = fast_out.ticks[i];
            trades[n_trades].id = n_trades + 1;
            trades[n_trades].seq = (int64_t)n_trades + 1;
            n_trades++;
        }
    }
    sw_lines_close(&in);
    cr_assert_gt(msgs, 100000u);
    cr_expect_eq(answered, msgs, "the fast path answered %zu of %zu recorded trade messages", answered, msgs);

    static const char *const provs[] = { "finnhub", "alpaca", "polygon", "coinbase", "binance" };
    static char buf[1 << 16];
    for (size_t pi = 0; pi < 5; pi++) {
        const sw_provider *p = sw_provider_find(provs[pi]);
        const sw_emu *emu = sw_emu_find(provs[pi]);
        cr_assert(p && emu);
        size_t total = 0, fast = 0;
        for (size_t batch = 1; batch <= 5; batch += 4) {
            if (batch > 1 && !emu->batches)
                continue;
            for (size_t k = 0; k + batch <= n_trades; k += batch) {
                size_t mark = sw_jsonarena_mark();
                int n = sw_emu_encode(emu, trades + k, batch, buf, sizeof buf);
                sw_jsonarena_release(mark);
                cr_assert_gt(n, 0);
                total++;
                fast += (size_t)both_ways(p, buf, (size_t)n);
                cr_assert_eq(fast_out.r.n_ticks, batch, "%s: %.*s", provs[pi], n, buf);
            }
        }
        cr_expect_eq(fast, total, "%s: the fast path answered %zu of %zu", provs[pi], fast, total);
    }
}

/* Messages the fast path must hand over: control messages, bad trades, a
 * batch cut by the cap; the verdict and the sentence are cJSON's. */
Test(fastjson, what_the_fast_path_leaves_to_cjson)
{
    static const char *const cases[][2] = { /* provider, message */
        { "finnhub", "{\"type\":\"ping\"}" },
        { "finnhub", "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":-1,\"t\":1737988200000}]}" },
        { "finnhub", "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":1,\"t\":1737988200000},7]}" },
        { "finnhub", "{\"type\":\"trade\",\"data\":[{\"s\":\"\",\"p\":1,\"t\":1737988200000}]}" },
        { "finnhub", "{\"type\":\"trade\",\"data\":[{\"s\":\"NVDA\",\"p\":1,\"t\":99}]}" },
        { "finnhub", "{\"type\":\"trade\",\"data\":[{\"s\":\"N\\u0056DA\",\"p\":1,\"t\":1737988200000}]}" },
        { "binance", "{\"result\":null,\"id\":1}" },
        { "binance", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"p\":\"1e400\",\"q\":\"1\",\"T\":1737988200000}" },
        { "coinbase", "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\",\"price\":\"0\",\"time\":\"2025-01-27T14:30:00Z\"}" },
        { "alpaca", "[{\"T\":\"t\",\"S\":\"NVDA\",\"p\":1,\"t\":\"2025-01-27\"},{\"T\":\"q\"}]" },
        { "polygon", "[{\"ev\":\"status\",\"status\":\"connected\"}]" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(both_ways(sw_provider_find(cases[i][0]), cases[i][1], strlen(cases[i][1])), 0, "%s",
                     cases[i][1]);
}
