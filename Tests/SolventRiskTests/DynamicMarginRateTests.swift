import RealModule
import SolventRisk
import Testing

/// The dynamic margin rate: the risk rate from EWMA volatility, the stressed-period weight, the
/// floor, the pace of a rise, and the backtest model built on it.
@Suite struct DynamicMarginRateTests {
    static let z99 = RiskMeasures.normalQuantile(0.99)

    /// Returns of constant size a (alternating sign) have EWMA volatility a exactly, whatever
    /// λ: the rate is e^(z·a) − 1 once above the floor, and the stressed volatility is the same.
    @Test func constantVolatilityGivesTheRiskRate() {
        let rule = DynamicMarginRate(floor: 0.01)
        let returns = (0..<60).map { $0 % 2 == 0 ? 0.03 : -0.03 }
        let rates = rule.rates(returns: returns, window: 20)
        #expect(rates.count == 40)
        for rate in rates { #expect(abs(rate - (Double.exp(Self.z99 * 0.03) - 1)) < 1e-12) }
        // Below the floor the floor holds.
        let calm = rule.rates(returns: (0..<60).map { $0 % 2 == 0 ? 0.001 : -0.001 }, window: 20)
        #expect(calm.allSatisfy { $0 == 0.01 })
    }

    /// A volatility jump raises the rate by at most half a period; a fall is taken at once,
    /// down to the blend of the calm risk rate and the stressed one (weight 0.25).
    @Test func aRiseIsPacedAndAFallIsNot() {
        let rule = DynamicMarginRate(floor: 0.001, lambda: 0.5)
        let calm = 0.005
        let storm = 0.08
        var previous: Double? = nil
        previous = rule.next(previous: previous, volatility: calm, stressedVolatility: calm)
        let calmRate = Double.exp(Self.z99 * calm) - 1
        #expect(abs(previous! - calmRate) < 1e-15)
        let stormRate = Double.exp(Self.z99 * storm) - 1
        var path: [Double] = []
        for _ in 0..<8 {
            previous = rule.next(previous: previous, volatility: storm, stressedVolatility: storm)
            path.append(previous!)
        }
        #expect(abs(path[0] - calmRate * 1.5) < 1e-15 && abs(path[1] - calmRate * 2.25) < 1e-15)
        #expect(path.last! == stormRate && zip(path, path.dropFirst()).allSatisfy { $1 >= $0 })
        let after = rule.next(previous: previous, volatility: calm, stressedVolatility: storm)
        #expect(abs(after - (0.75 * calmRate + 0.25 * stormRate)) < 1e-15)
    }

    @Test func invalidParametersAreNamed() {
        #expect(DynamicMarginRate(floor: 0).invalidParameter()?.field == "floor")
        #expect(DynamicMarginRate(floor: 0.01, confidence: 1).invalidParameter()?.field == "confidence")
        #expect(DynamicMarginRate(floor: 0.01, stressedWeight: 1.5).invalidParameter()?.field == "stressedWeight")
        #expect(DynamicMarginRate(floor: 0.01, maxRise: 0).invalidParameter()?.field == "maxRise")
        #expect(DynamicMarginRate(floor: 0.5, ceiling: 0.4).invalidParameter()?.field == "ceiling")
        #expect(DynamicMarginRate(floor: 0.01).invalidParameter() == nil)
    }

    /// The backtest's dynamic model holds each underlying's rule rate × |notional|, computed here
    /// from the rule directly on the same returns.
    @Test func theBacktestModelAppliesTheRuleToEachUnderlying() {
        let btc = (0..<80).map { index in (index % 2 == 0 ? 0.02 : -0.02) * (index > 50 ? 3 : 1) }
        let eth = (0..<80).map { index in index % 3 == 0 ? -0.04 : 0.015 }
        let returns = zip(btc, eth).map { [$0, $1] }
        let exposures = (0..<80).map { index in [1_000.0 + Double(index), -2_000.0] }
        let series = RollingBacktest.run(
            returns: returns, exposures: exposures, model: .dynamic, window: 30, confidence: 0.99, lambda: 0.9,
            standardRate: 0.02)
        let rule = DynamicMarginRate(floor: 0.02, confidence: 0.99, lambda: 0.9)
        let btcRates = rule.rates(returns: btc, window: 30)
        let ethRates = rule.rates(returns: eth, window: 30)
        #expect(series.margins.count == 50)
        for (offset, margin) in series.margins.enumerated() {
            let t = 30 + offset
            let expected = btcRates[offset] * abs(exposures[t][0]) + ethRates[offset] * abs(exposures[t][1])
            #expect(abs(margin - expected) < 1e-9 * expected)
        }
        #expect(!RollingBacktest.Model.dynamic.forecastsShortfall)
    }
}
