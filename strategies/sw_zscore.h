/*
 * sw_zscore.h -- the log return of the latest bar scored against the
 * symbol's own recent volatility of bars of the same length: "this minute's
 * move is 7 typical minutes".  Both directions; warning and critical levels in
 * units of that volatility (|z|).
 *
 * The volatility is a RiskMetrics EWMA of bar returns (method "ewma", lambda
 * 0.94) or the standard deviation of the last `window` bar returns (method
 * "rolling"; the score is then taken from the window's mean).  It is floored
 * at `min_vol` per bar so a name that hardly trades does not divide by ~0, and
 * it is kept across days: yesterday's bars are the baseline this morning.
 *
 * The bar in progress is scored on every trade, as the return of the trade's
 * price against the previous bar's close, so a shock is caught within its bar
 * rather than when the bar completes.  When bars were skipped (no trades) the
 * return spans k bar lengths and is scored against sqrt(k) times the per-bar
 * volatility; it feeds the estimate divided by sqrt(k).
 *
 * The first return of each session -- the first bar of a New York day against
 * the previous day's last bar, i.e. the overnight gap -- is neither scored nor
 * fed into the volatility: a gap is a different animal from an intraday bar,
 * and pct_move (reference prev_close) is the detector for it.  With daily bars
 * ("1d") every bar is a session and its close-to-close return is the quantity
 * scored, and on a 24x7 calendar (crypto) there is no gap to leave out.
 * Trades outside the regular session (the engine's calendar: 09:30-16:00 New
 * York, early closes, no session on holidays) are ignored unless
 * `extended_hours` is set: pre- and post-market prints are thin and their
 * volatility is not the session's.  No alert is raised before `min_bars`
 * returns have fed the volatility.
 *
 * Nor during the first `open_delay` (30m) of the session: price discovery
 * after the open moves several midday sigmas on an ordinary day (in 5-minute
 * bars of 21 large caps, Dec 2025 - Feb 2026, the largest |z| within the
 * 09:35 bar had a median of 3.8), so scoring it would alert every morning.
 * Those bars still feed the volatility, which makes the estimate start the
 * day at the open's level and decay from there -- the cheapest intraday
 * seasonality there is, and on that data it beat a per-time-of-day profile
 * learned across days (too few bars per slot to estimate it well).
 *
 * The default levels (warning 5, critical 9) come from replaying those bars
 * (bar "5m"): no critical and 36 warnings in 210 ticker-weeks, a quarter of
 * them one market-wide move (2026-01-21 14:25) and a third in the 15:50 and
 * 15:55 bars of the closing imbalance.  The old 4/6 gave 11 critical and 90
 * warnings.  One-minute bars have fatter tails than five-minute ones, hence
 * the margin above the largest ordinary |z| seen (8.0).
 *
 * Like pct_move the detector is edge-triggered (FIRE when a level is first
 * confirmed, escalates or extends by a level step; CLEAR when |z| falls back
 * below warning_z * (1 - hysteresis), which a new bar normally brings) and a
 * level must be confirmed by `confirm_ticks` consecutive trades beyond it.  An
 * unconfirmed excursion is also kept out of the bar, so one bad print can
 * neither raise an alert nor become the next bar's reference price; those
 * that stayed unconfirmed at the critical level are counted as filtered prints.
 */
#ifndef SW_ZSCORE_H
#define SW_ZSCORE_H

#include <stdint.h>

typedef enum sw_vol_method {
    SW_VOL_EWMA = 0,
    SW_VOL_ROLLING = 1
} sw_vol_method;

typedef struct sw_zscore_params {
    int64_t bar_ns;         /* bar length, 1s .. 1d */
    int method;             /* sw_vol_method */
    double lambda;          /* EWMA decay per bar */
    int window;             /* bars in the rolling window (method rolling) */
    int min_bars;           /* returns fed into the volatility before any alert */
    double warning_z;       /* |z| that raises a warning */
    double critical_z;      /* |z| for critical, > warning_z */
    double hysteresis;      /* fraction of warning_z |z| must fall back by to clear */
    double min_vol;         /* floor of the per-bar volatility, as a fraction (0.0005 = 0.05%) */
    int confirm_ticks;      /* consecutive trades beyond a level that confirm it */
    int extended_hours;     /* also score trades outside the regular session */
    int64_t open_delay_ns;  /* bars are not scored this long after the 09:30 open */
} sw_zscore_params;

#endif
