import SolventCore
import SolventTestSupport
import Testing

/// Goal: the Dutch-auction mechanism behaves like Maker's Clipper adapted to positions — the
/// price starts above the mark (below it for a short lot) and moves along the curve, bidders
/// take partial lots within the dust rule, stale auctions must be reset, keepers are paid tip +
/// chip from the fund — and every take books every atom. Method: the BN-D1 position (isolated
/// long 1 BTC at 50,000, 2,500 margin, Binance 2021 tiers: bankruptcy 47,500) and its mirror,
/// with hand-computed prices; the harness audits after every event.
struct AuctionTests {
    static let market = MarketID(1)
    static let second: Int64 = 1_000_000_000
    /// buffer 1.02, linear to zero over 1,000 s, tail 300 s, cusp 0.6, tip 10 USDT, chip 0.1 %,
    /// dust 1,000 USDT of notional.
    static let rules = DutchAuctionRules(
        buffer: rate("1.02"), curve: .linear(duration: 1_000 * second), tailSeconds: 300,
        cusp: rate("0.6"), tipFlat: 10_000_000, chip: rate("0.001"), dust: 1_000_000_000)

    static func venue(fund: String = "1000") -> Harness {
        var harness = Harness.liquidationVenue(
            LiquidationParameters(
                depth: .squareRoot(depth: 1, coefficient: .zero), penaltyRate: rate("0.0005"), clearanceFeeRate: .zero,
                target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("1"), dustNotional: 0,
                mechanism: .auction(rules)),
            fund: fund)
        harness.openFunded(20, usdt: "100000")  // bidder
        harness.ok(.openAccount(AccountID(30)))  // keeper
        return harness
    }

    static func usdt(_ harness: Harness, _ id: UInt64) -> Int64 {
        harness.engine.account(AccountID(id))!.balance(assetIndex: harness.engine.assetIndex(of: Harness.usdt)!)
    }

    /// Re-prices at `mark` (prices go stale) so that the next input runs exactly `seconds` after
    /// the first open auction started.
    static func wait(_ harness: inout Harness, _ seconds: Int64, mark: String) {
        let start = harness.engine.auctions[0].clock.start.nanoseconds
        harness.time = start + seconds * second - 3_000_000
        harness.ok(.setIndexPrice(asset: Harness.usdt, price: Price("1")!))
        harness.ok(.setMarkPrice(market: market, mark: Price(mark)!, index: nil))
    }

    /// The next input runs exactly `seconds` after the auction started.
    static func at(_ harness: inout Harness, _ seconds: Int64) {
        harness.time = harness.engine.auctions[0].clock.start.nanoseconds + seconds * second - 1_000_000
    }

