/// Every position of one market in a hot-path layout (two doubles and an index per row), so that
/// a full re-margin after a mark move reads ~20 bytes per account and allocates nothing per
/// account.
///
/// The doubles are a *screen*, never a booked amount: a row whose account is far from its
/// margin-call level by more than a rigorous error bound is skipped; every other row is
/// re-checked exactly with the engine's fixed-point margin. Rows whose account depends on more
/// than this market's mark (several positions, other collateral, haircut tiers) store NaN and
/// are always re-checked exactly.
public struct MaintenanceScanTable: Sendable, Codable {
    /// Index of the row's account in the engine's account table.
    public private(set) var accountIndex: [Int32] = []
    /// Signed size in Quantity atoms.
    private(set) var size: [Double] = []
    /// Pool equity minus the position's value, in settlement atoms: equity(P) = base + value(P).
    /// NaN: always re-check exactly.
    private(set) var base: [Double] = []
    /// The row's pool's flag (0 none, 1 margin call, 2 liquidating), mirrored from the engine's
    /// flagged pools so that a mark update can pass over a flagged pool the move cannot change.
    private(set) var alert: [UInt8] = []
    /// Maintenance schedule, as doubles for the screen.
    private var maintenanceRates: [Double] = []
    private var maintenanceAmounts: [Double] = []
    private var caps: [Double] = []
    private var deducts = true
    /// Deribit-style rates, as fractions: maintenance = base + |size| × perContract.
    struct SizeScaledRates: Hashable, Sendable, Codable {
        var base: Double
        var perContract: Double
    }
    private var sizeScaled: SizeScaledRates? = nil

    public init() {}

    public var count: Int { accountIndex.count }

    mutating func configure(_ schedule: MarginSchedule) {
        switch schedule {
        case .tiered(let table):
            maintenanceRates = table.brackets.map { Double($0.maintenanceRate) / Double(Rate.oneAtoms) }
            maintenanceAmounts = table.brackets.map { Double($0.maintenanceAmount) }
            caps = table.brackets.map { $0.cap == Int64.max ? .infinity : Double($0.cap) }
            deducts = table.deductsMaintenanceAmount
            sizeScaled = nil
        case .sizeScaled(_, let maintenanceBase, let perContract):
            sizeScaled = SizeScaledRates(
                base: Double(maintenanceBase.atoms) / Double(Rate.oneAtoms),
                perContract: Double(perContract.atoms) / Double(Rate.oneAtoms) / 1e8)
            maintenanceRates = []
            maintenanceAmounts = []
            caps = []
        }
    }

    mutating func append(accountIndex: Int32, size: Double, base: Double) -> Int32 {
        self.accountIndex.append(accountIndex)
        self.size.append(size)
        self.base.append(base)
        self.alert.append(0)
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
        alert[target] = alert[last]
        accountIndex.removeLast()
        size.removeLast()
        base.removeLast()
        alert.removeLast()
        return moved
    }

    /// Rows whose pool is flagged (a full pass over one byte per row).
    func flaggedRows() -> [Int32] {
        var rows: [Int32] = []
        for (row, flag) in alert.enumerated() where flag != 0 { rows.append(Int32(row)) }
        return rows
    }

    mutating func setAlert(row: Int32, _ value: UInt8) {
        alert[Int(row)] = value
    }

