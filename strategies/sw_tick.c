/* sw_tick.c -- names for the enums of sw_tick.h, and what a symbol may be. */
#include "sw_tick.h"
#include "sw_engine.h" /* SW_GROUP_NAME_MAX */

#include <string.h>

const char *sw_severity_name(sw_severity s)
{
    switch (s) {
    case SW_SEV_INFO: return "info";
    case SW_SEV_WARNING: return "warning";
    case SW_SEV_CRITICAL: return "critical";
    }
    return "unknown";
}

/* 1 to max - 1 characters, each an upper-case letter, a digit, a lower-case
 * letter if allowed, or one of punct. */
static int chars_valid(const char *s, size_t max, int lower, const char *punct)
{
    size_t n = strlen(s);
    if (n == 0 || n >= max)
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (lower && c >= 'a' && c <= 'z') || strchr(punct, c)))
            return 0;
    }
    return 1;
}

int sw_symbol_valid(const char *s)
{
    return chars_valid(s, SW_SYMBOL_MAX, 0, ".-_/:^=");
}

/* Declared in sw_engine.h with the group name's size; defined here, next to
 * its twin. */
int sw_group_name_valid(const char *s)
{
    return chars_valid(s, SW_GROUP_NAME_MAX, 1, "_-");
}

const char *sw_excl_name(int reason)
{
    static const char *const names[SW_EXCL_N] = {
        "none", "average_price", "cash", "next_day", "price_variation", "odd_lot", "seller",
        "out_of_sequence", "prior_reference", "contingent", "derivatively_priced", "bunched_sold",
        "official_price",
    };
    return reason >= 0 && reason < SW_EXCL_N ? names[reason] : "?";
}

/* Every source copies ticks by value, in the hot path: the status fields
 * share the price's bytes so that a tick stays 56 bytes. */
_Static_assert(sizeof(sw_tick) == 56, "sw_tick grew");
