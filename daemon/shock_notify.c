/*
 * shock_notify.c -- shock-notify: delivers shockd's alerts from the Redis
 * stream to people and programs (Slack, e-mail, webhooks, Discord, Telegram,
 * the console), as configured in the `notify` section of the same JSON file.
 *
 * It holds no delivery logic (sw_notify.h has it): it loads the config,
 * resolves the Redis password and the consumer name, runs the loop, and stops
 * on SIGINT/SIGTERM: reading stops, collecting digests go out, and what is
 * still in flight gets shutdown_timeout to finish; the rest stays pending in
 * the consumer group for the next start.  Exit status: 0 success, 1 invalid
 * configuration, 2 usage error, 3 runtime failure (a channel's secret
 * missing, no loop).
 *
 * `shock-notify silence add|list|expire` manages silences with the same
 * config file and exits (daemon/sw_silence_cli.h; exit status 4: no such
 * silence).
 */
#include "sw_config.h"
#include "sw_log.h"
#include "sw_logout.h"
#include "sw_notify.h"
#include "sw_notify_metrics.h"
#include "sw_redis.h"
#include "sw_redis_url.h"
#include "sw_sdnotify.h"
#include "sw_secret.h"
#include "sw_silence_cli.h"

#include <curl/curl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define EXIT_CONFIG 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

typedef struct app {
    uv_loop_t loop;
    uv_signal_t sig_int, sig_term, sig_hup;
    int sigs_open;
    sw_notify *notify;
    uint64_t shutdown_ms;
    int stopping;
    sw_sdnotify sdn;              /* READY/STATUS/WATCHDOG/STOPPING under systemd */
    sw_notify_metrics metrics;    /* /metrics and /healthz (notify.metrics_listen) */
} app;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shock-notify [-c FILE] [--check] [--consumer NAME] [--log-level L]\n");
    sw_silence_cli_usage(out);
    fprintf(out,
            "\n"
            "Delivers shockwatch alerts from the Redis stream (redis.stream) to the channels of\n"
            "the config's `notify` section: slack, email, webhook, discord, telegram, console.\n"
            "\n"
            "  -c, --config FILE   configuration file (default /etc/shockwatch/shockwatch.json)\n"
            "      --check         validate the configuration, print every problem, exit\n"
            "      --consumer NAME consumer name in the group (overrides notify.consumer;\n"
            "                      default: the host name)\n"
            "      --log-level L   error, warning, info or debug (overrides the config)\n"
            "  -h, --help          show this help and exit\n"
            "  -V, --version       show the version and exit\n");
}

static void on_sig_closed(uv_handle_t *h)
{
    (void)h;
}

static void close_signals(app *a)
{
    uv_signal_t *s[] = { &a->sig_int, &a->sig_term, &a->sig_hup };
    for (int i = 0; i < a->sigs_open; i++)
        uv_close((uv_handle_t *)s[i], on_sig_closed);
    a->sigs_open = 0;
}

static void on_notify_closed(void *ctx)
{
    (void)ctx;
}

static void on_stopped(void *ctx)
{
    app *a = ctx;
    close_signals(a);
    sw_sdnotify_close(&a->sdn, NULL);
    sw_notify_metrics_stop(&a->metrics);
    sw_notify_close(a->notify, on_notify_closed, a);
}

