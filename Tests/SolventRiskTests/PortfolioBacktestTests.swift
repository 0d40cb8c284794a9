import RealModule
import SolventRisk
import Testing

/// The backtest `solvent backtest` runs, called as a library: alignment of the series, gaps,
/// the refusals that name their field, and figures that follow from the inputs.
@Suite struct PortfolioBacktestTests {
    static let hour: Int64 = 3_600_000_000_000

    /// Hourly closes following `returns` from 100 (log returns), with a constant volume.
    static func series(
        _ symbol: String, returns: [Double], skip: Set<Int> = [], volumes: Bool = true
    )
        -> PortfolioBacktest.Series
    {
        var price = 100.0
        var times: [Int64] = []
        var closes: [Double] = []
        for (index, step) in ([0] + returns).enumerated() {
            price *= Double.exp(step)
            if skip.contains(index) { continue }
            times.append(Int64(index) * hour)
            closes.append(price)
        }
        return .init(
            symbol: symbol, times: times, closes: closes,
            volumes: volumes ? Array(repeating: 1_000, count: times.count) : nil)
    }

    static func settings(window: Int = 20) -> PortfolioBacktest.Settings {
        var settings = PortfolioBacktest.Settings()
        settings.horizonSeconds = 3_600
        settings.window = window
        return settings
    }

    /// Alternating returns whose size shrinks 1 % a period: every loss is smaller than each
    /// loss before it, so historical VaR at 99 % over 20 periods (the largest loss of the
    /// window) always covers the next period and there is no exception; the margin is the
    /// value held × (1 − e^(−largest fall in the window)).
    static let shrinking = (0..<60).map { (index: Int) -> Double in
        (index % 2 == 0 ? -0.02 : 0.02) * Double.pow(0.99, Double(index))
    }

    @Test func aCalmingSeriesHasNoExceptions() throws {
        let outcome = try PortfolioBacktest.run(
            positions: [.init(symbol: "BTC", quantity: 1)], series: [Self.series("BTC", returns: Self.shrinking)],
            settings: Self.settings())
        #expect(outcome.times.count == 40 && outcome.margins.count == 40 && outcome.exceptionCount == 0)
        #expect(abs(outcome.expectedExceptions - 0.4) < 1e-12)
        #expect(outcome.trafficLight == .green && outcome.gaps.isEmpty && outcome.meanAddOn == nil)
        for (offset, (margin, value)) in zip(outcome.margins, outcome.values).enumerated() {
            let period = 20 + offset
            let largestFall = Self.shrinking[(period - 20)..<period].map { -$0 }.max()!
            #expect(abs(margin - value * (1 - Double.exp(-largestFall))) < 1e-9 * value)
        }
    }

    /// A missing hour in one series removes the two returns that would span it, on every
    /// underlying, and is reported as a gap.
    @Test func aMissingBarIsAGapOnEveryUnderlying() throws {
        let returns = (0..<60).map { $0 % 2 == 0 ? 0.01 : -0.01 }
        let outcome = try PortfolioBacktest.run(
            positions: [.init(symbol: "BTC", quantity: 1), .init(symbol: "ETH", quantity: -2)],
            series: [Self.series("BTC", returns: returns), Self.series("ETH", returns: returns, skip: [30])],
            settings: Self.settings())
        #expect(outcome.gaps.count == 1)
        #expect(outcome.gaps.first.map { ($0.from, $0.to) } ?? (0, 0) == (29 * Self.hour, 31 * Self.hour))
        #expect(outcome.times.count == 60 - 2 - 20)
    }

    /// A loss beyond every loss in the window is an exception.
    @Test func aCrashAfterACalmWindowIsAnException() throws {
        let returns = Array(Self.shrinking.prefix(40)) + [-0.2]
        let outcome = try PortfolioBacktest.run(
            positions: [.init(symbol: "BTC", quantity: 1)], series: [Self.series("BTC", returns: returns)],
            settings: Self.settings())
        #expect(outcome.exceptionCount == 1 && outcome.exceptions.last == true)
        #expect(abs((outcome.losses.last ?? 0) - (outcome.values.last ?? 0) * (1 - Double.exp(-0.2))) < 1e-9)
    }

    @Test func refusalsNameTheirField() throws {
        let returns = (0..<60).map { $0 % 2 == 0 ? 0.01 : -0.01 }
        let btc = Self.series("BTC", returns: returns, volumes: false)
        func refusal(
            _ positions: [PortfolioBacktest.Position], _ change: (inout PortfolioBacktest.Settings) -> Void = { _ in }
        ) -> PortfolioBacktest.Refusal? {
            var settings = Self.settings()
            change(&settings)
            do {
                _ = try PortfolioBacktest.run(positions: positions, series: [btc], settings: settings)
                return nil
            } catch { return error }
        }
        let one = [PortfolioBacktest.Position(symbol: "BTC", quantity: 1)]
        #expect(refusal(one) { $0.confidence = 1 }?.field == "confidence")
        #expect(refusal(one) { $0.horizonSeconds = 60 }?.field == "horizon")
        #expect(refusal(one) { $0.degrees = 2 }?.field == "degrees")
        #expect(refusal(one) { $0.window = 60 }?.field == "window")
        #expect(refusal(one) { $0.liquidity = 0.5 }?.reason == "the prices of BTC have no volume column")
        #expect(refusal([])?.field == "positions")
        #expect(refusal([.init(symbol: "ETH", quantity: 1)])?.field == "positions[0].symbol")
        #expect(refusal(one + [.init(symbol: "BTC", quantity: .infinity)])?.field == "positions[1].quantity")
        let shortLived = PortfolioBacktest.Position(
            symbol: "BTC", quantity: -1, option: .init(right: .call, days: 1))
        #expect(refusal([shortLived]) { $0.horizonSeconds = 86_400 }?.field == "positions[0].days")
        let wideStrike = PortfolioBacktest.Position(
            symbol: "BTC", quantity: -1, option: .init(right: .put, moneyness: 11))
        #expect(refusal([wideStrike])?.field == "positions[0].moneyness")
        // A series the library cannot read is refused, not truncated or taken as NaN.
        func seriesRefusal(_ change: (inout PortfolioBacktest.Series) -> Void) -> String? {
            var broken = btc
            change(&broken)
            do {
                _ = try PortfolioBacktest.run(positions: one, series: [broken], settings: Self.settings())
                return nil
            } catch { return error.field }
        }
        #expect(seriesRefusal { $0.closes[3] = 0 } == "series[BTC].closes")
        #expect(seriesRefusal { $0.closes.removeLast() } == "series[BTC]")
        #expect(seriesRefusal { $0.times.swapAt(4, 5) } == "series[BTC].times")
    }
}
