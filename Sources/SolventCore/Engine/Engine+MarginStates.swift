/// Margin-call and liquidation states, evaluated on every mark update (issue #4, item 2): the
/// detection finds the pools at or beyond their margin-call level at the new mark without a full
/// scan; flagged pools that recovered are cleared; a pool in liquidation leaves it only once its
/// equity is at least maintenance × (1 + the market's exit buffer).
extension Engine {
    /// The state changes a move of `marketIndex`'s mark to `mark` causes, in a deterministic
    /// order: pools found worst first, then recovered pools by key.
    func marginStateChanges(marketIndex: Int32, mark: Int64) -> [Event] {
        let market = markets[Int(marketIndex)]
        let override = MarkOverride(marketIndex: marketIndex, mark: mark)
        let buffer = market.parameters.liquidationExitBuffer
        var events: [Event] = []
        var seen: [PoolKey] = []
        for hit in detectCrossings(marketIndex: marketIndex, mark: mark) {
            let account = accounts[Int(hit.accountIndex)]
            let isolated = account.positionSlot(marketIndex: marketIndex).map { account.positions[$0].isolated } ?? false
            let key = PoolKey(account: account.id, isolatedMarket: isolated ? market.spec.id : nil)
            seen.append(key)
            let before = alert(for: key)
            var after: MarginAlert = hit.status >= .liquidatable ? .liquidating : .marginCall
            if before == .liquidating && after == .marginCall && !clearsExitBuffer(hit.pool, buffer: buffer) { after = .liquidating }
            if before != after {
                events.append(.marginStateChanged(MarginStateChange(pool: key, market: market.spec.id, mark: Price(atoms: mark),
                                                                    from: before, to: after, status: hit.status,
                                                                    equity: hit.pool.equity, maintenance: hit.pool.maintenance)))
            }
        }
        seen.sort()
        for (key, before) in alerts where seen.binarySearch(key) == nil {   // sorted by pool key
            guard let accountIndex = accountIndexByID[key.account] else { continue }
            let account = accounts[Int(accountIndex)]
            // Only pools this market's mark can move (or that no longer hold any position).
            let holds = account.positionSlot(marketIndex: marketIndex) != nil
            let affected = key.isolatedMarket == market.spec.id
                || (key.isolatedMarket == nil && (holds || !account.positions.contains { !$0.isolated }))
                || (key.isolatedMarket != nil && !account.positions.contains { $0.isolated && $0.market == key.isolatedMarket })
            guard affected else { continue }
            let pool: PoolRisk
            if let isolatedMarket = key.isolatedMarket, let index = marketIndexByID[isolatedMarket],
               account.positionSlot(marketIndex: index) != nil {
                guard case .success(let value) = self.pool(of: account, marketIndex: index, override: override) else { continue }
                pool = value
            } else if key.isolatedMarket == nil {
                guard case .success(let value) = crossPool(of: account, override: override) else { continue }
                pool = value
            } else {
                pool = PoolRisk(equity: 0, initial: 0, maintenance: 0, callRatio: .one)   // the position is gone
            }
            if before == .liquidating && pool.maintenance > 0 && !clearsExitBuffer(pool, buffer: buffer) { continue }
            events.append(.marginStateChanged(MarginStateChange(pool: key, market: market.spec.id, mark: Price(atoms: mark),
                                                                from: before, to: nil, status: pool.status,
                                                                equity: pool.equity, maintenance: pool.maintenance)))
        }
        return events
    }

    private func clearsExitBuffer(_ pool: PoolRisk, buffer: Rate) -> Bool {
        Int128(pool.equity) * Int128(Rate.oneAtoms) >= Int128(pool.maintenance) * Int128(Rate.oneAtoms + buffer.atoms)
    }

    func alert(for key: PoolKey) -> MarginAlert? { alertsByPool[key] }

    /// Applies a state change to the flagged pools.
    mutating func applyMarginStateChange(_ change: MarginStateChange) {
        alertsByPool[change.pool] = change.to
    }
}

extension Array where Element: Comparable {
    /// The index of `value` in a sorted array, or nil.
    func binarySearch(_ value: Element) -> Int? {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < count && self[low] == value ? low : nil
    }
}
