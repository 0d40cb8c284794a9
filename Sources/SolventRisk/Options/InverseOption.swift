/// Inverse (coin-settled) options (ccp-models.md §8.1): a call pays max(S_T − K, 0) / S_T coins.
/// Converted at S_T that is exactly the USD payoff, so the coin value today is the USD value
/// divided by today's underlying — how Deribit marks its options.
public enum InverseOption {
    /// The option's value in coin, and its premium-adjusted (coin) delta: N(d₁) − C/F for a call,
    /// N(d₁) − 1 − P/F for a put, i.e. the USD delta minus the coin price (per unit of underlying,
    /// undiscounted forward deltas when r = q).
    public static func coinValuation(_ option: EuropeanOption) -> (price: Double, premiumAdjustedDelta: Double) {
        let usd = BlackScholes.valuation(option)
        let coin = usd.price / option.spot
        return (coin, usd.delta - coin)
    }
}
