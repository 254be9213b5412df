/* sw_silence_cli.c -- see sw_silence_cli.h. */
#include "sw_silence_cli.h"
#include "sw_escape.h"
#include "sw_log.h"
#include "sw_nearest.h"
#include "sw_redis.h"
#include "sw_silence.h"
#include "sw_silence_store.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

enum { OP_ADD, OP_LIST, OP_EXPIRE };

typedef struct run {
    uv_loop_t loop;
    sw_redis r;
    uv_timer_t deadline;
    const sw_silence_cli_env *env;
    int op;
    sw_silence s;                     /* add: the silence; expire: its id */
    int json;                         /* list --json */
    int rc;
    int done;
} run;

void sw_silence_cli_usage(FILE *out)
{
    fprintf(out,
            "       shock-notify [-c FILE] silence add MATCHER... (--for DURATION | --end TIME) [--start TIME]\n"
            "                    [--author NAME] [--comment TEXT]\n"
            "       shock-notify [-c FILE] silence list [--json]\n"
            "       shock-notify [-c FILE] silence expire ID\n"
            "\n"
            "Silences hold back matching alerts on every channel, or on one (--channel), until they end\n"
            "or are expired; they live in Redis next to redis.stream, so every shock-notify sees them.\n"
            "  MATCHER             --symbol SYM, --group NAME, --detector TYPE, --severity LEVEL (that\n"
            "                      level and below), --channel NAME (a channel of notify.channels)\n"
            "  --for DURATION      30m, 1h, 1.5h, 1d (at most 30d)\n"
            "  --start, --end TIME HH:MM (today, New York), 2025-01-27T11:30 (New York) or with an\n"
            "                      offset (2025-01-27T16:30Z); --start defaults to now\n"
            "  --author NAME       default: $SUDO_USER, $USER or the login name\n");
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the loop ---------------------------------------------------------------------- */

static void on_closed(uv_handle_t *h)
{
    (void)h;
}

static void on_redis_closed(sw_redis *r)
{
    (void)r;
}

static void finish(run *x, int rc)
{
    if (x->done)
        return;
    x->done = 1;
    x->rc = rc;
    uv_close((uv_handle_t *)&x->deadline, on_closed);
    sw_redis_close(&x->r, on_redis_closed);
}

static void on_deadline(uv_timer_t *t)
{
    run *x = t->data;
    char where[300];
    fprintf(stderr, "shock-notify: Redis at %s did not answer within %llu ms (redis.connect_timeout + "
                    "redis.command_timeout)\n",
            sw_redis_url_describe(x->env->url, where, sizeof where), (unsigned long long)uv_timer_get_repeat(t));
    finish(x, EXIT_RUNTIME);
}

static void fail_redis(run *x, const char *err)
{
    fprintf(stderr, "shock-notify: %s\n", err);
    finish(x, EXIT_RUNTIME);
}

static void print_added(void *ctx, int rc, const sw_silence *s, const char *err)
{
    run *x = ctx;
    if (rc != 0) {
        fail_redis(x, err);
        return;
    }
    char m[200], end_ny[48], end_utc[32], who[2 * SW_SILENCE_AUTHOR_MAX + 8], why[2 * SW_SILENCE_COMMENT_MAX + 8];
    sw_silence_when(s->end_ms, end_ny, sizeof end_ny, end_utc, sizeof end_utc);
    printf("added silence %s: %s until %s (%s), by %s%s%s\n", s->id, sw_silence_matchers(s, m, sizeof m), end_ny,
           end_utc, sw_esc_line_buf(s->author, who, sizeof who), s->comment[0] ? ": " : "",
           sw_esc_line_buf(s->comment, why, sizeof why));
    finish(x, 0);
}

static void print_expired(void *ctx, int rc, const sw_silence *s, const char *err)
{
    run *x = ctx;
    if (rc < 0) {
        fail_redis(x, err);
        return;
    }
    if (rc == 1) {
        fprintf(stderr, "shock-notify: no silence %s (it ended, or was expired already; `silence list` shows them)\n",
                x->s.id);
        finish(x, SW_SILENCE_CLI_NOT_FOUND);
        return;
    }
    char m[200], who[2 * SW_SILENCE_AUTHOR_MAX + 8];
    if (s)
        printf("expired silence %s (%s, by %s)\n", s->id, sw_silence_matchers(s, m, sizeof m),
               sw_esc_line_buf(s->author, who, sizeof who));
    else
        printf("expired silence %s (its record could not be read)\n", x->s.id);
    finish(x, 0);
}

/* "1h02m", "59m12s", "2d03h". */
static char *left(int64_t ms, char *buf, size_t len)
{
    int64_t s = ms / 1000;
    if (s >= 86400)
        snprintf(buf, len, "%lldd%02lldh", (long long)(s / 86400), (long long)(s / 3600 % 24));
    else if (s >= 3600)
        snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
    else if (s >= 60)
        snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(buf, len, "%llds", (long long)s);
    return buf;
}

#define COLS 9

static void print_list(void *ctx, const sw_silence_set *set, const char *err)
{
    run *x = ctx;
    if (!set) {
        fail_redis(x, err);
        return;
    }
    if (x->json) {
        for (size_t i = 0; i < set->n; i++) {
            char json[SW_SILENCE_JSON_MAX + 1];
            if (sw_silence_to_json(&set->v[i], json, sizeof json) > 0)
                printf("%s\n", json);
        }
    } else if (set->n == 0) {
        printf("no silences\n");
    } else {
        static const char *const head[COLS] = { "ID", "MATCHERS", "START (NEW YORK)", "START (UTC)", "END (NEW YORK)",
                                                "END (UTC)", "REMAINING", "AUTHOR", "COMMENT" };
        typedef char cell[2 * SW_SILENCE_COMMENT_MAX + 8];
        cell *rows = calloc(set->n * COLS, sizeof *rows);
        if (!rows) {
            fail_redis(x, "out of memory");
            return;
        }
        size_t w[COLS];
        for (size_t c = 0; c < COLS; c++)
            w[c] = strlen(head[c]);
        int64_t now = wall_ms();
        for (size_t i = 0; i < set->n; i++) {
            const sw_silence *s = &set->v[i];
            cell *r = &rows[i * COLS];
            char rem[32];
            snprintf(r[0], sizeof r[0], "%s", s->id);
            sw_silence_matchers(s, r[1], sizeof r[1]);
            sw_silence_when(s->start_ms, r[2], sizeof r[2], r[3], sizeof r[3]);
            sw_silence_when(s->end_ms, r[4], sizeof r[4], r[5], sizeof r[5]);
            if (sw_silence_active(s, now))
                snprintf(r[6], sizeof r[6], "%s", left(s->end_ms - now, rem, sizeof rem));
            else
                snprintf(r[6], sizeof r[6], "starts in %s", left(s->start_ms - now, rem, sizeof rem));
            sw_esc_line_buf(s->author, r[7], sizeof r[7]);
            sw_esc_line_buf(s->comment, r[8], sizeof r[8]);
            for (size_t c = 0; c < COLS; c++)
                if (strlen(r[c]) > w[c])
                    w[c] = strlen(r[c]);
        }
        /* The last column is not padded: no trailing spaces. */
        for (size_t c = 0; c < COLS; c++)
            printf("%-*s%s", c + 1 < COLS ? (int)w[c] : 0, head[c], c + 1 < COLS ? "  " : "\n");
        for (size_t i = 0; i < set->n; i++)
            for (size_t c = 0; c < COLS; c++)
                printf("%-*s%s", c + 1 < COLS ? (int)w[c] : 0, rows[i * COLS + c], c + 1 < COLS ? "  " : "\n");
        free(rows);
    }
    if (set->bad_total)
        fprintf(stderr, "shock-notify: %zu record%s in Redis %s not a valid silence and ignored (first: %s: %s)\n",
                set->bad_total, set->bad_total == 1 ? "" : "s", set->bad_total == 1 ? "is" : "are",
                set->n_bad ? set->bad[0].id : "?", set->n_bad ? set->bad[0].why : "?");
    finish(x, 0);
}

static void on_state(void *ctx, sw_redis *r, sw_redis_state state)
{
    run *x = ctx;
    if (state != SW_REDIS_CONNECTED || x->done)
        return;
    const char *stream = x->env->cfg->redis.stream;
    int rc = x->op == OP_ADD    ? sw_silence_store_add(r, stream, &x->s, print_added, x)
             : x->op == OP_LIST ? sw_silence_store_list(r, stream, wall_ms(), print_list, x)
                                : sw_silence_store_expire(r, stream, x->s.id, print_expired, x);
    if (rc != 0)
        fail_redis(x, "cannot send the command to Redis");
}

static int run_op(run *x)
{
    const sw_config *cfg = x->env->cfg;
    uint64_t limit = (uint64_t)((cfg->redis.connect_timeout_ns + cfg->redis.command_timeout_ns) / 1000000);
    if (uv_loop_init(&x->loop) != 0) {
        fprintf(stderr, "shock-notify: cannot create the event loop\n");
        return EXIT_RUNTIME;
    }
    sw_redis_options o = { .url = *x->env->url,
                           .connect_timeout_ms = (uint64_t)(cfg->redis.connect_timeout_ns / 1000000),
                           .command_timeout_ms = (uint64_t)(cfg->redis.command_timeout_ns / 1000000),
                           .max_string = SW_SILENCE_JSON_MAX + 1,
                           .on_state = on_state,
                           .ctx = x };
    int ok = sw_redis_init(&x->r, &x->loop, &o) == 0;
    sw_redis_url_wipe(&o.url);
    if (!ok || uv_timer_init(&x->loop, &x->deadline) != 0) {
        fprintf(stderr, "shock-notify: cannot set up the Redis connection\n");
        if (ok)
            sw_redis_close(&x->r, on_redis_closed);
        uv_run(&x->loop, UV_RUN_DEFAULT);
        uv_loop_close(&x->loop);
        return EXIT_RUNTIME;
    }
    x->deadline.data = x;
    uv_timer_start(&x->deadline, on_deadline, limit, limit);
    sw_redis_start(&x->r);
    uv_run(&x->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&x->loop) != 0)
        sw_warn("event loop closed with handles still open");
    return x->rc;
}

