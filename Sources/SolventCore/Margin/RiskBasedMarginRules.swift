import SolventRisk

/// The SPAN-style account model's parameters (ccp-models.md §1.3–1.9), relative
/// to each underlying's mark so that one set serves every underlying: the 16 SPAN scenarios move
/// the underlying by 0, ±⅓, ±⅔, ±1 × `priceScanRange` with volatility ± `volatilityScanRange`
/// (relative), and by ±`extremeMove` × the range at unchanged volatility of which
/// `coveredFraction` counts; every scenario lets `lookaheadDays` pass. A group's requirement is
/// max(scan risk, short option minimum), the minimum being `shortOptionMinimum` × the mark per
/// short option (counted gross). The net option value is not subtracted: options are margined
/// futures-style here, their value already in the account's equity.
public struct SpanMarginRules: Hashable, Sendable, Codable {
    public var priceScanRange: Rate
    public var volatilityScanRange: Rate
    public var extremeMove: Rate
    public var coveredFraction: Rate
    public var lookaheadDays: Int64
    public var shortOptionMinimum: Rate
    public var maintenanceFactor: Rate

    public init(
        priceScanRange: Rate, volatilityScanRange: Rate, extremeMove: Rate, coveredFraction: Rate, lookaheadDays: Int64,
        shortOptionMinimum: Rate, maintenanceFactor: Rate
    ) {
        (
            self.priceScanRange, self.volatilityScanRange, self.extremeMove, self.coveredFraction, self.lookaheadDays,
            self.shortOptionMinimum, self.maintenanceFactor
        ) =
            (
                priceScanRange, volatilityScanRange, extremeMove, coveredFraction, lookaheadDays, shortOptionMinimum,
                maintenanceFactor
            )
    }

    /// 15 % price range, 25 % relative volatility range, CME's default extreme move (3× range,
    /// 35 % covered), one day of decay, a 1 % short option minimum, maintenance at 80 %.
    public static let standard = SpanMarginRules(
        priceScanRange: Rate("0.15")!, volatilityScanRange: Rate("0.25")!, extremeMove: Rate("3")!,
        coveredFraction: Rate("0.35")!, lookaheadDays: 1, shortOptionMinimum: Rate("0.01")!,
        maintenanceFactor: Rate("0.8")!)

    /// The 16 scenarios as a risk-layer grid (relative moves, relative volatility shocks, the
    /// covered fraction as the extreme scenarios' weight).
    var grid: ScenarioGrid {
        let range = priceScanRange.fraction, vol = volatilityScanRange.fraction
        return ScenarioGrid(
            scenarios: Span.scenarios.map { scenario in
                .init(
                    spotMove: scenario.price * range * (scenario.extreme ? extremeMove.fraction : 1),
                    volatilityShock: scenario.volatility * vol, weight: scenario.extreme ? coveredFraction.fraction : 1)
            })
    }

    func validate() -> (field: String, reason: String)? {
        if priceScanRange.atoms <= 0 || priceScanRange.atoms >= Rate.oneAtoms {
            return ("priceScanRange", "above 0 and below 1")
        }
        if volatilityScanRange.atoms < 0 || volatilityScanRange.atoms >= Rate.oneAtoms {
            return ("volatilityScanRange", "0 or more and below 1")
        }
        if extremeMove.atoms < Rate.oneAtoms || extremeMove.atoms > 10 * Rate.oneAtoms {
            return ("extremeMove", "1 to 10 ranges")
        }
        if priceScanRange.fraction * extremeMove.fraction >= 1 {
            return ("extremeMove", "the extreme move must stay above −100 % of the mark")
        }
        if coveredFraction.atoms < 0 || coveredFraction.atoms > Rate.oneAtoms { return ("coveredFraction", "0 to 1") }
        if lookaheadDays < 0 || lookaheadDays > 30 { return ("lookaheadDays", "0 to 30 days") }
        if shortOptionMinimum.atoms < 0 || shortOptionMinimum.atoms > Rate.oneAtoms {
            return ("shortOptionMinimum", "0 to 1 of the mark")
        }
        if maintenanceFactor.atoms <= 0 || maintenanceFactor.atoms > Rate.oneAtoms {
            return ("maintenanceFactor", "above 0 and at most 1")
        }
        return nil
    }
}

