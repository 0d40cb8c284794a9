import Foundation
import SolventCore
import SolventSimulation

/// Reads a funding-rate file (`timestamp,funding_rate`, ../shared/data/funding): one settlement
/// per row, the rate a fraction of notional (longs pay shorts when positive), in plain or
/// scientific notation. Strict: every problem names the file and line.
public enum FundingFile {
    public typealias Point = CascadeSimulator.FundingPoint

    public static func load(path: String, from: Timestamp? = nil, to: Timestamp? = nil) throws -> [Point] {
        let lines = try CSVText.lines(ofFile: path)
        let header = lines.first.map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        }
        guard header == ["timestamp", "funding_rate"] else {
            throw InputError("\(path):1", "expected the header timestamp,funding_rate")
        }
        var points: [Point] = []
        for (offset, line) in lines.enumerated().dropFirst() {
            let location = "\(path):\(offset + 1)"
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2 else { throw InputError(location, "expected 2 fields, found \(fields.count)") }
            guard let time = OHLCVFile.parseTimestamp(fields[0]) else {
                throw InputError(
                    location,
                    "timestamp: expected an ISO-8601 UTC time such as 2020-03-12T08:00:00Z, got \"\(fields[0])\"")
            }
            let rateText = fields[1].trimmingCharacters(in: .whitespaces)
            guard let rate = rateAtoms(rateText) else {
                throw InputError(
                    location, "funding_rate: expected a rate from -0.1 to 0.1 in steps of 10⁻⁹, got \"\(rateText)\"")
            }
            if let previous = points.last?.time, time <= previous {
                throw InputError(location, "timestamp: expected times in increasing order, \(time) follows \(previous)")
            }
            if let from, time < from { continue }
            if let to, time > to { continue }
            points.append(.init(time: time, rate: Rate(atoms: rate)))
        }
        return points
    }

    /// The rate in Rate atoms (10⁻⁹), if the text is a number (plain or scientific notation)
    /// within ±0.1 (the engine's bound on one settlement) that 10⁻⁹ represents exactly; a finer
    /// rate is refused rather than rounded.
    public static func rateAtoms(_ text: String) -> Int64? {
        guard
            text.range(of: #"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$"#, options: .regularExpression)
                != nil,
            let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), value.isFinite,
            abs(value) <= Decimal(string: "0.1")!
        else { return nil }
        var scaled = value * Decimal(Rate.oneAtoms)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled else { return nil }
        return NSDecimalNumber(decimal: rounded).int64Value
    }
}
