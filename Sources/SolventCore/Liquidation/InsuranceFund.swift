/// How a liquidation fill meets the insurance fund (BitMEX, exchanges.md §2.3): the account is
/// closed at its bankruptcy price; a fill better than that pays the difference into the fund, a
/// worse one draws it from the fund, within the fund's balance and its cap for the interval.
/// What the fund cannot cover is the uncovered loss for deleveraging or socialization.
public enum InsuranceFund {
    public struct Outcome: Hashable, Sendable, Codable {
        /// Paid into the fund (positive) or drawn from it (negative), settlement atoms.
        public var fundChange: Int64
        /// Loss left after the fund, settlement atoms (≥ 0).
        public var uncovered: Int64

        public init(fundChange: Int64, uncovered: Int64) {
            self.fundChange = fundChange
            self.uncovered = uncovered
        }
    }

    /// - Parameters:
    ///   - surplus: fill value minus bankruptcy value for the system (negative: a shortfall).
    ///   - balance: the fund's balance.
    ///   - drawCap: what it may still pay out this interval.
    public static func settle(surplus: Int64, balance: Int64, drawCap: Int64) -> Outcome {
        precondition(balance >= 0 && drawCap >= 0, "the insurance fund is never negative")
        if surplus >= 0 { return Outcome(fundChange: surplus, uncovered: 0) }
        let shortfall = -surplus
        let drawn = min(shortfall, balance, drawCap)
        return Outcome(fundChange: -drawn, uncovered: shortfall - drawn)
    }
}
