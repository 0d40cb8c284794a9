/// Finding the accounts a mark move put at or beyond their margin-call level.
extension Engine {
    /// One pool found at or beyond its margin-call level.
    public struct ScanHit: Hashable, Sendable, Codable {
        public var account: AccountID
        public var accountIndex: Int32
        public var status: MarginStatus
        public var pool: PoolRisk
    }

    /// Re-margins every position of a market at its current mark: the screen over the scan table,
    /// then the exact check of each candidate. Results are ordered worst first (highest
    /// maintenance / equity, compared by cross-multiplication; bankrupt first), ties by account id.
    public func scanMaintenance(market: MarketID) -> [ScanHit] {
        guard let marketIndex = marketIndexByID[market] else { return [] }
        let state = markets[Int(marketIndex)]
        guard state.mark > 0 else { return [] }
        var rows: [Int32] = []
        scanTables[Int(marketIndex)].candidates(
            mark: state.mark, valuation: state.valuation,
            callRatio: state.parameters.marginCallRatio, into: &rows)
        var hits: [ScanHit] = []
        hits.reserveCapacity(rows.count)
        for row in rows {
            let accountIndex = scanTables[Int(marketIndex)].accountIndex[Int(row)]
            if let hit = exactHit(accountIndex: accountIndex, marketIndex: marketIndex) { hits.append(hit) }
        }
        return Engine.worstFirst(hits)
    }

    /// Detection without a full scan: the trigger index yields the positions whose
    /// trigger the current mark has reached, plus rows that are always checked; each is re-checked
    /// exactly. Same result, in the same order, as `scanMaintenance` and `scanMaintenanceNaive`.
    public func detectCrossings(market: MarketID) -> [ScanHit] {
        guard let marketIndex = marketIndexByID[market], markets[Int(marketIndex)].mark > 0 else { return [] }
        return detectCrossings(marketIndex: marketIndex, mark: markets[Int(marketIndex)].mark)
    }

    /// Detection at a prospective mark: the rows the trigger indexes hand over, plus every
    /// flagged row (a pool in margin call between its thresholds is in none of them).
    func detectCrossings(marketIndex: Int32, mark: Int64) -> [ScanHit] {
        let override = mark == markets[Int(marketIndex)].mark ? nil : MarkOverride(marketIndex: marketIndex, mark: mark)
        var hits: [ScanHit] = []
        var rows = detectionRows(marketIndex: marketIndex, mark: mark)
        rows.append(contentsOf: scanTables[Int(marketIndex)].flaggedRows())
        rows.sort()
        var previous: Int32 = -1
        for row in rows where row != previous {
            previous = row
            if let hit = exactHit(
                accountIndex: scanTables[Int(marketIndex)].accountIndex[Int(row)], marketIndex: marketIndex,
                override: override)
            {
                hits.append(hit)
            }
        }
        return Engine.worstFirst(hits)
    }

    /// The rows the trigger index hands to the exact check at `mark`: sorted, without repeats,
    /// and only rows that still exist (a dirty row id may outlive its row: rows are removed by
    /// swap-remove).
    func detectionRows(marketIndex: Int32, mark: Int64) -> [Int32] {
        var rows: [Int32] = []
        triggerIndexes[Int(marketIndex)].candidates(mark: Double(mark), into: &rows)
        if rows.count > 1 {
            rows.sort()
            var kept = 0
            for index in rows.indices where index == 0 || rows[index] != rows[kept - 1] {
                rows[kept] = rows[index]
                kept += 1
            }
            rows.removeLast(rows.count - kept)
        }
        let rowCount = Int32(scanTables[Int(marketIndex)].count)
        while let last = rows.last, last >= rowCount { rows.removeLast() }
        return rows
    }

    /// How many rows the trigger index hands to the exact check at the current mark (diagnostics).
    public func detectionCandidateCount(market: MarketID) -> Int {
        guard let marketIndex = marketIndexByID[market], markets[Int(marketIndex)].mark > 0 else { return 0 }
        var rows: [Int32] = []
        triggerIndexes[Int(marketIndex)].candidates(mark: Double(markets[Int(marketIndex)].mark), into: &rows)
        return rows.count
    }

