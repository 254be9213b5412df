/* The progress line (sw_progress) and shockd --replay drawing it: the text of
 * the line, at most one draw per 250 ms, nothing on a pipe, on a terminal
 * only through a pseudo-terminal (posix_openpt), erased at the end; and
 * shockd on a pseudo-terminal stderr: the line appears with bytes of the
 * total, ticks/s, alerts and ETA, is erased before the summary, never goes
 * to stdout, and not at all with --quiet or when stderr is a file.  Every
 * wait is on a condition with a deadline. */
#define _DEFAULT_SOURCE   /* timegm, mkdtemp (sw_test_ops.h) */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */
#include "sw_progress.h"
#include "sw_replay.h"
#include "sw_test_ops.h"

#include <poll.h>
#include <sys/ioctl.h>

TestSuite(progress, .init = ops_setup, .fini = ops_teardown, .timeout = 120);

#define MS 1000000ull

/* ---- the line's text ------------------------------------------------------- */

Test(progress, format_shows_bytes_of_total_rate_alerts_and_eta)
{
    char line[SW_PROGRESS_LINE_MAX];
    sw_progress_sample s = {
        .label = "replay",
        .elapsed_ns = 12 * 1000 * MS,
        .bytes_done = 412ull * 1024 * 1024 + 300 * 1024,
        .bytes_total = 1288490189ull, /* 1.20 GiB */
        .ticks_per_s = 1.52e6,
        .alerts = 87,
    };
    size_t n = sw_progress_format(&s, line, sizeof line);
    /* 412.3 MiB of 1228.8 MiB in 12 s: 816.5 MiB left at 34.4 MiB/s, 23.8 s. */
    cr_expect_str_eq(line, "replay 0:12 412.3 MiB/1.20 GiB 33% 1.52M ticks/s 87 alerts ETA 0:24");
    cr_expect_eq(n, strlen(line));

    /* A pipe has no total: bytes only, no percentage, no ETA. */
    s.bytes_total = 0;
    s.bytes_done = 2048;
    s.ticks_per_s = 950;
    s.alerts = 1;
    s.elapsed_ns = 3725ull * 1000 * MS;
    sw_progress_format(&s, line, sizeof line);
    cr_expect_str_eq(line, "replay 1:02:05 2.0 KiB 950 ticks/s 1 alert");

    /* Nothing read yet: the ETA is unknown; small byte counts in bytes. */
    s.bytes_total = 500;
    s.bytes_done = 0;
    s.ticks_per_s = 12345;
    s.alerts = 0;
    s.label = NULL;
    sw_progress_format(&s, line, sizeof line);
    cr_expect_str_eq(line, "1:02:05 0 B/500 B 0% 12.3k ticks/s 0 alerts ETA --:--");

    /* A short buffer cuts the text and stays terminated. */
    char small[10];
    n = sw_progress_format(&s, small, sizeof small);
    cr_expect_eq(n, 9);
    cr_expect_str_eq(small, "1:02:05 0");
}

/* ---- drawing on a terminal ------------------------------------------------- */

/* A pseudo-terminal pair: *master to read what was drawn, the slave's fd
 * returned; cols columns wide. */
static int open_pty(int *master, unsigned short cols)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(m, 0, "posix_openpt: %s", strerror(errno));
    cr_assert_eq(grantpt(m), 0);
    cr_assert_eq(unlockpt(m), 0);
    struct winsize ws = { .ws_row = 24, .ws_col = cols };
    cr_assert_eq(ioctl(m, TIOCSWINSZ, &ws), 0);
    int s = open(ptsname(m), O_RDWR | O_NOCTTY);
    cr_assert_geq(s, 0, "%s: %s", ptsname(m), strerror(errno));
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
    *master = m;
    return s;
}

