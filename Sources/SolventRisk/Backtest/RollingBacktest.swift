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
        /// The standard model with a rate that follows the market: each underlying's rate is
        /// `DynamicMarginRate` over its own returns (the standard rate as the floor, the run's
        /// confidence and λ, a 25 % stressed-period weight, a rise of at most 50 % a period),
        /// applied to its gross notional; options as in the standard model.
        case dynamic
        /// The keeper's dynamic VaR scenario set: each period every underlying's FHS set is
        /// refreshed under the anti-procyclicality limits (`DynamicScenarioSet`: the first
        /// window's historical set as the floor, a 25 % stressed-period weight, a rise of at
        /// most 50 % a period over the set in force), and the margin is the VaR of the book over
        /// the joint scenarios.
        case fhsDynamic = "fhs-dynamic"

        /// Whether the model forecasts an expected shortfall (the Z2 test needs one).
        public var forecastsShortfall: Bool { self != .standard && self != .portfolio && self != .dynamic }
    }

    /// A constant-maturity European option held through the backtest: at the start of every
    /// period it is (re)struck at `moneyness` × spot with `days` to expiry, priced by
    /// Black-Scholes (no rates) at `volatility` or, when nil, the underlying's EWMA volatility
    /// (λ as for the models, annualised) at that time; over the period it is revalued at the
    /// moved spot with the horizon's time decay and the same volatility (sticky: no vega P&L).
    /// `deltaHedged` adds −quantity × delta of the underlying, rebalanced every period.
    public struct OptionLeg: Sendable {
        public var asset: Int
        public var right: OptionRight
        public var moneyness: Double
        public var days: Double
        /// Contracts on one unit of the underlying; negative is short.
        public var quantity: Double
        public var deltaHedged: Bool
        public var volatility: Double?

        public init(
            asset: Int, right: OptionRight, moneyness: Double, days: Double, quantity: Double,
            deltaHedged: Bool = false,
            volatility: Double? = nil
        ) {
            (self.asset, self.right, self.moneyness, self.days, self.quantity, self.deltaHedged, self.volatility) =
                (asset, right, moneyness, days, quantity, deltaHedged, volatility)
        }
    }

    /// Options in a backtested book: the legs, each asset's price at the start of every period,
    /// and how long a period is.
    public struct OptionBook: Sendable {
        public var legs: [OptionLeg]
        /// `spots[t][a]`: asset a's price at the start of period t.
        public var spots: [[Double]]
        public var periodsPerYear: Double

        public init(legs: [OptionLeg], spots: [[Double]], periodsPerYear: Double) {
            (self.legs, self.spots, self.periodsPerYear) = (legs, spots, periodsPerYear)
        }
    }

    /// A leg as struck at the start of one period.
    struct StruckLeg {
        var leg: OptionLeg
        var spot: Double
        var strike: Double
        var volatility: Double
        var value: Double
        var delta: Double

        func price(spot: Double, years: Double, volatility: Double) -> Double {
            BlackScholes.price(
                EuropeanOption(
                    right: leg.right, spot: spot, strike: strike, years: max(0, years), volatility: volatility))
        }

        /// The leg's loss (and its hedge's) when the underlying's log return is `r` over `elapsed` years.
        func loss(_ r: Double, elapsed: Double) -> Double {
            let moved = spot * Double.exp(r)
            let change = price(spot: moved, years: leg.days / 365 - elapsed, volatility: volatility) - value
            return -leg.quantity * change + (leg.deltaHedged ? leg.quantity * delta * (moved - spot) : 0)
        }
    }

    public struct Series: Sendable {
        /// Index of the first forecast period.
        public var start: Int
        public var margins: [Double]
        /// The expected shortfall forecast beside each margin (equal to the margin for the
        /// standard and portfolio models, which do not forecast one).
        public var shortfalls: [Double] = []
        public var losses: [Double]
        /// The option legs' value (and their hedges' notional) at the start of each forecast
        /// period; zeros without options.
        public var optionValues: [Double] = []
        /// The margin held: `margins` under the anti-procyclicality tool of the run.
        public var held: [Double] = []
        public var exceptions: [Bool] { zip(losses, held.isEmpty ? margins : held).map { $0 > $1 } }
    }

    /// `returns[t][a]`: log return of asset a over period t; `exposures[t][a]`: the money held in
    /// asset a at the start of period t (quantity × price). Forecasts for t = window … T − 1.
    public static func run(
        returns: [[Double]], exposures: [[Double]], model: Model, window: Int, confidence: Double,
        lambda: Double = 0.94, degrees: Double = 4, draws: Int = 10_000, seed: UInt64 = 1,
        standardRate: Double = 0.02, grid: ScenarioGrid = .paradex(), options: OptionBook? = nil,
        tool: AntiProcyclicalTool = .none, floorLookback: Int = 3_650, addOns: [Double]? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) -> Series {
        precondition(
            window >= 2 && returns.count > window && exposures.count == returns.count,
            "a window shorter than the history")
        let assets = returns[0].count
        let periods = returns.count
        var margins: [Double] = []
        var shortfalls: [Double] = []
        var losses: [Double] = []
        var optionValues: [Double] = []
        var held: [Double] = []
        // The stressed period (for `.stressed`): the window of past returns with the largest
        // realised variance (summed over assets) seen so far, tracked as the window rolls.
        func squares(_ t: Int) -> Double { returns[t].reduce(0) { $0 + $1 * $1 } }
        var stressedStart = 0, rollingStart = 0
        var stressedVariance = (0..<window).reduce(0) { $0 + squares($1) }
        var rollingVariance = stressedVariance
        // The floor (for `.floor`): recomputed at most about 2,500 times per run, held between.
        let floorStride = max(1, (periods - window) / 2_500)
        var floorMargin = 0.0
        margins.reserveCapacity(periods - window)
        // Each option leg struck at the start of every period (EWMA volatility where none is given).
        let elapsed = options.map { 1 / $0.periodsPerYear } ?? 0
        var ewma = [[Double]](repeating: [Double](repeating: 0, count: assets), count: periods)
        if let options {
            for a in 0..<assets {
                var variance = RiskMeasures.seedVariance(of: returns[0..<window].lazy.map { $0[a] })
                for t in 0..<periods {
                    ewma[t][a] = (variance * options.periodsPerYear).squareRoot()
                    variance = lambda * variance + (1 - lambda) * returns[t][a] * returns[t][a]
                }
            }
        }
        func struck(_ t: Int) -> [StruckLeg] {
            guard let options else { return [] }
            return options.legs.map { leg in
                let spot = options.spots[t][leg.asset]
                let sigma = max(1e-4, leg.volatility ?? ewma[t][leg.asset])
                let valuation = BlackScholes.valuation(
                    EuropeanOption(
                        right: leg.right, spot: spot, strike: leg.moneyness * spot,
                        years: leg.days / 365, volatility: sigma))
                return StruckLeg(
                    leg: leg, spot: spot, strike: leg.moneyness * spot, volatility: sigma, value: valuation.price,
                    delta: valuation.delta)
            }
        }
        var legs: [StruckLeg] = []
        func loss(_ exposure: [Double], _ r: [Double]) -> Double {
            var total = 0.0
            for a in 0..<assets { total -= exposure[a] * (Double.exp(r[a]) - 1) }
            for leg in legs { total += leg.loss(r[leg.leg.asset], elapsed: elapsed) }
            return total
        }
        let unit =
            model == .studentT
            ? StudentT.measures(sigma: 1, degrees: degrees, confidence: confidence)
            : RiskMeasures.normal(sigma: 1, confidence: confidence)
        let z = unit.valueAtRisk
        let dynamicRule = DynamicMarginRate(floor: standardRate, confidence: confidence, lambda: lambda)
        let dynamicRates =
            model == .dynamic
            ? (0..<assets).map { a in dynamicRule.rates(returns: returns.map { $0[a] }, window: window) } : []
        var dynamicScenarios = DynamicScenarios(rule: DynamicScenarioSet(lambda: lambda), first: returns[0..<window])
        // One linear underlying under historical simulation: the tail is read from the window
        // kept sorted as it slides (`SortedWindow.tailMeasures`), not from a sort of it; returns
        // stay far below where eʳ overflows (where a flat book's 0 × ∞ would differ).
        var sorted =
            model == .historical && assets == 1 && (options?.legs.isEmpty ?? true)
                && returns.allSatisfy { abs($0[0]) < 700 } && exposures.allSatisfy { $0[0].isFinite }
            ? SortedWindow(returns[0..<window].lazy.map { $0[0] }) : nil
        let tail = min(RiskMeasures.tailCount(scenarios: window, confidence: confidence), window)
        for t in window..<periods {
            if let progress, (t - window) % max(1, (periods - window) / 10) == 0 {
                progress(t - window, periods - window)
            }
            let history = returns[(t - window)..<t]
            let exposure = exposures[t]
            legs = struck(t)
            optionValues.append(
                legs.reduce(0) {
                    $0 + $1.leg.quantity * $1.value - ($1.leg.deltaHedged ? $1.leg.quantity * $1.delta * $1.spot : 0)
                })
            let margin: Double
            var shortfall: Double? = nil
            if t > window { sorted?.slide(adding: returns[t - 1][0], removing: returns[t - 1 - window][0]) }
            switch model {
            case .historical where sorted != nil:
                let measures = sorted!.tailMeasures(exposure: exposure[0], tail: tail)
                (margin, shortfall) = (measures.valueAtRisk, measures.shortfall)
            case .historical, .fhs, .fhsDynamic:
                let scenarios =
                    model == .historical
                    ? Array(history)
                    : model == .fhs ? fhsScenarios(history, lambda: lambda) : dynamicScenarios.next(history)
                let scenarioLosses = scenarios.map { loss(exposure, $0) }
                margin = RiskMeasures.valueAtRisk(losses: scenarioLosses, confidence: confidence)
                shortfall = RiskMeasures.expectedShortfall(losses: scenarioLosses, confidence: confidence)
            case .normal, .studentT:
                let sigma = RiskMeasures.ewmaVolatility(of: history.map { loss(exposure, $0) }, lambda: lambda)
                margin = z * sigma
                shortfall = unit.expectedShortfall * sigma
            case .monteCarlo:
                let factor = MonteCarloVaR.choleskyFactor(MonteCarloVaR.ewmaCovariance(Array(history), lambda: lambda))
                // One stream per period, from the seed and the period: a period's margin does not
                // depend on how many periods ran before it.
                var random = MonteCarloVaR.Stream(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(t))
                let simulated = MonteCarloVaR.jointReturns(factor: factor, draws: draws, stream: &random).map {
                    loss(exposure, $0)
                }
                margin = RiskMeasures.valueAtRisk(losses: simulated, confidence: confidence)
                shortfall = RiskMeasures.expectedShortfall(losses: simulated, confidence: confidence)
            case .standard: margin = standardMargin(rates: nil, standardRate, exposure, legs)
            case .dynamic: margin = standardMargin(rates: dynamicRates.map { $0[t - window] }, 0, exposure, legs)
            case .portfolio: margin = gridMargin(grid, exposure, legs, assets: assets)
            }
            margins.append(max(0, margin))
            // The margin held under the anti-procyclicality tool, on the whole book (options
            // included) through the same loss function.
            switch tool {
            case .none: held.append(max(0, margin))
            case .buffer: held.append(max(0, margin) * 1.25)
            case .stressed:
                while rollingStart < t - window {
                    rollingVariance += squares(rollingStart + window) - squares(rollingStart)
                    rollingStart += 1
                    if rollingVariance > stressedVariance {
                        (stressedStart, stressedVariance) = (rollingStart, rollingVariance)
                    }
                }
                let stressed = RiskMeasures.valueAtRisk(
                    losses: returns[stressedStart..<(stressedStart + window)].map { loss(exposure, $0) },
                    confidence: confidence)
                held.append(max(0, 0.75 * max(0, margin) + 0.25 * max(0, stressed)))
            case .floor:
                if (t - window) % floorStride == 0 {
                    floorMargin = RiskMeasures.valueAtRisk(
                        losses: returns[max(0, t - floorLookback)..<t].map { loss(exposure, $0) },
                        confidence: confidence)
                }
                held.append(max(0, margin, floorMargin))
            }
            // A liquidity add-on (e.g. `MarginPolicy.liquidityAddOn`) on top of what is held.
            if let addOns { held[held.count - 1] += addOns[t] }
            shortfalls.append(max(0, shortfall ?? margin))
            losses.append(loss(exposure, returns[t]))
        }
        return Series(
            start: window, margins: margins, shortfalls: shortfalls, losses: losses, optionValues: optionValues,
            held: held)
    }

    /// Portfolio margin on a scenario grid: per underlying, the worst weighted loss over the
    /// grid, linear exposure and options fully revalued at the moved spot and shocked
    /// volatility, netted; summed across underlyings.
    static func gridMargin(_ grid: ScenarioGrid, _ exposure: [Double], _ legs: [StruckLeg], assets: Int) -> Double {
        var total = 0.0
        for a in 0..<assets {
            var worst = 0.0
            for scenario in grid.scenarios {
                var scenarioLoss = -exposure[a] * scenario.spotMove
                for leg in legs where leg.leg.asset == a {
                    let moved = leg.spot * (1 + scenario.spotMove)
                    let shocked = grid.shockedVolatility(
                        leg.volatility, shock: scenario.volatilityShock, days: leg.leg.days)
                    scenarioLoss -=
                        leg.leg.quantity
                        * (leg.price(spot: moved, years: leg.leg.days / 365, volatility: shocked) - leg.value)
                    if leg.leg.deltaHedged { scenarioLoss += leg.leg.quantity * leg.delta * (moved - leg.spot) }
                }
                worst = max(worst, scenarioLoss * scenario.weight)
            }
            total += worst
        }
        return total
    }

    /// FHS scenarios of a window: per asset, its returns rescaled by their EWMA volatility to
    /// today's, the EWMA seeded with the window's first-tenth variance.
    static func fhsScenarios(_ history: ArraySlice<[Double]>, lambda: Double) -> [[Double]] {
        var scenarios = Array(history)
        for a in history[history.startIndex].indices {
            let series = history.map { $0[a] }
            let seed = RiskMeasures.seedVariance(of: series).squareRoot()
            let rescaled = FilteredHistoricalSimulation.scenarios(
                returns: series, lambda: lambda, seed: max(seed, 1e-12))
            for (index, value) in rescaled.enumerated() { scenarios[index][a] = value }
        }
        return scenarios
    }

    /// A venue's standard margin: the linear notional at each underlying's rate (`rates`, or
    /// `flat` for all), plus the options by Deribit's standard formulas (a long holds its
    /// premium, a short the initial margin), hedges as linear notional at their underlying's rate.
    static func standardMargin(rates: [Double]?, _ flat: Double, _ exposure: [Double], _ legs: [StruckLeg]) -> Double {
        var total =
            rates.map { zip($0, exposure).reduce(0) { $0 + $1.0 * abs($1.1) } } ?? flat
            * exposure.reduce(0) { $0 + abs($1) }
        for leg in legs {
            if leg.leg.quantity > 0 {
                total += leg.leg.quantity * leg.value
            } else {
                total +=
                    leg.spot
                    * StandardOptionMargin.requirement(
                        right: leg.leg.right, quantity: leg.leg.quantity, forward: leg.spot,
                        strike: leg.strike, markInCoin: leg.value / leg.spot
                    ).initial
            }
            if leg.leg.deltaHedged {
                total += (rates?[leg.leg.asset] ?? flat) * abs(leg.leg.quantity * leg.delta) * leg.spot
            }
        }
        return total
    }
}

