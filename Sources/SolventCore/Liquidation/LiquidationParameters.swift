/// How a market liquidates (set with `configureLiquidation`; a market without it does not
/// liquidate). One step closes what `PartialLiquidation` sizes, through the order book's depth
/// model, against the venue's book.
public struct LiquidationParameters: Hashable, Sendable {
    /// Who bears a loss the insurance fund cannot cover.
    public enum LossAllocation: Hashable, Sendable {
        /// The venue's book (it took the position at the bankruptcy price).
        case venue
        /// Opposite positions, ranked, closed at the bankruptcy price for what the fund cannot
        /// cover (no more than that), visiting at most `maximumCounterparties`.
        case autoDeleveraging(ranking: AutoDeleveraging.Ranking, maximumCounterparties: Int)
        /// Opposite positions in profit pay pro rata to their unrealized profit, out of what they
        /// hold (never into debt); any remainder stays with the venue's book.
        case socialized
    }

    /// How a step is executed.
    public enum Mechanism: Hashable, Sendable {
        /// Through the book's depth model, against the venue's book.
        case orderBook
        /// Directly to registered backstop liquidity providers (in registration order, within their
        /// capacity) at bankruptcy + `priceShare` × (liquidation − bankruptcy); the order book
        /// takes the step when they cannot absorb all of it.
        case backstop(priceShare: Rate)
    }

    public var depth: DepthModel
    public var mechanism: Mechanism = .orderBook
    public var lossAllocation: LossAllocation = .venue
    /// Penalty on the closed notional, paid to the insurance fund out of what the account still holds.
    public var penaltyRate: Rate
    /// Clearance fee on the closed notional, paid to the fee pool, after the penalty.
    public var clearanceFeeRate: Rate
    public var target: PartialLiquidation.Target
    /// At most this fraction of the position per step.
    public var stepFraction: Rate
    /// A remaining notional below this (settlement atoms) is closed in full.
    public var dustNotional: Int64

    public init(depth: DepthModel, penaltyRate: Rate, clearanceFeeRate: Rate, target: PartialLiquidation.Target,
                stepFraction: Rate, dustNotional: Int64, lossAllocation: LossAllocation = .venue,
                mechanism: Mechanism = .orderBook) {
        self.depth = depth
        self.mechanism = mechanism
        self.lossAllocation = lossAllocation
        self.penaltyRate = penaltyRate
        self.clearanceFeeRate = clearanceFeeRate
        self.target = target
        self.stepFraction = stepFraction
        self.dustNotional = dustNotional
    }

    public func validate() -> MarketSpecError? {
        if penaltyRate.atoms < 0 || penaltyRate.atoms > Rate.oneAtoms / 10 { return .init(field: "penaltyRate", reason: "0 to 0.1") }
        if clearanceFeeRate.atoms < 0 || clearanceFeeRate.atoms > Rate.oneAtoms / 10 { return .init(field: "clearanceFeeRate", reason: "0 to 0.1") }
        if stepFraction.atoms <= 0 || stepFraction.atoms > Rate.oneAtoms { return .init(field: "stepFraction", reason: "between 0 (exclusive) and 1") }
        if dustNotional < 0 { return .init(field: "dustNotional", reason: "zero or positive") }
        switch depth {
        case .squareRoot(let depth, let coefficient):
            if depth <= 0 || coefficient.atoms < 0 || coefficient.atoms > Rate.oneAtoms { return .init(field: "depth", reason: "a positive depth and a coefficient from 0 to 1") }
        case .levels(let levels):
            if levels.isEmpty || levels.count > 256 || levels.contains(where: { $0.notional <= 0 || $0.distance.atoms < 0 || $0.distance.atoms >= Rate.oneAtoms }) {
                return .init(field: "depth", reason: "1 to 256 levels with positive notional and a distance below 1")
            }
        }
        if case .backstop(let share) = mechanism, share.atoms < 0 || share.atoms > Rate.oneAtoms {
            return .init(field: "mechanism.priceShare", reason: "between 0 (bankruptcy price) and 1 (liquidation price)")
        }
        if case .autoDeleveraging(_, let maximum) = lossAllocation, maximum < 1 || maximum > Limits.deleveragingCounterparties {
            return .init(field: "lossAllocation", reason: "1 to \(Limits.deleveragingCounterparties) counterparties")
        }
        if case .maintenancePlusBuffer(let buffer) = target, buffer.atoms < 0 || buffer.atoms > Rate.oneAtoms {
            return .init(field: "target", reason: "a buffer from 0 to 1")
        }
        return nil
    }
}

/// A registered backstop liquidity provider of a market and the notional it will still take
/// (settlement atoms).
public struct Backstop: Hashable, Sendable {
    public var account: AccountID
    public var capacity: Int64
    public init(account: AccountID, capacity: Int64) {
        self.account = account
        self.capacity = capacity
    }
}

/// One liquidation step as applied: the account's and the venue's legs, the prices, and where
/// every atom went.
public struct LiquidationStep: Hashable, Sendable {
    public var market: MarketID
    public var account: LegApplied
    public var venue: LegApplied
    /// Absolute quantity closed (Quantity atoms) and whether it closed the position.
    public var quantity: Int64
    public var closesPosition: Bool
    /// The book's fill price, the price the account was closed at (never worse for the system
    /// than its bankruptcy price), and that bankruptcy price.
    public var marketPrice: Price
    public var accountPrice: Price
    public var bankruptcyPrice: Price?
    /// Settlement atoms: penalty to the insurance fund, clearance fee to the fee pool, the fund's
    /// draw to cover a fill worse than bankruptcy, and what it could not cover (borne by the
    /// venue's book).
    public var penalty: Int64
    public var clearanceFee: Int64
    public var fundDraw: Int64
    /// The loss no mechanism placed: recorded as the asset's deficit.
    public var uncovered: Int64
    public var dust: Int64
    /// Opposite positions deleveraged at the bankruptcy price, or debited a socialized share.
    public var counterparties: [LegApplied] = []
    /// Of `uncovered`, what deleveraging avoided or socialization collected (settlement atoms).
    public var reallocated: Int64 = 0
}
