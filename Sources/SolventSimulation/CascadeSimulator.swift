import SolventCore

/// A liquidation cascade on a price path, driven through the real engine.
///
/// At every price point the simulator runs rounds of `roundSeconds`: it sends the simulated
/// price (the exogenous price moved by the impact of the liquidation flow so far) to the
/// engine's oracle and the coin collateral's index, asks the engine to liquidate every pool in
/// liquidation (worst-first is the engine's business; the simulator visits pools in pool-key
/// order), lets bidders take auction lots that are through the market, and adds the round's
/// net forced flow to the impact. Rounds continue while anything happens (or auctions are
/// open, or the breaker's pause is due to end) until the next point's time; a cascade that
/// outlasts the interval carries over to the next point.
public struct CascadeSimulator {
    public struct PricePoint: Hashable, Sendable {
        public var time: Timestamp
        public var price: Price
        public init(time: Timestamp, price: Price) {
            self.time = time
            self.price = price
        }
    }

    /// A funding settlement of the path: at `time` every position pays or receives `rate` of
    /// its notional at the mark (longs pay shorts when positive), through the engine's own
    /// `settleFunding`.
    public struct FundingPoint: Hashable, Sendable {
        public var time: Timestamp
        public var rate: Rate
        public init(time: Timestamp, rate: Rate) {
            self.time = time
            self.rate = rate
        }
    }

    public enum SetupError: Error, CustomStringConvertible, Sendable {
        case invalid(field: String, reason: String)
        case rejected(String)
        public var description: String {
            switch self {
            case .invalid(let field, let reason): return "\(field): expected \(reason)"
            case .rejected(let message): return message
            }
        }
    }

    /// One simulated market: a linear perpetual on `coin` settled in USDT (or, alone, the
    /// inverse one), its path's first point, and its impact depth in contracts (nil: the
    /// configuration's).
    public struct MarketSetup: Hashable, Sendable {
        public var symbol: String
        public var coin: String
        public var start: PricePoint
        public var depth: Double?
        public init(symbol: String, coin: String, start: PricePoint, depth: Double? = nil) {
            self.symbol = symbol
            self.coin = coin
            self.start = start
            self.depth = depth
        }
    }

    static let usdt = AssetID(1)
    static let coin = AssetID(2)
    static let lotSize: Int64 = 100_000  // 0.001 contract
    static let tick: Int64 = 10_000_000  // 0.1
    /// The simulated market's own participants, above any population id.
    static let bidder = AccountID(UInt64(1) << 62)
    static let keeper = AccountID((UInt64(1) << 62) + 1)
    static let backstop = AccountID((UInt64(1) << 62) + 2)
    public static let coinHaircut = 0.95
    /// The coin-margined market's contract, in USD.
    public static let inverseContractUSD: Int64 = 100
    /// The lot of the simulated market's population: 0.001 BTC (linear) or one contract (inverse).
    public static func lotSize(_ contract: SimulationConfig.Contract) -> Int64 {
        contract == .inverse ? 100_000_000 : lotSize
    }
    /// The highest price the simulated market runs (1e9 USDT a contract, in Price atoms): with
    /// the impact's tenfold rise on top its ticks and the venue's notionals stay far inside
    /// 64-bit fixed point. Paths and starts above it are refused.
    public static let maximumPrice: Int64 = 1_000_000_000 * 100_000_000

    /// What the simulator follows of one market while it runs.
    struct MarketRun {
        var symbol: String
        var id: MarketID
        /// The market's coin: collateral at `coinHaircut` (the settlement asset when inverse).
        var coin: AssetID
        var impact: MarketImpact
        var lastPrice: Int64 = 0
        /// Net forced flow still moving the price (contracts, sells positive), and when it was
        /// last decayed (nanoseconds).
        var flow = 0.0
        var flowTime: Int64 = 0
        var breakerUntil: Timestamp? = nil
        /// The open interest's notional at the start (USD).
        var openNotional = 0.0
        var summary: SimulationResult.MarketSummary
    }

