/* sw_replay.c -- see sw_replay.h. */
#include "sw_replay.h"
#include "sw_log.h"
#include "sw_time.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Events handed to the engine per loop iteration when running at full speed:
 * large enough that loop overhead vanishes, small enough that a signal is
 * handled within milliseconds. */
#define PUMP_BATCH 8192
/* Longest a paced replay waits for the next event before skipping ahead. */
#define MAX_WAIT_MS 2000

struct sw_replay_file {
    const char *path;
    int is_csv;
    const sw_provider *prov;
    sw_lines lines;
    sw_csv csv;
    sw_event *ev;            /* decoded events of the current line */
    sw_event *spare;         /* the previous line's, while its last event is handed over */
    sw_tick *scratch;        /* provider parse output */
    size_t n, pos;
    int eof;
};

static void report_bad(sw_replay *r, const char *path, unsigned long line, const char *why)
{
    r->stats.bad_lines++;
    if (r->stats.bad_lines <= SW_REPLAY_REPORT_FIRST)
        sw_warn("replay: %s:%lu: %s%s", path, line, why,
                r->stats.bad_lines == SW_REPLAY_REPORT_FIRST ? " (further bad lines are only counted)" : "");
}

/* Decode lines until one yields events or the file ends. */
static void refill(sw_replay *r, sw_replay_file *f)
{
    f->n = f->pos = 0;
    while (!f->eof && f->n == 0) {
        if (f->is_csv) {
            sw_bar bar;
            const char *why = NULL;
            int rc = sw_csv_next(&f->csv, &bar, &why);
            if (rc == SW_LINES_EOF || rc == SW_LINES_ERROR) {
                if (rc == SW_LINES_ERROR)
                    sw_error("replay: %s: read error: %s", f->path, strerror(errno));
                f->eof = 1;
                break;
            }
            r->stats.lines++;
            if (rc == SW_CSV_BAD) {
                report_bad(r, f->path, f->csv.lines.lineno, why);
                continue;
            }
            sw_tick t[4];
            sw_bar_ticks(&f->csv, &bar, t);
            if (bar.split > 0) {
                sw_event *e = &f->ev[f->n++];
                memset(e, 0, sizeof *e);
                e->kind = SW_EV_SPLIT;
                e->tick = t[0];
                e->ratio = bar.split;
            }
            for (int i = 0; i < 4; i++) {
                f->ev[f->n].kind = SW_EV_TICK;
                f->ev[f->n].tick = t[i];
                f->n++;
            }
        } else {
            char *line;
            size_t len;
            int rc = sw_lines_next(&f->lines, &line, &len);
            if (rc == SW_LINES_EOF || rc == SW_LINES_ERROR) {
                if (rc == SW_LINES_ERROR)
                    sw_error("replay: %s: read error: %s", f->path, strerror(errno));
                f->eof = 1;
                break;
            }
            r->stats.lines++;
            if (rc == SW_LINES_TOO_LONG) {
                report_bad(r, f->path, f->lines.lineno, "line longer than 1 MiB");
                continue;
            }
            if (len == 0)
                continue;
            sw_parse_result pr;
            f->prov->parse(line, len, f->scratch, SW_MAX_TICKS_PER_MSG, &pr);
            if (pr.kind == SW_MSG_BAD) {
                report_bad(r, f->path, f->lines.lineno, pr.why);
                continue;
            }
            if (pr.kind == SW_MSG_CONTROL) {
                r->stats.control++;
                continue;
            }
            if (pr.n_bad) {
                r->stats.bad_trades += pr.n_bad;
                if (pr.n_ticks == 0) {
                    report_bad(r, f->path, f->lines.lineno, pr.why);
                    continue;
                }
                if (r->stats.bad_trades <= SW_REPLAY_REPORT_FIRST)
                    sw_warn("replay: %s:%lu: %zu trade(s) dropped: %s", f->path, f->lines.lineno,
                            pr.n_bad, pr.why);
            }
            for (size_t i = 0; i < pr.n_ticks; i++) {
                f->ev[i].kind = SW_EV_TICK;
                f->ev[i].tick = f->scratch[i];
            }
            f->n = pr.n_ticks;
        }
    }
}

static int64_t next_ts(const sw_replay *r, size_t fi)
{
    const sw_replay_file *f = &r->files[fi];
    return f->ev[f->pos].tick.ts_ns;
}

/* Heap order: earlier event first, then the earlier file on the command line. */
static int before(const sw_replay *r, size_t a, size_t b)
{
    int64_t ta = next_ts(r, a), tb = next_ts(r, b);
    return ta < tb || (ta == tb && a < b);
}

static void sift_down(sw_replay *r, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < r->heap_n && before(r, r->heap[l], r->heap[m]))
            m = l;
        if (l + 1 < r->heap_n && before(r, r->heap[l + 1], r->heap[m]))
            m = l + 1;
        if (m == i)
            return;
        size_t t = r->heap[i];
        r->heap[i] = r->heap[m];
        r->heap[m] = t;
        i = m;
    }
}

