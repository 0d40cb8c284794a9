import Foundation
import SolventRisk
import Testing

/// Goal: scenario margin reproduces the reference's worked example and the fast path (table
/// normal CDF, risk array, SIMD aggregation) equals full revaluation. Method: TV-PM-1 (a short put
/// on Paradex's grid, ccp-models.md §4.3), seeded books checked portfolio by portfolio.
struct ScenarioMarginTests {
    /// Short 1 BTC put, spot 100,000, K 90,000, 30 days, IV 0.60, r = 0: scan risk 12,794.04 at
    /// the −66 % tail (weight 0.24).
    @Test func paradexShortPut() {
        let put = EuropeanOption(right: .put, spot: 100_000, strike: 90_000, years: 30.0 / 365, volatility: 0.6)
        #expect(abs(BlackScholes.price(put) - 2_691.5685) < 1e-4)
        let grid = ScenarioGrid.paradex()
        #expect(grid.scenarios.count == 26)
        let result = ScenarioMargin.evaluate(options: [(put, -1)], spot: 100_000, grid: grid)
        #expect(abs(result.scanRisk - 12_794.04) < 0.01, "\(result.scanRisk)")
        let worst = grid.scenarios[result.worstScenario]
        #expect(worst.spotMove == -0.66 && worst.volatilityShock == 0.40 && abs(worst.weight - 0.24) < 1e-12)
        func pnl(_ move: Double, _ shock: Double) -> Double {
            result.pnl[grid.scenarios.firstIndex { abs($0.spotMove - move) < 1e-12 && $0.volatilityShock == shock }!]
        }
        #expect(abs(pnl(-0.16, 0.40) + 8_984.73) < 0.01)
        #expect(abs(pnl(-0.12, 0.40) + 6_875.29) < 0.01)
        #expect(abs(pnl(-0.33, 0.40) + 21_299.06) < 0.01)
        #expect(abs(pnl(0, -0.22) - 1_123.44) < 0.01)
        #expect(abs(grid.shockedVolatility(0.6, shock: -0.22, days: 30) - 0.468) < 1e-12)
    }

    @Test func millsRatioNormalMatchesErfc() {
        var worst = 0.0
        var x = -12.0
        while x <= 12 {
            worst = max(worst, abs(MillsRatio.shared.cumulative(x) - BlackScholes.cumulativeNormal(x)))
            x += 0.000_37
        }
        #expect(worst < 2e-15, "\(worst)")
    }

    /// A chain and 300 seeded portfolios (options and a linear leg) on the bench's grid and on
    /// Paradex's: the risk-array margins equal full revaluation to 1e-9 of the notional.
    @Test(arguments: [
        ScenarioGrid.uniform(moves: 21, maxMove: 0.16, volatilityShocks: [-0.25, 0, 0.25]), ScenarioGrid.paradex(),
    ])
    func riskArrayEqualsFullRevaluation(grid: ScenarioGrid) {
        var random = SystemRandomNumberGenerator.seeded(5)
        let spot = 100.0
        var chain: [EuropeanOption] = []
        for days in [1.0, 7, 30, 90, 365] {
            for strike in stride(from: 60.0, through: 160, by: 10) {
                for right in OptionRight.allCases {
                    chain.append(
                        EuropeanOption(
                            right: right, spot: spot, strike: strike, years: days / 365,
                            volatility: Double.random(in: 0.3...1.2, using: &random), rate: 0.03, dividend: 0.03))
                }
            }
        }
        let array = ScenarioMargin.riskArray(contracts: chain, grid: grid)
        var offsets = [0]
        var contracts: [Int32] = []
        var quantities: [Double] = []
        var linear: [Double] = []
        for _ in 0..<300 {
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                contracts.append(Int32.random(in: 0..<Int32(chain.count), using: &random))
                quantities.append(Double.random(in: -10...10, using: &random))
            }
            offsets.append(contracts.count)
            linear.append(Double.random(in: -50...50, using: &random))
        }
        let book = ScenarioMargin.Book(
            offsets: offsets, contracts: contracts, quantities: quantities, linear: linear, spot: spot)
        let fast = ScenarioMargin.margins(book, riskArray: array)
        for p in 0..<300 {
            let positions = (offsets[p]..<offsets[p + 1]).map { (chain[Int(contracts[$0])], quantities[$0]) }
            let exact = ScenarioMargin.evaluate(options: positions, linear: linear[p], spot: spot, grid: grid).scanRisk
            #expect(abs(fast[p] - exact) <= 1e-9 * 1_000 * spot, "portfolio \(p): \(fast[p]) vs \(exact)")
        }
    }
}
