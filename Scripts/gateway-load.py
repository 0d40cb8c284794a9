#!/usr/bin/env python3
"""Durable fills per second through `solvent gateway` with 1, 2 and 4 shards, beside one plain
`solvent serve` taking the same fills through /v1/fills/batch, in one sitting.

    swift build -c release --product solvent && python3 Scripts/gateway-load.py
    python3 Scripts/gateway-load.py --shards 1,2,4 --seconds 10 --batch 100 --clients 4

Each run starts fresh services on SQLite journals in a temporary folder, seeds one market
(USDT, BTCUSDT at 60,000: the public API of a scratch service writes the commands, which are
then read back from its journal in the journal's form), opens eight accounts, and has
`--clients` threads post batches of `--batch` fills for `--seconds`. `--pairs local` trades
within a shard, `--pairs cross` between shards (every trade novated into two). Counts only
fills the venue applied. Standard library only.
"""
import argparse
import json
import os
import pathlib
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
MASK = (1 << 64) - 1


def jump_hash(key, buckets):
    """ShardMap's jump consistent hash (Lamping and Veach), as the engine computes it."""
    bucket, following = -1, 0
    while following < buckets:
        bucket = following
        key = (key * 2862933555777941757 + 1) & MASK
        following = int(float(bucket + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return bucket


class Child:
    """A `solvent` process, read until it listens."""

    def __init__(self, binary, arguments):
        self.process = subprocess.Popen(
            [binary] + arguments, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.text = ""
        deadline = time.time() + 60
        while "listening on" not in self.text and time.time() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            self.text += line
        found = re.search(r"http://127\.0\.0\.1:(\d+)", self.text)
        if not found:
            raise SystemExit(f"{arguments[0]} did not start: {self.text}")
        self.port = int(found.group(1))
        key = re.search(r"stored hashed\): (sk_[0-9a-f]+)", self.text)
        self.key = key.group(1) if key else None
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def call(port, path, key, body=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            return json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read() or b"{}")


def seed_market(port, key):
    """USDT and BTCUSDT at 60,000 through the public API (prices with an oracle key)."""
    oracle = call(port, "/v1/keys", key, {"role": "oracle"})["key"]
    for path, who, body in [
        ("/v1/assets", key, {"id": 1, "symbol": "USDT", "scale": 6, "priceMaxAgeSeconds": 86400}),
        ("/v1/index-prices", oracle, {"asset": 1, "price": "1"}),
        ("/v1/markets", key, {
            "id": 1, "symbol": "BTCUSDT", "settleAsset": 1, "contractSize": "1", "tickSize": "0.1",
            "lotSize": "0.001", "tiers": [{"initial": "0.01", "maintenance": "0.005"}], "priceMaxAgeSeconds": 86400}),
        ("/v1/prices", oracle, {"market": 1, "mark": "60000"}),
    ]:
        reply = call(port, path, who, body)
        if "error" in reply:
            raise SystemExit(f"{path} was refused: {reply}")


def market_commands(binary, folder):
    """The seed's first four inputs in the journal's form, written by a scratch service's API."""
    db = os.path.join(folder, "scratch.db")
    serve = Child(binary, ["serve", "--db", db, "--port", "0", "--no-keeper"])
    seed_market(serve.port, serve.key)
    serve.stop()
    with sqlite3.connect(db) as journal:
        rows = journal.execute("select command from journal order by sequence").fetchall()
    commands = [json.loads(row[0]) for row in rows]
    # Keys are not journaled: the journal holds the four market inputs.
    if len(commands) != 4:
        raise SystemExit(f"the scratch service journaled {len(commands)} inputs, expected 4")
    return commands


def accounts(shards, local):
    """Four pairs of account ids: each pair on one shard (local) or on two (cross)."""
    pairs, candidate = [], 1000
    while len(pairs) < 4:
        a = candidate
        for b in range(a + 1, a + 200):
            if (jump_hash(a, shards) == jump_hash(b, shards)) == local or shards == 1:
                pairs.append((a, b))
                candidate = b + 1
                break
        else:
            candidate += 1
    return pairs


def fill(buyer, seller):
    return {"applyFill": {"_0": {
        "market": {"rawValue": 1}, "buyer": {"rawValue": buyer}, "seller": {"rawValue": seller},
        "quantity": {"atoms": 100000}, "price": {"atoms": 60000 * 100000000}, "taker": "buyer"}}}


def load(send, pairs, clients, seconds, batch):
    """`clients` threads posting batches for `seconds`: (fills applied, seconds, latencies)."""
    applied, latencies, lock = [0], [], threading.Lock()
    stop = time.time() + seconds

    def client(index):
        turn = index
        while time.time() < stop:
            items = []
            for _ in range(batch):
                buyer, seller = pairs[turn % len(pairs)]
                items.append((buyer, seller) if (turn // len(pairs)) % 2 == 0 else (seller, buyer))
                turn += 1
            started = time.time()
            count = send(items)
            with lock:
                applied[0] += count
                latencies.append(time.time() - started)

    started = time.time()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return applied[0], time.time() - started, sorted(latencies)


def report(name, result, batch):
    count, seconds, latencies = result
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else 0
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else 0
    print(f"{name}: {count} fills in {seconds:.1f} s = {count / seconds:,.0f} fills/s "
          f"({batch} a request; request p50 {p50:.1f} ms, p99 {p99:.1f} ms)", flush=True)
    return count / seconds


def run_venue(binary, folder, shards, seed, arguments):
    children = []
    try:
        for k in range(shards):
            children.append(Child(binary, ["serve", "--db", os.path.join(folder, f"s{shards}-{k}.db"), "--port", "0",
                                           "--shard", f"{k}/{shards}"]))
        keys = os.path.join(folder, f"keys{shards}")
        pathlib.Path(keys).write_text("\n".join(child.key for child in children) + "\n")
        key_file = os.path.join(folder, f"gateway-key{shards}")
        gateway = Child(binary, ["gateway", "--port", "0", "--keeper-interval", "0", "--shard-keys", keys,
                                 "--key-file", key_file, "--log-file", os.path.join(folder, f"log{shards}.sqlite")]
                                + sum((["--shard", f"http://127.0.0.1:{c.port}"]
                                                                for c in children), []))
        children.append(gateway)
        key = pathlib.Path(key_file).read_text().strip()
        pairs = accounts(shards, arguments.pairs == "local")
        ids = [a for pair in pairs for a in pair]
        setup = seed + [{"openAccount": {"_0": {"rawValue": a}}} for a in ids] + [
            {"deposit": {"account": {"rawValue": a}, "asset": {"rawValue": 1}, "amount": {"atoms": 10**14}}}
            for a in ids]
        reply = call(gateway.port, "/v1/venue/commands", key, {"commands": setup})
        refused = [r for r in reply.get("results", []) if r.get("rejection")]
        if refused or reply.get("failure"):
            raise SystemExit(f"the seed was refused: {refused[:2]} {reply.get('failure')}")

        def send(items):
            reply = call(gateway.port, "/v1/venue/commands", key, {"commands": [fill(b, s) for b, s in items]})
            return sum(1 for r in reply.get("results", []) if not r.get("rejection"))

        return report(f"gateway, {shards} shard{'s' if shards > 1 else ''} ({arguments.pairs} pairs)",
                      load(send, pairs, arguments.clients, arguments.seconds, arguments.batch), arguments.batch)
    finally:
        for child in children:
            child.stop()


def run_single(binary, folder, arguments):
    serve = Child(binary, ["serve", "--db", os.path.join(folder, "single.db"), "--port", "0", "--no-keeper",
                           "--key-rate", "0", "--address-rate", "0"])
    try:
        p, k = serve.port, serve.key
        seed_market(p, k)
        pairs = accounts(1, True)
        for a in [a for pair in pairs for a in pair]:
            call(p, "/v1/accounts", k, {"account": a})
            call(p, "/v1/deposits", k, {"account": a, "asset": 1, "amount": "100000000"})

        def send(items):
            fills = [{"market": 1, "buyer": b, "seller": s, "quantity": "0.001", "price": "60000", "taker": "buyer"}
                     for b, s in items]
            reply = call(p, "/v1/fills/batch", k, {"fills": fills})
            return sum(1 for r in reply.get("results", []) if "error" not in r)

        return report("one service, /v1/fills/batch (no gateway)",
                      load(send, pairs, arguments.clients, arguments.seconds, arguments.batch), arguments.batch)
    finally:
        serve.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shards", default="1,2,4", help="shard counts to run (default 1,2,4)")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per run (default 10)")
    parser.add_argument("--batch", type=int, default=100, help="fills a request, 1 to 1000 (default 100)")
    parser.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--pairs", choices=["local", "cross"], default="cross",
                        help="trades within a shard or between shards (default cross)")
    parser.add_argument("--binary", default=str(ROOT / ".build/release/solvent"))
    arguments = parser.parse_args()
    counts = []
    for text in arguments.shards.split(","):
        if not text.strip().isdigit() or not 1 <= int(text) <= 1024:
            parser.error(f"--shards: expected shard counts from 1 to 1024, got {text!r}")
        counts.append(int(text))
    if not 1 <= arguments.batch <= 1000:
        parser.error(f"--batch: expected 1 to 1000, got {arguments.batch}")
    if not 1 <= arguments.clients <= 256 or not 0 < arguments.seconds <= 3600:
        parser.error("--clients: 1 to 256; --seconds: above 0, at most 3600")
    if not os.access(arguments.binary, os.X_OK):
        raise SystemExit(f"{arguments.binary} is not built: swift build -c release --product solvent")
    with tempfile.TemporaryDirectory(prefix="solvent-gateway-load-") as folder:
        seed = market_commands(arguments.binary, folder)
        single = run_single(arguments.binary, folder, arguments)
        for shards in counts:
            rate = run_venue(arguments.binary, folder, shards, seed, arguments)
            print(f"  {rate / single:.2f}x the single service; {rate / shards:,.0f} fills/s per shard", flush=True)


if __name__ == "__main__":
    sys.exit(main())
