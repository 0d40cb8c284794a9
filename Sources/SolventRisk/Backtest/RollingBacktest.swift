import RealModule

/// A rolling backtest of a margin model on a static portfolio (ccp-models.md §6.1): at each
/// period the model sets the margin from the previous `window` periods only; the period's
/// realised loss is then compared with it (an exception when the loss exceeds the margin).
public enum RollingBacktest {
    public enum Model: String, CaseIterable, Sendable {
        /// The window's returns applied to today's exposures.
        case historical
        /// The same, each asset's returns rescaled by EWMA volatility to today's.
        case fhs
        /// z × the EWMA volatility of the portfolio's P&L.
        case normal
        /// The same with a Student-t quantile (unit variance, `degrees` degrees of freedom).
        case studentT = "student-t"
        /// Seeded Monte Carlo: `draws` joint normal returns with the window's EWMA covariance,
        /// each fully revalued (e^r − 1), VaR of the simulated losses.
        case monteCarlo = "monte-carlo"
        /// A venue's standard margin for linear positions: a fixed rate of gross notional (the
        /// initial-margin rate; Deribit's linear perpetual starts at 2 %). Not risk-based.
        case standard
        /// Portfolio margin on a scenario grid (Deribit-style, `ScenarioGrid.paradex()`): per
        /// underlying, the worst weighted loss of its exposure over the grid's spot moves;
        /// summed across underlyings (no cross-underlying offset).
        case portfolio

        /// Whether the model forecasts an expected shortfall (the Z2 test needs one).
        public var forecastsShortfall: Bool { self != .standard && self != .portfolio }
    }

    public struct Series: Sendable {
        /// Index of the first forecast period.
        public var start: Int
        public var margins: [Double]
        /// The expected shortfall forecast beside each margin (equal to the margin for the
        /// standard and portfolio models, which do not forecast one).
        public var shortfalls: [Double] = []
        public var losses: [Double]
        public var exceptions: [Bool] { zip(losses, margins).map { $0 > $1 } }
    }

    /// `returns[t][a]`: log return of asset a over period t; `exposures[t][a]`: the money held in
    /// asset a at the start of period t (quantity × price). Forecasts for t = window … T − 1.
    public static func run(returns: [[Double]], exposures: [[Double]], model: Model, window: Int, confidence: Double,
                           lambda: Double = 0.94, degrees: Double = 4, draws: Int = 10_000, seed: UInt64 = 1,
                           standardRate: Double = 0.02, grid: ScenarioGrid = .paradex(),
                           progress: ((Int, Int) -> Void)? = nil) -> Series {
        precondition(window >= 2 && returns.count > window && exposures.count == returns.count, "a window shorter than the history")
        let assets = returns[0].count
        let periods = returns.count
        var margins: [Double] = []
        var shortfalls: [Double] = []
        var losses: [Double] = []
        margins.reserveCapacity(periods - window)
        func loss(_ exposure: [Double], _ r: [Double]) -> Double {
            var total = 0.0
            for a in 0..<assets { total -= exposure[a] * (Double.exp(r[a]) - 1) }
            return total
        }
        let unit = model == .studentT ? StudentT.measures(sigma: 1, degrees: degrees, confidence: confidence)
                                      : RiskMeasures.normal(sigma: 1, confidence: confidence)
        let z = unit.valueAtRisk
        for t in window..<periods {
            if let progress, (t - window) % max(1, (periods - window) / 10) == 0 { progress(t - window, periods - window) }
            let history = returns[(t - window)..<t]
            let exposure = exposures[t]
            let margin: Double
            var shortfall: Double? = nil
            switch model {
            case .historical:
                let scenarioLosses = history.map { loss(exposure, $0) }
                margin = RiskMeasures.valueAtRisk(losses: scenarioLosses, confidence: confidence)
                shortfall = RiskMeasures.expectedShortfall(losses: scenarioLosses, confidence: confidence)
            case .fhs:
                // Per asset: EWMA over the window, seeded with the window's first-tenth variance.
                var scenarios = Array(history)
                for a in 0..<assets {
                    let series = history.map { $0[a] }
                    let seedCount = max(2, series.count / 10)
                    let seed = (series.prefix(seedCount).map { $0 * $0 }.reduce(0, +) / Double(seedCount)).squareRoot()
                    let rescaled = FilteredHistoricalSimulation.scenarios(returns: series, lambda: lambda, seed: max(seed, 1e-12))
                    for (index, value) in rescaled.enumerated() { scenarios[index][a] = value }
                }
                let scenarioLosses = scenarios.map { loss(exposure, $0) }
                margin = RiskMeasures.valueAtRisk(losses: scenarioLosses, confidence: confidence)
                shortfall = RiskMeasures.expectedShortfall(losses: scenarioLosses, confidence: confidence)
            case .normal, .studentT:
                let pnl = history.map { loss(exposure, $0) }
                var variance = pnl.prefix(max(2, pnl.count / 10)).map { $0 * $0 }.reduce(0, +) / Double(max(2, pnl.count / 10))
                for value in pnl { variance = lambda * variance + (1 - lambda) * value * value }
                margin = z * variance.squareRoot()
                shortfall = unit.expectedShortfall * variance.squareRoot()
            case .monteCarlo:
                let factor = MonteCarloVaR.choleskyFactor(MonteCarloVaR.ewmaCovariance(Array(history), lambda: lambda))
                // One stream per period, from the seed and the period: a period's margin does not
                // depend on how many periods ran before it.
                var random = MonteCarloVaR.Stream(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(t))
                var draw = [Double](repeating: 0, count: assets)
                var scenario = [Double](repeating: 0, count: assets)
                var simulated = [Double](repeating: 0, count: draws)
                for index in 0..<draws {
                    for a in 0..<assets { draw[a] = random.normal() }
                    for a in 0..<assets {
                        var value = 0.0
                        for b in 0...a { value += factor[a][b] * draw[b] }
                        scenario[a] = value
                    }
                    simulated[index] = loss(exposure, scenario)
                }
                margin = RiskMeasures.valueAtRisk(losses: simulated, confidence: confidence)
                shortfall = RiskMeasures.expectedShortfall(losses: simulated, confidence: confidence)
            case .standard:
                margin = standardRate * exposure.reduce(0) { $0 + abs($1) }
            case .portfolio:
                var total = 0.0
                for a in 0..<assets {
                    var worst = 0.0
                    for scenario in grid.scenarios { worst = max(worst, -exposure[a] * scenario.spotMove * scenario.weight) }
                    total += worst
                }
                margin = total
            }
            margins.append(max(0, margin))
            shortfalls.append(max(0, shortfall ?? margin))
            losses.append(loss(exposure, returns[t]))
        }
        return Series(start: window, margins: margins, shortfalls: shortfalls, losses: losses)
    }
}
