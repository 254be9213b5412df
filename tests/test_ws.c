/*
 * test_ws.c -- daemon/sources/sw_ws (the WebSocket client on our libuv loop) and the
 * live feed against WebSocket servers that are not ours: /usr/bin/python3 with
 * python3-websockets, started by the tests on ports the OS picks.
 *
 *  - URL rules: wss everywhere, ws:// only for loopback hosts;
 *  - the transport: open, send, receive, an oversized frame dropped while the
 *    connection stays, the peer's close code, a refused upgrade (HTTP 401), a
 *    refused TCP connection; every teardown leaves uv_loop_close() == 0;
 *  - TLS: a self-signed server is refused with the system CA store and
 *    accepted with feed.ca_file naming its certificate;
 *  - shockd against a python server speaking Finnhub's protocol: token in the
 *    URL, one subscribe per symbol, trades turned into the expected alert;
 *  - the silence watchdog and the handshake timeout reconnect.
 */
#include <criterion/criterion.h>

#include "feed_harness.h"
#include "sw_log.h"
#include "sw_ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static char dir[64];
static char script[128];

/* The peer: one script, several behaviours (argv[1]). */
static const char *const PEER =
    "import asyncio, http, json, ssl, sys, websockets\n"
    "mode = sys.argv[1]; extra = sys.argv[2:]\n"
    "conns = 0\n"
    "async def process_request(path, headers):\n"
    "    if mode == 'reject':\n"
    "        print('refused', path, flush=True)\n"
    "        return (http.HTTPStatus.UNAUTHORIZED, [], b'unauthorized\\n')\n"
    "    return None\n"
    "async def handler(ws, path):\n"
    "    global conns\n"
    "    conns += 1\n"
    "    print('conn', conns, path, flush=True)\n"
    "    if mode == 'silent':\n"
    "        async for m in ws:\n"
    "            print('got', m, flush=True)\n"
    "    elif mode == 'echo':\n"
    "        async for m in ws:\n"
    "            if m == 'big':\n"
    "                await ws.send('x' * (2 << 20))\n"
    "                await ws.send('after big')\n"
    "            elif m == 'close':\n"
    "                await ws.close(4000, 'bye now')\n"
    "            else:\n"
    "                await ws.send('echo ' + m)\n"
    "    elif mode in ('finnhub', 'finnhub-tls') and conns > 1:\n"
    "        # shockd reconnects after the close: the data went to the first\n"
    "        # connection only, so the counts are what the test sent.\n"
    "        async for m in ws:\n"
    "            pass\n"
    "    elif mode in ('finnhub', 'finnhub-tls'):\n"
    "        subs = []\n"
    "        while len(subs) < int(extra[0]):\n"
    "            m = json.loads(await ws.recv())\n"
    "            print('got', json.dumps(m, sort_keys=True), flush=True)\n"
    "            if m.get('type') == 'subscribe':\n"
    "                subs.append(m['symbol'])\n"
    "        await ws.send(json.dumps({'type': 'ping'}))\n"
    "        t = 1737752100000\n"
    "        for i in range(3):\n"
    "            await ws.send(json.dumps({'type': 'trade', 'data': [{'s': 'NVDA', 'p': 142.62, 't': t + i, 'v': 100}]}))\n"
    "        t = 1737988200000\n"
    "        for i in range(4):\n"
    "            await ws.send(json.dumps({'type': 'trade', 'data': [{'s': 'NVDA', 'p': 124.8, 't': t + i * 10, 'v': 100, 'c': ['1']}]}))\n"
    "        await ws.send(json.dumps({'type': 'trade', 'data': [{'s': 'ZZZZ', 'p': 1.0, 't': t + 99, 'v': 1}]}))\n"
    "        await ws.close(1000, 'done')\n"
    "async def main():\n"
    "    ctx = None\n"
    "    if mode == 'finnhub-tls':\n"
    "        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "        ctx.load_cert_chain(extra[1], extra[2])\n"
    "    async with websockets.serve(handler, '127.0.0.1', 0, process_request=process_request, ssl=ctx,\n"
    "                                max_size=None) as s:\n"
    "        scheme = 'wss' if ctx else 'ws'\n"
    "        print('listening on %s://127.0.0.1:%d' % (scheme, s.sockets[0].getsockname()[1]), flush=True)\n"
    "        await asyncio.Future()\n"
    "asyncio.run(main())\n";

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "ws"), 0);
    snprintf(script, sizeof script, "%s/peer.py", dir);
    fh_write(script, PEER);
    sw_log_set_level(SW_LOG_ERROR);
}

