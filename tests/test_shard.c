/* Tests of shards (config/sw_config_shard and shockd --shard K/N): the
 * placement is FNV-1a 64 of a name mod N, pinned here so a change of hash
 * (which would move groups between running shards) cannot pass unnoticed;
 * groups that share a symbol go together, named by the first of them, so a
 * symbol in several groups follows its first group and breadth keeps every
 * member; a shard keeps only its groups and their corporate actions; an empty
 * shard and an index out of range are clear errors.  End to end: three shards
 * replaying the 2025-01-27 session produce, together, exactly the alerts of
 * one shockd watching everything -- id for id, each in one shard only -- and
 * each names its shard in its log lines. */
#include "sw_config.h"
#include "sw_log.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw_test_util.h"

#define SHOCKD SW_BINARY_DIR "/shockd"
#define SESSION SW_SOURCE_DIR "/data/sessions/2025-01-27/finnhub.ndjson"
#define MAX_IDS 1024

static char dir[64];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "shard"), 0);
    sw_log_init("test");
}

static void teardown(void)
{
    cr_expect_eq(sw_test_rmdir(dir), 0);
}

TestSuite(shard, .init = setup, .fini = teardown, .timeout = 240);

static void parse(sw_config *cfg, const char *json)
{
    sw_diag diag = { 0 };
    int rc = sw_config_parse(cfg, json, strlen(json), "t.json", &diag);
    char first[256] = "";
    if (diag.n)
        snprintf(first, sizeof first, "%s", diag.lines[0]);
    sw_diag_free(&diag);
    cr_assert_eq(rc, 0, "%s", first);
}

Test(shard, the_hash_is_fnv1a_64_of_the_name_mod_n)
{
    /* Values computed apart (FNV-1a 64: offset basis 14695981039346656037,
     * prime 1099511628211); docs/ha.md gives the same rule. */
    cr_expect_eq(sw_config_shard_of("ai", 3), 0);          /* 0x089c3b07b545891f */
    cr_expect_eq(sw_config_shard_of("benchmarks", 3), 2);  /* 0x7508e1519c640a6d */
    cr_expect_eq(sw_config_shard_of("software", 3), 1);    /* 0x4f94a5db3fc39950 */
    cr_expect_eq(sw_config_shard_of("ai", 2), 1);
    cr_expect_eq(sw_config_shard_of("cloud", 2), 0);
    cr_expect_eq(sw_config_shard_of("anything", 1), 0, "one shard takes everything");
}

Test(shard, groups_sharing_a_symbol_go_together_after_the_first_of_them)
{
    sw_config cfg;
    /* c shares AMD with a, d shares MU with c: a, c and d are one unit,
     * placed by "a"; b stands alone. */
    parse(&cfg, "{\"groups\": {\"a\": [\"NVDA\", \"AMD\"], \"b\": [\"SPY\"], \"c\": [\"AMD\", \"MU\"], "
                "\"d\": [\"MU\", \"ARM\"], \"e\": [\"QQQ\"]}}");
    int map[5];
    for (int n = 2; n <= 7; n++) {
        cr_assert_eq(sw_config_shard_map(&cfg, n, map), 0);
        cr_expect_eq(map[0], sw_config_shard_of("a", n));
        cr_expect_eq(map[2], map[0], "c follows a (AMD) with %d shards", n);
        cr_expect_eq(map[3], map[0], "d follows c, so a (MU) with %d shards", n);
        cr_expect_eq(map[1], sw_config_shard_of("b", n));
        cr_expect_eq(map[4], sw_config_shard_of("e", n));
    }
    sw_config_free(&cfg);
}

Test(shard, a_shard_keeps_its_groups_and_their_corporate_actions)
{
    static const char *const json =
        "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\"], \"benchmarks\": [\"SPY\", \"QQQ\"], \"software\": [\"MSFT\"]},"
        " \"detectors\": [{\"type\": \"breadth\", \"groups\": [\"ai\"]}],"
        " \"corporate_actions\": [{\"symbol\": \"NVDA\", \"date\": \"2024-06-10\", \"ratio\": 10},"
        "                         {\"symbol\": \"SPY\", \"date\": \"2024-06-10\", \"ratio\": 2}]}";
    int seen[3] = { 0, 0, 0 };
    for (int k = 0; k < 3; k++) {
        sw_config cfg;
        parse(&cfg, json);
        sw_diag diag = { 0 };
        cr_assert_eq(sw_config_shard(&cfg, k, 3, &diag), 0);
        sw_diag_free(&diag);
        cr_assert_eq(cfg.n_groups, 1, "one group per shard here");
        const char *g = cfg.groups[0].name;
        seen[sw_config_shard_of(g, 3)]++;
        cr_expect_eq(sw_config_shard_of(g, 3), k);
        cr_expect_eq(cfg.shard_index, k);
        cr_expect_eq(cfg.shard_count, 3);
        /* NVDA's split goes with ai, SPY's with benchmarks, none with software. */
        cr_expect_eq(cfg.n_splits, strcmp(g, "software") == 0 ? 0u : 1u, "shard %d (%s)", k, g);
        if (cfg.n_splits)
            cr_expect_str_eq(cfg.splits[0].symbol, strcmp(g, "ai") == 0 ? "NVDA" : "SPY");
        sw_config_free(&cfg);
    }
    cr_expect(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);

    /* Two shards for these three groups: ai and benchmarks hash to 1, software to 0. */
    sw_config cfg;
    parse(&cfg, "{\"groups\": {\"ai\": [\"NVDA\"], \"benchmarks\": [\"SPY\"]}}");
    sw_diag diag = { 0 };
    cr_expect_eq(sw_config_shard(&cfg, 0, 2, &diag), -1);
    cr_assert_eq(diag.n, 1);
    cr_expect_str_eq(diag.lines[0], "t.json: shard 0/2 gets no group (ai -> 1, benchmarks -> 1): use fewer shards "
                                    "or more groups");
    sw_diag_free(&diag);
    sw_config_free(&cfg);
}

