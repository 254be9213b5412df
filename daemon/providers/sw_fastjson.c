/* sw_fastjson.c -- see sw_fastjson.h.  The only file that includes jsmn.h
 * (header-only: it defines its functions, made static here). */
#define _GNU_SOURCE /* strtod_l, newlocale */
#include "sw_fastjson.h"

/* Parent links make closing a container O(depth); strict mode is left off
 * (it costs 12 % of jsmn's time and check() below refuses more than it). */
#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The exact conversion below needs double arithmetic done in double (SSE2 on
 * x86-64), not in a wider x87 register. */
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "sw_fastjson.c needs FLT_EVAL_METHOD == 0 for exact number conversion"
#endif

#define MAX_DEPTH 32
#define MAX_NUMBER 40   /* characters; cJSON reads at most 63 */

/* ---- numbers ---------------------------------------------------------------- */

static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static locale_t c_locale(void)
{
    static locale_t loc;
    if (!loc)
        loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return loc;
}

/* strtod in the C locale on the NUL-terminated s; *consumed gets how much it
 * read, errno is left as strtod set it. */
static double strtod_cz(const char *s, size_t *consumed)
{
    locale_t loc = c_locale();
    char *end;
    errno = 0;
    double x = loc ? strtod_l(s, &end, loc) : strtod(s, &end);
    *consumed = (size_t)(end - s);
    return x;
}

static double strtod_c(const char *s, size_t len, size_t *consumed)
{
    char buf[64];
    memcpy(buf, s, len);
    buf[len] = '\0';
    return strtod_cz(buf, consumed);
}

/* The value of the 8 ASCII digits at s, or -1 if one of them is not a digit.
 * A run of digits costs a multiply-add per digit, each waiting for the last
 * (~4 cycles a digit; a 13-digit epoch-ms time is 50 cycles); this takes the
 * eight at once: the bytes are loaded as one little-endian word (s[0], the
 * most significant digit, in its lowest byte), then pairs of neighbours,
 * pairs of pairs and the two halves are combined -- three multiplies. */
