import SolventCore

extension CascadeSimulator {
    /// Books what the engine did; adds each step's flow that reaches its market (contracts,
    /// sells positive) to `flow`, by market.
    mutating func absorb(_ outcome: Outcome, flow: inout [Double]) {
        for event in outcome.events {
            switch event {
            case .marginStateChanged(let change):
                if change.to == .liquidating {
                    liquidating.insert(change.pool)
                } else {
                    liquidating.remove(change.pool)
                }
            case .positionLiquidated(let step):
                // Cheap and per step: a loss left on the account as an unbooked debt is the
                // failure conservation alone cannot see.
                for violation in Auditor.violations(after: event, in: engine) where result.auditViolations.count < 10 {
                    result.auditViolations.append(violation)
                }
                let index = markets.firstIndex { $0.id == step.market } ?? 0
                flow[index] += book(step, market: index)
            case .auctionStarted(_, let payment):
                result.auctionsStarted += 1
                result.keeperRewards += usd(payment?.amount ?? 0)
            case .auctionReset(_, let payment):
                result.auctionResets += 1
                result.keeperRewards += usd(payment?.amount ?? 0)
            case .breakerTripped(let trip):
                result.breakerTrips += 1
                if let index = markets.firstIndex(where: { $0.id == trip.market }) {
                    markets[index].breakerUntil = trip.until
                }
            default:
                break
            }
        }
    }

    /// Books one liquidation step on the run's totals and its market's; returns the flow it
    /// sends to the market (contracts, sells positive).
    private mutating func book(_ step: LiquidationStep, market index: Int) -> Double {
        let quantity = Double(step.quantity) / 1e8
        // A backstop step lists the providers' legs as its counterparties (no loss is
        // reallocated to them: they took the position at their price).
        let backstopped = step.counterparties.contains { $0.account == Self.backstop }
        let hedged: Double
        if step.auction != nil {
            hedged = config.bidderHedge
        } else if backstopped {
            hedged = config.backstopHedge; result.backstopSteps += 1
        } else {
            hedged = 1
        }
        let notional =
            inverse ? quantity * Double(Self.inverseContractUSD) : quantity * Double(step.marketPrice.atoms) / 1e8
        let badDebt = usd(step.fundDraw + step.uncovered + step.reallocated)
        result.steps += 1
        result.liquidatedNotional += notional
        result.fundDraw += usd(step.fundDraw)
        result.badDebt += badDebt
        result.reallocated += usd(step.reallocated)
        result.penalties += usd(step.penalty)
        result.keeperRewards += usd(step.keeperReward)
        markets[index].summary.steps += 1
        markets[index].summary.liquidatedNotional += notional
        markets[index].summary.badDebt += badDebt
        liquidatedAccounts.insert(step.account.account.rawValue)
        // A pool's flag clears with its last position, without a state-change event: the
        // isolated pool of the closed position, and the cross pool once no cross position is left.
        if step.closesPosition {
            liquidating.remove(PoolKey(account: step.account.account, isolatedMarket: step.market))
            if engine.account(step.account.account)?.positions.contains(where: { !$0.isolated }) != true {
                liquidating.remove(PoolKey(account: step.account.account, isolatedMarket: nil))
            }
        }
        for leg in step.counterparties where !backstopped {
            result.deleveragedPositions += 1
            let id = leg.account.rawValue
            let leverage = leverageByAccount[id] ?? 0
            if deleveragedAccounts.insert(id).inserted { deleveragedLeverages.append(leverage) }
            if result.deleveragedSample.count < 200 {
                result.deleveragedSample.append(
                    .init(
                        time: engine.now.nanoseconds, account: id, leverage: leverage,
                        realizedPnl: usd(leg.realizedPnl)))
            }
        }
        return (step.long ? 1 : -1) * quantity * hedged
    }
}