/* ---- the command line ---------------------------------------------------------------- */

/* "unknown option --symbl; did you mean --symbol?" */
static void bad_option(const char *sub, const char *arg, const struct option *opts)
{
    char name[64];
    const char *a = arg;
    while (*a == '-')
        a++;
    snprintf(name, sizeof name, "%.*s", (int)strcspn(a, "="), a);
    const char *names[16];
    size_t k = 0;
    for (; opts[k].name && k < 16; k++)
        names[k] = opts[k].name;
    const char *best = sw_nearest(name, names, k);
    char shown[80];
    sw_esc_line_buf(arg, shown, sizeof shown);
    if (best)
        fprintf(stderr, "shock-notify: silence %s: unknown option %s; did you mean --%s?\n", sub, shown, best);
    else
        fprintf(stderr, "shock-notify: silence %s: unknown option %s (--help lists them)\n", sub, shown);
}

/* Parse argv with opts; fn(ctx, index of the option, optarg) per option.
 * Returns 0, or EXIT_USAGE after saying what is wrong. */
static int parse_opts(int argc, char **argv, const char *sub, const struct option *opts,
                      int (*fn)(void *ctx, int which, const char *arg), void *ctx)
{
    optind = 0; /* GNU getopt: start over (main parsed its own options) */
    opterr = 0;
    int which, opt;
    while ((which = -1, opt = getopt_long(argc, argv, ":", opts, &which)) != -1) {
        if (opt == '?') {
            bad_option(sub, argv[optind - 1], opts);
            return EXIT_USAGE;
        }
        if (opt == ':') {
            fprintf(stderr, "shock-notify: silence %s: %s needs a value\n", sub, argv[optind - 1]);
            return EXIT_USAGE;
        }
        if (which < 0 || fn(ctx, which, optarg) != 0)
            return EXIT_USAGE;
    }
    return 0;
}

