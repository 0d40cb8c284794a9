/// Checks that follow one applied event rather than the whole state: what a liquidation step
/// leaves behind. Conservation alone cannot see a loss that stays on the liquidated account as a
/// debt (the money balances; nobody will ever pay it), so after every step the account's loss
/// beyond what it holds must be booked: drawn from the fund, reallocated, or recorded as a
/// deficit.
extension Auditor {
    public static func violations(after event: Event, in engine: Engine) -> [String] {
        switch event {
        case .positionLiquidated(let step): return liquidationViolations(step, in: engine)
        case .marketSettled(let settlement): return settlementViolations(settlement, in: engine)
        default: return []
        }
    }

    /// After a final settlement, no account it left without positions is in debt.
    static func settlementViolations(_ settlement: SettlementApplied, in engine: Engine) -> [String] {
        settlement.legs.compactMap { leg in
            guard leg.account != .venue, let account = engine.account(leg.account), account.positions.isEmpty,
                  case .success(let pool) = engine.crossPool(of: account), pool.equity < 0 else { return nil }
            return "settlement of market \(settlement.market): account \(leg.account) closed with negative equity \(Value(atoms: pool.equity)) USD that nothing booked"
        }
    }

    /// The invariants of a liquidation step, read on the state right after it:
    /// - the account closed no worse for the system than its recorded bankruptcy price;
    /// - an account left without positions has non-negative equity (its shortfall was booked);
    /// - a position that stays open in a pool under water has a recorded bankruptcy price (the
    ///   step closed at it or better), unless the pool is under water at every price of the
    ///   market (then the step that closes it books the shortfall).
    static func liquidationViolations(_ step: LiquidationStep, in engine: Engine) -> [String] {
        var found: [String] = []
        let id = step.account.account
        let context = "liquidation of account \(id) in market \(step.market)"
        if let bankruptcy = step.bankruptcyPrice {
            let worse = step.long ? step.accountPrice < bankruptcy : step.accountPrice > bankruptcy
            if worse { found.append("\(context): closed at \(step.accountPrice), worse than its bankruptcy price \(bankruptcy)") }
        }
        guard let account = engine.account(id), let marketIndex = engine.marketIndex(of: step.market) else {
            return found + ["\(context): the account or market is gone"]
        }
        if account.positions.isEmpty {
            if case .success(let pool) = engine.crossPool(of: account), pool.equity < 0 {
                found.append("\(context): the account closed with negative equity \(Value(atoms: pool.equity)) USD that nothing booked")
            }
            return found
        }
        guard step.account.positionAfter != nil, step.bankruptcyPrice == nil,
              case .success(let pool) = engine.pool(of: account, marketIndex: marketIndex), pool.equity < 0,
              engine.bankruptcyBoundary(of: account, marketIndex: marketIndex) != .none(.everyPrice) else { return found }
        found.append("\(context): the pool is under water (equity \(Value(atoms: pool.equity)) USD) but the step recorded no bankruptcy price")
        return found
    }
}
