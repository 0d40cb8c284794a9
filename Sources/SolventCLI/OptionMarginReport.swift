import Foundation
import SolventCore
import SolventSimulation

/// Renders the engine's margin of an option portfolio (`OptionPortfolioMargin`) as JSON or as a
/// table: the total, each underlying's requirement and the model's figures behind it (the worst
/// scenario and every scenario's P&L for the scenario models). Formatting only: every number
/// comes from the engine. Requirements are decimals as strings (USD); the risk figures behind
/// them, the models' screens, are JSON numbers in USD.
public struct OptionMarginReport {
    public var margin: OptionPortfolioMargin
    /// The portfolio the figures are for (the spreads decide whether value deltas are shown).
    public var portfolio: OptionPortfolio

    public init(_ margin: OptionPortfolioMargin, portfolio: OptionPortfolio) {
        self.margin = margin
        self.portfolio = portfolio
    }

    static func usd(_ atoms: Double) -> Double {
        atoms / Double(FixedPoint.powersOfTen[OptionPortfolioMargin.usdScale])
    }
    static func money(_ amount: Amount) -> String { amount.formatted(scale: OptionPortfolioMargin.usdScale) }

    /// "spot −66 %, vol +40 %" for a scenario.
    static func label(_ scenario: UnderlyingRisk.Scenario) -> String {
        String(format: "spot %+.0f%%, vol %+.0f%%", scenario.move * 100, scenario.volatilityShock * 100)
    }

    /// The model's figures behind one line, in USD.
    func detail(_ line: OptionPortfolioMargin.Line) -> [(String, Double)] {
        guard let risk = line.risk else {
            return margin.model == .standard
                ? [
                    ("linearInitialRate", portfolio.linearInitialRate.fraction),
                    ("linearMaintenanceRate", portfolio.linearMaintenanceRate.fraction),
                ] : []
        }
        // Under the portfolio model the risk is the scan risk; the others add to it.
        var figures: [(String, Double)] = margin.model == .portfolio ? [] : [("risk", Self.usd(risk.risk))]
        if let worst = risk.worstScenario {
            figures.append(("scanRisk", Self.usd(-risk.scenarios[worst].pnl * risk.scenarios[worst].weight)))
        }
        if let minimum = risk.shortOptionMinimum { figures.append(("shortOptionMinimum", Self.usd(minimum))) }
        if let greeks = risk.greeks {
            figures += [
                ("valueGamma", Self.usd(greeks.valueGamma)), ("vega", Self.usd(greeks.vega)),
                ("deltaCharge", Self.usd(greeks.deltaCharge)), ("gammaCharge", Self.usd(greeks.gammaCharge)),
                ("vegaCharge", Self.usd(greeks.vegaCharge)),
            ]
        }
        if risk.greeks != nil || !portfolio.spreads.isEmpty {
            figures.append(("valueDelta", Self.usd(risk.valueDelta)))
        }
        if !portfolio.spreads.isEmpty { figures.append(("spreadCredit", Self.usd(risk.spreadCredit))) }
        return figures
    }

    /// The first figure that is not a finite number ("underlyings[0].detail.valueGamma"), or nil:
    /// such a report is refused, never printed as nan.
    public func nonFiniteFigure() -> String? {
        for (index, line) in margin.lines.enumerated() {
            let at = "underlyings[\(index)]"
            if let (key, _) = detail(line).first(where: { !$0.1.isFinite }) { return "\(at).detail.\(key)" }
            if let row = line.risk?.scenarios.firstIndex(where: { !$0.pnl.isFinite }) {
                return "\(at).scenarios[\(row)]"
            }
        }
        return nil
    }

    public func json() -> String {
        let underlyings: [[String: Any]] = margin.lines.map { line in
            var item: [String: Any] = [
                "symbol": line.symbol, "initial": Self.money(line.initial),
                "maintenance": Self.money(line.maintenance),
                "detail": Dictionary(uniqueKeysWithValues: detail(line)),
            ]
            if let risk = line.risk, !risk.scenarios.isEmpty {
                if let worst = risk.worstScenario {
                    let row = risk.scenarios[worst]
                    item["worstScenario"] = [
                        "index": worst + 1, "scenario": Self.label(row), "weightedPnl": Self.usd(row.pnl * row.weight),
                    ]
                }
                item["scenarios"] = risk.scenarios.enumerated().map { index, row in
                    [
                        "index": index + 1, "scenario": Self.label(row), "weight": row.weight,
                        "pnl": Self.usd(row.pnl), "weightedPnl": Self.usd(row.pnl * row.weight),
                    ] as [String: Any]
                }
            }
            return item
        }
        let root: [String: Any] = [
            "model": margin.model.rawValue, "initial": Self.money(margin.initial),
            "maintenance": Self.money(margin.maintenance), "underlyings": underlyings,
        ]
        return String(decoding: JSONOutput.data(root), as: UTF8.self)
    }

    public func table() -> String {
        var out =
            "model \(margin.model.rawValue): initial \(Self.money(margin.initial)), maintenance \(Self.money(margin.maintenance))\n"
        for line in margin.lines {
            out +=
                "\n\(line.symbol): initial \(Self.money(line.initial)), maintenance \(Self.money(line.maintenance))\n"
            for (key, value) in detail(line) {
                out += "  \(key) \(String(format: key.hasSuffix("Rate") ? "%.6g" : "%.2f", value))\n"
            }
            guard let risk = line.risk, !risk.scenarios.isEmpty else { continue }
            if let worst = risk.worstScenario {
                let row = risk.scenarios[worst]
                out +=
                    "  worst scenario: \(worst + 1) (\(Self.label(row))), weighted P&L \(String(format: "%.2f", Self.usd(row.pnl * row.weight)))\n"
            }
            out += "  #   scenario                                   weight        P&L   weighted\n"
            for (index, row) in risk.scenarios.enumerated() {
                let mark = index == risk.worstScenario ? "*" : " "
                out +=
                    "\(mark) \(String(format: "%-3d", index + 1)) \(Self.label(row).padding(toLength: 40, withPad: " ", startingAt: 0)) \(String(format: "%7.4f %10.2f %10.2f", row.weight, Self.usd(row.pnl), Self.usd(row.pnl * row.weight)))\n"
            }
        }
        return out
    }
}
