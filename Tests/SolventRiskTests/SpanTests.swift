import SolventRisk
import Testing

/// Goal: SPAN risk arrays and their combination match the reference. Method: TV-SPAN-2 (BTC
/// future and options, every array entry to the cent) and TV-SPAN-1 (McMillan's published arrays).
struct SpanTests {
    static let parameters = Span.Parameters(priceScanRange: 8_000, volatilityScanRange: 0.10)
    static let future = Span.Contract.future(price: 100_000, multiplier: 1)
    static let call = Span.Contract.option(
        .black76(right: .call, forward: 100_000, strike: 110_000, years: 30.0 / 365, volatility: 0.55), multiplier: 1)
    static let put = Span.Contract.option(
        .black76(right: .put, forward: 100_000, strike: 90_000, years: 30.0 / 365, volatility: 0.55), multiplier: 1)

    @Test func tvSpan2RiskArrays() {
        let expectedFuture = [
            0, 0, -2_666.67, -2_666.67, 2_666.67, 2_666.67, -5_333.33, -5_333.33, 5_333.33, 5_333.33,
            -8_000, -8_000, 8_000, 8_000, -8_400, 8_400,
        ]
        let expectedCall = [
            -909.82, 1_025.96, -1_872.12, 279.20, -88.52, 1_596.68, -2_978.99, -661.03, 598.24, 2_014.58,
            -4_231.10, -1_804.85, 1_159.70, 2_306.39, -4_729.99, 953.55,
        ]
        let expectedPut = [
            -794.77, 882.56, -180.88, 1_307.92, -1_532.61, 307.14, 324.36, 1_614.25, -2_409.38, -450.35,
            735.94, 1_829.45, -3_438.85, -1_419.67, 747.34, -4_425.26,
        ]
        for (contract, expected) in [(Self.future, expectedFuture), (Self.call, expectedCall), (Self.put, expectedPut)]
        {
            let array = Span.riskArray(contract, parameters: Self.parameters)
            for index in 0..<16 {
                #expect(
                    abs(array[index] - expected[index]) < 0.006,
                    "scenario \(index + 1): \(array[index]) vs \(expected[index])")
            }
        }
        // +1 future, −1 call, +1 put: 4,273.94 at scenario 14; requirement 4,273.94 − NOV (−513.74).
        let portfolio = Span.evaluate([(Self.future, 1), (Self.call, -1), (Self.put, 1)], parameters: Self.parameters)
        #expect(abs(portfolio.scanRisk - 4_273.94) < 0.006 && portfolio.scenario == 14)
        #expect(abs(portfolio.netOptionValue + 513.74) < 0.006 && abs(portfolio.requirement - 4_787.68) < 0.01)
        // A short call alone: the extreme scenario 15 sets it; with M = 2 scenario 11 does.
        let short = Span.evaluate([(Self.call, -1)], parameters: Self.parameters)
        #expect(abs(short.scanRisk - 4_729.99) < 0.006 && short.scenario == 15)
        #expect(abs(short.timeRisk + 58.07) < 0.006)
        var two = Self.parameters
        two.extremeMove = 2
        let shortTwo = Span.evaluate([(Self.call, -1)], parameters: two)
        #expect(abs(shortTwo.scanRisk - 4_231.10) < 0.006 && shortTwo.scenario == 11)
        #expect(abs(Span.riskArray(Self.call, parameters: two)[14] + 2_667.69) < 0.006)
    }

    /// McMillan's CME S&P arrays: a long call scans to 3,990 (scenario 14), a covered write to 6,620 (13).
    @Test func tvSpan1Combination() {
        let future: [Double] = [
            0, 0, -3_330, -3_330, 3_330, 3_330, -6_670, -6_670, 6_670, 6_670, -10_000, -10_000, 10_000, 10_000, -7_000,
            7_000,
        ]
        let call: [Double] = [
            -460, 610, -2_640, -1_730, 1_270, 2_340, -5_210, -4_540, 2_540, 3_430, -8_060, -7_640, 3_380, 3_990, -3_130,
            1_500,
        ]
        let longCall = Span.combine(call)
        #expect(longCall.scanRisk == 3_990 && longCall.scenario == 14)
        let covered = Span.combine(zip(future, call).map { $0 - $1 })
        #expect(covered.scanRisk == 6_620 && covered.scenario == 13)
        #expect(covered.volatilityRisk == 305)  // |6,620 − 6,010| / 2
    }

    @Test func shortOptionMinimum() {
        var parameters = Self.parameters
        parameters.shortOptionMinimumRate = 5_000
        let result = Span.evaluate([(Self.call, -1), (Self.put, -1)], parameters: parameters)
        #expect(result.shortOptionMinimum == 10_000)
        parameters.countsShortsGross = false
        #expect(Span.evaluate([(Self.call, -1), (Self.put, -1)], parameters: parameters).shortOptionMinimum == 5_000)
    }
}

