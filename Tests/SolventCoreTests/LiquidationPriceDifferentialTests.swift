import BigInt
import Foundation
import SolventCore
import SolventRandom
import SolventTestSupport
import Testing

/// Goal: the engine's liquidation and bankruptcy prices agree with the venues' closed forms for
/// every combination of linear / inverse × long / short × cross / isolated × one tier / several
/// tiers, tier changes at the liquidation price and positions that are never liquidated included.
///
/// Method: a seeded generator of positions per combination (size, entry, leverage log-uniform;
/// about one in ten at 1x or less), each solved in exact rationals by the venue's formula
/// (exchanges.md §0, §1.3, §2.2, §3.1), tier by tier as Binance documents ("solve, re-check
/// the tier, re-solve"), then compared with the engine:
/// - the engine's price lies on the conservative side of the exact one (requirements round up,
///   equity down, so it can only liquidate earlier) and within the rounding of a few settlement
///   atoms, converted to price through the slope of equity − maintenance;
/// - the engine's status function says liquidatable one tick beyond the exact price and not
///   liquidatable one tick (plus that rounding) before it; at the engine's own price it flips
///   exactly between two adjacent atoms;
/// - where the closed form has no solution below the engine's price bound, the engine reports
///   "never reached" instead of a price.
///
/// Venues: linear one tier — Deribit BTC_USDC (MM 1 % + 0.005 % per BTC of size, constant for a
/// position); linear tiers — Binance USDⓈ-M BTCUSDT (2021-03-18 table); inverse one tier — BitMEX
/// XBTUSD (1-USD contracts, base MM 0.4 %); inverse tiers — Binance COIN-M BTCUSD (100-USD
/// contracts, 0.4 / 0.5 / 1 / 2.5 % with the documented cum recurrence).
struct LiquidationPriceDifferentialTests {
    static let casesPerCombination = 2_000

    struct Combination: CustomTestStringConvertible, Sendable {
        var inverse: Bool
        var long: Bool
        var isolated: Bool
        var tiered: Bool
        var testDescription: String {
            "\(inverse ? "inverse" : "linear") \(long ? "long" : "short") \(isolated ? "isolated" : "cross") \(tiered ? "tiers" : "one tier")"
        }
    }

    static let combinations: [Combination] = [false, true].flatMap { inverse in
        [true, false].flatMap { long in
            [false, true].flatMap { isolated in
                [false, true].map { Combination(inverse: inverse, long: long, isolated: isolated, tiered: $0) }
            }
        }
    }

    /// One tier of a venue's table in exact terms: notional bounds (settlement units, upper
    /// inclusive), maintenance rate and maintenance amount.
    struct Tier {
        var floor: ExactRational
        var cap: ExactRational?
        var rate: ExactRational
        var cum: ExactRational
    }

    struct Venue {
        var spec: MarketSpec
        var schedule: MarginSchedule
        /// Exact tiers for a position of `contracts` (a size-scaled rate depends on the size).
        var tiers: (_ contracts: ExactRational) -> [Tier]
    }

    static func exact(_ text: String) -> ExactRational {
        let parts = text.split(separator: ".")
        let decimals = parts.count > 1 ? parts[1].count : 0
        return ExactRational(BigInt(text.replacingOccurrences(of: ".", with: ""))!, BigInt(10).power(decimals))
    }

    /// A tier table's exact form, with Binance's cum recurrence.
    static func exactTiers(_ rows: [(cap: String?, mm: String)]) -> [Tier] {
        var tiers: [Tier] = []
        var floor = ExactRational(0)
        var cum = ExactRational(0)
        var previousRate = ExactRational(0)
        for row in rows {
            let rate = exact(row.mm)
            cum = cum + floor * (rate - previousRate)
            tiers.append(Tier(floor: floor, cap: row.cap.map(exact), rate: rate, cum: cum))
            floor = row.cap.map(exact) ?? floor
            previousRate = rate
        }
        return tiers
    }

