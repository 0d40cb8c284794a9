import SolventCore
import Testing

/// Goal: dynamic margin raises a market's published schedule without changing its shape. Method:
/// a Binance-style three-tier USDT table (6-decimal settlement) scaled to chosen first-tier
/// initial rates, each rate checked against the product done by hand, rounded up, the tiers'
/// maintenance amounts re-derived by the table's own recurrence.
struct MarginScheduleScalingTests {
    static func table() throws -> RiskTierTable {
        let (cap1, cap2) = (Amount(atoms: 50_000_000_000), Amount(atoms: 250_000_000_000))
        return try RiskTierTable.make(tiers: [
            RiskTier(
                notionalCap: cap1, initialRate: Rate("0.01")!, maintenanceRate: Rate("0.004")!),
            RiskTier(
                notionalCap: cap2, initialRate: Rate("0.02")!, maintenanceRate: Rate("0.01")!),
            RiskTier(notionalCap: nil, initialRate: Rate("0.05")!, maintenanceRate: Rate("0.025")!),
        ]).get()
    }

    @Test func everyRateScalesByTheSameFactorRoundedUp() throws {
        let schedule = MarginSchedule.tiered(try Self.table())
        #expect(schedule.referenceInitialRate == Rate("0.01")!)
        // × 1.5 exactly.
        guard case .tiered(let scaled)? = schedule.scaled(toInitialRate: Rate("0.015")!) else {
            Issue.record("expected a tiered schedule")
            return
        }
        #expect(scaled.tiers.map(\.initialRate) == [Rate("0.015")!, Rate("0.03")!, Rate("0.075")!])
        #expect(scaled.tiers.map(\.maintenanceRate) == [Rate("0.006")!, Rate("0.015")!, Rate("0.0375")!])
        #expect(scaled.tiers.map(\.notionalCap) == (try Self.table()).tiers.map(\.notionalCap))
        // cum(2) = 50,000 × (0.015 − 0.006) = 450 USDT; cum(3) = 450 + 250,000 × (0.0375 − 0.015) = 6,075.
        #expect(scaled.maintenanceAmounts == [0, 450_000_000, 6_075_000_000])
    }

    @Test func roundingIsUpAndRatesAreCapped() throws {
        let schedule = MarginSchedule.tiered(try Self.table())
        guard case .tiered(let scaled)? = schedule.scaled(toInitialRate: Rate(atoms: 13_333_333)) else {
            Issue.record("expected a tiered schedule")
            return
        }
        // 4,000,000 × 13,333,333 / 10,000,000 = 5,333,333.2 atoms → 5,333,334.
        #expect(scaled.tiers[0].maintenanceRate.atoms == 5_333_334)
        // 20,000,000 × 1.3333333 = 26,666,666 exactly; 50,000,000 × 1.3333333 = 66,666,665.
        #expect(scaled.tiers.map(\.initialRate.atoms) == [13_333_333, 26_666_666, 66_666_665])
        // × 100: initial rates stop at 1, maintenance just below 1 (a table's bounds).
        guard case .tiered(let capped)? = schedule.scaled(toInitialRate: Rate.one) else {
            Issue.record("expected a tiered schedule")
            return
        }
        #expect(capped.tiers.map(\.initialRate) == [Rate.one, Rate.one, Rate.one])
        #expect(capped.tiers.map(\.maintenanceRate.atoms) == [400_000_000, 999_999_999, 999_999_999])
    }

    @Test func thePublishedScheduleIsTheFloor() throws {
        let schedule = MarginSchedule.tiered(try Self.table())
        #expect(schedule.scaled(toInitialRate: Rate("0.009")!) == nil)
        #expect(schedule.scaled(toInitialRate: Rate("0.01")!) == schedule)
    }

    @Test func aSizeScaledScheduleScalesItsThreeRates() {
        let schedule = MarginSchedule.sizeScaled(
            initialBase: Rate("0.02")!, maintenanceBase: Rate("0.01")!, ratePerContract: Rate("0.00005")!)
        #expect(
            schedule.scaled(toInitialRate: Rate("0.05")!)
                == .sizeScaled(
                    initialBase: Rate("0.05")!, maintenanceBase: Rate("0.025")!, ratePerContract: Rate("0.000125")!))
    }
}
