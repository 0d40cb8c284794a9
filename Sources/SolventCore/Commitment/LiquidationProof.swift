/// Evidence that one liquidation step was justified (issue #9, item 3): the account and the
/// markets as they stood just before the input that liquidated it, the price input that set the
/// mark in force, and the step the engine recorded. A verifier re-derives, with this binary's
/// rules: the mark from the price input (for an oracle market, the index from the samples by the
/// configured aggregation, then the mark), that the account was in liquidation at that mark,
/// the step's size and bankruptcy price, and the execution through the market's depth model.
///
/// When the loss beyond the fund was placed on other accounts (auto-deleveraging or a socialized
/// share), the proof also carries those counterparties' accounts as they stood, and the verifier
/// re-runs the allocation among them: their ranking (or profit weights), the quantity each gave
/// up at the bankruptcy price, and every booked amount. What it cannot show from these accounts
/// alone is that no account left out of the proof ranked higher; that follows from the journal
/// (`solvent replay`), which holds every account.
public struct LiquidationProof: Sendable, Codable {
    public var format = 2
    /// The input that produced the step, and the engine's time before it.
    public var sequence: UInt64
    public var time: Int64
    public var stateDigestBefore: String
    public var account: Account
    public var assets: [AssetState]
    public var markets: [MarketState]
    /// The journal's last price input for the step's market before the step (command JSON is
    /// decoded by the caller; here as the command itself).
    public var priceInput: Command?
    public var step: LiquidationStep
    /// The accounts the step placed the loss beyond the fund on, as they stood before it, in
    /// the step's order (nil when there were none).
    public var counterparties: [Account]?

