/// The venue's books beside the committed liabilities: what accounts owe that nobody booked.
/// Liabilities floor each account at zero (a debt is not netted against anyone's claim), so a
/// loss left on an account as a debt — no fund draw, no deleveraging, no deficit line — would
/// otherwise be invisible in a solvency report.
public struct SolvencyCheck: Hashable, Sendable {
    /// Per asset (engine order): what accounts without positions owe (negative balances of
    /// accounts whose equity is negative), in the asset's atoms. Every such atom is a loss the
    /// waterfall should have booked.
    public var unbookedDebt: [Int64]
    /// Those accounts, by id.
    public var debtors: [AccountID]
    /// Accounts still holding positions whose pool equity is negative: bankrupt and awaiting
    /// their liquidation steps (the steps will book the loss), by id.
    public var awaitingLiquidation: [AccountID]

    /// Whether every loss is booked.
    public var holds: Bool { debtors.isEmpty }
}

extension Engine {
    public func solvencyCheck() -> SolvencyCheck {
        var check = SolvencyCheck(unbookedDebt: [Int64](repeating: 0, count: assets.count), debtors: [], awaitingLiquidation: [])
        for account in accounts where !account.isVenue {
            if account.positions.isEmpty {
                guard account.balances.contains(where: { $0.atoms < 0 }),
                      case .success(let pool) = crossPool(of: account), pool.equity < 0 else { continue }
                check.debtors.append(account.id)
                for balance in account.balances where balance.atoms < 0 {
                    check.unbookedDebt[Int(balance.assetIndex)] &+= -balance.atoms
                }
            } else {
                let underWater = account.positions.contains { position in
                    if case .success(let pool) = pool(of: account, marketIndex: position.marketIndex) { return pool.equity < 0 }
                    return false
                }
                if underWater { check.awaitingLiquidation.append(account.id) }
            }
        }
        return check
    }
}
