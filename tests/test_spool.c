/* Tests of the alert spool (no Redis): append before send, confirm and
 * compact, the persisted confirmed offset, recovery after a crash, a torn
 * last line and bad lines reported as FILE:LINE, the in-memory window, the
 * overflow policy (info first, never critical), the lock, and the state
 * directory's creation. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "sw_alert.h"
#include "sw_log.h"
#include "sw_spool.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw_test_util.h"

static char dir[64];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "spool"), 0);
    sw_log_init("test");
    sw_log_set_level(SW_LOG_WARNING); /* the stderr checks expect warnings only */
}

static void teardown(void)
{
    cr_expect_eq(sw_test_rmdir(dir), 0);
}

TestSuite(spool, .init = setup, .fini = teardown, .timeout = 60);

/* An alert numbered i with a readable message of roughly `pad` bytes. */
static void make_alert(sw_alert *a, unsigned i, sw_severity sev, char *json, size_t jlen, size_t pad)
{
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%016x", i);
    a->ts_ns = INT64_C(1737988200000000000) + (int64_t)i * 1000000;
    snprintf(a->symbol, sizeof a->symbol, "SYM%u", i % 7);
    snprintf(a->detector, sizeof a->detector, "pct_move");
    snprintf(a->window, sizeof a->window, "prev_close");
    a->severity = sev;
    a->direction = -1;
    a->price = 100;
    a->reference = 110;
    a->change_pct = -9.09;
    a->zscore = NAN;
    size_t p = pad < sizeof a->message - 1 ? pad : sizeof a->message - 1;
    memset(a->message, 'm', p);
    a->message[p] = '\0';
    cr_assert_gt(sw_alert_to_json(a, json, jlen), 0);
}

static sw_spool_params params(uint64_t max_bytes, size_t queue_max)
{
    sw_spool_params p = { dir, max_bytes, queue_max, 0, NULL, NULL };
    return p;
}

static void open_ok(sw_spool *sp, const sw_spool_params *p)
{
    char err[256];
    cr_assert_eq(sw_spool_open(sp, p, err, sizeof err), 0, "%s", err);
}

static int append(sw_spool *sp, unsigned i, sw_severity sev, size_t pad)
{
    sw_alert a;
    char json[SW_ALERT_JSON_MAX];
    make_alert(&a, i, sev, json, sizeof json, pad);
    return sw_spool_append(sp, &a, json, strlen(json));
}

