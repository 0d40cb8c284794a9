import SolventCore
import SolventRandom

/// Engines in the states the benchmarks measure, built through ordinary engine commands.
public struct WorkloadEngine {
    public var engine = Engine()
    public var sequence: UInt64 = 0
    public var time: Int64 = 1_700_000_000_000_000_000
    public static let usdt = AssetID(1)
    public static let btc = AssetID(2)

    public init() {}

    @discardableResult
    public mutating func run(_ command: Command) -> Outcome {
        sequence += 1
        time += 1_000
        return engine.execute(
            SequencedInput(
                sequence: sequence, timestamp: Timestamp(nanoseconds: time), commandID: nil, command: command))
    }

    mutating func ok(_ command: Command) {
        let outcome = run(command)
        precondition(outcome.rejection == nil, "workload command rejected: \(outcome)")
    }

    /// USDT and BTC with prices, and `markets` linear BTCUSDT-like markets (ids 1...markets) with
    /// the Binance 2021 table, taker 0.04 %, maker 0.02 %, marks at 60,000.
    public mutating func standardVenue(markets: Int = 1, tiers: [RiskTier]? = nil) {
        ok(.createAsset(AssetSpec(id: Self.usdt, symbol: "USDT", scale: 6)))
        ok(.createAsset(AssetSpec(id: Self.btc, symbol: "BTC", scale: 8)))
        ok(.setIndexPrice(asset: Self.usdt, price: Price("1")!))
        ok(.setIndexPrice(asset: Self.btc, price: Price("60000")!))
        let table = try! RiskTierTable.make(tiers: tiers ?? Self.binance2021).get()
        for id in 1...markets {
            ok(
                .createMarket(
                    MarketSpec(
                        id: MarketID(UInt32(id)), symbol: "PERP\(id)", kind: .linear, settleAsset: Self.usdt,
                        contractSize: Quantity("1")!, tickSize: Price("0.1")!, lotSize: Quantity("0.001")!),
                    RiskParameters(
                        margin: .tiered(table), feeMakerRate: Rate("0.0002")!, feeTakerRate: Rate("0.0004")!,
                        priceMaxAgeSeconds: 3_600)))
            ok(.setMarkPrice(market: MarketID(UInt32(id)), mark: Price("60000")!, index: nil))
        }
    }

    static let binance2021: [RiskTier] = binanceBTCUSDT2021Tiers()

    /// The bench_perp_mtm.py population on a two-tier market, with `accounts` accounts.
    public static func perpVenue(accounts: Int) -> WorkloadEngine {
        var venue = WorkloadEngine()
        venue.standardVenue(tiers: twoTiers)
        venue.perpPopulation(accounts: accounts, seed: 12_345)
        return venue
    }

    /// The liquidation benchmark's population on the two-tier market.
    public static func riskVenue(accounts: Int) -> WorkloadEngine {
        var venue = WorkloadEngine()
        venue.standardVenue(tiers: twoTiers)
        venue.riskPopulation(accounts: accounts, seed: 4_242)
        return venue
    }

    /// A mark within ±3 ticks of 60,000, varying with `tick`.
    public static func jitteredMark(_ tick: Int64) -> Price { Price(atoms: (600_000 + tick % 7 - 3) * 10_000_000) }

    /// The two tiers of ../shared/bench/bench_perp_mtm.py: 0.5 % up to 100,000 USDT, 1 % above.
    public static let twoTiers: [RiskTier] = [
        RiskTier(
            notionalCap: Amount(atoms: 100_000_000_000), initialRate: Rate("0.01")!, maintenanceRate: Rate("0.005")!),
        RiskTier(notionalCap: nil, initialRate: Rate("0.02")!, maintenanceRate: Rate("0.01")!),
    ]

    /// Account 1 with a 1.5-contract long in each of `markets` markets (account 2 holds the
    /// shorts): the cross account whose re-margin the benchmarks time.
    public mutating func crossAccount(positions markets: Int) -> Account {
        standardVenue(markets: markets)
        fundedAccounts(2, usdt: 10_000_000)
        for market in 1...markets {
            ok(
                .applyFill(
                    Fill(
                        market: MarketID(UInt32(market)), buyer: AccountID(1), seller: AccountID(2),
                        quantity: Quantity("1.5")!, price: Price("60000")!, taker: .buyer)))
        }
        let account = engine.account(AccountID(1))!
        precondition(account.positions.count == markets)
        return account
    }

