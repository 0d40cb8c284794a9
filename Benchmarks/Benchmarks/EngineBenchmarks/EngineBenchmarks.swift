import Benchmark
import SolventCore
import SolventRandom
import SolventTestSupport

/// package-benchmark suites of Solvent's hot paths: wall clock and mallocs. They are the one
/// source of the figures in docs/benchmarks.md: `Scripts/bench-vs-baseline.sh` runs them beside
/// the numpy peers of ../shared/bench and prints the ratios.
/// Run: `cd Benchmarks && swift package benchmark`. CI checks every run against the static
/// thresholds in `Thresholds/` (`swift package benchmark thresholds check`) with the tolerances
/// below, and `swift package --allow-writing-to-package-directory benchmark thresholds update`
/// rewrites them after an intended change. Names carry no spaces: the threshold files are
/// written under the name with spaces replaced but looked up under the name as it is.
let benchmarks: @Sendable () -> Void = {
    // Samples in nanoseconds as measured, so that an export (Scripts/bench-table.py reads one)
    // carries them unrounded.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal], timeUnits: .nanoseconds, maxDuration: .seconds(5),
        maxIterations: 100,
        thresholds: [
            // Allocation counts do not depend on the machine; a sample's total wanders by a few
            // between runs. One more malloc per operation (+1,000 on a sample of a thousand
            // operations) fails.
            .mallocCountTotal: .init(relative: [.p90: 1], absolute: [.p90: 100]),
            // Time does (the CPU model changes between machines, and a shared
            // machine slows a run several-fold): only a slowdown past 4 × the recorded p90
            // fails, which catches a lost index or an accidental quadratic path, not noise.
            .wallClock: .init(relative: [.p90: 300]),
        ])

    engineHotPaths()
    detections()
    marginModels()
    oracleUpdates()
    fewCrossings()
    crashes()
    optionPricing()
    portfolioRisk()
    rollingBacktests()
    commitments()
}

/// One sample of a benchmark over a population of a million accounts builds its own population
/// (seconds), so these take few samples and no warm-up sample.
func populationSamples(_ samples: Int = 3) -> Benchmark.Configuration {
    .init(warmupIterations: 0, scalingFactor: .one, maxDuration: .seconds(90), maxIterations: samples)
}

/// Fills, re-margins, the full scan and the index and mark from the sources.
func engineHotPaths() {
    Benchmark("apply-one-fill-1000-accounts", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var venue = WorkloadEngine()
        venue.standardVenue()
        venue.fundedAccounts(1_000, usdt: 10_000_000)
        var stream = FillStream(accounts: 1_000)
        let commands = (0..<benchmark.scaledIterations.count).map { _ in stream.next() }
        benchmark.startMeasurement()
        for command in commands { blackHole(venue.run(command)) }
        benchmark.stopMeasurement()
        withExtendedLifetime(venue) {}
    }

    Benchmark("remargin-cross-account-10-positions", configuration: .init(scalingFactor: .kilo)) {
        benchmark in
        var venue = WorkloadEngine()
        let account = venue.crossAccount(positions: 10)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(venue.engine.crossPool(of: account)) }
        benchmark.stopMeasurement()
        withExtendedLifetime(venue) {}
    }

    Benchmark(
        "full-scan-1000000-accounts",
        configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(20), maxIterations: 10)
    ) { benchmark in
        // Each sample builds its own million accounts; the first mark update indexes them all
        // (hundreds of milliseconds, once), so it runs before the measured ticks.
        var venue = WorkloadEngine.perpVenue(accounts: 1_000_000)
        venue.run(.setMarkPrice(market: MarketID(1), mark: WorkloadEngine.jitteredMark(0), index: nil))
        var tick: Int64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            tick += 1
            venue.run(.setMarkPrice(market: MarketID(1), mark: WorkloadEngine.jitteredMark(tick), index: nil))
            blackHole(venue.engine.scanMaintenance(market: MarketID(1)))
        }
        // Stop before the engine is torn down: freeing a million accounts is not part of a tick.
        benchmark.stopMeasurement()
        withExtendedLifetime(venue) {}
    }

    Benchmark("index-and-mark-16-sources", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var stream = OracleStream()
        let now = Timestamp(seconds: 1_700_000_000)
        let batches = (0..<100).map { _ in stream.samples(at: now) }
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let result = IndexAggregator.aggregate(batches[i % batches.count], config: stream.config, now: now)
            blackHole(
                MarkPrice.compute(
                    index: result.index!.atoms, basis: 1.5e8, last: 6_000_100_000_000, mid: nil,
                    band: stream.config.markBand))
        }
        benchmark.stopMeasurement()
    }
}

/// Mark updates with detection among a million accounts.
func detections() {
    Benchmark(
        "mark-update-detection-1000000-accounts",
        configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(20), maxIterations: 10)
    ) { benchmark in
        // A mark update runs the detection and the margin-state transitions itself; each sample
        // measures a thousand of them on its own million accounts.
        var venue = WorkloadEngine.perpVenue(accounts: 1_000_000)
        // Indexes all rows once.
        venue.run(.setMarkPrice(market: MarketID(1), mark: WorkloadEngine.jitteredMark(0), index: nil))
        var tick: Int64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            tick += 1
            blackHole(
                venue.run(.setMarkPrice(market: MarketID(1), mark: WorkloadEngine.jitteredMark(tick), index: nil)))
        }
        benchmark.stopMeasurement()
        withExtendedLifetime(venue) {}
    }

    Benchmark(
        "mark-update-detection-1000000-accounts-walk",
        configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(20), maxIterations: 10)
    ) { benchmark in
        // The same update along bench_perp_mtm.py's price path (a random walk of ±0.01 % steps
        // from 60,000), the path its liqprice_index peer looks up.
        var venue = WorkloadEngine.perpVenue(accounts: 1_000_000)
        var random = SplitMix64(seed: 99)
        var price = 60_000.0
        let marks: [Price] = (0...benchmark.scaledIterations.count).map { _ in
            price *= 1 + 0.0001 * (random.unit() * 2 - 1)
            return Price(atoms: max(1, Int64(price * 10)) * 10_000_000)
        }
        venue.run(.setMarkPrice(market: MarketID(1), mark: marks[0], index: nil))  // indexes every row once
        benchmark.startMeasurement()
        for mark in marks.dropFirst() {
            blackHole(venue.run(.setMarkPrice(market: MarketID(1), mark: mark, index: nil)))
        }
        benchmark.stopMeasurement()
        withExtendedLifetime(venue) {}
    }
}
