/*
 * sw_cred.h -- API credentials for live feeds, and keeping them out of logs.
 *
 * A credential (the feed's API key or secret) comes from exactly one place:
 * an environment variable named in the config (`feed.key_env`), or a file
 * (`feed.key_file`).  A relative file name is looked up in
 * $CREDENTIALS_DIRECTORY, where systemd's LoadCredential= puts credentials, so
 * a unit never has to name a path.  The value is read whole, one trailing
 * newline (\n or \r\n) is trimmed -- `echo KEY > file` must work -- and
 * anything longer than SW_CRED_MAX is refused rather than cut.  A file must
 * be a regular file no other user may read or write (sw_secret_read_file:
 * the rule shock-notify's secrets follow too).  Errors name the config key
 * and the variable or file, never the value.
 *
 * Credentials must never reach a log line: providers such as Finnhub take the
 * token in the URL, so every URL we log goes through sw_secret_redact_url
 * (alerts/sw_secret.h, where shock-notify finds it too).
 */
#ifndef SW_CRED_H
#define SW_CRED_H

#include <stddef.h>

/* Longest credential accepted, in bytes (keys and secrets are < 100). */
#define SW_CRED_MAX 4096

typedef struct sw_cred {
    char *value;       /* NUL-terminated; NULL when none is configured */
    size_t len;
} sw_cred;

/*
 * Load the credential `what` (e.g. "feed.key") from the environment variable
 * `env_name` or the file `file`; at most one of them may be set.  Returns 0
 * with c->value set, 1 when neither is configured (c->value NULL), or -1 with
 * a sentence in err naming the variable or file and what is wrong.
 */
int sw_cred_load(sw_cred *c, const char *what, const char *env_name, const char *file, char *err,
                 size_t errlen);

/* Overwrite and free the value. */
void sw_cred_free(sw_cred *c);

#endif
