/// Importing a position from another system (a migration, or a portfolio file for a report).
extension Engine {
    func planImportPosition(
        _ account: AccountID, _ market: MarketID, _ size: Quantity, _ entryPrice: Price,
        _ isolatedMargin: Amount?
    ) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let (accountIndex, marketIndex) = try accountAndMarket(account, market).get()
            let state = markets[Int(marketIndex)]
            if account == .venue {
                throw Rejection(.reservedAccount, field: "account", "the venue's book is the other side of an import")
            }
            if size.atoms == 0 { throw Rejection(.nonPositiveQuantity, field: "size", "expected a non-zero size") }
            if size.atoms == Int64.min {
                throw Rejection(.notionalOverflow, field: "size", "exceeds 64-bit fixed point")
            }
            if entryPrice.atoms <= 0 {
                throw Rejection(.nonPositivePrice, field: "entryPrice", "expected a positive price")
            }
            if size.atoms % state.spec.lotSize.atoms != 0 {
                throw Rejection(.offLotGrid, field: "size", "expected a multiple of the lot size \(state.spec.lotSize)")
            }
            if state.settled { throw Rejection(.marketSettled, field: "market", "market \(market) has settled") }
            try refuseIfReserved(account, market: market, field: "account")
            var holder = accounts[Int(accountIndex)]
            if holder.positionSlot(marketIndex: marketIndex) != nil {
                throw Rejection(
                    .invalidParameter, field: "market",
                    "account \(account) already holds a position in market \(market)")
            }
            if holder.positions.count >= Limits.positionsPerAccount {
                throw Rejection(
                    .limitReached, field: "market", "at most \(Limits.positionsPerAccount) positions per account")

            }
            let overflow = Rejection(
                .notionalOverflow, field: "size", "the position's value exceeds 64-bit fixed point")
            // Both sides' costs round up (against each); the remainder is dust.
            guard let cost = state.valuation.value(size: size.atoms, price: entryPrice.atoms, .up),
                let venueCost = state.valuation.value(size: -size.atoms, price: entryPrice.atoms, .up)
            else { throw overflow }
            let settle = state.settleAssetIndex
            let margin = isolatedMargin?.atoms ?? 0
            if isolatedMargin != nil, margin < 0 {
                throw Rejection(.nonPositiveAmount, field: "isolatedMargin", "expected zero or positive")
            }
            let wallet = holder.balance(assetIndex: settle)
            if margin > wallet {
                throw Rejection(
                    .insufficientBalance, field: "isolatedMargin",
                    "expected at most the wallet's settlement balance")
            }
            holder.setBalance(assetIndex: settle, atoms: wallet - margin)
            let position = Position(
                market: market, marketIndex: marketIndex, size: size.atoms, cost: cost,
                isolated: isolatedMargin != nil, isolatedMargin: margin)
            let venue = accounts[0]
            let venueSlot = venue.positionSlot(marketIndex: marketIndex)
            var venuePosition =
                venueSlot.map { venue.positions[$0] }
                ?? Position(
                    market: market, marketIndex: marketIndex, size: 0, cost: 0, isolated: false, isolatedMargin: 0)
            let (venueSize, o1) = venuePosition.size.addingReportingOverflow(-size.atoms)
            let (venueCostAfter, o2) = venuePosition.cost.addingReportingOverflow(venueCost)
            if o1 || o2 { throw overflow }
            venuePosition.size = venueSize
            venuePosition.cost = venueCostAfter
            // The venue's side is a cash-neutral book entry: its cost grows by the opposite value, and
            // what it holds of the position's value comes back when it closes. A netted-out venue
            // position keeps its cost as realized PnL in the venue's wallet.
            var venueWallet = venue.balance(assetIndex: settle)
            var venueAfter: Position? = venuePosition
            var venueRealized: Int64 = 0
            if venueSize == 0 {
                venueRealized = -venueCostAfter
                venueWallet &+= venueRealized
                venueAfter = nil
            }
            let dust = cost &+ venueCost
            precondition(dust >= 0, "import rounding must favour the house")
            let accountLeg = LegApplied(
                account: account, realizedPnl: 0, fee: 0, isolatedTransfer: margin,
                walletAfter: wallet - margin, positionAfter: position)
            let venueLeg = LegApplied(
                account: .venue, realizedPnl: venueRealized, fee: 0, isolatedTransfer: 0,
                walletAfter: venueWallet, positionAfter: venueAfter)
            return [
                .positionImported(PositionImported(market: market, account: accountLeg, venue: venueLeg, dust: dust))
            ]
        }
    }

    /// Applies an imported position: the account's leg, the venue's opposite leg, the rounding.
    mutating func applyImport(_ imported: PositionImported) {
        let marketIndex = marketIndexByID[imported.market]!
        applyLeg(imported.account, marketIndex: marketIndex)
        applyLeg(imported.venue, marketIndex: marketIndex)
        assets[Int(markets[Int(marketIndex)].settleAssetIndex)].dust &+= imported.dust
    }
}
