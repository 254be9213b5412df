#!/usr/bin/python3
"""live_peer.py -- the clients of shockd's dashboard in the tests, on loopback.

  live_peer.py viewers --url ws://H:P/live --readers N [--stalled K] [--duration S]
  live_peer.py browser --url http://H:P/ --id-file F --screenshot OUT.png [--timeout S]
  live_peer.py state --url ws://H:P/live --want TEXT [--timeout S]
  live_peer.py page-silences --url http://H:P/ --want TEXT [--timeout S]

viewers: first three upgrades that must be refused ("foreign origin
refused", "no subprotocol refused", "other path refused" when they are),
then N viewers that read every frame (python3-websockets) and K that
never read (their socket's receive buffer made small, the library's queue one
frame, and nothing ever taken from it).  Prints, flushed, one line per event:
"connected N+K" once all are in; then every second "frames state=.. spark=..
alert=.." counted over the readers; "refused" for a viewer beyond the limit
(tried once everyone is connected) and, after that, "rejoined" once one more
viewer gets in (the limit has room again: the stalled ones were dropped).
Ends after --duration seconds or on SIGTERM.

browser: Debian's chromium, headless, driven through the DevTools protocol
(its WebSocket, python3-websockets): opens the page, prints "connected" once
the page says its WebSocket is live, waits for --id-file to hold an alert id,
then waits until the page lists that alert and prints one JSON line
{"id", "latency_ms", "text"} (latency_ms: from shockd handing the alert to its
viewers to the page showing it, the page's own measure), and saves a
screenshot.  Every wait is for a condition, with a deadline (--timeout).

state: one viewer that reads state frames until the silences it lists
(the frame's "silences" and "silences_note", as JSON) hold TEXT, then prints
them as one JSON line {"silences": [...], "silences_note": ...}.

page-silences: the browser again, reading the page's Silences section as a
person sees it until its JSON holds TEXT, then prints it as one line:
{"visible", "items": [{"id", "active", "text"}], "markup" (elements in the
list other than its own spans: an author's "<b>" must stay text), "none"
(the "none" line shows), "note"}.

Exit status 0, or 1 with the reason on stderr.
"""
import argparse, asyncio, base64, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time

import websockets


def say(*a):
    print(*a, flush=True)


async def viewers(args):
    counts = {'state': 0, 'spark': 0, 'alert': 0}
    held = []

    async def reader():
        async with websockets.connect(args.url, subprotocols=['shockwatch-live'], max_size=None,
                                      open_timeout=10) as ws:
            held.append(ws)
            async for msg in ws:
                t = json.loads(msg).get('type')
                counts[t] = counts.get(t, 0) + 1

    async def stalled():
        # A socket that takes little, and a client that never reads: the
        # library stops reading after one queued frame.
        host, port = re.match(r'ws://([^:/]+):(\d+)', args.url).groups()
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((host, int(port)))
        s.setblocking(False)
        ws = await websockets.connect(args.url, subprotocols=['shockwatch-live'], max_size=None, max_queue=1,
                                      read_limit=4096, sock=s, open_timeout=10, ping_interval=None)
        held.append(ws)
        await asyncio.sleep(3600)

    # A page of another site must not read the data (the browser says where
    # it came from), nor may a client without the subprotocol or elsewhere.
    async def refused(**kw):
        try:
            async with websockets.connect(kw.pop('url', args.url), open_timeout=5, **kw) as ws:
                await asyncio.wait_for(ws.recv(), 5)
                return False
        except Exception:
            return True
    if await refused(subprotocols=['shockwatch-live'], origin='http://elsewhere.example'):
        say('foreign origin refused')
    if await refused():
        say('no subprotocol refused')
    if await refused(url=args.url.replace('/live', '/other'), subprotocols=['shockwatch-live']):
        say('other path refused')

    tasks = [asyncio.create_task(reader()) for _ in range(args.readers)]
    tasks += [asyncio.create_task(stalled()) for _ in range(args.stalled)]
    want = args.readers + args.stalled
    deadline = time.time() + 30
    while len(held) < want:
        for t in tasks:
            if t.done() and t.exception():
                print('a viewer failed: %r' % t.exception(), file=sys.stderr)
                return 1
        if time.time() > deadline:
            print('only %d of %d viewers connected' % (len(held), want), file=sys.stderr)
            return 1
        await asyncio.sleep(0.05)
    say('connected', want)

    async def one_more():
        try:
            async with websockets.connect(args.url, subprotocols=['shockwatch-live'], open_timeout=5) as ws:
                await asyncio.wait_for(ws.recv(), 5)
                return True
        except Exception:
            return False

    refused = not await one_more()
    if refused:
        say('refused')
    end = time.time() + args.duration
    last = 0
    while time.time() < end:
        await asyncio.sleep(0.2)
        if time.time() - last >= 1:
            last = time.time()
            say('frames state=%d spark=%d alert=%d' % (counts['state'], counts['spark'], counts['alert']))
        if refused and await one_more():
            say('rejoined')
            refused = False
    for t in tasks:
        t.cancel()
    return 0


async def state(args):
    async with websockets.connect(args.url, subprotocols=['shockwatch-live'], max_size=None,
                                  open_timeout=10) as ws:
        deadline = time.time() + args.timeout
        last = None
        while time.time() < deadline:
            try:
                m = json.loads(await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.time())))
            except asyncio.TimeoutError:
                break
            if m.get('type') != 'state':
                continue
            last = {'silences': m.get('silences'), 'silences_note': m.get('silences_note')}
            if args.want in json.dumps(last, ensure_ascii=False):
                say(json.dumps(last, ensure_ascii=False))
                return 0
        raise RuntimeError('no state frame with %r; the last: %s' % (args.want, json.dumps(last)))


