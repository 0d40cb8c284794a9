/// Execution of a liquidation order through the book: a depth model gives the
/// average fill price with slippage; the account is never closed at a price worse for the system
/// than its bankruptcy price — any gap between the market fill and the bankruptcy price is the
/// insurance fund's.
public enum DepthModel: Hashable, Sendable, Codable {
    /// Price levels away from the mark: (distance as a rate of the mark, notional available at
    /// that level in settlement atoms), nearest first.
    case levels([Level])
    /// Square-root impact: slippage = coefficient × √(notional / depth).
    case squareRoot(depth: Int64, coefficient: Rate)

    public struct Level: Hashable, Sendable, Codable {
        public var distance: Rate
        public var notional: Int64
        public init(distance: Rate, notional: Int64) {
            self.distance = distance
            self.notional = notional
        }
    }

    /// The average slippage (a rate of the mark) of an order of `notional`, or nil when the book
    /// cannot absorb it (levels exhausted).
    public func slippage(notional: Int64) -> Rate? {
        guard notional > 0 else { return .zero }
        switch self {
        case .squareRoot(let depth, let coefficient):
            // Doubles for the square root (IEEE-correct, the same bits everywhere), then rounded up.
            let impact = Double(coefficient.atoms) * (Double(notional) / Double(max(depth, 1))).squareRoot()
            return Rate(atoms: Int64(min(impact.rounded(.up), Double(Rate.oneAtoms))))
        case .levels(let levels):
            var remaining = Int128(notional)
            var weighted: Int128 = 0
            for level in levels where remaining > 0 {
                let take = min(remaining, Int128(level.notional))
                weighted += take * Int128(level.distance.atoms)
                remaining -= take
            }
            guard remaining == 0 else { return nil }
            return Rate(atoms: Int64(FixedPoint.divide(weighted, by: Int128(notional), .up)))
        }
    }
}

public enum OrderBookExecution {
    public struct Fill: Hashable, Sendable, Codable {
        /// Where the market filled the order (price atoms).
        public var marketPrice: Int64
        /// Where the account is closed: the market price, or the bankruptcy price if the market
        /// was worse for the system.
        public var accountPrice: Int64
        /// Whether the insurance fund covers a gap (market worse than bankruptcy).
        public var fundCoversGap: Bool
    }

    /// Sells (a long being liquidated, `long` true) or buys back (a short) `notional` at `mark`.
    /// nil: the book cannot absorb the order (the caller falls back to another mechanism).
    public static func execute(
        long: Bool, mark: Int64, notional: Int64, bankruptcyPrice: Int64, depth: DepthModel
    ) -> Fill? {
        guard let slippage = depth.slippage(notional: notional) else { return nil }
        // Selling fills below the mark, buying above; both rounded against the account.
        let factor = long ? Rate.oneAtoms - slippage.atoms : Rate.oneAtoms + slippage.atoms
        let market = max(1, FixedPoint.multiplyDivide(mark, factor, Rate.oneAtoms, long ? .down : .up) ?? Int64.max)
        let worse = long ? market < bankruptcyPrice : market > bankruptcyPrice
        return Fill(marketPrice: market, accountPrice: worse ? bankruptcyPrice : market, fundCoversGap: worse)
    }
}
