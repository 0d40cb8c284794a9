#!/usr/bin/env python3
"""Writes the sample data under examples/ that the README's commands run on, so that a fresh
clone needs nothing beside the repository: an hourly crash path (and the same crash as two
other venues printed it, one with a flash print, for the index), a calm hourly history for
backtests, and a BTC option chain in Deribit's snapshot format. Seeded and standard-library
only: the same files on every run (python3 Scripts/make-examples.py)."""
import math
import os
import random
from datetime import datetime, timedelta, timezone

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")
START = datetime(2024, 3, 1, tzinfo=timezone.utc)


def bars(closes, rng, spread):
    """OHLCV rows from closes: each bar opens at the previous close, its extremes a little past
    the body, volume larger when the move is larger."""
    rows, previous = [], closes[0]
    for hour, close in enumerate(closes):
        high = max(previous, close) * (1 + spread * rng.random())
        low = min(previous, close) * (1 - spread * rng.random())
        volume = 500 + 40_000 * abs(close / previous - 1) + 200 * rng.random()
        time = (START + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(f"{time},{previous:.1f},{high:.1f},{low:.1f},{close:.1f},{volume:.3f}")
        previous = close
    return "timestamp,open,high,low,close,volume\n" + "\n".join(rows) + "\n"


def crash(rng=None):
    """96 hours: a quiet run-up from 60,000, a 40 % fall over twelve hours with two bounces, a
    partial recovery."""
    rng = rng or random.Random(20240301)
    price, closes = 60_000.0, []
    for hour in range(96):
        if hour < 30:
            move = 0.002 + 0.004 * rng.gauss(0, 1)
        elif hour < 42:
            move = -0.045 if hour not in (35, 39) else 0.02
        else:
            move = 0.003 + 0.008 * rng.gauss(0, 1)
        price *= 1 + move
        closes.append(price)
    return bars(closes, rng, 0.004)


def other_venue(seed, noise, wick_hour=None):
    """The same crash as another venue printed it: each price within `noise` of the main
    venue's, and at `wick_hour` a thin book's flash print a quarter under the market."""
    main = crash().splitlines()
    rng = random.Random(seed)
    rows = [main[0]]
    for hour, line in enumerate(main[1:]):
        time, *prices, volume = line.split(",")
        moved = [float(price) * (1 + noise * rng.uniform(-1, 1)) for price in prices]
        moved[1], moved[2] = max(moved), min(moved)   # a bar's extremes hold its open and close
        if hour == wick_hour:
            moved[2] = moved[3] * 0.75
        rows.append(",".join([time] + [f"{price:.1f}" for price in moved] + [f"{float(volume) / 4:.3f}"]))
    return "\n".join(rows) + "\n"


def calm():
    """3,000 hours of a random walk at 50 % annual volatility around 60,000."""
    rng = random.Random(7)
    price, closes = 60_000.0, []
    sigma = 0.5 / math.sqrt(24 * 365)
    for _ in range(3_000):
        price *= math.exp(sigma * rng.gauss(0, 1) - sigma * sigma / 2)
        closes.append(price)
    return bars(closes, rng, 0.002)


def normal_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def chain():
    """BTC options on three expiries (8, 31 and 94 days), strikes 40,000 to 90,000, marked by
    Black-76 on each expiry's future with a smile (higher volatility away from the money, more
    on the put side), premiums in BTC as Deribit quotes them."""
    now = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)
    index = 60_000.0
    header = ("timestamp,instrument_name,underlying,underlying_name,option_type,strike,expiry_datetime,time_to_maturity,"
              "bid_price,ask_price,mark_price,mid_price,futures_price,futures_instrument_name,implied_volatility,delta,vega,"
              "open_interest,volume,bid_ask_spread,currency,index_price,volume_usd")
    rows = []
    for days in (8, 31, 94):
        expiry = now + timedelta(days=days)
        years = days / 365
        forward = index * math.exp(0.08 * years)
        name = expiry.strftime("%-d%b%y").upper()
        for strike in range(40_000, 90_001, 2_500):
            moneyness = math.log(strike / forward)
            vol = 0.55 + 0.9 * moneyness * moneyness - 0.12 * moneyness
            d1 = (math.log(forward / strike) + vol * vol * years / 2) / (vol * math.sqrt(years))
            d2 = d1 - vol * math.sqrt(years)
            discount = math.exp(-0.0 * years)
            for right in ("call", "put"):
                if right == "call":
                    usd = discount * (forward * normal_cdf(d1) - strike * normal_cdf(d2))
                    delta = normal_cdf(d1)
                else:
                    usd = discount * (strike * normal_cdf(-d2) - forward * normal_cdf(-d1))
                    delta = normal_cdf(d1) - 1
                mark = max(usd / forward, 0.0001)
                vega = forward * math.sqrt(years) * math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi) / 100
                bid, ask = max(mark - 0.0005, 0.0001), mark + 0.0005
                instrument = f"BTC-{name}-{strike}-{'C' if right == 'call' else 'P'}"
                rows.append(",".join([
                    now.isoformat(), instrument, f"{forward:.2f}", f"BTC-{name}", right, f"{strike:.1f}", expiry.isoformat(),
                    f"{years:.10f}", f"{bid:.4f}", f"{ask:.4f}", f"{mark:.8f}", f"{(bid + ask) / 2:.5f}", f"{forward:.2f}",
                    f"BTC-{name}", f"{vol:.4f}", f"{delta:.5f}", f"{vega:.5f}", "100.0", "10.0", f"{ask - bid:.4f}", "BTC",
                    f"{index:.2f}", f"{10 * mark * index:.2f}"]))
    return header + "\n" + "\n".join(rows) + "\n"


if __name__ == "__main__":
    files = (("btcusdt_crash_1h.csv", crash()), ("btcusdt_crash_venue2_1h.csv", other_venue(2, 0.0008)),
             ("btcusdt_crash_venue3_1h.csv", other_venue(3, 0.0015, wick_hour=36)),
             ("btcusdt_calm_1h.csv", calm()), ("deribit-btc-chain.csv", chain()))
    for name, text in files:
        with open(os.path.join(ROOT, name), "w") as file:
            file.write(text)
        print(f"examples/{name}: {text.count(chr(10)) - 1} rows")
