/*
 * sw_jsonarena.h -- a bump allocator behind cJSON for the per-message hot path.
 *
 * cJSON allocates every node and string with malloc; parsing a one-trade
 * Finnhub message costs a dozen malloc/free pairs, which is most of the
 * parse time.  Installed once at start (cJSON_InitHooks), this arena serves
 * allocations from one fixed block.  A parse brackets its work with
 * sw_jsonarena_mark() / sw_jsonarena_release(): everything allocated since the
 * mark is dropped at once after cJSON_Delete.  Requests that do not fit fall
 * back to malloc, and free() recognises which is which, so code that never
 * marks (config loading, alert encoding) keeps working unchanged.  The daemon
 * is single-threaded on its loop; the arena is not thread-safe.
 */
#ifndef SW_JSONARENA_H
#define SW_JSONARENA_H

#include <stddef.h>

#define SW_JSONARENA_SIZE (1u << 20)

/* Install the hooks.  Returns 0 or -1 if the block cannot be allocated (then
 * cJSON keeps using malloc). */
int sw_jsonarena_install(void);
/* Restore cJSON's default allocator and free the block. */
void sw_jsonarena_uninstall(void);

size_t sw_jsonarena_mark(void);
/* Drop every allocation made since `mark`.  Only call it once every cJSON
 * object allocated since the mark has been deleted. */
void sw_jsonarena_release(size_t mark);

#endif