/* ---- end to end ------------------------------------------------------------------ */

static const char *write_config(void)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/c.json", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    /* Three groups that fall to three different shards (0, 1, 2), and every
     * kind of detector, breadth over two of the groups. */
    fprintf(f, "{\"groups\": {\"chips\": [\"NVDA\", \"AMD\", \"AVGO\", \"TSM\", \"ASML\", \"SMCI\", \"ARM\", \"MU\"],\n"
               "   \"software\": [\"MSFT\", \"GOOG\", \"META\", \"AMZN\", \"ORCL\"], \"benchmarks\": [\"QQQ\", \"SPY\", "
               "\"SMH\"]},\n"
               " \"detectors\": [{\"type\": \"pct_move\", \"warning_pct\": 2, \"critical_pct\": 4, \"step_pct\": 1},\n"
               "   {\"type\": \"pct_move\", \"reference\": \"window\", \"window\": \"5m\", \"warning_pct\": 1,"
               " \"critical_pct\": 2},\n"
               "   {\"type\": \"zscore\", \"bar\": \"5m\", \"warning_z\": 3, \"critical_z\": 6},\n"
               "   {\"type\": \"vol_regime\", \"bar\": \"5m\", \"threshold\": 2, \"min_bars\": 10},\n"
               "   {\"type\": \"breadth\", \"groups\": [\"chips\", \"software\"], \"warning_pct\": 2, \"critical_pct\": 4,"
               " \"min_members\": 3},\n"
               "   {\"type\": \"stale\", \"after\": \"60s\"}],\n"
               " \"policy\": {\"resolved\": true}, \"sinks\": [\"stdout\"], \"log_level\": \"info\",\n"
               " \"state_dir\": \"%s/state\"}\n",
            dir);
    fclose(f);
    return path;
}

/* shockd --replay SESSION [--shard K/N] with its own state_dir; returns the
 * exit status, stdout and stderr in DIR/TAG.out/.err. */
static int replay(const char *tag, const char *shard)
{
    char out[160], err[160], state[160];
    snprintf(out, sizeof out, "%s/%s.out", dir, tag);
    snprintf(err, sizeof err, "%s/%s.err", dir, tag);
    snprintf(state, sizeof state, "%s/state-%s", dir, tag);
    const char *cfg = write_config();
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        setenv("STATE_DIRECTORY", state, 1);
        if (shard)
            execl(SHOCKD, "shockd", "-c", cfg, "--replay", SESSION, "--shard", shard, (char *)NULL);
        else
            execl(SHOCKD, "shockd", "-c", cfg, "--replay", SESSION, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted "id detector symbol" of every alert of TAG.out into lines[]. */
static size_t alerts_of(const char *tag, char **lines, size_t n, size_t max)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s.out", dir, tag);
    char *t = sw_test_slurp(p);
    for (char *l = t; *l && n < max;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        const char *id = strstr(l, "\"id\":\"");
        if (id)
            lines[n++] = strdup(l); /* the whole line: the JSON must be the same too */
        l = nl ? nl + 1 : l + strlen(l);
    }
    free(t);
    return n;
}

Test(shard, three_shards_together_equal_one_daemon_id_for_id)
{
    cr_assert_eq(replay("all", NULL), 0);
    static char *all[MAX_IDS], *shards[MAX_IDS];
    size_t n_all = alerts_of("all", all, 0, MAX_IDS);
    cr_assert_geq(n_all, 100u, "too few alerts to compare");
    size_t n = 0, per[3];
    for (int k = 0; k < 3; k++) {
        char tag[16], spec[16], err[160];
        snprintf(tag, sizeof tag, "shard%d", k);
        snprintf(spec, sizeof spec, "%d/3", k);
        cr_assert_eq(replay(tag, spec), 0);
        size_t before = n;
        n = alerts_of(tag, shards, n, MAX_IDS);
        per[k] = n - before;
        snprintf(err, sizeof err, "%s/%s.err", dir, tag);
        char *log = sw_test_slurp(err);
        char name[64];
        snprintf(name, sizeof name, "shockd[%d/3]: info: shard %d of 3: groups ", k, k);
        cr_expect(strstr(log, name) != NULL, "shard %d names itself: %s", k, log);
        free(log);
        cr_expect_gt(per[k], 0u, "shard %d alerted", k);
    }
    qsort(all, n_all, sizeof all[0], cmp_line);
    qsort(shards, n, sizeof shards[0], cmp_line);
    cr_expect_eq(n, n_all, "%zu alerts from the shards (%zu + %zu + %zu), %zu from one daemon", n, per[0], per[1],
                 per[2], n_all);
    for (size_t i = 0; i < n && i < n_all; i++)
        cr_expect_str_eq(shards[i], all[i], "alert %zu", i);
    /* A breadth alert of each group that has breadth: the groups were whole. */
    size_t breadth = 0;
    for (size_t i = 0; i < n; i++)
        breadth += strstr(shards[i], "\"detector\":\"breadth\"") != NULL;
    cr_expect_gt(breadth, 0u);
    for (size_t i = 0; i < n_all; i++)
        free(all[i]);
    for (size_t i = 0; i < n; i++)
        free(shards[i]);
}
