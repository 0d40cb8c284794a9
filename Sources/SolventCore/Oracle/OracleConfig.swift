/// How a market turns source prices into an index and a mark, and when its circuit breakers trip.
/// Set with the `configureOracle` command; every field is validated there.
public struct OracleConfig: Hashable, Sendable, Codable {
    public enum Aggregation: String, Hashable, Sendable, Codable {
        /// Weighted median of the accepted samples (the lower one where weight splits evenly).
        case weightedMedian
        /// Weighted mean of the accepted samples (Binance's index after outlier removal).
        case weightedMean
    }

    public struct Source: Hashable, Sendable, Codable {
        public var id: SourceID
        /// Relative weight (positive).
        public var weight: Int64
        public init(id: SourceID, weight: Int64) {
            self.id = id
            self.weight = weight
        }
    }

    /// What happens to liquidations while the price-move breaker is tripped.
    public enum PriceMoveMode: Hashable, Sendable, Codable {
        /// No liquidation until the cool-down ends.
        case pause
        /// Liquidation continues in smaller partial steps: at most this fraction per step.
        case slow(stepFraction: Rate)
    }

    public var sources: [Source]
    public var aggregation: Aggregation
    /// A sample older than this (nanoseconds) is dropped.
    public var sampleMaxAge: Int64
    /// A sample farther than this from the median of the fresh samples is excluded.
    public var band: Rate
    /// Fewer fresh, agreeing sources than this: no index; the oracle breaker trips.
    public var minimumSources: Int
    /// Consecutive good updates needed to resume after the oracle breaker tripped.
    public var resumeAfterGoodUpdates: Int
    /// The mark is clamped to index × (1 ± markBand).
    public var markBand: Rate
    /// Time constant of the basis EMA (nanoseconds): weight e^(−Δt/τ) on the old value.
    public var basisTimeConstant: Int64
    /// The mark moving more than `priceMoveThreshold` within `priceMoveWindow` trips the
    /// price-move breaker for `priceMoveCoolDown` (nanoseconds). Threshold 0 disables it.
    public var priceMoveThreshold: Rate
    public var priceMoveWindow: Int64
    public var priceMoveCoolDown: Int64
    public var priceMoveMode: PriceMoveMode
    /// Funding: interest component per funding interval, the clamp of (interest − premium), and
    /// the cap on the rate (exchanges.md §1.5: 0.01 %, ±0.05 %, venue cap).
    public var fundingInterestRate: Rate
    public var fundingPremiumClamp: Rate
    public var fundingCap: Rate
    /// Liquidation-rate limiter: at most `liquidationDepthFraction` × `liquidationDepth`
    /// (settlement atoms of notional) liquidated per `liquidationWindow` (nanoseconds).
    /// Depth 0 disables it.
    public var liquidationDepth: Int64
    public var liquidationDepthFraction: Rate
    public var liquidationWindow: Int64

    public init(
        sources: [Source], aggregation: Aggregation = .weightedMedian, sampleMaxAgeSeconds: Int64 = 60,
        band: Rate = Rate(atoms: 50_000_000), minimumSources: Int = 2, resumeAfterGoodUpdates: Int = 2,
        markBand: Rate = Rate(atoms: 30_000_000), basisTimeConstantSeconds: Int64 = 150,
        priceMoveThreshold: Rate = Rate(atoms: 100_000_000), priceMoveWindowSeconds: Int64 = 300,
        priceMoveCoolDownSeconds: Int64 = 300, priceMoveMode: PriceMoveMode = .pause,
        fundingInterestRate: Rate = Rate(atoms: 100_000), fundingPremiumClamp: Rate = Rate(atoms: 500_000),
        fundingCap: Rate = Rate(atoms: 7_500_000), liquidationDepth: Int64 = 0,
        liquidationDepthFraction: Rate = Rate(atoms: 100_000_000), liquidationWindowSeconds: Int64 = 60
    ) {
        self.sources = sources
        self.aggregation = aggregation
        self.sampleMaxAge = sampleMaxAgeSeconds * 1_000_000_000
        self.band = band
        self.minimumSources = minimumSources
        self.resumeAfterGoodUpdates = resumeAfterGoodUpdates
        self.markBand = markBand
        self.basisTimeConstant = basisTimeConstantSeconds * 1_000_000_000
        self.priceMoveThreshold = priceMoveThreshold
        self.priceMoveWindow = priceMoveWindowSeconds * 1_000_000_000
        self.priceMoveCoolDown = priceMoveCoolDownSeconds * 1_000_000_000
        self.priceMoveMode = priceMoveMode
        self.fundingInterestRate = fundingInterestRate
        self.fundingPremiumClamp = fundingPremiumClamp
        self.fundingCap = fundingCap
        self.liquidationDepth = liquidationDepth
        self.liquidationDepthFraction = liquidationDepthFraction
        self.liquidationWindow = liquidationWindowSeconds * 1_000_000_000
    }

