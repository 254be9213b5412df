/*
 * fuzz_chart_request.c -- what a dashboard client controls in a chart
 * request (daemon/ops/sw_live.h): the path (/chart/SYMBOL.png,
 * /chart/group/NAME.svg, ...) and the ?alert= value; and what shock-notify
 * makes of an alert's symbol and id in a URL template (sw_notify_chart.h).
 * (Viewers of /live send nothing shockd reads: any frame from one closes it.)
 *
 * Input: PATH \0 ALERT \0 TEMPLATE \0 SYMBOL (missing parts are empty).
 * Properties: a path is accepted with a name of 1..SW_SYMBOL_MAX-1 printable
 * bytes (no '/' in a group's), the format its suffix says, or refused with a
 * reason; an alert id is accepted only as 16 lowercase hex digits; a filled
 * template (one alert, or a digest of a group named like the symbol) fits
 * its buffer, and a template of printable ASCII gives a URL of printable
 * ASCII whatever the symbol, id or group hold (they are percent-encoded).
 */
#include "sw_fuzz.h"
#include "sw_live.h"
#include "sw_notify_chart.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sw_fuzz_quiet();
    return 0;
}

/* The next NUL-separated part of the input, copied (malloc'd). */
static char *part(const uint8_t **data, size_t *size)
{
    const uint8_t *end = memchr(*data, '\0', *size);
    size_t n = end ? (size_t)(end - *data) : *size;
    char *s = sw_fuzz_strndup(*data, n);
    *data += end ? n + 1 : n;
    *size -= end ? n + 1 : n;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = part(&data, &size), *alert = part(&data, &size), *tmpl = part(&data, &size),
         *symbol = part(&data, &size);
    sw_live_chart_req r;
    char err[128] = "";
    if (sw_live_parse_chart(path, &r, err, sizeof err) == 0) {
        size_t n = strnlen(r.name, sizeof r.name);
        if (n == 0 || n >= sizeof r.name)
            abort();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)r.name[i] <= 0x20 || (unsigned char)r.name[i] >= 0x7f || (r.group && r.name[i] == '/'))
                abort();
        size_t pl = strlen(path);
        if (pl < 4 || strcmp(path + pl - 4, r.png ? ".png" : ".svg") != 0)
            abort();
    } else if (!err[0]) {
        abort();
    }
    if (sw_live_valid_alert_id(alert)) {
        if (strlen(alert) != 16)
            abort();
        for (const char *p = alert; *p; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                abort();
    }
    /* Whatever the symbol and the id hold, they cannot bring a space, a
     * control character or a byte beyond ASCII into a URL whose template
     * has none: they are percent-encoded. */
    sw_alert a;
    memset(&a, 0, sizeof a);
    snprintf(a.symbol, sizeof a.symbol, "%s", symbol);
    snprintf(a.id, sizeof a.id, "%s", alert);
    const sw_alert *al[] = { &a };
    char url[512];
    int clean = 1;
    for (const char *t = tmpl; *t; t++)
        clean &= (unsigned char)*t > 0x20 && (unsigned char)*t < 0x7f;
    if (sw_nchart_url(tmpl, al, 1, strlen(symbol) % 2 ? symbol : NULL, url, sizeof url) == 0) {
        if (!memchr(url, '\0', sizeof url))
            abort();
        for (const char *u = url; clean && *u; u++)
            if ((unsigned char)*u <= 0x20 || (unsigned char)*u >= 0x7f)
                abort();
    }
    free(path);
    free(alert);
    free(tmpl);
    free(symbol);
    return 0;
}
