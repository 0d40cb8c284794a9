/// What makes a market a European, cash-settled option: its right and strike, the
/// market whose mark is its underlying (a perpetual or a dated future, used as the forward), and
/// what its premium is quoted in.
///
/// An option market values positions like a linear contract whose price is the premium:
/// value = size × contractSize × premium, in the settlement asset. Its mark is not set directly:
/// it is Black-76 on the underlying's mark with the volatility the underlying's smile gives the
/// strike (`Engine+Options.swift`), and at expiry the market settles at intrinsic value.
public struct OptionTerms: Hashable, Sendable, Codable {
    public enum Right: String, Hashable, Sendable, Codable, CaseIterable { case call, put }

    /// The unit of the premium, which is also the settlement asset.
    public enum Premium: String, Hashable, Sendable, Codable, CaseIterable {
        /// Linear option: premium and payoff in the quote asset (USDC, USDT): max(F − K, 0).
        case quote
        /// Inverse (coin-settled) option, as Deribit's BTC options: premium and payoff in the
        /// coin, the USD value divided by the underlying price: max(F − K, 0) / F.
        case coin
    }

    /// Deribit-style standard margin rates for a short option (ccp-models.md §4.1): initial
    /// max(base − OTM / F, floor) × F + mark, maintenance `maintenance` × F + mark (in the
    /// premium's unit per contract; a put's maintenance is at least `maintenance` × mark + mark).
    public struct StandardMarginRates: Hashable, Sendable, Codable {
        public var base: Rate
        public var floor: Rate
        public var maintenance: Rate
        public init(
            base: Rate = Rate(atoms: 150_000_000), floor: Rate = Rate(atoms: 100_000_000),
            maintenance: Rate = Rate(atoms: 75_000_000)
        ) {
            self.base = base
            self.floor = floor
            self.maintenance = maintenance
        }
    }

    public var right: Right
    public var strike: Price
    public var underlying: MarketID
    public var premium: Premium
    public var standardMargin: StandardMarginRates

    public init(
        right: Right, strike: Price, underlying: MarketID, premium: Premium,
        standardMargin: StandardMarginRates = StandardMarginRates()
    ) {
        self.right = right
        self.strike = strike
        self.underlying = underlying
        self.premium = premium
        self.standardMargin = standardMargin
    }

    func validate() -> MarketSpecError? {
        if strike.atoms <= 0 { return .init(field: "option.strike", reason: "positive") }
        let rates = standardMargin
        if rates.floor.atoms < 0 || rates.base.atoms < rates.floor.atoms || rates.base.atoms > Rate.oneAtoms {
            return .init(field: "option.standardMargin", reason: "0 ≤ floor ≤ base ≤ 1")
        }
        if rates.maintenance.atoms <= 0 || rates.maintenance.atoms > Rate.oneAtoms {
            return .init(field: "option.standardMargin.maintenance", reason: "between 0 (exclusive) and 1")
        }
        return nil
    }
}
