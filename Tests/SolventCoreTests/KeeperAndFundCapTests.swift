import SolventCore
import SolventTestSupport
import Testing

/// Goal: the keeper who submits a step is paid out of what the account still holds (after the
/// penalty, before the clearance fee), and a market's draws on the shared insurance fund stay
/// within its per-interval and lifetime caps, the rest going down the waterfall. Method: the
/// BN-D1 position with hand-computed numbers; the harness audits after every event.
struct KeeperAndFundCapTests {
    static let market = MarketID(1)

    static func venue(
        keeper: LiquidationParameters.KeeperReward = .none, cap: LiquidationParameters.FundDrawCap? = nil,
        fund: String? = nil, depth: DepthModel = .squareRoot(depth: 1, coefficient: .zero), penalty: String = "0.0005",
        clearance: String = "0"
    ) -> Harness {
        var harness = Harness.liquidationVenue(
            LiquidationParameters(
                depth: depth, penaltyRate: rate(penalty), clearanceFeeRate: rate(clearance),
                target: .maintenancePlusBuffer(rate("0.1")),
                stepFraction: rate("1"), dustNotional: 0, keeperReward: keeper, fundDrawCap: cap), fund: fund)
        harness.ok(.openAccount(AccountID(30)))
        return harness
    }

    static func usdt(_ harness: Harness, _ id: UInt64) -> Int64 {
        harness.engine.account(AccountID(id))!.balance(assetIndex: harness.engine.assetIndex(of: Harness.usdt)!)
    }