    /// `accounts` accounts, each with `usdt` USDT.
    public mutating func fundedAccounts(_ accounts: Int, usdt: Int64) {
        for id in 1...accounts {
            ok(.openAccount(AccountID(UInt64(id))))
            ok(.deposit(account: AccountID(UInt64(id)), asset: Self.usdt, amount: Amount(atoms: usdt * 1_000_000)))
        }
    }

    /// The benchmark population of bench_perp_mtm.py, same distributions: size uniform in
    /// 0.001–5 BTC, long or short, entry 60,000 × e^N(0, 0.01), initial leverage 1–25x, collateral
    /// = notional / leverage, cross margin, one position per account.
    public mutating func perpPopulation(accounts: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for id in 1...accounts {
            let account = AccountID(UInt64(id))
            let size = Int64(random.uniform(0.001, 5.0) * 1_000) * 100_000 * (random.next() & 1 == 0 ? 1 : -1)
            let entry = Int64((60_000.0 * random.boxMullerLogNormal(sigma: 0.01) * 10).rounded()) * 10_000_000
            let leverage = random.uniform(1.0, 25.0)
            let notional = Double(abs(size)) / 1e8 * Double(entry) / 1e8
            ok(.openAccount(account))
            ok(
                .deposit(
                    account: account, asset: Self.usdt, amount: Amount(atoms: Int64(notional / leverage * 1e6) + 1)))
            ok(
                .importPosition(
                    account: account, market: MarketID(1),
                    size: Quantity(atoms: max(100_000, abs(size)) * (size < 0 ? -1 : 1)),
                    entryPrice: Price(atoms: entry), isolatedMargin: nil))
        }
    }
}

extension WorkloadEngine {
    /// The liquidation benchmark's population: one position per account, half isolated and half cross; size
    /// uniform in 0.001–5 BTC, long or short, entry 60,000 × e^N(0, 0.01); leverage log-normal
    /// (median 4x, σ 1.1) clamped to 1–100x, so that most accounts run low leverage and a tail
    /// runs high; margin = notional / leverage. A 10 % move against the longs liquidates about
    /// one account in ten.
    public mutating func riskPopulation(accounts: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for id in 1...accounts {
            let account = AccountID(UInt64(id))
            let size =
                max(100_000, Int64(random.uniform(0.001, 5.0) * 1_000) * 100_000) * (random.next() & 1 == 0 ? 1 : -1)
            let entry = Int64((60_000.0 * random.boxMullerLogNormal(sigma: 0.01) * 10).rounded()) * 10_000_000
            let leverage = min(100, max(1, 4 * random.boxMullerLogNormal(sigma: 1.1)))
            let isolated = random.next() & 1 == 0
            let notional = Double(abs(size)) / 1e8 * Double(entry) / 1e8
            let margin = Int64(notional / leverage * 1e6) + 1
            ok(.openAccount(account))
            ok(.deposit(account: account, asset: Self.usdt, amount: Amount(atoms: margin)))
            if isolated {
                ok(
                    .setLeverage(
                        account: account, market: MarketID(1), leverage: Int64(leverage.rounded(.up)), isolated: true))
            }
            ok(
                .importPosition(
                    account: account, market: MarketID(1), size: Quantity(atoms: size), entryPrice: Price(atoms: entry),
                    isolatedMargin: isolated ? Amount(atoms: margin) : nil))
        }
    }
}

/// Fills between random pairs of funded accounts around the mark, small enough that initial
/// margin always holds, alternating buyer and seller so positions stay bounded.
public struct FillStream {
    var random = SplitMix64(seed: 7)
    let accounts: UInt64
    public init(accounts: Int) { self.accounts = UInt64(accounts) }

    public mutating func next(market: MarketID = MarketID(1)) -> Command {
        let buyer = random.next() % accounts + 1
        var seller = random.next() % accounts + 1
        if seller == buyer { seller = seller % accounts + 1 }
        let lots = Int64(random.next() % 50 + 1)
        let ticks = 600_000 + Int64(random.next() % 201) - 100
        return .applyFill(
            Fill(
                market: market, buyer: AccountID(buyer), seller: AccountID(seller),
                quantity: Quantity(atoms: lots * 100_000), price: Price(atoms: ticks * 10_000_000),
                taker: random.next() & 1 == 0 ? .buyer : .seller))
    }
}

