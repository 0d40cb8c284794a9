/// An account, chosen by the venue (dense small integers keep the hot-path tables compact).
/// `AccountID.venue` (0) is the venue's own book: the counterparty of fills "against the venue",
/// exempt from margin checks, and included in open-interest symmetry.
public struct AccountID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public static let venue = AccountID(0)
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: AccountID, rhs: AccountID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A market (one instrument), chosen by the venue.
public struct MarketID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: MarketID, rhs: MarketID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An asset (USDT, BTC, ...), chosen by the venue.
public struct AssetID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: AssetID, rhs: AssetID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The client's idempotency key for a command: a repeated id is rejected, never applied twice.
public struct CommandID: Hashable, Sendable, CustomStringConvertible, Codable {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// Engine time in nanoseconds since the Unix epoch, assigned by the sequencer (never read from a
/// clock inside the engine).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public init(seconds: Int64) { self.nanoseconds = seconds * 1_000_000_000 }
    public var description: String { String(nanoseconds) }
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
