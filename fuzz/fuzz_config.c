/*
 * fuzz_config.c -- the config loader (sw_config_parse, config/sw_config.c)
 * on arbitrary text: JSON syntax errors with their line:column excerpt, every
 * option table, groups, detectors, corporate actions, redis, metrics and
 * notify sections.  A config that loads is also turned into engine specs and
 * freed, as shockd does; a rejected one must come with at least one message.
 */
#include "sw_config.h"
#include "sw_fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = sw_fuzz_copy(data, size);
    sw_config cfg;
    sw_diag diag = { 0 };
    if (sw_config_parse(&cfg, text, size, "fuzz.json", &diag) == 0) {
        if (diag.n != 0)
            abort(); /* accepted with errors reported */
        sw_group_spec *groups = NULL;
        sw_detector_spec *dets = NULL;
        if (sw_config_engine_specs(&cfg, &groups, &dets) == 0) {
            free(groups);
            free(dets);
        }
        (void)sw_config_symbol_count(&cfg);
        sw_config_free(&cfg);
    } else if (diag.n == 0) {
        abort(); /* rejected without a reason */
    }
    sw_diag_free(&diag);
    free(text);
    return 0;
}