static void sift_up(sw_replay *r, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(r, r->heap[i], r->heap[p]))
            return;
        size_t t = r->heap[i];
        r->heap[i] = r->heap[p];
        r->heap[p] = t;
        i = p;
    }
}

static const char *ext_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    return dot ? dot + 1 : "";
}

/* The file's size for bytes_total, or -1 when it has none (stdin, a FIFO). */
static int64_t input_size(FILE *f)
{
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    return (int64_t)st.st_size;
}

int sw_replay_open(sw_replay *r, const char *const *paths, size_t n, const char *format,
                   const char *provider)
{
    int sizes_known = 1;
    memset(r, 0, sizeof *r);
    r->files = calloc(n ? n : 1, sizeof *r->files);
    r->heap = calloc(n ? n : 1, sizeof *r->heap);
    if (!r->files || !r->heap) {
        sw_error("replay: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        sw_replay_file *f = &r->files[i];
        f->path = paths[i];
        const char *fmt = format ? format : strcmp(ext_of(paths[i]), "csv") == 0 ? "csv" : provider;
        if (!fmt)
            fmt = "finnhub"; /* the config's default provider */
        f->is_csv = strcmp(fmt, "csv") == 0;
        f->ev = malloc(SW_MAX_TICKS_PER_MSG * sizeof *f->ev);
        f->spare = malloc(SW_MAX_TICKS_PER_MSG * sizeof *f->spare);
        if (!f->ev || !f->spare) {
            sw_error("replay: out of memory");
            goto fail;
        }
        r->n_files++;
        if (f->is_csv) {
            char err[600];
            if (sw_csv_open(&f->csv, paths[i], err, sizeof err) != 0) {
                sw_error("replay: %s", err);
                goto fail;
            }
        } else {
            f->prov = sw_provider_find(fmt);
            if (!f->prov) {
                sw_error("replay: %s: unknown format \"%s\" (csv, %s)", paths[i], fmt, sw_provider_names());
                goto fail;
            }
            f->scratch = malloc(SW_MAX_TICKS_PER_MSG * sizeof *f->scratch);
            if (!f->scratch || sw_lines_open(&f->lines, paths[i], SW_NDJSON_MAX_LINE) != 0) {
                sw_error("replay: %s: cannot open: %s", paths[i], strerror(errno));
                goto fail;
            }
        }
        int64_t size = input_size(f->is_csv ? f->csv.lines.f : f->lines.f);
        sizes_known = sizes_known && size >= 0;
        r->bytes_total += size > 0 ? (uint64_t)size : 0;
    }
    if (!sizes_known)
        r->bytes_total = 0;
    return 0;
fail:
    sw_replay_close(r, NULL);
    return -1;
}

static void finish(sw_replay *r)
{
    if (r->finished)
        return;
    r->finished = 1;
    if (uv_is_active((uv_handle_t *)&r->idle))
        uv_idle_stop(&r->idle);
    if (uv_is_active((uv_handle_t *)&r->timer))
        uv_timer_stop(&r->timer);
    if (r->on_done)
        r->on_done(r->ctx, r);
}

/* Hand over the next event and re-position its file in the heap. */
static void emit_one(sw_replay *r)
{
    size_t fi = r->heap[0];
    sw_replay_file *f = &r->files[fi];
    const sw_event *ev = &f->ev[f->pos];
    if (++f->pos == f->n) {
        /* The line's last event: decode the next line first, into the other
         * buffer, so the event after this one is known before this one runs. */
        sw_event *cur = f->ev;
        f->ev = f->spare;
        f->spare = cur;
        refill(r, f);
    }
    if (f->pos < f->n) {
        sift_down(r, 0);
    } else {
        r->heap[0] = r->heap[--r->heap_n];
        if (r->heap_n)
            sift_down(r, 0);
    }
    /* Everything about the files is settled before the event runs: the
     * heap's top is the event after it. */
    if (r->ahead && r->heap_n) {
        const sw_replay_file *nf = &r->files[r->heap[0]];
        r->ahead(r->ctx, &nf->ev[nf->pos]);
    }
    r->stats.events++;
    r->on_event(r->ctx, ev);
}

static void on_idle(uv_idle_t *h)
{
    sw_replay *r = h->data;
    for (int i = 0; i < PUMP_BATCH && r->heap_n && !r->stopped; i++)
        emit_one(r);
    if (!r->heap_n || r->stopped)
        finish(r);
}

static void on_timer(uv_timer_t *h)
{
    sw_replay *r = h->data;
    uint64_t now = uv_now(r->loop);
    int64_t target = r->ev0 + (int64_t)((double)(now - r->wall0_ms) * 1e6 * r->speed);
    int budget = 200000;
    while (r->heap_n && !r->stopped && budget-- > 0) {
        int64_t ts = next_ts(r, r->heap[0]);
        if (ts > target) {
            /* Nights, weekends and lunch lulls would leave a paced replay
             * silent for minutes: jump over any wait longer than MAX_WAIT_MS. */
            if ((double)(ts - target) / 1e6 / r->speed > MAX_WAIT_MS) {
                r->stats.skipped_gaps++;
                char gap[32];
                sw_debug("replay: skipping %s of quiet event time",
                         sw_format_duration((ts - target) / SW_NS_PER_SEC * SW_NS_PER_SEC, gap, sizeof gap));
                r->ev0 += ts - target;
                target = ts;
            } else {
                break;
            }
        }
        emit_one(r);
    }
    if (!r->heap_n || r->stopped)
        finish(r);
}

/* Read each file's first events and order the files by them. */
static void prime_heap(sw_replay *r)
{
    for (size_t i = 0; i < r->n_files; i++) {
        refill(r, &r->files[i]);
        if (r->files[i].pos < r->files[i].n) {
            r->heap[r->heap_n] = i;
            sift_up(r, r->heap_n++);
        }
    }
}

static void copy_event(void *ctx, const sw_event *ev)
{
    *(sw_event *)ctx = *ev;
}

int sw_replay_next(sw_replay *r, sw_event *out)
{
    if (!r->pulling) {
        r->pulling = 1;
        prime_heap(r);
    }
    if (!r->heap_n)
        return 0;
    /* The same merge step as the loop-driven pump, with a copying sink. */
    r->on_event = copy_event;
    r->ctx = out;
    emit_one(r);
    return 1;
}

int sw_replay_start(sw_replay *r, uv_loop_t *loop, double speed, sw_replay_event_fn on_event,
                    sw_replay_done_fn on_done, void *ctx)
{
    r->loop = loop;
    r->speed = speed > 0 ? speed : 0;
    r->on_event = on_event;
    r->on_done = on_done;
    r->ctx = ctx;
    prime_heap(r);
    int rc = uv_idle_init(loop, &r->idle);
    if (rc == 0) {
        r->idle.data = r;
        r->idle_init = 1;
        r->open_handles++;
        rc = uv_timer_init(loop, &r->timer);
        if (rc == 0) {
            r->timer.data = r;
            r->timer_init = 1;
            r->open_handles++;
        }
    }
    if (rc != 0) {
        sw_error("replay: cannot set up the loop: %s", uv_strerror(rc));
        return -1;
    }
    r->started = 1;
    if (r->speed == 0) {
        rc = uv_idle_start(&r->idle, on_idle);
    } else {
        r->ev0 = r->heap_n ? next_ts(r, r->heap[0]) : 0;
        r->wall0_ms = uv_now(loop);
        rc = uv_timer_start(&r->timer, on_timer, 0, 5);
    }
    if (rc != 0) {
        sw_error("replay: cannot start: %s", uv_strerror(rc));
        return -1;
    }
    return 0;
}

const char *sw_replay_provider(const sw_replay *r)
{
    if (!r->n_files)
        return NULL;
    return r->files[0].is_csv ? "csv" : r->files[0].prov->name;
}

uint64_t sw_replay_bytes_read(const sw_replay *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->n_files; i++)
        n += sw_lines_offset(r->files[i].is_csv ? &r->files[i].csv.lines : &r->files[i].lines);
    return n;
}

