import RealModule

/// The standard normal CDF by table: piecewise Chebyshev fits (degree 9 on intervals of 1/8)
/// over [−9, 9], built once from `BlackScholes.cumulativeNormal` (libm's erfc) and evaluated by
/// Clenshaw's recurrence; 0 below and 1 above (Φ(−9) ≈ 1e-19). Absolute error below 5e-15
/// (tested), several times cheaper than erfc: the scenario revaluation of a whole option chain
/// calls it twice per contract and scenario. Prices, not booked money: where relative accuracy
/// deep in the tails matters (the `price` command, implied volatility), use the erfc path.
public struct NormalTable: Sendable {
    static let lower = -9.0
    static let width = 0.125
    static let degree = 9
    static let intervals = 144
    /// `degree + 1` Chebyshev coefficients per interval.
    let coefficients: [Double]

    public static let shared = NormalTable()

    init() {
        let n = Self.degree + 1
        var table = [Double](repeating: 0, count: Self.intervals * n)
        // Chebyshev nodes of the first kind and the discrete orthogonality relation.
        let nodes = (0..<n).map { Double.cos(Double.pi * (Double($0) + 0.5) / Double(n)) }
        for interval in 0..<Self.intervals {
            let a = Self.lower + Double(interval) * Self.width
            let values = nodes.map { BlackScholes.cumulativeNormal(a + (Double($0) + 1) * 0.5 * Self.width) }
            for j in 0..<n {
                var sum = 0.0
                for k in 0..<n { sum += values[k] * Double.cos(Double.pi * Double(j) * (Double(k) + 0.5) / Double(n)) }
                table[interval * n + j] = (j == 0 ? 1.0 : 2.0) * sum / Double(n)
            }
        }
        coefficients = table
    }

    public func cumulative(_ x: Double) -> Double {
        if !(x > Self.lower) { return x.isNaN ? .nan : 0 }
        if x >= -Self.lower { return 1 }
        return evaluate(x)
    }

    func evaluate(_ x: Double) -> Double {
        let offset = (x - Self.lower) / Self.width
        let interval = min(Int(offset), Self.intervals - 1)
        let t = 2 * (offset - Double(interval)) - 1
        let n = Self.degree + 1
        return coefficients.withUnsafeBufferPointer { c in
            let base = interval * n
            var b1 = 0.0
            var b2 = 0.0
            var j = n - 1
            while j >= 1 {
                let b0 = 2 * t * b1 - b2 + c[base + j]
                b2 = b1
                b1 = b0
                j -= 1
            }
            return t * b1 - b2 + c[base]
        }
    }
}
