#!/usr/bin/python3
"""An example consumer of shockwatch alerts: one worker of a Redis consumer group.

    consumer.py [--url redis://127.0.0.1:6379] [--stream shockwatch:alerts]
                [--group NAME] [--consumer NAME] [--start 0|$]
                [--claim-idle MS] [--seen-ttl SECONDS] [--schema FILE] [--drain]

shockd appends every alert to a Redis stream (XADD, fields id, symbol,
severity, detector, json).  Workers of one consumer group share the stream:
Redis hands each entry to one worker, which handles it and acknowledges it
(XACK); what a worker took and did not acknowledge stays pending and is
handed out again.  Delivery is therefore at least once, and so is shockd's
own: after a reconnect it may have added an alert twice.  The worker
handles each alert once anyway, by deduplicating on the alert's `id`:

  - before handling, it claims the id: SET <prefix><group>:<id> <entry ID>
    NX EX <seen-ttl>.  Claimed by another entry: a duplicate, acknowledged
    and skipped.  Claimed by this same entry: a redelivery of an entry whose
    handling may not have finished (the worker died before XACK): handled
    again -- at least once, never lost.
  - it handles the alert (here: prints one line), then acknowledges it.

At start it first takes back its own pending entries (XREADGROUP from 0),
and with --claim-idle the entries another worker has held for longer than
MS milliseconds (XAUTOCLAIM: that worker died).  An entry that is not a
valid alert (not JSON, or against --schema, docs/alert-v1.schema.json) is
copied to <stream>:invalid with the reason and acknowledged, so it never
blocks the group.  Unknown fields in an alert are ignored: schema v1 may
gain optional fields.

Output: one line per alert handled, "ID SEVERITY SYMBOL DETECTOR MESSAGE";
a summary on stderr at the end.  --drain stops when the stream has nothing
more for the group (batch use, tests); otherwise it waits for new alerts
until SIGINT or SIGTERM.  Needs python3-redis (and python3-jsonschema for
--schema).  See docs/alert-schema.md.
"""
import argparse
import json
import signal
import sys

import redis

BATCH = 100


class Worker:
    def __init__(self, args):
        self.r = redis.Redis.from_url(args.url, decode_responses=True)
        self.stream, self.group, self.name = args.stream, args.group, args.consumer
        self.seen_prefix = f"{args.seen_prefix}{self.group}:"
        self.seen_ttl = args.seen_ttl
        self.validator = None
        if args.schema:
            from jsonschema import Draft202012Validator

            with open(args.schema, encoding="utf-8") as f:
                self.validator = Draft202012Validator(json.load(f))
        self.handled = self.duplicates = self.invalid = 0
        self.stopping = False

    def create_group(self, start):
        try:
            self.r.xgroup_create(self.stream, self.group, id=start, mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):  # it exists: keep its position
                raise

    def alert_of(self, fields):
        """The alert of an entry, or (None, reason)."""
        if not fields or "json" not in fields:
            return None, "no json field"
        try:
            alert = json.loads(fields["json"])
        except ValueError as e:
            return None, f"not JSON: {e}"
        if self.validator is not None:
            error = next(iter(self.validator.iter_errors(alert)), None)
            if error is not None:
                where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
                return None, f"{where}: {error.message}"
        elif not isinstance(alert, dict) or not isinstance(alert.get("id"), str):
            return None, "no id"
        return alert, None

    def handle(self, entry_id, fields):
        if fields is None:  # the entry was trimmed away while pending
            self.r.xack(self.stream, self.group, entry_id)
            return
        alert, why = self.alert_of(fields)
        if alert is None:
            self.invalid += 1
            self.r.xadd(f"{self.stream}:invalid", {"entry": entry_id, "reason": why, "json": fields.get("json", "")})
            self.r.xack(self.stream, self.group, entry_id)
            print(f"consumer: entry {entry_id} is not a valid alert ({why}): moved to {self.stream}:invalid",
                  file=sys.stderr)
            return
        key = self.seen_prefix + alert["id"]
        if not self.r.set(key, entry_id, nx=True, ex=self.seen_ttl) and self.r.get(key) != entry_id:
            self.duplicates += 1  # another entry carried this alert: handled (or being handled) already
            self.r.xack(self.stream, self.group, entry_id)
            return
        # The action: here one line on stdout.  A real worker pages, trades,
        # writes a database -- idempotently, since a redelivery repeats it.
        # "session" (pre, regular, post, closed) came with schema v1's first
        # added field: an alert from an older shockd has none.
        print(alert["id"], alert["severity"], alert.get("session", "-"), alert["symbol"], alert["detector"],
              alert["message"], flush=True)
        self.handled += 1
        self.r.xack(self.stream, self.group, entry_id)

    def read(self, last_id, block_ms):
        reply = self.r.xreadgroup(self.group, self.name, {self.stream: last_id}, count=BATCH, block=block_ms)
        return reply[0][1] if reply else []

    def recover(self, claim_idle_ms):
        # Our own pending entries: delivered to this consumer name, never acknowledged.
        while not self.stopping:
            entries = self.read("0", None)
            if not entries:
                break
            for entry_id, fields in entries:
                self.handle(entry_id, fields)
        # Entries a dead worker holds.
        if claim_idle_ms is None:
            return
        cursor = "0-0"
        while not self.stopping:
            reply = self.r.xautoclaim(self.stream, self.group, self.name, claim_idle_ms, start_id=cursor, count=BATCH)
            cursor, entries = reply[0], reply[1]
            for entry_id, fields in entries:
                self.handle(entry_id, fields)
            if cursor == "0-0":
                break

    def run(self, drain):
        while not self.stopping:
            entries = self.read(">", None if drain else 5000)
            if not entries and drain:
                break
            for entry_id, fields in entries:
                self.handle(entry_id, fields)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="redis://127.0.0.1:6379", help="the Redis shockd writes to (redis.url)")
    p.add_argument("--stream", default="shockwatch:alerts", help="the stream (redis.stream)")
    p.add_argument("--group", default="example", help="the consumer group")
    p.add_argument("--consumer", default="worker-1", help="this worker's name in the group (keep it across restarts)")
    p.add_argument("--start", default="$", help="where a new group starts: $ (new alerts only) or 0 (all)")
    p.add_argument("--claim-idle", type=int, metavar="MS", help="take over entries other workers held this long")
    p.add_argument("--seen-ttl", type=int, default=86400, metavar="S", help="how long an id is remembered")
    p.add_argument("--seen-prefix", default="shockwatch:seen:", help="key prefix of the remembered ids")
    p.add_argument("--schema", metavar="FILE", help="validate each alert (docs/alert-v1.schema.json)")
    p.add_argument("--drain", action="store_true", help="stop when nothing is left to read")
    args = p.parse_args()

    w = Worker(args)

    def stop(signum, frame):
        w.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        w.create_group(args.start)
        w.recover(args.claim_idle)
        w.run(args.drain)
    except redis.RedisError as e:
        print(f"consumer: {args.url} {args.stream}: {e}", file=sys.stderr)
        return 1
    print(f"consumer: {w.handled} handled, {w.duplicates} duplicates skipped, {w.invalid} invalid",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
