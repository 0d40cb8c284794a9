/// The historical-VaR margin model (issue #6, item 1, as an account's margin model): a venue
/// publishes one joint scenario set — for each underlying, the same number of relative moves of
/// its mark, scenario h moving every underlying by its h-th move at once (a day of history) — and
/// a VaR-margined account's cross pool needs, as initial margin, the VaR (or ES) at `confidence`
/// of its positions' losses over those scenarios, all underlyings together; maintenance is
/// initial × `maintenanceFactor`. Options are revalued in full at the moved underlying with their
/// current volatility. The tail convention is `RiskMeasures`': k = ⌈H(1 − c)⌉ worst scenarios,
/// VaR the k-th worst loss, ES their mean. Filtered or stressed scenarios are the venue's to
/// compute (e.g. `FilteredHistoricalSimulation`); the engine applies what it is given.
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

    public init(series: [Series], confidence: Rate, measure: Measure = .valueAtRisk, maintenanceFactor: Rate) {
        self.series = series
        self.confidence = confidence
        self.measure = measure
        self.maintenanceFactor = maintenanceFactor
    }

    /// No scenarios: a VaR-margined position is refused until the venue publishes them.
    public static let unconfigured = VaRMarginRules(series: [], confidence: Rate(atoms: 990_000_000), maintenanceFactor: Rate(atoms: 800_000_000))

    public var scenarioCount: Int { series.first?.moves.count ?? 0 }

    func validate() -> (field: String, reason: String)? {
        if series.isEmpty || series.count > Limits.varSeries { return ("series", "1 to \(Limits.varSeries) underlyings") }
        let count = series[0].moves.count
        if count < 10 || count > Limits.varScenarios { return ("series[0].moves", "10 to \(Limits.varScenarios) scenarios") }
        for (index, entry) in series.enumerated() {
            if entry.moves.count != count { return ("series[\(index)].moves", "every underlying needs the same \(count) scenarios") }
            if series[..<index].contains(where: { $0.market == entry.market }) { return ("series[\(index)].market", "\(entry.market) is given twice") }
            if let bad = entry.moves.firstIndex(where: { $0.atoms <= -Rate.oneAtoms || $0.atoms > 10 * Rate.oneAtoms }) {
                return ("series[\(index)].moves[\(bad)]", "a move above −1 and at most 10")
            }
        }
        if confidence.atoms <= Rate.oneAtoms / 2 || confidence.atoms >= Rate.oneAtoms { return ("confidence", "a level between 0.5 and 1") }
        if maintenanceFactor.atoms <= 0 || maintenanceFactor.atoms > Rate.oneAtoms { return ("maintenanceFactor", "above 0 and at most 1") }
        return nil
    }
}