    static func table(_ rows: [(cap: String?, im: String, mm: String)], scale: Int) -> MarginSchedule {
        .tiered(
            try! RiskTierTable.make(
                tiers: rows.map {
                    RiskTier(
                        notionalCap: $0.cap.map { amount($0, scale: scale) }, initialRate: rate($0.im),
                        maintenanceRate: rate($0.mm))
                }
            ).get())
    }

    static func venue(_ combination: Combination) -> Venue {
        switch (combination.inverse, combination.tiered) {
        case (false, false):
            let spec = MarketSpec(
                id: MarketID(1), symbol: "BTC_USDC", kind: .linear, settleAsset: Harness.usdt,
                contractSize: Quantity("1")!,
                tickSize: Price("0.1")!, lotSize: Quantity("0.001")!)
            let schedule = MarginSchedule.sizeScaled(
                initialBase: rate("0.02"), maintenanceBase: rate("0.01"), ratePerContract: rate("0.00005"))
            return Venue(spec: spec, schedule: schedule) { contracts in
                [
                    Tier(
                        floor: ExactRational(0), cap: nil, rate: exact("0.01") + contracts * exact("0.00005"),
                        cum: ExactRational(0))
                ]
            }
        case (false, true):
            let rows: [(String?, String, String)] = [
                ("50000", "0.008", "0.004"), ("250000", "0.01", "0.005"), ("1000000", "0.02", "0.01"),
                ("10000000", "0.05", "0.025"), ("20000000", "0.1", "0.05"), ("50000000", "0.2", "0.1"),
                ("100000000", "0.25", "0.125"), ("200000000", "0.333", "0.15"), ("300000000", "0.5", "0.25"),
                (nil, "1", "0.5"),
            ]
            let spec = MarketSpec(
                id: MarketID(1), symbol: "BTCUSDT", kind: .linear, settleAsset: Harness.usdt,
                contractSize: Quantity("1")!,
                tickSize: Price("0.1")!, lotSize: Quantity("0.001")!)
            let tiers = exactTiers(rows.map { ($0.0, $0.2) })
            return Venue(spec: spec, schedule: table(rows, scale: 6)) { _ in tiers }
        case (true, false):
            let spec = MarketSpec(
                id: MarketID(1), symbol: "XBTUSD", kind: .inverse, settleAsset: Harness.btc,
                contractSize: Quantity("1")!,
                tickSize: Price("0.5")!, lotSize: Quantity("1")!)
            let tiers = exactTiers([(nil, "0.004")])
            return Venue(spec: spec, schedule: table([(nil, "0.01", "0.004")], scale: 8)) { _ in tiers }
        case (true, true):
            let rows: [(String?, String, String)] = [
                ("5", "0.008", "0.004"), ("10", "0.01", "0.005"), ("20", "0.02", "0.01"), (nil, "0.05", "0.025"),
            ]
            let spec = MarketSpec(
                id: MarketID(1), symbol: "BTCUSD_PERP", kind: .inverse, settleAsset: Harness.btc,
                contractSize: Quantity("100")!, tickSize: Price("0.1")!, lotSize: Quantity("1")!)
            let tiers = exactTiers(rows.map { ($0.0, $0.2) })
            return Venue(spec: spec, schedule: table(rows, scale: 8)) { _ in tiers }
        }
    }

    /// A generated position: size in contracts (signed), entry and collateral as exact numbers
    /// and as the atoms given to the engine.
    struct Case {
        var sizeAtoms: Int64
        var entryAtoms: Int64
        var collateralAtoms: Int64
    }

