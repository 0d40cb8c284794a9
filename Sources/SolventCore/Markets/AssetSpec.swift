/// An asset the venue holds: a collateral coin or a settlement currency.
public struct AssetSpec: Hashable, Sendable, Codable {
    public var id: AssetID
    public var symbol: String
    /// Declared scale of `Amount`s of this asset (USDT 6, BTC 8). At most 12.
    public var scale: Int
    /// Piecewise haircut tiers for positive balances; empty means the asset counts at 100 %.
    /// Negative balances (debts) always count at 100 % (Bybit's rule).
    public var collateralTiers: [CollateralTier]
    /// An index price older than this is stale: actions that need the asset's value are refused.
    public var priceMaxAge: Int64

    public init(
        id: AssetID, symbol: String, scale: Int, collateralTiers: [CollateralTier] = [],
        priceMaxAgeSeconds: Int64 = 60
    ) {
        self.id = id
        self.symbol = symbol
        self.scale = scale
        self.collateralTiers = collateralTiers
        self.priceMaxAge = priceMaxAgeSeconds * 1_000_000_000
    }

    /// Checks the declaration; returns the name of the first invalid field and why.
    public func validate() -> (field: String, reason: String)? {
        if symbol.isEmpty || symbol.utf8.count > 32 { return ("symbol", "1 to 32 bytes of UTF-8") }
        if scale < 0 || scale > 12 { return ("scale", "0 to 12 decimals") }
        if priceMaxAge <= 0 { return ("priceMaxAge", "positive") }
        var previousCap: Int64 = 0
        for (index, tier) in collateralTiers.enumerated() {
            if tier.ratio.atoms < 0 || tier.ratio.atoms > Rate.oneAtoms {
                return ("collateralTiers[\(index)].ratio", "between 0 and 1")
            }
            if let cap = tier.quantityCap {
                if cap.atoms <= previousCap {
                    return ("collateralTiers[\(index)].quantityCap", "increasing and positive")
                }
                previousCap = cap.atoms
            } else if index != collateralTiers.count - 1 {
                return ("collateralTiers[\(index)].quantityCap", "only the last tier may be uncapped")
            }
        }
        return nil
    }

    /// The balance after haircuts, in atoms of this asset, rounded down (an asset of the user's).
    /// Tiers apply piecewise; beyond the last capped tier a balance counts at 0.
    public func collateralAtoms(of balance: Int64) -> Int64 {
        if balance <= 0 || collateralTiers.isEmpty { return balance }
        var remaining = Int128(balance)
        var floor: Int128 = 0
        var weighted: Int128 = 0
        for tier in collateralTiers where remaining > 0 {
            let width = tier.quantityCap.map { Int128($0.atoms) - floor } ?? remaining
            let piece = min(remaining, width)
            weighted += piece * Int128(tier.ratio.atoms)
            remaining -= piece
            floor += piece
        }
        return Int64(FixedPoint.divide(weighted, by: Int128(Rate.oneAtoms), .down))
    }
}
