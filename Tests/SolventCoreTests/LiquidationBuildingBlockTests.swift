import SolventCore
import SolventRandom
import SolventTestSupport
import Testing

/// Goal: the liquidation building blocks compute what the reference engines and
/// venues publish. Method: Maker's Abacus curves and Clipper rules (engines.md §3.1), BitMEX's
/// insurance-fund example (MX-IF1) and ADL ranking vectors (MX-ADL1/2), Binance's leveragePnL
/// (BN-ADL1), and exactness properties of allocation and socialization.
struct LiquidationBuildingBlockTests {
    static let top = Price("1000")!.atoms
    static let second: Int64 = 1_000_000_000

    @Test func linearDecrease() {
        let curve = AuctionCurve.linear(duration: 3_600 * Self.second)
        #expect(curve.price(top: Self.top, elapsed: 0) == Self.top)
        #expect(curve.price(top: Self.top, elapsed: 1_800 * Self.second) == Price("500")!.atoms)
        #expect(curve.price(top: Self.top, elapsed: 3_600 * Self.second) == 0)
    }

    /// MIP45's example cut of 0.99 per step.
    @Test func stairstepExponentialDecrease() {
        let curve = AuctionCurve.stairstepExponential(cut: rate("0.99"), step: 90 * Self.second)
        #expect(curve.price(top: Self.top, elapsed: 89 * Self.second) == Self.top)
        #expect(curve.price(top: Self.top, elapsed: 90 * Self.second) == Price("990")!.atoms)
        #expect(curve.price(top: Self.top, elapsed: 180 * Self.second) == Price("980.1")!.atoms)
    }

    @Test func exponentialDecreaseRoundsUpForTheSystem() {
        let curve = AuctionCurve.exponential(cutPerSecond: rate("0.99"))
        let price = curve.price(top: Self.top, elapsed: 10 * Self.second)
        let exact = 1_000 * 0.9043820750088044
        #expect(priceDouble(price) >= exact && priceDouble(price) - exact < 1e-5, "\(priceDouble(price))")
        #expect(curve.validate() == nil)
        #expect(AuctionCurve.exponential(cutPerSecond: rate("1.5")).validate() != nil)
    }

    /// Maker's test settings: buf 1.25, cusp 0.5, tail 3600 s; keeper tip + chip × tab.
    @Test func clipperStartResetAndIncentive() {
        let rules = DutchAuctionRules(
            buffer: rate("1.25"), curve: .linear(duration: 3_600 * Self.second), tailSeconds: 3_000,
            cusp: rate("0.5"), tipFlat: 100_000_000, chip: rate("0.02"), dust: 50_000_000)
        let start = Timestamp(seconds: 1_000)
        let auction = DutchAuction(
            mark: Price("800")!.atoms, rules: rules, now: start, lot: 100_000_000, debt: 1_000_000_000)
        #expect(auction.top == Price("1000")!.atoms)  // 800 × 1.25
        #expect(auction.status(rules: rules, now: Timestamp(seconds: 2_800)).needsReset == false)
        // Below the cusp: 1000 × 1799/3600 < 500.
        #expect(auction.status(rules: rules, now: Timestamp(seconds: 2_801)).needsReset)
        let younger = DutchAuctionRules(
            buffer: rate("1.25"), curve: .linear(duration: 36_000 * Self.second), tailSeconds: 3_000,
            cusp: rate("0.5"), tipFlat: 0, chip: .zero, dust: 0)
        #expect(auction.status(rules: younger, now: Timestamp(seconds: 4_001)).needsReset)  // older than the tail
        #expect(rules.keeperIncentive(debt: 10_000_000_000) == 100_000_000 + 200_000_000)
    }

