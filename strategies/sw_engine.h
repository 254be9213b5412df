/*
 * sw_engine.h -- the per-symbol state machine that turns ticks into detector
 * calls, and the small interface every detector implements.
 *
 * The engine owns one record per watchlist name (found through sw_symtab in
 * O(1)): the sw_symbol header followed by every configured detector's slice
 * of per-symbol state, all records in one block.  A tick touches one record
 * only, contiguous, so at 10 000 symbols it costs a few neighbouring cache
 * lines (and one page) rather than lines scattered over two arrays.  It tracks each symbol's trading day in New York time so that the previous
 * close and the session open are known when a detector asks, and hands every
 * accepted tick to each configured detector together with that detector's slice
 * of the symbol's state.  All state is allocated once in sw_engine_init: the tick
 * path does no allocation.  Detectors report through sw_engine_emit(), which
 * calls the emit callback the caller installed (in shockd: the alert policy).
 */
#ifndef SW_ENGINE_H
#define SW_ENGINE_H

#include "sw_calendar.h"
#include "sw_symtab.h"
#include "sw_tick.h"

#include <stddef.h>
#include <stdint.h>

#define SW_GROUP_NAME_MAX 32
#define SW_MAX_GROUPS_PER_SYMBOL 8
#define SW_NO_DAY INT64_MIN

/* A short list of names (symbols or group names) inside a detector's
 * parameters.  The engine copies parameters flat (memcpy), so the names live
 * in the struct rather than behind pointers into the config. */
#define SW_NAME_LIST_MAX 32
typedef struct sw_name_list {
    int n;
    char name[SW_NAME_LIST_MAX][SW_GROUP_NAME_MAX];
} sw_name_list;

typedef struct sw_engine sw_engine;

#define SW_ENGINE_HOT_LINES 32
#define SW_DET_STATE_MAX 1024     /* numbers a detector may keep per symbol (save_state) */
typedef struct sw_detector sw_detector;

/* A split of one symbol on one New York trading day, scheduled or applied. */
#define SW_MAX_SPLITS 256
typedef struct sw_split_action {
    uint32_t symbol;              /* index of the symbol (sw_engine_sym) */
    int64_t day;                  /* New York day it takes effect */
    double ratio;                 /* new shares per old share */
    int applied;
} sw_split_action;

/* The header of a symbol's record; the detectors' slices follow it in the
 * same record (state[]).  Packed by hand (no holes: `official` sits after
 * the group list) because there is one per watched symbol: 136 bytes. */
typedef struct sw_symbol {
    char name[SW_SYMBOL_MAX];     /* first member: sw_symtab indexes it */
    uint32_t index;
    uint16_t n_groups;
    uint16_t groups[SW_MAX_GROUPS_PER_SYMBOL];
    uint8_t official;             /* SW_OFFICIAL_*: `day`'s open or close came from an official print */
    uint64_t ticks;
    int64_t last_ts;              /* event time of the last accepted tick */
    double last_price;
    int64_t day;                  /* New York date of the session in progress */
    double prev_close;            /* last regular-hours price of the previous session, NaN if unknown */
    double open;                  /* first regular-hours price of `day`, NaN until then */
    double day_close;             /* last regular-hours price of `day` so far, NaN if none */
    /* Cached bounds of `day` (UTC ns): the New York day [day_lo, day_hi) and
     * its regular session [reg_lo, reg_hi] (empty on a holiday), so the tick
     * path does calendar arithmetic once per symbol and day, not per tick. */
    int64_t day_lo, day_hi, reg_lo, reg_hi;
    /* The detectors' per-symbol state, engine->state_size bytes, right
     * after the header in the same record.  An array, not a pointer: where
     * it is follows from where the record is, and a pointer would be 8
     * bytes a symbol saying so.  Slices are 8-byte aligned (sw_engine_init):
     * no detector state holds a type that needs more. */
    unsigned char state[];
} sw_symbol;

typedef struct sw_group {
    char name[SW_GROUP_NAME_MAX];
    uint32_t *members;            /* symbol indexes (sw_engine_sym) */
    size_t n_members;
} sw_group;

/* sw_symbol.official: an opening or closing print (SW_TICK_OFFICIAL_OPEN,
 * _CLOSE) set the session's open or close; the first official open of a day
 * and the last official close win over ordinary trades. */
enum {
    SW_OFFICIAL_OPEN = 1u << 0,
    SW_OFFICIAL_CLOSE = 1u << 1
};

