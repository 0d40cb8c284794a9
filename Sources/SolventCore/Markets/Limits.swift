/// The stated bound of every table and loop in the engine (DESIGN.md §5.10). Inserts beyond a
/// limit are rejected with `limitReached`.
public enum Limits {
    public static let assets = 64
    public static let markets = 1_024
    /// Shards of one venue (`joinVenue`).
    public static let venueShards: UInt32 = 1_024
    public static let accounts = 16_000_000
    /// A trader's positions (the venue's book, the other side in every market, is not capped).
    public static let positionsPerAccount = 64
    public static let balancesPerAccount = 64
    public static let riskTiersPerMarket = 32
    public static let collateralTiersPerAsset = 32
    /// Command ids remembered for duplicate detection (a FIFO window).
    public static let commandIDsRemembered = 1 << 20
    /// Price sources per market index.
    public static let oracleSourcesPerMarket = 32
    /// Marks remembered per market for the price-move breaker's window.
    public static let markHistory = 512
    /// Backstop liquidity providers registered per market.
    public static let backstopsPerMarket = 64
    /// Opposite positions visited by one auto-deleveraging (dYdX's maximum count).
    public static let deleveragingCounterparties = 1_024
    /// Liquidation steps a keeper submits in one pass over the flagged pools.
    public static let keeperStepsPerPass = 10_000
    /// Steps of the liquidation-price search (price atoms fit in 63 bits).
    public static let priceSearchSteps = 128
    /// Scenarios of the portfolio margin model.
    public static let portfolioScenarios = 256
    /// Underlyings and scenarios of the historical-VaR margin model's scenario set.
    public static let varSeries = 64
    public static let varScenarios = 5_000
    public static let spreadCredits = 256
    /// Option markets on one underlying.
    public static let optionsPerUnderlying = 512
    /// Strikes of one published volatility smile.
    public static let smilePoints = 256
    /// Smiles (expiries) kept per underlying.
    public static let smilesPerUnderlying = 64
    /// The highest volatility a smile may quote (1,000 %).
    public static let volatilityMaximum = Rate(atoms: 10 * Rate.oneAtoms)
}
