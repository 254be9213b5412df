/* sw_chan_console.c -- the `console` channel: readable lines on stdout (the
 * demo), or the alert JSON, one per line.  Written at once and flushed, so a
 * person or a pipe sees each message as it is sent; never fails. */
#include "sw_chan.h"
#include "sw_notify_format.h"

#include <stdio.h>
#include <stdlib.h>

static int console_build(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    (void)req;
    if (ch->cfg->format == 1) {
        for (size_t i = 0; i < m->n; i++)
            printf("%.*s\n", (int)m->items[i].json_len, m->items[i].json);
    } else {
        char *text = sw_chan_format(m, sw_nf_console);
        if (!text) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        fputs(text, stdout);
        free(text);
    }
    fflush(stdout);
    return 1;
}

const sw_chan_type sw_chan_console_type = { SW_CHAN_CONSOLE, NULL, console_build, NULL };
