extension MarginSchedule {
    /// The rate the schedule's scaling is measured against: the first tier's initial rate, or
    /// the initial base of a size-scaled schedule (the rate of the smallest position).
    public var referenceInitialRate: Rate {
        switch self {
        case .tiered(let table): Rate(atoms: table.brackets[0].initialRate)
        case .sizeScaled(let initialBase, _, _): initialBase
        }
    }

    /// The schedule with every rate multiplied by `target / referenceInitialRate`, so that the
    /// smallest position's initial rate becomes `target` and the tiers keep their shape (caps,
    /// the ratio of maintenance to initial, the step between tiers). Each rate is rounded up
    /// (toward the house); an initial rate is capped at 1 and a maintenance rate just below 1, as
    /// a table requires. Dynamic margin raises a market's published schedule this way. Nil when
    /// `target` is below the reference (the published schedule is the floor) or a rate overflows.
    public func scaled(toInitialRate target: Rate) -> MarginSchedule? {
        let reference = referenceInitialRate.atoms
        guard reference > 0, target.atoms >= reference else { return nil }
        func scale(_ rate: Int64, cap: Int64) -> Int64? {
            FixedPoint.multiplyDivide(rate, target.atoms, reference, .up).map { min($0, cap) }
        }
        let initialCap = Rate.oneAtoms, maintenanceCap = Rate.oneAtoms - 1
        switch self {
        case .tiered(let table):
            var tiers: [RiskTier] = []
            for tier in table.tiers {
                guard let initial = scale(tier.initialRate.atoms, cap: initialCap),
                    let maintenance = scale(tier.maintenanceRate.atoms, cap: maintenanceCap)
                else { return nil }
                tiers.append(
                    RiskTier(
                        notionalCap: tier.notionalCap, initialRate: Rate(atoms: initial),
                        maintenanceRate: Rate(atoms: maintenance)))
            }
            guard
                case .success(let scaled) = RiskTierTable.make(
                    tiers: tiers, deductsMaintenanceAmount: table.deductsMaintenanceAmount)
            else { return nil }
            return .tiered(scaled)
        case .sizeScaled(let initialBase, let maintenanceBase, let perContract):
            guard let initial = scale(initialBase.atoms, cap: initialCap),
                let maintenance = scale(maintenanceBase.atoms, cap: maintenanceCap),
                let perContract = scale(perContract.atoms, cap: Int64.max)
            else { return nil }
            return .sizeScaled(
                initialBase: Rate(atoms: initial), maintenanceBase: Rate(atoms: maintenance),
                ratePerContract: Rate(atoms: perContract))
        }
    }
}