    /// The first invalid field and what is expected.
    public func validate() -> MarketSpecError? {
        if sources.isEmpty || sources.count > Limits.oracleSourcesPerMarket {  // ≤ 64: a used-set bitmask
            return .init(field: "sources", reason: "1 to \(Limits.oracleSourcesPerMarket) sources")
        }
        for (index, source) in sources.enumerated() {
            if source.weight <= 0 || source.weight > 1_000_000 {
                return .init(field: "sources[\(index)].weight", reason: "1 to 1,000,000")
            }
            if sources[..<index].contains(where: { $0.id == source.id }) {
                return .init(field: "sources[\(index)].id", reason: "each source once")
            }
        }
        if sampleMaxAge <= 0 { return .init(field: "sampleMaxAge", reason: "positive") }
        if band.atoms <= 0 || band.atoms >= Rate.oneAtoms {
            return .init(field: "band", reason: "between 0 and 1, exclusive")
        }
        if minimumSources < 1 || minimumSources > sources.count {
            return .init(field: "minimumSources", reason: "1 to the number of sources")
        }
        if resumeAfterGoodUpdates < 1 || resumeAfterGoodUpdates > 1_000 {
            return .init(field: "resumeAfterGoodUpdates", reason: "1 to 1,000")
        }
        if markBand.atoms <= 0 || markBand.atoms >= Rate.oneAtoms {
            return .init(field: "markBand", reason: "between 0 and 1, exclusive")
        }
        if basisTimeConstant <= 0 { return .init(field: "basisTimeConstant", reason: "positive") }
        if priceMoveThreshold.atoms < 0 || priceMoveThreshold.atoms >= Rate.oneAtoms {
            return .init(field: "priceMoveThreshold", reason: "0 (off) up to 1, exclusive")
        }
        if priceMoveWindow <= 0 || priceMoveCoolDown < 0 {
            return .init(field: "priceMoveWindow", reason: "a positive window and a non-negative cool-down")
        }
        if case .slow(let fraction) = priceMoveMode, fraction.atoms <= 0 || fraction.atoms > Rate.oneAtoms {
            return .init(field: "priceMoveMode.stepFraction", reason: "between 0 (exclusive) and 1")
        }
        for (name, rate) in [
            ("fundingInterestRate", fundingInterestRate), ("fundingPremiumClamp", fundingPremiumClamp),
            ("fundingCap", fundingCap),
        ]
        where rate.atoms.magnitude > UInt64(Rate.oneAtoms / 10) {
            return .init(field: name, reason: "between -0.1 and 0.1")
        }
        if fundingPremiumClamp.atoms < 0 || fundingCap.atoms < 0 {
            return .init(field: "fundingCap", reason: "non-negative caps")
        }
        if liquidationDepth < 0 || liquidationWindow <= 0 || liquidationDepthFraction.atoms <= 0 {
            return .init(field: "liquidationDepth", reason: "a non-negative depth, a positive fraction and window")
        }
        return nil
    }

    public func weight(of source: SourceID) -> Int64? {
        for candidate in sources where candidate.id == source { return candidate.weight }
        return nil
    }
}
