/*
 * sw_log.h -- leveled logging to stderr for every program of the project.
 *
 * It lives in alerts/ because that is the lowest layer allowed to do I/O
 * (strategies/ never logs: it counts, and the daemon reports the counts).
 * Messages are one line each, prefixed with the program name and the level;
 * sw_logout.h decides how they are written (journald priorities or ISO
 * timestamps, repeat suppression, redaction of secrets).
 */
#ifndef SW_LOG_H
#define SW_LOG_H

typedef enum sw_log_level {
    SW_LOG_ERROR = 0,
    SW_LOG_WARNING = 1,
    SW_LOG_INFO = 2,
    SW_LOG_DEBUG = 3
} sw_log_level;

void sw_log_init(const char *program);
void sw_log_set_level(sw_log_level level);
sw_log_level sw_log_get_level(void);
/* Parse "error", "warning", "info", "debug"; returns -1 for anything else. */
int sw_log_parse_level(const char *name);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sw_log(sw_log_level level, const char *fmt, ...);

#define sw_error(...) sw_log(SW_LOG_ERROR, __VA_ARGS__)
#define sw_warn(...) sw_log(SW_LOG_WARNING, __VA_ARGS__)
#define sw_info(...) sw_log(SW_LOG_INFO, __VA_ARGS__)
#define sw_debug(...) sw_log(SW_LOG_DEBUG, __VA_ARGS__)

#endif
