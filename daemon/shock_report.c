/*
 * shock_report.c -- shock-report: a day or a week of recorded trades as one
 * HTML page a trader opens in a browser or prints.
 *
 * It reads the inputs with the readers replay uses (provider NDJSON, OHLCV
 * CSV, daily and intraday), drives them through the same pipeline as
 * `shockd --replay` (daemon/sw_pipeline.h: same detectors, same policy, same
 * alert ids) -- or takes the alerts from a file -- and keeps, per symbol and
 * day of the report, what the drawing needs (daemon/charts/sw_daybook.h).
 * The drawing itself (daemon/charts/sw_report.h) sees only plain structs.
 * While it replays, a progress line (daemon/ops/sw_progress.h) shows on a
 * terminal stderr how far it got, as shockd --replay does; --quiet, or
 * stderr that is not a terminal, draws none.
 *
 * Exit status: 0 success, 1 invalid configuration or input, 2 usage error,
 * 3 runtime failure (out of memory, the report cannot be written).
 */
#include "sw_alert_file.h"
#include "sw_axis.h"
#include "sw_config.h"
#include "sw_daybook.h"
#include "sw_jsonarena.h"
#include "sw_log.h"
#include "sw_logout.h"
#include "sw_model.h"
#include "sw_pipeline.h"
#include "sw_progress.h"
#include "sw_replay.h"
#include "sw_report.h"
#include "sw_time.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_CONFIG 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

/* Alerts kept for the report's days: far beyond any real day (the policy
 * passes a handful per symbol), a bound on memory for a pathological file. */
#define MAX_ALERTS 10000
/* The progress line asks the clock every this many events. */
#define PROGRESS_EVERY 256
/* The page: a day of 17 symbols is about half a megabyte. */
#define MAX_REPORT_BYTES (64u << 20)
#define DAY_STEP (15 * SW_NS_PER_SEC)   /* path columns of a day report */
#define WEEK_STEP (60 * SW_NS_PER_SEC)  /* and of each day of a week */

enum { RANGE_LAST_DAY, RANGE_DAY, RANGE_WEEK };

typedef struct report_run {
    sw_config cfg;
    sw_pipeline pipe;
    sw_replay replay;
    int range;
    int64_t day0;                   /* the first day of the report */
    size_t n_days;
    sw_daybook books[5];
    size_t n_books;
    int collect_alerts;             /* 0: they come from --alerts */
    sw_alert *alerts;
    size_t n_alerts, cap_alerts;
    uint64_t alerts_over;           /* beyond MAX_ALERTS */
    uint64_t duplicates;            /* same id twice in an alerts file */
    int oom;
    int64_t first_day, last_day;    /* of the watchlist's accepted ticks */
    uint64_t ticks_in_range;
    uint64_t alerts_seen;           /* by the pipeline, any day */
    sw_progress progress;           /* on a terminal stderr */
} report_run;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shock-report [-c FILE] --replay PATH... [--alerts FILE.ndjson]\n"
            "                    [--day YYYY-MM-DD | --week YYYY-MM-DD] [-o FILE.html]\n"
            "\n"
            "Draws a session, or the five sessions of a week, of recorded trades as one\n"
            "self-contained HTML page: per group a chart per symbol with every alert at its\n"
            "time and price, the group's breadth, the movers and the alerts.  Without\n"
            "--alerts, the inputs go through the configured detectors and policy exactly as\n"
            "shockd --replay does (same alerts, same ids).\n"
            "\n"
            "  -c, --config FILE   configuration file (default /etc/shockwatch/shockwatch.json)\n"
            "      --replay PATH   recorded data: NDJSON provider messages or OHLCV CSV (daily\n"
            "                      or intraday bars); repeat, or list several paths\n"
            "      --format FMT    input format: csv or a provider name; default by extension\n"
            "      --alerts FILE   draw the alerts of this NDJSON file (schema v1, e.g. exported\n"
            "                      from the Redis stream) instead of replaying them\n"
            "      --day DATE      the New York session to draw (default: the last day with a\n"
            "                      trade in the inputs)\n"
            "      --week DATE     the week of DATE, Monday to Friday, against the close before it\n"
            "  -o, --output FILE   where to write the page (default shockwatch-report-DATE.html or\n"
            "                      shockwatch-week-MONDAY.html here; - for standard output)\n"
            "      --group NAME=SYM,SYM,...\n"
            "                      add a group to the configured watchlist (repeatable)\n"
            "      --log-level L   error, warning, info or debug (overrides the config)\n"
            "  -q, --quiet         no progress line (one is drawn on stderr when it is a terminal)\n"
            "  -h, --help          show this help and exit\n"
            "  -V, --version       show the version and exit\n"
            "\n"
            "Exit status: 0 ok, 1 invalid configuration or input, 2 usage, 3 runtime failure.\n");
}

