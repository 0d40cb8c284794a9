#!/usr/bin/env python3
"""Failover tests as processes on loopback: two PostgreSQL servers (a primary and a synchronous
streaming-replication standby) and two `solvent serve` processes on the primary's journal, one
leading and one standing by (`--follow`). Checks, and reports with figures:

  (a) kill -9 the leading service under load, ROUNDS times: every acknowledged input is in the
      journal and on the standby, which takes over; failover time from the kill to the first
      write the standby accepts (median and worst); digests equal once both are current;
  (c) SIGSTOP the leader for longer than its lease: the standby takes over, and the old leader's
      input sent while it was paused is refused when it resumes; the journal's epochs never go
      back (no entry of the old epoch after the new epoch's first);
  (d) a sharded venue behind `solvent gateway`, shard 0 with a standby: kill -9 shard 0's leader
      under load; the gateway follows the standby, and every acknowledged deposit is on its shard
      (Scripts/gateway_failover.py);
  (b) kill -9 the PostgreSQL primary under load and promote the standby: every acknowledged
      input is on the promoted server, and a service started on it recovers them all;
  and the commit latency synchronous replication adds (`solvent bench-journal`, p50/p99,
  replicated against unreplicated, alternating, same run).

    python3 Scripts/failover-test.py [--solvent .build/debug/solvent] [--rounds 10]

Needs PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup); exits 0 with a message
when they are absent. Nothing outside a temporary directory is touched.
"""
import argparse, glob, json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time
import http.client, urllib.error, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gateway_failover  # noqa: E402

LEASE = 1.0
POLL = 0.02


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# PostgreSQL's server refuses to run as root: as root, its commands run as the postgres user.
AS_SERVER_USER = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def run(*args, **kw):
    try:
        return subprocess.run(args, check=True, capture_output=True, text=True, **kw)
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"FAIL: {' '.join(args)}: {error.stderr or error.stdout}")


def server(*args):
    return run(*AS_SERVER_USER, *args)


