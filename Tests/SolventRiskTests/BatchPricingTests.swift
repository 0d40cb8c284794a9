@testable import SolventRisk
import Foundation
import Testing

/// Goal: the SIMD batch path gives what the scalar path gives. Method: the vector exp, log and
/// normal CDF against libm over wide ranges; QuantLib's 1,200 options and 20,000 seeded ones
/// (with zero-time, zero-volatility lanes and a ragged tail) through both paths.
struct BatchPricingTests {
    @Test func vectorMathMatchesLibm() {
        var worstExp = 0.0
        var worstLog = 0.0
        var worstNormal = 0.0
        var random = SystemRandomNumberGenerator.seeded(3)
        for _ in 0..<20_000 {
            let xs = SIMD8<Double>((0..<8).map { _ in Double.random(in: -700...700, using: &random) })
            let e = VectorMath.exp(xs)
            let ys = SIMD8<Double>((0..<8).map { _ in exp(Double.random(in: -700...700, using: &random)) })
            let l = VectorMath.log(ys)
            let zs = SIMD8<Double>((0..<8).map { _ in Double.random(in: -12...12, using: &random) })
            let n = NormalTable.shared.cumulative(zs)
            for lane in 0..<8 {
                worstExp = max(worstExp, abs(e[lane] - exp(xs[lane])) / exp(xs[lane]))
                worstLog = max(worstLog, abs(l[lane] - log(ys[lane])) / max(1, abs(log(ys[lane]))))
                worstNormal = max(worstNormal, abs(n[lane] - BlackScholes.cumulativeNormal(zs[lane])))
            }
        }
        #expect(worstExp < 1e-15 && worstLog < 1e-15 && worstNormal < 5e-15, "exp \(worstExp), log \(worstLog), Φ \(worstNormal)")
    }

    @Test func batchEqualsScalar() throws {
        var options: [EuropeanOption] = []
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/quantlib-european.csv")
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst(2) {
            let f = line.split(separator: ",").map(String.init)
            let n = f.dropFirst().prefix(6).map { Double($0)! }
            options.append(EuropeanOption(right: OptionRight(rawValue: f[0])!, spot: n[0], strike: n[1], years: n[2], volatility: n[3], rate: n[4], dividend: n[5]))
        }
        var random = SystemRandomNumberGenerator.seeded(9)
        for index in 0..<20_003 {
            let spot = Double.random(in: 0.5...100_000, using: &random)
            options.append(EuropeanOption(right: Bool.random(using: &random) ? .call : .put, spot: spot,
                                          strike: spot * exp(Double.random(in: -2...2, using: &random)),
                                          years: index % 97 == 0 ? 0 : Double.random(in: 1.0 / 365...3, using: &random),
                                          volatility: index % 89 == 0 ? 0 : Double.random(in: 0.01...3, using: &random),
                                          rate: Double.random(in: -0.05...0.2, using: &random), dividend: Double.random(in: 0...0.2, using: &random)))
        }
        var out = ValuationBatch(count: 0)
        BatchPricing.valuate(OptionBatch(options), into: &out)
        for (index, option) in options.enumerated() {
            let scalar = BlackScholes.valuation(option)
            let pairs = [(out.price[index], scalar.price), (out.delta[index], scalar.delta), (out.gamma[index], scalar.gamma),
                         (out.vega[index], scalar.vega), (out.theta[index], scalar.theta), (out.rho[index], scalar.rho)]
            // Each figure on its own scale: money per 1.00 (price, vega, theta, rho), per unit of
            // spot (delta), per unit of spot squared (gamma).
            let size = max(option.spot, option.strike)
            let scales = [size, 1, 1 / option.spot, size, size, size]
            for (index, (name, (batch, reference))) in zip(["price", "delta", "gamma", "vega", "theta", "rho"], pairs).enumerated() {
                let allowed = max(1e-12 * abs(reference), 1e-13 * scales[index])
                #expect(abs(batch - reference) <= allowed, "\(option) \(name): \(batch) vs \(reference)")
            }
        }
    }
}
