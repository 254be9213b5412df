#!/usr/bin/python3
"""Validate alert JSON lines against docs/alert-v1.schema.json (tests only).

    alert_schema_check.py [--strict] SCHEMA FILE...     (FILE "-": stdin)

Every non-empty line of every FILE is one alert (NDJSON: what the stdout
sink prints, the spool holds, the Redis stream's `json` field carries).
Uses Debian's python3-jsonschema (Draft202012Validator).  Debian 12's
jsonschema has no checker for "format": "date-time" (it needs a package we
do not install), so one is registered here: `ts` must be a real UTC time.

A line is read as strict JSON text first, as shock-notify reads it
(alerts/sw_alert_parse.c): no key twice in an object (Python keeps the last,
cJSON the first), no NaN or Infinity (not JSON, though Python's json reads
them), no string with a lone surrogate escape (not Unicode text).  What the
schema cannot say about a line -- its framing on the stream: one line, no
control byte between tokens, nothing after the object, at most 8192 bytes --
is shock-notify's alone (docs/alert-schema.md).

--strict is the producer's side of the contract: a field the schema does
not name fails too.  Consumers must accept unknown fields (the schema leaves
additionalProperties open so that v1 can grow); shockd must not emit a
field before it is in the schema and documented.

Prints one line per problem, "FILE:LINE: id ID: $.path: message", and at
the end "N alerts, M invalid"; exit status 0 when all are valid (and there
was at least one), 1 otherwise, 2 on a usage error or an unreadable file.
"""
import copy
import datetime
import json
import sys

from jsonschema import Draft202012Validator, FormatChecker


def date_time(text):
    """RFC 3339 with an explicit offset (what the schema's format means)."""
    if not isinstance(text, str):
        return True
    if len(text) < 20 or text[10] not in "Tt" or not (text.endswith(("Z", "z")) or text[-6] in "+-"):
        return False
    try:
        datetime.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return False
    return True


def unique_keys(pairs):
    """An object whose keys are all different (object_pairs_hook)."""
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"key {key!r} appears twice")
        obj[key] = value
    return obj


def no_constant(name):
    """NaN, Infinity, -Infinity: Python's extension, not JSON."""
    raise ValueError(f"{name} is not a JSON number")


def check_text(value):
    """Every string (keys too) must be Unicode text: no lone surrogate."""
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    elif isinstance(value, dict):
        for k, v in value.items():
            check_text(k)
            check_text(v)
    elif isinstance(value, list):
        for v in value:
            check_text(v)


def load(raw):
    """One line of strict JSON (ValueError when it is not)."""
    value = json.loads(raw.decode("utf-8"), object_pairs_hook=unique_keys, parse_constant=no_constant)
    check_text(value)
    return value


def strict_copy(schema):
    """The schema with no property left unnamed (top level and members)."""
    s = copy.deepcopy(schema)
    s["additionalProperties"] = False
    s["$defs"]["member"]["additionalProperties"] = False
    return s


def path_of(error):
    p = "$"
    for part in error.absolute_path:
        p += f"[{part}]" if isinstance(part, int) else f".{part}"
    return p


def main(argv):
    args = argv[1:]
    strict = False
    if args and args[0] == "--strict":
        strict = True
        args = args[1:]
    if len(args) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    schema_path, files = args[0], args[1:]
    try:
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
    except (OSError, ValueError) as e:
        print(f"{schema_path}: {e}", file=sys.stderr)
        return 2
    checker = FormatChecker()
    checker.checks("date-time")(date_time)
    validator = Draft202012Validator(strict_copy(schema) if strict else schema, format_checker=checker)
    total = bad = 0
    for name in files:
        try:
            stream = sys.stdin.buffer if name == "-" else open(name, "rb")
        except OSError as e:
            print(f"{name}: {e}", file=sys.stderr)
            return 2
        with stream:
            for lineno, raw in enumerate(stream, 1):
                if not raw.strip():
                    continue
                total += 1
                try:
                    alert = load(raw)
                except ValueError as e:  # Unicode errors too: JSON text is UTF-8
                    bad += 1
                    print(f"{name}:{lineno}: not JSON: {e}")
                    continue
                ident = alert.get("id", "?") if isinstance(alert, dict) else "?"
                errors = sorted(validator.iter_errors(alert), key=lambda e: list(e.absolute_path))
                if errors:
                    bad += 1
                for e in errors:
                    print(f"{name}:{lineno}: id {ident}: {path_of(e)}: {e.message}")
    print(f"{total} alerts, {bad} invalid")
    return 0 if total and not bad else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
