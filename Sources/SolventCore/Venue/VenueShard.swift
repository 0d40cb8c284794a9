/// An engine that is one shard of a venue whose accounts are spread across several engines
/// (docs/sharding.md). Each shard holds every asset and market, receives every price in the
/// same order, and holds its own accounts; what the shards share for liquidation travels
/// between them as journaled inputs:
///
/// - The **liquidation baton** (`VenueLiquidationState`): the insurance funds, each market's
///   fund-draw window and liquidation-rate limiter. Exactly one shard holds it; only that
///   shard runs liquidation steps, and the coordinator hands it to the shard of the next step
///   (`handOverLiquidation` there, `takeOverLiquidation` here). The fund is therefore one fund
///   whose balance sits, whole, where the step that draws on it runs, so every step sees the
///   balance and caps a single engine would.
/// - **Auto-deleveraging across shards**: the coordinator gathers each shard's ranked
///   candidates, merges them in the venue's one order, reserves the chosen positions on their
///   shards (`reserveDeleveraging`: the position cannot change until the reservation ends), runs
///   the step with that allocation (`liquidate(…, deleveraging:)`: the venue's book of the
///   step's shard takes the remote shares at the account price) and commits each reservation
///   (`commitDeleveraging`: the counterparty closes its share at that price against its own
///   shard's book). The books' positions across shards net to zero.
public struct VenueShard: Hashable, Sendable, Codable {
    /// This shard's number, 0 ..< `shards`.
    public var shard: UInt32
    public var shards: UInt32
    /// Whether this shard holds the liquidation baton (shard 0 at the start).
    public var holdsLiquidation: Bool
    /// Open reservations of positions for auto-deleveraging, by id.
    public var reservations: [DeleveragingReservation]

    public init(shard: UInt32, shards: UInt32) {
        self.shard = shard
        self.shards = shards
        self.holdsLiquidation = shard == 0
        self.reservations = []
    }

    func reservation(_ id: UInt64) -> Int? { reservations.firstIndex { $0.id == id } }

    /// Whether a reservation holds the account's position in the market.
    func reserves(_ account: AccountID, market: MarketID) -> Bool {
        reservations.contains { $0.account == account && $0.market == market }
    }
}

/// A position held for one auto-deleveraging share until the step that needs it commits (or the
/// coordinator releases it).
public struct DeleveragingReservation: Hashable, Sendable, Codable {
    /// Chosen by the coordinator, unique among the shard's open reservations.
    public var id: UInt64
    public var account: AccountID
    public var market: MarketID
    /// The side of the reserved position (true: long).
    public var long: Bool
    /// Contracts atoms to close (positive, at most the position's size).
    public var size: Int64

    public init(id: UInt64, account: AccountID, market: MarketID, long: Bool, size: Int64) {
        self.id = id
        self.account = account
        self.market = market
        self.long = long
        self.size = size
    }
}

/// One counterparty's share of an auto-deleveraging step, as the coordinator allocated it.
public struct DeleveragingShare: Hashable, Sendable, Codable {
    public var account: AccountID
    /// Contracts atoms (positive).
    public var size: Int64

    public init(account: AccountID, size: Int64) {
        self.account = account
        self.size = size
    }
}

/// What a liquidation step needs from the venue's auto-deleveraging: `quantity` contracts atoms
/// on the `long` side of `market`, ranked by `ranking`, from at most `maximum` counterparties,
/// leaving out `excluded` (the liquidated account).
public struct VenueDeleveragingNeed: Hashable, Sendable, Codable {
    public var market: MarketID
    public var long: Bool
    public var quantity: Int64
    public var ranking: AutoDeleveraging.Ranking
    public var maximum: Int
    public var excluded: AccountID
}

/// A ranked auto-deleveraging candidate with its score, as one shard reports it.
public struct ScoredCandidate: Hashable, Sendable, Codable {
    public var score: Double
    public var account: AccountID
    public var size: Int64

    /// The venue's one order: highest score first, ties by account id (as a single engine ranks).
    public static func precedes(_ a: ScoredCandidate, _ b: ScoredCandidate) -> Bool {
        a.score != b.score ? a.score > b.score : a.account < b.account
    }
}

/// The liquidation state a venue's shards share, as it travels with the baton.
public struct VenueLiquidationState: Hashable, Sendable, Codable {
    public struct Fund: Hashable, Sendable, Codable {
        public var asset: AssetID
        /// Atoms of the asset (≥ 0).
        public var balance: Int64
    }

    public struct MarketWindow: Hashable, Sendable, Codable {
        public var market: MarketID
        public var fundDrawnInWindow: Int64
        public var fundDrawWindowStart: Timestamp
        public var fundDrawnTotal: Int64
        /// The liquidation-rate limiter (nil: the market has no oracle).
        public var limiter: LiquidationRateLimiter?
    }

    /// Every asset, in creation order.
    public var funds: [Fund]
    /// Every market, in creation order.
    public var markets: [MarketWindow]
}