/* "2025-01-27" -> New York day number; -1 if it is not such a date. */
static int parse_day(const char *s, int64_t *day)
{
    int64_t ns;
    int flags;
    /* Only the date itself: the timestamp parser would also take epoch digits. */
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || sw_parse_timestamp(s, 10, &ns, &flags) != 0 ||
        !(flags & SW_TS_DATE_ONLY))
        return -1;
    *day = sw_ny_day(ns, NULL);
    return 0;
}

/* ---- alerts ------------------------------------------------------------------ */

static int in_range(const report_run *rr, int64_t day)
{
    if (rr->range == RANGE_LAST_DAY)
        return rr->books[0].day == INT64_MIN || day >= rr->books[0].day;
    return day >= rr->day0 && day < rr->day0 + (int64_t)rr->n_days;
}

static void keep_alert(report_run *rr, const sw_alert *a)
{
    if (!in_range(rr, sw_ny_day(a->ts_ns, NULL)))
        return;
    if (rr->n_alerts >= MAX_ALERTS) {
        rr->alerts_over++;
        return;
    }
    if (rr->n_alerts == rr->cap_alerts) {
        size_t cap = rr->cap_alerts ? rr->cap_alerts * 2 : 64;
        sw_alert *p = realloc(rr->alerts, cap * sizeof *p);
        if (!p) {
            rr->oom = 1;
            return;
        }
        rr->alerts = p;
        rr->cap_alerts = cap;
    }
    rr->alerts[rr->n_alerts++] = *a;
}

static void on_alert(void *ctx, const sw_alert *a)
{
    report_run *rr = ctx;
    rr->alerts_seen++;
    if (rr->collect_alerts)
        keep_alert(rr, a);
}

static void on_file_alert(void *ctx, const sw_alert *a)
{
    keep_alert(ctx, a);
}

/* The report's alerts in time order (ties: the order they came in), each id
 * once (an exported stream may hold an alert twice: delivery is at least
 * once). */
typedef struct order {
    int64_t ts;
    size_t seq;
} order;

static int by_time(const void *pa, const void *pb)
{
    const order *a = pa, *b = pb;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int sort_alerts(report_run *rr)
{
    size_t n = rr->n_alerts;
    order *o = malloc((n ? n : 1) * sizeof *o);
    sw_alert *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!o || !sorted) {
        free(o);
        free(sorted);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        o[i].ts = rr->alerts[i].ts_ns;
        o[i].seq = i;
    }
    qsort(o, n, sizeof *o, by_time);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        const sw_alert *a = &rr->alerts[o[i].seq];
        int dup = 0;
        /* Same id means same event time: look back among the equal times. */
        for (size_t k = w; k-- > 0 && sorted[k].ts_ns == a->ts_ns;)
            dup |= strcmp(sorted[k].id, a->id) == 0;
        if (dup)
            rr->duplicates++;
        else
            sorted[w++] = *a;
    }
    free(o);
    free(rr->alerts);
    rr->alerts = sorted;
    rr->n_alerts = w;
    rr->cap_alerts = n ? n : 1;
    return 0;
}

/* A new last day: forget the day before, and its alerts. */
static void start_last_day(report_run *rr, int64_t day)
{
    sw_daybook_start(&rr->books[0], day, &rr->cfg.cal);
    size_t w = 0;
    for (size_t i = 0; i < rr->n_alerts; i++)
        if (sw_ny_day(rr->alerts[i].ts_ns, NULL) >= day)
            rr->alerts[w++] = rr->alerts[i];
    rr->n_alerts = w;
    rr->alerts_over = 0;
    rr->ticks_in_range = 0;
}

