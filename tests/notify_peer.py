#!/usr/bin/python3
"""notify_peer.py -- the servers shock-notify's tests talk to, on loopback.

  notify_peer.py http --port-file F --log F [--respond PATH=SPEC]... [--hold PATH=N]...
                      [--echo PATH=STATUS] [--serve PATH=FILE]... [--hang PATH]...
                      [--updates FILE]
  notify_peer.py smtp --port-file F --maildir D [--tls-cert C --tls-key K]
                      [--require-starttls] [--auth USER:PASS]

http: a real HTTP server (the standard library's http.server, one thread per
request) that takes POSTs like Slack, Discord, Telegram or any webhook would.
Every request becomes one JSON line in the log (path, headers with lower-case
names, body, status), written once the answer is sent.  --respond gives a path
a sequence of answers before it answers 200: "429:1,500" is a 429 with
Retry-After 1, then a 500; a trailing "*" repeats the last one forever
("500*").  --hold PATH=N leaves the request after the N-th successful one on
PATH unanswered (logged as "held"): the test kills the client meanwhile.
--echo PATH=STATUS answers every request on PATH with STATUS and a body that
quotes the URL it was sent to, as a careless service's error page does (the
URL of a webhook or a bot is its secret).

Each entry also has the body as base64 (body_b64: multipart bodies carry a
picture).  GET serves pictures like shockd's /chart/: --serve PATH=FILE
answers a GET of PATH (the query ignored) with FILE as image/png; --hang
PATH never answers a GET of it (a chart server that hangs); other GETs get a
404.  GETs are logged too (method "GET").

--updates FILE makes it a Telegram Bot API for getUpdates too (a POST to a
path ending in /getUpdates): FILE holds queued Update objects, one JSON object
per line, appended by the test at any time (a line without "update_id" gets
its line number).  Like Telegram (https://core.telegram.org/bots/api#getupdates)
it answers {"ok": true, "result": [...]} with the updates whose update_id is
at least the request's "offset" (without one: at least the highest offset
asked so far, i.e. not yet confirmed), at most "limit" of them; when there
are none it holds the request (long polling) until one is appended or
"timeout" seconds passed (at most 30), checking the file every 20 ms.  Each
getUpdates is logged once answered, with the ids it returned ("returned").

smtp: aiosmtpd (Debian's python3-aiosmtpd) on an asyncio server; each message
is saved as msg-N.eml with msg-N.json (envelope, whether TLS and AUTH were
used).  Without --tls-cert no STARTTLS is offered; with it and
--require-starttls the server refuses mail before STARTTLS (530).

The port (bound as 0, so never taken) is written to --port-file once the
server listens.  SIGTERM ends it.
"""
import argparse, asyncio, base64, json, os, signal, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def write_port(path, port):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % port)
    os.rename(tmp, path)


class Plan:
    def __init__(self, respond, hold):
        self.lock = threading.Lock()
        self.seq = {}      # path -> [(status, retry_after)], consumed from the front
        self.forever = {}  # path -> (status, retry_after) after the sequence
        self.hold = {}     # path -> successes before the held request
        self.ok = {}
        for r in respond:
            path, spec = r.split('=', 1)
            items = []
            for s in spec.split(','):
                rep = s.endswith('*')
                s = s.rstrip('*')
                st, _, ra = s.partition(':')
                items.append((int(st), ra or None))
                if rep:
                    self.forever[path] = items[-1]
            self.seq[path] = items if path not in self.forever else items[:-1]
        for h in hold:
            path, n = h.split('=', 1)
            self.hold[path] = int(n)

    def next(self, path):
        with self.lock:
            if self.seq.get(path):
                return self.seq[path].pop(0)
            if path in self.forever:
                return self.forever[path]
            if path in self.hold and self.ok.get(path, 0) == self.hold[path]:
                del self.hold[path]
                return ('hold', None)
            self.ok[path] = self.ok.get(path, 0) + 1
            return (200, None)


class Updates:
    """The Bot API's update queue, read from the test's file."""

    def __init__(self, path):
        self.path = path
        self.confirmed = 0
        self.lock = threading.Lock()

    def read(self):
        out = []
        try:
            with open(self.path) as f:
                lines = f.read().split('\n')
        except FileNotFoundError:
            return out
        for i, line in enumerate(lines[:-1]):  # the last one may be half written
            if line.strip():
                u = json.loads(line)
                u.setdefault('update_id', i + 1)
                out.append(u)
        return out

    def get(self, req):
        offset = req.get('offset')
        with self.lock:
            if isinstance(offset, int) and offset > self.confirmed:
                self.confirmed = offset
            start = offset if isinstance(offset, int) else self.confirmed
        limit = req.get('limit') if isinstance(req.get('limit'), int) else 100
        timeout = min(req.get('timeout') if isinstance(req.get('timeout'), (int, float)) else 0, 30)
        deadline = time.time() + timeout
        while True:
            ready = [u for u in self.read() if u['update_id'] >= start][:limit]
            if ready or time.time() >= deadline:
                return ready
            time.sleep(0.02)