    public let config: SimulationConfig
    public internal(set) var engine = Engine()
    var sequence: UInt64 = 0
    var result: SimulationResult
    var markets: [MarketRun] = []
    var liquidating = Set<PoolKey>()
    /// Pools the engine refused at the current prices (inside the exit buffer, or no position
    /// left); retried once a price moves.
    var stuck = Set<PoolKey>()
    var leverageByAccount: [UInt64: Double] = [:]
    var liquidatedAccounts = Set<UInt64>()
    var deleveragedAccounts = Set<UInt64>()
    var deleveragedLeverages: [Double] = []
    var auditEvery: Bool
    /// The settlement asset: USDT for linear markets, the coin for the inverse one.
    let settleAsset: AssetID
    let inverse: Bool

    /// One market, BTCUSDT (or BTCUSD when the contract is inverse), starting at `start`.
    public init(config: SimulationConfig, population: [SimulatedAccount], start: PricePoint) throws {
        let symbol = config.contract == .inverse ? "BTCUSD" : "BTCUSDT"
        try self.init(
            config: config, population: population, markets: [MarketSetup(symbol: symbol, coin: "BTC", start: start)])
    }

    /// Builds the venue: USDT and each market's coin (collateral at `coinHaircut`), each
    /// market's perpetual with `config.margin`, a one-source oracle (with the breaker when set)
    /// and the liquidation parameters, one insurance fund, the venue's own participants
    /// (bidder, keeper, backstop), and the population's positions imported at their entry
    /// prices: rows with the same account id are one account (one wallet, a position on each
    /// row's market). Several markets take linear contracts only.
    public init(config: SimulationConfig, population: [SimulatedAccount], markets setups: [MarketSetup]) throws {
        if let (field, reason) = config.validate() { throw SetupError.invalid(field: field, reason: reason) }
        guard !setups.isEmpty else { throw SetupError.invalid(field: "prices", reason: "at least one market") }
        guard setups.count == 1 || config.contract == .linear else {
            throw SetupError.invalid(field: "contract", reason: "linear contracts when several markets run together")
        }
        guard Set(setups.map(\.symbol)).count == setups.count, Set(setups.map(\.coin)).count == setups.count,
            !setups.contains(where: { $0.coin == "USDT" })
        else {
            throw SetupError.invalid(field: "prices", reason: "markets with distinct symbols and coins other than USDT")
        }
        self.config = config
        auditEvery = config.audit == .everyEvent
        inverse = config.contract == .inverse
        settleAsset = inverse ? Self.coin : Self.usdt
        result = SimulationResult(
            label: config.label, settings: config.summary, accounts: Set(population.map(\.id)).count)
        for (index, setup) in setups.enumerated() {
            guard setup.start.price.atoms > 0 && setup.start.price.atoms <= Self.maximumPrice else {
                throw SetupError.invalid(
                    field: setups.count == 1 ? "prices" : "prices \(setup.symbol)",
                    reason: "a first price above 0 and at most \(Price(atoms: Self.maximumPrice))")
            }
            var impact = config.impact
            if let depth = setup.depth { impact.depth = depth }
            markets.append(
                MarketRun(
                    symbol: setup.symbol, id: MarketID(UInt32(index + 1)), coin: AssetID(UInt32(index + 2)),
                    impact: impact, summary: .init(symbol: setup.symbol, start: Double(setup.start.price.atoms) / 1e8))
            )
        }
        for row in population where row.market < 0 || row.market >= markets.count {
            throw SetupError.invalid(field: "account \(row.id) market", reason: "one of the \(markets.count) markets")
        }
        let openInterest = try Self.openInterest(population, markets: markets.count)
        let starts = setups.map(\.start.price.atoms)
        result.openInterest = openInterest.reduce(0, +)
        result.openInterestNotional = zip(openInterest, starts).reduce(0.0) {
            $0 + (inverse ? $1.0 * Double(Self.inverseContractUSD) : $1.0 * Double($1.1) / 1e8)
        }
        for index in markets.indices {
            markets[index].summary.openInterest = openInterest[index]
            markets[index].openNotional =
                inverse
                ? openInterest[index] * Double(Self.inverseContractUSD)
                : openInterest[index] * Double(starts[index]) / 1e8
        }
        if markets.count > 1 { result.settings = Self.settings(config, markets: markets) }
        let setupTime = Timestamp(nanoseconds: setups[0].start.time.nanoseconds - 1_000_000_000)
        try setUpMarkets(setups, at: setupTime)
        try setUpFundAndParticipants(startPrice: starts[0], at: setupTime)
        try importPopulation(population, starts: starts, at: setupTime)
        if auditEvery { engine.auditsEveryEvent = true }
        let before = liquidating.count
        setPrices(starts, at: setups[0].start.time)
        result.start = Double(starts[0]) / 1e8
        result.initiallyLiquidating = max(0, liquidating.count - before)
    }