static long file_size(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static char *slurp(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return sw_test_slurp(path);
}

static void write_raw(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static unsigned id_at(sw_spool *sp, size_t i)
{
    sw_spool_item *it = sw_spool_item_at(sp, i);
    cr_assert_not_null(it->body, "item %zu not loaded", i);
    return (unsigned)strtoul(it->body->id, NULL, 16);
}

Test(spool, every_alert_is_on_disk_before_it_is_sent_and_gone_once_confirmed)
{
    sw_spool sp;
    sw_spool_params p = params(1 << 20, 100);
    open_ok(&sp, &p);
    for (unsigned i = 1; i <= 3; i++)
        cr_assert_eq(append(&sp, i, SW_SEV_WARNING, 20), 0);
    cr_expect_eq(sw_spool_pending(&sp), 3);
    char *text = slurp(SW_SPOOL_FILE);
    int lines = 0;
    for (char *c = text; *c; c++)
        lines += *c == '\n';
    cr_expect_eq(lines, 3);
    cr_expect_not_null(strstr(text, "\"id\":\"0000000000000002\""));
    free(text);
    cr_expect_eq(id_at(&sp, 0), 1);
    cr_expect_str_eq(sw_spool_item_at(&sp, 2)->body->symbol, "SYM3");

    sw_spool_confirm(&sp);
    cr_assert_eq(sw_spool_sync(&sp), 0);
    char *off = slurp(SW_SPOOL_OFFSET_FILE);
    cr_expect_eq(strtol(off, NULL, 10), (long)sw_spool_item_at(&sp, 0)->off, "offset file: %s", off);
    free(off);
    sw_spool_confirm(&sp);
    sw_spool_confirm(&sp);
    cr_assert_eq(sw_spool_sync(&sp), 0);
    cr_expect_eq(file_size(SW_SPOOL_FILE), 0, "compacted once everything is confirmed");
    char *off2 = slurp(SW_SPOOL_OFFSET_FILE);
    cr_expect_str_eq(off2, "0\n");
    free(off2);
    sw_spool_close(&sp);
}

Test(spool, a_restart_sends_only_what_was_not_confirmed)
{
    sw_spool sp;
    sw_spool_params p = params(1 << 20, 100);
    open_ok(&sp, &p);
    for (unsigned i = 1; i <= 5; i++)
        cr_assert_eq(append(&sp, i, SW_SEV_CRITICAL, 10), 0);
    sw_spool_confirm(&sp);
    sw_spool_confirm(&sp);
    sw_spool_close(&sp); /* persists the offset; the file keeps all 5 lines */
    cr_expect_gt(file_size(SW_SPOOL_FILE), 0);

    open_ok(&sp, &p);
    cr_assert_eq(sw_spool_pending(&sp), 3);
    cr_expect_eq(sp.stats.recovered, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_expect_eq(id_at(&sp, i), 3 + i);
        cr_expect(sw_spool_item_at(&sp, i)->flags & SW_SPOOL_MAYBE_SENT, "found at open: may have been sent");
        cr_expect_eq(sw_spool_item_at(&sp, i)->severity, SW_SEV_CRITICAL);
    }
    sw_spool_close(&sp);
}

Test(spool, a_torn_last_line_is_reported_with_file_and_line_and_skipped)
{
    sw_spool sp;
    sw_spool_params p = params(1 << 20, 100);
    open_ok(&sp, &p);
    for (unsigned i = 1; i <= 2; i++)
        cr_assert_eq(append(&sp, i, SW_SEV_WARNING, 10), 0);
    sw_spool_close(&sp);
    long good = file_size(SW_SPOOL_FILE);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, SW_SPOOL_FILE);
    FILE *f = fopen(path, "ab");
    fputs("{\"v\":1,\"id\":\"00000000000000", f); /* a crash mid-write */
    fclose(f);

    cr_redirect_stderr();
    open_ok(&sp, &p);
    fflush(stderr);
    cr_expect_eq(sw_spool_pending(&sp), 2);
    cr_expect_eq(sp.stats.skipped_lines, 1);
    cr_expect_eq(file_size(SW_SPOOL_FILE), good, "the torn bytes are cut off");
    /* The next append starts on a fresh line. */
    cr_assert_eq(append(&sp, 3, SW_SEV_WARNING, 10), 0);
    sw_spool_close(&sp);
    open_ok(&sp, &p);
    cr_expect_eq(sw_spool_pending(&sp), 3);
    cr_expect_eq(id_at(&sp, 2), 3);
    sw_spool_close(&sp);

    char want[256];
    snprintf(want, sizeof want, "test: warning: %s:3: incomplete last line (27 bytes, no newline: cut by a crash "
                                "while writing): skipped\n", path);
    cr_expect_stderr_eq_str(want);
}

Test(spool, bad_lines_are_skipped_and_reported)
{
    sw_alert a;
    char json[SW_ALERT_JSON_MAX], text[4 * SW_ALERT_JSON_MAX];
    make_alert(&a, 7, SW_SEV_INFO, json, sizeof json, 5);
    snprintf(text, sizeof text, "not json\n{\"v\":1}\n%s\n{\"id\":\"0000000000000008\",\"symbol\":\"X\","
             "\"detector\":\"d\",\"severity\":\"loud\"}\n", json);
    write_raw(SW_SPOOL_FILE, text);
    cr_redirect_stderr();
    sw_spool sp;
    sw_spool_params p = params(1 << 20, 100);
    open_ok(&sp, &p);
    cr_expect_eq(sw_spool_pending(&sp), 1);
    cr_expect_eq(sp.stats.skipped_lines, 3);
    cr_expect_eq(id_at(&sp, 0), 7);
    cr_expect_eq(sw_spool_item_at(&sp, 0)->severity, SW_SEV_INFO);
    sw_spool_confirm(&sp);
    sw_spool_close(&sp);
    cr_expect_eq(file_size(SW_SPOOL_FILE), 0, "confirmed and skipped lines leave an empty spool");
    fflush(stderr);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, SW_SPOOL_FILE);
    char want[1024];
    snprintf(want, sizeof want,
             "test: warning: %s:1: not an alert (not a JSON object): skipped\n"
             "test: warning: %s:2: not an alert (no \"id\" of 16 hex digits): skipped\n"
             "test: warning: %s:4: not an alert (no \"severity\" (info, warning or critical)): skipped\n",
             path, path, path);
    cr_expect_stderr_eq_str(want);
}

