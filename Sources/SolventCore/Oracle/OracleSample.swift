/// A price source of a market's index (an exchange's spot book, a perpetual, another venue's mark).
public struct SourceID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: SourceID, rhs: SourceID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One source's price, observed at `time` (the source's timestamp, not the arrival time).
public struct OracleSample: Hashable, Sendable, Codable {
    public var source: SourceID
    public var price: Price
    public var time: Timestamp

    public init(source: SourceID, price: Price, time: Timestamp) {
        self.source = source
        self.price = price
        self.time = time
    }
}

/// Why a sample did not count toward the index.
public enum SampleExclusion: Hashable, Sendable, CustomStringConvertible, Codable {
    /// Older than the market's limit: `age` nanoseconds.
    case stale(age: Int64)
    /// Farther from the median of the fresh samples than the band: `deviation` as a rate.
    case outlier(deviation: Rate)
    /// Not a positive price.
    case invalid
    /// A source the market does not list (or listed twice in one update).
    case unknownSource

    public var description: String {
        switch self {
        case .stale(let age): "stale(\(age / 1_000_000_000)s)"
        case .outlier(let deviation): "outlier(\(deviation))"
        case .invalid: "invalid"
        case .unknownSource: "unknown"
        }
    }
}
