import SolventCore
import SolventRandom
import SolventTestSupport
import Testing

/// Goal: no sequence of commands breaks an invariant. Method: seeded random workloads of several
/// thousand inputs (deposits, withdrawals, fills between accounts and against the venue, mark and
/// index moves, funding, leverage and isolated-margin changes, expiry, duplicated command ids),
/// with the auditor after every input (conservation to the atom, open-interest symmetry,
/// non-negative system lines), rejections checked to change nothing, every accepted user action
/// checked to leave its account at initial margin, and a replay checked to reproduce the digest.
/// A failure names its seed; rerun it with SOLVENT_SEEDS=<seed>.
struct SeededWorkloadTests {
    @Test(arguments: testSeeds([1, 2, 3, 7, 42, 2026]))
    func randomWorkloadKeepsEveryInvariant(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var harness = Harness()
        var inputs: [(Command, UInt64?)] = []
        var applied: [String: Int] = [:]
        var crossings = 0
        var keptQueuesChecked = 0  // ADL needs a gap beyond the fund: not every seed gets one
        // Liquidation steps by market kind and side: coin-margined shorts must be among them.
        var steps: [String: Int] = [:]
        func run(_ command: Command, id: UInt64? = nil) {
            let before = harness.engine.digest(includingClock: false)
            let sizesBefore = fillSizes(command)
            let outcome = harness.run(command, id: id)
            inputs.append((command, id))
            if outcome.rejection != nil {
                #expect(
                    harness.engine.digest(includingClock: false) == before,
                    "seed \(seed): a rejection changed state: \(command)")
                return
            }
            applied[String(describing: command).prefix { $0 != "(" }.description, default: 0] += 1
            for case .positionLiquidated(let step) in outcome.events {
                steps[
                    "\(step.market == MarketID(2) ? "inverse" : "linear") \(step.long ? "long" : "short")", default: 0] +=
                    1
            }
            checkUserActionKeptInitialMargin(command, sizesBefore)
        }
        /// Sizes of a fill's two accounts in its market before it applies.
        func fillSizes(_ command: Command) -> [(AccountID, Int64)] {
            guard case .applyFill(let fill) = command, let marketIndex = harness.engine.marketIndex(of: fill.market)
            else { return [] }
            return [fill.buyer, fill.seller].compactMap { id in
                guard id != .venue, let account = harness.engine.account(id) else { return nil }
                return (id, account.positionSlot(marketIndex: marketIndex).map { account.positions[$0].size } ?? 0)
            }
        }
        /// Invariant 5: a withdrawal, or a fill that increases an account's exposure, leaves every
        /// pool it touched at or above initial margin.
        func checkUserActionKeptInitialMargin(_ command: Command, _ sizesBefore: [(AccountID, Int64)]) {
            let engine = harness.engine
            switch command {
            case .withdraw(let id, _, _):
                guard case .success(let pool) = engine.crossPool(of: engine.account(id)!) else { return }
                #expect(pool.meetsInitial, "seed \(seed): withdrawal left account \(id) below initial margin")
            case .applyFill(let fill):
                let marketIndex = engine.marketIndex(of: fill.market)!
                for (id, before) in sizesBefore {
                    let account = engine.account(id)!
                    let after = account.positionSlot(marketIndex: marketIndex).map { account.positions[$0].size } ?? 0
                    let increased =
                        after.magnitude > before.magnitude || (before != 0 && after != 0 && (before < 0) != (after < 0))
                    guard increased else { continue }
                    let cross = try! engine.crossPool(of: account).get()
                    let own = try! engine.pool(of: account, marketIndex: marketIndex).get()
                    #expect(
                        cross.meetsInitial && own.meetsInitial,
                        "seed \(seed): fill left account \(id) below initial margin")
                }
            default:
                return
            }
        }
        /// Right after both marks moved, every pool's flag matches its status: at or below
        /// maintenance → liquidating; in call → flagged; healthy → unflagged unless still inside
        /// the liquidation exit buffer.
        func checkAlerts() {
            let engine = harness.engine
            for account in engine.accounts where !account.isVenue && !account.positions.isEmpty {
                for position in account.positions {
                    let key = PoolKey(account: account.id, isolatedMarket: position.isolated ? position.market : nil)
                    guard case .success(let pool) = engine.pool(of: account, marketIndex: position.marketIndex) else {
                        continue
                    }
                    let alert = engine.alerts.first { $0.pool == key }?.alert
                    switch pool.status {
                    case .liquidatable, .bankrupt:
                        #expect(
                            alert == .liquidating,
                            "seed \(seed): \(key) is \(pool.status) but \(String(describing: alert))")
                    case .marginCall:
                        #expect(alert != nil, "seed \(seed): \(key) in call but unflagged")
                        // Still liquidating only inside the exit buffer.
                        let insideBuffer = Int128(pool.equity) * 10 < Int128(pool.maintenance) * 11
                        #expect(
                            alert != .liquidating || insideBuffer,
                            "seed \(seed): \(key) past the exit buffer but still liquidating")
                    case .healthy:
                        let insideBuffer = Int128(pool.equity) * 10 < Int128(pool.maintenance) * 11
                        #expect(
                            alert == nil || (alert == .liquidating && insideBuffer),
                            "seed \(seed): \(key) healthy but \(String(describing: alert)) equity \(pool.equity) mm \(pool.maintenance) positions \(account.positions.map { ($0.market, $0.isolated, $0.size) })"
                        )
                    }
                }
            }
        }
        setUpVenue(&harness, &inputs)
        var mark: Int64 = 50_000 * 100_000_000
        var inverseMark: Int64 = 50_000 * 100_000_000
        var nextID: UInt64 = 1
        for _ in 0..<3_000 {
            nextID += 1
            let account = AccountID(UInt64.random(in: 1...12, using: &random))
            let other = AccountID(UInt64.random(in: 0...12, using: &random))
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<10:
                run(
                    .deposit(
                        account: account, asset: Bool.random(using: &random) ? Harness.usdt : Harness.btc,
                        amount: Amount(atoms: Int64.random(in: 1...5_000_000_000, using: &random))), id: nextID)
            case 10..<18:
                run(
                    .withdraw(
                        account: account, asset: Bool.random(using: &random) ? Harness.usdt : Harness.btc,
                        amount: Amount(atoms: Int64.random(in: 1...3_000_000_000, using: &random))), id: nextID)
            case 18..<55:
                let inverse = Bool.random(using: &random)
                let lots = Int64.random(in: 1...400, using: &random)
                let reference = inverse ? inverseMark : mark
                let ticks = (reference / 10_000_000) + Int64.random(in: -300...300, using: &random)
                let linearMarket = MarketID(Bool.random(using: &random) ? 1 : 3)
                let fill = Fill(
                    market: inverse ? MarketID(2) : linearMarket, buyer: Bool.random(using: &random) ? account : other,
                    seller: Bool.random(using: &random) ? other : account,
                    quantity: Quantity(atoms: inverse ? lots * 100_000_000 * 10 : lots * 100_000),
                    price: Price(atoms: max(1, ticks) * 10_000_000), taker: .buyer)
                run(.applyFill(fill), id: nextID)
            case 55..<70:
                mark = max(1_000 * 100_000_000, mark + mark / 1_000 * Int64.random(in: -25...25, using: &random))
                inverseMark = max(
                    1_000 * 100_000_000, inverseMark + inverseMark / 1_000 * Int64.random(in: -25...25, using: &random))
                // Index prices first: margin states are evaluated on mark updates.
                run(.setIndexPrice(asset: Harness.btc, price: Price(atoms: inverseMark)))
                run(.setIndexPrice(asset: Harness.usdt, price: Price("1")!))
                run(.setMarkPrice(market: MarketID(1), mark: Price(atoms: mark), index: Price(atoms: mark)))
                run(.setMarkPrice(market: MarketID(2), mark: Price(atoms: inverseMark), index: nil))
                run(.setMarkPrice(market: MarketID(3), mark: Price(atoms: mark), index: nil))
                // The trigger index, kept up to date through every fill, funding and transfer,
                // finds exactly what the naive scan finds.
                for market in [MarketID(1), MarketID(2), MarketID(3)] {
                    let naive = harness.engine.scanMaintenanceNaive(market: market)
                    #expect(
                        harness.engine.detectCrossings(market: market) == naive,
                        "seed \(seed): indexed detection diverged")
                    #expect(harness.engine.scanMaintenance(market: market) == naive, "seed \(seed): scan diverged")
                    crossings += naive.count
                }
                checkAlerts()
                // Liquidate every pool the moves put in liquidation, in pool order.
                // A random keeper (sometimes none, sometimes the account itself: refused).
                for (pool, alert) in harness.engine.alerts where alert == .liquidating {
                    let market = pool.isolatedMarket ?? MarketID(UInt32.random(in: 1...3, using: &random))
                    let keeper =
                        Int.random(in: 0..<4, using: &random) == 0
                        ? nil : AccountID(UInt64.random(in: 0...12, using: &random))
                    run(.liquidate(account: pool.account, market: market, keeper: keeper))
                }
                // The kept deleveraging order of market 1, patched step by step, is the order a
                // full re-ranking gives.
                for long in [false, true] {
                    guard let kept = harness.engine.keptDeleveragingOrder(market: MarketID(1), long: long) else {
                        continue
                    }
                    keptQueuesChecked += 1
                    #expect(
                        kept
                            == harness.engine.rankedDeleveraging(
                                market: MarketID(1), long: long, ranking: .profitTimesLeverage),
                        "seed \(seed): the kept ADL queue diverged")
                }
                // Bid on (or reset) every open auction of market 3.
                for auction in harness.engine.auctions {
                    if Int.random(in: 0..<4, using: &random) == 0 {
                        run(
                            .resetAuction(
                                auction: auction.id, keeper: AccountID(UInt64.random(in: 1...12, using: &random))))
                        continue
                    }
                    let lots = Int64.random(in: 1...max(1, auction.lot / 100_000 + 2), using: &random)
                    let limit = auction.long ? mark + mark / 10 : mark - mark / 10
                    run(
                        .bidAuction(
                            auction: auction.id, bidder: AccountID(UInt64.random(in: 0...12, using: &random)),
                            quantity: Quantity(atoms: lots * 100_000), limitPrice: Price(atoms: limit)))
                }
            case 70..<76:
                run(
                    .settleFunding(
                        market: MarketID(Bool.random(using: &random) ? 1 : 2),
                        rate: Rate(atoms: Int64.random(in: -500_000...500_000, using: &random))), id: nextID)
            case 76..<82:
                run(
                    .setLeverage(
                        account: account, market: MarketID(UInt32.random(in: 1...2, using: &random)),
                        leverage: Int64.random(in: 1...130, using: &random), isolated: Bool.random(using: &random)),
                    id: nextID)
            case 82..<88:
                run(
                    .adjustIsolatedMargin(
                        account: AccountID(UInt64.random(in: 1...4, using: &random)),
                        market: MarketID(UInt32.random(in: 1...2, using: &random)),
                        amount: Amount(atoms: Int64.random(in: -500_000_000...500_000_000, using: &random))), id: nextID
                )
            case 88..<94:
                // A duplicated command id (a retried request) must not apply twice.
                let reused = UInt64.random(in: 1...nextID, using: &random)
                run(.deposit(account: account, asset: Harness.usdt, amount: Amount(atoms: 1_000_000)), id: reused)
            default:
                run(.tick)
            }
        }
        // Replay the same inputs into a fresh engine: the same digest, bit for bit.
        var replay = Harness()
        for (command, id) in inputs { replay.run(command, id: id) }
        #expect(replay.engine.digestHex() == harness.engine.digestHex(), "seed \(seed): replay diverged")
        // The workload must exercise the engine, not bounce off rejections.
        #expect(applied["applyFill", default: 0] > 300, "seed \(seed): too few fills applied: \(applied)")
        #expect(applied["withdraw", default: 0] > 20, "seed \(seed): too few withdrawals applied: \(applied)")
        #expect(applied["settleFunding", default: 0] > 20, "seed \(seed): too few fundings applied: \(applied)")
        #expect(applied["adjustIsolatedMargin", default: 0] > 5, "seed \(seed): too few isolated transfers: \(applied)")
        #expect(crossings > 0, "seed \(seed): no account ever reached its margin-call level")
        #expect(applied["liquidate", default: 0] > 0, "seed \(seed): no liquidation step applied: \(applied)")
        #expect(applied["bidAuction", default: 0] > 0, "seed \(seed): no auction take applied: \(applied)")
        print("seeded workload \(seed): liquidation steps \(steps.sorted { $0.key < $1.key })")
        #expect(
            steps["inverse short", default: 0] > 0 && steps["inverse long", default: 0] > 0,
            "seed \(seed): the workload must liquidate coin-margined longs and shorts: \(steps)")
    }

    private func setUpVenue(_ harness: inout Harness, _ inputs: inout [(Command, UInt64?)]) {
        var setup: [Command] = [
            .createAsset(AssetSpec(id: Harness.usdt, symbol: "USDT", scale: 6)),
            .createAsset(
                AssetSpec(
                    id: Harness.btc, symbol: "BTC", scale: 8,
                    collateralTiers: [
                        CollateralTier(quantityCap: amount("10", scale: 8), ratio: rate("0.95")),
                        CollateralTier(quantityCap: nil, ratio: rate("0.8")),
                    ])),
            .setIndexPrice(asset: Harness.usdt, price: Price("1")!),
            .setIndexPrice(asset: Harness.btc, price: Price("50000")!),
            .createMarket(
                linearMarket(1),
                RiskParameters(
                    margin: .tiered(binanceBTCUSDT2021()),
                    feeMakerRate: rate("0.0002"), feeTakerRate: rate("0.0004"))),
            .createMarket(
                MarketSpec(
                    id: MarketID(2), symbol: "BTCUSD", kind: .inverse, settleAsset: Harness.btc,
                    contractSize: Quantity("100")!, tickSize: Price("0.1")!, lotSize: Quantity("1")!),
                RiskParameters(margin: singleTier(im: "0.01", mm: "0.005"), feeTakerRate: rate("0.0005"))),
            .setMarkPrice(market: MarketID(1), mark: Price("50000")!, index: Price("50000")!),
            .setMarkPrice(market: MarketID(2), mark: Price("50000")!, index: nil),
            .createMarket(
                linearMarket(3, symbol: "BTCUSDT-AUCTION"),
                RiskParameters(
                    margin: .tiered(binanceBTCUSDT2021()),
                    feeTakerRate: rate("0.0004"))),
            .setMarkPrice(market: MarketID(3), mark: Price("50000")!, index: nil),
        ]
        for id: UInt64 in 1...12 { setup.append(.openAccount(AccountID(id))) }
        setup.append(.fundInsurance(asset: Harness.usdt, amount: amount("1000", scale: 6)))
        setup.append(.fundInsurance(asset: Harness.btc, amount: amount("0.01", scale: 8)))
        for market in [MarketID(1), MarketID(2)] {
            setup.append(
                .configureLiquidation(
                    market: market,
                    LiquidationParameters(
                        depth: .squareRoot(
                            depth: market == MarketID(1)
                                ? amount("2000000", scale: 6).atoms : amount("40", scale: 8).atoms,
                            coefficient: rate("0.02")),
                        penaltyRate: rate("0.005"), clearanceFeeRate: rate("0.001"),
                        target: .maintenancePlusBuffer(rate("0.1")),
                        stepFraction: rate("0.5"), dustNotional: 0,
                        lossAllocation: market == MarketID(1)
                            ? .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 64)
                            : .socialized,
                        mechanism: market == MarketID(1) ? .orderBook : .backstop(priceShare: rate("0.5")),
                        keeperReward: .init(flat: market == MarketID(1) ? 1_000_000 : 1_000, rate: rate("0.0002")),
                        fundDrawCap: market == MarketID(2) ? .init(perInterval: 500_000, intervalSeconds: 2) : nil)))
        }
        // Market 3 auctions each step: 1 % above the mark, 1 % off every 50 ms, reset after 1 s
        // or below 70 % of the top; the starting keeper is paid from the fund.
        setup.append(
            .configureLiquidation(
                market: MarketID(3),
                LiquidationParameters(
                    depth: .squareRoot(depth: amount("2000000", scale: 6).atoms, coefficient: rate("0.02")),
                    penaltyRate: rate("0.005"), clearanceFeeRate: rate("0.001"),
                    target: .maintenancePlusBuffer(rate("0.1")),
                    stepFraction: rate("0.5"), dustNotional: 0, lossAllocation: .socialized,
                    mechanism: .auction(
                        DutchAuctionRules(
                            buffer: rate("1.01"), curve: .stairstepExponential(cut: rate("0.99"), step: 50_000_000),
                            tailSeconds: 1, cusp: rate("0.7"), tipFlat: 1_000_000, chip: rate("0.001"),
                            dust: 100_000_000)))))
        // Accounts 11 and 12 stand behind the inverse market as backstop providers.
        setup.append(.registerBackstop(account: AccountID(11), market: MarketID(2), capacity: amount("2", scale: 8)))
        setup.append(.registerBackstop(account: AccountID(12), market: MarketID(2), capacity: amount("2", scale: 8)))
        for id: UInt64 in 1...4 {
            setup.append(.setLeverage(account: AccountID(id), market: MarketID(1), leverage: 20, isolated: true))
            setup.append(.setLeverage(account: AccountID(id), market: MarketID(2), leverage: 20, isolated: true))
            setup.append(.setLeverage(account: AccountID(id), market: MarketID(3), leverage: 20, isolated: true))
        }
        for id: UInt64 in 1...12 {
            setup.append(.deposit(account: AccountID(id), asset: Harness.usdt, amount: amount("20000", scale: 6)))
            setup.append(.deposit(account: AccountID(id), asset: Harness.btc, amount: amount("0.5", scale: 8)))
        }
        for command in setup {
            harness.ok(command)
            inputs.append((command, nil))
        }
    }
}
