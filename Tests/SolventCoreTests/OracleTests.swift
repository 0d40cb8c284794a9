import Foundation
import SolventCore
import SolventRandom
import SolventTestSupport
import Testing

/// Goal: the index and mark cannot be moved by a single bad print, stale or diverging sources
/// trip the oracle breaker, and funding follows the premium. Method: the published vectors
/// (exchanges.md HL-2, BN-I1, HL-3), the manipulation scenarios driven through the
/// engine, and a seeded property: the index always lies within the accepted samples.
struct OracleTests {
    static let market = MarketID(1)
    static func p(_ text: String) -> Price { Price(text)! }
    static func sources(_ weights: [Int64]) -> [OracleConfig.Source] {
        weights.enumerated().map { OracleConfig.Source(id: SourceID(UInt32($0.offset + 1)), weight: $0.element) }
    }
    static func samples(_ prices: [String], at time: Timestamp) -> [OracleSample] {
        prices.enumerated().map {
            OracleSample(source: SourceID(UInt32($0.offset + 1)), price: p($0.element), time: time)
        }
    }

    /// HL-2 [D on V]: Hyperliquid's weighted median of seven venues → 100.00.
    @Test func hyperliquidWeightedMedian() {
        let config = OracleConfig(sources: Self.sources([3, 2, 2, 1, 1, 1, 1]), band: rate("0.05"), minimumSources: 1)
        let now = Timestamp(seconds: 100)
        let result = IndexAggregator.aggregate(
            Self.samples(["100.00", "100.20", "99.90", "100.50", "99.00", "101.00", "100.10"], at: now),
            config: config, now: now)
        #expect(result.index == Self.p("100"))
        #expect(result.used.count == 7)
    }

    /// BN-I1 [D]: A 100.0 (40), B 100.2 (30), C 100.1 (20), D 106.0 (10): D is more than 5 % from
    /// the median and excluded; the reweighted mean of A, B, C is 100.0889.
    @Test func binanceOutlierExclusionAndWeightedMean() {
        let config = OracleConfig(
            sources: Self.sources([40, 30, 20, 10]), aggregation: .weightedMean, band: rate("0.05"))
        let now = Timestamp(seconds: 100)
        let result = IndexAggregator.aggregate(
            Self.samples(["100.0", "100.2", "100.1", "106.0"], at: now), config: config, now: now)
        #expect(abs(priceDouble(result.index?.atoms) - 100.0889) < 0.0001)
        #expect(result.excluded.map(\.source) == [SourceID(4)])
        if case .outlier(let deviation)? = result.excluded.first?.reason {
            #expect(deviation > rate("0.05"))
        } else {
            Issue.record("not an outlier")
        }
    }

    /// HL-3 [D]: the basis EMA of samples 10, 12, 8 arriving 3 s apart, from empty: 10.0000,
    /// 11.0100, 9.9865 (time constant 150 s).
    @Test func hyperliquidBasisEMA() {
        var ema = BasisEMA()
        var values: [Double] = []
        for sample in [10.0, 12.0, 8.0] {
            ema.add(sample, elapsed: 3, timeConstant: 150)
            values.append(ema.value!)
        }
        #expect(abs(values[0] - 10.0) < 1e-4)
        #expect(abs(values[1] - 11.0100) < 1e-4)
        #expect(abs(values[2] - 9.9865) < 1e-4)
    }

    @Test(arguments: [
        (1.0, 0.36787944117144233), (0.02, 0.9801986733067553), (20.0, 2.061153622438558e-09), (0.0, 1.0),
    ])
    func deterministicExponential(x: Double, expected: Double) {
        #expect(abs(DeterministicMath.expNegative(x) - expected) <= 2e-15 * expected)
    }

