import SolventRisk

/// The CSV tables of `solvent price` and `solvent implied-vol`: a header naming the columns
/// `right,spot,strike,years,rate` plus `volatility` (pricing) or `price` (implied volatility),
/// and optionally `dividend` (0 when absent; Black-76 is spot = forward and dividend = rate).
/// Other columns pass through. Blank lines and lines starting with `#` are skipped.
public enum OptionTable {
    public enum Solving: Sendable {
        case price
        case impliedVolatility
    }

    public struct Row: Sendable {
        /// 1-based line number in the file.
        public var line: Int
        /// The row's fields as written (echoed to the output).
        public var fields: [String]
        public var option: EuropeanOption
        /// The quoted price (implied volatility only).
        public var price: Double?
    }

    public struct Parsed: Sendable {
        public var header: [String]
        public var rows: [Row]
        /// Rows that could not be read, with their line and field.
        public var rejected: [InputError]
    }

    /// Reads a table. A missing or unusable header is an error for the whole file; a bad row is
    /// listed in `rejected` and the others are kept.
    public static func parse(_ text: String, file: String, for solving: Solving) throws -> Parsed {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        guard let headerIndex = lines.firstIndex(where: { !$0.trimmingSpaces.isEmpty && !$0.hasPrefix("#") }) else {
            throw InputError(
                file,
                "the file is empty: expected a header line such as right,spot,strike,years,volatility,rate,dividend")
        }
        let header = lines[headerIndex].split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingSpaces.lowercased()
        }
        let given = solving == .price ? "volatility" : "price"
        for name in ["right", "spot", "strike", "years", given, "rate"] where !header.contains(name) {
            throw InputError(
                "\(file): line \(headerIndex + 1)",
                "missing column \(name): expected a header right,spot,strike,years,\(given),rate[,dividend]")
        }
        var column: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            if column[name] != nil {
                throw InputError("\(file): line \(headerIndex + 1)", "column \(name) appears twice")
            }
            column[name] = index
        }
        var rows: [Row] = []
        var rejected: [InputError] = []
        for index in (headerIndex + 1)..<lines.count {
            let text = lines[index]
            if text.trimmingSpaces.isEmpty || text.hasPrefix("#") { continue }
            let where_ = "\(file): line \(index + 1)"
            let fields = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }
            guard fields.count == header.count else {
                rejected.append(InputError(where_, "expected \(header.count) fields, found \(fields.count)"))
                continue
            }
            var problem: InputError? = nil
            func number(_ name: String) -> Double {
                guard let at = column[name] else { return 0 }
                let raw = fields[at].trimmingSpaces
                guard let value = Double(raw), value.isFinite else {
                    if problem == nil {
                        problem = InputError("\(where_): \(name)", "expected a number, found '\(raw)'")
                    }
                    return 0
                }
                return value
            }
            let rightText = fields[column["right"]!].trimmingSpaces.lowercased()
            guard let right = OptionRight(rawValue: rightText) else {
                rejected.append(InputError("\(where_): right", "expected call or put, found '\(rightText)'"))
                continue
            }
            let option = EuropeanOption(
                right: right, spot: number("spot"), strike: number("strike"), years: number("years"),
                volatility: solving == .price ? number("volatility") : 0,
                rate: number("rate"), dividend: number("dividend"))
            let price: Double? = solving == .impliedVolatility ? number("price") : nil
            if let problem {
                rejected.append(problem)
                continue
            }
            if let error = option.inputError {
                rejected.append(InputError("\(where_): \(error.field)", "expected \(error.reason)"))
                continue
            }
            if let (name, range) = outOfRange(option) {
                rejected.append(
                    InputError(
                        "\(where_): \(name)",
                        "expected a number from \(range.lowerBound) to \(range.upperBound) (the range the model is finite on)"
                    ))
                continue
            }
            if let price, price < 0 {
                rejected.append(InputError("\(where_): price", "expected zero or a positive price"))
                continue
            }
            rows.append(Row(line: index + 1, fields: fields, option: option, price: price))
        }
        return Parsed(header: header, rows: rows, rejected: rejected)
    }

    /// The ranges a row's inputs must lie in, as the option portfolio file's: beyond them the
    /// formulas overflow or lose all precision (1e308 years gives an infinite discount and a NaN
    /// rho), and no market quotes such an option.
    static func outOfRange(_ option: EuropeanOption) -> (String, ClosedRange<Double>)? {
        let checks: [(String, ClosedRange<Double>, Double)] = [
            ("spot", 1e-12...1e15, option.spot), ("strike", 1e-12...1e15, option.strike),
            ("years", 0...100, option.years),
            ("volatility", 0...20, option.volatility), ("rate", -1...1, option.rate),
            ("dividend", -1...1, option.dividend),
        ]
        return checks.first { !$0.1.contains($0.2) }.map { ($0.0, $0.1) }
    }

    /// A number at full double precision (the shortest text that reads back to the same double).
    public static func format(_ value: Double) -> String { "\(value)" }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
