/* sw_tick.c -- names for the enums of sw_tick.h, and what a symbol may be. */
#include "sw_tick.h"

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

int sw_symbol_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= SW_SYMBOL_MAX)
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr(".-_/:^=", c)))
            return 0;
    }
    return 1;
}
