/*
 * sw_symtab.h -- symbol -> index hash table for the engine's per-symbol state.
 *
 * Open addressing with linear probing over a power-of-two slot array that is
 * sized once, when the watchlist is known, to keep the load factor at or below
 * 1/2: a lookup is O(1) and never allocates, which is what the per-tick path
 * needs.  Keys are not copied: the table stores indexes into the caller's array
 * of names, so the names must outlive the table.  Each 32-bit slot also
 * keeps high bits of the key's hash beside the index (as many as the index
 * leaves: 18 for 10 000 keys), so a lookup hashes the name once and compares
 * strings only where that tag matches: probing past other symbols never
 * touches their names (at 10 000 symbols, each such touch is a cache miss),
 * and the table stays small enough to live in the cache (128 KiB).
 */
#ifndef SW_SYMTAB_H
#define SW_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

#define SW_SYMTAB_EMPTY UINT32_MAX

typedef struct sw_symtab {
    uint32_t *slots;      /* tag << idx_bits | index, or SW_SYMTAB_EMPTY */
    unsigned idx_bits;
    size_t mask;          /* number of slots - 1 */
    size_t count;
    size_t capacity;      /* most keys the table accepts (slots / 2) */
    const char *const *names; /* names[i] is the key of index i */
    size_t name_stride;   /* bytes between consecutive names (see sw_symtab_init) */
    const char *name_base;
} sw_symtab;

/* Prepare a table for up to `capacity` keys (at most 2^27).  Names are found as
 * name_base + i * name_stride, so the table can index an array of structs that
 * begin with (or contain at a fixed offset) a NUL-terminated name.
 * Returns 0 or -1 on allocation failure. */
int sw_symtab_init(sw_symtab *t, size_t capacity, const char *name_base, size_t name_stride);
void sw_symtab_free(sw_symtab *t);

/* The index held by slot i, or SW_SYMTAB_EMPTY (for tests). */
static inline uint32_t sw_symtab_slot_index(const sw_symtab *t, size_t i)
{
    uint32_t s = t->slots[i];
    return s == SW_SYMTAB_EMPTY ? s : s & ((UINT32_C(1) << t->idx_bits) - 1);
}

/* FNV-1a of a NUL-terminated string; exposed for tests and other tables. */
uint64_t sw_hash_str(const char *s);

/* Index of `name`, or SW_SYMTAB_EMPTY. */
uint32_t sw_symtab_find(const sw_symtab *t, const char *name);

/* The index of the first entry whose hash tag matches name's, without
 * comparing names (cheap: the names are not touched), or SW_SYMTAB_EMPTY.
 * Usually name's index; check it before relying on it. */
uint32_t sw_symtab_guess(const sw_symtab *t, const char *name);

/* Insert index `idx` (whose name must already be in place).  Returns 0, 1 if the
 * name was present already (nothing changed), or -1 if the table is full. */
int sw_symtab_insert(sw_symtab *t, uint32_t idx);

#endif
