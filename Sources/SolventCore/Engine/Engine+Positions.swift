/// A leg as events state it — an account's settlement wallet and its position in one market
/// after a fill, an import, a settlement or a liquidation step — and the cash those legs move,
/// which every one of them conserves.
extension Engine {
    /// An account's cash in a market's settlement asset: wallet + isolated margins − costs of the
    /// positions settling in it. Fills and settlements move it; the sum over all holders plus the
    /// system's lines never changes.
    func cashOf(_ account: AccountID, _ marketIndex: Int32) -> Int64 {
        cash(accountIndex: Int(accountIndexByID[account]!), assetIndex: markets[Int(marketIndex)].settleAssetIndex)
    }

    func cash(accountIndex: Int, assetIndex settle: Int32) -> Int64 {
        let holder = accounts[accountIndex]
        var cash = holder.balance(assetIndex: settle)
        for position in holder.positions where markets[Int(position.marketIndex)].settleAssetIndex == settle {
            cash = cash &+ position.isolatedMargin &- position.cost
        }
        return cash
    }

    /// Sets one account's settlement wallet and position in a market as a leg states them.
    mutating func applyLeg(_ leg: LegApplied, marketIndex: Int32) {
        applyLeg(leg, accountIndex: Int(accountIndexByID[leg.account]!), marketIndex: marketIndex)
    }

    mutating func applyLeg(_ leg: LegApplied, accountIndex index: Int, marketIndex: Int32) {
        let settle = markets[Int(marketIndex)].settleAssetIndex
        accounts[index].setBalance(assetIndex: settle, atoms: leg.walletAfter)
        let slot = accounts[index].positionSlot(marketIndex: marketIndex)
        let row = slot.map { accounts[index].positions[$0].scanRow } ?? -1
        if var position = leg.positionAfter {
            precondition(position.size != 0, "a position is never empty")
            position.scanRow = row
            accounts[index].setPosition(position, marketIndex: marketIndex)
        } else {
            let closed = slot.map { accounts[index].positions[$0] }
            if row >= 0 { removeScanRow(marketIndex: marketIndex, row: row) }
            accounts[index].setPosition(nil, marketIndex: marketIndex)
            if let closed { clearFlagOfEmptiedPool(accountIndex: index, closed: closed) }
        }
        refreshScanRows(accountIndex: index)
    }

    /// A pool whose last position closed has nothing left to call or liquidate: its flag goes
    /// with it (no mark update would ever visit it again).
    private mutating func clearFlagOfEmptiedPool(accountIndex: Int, closed: Position) {
        if !closed.isolated, accounts[accountIndex].positions.contains(where: { !$0.isolated }) { return }
        liquidationBook.alertsByPool[
            PoolKey(account: accounts[accountIndex].id, isolatedMarket: closed.isolated ? closed.market : nil)] = nil
    }
}