static inline int64_t eight_digits(const char *s)
{
    uint64_t v;
    memcpy(&v, s, 8);
    /* Every byte in '0'..'9': its high nibble is 3, and adding 6 keeps it 3. */
    if (((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
         (((v + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) != UINT64_C(0x3333333333333333))
        return -1;
    v -= UINT64_C(0x3030303030303030);
    v = (v * 10 + (v >> 8)) & UINT64_C(0x00FF00FF00FF00FF);     /* 10*d0+d1 in bytes 0, 2, 4, 6 */
    v = (v * 100 + (v >> 16)) & UINT64_C(0x0000FFFF0000FFFF);   /* four digits in 16-bit lanes 0, 2 */
    return (int64_t)((v * 10000 + (v >> 32)) & UINT64_C(0xFFFFFFFF));
}

/* Append the digits at s[k..len) to m (m * 10 + digit each); returns the
 * index of the first byte that is not a digit.  Eight at a time while eight
 * remain.  m may wrap past 19 digits: the caller counts digits and refuses. */
static inline size_t take_digits(const char *s, size_t k, size_t len, uint64_t *m)
{
    uint64_t acc = *m;
    unsigned dig;
    int64_t eight;
    while (len - k >= 8 && (eight = eight_digits(s + k)) >= 0) {
        acc = acc * 100000000u + (uint64_t)eight;
        k += 8;
    }
    for (; k < len && (dig = (unsigned)(s[k] - '0')) <= 9; k++)
        acc = acc * 10 + dig;
    *m = acc;
    return k;
}

/* Digits [+-]d+(.d*)?([eE][+-]?d+)? read as m * 10^e when m < 2^53 and
 * |e| <= 22: then m and 10^|e| are exact doubles and one IEEE multiply or
 * divide rounds once, correctly, which is what strtod's result is (Clinger's
 * fast path).  Returns 1 with *out set, 0 if the text is of another shape or
 * outside that range (the caller asks strtod). */
static int fast_decimal(const char *s, size_t len, double *out)
{
    size_t k = 0, d0;
    int neg = 0;
    if (k < len && (s[k] == '-' || s[k] == '+'))
        neg = s[k++] == '-';
    uint64_t m = 0;
    unsigned dig;
    int exp10 = 0;
    /* More than 19 digits (leading zeros included) may have wrapped m: refused below. */
    d0 = k;
    k = take_digits(s, k, len, &m);
    size_t ndig = k - d0;
    if (ndig == 0)
        return 0;
    if (k < len && s[k] == '.') {
        size_t f0 = ++k;
        k = take_digits(s, k, len, &m);
        ndig += k - f0;
        exp10 = -(int)(k - f0);
    }
    if (ndig > 19)
        return 0;
    if (k < len && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        int eneg = 0;
        if (k < len && (s[k] == '-' || s[k] == '+'))
            eneg = s[k++] == '-';
        if (k == len || s[k] < '0' || s[k] > '9')
            return 0;
        int e = 0;
        for (; k < len && (dig = (unsigned)(s[k] - '0')) <= 9; k++) {
            if (e > 1000)
                return 0;
            e = e * 10 + (int)dig;
        }
        exp10 += eneg ? -e : e;
    }
    if (k != len || m > (UINT64_C(1) << 53))
        return 0;
    double d = (double)m;
    if (m != 0) {
        if (exp10 < -22 || exp10 > 22)
            return 0;
        d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
    }
    *out = neg ? -d : d;
    return 1;
}

double sw_fj_number_slow(const sw_fj *m, int i)
{
    const char *s = m->js + m->node[i].start;
    size_t len = m->node[i].end - m->node[i].start, used;
    double x;
    if (fast_decimal(s, len, &x))
        return x;
    return strtod_c(s, len, &used); /* the grammar was checked: it reads all of it */
}

int sw_decimal_parse(const char *s, size_t len, int terminated, double *out)
{
    /* The common shape first: what fast_decimal reads is also decimal text
     * strtod reads whole, without overflow or underflow. */
    if (fast_decimal(s, len, out))
        return 0;
    size_t k = 0;
    if (k < len && (s[k] == '-' || s[k] == '+'))
        k++;
    if (k == len || s[k] < '0' || s[k] > '9')
        return -1;
    for (; k < len; k++)
        if (!((s[k] >= '0' && s[k] <= '9') || s[k] == '.' || s[k] == 'e' || s[k] == 'E' || s[k] == '+' ||
              s[k] == '-'))
            return -1;
    double x;
    size_t used;
    if (terminated)
        x = strtod_cz(s, &used);
    else if (len < 64) {
        x = strtod_c(s, len, &used);
    } else {
        return -2; /* no room to terminate it: the caller's cJSON path has */
    }
    if (used != len || errno == ERANGE)
        return -1;
    *out = x;
    return 0;
}

/* ---- the token walk ------------------------------------------------------------ */

static inline size_t skip_ws(const char *js, size_t len, size_t pos)
{
    /* Compact messages have none: one test for the common case. */
    while (pos < len && (unsigned char)js[pos] <= ' ' &&
           (js[pos] == ' ' || js[pos] == '\t' || js[pos] == '\n' || js[pos] == '\r'))
        pos++;
    return pos;
}

/* JSON's number grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, at
 * most MAX_NUMBER characters: 1 if s[0..n) is one.  Read in the same pass
 * the way fast_decimal does: *exact says whether *val holds its value. */
static int json_number(const char *s, size_t n, double *val, uint8_t *exact)
{
    size_t k = 0;
    unsigned dig;
    uint64_t m = 0;
    int exp10 = 0, neg = 0;
    if (n == 0 || n > MAX_NUMBER)
        return 0;
    if (s[k] == '-') {
        neg = 1;
        k++;
    }
    size_t d0 = k;
    if (k == n)
        return 0;
    if (s[k] == '0')
        k++;
    else if (s[k] >= '1' && s[k] <= '9')
        k = take_digits(s, k, n, &m);
    else
        return 0;
    size_t ndig = k - d0;
    if (k < n && s[k] == '.') {
        size_t f0 = ++k;
        k = take_digits(s, k, n, &m);
        if (k == f0)
            return 0;
        ndig += k - f0;
        exp10 = -(int)(k - f0);
    }
    if (k < n && (s[k] == 'e' || s[k] == 'E')) {
        int eneg = 0, e = 0;
        k++;
        if (k < n && (s[k] == '+' || s[k] == '-'))
            eneg = s[k++] == '-';
        size_t e0 = k;
        for (; k < n && (dig = (unsigned)(s[k] - '0')) <= 9; k++)
            if (e < 10000)
                e = e * 10 + (int)dig;
        if (k == e0)
            return 0;
        exp10 += eneg ? -e : e;
    }
    if (k != n)
        return 0;
    /* Clinger's fast path, as in fast_decimal (at most 19 digits cannot
     * have overflowed m). */
    *exact = 0;
    if (ndig <= 19 && m <= (UINT64_C(1) << 53) && (m == 0 || (exp10 >= -22 && exp10 <= 22))) {
        double d = (double)m;
        if (m != 0)
            d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
        *val = neg ? -d : d;
        *exact = 1;
    }
    return 1;
}

/* The kind of a primitive token's text, or 0 if it is not one JSON has. */
static int primitive_kind(const char *s, size_t n, double *val, uint8_t *exact)
{
    switch (s[0]) {
    case 't': return n == 4 && s[1] == 'r' && s[2] == 'u' && s[3] == 'e' ? SW_FJ_TRUE : 0;
    case 'f': return n == 5 && s[1] == 'a' && s[2] == 'l' && s[3] == 's' && s[4] == 'e' ? SW_FJ_FALSE : 0;
    case 'n': return n == 4 && s[1] == 'u' && s[2] == 'l' && s[3] == 'l' ? SW_FJ_NULL : 0;
    default: return json_number(s, n, val, exact) ? SW_FJ_NUMBER : 0;
    }
}

/* Blanks at pos, the rare case: compact messages have none. */
#define SKIP_WS(pos)                                                           \
    do {                                                                       \
        if ((pos) < len && (unsigned char)js[pos] <= ' ')                      \
            (pos) = skip_ws(js, len, (pos));                                   \
    } while (0)

/* Check that jsmn's tokens are exactly the message read as strict JSON:
 * each token starts where the grammar says the next value (or key) starts,
 * and only blanks and the right ',' ':' '}' ']' lie between them.  Fills the
 * nodes (and the numbers' values).  Returns 0 or -1. */
static int check(const char *js, size_t len, const jsmntok_t *tok, int n, sw_fj_node *node, double *num)
{
    int stack[MAX_DEPTH + 1], depth = 0;
    uint64_t objects = 0; /* bit d: the container at depth d is an object */
    size_t pos = skip_ws(js, len, 0);
    int i = 0;
    for (;;) {
        /* A value starts at pos: it must be token i. */
        if (i >= n)
            return -1;
        const jsmntok_t *t = &tok[i];
        sw_fj_node *nd = &node[i];
        if (t->type == JSMN_STRING) {
            if ((size_t)t->start != pos + 1)
                return -1;
            *nd = (sw_fj_node){ SW_FJ_STRING, 0, (uint32_t)t->start, (uint32_t)t->end, (uint32_t)i + 1 };
            pos = (size_t)t->end + 1;
            i++;
        } else if (t->type == JSMN_PRIMITIVE) {
            uint8_t exact = 0;
            int kind;
            if ((size_t)t->start != pos ||
                !(kind = primitive_kind(js + pos, (size_t)(t->end - t->start), &num[i], &exact)))
                return -1;
            *nd = (sw_fj_node){ (uint8_t)kind, exact, (uint32_t)t->start, (uint32_t)t->end, (uint32_t)i + 1 };
            pos = (size_t)t->end;
            i++;
        } else {
            int obj = t->type == JSMN_OBJECT;
            if ((size_t)t->start != pos || depth == MAX_DEPTH)
                return -1;
            *nd = (sw_fj_node){ obj ? SW_FJ_OBJECT : SW_FJ_ARRAY, 0, (uint32_t)t->start, (uint32_t)t->end, 0 };
            objects = obj ? objects | (UINT64_C(1) << depth) : objects & ~(UINT64_C(1) << depth);
            stack[depth++] = i++;
            pos++;
            SKIP_WS(pos);
            if (pos < len && js[pos] == (obj ? '}' : ']'))
                goto close;
            if (obj)
                goto key;
            continue;
        }
        /* After a value: a comma and the next member, or the container's end. */
        for (;;) {
            if (depth == 0)
                goto done;
            SKIP_WS(pos);
            if (pos >= len)
                return -1;
            if (js[pos] == ',') {
                pos++;
                SKIP_WS(pos);
                if (objects >> (depth - 1) & 1)
                    goto key;
                break;
            }
        close:
            {
                int c = stack[depth - 1];
                if (js[pos] != ((objects >> (depth - 1) & 1) ? '}' : ']') || pos + 1 != (size_t)tok[c].end)
                    return -1;
                pos++;
                node[c].next = (uint32_t)i;
                depth--;
            }
        }
        continue;
    key:
        /* A member: its name, a colon, then its value. */
        if (i >= n || tok[i].type != JSMN_STRING || (size_t)tok[i].start != pos + 1)
            return -1;
        node[i] = (sw_fj_node){ SW_FJ_STRING, 0, (uint32_t)tok[i].start, (uint32_t)tok[i].end, (uint32_t)i + 1 };
        pos = (size_t)tok[i].end + 1;
        SKIP_WS(pos);
        if (pos >= len || js[pos] != ':')
            return -1;
        pos++;
        SKIP_WS(pos);
        i++;
    }
done:
    return i == n && skip_ws(js, len, pos) == len ? 0 : -1;
}

#undef SKIP_WS

int sw_fj_parse(sw_fj *m, const char *msg, size_t len)
{
    jsmntok_t tok[SW_FJ_MAX_TOKENS];
    jsmn_parser p;
    /* Escapes would need unescaping; cJSON does that, so such a message is
     * cJSON's.  Offsets are kept in 32 bits. */
    if (len == 0 || len > UINT32_MAX / 2 || memchr(msg, '\\', len))
        return -1;
    jsmn_init(&p);
    int n = jsmn_parse(&p, msg, len, tok, SW_FJ_MAX_TOKENS);
    /* jsmn stops at a NUL byte: then it has not read everything.  The root
     * must be an object or an array (every provider message is one). */
    if (n <= 0 || p.pos != len || (tok[0].type != JSMN_OBJECT && tok[0].type != JSMN_ARRAY) ||
        check(msg, len, tok, n, m->node, m->num) != 0)
        return -1;
    m->js = msg;
    m->len = len;
    m->n = (uint32_t)n;
    return 0;
}

/* ---- lookups ----------------------------------------------------------------------- */

int sw_fj_str_eq(const sw_fj *m, int i, const char *lit, size_t litlen)
{
    if (!sw_fj_is(m, i, SW_FJ_STRING))
        return 0;
    const sw_fj_node *nd = &m->node[i];
    return nd->end - nd->start == litlen && memcmp(m->js + nd->start, lit, litlen) == 0;
}

void sw_fj_keys_init(sw_fj_keys *k, const char *const *keys, int n)
{
    memset(k, 0, sizeof *k);
    k->n = n;
    for (int f = 0; f < n; f++) {
        k->key[f] = keys[f];
        k->len[f] = (uint8_t)strlen(keys[f]);
        k->first[(unsigned char)keys[f][0]] |= (uint8_t)(1u << f);
    }
}

void sw_fj_fields(const sw_fj *m, int obj, const sw_fj_keys *keys, int *out)
{
    for (int f = 0; f < keys->n; f++)
        out[f] = -1;
    if (!sw_fj_is(m, obj, SW_FJ_OBJECT))
        return;
    uint32_t end = m->node[obj].next;
    int missing = keys->n;
    /* Stops once every key is found: the members after them (Binance's
     * "m", "M") are not looked at. */
    for (uint32_t k = (uint32_t)obj + 1; k < end && missing; k = m->node[k + 1].next) {
        const sw_fj_node *kn = &m->node[k];
        const char *s = m->js + kn->start;
        size_t len = kn->end - kn->start;
        /* Most members are not wanted: one table look-up by the first byte
         * says so.  An empty name has no first byte. */
        unsigned cand = len ? keys->first[(unsigned char)s[0]] : 0;
        for (int f = 0; cand; f++, cand >>= 1) {
            if (!(cand & 1) || out[f] >= 0 || len != keys->len[f])
                continue;
            size_t j = 1;
            while (j < len && s[j] == keys->key[f][j])
                j++;
            if (j == len) {
                out[f] = (int)k + 1; /* the first member of that name, as cJSON finds it */
                missing--;
            }
        }
    }
}

int sw_fj_get(const sw_fj *m, int obj, const char *key, size_t keylen)
{
    if (!sw_fj_is(m, obj, SW_FJ_OBJECT))
        return -1;
    uint32_t end = m->node[obj].next;
    for (uint32_t k = (uint32_t)obj + 1; k < end; k = m->node[k + 1].next) {
        const sw_fj_node *kn = &m->node[k];
        const char *s = m->js + kn->start;
        /* Keys are short: compare in line rather than call memcmp. */
        if (kn->end - kn->start == keylen) {
            size_t j = 0;
            while (j < keylen && s[j] == key[j])
                j++;
            if (j == keylen)
                return (int)k + 1;
        }
    }
    return -1;
}
