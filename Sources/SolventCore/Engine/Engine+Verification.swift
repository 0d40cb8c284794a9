/// Engines rebuilt from a proof's parts, for a verifier that has only what the proof carries.
extension Engine {
    /// An engine holding only what one account's margin depends on — the venue's assets and
    /// markets (parameters, prices, oracle state) and that account — so a verifier recomputes
    /// the margin with the same rules, from nothing of other accounts.
    public static func forVerification(
        assets: [AssetState], markets: [MarketState], account: Account, now: Timestamp,
        sequence: UInt64
    ) -> Engine {
        forVerification(
            assets: assets, markets: markets, accounts: [account], now: now, sequence: sequence, indexed: false)
    }

    /// As above for several accounts. `indexed` also builds the markets' scan tables over their
    /// positions, so that the loss allocation (auto-deleveraging ranks, socialized shares) can be
    /// re-run among exactly these accounts; a margin check needs none.
    public static func forVerification(
        assets: [AssetState], markets: [MarketState], accounts: [Account], now: Timestamp,
        sequence: UInt64, indexed: Bool = true
    ) -> Engine {
        var engine = Engine()
        engine.assets = assets
        for (index, asset) in assets.enumerated() { engine.assetIndexByID[asset.spec.id] = Int32(index) }
        engine.markets = markets
        for (index, market) in markets.enumerated() {
            engine.marketIndexByID[market.spec.id] = Int32(index)
            guard indexed else { continue }
            var table = MaintenanceScanTable()
            table.configure(market.parameters.margin)
            engine.scanTables.append(table)
            engine.triggerIndexes.append(MarketTriggers())
            engine.liquidationBook.addMarket()
        }
        for account in accounts where account.id != .venue && engine.accountIndexByID[account.id] == nil {
            var copy = account
            for index in copy.positions.indices { copy.positions[index].scanRow = -1 }
            engine.accountIndexByID[account.id] = Int32(engine.accounts.count)
            engine.accounts.append(copy)
            if indexed { engine.refreshScanRows(accountIndex: engine.accounts.count - 1) }
        }
        engine.now = now
        engine.lastSequence = sequence
        return engine
    }
}