    /// Penalty 0.05 % and keeper 5 USDT + 0.05 % (costs 0.1 % in the sizing): 190 − q × 47,690 ×
    /// (0.004 + 0.001) ≥ 1.1 × 190.76 × (1 − q) → q ≥ 0.0978…; with the flat 5 USDT charged on
    /// top the step is 0.098 BTC, notional 4,673.62: penalty 2.33681, keeper 5 + 2.33681.
    @Test func theKeeperIsPaidAfterThePenalty() throws {
        var harness = Self.venue(keeper: .init(flat: 5_000_000, rate: rate("0.0005")), clearance: "0.0001")
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47690")!, index: nil))
        harness.rejects(
            .liquidate(account: AccountID(10), market: Self.market, keeper: AccountID(10)), .invalidParameter)
        harness.rejects(.liquidate(account: AccountID(10), market: Self.market, keeper: AccountID(99)), .unknownAccount)
        let step = try #require(
            LiquidationStepTests.step(
                harness.ok(
                    .liquidate(
                        account: AccountID(10), market: Self.market,
                        keeper: AccountID(30)))))
        let notional = Int64((Double(step.quantity) / 1e8 * 47_690 * 1e6).rounded())
        #expect(step.penalty == (notional * 5 + 9_999) / 10_000)
        #expect(step.keeperReward == 5_000_000 + (notional * 5 + 9_999) / 10_000)
        #expect(step.clearanceFee == (notional + 9_999) / 10_000)
        #expect(step.keeper?.account == AccountID(30) && step.keeper?.fee == -step.keeperReward)
        #expect(Self.usdt(harness, 30) == step.keeperReward)
        #expect(step.account.fee == step.penalty + step.keeperReward + step.clearanceFee)
    }

    /// The venue's book as keeper: the reward is folded into its taker leg.
    @Test func theVenueAsKeeperGetsItInItsLeg() throws {
        var harness = Self.venue(keeper: .init(flat: 5_000_000, rate: .zero))
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47690")!, index: nil))
        let before = Self.usdt(harness, 0)
        let step = try #require(
            LiquidationStepTests.step(
                harness.ok(
                    .liquidate(
                        account: AccountID(10), market: Self.market,
                        keeper: .venue))))
        #expect(step.keeper == nil && step.keeperReward == 5_000_000)
        // The venue's wallet moves by what its buy-back realized plus the reward.
        #expect(step.taker.walletAfter - before == step.taker.realizedPnl + 5_000_000)
    }

    /// Nothing left after the penalty: the keeper gets nothing (never a debt).
    @Test func aBankruptAccountPaysNoKeeper() throws {
        var harness = Self.venue(
            keeper: .init(flat: 5_000_000, rate: rate("0.001")), fund: "1000",
            depth: .squareRoot(depth: amount("10000000", scale: 6).atoms, coefficient: rate("0.01")), penalty: "0.005")
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47000")!, index: nil))
        let step = try #require(
            LiquidationStepTests.step(
                harness.ok(
                    .liquidate(
                        account: AccountID(10), market: Self.market,
                        keeper: AccountID(30)))))
        #expect(step.keeperReward == 0 && Self.usdt(harness, 30) == 0)
    }

    /// The gap of ≈ 532.22 (LiquidationStepTests) with 1,000 in the fund and a cap of 100 per
    /// hour: 100 drawn, the rest recorded as a deficit; an hour later the cap is fresh.
    @Test func thePerIntervalCapHoldsTheDraw() throws {
        var harness = Self.venue(
            cap: .init(perInterval: 100_000_000, intervalSeconds: 3_600), fund: "1000",
            depth: .squareRoot(depth: amount("10000000", scale: 6).atoms, coefficient: rate("0.01")), penalty: "0.005")
        harness.openFunded(11, usdt: "2500")
        harness.ok(
            .importPosition(
                account: AccountID(11), market: Self.market, size: Quantity("1")!, entryPrice: Price("50000")!,
                isolatedMargin: amount("2500", scale: 6)))
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47000")!, index: nil))
        let first = try #require(
            LiquidationStepTests.step(harness.ok(.liquidate(account: AccountID(10), market: Self.market))))
        #expect(first.fundDraw == 100_000_000)
        #expect(abs(Double(first.uncovered) / 1e6 - 432.22) < 0.01)
        #expect(harness.engine.asset(Harness.usdt)!.deficit == -first.uncovered)
        #expect(harness.engine.market(Self.market)!.fundDrawnInWindow == 100_000_000)
        // Same window: nothing more.
        let second = try #require(
            LiquidationStepTests.step(harness.ok(.liquidate(account: AccountID(11), market: Self.market))))
        #expect(second.fundDraw == 0 && second.uncovered > 0)
    }

    @Test func theWindowReopensAndTheLifetimeCapHolds() throws {
        var harness = Self.venue(
            cap: .init(perInterval: 100_000_000, intervalSeconds: 3_600, total: 150_000_000), fund: "1000",
            depth: .squareRoot(depth: amount("10000000", scale: 6).atoms, coefficient: rate("0.01")), penalty: "0.005")
        for id: UInt64 in [11, 12] {
            harness.openFunded(id, usdt: "2500")
            harness.ok(
                .importPosition(
                    account: AccountID(id), market: Self.market, size: Quantity("1")!, entryPrice: Price("50000")!,
                    isolatedMargin: amount("2500", scale: 6)))
        }
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47000")!, index: nil))
        #expect(
            LiquidationStepTests.step(harness.ok(.liquidate(account: AccountID(10), market: Self.market)))?.fundDraw
                == 100_000_000)
        harness.time += 3_600 * 1_000_000_000
        harness.ok(.setIndexPrice(asset: Harness.usdt, price: Price("1")!))
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47000")!, index: nil))
        // A new window, but only 50 left of the lifetime cap.
        #expect(
            LiquidationStepTests.step(harness.ok(.liquidate(account: AccountID(11), market: Self.market)))?.fundDraw
                == 50_000_000)
        harness.time += 3_600 * 1_000_000_000
        harness.ok(.setIndexPrice(asset: Harness.usdt, price: Price("1")!))
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47000")!, index: nil))
        #expect(
            LiquidationStepTests.step(harness.ok(.liquidate(account: AccountID(12), market: Self.market)))?.fundDraw
                == 0)
        #expect(harness.engine.market(Self.market)!.fundDrawnTotal == 150_000_000)
    }

    /// A per-account cap of 10,000 USDT per step: the full close (1 BTC at 47,000, as above) is cut
    /// to ⌊10,000 / 47⌋ = 212 lots, 0.212 BTC; the next step takes the next 0.212.
    @Test func thePerAccountStepCapHoldsEachStep() throws {
        var parameters = LiquidationParameters(
            depth: .squareRoot(depth: amount("10000000", scale: 6).atoms, coefficient: rate("0.01")),
            penaltyRate: rate("0.005"),
            clearanceFeeRate: .zero, target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("1"),
            dustNotional: 0)
        parameters.maximumStepNotional = amount("10000", scale: 6).atoms
        var harness = Harness.liquidationVenue(parameters, fund: "1000")
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47000")!, index: nil))
        let first = try #require(
            LiquidationStepTests.step(harness.ok(.liquidate(account: AccountID(10), market: Self.market))))
        #expect(first.quantity == Quantity("0.212")!.atoms && !first.closesPosition)
        let second = try #require(
            LiquidationStepTests.step(harness.ok(.liquidate(account: AccountID(10), market: Self.market))))
        #expect(second.quantity == Quantity("0.212")!.atoms)
        var bad = parameters
        bad.maximumStepNotional = 0
        harness.rejects(.configureLiquidation(market: Self.market, bad), .invalidParameter)
    }

    @Test func badCapsAndRewardsAreRefused() {
        var harness = Self.venue()
        let base = LiquidationParameters(
            depth: .squareRoot(depth: 1, coefficient: .zero), penaltyRate: .zero, clearanceFeeRate: .zero,
            target: .initialMargin, stepFraction: rate("1"), dustNotional: 0)
        var badCap = base
        badCap.fundDrawCap = .init(perInterval: 1, intervalSeconds: 0)
        harness.rejects(.configureLiquidation(market: Self.market, badCap), .invalidParameter)
        var badReward = base
        badReward.keeperReward = .init(flat: -1, rate: .zero)
        harness.rejects(.configureLiquidation(market: Self.market, badReward), .invalidParameter)
        var badAuction = base
        badAuction.mechanism = .auction(
            DutchAuctionRules(
                buffer: rate("0.9"), curve: .linear(duration: 1), tailSeconds: 1, cusp: rate("0.5"),
                tipFlat: 0, chip: .zero, dust: 0))
        harness.rejects(.configureLiquidation(market: Self.market, badAuction), .invalidParameter)
    }
}
