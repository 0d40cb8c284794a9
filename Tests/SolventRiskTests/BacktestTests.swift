import SolventRisk
import Testing

/// Goal: the coverage tests reproduce the reference's worked values. Method: TV-BT-1..4 and the
/// Kupiec and traffic-light tables of ccp-models.md §6 (MathWorks' varbacktest for TV-BT-2/3).
struct BacktestTests {
    @Test func kupiec() {
        let tv1 = CoverageTests.kupiec(exceptions: 8, observations: 250, expectedRate: 0.01)
        #expect(abs(tv1.statistic - 7.733551) < 1e-6 && abs(tv1.pValue - 0.005420) < 1e-6 && tv1.rejected)
        let table: [(Int, Double, Double)] = [
            (0, 5.025168, 0.0250), (1, 1.176491, 0.2781), (2, 0.108435, 0.7419), (3, 0.094940, 0.7580),
            (4, 0.769138, 0.3805), (5, 1.956810, 0.1619), (6, 3.555355, 0.0594), (7, 5.496990, 0.0190),
            (10, 12.955491, 0.0003),
        ]
        for (x, statistic, p) in table {
            let result = CoverageTests.kupiec(exceptions: x, observations: 250, expectedRate: 0.01)
            #expect(abs(result.statistic - statistic) < 1e-6 && abs(result.pValue - p) < 5e-5, "x = \(x)")
            #expect(result.rejected == !(1...6).contains(x), "x = \(x)")
        }
        let tv2 = CoverageTests.kupiec(exceptions: 57, observations: 1_043, expectedRate: 0.05)
        #expect(abs(tv2.statistic - 0.46147) < 1e-5 && abs(tv2.pValue - 0.49694) < 1e-5)
    }

    @Test func christoffersen() {
        func days(_ list: [Int]) -> [Bool] { (1...250).map { list.contains($0) } }
        let clustered = days([21, 22, 81, 82, 151, 152, 201, 241])
        let n = CoverageTests.transitions(clustered)
        #expect(n == (n00: 236, n01: 5, n10: 5, n11: 3))
        let result = CoverageTests.conditionalCoverage(clustered, expectedRate: 0.01)
        #expect(
            abs(result.independence.statistic - 11.514213) < 1e-6 && abs(result.independence.pValue - 0.00069) < 1e-5)
        #expect(abs(result.conditional.statistic - 19.247764) < 1e-6 && result.conditional.rejected)
        let spread = CoverageTests.conditionalCoverage(days([21, 51, 81, 111, 151, 181, 201, 241]), expectedRate: 0.01)
        #expect(abs(spread.independence.statistic - 0.531218) < 1e-6 && !spread.independence.rejected)
        #expect(
            abs(spread.conditional.statistic - 8.264769) < 1e-6 && abs(spread.conditional.pValue - 0.0160) < 5e-5
                && spread.conditional.rejected)
        // TV-BT-3 (MathWorks): independence from the counts, conditional with the POF of 57 in 1,043.
        let tv3 = CoverageTests.independence(n00: 932, n01: 53, n10: 53, n11: 4)
        #expect(abs(tv3.statistic - 0.25866) < 1e-5 && abs(tv3.pValue - 0.61104) < 1e-5)
        let pof = CoverageTests.kupiec(exceptions: 57, observations: 1_043, expectedRate: 0.05)
        #expect(abs(pof.statistic + tv3.statistic - 0.720129) < 1e-5)
    }

    @Test func trafficLight() {
        let cumulative = [0.0811, 0.2858, 0.5432, 0.7581, 0.8922, 0.9588, 0.9863, 0.9960, 0.9989, 0.9997]
        for (x, expected) in cumulative.enumerated() {
            #expect(
                abs(TrafficLight.cumulativeProbability(exceptions: x, observations: 250, rate: 0.01) - expected) < 5e-5,
                "x = \(x)")
        }
        #expect((0...4).allSatisfy { TrafficLight.zone(exceptions: $0) == .green })
        #expect((5...9).allSatisfy { TrafficLight.zone(exceptions: $0) == .yellow })
        #expect(TrafficLight.zone(exceptions: 10) == .red && TrafficLight.zone(exceptions: 14) == .red)
        #expect(TrafficLight.plusFactor(exceptions: 7) == 0.65)
        // T = 750 at 99.5 % by the cumulative rule: yellow from 7 (as the reference's secondary
        // source says), red further out.
        #expect(TrafficLight.zone(exceptions: 6, observations: 750, rate: 0.005) == .green)
        #expect(TrafficLight.zone(exceptions: 7, observations: 750, rate: 0.005) == .yellow)
        #expect(TrafficLight.zone(exceptions: 11, observations: 750, rate: 0.005) == .yellow)
        #expect(TrafficLight.zone(exceptions: 14, observations: 750, rate: 0.005) == .red)
    }

    /// Z2 by hand: two exceptions of −3 and −5 against ES 2.5 over 250 periods at α = 2.5 %:
    /// (−3 − 5) / (250 × 0.025 × 2.5) + 1 = 0.488.
    @Test func acerbiSzekelyZ2() {
        var pnl = [Double](repeating: 0.1, count: 250)
        pnl[10] = -3
        pnl[20] = -5
        let z = ExpectedShortfallTest.z2(
            pnl: pnl, valueAtRisk: .init(repeating: 2, count: 250),
            expectedShortfall: .init(repeating: 2.5, count: 250), alpha: 0.025)
        #expect(abs(z - 0.488) < 1e-12)
    }
}
