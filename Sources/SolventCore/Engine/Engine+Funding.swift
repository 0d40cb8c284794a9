/// Funding on perpetuals, final settlement of dated futures, and the tick that drives time-based
/// work. Each settles every position of the market at the mark; payers round up, receivers round
/// down, and the difference is dust.
extension Engine {
    func planSettleFunding(_ market: MarketID, _ rate: Rate) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let marketIndex = try self.marketIndex(market, field: "market").get()
            let state = markets[Int(marketIndex)]
            guard state.isPerpetual else {
                throw Rejection(
                    .notPerpetual, field: "market",
                    "market \(market) is a dated future; funding applies to perpetuals")

            }
            guard rate.atoms.magnitude <= UInt64(Rate.oneAtoms / 10) else {
                throw Rejection(.invalidParameter, field: "rate", "expected a funding rate between -0.1 and 0.1")
            }
            guard let mark = state.freshMark(at: now) else {
                throw Rejection(
                    state.mark > 0 ? .priceStale : .priceMissing, field: "market",
                    "funding needs a fresh mark price for market \(market)")
            }
            let (legs, dust) = try settlementLegs(
                marketIndex: marketIndex, mark: mark, rate: rate.atoms, closing: false
            ).get()
            return [
                .fundingSettled(
                    SettlementApplied(
                        market: market, price: Price(atoms: mark), rate: rate,
                        legs: legs, dust: dust))
            ]
        }
    }

    /// Tick: every dated future past its expiry with a fresh mark settles at that mark; every
    /// option past its expiry settles at intrinsic value once its underlying has a fresh mark
    /// taken at or after the expiry.
    func planTick() -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            var events: [Event] = [.ticked(at: now)]
            events.append(contentsOf: try planOracleTick().get())
            // Each settlement is planned on the state the ones before it in this tick leave (an
            // account in a perpetual funded at 08:00 and a future expiring then keeps both amounts;
            // two settlements draw on what the fund still holds). The copy is made only when a
            // second settlement follows a first.
            var scratch: Engine? = nil
            var moved = events.contains { if case .fundingSettled = $0 { return true } else { return false } }
            for marketIndex in markets.indices {
                guard let expiry = markets[marketIndex].spec.expiry, expiry <= now, !markets[marketIndex].settled else {
                    continue
                }
                if moved && scratch == nil {
                    var state = self
                    for event in events { state.apply(event) }
                    scratch = state
                }
                guard let event = try (scratch ?? self).planFinalSettlement(marketIndex: marketIndex).get() else {
                    continue
                }
                events.append(event)
                scratch?.apply(event)
                moved = true
            }
            return events
        }
    }

    /// A dated future or option past its expiry: its positions closed at the settlement price,
    /// and what an account the settlement leaves owing more than it holds is made whole with —
    /// the fund, then the deficit line, as after a liquidation step: never left in debt. nil
    /// while no settlement price can be had yet.
    func planFinalSettlement(marketIndex: Int) -> Result<Event?, Rejection> {
        Result { () throws(Rejection) -> Event? in
            let state = markets[marketIndex]
            guard let expiry = state.spec.expiry else { return nil }
            // A future with a settlement window settles at its average over the window when prices
            // in force cover at least half of it; otherwise (and without a window) at a fresh mark.
            var average: Int64? = nil
            if let window = state.parameters.settlementWindow, window > 0,
                let running = state.settlementAverage?.closing(
                    at: now, windowStart: expiry.nanoseconds - window, expiry: expiry.nanoseconds,
                    maximumAge: state.parameters.priceMaxAge),
                running.covered * 2 >= window
            {
                average = running.value
            }
            guard var mark = state.isOption ? state.freshMark(at: now) : average ?? state.freshMark(at: now) else {
                return nil
            }
            if state.isOption {
                // An option settles at intrinsic value on an underlying mark taken at or after expiry.
                let underlying = markets[Int(state.underlyingIndex)]
                guard underlying.markTime >= expiry, let forward = underlying.freshMark(at: now) else {
                    return nil
                }
                mark = optionIntrinsic(marketIndex: marketIndex, underlyingMark: forward)
            }
            let (legsFound, dust) = try settlementLegs(
                marketIndex: Int32(marketIndex), mark: mark, rate: 0, closing: true
            ).get()
            var legs = legsFound
            var shortfall: Int64 = 0
            for index in legs.indices where legs[index].account != .venue {
                let accountIndex = accountIndexByID[legs[index].account]!
                // A pool that cannot be valued (an index missing) owes what its wallet lacks:
                // one account must not hold up every market's tick.
                let owed =
                    closedPoolShortfall(
                        accountIndex: accountIndex, marketIndex: Int32(marketIndex), leg: legs[index])
                    ?? max(0, -legs[index].walletAfter)
                guard let total = FixedPoint.add(shortfall, owed) else {
                    throw Rejection(
                        .notionalOverflow, field: "market", "a settlement amount exceeds 64-bit fixed point")
                }
                legs[index].walletAfter += owed
                shortfall = total
            }
            let settle = Int(state.settleAssetIndex)
            let draw = min(
                shortfall,
                fundDrawRoom(marketIndex: Int32(marketIndex), balance: max(0, assets[settle].insuranceFund)))
            var settlement = SettlementApplied(
                market: state.spec.id, price: Price(atoms: mark), rate: .zero, legs: legs, dust: dust)
            settlement.fundDraw = draw
            settlement.uncovered = shortfall - draw
            return .marketSettled(settlement)
        }
    }

    /// One leg per position in the market, in scan-table order (deterministic): funding paid or
    /// received at `rate`, or (closing) the position closed at `mark` with PnL realized.
    func settlementLegs(
        marketIndex: Int32, mark: Int64, rate: Int64, closing: Bool
    )
        -> Result<([LegApplied], Int64), Rejection>
    {
        let state = markets[Int(marketIndex)]
        let overflow = Rejection(.notionalOverflow, field: "market", "a settlement amount exceeds 64-bit fixed point")
        var legs: [LegApplied] = []
        legs.reserveCapacity(scanTables[Int(marketIndex)].count)
        var cashTotal: Int64 = 0
        for accountIndex in scanTables[Int(marketIndex)].accountIndex {
            let account = accounts[Int(accountIndex)]
            var position = account.positions[account.positionSlot(marketIndex: marketIndex)!]
            var amount: Int64
            if closing {
                guard let value = state.valuation.value(size: position.size, price: mark, .down) else {
                    return .failure(overflow)
                }
                amount = value &- position.cost
            } else {
                // Positive rate: longs pay. Payers round up, receivers down (toward the house).
                let pays = (position.size > 0) == (rate > 0)
                guard let notional = state.valuation.notional(size: position.size, price: mark, pays ? .up : .down),
                    let magnitude = FixedPoint.multiplyDivide(notional, abs(rate), Rate.oneAtoms, pays ? .up : .down)
                else { return .failure(overflow) }
                amount = pays ? -magnitude : magnitude
            }
            let wallet = account.balance(assetIndex: state.settleAssetIndex)
            if closing {
                // Settlement realizes value − cost and releases the position with its isolated
                // margin: the account's cash changes by the value at the settlement price.
                let released = position.isolated ? position.isolatedMargin : 0
                guard let credit = FixedPoint.add(amount, released), let walletAfter = FixedPoint.add(wallet, credit),
                    let total = FixedPoint.add(cashTotal, amount &+ position.cost)
                else { return .failure(overflow) }
                cashTotal = total
                legs.append(
                    LegApplied(
                        account: account.id, realizedPnl: amount, fee: 0,
                        isolatedTransfer: position.isolated ? -credit : 0,
                        walletAfter: walletAfter, positionAfter: nil))
                continue
            }
            var walletAfter = wallet
            if position.isolated {
                guard let margin = FixedPoint.add(position.isolatedMargin, amount) else { return .failure(overflow) }
                position.isolatedMargin = margin
            } else {
                guard let credited = FixedPoint.add(wallet, amount) else { return .failure(overflow) }
                walletAfter = credited
            }
            guard let fundingPnl = FixedPoint.add(position.fundingPnl, amount),
                let total = FixedPoint.add(cashTotal, amount)
            else { return .failure(overflow) }
            position.fundingPnl = fundingPnl
            cashTotal = total
            legs.append(
                LegApplied(
                    account: account.id, realizedPnl: amount, fee: 0, isolatedTransfer: 0,
                    walletAfter: walletAfter, positionAfter: position))
        }
        let dust = -cashTotal
        precondition(dust >= 0, "a settlement's rounding must favour the house")
        return .success((legs, dust))
    }

    /// A dated future with a settlement window keeps its running average (see `SettlementAverage`).
    mutating func recordSettlementPrice(marketIndex m: Int, price: Int64) {
        guard let window = markets[m].parameters.settlementWindow, window > 0, let expiry = markets[m].spec.expiry,
            !markets[m].settled, !markets[m].isOption, price > 0
        else { return }
        let running =
            markets[m].settlementAverage.map {
                $0.closing(
                    at: now, windowStart: expiry.nanoseconds - window, expiry: expiry.nanoseconds,
                    maximumAge: markets[m].parameters.priceMaxAge)
            }
            ?? SettlementAverage(weighted: 0, covered: 0, price: 0, since: now)
        markets[m].settlementAverage = SettlementAverage(
            weighted: running.weighted, covered: running.covered, price: price, since: now)
    }

    /// Applies a funding or final settlement: every leg, the rounding, and the fund's draw and the
    /// uncovered rest for the accounts that could not pay; `closes` marks the market settled.
    mutating func applySettlement(_ settlement: SettlementApplied, closes: Bool) {
        let marketIndex = marketIndexByID[settlement.market]!
        let settle = Int(markets[Int(marketIndex)].settleAssetIndex)
        var before: Int64 = 0
        var after: Int64 = 0
        for leg in settlement.legs { before = before &+ cashOf(leg.account, marketIndex) }
        for leg in settlement.legs { applyLeg(leg, marketIndex: marketIndex) }
        for leg in settlement.legs { after = after &+ cashOf(leg.account, marketIndex) }
        assets[settle].dust &+= settlement.dust
        assets[settle].insuranceFund &-= settlement.fundDraw
        assets[settle].deficit &-= settlement.uncovered
        recordFundDraw(marketIndex: marketIndex, settlement.fundDraw)
        precondition(assets[settle].insuranceFund >= 0, "the insurance fund is never negative")
        precondition(
            after &- before &+ settlement.dust &- settlement.fundDraw &- settlement.uncovered == 0,
            "a settlement must conserve money")
        if closes { markets[Int(marketIndex)].settled = true }
    }
}
