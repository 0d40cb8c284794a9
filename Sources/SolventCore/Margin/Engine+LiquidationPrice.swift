/// Why a position has no liquidation (or bankruptcy) price: shown beside the missing price, so
/// "none" is never ambiguous.
public enum PriceBoundaryAbsence: String, Hashable, Sendable, Codable {
    /// No price of this market, however far it moves against the position, reaches the boundary
    /// (a fully collateralized long; a coin-margined short at 1x or less).
    case neverReached = "never reached: the pool stays clear of it at every price of this market"
    /// The boundary is already crossed at every price of this market (the pool's other positions
    /// or debts sink it whatever this mark does).
    case everyPrice = "crossed at every price: the pool's other positions or debts sink it whatever this mark does"
    /// No position in the market.
    case noPosition = "no position"
    /// The pool cannot be valued at the current prices (a mark or index is missing, or the
    /// figures exceed 64-bit fixed point).
    case unavailable = "unavailable: the pool cannot be valued at the current prices"
}

/// A liquidation or bankruptcy price, or why there is none.
public enum PriceBoundary: Hashable, Sendable {
    case price(Int64)
    case none(PriceBoundaryAbsence)

    public var price: Int64? {
        if case .price(let atoms) = self { return atoms }
        return nil
    }

    public var absence: PriceBoundaryAbsence? {
        if case .none(let reason) = self { return reason }
        return nil
    }
}

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
    /// does (`liquidationBoundary` says why). Requires marks for the pool's markets.
    public func liquidationPrice(of account: Account, marketIndex: Int32) -> Int64? {
        liquidationBoundary(of: account, marketIndex: marketIndex).price
    }

    /// The worst mark at which the position's pool still has non-negative equity: closing there
    /// leaves nothing and owes nothing. nil if none exists (`bankruptcyBoundary` says why).
    public func bankruptcyPrice(of account: Account, marketIndex: Int32) -> Int64? {
        bankruptcyBoundary(of: account, marketIndex: marketIndex).price
    }

    /// The first price atom, moving against the position, at which the pool is liquidatable.
    public func liquidationBoundary(of account: Account, marketIndex: Int32) -> PriceBoundary {
        boundary(of: account, marketIndex: marketIndex) { pool in pool.status >= .liquidatable }
    }

    /// The last price atom, moving against the position, at which the pool's equity is still
    /// non-negative.
    public func bankruptcyBoundary(of account: Account, marketIndex: Int32) -> PriceBoundary {
        guard let slot = account.positionSlot(marketIndex: marketIndex) else { return .none(.noPosition) }
        let long = account.positions[slot].size > 0
        let edge = boundary(of: account, marketIndex: marketIndex, guess: zeroEquityGuess(of: account, slot: slot)) {
            $0.equity < 0
        }
        // `edge` is the first atom with negative equity moving against the position; the price
        // before it is the last one the account can pay at.
        guard case .price(let first) = edge else { return edge }
        let price = long ? first + 1 : first - 1
        return price >= 1 && price <= BoundarySearch.maximumPrice ? .price(price) : .none(.everyPrice)
    }

    /// The first price atom, moving against the position, at which `predicate` (a bad state:
    /// liquidatable, or negative equity) holds for the pool.
    ///
    /// The predicate is monotone in the mark for linear and inverse contracts alike; what breaks
    /// monotonicity is a price so extreme that the pool's figures no longer fit in 64 bits. Such
    /// a price is on one side of the mark: against the position it is a loss beyond any margin
    /// (bad), in its favour a gain beyond any requirement (good) — an inverse short at a one-atom
    /// price is worth a fortune, not liquidatable.
    private func boundary(
        of account: Account, marketIndex: Int32, guess closedForm: Int64? = nil,
        _ predicate: (PoolRisk) -> Bool
    ) -> PriceBoundary {
        guard let slot = account.positionSlot(marketIndex: marketIndex) else { return .none(.noPosition) }
        let long = account.positions[slot].size > 0
        let mark = markets[Int(marketIndex)].mark
        guard mark > 0, case .success = pool(of: account, marketIndex: marketIndex) else { return .none(.unavailable) }
        // A nested function, not a closure value: nothing copies the engine per search.
        func bad(_ price: Int64) -> Bool {
            switch pool(
                of: account, marketIndex: marketIndex, override: MarkOverride(marketIndex: marketIndex, mark: price))
            {
            case .success(let pool): return predicate(pool)
            case .failure: return long ? price < mark : price > mark
            }
        }
        // Against a long is down (the bad state holds on a prefix of prices), against a short up
        // (a suffix). The far end decides "never", the near end "at every price".
        let worst: Int64 = long ? 1 : BoundarySearch.maximumPrice
        let best: Int64 = long ? BoundarySearch.maximumPrice : 1
        if !bad(worst) { return .none(.neverReached) }
        if bad(best) { return .none(.everyPrice) }
        let guess =
            closedForm ?? linearGuess(account: account, marketIndex: marketIndex, long: long, predicate: predicate)
        return .price(long ? BoundarySearch.lastTrue(guess: guess, bad) : BoundarySearch.firstTrue(guess: guess, bad))
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
                !account.balances.contains(where: { $0.assetIndex != settle && $0.atoms != 0 })
            else { return nil }
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
            guard
                case .success(let pool) = pool(
                    of: account, marketIndex: marketIndex,
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