typedef struct add_args {
    const sw_silence_cli_env *env;
    sw_silence *s;
    sw_silence_names names;
    const char *dur, *start, *end, *author, *comment;
    int matchers;
} add_args;

static const struct option add_opts[] = {
    { "symbol", required_argument, NULL, 0 },   { "group", required_argument, NULL, 0 },
    { "detector", required_argument, NULL, 0 }, { "severity", required_argument, NULL, 0 },
    { "channel", required_argument, NULL, 0 },  { "for", required_argument, NULL, 0 },
    { "start", required_argument, NULL, 0 },    { "end", required_argument, NULL, 0 },
    { "author", required_argument, NULL, 0 },   { "comment", required_argument, NULL, 0 },
    { NULL, 0, NULL, 0 },
};

static int add_opt(void *ctx, int which, const char *arg)
{
    add_args *a = ctx;
    char err[300];
    if (which <= 4) {
        if (sw_silence_set_matcher(a->s, add_opts[which].name, arg, &a->names, NULL, err, sizeof err) != 0) {
            fprintf(stderr, "shock-notify: silence add: --%s: %s\n", add_opts[which].name, err);
            return -1;
        }
        a->matchers++;
        return 0;
    }
    const char **slot[] = { &a->dur, &a->start, &a->end, &a->author, &a->comment };
    *slot[which - 5] = arg;
    return 0;
}

