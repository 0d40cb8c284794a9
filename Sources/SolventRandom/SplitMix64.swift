/// The project's one seeded generator: SplitMix64 (Steele, Lea, Flood 2014). A seed gives the
/// same stream on every platform and Swift version (the standard library's generator is not
/// seedable), so the simulator, the Monte Carlo VaR draws, the seeded tests and the benchmark
/// workloads reproduce from a seed. Pure and deterministic: no state outside the value, no
/// system randomness. Distributions built on it live with their users (the simulator's normals
/// use its own libm-free logarithm, the VaR draws swift-numerics, the workloads libm).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }
}
