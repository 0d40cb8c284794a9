/// What a keeper should submit next: the liquidation steps of flagged pools, worst first, and
/// the auctions that need a reset. Read-only: a keeper turns these into `liquidate` and
/// `resetAuction` inputs, which the journal records, so a replay reproduces every step.
extension Engine {
    /// One liquidation step to submit: the pool's account and the market of the position to
    /// close next.
    public struct PendingStep: Hashable, Sendable {
        public var account: AccountID
        public var market: MarketID
    }

    /// Pools in liquidation, worst first: non-positive equity before positive, then by
    /// maintenance / equity (higher first, compared exactly), ties by pool key. For a cross pool
    /// the position with the largest maintenance requirement goes first (ties by market id); a
    /// position whose market has no liquidation parameters, or whose step is already being
    /// auctioned, or whose breaker pauses liquidation, is skipped. At most `limit` steps (a bound
    /// per keeper pass).
    public func pendingLiquidations(limit: Int = Limits.keeperStepsPerPass) -> [PendingStep] {
        var ranked: [(pool: PoolKey, equity: Int64, maintenance: Int64, step: PendingStep)] = []
        for (pool, alert) in alerts where alert == .liquidating {
            guard let (market, risk) = liquidationChoice(for: pool) else { continue }
            ranked.append((pool, risk.equity, risk.maintenance, PendingStep(account: pool.account, market: market)))
        }
        ranked.sort { a, b in
            let aBankrupt = a.equity <= 0, bBankrupt = b.equity <= 0
            if aBankrupt != bBankrupt { return aBankrupt }
            if !aBankrupt {
                // maintenance_a / equity_a > maintenance_b / equity_b, both equities positive.
                let left = Int128(a.maintenance) * Int128(b.equity), right = Int128(b.maintenance) * Int128(a.equity)
                if left != right { return left > right }
            } else if a.equity != b.equity {
                return a.equity < b.equity
            }
            return a.pool < b.pool
        }
        return ranked.prefix(limit).map(\.step)
    }

    /// The market of the position a step on `pool` closes next (as `pendingLiquidations` picks
    /// it), or nil when none can be stepped now (paused, auctioned, no liquidation rules).
    public func nextLiquidationMarket(for pool: PoolKey) -> MarketID? { liquidationChoice(for: pool)?.market }

    /// The pool's next market and its risk figures (equity and maintenance in USD for a cross
    /// pool; an isolated pool's converted from its settlement asset).
    func liquidationChoice(for pool: PoolKey) -> (market: MarketID, risk: PoolRisk)? {
        guard let accountIndex = accountIndexByID[pool.account] else { return nil }
        let account = accounts[Int(accountIndex)]
        var best: (maintenance: Int64, market: MarketID)? = nil
        var risk: PoolRisk? = nil
        for position in account.positions
        where position.isolated == (pool.isolatedMarket != nil)
            && (pool.isolatedMarket == nil || pool.isolatedMarket == position.market)
        {
            let m = Int(position.marketIndex)
            // A market whose breaker pauses liquidation would refuse the step.
            if case .paused = liquidationPermission(market: position.market) { continue }
            guard markets[m].liquidation != nil, !markets[m].settled,
                !auctions.contains(where: { $0.account == pool.account && $0.market == position.market }),
                case .success(let figures) = positionRisk(
                    position, leverage: leverage(of: account, marketIndex: position.marketIndex),
                    override: nil, now: nil)
            else { continue }
            // Positions settle in different assets: compared by their maintenance in USD.
            let maintenance =
                assets[Int(markets[m].settleAssetIndex)].value(of: figures.maintenance, .up) ?? Int64.max
            if best == nil || maintenance > best!.maintenance
                || (maintenance == best!.maintenance && position.market < best!.market)
            {
                best = (maintenance, position.market)
            }
            if risk == nil, case .success(var value) = self.pool(of: account, marketIndex: position.marketIndex) {
                // An isolated pool's figures are in its settlement asset; a cross pool's in USD.
                if position.isolated {
                    let asset = assets[Int(markets[m].settleAssetIndex)]
                    value.equity = asset.value(of: value.equity, .down) ?? value.equity
                    value.maintenance = asset.value(of: value.maintenance, .up) ?? value.maintenance
                }
                risk = value
            }
        }
        guard let best, let risk else { return nil }
        return (best.market, risk)
    }

    /// Open auctions past their tail or below their cusp, by id: a keeper resets them.
    public func staleAuctions() -> [UInt64] {
        auctions.compactMap { auction in
            guard let index = marketIndexByID[auction.market],
                case .auction(let rules)? = markets[Int(index)].liquidation?.mechanism,
                auction.status(rules: rules, now: now).needsReset
            else { return nil }
            return auction.id
        }
    }
}
