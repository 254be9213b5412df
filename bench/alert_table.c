/*
 * alert_table.c -- hold alerts against what really happened.
 *
 * Reads schema-v1 alert lines (shockd's stdout) and the real daily bars in a
 * folder (data/daily/<SYMBOL>.csv), and prints Markdown: every alert with the
 * real close-to-close move of its symbol that day (split-adjusted), so a
 * reader sees hits and false alarms; or, with --weekly, alert counts per
 * ticker-week by severity.  Used to produce the evidence tables in docs/.
 *
 *   alert_table --daily-dir DIR [--weekly] [--title TEXT] < alerts.ndjson
 */
#include "sw_time.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DAYS 4096

typedef struct series {
    char symbol[24];
    int64_t day[MAX_DAYS];
    double close[MAX_DAYS];
    double split[MAX_DAYS];
    int n;
    int loaded;
} series;

static series *all;
static int n_series;
static const char *daily_dir;

/* Load DIR/SYMBOL.csv (Tiingo layout: date,Close,...,splitfactor). */
static series *load(const char *symbol)
{
    for (int i = 0; i < n_series; i++)
        if (strcmp(all[i].symbol, symbol) == 0)
            return all[i].loaded ? &all[i] : NULL;
    series *s = realloc(all, (size_t)(n_series + 1) * sizeof *all);
    if (!s)
        return NULL;
    all = s;
    s = &all[n_series++];
    memset(s, 0, sizeof *s);
    snprintf(s->symbol, sizeof s->symbol, "%s", symbol);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.csv", daily_dir, symbol);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[1024];
    int col_close = -1, col_split = -1, header = 1;
    while (fgets(line, sizeof line, f) && s->n < MAX_DAYS) {
        char *save = NULL, *tok;
        int col = 0;
        char date[40] = "";
        double close = NAN, split = 1;
        for (tok = strtok_r(line, ",\r\n", &save); tok; tok = strtok_r(NULL, ",\r\n", &save), col++) {
            if (header) {
                if (strcasecmp(tok, "close") == 0)
                    col_close = col;
                if (strcasecmp(tok, "splitfactor") == 0)
                    col_split = col;
                continue;
            }
            if (col == 0)
                snprintf(date, sizeof date, "%s", tok);
            if (col == col_close)
                close = strtod(tok, NULL);
            if (col == col_split)
                split = strtod(tok, NULL);
        }
        if (header) {
            header = 0;
            continue;
        }
        int y, m, d;
        if (sscanf(date, "%d-%d-%d", &y, &m, &d) != 3 || !(close > 0))
            continue;
        s->day[s->n] = sw_days_from_civil(y, m, d);
        s->close[s->n] = close;
        s->split[s->n] = split > 0 ? split : 1;
        s->n++;
    }
    fclose(f);
    s->loaded = 1;
    return s;
}

/* Real close-to-close move in percent on `day`, adjusted for a split that
 * took effect that day; NaN if unknown. */
static double real_move(const char *symbol, int64_t day)
{
    series *s = load(symbol);
    if (!s)
        return NAN;
    for (int i = 1; i < s->n; i++)
        if (s->day[i] == day)
            return (s->close[i] * s->split[i] / s->close[i - 1] - 1) * 100;
    return NAN;
}

static int64_t parse_ts_day(const char *iso, int64_t *ns_out)
{
    int64_t ns;
    int flags;
    if (sw_parse_timestamp(iso, strlen(iso), &ns, &flags) != 0)
        return 0;
    *ns_out = ns;
    return sw_ny_day(ns, NULL);
}

typedef struct week_row {
    char symbol[32];
    int64_t week; /* Monday's day number */
    int count[3];
} week_row;

