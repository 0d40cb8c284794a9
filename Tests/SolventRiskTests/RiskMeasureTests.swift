import Foundation
import SolventRisk
import Testing

/// Goal: the VaR building blocks reproduce the reference's constants and TV-FHS-1. Method:
/// ccp-models.md §2.5 values; a large seeded normal sample for the ES convention.
struct RiskMeasureTests {
    @Test func ewmaAndFilteredScenarios() {
        let returns = [0.010, -0.020, 0.015, -0.030, 0.005, 0.040, -0.050, 0.010, 0.000, -0.010]
        let sigmas = FilteredHistoricalSimulation.ewmaVolatilities(returns: returns, lambda: 0.94, seed: 0.01)
        let expected = [
            0.010000, 0.010000, 0.010863, 0.011154, 0.013075, 0.012736, 0.015763, 0.019585, 0.019145, 0.018562,
            0.018163,
        ]
        #expect(zip(sigmas, expected).allSatisfy { abs($0 - $1) < 5e-7 }, "\(sigmas)")
        let scenarios = FilteredHistoricalSimulation.scenarios(returns: returns, lambda: 0.94, seed: 0.01)
        let expectedScenarios = [
            0.018163, -0.036325, 0.025080, -0.048849, 0.006946, 0.057045, -0.057612, 0.009274, 0.000000, -0.009785,
        ]
        #expect(zip(scenarios, expectedScenarios).allSatisfy { abs($0 - $1) < 5e-6 }, "\(scenarios)")
        #expect(abs(FilteredHistoricalSimulation.halfLife(lambda: 0.94) - 11.20) < 0.005)
        #expect(abs(FilteredHistoricalSimulation.halfLife(lambda: 0.97) - 22.76) < 0.005)
        #expect(abs(FilteredHistoricalSimulation.halfLife(lambda: 0.99) - 68.97) < 0.005)
    }

    @Test func normalConstants() {
        for (confidence, z, es) in [
            (0.975, 1.959964, 2.337803), (0.99, 2.326348, 2.665214), (0.995, 2.575829, 2.891949),
            (0.997, 2.747781, 3.049730),
        ] {
            let measures = RiskMeasures.normal(sigma: 1, confidence: confidence)
            #expect(
                abs(measures.valueAtRisk - z) < 5e-7 && abs(measures.expectedShortfall - es) < 5e-7, "\(confidence)")
        }
        #expect(abs(RiskMeasures.normal(sigma: 1, confidence: 0.99, horizon: 2).valueAtRisk - 3.289953) < 5e-7)
        #expect(abs(RiskMeasures.normal(sigma: 1, confidence: 0.995, horizon: 5).valueAtRisk - 5.759729) < 5e-7)
    }

    /// The tail convention, and ES99 of a large normal sample near 2.665σ.
    @Test func tailConventionAndSampleES() {
        let losses = (1...2_500).map(Double.init)
        #expect(RiskMeasures.tailCount(scenarios: 2_500, confidence: 0.9976) == 6)  // LCH: 6 worst of 2,500
        #expect(RiskMeasures.expectedShortfall(losses: losses, confidence: 0.9976) == (2_495.0 + 2_500) / 2)
        #expect(RiskMeasures.valueAtRisk(losses: losses, confidence: 0.99) == 2_476)
        // A seeded normal sample through Monte Carlo (a unit position, σ = 1 %, small moves).
        let simulated = MonteCarloVaR.losses(position: 1, sigma: 0.0001, draws: 400_000, seed: 7).map { $0 / 0.0001 }
        #expect(abs(RiskMeasures.expectedShortfall(losses: simulated, confidence: 0.99) - 2.665) < 0.03)
        #expect(abs(RiskMeasures.valueAtRisk(losses: simulated, confidence: 0.99) - 2.326) < 0.03)
    }

    /// The multi-asset Monte Carlo pieces: a Cholesky factor reproduces its matrix, and the
    /// EWMA covariance of a constant vector is its outer product.
    @Test func monteCarloCovarianceAndFactor() {
        let c = [[4.0, 2, 0.4], [2, 5, 1], [0.4, 1, 3]]
        let l = MonteCarloVaR.choleskyFactor(c)
        for i in 0..<3 {
            for j in 0..<3 {
                let value = (0..<3).reduce(0.0) { $0 + l[i][$1] * l[j][$1] }
                #expect(abs(value - c[i][j]) < 1e-12)
            }
        }
        let constant = [[Double]](repeating: [0.01, -0.02], count: 50)
        let cov = MonteCarloVaR.ewmaCovariance(constant, lambda: 0.94)
        #expect(abs(cov[0][1] + 0.0002) < 1e-15 && abs(cov[1][1] - 0.0004) < 1e-15)
        // A singular matrix gives a finite factor, not NaN.
        let singular = MonteCarloVaR.choleskyFactor([[1, 1], [1, 1]]).joined().allSatisfy { $0.isFinite }
        #expect(singular)
    }

    @Test func marginPolicies() {
        #expect(MarginPolicy.diversificationCap(standAlone: [60, 40], portfolio: 40) == 52)
        let apc = MarginPolicy.antiProcyclical(model: 100, stressed: 200, tenYear: 150)
        #expect(apc.buffered == 125 && apc.weighted == 125 && apc.floored == 150)
        #expect(abs(MarginPolicy.liquidityAddOn(quantity: 100, price: 10, averageDailyVolume: 10_000) - 10) < 1e-12)
    }
}

