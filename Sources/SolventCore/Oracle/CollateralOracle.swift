/// How a collateral asset's price is made from several sources, with the same defences as a
/// market's index (staleness, the band around the median, a minimum of agreeing sources, the
/// oracle breaker) and one more that a collateral price needs: the credit price may rise only
/// so fast. A falling price is taken at once; a rising one is credited at most `maxRisePerHour`
/// above the last credited price per hour, pro rata to the time since it (counting at most one
/// hour of silence; frequent updates compound to at most e^r − 1 an hour, 5.13 % for 5 %), so
/// a price pushed on every source at once (a thin market bid up, as MNGO was in October 2022)
/// gives an account no more than that to borrow or withdraw against. Set with
/// `configureCollateralOracle`; from then on `setIndexPrice` is refused for the asset.
public struct CollateralOracleConfig: Hashable, Sendable, Codable {
    public var sources: [OracleConfig.Source]
    public var aggregation: OracleConfig.Aggregation
    /// A sample older than this (nanoseconds) is dropped.
    public var sampleMaxAge: Int64
    /// A sample farther than this from the median of the fresh samples is excluded.
    public var band: Rate
    /// Fewer fresh, agreeing sources than this: no price; the collateral breaker trips.
    public var minimumSources: Int
    /// Consecutive good updates needed to resume after the breaker tripped.
    public var resumeAfterGoodUpdates: Int
    /// The fastest the credited price may rise, as a fraction of it per hour.
    public var maxRisePerHour: Rate

    public init(
        sources: [OracleConfig.Source], aggregation: OracleConfig.Aggregation = .weightedMedian,
        sampleMaxAgeSeconds: Int64 = 60, band: Rate = Rate(atoms: 50_000_000), minimumSources: Int = 2,
        resumeAfterGoodUpdates: Int = 2, maxRisePerHour: Rate = Rate(atoms: 50_000_000)
    ) {
        self.sources = sources
        self.aggregation = aggregation
        self.sampleMaxAge = sampleMaxAgeSeconds * 1_000_000_000
        self.band = band
        self.minimumSources = minimumSources
        self.resumeAfterGoodUpdates = resumeAfterGoodUpdates
        self.maxRisePerHour = maxRisePerHour
    }

    /// The aggregation rules as the index aggregator reads them (the market-only fields keep
    /// their defaults and are not used).
    var aggregatorConfig: OracleConfig {
        var config = OracleConfig(
            sources: sources, aggregation: aggregation, band: band, minimumSources: minimumSources,
            resumeAfterGoodUpdates: resumeAfterGoodUpdates)
        config.sampleMaxAge = sampleMaxAge
        return config
    }

    /// The first invalid field and what is expected.
    public func validate() -> MarketSpecError? {
        if let error = aggregatorConfig.validate() { return error }
        if maxRisePerHour.atoms <= 0 || maxRisePerHour.atoms > 10 * Rate.oneAtoms {
            return .init(field: "maxRisePerHour", reason: "above 0, at most 10 (1,000 % an hour)")
        }
        return nil
    }
}

/// A collateral asset's oracle state: its rules, the breaker, and the last aggregate of the sources.
public struct CollateralOracleState: Hashable, Sendable, Codable {
    public var config: CollateralOracleConfig
    /// No fresh, agreeing price: the asset is counted at its last credited price, and
    /// withdrawals that need margin from an account holding it wait.
    public var frozen = false
    public var goodUpdatesSinceFreeze = 0
    /// The sources' latest aggregate (price atoms; 0 before the first), which may sit above the
    /// credited price while a rise is being paced.
    public var index: Int64 = 0

    public init(config: CollateralOracleConfig) { self.config = config }

    /// The price to credit when the sources say `index`: `index` if it is not above `credited`
    /// (or nothing was credited yet), else at most `credited` × (1 + rise × elapsed / 1 h), with
    /// `elapsed` counted up to one hour, rounded down (in the venue's favour).
    public static func creditPrice(index: Int64, credited: Int64, elapsed: Int64, maxRisePerHour: Rate) -> Int64 {
        guard credited > 0, index > credited else { return index }
        let hour: Int64 = 3_600 * 1_000_000_000
        // The rise allowed for this much time (rate atoms, at most 10 × one), then that share of
        // the credited price: each product fits 128 bits whatever the inputs; both round down.
        let rise = FixedPoint.divide(
            Int128(maxRisePerHour.atoms) * Int128(min(max(elapsed, 0), hour)), by: Int128(hour), .down)
        let allowance = FixedPoint.divide(Int128(credited) * rise, by: Int128(Rate.oneAtoms), .down)
        let (ceiling, overflow) = credited.addingReportingOverflow(Int64(clamping: allowance))
        return overflow ? index : min(index, ceiling)
    }
}

/// A collateral oracle update: the sources' aggregate (nil: none, see `failure`) and the price
/// credited from it (nil: the asset keeps its last credited price).
public struct CollateralPriceUpdate: Hashable, Sendable, Codable {
    public var asset: AssetID
    public var index: Price?
    public var price: Price?
    public var used: [SourceID]
    public var excluded: [IndexAggregator.Exclusion]
    public var failure: IndexAggregator.Failure?
    /// The collateral breaker after this update (tripped when there is no price; it resumes
    /// after the configured number of good updates).
    public var frozen: Bool

    public init(
        asset: AssetID, index: Price?, price: Price?, used: [SourceID], excluded: [IndexAggregator.Exclusion],
        failure: IndexAggregator.Failure?, frozen: Bool
    ) {
        self.asset = asset
        self.index = index
        self.price = price
        self.used = used
        self.excluded = excluded
        self.failure = failure
        self.frozen = frozen
    }
}