    static func generate(_ combination: Combination, venue: Venue, seed: UInt64) -> [Case] {
        var random = SplitMix64(seed: seed)
        func logUniform(_ low: Double, _ high: Double) -> Double {
            exp(Double.random(in: log(low)...log(high), using: &random))
        }
        var cases: [Case] = []
        let tick = venue.spec.tickSize.atoms
        for _ in 0..<casesPerCombination {
            let entry = Int64(Double.random(in: 10_000...100_000, using: &random) * 1e8) / tick * tick
            let contracts: Int64
            if combination.inverse {
                // USD notional from 1 contract to 20 M USD.
                let usd = logUniform(1, combination.tiered ? 20_000_000 : 5_000_000)
                contracts = max(1, Int64(usd / Double(venue.spec.contractSize.atoms / 100_000_000)))
            } else {
                contracts = max(1, Int64(logUniform(0.001, combination.tiered ? 400 : 300) * 1000))  // lots of 0.001
            }
            let sizeAtoms =
                (combination.inverse ? contracts * 100_000_000 : contracts * 100_000) * (combination.long ? 1 : -1)
            // Leverage 0.5x-125x, one in ten at or below 1x (never liquidated on one side).
            let leverage =
                Double.random(in: 0..<1, using: &random) < 0.1
                ? Double.random(in: 0.5...1, using: &random) : logUniform(1, 125)
            let notional: Double =
                combination.inverse
                ? Double(contracts) * Double(venue.spec.contractSize.atoms) / Double(entry)  // BTC
                : Double(contracts) / 1000 * Double(entry) / 1e8  // USDT
            let collateral = Int64(notional / leverage * (combination.inverse ? 1e8 : 1e6))
            cases.append(Case(sizeAtoms: sizeAtoms, entryAtoms: entry, collateralAtoms: max(1, collateral)))
        }
        return cases
    }

    /// The exact solution of "equity = maintenance" (or "equity = 0" with `bankruptcy`) in USD,
    /// tier by tier; nil when no positive price solves it (never reached). `x` is P for linear
    /// contracts and 1/P for inverse ones: both sides are linear in it.
    static func solve(_ combination: Combination, venue: Venue, _ c: Case, bankruptcy: Bool) -> ExactRational? {
        let side = ExactRational(combination.long ? 1 : -1)
        let wallet = ExactRational(atoms: c.collateralAtoms, scale: combination.inverse ? 8 : 6)
        let entry = ExactRational(atoms: c.entryAtoms, scale: 8)
        let contracts = ExactRational(atoms: abs(c.sizeAtoms), scale: 8)
        let zero = ExactRational(0)
        let tiers = bankruptcy ? [Tier(floor: zero, cap: nil, rate: zero, cum: zero)] : venue.tiers(contracts)
        for tier in tiers {
            let price: ExactRational
            let notional: (ExactRational) -> ExactRational
            if combination.inverse {
                // N = contracts × contract size (USD). W + side·N·(1/E − x) = r·N·x − cum
                // ⇒ x = (W + side·N/E + cum) / ((r + side)·N).
                let n = contracts * ExactRational(atoms: venue.spec.contractSize.atoms, scale: 8)
                let denominator = (tier.rate + side) * n
                guard denominator != zero else { continue }
                let x = (wallet + side * n / entry + tier.cum) / denominator
                guard x.isPositive else { continue }
                price = ExactRational(1) / x
                notional = { n / $0 }
            } else {
                // W + side·Q·(P − E) = r·Q·P − cum ⇒ P = (W − side·Q·E + cum) / ((r − side)·Q).
                let denominator = (tier.rate - side) * contracts
                let p = (wallet - side * contracts * entry + tier.cum) / denominator
                guard p.isPositive else { continue }
                price = p
                notional = { contracts * $0 }
            }
            let value = notional(price)
            if value < tier.floor || (value == tier.floor && tier.floor != zero) { continue }
            if let cap = tier.cap, cap < value { continue }
            return price
        }
        return nil
    }

    struct Counts { var cases = 0, priced = 0, never = 0, tierChanged = 0, bankruptcyPriced = 0 }

