import Foundation
import SolventCore
import SolventRisk
import SolventSimulation

/// A Deribit option-chain snapshot as in ../shared/data/options (one row per instrument, from
/// Deribit's public book summary and ticker; the data README lists the columns). Rows that cannot
/// be used — an unreadable number, no implied volatility, expired — are kept out with their line
/// and reason, never silently.
public struct DeribitSnapshot: Sendable {
    /// A row: the instrument and the figures the study and the mark checks read.
    public typealias Quote = OptionQuote

    public var quotes: [Quote]
    public var skipped: [(line: Int, reason: String)]
    /// The collection time of the first row.
    public var timestamp: String

    static let columns = [
        "instrument_name", "option_type", "strike", "expiry_datetime", "time_to_maturity", "mark_price",
        "futures_price", "implied_volatility", "delta", "currency", "index_price", "timestamp",
    ]

    /// The largest price the engine holds (8 decimals in 64 bits), with room for its scenarios.
    static let largestPrice = 1e10

    /// The first column of a quote outside the engine's ranges (8-decimal prices,
    /// `Limits.volatilityMaximum`), with its range: such a row is kept out naming the column.
    static func outOfRange(_ quote: Quote) -> (String, ClosedRange<Double>)? {
        let price = 1e-8...largestPrice
        let ranges: [(String, ClosedRange<Double>, Double)] = [
            ("strike", price, quote.strike), ("time_to_maturity", 1e-6...100, quote.years),
            ("implied_volatility", 0...Limits.volatilityMaximum.fraction, quote.volatility),
            ("delta", -1...1, quote.delta), ("futures_price", price, quote.forward),
            ("index_price", price, quote.index), ("mark_price", 0...1e15, quote.markInCoin),
        ]
        return ranges.first { !$0.1.contains($0.2) }.map { ($0.0, $0.1) }
    }

    public static func load(path: String) throws -> DeribitSnapshot {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(path, "cannot read the file")
        }
        return try parse(String(decoding: data, as: UTF8.self), name: path)
    }

    public static func parse(_ text: String, name: String) throws -> DeribitSnapshot {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        guard let headerLine = lines.first, !headerLine.isEmpty else {
            throw InputError(name, "empty file: expected a header line")
        }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var position: [String: Int] = [:]
        for column in columns {
            guard let index = header.firstIndex(of: column) else {
                throw InputError(
                    "\(name): line 1",
                    "missing column \(column) (a Deribit snapshot has \(columns.joined(separator: ", ")))")
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
            for column in [
                "strike", "time_to_maturity", "mark_price", "futures_price", "implied_volatility", "delta",
                "index_price",
            ]
            where value(column) == nil {
                missing = missing ?? column
            }
            if let missing {
                snapshot.skipped.append((number, "\(missing): not a number (\(field(missing)))"))
                continue
            }
            let quote = Quote(
                instrument: field("instrument_name"), currency: field("currency"), right: right,
                strike: value("strike")!,
                expiry: field("expiry_datetime"), years: value("time_to_maturity")!,
                volatility: value("implied_volatility")!,
                delta: value("delta")!, forward: value("futures_price")!, index: value("index_price")!,
                markInCoin: value("mark_price")!)
            guard quote.years > 0, quote.volatility > 0, quote.strike > 0, quote.forward > 0, quote.index > 0 else {
                snapshot.skipped.append(
                    (number, "\(quote.instrument): no positive time, volatility, strike or price to value it"))
                continue
            }
            if let (column, range) = Self.outOfRange(quote) {
                snapshot.skipped.append(
                    (
                        number,
                        "\(column): expected a number from \(range.lowerBound) to \(range.upperBound), got \(field(column))"
                    ))
                continue
            }
            // A forward whose carry over the index passes ±10 a year is a broken row.
            guard abs(Double.log(quote.forward / quote.index) / quote.years) <= 10 else {
                snapshot.skipped.append(
                    (
                        number,
                        "futures_price: expected a forward whose carry over index_price is within ±10 a year, got \(field("futures_price"))"
                    ))
                continue
            }
            if snapshot.timestamp.isEmpty { snapshot.timestamp = field("timestamp") }
            snapshot.quotes.append(quote)
        }
        guard !snapshot.quotes.isEmpty else { throw InputError(name, "no usable option rows") }
        return snapshot
    }
}
