/// How much of a position a liquidation step closes: the smallest amount on
/// the lot grid that restores the pool to its target after the step's costs, capped per step,
/// and the whole position when what would remain is below the dust floor or nothing smaller
/// restores the target.
public enum PartialLiquidation {
    /// What a step must restore.
    public enum Target: Hashable, Sendable, Codable {
        /// Equity ≥ initial margin.
        case initialMargin
        /// Equity ≥ maintenance × (1 + buffer).
        case maintenancePlusBuffer(Rate)
    }

    public struct Inputs: Sendable {
        /// Pool equity and the requirements of the pool's other positions (one unit: settlement
        /// atoms for an isolated pool).
        public var equity: Int64
        public var otherInitial: Int64
        public var otherMaintenance: Int64
        /// The position: signed size (Quantity atoms), mark, lot size, and its schedule.
        public var size: Int64
        public var mark: Int64
        public var lot: Int64
        public var valuation: ContractValuation
        public var schedule: MarginSchedule
        public var leverageRate: Int64
        /// Costs of closing, as rates of the closed notional: expected slippage, penalty, fees.
        public var costRate: Rate
        /// At most this fraction of the position per step (1 = no cap).
        public var stepFraction: Rate
        /// A remaining notional below this (settlement atoms) is closed in full.
        public var dustNotional: Int64

        public init(
            equity: Int64, otherInitial: Int64, otherMaintenance: Int64, size: Int64, mark: Int64, lot: Int64,
            valuation: ContractValuation, schedule: MarginSchedule, leverageRate: Int64, costRate: Rate,
            stepFraction: Rate, dustNotional: Int64
        ) {
            self.equity = equity
            self.otherInitial = otherInitial
            self.otherMaintenance = otherMaintenance
            self.size = size
            self.mark = mark
            self.lot = lot
            self.valuation = valuation
            self.schedule = schedule
            self.leverageRate = leverageRate
            self.costRate = costRate
            self.stepFraction = stepFraction
            self.dustNotional = dustNotional
        }
    }

    /// Whether closing `quantity` (absolute, atoms) restores the target, in exact fixed point.
    public static func restores(_ quantity: Int64, _ inputs: Inputs, target: Target) -> Bool {
        let magnitude = inputs.size.magnitude
        let remaining = Int64(magnitude) - quantity
        guard let closed = inputs.valuation.notional(size: quantity, price: inputs.mark),
            let cost = FixedPoint.multiplyDivide(closed, inputs.costRate.atoms, Rate.oneAtoms, .up),
            let left = inputs.valuation.notional(size: remaining, price: inputs.mark),
            let requirement = inputs.schedule.requirements(
                notional: left, size: remaining, leverageRate: inputs.leverageRate)
        else { return false }
        let equity = Int128(inputs.equity) - Int128(cost)
        switch target {
        case .initialMargin:
            return equity >= Int128(inputs.otherInitial) + Int128(remaining > 0 ? requirement.initial : 0)
        case .maintenancePlusBuffer(let buffer):
            let maintenance = Int128(inputs.otherMaintenance) + Int128(remaining > 0 ? requirement.maintenance : 0)
            return equity * Int128(Rate.oneAtoms) >= maintenance * Int128(Rate.oneAtoms + buffer.atoms)
        }
    }

    /// The quantity (absolute atoms, on the lot grid) this step closes, and whether it closes the
    /// position. Bounded: a binary search over the lots of the position (≤ 63 steps).
    public static func stepQuantity(_ inputs: Inputs, target: Target) -> (quantity: Int64, closesAll: Bool) {
        let full = Int64(inputs.size.magnitude)
        let lots = full / inputs.lot
        guard lots > 1 else { return (full, true) }
        // Smallest number of lots that restores the target (the property is monotone in lots).
        var low: Int64 = 1
        var high = lots
        if !restores(high * inputs.lot, inputs, target: target) { return (full, true) }
        while low < high {
            let middle = low + (high - low) / 2
            if restores(middle * inputs.lot, inputs, target: target) { high = middle } else { low = middle + 1 }
        }
        var quantity = low * inputs.lot
        // Per-step cap (at least one lot), then the dust floor on what would remain.
        let cap = max(
            inputs.lot,
            Int64(
                FixedPoint.divide(
                    Int128(full) * Int128(inputs.stepFraction.atoms), by: Int128(Rate.oneAtoms) * Int128(inputs.lot),
                    .down)) * inputs.lot)
        quantity = min(quantity, cap)
        let remainingNotional = inputs.valuation.notional(size: full - quantity, price: inputs.mark) ?? 0
        if full - quantity <= 0 || remainingNotional < inputs.dustNotional { return (full, true) }
        return (quantity, false)
    }
}
