import SolventCore
import Testing

/// Drives an engine the way the sequencer would (sequence +1, time +1 ms) and runs the auditor
/// after every input, so every test also checks conservation and open-interest symmetry. The
/// venue fixtures below (assets, the Binance 2021 table, linear markets) are the tests' shared set.
public struct Harness {
    public var engine: Engine = {
        var engine = Engine()
        engine.auditsEveryEvent = true
        return engine
    }()
    public var sequence: UInt64 = 0
    public var time: Int64 = 1_700_000_000_000_000_000
    /// Audit after every input (the default); large population set-ups audit once at the end.
    public var auditEachInput = true

    public static let usdt = AssetID(1)
    public static let btc = AssetID(2)
    public static let eth = AssetID(3)

    public init() {}

    @discardableResult
    public mutating func run(
        _ command: Command, id: UInt64? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Outcome {
        sequence += 1
        time += 1_000_000
        let outcome = engine.execute(
            SequencedInput(
                sequence: sequence, timestamp: Timestamp(nanoseconds: time),
                commandID: id.map(CommandID.init), command: command))
        // With the engine auditing after every event, every state change is already covered
        // (a rejection changes nothing); otherwise audit after the input.
        if engine.auditsEveryEvent {
            #expect(
                engine.auditFindings.isEmpty, "auditor after an event: \(engine.auditFindings.prefix(3))",
                sourceLocation: sourceLocation)
        } else if auditEachInput {
            audit(sourceLocation: sourceLocation)
        }
        return outcome
    }

