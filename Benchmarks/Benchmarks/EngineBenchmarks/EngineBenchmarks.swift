import Benchmark
import SolventCore
import SolventTestSupport

/// package-benchmark suites of the engine's hot paths: wall clock, throughput and mallocs.
/// Run: `cd Benchmarks && swift package benchmark`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           maxDuration: .seconds(5), maxIterations: 100)

    Benchmark("Apply one fill (1,000 accounts)", configuration: .init(scalingFactor: .kilo)) { benchmark in
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

    Benchmark("Re-margin one cross account with 10 positions", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var venue = WorkloadEngine()
        let account = venue.crossAccount(positions: 10)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(venue.engine.crossPool(of: account)) }
        benchmark.stopMeasurement()
        withExtendedLifetime(venue) {}
    }

    Benchmark("Re-margin 1,000,000 single-position accounts by full scan",
              configuration: .init(maxDuration: .seconds(20), maxIterations: 10)) { benchmark in
        var venue = WorkloadEngine.perpVenue(accounts: 1_000_000)
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

    Benchmark("Index and mark from 16 sources", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var stream = OracleStream()
        let now = Timestamp(seconds: 1_700_000_000)
        let batches = (0..<100).map { _ in stream.samples(at: now) }
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let result = IndexAggregator.aggregate(batches[i % batches.count], config: stream.config, now: now)
            blackHole(MarkPrice.compute(index: result.index!.atoms, basis: 1.5e8, last: 6_000_100_000_000, mid: nil,
                                        band: stream.config.markBand))
        }
        benchmark.stopMeasurement()
    }

    Benchmark("Mark update with detection among 1,000,000 accounts (trigger index)",
              configuration: .init(maxDuration: .seconds(20), maxIterations: 1_000)) { benchmark in
        // A mark update runs the detection and the margin-state transitions itself.
        var venue = WorkloadEngine.perpVenue(accounts: 1_000_000)
        venue.run(.setMarkPrice(market: MarketID(1), mark: WorkloadEngine.jitteredMark(0), index: nil))   // indexes all rows once
        var tick: Int64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            tick += 1
            blackHole(venue.run(.setMarkPrice(market: MarketID(1), mark: WorkloadEngine.jitteredMark(tick), index: nil)))
        }
        benchmark.stopMeasurement()
        withExtendedLifetime(venue) {}
    }
}