/* ---- the replay ---------------------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void clear_progress(void *ctx)
{
    sw_progress_clear(ctx);
}

static int run_replay(report_run *rr)
{
    uint64_t n = 0;
    int64_t end = rr->range == RANGE_LAST_DAY ? INT64_MAX
                                              : sw_ny_to_utc(rr->day0 + (int64_t)rr->n_days, 0, 0, 0);
    sw_event ev;
    while (sw_replay_next(&rr->replay, &ev)) {
        if (++n % PROGRESS_EVERY == 0)
            sw_progress_update(&rr->progress, now_ns(), sw_replay_bytes_read(&rr->replay), rr->pipe.engine.stats.ticks,
                               rr->alerts_seen);
        /* Past the report's last day nothing more is drawn. */
        if (ev.tick.ts_ns >= end)
            break;
        sw_tick_result tr = sw_pipeline_event(&rr->pipe, &ev);
        if (ev.kind != SW_EV_TICK || tr != SW_TICK_OK)
            continue;
        sw_symbol *s = sw_engine_symbol(&rr->pipe.engine, ev.tick.symbol);
        int64_t day = s->day;
        if (rr->first_day == INT64_MIN)
            rr->first_day = day;
        rr->last_day = day;
        if (rr->range == RANGE_LAST_DAY && day > rr->books[0].day)
            start_last_day(rr, day);
        int64_t k = rr->range == RANGE_LAST_DAY ? 0 : day - rr->day0;
        if (k < 0 || k >= (int64_t)rr->n_books)
            continue;
        rr->ticks_in_range++;
        /* The previous close the engine holds now is the one pct_move uses. */
        if (sw_daybook_add(&rr->books[k], s->index, &ev.tick, s->prev_close) != 0 && !rr->oom) {
            sw_error("out of memory keeping %s's path", s->name);
            rr->oom = 1;
        }
    }
    sw_progress_clear(&rr->progress); /* the work is done: the line goes before what follows */
    return rr->oom ? -1 : 0;
}

/* ---- the page ---------------------------------------------------------------------- */

