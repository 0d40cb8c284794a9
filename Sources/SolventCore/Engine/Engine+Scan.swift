/// Finding the accounts a mark move put at or beyond their margin-call level.
extension Engine {
    /// One pool found at or beyond its margin-call level.
    public struct ScanHit: Hashable, Sendable {
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
        scanTables[Int(marketIndex)].candidates(mark: state.mark, valuation: state.valuation,
                              callRatio: state.parameters.marginCallRatio, into: &rows)
        var hits: [ScanHit] = []
        hits.reserveCapacity(rows.count)
        for row in rows {
            let accountIndex = scanTables[Int(marketIndex)].accountIndex[Int(row)]
            if let hit = exactHit(accountIndex: accountIndex, marketIndex: marketIndex) { hits.append(hit) }
        }
        return Engine.worstFirst(hits)
    }

    /// The naive twin of `scanMaintenance`: every account, every position, exact arithmetic.
    /// Kept as the fallback and as the reference of the differential test.
    public func scanMaintenanceNaive(market: MarketID) -> [ScanHit] {
        guard let marketIndex = marketIndexByID[market], markets[Int(marketIndex)].mark > 0 else { return [] }
        var hits: [ScanHit] = []
        for accountIndex in accounts.indices where accounts[accountIndex].positionSlot(marketIndex: marketIndex) != nil {
            if let hit = exactHit(accountIndex: Int32(accountIndex), marketIndex: marketIndex) { hits.append(hit) }
        }
        return Engine.worstFirst(hits)
    }

    private func exactHit(accountIndex: Int32, marketIndex: Int32) -> ScanHit? {
        let account = accounts[Int(accountIndex)]
        if account.isVenue { return nil }
        guard case .success(let pool) = pool(of: account, marketIndex: marketIndex) else { return nil }
        let status = pool.status
        guard status >= .marginCall else { return nil }
        return ScanHit(account: account.id, accountIndex: accountIndex, status: status, pool: pool)
    }

    static func worstFirst(_ hits: [ScanHit]) -> [ScanHit] {
        hits.sorted { a, b in
            let ka = severityKey(a.pool)
            let kb = severityKey(b.pool)
            if ka != kb { return ka > kb }
            return a.account < b.account
        }
    }

    /// Orders pools by maintenance / equity; non-positive equity ranks above any ratio.
    private static func severityKey(_ pool: PoolRisk) -> SeverityKey {
        SeverityKey(maintenance: pool.maintenance, equity: pool.equity)
    }

    struct SeverityKey: Comparable {
        var maintenance: Int64
        var equity: Int64
        static func < (a: SeverityKey, b: SeverityKey) -> Bool {
            if (a.equity <= 0) != (b.equity <= 0) { return b.equity <= 0 }
            if a.equity <= 0 { return a.equity > b.equity }
            return Int128(a.maintenance) * Int128(b.equity) < Int128(b.maintenance) * Int128(a.equity)
        }
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
            if position.scanRow < 0 {
                let row = scanTables[marketIndex].append(accountIndex: Int32(accountIndex), size: size, base: base)
                accounts[accountIndex].positions[slot].scanRow = row
            } else {
                scanTables[marketIndex].update(row: position.scanRow, size: size, base: base)
            }
        }
    }

    /// Equity minus the position's value, in settlement atoms, when the pool depends on this
    /// market's mark alone; NaN otherwise.
    private func screenBase(_ account: Account, _ position: Position) -> Double {
        if position.isolated { return Double(position.isolatedMargin) - Double(position.cost) }
        let settle = markets[Int(position.marketIndex)].settleAssetIndex
        guard account.positions.count == 1, assets[Int(settle)].countsAtPar else {
            return .nan
        }
        for balance in account.balances where balance.assetIndex != settle && balance.atoms != 0 { return .nan }
        return Double(account.balance(assetIndex: settle)) - Double(position.cost)
    }

    mutating func removeScanRow(marketIndex: Int32, row: Int32) {
        guard let moved = scanTables[Int(marketIndex)].remove(row: row) else { return }
        let slot = accounts[Int(moved)].positionSlot(marketIndex: marketIndex)!
        accounts[Int(moved)].positions[slot].scanRow = row
    }
}
