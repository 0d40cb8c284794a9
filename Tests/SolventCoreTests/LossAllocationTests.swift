import SolventCore
import SolventTestSupport
import Testing

/// Goal: a loss the insurance fund cannot cover is deleveraged onto ranked opposite positions at
/// the bankruptcy price (no more than needed), or socialized over opposite profits exactly, or
/// left with the venue's book — and the auditor holds after every event. Method: the BN-D1 long
/// (1 BTC at 50,000, 2,500 isolated margin) gapping to 47,000 with 100 USDT in the fund, against
/// three shorts at 50,000: A 0.5 BTC on 5,000, B 0.5 BTC on 1,000, C 2 BTC on 50,000.
struct LossAllocationTests {
    static let market = MarketID(1)

    static func venue(_ allocation: LiquidationParameters.LossAllocation, withShorts: Bool = true) -> Harness {
        Harness.lossAllocationVenue(allocation, withShorts: withShorts)
    }

    static func step(_ harness: inout Harness) -> LiquidationStep {
        for event in harness.ok(.liquidate(account: AccountID(10), market: market)) {
            if case .positionLiquidated(let step) = event { return step }
        }
        fatalError("no liquidation step")
    }

    /// The gap is 532.22 for the whole BTC, 0.53222 per lot: the fund's 100 carries 187 lots
    /// (99.52); the other 0.813 BTC is closed at the bankruptcy price against the shorts ranked by
    /// PnL % × effective leverage: B (0.06 × 26,500 / 2,500 = 0.636) takes 0.5, A (0.06 × 26,500 /
    /// 6,500 = 0.245) takes 0.313, C (0.06 × 106,000 / 56,000 = 0.114) is not touched.
    @Test func autoDeleveragingClosesRankedShortsAtBankruptcy() {
        var harness = Self.venue(.autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 10))
        // Each account can see its place in the queue of its side beforehand.
        let ranks = [22, 21, 23].map {
            harness.engine.deleveragingRank(
                account: AccountID(UInt64($0)), market: Self.market, ranking: .profitTimesLeverage)
        }
        #expect(ranks.map { $0?.rank } == [1, 2, 3] && ranks.allSatisfy { $0?.of == 3 })
        // The bankrupt long is in no queue: only positions with positive equity can be deleveraged.
        #expect(
            harness.engine.deleveragingRank(account: AccountID(10), market: Self.market, ranking: .profitTimesLeverage)
                == nil)
        let step = Self.step(&harness)
        #expect(step.accountPrice == Price("47500")!)
        #expect(step.counterparties.map(\.account) == [AccountID(22), AccountID(21)])
        #expect(step.counterparties.map { $0.positionAfter?.size } == [nil, Quantity("-0.187")!.atoms])
        #expect(step.uncovered == 0)
        #expect(step.fundDraw > 99_000_000 && step.fundDraw <= 100_000_000)
        // The venue's book held +2 (the other side of the imports: −1 against the long, +3 against
        // the shorts) and takes the 0.187 the fund carried.
        #expect(harness.engine.account(.venue)!.positions.first?.size == Quantity("2.187")!.atoms)
        // B's short closed at 47,500: +1,250 realized (its profit at the 47,000 mark was 1,500).
        #expect(step.counterparties[0].realizedPnl == amount("1250", scale: 6).atoms)
        #expect(harness.engine.account(AccountID(23))!.positions.first?.size == Quantity("-2")!.atoms)
    }

    /// Socialized: the venue's book takes the BTC; of the 532.22 gap the fund pays 100 and the
    /// 432.22 left is shared by the shorts' profits 1,500 : 1,500 : 6,000, exactly to the atom.
    @Test func socializedLossIsSharedExactly() {
        var harness = Self.venue(.socialized)
        let step = Self.step(&harness)
        #expect(step.fundDraw == amount("100", scale: 6).atoms)
        #expect(step.uncovered == 0)
        let shares = step.counterparties.map { -$0.realizedPnl }
        #expect(shares.reduce(0, +) == step.reallocated)
        #expect(abs(Double(step.reallocated) / 1e6 - 432.22) < 0.01)
        #expect(step.counterparties.map(\.account) == [AccountID(21), AccountID(22), AccountID(23)])
        #expect(abs(Double(shares[2]) / Double(shares[0]) - 4) < 0.001)
    }

    /// With no opposite position but the venue's own, deleveraging finds no one: the venue's book
    /// takes the rest, the loss beyond the fund becomes the asset's recorded deficit, and
    /// withdrawals of the asset wait until money from outside covers it.
    @Test func noCounterpartyRecordsADeficitThatBlocksWithdrawals() {
        var harness = Self.venue(
            .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 10), withShorts: false)
        harness.openFunded(30, usdt: "1000")
        let step = Self.step(&harness)
        #expect(step.counterparties.isEmpty)
        #expect(step.uncovered > 432_000_000 && step.fundDraw == amount("100", scale: 6).atoms)
        #expect(harness.engine.asset(Harness.usdt)!.deficit == -step.uncovered)
        harness.rejects(
            .withdraw(account: AccountID(30), asset: Harness.usdt, amount: amount("1", scale: 6)), .deficitOpen)
        harness.rejects(
            .coverDeficit(asset: Harness.usdt, amount: Amount(atoms: step.uncovered + 1)), .invalidParameter)
        harness.ok(.coverDeficit(asset: Harness.usdt, amount: Amount(atoms: step.uncovered)))
        #expect(harness.engine.asset(Harness.usdt)!.deficit == 0)
        harness.ok(.withdraw(account: AccountID(30), asset: Harness.usdt, amount: amount("1", scale: 6)))
    }
}