    /// The naive twin of `scanMaintenance`: every account, every position, exact arithmetic.
    /// Kept as the fallback and as the reference of the differential test.
    public func scanMaintenanceNaive(market: MarketID) -> [ScanHit] {
        guard let marketIndex = marketIndexByID[market], markets[Int(marketIndex)].mark > 0 else { return [] }
        var hits: [ScanHit] = []
        for accountIndex in accounts.indices where accounts[accountIndex].positionSlot(marketIndex: marketIndex) != nil
        {
            if let hit = exactHit(accountIndex: Int32(accountIndex), marketIndex: marketIndex) { hits.append(hit) }
        }
        return Engine.worstFirst(hits)
    }

    func exactHit(accountIndex: Int32, marketIndex: Int32, override: MarkOverride? = nil) -> ScanHit? {
        let account = accounts[Int(accountIndex)]
        if account.isVenue { return nil }
        guard case .success(let pool) = pool(of: account, marketIndex: marketIndex, override: override) else {
            return nil
        }
        let status = pool.status
        guard status >= .marginCall else { return nil }
        return ScanHit(account: account.id, accountIndex: accountIndex, status: status, pool: pool)
    }

    static func worstFirst(_ hits: [ScanHit]) -> [ScanHit] {
        hits.sorted { isWorse($0, than: $1) }
    }

    static func isWorse(_ a: ScanHit, than b: ScanHit) -> Bool {
        isWorse(a.pool, a.account, than: b.pool, b.account)
    }

    /// Non-positive equity first (most negative first), then maintenance / equity by
    /// cross-multiplication, then account id.
    static func isWorse(_ a: PoolRisk, _ aAccount: AccountID, than b: PoolRisk, _ bAccount: AccountID) -> Bool {
        let aBroke = a.equity <= 0
        let bBroke = b.equity <= 0
        if aBroke != bBroke { return aBroke }
        if aBroke {
            return a.equity != b.equity ? a.equity < b.equity : aAccount < bAccount
        }
        let left = Int128(a.maintenance) * Int128(b.equity)
        let right = Int128(b.maintenance) * Int128(a.equity)
        return left != right ? left > right : aAccount < bAccount
    }

    // MARK: Keeping the table current

    /// Recomputes the scan rows of every position of an account (after any change to it).
    mutating func refreshScanRows(accountIndex: Int) {
        let account = accounts[accountIndex]
        for slot in account.positions.indices {
            let position = account.positions[slot]
            let marketIndex = Int(position.marketIndex)
            let size = Double(position.size)
            let base = screenBase(account, position)
            var row = position.scanRow
            if row < 0 {
                row = scanTables[marketIndex].append(accountIndex: Int32(accountIndex), size: size, base: base)
                accounts[accountIndex].positions[slot].scanRow = row
                let key = PoolKey(account: account.id, isolatedMarket: position.isolated ? position.market : nil)
                scanTables[marketIndex].setAlert(row: row, liquidationBook.alert(for: key)?.rowFlag ?? 0)
            } else {
                scanTables[marketIndex].update(row: row, size: size, base: base)
            }
            triggerIndexes[marketIndex].entry.markDirty(row: row)
        }
    }

    /// Equity minus the position's value, in settlement atoms, when the pool depends on this
    /// market's mark alone; NaN otherwise.
    func screenBase(_ account: Account, _ position: Position) -> Double {
        // An option's requirement moves with its underlying and volatility, not with its own mark
        // alone: always checked.
        if markets[Int(position.marketIndex)].isOption { return .nan }
        if position.isolated { return Double(position.isolatedMargin) - Double(position.cost) }
        let settle = markets[Int(position.marketIndex)].settleAssetIndex
        guard account.positions.count == 1, account.marginModel == .standard, assets[Int(settle)].countsAtPar else {
            return .nan
        }
        for balance in account.balances where balance.assetIndex != settle && balance.atoms != 0 { return .nan }
        return Double(account.balance(assetIndex: settle)) - Double(position.cost)
    }

