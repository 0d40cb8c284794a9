/// One underlying group of an account's cross pool under a model that margins each underlying
/// on its own (portfolio, SPAN-style, Greeks-based): the figures behind its requirement, for
/// reports (`solvent margin` on an option portfolio prints them). Amounts are in the settlement
/// asset's atoms; the risk figures are the models' `Double` screens, the requirements the
/// booked integers (the group's risk rounded up, its spread credit rounded down).
public struct UnderlyingRisk: Hashable, Sendable {
    /// One scenario of the group's grid: the relative move of the underlying, the relative
    /// volatility shock, the weight its P&L counts with, and the group's unweighted P&L.
    public struct Scenario: Hashable, Sendable {
        public var move: Double
        public var volatilityShock: Double
        public var weight: Double
        public var pnl: Double
    }

    /// The Greeks model's value Greeks of the group (dV/dm and d²V/dm² in the relative move m,
    /// vega per 1.00 of volatility as charged: summed in absolute value per expiry, or netted)
    /// and its three charges.
    public struct Greeks: Hashable, Sendable {
        public var valueDelta: Double
        public var valueGamma: Double
        public var vega: Double
        public var deltaCharge: Double
        public var gammaCharge: Double
        public var vegaCharge: Double
    }

    /// The perpetual or future the group's options are written on.
    public var underlying: MarketID
    public var settleAsset: AssetID
    /// The group's loss before any spread credit: the worst weighted scenario loss (portfolio),
    /// max(scan risk, short option minimum) (SPAN), or the sum of the charges (Greeks).
    public var risk: Double
    /// The grid's scenarios (portfolio, SPAN); empty for the Greeks model.
    public var scenarios: [Scenario]
    /// Index in `scenarios` of the worst weighted loss; nil when no scenario loses.
    public var worstScenario: Int?
    /// SPAN's short option minimum (the rules' share of the mark per short option).
    public var shortOptionMinimum: Double?
    public var greeks: Greeks?
    /// dV/dm of the whole group (the base of the spread credits).
    public var valueDelta: Double
    /// The group's inter-commodity spread credit (0 without spreads).
    public var spreadCredit: Double
    /// The group's initial margin as booked (risk up, credit down) and maintenance (the model's
    /// factor × initial, up). The pool's requirement is the sum of the groups' initial margins.
    public var initial: Int64
    public var maintenance: Int64
}

extension Engine {
    /// The underlying groups of an account's cross positions under its margin model, per
    /// settlement asset in asset order: nil for an unknown account, an empty list under the
    /// standard and VaR models (they do not margin underlyings on their own).
    public func underlyingRisk(of id: AccountID) -> Result<[UnderlyingRisk], RiskError>? {
        guard let account = account(id) else { return nil }
        guard [.portfolio, .span, .greeks].contains(account.marginModel) else { return .success([]) }
        return Result { () throws(RiskError) in
            var result: [UnderlyingRisk] = []
            for assetIndex in assets.indices.map(Int32.init) {
                let positions = account.positions.filter {
                    !$0.isolated && markets[Int($0.marketIndex)].settleAssetIndex == assetIndex
                }.sorted { $0.marketIndex < $1.marketIndex }
                if !positions.isEmpty { result += try underlyingGroups(positions, model: account.marginModel) }
            }
            return result
        }
    }

    /// The groups of positions settling in one asset, with the same figures the requirements use.
    private func underlyingGroups(
        _ positions: [Position], model: AccountMarginModel
    ) throws(RiskError) -> [UnderlyingRisk] {
        let settle = assets[Int(markets[Int(positions[0].marketIndex)].settleAssetIndex)].spec.id
        var groups: [UnderlyingRisk]
        let factor: Rate
        if model == .greeks {
            factor = greeksMargin.maintenanceFactor
            groups = try greeksGroups(positions, override: nil, now: nil).get().map { g in
                UnderlyingRisk(
                    underlying: markets[Int(g.underlying)].spec.id, settleAsset: settle, risk: g.charge,
                    scenarios: [], worstScenario: nil, shortOptionMinimum: nil,
                    greeks: .init(
                        valueDelta: g.valueDelta, valueGamma: g.valueGamma, vega: g.vega,
                        deltaCharge: g.deltaCharge, gammaCharge: g.gammaCharge, vegaCharge: g.vegaCharge),
                    valueDelta: g.valueDelta, spreadCredit: 0, initial: 0, maintenance: 0)
            }
        } else {
            let span = model == .span
            let grid = span ? spanMargin.grid : marginRules.portfolioGrid
            factor = span ? spanMargin.maintenanceFactor : portfolioMargin.maintenanceFactor
            let lookahead = span ? Double(spanMargin.lookaheadDays) / 365 : 0
            let risk = try scenarioRisk(
                positions, grid: grid, lookaheadYears: lookahead, override: nil, now: nil, withDeltas: true
            ).get()
            let count = grid.scenarios.count
            groups = risk.underlyings.enumerated().map { g, u in
                let scenarios = grid.scenarios.enumerated().map { s, scenario in
                    UnderlyingRisk.Scenario(
                        move: scenario.spotMove, volatilityShock: scenario.volatilityShock, weight: scenario.weight,
                        pnl: risk.pnl[g * count + s])
                }
                let weighted = scenarios.map { $0.pnl * $0.weight }
                let worst = weighted.indices.min { weighted[$0] < weighted[$1] }.flatMap {
                    weighted[$0] < 0 ? $0 : nil
                }
                let minimum = span ? spanMargin.shortOptionMinimum.fraction * risk.shortOptions[g] : nil
                return UnderlyingRisk(
                    underlying: markets[Int(u)].spec.id, settleAsset: settle, risk: max(risk.worst[g], minimum ?? 0),
                    scenarios: scenarios, worstScenario: worst, shortOptionMinimum: minimum, greeks: nil,
                    valueDelta: risk.deltas[g], spreadCredit: 0, initial: 0, maintenance: 0)
            }
        }
        // The booked figures, group by group, as `requirements` books them.
        let credits = spreadCredits(
            groups: groups.map(\.risk), deltas: groups.map(\.valueDelta),
            underlyings: groups.map { marketIndexByID[$0.underlying]! })
        let initials = try bookedInitials(groups: groups.map(\.risk), credits: credits).get()
        for g in groups.indices {
            groups[g].spreadCredit = credits.isEmpty ? 0 : credits[g]
            groups[g].initial = initials[g]
            guard let maintenance = FixedPoint.multiplyDivide(initials[g], factor.atoms, Rate.oneAtoms, .up) else {
                throw .overflow
            }
            groups[g].maintenance = maintenance
        }
        return groups
    }
}
