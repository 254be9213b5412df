/*
 * test_symtab.c -- strategies/sw_symtab: the symbol -> index hash table.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_symtab.h"

#define NAME_LEN 16

/* FNV-1a structure: h(s + c) = (h(s) ^ c) * 1099511628211 mod 2^64, from the
 * published basis 14695981039346656037; the published test vectors pin it (alert ids are derived from this hash). */
Test(symtab, hash_is_fnv1a_recurrence)
{
    const uint64_t prime = UINT64_C(1099511628211);
    uint64_t h0 = sw_hash_str("");
    cr_assert_neq(h0, 0u);
    cr_assert_eq(sw_hash_str("a"), (h0 ^ 0x61) * prime);
    cr_assert_eq(sw_hash_str("ab"), ((h0 ^ 0x61) * prime ^ 0x62) * prime);
    /* Bytes are taken unsigned: 0xE9 is XORed as 233, not as -23. */
    cr_assert_eq(sw_hash_str("\xe9"), (h0 ^ 0xE9) * prime);
    cr_assert_neq(sw_hash_str("NVDA"), sw_hash_str("NVDB"));
    cr_assert_neq(sw_hash_str("AB"), sw_hash_str("BA"));
    /* Published FNV-1a 64 test vectors. */
    cr_assert_eq(h0, UINT64_C(0xcbf29ce484222325));
    cr_assert_eq(sw_hash_str("a"), UINT64_C(0xaf63dc4c8601ec8c));
    cr_assert_eq(sw_hash_str("foobar"), UINT64_C(0x85944171f73967e8));
}

Test(symtab, sizing)
{
    sw_symtab t;
    /* 10 keys need >= 20 slots: the next power of two is 32, half of it usable. */
    cr_assert_eq(sw_symtab_init(&t, 10, NULL, NAME_LEN), 0);
    cr_assert_eq(t.mask, 31u);
    cr_assert_eq(t.capacity, 16u);
    cr_assert_eq(t.count, 0u);
    sw_symtab_free(&t);
    cr_assert_null(t.slots);
    /* Even 0 keys get the minimum of 8 slots. */
    cr_assert_eq(sw_symtab_init(&t, 0, NULL, NAME_LEN), 0);
    cr_assert_eq(t.mask, 7u);
    cr_assert_eq(t.capacity, 4u);
    sw_symtab_free(&t);
}

Test(symtab, ten_thousand_keys)
{
    enum { N = 10000 };
    char(*names)[NAME_LEN] = calloc(N + 1, NAME_LEN);
    cr_assert_not_null(names);
    for (int i = 0; i < N; i++)
        snprintf(names[i], NAME_LEN, "S%05d.X", i);
    sw_symtab t;
    cr_assert_eq(sw_symtab_init(&t, N, names[0], NAME_LEN), 0);
    cr_assert_geq(t.capacity, (size_t)N);
    for (uint32_t i = 0; i < N; i++)
        cr_assert_eq(sw_symtab_insert(&t, i), 0, "insert %u", i);
    cr_assert_eq(t.count, (size_t)N);
    for (uint32_t i = 0; i < N; i++) {
        char key[NAME_LEN];
        snprintf(key, sizeof key, "S%05u.X", i); /* a different buffer than the table's */
        cr_assert_eq(sw_symtab_find(&t, key), i, "find %s", key);
    }
    /* Re-inserting any known name changes nothing and answers 1. */
    for (uint32_t i = 0; i < N; i += 97)
        cr_assert_eq(sw_symtab_insert(&t, i), 1);
    cr_assert_eq(t.count, (size_t)N);
    /* A second index carrying an existing name is a duplicate too. */
    snprintf(names[N], NAME_LEN, "S04242.X");
    cr_assert_eq(sw_symtab_insert(&t, N), 1);
    cr_assert_eq(sw_symtab_find(&t, "S04242.X"), 4242u);
    /* Missing keys, including prefixes and extensions of present ones. */
    cr_assert_eq(sw_symtab_find(&t, "S10000.X"), SW_SYMTAB_EMPTY);
    cr_assert_eq(sw_symtab_find(&t, "S0000"), SW_SYMTAB_EMPTY);
    cr_assert_eq(sw_symtab_find(&t, "S00000.XY"), SW_SYMTAB_EMPTY);
    cr_assert_eq(sw_symtab_find(&t, ""), SW_SYMTAB_EMPTY);
    sw_symtab_free(&t);
    free(names);
}

Test(symtab, full_table)
{
    static const char names[6][NAME_LEN] = { "AAPL", "MSFT", "NVDA", "AMD", "TSLA", "INTC" };
    sw_symtab t;
    cr_assert_eq(sw_symtab_init(&t, 4, names[0], NAME_LEN), 0);
    cr_assert_eq(t.capacity, 4u); /* 8 slots */
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(sw_symtab_insert(&t, i), 0);
    cr_assert_eq(sw_symtab_insert(&t, 4), -1);     /* TSLA: full */
    cr_assert_eq(t.count, 4u);
    cr_assert_eq(sw_symtab_find(&t, "TSLA"), SW_SYMTAB_EMPTY);
    cr_assert_eq(sw_symtab_insert(&t, 2), 1);      /* NVDA: known, full or not */
    cr_assert_eq(sw_symtab_insert(&t, 5), -1);
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(sw_symtab_find(&t, names[i]), i);
    sw_symtab_free(&t);
}

