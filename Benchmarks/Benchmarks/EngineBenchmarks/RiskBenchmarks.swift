import Benchmark
import SolventRisk

/// Option pricing over the population of ../shared/bench/bs_kernels.py (one sample prices a
/// million options, or solves a hundred thousand implied volatilities), and the portfolio risk
/// measures on the problems of bench_scenario_margin.py and bench_hvar.py.
func optionPricing() {
    let configuration = Benchmark.Configuration(warmupIterations: 1, maxDuration: .seconds(30), maxIterations: 5)
    Benchmark("bs-price-greeks-1000000-options-scalar", configuration: configuration) { benchmark in
        let options = RiskWorkloads.options(count: 1_000_000)
        benchmark.startMeasurement()
        var sink = 0.0
        for option in options {
            let v = BlackScholes.valuation(option)
            sink += v.price + v.delta + v.gamma + v.vega + v.theta + v.rho
        }
        benchmark.stopMeasurement()
        blackHole(sink)
    }
    // The SIMD batch path (structure of arrays, built outside the timing): price and five
    // Greeks, then price and the four Greeks the numpy peer computes (no rho).
    for (name, rho) in [
        ("bs-price-greeks-1000000-options-batch", true), ("bs-price-4-greeks-1000000-options-batch", false),
    ] {
        Benchmark(name, configuration: configuration) { benchmark in
            let batch = OptionBatch(RiskWorkloads.options(count: 1_000_000))
            var valuations = ValuationBatch(count: batch.count, includesRho: rho)
            benchmark.startMeasurement()
            BatchPricing.valuate(batch, into: &valuations)
            benchmark.stopMeasurement()
            blackHole(valuations.price[batch.count / 2])
        }
    }
    // The same kernel with its arrays in cache (2,048 options, as ../shared/bench/c/transc.c
    // measures libmvec's loop): the compute cost alone, apart from memory traffic.
    Benchmark("bs-price-greeks-2048-options-in-cache", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let batch = OptionBatch(RiskWorkloads.options(count: 2_048))
        var valuations = ValuationBatch(count: batch.count)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { BatchPricing.valuate(batch, into: &valuations) }
        benchmark.stopMeasurement()
        blackHole(valuations.price[1_000])
    }
    Benchmark("implied-vol-100000-options-scalar", configuration: configuration) { benchmark in
        let options = RiskWorkloads.options(count: 100_000)
        let prices = options.map { BlackScholes.price($0) }
        benchmark.startMeasurement()
        var solved = 0
        for (price, option) in zip(prices, options) {
            if case .success(let volatility) = ImpliedVolatility.solve(price: price, option: option) {
                solved += 1
                blackHole(volatility)
            }
        }
        benchmark.stopMeasurement()
        precondition(solved > 90_000, "implied volatility solved for \(solved) of 100,000")
    }
    Benchmark("implied-vol-100000-options-batch", configuration: configuration) { benchmark in
        let options = RiskWorkloads.options(count: 100_000)
        let prices = options.map { BlackScholes.price($0) }
        let batch = OptionBatch(options)
        benchmark.startMeasurement()
        let output = ImpliedVolatilityBatch.solve(prices: prices, options: batch)
        benchmark.stopMeasurement()
        precondition(output.failures.count < 10_000, "\(output.failures.count) of 100,000 unsolved")
    }
}

func portfolioRisk() {
    // Each sample revalues the chain (risk array: 936 contracts × 63 scenarios) and aggregates
    // 10,000 portfolios of 20 contracts and a perpetual.
    Benchmark(
        "scenario-margin-10000-portfolios",
        configuration: .init(warmupIterations: 1, maxDuration: .seconds(30), maxIterations: 10)
    ) { benchmark in
        let (chain, book) = RiskWorkloads.scenarioBook()
        let grid = ScenarioGrid.uniform(moves: 21, maxMove: 0.16, volatilityShocks: [-0.25, 0, 0.25])
        benchmark.startMeasurement()
        let array = ScenarioMargin.riskArray(contracts: chain, grid: grid)
        let margins = ScenarioMargin.margins(book, riskArray: array)
        benchmark.stopMeasurement()
        blackHole(margins[0])
    }
    // Historical VaR and ES at 99 % (the ten worst of 1,000 scenarios) for 100,000 portfolios of
    // 5 assets.
    Benchmark(
        "historical-var-es-100000-portfolios",
        configuration: .init(warmupIterations: 1, maxDuration: .seconds(30), maxIterations: 10)
    ) { benchmark in
        let (holdings, scenarios) = RiskWorkloads.historicalVaR()
        benchmark.startMeasurement()
        let (value, shortfall) = HistoricalVaRBatch.evaluate(holdings: holdings, scenarios: scenarios, confidence: 0.99)
        benchmark.stopMeasurement()
        blackHole(value[0] + shortfall[shortfall.count - 1])
    }
}

/// The historical backtest of one underlying over 20,000 hourly periods with a short and a long
/// window: a period's cost must not grow with the window (the tail is read from a window kept
/// sorted as it slides).
func rollingBacktests() {
    for window in [250, 4_000] {
        Benchmark(
            "backtest-historical-20000-periods-window-\(window)",
            configuration: .init(warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 10)
        ) { benchmark in
            let (returns, exposures) = RiskWorkloads.backtest(periods: 20_000 + window)
            benchmark.startMeasurement()
            let series = RollingBacktest.run(
                returns: returns, exposures: exposures, model: .historical, window: window, confidence: 0.99)
            benchmark.stopMeasurement()
            blackHole(series.margins[series.margins.count - 1])
        }
    }
}