/// The Greeks-based account model's parameters (`GreeksMargin` in the risk
/// layer): per underlying, delta charge |Δ|·F·`deltaMove`, gamma charge ½·max(0, −Γ)·(F·`gammaMove`)²,
/// vega charge Σ |vega per expiry| × `volatilityShock` (vega per 1.00 of volatility, so 0.3 is a
/// 30-point move; with `vegaOffsetsAcrossExpiries` the net vega instead). Initial margin is the
/// sum of the charges; maintenance a fraction of it.
public struct GreeksMarginRules: Hashable, Sendable, Codable {
    public var deltaMove: Rate
    public var gammaMove: Rate
    public var volatilityShock: Rate
    public var vegaOffsetsAcrossExpiries: Bool
    public var maintenanceFactor: Rate

    public init(
        deltaMove: Rate, gammaMove: Rate, volatilityShock: Rate, vegaOffsetsAcrossExpiries: Bool,
        maintenanceFactor: Rate
    ) {
        (self.deltaMove, self.gammaMove, self.volatilityShock, self.vegaOffsetsAcrossExpiries, self.maintenanceFactor) =
            (deltaMove, gammaMove, volatilityShock, vegaOffsetsAcrossExpiries, maintenanceFactor)
    }

    /// `GreeksMargin.Parameters()`'s defaults (15 %, 15 %, 30 points, no vega offset), maintenance at 80 %.
    public static let standard = GreeksMarginRules(
        deltaMove: Rate("0.15")!, gammaMove: Rate("0.15")!, volatilityShock: Rate("0.3")!,
        vegaOffsetsAcrossExpiries: false, maintenanceFactor: Rate("0.8")!)

    func validate() -> (field: String, reason: String)? {
        for (name, value) in [("deltaMove", deltaMove), ("gammaMove", gammaMove), ("volatilityShock", volatilityShock)]
        where value.atoms < 0 || value.atoms > Rate.oneAtoms {
            return (name, "0 to 1")
        }
        if maintenanceFactor.atoms <= 0 || maintenanceFactor.atoms > Rate.oneAtoms {
            return ("maintenanceFactor", "above 0 and at most 1")
        }
        return nil
    }
}

/// The correlation offset between underlyings for the models that margin each underlying on its
/// own (portfolio, SPAN-style, Greeks-based): SPAN's inter-commodity spread
/// credits (`InterCommoditySpread`), in priority order. A spread pairs two underlyings (perpetuals
/// or futures; their options join them) whose net deltas in the pool are of opposite sign; a
/// delta is the value change (settlement atoms) of the underlying's group per relative move of
/// its mark, so ratios 1 : 1 pair equal values (a dollar-neutral BTC–ETH pair) and 1 : 2 pairs
/// one unit of value with two. Each leg is credited `creditRate` × its requirement per unit of
/// delta × the delta used, rounded down (the credit favours the venue). None: the requirements
/// add up.
public struct SpreadCreditRules: Hashable, Sendable, Codable {
    public struct Spread: Hashable, Sendable, Codable {
        public var first: MarketID
        public var second: MarketID
        public var firstRatio: Rate
        public var secondRatio: Rate
        public var creditRate: Rate
        public init(
            first: MarketID, second: MarketID, firstRatio: Rate = .one, secondRatio: Rate = .one, creditRate: Rate
        ) {
            (self.first, self.second, self.firstRatio, self.secondRatio, self.creditRate) = (
                first, second, firstRatio, secondRatio, creditRate
            )
        }
    }

    public var spreads: [Spread]
    public init(spreads: [Spread]) { self.spreads = spreads }

    public static let none = SpreadCreditRules(spreads: [])

    func validate() -> (field: String, reason: String)? {
        if spreads.count > Limits.spreadCredits { return ("spreads", "at most \(Limits.spreadCredits) spreads") }
        for (index, spread) in spreads.enumerated() {
            if spread.first == spread.second {
                return ("spreads[\(index)].second", "a spread needs two different underlyings")
            }
            if spread.firstRatio.atoms <= 0 { return ("spreads[\(index)].firstRatio", "a positive ratio") }
            if spread.secondRatio.atoms <= 0 { return ("spreads[\(index)].secondRatio", "a positive ratio") }
            if spread.creditRate.atoms < 0 || spread.creditRate.atoms > Rate.oneAtoms {
                return ("spreads[\(index)].creditRate", "0 to 1")
            }
        }
        return nil
    }
}