    /// The settings rows of a run over several markets: the impact's depth is each market's.
    static func settings(_ config: SimulationConfig, markets: [MarketRun]) -> [(String, String)] {
        let depths = markets.map { "\($0.symbol) \(($0.impact.depth * 1_000).rounded() / 1_000)" }
        return config.summary.map { name, value in
            guard name == "impact" else { return (name, value) }
            return (
                name,
                value.replacingOccurrences(
                    of: "depth \(config.impact.depth) contracts",
                    with: "depth by market (contracts): \(depths.joined(separator: ", "))")
            )
        }
    }

    /// Each market's open interest (contracts, the larger of its long and short sides); a
    /// total that passes 64 bits is a setup error, not a wrap.
    public static func openInterest(_ population: [SimulatedAccount], markets: Int) throws -> [Double] {
        var longs = [Int64](repeating: 0, count: markets)
        var shorts = [Int64](repeating: 0, count: markets)
        for account in population {
            guard account.market >= 0 && account.market < markets else {
                throw SetupError.invalid(field: "account \(account.id) market", reason: "one of the \(markets) markets")
            }
            let (sum, overflow) =
                account.size > 0
                ? longs[account.market].addingReportingOverflow(account.size)
                : shorts[account.market].subtractingReportingOverflow(account.size)
            guard !overflow, account.size != .min else {
                throw SetupError.invalid(
                    field: "account \(account.id) size", reason: "an open interest that fits 64-bit fixed point")
            }
            if account.size > 0 { longs[account.market] = sum } else { shorts[account.market] = sum }
        }
        return zip(longs, shorts).map { Double(max($0, $1)) / 1e8 }
    }

    /// A USD amount in the settlement asset's atoms at the first market's start price.
    func settleAtoms(usd: Double, startPrice: Int64) -> Double {
        inverse ? usd / (Double(startPrice) / 1e8) * 1e8 : usd * 1e6
    }