static void on_signal(uv_signal_t *h, int signum)
{
    app *a = h->data;
    if (signum == SIGHUP) {
        sw_warn("SIGHUP ignored: this version does not reload its configuration");
        return;
    }
    if (a->stopping) {
        sw_info("%s received again: already stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
        return;
    }
    a->stopping = 1;
    sw_sdnotify_stopping(&a->sdn, (a->shutdown_ms + 5000) * 1000);
    sw_info("%s received: stopping (up to %llu ms for what is in flight)", signum == SIGINT ? "SIGINT" : "SIGTERM",
            (unsigned long long)a->shutdown_ms);
    sw_notify_stop(a->notify, a->shutdown_ms, on_stopped, a);
}

/* systemd's STATUS= line. */
static char *status_line(void *ctx, char *buf, size_t len)
{
    app *a = ctx;
    sw_notify_stats st;
    sw_notify_get_stats(a->notify, &st);
    snprintf(buf, len, "read %llu alerts; delivered %llu, dead-lettered %llu, silenced %llu; %zu in flight; %zu "
             "silences active",
             (unsigned long long)st.read, (unsigned long long)st.delivered, (unsigned long long)st.dead_lettered,
             (unsigned long long)st.silenced, sw_notify_inflight(a->notify), sw_notify_silences_active(a->notify));
    return buf;
}

/* The Redis URL with its password, from the `redis` section (and
 * redis.password_env / redis.password_file).  0, or an exit status after
 * saying what is wrong. */
static int redis_url(const sw_config *cfg, const char *config, sw_redis_url *url)
{
    char err[600];
    char *password = NULL;
    if (sw_redis_url_parse(cfg->redis.url, url, err, sizeof err) != 0) {
        fprintf(stderr, "%s: redis.url: %s\n", config, err);
        return EXIT_CONFIG;
    }
    int prc = sw_secret_load(&password, "redis.password", cfg->redis.password_env, cfg->redis.password_file, err,
                             sizeof err);
    if (prc < 0) {
        sw_error("%s", err);
        return EXIT_RUNTIME;
    }
    if (prc == 0) {
        int fits = strlen(password) < sizeof url->password;
        if (fits)
            strcpy(url->password, password);
        else
            sw_error("redis.password: longer than %zu bytes", sizeof url->password - 1);
        sw_secret_free(&password);
        if (!fits)
            return EXIT_RUNTIME;
    }
    return 0;
}

/* shock-notify silence ...: argv as after "silence". */
static int silence_main(const sw_config *cfg, const char *config, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "shock-notify: silence: add, list or expire?\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    sw_redis_url url;
    memset(&url, 0, sizeof url);
    int rc = redis_url(cfg, config, &url);
    sw_group_spec *groups = NULL;
    sw_detector_spec *dets = NULL;
    if (rc == 0 && sw_config_engine_specs(cfg, &groups, &dets) != 0) {
        sw_error("out of memory");
        rc = EXIT_RUNTIME;
    }
    if (rc == 0) {
        sw_silence_cli_env env = { cfg, &url, groups, cfg->n_groups };
        rc = sw_silence_cli(argc, argv, &env);
    }
    sw_redis_url_wipe(&url);
    free(groups);
    free(dets);
    return rc;
}

int main(int argc, char **argv)
{
    const char *config = "/etc/shockwatch/shockwatch.json", *log_level = NULL, *consumer = NULL;
    int check = 0;
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },   { "check", no_argument, NULL, 'k' },
        { "consumer", required_argument, NULL, 'n' }, { "log-level", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },           { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    /* Before anything holds a secret: no core file, no ptrace by others. */
    if (sw_secret_protect_process() != 0)
        perror("shock-notify: prctl(PR_SET_DUMPABLE)");
    sw_log_init("shock-notify");
    sw_logout_from_environment(); /* journald priorities or timestamps; repeats held */
    sw_logout_set_filter(sw_secret_redact_params);
    int opt;
    /* "+": options stop at the first word ("silence"), whose own follow it. */
    while ((opt = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'k': check = 1; break;
        case 'n': consumer = optarg; break;
        case 'l': log_level = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("shock-notify %s\n", SHOCK_VERSION); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    int silence_cmd = optind < argc && strcmp(argv[optind], "silence") == 0;
    if (optind < argc && !silence_cmd) {
        fprintf(stderr, "shock-notify: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (log_level && sw_log_parse_level(log_level) < 0) {
        fprintf(stderr, "shock-notify: --log-level %s: one of error, warning, info, debug\n", log_level);
        return EXIT_USAGE;
    }

    sw_config cfg;
    sw_diag diag = { 0 };
    if (sw_config_load(&cfg, config, &diag) != 0) {
        sw_diag_print(&diag, stderr);
        sw_diag_free(&diag);
        return EXIT_CONFIG;
    }
    sw_diag_free(&diag);
    if (silence_cmd) {
        /* A command: its result on stdout, problems on stderr, no chatter. */
        sw_log_set_level(log_level ? (sw_log_level)sw_log_parse_level(log_level) : SW_LOG_WARNING);
        int src = silence_main(&cfg, config, argc - optind - 1, argv + optind + 1);
        sw_config_free(&cfg);
        return src;
    }
    sw_log_set_level(log_level ? (sw_log_level)sw_log_parse_level(log_level) : (sw_log_level)cfg.log_level);
    const sw_notify_config *nc = &cfg.notify;
    const char *missing = !nc->present ? "no \"notify\" section (channels and routes)"
                          : !nc->n_channels ? "notify.channels: none configured"
                          : !nc->n_routes   ? "notify.routes: none configured (nothing would be sent)"
                                            : NULL;
    if (missing) {
        fprintf(stderr, "%s: %s\n", config, missing);
        sw_config_free(&cfg);
        return EXIT_CONFIG;
    }
    if (check) {
        printf("%s: OK: %zu channels, %zu routes, stream %s, group %s, digest window %lld ms\n", config,
               nc->n_channels, nc->n_routes, cfg.redis.stream, nc->group,
               (long long)(nc->digest_window_ns / 1000000));
        sw_config_free(&cfg);
        return 0;
    }

    int rc = EXIT_RUNTIME;
    char err[600];
    char host[256] = "shock-notify";
    sw_notify_opts o;
    memset(&o, 0, sizeof o);
    sw_group_spec *groups = NULL;
    sw_detector_spec *dets = NULL;
    char *spw = NULL;
    app a;
    memset(&a, 0, sizeof a);
    int loop_ok = 0;

    int urc = redis_url(&cfg, config, &o.url);
    if (urc != 0) {
        rc = urc;
        goto out;
    }
    /* Sentinel: the same section as shockd's. */
    sw_sentinel_params snp;
    memset(&snp, 0, sizeof snp);
    if (cfg.redis.sentinels.n) {
        if (sw_redis_sentinel_password(&cfg.redis, &spw, err, sizeof err) < 0) {
            sw_error("%s", err);
            goto out;
        }
        snp.addrs = (const char *const *)cfg.redis.sentinels.v;
        snp.n_addrs = cfg.redis.sentinels.n;
        snp.master_name = cfg.redis.master_name;
        snp.password = spw;
        snp.timeout_ms = (uint64_t)(cfg.redis.sentinel_timeout_ns / 1000000);
        o.sentinel = &snp;
        for (size_t i = 0; i < cfg.redis.sentinels.n; i++) {
            sw_redis_url su;
            memset(&su, 0, sizeof su);
            if (sw_redis_addr_parse(cfg.redis.sentinels.v[i], su.host, sizeof su.host, &su.port,
                                    SW_SENTINEL_DEFAULT_PORT, err, sizeof err) == 0)
                sw_redis_warn_if_in_clear(&su);
        }
    } else {
        /* Once, at start: Redis on another machine is in clear text. */
        sw_redis_warn_if_in_clear(&o.url);
    }
    o.replicas_ack = cfg.redis.replicas_ack;
    o.replicas_timeout_ms = (uint64_t)(cfg.redis.replicas_timeout_ns / 1000000);
    if (sw_config_engine_specs(&cfg, &groups, &dets) != 0) {
        sw_error("out of memory");
        goto out;
    }
    if (!consumer)
        consumer = nc->consumer;
    if (!consumer) {
        if (gethostname(host, sizeof host) != 0 || !host[0])
            snprintf(host, sizeof host, "shock-notify");
        host[sizeof host - 1] = '\0';
        consumer = host;
    }
    o.cfg = nc;
    o.stream = cfg.redis.stream;
    o.connect_timeout_ms = (uint64_t)(cfg.redis.connect_timeout_ns / 1000000);
    o.command_timeout_ms = (uint64_t)(cfg.redis.command_timeout_ns / 1000000);
    o.groups = groups;
    o.n_groups = cfg.n_groups;
    o.consumer = consumer;
    a.shutdown_ms = (uint64_t)(cfg.shutdown_timeout_ns / 1000000);

    /* Before any thread exists (curl's resolver, OpenSSL): not thread-safe. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        sw_error("libcurl cannot be initialised");
        goto out;
    }
    if (uv_loop_init(&a.loop) != 0) {
        sw_error("cannot create the event loop");
        goto out_curl;
    }
    loop_ok = 1;
    a.notify = sw_notify_new(&a.loop, &o, err, sizeof err);
    sw_redis_url_wipe(&o.url);
    sw_secret_free(&spw); /* copied by the connections */
    if (!a.notify) {
        sw_error("%s", err);
        goto out_loop;
    }
    struct { uv_signal_t *h; int sig; } sigs[] = {
        { &a.sig_int, SIGINT }, { &a.sig_term, SIGTERM }, { &a.sig_hup, SIGHUP },
    };
    int sig_fail = 0;
    for (int i = 0; i < 3 && !sig_fail; i++) {
        if (uv_signal_init(&a.loop, sigs[i].h) != 0) {
            sig_fail = 1;
            break;
        }
        sigs[i].h->data = &a;
        a.sigs_open++;
        sig_fail = uv_signal_start(sigs[i].h, on_signal, sigs[i].sig) != 0;
    }
    if (sig_fail) {
        sw_error("cannot watch signals");
        close_signals(&a);
        sw_notify_close(a.notify, on_notify_closed, &a);
        uv_run(&a.loop, UV_RUN_DEFAULT);
        sw_notify_free(a.notify);
        goto out_loop;
    }
    sw_notify_start(a.notify);
    if (sw_notify_metrics_start(&a.metrics, &a.loop, nc->metrics_listen, a.notify) != 0)
        sw_warn("metrics: no /metrics and /healthz (notify.metrics_listen %s)", nc->metrics_listen);
    if (sw_sdnotify_start(&a.sdn, &a.loop) != 0 || sw_sdnotify_poll_status(&a.sdn, &a.loop, status_line, &a) != 0)
        sw_warn("systemd notification timers could not be set up");
    uv_run(&a.loop, UV_RUN_DEFAULT);
    sw_notify_metrics_fini(&a.metrics); /* lws' second teardown stage */
    sw_notify_stats st;
    sw_notify_get_stats(a.notify, &st);
    fprintf(stderr,
            "shock-notify: read %llu alerts (%llu claimed, %llu malformed); delivered %llu, dead-lettered %llu, "
            "duplicates skipped %llu, quiet hours %llu, unrouted %llu, silenced %llu; %zu pending\n",
            (unsigned long long)st.read, (unsigned long long)st.claimed, (unsigned long long)st.malformed,
            (unsigned long long)st.delivered, (unsigned long long)st.dead_lettered,
            (unsigned long long)st.dup_skipped, (unsigned long long)st.quiet_skipped,
            (unsigned long long)st.unrouted, (unsigned long long)st.silenced, sw_notify_inflight(a.notify));
    sw_notify_free(a.notify);
    rc = 0;
out_loop:
    if (loop_ok && uv_loop_close(&a.loop) != 0)
        sw_warn("event loop closed with handles still open");
out_curl:
    curl_global_cleanup();
out:
    sw_redis_url_wipe(&o.url);
    sw_secret_free(&spw);
    free(groups);
    free(dets);
    sw_config_free(&cfg);
    return rc;
}
