/*
 * sw_csv.h -- OHLCV bar files as vendors publish them.
 *
 * The header row names the columns, matched case-insensitively:
 * Date|Datetime|timestamp|time, Open, High, Low, Close, Volume, optional
 * Symbol|Ticker, optional split column (splitfactor, "Stock Splits", split);
 * extra columns are ignored.  The symbol comes from the Symbol column, else from
 * the file name up to the first '_' or '.' (NVDA_5m.csv -> NVDA).  The bar
 * length is the smallest spacing between the first rows (a bare date, or
 * midnight, means a daily bar).  Bad rows are reported one by one and skipped.
 */
#ifndef SW_CSV_H
#define SW_CSV_H

#include "sw_lines.h"
#include "sw_tick.h"

#include <stdint.h>

#define SW_CSV_MAX_LINE 4096
#define SW_CSV_MAX_COLS 64

typedef struct sw_bar {
    char symbol[SW_SYMBOL_MAX];
    int64_t start_ns;     /* bar start; for daily bars midnight New York of the date */
    int daily;
    double open, high, low, close, volume;
    double split;         /* new shares per old share taking effect with this bar; 0: none */
} sw_bar;

typedef struct sw_csv {
    sw_lines lines;
    char path[512];
    int col_ts, col_open, col_high, col_low, col_close, col_volume, col_symbol, col_split;
    int split_is_factor;  /* splitfactor: 1 means none; "Stock Splits": 0 means none */
    char file_symbol[SW_SYMBOL_MAX];
    int64_t bar_ns;       /* inferred length of an intraday bar */
} sw_csv;

/* Open and read the header.  Returns 0, or -1 with a sentence in err. */
int sw_csv_open(sw_csv *c, const char *path, char *err, size_t errlen);
void sw_csv_close(sw_csv *c);

/* Next bar: SW_LINES_OK with *bar filled, SW_LINES_EOF, or SW_CSV_BAD with *why
 * set (the row is skipped; c->lines.lineno names it). */
#define SW_CSV_BAD 3
int sw_csv_next(sw_csv *c, sw_bar *bar, const char **why);

/* The four ticks that stand for a bar, as a path: open, then low and high in
 * the order that a rising or falling bar took, then close.  Returns 4. */
int sw_bar_ticks(const sw_csv *c, const sw_bar *bar, sw_tick out[4]);

#endif