class Postgres:
    """A throwaway cluster: a primary, or a standby cloned from one."""

    def __init__(self, bin, root, name, primary=None):
        self.bin, self.dir, self.port = bin, os.path.join(root, name), free_port()
        self.log = os.path.join(root, name + ".log")
        if primary is None:
            server(f"{bin}/initdb", "-D", self.dir, "-A", "trust", "-U", "postgres")
            with open(os.path.join(self.dir, "postgresql.conf"), "a") as conf:
                conf.write("wal_level = replica\nmax_wal_senders = 4\nsynchronous_commit = on\n"
                           "synchronous_standby_names = 'standby'\nfsync = on\n")
            with open(os.path.join(self.dir, "pg_hba.conf"), "a") as hba:
                hba.write("host replication postgres 127.0.0.1/32 trust\n")
        else:
            server(f"{bin}/pg_basebackup", "-D", self.dir, "-R", "-X", "stream",
                "-d", f"host=127.0.0.1 port={primary.port} user=postgres application_name=standby")
        self.start()

    def start(self):
        server(f"{self.bin}/pg_ctl", "-D", self.dir, "-w", "-l", self.log, "-o",
            f"-p {self.port} -k {os.path.dirname(self.dir)} -c listen_addresses=127.0.0.1", "start")

    def url(self, database="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, query):
        return run(f"{self.bin}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                   "-At", "-c", query).stdout.strip()

    def kill(self):
        """kill -9 the postmaster (no shutdown checkpoint): what a dead server looks like."""
        pid = int(open(os.path.join(self.dir, "postmaster.pid")).readline())
        os.kill(pid, signal.SIGKILL)

    def stop(self):
        subprocess.run([*AS_SERVER_USER, f"{self.bin}/pg_ctl", "-D", self.dir, "-m", "immediate", "stop"],
                       capture_output=True)


SERVICES = []


class Service:
    def __init__(self, solvent, url, root, name, follow, extra=()):
        SERVICES.append(self)
        self.port, self.name = free_port(), name
        self.errlog = open(os.path.join(root, name + ".err"), "a+")
        args = [solvent, "serve", "--postgres", url, "--port", str(self.port), "--no-keeper",
                "--lease", str(LEASE), "--follow-interval", str(POLL)]
        if follow:
            args.append("--follow")
        args += list(extra)
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.errlog)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                self.health()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"{name} did not start: {self.stderr()}")

    def stderr(self):
        self.errlog.flush()
        self.errlog.seek(0)
        return self.errlog.read()

    def health(self):
        with urllib.request.urlopen(self.base + "/health", timeout=5) as r:
            return json.load(r)

    def post(self, path, body, key, timeout=10):
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Authorization": "Bearer " + key,
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def kill(self, sig=signal.SIGKILL):
        self.process.send_signal(sig)
        if sig == signal.SIGKILL:
            self.process.wait()

    def wait_role(self, role, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.health()["role"] == role:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise SystemExit(f"{self.name} is not {role} after {timeout} s: {self.stderr()}")


class Load:
    """Deposits of unique amounts from several threads; every acknowledged one is recorded."""

    def __init__(self, key, threads=4):
        self.key, self.acknowledged, self.lock, self.stop = key, {}, threading.Lock(), threading.Event()
        self.target, self.counter, self.threads = None, [0], threads

    def start(self, service):
        self.target, self.stop = service, threading.Event()
        self.workers = [threading.Thread(target=self.work, daemon=True) for _ in range(self.threads)]
        for worker in self.workers:
            worker.start()

    def work(self):
        while not self.stop.is_set():
            with self.lock:
                self.counter[0] += 1
                n = self.counter[0]
            amount = f"{n}.000001"
            try:
                status, body = self.target.post("/v1/deposits", {"account": 1, "asset": 1, "amount": amount}, self.key,
                                                timeout=3)
            except (OSError, http.client.HTTPException):
                time.sleep(0.01)
                continue
            if status == 200:
                # The journal keeps the amount in atoms (6 decimals).
                with self.lock:
                    self.acknowledged[body["sequence"]] = f'"atoms":{n * 1_000_000 + 1}}}' 
            else:
                time.sleep(0.005)

    def end(self):
        self.stop.set()
        for worker in self.workers:
            worker.join()


def journal(pg, schema="public"):
    rows = pg.sql(f"SELECT sequence, epoch, command FROM {schema}.journal ORDER BY sequence")
    out = {}
    for line in rows.splitlines():
        sequence, epoch, command = line.split("|", 2)
        out[int(sequence)] = (int(epoch), command)
    return out


def check_acknowledged(acknowledged, entries, where):
    missing = [s for s, amount in acknowledged.items() if s not in entries or amount not in entries[s][1]]
    if missing:
        first = sorted(missing)[0]
        raise SystemExit(f"FAIL: {len(missing)} acknowledged inputs missing {where}: {sorted(missing)[:5]} "
                         f"(sequence {first}: acknowledged {acknowledged[first]}, journal {entries.get(first)})")


def check_epochs(entries):
    last = 0
    for sequence in sorted(entries):
        epoch = entries[sequence][0]
        if epoch < last:
            raise SystemExit(f"FAIL: sequence {sequence} was appended under epoch {epoch} after epoch {last}")
        last = epoch


def first_write(service, key):
    """Sends deposits to `service` until one is acknowledged; returns when."""
    while True:
        try:
            status, _ = service.post("/v1/deposits", {"account": 1, "asset": 1, "amount": "0.000001"}, key, timeout=2)
            if status == 200:
                return time.monotonic()
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.005)


