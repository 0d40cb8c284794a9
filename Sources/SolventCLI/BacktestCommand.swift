import ArgumentParser
import Foundation
import SolventCore
import SolventRisk

/// `solvent backtest`: how often a margin model would have let a static portfolio's loss exceed
/// its margin over real price history, with the coverage tests.
public struct BacktestCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest a margin model on price history (Kupiec, Christoffersen, traffic light).",
        discussion: """
        --prices SYMBOL=FILE.csv (or FILE.csv: the symbol is the file name up to its first "_", in \
        capitals, e.g. BTCUSDT) in the OHLCV format of examples/btcusdt_calm_1h.csv (timestamp,open,high,low,close,volume). The portfolio file: \
        {"positions": [{"symbol": "BTCUSDT", "quantity": "1"}]} (negative: short), held static. \
        Returns are taken between closes one horizon apart; a gap in a series is reported, and no \
        return spans it. Prints a JSON summary; progress on standard error.
        """)

    @Option(name: .customLong("prices"), help: "SYMBOL=FILE.csv or FILE.csv (repeat per underlying).")
    public var prices: [String] = []
    @Option(help: "Portfolio file (JSON).")
    public var portfolio: String
    @Option(help: "historical, fhs, normal, student-t, monte-carlo, standard or portfolio.")
    public var model: String = "historical"
    // The numeric options take their value unconditionally, so that a negative one reaches the
    // range checks of `run` (exit 2 naming the option) instead of reading as a flag ("Missing value").
    @Option(parsing: .unconditional, help: "Confidence of the margin (0.99 = 99 %).")
    public var confidence: Double = 0.99
    @Option(help: "Margin period of risk: 1h, 8h or 1d (a multiple of the bars' interval).")
    public var horizon: String = "1d"
    @Option(parsing: .unconditional, help: "Number of past periods each forecast uses.")
    public var window: Int = 250
    @Option(parsing: .unconditional, help: "EWMA decay for fhs and normal.")
    public var lambda: Double = 0.94
    @Option(parsing: .unconditional, help: "Degrees of freedom of the student-t model (above 2).")
    public var dof: Double = 4
    @Option(parsing: .unconditional, help: "Scenarios per forecast of the monte-carlo model.")
    public var draws: Int = 10_000
    @Option(help: "Seed of the monte-carlo model (the same seed, the same margins).")
    public var seed: UInt64 = 1
    @Option(help: "Anti-procyclicality tool on top of the model (EMIR Art. 28): none, buffer, stressed or floor.")
    public var apc: String = "none"
    @Option(name: .customLong("standard-rate"), parsing: .unconditional, help: "Margin rate of gross notional for the standard model.")
    public var standardRate: Double = 0.02
    @Option(parsing: .unconditional, help: "Liquidity add-on coefficient k: |q|·price × k·√(|q| / (ADV × horizon days)), ADV the trailing 30-day average daily volume of the file (none by default).")
    public var liquidity: Double?
    @Option(help: "Also write a self-contained HTML report (inline SVG charts) here.")
    public var html: String?

    public init() {}

    public func run() throws {
        do {
            let run = try Self.run(prices: prices, portfolioPath: portfolio, model: model, confidence: confidence,
                                   horizon: horizon, window: window, lambda: lambda, degrees: dof, draws: draws, seed: seed,
                                   apc: apc, standardRate: standardRate, liquidity: liquidity) { done, total in
                Diagnostics.write("backtest: \(done) of \(total) forecasts\n")
            }
            if let html {
                guard FileManager.default.createFile(atPath: html, contents: Data(BacktestReport.html(run).utf8)) else {
                    throw InputError(html, "cannot write the file")
                }
                Diagnostics.write("backtest: wrote \(html)\n")
            }
            let data = JSONOutput.data(run.summary)
            print(String(decoding: data, as: UTF8.self))
        } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
    }

    /// What a run produced: the JSON summary and, per forecast period, its end time, the
    /// portfolio's value at its start, the margin and the realised loss (for the report).
    public struct Run {
        public var summary: [String: Any]
        public var times: [Int64]
        public var values: [Double]
        public var margins: [Double]
        public var losses: [Double]
        /// The crash windows the run covers, with their slices of the series (for the report).
        public var crashWindows: [(window: CrashWindow, indices: Range<Int>)] = []
    }

    /// The JSON summary as a dictionary (also used by tests).
    public static func summary(prices: [String], portfolioPath: String, model: String, confidence: Double, horizon: String,
                               window: Int, lambda: Double, degrees: Double = 4, draws: Int = 10_000, seed: UInt64 = 1,
                               apc: String = "none", standardRate: Double = 0.02, liquidity: Double? = nil,
                               progress: ((Int, Int) -> Void)? = nil) throws -> [String: Any] {
        try run(prices: prices, portfolioPath: portfolioPath, model: model, confidence: confidence, horizon: horizon, window: window,
                lambda: lambda, degrees: degrees, draws: draws, seed: seed, apc: apc, standardRate: standardRate, liquidity: liquidity,
                progress: progress).summary
    }

    /// Loads, aligns, runs and tests.
    public static func run(prices: [String], portfolioPath: String, model modelText: String, confidence: Double, horizon: String,
                           window: Int, lambda: Double, degrees: Double = 4, draws: Int = 10_000, seed: UInt64 = 1,
                           apc apcText: String = "none", standardRate: Double = 0.02, liquidity: Double? = nil,
                           progress: ((Int, Int) -> Void)? = nil) throws -> Run {
        if let liquidity, !(liquidity > 0 && liquidity <= 10) { throw InputError("--liquidity", "expected a coefficient above 0 and at most 10, got \(liquidity)") }
        guard let model = RollingBacktest.Model(rawValue: modelText) else {
            throw InputError("--model", "expected one of \(RollingBacktest.Model.allCases.map(\.rawValue).joined(separator: ", ")), got \(modelText)")
        }
        guard let tool = AntiProcyclicalTool(rawValue: apcText) else {
            throw InputError("--apc", "expected one of \(AntiProcyclicalTool.allCases.map(\.rawValue).joined(separator: ", ")), got \(apcText)")
        }
        guard standardRate > 0 && standardRate <= 1 else { throw InputError("--standard-rate", "expected a rate above 0 and at most 1, got \(standardRate)") }
        guard confidence > 0.5 && confidence < 1 else { throw InputError("--confidence", "expected a level between 0.5 and 1, got \(confidence)") }
        guard lambda > 0 && lambda < 1 else { throw InputError("--lambda", "expected a decay between 0 and 1") }
        guard window >= 10 else { throw InputError("--window", "expected at least 10 periods") }
        guard draws >= 100 && draws <= 10_000_000 else { throw InputError("--draws", "expected 100 to 10,000,000 scenarios") }
        guard degrees > 2 && degrees <= 1_000 else { throw InputError("--dof", "expected degrees of freedom above 2 (the variance must exist)") }
        let horizonSeconds: Int64
        switch horizon {
        case "1h": horizonSeconds = 3_600
        case "8h": horizonSeconds = 28_800
        case "1d": horizonSeconds = 86_400
        default: throw InputError("--horizon", "expected 1h, 8h or 1d, got \(horizon)")
        }
        // Price series by symbol.
        var series: [(symbol: String, bars: [OHLCVBar])] = []
        for argument in prices {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let path = parts.count == 2 ? parts[1] : parts[0]
            let symbol = parts.count == 2 ? parts[0].uppercased()
                : String(URL(fileURLWithPath: path).lastPathComponent.prefix { $0 != "_" && $0 != "." }).uppercased()
            if series.contains(where: { $0.symbol == symbol }) { throw InputError("--prices \(argument)", "\(symbol) is given twice") }
            series.append((symbol, try OHLCVFile.load(path: path)))
        }
        // The portfolio.
        guard let data = FileManager.default.contents(atPath: portfolioPath) else { throw InputError(portfolioPath, "cannot read the file") }
        do {
            return try run(portfolio: data, portfolioPath: portfolioPath, series: series, model: model, confidence: confidence, horizon: horizon, horizonSeconds: horizonSeconds,
                           window: window, lambda: lambda, degrees: degrees, draws: draws, seed: seed, tool: tool, standardRate: standardRate,
                           liquidity: liquidity, progress: progress)
        } catch let error as InputError where !error.location.hasPrefix(portfolioPath) && !error.location.hasPrefix("--") {
            // The JSON reader's own errors (malformed text, a wrong type) name the field, not the file.
            throw InputError(error.location.isEmpty ? portfolioPath : "\(portfolioPath): \(error.location)", error.message)
        }
    }

    private static func run(portfolio data: Data, portfolioPath: String, series: [(symbol: String, bars: [OHLCVBar])], model: RollingBacktest.Model, confidence: Double,
                            horizon: String, horizonSeconds: Int64, window: Int, lambda: Double, degrees: Double, draws: Int, seed: UInt64,
                            tool: AntiProcyclicalTool, standardRate: Double, liquidity: Double?, progress: ((Int, Int) -> Void)?) throws -> Run {
        let parsed = try JSONNode.parse(data)
        // A `solvent margin` account file (account, markets, assets) is the usual mistake: say so.
        if let object = parsed.value as? [String: Any], object["positions"] == nil,
           object["account"] != nil || object["markets"] != nil || object["assets"] != nil {
            throw InputError("", "this is a `solvent margin` account file; backtest reads a static portfolio: "
                             + #"{"positions": [{"symbol": "BTCUSDT", "quantity": "1"}]} (examples/long-btc.json)"#)
        }
        let root = try parsed.object(allowed: ["positions"])
        // Linear positions (quantity of the underlying) and option legs, over the distinct
        // underlyings in the order the file names them.
        var symbols: [String] = []
        var linear: [(asset: Int, quantity: Double)] = []
        var legs: [RollingBacktest.OptionLeg] = []
        for node in try root["positions"]?.array() ?? [] {
            let fields = try node.object(allowed: ["symbol", "quantity", "option", "moneyness", "days", "deltaHedged", "volatility"])
            let at = "\(portfolioPath): \(node.path)"
            guard let symbol = try fields["symbol"]?.string().uppercased() else { throw InputError("\(at).symbol", "required") }
            // As in the option portfolio file: beyond 1e12 units the exposures leave the range
            // the risk models compute in without overflowing to infinity.
            guard let quantityText = try fields["quantity"]?.decimalText(), let quantity = Double(quantityText), quantity.isFinite,
                  abs(quantity) <= 1e12 else {
                throw InputError("\(at).quantity", "expected a number from -1e12 to 1e12")
            }
            guard series.contains(where: { $0.symbol == symbol }) else {
                throw InputError("\(at).symbol", "no prices for \(symbol): give --prices \(symbol)=FILE.csv")
            }
            if !symbols.contains(symbol) { symbols.append(symbol) }
            let asset = symbols.firstIndex(of: symbol)!
            func number(_ key: String) throws -> Double? {
                guard let text = try fields[key]?.decimalText() else { return nil }
                guard let value = Double(text), value.isFinite else { throw InputError("\(at).\(key)", "expected a number") }
                return value
            }
            guard let optionText = try fields["option"]?.string() else {
                for key in ["moneyness", "days", "deltaHedged", "volatility"] where fields[key] != nil {
                    throw InputError("\(at).\(key)", "only for an option position (add \"option\": \"call\" or \"put\")")
                }
                linear.append((asset, quantity))
                continue
            }
            guard let right = OptionRight(rawValue: optionText) else { throw InputError("\(at).option", "expected call or put, got \(optionText)") }
            let moneyness = try number("moneyness") ?? 1
            guard moneyness > 0 && moneyness <= 10 else { throw InputError("\(at).moneyness", "expected strike / spot above 0 and at most 10") }
            let days = try number("days") ?? 30
            guard days >= 1 && days <= 730 else { throw InputError("\(at).days", "expected 1 to 730 days to expiry") }
            let volatility = try number("volatility")
            if let volatility, !(volatility > 0 && volatility <= 5) { throw InputError("\(at).volatility", "expected an annual volatility above 0 and at most 5") }
            let hedged = try fields["deltaHedged"]?.bool() ?? false
            guard days * 86_400 > Double(horizonSeconds) else { throw InputError("\(at).days", "the option must outlive the horizon \(horizon)") }
            legs.append(.init(asset: asset, right: right, moneyness: moneyness, days: days, quantity: quantity, deltaHedged: hedged,
                              volatility: volatility))
        }
        guard !symbols.isEmpty else { throw InputError(portfolioPath, "expected at least one position") }
        // Closes sampled one horizon apart on the timestamps every series has.
        let step = horizonSeconds * 1_000_000_000
        var closes: [[Int64: Double]] = []
        for symbol in symbols {
            let bars = series.first { $0.symbol == symbol }!.bars
            var byTime: [Int64: Double] = [:]
            for bar in bars where bar.time.nanoseconds % step == 0 { byTime[bar.time.nanoseconds] = Double(bar.close.atoms) / 1e8 }
            closes.append(byTime)
        }
        let times = closes.dropFirst().reduce(Set(closes[0].keys)) { $0.intersection($1.keys) }.sorted()
        var returns: [[Double]] = []
        var exposures: [[Double]] = []
        var spots: [[Double]] = []
        var periodEnds: [Int64] = []
        var gaps: [[String: String]] = []
        for (previous, next) in zip(times, times.dropFirst()) {
            if next - previous != step {
                gaps.append(["from": iso(previous), "to": iso(next)])
                continue
            }
            returns.append(closes.map { Double.log($0[next]! / $0[previous]!) })
            let spot = closes.map { $0[previous]! }
            var exposure = [Double](repeating: 0, count: symbols.count)
            for position in linear { exposure[position.asset] += position.quantity * spot[position.asset] }
            exposures.append(exposure)
            spots.append(spot)
            periodEnds.append(next)
        }
        // Liquidity add-on per period: each underlying's gross |quantity| (option legs by contracts) against
        // the trailing 30-day average daily volume of its underlying's file.
        var addOns: [Double]? = nil
        if let liquidity {
            var perAsset: [[(time: Int64, cumulative: Double)]] = []
            for symbol in symbols {
                var total = 0.0
                var cumulative: [(time: Int64, cumulative: Double)] = []
                for bar in series.first(where: { $0.symbol == symbol })!.bars {
                    guard let volume = bar.volume else { throw InputError("--liquidity", "the prices of \(symbol) have no volume column") }
                    total += volume
                    cumulative.append((bar.time.nanoseconds, total))
                }
                perAsset.append(cumulative)
            }
            func volume(before time: Int64, _ asset: Int) -> Double {   // cumulative volume of bars opening before `time`
                let bars = perAsset[asset]
                var low = 0, high = bars.count
                while low < high { let mid = (low + high) / 2; if bars[mid].time < time { low = mid + 1 } else { high = mid } }
                return low == 0 ? 0 : bars[low - 1].cumulative
            }
            let month: Int64 = 30 * 86_400 * 1_000_000_000
            var quantities = [Double](repeating: 0, count: symbols.count)
            // Gross: what a liquidation of every position would have to trade.
            for position in linear { quantities[position.asset] += abs(position.quantity) }
            for leg in legs { quantities[leg.asset] += abs(leg.quantity) }
            addOns = zip(periodEnds, spots).map { end, spot in
                let start = end - step
                return symbols.indices.reduce(0.0) { sum, a in
                    let adv = (volume(before: start, a) - volume(before: start - month, a)) / 30
                    return sum + MarginPolicy.liquidityAddOn(quantity: quantities[a], price: spot[a], averageDailyVolume: adv,
                                                             days: Double(horizonSeconds) / 86_400, coefficient: liquidity)
                }
            }
        }
        guard returns.count > window else {
            throw InputError("--window", "the history has \(returns.count) periods of \(horizon) without gaps; the window needs more than \(window)")
        }
        let result = RollingBacktest.run(returns: returns, exposures: exposures, model: model, window: window, confidence: confidence,
                                         lambda: lambda, degrees: degrees, draws: draws, seed: seed, standardRate: standardRate,
                                         options: legs.isEmpty ? nil : .init(legs: legs, spots: spots,
                                                                             periodsPerYear: 365 * 86_400 / Double(horizonSeconds)),
                                         tool: tool, floorLookback: Int(10 * 365 * 86_400 / horizonSeconds), addOns: addOns,
                                         progress: progress)
        // The margin held: the model's, with the anti-procyclicality tool on top.
        let margins = result.held
        let exceptions = result.exceptions
        let rate = 1 - confidence
        let tests = CoverageTests.conditionalCoverage(exceptions, expectedRate: rate)
        func test(_ value: TestResult) -> [String: Any] {
            ["statistic": value.statistic, "pValue": value.pValue, "verdict": value.rejected ? "reject" : "accept"]
        }
        // Z2 on the model's own VaR and ES forecasts (before any tool), for the models that
        // forecast an ES; its p-value by seeded simulation under the normal.
        var z2: Any = NSNull()
        if model.forecastsShortfall {
            let statistic = ExpectedShortfallTest.z2(pnl: result.losses.map { -$0 }, valueAtRisk: result.margins,
                                                     expectedShortfall: result.shortfalls, alpha: rate)
            let pValue = ExpectedShortfallTest.z2PValue(statistic, observations: exceptions.count, alpha: rate)
            z2 = ["statistic": statistic, "pValue": pValue, "verdict": pValue < 0.05 ? "reject" : "accept"] as [String: Any]
        }
        let forecastTimes = Array(periodEnds[result.start...])
        let seconds = forecastTimes.map { $0 / 1_000_000_000 }
        var windows: [[String: Any]] = []
        var windowSlices: [(window: CrashWindow, indices: Range<Int>)] = []
        for window in CrashWindow.known {
            guard let figures = window.procyclicality(times: seconds, margins: margins, losses: result.losses) else { continue }
            windows.append(["window": window.name, "marginBefore": figures.before, "peakMargin": figures.peak,
                            "increase": figures.increase.map { $0 as Any } ?? NSNull(), "exceptions": figures.exceptions, "worstLoss": figures.worstLoss])
            let first = max(0, (seconds.firstIndex { $0 > window.start } ?? 0) - 10)
            let last = min(seconds.count, (seconds.lastIndex { $0 <= window.end } ?? seconds.count - 1) + 11)
            windowSlices.append((window, first..<last))
        }
        let count = exceptions.filter { $0 }.count
        let summary: [String: Any] = [
            "model": model.rawValue, "confidence": confidence, "horizon": horizon, "window": window, "apc": tool.rawValue,
            "seed": model == .monteCarlo ? Int(truncatingIfNeeded: seed) as Any : NSNull(),
            "standardRate": model == .standard ? standardRate as Any : NSNull(),
            "observations": exceptions.count, "exceptions": count, "expectedExceptions": rate * Double(exceptions.count),
            "kupiec": test(tests.coverage), "christoffersenIndependence": test(tests.independence),
            "christoffersenConditional": test(tests.conditional), "acerbiSzekelyZ2": z2,
            "trafficLight": TrafficLight.zone(exceptions: count, observations: exceptions.count, rate: rate).rawValue,
            "meanMargin": margins.reduce(0, +) / Double(max(1, margins.count)),
            "peakMargin": margins.max() ?? 0, "gaps": gaps, "crashWindows": windows,
            "liquidity": liquidity.map { ["coefficient": $0, "meanAddOn": addOns![result.start...].reduce(0, +) / Double(max(1, margins.count))] as Any }
                ?? NSNull(),
        ]
        return Run(summary: summary, times: forecastTimes,
                   values: zip(exposures[result.start...], result.optionValues).map { $0.reduce(0, +) + $1 }, margins: margins, losses: result.losses,
                   crashWindows: windowSlices)
    }

    static func iso(_ nanoseconds: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(nanoseconds) / 1e9))
    }
}
