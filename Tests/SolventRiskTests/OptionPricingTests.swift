import Foundation
import SolventRandom
import SolventRisk
import Testing

/// Goal: prices and Greeks match numbers nobody here wrote. Method: Hull's and Haug's textbook
/// values (ccp-models.md §8.2–8.4), 1,200 random options priced by QuantLib's analytic European
/// engine (Scripts/quantlib-vectors.py; committed CSV), and seeded properties (put–call parity,
/// monotonicity).
struct OptionPricingTests {
    static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool { abs(a - b) <= tolerance }

    @Test func hullAndHaugTextbookValues() {
        // Hull: S=42, K=40, r=10 %, σ=20 %, T=0.5.
        let hull = EuropeanOption(right: .call, spot: 42, strike: 40, years: 0.5, volatility: 0.2, rate: 0.1)
        #expect(Self.close(BlackScholes.price(hull), 4.7594, 5e-5))
        var put = hull
        put.right = .put
        #expect(Self.close(BlackScholes.price(put), 0.8086, 5e-5))
        // Hull, Black-76 futures put: F=20, K=20, r=9 %, σ=25 %, T=4/12 → 1.1166 both ways.
        let futures = EuropeanOption.black76(
            right: .put, forward: 20, strike: 20, years: 4.0 / 12, volatility: 0.25, rate: 0.09)
        #expect(Self.close(BlackScholes.price(futures), 1.1166, 5e-5))
        // Hull, Greeks: S=49, K=50, r=5 %, σ=20 %, T=20/52.
        let greeks = BlackScholes.valuation(
            EuropeanOption(right: .call, spot: 49, strike: 50, years: 20.0 / 52, volatility: 0.2, rate: 0.05))
        #expect(
            Self.close(greeks.price, 2.4005, 5e-5) && Self.close(greeks.delta, 0.5216, 5e-5)
                && Self.close(greeks.gamma, 0.0655, 5e-5))
        #expect(
            Self.close(greeks.vega, 12.1055, 5e-5) && Self.close(greeks.theta, -4.3053, 5e-5)
                && Self.close(greeks.rho, 8.9070, 5e-5))
        // Haug via QuantLib's test suite: (right, K, S, q, r, T, σ, value).
        let haug: [(OptionRight, Double, Double, Double, Double, Double, Double, Double)] = [
            (.call, 65, 60, 0, 0.08, 0.25, 0.30, 2.1334), (.put, 95, 100, 0.05, 0.10, 0.50, 0.20, 2.4648),
            (.put, 19, 19, 0.10, 0.10, 0.75, 0.28, 1.7011), (.call, 19, 19, 0.10, 0.10, 0.75, 0.28, 1.7011),
            (.call, 1.60, 1.56, 0.08, 0.06, 0.50, 0.12, 0.0291), (.put, 70, 75, 0.05, 0.10, 0.50, 0.35, 4.0870),
            (.call, 100, 90, 0.10, 0.10, 0.10, 0.15, 0.0205), (.call, 100, 100, 0.10, 0.10, 0.10, 0.15, 1.873345),
            (.call, 100, 110, 0.10, 0.10, 0.50, 0.35, 15.3086), (.put, 100, 90, 0.10, 0.10, 0.50, 0.35, 14.4452),
            (.call, 40, 42, 0.08, 0.04, 0.75, 0.35, 5.0975),
        ]
        for (right, k, s, q, r, t, v, value) in haug {
            let price = BlackScholes.price(
                EuropeanOption(right: right, spot: s, strike: k, years: t, volatility: v, rate: r, dividend: q))
            #expect(Self.close(price, value, 5e-5), "Haug \(right) K=\(k) S=\(s): \(price) vs \(value)")
        }
        // Haug Greeks.
        let delta = EuropeanOption(
            right: .call, spot: 105, strike: 100, years: 0.5, volatility: 0.36, rate: 0.1, dividend: 0.1)
        #expect(Self.close(BlackScholes.valuation(delta).delta, 0.5946, 5e-5))
        var deltaPut = delta
        deltaPut.right = .put
        #expect(Self.close(BlackScholes.valuation(deltaPut).delta, -0.3566, 5e-5))
        let gammaVega = BlackScholes.valuation(
            EuropeanOption(right: .call, spot: 55, strike: 60, years: 0.75, volatility: 0.3, rate: 0.1))
        #expect(Self.close(gammaVega.gamma, 0.0278, 5e-5) && Self.close(gammaVega.vega, 18.9358, 5e-5))
        let theta = BlackScholes.valuation(
            EuropeanOption(
                right: .put, spot: 430, strike: 405, years: 1.0 / 12, volatility: 0.2, rate: 0.07, dividend: 0.05))
        #expect(Self.close(theta.theta, -31.1924, 5e-5) && Self.close(theta.theta / 365, -0.0855, 5e-5))
        let rho = BlackScholes.valuation(
            EuropeanOption(right: .call, spot: 72, strike: 75, years: 1, volatility: 0.19, rate: 0.09))
        #expect(Self.close(rho.rho, 38.7325, 5e-5))
    }

    /// ccp-models.md §8.4: F=60,000, K=65,000, T=30/365, σ=0.60, r=0, and the 7-day ATM case.
    @Test func inverseOptionVectors() {
        let call = EuropeanOption.black76(
            right: .call, forward: 60_000, strike: 65_000, years: 30.0 / 365, volatility: 0.6)
        var put = call
        put.right = .put
        #expect(
            Self.close(BlackScholes.price(call), 2_237.8682, 5e-5)
                && Self.close(BlackScholes.price(put), 7_237.8682, 5e-5))
        let coinCall = InverseOption.coinValuation(call)
        let coinPut = InverseOption.coinValuation(put)
        #expect(Self.close(coinCall.price, 0.03729780, 5e-9) && Self.close(coinPut.price, 0.12063114, 5e-9))
        #expect(
            Self.close(coinCall.premiumAdjustedDelta, 0.314928, 5e-7)
                && Self.close(coinPut.premiumAdjustedDelta, -0.768405, 5e-7))
        // Coin parity with r = 0: C − P = (F − K) / F.
        #expect(Self.close(coinCall.price - coinPut.price, (60_000.0 - 65_000) / 60_000, 1e-12))
        let atm = EuropeanOption.black76(
            right: .call, forward: 100_000, strike: 100_000, years: 7.0 / 365, volatility: 0.5)
        #expect(Self.close(InverseOption.coinValuation(atm).price, 0.02761823, 5e-9))
    }

    /// 1,200 random options (both rights, moneyness e^±1.5, 1 day to 2 years, 5 %–300 % vol,
    /// rates −2 % to 15 %, a fifth Black-76): price and every Greek within 1e-9 relative or
    /// 1e-10 × spot absolute of QuantLib.
    @Test func quantLibCrossCheck() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Vectors/quantlib-european.csv")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        var checked = 0
        var worst = 0.0
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",").map(String.init)
            let numbers = fields.dropFirst().map { Double($0)! }
            let option = EuropeanOption(
                right: OptionRight(rawValue: fields[0])!, spot: numbers[0], strike: numbers[1], years: numbers[2],
                volatility: numbers[3], rate: numbers[4], dividend: numbers[5])
            let ours = BlackScholes.valuation(option)
            let theirs = Array(numbers[6...])
            let names = ["price", "delta", "gamma", "vega", "theta", "rho"]
            let mineAll = [ours.price, ours.delta, ours.gamma, ours.vega, ours.theta, ours.rho]
            for index in names.indices {
                let (name, mine, reference) = (names[index], mineAll[index], theirs[index])
                let error = abs(mine - reference)
                let allowed = max(1e-9 * abs(reference), 1e-10 * option.spot)
                worst = max(worst, error / allowed)
                #expect(error <= allowed, "\(line): \(name) \(mine) vs QuantLib \(reference)")
            }
            checked += 1
        }
        #expect(checked == 1_200)
        print("QuantLib cross-check: \(checked) options, worst error \(worst) of the allowance")
    }

    /// Seeded properties: put–call parity, price rising in volatility and falling (calls) or
    /// rising (puts) in strike, Greeks' signs.
    @Test func parityAndMonotonicity() {
        var random = SystemRandomNumberGenerator.seeded(7)
        for _ in 0..<2_000 {
            let spot = Double.random(in: 1...100_000, using: &random)
            var option = EuropeanOption(
                right: .call, spot: spot, strike: spot * Double.random(in: 0.3...3, using: &random),
                years: Double.random(in: 1.0 / 365...2, using: &random),
                volatility: Double.random(in: 0.05...3, using: &random),
                rate: Double.random(in: -0.02...0.15, using: &random),
                dividend: Double.random(in: 0...0.1, using: &random))
            let call = BlackScholes.valuation(option)
            option.right = .put
            let put = BlackScholes.valuation(option)
            let parity =
                option.spot * exp(-option.dividend * option.years) - option.strike * exp(-option.rate * option.years)
            #expect(abs(call.price - put.price - parity) <= 1e-10 * max(option.spot, option.strike))
            #expect(call.vega >= 0 && call.gamma >= 0 && abs(call.vega - put.vega) <= 1e-9 * max(1, call.vega))
            var higher = option
            higher.volatility *= 1.01
            #expect(BlackScholes.price(higher) >= put.price)
            higher = option
            higher.strike *= 1.01
            #expect(BlackScholes.price(higher) >= put.price)
            higher.right = .call
            #expect(BlackScholes.price(higher) <= call.price)
        }
    }

    @Test func expiryAndZeroVolatility() {
        let expired = BlackScholes.valuation(
            EuropeanOption(right: .call, spot: 110, strike: 100, years: 0, volatility: 0.5))
        #expect(expired.price == 10 && expired.delta == 1 && expired.gamma == 0 && expired.vega == 0)
        let flat = BlackScholes.valuation(
            EuropeanOption(right: .put, spot: 90, strike: 100, years: 1, volatility: 0, rate: 0.05))
        #expect(Self.close(flat.price, 100 * exp(-0.05) - 90, 1e-12))
        #expect(
            EuropeanOption(right: .call, spot: -1, strike: 100, years: 1, volatility: 0.2).inputError?.field == "spot")
        #expect(
            EuropeanOption(right: .call, spot: 1, strike: 100, years: -1, volatility: 0.2).inputError?.field == "years")
        #expect(
            EuropeanOption(right: .call, spot: 1, strike: 100, years: 1, volatility: -0.2).inputError?.field
                == "volatility")
    }
}

extension SystemRandomNumberGenerator {
    /// A seeded generator for the properties (SplitMix64).
    static func seeded(_ seed: UInt64) -> SplitMix64 { SplitMix64(seed: seed) }
}
