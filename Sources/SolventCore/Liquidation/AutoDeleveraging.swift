/// Auto-deleveraging: which opposite positions absorb a loss the insurance fund cannot, in a
/// published deterministic order (exchanges.md §1.7, §2.4, §5.4; DESIGN.md invariant 7).
public enum AutoDeleveraging {
    /// A position that could be deleveraged, with what its ranking needs.
    public struct Candidate: Hashable, Sendable, Codable {
        public var account: AccountID
        /// Absolute size available to reduce (contracts atoms).
        public var size: Int64
        /// Position values at mark, entry and bankruptcy, and the account's figures, as doubles
        /// (ranking only; no booked amount comes from them).
        public var markValue: Double
        public var entryValue: Double
        public var bankruptcyValue: Double
        public var unrealizedPnl: Double
        public var walletBalance: Double
        public var marginRatio: Double
        public var accountValue: Double
        public var markPrice: Double
        public var entryPrice: Double
        public var notional: Double

        public init(
            account: AccountID, size: Int64, markValue: Double = 0, entryValue: Double = 0, bankruptcyValue: Double = 0,
            unrealizedPnl: Double = 0, walletBalance: Double = 0, marginRatio: Double = 0, accountValue: Double = 0,
            markPrice: Double = 0, entryPrice: Double = 0, notional: Double = 0
        ) {
            self.account = account
            self.size = size
            self.markValue = markValue
            self.entryValue = entryValue
            self.bankruptcyValue = bankruptcyValue
            self.unrealizedPnl = unrealizedPnl
            self.walletBalance = walletBalance
            self.marginRatio = marginRatio
            self.accountValue = accountValue
            self.markPrice = markPrice
            self.entryPrice = entryPrice
            self.notional = notional
        }
    }

    /// The venues' ranking scores (higher is deleveraged first).
    public enum Ranking: String, Hashable, Sendable, Codable {
        /// BitMEX/Bybit: PnL% × effective leverage (PnL% / leverage when PnL% < 0), with
        /// effective leverage = |mark value| / (mark value − bankruptcy value) on signed values.
        case profitTimesLeverage
        /// Binance: max(0, UPnL) / max(1, wallet balance) × margin ratio.
        case binanceLeveragePnl
        /// Hyperliquid: (mark / entry) × (notional / account value).
        case markOverEntryTimesNotional

        public func score(_ c: Candidate) -> Double {
            switch self {
            case .profitTimesLeverage:
                let pnl = (c.markValue - c.entryValue) / abs(c.entryValue)
                let leverage = abs(c.markValue) / abs(c.markValue - c.bankruptcyValue)
                return pnl >= 0 ? pnl * leverage : pnl / leverage
            case .binanceLeveragePnl:
                return max(0, c.unrealizedPnl) / max(1, c.walletBalance) * c.marginRatio
            case .markOverEntryTimesNotional:
                return c.markPrice / c.entryPrice * (c.notional / c.accountValue)
            }
        }
    }

    /// The candidates in deleveraging order: highest score first, ties by account id.
    public static func ranked(_ candidates: [Candidate], by ranking: Ranking) -> [Candidate] {
        let scored = candidates.map { (ranking.score($0), $0) }
        return scored.sorted { a, b in a.0 != b.0 ? a.0 > b.0 : a.1.account < b.1.account }.map(\.1)
    }

    /// Allocates `quantity` contracts to close across ranked candidates, in order, each reduced
    /// by no more than its size, visiting at most `limit` candidates. Returns the allocation and
    /// what could not be placed.
    public static func allocate(
        quantity: Int64, ranked: [Candidate], limit: Int
    ) -> (fills: [(AccountID, Int64)], unplaced: Int64) {
        var remaining = quantity
        var fills: [(AccountID, Int64)] = []
        for candidate in ranked.prefix(limit) where remaining > 0 && candidate.size > 0 {
            let take = min(remaining, candidate.size)
            fills.append((candidate.account, take))
            remaining -= take
        }
        return (fills, remaining)
    }
}

/// Socialized loss: a loss shared pro rata (by weight, e.g. positive equity or open profit)
/// exactly to the atom. Shares are rounded down, and the atoms left over go one each to the
/// largest remainders (ties by account id), so the shares always sum to the loss.
public enum SocializedLoss {
    public static func distribute(
        _ loss: Int64, among holders: [(account: AccountID, weight: Int64)]
    ) -> [(AccountID, Int64)] {
        precondition(loss >= 0, "a loss is non-negative")
        let eligible = holders.filter { $0.weight > 0 }.sorted { $0.account < $1.account }
        let total = eligible.reduce(Int128(0)) { $0 + Int128($1.weight) }
        guard total > 0 else { return [] }
        var shares = eligible.map { holder -> (AccountID, Int64, Int128) in
            let exact = Int128(loss) * Int128(holder.weight)
            return (holder.account, Int64(exact / total), exact % total)
        }
        var leftover = loss - shares.reduce(Int64(0)) { $0 + $1.1 }
        let order = shares.indices.sorted {
            shares[$0].2 != shares[$1].2 ? shares[$0].2 > shares[$1].2 : shares[$0].0 < shares[$1].0
        }
        for index in order where leftover > 0 {
            shares[index].1 += 1
            leftover -= 1
        }
        return shares.map { ($0.0, $0.1) }
    }
}
