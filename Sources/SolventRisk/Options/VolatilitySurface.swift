import RealModule

/// An implied-volatility surface for one underlying, built from option marks (for example
/// Deribit's): per expiry, a smile in log-moneyness k = ln(K / F) interpolated linearly in total
/// variance σ²T between quoted strikes and held flat in volatility beyond the outermost ones;
/// between expiries, total variance interpolated linearly in time at the same k (flat in
/// volatility before the first expiry and after the last).
public struct VolatilitySurface: Sendable {
    /// One expiry's smile: its time, forward, and quotes sorted by log-moneyness.
    public struct Smile: Sendable {
        public var years: Double
        public var forward: Double
        public var logMoneyness: [Double]
        public var volatility: [Double]

        /// The smile's volatility at log-moneyness `k`.
        public func volatility(at k: Double) -> Double {
            guard let first = logMoneyness.first, let last = logMoneyness.last else { return .nan }
            if k <= first { return volatility[0] }
            if k >= last { return volatility[volatility.count - 1] }
            var low = 0
            var high = logMoneyness.count - 1
            while high - low > 1 {
                let middle = (low + high) / 2
                if logMoneyness[middle] <= k { low = middle } else { high = middle }
            }
            let weight = (k - logMoneyness[low]) / (logMoneyness[high] - logMoneyness[low])
            let variance =
                (1 - weight) * volatility[low] * volatility[low] + weight * volatility[high] * volatility[high]
            return variance.squareRoot()
        }
    }

    /// Smiles by increasing time to expiry.
    public private(set) var smiles: [Smile]

    /// Quotes: (years, forward, strike, volatility). Quotes of the same expiry (same years) form a
    /// smile; several quotes at one strike (a call and a put) are averaged.
    public init(quotes: [(years: Double, forward: Double, strike: Double, volatility: Double)]) {
        var byExpiry: [Double: [(Double, Double, Double)]] = [:]  // grouped, then sorted: the order decides nothing
        for quote in quotes where quote.years > 0 && quote.forward > 0 && quote.strike > 0 && quote.volatility > 0 {
            byExpiry[quote.years, default: []].append((quote.forward, quote.strike, quote.volatility))
        }
        smiles = byExpiry.keys.sorted().map { years in
            let group = byExpiry[years]!
            let forward = group.map(\.0).reduce(0, +) / Double(group.count)
            var byStrike: [Double: [Double]] = [:]
            for (_, strike, volatility) in group { byStrike[strike, default: []].append(volatility) }
            let strikes = byStrike.keys.sorted()
            return Smile(
                years: years, forward: forward, logMoneyness: strikes.map { Double.log($0 / forward) },
                volatility: strikes.map { byStrike[$0]!.reduce(0, +) / Double(byStrike[$0]!.count) })
        }
    }

    /// The volatility for `strike` at `years`, with the forward interpolated like the variance.
    public func volatility(strike: Double, years: Double) -> Double {
        guard let first = smiles.first, let last = smiles.last else { return .nan }
        if years <= first.years { return first.volatility(at: Double.log(strike / first.forward)) }
        if years >= last.years { return last.volatility(at: Double.log(strike / last.forward)) }
        var index = 1
        while smiles[index].years < years { index += 1 }
        let (a, b) = (smiles[index - 1], smiles[index])
        let weight = (years - a.years) / (b.years - a.years)
        let forward = Double.exp((1 - weight) * Double.log(a.forward) + weight * Double.log(b.forward))
        let k = Double.log(strike / forward)
        let (va, vb) = (a.volatility(at: k), b.volatility(at: k))
        let variance = (1 - weight) * va * va * a.years + weight * vb * vb * b.years
        return (variance / years).squareRoot()
    }
}
