/// One liquidation step: re-check the pool exactly, size the step, execute it by the
/// market's mechanism (the order book's depth model, backstop providers, or a Dutch auction's
/// bidder), never closing the account worse than its bankruptcy price; penalty, keeper reward and
/// clearance fee come out of what the account still holds; a fill worse than bankruptcy is
/// reimbursed to the taker by the insurance fund as far as the fund and its caps go, and the rest
/// goes down the waterfall.
extension Engine {
    func planConfigureLiquidation(_ market: MarketID, _ parameters: LiquidationParameters) -> Result<[Event], Rejection>
    {
        if case .failure(let rejection) = marketIndex(market, field: "market") { return .failure(rejection) }
        if let error = parameters.validate() {
            return .failure(
                Rejection(.invalidParameter, field: "liquidation.\(error.field)", "expected \(error.reason)"))
        }
        if venue != nil, let rejection = Self.venueRefusal(parameters) { return .failure(rejection) }
        if auctions.contains(where: { $0.market == market }) {
            guard case .auction = parameters.mechanism else {
                return .failure(
                    Rejection(
                        .auctionInProgress, field: "liquidation.mechanism",
                        "market \(market) has open auctions: let them end before changing the mechanism"))
            }
        }
        return .success([.liquidationConfigured(market: market, parameters)])
    }

    /// What a step needs once the account is known to be liquidatable: the sized quantity, its
    /// notional at mark, the side and the bankruptcy price.
    package struct PlannedStep {
        package var accountIndex: Int32
        package var marketIndex: Int32
        package var parameters: LiquidationParameters
        package var quantity: Int64
        package var notional: Int64
        package var long: Bool
        package var bankruptcy: Int64?
    }

