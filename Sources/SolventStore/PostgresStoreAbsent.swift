#if !PostgreSQL
/// A build without the `PostgreSQL` package trait (the default, which spares the embedded SQLite
/// deployment PostgresNIO and its TLS stack): the PostgreSQL store is absent, and asking for it
/// says how to build it (`swift build --traits PostgreSQL`) instead of failing obscurely.
public final class PostgresStore: LeaderElection {
    /// Whether this build can reach PostgreSQL.
    public static let isAvailable = false
    static let absence = StoreError.unavailable(
        "this build of Solvent has no PostgreSQL support: build it with `swift build --traits PostgreSQL`"
            + " (SQLite, --db, needs nothing)")

    public init(url: String, schema: String = "public") async throws { throw Self.absence }

    public func append(_ entries: [JournalEntry]) async throws { throw Self.absence }
    public func entries(after sequence: UInt64, limit: Int) async throws -> [JournalEntry] { throw Self.absence }
    public func lastSequence() async throws -> UInt64 { throw Self.absence }
    public func saveSnapshot(_ snapshot: Snapshot) async throws { throw Self.absence }
    public func latestSnapshot() async throws -> Snapshot? { throw Self.absence }
    public func snapshot(atOrBefore sequence: UInt64) async throws -> Snapshot? { throw Self.absence }
    public func saveKey(_ key: StoredKey) async throws { throw Self.absence }
    public func key(hash: String) async throws -> StoredKey? { throw Self.absence }
    public func keys(limit: Int) async throws -> [StoredKey] { throw Self.absence }
    public func setting(_ name: String) async throws -> String? { throw Self.absence }
    public func saveSetting(_ name: String, _ value: String) async throws { throw Self.absence }
    public func close() async throws {}
    public func dropSchema() async throws { throw Self.absence }
    public func takeLeadership(holder: String, address: String, lease: Duration) async throws -> UInt64? {
        throw Self.absence
    }
    public func renewLeadership(holder: String, epoch: UInt64, lease: Duration) async throws -> Bool {
        throw Self.absence
    }
    public func resignLeadership(holder: String, epoch: UInt64) async throws { throw Self.absence }
    public func leader() async throws -> LeaseHolder? { throw Self.absence }
    public func fence(epoch: UInt64) {}
}
#endif
