/* sw_tick.c -- names for the enums of sw_tick.h. */
#include "sw_tick.h"

const char *sw_severity_name(sw_severity s)
{
    switch (s) {
    case SW_SEV_INFO: return "info";
    case SW_SEV_WARNING: return "warning";
    case SW_SEV_CRITICAL: return "critical";
    }
    return "unknown";
}
