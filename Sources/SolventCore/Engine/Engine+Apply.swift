/// Applying events: assignments of the state each event carries, with the cheap runtime checks
/// of DESIGN.md §5 as preconditions. Applying an event cannot fail.
extension Engine {
    mutating func apply(_ event: Event) {
        switch event {
        case .marginStateChanged, .positionLiquidated, .oracleStateChanged, .backstopsChanged, .auctionUpdated,
            .breakerTripped, .breakerResumed, .ticked, .commitmentRecorded:
            break
        default:
            stateVersion &+= 1
        }
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
            deleveragingQueues.append(contentsOf: [nil, nil])
            linkOption(marketIndex: markets.count - 1)
        case .riskParametersSet(let market, let parameters):
            let index = Int(marketIndexByID[market]!)
            markets[index].parameters = parameters
            scanTables[index].configure(parameters.margin)
            reindexTriggers(marketIndex: index)
        case .accountOpened(let id):
            accountIndexByID[id] = Int32(accounts.count)
            accounts.append(Account(id: id))
        case .deposited(let account, let asset, let amount, let balanceAfter):
            let assetIndex = assetIndexByID[asset]!
            assets[Int(assetIndex)].outside -= amount.atoms
            setWallet(account, assetIndex: assetIndex, to: balanceAfter.atoms)
        case .withdrawn(let account, let asset, let amount, let balanceAfter):
            let assetIndex = assetIndexByID[asset]!
            assets[Int(assetIndex)].outside += amount.atoms
            setWallet(account, assetIndex: assetIndex, to: balanceAfter.atoms)
        case .leverageSet(let account, let market, let leverage, let isolated):
            let index = Int(accountIndexByID[account]!)
            accounts[index].setSetting(
                Account.MarketSetting(
                    marketIndex: marketIndexByID[market]!,
                    leverage: leverage, isolated: isolated))
        case .isolatedMarginAdjusted(let account, let market, _, let marginAfter, let walletAfter):
            let index = Int(accountIndexByID[account]!)
            let marketIndex = marketIndexByID[market]!
            let slot = accounts[index].positionSlot(marketIndex: marketIndex)!
            accounts[index].positions[slot].isolatedMargin = marginAfter.atoms
            accounts[index].setBalance(assetIndex: markets[Int(marketIndex)].settleAssetIndex, atoms: walletAfter.atoms)
            refreshScanRows(accountIndex: index)
        case .fillApplied(let applied):
            let marketIndex = marketIndexByID[applied.fill.market]!
            let settle = markets[Int(marketIndex)].settleAssetIndex
            let buyer = Int(accountIndexByID[applied.buyer.account]!)
            let seller = Int(accountIndexByID[applied.seller.account]!)
            let before = cash(accountIndex: buyer, assetIndex: settle) &+ cash(accountIndex: seller, assetIndex: settle)
            applyLeg(applied.buyer, accountIndex: buyer, marketIndex: marketIndex)
            applyLeg(applied.seller, accountIndex: seller, marketIndex: marketIndex)
            let after = cash(accountIndex: buyer, assetIndex: settle) &+ cash(accountIndex: seller, assetIndex: settle)
            let fees = applied.buyer.fee &+ applied.seller.fee
            assets[Int(settle)].feePool &+= fees
            assets[Int(settle)].dust &+= applied.dust
            precondition(after &- before &+ fees &+ applied.dust == 0, "a fill must conserve money")
        case .indexPriceSet, .collateralOracleConfigured, .collateralPriceUpdated, .collateralOracleStateChanged:
            applyAssetPricing(event)
        case .markPriceSet(let market, let mark, let index):
            let marketIndex = Int(marketIndexByID[market]!)
            markets[marketIndex].mark = mark.atoms
            markets[marketIndex].markTime = now
            if let index { markets[marketIndex].index = index.atoms }
            recordSettlementPrice(marketIndex: marketIndex, price: index?.atoms ?? mark.atoms)
            flushTriggers(marketIndex: marketIndex)
            remarkOptions(underlyingIndex: marketIndex)
        case .fundingSettled(let settlement), .marketSettled(let settlement):
            applySettlement(
                settlement, closes: { if case .marketSettled = event { return true } else { return false } }())
        case .ticked, .breakerTripped, .breakerResumed:
            break
        case .oracleConfigured(let market, let config):
            let index = Int(marketIndexByID[market]!)
            var state = OracleState(config: config, now: now)
            if let previous = markets[index].oracle {
                // Reconfiguring keeps the running state (breakers, basis, funding accumulator).
                state = previous
                state.config = config
            }
            markets[index].oracle = state
        case .indexUpdated(let update):
            let index = Int(marketIndexByID[update.market]!)
            if let mark = update.mark {
                markets[index].mark = mark.atoms
                markets[index].markTime = now
                flushTriggers(marketIndex: index)
                remarkOptions(underlyingIndex: index)
            }
            if let value = update.index { markets[index].index = value.atoms }
            if let price = update.index ?? update.mark { recordSettlementPrice(marketIndex: index, price: price.atoms) }
        case .marginStateChanged(let change):
            applyMarginStateChange(change)
        case .liquidationConfigured(let market, let parameters):
            markets[Int(marketIndexByID[market]!)].liquidation = parameters
        case .positionLiquidated(let step):
            applyLiquidationStep(step)
        case .commitmentRecorded(let root):
            latestCommitment = root
        case .volatilitySmileSet(let underlying, let smile):
            applyVolatilitySmile(underlying: underlying, smile)
        case .marginModelSet(let account, let model):
            let index = Int(accountIndexByID[account]!)
            accounts[index].marginModel = model
            refreshScanRows(accountIndex: index)
        case .portfolioMarginConfigured(let rules):
            portfolioMargin = rules
        case .varMarginConfigured(let rules):
            varMargin = rules
        case .spanMarginConfigured(let rules):
            spanMargin = rules
        case .greeksMarginConfigured(let rules):
            greeksMargin = rules
        case .spreadCreditsConfigured(let rules):
            spreadCredits = rules
        case .backstopsChanged(let market, let backstops):
            markets[Int(marketIndexByID[market]!)].backstops = backstops
        case .auctionStarted(let auction, let payment):
            auctions.append(auction)
            if let payment { applyKeeperPayment(payment) }
        case .auctionReset(let auction, let payment):
            auctions[auctions.binarySearch(id: auction.id)!] = auction
            if let payment { applyKeeperPayment(payment) }
        case .auctionUpdated(let id, let lot):
            let index = auctions.binarySearch(id: id)!
            if lot == 0 { auctions.remove(at: index) } else { auctions[index].lot = lot }
        case .deficitCovered(let asset, let amount):
            let index = Int(assetIndexByID[asset]!)
            assets[index].deficit += amount.atoms
            assets[index].outside -= amount.atoms
        case .insuranceFunded(let asset, let amount):
            let index = Int(assetIndexByID[asset]!)
            assets[index].insuranceFund += amount.atoms
            assets[index].outside -= amount.atoms
        case .oracleStateChanged(let market, let state):
            markets[Int(marketIndexByID[market]!)].oracle = state
        case .positionImported(let imported):
            let marketIndex = marketIndexByID[imported.market]!
            applyLeg(imported.account, marketIndex: marketIndex)
            applyLeg(imported.venue, marketIndex: marketIndex)
            assets[Int(markets[Int(marketIndex)].settleAssetIndex)].dust &+= imported.dust
        }
    }

    private mutating func setWallet(_ account: AccountID, assetIndex: Int32, to atoms: Int64) {
        let index = Int(accountIndexByID[account]!)
        accounts[index].setBalance(assetIndex: assetIndex, atoms: atoms)
        refreshScanRows(accountIndex: index)
    }

    /// An account's cash in a market's settlement asset: wallet + isolated margins − costs of the
    /// positions settling in it. Fills and settlements move it; the sum over all holders plus the
    /// system's lines never changes.
    func cashOf(_ account: AccountID, _ marketIndex: Int32) -> Int64 {
        cash(accountIndex: Int(accountIndexByID[account]!), assetIndex: markets[Int(marketIndex)].settleAssetIndex)
    }

    func cash(accountIndex: Int, assetIndex settle: Int32) -> Int64 {
        let holder = accounts[accountIndex]
        var cash = holder.balance(assetIndex: settle)
        for position in holder.positions where markets[Int(position.marketIndex)].settleAssetIndex == settle {
            cash = cash &+ position.isolatedMargin &- position.cost
        }
        return cash
    }

    /// Sets one account's settlement wallet and position in a market as a leg states them.
    mutating func applyLeg(_ leg: LegApplied, marketIndex: Int32) {
        applyLeg(leg, accountIndex: Int(accountIndexByID[leg.account]!), marketIndex: marketIndex)
    }

    mutating func applyLeg(_ leg: LegApplied, accountIndex index: Int, marketIndex: Int32) {
        let settle = markets[Int(marketIndex)].settleAssetIndex
        accounts[index].setBalance(assetIndex: settle, atoms: leg.walletAfter)
        let slot = accounts[index].positionSlot(marketIndex: marketIndex)
        let row = slot.map { accounts[index].positions[$0].scanRow } ?? -1
        if var position = leg.positionAfter {
            precondition(position.size != 0, "a position is never empty")
            position.scanRow = row
            accounts[index].setPosition(position, marketIndex: marketIndex)
        } else {
            let closed = slot.map { accounts[index].positions[$0] }
            if row >= 0 { removeScanRow(marketIndex: marketIndex, row: row) }
            accounts[index].setPosition(nil, marketIndex: marketIndex)
            if let closed { clearFlagOfEmptiedPool(accountIndex: index, closed: closed) }
        }
        refreshScanRows(accountIndex: index)
    }

    /// A pool whose last position closed has nothing left to call or liquidate: its flag goes
    /// with it (no mark update would ever visit it again).
    private mutating func clearFlagOfEmptiedPool(accountIndex: Int, closed: Position) {
        if !closed.isolated, accounts[accountIndex].positions.contains(where: { !$0.isolated }) { return }
        alertsByPool[
            PoolKey(account: accounts[accountIndex].id, isolatedMarket: closed.isolated ? closed.market : nil)] = nil
    }

    /// A dated future with a settlement window keeps its running average (see `SettlementAverage`).
    private mutating func recordSettlementPrice(marketIndex m: Int, price: Int64) {
        guard let window = markets[m].parameters.settlementWindow, window > 0, let expiry = markets[m].spec.expiry,
            !markets[m].settled, !markets[m].isOption, price > 0
        else { return }
        let running =
            markets[m].settlementAverage.map {
                $0.closing(
                    at: now, windowStart: expiry.nanoseconds - window, expiry: expiry.nanoseconds,
                    maximumAge: markets[m].parameters.priceMaxAge)
            }
            ?? SettlementAverage(weighted: 0, covered: 0, price: 0, since: now)
        markets[m].settlementAverage = SettlementAverage(
            weighted: running.weighted, covered: running.covered, price: price, since: now)
    }

    private mutating func applySettlement(_ settlement: SettlementApplied, closes: Bool) {
        let marketIndex = marketIndexByID[settlement.market]!
        let settle = Int(markets[Int(marketIndex)].settleAssetIndex)
        var before: Int64 = 0
        var after: Int64 = 0
        for leg in settlement.legs { before = before &+ cashOf(leg.account, marketIndex) }
        for leg in settlement.legs { applyLeg(leg, marketIndex: marketIndex) }
        for leg in settlement.legs { after = after &+ cashOf(leg.account, marketIndex) }
        assets[settle].dust &+= settlement.dust
        assets[settle].insuranceFund &-= settlement.fundDraw
        assets[settle].deficit &-= settlement.uncovered
        recordFundDraw(marketIndex: marketIndex, settlement.fundDraw)
        precondition(assets[settle].insuranceFund >= 0, "the insurance fund is never negative")
        precondition(
            after &- before &+ settlement.dust &- settlement.fundDraw &- settlement.uncovered == 0,
            "a settlement must conserve money")
        if closes { markets[Int(marketIndex)].settled = true }
    }
}
