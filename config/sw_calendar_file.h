/*
 * sw_calendar_file.h -- reads the exchange calendar (data/calendar/nyse.csv)
 * into an sw_calendar.
 *
 * The file is CSV with a header `date,kind,close`; lines starting with '#' and
 * blank lines are ignored.  Each row is a New York date (YYYY-MM-DD, a weekday)
 * and either `holiday` with an empty close, or `early_close` with the close as
 * HH:MM New York time (after 09:30, before 16:00):
 *
 *   2025-01-09,holiday,
 *   2025-11-28,early_close,13:00
 *
 * The years from the first to the last one listed are the calendar's covered
 * range (sw_calendar.covered_from/covered_until); every year in between must
 * have entries.  Outside that range the engine treats every weekday as a
 * 09:30-16:00 session (see sw_calendar.h), so the file must be extended before
 * its last year ends.
 *
 * Every bad line is reported, as "FILE:LINE: what is wrong (what was expected)",
 * in the same sw_diag the config loader uses; one bad line fails the load, as a
 * wrong holiday would silently change what every detector sees.
 *
 * The default file: until shockwatch has an install step, the calendar shipped
 * with the program is the source tree's data/calendar/nyse.csv, whose absolute
 * path is compiled in (SW_DATA_DIR, set in CMakeLists.txt).  The config key
 * `calendar` overrides it.
 */
#ifndef SW_CALENDAR_FILE_H
#define SW_CALENDAR_FILE_H

#include "sw_calendar.h"
#include "sw_config.h"

#include <stddef.h>

/* Largest calendar file accepted. */
#define SW_CALENDAR_FILE_MAX_BYTES (1u << 20)

/* Path of the calendar installed with the program. */
const char *sw_calendar_default_path(void);

/* Read and parse `path` into cal.  Returns 0, or -1 with every problem in
 * diag; cal is then the empty weekday calendar (sw_calendar_init). */
int sw_calendar_file_load(sw_calendar *cal, const char *path, sw_diag *diag);

/* The same from memory; `name` is what messages call the file. */
int sw_calendar_file_parse(sw_calendar *cal, const char *text, size_t len, const char *name, sw_diag *diag);

#endif
