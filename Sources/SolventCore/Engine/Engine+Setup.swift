/// Assets, markets, parameters, accounts, leverage and margin models, planned and applied (prices:
/// `Engine+Oracle` for marks, `Engine+CollateralOracle` for collateral).
extension Engine {
    func planCreateAsset(_ spec: AssetSpec) -> Result<[Event], Rejection> {
        if assetIndexByID[spec.id] != nil {
            return .failure(Rejection(.assetExists, field: "asset.id", "asset \(spec.id) already exists"))
        }
        if assets.count >= Limits.assets {
            return .failure(Rejection(.limitReached, field: "asset", "at most \(Limits.assets) assets"))
        }
        if spec.collateralTiers.count > Limits.collateralTiersPerAsset {
            return .failure(
                Rejection(
                    .limitReached, field: "asset.collateralTiers", "at most \(Limits.collateralTiersPerAsset) tiers"))
        }
        if let (field, reason) = spec.validate() {
            return .failure(Rejection(.invalidParameter, field: "asset.\(field)", reason))
        }
        return .success([.assetCreated(spec)])
    }

    func planCreateMarket(_ spec: MarketSpec, _ parameters: RiskParameters) -> Result<[Event], Rejection> {
        if marketIndexByID[spec.id] != nil {
            return .failure(Rejection(.marketExists, field: "market.id", "market \(spec.id) already exists"))
        }
        if markets.count >= Limits.markets {
            return .failure(Rejection(.limitReached, field: "market", "at most \(Limits.markets) markets"))
        }
        if let error = spec.validate() {
            return .failure(Rejection(.invalidParameter, field: "market.\(error.field)", error.reason))
        }
        guard assetIndexByID[spec.settleAsset] != nil else {
            return .failure(
                Rejection(.unknownAsset, field: "market.settleAsset", "no asset with id \(spec.settleAsset)"))
        }
        if let error = parameters.validate() {
            return .failure(Rejection(.invalidParameter, field: "parameters.\(error.field)", error.reason))
        }
        if let rejection = refuseOptionMarket(spec) { return .failure(rejection) }
        return .success([.marketCreated(spec, parameters)])
    }

