/// A market as the engine holds it: declaration, parameters and prices. (Its scan table lives in
/// `Engine.scanTables`, so reading a market never copies the table's arrays.)
public struct MarketState: Sendable, Codable {
    public var spec: MarketSpec
    public var parameters: RiskParameters
    public let valuation: ContractValuation
    public let settleAssetIndex: Int32
    /// Mark price (0 = none yet) and when it was set.
    public var mark: Int64
    public var markTime: Timestamp
    /// Index price of the underlying (0 = none yet).
    public var index: Int64
    /// A dated future that reached expiry and settled: no more fills.
    public var settled: Bool
    /// Index, mark and circuit breakers from price sources (nil: marks are set directly).
    public var oracle: OracleState?
    /// How the market liquidates (nil: it does not).
    public var liquidation: LiquidationParameters?
    /// Backstop liquidity providers in registration order (bounded by `Limits.backstopsPerMarket`).
    public var backstops: [Backstop] = []
    /// The market's draws on the insurance fund, against `LiquidationParameters.fundDrawCap`:
    /// in the current window (opened at `fundDrawWindowStart`) and over its life.
    public var fundDrawWindowStart = Timestamp(nanoseconds: 0)
    public var fundDrawnInWindow: Int64 = 0
    public var fundDrawnTotal: Int64 = 0
    /// An option market: its underlying market's index (−1: not an option) and the
    /// volatility the underlying's smile for its expiry gives its strike (Rate atoms; 0: none
    /// published yet, so the option has no mark).
    public var underlyingIndex: Int32 = -1
    public var optionVolatility: Int64 = 0
    /// An underlying: the option markets on it (in creation order) and its smiles (by expiry).
    public var optionIndices: [Int32] = []
    public var smiles: [VolatilitySmile] = []
    /// A dated future's running time-weighted price toward its settlement (nil until its first
    /// price with a settlement window).
    public var settlementAverage: SettlementAverage? = nil

    public init(spec: MarketSpec, parameters: RiskParameters, settleAssetIndex: Int32, settleScale: Int) {
        self.spec = spec
        self.parameters = parameters
        self.valuation = ContractValuation(kind: spec.kind, contractSize: spec.contractSize, settleScale: settleScale)
        self.settleAssetIndex = settleAssetIndex
        self.mark = 0
        self.markTime = Timestamp(nanoseconds: 0)
        self.index = 0
        self.settled = false
        self.oracle = nil
        self.liquidation = nil
    }

    /// Margin is frozen at the last good mark: the oracle breaker is tripped.
    public var isOracleFrozen: Bool { oracle?.frozen ?? false }

    public var isPerpetual: Bool { spec.expiry == nil }

    public var isOption: Bool { underlyingIndex >= 0 }

    /// The mark if it exists and is no older than the market's limit at `now`.
    public func freshMark(at now: Timestamp) -> Int64? {
        guard mark > 0, now.nanoseconds - markTime.nanoseconds <= parameters.priceMaxAge else { return nil }
        return mark
    }
}

/// The time-weighted average of a dated future's price over the window before its expiry,
/// accumulated exactly: each price holds from the time it was set until the next, and only the
/// part of that span inside [expiry − window, expiry] counts.
public struct SettlementAverage: Hashable, Sendable, Codable {
    /// Σ price atoms × nanoseconds inside the window, and the nanoseconds covered.
    public var weighted: Int128
    public var covered: Int64
    /// The price in force and since when.
    public var price: Int64
    public var since: Timestamp

    /// Adds the span [since, until] of the price in force, clipped to the window and to
    /// `maximumAge` after it was set (a price no longer refreshed stops counting, as a stale
    /// mark would).
    public func closing(at until: Timestamp, windowStart: Int64, expiry: Int64, maximumAge: Int64) -> SettlementAverage
    {
        var next = self
        let from = max(since.nanoseconds, windowStart)
        let to = min(until.nanoseconds, expiry, since.nanoseconds &+ maximumAge)
        if to > from, price > 0 {
            next.weighted += Int128(price) * Int128(to - from)
            next.covered += to - from
        }
        next.since = until
        return next
    }

    /// The average, rounded to the nearest atom (halves down); nil when nothing was covered.
    public var value: Int64? {
        guard covered > 0 else { return nil }
        let (quotient, remainder) = weighted.quotientAndRemainder(dividingBy: Int128(covered))
        return Int64(quotient) + (remainder * 2 > Int128(covered) ? 1 : 0)
    }
}
