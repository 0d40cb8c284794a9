import Foundation
import Testing

@testable import SolventRisk

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
            let n = VectorMath.cumulativeNormal(zs)
            for lane in 0..<8 {
                worstExp = max(worstExp, abs(e[lane] - exp(xs[lane])) / exp(xs[lane]))
                worstLog = max(worstLog, abs(l[lane] - log(ys[lane])) / max(1, abs(log(ys[lane]))))
                worstNormal = max(worstNormal, abs(n[lane] - BlackScholes.cumulativeNormal(zs[lane])))
            }
        }
        #expect(
            worstExp < 1e-15 && worstLog < 1e-15 && worstNormal < 2e-15,
            "exp \(worstExp), log \(worstLog), Φ \(worstNormal)")
    }

    /// The vector square root, minimum and lowest lane against the scalar ones.
    @Test func vectorRootAndMinimaMatchTheScalarOnes() {
        var random = SystemRandomNumberGenerator.seeded(4)
        for _ in 0..<20_000 {
            let xs = SIMD8<Double>(
                (0..<8).map { lane in lane == 0 ? 0 : exp(Double.random(in: -700...700, using: &random)) })
            let roots = VectorMath.squareRoot(xs)
            let ys = SIMD8<Double>((0..<8).map { _ in Double.random(in: -1e6...1e6, using: &random) })
            for lane in 0..<8 {
                let exact = xs[lane].squareRoot()
                #expect(abs(roots[lane] - exact) <= exact.ulp, "√\(xs[lane]): \(roots[lane]) vs \(exact)")
                #expect(VectorMath.minimum(xs, ys)[lane] == min(xs[lane], ys[lane]))
            }
            #expect(VectorMath.lowest(ys) == ys.min())
        }
    }

    @Test func batchEqualsScalar() throws {
        var options: [EuropeanOption] = []
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Vectors/quantlib-european.csv")
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst(2) {
            let f = line.split(separator: ",").map(String.init)
            let n = f.dropFirst().prefix(6).map { Double($0)! }
            options.append(
                EuropeanOption(
                    right: OptionRight(rawValue: f[0])!, spot: n[0], strike: n[1], years: n[2], volatility: n[3],
                    rate: n[4], dividend: n[5]))
        }
        var random = SystemRandomNumberGenerator.seeded(9)
        for index in 0..<20_003 {
            let spot = Double.random(in: 0.5...100_000, using: &random)
            options.append(
                EuropeanOption(
                    right: Bool.random(using: &random) ? .call : .put, spot: spot,
                    strike: spot * exp(Double.random(in: -2...2, using: &random)),
                    years: index % 97 == 0 ? 0 : Double.random(in: 1.0 / 365...3, using: &random),
                    volatility: index % 89 == 0 ? 0 : Double.random(in: 0.01...3, using: &random),
                    rate: Double.random(in: -0.05...0.2, using: &random),
                    dividend: Double.random(in: 0...0.2, using: &random)))
        }
        var out = ValuationBatch(count: 0)
        BatchPricing.valuate(OptionBatch(options), into: &out)
        for (index, option) in options.enumerated() {
            let scalar = BlackScholes.valuation(option)
            let pairs = [
                (out.price[index], scalar.price), (out.delta[index], scalar.delta), (out.gamma[index], scalar.gamma),
                (out.vega[index], scalar.vega), (out.theta[index], scalar.theta), (out.rho[index], scalar.rho),
            ]
            // Each figure on its own scale: money per 1.00 (price, vega, theta, rho), per unit of
            // spot (delta), per unit of spot squared (gamma).
            let size = max(option.spot, option.strike)
            let scales = [size, 1, 1 / option.spot, size, size, size]
            for (index, (name, (batch, reference))) in zip(["price", "delta", "gamma", "vega", "theta", "rho"], pairs)
                .enumerated()
            {
                let allowed = max(1e-12 * abs(reference), 1e-13 * scales[index])
                #expect(abs(batch - reference) <= allowed, "\(option) \(name): \(batch) vs \(reference)")
            }
        }
    }

    /// The batch solver against the scalar one: 20,003 seeded options from 1 day to 3 years,
    /// moneyness e^±2, volatility 1 %–300 %, plus invalid inputs and prices no volatility fits
    /// mixed into the lanes; same volatility within 1e-9 where the price moves with volatility,
    /// and the same failures at the same indices.
    @Test func batchImpliedVolatilityEqualsScalar() {
        var random = SystemRandomNumberGenerator.seeded(21)
        var options: [EuropeanOption] = []
        var prices: [Double] = []
        for index in 0..<20_003 {
            let spot = Double.random(in: 0.5...100_000, using: &random)
            var option = EuropeanOption(
                right: Bool.random(using: &random) ? .call : .put, spot: spot,
                strike: spot * exp(Double.random(in: -2...2, using: &random)),
                years: index % 5 == 0 ? 1.0 / 365 : Double.random(in: 1.0 / 365...3, using: &random),
                volatility: Double.random(in: 0.01...3, using: &random),
                rate: Double.random(in: -0.05...0.2, using: &random),
                dividend: Double.random(in: 0...0.2, using: &random))
            var price = BlackScholes.price(option)
            switch index % 211 {
            case 1: price = -1  // invalid
            case 2: price = option.spot * 2  // above the maximum
            case 3: option.years = 0  // expired
            case 4: price = .nan
            case 5: option.strike = 0
            default: break
            }
            options.append(option)
            prices.append(price)
        }
        let output = ImpliedVolatilityBatch.solve(prices: prices, options: OptionBatch(options))
        var failures = output.failures.makeIterator()
        var nextFailure = failures.next()
        var compared = 0
        for (index, option) in options.enumerated() {
            let scalar = ImpliedVolatility.solve(price: prices[index], option: option)
            switch scalar {
            case .failure(let failure):
                #expect(nextFailure?.index == index && nextFailure?.failure == failure, "\(index): \(failure)")
                if nextFailure?.index == index { nextFailure = failures.next() }
                #expect(output.volatility[index] == 0)
            case .success(let value):
                #expect(nextFailure?.index != index, "\(index) failed in the batch: \(String(describing: nextFailure))")
                #expect(output.volatility[index].isFinite)
                // Where vega is negligible the price does not pin the volatility down.
                if BlackScholes.valuation(option).vega > 1e-6 * option.spot {
                    #expect(
                        abs(output.volatility[index] - value) <= 1e-9,
                        "\(option) at \(prices[index]): \(output.volatility[index]) vs \(value)")
                    compared += 1
                }
            }
        }
        #expect(nextFailure == nil)
        #expect(compared > 14_000, "\(compared)")  // 15,187 of 20,003 have vega above 1e-6 × spot
    }
}
