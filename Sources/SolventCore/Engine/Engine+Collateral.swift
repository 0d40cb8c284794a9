/// Money in and out: deposits, withdrawals, isolated-margin transfers, the insurance fund's top-ups
/// and the covering of a deficit — planned and applied here.
extension Engine {
    func planDeposit(_ account: AccountID, _ asset: AssetID, _ amount: Amount) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let (accountIndex, assetIndex) = try accountAndAsset(account, asset).get()
            guard amount.atoms > 0 else {
                throw Rejection(.nonPositiveAmount, field: "amount", "expected a positive amount")
            }
            let holder = accounts[Int(accountIndex)]
            if holder.balances.count >= Limits.balancesPerAccount,
                !holder.balances.contains(where: { $0.assetIndex == assetIndex })
            {
                throw Rejection(
                    .limitReached, field: "asset", "at most \(Limits.balancesPerAccount) assets per account")
            }
            let (after, overflowBalance) = holder.balance(assetIndex: assetIndex).addingReportingOverflow(amount.atoms)
            let (_, overflowOutside) = assets[Int(assetIndex)].outside.subtractingReportingOverflow(amount.atoms)
            if overflowBalance || overflowOutside {
                throw Rejection(.notionalOverflow, field: "amount", "the balance would exceed 64-bit fixed point")
            }
            return [.deposited(account: account, asset: asset, amount: amount, balanceAfter: Amount(atoms: after))]
        }
    }

    func planWithdraw(_ account: AccountID, _ asset: AssetID, _ amount: Amount) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let (accountIndex, assetIndex) = try accountAndAsset(account, asset).get()
            guard amount.atoms > 0 else {
                throw Rejection(.nonPositiveAmount, field: "amount", "expected a positive amount")
            }
            if account == .venue {
                throw Rejection(.reservedAccount, field: "account", "the venue's book does not withdraw")
            }
            if assets[Int(assetIndex)].deficit < 0 {
                let symbol = assets[Int(assetIndex)].spec.symbol
                throw Rejection(
                    .deficitOpen, field: "asset",
                    "withdrawals of \(symbol) are restricted while a deficit of \(DecimalText.format(-assets[Int(assetIndex)].deficit, scale: assets[Int(assetIndex)].spec.scale)) \(symbol) is open"
                )
            }
            var holder = accounts[Int(accountIndex)]
            let balance = holder.balance(assetIndex: assetIndex)
            guard balance >= amount.atoms else {
                let scale = assets[Int(assetIndex)].spec.scale
                throw Rejection(
                    .insufficientBalance, field: "amount",
                    "at most \(DecimalText.format(max(0, balance), scale: scale)) \(assets[Int(assetIndex)].spec.symbol) can be withdrawn"
                )
            }
            holder.setBalance(assetIndex: assetIndex, atoms: balance - amount.atoms)
            // An account with no position and no debt needs no prices to withdraw what it holds.
            let needsMargin = !holder.positions.isEmpty || holder.balances.contains { $0.atoms < 0 }
            if needsMargin, let frozen = holder.positions.first(where: { markets[Int($0.marketIndex)].isOracleFrozen })
            {
                throw Rejection(
                    .oracleFrozen, field: "amount",
                    "the oracle of market \(frozen.market) is frozen: withdrawals that need margin wait until it resumes"
                )
            }
            if needsMargin, let frozen = frozenCollateral(of: holder) {
                throw Rejection(
                    .oracleFrozen, field: "amount",
                    "the collateral oracle of asset \(frozen) is frozen: withdrawals that need margin wait"
                        + " until it resumes"
                )
            }
            if needsMargin, let rejection = requireInitialMargin(holder, marketIndex: nil, field: "amount") {
                throw rejection
            }
            return [
                .withdrawn(
                    account: account, asset: asset, amount: amount,
                    balanceAfter: Amount(atoms: balance - amount.atoms))
            ]
        }
    }

    func planAdjustIsolatedMargin(
        _ account: AccountID, _ market: MarketID, _ amount: Amount
    ) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let (accountIndex, marketIndex) = try accountAndMarket(account, market).get()
            guard amount.atoms != 0 else {
                throw Rejection(
                    .nonPositiveAmount, field: "amount", "expected a non-zero amount (positive adds margin)")
            }
            var holder = accounts[Int(accountIndex)]
            guard let slot = holder.positionSlot(marketIndex: marketIndex), holder.positions[slot].isolated else {
                throw Rejection(
                    .noIsolatedPosition, field: "market",
                    "account \(account) has no isolated position in market \(market)")
            }
            let settle = markets[Int(marketIndex)].settleAssetIndex
            let wallet = holder.balance(assetIndex: settle)
            let (walletAfter, o1) = wallet.subtractingReportingOverflow(amount.atoms)
            let (marginAfter, o2) = holder.positions[slot].isolatedMargin.addingReportingOverflow(amount.atoms)
            if o1 || o2 { throw Rejection(.notionalOverflow, field: "amount", "exceeds 64-bit fixed point") }
            if amount.atoms > 0, walletAfter < 0 {
                throw Rejection(.insufficientBalance, field: "amount", "the wallet holds less than the margin to add")
            }
            holder.setBalance(assetIndex: settle, atoms: walletAfter)
            holder.positions[slot].isolatedMargin = marginAfter
            // Adding margin takes it from the cross pool; removing it must leave the position at initial.
            if let rejection = requireInitialMargin(
                holder, marketIndex: amount.atoms < 0 ? marketIndex : nil, field: "amount")
            {
                throw rejection
            }
            return [
                .isolatedMarginAdjusted(
                    account: account, market: market, amount: amount,
                    isolatedMarginAfter: Amount(atoms: marginAfter),
                    walletAfter: Amount(atoms: walletAfter))
            ]
        }
    }

    func planFundInsurance(_ asset: AssetID, _ amount: Amount) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let index = Int(try assetIndex(asset, field: "asset").get())
            guard amount.atoms > 0 else {
                throw Rejection(.nonPositiveAmount, field: "amount", "expected a positive amount")
            }
            if venue != nil { try refuseUnlessHoldingLiquidation(field: "asset") }
            guard FixedPoint.add(assets[index].insuranceFund, amount.atoms) != nil,
                FixedPoint.subtract(assets[index].outside, amount.atoms) != nil
            else {
                throw Rejection(.notionalOverflow, field: "amount", "the fund would exceed 64-bit fixed point")
            }
            return [.insuranceFunded(asset: asset, amount: amount)]
        }
    }

    func planCoverDeficit(_ asset: AssetID, _ amount: Amount) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            let index = Int(try assetIndex(asset, field: "asset").get())
            guard amount.atoms > 0, amount.atoms <= -assets[index].deficit else {
                throw Rejection(
                    .invalidParameter, field: "amount",
                    "expected a positive amount up to the open deficit \(-assets[index].deficit)")
            }
            guard FixedPoint.subtract(assets[index].outside, amount.atoms) != nil else {
                throw Rejection(.notionalOverflow, field: "amount", "exceeds 64-bit fixed point")
            }
            return [.deficitCovered(asset: asset, amount: amount)]
        }
    }

    /// Applies the events planned above.
    mutating func applyCollateral(_ event: Event) {
        switch event {
        case .deposited(let account, let asset, let amount, let balanceAfter):
            let assetIndex = assetIndexByID[asset]!
            assets[Int(assetIndex)].outside -= amount.atoms
            setWallet(account, assetIndex: assetIndex, to: balanceAfter.atoms)
        case .withdrawn(let account, let asset, let amount, let balanceAfter):
            let assetIndex = assetIndexByID[asset]!
            assets[Int(assetIndex)].outside += amount.atoms
            setWallet(account, assetIndex: assetIndex, to: balanceAfter.atoms)
        case .isolatedMarginAdjusted(let account, let market, _, let marginAfter, let walletAfter):
            let index = Int(accountIndexByID[account]!)
            let marketIndex = marketIndexByID[market]!
            let slot = accounts[index].positionSlot(marketIndex: marketIndex)!
            accounts[index].positions[slot].isolatedMargin = marginAfter.atoms
            accounts[index].setBalance(assetIndex: markets[Int(marketIndex)].settleAssetIndex, atoms: walletAfter.atoms)
            refreshScanRows(accountIndex: index)
        case .insuranceFunded(let asset, let amount):
            let index = Int(assetIndexByID[asset]!)
            assets[index].insuranceFund += amount.atoms
            assets[index].outside -= amount.atoms
        case .deficitCovered(let asset, let amount):
            let index = Int(assetIndexByID[asset]!)
            assets[index].deficit += amount.atoms
            assets[index].outside -= amount.atoms
        default:
            preconditionFailure("not a collateral event: \(event)")
        }
    }

    private mutating func setWallet(_ account: AccountID, assetIndex: Int32, to atoms: Int64) {
        let index = Int(accountIndexByID[account]!)
        accounts[index].setBalance(assetIndex: assetIndex, atoms: atoms)
        refreshScanRows(accountIndex: index)
    }
}
