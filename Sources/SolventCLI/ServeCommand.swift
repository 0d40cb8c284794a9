import ArgumentParser
import Foundation
import Hummingbird
import SolventCore
import SolventServer
import SolventSimulation
import SolventStore
import Synchronization

/// Opens the store named by `--db` / `--postgres` (SQLite `./solvent.db` by default).
func openStore(db: String?, postgres: String?) async throws -> JournalStore {
    if db != nil && postgres != nil { throw InputError("--postgres", "give --db or --postgres, not both") }
    do {
        if let postgres { return try await PostgresStore(url: postgres) }
        return try SQLiteStore(path: db ?? "solvent.db")
    } catch let error as StoreError {
        throw InputError(postgres ?? db ?? "solvent.db", error.description)
    }
}

/// `solvent serve`: the engine as a service.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the engine as an HTTP/WebSocket service over a durable journal.",
        discussion: """
            On first start an admin key is created and printed once (keys are stored hashed). With --demo the service \
            seeds markets and a population and drives a crash price path; the dashboard (/dashboard) is then open without a key.
            """)

    @Option(help: "SQLite database file (default ./solvent.db).")
    public var db: String?
    @Option(help: "PostgreSQL URL instead: postgres://user[:password]@host[:port]/database.")
    public var postgres: String?
    @Option(help: "Address to listen on.")
    public var host = "127.0.0.1"
    // The numeric options take their value unconditionally so that a negative one ("-5") reaches
    // `validate()` and is refused with its range, rather than read as a flag ("Missing value").
    @Option(parsing: .unconditional, help: "Port to listen on, 0 to 65535 (0: any free port).")
    public var port = 8080
    @Flag(help: "Seed a demo venue and drive a crash so the dashboard shows margin calls and liquidations.")
    public var demo = false
    @Option(parsing: .unconditional, help: "Demo: accounts in the population (1 to 10,000,000).")
    public var demoAccounts = 2_000
    @Option(
        parsing: .unconditional,
        help:
            "Demo: seconds between price points (above 0, at most 86,400; the default plays the crash over about five minutes)."
    )
    public var demoInterval = 2.0
    @Option(
        help:
            "Demo: an OHLC CSV to replay from 20 bars before its lowest low (open, nearer extreme, farther extreme, close per bar), or `generated`. Default: 2020-03-12 from ../shared/data when present, else generated."
    )
    public var demoPath: String?
    @Option(parsing: .unconditional, help: "Write a snapshot every N inputs (N positive).")
    public var snapshotEvery = 100_000
    @Option(
        parsing: .unconditional,
        help: """
            Run as shard K of N (K from 0) of a venue behind `solvent gateway`: the journal's first input joins \
            the venue; inputs come from the gateway only; no built-in keeper (the gateway's keeper liquidates).
            """)
    public var shard: String?
    @Flag(help: "Run no built-in keeper: liquidation steps, auction resets and ticks are left to outside keepers.")
    public var noKeeper = false
    @Option(parsing: .unconditional, help: "Keeper: seconds between ticks and sweeps (0.01 to 3,600).")
    public var keeperInterval = 1.0
    @Option(
        parsing: .unconditional,
        help: "Keeper: the account credited with keeper rewards (an open account; default: none paid).")
    public var keeperAccount: UInt64?
    @OptionGroup public var dynamicMargin: DynamicMarginOptions
    @OptionGroup public var leadership: LeadershipOptions
    // The front end's limits against hostile clients (FrontEndLimits; defaults from there).
    @Option(
        parsing: .unconditional,
        help:
            "Seconds a new connection has to send a request head, and a request to send its whole body (0.1 to 3,600).")
    public var readTimeout = Double(FrontEndLimits().readTimeout.components.seconds)
    @Option(
        parsing: .unconditional, help: "Seconds a connection may stay open with no request in progress (0.1 to 86,400)."
    )
    public var idleTimeout = Double(FrontEndLimits().idleTimeout.components.seconds)
    @Option(
        parsing: .unconditional,
        help: "Bytes of request line and headers, over which a request gets 431 (1,024 to 1,048,576).")
    public var maxHeaderBytes = FrontEndLimits().maxHeaderBytes
    @Option(
        parsing: .unconditional,
        help: """
            Bytes of a request body, over which a request gets 413 (1,024 to 67,108,864; default 65,536, on a shard \
            8,388,608: the gateway's requests of up to 4 MiB of commands).
            """)
    public var maxBodyBytes: Int?
    @Option(
        parsing: .unconditional, help: "Connections open at once; one more gets 503 and is closed (1 to 1,000,000).")
    public var maxConnections = FrontEndLimits().maxConnections
    @Option(
        parsing: .unconditional,
        help:
            "Requests per second per API key before 429 (0: unlimited, at most 1,000,000; default 1,000, on a shard 0)."
    )
    public var keyRate: Double?
    @Option(parsing: .unconditional, help: "Requests an API key may send at once (1 to 10,000,000).")
    public var keyBurst = FrontEndLimits().keyBurst
    @Option(
        parsing: .unconditional,
        help: """
            Requests per second per client address before 429 (0: unlimited, at most 1,000,000; default 2,000, on a \
            shard 0).
            """
    )
    public var addressRate: Double?
    @Option(parsing: .unconditional, help: "Requests a client address may send at once (1 to 10,000,000).")
    public var addressBurst = FrontEndLimits().addressBurst

    public init() {}

    /// Refuses an option value that would otherwise be changed silently: a port above 65535
    /// wraps (99999 listens on 34463), a snapshot interval of 0 becomes 1, and a negative or
    /// non-finite demo value traps. Exit 2 with the option and its range, as for other bad input.
    public func validate() throws {
        do { try checkOptions() } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
    }

    /// The numeric options' ranges (an `InputError` naming the option and its valid range).
    public func checkOptions() throws {
        try PortCheck.checkRange(port)
        guard demoAccounts > 0 else {
            throw InputError("--demo-accounts", "must be positive (1 to 10,000,000), got \(demoAccounts)")
        }
        guard demoAccounts <= 10_000_000 else {
            throw InputError("--demo-accounts", "must be from 1 to 10,000,000, got \(demoAccounts)")
        }
        guard demoInterval > 0 && demoInterval <= 86_400 else {
            throw InputError(
                "--demo-interval", "must be a number of seconds above 0 and at most 86400, got \(demoInterval)")
        }
        guard snapshotEvery > 0 else { throw InputError("--snapshot-every", "must be positive, got \(snapshotEvery)") }
        guard keeperInterval >= 0.01 && keeperInterval <= 3_600 else {
            throw InputError(
                "--keeper-interval", "must be a number of seconds from 0.01 to 3600, got \(keeperInterval)")
        }
        if let keeperAccount, keeperAccount == 0 || keeperAccount > UInt64(Int64.max) {
            throw InputError("--keeper-account", "must be an account id from 1 to \(Int64.max), got \(keeperAccount)")
        }
        try checkLimits()
        if shard != nil {
            _ = try venueShard()
            if demo { throw InputError("--shard", "a shard takes its inputs from the gateway: --demo is not allowed") }
            if keeperAccount != nil {
                throw InputError("--keeper-account", "a shard runs no keeper (the gateway's keeper liquidates)")
            }
        }
        try leadership.check(postgres: postgres != nil, demo: demo, host: host)
        _ = try dynamicMargin.configuration(keeper: !noKeeper)
    }

    /// `--shard K/N` as numbers: 0 <= K < N <= `Limits.venueShards`.
    public func venueShard() throws -> (shard: UInt32, shards: UInt32)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = UInt32(parts[0]), let n = UInt32(parts[1]), n >= 1,
            n <= UInt32(Limits.venueShards), k < n
        else {
            throw InputError(
                "--shard", "expected K/N with 0 <= K < N <= \(Limits.venueShards) (shard 0 of 4: 0/4), got \(shard)")
        }
        return (k, n)
    }

    /// The journal to open: `--db` as given; for `--demo` without `--db` (or `--postgres`) a
    /// fresh file of its own, so a second demo never replays its crash over an already
    /// liquidated population; otherwise `./solvent.db`. Says which on stderr.
    func journalPath() -> String? {
        if let db { return db }
        guard demo, postgres == nil else { return nil }
        let stamp = Int(Date().timeIntervalSince1970)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("solvent-demo-\(stamp)-\(getpid()).db")
            .path
        Diagnostics.write("serve: demo journal \(path) (a fresh one each run; --db PATH keeps and resumes one)\n")
        return path
    }

    /// The front end's limits, each within its range (a NaN or infinite value is outside every range).
    func checkLimits() throws {
        guard (0.1...3_600).contains(readTimeout) else {
            throw InputError("--read-timeout", "must be from 0.1 to 3600 seconds, got \(readTimeout)")
        }
        guard (0.1...86_400).contains(idleTimeout) else {
            throw InputError("--idle-timeout", "must be from 0.1 to 86400 seconds, got \(idleTimeout)")
        }
        guard (1_024...1_048_576).contains(maxHeaderBytes) else {
            throw InputError("--max-header-bytes", "must be from 1024 to 1048576, got \(maxHeaderBytes)")
        }
        if let maxBodyBytes, !(1_024...67_108_864).contains(maxBodyBytes) {
            throw InputError("--max-body-bytes", "must be from 1024 to 67108864, got \(maxBodyBytes)")
        }
        guard (1...1_000_000).contains(maxConnections) else {
            throw InputError("--max-connections", "must be from 1 to 1000000, got \(maxConnections)")
        }
        if let keyRate, !(0...1_000_000).contains(keyRate) {
            throw InputError("--key-rate", "must be from 0 (unlimited) to 1000000 per second, got \(keyRate)")
        }
        guard (1...10_000_000).contains(keyBurst) else {
            throw InputError("--key-burst", "must be from 1 to 10000000, got \(keyBurst)")
        }
        if let addressRate, !(0...1_000_000).contains(addressRate) {
            throw InputError("--address-rate", "must be from 0 (unlimited) to 1000000 per second, got \(addressRate)")
        }
        guard (1...10_000_000).contains(addressBurst) else {
            throw InputError("--address-burst", "must be from 1 to 10000000, got \(addressBurst)")
        }
    }

    /// The limits the options give (checked by `validate()`). A shard's rates are unlimited
    /// unless given: its one client is the venue's gateway, and a 429 there would stop the venue.
    public var limits: FrontEndLimits {
        var limits = FrontEndLimits()
        let unlimited: Double? = shard != nil ? 0 : nil
        limits.readTimeout = .milliseconds(Int64((readTimeout * 1_000).rounded()))
        limits.idleTimeout = .milliseconds(Int64((idleTimeout * 1_000).rounded()))
        limits.maxHeaderBytes = maxHeaderBytes
        limits.maxBodyBytes = maxBodyBytes ?? (shard != nil ? 8 << 20 : limits.maxBodyBytes)
        limits.maxConnections = maxConnections
        limits.keyRate = keyRate ?? unlimited ?? limits.keyRate
        limits.keyBurst = keyBurst
        limits.addressRate = addressRate ?? unlimited ?? limits.addressRate
        limits.addressBurst = addressBurst
        return limits
    }

    static let demoDefaultPath = "../shared/data/market/crash/2020-03-12_btcusdt_binance_perp_1h.csv"

    /// The demo's marks: a recorded crash from its run-up to the trough and on, or nil for the
    /// generated path. A named file that cannot be read is an error, never a silent fallback.
    public func demoMarks() throws -> [Int64]? {
        let file: String
        switch demoPath {
        case "generated"?: return nil
        case let named?: file = named
        case nil:
            guard FileManager.default.fileExists(atPath: Self.demoDefaultPath) else {
                Diagnostics.write("serve: \(Self.demoDefaultPath) not found: the demo drives a generated crash\n")
                return nil
            }
            file = Self.demoDefaultPath
        }
        // The demo venue's population opens at the path's first price: the simulator's range.
        let bars = try OHLCVFile.load(path: file, maximumPrice: CascadeSimulator.maximumPrice)
        guard bars.count >= 2, let trough = bars.indices.min(by: { bars[$0].low < bars[$1].low }) else {
            throw InputError("--demo-path", "\(file): expected at least two bars")
        }
        let start = max(0, trough - 20)
        let points = IndexReplay.points(of: Array(bars[start...]), path: .intrabar)
        Diagnostics.write(
            "serve: demo path \(file) from \(OHLCVFile.formatTimestamp(bars[start].time)) (\(points.count) points, trough \(bars[trough].low) at bar \(trough - start + 1))\n"
        )
        return DemoVenue.onTickGrid(points.map(\.price))
    }

    public func run() async throws {
        do {
            if let refusal = PortCheck.refusal(host: host, port: port) { throw refusal }
            let marks = demo ? try demoMarks() : nil
            let store = try await openStore(db: journalPath(), postgres: postgres)
            // On PostgreSQL every service starts as a standby and leads once it holds the lease.
            let election = store as? any LeaderElection
            let service = try await SolventService(
                store: store, openDashboard: demo, snapshotEvery: UInt64(snapshotEvery), following: election != nil)
            let recovery = service.engine.recovery
            Diagnostics.write(
                "serve: recovered sequence \(recovery.lastSequence) (snapshot \(recovery.snapshotSequence), \(recovery.replayed) replayed), digest \(recovery.digest)\n"
            )
            if !recovery.mismatches.isEmpty {
                throw InputError(
                    "journal",
                    "the replay did not reproduce the recorded digests at \(recovery.mismatches.prefix(5).map(String.init).joined(separator: ", "))"
                )
            }
            let host = host
            let started = try Started(command: self, service: service, marks: marks)
            let lease = Mutex<(LeaderLease, Task<Void, Never>)?>(nil)
            let leaseSettings = leadership.configuration
            let app = try SolventServer.application(
                service: service, host: host, port: port, limits: limits, shardProtocol: shard != nil
            ) { port in
                Diagnostics.write(
                    "serve: listening on http://\(host):\(port) — dashboard http://\(host):\(port)/dashboard\n")
                if let election {
                    var settings = leaseSettings
                    if settings.address.isEmpty {
                        settings.address = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                    }
                    let loop = LeaderLease(store: election, service: service, configuration: settings)
                    lease.withLock { $0 = (loop, Task { await Self.lead(loop, started) }) }
                }
            }
            if election == nil { try await started.lead(store: store) }
            try await app.runService()
            started.stop()
            let leading = lease.withLock { $0 }
            if let (_, task) = leading {
                // The lease loop ends before the lease is given up: no renewal lands after it.
                task.cancel()
                await task.value
                started.stop()  // what a promotion racing the stop started
            }
            let last = await service.engine.read { $0.lastSequence }
            if await !service.engine.isFollowing {
                // The writer's mark first: once the lease is resigned a standby may take over
                // and set its own.
                try await WriterLease.release(store)
                if let (loop, _) = leading { await loop.resign(epoch: service.leaseEpoch.withLock { $0 }) }
            }
            try await store.close()
            Diagnostics.write("serve: stopped; the journal is closed at sequence \(last)\n")
        } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
    }

    /// Stands by, leads once the lease is this service's, and ends the process when it stops
    /// leading: a deposed leader's engine may hold inputs the journal refused, so it must not
    /// serve on (restart it with --follow: it recovers from the journal and stands by). Exit
    /// status 2: another service leads (start with --follow); 3: stopped leading; 4: the standby
    /// does not reproduce the journal; 1: the service could not start leading.
    static func lead(_ loop: LeaderLease, _ started: Started) async {
        do {
            try await loop.run { epoch in
                Diagnostics.write("serve: leading the journal (lease epoch \(epoch))\n")
                do { try await started.lead(store: loop.store) } catch {
                    Diagnostics.write("error: \(error)\n")
                    await loop.resign(epoch: epoch)
                    Foundation.exit(1)
                }
            }
        } catch {
            // A stop cancels the loop; a query cut short by it may report another error.
            if Task.isCancelled || error is CancellationError { return }
            Diagnostics.write("serve: \(error)\n")
            switch error as? LeaderLease.Failure {
            case .ledByAnother?: Foundation.exit(2)
            case .diverged?: Foundation.exit(4)
            default: Foundation.exit(3)
            }
        }
    }
}