    /// At 47,690 the step is 0.107 BTC (as the order-book test: the auction adds no slippage to
    /// the sizing). The auction opens at 47,690 × 1.02 = 48,643.8; the keeper gets 10 + 0.1 % ×
    /// 5,102.83 = 15.10283 USDT from the fund.
    @Test func startPaysTheKeeperFromTheFund() throws {
        var harness = Self.venue()
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47690")!, index: nil))
        harness.rejects(
            .liquidate(account: AccountID(10), market: Self.market, keeper: AccountID(10)), .invalidParameter)
        let events = harness.ok(.liquidate(account: AccountID(10), market: Self.market, keeper: AccountID(30)))
        guard case .auctionStarted(let auction, let payment) = try #require(events.first) else {
            Issue.record("no auction"); return
        }
        #expect(auction.lot == Quantity("0.107")!.atoms && auction.long)
        #expect(auction.clock.top == Price("48643.8")!.atoms)
        #expect(payment?.amount == 15_102_830)
        #expect(Self.usdt(harness, 30) == 15_102_830)
        #expect(harness.engine.asset(Harness.usdt)!.insuranceFund == 1_000_000_000 - 15_102_830)
        // The position is untouched until someone bids; a second start is refused.
        #expect(harness.engine.account(AccountID(10))!.positions.first?.size == Quantity("1")!.atoms)
        harness.rejects(.liquidate(account: AccountID(10), market: Self.market), .auctionInProgress)
        // The mechanism cannot change under an open auction.
        harness.rejects(
            .configureLiquidation(
                market: Self.market,
                LiquidationParameters(
                    depth: .squareRoot(depth: 1, coefficient: .zero), penaltyRate: .zero, clearanceFeeRate: .zero,
                    target: .initialMargin, stepFraction: rate("1"), dustNotional: 0)), .auctionInProgress)
    }

    /// Ten seconds in the price is 48,643.8 × 990 / 1,000 = 48,157.362. Takes of 0.05, then 0.05
    /// cut to 0.036 (leaving 0.021 = ⌈1,000 / 48.157362⌉ lots of dust), then the dust lot whole.
    @Test func partialTakesAtTheFallingPriceWithTheDustRule() throws {
        var harness = Self.venue()
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47690")!, index: nil))
        harness.ok(.liquidate(account: AccountID(10), market: Self.market))
        let id = harness.engine.auctions[0].id
        Self.at(&harness, 10)
        func bid(_ quantity: String, _ limit: String) -> Command {
            .bidAuction(auction: id, bidder: AccountID(20), quantity: Quantity(quantity)!, limitPrice: Price(limit)!)
        }
        harness.rejects(bid("0.05", "48157.36"), .auctionPriceBeyondLimit)
        Self.at(&harness, 10)
        let first = try #require(LiquidationStepTests.step(harness.ok(bid("0.05", "48200"))))
        #expect(first.marketPrice == Price("48157.362")! && first.accountPrice == first.marketPrice)
        #expect(first.taker.account == AccountID(20) && first.auction == id)
        #expect(first.taker.positionAfter?.size == Quantity("0.05")!.atoms)
        // Penalty on the slice's notional at mark: 0.05 % × 2,384.5 = 1.19225.
        #expect(first.penalty == 1_192_250)
        #expect(harness.engine.auctions[0].lot == Quantity("0.057")!.atoms)
        let second = try #require(LiquidationStepTests.step(harness.ok(bid("0.05", "48200"))))
        #expect(second.quantity == Quantity("0.036")!.atoms)
        harness.rejects(bid("0.01", "48200"), .invalidParameter)  // 0.021 left: only all of it
        harness.rejects(
            .bidAuction(auction: id, bidder: AccountID(10), quantity: Quantity("0.021")!, limitPrice: Price("48200")!),
            .selfTrade)
        harness.rejects(
            .bidAuction(auction: id, bidder: .venue, quantity: Quantity("0.021")!, limitPrice: Price("48200")!),
            .reservedAccount)
        harness.rejects(
            .bidAuction(
                auction: id + 1, bidder: AccountID(20), quantity: Quantity("0.021")!, limitPrice: Price("48200")!),
            .unknownAuction)
        let events = harness.ok(bid("0.1", "48200"))
        #expect(LiquidationStepTests.step(events)?.quantity == Quantity("0.021")!.atoms)
        #expect(events.contains(.auctionUpdated(id: id, lot: 0)))
        #expect(harness.engine.auctions.isEmpty)
        #expect(harness.engine.account(AccountID(10))!.positions.first?.size == Quantity("0.893")!.atoms)
    }

    /// Past the tail (300 s) a bid is refused until a keeper resets the auction, which restarts
    /// it at the current mark × buffer and pays the keeper again; a reset before is refused.
    @Test func staleAuctionsMustBeReset() throws {
        var harness = Self.venue()
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47690")!, index: nil))
        harness.ok(.liquidate(account: AccountID(10), market: Self.market, keeper: AccountID(30)))
        let id = harness.engine.auctions[0].id
        harness.rejects(.resetAuction(auction: id, keeper: AccountID(30)), .auctionNotStale)
        Self.wait(&harness, 301, mark: "47600")
        harness.rejects(
            .bidAuction(auction: id, bidder: AccountID(20), quantity: Quantity("0.01")!, limitPrice: Price("60000")!),
            .auctionNeedsReset)
        let paidBefore = Self.usdt(harness, 30)
        let events = harness.ok(.resetAuction(auction: id, keeper: AccountID(30)))
        guard case .auctionReset(let auction, let payment) = try #require(events.first) else {
            Issue.record("no reset"); return
        }
        #expect(auction.clock.top == Price("48552")!.atoms)  // 47,600 × 1.02
        let paid = try #require(payment).amount
        #expect(paid == 15_093_200, "tip + 0.1 % × 0.107 × 47,600, got \(paid)")
        #expect(Self.usdt(harness, 30) == paidBefore + paid)
        harness.ok(
            .bidAuction(auction: id, bidder: AccountID(20), quantity: Quantity("0.107")!, limitPrice: Price("48552")!))
        #expect(harness.engine.auctions.isEmpty)
    }

    /// Below the cusp (0.6 × top, after 400 s) the auction also needs a reset.
    @Test func theCuspForcesAReset() {
        let auction = LiquidationAuction(
            id: 1, account: AccountID(1), market: Self.market, long: true, lot: 1, mark: Price("100")!.atoms,
            rules: DutchAuctionRules(
                buffer: rate("1"), curve: .linear(duration: 1_000 * Self.second),
                tailSeconds: 10_000, cusp: rate("0.6"), tipFlat: 0, chip: .zero, dust: 0),
            now: Timestamp(nanoseconds: 0))
        let rules = DutchAuctionRules(
            buffer: rate("1"), curve: .linear(duration: 1_000 * Self.second), tailSeconds: 10_000,
            cusp: rate("0.6"), tipFlat: 0, chip: .zero, dust: 0)
        #expect(auction.status(rules: rules, now: Timestamp(nanoseconds: 400 * Self.second)).needsReset == false)
        #expect(auction.status(rules: rules, now: Timestamp(nanoseconds: 401 * Self.second)).needsReset)
    }

    /// Fifty seconds in, the price (48,643.8 × 0.95 = 46,211.61) is below the bankruptcy price
    /// 47,500: the account is closed at 47,500, the bidder pays 46,211.61, the fund pays the gap
    /// of 0.107 × 1,288.39 = 137.85773 to the bidder.
    @Test func belowBankruptcyTheFundCoversTheGap() throws {
        var harness = Self.venue()
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47690")!, index: nil))
        harness.ok(.liquidate(account: AccountID(10), market: Self.market))
        let id = harness.engine.auctions[0].id
        Self.wait(&harness, 50, mark: "47690")
        let fundBefore = harness.engine.asset(Harness.usdt)!.insuranceFund
        let step = try #require(
            LiquidationStepTests.step(
                harness.ok(
                    .bidAuction(
                        auction: id, bidder: AccountID(20), quantity: Quantity("0.107")!, limitPrice: Price("47000")!)))
        )
        #expect(step.marketPrice == Price("46211.61")! && step.accountPrice == Price("47500")!)
        #expect(step.fundDraw == 137_857_730 && step.uncovered == 0)
        #expect(harness.engine.asset(Harness.usdt)!.insuranceFund == fundBefore + step.penalty - step.fundDraw)
    }

    /// A short lot is bought back: the price mirrors the long curve around the start mark,
    /// starting below it and rising. Short 1 BTC at 50,000 with 2,500: liquidatable at 52,300;
    /// 30 s in, 2 × 52,300 − 53,346 × 0.97 = 52,854.38.
    @Test func aShortLotsPriceRises() throws {
        var harness = Self.venue()
        harness.openFunded(11, usdt: "2500")
        harness.ok(
            .importPosition(
                account: AccountID(11), market: Self.market, size: Quantity("-1")!, entryPrice: Price("50000")!,
                isolatedMargin: amount("2500", scale: 6)))
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("52300")!, index: nil))
        harness.ok(.liquidate(account: AccountID(11), market: Self.market))
        let auction = harness.engine.auctions[0]
        #expect(!auction.long)
        Self.wait(&harness, 30, mark: "52300")
        let id = auction.id
        harness.rejects(
            .bidAuction(auction: id, bidder: AccountID(20), quantity: Quantity("0.01")!, limitPrice: Price("52900")!),
            .auctionPriceBeyondLimit)
        Self.at(&harness, 30)
        let step = try #require(
            LiquidationStepTests.step(
                harness.ok(
                    .bidAuction(
                        auction: id, bidder: AccountID(20), quantity: Quantity("0.01")!, limitPrice: Price("52800")!))))
        #expect(step.marketPrice == Price("52854.38")!)
        #expect(step.taker.positionAfter?.size == Quantity("-0.01")!.atoms)
    }

    /// A bidder must margin what it takes like any trade.
    @Test func aBidderWithoutMarginIsRefused() {
        var harness = Self.venue()
        harness.openFunded(21, usdt: "10")
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47690")!, index: nil))
        harness.ok(.liquidate(account: AccountID(10), market: Self.market))
        harness.rejects(
            .bidAuction(
                auction: harness.engine.auctions[0].id, bidder: AccountID(21), quantity: Quantity("0.1")!,
                limitPrice: Price("60000")!), .insufficientInitialMargin)
    }

    /// If the account closed its position meanwhile, a bid ends the auction (nothing to sell).
    @Test func anAuctionWithNothingLeftEnds() {
        var harness = Self.venue()
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("47690")!, index: nil))
        harness.ok(.liquidate(account: AccountID(10), market: Self.market))
        let id = harness.engine.auctions[0].id
        harness.ok(
            .applyFill(
                Fill(
                    market: Self.market, buyer: AccountID(20), seller: AccountID(10), quantity: Quantity("1")!,
                    price: Price("47690")!, taker: .seller)))
        let events = harness.ok(
            .bidAuction(auction: id, bidder: AccountID(20), quantity: Quantity("0.01")!, limitPrice: Price("60000")!))
        #expect(events == [.auctionUpdated(id: id, lot: 0)])
        #expect(harness.engine.auctions.isEmpty)
    }
}
