import SolventCore
import SolventProofs
import SolventRandom
import SolventRisk
import SolventStore  // the commitment on every core
import SolventTestSupport

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Times Solvent's hot paths and prints one `RESULT` line per measurement in the format of
/// ../shared/bench (common.py), so `summarize.py --vs` can set them beside the numpy baselines
/// measured in the same sitting. Progress goes to stderr.
///   swift run -c release solvent-perf [--accounts 1000000] [--repeats 5]

func seconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Progress on stderr (fd 2), so stdout carries only RESULT lines.
func progress(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
}

func report(bench: String, impl: String, sizes: [(String, Int)], times: [Double], units: Double, unit: String) {
    let sorted = times.sorted()
    let median = sorted[sorted.count / 2]
    let fields: [String] =
        ["bench=\(bench)", "impl=\(impl)"] + sizes.map { "\($0.0)=\($0.1)" } + [
            "repeats=\(times.count)", "min_s=\(sorted.first!)", "median_s=\(median)", "max_s=\(sorted.last!)",
            "unit=\(unit)", "units_per_run=\(Int(units))", "per_sec_median=\(units / median)",
            "ns_per_unit_median=\(median / units * 1e9)", "spread=\(sorted.last! / sorted.first!)",
        ]
    print("RESULT " + fields.joined(separator: " "))
    fflush(nil)
}

var accounts = 1_000_000
var repeats = 5
var fillCount = 1_000_000
var only: String? = nil
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--accounts": accounts = Int(arguments.next() ?? "") ?? accounts
    case "--repeats": repeats = Int(arguments.next() ?? "") ?? repeats
    case "--fills": fillCount = Int(arguments.next() ?? "") ?? fillCount
    case "--only": only = arguments.next()
    default:
        progress(
            "usage: solvent-perf [--accounts N] [--fills N] [--repeats R] [--only fills|cross|models|scan|oracle|detect|crash|options|scenario|hvar|commit]"
        )
        exit(2)
    }
}

@MainActor func wanted(_ name: String) -> Bool { only == nil || only == name }

// 1. Fills applied in memory by the engine (no journal), 1,000 funded accounts.
if wanted("fills") {
    var venue = WorkloadEngine()
    venue.standardVenue()
    venue.fundedAccounts(1_000, usdt: 10_000_000)
    var stream = FillStream(accounts: 1_000)
    let count = fillCount
    var commands: [Command] = []
    commands.reserveCapacity(count)
    for _ in 0..<count { commands.append(stream.next()) }
    var times: [Double] = []
    for run in 0..<repeats {
        var copy = venue
        let start = seconds()
        var rejected = 0
        for command in commands where copy.run(command).rejection != nil { rejected += 1 }
        times.append(seconds() - start)
        precondition(rejected == 0, "fills were rejected: \(rejected)")
        progress("apply_fill run \(run + 1)/\(repeats): \(Int(Double(count) / times.last!)) fills/s")
    }
    report(
        bench: "apply_fill", impl: "solvent_engine", sizes: [("N", count)], times: times, units: Double(count),
        unit: "fill")
}

// 2. Re-margin one cross account with 10 positions (10 markets).
/// Times `iterations` cross-pool re-margins of one account, `repeats` runs.
@MainActor func remarginTimes(_ engine: Engine, _ account: Account, iterations: Int) -> [Double] {
    var times: [Double] = []
    var sink: Int64 = 0
    for _ in 0..<repeats {
        let start = seconds()
        for _ in 0..<iterations {
            if case .success(let pool) = engine.crossPool(of: account) { sink &+= pool.maintenance }
        }
        times.append(seconds() - start)
    }
    precondition(sink != 0, "no requirement computed")
    return times
}

if wanted("cross") {
    var venue = WorkloadEngine()
    let account = venue.crossAccount(positions: 10)
    let iterations = 200_000
    let times = remarginTimes(venue.engine, account, iterations: iterations)
    report(
        bench: "remargin_cross_10_positions", impl: "solvent_engine", sizes: [("N", iterations)], times: times,
        units: Double(iterations), unit: "account")
}

