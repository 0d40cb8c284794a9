import Testing

@testable import SolventRisk

/// Goal: the Z2 p-value reproduces the reference's Monte Carlo critical values (ccp-models.md
/// TV-ES-1, normal, T = 250, α = 2.5 %: 5 % at −0.70, 1 % at −1.04), and is deterministic by seed.
struct ExpectedShortfallTestTests {
    @Test func z2PValueMatchesTheCriticalValues() {
        let five = ExpectedShortfallTest.z2PValue(-0.7044, observations: 250, alpha: 0.025, simulations: 4_000, seed: 7)
        let one = ExpectedShortfallTest.z2PValue(-1.0420, observations: 250, alpha: 0.025, simulations: 4_000, seed: 7)
        #expect(abs(five - 0.05) < 0.012, "\(five)")
        #expect(abs(one - 0.01) < 0.006, "\(one)")
        #expect(ExpectedShortfallTest.z2PValue(0.3, observations: 250, alpha: 0.025, simulations: 500, seed: 3) > 0.5)
        #expect(
            five
                == ExpectedShortfallTest.z2PValue(-0.7044, observations: 250, alpha: 0.025, simulations: 4_000, seed: 7)
        )
    }

    /// A window's figures from a hand-made series.
    @Test func crashWindowFigures() throws {
        let window = CrashWindow(name: "w", start: 1_000, end: 2_000)
        let times: [Int64] = [500, 1_000, 1_500, 2_000, 2_500]
        let figures = try #require(
            window.procyclicality(times: times, margins: [1, 2, 5, 4, 9], losses: [0, 0, 6, 1, 20]))
        #expect(
            figures.before == 2 && figures.peak == 5 && figures.increase == 1.5 && figures.exceptions == 1
                && figures.worstLoss == 6)
        #expect(
            CrashWindow(name: "late", start: 3_000, end: 4_000).procyclicality(
                times: times, margins: [1, 2, 5, 4, 9], losses: [0, 0, 6, 1, 20]) == nil)
    }
}
