import Benchmark
import SolventCore
import SolventTestSupport

/// The engine's other measured paths: each margin model's re-margin of an options account, the
/// engine's oracle update, mark updates that make few accounts cross, and crashes.
func marginModels() {
    let models: [AccountMarginModel] = [
        .standard, .portfolio, .span, .greeks, .historicalVaR, .normalVaR, .monteCarloVaR,
    ]
    for model in models {
        // Two perpetuals, a call and a put on the first: the exact re-check of a holder when its
        // underlying moves, under each model.
        Benchmark("remargin-option-account-\(model.rawValue)", configuration: .init(scalingFactor: .kilo)) {
            benchmark in
            var venue = WorkloadEngine()
            let account = venue.optionAccount(model: model)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(venue.engine.crossPool(of: account)) }
            benchmark.stopMeasurement()
            withExtendedLifetime(venue) {}
        }
    }
}

func oracleUpdates() {
    // The whole engine update from 16 sources: index, mark, basis EMA, breakers, events, detection.
    Benchmark("engine-oracle-update-16-sources", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var stream = OracleStream()
        let batches = (0..<100).map { _ in stream.samples(at: Timestamp(nanoseconds: 0)) }
        var venue = WorkloadEngine()
        venue.standardVenue()
        venue.run(.configureOracle(market: MarketID(1), stream.config))
        let last = Price(atoms: 6_000_100_000_000)
        let updates: [Command] = benchmark.scaledIterations.map { i in
            let time = Timestamp(nanoseconds: venue.time + Int64(i + 1) * 1_001_000)
            let samples = batches[i % batches.count].map {
                OracleSample(source: $0.source, price: $0.price, time: time)
            }
            return .updateOracle(market: MarketID(1), samples: samples, last: last, mid: nil)
        }
        benchmark.startMeasurement()
        for update in updates {
            // Each input's clock is one millisecond after the last (`run` adds a microsecond).
            venue.time += 1_000_000
            precondition(venue.run(update).rejection == nil, "an oracle update was rejected")
        }
        benchmark.stopMeasurement()
    }
}

/// Mark updates that make few accounts cross among a million (the liquidation benchmark's
/// population at 60,000): the mark alternates with 60,000 − step, so every update flags or
/// clears the pools between the two while thousands of pools stay in margin call throughout.
func fewCrossings() {
    for step in ["1", "10"] {
        Benchmark(
            "mark-update-few-crossing-1000000-accounts-step-\(step)",
            configuration: .init(warmupIterations: 0, scalingFactor: .kilo, maxDuration: .seconds(60), maxIterations: 3)
        ) { benchmark in
            var venue = WorkloadEngine.riskVenue(accounts: 1_000_000)
            let high = Price("60000")!
            let low = Price(atoms: high.atoms - Price(step)!.atoms)
            // The first update indexes every row; the second re-indexes the flagged rows by state.
            venue.run(.setMarkPrice(market: MarketID(1), mark: high, index: nil))
            venue.run(.setMarkPrice(market: MarketID(1), mark: high, index: nil))
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations {
                blackHole(venue.run(.setMarkPrice(market: MarketID(1), mark: i % 2 == 0 ? low : high, index: nil)))
            }
            benchmark.stopMeasurement()
            withExtendedLifetime(venue) {}
        }
    }
}

/// A 10 % fall through a million accounts: the mark update (detection and margin-state events),
/// then one liquidation step for every pool it put in liquidation, worst first (the events'
/// order), the fund empty and the venue's book beyond it — on the liquidation benchmark's
/// population (isolated and cross, 1–100x), with the venue taking every gap or with
/// auto-deleveraging, and on the numpy population (cross, 1–25x: a third of the accounts).
func crashes() {
    let cases: [(String, LiquidationParameters.LossAllocation, Bool)] = [
        ("venue", .venue, true),
        ("adl", .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 64), true),
        ("venue-numpy-population", .venue, false),
    ]
    for (label, allocation, riskPopulation) in cases {
        Benchmark("crash-10pct-1000000-accounts-\(label)", configuration: populationSamples()) { benchmark in
            var venue =
                riskPopulation
                ? WorkloadEngine.riskVenue(accounts: 1_000_000) : WorkloadEngine.perpVenue(accounts: 1_000_000)
            venue.run(
                .configureLiquidation(
                    market: MarketID(1),
                    LiquidationParameters(
                        depth: .squareRoot(depth: 1_000_000_000_000_000, coefficient: Rate("0.01")!),
                        penaltyRate: Rate("0.005")!, clearanceFeeRate: Rate("0.001")!,
                        target: .maintenancePlusBuffer(Rate("0.1")!), stepFraction: Rate("0.5")!,
                        dustNotional: 100_000_000, lossAllocation: allocation)))
            venue.run(.setMarkPrice(market: MarketID(1), mark: Price("60000")!, index: nil))  // indexes every row
            benchmark.startMeasurement()
            let outcome = venue.run(.setMarkPrice(market: MarketID(1), mark: Price("54000")!, index: nil))
            var steps = 0
            for case .marginStateChanged(let change) in outcome.events where change.to == .liquidating {
                if venue.run(.liquidate(account: change.pool.account, market: MarketID(1))).rejection == nil {
                    steps += 1
                }
            }
            benchmark.stopMeasurement()
            precondition(steps > 0, "the fall liquidated no one")
            withExtendedLifetime(venue) {}
        }
    }
}
