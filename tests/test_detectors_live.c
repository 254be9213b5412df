/*
 * test_detectors_live.c -- level, volume, relative and market end to end
 * over a live feed: shock-feed plays a recording that fires each of them
 * (Finnhub, loopback, real processes), and the alerts shockd raises live
 * must be those `shockd --replay` raises from the same recording, byte for
 * byte.  Then the first-day story of volume's baseline: `shockd --replay
 * HISTORY --seed-state` writes a state.json that a live start accepts, and
 * the live run of the next session alone raises the same alerts as the
 * replay of history and session together.
 */
#include <criterion/criterion.h>

#include "feed_harness.h"

static char dir[64];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "detlive"), 0);
}

static void teardown(void)
{
    sw_test_rmdir(dir);
}

TestSuite(detectors_live, .init = setup, .fini = teardown, .timeout = 300);

/* Milliseconds since the epoch of New York time h:m:s on 2025-01-`day`
 * (winter: UTC-5). */
static long long ny_ms(int day, int h, int m, int s)
{
    long long days = 20088 + day; /* 2025-01-01 is day 20089 of the epoch */
    return (days * 86400 + (h + 5) * 3600 + m * 60 + s) * 1000;
}

static void trade(FILE *f, const char *sym, double price, long long t_ms, int size)
{
    fprintf(f, "{\"type\":\"trade\",\"data\":[{\"s\":\"%s\",\"p\":%.2f,\"t\":%lld,\"v\":%d}]}\n", sym, price, t_ms, size);
}

/* Friday 2025-01-24: a trade of 1000 of each symbol every 5 minutes, closes
 * NVDA 142.62, AMD 120, SPY 607.97 at 16:00:00. */
static void write_friday(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int w = 0; w < 78; w++) {
        int m = 30 + 5 * w;
        trade(f, "NVDA", 142.60, ny_ms(24, 9 + m / 60, m % 60, 10), 1000);
        trade(f, "AMD", 120.00, ny_ms(24, 9 + m / 60, m % 60, 11), 1000);
        trade(f, "SPY", 607.90, ny_ms(24, 9 + m / 60, m % 60, 12), 1000);
    }
    trade(f, "NVDA", 142.62, ny_ms(24, 16, 0, 0), 1000);
    trade(f, "AMD", 120.00, ny_ms(24, 16, 0, 0), 1000);
    trade(f, "SPY", 607.97, ny_ms(24, 16, 0, 0), 1000);
    fclose(f);
}

/* Monday 2025-01-27, 09:30-10:30: SPY -7.56% (circuit breaker level 1 on
 * the proxy), NVDA -16.97% (below its 130 level, gapped; -10% vs SPY), AMD
 * flat (+8% vs SPY) and ten times its volume in the 10:00 window. */
static void write_monday(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int w = 0; w < 12; w++) {
        int m = 30 + 5 * w, n = w == 0 ? 3 : 1;
        for (int i = 0; i < n; i++) {
            trade(f, "SPY", 562.00, ny_ms(27, 9 + m / 60, m % 60, 10 + i), 1000);
            trade(f, "NVDA", 118.42, ny_ms(27, 9 + m / 60, m % 60, 20 + i), 1000);
        }
        for (int i = 0; i < (w == 6 ? 10 : n); i++)
            trade(f, "AMD", 120.00, ny_ms(27, 9 + m / 60, m % 60, 30 + i), 1000);
    }
    fclose(f);
}

/* shockd's config into DIR/NAME.json, state in DIR/NAME.state. */
static const char *config(const char *name, const char *url)
{
    static char path[256];
    char text[2048];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    snprintf(text, sizeof text,
             "{\"feed\": {\"provider\": \"finnhub\", \"url\": \"%s\", \"key_env\": \"SW_KEY\", \"backoff_base\": "
             "\"20ms\", \"backoff_cap\": \"200ms\"},\n"
             " \"groups\": {\"ai\": [\"NVDA\", \"AMD\"], \"market\": [\"SPY\"]},\n"
             " \"detectors\": [{\"type\": \"level\", \"levels\": {\"NVDA\": {\"below\": [130]}}},\n"
             "   {\"type\": \"volume\", \"min_days\": 1, \"min_volume\": 0},\n"
             "   {\"type\": \"relative\", \"benchmark\": \"SPY\"},\n"
             "   {\"type\": \"market\", \"index\": \"SPY\"}],\n"
             " \"sinks\": [\"stdout\"], \"log_level\": \"info\", \"metrics\": {\"listen\": \"off\"},\n"
             " \"state_dir\": \"%s/%s.state\"}\n",
             url ? url : "ws://127.0.0.1:9", dir, name);
    fh_write(path, text);
    return path;
}