    @Test(arguments: combinations)
    func engineMatchesClosedForms(_ combination: Combination) throws {
        let venue = Self.venue(combination)
        var harness = Harness()
        harness.engine.auditsEveryEvent = false
        harness.auditEachInput = false
        harness.standardAssets()
        harness.ok(.createMarket(venue.spec, RiskParameters(margin: venue.schedule)))
        harness.ok(.setMarkPrice(market: venue.spec.id, mark: Price("50000")!, index: nil))
        let settle = combination.inverse ? Harness.btc : Harness.usdt
        let cases = Self.generate(
            combination, venue: venue,
            seed: 0x51A7 &+ UInt64(Self.combinations.firstIndex { $0.testDescription == combination.testDescription }!))
        for (offset, c) in cases.enumerated() {
            let id = AccountID(UInt64(1_000 + offset))
            harness.ok(.openAccount(id))
            harness.ok(.deposit(account: id, asset: settle, amount: Amount(atoms: c.collateralAtoms)))
            harness.ok(
                .importPosition(
                    account: id, market: venue.spec.id, size: Quantity(atoms: c.sizeAtoms),
                    entryPrice: Price(atoms: c.entryAtoms),
                    isolatedMargin: combination.isolated ? Amount(atoms: c.collateralAtoms) : nil))
        }
        harness.audit()
        let engine = harness.engine
        let marketIndex = engine.marketIndex(of: venue.spec.id)!
        let maximum = ExactRational(atoms: 100_000_000_000_000_000, scale: 8)
        let tick = venue.spec.tickSize.atoms
        var counts = Counts()
        for (offset, c) in cases.enumerated() {
            counts.cases += 1
            let account = engine.account(AccountID(UInt64(1_000 + offset)))!
            let label =
                "\(combination.testDescription) case \(offset): size \(Quantity(atoms: c.sizeAtoms)) at \(Price(atoms: c.entryAtoms)), collateral \(c.collateralAtoms) atoms"
            func status(_ atoms: Int64) -> MarginStatus? {
                guard atoms >= 1 else { return nil }
                return try? engine.pool(
                    of: account, marketIndex: marketIndex, override: .init(marketIndex: marketIndex, mark: atoms)
                ).get().status
            }
            // The rounding allowance: a few settlement atoms through the slope of equity − MM.
            func tolerance(at price: ExactRational) -> Int64 {
                let contracts = Double(abs(c.sizeAtoms)) / 1e8
                let usd = price.double
                let slope =
                    combination.inverse
                    ? contracts * Double(venue.spec.contractSize.atoms) / 1e8 / (usd * usd)  // BTC per USD
                    : contracts  // USDT per USD
                let settleAtoms = combination.inverse ? 1e8 : 1e6
                return Int64(min(1e15, 4 / (slope * settleAtoms) * 1e8)) + 2
            }
            // Liquidation price.
            let expected = Self.solve(combination, venue: venue, c, bankruptcy: false)
            let boundary = engine.liquidationBoundary(of: account, marketIndex: marketIndex)
            if let expected, expected < maximum {
                let atoms = expected * ExactRational(atoms: 100_000_000, scale: 0)
                let tolerance = tolerance(at: expected)
                guard case .price(let price) = boundary else {
                    // A price within rounding of the search bound may be reported as never reached.
                    #expect(
                        atoms.double > 1e17 - Double(tolerance), "\(label): expected \(expected), engine \(boundary)")
                    continue
                }
                counts.priced += 1
                let exactFloor = Int64(atoms.floor)
                let exactCeiling = Int64(atoms.ceiling)
                if combination.long {
                    #expect(
                        price >= exactFloor && price - exactFloor <= tolerance,
                        "\(label): exact \(expected), engine \(Price(atoms: price)), tolerance \(tolerance)")
                    #expect(
                        status(exactFloor - tick).map { $0 >= .liquidatable } ?? true,
                        "\(label): not liquidatable a tick below \(expected)")
                    #expect(
                        status(exactCeiling + tick + tolerance).map { $0 < .liquidatable } ?? true,
                        "\(label): liquidatable a tick above \(expected)")
                    #expect(status(price) == .liquidatable || status(price) == .bankrupt)
                    #expect(status(price + 1).map { $0 < .liquidatable } ?? true, "\(label): not the exact boundary")
                } else {
                    #expect(
                        price <= exactCeiling && exactCeiling - price <= tolerance,
                        "\(label): exact \(expected), engine \(Price(atoms: price)), tolerance \(tolerance)")
                    #expect(
                        status(exactCeiling + tick).map { $0 >= .liquidatable } ?? true,
                        "\(label): not liquidatable a tick above \(expected)")
                    #expect(
                        status(exactFloor - tick - tolerance).map { $0 < .liquidatable } ?? true,
                        "\(label): liquidatable a tick below \(expected)")
                    #expect(status(price) == .liquidatable || status(price) == .bankrupt)
                    #expect(status(price - 1).map { $0 < .liquidatable } ?? true, "\(label): not the exact boundary")
                }
                // Did the tier at the liquidation price differ from the tier at entry?
                let entryTier =
                    venue.tiers(ExactRational(atoms: abs(c.sizeAtoms), scale: 8)).count > 1
                    ? Self.tierIndex(combination, venue: venue, c, price: ExactRational(atoms: c.entryAtoms, scale: 8))
                    : 0
                let liquidationTier =
                    venue.tiers(ExactRational(atoms: abs(c.sizeAtoms), scale: 8)).count > 1
                    ? Self.tierIndex(combination, venue: venue, c, price: expected) : 0
                if entryTier != liquidationTier { counts.tierChanged += 1 }
            } else {
                counts.never += 1
                #expect(boundary == .none(.neverReached), "\(label): no exact solution, engine \(boundary)")
            }
            // Bankruptcy price.
            let zero = Self.solve(combination, venue: venue, c, bankruptcy: true)
            let bankruptcy = engine.bankruptcyBoundary(of: account, marketIndex: marketIndex)
            if let zero, zero < maximum {
                let atoms = zero * ExactRational(atoms: 100_000_000, scale: 0)
                let tolerance = tolerance(at: zero)
                guard case .price(let price) = bankruptcy else {
                    #expect(
                        atoms.double > 1e17 - Double(tolerance) || atoms.double < Double(tolerance),
                        "\(label): bankruptcy \(zero), engine \(bankruptcy)")
                    continue
                }
                counts.bankruptcyPriced += 1
                if combination.long {
                    #expect(
                        price >= Int64(atoms.ceiling) && price - Int64(atoms.ceiling) <= tolerance,
                        "\(label): bankruptcy \(zero), engine \(Price(atoms: price))")
                } else {
                    #expect(
                        price <= Int64(atoms.floor) && Int64(atoms.floor) - price <= tolerance,
                        "\(label): bankruptcy \(zero), engine \(Price(atoms: price))")
                }
            } else {
                #expect(bankruptcy == .none(.neverReached), "\(label): no zero-equity price, engine \(bankruptcy)")
            }
        }
        print(
            "liquidation-price differential, \(combination.testDescription): \(counts.cases) positions, \(counts.priced) priced "
                + "(\(counts.tierChanged) in another tier than at entry), \(counts.never) never liquidated, \(counts.bankruptcyPriced) bankruptcy prices"
        )
        #expect(counts.priced > counts.cases / 2)
        if combination.tiered { #expect(counts.tierChanged > 0) }
    }

    /// The index of the tier the position's notional falls in at `price`.
    static func tierIndex(_ combination: Combination, venue: Venue, _ c: Case, price: ExactRational) -> Int {
        let contracts = ExactRational(atoms: abs(c.sizeAtoms), scale: 8)
        let notional =
            combination.inverse
            ? contracts * ExactRational(atoms: venue.spec.contractSize.atoms, scale: 8) / price : contracts * price
        let tiers = venue.tiers(contracts)
        return tiers.firstIndex { tier in tier.cap.map { !($0 < notional) } ?? true } ?? tiers.count - 1
    }
}
