/* test_notify_smtp.c -- the email channel against a real SMTP server on
 * loopback (aiosmtpd, tests/notify_peer.py smtp): a plain local relay, a
 * server without STARTTLS (refused: nothing is sent in clear), a server that
 * requires STARTTLS and AUTH (delivered over TLS, checked against a
 * certificate made here), and a client without STARTTLS against it (refused
 * by the server, dead-lettered). */
#include "sw_test_notify.h"

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define STREAM "shockwatch:alerts"
#define GROUP "shock-notify"

static struct env {
    test_redis redis;
    tn_proc peer, notify;
    char dir[64], cfg[128], maildir[128], cert[128], key[128];
    redisContext *c;
} G;

static void teardown(void)
{
    tn_stop(&G.notify, SIGKILL);
    tn_stop(&G.peer, SIGTERM);
    tn_env_down(&G.c, &G.redis, G.dir);
}

/* A self-signed certificate for 127.0.0.1 and localhost (P-256, one day). */
static void make_cert(const char *cert_path, const char *key_path)
{
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    cr_assert(pk);
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pk);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    cr_assert(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    cr_assert(X509_sign(x, pk, EVP_sha256()) > 0);
    FILE *f = fopen(cert_path, "w");
    PEM_write_X509(f, x);
    fclose(f);
    f = fopen(key_path, "w");
    PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(pk);
}

/* Redis, the SMTP peer (extra args), and one email channel whose extra
 * options are `chan_opts` (%1$d: the peer's port). */
static void setup(int tls, const char *const *peer_args, const char *chan_fmt)
{
    memset(&G, 0, sizeof G);
    cr_assert_eq(tn_env_up(G.dir, sizeof G.dir, &G.redis, &G.c), 0);
    snprintf(G.maildir, sizeof G.maildir, "%s/mail", G.dir);
    mkdir(G.maildir, 0700);
    snprintf(G.cert, sizeof G.cert, "%s/cert.pem", G.dir);
    snprintf(G.key, sizeof G.key, "%s/key.pem", G.dir);
    const char *args[24] = { "--maildir", G.maildir };
    size_t n = 2;
    if (tls) {
        make_cert(G.cert, G.key);
        args[n++] = "--tls-cert";
        args[n++] = G.cert;
        args[n++] = "--tls-key";
        args[n++] = G.key;
    }
    for (size_t i = 0; peer_args && peer_args[i] && n < 22; i++)
        args[n++] = peer_args[i];
    args[n] = NULL;
    cr_assert_eq(tn_peer_start(&G.peer, G.dir, "smtp", args), 0, "SMTP peer did not start");
    char chan[2048], text[4096];
    snprintf(chan, sizeof chan, chan_fmt, G.peer.port, G.cert);
    snprintf(text, sizeof text,
             "{ \"groups\": {\"ai\": [\"NVDA\", \"AMD\"]},\n"
             "  \"redis\": {\"url\": \"%s\"}, \"state_dir\": \"%s\", \"shutdown_timeout\": \"3s\",\n"
             "  \"notify\": { \"block\": \"200ms\", \"start\": \"all\", \"digest_window\": \"0\",\n"
             "    \"channels\": {\"mail\": {\"type\": \"email\", \"from\": \"shockwatch@example.com\",\n"
             "      \"to\": [\"desk@example.com\", \"risk@example.org\"], \"retry_deadline\": \"3s\",\n"
             "      \"backoff_base\": \"100ms\", %s}},\n"
             "    \"routes\": [{\"channels\": [\"mail\"]}]}}\n",
             G.redis.url, G.dir, chan);
    snprintf(G.cfg, sizeof G.cfg, "%s/cfg.json", G.dir);
    tn_write(G.cfg, text);
    setenv("TN_SMTP_PASSWORD", "hunter2", 1);
}

/* Poll for msg-1.eml. */
static char *wait_mail(int timeout_ms)
{
    char path[256];
    snprintf(path, sizeof path, "%s/msg-1.eml", G.maildir);
    uint64_t deadline = tr_now_ms() + (uint64_t)timeout_ms;
    while (tr_now_ms() < deadline) {
        char *m = tn_read(path);
        if (m)
            return m;
        tr_pause_ms(25);
    }
    return NULL;
}

