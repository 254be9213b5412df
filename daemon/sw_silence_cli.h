/*
 * sw_silence_cli.h -- shock-notify's `silence` command: add, list and expire
 * silences from the command line, with the same config file as the daemon
 * (where Redis is, the stream next to which silences live, the watchlist and
 * the channels a silence may name).
 *
 *   shock-notify -c FILE silence add --symbol NVDA --for 1h --author ana --comment "on it"
 *   shock-notify -c FILE silence list [--json]
 *   shock-notify -c FILE silence expire ID
 *
 * Each runs one Lua script (sw_silence_store.h) over a connection of its
 * own on a libuv loop of its own, within the config's redis.connect_timeout
 * plus redis.command_timeout, and exits.  What a person typed is checked
 * before Redis is asked: a matcher, group, channel or option name that is
 * not known gets "did you mean"; a duration without a unit, an end in the
 * past, an end before the start, an empty matcher set are refused with the
 * reason.  The author is --author, else $SUDO_USER (the person behind `sudo
 * -u shockwatch`), else $USER, else the login name of the user id.
 *
 * Exit status: 0 done, 2 usage or a refused value, 3 Redis could not be
 * reached or refused, 4 (expire) no such silence.
 */
#ifndef SW_SILENCE_CLI_H
#define SW_SILENCE_CLI_H

#include "sw_config.h"
#include "sw_redis_url.h"

#define SW_SILENCE_CLI_NOT_FOUND 4

typedef struct sw_silence_cli_env {
    const sw_config *cfg;
    const sw_redis_url *url;          /* the password resolved */
    const sw_group_spec *groups;      /* the watchlist, for the matchers */
    size_t n_groups;
} sw_silence_cli_env;

/* argv[0] is "add", "list" or "expire" (argv as after "silence"). */
int sw_silence_cli(int argc, char **argv, const sw_silence_cli_env *env);

/* The usage text of the command, for shock-notify --help. */
void sw_silence_cli_usage(FILE *out);

#endif
