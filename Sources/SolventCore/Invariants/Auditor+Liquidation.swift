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

    /// After a final settlement, no account it left without cross positions is in debt.
    static func settlementViolations(_ settlement: SettlementApplied, in engine: Engine) -> [String] {
        settlement.legs.compactMap { leg in
            guard leg.account != .venue, let account = engine.account(leg.account),
                let equity = unbookedDebt(of: account, in: engine)
            else {
                return nil
            }
            return
                "settlement of market \(settlement.market): account \(leg.account) holds negative equity \(Value(atoms: equity)) USD that nothing booked"
        }
    }

    /// The invariants of a liquidation step, read on the state right after it:
    /// - the account closed no worse for the system than its recorded bankruptcy price;
    /// - an account left without cross positions (isolated ones may remain) has a cross pool of
    ///   non-negative equity: a closed pool's shortfall was booked, not left as a debt.
    package static func liquidationViolations(_ step: LiquidationStep, in engine: Engine) -> [String] {
        var found: [String] = []
        let id = step.account.account
        let context = "liquidation of account \(id) in market \(step.market)"
        if let bankruptcy = step.bankruptcyPrice {
            let worse = step.long ? step.accountPrice < bankruptcy : step.accountPrice > bankruptcy
            if worse {
                found.append(
                    "\(context): closed at \(step.accountPrice), worse than its bankruptcy price \(bankruptcy)")
            }
        }
        guard let account = engine.account(id) else { return found + ["\(context): the account is gone"] }
        if let equity = unbookedDebt(of: account, in: engine) {
            found.append(
                "\(context): the account's cross pool holds negative equity \(Value(atoms: equity)) USD with no cross position left to liquidate, and nothing booked it"
            )
        }
        return found
    }

    /// The negative equity (USD value atoms) of an account's cross pool when no cross position
    /// is left in it (nothing will liquidate it: a debt nobody booked), else nil. The venue's
    /// book is the counterparty of last resort and is never in debt this way.
    public static func unbookedDebt(of account: Account, in engine: Engine) -> Int64? {
        guard !account.isVenue, !account.positions.contains(where: { !$0.isolated }),
            account.balances.contains(where: { $0.atoms < 0 }),
            case .success(let pool) = engine.crossPool(of: account), pool.equity < 0
        else { return nil }
        return pool.equity
    }
}
