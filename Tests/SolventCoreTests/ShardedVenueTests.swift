import Foundation
import SolventCore
import SolventRandom
import SolventTestSupport
import Testing

/// A venue of four shards against one engine on the same inputs: a crash and a rebound that
/// liquidate, draw the insurance fund and auto-deleverage across shards must leave every account
/// in the same state (digest for digest), the same fund, deficit and book, step for step.
@Suite struct ShardedVenueTests {
    static let market = MarketID(1)
    static let usdt = Harness.usdt

    /// One engine and a sharded venue, driven by the same commands at the same times.
    struct Twin {
        var single = Engine()
        var venue: ShardedVenue
        var sequence: UInt64 = 0
        var time: Int64 = 1_700_000_000_000_000_000
        /// Per applied step of each: the account, its counterparties (sorted) and what the fund paid.
        var singleSteps: [String] = []
        var venueSteps: [String] = []
        var remoteShares = 0
        /// Inputs applied and refused, and trades novated across two shards.
        var applied = 0
        var refused = 0
        var novated = 0
        /// Every command run one at a time, with its time (a script to run again).
        var script: [(command: Command, time: Timestamp)] = []

        /// With `auditing`, both audit after every event (conservation to the atom on every shard
        /// and on the engine; O(state) per event, so the larger populations audit at the end).
        init(shards: Int, auditing: Bool) {
            venue = ShardedVenue(shards: shards, start: Timestamp(nanoseconds: time), auditing: auditing)
            single.auditsEveryEvent = auditing
        }

        @discardableResult
        mutating func run(_ command: Command, sourceLocation: SourceLocation = #_sourceLocation) -> Rejection? {
            sequence += 1
            time += 1_000_000
            let at = Timestamp(nanoseconds: time)
            script.append((command, at))
            let one = single.execute(
                SequencedInput(sequence: sequence, timestamp: at, commandID: nil, command: command))
            let many: ShardedVenue.Outcomes
            do { many = try venue.execute(command, at: at) } catch {
                Issue.record("the venue diverged: \(error)", sourceLocation: sourceLocation)
                return one.rejection
            }
            #expect(
                one.rejection?.code == many.rejection?.code,
                "\(command): \(one) vs \(String(describing: many.rejection))",
                sourceLocation: sourceLocation)
            if one.rejection == nil { applied += 1 } else { refused += 1 }
            if case .applyFill = command, many.rejection == nil, many.outcomes.count == 2 { novated += 1 }
            for event in one.events {
                if case .positionLiquidated(let step) = event { singleSteps.append(Self.describe(step)) }
            }
            for event in many.events {
                guard case .positionLiquidated(let step) = event else { continue }
                venueSteps.append(Self.describe(step))
                remoteShares += step.remoteShares?.count ?? 0
            }
            return one.rejection
        }

        /// Several commands at one time: the venue's batch (`execute(_:at:)` of a list, what each
        /// account's shard alone decides sent per shard), the engine's one by one.
        mutating func run(batch commands: [Command], sourceLocation: SourceLocation = #_sourceLocation) {
            time += 1_000_000
            let at = Timestamp(nanoseconds: time)
            let many: [ShardedVenue.Outcomes]
            do { many = try venue.execute(commands, at: at) } catch {
                Issue.record("the venue diverged: \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(many.count == commands.count, sourceLocation: sourceLocation)
            for (command, outcomes) in zip(commands, many) {
                sequence += 1
                let one = single.execute(
                    SequencedInput(sequence: sequence, timestamp: at, commandID: nil, command: command))
                #expect(
                    one.rejection?.code == outcomes.rejection?.code,
                    "\(command): \(one) vs \(String(describing: outcomes.rejection))", sourceLocation: sourceLocation)
                if one.rejection == nil { applied += 1 } else { refused += 1 }
                if case .applyFill = command, outcomes.rejection == nil, outcomes.outcomes.count == 2 { novated += 1 }
                for event in one.events {
                    if case .positionLiquidated(let step) = event { singleSteps.append(Self.describe(step)) }
                }
                for event in outcomes.events {
                    guard case .positionLiquidated(let step) = event else { continue }
                    venueSteps.append(Self.describe(step))
                    remoteShares += step.remoteShares?.count ?? 0
                }
            }
        }

        static func describe(_ step: LiquidationStep) -> String {
            let counterparties = (step.counterparties.map(\.account) + (step.remoteShares ?? []).map(\.account))
                .map(\.rawValue).sorted()
            return "\(step.account.account) q=\(step.quantity) at \(step.accountPrice) draw=\(step.fundDraw) "
                + "uncovered=\(step.uncovered) adl=\(counterparties)"
        }
    }

