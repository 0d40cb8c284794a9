import SolventTestSupport
import Testing

@testable import SolventCore

/// Goal: a coin-margined (inverse) short has the liquidation and bankruptcy prices of the venues'
/// closed forms, and a close beyond bankruptcy goes down the loss waterfall (fund, then
/// deleveraging or socialization, then the deficit) so the account never ends owing. Method: the
/// Binance COIN-M style short of exchanges.md §1.3 — BTCUSD_PERP, contracts of 100 USD, short
/// 2,000 at 50,000 on 1 BTC, tiers 0.4 / 0.5 / 1 / 2.5 % — whose closed forms are
/// LP = 200,000 × (1 − 0.004) / (4 − 1) = 66,400 and BP = 200,000 / (4 − 1) = 66,666.67.
struct InverseShortTests {
    static let market = MarketID(3)

    static func coinTiers() -> RiskTierTable { Harness.coinTiers() }

    static func venue(
        isolated: Bool, fund: String? = nil,
        allocation: LiquidationParameters.LossAllocation = .venue
    ) -> Harness {
        Harness.inverseShortVenue(isolated: isolated, fund: fund, allocation: allocation)
    }

    @Test(arguments: [false, true])
    func closedFormPrices(isolated: Bool) {
        let harness = Self.venue(isolated: isolated)
        let engine = harness.engine
        let account = engine.account(AccountID(10))!
        let index = engine.marketIndex(of: Self.market)!
        let liquidation = engine.liquidationPrice(of: account, marketIndex: index)
        let bankruptcy = engine.bankruptcyPrice(of: account, marketIndex: index)
        #expect(abs(priceDouble(liquidation) - 66_400) < 0.001, "got \(priceDouble(liquidation))")
        #expect(abs(priceDouble(bankruptcy) - 66_666.6667) < 0.0001, "got \(priceDouble(bankruptcy))")
        LiquidationPriceTests.expectExactBoundary(engine, account, index, liquidation!, long: false)
        // The status function agrees a tick either side: a margin call at 66,399.9, liquidatable at 66,400.
        let below = try! engine.pool(
            of: account, marketIndex: index, override: .init(marketIndex: index, mark: Price("66399.9")!.atoms)
        ).get()
        let at = try! engine.pool(
            of: account, marketIndex: index, override: .init(marketIndex: index, mark: Price("66400")!.atoms)
        ).get()
        #expect(below.status == .marginCall && at.status == .liquidatable)
        // The margin report (what `solvent margin` and the API print) carries the same prices.
        let report = try! engine.marginReport(of: AccountID(10))!.get()
        #expect(report.positions[0].liquidationPrice?.atoms == liquidation)
        #expect(report.positions[0].bankruptcyPrice?.atoms == bankruptcy)
    }