Test(spool, an_odd_offset_file_means_resend_everything)
{
    sw_spool sp;
    sw_spool_params p = params(1 << 20, 100);
    open_ok(&sp, &p);
    for (unsigned i = 1; i <= 3; i++)
        cr_assert_eq(append(&sp, i, SW_SEV_WARNING, 10), 0);
    sw_spool_close(&sp);
    cr_redirect_stderr();
    write_raw(SW_SPOOL_OFFSET_FILE, "999999\n");
    open_ok(&sp, &p);
    cr_expect_eq(sw_spool_pending(&sp), 3);
    sw_spool_close(&sp);
    write_raw(SW_SPOOL_OFFSET_FILE, "5\n"); /* not at a line boundary */
    open_ok(&sp, &p);
    cr_expect_eq(sw_spool_pending(&sp), 3);
    sw_spool_close(&sp);
    write_raw(SW_SPOOL_OFFSET_FILE, "garbage");
    open_ok(&sp, &p);
    cr_expect_eq(sw_spool_pending(&sp), 3);
    sw_spool_close(&sp);
}

Test(spool, memory_holds_queue_max_and_the_rest_is_read_back_in_order)
{
    sw_spool sp;
    sw_spool_params p = params(1 << 20, 2);
    open_ok(&sp, &p);
    for (unsigned i = 1; i <= 5; i++)
        cr_assert_eq(append(&sp, i, SW_SEV_WARNING, 10), 0);
    cr_expect_eq(sw_spool_pending(&sp), 5);
    cr_expect_eq(sp.n_loaded, 2);
    cr_expect_null(sw_spool_item_at(&sp, 2)->body);
    for (unsigned want = 1; want <= 5; want++) {
        sw_spool_load(&sp);
        cr_assert_leq(sp.n_loaded, 2);
        cr_assert_eq(id_at(&sp, 0), want);
        sw_spool_confirm(&sp);
    }
    cr_expect_eq(sw_spool_pending(&sp), 0);
    sw_spool_close(&sp);
}

