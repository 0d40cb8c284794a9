import SolventRandom

/// The simulator's distributions: normals by Marsaglia's polar method on `Elementary.log` (no
/// libm), so the draws are the same bits everywhere.
extension SplitMix64 {
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
