/// An engine's canonical state: everything its digest covers, and nothing derived from it. A
/// snapshot stores this; `Engine(restoring:)` rebuilds the rest — the id directories, the scan
/// tables and trigger indexes, the kept auto-deleveraging queues, the portfolio grid and the VaR
/// scenario sets — so that a change to how the engine indexes its state never changes what a
/// snapshot holds. A position keeps its scan row number (events carry it), so a restored engine
/// numbers rows as the saved one did; the rows themselves are rebuilt.
public struct EngineState: Sendable, Codable {
    /// A pool in margin call or in liquidation.
    public struct PoolAlert: Hashable, Sendable, Codable {
        public var pool: PoolKey
        public var alert: MarginAlert

        public init(pool: PoolKey, alert: MarginAlert) {
            self.pool = pool
            self.alert = alert
        }
    }

    public var lastSequence: UInt64
    public var now: Timestamp
    /// In creation order (their positions in these arrays are the engine's dense indexes).
    public var assets: [AssetState]
    public var markets: [MarketState]
    /// In opening order; the venue's own book first.
    public var accounts: [Account]
    /// Sorted by pool key.
    public var alerts: [PoolAlert]
    public var auctions: [LiquidationAuction]
    public var latestCommitment: CommitmentRoot?
    public var portfolioMargin: PortfolioMarginRules
    public var varMargin: VaRMarginRules
    public var spanMargin: SpanMarginRules
    public var greeksMargin: GreeksMarginRules
    public var spreadCredits: SpreadCreditRules
    /// The remembered command ids, oldest first (a repeated id within them is rejected).
    public var recentCommands: [CommandID]
    /// The venue shard's own state (nil: an engine on its own).
    public var venue: VenueShard?

    public init(
        lastSequence: UInt64, now: Timestamp, assets: [AssetState], markets: [MarketState], accounts: [Account],
        alerts: [PoolAlert], auctions: [LiquidationAuction], latestCommitment: CommitmentRoot?,
        portfolioMargin: PortfolioMarginRules, varMargin: VaRMarginRules, spanMargin: SpanMarginRules,
        greeksMargin: GreeksMarginRules, spreadCredits: SpreadCreditRules, recentCommands: [CommandID],
        venue: VenueShard? = nil
    ) {
        self.lastSequence = lastSequence
        self.now = now
        self.assets = assets
        self.markets = markets
        self.accounts = accounts
        self.alerts = alerts
        self.auctions = auctions
        self.latestCommitment = latestCommitment
        self.portfolioMargin = portfolioMargin
        self.varMargin = varMargin
        self.spanMargin = spanMargin
        self.greeksMargin = greeksMargin
        self.spreadCredits = spreadCredits
        self.recentCommands = recentCommands
        self.venue = venue
    }
}
