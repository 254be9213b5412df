/*
 * sw_fastjson.h -- a zero-allocation reader for the hot path: provider trade
 * messages tokenized by jsmn (Debian's libjsmn-dev) into a fixed array on the
 * caller's stack, and numbers converted exactly.
 *
 * cJSON allocates a node and a string per value, tests every value for
 * null/true/false with strncmp, finds keys with strcmp and converts numbers
 * through strtod and localeconv: for a one-trade message that is most of
 * shockd's time.  This reader keeps positions in the message instead: keys
 * compare by length and memcmp, strings are not copied, numbers go through
 * an exact fast conversion.
 *
 * It answers only for messages that cJSON reads the same way.  jsmn is a
 * lenient tokenizer (it takes trailing commas, missing colons, any bare word
 * as a value), so sw_fj_parse walks the tokens and checks every byte between
 * them; it refuses -- and the caller falls back to its cJSON path, which then
 * gives the verdict and the error sentence -- anything outside plain JSON:
 * an escape sequence anywhere (cJSON would unescape it), whitespace other
 * than space, tab, CR and LF (cJSON skips any byte <= 32), a NUL byte, a byte
 * order mark, a number outside JSON's grammar or longer than 40 characters
 * (cJSON reads at most 63), nesting deeper than 32, more than
 * SW_FJ_MAX_TOKENS tokens, and anything after the value but blanks.  What
 * it accepts, cJSON accepts with the same values (tests/test_fastjson.c,
 * fuzz/fuzz_fastpath.c).
 */
#ifndef SW_FASTJSON_H
#define SW_FASTJSON_H

#include <stddef.h>
#include <stdint.h>

/* Enough for a 80-trade Finnhub batch (12 tokens a trade). */
#define SW_FJ_MAX_TOKENS 1024

typedef enum sw_fj_kind {
    SW_FJ_OBJECT = 1,
    SW_FJ_ARRAY = 2,
    SW_FJ_STRING = 3,
    SW_FJ_NUMBER = 4,
    SW_FJ_TRUE = 5,
    SW_FJ_FALSE = 6,
    SW_FJ_NULL = 7
} sw_fj_kind;

typedef struct sw_fj_node {
    uint8_t kind;           /* sw_fj_kind */
    uint8_t exact;          /* a number whose value num[] already holds */
    uint32_t start, end;    /* bytes of the value; a string's without its quotes */
    uint32_t next;          /* index of the node after this one's subtree */
} sw_fj_node;

typedef struct sw_fj {
    const char *js;
    size_t len;
    uint32_t n;
    sw_fj_node node[SW_FJ_MAX_TOKENS]; /* node 0 is the root, then document order */
    double num[SW_FJ_MAX_TOKENS];      /* numbers' values, converted while checked */
} sw_fj;

/* Tokenize and check msg[0..len).  Returns 0, or -1 if the message is not one
 * this reader answers for (see above): the caller then uses cJSON. */
int sw_fj_parse(sw_fj *m, const char *msg, size_t len);

static inline int sw_fj_is(const sw_fj *m, int i, sw_fj_kind k)
{
    return i >= 0 && m->node[i].kind == k;
}

/* The value of the first member named key (as cJSON_GetObjectItemCaseSensitive
 * finds it), or -1 (no such member, or obj not an object). */
int sw_fj_get(const sw_fj *m, int obj, const char *key, size_t keylen);
#define SW_FJ_GET(m, obj, lit) sw_fj_get((m), (obj), lit, sizeof(lit) - 1)

/* Up to 8 non-empty keys looked up together (sw_fj_fields). */
typedef struct sw_fj_keys {
    int n;
    const char *key[8];
    uint8_t len[8];
    uint8_t first[256];     /* bit f: key f begins with this byte */
} sw_fj_keys;

void sw_fj_keys_init(sw_fj_keys *k, const char *const *keys, int n);

/* sw_fj_get for every key of `keys` in one pass over obj's members: out[f]
 * gets the value of key f, or -1. */
void sw_fj_fields(const sw_fj *m, int obj, const sw_fj_keys *keys, int *out);

/* First element of an array or member value of an object (-1 if empty), and
 * the element after i in the same container (-1 at the end, given its end). */
static inline int sw_fj_first(const sw_fj *m, int i)
{
    if (m->node[i].next == (uint32_t)i + 1)
        return -1;
    return m->node[i].kind == SW_FJ_OBJECT ? i + 2 : i + 1;
}
static inline int sw_fj_after(const sw_fj *m, int container, int i)
{
    uint32_t nx = m->node[i].next;
    if (nx >= m->node[container].next)
        return -1;
    return m->node[container].kind == SW_FJ_OBJECT ? (int)nx + 1 : (int)nx;
}

/* A string's bytes (not NUL-terminated) and length. */
static inline const char *sw_fj_str(const sw_fj *m, int i, size_t *len)
{
    *len = m->node[i].end - m->node[i].start;
    return m->js + m->node[i].start;
}

/* A string node equal to lit? */
int sw_fj_str_eq(const sw_fj *m, int i, const char *lit, size_t litlen);
#define SW_FJ_STR_EQ(m, i, lit) sw_fj_str_eq((m), (i), lit, sizeof(lit) - 1)

/* A number node's value, equal bit for bit to what strtod gives for its text
 * (and so to cJSON's valuedouble). */
double sw_fj_number_slow(const sw_fj *m, int i);
static inline double sw_fj_number(const sw_fj *m, int i)
{
    return m->node[i].exact ? m->num[i] : sw_fj_number_slow(m, i);
}

/* A decimal written as text (a price in a JSON string, "101000.25"): an
 * optional sign, a digit, then only digits, '.', 'e', 'E', '+', '-', all of
 * it a number strtod reads in the C locale, without overflow or underflow.
 * Returns 0 with *out set to exactly what strtod gives, or -1.  `terminated`
 * says s[len] is a NUL; if it is not and the text is 64 bytes or longer, the
 * answer is -2: ask again with a terminated copy (cJSON's).  The one place
 * both JSON paths turn price strings into numbers. */
int sw_decimal_parse(const char *s, size_t len, int terminated, double *out);

#endif
