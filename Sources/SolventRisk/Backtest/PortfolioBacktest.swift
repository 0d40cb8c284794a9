import RealModule

/// A static portfolio backtested on real price history, the way a clearing house backtests a
/// margin model (ccp-models.md §6): closes sampled one margin period of risk apart on the times
/// every underlying has, log returns between them, the model's margin forecast for each period
/// from the window before it (with an anti-procyclicality tool and a liquidity add-on on top),
/// the realised loss beside it, the coverage tests on the exceptions and the procyclicality
/// figures of every crash window the history covers. `solvent backtest` and the tests call this
/// one function; the command only reads files and prints.
public enum PortfolioBacktest {
    /// One underlying's bars: open times (Unix nanoseconds, ascending), closes and, where the
    /// file has them, traded volumes in units of the underlying.
    public struct Series: Sendable {
        public var symbol: String
        public var times: [Int64]
        public var closes: [Double]
        public var volumes: [Double]?

        public init(symbol: String, times: [Int64], closes: [Double], volumes: [Double]? = nil) {
            (self.symbol, self.times, self.closes, self.volumes) = (symbol, times, closes, volumes)
        }
    }

    /// A position held through the whole history: a quantity of the underlying (negative:
    /// short), or option contracts on one unit of it.
    public struct Position: Sendable {
        public struct Option: Sendable {
            public var right: OptionRight
            /// Strike / spot at the start of each period (the leg is rolled every period).
            public var moneyness: Double
            public var days: Double
            public var deltaHedged: Bool
            /// Annual volatility; nil: the model's own estimate from the window.
            public var volatility: Double?

            public init(
                right: OptionRight, moneyness: Double = 1, days: Double = 30, deltaHedged: Bool = false,
                volatility: Double? = nil
            ) {
                (self.right, self.moneyness, self.days, self.deltaHedged, self.volatility) =
                    (right, moneyness, days, deltaHedged, volatility)
            }
        }

        public var symbol: String
        public var quantity: Double
        public var option: Option?

        public init(symbol: String, quantity: Double, option: Option? = nil) {
            (self.symbol, self.quantity, self.option) = (symbol, quantity, option)
        }
    }

    /// How the margin is forecast; the defaults are `solvent backtest`'s.
    public struct Settings: Sendable {
        public var model: RollingBacktest.Model = .historical
        public var confidence = 0.99
        /// The margin period of risk: 3,600, 28,800 or 86,400 seconds.
        public var horizonSeconds: Int64 = 86_400
        public var window = 250
        public var lambda = 0.94
        public var degrees = 4.0
        public var draws = 10_000
        public var seed: UInt64 = 1
        public var tool: AntiProcyclicalTool = .none
        public var standardRate = 0.02
        /// The liquidity add-on's coefficient k; nil: no add-on.
        public var liquidity: Double?

        public init() {}

        /// The horizon as `solvent backtest` names it.
        public var horizonName: String {
            switch horizonSeconds {
            case 3_600: "1h"
            case 28_800: "8h"
            default: "1d"
            }
        }
    }

    /// A refused input: the setting or position field (`confidence`, `positions[2].days`) and why.
    public struct Refusal: Error, Sendable, Equatable {
        public var field: String
        public var reason: String

        public init(_ field: String, _ reason: String) { (self.field, self.reason) = (field, reason) }
    }

    /// What the margin did inside one crash window, with the forecast periods around it.
    public struct WindowFigures: Sendable {
        public var window: CrashWindow
        public var before: Double
        public var peak: Double
        public var increase: Double?
        public var exceptions: Int
        public var worstLoss: Double
        /// Forecast periods from ten before the window to ten after it (for a chart).
        public var indices: Range<Int>
    }