def run_http(args):
    plan = Plan(args.respond or [], args.hold or [])
    updates = Updates(args.updates) if args.updates else None
    echo = {}
    for e in args.echo or []:
        path, st = e.split('=', 1)
        echo[path] = int(st)
    log_lock = threading.Lock()
    log = open(args.log, 'a')

    def record(entry):
        with log_lock:
            log.write(json.dumps(entry) + '\n')
            log.flush()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        # Headers and body go out in separate writes: without this, Nagle and
        # the client's delayed ACK add 40 ms to every request.
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get('Content-Length') or 0)
            if n > 1 << 20:
                self.send_error(413)
                return
            raw = self.rfile.read(n)
            body = raw.decode('utf-8', 'replace')
            hdrs = {k.lower(): v for k, v in self.headers.items()}
            if updates is not None and self.path.endswith('/getUpdates'):
                self.get_updates(raw, body, hdrs)
                return
            if self.path in echo:
                status, retry_after = echo[self.path], None
            else:
                status, retry_after = plan.next(self.path)
            entry = {'path': self.path, 'headers': hdrs, 'body': body, 't': time.time()}
            entry['body_b64'] = base64.b64encode(raw).decode('ascii')
            if status == 'hold':
                entry['held'] = True
                record(entry)
                # Never answered: the client is killed while it waits.
                while True:
                    time.sleep(3600)
            payload = b'ok' if status == 200 else (b'{"ok":false}' if status == 429 else b'server says no')
            if self.path in echo:
                payload = ('{"ok":false,"description":"Bad Request: no such hook http://%s%s"}'
                           % (self.headers.get('Host'), self.path)).encode()
            self.send_response(status)
            if retry_after is not None:
                self.send_header('Retry-After', retry_after)
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            entry['status'] = status
            record(entry)

        def get_updates(self, raw, body, hdrs):
            try:
                req = json.loads(body) if body else {}
            except ValueError:
                req = {}
            ready = updates.get(req if isinstance(req, dict) else {})
            payload = json.dumps({'ok': True, 'result': ready}).encode()
            entry = {'path': self.path, 'headers': hdrs, 'body': body, 't': time.time(),
                     'returned': [u['update_id'] for u in ready]}
            try:
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
            except OSError:
                entry['gone'] = True  # the client gave up (stopping): nothing was taken
            entry['status'] = 200
            record(entry)

        def do_GET(self):
            path = self.path.split('?', 1)[0]
            entry = {'method': 'GET', 'path': self.path, 't': time.time()}
            if path in hang:
                entry['held'] = True
                record(entry)
                while True:
                    time.sleep(3600)
            data = None
            if path in serve:
                with open(serve[path], 'rb') as f:
                    data = f.read()
            self.send_response(200 if data is not None else 404)
            self.send_header('Content-Type', 'image/png' if data is not None else 'text/plain')
            payload = data if data is not None else b'not found'
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            entry['status'] = 200 if data is not None else 404
            record(entry)

    serve = dict(x.split('=', 1) for x in (args.serve or []))
    hang = set(args.hang or [])
    srv = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    srv.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    write_port(args.port_file, srv.server_address[1])
    srv.serve_forever()


def run_smtp(args):
    import ssl
    from aiosmtpd.smtp import SMTP, AuthResult

    count = [0]

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            count[0] += 1
            base = os.path.join(args.maildir, 'msg-%d' % count[0])
            data = envelope.original_content or envelope.content
            if isinstance(data, str):
                data = data.encode('utf-8')
            with open(base + '.eml.tmp', 'wb') as f:
                f.write(data)
            meta = {'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
                    'tls': session.ssl is not None, 'auth': session.authenticated}
            with open(base + '.json.tmp', 'w') as f:
                json.dump(meta, f)
            os.rename(base + '.json.tmp', base + '.json')
            os.rename(base + '.eml.tmp', base + '.eml')
            return '250 OK'

    ctx = None
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
    user, pw = (args.auth.split(':', 1) if args.auth else (None, None))

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login.decode() == user and auth_data.password.decode() == pw)
        return AuthResult(success=ok)

    def factory():
        kw = dict(tls_context=ctx, require_starttls=args.require_starttls, hostname='peer.test',
                  enable_SMTPUTF8=True)
        if user:
            kw.update(authenticator=authenticator, auth_required=True, auth_require_tls=ctx is not None)
        return SMTP(Handler(), **kw)

    async def main():
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(factory, '127.0.0.1', 0)
        write_port(args.port_file, srv.sockets[0].getsockname()[1])
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        srv.close()

    asyncio.run(main())


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['http', 'smtp'])
    p.add_argument('--port-file', required=True)
    p.add_argument('--log')
    p.add_argument('--respond', action='append')
    p.add_argument('--hold', action='append')
    p.add_argument('--echo', action='append')
    p.add_argument('--serve', action='append')
    p.add_argument('--hang', action='append')
    p.add_argument('--updates')
    p.add_argument('--maildir')
    p.add_argument('--tls-cert')
    p.add_argument('--tls-key')
    p.add_argument('--require-starttls', action='store_true')
    p.add_argument('--auth')
    args = p.parse_args()
    run_http(args) if args.mode == 'http' else run_smtp(args)


if __name__ == '__main__':
    main()
