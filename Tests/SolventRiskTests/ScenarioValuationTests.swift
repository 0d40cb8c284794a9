import Foundation
import Testing

@testable import SolventRisk

/// The VaR models' vector revaluation of one option under a scenario set equals the scalar
/// Black-76 price at every moved forward (quote and coin premium, calls and puts, deep in and
/// out of the money, one day to two years, zero volatility), and the short-tail selection of
/// the VaR measures equals sorting.
struct ScenarioValuationTests {
    @Test func vectorRevaluationEqualsTheScalarPrice() {
        var random = SystemRandomNumberGenerator.seeded(2026)
        for trial in 0..<400 {
            let count = [10, 13, 64, 999, 1_000][trial % 5]
            let moves = (0..<count).map { _ in Double.random(in: -0.6...1.5, using: &random) }
            let set = ScenarioValuation.Moves(moves)
            let forward = Double.random(in: 10...100_000, using: &random)
            let strike = forward * exp(Double.random(in: -1.5...1.5, using: &random))
            let years = trial % 37 == 0 ? 0 : Double.random(in: 1.0 / 365...2, using: &random)
            let volatility = trial % 41 == 0 ? 0 : Double.random(in: 0.05...3, using: &random)
            let right: OptionRight = trial % 2 == 0 ? .call : .put
            let inCoin = trial % 3 == 0
            let base = Double.random(in: 0...forward, using: &random) / (inCoin ? forward : 1)
            let scale = Double.random(in: -5...5, using: &random)
            let start = (0..<count).map { _ in Double.random(in: -1...1, using: &random) }
            var pnl = start
            pnl.withUnsafeMutableBufferPointer { buffer in
                ScenarioValuation.accumulate(
                    right: right, forward: forward, strike: strike, years: years, volatility: volatility,
                    moves: set, inCoin: inCoin, base: base, scale: scale, into: buffer)
            }
            for h in 0..<count {
                let moved = forward * (1 + moves[h])
                let price = BlackScholes.price(
                    .black76(right: right, forward: moved, strike: strike, years: years, volatility: volatility))
                let value = inCoin ? price / moved : price
                let expected = start[h] + scale * (value - base)
                let allowed =
                    abs(scale) * max(1e-12 * value, 1e-13 * (inCoin ? 1 : moved)) + 1e-15 * abs(expected) + 1e-15
                #expect(abs(pnl[h] - expected) <= allowed, "trial \(trial) h \(h): \(pnl[h]) vs \(expected)")
            }
        }
    }

    @Test func shortTailSelectionEqualsSorting() {
        var random = SystemRandomNumberGenerator.seeded(7)
        for trial in 0..<300 {
            let count = Int.random(in: 1...400, using: &random)
            // Coarse values: ties at the threshold.
            let values = (0..<count).map { _ in Double(Int.random(in: -30...30, using: &random)) }
            let k = Int.random(in: 1...min(count, 40), using: &random)
            #expect(RiskMeasures.largest(values, count: k) == Array(values.sorted(by: >).prefix(k)), "trial \(trial)")
            let confidence = [0.9, 0.95, 0.99, 0.5][trial % 4]
            let tail = min(RiskMeasures.tailCount(scenarios: count, confidence: confidence), count)
            #expect(RiskMeasures.valueAtRisk(losses: values, confidence: confidence) == values.sorted(by: >)[tail - 1])
        }
    }
}
