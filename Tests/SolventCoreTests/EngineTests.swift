import SolventCore
import SolventTestSupport
import Testing

/// Goal: the engine's commands move money exactly and refuse bad input without changing state.
/// Method: small stories with hand-computed numbers; the harness audits conservation and open
/// interest after every input and checks that every rejection leaves the digest unchanged.
struct EngineTests {
    static let market = MarketID(1)

    /// USDT + BTC, BTCUSDT with the Binance 2021 table, taker 0.04 %, maker 0.02 %, mark 50,000,
    /// accounts 1..3 with 10,000 USDT each.
    static func venue() -> Harness {
        var harness = Harness()
        harness.standardAssets()
        harness.ok(
            .createMarket(
                linearMarket(1),
                RiskParameters(
                    margin: .tiered(binanceBTCUSDT2021()),
                    feeMakerRate: rate("0.0002"), feeTakerRate: rate("0.0004"))))
        harness.ok(.setMarkPrice(market: market, mark: Price("50000")!, index: Price("50000")!))
        for id: UInt64 in 1...3 { harness.openFunded(id, usdt: "10000") }
        return harness
    }

    static func fill(
        _ buyer: UInt64, _ seller: UInt64, _ quantity: String, _ price: String, taker: Fill.Side = .buyer
    ) -> Command {
        .applyFill(
            Fill(
                market: market, buyer: AccountID(buyer), seller: AccountID(seller),
                quantity: Quantity(quantity)!, price: Price(price)!, taker: taker))
    }

    static func usdt(_ harness: Harness, _ account: UInt64) -> Int64 {
        harness.engine.account(AccountID(account))!.balance(assetIndex: harness.engine.assetIndex(of: Harness.usdt)!)
    }

    @Test func fillChargesFeesAndRealizesPnlExactly() {
        var harness = Self.venue()
        // A buys 0.5 BTC at 50,000 from B; A takes: fees 25,000 × 0.04 % = 10 and × 0.02 % = 5.
        harness.ok(Self.fill(1, 2, "0.5", "50000"))
        #expect(Self.usdt(harness, 1) == 9_990_000_000)
        #expect(Self.usdt(harness, 2) == 9_995_000_000)
        #expect(harness.engine.asset(Harness.usdt)!.feePool == 15_000_000)
        // A sells to C at 52,000 as maker: realized 0.5 × 2,000 = 1,000, maker fee 26,000 × 0.02 % = 5.2.
        let events = harness.ok(Self.fill(3, 1, "0.5", "52000", taker: .buyer))
        guard case .fillApplied(let applied) = events.first else { Issue.record("no fill"); return }
        #expect(applied.seller.realizedPnl == 1_000_000_000)
        #expect(applied.seller.fee == 5_200_000)
        #expect(applied.seller.positionAfter == nil)
        #expect(Self.usdt(harness, 1) == 9_990_000_000 + 1_000_000_000 - 5_200_000)
    }