/* Who is silencing: the person, also behind sudo. */
static const char *default_author(void)
{
    static const char *const vars[] = { "SUDO_USER", "USER" };
    for (size_t i = 0; i < 2; i++) {
        const char *v = getenv(vars[i]);
        if (v && v[0])
            return v;
    }
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_name[0] ? pw->pw_name : NULL;
}

static int build_silence(add_args *a, int64_t now)
{
    sw_silence *s = a->s;
    char err[300], ny[48], utc[32];
    if (!a->matchers) {
        fprintf(stderr, "shock-notify: silence add: no matcher: name at least one of --symbol, --group, --detector, "
                        "--severity, --channel\n");
        return -1;
    }
    s->start_ms = now;
    if (a->start && sw_silence_parse_time(a->start, now, &s->start_ms, err, sizeof err) != 0) {
        fprintf(stderr, "shock-notify: silence add: --start: %s\n", err);
        return -1;
    }
    if (!!a->dur == !!a->end) {
        fprintf(stderr, "shock-notify: silence add: %s\n",
                a->dur ? "--for and --end exclude each other" : "how long? --for DURATION (1h) or --end TIME (11:30)");
        return -1;
    }
    if (a->dur) {
        int64_t ms;
        if (sw_silence_parse_duration(a->dur, &ms, err, sizeof err) != 0) {
            fprintf(stderr, "shock-notify: silence add: --for: %s\n", err);
            return -1;
        }
        s->end_ms = s->start_ms + ms;
    } else if (sw_silence_parse_time(a->end, now, &s->end_ms, err, sizeof err) != 0) {
        fprintf(stderr, "shock-notify: silence add: --end: %s\n", err);
        return -1;
    }
    if (s->end_ms <= now) {
        sw_silence_when(s->end_ms, ny, sizeof ny, utc, sizeof utc);
        fprintf(stderr, "shock-notify: silence add: it would end at %s (%s), which is in the past\n", ny, utc);
        return -1;
    }
    if (s->end_ms <= s->start_ms) {
        fprintf(stderr, "shock-notify: silence add: the end is not after the start\n");
        return -1;
    }
    const char *author = a->author ? a->author : default_author();
    if (!author) {
        fprintf(stderr, "shock-notify: silence add: who is silencing? --author NAME\n");
        return -1;
    }
    if (strlen(author) > SW_SILENCE_AUTHOR_MAX || (a->comment && strlen(a->comment) > SW_SILENCE_COMMENT_MAX)) {
        fprintf(stderr, "shock-notify: silence add: --%s is longer than %d bytes\n",
                strlen(author) > SW_SILENCE_AUTHOR_MAX ? "author" : "comment",
                strlen(author) > SW_SILENCE_AUTHOR_MAX ? SW_SILENCE_AUTHOR_MAX : SW_SILENCE_COMMENT_MAX);
        return -1;
    }
    snprintf(s->author, sizeof s->author, "%s", author);
    snprintf(s->comment, sizeof s->comment, "%s", a->comment ? a->comment : "");
    s->created_ms = now;
    sw_silence_new_id(s->id);
    if (sw_silence_check(s, err, sizeof err) != 0) {
        fprintf(stderr, "shock-notify: silence add: %s\n", err);
        return -1;
    }
    return 0;
}

