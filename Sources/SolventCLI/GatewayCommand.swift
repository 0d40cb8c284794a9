import ArgumentParser
import Foundation
import Hummingbird
import SolventCore
import SolventServer
import SolventStore

/// `solvent gateway`: one venue over several `solvent serve --shard K/N` services.
public struct GatewayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Run a venue's gateway over its shard services (solvent serve --shard K/N).",
        discussion: """
            Every venue command goes to POST /v1/venue/commands and is routed by the venue's coordinator: an \
            account's inputs to its shard, market-wide inputs to every shard in one order, a trade between two \
            shards novated into two, a liquidation step with the insurance fund and auto-deleveraging across \
            shards. Give the shards in shard order (--shard once each, a shard's leader and standbys \
            comma-separated) and their admin keys in a file, one per line in the same order. Clients present the \
            key in --key-file (created with a new key if absent). Every input is written to --log-file before a \
            shard receives it; after a crash, a restarted gateway finishes from it what was cut short.
            """)

    public init() {}

    @Option(
        name: .customLong("shard"),
        help: """
            A shard's base URL (http://host:port), in shard order, once per shard; a shard with standbys \
            (serve --follow) lists its services comma-separated, and the gateway follows whichever leads.
            """)
    public var shards: [String] = []
    @Option(help: "A file with the shards' admin keys, one per line, in the order of --shard.")
    public var shardKeys: String
    @Option(help: "A file with the key the gateway's clients present (a new key is written if it does not exist).")
    public var keyFile: String
    @Option(
        help: """
            The gateway's write-ahead log, an SQLite file (created if absent): every input is written there \
            before a shard receives it, so a restarted gateway finishes what a crash cut short. Keep it with the \
            gateway across restarts; one gateway at a time.
            """)
    public var logFile: String
    @Option(help: "Address to listen on.")
    public var host = "127.0.0.1"
    @Option(parsing: .unconditional, help: "Port to listen on, 0 to 65535 (0: any free port).")
    public var port = 8090
    @Option(
        parsing: .unconditional,
        help: "Keeper: seconds between liquidation sweeps across the venue (0.01 to 3,600; 0: no keeper).")
    public var keeperInterval = 1.0
    @Option(
        parsing: .unconditional,
        help: """
            Keeper: seconds between ticks (dated futures' settlement, scheduled funding), 1 to 86,400; each tick \
            moves the liquidation baton through every shard (three inputs a shard).
            """)
    public var tickInterval = 60.0
    @Option(
        parsing: .unconditional,
        help: "Seconds a shard may take to answer one call before the venue stops taking commands (1 to 600).")
    public var shardTimeout = 10.0
    @Option(
        parsing: .unconditional,
        help: """
            Seconds between attempts to take commands again after a shard went out of reach (its standby taking \
            over, or a restart): each attempt finds every shard's leader and finishes what the log holds. 0.01 to \
            60; 0: never (a restart of the gateway does it).
            """)
    public var reconnectInterval = 0.25

    public func validate() throws {
        do { try checkOptions() } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
    }

    /// The options' ranges and shapes (an `InputError` naming the option).
    public func checkOptions() throws {
        try PortCheck.checkRange(port)
        guard !shards.isEmpty, shards.count <= Limits.venueShards else {
            throw InputError("--shard", "give 1 to \(Limits.venueShards) shards (--shard URL once each)")
        }
        _ = try shardURLs()
        guard keeperInterval == 0 || (0.01...3_600).contains(keeperInterval) else {
            throw InputError(
                "--keeper-interval", "must be 0 (no keeper) or from 0.01 to 3600 seconds, got \(keeperInterval)")
        }
        guard (1...86_400).contains(tickInterval) else {
            throw InputError("--tick-interval", "must be from 1 to 86400 seconds, got \(tickInterval)")
        }
        guard (1...600).contains(shardTimeout) else {
            throw InputError("--shard-timeout", "must be from 1 to 600 seconds, got \(shardTimeout)")
        }
        guard reconnectInterval == 0 || (0.01...60).contains(reconnectInterval) else {
            throw InputError(
                "--reconnect-interval", "must be 0 (never) or from 0.01 to 60 seconds, got \(reconnectInterval)")
        }
    }

    /// Each shard's services' URLs, in shard order.
    public func shardURLs() throws -> [[URL]] {
        try shards.map { list in
            try list.split(separator: ",", omittingEmptySubsequences: false).map { part in
                let text = part.trimmingCharacters(in: .whitespaces)
                guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil
                else {
                    throw InputError(
                        "--shard",
                        "expected a base URL such as http://127.0.0.1:8101, or several comma-separated, got \(list)")
                }
                return url
            }
        }
    }

    /// The shards' admin keys, one a line (blank lines skipped), as many as there are shards.
    func readShardKeys() throws -> [String] {
        guard let text = try? String(contentsOfFile: shardKeys, encoding: .utf8) else {
            throw InputError("--shard-keys", "cannot read \(shardKeys)")
        }
        let keys = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard keys.count == shards.count else {
            throw InputError("--shard-keys", "\(shardKeys) holds \(keys.count) keys for \(shards.count) shards")
        }
        return keys
    }

    /// The clients' key: the file's first line, or a new key written to a new file (mode 0600).
    func clientKey() throws -> String {
        if FileManager.default.fileExists(atPath: keyFile) {
            guard let text = try? String(contentsOfFile: keyFile, encoding: .utf8),
                let key = text.split(whereSeparator: \.isNewline).first?.trimmingCharacters(in: .whitespaces),
                !key.isEmpty
            else { throw InputError("--key-file", "cannot read a key from \(keyFile)") }
            return key
        }
        let key = AccessKeys.generate()
        guard
            FileManager.default.createFile(
                atPath: keyFile, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw InputError("--key-file", "cannot write \(keyFile)") }
        Diagnostics.write("gateway: a new client key is in \(keyFile)\n")
        return key
    }

    public func run() async throws {
        do {
            if let refusal = PortCheck.refusal(host: host, port: port) { throw refusal }
            let keys = try readShardKeys()
            let timeout = shardTimeout
            let links = try shardURLs().enumerated().map {
                HTTPShardLink(shard: $0, bases: $1, key: keys[$0], timeoutSeconds: timeout)
            }
            let key = try clientKey()
            let log: SQLiteVenueLog
            do { log = try SQLiteVenueLog(path: logFile) } catch { throw InputError("--log-file", "\(error)") }
            let gateway = try await Self.start(links: links, key: key, log: log, retry: reconnectInterval)
            Diagnostics.write("gateway: recovered: \(gateway.recovery)\n")
            let host = host
            let app = gateway.application(host: host, port: port) { port in
                Diagnostics.write("gateway: \(links.count) shards; listening on http://\(host):\(port)\n")
            }
            let (interval, ticks, retry) = (keeperInterval, tickInterval, reconnectInterval)
            let keeper = interval > 0 ? Task { await Self.keep(gateway, every: interval, tickEvery: ticks) } : nil
            let supervisor = retry > 0 ? Task { await Self.supervise(gateway, every: retry) } : nil
            try await app.runService()
            keeper?.cancel()
            supervisor?.cancel()
        } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
    }

    /// The gateway over `links`; while a shard is out of reach (or its standby not yet leading),
    /// tried again every `retry` seconds (0: not at all), each new reason printed once.
    static func start(
        links: [HTTPShardLink], key: String, log: SQLiteVenueLog, retry: Double
    ) async throws -> VenueGateway {
        var reported: String?
        while true {
            let attempt = await Task.detached { () throws(VenueFailure) -> VenueGateway in
                try VenueGateway(links: links, key: key, log: log)
            }.result
            switch attempt {
            case .success(let gateway): return gateway
            case .failure(let error):
                let failure = error as? VenueFailure ?? VenueFailure("\(error)")
                guard failure.transient, retry > 0 else { throw InputError("--shard", "\(failure)") }
                if failure.description != reported {
                    Diagnostics.write("gateway: waiting for the shards: \(failure)\n")
                    reported = failure.description
                }
                try await Task.sleep(for: .milliseconds(Int64(retry * 1_000)))
            }
        }
    }

    /// The venue's keeper: every interval, a liquidation sweep over every shard; a tick every
    /// `tickEvery` seconds.
    static func keep(_ gateway: VenueGateway, every seconds: Double, tickEvery: Double) async {
        let clock = ContinuousClock()
        var lastTick = clock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1_000)))
            // While the venue is stopped the keeper waits (for a reconnection, or for good).
            guard gateway.failure == nil else { continue }
            let (steps, failure) = await gateway.sweep()
            if steps > 0 { Diagnostics.write("gateway: keeper applied \(steps) liquidation steps\n") }
            if failure == nil, clock.now - lastTick >= .milliseconds(Int64(tickEvery * 1_000)) {
                lastTick = clock.now
                _ = await gateway.execute([.tick])
            }
        }
    }

    /// Reports a failure that stops the venue, and after a transient one connects again every
    /// interval until the shards are whole (`VenueGateway.reconnect`).
    static func supervise(_ gateway: VenueGateway, every seconds: Double) async {
        let clock = ContinuousClock()
        var since: ContinuousClock.Instant?
        var reported: String?
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1_000)))
            guard let failure = gateway.failure else { continue }
            if since == nil {
                since = clock.now
                Diagnostics.write("gateway: the venue takes no commands: \(failure)\n")
            }
            guard failure.transient else { continue }
            switch await gateway.reconnect() {
            case .success(let recovery):
                if let start = since {
                    Diagnostics.write("gateway: reconnected after \(clock.now - start): \(recovery)\n")
                }
                since = nil
                reported = nil
            case .failure(let reason):
                // Each new reason once, not every attempt.
                if reason.description != reported {
                    Diagnostics.write("gateway: not yet: \(reason)\n")
                    reported = reason.description
                }
            }
        }
    }
}
