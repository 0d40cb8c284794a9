import Foundation
import GRDB
import SolventCore
import Testing

@testable import SolventStore

#if PostgreSQL
import PostgresNIO
#endif

/// One conformance suite for every store backend: SQLite always; PostgreSQL when
/// `SOLVENT_TEST_POSTGRES` names a server (`.ci/run` starts one), otherwise reported as skipped
/// with the reason. Each test gets a fresh database (a temporary file, or a fresh schema).
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    /// The server to test against: none unless `SOLVENT_TEST_POSTGRES` names one and the build has
    /// the `PostgreSQL` trait (`swift test --traits PostgreSQL`).
    static let postgresURL =
        PostgresStore.isAvailable ? ProcessInfo.processInfo.environment["SOLVENT_TEST_POSTGRES"] : nil
    /// The backends this run can test: PostgreSQL only with a server named (its absence is
    /// reported once, as a skipped test, by `PostgreSQLBackendTests`).
    static var available: [Backend] { postgresURL == nil ? [.sqlite] : allCases }

    /// A fresh store, and how to open the same data again (a second process would do the same).
    func make(_ name: String) async throws -> (store: JournalStore, reopen: () async throws -> JournalStore)? {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "solvent-store-\(name)-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).db"
            ).path
            return (try SQLiteStore(path: path), { try SQLiteStore(path: path) })
        case .postgres:
            guard let url = Backend.postgresURL else { return nil }
            let schema =
                "t_\(name.lowercased().filter { $0.isLetter || $0.isNumber })_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
            let store = try await PostgresStore(url: url, schema: schema)
            return (store, { try await PostgresStore(url: url, schema: schema) })
        }
    }
}

