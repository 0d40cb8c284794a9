/// How a market liquidates (set with `configureLiquidation`; a market without it does not
/// liquidate). One step closes what `PartialLiquidation` sizes, through the order book's depth
/// model, against the venue's book.
public struct LiquidationParameters: Hashable, Sendable, Codable {
    /// Who bears a loss the insurance fund cannot cover.
    public enum LossAllocation: Hashable, Sendable, Codable {
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
    public enum Mechanism: Hashable, Sendable, Codable {
        /// Through the book's depth model, against the venue's book.
        case orderBook
        /// Directly to registered backstop liquidity providers (in registration order, within their
        /// capacity) at bankruptcy + `priceShare` × (liquidation − bankruptcy); the order book
        /// takes the step when they cannot absorb all of it.
        case backstop(priceShare: Rate)
        /// A Dutch auction per step (Maker's Clipper): `liquidate` starts it, bidders take lots
        /// at the falling price (`bidAuction`), a keeper restarts it when it is too old or too
        /// low (`resetAuction`). The keeper who starts or restarts it is paid tip + chip × the
        /// lot's notional from the insurance fund.
        case auction(DutchAuctionRules)
    }

    /// What the keeper who submits a step earns (order book and backstop steps): `flat`
    /// settlement atoms plus `rate` × the closed notional, out of what the account still holds
    /// after the penalty (never a debt).
    public struct KeeperReward: Hashable, Sendable, Codable {
        public var flat: Int64
        public var rate: Rate
        public init(flat: Int64, rate: Rate) {
            self.flat = flat
            self.rate = rate
        }
        public static let none = KeeperReward(flat: 0, rate: .zero)
    }

    /// How much of the shared insurance fund this market may use: at most `perInterval`
    /// settlement atoms in any `intervalSeconds` window (the window opens at the first draw
    /// after the previous one closed), and at most `total` over the market's life (nil: no
    /// lifetime cap). What the caps hold back goes down the waterfall (ADL, socialized, deficit).
    public struct FundDrawCap: Hashable, Sendable, Codable {
        public var perInterval: Int64
        public var intervalSeconds: Int64
        public var total: Int64?
        public init(perInterval: Int64, intervalSeconds: Int64, total: Int64? = nil) {
            self.perInterval = perInterval
            self.intervalSeconds = intervalSeconds
            self.total = total
        }
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
    /// At most this notional (settlement atoms, at mark) closed for one account per step, on top
    /// of `stepFraction`'s share of the position; nil: no cap. A step never closes less than one lot.
    public var maximumStepNotional: Int64? = nil
    public var keeperReward: KeeperReward = .none
    /// nil: the market may draw on the whole fund.
    public var fundDrawCap: FundDrawCap? = nil

