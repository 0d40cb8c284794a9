#if PostgreSQL
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The store for larger deployments: PostgreSQL through PostgresNIO's pooled client. An append is
/// one statement, its own transaction: a multi-row `INSERT … SELECT FROM UNNEST(arrays)` that
/// inserts only if the batch continues the journal (group commit in one round trip); the
/// primary key keeps two writers from interleaving. (COPY FROM STDIN through PostgresNIO measured
/// slower here: 77,000 appends/s against 140,000.)
public final class PostgresStore: LeaderElection {
    /// Whether this build can reach PostgreSQL.
    public static let isAvailable = true
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger = Logger(label: "solvent.store.postgres")

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`) and creates the
    /// tables when absent. `schema` keeps tests apart (a fresh schema per suite).
    public init(url: String, schema: String = "public") async throws {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, let user = components.user
        else {
            throw StoreError.unavailable("expected postgres://user[:password]@host[:port]/database, got \(url)")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard schema.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw StoreError.unavailable("schema: letters, digits and _")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user,
            password: components.password, database: database.isEmpty ? nil : database,
            tls: .disable)
        configuration.options.maximumConnections = 4
        client = PostgresClient(configuration: configuration)
        let client = client
        runner = Task { await client.run() }
        do {
            try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"))
            for sql in [
                "CREATE TABLE IF NOT EXISTS \(schema).journal (sequence BIGINT PRIMARY KEY, time BIGINT NOT NULL, command_id BIGINT NOT NULL, command TEXT NOT NULL, digest TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS \(schema).snapshots (sequence BIGINT PRIMARY KEY, digest TEXT NOT NULL, state BYTEA NOT NULL)",
                "CREATE TABLE IF NOT EXISTS \(schema).api_keys (hash TEXT PRIMARY KEY, role TEXT NOT NULL, account BIGINT NOT NULL, label TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS \(schema).settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
                // The key lifecycle's columns, added to databases created before them (their
                // keys read back as never expiring and not revoked).
                "ALTER TABLE \(schema).api_keys ADD COLUMN IF NOT EXISTS created_at BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE \(schema).api_keys ADD COLUMN IF NOT EXISTS expires_at BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE \(schema).api_keys ADD COLUMN IF NOT EXISTS revoked_at BIGINT NOT NULL DEFAULT 0",
                // The leader lease (PostgresStore+Leadership.swift) and the epoch each entry was
                // appended under (0: by a writer without a lease).
                "CREATE TABLE IF NOT EXISTS \(schema).leadership (name TEXT PRIMARY KEY, holder TEXT NOT NULL, "
                    + "address TEXT NOT NULL, epoch BIGINT NOT NULL, expires_at TIMESTAMPTZ NOT NULL)",
                "ALTER TABLE \(schema).journal ADD COLUMN IF NOT EXISTS epoch BIGINT NOT NULL DEFAULT 0",
            ] {
                try await client.query(PostgresQuery(unsafeSQL: sql))
            }
        } catch {
            runner.cancel()
            throw StoreError.unavailable("\(host): \(String(reflecting: error))")
        }
        self.schema = schema
    }

    let schema: String
    /// The lease epoch appends are fenced by (0: none, as for a single service).
    let fenceEpoch = Mutex<UInt64>(0)

    public func append(_ entries: [JournalEntry]) async throws {
        guard let first = entries.first else { return }
        for (offset, entry) in entries.enumerated() where entry.sequence != first.sequence + UInt64(offset) {
            throw StoreError.outOfOrder(expected: first.sequence + UInt64(offset), got: entry.sequence)
        }
        let sequences = entries.map { Int64(bitPattern: $0.sequence) }
        let times = entries.map(\.time)
        let ids = entries.map { Int64(bitPattern: $0.commandID) }
        let commands = entries.map(\.command)
        let digests = entries.map(\.digest)
        // One statement, one round trip: the batch goes in only if it continues the journal
        // (its first sequence is one past the largest), all or nothing (a statement is its own
        // transaction). Two writers racing for the same sequence cannot both succeed: the primary
        // key makes the second wait for the first and fail, and neither can leave a gap. A fenced
        // writer's batch also needs its epoch to be the lease's: the row is read FOR SHARE, so a
        // new leader's taking of the lease waits for an append in flight, and an append that
        // starts after it sees the new epoch and inserts nothing.
        let epoch = fenceEpoch.withLock { $0 }
        // A writer without a lease (`solvent commit` with no service running) appends only while
        // no service holds a live one.
        let fence =
            epoch == 0
            ? "AND NOT EXISTS (SELECT 1 FROM \(schema).leadership WHERE expires_at > clock_timestamp())"
            : "AND EXISTS (SELECT 1 FROM \(schema).leadership WHERE name = 'journal' AND epoch = $7 FOR SHARE)"
        var query = PostgresQuery(
            unsafeSQL: """
                WITH inserted AS (
                  INSERT INTO \(schema).journal (sequence, time, command_id, command, digest, epoch)
                  SELECT u.*, \(epoch)
                  FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[]) AS u
                  WHERE (SELECT COALESCE(MAX(sequence), 0) FROM \(schema).journal) = $6 \(fence)
                  RETURNING 1)
                SELECT COUNT(*) FROM inserted
                """)
        query.binds.append(sequences)
        query.binds.append(times)
        query.binds.append(ids)
        query.binds.append(commands)
        query.binds.append(digests)
        query.binds.append(Int64(bitPattern: first.sequence) - 1)
        if epoch != 0 { query.binds.append(Int64(bitPattern: epoch)) }
        var inserted: Int64 = 0
        do {
            for try await count in try await client.query(query, logger: logger).decode(Int64.self) { inserted = count }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            // Another writer took these sequence numbers first.
            try await refuseIfDeposed(epoch)
            throw StoreError.outOfOrder(expected: try await lastSequence() + 1, got: first.sequence)
        }
        guard inserted == Int64(entries.count) else {
            try await refuseIfDeposed(epoch)
            throw StoreError.outOfOrder(expected: try await lastSequence() + 1, got: first.sequence)
        }
    }

    public func entries(after sequence: UInt64, limit: Int) async throws -> [JournalEntry] {
        var query = PostgresQuery(
            unsafeSQL:
                "SELECT sequence, time, command_id, command, digest FROM \(schema).journal WHERE sequence > $1 ORDER BY sequence LIMIT $2"
        )
        try query.binds.append(Int64(bitPattern: sequence))
        try query.binds.append(Int64(limit))
        var result: [JournalEntry] = []
        for try await (sequence, time, id, command, digest) in try await client.query(query, logger: logger).decode(
            (Int64, Int64, Int64, String, String).self)
        {
            result.append(
                JournalEntry(
                    sequence: UInt64(bitPattern: sequence), time: time, commandID: UInt64(bitPattern: id),
                    command: command, digest: digest))
        }
        return result
    }

    public func lastSequence() async throws -> UInt64 {
        var last: Int64 = 0
        for try await value in try await client.query(
            PostgresQuery(unsafeSQL: "SELECT COALESCE(MAX(sequence), 0) FROM \(schema).journal"), logger: logger
        ).decode(Int64.self) {
            last = value
        }
        return UInt64(bitPattern: last)
    }

    public func saveSnapshot(_ snapshot: Snapshot) async throws {
        var query = PostgresQuery(
            unsafeSQL:
                "INSERT INTO \(schema).snapshots (sequence, digest, state) VALUES ($1, $2, $3) ON CONFLICT (sequence) DO UPDATE SET digest = EXCLUDED.digest, state = EXCLUDED.state"
        )
        try query.binds.append(Int64(bitPattern: snapshot.sequence))
        try query.binds.append(snapshot.digest)
        try query.binds.append(snapshot.state)
        try await client.query(query, logger: logger)
    }

    public func latestSnapshot() async throws -> Snapshot? {
        try await snapshot(atOrBefore: UInt64(Int64.max))
    }

    public func snapshot(atOrBefore sequence: UInt64) async throws -> Snapshot? {
        var query = PostgresQuery(
            unsafeSQL:
                "SELECT sequence, digest, state FROM \(schema).snapshots WHERE sequence <= $1 ORDER BY sequence DESC LIMIT 1"
        )
        try query.binds.append(Int64(bitPattern: sequence))
        for try await (sequence, digest, state) in try await client.query(query, logger: logger).decode(
            (Int64, String, Data).self)
        {
            return Snapshot(sequence: UInt64(bitPattern: sequence), digest: digest, state: state)
        }
        return nil
    }

    public func saveKey(_ key: StoredKey) async throws {
        var query = PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(schema).api_keys (hash, role, account, label, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (hash) DO UPDATE SET role = EXCLUDED.role, account = EXCLUDED.account, label = EXCLUDED.label,
                  created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, revoked_at = EXCLUDED.revoked_at
                """)
        try query.binds.append(key.hash)
        try query.binds.append(key.role)
        try query.binds.append(Int64(bitPattern: key.account))
        try query.binds.append(key.label)
        try query.binds.append(key.createdAt)
        try query.binds.append(key.expiresAt)
        try query.binds.append(key.revokedAt)
        try await client.query(query, logger: logger)
    }

    public func key(hash: String) async throws -> StoredKey? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.keyColumns) FROM \(schema).api_keys WHERE hash = $1")
        try query.binds.append(hash)
        return try await storedKeys(query).first
    }

    public func keys(limit: Int) async throws -> [StoredKey] {
        var query = PostgresQuery(
            unsafeSQL: "SELECT \(Self.keyColumns) FROM \(schema).api_keys ORDER BY created_at, hash LIMIT $1")
        try query.binds.append(Int64(limit))
        return try await storedKeys(query)
    }

    static let keyColumns = "hash, role, account, label, created_at, expires_at, revoked_at"

    func storedKeys(_ query: PostgresQuery) async throws -> [StoredKey] {
        var result: [StoredKey] = []
        for try await (hash, role, account, label, created, expires, revoked) in try await client.query(
            query, logger: logger
        )
        .decode((String, String, Int64, String, Int64, Int64, Int64).self) {
            result.append(
                StoredKey(
                    hash: hash, role: role, account: UInt64(bitPattern: account), label: label,
                    createdAt: created, expiresAt: expires, revokedAt: revoked))
        }
        return result
    }

    public func setting(_ name: String) async throws -> String? {
        var query = PostgresQuery(unsafeSQL: "SELECT value FROM \(schema).settings WHERE name = $1")
        try query.binds.append(name)
        for try await value in try await client.query(query, logger: logger).decode(String.self) { return value }
        return nil
    }

    public func saveSetting(_ name: String, _ value: String) async throws {
        var query = PostgresQuery(
            unsafeSQL:
                "INSERT INTO \(schema).settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
        )
        try query.binds.append(name)
        try query.binds.append(value)
        try await client.query(query, logger: logger)
    }

    public func close() async throws {
        runner.cancel()
    }

    /// Drops a test schema and everything in it.
    public func dropSchema() async throws {
        try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"), logger: logger)
    }
}
#endif