/* What a detector takes besides ordinary trades (sw_detector_type.takes). */
enum {
    /* Trades the sale conditions keep from the price (SW_TICK_NO_LAST) but
     * count toward volume (no SW_TICK_NO_VOLUME): a volume or activity
     * detector sets this and sees them in on_tick; it must not take their
     * price for the last price. */
    SW_TAKES_VOLUME_ONLY = 1u << 0
};

/* Directions of the candidates a detector can raise (bit set), for the
 * alert policy to size its key table to what can fire. */
enum {
    SW_DIRS_DOWN = 1u << 0,       /* direction -1 */
    SW_DIRS_NONE = 1u << 1,       /* direction 0 */
    SW_DIRS_UP = 1u << 2          /* direction +1 */
};

/* A detector type: a row in the registry (sw_detector_types()). */
typedef struct sw_detector_type {
    const char *name;             /* the config's "type" */
    /* The directions its candidates can have, for each watched symbol and
     * for each group (SW_DIRS_*; 0: none of that kind).  A candidate outside
     * these still works, it is only not planned for. */
    unsigned symbol_dirs, group_dirs;
    size_t params_size;
    void (*defaults)(void *params);
    /* Cross-field checks the table-driven config loader cannot express.
     * Returns 0, or -1 with a sentence in err. */
    int (*validate)(const void *params, char *err, size_t errlen);
    /* Optional: allocate detector-wide state in d->priv.  Returns 0 or -1. */
    int (*init)(sw_detector *d, sw_engine *e);
    void (*fini)(sw_detector *d);
    size_t (*state_size)(const void *params); /* per symbol; may be 0 */
    /* Optional: how many bytes at the start of its slice a tick reads (the
     * rest changes now and then, when a bar completes say); the engine loads
     * those ahead of the tick (sw_engine_prefetch).  NULL: the whole slice. */
    size_t (*hot_size)(const void *params);
    void (*sym_init)(const sw_detector *d, void *st);
    unsigned takes;               /* SW_TAKES_*; 0: ordinary trades only */
    void (*on_tick)(sw_detector *d, sw_engine *e, sw_symbol *s, void *st, const sw_tick *t);
    /* Optional: a trading status or LULD bands for s (a tick with
     * SW_TICK_STATUS or SW_TICK_LULD, which no on_tick sees).  The engine
     * passes them on whatever their time: a halt is never dropped as late. */
    void (*on_status)(sw_detector *d, sw_engine *e, sw_symbol *s, void *st, const sw_tick *t);
    /* A new trading day began for s (its prev_close and open were updated). */
    void (*on_session)(sw_detector *d, sw_engine *e, sw_symbol *s, void *st);
    /* A split of `ratio` (new shares per old share) took effect for s. */
    void (*on_split)(sw_detector *d, sw_symbol *s, void *st, double ratio);
    /* Event time moved forward to now_ns (called at most once per engine clock
     * step, see sw_engine_advance), for detectors that act on silence. */
    void (*on_clock)(sw_detector *d, sw_engine *e, int64_t now_ns);
    /* Optional, for what must survive a restart (shockd's state.json), e.g. a
     * volatility baseline that takes days to learn: save_state writes at most
     * `max` numbers (NaN allowed) describing st and returns how many (0:
     * nothing worth keeping); restore_state gets them back before the first
     * tick and returns 0, or -1 to keep the fresh state (say, n it does not
     * expect after a change of parameters). */
    size_t (*save_state)(const sw_detector *d, const void *st, double *out, size_t max);
    /* (max is SW_DET_STATE_MAX: a detector keeps at most that many numbers.) */
    int (*restore_state)(const sw_detector *d, void *st, const double *in, size_t n);
    /* Checkpoints (see sw_engine_restore_state below).  relocate: the bytes
     * of a checkpoint were just copied into st; re-point what points into
     * st (a ring's storage).  save_priv/restore_priv: the detector-wide
     * state (breadth's groups) as bytes: save writes at most max and returns
     * how many (0: none); restore returns 0, or -1 to keep the fresh state. */
    void (*relocate)(const sw_detector *d, void *st);
    size_t (*save_priv)(const sw_detector *d, const sw_engine *e, void *out, size_t max);
    int (*restore_priv)(sw_detector *d, sw_engine *e, const void *in, size_t n);
} sw_detector_type;