func entries(_ range: ClosedRange<UInt64>) -> [JournalEntry] {
    range.map {
        JournalEntry(
            sequence: $0, time: Int64($0) * 1_000, commandID: $0 % 3 == 0 ? $0 : 0,
            command: #"{"tick":{}}"#, digest: $0 % 10 == 0 ? "digest-\($0)" : "")
    }
}

@Suite struct StoreConformanceTests {
    @Test(arguments: Backend.available)
    func appendsReadBackInOrderAndPersist(backend: Backend) async throws {
        guard let (store, reopen) = try await backend.make("append") else {
            print("SOLVENT_TEST_POSTGRES is not set: PostgreSQL conformance skipped"); return
        }
        #expect(try await store.lastSequence() == 0)
        try await store.append(entries(1...3))
        try await store.append(entries(4...250))  // group commit: one transaction
        #expect(try await store.lastSequence() == 250)
        let page = try await store.entries(after: 100, limit: 50)
        #expect(page == entries(101...150))
        #expect(try await store.entries(after: 250, limit: 10).isEmpty)
        try await store.close()
        let again = try await reopen()
        #expect(try await again.lastSequence() == 250)
        #expect(try await again.entries(after: 0, limit: 1_000) == entries(1...250))
        try await again.close()
    }

    @Test(arguments: Backend.available)
    func outOfOrderAppendsAreRefusedWhole(backend: Backend) async throws {
        guard let (store, _) = try await backend.make("order") else { return }
        try await store.append(entries(1...5))
        await #expect(throws: StoreError.outOfOrder(expected: 6, got: 7)) { try await store.append(entries(7...8)) }
        await #expect(throws: StoreError.outOfOrder(expected: 6, got: 5)) { try await store.append(entries(5...6)) }
        // A batch with a gap inside is refused whole: nothing of it is written.
        await #expect(throws: (any Error).self) { try await store.append(entries(6...7) + entries(9...9)) }
        #expect(try await store.lastSequence() == 5)
        try await store.append(entries(6...6))
        #expect(try await store.lastSequence() == 6)
        try await store.close()
    }

    @Test(arguments: Backend.available)
    func snapshotsAndKeys(backend: Backend) async throws {
        guard let (store, reopen) = try await backend.make("snapshots") else { return }
        #expect(try await store.latestSnapshot() == nil)
        let bytes = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try await store.saveSnapshot(Snapshot(sequence: 10, digest: "a", state: Data("ten".utf8)))
        try await store.saveSnapshot(Snapshot(sequence: 20, digest: "b", state: bytes))
        #expect(try await store.latestSnapshot() == Snapshot(sequence: 20, digest: "b", state: bytes))
        #expect(try await store.snapshot(atOrBefore: 19)?.sequence == 10)
        #expect(try await store.snapshot(atOrBefore: 9) == nil)
        let key = StoredKey(hash: String(repeating: "ab", count: 32), role: "trader", account: 42, label: "alice")
        try await store.saveKey(key)
        #expect(try await store.key(hash: key.hash) == key)
        #expect(try await store.key(hash: "missing") == nil)
        #expect(try await store.setting("commitment-secret") == nil)
        try await store.saveSetting("commitment-secret", "abc")
        try await store.saveSetting("commitment-secret", "def")
        #expect(try await store.setting("commitment-secret") == "def")
        try await store.close()
        let again = try await reopen()
        #expect(try await again.key(hash: key.hash) == key)
        #expect(try await again.latestSnapshot()?.state == bytes)
        #expect(try await again.setting("commitment-secret") == "def")
        try await again.close()
    }

    @Test(arguments: Backend.available)
    func keysKeepTheirLifecycleAndList(backend: Backend) async throws {
        guard let (store, reopen) = try await backend.make("keylife") else { return }
        let admin = StoredKey(
            hash: String(repeating: "0a", count: 32), role: "admin", account: 0, label: "ops", createdAt: 1_000)
        var keeper = StoredKey(
            hash: String(repeating: "0b", count: 32), role: "liquidator", account: 900, label: "keeper",
            createdAt: 2_000, expiresAt: 90_000)
        try await store.saveKey(keeper)
        try await store.saveKey(admin)
        #expect(try await store.keys(limit: 10) == [admin, keeper], "oldest first")
        #expect(try await store.keys(limit: 1) == [admin])
        // Revocation is a replace of the same hash.
        keeper.revokedAt = 3_000
        try await store.saveKey(keeper)
        #expect(try await store.key(hash: keeper.hash) == keeper)
        #expect(keeper.id == String(repeating: "0b", count: 8))
        #expect(!keeper.isUsable(at: 3_001) && admin.isUsable(at: 3_001))
        try await store.close()
        let again = try await reopen()
        #expect(try await again.keys(limit: 10) == [admin, keeper])
        try await again.close()
    }

    /// A database written before keys had a lifecycle opens, and its keys read back as never
    /// expiring and not revoked.
    @Test(arguments: Backend.available)
    func keysFromBeforeTheLifecycleStayReadable(backend: Backend) async throws {
        guard let (store, reopen) = try await backend.make("keyold") else { return }
        let hash = String(repeating: "cd", count: 32)
        let oldTable =
            "CREATE TABLE api_keys (hash TEXT PRIMARY KEY, role TEXT NOT NULL, account BIGINT NOT NULL, label TEXT NOT NULL)"
        let oldRow = "INSERT INTO api_keys (hash, role, account, label) VALUES ('\(hash)', 'trader', 7, 'old')"
        switch store {
        case let sqlite as SQLiteStore:
            try await sqlite.pool.write { db in
                try db.execute(sql: "DROP TABLE api_keys")
                try db.execute(sql: oldTable)
                try db.execute(sql: oldRow)
            }
        #if PostgreSQL
        case let postgres as PostgresStore:
            for sql in [
                "DROP TABLE \(postgres.schema).api_keys",
                oldTable.replacingOccurrences(of: "api_keys", with: "\(postgres.schema).api_keys"),
                oldRow.replacingOccurrences(of: "api_keys", with: "\(postgres.schema).api_keys"),
            ] {
                try await postgres.client.query(PostgresQuery(unsafeSQL: sql))
            }
        #endif
        default: Issue.record("unknown backend")
        }
        try await store.close()
        let again = try await reopen()
        #expect(try await again.key(hash: hash) == StoredKey(hash: hash, role: "trader", account: 7, label: "old"))
        var revoked = try #require(try await again.key(hash: hash))
        revoked.revokedAt = 5
        try await again.saveKey(revoked)
        #expect(try await again.keys(limit: 10) == [revoked])
        try await again.close()
    }
}

/// Reported as skipped, with the reason, when no PostgreSQL server is named: the runner's count
/// then says the PostgreSQL cases of the store suites did not run, instead of counting them as
/// passed.
@Suite struct PostgreSQLBackendTests {
    @Test(
        .enabled(
            if: Backend.postgresURL != nil,
            "no PostgreSQL (needs SOLVENT_TEST_POSTGRES and swift test --traits PostgreSQL): its cases skip"
        ))
    func theServerIsReachableAndHoldsAJournal() async throws {
        let store = try await PostgresStore(
            url: Backend.postgresURL!, schema: "t_reach_\(getpid())_\(UInt32.random(in: 0...UInt32.max))")
        try await store.append(entries(1...3))
        #expect(try await store.lastSequence() == 3)
        try await store.close()
    }
}
