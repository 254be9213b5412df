/*
 * sw_nearest.h -- "did you mean": the known name closest to what someone
 * typed, for the config loader's unknown keys and detector types and for
 * shock-notify's silence matchers, channels and groups.
 *
 * Closeness is the edit distance (insertions, deletions, substitutions;
 * letters compared without case), and only a near miss counts: at most 2
 * edits; the first of equally close names wins.  Names longer than 40
 * bytes are never close.
 */
#ifndef SW_NEAREST_H
#define SW_NEAREST_H

#include <stddef.h>

/* Edit distance of a and b, case-insensitive (99 when either is over 40 bytes). */
size_t sw_edit_distance(const char *a, const char *b);

/* The closest of names[0..n) within the rule above, or NULL. */
const char *sw_nearest(const char *typed, const char *const *names, size_t n);

#endif
