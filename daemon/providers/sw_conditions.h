/*
 * sw_conditions.h -- trade conditions the way the consolidated tape reads
 * them: each provider's table of sale-condition codes (one per adapter:
 * sw_alpaca.c, sw_polygon.c) and the rules that turn a trade's codes into
 * the tick's eligibility flags.
 *
 * The CTA and UTP plans say, per sale condition, whether a trade may update
 * the consolidated last sale price, the high and low, and the volume; a
 * trade carries up to four conditions and the strictest rule wins (a rule
 * that says "no" for any of them says "no" for the trade).  In a tick:
 *  - SW_TICK_NO_LAST: some condition keeps it from the last price -- an
 *    average-price or prior-reference print, one reported out of sequence,
 *    an odd lot...  The engine never lets it reach a detector's price; the
 *    first such condition gives the reason (sw_excl_reason), counted per
 *    reason in shockd's summary and /metrics;
 *  - SW_TICK_NO_VOLUME, SW_TICK_NO_HIGH_LOW: the other two columns;
 *  - SW_TICK_OFFICIAL_OPEN / _CLOSE: an opening or closing print (the
 *    listing market's official open or close, its opening or closing
 *    cross) that sets the session's open or close;
 *  - SW_TICK_ODD_LOT for the odd-lot condition.
 * A code the table does not know restricts nothing (the trade keeps the
 * other codes' verdict).  docs/feeds.md has each table as a reader sees it.
 *
 * The same table answers the other way for shock-feed (sw_emulate.c): the
 * codes that give a tick's flags back, so a recording converted into a
 * provider's protocol reads exactly as it was recorded.
 */
#ifndef SW_CONDITIONS_H
#define SW_CONDITIONS_H

#include "sw_tick.h"

#include <stddef.h>
#include <stdint.h>

/* The tape a trade is on (Alpaca "z"): some letters mean one condition on
 * the CTA tapes (A, B: NYSE- and regional-listed) and another on the UTP
 * tape (C: Nasdaq-listed). */
enum {
    SW_TAPE_A = 1u << 0,
    SW_TAPE_B = 1u << 1,
    SW_TAPE_C = 1u << 2,
    SW_TAPE_CTA = SW_TAPE_A | SW_TAPE_B
};

/* The tick flags a condition can set. */
#define SW_COND_FLAGS                                                                            \
    (SW_TICK_NO_LAST | SW_TICK_NO_VOLUME | SW_TICK_NO_HIGH_LOW | SW_TICK_OFFICIAL_OPEN |           \
     SW_TICK_OFFICIAL_CLOSE | SW_TICK_ODD_LOT)

/* Shorthands for the tables' rows. */
#define SW_COND_VOLUME_ONLY (SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW) /* counts toward volume only */
#define SW_COND_NOT_A_TRADE (SW_TICK_NO_LAST | SW_TICK_NO_HIGH_LOW | SW_TICK_NO_VOLUME)

typedef struct sw_cond_rule {
    const char *code;       /* as the provider writes it ("W", "@", " "); NULL: by number */
    int id;                 /* the provider's number (Polygon); -1 when by text */
    unsigned tapes;         /* SW_TAPE_* it applies on; 0: any tape */
    uint32_t flags;         /* within SW_COND_FLAGS */
    uint8_t reason;         /* sw_excl_reason, with SW_TICK_NO_LAST */
    const char *name;       /* the plans' name for it */
} sw_cond_rule;

typedef struct sw_cond_table {
    const char *provider;
    const sw_cond_rule *rules;
    size_t n;
} sw_cond_table;

/* A trade's conditions so far: start with sw_cond_start, add each code. */
typedef struct sw_cond_acc {
    uint32_t flags;
    uint8_t reason;         /* of the first condition with SW_TICK_NO_LAST */
} sw_cond_acc;

static inline void sw_cond_start(sw_cond_acc *a)
{
    a->flags = 0;
    a->reason = SW_EXCL_NONE;
}

/* The tape of a "z" string ("A", "B", "C"); 0 for anything else (an
 * unknown tape: every row of a code applies, so the strictest wins). */
unsigned sw_cond_tape(const char *z, size_t len);

/* Add the condition written as text (len bytes, not NUL-terminated). */
void sw_cond_add_code(const sw_cond_table *t, unsigned tape, const char *code, size_t len, sw_cond_acc *a);

/* Add the condition given by number.  Returns 0, or -1 if x is not a whole
 * number (the trade is then malformed). */
int sw_cond_add_id(const sw_cond_table *t, double x, sw_cond_acc *a);

/* The rows whose codes, on `tape` (one SW_TAPE_* bit), give back exactly
 * `flags` (its SW_COND_FLAGS part) and `reason`: up to cap rows into out.
 * Returns how many (1 at least: a regular sale for plain flags), or -1 when
 * the table cannot express them. */
int sw_cond_encode(const sw_cond_table *t, unsigned tape, uint32_t flags, int reason, const sw_cond_rule **out,
                   size_t cap);

/* The adapters' tables (sw_alpaca.c, sw_polygon.c). */
extern const sw_cond_table sw_alpaca_conditions;
extern const sw_cond_table sw_polygon_conditions;

#endif
