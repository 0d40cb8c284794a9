/// Where a loss the insurance fund cannot carry goes: auto-deleveraging of
/// ranked opposite positions at the bankruptcy price, or a pro-rata socialized share of the
/// opposite positions in profit.
extension Engine {
    /// A deleveraging candidate with its ranking's score.
    typealias RankedCandidate = (score: Double, candidate: AutoDeleveraging.Candidate)

    /// An account's place in the auto-deleveraging queue of its side of a market: 1 is
    /// deleveraged first. nil without a position (or for the venue's book).
    public func deleveragingRank(
        account id: AccountID, market: MarketID, ranking: AutoDeleveraging.Ranking
    ) -> (rank: Int, of: Int)? {
        guard let accountIndex = accountIndexByID[id], let marketIndex = marketIndexByID[market], id != .venue,
            let slot = accounts[Int(accountIndex)].positionSlot(marketIndex: marketIndex)
        else { return nil }
        let long = accounts[Int(accountIndex)].positions[slot].size > 0
        let queue = AutoDeleveraging.ranked(
            deleveragingCandidates(marketIndex: marketIndex, excluding: -1, -1, long: long), by: ranking)
        guard let place = queue.firstIndex(where: { $0.account == id }) else { return nil }
        return (place + 1, queue.count)
    }

    /// Opposite positions that could be deleveraged, with what the ranking needs: notional as the
    /// mark value, |cost| as the entry value, and notional − pool equity as the bankruptcy value
    /// (so effective leverage is notional / equity). The venue's book and the liquidated account
    /// are excluded, and so is the step's taker (an auction's bidder); the order comes from the
    /// ranking, ties by account id.
    func deleveragingCandidates(
        marketIndex: Int32, excluding: Int32, _ alsoExcluding: Int32, long: Bool
    ) -> [AutoDeleveraging.Candidate] {
        indexedDeleveragingCandidates(marketIndex: marketIndex, excluding: excluding, alsoExcluding, long: long).map(
            \.candidate)
    }

    /// The same with each candidate's account index (what a kept queue is built from).
    func indexedDeleveragingCandidates(
        marketIndex: Int32, excluding: Int32, _ alsoExcluding: Int32, long: Bool
    ) -> [(accountIndex: Int32, candidate: AutoDeleveraging.Candidate)] {
        var candidates: [(accountIndex: Int32, candidate: AutoDeleveraging.Candidate)] = []
        for accountIndex in scanTables[Int(marketIndex)].accountIndex
        where accountIndex != 0 && accountIndex != excluding && accountIndex != alsoExcluding {
            if let candidate = deleveragingCandidate(accountIndex: accountIndex, marketIndex: marketIndex, long: long) {
                candidates.append((accountIndex, candidate))
            }
        }
        return candidates
    }

    /// One account's candidate on one side of a market, or nil (no position on that side, no
    /// positive pool equity, or the venue's book).
    package func deleveragingCandidate(
        accountIndex: Int32, marketIndex: Int32, long: Bool
    ) -> AutoDeleveraging.Candidate? {
        guard accountIndex != 0 else { return nil }
        let account = accounts[Int(accountIndex)]
        guard let slot = account.positionSlot(marketIndex: marketIndex) else { return nil }
        let position = account.positions[slot]
        guard (position.size > 0) == long,
            case .success(let risk) = positionRisk(
                position, leverage: leverage(of: account, marketIndex: marketIndex), override: nil, now: nil)
        else { return nil }
        // An isolated position's pool is already in its risk figures.
        let equity: Int64
        if let isolated = risk.isolatedPool {
            equity = isolated.equity
        } else if case .success(let pool) = crossPool(of: account) {
            equity = pool.equity
        } else {
            return nil
        }
        guard equity > 0 else { return nil }
        // Unsigned values so PnL% = unrealized PnL / |cost| for either side, and effective
        // leverage = value at mark / pool equity.
        let entryValue = Double(max(1, abs(position.cost)))
        let markValue = entryValue + Double(risk.unrealizedPnl)
        return AutoDeleveraging.Candidate(
            account: account.id, size: Int64(position.size.magnitude), markValue: markValue,
            entryValue: entryValue, bankruptcyValue: markValue - Double(equity))
    }

    /// The first `limit` positions of a side in deleveraging order, leaving out two accounts:
    /// from the kept queue when it is current, else by ranking every candidate. `scanned` keeps
    /// the ranked candidates between calls of one step that reads further down the order, so a
    /// step without a kept queue computes every candidate once, not once per read.
    func deleveragingOrder(
        marketIndex: Int32, long: Bool, ranking: AutoDeleveraging.Ranking, limit: Int,
        excluding: Int32, _ alsoExcluding: Int32, scanned: inout [RankedCandidate]?
    ) -> [AutoDeleveraging.Candidate] {
        scoredDeleveragingOrder(
            marketIndex: marketIndex, long: long, ranking: ranking, limit: limit, excluding: excluding, alsoExcluding,
            scanned: &scanned
        ).map(\.candidate)
    }

