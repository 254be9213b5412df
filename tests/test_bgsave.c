/* sw_bgsave: the child writes the process as it was at the fork, whatever the
 * parent changes afterwards; the parent learns success and failure from the
 * exit status; a second save cannot start while one runs; a stop of the
 * service (SIGTERM) ends the child even when the parent ignores the signal.
 * The child waits on a pipe the test controls, so "still running" is a fact,
 * not a timing. */
#define _POSIX_C_SOURCE 200809L
#include "sw_bgsave.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

TestSuite(bgsave, .timeout = 60);

typedef struct job {
    int gate;          /* read end: the child waits for one byte */
    int ready;         /* write end: the child says it runs fn (-1: not asked) */
    const char *text;  /* what it writes, read in the child */
    char path[128];
    int result;        /* what fn returns */
} job;

/* The work of the child: wait for the go, then write text to path. */
static int write_job(void *arg)
{
    job *j = arg;
    char c;
    ssize_t n;
    if (j->ready >= 0 && write(j->ready, "r", 1) != 1)
        return -1;
    /* Never an orphan waiting forever, whatever the test does: 30 s. */
    struct pollfd pfd = { .fd = j->gate, .events = POLLIN };
    if (poll(&pfd, 1, 30000) != 1)
        return -1;
    do
        n = read(j->gate, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        return -1;
    FILE *f = fopen(j->path, "w");
    if (!f)
        return -1;
    fputs(j->text, f);
    return fclose(f) == 0 ? j->result : -1;
}

static char *slurp(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s was not written", path);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* One test's save: the saver, the gate, the job and the last result. */
typedef struct fixture {
    sw_bgsave b;
    int gate[2];
    job j;
    int rc;
} fixture;

static void fixture_init(fixture *f, char *text)
{
    sw_bgsave_init(&f->b);
    cr_assert_eq(pipe(f->gate), 0);
    f->j.gate = f->gate[0];
    f->j.ready = -1;
    f->j.text = text;
    f->j.result = 0;
    f->rc = 123;
    snprintf(f->j.path, sizeof f->j.path, "/tmp/test_bgsave.%ld", (long)getpid());
    unlink(f->j.path);
}

/* Open the gate and poll as shockd's cron does, until the child has gone
 * (a 30 s deadline, then a blocking wait: the test's checks say the rest). */
static int open_gate_and_reap(fixture *f)
{
    cr_assert_eq(write(f->gate[1], "g", 1), 1);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (sw_bgsave_poll(&f->b, &f->rc))
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 30)
            return sw_bgsave_wait(&f->b, &f->rc);
        struct timespec nap = { 0, 1000000 };
        nanosleep(&nap, NULL);
    }
}

Test(bgsave, child_writes_the_image_of_the_fork_not_later_changes)
{
    fixture f;
    char text[32] = "before";
    fixture_init(&f, text);

    cr_assert_eq(sw_bgsave_start(&f.b, write_job, &f.j, &f.rc), 1, "a child was started");
    cr_assert_gt(sw_bgsave_child(&f.b), 0);
    /* The child waits for the gate: it is running, not finished. */
    cr_expect_eq(sw_bgsave_poll(&f.b, &f.rc), 0);
    cr_expect_eq(f.rc, 123, "no result while it runs");
    /* One at a time. */
    cr_expect_eq(sw_bgsave_start(&f.b, write_job, &f.j, &f.rc), -1);
    /* The parent goes on changing what the child will write. */
    strcpy(text, "after");
    cr_assert_eq(open_gate_and_reap(&f), 1);
    cr_expect_eq(f.rc, 0);
    cr_expect_eq(sw_bgsave_child(&f.b), 0);
    cr_expect_str_eq(slurp(f.j.path), "before");
    cr_expect_eq(f.b.forks, 1);
    cr_expect_eq(f.b.inline_runs, 0);
    /* Nothing left to reap. */
    cr_expect_eq(sw_bgsave_poll(&f.b, &f.rc), 0);
    cr_expect_eq(sw_bgsave_wait(&f.b, &f.rc), 0);
    unlink(f.j.path);
}

Test(bgsave, a_failing_save_is_reported_and_the_next_one_starts)
{
    fixture f;
    char text[] = "x";
    fixture_init(&f, text);
    f.j.result = 7; /* fn's failure */
    cr_assert_eq(sw_bgsave_start(&f.b, write_job, &f.j, &f.rc), 1);
    cr_assert_eq(open_gate_and_reap(&f), 1);
    cr_expect_eq(f.rc, -1);
    /* And the next save runs. */
    f.j.result = 0;
    cr_assert_eq(sw_bgsave_start(&f.b, write_job, &f.j, &f.rc), 1);
    cr_assert_eq(open_gate_and_reap(&f), 1);
    cr_expect_eq(f.rc, 0);
    cr_expect_eq(f.b.forks, 2);
    unlink(f.j.path);
}

Test(bgsave, sigterm_ends_the_child_even_when_the_parent_ignores_it)
{
    fixture f;
    char text[] = "never";
    fixture_init(&f, text);
    signal(SIGTERM, SIG_IGN); /* the parent's disposition is not the child's */
    cr_assert_eq(sw_bgsave_start(&f.b, write_job, &f.j, &f.rc), 1);
    /* At once, before the child may have reset anything: signals stay
     * blocked across the fork, so this one waits for the child's own
     * disposition and ends it. */
    cr_assert_eq(kill(sw_bgsave_child(&f.b), SIGTERM), 0);
    cr_assert_eq(sw_bgsave_wait(&f.b, &f.rc), 1, "the child ended");
    cr_expect_eq(f.rc, -1, "a killed save is a failed one");
    cr_expect_eq(access(f.j.path, F_OK), -1, "it wrote nothing");
    signal(SIGTERM, SIG_DFL);
}
