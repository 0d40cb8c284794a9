/// Standard margin: equity, requirements and status of an account's cross pool and of each
/// isolated position (DESIGN.md §1: "re-margin the accounts the move can affect").
extension Engine {
    /// A mark price to use in place of a market's own (for liquidation-price searches).
    public struct MarkOverride: Sendable {
        public var marketIndex: Int32
        public var mark: Int64
        public init(marketIndex: Int32, mark: Int64) {
            self.marketIndex = marketIndex
            self.mark = mark
        }
    }

    /// The mark for a position: the override, or the market's mark (fresh at `now` if given).
    func markFor(marketIndex: Int32, override: MarkOverride?, now: Timestamp?) -> Result<Int64, RiskError> {
        if let override, override.marketIndex == marketIndex { return .success(override.mark) }
        // Field reads, not a copy of the market: this runs for every position of every check.
        let index = Int(marketIndex)
        if let override, markets[index].underlyingIndex >= 0, override.marketIndex == markets[index].underlyingIndex {
            // An option's mark moves with its underlying's (the prospective mark is at `now`).
            guard markets[index].optionVolatility > 0 else { return .failure(.markMissing(markets[index].spec.id)) }
            return .success(optionMark(marketIndex: index, underlyingMark: override.mark, at: self.now))
        }
        let mark = markets[index].mark
        if mark <= 0 { return .failure(.markMissing(markets[index].spec.id)) }
        if let now, now.nanoseconds - markets[index].markTime.nanoseconds > markets[index].parameters.priceMaxAge {
            return .failure(.markStale(markets[index].spec.id))
        }
        return .success(mark)
    }

    /// One position's figures at its mark.
    package func positionRisk(
        _ position: Position, leverage: Int64, override: MarkOverride?, now: Timestamp?
    )
        -> Result<PositionRisk, RiskError>
    {
        Result { () throws(RiskError) -> PositionRisk in
            let index = Int(position.marketIndex)
            let mark = try markFor(marketIndex: position.marketIndex, override: override, now: now).get()
            let valuation = markets[index].valuation
            guard let value = valuation.value(size: position.size, price: mark, .down),
                let notional = valuation.notional(size: position.size, price: mark)
            else { throw .overflow }
            let requirements: (initial: Int64, maintenance: Int64)
            if markets[index].isOption {
                let underlying = try underlyingMark(ofOption: index, override: override, now: now).get()
                guard
                    let option = optionRequirements(
                        marketIndex: index, size: position.size, mark: mark, underlyingMark: underlying)
                else { throw .overflow }
                requirements = option
            } else {
                guard
                    let schedule = markets[index].parameters.margin.requirements(
                        notional: notional, size: position.size,
                        leverageRate: leverage > 0 ? Rate.reciprocal(ofLeverage: leverage).atoms : 0)
                else { throw .overflow }
                requirements = (schedule.initial, schedule.maintenance)
            }
            let (upnl, overflow) = value.subtractingReportingOverflow(position.cost)
            if overflow { throw .overflow }
            var risk = PositionRisk(
                market: position.market, size: position.size, cost: position.cost, mark: mark,
                value: value, unrealizedPnl: upnl, notional: notional,
                initial: requirements.initial, maintenance: requirements.maintenance,
                isolated: position.isolated, isolatedPool: nil)
            if position.isolated {
                let (equity, overflow) = position.isolatedMargin.addingReportingOverflow(upnl)
                if overflow { throw .overflow }
                risk.isolatedPool = PoolRisk(
                    equity: equity, initial: requirements.initial,
                    maintenance: requirements.maintenance,
                    callRatio: markets[index].parameters.marginCallRatio)
            }
            return risk
        }
    }

    /// The account's leverage setting for a market (0 = none chosen: the schedule's rates apply).
    package func leverage(of account: Account, marketIndex: Int32) -> Int64 {
        account.setting(marketIndex: marketIndex)?.leverage ?? 0
    }

    /// A prospective change to one account: its position in one market and its wallet in that
    /// market's settlement asset, as a planned fill would leave them. Lets a plan check margin
    /// without copying the account.
    public struct AccountChange: Sendable {
        public var marketIndex: Int32
        public var position: Position?
        public var assetIndex: Int32
        public var wallet: Int64
    }

    /// The cross pool of an account, in USD value atoms: per asset, wallet plus the unrealized
    /// PnL of cross positions settling in it, haircut (positive part, piecewise) and valued at
    /// the asset's index price; requirements converted at the settlement asset's index, rounded up.
    /// Pass `now` to refuse stale prices (user actions); nil accepts any set price (reports).
    /// `change`, if given, replaces one position and one wallet balance.
    public func crossPool(
        of account: Account, override: MarkOverride? = nil, now: Timestamp? = nil,
        change: AccountChange? = nil
    ) -> Result<PoolRisk, RiskError> {
        var totals = PoolRisk(equity: 0, initial: 0, maintenance: 0, callRatio: .one)
        var changeAssetSeen = false
        for balance in account.balances {
            var wallet = balance.atoms
            if let change, change.assetIndex == balance.assetIndex {
                wallet = change.wallet
                changeAssetSeen = true
            }
            if let error = addAsset(
                balance.assetIndex, wallet: wallet, of: account, override: override, now: now,
                change: change, into: &totals)
            {
                return .failure(error)
            }
        }
        if let change, !changeAssetSeen,
            let error = addAsset(
                change.assetIndex, wallet: change.wallet, of: account, override: override, now: now,
                change: change, into: &totals)
        {
            return .failure(error)
        }
        return .success(totals)
    }

