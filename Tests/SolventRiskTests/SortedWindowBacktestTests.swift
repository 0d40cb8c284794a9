import SolventRandom
import SolventRisk
import Testing

/// The historical backtest of one underlying reads its tail from a window kept sorted as it
/// slides. It must give the general path's figures to the last bit: the general path runs when a
/// second asset is present, and a second asset with no exposure and no return adds exactly zero
/// to every loss, so the two runs must agree exactly in margins, shortfalls, losses and exceptions.
struct SortedWindowBacktestTests {
    /// Seeded returns rounded to 1e-4 (many ties), long, short and flat exposures, windows whose
    /// tail is short (kept by insertion: 3, 6) and long (sorted: 49) on the general path.
    // Small enough to run in a second on a debug build beside the rest of the suite.
    @Test(arguments: [(250, 0.99), (120, 0.95), (97, 0.5)])
    func theSortedWindowGivesTheGeneralPathsFigures(window: Int, confidence: Double) {
        var random = SplitMix64(seed: UInt64(window))
        let periods = window + 600
        let returns = (0..<periods).map { _ in
            [((Double(random.next() % 2_001) - 1_000) / 1_000 * 0.05 * 10_000).rounded() / 10_000]
        }
        let exposures = (0..<periods).map { t -> [Double] in
            switch t / 150 % 4 {
            case 0: return [1_000_000]
            case 1: return [-250_000.5]
            case 2: return [0]
            default: return [Double(t) * 10]
            }
        }
        let addOns = (0..<periods).map { Double($0 % 13) * 7.5 }
        for tool in AntiProcyclicalTool.allCases {
            let fast = RollingBacktest.run(
                returns: returns, exposures: exposures, model: .historical, window: window, confidence: confidence,
                tool: tool, addOns: tool == .buffer ? addOns : nil)
            let general = RollingBacktest.run(
                returns: returns.map { $0 + [0] }, exposures: exposures.map { $0 + [0] }, model: .historical,
                window: window, confidence: confidence, tool: tool, addOns: tool == .buffer ? addOns : nil)
            #expect(fast.margins == general.margins, "window \(window), \(tool)")
            #expect(fast.shortfalls == general.shortfalls, "window \(window), \(tool)")
            #expect(fast.held == general.held && fast.losses == general.losses, "window \(window), \(tool)")
            #expect(fast.exceptions == general.exceptions, "window \(window), \(tool)")
        }
    }

    /// A window that is not finite throughout falls back to the general path (same figures): a
    /// return of −∞ (a price gone to zero) loses the whole exposure in its scenarios.
    @Test func aNonFiniteReturnTakesTheGeneralPath() {
        var returns = (0..<400).map { [Double($0 % 17) / 1_000 - 0.008] }
        returns[120][0] = -.infinity
        let exposures = [[Double]](repeating: [1_000], count: 400)
        let run = RollingBacktest.run(
            returns: returns, exposures: exposures, model: .historical, window: 100, confidence: 0.99)
        let general = RollingBacktest.run(
            returns: returns.map { $0 + [0] }, exposures: exposures.map { $0 + [0] }, model: .historical,
            window: 100, confidence: 0.99)
        #expect(run.margins == general.margins && run.shortfalls == general.shortfalls)
        #expect(run.margins[30] == 1_000, "the window holding the −∞ return loses the whole exposure")
    }
}