    @Test func unrealizedPnlFollowsTheMark() throws {
        var harness = Self.venue()
        harness.ok(Self.fill(1, 2, "0.5", "50000"))
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("51000")!, index: nil))
        let engine = harness.engine
        let long = try engine.crossPool(of: engine.account(AccountID(1))!).get()
        let short = try engine.crossPool(of: engine.account(AccountID(2))!).get()
        #expect(long.equity == 9_990_000_000 + 500_000_000)
        #expect(short.equity == 9_995_000_000 - 500_000_000)
        // IM at 20x default-less leverage: tier 1 IMR 0.8 % of 25,500 = 204; MM 0.4 % = 102.
        #expect(long.initial == 204_000_000)
        #expect(long.maintenance == 102_000_000)
    }

    @Test func flippingAPositionRealizesTheClosedPart() {
        var harness = Self.venue()
        harness.ok(Self.fill(1, 2, "0.1", "50000"))
        let events = harness.ok(Self.fill(3, 1, "0.3", "50100"))
        guard case .fillApplied(let applied) = events.first else { Issue.record("no fill"); return }
        #expect(applied.seller.realizedPnl == 10_000_000)  // 0.1 × 100
        #expect(applied.seller.positionAfter?.size == Quantity("-0.2")!.atoms)
        #expect(applied.seller.positionAfter?.cost == -10_020_000_000)
    }

    /// Rejections in precedence order: each row fixes one fault to reveal the next.
    @Test func badFillsAreRejectedInPrecedenceOrderWithoutChangingState() {
        var harness = Self.venue()
        func fill(
            market: UInt32 = 1, buyer: UInt64 = 1, seller: UInt64 = 2, q: String = "0.1", p: String = "50000"
        ) -> Command {
            .applyFill(
                Fill(
                    market: MarketID(market), buyer: AccountID(buyer), seller: AccountID(seller),
                    quantity: Quantity(q)!, price: Price(p)!, taker: .buyer))
        }
        harness.rejects(fill(market: 9), .unknownMarket)
        harness.rejects(fill(q: "0"), .nonPositiveQuantity)
        harness.rejects(fill(p: "0"), .nonPositivePrice)
        harness.rejects(fill(q: "0.0001"), .offLotGrid)
        harness.rejects(fill(p: "50000.05"), .offTickGrid)
        harness.rejects(fill(seller: 1), .selfTrade)
        harness.rejects(fill(buyer: 99), .unknownAccount)
        harness.rejects(fill(q: "100"), .insufficientInitialMargin)
        harness.rejects(
            .applyFill(
                Fill(
                    market: MarketID(1), buyer: AccountID(1), seller: AccountID(2),
                    quantity: Quantity(atoms: Int64.max - Int64.max % 100_000), price: Price("50000")!, taker: .buyer)),
            .notionalOverflow)
        harness.ok(fill())
    }

    @Test func staleOrMissingMarksRefuseRiskIncreasingFills() {
        var harness = Harness()
        harness.standardAssets()
        harness.ok(
            .createMarket(
                linearMarket(1), RiskParameters(margin: .tiered(binanceBTCUSDT2021()), priceMaxAgeSeconds: 10)))
        harness.openFunded(1, usdt: "10000")
        harness.openFunded(2, usdt: "10000")
        harness.rejects(Self.fill(1, 2, "0.1", "50000"), .priceMissing)
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("50000")!, index: nil))
        harness.time += 11_000_000_000
        harness.rejects(Self.fill(1, 2, "0.1", "50000"), .priceStale)
    }

    @Test func duplicateCommandIdsNeverApplyTwice() {
        var harness = Self.venue()
        #expect(
            harness.run(.deposit(account: AccountID(1), asset: Harness.usdt, amount: amount("5", scale: 6)), id: 42)
                .rejection == nil)
        let before = harness.engine.digest(includingClock: false)
        #expect(
            harness.run(.deposit(account: AccountID(1), asset: Harness.usdt, amount: amount("5", scale: 6)), id: 42)
                .rejection?.code == .duplicateCommand)
        #expect(harness.engine.digest(includingClock: false) == before)
    }

    @Test func withdrawalsKeepInitialMargin() {
        var harness = Self.venue()
        harness.ok(Self.fill(1, 2, "1", "50000"))
        // Account 1: equity 10,000 − 20 fee = 9,980; IM 50,000 × 0.8 % (tier 1: notional ≤ 50,000)
        // = 400 → at most 9,580, to the atom.
        harness.rejects(
            .withdraw(account: AccountID(1), asset: Harness.usdt, amount: Amount(atoms: 9_580_000_001)),
            .insufficientInitialMargin)
        harness.ok(.withdraw(account: AccountID(1), asset: Harness.usdt, amount: amount("9580", scale: 6)))
        harness.rejects(
            .withdraw(account: AccountID(3), asset: Harness.usdt, amount: amount("10001", scale: 6)),
            .insufficientBalance)
        harness.rejects(
            .withdraw(account: AccountID(3), asset: Harness.usdt, amount: amount("0", scale: 6)), .nonPositiveAmount)
        harness.rejects(
            .deposit(account: AccountID(3), asset: AssetID(77), amount: amount("1", scale: 6)), .unknownAsset)
        harness.rejects(
            .deposit(account: AccountID(3), asset: Harness.usdt, amount: Amount(atoms: Int64.max)), .notionalOverflow)
    }

    @Test func fundingIsZeroSumWithDustToTheHouse() {
        var harness = Self.venue()
        harness.ok(Self.fill(1, 2, "1", "50000"))
        harness.ok(Self.fill(1, 3, "0.333", "50000"))
        let before = (Self.usdt(harness, 1), Self.usdt(harness, 2), Self.usdt(harness, 3))
        harness.ok(.setMarkPrice(market: Self.market, mark: Price("50000.01")!, index: nil))
        let events = harness.ok(.settleFunding(market: Self.market, rate: rate("0.0001")))
        guard case .fundingSettled(let settlement) = events.first else { Issue.record("no funding"); return }
        // Long 1.333 at 50,000.01 pays 6.6650013330 → rounded up 6.665002; shorts receive rounded down.
        #expect(Self.usdt(harness, 1) == before.0 - 6_665_002)
        #expect(Self.usdt(harness, 2) == before.1 + 5_000_001)
        #expect(Self.usdt(harness, 3) == before.2 + 1_665_000)
        #expect(settlement.dust == 1)
        harness.rejects(.settleFunding(market: Self.market, rate: rate("0.5")), .invalidParameter)
    }

    @Test func isolatedPositionsPostAndReleaseMargin() {
        var harness = Self.venue()
        harness.ok(.setLeverage(account: AccountID(1), market: Self.market, leverage: 10, isolated: true))
        let open = harness.ok(Self.fill(1, 2, "1", "50000"))
        guard case .fillApplied(let opened) = open.first else { Issue.record("no fill"); return }
        // 10x on 50,000: 5,000 posted; the taker fee 20 comes out of the isolated margin first.
        #expect(opened.buyer.isolatedTransfer == 5_020_000_000)
        #expect(opened.buyer.positionAfter?.isolatedMargin == 5_000_000_000)
        harness.rejects(
            .setLeverage(account: AccountID(1), market: Self.market, leverage: 10, isolated: false), .marginModeLocked)
        harness.rejects(
            .setLeverage(account: AccountID(1), market: Self.market, leverage: 126, isolated: true), .leverageOutOfRange
        )
        harness.ok(.adjustIsolatedMargin(account: AccountID(1), market: Self.market, amount: amount("100", scale: 6)))
        harness.rejects(
            .adjustIsolatedMargin(account: AccountID(1), market: Self.market, amount: amount("-5000", scale: 6)),
            .insufficientInitialMargin)
        let close = harness.ok(Self.fill(3, 1, "1", "50100"))
        guard case .fillApplied(let closed) = close.first else { Issue.record("no fill"); return }
        // Released: 5,100 margin + 100 PnL − 10.02 maker fee.
        #expect(closed.seller.isolatedTransfer == -5_189_980_000)
        #expect(Self.usdt(harness, 1) == 10_000_000_000 - 20_000_000 + 100_000_000 - 10_020_000)
    }

    /// USDT/BTC and market 5, a dated BTCUSDT future expiring a minute from now without a
    /// settlement window (it settles at the mark in force at expiry), marked at 50,000.
    static func datedFutureVenue() -> (Harness, expiry: Timestamp) {
        var harness = Harness()
        harness.standardAssets()
        let expiry = Timestamp(nanoseconds: harness.time + 60_000_000_000)
        var spec = linearMarket(5, symbol: "BTCUSDT_250328")
        spec.expiry = expiry
        harness.ok(
            .createMarket(spec, RiskParameters(margin: .tiered(binanceBTCUSDT2021()), settlementWindowSeconds: 0)))
        harness.ok(.setMarkPrice(market: MarketID(5), mark: Price("50000")!, index: nil))
        return (harness, expiry)
    }

    @Test func datedFuturesSettleAtExpiryOnTick() {
        var (harness, expiry) = Self.datedFutureVenue()
        harness.openFunded(1, usdt: "10000")
        harness.openFunded(2, usdt: "10000")
        harness.ok(
            .applyFill(
                Fill(
                    market: MarketID(5), buyer: AccountID(1), seller: AccountID(2),
                    quantity: Quantity("1")!, price: Price("50000")!, taker: .buyer)))
        harness.rejects(.settleFunding(market: MarketID(5), rate: rate("0.0001")), .notPerpetual)
        harness.time = expiry.nanoseconds
        harness.ok(.setMarkPrice(market: MarketID(5), mark: Price("50250")!, index: nil))
        let events = harness.ok(.tick)
        #expect(events.count == 2)
        #expect(harness.engine.account(AccountID(1))!.positions.isEmpty)
        #expect(Self.usdt(harness, 1) == 10_250_000_000)
        #expect(Self.usdt(harness, 2) == 9_750_000_000)
        harness.rejects(
            .applyFill(
                Fill(
                    market: MarketID(5), buyer: AccountID(1), seller: AccountID(2),
                    quantity: Quantity("1")!, price: Price("50000")!, taker: .buyer)), .marketSettled)
    }

    /// With a settlement window the future settles at the time-weighted average of its index
    /// over the window before expiry: a print of 60,000 in the last second moves it by 10,000 ×
    /// 1/600 = 16.67, not to 60,000. Index 50,000 for the first 300 s of a 600 s window, 51,000
    /// for the next 299 s, then 60,000 for the last second: (50,000 × 300 + 51,000 × 299 +
    /// 60,000 × 1) / 600 = 50,515.
    @Test func datedFuturesSettleAtTheWindowAverage() {
        var harness = Harness()
        harness.standardAssets()
        let second: Int64 = 1_000_000_000
        let start = harness.time + 1_000 * second
        let expiry = Timestamp(nanoseconds: start + 600 * second)
        var spec = linearMarket(5, symbol: "BTCUSDT_250328")
        spec.expiry = expiry
        harness.ok(
            .createMarket(
                spec,
                RiskParameters(
                    margin: .tiered(binanceBTCUSDT2021()), priceMaxAgeSeconds: 10_000,
                    settlementWindowSeconds: 600)))
        harness.openFunded(1, usdt: "10000")
        harness.openFunded(2, usdt: "10000")
        // Before the window.
        harness.ok(.setMarkPrice(market: MarketID(5), mark: Price("49000")!, index: Price("49000")!))
        harness.ok(
            .applyFill(
                Fill(
                    market: MarketID(5), buyer: AccountID(1), seller: AccountID(2),
                    quantity: Quantity("1")!, price: Price("49000")!, taker: .buyer)))
        // Harness.run adds 1 ms to `time` before each input.
        for (at, price) in [(start, "50000"), (start + 300 * second, "51000"), (expiry.nanoseconds - second, "60000")] {
            harness.time = at - 1_000_000
            harness.ok(.setMarkPrice(market: MarketID(5), mark: Price(price)!, index: Price(price)!))
        }
        harness.time = expiry.nanoseconds + 5 * second
        let events = harness.ok(.tick)
        guard case .marketSettled(let settlement)? = events.last else {
            Issue.record("no settlement: \(events)"); return
        }
        #expect(settlement.price == Price("50515")!)
        #expect(Self.usdt(harness, 1) == 10_000_000_000 + 1_515_000_000)
    }

    /// A settlement that leaves an account owing more than it holds: the fund pays what it can,
    /// the deficit line books the rest, and the account ends at zero (1 BTC long at 50,000 on
    /// 1,000 USDT settling at 48,000 owes 1,000; the fund holds 400).
    @Test func settlementBooksWhatAnAccountCannotPay() {
        var (harness, expiry) = Self.datedFutureVenue()
        harness.ok(.fundInsurance(asset: Harness.usdt, amount: amount("400", scale: 6)))
        harness.openFunded(1, usdt: "1000")
        harness.openFunded(2, usdt: "10000")
        harness.ok(
            .importPosition(
                account: AccountID(1), market: MarketID(5), size: Quantity("1")!, entryPrice: Price("50000")!,
                isolatedMargin: nil))
        harness.ok(
            .importPosition(
                account: AccountID(2), market: MarketID(5), size: Quantity("-1")!, entryPrice: Price("50000")!,
                isolatedMargin: nil))
        harness.time = expiry.nanoseconds
        harness.ok(.setMarkPrice(market: MarketID(5), mark: Price("48000")!, index: nil))
        let events = harness.ok(.tick)
        guard case .marketSettled(let settlement)? = events.last else {
            Issue.record("no settlement: \(events)"); return
        }
        #expect(settlement.fundDraw == 400_000_000 && settlement.uncovered == 600_000_000)
        #expect(Self.usdt(harness, 1) == 0)
        #expect(harness.engine.asset(Harness.usdt)!.deficit == -600_000_000)
        #expect(harness.engine.solvencyCheck().holds)
    }

    /// Two futures expiring in the same tick with one account in both: each settlement is
    /// planned on what the one before left, so both amounts land (the account's wallet is not
    /// overwritten by the second) and the fund is not drawn twice. Long 1 BTC at 50,000 in each on
    /// 1,000 USDT, settling at 48,000: −4,000 on 1,000, a shortfall of 3,000; the fund's 400
    /// goes first, the deficit books 2,600; the short gains 4,000.
    @Test func twoExpiriesInOneTickShareAnAccount() {
        var (harness, expiry) = Self.datedFutureVenue()
        var second = linearMarket(6, symbol: "BTCUSDT_250328B")
        second.expiry = expiry
        harness.ok(
            .createMarket(second, RiskParameters(margin: .tiered(binanceBTCUSDT2021()), settlementWindowSeconds: 0)))
        harness.ok(.fundInsurance(asset: Harness.usdt, amount: amount("400", scale: 6)))
        harness.openFunded(1, usdt: "1000")
        harness.openFunded(2, usdt: "10000")
        for market in [MarketID(5), MarketID(6)] {
            harness.ok(.setMarkPrice(market: market, mark: Price("50000")!, index: nil))
            harness.ok(
                .importPosition(
                    account: AccountID(1), market: market, size: Quantity("1")!, entryPrice: Price("50000")!,
                    isolatedMargin: nil))
            harness.ok(
                .importPosition(
                    account: AccountID(2), market: market, size: Quantity("-1")!, entryPrice: Price("50000")!,
                    isolatedMargin: nil))
        }
        harness.time = expiry.nanoseconds
        for market in [MarketID(5), MarketID(6)] {
            harness.ok(.setMarkPrice(market: market, mark: Price("48000")!, index: nil))
        }
        let events = harness.ok(.tick)
        let settlements = events.compactMap { event -> SettlementApplied? in
            if case .marketSettled(let s) = event { return s } else { return nil }
        }
        #expect(settlements.count == 2)
        #expect(settlements.map(\.fundDraw).reduce(0, +) == 400_000_000)
        #expect(settlements.map(\.uncovered).reduce(0, +) == 2_600_000_000)
        #expect(Self.usdt(harness, 1) == 0)
        #expect(Self.usdt(harness, 2) == 14_000_000_000)
        #expect(harness.engine.asset(Harness.usdt)!.insuranceFund == 0)
        #expect(harness.engine.solvencyCheck().holds)
    }

    @Test func invalidDeclarationsNameTheField() {
        var harness = Harness()
        harness.rejects(.createAsset(AssetSpec(id: AssetID(1), symbol: "", scale: 6)), .invalidParameter)
        harness.rejects(.createAsset(AssetSpec(id: AssetID(1), symbol: "X", scale: 19)), .invalidParameter)
        harness.standardAssets()
        harness.rejects(.createAsset(AssetSpec(id: Harness.usdt, symbol: "USDT", scale: 6)), .assetExists)
        harness.rejects(
            .createMarket(linearMarket(1, settle: AssetID(9)), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))),
            .unknownAsset)
        harness.rejects(
            .createMarket(linearMarket(1, tick: "0"), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))),
            .invalidParameter)
        harness.rejects(.openAccount(.venue), .reservedAccount)
        harness.ok(.openAccount(AccountID(5)))
        harness.rejects(.openAccount(AccountID(5)), .accountExists)
        harness.rejects(.setIndexPrice(asset: Harness.btc, price: Price(atoms: -1)), .nonPositivePrice)
    }

    @Test func theSameInputsGiveTheSameDigest() {
        let a = Self.venue()
        let b = Self.venue()
        #expect(a.engine.digestHex() == b.engine.digestHex())
        var c = Self.venue()
        c.ok(Self.fill(1, 2, "0.001", "50000"))
        #expect(c.engine.digestHex() != a.engine.digestHex())
        #expect(a.engine.digestHex().count == 64)
    }
}