// 2b. Re-margin one options account (two perpetuals, a call and a put on the first) under each
//     margin model: the cost of an exact re-check of a holder when its underlying moves.
if wanted("models") {
    for model in [AccountMarginModel.standard, .portfolio, .span, .greeks, .historicalVaR, .normalVaR, .monteCarloVaR] {
        var venue = WorkloadEngine()
        let account = venue.optionAccount(model: model)
        let iterations = model == .standard || model == .greeks ? 100_000 : 2_000
        let times = remarginTimes(venue.engine, account, iterations: iterations)
        report(
            bench: "remargin_option_account", impl: "solvent_\(model.rawValue)",
            sizes: [("N", iterations), ("positions", 4)], times: times,
            units: Double(iterations), unit: "account")
    }
}

// 3. Re-margin `accounts` single-position accounts after one mark move, by full scan.
if wanted("scan") {
    progress("building \(accounts) accounts (the bench_perp_mtm.py population)...")
    let buildStart = seconds()
    var venue = WorkloadEngine()
    venue.standardVenue(tiers: WorkloadEngine.twoTiers)
    venue.perpPopulation(accounts: accounts, seed: 12_345)
    progress("built in \(Int(seconds() - buildStart)) s")
    var random = SplitMix64(seed: 99)
    var price = 60_000.0
    var times: [Double] = []
    var hits = 0
    for run in 0..<(repeats + 1) {
        price *= 1 + 0.0001 * (random.unit() * 2 - 1)
        let mark = Price(atoms: Int64(price * 10).clamped() * 10_000_000)
        let start = seconds()
        venue.run(.setMarkPrice(market: MarketID(1), mark: mark, index: nil))
        let found = venue.engine.scanMaintenance(market: MarketID(1))
        let elapsed = seconds() - start
        if run > 0 { times.append(elapsed) }  // the first tick warms the caches, as numpy's warmup
        hits = found.count
        progress("perp_mtm_tick run \(run): \(elapsed * 1e3) ms, \(found.count) accounts at or beyond margin call")
    }
    report(
        bench: "perp_mtm_tick", impl: "solvent_scan", sizes: [("N", accounts)], times: times,
        units: Double(accounts), unit: "account")
    progress("accounts at or beyond margin call on the last tick: \(hits)")

    // The indexed path: the same moves; a mark update visits only the positions whose
    // trigger it reached.
    var indexedTimes: [Double] = []
    var indexedHits = 0
    for run in 0..<(repeats * 20 + 1) {
        price *= 1 + 0.0001 * (random.unit() * 2 - 1)
        let mark = Price(atoms: Int64(price * 10).clamped() * 10_000_000)
        // A mark update runs detection (trigger index + exact re-check) and the margin-state
        // transitions in its plan: time the whole update.
        let start = seconds()
        venue.run(.setMarkPrice(market: MarketID(1), mark: mark, index: nil))
        let elapsed = seconds() - start
        if run > 0 { indexedTimes.append(elapsed) }
        let found = venue.engine.detectCrossings(market: MarketID(1))
        indexedHits = found.count
        precondition(
            found == venue.engine.scanMaintenance(market: MarketID(1)), "indexed detection differs from the scan")
    }
    report(
        bench: "perp_detect_tick", impl: "solvent_trigger_index", sizes: [("N", accounts)], times: indexedTimes,
        units: 1, unit: "tick")
    do {
        let t0 = seconds()
        let splitRuns = getenv("SOLVENT_SPLIT_RUNS").flatMap { Int(String(cString: $0)) } ?? 100
        for _ in 0..<splitRuns {
            venue.run(
                .setMarkPrice(
                    market: MarketID(1), mark: Price(atoms: Int64(price * 10).clamped() * 10_000_000), index: nil))
        }
        let t1 = seconds()
        var n = 0
        for _ in 0..<100 { n &+= venue.engine.detectionCandidateCount(market: MarketID(1)) }
        let t2 = seconds()
        for _ in 0..<100 { n &+= venue.engine.detectCrossings(market: MarketID(1)).count }
        let t3 = seconds()
        progress(
            "split: set mark \((t1 - t0) * 1e6 / Double(splitRuns)) µs, index lookup \((t2 - t1) * 1e4) µs, detect \((t3 - t2) * 1e4) µs (\(n))"
        )
    }
    progress(
        "indexed detection: \(indexedHits) accounts at or beyond margin call on the last tick, \(venue.engine.detectionCandidateCount(market: MarketID(1))) candidates checked exactly"
    )
}

