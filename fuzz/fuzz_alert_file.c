/*
 * fuzz_alert_file.c -- shock-report's --alerts file (daemon/sources/
 * sw_alert_file.c) and what the report makes of the alerts in it
 * (daemon/charts/sw_report.c).  The file is anyone's: besides not crashing,
 * every line is either handed over or refused with a reason, and the page
 * drawn from the accepted alerts holds exactly one element of class "alert"
 * per alert and no markup from the data (a message saying
 * <g class="alert critical"> or <script> is text, not an element).
 */
#include "sw_alert_file.h"
#include "sw_fuzz.h"
#include "sw_report.h"
#include "sw_time.h"

#define MAX_KEPT 64

static sw_fuzz_file file;
static sw_daybook book; /* one day, no trades: the alerts are what is drawn */
static int file_ready;
static sw_alert kept[MAX_KEPT];
static size_t n_kept, n_seen;

static void take(void *ctx, const sw_alert *a)
{
    (void)ctx;
    n_seen++;
    if (!memchr(a->id, '\0', sizeof a->id) || !memchr(a->message, '\0', sizeof a->message))
        abort(); /* every string terminated inside its field */
    if (n_kept < MAX_KEPT)
        kept[n_kept++] = *a;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!file_ready) { /* once per process */
        sw_fuzz_quiet();
        sw_fuzz_file_init(&file, "alerts");
        if (sw_daybook_init(&book, 1, 60 * SW_NS_PER_SEC) != 0)
            abort();
        sw_daybook_start(&book, INT64_C(20115), NULL);
        file_ready = 1;
    }
    sw_fuzz_file_set(&file, data, size);
    n_kept = n_seen = 0;
    sw_alert_file_stats st;
    char err[256] = "";
    if (sw_alert_file_read(file.path, take, NULL, &st, err, sizeof err) != 0)
        abort(); /* a memfd always opens and reads */
    if (st.alerts != n_seen || st.alerts + st.bad > st.lines || (st.bad > 0) != (st.first_bad[0] != '\0'))
        abort();

    /* A page without alerts is the same page for every such input: drawn for
     * the empty one (a kept regression), not again for each garbage file. */
    if (n_kept == 0 && size > 0)
        return 0;
    /* Draw them: one day, one group of NVDA. */
    static const char *names[] = { "NVDA" };
    static const size_t members[] = { 0 };
    static const sw_report_group group = { "ai", members, 1, 1, 3, 5, 0.5, 1 };
    sw_report r = { .books = &book, .n_books = 1, .symbols = names, .n_symbols = 1, .groups = &group,
                    .n_groups = 1, .alerts = kept, .n_alerts = n_kept, .n_detectors = 1, .version = "fuzz" };
    sw_dbuf page;
    sw_dbuf_init(&page, 16u << 20);
    if (sw_report_html(&r, &page) != 0)
        abort();
    if (count(page.p, "class=\"alert ") != n_kept || strstr(page.p, "<script"))
        abort();
    sw_dbuf_free(&page);
    return 0;
}
