/// SPAN-style risk arrays (CME SPAN, ccp-models.md §1.3–1.9): each contract is revalued under
/// 16 scenarios of price (multiples of the price scan range) and volatility (± the volatility
/// scan range), one lookahead later; scenarios 15 and 16 are the extreme moves (M × the range,
/// volatility unchanged) of which only the covered fraction counts. Risk arrays are losses,
/// positive, per one long contract; a portfolio's scan risk is its largest combined loss.
public enum Span {
    /// The parameters of a combined commodity, as a risk-parameter file gives them.
    public struct Parameters: Hashable, Sendable {
        /// Price scan range, in price units of the underlying.
        public var priceScanRange: Double
        /// Volatility scan range: absolute (0.10 = ten volatility points), or relative (σ × (1 ± range)).
        public var volatilityScanRange: Double
        public var relativeVolatility: Bool
        /// Extreme move (multiples of the range) and the fraction of its loss that counts.
        public var extremeMove: Double
        public var coveredFraction: Double
        /// Time decay applied in every scenario, in years.
        public var lookaheadYears: Double
        /// Charge per short option (the short option minimum), and how shorts are counted.
        public var shortOptionMinimumRate: Double
        public var countsShortsGross: Bool

        /// M = 3, f = 0.35 when the file gives none (ccp-models.md §1.3).
        public init(
            priceScanRange: Double, volatilityScanRange: Double, relativeVolatility: Bool = false,
            extremeMove: Double = 3,
            coveredFraction: Double = 0.35, lookaheadYears: Double = 1.0 / 365, shortOptionMinimumRate: Double = 0,
            countsShortsGross: Bool = true
        ) {
            self.priceScanRange = priceScanRange
            self.volatilityScanRange = volatilityScanRange
            self.relativeVolatility = relativeVolatility
            self.extremeMove = extremeMove
            self.coveredFraction = coveredFraction
            self.lookaheadYears = lookaheadYears
            self.shortOptionMinimumRate = shortOptionMinimumRate
            self.countsShortsGross = countsShortsGross
        }
    }

    /// A contract: a future (worth its price) or an option on it (Black-76: the option's `spot`
    /// is the futures price and its `dividend` equals its `rate`), with a multiplier.
    public enum Contract: Hashable, Sendable {
        case future(price: Double, multiplier: Double)
        case option(EuropeanOption, multiplier: Double)
    }

    /// The 16 scenarios: (price move in ranges, volatility move in ranges, extreme?).
    public static let scenarios: [(price: Double, volatility: Double, extreme: Bool)] = [
        (0, 1, false), (0, -1, false), (1.0 / 3, 1, false), (1.0 / 3, -1, false), (-1.0 / 3, 1, false),
        (-1.0 / 3, -1, false),
        (2.0 / 3, 1, false), (2.0 / 3, -1, false), (-2.0 / 3, 1, false), (-2.0 / 3, -1, false), (1, 1, false),
        (1, -1, false),
        (-1, 1, false), (-1, -1, false), (1, 0, true), (-1, 0, true),
    ]

    /// The contract's 16 losses per one long contract.
    public static func riskArray(_ contract: Contract, parameters: Parameters) -> [Double] {
        scenarios.map { scenario in
            let move = scenario.price * parameters.priceScanRange * (scenario.extreme ? parameters.extremeMove : 1)
            let weight = scenario.extreme ? parameters.coveredFraction : 1
            switch contract {
            case .future(_, let multiplier):
                return -weight * move * multiplier
            case .option(let option, let multiplier):
                var shocked = option
                shocked.spot = option.spot + move
                shocked.years = max(0, option.years - parameters.lookaheadYears)
                let shift = scenario.volatility * parameters.volatilityScanRange
                shocked.volatility = max(
                    0, parameters.relativeVolatility ? option.volatility * (1 + shift) : option.volatility + shift)
                return weight * (BlackScholes.price(option) - BlackScholes.price(shocked)) * multiplier
            }
        }
    }

    /// A portfolio's SPAN figures.
    public struct Result: Hashable, Sendable {
        /// The largest combined loss (0 if none), and its scenario (1-based).
        public var scanRisk: Double
        public var scenario: Int
        /// The portfolio's combined array.
        public var combined: [Double]
        /// Average of scenarios 1 and 2; half the gap between the scan scenario and its pair;
        /// the rest.
        public var timeRisk: Double
        public var volatilityRisk: Double
        public var priceRisk: Double
        public var shortOptionMinimum: Double
        /// Long option value minus short option value.
        public var netOptionValue: Double
        /// max(scan risk, short option minimum) − net option value, floored at 0.
        public var requirement: Double
    }

    /// Combines signed quantities of contracts (no spread charges or credits).
    public static func evaluate(_ positions: [(contract: Contract, quantity: Double)], parameters: Parameters) -> Result
    {
        var combined = [Double](repeating: 0, count: 16)
        var netOptionValue = 0.0
        var shortCalls = 0.0
        var shortPuts = 0.0
        for (contract, quantity) in positions {
            for (index, loss) in riskArray(contract, parameters: parameters).enumerated() {
                combined[index] += quantity * loss
            }
            if case .option(let option, let multiplier) = contract {
                netOptionValue += quantity * BlackScholes.price(option) * multiplier
                if quantity < 0 { if option.right == .call { shortCalls -= quantity } else { shortPuts -= quantity } }
            }
        }
        let result = combine(combined)
        let shorts = parameters.countsShortsGross ? shortCalls + shortPuts : max(shortCalls, shortPuts)
        let minimum = shorts * parameters.shortOptionMinimumRate
        var span = result
        span.shortOptionMinimum = minimum
        span.netOptionValue = netOptionValue
        span.requirement = max(0, max(result.scanRisk, minimum) - netOptionValue)
        return span
    }

    /// Scan risk and its decomposition from a combined array (e.g. a file's published arrays).
    public static func combine(_ combined: [Double]) -> Result {
        precondition(combined.count == 16, "a SPAN risk array has 16 scenarios")
        var worst = 0
        for index in combined.indices where combined[index] > combined[worst] { worst = index }
        let scanRisk = max(0, combined[worst])
        let timeRisk = (combined[0] + combined[1]) / 2
        // Scenarios pair up (1,2), (3,4), ... with the same price move; 15 and 16 have no pair.
        let volatilityRisk = worst < 14 ? abs(combined[worst] - combined[worst ^ 1]) / 2 : 0
        return Result(
            scanRisk: scanRisk, scenario: worst + 1, combined: combined, timeRisk: timeRisk,
            volatilityRisk: volatilityRisk,
            priceRisk: scanRisk - timeRisk - volatilityRisk, shortOptionMinimum: 0, netOptionValue: 0,
            requirement: scanRisk)
    }
}
