import Foundation
import SolventCore

/// Renders a `MarginReport` as JSON (decimals as strings, fixed key order) or as a table for a
/// person. Formatting only: every number comes from the engine.
public enum MarginReportFormatter {
    public static func json(_ report: MarginReport, engine: Engine, model: String) -> String {
        var lines: [String] = ["{"]
        lines.append("  \"model\": \(quote(model)),")
        lines.append("  \"valuationCurrency\": \"USD\",")
        lines.append("  \"equity\": \(quote(report.equity.description)),")
        lines.append("  \"initialMargin\": \(quote(report.initialMargin.description)),")
        lines.append("  \"maintenanceMargin\": \(quote(report.maintenanceMargin.description)),")
        lines.append("  \"marginRatio\": \(report.marginRatio.map { quote($0.description) } ?? "null"),")
        lines.append("  \"availableBalance\": \(quote(report.availableBalance.description)),")
        lines.append("  \"status\": \(quote(report.status.rawValue)),")
        lines.append("  \"positions\": [")
        for (index, position) in report.positions.enumerated() {
            let asset = engine.asset(position.settleAsset)!.spec.symbol
            let amount = { (value: Amount) in quote(value.formatted(scale: position.settleScale)) }
            var fields: [String] = [
                "\"symbol\": \(quote(position.symbol))",
                "\"marginMode\": \(quote(position.isolated ? "isolated" : "cross"))",
                "\"size\": \(quote(position.size.description))",
                "\"entryPrice\": \(position.entryPrice.map { quote($0.description) } ?? "null")",
                "\"markPrice\": \(quote(position.markPrice.description))",
                "\"settleAsset\": \(quote(asset))",
                "\"notional\": \(amount(position.notional))",
                "\"unrealizedPnl\": \(amount(position.unrealizedPnl))",
                "\"initialMargin\": \(amount(position.initialMargin))",
                "\"maintenanceMargin\": \(amount(position.maintenanceMargin))",
            ]
            if position.isolated { fields.append("\"isolatedMargin\": \(amount(position.isolatedMargin))") }
            fields.append("\"liquidationPrice\": \(position.liquidationPrice.map { quote($0.description) } ?? "null")")
            if let absence = position.liquidationPriceAbsence {
                fields.append("\"liquidationPriceNote\": \(quote(absence.rawValue))")
            }
            fields.append("\"bankruptcyPrice\": \(position.bankruptcyPrice.map { quote($0.description) } ?? "null")")
            if let absence = position.bankruptcyPriceAbsence {
                fields.append("\"bankruptcyPriceNote\": \(quote(absence.rawValue))")
            }
            fields.append("\"status\": \(quote(position.status.rawValue))")
            let separator = index == report.positions.count - 1 ? "" : ","
            lines.append("    {" + fields.joined(separator: ", ") + "}" + separator)
        }
        lines.append("  ]")
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    public static func table(_ report: MarginReport, engine: Engine, model: String) -> String {
        var out = "Account margin (\(model) model, values in USD)\n"
        let summary: [(String, String)] = [
            ("status", report.status.rawValue), ("equity", report.equity.description),
            ("initial margin", report.initialMargin.description),
            ("maintenance margin", report.maintenanceMargin.description),
            ("margin ratio", report.marginRatio.map { percent($0) } ?? "n/a (equity ≤ 0)"),
            ("available balance", report.availableBalance.description),
        ]
        for (label, value) in summary { out += "  " + pad(label, 20) + value + "\n" }
        guard !report.positions.isEmpty else { return out + "  (no positions)\n" }
        let header = [
            "SYMBOL", "MODE", "SIZE", "ENTRY", "MARK", "UPNL", "IM", "MM", "LIQ PRICE", "BANKRUPTCY", "STATUS",
        ]
        var rows: [[String]] = [header]
        var notes: [PriceBoundaryAbsence] = []
        func cell(_ price: Price?, _ absence: PriceBoundaryAbsence?) -> String {
            if let price { return price.description }
            guard let absence else { return "--" }
            if !notes.contains(absence) { notes.append(absence) }
            return "none (\(label(absence)))"
        }
        for position in report.positions {
            let asset = engine.asset(position.settleAsset)!.spec.symbol
            let amount = { (value: Amount) in value.formatted(scale: position.settleScale) + " " + asset }
            rows.append([
                position.symbol, position.isolated ? "isolated" : "cross", position.size.description,
                position.entryPrice?.description ?? "--", position.markPrice.description,
                amount(position.unrealizedPnl), amount(position.initialMargin), amount(position.maintenanceMargin),
                cell(position.liquidationPrice, position.liquidationPriceAbsence),
                cell(position.bankruptcyPrice, position.bankruptcyPriceAbsence),
                position.status.rawValue,
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max()! }
        out += "\n"
        for row in rows {
            out += "  " + row.indices.map { pad(row[$0], widths[$0] + 2) }.joined() + "\n"
        }
        if !notes.isEmpty { out += "\n" }
        for absence in notes { out += "  none (\(label(absence))): \(absence.rawValue)\n" }
        return out
    }

    /// The short form of a missing price's reason, for a table cell.
    static func label(_ absence: PriceBoundaryAbsence) -> String {
        switch absence {
        case .neverReached: return "never"
        case .everyPrice: return "every price"
        case .noPosition: return "no position"
        case .unavailable: return "unavailable"
        }
    }

    static func percent(_ rate: Rate) -> String {
        DecimalText.format(rate.atoms / 10_000, scale: Rate.scale - 2 - 4) + " %"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func quote(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default:
                if scalar.value < 0x20 {
                    escaped += String(format: "\\u%04x", scalar.value)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped + "\""
    }
}