extension Int64 {
    func clamped() -> Int64 { Swift.max(1, self) }
}

// 4. Index and mark from 16 sources: the aggregation itself, and the whole engine update
//    (index, mark, basis EMA, breakers, events).
if wanted("oracle") {
    var stream = OracleStream()
    let now = Timestamp(seconds: 1_700_000_000)
    let batches = (0..<1_000).map { _ in stream.samples(at: now) }
    let iterations = 200_000
    var times: [Double] = []
    var sink: Int64 = 0
    for _ in 0..<repeats {
        let start = seconds()
        for i in 0..<iterations {
            let result = IndexAggregator.aggregate(batches[i % batches.count], config: stream.config, now: now)
            sink &+= MarkPrice.compute(
                index: result.index!.atoms, basis: 1.5e8, last: 6_000_100_000_000, mid: nil,
                band: stream.config.markBand)
        }
        times.append(seconds() - start)
    }
    precondition(sink != 0)
    report(
        bench: "oracle_index_mark_16_sources", impl: "solvent_aggregator", sizes: [("N", iterations)], times: times,
        units: Double(iterations), unit: "update")

    var venue = WorkloadEngine()
    venue.standardVenue()
    venue.run(.configureOracle(market: MarketID(1), stream.config))
    let updates = 100_000
    times = []
    for _ in 0..<repeats {
        var copy = venue
        let start = seconds()
        for i in 0..<updates {
            copy.time += 1_000_000
            let samples = batches[i % batches.count].map {
                OracleSample(source: $0.source, price: $0.price, time: Timestamp(nanoseconds: copy.time))
            }
            precondition(
                copy.run(
                    .updateOracle(
                        market: MarketID(1), samples: samples, last: Price(atoms: 6_000_100_000_000), mid: nil)
                ).rejection == nil)
        }
        times.append(seconds() - start)
    }
    report(
        bench: "oracle_engine_update_16_sources", impl: "solvent_engine", sizes: [("N", updates)], times: times,
        units: Double(updates), unit: "update")
}

// 4b. Mark moves that make few accounts cross (the indexed path): a population
//     at 60,000, the mark alternating with 60,000 − step (1 USDT: −0.0017 %; 10 USDT: −0.017 %),
//     so that each update flags or clears the pools between the two; every update runs detection
//     and the state changes, and thousands of pools stay flagged in margin call throughout.
for step in ["1", "10"] where wanted("detect") {
    var venue = WorkloadEngine.riskVenue(accounts: accounts)
    venue.run(.setMarkPrice(market: MarketID(1), mark: Price("60000")!, index: nil))  // indexes every row once
    // Flagged rows re-indexed by state.
    venue.run(.setMarkPrice(market: MarketID(1), mark: Price("60000")!, index: nil))
    let low = Price(atoms: Price("60000")!.atoms - Price(step)!.atoms)
    var times: [Double] = []
    var changes = 0
    let updates = max(200, repeats * 200)
    for i in 0..<updates {
        let start = seconds()
        let outcome = venue.run(
            .setMarkPrice(market: MarketID(1), mark: i % 2 == 0 ? low : Price("60000")!, index: nil))
        times.append(seconds() - start)
        changes += outcome.events.count - 1
    }
    progress(
        "mark 60,000 ↔ \(low) over \(accounts) accounts: \(Double(changes) / Double(updates)) state changes per update; \(venue.engine.alerts.count) pools flagged"
    )
    report(
        bench: "perp_few_cross_tick", impl: "solvent_trigger_index",
        sizes: [("N", accounts), ("step_usd", Int(step)!)], times: times,
        units: 1, unit: "tick")
}