    /// Adds one asset's contribution (wallet + cross PnL, haircut and valued; requirements of the
    /// cross positions settling in it) to a pool.
    private func addAsset(
        _ assetIndex: Int32, wallet: Int64, of account: Account, override: MarkOverride?,
        now: Timestamp?, change: AccountChange?, into totals: inout PoolRisk
    ) -> RiskError? {
        var assetEquity = wallet
        var assetInitial: Int64 = 0
        var assetMaintenance: Int64 = 0
        // Every model but standard: requirements come from all these positions at once.
        let nets = account.marginModel != .standard
        var netted: [Position] = []
        func add(_ position: Position) -> RiskError? {
            guard !position.isolated, markets[Int(position.marketIndex)].settleAssetIndex == assetIndex else {
                return nil
            }
            if nets { netted.append(position) }
            switch positionRisk(
                position, leverage: leverage(of: account, marketIndex: position.marketIndex),
                override: override, now: now)
            {
            case .failure(let error): return error
            case .success(let risk):
                guard let equity = FixedPoint.add(assetEquity, risk.unrealizedPnl),
                    let initial = FixedPoint.add(assetInitial, risk.initial),
                    let maintenance = FixedPoint.add(assetMaintenance, risk.maintenance)
                else { return .overflow }
                assetEquity = equity
                assetInitial = initial
                assetMaintenance = maintenance
                totals.callRatio = min(totals.callRatio, markets[Int(position.marketIndex)].parameters.marginCallRatio)
                return nil
            }
        }
        for position in account.positions where position.marketIndex != change?.marketIndex {
            if let error = add(position) { return error }
        }
        if let position = change?.position, let error = add(position) { return error }
        if nets && !netted.isEmpty {
            netted.sort { $0.marketIndex < $1.marketIndex }
            let requirements: Result<(initial: Int64, maintenance: Int64), RiskError>
            switch account.marginModel {
            case .standard: requirements = .success((assetInitial, assetMaintenance))  // per-position sums (not netted)
            case .portfolio: requirements = portfolioRequirements(netted, override: override, now: now)
            case .historicalVaR, .normalVaR, .studentTVaR, .monteCarloVaR:
                requirements = varRequirements(netted, model: account.marginModel, override: override, now: now)
            case .span: requirements = spanRequirements(netted, override: override, now: now)
            case .greeks: requirements = greeksRequirements(netted, override: override, now: now)
            }
            switch requirements {
            case .failure(let error): return error
            case .success(let requirements): (assetInitial, assetMaintenance) = requirements
            }
        }
        if assetEquity == 0 && assetInitial == 0 && assetMaintenance == 0 { return nil }
        // Field reads, not a copy of the asset (its symbol and tiers would be retained per call).
        let a = Int(assetIndex)
        if assets[a].price <= 0 { return .indexMissing(assets[a].spec.id) }
        if let now, now.nanoseconds - assets[a].priceTime.nanoseconds > assets[a].spec.priceMaxAge {
            return .indexStale(assets[a].spec.id)
        }
        let counted = assets[a].countsAtPar ? assetEquity : assets[a].spec.collateralAtoms(of: assetEquity)
        let price = assets[a].price
        let scale = assets[a].spec.scale
        guard let equityValue = AssetState.value(of: counted, price: price, scale: scale, .down),
            let initialValue = AssetState.value(of: assetInitial, price: price, scale: scale, .up),
            let maintenanceValue = AssetState.value(of: assetMaintenance, price: price, scale: scale, .up)
        else { return .overflow }
        guard let equity = FixedPoint.add(totals.equity, equityValue),
            let initial = FixedPoint.add(totals.initial, initialValue),
            let maintenance = FixedPoint.add(totals.maintenance, maintenanceValue)
        else { return .overflow }
        totals.equity = equity
        totals.initial = initial
        totals.maintenance = maintenance
        return nil
    }

    /// The pool that a position's liquidation depends on: its own if isolated, else the account's
    /// cross pool.
    public func pool(
        of account: Account, marketIndex: Int32, override: MarkOverride? = nil, now: Timestamp? = nil
    )
        -> Result<PoolRisk, RiskError>
    {
        guard let slot = account.positionSlot(marketIndex: marketIndex), account.positions[slot].isolated else {
            return crossPool(of: account, override: override, now: now)
        }
        let position = account.positions[slot]
        return positionRisk(
            position, leverage: leverage(of: account, marketIndex: marketIndex),
            override: override, now: now
        ).map { $0.isolatedPool! }
    }
}
