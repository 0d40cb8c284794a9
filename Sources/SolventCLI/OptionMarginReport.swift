import Foundation
import SolventRisk

/// The margin of an option portfolio under one model, per underlying and in total (the largest
/// underlying's requirement plus (1 − correlation offset) × the others', or each underlying's
/// requirement less its inter-commodity spread credit when the file gives spreads). For the scenario
/// models the report lists the worst scenario and every scenario's P&L.
public struct OptionMarginReport {
    public enum Model: String, CaseIterable, Sendable {
        case standard, portfolio, span, greeks
    }

    public struct Line {
        public var symbol: String
        public var initial: Double
        public var maintenance: Double
        /// Model-specific figures, for the JSON report.
        public var detail: [String: Any]
        /// Scenario P&L rows (scenario models): label, weight, P&L, weighted P&L.
        public var scenarios: [(label: String, weight: Double, pnl: Double, weighted: Double)]
        public var worst: Int?
    }

    public var model: Model
    public var lines: [Line]
    public var initial: Double
    public var maintenance: Double

    /// Linear exposure under the standard model: a flat first-tier rate of the notional.
    static let linearInitialRate = 0.01
    static let linearMaintenanceRate = 0.005

    public static func compute(_ file: OptionPortfolioFile, model: Model) -> OptionMarginReport {
        var lines: [Line] = []
        for underlying in file.underlyings {
            let spot = underlying.spot
            switch model {
            case .standard:
                var initial = abs(underlying.linear) * spot * linearInitialRate
                var maintenance = abs(underlying.linear) * spot * linearMaintenanceRate
                for (option, quantity) in underlying.options {
                    let mark = BlackScholes.price(option) / spot
                    let coin = StandardOptionMargin.requirement(
                        right: option.right, quantity: quantity, forward: spot, strike: option.strike,
                        markInCoin: mark)
                    initial += coin.initial * spot
                    maintenance += coin.maintenance * spot
                }
                lines.append(
                    Line(
                        symbol: underlying.symbol, initial: initial, maintenance: maintenance,
                        detail: ["linearRates": [linearInitialRate, linearMaintenanceRate]], scenarios: [], worst: nil))
            case .portfolio:
                let result = ScenarioMargin.evaluate(
                    options: underlying.options, linear: underlying.linear, spot: spot, grid: file.grid)
                let rows = file.grid.scenarios.enumerated().map { index, scenario in
                    (
                        label: String(
                            format: "spot %+.0f%%, vol %+.0f%%", scenario.spotMove * 100, scenario.volatilityShock * 100
                        ),
                        weight: scenario.weight, pnl: result.pnl[index], weighted: result.weightedPnl[index]
                    )
                }
                lines.append(
                    Line(
                        symbol: underlying.symbol, initial: result.scanRisk,
                        maintenance: result.scanRisk * file.maintenanceFactor,
                        detail: ["scanRisk": result.scanRisk], scenarios: rows, worst: result.worstScenario))
            case .span:
                var parameters = file.span
                parameters.priceScanRange = file.spanPriceScanFraction * spot
                let positions: [(contract: Span.Contract, quantity: Double)] =
                    [(.future(price: spot, multiplier: 1), underlying.linear)]
                    + underlying.options.map { (.option($0.option, multiplier: 1), $0.quantity) }
                let result = Span.evaluate(positions, parameters: parameters)
                let rows = Span.scenarios.enumerated().map { index, scenario in
                    (
                        label:
                            "\(index + 1): price \(scenario.extreme ? "extreme " : "")\(String(format: "%+.2f", scenario.price)) × range, vol \(String(format: "%+.0f", scenario.volatility))",
                        weight: scenario.extreme ? parameters.coveredFraction : 1,
                        pnl: -result.combined[index] / (scenario.extreme ? parameters.coveredFraction : 1),
                        weighted: -result.combined[index]
                    )
                }
                lines.append(
                    Line(
                        symbol: underlying.symbol, initial: result.requirement,
                        maintenance: result.requirement * file.maintenanceFactor,
                        detail: [
                            "scanRisk": result.scanRisk, "timeRisk": result.timeRisk,
                            "volatilityRisk": result.volatilityRisk,
                            "priceRisk": result.priceRisk, "shortOptionMinimum": result.shortOptionMinimum,
                            "netOptionValue": result.netOptionValue, "priceScanRange": parameters.priceScanRange,
                        ],
                        scenarios: rows, worst: result.scenario - 1))
            case .greeks:
                let result = GreeksMargin.evaluate(
                    options: underlying.options, linear: underlying.linear, spot: spot, parameters: file.greeks)
                lines.append(
                    Line(
                        symbol: underlying.symbol, initial: result.requirement,
                        maintenance: result.requirement * file.maintenanceFactor,
                        detail: [
                            "netDelta": result.netDelta, "netGamma": result.netGamma, "netVega": result.netVega,
                            "deltaCharge": result.deltaCharge, "gammaCharge": result.gammaCharge,
                            "vegaCharge": result.vegaCharge,
                        ],
                        scenarios: [], worst: nil))
            }
        }
        if !file.spreads.isEmpty {
            // Spread credits on each underlying's value delta (spot × net delta), the same rule
            // as the engine's; maintenance is credited in the same proportion as initial.
            let deltas = file.underlyings.map { u in
                u.spot * (u.linear + u.options.reduce(0) { $0 + $1.quantity * BlackScholes.valuation($1.option).delta })
            }
            let credits = InterCommoditySpread.credits(
                groups: zip(deltas, lines).map { .init(delta: $0, risk: $1.initial) }, spreads: file.spreads)
            for index in lines.indices {
                let share = lines[index].initial > 0 ? credits[index] / lines[index].initial : 0
                lines[index].detail["valueDelta"] = deltas[index]
                lines[index].detail["spreadCredit"] = credits[index]
                lines[index].initial -= credits[index]
                lines[index].maintenance -= lines[index].maintenance * share
            }
        }
        func combine(_ values: [Double]) -> Double {
            guard let largest = values.max() else { return 0 }
            return largest + (1 - file.correlationOffset) * (values.reduce(0, +) - largest)
        }
        return OptionMarginReport(
            model: model, lines: lines, initial: combine(lines.map(\.initial)),
            maintenance: combine(lines.map(\.maintenance)))
    }

