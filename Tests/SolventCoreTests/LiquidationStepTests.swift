import SolventCore
import SolventTestSupport
import Testing

/// Goal: a liquidation step closes the right amount at the right price and books every atom:
/// penalty and fees only out of what the account holds, the insurance fund covering a fill worse
/// than bankruptcy as far as it goes, breakers and the rate limiter honoured. Method: the BN-D1
/// position (isolated long 1 BTC at 50,000 with 2,500 margin; Binance 2021 tiers) with
/// hand-computed numbers; the harness audits conservation after every event.
struct LiquidationStepTests {
    static let market = MarketID(1)

    static func venue(
        depth: DepthModel, penalty: String, clearance: String = "0", fund: String? = nil,
        oracle: OracleConfig? = nil
    ) -> Harness {
        Harness.liquidationStepVenue(depth: depth, penalty: penalty, clearance: clearance, fund: fund, oracle: oracle)
    }

    static func step(_ events: [Event]) -> LiquidationStep? {
        for event in events { if case .positionLiquidated(let step) = event { return step } }
        return nil
    }

    /// Costs of 0.05 % (penalty only, no slippage): 190 − 23.845 q ≥ 1.1 × 190.76 (1 − q) →
    /// q ≥ 0.10665 → 0.107 BTC closed at the mark; the penalty is 0.05 % of 5,102.83 = 2.551415.
    @Test func partialStepRestoresTheTarget() {
        var harness = Self.venue(depth: .squareRoot(depth: 1, coefficient: .zero), penalty: "0.0005")
        harness.rejects(.liquidate(account: AccountID(10), market: Self.market), .notLiquidatable)
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47690")!, index: nil))
        let step = Self.step(harness.ok(.liquidate(account: AccountID(10), market: Self.market)))!
        #expect(step.quantity == Quantity("0.107")!.atoms && !step.closesPosition)
        #expect(step.accountPrice == Price("47690")! && step.marketPrice == Price("47690")!)
        #expect(step.penalty == 2_551_415)
        #expect(harness.engine.asset(Harness.usdt)!.insuranceFund == 2_551_415)
        // Restored: a second step is refused.
        harness.rejects(.liquidate(account: AccountID(10), market: Self.market), .notLiquidatable)
    }

    /// Costlier than the maintenance it frees (0.5 % penalty): the whole position goes, at the
    /// √-impact price 47,690 × (1 − 0.01 × √(47,690 / 10,000,000)) = 47,657.06 (above bankruptcy
    /// 47,500); the penalty takes all that is left of the margin (157.06…), never more.
    @Test func fullCloseWithPenaltyCappedByWhatIsLeft() {
        var harness = Self.venue(
            depth: .squareRoot(depth: amount("10000000", scale: 6).atoms, coefficient: rate("0.01")), penalty: "0.005")
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47690")!, index: nil))
        let step = Self.step(harness.ok(.liquidate(account: AccountID(10), market: Self.market)))!
        #expect(step.closesPosition && step.quantity == Quantity("1")!.atoms)
        #expect(abs(priceDouble(step.marketPrice.atoms) - 47_657.06) < 0.01)
        #expect(step.accountPrice == step.marketPrice && step.fundDraw == 0)
        let account = harness.engine.account(AccountID(10))!
        #expect(account.positions.isEmpty)
        #expect(account.balance(assetIndex: harness.engine.assetIndex(of: Harness.usdt)!) == 0)
        #expect(step.penalty > 157_000_000 && step.penalty < 157_100_000)
        #expect(harness.engine.asset(Harness.usdt)!.insuranceFund == step.penalty)
    }

