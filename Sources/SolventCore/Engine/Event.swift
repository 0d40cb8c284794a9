/// What happened, in the past tense. Events carry the state they leave behind (balances and
/// positions after), so applying one is an assignment that cannot fail.
///
/// Large payloads are boxed (`indirect`) so that an event is a few words: a mark update that
/// flags hundreds of thousands of pools builds an array of small events, not of the largest one.
public enum Event: Hashable, Sendable, Codable {
    case assetCreated(AssetSpec)
    indirect case marketCreated(MarketSpec, RiskParameters)
    indirect case riskParametersSet(market: MarketID, RiskParameters)
    case accountOpened(AccountID)
    case deposited(account: AccountID, asset: AssetID, amount: Amount, balanceAfter: Amount)
    case withdrawn(account: AccountID, asset: AssetID, amount: Amount, balanceAfter: Amount)
    case leverageSet(account: AccountID, market: MarketID, leverage: Int64, isolated: Bool)
    case isolatedMarginAdjusted(
        account: AccountID, market: MarketID, amount: Amount,
        isolatedMarginAfter: Amount, walletAfter: Amount)
    indirect case fillApplied(FillApplied)
    case indexPriceSet(asset: AssetID, price: Price)
    case markPriceSet(market: MarketID, mark: Price, index: Price?)
    case fundingSettled(SettlementApplied)
    case marketSettled(SettlementApplied)
    indirect case positionImported(PositionImported)
    /// A tick was processed (time-driven work, if any, follows as its own events).
    case ticked(at: Timestamp)
    indirect case oracleConfigured(market: MarketID, OracleConfig)
    /// The index from the sources (nil: none, see `failure`), and the mark set from it (nil: the
    /// mark stays frozen).
    case indexUpdated(IndexUpdate)
    /// A market's oracle state after an update or a tick.
    indirect case oracleStateChanged(market: MarketID, OracleState)
    case breakerTripped(BreakerTrip)
    case breakerResumed(market: MarketID, rule: BreakerRule)
    /// A pool's margin state changed on a mark update: margin call issued or cleared,
    /// liquidation started or ended (after the exit buffer).
    case marginStateChanged(MarginStateChange)
    indirect case collateralOracleConfigured(asset: AssetID, CollateralOracleConfig)
    /// A collateral asset's sources aggregated, and the price credited from them (if any).
    indirect case collateralPriceUpdated(CollateralPriceUpdate)
    /// A collateral asset's oracle state after an update.
    indirect case collateralOracleStateChanged(asset: AssetID, CollateralOracleState)
    indirect case liquidationConfigured(market: MarketID, LiquidationParameters)
    indirect case positionLiquidated(LiquidationStep)
    case insuranceFunded(asset: AssetID, amount: Amount)
    case deficitCovered(asset: AssetID, amount: Amount)
    /// A market's backstop providers after a registration or a step that used their capacity.
    case backstopsChanged(market: MarketID, [Backstop])
    /// A commitment root published for the state at `root.sequence` (the input before this one).
    indirect case commitmentRecorded(CommitmentRoot)
    indirect case volatilitySmileSet(underlying: MarketID, VolatilitySmile)
    case marginModelSet(account: AccountID, AccountMarginModel)
    indirect case portfolioMarginConfigured(PortfolioMarginRules)
    indirect case varMarginConfigured(VaRMarginRules)
    indirect case spanMarginConfigured(SpanMarginRules)
    indirect case greeksMarginConfigured(GreeksMarginRules)
    indirect case spreadCreditsConfigured(SpreadCreditRules)
    /// An auction opened (or restarted) and what its keeper was paid from the insurance fund.
    indirect case auctionStarted(LiquidationAuction, KeeperPayment?)
    indirect case auctionReset(LiquidationAuction, KeeperPayment?)
    /// The lot left after a take (0: the auction is over).
    case auctionUpdated(id: UInt64, lot: Int64)
    /// The engine became a shard of a venue.
    case venueJoined(VenueShard)
    /// The liquidation baton left this shard (funds out) or arrived (funds in).
    indirect case liquidationHandedOver(VenueLiquidationState)
    indirect case liquidationTakenOver(VenueLiquidationState)
    case deleveragingReserved(DeleveragingReservation)
    indirect case deleveragingCommitted(DeleveragingCommit)
    case deleveragingReleased(reservation: UInt64)
}

