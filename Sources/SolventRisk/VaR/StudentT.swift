import RealModule

/// Student-t VaR and ES (ccp-models.md §2): the return is σ·√((ν − 2)/ν)·T_ν, a t with ν degrees
/// of freedom scaled to standard deviation σ. The CDF is the regularised incomplete beta
/// function (continued fraction), the quantile Newton on it.
public enum StudentT {
    /// The t density with ν degrees of freedom.
    public static func density(_ x: Double, degrees nu: Double) -> Double {
        let logNormaliser = Double.logGamma((nu + 1) / 2) - Double.logGamma(nu / 2) - 0.5 * Double.log(nu * Double.pi)
        return Double.exp(logNormaliser - (nu + 1) / 2 * Double.log(onePlus: x * x / nu))
    }

    /// P(T ≤ x): ½·I_{ν/(ν+x²)}(ν/2, ½) in the lower tail.
    public static func cumulative(_ x: Double, degrees nu: Double) -> Double {
        let tail = 0.5 * incompleteBeta(nu / (nu + x * x), nu / 2, 0.5)
        return x < 0 ? tail : 1 - tail
    }

    /// The t quantile, by Newton's method from the normal one.
    public static func quantile(_ p: Double, degrees nu: Double) -> Double {
        precondition(p > 0 && p < 1 && nu > 0, "a probability in (0, 1) and positive degrees of freedom")
        var x = RiskMeasures.normalQuantile(p)
        for _ in 0..<200 {
            let step = (cumulative(x, degrees: nu) - p) / density(x, degrees: nu)
            x -= step
            if abs(step) < 1e-14 * max(1, abs(x)) { break }
        }
        return x
    }

    /// VaR and ES of a return with standard deviation `sigma` (in money) over `horizon` days.
    public static func measures(
        sigma: Double, degrees nu: Double, confidence: Double, horizon: Double = 1
    )
        -> (valueAtRisk: Double, expectedShortfall: Double)
    {
        precondition(nu > 2, "the variance exists only above 2 degrees of freedom")
        let q = quantile(confidence, degrees: nu)
        let scale = sigma * ((nu - 2) / nu).squareRoot() * horizon.squareRoot()
        let shortfall = density(q, degrees: nu) / (1 - confidence) * (nu + q * q) / (nu - 1)
        return (q * scale, shortfall * scale)
    }

    /// The regularised incomplete beta function I_x(a, b) (Lentz's continued fraction).
    static func incompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront =
            Double.logGamma(a + b) - Double.logGamma(a) - Double.logGamma(b) + a * Double.log(x) + b
            * Double.log(onePlus: -x)
        // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use symmetry otherwise.
        if x > (a + 1) / (a + b + 2) { return 1 - incompleteBeta(1 - x, b, a) }
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var fraction = d
        for m in 1...300 {
            let mm = Double(m)
            var numerator = mm * (b - mm) * x / ((a + 2 * mm - 1) * (a + 2 * mm))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            fraction *= d * c
            numerator = -(a + mm) * (a + b + mm) * x / ((a + 2 * mm) * (a + 2 * mm + 1))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            fraction *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return Double.exp(logFront) * fraction / a
    }
}