    /// A take never raises more than the debt, and a partial take leaves at least the dust.
    @Test func clipperTakes() {
        let rules = DutchAuctionRules(
            buffer: rate("1"), curve: .linear(duration: 3_600 * Self.second), tailSeconds: 3_600,
            cusp: rate("0.1"), tipFlat: 0, chip: .zero, dust: 100_000_000)
        let start = Timestamp(seconds: 0)
        let value: (Int64, Int64) -> Int64 = { size, price in
            // USDT atoms (scale 6).
            Int64(FixedPoint.divide(Int128(size) * Int128(price), by: Int128(100_000_000) * 100, .up))
        }
        // 10 contracts at 100 to cover a debt of 500 USDT: a bid for everything takes 5.
        let auction = DutchAuction(
            mark: Price("100")!.atoms, rules: rules, now: start, lot: 10 * 100_000_000, debt: 500_000_000)
        let all = auction.take(
            amount: 10 * 100_000_000, maxPrice: Price("100")!.atoms, rules: rules, now: start, value: value)
        #expect(all?.owe == 500_000_000)
        #expect(all.map { $0.slice } == Int64(500_000_000))
        // A take that would leave 50 USDT (< 100 of dust) is cut to leave exactly the dust.
        let partial = auction.take(
            amount: Int64(4.5 * 100_000_000), maxPrice: Price("100")!.atoms, rules: rules, now: start, value: value)
        #expect(partial?.owe == 400_000_000)
        // A bid below the current price is refused.
        #expect(
            auction.take(amount: 100_000_000, maxPrice: Price("99")!.atoms, rules: rules, now: start, value: value)
                == nil)
    }

    /// MX-IF1 (BitMEX liquidation examples): long 1 at 100, bankruptcy 99.00. Filled at 99.25: +0.25
    /// to the fund. Filled at 98.75: the fund pays 0.25. With only 0.10 in it, 0.15 is uncovered.
    @Test func bitmexInsuranceFundExamples() {
        #expect(InsuranceFund.settle(surplus: 25, balance: 0, drawCap: 0) == .init(fundChange: 25, uncovered: 0))
        #expect(
            InsuranceFund.settle(surplus: -25, balance: 1_000, drawCap: 1_000) == .init(fundChange: -25, uncovered: 0))
        #expect(
            InsuranceFund.settle(surplus: -25, balance: 10, drawCap: 1_000) == .init(fundChange: -10, uncovered: 15))
        #expect(InsuranceFund.settle(surplus: -25, balance: 1_000, drawCap: 5) == .init(fundChange: -5, uncovered: 20))
    }

    /// MX-ADL1/2 [D]: long entry 100, mark 110, bankruptcy 90 → 0.10 × 5.5 = 0.55; the mirrored
    /// short (values negative) → 0.10 × 4.5 = 0.45. BN-ADL1 [3P]: UPnL 40.2, wallet 4.27, margin
    /// ratio 13.42 % → 9.4145 × 0.1342 = 1.2634.
    @Test func adlRankingVectors() {
        let long = AutoDeleveraging.Candidate(
            account: AccountID(1), size: 1, markValue: 110, entryValue: 100, bankruptcyValue: 90)
        let short = AutoDeleveraging.Candidate(
            account: AccountID(2), size: 1, markValue: -90, entryValue: -100, bankruptcyValue: -110)
        #expect(abs(AutoDeleveraging.Ranking.profitTimesLeverage.score(long) - 0.55) < 1e-12)
        #expect(abs(AutoDeleveraging.Ranking.profitTimesLeverage.score(short) - 0.45) < 1e-12)
        let binance = AutoDeleveraging.Candidate(
            account: AccountID(3), size: 1, unrealizedPnl: 40.2, walletBalance: 4.27, marginRatio: 0.1342)
        #expect(abs(AutoDeleveraging.Ranking.binanceLeveragePnl.score(binance) - 1.2634) < 1e-4)
        let hyperliquid = AutoDeleveraging.Candidate(
            account: AccountID(4), size: 1, accountValue: 500, markPrice: 110, entryPrice: 100, notional: 1_100)
        #expect(abs(AutoDeleveraging.Ranking.markOverEntryTimesNotional.score(hyperliquid) - 2.42) < 1e-12)
    }

    /// The order is deterministic (ties by id) and the allocation reduces no position by more than
    /// its size and places no more than the quantity, within the visit limit.
    @Test func adlOrderAndAllocation() {
        let candidates = [3, 1, 2, 5].map { id in
            AutoDeleveraging.Candidate(
                account: AccountID(UInt64(id)), size: Int64(id) * 10, markValue: 110, entryValue: 100,
                bankruptcyValue: id == 5 ? 100 : 90)
        }
        let order = AutoDeleveraging.ranked(candidates, by: .profitTimesLeverage).map(\.account.rawValue)
        #expect(order == [5, 1, 2, 3])  // account 5 has the highest leverage; the rest tie, by id
        let ranked = AutoDeleveraging.ranked(candidates, by: .profitTimesLeverage)
        let allocation = AutoDeleveraging.allocate(quantity: 75, ranked: ranked, limit: 10)
        #expect(allocation.fills.map(\.1) == [50, 10, 15])
        #expect(allocation.unplaced == 0)
        let limited = AutoDeleveraging.allocate(quantity: 200, ranked: ranked, limit: 2)
        #expect(limited.fills.map(\.1) == [50, 10] && limited.unplaced == 140)
    }

    /// Socialized losses sum to the loss exactly, each share within one atom of pro rata.
    @Test(arguments: testSeeds([61, 62]))
    func socializedLossIsExact(seed: UInt64) {
        #expect(
            SocializedLoss.distribute(100, among: [(AccountID(3), 1), (AccountID(1), 1), (AccountID(2), 1)]).map(\.1)
                == [34, 33, 33])
        var random = SplitMix64(seed: seed)
        for _ in 0..<2_000 {
            let holders = (0..<Int(random.next() % 20 + 1)).map {
                (account: AccountID(UInt64($0)), weight: Int64(random.next() % 1_000_000))
            }
            let loss = Int64(random.next() % 10_000_000)
            let shares = SocializedLoss.distribute(loss, among: holders)
            let total = holders.reduce(Int64(0)) { $0 + $1.weight }
            guard total > 0 else { continue }
            #expect(shares.reduce(Int64(0)) { $0 + $1.1 } == loss, "seed \(seed)")
            for (account, share) in shares {
                let weight = holders.first { $0.account == account }!.weight
                let exact = Double(loss) * Double(weight) / Double(total)
                #expect(
                    Double(share) >= exact.rounded(.down) - 1e-9 && Double(share) <= exact.rounded(.up) + 1e-9,
                    "seed \(seed)")
            }
        }
    }
}