/* What is waiting on the master side now (nothing: ""). */
static const char *drain(int m)
{
    static char buf[4096];
    size_t n = 0;
    /* Output written to the slave is on the master side once write()
     * returned; a short poll covers the line discipline's hand-over. */
    struct pollfd p = { .fd = m, .events = POLLIN };
    while (n + 1 < sizeof buf && poll(&p, 1, n ? 0 : 200) > 0) {
        ssize_t r = read(m, buf + n, sizeof buf - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    return buf;
}

Test(progress, draws_at_most_every_250_ms_and_erases)
{
    int m, s = open_pty(&m, 200);
    sw_progress p;
    uint64_t t0 = 1000 * MS;
    cr_assert_eq(sw_progress_init(&p, s, 1, "replay", 4096, t0), 1, "a terminal turns it on");

    cr_expect_eq(sw_progress_update(&p, t0 + 100 * MS, 100, 10, 0), 0, "too early");
    cr_expect_eq(sw_progress_update(&p, t0 + 249 * MS, 100, 10, 0), 0, "too early");
    cr_expect_eq(sw_progress_update(&p, t0 + 250 * MS, 1024, 500, 1), 1);
    const char *out = drain(m);
    cr_expect_str_eq(out, "\rreplay 0:00 1.0 KiB/4.0 KiB 25% 2.0k ticks/s 1 alert ETA 0:01\033[K");
    cr_expect_eq(sw_progress_update(&p, t0 + 400 * MS, 2048, 600, 1), 0, "150 ms after the last draw");
    /* ticks/s since the previous draw: 1500 ticks in 0.5 s */
    cr_expect_eq(sw_progress_update(&p, t0 + 750 * MS, 2048, 2000, 3), 1);
    out = drain(m);
    cr_expect_str_eq(out, "\rreplay 0:00 2.0 KiB/4.0 KiB 50% 3.0k ticks/s 3 alerts ETA 0:01\033[K");

    sw_progress_clear(&p);
    cr_expect_str_eq(drain(m), "\r\033[K", "erased");
    sw_progress_clear(&p);
    cr_expect_str_eq(drain(m), "", "nothing drawn, nothing to erase");
    close(s);
    close(m);
}

Test(progress, cut_to_the_terminal_width)
{
    int m, s = open_pty(&m, 20);
    sw_progress p;
    sw_progress_init(&p, s, 1, "replay", 4096, 0);
    cr_assert_eq(sw_progress_update(&p, 300 * MS, 1024, 10, 0), 1);
    /* 19 characters: a line as wide as the terminal would wrap. */
    cr_expect_str_eq(drain(m), "\rreplay 0:00 1.0 KiB\033[K");
    close(s);
    close(m);
}

Test(progress, off_on_a_pipe_and_when_quiet)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    sw_progress p;
    cr_expect_eq(sw_progress_init(&p, fds[1], 1, "replay", 4096, 0), 0, "a pipe is not a terminal");
    cr_expect_eq(sw_progress_update(&p, 1000 * MS, 10, 10, 0), 0);
    sw_progress_clear(&p);
    close(fds[1]);
    char c;
    cr_expect_eq(read(fds[0], &c, 1), 0, "nothing written to the pipe");
    close(fds[0]);

    int m, s = open_pty(&m, 200);
    cr_expect_eq(sw_progress_init(&p, s, 0, "replay", 4096, 0), 0, "--quiet");
    cr_expect_eq(sw_progress_update(&p, 1000 * MS, 10, 10, 0), 0);
    sw_progress_clear(&p);
    cr_expect_str_eq(drain(m), "");
    close(s);
    close(m);
}

/* ---- what the replay reports: bytes read of the total ---------------------- */

static long file_size(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return (long)st.st_size;
}

Test(progress, replay_counts_bytes_read_of_all_files)
{
    /* An NDJSON recording and a real CSV file, merged. */
    FILE *f = fopen(ops_path("t.ndjson"), "w");
    int64_t t0 = ops_utc_ms(2025, 12, 23, 14, 30, 0, 0);
    for (int i = 0; i < 3000; i++)
        ops_trade(f, "NVDA", 180.0 + (i % 7) * 0.01, t0 + i * 1000);
    fclose(f);
    const char *paths[] = { ops_path("t.ndjson"), SW_SOURCE_DIR "/data/intraday_5m/NVDA_5m.csv" };
    sw_replay r;
    cr_assert_eq(sw_replay_open(&r, paths, 2, NULL, "finnhub"), 0);
    uint64_t total = (uint64_t)(file_size(paths[0]) + file_size(paths[1]));
    cr_expect_eq(r.bytes_total, total);
    uint64_t before = sw_replay_bytes_read(&r), last = before, n = 0;
    cr_expect_lt(before, total / 10, "only the CSV header is read at open");
    sw_event ev;
    int grew = 0;
    while (sw_replay_next(&r, &ev) == 1) {
        uint64_t b = sw_replay_bytes_read(&r);
        cr_assert_geq(b, last, "bytes read went back");
        cr_assert_leq(b, total);
        grew += b > last;
        last = b;
        n++;
    }
    cr_expect_gt(n, 3000);
    cr_expect_gt(grew, 100, "the count moves line by line, not file by file");
    cr_expect_eq(last, total, "all of both files at the end");
    sw_replay_close(&r, NULL);

    /* Not a regular file: no total (a progress line shows bytes only). */
    const char *dev[] = { "/dev/null" };
    cr_assert_eq(sw_replay_open(&r, dev, 1, "finnhub", NULL), 0);
    cr_expect_eq(r.bytes_total, 0);
    sw_replay_close(&r, NULL);
}

/* ---- shockd --replay --------------------------------------------------------- */

/* Two recordings: NVDA rising 2% in its first second (a warning, then a
 * critical vs the open), AMD flat; a trade every 10 ms of each for `secs`
 * seconds of event time; with `bad`, line 201 of NVDA's (2 s in) is not
 * JSON, which shockd reports with a warning.  Returns the two files' total
 * size. */
static long write_recordings(int secs, int bad)
{
    int64_t t0 = ops_utc_ms(2025, 1, 27, 14, 30, 0, 0);
    FILE *a = fopen(ops_path("nvda.ndjson"), "w");
    FILE *b = fopen(ops_path("amd.ndjson"), "w");
    cr_assert(a && b);
    for (int i = 0; i < secs * 100; i++) {
        if (bad && i == 200)
            fputs("{not json\n", a);
        ops_trade(a, "NVDA", 100.0 + (i < 100 ? i * 0.0205 : 2.05), t0 + i * 10);
        ops_trade(b, "AMD", 120.0, t0 + i * 10 + 5);
    }
    long total = ftell(a) + ftell(b);
    fclose(a);
    fclose(b);
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"reference\": \"open\", \"warning_pct\": 1, "
             "\"critical_pct\": 2}],\n"
             " \"sinks\": [\"stdout\"], \"stdout\": {\"format\": \"json\"}, \"log_level\": \"warning\",\n"
             " \"state_dir\": \"%s/state\"}\n",
             ops_dir);
    ops_write(ops_path("c.json"), cfg);
    return total;
}

