/* sw_calendar_file.c -- see sw_calendar_file.h. */
#include "sw_calendar_file.h"
#include "sw_time.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SW_DATA_DIR
#error "SW_DATA_DIR must name the directory holding calendar/nyse.csv (see CMakeLists.txt)"
#endif

#define HEADER "date,kind,close"

const char *sw_calendar_default_path(void)
{
    return SW_DATA_DIR "/calendar/nyse.csv";
}

/* A field as [p, p+len) with surrounding blanks removed. */
typedef struct field {
    const char *p;
    size_t len;
} field;

static field trim(const char *p, size_t len)
{
    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
        len--;
    return (field){ p, len };
}

static int is_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

static int num(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

static int eq(field f, const char *s)
{
    return f.len == strlen(s) && memcmp(f.p, s, f.len) == 0;
}

/* Strict YYYY-MM-DD naming a real date; returns 0 and the day and year. */
static int parse_date(field f, int64_t *day, int *year)
{
    if (f.len != 10 || f.p[4] != '-' || f.p[7] != '-' || !is_digits(f.p, 4) || !is_digits(f.p + 5, 2) ||
        !is_digits(f.p + 8, 2))
        return -1;
    int y = num(f.p, 4), m = num(f.p + 5, 2), d = num(f.p + 8, 2);
    if (!sw_civil_valid(y, m, d))
        return -1;
    *day = sw_days_from_civil(y, m, d);
    *year = y;
    return 0;
}

/* HH:MM strictly inside the regular session; returns seconds after midnight. */
static int parse_close(field f)
{
    if (f.len != 5 || f.p[2] != ':' || !is_digits(f.p, 2) || !is_digits(f.p + 3, 2))
        return -1;
    int h = num(f.p, 2), m = num(f.p + 3, 2);
    if (h > 23 || m > 59)
        return -1;
    int sod = h * 3600 + m * 60;
    if (sod <= SW_SESSION_OPEN_SOD || sod >= SW_SESSION_CLOSE_SOD)
        return -1;
    return sod;
}

/* Where each accepted date came from, to name the first line of a duplicate. */
typedef struct seen {
    int64_t day;
    int year;
    long line;
} seen;

#define CLOSE_EXPECT "HH:MM after 09:30 and before 16:00, New York time"

int sw_calendar_file_parse(sw_calendar *cal, const char *text, size_t len, const char *name, sw_diag *diag)
{
    static const char *const wdays[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                         "Saturday" };
    sw_calendar_init(cal);
    seen *rows = calloc(2 * SW_CALENDAR_MAX, sizeof *rows);
    if (!rows) {
        sw_diag_add(diag, "%s: out of memory", name);
        return -1;
    }
    size_t n_rows = 0;
    int errors = 0, have_header = 0;
    long line = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - start) : len - pos;
        pos += llen + (nl ? 1 : 0);
        line++;
        field whole = trim(start, llen);
        if (whole.len == 0 || whole.p[0] == '#')
            continue;
        if (!have_header) {
            have_header = 1;
            if (eq(whole, HEADER))
                continue;
            sw_diag_add(diag, "%s:%ld: \"%.*s\" is not the header (the line \"" HEADER "\" before the rows)", name, line,
                 (int)(whole.len > 60 ? 60 : whole.len), whole.p);
            errors++;
            continue;
        }
        field f[3];
        size_t nf = 0;
        const char *p = whole.p, *end = whole.p + whole.len;
        for (;;) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *fe = comma ? comma : end;
            if (nf < 3)
                f[nf] = trim(p, (size_t)(fe - p));
            nf++;
            if (!comma)
                break;
            p = comma + 1;
        }
        if (nf != 3) {
            sw_diag_add(diag, "%s:%ld: %zu field%s (3: " HEADER ")", name, line, nf, nf == 1 ? "" : "s");
            errors++;
            continue;
        }
        int64_t day;
        int year;
        if (parse_date(f[0], &day, &year) != 0) {
            sw_diag_add(diag, "%s:%ld: \"%.*s\" is not a date (YYYY-MM-DD)", name, line, (int)(f[0].len > 40 ? 40 : f[0].len),
                 f[0].p);
            errors++;
            continue;
        }
        int wd = sw_weekday(day);
        if (wd == 0 || wd == 6) {
            sw_diag_add(diag, "%s:%ld: %.10s is a %s (a weekday: the market is closed on weekends anyway)", name, line,
                 f[0].p, wdays[wd]);
            errors++;
            continue;
        }
        int is_holiday = eq(f[1], "holiday"), is_early = eq(f[1], "early_close");
        if (!is_holiday && !is_early) {
            sw_diag_add(diag, "%s:%ld: \"%.*s\" is not a kind (holiday or early_close)", name, line,
                 (int)(f[1].len > 40 ? 40 : f[1].len), f[1].p);
            errors++;
            continue;
        }
        int close_sod = 0;
        if (is_holiday && f[2].len) {
            sw_diag_add(diag, "%s:%ld: a holiday has no close time, found \"%.*s\" (an empty third field)", name, line,
                 (int)(f[2].len > 40 ? 40 : f[2].len), f[2].p);
            errors++;
            continue;
        }
        if (is_early && f[2].len == 0) {
            sw_diag_add(diag, "%s:%ld: early_close without a close time (" CLOSE_EXPECT ")", name, line);
            errors++;
            continue;
        }
        if (is_early && (close_sod = parse_close(f[2])) < 0) {
            sw_diag_add(diag, "%s:%ld: \"%.*s\" is not a close time (" CLOSE_EXPECT ")", name, line,
                 (int)(f[2].len > 40 ? 40 : f[2].len), f[2].p);
            errors++;
            continue;
        }
        int rc = is_holiday ? sw_calendar_add_holiday(cal, day) : sw_calendar_add_early_close(cal, day, close_sod);
        if (rc == -2) {
            long first = 0;
            for (size_t i = 0; i < n_rows; i++)
                if (rows[i].day == day)
                    first = rows[i].line;
            sw_diag_add(diag, "%s:%ld: %.10s is listed twice (each date once; first at line %ld)", name, line, f[0].p,
                 first);
            errors++;
            continue;
        }
        if (rc != 0) {
            sw_diag_add(diag, "%s:%ld: more than %d %s (at most %d)", name, line, SW_CALENDAR_MAX,
                 is_holiday ? "holidays" : "early closes", SW_CALENDAR_MAX);
            errors++;
            continue;
        }
        rows[n_rows++] = (seen){ day, year, line };
    }
    if (!have_header) {
        sw_diag_add(diag, "%s: no header and no rows (the line \"" HEADER "\" and at least one year of holidays)", name);
        errors++;
    } else if (n_rows == 0 && errors == 0) {
        sw_diag_add(diag, "%s: no holidays or early closes (at least one year of them)", name);
        errors++;
    }
    int ymin = 0, ymax = -1;
    for (size_t i = 0; i < n_rows; i++) {
        if (i == 0 || rows[i].year < ymin)
            ymin = rows[i].year;
        if (i == 0 || rows[i].year > ymax)
            ymax = rows[i].year;
    }
    /* The covered range is whole years, so a year in the middle with no rows
     * would silently be a year without holidays. */
    for (int y = ymin; y <= ymax; y++) {
        int found = 0;
        for (size_t i = 0; i < n_rows && !found; i++)
            found = rows[i].year == y;
        if (!found) {
            sw_diag_add(diag, "%s: no rows for %d (every year from %d to %d, each complete)", name, y, ymin, ymax);
            errors++;
        }
    }
    free(rows);
    if (errors) {
        sw_calendar_init(cal);
        return -1;
    }
    sw_calendar_set_coverage(cal, sw_days_from_civil(ymin, 1, 1), sw_days_from_civil(ymax, 12, 31));
    return 0;
}

int sw_calendar_file_load(sw_calendar *cal, const char *path, sw_diag *diag)
{
    sw_calendar_init(cal);
    FILE *f = fopen(path, "rb");
    if (!f) {
        sw_diag_add(diag, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(SW_CALENDAR_FILE_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        sw_diag_add(diag, "%s: out of memory", path);
        return -1;
    }
    size_t n = fread(buf, 1, SW_CALENDAR_FILE_MAX_BYTES + 1, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr || n > SW_CALENDAR_FILE_MAX_BYTES) {
        free(buf);
        if (rerr)
            sw_diag_add(diag, "%s: read error", path);
        else
            sw_diag_add(diag, "%s: file is larger than %u bytes (a calendar of reasonable size)", path,
                 SW_CALENDAR_FILE_MAX_BYTES);
        return -1;
    }
    int rc = sw_calendar_file_parse(cal, buf, n, path, diag);
    free(buf);
    return rc;
}
