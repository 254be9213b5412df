/* Tests of two shockd as an active-active pair, end to end with real
 * processes on loopback: one shock-feed serves the bundled 2025-01-27
 * session to both over two connections (--clients 2), both write to one
 * private redis-server.  The two give identical alert ids; the stream holds
 * each alert once and every copy the other instance sent is counted as
 * deduplicated.  Then the same with one of them restarted in the middle of
 * the session (state.json's checkpoint restored): its ids before and after
 * the restart together are the other's, id for id -- the feed's own gap
 * alert, which only the instance that saw the gap raises, apart.  Every wait
 * polls a condition against a generous deadline. */
#include "feed_harness.h"
#include "sw_test_redis.h"

#include <criterion/criterion.h>

#define MAX_IDS 1024

static char dir[64];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "activeactive"), 0);
}

static void teardown(void)
{
    cr_expect_eq(sw_test_rmdir(dir), 0);
}

TestSuite(active_active, .init = setup, .fini = teardown, .timeout = 300);

static char *path(const char *name)
{
    static char bufs[8][160];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 160, "%s/%s", dir, name);
    return b;
}

/* The config of instance `tag`: the demo watchlist and detectors with
 * sensitive levels (about 80 alerts in the session), the feed at url. */
static const char *write_config(const char *tag, const char *url, const char *redis_url)
{
    char name[32], text[3072];
    snprintf(name, sizeof name, "%s.json", tag);
    snprintf(text, sizeof text,
             "{\"feed\": {\"provider\": \"finnhub\", \"url\": \"%s\", \"key_env\": \"SW_AA_TOKEN\","
             " \"backoff_base\": \"100ms\", \"backoff_cap\": \"500ms\"},\n"
             " \"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"AVGO\", \"TSM\", \"ASML\", \"MSFT\", \"GOOG\", \"META\",\n"
             "   \"AMZN\", \"ORCL\", \"SMCI\", \"ARM\", \"MU\"], \"benchmarks\": [\"QQQ\", \"SPY\", \"SMH\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\", \"warning_pct\": 2, \"critical_pct\": 4, \"step_pct\": 1},\n"
             "   {\"type\": \"pct_move\", \"reference\": \"window\", \"window\": \"5m\", \"warning_pct\": 1,"
             " \"critical_pct\": 2},\n"
             "   {\"type\": \"zscore\", \"bar\": \"5m\", \"warning_z\": 3, \"critical_z\": 6},\n"
             "   {\"type\": \"vol_regime\", \"bar\": \"5m\", \"threshold\": 2, \"min_bars\": 10},\n"
             "   {\"type\": \"breadth\", \"warning_pct\": 2, \"critical_pct\": 4, \"min_members\": 3},\n"
             "   {\"type\": \"stale\", \"after\": \"60s\"}],\n"
             " \"policy\": {\"resolved\": true}, \"sinks\": [\"stdout\", \"redis\"],\n"
             " \"redis\": {\"url\": \"%s\"}, \"metrics\": {\"listen\": \"off\"},\n"
             " \"state_dir\": \"%s/state-%s\", \"log_level\": \"info\"}\n",
             url, redis_url, dir, tag);
    fh_write(path(name), text);
    return path(name);
}

static fh_proc start_shockd(const char *tag, const char *cfg)
{
    const char *argv[] = { SHOCKD, "-c", cfg, NULL };
    const char *env[] = { "SW_AA_TOKEN=t", "JOURNAL_STREAM=", NULL };
    return fh_start(dir, tag, argv, env);
}

static fh_proc start_feed(const char *tag, const char *recording, const char *listen)
{
    const char *argv[] = { SHOCK_FEED, "--replay", recording, "--clients", "2", "--listen", listen, NULL };
    return fh_start(dir, tag, argv, NULL);
}

/* Alert ids from an instance's stdout, leaving out the feed's own gap
 * alerts (detector "feed") when no_feed. */