/* shockd with stderr on a new pseudo-terminal (its controlling terminal),
 * stdout into a file. */
static pid_t spawn_on_pty(const char *const *argv, const char *out, int *master)
{
    int m, s = open_pty(&m, 200);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setsid();
        ioctl(s, TIOCSCTTY, 0);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(o, 1);
        dup2(s, 2);
        close(m);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(s);
    *master = m;
    return pid;
}

typedef struct pty_capture {
    char *buf;
    size_t len, cap;
} pty_capture;

/* Read what is there (waiting up to ms for the first byte); 0 at the end
 * (the child closed the terminal), 1 otherwise. */
static int pty_read(int m, pty_capture *c, int ms)
{
    struct pollfd p = { .fd = m, .events = POLLIN };
    if (poll(&p, 1, ms) <= 0)
        return 1;
    for (;;) {
        if (c->cap - c->len < 4096) {
            c->cap = c->cap ? c->cap * 2 : 65536;
            c->buf = realloc(c->buf, c->cap);
            cr_assert_not_null(c->buf);
        }
        ssize_t r = read(m, c->buf + c->len, c->cap - c->len - 1);
        if (r > 0) {
            c->len += (size_t)r;
            c->buf[c->len] = '\0';
            continue;
        }
        if (r < 0 && errno == EAGAIN)
            return 1;
        return 0; /* EIO: the slave side is closed */
    }
}