    public func verify() -> MarginProof.Verification {
        var verified: [String] = []
        var failures: [String] = []
        guard let marketIndex = markets.firstIndex(where: { $0.spec.id == step.market }) else {
            return .init(verified: [], failures: ["the step's market is not in the proof"])
        }
        let market = markets[marketIndex]
        // 0. The step books every loss beyond what the account holds: its after-state, read
        // from the record, passes the auditor's liquidation checks (a step that leaves the
        // account owing is refused whatever else agrees).
        var after = account
        after.setBalance(assetIndex: market.settleAssetIndex, atoms: step.account.walletAfter)
        after.setPosition(step.account.positionAfter, marketIndex: Int32(marketIndex))
        let afterEngine = Engine.forVerification(assets: assets, markets: markets, account: after, now: Timestamp(nanoseconds: time),
                                                 sequence: sequence - 1)
        let unbooked = Auditor.liquidationViolations(step, in: afterEngine)
        if unbooked.isEmpty {
            verified.append("the account ends the step owing nothing unbooked (closed no worse than bankruptcy; a shortfall of \(step.shortfall ?? 0) atoms carried by the waterfall)")
        } else {
            failures.append(contentsOf: unbooked)
        }
        // 1. The mark in force follows from the recorded price input.
        switch priceInput {
        case .setMarkPrice(let id, let mark, _)? where id == step.market:
            if mark.atoms == market.mark { verified.append("mark \(mark) is the recorded price input (a direct mark from the oracle role)") }
            else { failures.append("the mark \(Price(atoms: market.mark)) is not the recorded input's \(mark)") }
        case .updateOracle(let id, let samples, let last, let mid)? where id == step.market:
            if let oracle = market.oracle {
                let computation = IndexAggregator.aggregate(samples, config: oracle.config, now: Timestamp(nanoseconds: time))
                if let index = computation.index {
                    let mark = MarkPrice.compute(index: index.atoms, basis: oracle.basis.value, last: last?.atoms, mid: mid?.atoms, band: oracle.config.markBand)
                    if mark == market.mark {
                        verified.append("mark \(Price(atoms: mark)) follows from \(samples.count) oracle samples: index \(index) (\(oracle.config.aggregation.rawValue), used \(computation.used.map(\.description).joined(separator: ",")), \(computation.excluded.count) excluded), then the mark rule")
                    } else {
                        failures.append("the samples give mark \(Price(atoms: mark)), not the \(Price(atoms: market.mark)) in force")
                    }
                } else {
                    failures.append("the recorded samples give no index (\(computation.failure.map { "\($0)" } ?? "unknown"))")
                }
            } else {
                failures.append("an oracle input for a market without an oracle")
            }
        default:
            failures.append("no recorded price input for market \(step.market)")
        }
        // 2. In liquidation at that mark, and the step the rules size.
        let engine = Engine.forVerification(assets: assets, markets: markets, account: account, now: Timestamp(nanoseconds: time), sequence: sequence - 1)
        switch engine.planStep(account.id, step.market) {
        case .failure(let rejection):
            failures.append("the rules do not liquidate this account at this mark: \(rejection.message)")
        case .success(let planned):
            verified.append("below maintenance at mark \(Price(atoms: market.mark)): status \(engine.marginReport(of: account.id, includingPrices: false).flatMap { try? $0.get().status.rawValue } ?? "?")")
            if planned.quantity == step.quantity && planned.long == step.long && planned.bankruptcy == step.bankruptcyPrice?.atoms {
                verified.append("step size \(Quantity(atoms: planned.quantity)) and bankruptcy price \(step.bankruptcyPrice.map { "\($0)" } ?? "none") as the rules size them")
            } else {
                failures.append("the rules size \(Quantity(atoms: planned.quantity)) at bankruptcy \(planned.bankruptcy.map { "\(Price(atoms: $0))" } ?? "none"); the record says \(Quantity(atoms: step.quantity)) at \(step.bankruptcyPrice.map { "\($0)" } ?? "none")")
            }
            // 3. The execution (order-book steps): the depth model's fill, floored at bankruptcy.
            if case .orderBook = planned.parameters.mechanism, step.auction == nil {
                if let fill = OrderBookExecution.execute(long: planned.long, mark: market.mark, notional: planned.notional,
                                                         bankruptcyPrice: planned.bankruptcy ?? (planned.long ? 1 : BoundarySearch.maximumPrice),
                                                         depth: planned.parameters.depth) {
                    if fill.marketPrice == step.marketPrice.atoms && fill.accountPrice == step.accountPrice.atoms {
                        verified.append("executed at \(step.marketPrice) through the depth model; the account closed at \(step.accountPrice)")
                    } else {
                        failures.append("the depth model fills at \(Price(atoms: fill.marketPrice)) (account \(Price(atoms: fill.accountPrice))); the record says \(step.marketPrice) (\(step.accountPrice))")
                    }
                    let gap = step.fundDraw + step.uncovered
                    if !step.counterparties.isEmpty {
                        verifyAllocation(&verified, &failures)
                        return .init(verified: verified, failures: failures)
                    }
                    // The waterfall re-run on this account and the venue's fund: penalty, fee and
                    // the loss beyond equity to the atom (who bore that loss beyond the fund —
                    // counterparties picked by ADL among all accounts — is as recorded).
                    // Planned only (the verification engine holds no scan tables to apply to).
                    if case .success(let events) = engine.planLiquidate(account.id, step.market, keeper: nil),
                       let mine = events.lazy.compactMap({ event -> LiquidationStep? in if case .positionLiquidated(let s) = event { return s }; return nil }).first {
                        let rerunGap = mine.fundDraw + mine.uncovered
                        if mine.penalty == step.penalty && mine.clearanceFee == step.clearanceFee && rerunGap == gap
                            && (step.uncovered > 0 || mine.fundDraw == step.fundDraw) {
                            verified.append(fill.fundCoversGap
                                ? "the fill was worse than bankruptcy: penalty \(step.penalty), fee \(step.clearanceFee), loss beyond equity \(gap) atoms (fund \(step.fundDraw), beyond the fund \(step.uncovered): \(step.reallocated) placed on \(step.counterparties.count) counterparties) — recomputed"
                                : "penalty \(step.penalty) and fee \(step.clearanceFee) atoms recomputed; no loss beyond the account's equity")
                        } else {
                            failures.append("the waterfall recomputes to penalty \(mine.penalty), fee \(mine.clearanceFee), loss \(rerunGap); the record says \(step.penalty), \(step.clearanceFee), \(gap)")
                        }
                    } else {
                        failures.append("the step cannot be re-run on the proof's state")
                    }
                } else {
                    failures.append("the depth model cannot fill the step")
                }
            } else {
                verified.append("execution by \(step.auction != nil ? "auction" : "backstop") (its price is the bidder's or provider's, recorded in the step)")
            }
        }
        return .init(verified: verified, failures: failures)
    }

