import Foundation
import SolventCore
import SolventRisk
import SolventTestSupport
import Testing

/// Option markets in the engine: marks from Black-76 on the underlying
/// with the published smile, standard (Deribit) option margin, settlement at intrinsic value, and
/// the portfolio model. Expected values come from the risk layer's pricer and the reference
/// formulas, not from the engine's own code path.
@Suite struct OptionEngineTests {
    static let perp = MarketID(1)
    static let call = MarketID(20)
    static let day: Int64 = 86_400_000_000_000

    /// USDT venue, BTCUSDT perpetual marked at 50,000, a 30-day 55,000 call on it (USDT premium),
    /// a smile 45k/55k/65k at 60 % / 50 % / 55 %, and accounts 1, 2 with 20,000 USDT each.
    static func venue() -> (Harness, expiry: Timestamp) {
        var harness = Harness()
        harness.standardAssets()
        harness.ok(.createMarket(linearMarket(1), RiskParameters(margin: singleTier(im: "0.02", mm: "0.01"))))
        harness.ok(.setMarkPrice(market: perp, mark: Price("50000")!, index: nil))
        let expiry = Timestamp(nanoseconds: harness.time + 30 * day)
        var spec = linearMarket(20, symbol: "BTC-55000-C")
        spec.expiry = expiry
        spec.option = OptionTerms(right: .call, strike: Price("55000")!, underlying: perp, premium: .quote)
        harness.ok(.createMarket(spec, RiskParameters(margin: singleTier(im: "0.1", mm: "0.05"))))
        harness.ok(
            .setVolatilitySmile(
                underlying: perp,
                VolatilitySmile(
                    expiry: expiry, strikes: [Price("45000")!, Price("55000")!, Price("65000")!],
                    volatilities: [rate("0.6"), rate("0.5"), rate("0.55")])))
        harness.openFunded(1, usdt: "20000")
        harness.openFunded(2, usdt: "20000")
        return (harness, expiry)
    }

    /// Black-76 in price atoms for the 55,000 call at the underlying's stored mark and time.
    static func expectedMark(_ engine: Engine, expiry: Timestamp, volatility: Double) -> Int64 {
        let underlying = engine.market(perp)!
        let years = Double(expiry.nanoseconds - underlying.markTime.nanoseconds) / (365 * 86_400e9)
        let option = EuropeanOption.black76(
            right: .call, forward: Double(underlying.mark) / 1e8, strike: 55_000,
            years: years, volatility: volatility)
        return Int64((BlackScholes.price(option) * 1e8).rounded())
    }

