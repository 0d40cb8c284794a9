import RealModule
import SolventRisk
import Testing

/// The VaR scenario set the keeper refreshes: filtered historical simulation checked against the
/// worked example TV-FHS-1 (ccp-models.md §2.5), the set's volatility, and the
/// anti-procyclicality limits (floor, stressed weight, buffer, pace).
@Suite struct DynamicScenarioSetTests {
    /// TV-FHS-1: λ = 0.94, σ₁ = 0.01; σ₁₁ = 0.018163 and the rescaled returns as printed.
    @Test func filteredReturnsMatchTheWorkedExample() {
        let returns = [0.010, -0.020, 0.015, -0.030, 0.005, 0.040, -0.050, 0.010, 0.000, -0.010]
        let expected = [
            0.018163, -0.036325, 0.025080, -0.048849, 0.006946, 0.057045, -0.057612, 0.009274, 0.000000, -0.009785,
        ]
        let (filtered, volatility) = DynamicScenarioSet(lambda: 0.94).filtered(returns: returns, seed: 0.01)
        #expect(abs(volatility - 0.018163) < 5e-7)
        for (value, reference) in zip(filtered, expected) { #expect(abs(value - reference) < 5e-7, "\(filtered)") }
        // The default seed is the one `RiskMeasures.ewmaVolatility` uses: the same σₙ₊₁.
        let own = DynamicScenarioSet(lambda: 0.94).filtered(returns: returns)
        #expect(abs(own.volatility - RiskMeasures.ewmaVolatility(of: returns, lambda: 0.94)) < 1e-15)
    }

    /// Moves e^(±a) − 1 have volatility a; a set scaled to a target has that volatility; a move
    /// at −1 has none; a flat window has nothing to scale.
    @Test func aSetHasTheVolatilityItIsScaledTo() throws {
        let moves = (0..<20).map { $0 % 3 == 0 ? Double.expMinusOne(-0.02) : Double.expMinusOne(0.02) }
        #expect(abs(DynamicScenarioSet.volatility(ofMoves: moves)! - 0.02) < 1e-15)
        #expect(DynamicScenarioSet.volatility(ofMoves: [0.01, -1]) == nil)
        #expect(DynamicScenarioSet.volatility(ofMoves: []) == 0)
        let shape = [0.01, -0.03, 0.002, 0.05, -0.04, 0.0, 0.015, -0.007, 0.02, -0.01]
        let scaled = try #require(DynamicScenarioSet.moves(filtered: shape, target: 0.035))
        #expect(abs(DynamicScenarioSet.volatility(ofMoves: scaled)! - 0.035) < 1e-15)
        // The shape is kept: every log move is the filtered return times one factor.
        let factor = Double.log(onePlus: scaled[3]) / shape[3]
        for (move, r) in zip(scaled, shape) { #expect(abs(Double.log(onePlus: move) - r * factor) < 1e-15) }
        #expect(DynamicScenarioSet.moves(filtered: Array(repeating: 0, count: 10), target: 0.01) == nil)
        #expect(
            DynamicScenarioSet.moves(filtered: Array(repeating: 0, count: 10), target: 0)
                == Array(repeating: 0, count: 10))
    }

    /// The target: today's volatility blended with the stressed one (weight 0.25), the buffer on
    /// top, at most 1.5 × the set in force, never below the floor; a set in force with no
    /// movement sets no pace.
    @Test func theTargetKeepsTheAntiProcyclicalLimits() {
        let rule = DynamicScenarioSet(stressedWeight: 0.25, buffer: 0.1, maxRise: 0.5)
        // Unbound: (0.75 × 0.02 + 0.25 × 0.04) × 1.1 = 0.0275.
        #expect(
            abs(rule.target(volatility: 0.02, stressedVolatility: 0.04, floor: 0.01, inForce: 0.03) - 0.0275) < 1e-15)
        // Paced: at most 1.5 × 0.01 in force.
        #expect(
            abs(rule.target(volatility: 0.02, stressedVolatility: 0.04, floor: 0.005, inForce: 0.01) - 0.015) < 1e-15)
        // A fall is taken at once, to the floor.
        #expect(rule.target(volatility: 0.001, stressedVolatility: 0.001, floor: 0.012, inForce: 0.05) == 0.012)
        // Nothing in force to pace from: the blend itself.
        #expect(abs(rule.target(volatility: 0.02, stressedVolatility: 0.02, floor: 0, inForce: 0) - 0.022) < 1e-15)
        #expect(DynamicScenarioSet(lambda: 1).invalidParameter()?.field == "lambda")
        #expect(DynamicScenarioSet(stressedWeight: -0.1).invalidParameter()?.field == "stressedWeight")
        #expect(DynamicScenarioSet(buffer: .nan).invalidParameter()?.field == "buffer")
        #expect(DynamicScenarioSet(maxRise: 0).invalidParameter()?.field == "maxRise")
        #expect(DynamicScenarioSet().invalidParameter() == nil)
    }

    /// The backtest's `fhs-dynamic` model runs the keeper's rule period by period: through a calm,
    /// a crash and a calm again, one unit long is never margined below the first window's
    /// historical set (the floor), and after the crash it keeps more than plain FHS, which falls
    /// back with the EWMA (the stressed-period weight); `refresh` is the rule the keeper applies.
    @Test func theBacktestModelIsTheKeepersRuleAlongTheSeries() {
        let calm = (0..<300).map { $0 % 2 == 0 ? 0.01 : -0.01 }
        let crash = (0..<40).map { $0 % 2 == 0 ? 0.05 : -0.06 }
        let returns = (calm + crash + calm).map { [$0] }
        let exposures = [[Double]](repeating: [1_000], count: returns.count)
        func run(_ model: RollingBacktest.Model) -> [Double] {
            RollingBacktest.run(
                returns: returns, exposures: exposures, model: model, window: 100, confidence: 0.99
            ).margins
        }
        let dynamic = run(.fhsDynamic), plain = run(.fhs)
        let floor = 1_000 * -Double.expMinusOne(-0.01)
        #expect(dynamic.allSatisfy { $0 >= floor * (1 - 1e-12) })
        // 200 periods after the crash (its returns have left the window): plain FHS is back at
        // the calm level, the dynamic set still carries a quarter of the crash's volatility.
        let after = 300 + 40 + 200 - 100
        #expect(abs(plain[after] - floor) < 0.05 * floor, "\(plain[after])")
        #expect(dynamic[after] > 1.5 * plain[after], "\(dynamic[after]) vs \(plain[after])")
        // Deterministic: the same series gives the same margins.
        #expect(run(.fhsDynamic) == dynamic)
        #expect(RollingBacktest.Model.fhsDynamic.forecastsShortfall)
    }
}
