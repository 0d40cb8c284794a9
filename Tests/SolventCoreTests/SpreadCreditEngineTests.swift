import Foundation
import SolventCore
import SolventRisk
import SolventTestSupport
import Testing

/// The correlation offset between underlyings in the engine: with a BTC–ETH
/// spread configured, a portfolio-, SPAN- or Greeks-margined pool long BTC and short ETH is
/// credited ρ × each leg's requirement per unit of value delta × the delta paired (computed here
/// from the stand-alone requirements of each leg), a pool long both is not, and bad spreads name
/// their field.
@Suite struct SpreadCreditEngineTests {
    static let btc = MarketID(1)
    static let eth = MarketID(2)

    /// Account 1: long 1 BTC (value delta 50,000), short (or long) 10 ETH (30,000); account 5
    /// holds the BTC leg alone, account 6 the ETH leg alone; all on `model`.
    static func venue(model: AccountMarginModel, ethLong: Bool = false) -> Harness {
        var harness = VaRMarginEngineTests.venue()
        harness.openFunded(3, usdt: "500000")
        harness.openFunded(5, usdt: "20000")
        harness.openFunded(6, usdt: "20000")
        for account in [1, 5] as [UInt64] {
            harness.ok(
                .applyFill(
                    Fill(
                        market: btc, buyer: AccountID(account), seller: AccountID(3), quantity: Quantity("1")!,
                        price: Price("50000")!, taker: .buyer)))
        }
        for account in [1, 6] as [UInt64] {
            let (buyer, seller) = ethLong ? (AccountID(account), AccountID(3)) : (AccountID(3), AccountID(account))
            harness.ok(
                .applyFill(
                    Fill(
                        market: eth, buyer: buyer, seller: seller, quantity: Quantity("10")!, price: Price("3000")!,
                        taker: .buyer)))
        }
        for account in [1, 5, 6] as [UInt64] { harness.ok(.setMarginModel(account: AccountID(account), model)) }
        return harness
    }

    static func initial(_ harness: Harness, _ account: UInt64) throws -> Int64 {
        try harness.engine.crossPool(of: harness.engine.account(AccountID(account))!).get().initial
    }

    static let pair = SpreadCreditRules(spreads: [.init(first: btc, second: eth, creditRate: Rate("0.5")!)])

    @Test(arguments: [AccountMarginModel.portfolio, .span, .greeks])
    func anOpposedPairIsCredited(model: AccountMarginModel) throws {
        var harness = Self.venue(model: model)
        let (both, btcAlone, ethAlone) = (
            try Self.initial(harness, 1), try Self.initial(harness, 5), try Self.initial(harness, 6)
        )
        #expect(abs(both - btcAlone - ethAlone) <= 1, "without spreads the underlyings add up")
        harness.ok(.configureSpreadCredits(Self.pair))
        // 1 : 1 in value: 30,000 of each delta pairs; BTC is credited 0.5 × 30/50 of its
        // requirement, ETH 0.5 of its.
        let expected = Double(btcAlone) * (1 - 0.5 * 0.6) + Double(ethAlone) * (1 - 0.5)
        let credited = try Self.initial(harness, 1)
        #expect(abs(Double(credited) - expected) <= 3, "credited \(credited), expected \(expected)")
        #expect(try Self.initial(harness, 5) == btcAlone, "a single underlying has nothing to pair")
        // Maintenance follows initial by the model's factor.
        let pool = try harness.engine.crossPool(of: harness.engine.account(AccountID(1))!).get()
        #expect(pool.maintenance == (pool.initial * 8 + 9) / 10)
    }

    /// The per-underlying breakdown a report prints books exactly what the pool is charged: the
    /// groups' initial margins add up to the pool's, each group alone is the stand-alone
    /// account's, and the credits are the spread rule's (ETH's is half its risk).
    @Test(arguments: [AccountMarginModel.portfolio, .span, .greeks])
    func theBreakdownBooksWhatThePoolIsCharged(model: AccountMarginModel) throws {
        var harness = Self.venue(model: model)
        harness.ok(.configureSpreadCredits(Self.pair))
        let groups = try harness.engine.underlyingRisk(of: AccountID(1))!.get()
        #expect(groups.map(\.underlying) == [Self.btc, Self.eth])
        #expect(groups.map(\.initial).reduce(0, +) == (try Self.initial(harness, 1)))
        for (group, alone) in zip(groups, [5, 6] as [UInt64]) {
            let single = try harness.engine.underlyingRisk(of: AccountID(alone))!.get()
            #expect(single.count == 1 && single[0].spreadCredit == 0)
            #expect(Int64(single[0].risk.rounded(.up)) == (try Self.initial(harness, alone)))
            #expect(group.risk == single[0].risk, "a group's risk does not depend on the other groups")
        }
        #expect(abs(groups[1].spreadCredit - 0.5 * groups[1].risk) <= 1e-6 * groups[1].risk)
        #expect(groups.allSatisfy { $0.maintenance >= $0.initial * 8 / 10 })
        switch model {
        case .greeks: #expect(groups.allSatisfy { $0.greeks != nil && $0.scenarios.isEmpty })
        default:
            #expect(groups.allSatisfy { $0.worstScenario != nil && !$0.scenarios.isEmpty })
            #expect((model == .span) == (groups[0].shortOptionMinimum != nil))
        }
        // The standard model margins positions, not underlyings: no groups.
        harness.ok(.setMarginModel(account: AccountID(1), .standard))
        #expect(try harness.engine.underlyingRisk(of: AccountID(1))!.get().isEmpty)
        #expect(harness.engine.underlyingRisk(of: AccountID(99)) == nil)
    }

    @Test func legsMovingTogetherEarnNothing() throws {
        var harness = Self.venue(model: .portfolio, ethLong: true)
        let before = try Self.initial(harness, 1)
        harness.ok(.configureSpreadCredits(Self.pair))
        #expect(try Self.initial(harness, 1) == before)
        // The state digest changes with the rules (replay must know them).
        var other = Self.venue(model: .portfolio, ethLong: true)
        #expect(other.engine.digestHex() != harness.engine.digestHex())
        other.ok(.configureSpreadCredits(Self.pair))
        #expect(other.engine.digestHex() == harness.engine.digestHex())
    }

    @Test func badSpreadsNameTheField() {
        var harness = Self.venue(model: .portfolio)
        let cases: [(SpreadCreditRules.Spread, String)] = [
            (.init(first: Self.btc, second: Self.btc, creditRate: Rate("0.5")!), "rules.spreads[0].second"),
            (
                .init(first: Self.btc, second: Self.eth, secondRatio: Rate("0")!, creditRate: Rate("0.5")!),
                "rules.spreads[0].secondRatio"
            ),
            (.init(first: Self.btc, second: Self.eth, creditRate: Rate("1.5")!), "rules.spreads[0].creditRate"),
            (.init(first: Self.btc, second: MarketID(99), creditRate: Rate("0.5")!), "rules.spreads[0].second"),
            (
                .init(first: OptionEngineTests.call, second: Self.eth, creditRate: Rate("0.5")!),
                "rules.spreads[0].first"
            ),
        ]
        for (spread, field) in cases {
            #expect(
                harness.run(.configureSpreadCredits(SpreadCreditRules(spreads: [spread]))).rejection?.field == field)
        }
    }
}
