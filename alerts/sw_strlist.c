/* sw_strlist.c -- see sw_strlist.h. */
#include "sw_strlist.h"

#include <stdlib.h>
#include <string.h>

void sw_str_list_free(sw_str_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int sw_str_list_copy(sw_str_list *dst, const sw_str_list *src)
{
    dst->v = NULL;
    dst->n = 0;
    if (!src->n)
        return 0;
    if (!(dst->v = calloc(src->n, sizeof *dst->v)))
        return -1;
    for (size_t i = 0; i < src->n; i++) {
        if (!(dst->v[i] = strdup(src->v[i]))) {
            sw_str_list_free(dst);
            return -1;
        }
        dst->n++;
    }
    return 0;
}
