import SolventCore
import SolventSimulation
import Testing

/// Goal: funding settled along a path moves exactly the money its rate says, through the engine,
/// and only when it is due. Method: 100 isolated longs and 50 cross shorts of 0.1 contract at
/// 10,000, well margined, on a flat path of six hourly points; a funding rate of 0.1 % due at
/// hour 2 and −0.05 % at hour 4 (and one before the path, ignored). Each long pays 0.1 % of
/// 1,000 USDT = 1 USDT at hour 2; at hour 4 each short pays 0.5 USDT; the venue's book holds the
/// other side of the population's net 5 contracts long and pays or receives the rest.
struct FundingAlongThePathTests {
    static let hour: Int64 = 3_600_000_000_000
    static let t0 = Timestamp(nanoseconds: 1_600_000_000_000_000_000)

    static func population() -> [SimulatedAccount] {
        (0..<150).map { index in
            let long = index < 100
            return SimulatedAccount(
                id: UInt64(index + 1), size: long ? 10_000_000 : -10_000_000, entryPrice: 1_000_000_000_000,
                collateral: 500_000_000, collateralAsset: .settlement, isolated: long)
        }
    }

    static func run(funding: [CascadeSimulator.FundingPoint]) throws -> SimulationResult {
        let config = SimulationConfig(
            margin: CascadeFixedPointTests.flatSchedule(maintenance: 0.005),
            impact: MarketImpact(shape: .none, coefficient: 0, depth: 1_000))
        let path = (0..<6).map {
            CascadeSimulator.PricePoint(
                time: Timestamp(nanoseconds: t0.nanoseconds + Int64($0) * hour), price: Price(atoms: 1_000_000_000_000))
        }
        var simulator = try CascadeSimulator(config: config, population: population(), start: path[0])
        return simulator.run(path: path, funding: funding)
    }

    @Test func fundingIsPaidWhenDueAndConservesMoney() throws {
        let due = [
            CascadeSimulator.FundingPoint(
                time: Timestamp(nanoseconds: Self.t0.nanoseconds - Self.hour), rate: Rate("0.01")!),
            CascadeSimulator.FundingPoint(
                time: Timestamp(nanoseconds: Self.t0.nanoseconds + 2 * Self.hour), rate: Rate("0.001")!),
            CascadeSimulator.FundingPoint(
                time: Timestamp(nanoseconds: Self.t0.nanoseconds + 4 * Self.hour), rate: Rate("-0.0005")!),
        ]
        let paid = try Self.run(funding: due)
        #expect(paid.fundingSettlements == 2 && paid.fundingRefused == 0)
        // Hour 2: 100 longs × 1 USDT; hour 4: 50 shorts × 0.5 USDT and the venue's book, short
        // 5 contracts (50,000 USDT of notional), 25 USDT.
        #expect(abs(paid.fundingPaid - (100 + 25 + 25)) < 1e-9)
        #expect(paid.auditViolations.isEmpty && paid.steps == 0)
        let unpaid = try Self.run(funding: [])
        #expect(unpaid.fundingSettlements == 0 && unpaid.fundingPaid == 0)
        #expect(unpaid.digest != paid.digest)
    }
}
