import SolventCore

/// Everything a cascade run can vary. Nothing here re-implements the engine: each
/// setting becomes the engine's own market, oracle or liquidation parameter, or shapes the
/// simulated market around it (impact, bidders, backstop capital).
public struct SimulationConfig: Hashable, Sendable {
    public enum Mechanism: String, Hashable, Sendable, CaseIterable {
        case orderBook = "orderbook"
        case auction
        case backstop
    }

    public enum LossAllocation: String, Hashable, Sendable, CaseIterable {
        case adl
        case socialized
        /// The venue's book bears it (recorded as a deficit when no fund is left).
        case venue
    }

    public enum AuditLevel: String, Hashable, Sendable, CaseIterable {
        /// The auditor after every applied event (O(state) each: small populations only).
        case everyEvent = "every-event"
        /// After every price point.
        case everyPoint = "every-point"
        /// Once, at the end.
        case end
    }

    /// The simulated market's contract.
    public enum Contract: String, Hashable, Sendable, CaseIterable {
        /// BTCUSDT: contracts of 1 BTC, margined and settled in USDT (the coin as optional
        /// collateral at a haircut).
        case linear
        /// BTCUSD: contracts of 100 USD, margined and settled in the coin (COIN-M style): a
        /// short's losses grow in coin as the price rises, a long's collateral falls with it.
        case inverse
    }

    /// A name for the run in reports ("base", or the comparison's overrides).
    public var label = "base"
    public var contract: Contract = .linear
    public var margin: MarginSchedule
    public var mechanism: Mechanism = .orderBook
    public var lossAllocation: LossAllocation = .adl
    /// The insurance fund at the start, as a fraction of the open interest's notional (long side).
    public var insuranceFundFraction = 0.01
    /// The price-move circuit breaker: a move above this fraction within `breakerWindowSeconds`
    /// pauses liquidations for `breakerCoolDownSeconds`. nil: off. The window spans an hour so
    /// that it sees more than one point of an hourly path.
    public var breakerThreshold: Double? = nil
    public var breakerWindowSeconds: Int64 = 3_600
    public var breakerCoolDownSeconds: Int64 = 600
    public var impact: MarketImpact
    /// Slippage of the engine's own liquidation fills: c · √(step notional / depth notional),
    /// with the depth notional = impact depth × start price (the engine's `DepthModel`).
    public var executionCoefficient = 0.05
    public var penaltyRate = 0.005
    public var clearanceFeeRate = 0.001
    /// Largest share of a position one step closes, and the target after it (maintenance × (1 + buffer)).
    public var stepFraction = 0.5
    public var targetBuffer = 0.1
    /// A position whose remaining notional would fall below this (USDT) is closed in full.
    public var dustNotional = 10.0
    /// Simulated seconds per cascade round: the price reacts to a round's flow in the next round.
    public var roundSeconds: Int64 = 10
    /// Auction mechanism: the curve (linear from mark × buffer to 0 over `auctionDurationSeconds`),
    /// reset after `auctionTailSeconds` or below `auctionCusp`; keepers earn `auctionChip` of
    /// the lot's notional. Bidders take a lot once it is `bidderDiscount` through the market,
    /// and hedge `bidderHedge` of what they take in the market.
    public var auctionBuffer = 1.05
    public var auctionDurationSeconds: Int64 = 600
    public var auctionTailSeconds: Int64 = 900
    public var auctionCusp = 0.6
    public var auctionChip = 0.001
    public var bidderDiscount = 0.01
    public var bidderHedge = 1.0
    /// Backstop mechanism: the providers' capacity as a fraction of open interest notional, the
    /// price they take at (share of the way from bankruptcy to liquidation price), and how much
    /// of what they take they hedge in the market.
    public var backstopCapacityFraction = 0.25
    public var backstopPriceShare = 0.5
    public var backstopHedge = 0.0
    public var audit: AuditLevel = .everyPoint

    public init(margin: MarginSchedule, impact: MarketImpact) {
        self.margin = margin
        self.impact = impact
    }

