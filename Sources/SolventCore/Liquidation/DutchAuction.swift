/// The rules of a market's Dutch auctions (Maker's Clipper, engines.md §3.1): start `buffer`
/// above the mark, decay along `curve`, restart when older than `tail` or when the price has
/// fallen below `cusp` × top; a keeper who starts or restarts an auction earns `tipFlat` +
/// `chip` × debt, and a partial take must leave at least `dust` of debt or take everything.
public struct DutchAuctionRules: Hashable, Sendable, Codable {
    public var buffer: Rate
    public var curve: AuctionCurve
    public var tail: Int64
    public var cusp: Rate
    public var tipFlat: Int64
    public var chip: Rate
    public var dust: Int64

    public init(
        buffer: Rate, curve: AuctionCurve, tailSeconds: Int64, cusp: Rate, tipFlat: Int64, chip: Rate, dust: Int64
    ) {
        self.buffer = buffer
        self.curve = curve
        self.tail = tailSeconds * 1_000_000_000
        self.cusp = cusp
        self.tipFlat = tipFlat
        self.chip = chip
        self.dust = dust
    }

    /// The keeper's incentive for starting (or restarting) an auction of `debt`: flat plus a
    /// share, rounded down (a payout).
    public func keeperIncentive(debt: Int64) -> Int64 {
        tipFlat &+ (FixedPoint.multiplyDivide(debt, chip.atoms, Rate.oneAtoms, .down) ?? 0)
    }
}

/// One auction: `lot` contracts to sell to cover `debt` (settlement atoms), started at `top`.
public struct DutchAuction: Hashable, Sendable, Codable {
    public var top: Int64
    public var start: Timestamp
    public var lot: Int64
    public var debt: Int64

    /// Starts an auction at mark × buffer (rounded up).
    public init(mark: Int64, rules: DutchAuctionRules, now: Timestamp, lot: Int64, debt: Int64) {
        top = FixedPoint.multiplyDivide(mark, rules.buffer.atoms, Rate.oneAtoms, .up) ?? Int64.max
        start = now
        self.lot = lot
        self.debt = debt
    }

    /// The current price and whether the auction must restart before anyone can take.
    public func status(rules: DutchAuctionRules, now: Timestamp) -> (price: Int64, needsReset: Bool) {
        let elapsed = max(0, now.nanoseconds - start.nanoseconds)
        let price = rules.curve.price(top: top, elapsed: elapsed)
        let tooOld = elapsed > rules.tail
        let tooLow = Int128(price) * Int128(Rate.oneAtoms) < Int128(rules.cusp.atoms) * Int128(top)
        return (price, tooOld || tooLow)
    }

    /// What a bidder offering to take `amount` contracts at no more than `maxPrice` gets:
    /// `slice` contracts for `owe` settlement atoms (`value` converts a size at a price). nil:
    /// the auction must restart, or the price is above the bid.
    public func take(
        amount: Int64, maxPrice: Int64, rules: DutchAuctionRules, now: Timestamp,
        value: (Int64, Int64) -> Int64
    ) -> (slice: Int64, owe: Int64, price: Int64)? {
        let (price, needsReset) = status(rules: rules, now: now)
        guard !needsReset, price > 0, maxPrice >= price, amount > 0 else { return nil }
        var slice = min(lot, amount)
        var owe = value(slice, price)
        if owe > debt {
            // Never raise more than the debt: sell only what covers it.
            owe = debt
            slice = min(lot, FixedPoint.multiplyDivide(slice, debt, 1, Int128(max(1, value(slice, price))), .up) ?? lot)
        } else if debt - owe < rules.dust && slice < lot {
            // A partial take must leave at least the dust; when the debt is already at or below
            // the dust, only a take of the whole lot is accepted (Maker's `chost`).
            guard debt > rules.dust else { return nil }
            owe = debt - rules.dust
            slice = min(lot, FixedPoint.multiplyDivide(slice, owe, 1, Int128(max(1, value(slice, price))), .up) ?? lot)
        }
        return (slice, owe, price)
    }
}
