import SolventCore

/// Evidence that one liquidation step was justified: the account and the
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
        if let (field, reason) = validationError() {
            return .init(verified: [], failures: ["\(field): expected \(reason)"])
        }
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
        let afterEngine = Engine.forVerification(
            assets: assets, markets: markets, account: after, now: Timestamp(nanoseconds: time),
            sequence: sequence - 1)
        let unbooked = Auditor.liquidationViolations(step, in: afterEngine)
        if unbooked.isEmpty {
            verified.append(
                "the account ends the step owing nothing unbooked (closed no worse than bankruptcy; a shortfall of \(step.shortfall ?? 0) atoms carried by the waterfall)"
            )
        } else {
            failures.append(contentsOf: unbooked)
        }
        // 1. The mark in force follows from the recorded price input.
        switch priceInput {
        case .setMarkPrice(let id, let mark, _)? where id == step.market:
            if mark.atoms == market.mark {
                verified.append("mark \(mark) is the recorded price input (a direct mark from the oracle role)")
            } else {
                failures.append("the mark \(Price(atoms: market.mark)) is not the recorded input's \(mark)")
            }
        case .updateOracle(let id, let samples, let last, let mid)? where id == step.market:
            if let oracle = market.oracle {
                let computation = IndexAggregator.aggregate(
                    samples, config: oracle.config, now: Timestamp(nanoseconds: time))
                if let index = computation.index {
                    let mark = MarkPrice.compute(
                        index: index.atoms, basis: oracle.basis.value, last: last?.atoms, mid: mid?.atoms,
                        band: oracle.config.markBand)
                    if mark == market.mark {
                        verified.append(
                            "mark \(Price(atoms: mark)) follows from \(samples.count) oracle samples: index \(index) (\(oracle.config.aggregation.rawValue), used \(computation.used.map(\.description).joined(separator: ",")), \(computation.excluded.count) excluded), then the mark rule"
                        )
                    } else {
                        failures.append(
                            "the samples give mark \(Price(atoms: mark)), not the \(Price(atoms: market.mark)) in force"
                        )
                    }
                } else {
                    failures.append(
                        "the recorded samples give no index (\(computation.failure.map { "\($0)" } ?? "unknown"))")
                }
            } else {
                failures.append("an oracle input for a market without an oracle")
            }
        default:
            failures.append("no recorded price input for market \(step.market)")
        }
        // 2. In liquidation at that mark, and the step the rules size.
        let engine = Engine.forVerification(
            assets: assets, markets: markets, account: account, now: Timestamp(nanoseconds: time),
            sequence: sequence - 1)
        switch engine.planStep(account.id, step.market) {
        case .failure(let rejection):
            failures.append("the rules do not liquidate this account at this mark: \(rejection.message)")
        case .success(let planned):
            verified.append(
                "below maintenance at mark \(Price(atoms: market.mark)): status \(engine.marginReport(of: account.id, includingPrices: false).flatMap { try? $0.get().status.rawValue } ?? "?")"
            )
            if planned.quantity == step.quantity && planned.long == step.long
                && planned.bankruptcy == step.bankruptcyPrice?.atoms
            {
                verified.append(
                    "step size \(Quantity(atoms: planned.quantity)) and bankruptcy price \(step.bankruptcyPrice.map { "\($0)" } ?? "none") as the rules size them"
                )
            } else {
                failures.append(
                    "the rules size \(Quantity(atoms: planned.quantity)) at bankruptcy \(planned.bankruptcy.map { "\(Price(atoms: $0))" } ?? "none"); the record says \(Quantity(atoms: step.quantity)) at \(step.bankruptcyPrice.map { "\($0)" } ?? "none")"
                )
            }
            // 3. The execution (order-book steps): the depth model's fill, floored at bankruptcy.
            if case .orderBook = planned.parameters.mechanism, step.auction == nil {
                if let fill = OrderBookExecution.execute(
                    long: planned.long, mark: market.mark, notional: planned.notional,
                    bankruptcyPrice: planned.bankruptcy ?? (planned.long ? 1 : BoundarySearch.maximumPrice),
                    depth: planned.parameters.depth)
                {
                    if fill.marketPrice == step.marketPrice.atoms && fill.accountPrice == step.accountPrice.atoms {
                        verified.append(
                            "executed at \(step.marketPrice) through the depth model; the account closed at \(step.accountPrice)"
                        )
                    } else {
                        failures.append(
                            "the depth model fills at \(Price(atoms: fill.marketPrice)) (account \(Price(atoms: fill.accountPrice))); the record says \(step.marketPrice) (\(step.accountPrice))"
                        )
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
                        let mine = events.lazy.compactMap({ event -> LiquidationStep? in
                            if case .positionLiquidated(let s) = event { return s }; return nil
                        }).first
                    {
                        let rerunGap = mine.fundDraw + mine.uncovered
                        if mine.penalty == step.penalty && mine.clearanceFee == step.clearanceFee && rerunGap == gap
                            && (step.uncovered > 0 || mine.fundDraw == step.fundDraw)
                        {
                            verified.append(
                                fill.fundCoversGap
                                    ? "the fill was worse than bankruptcy: penalty \(step.penalty), fee \(step.clearanceFee), loss beyond equity \(gap) atoms (fund \(step.fundDraw), beyond the fund \(step.uncovered): \(step.reallocated) placed on \(step.counterparties.count) counterparties) — recomputed"
                                    : "penalty \(step.penalty) and fee \(step.clearanceFee) atoms recomputed; no loss beyond the account's equity"
                            )
                        } else {
                            failures.append(
                                "the waterfall recomputes to penalty \(mine.penalty), fee \(mine.clearanceFee), loss \(rerunGap); the record says \(step.penalty), \(step.clearanceFee), \(gap)"
                            )
                        }
                    } else {
                        failures.append("the step cannot be re-run on the proof's state")
                    }
                } else {
                    failures.append("the depth model cannot fill the step")
                }
            } else {
                verified.append(
                    "execution by \(step.auction != nil ? "auction" : "backstop") (its price is the bidder's or provider's, recorded in the step)"
                )
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
            failures.append(
                "the proof must carry the accounts of the step's counterparties \(step.counterparties.map { $0.account.description }) before the step; it carries \(others.map { $0.id.description })"
            )
            return
        }
        let engine = Engine.forVerification(
            assets: assets, markets: markets, accounts: [account] + others, now: Timestamp(nanoseconds: time),
            sequence: sequence - 1)
        guard case .success(let events) = engine.planLiquidate(account.id, step.market, keeper: nil),
            let mine = events.lazy.compactMap({ event -> LiquidationStep? in
                if case .positionLiquidated(let s) = event { return s }; return nil
            }).first
        else {
            failures.append("the step cannot be re-run on the proof's state")
            return
        }
        guard mine.penalty == step.penalty, mine.clearanceFee == step.clearanceFee, mine.fundDraw == step.fundDraw,
            mine.uncovered == step.uncovered,
            mine.reallocated == step.reallocated, Self.booked(mine.counterparties) == Self.booked(step.counterparties),
            mine.accountPrice == step.accountPrice
        else {
            failures.append(
                "among these counterparties the waterfall recomputes to fund \(mine.fundDraw), beyond it \(mine.uncovered) (\(mine.reallocated) placed on \(mine.counterparties.map { $0.account.description }.joined(separator: ", "))); the record says fund \(step.fundDraw), \(step.uncovered) (\(step.reallocated) on \(step.counterparties.map { $0.account.description }.joined(separator: ", ")))"
            )
            return
        }
        let allocation = markets.first { $0.spec.id == step.market }?.liquidation?.lossAllocation
        let how: String
        switch allocation {
        case .autoDeleveraging(let ranking, _)?:
            let marketIndex = engine.marketIndex(of: step.market)!
            let scores = others.compactMap { other in
                engine.deleveragingCandidate(
                    accountIndex: engine.accountIndex(of: other.id)!, marketIndex: marketIndex, long: !step.long
                )
                .map { "\(other.id): \(ranking.score($0))" }
            }
            how =
                "auto-deleveraged by \(ranking.rawValue) (scores \(scores.joined(separator: ", "))) at the bankruptcy price \(step.bankruptcyPrice.map { "\($0)" } ?? "none")"
        default:
            how = "socialized over their profits"
        }
        verified.append(
            "the fill was worse than bankruptcy: penalty \(step.penalty), fee \(step.clearanceFee), fund \(step.fundDraw), beyond the fund \(step.reallocated) atoms placed on \(step.counterparties.count) counterparties, \(how), each leg recomputed; unplaced \(step.uncovered) — the ranking is proven among the accounts in this proof, not against accounts outside it"
        )
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
            }).first
        else { return nil }
        var publicMarkets = markets
        for index in publicMarkets.indices { publicMarkets[index].backstops = [] }
        let others = step.counterparties.compactMap { self.account($0.account) }
        return LiquidationProof(
            sequence: input.sequence, time: now.nanoseconds, stateDigestBefore: digestHex(), account: account,
            assets: assets, markets: publicMarkets, priceInput: priceInput, step: step,
            counterparties: others.isEmpty ? nil : others)
    }
}

