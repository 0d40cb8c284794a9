import Foundation
import SolventSimulation

/// The cascade simulator's outputs: JSON (every figure and the per-point series; the same inputs
/// give the same bytes) and a self-contained HTML report (inline SVG, no scripts, nothing fetched).
public enum SimulationReport {
    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    static func summary(_ run: SimulationResult) -> [String: Any] {
        var settings: [String: Any] = [:]
        for (name, value) in run.settings { settings[name] = value }
        let points = run.points
        var summary = body(run, settings: settings, points: points)
        // Several markets: each one's figures (the totals and the price block above: all
        // markets, and the first market's path).
        if run.markets.count > 1 {
            summary["markets"] = run.markets.map { market -> [String: Any] in
                func finite(_ value: Double) -> Any { value.isFinite ? value : NSNull() }
                return [
                    "symbol": market.symbol, "start": market.start, "exogenousLow": finite(market.exogenousLow),
                    "simulatedLow": finite(market.low), "openInterestContracts": market.openInterest,
                    "steps": market.steps, "notionalUSDT": market.liquidatedNotional, "badDebtUSDT": market.badDebt,
                ]
            }
        }
        return summary
    }

    private static func body(
        _ run: SimulationResult, settings: [String: Any], points: [SimulationResult.Point]
    ) -> [String: Any] {
        [
            "label": run.label,
            "settings": settings,
            "accounts": run.accounts,
            // Contracts of different markets do not add up: several markets give theirs under `markets`.
            "openInterest": run.markets.count > 1
                ? ["notionalUSDT": run.openInterestNotional]
                : ["contracts": run.openInterest, "notionalUSDT": run.openInterestNotional],
            "price": [
                "start": run.start, "exogenousLow": run.exogenousLow, "simulatedLow": run.low,
                "exogenousDrawdown": run.exogenousDrawdown, "simulatedDrawdown": run.drawdown,
                "amplification": run.amplification,
            ],
            "initiallyLiquidating": run.initiallyLiquidating,
            "liquidations": [
                "steps": run.steps, "accounts": run.liquidatedAccounts, "notionalUSDT": run.liquidatedNotional,
                "stillInLiquidation": run.stillLiquidating, "refusedByReason": run.refusals,
            ],
            "badDebtUSDT": run.badDebt,
            "coveredByFundUSDT": run.fundDraw,
            "reallocatedUSDT": run.reallocated,
            "deficitUSDT": run.deficit,
            "penaltiesUSDT": run.penalties,
            "keeperRewardsUSDT": run.keeperRewards,
            "funding": [
                "settlements": run.fundingSettlements, "paidUSDT": run.fundingPaid, "refused": run.fundingRefused,
            ],
            "insuranceFund": [
                "start": run.fundStart, "minimum": run.fundMinimum, "end": run.fundEnd, "drawdown": run.fundDrawdown,
            ],
            "deleveraging": [
                "positions": run.deleveragedPositions, "accounts": run.deleveragedAccounts,
                "medianLeverage": run.deleveragedMedianLeverage.map { $0 as Any } ?? NSNull(),
                "sample": run.deleveragedSample.map {
                    [
                        "time": iso($0.time), "account": $0.account, "leverage": $0.leverage,
                        "realizedPnlUSDT": $0.realizedPnl,
                    ]
                },
            ],
            "auctions": ["started": run.auctionsStarted, "resets": run.auctionResets],
            "breakerTrips": run.breakerTrips,
            "audit": ["checks": run.auditChecks, "violations": run.auditViolations],
            "stateDigest": run.digest,
            "series": [
                "time": points.map { iso($0.time) }, "exogenous": points.map(\.exogenous), "price": points.map(\.price),
                "steps": points.map(\.steps), "notionalUSDT": points.map(\.notional), "fundUSDT": points.map(\.fund),
                "badDebtUSDT": points.map(\.badDebt), "deleveraged": points.map(\.deleveraged),
                "rounds": points.map(\.rounds),
                "paused": points.map(\.paused),
            ],
        ]
    }

    public static func json(_ report: SimulateCommand.Report) -> String {
        let object: [String: Any] = [
            "prices": report.pricesFile,
            "path": [
                "points": report.path.count, "from": iso(report.path.first?.time.nanoseconds ?? 0),
                "to": iso(report.path.last?.time.nanoseconds ?? 0),
            ],
            "population": report.populationSource,
            "runs": report.runs.map(summary),
        ]
        let data = JSONOutput.data(object)
        return String(decoding: data, as: UTF8.self)
    }