static int list_opt(void *ctx, int which, const char *arg)
{
    (void)which;
    (void)arg;
    *(int *)ctx = 1;
    return 0;
}

static int no_opt(void *ctx, int which, const char *arg)
{
    (void)ctx;
    (void)which;
    (void)arg;
    return -1;
}

int sw_silence_cli(int argc, char **argv, const sw_silence_cli_env *env)
{
    static const struct option list_opts[] = { { "json", no_argument, NULL, 0 }, { NULL, 0, NULL, 0 } };
    static const struct option no_opts[] = { { NULL, 0, NULL, 0 } };
    static const char *const subs[] = { "add", "list", "expire" };
    run *x = calloc(1, sizeof *x);
    if (!x)
        return EXIT_RUNTIME;
    x->env = env;
    sw_silence_init(&x->s);
    int rc = EXIT_USAGE;
    const char *sub = argc > 0 ? argv[0] : "";
    if (strcmp(sub, "add") == 0) {
        const char **names = calloc(env->cfg->notify.n_channels + 1, sizeof *names);
        if (!names) {
            rc = EXIT_RUNTIME;
            goto out;
        }
        for (size_t c = 0; c < env->cfg->notify.n_channels; c++)
            names[c] = env->cfg->notify.channels[c].name;
        add_args a = { env, &x->s, { env->groups, env->n_groups, names, env->cfg->notify.n_channels }, NULL, NULL,
                       NULL, NULL, NULL, 0 };
        int prc = parse_opts(argc, argv, "add", add_opts, add_opt, &a);
        if (prc == 0 && optind < argc) {
            fprintf(stderr, "shock-notify: silence add: unexpected argument \"%s\" (options only)\n", argv[optind]);
            prc = EXIT_USAGE;
        }
        if (prc == 0 && build_silence(&a, wall_ms()) != 0)
            prc = EXIT_USAGE;
        free(names);
        if (prc != 0)
            goto out;
        x->op = OP_ADD;
    } else if (strcmp(sub, "list") == 0) {
        if (parse_opts(argc, argv, "list", list_opts, list_opt, &x->json) != 0)
            goto out;
        if (optind < argc) {
            fprintf(stderr, "shock-notify: silence list: unexpected argument \"%s\"\n", argv[optind]);
            goto out;
        }
        x->op = OP_LIST;
    } else if (strcmp(sub, "expire") == 0) {
        if (parse_opts(argc, argv, "expire", no_opts, no_opt, NULL) != 0)
            goto out;
        if (optind + 1 != argc) {
            fprintf(stderr, "shock-notify: silence expire: which silence? silence expire ID (`silence list` shows "
                            "them)\n");
            goto out;
        }
        if (!sw_silence_id_valid(argv[optind])) {
            char shown[64];
            fprintf(stderr, "shock-notify: silence expire: \"%s\" is not a silence id (%d lowercase hex digits)\n",
                    sw_esc_line_buf(argv[optind], shown, sizeof shown), SW_SILENCE_ID_LEN);
            goto out;
        }
        snprintf(x->s.id, sizeof x->s.id, "%s", argv[optind]);
        x->op = OP_EXPIRE;
    } else {
        const char *best = sw_nearest(sub, subs, 3);
        char shown[64];
        fprintf(stderr, "shock-notify: silence: \"%s\" is not a command%s%s%s (add, list, expire)\n",
                sw_esc_line_buf(sub, shown, sizeof shown), best ? "; did you mean \"" : "", best ? best : "",
                best ? "\"?" : "");
        goto out;
    }
    rc = run_op(x);
out:
    free(x);
    return rc;
}