    func planSetRiskParameters(_ market: MarketID, _ parameters: RiskParameters) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            _ = try marketIndex(market, field: "market").get()
            if let error = parameters.validate() {
                throw Rejection(.invalidParameter, field: "parameters.\(error.field)", error.reason)
            }
            return [.riskParametersSet(market: market, parameters)]
        }
    }

    func planOpenAccount(_ id: AccountID) -> Result<[Event], Rejection> {
        if id == .venue {
            return .failure(Rejection(.reservedAccount, field: "account", "account 0 is the venue's own book"))
        }
        if accountIndexByID[id] != nil {
            return .failure(Rejection(.accountExists, field: "account", "account \(id) is already open"))
        }
        if accounts.count >= Limits.accounts {
            return .failure(Rejection(.limitReached, field: "account", "at most \(Limits.accounts) accounts"))
        }
        return .success([.accountOpened(id)])
    }

    func planSetLeverage(
        _ account: AccountID, _ market: MarketID, _ leverage: Int64, _ isolated: Bool
    )
        -> Result<[Event], Rejection>
    {
        Result { () throws(Rejection) -> [Event] in
            let (accountIndex, marketIndex) = try accountAndMarket(account, market).get()
            if account == .venue {
                throw Rejection(.reservedAccount, field: "account", "the venue's book has no leverage setting")
            }
            let maximum = markets[Int(marketIndex)].parameters.margin.maximumLeverage
            guard leverage >= 1, leverage <= maximum else {
                throw Rejection(.leverageOutOfRange, field: "leverage", "between 1 and \(maximum) for market \(market)")
            }
            let holder = accounts[Int(accountIndex)]
            if let slot = holder.positionSlot(marketIndex: marketIndex), holder.positions[slot].isolated != isolated {
                throw Rejection(
                    .marginModeLocked, field: "isolated",
                    "close the position in market \(market) before changing its margin mode")
            }
            var after = holder
            after.setSetting(Account.MarketSetting(marketIndex: marketIndex, leverage: leverage, isolated: isolated))
            if after.positionSlot(marketIndex: marketIndex) != nil,
                leverage < (holder.setting(marketIndex: marketIndex)?.leverage ?? .max)
            {
                // Lowering leverage raises the initial requirement: it is a user action (invariant 5).
                if let rejection = requireInitialMargin(after, marketIndex: marketIndex, field: "leverage") {
                    throw rejection
                }
            }
            return [.leverageSet(account: account, market: market, leverage: leverage, isolated: isolated)]
        }
    }

    /// nil if the account after a user action meets initial margin in every pool the action
    /// touched (its cross pool, and the isolated pool of `marketIndex` if isolated).
    func requireInitialMargin(_ account: Account, marketIndex: Int32?, field: String) -> Rejection? {
        switch crossPool(of: account, now: now) {
        case .failure(let error): return .from(error, field: field)
        case .success(let pool) where !pool.meetsInitial:
            return Rejection(
                .insufficientInitialMargin, field: field,
                "account \(account.id) would hold equity \(Value(atoms: pool.equity)) USD below its initial margin \(Value(atoms: pool.initial)) USD"
            )
        case .success: break
        }
        if let marketIndex, let slot = account.positionSlot(marketIndex: marketIndex), account.positions[slot].isolated
        {
            switch pool(of: account, marketIndex: marketIndex, now: now) {
            case .failure(let error): return .from(error, field: field)
            case .success(let pool) where !pool.meetsInitial:
                return Rejection(
                    .insufficientInitialMargin, field: field,
                    "the isolated position of account \(account.id) in market \(markets[Int(marketIndex)].spec.id) would fall below its initial margin"
                )
            case .success: break
            }
        }
        return nil
    }

    func planSetMarginModel(_ account: AccountID, _ model: AccountMarginModel) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let index = try accountIndex(account, field: "account").get()
            if account == .venue {
                throw Rejection(.reservedAccount, field: "account", "the venue's book has no margin model")
            }
            var holder = accounts[Int(index)]
            let previous = holder.marginModel
            holder.marginModel = model
            // A model that asks more is a user action (invariant 5); one that asks less is not refused.
            if previous != model, let rejection = requireInitialMargin(holder, marketIndex: nil, field: "model") {
                throw rejection
            }
            let event = Event.marginModelSet(account: account, model)
            var after = self
            after.auditsEveryEvent = false
            after.apply(event)
            return [event] + after.crossPoolStateChanges(accountIndices: [index])
        }
    }

    /// Applies the set-up events: an asset, a market (with its scan table, trigger index and
    /// deleveraging slots), new risk parameters, an account, a leverage setting, a margin model.
    mutating func applySetup(_ event: Event) {
        switch event {
        case .assetCreated(let spec):
            assetIndexByID[spec.id] = Int32(assets.count)
            assets.append(AssetState(spec: spec))
        case .marketCreated(let spec, let parameters):
            let settle = assetIndexByID[spec.settleAsset]!
            marketIndexByID[spec.id] = Int32(markets.count)
            markets.append(
                MarketState(
                    spec: spec, parameters: parameters, settleAssetIndex: settle,
                    settleScale: assets[Int(settle)].spec.scale))
            var table = MaintenanceScanTable()
            table.configure(parameters.margin)
            scanTables.append(table)
            triggerIndexes.append(MarketTriggers())
            liquidationBook.addMarket()
            linkOption(marketIndex: markets.count - 1)
        case .riskParametersSet(let market, let parameters):
            let index = Int(marketIndexByID[market]!)
            markets[index].parameters = parameters
            scanTables[index].configure(parameters.margin)
            reindexTriggers(marketIndex: index)
        case .accountOpened(let id):
            accountIndexByID[id] = Int32(accounts.count)
            accounts.append(Account(id: id))
        case .leverageSet(let account, let market, let leverage, let isolated):
            let index = Int(accountIndexByID[account]!)
            accounts[index].setSetting(
                Account.MarketSetting(marketIndex: marketIndexByID[market]!, leverage: leverage, isolated: isolated))
        case .marginModelSet(let account, let model):
            let index = Int(accountIndexByID[account]!)
            accounts[index].marginModel = model
            refreshScanRows(accountIndex: index)
        default:
            preconditionFailure("not a set-up event: \(event)")
        }
    }
}