static cJSON *mail_meta(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/msg-1.json", G.maildir);
    char *t = tn_read(path);
    cJSON *j = t ? cJSON_Parse(t) : NULL;
    free(t);
    return j;
}

static void dead_reason(char *buf, size_t len)
{
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 20000), 0, "not acknowledged");
    redisReply *r = tn_xrange(G.c, "shockwatch:alerts:dead");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1, "no dead letter");
    snprintf(buf, len, "%s", tn_field(r->element[0], "reason"));
    cr_assert_str_eq(tn_field(r->element[0], "channel"), "mail");
    freeReplyObject(r);
}

TestSuite(notify_smtp, .fini = teardown, .timeout = 120);

Test(notify_smtp, plain_local_relay_gets_every_header_and_field)
{
    setup(0, NULL, "\"url\": \"smtp://127.0.0.1:%1$d\", \"starttls\": false");
    sw_alert a;
    tn_alert(&a, 1, "NVDA", SW_SEV_CRITICAL);
    cr_assert_eq(tn_xadd(G.c, STREAM, &a), 0);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    char *m = wait_mail(20000);
    cr_assert(m, "no mail arrived");
    static const char *const want[] = {
        "\r\nFrom: shock-notify <shockwatch@example.com>\r\n", "\r\nTo: <desk@example.com>,\r\n <risk@example.org>\r\n",
        "\r\nSubject: [CRITICAL] NVDA -16.97% vs prev close\r\n", "@example.com>\r\n",
        "\r\nMIME-Version: 1.0\r\n", "\r\nContent-Type: text/plain; charset=utf-8\r\n",
        "  Symbol:     NVDA\r\n", "  Severity:   critical\r\n", "  Detector:   pct_move\r\n",
        "  Price:      118.42\r\n", "  Move:       -16.97% (down, over prev_close)\r\n", "  Z-score:    -\r\n",
        "  Reference:  142.62\r\n", "  Time (NY):  2025-01-27 09:30:01.000 EST\r\n",
        "  Time (UTC): 2025-01-27T14:30:01.000Z\r\n", "  Alert id:   " };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(m, want[i]), "mail lacks \"%s\":\n%s", want[i], m);
    cr_assert(strncmp(m, "Date: ", 6) == 0 && strstr(m, " +0000\r\n"), "Date header:\n%s", m);
    char mid[64];
    snprintf(mid, sizeof mid, "\r\nMessage-ID: <%s.", a.id);
    cr_assert(strstr(m, mid), "no Message-ID made of the alert id:\n%s", m);
    free(m);
    cJSON *meta = mail_meta();
    cr_assert_str_eq(cJSON_GetObjectItem(meta, "mail_from")->valuestring, "shockwatch@example.com");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(meta, "rcpt_tos")), 2);
    cJSON_Delete(meta);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 10000), 0);
    /* A clean exit (and, in the sanitizer build, no leak report). */
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 10000), 0);
}

Test(notify_smtp, starttls_required_but_not_offered_sends_nothing)
{
    /* The default: STARTTLS required.  This server has none. */
    setup(0, NULL, "\"url\": \"smtp://127.0.0.1:%1$d\"");
    sw_alert a;
    tn_alert(&a, 1, "NVDA", SW_SEV_CRITICAL);
    cr_assert_eq(tn_xadd(G.c, STREAM, &a), 0);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    char reason[512];
    dead_reason(reason, sizeof reason);
    cr_assert(strstr(reason, "STARTTLS"), "%s", reason);
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 10000), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/msg-1.eml", G.maildir);
    cr_assert(access(path, F_OK) != 0, "a mail went out without TLS");
}

