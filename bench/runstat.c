/*
 * runstat.c -- run a command and report its wall time, CPU time and peak
 * memory, like a minimal time(1) without the GNU time dependency.
 *
 *   runstat [--] CMD [ARGS...]
 *
 * Runs CMD (searched in PATH), waits for it with wait4() and prints one line
 * to stderr:
 *
 *   runstat: wall 1.234 s, user 1.100 s, sys 0.050 s, max RSS 12345 KiB, exit 0
 *
 * and exits with CMD's exit status.  If CMD is killed by a signal, the line
 * ends "exit 137 (signal 9: Killed)" and runstat exits 128 + the signal
 * number, as a shell would report it.  If CMD cannot be run, the exit code is
 * 127 (not found) or 126 (not executable).  While waiting, runstat ignores
 * SIGINT and SIGQUIT so that Ctrl-C goes to CMD and the report is still
 * printed.  CPU times and max RSS are those of CMD and its waited-for
 * descendants (what wait4() reports for the child; max RSS is the largest
 * single process, in KiB as Linux reports ru_maxrss).
 */
#define _DEFAULT_SOURCE /* wait4() */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv_sec(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void usage(FILE *f)
{
    fputs("usage: runstat [--] CMD [ARGS...]\n"
          "Runs CMD and prints to stderr: wall, user and sys time, max RSS and exit status.\n"
          "Exits with CMD's exit status (128+N if killed by signal N).\n",
          f);
}

int main(int argc, char **argv)
{
    struct sigaction ign, old_int, old_quit;
    struct timespec t0, t1;
    struct rusage ru;
    int status, argi = 1, code;
    pid_t pid, w;
    double wall;
    char how[96];

    if (argi < argc && (!strcmp(argv[argi], "-h") || !strcmp(argv[argi], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argi < argc && !strcmp(argv[argi], "--"))
        argi++;
    else if (argi < argc && argv[argi][0] == '-') {
        fprintf(stderr, "runstat: unknown option '%s' (use -- before a command starting with '-')\n",
                argv[argi]);
        usage(stderr);
        return 2;
    }
    if (argi >= argc) {
        usage(stderr);
        return 2;
    }

    /* Ignore SIGINT/SIGQUIT in runstat only: set before fork so there is no
     * window, and restored in the child before exec. */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);

    fflush(NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "runstat: fork: %s\n", strerror(errno));
        return 125;
    }
    if (pid == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        execvp(argv[argi], argv + argi);
        code = errno == ENOENT ? 127 : 126;
        fprintf(stderr, "runstat: cannot run %s: %s\n", argv[argi], strerror(errno));
        _exit(code);
    }

    do {
        w = wait4(pid, &status, 0, &ru);
    } while (w < 0 && errno == EINTR);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (w < 0) {
        fprintf(stderr, "runstat: wait4: %s\n", strerror(errno));
        return 125;
    }
    wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    if (WIFEXITED(status)) {
        code = WEXITSTATUS(status);
        snprintf(how, sizeof how, "exit %d", code);
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char *name = strsignal(sig);
        code = 128 + sig;
        snprintf(how, sizeof how, "exit %d (signal %d: %s%s)", code, sig, name ? name : "?",
#ifdef WCOREDUMP
                 WCOREDUMP(status) ? ", core dumped" : ""
#else
                 ""
#endif
        );
    } else {
        code = 125;
        snprintf(how, sizeof how, "exit %d (unknown wait status 0x%x)", code, (unsigned)status);
    }

    fprintf(stderr, "runstat: wall %.3f s, user %.3f s, sys %.3f s, max RSS %ld KiB, %s\n", wall,
            tv_sec(ru.ru_utime), tv_sec(ru.ru_stime), (long)ru.ru_maxrss, how);
    return code;
}
