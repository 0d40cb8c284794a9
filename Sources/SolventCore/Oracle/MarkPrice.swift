/// The mark price: the median of three inputs — index + basis EMA, the venue's last trade and
/// its mid — clamped to index × (1 ± band) (exchanges.md §1.5 and §5.2). A missing input counts
/// as index + basis, so one venue print alone never moves the mark beyond the smoothed basis.
public enum MarkPrice {
    public static func compute(index: Int64, basis: Double?, last: Int64?, mid: Int64?, band: Rate) -> Int64 {
        let smoothed = max(1, index &+ Int64((basis ?? 0).rounded()))
        let (a, b, c) = (smoothed, last ?? smoothed, mid ?? smoothed)
        let median = max(min(a, b), min(max(a, b), c))
        let width = Int64(FixedPoint.divide(Int128(index) * Int128(band.atoms), by: Int128(Rate.oneAtoms), .down))
        return min(max(median, max(1, index - width)), index &+ width)
    }
}

/// A mark remembered for the price-move breaker's window.
public struct MarkPoint: Hashable, Sendable, Codable {
    public var time: Timestamp
    public var mark: Int64
}

/// A market's oracle state: its configuration, the basis EMA, the circuit breakers and the funding
/// premium accumulated since the last settlement. Events carry it whole, so applying is an
/// assignment.
public struct OracleState: Hashable, Sendable, Codable {
    public var config: OracleConfig
    public var basis = BasisEMA()
    public var basisTime: Timestamp?
    /// The oracle breaker: no fresh, agreeing index; margin is frozen at the last good mark.
    public var frozen = false
    public var goodUpdatesSinceFreeze = 0
    /// The price-move breaker: tripped until this time.
    public var priceMoveUntil: Timestamp?
    /// The price-move window as two monotonic queues, oldest first: `windowHighs` holds marks
    /// that are higher than every later one (its first is the window's maximum), `windowLows`
    /// marks lower than every later one (its first is the minimum). Exact sliding min and max
    /// in amortized O(1), each bounded by `Limits.markHistory`.
    public var windowHighs: [MarkPoint] = []
    public var windowLows: [MarkPoint] = []
    /// Premium samples ((venue price − index) / index, rate atoms) since the last funding.
    public var premiumSum: Int64 = 0
    public var premiumCount: Int64 = 0
    public var lastFundingTime: Timestamp
    public var limiter = LiquidationRateLimiter()

    public init(config: OracleConfig, now: Timestamp) {
        self.config = config
        self.lastFundingTime = now
        // A prior of zero basis worth one time constant: the first venue prints move the basis
        // by their share of time, not all the way (a single print cannot set it).
        self.basis.denominator = Double(config.basisTimeConstant) / 1e9
        self.basisTime = now
    }
}

/// The circuit breakers that can stop or slow liquidation in a market.
public enum BreakerRule: String, Hashable, Sendable, Codable {
    case oracle
    case priceMove
    case liquidationRate
}

/// What a breaker did and the numbers that made it.
public struct BreakerTrip: Hashable, Sendable, Codable {
    public var market: MarketID
    public var rule: BreakerRule
    public var detail: String
    /// When it resumes by itself (nil: when the condition clears).
    public var until: Timestamp?
}

/// Whether a market's liquidations may proceed now.
public enum LiquidationPermission: Hashable, Sendable, Codable {
    case allowed
    /// Proceed in partial steps of at most this fraction of a position.
    case slow(stepFraction: Rate)
    case paused(BreakerRule)
}

/// Caps the notional liquidated per window relative to the market's depth (as Synthetix and
/// dYdX cap liquidations): the liquidation engine asks for the allowance before each step and
/// records what it liquidated.
public struct LiquidationRateLimiter: Hashable, Sendable, Codable {
    public var windowStart = Timestamp(nanoseconds: 0)
    public var liquidatedInWindow: Int64 = 0

    public init() {}

    /// Notional (settlement atoms) still allowed in the window containing `now`; nil: unlimited.
    public func allowance(config: OracleConfig, now: Timestamp) -> Int64? {
        guard config.liquidationDepth > 0 else { return nil }
        let cap =
            FixedPoint.multiplyDivide(
                config.liquidationDepth, config.liquidationDepthFraction.atoms, Rate.oneAtoms, .down) ?? Int64.max
        let used = now.nanoseconds - windowStart.nanoseconds >= config.liquidationWindow ? 0 : liquidatedInWindow
        return max(0, cap - used)
    }

    /// The limiter after liquidating `notional` at `now` (a new window starts when the old one ended).
    public func recording(_ notional: Int64, config: OracleConfig, now: Timestamp) -> LiquidationRateLimiter {
        var next = self
        if now.nanoseconds - windowStart.nanoseconds >= config.liquidationWindow {
            next.windowStart = now
            next.liquidatedInWindow = 0
        }
        next.liquidatedInWindow = FixedPoint.add(next.liquidatedInWindow, notional) ?? Int64.max
        return next
    }
}
