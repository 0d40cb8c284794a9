/// Implied volatilities of many options at once, sixteen lanes per step: the scalar solver's
/// method (`ImpliedVolatility.solve`: the out-of-the-money option on the forward, Halley's
/// method on the log of its undiscounted price in the total deviation s = σ√T, inside a bracket
/// every evaluation narrows, Newton then bisection or doubling when a step would leave it) on
/// SIMD registers, with the table-free normal (`MillsRatio`) and one density per evaluation.
/// A lane stops once its step is below 1e-11 of s: Halley's cubic convergence leaves it exact to
/// the normal's rounding; the start is the scalar solver's (four evaluations on the benchmark's
/// population). Lanes with invalid input, a price outside (intrinsic, maximum), a
/// zero out-of-the-money price, or no convergence in 60 steps go through the scalar solver and
/// get its answer — its error where no volatility fits, never NaN. Tested equal to the scalar
/// solver within 1e-9 in volatility on well-posed options.
public enum ImpliedVolatilityBatch {
    public struct Output: Sendable {
        /// The implied volatility of each option; 0 where `failures` names the index.
        public var volatility: [Double]
        /// The options no volatility fits (or with invalid input), in index order.
        public var failures: [(index: Int, failure: ImpliedVolatility.Failure)]
        /// Vector evaluations (eight lanes each) and options handed to the scalar solver: the
        /// work done, for benchmarks.
        public var vectorSteps: Int
        public var scalarSolves: Int
    }

