import Foundation
import SolventRisk

/// A Deribit option-chain snapshot as in ../shared/data/options (one row per instrument, from
/// Deribit's public book summary and ticker; the data README lists the columns). Rows that cannot
/// be used — an unreadable number, no implied volatility, expired — are kept out with their line
/// and reason, never silently.
public struct DeribitSnapshot: Sendable {
    public struct Quote: Sendable {
        public var instrument: String
        public var currency: String
        public var right: OptionRight
        public var strike: Double
        /// The expiry as the snapshot writes it (ISO-8601), and the time to it in years.
        public var expiry: String
        public var years: Double
        /// Deribit's mark IV as a fraction, its delta, and the underlying future's (or synthetic
        /// forward's) price for this expiry; the spot index.
        public var volatility: Double
        public var delta: Double
        public var forward: Double
        public var index: Double
        /// The mark in coin (Deribit's inverse convention).
        public var markInCoin: Double
    }

    public var quotes: [Quote]
    public var skipped: [(line: Int, reason: String)]
    /// The collection time of the first row.
    public var timestamp: String

    static let columns = ["instrument_name", "option_type", "strike", "expiry_datetime", "time_to_maturity", "mark_price",
                          "futures_price", "implied_volatility", "delta", "currency", "index_price", "timestamp"]

    public static func load(path: String) throws -> DeribitSnapshot {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(path, "cannot read the file") }
        return try parse(String(decoding: data, as: UTF8.self), name: path)
    }

    public static func parse(_ text: String, name: String) throws -> DeribitSnapshot {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard let headerLine = lines.first, !headerLine.isEmpty else { throw InputError(name, "empty file: expected a header line") }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var position: [String: Int] = [:]
        for column in columns {
            guard let index = header.firstIndex(of: column) else {
                throw InputError("\(name): line 1", "missing column \(column) (a Deribit snapshot has \(columns.joined(separator: ", ")))")
            }
            position[column] = index
        }
        var snapshot = DeribitSnapshot(quotes: [], skipped: [], timestamp: "")
        for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let number = offset + 1
            guard fields.count == header.count else {
                snapshot.skipped.append((number, "\(fields.count) fields, the header has \(header.count)"))
                continue
            }
            func field(_ column: String) -> String { fields[position[column]!] }
            func value(_ column: String) -> Double? { Double(field(column)).flatMap { $0.isFinite ? $0 : nil } }
            guard let right = OptionRight(rawValue: field("option_type")) else {
                snapshot.skipped.append((number, "option_type: expected call or put, got \(field("option_type"))"))
                continue
            }
            var missing: String?
            for column in ["strike", "time_to_maturity", "mark_price", "futures_price", "implied_volatility", "delta", "index_price"]
            where value(column) == nil {
                missing = missing ?? column
            }
            if let missing {
                snapshot.skipped.append((number, "\(missing): not a number (\(field(missing)))"))
                continue
            }
            let quote = Quote(instrument: field("instrument_name"), currency: field("currency"), right: right, strike: value("strike")!,
                              expiry: field("expiry_datetime"), years: value("time_to_maturity")!, volatility: value("implied_volatility")!,
                              delta: value("delta")!, forward: value("futures_price")!, index: value("index_price")!,
                              markInCoin: value("mark_price")!)
            guard quote.years > 0, quote.volatility > 0, quote.strike > 0, quote.forward > 0, quote.index > 0 else {
                snapshot.skipped.append((number, "\(quote.instrument): no positive time, volatility, strike or price to value it"))
                continue
            }
            if snapshot.timestamp.isEmpty { snapshot.timestamp = field("timestamp") }
            snapshot.quotes.append(quote)
        }
        guard !snapshot.quotes.isEmpty else { throw InputError(name, "no usable option rows") }
        return snapshot
    }

    /// The currencies quoted, sorted.
    public var currencies: [String] { Array(Set(quotes.map(\.currency))).sorted() }
}
