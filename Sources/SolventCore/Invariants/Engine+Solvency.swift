/// The venue's books beside the committed liabilities: what accounts owe that nobody booked.
/// Liabilities floor each account at zero (a debt is not netted against anyone's claim), so a
/// loss left on an account as a debt — no fund draw, no deleveraging, no deficit line — would
/// otherwise be invisible in a solvency report.
public struct SolvencyCheck: Hashable, Sendable {
    /// Per asset (engine order): the negative balances of the debtors below, in the asset's
    /// atoms (gross: collateral they still hold is in `unbookedValue`'s net figure).
    public var unbookedDebt: [Int64]
    /// The debtors' negative equity, net of their collateral, in USD value atoms (≥ 0).
    public var unbookedValue: Int64
    /// Accounts with no cross position left whose cross pool is in negative equity: every such
    /// atom is a loss the waterfall should have booked. By id.
    public var debtors: [AccountID]
    /// Accounts still holding cross positions whose pool equity is negative, or an isolated
    /// position under water: bankrupt and awaiting their liquidation steps (the steps will book
    /// the loss), by id.
    public var awaitingLiquidation: [AccountID]

    /// Whether every loss is booked.
    public var holds: Bool { debtors.isEmpty }
}

extension Engine {
    public func solvencyCheck() -> SolvencyCheck {
        var check = SolvencyCheck(
            unbookedDebt: [Int64](repeating: 0, count: assets.count), unbookedValue: 0, debtors: [],
            awaitingLiquidation: [])
        for account in accounts where !account.isVenue {
            if let equity = Auditor.unbookedDebt(of: account, in: self) {
                check.debtors.append(account.id)
                check.unbookedValue &+= -equity
                for balance in account.balances where balance.atoms < 0 {
                    check.unbookedDebt[Int(balance.assetIndex)] &+= -balance.atoms
                }
            }
            let underWater = account.positions.contains { position in
                if case .success(let pool) = pool(of: account, marketIndex: position.marketIndex) {
                    return pool.equity < 0
                }
                return false
            }
            if underWater { check.awaitingLiquidation.append(account.id) }
        }
        return check
    }
}
