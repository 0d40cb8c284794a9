/// Snapshots: the canonical state out, and an engine rebuilt from it (its derived indexes
/// recomputed), so a restored engine behaves exactly as the one that was saved.
extension Engine {
    /// The canonical state (see `EngineState`): O(state), for snapshots.
    public var canonicalState: EngineState {
        EngineState(
            lastSequence: lastSequence, now: now, assets: assets, markets: markets, accounts: accounts,
            alerts: alerts.map { EngineState.PoolAlert(pool: $0.pool, alert: $0.alert) }, auctions: auctions,
            latestCommitment: latestCommitment, portfolioMargin: portfolioMargin, varMargin: varMargin,
            spanMargin: spanMargin, greeksMargin: greeksMargin, spreadCredits: spreadCredits,
            recentCommands: recentCommands.inOrder, venue: venue)
    }

    /// An engine at `state`, with every derived index rebuilt from it.
    /// - Precondition: `state` came from `canonicalState` (ids unique, the venue's book first,
    ///   positions naming existing markets); a snapshot reader checks the digest afterwards.
    public init(restoring state: EngineState) {
        self.init()
        precondition(state.accounts.first?.id == .venue, "a state's first account is the venue's own book")
        assets = state.assets
        markets = state.markets
        accounts = state.accounts
        lastSequence = state.lastSequence
        now = state.now
        for entry in state.alerts { liquidationBook.alertsByPool[entry.pool] = entry.alert }
        liquidationBook.auctions = state.auctions
        latestCommitment = state.latestCommitment
        marginRules = MarginModelRules(
            portfolio: state.portfolioMargin, valueAtRisk: state.varMargin, span: state.spanMargin,
            greeks: state.greeksMargin, spreadCredits: state.spreadCredits)
        recentCommands = CommandWindow(capacity: Limits.commandIDsRemembered)
        for id in state.recentCommands { recentCommands.insert(id) }
        venue = state.venue
        rebuildDerivedIndexes()
    }

    /// The id directories, and per market a scan table, a trigger index (every row dirty: it is
    /// placed on first use) and two empty auto-deleveraging slots; then every position's row,
    /// at the row number it had (events carry it), its contents computed afresh.
    private mutating func rebuildDerivedIndexes() {
        assetIndexByID = IndexDirectory()
        for (index, asset) in assets.enumerated() { assetIndexByID[asset.spec.id] = Int32(index) }
        marketIndexByID = IndexDirectory()
        scanTables = []
        triggerIndexes = []
        liquidationBook.deleveragingQueues = []
        for (index, market) in markets.enumerated() {
            marketIndexByID[market.spec.id] = Int32(index)
            var table = MaintenanceScanTable()
            table.configure(market.parameters.margin)
            scanTables.append(table)
            triggerIndexes.append(MarketTriggers())
            liquidationBook.addMarket()
        }
        accountIndexByID = AccountDirectory()
        var rows = [[(row: Int32, account: Int, slot: Int)]](repeating: [], count: markets.count)
        for index in accounts.indices {
            accountIndexByID[accounts[index].id] = Int32(index)
            // A position the saved engine kept out of the scan tables (row -1) stays out.
            for (slot, position) in accounts[index].positions.enumerated() where position.scanRow >= 0 {
                rows[Int(position.marketIndex)].append((position.scanRow, index, slot))
            }
        }
        for marketIndex in rows.indices {
            var entries = rows[marketIndex]
            // Rows are dense (a removal moves the last row into the hole): keep their numbers;
            // a state without them (or with a gap) is numbered in account order.
            let numbers = entries.map(\.row).sorted()
            if numbers == Array(0..<Int32(entries.count)) { entries.sort { $0.row < $1.row } }
            for entry in entries {
                let account = accounts[entry.account]
                let position = account.positions[entry.slot]
                let row = scanTables[marketIndex].append(
                    accountIndex: Int32(entry.account), size: Double(position.size),
                    base: screenBase(account, position))
                accounts[entry.account].positions[entry.slot].scanRow = row
                let key = PoolKey(account: account.id, isolatedMarket: position.isolated ? position.market : nil)
                scanTables[marketIndex].setAlert(row: row, liquidationBook.alert(for: key)?.rowFlag ?? 0)
                triggerIndexes[marketIndex].entry.markDirty(row: row)
            }
        }
    }
}