    /// Legs as booked: the scan-table row a position occupies is the engine's bookkeeping, not
    /// part of what was booked (a verification engine numbers its rows differently).
    static func booked(_ legs: [LegApplied]) -> [LegApplied] {
        legs.map { leg in
            var copy = leg
            copy.positionAfter?.scanRow = -1
            return copy
        }
    }

    /// The waterfall re-run with the step's counterparties in the engine: the fund's draw, the
    /// loss beyond it, and each counterparty's leg (who, in which order, how much, at what price)
    /// must come out as recorded.
    func verifyAllocation(_ verified: inout [String], _ failures: inout [String]) {
        let others = counterparties ?? []
        guard others.map(\.id) == step.counterparties.map(\.account) else {
            failures.append("the proof must carry the accounts of the step's counterparties \(step.counterparties.map { $0.account.description }) before the step; it carries \(others.map { $0.id.description })")
            return
        }
        let engine = Engine.forVerification(assets: assets, markets: markets, accounts: [account] + others, now: Timestamp(nanoseconds: time), sequence: sequence - 1)
        guard case .success(let events) = engine.planLiquidate(account.id, step.market, keeper: nil),
              let mine = events.lazy.compactMap({ event -> LiquidationStep? in if case .positionLiquidated(let s) = event { return s }; return nil }).first else {
            failures.append("the step cannot be re-run on the proof's state")
            return
        }
        guard mine.penalty == step.penalty, mine.clearanceFee == step.clearanceFee, mine.fundDraw == step.fundDraw, mine.uncovered == step.uncovered,
              mine.reallocated == step.reallocated, Self.booked(mine.counterparties) == Self.booked(step.counterparties), mine.accountPrice == step.accountPrice else {
            failures.append("among these counterparties the waterfall recomputes to fund \(mine.fundDraw), beyond it \(mine.uncovered) (\(mine.reallocated) placed on \(mine.counterparties.map { $0.account.description }.joined(separator: ", "))); the record says fund \(step.fundDraw), \(step.uncovered) (\(step.reallocated) on \(step.counterparties.map { $0.account.description }.joined(separator: ", ")))")
            return
        }
        let allocation = markets.first { $0.spec.id == step.market }?.liquidation?.lossAllocation
        let how: String
        switch allocation {
        case .autoDeleveraging(let ranking, _)?:
            let marketIndex = engine.marketIndex(of: step.market)!
            let scores = others.compactMap { other in
                engine.deleveragingCandidate(accountIndex: engine.accountIndex(of: other.id)!, marketIndex: marketIndex, long: !step.long)
                    .map { "\(other.id): \(ranking.score($0))" }
            }
            how = "auto-deleveraged by \(ranking.rawValue) (scores \(scores.joined(separator: ", "))) at the bankruptcy price \(step.bankruptcyPrice.map { "\($0)" } ?? "none")"
        default:
            how = "socialized over their profits"
        }
        verified.append("the fill was worse than bankruptcy: penalty \(step.penalty), fee \(step.clearanceFee), fund \(step.fundDraw), beyond the fund \(step.reallocated) atoms placed on \(step.counterparties.count) counterparties, \(how), each leg recomputed; unplaced \(step.uncovered) — the ranking is proven among the accounts in this proof, not against accounts outside it")
    }
}

extension Engine {
    /// The evidence for the step `input` produces on this (pre-)state, or nil when it produces none.
    public func liquidationProof(for input: SequencedInput, priceInput: Command?) -> LiquidationProof? {
        guard case .liquidate(let id, _, _) = input.command, let account = account(id) else { return nil }
        var after = self
        guard case .applied(let events) = after.execute(input),
              let step = events.lazy.compactMap({ event -> LiquidationStep? in
                  if case .positionLiquidated(let step) = event, step.account.account == id { return step }
                  return nil
              }).first else { return nil }
        var publicMarkets = markets
        for index in publicMarkets.indices { publicMarkets[index].backstops = [] }
        let others = step.counterparties.compactMap { self.account($0.account) }
        return LiquidationProof(sequence: input.sequence, time: now.nanoseconds, stateDigestBefore: digestHex(), account: account,
                                assets: assets, markets: publicMarkets, priceInput: priceInput, step: step,
                                counterparties: others.isEmpty ? nil : others)
    }
}