    public func audit(sourceLocation: SourceLocation = #_sourceLocation) {
        let violations = Auditor.violations(in: engine)
        #expect(violations.isEmpty, "auditor: \(violations)", sourceLocation: sourceLocation)
        #expect(
            engine.auditFindings.isEmpty, "auditor after an event: \(engine.auditFindings.prefix(3))",
            sourceLocation: sourceLocation)
    }

    /// Runs a command that must apply.
    @discardableResult
    public mutating func ok(_ command: Command, sourceLocation: SourceLocation = #_sourceLocation) -> [Event] {
        let outcome = run(command, sourceLocation: sourceLocation)
        #expect(
            outcome.rejection == nil, "unexpected rejection: \(String(describing: outcome.rejection))",
            sourceLocation: sourceLocation)
        return outcome.events
    }

    /// Runs a command that must be rejected with `code`.
    public mutating func rejects(
        _ command: Command, _ code: Rejection.Code, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = engine.digest(includingClock: false)
        let outcome = run(command, sourceLocation: sourceLocation)
        #expect(outcome.rejection?.code == code, "expected \(code), got \(outcome)", sourceLocation: sourceLocation)
        #expect(
            engine.digest(includingClock: false) == before, "a rejection changed the state",
            sourceLocation: sourceLocation)
    }

    /// USDT (scale 6, $1) and BTC (scale 8) assets with index prices.
    public mutating func standardAssets(btcPrice: String = "50000") {
        ok(.createAsset(AssetSpec(id: Self.usdt, symbol: "USDT", scale: 6)))
        ok(.createAsset(AssetSpec(id: Self.btc, symbol: "BTC", scale: 8)))
        ok(.setIndexPrice(asset: Self.usdt, price: Price("1")!))
        ok(.setIndexPrice(asset: Self.btc, price: Price(btcPrice)!))
    }

    /// The BN-D1 position of the liquidation tests: USDT/BTC, BTCUSDT (market 1) on the Binance
    /// 2021 table marked at 50,000 and liquidating with `parameters`, an optional insurance fund,
    /// and account 10 holding an isolated long of 1 BTC at 50,000 with 2,500 of margin.
    public static func liquidationVenue(_ parameters: LiquidationParameters, fund: String? = nil) -> Harness {
        var harness = Harness()
        harness.standardAssets()
        harness.ok(.createMarket(linearMarket(1), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))))
        harness.ok(.setMarkPrice(market: MarketID(1), mark: Price("50000")!, index: nil))
        harness.ok(.configureLiquidation(market: MarketID(1), parameters))
        if let fund { harness.ok(.fundInsurance(asset: usdt, amount: amount(fund, scale: 6))) }
        harness.openFunded(10, usdt: "2500")
        harness.ok(
            .importPosition(
                account: AccountID(10), market: MarketID(1), size: Quantity("1")!, entryPrice: Price("50000")!,
                isolatedMargin: amount("2500", scale: 6)))
        return harness
    }

    /// The liquidation venue with `depth`, a `penalty` and `clearance` fee rate, the target
    /// maintenance + 10 %, whole steps, and optionally an oracle on market 1.
    public static func liquidationStepVenue(
        depth: DepthModel, penalty: String, clearance: String = "0", fund: String? = nil,
        oracle: OracleConfig? = nil
    ) -> Harness {
        var harness = Harness.liquidationVenue(
            LiquidationParameters(
                depth: depth, penaltyRate: rate(penalty), clearanceFeeRate: rate(clearance),
                target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("1"), dustNotional: 0), fund: fund)
        if let oracle { harness.ok(.configureOracle(market: MarketID(1), oracle)) }
        return harness
    }

    /// The loss-allocation venue: the liquidation venue with 100 USDT in the fund, a
    /// square-root book of 10 M, a 0.5 % penalty and `allocation`, three shorts at 50,000 (21:
    /// 0.5 BTC on 5,000, 22: 0.5 BTC on 1,000, 23: 2 BTC on 50,000) and the mark at 47,000.
    public static func lossAllocationVenue(
        _ allocation: LiquidationParameters.LossAllocation, withShorts: Bool = true
    ) -> Harness {
        let market = MarketID(1)
        var harness = Harness.liquidationVenue(
            LiquidationParameters(
                depth: .squareRoot(depth: amount("10000000", scale: 6).atoms, coefficient: rate("0.01")),
                penaltyRate: rate("0.005"),
                clearanceFeeRate: .zero, target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("1"),
                dustNotional: 0,
                lossAllocation: allocation), fund: "100")
        if withShorts {
            for (id, size, collateral) in [(UInt64(21), "-0.5", "5000"), (22, "-0.5", "1000"), (23, "-2", "50000")] {
                harness.openFunded(id, usdt: collateral)
                harness.ok(
                    .importPosition(
                        account: AccountID(id), market: market, size: Quantity(size)!, entryPrice: Price("50000")!,
                        isolatedMargin: nil))
            }
        }
        harness.ok(.setMarkPrice(market: market, mark: Price("47000")!, index: nil))
        return harness
    }

    /// COIN-M style tiers in BTC of notional: 0.4 % to 5, 0.5 % to 10, 1 % to 20, then 2.5 %.
    public static func coinTiers() -> RiskTierTable {
        let rows: [(String?, String, String)] = [
            ("5", "0.008", "0.004"), ("10", "0.01", "0.005"), ("20", "0.02", "0.01"),
            (nil, "0.05", "0.025"),
        ]
        return try! RiskTierTable.make(
            tiers: rows.map { cap, im, mm in
                RiskTier(
                    notionalCap: cap.map { amount($0, scale: 8) }, initialRate: rate(im), maintenanceRate: rate(mm))
            }
        ).get()
    }

    /// The inverse short of the liquidation tests: BTCUSD_PERP (market 3, 100 USD contracts,
    /// settled in BTC) on `coinTiers` marked at 50,000, account 10 short 2,000 contracts at
    /// 50,000 on 1 BTC (isolated or cross), a square-root book and a 0.5 % penalty.
    public static func inverseShortVenue(
        isolated: Bool, fund: String? = nil,
        allocation: LiquidationParameters.LossAllocation = .venue
    ) -> Harness {
        var harness = Harness()
        harness.standardAssets()
        let spec = MarketSpec(
            id: MarketID(3), symbol: "BTCUSD_PERP", kind: .inverse, settleAsset: Harness.btc,
            contractSize: Quantity("100")!, tickSize: Price("0.1")!, lotSize: Quantity("1")!)
        harness.ok(.createMarket(spec, RiskParameters(margin: .tiered(coinTiers()))))
        harness.ok(.setMarkPrice(market: MarketID(3), mark: Price("50000")!, index: nil))
        harness.ok(
            .configureLiquidation(
                market: MarketID(3),
                LiquidationParameters(
                    depth: .squareRoot(depth: amount("1000", scale: 8).atoms, coefficient: rate("0.01")),
                    penaltyRate: rate("0.005"),
                    clearanceFeeRate: .zero, target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("1"),
                    dustNotional: 0,
                    lossAllocation: allocation)))
        if let fund { harness.ok(.fundInsurance(asset: Harness.btc, amount: amount(fund, scale: 8))) }
        harness.ok(.openAccount(AccountID(10)))
        harness.ok(.deposit(account: AccountID(10), asset: Harness.btc, amount: amount("1", scale: 8)))
        harness.ok(
            .importPosition(
                account: AccountID(10), market: MarketID(3), size: Quantity("-2000")!, entryPrice: Price("50000")!,
                isolatedMargin: isolated ? amount("1", scale: 8) : nil))
        return harness
    }

    public mutating func openFunded(_ id: UInt64, usdt: String) {
        ok(.openAccount(AccountID(id)))
        ok(.deposit(account: AccountID(id), asset: Self.usdt, amount: amount(usdt, scale: 6)))
    }
}