    public init(
        depth: DepthModel, penaltyRate: Rate, clearanceFeeRate: Rate, target: PartialLiquidation.Target,
        stepFraction: Rate, dustNotional: Int64, lossAllocation: LossAllocation = .venue,
        mechanism: Mechanism = .orderBook, keeperReward: KeeperReward = .none, fundDrawCap: FundDrawCap? = nil
    ) {
        self.keeperReward = keeperReward
        self.fundDrawCap = fundDrawCap
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
        if penaltyRate.atoms < 0 || penaltyRate.atoms > Rate.oneAtoms / 10 {
            return .init(field: "penaltyRate", reason: "0 to 0.1")
        }
        if clearanceFeeRate.atoms < 0 || clearanceFeeRate.atoms > Rate.oneAtoms / 10 {
            return .init(field: "clearanceFeeRate", reason: "0 to 0.1")
        }
        if stepFraction.atoms <= 0 || stepFraction.atoms > Rate.oneAtoms {
            return .init(field: "stepFraction", reason: "between 0 (exclusive) and 1")
        }
        if dustNotional < 0 { return .init(field: "dustNotional", reason: "zero or positive") }
        switch depth {
        case .squareRoot(let depth, let coefficient):
            if depth <= 0 || coefficient.atoms < 0 || coefficient.atoms > Rate.oneAtoms {
                return .init(field: "depth", reason: "a positive depth and a coefficient from 0 to 1")
            }
        case .levels(let levels):
            if levels.isEmpty || levels.count > 256
                || levels.contains(where: {
                    $0.notional <= 0 || $0.distance.atoms < 0 || $0.distance.atoms >= Rate.oneAtoms
                })
            {
                return .init(field: "depth", reason: "1 to 256 levels with positive notional and a distance below 1")
            }
        }
        if case .backstop(let share) = mechanism, share.atoms < 0 || share.atoms > Rate.oneAtoms {
            return .init(
                field: "mechanism.priceShare", reason: "between 0 (bankruptcy price) and 1 (liquidation price)")
        }
        if case .auction(let rules) = mechanism {
            if let reason = rules.curve.validate() { return .init(field: "mechanism.curve", reason: reason) }
            if rules.buffer.atoms < Rate.oneAtoms || rules.buffer.atoms >= 2 * Rate.oneAtoms {
                return .init(field: "mechanism.buffer", reason: "from 1 (start at the mark) to below 2")
            }
            if rules.cusp.atoms <= 0 || rules.cusp.atoms >= Rate.oneAtoms {
                return .init(field: "mechanism.cusp", reason: "between 0 and 1 (exclusive)")
            }
            if rules.tail <= 0 { return .init(field: "mechanism.tail", reason: "a positive number of seconds") }
            if rules.tipFlat < 0 || rules.chip.atoms < 0 || rules.chip.atoms > Rate.oneAtoms / 10 || rules.dust < 0 {
                return .init(
                    field: "mechanism.incentive",
                    reason: "a non-negative tip, a chip from 0 to 0.1 and a non-negative dust")
            }
        }
        if let cap = maximumStepNotional, cap <= 0 {
            return .init(field: "maximumStepNotional", reason: "a positive notional, or none")
        }
        if keeperReward.flat < 0 || keeperReward.rate.atoms < 0 || keeperReward.rate.atoms > Rate.oneAtoms / 10 {
            return .init(field: "keeperReward", reason: "a non-negative flat amount and a rate from 0 to 0.1")
        }
        if let cap = fundDrawCap, cap.perInterval < 0 || cap.intervalSeconds <= 0 || (cap.total ?? 0) < 0 {
            return .init(field: "fundDrawCap", reason: "non-negative caps and a positive interval")
        }
        if case .autoDeleveraging(let ranking, let maximum) = lossAllocation {
            let most = Limits.deleveragingCounterparties
            if maximum < 1 || maximum > most {
                return .init(field: "lossAllocation", reason: "1 to \(most) counterparties")
            }
            // The engine's candidates carry what this ranking needs (values at mark, entry and
            // bankruptcy); the others' inputs (wallet, margin ratio, account value) they do not.
            if ranking != .profitTimesLeverage {
                return .init(field: "lossAllocation", reason: "the profitTimesLeverage ranking")
            }
        }
        if case .maintenancePlusBuffer(let buffer) = target, buffer.atoms < 0 || buffer.atoms > Rate.oneAtoms {
            return .init(field: "target", reason: "a buffer from 0 to 1")
        }
        return nil
    }
}

/// A registered backstop liquidity provider of a market and the notional it will still take
/// (settlement atoms).
public struct Backstop: Hashable, Sendable, Codable {
    public var account: AccountID
    public var capacity: Int64
    public init(account: AccountID, capacity: Int64) {
        self.account = account
        self.capacity = capacity
    }
}

/// One liquidation step as applied: the account's and the venue's legs, the prices, and where
/// every atom went.
public struct LiquidationStep: Hashable, Sendable, Codable {
    public var market: MarketID
    public var account: LegApplied
    /// The side that took the closed quantity: the venue's book, or the auction's bidder.
    public var taker: LegApplied
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
    /// The keeper who submitted the step and its reward (paid by the account after the
    /// penalty); nil when none was named, or when its reward is folded into a leg above (the
    /// keeper is the venue, a counterparty or a backstop).
    public var keeper: LegApplied? = nil
    public var keeperReward: Int64 = 0
    /// The auction the step was taken from.
    public var auction: UInt64? = nil
    /// The liquidated position's side (true: a long, sold).
    public var long: Bool = true
    /// The account's loss beyond everything its pool held once the pool closed (settlement
    /// atoms), carried by the fund, socialization or the deficit like the taker's gap and
    /// credited to the account so it ends at zero; nil when there was none. Included in
    /// `fundDraw` + `uncovered` + what socialization collected.
    public var shortfall: Int64? = nil
    /// On a venue shard: the auto-deleveraging shares of accounts on other shards, which this
    /// shard's book took at the account price (their shards close them by `commitDeleveraging`).
    public var remoteShares: [DeleveragingShare]? = nil
}
