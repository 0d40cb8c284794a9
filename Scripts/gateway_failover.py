"""(d) of Scripts/failover-test.py: a sharded venue whose shard 0 has a standby. Two shards on
the PostgreSQL primary (shard 0 a leading service and a standby, shard 1 one service) behind
`solvent gateway --shard LEADER,STANDBY --shard ONE`; deposits through the gateway from several
threads; kill -9 shard 0's leader. The standby takes over, the gateway finds it, finishes from its
write-ahead log what the dead leader had not made durable, and takes commands again. Checks every
acknowledged deposit is on its shard (and nothing beyond what was sent), and reports the time
from the kill to the gateway's next acknowledged request."""
import importlib.util, json, os, re, signal, subprocess, threading, time, urllib.error, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("gateway_load", os.path.join(HERE, "gateway-load.py"))
gateway_load = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gateway_load)

ACCOUNTS = list(range(1000, 1016))


def post(port, path, key, body, timeout=10):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def get(base, path, key):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


class Gateway:
    def __init__(self, solvent, root, arguments):
        self.errlog = os.path.join(root, "gateway.err")
        with open(self.errlog, "w") as err:
            self.process = subprocess.Popen([solvent, "gateway", "--port", "0"] + arguments,
                                            stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.time() + 60
        while time.time() < deadline:
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.stderr())
            if found:
                self.port = int(found.group(1))
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise SystemExit(f"FAIL: the gateway did not start: {self.stderr()}")

    def stderr(self):
        with open(self.errlog) as err:
            return err.read()


class Deposits:
    """Threads posting requests of one deposit to every account; sums what was acknowledged and
    what was sent without an acknowledgement (it may or may not have applied)."""

    def __init__(self, port, key, threads=3):
        self.port, self.key, self.lock, self.stop = port, key, threading.Lock(), threading.Event()
        self.acknowledged = {a: 0 for a in ACCOUNTS}
        self.unknown = {a: 0 for a in ACCOUNTS}
        self.acks, self.counter = [], [0]
        self.workers = [threading.Thread(target=self.work, daemon=True) for _ in range(threads)]
        for worker in self.workers:
            worker.start()

    def work(self):
        while not self.stop.is_set():
            with self.lock:
                self.counter[0] += 1
                n = self.counter[0]
            commands = [{"deposit": {"account": {"rawValue": a}, "asset": {"rawValue": 1}, "amount": {"atoms": n}}}
                        for a in ACCOUNTS]
            sent = time.monotonic()
            try:
                status, body = post(self.port, "/v1/venue/commands", self.key, {"commands": commands}, timeout=5)
            except OSError:
                status, body = 0, {}
            with self.lock:
                applied = status == 200 and all("rejection" not in r for r in body.get("results", []))
                for a in ACCOUNTS:
                    (self.acknowledged if applied else self.unknown)[a] += n
                if applied:
                    self.acks.append((sent, time.monotonic()))
            if not applied:
                time.sleep(0.01)

    def end(self):
        self.stop.set()
        for worker in self.workers:
            worker.join()


def balance_atoms(base, key, account):
    reply = get(base, f"/v1/accounts/{account}", key)
    text = next((b["balance"] for b in reply.get("balances", []) if b["asset"] == 1), "0")
    whole, _, fraction = text.partition(".")
    return int(whole) * 1_000_000 + int((fraction + "000000")[:6])


def test_gateway(solvent, primary, root, Service, admin_key):
    for name in ("shard0", "shard1"):
        primary.sql(f"CREATE DATABASE {name}")
    leader = Service(solvent, primary.url("shard0"), root, "shard0-a", follow=False, extra=["--shard", "0/2"])
    leader.wait_role("leader")
    key0 = admin_key(leader)
    standby = Service(solvent, primary.url("shard0"), root, "shard0-b", follow=True, extra=["--shard", "0/2"])
    one = Service(solvent, primary.url("shard1"), root, "shard1", follow=False, extra=["--shard", "1/2"])
    one.wait_role("leader")
    key1 = admin_key(one)
    keys = os.path.join(root, "shard-keys")
    with open(keys, "w") as out:
        out.write(f"{key0}\n{key1}\n")
    gateway = Gateway(solvent, root, [
        "--keeper-interval", "0", "--shard-keys", keys, "--key-file", os.path.join(root, "gateway-key"),
        "--log-file", os.path.join(root, "gateway-log.sqlite"), "--shard-timeout", "1", "--reconnect-interval", "0.05",
        "--shard", f"{leader.base},{standby.base}", "--shard", one.base])
    key = open(os.path.join(root, "gateway-key")).read().strip()
    market = gateway_load.market_commands(solvent, root)
    status, reply = post(gateway.port, "/v1/venue/commands", key,
                         {"commands": market[:1] + [{"openAccount": {"_0": {"rawValue": a}}} for a in ACCOUNTS]})
    if status != 200 or any("rejection" in r for r in reply["results"]):
        raise SystemExit(f"FAIL: the venue's seed was refused: {status} {reply}")
    on = {a: gateway_load.jump_hash(a, 2) for a in ACCOUNTS}
    if set(on.values()) != {0, 1}:
        raise SystemExit("FAIL: the accounts do not span both shards")

    load = Deposits(gateway.port, key)
    time.sleep(1.5)
    killed = time.monotonic()
    leader.kill(signal.SIGKILL)
    # The first request sent after the kill that the venue acknowledges.
    deadline = time.time() + 30
    while time.time() < deadline and not any(sent > killed for sent, _ in list(load.acks)):
        time.sleep(0.01)
    time.sleep(1.0)
    load.end()
    after = [acked for sent, acked in load.acks if sent > killed]
    if not after:
        raise SystemExit(f"FAIL: the gateway took no command after the kill: {gateway.stderr()[-2000:]}")
    standby.wait_role("leader")
    bases = {0: standby.base, 1: one.base}
    short = []
    for a in ACCOUNTS:
        atoms = balance_atoms(bases[on[a]], key0 if on[a] == 0 else key1, a)
        if not load.acknowledged[a] <= atoms <= load.acknowledged[a] + load.unknown[a]:
            short.append((a, on[a], atoms, load.acknowledged[a], load.unknown[a]))
    if short:
        raise SystemExit(f"FAIL: balances outside acknowledged..sent (account, shard, balance, acked, unknown): "
                         f"{short[:4]}")
    # Every request deposits the same amount to every account, on both shards: a request applied
    # on one shard only, or twice on one, leaves the accounts unequal.
    balances = {a: balance_atoms(bases[on[a]], key0 if on[a] == 0 else key1, a) for a in ACCOUNTS}
    if len(set(balances.values())) != 1:
        raise SystemExit(f"FAIL: a request applied on some accounts only: {balances}")
    reconnected = re.findall(r"gateway: reconnected after [^\n]*", gateway.stderr())
    if not reconnected:
        raise SystemExit(f"FAIL: the gateway did not report reconnecting: {gateway.stderr()[-2000:]}")
    before = sum(1 for sent, _ in load.acks if sent <= killed)
    print(f"  {before} requests of {len(ACCOUNTS)} deposits acknowledged sent before the kill, {len(after)} after; "
          f"every acknowledged deposit on its shard; the first request sent after the kill acknowledged "
          f"{(min(after) - killed) * 1000:.0f} ms after it; {reconnected[0]}", flush=True)
    gateway.process.kill()
    gateway.process.wait()