Test(notify_smtp, starttls_and_auth_deliver_over_tls)
{
    const char *args[] = { "--require-starttls", "--auth", "alerts:hunter2", NULL };
    setup(1, args, "\"url\": \"smtp://127.0.0.1:%1$d\", \"ca_file\": \"%2$s\", \"username\": \"alerts\",\n"
                   "      \"password_env\": \"TN_SMTP_PASSWORD\"");
    sw_alert a;
    tn_alert(&a, 1, "NVDA", SW_SEV_CRITICAL);
    cr_assert_eq(tn_xadd(G.c, STREAM, &a), 0);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    char *m = wait_mail(20000);
    cr_assert(m, "no mail arrived");
    cr_assert(strstr(m, "Subject: [CRITICAL] NVDA -16.97% vs prev close"));
    free(m);
    cJSON *meta = mail_meta();
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(meta, "tls")), "not over TLS");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(meta, "auth")), "not authenticated");
    cJSON_Delete(meta);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 10000), 0);
    /* A clean exit (and, in the sanitizer build, no leak report). */
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 10000), 0);
}

Test(notify_smtp, plain_client_refused_by_a_server_that_requires_starttls)
{
    const char *args[] = { "--require-starttls", NULL };
    setup(1, args, "\"url\": \"smtp://127.0.0.1:%1$d\", \"starttls\": false");
    sw_alert a;
    tn_alert(&a, 1, "NVDA", SW_SEV_CRITICAL);
    cr_assert_eq(tn_xadd(G.c, STREAM, &a), 0);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    char reason[512];
    dead_reason(reason, sizeof reason);
    cr_assert(strstr(reason, "530") || strstr(reason, "STARTTLS"), "%s", reason);
}

Test(notify_smtp, alert_text_cannot_add_a_header)
{
    setup(0, NULL, "\"url\": \"smtp://127.0.0.1:%1$d\", \"starttls\": false");
    /* A line break in the text: refused at the boundary (the schema's text is one line). */
    sw_alert a;
    tn_alert(&a, 1, "NVDA", SW_SEV_CRITICAL);
    snprintf(a.detector, sizeof a.detector, "vol_regime");
    snprintf(a.message, sizeof a.message, "Re-authenticate\r\nBcc: victim@example.com\r\nX-Evil: 1");
    cr_assert_eq(tn_xadd(G.c, STREAM, &a), 0);
    /* Printable but hostile: shown as text, in the subject too (vol_regime's headline is the message). */
    sw_alert b;
    tn_alert(&b, 2, "NVDA", SW_SEV_CRITICAL);
    snprintf(b.detector, sizeof b.detector, "vol_regime");
    snprintf(b.message, sizeof b.message, "<!channel> [Re-authenticate](https://evil.example) Bcc: victim@example.com "
                                          "\xc3\xa9t\xc3\xa9");
    cr_assert_eq(tn_xadd(G.c, STREAM, &b), 0);
    cr_assert_eq(tn_notify_start(&G.notify, G.dir, G.cfg), 0);
    cr_assert_eq(tn_wait_drained(G.c, STREAM, GROUP, 20000), 0, "not acknowledged");
    redisReply *r = tn_xrange(G.c, "shockwatch:alerts:dead");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1, "one dead letter");
    const char *reason = tn_field(r->element[0], "reason");
    cr_assert(strstr(reason, "\"message\"") && strstr(reason, "control character"), "%s", reason);
    cr_assert_str_eq(tn_field(r->element[0], "channel"), "", "refused before any channel");
    freeReplyObject(r);
    char *m = wait_mail(20000);
    cr_assert(m, "no mail arrived");
    char *end = strstr(m, "\r\n\r\n");
    cr_assert(end);
    *end = '\0';
    int subjects = 0;
    for (const char *p = m; (p = strstr(p, "\r\nSubject: ")); p++)
        subjects++;
    cr_assert_eq(subjects, 1, "%s", m);
    cr_assert(!strstr(m, "\r\nBcc:") && !strstr(m, "\r\nX-Evil"), "a header from the alert:\n%s", m);
    for (const unsigned char *p = (const unsigned char *)m; *p; p++)
        cr_assert(*p == '\r' || *p == '\n' || (*p >= 0x20 && *p < 0x7f), "non-ASCII header byte 0x%02x:\n%s", *p, m);
    free(m);
    char path[256];
    snprintf(path, sizeof path, "%s/msg-2.eml", G.maildir);
    cr_assert(access(path, F_OK) != 0, "the refused alert was mailed");
    cr_assert_eq(tn_stop_status(&G.notify, SIGTERM, 10000), 0);
}
