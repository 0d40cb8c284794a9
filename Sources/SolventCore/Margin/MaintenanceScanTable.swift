/// Every position of one market in a hot-path layout (two doubles and an index per row), so that
/// a full re-margin after a mark move reads ~20 bytes per account and allocates nothing per
/// account.
///
/// The doubles are a *screen*, never a booked amount: a row whose account is far from its
/// margin-call level by more than a rigorous error bound is skipped; every other row is
/// re-checked exactly with the engine's fixed-point margin. Rows whose account depends on more
/// than this market's mark (several positions, other collateral, haircut tiers) store NaN and
/// are always re-checked exactly.
public struct MaintenanceScanTable: Sendable {
    /// Index of the row's account in the engine's account table.
    public private(set) var accountIndex: [Int32] = []
    /// Signed size in Quantity atoms.
    private(set) var size: [Double] = []
    /// Pool equity minus the position's value, in settlement atoms: equity(P) = base + value(P).
    /// NaN: always re-check exactly.
    private(set) var base: [Double] = []
    /// Maintenance schedule, as doubles for the screen.
    private var maintenanceRates: [Double] = []
    private var maintenanceAmounts: [Double] = []
    private var caps: [Double] = []
    private var deducts = true
    private var sizeScaled: (base: Double, perContract: Double)? = nil

    public init() {}

    public var count: Int { accountIndex.count }

    mutating func configure(_ schedule: MarginSchedule) {
        switch schedule {
        case .tiered(let table):
            maintenanceRates = table.tiers.map { Double($0.maintenanceRate.atoms) / Double(Rate.oneAtoms) }
            maintenanceAmounts = table.maintenanceAmounts.map(Double.init)
            caps = table.tiers.map { $0.notionalCap.map { Double($0.atoms) } ?? .infinity }
            deducts = table.deductsMaintenanceAmount
            sizeScaled = nil
        case .sizeScaled(_, let maintenanceBase, let perContract):
            sizeScaled = (Double(maintenanceBase.atoms) / Double(Rate.oneAtoms),
                          Double(perContract.atoms) / Double(Rate.oneAtoms) / 1e8)
            maintenanceRates = []
            maintenanceAmounts = []
            caps = []
        }
    }

    mutating func append(accountIndex: Int32, size: Double, base: Double) -> Int32 {
        self.accountIndex.append(accountIndex)
        self.size.append(size)
        self.base.append(base)
        return Int32(self.accountIndex.count - 1)
    }

    mutating func update(row: Int32, size: Double, base: Double) {
        self.size[Int(row)] = size
        self.base[Int(row)] = base
    }

    /// Removes a row by moving the last row into its place; returns the moved row's account.
    mutating func remove(row: Int32) -> Int32? {
        let last = accountIndex.count - 1
        let target = Int(row)
        let moved: Int32? = target == last ? nil : accountIndex[last]
        accountIndex[target] = accountIndex[last]
        size[target] = size[last]
        base[target] = base[last]
        accountIndex.removeLast()
        size.removeLast()
        base.removeLast()
        return moved
    }

    /// The screening maintenance estimate of a notional (settlement atoms, double).
    @inline(__always)
    func maintenanceEstimate(notional: Double, size: Double) -> Double {
        if let sizeScaled { return notional * (sizeScaled.base + abs(size) * sizeScaled.perContract) }
        if deducts {
            // With non-decreasing rates the continuous tiered maintenance is the maximum of the
            // tier lines (each line lies below the table outside its bracket).
            var estimate = 0.0
            for tier in maintenanceRates.indices {
                estimate = max(estimate, notional * maintenanceRates[tier] - maintenanceAmounts[tier])
            }
            return estimate
        }
        var tier = 0
        while tier < caps.count - 1, notional > caps[tier] { tier += 1 }
        return notional * maintenanceRates[tier]
    }

    /// Rows that may be at or beyond the margin-call level at `mark`: every row the screen cannot
    /// clear. `valueFactor` and `kind` come from the market's `ContractValuation`.
    func candidates(mark: Int64, valuation: ContractValuation, callRatio: Rate, into result: inout [Int32]) {
        let ratio = Double(callRatio.atoms) / Double(Rate.oneAtoms)
        let linear = valuation.kind == .linear
        let factor = linear ? valuation.screenFactor * Double(mark) : -valuation.screenFactor / Double(mark)
        let absoluteFactor = abs(factor)
        size.withUnsafeBufferPointer { sizes in
            base.withUnsafeBufferPointer { bases in
                for row in 0..<sizes.count {
                    let s = sizes[row]
                    let value = s * factor
                    let notional = abs(s) * absoluteFactor
                    let equity = bases[row] + value
                    let maintenance = maintenanceEstimate(notional: notional, size: s)
                    // Error bound: rounding of the exact figures (a few atoms) plus double error.
                    let tolerance = 8.0 + 1e-9 * (abs(bases[row]) + notional)
                    if !(equity * ratio - maintenance > tolerance) { result.append(Int32(row)) }
                }
            }
        }
    }
}