/// `solvent replay`: re-executes the whole journal and checks every recorded digest.
public struct ReplayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-execute the whole journal and report whether every recorded digest matches.")

    @Option(help: "SQLite database file (default ./solvent.db).")
    public var db: String?
    @Option(help: "PostgreSQL URL instead.")
    public var postgres: String?

    public init() {}

    public func run() async throws {
        do {
            if let db, postgres == nil, !FileManager.default.fileExists(atPath: db) {
                throw InputError(db, "no such database")
            }
            let store = try await openStore(db: db, postgres: postgres)
            let started = Date()
            let check = try await JournalVerification.verify(store) { sequence in
                Diagnostics.write("replay: \(sequence)\n")
            }
            try await store.close()
            let summary: [String: Any] = [
                "inputs": check.inputs, "lastSequence": check.lastSequence, "digest": check.digest,
                "checkpointMismatches": check.checkpointMismatches, "snapshotsChecked": check.snapshotsChecked,
                "snapshotMismatches": check.snapshotMismatches, "commitmentRootsChecked": check.commitmentRootsChecked,
                "commitmentRootMismatches": check.commitmentRootMismatches,
                "verdict": check.isConsistent ? "every recorded digest and commitment root matches" : "MISMATCH",
                "seconds": Date().timeIntervalSince(started),
            ]
            print(JSONOutput.string(summary))
            if !check.isConsistent { throw ExitCode(1) }
        } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        } catch let error as StoreError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
    }
}