    /// The volatility at which each `batch` option (its own volatility ignored) is worth `prices[i]`.
    public static func solve(prices: [Double], options batch: OptionBatch) -> Output {
        precondition(prices.count == batch.count, "one price per option")
        let count = batch.count
        var volatility = [Double](repeating: 0, count: count)
        var scalarLanes: [Int] = []
        var vectorSteps = 0
        let full = count / 16 * 16
        func load(_ array: UnsafeBufferPointer<Double>, _ at: Int) -> Wide.Lanes {
            UnsafeRawPointer(array.baseAddress! + at).loadUnaligned(as: Wide.Lanes.self)
        }
        prices.withUnsafeBufferPointer { price in
            batch.sign.withUnsafeBufferPointer { sign in
                batch.spot.withUnsafeBufferPointer { spot in
                    batch.strike.withUnsafeBufferPointer { strike in
                        batch.years.withUnsafeBufferPointer { years in
                            batch.rate.withUnsafeBufferPointer { rate in
                                batch.dividend.withUnsafeBufferPointer { dividend in
                                    volatility.withUnsafeMutableBufferPointer { out in
                                        MillsRatio.shared.polynomial.withUnsafeBufferPointer { mills in
                                            let coefficients = mills.baseAddress!
                                            var at = 0
                                            while at < full {
                                                let w = load(sign, at), s0 = load(spot, at), k = load(strike, at),
                                                    t = load(years, at)
                                                let r = load(rate, at), q = load(dividend, at), p = load(price, at)
                                                let discount = Wide.exp(-r * t)
                                                let forward = s0 * Wide.exp(-q * t) / discount
                                                let intrinsic = Wide.maximum(Lanes.zero, w * (forward - k))
                                                let undiscounted = p / discount
                                                let maximum = forward.replacing(with: k, where: w .< 0)
                                                let otm = undiscounted - intrinsic
                                                // Anything the fast path does not handle exactly as the scalar solver would.
                                                // (Comparisons are false for NaN, so non-finite input lands here too.)
                                                let infinity = Lanes(repeating: .infinity)
                                                let positive: SIMDMask<SIMD16<Int64>> =
                                                    (s0 .> 0) .& (k .> 0) .& (t .> 0) .& (p .>= 0)
                                                let inside: SIMDMask<SIMD16<Int64>> =
                                                    (otm .> 0) .& (undiscounted .< maximum)
                                                let finite: SIMDMask<SIMD16<Int64>> =
                                                    (s0 .< infinity) .& (k .< infinity) .& (t .< infinity)
                                                    .& (p .< infinity)
                                                let finiteRates: SIMDMask<SIMD16<Int64>> =
                                                    (Wide.magnitude(r) .< infinity) .& (Wide.magnitude(q) .< infinity)
                                                let valid = positive .& inside .& finite .& finiteRates
                                                let done = .!valid
                                                let safeForward = forward.replacing(with: 1, where: done)
                                                let safeStrike = k.replacing(with: 1, where: done)
                                                let safeOtm = otm.replacing(with: 0.1, where: done)
                                                // θ = +1 where the out-of-the-money option is the call (K ≥ F), −1 for the put.
                                                let theta = Lanes(repeating: -1).replacing(
                                                    with: 1, where: safeStrike .>= safeForward)
                                                let logMoneyness = Wide.log(safeForward / safeStrike)
                                                let target = Wide.log(safeOtm)
                                                let ratio = safeForward / safeStrike
                                                // The scalar solver's start (`ImpliedVolatility.initialDeviation`), lane by lane.
                                                let slopeStart = 2.506_628_274_631_000_502_4 * safeOtm / safeForward
                                                let normalized = safeOtm / Wide.squareRoot(safeForward * safeStrike)
                                                let tailStart =
                                                    (Wide.magnitude(logMoneyness)
                                                    / Wide.squareRoot(-2 * Wide.log(normalized)))
                                                    .replacing(with: 0, where: normalized .>= 1)
                                                var search = Search(
                                                    s: Wide.clamp(Wide.maximum(slopeStart, tailStart), 1e-3, 10),
                                                    done: done)
                                                let problem = Problem(
                                                    forward: safeForward, strike: safeStrike, otm: safeOtm,
                                                    theta: theta,
                                                    logMoneyness: logMoneyness, target: target, ratio: ratio)
                                                var steps = 0
                                                while !all(search.done) && steps < 60 {
                                                    steps += 1
                                                    vectorSteps += 2  // in units of eight lanes
                                                    step(&search, problem, coefficients: coefficients)
                                                }
                                                let result = search.result
                                                let solved = valid .& (result .> 0)
                                                let answer = (result / Wide.squareRoot(t)).replacing(
                                                    with: 0, where: .!solved)
                                                UnsafeMutableRawPointer(out.baseAddress! + at).storeBytes(
                                                    of: answer, as: Wide.Lanes.self)
                                                if !all(solved) {
                                                    for lane in 0..<16 where !solved[lane] {
                                                        scalarLanes.append(at + lane)
                                                    }
                                                }
                                                at += 16
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for index in full..<count { scalarLanes.append(index) }
        var failures: [(index: Int, failure: ImpliedVolatility.Failure)] = []
        for index in scalarLanes {
            switch ImpliedVolatility.solve(price: prices[index], option: batch[index]) {
            case .success(let value): volatility[index] = value
            case .failure(let failure):
                volatility[index] = 0
                failures.append((index, failure))
            }
        }
        return Output(
            volatility: volatility, failures: failures, vectorSteps: vectorSteps, scalarSolves: scalarLanes.count)
    }

    typealias Lanes = SIMD16<Double>

    /// Eight lanes' fixed inputs (out-of-the-money option on the forward, undiscounted).
    struct Problem {
        var forward: Lanes
        var strike: Lanes
        var otm: Lanes
        /// +1 where the out-of-the-money option is the call, −1 for the put.
        var theta: Lanes
        var logMoneyness: Lanes
        /// log of the out-of-the-money price.
        var target: Lanes
        /// F/K: φ(d₂) = φ(d₁)·F/K.
        var ratio: Lanes
    }

    /// Eight lanes' search state: the iterate, the bracket, the accepted answers.
    struct Search {
        var s: Lanes
        var low = Lanes.zero
        var high = Lanes(repeating: .infinity)
        var result = Lanes.zero
        var done: SIMDMask<SIMD16<Int64>>
        init(s: Lanes, done: SIMDMask<SIMD16<Int64>>) {
            self.s = s
            self.done = done
        }
    }

    /// One evaluation and step on eight lanes. Out of line on purpose: inlined into the batch
    /// loop, LLVM's SLP vectorizer cut this mask-heavy code into 128-bit pieces (seen in the
    /// machine code); alone it compiles to full-width vectors.
    @inline(never)
    static func step(_ search: inout Search, _ problem: Problem, coefficients: UnsafePointer<Double>) {
        let s = search.s
        let d1 = problem.logMoneyness / s + 0.5 * s
        let d2 = d1 - s
        let density = Wide.normalDensity(d1)
        let (n1, n2) = Wide.cumulativeNormal(
            problem.theta * d1, density: density, problem.theta * d2,
            density: density * problem.ratio, coefficients: coefficients)
        let value = problem.theta * (problem.forward * n1 - problem.strike * n2)
        let slope = problem.forward * density
        let above = value .> problem.otm
        search.high.replace(with: s, where: above)
        search.low.replace(with: s, where: .!above)
        let (low, high) = (search.low, search.high)
        let usable = (value .> 0) .& (slope .> 0)
        let g = Wide.log(value.replacing(with: 1, where: .!usable)) - problem.target
        let g1 = slope / value
        let g2 = g1 * d1 * d2 / s - g1 * g1
        let halley = s - 2 * g * g1 / (2 * g1 * g1 - g * g2)
        var next = halley.replacing(with: s - g / g1, where: .!((halley .> low) .& (halley .< high)))
        next.replace(with: .nan, where: .!usable)
        // A step at rounding level is accepted before the bracket test (which a zero step
        // fails: it lands on the bound just set).
        let settled = Wide.magnitude(next - s) .<= 1e-11 * s
        let outside = .!((next .> low) .& (next .< high)) .& .!settled
        let fallback = (0.5 * (low + high)).replacing(with: 2 * s, where: high .== .infinity)
        next.replace(with: fallback, where: outside)
        let converged = .!search.done .& (settled .| ((high .< .infinity) .& (high - low .<= 1e-15 * high)))
        search.result.replace(with: next, where: converged)
        // No finite volatility reaches the price: leave it to the scalar solver's error.
        search.done = search.done .| converged .| (next .> 1e3)
        search.s = next.replacing(with: s, where: search.done)
    }
}
