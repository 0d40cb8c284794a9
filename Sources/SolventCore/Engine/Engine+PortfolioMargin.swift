import SolventRisk

/// The portfolio margin model as an account's choice: its cross positions
/// settling in one asset are grouped by underlying (an option joins its underlying's perpetual
/// or future), every group is revalued under every scenario of `portfolioMargin`, and the
/// group's initial margin is its worst weighted loss. Options are revalued in full (Black-76 on
/// the moved underlying with the shocked, expiry-scaled volatility); perpetuals and futures move
/// with their underlying (an inverse contract's coin P&L is exact: −size × contract / price).
/// Risk is computed in `Double` and the requirement rounded up to settlement atoms (DESIGN.md §3).
extension Engine {
    /// Initial and maintenance requirements of the portfolio model for cross positions settling
    /// in one asset, in settlement atoms.
    func portfolioRequirements(
        _ positions: [Position], override: MarkOverride?, now: Timestamp?
    )
        -> Result<(initial: Int64, maintenance: Int64), RiskError>
    {
        Result { () throws(RiskError) -> (initial: Int64, maintenance: Int64) in
            let risk = try scenarioRisk(
                positions, grid: marginRules.portfolioGrid, lookaheadYears: 0, override: override, now: now
            )
            .get()
            return try requirements(
                groups: risk.worst, deltas: risk.deltas, underlyings: risk.underlyings,
                factor: portfolioMargin.maintenanceFactor
            ).get()
        }
    }

    /// The SPAN-style model: per underlying, max(scan risk, short option minimum) over the 16
    /// scenarios of `spanMargin` (`SpanMarginRules`).
    func spanRequirements(
        _ positions: [Position], override: MarkOverride?, now: Timestamp?
    )
        -> Result<(initial: Int64, maintenance: Int64), RiskError>
    {
        Result { () throws(RiskError) -> (initial: Int64, maintenance: Int64) in
            let rules = spanMargin
            let risk = try scenarioRisk(
                positions, grid: rules.grid, lookaheadYears: Double(rules.lookaheadDays) / 365, override: override,
                now: now
            ).get()
            let minimum = rules.shortOptionMinimum.fraction
            return try requirements(
                groups: zip(risk.worst, risk.shortOptions).map { max($0, minimum * $1) }, deltas: risk.deltas,
                underlyings: risk.underlyings, factor: rules.maintenanceFactor
            ).get()
        }
    }

    /// Σ over underlying groups of each group's booked initial margin (`bookedInitials`, the
    /// credits from the groups' value deltas); maintenance = factor × initial, up.
    func requirements(
        groups: [Double], deltas: [Double], underlyings: [Int32], factor: Rate
    )
        -> Result<(initial: Int64, maintenance: Int64), RiskError>
    {
        Result { () throws(RiskError) in
            let credits = spreadCredits(groups: groups, deltas: deltas, underlyings: underlyings)
            var initial: Int64 = 0
            for value in try bookedInitials(groups: groups, credits: credits).get() {
                guard let sum = FixedPoint.add(initial, value) else { throw .overflow }
                initial = sum
            }
            guard let maintenance = FixedPoint.multiplyDivide(initial, factor.atoms, Rate.oneAtoms, .up) else {
                throw .overflow
            }
            return (initial, maintenance)
        }
    }

    /// Each group's loss rounded up to atoms less its spread credit (none when `credits` is
    /// empty) rounded down, the credit at most the loss.
    func bookedInitials(groups: [Double], credits: [Double]) -> Result<[Int64], RiskError> {
        var initials: [Int64] = []
        initials.reserveCapacity(groups.count)
        for (g, value) in groups.enumerated() {
            let loss = max(0, value).rounded(.up)
            // A credit that is not a finite number forgives nothing (min with NaN would keep the NaN
            // out and forgive the whole loss).
            let raw = credits.isEmpty ? 0 : credits[g].rounded(.down)
            let credit = raw.isFinite ? min(loss, max(0, raw)) : 0
            guard loss.isFinite, loss < 9.0e18 else { return .failure(.overflow) }
            initials.append(Int64(loss) - Int64(credit))
        }
        return .success(initials)
    }