    /// The mark is the median of (index + basis, last, mid), clamped to the band around index.
    @Test func markMedianOfThreeAndClamp() {
        let index = Self.p("100").atoms
        #expect(
            MarkPrice.compute(
                index: index, basis: 0.5e8, last: Self.p("101").atoms, mid: Self.p("100.8").atoms, band: rate("0.03"))
                == Self.p("100.8").atoms)
        // A single wild last print with no mid: the missing mid counts as index + basis.
        #expect(
            MarkPrice.compute(index: index, basis: 0, last: Self.p("150").atoms, mid: nil, band: rate("0.03")) == index)
        // Both venue prices far above: clamped at index × 1.03.
        #expect(
            MarkPrice.compute(
                index: index, basis: 10e8, last: Self.p("150").atoms, mid: Self.p("140").atoms, band: rate("0.03"))
                == Self.p("103").atoms)
    }

    // MARK: Engine scenarios

    /// USDT, a BTCUSDT perpetual with five sources (weights 1), accounts 1–2 holding opposite
    /// positions, and one good oracle update at 50,000.
    static func venue(sources count: Int = 5, config: ((inout OracleConfig) -> Void)? = nil) -> Harness {
        var harness = EngineTests.venue()
        var oracle = OracleConfig(
            sources: Self.sources(Array(repeating: 1, count: count)), sampleMaxAgeSeconds: 10,
            band: rate("0.05"), minimumSources: 2, resumeAfterGoodUpdates: 2, priceMoveThreshold: rate("0.1"),
            priceMoveWindowSeconds: 300, priceMoveCoolDownSeconds: 60)
        config?(&oracle)
        harness.ok(.configureOracle(market: market, oracle))
        harness.ok(EngineTests.fill(1, 2, "0.5", "50000"))
        harness.ok(update(&harness, Array(repeating: "50000", count: count)))
        return harness
    }

    static func update(
        _ harness: inout Harness, _ prices: [String], last: String? = nil, mid: String? = nil, age: Int64 = 0
    ) -> Command {
        let time = Timestamp(nanoseconds: harness.time + 1_000_000 - age * 1_000_000_000)
        return .updateOracle(market: market, samples: samples(prices, at: time), last: last.map(p), mid: mid.map(p))
    }

    static func lastIndexUpdate(_ events: [Event]) -> IndexUpdate? {
        for event in events { if case .indexUpdated(let update) = event { return update } }
        return nil
    }

    @Test func oneOfThreeSourcesPushedFiftyPercentForOneSample() {
        var harness = Self.venue(sources: 3)
        let events = harness.ok(Self.update(&harness, ["50000", "75000", "50010"], last: "75000"))
        let update = Self.lastIndexUpdate(events)!
        #expect(update.index == Self.p("50000"))
        #expect(update.excluded.map(\.source) == [SourceID(2)])
        #expect(harness.engine.market(Self.market)!.mark <= Self.p("50010").atoms)
        #expect(harness.engine.liquidationPermission(market: Self.market) == .allowed)
    }

    @Test func twoOfFiveSourcesPushed() {
        var harness = Self.venue(sources: 5)
        let update = Self.lastIndexUpdate(
            harness.ok(Self.update(&harness, ["50000", "75000", "50020", "75000", "49990"])))!
        #expect(update.index == Self.p("50000"))
        #expect(update.excluded.map(\.source) == [SourceID(2), SourceID(4)])
        #expect(update.used == [SourceID(1), SourceID(3), SourceID(5)])
    }

    @Test func oneSourceStale() {
        var harness = Self.venue(sources: 3)
        var command = Self.update(&harness, ["50100", "50100", "50100"])
        if case .updateOracle(let market, var samples, let last, let mid) = command {
            samples[0].time = Timestamp(nanoseconds: samples[0].time.nanoseconds - 11_000_000_000)
            samples[0].price = Self.p("40000")
            command = .updateOracle(market: market, samples: samples, last: last, mid: mid)
        }
        let update = Self.lastIndexUpdate(harness.ok(command))!
        #expect(update.index == Self.p("50100"))
        if case .stale? = update.excluded.first?.reason {
        } else {
            Issue.record("source 1 should be stale: \(update.excluded)")
        }
    }

    @Test func allSourcesStaleFreezeMarginUntilGoodUpdatesResume() {
        var harness = Self.venue(sources: 3)
        let markBefore = harness.engine.market(Self.market)!.mark
        let events = harness.ok(Self.update(&harness, ["30000", "30000", "30000"], age: 20))
        #expect(events.contains { if case .breakerTripped(let trip) = $0 { trip.rule == .oracle } else { false } })
        #expect(harness.engine.market(Self.market)!.mark == markBefore, "margin stays frozen at the last good mark")
        #expect(harness.engine.liquidationPermission(market: Self.market) == .paused(.oracle))
        // Deposits are allowed; withdrawals that need margin and risk-increasing fills are not.
        harness.ok(.deposit(account: AccountID(1), asset: Harness.usdt, amount: amount("10", scale: 6)))
        harness.rejects(
            .withdraw(account: AccountID(1), asset: Harness.usdt, amount: amount("10", scale: 6)), .oracleFrozen)
        harness.ok(.withdraw(account: AccountID(3), asset: Harness.usdt, amount: amount("10", scale: 6)))
        harness.rejects(EngineTests.fill(1, 3, "0.1", "50000"), .oracleFrozen)
        harness.ok(EngineTests.fill(2, 1, "0.1", "50000"))  // reduces both positions
        // Resume after two consecutive good updates.
        let first = harness.ok(Self.update(&harness, ["50050", "50050", "50050"]))
        #expect(!first.contains { if case .breakerResumed = $0 { true } else { false } })
        let second = harness.ok(Self.update(&harness, ["50050", "50050", "50050"]))
        #expect(second.contains { if case .breakerResumed(_, .oracle) = $0 { true } else { false } })
        #expect(harness.engine.market(Self.market)!.mark == Self.p("50050").atoms)
    }

    @Test func slowDriftIsExcludedOnceBeyondTheBand() {
        var harness = Self.venue(sources: 3)
        var excludedAt: Int? = nil
        for step in 1...20 {
            let drifted = 50_000.0 * (1 + 0.005 * Double(step))
            let update = Self.lastIndexUpdate(
                harness.ok(Self.update(&harness, ["50000", String(format: "%.1f", drifted), "50010"])))!
            let index = priceDouble(update.index?.atoms)
            #expect(index >= 50_000 && index <= max(50_010, drifted), "index outside the accepted samples")
            if excludedAt == nil, update.excluded.map(\.source) == [SourceID(2)] { excludedAt = step }
        }
        #expect(excludedAt == 11, "the drifting source leaves the index once more than 5 % away")
    }

    @Test func priceMoveBreakerPausesThenResumesAfterCoolDown() {
        var harness = Self.venue(sources: 3)
        harness.ok(Self.update(&harness, ["47000", "47000", "47000"]))
        #expect(harness.engine.liquidationPermission(market: Self.market) == .allowed)
        let events = harness.ok(Self.update(&harness, ["44000", "44000", "44000"]))
        let trip = events.compactMap { if case .breakerTripped(let trip) = $0 { trip } else { nil } }.first
        #expect(trip?.rule == .priceMove)
        #expect(trip?.detail.contains("-12.00 %") == true, "\(String(describing: trip?.detail))")
        #expect(harness.engine.liquidationPermission(market: Self.market) == .paused(.priceMove))
        harness.time += 61_000_000_000
        let tick = harness.ok(.tick)
        #expect(tick.contains { if case .breakerResumed(_, .priceMove) = $0 { true } else { false } })
        #expect(harness.engine.liquidationPermission(market: Self.market) == .allowed)
    }

    @Test func slowModeLetsLiquidationsContinueInSmallerSteps() {
        var harness = Self.venue(sources: 3) { $0.priceMoveMode = .slow(stepFraction: rate("0.1")) }
        harness.ok(Self.update(&harness, ["40000", "40000", "40000"]))
        #expect(harness.engine.liquidationPermission(market: Self.market) == .slow(stepFraction: rate("0.1")))
    }

    /// Funding from the premium: the venue's mid 0.1 % above index for the whole interval gives
    /// F = 0.1 % + clamp(0.01 % − 0.1 %, ±0.05 %) = 0.05 % per 8 h; longs pay.
    @Test func fundingFollowsThePremiumAtTheInterval() {
        var harness = Self.venue(sources: 3)
        for _ in 0..<4 {
            harness.time += 3_600_000_000_000
            harness.ok(Self.update(&harness, ["50000", "50000", "50000"], last: "50050", mid: "50050"))
        }
        harness.time += 4 * 3_600_000_000_000
        harness.ok(Self.update(&harness, ["50000", "50000", "50000"], last: "50050", mid: "50050"))
        let before = EngineTests.usdt(harness, 1)
        let events = harness.ok(.tick)
        guard let settlement = events.compactMap({ if case .fundingSettled(let s) = $0 { s } else { nil } }).first
        else {
            Issue.record("no funding at the interval: \(events)")
            return
        }
        #expect(settlement.rate == rate("0.0005"))
        let mark = harness.engine.market(Self.market)!.mark
        let expected = FixedPoint.multiplyDivide(
            Quantity("0.5")!.atoms, mark, 500_000, Int128(100_000_000) * 100 * 1_000_000_000, .up)!
        #expect(before - EngineTests.usdt(harness, 1) == expected)
    }

    @Test func liquidationRateLimiterCapsNotionalPerWindow() {
        let config = OracleConfig(
            sources: Self.sources([1]), minimumSources: 1, liquidationDepth: 1_000_000,
            liquidationDepthFraction: rate("0.25"), liquidationWindowSeconds: 60)
        var limiter = LiquidationRateLimiter()
        let start = Timestamp(seconds: 1_000)
        #expect(limiter.allowance(config: config, now: start) == 250_000)
        limiter = limiter.recording(200_000, config: config, now: start)
        #expect(limiter.allowance(config: config, now: Timestamp(seconds: 1_030)) == 50_000)
        limiter = limiter.recording(50_000, config: config, now: Timestamp(seconds: 1_030))
        #expect(limiter.allowance(config: config, now: Timestamp(seconds: 1_059)) == 0)
        #expect(limiter.allowance(config: config, now: Timestamp(seconds: 1_060)) == 250_000)
    }

    @Test func badOracleCommandsAreRejected() {
        var harness = Self.venue(sources: 3)
        harness.rejects(.updateOracle(market: MarketID(9), samples: [], last: nil, mid: nil), .unknownMarket)
        harness.rejects(.updateOracle(market: Self.market, samples: [], last: nil, mid: nil), .invalidParameter)
        harness.rejects(
            .configureOracle(market: Self.market, OracleConfig(sources: [], minimumSources: 1)), .invalidParameter)
        harness.rejects(
            .configureOracle(market: Self.market, OracleConfig(sources: Self.sources([1]), minimumSources: 2)),
            .invalidParameter)
        harness.ok(
            .createMarket(linearMarket(2, symbol: "ETHUSDT"), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))))
        harness.rejects(
            .updateOracle(
                market: MarketID(2), samples: Self.samples(["1"], at: Timestamp(seconds: 1)), last: nil, mid: nil),
            .oracleNotConfigured)
    }

    /// Property: with random honest and manipulated sources, the index lies within the accepted
    /// samples and never comes from an excluded one.
    @Test(arguments: testSeeds([31, 32]))
    func indexLiesWithinAcceptedSamples(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<2_000 {
            let count = Int(random.next() % 16) + 1
            let config = OracleConfig(
                sources: Self.sources((0..<count).map { _ in Int64(random.next() % 10 + 1) }),
                aggregation: random.next() & 1 == 0 ? .weightedMedian : .weightedMean,
                band: rate("0.05"), minimumSources: 1)
            let now = Timestamp(seconds: 1_000)
            let samples = (0..<count).map { source in
                let manipulated = random.next() % 5 == 0
                let price = 5_000_000_000_000 + Int64(random.next() % 100_000_000_000) * (manipulated ? 10 : 1)
                return OracleSample(
                    source: SourceID(UInt32(source + 1)), price: Price(atoms: price),
                    time: Timestamp(seconds: 1_000 - Int64(random.next() % 90)))
            }
            let result = IndexAggregator.aggregate(samples, config: config, now: now)
            let accepted = samples.filter { result.used.contains($0.source) }.map(\.price.atoms)
            if let index = result.index?.atoms {
                #expect(index >= accepted.min()! && index <= accepted.max()!, "seed \(seed)")
            } else {
                #expect(result.failure != nil)
            }
            #expect(Set(result.used).isDisjoint(with: result.excluded.map(\.source)), "seed \(seed)")
            #expect(result.used.count + result.excluded.count == samples.count, "seed \(seed)")
        }
    }
}