    /// The same with each candidate's score (a venue's coordinator merges shards' lists by it).
    func scoredDeleveragingOrder(
        marketIndex: Int32, long: Bool, ranking: AutoDeleveraging.Ranking, limit: Int,
        excluding: Int32, _ alsoExcluding: Int32
    ) -> [RankedCandidate] {
        var scanned: [RankedCandidate]?
        return scoredDeleveragingOrder(
            marketIndex: marketIndex, long: long, ranking: ranking, limit: limit, excluding: excluding, alsoExcluding,
            scanned: &scanned)
    }

    private func scoredDeleveragingOrder(
        marketIndex: Int32, long: Bool, ranking: AutoDeleveraging.Ranking, limit: Int,
        excluding: Int32, _ alsoExcluding: Int32, scanned: inout [RankedCandidate]?
    ) -> [RankedCandidate] {
        if let queue = liquidationBook.deleveragingQueues[Self.queueSlot(marketIndex, long: long)],
            queue.version == liquidationBook.stateVersion,
            queue.ranking == ranking
        {
            let first = excluding >= 0 ? accounts[Int(excluding)].id : nil
            let second = alsoExcluding >= 0 ? accounts[Int(alsoExcluding)].id : nil
            return queue.firstScored(limit) { $0 == first || $0 == second }
        }
        if let scanned { return Self.first(limit, of: scanned) }
        let found = indexedDeleveragingCandidates(
            marketIndex: marketIndex, excluding: excluding, alsoExcluding, long: long)
        // The step this plan is for builds the side's kept queue from these once it is applied,
        // rather than computing every candidate a second time.
        planMemo?.deleveragingScan = DeleveragingScan(
            slot: Self.queueSlot(marketIndex, long: long), version: liquidationBook.stateVersion, ranking: ranking,
            excluded: [excluding, alsoExcluding], candidates: found)
        let scored = found.map { (score: ranking.score($0.candidate), candidate: $0.candidate) }
        scanned = scored
        return Self.first(limit, of: scored)
    }

    /// The first `limit` of scored candidates in deleveraging order (highest score first, ties by
    /// account): selected in one pass (O(n) for a small limit) rather than by sorting them all.
    static func first(_ limit: Int, of scored: [RankedCandidate]) -> [RankedCandidate] {
        func precedes(_ a: RankedCandidate, _ b: RankedCandidate) -> Bool {
            a.score != b.score ? a.score > b.score : a.candidate.account < b.candidate.account
        }
        guard scored.count > limit else { return scored.sorted(by: precedes) }
        var best: [RankedCandidate] = []
        for entry in scored where best.count < limit || precedes(entry, best[best.count - 1]) {
            let place = best.firstIndex { precedes(entry, $0) } ?? best.count
            best.insert(entry, at: place)
            if best.count > limit { best.removeLast() }
        }
        return best
    }

    /// A side's full deleveraging order by ranking every candidate now (the reference for the
    /// kept queue).
    public func rankedDeleveraging(market: MarketID, long: Bool, ranking: AutoDeleveraging.Ranking) -> [AccountID] {
        guard let marketIndex = marketIndexByID[market] else { return [] }
        return AutoDeleveraging.ranked(
            deleveragingCandidates(marketIndex: marketIndex, excluding: -1, -1, long: long), by: ranking
        ).map(\.account)
    }

    /// The kept order of a side, if current (tests compare it with a full re-ranking).
    public func keptDeleveragingOrder(market: MarketID, long: Bool) -> [AccountID]? {
        guard let marketIndex = marketIndexByID[market],
            let queue = liquidationBook.deleveragingQueues[Self.queueSlot(marketIndex, long: long)],
            queue.version == liquidationBook.stateVersion
        else { return nil }
        return queue.order
    }

    /// Whether a step liquidating `account` in `market` could rank its counterparties' side from
    /// scratch: the market deleverages and that side's kept queue is not current.
    func mayScanDeleveraging(account: AccountID, market: MarketID) -> Bool {
        guard let marketIndex = marketIndexByID[market], let accountIndex = accountIndexByID[account],
            case .autoDeleveraging(let ranking, _) = markets[Int(marketIndex)].liquidation?.lossAllocation,
            let slot = accounts[Int(accountIndex)].positionSlot(marketIndex: marketIndex)
        else { return false }
        let long = accounts[Int(accountIndex)].positions[slot].size > 0
        guard let queue = liquidationBook.deleveragingQueues[Self.queueSlot(marketIndex, long: !long)] else {
            return true
        }
        return queue.version != liquidationBook.stateVersion || queue.ranking != ranking
    }

    static func queueSlot(_ marketIndex: Int32, long: Bool) -> Int { Int(marketIndex) * 2 + (long ? 1 : 0) }

