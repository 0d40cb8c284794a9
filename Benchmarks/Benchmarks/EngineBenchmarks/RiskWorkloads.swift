import SolventRandom
import SolventRisk

/// The inputs of the risk-layer benchmarks, drawn as the numpy peers in ../shared/bench draw
/// theirs, so that a figure here and the peer's in the same run measure the same problem.
enum RiskWorkloads {
    /// ../shared/bench/bs_kernels.py's population: S ≈ 100, K/S log-uniform in 0.6–1.6, 1–365
    /// days, σ 0.2–1.5, r and q 0–8 %.
    static func options(count: Int, seed: UInt64 = 12_345) -> [EuropeanOption] {
        var random = SplitMix64(seed: seed)
        var options: [EuropeanOption] = []
        options.reserveCapacity(count)
        for _ in 0..<count {
            let spot = 100 * _exp(random.uniform(-0.05, 0.05))
            options.append(
                EuropeanOption(
                    right: random.next() & 1 == 0 ? .call : .put, spot: spot,
                    strike: spot * _exp(random.uniform(_log(0.6), _log(1.6))),
                    years: Double(1 + random.next() % 365) / 365, volatility: random.uniform(0.2, 1.5),
                    rate: random.uniform(0, 0.08), dividend: random.uniform(0, 0.08)))
        }
        return options
    }

    /// ../shared/bench/bench_scenario_margin.py's problem: a chain of 13 expiries × 36 strikes ×
    /// call/put with a smile, 10,000 portfolios of 20 distinct contracts plus a perpetual.
    static func scenarioBook(
        portfolios: Int = 10_000, positions: Int = 20
    ) -> (
        chain: [EuropeanOption], book: ScenarioMargin.Book
    ) {
        var random = SplitMix64(seed: 777)
        let spot = 100.0
        var chain: [EuropeanOption] = []
        for days in [1.0, 2, 3, 7, 14, 21, 30, 60, 90, 120, 180, 270, 365] {
            let t = days / 365
            for index in 0..<36 {
                let moneyness = _exp(_log(0.5) + (_log(2.0) - _log(0.5)) * Double(index) / 35)
                let lm = _log(moneyness)
                let sigma = min(max(0.55 + 0.25 * abs(lm) / t.squareRoot().squareRoot() + 0.05 * lm, 0.2), 2.5)
                for right in [OptionRight.call, .put] {
                    chain.append(
                        EuropeanOption(
                            right: right, spot: spot, strike: spot * moneyness, years: t, volatility: sigma,
                            rate: 0.03, dividend: 0.03))
                }
            }
        }
        var offsets = [0]
        var contracts: [Int32] = []
        var quantities: [Double] = []
        var linear: [Double] = []
        for _ in 0..<portfolios {
            var picked = Set<Int32>()
            while picked.count < positions { picked.insert(Int32(random.next() % UInt64(chain.count))) }
            for contract in picked.sorted() {
                contracts.append(contract)
                quantities.append(random.uniform(0.1, 10) * (random.next() & 1 == 0 ? 1 : -1))
            }
            offsets.append(contracts.count)
            linear.append(random.uniform(-50, 50))
        }
        let book = ScenarioMargin.Book(
            offsets: offsets, contracts: contracts, quantities: quantities, linear: linear, spot: spot)
        return (chain, book)
    }

    /// ../shared/bench/bench_hvar.py's problem: `portfolios` linear portfolios × `history`
    /// scenarios × `assets` assets; returns Student-t (3 degrees of freedom, ~4 % daily),
    /// correlated 0.6 through one factor; holdings N(0, 1e5).
    static func historicalVaR(
        portfolios: Int = 100_000, history: Int = 1_000, assets: Int = 5
    ) -> (
        holdings: [Double], scenarios: HistoricalVaRBatch.Scenarios
    ) {
        var random = SplitMix64(seed: 2_024)
        func studentT3(_ random: inout SplitMix64) -> Double {
            // t(3) = Z / sqrt(χ²₃ / 3)
            let z = random.boxMullerNormal()
            var chi = 0.0
            for _ in 0..<3 {
                let g = random.boxMullerNormal()
                chi += g * g
            }
            return z / (chi / 3).squareRoot()
        }
        let factor = (0..<history).map { _ in studentT3(&random) }
        var returns = [Double](repeating: 0, count: assets * history)
        for a in 0..<assets {
            for h in 0..<history {
                returns[a * history + h] =
                    (0.6.squareRoot() * factor[h] + 0.4.squareRoot() * studentT3(&random)) * 0.04 / 3.0.squareRoot()
            }
        }
        let holdings = (0..<(portfolios * assets)).map { _ in random.boxMullerNormal() * 1e5 }
        return (holdings, HistoricalVaRBatch.Scenarios(assets: assets, history: history, returns: returns))
    }

    /// A rolling backtest's inputs: `periods` hourly log returns of one underlying (normal, 1 %
    /// an hour, seeded) and a long of one unit at a price that follows them from 60,000.
    static func backtest(periods: Int) -> (returns: [[Double]], exposures: [[Double]]) {
        var random = SplitMix64(seed: 77)
        var price = 60_000.0
        var returns: [[Double]] = [], exposures: [[Double]] = []
        for _ in 0..<periods {
            exposures.append([price])
            let r = random.boxMullerNormal() * 0.01
            returns.append([r])
            price *= 1 + r
        }
        return (returns, exposures)
    }
}
