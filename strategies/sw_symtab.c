/* sw_symtab.c -- see sw_symtab.h. */
#include "sw_symtab.h"

#include <stdlib.h>
#include <string.h>

uint64_t sw_hash_str(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static const char *name_of(const sw_symtab *t, uint32_t idx)
{
    return t->name_base + (size_t)idx * t->name_stride;
}

int sw_symtab_init(sw_symtab *t, size_t capacity, const char *name_base, size_t name_stride)
{
    memset(t, 0, sizeof *t);
    if (capacity > ((size_t)1 << 27))
        return -1;
    size_t slots = 8;
    while (slots < capacity * 2)
        slots <<= 1;
    /* Room for every index below slots / 2 with the all-ones pattern left
     * over for SW_SYMTAB_EMPTY; the rest of the 32 bits is the tag. */
    t->idx_bits = 1;
    while (((size_t)1 << t->idx_bits) <= slots / 2)
        t->idx_bits++;
    t->slots = malloc(slots * sizeof *t->slots);
    if (!t->slots)
        return -1;
    memset(t->slots, 0xff, slots * sizeof *t->slots); /* all SW_SYMTAB_EMPTY */
    t->mask = slots - 1;
    t->capacity = slots / 2;
    t->name_base = name_base;
    t->name_stride = name_stride;
    return 0;
}

void sw_symtab_free(sw_symtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->count = 0;
}

static int same(const char *a, const char *b)
{
    /* Symbols are a few bytes: a loop beats a call to strcmp. */
    while (*a == *b && *a) {
        a++;
        b++;
    }
    return *a == *b;
}

/* The tag bits of hash h as they sit in a slot (above the index bits). */
static uint32_t tag_of(const sw_symtab *t, uint64_t h)
{
    return (uint32_t)(h >> (32 + t->idx_bits)) << t->idx_bits;
}

/* Walk name's probe chain: the index whose tag matches and, when `check`,
 * whose name is name; SW_SYMTAB_EMPTY at the chain's end.  *slot gets where
 * the walk stopped. */
static uint32_t probe(const sw_symtab *t, const char *name, int check, size_t *slot, uint32_t *tag)
{
    uint64_t h = sw_hash_str(name);
    uint32_t low = (UINT32_C(1) << t->idx_bits) - 1;
    *tag = tag_of(t, h);
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        uint32_t s = t->slots[i];
        *slot = i;
        if (s == SW_SYMTAB_EMPTY)
            return SW_SYMTAB_EMPTY;
        if ((s & ~low) == *tag && (!check || same(name_of(t, s & low), name)))
            return s & low;
    }
}

uint32_t sw_symtab_find(const sw_symtab *t, const char *name)
{
    size_t slot;
    uint32_t tag;
    return probe(t, name, 1, &slot, &tag);
}

uint32_t sw_symtab_guess(const sw_symtab *t, const char *name)
{
    size_t slot;
    uint32_t tag;
    return probe(t, name, 0, &slot, &tag);
}

int sw_symtab_insert(sw_symtab *t, uint32_t idx)
{
    size_t slot;
    uint32_t tag;
    if (probe(t, name_of(t, idx), 1, &slot, &tag) != SW_SYMTAB_EMPTY)
        return 1;
    /* Checked after the duplicate search so that re-inserting a known name into
     * a full table still answers "present". */
    if (t->count >= t->capacity || idx >= (UINT32_C(1) << t->idx_bits) - 1)
        return -1;
    t->slots[slot] = tag | idx;
    t->count++;
    return 0;
}
