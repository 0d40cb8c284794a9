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

    static let usdt = AssetID(1)
    static let coin = AssetID(2)
    static let market = MarketID(1)
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

    public let config: SimulationConfig
    public private(set) var engine = Engine()
    private var sequence: UInt64 = 0
    private var result: SimulationResult
    private var liquidating = Set<PoolKey>()
    /// Pools the engine refused at the current price (inside the exit buffer, or no position
    /// left); retried once the price moves.
    private var stuck = Set<PoolKey>()
    private var leverageByAccount: [UInt64: Double] = [:]
    private var liquidatedAccounts = Set<UInt64>()
    private var deleveragedAccounts = Set<UInt64>()
    private var deleveragedLeverages: [Double] = []
    private var breakerUntil: Timestamp? = nil
    /// Net forced flow still moving the price (contracts, sells positive).
    private var flow = 0.0
    private var lastPrice: Int64 = 0
    /// When `flow` was last decayed (nanoseconds).
    private var flowTime: Int64 = 0
    private var auditEvery: Bool
    /// The settlement asset: USDT for the linear market, the coin for the inverse one.
    private let settleAsset: AssetID
    private let inverse: Bool

    /// Builds the venue: USDT and the coin (collateral at `coinHaircut`), the BTCUSDT linear
    /// perpetual with `config.margin`, a one-source oracle (with the breaker when set), the
    /// liquidation parameters, the insurance fund, the market's own participants (bidder,
    /// keeper, backstop), and the population's positions imported at their entry prices.
    public init(config: SimulationConfig, population: [SimulatedAccount], start: PricePoint) throws {
        if let (field, reason) = config.validate() { throw SetupError.invalid(field: field, reason: reason) }
        self.config = config
        auditEvery = config.audit == .everyEvent
        inverse = config.contract == .inverse
        settleAsset = inverse ? Self.coin : Self.usdt
        let inverse = self.inverse, settleAsset = self.settleAsset
        result = SimulationResult(label: config.label, settings: config.summary, accounts: population.count)
        let startPrice = start.price.atoms
        guard startPrice > 0 && startPrice <= Self.maximumPrice else {
            throw SetupError.invalid(
                field: "prices", reason: "a first price above 0 and at most \(Price(atoms: Self.maximumPrice))")
        }
        // Open interest of a hostile population can pass 64 bits: a setup error, not a wrap.
        var longSize: Int64 = 0
        var shortSize: Int64 = 0
        for account in population {
            let (sum, overflow) =
                account.size > 0
                ? longSize.addingReportingOverflow(account.size) : shortSize.subtractingReportingOverflow(account.size)
            guard !overflow, account.size != .min else {
                throw SetupError.invalid(
                    field: "account \(account.id) size", reason: "an open interest that fits 64-bit fixed point")
            }
            if account.size > 0 { longSize = sum } else { shortSize = sum }
        }
        let openInterest = Double(max(longSize, shortSize)) / 1e8
        let openNotional =
            inverse ? openInterest * Double(Self.inverseContractUSD) : openInterest * Double(startPrice) / 1e8
        // A USD amount in the settlement asset's atoms at the start price.
        func settleAtoms(usd: Double) -> Double { inverse ? usd / (Double(startPrice) / 1e8) * 1e8 : usd * 1e6 }
        result.openInterest = openInterest
        result.openInterestNotional = openNotional
        let setupTime = Timestamp(nanoseconds: start.time.nanoseconds - 1_000_000_000)
        let day: Int64 = 86_400
        try setup(
            .createAsset(AssetSpec(id: Self.usdt, symbol: "USDT", scale: 6, priceMaxAgeSeconds: 30 * day)),
            at: setupTime)
        // The coin is haircut as collateral for the linear market; as the inverse market's
        // settlement asset it counts at par, as coin-margined venues count it.
        try setup(
            .createAsset(
                AssetSpec(
                    id: Self.coin, symbol: "BTC", scale: 8,
                    collateralTiers: inverse
                        ? [] : [CollateralTier(quantityCap: nil, ratio: Self.rate(Self.coinHaircut))],
                    priceMaxAgeSeconds: 30 * day)), at: setupTime)
        try setup(.setIndexPrice(asset: Self.usdt, price: Price(atoms: 100_000_000)), at: setupTime)
        try setup(.setIndexPrice(asset: Self.coin, price: start.price), at: setupTime)
        try setup(
            .createMarket(
                MarketSpec(
                    id: Self.market, symbol: inverse ? "BTCUSD" : "BTCUSDT", kind: inverse ? .inverse : .linear,
                    settleAsset: settleAsset,
                    contractSize: Quantity(atoms: inverse ? Self.inverseContractUSD * 100_000_000 : 100_000_000),
                    tickSize: Price(atoms: Self.tick), lotSize: Quantity(atoms: Self.lotSize(config.contract))),
                RiskParameters(margin: config.margin, priceMaxAgeSeconds: 30 * day)), at: setupTime)
        try setup(
            .configureOracle(
                market: Self.market,
                OracleConfig(
                    sources: [.init(id: SourceID(1), weight: 1)], sampleMaxAgeSeconds: 30 * day, minimumSources: 1,
                    markBand: Self.rate(0.9),
                    priceMoveThreshold: Self.rate(config.breakerThreshold ?? 0),
                    priceMoveWindowSeconds: config.breakerWindowSeconds,
                    priceMoveCoolDownSeconds: config.breakerCoolDownSeconds)), at: setupTime)
        // Depth is in contracts; the engine's depth model takes its notional in the settlement asset.
        let depthUSD =
            inverse
            ? config.impact.depth * Double(Self.inverseContractUSD) : config.impact.depth * Double(startPrice) / 1e8
        let depthNotional = max(1, try Self.atoms(settleAtoms(usd: depthUSD), field: "depth"))
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
        try setup(
            .configureLiquidation(
                market: Self.market,
                LiquidationParameters(
                    depth: .squareRoot(depth: depthNotional, coefficient: Self.rate(config.executionCoefficient)),
                    penaltyRate: Self.rate(config.penaltyRate), clearanceFeeRate: Self.rate(config.clearanceFeeRate),
                    target: .maintenancePlusBuffer(Self.rate(config.targetBuffer)),
                    stepFraction: Self.rate(config.stepFraction),
                    dustNotional: try Self.atoms(settleAtoms(usd: config.dustNotional), field: "dust notional"),
                    lossAllocation: allocation, mechanism: mechanism)), at: setupTime)
        let fund = try Self.atoms(
            settleAtoms(usd: config.insuranceFundFraction * openNotional).rounded(.down), field: "insurance fund")
        if fund > 0 { try setup(.fundInsurance(asset: settleAsset, amount: Amount(atoms: fund)), at: setupTime) }
        result.fundStart = inverse ? Double(fund) / 1e8 * Double(startPrice) / 1e8 : Double(fund) / 1e6
        result.fundMinimum = result.fundStart
        // The market's own participants, capitalised far beyond what they can be asked to take.
        let deep = Amount(atoms: Int64(settleAtoms(usd: min(max(openNotional, 1_000) * 20, 1e12))))
        for participant in [Self.bidder, Self.keeper, Self.backstop] {
            try setup(.openAccount(participant), at: setupTime)
            try setup(.deposit(account: participant, asset: settleAsset, amount: deep), at: setupTime)
        }
        if config.mechanism == .backstop {
            let capacity = Int64(settleAtoms(usd: min(config.backstopCapacityFraction * openNotional, 1e12)))
            try setup(
                .registerBackstop(
                    account: Self.backstop, market: Self.market, capacity: Amount(atoms: max(1, capacity))),
                at: setupTime)
        }
        for account in population {
            let id = AccountID(account.id)
            guard id < Self.bidder else {
                throw SetupError.invalid(field: "account \(account.id)", reason: "an id below 2^62")
            }
            try setup(.openAccount(id), at: setupTime)
            try setup(
                .deposit(
                    account: id, asset: account.collateralAsset == .coin ? Self.coin : Self.usdt,
                    amount: Amount(atoms: account.collateral)), at: setupTime)
            try setup(
                .importPosition(
                    account: id, market: Self.market, size: Quantity(atoms: account.size),
                    entryPrice: Price(atoms: account.entryPrice),
                    isolatedMargin: account.isolated ? Amount(atoms: account.collateral) : nil), at: setupTime)
            leverageByAccount[account.id] = account.leverage(at: Double(startPrice) / 1e8, inverse: inverse)
        }
        if auditEvery { engine.auditsEveryEvent = true }
        let flagged = setPrice(startPrice, at: start.time)
        result.start = Double(startPrice) / 1e8
        result.initiallyLiquidating = flagged
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

    private mutating func setup(_ command: Command, at time: Timestamp) throws {
        if let rejection = execute(command, at: time).rejection {
            throw SetupError.rejected(
                "setting up the venue: \(String(describing: command).prefix(60))… rejected: \(rejection)")
        }
    }

    private mutating func execute(_ command: Command, at time: Timestamp) -> Outcome {
        sequence += 1
        let timestamp = max(time, engine.now)
        return engine.execute(
            SequencedInput(sequence: sequence, timestamp: timestamp, commandID: nil, command: command))
    }

    /// Sends a price to the coin's index and the market's oracle; returns how many pools the
    /// update put in liquidation.
    @discardableResult
    private mutating func setPrice(_ atoms: Int64, at time: Timestamp) -> Int {
        if atoms != lastPrice { stuck.removeAll(keepingCapacity: true) }
        lastPrice = atoms
        let price = Price(atoms: atoms)
        absorb(execute(.setIndexPrice(asset: Self.coin, price: price), at: time).events)
        absorb(execute(.setIndexPrice(asset: Self.usdt, price: Price(atoms: 100_000_000)), at: time).events)
        let before = liquidating.count
        absorb(
            execute(
                .updateOracle(
                    market: Self.market, samples: [OracleSample(source: SourceID(1), price: price, time: engine.now)],
                    last: nil, mid: nil), at: time
            ).events)
        return max(0, liquidating.count - before)
    }

    /// Runs the path (its first point is the start given to `init`) and returns the report.
    /// `progress(done, total)` is called after each point.
    /// `funding`: settlements in time order; each is paid at the first point at or after its
    /// time, before that point's cascade (none before the path's first point).
    public mutating func run(
        path: [PricePoint], funding: [FundingPoint] = [],
        progress: (Int, Int, SimulationResult.Point) -> Void = { _, _, _ in }
    ) -> SimulationResult {
        var peak = 0.0
        var exogenousLow = Double.infinity
        var low = Double.infinity
        var nextFunding =
            funding.firstIndex { $0.time >= (path.first?.time ?? Timestamp(nanoseconds: 0)) } ?? funding.count
        for (index, point) in path.enumerated() {
            while nextFunding < funding.count, funding[nextFunding].time <= point.time {
                settleFunding(funding[nextFunding].rate, at: point.time)
                nextFunding += 1
            }
            let exogenous = Double(point.price.atoms) / 1e8
            peak = max(peak, exogenous)
            exogenousLow = min(exogenousLow, exogenous)
            let next =
                index + 1 < path.count
                ? path[index + 1].time.nanoseconds
                : point.time.nanoseconds
                    + (index > 0 ? point.time.nanoseconds - path[index - 1].time.nanoseconds : 3_600_000_000_000)
            let before = (steps: result.steps, notional: result.liquidatedNotional, hits: result.deleveragedPositions)
            let (rounds, price, paused) = cascade(
                exogenous: exogenous, drawdown: 1 - exogenous / peak,
                from: max(point.time.nanoseconds, engine.now.nanoseconds), until: next)
            low = min(low, price)
            if config.audit == .everyPoint { audit() }
            let fund = usd(engine.asset(settleAsset)!.insuranceFund)
            result.fundMinimum = min(result.fundMinimum, fund)
            let record = SimulationResult.Point(
                time: point.time.nanoseconds, exogenous: exogenous, price: price, impact: 1 - price / exogenous,
                steps: result.steps - before.steps, notional: result.liquidatedNotional - before.notional, fund: fund,
                badDebt: result.badDebt, deleveraged: result.deleveragedPositions - before.hits, rounds: rounds,
                paused: paused)
            result.points.append(record)
            progress(index + 1, path.count, record)
        }
        if config.audit != .everyPoint || path.isEmpty { audit() }
        if auditEvery {
            result.auditChecks += 1
            result.auditViolations.append(contentsOf: engine.auditFindings.prefix(10))
        }
        result.exogenousLow = exogenousLow
        result.low = low
        let asset = engine.asset(settleAsset)!
        result.fundEnd = usd(asset.insuranceFund)
        result.deficit = usd(-asset.deficit)
        result.liquidatedAccounts = liquidatedAccounts.count
        result.deleveragedAccounts = deleveragedAccounts.count
        let sorted = deleveragedLeverages.sorted()
        result.deleveragedMedianLeverage = sorted.isEmpty ? nil : sorted[sorted.count / 2]
        result.stillLiquidating = liquidating.count
        result.digest = engine.digestHex()
        return result
    }

    /// Pays one funding settlement at the current simulated price (re-sent first, so that the
    /// mark is fresh at `time`), and books what the payers paid.
    private mutating func settleFunding(_ rate: Rate, at time: Timestamp) {
        setPrice(lastPrice, at: time)
        let outcome = execute(.settleFunding(market: Self.market, rate: rate), at: time)
        guard outcome.rejection == nil else {
            result.fundingRefused += 1
            return
        }
        for event in outcome.events {
            guard case .fundingSettled(let settlement) = event else { continue }
            result.fundingSettlements += 1
            result.fundingPaid += usd(settlement.legs.reduce(0) { $0 + max(0, -$1.realizedPnl) })
        }
        _ = absorb(outcome.events)
    }

    /// Settlement atoms in USD: USDT at par, the coin at the current simulated price.
    private func usd(_ atoms: Int64) -> Double {
        inverse ? Double(atoms) / 1e8 * Double(lastPrice) / 1e8 : Double(atoms) / 1e6
    }

    private mutating func audit() {
        result.auditChecks += 1
        let found = Auditor.violations(in: engine)
        if result.auditViolations.count < 10 {
            result.auditViolations.append(contentsOf: found.prefix(10 - result.auditViolations.count))
        }
    }

    /// The rounds of one price point, from `start` until before `until` (nanoseconds). Returns
    /// the rounds run, the last simulated price and whether liquidations were paused.
    private mutating func cascade(
        exogenous: Double, drawdown: Double, from start: Int64, until: Int64
    ) -> (Int, Double, Bool) {
        let depth = config.impact.depth(drawdown: drawdown)
        var now = start
        var rounds = 0
        var paused = false
        if flowTime > 0 { flow = config.impact.decay(flow, seconds: Double(start - flowTime) / 1e9) }
        flowTime = start
        var price = exogenous
        while true {
            price = exogenous * (1 - config.impact.fraction(flow: flow, depth: depth))
            // On the tick grid, inside [one tick, the impact's ceiling over the largest price].
            let rounded = (price * 10).rounded()
            let ticks = rounded.isNaN ? 1 : min(max(rounded, 1), Double(Self.maximumPrice / Self.tick) * 11)
            let atoms = Int64(ticks) * Self.tick
            price = Double(atoms) / 1e8
            setPrice(atoms, at: Timestamp(nanoseconds: now))
            var roundFlow = 0.0
            var activity = 0
            switch engine.liquidationPermission(market: Self.market) {
            case .paused:
                paused = true
            case .allowed, .slow:
                let inAuction = Set(engine.auctions.map(\.account))
                for pool in liquidating.sorted() where !stuck.contains(pool) && !inAuction.contains(pool.account) {
                    let outcome = execute(
                        .liquidate(account: pool.account, market: Self.market, keeper: Self.keeper),
                        at: Timestamp(nanoseconds: now))
                    if let rejection = outcome.rejection {
                        if rejection.code == .liquidationPaused { paused = true; break }
                        result.refusals["\(rejection.code)", default: 0] += 1
                        if rejection.code == .noPosition { liquidating.remove(pool) } else { stuck.insert(pool) }
                        continue
                    }
                    activity += 1
                    roundFlow += absorb(outcome.events)
                }
            }
            if config.mechanism == .auction {
                let (taken, auctionFlow) = bid(marketPrice: atoms, at: now)
                activity += taken
                roundFlow += auctionFlow
            }
            flow += roundFlow
            rounds += 1
            let waiting = !engine.auctions.isEmpty || (paused && !liquidating.isEmpty)
            if activity == 0 && !waiting { break }
            var step = config.roundSeconds * 1_000_000_000
            if activity == 0, paused, let until = breakerUntil, until.nanoseconds > now {
                step = max(step, until.nanoseconds - now)
            }
            if now + step >= until { break }
            now += step
            flow = config.impact.decay(flow, seconds: Double(now - flowTime) / 1e9)
            flowTime = now
            if activity == 0 { paused = paused && engine.liquidationPermission(market: Self.market) != .allowed }
        }
        return (rounds, price, paused)
    }

    /// Bidders take every lot whose price is `bidderDiscount` through the market; keepers reset
    /// stale auctions. Returns the lots taken (and resets) and the hedging flow.
    private mutating func bid(marketPrice: Int64, at now: Int64) -> (Int, Double) {
        guard case .auction(let rules)? = engine.market(Self.market)?.liquidation?.mechanism else { return (0, 0) }
        var activity = 0
        var hedge = 0.0
        let market = Double(marketPrice)
        for auction in engine.auctions {
            let (price, needsReset) = auction.status(rules: rules, now: Timestamp(nanoseconds: now))
            if needsReset {
                let outcome = execute(
                    .resetAuction(auction: auction.id, keeper: Self.keeper), at: Timestamp(nanoseconds: now))
                if outcome.rejection == nil { activity += 1; absorb(outcome.events) }
                continue
            }
            let attractive =
                auction.long
                ? Double(price) <= market * (1 - config.bidderDiscount)
                : Double(price) >= market * (1 + config.bidderDiscount)
            guard attractive else { continue }
            let outcome = execute(
                .bidAuction(
                    auction: auction.id, bidder: Self.bidder, quantity: Quantity(atoms: auction.lot),
                    limitPrice: Price(atoms: price)), at: Timestamp(nanoseconds: now))
            if outcome.rejection == nil {
                activity += 1
                hedge += absorb(outcome.events)
            }
        }
        return (activity, hedge)
    }

    /// Books what the engine did; returns the step flow that reaches the market (contracts,
    /// sells positive).
    @discardableResult
    private mutating func absorb(_ events: [Event]) -> Double {
        var marketFlow = 0.0
        for event in events {
            switch event {
            case .marginStateChanged(let change):
                if change.to == .liquidating {
                    liquidating.insert(change.pool)
                } else {
                    liquidating.remove(change.pool)
                }
            case .positionLiquidated(let step):
                // Cheap and per step: a loss left on the account as an unbooked debt is the
                // failure conservation alone cannot see.
                for violation in Auditor.violations(after: event, in: engine) where result.auditViolations.count < 10 {
                    result.auditViolations.append(violation)
                }
                let quantity = Double(step.quantity) / 1e8
                // A backstop step lists the providers' legs as its counterparties (no loss is
                // reallocated to them: they took the position at their price).
                let backstopped = step.counterparties.contains { $0.account == Self.backstop }
                let hedged: Double
                if step.auction != nil {
                    hedged = config.bidderHedge
                } else if backstopped {
                    hedged = config.backstopHedge; result.backstopSteps += 1
                } else {
                    hedged = 1
                }
                marketFlow += (step.long ? 1 : -1) * quantity * hedged
                result.steps += 1
                result.liquidatedNotional +=
                    inverse
                    ? quantity * Double(Self.inverseContractUSD) : quantity * Double(step.marketPrice.atoms) / 1e8
                result.fundDraw += usd(step.fundDraw)
                result.badDebt += usd(step.fundDraw + step.uncovered + step.reallocated)
                result.reallocated += usd(step.reallocated)
                result.penalties += usd(step.penalty)
                result.keeperRewards += usd(step.keeperReward)
                liquidatedAccounts.insert(step.account.account.rawValue)
                // A pool's flag clears with its last position, without a state-change event
                // (one market here: the step closed the account's only position).
                if step.closesPosition {
                    liquidating.remove(PoolKey(account: step.account.account, isolatedMarket: Self.market))
                    liquidating.remove(PoolKey(account: step.account.account, isolatedMarket: nil))
                }
                for leg in step.counterparties where !backstopped {
                    result.deleveragedPositions += 1
                    let id = leg.account.rawValue
                    let leverage = leverageByAccount[id] ?? 0
                    if deleveragedAccounts.insert(id).inserted { deleveragedLeverages.append(leverage) }
                    if result.deleveragedSample.count < 200 {
                        result.deleveragedSample.append(
                            .init(
                                time: engine.now.nanoseconds, account: id, leverage: leverage,
                                realizedPnl: usd(leg.realizedPnl)))
                    }
                }
            case .auctionStarted(_, let payment):
                result.auctionsStarted += 1
                result.keeperRewards += usd(payment?.amount ?? 0)
            case .auctionReset(_, let payment):
                result.auctionResets += 1
                result.keeperRewards += usd(payment?.amount ?? 0)
            case .breakerTripped(let trip):
                result.breakerTrips += 1
                breakerUntil = trip.until
            default:
                break
            }
        }
        return marketFlow
    }
}
