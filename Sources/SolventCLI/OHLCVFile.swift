import Foundation
import SolventCore

/// One bar of a `timestamp,open,high,low,close,volume` file (../shared/data/README.md): the
/// timestamp is the bar's open time, ISO-8601 UTC.
public struct OHLCVBar: Hashable, Sendable {
    public var time: Timestamp
    public var open: Price
    public var high: Price
    public var low: Price
    public var close: Price
    /// Traded volume in units of the underlying; nil where the file has no volume column.
    public var volume: Double? = nil
}

/// Reads OHLCV CSV files strictly: every problem names the file and line.
public enum OHLCVFile {
    /// `maximumPrice`: the highest price the caller can run (the simulator's price range); a bar
    /// above it is refused naming its line and column.
    public static func load(
        path: String, from: Timestamp? = nil, to: Timestamp? = nil, maximumPrice: Int64 = .max
    ) throws -> [OHLCVBar] {
        let lines = try CSVText.lines(ofFile: path)
        guard let header = lines.first else {
            throw InputError("\(path):1", "empty file; expected the header timestamp,open,high,low,close,volume")
        }
        let columns = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var position: [String: Int] = [:]
        for name in ["timestamp", "open", "high", "low", "close"] {
            guard let index = columns.firstIndex(of: name) else {
                throw InputError(
                    "\(path):1", "missing column \"\(name)\"; expected the header timestamp,open,high,low,close,volume")
            }
            position[name] = index
        }
        var bars: [OHLCVBar] = []
        bars.reserveCapacity(lines.count)
        for (offset, line) in lines.enumerated().dropFirst() {
            let location = "\(path):\(offset + 1)"
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= columns.count else {
                throw InputError(location, "expected \(columns.count) fields, found \(fields.count)")
            }
            guard let time = parseTimestamp(fields[position["timestamp"]!]) else {
                throw InputError(
                    location,
                    "timestamp: expected an ISO-8601 UTC time from 1970 to 2099 such as 2020-03-12T00:00:00Z, got \"\(fields[position["timestamp"]!])\""
                )
            }
            func price(_ name: String) throws -> Price {
                let text = String(fields[position[name]!])
                guard let atoms = DecimalText.parseRounded(text, scale: Price.scale), atoms > 0 else {
                    throw InputError(location, "\(name): expected a positive price, got \"\(text)\"")
                }
                guard atoms <= maximumPrice else {
                    throw InputError(
                        location, "\(name): expected a price at most \(Price(atoms: maximumPrice)), got \"\(text)\"")
                }
                return Price(atoms: atoms)
            }
            var bar = OHLCVBar(
                time: time, open: try price("open"), high: try price("high"), low: try price("low"),
                close: try price("close"))
            if let index = columns.firstIndex(of: "volume") {
                let text = fields[index].trimmingCharacters(in: .whitespaces)
                guard let volume = Double(text), volume.isFinite, volume >= 0 else {
                    throw InputError(location, "volume: expected a non-negative number, got \"\(text)\"")
                }
                bar.volume = volume
            }
            if let previous = bars.last?.time, time <= previous {
                throw InputError(
                    location,
                    time == previous
                        ? "duplicate timestamp \(fields[position["timestamp"]!])"
                        : "timestamps out of order: \(fields[position["timestamp"]!]) after an earlier row with a later time"
                )
            }
            if bar.high < max(bar.open, bar.close, bar.low) || bar.low > min(bar.open, bar.close) {
                throw InputError(location, "high/low do not bracket open and close")
            }
            if let from, time < from { continue }
            if let to, time >= to { continue }
            bars.append(bar)
        }
        return bars
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (optionally with fractional seconds) → nanoseconds since 1970.
    public static func parseTimestamp<S: StringProtocol>(_ text: S) -> Timestamp? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58, bytes[16] == 58,
            bytes.last == 90
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard bytes[index] >= 48, bytes[index] <= 57 else { return nil }
                value = value * 10 + Int64(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        // Days from civil (Howard Hinnant's algorithm): exact for the proleptic Gregorian calendar.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        // Price history lies in the years 1970 to 2099: nanoseconds since 1970 that are never
        // negative and stay below a quarter of 64 bits, so the replays' differences and
        // extrapolated bar ends (a time plus the bar's length) cannot overflow.
        guard (1970...2099).contains(year) else { return nil }
        return Timestamp(seconds: days * 86_400 + hour * 3_600 + minute * 60 + second)
    }

    /// Formats a timestamp as `YYYY-MM-DDTHH:MM:SSZ`.
    public static func formatTimestamp(_ time: Timestamp) -> String {
        let seconds = time.nanoseconds / 1_000_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(rest / 3_600)):\(two(rest % 3_600 / 60)):\(two(rest % 60))Z"
    }
}
