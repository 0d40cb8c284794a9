/// Liquidation and bankruptcy prices, exact with respect to the engine's own arithmetic: the
/// reported liquidation price is the last price atom (moving against the position) at which the
/// engine's status function still says healthy-or-call plus one — i.e. the first atom at which it
/// says `liquidatable`; a displayed price can never disagree with the engine.
///
/// Method: a guess from the pool's local line (linear contracts are linear in P, inverse ones in
/// 1/P, within one tier), then an exact search on the status predicate. Crossing a tier boundary
/// only moves the search: this is the venues' "solve, re-check the tier, re-solve" done exactly
/// (exchanges.md §1.3). Other positions and collateral stay at their current prices (Binance's
/// TMM1/UPNL1 convention).
extension Engine {
    /// The mark at which the position's pool becomes liquidatable, or nil if no positive price
    /// does (for example a fully collateralized long). Requires marks for the pool's markets.
    public func liquidationPrice(of account: Account, marketIndex: Int32) -> Int64? {
        boundary(of: account, marketIndex: marketIndex) { pool in pool.status >= .liquidatable }
    }

    /// The worst mark at which the position's pool still has non-negative equity: closing there
    /// leaves nothing and owes nothing. nil if none exists.
    public func bankruptcyPrice(of account: Account, marketIndex: Int32) -> Int64? {
        guard let slot = account.positionSlot(marketIndex: marketIndex) else { return nil }
        let long = account.positions[slot].size > 0
        guard let edge = boundary(of: account, marketIndex: marketIndex, guess: zeroEquityGuess(of: account, slot: slot),
                                  { $0.equity < 0 }) else { return nil }
        // `edge` is the first atom with negative equity moving against the position; a pool that
        // is negative at every positive price has no bankruptcy price.
        let price = long ? edge + 1 : edge - 1
        return price >= 1 && price <= BoundarySearch.maximumPrice ? price : nil
    }

    /// The first price atom, moving against the position, at which `predicate` holds for the pool.
    private func boundary(of account: Account, marketIndex: Int32, guess closedForm: Int64? = nil,
                          _ predicate: (PoolRisk) -> Bool) -> Int64? {
        guard let slot = account.positionSlot(marketIndex: marketIndex) else { return nil }
        let long = account.positions[slot].size > 0
        // A nested function, not a closure value: nothing copies the engine per search.
        func holds(_ price: Int64) -> Bool {
            switch pool(of: account, marketIndex: marketIndex, override: MarkOverride(marketIndex: marketIndex, mark: price)) {
            case .success(let pool): return predicate(pool)
            case .failure: return true  // figures too large to hold: treat as failing (conservative)
            }
        }
        let guess = closedForm ?? linearGuess(account: account, marketIndex: marketIndex, long: long, predicate: predicate)
        return long ? BoundarySearch.lastTrue(guess: guess, holds) : BoundarySearch.firstTrue(guess: guess, holds)
    }

    /// Where equity crosses zero, solved in closed form when the pool is this position and one
    /// balance (an isolated position, or a cross account whose only position and only balance
    /// settle in an asset counted at par): value(size, P) = cost − margin. Equity in USD is that
    /// balance times a positive price, so the crossing is the same. nil: use the linear guess.
    private func zeroEquityGuess(of account: Account, slot: Int) -> Int64? {
        let position = account.positions[slot]
        let margin: Int64
        if position.isolated {
            margin = position.isolatedMargin
        } else {
            let settle = markets[Int(position.marketIndex)].settleAssetIndex
            guard account.positions.count == 1, assets[Int(settle)].countsAtPar,
                  !account.balances.contains(where: { $0.assetIndex != settle && $0.atoms != 0 }) else { return nil }
            margin = account.balance(assetIndex: settle)
        }
        let (target, overflow) = position.cost.subtractingReportingOverflow(margin)
        guard !overflow else { return nil }
        return markets[Int(position.marketIndex)].valuation.price(ofValue: target, size: position.size)
    }

    /// Where the pool's margin line (equity − maintenance, or equity alone for bankruptcy)
    /// crosses zero, from two evaluations near the mark: exact within one tier up to rounding.
    private func linearGuess(account: Account, marketIndex: Int32, long: Bool, predicate: (PoolRisk) -> Bool) -> Int64 {
        let mark = min(max(markets[Int(marketIndex)].mark, 1), BoundarySearch.maximumPrice)
        let usesMaintenance = predicate(PoolRisk(equity: 1, initial: 0, maintenance: 2, callRatio: .one))
        func gap(_ price: Int64) -> Double? {
            guard case .success(let pool) = pool(of: account, marketIndex: marketIndex,
                                                 override: MarkOverride(marketIndex: marketIndex, mark: price))
            else { return nil }
            return Double(pool.equity) - (usesMaintenance ? Double(pool.maintenance) : 0)
        }
        let other = max(1, long ? mark - mark / 100 : mark + mark / 100)
        guard let g1 = gap(mark), let g2 = gap(other), g1 != g2 else { return mark }
        let inverse = markets[Int(marketIndex)].spec.kind == .inverse
        let x1 = inverse ? 1 / Double(mark) : Double(mark)
        let x2 = inverse ? 1 / Double(other) : Double(other)
        let root = x1 - g1 * (x2 - x1) / (g2 - g1)
        let price = inverse ? 1 / root : root
        guard price.isFinite, price > 0 else { return long ? 1 : BoundarySearch.maximumPrice }
        return Int64(min(price, Double(BoundarySearch.maximumPrice)))
    }
}
