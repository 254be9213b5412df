/* sw_conditions.c -- see sw_conditions.h. */
#include "sw_conditions.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Where a table's rows start for each one-byte code and each small number,
 * built on first use: a trade's codes are looked up on the hot path (rows
 * of one code are adjacent in a table). */
#define BY_ID 128

typedef struct cond_index {
    const sw_cond_table *t;
    int16_t by_byte[256];   /* first row of the one-byte code, -1 if none */
    int16_t by_id[BY_ID];   /* first row of the number, -1 if none */
} cond_index;

static const cond_index *index_of(const sw_cond_table *t)
{
    static cond_index idx[4];
    static size_t n;
    for (size_t i = 0; i < n; i++)
        if (idx[i].t == t)
            return &idx[i];
    if (n == sizeof idx / sizeof idx[0])
        abort(); /* more tables than adapters: a programming error */
    cond_index *x = &idx[n];
    x->t = t;
    memset(x->by_byte, 0xff, sizeof x->by_byte);
    memset(x->by_id, 0xff, sizeof x->by_id);
    for (size_t r = t->n; r-- > 0;) {
        const sw_cond_rule *c = &t->rules[r];
        if (c->code && c->code[0] && !c->code[1])
            x->by_byte[(unsigned char)c->code[0]] = (int16_t)r;
        if (!c->code && c->id >= 0 && c->id < BY_ID)
            x->by_id[c->id] = (int16_t)r;
    }
    return &idx[n++];
}

unsigned sw_cond_tape(const char *z, size_t len)
{
    if (len != 1)
        return 0;
    switch (z[0]) {
    case 'A': return SW_TAPE_A;
    case 'B': return SW_TAPE_B;
    case 'C': return SW_TAPE_C;
    default: return 0;
    }
}

static void add_rule(const sw_cond_rule *r, sw_cond_acc *a)
{
    if ((r->flags & SW_TICK_NO_LAST) && !(a->flags & SW_TICK_NO_LAST))
        a->reason = r->reason;
    a->flags |= r->flags;
}

static int on_tape(const sw_cond_rule *r, unsigned tape)
{
    return !r->tapes || !tape || (r->tapes & tape);
}

void sw_cond_add_code(const sw_cond_table *t, unsigned tape, const char *code, size_t len, sw_cond_acc *a)
{
    if (len == 1) {
        int r = index_of(t)->by_byte[(unsigned char)code[0]];
        for (; r >= 0 && (size_t)r < t->n && t->rules[r].code && t->rules[r].code[0] == code[0] &&
               !t->rules[r].code[1];
             r++)
            if (on_tape(&t->rules[r], tape))
                add_rule(&t->rules[r], a);
        return;
    }
    for (size_t r = 0; r < t->n; r++) {
        const sw_cond_rule *c = &t->rules[r];
        if (c->code && strlen(c->code) == len && memcmp(c->code, code, len) == 0 && on_tape(c, tape))
            add_rule(c, a);
    }
}

int sw_cond_add_id(const sw_cond_table *t, double x, sw_cond_acc *a)
{
    if (!isfinite(x) || x != floor(x))
        return -1;
    if (x < 0 || x >= BY_ID)
        return 0; /* a number no table has: unknown, restricts nothing */
    int id = (int)x;
    for (int r = index_of(t)->by_id[id]; r >= 0 && (size_t)r < t->n && !t->rules[r].code && t->rules[r].id == id;
         r++)
        add_rule(&t->rules[r], a);
    return 0;
}

/* What a trade with the codes of `rows`, on `tape`, reads as: the parse's
 * own verdict, every row of each code included. */
static sw_cond_acc read_back(const sw_cond_table *t, const sw_cond_rule *const *rows, size_t n, unsigned tape)
{
    sw_cond_acc a;
    sw_cond_start(&a);
    for (size_t i = 0; i < n; i++) {
        if (rows[i]->code)
            sw_cond_add_code(t, tape, rows[i]->code, strlen(rows[i]->code), &a);
        else
            (void)sw_cond_add_id(t, rows[i]->id, &a);
    }
    return a;
}

int sw_cond_encode(const sw_cond_table *t, unsigned tape, uint32_t flags, int reason, const sw_cond_rule **out,
                   size_t cap)
{
    uint32_t want = flags & SW_COND_FLAGS, have = 0;
    size_t n = 0;
    if (!(want & SW_TICK_NO_LAST))
        reason = SW_EXCL_NONE;
    /* The reason first: the first ineligible condition names it. */
    for (size_t r = 0; r < t->n && (want & SW_TICK_NO_LAST) && !n; r++) {
        const sw_cond_rule *c = &t->rules[r];
        if ((c->flags & SW_TICK_NO_LAST) && c->reason == reason && !(c->flags & ~want) &&
            (!c->tapes || (c->tapes & tape))) {
            out[n++] = c;
            have |= c->flags;
        }
    }
    if ((want & SW_TICK_NO_LAST) && !n)
        return -1;
    /* Then one row for each flag still missing. */
    for (uint32_t bit = 1; bit && bit <= want; bit <<= 1) {
        if (!(want & bit) || (have & bit))
            continue;
        for (size_t r = 0; r < t->n; r++) {
            const sw_cond_rule *c = &t->rules[r];
            if ((c->flags & bit) && !(c->flags & ~want) && (!(c->flags & SW_TICK_NO_LAST) || (have & SW_TICK_NO_LAST)) &&
                (!c->tapes || (c->tapes & tape))) {
                if (n == cap)
                    return -1;
                out[n++] = c;
                have |= c->flags;
                break;
            }
        }
    }
    if (have != want)
        return -1;
    if (!n) {
        /* A regular sale: the table's first row that restricts nothing (the
         * tables put theirs first). */
        for (size_t r = 0; r < t->n && !n; r++)
            if (!t->rules[r].flags && (!t->rules[r].tapes || (t->rules[r].tapes & tape)))
                out[n++] = &t->rules[r];
        if (!n)
            return -1;
    }
    sw_cond_acc back = read_back(t, out, n, tape);
    if (back.flags != want || back.reason != reason)
        return -1;
    return (int)n;
}
