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
    size_t slots = 8;
    while (slots < capacity * 2)
        slots <<= 1;
    t->slots = malloc(slots * sizeof *t->slots);
    if (!t->slots)
        return -1;
    memset(t->slots, 0xff, slots * sizeof *t->slots); /* every idx SW_SYMTAB_EMPTY */
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

uint32_t sw_symtab_find(const sw_symtab *t, const char *name)
{
    uint64_t h = sw_hash_str(name);
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & t->mask;
    for (;;) {
        const sw_symtab_slot *s = &t->slots[i];
        if (s->idx == SW_SYMTAB_EMPTY)
            return SW_SYMTAB_EMPTY;
        if (s->tag == tag && same(name_of(t, s->idx), name))
            return s->idx;
        i = (i + 1) & t->mask;
    }
}

uint32_t sw_symtab_guess(const sw_symtab *t, const char *name)
{
    uint64_t h = sw_hash_str(name);
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & t->mask;
    for (;;) {
        const sw_symtab_slot *s = &t->slots[i];
        if (s->idx == SW_SYMTAB_EMPTY || s->tag == tag)
            return s->idx;
        i = (i + 1) & t->mask;
    }
}

int sw_symtab_insert(sw_symtab *t, uint32_t idx)
{
    const char *name = name_of(t, idx);
    uint64_t h = sw_hash_str(name);
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & t->mask;
    for (;;) {
        const sw_symtab_slot *s = &t->slots[i];
        if (s->idx == SW_SYMTAB_EMPTY)
            break;
        if (s->tag == tag && same(name_of(t, s->idx), name))
            return 1;
        i = (i + 1) & t->mask;
    }
    /* Checked after the duplicate search so that re-inserting a known name into
     * a full table still answers "present". */
    if (t->count >= t->capacity)
        return -1;
    t->slots[i].idx = idx;
    t->slots[i].tag = tag;
    t->count++;
    return 0;
}
