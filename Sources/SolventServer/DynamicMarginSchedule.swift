import Foundation
import SolventCore
import SolventRisk

/// Dynamic margin as the service's keeper runs it: per market, the closes of the market's own
/// index (its mark where no index is published) at the end of every `period` of engine time, the
/// log returns between them, and after every period once `window` returns are in, the rate
/// `DynamicMarginRate` sets from their EWMA volatility with its anti-procyclicality limits (the
/// market's published schedule as the floor, the stressed-period weight, the buffer, a rise of at
/// most `maxRise` a period, the ceiling). The published schedule is scaled so that its first
/// tier's initial rate is that rate (`MarginSchedule.scaled(toInitialRate:)`), and the keeper
/// submits it as an ordinary `setRiskParameters` input: the journal records it and a replay
/// reproduces the margins without re-running this rule.
///
/// Deterministic in its inputs (engine time and prices in atoms); its state is saved with the
/// journal (`Keeper`) so that a restart neither forgets the history nor takes a raised schedule
/// for the published one. Parameters an operator sets (while it runs or before a restart)
/// become the new published schedule (the floor), unless their margin is the published schedule
/// scaled: then it is the schedule's own and only their other fields (fees, funding) are taken.
public struct DynamicMarginSchedule: Sendable, Codable, Equatable {
    public struct Configuration: Sendable, Codable, Equatable {
        /// Engine time between recomputations, and the horizon of each return (nanoseconds).
        public var period: Int64
        /// Returns the volatility is estimated from; nothing is emitted before this many.
        public var window: Int
        public var confidence: Double
        public var lambda: Double
        public var stressedWeight: Double
        public var buffer: Double
        public var maxRise: Double
        public var ceiling: Double

        public init(
            periodSeconds: Int64 = 8 * 3_600, window: Int = 90, confidence: Double = 0.99, lambda: Double = 0.94,
            stressedWeight: Double = 0.25, buffer: Double = 0, maxRise: Double = 0.5, ceiling: Double = 1
        ) {
            period = periodSeconds * 1_000_000_000
            (self.window, self.confidence, self.lambda) = (window, confidence, lambda)
            (self.stressedWeight, self.buffer, self.maxRise, self.ceiling) = (stressedWeight, buffer, maxRise, ceiling)
        }

        /// The rule with a market's published initial rate as its floor.
        func rule(floor: Double) -> DynamicMarginRate {
            DynamicMarginRate(
                floor: floor, confidence: confidence, lambda: lambda, stressedWeight: stressedWeight, buffer: buffer,
                maxRise: maxRise, ceiling: ceiling)
        }

        /// The scenario-set rule under the same limits.
        var scenarioRule: DynamicScenarioSet {
            DynamicScenarioSet(lambda: lambda, stressedWeight: stressedWeight, buffer: buffer, maxRise: maxRise)
        }

        /// The parameter out of its range, named, or nil.
        public func invalidParameter() -> (field: String, reason: String)? {
            if period < 1_000_000_000 || period > 366 * 86_400 * 1_000_000_000 {
                return ("period", "from 1 second to 366 days")
            }
            if window < 2 || window > 10_000 { return ("window", "from 2 to 10,000 returns") }
            // The floor is each market's own rate; any valid one stands in for the check (the
            // ceiling is checked below against its own range).
            if let invalid = rule(floor: 0.0001).invalidParameter(), invalid.field != "floor",
                invalid.field != "ceiling"
            {
                return invalid
            }
            if !(ceiling > 0 && ceiling <= 1) { return ("ceiling", "a rate above 0 and at most 1") }
            return nil
        }
    }

    /// What the keeper submits: the market's schedule scaled to `rate` (its first initial rate).
    public struct Update: Sendable, Equatable {
        public var market: MarketID
        public var parameters: RiskParameters
        /// The parameters in force when the update was computed: the keeper submits it only if
        /// they still are when its input is sequenced (an operator's change in between wins).
        public var replacing: RiskParameters
        public var rate: Double
        public var volatility: Double
    }

    struct Market: Sendable, Codable, Equatable {
        var id: MarketID
        /// The published schedule (the floor): the parameters an operator set last.
        var published: RiskParameters
        /// The period (engine time / period) of `price`, the last price seen.
        var periodIndex: Int64
        var price: Int64
        /// The close of the last completed period (nil before one) and that period.
        var close: Int64?
        var closePeriod: Int64 = 0
        /// The latest `window` log returns between closes, oldest first, and the period each
        /// return ends (the VaR scenario set joins the markets' returns of the same periods; a
        /// state saved without them restarts its history).
        var returns: [Double] = []
        var returnPeriods: [Int64]? = []
        /// The rate in force (nil before the first computation) and the highest volatility seen.
        var rate: Double?
        var stressedVolatility: Double = 0
    }

    public var configuration: Configuration
    /// Sorted by id.
    var markets: [Market] = []
    /// Periods closed over every market so far (the keeper saves the state after each).
    public private(set) var periodsClosed: UInt64 = 0
    /// The VaR scenario set an operator published last (the floor of the keeper's sets), the
    /// last set the keeper computed, and the period of the returns it was computed from.
    var publishedScenarios: VaRMarginRules?
    var computedScenarios: VaRMarginRules?
    var scenarioPeriod: Int64?

    public init(configuration: Configuration) { self.configuration = configuration }

