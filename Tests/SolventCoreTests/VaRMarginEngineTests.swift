import Foundation
import SolventCore
import SolventRisk
import SolventTestSupport
import Testing

/// The historical-VaR margin model as an account's model: the requirement is
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

    /// The 55,000 call's Black-76 premium at a forward, with the engine's time and volatility.
    static func callPremium(_ engine: Engine) -> (Double) -> Double {
        let call = engine.market(OptionEngineTests.call)!
        let underlying = engine.market(btc)!
        let years = Double(call.spec.expiry!.nanoseconds - underlying.markTime.nanoseconds) / (365 * 86_400e9)
        let sigma = Double(call.optionVolatility) / 1e9
        return { forward in
            BlackScholes.price(
                .black76(right: .call, forward: forward, strike: 55_000, years: years, volatility: sigma))
        }
    }

    static func rates(_ values: [Double]) -> [Rate] { values.map { Rate(atoms: Int64(($0 * 1e9).rounded())) } }

    static func venue() -> Harness {
        var (harness, _) = OptionEngineTests.venue()
        harness.ok(
            .createMarket(
                linearMarket(2, symbol: "ETHUSDT", lot: "0.01"),
                RiskParameters(margin: singleTier(im: "0.02", mm: "0.01"))))
        harness.ok(.setMarkPrice(market: eth, mark: Price("3000")!, index: nil))
        return harness
    }

    static func rules(measure: VaRMarginRules.Measure = .valueAtRisk, count: Int = 500) -> VaRMarginRules {
        let (b, e) = moves(count: count)
        return VaRMarginRules(
            series: [.init(market: btc, moves: rates(b)), .init(market: eth, moves: rates(e))],
            confidence: Rate("0.99")!, measure: measure, maintenanceFactor: Rate("0.8")!)
    }

    @Test(arguments: [VaRMarginRules.Measure.valueAtRisk, .expectedShortfall])
    func requirementIsTheRiskLayersMeasure(measure: VaRMarginRules.Measure) throws {
        var harness = Self.venue()
        // Account 1: long 1 BTC perpetual, short 10 ETH (a partial hedge), and long one 55,000 call.
        harness.openFunded(3, usdt: "200000")
        harness.ok(
            .applyFill(
                Fill(
                    market: Self.btc, buyer: AccountID(1), seller: AccountID(3), quantity: Quantity("1")!,
                    price: Price("50000")!, taker: .buyer)))
        harness.ok(
            .applyFill(
                Fill(
                    market: Self.eth, buyer: AccountID(3), seller: AccountID(1), quantity: Quantity("10")!,
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
        let premium = Self.callPremium(engine)
        let losses = zip(b, e).map { rb, re in
            -(50_000 * rb - 10 * 3_000 * re + premium(50_000 * (1 + rb)) - premium(50_000))
        }
        let expected =
            measure == .valueAtRisk
            ? RiskMeasures.valueAtRisk(losses: losses, confidence: 0.99)
            : RiskMeasures.expectedShortfall(losses: losses, confidence: 0.99)
        #expect(abs(Double(pool.initial) - expected * 1e6) <= 2, "engine \(pool.initial), expected \(expected)")
        #expect(pool.maintenance == (pool.initial * 8 + 9) / 10)
        // Netting: the same book without the ETH short needs more under VaR (the hedge co-moves).
        var unhedged = harness
        unhedged.ok(
            .applyFill(
                Fill(
                    market: Self.eth, buyer: AccountID(1), seller: AccountID(3), quantity: Quantity("10")!,
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

    /// One long BTC perpetual at 50,000 and moves alternating ±2 %: every scenario P&L is ±1,000
    /// USDT, so the EWMA volatility is exactly 1,000 whatever λ, and the parametric margins are the
    /// textbook quantiles: z(0.99) = 2.326348, φ(z)/0.01 = 2.665214 (normal); t₄(0.99) = 3.746947
    /// × √(2/4) = 2.649492 (unit-variance Student-t, 4 degrees of freedom).
    static func alternatingVenue(
        model: AccountMarginModel, measure: VaRMarginRules.Measure = .valueAtRisk,
        seed: UInt64 = 1
    ) -> Harness {
        var harness = Self.venue()
        harness.openFunded(3, usdt: "200000")
        harness.ok(
            .applyFill(
                Fill(
                    market: Self.btc, buyer: AccountID(1), seller: AccountID(3), quantity: Quantity("1")!,
                    price: Price("50000")!, taker: .buyer)))
        let moves = (0..<200).map { $0 % 2 == 0 ? 0.02 : -0.02 }
        harness.ok(
            .configureVaRMargin(
                VaRMarginRules(
                    series: [.init(market: Self.btc, moves: rates(moves))], confidence: Rate("0.99")!,
                    measure: measure, maintenanceFactor: Rate("0.8")!, degrees: 4,
                    draws: 5_000, seed: seed)))
        harness.ok(.setMarginModel(account: AccountID(1), model))
        return harness
    }

    static func initial(_ harness: Harness, _ account: Int = 1) throws -> Double {
        Double(try harness.engine.crossPool(of: harness.engine.account(AccountID(UInt64(account)))!).get().initial)
            / 1e6
    }

    @Test func parametricModelsAreTheTextbookQuantilesOfTheEWMAVolatility() throws {
        #expect(abs(try Self.initial(Self.alternatingVenue(model: .normalVaR)) - 2_326.347874) < 2e-6)
        #expect(
            abs(try Self.initial(Self.alternatingVenue(model: .normalVaR, measure: .expectedShortfall)) - 2_665.214220)
                < 1e-5)
        #expect(abs(try Self.initial(Self.alternatingVenue(model: .studentTVaR)) - 2_649.491907) < 1e-5)
        // Historical VaR of the same book: the 2nd-worst of 200 losses (k = ⌈200 × 0.01⌉), 1,000.
        #expect(abs(try Self.initial(Self.alternatingVenue(model: .historicalVaR)) - 1_000) < 1e-6)
    }

    @Test(arguments: [AccountMarginModel.normalVaR, .studentTVaR])
    func parametricModelsUseTheFullRevaluationPnlOfTheScenarios(model: AccountMarginModel) throws {
        var harness = Self.venue()
        harness.openFunded(3, usdt: "200000")
        harness.ok(
            .applyFill(
                Fill(
                    market: Self.btc, buyer: AccountID(1), seller: AccountID(3), quantity: Quantity("1")!,
                    price: Price("50000")!, taker: .buyer)))
        _ = OptionEngineTests.trade(&harness)
        harness.ok(.configureVaRMargin(Self.rules()))
        harness.ok(.setMarginModel(account: AccountID(1), model))
        let engine = harness.engine
        let (b, _) = Self.moves(count: 500)
        let premium = Self.callPremium(engine)
        let pnl = b.map { 50_000 * $0 + premium(50_000 * (1 + $0)) - premium(50_000) }
        // RiskMetrics by hand: seeded with the mean square of the first 50, then λ = 0.94.
        var variance = pnl.prefix(50).reduce(0) { $0 + $1 * $1 } / 50
        for value in pnl { variance = 0.94 * variance + 0.06 * value * value }
        let quantile =
            model == .normalVaR
            ? RiskMeasures.normalQuantile(0.99) : StudentT.quantile(0.99, degrees: 4) * 0.5.squareRoot()
        #expect(abs(try Self.initial(harness) - quantile * variance.squareRoot()) < 1e-5)
    }

    @Test func monteCarloIsSeededAndNearTheNormalQuantile() throws {
        let first = try Self.initial(Self.alternatingVenue(model: .monteCarloVaR))
        #expect(try Self.initial(Self.alternatingVenue(model: .monteCarloVaR)) == first)
        let reseeded = try Self.initial(Self.alternatingVenue(model: .monteCarloVaR, seed: 2))
        #expect(reseeded != first)
        // 5,000 normal draws with σ ≈ 2 %: the 99 % quantile within sampling error (≈ 2.3 % per
        // standard deviation) of z·σ; e^r − 1 makes losses slightly smaller than gains.
        for value in [first, reseeded] { #expect(abs(value / 2_326.35 - 1) < 0.07, "Monte Carlo VaR \(value)") }
        // The same digest from the same inputs; the draws are not state of their own.
        #expect(
            Self.alternatingVenue(model: .monteCarloVaR).engine.digestHex()
                == Self.alternatingVenue(model: .monteCarloVaR).engine.digestHex())
    }

    @Test func monteCarloNetsCorrelatedUnderlyingsAndRevaluesOptions() throws {
        var harness = Self.venue()
        harness.openFunded(3, usdt: "200000")
        harness.ok(
            .applyFill(
                Fill(
                    market: Self.btc, buyer: AccountID(1), seller: AccountID(3), quantity: Quantity("1")!,
                    price: Price("50000")!, taker: .buyer)))
        harness.ok(.configureVaRMargin(Self.rules()))
        harness.ok(.setMarginModel(account: AccountID(1), .monteCarloVaR))
        let outright = try Self.initial(harness)
        var hedged = harness
        hedged.ok(
            .applyFill(
                Fill(
                    market: Self.eth, buyer: AccountID(3), seller: AccountID(1), quantity: Quantity("10")!,
                    price: Price("3000")!, taker: .buyer)))
        #expect(try Self.initial(hedged) < outright, "ETH moves with BTC in the covariance: a short ETH offsets")
        var withCall = harness
        _ = OptionEngineTests.trade(&withCall)
        #expect(try Self.initial(withCall) != outright, "the long call is revalued under the draws")
    }

    /// A snapshot carries the rules, not the derived Monte Carlo draws, and a restored engine
    /// recomputes the same draws: the same margin.
    @Test func snapshotsStoreTheRulesNotTheDraws() throws {
        let harness = Self.alternatingVenue(model: .monteCarloVaR)
        // The journal codec's float strategies.
        let encoder = JSONEncoder(), decoder = JSONDecoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(harness.engine.canonicalState)
        let restored = Engine(restoring: try decoder.decode(EngineState.self, from: data))
        #expect(!String(decoding: data, as: UTF8.self).contains("simulated"))
        let before = try harness.engine.crossPool(of: harness.engine.account(AccountID(1))!).get().initial
        #expect(try restored.crossPool(of: restored.account(AccountID(1))!).get().initial == before)
        #expect(restored.digestHex() == harness.engine.digestHex())
    }

    @Test func parametersOutOfRangeNameTheField() {
        var harness = Self.venue()
        for (change, field) in [
            ({ (r: inout VaRMarginRules) in r.lambda = Rate("1")! }, "rules.lambda"),
            ({ (r: inout VaRMarginRules) in r.degrees = 2 }, "rules.degrees"),
            ({ (r: inout VaRMarginRules) in r.draws = 10 }, "rules.draws"),
        ] {
            var rules = Self.rules()
            change(&rules)
            #expect(harness.run(.configureVaRMargin(rules)).rejection?.field == field)
        }
    }

    @Test func rulesJournaledBeforeTheParametricModelsDecodeWithDefaults() throws {
        var object = try #require(
            JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.rules())) as? [String: Any])
        for key in ["lambda", "degrees", "draws", "seed"] { #expect(object.removeValue(forKey: key) != nil) }
        let rules = try JSONDecoder().decode(VaRMarginRules.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(rules.series == Self.rules().series)
        #expect(
            rules.lambda == VaRMarginRules.defaultLambda && rules.degrees == 4 && rules.draws == 2_000
                && rules.seed == 1)
        let again = try JSONDecoder().decode(VaRMarginRules.self, from: JSONEncoder().encode(Self.rules()))
        #expect(again == Self.rules())
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