def admin_key(service, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        match = re.search(r"admin key \(shown once, stored hashed\): (\S+)", service.stderr())
        if match:
            return match.group(1)
        time.sleep(0.05)
    raise SystemExit(f"no admin key printed: {service.stderr()}")


def seed(service, key):
    for path, body in [("/v1/assets", {"id": 1, "symbol": "USDT", "scale": 6, "priceMaxAgeSeconds": 86400}),
                       ("/v1/accounts", {"account": 1})]:
        status, reply = service.post(path, body, key)
        assert status == 200, (path, status, reply)


def quiesce_and_compare(a, b):
    """Both services at the same sequence with the same digest (the standby caught up)."""
    deadline = time.time() + 10
    while time.time() < deadline:
        ha, hb = a.health(), b.health()
        if ha["sequence"] == hb["sequence"]:
            if ha["digest"] != hb["digest"]:
                raise SystemExit(f"FAIL: digests differ at {ha['sequence']}: {ha['digest']} {hb['digest']}")
            return ha["sequence"]
        time.sleep(0.02)
    raise SystemExit(f"FAIL: the standby did not catch up: {a.health()} {b.health()}")


def test_kills(solvent, primary, root, rounds):
    leader = Service(solvent, primary.url(), root, "service-1", follow=False)
    leader.wait_role("leader")
    key = admin_key(leader)
    standby = Service(solvent, primary.url(), root, "service-2", follow=True)
    seed(leader, key)
    load, times = Load(key), []
    names = 2
    for round in range(rounds):
        load.start(leader)
        time.sleep(0.5)
        killed_at = time.monotonic()
        leader.kill()
        load.end()
        took_over = first_write(standby, key)
        times.append(took_over - killed_at)
        entries = journal(primary)
        check_acknowledged(load.acknowledged, entries, "from the journal")
        top = max(load.acknowledged) if load.acknowledged else 0
        if standby.health()["sequence"] < top:
            raise SystemExit("FAIL: the new leader is behind an acknowledged input")
        names += 1
        restarted = Service(solvent, primary.url(), root, f"service-{names}", follow=True)
        sequence = quiesce_and_compare(standby, restarted)
        print(f"  kill {round + 1}: failover {times[-1] * 1000:.0f} ms, {len(load.acknowledged)} acknowledged so far, "
              f"both at sequence {sequence} with equal digests", flush=True)
        leader, standby = standby, restarted
    check_epochs(journal(primary))
    return leader, standby, key, load, times


def test_pause(leader, standby, primary, key):
    """SIGSTOP the leader past its lease; a write sent to it meanwhile is refused once it resumes."""
    epoch = leader.health()["epoch"]
    leader.kill(signal.SIGSTOP)
    paused_at = time.monotonic()
    result = {}

    def stale_write():
        try:
            result["status"] = leader.post("/v1/deposits", {"account": 1, "asset": 1, "amount": "7.777777"}, key,
                                           timeout=15)[0]
        except (OSError, http.client.HTTPException) as error:
            result["status"] = f"connection failed ({type(error).__name__})"

    writer = threading.Thread(target=stale_write)
    writer.start()
    took_over = first_write(standby, key)
    new_epoch = standby.health()["epoch"]
    time.sleep(0.2)
    leader.kill(signal.SIGCONT)
    writer.join()
    entries = journal(primary)
    check_epochs(entries)
    if any('"atoms":7777777}' in command for _, command in entries.values()):
        raise SystemExit("FAIL: the paused leader's write went into the journal")
    if result["status"] == 200:
        raise SystemExit("FAIL: the paused leader acknowledged a write after losing its lease")
    leader.process.wait(timeout=10)
    print(f"  pause: standby led after {(took_over - paused_at) * 1000:.0f} ms (epoch {epoch} -> {new_epoch}); "
          f"the resumed leader's write: {result['status']}; it exited with {leader.process.returncode}; "
          f"journal epochs never go back", flush=True)
    if leader.process.returncode != 3:
        raise SystemExit(f"FAIL: the deposed leader exited with {leader.process.returncode}: {leader.stderr()}")
    return standby


def test_primary_loss(solvent, primary, replica, root, leader, key):
    load = Load(key)
    load.start(leader)
    time.sleep(1.0)
    primary.kill()
    time.sleep(0.3)
    load.end()
    server(f"{replica.bin}/pg_ctl", "-D", replica.dir, "-w", "promote")
    # Alone, the promoted server must not wait for a synchronous standby it no longer has (every
    # commit would block): the operator's step after a promotion, until a new standby is cloned.
    replica.sql("ALTER SYSTEM SET synchronous_standby_names = ''")
    replica.sql("SELECT pg_reload_conf()")
    entries = journal(replica)
    check_acknowledged(load.acknowledged, entries, "from the promoted server")
    if not load.acknowledged:
        raise SystemExit("FAIL: nothing was acknowledged under load before the primary was killed")
    service = Service(solvent, replica.url(), root, "service-promoted", follow=False)
    service.wait_role("leader")
    top = max(load.acknowledged)
    if service.health()["sequence"] < top:
        raise SystemExit("FAIL: the service on the promoted server recovered less than was acknowledged")
    status, reply = service.post("/v1/deposits", {"account": 1, "asset": 1, "amount": "1"}, key)
    if status != 200:
        raise SystemExit(f"FAIL: the service on the promoted server refused a write: {status} {reply}")
    print(f"  primary killed: {len(load.acknowledged)} inputs acknowledged under load, all on the promoted standby; "
          f"a service on it recovered sequence {service.health()['sequence']} and took a write ({status})", flush=True)
    service.kill()


def test_clean_stop(solvent, primary, root, leader, key):
    """SIGTERM the leader: it resigns its lease, and the standby leads without waiting for it."""
    standby = Service(solvent, primary.url(), root, "service-after-pause", follow=True)
    quiesce_and_compare(leader, standby)
    stopped_at = time.monotonic()
    leader.kill(signal.SIGTERM)
    took_over = first_write(standby, key)
    leader.process.wait(timeout=10)
    if leader.process.returncode != 0:
        raise SystemExit(f"FAIL: the stopped leader exited with {leader.process.returncode}: {leader.stderr()}")
    print(f"  clean stop: the standby led {(took_over - stopped_at) * 1000:.0f} ms after SIGTERM "
          f"(the lease resigned, not waited out)", flush=True)
    return standby


def replication_cost(solvent, primary):
    figures = {"replicated": [], "unreplicated": []}
    for _ in range(3):
        for name, standbys in [("replicated", "standby"), ("unreplicated", "")]:
            primary.sql(f"ALTER SYSTEM SET synchronous_standby_names = '{standbys}'")
            primary.sql("SELECT pg_reload_conf()")
            time.sleep(0.3)
            out = run(solvent, "bench-journal", "--postgres", primary.url(), "--entries", "1000", "--batch", "1").stdout
            figures[name].append(json.loads(out))
    primary.sql("ALTER SYSTEM SET synchronous_standby_names = 'standby'")
    primary.sql("SELECT pg_reload_conf()")
    for name, runs in figures.items():
        p50 = statistics.median(r["commitP50Milliseconds"] for r in runs)
        p99 = statistics.median(r["commitP99Milliseconds"] for r in runs)
        print(f"  {name}: commit p50 {p50:.3f} ms, p99 {p99:.3f} ms (median of 3 runs of 1,000 single-entry appends)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--solvent", default=".build/debug/solvent")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins or not os.path.exists(args.solvent):
        print("failover test skipped: needs PostgreSQL's server binaries and the solvent binary")
        return
    root = tempfile.mkdtemp(prefix="solvent-failover-")
    if AS_SERVER_USER:
        shutil.chown(root, "postgres")
    primary = replica = None
    try:
        primary = Postgres(bins[-1], root, "primary")
        replica = Postgres(bins[-1], root, "standby", primary=primary)
        deadline = time.time() + 30
        while (state := primary.sql("SELECT sync_state FROM pg_stat_replication")) != "sync" and time.time() < deadline:
            time.sleep(0.1)
        print(f"PostgreSQL primary on {primary.port}, standby on {replica.port} (replication: {state})", flush=True)
        if state != "sync":
            raise SystemExit("FAIL: the standby is not synchronous")
        print("(a) kill -9 the leading service under load", flush=True)
        leader, standby, key, load, times = test_kills(args.solvent, primary, root, args.rounds)
        ordered = sorted(times)
        print(f"  failover over {len(times)} kills: median {statistics.median(times) * 1000:.0f} ms, "
              f"worst {ordered[-1] * 1000:.0f} ms (lease {LEASE} s, standby poll {POLL} s)", flush=True)
        print("(c) pause the leader (SIGSTOP) past its lease", flush=True)
        leader = test_pause(leader, standby, primary, key)
        print("a clean stop (SIGTERM) of the leader", flush=True)
        leader = test_clean_stop(args.solvent, primary, root, leader, key)
        print("commit latency of the journal with and without the synchronous standby", flush=True)
        replication_cost(args.solvent, primary)
        print("(d) a sharded venue: kill -9 a shard's leading service under load through the gateway", flush=True)
        gateway_failover.test_gateway(args.solvent, primary, root, Service, admin_key)
        print("(b) kill -9 the PostgreSQL primary under load, promote the standby", flush=True)
        test_primary_loss(args.solvent, primary, replica, root, leader, key)
        print("failover tests passed")
    finally:
        for service in SERVICES:
            if service.process.poll() is None:
                service.process.kill()
                service.process.wait()
        for pg in (primary, replica):
            if pg:
                pg.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
