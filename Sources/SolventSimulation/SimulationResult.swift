/// What a cascade run produced (amounts in USDT, prices in USDT per contract, times in
/// nanoseconds since 1970). Only counts and sums: the report formats it.
public struct SimulationResult: Sendable {
    /// One price point of the path.
    public struct Point: Hashable, Sendable {
        public var time: Int64
        /// The historical price and the simulated one (moved by the forced flow's impact).
        public var exogenous: Double
        public var price: Double
        /// 1 − price / exogenous.
        public var impact: Double
        /// Liquidation steps and their notional at this point.
        public var steps: Int
        public var notional: Double
        /// The insurance fund after the point, and the bad debt so far.
        public var fund: Double
        public var badDebt: Double
        /// Positions auto-deleveraged (or debited a socialized share) at this point.
        public var deleveraged: Int
        public var rounds: Int
        /// Liquidations were paused by a breaker at some round of this point.
        public var paused: Bool
    }

    /// An account hit by auto-deleveraging (or a socialized loss).
    public struct DeleveragingHit: Hashable, Sendable {
        public var time: Int64
        public var account: UInt64
        /// Its leverage at the start (entry notional / collateral).
        public var leverage: Double
        /// What the deleveraging realized for it (its closed profit, usually positive).
        public var realizedPnl: Double
    }

    /// One market of the run: its start, lows, open interest (contracts) and liquidations.
    public struct MarketSummary: Hashable, Sendable {
        public var symbol: String
        public var start: Double
        public var exogenousLow = Double.infinity
        public var low = Double.infinity
        public var openInterest = 0.0
        public var steps = 0
        public var liquidatedNotional = 0.0
        public var badDebt = 0.0
        public init(symbol: String, start: Double) {
            self.symbol = symbol
            self.start = start
        }
    }

    public var label: String
    public var settings: [(String, String)]
    public var accounts: Int
    /// Long-side open interest at the start (contracts) and its notional at the start price.
    public var openInterest = 0.0
    public var openInterestNotional = 0.0
    public var start = 0.0
    public var exogenousLow = 0.0
    public var low = 0.0
    public var initiallyLiquidating = 0
    public var points: [Point] = []
    public var steps = 0
    public var liquidatedAccounts = 0
    public var liquidatedNotional = 0.0
    /// Losses beyond the liquidated accounts' equity: what the fund paid (`fundDraw`), what
    /// auto-deleveraging or socialization placed on counterparties (`reallocated`), and what
    /// nothing placed (the venue's book bears it; the asset's recorded `deficit`).
    public var badDebt = 0.0
    public var fundDraw = 0.0
    public var reallocated = 0.0
    /// The asset's recorded deficit at the end (positive: a loss).
    public var deficit = 0.0
    public var penalties = 0.0
    /// Funding settlements paid along the path, what their payers paid in all (USD), and any
    /// the engine refused.
    public var fundingSettlements = 0
    public var fundingPaid = 0.0
    public var fundingRefused = 0
    public var keeperRewards = 0.0
    public var fundStart = 0.0
    public var fundMinimum = 0.0
    public var fundEnd = 0.0
    public var deleveragedPositions = 0
    public var deleveragedAccounts = 0
    public var deleveragedMedianLeverage: Double? = nil
    public var deleveragedSample: [DeleveragingHit] = []
    public var backstopSteps = 0
    public var auctionsStarted = 0
    public var auctionResets = 0
    public var breakerTrips = 0
    public var stillLiquidating = 0
    /// Steps the engine refused, by reason (pools inside the exit buffer, for example).
    public var refusals: [String: Int] = [:]
    public var auditChecks = 0
    public var auditViolations: [String] = []
    /// Each market's figures (one entry when one market ran); the totals above are over all.
    public var markets: [MarketSummary] = []
    /// The engine's state digest at the end: equal digests, equal runs.
    public var digest = ""

    public init(label: String, settings: [(String, String)], accounts: Int) {
        self.label = label
        self.settings = settings
        self.accounts = accounts
    }

    /// Fall from the start to the lowest price, exogenous and simulated.
    public var exogenousDrawdown: Double { start > 0 ? 1 - exogenousLow / start : 0 }
    public var drawdown: Double { start > 0 ? 1 - low / start : 0 }
    /// Simulated drawdown over the exogenous one (1: the forced flow added nothing).
    public var amplification: Double { exogenousDrawdown > 0 ? drawdown / exogenousDrawdown : 1 }
    public var fundDrawdown: Double { fundStart - fundMinimum }
}
