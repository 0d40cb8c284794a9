/// A time-weighted exponential moving average of the basis (venue price − index), as Hyperliquid
/// documents it (exchanges.md §5.2): for a sample arriving Δt after the previous one,
/// `numerator ← numerator × e^(−Δt/τ) + sample × Δt`, `denominator ← denominator × e^(−Δt/τ) + Δt`,
/// `ema = numerator / denominator`. Doubles, with `DeterministicMath` so every platform agrees;
/// the result is rounded to price atoms before it touches a mark.
public struct BasisEMA: Hashable, Sendable, Codable {
    public var numerator: Double = 0
    public var denominator: Double = 0

    public init() {}

    public var value: Double? { denominator > 0 ? numerator / denominator : nil }

    /// Adds a sample (in price atoms) that arrived `elapsed` seconds after the previous one.
    public mutating func add(_ sample: Double, elapsed: Double, timeConstant: Double) {
        let decay = DeterministicMath.expNegative(max(0, elapsed) / timeConstant)
        numerator = numerator * decay + sample * elapsed
        denominator = denominator * decay + elapsed
    }
}