    /// After a step is applied: patch every current queue for the accounts the step touched,
    /// and build the queue of the side a deleveraging step drew on if it is not current.
    mutating func updateDeleveragingQueues(after step: LiquidationStep, marketIndex: Int32, touched: [Int32]) {
        for slot in liquidationBook.deleveragingQueues.indices
        where liquidationBook.deleveragingQueues[slot]?.version == liquidationBook.stateVersion {
            let queueMarket = Int32(slot / 2)
            let long = slot % 2 == 1
            for accountIndex in touched where accountIndex != 0 {
                let candidate = deleveragingCandidate(accountIndex: accountIndex, marketIndex: queueMarket, long: long)
                liquidationBook.deleveragingQueues[slot]!.replace(accountIndex: accountIndex, with: candidate)
            }
        }
        guard case .autoDeleveraging(let ranking, _) = markets[Int(marketIndex)].liquidation?.lossAllocation,
            step.reallocated > 0 || !step.counterparties.isEmpty
        else { return }
        // The counterparties stand on the side opposite the liquidated position.
        let slot = Self.queueSlot(marketIndex, long: !step.long)
        if liquidationBook.deleveragingQueues[slot]?.version != liquidationBook.stateVersion
            || liquidationBook.deleveragingQueues[slot]?.ranking != ranking
        {
            if let scan = planMemo?.deleveragingScan, scan.slot == slot, scan.ranking == ranking,
                scan.version == liquidationBook.stateVersion
            {
                // The plan's candidates, from the state before the step: every account the step
                // touched (and any the plan left out) is ranked again from the state after it.
                var queue = DeleveragingQueue(
                    version: liquidationBook.stateVersion, ranking: ranking, candidates: scan.candidates)
                for accountIndex in touched + scan.excluded where accountIndex > 0 {
                    queue.replace(
                        accountIndex: accountIndex,
                        with: deleveragingCandidate(
                            accountIndex: accountIndex, marketIndex: marketIndex, long: !step.long))
                }
                liquidationBook.deleveragingQueues[slot] = queue
                return
            }
            liquidationBook.deleveragingQueues[slot] = DeleveragingQueue(
                version: liquidationBook.stateVersion, ranking: ranking,
                candidates: indexedDeleveragingCandidates(marketIndex: marketIndex, excluding: -1, -1, long: !step.long)
            )
        }
    }

    /// Socialized shares of `loss` over opposite positions in profit, weighted by unrealized
    /// profit, each capped by what the payer holds (wallet, or an isolated position's margin).
    func socializedShares(
        _ loss: Int64, marketIndex: Int32, excluding: Int32, _ alsoExcluding: Int32, long: Bool
    ) -> [(Int64, LegApplied)] {
        var holders: [(account: AccountID, weight: Int64)] = []
        for accountIndex in scanTables[Int(marketIndex)].accountIndex
        where accountIndex != 0 && accountIndex != excluding && accountIndex != alsoExcluding {
            let account = accounts[Int(accountIndex)]
            guard let slot = account.positionSlot(marketIndex: marketIndex) else { continue }
            let position = account.positions[slot]
            guard (position.size > 0) == long,
                case .success(let risk) = positionRisk(position, leverage: 0, override: nil, now: nil),
                risk.unrealizedPnl > 0
            else { continue }
            holders.append((account.id, risk.unrealizedPnl))
        }
        let settle = markets[Int(marketIndex)].settleAssetIndex
        var result: [(Int64, LegApplied)] = []
        for (id, share) in SocializedLoss.distribute(loss, among: holders) where share > 0 {
            let account = accounts[Int(accountIndexByID[id]!)]
            let slot = account.positionSlot(marketIndex: marketIndex)!
            var position = account.positions[slot]
            var wallet = account.balance(assetIndex: settle)
            let paid: Int64
            if position.isolated {
                paid = min(share, max(0, position.isolatedMargin))
                position.isolatedMargin -= paid
            } else {
                paid = min(share, max(0, wallet))
                wallet -= paid
            }
            guard paid > 0 else { continue }
            result.append(
                (
                    paid,
                    LegApplied(
                        account: id, realizedPnl: -paid, fee: 0, isolatedTransfer: 0, walletAfter: wallet,
                        positionAfter: position)
                ))
        }
        return result
    }

}

/// What planning a command computed that applying it can reuse, kept only for the length of one
/// `Engine.execute` (created before the plan, dropped after the apply): a value the plan derives
/// from the state it planned on, which the apply would otherwise compute again.
final class PlanMemo: @unchecked Sendable {
    var deleveragingScan: DeleveragingScan?
}

/// Every candidate of one side of a market, as a step's plan ranked them.
struct DeleveragingScan {
    var slot: Int
    var version: UInt64
    var ranking: AutoDeleveraging.Ranking
    /// Accounts the scan left out (the liquidated account, the step's taker; -1 or 0: none).
    var excluded: [Int32]
    var candidates: [(accountIndex: Int32, candidate: AutoDeleveraging.Candidate)]
}
