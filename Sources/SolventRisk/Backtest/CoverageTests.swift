import RealModule

/// Backtests of a margin or VaR model (ccp-models.md §6): an exception is a period whose realised
/// loss exceeded the margin held. Each test returns its statistic, p-value and verdict at a
/// confidence level.
public struct TestResult: Hashable, Sendable {
    public var statistic: Double
    public var pValue: Double
    /// True when the model is rejected at the test's confidence level.
    public var rejected: Bool
}

public enum CoverageTests {
    /// χ² survival function for 1 and 2 degrees of freedom (closed forms).
    static func chiSquaredSurvival(_ x: Double, degrees: Int) -> Double {
        guard x > 0 else { return 1 }
        return degrees == 1 ? Double.erfc((x / 2).squareRoot()) : Double.exp(-x / 2)
    }

    /// `a · ln b` with 0 · ln 0 = 0.
    static func xlogy(_ a: Double, _ b: Double) -> Double { a == 0 ? 0 : a * Double.log(b) }

    /// Kupiec's proportion of failures: `exceptions` in `observations` against the expected rate
    /// `p` (1 − coverage). χ²(1).
    public static func kupiec(
        exceptions x: Int, observations t: Int, expectedRate p: Double, confidence: Double = 0.95
    ) -> TestResult {
        let (x, t) = (Double(x), Double(t))
        let null = xlogy(t - x, 1 - p) + xlogy(x, p)
        let observed = xlogy(t - x, 1 - x / t) + xlogy(x, x / t)
        let statistic = max(0, -2 * (null - observed))
        let pValue = chiSquaredSurvival(statistic, degrees: 1)
        return TestResult(statistic: statistic, pValue: pValue, rejected: pValue < 1 - confidence)
    }

    /// Transition counts of an exception sequence: n[i][j] = periods in state i followed by j.
    public static func transitions(_ exceptions: [Bool]) -> (n00: Int, n01: Int, n10: Int, n11: Int) {
        var counts = (n00: 0, n01: 0, n10: 0, n11: 0)
        for (previous, next) in zip(exceptions, exceptions.dropFirst()) {
            switch (previous, next) {
            case (false, false): counts.n00 += 1
            case (false, true): counts.n01 += 1
            case (true, false): counts.n10 += 1
            case (true, true): counts.n11 += 1
            }
        }
        return counts
    }

    /// Christoffersen's independence test on the transition counts. χ²(1).
    public static func independence(n00: Int, n01: Int, n10: Int, n11: Int, confidence: Double = 0.95) -> TestResult {
        let (a, b, c, d) = (Double(n00), Double(n01), Double(n10), Double(n11))
        let pi01 = a + b > 0 ? b / (a + b) : 0
        let pi11 = c + d > 0 ? d / (c + d) : 0
        let pi = (b + d) / (a + b + c + d)
        let null = xlogy(a + c, 1 - pi) + xlogy(b + d, pi)
        let alternative = xlogy(a, 1 - pi01) + xlogy(b, pi01) + xlogy(c, 1 - pi11) + xlogy(d, pi11)
        let statistic = max(0, -2 * (null - alternative))
        let pValue = chiSquaredSurvival(statistic, degrees: 1)
        return TestResult(statistic: statistic, pValue: pValue, rejected: pValue < 1 - confidence)
    }

    /// Conditional coverage: Kupiec on the full sample plus independence on its transitions
    /// (MathWorks' convention). χ²(2).
    public static func conditionalCoverage(
        _ exceptions: [Bool], expectedRate p: Double, confidence: Double = 0.95
    )
        -> (coverage: TestResult, independence: TestResult, conditional: TestResult)
    {
        let coverage = kupiec(
            exceptions: exceptions.filter { $0 }.count, observations: exceptions.count, expectedRate: p,
            confidence: confidence)
        let n = transitions(exceptions)
        let independent = independence(n00: n.n00, n01: n.n01, n10: n.n10, n11: n.n11, confidence: confidence)
        let statistic = coverage.statistic + independent.statistic
        let pValue = chiSquaredSurvival(statistic, degrees: 2)
        return (
            coverage, independent, TestResult(statistic: statistic, pValue: pValue, rejected: pValue < 1 - confidence)
        )
    }
}

/// The Basel traffic light: green while the binomial probability of seeing at most x exceptions
/// is below 95 %, yellow below 99.99 %, red beyond; for 250 observations at 99 % the plus
/// factors of BCBS (1996).
public enum TrafficLight {
    public enum Zone: String, Hashable, Sendable { case green, yellow, red }

    /// P(X ≤ x) for X ~ Binomial(t, p), summed in logs.
    public static func cumulativeProbability(exceptions x: Int, observations t: Int, rate p: Double) -> Double {
        var total = 0.0
        for k in 0...max(0, min(x, t)) {
            let logChoose =
                Double.logGamma(Double(t) + 1) - Double.logGamma(Double(k) + 1) - Double.logGamma(Double(t - k) + 1)
            total += Double.exp(logChoose + Double(k) * Double.log(p) + Double(t - k) * Double.log(onePlus: -p))
        }
        return min(1, total)
    }

    /// BCBS's fixed boundaries for 250 observations at 99 % (0–4 green, 5–9 yellow, 10+ red);
    /// otherwise the cumulative-probability rule.
    public static func zone(exceptions x: Int, observations t: Int = 250, rate p: Double = 0.01) -> Zone {
        if t == 250 && p == 0.01 { return x >= 10 ? .red : x >= 5 ? .yellow : .green }
        // Yellow from the first count whose cumulative probability reaches 95 %, red from the
        // first reaching 99.99 % (rounded to the hundredth of a percent, as the tables are).
        let cumulative = (cumulativeProbability(exceptions: x, observations: t, rate: p) * 10_000).rounded() / 10_000
        if cumulative >= 0.9999 { return .red }
        if cumulative >= 0.95 { return .yellow }
        return .green
    }

    /// BCBS plus factor (added to the multiplier 3) for 250 observations at 99 %.
    public static func plusFactor(exceptions x: Int) -> Double {
        switch x {
        case ..<5: return 0
        case 5: return 0.40
        case 6: return 0.50
        case 7: return 0.65
        case 8: return 0.75
        case 9: return 0.85
        default: return 1
        }
    }
}

/// Acerbi–Székely Z2 for expected shortfall: Σ X_t·1{X_t < −VaR_t} / (T·α·ES_t) + 1, with X the
/// realised P&L (losses negative). Under a correct model E[Z2] = 0; the model is rejected below
/// the critical value (about −0.70 at 5 % for T = 250, α = 2.5 %, ccp-models.md §6.5).
public enum ExpectedShortfallTest {
    public static func z2(pnl: [Double], valueAtRisk: [Double], expectedShortfall: [Double], alpha: Double) -> Double {
        precondition(pnl.count == valueAtRisk.count && pnl.count == expectedShortfall.count, "one forecast per period")
        let t = Double(pnl.count)
        var sum = 0.0
        for index in pnl.indices where pnl[index] < -valueAtRisk[index] {
            sum += pnl[index] / (t * alpha * expectedShortfall[index])
        }
        return sum + 1
    }
}