/* Keep reading until the child has exited and closed the terminal. */
static int pty_finish(int m, pid_t pid, pty_capture *c, int ms)
{
    uint64_t end = sw_test_now_ms() + (uint64_t)ms;
    while (pty_read(m, c, 50) && sw_test_now_ms() < end)
        ;
    return ops_wait(pid, (int)(end > sw_test_now_ms() ? end - sw_test_now_ms() : 1));
}

/* Every draw of the line labelled `label` in a pty's output ("\r<label>
 * ...\033[K"): one line each, holding every string of `has` and none of
 * `lacks` (NULL-terminated lists), at least one and at most 4 a second over
 * `elapsed_ms` (the first no sooner than 250 ms after the start).  The last
 * draw. */
static const char *check_draws(const char *buf, const char *label, const char *const *has, const char *const *lacks,
                               uint64_t elapsed_ms)
{
    char head[32], line[256];
    snprintf(head, sizeof head, "\r%s ", label);
    int draws = 0;
    const char *last = NULL;
    for (const char *p = strstr(buf, head); p; p = strstr(p + 1, head)) {
        const char *eol = strstr(p, "\033[K");
        cr_assert_not_null(eol, "a line without its erase-to-end: %s", p);
        snprintf(line, sizeof line, "%.*s", (int)(eol - p - 1), p + 1);
        for (size_t i = 0; has && has[i]; i++)
            cr_expect(strstr(line, has[i]) != NULL, "\"%s\" missing: %s", has[i], line);
        for (size_t i = 0; lacks && lacks[i]; i++)
            cr_expect(strstr(line, lacks[i]) == NULL, "\"%s\" in: %s", lacks[i], line);
        cr_expect(strchr(line, '\n') == NULL && strchr(line, '\r') == NULL, "one line: %s", line);
        draws++;
        last = p;
    }
    cr_expect_geq(draws, 1);
    cr_expect_leq(draws, (int)(elapsed_ms / 250) + 1, "%d draws in %llu ms", draws, (unsigned long long)elapsed_ms);
    return last;
}

/* How the total of the two files is printed: the same rule as the line. */
static void total_text(long total, char *buf, size_t cap)
{
    sw_progress_sample s = { .bytes_done = (uint64_t)total };
    char line[SW_PROGRESS_LINE_MAX];
    sw_progress_format(&s, line, sizeof line);
    /* "0:00 <bytes> 0 ticks/s ..." -> "<bytes>" */
    const char *b = strchr(line, ' ') + 1;
    const char *e = strstr(b, " 0 ticks/s");
    snprintf(buf, cap, "/%.*s ", (int)(e - b), b);
}