/* Force collisions: pick names whose hashes land in the same slot of an
 * 8-slot table (and its neighbour, so probe chains run into each other and
 * wrap around the end of the array). */
Test(symtab, collisions_and_wraparound)
{
    char names[64][NAME_LEN];
    int n = 0;
    /* Three names hashing to slot 7 (the last one: probing must wrap to 0)
     * and one hashing to slot 0. */
    int want7 = 3, want0 = 1;
    char cand[NAME_LEN];
    for (int i = 0; i < 100000 && (want7 || want0); i++) {
        snprintf(cand, sizeof cand, "K%d", i);
        size_t slot = (size_t)sw_hash_str(cand) & 7;
        if (slot == 7 && want7) {
            snprintf(names[n++], NAME_LEN, "%s", cand);
            want7--;
        } else if (slot == 0 && want0 && want7 == 0) {
            snprintf(names[n++], NAME_LEN, "%s", cand);
            want0--;
        }
    }
    cr_assert_eq(n, 4);
    sw_symtab t;
    cr_assert_eq(sw_symtab_init(&t, 4, names[0], NAME_LEN), 0);
    cr_assert_eq(t.mask, 7u);
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(sw_symtab_insert(&t, i), 0);
    /* Slots 7, 0, 1 hold the three slot-7 names, slot 2 the slot-0 name, which
     * had to probe past two of them. */
    cr_assert_eq(sw_symtab_slot_index(&t, 7), 0u);
    cr_assert_eq(sw_symtab_slot_index(&t, 0), 1u);
    cr_assert_eq(sw_symtab_slot_index(&t, 1), 2u);
    cr_assert_eq(sw_symtab_slot_index(&t, 2), 3u);
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(sw_symtab_find(&t, names[i]), i, "find %s", names[i]);
    /* A missing name that also hashes to slot 7 walks the whole chain and
     * stops at the first empty slot (3). */
    for (int i = 100000;; i++) {
        snprintf(cand, sizeof cand, "K%d", i);
        if ((sw_hash_str(cand) & 7) == 7)
            break;
    }
    cr_assert_eq(sw_symtab_find(&t, cand), SW_SYMTAB_EMPTY);
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(sw_symtab_insert(&t, i), 1);
    sw_symtab_free(&t);
}

/* Names inside an array of structs, at a fixed offset and stride. */
typedef struct rec {
    double price;
    char name[12];
    int extra;
} rec;

Test(symtab, names_inside_structs)
{
    rec recs[3] = { { 1.0, "AAPL", 0 }, { 2.0, "BRK.B", 0 }, { 3.0, "BTC-USD", 0 } };
    sw_symtab t;
    cr_assert_eq(sw_symtab_init(&t, 3, (const char *)recs + offsetof(rec, name), sizeof(rec)), 0);
    for (uint32_t i = 0; i < 3; i++)
        cr_assert_eq(sw_symtab_insert(&t, i), 0);
    cr_assert_eq(sw_symtab_find(&t, "BRK.B"), 1u);
    cr_assert_eq(sw_symtab_find(&t, "BTC-USD"), 2u);
    cr_assert_eq(sw_symtab_find(&t, "AAPL"), 0u);
    cr_assert_eq(sw_symtab_find(&t, "BRK"), SW_SYMTAB_EMPTY);
    sw_symtab_free(&t);
}

/* sw_symtab_guess: the hash tag alone finds every present name. */
Test(symtab, guess_by_tag_matches_find)
{
    enum { N = 10000 };
    char(*names)[NAME_LEN] = calloc(N, NAME_LEN);
    cr_assert_not_null(names);
    for (int i = 0; i < N; i++)
        snprintf(names[i], NAME_LEN, "S%05d", i);
    sw_symtab t;
    cr_assert_eq(sw_symtab_init(&t, N, names[0], NAME_LEN), 0);
    for (uint32_t i = 0; i < N; i++)
        cr_assert_eq(sw_symtab_insert(&t, i), 0);
    for (uint32_t i = 0; i < N; i++)
        cr_assert_eq(sw_symtab_guess(&t, names[i]), i, "%s", names[i]);
    /* An absent name: an empty slot, or some index that find then refuses. */
    uint32_t g = sw_symtab_guess(&t, "NVDA");
    cr_expect(g == SW_SYMTAB_EMPTY || strcmp(names[g], "NVDA") != 0);
    cr_expect_eq(sw_symtab_find(&t, "NVDA"), SW_SYMTAB_EMPTY);
    sw_symtab_free(&t);
    free(names);
}
