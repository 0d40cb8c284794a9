/// The VaR margin models (as accounts' margin models): a venue publishes one
/// joint scenario set — for each underlying, the same number of relative moves of its mark over
/// the margin period of risk, oldest first, scenario h moving every underlying by its h-th move at
/// once (a day of history) — and a VaR-margined account's cross pool needs, as initial margin, the
/// VaR (or ES) at `confidence` of its positions' losses, all underlyings together; maintenance is
/// initial × `maintenanceFactor`. Options are revalued in full at the moved underlying with their
/// current volatility. How the scenarios become a measure is the account's model:
/// - `historical-var`: the tail of the scenario losses (`RiskMeasures`' convention: k = ⌈H(1 − c)⌉
///   worst, VaR the k-th worst loss, ES their mean). Filtered or stressed scenarios are the venue's
///   to compute (e.g. `FilteredHistoricalSimulation`); the engine applies what it is given.
/// - `normal-var`, `student-t-var`: the EWMA volatility σ (decay `lambda`) of the account's P&L
///   over the scenarios in their order, times the normal or unit-variance Student-t (`degrees`)
///   quantile (VaR) or tail mean (ES).
/// - `monte-carlo-var`: `draws` joint normal log-returns with the scenarios' EWMA covariance
///   (decay `lambda`), drawn once per configuration from `seed`, each move e^r − 1 revalued in
///   full; the tail of the simulated losses as for `historical-var`.
public struct VaRMarginRules: Hashable, Sendable, Codable {
    public enum Measure: String, Hashable, Sendable, Codable { case valueAtRisk = "var", expectedShortfall = "es" }

    public struct Series: Hashable, Sendable, Codable {
        /// The underlying (a perpetual or future; its options join it).
        public var market: MarketID
        /// Relative moves of the underlying's mark, one per scenario.
        public var moves: [Rate]
        public init(market: MarketID, moves: [Rate]) {
            self.market = market
            self.moves = moves
        }
    }

    public var series: [Series]
    public var confidence: Rate
    public var measure: Measure
    public var maintenanceFactor: Rate
    /// EWMA decay of the parametric and Monte Carlo models (RiskMetrics: 0.94).
    public var lambda: Rate
    /// Degrees of freedom of `student-t-var` (above 2: the variance must exist).
    public var degrees: Int64
    /// Simulated scenarios of `monte-carlo-var`, and the seed they are drawn from.
    public var draws: Int64
    public var seed: UInt64

    public static let defaultLambda = Rate(atoms: 940_000_000)

    public init(
        series: [Series], confidence: Rate, measure: Measure = .valueAtRisk, maintenanceFactor: Rate,
        lambda: Rate = VaRMarginRules.defaultLambda, degrees: Int64 = 4, draws: Int64 = 2_000, seed: UInt64 = 1
    ) {
        self.series = series
        self.confidence = confidence
        self.measure = measure
        self.maintenanceFactor = maintenanceFactor
        self.lambda = lambda
        self.degrees = degrees
        self.draws = draws
        self.seed = seed
    }

    private enum CodingKeys: String, CodingKey {
        case series, confidence, measure, maintenanceFactor, lambda, degrees, draws, seed
    }

    /// Rules journaled before the parametric and Monte Carlo models decode with their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            series: try c.decode([Series].self, forKey: .series),
            confidence: try c.decode(Rate.self, forKey: .confidence),
            measure: try c.decode(Measure.self, forKey: .measure),
            maintenanceFactor: try c.decode(Rate.self, forKey: .maintenanceFactor),
            lambda: try c.decodeIfPresent(Rate.self, forKey: .lambda) ?? VaRMarginRules.defaultLambda,
            degrees: try c.decodeIfPresent(Int64.self, forKey: .degrees) ?? 4,
            draws: try c.decodeIfPresent(Int64.self, forKey: .draws) ?? 2_000,
            seed: try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1)
    }

    /// No scenarios: a VaR-margined position is refused until the venue publishes them.
    public static let unconfigured = VaRMarginRules(
        series: [], confidence: Rate(atoms: 990_000_000), maintenanceFactor: Rate(atoms: 800_000_000))

    public var scenarioCount: Int { series.first?.moves.count ?? 0 }

    func validate() -> (field: String, reason: String)? {
        if series.isEmpty || series.count > Limits.varSeries {
            return ("series", "1 to \(Limits.varSeries) underlyings")
        }
        let count = series[0].moves.count
        if count < 10 || count > Limits.varScenarios {
            return ("series[0].moves", "10 to \(Limits.varScenarios) scenarios")
        }
        for (index, entry) in series.enumerated() {
            if entry.moves.count != count {
                return ("series[\(index)].moves", "every underlying needs the same \(count) scenarios")
            }
            if series[..<index].contains(where: { $0.market == entry.market }) {
                return ("series[\(index)].market", "\(entry.market) is given twice")
            }
            if let bad = entry.moves.firstIndex(where: { $0.atoms <= -Rate.oneAtoms || $0.atoms > 10 * Rate.oneAtoms })
            {
                return ("series[\(index)].moves[\(bad)]", "a move above −1 and at most 10")
            }
        }
        if confidence.atoms <= Rate.oneAtoms / 2 || confidence.atoms >= Rate.oneAtoms {
            return ("confidence", "a level between 0.5 and 1")
        }
        if maintenanceFactor.atoms <= 0 || maintenanceFactor.atoms > Rate.oneAtoms {
            return ("maintenanceFactor", "above 0 and at most 1")
        }
        if lambda.atoms <= 0 || lambda.atoms >= Rate.oneAtoms { return ("lambda", "a decay between 0 and 1") }
        if degrees < 3 || degrees > 1_000 { return ("degrees", "3 to 1000 degrees of freedom") }
        if draws < 100 || draws > Int64(Limits.varScenarios) {
            return ("draws", "100 to \(Limits.varScenarios) simulated scenarios")
        }
        return nil
    }
}