void sw_replay_stop(sw_replay *r)
{
    r->stopped = 1;
    if (r->started)
        finish(r);
}

static void on_handle_closed(uv_handle_t *h)
{
    sw_replay *r = h->data;
    if (--r->open_handles == 0 && r->closed)
        r->closed(r);
}

static void free_files(sw_replay *r)
{
    for (size_t i = 0; i < r->n_files; i++) {
        sw_replay_file *f = &r->files[i];
        if (f->is_csv)
            sw_csv_close(&f->csv);
        else
            sw_lines_close(&f->lines);
        free(f->ev);
        free(f->spare);
        free(f->scratch);
    }
    free(r->files);
    free(r->heap);
    r->files = NULL;
    r->heap = NULL;
    r->n_files = 0;
}

void sw_replay_close(sw_replay *r, void (*closed)(sw_replay *r))
{
    free_files(r);
    r->closed = closed;
    if (r->open_handles == 0) {
        if (closed)
            closed(r);
        return;
    }
    /* Handles are freed with r, so r must live until both close callbacks ran. */
    if (r->idle_init && !uv_is_closing((uv_handle_t *)&r->idle))
        uv_close((uv_handle_t *)&r->idle, on_handle_closed);
    if (r->timer_init && !uv_is_closing((uv_handle_t *)&r->timer))
        uv_close((uv_handle_t *)&r->timer, on_handle_closed);
}
