/// Where a margin pool (the cross part of an account, or one isolated position) stands.
/// Ordered from best to worst.
public enum MarginStatus: String, Comparable, Sendable, CaseIterable, Codable {
    /// Equity above the margin-call level.
    case healthy
    /// Maintenance / equity at or above the market's margin-call ratio, equity still above maintenance.
    case marginCall
    /// Equity at or below maintenance (margin ratio ≥ 100 %, the venues' trigger): liquidation starts.
    case liquidatable
    /// Negative equity: the pool owes more than it holds.
    case bankrupt

    private var rank: Int {
        switch self {
        case .healthy: 0
        case .marginCall: 1
        case .liquidatable: 2
        case .bankrupt: 3
        }
    }

    public static func < (lhs: MarginStatus, rhs: MarginStatus) -> Bool { lhs.rank < rhs.rank }

    /// The status of a pool with `equity` and `maintenance` in one unit, exactly (no rounding:
    /// the ratio test is a cross-multiplication). A pool without requirement is healthy unless
    /// its equity is negative.
    @inlinable
    public static func of(equity: Int64, maintenance: Int64, callRatio: Rate) -> MarginStatus {
        if equity < 0 { return .bankrupt }
        if maintenance <= 0 { return .healthy }
        if equity <= maintenance { return .liquidatable }
        if Int128(maintenance) * Int128(Rate.oneAtoms) >= Int128(equity) * Int128(callRatio.atoms) {
            return .marginCall
        }
        return .healthy
    }
}

/// The figures of one margin pool. Cross pools are in USD `Value` atoms; isolated pools are in
/// atoms of the position's settlement asset.
public struct PoolRisk: Hashable, Sendable, Codable {
    /// Collateral after haircuts plus unrealized PnL, rounded down.
    public var equity: Int64
    /// Initial requirement, rounded up.
    public var initial: Int64
    /// Maintenance requirement, rounded up.
    public var maintenance: Int64
    /// The smallest margin-call ratio of the markets in the pool.
    public var callRatio: Rate

    public init(equity: Int64, initial: Int64, maintenance: Int64, callRatio: Rate) {
        self.equity = equity
        self.initial = initial
        self.maintenance = maintenance
        self.callRatio = callRatio
    }

    public var status: MarginStatus { MarginStatus.of(equity: equity, maintenance: maintenance, callRatio: callRatio) }
    /// Equity left above the initial requirement (never negative).
    public var available: Int64 { max(0, equity - initial) }
    public var meetsInitial: Bool { equity >= initial }
}

/// Why a margin figure could not be computed.
public enum RiskError: Error, Hashable, Sendable, Codable {
    case markMissing(MarketID)
    case markStale(MarketID)
    case indexMissing(AssetID)
    case indexStale(AssetID)
    case overflow
    /// A VaR-margined position whose underlying has no series in the scenario set.
    case scenariosMissing(MarketID)
}

/// One position's figures, in settlement-asset atoms.
public struct PositionRisk: Hashable, Sendable, Codable {
    public var market: MarketID
    public var size: Int64
    public var cost: Int64
    public var mark: Int64
    /// `value(size, mark)` rounded down.
    public var value: Int64
    public var unrealizedPnl: Int64
    public var notional: Int64
    public var initial: Int64
    public var maintenance: Int64
    public var isolated: Bool
    /// For an isolated position, its own pool (settlement atoms); nil for cross.
    public var isolatedPool: PoolRisk?
}