class Devtools:
    """The DevTools protocol over the browser's WebSocket, one session."""

    def __init__(self, ws):
        self.ws, self.next_id, self.session = ws, 0, None

    async def call(self, method, params=None, session=True):
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session and self.session:
            msg['sessionId'] = self.session
        await self.ws.send(json.dumps(msg))
        while True:
            r = json.loads(await self.ws.recv())
            if r.get('id') == self.next_id:
                if 'error' in r:
                    raise RuntimeError('%s: %s' % (method, r['error']))
                return r['result']

    async def value(self, expr):
        r = await self.call('Runtime.evaluate', {'expression': expr, 'returnByValue': True})
        return r.get('result', {}).get('value')

    async def until(self, expr, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = await self.value(expr)
            if v:
                return v
            await asyncio.sleep(0.05)
        raise RuntimeError('timed out after %g s waiting for %s' % (timeout, what))


class Chromium:
    """Headless chromium with one page at `url` (1400x900), driven over DevTools."""

    def __init__(self, args):
        self.args, self.proc, self.ws = args, None, None
        self.profile = tempfile.mkdtemp(prefix='sw-chromium-')

    async def __aenter__(self):
        exe = shutil.which('chromium') or '/usr/bin/chromium'
        self.proc = subprocess.Popen([exe, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
                                      '--window-size=1400,900', '--remote-debugging-port=0',
                                      '--user-data-dir=' + self.profile, '--no-first-run', 'about:blank'],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            url = None
            deadline = time.time() + self.args.timeout
            while url is None and time.time() < deadline:
                line = self.proc.stderr.readline()
                if not line:
                    raise RuntimeError('chromium exited before listening')
                m = re.search(r'DevTools listening on (ws://\S+)', line)
                url = m.group(1) if m else None
            if not url:
                raise RuntimeError('chromium did not start')
            self.ws = await websockets.connect(url, max_size=None)
            dt = Devtools(self.ws)
            target = (await dt.call('Target.createTarget', {'url': 'about:blank'}))['targetId']
            dt.session = (await dt.call('Target.attachToTarget', {'targetId': target, 'flatten': True}))['sessionId']
            await dt.call('Page.enable')
            await dt.call('Emulation.setDeviceMetricsOverride',
                          {'width': 1400, 'height': 900, 'deviceScaleFactor': 1, 'mobile': False})
            await dt.call('Page.navigate', {'url': self.args.url})
            await dt.until("document.getElementById('conn') && document.getElementById('conn').className === 'live'"
                           " && document.querySelectorAll('#watch tbody tr').length > 0", self.args.timeout,
                           'the page to be live')
            return dt
        except BaseException:
            await self.__aexit__(None, None, None)
            raise

    async def __aexit__(self, *exc):
        if self.ws:
            try:
                await Devtools(self.ws).call('Browser.close', session=False)
            except Exception:
                pass
            await self.ws.close()
        if self.proc:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


async def browser(args):
    async with Chromium(args) as dt:
        say('connected')
        deadline = time.time() + args.timeout
        alert_id = ''
        while not alert_id:
            if time.time() > deadline:
                raise RuntimeError('no alert id in %s' % args.id_file)
            if os.path.exists(args.id_file):
                with open(args.id_file) as f:
                    alert_id = f.read().strip()
            await asyncio.sleep(0.05)
        sel = 'li.alert[data-id="%s"]' % alert_id
        await dt.until('!!document.querySelector(%s)' % json.dumps(sel), args.timeout, 'alert ' + alert_id)
        info = await dt.value('(() => { const e = document.querySelector(%s); return {id: e.dataset.id, '
                              'latency_ms: Number(e.dataset.latencyMs), text: e.textContent}; })()'
                              % json.dumps(sel))
        shot = await dt.call('Page.captureScreenshot', {'format': 'png'})
        with open(args.screenshot, 'wb') as f:
            f.write(base64.b64decode(shot['data']))
        say(json.dumps(info))
    return 0


async def page_silences(args):
    """The page's Silences section once its text holds --want: what a person sees."""
    async with Chromium(args) as dt:
        expr = ('(() => { const s = document.getElementById("silences"); if (!s || s.hidden) return null;'
                ' return {visible: s.getBoundingClientRect().height > 0,'
                ' items: [...document.querySelectorAll("#silence-list li")].map(e => ({id: e.dataset.id,'
                ' active: e.classList.contains("active"), text: e.textContent})),'
                ' markup: document.querySelectorAll("#silence-list li *:not(span)").length,'
                ' none: !document.getElementById("silence-none").hidden,'
                ' note: document.getElementById("silence-note").textContent}; })()')
        deadline = time.time() + args.timeout
        last = None
        while time.time() < deadline:
            last = await dt.value(expr)
            if last and args.want in json.dumps(last, ensure_ascii=False):
                say(json.dumps(last, ensure_ascii=False))
                return 0
            await asyncio.sleep(0.1)
        raise RuntimeError('the page never showed %r; the last: %s' % (args.want, json.dumps(last)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['viewers', 'browser', 'state', 'page-silences'])
    p.add_argument('--url', required=True)
    p.add_argument('--readers', type=int, default=1)
    p.add_argument('--stalled', type=int, default=0)
    p.add_argument('--duration', type=float, default=30)
    p.add_argument('--id-file')
    p.add_argument('--screenshot')
    p.add_argument('--timeout', type=float, default=60)
    p.add_argument('--want')
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        modes = {'viewers': viewers, 'browser': browser, 'state': state, 'page-silences': page_silences}
        rc = asyncio.run(modes[args.mode](args))
    except Exception as e:  # the reason, for the test's message
        print('live_peer: %s' % e, file=sys.stderr)
        rc = 1
    sys.exit(rc)


if __name__ == '__main__':
    main()