    /// A run's figures, per forecast period and in summary.
    public struct Outcome: Sendable {
        /// End of each forecast period (Unix nanoseconds).
        public var times: [Int64]
        /// The portfolio's value at the start of each forecast period.
        public var values: [Double]
        /// The margin held (the model's, with the anti-procyclicality tool on top).
        public var margins: [Double]
        public var losses: [Double]
        public var exceptions: [Bool]
        /// (1 − confidence) × the number of forecasts.
        public var expectedExceptions: Double
        public var kupiec: TestResult
        public var christoffersenIndependence: TestResult
        public var christoffersenConditional: TestResult
        /// Acerbi–Székely Z2 on the model's own VaR and ES forecasts, for the models that forecast an ES.
        public var z2: (statistic: Double, pValue: Double)?
        public var trafficLight: TrafficLight.Zone
        public var meanMargin: Double
        public var peakMargin: Double
        /// Consecutive sampled times further apart than one horizon: no return spans them.
        public var gaps: [(from: Int64, to: Int64)]
        public var crashWindows: [WindowFigures]
        /// The mean liquidity add-on over the forecast periods, when the run has one.
        public var meanAddOn: Double?

        public var exceptionCount: Int { exceptions.filter { $0 }.count }
    }

    /// Refuses a setting out of its range, naming it.
    public static func validate(_ settings: Settings) throws(Refusal) {
        if let liquidity = settings.liquidity, !(liquidity > 0 && liquidity <= 10) {
            throw Refusal("liquidity", "expected a coefficient above 0 and at most 10, got \(liquidity)")
        }
        guard settings.standardRate > 0 && settings.standardRate <= 1 else {
            throw Refusal("standardRate", "expected a rate above 0 and at most 1, got \(settings.standardRate)")
        }
        guard settings.confidence > 0.5 && settings.confidence < 1 else {
            throw Refusal("confidence", "expected a level between 0.5 and 1, got \(settings.confidence)")
        }
        guard settings.lambda > 0 && settings.lambda < 1 else {
            throw Refusal("lambda", "expected a decay between 0 and 1")
        }
        guard settings.window >= 10 else { throw Refusal("window", "expected at least 10 periods") }
        guard settings.draws >= 100 && settings.draws <= 10_000_000 else {
            throw Refusal("draws", "expected 100 to 10,000,000 scenarios")
        }
        guard settings.degrees > 2 && settings.degrees <= 1_000 else {
            throw Refusal("degrees", "expected degrees of freedom above 2 (the variance must exist)")
        }
        guard [3_600, 28_800, 86_400].contains(settings.horizonSeconds) else {
            throw Refusal("horizon", "expected 1h, 8h or 1d")
        }
    }

    /// Backtests `positions` on `series` (one per underlying the positions name; others are
    /// ignored). `progress` receives (forecasts done, total).
    public static func run(
        positions: [Position], series: [Series], settings: Settings, progress: ((Int, Int) -> Void)? = nil
    ) throws(Refusal) -> Outcome {
        try validate(settings)
        let book = try Book(positions: positions, series: series, settings: settings)
        let periods = Periods(book: book, step: settings.horizonSeconds * 1_000_000_000)
        let addOns = try settings.liquidity.map { coefficient throws(Refusal) in
            try liquidityAddOns(book: book, periods: periods, settings: settings, coefficient: coefficient)
        }
        guard periods.returns.count > settings.window else {
            throw Refusal(
                "window",
                "the history has \(periods.returns.count) periods of \(settings.horizonName) without gaps; "
                    + "the window needs more than \(settings.window)")
        }
        let result = RollingBacktest.run(
            returns: periods.returns, exposures: periods.exposures, model: settings.model, window: settings.window,
            confidence: settings.confidence, lambda: settings.lambda, degrees: settings.degrees, draws: settings.draws,
            seed: settings.seed, standardRate: settings.standardRate,
            options: book.legs.isEmpty
                ? nil
                : .init(
                    legs: book.legs, spots: periods.spots,
                    periodsPerYear: 365 * 86_400 / Double(settings.horizonSeconds)),
            tool: settings.tool, floorLookback: Int(10 * 365 * 86_400 / settings.horizonSeconds), addOns: addOns,
            progress: progress)
        return outcome(result, periods: periods, addOns: addOns, settings: settings)
    }

