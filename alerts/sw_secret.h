/*
 * sw_secret.h -- a secret (webhook URL, bot token, SMTP or Redis password,
 * HMAC key) from an environment variable or a file, for shock-notify.
 *
 * The same rules as the feed's credentials (daemon/sources/sw_cred.h, which alerts/
 * may not include): exactly one source; a relative file name is looked up in
 * $CREDENTIALS_DIRECTORY (systemd's LoadCredential=); one trailing newline is
 * trimmed; more than one line, an empty value or more than SW_SECRET_MAX
 * bytes is refused, never cut.  Errors name the config key and the variable
 * or file, never the value; the value is wiped when freed.
 */
#ifndef SW_SECRET_H
#define SW_SECRET_H

#include <stddef.h>

#define SW_SECRET_MAX 4096

/* Load into *out (malloc'd).  `what` is the config path for messages
 * ("notify.channels.slack.url").  Returns 0, 1 when neither env nor file is
 * set (*out NULL), or -1 with a sentence in err. */
int sw_secret_load(char **out, const char *what, const char *env, const char *file, char *err, size_t errlen);

/* Wipe and free; sets *s to NULL. */
void sw_secret_free(char **s);

/* Copy text into out with every occurrence of secret replaced by "***"
 * (for library error messages that may quote a URL).  Returns out. */
char *sw_secret_redact(const char *text, const char *secret, char *out, size_t cap);

#endif
