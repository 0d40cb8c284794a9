import SolventCore
import SolventTestSupport
import Testing

/// Goal: a step transferred to backstop providers pays a price between bankruptcy and liquidation,
/// fills providers in registration order within their capacity, and falls back to the book when
/// they cannot take it all. Method: the BN-D1 long (1 BTC at 50,000, 2,500 isolated margin;
/// liquidation 47,690.76, bankruptcy 47,500) at a mark of 47,690, price share 0.5 → 47,595.38.
struct BackstopTests {
    static let market = MarketID(1)

    static func venue(capacities: [String]) -> Harness {
        var harness = Harness.liquidationVenue(
            LiquidationParameters(
                depth: .squareRoot(depth: amount("10000000", scale: 6).atoms, coefficient: rate("0.01")),
                penaltyRate: rate("0.005"),
                clearanceFeeRate: .zero, target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("1"),
                dustNotional: 0,
                mechanism: .backstop(priceShare: rate("0.5"))))
        for (offset, capacity) in capacities.enumerated() {
            let id = AccountID(UInt64(40 + offset))
            harness.openFunded(id.rawValue, usdt: "100000")
            harness.ok(.registerBackstop(account: id, market: market, capacity: amount(capacity, scale: 6)))
        }
        harness.ok(.setMarkPrice(market: market, mark: Price("47690")!, index: nil))
        return harness
    }

    static func step(_ harness: inout Harness) -> LiquidationStep {
        for event in harness.ok(.liquidate(account: AccountID(10), market: market)) {
            if case .positionLiquidated(let step) = event { return step }
        }
        fatalError("no step")
    }

    @Test func oneProviderTakesTheWholeStepBetweenBankruptcyAndLiquidation() {
        var harness = Self.venue(capacities: ["100000"])
        let step = Self.step(&harness)
        #expect(abs(priceDouble(step.accountPrice.atoms) - 47_595.38) < 0.01)
        #expect(step.counterparties.map(\.account) == [AccountID(40)] && step.quantity == Quantity("1")!.atoms)
        // The account realizes 47,595.38 − 50,000 = −2,404.62; of its 2,500 margin 95.38 is left and
        // the penalty (0.5 % of 47,595.38 = 237.98) takes all of it, no more.
        #expect(abs(Double(step.penalty) / 1e6 - 95.38) < 0.01)
        #expect(step.fundDraw == 0 && step.uncovered == 0)
        let left = harness.engine.market(Self.market)!.backstops.first!.capacity
        #expect(abs(Double(left) / 1e6 - (100_000 - 47_595.38)) < 0.01)
        #expect(harness.engine.account(AccountID(40))!.positions.first?.size == Quantity("1")!.atoms)
    }

    /// Providers fill in registration order: 20,000 of capacity takes 0.42 BTC, the next the rest.
    @Test func providersFillInOrderWithinCapacity() {
        var harness = Self.venue(capacities: ["20000", "100000"])
        let step = Self.step(&harness)
        #expect(step.counterparties.map(\.account) == [AccountID(40), AccountID(41)])
        #expect(
            step.counterparties.map { $0.positionAfter?.size } == [Quantity("0.42")!.atoms, Quantity("0.58")!.atoms])
        #expect(harness.engine.market(Self.market)!.backstops.map(\.account) == [AccountID(40), AccountID(41)])
    }

    /// 10,000 of capacity cannot take a 47,595 step: the order book takes it (square-root price).
    @Test func insufficientCapacityFallsBackToTheBook() {
        var harness = Self.venue(capacities: ["10000"])
        let step = Self.step(&harness)
        #expect(step.counterparties.isEmpty)
        #expect(abs(priceDouble(step.marketPrice.atoms) - 47_657.06) < 0.01)
        #expect(harness.engine.market(Self.market)!.backstops.first?.capacity == amount("10000", scale: 6).atoms)
    }

    @Test func registrationRules() {
        var harness = Self.venue(capacities: ["1000"])
        harness.ok(.registerBackstop(account: AccountID(40), market: Self.market, capacity: .zero))
        #expect(harness.engine.market(Self.market)!.backstops.isEmpty)
        harness.rejects(
            .registerBackstop(account: .venue, market: Self.market, capacity: amount("1", scale: 6)), .reservedAccount)
        harness.rejects(
            .registerBackstop(account: AccountID(40), market: Self.market, capacity: Amount(atoms: -1)),
            .nonPositiveAmount)
    }
}
