import Foundation
import SolventCore
import SolventRisk
import SolventServer
import Testing

/// Goal: the keeper's dynamic margin follows the market's own volatility within its stated
/// anti-procyclicality limits. Method: hourly closes built so that every log return is ±a
/// (an EWMA of a constant square is that square, so the volatility is a in closed form), a
/// one-tier 1 % / 0.5 % schedule as the floor, and the rate checked against e^(z·a) − 1; then a
/// shock, the pace, an operator's change and a restart.
struct DynamicMarginScheduleTests {
    static let hour: Int64 = 3_600_000_000_000
    static let published = RiskParameters(
        margin: .tiered(
            try! RiskTierTable.make(tiers: [
                RiskTier(notionalCap: nil, initialRate: Rate("0.01")!, maintenanceRate: Rate("0.005")!)
            ]).get()))
    static let market = MarketID(1)

    /// Prices (Price atoms) whose log returns alternate +a, −a exactly up to the atom.
    static func alternating(_ a: Double, count: Int, from start: Double = 60_000) -> [Int64] {
        (0..<count).map { k in Int64((start * Double(Price.one.atoms) * (k % 2 == 0 ? 1 : Foundation.exp(a))).rounded())
        }
    }

    static func configuration(window: Int = 4, maxRise: Double = 0.5) -> DynamicMarginSchedule.Configuration {
        DynamicMarginSchedule.Configuration(periodSeconds: 3_600, window: window, maxRise: maxRise)
    }

