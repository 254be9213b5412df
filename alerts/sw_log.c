/* sw_log.c -- see sw_log.h. */
#include "sw_log.h"
#include "sw_logout.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *prog = "shockwatch";
static sw_log_level current = SW_LOG_INFO;
static const char *const names[] = { "error", "warning", "info", "debug" };

void sw_log_init(const char *program)
{
    prog = program;
}

void sw_log_set_level(sw_log_level level)
{
    current = level;
}

sw_log_level sw_log_get_level(void)
{
    return current;
}

int sw_log_parse_level(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

void sw_log(sw_log_level level, const char *fmt, ...)
{
    if (level > current)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* Format (journal priority, timestamp), repeat suppression and the
     * redaction net are sw_logout's. */
    sw_logout_write(prog, (int)level, names[level], line);
}
