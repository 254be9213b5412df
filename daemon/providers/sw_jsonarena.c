/* sw_jsonarena.c -- see sw_jsonarena.h. */
#include "sw_jsonarena.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>

static unsigned char *block;
static size_t used;

static void *arena_malloc(size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (block && need <= SW_JSONARENA_SIZE - used) {
        void *p = block + used;
        used += need;
        return p;
    }
    return malloc(n);
}

static void arena_free(void *p)
{
    /* Memory inside the block is reclaimed by sw_jsonarena_release. */
    if (block && (uintptr_t)p >= (uintptr_t)block && (uintptr_t)p < (uintptr_t)block + SW_JSONARENA_SIZE)
        return;
    free(p);
}

int sw_jsonarena_install(void)
{
    if (block)
        return 0;
    block = aligned_alloc(16, SW_JSONARENA_SIZE);
    if (!block)
        return -1;
    used = 0;
    cJSON_Hooks h = { arena_malloc, arena_free };
    cJSON_InitHooks(&h);
    return 0;
}

void sw_jsonarena_uninstall(void)
{
    cJSON_InitHooks(NULL);
    free(block);
    block = NULL;
    used = 0;
}

size_t sw_jsonarena_mark(void)
{
    return used;
}

void sw_jsonarena_release(size_t mark)
{
    if (mark <= used)
        used = mark;
}
