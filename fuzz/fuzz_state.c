/*
 * fuzz_state.c -- reading back state.json (daemon/ops/sw_state.c), a file
 * that survives restarts and upgrades and that anyone with access to the
 * state directory can edit: version 2 (JSON Lines) or version 1 (one
 * document), torn, spliced, with lines of other symbols, bad numbers, bad
 * base64.  Each run loads the file for an engine of the production
 * detectors (config/shockwatch.json's set over three symbols), applies it
 * before a first event on 2025-01-28, saves, and loads the saved file again.
 *
 * Properties beyond "no crash": what a load keeps is written again by the
 * save (every record's symbol had no news), so the second load keeps the
 * same number of records; a file this build wrote is never refused.
 *
 * Then the file changes under the loaded records (a record keeps only
 * where its line is; the line is read again when applied and saved): one
 * byte of it, chosen from the input, is changed in place between the load
 * and the first event, and the save comes from an engine of another
 * watchlist order (a reload in between: records follow by name), after
 * a prune (what shockd does before it forks a save) for half the inputs.  Lines
 * that turned bad are warnings and fresh starts, never a crash; every line
 * that save wrote is a record of the next load.
 */
#include "sw_fuzz.h"
#include "sw_config.h"
#include "sw_reload.h"
#include "sw_state.h"
#include "sw_time.h"

static char dir[256], path[300];
static sw_config cfg, cfg_other;
static sw_engine quiet; /* no symbol has news in it: built once, only read */
static sw_engine other; /* the same, another watchlist: reordered, AMD gone, INTC new */

static const char config_text[] =
    "{\"groups\": {\"ai\": [\"NVDA\", \"AMD\", \"SPY\"]},"
    " \"detectors\": ["
    "  {\"type\": \"pct_move\", \"reference\": \"prev_close\", \"warning_pct\": 5, \"critical_pct\": 10},"
    "  {\"type\": \"pct_move\", \"reference\": \"window\", \"window\": \"5m\", \"warning_pct\": 3,"
    "   \"critical_pct\": 6},"
    "  {\"type\": \"zscore\", \"bar\": \"5m\", \"method\": \"ewma\", \"lambda\": 0.94, \"warning_z\": 5,"
    "   \"critical_z\": 9},"
    "  {\"type\": \"vol_regime\", \"bar\": \"5m\", \"window\": 30, \"threshold\": 3},"
    "  {\"type\": \"breadth\", \"groups\": [\"ai\"], \"warning_pct\": 3, \"critical_pct\": 5, \"min_fraction\": 0.5,"
    "   \"min_members\": 2},"
    "  {\"type\": \"stale\", \"after\": \"120s\"},"
    "  {\"type\": \"volume\", \"window\": \"5m\", \"warning_x\": 5, \"critical_x\": 20},"
    "  {\"type\": \"relative\", \"benchmark\": \"SPY\", \"warning_pct\": 5, \"critical_pct\": 10},"
    "  {\"type\": \"market\", \"index\": \"SPY\", \"levels\": [7, 13, 20]}],"
    " \"sinks\": [], \"metrics\": {\"listen\": \"off\"}}";

/* config_text with another watchlist (the detectors after its groups). */
static char other_text[sizeof config_text + 16];

static void no_emit(void *ctx, const sw_candidate *c)
{
    (void)ctx;
    (void)c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    sw_fuzz_tmpdir_gone_at_exit(dir, sizeof dir, "state");
    snprintf(path, sizeof path, "%s/%s", dir, SW_STATE_FILE);
    sw_diag diag = { 0 };
    if (sw_config_parse(&cfg, config_text, sizeof config_text - 1, "fuzz.json", &diag) != 0) {
        sw_diag_print(&diag, stderr);
        abort();
    }
    sw_diag_free(&diag);
    if (sw_reload_build_engine(&quiet, &cfg, no_emit, NULL) != 0)
        abort();
    const char *rest = strstr(config_text, ", \"detectors\"");
    if (!rest)
        abort();
    snprintf(other_text, sizeof other_text, "{\"groups\": {\"ai\": [\"SPY\", \"INTC\", \"NVDA\"]}%s", rest);
    if (sw_config_parse(&cfg_other, other_text, strlen(other_text), "fuzz-other.json", &diag) != 0) {
        sw_diag_print(&diag, stderr);
        abort();
    }
    sw_diag_free(&diag);
    if (sw_reload_build_engine(&other, &cfg_other, no_emit, NULL) != 0)
        abort();
    return 0;
}

/* Lines in the file at path (0 if it cannot be read). */
static size_t count_lines(void)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    int c;
    while (f && (c = getc(f)) != EOF)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

/* The file changed in place after the load: data[at] becomes data[at] ^ x,
 * both from a hash of the input, which is returned. */
static uint64_t change_byte(const uint8_t *data, size_t size)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * UINT64_C(0x100000001b3);
    size_t at = (size_t)(h % size);
    int x = (int)(h >> 32) & 0x7f;
    FILE *f = fopen(path, "r+b");
    if (!f)
        abort();
    if (fseek(f, (long)at, SEEK_SET) != 0 || putc(data[at] ^ (x ? x : 1), f) == EOF)
        abort();
    fclose(f);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sw_fuzz_write(path, data, size);
    sw_engine e;
    if (sw_reload_build_engine(&e, &cfg, no_emit, NULL) != 0)
        abort();
    sw_state st;
    if (sw_state_init(&st, dir, "live") != 0)
        abort();
    size_t n = sw_state_load(&st, &e);
    sw_state_apply(&st, &e, sw_ny_to_utc(sw_days_from_civil(2025, 1, 28), 9, 30, 0));
    sw_engine_free(&e);
    /* An engine where no symbol had news: each record loaded is written
     * again from what was loaded. */
    if (sw_state_save(&st, &quiet) != 0)
        abort();
    sw_state_free(&st);
    if (sw_state_init(&st, dir, "live") != 0)
        abort();
    size_t again = sw_state_load(&st, &quiet);
    if (again != n) {
        fprintf(stderr, "loaded %zu records, saved and loaded %zu\n", n, again);
        abort();
    }
    sw_state_free(&st);
    if (!n || !size)
        return 0;

    sw_fuzz_write(path, data, size);
    if (sw_reload_build_engine(&e, &cfg, no_emit, NULL) != 0)
        abort();
    if (sw_state_init(&st, dir, "live") != 0)
        abort();
    sw_state_load(&st, &e);
    uint64_t h = change_byte(data, size);
    sw_state_apply(&st, &e, sw_ny_to_utc(sw_days_from_civil(2025, 1, 28), 9, 30, 0));
    if (h & 0x100) /* as shockd before it forks a save: the restored symbols' records go */
        sw_state_prune(&st, &e);
    sw_engine_free(&e);
    if (sw_state_save(&st, &other) != 0)
        abort();
    sw_state_free(&st);
    /* Its lines: the header, a symbol's each, the end (no policy keys: none is set). */
    size_t lines = count_lines();
    if (sw_state_init(&st, dir, "live") != 0)
        abort();
    again = sw_state_load(&st, &other);
    if (lines < 2 || again != lines - 2) {
        fprintf(stderr, "saved %zu lines, loaded %zu records\n", lines, again);
        abort();
    }
    sw_state_free(&st);
    return 0;
}