/// A keeper incentive paid from the insurance fund (an auction's tip and chip).
public struct KeeperPayment: Hashable, Sendable, Codable {
    public var market: MarketID
    public var keeper: AccountID
    /// Settlement atoms.
    public var amount: Int64
    public var walletAfter: Int64
}

/// A pool: an account's cross margin (market nil) or one isolated position.
public struct PoolKey: Hashable, Comparable, Sendable, Codable {
    public var account: AccountID
    public var isolatedMarket: MarketID?
    public init(account: AccountID, isolatedMarket: MarketID?) {
        self.account = account
        self.isolatedMarket = isolatedMarket
    }
    public static func < (a: PoolKey, b: PoolKey) -> Bool {
        if a.account != b.account { return a.account < b.account }
        return (a.isolatedMarket?.rawValue ?? 0) < (b.isolatedMarket?.rawValue ?? 0)
    }
}

/// Where a flagged pool stands.
public enum MarginAlert: String, Hashable, Sendable, Codable {
    case marginCall
    case liquidating
}

public struct MarginStateChange: Hashable, Sendable, Codable {
    public var pool: PoolKey
    /// The market whose mark update caused the change.
    public var market: MarketID
    public var mark: Price
    /// The state before and after (nil: not flagged).
    public var from: MarginAlert?
    public var to: MarginAlert?
    public var status: MarginStatus
    /// Pool figures at that mark (USD value atoms for cross, settlement atoms for isolated).
    public var equity: Int64
    public var maintenance: Int64
}

/// One oracle update's outcome: which sources counted and which did not, and why.
public struct IndexUpdate: Hashable, Sendable, Codable {
    public var market: MarketID
    public var index: Price?
    public var mark: Price?
    public var used: [SourceID]
    public var excluded: [IndexAggregator.Exclusion]
    public var failure: IndexAggregator.Failure?
}

/// One account's side of a fill, funding payment or settlement: what changed and the state after.
public struct LegApplied: Hashable, Sendable, Codable {
    public var account: AccountID
    /// Realized PnL (fills, settlement) or funding received (negative: paid), settlement atoms.
    public var realizedPnl: Int64
    /// Fee paid, settlement atoms.
    public var fee: Int64
    /// Margin moved from the wallet to the isolated position (negative: released), settlement atoms.
    public var isolatedTransfer: Int64
    /// The settlement-asset wallet balance after.
    public var walletAfter: Int64
    /// The position after (nil: closed).
    public var positionAfter: Position?
}

/// A fill as applied.
public struct FillApplied: Hashable, Sendable, Codable {
    public var fill: Fill
    public var buyer: LegApplied
    public var seller: LegApplied
    /// Rounding remainder booked to the dust account, settlement atoms (≥ 0).
    public var dust: Int64
}

/// A funding settlement or a dated future's final settlement: every position of the market.
public struct SettlementApplied: Hashable, Sendable, Codable {
    public var market: MarketID
    public var price: Price
    /// Funding rate (funding) or zero (final settlement).
    public var rate: Rate
    public var legs: [LegApplied]
    public var dust: Int64
    /// Final settlement only: what accounts left owing more than they held were credited
    /// (settlement atoms), drawn from the insurance fund, and the rest booked as the deficit.
    public var fundDraw: Int64 = 0
    public var uncovered: Int64 = 0
}

/// An imported position and the venue's opposite side.
public struct PositionImported: Hashable, Sendable, Codable {
    public var market: MarketID
    public var account: LegApplied
    public var venue: LegApplied
    public var dust: Int64
}

/// A reserved auto-deleveraging share closed against the shard's book.
public struct DeleveragingCommit: Hashable, Sendable, Codable {
    public var reservation: UInt64
    public var market: MarketID
    public var price: Price
    public var account: LegApplied
    public var venue: LegApplied
    /// Rounding remainder booked to the dust account, settlement atoms (≥ 0).
    public var dust: Int64
}