    private static func outcome(
        _ result: RollingBacktest.Series, periods: Periods, addOns: [Double]?, settings: Settings
    ) -> Outcome {
        let margins = result.held
        let exceptions = result.exceptions
        let rate = 1 - settings.confidence
        let tests = CoverageTests.conditionalCoverage(exceptions, expectedRate: rate)
        var z2: (statistic: Double, pValue: Double)?
        if settings.model.forecastsShortfall {
            let statistic = ExpectedShortfallTest.z2(
                pnl: result.losses.map { -$0 }, valueAtRisk: result.margins, expectedShortfall: result.shortfalls,
                alpha: rate)
            z2 = (statistic, ExpectedShortfallTest.z2PValue(statistic, observations: exceptions.count, alpha: rate))
        }
        let times = Array(periods.ends[result.start...])
        let seconds = times.map { $0 / 1_000_000_000 }
        let windows = CrashWindow.known.compactMap { window -> WindowFigures? in
            guard let figures = window.procyclicality(times: seconds, margins: margins, losses: result.losses) else {
                return nil
            }
            let first = max(0, (seconds.firstIndex { $0 > window.start } ?? 0) - 10)
            let last = min(seconds.count, (seconds.lastIndex { $0 <= window.end } ?? seconds.count - 1) + 11)
            return WindowFigures(
                window: window, before: figures.before, peak: figures.peak, increase: figures.increase,
                exceptions: figures.exceptions, worstLoss: figures.worstLoss, indices: first..<last)
        }
        let count = exceptions.filter { $0 }.count
        let forecasts = Double(max(1, margins.count))
        return Outcome(
            times: times,
            values: zip(periods.exposures[result.start...], result.optionValues).map { $0.reduce(0, +) + $1 },
            margins: margins, losses: result.losses, exceptions: exceptions,
            expectedExceptions: rate * Double(exceptions.count), kupiec: tests.coverage,
            christoffersenIndependence: tests.independence, christoffersenConditional: tests.conditional, z2: z2,
            trafficLight: TrafficLight.zone(exceptions: count, observations: exceptions.count, rate: rate),
            meanMargin: margins.reduce(0, +) / forecasts, peakMargin: margins.max() ?? 0, gaps: periods.gaps,
            crashWindows: windows, meanAddOn: addOns.map { $0[result.start...].reduce(0, +) / forecasts })
    }

    /// The positions resolved against the series: the underlyings in the order the positions
    /// first name them, each linear quantity and option leg on its underlying's index.
    private struct Book {
        var symbols: [String] = []
        var series: [Series] = []
        var linear: [(asset: Int, quantity: Double)] = []
        var legs: [RollingBacktest.OptionLeg] = []

        init(positions: [Position], series all: [Series], settings: Settings) throws(Refusal) {
            for (index, position) in positions.enumerated() {
                let at = "positions[\(index)]"
                // Beyond 1e12 units the exposures leave the range the risk models compute in
                // without overflowing to infinity (as in the option portfolio file).
                guard position.quantity.isFinite, abs(position.quantity) <= 1e12 else {
                    throw Refusal("\(at).quantity", "expected a number from -1e12 to 1e12")
                }
                guard let found = all.first(where: { $0.symbol == position.symbol }) else {
                    throw Refusal(
                        "\(at).symbol", "no prices for \(position.symbol): give --prices \(position.symbol)=FILE.csv")
                }
                if !symbols.contains(position.symbol) {
                    try Self.check(found)
                    symbols.append(position.symbol)
                    series.append(found)
                }
                let asset = symbols.firstIndex(of: position.symbol)!
                guard let option = position.option else {
                    linear.append((asset, position.quantity))
                    continue
                }
                try Self.check(option, at: at, settings: settings)
                legs.append(
                    .init(
                        asset: asset, right: option.right, moneyness: option.moneyness, days: option.days,
                        quantity: position.quantity, deltaHedged: option.deltaHedged, volatility: option.volatility))
            }
            guard !symbols.isEmpty else { throw Refusal("positions", "expected at least one position") }
        }

        /// A series the backtest can read: one close (positive, finite) and at most one volume
        /// per time, times ascending.
        static func check(_ series: Series) throws(Refusal) {
            let at = "series[\(series.symbol)]"
            guard series.closes.count == series.times.count,
                series.volumes.map({ $0.count == series.times.count }) ?? true
            else {
                throw Refusal(at, "expected as many closes and volumes as times")
            }
            guard series.closes.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw Refusal("\(at).closes", "expected positive prices")
            }
            guard zip(series.times, series.times.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw Refusal("\(at).times", "expected times in increasing order")
            }
        }