// 5. A 10 % move through a population of `accounts`: the mark update (detection and
//    margin-state events), then one liquidation step for every pool it put in liquidation.
//    The population (isolated and cross, 1–100x) first, then the numpy bench's (cross,
//    1–25x uniform), where the same move liquidates a third of the accounts.
for (label, allocation, population) in [
    ("venue", LiquidationParameters.LossAllocation.venue, "risk"),
    ("adl", .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 64), "risk"),
    ("venue_numpy_population", .venue, "numpy"),
]
where wanted("crash") {
    // Each repetition on a freshly built population (at most 3: building 1M accounts takes seconds).
    var times: [Double] = []
    var steps = 0
    for _ in 0..<min(3, repeats) {
        var venue =
            population == "risk"
            ? WorkloadEngine.riskVenue(accounts: accounts) : WorkloadEngine.perpVenue(accounts: accounts)
        venue.run(
            .configureLiquidation(
                market: MarketID(1),
                LiquidationParameters(
                    depth: .squareRoot(depth: 1_000_000_000_000_000, coefficient: Rate("0.01")!),
                    penaltyRate: Rate("0.005")!,
                    clearanceFeeRate: Rate("0.001")!, target: .maintenancePlusBuffer(Rate("0.1")!),
                    stepFraction: Rate("0.5")!,
                    dustNotional: 100_000_000, lossAllocation: allocation)))
        venue.run(.setMarkPrice(market: MarketID(1), mark: Price("60000")!, index: nil))  // indexes every row once
        let start = seconds()
        let outcome = venue.run(.setMarkPrice(market: MarketID(1), mark: Price("54000")!, index: nil))
        let detected = seconds()
        steps = 0
        var refused = 0
        // The sequencer's order: the pools the update put in liquidation, worst first (the events' order).
        for case .marginStateChanged(let change) in outcome.events where change.to == .liquidating {
            if venue.run(.liquidate(account: change.pool.account, market: MarketID(1))).rejection == nil {
                steps += 1
            } else {
                refused += 1
            }
        }
        let done = seconds()
        times.append(done - start)
        let flagged = outcome.events.filter { if case .marginStateChanged = $0 { true } else { false } }.count
        progress(
            "[\(label)] 10 % move over \(accounts) accounts: mark update with detection \((detected - start) * 1e3) ms (\(flagged) state changes), \(steps) liquidation steps in \((done - detected) * 1e3) ms (\(refused) refused)"
        )
    }
    report(
        bench: "crash_10pct_move", impl: "solvent_engine_\(label)", sizes: [("N", accounts), ("steps", steps)],
        times: times,
        units: Double(max(1, steps)), unit: "step")
}

