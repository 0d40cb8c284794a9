/// An open position of one account in one market.
///
/// The position keeps its exact `cost`: the sum of the signed values it was opened at, in
/// settlement atoms (`value(size, entry)`). Unrealized PnL is `value(size, mark) − cost`, and the
/// entry price is derived from cost and size, so averaging into a position loses nothing.
public struct Position: Hashable, Sendable, Codable {
    public var market: MarketID
    /// Index of the market in the engine's market table (dense, for the hot path).
    public var marketIndex: Int32
    /// Signed size in `Quantity` atoms; positive is long. Never zero while the position exists.
    public var size: Int64
    /// Signed value at entry, settlement atoms.
    public var cost: Int64
    public var isolated: Bool
    /// Margin posted to this isolated position, settlement atoms (0 for cross).
    public var isolatedMargin: Int64
    /// Cumulative realized PnL of this position since it opened, settlement atoms (reporting).
    public var realizedPnl: Int64
    /// Cumulative funding received (negative: paid), settlement atoms (reporting).
    public var fundingPnl: Int64
    /// Row of this position in its market's scan table (engine bookkeeping, not in the digest).
    public var scanRow: Int32 = -1

    public init(
        market: MarketID, marketIndex: Int32, size: Int64, cost: Int64, isolated: Bool,
        isolatedMargin: Int64, realizedPnl: Int64 = 0, fundingPnl: Int64 = 0
    ) {
        self.market = market
        self.marketIndex = marketIndex
        self.size = size
        self.cost = cost
        self.isolated = isolated
        self.isolatedMargin = isolatedMargin
        self.realizedPnl = realizedPnl
        self.fundingPnl = fundingPnl
    }
}
