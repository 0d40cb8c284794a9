import SolventCore
import SolventRisk

/// The VaR scenario set the keeper refreshes with dynamic margin: when the venue has published a
/// set (`configureVaRMargin`), the set's underlyings are re-derived at every period close from
/// their own index history by filtered historical simulation under the anti-procyclicality
/// limits (`DynamicScenarioSet`: the published set's volatility as the floor, the stressed-period
/// weight, the buffer, the pace from the set in force) and submitted as an ordinary
/// `configureVaRMargin` input, the published rules' other fields (confidence, measure,
/// maintenance factor, the parametric models' parameters) unchanged.
///
/// Scenario h moves every underlying by its return of the same period, so the set keeps the
/// markets' joint moves: it is rebuilt only when every underlying of the set has returns for the
/// same `window` periods (a market that missed a period waits until its window is whole again),
/// and only when `window` is at least the engine's minimum of 10 scenarios.
extension DynamicMarginSchedule {
    /// What the keeper submits: the rules with the refreshed moves.
    public struct ScenarioUpdate: Sendable, Equatable {
        public var rules: VaRMarginRules
        /// The rules in force when the update was computed (submitted only over them).
        public var replacing: VaRMarginRules
        /// The period of the last return in the set.
        public var period: Int64
    }

    /// The fewest scenarios the engine accepts in a VaR set.
    public static let minimumScenarios = 10

    /// The rules published last, as this schedule knows them (nil: none seen).
    public var publishedScenarioRules: VaRMarginRules? { publishedScenarios }

    /// Takes the rules in force into the published set: a set whose moves are the keeper's own
    /// last set only changes the other fields; any other set is an operator's and becomes the
    /// published set (the floor).
    mutating func adoptScenarios(_ rules: VaRMarginRules) {
        guard !rules.series.isEmpty else {
            publishedScenarios = nil
            return
        }
        if let computed = computedScenarios, let published = publishedScenarios, rules.series == computed.series {
            var taken = rules
            taken.series = published.series
            publishedScenarios = taken
        } else if rules != publishedScenarios {
            publishedScenarios = rules
        }
    }

    /// The refreshed set over `inForce` (the engine's rules), or nil: no published set, the
    /// window shorter than the engine's minimum, an underlying's returns not yet in for the
    /// same periods as the others, nothing new since the last set, or the set equal to the one in
    /// force.
    public mutating func scenarioUpdate(inForce: VaRMarginRules) -> ScenarioUpdate? {
        adoptScenarios(inForce)
        guard let published = publishedScenarios, configuration.window >= Self.minimumScenarios else { return nil }
        var windows: [(returns: [Double], stressed: Double)] = []
        var periods: [Int64]? = nil
        for entry in published.series {
            guard let market = markets.first(where: { $0.id == entry.market }),
                market.returns.count >= configuration.window, let marketPeriods = market.returnPeriods,
                periods == nil || periods == marketPeriods
            else { return nil }
            periods = marketPeriods
            windows.append((market.returns, market.stressedVolatility))
        }
        guard let period = periods?.last, period > (scenarioPeriod ?? -1) else { return nil }
        scenarioPeriod = period
        let rule = configuration.scenarioRule
        var rules = published
        for (index, entry) in published.series.enumerated() {
            let floor = DynamicScenarioSet.volatility(ofMoves: entry.moves.map(\.fraction)) ?? 0
            let current = inForce.series.first { $0.market == entry.market }
            let inForceVolatility = current.flatMap { DynamicScenarioSet.volatility(ofMoves: $0.moves.map(\.fraction)) }
            guard
                let set = rule.refresh(
                    returns: windows[index].returns, stressedVolatility: windows[index].stressed, floor: floor,
                    inForce: inForceVolatility ?? floor)
            else { return nil }
            rules.series[index].moves = set.moves.map(Self.rateAtoms)
        }
        computedScenarios = rules
        guard rules != inForce else { return nil }
        return ScenarioUpdate(rules: rules, replacing: inForce, period: period)
    }

    /// A move as a rate, to the nearest atom (a scenario set has no side to favour: the same move
    /// is a long's loss and a short's gain), kept inside the engine's range (above −1, at most 10).
    static func rateAtoms(_ move: Double) -> Rate {
        let atoms = (move * Double(Rate.oneAtoms)).rounded()
        return Rate(atoms: Int64(min(10 * Double(Rate.oneAtoms), max(Double(1 - Rate.oneAtoms), atoms))))
    }
}
