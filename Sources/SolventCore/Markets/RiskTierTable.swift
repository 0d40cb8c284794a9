/// A tiered margin table with the maintenance amount ("cum" at Binance, "MM deduction" at Bybit,
/// "maintenance deduction" at Hyperliquid) derived so that maintenance is continuous in notional:
/// `MM = notional × mmr(tier) − cum(tier)`, `cum(0) = 0`,
/// `cum(k) = cum(k−1) + floor(k) × (mmr(k) − mmr(k−1))` (exchanges.md §0, §1.1).
///
/// `deductsMaintenanceAmount == false` gives BitMEX-style risk-limit steps, where the tier's rate
/// applies to the whole position (exchanges.md §2.2).
public struct RiskTierTable: Hashable, Sendable, Codable {
    /// One bracket in the hot-path layout (a single array, so copying a table is one retain).
    public struct Bracket: Hashable, Sendable, Codable {
        /// Upper bound (inclusive), settlement atoms; Int64.max for the last bracket.
        public var cap: Int64
        public var initialRate: Int64
        public var maintenanceRate: Int64
        /// Maintenance amount, settlement atoms, rounded down (a deduction from a requirement:
        /// toward the house).
        public var maintenanceAmount: Int64
    }

    public private(set) var brackets: [Bracket]
    public let deductsMaintenanceAmount: Bool

    /// The tiers as declared.
    public var tiers: [RiskTier] {
        brackets.map { bracket in
            RiskTier(
                notionalCap: bracket.cap == Int64.max ? nil : Amount(atoms: bracket.cap),
                initialRate: Rate(atoms: bracket.initialRate), maintenanceRate: Rate(atoms: bracket.maintenanceRate))
        }
    }

    /// Maintenance amount of each bracket, settlement atoms.
    public var maintenanceAmounts: [Int64] { brackets.map(\.maintenanceAmount) }

    /// Builds the table, or returns the first invalid field.
    public static func make(
        tiers: [RiskTier], deductsMaintenanceAmount: Bool = true
    )
        -> Result<RiskTierTable, MarketSpecError>
    {
        guard !tiers.isEmpty, tiers.count <= Limits.riskTiersPerMarket else {
            return .failure(.init(field: "tiers", reason: "1 to \(Limits.riskTiersPerMarket) tiers"))
        }
        var amounts: [Int64] = []
        var floor: Int64 = 0
        var amount: Int64 = 0
        var previousRate: Int64 = 0
        for (index, tier) in tiers.enumerated() {
            let mmr = tier.maintenanceRate.atoms
            let imr = tier.initialRate.atoms
            if mmr <= 0 || mmr >= Rate.oneAtoms {
                return .failure(.init(field: "tiers[\(index)].maintenanceRate", reason: "between 0 and 1, exclusive"))
            }
            if imr < mmr || imr > Rate.oneAtoms {
                return .failure(
                    .init(field: "tiers[\(index)].initialRate", reason: "at least the maintenance rate and at most 1"))
            }
            if mmr < previousRate {
                return .failure(.init(field: "tiers[\(index)].maintenanceRate", reason: "non-decreasing across tiers"))
            }
            if index > 0 {
                let step = FixedPoint.multiplyDivide(floor, mmr - previousRate, Rate.oneAtoms, .down)
                guard let step, let next = Optional(amount.addingReportingOverflow(step)), !next.overflow else {
                    return .failure(.init(field: "tiers[\(index)].notionalCap", reason: "too large"))
                }
                if deductsMaintenanceAmount { amount = next.partialValue }
            }
            amounts.append(amount)
            previousRate = mmr
            if let cap = tier.notionalCap {
                if cap.atoms <= floor {
                    return .failure(.init(field: "tiers[\(index)].notionalCap", reason: "increasing and positive"))
                }
                floor = cap.atoms
            } else if index != tiers.count - 1 {
                return .failure(
                    .init(field: "tiers[\(index)].notionalCap", reason: "only the last tier may be uncapped"))
            }
        }
        let brackets = tiers.indices.map { index in
            Bracket(
                cap: tiers[index].notionalCap?.atoms ?? Int64.max, initialRate: tiers[index].initialRate.atoms,
                maintenanceRate: tiers[index].maintenanceRate.atoms, maintenanceAmount: amounts[index])
        }
        return .success(RiskTierTable(brackets: brackets, deductsMaintenanceAmount: deductsMaintenanceAmount))
    }

    /// The bracket a notional falls in: lower < notional ≤ cap; notional 0 is in the first.
    /// A notional beyond the last cap stays in the last tier.
    @inlinable
    public func tierIndex(forNotional notional: Int64) -> Int {
        var index = 0
        while index < brackets.count - 1, notional > brackets[index].cap { index += 1 }
        return index
    }
}

/// A market or asset declaration that cannot be accepted, naming the field.
public struct MarketSpecError: Error, Hashable, Sendable, Codable {
    public var field: String
    public var reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
}
