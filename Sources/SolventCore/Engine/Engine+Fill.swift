/// Fills: a trade between two accounts is a transfer of the trade's value from buyer to seller,
/// split in each account between its position's cost and realized PnL. Rounding of each side's
/// value goes against that side; the remainder is booked as dust, so the fill conserves money to
/// the atom by construction.
extension Engine {
    func planFill(_ fill: Fill) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let marketIndex = try self.marketIndex(fill.market, field: "market").get()
            let market = markets[Int(marketIndex)]
            if let rejection = validateFillShape(fill, market) { throw rejection }
            let buyerIndex = try accountIndex(fill.buyer, field: "buyer").get()
            let sellerIndex = try accountIndex(fill.seller, field: "seller").get()
            try refuseIfReserved(fill.buyer, market: fill.market, field: "buyer")
            try refuseIfReserved(fill.seller, market: fill.market, field: "seller")
            let buyerRate = fill.taker == .buyer ? market.parameters.feeTakerRate : market.parameters.feeMakerRate
            let sellerRate = fill.taker == .seller ? market.parameters.feeTakerRate : market.parameters.feeMakerRate
            let buyer = try planLeg(
                accountIndex: buyerIndex, marketIndex: marketIndex, quantity: fill.quantity.atoms,
                price: fill.price.atoms, feeRate: buyerRate, field: "buyer"
            ).get()
            let seller = try planLeg(
                accountIndex: sellerIndex, marketIndex: marketIndex, quantity: -fill.quantity.atoms,
                price: fill.price.atoms, feeRate: sellerRate, field: "seller"
            ).get()
            // Fees go to the fee pool; what the two sides' cash changes leave over is dust.
            guard let dust = FixedPoint.narrow(-(Int128(buyer.cashDelta) + Int128(seller.cashDelta))) else {
                throw Rejection(.notionalOverflow, field: "quantity", "the trade's value exceeds 64-bit fixed point")
            }
            precondition(dust >= 0, "a fill's rounding must favour the house")
            return [.fillApplied(FillApplied(fill: fill, buyer: buyer.leg, seller: seller.leg, dust: dust))]
        }
    }

    private func validateFillShape(_ fill: Fill, _ market: MarketState) -> Rejection? {
        if market.settled {
            return Rejection(.marketSettled, field: "market", "market \(fill.market) has expired and settled")
        }
        if fill.quantity.atoms <= 0 {
            return Rejection(.nonPositiveQuantity, field: "quantity", "expected a positive quantity")
        }
        if fill.price.atoms <= 0 {
            return Rejection(.nonPositivePrice, field: "price", "expected a positive price")
        }
        if fill.quantity.atoms % market.spec.lotSize.atoms != 0 {
            return Rejection(
                .offLotGrid, field: "quantity", "expected a multiple of the lot size \(market.spec.lotSize)")
        }
        if fill.price.atoms % market.spec.tickSize.atoms != 0 {
            return Rejection(
                .offTickGrid, field: "price", "expected a multiple of the tick size \(market.spec.tickSize)")
        }
        if fill.buyer == fill.seller {
            return Rejection(.selfTrade, field: "seller", "buyer and seller must differ")
        }
        return nil
    }

    /// One side of a fill, planned.
    struct PlannedLeg {
        var leg: LegApplied
        /// Change of (wallet + isolated margin − cost) before fees, settlement atoms.
        var cashDelta: Int64
    }

    /// Plans one account's side: position after, realized PnL, fee, isolated margin top-up or
    /// release, and the initial-margin check for risk-increasing trades.
    /// `releasesIsolatedMargin`: a user's partial close releases a proportional share of an
    /// isolated position's margin; a liquidation step keeps it in the position it is rescuing.
    func planLeg(
        accountIndex: Int32, marketIndex: Int32, quantity: Int64, price: Int64, feeRate: Rate,
        field: String, releasesIsolatedMargin: Bool = true
    ) -> Result<PlannedLeg, Rejection> {
        let overflow = Rejection(.notionalOverflow, field: "quantity", "the trade's value exceeds 64-bit fixed point")
        // Field reads rather than copies of the market (this runs twice per fill).
        let valuation = markets[Int(marketIndex)].valuation
        let settle = markets[Int(marketIndex)].settleAssetIndex
        let account = accounts[Int(accountIndex)]
        let isVenue = account.isVenue
        let slot = account.positionSlot(marketIndex: marketIndex)
        let before = slot.map { account.positions[$0] }
        if before == nil, !isVenue, account.positions.count >= Limits.positionsPerAccount {
            return .failure(
                Rejection(.limitReached, field: field, "at most \(Limits.positionsPerAccount) positions per account"))
        }
        let setting = account.setting(marketIndex: marketIndex)
        let isolated = !isVenue && (before?.isolated ?? setting?.isolated ?? false)
        let size0 = before?.size ?? 0
        let cost0 = before?.cost ?? 0
        let (size1, sizeOverflow) = size0.addingReportingOverflow(quantity)
        if sizeOverflow { return .failure(overflow) }
        guard
            let change = TradeSplit.compute(
                size0: size0, cost0: cost0, quantity: quantity, price: price,
                valuation: valuation)
        else { return .failure(overflow) }
        var fee: Int64 = 0
        if !isVenue && feeRate.atoms > 0 {
            guard let notional = valuation.notional(size: quantity, price: price),
                let charged = FixedPoint.multiplyDivide(notional, feeRate.atoms, Rate.oneAtoms, .up)
            else { return .failure(overflow) }
            fee = charged
        }
        let wallet0 = account.balance(assetIndex: settle)
        var wallet1 = wallet0
        var isolated1 = before?.isolatedMargin ?? 0
        var transfer: Int64 = 0
        if isolated {
            guard let margin = FixedPoint.add(isolated1, change.realized).flatMap({ FixedPoint.subtract($0, fee) })
            else {
                return .failure(overflow)
            }
            isolated1 = margin
            if size1 == 0 {
                transfer = -isolated1
            } else if change.isReduction, isolated1 > 0, releasesIsolatedMargin {
                transfer = -Int64(
                    FixedPoint.divide(
                        Int128(isolated1) * Int128(quantity.magnitude), by: Int128(size0.magnitude), .down))
            }
        } else {
            guard let balance = FixedPoint.add(wallet1, change.realized).flatMap({ FixedPoint.subtract($0, fee) })
            else {
                return .failure(overflow)
            }
            wallet1 = balance
        }
        var after: Position? = nil
        if size1 != 0 {
            var position =
                before
                ?? Position(
                    market: markets[Int(marketIndex)].spec.id, marketIndex: marketIndex, size: 0, cost: 0,
                    isolated: isolated, isolatedMargin: 0)
            position.size = size1
            position.cost = change.cost1
            position.isolatedMargin = isolated1
            // A flip closes one position and opens another: the new one starts its own history.
            position.realizedPnl = change.closesAll ? 0 : position.realizedPnl &+ change.realized
            if change.closesAll { position.fundingPnl = 0 }
            after = position
        }
        let increasesRisk =
            size1.magnitude > size0.magnitude || (size0 != 0 && size1 != 0 && (size0 < 0) != (size1 < 0))
        if isolated, increasesRisk, var position = after {
            // Top the isolated position up to its initial requirement at mark, from the wallet.
            position.isolatedMargin = isolated1
            switch positionRisk(position, leverage: setting?.leverage ?? 0, override: nil, now: now) {
            case .failure(let error): return .failure(.from(error, field: "market"))
            case .success(let risk): transfer = max(0, risk.initial &- risk.isolatedPool!.equity)
            }
            guard let margin = FixedPoint.add(isolated1, transfer) else { return .failure(overflow) }
            position.isolatedMargin = margin
            after = position
        } else if var position = after, transfer != 0 {
            position.isolatedMargin = isolated1 &+ transfer  // a release: never beyond what the position held
            after = position
        }
        guard let walletAfterTransfer = FixedPoint.subtract(wallet1, transfer) else { return .failure(overflow) }
        wallet1 = walletAfterTransfer
        if !isVenue && increasesRisk && markets[Int(marketIndex)].isOracleFrozen {
            return .failure(
                Rejection(
                    .oracleFrozen, field: field,
                    "the oracle of this market is frozen: only trades that reduce a position are accepted"))
        }
        if !isVenue && increasesRisk {
            if isolated, wallet1 < 0 {
                return .failure(
                    Rejection(
                        .insufficientBalance, field: field,
                        "account \(account.id) lacks the settlement asset to margin an isolated position"))
            }
            let change = AccountChange(marketIndex: marketIndex, position: after, assetIndex: settle, wallet: wallet1)
            switch crossPool(of: account, now: now, change: change) {
            case .failure(let error): return .failure(.from(error, field: field))
            case .success(let pool) where !pool.meetsInitial:
                return .failure(
                    Rejection(
                        .insufficientInitialMargin, field: field,
                        "account \(account.id) would hold equity \(Value(atoms: pool.equity)) USD below its initial margin \(Value(atoms: pool.initial)) USD"
                    ))
            case .success: break
            }
        }
        let leg = LegApplied(
            account: account.id, realizedPnl: change.realized, fee: fee, isolatedTransfer: transfer,
            walletAfter: wallet1, positionAfter: after)
        return .success(PlannedLeg(leg: leg, cashDelta: -change.tradeValue))
    }

    /// Applies a fill: both legs, the fees to the fee pool and the rounding to dust; the two
    /// accounts' cash moves by exactly what those lines receive.
    mutating func applyFill(_ applied: FillApplied) {
        let marketIndex = marketIndexByID[applied.fill.market]!
        let settle = markets[Int(marketIndex)].settleAssetIndex
        let buyer = Int(accountIndexByID[applied.buyer.account]!)
        let seller = Int(accountIndexByID[applied.seller.account]!)
        let before = cash(accountIndex: buyer, assetIndex: settle) &+ cash(accountIndex: seller, assetIndex: settle)
        applyLeg(applied.buyer, accountIndex: buyer, marketIndex: marketIndex)
        applyLeg(applied.seller, accountIndex: seller, marketIndex: marketIndex)
        let after = cash(accountIndex: buyer, assetIndex: settle) &+ cash(accountIndex: seller, assetIndex: settle)
        let fees = applied.buyer.fee &+ applied.seller.fee
        assets[Int(settle)].feePool &+= fees
        assets[Int(settle)].dust &+= applied.dust
        precondition(after &- before &+ fees &+ applied.dust == 0, "a fill must conserve money")
    }
}