static int write_file(const char *path, const char *data, size_t len)
{
    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
            sw_error("cannot write the report to standard output: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    /* Written beside the target and renamed: a reader never sees half a page. */
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        sw_error("%s: path too long", path);
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        sw_error("cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    int ok = fwrite(data, 1, len, f) == len;
    ok &= fflush(f) == 0;
    int err = errno;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) {
        if (ok)
            err = errno;
        sw_error("cannot write %s: %s", path, strerror(err));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void add_note(char *notes, size_t cap, const char *text)
{
    size_t n = strlen(notes);
    if (n + 3 < cap)
        snprintf(notes + n, cap - n, "%s%s", n ? "; " : "", text);
}

/* Draw the page and write it.  Returns an exit status. */
static int draw(report_run *rr, const char *const *paths, size_t n_paths, const char *config_path,
                const char *alerts_path, const sw_alert_file_stats *afs, const char *out_path)
{
    sw_engine *e = &rr->pipe.engine;
    int rc = EXIT_RUNTIME;
    sw_model model;
    sw_dbuf page;
    sw_dbuf_init(&page, MAX_REPORT_BYTES);
    if (sw_model_build(&model, e, &rr->cfg) != 0) {
        sw_error("out of memory");
        goto out;
    }
    char notes[2048] = "", line[700];
    const sw_replay_stats *rs = &rr->replay.stats;
    if (rs->bad_lines || rs->bad_trades) {
        snprintf(line, sizeof line, "%llu unreadable lines and %llu bad trades skipped (see the warnings)",
                 (unsigned long long)rs->bad_lines, (unsigned long long)rs->bad_trades);
        add_note(notes, sizeof notes, line);
    }
    if (e->stats.unknown_symbol) {
        snprintf(line, sizeof line, "%llu trades of symbols outside the watchlist ignored",
                 (unsigned long long)e->stats.unknown_symbol);
        add_note(notes, sizeof notes, line);
    }
    if (afs && afs->bad) {
        snprintf(line, sizeof line, "%llu lines of the alerts file refused (first: %s)",
                 (unsigned long long)afs->bad, afs->first_bad);
        add_note(notes, sizeof notes, line);
    }
    if (rr->duplicates) {
        snprintf(line, sizeof line, "%llu repeated alerts (same id) drawn once", (unsigned long long)rr->duplicates);
        add_note(notes, sizeof notes, line);
    }
    if (rr->alerts_over) {
        snprintf(line, sizeof line, "%llu alerts beyond the first %d not drawn", (unsigned long long)rr->alerts_over,
                 MAX_ALERTS);
        add_note(notes, sizeof notes, line);
    }
    sw_report rep = {
        .week = rr->range == RANGE_WEEK, .books = rr->books, .n_books = rr->n_books, .symbols = model.names,
        .n_symbols = e->n_syms, .groups = model.groups, .n_groups = e->n_groups, .alerts = rr->alerts,
        .n_alerts = rr->n_alerts, .levels = model.levels, .n_levels = model.n_levels, .cal = &rr->cfg.cal,
        .inputs = paths, .n_inputs = n_paths, .config = config_path, .alerts_file = alerts_path,
        .n_detectors = rr->cfg.n_detectors, .notes = notes, .version = SHOCK_VERSION,
    };
    if (sw_report_html(&rep, &page) != 0) {
        sw_error(sw_dbuf_error(&page) == SW_DBUF_TOOBIG ? "the report would exceed %u MiB"
                                                        : "out of memory drawing the report (limit %u MiB)",
                 MAX_REPORT_BYTES >> 20);
        goto out;
    }
    if (write_file(out_path, page.p, page.len) != 0)
        goto out;
    char day[16];
    fprintf(stderr, "shock-report: wrote %s (%zu bytes): %s %s, %zu symbols, %zu alerts%s\n",
            strcmp(out_path, "-") == 0 ? "standard output" : out_path, page.len,
            rr->range == RANGE_WEEK ? "week of" : "day", sw_ny_date(rr->books[0].day, day), e->n_syms,
            rr->n_alerts, alerts_path ? " (from the alerts file)" : "");
    rc = 0;
out:
    sw_dbuf_free(&page);
    sw_model_free(&model);
    return rc;
}

/* The command line. */
typedef struct cli {
    const char *config, *format, *alerts, *out, *log_level, *day, *week;
    const char **paths, **groups;
    size_t n_paths, n_groups;
    int quiet;
} cli;

/* Fill c from argv.  Returns -1 to go on, or the exit status: 0 after
 * --help or --version, EXIT_USAGE after saying what is wrong. */
static int parse_args(cli *c, int argc, char **argv)
{
    /* Every option but --help, --version and --quiet takes a value. */
#define VALUE_OPT(name, letter) { name, required_argument, NULL, letter }
    static const struct option opts[] = {
        VALUE_OPT("config", 'c'), VALUE_OPT("replay", 'r'),  VALUE_OPT("format", 'f'),
        VALUE_OPT("alerts", 'a'), VALUE_OPT("day", 'd'),     VALUE_OPT("week", 'w'),
        VALUE_OPT("output", 'o'), VALUE_OPT("group", 'g'),   VALUE_OPT("log-level", 'l'),
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 },
    };
#undef VALUE_OPT
    c->config = "/etc/shockwatch/shockwatch.json";
    c->paths = calloc((size_t)argc + 1, sizeof *c->paths);
    c->groups = calloc((size_t)argc + 1, sizeof *c->groups);
    if (!c->paths || !c->groups)
        return EXIT_RUNTIME;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:o:qhV", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': c->config = optarg; break;
        case 'r': c->paths[c->n_paths++] = optarg; break;
        case 'f': c->format = optarg; break;
        case 'a': c->alerts = optarg; break;
        case 'd': c->day = optarg; break;
        case 'w': c->week = optarg; break;
        case 'o': c->out = optarg; break;
        case 'g': c->groups[c->n_groups++] = optarg; break;
        case 'l': c->log_level = optarg; break;
        case 'q': c->quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("shock-report %s\n", SHOCK_VERSION); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    const char *why = NULL;
    if (optind < argc && c->n_paths == 0)
        why = "paths follow --replay";
    /* The --replay list goes on after the options. */
    while (!why && optind < argc)
        c->paths[c->n_paths++] = argv[optind++];
    if (why)
        fprintf(stderr, "shock-report: unexpected argument \"%s\" (%s)\n", argv[optind], why);
    else if (c->n_paths == 0)
        fprintf(stderr, "shock-report: --replay PATH is required: the recorded trades to draw\n");
    else if (c->day && c->week)
        fprintf(stderr, "shock-report: --day and --week exclude each other\n");
    else if (c->log_level && sw_log_parse_level(c->log_level) < 0)
        fprintf(stderr, "shock-report: --log-level: \"%s\" is not one of error, warning, info, debug\n",
                c->log_level);
    else
        return -1;
    return EXIT_USAGE;
}

/* The days to draw from --day or --week (default: the last day, found
 * while reading).  Returns 0, or -1 after saying the date is wrong. */
static int set_range(report_run *rr, const cli *c)
{
    rr->range = RANGE_LAST_DAY;
    rr->n_days = 1;
    if (!c->day && !c->week)
        return 0;
    int64_t d;
    if (parse_day(c->day ? c->day : c->week, &d) != 0) {
        fprintf(stderr, "shock-report: %s: \"%s\" is not a date YYYY-MM-DD\n", c->day ? "--day" : "--week",
                c->day ? c->day : c->week);
        return -1;
    }
    rr->range = c->day ? RANGE_DAY : RANGE_WEEK;
    /* Monday of the week (sw_weekday: 0 is Sunday, which ends a week). */
    rr->day0 = c->day ? d : d - (sw_weekday(d) + 6) % 7;
    rr->n_days = c->day ? 1 : 5;
    return 0;
}

int main(int argc, char **argv)
{
    static report_run rr; /* large, and lives as long as the process */
    cli c;
    memset(&c, 0, sizeof c);
    sw_log_init("shock-report");
    sw_logout_from_environment();
    int rc = parse_args(&c, argc, argv);
    if (rc >= 0)
        goto out_args;
    rc = EXIT_USAGE;
    if (set_range(&rr, &c) != 0)
        goto out_args;
    rc = sw_pipeline_config(&rr.cfg, c.config, c.groups, c.n_groups, c.log_level);
    if (rc != 0) {
        rc = rc == 2 ? EXIT_USAGE : EXIT_CONFIG;
        goto out_args;
    }
    if (sw_jsonarena_install() != 0)
        sw_warn("JSON arena unavailable: parsing with malloc");

    rc = EXIT_CONFIG;
    sw_alert_file_stats afs;
    memset(&afs, 0, sizeof afs);
    rr.collect_alerts = c.alerts == NULL;
    rr.first_day = rr.last_day = INT64_MIN;
    if (sw_replay_open(&rr.replay, c.paths, c.n_paths, c.format, rr.cfg.feed.provider) != 0)
        goto out_cfg;
    rc = EXIT_RUNTIME;
    if (sw_pipeline_init(&rr.pipe, &rr.cfg, on_alert, &rr) != 0)
        goto out;
    rr.n_books = rr.n_days;
    for (size_t d = 0; d < rr.n_books; d++) {
        if (sw_daybook_init(&rr.books[d], rr.pipe.engine.n_syms, rr.range == RANGE_WEEK ? WEEK_STEP : DAY_STEP) != 0) {
            sw_error("out of memory");
            goto out;
        }
        if (rr.range != RANGE_LAST_DAY)
            sw_daybook_start(&rr.books[d], rr.day0 + (int64_t)d, &rr.cfg.cal);
    }
    /* A replay of a long recording: how far it got, on a terminal. */
    if (sw_progress_init(&rr.progress, STDERR_FILENO, !c.quiet, "report", rr.replay.bytes_total, now_ns()))
        sw_logout_set_before_line(clear_progress, &rr.progress); /* log lines start at the margin */
    int replayed = run_replay(&rr);
    sw_logout_set_before_line(NULL, NULL);
    if (replayed != 0)
        goto out;
    char d1[16], d2[16], d3[16];
    if (rr.first_day == INT64_MIN) {
        sw_error("no trade of the watchlist's %zu symbols in the inputs", rr.pipe.engine.n_syms);
        rc = EXIT_CONFIG;
        goto out;
    }
    if (rr.range == RANGE_LAST_DAY)
        rr.day0 = rr.books[0].day;
    if (rr.ticks_in_range == 0) {
        sw_error("no trade of the watchlist on %s%s in the inputs (they hold %s to %s)",
                 rr.range == RANGE_WEEK ? "the week of " : "", sw_ny_date(rr.day0, d1), sw_ny_date(rr.first_day, d2),
                 sw_ny_date(rr.last_day, d3));
        rc = EXIT_CONFIG;
        goto out;
    }
    if (c.alerts) {
        char err[600];
        if (sw_alert_file_read(c.alerts, on_file_alert, &rr, &afs, err, sizeof err) != 0) {
            sw_error("--alerts: %s", err);
            rc = EXIT_CONFIG;
            goto out;
        }
    }
    if (rr.oom || sort_alerts(&rr) != 0) {
        sw_error("out of memory");
        goto out;
    }
    char def_out[64];
    if (!c.out) {
        snprintf(def_out, sizeof def_out, "shockwatch-%s-%s.html", rr.range == RANGE_WEEK ? "week" : "report",
                 sw_ny_date(rr.day0, d1));
        c.out = def_out;
    }
    rc = draw(&rr, c.paths, c.n_paths, c.config, c.alerts, c.alerts ? &afs : NULL, c.out);
out:
    sw_replay_close(&rr.replay, NULL);
    for (size_t d = 0; d < rr.n_books; d++)
        sw_daybook_free(&rr.books[d]);
    free(rr.alerts);
    sw_pipeline_free(&rr.pipe);
out_cfg:
    sw_config_free(&rr.cfg);
    sw_jsonarena_uninstall();
out_args:
    free(c.paths);
    free(c.groups);
    return rc;
}