/// Deribit's standard option margin vector (ccp-models.md §4.1): F = 100,000, K = 110,000 call,
/// mark 0.02 BTC → IM 0.1200 BTC, MM 0.0950 BTC per short contract.
struct StandardOptionMarginTests {
    @Test func deribitVector() {
        let short = StandardOptionMargin.requirement(
            right: .call, quantity: -1, forward: 100_000, strike: 110_000, markInCoin: 0.02)
        #expect(abs(short.initial - 0.12) < 1e-12 && abs(short.maintenance - 0.095) < 1e-12)
        let three = StandardOptionMargin.requirement(
            right: .call, quantity: -3, forward: 100_000, strike: 110_000, markInCoin: 0.02)
        #expect(abs(three.initial - 0.36) < 1e-12)
        #expect(
            StandardOptionMargin.requirement(
                right: .put, quantity: 2, forward: 100_000, strike: 90_000, markInCoin: 0.01) == (0, 0))
        // An in-the-money short put: 0.15 + mark, never below maintenance.
        let put = StandardOptionMargin.requirement(
            right: .put, quantity: -1, forward: 100_000, strike: 110_000, markInCoin: 0.12)
        #expect(abs(put.initial - 0.27) < 1e-12 && abs(put.maintenance - 0.195) < 1e-12)
    }
}

/// Greeks margin by hand: Hull's call (S 49, K 50, 20 weeks, σ 0.2, r 5 %: Δ 0.5216, Γ 0.0655,
/// vega 12.1055) written 100 times and hedged with 52 units of the underlying.
struct GreeksMarginTests {
    @Test func handComputed() {
        let call = EuropeanOption(right: .call, spot: 49, strike: 50, years: 20.0 / 52, volatility: 0.2, rate: 0.05)
        let greeks = BlackScholes.valuation(call)
        let result = GreeksMargin.evaluate(
            options: [(call, -100)], linear: 52, spot: 49,
            parameters: .init(deltaMove: 0.1, gammaMove: 0.1, volatilityShock: 0.05))
        #expect(abs(result.netDelta - (52 - 100 * greeks.delta)) < 1e-12)  // 52 − 52.16 = −0.16
        #expect(abs(result.deltaCharge - abs(52 - 100 * greeks.delta) * 49 * 0.1) < 1e-12)
        #expect(abs(result.gammaCharge - 0.5 * 100 * greeks.gamma * 4.9 * 4.9) < 1e-12)  // ≈ 78.69
        #expect(abs(result.vegaCharge - 100 * greeks.vega * 0.05) < 1e-12)  // ≈ 60.5
        #expect(abs(result.gammaCharge - 78.69) < 0.01 && abs(result.vegaCharge - 60.53) < 0.01)
        // Long gamma is not charged; opposite vegas offset only when allowed across expiries.
        let later = EuropeanOption(right: .call, spot: 49, strike: 50, years: 40.0 / 52, volatility: 0.2, rate: 0.05)
        let spread = [(call, -1.0), (later, 1.0)]
        let separate = GreeksMargin.evaluate(options: spread, spot: 49)
        var offsetting = GreeksMargin.Parameters()
        offsetting.vegaOffsetsAcrossExpiries = true
        let netted = GreeksMargin.evaluate(options: spread, spot: 49, parameters: offsetting)
        #expect(netted.vegaCharge < separate.vegaCharge && separate.gammaCharge >= 0)
        #expect(GreeksMargin.evaluate(options: [(call, 1)], spot: 49).gammaCharge == 0)
    }
}