    public static func html(_ report: SimulateCommand.Report) -> String {
        let runs = report.runs
        let times = report.path.map(\.time.nanoseconds)
        func row(_ name: String, _ value: (SimulationResult) -> String) -> String {
            "<tr><td>\(escape(name))</td>" + runs.map { "<td>\(escape(value($0)))</td>" }.joined() + "</tr>"
        }
        func usd(_ value: Double) -> String {
            value.isFinite ? value.formatted(.number.precision(.fractionLength(0))) : "n/a"
        }
        func percent(_ value: Double) -> String { formatted(value * 100, "%.2f %%") }
        let legend = runs.enumerated().map {
            "<span style=\"color:\(colours[$0.offset % colours.count])\">■ \(escape($0.element.label))</span>"
        }
        .joined(separator: " &nbsp; ")
        let base = runs[0]
        let table = [
            row("accounts", { "\($0.accounts)" }),
            row(
                "open interest (contracts / USDT)",
                { "\(formatted($0.openInterest, "%.1f")) / \(usd($0.openInterestNotional))" }),
            row(
                "path low / simulated low",
                { "\(BacktestReport.format($0.exogenousLow)) / \(BacktestReport.format($0.low))" }),
            row(
                "drawdown: path / simulated (amplification)",
                {
                    "\(percent($0.exogenousDrawdown)) / \(percent($0.drawdown)) (\(formatted($0.amplification, "%.3f"))×)"
                }),
            row("liquidation steps / accounts", { "\($0.steps) / \($0.liquidatedAccounts)" }),
            row("liquidated notional (USDT)", { usd($0.liquidatedNotional) }),
            row("bad debt (USDT)", { usd($0.badDebt) }),
            row(
                "paid by the fund / reallocated / deficit",
                { "\(usd($0.fundDraw)) / \(usd($0.reallocated)) / \(usd($0.deficit))" }),
            row(
                "insurance fund: start → minimum → end",
                { "\(usd($0.fundStart)) → \(usd($0.fundMinimum)) → \(usd($0.fundEnd))" }),
            row(
                "ADL: positions / accounts / median leverage",
                {
                    "\($0.deleveragedPositions) / \($0.deleveragedAccounts) / \($0.deleveragedMedianLeverage.map { formatted($0, "%.2fx") } ?? "–")"
                }),
            row("auctions started / reset", { "\($0.auctionsStarted) / \($0.auctionResets)" }),
            row("breaker trips", { "\($0.breakerTrips)" }),
            row("auditor (checks, violations)", { "\($0.auditChecks), \($0.auditViolations.count)" }),
        ].joined(separator: "\n")
        let settings = runs.map { run in
            "<h3>\(escape(run.label))</h3><table>"
                + run.settings.map { "<tr><td>\(escape($0.0))</td><td>\(escape($0.1))</td></tr>" }.joined() + "</table>"
        }.joined(separator: "\n")
        var cumulative: [[Double]] = []
        for run in runs {
            var total = 0.0
            cumulative.append(
                run.points.map {
                    total += $0.notional; return total
                })
        }
        let priceSeries =
            [(base.points.map(\.exogenous), "#999999")]
            + runs.enumerated().map { ($0.element.points.map(\.price), colours[$0.offset % colours.count]) }
        let hits = base.deleveragedSample.prefix(25).map {
            "<tr><td>\(iso($0.time))</td><td>\($0.account)</td><td>\(formatted($0.leverage, "%.2fx"))</td><td>\(usd($0.realizedPnl))</td></tr>"
        }.joined()
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Solvent cascade simulation</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}td{padding:2px 12px;vertical-align:top}tr:nth-child(even){background:#f4f4f4}svg{background:#fafafa;border:1px solid #ddd}</style>
            </head><body>
            <h1>Liquidation cascade</h1>
            <p>Path: \(escape(report.pricesFile)), \(report.path.count) points from \(iso(times.first ?? 0)) to \(iso(times.last ?? 0)).
            Population: \(escape(report.populationSource)).</p>
            <p>\(legend)</p>
            <table><tr><td></td>\(runs.map { "<td><b>\(escape($0.label))</b></td>" }.joined())</tr>
            \(table)
            </table>
            <h2>Price: the path (grey) and with the forced flow's impact</h2>
            \(BacktestReport.chart(series: priceSeries, marks: [], times: times))
            <h2>Insurance fund (USDT)</h2>
            \(BacktestReport.chart(series: runs.enumerated().map { ($0.element.points.map(\.fund), colours[$0.offset % colours.count]) }, marks: [], times: times))
            <h2>Liquidated notional, cumulative (USDT)</h2>
            \(BacktestReport.chart(series: cumulative.enumerated().map { ($0.element, colours[$0.offset % colours.count]) }, marks: [], times: times))
            <h2>Bad debt, cumulative (USDT)</h2>
            \(BacktestReport.chart(series: runs.enumerated().map { ($0.element.points.map(\.badDebt), colours[$0.offset % colours.count]) }, marks: [], times: times))
            <h2>Accounts hit by auto-deleveraging (\(escape(base.label)), first \(min(25, base.deleveragedSample.count)))</h2>
            <table><tr><td>time</td><td>account</td><td>leverage at start</td><td>realized PnL (USDT)</td></tr>\(hits)</table>
            <h2>Settings</h2>
            \(settings)
            </body></html>
            """
    }

    static func iso(_ nanoseconds: Int64) -> String { BacktestCommand.iso(nanoseconds) }
    static func escape(_ text: String) -> String { BacktestReport.escape(text) }
}
