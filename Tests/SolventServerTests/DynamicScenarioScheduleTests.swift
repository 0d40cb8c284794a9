import Foundation
import SolventCore
import SolventRisk
import SolventServer
import Testing

/// Goal: with dynamic margin, the keeper refreshes the venue's published VaR scenario set from
/// the markets' own history by filtered historical simulation, within the stated
/// anti-procyclicality limits, keeping the markets' joint moves. Method: two markets whose hourly
/// log returns are ±4 % in opposite directions (an EWMA of a constant square is that square, so
/// every volatility is in closed form), a published set of ±1 % moves as the floor, a window of
/// ten returns; then an operator's change, a gap in one market, a short window and a restart.
struct DynamicScenarioScheduleTests {
    static let hour: Int64 = 3_600_000_000_000
    static let markets = [MarketID(1), MarketID(2)]

    static func rate(_ logMove: Double) -> Rate { Rate(atoms: Int64((Foundation.expm1(logMove) * 1e9).rounded())) }

    /// Ten scenarios of ±`volatility` log moves, the second market moving against the first.
    static func published(volatility: Double, confidence: String = "0.99") -> VaRMarginRules {
        let moves = (0..<10).map { $0 % 2 == 0 ? volatility : -volatility }
        return VaRMarginRules(
            series: [
                .init(market: markets[0], moves: moves.map(rate)),
                .init(market: markets[1], moves: moves.map { rate(-$0) }),
            ],
            confidence: Rate(confidence)!, maintenanceFactor: Rate("0.8")!)
    }

    static func volatility(_ series: VaRMarginRules.Series) -> Double {
        DynamicScenarioSet.volatility(ofMoves: series.moves.map { Double($0.atoms) / 1e9 })!
    }

    /// One print per market per hour; market 2 skips the hours in `skipping`.
    static func observe(_ schedule: inout DynamicMarginSchedule, hour: Int64, skipping: Set<Int64> = []) {
        let swing = hour % 2 == 0 ? 0.0 : 0.04
        for (index, market) in markets.enumerated() where index == 0 || !skipping.contains(hour) {
            let level = index == 0 ? swing : 0.04 - swing
            let price = Int64((60_000 * Foundation.exp(level) * Double(Price.one.atoms)).rounded())
            _ = schedule.observe(
                market: market, time: hour * Self.hour, price: price, current: DynamicMarginScheduleTests.published)
        }
    }

    /// Runs hours `hours`, putting every update in force; returns them with their hour.
    static func run(
        _ schedule: inout DynamicMarginSchedule, hours: Range<Int64>, inForce: inout VaRMarginRules,
        skipping: Set<Int64> = []
    ) -> [(hour: Int64, rules: VaRMarginRules)] {
        var updates: [(Int64, VaRMarginRules)] = []
        for hour in hours {
            observe(&schedule, hour: hour, skipping: skipping)
            if let update = schedule.scenarioUpdate(inForce: inForce) {
                #expect(update.replacing == inForce)
                inForce = update.rules
                updates.append((hour, update.rules))
            }
        }
        return updates
    }

    static func configuration(window: Int = 10) -> DynamicMarginSchedule.Configuration {
        DynamicMarginSchedule.Configuration(periodSeconds: 3_600, window: window, stressedWeight: 0.25, maxRise: 0.5)
    }

    @Test func theSetRisesAtTheStatedPaceToTheMarketsVolatility() {
        var schedule = DynamicMarginSchedule(configuration: Self.configuration())
        var inForce = Self.published(volatility: 0.01)
        let updates = Self.run(&schedule, hours: 0..<16, inForce: &inForce)
        // Returns end at periods 1, 2, …; ten of them are in when hour 11's prints close period 10.
        #expect(updates.first?.hour == 11)
        // 1.5 × 0.01, then × 1.5 again, up to the window's volatility of 0.04 (blend of 0.04 and a
        // stressed 0.04), then level.
        let expected = [0.015, 0.0225, 0.03375, 0.04, 0.04]
        #expect(updates.count == expected.count)
        for ((_, rules), target) in zip(updates, expected) {
            for series in rules.series { #expect(abs(Self.volatility(series) - target) < 1e-8, "\(target)") }
            // Joint moves: each scenario moves the two markets as their prices moved, in opposite ways.
            for (a, b) in zip(rules.series[0].moves, rules.series[1].moves) { #expect((a.atoms > 0) != (b.atoms > 0)) }
            #expect(rules.confidence == inForce.confidence && rules.maintenanceFactor == Rate("0.8")!)
        }
        // The last set moves as the last ten periods did: its newest scenario is period 14 (closed
        // by hour 15's print), whose even-hour close fell for market 1.
        #expect(updates.last!.rules.series[0].moves.last!.atoms < 0)
    }

    @Test func anOperatorsSetIsTheNewFloorAndOtherFieldsAreTaken() {
        var schedule = DynamicMarginSchedule(configuration: Self.configuration())
        var inForce = Self.published(volatility: 0.01)
        _ = Self.run(&schedule, hours: 0..<13, inForce: &inForce)
        // The operator changes the confidence over the keeper's own moves: the floor stays the
        // published ±1 %, the new confidence is kept.
        inForce.confidence = Rate("0.975")!
        let next = Self.run(&schedule, hours: 13..<14, inForce: &inForce)
        #expect(next.first?.rules.confidence == Rate("0.975")!)
        #expect(schedule.publishedScenarioRules?.series == Self.published(volatility: 0.01).series)
        // A set of ±5 % moves is the operator's own: the floor rises to it.
        inForce = Self.published(volatility: 0.05)
        let raised = Self.run(&schedule, hours: 14..<16, inForce: &inForce)
        #expect(raised.isEmpty == false)
        for (_, rules) in raised {
            for series in rules.series { #expect(abs(Self.volatility(series) - 0.05) < 1e-8) }
        }
        // Restarted from the saved state: the published set and the history are kept.
        let restored = DynamicMarginSchedule(configuration: Self.configuration(), restoring: schedule.saved())
        #expect(restored.publishedScenarioRules == schedule.publishedScenarioRules)
        var continued = restored
        #expect(Self.run(&continued, hours: 16..<17, inForce: &inForce).count == 1)
    }

    /// A market that missed an hour has no return for that period: the joint set waits until
    /// both windows cover the same ten periods again.
    @Test func aGapInOneMarketHoldsTheSetUntilTheWindowsAlign() {
        var schedule = DynamicMarginSchedule(configuration: Self.configuration())
        var inForce = Self.published(volatility: 0.01)
        let updates = Self.run(&schedule, hours: 0..<30, inForce: &inForce, skipping: [14])
        // Sets at hours 11–13; market 2 has no return ending at period 14 (its return over 13→15
        // ends at 15), so the windows differ while period 14 is in market 1's: from hour 25 on,
        // its window (periods 15–24) is market 2's too.
        #expect(updates.map(\.hour) == [11, 12, 13, 25, 26, 27, 28, 29])
    }

    @Test func noSetWithoutAPublishedOneOrWithAShortWindow() {
        var short = DynamicMarginSchedule(configuration: Self.configuration(window: 4))
        var inForce = Self.published(volatility: 0.01)
        #expect(Self.run(&short, hours: 0..<12, inForce: &inForce).isEmpty)
        var none = DynamicMarginSchedule(configuration: Self.configuration())
        var unconfigured = VaRMarginRules.unconfigured
        #expect(Self.run(&none, hours: 0..<14, inForce: &unconfigured).isEmpty)
    }
}