/// The keeper's dynamic scenario sets along a backtest (`RollingBacktest.Model.fhsDynamic`): per
/// underlying the floor (the first window's historical volatility), the highest EWMA volatility
/// seen so far and the volatility of the set in force.
struct DynamicScenarios {
    let rule: DynamicScenarioSet
    let floors: [Double]
    var stressed: [Double]
    var inForce: [Double]

    init(rule: DynamicScenarioSet, first window: ArraySlice<[Double]>) {
        self.rule = rule
        floors = window[window.startIndex].indices.map { a in
            (window.reduce(0) { $0 + $1[a] * $1[a] } / Double(window.count)).squareRoot()
        }
        stressed = floors.map { _ in 0 }
        inForce = floors
    }

    /// The next period's joint scenarios (log returns per underlying) from the window before it.
    mutating func next(_ history: ArraySlice<[Double]>) -> [[Double]] {
        var scenarios = Array(history)
        for a in floors.indices {
            // A window without movement keeps its historical scenarios.
            guard
                let set = rule.refresh(
                    returns: history.map { $0[a] }, stressedVolatility: stressed[a], floor: floors[a],
                    inForce: inForce[a])
            else { continue }
            stressed[a] = max(stressed[a], set.volatility)
            inForce[a] = set.target
            for (index, move) in set.moves.enumerated() { scenarios[index][a] = Double.log(onePlus: move) }
        }
        return scenarios
    }
}
