/// The simulator's random numbers: SplitMix64 (Steele, Lea, Flood 2014), so a seed gives the
/// same population on every platform and Swift version (the standard library's generator is
/// not seedable). Normals by Marsaglia's polar method on `Elementary.log` (no libm), so the
/// draws are the same bits everywhere.
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

    /// A standard normal draw (polar method; the pair's second value is discarded so each
    /// draw consumes a whole number of iterations).
    public mutating func normal() -> Double {
        while true {
            let u = 2 * unit() - 1
            let v = 2 * unit() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * Elementary.log(s) / s).squareRoot() }
        }
    }

    /// e^(log(median) + sigma · Z).
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * Elementary.exp(sigma * normal())
    }
}