struct sw_detector {
    const sw_detector_type *type;
    void *params;                 /* type->params_size bytes, owned by the engine */
    int instance;                 /* position in the config's list */
    size_t state_off;             /* offset of this detector's slice in sw_symbol.state */
    void *priv;
    char text[256];               /* scratch for candidate sentences */
};

typedef void (*sw_emit_fn)(void *ctx, const sw_candidate *c);
/* A sentence for the operator's log (not an alert): what a detector wants
 * known, such as "no baseline yet". */
typedef void (*sw_note_fn)(void *ctx, const char *text);

typedef struct sw_engine_stats {
    uint64_t ticks;               /* accepted */
    uint64_t unknown_symbol;
    uint64_t out_of_order;
    uint64_t bad_price;
    uint64_t filtered_prints;     /* out-of-line prints a detector refused to confirm */
    uint64_t excluded[SW_EXCL_N]; /* trades kept from the price by their sale conditions, by
                                     reason (sw_excl_reason; [0] unused); counted in `ticks` too */
    uint64_t status_events;       /* trading statuses and LULD bands of watched symbols */
    uint64_t candidates;
} sw_engine_stats;

/* What the engine is built from.  Group members are symbol names; the
 * watchlist is the union of all groups. */
typedef struct sw_group_spec {
    const char *name;
    const char *const *members;
    size_t n_members;
} sw_group_spec;

typedef struct sw_detector_spec {
    const sw_detector_type *type;
    const void *params;           /* copied */
} sw_detector_spec;

struct sw_engine {
    /* Symbol i's record is sym_block + i * sym_stride: use sw_engine_sym().
     * (Not an array of sw_symbol: the stride includes the detector state.) */
    unsigned char *sym_block;
    size_t sym_stride;
    size_t n_syms;
    sw_symtab tab;
    sw_group *groups;
    size_t n_groups;
    sw_detector *dets;
    size_t n_dets;
    size_t state_size;            /* per symbol, all detectors */
    sw_emit_fn emit;
    void *emit_ctx;
    sw_note_fn note;              /* NULL: notes are dropped; set after sw_engine_init */
    void *note_ctx;
    int64_t now_ns;               /* largest event time seen */
    int64_t clock_step_ns;        /* on_clock granularity */
    int64_t next_clock_ns;
    /* Trading days and session bounds for session tracking and detectors that
     * care about the session (stale).  NULL: weekdays 09:30-16:00, no holidays.
     * Not owned: the caller keeps it alive and may set it after sw_engine_init. */
    const sw_calendar *calendar;
    sw_split_action splits[SW_MAX_SPLITS];
    size_t n_splits;
    sw_engine_stats stats;
    uint32_t ahead[2];            /* symbols sw_engine_prefetch announced, newest last */
    uint16_t hot[SW_ENGINE_HOT_LINES]; /* offsets in a record of the lines a tick touches */
    size_t n_hot;
};

/* The registry of detector types. */
const sw_detector_type *sw_detector_find(const char *name);
/* A group name: 1 to SW_GROUP_NAME_MAX - 1 letters, digits, '_' or '-'. */
int sw_group_name_valid(const char *s);
const sw_detector_type *const *sw_detector_types(size_t *n);

/* Called with the records' block of a large engine (whole 2 MiB ranges of
 * it, 2 MiB aligned) before the engine first touches it.  The daemon sets
 * one that asks the kernel for transparent huge pages; strategies/ itself
 * makes no system call.  Process-wide; NULL (the default) gives no hint. */
typedef void (*sw_engine_block_hint_fn)(void *block, size_t bytes);
void sw_engine_set_block_hint(sw_engine_block_hint_fn fn);

/* Build an engine.  Returns 0, or -1 with a sentence in err (too many groups for
 * a symbol, empty group, allocation failure, a detector's init failing). */
int sw_engine_init(sw_engine *e, const sw_group_spec *groups, size_t n_groups,
                   const sw_detector_spec *dets, size_t n_dets,
                   sw_emit_fn emit, void *emit_ctx, char *err, size_t errlen);
void sw_engine_free(sw_engine *e);

typedef enum sw_tick_result {
    SW_TICK_OK = 0,
    SW_TICK_UNKNOWN = -1,
    SW_TICK_OUT_OF_ORDER = -2,
    SW_TICK_BAD_PRICE = -3
} sw_tick_result;

/* Feed one tick.  Ticks of one symbol must come in nondecreasing event time:
 * an older one is counted and dropped. */
