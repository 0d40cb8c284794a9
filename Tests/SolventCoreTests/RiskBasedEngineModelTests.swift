import Foundation
import SolventCore
import SolventRisk
import SolventTestSupport
import Testing

/// SPAN-style and Greeks-based margin as accounts' models in the engine: the
/// engine's requirement for a hedged option book equals the risk layer's `Span.evaluate` (max of
/// scan risk and short option minimum) and `GreeksMargin.evaluate`, computed here from the same
/// marks; rules can be changed and bad rules name their field.
@Suite struct RiskBasedEngineModelTests {
    /// Account 2: short one 55,000 call, long 0.3 BTC perpetual (bought from account 4).
    static func book() -> (Harness, years: Double, sigma: Double) {
        var (harness, expiry) = OptionEngineTests.venue()
        _ = OptionEngineTests.trade(&harness)
        harness.openFunded(4, usdt: "20000")
        harness.ok(
            .applyFill(
                Fill(
                    market: OptionEngineTests.perp, buyer: AccountID(2), seller: AccountID(4),
                    quantity: Quantity("0.3")!, price: Price("50000")!, taker: .buyer)))
        let engine = harness.engine
        let years =
            Double(expiry.nanoseconds - engine.market(OptionEngineTests.perp)!.markTime.nanoseconds) / (365 * 86_400e9)
        return (harness, years, Double(engine.market(OptionEngineTests.call)!.optionVolatility) / 1e9)
    }

    static func pool(_ harness: Harness) throws -> PoolRisk {
        try harness.engine.crossPool(of: harness.engine.account(AccountID(2))!).get()
    }

    @Test func spanEqualsTheRiskLayersArrays() throws {
        var (harness, years, sigma) = Self.book()
        harness.ok(.setMarginModel(account: AccountID(2), .span))
        let call = EuropeanOption(right: .call, spot: 50_000, strike: 55_000, years: years, volatility: sigma)
        func expected(_ rules: SpanMarginRules) -> Double {
            func d(_ r: Rate) -> Double { Double(r.atoms) / 1e9 }
            let parameters = Span.Parameters(
                priceScanRange: d(rules.priceScanRange) * 50_000, volatilityScanRange: d(rules.volatilityScanRange),
                relativeVolatility: true, extremeMove: d(rules.extremeMove), coveredFraction: d(rules.coveredFraction),
                lookaheadYears: Double(rules.lookaheadDays) / 365,
                shortOptionMinimumRate: d(rules.shortOptionMinimum) * 50_000)
            let result = Span.evaluate(
                [(.future(price: 50_000, multiplier: 1), 0.3), (.option(call, multiplier: 1), -1)],
                parameters: parameters)
            return max(result.scanRisk, result.shortOptionMinimum)
        }
        let pool = try Self.pool(harness)
        #expect(
            abs(Double(pool.initial) - expected(.standard) * 1e6) <= 2,
            "engine \(pool.initial), SPAN \(expected(.standard))")
        #expect(pool.maintenance == (pool.initial * 8 + 9) / 10)
        // A wider range asks more; the same figure as the risk layer again.
        var wide = SpanMarginRules.standard
        wide.priceScanRange = Rate("0.25")!
        wide.lookaheadDays = 0
        harness.ok(.configureSpanMargin(wide))
        let widened = try Self.pool(harness)
        #expect(widened.initial > pool.initial)
        #expect(abs(Double(widened.initial) - expected(wide) * 1e6) <= 2)
        // A large short option minimum binds.
        var floor = SpanMarginRules.standard
        floor.shortOptionMinimum = Rate("0.9")!
        harness.ok(.configureSpanMargin(floor))
        #expect(try Self.pool(harness).initial == 45_000_000_000)
        var bad = SpanMarginRules.standard
        bad.priceScanRange = Rate("0.4")!
        bad.extremeMove = Rate("3")!
        let outcome = harness.run(.configureSpanMargin(bad))
        #expect(outcome.rejection?.code == .invalidParameter && outcome.rejection?.field == "rules.extremeMove")
    }

    @Test func greeksEqualTheRiskLayersCharges() throws {
        var (harness, years, sigma) = Self.book()
        harness.ok(.setMarginModel(account: AccountID(2), .greeks))
        let call = EuropeanOption(right: .call, spot: 50_000, strike: 55_000, years: years, volatility: sigma)
        let expected = GreeksMargin.evaluate(options: [(call, -1)], linear: 0.3, spot: 50_000)
        let pool = try Self.pool(harness)
        // Central differences against the analytic Greeks: within a millionth.
        #expect(
            abs(Double(pool.initial) - expected.requirement * 1e6) <= max(5, 1e-6 * expected.requirement * 1e6),
            "engine \(pool.initial), Greeks \(expected.requirement) (delta \(expected.deltaCharge), gamma \(expected.gammaCharge), vega \(expected.vegaCharge))"
        )
        // Without the vega charge, less.
        var noVega = GreeksMarginRules.standard
        noVega.volatilityShock = .zero
        harness.ok(.configureGreeksMargin(noVega))
        let lower = try Self.pool(harness)
        #expect(
            abs(Double(lower.initial) - (expected.deltaCharge + expected.gammaCharge) * 1e6)
                <= max(5, 1e-6 * Double(lower.initial)))
        var bad = GreeksMarginRules.standard
        bad.deltaMove = Rate("1.5")!
        let outcome = harness.run(.configureGreeksMargin(bad))
        #expect(outcome.rejection?.field == "rules.deltaMove")
    }
}
