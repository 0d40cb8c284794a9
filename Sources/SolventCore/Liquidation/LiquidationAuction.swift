/// An open Dutch auction of part of a liquidated position: `lot` contracts
/// of `account`'s position in `market`, priced by the market's `DutchAuctionRules` from the
/// mark when it started or was last reset.
///
/// A long lot is sold: the price starts at mark × buffer and falls along the curve. A short lot
/// is bought back: the price mirrors the long one around the start mark (2 × mark − long
/// price), so it starts below the mark and rises. The long price is rounded up (the system
/// never sells below the curve), so the mirrored price is rounded down (it never buys above it).
public struct LiquidationAuction: Hashable, Sendable, Codable {
    /// The sequence number of the input that started it: unique and increasing.
    public var id: UInt64
    public var account: AccountID
    public var market: MarketID
    /// The liquidated position's side (true: a long being sold).
    public var long: Bool
    /// Contracts still for sale (Quantity atoms, > 0).
    public var lot: Int64
    /// The mark when the auction started or was last reset.
    public var startMark: Int64
    /// The Clipper state: top price (mark × buffer) and start time.
    public var clock: DutchAuction

    public init(
        id: UInt64, account: AccountID, market: MarketID, long: Bool, lot: Int64, mark: Int64,
        rules: DutchAuctionRules, now: Timestamp
    ) {
        self.id = id
        self.account = account
        self.market = market
        self.long = long
        self.lot = lot
        self.startMark = mark
        self.clock = DutchAuction(mark: mark, rules: rules, now: now, lot: lot, debt: 0)
    }

    /// The price a bidder pays (long lot) or receives (short lot) now, and whether the auction
    /// must be reset before anyone can take from it.
    public func status(rules: DutchAuctionRules, now: Timestamp) -> (price: Int64, needsReset: Bool) {
        let (longPrice, needsReset) = clock.status(rules: rules, now: now)
        if long { return (longPrice, needsReset) }
        let mirrored = 2 * startMark - longPrice
        return (mirrored, needsReset || mirrored <= 0)
    }

    /// Restarted at `mark` now, with the same lot.
    public func reset(mark: Int64, rules: DutchAuctionRules, now: Timestamp) -> LiquidationAuction {
        LiquidationAuction(
            id: id, account: account, market: market, long: long, lot: lot, mark: mark, rules: rules, now: now)
    }

    /// The slice a bid for `quantity` takes: all it asks up to the lot, except that a take that
    /// would leave less than `dustLots` contracts (the rules' dust as a quantity at the price)
    /// leaves exactly that many; when the lot is at or below it, only the whole lot can be
    /// taken (Maker's `chost`). nil: the bid would take nothing.
    public func slice(quantity: Int64, dustLots: Int64) -> Int64? {
        guard quantity > 0 else { return nil }
        if quantity >= lot { return lot }
        let left = lot - quantity
        if left >= dustLots { return quantity }
        guard lot > dustLots else { return nil }
        return lot - dustLots
    }
}
