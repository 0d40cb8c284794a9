import Foundation
import SolventRisk
import Testing

/// Goal: the implied-volatility solver recovers the volatility across deep in- and
/// out-of-the-money options and one-day expiries, and refuses prices no volatility produces with
/// a clear error (never NaN). Method: seeded round trips through `BlackScholes.price`.
struct ImpliedVolatilityTests {
    @Test func roundTripsAcrossMoneynessAndExpiry() throws {
        var random = SystemRandomNumberGenerator.seeded(11)
        var solved = 0
        for index in 0..<5_000 {
            let spot = Double.random(in: 1...100_000, using: &random)
            let years = index % 5 == 0 ? 1.0 / 365 : Double.random(in: 1.0 / 365...2, using: &random)
            let option = EuropeanOption(
                right: Bool.random(using: &random) ? .call : .put, spot: spot,
                strike: spot * exp(Double.random(in: -2...2, using: &random)), years: years,
                volatility: Double.random(in: 0.05...3, using: &random),
                rate: Double.random(in: -0.02...0.15, using: &random),
                dividend: Double.random(in: 0...0.1, using: &random))
            let valuation = BlackScholes.valuation(option)
            // Only where the price still carries the volatility: time value above double noise.
            let discount = exp(-option.rate * years)
            let forward = spot * exp(-option.dividend * years) / discount
            let intrinsic = max(0, (option.right == .call ? 1.0 : -1.0) * (forward - option.strike)) * discount
            guard valuation.price - intrinsic > 1e-9 * max(spot, option.strike), valuation.vega > 1e-8 * spot else {
                continue
            }
            let volatility = try ImpliedVolatility.solve(price: valuation.price, option: option).get()
            // The price the solved volatility gives matches, and so does the volatility, as far
            // as the price determines it (relative price error 1e-13 over the vega).
            let repriced = BlackScholes.price(
                EuropeanOption(
                    right: option.right, spot: spot, strike: option.strike, years: years,
                    volatility: volatility, rate: option.rate, dividend: option.dividend))
            #expect(abs(repriced - valuation.price) <= 1e-11 * max(valuation.price, 1e-6 * spot), "\(option)")
            let allowed = max(1e-9 * option.volatility, 1e-13 * max(spot, option.strike) / valuation.vega)
            #expect(abs(volatility - option.volatility) <= allowed, "\(option): \(volatility)")
            solved += 1
        }
        #expect(solved > 3_000)
    }

    @Test func pricesNoVolatilityFitsAreErrors() {
        let option = EuropeanOption(right: .call, spot: 100, strike: 90, years: 0.5, volatility: 0, rate: 0.05)
        // Below the discounted intrinsic value on the forward.
        guard case .failure(.belowIntrinsic) = ImpliedVolatility.solve(price: 5, option: option) else {
            Issue.record("below intrinsic"); return
        }
        // At the maximum (the spot for a call).
        guard case .failure(.aboveMaximum) = ImpliedVolatility.solve(price: 100, option: option) else {
            Issue.record("above maximum"); return
        }
        var expired = option
        expired.years = 0
        guard case .failure(.expired) = ImpliedVolatility.solve(price: 10, option: expired) else {
            Issue.record("expired"); return
        }
        guard case .failure(.invalidInput) = ImpliedVolatility.solve(price: .nan, option: option) else {
            Issue.record("nan"); return
        }
        var bad = option
        bad.strike = 0
        guard case .failure(.invalidInput(let error)) = ImpliedVolatility.solve(price: 10, option: bad) else {
            Issue.record("strike"); return
        }
        #expect(error.field == "strike")
        // Exactly the discounted intrinsic value: zero volatility.
        let intrinsic = 100 - 90 * exp(-0.05 * 0.5)
        #expect((try? ImpliedVolatility.solve(price: intrinsic, option: option).get()) == 0)
    }
}
