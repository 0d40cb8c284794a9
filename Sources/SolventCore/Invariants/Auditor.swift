/// Checks the global invariants of DESIGN.md §5 over the whole state. Tests and the seeded
/// simulation run it after every input; it returns every violation it finds (empty: all hold).
public enum Auditor {
    public static func violations(in engine: Engine) -> [String] {
        var found: [String] = []
        checkConservation(engine, &found)
        checkOpenInterest(engine, &found)
        checkShape(engine, &found)
        checkAuctions(engine, &found)
        return found
    }

    /// 1. Per asset, to the atom: user cash (wallets + isolated margins − position costs) +
    /// insurance fund + fee pool + dust + outside world = 0. System lines are never negative.
    /// (Per-market figures are read once into plain arrays: the checks run after every event.)
    static func checkConservation(_ engine: Engine, _ found: inout [String]) {
        var total = [Int128](repeating: 0, count: engine.assets.count)
        let settleOf = engine.markets.map { Int($0.settleAssetIndex) }
        for account in engine.accounts {
            for balance in account.balances { total[Int(balance.assetIndex)] += Int128(balance.atoms) }
            for position in account.positions {
                total[settleOf[Int(position.marketIndex)]] += Int128(position.isolatedMargin) - Int128(position.cost)
            }
        }
        for (index, asset) in engine.assets.enumerated() {
            total[index] +=
                Int128(asset.insuranceFund) + Int128(asset.feePool) + Int128(asset.dust) + Int128(asset.outside)
                + Int128(asset.deficit)
            if total[index] != 0 {
                found.append("conservation: asset \(asset.spec.symbol) is off by \(total[index]) atoms")
            }
            if asset.insuranceFund < 0 { found.append("insurance fund of \(asset.spec.symbol) is negative") }
            if asset.feePool < 0 { found.append("fee pool of \(asset.spec.symbol) is negative") }
            if asset.dust < 0 { found.append("dust of \(asset.spec.symbol) is negative") }
            if asset.deficit > 0 { found.append("deficit of \(asset.spec.symbol) is positive") }
        }
    }

    /// 3. Per market: long sizes equal short sizes (the venue's book included).
    static func checkOpenInterest(_ engine: Engine, _ found: inout [String]) {
        var net = [Int128](repeating: 0, count: engine.markets.count)
        for account in engine.accounts {
            for position in account.positions { net[Int(position.marketIndex)] += Int128(position.size) }
        }
        for (index, market) in engine.markets.enumerated() where net[index] != 0 {
            found.append("open interest: market \(market.spec.symbol) nets to \(net[index]) atoms")
        }
    }

    /// Structure: no empty positions, sorted arrays, scan rows pointing back at their positions,
    /// row flags mirroring pool flags, one row per position.
    static func checkShape(_ engine: Engine, _ found: inout [String]) {
        let rowAccounts = engine.scanTables.map(\.accountIndex)
        let rowFlags = engine.scanTables.map(\.alert)
        var holders = [Int](repeating: 0, count: engine.markets.count)
        for (accountIndex, account) in engine.accounts.enumerated() {
            if !zip(account.balances, account.balances.dropFirst()).allSatisfy({ $0.assetIndex < $1.assetIndex }) {
                found.append("account \(account.id): balances out of order")
            }
            if !zip(account.positions, account.positions.dropFirst()).allSatisfy({ $0.marketIndex < $1.marketIndex }) {
                found.append("account \(account.id): positions out of order")
            }
            for position in account.positions {
                let market = Int(position.marketIndex)
                holders[market] += 1
                if position.size == 0 { found.append("account \(account.id): empty position") }
                let row = Int(position.scanRow)
                if row < 0 || row >= rowAccounts[market].count || rowAccounts[market][row] != Int32(accountIndex) {
                    found.append("account \(account.id): scan row of market \(position.market) is wrong")
                    continue
                }
                // The row's flag mirrors the pool's (detection indexes rows by it).
                let flag = rowFlags[market][row]
                if flag == 0 && engine.liquidationBook.alertsByPool.isEmpty { continue }
                let key = PoolKey(account: account.id, isolatedMarket: position.isolated ? position.market : nil)
                let expected = engine.liquidationBook.alertsByPool[key]?.rowFlag ?? 0
                if flag != expected {
                    found.append(
                        "account \(account.id): scan row flag \(flag) of market \(position.market), pool flag \(expected)"
                    )
                }
            }
        }
        for (index, market) in engine.markets.enumerated() where holders[index] != rowAccounts[index].count {
            found.append(
                "market \(market.spec.symbol): \(rowAccounts[index].count) scan rows for \(holders[index]) positions")
        }
    }

    /// Open auctions: sorted by id, a positive lot, on an auction market, at most one per
    /// account and market.
    static func checkAuctions(_ engine: Engine, _ found: inout [String]) {
        for (previous, next) in zip(engine.auctions, engine.auctions.dropFirst()) where previous.id >= next.id {
            found.append("auctions out of order at \(next.id)")
        }
        var seen = Set<PoolKey>()  // membership only: nothing is decided by its order
        for auction in engine.auctions {
            if auction.lot <= 0 { found.append("auction \(auction.id): lot \(auction.lot)") }
            guard let market = engine.markets.first(where: { $0.spec.id == auction.market }),
                case .auction = market.liquidation?.mechanism
            else {
                found.append("auction \(auction.id): market \(auction.market) does not auction")
                continue
            }
            if !seen.insert(PoolKey(account: auction.account, isolatedMarket: auction.market)).inserted {
                found.append(
                    "auction \(auction.id): a second auction of account \(auction.account) in market \(auction.market)")
            }
        }
    }
}
