import RealModule
import SolventRandom

/// VaR and expected shortfall from scenario losses, and the building blocks of the historical,
/// filtered-historical, parametric and Monte Carlo models (ccp-models.md §2). Losses are
/// positive. Convention (§2.1.6): with N scenarios and confidence α, n_tail = ⌈(1 − α)·N⌉; VaR
/// is the n_tail-th largest loss and ES the mean of the n_tail largest.
public enum RiskMeasures {
    public static func tailCount(scenarios: Int, confidence: Double) -> Int {
        max(1, Int(((1 - confidence) * Double(scenarios) - 1e-9).rounded(.up)))
    }

    public static func valueAtRisk(losses: [Double], confidence: Double) -> Double {
        let tail = tailCount(scenarios: losses.count, confidence: confidence)
        return largest(losses, count: min(tail, losses.count))[min(tail, losses.count) - 1]
    }

    public static func expectedShortfall(losses: [Double], confidence: Double) -> Double {
        let tail = min(tailCount(scenarios: losses.count, confidence: confidence), losses.count)
        return largest(losses, count: tail).reduce(0, +) / Double(tail)
    }

    /// The `count` largest values, largest first, ties kept: what `sorted(by: >).prefix(count)`
    /// gives, so the measures are unchanged. A short tail (the margin checks' 10 of 1,000) is
    /// kept by insertion in one pass instead of sorting every scenario; NaN or a long tail sorts.
    public static func largest(_ values: [Double], count: Int) -> [Double] {
        guard count > 0 else { return [] }
        guard count <= 32, !values.contains(where: \.isNaN) else { return Array(values.sorted(by: >).prefix(count)) }
        var kept: [Double] = []
        kept.reserveCapacity(count + 1)
        for value in values {
            if kept.count == count {
                guard value > kept[count - 1] else { continue }
                kept.removeLast()
            }
            var slot = kept.count
            kept.append(value)
            while slot > 0 && kept[slot - 1] < value { kept[slot] = kept[slot - 1]; slot -= 1 }
            kept[slot] = value
        }
        return kept
    }

    /// The standard normal quantile, by Newton's method on the erfc-based CDF.
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a probability strictly between 0 and 1")
        var x = 0.0
        for _ in 0..<100 {
            let step = (BlackScholes.cumulativeNormal(x) - p) / BlackScholes.normalDensity(x)
            x -= step
            if abs(step) < 1e-15 * max(1, abs(x)) { break }
        }
        return x
    }

    /// The EWMA volatility (decay λ) of a P&L series, oldest first, seeded with the mean square
    /// of its first tenth (at least two): the σ of the parametric models, in the series' unit.
    public static func ewmaVolatility(of pnl: [Double], lambda: Double) -> Double {
        var variance = seedVariance(of: pnl)
        for value in pnl { variance = lambda * variance + (1 - lambda) * value * value }
        return variance.squareRoot()
    }

    /// The variance an EWMA over a window starts from: the mean square of its first tenth (at
    /// least two values; fewer in the window still count as two).
    public static func seedVariance<Window: Collection<Double>>(of window: Window) -> Double {
        let seedCount = max(2, window.count / 10)
        return window.prefix(seedCount).reduce(0) { $0 + $1 * $1 } / Double(seedCount)
    }

    /// Parametric normal VaR and ES of a position with daily volatility `sigma` (in money) over
    /// `horizon` days: z·σ·√h and φ(z) / (1 − α)·σ·√h.
    public static func normal(
        sigma: Double, confidence: Double, horizon: Double = 1
    ) -> (valueAtRisk: Double, expectedShortfall: Double) {
        let z = normalQuantile(confidence)
        let scale = sigma * horizon.squareRoot()
        return (z * scale, BlackScholes.normalDensity(z) / (1 - confidence) * scale)
    }
}

/// RiskMetrics EWMA volatility and filtered historical simulation (ccp-models.md §2.1, TV-FHS-1).
public enum FilteredHistoricalSimulation {
    /// Volatility forecasts σ₁…σₙ₊₁ for returns r₁…rₙ: σ²ₜ₊₁ = λσ²ₜ + (1 − λ)r²ₜ from `seed` = σ₁.
    public static func ewmaVolatilities(returns: [Double], lambda: Double = 0.94, seed: Double) -> [Double] {
        var variance = seed * seed
        var result = [seed]
        for r in returns {
            variance = lambda * variance + (1 - lambda) * r * r
            result.append(variance.squareRoot())
        }
        return result
    }

    /// Each return rescaled from the volatility of its day to today's: r̃ₜ = rₜ·σₙ₊₁ / σₜ.
    public static func scenarios(returns: [Double], lambda: Double = 0.94, seed: Double) -> [Double] {
        filtered(returns: returns, lambda: lambda, seed: seed).scenarios
    }

    /// The rescaled returns r̃ₜ = rₜ·σₙ₊₁ / σₜ and today's volatility σₙ₊₁.
    public static func filtered(
        returns: [Double], lambda: Double = 0.94, seed: Double
    ) -> (scenarios: [Double], volatility: Double) {
        let sigmas = ewmaVolatilities(returns: returns, lambda: lambda, seed: seed)
        let now = sigmas[sigmas.count - 1]
        return (returns.indices.map { sigmas[$0] > 0 ? returns[$0] * now / sigmas[$0] : 0 }, now)
    }