    /// The first figure that is not a finite number ("underlyings[0].detail.netGamma"), or nil.
    /// Inputs inside the file's ranges can still meet a formula's edge (a volatility so small
    /// that spot × σ√T underflows to zero gives gamma 0/0): such a report is refused, never
    /// printed as nan.
    public func nonFiniteFigure() -> String? {
        if !initial.isFinite { return "initial" }
        if !maintenance.isFinite { return "maintenance" }
        for (index, line) in lines.enumerated() {
            let at = "underlyings[\(index)]"
            if !line.initial.isFinite { return "\(at).initial" }
            if !line.maintenance.isFinite { return "\(at).maintenance" }
            for (key, value) in line.detail.sorted(by: { $0.key < $1.key }) {
                let numbers = (value as? Double).map { [$0] } ?? (value as? [Double]) ?? []
                if numbers.contains(where: { !$0.isFinite }) { return "\(at).detail.\(key)" }
            }
            if let row = line.scenarios.firstIndex(where: {
                !$0.weight.isFinite || !$0.pnl.isFinite || !$0.weighted.isFinite
            }) {
                return "\(at).scenarios[\(row)]"
            }
        }
        return nil
    }

    public func json() -> String {
        let underlyings: [[String: Any]] = lines.map { line in
            var item: [String: Any] = [
                "symbol": line.symbol, "initial": line.initial, "maintenance": line.maintenance, "detail": line.detail,
            ]
            if let worst = line.worst {
                item["worstScenario"] = [
                    "index": worst + 1, "scenario": line.scenarios[worst].label,
                    "weightedPnl": line.scenarios[worst].weighted,
                ]
                item["scenarios"] = line.scenarios.enumerated().map { index, row in
                    [
                        "index": index + 1, "scenario": row.label, "weight": row.weight, "pnl": row.pnl,
                        "weightedPnl": row.weighted,
                    ] as [String: Any]
                }
            }
            return item
        }
        let root: [String: Any] = [
            "model": model.rawValue, "initial": initial, "maintenance": maintenance, "underlyings": underlyings,
        ]
        let data = JSONOutput.data(root)
        return String(decoding: data, as: UTF8.self)
    }

    public func table() -> String {
        var out =
            "model \(model.rawValue): initial \(String(format: "%.2f", initial)), maintenance \(String(format: "%.2f", maintenance))\n"
        for line in lines {
            out +=
                "\n\(line.symbol): initial \(String(format: "%.2f", line.initial)), maintenance \(String(format: "%.2f", line.maintenance))\n"
            for (key, value) in line.detail.sorted(by: { $0.key < $1.key }) {
                if let number = value as? Double { out += "  \(key) \(String(format: "%.6g", number))\n" }
            }
            guard let worst = line.worst else { continue }
            out +=
                "  worst scenario: \(worst + 1) (\(line.scenarios[worst].label)), weighted P&L \(String(format: "%.2f", line.scenarios[worst].weighted))\n"
            out += "  #   scenario                                   weight        P&L   weighted\n"
            for (index, row) in line.scenarios.enumerated() {
                let mark = index == worst ? "*" : " "
                out +=
                    "\(mark) \(String(format: "%-3d", index + 1)) \(row.label.padding(toLength: 40, withPad: " ", startingAt: 0)) \(String(format: "%7.4f %10.2f %10.2f", row.weight, row.pnl, row.weighted))\n"
            }
        }
        return out
    }
}