static void teardown(void)
{
    sw_test_rmdir(dir);
}

TestSuite(ws, .init = setup, .fini = teardown, .timeout = 120);

static fh_proc start_peer(const char *mode, const char *a1, const char *a2, const char *a3, char *url, size_t cap)
{
    const char *argv[] = { PYTHON, script, mode, a1, a2, a3, NULL };
    fh_proc p = fh_start(dir, "peer", argv, NULL);
    cr_assert(fh_listen_url(&p, url, cap, 15000), "the python peer did not start: %s", sw_test_slurp(p.err));
    return p;
}

/* ---- URLs ------------------------------------------------------------------ */

Test(ws, url_rules)
{
    sw_url u;
    char err[512];
    cr_assert_eq(sw_url_parse("wss://ws.finnhub.io?token=abc", &u, err, sizeof err), 0, "%s", err);
    cr_expect(u.tls);
    cr_expect_str_eq(u.host, "ws.finnhub.io");
    cr_expect_eq(u.port, 443);
    cr_expect_str_eq(u.path, "/?token=abc");
    cr_assert_eq(sw_url_parse("wss://stream.binance.com:9443/stream?streams=a@trade", &u, err, sizeof err), 0);
    cr_expect_eq(u.port, 9443);
    cr_expect_str_eq(u.path, "/stream?streams=a@trade");
    cr_assert_eq(sw_url_parse("ws://127.0.0.1:8080/x", &u, err, sizeof err), 0);
    cr_expect(!u.tls);
    cr_assert_eq(sw_url_parse("ws://[::1]:9/", &u, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(u.host, "::1");
    cr_assert_eq(sw_url_parse("ws://localhost:9", &u, err, sizeof err), 0);
    cr_expect_str_eq(u.path, "/");

    cr_assert_eq(sw_url_parse("ws://ws.finnhub.io?token=abc", &u, err, sizeof err), -1);
    cr_expect(strstr(err, "only allowed for loopback hosts"), "%s", err);
    cr_expect(strstr(err, "token=***"), "the error shows the URL redacted: %s", err);
    cr_expect_null(strstr(err, "abc"));
    cr_expect_eq(sw_url_parse("ws://10.0.0.1:9/", &u, err, sizeof err), -1);
    cr_expect_eq(sw_url_parse("https://example.com/", &u, err, sizeof err), -1);
    cr_expect_eq(sw_url_parse("wss://:443/", &u, err, sizeof err), -1);
    cr_expect_eq(sw_url_parse("wss://h:99999/", &u, err, sizeof err), -1);
    cr_expect_eq(sw_url_parse("wss://user:pw@h/", &u, err, sizeof err), -1);
    cr_expect_eq(sw_url_parse("wss://h/x#frag", &u, err, sizeof err), -1);
    cr_expect_eq(sw_url_parse("ws://127.attacker.example:9/", &u, err, sizeof err), -1, "a name, not an address");
}

/* ---- the transport in this process ------------------------------------------ */

typedef struct client {
    uv_loop_t loop;
    sw_ws ws;
    uv_timer_t guard;
    int opened, ended, oversize;
    char got[8][64];
    int n_got;
    sw_ws_end end;
    const char *to_send[4];
} client;

static void c_open(void *ctx)
{
    client *c = ctx;
    c->opened++;
    for (int i = 0; c->to_send[i]; i++)
        cr_assert_eq(sw_ws_send(&c->ws, c->to_send[i], strlen(c->to_send[i])), 0);
}

static void c_message(void *ctx, const char *msg, size_t len)
{
    client *c = ctx;
    cr_assert_eq(msg[len], '\0');
    if (c->n_got < 8)
        snprintf(c->got[c->n_got++], sizeof c->got[0], "%s", msg);
}

static void c_oversize(void *ctx, size_t len)
{
    client *c = ctx;
    cr_expect_eq(len, (size_t)2 << 20);
    c->oversize++;
}

static void on_guard(uv_timer_t *t)
{
    client *c = t->data;
    sw_ws_stop(&c->ws);
    uv_close((uv_handle_t *)t, NULL);
}

static void c_end(void *ctx, const sw_ws_end *e)
{
    client *c = ctx;
    c->ended++;
    c->end = *e;
    uv_timer_start(&c->guard, on_guard, 0, 0); /* stop from the loop, not from the handler */
}

/* Connect to url, run until the connection ends (or 20 s), tear down. */
static void run_client(client *c, const char *url, size_t max_frame)
{
    char err[256];
    sw_url u;
    cr_assert_eq(uv_loop_init(&c->loop), 0);
    cr_assert_eq(uv_timer_init(&c->loop, &c->guard), 0);
    c->guard.data = c;
    sw_ws_params p = { .max_frame = max_frame };
    sw_ws_handlers h = { c_open, c_message, c_oversize, c_end };
    cr_assert_eq(sw_ws_init(&c->ws, &c->loop, &p, &h, c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sw_url_parse(url, &u, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sw_ws_connect(&c->ws, &u), 0);
    uv_timer_start(&c->guard, on_guard, 20000, 0);
    uv_run(&c->loop, UV_RUN_DEFAULT);
    sw_ws_fini(&c->ws);
    cr_expect_eq(uv_loop_close(&c->loop), 0, "a handle was left open");
}

Test(ws, echo_oversize_and_close_code)
{
    char url[128];
    fh_proc peer = start_peer("echo", NULL, NULL, NULL, url, sizeof url);
    static client c;
    memset(&c, 0, sizeof c);
    c.to_send[0] = "hello";
    c.to_send[1] = "big";
    c.to_send[2] = "close";
    run_client(&c, url, 1u << 20);
    fh_stop(&peer);
    cr_expect_eq(c.opened, 1);
    cr_expect_eq(c.ended, 1);
    cr_assert_eq(c.n_got, 2, "got %d messages", c.n_got);
    cr_expect_str_eq(c.got[0], "echo hello");
    cr_expect_eq(c.oversize, 1, "the 2 MiB frame is dropped");
    cr_expect_str_eq(c.got[1], "after big", "and the connection stays");
    cr_expect(c.end.established);
    cr_expect_eq(c.end.close_code, 4000);
    cr_expect_str_eq(c.end.reason, "bye now");
    cr_expect_eq(c.ws.oversize, 1u);
}

Test(ws, refused_upgrade_reports_the_http_status)
{
    char url[160];
    fh_proc peer = start_peer("reject", NULL, NULL, NULL, url, sizeof url);
    strcat(url, "/?token=nope");
    static client c;
    memset(&c, 0, sizeof c);
    run_client(&c, url, 4096);
    fh_stop(&peer);
    cr_expect_eq(c.opened, 0);
    cr_expect_eq(c.ended, 1);
    cr_expect(!c.end.established);
    cr_expect_eq(c.end.http_status, 401, "reason: %s", c.end.reason);
}

Test(ws, refused_connection_ends_once)
{
    /* A port bound but not listening, held for the whole test: connecting
     * is refused, and no other process can start listening on it meanwhile
     * (a port closed and reused later may have been taken). */
    int port = 0, hold = sw_test_hold_port(&port);
    cr_assert_geq(hold, 0, "cannot bind a loopback port");
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/", port);
    static client c;
    memset(&c, 0, sizeof c);
    run_client(&c, url, 4096);
    cr_expect_eq(c.opened, 0);
    cr_expect_eq(c.ended, 1);
    cr_expect(!c.end.established);
    cr_expect_neq(c.end.reason[0], '\0');
    close(hold);
}

/* ---- shockd against servers that are not ours ---------------------------------- */

static const char *write_config(const char *name, const char *feed)
{
    static char path[256];
    static char text[SW_WS_URL_MAX + 1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(text, sizeof text,
             "{\"feed\": {%s},\n \"groups\": {\"ai\": [\"NVDA\", \"AMD\"], \"b\": [\"SPY\"]},\n"
             " \"detectors\": [{\"type\": \"pct_move\"}], \"log_level\": \"info\",\n"
             " \"metrics\": {\"listen\": \"off\"}, \"state_dir\": \"%s\"}\n", feed, dir);
    fh_write(path, text);
    return path;
}

Test(ws, shockd_speaks_finnhub_to_a_python_server)
{
    char url[128], feed[512];
    fh_proc peer = start_peer("finnhub", "3", NULL, NULL, url, sizeof url);
    snprintf(feed, sizeof feed, "\"provider\": \"finnhub\", \"url\": \"%s\", \"key_env\": \"SW_TEST_TOKEN\"", url);
    const char *argv[] = { SHOCKD, "-c", write_config("f.json", feed), NULL };
    const char *env[] = { "SW_TEST_TOKEN=t0k3n", NULL };
    fh_proc d = fh_start(dir, "shockd", argv, env);
    cr_expect(sw_test_wait_text(d.err, "closed by the server (1000 done)", 1, 30000), "%s", sw_test_slurp(d.err));
    cr_expect_eq(fh_stop(&d), 0);
    fh_stop(&peer);
    char *out = sw_test_slurp(d.out), *errs = sw_test_slurp(d.err), *pout = sw_test_slurp(peer.out);
    /* What the server saw: the token in the URL, one subscribe per symbol. */
    cr_expect(strstr(pout, "conn 1 /?token=t0k3n"), "%s", pout);
    cr_expect(strstr(pout, "got {\"symbol\": \"NVDA\", \"type\": \"subscribe\"}"), "%s", pout);
    cr_expect(strstr(pout, "got {\"symbol\": \"AMD\", \"type\": \"subscribe\"}"), "%s", pout);
    cr_expect(strstr(pout, "got {\"symbol\": \"SPY\", \"type\": \"subscribe\"}"), "%s", pout);
    /* What shockd made of it: NVDA -12.5% vs Friday's 142.62. */
    cr_expect(strstr(out, "\"symbol\":\"NVDA\",\"group\":null,\"detector\":\"pct_move\",\"severity\":\"critical\""),
              "%s\n%s", out, errs);
    cr_expect(strstr(out, "\"change_pct\":-12.49"), "%s", out);
    /* Exact figures: the peer sends its trades on the first connection only
     * (shockd's reconnect after the close gets nothing). */
    cr_expect(sw_test_says(errs, 1, "unknown-symbol"), "ZZZZ is counted: %s", errs);
    cr_expect(strstr(errs, "feed: finnhub, 9 messages (1 control), 8 ticks,"), "%s", errs);
    cr_expect_null(strstr(errs, "t0k3n"), "the token must not be logged");
    free(out);
    free(errs);
    free(pout);
}

Test(ws, refused_token_backs_off_for_minutes)
{
    char url[128], feed[512];
    fh_proc peer = start_peer("reject", NULL, NULL, NULL, url, sizeof url);
    snprintf(feed, sizeof feed,
             "\"provider\": \"finnhub\", \"url\": \"%s\", \"key_env\": \"SW_TEST_TOKEN\", \"backoff_base\": \"10ms\"",
             url);
    const char *argv[] = { SHOCKD, "-c", write_config("r.json", feed), NULL };
    const char *env[] = { "SW_TEST_TOKEN=wrong", NULL };
    fh_proc d = fh_start(dir, "shockd", argv, env);
    cr_assert(sw_test_wait_text(d.err, "refused the credentials", 1, 20000), "%s", sw_test_slurp(d.err));
    /* With a 10 ms base a normal retry would come at once; a refused key waits. */
    sw_test_sleep_ms(2000);
    cr_expect_eq(sw_test_count_file(peer.out, "refused"), 1, "connection attempts: %s", sw_test_slurp(peer.out));
    cr_expect_eq(fh_stop(&d), 0);
    fh_stop(&peer);
    char *errs = sw_test_slurp(d.err);
    cr_expect(strstr(errs, "upgrade refused with HTTP 401"), "%s", errs);
    cr_expect(strstr(errs, "retrying in 4m") || strstr(errs, "retrying in 5m"), "%s", errs);
    cr_expect(sw_test_says(errs, 1, "auth failures"), "%s", errs);
    free(errs);
}

Test(ws, silence_watchdog_reconnects)
{
    char url[128], feed[512];
    fh_proc peer = start_peer("silent", NULL, NULL, NULL, url, sizeof url);
    snprintf(feed, sizeof feed,
             "\"provider\": \"finnhub\", \"url\": \"%s\", \"key_env\": \"SW_TEST_TOKEN\", \"backoff_base\": \"10ms\","
             " \"silence_timeout\": \"300ms\", \"silence_hours\": \"always\"", url);
    const char *argv[] = { SHOCKD, "-c", write_config("s.json", feed), NULL };
    const char *env[] = { "SW_TEST_TOKEN=x", NULL };
    fh_proc d = fh_start(dir, "shockd", argv, env);
    /* The third subscription, not the third connection: "conn 3" is printed
     * before shockd has sent anything on it. */
    cr_expect(sw_test_wait_text(peer.out, "{\"type\":\"subscribe\",\"symbol\":\"NVDA\"}", 3, 20000), "resubscribed each time: %s",
              sw_test_slurp(peer.out));
    cr_expect_eq(fh_stop(&d), 0);
    fh_stop(&peer);
    cr_expect_geq(sw_test_count_file(d.err, "no message from finnhub for"), 2, "%s", sw_test_slurp(d.err));
}

Test(ws, handshake_timeout_reconnects)
{
    char url[128], feed[512];
    fh_proc peer = start_peer("silent", NULL, NULL, NULL, url, sizeof url);
    /* Polygon waits for a "connected" status that never comes. */
    snprintf(feed, sizeof feed,
             "\"provider\": \"polygon\", \"url\": \"%s\", \"key_env\": \"SW_TEST_TOKEN\", \"backoff_base\": \"10ms\","
             " \"handshake_timeout\": \"300ms\"", url);
    const char *argv[] = { SHOCKD, "-c", write_config("h.json", feed), NULL };
    const char *env[] = { "SW_TEST_TOKEN=x", NULL };
    fh_proc d = fh_start(dir, "shockd", argv, env);
    cr_expect(sw_test_wait_text(peer.out, "conn 2 ", 1, 20000), "%s", sw_test_slurp(peer.out));
    cr_expect_eq(fh_stop(&d), 0);
    fh_stop(&peer);
    cr_expect_geq(sw_test_count_file(d.err, "polygon did not confirm the subscription within 0.3 s (stuck connected)"), 1,
                  "%s", sw_test_slurp(d.err));
}

/* ---- TLS ------------------------------------------------------------------------ */

static int make_cert(char *cert, char *key, size_t cap)
{
    snprintf(cert, cap, "%s/cert.pem", dir);
    snprintf(key, cap, "%s/key.pem", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -days 2 -subj /CN=localhost "
             "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1", key, cert);
    return system(cmd);
}

Test(ws, wss_verifies_the_certificate)
{
    char cert[256], key[256], url[128], feed[1024];
    if (make_cert(cert, key, sizeof cert) != 0)
        cr_skip_test("the openssl command is not available");
    fh_proc peer = start_peer("finnhub-tls", "3", cert, key, url, sizeof url);
    cr_assert_eq(strncmp(url, "wss://", 6), 0, "%s", url);

    /* The system CA store does not know our self-signed server: refused. */
    snprintf(feed, sizeof feed, "\"provider\": \"finnhub\", \"url\": \"%s\", \"key_env\": \"SW_TEST_TOKEN\"", url);
    const char *argv[] = { SHOCKD, "-c", write_config("t1.json", feed), NULL };
    const char *env[] = { "SW_TEST_TOKEN=x", NULL };
    fh_proc d = fh_start(dir, "shockd", argv, env);
    cr_expect(sw_test_wait_text(d.err, "cannot connect to", 1, 20000), "%s", sw_test_slurp(d.err));
    cr_expect_eq(fh_stop(&d), 0);
    char *errs = sw_test_slurp(d.err);
    cr_expect(sw_test_says(errs, 0, "connects"), "an unverified server must not be accepted: %s", errs);
    free(errs);

    /* Trusting its certificate (feed.ca_file): the feed works. */
    snprintf(feed, sizeof feed, "\"provider\": \"finnhub\", \"url\": \"%s\", \"key_env\": \"SW_TEST_TOKEN\", "
             "\"ca_file\": \"%s\"", url, cert);
    argv[2] = write_config("t2.json", feed);
    d = fh_start(dir, "shockd", argv, env);
    cr_expect(sw_test_wait_text(d.err, "closed by the server (1000 done)", 1, 30000), "%s", sw_test_slurp(d.err));
    cr_expect_eq(fh_stop(&d), 0);
    fh_stop(&peer);
    char *out = sw_test_slurp(d.out);
    cr_expect(strstr(out, "\"symbol\":\"NVDA\""), "no alert over wss: %s", out);
    free(out);
}

Test(ws, check_refuses_plain_ws_to_a_remote_host)
{
    const char *cfg = write_config("c.json", "\"provider\": \"finnhub\", \"url\": \"ws://ws.finnhub.io?token=abc\"");
    const char *argv[] = { SHOCKD, "--check", "-c", cfg, NULL };
    fh_proc d = fh_start(dir, "check", argv, NULL);
    cr_assert_eq(fh_wait(&d, 20000), 1);
    char *errs = sw_test_slurp(d.err);
    cr_expect(strstr(errs, "feed.url: \"ws://ws.finnhub.io?token=***\": ws:// (unencrypted) is only allowed for "
                           "loopback hosts"), "%s", errs);
    cr_expect_null(strstr(errs, "abc"), "the token must not be printed");
    free(errs);
}

/* A bracketed IPv6 host is bounded like a name: 3000 bytes of it once went
 * straight into the 256-byte host field. */
Test(ws, long_ipv6_host_is_refused)
{
    static char url[SW_WS_URL_MAX];
    sw_url u;
    char err[SW_WS_URL_MAX + 256];
    size_t n = (size_t)snprintf(url, sizeof url, "wss://[");
    for (size_t i = 0; i < 3000; i++)
        url[n++] = i % 5 == 4 ? ':' : 'f';
    snprintf(url + n, sizeof url - n, "]:443/x");
    cr_assert_eq(sw_url_parse(url, &u, err, sizeof err), -1);
    cr_expect(strstr(err, "host longer than 255 bytes"), "%s", err);

    char feed[SW_WS_URL_MAX + 128];
    snprintf(feed, sizeof feed, "\"provider\": \"finnhub\", \"url\": \"%s\", \"key_env\": \"SW_TEST_TOKEN\"", url);
    const char *cfg = write_config("c.json", feed);
    const char *argv[] = { SHOCKD, "--check", "-c", cfg, NULL };
    fh_proc d = fh_start(dir, "check", argv, NULL);
    cr_assert_eq(fh_wait(&d, 20000), 1);
    char *errs = sw_test_slurp(d.err);
    cr_expect(strstr(errs, "feed.url: ") && strstr(errs, "host longer than 255 bytes"), "%s", errs);
    free(errs);
}