// 6. Option pricing: price + Greeks, and implied volatility, over the population of
//    ../shared/bench/bs_kernels.py (S ≈ 100, K/S log-uniform in 0.6–1.6, 1–365 days, σ 0.2–1.5,
//    r and q 0–8 %), one scalar call per option.
if wanted("options") {
    var random = SplitMix64(seed: 12_345)
    let count = 1_000_000
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
    var times: [Double] = []
    var sink = 0.0
    for _ in 0..<repeats {
        let start = seconds()
        for option in options {
            let v = BlackScholes.valuation(option)
            sink += v.price + v.delta + v.gamma + v.vega + v.theta + v.rho
        }
        times.append(seconds() - start)
    }
    precondition(sink.isFinite)
    report(
        bench: "bs_price_greeks", impl: "solvent_scalar", sizes: [("N", count)], times: times, units: Double(count),
        unit: "option")
    // The SIMD batch path over the same options (structure of arrays, built outside the timing).
    let batch = OptionBatch(options)
    var valuations = ValuationBatch(count: count)
    times = []
    for _ in 0..<repeats {
        let start = seconds()
        BatchPricing.valuate(batch, into: &valuations)
        times.append(seconds() - start)
        sink += valuations.price[count / 2]
    }
    report(
        bench: "bs_price_greeks", impl: "solvent_batch", sizes: [("N", count)], times: times, units: Double(count),
        unit: "option")
    // Price and the four Greeks the numpy baseline computes (delta, gamma, vega, theta): rho
    // not written.
    var fourGreeks = ValuationBatch(count: count, includesRho: false)
    times = []
    for _ in 0..<repeats {
        let start = seconds()
        BatchPricing.valuate(batch, into: &fourGreeks)
        times.append(seconds() - start)
        sink += fourGreeks.price[count / 2]
    }
    report(
        bench: "bs_price_greeks", impl: "solvent_batch_4greeks", sizes: [("N", count)], times: times,
        units: Double(count), unit: "option")
    // The same kernel with its arrays in cache (2,048 options, as ../shared/bench/c/transc.c
    // measures libmvec's loop): the compute cost alone, apart from DRAM traffic.
    let small = OptionBatch(Array(options.prefix(2_048)))
    var smallOut = ValuationBatch(count: small.count)
    times = []
    for _ in 0..<repeats {
        let start = seconds()
        for _ in 0..<500 { BatchPricing.valuate(small, into: &smallOut) }
        times.append(seconds() - start)
        sink += smallOut.price[1_000]
    }
    report(
        bench: "bs_price_greeks", impl: "solvent_batch_in_cache", sizes: [("N", small.count)], times: times,
        units: Double(small.count * 500), unit: "option")
    let ivCount = 100_000
    let prices = options.prefix(ivCount).map { BlackScholes.price($0) }
    times = []
    var solved = 0
    for _ in 0..<repeats {
        solved = 0
        let start = seconds()
        for index in 0..<ivCount {
            if case .success(let volatility) = ImpliedVolatility.solve(price: prices[index], option: options[index]) {
                sink += volatility; solved += 1
            }
        }
        times.append(seconds() - start)
    }
    progress("implied volatility: \(solved) of \(ivCount) solved")
    report(
        bench: "implied_vol", impl: "solvent_scalar", sizes: [("N", ivCount)], times: times, units: Double(ivCount),
        unit: "option")
    // The SIMD batch solver over the same options and prices.
    let ivBatch = OptionBatch(Array(options.prefix(ivCount)))
    times = []
    var unsolved = 0
    var work = (vector: 0, scalar: 0)
    for _ in 0..<repeats {
        let start = seconds()
        let output = ImpliedVolatilityBatch.solve(prices: prices, options: ivBatch)
        times.append(seconds() - start)
        unsolved = output.failures.count
        work = (output.vectorSteps, output.scalarSolves)
        sink += output.volatility[ivCount / 2]
    }
    progress(
        "implied volatility (batch): \(ivCount - unsolved) of \(ivCount) solved; \(work.vector) eight-lane evaluations (\(Double(work.vector * 8) / Double(ivCount)) per option), \(work.scalar) by the scalar solver"
    )
    report(
        bench: "implied_vol", impl: "solvent_batch", sizes: [("N", ivCount)], times: times, units: Double(ivCount),
        unit: "option")
}

// 7. Scenario margin on ../shared/bench/bench_scenario_margin.py's problem: a chain of
//    13 expiries × 36 strikes × call/put with a smile, 10,000 portfolios of 20 distinct contracts
//    plus a perpetual, 21 moves (±16 %) × 3 volatility shocks; each run revalues the chain (risk
//    array) and aggregates every portfolio.
if wanted("scenario") {
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
    let portfolios = 10_000
    let positions = 20
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
    let grid = ScenarioGrid.uniform(moves: 21, maxMove: 0.16, volatilityShocks: [-0.25, 0, 0.25])
    var times: [Double] = []
    var arrayTimes: [Double] = []
    var sink = 0.0
    for _ in 0..<max(5, repeats) {
        let start = seconds()
        let array = ScenarioMargin.riskArray(contracts: chain, grid: grid)
        let built = seconds()
        let margins = ScenarioMargin.margins(book, riskArray: array)
        times.append(seconds() - start)
        arrayTimes.append(built - start)
        sink += margins[0]
    }
    precondition(sink.isFinite)
    progress(
        "scenario margin: risk array of \(chain.count) contracts × \(grid.scenarios.count) scenarios in \(arrayTimes.sorted()[arrayTimes.count / 2] * 1e3) ms (median)"
    )
    report(
        bench: "scenario_margin", impl: "solvent_riskarray",
        sizes: [("P", portfolios), ("K", positions), ("S", grid.scenarios.count)],
        times: times, units: Double(portfolios * (positions + 1) * grid.scenarios.count), unit: "position_scenario")
}

