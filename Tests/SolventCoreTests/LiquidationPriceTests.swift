import SolventCore
import SolventTestSupport
import Testing

/// Goal: liquidation and bankruptcy prices reproduce the venues' worked examples and agree, to the
/// atom, with the engine's own status function. Method: vectors from exchanges.md (cited per
/// case), then the defining property: at the reported price the pool is liquidatable, one price
/// atom toward safety it is not.
struct LiquidationPriceTests {
    static let btcusdt = MarketID(1)

    /// A venue with the Binance 2021 BTCUSDT table, one account holding `size` at `entry` with
    /// `wallet` USDT, isolated (all of the wallet as isolated margin) or cross.
    static func venue(
        size: String, entry: String, wallet: String, isolated: Bool,
        schedule: MarginSchedule = .tiered(binanceBTCUSDT2021())
    ) -> (Harness, Account, Int32) {
        var harness = Harness()
        harness.standardAssets()
        harness.ok(.createMarket(linearMarket(1), RiskParameters(margin: schedule)))
        harness.ok(.setMarkPrice(market: btcusdt, mark: Price(entry)!, index: nil))
        harness.openFunded(10, usdt: wallet)
        harness.ok(
            .importPosition(
                account: AccountID(10), market: btcusdt, size: Quantity(size)!,
                entryPrice: Price(entry)!, isolatedMargin: isolated ? amount(wallet, scale: 6) : nil))
        let engine = harness.engine
        return (harness, engine.account(AccountID(10))!, engine.marketIndex(of: btcusdt)!)
    }

