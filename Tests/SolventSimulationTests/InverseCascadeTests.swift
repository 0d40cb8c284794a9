import SolventCore
import SolventSimulation
import Testing

/// Goal: the cascade simulator runs a coin-margined (inverse) market — BTCUSD, 100-USD
/// contracts, margined in BTC — with longs and shorts, and every liquidation step books its
/// loss: the auditor's per-step checks hold, no account ends in debt, and conservation holds to
/// the atom. Method: a seeded population of 3,000 accounts on the BitMEX XBTUSD-style tiers, a
/// squeeze from 50,000 to 75,000 (shorts lose coin as the price rises) and then a crash to
/// 30,000 (longs lose, and their coin collateral with them), hour by hour.
struct InverseCascadeTests {
    @Test func squeezeAndCrashOnACoinMarginedMarket() throws {
        let margin = MarginSchedule.tiered(
            try RiskTierTable.make(tiers: [
                RiskTier(
                    notionalCap: Amount(atoms: 200 * 100_000_000), initialRate: Rate("0.01")!,
                    maintenanceRate: Rate("0.005")!),
                RiskTier(notionalCap: nil, initialRate: Rate("0.02")!, maintenanceRate: Rate("0.01")!),
            ]).get())
        var config = SimulationConfig(
            margin: margin, impact: MarketImpact(shape: .squareRoot, coefficient: 0.5, depth: 1))
        config.contract = .inverse
        config.insuranceFundFraction = 0.002
        var spec = PopulationSpec(accounts: 3_000, seed: 11)
        spec.longFraction = 0.5
        spec.leverageMedian = 15
        let start: Int64 = 50_000 * 100_000_000
        let population = try PopulationGenerator.make(
            spec, startPrice: start, margin: margin, lotSize: CascadeSimulator.lotSize(.inverse),
            contract: .inverse)
        #expect(population.allSatisfy { $0.collateralAsset == .coin && $0.size % 100_000_000 == 0 })
        let openInterest = population.reduce(0.0) { $0 + max(0, Double($1.size)) } / 1e8
        config.impact.depth = openInterest * 2
        let t0 = Timestamp(nanoseconds: 1_600_000_000_000_000_000)
        let prices: [Double] = [50_000, 55_000, 62_000, 70_000, 75_000, 68_000, 55_000, 45_000, 36_000, 30_000, 31_000]
        let path = prices.enumerated().map { index, price in
            CascadeSimulator.PricePoint(
                time: Timestamp(nanoseconds: t0.nanoseconds + Int64(index) * 3_600_000_000_000),
                price: Price(atoms: Int64(price * 1e8)))
        }
        var simulator = try CascadeSimulator(config: config, population: population, start: path[0])
        let result = simulator.run(path: path)
        #expect(result.auditViolations.isEmpty, "\(result.auditViolations)")
        #expect(result.steps > 0)
        let engine = simulator.engine
        let closed = population.filter { engine.account(AccountID($0.id))?.positions.isEmpty == true }
        let shortsClosed = closed.filter { $0.size < 0 }.count, longsClosed = closed.filter { $0.size > 0 }.count
        print(
            "inverse cascade: \(result.steps) steps, \(shortsClosed) shorts and \(longsClosed) longs closed, bad debt \(result.badDebt) USD, deficit \(result.deficit) USD"
        )
        #expect(shortsClosed > 0 && longsClosed > 0)
        #expect(engine.solvencyCheck().holds, "accounts in debt: \(engine.solvencyCheck().debtors.prefix(5))")
        #expect(Auditor.violations(in: engine).isEmpty)
        #expect(engine.market(MarketID(1))?.spec.kind == .inverse)
    }
}