sw_tick_result sw_engine_tick(sw_engine *e, const sw_tick *t);

/* Apply a split of `ratio` new shares per old share to `symbol`, effective
 * for the New York trading day of ts_ns: references and detector state are
 * divided by ratio so the split does not look like a move.  A split scheduled
 * with sw_engine_add_split for the same symbol and day counts as this one
 * (a CSV split column and a corporate_actions entry never apply twice).
 * Returns 0, 1 if that day's split was already applied, or -1 for an unknown
 * symbol or a ratio that is not > 0. */
int sw_engine_split(sw_engine *e, const char *symbol, int64_t ts_ns, double ratio);

/* Schedule a split (a corporate action from the config): it takes effect when
 * the symbol's first trade of New York day `day` (days since the epoch) or
 * later arrives, before that day's references are set.  Returns 0, or -1 for
 * an unknown symbol, a ratio that is not > 0, or a full schedule. */
int sw_engine_add_split(sw_engine *e, const char *symbol, int64_t day, double ratio);

/* A source that knows the next tick early (replay reads one message ahead)
 * announces its symbol here: the engine finds the record's index from the
 * symbol table's hash tags alone (no string compare, which would wait for
 * the record) and starts loading the record into the cache, so when the tick
 * comes, sw_engine_tick recognises it among the last two announced and uses
 * that index without hashing again.  With 10 000 symbols the records do not
 * fit in the cache; this is what keeps a tick as cheap as with 10.  A hint
 * only: a tick never announced, or announced wrongly, is looked up. */
void sw_engine_prefetch(sw_engine *e, const char *symbol);

/* Tell the engine event time has reached now_ns even without a tick (a live feed
 * calls this from its clock; replay from the merged stream). */
void sw_engine_advance(sw_engine *e, int64_t now_ns);

/* For detectors: report a candidate (counts it; fills in only its session,
 * from the calendar, when the detector left it 0). */
void sw_engine_emit(sw_engine *e, const sw_candidate *c);

/* For detectors: a sentence for the log (sw_engine.note), printf-style. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sw_engine_note(sw_engine *e, const char *fmt, ...);

sw_symbol *sw_engine_symbol(sw_engine *e, const char *name);

/*
 * Checkpoints: what a restart in the middle of a session needs to go on as
 * if it had not happened (shockd's state.json) -- each symbol's detector
 * state (e->state_size bytes at s->state) and each detector's detector-wide
 * state (save_priv).  They are bytes in this build's memory layout, so a
 * checkpoint is restored only into an engine with the same fingerprint: a
 * hash of SW_STATE_LAYOUT (the build's hash of strategies/' sources, so a
 * changed struct never restores garbage), the detectors (types, parameters,
 * state sizes) and the groups (names, members, in order).
 */
uint64_t sw_engine_fingerprint(const sw_engine *e);

/* Copy a checkpoint's bytes into s's detector state and let the detectors
 * re-point what points into it.  Returns 0, or -1 when len is not
 * e->state_size (nothing changed). */
int sw_engine_restore_state(sw_engine *e, sw_symbol *s, const void *bytes, size_t len);

/* Detector k's detector-wide state: sw_detector_type.save_priv/restore_priv
 * (0 and -1 for a detector without them). */
size_t sw_engine_save_priv(const sw_engine *e, size_t k, void *out, size_t max);
int sw_engine_restore_priv(sw_engine *e, size_t k, const void *in, size_t n);

/* For detectors' init: a zeroed private block of `head` bytes followed by
 * one byte per symbol (a flexible uint8_t array), set as d->priv (freed by
 * the detector's free, as before).  Returns it, or NULL when out of memory. */
void *sw_detector_priv_alloc(sw_detector *d, const sw_engine *e, size_t head);

/* For detectors' init: set `bit` in marks[index] of each watched symbol
 * of `names` (a per-symbol array of n_syms bytes); names outside the
 * watchlist are skipped (the config loader reports them).  Returns how many
 * symbols got the bit that did not have it. */
size_t sw_engine_mark_names(const sw_engine *e, const sw_name_list *names, uint8_t *marks, uint8_t bit);

/* Symbol i (0 <= i < n_syms). */
static inline sw_symbol *sw_engine_sym(const sw_engine *e, size_t i)
{
    return (sw_symbol *)(void *)(e->sym_block + i * e->sym_stride);
}

#endif
