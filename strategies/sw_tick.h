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
    SW_TICK_DAILY_BAR  = 1u << 4, /* with SYNTH_BAR: one of a daily bar's four ticks, whose
                                   * times (09:30, 11:40, 13:50, 16:00) stand for the day */
    /* What the trade's sale conditions allow, the way the consolidated tape
     * reads them (the provider's condition table, daemon/providers/
     * sw_conditions.h; docs/feeds.md).  A trade with NO_LAST never reaches a
     * price-based detector: the engine hands it only to detectors that take
     * volume-only trades (sw_detector_type.takes) -- unless it also has
     * NO_VOLUME, then to none -- and it never moves the last price, the open
     * or the close.  `excluded` says why. */
    SW_TICK_NO_LAST    = 1u << 5, /* not eligible to update the last sale price */
    SW_TICK_NO_VOLUME  = 1u << 6, /* does not count toward volume */
    SW_TICK_NO_HIGH_LOW = 1u << 7, /* not eligible to update the day's high and low */
    SW_TICK_OFFICIAL_OPEN  = 1u << 8, /* an opening print: sets the session's open */
    SW_TICK_OFFICIAL_CLOSE = 1u << 9, /* a closing print: sets the session's close (and so
                                       * the next session's previous close), even when
                                       * stamped after the close */
    /* Not a trade: an event about the symbol's trading (the union below
     * holds its fields instead of a price and a size).  The engine hands
     * these only to detectors' on_status. */
    SW_TICK_STATUS     = 1u << 10, /* a trading status: `status`, `reason`, `reason_text` */
    SW_TICK_LULD       = 1u << 11, /* limit-up/limit-down bands: `limit_up`, `limit_down` */
    SW_TICK_HALT       = 1u << 12, /* with STATUS: trading is halted or paused */
    SW_TICK_RESUME     = 1u << 13, /* with STATUS: trading resumes */
    SW_TICK_ALWAYS_OPEN = 1u << 14 /* the symbol's market never closes (a crypto feed's
                                    * trades): no session, so no pause to infer */
};

/* Flags the engine takes off its common path: anything that is not an
 * ordinary trade. */
#define SW_TICK_SPECIAL \
    (SW_TICK_NO_LAST | SW_TICK_OFFICIAL_OPEN | SW_TICK_OFFICIAL_CLOSE | SW_TICK_STATUS | SW_TICK_LULD)
#define SW_TICK_EVENT (SW_TICK_STATUS | SW_TICK_LULD)

/* Why a trade was kept from the detectors' price (SW_TICK_NO_LAST): the
 * first of its sale conditions that makes it ineligible, grouped the way the
 * CTA and UTP plans name them.  Counted by the engine per reason
 * (sw_engine_stats.excluded), shown in shockd's summary and /metrics. */
typedef enum sw_excl_reason {
    SW_EXCL_NONE = 0,
    SW_EXCL_AVERAGE_PRICE,    /* average price trade (CTA B, UTP W) */
    SW_EXCL_CASH,             /* cash sale (C) */
    SW_EXCL_NEXT_DAY,         /* next day settlement (N) */
    SW_EXCL_PRICE_VARIATION,  /* price variation trade (H) */
    SW_EXCL_ODD_LOT,          /* odd lot (I) */
    SW_EXCL_SELLER,           /* seller's option (R) */
    SW_EXCL_OUT_OF_SEQUENCE,  /* sold out of sequence (Z), extended hours out of sequence (U) */
    SW_EXCL_PRIOR_REFERENCE,  /* prior reference price (P) */
    SW_EXCL_CONTINGENT,       /* contingent trade (V), qualified contingent trade (7) */
    SW_EXCL_DERIVATIVE,       /* derivatively priced (4) */
    SW_EXCL_BUNCHED_SOLD,     /* bunched sold trade (G) */
    SW_EXCL_OFFICIAL,         /* an official open or close report, not a trade (M, Q, 9) */
    SW_EXCL_N
} sw_excl_reason;

/* "average_price", ... (metrics labels, the summary line); "?" out of range. */
const char *sw_excl_name(int reason);

/* Longest trading status and reason codes a STATUS tick keeps (with NUL). */
#define SW_STATUS_CODE_MAX 3
#define SW_REASON_CODE_MAX 5

typedef struct sw_tick {
    char symbol[SW_SYMBOL_MAX];
    union {
        struct {
            double price;   /* > 0 and finite: sources reject anything else */
            double size;    /* shares/contracts; 0 for price-only updates */
        };
        struct {            /* SW_TICK_LULD: the bands, 0 where none */
            double limit_up, limit_down;
        };
        struct {            /* SW_TICK_STATUS: the tape's codes, NUL-terminated (cut to
                             * fit), and the provider's words for the reason: a string
                             * that lives as long as the process (the adapter interns
                             * it), or NULL */
            const char *reason_text;
            char status[SW_STATUS_CODE_MAX];
            char reason[SW_REASON_CODE_MAX];
        };
    };
    int64_t ts_ns;      /* event time, ns since the epoch, UTC */
    uint32_t flags;     /* SW_TICK_* */
    uint8_t excluded;   /* sw_excl_reason, meaningful with SW_TICK_NO_LAST */
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
    SW_CAND_CLEAR = 1,  /* the condition that fired earlier no longer holds */
    SW_CAND_RESOLVE = 2 /* as CLEAR, and the end is news in itself (a halted symbol trades
                         * again): a `resolved` info alert whatever policy.resolved says */
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