    static func parameters(cap: Bool) -> LiquidationParameters {
        LiquidationParameters(
            depth: .squareRoot(depth: amount("2000000", scale: 6).atoms, coefficient: rate("0.02")),
            penaltyRate: rate("0.005"), clearanceFeeRate: rate("0.001"), target: .maintenancePlusBuffer(rate("0.1")),
            stepFraction: rate("0.5"), dustNotional: 0,
            lossAllocation: .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 6),
            fundDrawCap: cap ? .init(perInterval: amount("400", scale: 6).atoms, intervalSeconds: 60) : nil)
    }

    /// USDT and BTCUSDT on the Binance 2021 tiers; `accounts` traders paired long/short at
    /// 60,000 with leverage 5 to 25 on 2,000 to 20,000 USDT, through trades that mostly cross
    /// shards; 300 USDT in the fund.
    static func venue(
        shards: Int, accounts: Int, seed: UInt64, cap: Bool, entry: Int64 = 60_000, auditing: Bool = false
    ) -> Twin {
        let entryPrice = Price(atoms: entry * 100_000_000)
        var twin = Twin(shards: shards, auditing: auditing)
        twin.run(.createAsset(AssetSpec(id: usdt, symbol: "USDT", scale: 6)))
        twin.run(.setIndexPrice(asset: usdt, price: Price("1")!))
        twin.run(.createMarket(linearMarket(1), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))))
        twin.run(.setMarkPrice(market: market, mark: entryPrice, index: nil))
        twin.run(.configureLiquidation(market: market, parameters(cap: cap)))
        twin.run(.fundInsurance(asset: usdt, amount: amount("300", scale: 6)))
        var random = SplitMix64(seed: seed)
        let ids = (0..<accounts).map { AccountID(UInt64(1_000 + $0)) }
        for id in ids {
            twin.run(.openAccount(id))
            let collateral = Int64(random.uniform(2_000, 20_000)) * 1_000_000
            twin.run(.deposit(account: id, asset: usdt, amount: Amount(atoms: collateral)))
            twin.run(.setLeverage(account: id, market: market, leverage: Int64(random.uniform(5, 25)), isolated: false))
        }
        for pair in stride(from: 0, to: ids.count - 1, by: 2) {
            let (buyer, seller) = (ids[pair], ids[pair + 1])
            let room = min(
                twin.single.account(buyer)!.balances[0].atoms, twin.single.account(seller)!.balances[0].atoms)
            // Up to 80 % of the smaller side's leveraged room, in lots of 0.001 BTC.
            let lots = Int64(Double(room) / 1e6 * 5 * random.uniform(0.3, 0.8) / Double(entry) * 1_000)
            guard lots > 0 else { continue }
            twin.run(
                .applyFill(
                    Fill(
                        market: market, buyer: buyer, seller: seller, quantity: Quantity(atoms: lots * 100_000),
                        price: entryPrice, taker: .buyer)))
        }
        return twin
    }

    /// A mark, then every pool the engine flags for liquidation, in pool order, one step each
    /// until none is left (a step the engine refuses is not retried at this mark).
    static func mark(_ twin: inout Twin, _ price: Int64, oracle: Bool = false, keeper: AccountID? = nil) {
        if oracle {
            // Two sources at the price, stamped at the update's own time.
            twin.run(.setIndexPrice(asset: usdt, price: Price("1")!))
            let at = Timestamp(nanoseconds: twin.time + 1_000_000)
            twin.run(
                .updateOracle(
                    market: market,
                    samples: [1, 2].map { OracleSample(source: SourceID($0), price: Price(atoms: price), time: at) },
                    last: nil, mid: nil))
        } else {
            twin.run(.setMarkPrice(market: market, mark: Price(atoms: price), index: nil))
        }
        #expect(twin.single.alerts.map(\.pool) == twin.venue.alerts.map(\.pool))
        var refused: Set<AccountID> = []
        for _ in 0..<2_000 {
            guard
                let pool = twin.single.alerts.first(where: {
                    $0.alert == .liquidating && !refused.contains($0.pool.account)
                })?
                .pool
            else { break }
            // A keeper is paid on the liquidated account's shard (a venue refuses one elsewhere).
            let sameShard = keeper.map { twin.venue.map.shard(of: $0) == twin.venue.map.shard(of: pool.account) }
            if twin.run(.liquidate(account: pool.account, market: market, keeper: sameShard == true ? keeper : nil))
                != nil
            {
                refused.insert(pool.account)
            }
        }
    }

    static func compare(_ twin: Twin, sourceLocation: SourceLocation = #_sourceLocation) {
        for account in twin.single.accounts.dropFirst() {
            let shard = twin.venue.map.shard(of: account.id)
            #expect(
                twin.single.digestHex(of: account.id) == twin.venue.shards[shard].digestHex(of: account.id),
                "account \(account.id)", sourceLocation: sourceLocation)
        }
        let totals = twin.venue.totals(of: usdt)
        #expect(totals.fund == twin.single.asset(usdt)!.insuranceFund, sourceLocation: sourceLocation)
        #expect(totals.deficit == twin.single.asset(usdt)!.deficit, sourceLocation: sourceLocation)
        // The books' positions across shards net to the one engine's book.
        let book = twin.venue.shards.reduce(Int64(0)) { $0 + ($1.account(.venue)!.positions.first?.size ?? 0) }
        #expect(book == (twin.single.account(.venue)!.positions.first?.size ?? 0), sourceLocation: sourceLocation)
        #expect(twin.singleSteps == twin.venueSteps, sourceLocation: sourceLocation)
        for (index, shard) in twin.venue.shards.enumerated() {
            #expect(Auditor.violations(in: shard).isEmpty, "shard \(index)", sourceLocation: sourceLocation)
            #expect(shard.venue?.reservations.isEmpty == true, sourceLocation: sourceLocation)
        }
        #expect(Auditor.violations(in: twin.single).isEmpty, sourceLocation: sourceLocation)
        #expect(
            twin.venue.auditFindings.isEmpty, "\(twin.venue.auditFindings.prefix(3))", sourceLocation: sourceLocation)
        #expect(
            twin.single.auditFindings.isEmpty, "\(twin.single.auditFindings.prefix(3))", sourceLocation: sourceLocation)
    }

    /// The crash cascade: down 40 % in 2 % steps, then up 45 % in 3 % steps (the shorts' turn),
    /// with the fund's draw cap on in one run and off in the other.
    @Test(arguments: [(UInt64(7), false), (UInt64(11), true)])
    func crashOnFourShardsMatchesOneEngine(seed: UInt64, cap: Bool) {
        var twin = Self.venue(shards: 4, accounts: 240, seed: seed, cap: cap)
        var price = 60_000.0
        for _ in 0..<25 {
            price *= 0.98
            Self.mark(&twin, Int64(price) * 100_000_000)
        }
        for _ in 0..<13 {
            price *= 1.03
            Self.mark(&twin, Int64(price) * 100_000_000)
        }
        Self.check(twin)
    }

    static let crashFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/data/market/crash/2020-03-12_btcusdt_binance_perp_1h.csv")

    /// BTC's fall of more than 50 % on 2020-03-12/13 (Binance perpetual, hourly bars: open, the
    /// extreme against the bar's direction, the other extreme, close) through 400 accounts on
    /// four shards and one engine.
    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: crashFile.path),
            "../shared/data is absent: the sharded venue's real-crash test is skipped"))
    func realCrashOf2020OnFourShardsMatchesOneEngine() throws {
        let lines = try String(contentsOf: Self.crashFile, encoding: .utf8).split(separator: "\n").dropFirst()
        // Price atoms on the 0.1 tick.
        let bars = lines.map { line in
            line.split(separator: ",")[1...4].map { Int64((Double($0)! * 10).rounded()) * 10_000_000 }
        }
        var twin = Self.venue(shards: 4, accounts: 400, seed: 3, cap: false, entry: bars[0][0] / 100_000_000)
        for bar in bars {
            let (open, high, low, close) = (bar[0], bar[1], bar[2], bar[3])
            for price in close < open ? [open, high, low, close] : [open, low, high, close] { Self.mark(&twin, price) }
        }
        Self.check(twin)
    }

    /// Every account, the fund, the steps and the book as one engine has them; not vacuous (steps
    /// ran, auto-deleveraging reached other shards); the venue replays from its journals.
    static func check(_ twin: Twin, sourceLocation: SourceLocation = #_sourceLocation) {
        compare(twin, sourceLocation: sourceLocation)
        #expect(twin.singleSteps.count > 20, "\(twin.singleSteps.count) steps", sourceLocation: sourceLocation)
        #expect(
            twin.singleSteps.contains { $0.contains("adl=[") && !$0.contains("adl=[]") }, sourceLocation: sourceLocation
        )
        #expect(twin.remoteShares > 0, sourceLocation: sourceLocation)
        let replayed = ShardedVenue.replay(twin.venue.journals)
        #expect(
            replayed.map { $0.digestHex() } == twin.venue.shards.map { $0.digestHex() }, sourceLocation: sourceLocation)
    }

    /// Random inputs of every kind an account sends (deposits, withdrawals beyond the balance,
    /// leverage and margin mode, isolated margin, trades that cross shards, some refused),
    /// funding and marks, on three shards and one engine: every input is applied or refused
    /// alike, with the same code, and every account ends in the same state.
    @Test(arguments: [UInt64(1), 2, 3])
    func seededInputsOnThreeShardsMatchOneEngine(seed: UInt64) {
        var twin = Self.venue(shards: 3, accounts: 30, seed: seed, cap: false, auditing: true)
        var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15)
        let ids = (0..<32).map { AccountID(UInt64(1_000 + $0)) }  // two never opened
        var price = 60_000.0
        func any() -> AccountID { ids[Int(random.next() % UInt64(ids.count))] }
        for _ in 0..<600 {
            let usdt = Amount(atoms: Int64(random.uniform(1, 3_000)) * 1_000_000)
            switch random.next() % 8 {
            case 0: twin.run(.deposit(account: any(), asset: Self.usdt, amount: usdt))
            case 1: twin.run(.withdraw(account: any(), asset: Self.usdt, amount: usdt))
            case 2:
                twin.run(
                    .setLeverage(
                        account: any(), market: Self.market, leverage: Int64(1 + random.next() % 30),
                        isolated: random.next() % 3 == 0))
            case 3: twin.run(.adjustIsolatedMargin(account: any(), market: Self.market, amount: usdt))
            case 4:
                price *= random.uniform(0.985, 1.015)
                Self.mark(&twin, Int64(price) * 100_000_000, keeper: random.next() % 2 == 0 ? any() : nil)
            case 5:
                twin.run(
                    .settleFunding(market: Self.market, rate: Rate(atoms: Int64(random.uniform(-300_000, 300_000)))))
                if random.next() % 4 == 0 { twin.run(.fundInsurance(asset: Self.usdt, amount: usdt)) }
                if random.next() % 4 == 0 { twin.run(.coverDeficit(asset: Self.usdt, amount: usdt)) }
                if random.next() % 4 == 0 {
                    twin.run(
                        .importPosition(
                            account: any(), market: Self.market,
                            size: Quantity(atoms: Int64(random.uniform(-50, 50)) * 100_000),
                            entryPrice: Price(atoms: Int64(price) * 100_000_000), isolatedMargin: nil))
                }
            default:
                let lots = Int64(1 + random.next() % 400)
                twin.run(
                    .applyFill(
                        Fill(
                            market: Self.market, buyer: any(), seller: any(), quantity: Quantity(atoms: lots * 100_000),
                            price: Price(atoms: Int64(price * random.uniform(0.99, 1.01)) * 100_000_000),
                            taker: random.next() % 2 == 0 ? .buyer : .seller)))
            }
        }
        Self.compare(twin)
        #expect(
            twin.applied > 400 && twin.refused > 100 && twin.novated > 50,
            "\(twin.applied) \(twin.refused) \(twin.novated)")
    }

    /// The same kinds of input sent in batches of 1 to 40 at one time each (the gateway's form):
    /// deposits, withdrawals, leverage, isolated margin, imports, fund top-ups, funding and trades
    /// within and across shards, with marks and their liquidations between batches. Every
    /// command is refused alike and every account ends as on one engine.
    @Test(arguments: [UInt64(4), 5])
    func seededBatchesOnThreeShardsMatchOneEngine(seed: UInt64) {
        var twin = Self.venue(shards: 3, accounts: 30, seed: seed, cap: false, auditing: true)
        var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15)
        let ids = (0..<32).map { AccountID(UInt64(1_000 + $0)) }  // two never opened
        var price = 60_000.0
        func any() -> AccountID { ids[Int(random.next() % UInt64(ids.count))] }
        for _ in 0..<40 {
            var batch: [Command] = []
            for _ in 0..<(1 + random.next() % 40) {
                let usdt = Amount(atoms: Int64(random.uniform(1, 3_000)) * 1_000_000)
                switch random.next() % 8 {
                case 0: batch.append(.deposit(account: any(), asset: Self.usdt, amount: usdt))
                case 1: batch.append(.withdraw(account: any(), asset: Self.usdt, amount: usdt))
                case 2:
                    batch.append(
                        .setLeverage(
                            account: any(), market: Self.market, leverage: Int64(1 + random.next() % 30),
                            isolated: random.next() % 3 == 0))
                case 3: batch.append(.adjustIsolatedMargin(account: any(), market: Self.market, amount: usdt))
                case 4:
                    batch.append(
                        .importPosition(
                            account: any(), market: Self.market,
                            size: Quantity(atoms: Int64(random.uniform(-50, 50)) * 100_000),
                            entryPrice: Price(atoms: Int64(price) * 100_000_000), isolatedMargin: nil))
                case 5:
                    batch.append(
                        random.next() % 2 == 0
                            ? .fundInsurance(asset: Self.usdt, amount: usdt)
                            : .settleFunding(
                                market: Self.market, rate: Rate(atoms: Int64(random.uniform(-300_000, 300_000)))))
                default:
                    batch.append(
                        .applyFill(
                            Fill(
                                market: Self.market, buyer: any(), seller: any(),
                                quantity: Quantity(atoms: Int64(1 + random.next() % 400) * 100_000),
                                price: Price(atoms: Int64(price * random.uniform(0.99, 1.01)) * 100_000_000),
                                taker: random.next() % 2 == 0 ? .buyer : .seller)))
                }
            }
            twin.run(batch: batch)
            price *= random.uniform(0.97, 1.03)
            Self.mark(&twin, Int64(price) * 100_000_000)
        }
        Self.compare(twin)
        #expect(
            twin.applied > 300 && twin.refused > 50 && twin.novated > 30,
            "\(twin.applied) \(twin.refused) \(twin.novated)")
    }

    /// The liquidation-rate limiter travels with the baton: marks from a two-source oracle whose
    /// limiter allows 150,000 USDT of liquidated notional a minute, so steps are cut and then
    /// refused (`liquidationPaused`) on the venue exactly as on one engine, shard after shard.
    @Test func theRateLimiterSpansShardsAsOnOneEngine() {
        var twin = Self.venue(shards: 4, accounts: 240, seed: 19, cap: true)
        twin.run(
            .configureOracle(
                market: Self.market,
                OracleConfig(
                    sources: [.init(id: SourceID(1), weight: 1), .init(id: SourceID(2), weight: 1)],
                    minimumSources: 2, priceMoveThreshold: .zero, liquidationDepth: amount("150000", scale: 6).atoms,
                    liquidationDepthFraction: rate("1"), liquidationWindowSeconds: 60)))
        var price = 60_000.0
        for index in 0..<30 {
            price *= index < 20 ? 0.98 : 1.03
            Self.mark(&twin, Int64(price) * 100_000_000, oracle: true)
            if index % 5 == 4 { twin.time += 61_000_000_000 }  // a new window now and then
        }
        Self.check(twin)
        #expect(twin.refused > 10, "no step was held back by the limiter")
        let limiters = twin.venue.shards.compactMap { $0.market(Self.market)?.oracle?.limiter.liquidatedInWindow }
        #expect(limiters.contains { $0 > 0 })
    }
}
