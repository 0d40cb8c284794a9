import Foundation

/// One journaled input: what the sequencer gave the engine, in the order it gave it. Replaying
/// the entries in order on a fresh engine rebuilds the state (DESIGN.md §4); `digest`, present
/// at checkpoints, is the state digest right after this input, so a replay can prove it.
public struct JournalEntry: Hashable, Sendable {
    public var sequence: UInt64
    /// Nanoseconds since 1970 (the input's timestamp).
    public var time: Int64
    /// The client's idempotency key (0: none).
    public var commandID: UInt64
    /// The command, as JSON (`JournalCodec`).
    public var command: String
    /// The state digest (hex) after this input, or "" between checkpoints.
    public var digest: String

    public init(sequence: UInt64, time: Int64, commandID: UInt64, command: String, digest: String = "") {
        self.sequence = sequence
        self.time = time
        self.commandID = commandID
        self.command = command
        self.digest = digest
    }
}

/// The engine's whole state at a sequence number, with its digest.
public struct Snapshot: Hashable, Sendable {
    public var sequence: UInt64
    public var digest: String
    public var state: Data

    public init(sequence: UInt64, digest: String, state: Data) {
        self.sequence = sequence
        self.digest = digest
        self.state = state
    }
}

/// An API key as stored: never the key itself, only its SHA-256 (hex), with its lifecycle.
/// Times are seconds since 1970; 0 means "not set" (a key saved before the lifecycle columns
/// existed reads back as created at 0, never expiring, not revoked).
public struct StoredKey: Hashable, Sendable {
    public var hash: String
    public var role: String
    /// The account a trader, liquidator or backstop key acts for (0: none).
    public var account: UInt64
    public var label: String
    public var createdAt: Int64
    /// The key is refused from this second on (0: never expires).
    public var expiresAt: Int64
    /// When the key was revoked (0: not revoked). Revoked keys stay listed for the audit trail.
    public var revokedAt: Int64

    public init(
        hash: String, role: String, account: UInt64, label: String, createdAt: Int64 = 0, expiresAt: Int64 = 0,
        revokedAt: Int64 = 0
    ) {
        self.hash = hash
        self.role = role
        self.account = account
        self.label = label
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// The key's public name: the first 16 hex digits of its hash. It names the key in lists
    /// and in revocation without revealing the secret or the full hash.
    public var id: String { String(hash.prefix(StoredKey.idLength)) }
    public static let idLength = 16

    /// Whether the key is refused at `now` (seconds since 1970): revoked, or past its expiry.
    public func isUsable(at now: Int64) -> Bool { revokedAt == 0 && (expiresAt == 0 || now < expiresAt) }
}

public enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An append that does not continue the journal (a gap or a repeated sequence).
    case outOfOrder(expected: UInt64, got: UInt64)
    case corrupt(String)
    case unavailable(String)
    /// Something asked of the store that it does not hold (a root for a sequence, say).
    case notFound(String)
    /// This service follows the journal's leader (a standby): it takes no input.
    case standby(leader: String)
    /// The leader lease passed to another holder: this writer's appends are refused.
    case deposed(String)

    public var description: String {
        switch self {
        case .outOfOrder(let expected, let got):
            return "journal append out of order: expected sequence \(expected), got \(got)"
        case .corrupt(let detail): return "the store is corrupt: \(detail)"
        case .unavailable(let detail): return "the store is unavailable: \(detail)"
        case .notFound(let detail): return detail
        case .standby(let leader):
            return leader.isEmpty
                ? "this service is a standby following the journal's leader; no leader holds the lease now"
                : "this service is a standby following the journal's leader at \(leader): send inputs there"
        case .deposed(let detail): return "this service no longer leads the journal: \(detail)"
        }
    }
}

/// Where the journal, snapshots and API keys live. Every backend passes the same conformance
/// suite (`StoreConformance` in the tests).
///
/// Durability promise: when `append` returns, its entries are committed in one transaction
/// (SQLite: WAL with `synchronous = FULL`, an fsync per commit; PostgreSQL: a committed
/// transaction with the server's `synchronous_commit`); the service acknowledges an input only
/// after the batch holding it is committed. Entries are appended in sequence order, with no gap.
public protocol JournalStore: Sendable {
    /// Appends consecutive entries (the first must follow `lastSequence()`) in one transaction.
    func append(_ entries: [JournalEntry]) async throws
    /// Up to `limit` entries with sequence > `sequence`, in order.
    func entries(after sequence: UInt64, limit: Int) async throws -> [JournalEntry]
    /// The last journaled sequence (0 when empty).
    func lastSequence() async throws -> UInt64
    func saveSnapshot(_ snapshot: Snapshot) async throws
    /// The snapshot with the highest sequence.
    func latestSnapshot() async throws -> Snapshot?
    /// The snapshot at or before a sequence.
    func snapshot(atOrBefore sequence: UInt64) async throws -> Snapshot?
    /// Inserts a key, or replaces the one with the same hash (how revocation and expiry are saved).
    func saveKey(_ key: StoredKey) async throws
    func key(hash: String) async throws -> StoredKey?
    /// Every stored key (revoked and expired ones included), oldest first, at most `limit`.
    func keys(limit: Int) async throws -> [StoredKey]
    /// Named values the service keeps beside the journal (the commitment secret).
    func setting(_ name: String) async throws -> String?
    func saveSetting(_ name: String, _ value: String) async throws
    func close() async throws
}
