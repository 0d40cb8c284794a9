import SolventCore
import SolventTestSupport
import Testing

/// Goal: tier tables derive the venues' maintenance amounts and requirements.
/// Method: the published values in ../shared/reference/exchanges.md, each cited.
struct RiskTierTests {
    /// BN-T1: Binance BTCUSDT 2021-03-18 table; cum column as in the FAQ (50, 1,300) and §1.1.
    @Test func binanceMaintenanceAmountsMatchThePublishedCumColumn() {
        let table = binanceBTCUSDT2021()
        let expected: [Int64] = [
            0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300, 25_016_300, 100_016_300,
        ]
        #expect(table.maintenanceAmounts == expected.map { $0 * 1_000_000 })
    }

    /// BN-F1/F2 (Binance FAQ): 264,000 USDT notional → MMR 1 %; 500,000 → maintenance amount 1,300.
    @Test func binanceFAQLookups() {
        let table = binanceBTCUSDT2021()
        #expect(table.tiers[table.tierIndex(forNotional: 264_000_000_000)].maintenanceRate == rate("0.01"))
        #expect(table.maintenanceAmounts[table.tierIndex(forNotional: 500_000_000_000)] == 1_300_000_000)
        // Bracket bounds are "lower < notional ≤ upper": exactly 50,000 is still tier 1.
        #expect(table.tierIndex(forNotional: 50_000_000_000) == 0)
        #expect(table.tierIndex(forNotional: 50_000_000_001) == 1)
    }

    /// Maintenance is continuous across every bracket boundary (that is what cum is for).
    @Test func maintenanceIsContinuousAtEveryBoundary() {
        let table = binanceBTCUSDT2021()
        let schedule = MarginSchedule.tiered(table)
        for tier in table.tiers.dropLast() {
            let cap = tier.notionalCap!.atoms
            let at = schedule.requirements(notional: cap, size: 0, leverageRate: 0)!.maintenance
            let above = schedule.requirements(notional: cap + 1, size: 0, leverageRate: 0)!.maintenance
            #expect(above - at >= 0 && above - at <= 1, "jump at \(cap): \(at) → \(above)")
        }
    }

    /// MX-R1 (BitMEX risk-limit examples): base MM 0.5 %, IM 1 %, base limit 200 XBT, step 150 XBT.
    /// 180 XBT → MM 0.90 XBT; 230 XBT → MM 1.00 % (2.3 XBT), IM 1.50 % (3.45 XBT).
    @Test func bitmexRiskLimitSteps() throws {
        let rows: [(String?, String, String)] = [
            ("200", "0.01", "0.005"), ("350", "0.015", "0.01"),
            ("500", "0.02", "0.015"), (nil, "0.025", "0.02"),
        ]
        let table = try RiskTierTable.make(
            tiers: rows.map {
                RiskTier(
                    notionalCap: $0.0.map { amount($0, scale: 8) }, initialRate: rate($0.1), maintenanceRate: rate($0.2)
                )
            }, deductsMaintenanceAmount: false
        ).get()
        let schedule = MarginSchedule.tiered(table)
        #expect(schedule.requirements(notional: 180 * 100_000_000, size: 0, leverageRate: 0)!.maintenance == 90_000_000)
        let at230 = schedule.requirements(notional: 230 * 100_000_000, size: 0, leverageRate: 0)!
        #expect(at230.maintenance == 230_000_000)
        #expect(at230.initial == 345_000_000)
    }

    /// DB-L1..L5 (Deribit linear perpetuals): IM% = 2 % + 0.005 % per BTC, MM% = 1 % + 0.005 % per
    /// BTC at 100,000; SOL: 4 % / 2 % + 0.0005 % per SOL at 200. Requirements in USDC.
    @Test(arguments: [
        ("0.02", "0.01", "0.00005", "25", "100000", "53125", "28125"),
        ("0.02", "0.01", "0.00005", "350", "100000", "1312500", "962500"),
        ("0.04", "0.02", "0.000005", "25", "200", "200.625", "100.625"),
        ("0.04", "0.02", "0.000005", "6000", "200", "84000", "60000"),
    ])
    func deribitSizeScaledMargin(
        im: String, mm: String, per: String, size: String, price: String,
        expectedIM: String, expectedMM: String
    ) {
        let schedule = MarginSchedule.sizeScaled(
            initialBase: rate(im), maintenanceBase: rate(mm), ratePerContract: rate(per))
        let valuation = ContractValuation(kind: .linear, contractSize: Quantity("1")!, settleScale: 6)
        let q = Quantity(size)!.atoms
        let notional = valuation.notional(size: q, price: Price(price)!.atoms)!
        let requirements = schedule.requirements(notional: notional, size: q, leverageRate: 0)!
        #expect(requirements.initial == amount(expectedIM, scale: 6).atoms)
        #expect(requirements.maintenance == amount(expectedMM, scale: 6).atoms)
    }

    /// BN-F6: COIN-M 100 BTCUSD contracts of 100 USD at mark 25,000 → notional 0.4 BTC (tier 1,
    /// 0.4 %) → MM 0.0016 BTC.
    @Test func binanceCoinMarginedMaintenance() {
        let valuation = ContractValuation(kind: .inverse, contractSize: Quantity("100")!, settleScale: 8)
        let notional = valuation.notional(size: Quantity("100")!.atoms, price: Price("25000")!.atoms)!
        #expect(notional == 40_000_000)
        let requirements = singleTier(im: "0.008", mm: "0.004").requirements(
            notional: notional, size: 0, leverageRate: 0)!
        #expect(requirements.maintenance == 160_000)
    }

    @Test func invalidTablesNameTheField() {
        let bad = RiskTierTable.make(tiers: [
            RiskTier(notionalCap: Amount(atoms: 100), initialRate: rate("0.01"), maintenanceRate: rate("0.02"))
        ])
        #expect(
            bad.map { _ in "" }.mapError { $0 }
                == .failure(
                    MarketSpecError(
                        field: "tiers[0].initialRate", reason: "at least the maintenance rate and at most 1")))
        let decreasing = RiskTierTable.make(tiers: [
            RiskTier(notionalCap: Amount(atoms: 100), initialRate: rate("0.02"), maintenanceRate: rate("0.01")),
            RiskTier(notionalCap: Amount(atoms: 50), initialRate: rate("0.02"), maintenanceRate: rate("0.01")),
        ])
        if case .failure(let error) = decreasing {
            #expect(error.field == "tiers[1].notionalCap")
        } else {
            Issue.record("accepted")
        }
    }
}