/// A proof file is input from anyone: before a verifier runs the engine's rules on it, every
/// parameter is validated as the engine validates the command that would have set it (a proof
/// the engine could not have written is refused naming the field, not run into an overflow),
/// and every index the state carries must point where its ID says.
extension LiquidationProof {
    /// The first field the engine would have refused, with what it expects; nil when valid.
    public func validationError() -> (field: String, reason: String)? {
        if sequence == 0 { return ("sequence", "a positive sequence number") }
        if time < 0 { return ("time", "nanoseconds since 1970, not negative") }
        if let problem = Engine.verificationStateError(
            assets: assets, markets: markets, accounts: [account] + (counterparties ?? []))
        {
            return problem
        }
        if !markets.contains(where: { $0.spec.id == step.market }) { return ("step.market", "a market in the proof") }
        if step.quantity <= 0 { return ("step.quantity", "a positive quantity") }
        for (name, value) in [
            ("penalty", step.penalty), ("clearanceFee", step.clearanceFee), ("fundDraw", step.fundDraw),
            ("uncovered", step.uncovered), ("reallocated", step.reallocated), ("keeperReward", step.keeperReward),
        ]
        where value < 0 || value > Engine.proofAmountLimit {
            return ("step.\(name)", "0 to \(Engine.proofAmountLimit) atoms")
        }
        switch priceInput {
        case .setMarkPrice(_, let mark, let index)?:
            if mark.atoms <= 0 || mark.atoms > BoundarySearch.maximumPrice {
                return ("priceInput.mark", "a positive price at most \(Price(atoms: BoundarySearch.maximumPrice))")
            }
            if let index, index.atoms <= 0 || index.atoms > BoundarySearch.maximumPrice {
                return ("priceInput.index", "a positive price")
            }
        case .updateOracle(_, let samples, let last, let mid)?:
            if samples.count > Limits.oracleSourcesPerMarket {
                return ("priceInput.samples", "at most \(Limits.oracleSourcesPerMarket) samples")
            }
            for (offset, sample) in samples.enumerated() {
                if sample.price.atoms <= 0 || sample.price.atoms > BoundarySearch.maximumPrice {
                    return ("priceInput.samples[\(offset)].price", "a positive price")
                }
                if sample.time.nanoseconds < 0 {
                    return ("priceInput.samples[\(offset)].time", "nanoseconds since 1970, not negative")
                }
            }
            for (name, price) in [("last", last), ("mid", mid)] {
                if let price, price.atoms <= 0 || price.atoms > BoundarySearch.maximumPrice {
                    return ("priceInput.\(name)", "a positive price")
                }
            }
        default: break
        }
        return nil
    }
}

