/// `exp` and `log` from additions, multiplications and divisions only (IEEE-exact operations),
/// so a seeded population is the same on every platform: libm's transcendental functions may
/// differ in the last bit between C libraries. Accurate to a few ulps, which is all a population
/// generator needs.
enum Elementary {
    static let ln2 = 0.693_147_180_559_945_3

    static func exp(_ x: Double) -> Double {
        if x > 709 { return .infinity }
        if x < -745 { return 0 }
        let n = (x / ln2).rounded()
        let r = x - n * ln2  // |r| ≤ ln2 / 2
        var term = 1.0, sum = 1.0
        for k in 1...22 {
            term *= r / Double(k)
            sum += term
        }
        return sum * power2(Int(n))
    }

    /// Natural logarithm of a positive finite number.
    static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log of a positive finite number")
        let exponent = Int(x.exponent)
        var m = x.significand  // in [1, 2)
        var e = exponent
        if m > 1.414_213_562_373_095 { m /= 2; e += 1 }
        // log m = 2 atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var power = s, sum = 0.0
        var k = 1.0
        while k < 40 {
            sum += power / k
            power *= s2
            k += 2
        }
        return 2 * sum + Double(e) * ln2
    }

    /// 2^n for the exponents a Double can hold (exact).
    static func power2(_ n: Int) -> Double {
        if n > 1023 { return .infinity }
        if n < -1074 { return 0 }
        if n < -1022 {
            return Double(sign: .plus, exponent: -1022, significand: 1)
                * Double(sign: .plus, exponent: n + 1022, significand: 1)
        }
        return Double(sign: .plus, exponent: n, significand: 1)
    }
}