int main(int argc, char **argv)
{
    int weekly = 0;
    const char *title = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--daily-dir") == 0 && i + 1 < argc)
            daily_dir = argv[++i];
        else if (strcmp(argv[i], "--weekly") == 0)
            weekly = 1;
        else if (strcmp(argv[i], "--title") == 0 && i + 1 < argc)
            title = argv[++i];
        else {
            fprintf(stderr, "usage: alert_table --daily-dir DIR [--weekly] [--title TEXT] < alerts.ndjson\n");
            return 2;
        }
    }
    if (!daily_dir) {
        fprintf(stderr, "alert_table: --daily-dir is required\n");
        return 2;
    }
    if (title)
        printf("%s\n\n", title);
    static char line[65536];
    week_row *weeks = NULL;
    int n_weeks = 0, total[3] = { 0, 0, 0 }, lineno = 0;
    /* Alerts of single symbols by the real close-to-close move of that day:
     * >= 5% (the day itself was big), 2..5%, < 2% (an intraday swing that
     * reverted, or a false alarm), unknown. */
    int bucket[3][4] = { { 0 } };
    if (!weekly) {
        printf("| date (NY) | time (NY) | symbol | detector | severity | alert move | real close-to-close | message |\n");
        printf("|---|---|---|---|---|---|---|---|\n");
    }
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        cJSON *o = cJSON_Parse(line);
        if (!o) {
            fprintf(stderr, "alert_table: stdin:%d: not JSON, skipped\n", lineno);
            continue;
        }
        const cJSON *ts = cJSON_GetObjectItem(o, "ts"), *sym = cJSON_GetObjectItem(o, "symbol"),
                    *det = cJSON_GetObjectItem(o, "detector"), *sev = cJSON_GetObjectItem(o, "severity"),
                    *chg = cJSON_GetObjectItem(o, "change_pct"), *msg = cJSON_GetObjectItem(o, "message"),
                    *grp = cJSON_GetObjectItem(o, "group");
        if (!cJSON_IsString(ts) || !cJSON_IsString(sym) || !cJSON_IsString(det) || !cJSON_IsString(sev)) {
            fprintf(stderr, "alert_table: stdin:%d: not a schema-v1 alert, skipped\n", lineno);
            cJSON_Delete(o);
            continue;
        }
        int64_t ns = 0;
        int64_t day = parse_ts_day(ts->valuestring, &ns);
        int si = strcmp(sev->valuestring, "critical") == 0 ? 2 : strcmp(sev->valuestring, "warning") == 0 ? 1 : 0;
        total[si]++;
        if (weekly) {
            int64_t monday = day - (sw_weekday(day) + 6) % 7;
            int k = 0;
            while (k < n_weeks && !(weeks[k].week == monday && strcmp(weeks[k].symbol, sym->valuestring) == 0))
                k++;
            if (k == n_weeks) {
                week_row *nw = realloc(weeks, (size_t)(n_weeks + 1) * sizeof *weeks);
                if (!nw)
                    return 1;
                weeks = nw;
                memset(&weeks[k], 0, sizeof weeks[k]);
                snprintf(weeks[k].symbol, sizeof weeks[k].symbol, "%s", sym->valuestring);
                weeks[k].week = monday;
                n_weeks++;
            }
            weeks[k].count[si]++;
        } else {
            int y, m, d, sod;
            sw_civil_from_days(day, &y, &m, &d);
            sw_ny_day(ns, &sod);
            double real = cJSON_IsString(grp) ? NAN : real_move(sym->valuestring, day);
            if (!cJSON_IsString(grp)) {
                int b = isnan(real) ? 3 : fabs(real) >= 5 ? 0 : fabs(real) >= 2 ? 1 : 2;
                bucket[si][b]++;
            }
            char realbuf[32] = "n/a", chgbuf[32] = "n/a";
            if (!isnan(real))
                snprintf(realbuf, sizeof realbuf, "%+.2f%%", real);
            if (cJSON_IsNumber(chg))
                snprintf(chgbuf, sizeof chgbuf, "%+.2f%%", chg->valuedouble);
            printf("| %04d-%02d-%02d | %02d:%02d | %s | %s | %s | %s | %s | %s |\n", y, m, d, sod / 3600,
                   sod / 60 % 60, sym->valuestring, det->valuestring, sev->valuestring, chgbuf, realbuf,
                   cJSON_IsString(msg) ? msg->valuestring : "");
        }
        cJSON_Delete(o);
    }
    if (weekly) {
        int weeks_with[3] = { 0, 0, 0 };
        printf("| week of (Mon) | symbol | critical | warning | info |\n|---|---|---|---|---|\n");
        for (int k = 0; k < n_weeks; k++) {
            int y, m, d;
            sw_civil_from_days(weeks[k].week, &y, &m, &d);
            printf("| %04d-%02d-%02d | %s | %d | %d | %d |\n", y, m, d, weeks[k].symbol, weeks[k].count[2],
                   weeks[k].count[1], weeks[k].count[0]);
            for (int s = 0; s < 3; s++)
                weeks_with[s] += weeks[k].count[s] > 0;
        }
        printf("\nTicker-weeks with an alert: %d critical, %d warning, %d info.\n", weeks_with[2], weeks_with[1],
               weeks_with[0]);
    }
    printf("\nTotal: %d critical, %d warning, %d info.\n", total[2], total[1], total[0]);
    if (!weekly) {
        printf("\nSymbol alerts by the real close-to-close move of their day:\n\n");
        printf("| severity | day moved >= 5%% | 2-5%% | < 2%% | no daily bar |\n|---|---|---|---|---|\n");
        static const char *const names[] = { "info", "warning", "critical" };
        for (int k = 2; k >= 0; k--)
            printf("| %s | %d | %d | %d | %d |\n", names[k], bucket[k][0], bucket[k][1], bucket[k][2],
                   bucket[k][3]);
    }
    free(weeks);
    free(all);
    return 0;
}
