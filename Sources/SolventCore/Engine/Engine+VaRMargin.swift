import SolventRisk

/// The historical-VaR margin model as an account's choice (issue #6): every cross position of
/// the pool (settling in one asset) is revalued under every scenario of `varMargin` at once —
/// perpetuals and futures move with their underlying's series, options are revalued in full at
/// the moved underlying with their current volatility — and the initial margin is the VaR (or
/// ES) of the summed losses, rounded up to settlement atoms. Unlike the portfolio model, the
/// underlyings offset each other only as far as their scenarios moved together.
extension Engine {
    func varRequirements(_ positions: [Position], override: MarkOverride?, now: Timestamp?)
        -> Result<(initial: Int64, maintenance: Int64), RiskError>
    {
        let rules = varMargin
        let count = rules.scenarioCount
        var pnl = [Double](repeating: 0, count: count)
        for position in positions {
            let m = Int(position.marketIndex)
            let u = markets[m].isOption ? markets[m].underlyingIndex : position.marketIndex
            let underlyingID = markets[Int(u)].spec.id
            // Linear search over at most `Limits.varSeries` entries, in the published order.
            guard let series = rules.series.first(where: { $0.market == underlyingID }) else {
                return .failure(.scenariosMissing(underlyingID))
            }
            let forward: Double
            switch markFor(marketIndex: u, override: override, now: now) {
            case .failure(let error): return .failure(error)
            case .success(let mark): forward = Double(mark)
            }
            let valuation = markets[m].valuation
            let size = Double(position.size)
            if markets[m].isOption {
                let years: Double, volatility: Double
                switch optionTerms(marketIndex: m, underlying: u, override: override, now: now) {
                case .failure(let error): return .failure(error)
                case .success(let terms): (years, volatility) = terms
                }
                let base = optionPremium(marketIndex: m, forwardAtoms: forward, years: years, volatility: volatility)
                for (h, move) in series.moves.enumerated() {
                    let moved = optionPremium(marketIndex: m, forwardAtoms: forward * (1 + move.fraction), years: years,
                                              volatility: volatility)
                    pnl[h] += size * (moved - base) * valuation.screenFactor
                }
            } else {
                for (h, move) in series.moves.enumerated() {
                    pnl[h] += linearChange(size: size, forward: forward, move: move.fraction, valuation: valuation)
                }
            }
        }
        let confidence = rules.confidence.fraction
        let losses = pnl.map { -$0 }
        let measure = rules.measure == .valueAtRisk ? RiskMeasures.valueAtRisk(losses: losses, confidence: confidence)
                                                    : RiskMeasures.expectedShortfall(losses: losses, confidence: confidence)
        let initialValue = max(0, measure).rounded(.up)
        guard initialValue.isFinite, initialValue < 9.0e18 else { return .failure(.overflow) }
        let initial = Int64(initialValue)
        guard let maintenance = FixedPoint.multiplyDivide(initial, rules.maintenanceFactor.atoms, Rate.oneAtoms, .up) else {
            return .failure(.overflow)
        }
        return .success((initial, maintenance))
    }

    func planConfigureVaRMargin(_ rules: VaRMarginRules) -> Result<[Event], Rejection> {
        if let (field, reason) = rules.validate() { return .failure(Rejection(.invalidParameter, field: "rules.\(field)", reason)) }
        for (index, entry) in rules.series.enumerated() {
            guard let m = marketIndexByID[entry.market] else {
                return .failure(Rejection(.unknownMarket, field: "rules.series[\(index)].market", "no market \(entry.market)"))
            }
            if markets[Int(m)].isOption {
                return .failure(Rejection(.invalidParameter, field: "rules.series[\(index)].market", "an option moves with its underlying; give the underlying's series"))
            }
        }
        let event = Event.varMarginConfigured(rules)
        var after = self
        after.auditsEveryEvent = false
        after.apply(event)
        let holders = accounts.indices.filter { accounts[$0].marginModel == .historicalVaR }.map { Int32($0) }
        return .success([event] + after.crossPoolStateChanges(accountIndices: holders))
    }
}
