/*
 * sw_strlist.h -- a list of strings from a JSON array of the config (mail
 * recipients, header lines, channel names, Sentinel addresses).
 *
 * config/ fills it through its OPT_STRINGS rows (each element non-empty and
 * bounded by the row's length); the structs of alerts/ and alerts/notify/
 * that hold such lists own them (malloc'd) and free them here.
 */
#ifndef SW_STRLIST_H
#define SW_STRLIST_H

#include <stddef.h>

typedef struct sw_str_list {
    char **v;
    size_t n;
} sw_str_list;

void sw_str_list_free(sw_str_list *l);

/* A deep copy into *dst (empty when src is).  Returns 0, or -1 (out of
 * memory; *dst is then empty). */
int sw_str_list_copy(sw_str_list *dst, const sw_str_list *src);

#endif
