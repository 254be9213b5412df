/*
 * sw_vol_regime.h -- a change of volatility regime: the realized volatility
 * of the last `window` bar returns (default 30 bars of 1m) against a long
 * baseline of the same symbol's bar returns (default an EWMA with lambda
 * 0.995, a half-life of about 138 bars; or the last `baseline_window` bars).
 * A ratio at or above `threshold` raises a WARNING -- never critical: a
 * regime is context for a person, not an emergency -- and the condition
 * clears when the ratio falls below threshold * (1 - hysteresis).
 *
 * Returns feed the baseline only once they leave the short window, so the
 * baseline describes the time before the window: were the hot returns in both,
 * a tripling of volatility would barely show in the ratio.  Each return is
 * clipped at `clip` baseline volatilities before it enters the window, so a
 * single jump (a real one, which zscore reports, or a bad print) cannot pass
 * for a regime.  Realized volatility is the root mean square of returns (zero
 * mean), as is usual at these horizons; returns spanning k bars without
 * trades count divided by sqrt(k).
 *
 * As for zscore, the first return of each New York session (the overnight
 * gap) is excluded, trades outside the regular session (per the engine's
 * calendar) are ignored unless `extended_hours` is set, and the estimates are
 * kept across days.  Returns of
 * bars that begin within `open_delay` (30m) of the open are left out of both
 * windows: the opening half hour is several times as volatile as the rest of
 * an ordinary day, so a 30-bar window of 1m bars would see a "regime" every
 * morning at 10:00.  No alert
 * before the baseline holds `min_bars` returns (with 1m bars, 390 is one full
 * session) and the short window is full.  The alert runs once per bar, when
 * a bar completes.
 */
#ifndef SW_VOL_REGIME_H
#define SW_VOL_REGIME_H

#include <stdint.h>

typedef struct sw_vol_regime_params {
    int64_t bar_ns;         /* bar length, 1s .. 1d */
    int window;             /* bars in the short window */
    int baseline;           /* sw_vol_method (sw_zscore.h): ewma or rolling */
    double lambda;          /* baseline EWMA decay per bar */
    int baseline_window;    /* bars in a rolling baseline */
    int min_bars;           /* returns in the baseline before any alert */
    double threshold;       /* short / baseline volatility that raises a warning */
    double hysteresis;      /* fraction of threshold the ratio must fall back by to clear */
    double clip;            /* clip each return at this many baseline volatilities (0: never) */
    double min_vol;         /* floor of the baseline per-bar volatility, as a fraction */
    int extended_hours;     /* also use trades outside the regular session */
    int64_t open_delay_ns;  /* bars beginning this soon after the 09:30 open are left out */
} sw_vol_regime_params;

#endif
