/*
 * sw_test_candidates.h -- a collector of the engine's candidates for the
 * detector tests (got[], their text and window copied, since the
 * candidate's own pointers live only during the callback), and the trades
 * of sw_test_tick.h.  Header-only (static): each test program includes it
 * once; define SW_TEST_MAX_GOT first for another capacity.
 */
#ifndef SW_TEST_CANDIDATES_H
#define SW_TEST_CANDIDATES_H

#include "sw_engine.h"
#include "sw_test_tick.h"

#include <stdio.h>
#include <string.h>

#ifndef SW_TEST_MAX_GOT
#define SW_TEST_MAX_GOT 64
#endif

static sw_candidate got[SW_TEST_MAX_GOT];
static char texts[SW_TEST_MAX_GOT][256];
static char windows[SW_TEST_MAX_GOT][16];
static int n_got;

static void collect(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    if (n_got < SW_TEST_MAX_GOT) {
        got[n_got] = *c;
        snprintf(texts[n_got], sizeof texts[n_got], "%s", c->text);
        snprintf(windows[n_got], sizeof windows[n_got], "%s", c->window ? c->window : "");
        got[n_got].text = texts[n_got];
        got[n_got].window = windows[n_got];
        n_got++;
    }
}

#endif
