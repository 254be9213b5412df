#!/usr/bin/python3
"""gen_halt_scenario.py -- write data/scenarios/halt/alpaca.ndjson, a SYNTHETIC
Alpaca v2 recording (trades, trading statuses, LULD bands) that exercises the
`halt` detector and the sale-condition tables end to end (tests/test_shock_feed.c,
scripts/evidence).  Nothing in it is real market data beyond the two anchors
NVDA's 2025-01-24 close (142.62) and 2025-01-27 open (124.80).

Monday 2025-01-27, New York time, NVDA and AMD:
  Fri 15:59:59 last regular trades; Fri 16:00:05 the official closes ("M")
  09:30:00.500 NVDA official open ("Q", 124.80); LULD bands 118.56 - 131.04
  09:30 - 09:43 NVDA trades every 2 s around 124.8 - 125.2
  09:38:00.1 - 00.7 five late average-price prints ("W") in a row, 8 % below (114.80)
  09:43 - 09:47:44 NVDA slides to 118.60 (-5.2 % in 5 min), within 1 % of the
                  lower band from about 119.7
  09:48:00 status H "LUDP Volatility Trading Pause"; no NVDA trade until
  09:53:00 status T (resumption), new bands 113.52 - 125.48; trades resume
  AMD trades every 1.5 s all along (the clock of the replay), flat.
Prices are integer cents, times integer milliseconds: the file regenerates
byte for byte.  Usage: data/gen_halt_scenario.py > data/scenarios/halt/alpaca.ndjson
"""
import json
import sys

DAY = 1737988200000      # 2025-01-27 09:30:00 New York (14:30 UTC), ms
FRI_CLOSE = 1737752400000  # 2025-01-24 16:00:00 New York, ms
MIN = 60000


def iso(ms):
    s, frac = divmod(ms, 1000)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03d000000Z" % frac


def price(cents):
    return cents / 100


events = []  # (ms, order, object)


def trade(ms, sym, cents, size=100, cond=("@",)):
    events.append((ms, 0, {"T": "t", "S": sym, "i": 0, "x": "V", "p": price(cents), "s": size,
                           "c": list(cond), "t": iso(ms), "z": "C"}))


def status(ms, sym, sc, sm, rc, rm):
    events.append((ms, 1, {"T": "s", "S": sym, "sc": sc, "sm": sm, "rc": rc, "rm": rm, "t": iso(ms), "z": "C"}))


def bands(ms, sym, up, down):
    events.append((ms, 1, {"T": "l", "S": sym, "u": price(up), "d": price(down), "i": "A", "t": iso(ms), "z": "C"}))


# Friday: the last regular trades, then the official closes stamped after 16:00.
trade(FRI_CLOSE - 1000, "NVDA", 14250)
trade(FRI_CLOSE - 1000, "AMD", 12010)
trade(FRI_CLOSE + 5000, "NVDA", 14262, 0, ("M",))
trade(FRI_CLOSE + 5000, "AMD", 12000, 0, ("M",))

# Monday.
trade(DAY + 500, "NVDA", 12480, 0, ("Q",))
bands(DAY, "NVDA", 13104, 11856)
halt_at, resume_at = DAY + 18 * MIN, DAY + 23 * MIN
t = DAY + 1000
while t < DAY + 30 * MIN:
    if t < DAY + 13 * MIN:
        cents = 12480 + ((t - DAY) // 2000 * 7) % 41  # a small saw between 124.80 and 125.20
    elif t < halt_at - 15000:
        # 125.00 -> 118.60, straight down from 09:43 to 09:47:44.
        span = halt_at - 15000 - (DAY + 13 * MIN)
        cents = 12500 - (12500 - 11860) * (t - (DAY + 13 * MIN)) // span
    elif t < resume_at:
        t += 2000  # the pause: no NVDA trade
        continue
    else:
        cents = 11950 + ((t - resume_at) // 2000 * 3) % 31
    trade(t, "NVDA", cents)
    t += 2000
for k in range(5):  # late average-price prints, 8 % below the market
    trade(DAY + 8 * MIN + 100 + k * 150, "NVDA", 11480, 2000, ("W",))
status(halt_at, "NVDA", "H", "Trading Halt", "LUDP", "Volatility Trading Pause")
status(resume_at, "NVDA", "T", "Trading Resumption", "LUDP", "Volatility Trading Pause")
bands(resume_at, "NVDA", 12548, 11352)
t = DAY + 700
while t < DAY + 30 * MIN:
    trade(t, "AMD", 11800 + ((t - DAY) // 1500) % 9)
    t += 1500

events.sort(key=lambda e: (e[0], e[1], e[2]["S"]))
for n, (_, _, o) in enumerate(events, 1):
    if o["T"] == "t":
        o["i"] = n
    sys.stdout.write(json.dumps([o], separators=(",", ":")) + "\n")
