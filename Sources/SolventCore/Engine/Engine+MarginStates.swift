/// Margin-call and liquidation states, evaluated on every mark update: the
/// trigger indexes hand over only the positions whose next state change the move reached (see
/// `MarketTriggers`); each is re-checked exactly; a pool in liquidation leaves it only once its
/// equity is at least maintenance × (1 + the market's exit buffer). A pool whose last position
/// closes loses its flag with it (`applyLeg`).
extension Engine {
    /// The state changes a move of `marketIndex`'s mark to `mark` causes, in a deterministic
    /// order: pools found worst first, then recovered pools by key.
    func marginStateChanges(marketIndex: Int32, mark: Int64) -> [Event] {
        let m = Int(marketIndex)
        let override = mark == markets[m].mark ? nil : MarkOverride(marketIndex: marketIndex, mark: mark)
        let buffer = markets[m].parameters.liquidationExitBuffer
        let callRatio = markets[m].parameters.marginCallRatio
        let valuation = markets[m].valuation
        // Options on this market move with it: their holders are checked too, once per pool.
        let hasOptions = !markets[m].optionIndices.isEmpty
        var seen = Set<PoolKey>()
        var changes: [PoolStateChange] = []
        // Only rows whose next state change the move may have reached (plus changed and
        // multi-market rows): a flagged pool elsewhere in its band is not visited at all.
        for row in detectionRows(marketIndex: marketIndex, mark: mark) {
            // A flagged pool the screen proves unchanged needs no exact check.
            if scanTables[m].keepsAlert(
                row: row, mark: mark, valuation: valuation, callRatio: callRatio, exitBuffer: buffer)
            {
                continue
            }
            if let change = poolStateChange(
                marketIndex: marketIndex, row: row, override: override, seen: &seen, tracking: hasOptions)
            {
                changes.append(change)
            }
        }
        if hasOptions {
            changes +=
                optionHolderStateChanges(underlyingIndex: marketIndex, override: override, mark: mark, skipping: seen)
                .changes
        }
        return orderedStateChangeEvents(changes, market: markets[m].spec.id, mark: mark)
    }

    /// A pool whose flag changes, as found by an exact check.
    struct PoolStateChange {
        var pool: PoolRisk
        var account: AccountID
        var key: PoolKey
        var from: MarginAlert?
        var to: MarginAlert?
    }

    /// The exact check of the pool behind one scan row at the prospective marks: nil if its flag
    /// stays, the row is the venue's, or (when `tracking`) its pool was already checked.
    func poolStateChange(
        marketIndex: Int32, row: Int32, override: MarkOverride?, seen: inout Set<PoolKey>,
        tracking: Bool = true
    ) -> PoolStateChange? {
        let m = Int(marketIndex)
        let accountIndex = scanTables[m].accountIndex[Int(row)]
        if accountIndex == 0 { return nil }  // the venue's book is never flagged
        let account = accounts[Int(accountIndex)]
        let isolated = account.positionSlot(marketIndex: marketIndex).map { account.positions[$0].isolated } ?? false
        let key = PoolKey(account: account.id, isolatedMarket: isolated ? markets[m].spec.id : nil)
        if tracking && !seen.insert(key).inserted { return nil }
        guard case .success(let pool) = self.pool(of: account, marketIndex: marketIndex, override: override) else {
            return nil
        }
        let before = alert(for: key)
        let status = pool.status
        var after: MarginAlert? = status >= .liquidatable ? .liquidating : status == .marginCall ? .marginCall : nil
        if before == .liquidating && after != .liquidating
            && !clearsExitBuffer(pool, buffer: markets[m].parameters.liquidationExitBuffer)
        {
            after = .liquidating
        }
        return before != after
            ? PoolStateChange(pool: pool, account: account.id, key: key, from: before, to: after) : nil
    }

    /// Events for state changes: pools flagged or worsened first, worst first; then pools
    /// cleared, by pool key.
    func orderedStateChangeEvents(_ changes: [PoolStateChange], market: MarketID, mark: Int64) -> [Event] {
        var flagged = changes.filter { $0.to != nil }
        flagged.sort { Engine.isWorse($0.pool, $0.account, than: $1.pool, $1.account) }
        let cleared = changes.filter { $0.to == nil }.sorted { $0.key < $1.key }
        return (flagged + cleared).map { change in
            .marginStateChanged(
                MarginStateChange(
                    pool: change.key, market: market, mark: Price(atoms: mark), from: change.from,
                    to: change.to, status: change.pool.status, equity: change.pool.equity,
                    maintenance: change.pool.maintenance))
        }
    }

    func clearsExitBuffer(_ pool: PoolRisk, buffer: Rate) -> Bool {
        Int128(pool.equity) * Int128(Rate.oneAtoms) >= Int128(pool.maintenance) * Int128(Rate.oneAtoms + buffer.atoms)
    }

    func alert(for key: PoolKey) -> MarginAlert? { liquidationBook.alert(for: key) }

    /// Mirrors a pool's new flag (set in `liquidationBook`) onto its scan rows.
    mutating func applyMarginStateChange(_ change: MarginStateChange) {
        // Mirror the flag onto the pool's scan rows (an isolated position's own row; every cross
        // position's row for the cross pool).
        guard let accountIndex = accountIndexByID[change.pool.account] else { return }
        let flag = change.to?.rowFlag ?? 0
        let a = Int(accountIndex)
        for slot in accounts[a].positions.indices {
            let row = accounts[a].positions[slot].scanRow
            let isolated = accounts[a].positions[slot].isolated
            guard row >= 0 else { continue }
            let matches =
                change.pool.isolatedMarket.map { isolated && accounts[a].positions[slot].market == $0 } ?? !isolated
            if matches {
                let market = Int(accounts[a].positions[slot].marketIndex)
                scanTables[market].setAlert(row: row, flag)
                triggerIndexes[market].entry.markDirty(row: row)  // re-indexed for its new state
            }
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
