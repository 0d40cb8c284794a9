/// How a market's initial and maintenance requirements grow with position size.
public enum MarginSchedule: Hashable, Sendable, Codable {
    /// Notional brackets (Binance, Bybit, OKX, Hyperliquid; BitMEX steps without deduction).
    case tiered(RiskTierTable)
    /// Rates that grow linearly with size, as Deribit's linear perpetuals:
    /// `IM% = initialBase + |size| × ratePerContract`, `MM% = maintenanceBase + |size| × ratePerContract`
    /// (exchanges.md §3.1: BTC_USDC IM 2 % + 0.005 % per BTC).
    case sizeScaled(initialBase: Rate, maintenanceBase: Rate, ratePerContract: Rate)

    /// Initial and maintenance requirement of a position of `size` contracts with `notional`
    /// settlement atoms, each rounded up (requirements: toward the house). `leverageRate` is the
    /// user's 1/leverage; the initial rate is the larger of it and the schedule's rate.
    /// Returns nil on overflow.
    @inlinable
    public func requirements(notional: Int64, size: Int64, leverageRate: Int64) -> (initial: Int64, maintenance: Int64)?
    {
        switch self {
        case .tiered(let table):
            let bracket = table.brackets[table.tierIndex(forNotional: notional)]
            let imr = max(bracket.initialRate, leverageRate)
            guard let initial = FixedPoint.multiplyDivide(notional, imr, Rate.oneAtoms, .up),
                let gross = FixedPoint.multiplyDivide(notional, bracket.maintenanceRate, Rate.oneAtoms, .up)
            else { return nil }
            let maintenance = max(0, gross - bracket.maintenanceAmount)
            return (max(initial, maintenance), maintenance)
        case .sizeScaled(let initialBase, let maintenanceBase, let perContract):
            // rate × 10^8 = base × 10^8 + |size| × perContract, exact in 128 bits.
            let unit = Int128(FixedPoint.powersOfTen[Quantity.scale])
            let extra = Int128(size.magnitude) * Int128(perContract.atoms)
            let imrScaled = max(Int128(initialBase.atoms) * unit + extra, Int128(leverageRate) * unit)
            let mmrScaled = Int128(maintenanceBase.atoms) * unit + extra
            let divisor = Int128(Rate.oneAtoms) * unit
            let (imProduct, o1) = Int128(notional).multipliedReportingOverflow(by: imrScaled)
            let (mmProduct, o2) = Int128(notional).multipliedReportingOverflow(by: mmrScaled)
            guard !o1, !o2,
                let initial = FixedPoint.narrow(FixedPoint.divide(imProduct, by: divisor, .up)),
                let maintenance = FixedPoint.narrow(FixedPoint.divide(mmProduct, by: divisor, .up))
            else { return nil }
            return (initial, maintenance)
        }
    }

    /// The highest leverage the schedule allows at the smallest size (1 / initial rate of tier 1).
    public var maximumLeverage: Int64 {
        switch self {
        case .tiered(let table): return Rate.oneAtoms / max(1, table.brackets[0].initialRate)
        case .sizeScaled(let initialBase, _, _): return Rate.oneAtoms / max(1, initialBase.atoms)
        }
    }
}
