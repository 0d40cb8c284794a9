/// The loss waterfall of one liquidation step once its price is known, its stages in the order
/// they run (`Engine.liquidationEvents` calls them top to bottom):
///
/// 1. `closing`: the account closes at the account price (its bankruptcy price or better)
///    against the taker (the venue's book, index 0, or an auction's bidder);
/// 2. `chargeFees`: penalty, keeper reward and clearance fee out of what the account still holds;
/// 3. `measureShortfall`: what the account still owes once its pool is closed (a pool under water
///    at every price of the market has no bankruptcy price to close at; rounding can leave an
///    atom), carried like the taker's gap so that the account ends at zero, not in debt;
/// 4. `deleverage`: with auto-deleveraging, the part of the step whose gap the fund cannot carry
///    is closed against opposite positions at the account price instead of by the taker;
/// 5. `closeTaker`: the rest against the taker;
/// 6. `drawFund`: the insurance fund pays the taker's gap and the account's shortfall, within
///    the market's caps (the tested `InsuranceFund` rule);
/// 7. `socialize`: with socialized losses, opposite positions in profit pay what the fund could not;
/// 8. `events`: what is still uncovered is the recorded deficit, rounding is booked as dust, the
///    keeper is credited, and the step becomes its event.
///
/// Whatever the source, the taker is made whole for its gap and the account for its shortfall.
struct LossWaterfall {
    let step: Engine.PlannedStep
    let fill: OrderBookExecution.Fill
    let takerIndex: Int32
    /// −1 when the account was long (it sells), +1 when short.
    let direction: Int64
    let valuation: ContractValuation
    var account: Engine.PlannedLeg
    var fees: (penalty: Int64, keeper: Int64, clearance: Int64) = (0, 0, 0)
    var shortfall: Int64 = 0
    /// The fund as the step finds it (with the step's penalty) and what the market may draw.
    var fundBalance: Int64 = 0
    var fundRoom: Int64 = 0
    var takerQuantity: Int64
    /// On a venue shard: the shares the coordinator allocated (nil: none given), and the part of
    /// them on other shards, which the book takes at the account price.
    var venueShares: [DeleveragingShare]? = nil
    var remoteShares: [DeleveragingShare] = []
    var remoteQuantity: Int64 = 0
    var taker: Engine.PlannedLeg?
    var counterparties: [LegApplied] = []
    var counterpartyCash: [Int64] = []
    var draw: Int64 = 0
    var uncovered: Int64 = 0
    /// Gap moved off the taker by deleveraging, and loss collected by socialization.
    var reallocated: Int64 = 0
    var collected: Int64 = 0

    static let overflow = Rejection(
        .notionalOverflow, field: "account", "the step's value exceeds 64-bit fixed point")

    /// Stage 1: the account's close at the account price.
    static func closing(
        _ step: Engine.PlannedStep, fill: OrderBookExecution.Fill, takerIndex: Int32, in engine: Engine
    ) throws(Rejection) -> LossWaterfall {
        let direction: Int64 = step.long ? -1 : 1
        let account = try engine.planLeg(
            accountIndex: step.accountIndex, marketIndex: step.marketIndex, quantity: direction * step.quantity,
            price: fill.accountPrice, feeRate: .zero, field: "account", releasesIsolatedMargin: false
        ).get()
        return LossWaterfall(
            step: step, fill: fill, takerIndex: takerIndex, direction: direction,
            valuation: engine.markets[Int(step.marketIndex)].valuation, account: account,
            takerQuantity: step.quantity)
    }

    /// Stage 2: penalty, keeper reward and clearance fee.
    mutating func chargeFees(keeper: Bool, in engine: Engine) {
        let holder = engine.accounts[Int(step.accountIndex)]
        let isolated = holder.positionSlot(marketIndex: step.marketIndex).map { holder.positions[$0].isolated } ?? false
        fees = engine.chargeLiquidationFees(
            &account.leg, isolated: isolated, notional: step.notional, parameters: step.parameters, keeper: keeper)
    }

    /// Stage 3: what the closed pool still owes, and the fund the rest of the waterfall can draw.
    mutating func measureShortfall(in engine: Engine) throws(Rejection) {
        guard
            let owed = engine.closedPoolShortfall(
                accountIndex: step.accountIndex, marketIndex: step.marketIndex, leg: account.leg)
        else { throw Self.overflow }
        shortfall = owed
        let settle = engine.markets[Int(step.marketIndex)].settleAssetIndex
        fundBalance = max(0, engine.assets[Int(settle)].insuranceFund &+ fees.penalty)
        fundRoom = engine.fundDrawRoom(marketIndex: step.marketIndex, balance: fundBalance)
    }

