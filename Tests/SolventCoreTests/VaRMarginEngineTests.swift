import Foundation
import SolventCore
import SolventRisk
import Testing

/// The historical-VaR margin model as an account's model (issue #6, item 1): the requirement is
/// the risk layer's VaR / ES of the pool's scenario losses (computed here independently from
/// `RiskMeasures`), options revalued in full, underlyings netted only as their scenarios co-move;
/// the model is refused until the venue publishes scenarios, and bad scenario sets name the field.
@Suite struct VaRMarginEngineTests {
    static let btc = MarketID(1)
    static let eth = MarketID(2)

    /// Seeded fat-ish daily moves, BTC and ETH correlated (ETH = 0.8 BTC + noise).
    static func moves(count: Int) -> (btc: [Double], eth: [Double]) {
        var random = MonteCarloVaR.Stream(seed: 42)
        var btc: [Double] = [], eth: [Double] = []
        for _ in 0..<count {
            let common = random.normal() * 0.03 * (random.unit() < 0.05 ? 3 : 1)
            btc.append((common * 1e6).rounded() / 1e6)
            eth.append(((0.8 * common + 0.02 * random.normal()) * 1e6).rounded() / 1e6)
        }
        return (btc, eth)
    }

    static func rates(_ values: [Double]) -> [Rate] { values.map { Rate(atoms: Int64(($0 * 1e9).rounded())) } }

    static func venue() -> Harness {
        var (harness, _) = OptionEngineTests.venue()
        harness.ok(.createMarket(linearMarket(2, symbol: "ETHUSDT", lot: "0.01"), RiskParameters(margin: singleTier(im: "0.02", mm: "0.01"))))
        harness.ok(.setMarkPrice(market: eth, mark: Price("3000")!, index: nil))
        return harness
    }

    static func rules(measure: VaRMarginRules.Measure = .valueAtRisk, count: Int = 500) -> VaRMarginRules {
        let (b, e) = moves(count: count)
        return VaRMarginRules(series: [.init(market: btc, moves: rates(b)), .init(market: eth, moves: rates(e))],
                              confidence: Rate("0.99")!, measure: measure, maintenanceFactor: Rate("0.8")!)
    }

    @Test(arguments: [VaRMarginRules.Measure.valueAtRisk, .expectedShortfall])
    func requirementIsTheRiskLayersMeasure(measure: VaRMarginRules.Measure) throws {
        var harness = Self.venue()
        // Account 1: long 1 BTC perpetual, short 10 ETH (a partial hedge), and long one 55,000 call.
        harness.openFunded(3, usdt: "200000")
        harness.ok(.applyFill(Fill(market: Self.btc, buyer: AccountID(1), seller: AccountID(3), quantity: Quantity("1")!,
                                   price: Price("50000")!, taker: .buyer)))
        harness.ok(.applyFill(Fill(market: Self.eth, buyer: AccountID(3), seller: AccountID(1), quantity: Quantity("10")!,
                                   price: Price("3000")!, taker: .buyer)))
        _ = OptionEngineTests.trade(&harness)
        // Refused before the venue publishes scenarios (the model could not be computed).
        harness.rejects(.setMarginModel(account: AccountID(1), .historicalVaR), .priceMissing)
        harness.ok(.configureVaRMargin(Self.rules(measure: measure)))
        harness.ok(.setMarginModel(account: AccountID(1), .historicalVaR))
        let engine = harness.engine
        let pool = try engine.crossPool(of: engine.account(AccountID(1))!).get()
        // Independently: each scenario's loss from the published moves and the risk layer's pricer.
        let (b, e) = Self.moves(count: 500)
        let call = engine.market(OptionEngineTests.call)!
        let underlying = engine.market(Self.btc)!
        let years = Double(call.spec.expiry!.nanoseconds - underlying.markTime.nanoseconds) / (365 * 86_400e9)
        let sigma = Double(call.optionVolatility) / 1e9
        func premium(_ forward: Double) -> Double {
            BlackScholes.price(.black76(right: .call, forward: forward, strike: 55_000, years: years, volatility: sigma))
        }
        let losses = zip(b, e).map { rb, re in -(50_000 * rb - 10 * 3_000 * re + premium(50_000 * (1 + rb)) - premium(50_000)) }
        let expected = measure == .valueAtRisk ? RiskMeasures.valueAtRisk(losses: losses, confidence: 0.99)
                                               : RiskMeasures.expectedShortfall(losses: losses, confidence: 0.99)
        #expect(abs(Double(pool.initial) - expected * 1e6) <= 2, "engine \(pool.initial), expected \(expected)")
        #expect(pool.maintenance == (pool.initial * 8 + 9) / 10)
        // Netting: the same book without the ETH short needs more under VaR (the hedge co-moves).
        var unhedged = harness
        unhedged.ok(.applyFill(Fill(market: Self.eth, buyer: AccountID(1), seller: AccountID(3), quantity: Quantity("10")!,
                                    price: Price("3000")!, taker: .buyer)))
        let without = try unhedged.engine.crossPool(of: unhedged.engine.account(AccountID(1))!).get()
        #expect(without.initial > pool.initial)
        // The same inputs give the same digest; a new scenario set re-margins the holders.
        var again = Self.venue()
        again.openFunded(3, usdt: "200000")
        #expect(again.engine.digestHex() != harness.engine.digestHex())
        let events = harness.ok(.configureVaRMargin(Self.rules(measure: measure, count: 100)))
        #expect(events.contains { if case .varMarginConfigured = $0 { true } else { false } })
    }

    @Test func badScenarioSetsNameTheField() {
        var harness = Self.venue()
        let good = Self.rules()
        var uneven = good
        uneven.series[1].moves.removeLast()
        harness.rejects(.configureVaRMargin(uneven), .invalidParameter)
        var short = good
        short.series = short.series.map { .init(market: $0.market, moves: Array($0.moves.prefix(5))) }
        harness.rejects(.configureVaRMargin(short), .invalidParameter)
        var twice = good
        twice.series[1].market = Self.btc
        harness.rejects(.configureVaRMargin(twice), .invalidParameter)
        var crash = good
        crash.series[0].moves[3] = Rate("-1")!
        harness.rejects(.configureVaRMargin(crash), .invalidParameter)
        var level = good
        level.confidence = Rate("1")!
        harness.rejects(.configureVaRMargin(level), .invalidParameter)
        var unknown = good
        unknown.series[1].market = MarketID(99)
        harness.rejects(.configureVaRMargin(unknown), .unknownMarket)
        var option = good
        option.series[1].market = OptionEngineTests.call
        harness.rejects(.configureVaRMargin(option), .invalidParameter)
        let outcome = harness.run(.configureVaRMargin(uneven))
        #expect(outcome.rejection?.field == "rules.series[1].moves")
    }
}