        static func check(_ option: Position.Option, at: String, settings: Settings) throws(Refusal) {
            guard option.moneyness.isFinite, option.moneyness > 0 && option.moneyness <= 10 else {
                throw Refusal("\(at).moneyness", "expected strike / spot above 0 and at most 10")
            }
            guard option.days.isFinite, option.days >= 1 && option.days <= 730 else {
                throw Refusal("\(at).days", "expected 1 to 730 days to expiry")
            }
            if let volatility = option.volatility, !(volatility > 0 && volatility <= 5) {
                throw Refusal("\(at).volatility", "expected an annual volatility above 0 and at most 5")
            }
            guard option.days * 86_400 > Double(settings.horizonSeconds) else {
                throw Refusal("\(at).days", "the option must outlive the horizon \(settings.horizonName)")
            }
        }
    }

    /// Closes sampled one horizon apart on the times every underlying has; a period whose
    /// end is more than one horizon after its start is a gap, and no return spans it.
    private struct Periods {
        var returns: [[Double]] = []
        var exposures: [[Double]] = []
        var spots: [[Double]] = []
        var ends: [Int64] = []
        var gaps: [(from: Int64, to: Int64)] = []
        let step: Int64

        init(book: Book, step: Int64) {
            self.step = step
            let closes = book.series.map { series in
                var byTime: [Int64: Double] = [:]
                for (time, close) in zip(series.times, series.closes) where time % step == 0 { byTime[time] = close }
                return byTime
            }
            let times = closes.dropFirst().reduce(Set(closes[0].keys)) { $0.intersection($1.keys) }.sorted()
            for (previous, next) in zip(times, times.dropFirst()) {
                if next - previous != step {
                    gaps.append((previous, next))
                    continue
                }
                returns.append(closes.map { Double.log($0[next]! / $0[previous]!) })
                let spot = closes.map { $0[previous]! }
                var exposure = [Double](repeating: 0, count: book.symbols.count)
                for position in book.linear { exposure[position.asset] += position.quantity * spot[position.asset] }
                exposures.append(exposure)
                spots.append(spot)
                ends.append(next)
            }
        }
    }

    /// The liquidity add-on per period: each underlying's gross |quantity| (what liquidating
    /// every position would have to trade; option legs by contracts) against the trailing
    /// 30-day average daily volume of its series.
    private static func liquidityAddOns(
        book: Book, periods: Periods, settings: Settings, coefficient: Double
    ) throws(Refusal) -> [Double] {
        var cumulative: [[(time: Int64, total: Double)]] = []
        for series in book.series {
            guard let volumes = series.volumes else {
                throw Refusal("liquidity", "the prices of \(series.symbol) have no volume column")
            }
            var total = 0.0
            cumulative.append(
                zip(series.times, volumes).map { time, volume in
                    total += volume
                    return (time, total)
                })
        }
        // Cumulative volume of the bars opening before `time`.
        func volume(before time: Int64, _ asset: Int) -> Double {
            let bars = cumulative[asset]
            var low = 0
            var high = bars.count
            while low < high {
                let mid = (low + high) / 2
                if bars[mid].time < time { low = mid + 1 } else { high = mid }
            }
            return low == 0 ? 0 : bars[low - 1].total
        }
        let month: Int64 = 30 * 86_400 * 1_000_000_000
        var quantities = [Double](repeating: 0, count: book.symbols.count)
        for position in book.linear { quantities[position.asset] += abs(position.quantity) }
        for leg in book.legs { quantities[leg.asset] += abs(leg.quantity) }
        return zip(periods.ends, periods.spots).map { end, spot in
            let start = end - periods.step
            return book.symbols.indices.reduce(0.0) { sum, asset in
                let averageDailyVolume = (volume(before: start, asset) - volume(before: start - month, asset)) / 30
                return sum
                    + MarginPolicy.liquidityAddOn(
                        quantity: quantities[asset], price: spot[asset], averageDailyVolume: averageDailyVolume,
                        days: Double(settings.horizonSeconds) / 86_400, coefficient: coefficient)
            }
        }
    }
}