Test(spool, overflow_drops_info_first_and_never_critical)
{
    sw_alert a;
    char json[SW_ALERT_JSON_MAX];
    make_alert(&a, 0, SW_SEV_INFO, json, sizeof json, 200);
    size_t line = strlen(json) + 1;
    cr_redirect_stderr();
    sw_spool sp;
    sw_spool_params p = params(4 * line + line / 2, 100); /* room for 4 lines */
    open_ok(&sp, &p);
    for (unsigned i = 1; i <= 4; i++)
        cr_assert_eq(append(&sp, i, SW_SEV_INFO, 200), 0);
    /* Full: a new info is refused... */
    cr_expect_eq(append(&sp, 5, SW_SEV_INFO, 200), 1);
    cr_expect_eq(sp.stats.dropped[SW_SEV_INFO], 1);
    /* ...an in-flight info is kept, the others make room for a warning. */
    sw_spool_item_at(&sp, 0)->flags = SW_SPOOL_SENT;
    cr_expect_eq(append(&sp, 6, SW_SEV_WARNING, 200), 0);
    cr_expect_eq(sp.stats.dropped[SW_SEV_INFO], 4);
    cr_expect_eq(sw_spool_pending(&sp), 2);
    cr_expect_eq(id_at(&sp, 0), 1);
    cr_expect_eq(id_at(&sp, 1), 6);
    cr_expect_eq(append(&sp, 7, SW_SEV_WARNING, 200), 0);
    cr_expect_eq(append(&sp, 8, SW_SEV_WARNING, 200), 0);
    /* Full of warnings: a new warning is refused, a critical evicts them. */
    cr_expect_eq(append(&sp, 9, SW_SEV_WARNING, 200), 1);
    cr_expect_eq(sp.stats.dropped[SW_SEV_WARNING], 1);
    cr_expect_eq(append(&sp, 10, SW_SEV_CRITICAL, 200), 0);
    cr_expect_eq(sp.stats.dropped[SW_SEV_WARNING], 4);
    cr_expect_eq(sw_spool_pending(&sp), 2);
    /* Criticals beyond the limit are kept all the same. */
    for (unsigned i = 11; i <= 16; i++)
        cr_expect_eq(append(&sp, i, SW_SEV_CRITICAL, 200), 0);
    cr_expect_eq(sp.stats.dropped[SW_SEV_CRITICAL], 0);
    cr_expect_eq(sw_spool_pending(&sp), 8);
    cr_expect_gt(sp.stats.over_limit, 0);
    /* What is on disk is exactly what is pending, in order. */
    sw_spool_close(&sp);
    open_ok(&sp, &p);
    unsigned want[] = { 1, 10, 11, 12, 13, 14, 15, 16 };
    cr_assert_eq(sw_spool_pending(&sp), 8);
    for (size_t i = 0; i < 8; i++)
        cr_expect_eq(id_at(&sp, i), want[i]);
    sw_spool_close(&sp);
}

Test(spool, a_large_confirmed_prefix_is_compacted_away)
{
    sw_spool sp;
    sw_spool_params p = params(64u << 20, 100000);
    open_ok(&sp, &p);
    for (unsigned i = 1; i <= 4000; i++)
        cr_assert_eq(append(&sp, i, SW_SEV_WARNING, 200), 0);
    long before = file_size(SW_SPOOL_FILE);
    cr_assert_gt(before, 1 << 20);
    for (int i = 0; i < 3000; i++)
        sw_spool_confirm(&sp);
    cr_assert_eq(sw_spool_sync(&sp), 0);
    long after = file_size(SW_SPOOL_FILE);
    cr_expect_lt(after, before / 2, "rewritten: %ld -> %ld bytes", before, after);
    cr_expect_eq(sp.stats.rewrites, 1);
    sw_spool_close(&sp);
    open_ok(&sp, &p);
    cr_assert_eq(sw_spool_pending(&sp), 1000);
    cr_expect_eq(id_at(&sp, 0), 3001);
    cr_expect_eq(id_at(&sp, 999), 4000);
    sw_spool_close(&sp);
}