    typealias ScenarioRisk = (
        worst: [Double], shortOptions: [Double], deltas: [Double], underlyings: [Int32], pnl: [Double]
    )

    /// Per underlying group of these positions (in order of first appearance): the worst
    /// weighted scenario loss on `grid` (each scenario also letting `lookaheadYears` pass for
    /// options), the short options' notional at the mark (|size| × the mark in the option's
    /// premium currency, settlement atoms; the base of SPAN's short option minimum), the value
    /// deltas (when the venue has spreads, or `withDeltas`), and every scenario's unweighted P&L
    /// (group-major: `pnl[group × scenarios + scenario]`).
    func scenarioRisk(
        _ positions: [Position], grid: ScenarioGrid, lookaheadYears: Double, override: MarkOverride?, now: Timestamp?,
        withDeltas: Bool = false
    ) -> Result<ScenarioRisk, RiskError> {
        Result { () throws(RiskError) -> ScenarioRisk in
            let count = grid.scenarios.count
            var underlyings: [Int32] = []
            var pnl: [Double] = []  // underlyings.count × count, group-major
            var shortOptions: [Double] = []
            // Value deltas for the spread credits, only when the venue has spreads (or a report asks).
            let needsDeltas = withDeltas || !spreadCredits.spreads.isEmpty
            var deltas: [Double] = []
            let h = Self.greeksBump
            let priceUnit = Double(FixedPoint.powersOfTen[Price.scale])
            for position in positions {
                let m = Int(position.marketIndex)
                let u = markets[m].isOption ? markets[m].underlyingIndex : position.marketIndex
                let forwardAtoms = try markFor(marketIndex: u, override: override, now: now).get()
                var group = underlyings.firstIndex(of: u) ?? -1
                if group < 0 {
                    group = underlyings.count
                    underlyings.append(u)
                    pnl.append(contentsOf: repeatElement(0, count: count))
                    shortOptions.append(0)
                    if needsDeltas { deltas.append(0) }
                }
                let valuation = markets[m].valuation
                let size = Double(position.size)
                let forward = Double(forwardAtoms)
                if markets[m].isOption {
                    let (years, volatility) = try optionTerms(
                        marketIndex: m, underlying: u, override: override, now: now
                    )
                    .get()
                    let base = optionPremium(
                        marketIndex: m, forwardAtoms: forward, years: years, volatility: volatility)
                    for (s, scenario) in grid.scenarios.enumerated() {
                        let shocked = grid.shockedVolatility(
                            volatility, shock: scenario.volatilityShock, days: years * 365)
                        let moved = optionPremium(
                            marketIndex: m, forwardAtoms: forward * (1 + scenario.spotMove),
                            years: max(0, years - lookaheadYears), volatility: shocked)
                        pnl[group * count + s] += size * (moved - base) * valuation.screenFactor
                    }
                    if needsDeltas {
                        deltas[group] +=
                            size * valuation.screenFactor / (2 * h)
                            * (optionPremium(
                                marketIndex: m, forwardAtoms: forward * (1 + h), years: years, volatility: volatility)
                                - optionPremium(
                                    marketIndex: m, forwardAtoms: forward * (1 - h), years: years,
                                    volatility: volatility))
                    }
                    if size < 0 {
                        shortOptions[group] +=
                            -size * valuation.screenFactor
                            * (markets[m].spec.option!.premium == .coin ? priceUnit : forward)
                    }
                } else {
                    for (s, scenario) in grid.scenarios.enumerated() {
                        pnl[group * count + s] += linearChange(
                            size: size, forward: forward, move: scenario.spotMove, valuation: valuation)
                    }
                    if needsDeltas {
                        deltas[group] +=
                            (linearChange(size: size, forward: forward, move: h, valuation: valuation)
                                - linearChange(size: size, forward: forward, move: -h, valuation: valuation)) / (2 * h)
                    }
                }
            }
            var worst: [Double] = []
            for group in underlyings.indices {
                var value = 0.0
                for (s, scenario) in grid.scenarios.enumerated() {
                    value = min(value, pnl[group * count + s] * scenario.weight)
                }
                worst.append(-value)
            }
            return (worst, shortOptions, deltas, underlyings, pnl)
        }
    }

