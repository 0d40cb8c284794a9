/// Backstop liquidity providers: registered accounts that take a step
/// directly at a price between the bankruptcy and liquidation prices, within their capacity.
extension Engine {
    func planRegisterBackstop(
        _ account: AccountID, _ market: MarketID, _ capacity: Amount
    ) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let marketIndex = try accountAndMarket(account, market).get().1
            if account == .venue {
                throw Rejection(.reservedAccount, field: "account", "the venue's book is not a backstop provider")
            }
            guard capacity.atoms >= 0 else {
                throw Rejection(
                    .nonPositiveAmount, field: "capacity", "expected zero (to remove) or a positive notional")
            }
            var backstops = markets[Int(marketIndex)].backstops
            if let index = backstops.firstIndex(where: { $0.account == account }) {
                if capacity.atoms == 0 {
                    backstops.remove(at: index)
                } else {
                    backstops[index].capacity = capacity.atoms
                }
            } else if capacity.atoms > 0 {
                guard backstops.count < Limits.backstopsPerMarket else {
                    throw Rejection(
                        .limitReached, field: "account",
                        "at most \(Limits.backstopsPerMarket) backstop providers per market")
                }
                backstops.append(Backstop(account: account, capacity: capacity.atoms))
            }
            return [.backstopsChanged(market: market, backstops)]
        }
    }

    /// A step transferred to backstop providers, or nil when they cannot take all of it (the
    /// caller then uses the order book) or the prices are undefined.
    func backstopEvents(
        accountIndex: Int32, marketIndex: Int32, quantity: Int64, long: Bool, share: Rate,
        bankruptcy: Int64?, parameters: LiquidationParameters, keeperIndex: Int32?
    ) -> [Event]? {
        let m = Int(marketIndex)
        let holder = accounts[Int(accountIndex)]
        guard let bankruptcy, let liquidation = liquidationPrice(of: holder, marketIndex: marketIndex) else {
            return nil
        }
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
                case .success(let leg) = planLeg(
                    accountIndex: provider, marketIndex: marketIndex, quantity: -direction * size,
                    price: price, feeRate: .zero, field: "backstop")
            else { continue }
            legs.append(leg.leg)
            cash += Int128(leg.cashDelta)
            backstops[index].capacity -= valuation.notional(size: size, price: price) ?? 0
            remaining -= size
        }
        guard remaining == 0,
            case .success(var accountLeg) = planLeg(
                accountIndex: accountIndex, marketIndex: marketIndex,
                quantity: direction * quantity, price: price, feeRate: .zero,
                field: "account", releasesIsolatedMargin: false),
            let notional = valuation.notional(size: quantity, price: price),
            let dust = FixedPoint.narrow(-(cash + Int128(accountLeg.cashDelta))), dust >= 0
        else { return nil }
        let isolated = holder.positionSlot(marketIndex: marketIndex).map { holder.positions[$0].isolated } ?? false
        let fees = chargeLiquidationFees(
            &accountLeg.leg, isolated: isolated, notional: notional, parameters: parameters,
            keeper: keeperIndex != nil)
        // A transfer carries no fund draw: a close that would leave the account owing goes
        // through the order book's waterfall instead.
        guard closedPoolShortfall(accountIndex: accountIndex, marketIndex: marketIndex, leg: accountLeg.leg) == 0 else {
            return nil
        }
        var venue = unchangedLeg(accountIndex: 0, marketIndex: marketIndex)
        let keeperLeg = creditKeeper(
            keeperIndex, reward: fees.keeper, marketIndex: marketIndex, taker: &venue, others: &legs)
        var step = LiquidationStep(
            market: markets[m].spec.id, account: accountLeg.leg, taker: venue, quantity: quantity,
            closesPosition: accountLeg.leg.positionAfter == nil, marketPrice: Price(atoms: price),
            accountPrice: Price(atoms: price), bankruptcyPrice: Price(atoms: bankruptcy), penalty: fees.penalty,
            clearanceFee: fees.clearance, fundDraw: 0, uncovered: 0, dust: dust, counterparties: legs, reallocated: 0)
        step.keeper = keeperLeg
        step.keeperReward = fees.keeper
        step.long = long
        let events: [Event] =
            [
                .positionLiquidated(step),
                .backstopsChanged(market: markets[m].spec.id, backstops.filter { $0.capacity > 0 }),
            ]
            + limiterEvents(marketIndex: marketIndex, notional: notional)
        return events
    }
}