    /// A 1x coin-margined short (collateral ≥ notional at entry) is a synthetic dollar: no price
    /// liquidates it, and the report says so instead of printing a price.
    @Test func unleveragedShortIsNeverLiquidated() {
        var harness = Self.venue(isolated: false)
        harness.ok(.deposit(account: AccountID(10), asset: Harness.btc, amount: amount("3", scale: 8)))
        let engine = harness.engine
        let account = engine.account(AccountID(10))!
        let index = engine.marketIndex(of: Self.market)!
        #expect(engine.liquidationBoundary(of: account, marketIndex: index) == .none(.neverReached))
        #expect(engine.bankruptcyBoundary(of: account, marketIndex: index) == .none(.neverReached))
        let report = try! engine.marginReport(of: AccountID(10))!.get()
        #expect(
            report.positions[0].liquidationPrice == nil && report.positions[0].liquidationPriceAbsence == .neverReached)
    }

    /// At a mark of 70,000 the short is beyond bankruptcy (equity 1 − 4 + 200,000/70,000 =
    /// −0.142857 BTC): the account closes at its bankruptcy price, the fund pays the book's gap,
    /// and the account ends at zero, not in debt — cross and isolated.
    @Test(arguments: [false, true])
    func closeBeyondBankruptcyDrawsTheFund(isolated: Bool) {
        var harness = Self.venue(isolated: isolated, fund: "10")
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("70000")!, index: nil))
        let step = Self.liquidate(&harness)
        #expect(step.bankruptcyPrice.map { abs(priceDouble($0.atoms) - 66_666.6667) < 0.0001 } == true)
        #expect(step.accountPrice == step.bankruptcyPrice)
        #expect(step.marketPrice.atoms > Price("70000")!.atoms)
        // The gap between the bankruptcy price and the fill: 200,000 × (1/66,666.67 − 1/fill) BTC.
        let gap = 200_000 * (1 / priceDouble(step.bankruptcyPrice!.atoms) - 1 / priceDouble(step.marketPrice.atoms))
        #expect(abs(Double(step.fundDraw) / 1e8 - gap) < 1e-7, "fund draw \(step.fundDraw), gap \(gap)")
        #expect(step.uncovered == 0)
        let account = harness.engine.account(AccountID(10))!
        #expect(account.positions.isEmpty)
        #expect(account.balance(assetIndex: harness.engine.assetIndex(of: Harness.btc)!) >= 0)
        harness.audit()
    }

    /// With an empty fund the gap goes to the deficit line (or to ranked longs under
    /// deleveraging): still booked, never left on the account.
    @Test func emptyFundRecordsDeficit() {
        var harness = Self.venue(isolated: false)
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("70000")!, index: nil))
        let step = Self.liquidate(&harness)
        #expect(step.fundDraw == 0 && step.uncovered > 0)
        #expect(harness.engine.asset(Harness.btc)!.deficit == -step.uncovered)
        #expect(
            harness.engine.account(AccountID(10))!.balance(assetIndex: harness.engine.assetIndex(of: Harness.btc)!) >= 0
        )
    }

    @Test func deleveragingTakesTheGapFromRankedLongs() {
        var harness = Self.venue(
            isolated: false, allocation: .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 10))
        harness.ok(.openAccount(AccountID(21)))
        harness.ok(.deposit(account: AccountID(21), asset: Harness.btc, amount: amount("2", scale: 8)))
        harness.ok(
            .importPosition(
                account: AccountID(21), market: Self.market, size: Quantity("3000")!, entryPrice: Price("50000")!,
                isolatedMargin: nil))
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("70000")!, index: nil))
        let step = Self.liquidate(&harness)
        #expect(step.counterparties.map(\.account) == [AccountID(21)])
        #expect(step.uncovered == 0 && step.fundDraw == 0)
        #expect(harness.engine.account(AccountID(10))!.positions.isEmpty)
    }

    /// The auditor sees a liquidation that leaves a debt nobody booked — the failure the waterfall
    /// rules out — even though conservation holds (the money went to the book).
    @Test func auditorFlagsAnUnbookedDebt() {
        var harness = Self.venue(isolated: false, fund: "10")
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("70000")!, index: nil))
        var step = Self.liquidate(&harness)
        #expect(Auditor.violations(after: .positionLiquidated(step), in: harness.engine).isEmpty)
        var engine = harness.engine
        // Rewrite history as the old search had it: no bankruptcy price, closed at the fill,
        // the account left at −0.14287242 BTC and the book keeping the difference.
        let btc = engine.assetIndex(of: Harness.btc)!
        let accountIndex = Int(engine.accountIndex(of: AccountID(10))!)
        engine.accounts[accountIndex].setBalance(assetIndex: btc, atoms: -14_287_242)
        step.bankruptcyPrice = nil
        step.accountPrice = step.marketPrice
        let found = Auditor.violations(after: .positionLiquidated(step), in: engine)
        #expect(found.contains { $0.contains("negative equity") }, "\(found)")
    }

    /// The solvency check of a state holding the old outcome's debt (the account left at
    /// −0.14287242 BTC after closing at the fill) fails, naming the debtor and the debt.
    @Test func solvencyCheckRefusesAnUnbookedDebt() {
        var harness = Self.venue(isolated: false, fund: "10")
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("70000")!, index: nil))
        harness.ok(.liquidate(account: AccountID(10), market: Self.market))
        #expect(harness.engine.solvencyCheck().holds)
        var engine = harness.engine
        let btc = engine.assetIndex(of: Harness.btc)!
        engine.accounts[Int(engine.accountIndex(of: AccountID(10))!)].setBalance(assetIndex: btc, atoms: -14_287_242)
        let check = engine.solvencyCheck()
        #expect(!check.holds && check.debtors == [AccountID(10)] && check.unbookedDebt[Int(btc)] == 14_287_242)
    }

    static func liquidate(_ harness: inout Harness) -> LiquidationStep {
        for event in harness.ok(.liquidate(account: AccountID(10), market: market)) {
            if case .positionLiquidated(let step) = event { return step }
        }
        Issue.record("no liquidation step")
        return LiquidationStep(
            market: market,
            account: .init(
                account: AccountID(10), realizedPnl: 0, fee: 0, isolatedTransfer: 0, walletAfter: 0, positionAfter: nil),
            taker: .init(
                account: .venue, realizedPnl: 0, fee: 0, isolatedTransfer: 0, walletAfter: 0, positionAfter: nil),
            quantity: 0, closesPosition: false, marketPrice: Price(atoms: 1), accountPrice: Price(atoms: 1),
            bankruptcyPrice: nil,
            penalty: 0, clearanceFee: 0, fundDraw: 0, uncovered: 0, dust: 0)
    }
}