Test(progress, shockd_replay_draws_on_a_terminal_and_erases_before_the_summary)
{
    long total = write_recordings(10, 1);
    char want_total[64];
    total_text(total, want_total, sizeof want_total);
    const char *argv[] = { OPS_SHOCKD, "-c", ops_path("c.json"), "--speed", "1", "--replay",
                           ops_path("nvda.ndjson"), ops_path("amd.ndjson"), NULL };
    int m;
    uint64_t t_start = sw_test_now_ms();
    pid_t pid = spawn_on_pty(argv, ops_path("out.json"), &m);
    pty_capture c = { 0 };

    /* Both alerts come in the first second of event time, the bad line at
     * 2 s: wait for a line that counts the alerts and for the warning, then
     * stop the replay (SIGINT) long before its end. */
    static const char warning[] = "shockd: warning: replay: ";
    uint64_t end = sw_test_now_ms() + 60000;
    while (!(c.buf && strstr(c.buf, " 2 alerts ETA ") && strstr(c.buf, warning)) && sw_test_now_ms() < end)
        if (!pty_read(m, &c, 100))
            break;
    cr_assert(c.buf && strstr(c.buf, " 2 alerts ETA ") && strstr(c.buf, warning),
              "no progress line with 2 alerts, or no warning:\n%s", c.buf ? c.buf : "");
    kill(pid, SIGINT);
    int rc = pty_finish(m, pid, &c, 30000);
    uint64_t elapsed = sw_test_now_ms() - t_start;
    close(m);
    cr_expect_eq(rc, 0, "%s", c.buf);

    /* Every draw: "\rreplay M:SS <bytes>/<total> P% <rate> ticks/s N alerts ETA M:SS\033[K". */
    const char *const has[] = { want_total, "% ", " ticks/s ", " alert", " ETA ", NULL };
    const char *last = check_draws(c.buf, "replay", has, NULL, elapsed);

    /* The log line starts at the margin: the line drawn before it (there is
     * one: it came 2 s in) was erased first, not written over or after. */
    const char *w = strstr(c.buf, warning), *k = NULL;
    for (const char *q = strstr(c.buf, "\033[K"); q && q < w; q = strstr(q + 1, "\033[K"))
        k = q;
    cr_assert_not_null(k, "no line drawn before the warning");
    cr_expect(k > c.buf && k[-1] == '\r' && memchr(k + 3, '\r', (size_t)(w - k - 3)) == NULL,
              "the warning does not start at the margin:\n%.*s", (int)(w - c.buf + 80), c.buf);

    /* The last line is erased, then the summary comes, and no line after it. */
    const char *summary = strstr(c.buf, "replay: ");
    cr_assert_not_null(summary, "%s", c.buf);
    cr_expect(last < summary, "a progress line after the summary");
    const char *erase = strstr(last, "\033[K\r\033[K");
    cr_expect(erase != NULL && erase < summary, "the last line is not erased before the summary:\n%s", last);
    cr_expect(strstr(summary, "\rreplay ") == NULL);

    /* stdout holds the alerts and nothing of the line. */
    char *out = sw_test_slurp(ops_path("out.json"));
    cr_expect_eq(sw_test_count(out, "\"detector\":\"pct_move\""), 2, "%s", out);
    cr_expect(strchr(out, '\r') == NULL && strstr(out, "ETA") == NULL && strstr(out, "\033[K") == NULL, "%s", out);
    free(out);
    free(c.buf);
}

Test(progress, shockd_quiet_on_a_terminal_draws_nothing)
{
    write_recordings(3, 0);
    const char *argv[] = { OPS_SHOCKD, "-c", ops_path("c.json"), "--speed", "1", "--quiet", "--replay",
                           ops_path("nvda.ndjson"), ops_path("amd.ndjson"), NULL };
    int m;
    uint64_t t_start = sw_test_now_ms();
    pid_t pid = spawn_on_pty(argv, ops_path("out.json"), &m);
    pty_capture c = { 0 };
    int rc = pty_finish(m, pid, &c, 60000);
    close(m);
    cr_expect_eq(rc, 0, "%s", c.buf ? c.buf : "");
    /* Paced at real time, the run lasted 3 s: a line would have been drawn. */
    cr_expect_geq(sw_test_now_ms() - t_start, 2900);
    cr_assert_not_null(c.buf);
    cr_expect(strstr(c.buf, "replay: 600 ticks") != NULL, "%s", c.buf);
    cr_expect(strstr(c.buf, "\033[K") == NULL && strstr(c.buf, "ETA") == NULL, "%s", c.buf);
    free(c.buf);
}

