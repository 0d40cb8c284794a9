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
        if case .backstop(let share) = parameters.mechanism,
           let events = backstopEvents(accountIndex: accountIndex, marketIndex: marketIndex, quantity: quantity, long: long,
                                       share: share, bankruptcy: bankruptcy, parameters: parameters) {
            return .success(events)
        }
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
        let overflow = Rejection(.notionalOverflow, field: "account", "the step's value exceeds 64-bit fixed point")
        let direction: Int64 = long ? -1 : 1
        let valuation = markets[m].valuation
        var accountLeg: PlannedLeg
        switch planLeg(accountIndex: accountIndex, marketIndex: marketIndex, quantity: direction * quantity, price: fill.accountPrice,
                       feeRate: .zero, field: "account", releasesIsolatedMargin: false) {
        case .failure(let rejection): return .failure(rejection)
        case .success(let leg): accountLeg = leg
        }
        let (penalty, clearance) = chargeLiquidationFees(&accountLeg.leg, notional: notional, parameters: parameters)
        // The gap between the account price (bankruptcy) and the book's fill, and how much of the
        // step the fund can carry; with auto-deleveraging the rest is closed against opposite
        // positions at the bankruptcy price instead of through the book.
        let fund = max(0, assets[Int(markets[m].settleAssetIndex)].insuranceFund &+ penalty)
        func gap(_ size: Int64) -> Int64 {
            guard fill.fundCoversGap, size > 0 else { return 0 }
            let atAccount = valuation.value(size: size, price: fill.accountPrice, .up) ?? 0
            let atMarket = valuation.value(size: size, price: fill.marketPrice, .down) ?? 0
            return abs(atAccount - atMarket)
        }
        var bookQuantity = quantity
        var counterparties: [LegApplied] = []
        var counterpartyCash: [Int64] = []
        if case .autoDeleveraging(let ranking, let maximum) = parameters.lossAllocation, gap(quantity) > fund {
            let lot = markets[m].spec.lotSize.atoms
            let perLot = max(1, gap(lot))
            let carried = min(quantity, fund / perLot * lot)
            let ranked = AutoDeleveraging.ranked(deleveragingCandidates(marketIndex: marketIndex, excluding: accountIndex, long: !long),
                                                 by: ranking)
            let allocation = AutoDeleveraging.allocate(quantity: quantity - carried, ranked: ranked, limit: maximum)
            for (counterparty, size) in allocation.fills {
                switch planLeg(accountIndex: accountIndexByID[counterparty]!, marketIndex: marketIndex, quantity: -direction * size,
                               price: fill.accountPrice, feeRate: .zero, field: "counterparty") {
                case .failure(let rejection): return .failure(rejection)
                case .success(let leg):
                    counterparties.append(leg.leg)
                    counterpartyCash.append(leg.cashDelta)
                }
            }
            bookQuantity = quantity - (quantity - carried - allocation.unplaced)
        }
        var venueLeg: PlannedLeg? = nil
        if bookQuantity > 0 {
            switch planLeg(accountIndex: 0, marketIndex: marketIndex, quantity: -direction * bookQuantity, price: fill.accountPrice,
                           feeRate: .zero, field: "venue") {
            case .failure(let rejection): return .failure(rejection)
            case .success(let leg): venueLeg = leg
            }
        }
        // The fund settles the book's shortfall (the tested `InsuranceFund` rule, not a twin of it).
        let settlement = InsuranceFund.settle(surplus: -gap(bookQuantity), balance: fund, drawCap: fund)
        let bookGap = gap(bookQuantity)
        let draw = -settlement.fundChange
        var uncovered = settlement.uncovered
        let reallocated = gap(quantity) - bookGap
        if var leg = venueLeg { leg.leg.walletAfter &+= draw; venueLeg = leg }
        // Socialized: opposite positions in profit pay the uncovered loss to the venue's book.
        var collected: Int64 = 0
        if case .socialized = parameters.lossAllocation, uncovered > 0, var leg = venueLeg {
            let shares = socializedShares(uncovered, marketIndex: marketIndex, excluding: accountIndex, long: !long)
            for (payer, payerLeg) in shares {
                counterparties.append(payerLeg)
                counterpartyCash.append(-payer)
                collected += payer
            }
            leg.leg.walletAfter &+= collected
            venueLeg = leg
            uncovered -= collected
        }
        // What no mechanism placed becomes a recorded deficit: the venue's book is made whole and
        // the asset's deficit line carries the hole.
        if uncovered > 0, var leg = venueLeg {
            leg.leg.walletAfter &+= uncovered
            venueLeg = leg
        }
        let tradeCash = Int128(accountLeg.cashDelta) + Int128(venueLeg?.cashDelta ?? 0)
            + counterpartyCash.reduce(Int128(0)) { $0 + Int128($1) } + Int128(collected)
        guard let dust = FixedPoint.narrow(-tradeCash), dust >= 0 else { return .failure(overflow) }
        let venueApplied = venueLeg?.leg ?? LegApplied(account: .venue, realizedPnl: 0, fee: 0, isolatedTransfer: 0,
                                                       walletAfter: accounts[0].balance(assetIndex: markets[m].settleAssetIndex),
                                                       positionAfter: accounts[0].positionSlot(marketIndex: marketIndex).map { accounts[0].positions[$0] })
        let step = LiquidationStep(market: markets[m].spec.id, account: accountLeg.leg, venue: venueApplied, quantity: quantity,
                                   closesPosition: accountLeg.leg.positionAfter == nil, marketPrice: Price(atoms: fill.marketPrice),
                                   accountPrice: Price(atoms: fill.accountPrice), bankruptcyPrice: bankruptcy.map(Price.init(atoms:)),
                                   penalty: penalty, clearanceFee: clearance, fundDraw: draw, uncovered: uncovered, dust: dust,
                                   counterparties: counterparties, reallocated: reallocated + collected)
        var events: [Event] = [.positionLiquidated(step)]
        if var state = markets[m].oracle {
            state.limiter = state.limiter.recording(notional, config: state.config, now: now)
            events.append(.oracleStateChanged(market: markets[m].spec.id, state))
        }
        return .success(events)
    }

    /// An account's place in the auto-deleveraging queue of its side of a market: 1 is
    /// deleveraged first. nil without a position (or for the venue's book).
    public func deleveragingRank(account id: AccountID, market: MarketID, ranking: AutoDeleveraging.Ranking) -> (rank: Int, of: Int)? {
        guard let accountIndex = accountIndexByID[id], let marketIndex = marketIndexByID[market], id != .venue,
              let slot = accounts[Int(accountIndex)].positionSlot(marketIndex: marketIndex) else { return nil }
        let long = accounts[Int(accountIndex)].positions[slot].size > 0
        let queue = AutoDeleveraging.ranked(deleveragingCandidates(marketIndex: marketIndex, excluding: -1, long: long), by: ranking)
        guard let place = queue.firstIndex(where: { $0.account == id }) else { return nil }
        return (place + 1, queue.count)
    }

    /// Penalty, then clearance fee, out of what the account holds after the close (never a debt):
    /// an isolated position that stays open pays from its own margin, anything else from the
    /// settlement wallet.
    private func chargeLiquidationFees(_ leg: inout LegApplied, notional: Int64, parameters: LiquidationParameters) -> (Int64, Int64) {
        let fromPosition = leg.positionAfter?.isolated == true
        let available = max(0, fromPosition ? leg.positionAfter!.isolatedMargin : leg.walletAfter)
        let penalty = min(FixedPoint.multiplyDivide(notional, parameters.penaltyRate.atoms, Rate.oneAtoms, .up) ?? available, available)
        let clearance = min(FixedPoint.multiplyDivide(notional, parameters.clearanceFeeRate.atoms, Rate.oneAtoms, .up) ?? 0, available - penalty)
        if fromPosition {
            leg.positionAfter!.isolatedMargin -= penalty + clearance
        } else {
            leg.walletAfter -= penalty + clearance
        }
        leg.fee = penalty + clearance
        return (penalty, clearance)
    }

    func planRegisterBackstop(_ account: AccountID, _ market: MarketID, _ capacity: Amount) -> Result<[Event], Rejection> {
        let marketIndex: Int32
        switch accountAndMarket(account, market) {
        case .failure(let rejection): return .failure(rejection)
        case .success(let indices): marketIndex = indices.1
        }
        if account == .venue { return .failure(Rejection(.reservedAccount, field: "account", "the venue's book is not a backstop provider")) }
        guard capacity.atoms >= 0 else { return .failure(Rejection(.nonPositiveAmount, field: "capacity", "expected zero (to remove) or a positive notional")) }
        var backstops = markets[Int(marketIndex)].backstops
        if let index = backstops.firstIndex(where: { $0.account == account }) {
            if capacity.atoms == 0 { backstops.remove(at: index) } else { backstops[index].capacity = capacity.atoms }
        } else if capacity.atoms > 0 {
            guard backstops.count < Limits.backstopsPerMarket else {
                return .failure(Rejection(.limitReached, field: "account", "at most \(Limits.backstopsPerMarket) backstop providers per market"))
            }
            backstops.append(Backstop(account: account, capacity: capacity.atoms))
        }
        return .success([.backstopsChanged(market: market, backstops)])
    }

    /// A step transferred to backstop providers, or nil when they cannot take all of it (the
    /// caller then uses the order book) or the prices are undefined.
    func backstopEvents(accountIndex: Int32, marketIndex: Int32, quantity: Int64, long: Bool, share: Rate,
                        bankruptcy: Int64?, parameters: LiquidationParameters) -> [Event]? {
        let m = Int(marketIndex)
        let holder = accounts[Int(accountIndex)]
        guard let bankruptcy, let liquidation = liquidationPrice(of: holder, marketIndex: marketIndex) else { return nil }
        // Between bankruptcy (share 0) and liquidation (share 1), rounded toward bankruptcy.
        let distance = Int128(liquidation - bankruptcy) * Int128(share.atoms)
        let price = bankruptcy + Int64(FixedPoint.divide(distance, by: Int128(Rate.oneAtoms), long ? .down : .up))
        guard price > 0 else { return nil }
        let valuation = markets[m].valuation
        let lot = markets[m].spec.lotSize.atoms
        guard let perLot = valuation.notional(size: lot, price: price), perLot > 0 else { return nil }
        let direction: Int64 = long ? -1 : 1
        var remaining = quantity
        var backstops = markets[m].backstops
        var legs: [LegApplied] = []
        var cash: Int128 = 0
        for index in backstops.indices where remaining > 0 {
            let size = min(remaining, backstops[index].capacity / perLot * lot)
            guard size > 0, let provider = accountIndexByID[backstops[index].account], provider != accountIndex,
                  case .success(let leg) = planLeg(accountIndex: provider, marketIndex: marketIndex, quantity: -direction * size,
                                                   price: price, feeRate: .zero, field: "backstop") else { continue }
            legs.append(leg.leg)
            cash += Int128(leg.cashDelta)
            backstops[index].capacity -= valuation.notional(size: size, price: price) ?? 0
            remaining -= size
        }
        guard remaining == 0, case .success(var accountLeg) = planLeg(accountIndex: accountIndex, marketIndex: marketIndex,
                                                                         quantity: direction * quantity, price: price, feeRate: .zero,
                                                                         field: "account", releasesIsolatedMargin: false),
              let notional = valuation.notional(size: quantity, price: price),
              let dust = FixedPoint.narrow(-(cash + Int128(accountLeg.cashDelta))), dust >= 0 else { return nil }
        let (penalty, clearance) = chargeLiquidationFees(&accountLeg.leg, notional: notional, parameters: parameters)
        let venue = LegApplied(account: .venue, realizedPnl: 0, fee: 0, isolatedTransfer: 0,
                               walletAfter: accounts[0].balance(assetIndex: markets[m].settleAssetIndex),
                               positionAfter: accounts[0].positionSlot(marketIndex: marketIndex).map { accounts[0].positions[$0] })
        let step = LiquidationStep(market: markets[m].spec.id, account: accountLeg.leg, venue: venue, quantity: quantity,
                                   closesPosition: accountLeg.leg.positionAfter == nil, marketPrice: Price(atoms: price),
                                   accountPrice: Price(atoms: price), bankruptcyPrice: Price(atoms: bankruptcy), penalty: penalty,
                                   clearanceFee: clearance, fundDraw: 0, uncovered: 0, dust: dust, counterparties: legs, reallocated: 0)
        var events: [Event] = [.positionLiquidated(step), .backstopsChanged(market: markets[m].spec.id, backstops.filter { $0.capacity > 0 })]
        if var state = markets[m].oracle {
            state.limiter = state.limiter.recording(notional, config: state.config, now: now)
            events.append(.oracleStateChanged(market: markets[m].spec.id, state))
        }
        return events
    }

    /// Opposite positions that could be deleveraged, with what the ranking needs: notional as the
    /// mark value, |cost| as the entry value, and notional − pool equity as the bankruptcy value
    /// (so effective leverage is notional / equity). The venue's book and the liquidated account
    /// are excluded; the order comes from the ranking, ties by account id.
    private func deleveragingCandidates(marketIndex: Int32, excluding: Int32, long: Bool) -> [AutoDeleveraging.Candidate] {
        var candidates: [AutoDeleveraging.Candidate] = []
        for accountIndex in scanTables[Int(marketIndex)].accountIndex where accountIndex != 0 && accountIndex != excluding {
            let account = accounts[Int(accountIndex)]
            guard let slot = account.positionSlot(marketIndex: marketIndex) else { continue }
            let position = account.positions[slot]
            guard (position.size > 0) == long,
                  case .success(let risk) = positionRisk(position, leverage: leverage(of: account, marketIndex: marketIndex), override: nil, now: nil),
                  case .success(let pool) = self.pool(of: account, marketIndex: marketIndex), pool.equity > 0 else { continue }
            // Unsigned values so PnL% = unrealized PnL / |cost| for either side, and effective
            // leverage = value at mark / pool equity.
            let entryValue = Double(max(1, abs(position.cost)))
            let markValue = entryValue + Double(risk.unrealizedPnl)
            candidates.append(AutoDeleveraging.Candidate(account: account.id, size: Int64(position.size.magnitude),
                                                         markValue: markValue, entryValue: entryValue,
                                                         bankruptcyValue: markValue - Double(pool.equity)))
        }
        return candidates
    }

    /// Socialized shares of `loss` over opposite positions in profit, weighted by unrealized
    /// profit, each capped by what the payer holds (wallet, or an isolated position's margin).
    private func socializedShares(_ loss: Int64, marketIndex: Int32, excluding: Int32, long: Bool) -> [(Int64, LegApplied)] {
        var holders: [(account: AccountID, weight: Int64)] = []
        for accountIndex in scanTables[Int(marketIndex)].accountIndex where accountIndex != 0 && accountIndex != excluding {
            let account = accounts[Int(accountIndex)]
            guard let slot = account.positionSlot(marketIndex: marketIndex) else { continue }
            let position = account.positions[slot]
            guard (position.size > 0) == long,
                  case .success(let risk) = positionRisk(position, leverage: 0, override: nil, now: nil), risk.unrealizedPnl > 0 else { continue }
            holders.append((account.id, risk.unrealizedPnl))
        }
        let settle = markets[Int(marketIndex)].settleAssetIndex
        var result: [(Int64, LegApplied)] = []
        for (id, share) in SocializedLoss.distribute(loss, among: holders) where share > 0 {
            let account = accounts[Int(accountIndexByID[id]!)]
            let slot = account.positionSlot(marketIndex: marketIndex)!
            var position = account.positions[slot]
            var wallet = account.balance(assetIndex: settle)
            let paid: Int64
            if position.isolated {
                paid = min(share, max(0, position.isolatedMargin))
                position.isolatedMargin -= paid
            } else {
                paid = min(share, max(0, wallet))
                wallet -= paid
            }
            guard paid > 0 else { continue }
            result.append((paid, LegApplied(account: id, realizedPnl: -paid, fee: 0, isolatedTransfer: 0, walletAfter: wallet,
                                            positionAfter: position)))
        }
        return result
    }

    /// Applies a step; conservation is asserted: the two legs' cash, the fund, the fee pool and
    /// dust move by amounts that sum to zero.
    mutating func applyLiquidationStep(_ step: LiquidationStep) {
        let marketIndex = marketIndexByID[step.market]!
        let settle = markets[Int(marketIndex)].settleAssetIndex
        let account = Int(accountIndexByID[step.account.account]!)
        let before = cash(accountIndex: account, assetIndex: settle) &+ cash(accountIndex: 0, assetIndex: settle)
        let others = step.counterparties.map { Int(accountIndexByID[$0.account]!) }
        let beforeAll = others.reduce(before) { $0 &+ cash(accountIndex: $1, assetIndex: settle) }
        applyLeg(step.account, accountIndex: account, marketIndex: marketIndex)
        applyLeg(step.venue, accountIndex: 0, marketIndex: marketIndex)
        for (leg, index) in zip(step.counterparties, others) { applyLeg(leg, accountIndex: index, marketIndex: marketIndex) }
        let after = others.reduce(cash(accountIndex: account, assetIndex: settle) &+ cash(accountIndex: 0, assetIndex: settle)) {
            $0 &+ cash(accountIndex: $1, assetIndex: settle)
        }
        assets[Int(settle)].insuranceFund &+= step.penalty &- step.fundDraw
        assets[Int(settle)].feePool &+= step.clearanceFee
        assets[Int(settle)].dust &+= step.dust
        assets[Int(settle)].deficit &-= step.uncovered
        precondition(assets[Int(settle)].insuranceFund >= 0, "the insurance fund is never negative")
        precondition(after &- beforeAll &+ step.penalty &- step.fundDraw &+ step.clearanceFee &+ step.dust &- step.uncovered == 0,
                     "a liquidation step must conserve money")
    }
}