    static func expectExactBoundary(
        _ engine: Engine, _ account: Account, _ marketIndex: Int32, _ price: Int64,
        long: Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let at = try! engine.pool(
            of: account, marketIndex: marketIndex,
            override: .init(marketIndex: marketIndex, mark: price)
        ).get()
        let safer = try! engine.pool(
            of: account, marketIndex: marketIndex,
            override: .init(marketIndex: marketIndex, mark: long ? price + 1 : price - 1)
        ).get()
        #expect(at.status >= .liquidatable, "not liquidatable at the reported price", sourceLocation: sourceLocation)
        #expect(
            safer.status < .liquidatable, "still liquidatable one atom toward safety", sourceLocation: sourceLocation)
        // The bankruptcy price: equity ≥ 0 there, negative one atom beyond; and it lies beyond the
        // liquidation price (the maintenance buffer is what liquidation works with).
        guard let bankruptcy = engine.bankruptcyPrice(of: account, marketIndex: marketIndex) else {
            Issue.record("no bankruptcy price", sourceLocation: sourceLocation)
            return
        }
        let zero = try! engine.pool(
            of: account, marketIndex: marketIndex,
            override: .init(marketIndex: marketIndex, mark: bankruptcy)
        ).get()
        let beyond = try! engine.pool(
            of: account, marketIndex: marketIndex,
            override: .init(marketIndex: marketIndex, mark: long ? bankruptcy - 1 : bankruptcy + 1)
        ).get()
        #expect(
            zero.equity >= 0 && beyond.equity < 0, "bankruptcy price is not the zero-equity boundary",
            sourceLocation: sourceLocation)
        #expect(
            long ? bankruptcy < price : bankruptcy > price, "bankruptcy must lie beyond liquidation",
            sourceLocation: sourceLocation)
    }

    /// BN-D1..D4 [D]: Binance's formula with the 2021-03-18 table, including the tier re-check.
    @Test(arguments: [
        ("1", "50000", "2500", true, 47_690.7631),  // BN-D1 isolated long, tier 1
        // BN-D2 isolated short: tier 1 solves to 52,290.84 > 50k, re-solved in tier 2
        ("-1", "50000", "2500", true, 52_288.5572),
        ("10", "50000", "50000", true, 45_323.2323),  // BN-D4 isolated long, tier 3
    ])
    func binanceIsolatedVectors(size: String, entry: String, wallet: String, isolated: Bool, expected: Double) {
        let (harness, account, marketIndex) = Self.venue(size: size, entry: entry, wallet: wallet, isolated: isolated)
        let price = harness.engine.liquidationPrice(of: account, marketIndex: marketIndex)
        #expect(abs(priceDouble(price) - expected) < 0.0001, "got \(priceDouble(price))")
        Self.expectExactBoundary(harness.engine, account, marketIndex, price!, long: size.first != "-")
    }

    /// BN-D3 [D]: cross long 2 BTC @ 50,000, wallet 10,000, other contracts with MM 500 and UPnL −1,000
    /// (an ETHUSDT position: 50 ETH bought at 2,020, mark 2,000, MMR 0.5 %) → 45,954.7739 (tier 2).
    @Test func binanceCrossVectorWithOtherPositions() {
        var harness = Harness()
        harness.standardAssets()
        harness.ok(.createMarket(linearMarket(1), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))))
        harness.ok(
            .createMarket(
                linearMarket(2, symbol: "ETHUSDT", tick: "0.01"),
                RiskParameters(margin: singleTier(im: "0.01", mm: "0.005"))))
        harness.ok(.setMarkPrice(market: MarketID(1), mark: Price("50000")!, index: nil))
        harness.ok(.setMarkPrice(market: MarketID(2), mark: Price("2000")!, index: nil))
        harness.openFunded(10, usdt: "10000")
        harness.ok(
            .importPosition(
                account: AccountID(10), market: MarketID(1), size: Quantity("2")!, entryPrice: Price("50000")!,
                isolatedMargin: nil))
        harness.ok(
            .importPosition(
                account: AccountID(10), market: MarketID(2), size: Quantity("50")!, entryPrice: Price("2020")!,
                isolatedMargin: nil))
        let engine = harness.engine
        let account = engine.account(AccountID(10))!
        let btcIndex = engine.marketIndex(of: MarketID(1))!
        let price = engine.liquidationPrice(of: account, marketIndex: btcIndex)
        #expect(abs(priceDouble(price) - 45_954.7739) < 0.0001, "got \(priceDouble(price))")
        Self.expectExactBoundary(engine, account, btcIndex, price!, long: true)
    }

    /// BN-C1 [V-calc]: COIN-M cross, wallet 101 BTC, long 100,000 BTCUSD contracts of 100 USD at
    /// 45,000; at the liquidation price the notional (~297.6 BTC) is in the tier with MMR 12.5 % and
    /// cum 11.605 BTC. Binance's calculator: 33,599.40; the formula: 33,599.4186.
    /// The table below is two tiers chosen so that the documented recurrence yields exactly
    /// cum = 100 × (12.5 % − 0.895 %) = 11.605 BTC (the full COIN-M table is not in our copies).
    @Test func binanceCoinMarginedCrossVector() throws {
        var harness = Harness()
        harness.standardAssets(btcPrice: "45000")
        let table = try RiskTierTable.make(tiers: [
            RiskTier(notionalCap: amount("100", scale: 8), initialRate: rate("0.01"), maintenanceRate: rate("0.00895")),
            RiskTier(notionalCap: nil, initialRate: rate("0.25"), maintenanceRate: rate("0.125")),
        ]).get()
        #expect(table.maintenanceAmounts[1] == amount("11.605", scale: 8).atoms)
        let market = MarketSpec(
            id: MarketID(3), symbol: "BTCUSD_PERP", kind: .inverse, settleAsset: Harness.btc,
            contractSize: Quantity("100")!, tickSize: Price("0.1")!, lotSize: Quantity("1")!)
        harness.ok(.createMarket(market, RiskParameters(margin: .tiered(table))))
        harness.ok(.setMarkPrice(market: MarketID(3), mark: Price("45000")!, index: nil))
        harness.ok(.openAccount(AccountID(10)))
        harness.ok(.deposit(account: AccountID(10), asset: Harness.btc, amount: amount("101", scale: 8)))
        harness.ok(
            .importPosition(
                account: AccountID(10), market: MarketID(3), size: Quantity("100000")!,
                entryPrice: Price("45000")!, isolatedMargin: nil))
        let engine = harness.engine
        let account = engine.account(AccountID(10))!
        let index = engine.marketIndex(of: MarketID(3))!
        let price = engine.liquidationPrice(of: account, marketIndex: index)
        #expect(abs(priceDouble(price) - 33_599.4186) < 0.001, "got \(priceDouble(price))")
        #expect((priceDouble(price) * 10).rounded() / 10 == 33_599.4)  // the calculator's 0.1 tick
        Self.expectExactBoundary(engine, account, index, price!, long: true)
    }

    /// HL-4 / HL-5 [D on V]: Hyperliquid isolated 1 BTC at 100,000 with 10,000 margin, max leverage
    /// 40 (MMR 1.25 %) → long 91,139.2405, short 108,641.9753.
    @Test(arguments: [("1", 91_139.2405), ("-1", 108_641.9753)])
    func hyperliquidIsolatedVectors(size: String, expected: Double) {
        let (harness, account, index) = Self.venue(
            size: size, entry: "100000", wallet: "10000", isolated: true,
            schedule: singleTier(im: "0.025", mm: "0.0125"))
        let price = harness.engine.liquidationPrice(of: account, marketIndex: index)
        #expect(abs(priceDouble(price) - expected) < 0.0001, "got \(priceDouble(price))")
        Self.expectExactBoundary(harness.engine, account, index, price!, long: size == "1")
    }

    /// BY-1 [V]: Bybit USDT long 1 BTC at 20,000, 50x, MMR 0.5 %: IM 400, MM 100, bankruptcy 19,600.
    /// Bybit displays LP 19,700 by holding MM at its entry value (EP − (IM − MM)/Q); the engine
    /// margins at mark, so its exact liquidation price is 19,600 / 0.995 = 19,698.4925.
    @Test func bybitLinearVector() {
        let (harness, account, index) = Self.venue(
            size: "1", entry: "20000", wallet: "400", isolated: true,
            schedule: singleTier(im: "0.02", mm: "0.005"))
        let engine = harness.engine
        let pool = try! engine.pool(of: account, marketIndex: index).get()
        #expect(pool.initial == amount("400", scale: 6).atoms)
        #expect(pool.maintenance == amount("100", scale: 6).atoms)
        #expect(engine.bankruptcyPrice(of: account, marketIndex: index) == Price("19600")!.atoms)
        let price = engine.liquidationPrice(of: account, marketIndex: index)
        #expect(abs(priceDouble(price) - 19_698.4925) < 0.0001, "got \(priceDouble(price))")
    }

    /// BY-4 [D]: inverse isolated long 60,000 USD at 50,000, 10x (margin 0.12 BTC), MMR 0.5 % →
    /// LP = 60,000 / (1.2 + 0.114) = 45,662.10 in Bybit's entry-MM form; at mark the exact price
    /// solves 0.12 + 1.2 − 60,000/P = 0.005 × 60,000/P → P = 60,300 / 1.32 = 45,681.8182.
    /// Bankruptcy: 60,000 / 1.32 = 45,454.5455.
    @Test func inverseIsolatedVector() {
        var harness = Harness()
        harness.standardAssets()
        let market = MarketSpec(
            id: MarketID(3), symbol: "BTCUSD", kind: .inverse, settleAsset: Harness.btc,
            contractSize: Quantity("1")!, tickSize: Price("0.5")!, lotSize: Quantity("1")!)
        harness.ok(.createMarket(market, RiskParameters(margin: singleTier(im: "0.1", mm: "0.005"))))
        harness.ok(.setMarkPrice(market: MarketID(3), mark: Price("50000")!, index: nil))
        harness.ok(.openAccount(AccountID(10)))
        harness.ok(.deposit(account: AccountID(10), asset: Harness.btc, amount: amount("0.12", scale: 8)))
        harness.ok(
            .importPosition(
                account: AccountID(10), market: MarketID(3), size: Quantity("60000")!,
                entryPrice: Price("50000")!, isolatedMargin: amount("0.12", scale: 8)))
        let engine = harness.engine
        let account = engine.account(AccountID(10))!
        let index = engine.marketIndex(of: MarketID(3))!
        #expect(abs(priceDouble(engine.liquidationPrice(of: account, marketIndex: index)) - 45_681.8182) < 0.001)
        #expect(abs(priceDouble(engine.bankruptcyPrice(of: account, marketIndex: index)) - 45_454.5455) < 0.001)
    }

    /// A fully collateralized long (wallet covers the whole notional) has no liquidation price; a
    /// short always has one.
    @Test func unleveragedLongHasNoLiquidationPrice() {
        let (harness, account, index) = Self.venue(size: "1", entry: "50000", wallet: "60000", isolated: true)
        #expect(harness.engine.liquidationPrice(of: account, marketIndex: index) == nil)
    }

    /// Edges: at the liquidation price the account is liquidatable; one atom above, not; exactly at
    /// maintenance counts as liquidatable (the venues' "margin ratio ≥ 100 %").
    @Test func exactlyAtMaintenanceAndOneAtomAbove() {
        let (harness, account, index) = Self.venue(size: "1", entry: "50000", wallet: "2500", isolated: true)
        let engine = harness.engine
        let price = engine.liquidationPrice(of: account, marketIndex: index)!
        let at = try! engine.pool(of: account, marketIndex: index, override: .init(marketIndex: index, mark: price))
            .get()
        #expect(at.equity <= at.maintenance)
        let status = MarginStatus.of(equity: 100, maintenance: 100, callRatio: rate("0.8"))
        #expect(status == .liquidatable)
        #expect(MarginStatus.of(equity: 101, maintenance: 100, callRatio: rate("0.8")) == .marginCall)
        #expect(MarginStatus.of(equity: 126, maintenance: 100, callRatio: rate("0.8")) == .healthy)
        #expect(MarginStatus.of(equity: 125, maintenance: 100, callRatio: rate("0.8")) == .marginCall)
        #expect(MarginStatus.of(equity: -1, maintenance: 100, callRatio: rate("0.8")) == .bankrupt)
    }
}