Test(progress, shockd_stderr_in_a_file_gets_no_line)
{
    write_recordings(3, 0);
    const char *argv[] = { OPS_SHOCKD, "-c", ops_path("c.json"), "--speed", "1", "--replay",
                           ops_path("nvda.ndjson"), ops_path("amd.ndjson"), NULL };
    uint64_t t_start = sw_test_now_ms();
    pid_t pid = ops_spawn(argv, NULL, ops_path("out.json"), ops_path("err.log"));
    cr_assert_eq(ops_wait(pid, 60000), 0);
    cr_expect_geq(sw_test_now_ms() - t_start, 2900);
    char *err = sw_test_slurp(ops_path("err.log"));
    cr_expect(strstr(err, "replay: 600 ticks") != NULL, "%s", err);
    cr_expect(strchr(err, '\r') == NULL && strchr(err, '\033') == NULL && strstr(err, "ETA") == NULL, "%s", err);
    free(err);
}

/* ---- shock-report ------------------------------------------------------------ */

/* shock-report replays at full speed: to be sure it runs longer than the
 * line's first 250 ms on any machine, one of its inputs is a FIFO that this
 * test feeds, 40 AMD trades (under PIPE_BUF: each write whole or not at
 * all) at a time, for as long as it wants. */
typedef struct feeder {
    int fd;
    int64_t t;
    int chunks;
} feeder;

static void feeder_open(feeder *f, const char *path)
{
    /* Non-blocking: ENXIO until shock-report opened its end. */
    uint64_t end = sw_test_now_ms() + 30000;
    do {
        f->fd = open(path, O_WRONLY | O_NONBLOCK);
        if (f->fd >= 0)
            break;
        cr_assert_eq(errno, ENXIO, "%s: %s", path, strerror(errno));
        sw_test_sleep_ms(10);
    } while (sw_test_now_ms() < end);
    cr_assert_geq(f->fd, 0, "shock-report never opened %s", path);
    f->t = ops_utc_ms(2025, 1, 27, 14, 30, 0, 7);
    f->chunks = 0;
}

static void feeder_step(feeder *f)
{
    char buf[4096];
    size_t n = 0;
    int64_t t = f->t;
    for (int i = 0; i < 40; i++, t += 10)
        n += (size_t)snprintf(buf + n, sizeof buf - n,
                              "{\"type\":\"trade\",\"data\":[{\"s\":\"AMD\",\"p\":120.0,\"t\":%lld,\"v\":1}]}\n",
                              (long long)t);
    cr_assert_lt(n, sizeof buf);
    ssize_t w = write(f->fd, buf, n);
    if (w == (ssize_t)n) {
        f->t = t;
        f->chunks++;
    } else {
        cr_assert(w < 0 && errno == EAGAIN, "a partial write of %zd bytes", w);
    }
}

/* The recording with NVDA's two alerts, and the FIFO next to it. */
static const char *const *report_argv(int quiet)
{
    write_recordings(2, 0);
    unlink(ops_path("more.ndjson"));
    cr_assert_eq(mkfifo(ops_path("more.ndjson"), 0600), 0);
    static const char *argv[16];
    int n = 0;
    argv[n++] = SW_BINARY_DIR "/shock-report";
    argv[n++] = "-c";
    argv[n++] = ops_path("c.json");
    argv[n++] = "-o";
    argv[n++] = ops_path("report.html");
    if (quiet)
        argv[n++] = "--quiet";
    argv[n++] = "--replay";
    argv[n++] = ops_path("nvda.ndjson");
    argv[n++] = ops_path("more.ndjson");
    argv[n] = NULL;
    return argv;
}