    /// Whether the screen proves that a flagged row's pool keeps its flag at `mark`: in margin
    /// call, equity stays above maintenance and maintenance at or above callRatio × equity; in
    /// liquidation, equity stays below maintenance × (1 + exitBuffer). False whenever the row is
    /// not flagged, depends on more than this mark (NaN), the schedule is stepped (its tier
    /// choice is not continuous in the price), or the figures are within the error bound.
    func keepsAlert(row: Int32, mark: Int64, valuation: ContractValuation, callRatio: Rate, exitBuffer: Rate) -> Bool {
        let flag = alert[Int(row)]
        let b = base[Int(row)]
        guard flag != 0, !b.isNaN, deducts || sizeScaled != nil else { return false }
        let s = size[Int(row)]
        let factor =
            valuation.kind == .linear ? valuation.screenFactor * Double(mark) : -valuation.screenFactor / Double(mark)
        let notional = abs(s) * abs(factor)
        let equity = b + s * factor
        let maintenance = maintenanceEstimate(notional: notional, size: s)
        // Twice the candidate screen's bound: both sides of each comparison carry it.
        let tolerance = 16.0 + 2e-9 * (abs(b) + notional)
        if flag == 2 {
            let exit = 1 + Double(exitBuffer.atoms) / Double(Rate.oneAtoms)
            return equity - maintenance * exit < -tolerance * exit
        }
        let ratio = Double(callRatio.atoms) / Double(Rate.oneAtoms)
        return equity - maintenance > tolerance && equity * ratio - maintenance < -tolerance
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
    /// clear (NaN rows always). Continuous tier tables run four rows at a time in SIMD registers
    /// (maintenance is the maximum of the tier lines); other schedules run row by row. Nothing is
    /// allocated per row.
    func candidates(mark: Int64, valuation: ContractValuation, callRatio: Rate, into result: inout [Int32]) {
        let ratio = Double(callRatio.atoms) / Double(Rate.oneAtoms)
        let factor =
            valuation.kind == .linear ? valuation.screenFactor * Double(mark) : -valuation.screenFactor / Double(mark)
        let absoluteFactor = abs(factor)
        let rows = size.count
        size.withUnsafeBufferPointer { sizes in
            base.withUnsafeBufferPointer { bases in
                var row = 0
                if deducts && sizeScaled == nil {
                    row = screenTieredLines(
                        sizes: sizes, bases: bases, factor: factor, absoluteFactor: absoluteFactor,
                        ratio: ratio, into: &result)
                }
                while row < rows {
                    let s = sizes[row]
                    let notional = abs(s) * absoluteFactor
                    let equity = bases[row] + s * factor
                    let maintenance = maintenanceEstimate(notional: notional, size: s)
                    // Error bound: rounding of the exact figures (a few atoms) plus double error.
                    let tolerance = 8.0 + 1e-9 * (abs(bases[row]) + notional)
                    if !(equity * ratio - maintenance > tolerance) { result.append(Int32(row)) }
                    row += 1
                }
            }
        }
    }

    /// The SIMD screen for continuous tier tables; returns the first row it did not handle.
    private func screenTieredLines(
        sizes: UnsafeBufferPointer<Double>, bases: UnsafeBufferPointer<Double>, factor: Double,
        absoluteFactor: Double, ratio: Double, into result: inout [Int32]
    ) -> Int {
        typealias Lanes = SIMD4<Double>
        let rows = sizes.count
        let tiers = maintenanceRates.count
        guard rows >= 4, tiers <= 16 else { return 0 }
        var rates = [Lanes](repeating: .zero, count: tiers)
        var amounts = [Lanes](repeating: .zero, count: tiers)
        for tier in 0..<tiers {
            rates[tier] = Lanes(repeating: maintenanceRates[tier])
            amounts[tier] = Lanes(repeating: maintenanceAmounts[tier])
        }
        let sizePointer = UnsafeRawPointer(sizes.baseAddress!)
        let basePointer = UnsafeRawPointer(bases.baseAddress!)
        let eight = Lanes(repeating: 8)
        let relative = Lanes(repeating: 1e-9)
        let lanesFactor = Lanes(repeating: factor)
        let lanesAbsolute = Lanes(repeating: absoluteFactor)
        let lanesRatio = Lanes(repeating: ratio)
        var row = 0
        rates.withUnsafeBufferPointer { rates in
            amounts.withUnsafeBufferPointer { amounts in
                while row + 4 <= rows {
                    let s = sizePointer.loadUnaligned(fromByteOffset: row * 8, as: Lanes.self)
                    let b = basePointer.loadUnaligned(fromByteOffset: row * 8, as: Lanes.self)
                    let absoluteSize = Lanes(abs(s[0]), abs(s[1]), abs(s[2]), abs(s[3]))
                    let notional = absoluteSize * lanesAbsolute
                    let equity = b + s * lanesFactor
                    var maintenance = Lanes.zero
                    for tier in 0..<tiers {
                        let line = notional * rates[tier] - amounts[tier]
                        maintenance.replace(with: line, where: line .> maintenance)
                    }
                    let absoluteBase = Lanes(abs(b[0]), abs(b[1]), abs(b[2]), abs(b[3]))
                    let tolerance = eight + relative * (absoluteBase + notional)
                    let clear = equity * lanesRatio - maintenance .> tolerance
                    if !all(clear) {
                        for lane in 0..<4 where !clear[lane] { result.append(Int32(row + lane)) }
                    }
                    row += 4
                }
            }
        }
        return row
    }

    /// The mark at which a row reaches a level (maintenance ≥ ratio × equity),
    /// widened by 10^-6 toward triggering so that rounding can never hide a crossing; the side
    /// says whether it triggers at or below (long) or at or above (short). NaN: the row depends on
    /// more than this market's mark, or the schedule is not a set of lines (BitMEX steps).
    ///
    /// Each maintenance line (tier k: |s|·f·r_k·P − c_k, and the zero line equity ≤ 0) gives the
    /// price where it meets ratio × equity; a long triggers below the highest of them, a short
    /// above the lowest. Linear contracts are linear in P, inverse ones in x = 1/P.
    /// `ratio` is the call ratio for margin calls, 1 for liquidation and 1 / (1 + exit buffer) for
    /// leaving liquidation. `widenedTowardCrossing` false widens the other way, for an index that fires when the
    /// mark moves back past the level (recovery): it then fires early, never late.
    func trigger(
        row: Int32, valuation: ContractValuation, ratio: Double, widenedTowardCrossing: Bool = true
    ) -> (price: Double, long: Bool) {
        let s = size[Int(row)]
        let b = base[Int(row)]
        let long = s > 0
        if b.isNaN || s == 0 || (sizeScaled == nil && !deducts) { return (.nan, long) }
        let lineCount = sizeScaled == nil ? maintenanceRates.count : 1
        let f = valuation.screenFactor
        let linear = valuation.kind == .linear
        var bound = long ? -Double.infinity : Double.infinity
        // The zero line, in P.
        var zero: Double
        if linear {
            zero = -b / (s * f)
        } else if long {
            let x = b / (s * f)
            zero = x <= 0 ? .infinity : 1 / x
        } else {
            zero = b < 0 ? 1 / (b / (s * f)) : .infinity
        }
        if long { bound = max(bound, zero) } else if zero.isFinite { bound = min(bound, zero) }
        for index in 0..<lineCount {
            var rate = 0.0
            var amount = 0.0
            if let sizeScaled {
                rate = sizeScaled.base + abs(s) * sizeScaled.perContract
            } else {
                rate = maintenanceRates[index]
                amount = maintenanceAmounts[index]
            }
            var price: Double
            if linear {
                let coefficient = abs(s) * f * rate - ratio * s * f
                // A long needs a falling line (r < ratio), a short a rising one; else check exactly.
                if long ? coefficient >= 0 : coefficient <= 0 { return (.nan, long) }
                price = (ratio * b + amount) / coefficient
            } else {
                let coefficient = f * (abs(s) * rate + ratio * s)
                if long ? coefficient <= 0 : coefficient >= 0 { return (.nan, long) }
                let x = (ratio * b + amount) / coefficient
                if long {
                    price = x <= 0 ? .infinity : 1 / x
                } else {
                    if x <= 0 { continue }
                    price = 1 / x
                }
            }
            bound = long ? max(bound, price) : min(bound, price)
        }
        if bound.isNaN { return (.nan, long) }
        // A long is in the state at or below the bound: widening up reaches it early; a
        // recovery index fires above it, so widening down leaves it early (mirrored for shorts).
        let up = long == widenedTowardCrossing
        return (up ? bound * (1 + 1e-6) + 1 : bound * (1 - 1e-6) - 1, long)
    }

}