/* shockd's stdout after it ends on its own (a replay) within a minute. */
static char *run_shockd(const char *tag, const char *const *argv)
{
    fh_proc p = fh_start(dir, tag, argv, NULL);
    cr_assert_eq(fh_wait(&p, 60000), 0, "%s: %s", tag, sw_test_slurp(p.err));
    return sw_test_slurp(p.out);
}

/* shockd live (config NAME) against shock-feed playing the recordings
 * (NULL-terminated) until the end of the recording; its alerts. */
static char *run_live(const char *name, const char *const *recs)
{
    const char *more[8] = { NULL };
    for (int i = 1; recs[i] && i < 7; i++) {
        more[2 * (i - 1)] = "--replay";
        more[2 * (i - 1) + 1] = recs[i];
    }
    /* A second shock-feed writes the same files: the first one's URL must
     * not be read before the new process truncates them. */
    char old[128], url[128];
    snprintf(old, sizeof old, "%s/feed.out", dir);
    unlink(old);
    fh_proc feed = fh_feed_start(dir, "finnhub", recs[0], more, url, sizeof url);
    cr_assert(url[0], "shock-feed did not start: %s", sw_test_slurp(feed.err));
    const char *argv[] = { SHOCKD, "-c", config(name, url), NULL };
    static const char *const env[] = { "SW_KEY=key-1", NULL };
    fh_proc d = fh_start(dir, name, argv, env);
    cr_expect_eq(fh_wait(&feed, 120000), 0, "shock-feed: %s", sw_test_slurp(feed.err));
    cr_expect(sw_test_wait_text(d.err, "1000 end of recording", 1, 30000), "%s", sw_test_slurp(d.err));
    cr_expect_eq(fh_stop(&d), 0, "%s", sw_test_slurp(d.err));
    return sw_test_slurp(d.out);
}

Test(detectors_live, live_equals_replay_and_a_seeded_state_starts_where_history_ended)
{
    char fri[128], mon[128];
    snprintf(fri, sizeof fri, "%s/fri.ndjson", dir);
    snprintf(mon, sizeof mon, "%s/mon.ndjson", dir);
    write_friday(fri);
    write_monday(mon);

    const char *rargv[] = { SHOCKD, "-c", config("replay", NULL), "--replay", fri, mon, NULL };
    char *want = run_shockd("replay", rargv);
    static const char *const kinds[] = {
        "\"symbol\":\"NVDA\",\"group\":null,\"detector\":\"level\",\"severity\":\"warning\"",
        "\"symbol\":\"NVDA\",\"group\":null,\"detector\":\"relative\",\"severity\":\"critical\"",
        "\"symbol\":\"AMD\",\"group\":null,\"detector\":\"relative\",\"severity\":\"warning\"",
        "\"symbol\":\"SPY\",\"group\":null,\"detector\":\"market\",\"severity\":\"critical\"",
        "\"symbol\":\"AMD\",\"group\":null,\"detector\":\"volume\",\"severity\":\"warning\"",
        "gapped below 130 (price 118.42, previous session's last 142.62)",
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        cr_expect(strstr(want, kinds[i]), "the replay lacks %s:\n%s", kinds[i], want);
    cr_expect_eq(sw_test_count(want, "\n"), 5, "%s", want);

    /* Live, both days through shock-feed. */
    const char *both[] = { fri, mon, NULL };
    char *live = run_live("live", both);
    cr_expect_str_eq(live, want, "live differs from replay");
    free(live);

    /* The first day's story: history replayed into the state ... */
    const char *sargv[] = { SHOCKD, "-c", config("seeded", NULL), "--replay", fri, "--seed-state", NULL };
    char *seed_out = run_shockd("seed", sargv);
    cr_expect_str_eq(seed_out, "", "no alert of the past goes out while seeding");
    char path[256];
    snprintf(path, sizeof path, "%s/seed.err", dir);
    char *seed_err = sw_test_slurp(path);
    cr_expect(strstr(seed_err, "seed-state: wrote ") && strstr(seed_err, "for a live start"), "%s", seed_err);
    snprintf(path, sizeof path, "%s/seeded.state/state.json", dir);
    char *state = sw_test_slurp(path);
    cr_expect(strstr(state, "\"mode\":\"live\"") && strstr(state, "\"type\":\"volume\""), "%s", state);
    /* ... and a live start on Monday alone: the same alerts. */
    const char *monday[] = { mon, NULL };
    char *seeded = run_live("seeded", monday);
    cr_expect_str_eq(seeded, want, "the seeded live run differs from the replay of both days");
    snprintf(path, sizeof path, "%s/seeded.err", dir);
    char *log = sw_test_slurp(path);
    cr_expect(strstr(log, "state: restored 3 symbols from") != NULL, "%s", log);
    cr_expect(strstr(log, "volume: ") == NULL, "the baseline was there: no \"not enough sessions\":\n%s", log);
    free(log);
    free(seeded);
    free(state);
    free(seed_err);
    free(seed_out);
    free(want);
}
