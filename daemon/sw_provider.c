/* sw_provider.c -- the registry of provider adapters, see sw_provider.h. */
#include "sw_provider.h"

#include <string.h>

static const sw_provider providers[] = {
    { "finnhub", "wss://ws.finnhub.io", sw_finnhub_parse },
};

const sw_provider *sw_provider_find(const char *name)
{
    for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++)
        if (strcmp(providers[i].name, name) == 0)
            return &providers[i];
    return NULL;
}