    /// Below bankruptcy (mark 47,000 < 47,500): the account is closed at 47,500, the book filled
    /// at 47,000 × (1 − 0.01 × √0.0047) ≈ 46,967.78; the gap (≈ 532.2) comes from the fund: in
    /// full with 1,000 in it, 100 with 100 (the rest uncovered, borne by the venue's book).
    @Test(arguments: [("1000", false), ("100", true)])
    func insuranceFundCoversAFillWorseThanBankruptcy(fund: String, short: Bool) {
        var harness = Self.venue(
            depth: .squareRoot(depth: amount("10000000", scale: 6).atoms, coefficient: rate("0.01")),
            penalty: "0.005", fund: fund)
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47000")!, index: nil))
        let step = Self.step(harness.ok(.liquidate(account: AccountID(10), market: Self.market)))!
        #expect(step.accountPrice == Price("47500")! && step.bankruptcyPrice == Price("47500")!)
        #expect(abs(priceDouble(step.marketPrice.atoms) - 46_967.78) < 0.01)
        #expect(step.penalty == 0)  // nothing left to take
        let gap = step.fundDraw + step.uncovered
        #expect(abs(Double(gap) / 1e6 - 532.22) < 0.01)
        #expect(short ? step.fundDraw == amount("100", scale: 6).atoms : step.uncovered == 0)
        #expect(harness.engine.asset(Harness.usdt)!.insuranceFund == amount(fund, scale: 6).atoms - step.fundDraw)
    }

    @Test func breakersAndTheRateLimiterAreHonoured() {
        let oracle = OracleConfig(
            sources: [.init(id: SourceID(1), weight: 1), .init(id: SourceID(2), weight: 1)],
            minimumSources: 2, priceMoveThreshold: .zero, liquidationDepth: amount("20000", scale: 6).atoms,
            liquidationDepthFraction: rate("1"), liquidationWindowSeconds: 60)
        var harness = Self.venue(depth: .squareRoot(depth: 1, coefficient: .zero), penalty: "0.005", oracle: oracle)
        func update(_ price: String, age: Int64 = 0) -> Command {
            let time = Timestamp(nanoseconds: harness.time + 1_000_000 - age * 1_000_000_000)
            return .updateOracle(
                market: Self.market,
                samples: [
                    OracleSample(source: SourceID(1), price: Price(price)!, time: time),
                    OracleSample(source: SourceID(2), price: Price(price)!, time: time),
                ],
                last: nil, mid: nil)
        }
        harness.ok(update("47690"))
        // The limiter allows 20,000 of notional per minute: 0.419 BTC of the 1 BTC this step wants.
        let first = Self.step(harness.ok(.liquidate(account: AccountID(10), market: Self.market)))!
        #expect(first.quantity == Quantity("0.419")!.atoms)
        harness.rejects(.liquidate(account: AccountID(10), market: Self.market), .liquidationPaused)
        // Stale sources freeze the oracle: no liquidation on that price.
        harness.time += 61_000_000_000
        harness.ok(update("47690", age: 100))
        harness.rejects(.liquidate(account: AccountID(10), market: Self.market), .liquidationPaused)
    }

    @Test func badLiquidationCommands() {
        var harness = Self.venue(depth: .squareRoot(depth: 1, coefficient: .zero), penalty: "0.005")
        harness.rejects(.liquidate(account: AccountID(99), market: Self.market), .unknownAccount)
        harness.rejects(.liquidate(account: .venue, market: Self.market), .reservedAccount)
        harness.openFunded(11, usdt: "10")
        harness.rejects(.liquidate(account: AccountID(11), market: Self.market), .noPosition)
        harness.ok(
            .createMarket(linearMarket(2, symbol: "ETHUSDT"), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))))
        harness.rejects(.liquidate(account: AccountID(10), market: MarketID(2)), .liquidationNotConfigured)
        harness.rejects(
            .configureLiquidation(
                market: Self.market,
                LiquidationParameters(
                    depth: .levels([]), penaltyRate: .zero, clearanceFeeRate: .zero, target: .initialMargin,
                    stepFraction: rate("1"),
                    dustNotional: 0)), .invalidParameter)
        harness.rejects(.fundInsurance(asset: Harness.usdt, amount: .zero), .nonPositiveAmount)
    }
}