static size_t ids_of(const char *out, char (*ids)[17], size_t n, size_t max, int no_feed)
{
    char *t = sw_test_slurp(out);
    for (char *l = t; *l && n < max;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        const char *id = strstr(l, "\"id\":\"");
        if (id && !(no_feed && strstr(l, "\"detector\":\"feed\""))) {
            memcpy(ids[n], id + 6, 16);
            ids[n++][16] = '\0';
        }
        l = nl ? nl + 1 : l + strlen(l);
    }
    free(t);
    return n;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Every id of a in b and back, as multisets (both sorted here). */
static void expect_same_ids(char (*a)[17], size_t na, char (*b)[17], size_t nb, const char *what)
{
    qsort(a, na, sizeof a[0], cmp_id);
    qsort(b, nb, sizeof b[0], cmp_id);
    cr_expect_eq(na, nb, "%s: %zu and %zu alerts", what, na, nb);
    for (size_t i = 0; i < na && i < nb; i++)
        cr_expect_str_eq(a[i], b[i], "%s: alert %zu", what, i);
}

/* The stream's alert ids, each once: the number of entries, and no id twice. */
static size_t stream_ids(const test_redis *r, char (*ids)[17], size_t max)
{
    redisContext *c = tr_connect(r);
    cr_assert_not_null(c);
    redisReply *rep = redisCommand(c, "XRANGE shockwatch:alerts - +");
    cr_assert(rep && rep->type == REDIS_REPLY_ARRAY);
    size_t n = 0;
    for (size_t i = 0; i < rep->elements && n < max; i++) {
        const redisReply *fv = rep->element[i]->element[1];
        for (size_t k = 0; k + 1 < fv->elements; k += 2)
            if (strcmp(fv->element[k]->str, "id") == 0)
                snprintf(ids[n++], 17, "%s", fv->element[k + 1]->str);
    }
    freeReplyObject(rep);
    redisFree(c);
    qsort(ids, n, sizeof ids[0], cmp_id);
    for (size_t i = 1; i < n; i++)
        cr_expect_str_neq(ids[i - 1], ids[i], "alert %s twice in the stream", ids[i]);
    return n;
}

static long deduplicated(const char *err)
{
    char *t = sw_test_slurp(err);
    long n = sw_test_number_before(t, "deduplicated (another shockd");
    free(t);
    return n < 0 ? 0 : n;
}

/* shock-feed exits once the clients it played to are gone: it closed them
 * after the last trade, and they processed every trade before the close. */
static void wait_feed_end(fh_proc *feed)
{
    cr_assert_eq(fh_wait(feed, 120000), 0, "shock-feed did not finish: %s", sw_test_slurp(feed->err));
}

Test(active_active, two_instances_on_one_feed_write_each_alert_once)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0);
    char url[128];
    fh_proc feed = start_feed("feed", SESSION, "127.0.0.1:0");
    cr_assert(fh_listen_url(&feed, url, sizeof url, 30000), "%s", sw_test_slurp(feed.err));
    fh_proc a = start_shockd("a", write_config("a", url, r.url));
    fh_proc b = start_shockd("b", write_config("b", url, r.url));
    wait_feed_end(&feed);
    cr_expect_eq(fh_stop(&a), 0, "%s", sw_test_slurp(a.err));
    cr_expect_eq(fh_stop(&b), 0, "%s", sw_test_slurp(b.err));

    static char ia[MAX_IDS][17], ib[MAX_IDS][17], is[MAX_IDS][17];
    size_t na = ids_of(a.out, ia, 0, MAX_IDS, 0), nb = ids_of(b.out, ib, 0, MAX_IDS, 0);
    cr_assert_geq(na, 40u, "too few alerts to show anything: %s", sw_test_slurp(a.err));
    expect_same_ids(ia, na, ib, nb, "a and b");
    size_t ns = stream_ids(&r, is, MAX_IDS);
    expect_same_ids(ia, na, is, ns, "a and the stream");
    /* Each alert was written by one of them and found there by the other. */
    long da = deduplicated(a.err), db = deduplicated(b.err);
    cr_expect_eq(da + db, (long)na, "%ld + %ld deduplicated for %zu alerts", da, db, na);
    tr_destroy(&r);
}

/* The session split at the middle line: h1 and h2. */
static void split_session(void)
{
    char *t = sw_test_slurp(SESSION);
    size_t lines = 0;
    for (char *q = t; *q; q++)
        lines += *q == '\n';
    /* One pass to the middle line (strchr per line would rescan the rest of
     * the file each time under ASan's strict_string_checks). */
    char *cut = t;
    for (size_t seen = 0; *cut && seen < lines / 2; cut++)
        seen += *cut == '\n';
    FILE *f = fopen(path("h1.ndjson"), "w");
    fwrite(t, 1, (size_t)(cut - t), f);
    fclose(f);
    f = fopen(path("h2.ndjson"), "w");
    fputs(cut, f);
    fclose(f);
    free(t);
}

Test(active_active, a_restart_in_the_middle_of_the_session_keeps_the_ids)
{
    test_redis r;
    cr_assert_eq(tr_start(&r, NULL, 0, 0), 0);
    split_session();
    /* One port for both halves: a stays connected to "the feed" and
     * reconnects to the second shock-feed as to a provider back from a gap. */
    int port = tr_free_port();
    cr_assert_gt(port, 0);
    char listen[32], url[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d", port);
    const char *cfg_a = write_config("a", url, r.url), *cfg_b = write_config("b", url, r.url);

    fh_proc feed = start_feed("feed1", path("h1.ndjson"), listen);
    cr_assert(fh_listen_url(&feed, url, sizeof url, 30000), "%s", sw_test_slurp(feed.err));
    fh_proc a = start_shockd("a", cfg_a);
    fh_proc b1 = start_shockd("b1", cfg_b);
    wait_feed_end(&feed);
    /* b stops in the middle of the session (state.json saved), a goes on. */
    cr_expect_eq(fh_stop(&b1), 0, "%s", sw_test_slurp(b1.err));
    fh_proc b2 = start_shockd("b2", cfg_b);
    fh_proc feed2 = start_feed("feed2", path("h2.ndjson"), listen);
    wait_feed_end(&feed2);
    cr_expect_eq(fh_stop(&a), 0, "%s", sw_test_slurp(a.err));
    cr_expect_eq(fh_stop(&b2), 0, "%s", sw_test_slurp(b2.err));

    char *log = sw_test_slurp(b2.err);
    cr_expect(strstr(log, "alert policy keys restored") != NULL, "b's checkpoint was restored: %s", log);
    free(log);
    static char ia[MAX_IDS][17], ib[MAX_IDS][17], is[MAX_IDS][17];
    size_t na = ids_of(a.out, ia, 0, MAX_IDS, 1);
    size_t nb = ids_of(b1.out, ib, 0, MAX_IDS, 1);
    size_t nb1 = nb;
    nb = ids_of(b2.out, ib, nb, MAX_IDS, 1);
    cr_assert_geq(nb1, 10u, "alerts before the restart");
    cr_assert_geq(nb - nb1, 10u, "alerts after the restart");
    expect_same_ids(ia, na, ib, nb, "a, and b before and after its restart");
    /* The stream: each once (a's gap alert included, which b never saw). */
    size_t all_a = ids_of(a.out, is, 0, MAX_IDS, 0);
    cr_expect_eq(stream_ids(&r, is, MAX_IDS), all_a);
    tr_destroy(&r);
}
