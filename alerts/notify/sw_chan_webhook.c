/* sw_chan_webhook.c -- the `webhook` channel: each alert's schema-v1 JSON,
 * exactly as it was read from the stream, POSTed to a URL.  Those bytes are
 * always exactly the one object shock-notify validated: sw_alert_parse
 * refuses (and shock-notify dead-letters) an entry with anything before its
 * '{' or after its '}', a key given twice or a control byte, so what is
 * signed is what was checked, and a receiver's JSON parser reads the same
 * alert (docs/security.md).
 *
 * With a secret, the body is signed: X-Shockwatch-Signature: sha256=<hex of
 * HMAC-SHA256(secret, body)> (OpenSSL's libcrypto), so the receiver can tell
 * our posts from anyone else's by recomputing it over the raw body.
 * X-Shockwatch-Alert-Id carries the id, for receivers that deduplicate
 * (delivery is at least once).  Extra headers come from the config.  A
 * webhook is read by a program, so it never gets digests (one alert per
 * POST; the config check refuses digest: true). */
#include "sw_chan.h"
#include "sw_secret.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int webhook_open(sw_chan *ch, char *err, size_t errlen)
{
    if (sw_chan_open_url(ch, 1, err, errlen) != 0)
        return -1;
    char what[128];
    snprintf(what, sizeof what, "notify.channels.%s.secret", ch->cfg->name);
    return sw_secret_load(&ch->key, what, ch->cfg->secret_env, ch->cfg->secret_file, err, errlen) < 0 ? -1 : 0;
}

static int webhook_build(sw_chan *ch, const sw_chan_msg *m, sw_chan_req *req, char *err, size_t errlen)
{
    if (m->n != 1) {
        snprintf(err, errlen, "a webhook posts one alert at a time (digest is off for webhooks)");
        return -1;
    }
    const sw_chan_item *it = &m->items[0];
    char *body = malloc(it->json_len + 1);
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(body, it->json, it->json_len);
    body[it->json_len] = '\0';
    const char *extra[300];
    size_t ne = 0;
    char sig[32 + 2 * EVP_MAX_MD_SIZE], idh[64];
    snprintf(idh, sizeof idh, "X-Shockwatch-Alert-Id: %s", it->alert->id);
    extra[ne++] = idh;
    if (ch->key) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        if (!HMAC(EVP_sha256(), ch->key, (int)strlen(ch->key), (const unsigned char *)body, it->json_len, md,
                  &mdlen)) {
            free(body);
            snprintf(err, errlen, "HMAC-SHA256 failed");
            return -1;
        }
        int o = snprintf(sig, sizeof sig, "X-Shockwatch-Signature: sha256=");
        for (unsigned i = 0; i < mdlen; i++)
            o += snprintf(sig + o, sizeof sig - (size_t)o, "%02x", md[i]);
        extra[ne++] = sig;
    }
    for (size_t i = 0; i < ch->cfg->headers.n && ne < sizeof extra / sizeof extra[0] - 1; i++)
        extra[ne++] = ch->cfg->headers.v[i];
    extra[ne] = NULL;
    if (sw_chan_http_post(ch, req, ch->secret, body, it->json_len, "application/json", extra) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

const sw_chan_type sw_chan_webhook_type = { SW_CHAN_WEBHOOK, webhook_open, webhook_build, NULL };
