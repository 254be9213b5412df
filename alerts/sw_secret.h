/*
 * sw_secret.h -- a secret (the feed's API key and secret, a webhook URL, a
 * bot token, an SMTP or Redis password, an HMAC key) from an environment
 * variable or a file: the one loading path of shockd and shock-notify
 * (alerts/ is the lowest folder both may include).
 *
 * Exactly one source; a relative file name is looked up in
 * $CREDENTIALS_DIRECTORY (systemd's LoadCredential=), so a unit never has to
 * name a path; one trailing newline (\n or \r\n) is trimmed -- `echo KEY >
 * file` must work; more than one line, an empty value or more than
 * SW_SECRET_MAX bytes is refused, never cut.  Errors name the config key and
 * the variable or file, never the value; the value is wiped when freed.
 *
 * A secret file must be a regular file that no other user may read or
 * write, as ssh asks of a private key: not a FIFO or a device, owned by this
 * user or root, no permission bit for others, none for the group -- unless
 * the group bits are a POSIX ACL's mask, as on the files systemd's
 * LoadCredential= makes (mode 0400 plus "user:<service>:r--", which stat
 * shows as 0440): then the ACL itself is read, and only entries for this
 * user may grant anything.  sw_secret_read_file is that rule.
 *
 * Credentials must never reach a log line: providers such as Finnhub take
 * the token in the URL, so every URL logged goes through
 * sw_secret_redact_url.
 */
#ifndef SW_SECRET_H
#define SW_SECRET_H

#include <stddef.h>

#define SW_SECRET_MAX 4096

/* Load into *out (malloc'd).  `what` is the config path for messages
 * ("feed.key", "notify.channels.slack.url"): the sources are its _env and
 * _file keys.  Returns 0, 1 when neither env nor file is set (*out NULL),
 * or -1 with a sentence in err. */
int sw_secret_load(char **out, const char *what, const char *env, const char *file, char *err, size_t errlen);

/* A name the configuration may give for a secret's environment variable
 * (the *_env keys): letters, digits and '_', not starting with a digit. */
int sw_env_name_valid(const char *s);

/* Open `path` as a secret file (the rule above) and read it into buf (cap
 * bytes): 0 with *n the bytes read (*n == cap: the file is longer than the
 * caller accepts), or -1 with a sentence in err that starts with `where`
 * ("feed.key_file: /etc/credstore/finnhub-token"). */
int sw_secret_read_file(const char *path, const char *where, char *buf, size_t cap, size_t *n, char *err,
                        size_t errlen);

/* No core dump and no ptrace by other processes of this user: a core file
 * would hold the keys.  prctl(PR_SET_DUMPABLE, 0) (the units add
 * LimitCORE=0).  Returns 0 or -1 (errno). */
int sw_secret_protect_process(void);

/* Overwrite n bytes of a buffer that held a secret (stores the compiler
 * may not drop). */
void sw_secret_wipe_buf(void *buf, size_t n);

/* Wipe and free; sets *s to NULL. */
void sw_secret_free(char **s);

/* Copy text into out with every occurrence of secret replaced by "***"
 * (for library error messages that may quote a URL), and a start of the
 * secret (8 bytes or more) that the end of text cut off.  Returns out. */
char *sw_secret_redact(const char *text, const char *secret, char *out, size_t cap);

/*
 * Copy url into out with the values of credential-like query parameters
 * (token, apikey, api_key, key, secret, password, auth, signature; any case)
 * and any user:password@ part replaced by "***":
 * "wss://ws.finnhub.io?token=abc" -> "wss://ws.finnhub.io?token=***".
 * Always NUL-terminates; returns out.
 */
char *sw_secret_redact_url(const char *url, char *out, size_t cap);

/* The same for a free-text line that may contain such a URL or parameter
 * (a library's log message, a service's answer): every "name=value" with a
 * credential-like name has its value replaced.  The log filter of shockd
 * and shock-notify (sw_logout_set_filter). */
char *sw_secret_redact_params(const char *text, char *out, size_t cap);

#endif
