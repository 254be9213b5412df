/*
 * sw_detect.h -- what the detectors of price levels share: confirming a level
 * against single bad prints, the edge-triggered warning/critical state of a
 * move, and the candidates they build; and the check of warning and critical
 * levels every two-level detector makes of its options.
 *
 * Confirmation: a level counts only once `confirm_ticks` consecutive trades
 * are at or beyond it, or two or more of them span `confirm` -- so a single
 * out-of-line print (a decimal-point error, a bad venue print) never raises
 * an alert, while a real move, which prints again and again, does within a
 * few trades.  A run that ends unconfirmed may be counted as a filtered print.
 *
 * The move state (pct_move, relative) is edge-triggered: it reports a FIRE
 * when a level is first confirmed, when the move escalates to critical,
 * changes direction, or extends by a full `step`; a CLEAR when the move falls
 * back inside the warning level by the hysteresis margin; and, at a session
 * roll, a CLEAR for a condition still raised from the previous day, so the
 * alert policy re-arms the key and the new day's first move alerts like any
 * first move.
 */
#ifndef SW_DETECT_H
#define SW_DETECT_H

#include "sw_engine.h"

#include <stdint.h>

/* The check every detector with two levels makes of its options: critical
 * above warning.  `unit` names the options' suffix ("pct" for warning_pct and
 * critical_pct); returns 0, or -1 with the sentence in err. */
int sw_levels_check(const char *unit, double warning, double critical, char *err, size_t errlen);

/* A run of consecutive trades at or beyond one level. */
typedef struct sw_run {
    int32_t count;
    int32_t confirmed;          /* sw_run_confirmed said so during this run */
    int64_t first_ts;
} sw_run;

/* One more trade: beyond the level extends the run, else ends it; an ended
 * run that never confirmed is counted in *filtered when filtered is not
 * NULL (a filtered print: an excursion that raised nothing). */
void sw_run_step(sw_run *r, int beyond, int64_t ts, uint64_t *filtered);

/* The run confirms its level: confirm_ticks trades, or two or more spanning
 * confirm_ns by `now`.  Remembered until the run ends. */
int sw_run_confirmed(sw_run *r, int confirm_ticks, int64_t confirm_ns, int64_t now);

/* The levels of a move, in the move's unit (percent). */
typedef struct sw_move_levels {
    double warning, critical;   /* critical > warning > 0 */
    double step;                /* extension that alerts again (0: never) */
    double hysteresis;          /* fraction of warning the move falls back by to clear */
    int confirm_ticks;
    int64_t confirm_ns;
} sw_move_levels;

/* One per symbol in pct_move (twice with both references) and relative, so
 * it is laid out flat and small (40 bytes, not the 56 of two sw_run and
 * ints): the two runs' counts and start times side by side, the small
 * enums in bytes. */
typedef struct sw_move_state {
    int64_t warn_first, crit_first; /* first trade of the current runs */
    double fired_mag;           /* |move| when last reported */
    int32_t warn_count, crit_count; /* trades in the current runs, in direction run_dir */
    int8_t run_dir;
    int8_t crit_confirmed;      /* the critical run confirmed: when it ends it was no filtered print */
    int8_t fired_sev;           /* -1: nothing raised; else sw_severity */
    int8_t fired_dir;           /* direction of what was raised (kept after a clear) */
} sw_move_state;

enum { SW_MOVE_NONE = 0, SW_MOVE_FIRE = 1, SW_MOVE_CLEAR = 2 };

void sw_move_reset(sw_move_state *m);

/* Feed the move `chg` (signed, in the levels' unit) of a trade at ts.
 * Returns SW_MOVE_FIRE (m->fired_sev and fired_dir say what), SW_MOVE_CLEAR
 * (m->fired_dir says which direction cleared) or SW_MOVE_NONE.  Unconfirmed
 * runs at the critical level are counted in *filtered. */
int sw_move_step(sw_move_state *m, const sw_move_levels *L, double chg, int64_t ts, uint64_t *filtered);

/* A candidate of detector d about symbol s: a FIRE at event time ts and
 * price, with reference, change_pct and zscore NaN and d's text buffer as
 * its text. */
void sw_cand_init(sw_candidate *c, const sw_detector *d, const sw_symbol *s, int64_t ts, double price);

/* At a session roll: when m still holds a raised move, a CLEAR candidate
 * (window "session", "NVDA: yesterday's down move<what> ends with the
 * session") so the policy re-arms its key; then m starts afresh. */
void sw_move_session_clear(sw_detector *d, sw_engine *e, const sw_symbol *s, sw_move_state *m, const char *what);

#endif
