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
    @Option(help: "historical, fhs, fhs-dynamic, normal, student-t, monte-carlo, standard, dynamic or portfolio.")
    public var model: String = "historical"
    // The numeric options take their value unconditionally, so that a negative one reaches the
    // range checks of `run` (exit 2 naming the option) instead of reading as a flag ("Missing value").
    @Option(parsing: .unconditional, help: "Confidence of the margin (0.99 = 99 %).")
    public var confidence: Double = 0.99
    @Option(help: "Margin period of risk: 1h, 8h or 1d (a multiple of the bars' interval).")
    public var horizon: String = "1d"
    @Option(parsing: .unconditional, help: "Number of past periods each forecast uses.")
    public var window: Int = 250
    @Option(parsing: .unconditional, help: "EWMA decay for fhs, fhs-dynamic and normal.")
    public var lambda: Double = 0.94
    @Option(parsing: .unconditional, help: "Degrees of freedom of the student-t model (above 2).")
    public var dof: Double = 4
    @Option(parsing: .unconditional, help: "Scenarios per forecast of the monte-carlo model.")
    public var draws: Int = 10_000
    @Option(help: "Seed of the monte-carlo model (the same seed, the same margins).")
    public var seed: UInt64 = 1
    @Option(help: "Anti-procyclicality tool on top of the model (EMIR Art. 28): none, buffer, stressed or floor.")
    public var apc: String = "none"
    @Option(
        name: .customLong("standard-rate"), parsing: .unconditional,
        help: "Margin rate of gross notional for the standard model, and the floor of the dynamic one.")
    public var standardRate: Double = 0.02
    @Option(
        parsing: .unconditional,
        help:
            "Liquidity add-on coefficient k: |q|·price × k·√(|q| / (ADV × horizon days)), ADV the trailing 30-day average daily volume of the file (none by default)."
    )
    public var liquidity: Double?
    @Option(help: "Also write a self-contained HTML report (inline SVG charts) here.")
    public var html: String?

    public init() {}

    public func run() throws {
        do {
            let run = try Self.run(
                prices: prices, portfolioPath: portfolio, model: model, confidence: confidence,
                horizon: horizon, window: window, lambda: lambda, degrees: dof, draws: draws, seed: seed,
                apc: apc, standardRate: standardRate, liquidity: liquidity
            ) { done, total in
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
    public static func summary(
        prices: [String], portfolioPath: String, model: String, confidence: Double, horizon: String,
        window: Int, lambda: Double, degrees: Double = 4, draws: Int = 10_000, seed: UInt64 = 1,
        apc: String = "none", standardRate: Double = 0.02, liquidity: Double? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> [String: Any] {
        try run(
            prices: prices, portfolioPath: portfolioPath, model: model, confidence: confidence, horizon: horizon,
            window: window,
            lambda: lambda, degrees: degrees, draws: draws, seed: seed, apc: apc, standardRate: standardRate,
            liquidity: liquidity,
            progress: progress
        ).summary
    }

    /// Reads the files, runs `PortfolioBacktest` and shapes its outcome as the JSON summary.
    public static func run(
        prices: [String], portfolioPath: String, model modelText: String, confidence: Double, horizon: String,
        window: Int, lambda: Double, degrees: Double = 4, draws: Int = 10_000, seed: UInt64 = 1,
        apc apcText: String = "none", standardRate: Double = 0.02, liquidity: Double? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Run {
        var settings = PortfolioBacktest.Settings()
        guard let model = RollingBacktest.Model(rawValue: modelText) else {
            throw InputError(
                "--model",
                "expected one of \(RollingBacktest.Model.allCases.map(\.rawValue).joined(separator: ", ")), got \(modelText)"
            )
        }
        guard let tool = AntiProcyclicalTool(rawValue: apcText) else {
            throw InputError(
                "--apc",
                "expected one of \(AntiProcyclicalTool.allCases.map(\.rawValue).joined(separator: ", ")), got \(apcText)"
            )
        }
        switch horizon {
        case "1h": settings.horizonSeconds = 3_600
        case "8h": settings.horizonSeconds = 28_800
        case "1d": settings.horizonSeconds = 86_400
        default: throw InputError("--horizon", "expected 1h, 8h or 1d, got \(horizon)")
        }
        (settings.model, settings.tool, settings.confidence, settings.window, settings.lambda) = (
            model, tool, confidence, window, lambda
        )
        (settings.degrees, settings.draws, settings.seed, settings.standardRate, settings.liquidity) = (
            degrees, draws, seed, standardRate, liquidity
        )
        do { try PortfolioBacktest.validate(settings) } catch { throw InputError(flag(error.field), error.reason) }
        let series = try loadSeries(prices)
        // The portfolio.
        guard let data = FileManager.default.contents(atPath: portfolioPath) else {
            throw InputError(portfolioPath, "cannot read the file")
        }
        let positions: [PortfolioBacktest.Position]
        do {
            positions = try BacktestPortfolioFile.parse(data)
        } catch let error as InputError {
            // The JSON reader's own errors (malformed text, a wrong type) name the field, not the file.
            throw InputError(
                error.location.isEmpty ? portfolioPath : "\(portfolioPath): \(error.location)", error.message)
        }
        let outcome: PortfolioBacktest.Outcome
        do {
            outcome = try PortfolioBacktest.run(
                positions: positions, series: series, settings: settings, progress: progress)
        } catch {
            let field = error.field
            throw InputError(
                field.hasPrefix("positions")
                    ? (field == "positions" ? portfolioPath : "\(portfolioPath): \(field)") : flag(field),
                error.reason)
        }
        return Run(
            summary: summary(outcome, settings: settings, horizon: horizon), times: outcome.times,
            values: outcome.values,
            margins: outcome.margins, losses: outcome.losses,
            crashWindows: outcome.crashWindows.map { ($0.window, $0.indices) })
    }

    /// The `--prices` files as series by symbol (SYMBOL=FILE.csv, or the file name's prefix).
    static func loadSeries(_ prices: [String]) throws -> [PortfolioBacktest.Series] {
        var series: [PortfolioBacktest.Series] = []
        for argument in prices {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let path = parts.count == 2 ? parts[1] : parts[0]
            let symbol =
                parts.count == 2
                ? parts[0].uppercased()
                : String(URL(fileURLWithPath: path).lastPathComponent.prefix { $0 != "_" && $0 != "." }).uppercased()
            if series.contains(where: { $0.symbol == symbol }) {
                throw InputError("--prices \(argument)", "\(symbol) is given twice")
            }
            let bars = try OHLCVFile.load(path: path)
            let volumes = bars.compactMap(\.volume)
            series.append(
                .init(
                    symbol: symbol, times: bars.map(\.time.nanoseconds),
                    closes: bars.map { Double($0.close.atoms) / 1e8 },
                    volumes: volumes.count == bars.count ? volumes : nil))
        }
        return series
    }

    /// The command-line option that sets a `PortfolioBacktest.Settings` field.
    static func flag(_ field: String) -> String {
        switch field {
        case "standardRate": "--standard-rate"
        case "degrees": "--dof"
        default: "--\(field)"
        }
    }

    /// The JSON summary of a run.
    static func summary(
        _ outcome: PortfolioBacktest.Outcome, settings: PortfolioBacktest.Settings, horizon: String
    ) -> [String: Any] {
        func test(_ value: TestResult) -> [String: Any] {
            ["statistic": value.statistic, "pValue": value.pValue, "verdict": value.rejected ? "reject" : "accept"]
        }
        let z2: Any =
            outcome.z2.map {
                ["statistic": $0.statistic, "pValue": $0.pValue, "verdict": $0.pValue < 0.05 ? "reject" : "accept"]
                    as [String: Any]
            }
            ?? NSNull()
        let windows: [[String: Any]] = outcome.crashWindows.map {
            [
                "window": $0.window.name, "marginBefore": $0.before, "peakMargin": $0.peak,
                "increase": $0.increase.map { $0 as Any } ?? NSNull(), "exceptions": $0.exceptions,
                "worstLoss": $0.worstLoss,
            ]
        }
        return [
            "model": settings.model.rawValue, "confidence": settings.confidence, "horizon": horizon,
            "window": settings.window,
            "apc": settings.tool.rawValue,
            "seed": settings.model == .monteCarlo ? Int(truncatingIfNeeded: settings.seed) as Any : NSNull(),
            "standardRate": [.standard, .dynamic].contains(settings.model) ? settings.standardRate as Any : NSNull(),
            "observations": outcome.exceptions.count, "exceptions": outcome.exceptionCount,
            "expectedExceptions": outcome.expectedExceptions,
            "kupiec": test(outcome.kupiec), "christoffersenIndependence": test(outcome.christoffersenIndependence),
            "christoffersenConditional": test(outcome.christoffersenConditional), "acerbiSzekelyZ2": z2,
            "trafficLight": outcome.trafficLight.rawValue, "meanMargin": outcome.meanMargin,
            "peakMargin": outcome.peakMargin,
            "gaps": outcome.gaps.map { ["from": iso($0.from), "to": iso($0.to)] }, "crashWindows": windows,
            "liquidity": settings.liquidity.map { ["coefficient": $0, "meanAddOn": outcome.meanAddOn ?? 0] as Any }
                ?? NSNull(),
        ]
    }

    static func iso(_ nanoseconds: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(nanoseconds) / 1e9))
    }
}