/// Oracle updates from 16 sources around 60,000 (one an outlier), fresh, in rotation.
public struct OracleStream {
    public let config: OracleConfig
    var random = SplitMix64(seed: 11)
    public init(sources: Int = 16) {
        config = OracleConfig(
            sources: (1...sources).map { OracleConfig.Source(id: SourceID(UInt32($0)), weight: Int64($0 % 3 + 1)) },
            sampleMaxAgeSeconds: 60, minimumSources: sources / 2)
    }

    public mutating func samples(at time: Timestamp) -> [OracleSample] {
        config.sources.map { source in
            let outlier = source.id.rawValue == 7
            let price = 6_000_000_000_000 + Int64(random.next() % 2_000_000_000) * (outlier ? 100 : 1)
            return OracleSample(source: source.id, price: Price(atoms: price), time: time)
        }
    }
}

extension WorkloadEngine {
    /// An options account for the margin-model benchmark: two perpetuals (PERP1 the options'
    /// underlying), a 30-day 66,000 call and a 54,000 put on PERP1 with a smile, the VaR rules'
    /// `scenarios` seeded daily moves on both perpetuals, and account 1 long 1.5 PERP1, short 2
    /// PERP2, short 2 calls and long 1 put, under `model`.
    public mutating func optionAccount(model: AccountMarginModel, scenarios: Int = 1_000) -> Account {
        standardVenue(markets: 2)
        fundedAccounts(2, usdt: 10_000_000)
        let expiry = Timestamp(nanoseconds: time + 30 * 86_400_000_000_000)
        for (id, right, strike) in [(UInt32(20), OptionTerms.Right.call, "66000"), (21, .put, "54000")] {
            var spec = MarketSpec(
                id: MarketID(id), symbol: "OPT\(id)", kind: .linear, settleAsset: Self.usdt,
                contractSize: Quantity("1")!,
                tickSize: Price("0.1")!, lotSize: Quantity("0.001")!)
            spec.expiry = expiry
            spec.option = OptionTerms(right: right, strike: Price(strike)!, underlying: MarketID(1), premium: .quote)
            ok(
                .createMarket(
                    spec,
                    RiskParameters(
                        margin: .tiered(try! RiskTierTable.make(tiers: Self.binance2021).get()),
                        priceMaxAgeSeconds: 3_600)))
        }
        ok(
            .setVolatilitySmile(
                underlying: MarketID(1),
                VolatilitySmile(
                    expiry: expiry, strikes: [Price("50000")!, Price("60000")!, Price("70000")!],
                    volatilities: [Rate("0.65")!, Rate("0.55")!, Rate("0.6")!])))
        var random = SplitMix64(seed: 99)
        var first: [Rate] = [], second: [Rate] = []
        for _ in 0..<scenarios {
            let common = random.boxMullerNormal() * 0.03
            first.append(Rate(atoms: Int64(common * 1e9)))
            second.append(Rate(atoms: Int64((0.8 * common + 0.02 * random.boxMullerNormal()) * 1e9)))
        }
        ok(
            .configureVaRMargin(
                VaRMarginRules(
                    series: [.init(market: MarketID(1), moves: first), .init(market: MarketID(2), moves: second)],
                    confidence: Rate("0.99")!, maintenanceFactor: Rate("0.8")!)))
        for (market, quantity, buyer) in [(UInt32(1), "1.5", true), (2, "2", false), (20, "2", false), (21, "1", true)]
        {
            let price = engine.market(MarketID(market))!.mark / 10_000_000 * 10_000_000
            ok(
                .applyFill(
                    Fill(
                        market: MarketID(market), buyer: AccountID(buyer ? 1 : 2), seller: AccountID(buyer ? 2 : 1),
                        quantity: Quantity(quantity)!, price: Price(atoms: price), taker: .buyer)))
        }
        ok(.setMarginModel(account: AccountID(1), model))
        return engine.account(AccountID(1))!
    }
}