Test(spool, one_process_per_state_dir)
{
    sw_spool sp;
    sw_spool_params p = params(1 << 20, 10);
    open_ok(&sp, &p);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        sw_spool other;
        char err[256];
        int rc = sw_spool_open(&other, &p, err, sizeof err);
        _exit(rc == -1 && strstr(err, "spool in use by another process (pid ") ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a second process got the spool");
    sw_spool_close(&sp);
}

Test(spool, the_state_dir_is_created_private_and_a_bad_one_is_a_clear_error)
{
    char sub[128];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    sw_spool sp;
    sw_spool_params p = params(1 << 20, 10);
    p.dir = sub;
    open_ok(&sp, &p);
    struct stat st;
    cr_assert_eq(stat(sub, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0700);
    sw_spool_close(&sp);

    char file[128], below[160], err[256];
    snprintf(file, sizeof file, "%s/file", dir);
    write_raw("file", "x");
    p.dir = file;
    cr_expect_eq(sw_spool_open(&sp, &p, err, sizeof err), -1);
    char want[256];
    snprintf(want, sizeof want, "%s: exists and is not a directory", file);
    cr_expect_str_eq(err, want);
    snprintf(below, sizeof below, "%s/state", file);
    p.dir = below;
    cr_expect_eq(sw_spool_open(&sp, &p, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: cannot create directory: Not a directory", below);
    cr_expect_str_eq(err, want);
}

/* ---- a full disk: alerts held in memory ------------------------------------ */

/* Make the process unable to grow files beyond `bytes` (what a full disk or a
 * file-size quota does to the spool: appends fail with EFBIG).  Criterion
 * runs each test in its own process, so the limit ends with the test. */
static void limit_files(rlim_t bytes)
{
    signal(SIGXFSZ, SIG_IGN); /* as shockd does: a write error, not death */
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = bytes;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* The ids of the spool file's lines, in file order, as "1,2,3". */
static void file_ids(char *out, size_t outlen)
{
    char *b = slurp(SW_SPOOL_FILE);
    out[0] = '\0';
    for (char *p = b; (p = strstr(p, "\"id\":\"")); p += 6) {
        char tmp[24];
        snprintf(tmp, sizeof tmp, "%s%lu", out[0] ? "," : "", strtoul(p + 6, NULL, 16));
        strncat(out, tmp, outlen - strlen(out) - 1);
    }
    free(b);
}

Test(spool, a_full_disk_holds_alerts_in_memory_in_order_and_writes_them_when_it_frees)
{
    sw_spool sp;
    sw_spool_params p = params(1 << 20, 2); /* two bodies in memory: items 3 and 4 stay on disk */
    open_ok(&sp, &p);
    for (unsigned i = 1; i <= 4; i++)
        cr_assert_eq(append(&sp, i, SW_SEV_WARNING, 10), 0);
    long full = file_size(SW_SPOOL_FILE);

    cr_redirect_stderr();
    limit_files((rlim_t)full);
    for (unsigned i = 5; i <= 7; i++)
        cr_assert_eq(append(&sp, i, i == 6 ? SW_SEV_CRITICAL : SW_SEV_WARNING, 10), 0, "alert %u", i);
    cr_expect_eq(file_size(SW_SPOOL_FILE), full, "nothing reached the file");
    cr_expect_eq(sw_spool_pending(&sp), 7);
    cr_expect_eq(sp.n_mem, 3);
    cr_expect_eq(sp.stats.held, 3);
    cr_expect_eq(sp.stats.appended, 7);
    /* Held alerts wait for the file's unloaded items 3 and 4 before them. */
    cr_expect_eq(sw_spool_ready(&sp), 2);
    cr_expect_eq(sw_spool_sync(&sp), 0, "a full disk is not a sync error");
    cr_expect_eq(sp.n_mem, 3);

    /* Redis confirms from memory: the file's four, then the first held one. */
    for (unsigned want = 1; want <= 5; want++) {
        sw_spool_load(&sp);
        cr_assert_eq(id_at(&sp, 0), want);
        if (want == 5)
            cr_expect_eq(sw_spool_ready(&sp), 3, "all held alerts are sendable once the file's are loaded");
        sw_spool_confirm(&sp);
    }
    cr_expect_eq(sp.n_mem, 2);

    /* Space again: the next append writes the held 6 and 7 first, then 8. */
    limit_files(RLIM_INFINITY);
    cr_assert_eq(append(&sp, 8, SW_SEV_WARNING, 10), 0);
    cr_expect_eq(sp.n_mem, 0);
    cr_expect_eq(sp.stats.held_written, 2);
    char ids[128];
    file_ids(ids, sizeof ids);
    cr_expect_str_eq(ids, "1,2,3,4,6,7,8");
    cr_expect_eq(sw_spool_item_at(&sp, 0)->severity, SW_SEV_CRITICAL);
    sw_spool_close(&sp);

    /* A restart sends exactly the unconfirmed ones, from the file. */
    open_ok(&sp, &p);
    cr_expect_eq(sw_spool_pending(&sp), 3);
    sw_spool_load(&sp);
    cr_expect_eq(id_at(&sp, 0), 6);
    cr_expect_eq(id_at(&sp, 1), 7);
    sw_spool_close(&sp);
    fflush(stderr);
    char want[512];
    snprintf(want, sizeof want, "test: error: redis spool: %s/%s: cannot append alert 0000000000000005: File too "
                                "large; holding it and the alerts after it in memory until the file takes them "
                                "(they are sent to Redis meanwhile, and lost only if shockd stops before either "
                                "took them)\n", dir, SW_SPOOL_FILE);
    cr_expect_stderr_eq_str(want);
}

Test(spool, the_periodic_sync_writes_held_alerts_without_a_new_one)
{
    sw_spool sp;
    sw_spool_params p = params(1 << 20, 100);
    open_ok(&sp, &p);
    cr_assert_eq(append(&sp, 1, SW_SEV_WARNING, 10), 0);
    limit_files((rlim_t)file_size(SW_SPOOL_FILE));
    cr_redirect_stderr();
    cr_assert_eq(append(&sp, 2, SW_SEV_WARNING, 10), 0);
    cr_assert_eq(append(&sp, 3, SW_SEV_INFO, 10), 0);
    cr_expect_eq(sp.n_mem, 2);
    limit_files(RLIM_INFINITY);
    cr_expect_eq(sw_spool_sync(&sp), 0);
    cr_expect_eq(sp.n_mem, 0);
    cr_expect_eq(sw_spool_ready(&sp), 3);
    char ids[64];
    file_ids(ids, sizeof ids);
    cr_expect_str_eq(ids, "1,2,3");
    sw_spool_close(&sp);
}

Test(spool, held_alerts_are_bounded_but_a_critical_one_is_always_held_and_a_stop_reports_the_lost)
{
    sw_spool sp;
    sw_spool_params p = params(64 << 20, 100);
    open_ok(&sp, &p);
    limit_files(0);
    cr_redirect_stderr();
    for (unsigned i = 1; i <= SW_SPOOL_HELD_MAX; i++)
        cr_assert_eq(append(&sp, i, SW_SEV_WARNING, 10), 0, "alert %u", i);
    cr_expect_eq(append(&sp, SW_SPOOL_HELD_MAX + 1, SW_SEV_WARNING, 10), 1, "a warning beyond the limit");
    cr_expect_eq(append(&sp, SW_SPOOL_HELD_MAX + 2, SW_SEV_INFO, 10), 1, "an info beyond the limit");
    cr_expect_eq(append(&sp, SW_SPOOL_HELD_MAX + 3, SW_SEV_CRITICAL, 10), 0, "a critical is always held");
    cr_expect_eq(sp.n_mem, SW_SPOOL_HELD_MAX + 1);
    cr_expect_eq(sp.stats.dropped[SW_SEV_WARNING], 1);
    cr_expect_eq(sp.stats.dropped[SW_SEV_INFO], 1);
    cr_expect_eq(sp.stats.dropped[SW_SEV_CRITICAL], 0);
    cr_expect_eq(sw_spool_ready(&sp), SW_SPOOL_HELD_MAX + 1);
    cr_expect_eq(file_size(SW_SPOOL_FILE), 0);
    sw_spool_close(&sp);
    fflush(stderr);
    /* The stop names what is lost: a count, the first ten, then "... more". */
    char *log = NULL;
    size_t loglen = 0;
    FILE *m = open_memstream(&log, &loglen);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, cr_get_redirected_stderr())) > 0)
        fwrite(buf, 1, n, m);
    fclose(m);
    char want[256];
    snprintf(want, sizeof want, "redis spool: %d held alerts could not be written to %s/%s nor sent to Redis "
                                "before the stop, and are lost:\n", SW_SPOOL_HELD_MAX + 1, dir, SW_SPOOL_FILE);
    cr_expect_not_null(strstr(log, want), "%s", log);
    cr_expect_not_null(strstr(log, "redis spool:   lost warning alert 0000000000000001 SYM1 pct_move\n"), "%s", log);
    cr_expect_not_null(strstr(log, "redis spool:   ... and 9991 more\n"), "%s", log);
    cr_expect_not_null(strstr(log, "dropped the new warning alert 0000000000002711"), "%s", log);
    free(log);
}
