/*
 * sw_test_calendar.h -- the shipped NYSE calendar (data/calendar/nyse.csv)
 * loaded for the tests of detectors that act on the session (stale, halt).
 * Header-only (static inline).
 */
#ifndef SW_TEST_CALENDAR_H
#define SW_TEST_CALENDAR_H

#include "sw_calendar_file.h"

#include <criterion/criterion.h>

static inline void sw_test_nyse_calendar(sw_calendar *cal)
{
    sw_diag diag = { 0 };
    int rc = sw_calendar_file_load(cal, SW_SOURCE_DIR "/data/calendar/nyse.csv", &diag);
    sw_diag_free(&diag);
    cr_assert_eq(rc, 0, "data/calendar/nyse.csv does not load");
}

#endif