    /// A schedule restored from `saved` (its JSON), continued under `configuration`: a changed
    /// period or window restarts the price history but keeps every market's published schedule.
    public init(configuration: Configuration, restoring saved: Data?) {
        self.init(configuration: configuration)
        guard let saved, let previous = try? JSONDecoder().decode(DynamicMarginSchedule.self, from: saved) else {
            return
        }
        markets = previous.markets
        periodsClosed = previous.periodsClosed
        (publishedScenarios, computedScenarios) = (previous.publishedScenarios, previous.computedScenarios)
        scenarioPeriod = previous.scenarioPeriod
        for index in markets.indices where markets[index].returnPeriods?.count != markets[index].returns.count {
            markets[index].returns = []
            markets[index].returnPeriods = []
        }
        if previous.configuration.period != configuration.period
            || previous.configuration.window != configuration.window
        {
            for index in markets.indices {
                markets[index].close = nil
                markets[index].returns = []
                markets[index].returnPeriods = []
                markets[index].rate = nil
                markets[index].stressedVolatility = 0
                markets[index].periodIndex = -1
            }
        }
    }

    public func saved() -> Data { (try? JSONEncoder().encode(self)) ?? Data() }

    /// The rate in force for `market` (nil before its first computation).
    public func rate(of market: MarketID) -> Double? { markets.first { $0.id == market }?.rate }

    /// The published schedule of `market` as this schedule knows it.
    public func published(of market: MarketID) -> RiskParameters? {
        markets.first { $0.id == market }?.published
    }

    /// Whether `parameters` carry the published schedule scaled (the schedule's own, or the
    /// published one itself): their other fields may still differ (an operator's fee change that
    /// sent the tiers in force back).
    static func isScaledPublished(_ parameters: RiskParameters, of entry: Market) -> Bool {
        parameters.margin
            == entry.published.margin.scaled(toInitialRate: parameters.margin.referenceInitialRate)
    }

    /// Takes `parameters` (an event's, or those in force) into the market's published schedule:
    /// a margin that is the published schedule scaled is the schedule's own (only the other
    /// fields are taken); any other margin is an operator's and becomes the published schedule.
    static func adopt(_ parameters: RiskParameters, into entry: inout Market) {
        if isScaledPublished(parameters, of: entry) {
            let margin = entry.published.margin
            entry.published = parameters
            entry.published.margin = margin
        } else {
            entry.published = parameters
        }
    }

    /// A `riskParametersSet` event (see `adopt`).
    public mutating func parametersSet(market: MarketID, _ parameters: RiskParameters) {
        guard let index = markets.firstIndex(where: { $0.id == market }) else { return }
        Self.adopt(parameters, into: &markets[index])
    }

    /// A committed price of `market` at engine time `time` (nanoseconds) with `current` the
    /// parameters in force; returns the update to submit when a period closed and the scaled
    /// schedule differs from `current`.
    public mutating func observe(market: MarketID, time: Int64, price: Int64, current: RiskParameters) -> Update? {
        guard price > 0, time >= 0 else { return nil }
        let periodIndex = time / configuration.period
        guard let index = markets.firstIndex(where: { $0.id == market }) else {
            let entry = Market(id: market, published: current, periodIndex: periodIndex, price: price)
            markets.insert(entry, at: markets.firstIndex { $0.id.rawValue > market.rawValue } ?? markets.endIndex)
            return nil
        }
        var entry = markets[index]
        defer { markets[index] = entry }
        // Parameters set while the schedule was not looking (before a restart) count as well.
        Self.adopt(current, into: &entry)
        if entry.periodIndex < 0 { entry.periodIndex = periodIndex }
        guard periodIndex > entry.periodIndex else {
            entry.price = price
            return nil
        }
        periodsClosed &+= 1
        // The previous period closed at the last price seen in it. A return over k periods
        // without a price is scaled to one period (÷ √k), so a gap does not read as calm.
        if let close = entry.close {
            let span = Double(max(1, entry.periodIndex - entry.closePeriod))
            entry.returns.append(Foundation.log(Double(entry.price) / Double(close)) / span.squareRoot())
            var periods = entry.returnPeriods ?? []
            periods.append(entry.periodIndex)
            if entry.returns.count > configuration.window { entry.returns.removeFirst() }
            entry.returnPeriods = Array(periods.suffix(entry.returns.count))
        }
        entry.close = entry.price
        entry.closePeriod = entry.periodIndex
        entry.periodIndex = periodIndex
        entry.price = price
        guard entry.returns.count >= configuration.window else { return nil }
        let reference = entry.published.margin.referenceInitialRate
        let volatility = RiskMeasures.ewmaVolatility(of: entry.returns, lambda: configuration.lambda)
        entry.stressedVolatility = max(entry.stressedVolatility, volatility)
        let floor = Double(reference.atoms) / Double(Rate.oneAtoms)
        // Paced from the rate in force (the first initial rate of the schedule in force).
        let inForce = Double(current.margin.referenceInitialRate.atoms) / Double(Rate.oneAtoms)
        let rate = configuration.rule(floor: floor).next(
            previous: inForce, volatility: volatility, stressedVolatility: entry.stressedVolatility)
        entry.rate = rate
        // Rounded up to the rate's atom (toward the house); the published rate itself at the floor.
        let atoms =
            rate <= floor
            ? reference.atoms
            : max(reference.atoms, min(Rate.oneAtoms, Int64((rate * Double(Rate.oneAtoms)).rounded(.up))))
        guard let margin = entry.published.margin.scaled(toInitialRate: Rate(atoms: atoms)) else { return nil }
        var parameters = entry.published
        parameters.margin = margin
        guard parameters != current else { return nil }
        return Update(market: market, parameters: parameters, replacing: current, rate: rate, volatility: volatility)
    }
}
