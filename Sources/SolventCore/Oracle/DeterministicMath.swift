/// Elementary functions built only from IEEE-754 basic operations (+, −, ×, ÷), which are
/// correctly rounded on every platform: the same inputs give the same bits everywhere, unlike a
/// platform libm. Used where a floating-point value enters engine state (the basis EMA).
public enum DeterministicMath {
    /// e^(−x) for x ≥ 0 (0 beyond 745), relative error below 1e-15.
    public static func expNegative(_ x: Double) -> Double {
        precondition(x >= 0, "expNegative takes a non-negative argument")
        if x > 745 { return 0 }
        // x = k·ln2 + r with r in [0, ln2): e^(−x) = 2^(−k) · e^(−r).
        let ln2 = 0.693_147_180_559_945_3
        let k = (x / ln2).rounded(.down)
        let r = x - k * ln2
        // Taylor series of e^(−r) on [0, ln2): 22 terms reach double precision.
        var term = 1.0
        var sum = 1.0
        for n in 1...22 {
            term = term * (-r) / Double(n)
            sum += term
        }
        return sum * Double(sign: .plus, exponent: -Int(k), significand: 1)
    }
}