    /// The assets, and each market with its oracle and liquidation rules.
    private mutating func setUpMarkets(_ setups: [MarketSetup], at setupTime: Timestamp) throws {
        let day: Int64 = 86_400
        try setup(
            .createAsset(AssetSpec(id: Self.usdt, symbol: "USDT", scale: 6, priceMaxAgeSeconds: 30 * day)),
            at: setupTime)
        // A coin is haircut as collateral for a linear market; as the inverse market's
        // settlement asset it counts at par, as coin-margined venues count it.
        for (market, setup) in zip(markets, setups) {
            try self.setup(
                .createAsset(
                    AssetSpec(
                        id: market.coin, symbol: setup.coin, scale: 8,
                        collateralTiers: inverse
                            ? [] : [CollateralTier(quantityCap: nil, ratio: Self.rate(Self.coinHaircut))],
                        priceMaxAgeSeconds: 30 * day)), at: setupTime)
        }
        try setup(.setIndexPrice(asset: Self.usdt, price: Price(atoms: 100_000_000)), at: setupTime)
        for (market, setup) in zip(markets, setups) {
            try self.setup(.setIndexPrice(asset: market.coin, price: setup.start.price), at: setupTime)
        }
        for (market, setup) in zip(markets, setups) {
            let startPrice = setup.start.price.atoms
            try self.setup(
                .createMarket(
                    MarketSpec(
                        id: market.id, symbol: market.symbol, kind: inverse ? .inverse : .linear,
                        settleAsset: settleAsset,
                        contractSize: Quantity(atoms: inverse ? Self.inverseContractUSD * 100_000_000 : 100_000_000),
                        tickSize: Price(atoms: Self.tick), lotSize: Quantity(atoms: Self.lotSize(config.contract))),
                    RiskParameters(margin: config.margin, priceMaxAgeSeconds: 30 * day)), at: setupTime)
            try self.setup(
                .configureOracle(
                    market: market.id,
                    OracleConfig(
                        sources: [.init(id: SourceID(1), weight: 1)], sampleMaxAgeSeconds: 30 * day,
                        minimumSources: 1, markBand: Self.rate(0.9),
                        priceMoveThreshold: Self.rate(config.breakerThreshold ?? 0),
                        priceMoveWindowSeconds: config.breakerWindowSeconds,
                        priceMoveCoolDownSeconds: config.breakerCoolDownSeconds)), at: setupTime)
            // Depth is in contracts; the engine's depth model takes its notional in the settlement asset.
            let depthUSD =
                inverse
                ? market.impact.depth * Double(Self.inverseContractUSD)
                : market.impact.depth * Double(startPrice) / 1e8
            let depth = max(1, try Self.atoms(settleAtoms(usd: depthUSD, startPrice: startPrice), field: "depth"))
            try self.setup(
                .configureLiquidation(
                    market: market.id, try liquidationParameters(depth: depth, startPrice: startPrice)),
                at: setupTime)
        }
    }

    /// The engine's liquidation parameters from the configuration, for a market of this depth.
    private func liquidationParameters(depth: Int64, startPrice: Int64) throws -> LiquidationParameters {
        let mechanism: LiquidationParameters.Mechanism
        switch config.mechanism {
        case .orderBook: mechanism = .orderBook
        case .backstop: mechanism = .backstop(priceShare: Self.rate(config.backstopPriceShare))
        case .auction:
            mechanism = .auction(
                DutchAuctionRules(
                    buffer: Self.rate(config.auctionBuffer),
                    curve: .linear(duration: config.auctionDurationSeconds * 1_000_000_000),
                    tailSeconds: config.auctionTailSeconds, cusp: Self.rate(config.auctionCusp), tipFlat: 0,
                    chip: Self.rate(config.auctionChip), dust: 10_000_000))
        }
        let allocation: LiquidationParameters.LossAllocation
        switch config.lossAllocation {
        case .adl:
            allocation = .autoDeleveraging(
                ranking: .profitTimesLeverage, maximumCounterparties: Limits.deleveragingCounterparties)
        case .socialized: allocation = .socialized
        case .venue: allocation = .venue
        }
        return LiquidationParameters(
            depth: .squareRoot(depth: depth, coefficient: Self.rate(config.executionCoefficient)),
            penaltyRate: Self.rate(config.penaltyRate), clearanceFeeRate: Self.rate(config.clearanceFeeRate),
            target: .maintenancePlusBuffer(Self.rate(config.targetBuffer)),
            stepFraction: Self.rate(config.stepFraction),
            dustNotional: try Self.atoms(
                settleAtoms(usd: config.dustNotional, startPrice: startPrice), field: "dust notional"),
            lossAllocation: allocation, mechanism: mechanism)
    }