    /// Puts one row where its next state change happens (see `MarketTriggers`).
    mutating func indexTrigger(marketIndex: Int, row: Int32) {
        // The venue's own book is never liquidated: it stays out of the index.
        if scanTables[marketIndex].accountIndex[Int(row)] == 0 {
            triggerIndexes[marketIndex].remove(row: row)
            return
        }
        let placement = triggerPlacement(marketIndex: marketIndex, row: row)
        let (long, reference) = (placement.long, placement.reference)
        if let entry = placement.entry {
            triggerIndexes[marketIndex].entry.set(row: row, trigger: entry, long: long, reference: reference)
        } else {
            triggerIndexes[marketIndex].entry.remove(row: row)
        }
        if let deeper = placement.deeper {
            triggerIndexes[marketIndex].deeper.set(row: row, trigger: deeper, long: long, reference: reference)
        } else {
            triggerIndexes[marketIndex].deeper.remove(row: row)
        }
        // Recovery happens on the favourable side: a long's when the mark rises past it.
        if let recovery = placement.recovery {
            triggerIndexes[marketIndex].recovery.set(row: row, trigger: recovery, long: !long, reference: reference)
        } else {
            triggerIndexes[marketIndex].recovery.remove(row: row)
        }
    }

    /// Where a row goes, by its flag (a read-only pass: nothing is copied).
    private func triggerPlacement(
        marketIndex: Int, row: Int32
    )
        -> (entry: Double?, deeper: Double?, recovery: Double?, long: Bool, reference: Double)
    {
        let valuation = markets[marketIndex].valuation
        let callRatio = Double(markets[marketIndex].parameters.marginCallRatio.atoms) / Double(Rate.oneAtoms)
        let exitRatio =
            1 / (1 + Double(markets[marketIndex].parameters.liquidationExitBuffer.atoms) / Double(Rate.oneAtoms))
        let (call, long) = scanTables[marketIndex].trigger(row: row, valuation: valuation, ratio: callRatio)
        let reference = markets[marketIndex].mark > 0 ? Double(markets[marketIndex].mark) : call
        // NaN: the pool depends on more than this mark: always checked, whatever its state.
        if call.isNaN { return (.nan, nil, nil, long, reference) }
        switch scanTables[marketIndex].alert[Int(row)] {
        case 0:
            return (call, nil, nil, long, reference)
        case 1:
            let deeper = scanTables[marketIndex].trigger(row: row, valuation: valuation, ratio: 1).price
            let recovery = scanTables[marketIndex].trigger(
                row: row, valuation: valuation, ratio: callRatio, widenedTowardCrossing: false
            ).price
            if deeper.isNaN || recovery.isNaN { return (.nan, nil, nil, long, reference) }
            return (nil, deeper, recovery, long, reference)
        default:
            let recovery = scanTables[marketIndex].trigger(
                row: row, valuation: valuation, ratio: exitRatio, widenedTowardCrossing: false
            ).price
            if recovery.isNaN { return (.nan, nil, nil, long, reference) }
            return (nil, nil, recovery, long, reference)
        }
    }

    /// Re-indexes the rows changed since the last mark update (called when the mark changes).
    mutating func flushTriggers(marketIndex: Int) {
        for row in triggerIndexes[marketIndex].entry.takeDirty() where Int(row) < scanTables[marketIndex].count {
            indexTrigger(marketIndex: marketIndex, row: row)
        }
    }

    /// Recomputes every trigger of a market (after its margin schedule or call ratio changed).
    mutating func reindexTriggers(marketIndex: Int) {
        for row in 0..<scanTables[marketIndex].count { indexTrigger(marketIndex: marketIndex, row: Int32(row)) }
    }

    mutating func removeScanRow(marketIndex: Int32, row: Int32) {
        let last = Int32(scanTables[Int(marketIndex)].count - 1)
        triggerIndexes[Int(marketIndex)].remove(row: row)
        if last != row { triggerIndexes[Int(marketIndex)].renumber(from: last, to: row) }
        guard let moved = scanTables[Int(marketIndex)].remove(row: row) else { return }
        let slot = accounts[Int(moved)].positionSlot(marketIndex: marketIndex)!
        accounts[Int(moved)].positions[slot].scanRow = row
    }
}
