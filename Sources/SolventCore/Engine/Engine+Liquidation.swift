/// One liquidation step (issue #4): re-check the pool exactly, size the step, fill through the
/// depth model against the venue's book, never closing the account worse than its bankruptcy
/// price; penalty and clearance fee come out of what the account still holds; a fill worse than
/// bankruptcy is reimbursed to the venue's book by the insurance fund as far as it goes.
extension Engine {
    func planConfigureLiquidation(_ market: MarketID, _ parameters: LiquidationParameters) -> Result<[Event], Rejection> {
        if case .failure(let rejection) = marketIndex(market, field: "market") { return .failure(rejection) }
        if let error = parameters.validate() {
            return .failure(Rejection(.invalidParameter, field: "liquidation.\(error.field)", "expected \(error.reason)"))
        }
        return .success([.liquidationConfigured(market: market, parameters)])
    }

    func planLiquidate(_ account: AccountID, _ market: MarketID) -> Result<[Event], Rejection> {
        let accountIndex: Int32
        let marketIndex: Int32
        switch accountAndMarket(account, market) {
        case .failure(let rejection): return .failure(rejection)
        case .success(let indices): (accountIndex, marketIndex) = indices
        }
        let m = Int(marketIndex)
        guard let parameters = markets[m].liquidation else {
            return .failure(Rejection(.liquidationNotConfigured, field: "market", "market \(market) has no liquidation parameters"))
        }
        if account == .venue { return .failure(Rejection(.reservedAccount, field: "account", "the venue's book is not liquidated")) }
        var stepFraction = parameters.stepFraction
        switch liquidationPermission(market: market) {
        case .paused(let rule): return .failure(Rejection(.liquidationPaused, field: "market", "the \(rule.rawValue) breaker of market \(market) pauses liquidations"))
        case .slow(let fraction): stepFraction = min(stepFraction, fraction)
        case .allowed: break
        }
        let holder = accounts[Int(accountIndex)]
        guard let slot = holder.positionSlot(marketIndex: marketIndex) else {
            return .failure(Rejection(.noPosition, field: "market", "account \(account) holds no position in market \(market)"))
        }
        let position = holder.positions[slot]
        let pool: PoolRisk
        let risk: PositionRisk
        switch (self.pool(of: holder, marketIndex: marketIndex, now: now),
                positionRisk(position, leverage: leverage(of: holder, marketIndex: marketIndex), override: nil, now: now)) {
        case (.failure(let error), _), (_, .failure(let error)): return .failure(.from(error, field: "market"))
        case (.success(let p), .success(let r)): (pool, risk) = (p, r)
        }
        guard pool.status >= .liquidatable else {
            return .failure(Rejection(.notLiquidatable, field: "account", "account \(account) is \(pool.status.rawValue): equity \(pool.equity) above maintenance \(pool.maintenance)"))
        }
        guard let inputs = sizingInputs(position: position, pool: pool, risk: risk, parameters: parameters, stepFraction: stepFraction,
                                        leverage: leverage(of: holder, marketIndex: marketIndex)) else {
            return .failure(Rejection(.notionalOverflow, field: "account", "the pool's figures exceed 64-bit fixed point"))
        }
        var (quantity, _) = PartialLiquidation.stepQuantity(inputs, target: parameters.target)
        let mark = markets[m].mark
        let valuation = markets[m].valuation
        let overflow = Rejection(.notionalOverflow, field: "account", "the step's value exceeds 64-bit fixed point")
        // The rate limiter (issue #3) caps the notional of this window.
        if let allowance = liquidationAllowance(market: market), let full = valuation.notional(size: quantity, price: mark), full > allowance {
            let lot = markets[m].spec.lotSize.atoms
            let perLot = max(1, valuation.notional(size: lot, price: mark) ?? 1)
            quantity = allowance / perLot * lot
            if quantity <= 0 {
                return .failure(Rejection(.liquidationPaused, field: "market", "the liquidation-rate limit of market \(market) is reached for this window"))
            }
        }
        guard let notional = valuation.notional(size: quantity, price: mark) else { return .failure(overflow) }
        let long = position.size > 0
        let bankruptcy = bankruptcyPrice(of: holder, marketIndex: marketIndex)
        guard let fill = OrderBookExecution.execute(long: long, mark: mark, notional: notional,
                                                    bankruptcyPrice: bankruptcy ?? (long ? 1 : BoundarySearch.maximumPrice),
                                                    depth: parameters.depth) else {
            return .failure(Rejection(.bookExhausted, field: "market", "the book of market \(market) cannot absorb \(notional) of notional"))
        }
        return liquidationEvents(accountIndex: accountIndex, marketIndex: marketIndex, quantity: quantity, long: long, fill: fill,
                                 bankruptcy: bankruptcy, notional: notional, parameters: parameters)
    }

