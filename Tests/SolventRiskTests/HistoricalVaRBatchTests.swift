import Testing

@testable import SolventRisk

/// The batched tail selection must equal the sort-based definition (RiskMeasures) exactly —
/// including ties, histories that are not a multiple of the SIMD width, and tails longer
/// than one block.
@Suite struct HistoricalVaRBatchTests {
    // Histories below, at and off the eight-scenario steps and sixteen-scenario blocks; one
    // asset and several.
    @Test(arguments: [
        (1000, 0.99, 5), (997, 0.99, 5), (250, 0.975, 3), (13, 0.5, 5), (64, 0.9, 1), (7, 0.5, 2), (1000, 0.95, 9),
    ])
    func matchesSortedLosses(history: Int, confidence: Double, assets: Int) {
        var random = SystemRandomNumberGenerator.seeded(UInt64(history * 31 + assets))
        // Returns on a coarse grid so that equal P&Ls (ties at the threshold) occur.
        let returns = (0..<(assets * history)).map { _ in Double(Int.random(in: -40...40, using: &random)) / 1000 }
        let portfolios = 203  // four at a time, and three on their own
        let holdings = (0..<(portfolios * assets)).map { _ in Double(Int.random(in: -5...5, using: &random)) * 1e4 }
        let scenarios = HistoricalVaRBatch.Scenarios(assets: assets, history: history, returns: returns)
        let (valueAtRisk, shortfall) = HistoricalVaRBatch.evaluate(
            holdings: holdings, scenarios: scenarios, confidence: confidence)
        for p in 0..<portfolios {
            let losses = (0..<history).map { h in
                -(0..<assets).reduce(0.0) { $0 + holdings[p * assets + $1] * returns[$1 * history + h] }
            }
            #expect(
                abs(valueAtRisk[p] - RiskMeasures.valueAtRisk(losses: losses, confidence: confidence)) <= 1e-9
                    * max(1, abs(valueAtRisk[p])))
            #expect(
                abs(shortfall[p] - RiskMeasures.expectedShortfall(losses: losses, confidence: confidence)) <= 1e-9
                    * max(1, abs(shortfall[p])))
            #expect(shortfall[p] >= valueAtRisk[p] - 1e-9)
        }
    }
}
