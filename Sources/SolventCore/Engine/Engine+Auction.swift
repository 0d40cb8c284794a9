/// Dutch-auction liquidation (Maker's Clipper, engines.md §3.1). `liquidate`
/// on an auction market sizes the step as any other and opens an auction of that lot instead of
/// executing it; bidders take partial lots at the falling price (`bidAuction`), each take being
/// a liquidation step against the bidder; a keeper restarts an auction that is older than the
/// tail or below the cusp (`resetAuction`). The keeper who starts or restarts an auction is paid
/// tip + chip × the lot's notional from the insurance fund, within the fund and the market's caps.
extension Engine {
    func planAuctionStart(
        _ step: PlannedStep, rules: DutchAuctionRules, keeperIndex: Int32?
    ) -> Result<[Event], Rejection> {
        let m = Int(step.marketIndex)
        let auction = LiquidationAuction(
            id: lastSequence, account: accounts[Int(step.accountIndex)].id, market: markets[m].spec.id,
            long: step.long, lot: step.quantity, mark: markets[m].mark, rules: rules, now: now)
        return keeperPayment(keeperIndex, marketIndex: step.marketIndex, notional: step.notional, rules: rules)
            .map { [.auctionStarted(auction, $0)] }
    }

    func planBidAuction(
        _ id: UInt64, _ bidder: AccountID, _ quantity: Quantity, _ limit: Price
    ) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            guard let index = auctions.binarySearch(id: id) else {
                throw Rejection(.unknownAuction, field: "auction", "no open auction with id \(id)")
            }
            let auction = auctions[index]
            let bidderIndex = try accountIndex(bidder, field: "bidder").get()
            if bidder == .venue {
                throw Rejection(.reservedAccount, field: "bidder", "the venue's book does not bid")
            }
            if bidder == auction.account {
                throw Rejection(.selfTrade, field: "bidder", "account \(bidder) cannot bid for its own position")
            }
            let marketIndex = marketIndexByID[auction.market]!
            let m = Int(marketIndex)
            guard let parameters = markets[m].liquidation, case .auction(let rules) = parameters.mechanism else {
                throw Rejection(
                    .liquidationNotConfigured, field: "auction",
                    "market \(auction.market) no longer liquidates by auction")
            }
            if case .paused(let rule) = liquidationPermission(market: auction.market) {
                throw Rejection(
                    .liquidationPaused, field: "auction",
                    "the \(rule.rawValue) breaker of market \(auction.market) pauses liquidations")
            }
            let lot = markets[m].spec.lotSize.atoms
            guard quantity.atoms > 0 else {
                throw Rejection(.nonPositiveQuantity, field: "quantity", "expected a positive quantity")
            }
            guard quantity.atoms % lot == 0 else {
                throw Rejection(
                    .offLotGrid, field: "quantity", "expected a multiple of the lot size \(markets[m].spec.lotSize)"
                )
            }
            let (price, needsReset) = auction.status(rules: rules, now: now)
            if needsReset {
                throw Rejection(
                    .auctionNeedsReset, field: "auction",
                    "auction \(id) is older than its tail or below its cusp: reset it first")
            }
            let acceptable = auction.long ? limit.atoms >= price : limit.atoms <= price
            guard acceptable else {
                throw Rejection(
                    .auctionPriceBeyondLimit, field: "limitPrice",
                    "the auction's price is \(Price(atoms: price)); the bid's limit is \(limit)")
            }
            // The account may have traded since: what is left of its position on the auction's side.
            let accountIndex = accountIndexByID[auction.account]!
            let holder = accounts[Int(accountIndex)]
            let held = holder.positionSlot(marketIndex: marketIndex).map { holder.positions[$0].size } ?? 0
            let available = auction.long ? max(0, held) : max(0, -held)
            let forSale = min(auction.lot, available)
            // Nothing left to sell: the auction ends.
            if forSale == 0 { return [.auctionUpdated(id: id, lot: 0)] }
            let valuation = markets[m].valuation
            guard let perLot = valuation.notional(size: lot, price: price), perLot > 0,
                let notional = valuation.notional(size: min(quantity.atoms, forSale), price: markets[m].mark)
            else {
                throw Rejection(.notionalOverflow, field: "quantity", "the take's value exceeds 64-bit fixed point")
            }
            let dustLots = (rules.dust + perLot - 1) / perLot * lot
            var open = auction
            open.lot = forSale
            guard let slice = open.slice(quantity: quantity.atoms, dustLots: dustLots) else {
                throw Rejection(
                    .invalidParameter, field: "quantity",
                    "the lot left is at or below the auction's dust: take all of it")
            }
            let sliceNotional = valuation.notional(size: slice, price: markets[m].mark) ?? notional
            let bankruptcy = bankruptcyPrice(of: holder, marketIndex: marketIndex)
            // Never closed worse than bankruptcy for the system: the fund covers a price beyond it.
            let worse = bankruptcy.map { auction.long ? price < $0 : price > $0 } ?? false
            let fill = OrderBookExecution.Fill(
                marketPrice: price, accountPrice: worse ? bankruptcy! : price, fundCoversGap: worse)
            let step = PlannedStep(
                accountIndex: accountIndex, marketIndex: marketIndex, parameters: parameters, quantity: slice,
                notional: sliceNotional, long: auction.long, bankruptcy: bankruptcy)
            let events = try liquidationEvents(
                step, fill: fill, takerIndex: bidderIndex, keeperIndex: nil, auction: id
            ).get()
            return events + [.auctionUpdated(id: id, lot: forSale - slice)]
        }
    }

    func planResetAuction(_ id: UInt64, keeper: AccountID?) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            guard let index = auctions.binarySearch(id: id) else {
                throw Rejection(.unknownAuction, field: "auction", "no open auction with id \(id)")
            }
            let auction = auctions[index]
            let marketIndex = marketIndexByID[auction.market]!
            guard let parameters = markets[Int(marketIndex)].liquidation,
                case .auction(let rules) = parameters.mechanism
            else {
                throw Rejection(
                    .liquidationNotConfigured, field: "auction",
                    "market \(auction.market) no longer liquidates by auction")
            }
            guard auction.status(rules: rules, now: now).needsReset else {
                throw Rejection(
                    .auctionNotStale, field: "auction", "auction \(id) is within its tail and above its cusp")
            }
            var keeperIndex: Int32? = nil
            if let keeper {
                keeperIndex = try accountIndex(keeper, field: "keeper").get()
            }
            let mark = markets[Int(marketIndex)].mark
            let notional = markets[Int(marketIndex)].valuation.notional(size: auction.lot, price: mark) ?? 0
            // Maker pays the incentive on a restart only for a lot worth more than the dust.
            let paid = notional > rules.dust ? keeperIndex : nil
            let payment = try keeperPayment(paid, marketIndex: marketIndex, notional: notional, rules: rules).get()
            return [.auctionReset(auction.reset(mark: mark, rules: rules, now: now), payment)]
        }
    }

    /// tip + chip × notional from the insurance fund to the keeper, within the fund and the
    /// market's caps (nil: no keeper, or nothing to pay).
    private func keeperPayment(
        _ keeperIndex: Int32?, marketIndex: Int32, notional: Int64, rules: DutchAuctionRules
    )
        -> Result<KeeperPayment?, Rejection>
    {
        guard let keeperIndex else { return .success(nil) }
        let settle = markets[Int(marketIndex)].settleAssetIndex
        let amount = min(
            rules.keeperIncentive(debt: notional),
            fundDrawRoom(marketIndex: marketIndex, balance: max(0, assets[Int(settle)].insuranceFund)))
        guard amount > 0 else { return .success(nil) }
        let keeper = accounts[Int(keeperIndex)]
        guard let wallet = FixedPoint.add(keeper.balance(assetIndex: settle), amount) else {
            return .failure(
                Rejection(.notionalOverflow, field: "keeper", "the keeper's balance would exceed 64-bit fixed point"))
        }
        return .success(
            KeeperPayment(
                market: markets[Int(marketIndex)].spec.id, keeper: keeper.id, amount: amount, walletAfter: wallet))
    }

    /// Pays a keeper from the fund; the fund's decrease is the keeper's increase.
    mutating func applyKeeperPayment(_ payment: KeeperPayment) {
        let marketIndex = marketIndexByID[payment.market]!
        let settle = markets[Int(marketIndex)].settleAssetIndex
        let keeper = Int(accountIndexByID[payment.keeper]!)
        precondition(
            payment.walletAfter &- accounts[keeper].balance(assetIndex: settle) == payment.amount,
            "a keeper payment must conserve money")
        assets[Int(settle)].insuranceFund &-= payment.amount
        precondition(assets[Int(settle)].insuranceFund >= 0, "the insurance fund is never negative")
        recordFundDraw(marketIndex: marketIndex, payment.amount)
        accounts[keeper].setBalance(assetIndex: settle, atoms: payment.walletAfter)
        refreshScanRows(accountIndex: keeper)
    }
}

extension Array where Element == LiquidationAuction {
    /// The index of the auction with `id` (the array is sorted by id), or nil.
    func binarySearch(id: UInt64) -> Int? {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < count && self[low].id == id ? low : nil
    }
}