Test(progress, shock_report_draws_on_a_terminal_and_erases_before_its_summary)
{
    const char *const *argv = report_argv(0);
    int m;
    uint64_t t_start = sw_test_now_ms();
    pid_t pid = spawn_on_pty(argv, ops_path("out.txt"), &m);
    feeder f;
    feeder_open(&f, ops_path("more.ndjson"));
    pty_capture c = { 0 };
    /* Feed until a line counts NVDA's two alerts (they come in its first
     * second of event time, once the merge has AMD trades past it). */
    uint64_t end = sw_test_now_ms() + 60000;
    while (!(c.buf && strstr(c.buf, " 2 alerts")) && sw_test_now_ms() < end) {
        feeder_step(&f);
        if (!pty_read(m, &c, 20))
            break;
    }
    cr_assert(c.buf && strstr(c.buf, " 2 alerts"), "no progress line with 2 alerts:\n%s", c.buf ? c.buf : "");
    close(f.fd); /* the end of the input: the report is drawn */
    int rc = pty_finish(m, pid, &c, 60000);
    uint64_t elapsed = sw_test_now_ms() - t_start;
    close(m);
    cr_expect_eq(rc, 0, "%s", c.buf);

    /* "\rreport M:SS <bytes> <rate> ticks/s N alerts\033[K": a FIFO has no
     * total, so no percentage and no ETA. */
    const char *const has[] = { " ticks/s ", " alert", NULL }, *const lacks[] = { "ETA", "%", NULL };
    const char *last = check_draws(c.buf, "report", has, lacks, elapsed);
    const char *summary = strstr(c.buf, "shock-report: wrote ");
    cr_assert_not_null(summary, "%s", c.buf);
    cr_expect(last < summary, "a progress line after the summary");
    const char *erase = strstr(last, "\033[K\r\033[K");
    cr_expect(erase != NULL && erase < summary, "the last line is not erased before the summary:\n%s", last);
    /* The page and stdout hold nothing of it. */
    char *page = sw_test_slurp(ops_path("report.html"));
    cr_expect(strstr(page, "<html") && !strstr(page, "\033[K") && !strstr(page, "ticks/s"));
    free(page);
    char *out = sw_test_slurp(ops_path("out.txt"));
    cr_expect_str_eq(out, "");
    free(out);
    free(c.buf);
}

/* Fed for at least 600 ms: a line would have been drawn. */
static void feed_a_while(feeder *f, int m, pty_capture *c)
{
    uint64_t t0 = sw_test_now_ms(), end = t0 + 60000;
    while ((sw_test_now_ms() - t0 < 600 || f->chunks < 20) && sw_test_now_ms() < end) {
        feeder_step(f);
        if (m >= 0)
            pty_read(m, c, 20);
        else
            sw_test_sleep_ms(20);
    }
    cr_assert_geq(sw_test_now_ms() - t0, 600);
    cr_assert_geq(f->chunks, 20, "shock-report took only %d chunks of trades in 60 s: %s", f->chunks,
                  sw_test_slurp(ops_path("err.log")));
    close(f->fd);
}

Test(progress, shock_report_quiet_on_a_terminal_draws_nothing)
{
    const char *const *argv = report_argv(1);
    int m;
    pid_t pid = spawn_on_pty(argv, ops_path("out.txt"), &m);
    feeder f;
    feeder_open(&f, ops_path("more.ndjson"));
    pty_capture c = { 0 };
    feed_a_while(&f, m, &c);
    int rc = pty_finish(m, pid, &c, 60000);
    close(m);
    cr_expect_eq(rc, 0, "%s", c.buf ? c.buf : "");
    cr_assert_not_null(c.buf);
    cr_expect(strstr(c.buf, "shock-report: wrote ") != NULL, "%s", c.buf);
    cr_expect(strstr(c.buf, "\033[K") == NULL && strstr(c.buf, "ticks/s") == NULL, "%s", c.buf);
    free(c.buf);
}

Test(progress, shock_report_stderr_in_a_file_gets_no_line)
{
    const char *const *argv = report_argv(0);
    pid_t pid = ops_spawn(argv, NULL, ops_path("out.txt"), ops_path("err.log"));
    feeder f;
    feeder_open(&f, ops_path("more.ndjson"));
    feed_a_while(&f, -1, NULL);
    cr_assert_eq(ops_wait(pid, 60000), 0, "%s", sw_test_slurp(ops_path("err.log")));
    char *err = sw_test_slurp(ops_path("err.log"));
    cr_expect(strstr(err, "shock-report: wrote ") != NULL, "%s", err);
    cr_expect(strchr(err, '\r') == NULL && strchr(err, '\033') == NULL && strstr(err, "ticks/s") == NULL, "%s", err);
    free(err);
}