    @Test func optionMarkIsBlack76OnTheUnderlyingAndFollowsIt() {
        var (harness, expiry) = Self.venue()
        #expect(
            harness.engine.market(Self.call)!.mark == Self.expectedMark(harness.engine, expiry: expiry, volatility: 0.5)
        )
        harness.ok(.setMarkPrice(market: Self.perp, mark: Price("52000")!, index: nil))
        let mark = harness.engine.market(Self.call)!.mark
        #expect(mark == Self.expectedMark(harness.engine, expiry: expiry, volatility: 0.5))
        #expect(mark > 100_000_000_000)  // about 2,000 USDT: a live out-of-the-money call
        harness.rejects(.setMarkPrice(market: Self.call, mark: Price("1000")!, index: nil), .markDerived)
    }

    @Test func smileInterpolatesTotalVarianceInLogStrike() {
        var (harness, expiry) = Self.venue()
        // Republish: 55,000 now sits between 50,000 (40 %) and 60,000 (60 %).
        harness.ok(
            .setVolatilitySmile(
                underlying: Self.perp,
                VolatilitySmile(
                    expiry: expiry, strikes: [Price("50000")!, Price("60000")!],
                    volatilities: [rate("0.4"), rate("0.6")])))
        let weight = (log(55_000.0) - log(50_000.0)) / (log(60_000.0) - log(50_000.0))
        let sigma = ((1 - weight) * 0.16 + weight * 0.36).squareRoot()
        let atoms = harness.engine.market(Self.call)!.optionVolatility
        #expect(atoms == Int64((sigma * 1e9).rounded()))
        #expect(
            harness.engine.market(Self.call)!.mark
                == Self.expectedMark(
                    harness.engine, expiry: expiry,
                    volatility: Double(atoms) / 1e9))
        // Bad smiles name the field and change nothing.
        harness.rejects(
            .setVolatilitySmile(
                underlying: Self.perp,
                VolatilitySmile(
                    expiry: expiry, strikes: [Price("60000")!, Price("50000")!],
                    volatilities: [rate("0.4"), rate("0.6")])), .invalidParameter)
        harness.rejects(
            .setVolatilitySmile(
                underlying: Self.perp,
                VolatilitySmile(
                    expiry: expiry, strikes: [Price("50000")!], volatilities: [rate("0")])), .invalidParameter)
        harness.rejects(
            .setVolatilitySmile(
                underlying: Self.call,
                VolatilitySmile(
                    expiry: expiry, strikes: [Price("50000")!], volatilities: [rate("0.5")])), .invalidParameter)
    }

    /// Sells one call from account 2 to account 1 at the mark (rounded down to the 0.1 tick).
    static func trade(_ harness: inout Harness, size: String = "1") -> Int64 {
        let mark = harness.engine.market(call)!.mark
        let price = mark / 10_000_000 * 10_000_000
        harness.ok(
            .applyFill(
                Fill(
                    market: call, buyer: AccountID(1), seller: AccountID(2),
                    quantity: Quantity(size)!, price: Price(atoms: price), taker: .buyer)))
        return price
    }

    @Test func standardMarginFollowsTheDeribitFormulas() {
        var (harness, _) = Self.venue()
        _ = Self.trade(&harness)
        let engine = harness.engine
        let markUSD = Double(engine.market(Self.call)!.mark) / 1e8
        // Short call, F 50,000, K 55,000: initial max(0.15 − 5,000/50,000, 0.10) × F + mark,
        // maintenance 0.075 × F + mark (ccp-models.md §4.1), in USDT atoms.
        let short = try! engine.crossPool(of: engine.account(AccountID(2))!).get()
        #expect(abs(Double(short.initial) - (0.10 * 50_000 + markUSD) * 1e6) <= 1)
        #expect(abs(Double(short.maintenance) - (0.075 * 50_000 + markUSD) * 1e6) <= 1)
        // Long: the premium's value as initial margin, nothing as maintenance.
        let long = try! engine.crossPool(of: engine.account(AccountID(1))!).get()
        #expect(abs(Double(long.initial) - markUSD * 1e6) <= 1)
        #expect(long.maintenance == 0)
    }

    @Test func buyingNeedsThePremiumInCash() {
        var (harness, _) = Self.venue()
        harness.ok(.openAccount(AccountID(3)))
        harness.ok(.deposit(account: AccountID(3), asset: Harness.usdt, amount: amount("100", scale: 6)))
        let price = harness.engine.market(Self.call)!.mark / 10_000_000 * 10_000_000
        let outcome = harness.run(
            .applyFill(
                Fill(
                    market: Self.call, buyer: AccountID(3), seller: AccountID(2),
                    quantity: Quantity("1")!, price: Price(atoms: price), taker: .buyer)))
        #expect(outcome.rejection != nil)
    }

    /// In the money at 60,000 (intrinsic 5,000 USDT per contract) and worthless at 50,000: the
    /// buyer gains intrinsic − premium, the seller loses it, both positions close.
    @Test(arguments: [("60000", Int64(5_000_000_000)), ("50000", Int64(0))])
    func optionsSettleAtIntrinsicValueAtExpiry(underlyingAtExpiry: String, intrinsic: Int64) {
        var (harness, expiry) = Self.venue()
        let price = Self.trade(&harness)
        harness.time = expiry.nanoseconds
        harness.ok(.setMarkPrice(market: Self.perp, mark: Price(underlyingAtExpiry)!, index: nil))
        harness.ok(.tick)
        #expect(harness.engine.market(Self.call)!.settled)
        #expect(harness.engine.account(AccountID(1))!.positions.isEmpty)
        #expect(harness.engine.account(AccountID(2))!.positions.isEmpty)
        let paid = price / 100  // price atoms (8 decimals) to USDT atoms (6)
        #expect(EngineTests.usdt(harness, 1) == 20_000_000_000 + intrinsic - paid)
        #expect(EngineTests.usdt(harness, 2) == 20_000_000_000 - intrinsic + paid)
        harness.audit()
    }

    @Test func portfolioModelNetsTheHedgeAndMatchesTheGrid() {
        var (harness, expiry) = Self.venue()
        _ = Self.trade(&harness)
        let standard = try! harness.engine.crossPool(of: harness.engine.account(AccountID(2))!).get()
        harness.ok(.setMarginModel(account: AccountID(2), .portfolio))
        let engine = harness.engine
        let naked = try! engine.crossPool(of: engine.account(AccountID(2))!).get()
        // The worst weighted loss of the short call on the Deribit-style grid, from the risk layer.
        let grid = ScenarioGrid.paradex()
        let underlying = engine.market(Self.perp)!
        let years = Double(expiry.nanoseconds - underlying.markTime.nanoseconds) / (365 * 86_400e9)
        let sigma = Double(engine.market(Self.call)!.optionVolatility) / 1e9
        func premium(_ forward: Double, _ volatility: Double) -> Double {
            BlackScholes.price(
                .black76(right: .call, forward: forward, strike: 55_000, years: years, volatility: volatility))
        }
        let base = premium(50_000, sigma)
        let worst = grid.scenarios.map { s in
            // A short loses what the call gains.
            (premium(
                50_000 * (1 + s.spotMove), grid.shockedVolatility(sigma, shock: s.volatilityShock, days: years * 365))
                - base) * s.weight
        }.max()!
        #expect(
            abs(Double(naked.initial) - worst * 1e6) <= 2,
            "engine \(naked.initial) grid \(worst) standard \(standard.initial)")
        #expect(naked.maintenance == (naked.initial * 8 + 9) / 10)
        #expect(naked.initial != standard.initial)
        // A long perpetual hedge lowers the portfolio requirement; under standard margin it adds.
        harness.ok(.openAccount(AccountID(4)))
        harness.ok(.deposit(account: AccountID(4), asset: Harness.usdt, amount: amount("20000", scale: 6)))
        harness.ok(
            .applyFill(
                Fill(
                    market: Self.perp, buyer: AccountID(2), seller: AccountID(4),
                    quantity: Quantity("0.3")!, price: Price("50000")!, taker: .buyer)))
        let hedged = try! harness.engine.crossPool(of: harness.engine.account(AccountID(2))!).get()
        #expect(hedged.initial < naked.initial)
        harness.ok(.setMarginModel(account: AccountID(2), .standard))
        let hedgedStandard = try! harness.engine.crossPool(of: harness.engine.account(AccountID(2))!).get()
        #expect(hedgedStandard.initial > standard.initial)
        #expect(hedged.initial < hedgedStandard.initial)
    }

    /// A short call under water after a rally is liquidated through the option market, under
    /// either margin model: the first underlying move that makes the account liquidatable is
    /// found by stepping the perpetual up; the step closes (part of) the short at the option's
    /// mark (no impact configured), with no fund draw that early; the account's short shrinks
    /// by exactly the step; the buyer's long is untouched (the liquidation trades with the book);
    /// and every event is audited for conservation by the harness.
    @Test(arguments: [AccountMarginModel.standard, .portfolio])
    func aShortOptionUnderMaintenanceIsLiquidated(model: AccountMarginModel) throws {
        var (harness, _) = Self.venue()
        harness.ok(
            .configureLiquidation(
                market: Self.call,
                LiquidationParameters(
                    depth: .squareRoot(depth: 1, coefficient: .zero), penaltyRate: rate("0.005"),
                    clearanceFeeRate: rate("0"),
                    target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("1"), dustNotional: 0)))
        _ = Self.trade(&harness, size: "2")
        harness.ok(.setMarginModel(account: AccountID(2), model))
        harness.rejects(.liquidate(account: AccountID(2), market: Self.call), .notLiquidatable)
        var underlying = 50_000
        var step: LiquidationStep?
        while step == nil && underlying < 120_000 {
            underlying += 1_000
            harness.ok(.setMarkPrice(market: Self.perp, mark: Price(String(underlying))!, index: nil))
            let outcome = harness.run(.liquidate(account: AccountID(2), market: Self.call))
            if outcome.rejection == nil {
                step = LiquidationStepTests.step(outcome.events)
            } else {
                #expect(outcome.rejection?.code == .notLiquidatable, "\(String(describing: outcome.rejection))")
            }
        }
        let done = try #require(step, "no underlying up to 120,000 made the short call liquidatable (\(model))")
        #expect(underlying > 50_000 && underlying < 100_000, "liquidatable only at \(underlying)")
        let mark = harness.engine.market(Self.call)!.mark
        print(
            "option liquidation (\(model)): liquidatable at underlying \(underlying), closed \(done.quantity) atoms of 2 calls at \(mark)"
        )
        #expect(done.market == Self.call && done.marketPrice.atoms == mark && done.fundDraw == 0 && done.uncovered == 0)
        #expect(done.quantity > 0 && done.quantity <= Quantity("2")!.atoms)
        let short = harness.engine.account(AccountID(2))!.positions.first { $0.market == Self.call }?.size ?? 0
        #expect(short == -Quantity("2")!.atoms + done.quantity)
        #expect(done.closesPosition == (short == 0))
        #expect(
            harness.engine.account(AccountID(1))!.positions.first { $0.market == Self.call }?.size
                == Quantity("2")!.atoms)
        #expect(harness.engine.asset(Harness.usdt)!.insuranceFund == done.penalty)
    }

    @Test func theSameInputsGiveTheSameDigest() {
        var (a, _) = Self.venue()
        var (b, _) = Self.venue()
        _ = Self.trade(&a)
        _ = Self.trade(&b)
        a.ok(.setMarkPrice(market: Self.perp, mark: Price("48000")!, index: nil))
        b.ok(.setMarkPrice(market: Self.perp, mark: Price("48000")!, index: nil))
        #expect(a.engine.digestHex() == b.engine.digestHex())
        b.ok(.setMarkPrice(market: Self.perp, mark: Price("48001")!, index: nil))
        #expect(a.engine.digestHex() != b.engine.digestHex())
    }
}