public func amount(_ text: String, scale: Int) -> Amount {
    guard case .success(let atoms) = DecimalText.parse(text, scale: scale) else { fatalError("bad amount \(text)") }
    return Amount(atoms: atoms)
}

public func rate(_ text: String) -> Rate { Rate(text)! }

/// Binance USDⓈ-M BTCUSDT tier table effective 2021-03-18 (exchanges.md §1.1, vector BN-T1).
public func binanceBTCUSDT2021() -> RiskTierTable { try! RiskTierTable.make(tiers: binanceBTCUSDT2021Tiers()).get() }

/// The rows of `binanceBTCUSDT2021()`: notional cap (USDT), initial rate, maintenance rate.
public func binanceBTCUSDT2021Tiers() -> [RiskTier] {
    let rows: [(String?, String, String)] = [
        ("50000", "0.008", "0.004"), ("250000", "0.01", "0.005"), ("1000000", "0.02", "0.01"),
        ("10000000", "0.05", "0.025"), ("20000000", "0.1", "0.05"), ("50000000", "0.2", "0.1"),
        ("100000000", "0.25", "0.125"), ("200000000", "0.333", "0.15"), ("300000000", "0.5", "0.25"),
        (nil, "1", "0.5"),
    ]
    return rows.map { cap, im, mm in
        RiskTier(notionalCap: cap.map { amount($0, scale: 6) }, initialRate: rate(im), maintenanceRate: rate(mm))
    }
}

public func linearMarket(
    _ id: UInt32, symbol: String = "BTCUSDT", settle: AssetID = Harness.usdt,
    tick: String = "0.1", lot: String = "0.001"
) -> MarketSpec {
    MarketSpec(
        id: MarketID(id), symbol: symbol, kind: .linear, settleAsset: settle,
        contractSize: Quantity("1")!, tickSize: Price(tick)!, lotSize: Quantity(lot)!)
}

public func singleTier(im: String, mm: String) -> MarginSchedule {
    .tiered(
        try! RiskTierTable.make(tiers: [RiskTier(notionalCap: nil, initialRate: rate(im), maintenanceRate: rate(mm))])
            .get())
}

/// A decimal price string → atoms as Double, for tolerance comparisons in tests.
public func priceDouble(_ atoms: Int64?) -> Double { Double(atoms ?? 0) / 1e8 }
