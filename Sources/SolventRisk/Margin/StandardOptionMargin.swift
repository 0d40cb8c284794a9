/// Deribit-style standard margin for one option position, in coin per contract (ccp-models.md
/// §4.1, old public parameters): a short call needs IM = max(0.15 − OTM / F, 0.1) + mark and
/// MM = 0.075 + mark; a short put IM = max(max(0.15 − OTM / F, 0.1) + mark, MM) with
/// MM = max(0.075, 0.075 × mark) + mark. A long option needs nothing beyond its premium.
/// `mark` is the option's price in coin; OTM is how far out of the money the strike is.
public enum StandardOptionMargin {
    public struct Rates: Hashable, Sendable {
        public var base: Double = 0.15
        public var floor: Double = 0.10
        public var maintenance: Double = 0.075
        public init() {}
    }

    public static func requirement(
        right: OptionRight, quantity: Double, forward: Double, strike: Double, markInCoin mark: Double,
        rates: Rates = Rates()
    ) -> (initial: Double, maintenance: Double) {
        guard quantity < 0 else { return (0, 0) }
        let outOfTheMoney = max(0, right == .call ? strike - forward : forward - strike)
        let initialRate = max(rates.base - outOfTheMoney / forward, rates.floor)
        let initial: Double
        let maintenance: Double
        switch right {
        case .call:
            maintenance = rates.maintenance + mark
            initial = initialRate + mark
        case .put:
            maintenance = max(rates.maintenance, rates.maintenance * mark) + mark
            initial = max(initialRate + mark, maintenance)
        }
        return (-quantity * initial, -quantity * maintenance)
    }
}
