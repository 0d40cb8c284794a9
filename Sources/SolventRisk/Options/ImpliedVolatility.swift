import RealModule

/// Implied volatility: the σ at which `BlackScholes.price` equals a given price.
///
/// The price is mapped to the out-of-the-money option on the forward (put–call parity), which is
/// the better-conditioned one; the solver then runs Halley's method on the logarithm of that
/// undiscounted price in the total deviation σ√T, inside a bracket that every evaluation narrows,
/// falling back to Newton and then to bisection whenever a step would leave it. Deep in- and out-of-the-money options and
/// one-day expiries converge (tests), and a price no volatility can produce is an error, never NaN.
public enum ImpliedVolatility {
    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        case invalidInput(OptionInputError)
        /// The option has expired (T = 0): its price does not depend on volatility.
        case expired
        /// Below the discounted intrinsic value on the forward (arbitrage).
        case belowIntrinsic(price: Double, intrinsic: Double)
        /// At or above the most any volatility gives (the discounted spot for a call, the
        /// discounted strike for a put).
        case aboveMaximum(price: Double, maximum: Double)
        case noConvergence

        public var description: String {
            switch self {
            case .invalidInput(let error): return error.description
            case .expired: return "years: the option has expired, no volatility is implied"
            case .belowIntrinsic(let price, let intrinsic):
                return "price: \(price) is below the discounted intrinsic value \(intrinsic)"
            case .aboveMaximum(let price, let maximum):
                return "price: \(price) is at or above the most any volatility gives, \(maximum)"
            case .noConvergence: return "price: the solver did not converge"
            }
        }
    }

    /// The volatility of `option` (its `volatility` is ignored) that prices it at `price`.
    public static func solve(price: Double, option: EuropeanOption) -> Result<Double, Failure> {
        var probe = option
        probe.volatility = 0
        if let error = probe.inputError { return .failure(.invalidInput(error)) }
        guard price.isFinite, price >= 0 else {
            return .failure(.invalidInput(OptionInputError(field: "price", reason: "zero or a positive price")))
        }
        let t = option.years
        guard t > 0 else { return .failure(.expired) }
        let discount = Double.exp(-option.rate * t)
        let forward = option.spot * Double.exp(-option.dividend * t) / discount
        let k = option.strike
        let sign: Double = option.right == .call ? 1 : -1
        let intrinsic = max(0, sign * (forward - k))
        let undiscounted = price / discount
        let maximum = option.right == .call ? forward : k
        let tolerance = 1e-14 * max(forward, k)
        if undiscounted < intrinsic - tolerance {
            return .failure(.belowIntrinsic(price: price, intrinsic: intrinsic * discount))
        }
        if undiscounted >= maximum { return .failure(.aboveMaximum(price: price, maximum: maximum * discount)) }
        // The out-of-the-money option's undiscounted price (parity: call − put = F − K).
        let otm = undiscounted - intrinsic
        if otm <= 0 { return .success(0) }
        let otmIsCall = k >= forward
        // Undiscounted Black price of the OTM option, its first derivative in the total deviation
        // s (F·φ(d₁)), and d₁, d₂ (the second derivative is the first × d₁d₂ / s).
        let logMoneyness = Double.log(forward / k)
        func black(_ s: Double) -> (price: Double, slope: Double, d1: Double, d2: Double) {
            let d1 = logMoneyness / s + 0.5 * s
            let d2 = d1 - s
            let value =
                otmIsCall
                ? forward * BlackScholes.cumulativeNormal(d1) - k * BlackScholes.cumulativeNormal(d2)
                : k * BlackScholes.cumulativeNormal(-d2) - forward * BlackScholes.cumulativeNormal(-d1)
            return (value, forward * BlackScholes.normalDensity(d1), d1, d2)
        }
        // The OTM price rises from 0 to min(F, K) as s goes from 0 to ∞. Halley's method on the
        // log of the price (cubic convergence, well conditioned where the price is tiny), inside
        // a bracket that every evaluation narrows; Newton, then bisection (or doubling while the
        // bracket is open above) when a step would leave it.
        var low = 0.0
        var high = Double.infinity
        var s = initialDeviation(otm: otm, forward: forward, strike: k, logMoneyness: logMoneyness)
        let target = Double.log(otm)
        for _ in 0..<100 {
            let (value, slope, d1, d2) = black(s)
            if value > otm { high = s } else { low = s }
            var next = Double.nan
            if value > 0 && slope > 0 {
                let g = Double.log(value) - target
                let g1 = slope / value
                let g2 = g1 * d1 * d2 / s - g1 * g1
                let halley = s - 2 * g * g1 / (2 * g1 * g1 - g * g2)
                next = halley > low && halley < high ? halley : s - g / g1
                // Converged: the step is at rounding level (cubic, or quadratic for Newton,
                // convergence leaves the candidate exact). Accepted before the bracket test,
                // which a step of zero fails (it lands on the bound just set).
                if abs(next - s) <= 1e-12 * s { return .success(next / t.squareRoot()) }
            }
            if !(next > low && next < high) { next = high.isFinite ? 0.5 * (low + high) : 2 * s }
            if abs(next - s) <= 1e-15 * s || (high.isFinite && high - low <= 1e-15 * high) {
                return .success(next / t.squareRoot())
            }
            if next > 1e3 { return .failure(.noConvergence) }  // no finite volatility reaches the price
            s = next
        }
        return .failure(.noConvergence)
    }

    /// The start of the iteration, in total deviation s = σ√T: the larger of two lower bounds
    /// of the root — the at-the-money slope (the out-of-the-money price is at most F·s/√(2π))
    /// and the tail's leading term (the price is below √(FK)·e^{−x²/(2s²)}, x = ln F/K) — so
    /// the first step is taken from below, where the log price is well behaved; four
    /// evaluations then reach rounding level on the benchmark's population.
    @inline(__always)
    static func initialDeviation(otm: Double, forward: Double, strike: Double, logMoneyness: Double) -> Double {
        let slope = (2 * Double.pi).squareRoot() * otm / forward
        let normalized = otm / (forward * strike).squareRoot()
        let tail = normalized < 1 ? abs(logMoneyness) / (-2 * Double.log(normalized)).squareRoot() : 0
        return min(max(max(slope, tail), 1e-3), 10)
    }
}
