/// Where a loss the insurance fund cannot carry goes (issue #4, item 6): auto-deleveraging of
/// ranked opposite positions at the bankruptcy price, or a pro-rata socialized share of the
/// opposite positions in profit.
extension Engine {
    /// An account's place in the auto-deleveraging queue of its side of a market: 1 is
    /// deleveraged first. nil without a position (or for the venue's book).
    public func deleveragingRank(account id: AccountID, market: MarketID, ranking: AutoDeleveraging.Ranking) -> (rank: Int, of: Int)? {
        guard let accountIndex = accountIndexByID[id], let marketIndex = marketIndexByID[market], id != .venue,
              let slot = accounts[Int(accountIndex)].positionSlot(marketIndex: marketIndex) else { return nil }
        let long = accounts[Int(accountIndex)].positions[slot].size > 0
        let queue = AutoDeleveraging.ranked(deleveragingCandidates(marketIndex: marketIndex, excluding: -1, -1, long: long), by: ranking)
        guard let place = queue.firstIndex(where: { $0.account == id }) else { return nil }
        return (place + 1, queue.count)
    }

    /// Opposite positions that could be deleveraged, with what the ranking needs: notional as the
    /// mark value, |cost| as the entry value, and notional − pool equity as the bankruptcy value
    /// (so effective leverage is notional / equity). The venue's book and the liquidated account
    /// are excluded, and so is the step's taker (an auction's bidder); the order comes from the
    /// ranking, ties by account id.
    func deleveragingCandidates(marketIndex: Int32, excluding: Int32, _ alsoExcluding: Int32, long: Bool) -> [AutoDeleveraging.Candidate] {
        var candidates: [AutoDeleveraging.Candidate] = []
        for accountIndex in scanTables[Int(marketIndex)].accountIndex
        where accountIndex != 0 && accountIndex != excluding && accountIndex != alsoExcluding {
            let account = accounts[Int(accountIndex)]
            guard let slot = account.positionSlot(marketIndex: marketIndex) else { continue }
            let position = account.positions[slot]
            guard (position.size > 0) == long,
                  case .success(let risk) = positionRisk(position, leverage: leverage(of: account, marketIndex: marketIndex), override: nil, now: nil),
                  case .success(let pool) = self.pool(of: account, marketIndex: marketIndex), pool.equity > 0 else { continue }
            // Unsigned values so PnL% = unrealized PnL / |cost| for either side, and effective
            // leverage = value at mark / pool equity.
            let entryValue = Double(max(1, abs(position.cost)))
            let markValue = entryValue + Double(risk.unrealizedPnl)
            candidates.append(AutoDeleveraging.Candidate(account: account.id, size: Int64(position.size.magnitude),
                                                         markValue: markValue, entryValue: entryValue,
                                                         bankruptcyValue: markValue - Double(pool.equity)))
        }
        return candidates
    }

    /// Socialized shares of `loss` over opposite positions in profit, weighted by unrealized
    /// profit, each capped by what the payer holds (wallet, or an isolated position's margin).
    func socializedShares(_ loss: Int64, marketIndex: Int32, excluding: Int32, _ alsoExcluding: Int32, long: Bool) -> [(Int64, LegApplied)] {
        var holders: [(account: AccountID, weight: Int64)] = []
        for accountIndex in scanTables[Int(marketIndex)].accountIndex
        where accountIndex != 0 && accountIndex != excluding && accountIndex != alsoExcluding {
            let account = accounts[Int(accountIndex)]
            guard let slot = account.positionSlot(marketIndex: marketIndex) else { continue }
            let position = account.positions[slot]
            guard (position.size > 0) == long,
                  case .success(let risk) = positionRisk(position, leverage: 0, override: nil, now: nil), risk.unrealizedPnl > 0 else { continue }
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
            result.append((paid, LegApplied(account: id, realizedPnl: -paid, fee: 0, isolatedTransfer: 0, walletAfter: wallet,
                                            positionAfter: position)))
        }
        return result
    }

}
