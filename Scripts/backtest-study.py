#!/usr/bin/env python3
"""The README's backtest study: every model (and FHS under each anti-procyclicality tool) on a
long and a short perpetual and a delta-hedged short straddle of BTC and ETH, one day, 99 %, window 250, over ../shared/data.
  Scripts/backtest-study.py [path/to/solvent]      (default .build/debug/solvent)
Prints a Markdown table; the commands it runs are printed to standard error."""
import json, os, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/solvent"
data = "../shared/data/market"
if not os.path.isdir(data):
    sys.exit("skipped: ../shared/data is absent")
books = []
folder = tempfile.mkdtemp()
for symbol, file in [("BTCUSDT", "btcusdt_binance_perp_1h.csv"), ("ETHUSDT", "ethusdt_binance_perp_1h.csv")]:
    for side, quantity in [("long", "1"), ("short", "-1")]:
        path = os.path.join(folder, f"{symbol}-{side}.json")
        with open(path, "w") as f:
            json.dump({"positions": [{"symbol": symbol, "quantity": quantity}]}, f)
        books.append((f"{symbol[:3]} {side}", os.path.join(data, file), path))
    # A delta-hedged short straddle: one 30-day at-the-money call and put sold, each hedged
    # with the underlying every day, priced at the underlying's EWMA volatility.
    path = os.path.join(folder, f"{symbol}-straddle.json")
    with open(path, "w") as f:
        json.dump({"positions": [{"symbol": symbol, "option": right, "moneyness": "1", "days": 30, "quantity": "-1",
                                  "deltaHedged": True} for right in ("call", "put")]}, f)
    books.append((f"{symbol[:3]} Δ-hedged short straddle", os.path.join(data, file), path))
runs = [(m, "none") for m in ["historical", "fhs", "normal", "student-t", "standard", "portfolio"]] + \
       [("fhs", t) for t in ["buffer", "stressed", "floor"]]

def run(job):
    (name, prices, portfolio), (model, apc) = job
    command = [binary, "backtest", "--prices", prices, "--portfolio", portfolio, "--model", model, "--apc", apc,
               "--confidence", "0.99", "--horizon", "1d", "--window", "250"]
    print(" ".join(command), file=sys.stderr)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return name, model, apc, json.loads(out)

jobs = [(book, r) for book in books for r in runs]
with ThreadPoolExecutor(max_workers=2) as pool:
    results = list(pool.map(run, jobs))
print("| book | model | exceptions (expected) | mean margin | Kupiec p | cond. coverage | Z2 (p) | light | mean increase in crash windows | exceptions in crash windows |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for name, model, apc, s in results:
    label = model if apc == "none" else f"{model} + {apc}"
    z2 = s["acerbiSzekelyZ2"]
    z2text = "n/a" if z2 is None else f"{z2['statistic']:.2f} ({z2['pValue']:.3f})"
    windows = s["crashWindows"]
    rises = [w["increase"] for w in windows if w["increase"] is not None]   # None: no margin before the window
    increase = sum(rises) / max(1, len(rises))
    inside = sum(w["exceptions"] for w in windows)
    print(f"| {name} | {label} | {s['exceptions']} ({s['expectedExceptions']:.1f}) | {s['meanMargin']:,.1f} | {s['kupiec']['pValue']:.3f} | "
          f"{s['christoffersenConditional']['verdict']} | {z2text} | {s['trafficLight']} | {100 * increase:+.0f} % ({len(windows)} windows) | {inside} |")
