/*
 * sw_symtab.h -- symbol -> index hash table for the engine's per-symbol state.
 *
 * Open addressing with linear probing over a power-of-two slot array that is
 * sized once, when the watchlist is known, to keep the load factor at or below
 * 1/2: a lookup is O(1) and never allocates, which is what the per-tick path
 * needs.  Keys are not copied: the table stores indexes into the caller's array
 * of names, so the names must outlive the table.  Each slot also keeps the
 * high half of the key's hash, so a lookup hashes the name once and compares
 * strings only where that tag matches: probing past other symbols never
 * touches their names (at 10 000 symbols, each such touch is a cache miss).
 */
#ifndef SW_SYMTAB_H
#define SW_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

#define SW_SYMTAB_EMPTY UINT32_MAX

typedef struct sw_symtab_slot {
    uint32_t idx;         /* index into names, or SW_SYMTAB_EMPTY */
    uint32_t tag;         /* high 32 bits of the name's sw_hash_str */
} sw_symtab_slot;

typedef struct sw_symtab {
    sw_symtab_slot *slots;
    size_t mask;          /* number of slots - 1 */
    size_t count;
    size_t capacity;      /* most keys the table accepts (slots / 2) */
    const char *const *names; /* names[i] is the key of index i */
    size_t name_stride;   /* bytes between consecutive names (see sw_symtab_init) */
    const char *name_base;
} sw_symtab;

/* Prepare a table for up to `capacity` keys.  Names are found as
 * name_base + i * name_stride, so the table can index an array of structs that
 * begin with (or contain at a fixed offset) a NUL-terminated name.
 * Returns 0 or -1 on allocation failure. */
int sw_symtab_init(sw_symtab *t, size_t capacity, const char *name_base, size_t name_stride);
void sw_symtab_free(sw_symtab *t);

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