    /// The first invalid setting and what it expects.
    public func validate() -> (field: String, reason: String)? {
        if let problem = impact.validate() { return problem }
        if !(insuranceFundFraction >= 0 && insuranceFundFraction <= 10) {
            return ("insurance fund", "0 to 10 times open interest")
        }
        if let threshold = breakerThreshold, !(threshold > 0 && threshold < 1) {
            return ("breaker", "a move between 0 and 1, or off")
        }
        if breakerWindowSeconds <= 0 || breakerCoolDownSeconds < 0 { return ("breaker window", "positive seconds") }
        if !(executionCoefficient >= 0 && executionCoefficient <= 1) { return ("execution coefficient", "0 to 1") }
        if !(penaltyRate >= 0 && penaltyRate <= 0.1) { return ("penalty", "0 to 0.1") }
        if !(clearanceFeeRate >= 0 && clearanceFeeRate <= 0.1) { return ("clearance fee", "0 to 0.1") }
        if !(stepFraction > 0 && stepFraction <= 1) { return ("step fraction", "above 0, at most 1") }
        if !(targetBuffer >= 0 && targetBuffer <= 1) { return ("target buffer", "0 to 1") }
        if !(dustNotional >= 0 && dustNotional <= 1e12) { return ("dust notional", "0 to 1e12 USDT") }
        if roundSeconds <= 0 || roundSeconds > 3_600 { return ("round seconds", "1 to 3,600") }
        if !(auctionBuffer >= 1 && auctionBuffer < 2) { return ("auction buffer", "1 to below 2") }
        if auctionDurationSeconds <= 0 || auctionTailSeconds <= 0 { return ("auction duration", "positive seconds") }
        if !(auctionCusp > 0 && auctionCusp < 1) { return ("auction cusp", "between 0 and 1") }
        if !(auctionChip >= 0 && auctionChip <= 0.1) { return ("auction chip", "0 to 0.1") }
        if !(bidderDiscount >= 0 && bidderDiscount < 1) { return ("bidder discount", "0 to below 1") }
        for (name, value) in [
            ("bidder hedge", bidderHedge), ("backstop hedge", backstopHedge),
            ("backstop price share", backstopPriceShare),
        ]
        where !(value >= 0 && value <= 1) {
            return (name, "0 to 1")
        }
        if !(backstopCapacityFraction >= 0 && backstopCapacityFraction <= 100) {
            return ("backstop capacity", "0 to 100 times open interest")
        }
        return nil
    }

    /// The settings as (name, value) rows for reports, in a fixed order.
    public var summary: [(String, String)] {
        var rows: [(String, String)] = [
            ("mechanism", mechanism.rawValue), ("loss allocation", lossAllocation.rawValue),
            ("insurance fund (× open interest)", "\(insuranceFundFraction)"),
            (
                "breaker",
                breakerThreshold.map { "\($0 * 100) % in \(breakerWindowSeconds) s, pause \(breakerCoolDownSeconds) s" }
                    ?? "off"
            ),
            (
                "impact",
                impact.shape == .none
                    ? "none"
                    : "\(impact.shape.rawValue), coefficient \(impact.coefficient), depth \(impact.depth) contracts, thinning \(impact.thinning), floor \(impact.floor), half-life \(impact.halfLifeSeconds.map { "\($0) s" } ?? "permanent")"
            ),
            ("penalty / clearance fee", "\(penaltyRate) / \(clearanceFeeRate)"),
            ("step fraction / target buffer", "\(stepFraction) / \(targetBuffer)"),
            ("round", "\(roundSeconds) s"),
        ]
        if contract == .inverse {
            rows.insert(("contract", "inverse (BTCUSD, 100-USD contracts, margined in BTC)"), at: 0)
        }
        switch mechanism {
        case .auction:
            rows.append(
                (
                    "auction",
                    "buffer \(auctionBuffer), linear \(auctionDurationSeconds) s, tail \(auctionTailSeconds) s, cusp \(auctionCusp), chip \(auctionChip); bidders at \(bidderDiscount) through the market, hedging \(bidderHedge)"
                ))
        case .backstop:
            rows.append(
                (
                    "backstop",
                    "capacity \(backstopCapacityFraction) × open interest, price share \(backstopPriceShare), hedging \(backstopHedge)"
                ))
        case .orderBook:
            break
        }
        return rows
    }
}
