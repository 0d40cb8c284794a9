import Foundation
import SolventCore
import SolventSimulation

/// The option study of one snapshot (`solvent option-study`) as a person or a program reads it:
/// `OptionStudy.run` (SolventSimulation) builds the books and has the engine margin them; this
/// formats the rows as a table, markdown or JSON. Every figure is in USD.
public struct OptionStudyReport {
    public var snapshot: String
    public var timestamp: String
    public var study: OptionStudy
    public var rows: [OptionStudy.Row] { study.rows }

    /// The study of a snapshot's quotes, its failures as input errors naming the file.
    public static func run(_ snapshot: DeribitSnapshot, name: String) throws -> OptionStudyReport {
        switch OptionStudy.run(snapshot.quotes) {
        case .failure(let failure): throw InputError(name, failure.description)
        case .success(let study): return OptionStudyReport(snapshot: name, timestamp: snapshot.timestamp, study: study)
        }
    }

    /// "-1 BTC-30JAN26-84000-P", and the linear quantity ("+0.0533 BTC (delta hedge)").
    static func legs(_ row: OptionStudy.Row) -> [String] {
        var names = row.book.legs.map { String(format: "%+g ", $0.quantity) + $0.instrument }
        let linear = row.book.underlying.linear
        if linear != 0 {
            names.append(String(format: "%+.4f ", linear) + row.currency + (row.book.hedged ? " (delta hedge)" : ""))
        }
        return names
    }

    static func worst(_ row: OptionStudy.Row) -> String {
        row.worstScenario.map(OptionMarginReport.label) ?? "none"
    }

    // MARK: - Reports

    public func markdown() -> String {
        var out =
            "Snapshot \(snapshot) (\(timestamp)); index "
            + study.index.map { "\($0.currency) \(String(format: "%.2f", $0.price))" }.joined(separator: ", ") + "\n\n"
        out +=
            "| book | legs | standard IM / MM | portfolio IM / MM | worst scenario | worst ±16 % loss | SPAN IM / MM | Greeks IM / MM | portfolio ÷ standard |\n"
        out += "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n"
        func pair(_ m: (initial: Double, maintenance: Double)) -> String {
            "\(Self.money(m.initial)) / \(Self.money(m.maintenance))"
        }
        for row in rows {
            let standard = row.margin(.standard), portfolio = row.margin(.portfolio)
            out +=
                "| \(row.currency) \(row.book.name) | \(Self.legs(row).joined(separator: "<br>")) | \(pair(standard)) | \(pair(portfolio)) | "
            out +=
                "\(Self.worst(row)) | \(Self.money(row.book.worstCoreLoss)) | \(pair(row.margin(.span))) | \(pair(row.margin(.greeks))) | "
            out += String(format: "%.2f |\n", standard.initial > 0 ? portfolio.initial / standard.initial : 0)
        }
        return out
    }

    public func table() -> String {
        var out = "snapshot \(snapshot) (\(timestamp))\n"
        out += "book".padding(toLength: 36, withPad: " ", startingAt: 0)
        for model in OptionPortfolioMargin.models {
            out += model.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0)
        }
        out += "worst ±16% loss\n"
        for row in rows {
            out += "\(row.currency) \(row.book.name)".padding(toLength: 36, withPad: " ", startingAt: 0)
            for model in OptionPortfolioMargin.models {
                let entry = row.margin(model)
                out += "\(Self.money(entry.initial)) / \(Self.money(entry.maintenance))".padding(
                    toLength: 24, withPad: " ", startingAt: 0)
            }
            out += Self.money(row.book.worstCoreLoss) + "\n"
        }
        return out
    }

    public func jsonObject() -> [String: Any] {
        [
            "snapshot": snapshot, "timestamp": timestamp,
            "index": Dictionary(uniqueKeysWithValues: study.index.map { ($0.currency, $0.price) }),
            "books": rows.map { row -> [String: Any] in
                var margins: [String: Any] = [:]
                for margin in row.margins {
                    margins[margin.model.rawValue] = [
                        "initial": OptionMarginReport.money(margin.initial),
                        "maintenance": OptionMarginReport.money(margin.maintenance),
                    ]
                }
                // The book as `solvent margin` reads it (an option portfolio's underlying), so that
                // any row can be rerun with one model's full report.
                let book = row.book.underlying.portfolio!.underlyings[0]
                let options = book.options.map { option -> [String: Any] in
                    [
                        "right": option.right.rawValue, "strike": option.strike.description,
                        "days": Double(option.expirySeconds) / 86_400, "volatility": option.volatility.description,
                        "quantity": option.quantity.description,
                    ]
                }
                let underlying: [String: Any] = [
                    "symbol": row.currency, "spot": book.forward.description, "linear": book.linear.description,
                    "options": options,
                ]
                return [
                    "currency": row.currency, "book": row.book.name, "legs": Self.legs(row), "margins": margins,
                    "worstScenario": Self.worst(row), "worstCoreLoss": row.book.worstCoreLoss,
                    "portfolio": ["underlyings": [underlying]],
                ]
            },
        ]
    }

    static func usd(_ amount: Amount) -> Double {
        Double(amount.atoms) / Double(FixedPoint.powersOfTen[OptionPortfolioMargin.usdScale])
    }

    static func money(_ value: Double) -> String {
        let text = String(format: "%.0f", value)
        var digits = Array(text.hasPrefix("-") ? text.dropFirst() : Substring(text))
        var index = digits.count - 3
        while index > 0 { digits.insert(",", at: index); index -= 3 }
        return (text.hasPrefix("-") ? "-" : "") + String(digits)
    }
}
