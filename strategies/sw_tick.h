/*
 * sw_tick.h -- the normalized market event that every source produces and every
 * detector consumes, and the alert candidate that detectors emit.
 *
 * strategies/ owns these types so that it depends on nothing else of ours: sources
 * in daemon/ turn provider messages into sw_tick, the engine feeds them to the
 * detectors, and alerts/ turns sw_candidate into a delivered alert.  All times are
 * event times in nanoseconds since the Unix epoch (UTC); nothing here reads a clock.
 */
#ifndef SW_TICK_H
#define SW_TICK_H

#include <stddef.h>
#include <stdint.h>

/* Longest symbol we accept, including the terminating NUL.  Long enough for
 * "BTC-USD", "BRK.B" and option-style roots; anything longer is a bad message. */
#define SW_SYMBOL_MAX 24

/* Condition flags carried by a tick (bit set). */
enum {
    SW_TICK_PRICE_ONLY = 1u << 0, /* a price update without volume (Finnhub v = 0) */
    SW_TICK_ODD_LOT    = 1u << 1, /* provider marked the trade as odd lot */
    SW_TICK_EXTENDED   = 1u << 2, /* provider marked pre/post-market */
    SW_TICK_SYNTH_BAR  = 1u << 3, /* synthesized from an OHLCV bar, not a real print */
    SW_TICK_DAILY_BAR  = 1u << 4  /* with SYNTH_BAR: one of a daily bar's four ticks, whose
                                   * times (09:30, 11:40, 13:50, 16:00) stand for the day */
};

typedef struct sw_tick {
    char symbol[SW_SYMBOL_MAX];
    double price;       /* > 0 and finite: sources reject anything else */
    double size;        /* shares/contracts; 0 for price-only updates */
    int64_t ts_ns;      /* event time, ns since the epoch, UTC */
    uint32_t flags;     /* SW_TICK_* */
} sw_tick;

typedef enum sw_severity {
    SW_SEV_INFO = 0,
    SW_SEV_WARNING = 1,
    SW_SEV_CRITICAL = 2
} sw_severity;

const char *sw_severity_name(sw_severity s);

/* A symbol as the watchlist and the alert schema accept it: 1 to
 * SW_SYMBOL_MAX - 1 characters of A-Z 0-9 . - _ / : ^ = (upper case). */
int sw_symbol_valid(const char *s);
#define SW_SYMBOL_CHARS "A-Z 0-9 . - _ / : ^ ="

/* What a detector tells the policy. */
typedef enum sw_cand_kind {
    SW_CAND_FIRE = 0,   /* the condition holds (new, escalated or extended) */
    SW_CAND_CLEAR = 1   /* the condition that fired earlier no longer holds */
} sw_cand_kind;

/* One member line of a group (breadth) alert. */
typedef struct sw_member_move {
    const char *symbol;
    double change_pct;
} sw_member_move;

/*
 * An alert candidate.  Pointers refer to storage owned by the engine or the
 * detector and are valid only during the emit callback: the policy copies what it
 * keeps.  NaN marks "not applicable" for reference, change_pct and zscore.
 */
typedef struct sw_candidate {
    sw_cand_kind kind;
    const char *symbol;     /* symbol, or the group name for group alerts */
    const char *group;      /* group name for group alerts, else NULL */
    const char *detector;   /* detector type name, e.g. "pct_move" */
    int instance;           /* index of the detector in the config's list */
    sw_severity severity;
    int direction;          /* +1 up, -1 down, 0 none (stale, feed) */
    int64_t ts_ns;          /* event time of the triggering tick */
    double price;
    double reference;
    double change_pct;
    double zscore;
    double magnitude;       /* |score| in the detector's own unit, for hysteresis */
    double step;            /* one level step in the same unit (0: no extension alerts) */
    const char *window;     /* "prev_close", "open", "5m", "1m", ... */
    const char *text;       /* the sentence a person reads */
    const sw_member_move *members; /* group alerts only */
    size_t n_members;
    int session;            /* sw_session_kind (sw_calendar.h) of ts_ns; 0: sw_engine_emit fills it
                             * in from the engine's calendar */
} sw_candidate;

#endif
