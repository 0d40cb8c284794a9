import SolventRisk

/// The Greeks-based model and the SPAN model as accounts' choices, and their
/// configuration commands. The Greeks are taken from the same revaluation the scenario models
/// use (central differences of each position's settlement-atom value in the relative underlying
/// move and in volatility), so linear and inverse contracts and quote- or coin-premium options
/// are all covered without a second pricing path.
extension Engine {
    static let greeksBump = 1e-4

    /// One underlying group's value Greeks (settlement atoms: dV/dm and d²V/dm² in the relative
    /// move m, vega per 1.00 of volatility, summed per expiry as the rules charge it) and the
    /// Greeks model's charges on them.
    struct GreeksGroup {
        var underlying: Int32
        var valueDelta: Double
        var valueGamma: Double
        var vega: Double
        var deltaCharge: Double
        var gammaCharge: Double
        var vegaCharge: Double
        var charge: Double { deltaCharge + gammaCharge + vegaCharge }
    }

    func greeksRequirements(
        _ positions: [Position], override: MarkOverride?, now: Timestamp?
    )
        -> Result<(initial: Int64, maintenance: Int64), RiskError>
    {
        greeksGroups(positions, override: override, now: now).flatMap { groups in
            requirements(
                groups: groups.map(\.charge), deltas: groups.map(\.valueDelta),
                underlyings: groups.map(\.underlying), factor: greeksMargin.maintenanceFactor)
        }
    }

    /// Per underlying group of these positions (in order of first appearance): the value
    /// Greeks and the charges of `greeksMargin`.
    func greeksGroups(
        _ positions: [Position], override: MarkOverride?, now: Timestamp?
    ) -> Result<[GreeksGroup], RiskError> {
        Result { () throws(RiskError) -> [GreeksGroup] in
            let rules = greeksMargin
            let h = Self.greeksBump
            // Per underlying: dV/dm and d²V/dm² (m the relative move, so dV/dm = Δ·F and
            // d²V/dm² = Γ·F²), and vega per expiry (kept in first-seen order; summed per expiry).
            var underlyings: [Int32] = []
            var first: [Double] = [], second: [Double] = []
            var vegas: [[(expiry: Int64, vega: Double)]] = []
            for position in positions {
                let m = Int(position.marketIndex)
                let u = markets[m].isOption ? markets[m].underlyingIndex : position.marketIndex
                let forward = Double(try markFor(marketIndex: u, override: override, now: now).get())
                var group = underlyings.firstIndex(of: u) ?? -1
                if group < 0 {
                    group = underlyings.count
                    underlyings.append(u)
                    first.append(0); second.append(0); vegas.append([])
                }
                let valuation = markets[m].valuation
                let size = Double(position.size)
                if markets[m].isOption {
                    let (years, sigma) = try optionTerms(marketIndex: m, underlying: u, override: override, now: now)
                        .get()
                    let expiry = markets[m].spec.expiry!.nanoseconds
                    func value(_ move: Double, _ volatility: Double) -> Double {
                        size
                            * optionPremium(
                                marketIndex: m, forwardAtoms: forward * (1 + move), years: years, volatility: volatility
                            )
                            * valuation.screenFactor
                    }
                    let (up, mid, down) = (value(h, sigma), value(0, sigma), value(-h, sigma))
                    first[group] += (up - down) / (2 * h)
                    second[group] += (up - 2 * mid + down) / (h * h)
                    let vega = (value(0, sigma + h) - value(0, max(0, sigma - h))) / (sigma + h - max(0, sigma - h))
                    if let index = vegas[group].firstIndex(where: { $0.expiry == expiry }) {
                        vegas[group][index].vega += vega
                    } else {
                        vegas[group].append((expiry, vega))
                    }
                } else {
                    first[group] +=
                        (linearChange(size: size, forward: forward, move: h, valuation: valuation)
                            - linearChange(size: size, forward: forward, move: -h, valuation: valuation)) / (2 * h)
                    second[group] +=
                        (linearChange(size: size, forward: forward, move: h, valuation: valuation)
                            + linearChange(size: size, forward: forward, move: -h, valuation: valuation)) / (h * h)
                }
            }
            let deltaMove = rules.deltaMove.fraction, gammaMove = rules.gammaMove.fraction
            let shock = rules.volatilityShock.fraction
            return
                underlyings.indices.map { g in
                    let vega =
                        rules.vegaOffsetsAcrossExpiries
                        ? abs(vegas[g].reduce(0) { $0 + $1.vega }) : vegas[g].reduce(0) { $0 + abs($1.vega) }
                    return GreeksGroup(
                        underlying: underlyings[g], valueDelta: first[g], valueGamma: second[g], vega: vega,
                        deltaCharge: abs(first[g]) * deltaMove,
                        gammaCharge: second[g] < 0 ? 0.5 * -second[g] * gammaMove * gammaMove : 0,
                        vegaCharge: vega * shock)
                }
        }
    }
}
