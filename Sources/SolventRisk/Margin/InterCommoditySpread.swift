/// SPAN's inter-commodity spread credit (ccp-models.md §1.7), the correlation offset between
/// underlyings margined one by one: for each spread in priority order, where the two legs still
/// hold deltas of opposite sign, n = min(|Δ_A| / r_A, |Δ_B| / r_B) spreads are formed and each leg
/// is credited ρ × n × r × its weighted price risk (its requirement per unit of delta, WPR =
/// risk / |Δ|); the deltas used are removed before the next spread. A leg's credit is at most ρ
/// of its requirement, so a credit never makes a requirement negative, and legs of the same sign
/// (which move together) earn nothing.
///
/// Deltas and ratios are in any one unit (contracts, coins, or value per relative move), the
/// same for every group.
public enum InterCommoditySpread {
    public struct Group: Hashable, Sendable {
        /// The group's net delta.
        public var delta: Double
        /// The group's own requirement (scan risk) before any credit.
        public var risk: Double
        public init(delta: Double, risk: Double) {
            self.delta = delta
            self.risk = risk
        }
    }

    public struct Spread: Hashable, Sendable {
        public var first: Int
        public var second: Int
        /// Deltas of each leg in one spread.
        public var firstRatio: Double
        public var secondRatio: Double
        /// ρ: the share of the legs' weighted price risk credited, 0 to 1.
        public var creditRate: Double
        public init(first: Int, second: Int, firstRatio: Double, secondRatio: Double, creditRate: Double) {
            (self.first, self.second, self.firstRatio, self.secondRatio, self.creditRate) = (
                first, second, firstRatio, secondRatio, creditRate
            )
        }
    }

    /// The credit against each group's requirement, in the requirements' unit.
    public static func credits(groups: [Group], spreads: [Spread]) -> [Double] {
        var remaining = groups.map(\.delta)
        var credits = [Double](repeating: 0, count: groups.count)
        for spread in spreads {
            let (a, b) = (spread.first, spread.second)
            guard a != b, groups.indices.contains(a), groups.indices.contains(b), spread.firstRatio > 0,
                spread.secondRatio > 0,
                remaining[a] * remaining[b] < 0
            else { continue }
            let n = min(abs(remaining[a]) / spread.firstRatio, abs(remaining[b]) / spread.secondRatio)
            for (leg, ratio) in [(a, spread.firstRatio), (b, spread.secondRatio)] {
                let used = n * ratio
                let weightedPriceRisk = max(0, groups[leg].risk) / abs(groups[leg].delta)
                credits[leg] += spread.creditRate * used * weightedPriceRisk
                // Clamped at zero: rounding in n × r must not flip a used-up leg's sign.
                remaining[leg] = remaining[leg] > 0 ? max(0, remaining[leg] - used) : min(0, remaining[leg] + used)
            }
        }
        return credits
    }
}
