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
        let market = markets[Int(marketIndex)]
        if market.mark <= 0 { return .failure(.markMissing(market.spec.id)) }
        if let now, market.freshMark(at: now) == nil { return .failure(.markStale(market.spec.id)) }
        return .success(market.mark)
    }

    /// One position's figures at its mark.
    func positionRisk(_ position: Position, leverage: Int64, override: MarkOverride?, now: Timestamp?)
        -> Result<PositionRisk, RiskError>
    {
        let market = markets[Int(position.marketIndex)]
        let mark: Int64
        switch markFor(marketIndex: position.marketIndex, override: override, now: now) {
        case .success(let value): mark = value
        case .failure(let error): return .failure(error)
        }
        let valuation = market.valuation
        guard let value = valuation.value(size: position.size, price: mark, .down),
              let notional = valuation.notional(size: position.size, price: mark),
              let requirements = market.parameters.margin.requirements(
                notional: notional, size: position.size,
                leverageRate: leverage > 0 ? Rate.reciprocal(ofLeverage: leverage).atoms : 0)
        else { return .failure(.overflow) }
        let (upnl, overflow) = value.subtractingReportingOverflow(position.cost)
        if overflow { return .failure(.overflow) }
        var risk = PositionRisk(market: market.spec.id, size: position.size, cost: position.cost, mark: mark,
                                value: value, unrealizedPnl: upnl, notional: notional,
                                initial: requirements.initial, maintenance: requirements.maintenance,
                                isolated: position.isolated, isolatedPool: nil)
        if position.isolated {
            let (equity, overflow) = position.isolatedMargin.addingReportingOverflow(upnl)
            if overflow { return .failure(.overflow) }
            risk.isolatedPool = PoolRisk(equity: equity, initial: requirements.initial,
                                         maintenance: requirements.maintenance,
                                         callRatio: market.parameters.marginCallRatio)
        }
        return .success(risk)
    }

    /// The account's leverage setting for a market (0 = none chosen: the schedule's rates apply).
    func leverage(of account: Account, marketIndex: Int32) -> Int64 {
        account.setting(marketIndex: marketIndex)?.leverage ?? 0
    }

    /// The cross pool of an account, in USD value atoms: per asset, wallet plus the unrealized
    /// PnL of cross positions settling in it, haircut (positive part, piecewise) and valued at
    /// the asset's index price; requirements converted at the settlement asset's index, rounded up.
    /// Pass `now` to refuse stale prices (user actions); nil accepts any set price (reports).
    public func crossPool(of account: Account, override: MarkOverride? = nil, now: Timestamp? = nil)
        -> Result<PoolRisk, RiskError>
    {
        var equity: Int64 = 0
        var initial: Int64 = 0
        var maintenance: Int64 = 0
        var callRatio = Rate.one
        for balance in account.balances {
            var assetEquity = balance.atoms
            var assetInitial: Int64 = 0
            var assetMaintenance: Int64 = 0
            for position in account.positions where !position.isolated
                && markets[Int(position.marketIndex)].settleAssetIndex == balance.assetIndex
            {
                let risk: PositionRisk
                switch positionRisk(position, leverage: leverage(of: account, marketIndex: position.marketIndex),
                                    override: override, now: now) {
                case .success(let value): risk = value
                case .failure(let error): return .failure(error)
                }
                assetEquity &+= risk.unrealizedPnl
                assetInitial &+= risk.initial
                assetMaintenance &+= risk.maintenance
                callRatio = min(callRatio, markets[Int(position.marketIndex)].parameters.marginCallRatio)
            }
            if assetEquity == 0 && assetInitial == 0 && assetMaintenance == 0 { continue }
            let asset = assets[Int(balance.assetIndex)]
            if asset.price <= 0 { return .failure(.indexMissing(asset.spec.id)) }
            if let now, now.nanoseconds - asset.priceTime.nanoseconds > asset.spec.priceMaxAge {
                return .failure(.indexStale(asset.spec.id))
            }
            guard let equityValue = asset.value(of: asset.spec.collateralAtoms(of: assetEquity), .down),
                  let initialValue = asset.value(of: assetInitial, .up),
                  let maintenanceValue = asset.value(of: assetMaintenance, .up)
            else { return .failure(.overflow) }
            equity &+= equityValue
            initial &+= initialValue
            maintenance &+= maintenanceValue
        }
        return .success(PoolRisk(equity: equity, initial: initial, maintenance: maintenance, callRatio: callRatio))
    }

    /// The pool that a position's liquidation depends on: its own if isolated, else the account's
    /// cross pool.
    public func pool(of account: Account, marketIndex: Int32, override: MarkOverride? = nil, now: Timestamp? = nil)
        -> Result<PoolRisk, RiskError>
    {
        guard let slot = account.positionSlot(marketIndex: marketIndex), account.positions[slot].isolated else {
            return crossPool(of: account, override: override, now: now)
        }
        let position = account.positions[slot]
        return positionRisk(position, leverage: leverage(of: account, marketIndex: marketIndex),
                            override: override, now: now).map { $0.isolatedPool! }
    }
}