/// How a trade of `quantity` at `price` changes a position of `size0` with `cost0`: the new cost,
/// the realized PnL, and the trade's value (what the account pays, rounded up against it).
struct TradeSplit {
    var cost1: Int64
    var realized: Int64
    var tradeValue: Int64
    var isReduction: Bool
    var closesAll: Bool

    static func compute(
        size0: Int64, cost0: Int64, quantity: Int64, price: Int64,
        valuation: ContractValuation
    ) -> TradeSplit? {
        let size1 = size0 &+ quantity
        if size0 == 0 || (size0 < 0) == (quantity < 0) {
            guard let value = valuation.value(size: quantity, price: price, .up) else { return nil }
            let (cost1, overflow) = cost0.addingReportingOverflow(value)
            if overflow { return nil }
            return TradeSplit(cost1: cost1, realized: 0, tradeValue: value, isReduction: false, closesAll: false)
        }
        if quantity.magnitude <= size0.magnitude {
            guard let value = valuation.value(size: quantity, price: price, .up) else { return nil }
            // Release the reduced share of cost, rounded up: the realized PnL rounds against the
            // account, and what stays in cost is realized later, so nothing is lost.
            let released =
                size1 == 0
                ? cost0
                : Int64(FixedPoint.divide(Int128(cost0) * Int128(quantity.magnitude), by: Int128(size0.magnitude), .up))
            let (realized, overflow) = (-value).subtractingReportingOverflow(released)
            if overflow { return nil }
            return TradeSplit(
                cost1: cost0 - released, realized: realized, tradeValue: value,
                isReduction: true, closesAll: size1 == 0)
        }
        // The trade closes the position and opens the other side with the rest.
        guard let closeValue = valuation.value(size: -size0, price: price, .up),
            let openValue = valuation.value(size: size1, price: price, .up)
        else { return nil }
        let (realized, o1) = (-closeValue).subtractingReportingOverflow(cost0)
        let (tradeValue, o2) = closeValue.addingReportingOverflow(openValue)
        if o1 || o2 || tradeValue == Int64.min { return nil }
        return TradeSplit(
            cost1: openValue, realized: realized, tradeValue: tradeValue, isReduction: false, closesAll: true)
    }
}
