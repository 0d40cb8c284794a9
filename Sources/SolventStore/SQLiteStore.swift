import Foundation
import GRDB

/// The embedded default store: one SQLite file in WAL mode with `synchronous = FULL`, through
/// GRDB. Appends are single write transactions (many entries per transaction: group commit).
public final class SQLiteStore: JournalStore {
    let pool: DatabasePool

    /// Opens (creating when absent) the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS journal (
                            sequence INTEGER PRIMARY KEY, time INTEGER NOT NULL, command_id INTEGER NOT NULL,
                            command TEXT NOT NULL, digest TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS snapshots (sequence INTEGER PRIMARY KEY, digest TEXT NOT NULL, state BLOB NOT NULL);
                        CREATE TABLE IF NOT EXISTS api_keys (hash TEXT PRIMARY KEY, role TEXT NOT NULL, account INTEGER NOT NULL, label TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                        """)
                // The key lifecycle's columns, added to databases created before them (their
                // keys read back as never expiring and not revoked).
                let columns = Set(try Row.fetchAll(db, sql: "PRAGMA table_info(api_keys)").map { $0["name"] as String })
                for column in Self.keyLifecycleColumns where !columns.contains(column) {
                    try db.execute(sql: "ALTER TABLE api_keys ADD COLUMN \(column) INTEGER NOT NULL DEFAULT 0")
                }
            }
        } catch {
            throw StoreError.unavailable("\(path): \(error)")
        }
    }

    static let keyLifecycleColumns = ["created_at", "expires_at", "revoked_at"]

    public func append(_ entries: [JournalEntry]) async throws {
        guard let first = entries.first else { return }
        try await pool.write { db in
            let last = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM journal") ?? 0
            var expected = UInt64(last) + 1
            guard first.sequence == expected else {
                throw StoreError.outOfOrder(expected: expected, got: first.sequence)
            }
            let statement = try db.cachedStatement(
                sql: "INSERT INTO journal (sequence, time, command_id, command, digest) VALUES (?, ?, ?, ?, ?)")
            for entry in entries {
                guard entry.sequence == expected else {
                    throw StoreError.outOfOrder(expected: expected, got: entry.sequence)
                }
                try statement.execute(arguments: [
                    Int64(bitPattern: entry.sequence), entry.time, Int64(bitPattern: entry.commandID),
                    entry.command, entry.digest,
                ])
                expected += 1
            }
        }
    }

    public func entries(after sequence: UInt64, limit: Int) async throws -> [JournalEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT sequence, time, command_id, command, digest FROM journal WHERE sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [Int64(bitPattern: sequence), limit]
            ).map { row in
                JournalEntry(
                    sequence: UInt64(bitPattern: row[0] as Int64), time: row[1],
                    commandID: UInt64(bitPattern: row[2] as Int64),
                    command: row[3], digest: row[4])
            }
        }
    }

    public func lastSequence() async throws -> UInt64 {
        try await pool.read { db in
            UInt64(bitPattern: try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM journal") ?? 0)
        }
    }

    public func saveSnapshot(_ snapshot: Snapshot) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO snapshots (sequence, digest, state) VALUES (?, ?, ?)",
                arguments: [Int64(bitPattern: snapshot.sequence), snapshot.digest, snapshot.state])
        }
    }

    public func latestSnapshot() async throws -> Snapshot? {
        try await snapshot(atOrBefore: UInt64(Int64.max))
    }

    public func snapshot(atOrBefore sequence: UInt64) async throws -> Snapshot? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT sequence, digest, state FROM snapshots WHERE sequence <= ? ORDER BY sequence DESC LIMIT 1",
                arguments: [Int64(bitPattern: sequence)]
            ).map { row in
                Snapshot(sequence: UInt64(bitPattern: row[0] as Int64), digest: row[1], state: row[2])
            }
        }
    }

    public func saveKey(_ key: StoredKey) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO api_keys (hash, role, account, label, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.hash, key.role, Int64(bitPattern: key.account), key.label, key.createdAt, key.expiresAt,
                    key.revokedAt,
                ])
        }
    }

    public func key(hash: String) async throws -> StoredKey? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.keyColumns) FROM api_keys WHERE hash = ?", arguments: [hash]).map(
                Self.storedKey)
        }
    }

    public func keys(limit: Int) async throws -> [StoredKey] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.keyColumns) FROM api_keys ORDER BY created_at, hash LIMIT ?", arguments: [limit]
            ).map(Self.storedKey)
        }
    }

    static let keyColumns = "hash, role, account, label, created_at, expires_at, revoked_at"

    static func storedKey(_ row: Row) -> StoredKey {
        StoredKey(
            hash: row[0], role: row[1], account: UInt64(bitPattern: row[2] as Int64), label: row[3],
            createdAt: row[4], expiresAt: row[5], revokedAt: row[6])
    }

    public func setting(_ name: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM settings WHERE name = ?", arguments: [name])
        }
    }

    public func saveSetting(_ name: String, _ value: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", arguments: [name, value])
        }
    }

    /// Folds the write-ahead log into the database file (so a copied `.db` holds the whole
    /// journal) and closes every connection.
    public func close() async throws {
        _ = try await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try pool.close()
    }
}