    /// The sizing inputs in settlement atoms (a cross pool's USD figures converted at the
    /// settlement asset's index: equity rounded down, requirements up).
    private func sizingInputs(position: Position, pool: PoolRisk, risk: PositionRisk, parameters: LiquidationParameters,
                              stepFraction: Rate, leverage: Int64) -> PartialLiquidation.Inputs? {
        let m = Int(position.marketIndex)
        var equity = pool.equity
        var otherInitial: Int64 = 0
        var otherMaintenance: Int64 = 0
        if !position.isolated {
            let asset = assets[Int(markets[m].settleAssetIndex)]
            let exponent = asset.spec.scale + Price.scale - Value.scale
            func toSettle(_ value: Int64, _ rounding: Rounding) -> Int64? {
                FixedPoint.narrow(FixedPoint.divide(Int128(value) * FixedPoint.powerOfTen128(max(0, exponent)), by: Int128(asset.price), rounding))
            }
            guard let e = toSettle(pool.equity, .down), let i = toSettle(pool.initial, .up), let mm = toSettle(pool.maintenance, .up) else { return nil }
            equity = e
            otherInitial = max(0, i - risk.initial)
            otherMaintenance = max(0, mm - risk.maintenance)
        }
        let slippage = parameters.depth.slippage(notional: risk.notional)?.atoms ?? Rate.oneAtoms / 10
        let cost = Rate(atoms: min(Rate.oneAtoms, parameters.penaltyRate.atoms + parameters.clearanceFeeRate.atoms + slippage))
        return PartialLiquidation.Inputs(equity: equity, otherInitial: otherInitial, otherMaintenance: otherMaintenance,
                                         size: position.size, mark: markets[m].mark, lot: markets[m].spec.lotSize.atoms,
                                         valuation: markets[m].valuation, schedule: markets[m].parameters.margin,
                                         leverageRate: leverage > 0 ? Rate.reciprocal(ofLeverage: leverage).atoms : 0, costRate: cost,
                                         stepFraction: stepFraction, dustNotional: parameters.dustNotional)
    }