// 8. Historical VaR and ES on ../shared/bench/bench_hvar.py's problem: 100,000 linear
//    portfolios × 1,000 scenarios × 5 assets, 99 % (k = 10 tail scenarios). Returns are Student-t
//    (3 dof, ~4 % daily), correlated 0.6, as the baseline draws them; holdings N(0, 1e5).
if wanted("hvar") {
    var random = SplitMix64(seed: 2_024)
    let portfolios = 100_000, history = 1_000, assets = 5
    func studentT3(_ random: inout SplitMix64) -> Double {
        // t(3) = Z / sqrt(χ²₃ / 3)
        let z = random.boxMullerNormal()
        var chi = 0.0
        for _ in 0..<3 { let g = random.boxMullerNormal(); chi += g * g }
        return z / (chi / 3).squareRoot()
    }
    var factor = [Double](repeating: 0, count: history)
    for h in 0..<history { factor[h] = studentT3(&random) }
    var returns = [Double](repeating: 0, count: assets * history)
    for a in 0..<assets {
        for h in 0..<history {
            returns[a * history + h] =
                (0.6.squareRoot() * factor[h] + 0.4.squareRoot() * studentT3(&random)) * 0.04 / 3.0.squareRoot()
        }
    }
    let holdings = (0..<(portfolios * assets)).map { _ in random.boxMullerNormal() * 1e5 }
    let scenarios = HistoricalVaRBatch.Scenarios(assets: assets, history: history, returns: returns)
    var times: [Double] = []
    var sink = 0.0
    for _ in 0..<max(5, repeats) {
        let start = seconds()
        let (v, e) = HistoricalVaRBatch.evaluate(holdings: holdings, scenarios: scenarios, confidence: 0.99)
        times.append(seconds() - start)
        sink += v[0] + e[portfolios - 1]
    }
    precondition(sink.isFinite)
    report(
        bench: "hist_var_es", impl: "solvent_tail_select", sizes: [("P", portfolios), ("H", history), ("A", assets)],
        times: times, units: Double(portfolios), unit: "portfolio")
}

// 9. Verifiable margin: the Merkle-sum commitment to `accounts` accounts (the
//    issue's population), one proof generated, one verified (the verifier rebuilds the margin).
if wanted("commit") {
    progress("building \(accounts) accounts for the commitment...")
    var venue = WorkloadEngine.riskVenue(accounts: accounts)
    venue.run(.setMarkPrice(market: MarketID(1), mark: Price("59000")!, index: nil))
    let engine = venue.engine
    let secret = [UInt8](repeating: 42, count: 32)
    var times: [Double] = []
    var withDigest: [Double] = []
    var commitment: AccountCommitment? = nil
    for _ in 0..<min(3, max(1, repeats)) {
        // The tree alone (the snapshot has the state digest already), then with the digest.
        let digestStart = seconds()
        let digest = engine.digestHex()
        let digestTime = seconds() - digestStart
        let start = seconds()
        commitment = try! engine.commitment(secret: secret, stateDigest: digest, parallel: .cores)
        times.append(seconds() - start)
        withDigest.append(times.last! + digestTime)
    }
    report(
        bench: "commitment_tree", impl: "solvent_merkle_sum", sizes: [("N", accounts)], times: times,
        units: Double(accounts), unit: "account")
    report(
        bench: "commitment_tree_and_state_digest", impl: "solvent_merkle_sum", sizes: [("N", accounts)],
        times: withDigest, units: Double(accounts), unit: "account")
    let built = commitment!
    var random = SplitMix64(seed: 5)
    let sample = (0..<1_000).map { _ in AccountID(1 + random.next() % UInt64(accounts)) }
    var proofs: [MarginProof] = []
    var proofTimes: [Double] = []
    for id in sample {
        let start = seconds()
        proofs.append(engine.proof(of: id, commitment: built)!)
        proofTimes.append(seconds() - start)
    }
    report(
        bench: "margin_proof_generate", impl: "solvent", sizes: [("N", accounts)], times: proofTimes, units: 1,
        unit: "proof")
    var verifyTimes: [Double] = []
    var held = 0
    for proof in proofs {
        let start = seconds()
        if proof.verify(rootHash: built.root.hash).holds { held += 1 }
        verifyTimes.append(seconds() - start)
    }
    precondition(held == proofs.count, "every proof verifies")
    report(
        bench: "margin_proof_verify", impl: "solvent", sizes: [("N", accounts)], times: verifyTimes, units: 1,
        unit: "proof")
}
