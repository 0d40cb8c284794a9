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
    /// The last row appended, and the last row settled (deleted at the next append).
    private let rows: Mutex<(last: Int64, settled: Int64)>

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
                            time INTEGER NOT NULL, command TEXT NOT NULL, intent TEXT)
                        """)
                return try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM sent") ?? 0
            }
            rows = Mutex((last, 0))
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw VenueFailure("the log \(path) is in use (another gateway runs on it)")
        } catch {
            throw VenueFailure("the log \(path) cannot be opened: \(error)")
        }
    }

    public func append(_ inputs: [VenueSentInput], intent: VenueIntent?) throws(VenueFailure) {
        guard !inputs.isEmpty else { return }
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
                if settled > 0 { try db.execute(sql: "DELETE FROM sent WHERE id <= ?", arguments: [settled]) }
                let statement = try db.cachedStatement(
                    sql: "INSERT INTO sent (shard, sequence, time, command, intent) VALUES (?, ?, ?, ?, ?)")
                for (index, input) in inputs.enumerated() {
                    try statement.execute(arguments: [
                        input.shard, Int64(bitPattern: input.sequence), input.time.nanoseconds, commands[index],
                        index == 0 ? intentText : nil,
                    ])
                }
                return db.lastInsertedRowID
            }
            // The settled rows are gone (and their ids may be used again).
            rows.withLock { $0 = (last, 0) }
        } catch {
            throw VenueFailure("the log cannot be written: \(error)")
        }
    }

    public func settle() { rows.withLock { $0.settled = $0.last } }

    public func pending() throws(VenueFailure) -> (inputs: [VenueSentInput], intents: [VenueIntent]) {
        let settled = rows.withLock { $0.settled }
        do {
            let rows = try queue.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT shard, sequence, time, command, intent FROM sent WHERE id > ? ORDER BY id",
                    arguments: [settled])
            }
            var inputs: [VenueSentInput] = []
            var intents: [VenueIntent] = []
            let decoder = JournalCodec.decoder()
            for row in rows {
                let sequence: Int64 = row["sequence"]
                inputs.append(
                    VenueSentInput(
                        shard: row["shard"], sequence: UInt64(bitPattern: sequence),
                        time: Timestamp(nanoseconds: row["time"]), command: try JournalCodec.decode(row["command"])))
                if let text: String = row["intent"] {
                    intents.append(try decoder.decode(VenueIntent.self, from: Data(text.utf8)))
                }
            }
            return (inputs, intents)
        } catch {
            throw VenueFailure("the log cannot be read: \(error)")
        }
    }
}