    /// The gap between the account price and the fill on `size`: what the taker loses by
    /// taking the position at the account price rather than at the market.
    func gap(_ size: Int64) -> Int64 {
        guard fill.fundCoversGap, size > 0 else { return 0 }
        let atAccount = valuation.value(size: size, price: fill.accountPrice, .up) ?? 0
        let atMarket = valuation.value(size: size, price: fill.marketPrice, .down) ?? 0
        return abs(atAccount - atMarket)
    }

    /// What auto-deleveraging must place: the part of the step whose gap the fund cannot carry
    /// (nil: the market does not deleverage, or the fund carries the whole step).
    func deleveragingNeed(
        in engine: Engine
    ) -> (ranking: AutoDeleveraging.Ranking, maximum: Int, carried: Int64, quantity: Int64)? {
        guard case .autoDeleveraging(let ranking, let maximum) = step.parameters.lossAllocation,
            gap(step.quantity) > fundRoom
        else { return nil }
        let lot = engine.markets[Int(step.marketIndex)].spec.lotSize.atoms
        let carried = min(step.quantity, fundRoom / max(1, gap(lot)) * lot)
        return (ranking, maximum, carried, step.quantity - carried)
    }

    /// Stage 4: auto-deleveraging of what the fund cannot carry.
    mutating func deleverage(in engine: Engine) throws(Rejection) {
        if engine.venue != nil { return try deleverageInVenue(in: engine) }
        guard let (ranking, maximum, carried, _) = deleveragingNeed(in: engine) else { return }
        let quantity = step.quantity
        // Read the order only as far as the quantity needs (4, 16, 64, ... candidates).
        var ranked: [AutoDeleveraging.Candidate] = []
        var wanted = min(4, maximum)
        var scanned: [Engine.RankedCandidate]?
        while true {
            ranked = engine.deleveragingOrder(
                marketIndex: step.marketIndex, long: !step.long, ranking: ranking, limit: wanted,
                excluding: step.accountIndex, takerIndex, scanned: &scanned)
            let covered = ranked.reduce(Int64(0)) { $0 &+ $1.size } >= quantity - carried
            if covered || ranked.count < wanted || wanted >= maximum { break }
            wanted = min(maximum, wanted * 4)
        }
        let allocation = AutoDeleveraging.allocate(quantity: quantity - carried, ranked: ranked, limit: maximum)
        for (counterparty, size) in allocation.fills {
            let leg = try engine.planLeg(
                accountIndex: engine.accountIndexByID[counterparty]!, marketIndex: step.marketIndex,
                quantity: -direction * size, price: fill.accountPrice, feeRate: .zero, field: "counterparty"
            ).get()
            counterparties.append(leg.leg)
            counterpartyCash.append(leg.cashDelta)
        }
        takerQuantity = carried + allocation.unplaced
    }

    /// Stage 4 on a venue shard: the coordinator's allocation, checked against the step (a step
    /// that needs deleveraging without one, or whose allocation no longer fits, is refused).
    /// Local shares close against their accounts as on one engine; remote ones against the book.
    private mutating func deleverageInVenue(in engine: Engine) throws(Rejection) {
        let shares = venueShares ?? []
        guard let need = deleveragingNeed(in: engine), need.quantity > 0 else {
            if !shares.isEmpty {
                throw Rejection(.venueDeleveraging, field: "shares", "the step needs no auto-deleveraging")
            }
            return
        }
        guard let shares = venueShares else {
            throw Rejection(
                .venueDeleveraging, field: "shares",
                "the step needs \(need.quantity) contracts atoms of auto-deleveraging: "
                    + "the venue's coordinator allocates them across its shards"
            )
        }
        let placed = shares.reduce(Int128(0)) { $0 + Int128($1.size) }
        guard shares.count <= need.maximum, shares.allSatisfy({ $0.size > 0 }), placed <= Int128(need.quantity),
            Set(shares.map(\.account)).count == shares.count
        else {
            throw Rejection(
                .venueDeleveraging, field: "shares",
                "at most \(need.maximum) distinct positive shares totalling at most \(need.quantity) contracts atoms")
        }
        let liquidated = engine.accounts[Int(step.accountIndex)].id
        let market = engine.markets[Int(step.marketIndex)].spec.id
        for share in shares {
            guard share.account != liquidated, share.account != .venue else {
                throw Rejection(
                    .venueDeleveraging, field: "shares", "a share names the liquidated account or the venue")
            }
            guard let index = engine.accountIndexByID[share.account] else {
                remoteShares.append(share)
                remoteQuantity &+= share.size
                continue
            }
            let holder = engine.accounts[Int(index)]
            let size = holder.positionSlot(marketIndex: step.marketIndex).map { holder.positions[$0].size } ?? 0
            guard direction * size >= share.size else {
                throw Rejection(
                    .venueDeleveraging, field: "shares",
                    "account \(share.account) holds no opposite position of \(share.size) contracts atoms "
                        + "in market \(market)"
                )
            }
            if engine.venue?.reserves(share.account, market: market) == true {
                throw Rejection(
                    .positionReserved, field: "shares",
                    "account \(share.account)'s position in market \(market) is reserved")
            }
            let leg = try engine.planLeg(
                accountIndex: index, marketIndex: step.marketIndex, quantity: -direction * share.size,
                price: fill.accountPrice, feeRate: .zero, field: "counterparty"
            ).get()
            counterparties.append(leg.leg)
            counterpartyCash.append(leg.cashDelta)
        }
        takerQuantity = need.carried + need.quantity - Int64(placed)
    }