    package func planLiquidate(
        _ account: AccountID, _ market: MarketID, keeper: AccountID?, shares: [DeleveragingShare]? = nil
    ) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let keeperIndex = try liquidationKeeper(keeper, account: account).get()
            if venue != nil { try refuseUnlessHoldingLiquidation(field: "account") }
            try refuseIfReserved(account, market: market, field: "account")
            if shares != nil, venue == nil {
                throw Rejection(.notInVenue, field: "shares", "deleveraging shares are for a venue's shards")
            }
            let step = try planStep(account, market).get()
            let parameters = step.parameters
            switch parameters.mechanism {
            case .auction(let rules):
                return try planAuctionStart(step, rules: rules, keeperIndex: keeperIndex).get()
            case .backstop(let share):
                if let events = backstopEvents(
                    accountIndex: step.accountIndex, marketIndex: step.marketIndex, quantity: step.quantity,
                    long: step.long, share: share, bankruptcy: step.bankruptcy, parameters: parameters,
                    keeperIndex: keeperIndex)
                {
                    return events
                }
            case .orderBook:
                break
            }
            let fill = try orderBookFill(step, market: market)
            return try liquidationEvents(
                step, fill: fill, takerIndex: 0, keeperIndex: keeperIndex, auction: nil, venueShares: shares
            ).get()
        }
    }

    /// The step's fill through the order book's depth model, never worse than bankruptcy.
    func orderBookFill(_ step: PlannedStep, market: MarketID) throws(Rejection) -> OrderBookExecution.Fill {
        guard
            let fill = OrderBookExecution.execute(
                long: step.long, mark: markets[Int(step.marketIndex)].mark, notional: step.notional,
                bankruptcyPrice: step.bankruptcy ?? (step.long ? 1 : BoundarySearch.maximumPrice),
                depth: step.parameters.depth)
        else {
            throw Rejection(
                .bookExhausted, field: "market",
                "the book of market \(market) cannot absorb \(step.notional) of notional")
        }
        return fill
    }

    /// The keeper named by a `liquidate` command: an existing account other than the one
    /// liquidated (nil: none named, nothing is paid).
    func liquidationKeeper(_ keeper: AccountID?, account: AccountID) -> Result<Int32?, Rejection> {
        guard let keeper else { return .success(nil) }
        if keeper == account {
            return .failure(
                Rejection(
                    .invalidParameter, field: "keeper",
                    "an account does not earn a keeper reward for its own liquidation"))
        }
        return accountIndex(keeper, field: "keeper").map { Optional($0) }
    }

    /// Validation and sizing shared by every mechanism.
    package func planStep(_ account: AccountID, _ market: MarketID) -> Result<PlannedStep, Rejection> {
        Result { () throws(Rejection) -> PlannedStep in
            let (accountIndex, marketIndex) = try accountAndMarket(account, market).get()
            let m = Int(marketIndex)
            guard let parameters = markets[m].liquidation else {
                throw Rejection(
                    .liquidationNotConfigured, field: "market", "market \(market) has no liquidation parameters")
            }
            if account == .venue {
                throw Rejection(.reservedAccount, field: "account", "the venue's book is not liquidated")
            }
            var stepFraction = parameters.stepFraction
            switch liquidationPermission(market: market) {
            case .paused(let rule):
                throw Rejection(
                    .liquidationPaused, field: "market",
                    "the \(rule.rawValue) breaker of market \(market) pauses liquidations")
            case .slow(let fraction): stepFraction = min(stepFraction, fraction)
            case .allowed: break
            }
            if case .auction = parameters.mechanism,
                auctions.contains(where: { $0.account == account && $0.market == market })
            {
                throw Rejection(
                    .auctionInProgress, field: "account",
                    "an auction of account \(account)'s position in market \(market) is open: bid on it or reset it"
                )
            }
            let holder = accounts[Int(accountIndex)]
            guard let slot = holder.positionSlot(marketIndex: marketIndex) else {
                throw Rejection(
                    .noPosition, field: "market", "account \(account) holds no position in market \(market)")
            }
            let position = holder.positions[slot]
            let pool: PoolRisk
            let risk: PositionRisk
            switch (
                self.pool(of: holder, marketIndex: marketIndex, now: now),
                positionRisk(
                    position, leverage: leverage(of: holder, marketIndex: marketIndex), override: nil, now: now)
            ) {
            case (.failure(let error), _), (_, .failure(let error)): throw .from(error, field: "market")
            case (.success(let p), .success(let r)): (pool, risk) = (p, r)
            }
            guard pool.status >= .liquidatable else {
                throw Rejection(
                    .notLiquidatable, field: "account",
                    "account \(account) is \(pool.status.rawValue): equity \(pool.equity) above maintenance \(pool.maintenance)"
                )
            }
            guard
                let inputs = sizingInputs(
                    position: position, pool: pool, risk: risk, parameters: parameters, stepFraction: stepFraction,
                    leverage: leverage(of: holder, marketIndex: marketIndex))
            else {
                throw Rejection(.notionalOverflow, field: "account", "the pool's figures exceed 64-bit fixed point")
            }
            var (quantity, _) = PartialLiquidation.stepQuantity(inputs, target: parameters.target)
            let mark = markets[m].mark
            let valuation = markets[m].valuation
            // The per-account cap per step (at least one lot, so a step always makes progress).
            if let cap = parameters.maximumStepNotional, let full = valuation.notional(size: quantity, price: mark),
                full > cap
            {
                let lot = markets[m].spec.lotSize.atoms
                let perLot = max(1, valuation.notional(size: lot, price: mark) ?? 1)
                quantity = max(lot, cap / perLot * lot)
            }
            // The rate limiter caps the notional of this window.
            if let allowance = liquidationAllowance(market: market),
                let full = valuation.notional(size: quantity, price: mark), full > allowance
            {
                let lot = markets[m].spec.lotSize.atoms
                let perLot = max(1, valuation.notional(size: lot, price: mark) ?? 1)
                quantity = allowance / perLot * lot
                if quantity <= 0 {
                    throw Rejection(
                        .liquidationPaused, field: "market",
                        "the liquidation-rate limit of market \(market) is reached for this window")
                }
            }
            guard let notional = valuation.notional(size: quantity, price: mark) else {
                throw Rejection(.notionalOverflow, field: "account", "the step's value exceeds 64-bit fixed point")
            }
            return
                PlannedStep(
                    accountIndex: accountIndex, marketIndex: marketIndex, parameters: parameters, quantity: quantity,
                    notional: notional, long: position.size > 0,
                    bankruptcy: bankruptcyPrice(of: holder, marketIndex: marketIndex))
        }
    }

    /// The sizing inputs in settlement atoms (a cross pool's USD figures converted at the
    /// settlement asset's index: equity rounded down, requirements up).
    private func sizingInputs(
        position: Position, pool: PoolRisk, risk: PositionRisk, parameters: LiquidationParameters,
        stepFraction: Rate, leverage: Int64
    ) -> PartialLiquidation.Inputs? {
        let m = Int(position.marketIndex)
        var equity = pool.equity
        var otherInitial: Int64 = 0
        var otherMaintenance: Int64 = 0
        if !position.isolated {
            let asset = assets[Int(markets[m].settleAssetIndex)]
            guard let e = asset.atoms(ofValue: pool.equity, .down), let i = asset.atoms(ofValue: pool.initial, .up),
                let mm = asset.atoms(ofValue: pool.maintenance, .up)
            else { return nil }
            equity = e
            otherInitial = max(0, i - risk.initial)
            otherMaintenance = max(0, mm - risk.maintenance)
        }
        let slippage: Int64
        switch parameters.mechanism {
        case .orderBook, .backstop:
            slippage = parameters.depth.slippage(notional: risk.notional)?.atoms ?? Rate.oneAtoms / 10
        case .auction: slippage = 0  // the auction's price is not known when the step is sized
        }
        let cost = Rate(
            atoms: min(
                Rate.oneAtoms,
                parameters.penaltyRate.atoms + parameters.clearanceFeeRate.atoms
                    + parameters.keeperReward.rate.atoms + slippage))
        return PartialLiquidation.Inputs(
            equity: equity, otherInitial: otherInitial, otherMaintenance: otherMaintenance,
            size: position.size, mark: markets[m].mark, lot: markets[m].spec.lotSize.atoms,
            valuation: markets[m].valuation, schedule: markets[m].parameters.margin,
            leverageRate: leverage > 0 ? Rate.reciprocal(ofLeverage: leverage).atoms : 0, costRate: cost,
            stepFraction: stepFraction, dustNotional: parameters.dustNotional)
    }

    /// The step's events once its price is known: the loss waterfall (`LossWaterfall`), stage
    /// by stage.
    func liquidationEvents(
        _ step: PlannedStep, fill: OrderBookExecution.Fill, takerIndex: Int32, keeperIndex: Int32?,
        auction: UInt64?, venueShares: [DeleveragingShare]? = nil
    ) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            var waterfall = try LossWaterfall.closing(step, fill: fill, takerIndex: takerIndex, in: self)
            waterfall.venueShares = venueShares
            waterfall.chargeFees(keeper: keeperIndex != nil, in: self)
            try waterfall.measureShortfall(in: self)
            try waterfall.deleverage(in: self)
            try waterfall.closeTaker(in: self)
            waterfall.drawFund()
            waterfall.socialize(in: self)
            return try waterfall.events(keeperIndex: keeperIndex, auction: auction, in: self)
        }
    }

    /// What the account would owe after `leg` if it closes the last position of its pool, as
    /// settlement atoms (rounded up) within what the settlement wallet is short; 0 while a cross
    /// position keeps the pool open (its own steps book it); nil when the pool cannot be valued.
    /// The measure is the cross pool after the leg — wallets and collateral, haircut — so an
    /// account whose other collateral covers a negative settlement balance owes nothing
    /// unbooked. An isolated position that closes with a loss beyond its own margin (margin a
    /// user's losing reduction or funding drove below zero before the step) takes the rest from
    /// the wallet only as far as the account can pay: it realized that loss itself.
    func closedPoolShortfall(accountIndex: Int32, marketIndex: Int32, leg: LegApplied) -> Int64? {
        guard leg.positionAfter == nil, leg.walletAfter < 0 else { return 0 }
        let account = accounts[Int(accountIndex)]
        guard let slot = account.positionSlot(marketIndex: marketIndex) else { return 0 }
        let isolated = account.positions[slot].isolated
        if account.positions.contains(where: { !$0.isolated && $0.marketIndex != marketIndex }) { return 0 }
        let settle = markets[Int(marketIndex)].settleAssetIndex
        // The cross pool once the position is gone and the wallet is as the leg leaves it.
        let change = AccountChange(marketIndex: marketIndex, position: nil, assetIndex: settle, wallet: leg.walletAfter)
        guard case .success(let pool) = crossPool(of: account, change: change) else { return nil }
        guard pool.equity < 0 else { return 0 }
        guard let owed = assets[Int(settle)].atoms(ofValue: -pool.equity, .up) else { return nil }
        return min(owed, -leg.walletAfter, isolated ? max(0, leg.isolatedTransfer) : owed)
    }

    /// An account's leg that changes nothing: its wallet and its position in the market as they are.
    func unchangedLeg(accountIndex: Int32, marketIndex: Int32) -> LegApplied {
        let account = accounts[Int(accountIndex)]
        return LegApplied(
            account: account.id, realizedPnl: 0, fee: 0, isolatedTransfer: 0,
            walletAfter: account.balance(assetIndex: markets[Int(marketIndex)].settleAssetIndex),
            positionAfter: account.positionSlot(marketIndex: marketIndex).map { account.positions[$0] })
    }

    /// The liquidation-rate limiter's state after a step of `notional`, if the market has an oracle.
    func limiterEvents(marketIndex: Int32, notional: Int64) -> [Event] {
        guard var state = markets[Int(marketIndex)].oracle else { return [] }
        state.limiter = state.limiter.recording(notional, config: state.config, now: now)
        return [.oracleStateChanged(market: markets[Int(marketIndex)].spec.id, state)]
    }

    /// Penalty, then keeper reward (if a keeper is named), then clearance fee, out of what the
    /// account holds after the close (never a debt): an isolated position that stays open pays
    /// from its own margin, one that closed from the margin it released (never from the cross
    /// wallet, which isolation protects), a cross position from the settlement wallet.
    func chargeLiquidationFees(
        _ leg: inout LegApplied, isolated: Bool, notional: Int64, parameters: LiquidationParameters,
        keeper: Bool
    ) -> (penalty: Int64, keeper: Int64, clearance: Int64) {
        let fromPosition = leg.positionAfter?.isolated == true
        let isolatedClose = leg.positionAfter == nil && isolated
        let available = max(
            0,
            fromPosition
                ? leg.positionAfter!.isolatedMargin
                : isolatedClose ? min(leg.walletAfter, -leg.isolatedTransfer) : leg.walletAfter)
        func charge(_ rate: Rate, flat: Int64, within room: Int64) -> Int64 {
            let share = FixedPoint.multiplyDivide(notional, rate.atoms, Rate.oneAtoms, .up) ?? room
            return min(FixedPoint.add(share, flat) ?? room, room)
        }
        let penalty = charge(parameters.penaltyRate, flat: 0, within: available)
        let reward =
            keeper
            ? charge(parameters.keeperReward.rate, flat: parameters.keeperReward.flat, within: available - penalty) : 0
        let clearance = charge(parameters.clearanceFeeRate, flat: 0, within: available - penalty - reward)
        if fromPosition {
            leg.positionAfter!.isolatedMargin -= penalty + reward + clearance
        } else {
            leg.walletAfter -= penalty + reward + clearance
        }
        leg.fee = penalty + reward + clearance
        return (penalty, reward, clearance)
    }

    /// Credits the keeper's reward: into the leg it already has in the step (the taker, a
    /// counterparty or a backstop provider), else a leg of its own (its fee is minus the reward).
    func creditKeeper(
        _ keeperIndex: Int32?, reward: Int64, marketIndex: Int32, taker: inout LegApplied,
        others: inout [LegApplied]
    ) -> LegApplied? {
        guard let keeperIndex, reward > 0 else { return nil }
        let id = accounts[Int(keeperIndex)].id
        if taker.account == id {
            taker.walletAfter &+= reward
            return nil
        }
        if let index = others.firstIndex(where: { $0.account == id }) {
            others[index].walletAfter &+= reward
            return nil
        }
        var leg = unchangedLeg(accountIndex: keeperIndex, marketIndex: marketIndex)
        leg.walletAfter &+= reward
        leg.fee = -reward
        return leg
    }

    /// What the market may still draw from a fund of `balance`: the balance, within its caps
    /// for the current window and its lifetime.
    func fundDrawRoom(marketIndex: Int32, balance: Int64) -> Int64 {
        let market = Int(marketIndex)
        guard let cap = markets[market].liquidation?.fundDrawCap else { return balance }
        let windowOpen =
            markets[market].fundDrawnInWindow > 0
            && now.nanoseconds - markets[market].fundDrawWindowStart.nanoseconds < cap.intervalSeconds &* 1_000_000_000
        var room = max(0, cap.perInterval - (windowOpen ? markets[market].fundDrawnInWindow : 0))
        if let total = cap.total { room = min(room, max(0, total - markets[market].fundDrawnTotal)) }
        return min(balance, room)
    }

    /// Books a draw on the fund against the market's caps (the window opens at the first draw
    /// after the previous window closed).
    mutating func recordFundDraw(marketIndex: Int32, _ draw: Int64) {
        guard draw > 0 else { return }
        let market = Int(marketIndex)
        let interval = markets[market].liquidation?.fundDrawCap?.intervalSeconds ?? 0
        if markets[market].fundDrawnInWindow == 0
            || now.nanoseconds - markets[market].fundDrawWindowStart.nanoseconds >= interval &* 1_000_000_000
        {
            markets[market].fundDrawWindowStart = now
            markets[market].fundDrawnInWindow = 0
        }
        markets[market].fundDrawnInWindow &+= draw
        markets[market].fundDrawnTotal &+= draw
    }

    /// Applies a step; conservation is asserted: the legs' cash, the fund, the fee pool, dust
    /// and the deficit move by amounts that sum to zero.
    mutating func applyLiquidationStep(_ step: LiquidationStep) {
        let marketIndex = marketIndexByID[step.market]!
        let settle = markets[Int(marketIndex)].settleAssetIndex
        let legs = [step.account, step.taker] + step.counterparties + (step.keeper.map { [$0] } ?? [])
        let indices = legs.map { Int(accountIndexByID[$0.account]!) }
        defer { updateDeleveragingQueues(after: step, marketIndex: marketIndex, touched: indices.map(Int32.init)) }
        let before = indices.reduce(Int64(0)) { $0 &+ cash(accountIndex: $1, assetIndex: settle) }
        for (leg, index) in zip(legs, indices) { applyLeg(leg, accountIndex: index, marketIndex: marketIndex) }
        let after = indices.reduce(Int64(0)) { $0 &+ cash(accountIndex: $1, assetIndex: settle) }
        assets[Int(settle)].insuranceFund &+= step.penalty &- step.fundDraw
        assets[Int(settle)].feePool &+= step.clearanceFee
        assets[Int(settle)].dust &+= step.dust
        assets[Int(settle)].deficit &-= step.uncovered
        recordFundDraw(marketIndex: marketIndex, step.fundDraw)
        precondition(assets[Int(settle)].insuranceFund >= 0, "the insurance fund is never negative")
        precondition(
            after &- before &+ step.penalty &- step.fundDraw &+ step.clearanceFee &+ step.dust &- step.uncovered == 0,
            "a liquidation step must conserve money")
    }
}