    /// The insurance fund (sized on the whole open interest) and the venue's own participants,
    /// capitalised far beyond what they can be asked to take.
    private mutating func setUpFundAndParticipants(startPrice: Int64, at setupTime: Timestamp) throws {
        let openNotional = result.openInterestNotional
        let fund = try Self.atoms(
            settleAtoms(usd: config.insuranceFundFraction * openNotional, startPrice: startPrice).rounded(.down),
            field: "insurance fund")
        if fund > 0 { try setup(.fundInsurance(asset: settleAsset, amount: Amount(atoms: fund)), at: setupTime) }
        result.fundStart = inverse ? Double(fund) / 1e8 * Double(startPrice) / 1e8 : Double(fund) / 1e6
        result.fundMinimum = result.fundStart
        let deep = Amount(
            atoms: Int64(settleAtoms(usd: min(max(openNotional, 1_000) * 20, 1e12), startPrice: startPrice)))
        for participant in [Self.bidder, Self.keeper, Self.backstop] {
            try setup(.openAccount(participant), at: setupTime)
            try setup(.deposit(account: participant, asset: settleAsset, amount: deep), at: setupTime)
        }
        if config.mechanism == .backstop {
            // Each market's providers take a share of that market's open interest.
            for market in markets {
                let capacity = Int64(
                    settleAtoms(
                        usd: min(config.backstopCapacityFraction * market.openNotional, 1e12), startPrice: startPrice))
                try setup(
                    .registerBackstop(
                        account: Self.backstop, market: market.id, capacity: Amount(atoms: max(1, capacity))),
                    at: setupTime)
            }
        }
    }

    /// Opens each account once, deposits each row's collateral (USDT, or its market's coin)
    /// and imports each row's position. An account's start leverage is its rows' notional over
    /// their equity.
    private mutating func importPopulation(
        _ population: [SimulatedAccount], starts: [Int64], at setupTime: Timestamp
    ) throws {
        var opened = Set<UInt64>()
        var exposure: [UInt64: (notional: Double, equity: Double)] = [:]
        for account in population {
            let id = AccountID(account.id)
            guard id < Self.bidder else {
                throw SetupError.invalid(field: "account \(account.id)", reason: "an id below 2^62")
            }
            if opened.insert(account.id).inserted { try setup(.openAccount(id), at: setupTime) }
            let market = markets[account.market]
            try setup(
                .deposit(
                    account: id, asset: account.collateralAsset == .coin ? market.coin : Self.usdt,
                    amount: Amount(atoms: account.collateral)), at: setupTime)
            try setup(
                .importPosition(
                    account: id, market: market.id, size: Quantity(atoms: account.size),
                    entryPrice: Price(atoms: account.entryPrice),
                    isolatedMargin: account.isolated ? Amount(atoms: account.collateral) : nil), at: setupTime)
            let start = Double(starts[account.market]) / 1e8
            let leverage = account.leverage(at: start, inverse: inverse)
            guard markets.count > 1 else {
                leverageByAccount[account.id] = leverage
                continue
            }
            let notional = Double(account.size.magnitude) / 1e8 * start
            let sum = exposure[account.id, default: (0, 0)]
            let total = (notional: sum.notional + notional, equity: sum.equity + account.equity(at: start))
            exposure[account.id] = total
            leverageByAccount[account.id] = total.equity > 0 ? total.notional / total.equity : .infinity
        }
    }

    static func rate(_ value: Double) -> Rate { Rate(atoms: Int64((value * Double(Rate.oneAtoms)).rounded())) }

    /// A setup amount computed in Double (a depth or fund sized on open interest), as atoms; a
    /// value 64 bits cannot hold is a setup error naming the setting, not a trap.
    static func atoms(_ value: Double, field: String) throws -> Int64 {
        guard let atoms = Int64(exactly: value.rounded(.down)) else {
            throw SetupError.invalid(
                field: field,
                reason: "a setting whose notional on this population's open interest fits 64-bit fixed point")
        }
        return atoms
    }

    mutating func setup(_ command: Command, at time: Timestamp) throws {
        if let rejection = execute(command, at: time).rejection {
            throw SetupError.rejected(
                "setting up the venue: \(String(describing: command).prefix(60))… rejected: \(rejection)")
        }
    }

    mutating func execute(_ command: Command, at time: Timestamp) -> Outcome {
        sequence += 1
        let timestamp = max(time, engine.now)
        return engine.execute(
            SequencedInput(sequence: sequence, timestamp: timestamp, commandID: nil, command: command))
    }
}