extension MarginProof {
    /// As `LiquidationProof.validationError`: the first field the engine would have refused.
    public func validationError() -> (field: String, reason: String)? {
        if time < 0 { return ("time", "nanoseconds since 1970, not negative") }
        if account.id == .venue { return ("account.id", "a user's account, not the venue's") }
        if leafIndex < 0 { return ("leafIndex", "zero or positive") }
        if liabilities.count != root.sums.count {
            return ("liabilities", "one sum per asset of the root (\(root.sums.count))")
        }
        return Engine.verificationStateError(assets: assets, markets: markets, accounts: [account])
    }
}

extension Engine {
    /// The largest magnitude a proof may give a booked amount (a balance, a cost, a fund): a
    /// quarter of 64 bits, so the few terms the rules add never overflow.
    public static let proofAmountLimit = Int64.max / 4

    /// The state a proof carries, checked as the commands that built it were: each asset and
    /// market parameter by the engine's own validation, prices in the engine's range, amounts
    /// inside `proofAmountLimit`, and the positional indexes consistent with the IDs.
    public static func verificationStateError(
        assets: [AssetState], markets: [MarketState], accounts: [Account]
    ) -> (field: String, reason: String)? {
        func amount(_ value: Int64) -> Bool { value >= -proofAmountLimit && value <= proofAmountLimit }
        func price(_ value: Int64) -> Bool { value >= 0 && value <= BoundarySearch.maximumPrice }
        if assets.count > Limits.assets { return ("assets", "at most \(Limits.assets) assets") }
        if markets.count > Limits.markets { return ("markets", "at most \(Limits.markets) markets") }
        for (i, asset) in assets.enumerated() {
            let at = "assets[\(i)]"
            if assets[..<i].contains(where: { $0.spec.id == asset.spec.id }) {
                return ("\(at).spec.id", "an asset ID given once")
            }
            if asset.spec.collateralTiers.count > Limits.collateralTiersPerAsset {
                return ("\(at).spec.collateralTiers", "at most \(Limits.collateralTiersPerAsset) tiers")
            }
            if let (field, reason) = asset.spec.validate() { return ("\(at).spec.\(field)", reason) }
            if !price(asset.price) { return ("\(at).price", "0 to \(BoundarySearch.maximumPrice) atoms") }
            for (name, value) in [
                ("insuranceFund", asset.insuranceFund), ("feePool", asset.feePool), ("dust", asset.dust),
                ("outside", asset.outside), ("deficit", asset.deficit),
            ] where !amount(value) {
                return ("\(at).\(name)", "at most \(proofAmountLimit) atoms in magnitude")
            }
        }
        for (i, market) in markets.enumerated() {
            let at = "markets[\(i)]"
            if markets[..<i].contains(where: { $0.spec.id == market.spec.id }) {
                return ("\(at).spec.id", "a market ID given once")
            }
            if let error = market.spec.validate() { return ("\(at).spec.\(error.field)", error.reason) }
            guard let settle = assets.firstIndex(where: { $0.spec.id == market.spec.settleAsset }),
                settle == Int(market.settleAssetIndex)
            else {
                return (
                    "\(at).settleAssetIndex", "the index of the settlement asset \(market.spec.settleAsset) in assets"
                )
            }
            if market.valuation
                != ContractValuation(
                    kind: market.spec.kind, contractSize: market.spec.contractSize,
                    settleScale: assets[settle].spec.scale)
            {
                return ("\(at).valuation", "the valuation of the market's kind, contract size and settlement scale")
            }
            if let error = market.parameters.validate() { return ("\(at).parameters.\(error.field)", error.reason) }
            // A tier table carries derived brackets (caps, maintenance amounts): they must be
            // the ones its tiers give, as `RiskTierTable.make` builds them for a command.
            if case .tiered(let table) = market.parameters.margin,
                (try? RiskTierTable.make(tiers: table.tiers, deductsMaintenanceAmount: table.deductsMaintenanceAmount)
                    .get()) != table
            {
                return ("\(at).parameters.margin", "a tier table whose brackets are the ones its tiers give")
            }
            if let error = market.liquidation?.validate() { return ("\(at).liquidation.\(error.field)", error.reason) }
            if let error = market.oracle?.config.validate() {
                return ("\(at).oracle.config.\(error.field)", error.reason)
            }
            // The basis EMA is a Double screen added to the index: finite, and within the price range.
            if let basis = market.oracle?.basis,
                !basis.numerator.isFinite || !basis.denominator.isFinite || basis.denominator < 0
                    || (basis.value.map { !(abs($0) <= Double(BoundarySearch.maximumPrice)) } ?? false)
            {
                return ("\(at).oracle.basis", "a finite basis within the price range")
            }
            if !price(market.mark) { return ("\(at).mark", "0 to \(BoundarySearch.maximumPrice) atoms") }
            if !price(market.index) { return ("\(at).index", "0 to \(BoundarySearch.maximumPrice) atoms") }
            for (name, value) in [
                ("fundDrawnInWindow", market.fundDrawnInWindow), ("fundDrawnTotal", market.fundDrawnTotal),
            ] where !amount(value) {
                return ("\(at).\(name)", "at most \(proofAmountLimit) atoms in magnitude")
            }
            // An option points at its underlying (a market that is no option), and only an option does.
            if let terms = market.spec.option {
                guard let underlying = markets.firstIndex(where: { $0.spec.id == terms.underlying }),
                    underlying == Int(market.underlyingIndex),
                    markets[underlying].spec.option == nil
                else {
                    return (
                        "\(at).underlyingIndex",
                        "the index of the option's underlying market \(terms.underlying), not an option"
                    )
                }
            } else if market.underlyingIndex != -1 {
                return ("\(at).underlyingIndex", "-1 for a market that is not an option")
            }
            if market.optionIndices.contains(where: {
                $0 < 0 || Int($0) >= markets.count || markets[Int($0)].underlyingIndex != Int32(i)
            }) {
                return ("\(at).optionIndices", "the indexes of the options on this market")
            }
        }
        for (a, account) in accounts.enumerated() {
            let at = a == 0 ? "account" : "counterparties[\(a - 1)]"
            if account.balances.count > Limits.balancesPerAccount {
                return ("\(at).balances", "at most \(Limits.balancesPerAccount) balances")
            }
            if account.positions.count > Limits.positionsPerAccount {
                return ("\(at).positions", "at most \(Limits.positionsPerAccount) positions")
            }
            for (b, balance) in account.balances.enumerated() {
                if balance.assetIndex < 0 || Int(balance.assetIndex) >= assets.count {
                    return ("\(at).balances[\(b)].assetIndex", "an asset's index")
                }
                if !amount(balance.atoms) {
                    return ("\(at).balances[\(b)].atoms", "at most \(proofAmountLimit) atoms in magnitude")
                }
            }
            for (s, setting) in account.settings.enumerated() {
                if setting.marketIndex < 0 || Int(setting.marketIndex) >= markets.count {
                    return ("\(at).settings[\(s)].marketIndex", "a market's index")
                }
                if setting.leverage < 0 || setting.leverage > 1_000 {
                    return ("\(at).settings[\(s)].leverage", "0 to 1,000")
                }
            }
            for (p, position) in account.positions.enumerated() {
                let where_ = "\(at).positions[\(p)]"
                guard position.marketIndex >= 0, Int(position.marketIndex) < markets.count,
                    markets[Int(position.marketIndex)].spec.id == position.market
                else {
                    return ("\(where_).marketIndex", "the index of market \(position.market) in markets")
                }
                let market = markets[Int(position.marketIndex)]
                if position.size == 0 || position.size == .min || position.size % market.spec.lotSize.atoms != 0 {
                    return ("\(where_).size", "a non-zero multiple of the lot size \(market.spec.lotSize)")
                }
                // The position's value at the mark must fit, as an import requires at its entry.
                if market.valuation.value(size: position.size, price: max(market.mark, 1), .up) == nil {
                    return ("\(where_).size", "a size whose value fits 64-bit fixed point")
                }
                for (name, value) in [
                    ("cost", position.cost), ("isolatedMargin", position.isolatedMargin),
                    ("realizedPnl", position.realizedPnl), ("fundingPnl", position.fundingPnl),
                ] where !amount(value) {
                    return ("\(where_).\(name)", "at most \(proofAmountLimit) atoms in magnitude")
                }
                if position.isolatedMargin < 0 { return ("\(where_).isolatedMargin", "zero or positive") }
                if account.positions[..<p].contains(where: { $0.market == position.market }) {
                    return ("\(where_).market", "one position per market")
                }
            }
        }
        return nil
    }
}
