import Foundation
import GRDB
import SolventCore
import Synchronization

/// A venue coordinator's write-ahead log (`VenueWriteAheadLog`) in one SQLite file: the
/// gateway's (`solvent gateway --log-file`). WAL with `synchronous = FULL` (an append survives a
/// crash of the machine once it returns), and the file held in exclusive locking mode, so a
/// second gateway pointed at the same log is refused while the first runs.
///
/// A settle is not written at once: the rows it covers are deleted in the next append's
/// transaction. A settle lost in a crash only leaves inputs every shard had made durable, which
/// recovery finds in the shards' journals and skips.
public final class SQLiteVenueLog: VenueWriteAheadLog {
    let queue: DatabaseQueue
    /// The last rows appended (inputs, intents), and the last rows settled (deleted at the next
    /// append; nil: none).
    private let rows: Mutex<(last: Rows, settled: Rows?)>

    struct Rows: Sendable {
        var input: Int64
        var intent: Int64
    }

    static func last(_ db: Database) throws -> Rows {
        Rows(
            input: try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM sent") ?? 0,
            intent: try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM intents") ?? 0)
    }

    /// Opens (creating when absent) the log at `path`.
    public init(path: String) throws(VenueFailure) {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .immediateError
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            let last = try queue.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS sent (
                            id INTEGER PRIMARY KEY, shard INTEGER NOT NULL, sequence INTEGER NOT NULL,
                            time INTEGER NOT NULL, command TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS intents (id INTEGER PRIMARY KEY, intent TEXT NOT NULL);
                        """)
                return try Self.last(db)
            }
            rows = Mutex((last, nil))
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw VenueFailure("the log \(path) is in use (another gateway runs on it)")
        } catch {
            throw VenueFailure("the log \(path) cannot be opened: \(error)")
        }
    }

    public func append(_ inputs: [VenueSentInput], intent: VenueIntent?) throws(VenueFailure) {
        guard !inputs.isEmpty || intent != nil else { return }
        var commands: [String] = []
        commands.reserveCapacity(inputs.count)
        let intentText: String?
        do {
            for input in inputs { commands.append(try JournalCodec.encode(input.command)) }
            intentText = try intent.map { String(decoding: try JournalCodec.encoder().encode($0), as: UTF8.self) }
        } catch {
            throw VenueFailure("an input for the log does not encode: \(error)")
        }
        let settled = rows.withLock { $0.settled }
        do {
            let last = try queue.write { db in
                if let settled {
                    try db.execute(sql: "DELETE FROM sent WHERE id <= ?", arguments: [settled.input])
                    try db.execute(sql: "DELETE FROM intents WHERE id <= ?", arguments: [settled.intent])
                }
                if let intentText {
                    try db.execute(sql: "INSERT INTO intents (intent) VALUES (?)", arguments: [intentText])
                }
                let statement = try db.cachedStatement(
                    sql: "INSERT INTO sent (shard, sequence, time, command) VALUES (?, ?, ?, ?)")
                for (index, input) in inputs.enumerated() {
                    try statement.execute(arguments: [
                        input.shard, Int64(bitPattern: input.sequence), input.time.nanoseconds, commands[index],
                    ])
                }
                return try Self.last(db)
            }
            // The settled rows are gone (and their ids may be used again).
            rows.withLock { $0 = (last, nil) }
        } catch {
            throw VenueFailure("the log cannot be written: \(error)")
        }
    }

    public func settle() { rows.withLock { $0.settled = $0.last } }

    public func pending() throws(VenueFailure) -> (inputs: [VenueSentInput], intents: [VenueIntent]) {
        let settled = rows.withLock { $0.settled } ?? Rows(input: 0, intent: 0)
        do {
            let (inputRows, intentTexts) = try queue.read { db in
                (
                    try Row.fetchAll(
                        db, sql: "SELECT shard, sequence, time, command FROM sent WHERE id > ? ORDER BY id",
                        arguments: [settled.input]),
                    try String.fetchAll(
                        db, sql: "SELECT intent FROM intents WHERE id > ? ORDER BY id", arguments: [settled.intent])
                )
            }
            var inputs: [VenueSentInput] = []
            for row in inputRows {
                let sequence: Int64 = row["sequence"]
                inputs.append(
                    VenueSentInput(
                        shard: row["shard"], sequence: UInt64(bitPattern: sequence),
                        time: Timestamp(nanoseconds: row["time"]), command: try JournalCodec.decode(row["command"])))
            }
            let decoder = JournalCodec.decoder()
            let intents = try intentTexts.map { try decoder.decode(VenueIntent.self, from: Data($0.utf8)) }
            return (inputs, intents)
        } catch {
            throw VenueFailure("the log cannot be read: \(error)")
        }
    }
}
