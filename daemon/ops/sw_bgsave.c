/* sw_bgsave.c -- see sw_bgsave.h. */
#define _POSIX_C_SOURCE 200809L
#include "sw_bgsave.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void sw_bgsave_init(sw_bgsave *b)
{
    memset(b, 0, sizeof *b);
}

int sw_bgsave_start(sw_bgsave *b, sw_bgsave_fn fn, void *arg, int *rc)
{
    if (b->pid > 0)
        return -1;
    /* Signals stay blocked across the fork: one arriving before the child
     * has reset its handlers would run the parent's in the child.  The
     * child unblocks them after the reset (a pending stop then ends it). */
    static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE };
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) {
        /* The child: the parent's handlers would write into libuv's signal
         * pipe, which both share; a stop of the service must end it. */
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], sigs[i] == SIGPIPE ? SIG_IGN : SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        _exit(fn(arg) == 0 ? 0 : 1);
    }
    int fork_errno = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = fork_errno;
    if (pid < 0) {
        b->last_fork_errno = errno;
        b->inline_runs++;
        *rc = fn(arg) == 0 ? 0 : -1;
        return 0;
    }
    b->pid = pid;
    b->forks++;
    return 1;
}

static int reap(sw_bgsave *b, int options, int *rc)
{
    if (b->pid <= 0)
        return 0;
    int status;
    pid_t got;
    do
        got = waitpid(b->pid, &status, options);
    while (got < 0 && errno == EINTR);
    if (got == 0)
        return 0; /* still running */
    /* got < 0 (ECHILD: reaped by someone else) counts as a failure: the
     * result is unknown, so the caller saves again. */
    b->last_status = got == b->pid ? status : 0;
    *rc = got == b->pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
    b->pid = 0;
    return 1;
}

int sw_bgsave_poll(sw_bgsave *b, int *rc)
{
    return reap(b, WNOHANG, rc);
}

int sw_bgsave_wait(sw_bgsave *b, int *rc)
{
    return reap(b, 0, rc);
}