/// Student-t quantiles from the statistical tables (t₀.₉₇₅,₁₀ = 2.228139, t₀.₉₉,₄ = 3.746947,
/// t₀.₉₅,₃ = 2.353363, t₀.₉₉₅,₃₀ = 2.749996) and the ES of a unit-variance t against
/// numerical integration of the tail.
struct StudentTTests {
    @Test func quantilesAndShortfall() {
        for (p, nu, expected) in [
            (0.975, 10.0, 2.228139), (0.99, 4.0, 3.746947), (0.95, 3.0, 2.353363), (0.995, 30.0, 2.749996),
        ] {
            #expect(abs(StudentT.quantile(p, degrees: nu) - expected) < 5e-7, "t(\(p), \(nu))")
        }
        #expect(abs(StudentT.cumulative(0, degrees: 5) - 0.5) < 1e-15)
        // Unit variance, ν = 4, 99 %: VaR = 3.746947 × √(1/2); ES by integrating x·f(x) over the tail.
        let measures = StudentT.measures(sigma: 1, degrees: 4, confidence: 0.99)
        #expect(abs(measures.valueAtRisk - 3.746947 * 0.5.squareRoot()) < 5e-7)
        let q = StudentT.quantile(0.99, degrees: 4)
        var integral = 0.0
        var x = q
        while x < 20_000 {  // Simpson on [x, x + h], wider panels far in the tail
            let h = x < 50 ? 0.0005 : 0.05
            let mid = x + h / 2
            integral +=
                h / 6
                * (x * StudentT.density(x, degrees: 4) + 4 * mid * StudentT.density(mid, degrees: 4)
                    + (x + h) * StudentT.density(x + h, degrees: 4))
            x += h
        }
        let expectedShortfall = integral / 0.01 * 0.5.squareRoot()
        #expect(
            abs(measures.expectedShortfall - expectedShortfall) / expectedShortfall < 1e-4,
            "\(measures.expectedShortfall) vs \(expectedShortfall)")
        // Heavier tails than the normal at 99 % ES, lighter at 95 % VaR (unit variance).
        #expect(measures.expectedShortfall > RiskMeasures.normal(sigma: 1, confidence: 0.99).expectedShortfall)
        #expect(
            StudentT.measures(sigma: 1, degrees: 4, confidence: 0.95).valueAtRisk
                < RiskMeasures.normal(sigma: 1, confidence: 0.95).valueAtRisk)
    }
}