    /// Feeds one price per hour (and a second one inside each hour, which only moves the close);
    /// returns every update with the hour it came at.
    static func run(
        _ schedule: inout DynamicMarginSchedule, prices: [Int64], startHour: Int64 = 0, current: inout RiskParameters
    ) -> [(hour: Int64, update: DynamicMarginSchedule.Update)] {
        var updates: [(Int64, DynamicMarginSchedule.Update)] = []
        for (offset, price) in prices.enumerated() {
            let hour = startHour + Int64(offset)
            if let update = schedule.observe(market: market, time: hour * Self.hour, price: price / 2, current: current)
            {
                updates.append((hour, update))
                current = update.parameters
                schedule.parametersSet(market: market, update.parameters)
            }
            // The last print of the hour is its close.
            #expect(
                schedule.observe(market: market, time: hour * Self.hour + Self.hour / 2, price: price, current: current)
                    == nil)
        }
        return updates
    }

    static func firstInitial(_ parameters: RiskParameters) -> Int64 { parameters.margin.referenceInitialRate.atoms }

    @Test func theRateIsTheClosedFormOnceTheWindowIsFull() {
        // No pace here (a rise of up to 100x a period): the target itself is in force at once.
        var schedule = DynamicMarginSchedule(configuration: Self.configuration(maxRise: 100))
        var current = Self.published
        let a = 0.02
        let updates = Self.run(&schedule, prices: Self.alternating(a, count: 8), current: &current)
        // Closes at hours 0...6 are complete by hour 7: returns from hour 1 on, the window of 4 is
        // full at the close of hour 4 (seen at hour 5); one update, then the same rate again.
        #expect(updates.map(\.hour) == [5])
        let z = RiskMeasures.normalQuantile(0.99)
        let expected = Foundation.exp(z * a) - 1  // 0.04764…
        guard let update = updates.first?.update else { return }
        #expect(abs(update.volatility - a) < 1e-9)
        #expect(abs(update.rate - expected) < 1e-9)
        // The first tier's initial rate is the rate rounded up to the atom; maintenance keeps its half.
        let atoms = Int64((update.rate * Double(Rate.oneAtoms)).rounded(.up))
        #expect(Self.firstInitial(update.parameters) == atoms)
        guard case .tiered(let table) = update.parameters.margin else { return }
        #expect(table.tiers[0].maintenanceRate.atoms == (atoms + 1) / 2)
        #expect(schedule.rate(of: Self.market) == update.rate)
    }

    @Test func aShockRaisesTheRateAtMostByTheStatedPace() {
        var schedule = DynamicMarginSchedule(configuration: Self.configuration(window: 6))
        var current = Self.published
        // Calm: returns of ±0.1 % give a rate below the 1 % floor: nothing to submit.
        let calm = Self.alternating(0.001, count: 10)
        #expect(Self.run(&schedule, prices: calm, current: &current).isEmpty)
        #expect(schedule.rate(of: Self.market) == 0.01)
        // Then ±8 % an hour: the target is far above, each update at most +50 % on the last.
        let shock = Self.alternating(0.08, count: 12, from: Double(calm.last!) / 1e8)
        let updates = Self.run(&schedule, prices: shock, startHour: 10, current: &current)
        var previous = 0.01
        #expect(updates.count >= 4)
        for (_, update) in updates {
            #expect(update.rate <= previous * 1.5 + 2e-9)  // paced from the rate in force, rounded up
            #expect(update.rate > previous)
            previous = update.rate
        }
        // Calm again: the EWMA decays, a fall is taken at once but the stressed weight holds a share.
        let after = Self.run(
            &schedule, prices: Self.alternating(0.001, count: 40, from: 60_000), startHour: 22, current: &current)
        let stressed = 0.25 * (Foundation.exp(RiskMeasures.normalQuantile(0.99) * 0.08) - 1)
        #expect(Self.firstInitial(current) >= Int64(stressed * Double(Rate.oneAtoms)))
        #expect(after.last.map { $0.update.rate < previous } ?? false)
    }

    @Test func anOperatorsScheduleBecomesTheFloor() throws {
        var schedule = DynamicMarginSchedule(configuration: Self.configuration())
        var current = Self.published
        _ = Self.run(&schedule, prices: Self.alternating(0.001, count: 6), current: &current)
        let operators = RiskParameters(
            margin: .tiered(
                try RiskTierTable.make(tiers: [
                    RiskTier(notionalCap: nil, initialRate: Rate("0.1")!, maintenanceRate: Rate("0.08")!)
                ]).get()), fundingIntervalSeconds: 3_600)
        schedule.parametersSet(market: Self.market, operators)
        #expect(schedule.published(of: Self.market) == operators)
        // Calm prices now keep the operator's 10 %, never the old 1 %.
        var now = operators
        let updates = Self.run(&schedule, prices: Self.alternating(0.001, count: 6), startHour: 6, current: &now)
        #expect(updates.isEmpty)
        #expect(schedule.rate(of: Self.market) == 0.1)
    }

    /// An operator who changes only the fees sends back the tiers in force, raised by the
    /// schedule: the fees are taken, the raised tiers do not become the floor.
    @Test func raisedTiersSentBackAreNotTheFloor() throws {
        var schedule = DynamicMarginSchedule(configuration: Self.configuration())
        var current = Self.published
        let updates = Self.run(&schedule, prices: Self.alternating(0.03, count: 7), current: &current)
        #expect(!updates.isEmpty)
        var feeChange = current
        feeChange.feeTakerRate = Rate("0.0005")!
        schedule.parametersSet(market: Self.market, feeChange)
        var expected = Self.published
        expected.feeTakerRate = Rate("0.0005")!
        #expect(schedule.published(of: Self.market) == expected)
    }

    /// A gap of k periods without a price is one return scaled to a period: ±2 % over four hours
    /// reads as ±1 % an hour, not ±2 %.
    @Test func aGapIsScaledToOnePeriod() {
        var schedule = DynamicMarginSchedule(configuration: Self.configuration(maxRise: 100))
        var current = Self.published
        let prices = Self.alternating(0.02, count: 8)
        var last: DynamicMarginSchedule.Update?
        for (k, price) in prices.enumerated() {
            if let update = schedule.observe(
                market: Self.market, time: Int64(k) * 4 * Self.hour, price: price, current: current)
            {
                last = update
                current = update.parameters
            }
        }
        #expect(abs((last?.volatility ?? 0) - 0.01) < 1e-9)
    }

    @Test func aRestartContinuesTheSchedule() throws {
        var schedule = DynamicMarginSchedule(configuration: Self.configuration())
        var current = Self.published
        _ = Self.run(&schedule, prices: Self.alternating(0.03, count: 7), current: &current)
        let restored = DynamicMarginSchedule(configuration: Self.configuration(), restoring: schedule.saved())
        #expect(restored == schedule)
        // A new window restarts the history but keeps the published schedule (not the raised one).
        let changed = DynamicMarginSchedule(configuration: Self.configuration(window: 8), restoring: schedule.saved())
        #expect(changed.published(of: Self.market) == Self.published)
        #expect(changed.rate(of: Self.market) == nil)
        // Garbage in the setting is a fresh start, not a crash.
        #expect(
            DynamicMarginSchedule(configuration: Self.configuration(), restoring: Data("{".utf8)).rate(of: Self.market)
                == nil)
    }

    @Test func invalidParametersAreNamed() {
        var configuration = Self.configuration()
        #expect(configuration.invalidParameter() == nil)
        configuration.window = 1
        #expect(configuration.invalidParameter()?.field == "window")
        configuration = Self.configuration()
        configuration.period = 0
        #expect(configuration.invalidParameter()?.field == "period")
        for (field, value) in [("confidence", 1.0), ("lambda", Double.nan), ("maxRise", 0), ("ceiling", 1.5)] {
            configuration = Self.configuration()
            switch field {
            case "confidence": configuration.confidence = value
            case "lambda": configuration.lambda = value
            case "maxRise": configuration.maxRise = value
            default: configuration.ceiling = value
            }
            #expect(configuration.invalidParameter()?.field == field)
        }
    }
}
