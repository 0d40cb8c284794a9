/// One band of a tiered collateral haircut: the part of a positive balance up to `quantityCap`
/// (asset atoms, cumulative from zero; nil = no cap) counts at `ratio` of its index value.
/// Applied piecewise (marginally), as OKX "discount rate", Bybit "collateral value ratio" and
/// Bitget "collateral ratio" tables are (exchanges.md §4, vectors BG-1, BG-2).
public struct CollateralTier: Hashable, Sendable, Codable {
    public var quantityCap: Amount?
    public var ratio: Rate

    public init(quantityCap: Amount?, ratio: Rate) {
        self.quantityCap = quantityCap
        self.ratio = ratio
    }
}
