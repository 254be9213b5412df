/*
 * sw_bgsave.h -- write a snapshot of the process from a forked child, the way
 * redis's BGSAVE does, so the event loop never waits for a large file.
 *
 * shockd saves state.json within a second of every alert and every minute.
 * Written on the loop, a save of a 10 000-symbol watchlist (about 30 MB of
 * JSON) held the loop for a third of a second: no tick was read, no alert
 * sent, on exactly the days that make many alerts.  fork() gives the child a
 * copy-on-write image of the whole process frozen at that instant: it runs
 * the ordinary save function over that image and exits, while the parent goes
 * on with the next tick after a fork that takes well under a millisecond.
 * Pages the parent writes while the child runs are copied by the kernel, so
 * the cost in memory is at most the pages touched during one save.
 *
 * One child at a time.  The parent learns the result from the child's exit
 * status, polled from its once-a-second cron (waitpid with WNOHANG: no
 * SIGCHLD handler, which libuv's own process handling would share).  When
 * fork fails (memory, process limits), the work runs in the caller instead:
 * slower, never skipped.
 *
 * The child runs only `fn`: it resets the termination signals to their
 * defaults (a stop of the service ends it too, instead of it writing into
 * libuv's signal pipe, which it shares with the parent) and leaves with
 * _exit, so no atexit handler, stdio buffer or library teardown of the
 * parent's runs twice.  `fn` must not use the parent's sockets or loop.
 */
#ifndef SW_BGSAVE_H
#define SW_BGSAVE_H

#include <stdint.h>
#include <sys/types.h>

typedef int (*sw_bgsave_fn)(void *arg); /* 0 on success, else a failure */

typedef struct sw_bgsave {
    pid_t pid;             /* the running child, 0 if none */
    uint64_t forks;        /* saves run in a child */
    uint64_t inline_runs;  /* saves run in the caller because fork failed */
    int last_fork_errno;
    int last_status;       /* waitpid's status of the last child (WIFSIGNALED...) */
} sw_bgsave;

void sw_bgsave_init(sw_bgsave *b);

/* Run fn(arg) in a child.  Returns 1 when a child was started; 0 when fork
 * failed and fn ran here (its result in *rc); -1 if a child is still running
 * (nothing done: call sw_bgsave_poll first). */
int sw_bgsave_start(sw_bgsave *b, sw_bgsave_fn fn, void *arg, int *rc);

/* Has the child finished?  Returns 1 with its result in *rc (0 when fn
 * returned 0; -1 for a failure, a crash or a kill), 0 while it runs or when
 * there is none. */
int sw_bgsave_poll(sw_bgsave *b, int *rc);

/* Wait for the running child (at shutdown, before a last save in the
 * foreground: two writers must not race on the rename).  Returns 1 with *rc
 * as sw_bgsave_poll, 0 if there was no child. */
int sw_bgsave_wait(sw_bgsave *b, int *rc);

/* The pid of the running child, or 0. */
static inline pid_t sw_bgsave_child(const sw_bgsave *b)
{
    return b->pid;
}

#endif
