/// Margin-call and liquidation states, evaluated on every mark update (issue #4, item 2): the
/// detection finds the pools at or beyond their margin-call level at the new mark without a full
/// scan; flagged pools that recovered are cleared; a pool in liquidation leaves it only once its
/// equity is at least maintenance × (1 + the market's exit buffer).
extension Engine {
    /// The state changes a move of `marketIndex`'s mark to `mark` causes, in a deterministic
    /// order: pools found worst first, then recovered pools by key.
    func marginStateChanges(marketIndex: Int32, mark: Int64) -> [Event] {
        let m = Int(marketIndex)
        let marketID = markets[m].spec.id
        let override = MarkOverride(marketIndex: marketIndex, mark: mark)
        let buffer = markets[m].parameters.liquidationExitBuffer
        let callRatio = markets[m].parameters.marginCallRatio
        let valuation = markets[m].valuation
        var changes: [(hit: ScanHit, key: PoolKey, from: MarginAlert?, to: MarginAlert)] = []
        var seen: [PoolKey] = []
        var flaggedSeen = 0
        for row in detectionRows(marketIndex: marketIndex, mark: mark) {
            let accountIndex = scanTables[m].accountIndex[Int(row)]
            if accountIndex == 0 { continue }   // the venue's book is never flagged
            let isolated = accounts[Int(accountIndex)].positionSlot(marketIndex: marketIndex)
                .map { accounts[Int(accountIndex)].positions[$0].isolated } ?? false
            let key = PoolKey(account: accounts[Int(accountIndex)].id, isolatedMarket: isolated ? marketID : nil)
            // A flagged pool the screen proves unchanged needs no exact check and no event.
            if scanTables[m].keepsAlert(row: row, mark: mark, valuation: valuation, callRatio: callRatio, exitBuffer: buffer) {
                seen.append(key)
                flaggedSeen += 1
                continue
            }
            guard let hit = exactHit(accountIndex: accountIndex, marketIndex: marketIndex,
                                     override: mark == markets[m].mark ? nil : override) else { continue }
            seen.append(key)
            let before = alert(for: key)
            if before != nil { flaggedSeen += 1 }
            var after: MarginAlert = hit.status >= .liquidatable ? .liquidating : .marginCall
            if before == .liquidating && after == .marginCall && !clearsExitBuffer(hit.pool, buffer: buffer) { after = .liquidating }
            if before != after { changes.append((hit, key, before, after)) }
        }
        // Only the changes are ordered (worst first): the same order as sorting every hit.
        changes.sort { Engine.isWorse($0.hit, than: $1.hit) }
        var events: [Event] = changes.map { change in
            .marginStateChanged(MarginStateChange(pool: change.key, market: marketID, mark: Price(atoms: mark), from: change.from,
                                                  to: change.to, status: change.hit.status, equity: change.hit.pool.equity,
                                                  maintenance: change.hit.pool.maintenance))
        }
        // Every flagged pool seen above: none can have recovered unseen.
        guard flaggedSeen < alertsByPool.count else { return events }
        seen.sort()
        // The rest of the flagged pools, in pool-key order (the filter's order does not matter:
        // the result is sorted).
        let unseen = alertsByPool.filter { seen.binarySearch($0.key) == nil }.sorted { $0.key < $1.key }
        for (key, before) in unseen {
            guard let accountIndex = accountIndexByID[key.account] else { continue }
            let account = accounts[Int(accountIndex)]
            // Only pools this market's mark can move (or that no longer hold any position): a
            // cross pool through a cross position here, not through an isolated one.
            let holds = account.positionSlot(marketIndex: marketIndex).map { !account.positions[$0].isolated } ?? false
            let affected = key.isolatedMarket == marketID
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
            // Still in call or worse (its own market's detection tracks it): keep the flag.
            if pool.status >= .marginCall { continue }
            if before == .liquidating && pool.maintenance > 0 && !clearsExitBuffer(pool, buffer: buffer) { continue }
            events.append(.marginStateChanged(MarginStateChange(pool: key, market: marketID, mark: Price(atoms: mark),
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
        // Mirror the flag onto the pool's scan rows (an isolated position's own row; every cross
        // position's row for the cross pool).
        guard let accountIndex = accountIndexByID[change.pool.account] else { return }
        let flag = change.to?.rowFlag ?? 0
        let a = Int(accountIndex)
        for slot in accounts[a].positions.indices {
            let row = accounts[a].positions[slot].scanRow
            let isolated = accounts[a].positions[slot].isolated
            guard row >= 0 else { continue }
            let matches = change.pool.isolatedMarket.map { isolated && accounts[a].positions[slot].market == $0 } ?? !isolated
            if matches { scanTables[Int(accounts[a].positions[slot].marketIndex)].setAlert(row: row, flag) }
        }
    }
}

extension MarginAlert {
    /// The scan table's one-byte mirror of the flag.
    var rowFlag: UInt8 { self == .marginCall ? 1 : 2 }
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