    private func liquidationEvents(accountIndex: Int32, marketIndex: Int32, quantity: Int64, long: Bool,
                                   fill: OrderBookExecution.Fill, bankruptcy: Int64?, notional: Int64,
                                   parameters: LiquidationParameters) -> Result<[Event], Rejection> {
        let m = Int(marketIndex)
        let direction: Int64 = long ? -1 : 1
        var accountLeg: PlannedLeg
        var venueLeg: PlannedLeg
        switch (planLeg(accountIndex: accountIndex, marketIndex: marketIndex, quantity: direction * quantity, price: fill.accountPrice,
                        feeRate: .zero, field: "account", releasesIsolatedMargin: false),
                planLeg(accountIndex: 0, marketIndex: marketIndex, quantity: -direction * quantity, price: fill.accountPrice,
                        feeRate: .zero, field: "venue")) {
        case (.failure(let rejection), _), (_, .failure(let rejection)): return .failure(rejection)
        case (.success(let a), .success(let v)): (accountLeg, venueLeg) = (a, v)
        }
        guard let dust = FixedPoint.narrow(-(Int128(accountLeg.cashDelta) + Int128(venueLeg.cashDelta))), dust >= 0 else {
            return .failure(Rejection(.notionalOverflow, field: "account", "the step's value exceeds 64-bit fixed point"))
        }
        // Penalty, then clearance fee, out of what the account holds after the close (never a
        // debt): an isolated position that stays open pays from its own margin, anything else from
        // the settlement wallet.
        let fromPosition = accountLeg.leg.positionAfter?.isolated == true
        let available = max(0, fromPosition ? accountLeg.leg.positionAfter!.isolatedMargin : accountLeg.leg.walletAfter)
        let penalty = min(FixedPoint.multiplyDivide(notional, parameters.penaltyRate.atoms, Rate.oneAtoms, .up) ?? available, available)
        let clearance = min(FixedPoint.multiplyDivide(notional, parameters.clearanceFeeRate.atoms, Rate.oneAtoms, .up) ?? 0, available - penalty)
        if fromPosition {
            accountLeg.leg.positionAfter!.isolatedMargin -= penalty + clearance
        } else {
            accountLeg.leg.walletAfter -= penalty + clearance
        }
        accountLeg.leg.fee = penalty + clearance
        // A fill worse than bankruptcy: the venue's book paid the account price and got the market
        // price; the insurance fund reimburses the gap as far as its balance goes.
        var draw: Int64 = 0
        var uncovered: Int64 = 0
        if fill.fundCoversGap {
            let valuation = markets[m].valuation
            let atAccount = valuation.value(size: quantity, price: fill.accountPrice, .up) ?? 0
            let atMarket = valuation.value(size: quantity, price: fill.marketPrice, .down) ?? 0
            let gap = abs(atAccount - atMarket)
            let fund = assets[Int(markets[m].settleAssetIndex)].insuranceFund &+ penalty
            draw = min(gap, max(0, fund))
            uncovered = gap - draw
            venueLeg.leg.walletAfter &+= draw
        }
        let step = LiquidationStep(market: markets[m].spec.id, account: accountLeg.leg, venue: venueLeg.leg, quantity: quantity,
                                   closesPosition: accountLeg.leg.positionAfter == nil, marketPrice: Price(atoms: fill.marketPrice),
                                   accountPrice: Price(atoms: fill.accountPrice), bankruptcyPrice: bankruptcy.map(Price.init(atoms:)),
                                   penalty: penalty, clearanceFee: clearance, fundDraw: draw, uncovered: uncovered, dust: dust)
        var events: [Event] = [.positionLiquidated(step)]
        if var state = markets[m].oracle {
            state.limiter = state.limiter.recording(notional, config: state.config, now: now)
            events.append(.oracleStateChanged(market: markets[m].spec.id, state))
        }
        return .success(events)
    }

    /// Applies a step; conservation is asserted: the two legs' cash, the fund, the fee pool and
    /// dust move by amounts that sum to zero.
    mutating func applyLiquidationStep(_ step: LiquidationStep) {
        let marketIndex = marketIndexByID[step.market]!
        let settle = markets[Int(marketIndex)].settleAssetIndex
        let account = Int(accountIndexByID[step.account.account]!)
        let before = cash(accountIndex: account, assetIndex: settle) &+ cash(accountIndex: 0, assetIndex: settle)
        applyLeg(step.account, accountIndex: account, marketIndex: marketIndex)
        applyLeg(step.venue, accountIndex: 0, marketIndex: marketIndex)
        let after = cash(accountIndex: account, assetIndex: settle) &+ cash(accountIndex: 0, assetIndex: settle)
        assets[Int(settle)].insuranceFund &+= step.penalty &- step.fundDraw
        assets[Int(settle)].feePool &+= step.clearanceFee
        assets[Int(settle)].dust &+= step.dust
        precondition(assets[Int(settle)].insuranceFund >= 0, "the insurance fund is never negative")
        precondition(after &- before &+ step.penalty &- step.fundDraw &+ step.clearanceFee &+ step.dust == 0,
                     "a liquidation step must conserve money")
    }
}