    /// Stage 5: the taker's side of what deleveraging did not place (and, on a venue shard, of
    /// the shares of accounts on other shards).
    mutating func closeTaker(in engine: Engine) throws(Rejection) {
        let quantity = takerQuantity + remoteQuantity
        guard quantity > 0 else { return }
        taker = try engine.planLeg(
            accountIndex: takerIndex, marketIndex: step.marketIndex, quantity: -direction * quantity,
            price: fill.accountPrice, feeRate: .zero, field: takerIndex == 0 ? "venue" : "bidder"
        ).get()
    }

    /// Stage 6: the fund settles the taker's gap and the account's shortfall within its room;
    /// both are made whole whatever pays.
    mutating func drawFund() {
        let takerGap = gap(takerQuantity)
        let settlement = InsuranceFund.settle(
            surplus: -(takerGap + shortfall), balance: fundBalance, drawCap: fundRoom)
        draw = -settlement.fundChange
        uncovered = settlement.uncovered
        reallocated = gap(step.quantity) - takerGap
        taker?.leg.walletAfter &+= takerGap
        account.leg.walletAfter &+= shortfall
    }

    /// Stage 7: with socialized losses, opposite positions in profit pay the uncovered loss.
    mutating func socialize(in engine: Engine) {
        guard case .socialized = step.parameters.lossAllocation, uncovered > 0 else { return }
        let shares = engine.socializedShares(
            uncovered, marketIndex: step.marketIndex, excluding: step.accountIndex, takerIndex, long: !step.long)
        for (payer, payerLeg) in shares {
            counterparties.append(payerLeg)
            counterpartyCash.append(-payer)
            collected += payer
        }
        uncovered -= collected
    }

    /// Stage 8: the step's events: dust booked, the keeper credited, the deficit what is left
    /// uncovered, and the liquidation-rate limiter's state.
    mutating func events(keeperIndex: Int32?, auction: UInt64?, in engine: Engine) throws(Rejection) -> [Event] {
        let tradeCash =
            Int128(account.cashDelta) + Int128(taker?.cashDelta ?? 0)
            + counterpartyCash.reduce(Int128(0)) { $0 + Int128($1) } + Int128(collected)
        guard let dust = FixedPoint.narrow(-tradeCash), dust >= 0 else { throw Self.overflow }
        var takerLeg = taker?.leg ?? engine.unchangedLeg(accountIndex: takerIndex, marketIndex: step.marketIndex)
        let keeperLeg = engine.creditKeeper(
            keeperIndex, reward: fees.keeper, marketIndex: step.marketIndex, taker: &takerLeg, others: &counterparties)
        let m = Int(step.marketIndex)
        var applied = LiquidationStep(
            market: engine.markets[m].spec.id, account: account.leg, taker: takerLeg, quantity: step.quantity,
            closesPosition: account.leg.positionAfter == nil, marketPrice: Price(atoms: fill.marketPrice),
            accountPrice: Price(atoms: fill.accountPrice), bankruptcyPrice: step.bankruptcy.map(Price.init(atoms:)),
            penalty: fees.penalty, clearanceFee: fees.clearance, fundDraw: draw, uncovered: uncovered, dust: dust,
            counterparties: counterparties, reallocated: reallocated + collected)
        applied.shortfall = shortfall > 0 ? shortfall : nil
        applied.keeper = keeperLeg
        applied.keeperReward = fees.keeper
        applied.auction = auction
        applied.long = step.long
        if engine.venue != nil, !remoteShares.isEmpty { applied.remoteShares = remoteShares }
        return [.positionLiquidated(applied)]
            + engine.limiterEvents(marketIndex: step.marketIndex, notional: step.notional)
    }
}