    /// Half-life of EWMA weights in days: ln ½ / ln λ.
    public static func halfLife(lambda: Double) -> Double { Double.log(0.5) / Double.log(lambda) }
}

/// Seeded Monte Carlo: a normal daily return with volatility σ over a horizon (one asset), and
/// the pieces of the multi-asset model (EWMA covariance, its Cholesky factor, a seeded stream of
/// normals) the rolling backtest uses.
public enum MonteCarloVaR {
    /// Box–Muller normals on the seeded generator: the same seed, the same draws.
    public struct Stream: Sendable {
        var generator: SplitMix64
        var spare: Double? = nil
        public init(seed: UInt64) { generator = SplitMix64(seed: seed) }
        public mutating func unit() -> Double { generator.unit() }
        public mutating func normal() -> Double {
            if let value = spare { spare = nil; return value }
            let radius = (-2 * Double.log(max(unit(), 1e-300))).squareRoot()
            let angle = 2 * Double.pi * unit()
            spare = radius * Double.sin(angle)
            return radius * Double.cos(angle)
        }
    }

    public static func losses(
        position: Double, sigma: Double, horizon: Double = 1, draws: Int, seed: UInt64
    ) -> [Double] {
        var stream = Stream(seed: seed)
        let scale = sigma * horizon.squareRoot()
        return (0..<draws).map { _ in -position * (Double.exp(stream.normal() * scale) - 1) }
    }

    /// `draws` joint normal return vectors with covariance L Lᵀ (`factor` from `choleskyFactor`),
    /// from `stream`: draw × asset.
    public static func jointReturns(factor: [[Double]], draws: Int, stream: inout Stream) -> [[Double]] {
        let assets = factor.count
        var normals = [Double](repeating: 0, count: assets)
        return (0..<draws).map { _ in
            for a in 0..<assets { normals[a] = stream.normal() }
            return (0..<assets).map { a in
                var value = 0.0
                for b in 0...a { value += factor[a][b] * normals[b] }
                return value
            }
        }
    }

    /// EWMA covariance of return vectors (decay λ), seeded with the sample covariance of the
    /// first tenth (at least two) of them.
    public static func ewmaCovariance(_ returns: [[Double]], lambda: Double) -> [[Double]] {
        let assets = returns.first?.count ?? 0
        let seedCount = max(2, returns.count / 10)
        var covariance = [[Double]](repeating: [Double](repeating: 0, count: assets), count: assets)
        for r in returns.prefix(seedCount) {
            for a in 0..<assets { for b in 0..<assets { covariance[a][b] += r[a] * r[b] / Double(seedCount) } }
        }
        for r in returns {
            for a in 0..<assets {
                for b in 0..<assets { covariance[a][b] = lambda * covariance[a][b] + (1 - lambda) * r[a] * r[b] }
            }
        }
        return covariance
    }

    /// Lower-triangular L with L Lᵀ = C; a non-positive pivot (a singular or not quite positive
    /// definite C) is floored at a tiny variance rather than producing NaN.
    public static func choleskyFactor(_ c: [[Double]]) -> [[Double]] {
        let n = c.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var sum = c[i][j]
                for k in 0..<j { sum -= l[i][k] * l[j][k] }
                if i == j { l[i][j] = max(sum, 1e-24).squareRoot() } else { l[i][j] = l[j][j] > 0 ? sum / l[j][j] : 0 }
            }
        }
        return l
    }
}

/// EMIR RTS 153/2013 Art. 27–28 tools (ccp-models.md §2.4, §5).
public enum MarginPolicy {
    /// Portfolio offsets reduce margin by at most `share` (80 %) of the diversification benefit.
    public static func diversificationCap(standAlone: [Double], portfolio: Double, share: Double = 0.8) -> Double {
        let sum = standAlone.reduce(0, +)
        return max(portfolio, sum - share * (sum - portfolio))
    }

    /// Anti-procyclicality: a 25 % buffer on the model margin, a 25 % weight on the stressed
    /// margin, and the margin over a ten-year lookback as a floor; the result is the largest.
    public static func antiProcyclical(
        model: Double, stressed: Double, tenYear: Double, buffer: Double = 0.25, stressedWeight: Double = 0.25
    )
        -> (buffered: Double, weighted: Double, floored: Double)
    {
        (model * (1 + buffer), (1 - stressedWeight) * model + stressedWeight * stressed, max(model, tenYear))
    }

    /// Liquidity add-on for a position large against traded volume: |q|·price × k·√(|q| / (ADV·days)).
    public static func liquidityAddOn(
        quantity: Double, price: Double, averageDailyVolume: Double, days: Double = 1, coefficient: Double = 0.1
    ) -> Double {
        guard averageDailyVolume > 0 else { return abs(quantity) * price }
        return abs(quantity) * price * coefficient * (abs(quantity) / (averageDailyVolume * days)).squareRoot()
    }
}