    /// Each group's inter-commodity spread credit (none without spreads), in settlement atoms.
    /// Spreads naming an underlying the pool does not hold are skipped.
    func spreadCredits(groups: [Double], deltas: [Double], underlyings: [Int32]) -> [Double] {
        let spreads = spreadCredits.spreads
        guard !spreads.isEmpty, underlyings.count > 1 else { return [] }
        let ids = underlyings.map { markets[Int($0)].spec.id }
        let mapped = spreads.compactMap { spread -> InterCommoditySpread.Spread? in
            guard let a = ids.firstIndex(of: spread.first), let b = ids.firstIndex(of: spread.second) else {
                return nil
            }
            return InterCommoditySpread.Spread(
                first: a, second: b, firstRatio: spread.firstRatio.fraction,
                secondRatio: spread.secondRatio.fraction, creditRate: spread.creditRate.fraction)
        }
        return InterCommoditySpread.credits(
            groups: zip(deltas, groups).map { .init(delta: $0, risk: $1) }, spreads: mapped)
    }

    /// An option's years to expiry (from its underlying's mark time, or `now` under an override
    /// of the underlying) and its volatility, for revaluation; a missing volatility is a
    /// missing mark.
    func optionTerms(
        marketIndex m: Int, underlying u: Int32, override: MarkOverride?, now: Timestamp?
    )
        -> Result<(years: Double, volatility: Double), RiskError>
    {
        guard markets[m].optionVolatility > 0 else { return .failure(.markMissing(markets[m].spec.id)) }
        let time = override?.marketIndex == u ? (now ?? self.now) : markets[Int(u)].markTime
        let years = max(0, Double(markets[m].spec.expiry!.nanoseconds - time.nanoseconds) / Engine.nanosecondsPerYear)
        return .success((years, Rate(atoms: markets[m].optionVolatility).fraction))
    }

    /// A perpetual's or future's P&L in settlement atoms when its underlying moves by `move`
    /// (an inverse contract's coin P&L is exact: −size × contract / price).
    func linearChange(size: Double, forward: Double, move: Double, valuation: ContractValuation) -> Double {
        switch valuation.kind {
        case .linear: return size * forward * move * valuation.screenFactor
        case .inverse: return -size * valuation.screenFactor * (1 / (forward * (1 + move)) - 1 / forward)
        }
    }

    /// An option's premium in price atoms (Double) at a forward in price atoms.
    func optionPremium(marketIndex m: Int, forwardAtoms: Double, years: Double, volatility: Double) -> Double {
        let terms = markets[m].spec.option!
        let priceUnit = Double(FixedPoint.powersOfTen[Price.scale])
        let forward = forwardAtoms / priceUnit
        let option = EuropeanOption.black76(
            right: terms.right == .call ? .call : .put, forward: forward,
            strike: Double(terms.strike.atoms) / priceUnit, years: years, volatility: volatility)
        let premium = BlackScholes.price(option)
        return (terms.premium == .coin ? premium / forward : premium) * priceUnit
    }

    // MARK: Commands

    /// The flag changes of these accounts' cross pools at the current state, as events.
    func crossPoolStateChanges(accountIndices: [Int32]) -> [Event] {
        var events: [Event] = []
        var seen = Set<PoolKey>()
        for a in accountIndices {
            let account = accounts[Int(a)]
            guard let position = account.positions.first(where: { !$0.isolated }), position.scanRow >= 0,
                let change = poolStateChange(
                    marketIndex: position.marketIndex, row: position.scanRow, override: nil, seen: &seen)
            else { continue }
            let m = Int(position.marketIndex)
            events += orderedStateChangeEvents([change], market: markets[m].spec.id, mark: markets[m].mark)
        }
        return events
    }
}
