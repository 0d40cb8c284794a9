import RealModule
import SolventRisk

/// The VaR margin models as an account's choice (`VaRMarginRules`): every cross
/// position of the pool (settling in one asset) is revalued under every scenario at once —
/// perpetuals and futures move with their underlying's series, options are revalued in full at
/// the moved underlying with their current volatility — and the initial margin is the model's VaR
/// (or ES) of the summed losses, rounded up to settlement atoms. Unlike the portfolio model, the
/// underlyings offset each other only as far as their scenarios moved together.
extension Engine {
    func varRequirements(
        _ positions: [Position], model: AccountMarginModel, override: MarkOverride?, now: Timestamp?
    )
        -> Result<(initial: Int64, maintenance: Int64), RiskError>
    {
        Result { () throws(RiskError) -> (initial: Int64, maintenance: Int64) in
            let rules = varMargin
            let scenarios = marginRules.varScenarios
            let moves = model == .monteCarloVaR ? scenarios.simulated : scenarios.historical
            let valuationMoves = model == .monteCarloVaR ? scenarios.simulatedValuation : scenarios.historicalValuation
            let count = moves.first?.count ?? 0
            var pnl = [Double](repeating: 0, count: count)
            for position in positions {
                let m = Int(position.marketIndex)
                let u = markets[m].isOption ? markets[m].underlyingIndex : position.marketIndex
                let underlyingID = markets[Int(u)].spec.id
                // Linear search over at most `Limits.varSeries` entries, in the published order.
                guard let s = rules.series.firstIndex(where: { $0.market == underlyingID }) else {
                    throw .scenariosMissing(underlyingID)
                }
                let forward = Double(try markFor(marketIndex: u, override: override, now: now).get())
                let valuation = markets[m].valuation
                let size = Double(position.size)
                if markets[m].isOption {
                    let (years, volatility) = try optionTerms(
                        marketIndex: m, underlying: u, override: override, now: now
                    )
                    .get()
                    // Every scenario's premium in one vector pass (`ScenarioValuation`), in price
                    // units; the P&L in settlement atoms as `optionPremium`'s atoms would give it.
                    let base = optionPremium(
                        marketIndex: m, forwardAtoms: forward, years: years, volatility: volatility)
                    let terms = markets[m].spec.option!
                    let priceUnit = Double(FixedPoint.powersOfTen[Price.scale])
                    pnl.withUnsafeMutableBufferPointer { buffer in
                        ScenarioValuation.accumulate(
                            right: terms.right == .call ? .call : .put, forward: forward / priceUnit,
                            strike: Double(terms.strike.atoms) / priceUnit, years: years, volatility: volatility,
                            moves: valuationMoves[s], inCoin: terms.premium == .coin, base: base / priceUnit,
                            scale: size * valuation.screenFactor * priceUnit, into: buffer)
                    }
                } else {
                    for (h, move) in moves[s].enumerated() {
                        pnl[h] += linearChange(size: size, forward: forward, move: move, valuation: valuation)
                    }
                }
            }
            let confidence = rules.confidence.fraction
            let measure: Double
            switch model {
            case .normalVaR, .studentTVaR:
                let sigma = RiskMeasures.ewmaVolatility(of: pnl, lambda: rules.lambda.fraction)
                let unit =
                    model == .normalVaR
                    ? RiskMeasures.normal(sigma: 1, confidence: confidence)
                    : StudentT.measures(sigma: 1, degrees: Double(rules.degrees), confidence: confidence)
                measure = sigma * (rules.measure == .valueAtRisk ? unit.valueAtRisk : unit.expectedShortfall)
            default:
                let losses = pnl.map { -$0 }
                measure =
                    rules.measure == .valueAtRisk
                    ? RiskMeasures.valueAtRisk(losses: losses, confidence: confidence)
                    : RiskMeasures.expectedShortfall(losses: losses, confidence: confidence)
            }
            let initialValue = max(0, measure).rounded(.up)
            guard initialValue.isFinite, initialValue < 9.0e18 else { throw .overflow }
            let initial = Int64(initialValue)
            guard
                let maintenance = FixedPoint.multiplyDivide(initial, rules.maintenanceFactor.atoms, Rate.oneAtoms, .up)
            else {
                throw .overflow
            }
            return (initial, maintenance)
        }
    }
}

/// The VaR models' scenarios in the form the margin checks read: the published moves as
/// fractions (series × scenario) and the Monte Carlo moves (series × draw), both computed once
/// per configuration, deterministically from the rules alone. A snapshot stores the rules, not
/// the derived doubles (up to 5,000 draws × 64 series), and decoding recomputes them.
struct VaRScenarioSets: Sendable, Codable {
    let rules: VaRMarginRules
    var historical: [[Double]]
    var simulated: [[Double]]
    /// The same moves with their logarithms, for the options' vector revaluation.
    var historicalValuation: [ScenarioValuation.Moves]
    var simulatedValuation: [ScenarioValuation.Moves]

    init(from decoder: any Decoder) throws { self.init(try VaRMarginRules(from: decoder)) }
    func encode(to encoder: any Encoder) throws { try rules.encode(to: encoder) }

    init(_ rules: VaRMarginRules) {
        self.rules = rules
        let historical = rules.series.map { $0.moves.map(\.fraction) }
        self.historical = historical
        historicalValuation = historical.map(ScenarioValuation.Moves.init)
        guard let length = historical.first?.count, length >= 2, rules.draws > 0 else {
            simulated = historical
            simulatedValuation = historicalValuation
            return
        }
        // Log-returns, scenario × series, for the EWMA covariance (oldest first).
        let returns = (0..<length).map { h in historical.map { Double.log(onePlus: $0[h]) } }
        let factor = MonteCarloVaR.choleskyFactor(MonteCarloVaR.ewmaCovariance(returns, lambda: rules.lambda.fraction))
        var stream = MonteCarloVaR.Stream(seed: rules.seed)
        let draws = MonteCarloVaR.jointReturns(factor: factor, draws: Int(rules.draws), stream: &stream)
        simulated = historical.indices.map { s in draws.map { Double.expMinusOne($0[s]) } }
        simulatedValuation = simulated.map(ScenarioValuation.Moves.init)
    }
}
