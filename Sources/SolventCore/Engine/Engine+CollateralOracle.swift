/// Collateral prices through the oracle: several sources, the same staleness, band and minimum
/// rules as a market's index, a breaker, a paced rise of the credited price, and the margin
/// states of the accounts holding the asset checked on every move (not only on a mark update);
/// and an index price set directly, for an asset without an oracle.
extension Engine {
    func planSetIndexPrice(_ asset: AssetID, _ price: Price) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let index = try assetIndex(asset, field: "asset").get()
            guard price.atoms > 0 else {
                throw Rejection(.nonPositivePrice, field: "price", "expected a positive price")
            }
            // No price reaches equity past the oracle's defences.
            if assets[Int(index)].oracle != nil {
                throw Rejection(
                    .pricedByOracle, field: "asset",
                    "asset \(asset) is priced by its collateral oracle: send its sources' samples instead")
            }
            return [.indexPriceSet(asset: asset, price: price)]
        }
    }

    func planConfigureCollateralOracle(_ asset: AssetID, _ config: CollateralOracleConfig) -> Result<[Event], Rejection>
    {
        if case .failure(let rejection) = assetIndex(asset, field: "asset") { return .failure(rejection) }
        if let error = config.validate() {
            return .failure(Rejection(.invalidParameter, field: "oracle.\(error.field)", "expected \(error.reason)"))
        }
        return .success([.collateralOracleConfigured(asset: asset, config)])
    }

    func planUpdateCollateralOracle(_ asset: AssetID, _ samples: [OracleSample]) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let assetIndex = try self.assetIndex(asset, field: "asset").get()
            let current = assets[Int(assetIndex)]
            guard var state = current.oracle else {
                throw Rejection(
                    .oracleNotConfigured, field: "asset", "configure the collateral oracle of asset \(asset) first")
            }
            if samples.isEmpty || samples.count > 2 * Limits.oracleSourcesPerMarket {
                throw Rejection(
                    .invalidParameter, field: "samples",
                    "expected 1 to \(2 * Limits.oracleSourcesPerMarket) samples")
            }
            let computation = IndexAggregator.aggregate(samples, config: state.config.aggregatorConfig, now: now)
            var credited: Int64? = nil
            if let index = computation.index?.atoms {
                state.index = index
                if state.frozen {
                    state.goodUpdatesSinceFreeze += 1
                    if state.goodUpdatesSinceFreeze >= state.config.resumeAfterGoodUpdates {
                        state.frozen = false
                        state.goodUpdatesSinceFreeze = 0
                    }
                }
                if !state.frozen {
                    credited = CollateralOracleState.creditPrice(
                        index: index, credited: current.price, elapsed: now.nanoseconds - current.priceTime.nanoseconds,
                        maxRisePerHour: state.config.maxRisePerHour)
                }
            } else {
                state.frozen = true
                state.goodUpdatesSinceFreeze = 0
            }
            let update = CollateralPriceUpdate(
                asset: asset, index: computation.index, price: credited.map(Price.init(atoms:)), used: computation.used,
                excluded: computation.excluded, failure: computation.failure, frozen: state.frozen)
            let events: [Event] = [.collateralPriceUpdated(update), .collateralOracleStateChanged(asset: asset, state)]
            guard credited != nil else { return events }
            // The pools of the accounts that hold the asset, at the price just credited (checked on
            // every credited update, as a mark update checks its market's pools even when unchanged).
            var after = self
            for event in events { after.apply(event) }
            return events + after.collateralStateChanges(assetIndex: assetIndex)
        }
    }

    /// Whether an account holds a balance of an asset whose collateral oracle is frozen (its
    /// withdrawals that need margin wait), and which.
    func frozenCollateral(of account: Account) -> AssetID? {
        for balance in account.balances where balance.atoms != 0 {
            if assets[Int(balance.assetIndex)].oracle?.frozen == true { return assets[Int(balance.assetIndex)].spec.id }
        }
        return nil
    }

    /// Margin state changes of the pools that hold `assetIndex` (cross pools with a balance of
    /// it, isolated positions settled in it), on the current state: flagged or worsened first,
    /// worst first, then cleared, as a mark update orders them. Each names the first market of
    /// its pool and that market's mark.
    func collateralStateChanges(assetIndex: Int32) -> [Event] {
        var changes: [(change: PoolStateChange, market: MarketID, mark: Int64)] = []
        for account in accounts where !account.isVenue && !account.positions.isEmpty {
            let holds = account.balances.contains { $0.assetIndex == assetIndex && $0.atoms != 0 }
            var seen = Set<PoolKey>()
            for position in account.positions {
                let market = markets[Int(position.marketIndex)]
                guard holds || market.settleAssetIndex == assetIndex, market.mark > 0 else { continue }
                let key = PoolKey(account: account.id, isolatedMarket: position.isolated ? market.spec.id : nil)
                guard seen.insert(key).inserted,
                    case .success(let pool) = self.pool(of: account, marketIndex: position.marketIndex)
                else { continue }
                let before = alert(for: key)
                var after: MarginAlert? =
                    pool.status >= .liquidatable ? .liquidating : pool.status == .marginCall ? .marginCall : nil
                if before == .liquidating && after != .liquidating
                    && !clearsExitBuffer(pool, buffer: market.parameters.liquidationExitBuffer)
                {
                    after = .liquidating
                }
                if before != after {
                    let change = PoolStateChange(pool: pool, account: account.id, key: key, from: before, to: after)
                    changes.append((change, market.spec.id, market.mark))
                }
            }
        }
        let flagged = changes.filter { $0.change.to != nil }.sorted {
            Engine.isWorse($0.change.pool, $0.change.account, than: $1.change.pool, $1.change.account)
        }
        let cleared = changes.filter { $0.change.to == nil }.sorted { $0.change.key < $1.change.key }
        return (flagged + cleared).map { entry in
            .marginStateChanged(
                MarginStateChange(
                    pool: entry.change.key, market: entry.market, mark: Price(atoms: entry.mark),
                    from: entry.change.from, to: entry.change.to, status: entry.change.pool.status,
                    equity: entry.change.pool.equity, maintenance: entry.change.pool.maintenance))
        }
    }

    /// Applies the events that price an asset: a direct index price, a collateral oracle's
    /// configuration, a credited price and the oracle's state.
    mutating func applyAssetPricing(_ event: Event) {
        switch event {
        case .indexPriceSet(let asset, let price):
            let index = Int(assetIndexByID[asset]!)
            assets[index].price = price.atoms
            assets[index].priceTime = now
        case .collateralOracleConfigured(let asset, let config):
            let index = Int(assetIndexByID[asset]!)
            var state = CollateralOracleState(config: config)
            state.index = assets[index].oracle?.index ?? 0
            state.frozen = assets[index].oracle?.frozen ?? false
            assets[index].oracle = state
        case .collateralPriceUpdated(let update):
            if let price = update.price {
                let index = Int(assetIndexByID[update.asset]!)
                assets[index].price = price.atoms
                assets[index].priceTime = now
            }
        case .collateralOracleStateChanged(let asset, let state):
            assets[Int(assetIndexByID[asset]!)].oracle = state
        default: preconditionFailure("not an asset pricing event: \(event)")
        }
    }
}
