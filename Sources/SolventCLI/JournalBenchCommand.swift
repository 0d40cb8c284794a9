import ArgumentParser
import Foundation
import SolventCore
import SolventStore

/// `solvent bench-journal`: durable appends per second on this machine's disk (or PostgreSQL
/// server), batch by batch as the service's group commit writes them. Each entry is a real
/// journaled fill's JSON.
public struct JournalBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench-journal",
        abstract: "Measure durable journal appends per second (group commit) on SQLite or PostgreSQL.")

    @Option(help: "SQLite file to create (removed afterwards).")
    public var db: String?
    @Option(help: "PostgreSQL URL instead (a fresh schema, dropped afterwards).")
    public var postgres: String?
    // Unconditional so that a negative value reaches `validate()` instead of reading as a flag.
    @Option(parsing: .unconditional, help: "Entries to append (a positive multiple of --batch).")
    public var entries = 200_000
    @Option(parsing: .unconditional, help: "Entries per commit (the group-commit batch), 1 to --entries.")
    public var batch = 1_000

    public init() {}

    /// Refuses counts the run would otherwise change: a batch of 0 or a negative one trapped, and
    /// entries that are not whole batches were rounded (10 entries in batches of 1,000 appended 1,000).
    public func validate() throws {
        do { try checkOptions() } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
    }

    /// The options' ranges (an `InputError` naming the option and its valid range).
    public func checkOptions() throws {
        guard entries > 0 else { throw InputError("--entries", "must be positive, got \(entries)") }
        guard batch > 0 && batch <= entries else {
            throw InputError("--batch", "must be from 1 to --entries (\(entries)), got \(batch)")
        }
        guard entries % batch == 0 else {
            throw InputError("--entries", "must be a multiple of --batch (\(batch)), got \(entries)")
        }
    }

    public func run() async throws {
        let fill = try JournalCodec.encode(
            .applyFill(
                Fill(
                    market: MarketID(1), buyer: AccountID(1), seller: AccountID(2),
                    quantity: Quantity("0.001")!, price: Price("60000")!, taker: .buyer)))
        let store: JournalStore
        var cleanup: () async throws -> Void = {}
        if let postgres {
            let pg = try await PostgresStore(url: postgres, schema: "bench_\(getpid())")
            store = pg
            cleanup = {
                try await pg.dropSchema(); try await pg.close()
            }
        } else {
            let path =
                db ?? FileManager.default.temporaryDirectory.appendingPathComponent("solvent-bench-\(getpid()).db").path
            let sqlite = try SQLiteStore(path: path)
            store = sqlite
            cleanup = {
                try await sqlite.close()
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
        }
        let batches = entries / batch
        var sequence = try await store.lastSequence()
        let started = ContinuousClock.now
        var latencies: [Double] = []
        for _ in 0..<batches {
            let rows = (0..<batch).map { offset in
                JournalEntry(sequence: sequence + UInt64(offset) + 1, time: 1, commandID: 0, command: fill)
            }
            let before = ContinuousClock.now
            try await store.append(rows)
            let elapsed = ContinuousClock.now - before
            latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            sequence += UInt64(batch)
        }
        let total = ContinuousClock.now - started
        let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
        latencies.sort()
        let summary: [String: Any] = [
            "backend": postgres == nil ? "sqlite" : "postgres", "entries": batches * batch, "batch": batch,
            "seconds": seconds, "appendsPerSecond": Double(batches * batch) / seconds,
            "commitP50Milliseconds": latencies[latencies.count / 2] * 1e3,
            "commitP99Milliseconds": latencies[min(latencies.count - 1, latencies.count * 99 / 100)] * 1e3,
        ]
        try await cleanup()
        print(JSONOutput.string(summary))
    }
}
