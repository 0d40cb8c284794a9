import SolventRisk
import Testing

/// SPAN's inter-commodity spread credit (ccp-models.md §1.7) on the reference's worked example
/// and its guards: legs of the same sign earn nothing, deltas used by one spread are gone for
/// the next, a credit is at most ρ of the leg's requirement.
@Suite struct InterCommoditySpreadTests {
    /// BTC long Δ = +1 with WPR $8,000; ETH short Δ = −30 with WPR $300; 1 BTC : 30 ETH at 50 %:
    /// credit 0.5·(1·8,000) + 0.5·(30·300) = $8,500.
    @Test func theReferenceExample() {
        let groups = [InterCommoditySpread.Group(delta: 1, risk: 8_000), .init(delta: -30, risk: 30 * 300)]
        let credits = InterCommoditySpread.credits(
            groups: groups, spreads: [.init(first: 0, second: 1, firstRatio: 1, secondRatio: 30, creditRate: 0.5)])
        #expect(credits == [4_000, 4_500])
        #expect(credits.reduce(0, +) == 8_500)
    }

    @Test func sameSignLegsEarnNothing() {
        let groups = [InterCommoditySpread.Group(delta: 1, risk: 8_000), .init(delta: 30, risk: 9_000)]
        #expect(
            InterCommoditySpread.credits(
                groups: groups, spreads: [.init(first: 0, second: 1, firstRatio: 1, secondRatio: 30, creditRate: 0.5)])
                == [0, 0])
    }

    @Test func prioritiesConsumeDeltas() {
        // BTC +2 (risk 16,000) against ETH −30 (9,000) first, then SOL −100 (5,000): the first
        // spread uses 1 BTC and all of ETH; the second pairs the other BTC with 50 SOL.
        let groups = [
            InterCommoditySpread.Group(delta: 2, risk: 16_000), .init(delta: -30, risk: 9_000),
            .init(delta: -100, risk: 5_000),
        ]
        let spreads = [
            InterCommoditySpread.Spread(first: 0, second: 1, firstRatio: 1, secondRatio: 30, creditRate: 0.5),
            .init(first: 0, second: 2, firstRatio: 1, secondRatio: 50, creditRate: 0.4),
            .init(first: 1, second: 2, firstRatio: 30, secondRatio: 50, creditRate: 0.9),
        ]  // ETH used up: nothing
        let credits = InterCommoditySpread.credits(groups: groups, spreads: spreads)
        #expect(credits[0] == 0.5 * 8_000 + 0.4 * 8_000)
        #expect(credits[1] == 0.5 * 9_000)
        #expect(credits[2] == 0.4 * 50 * 50)
    }

    @Test func creditsNeverExceedTheRateOfTheRequirement() {
        var random = MonteCarloVaR.Stream(seed: 9)
        for _ in 0..<500 {
            let groups = (0..<4).map { _ in
                InterCommoditySpread.Group(delta: random.normal() * 10, risk: random.unit() * 1_000)
            }
            let spreads = (0..<6).map { _ in
                InterCommoditySpread.Spread(
                    first: Int(random.unit() * 4), second: Int(random.unit() * 4), firstRatio: 0.1 + random.unit(),
                    secondRatio: 0.1 + random.unit(), creditRate: 0.6)
            }
            let credits = InterCommoditySpread.credits(groups: groups, spreads: spreads)
            for (credit, group) in zip(credits, groups) {
                #expect(credit >= 0 && credit <= 0.6 * group.risk * (1 + 1e-12))
            }
        }
    }
}
