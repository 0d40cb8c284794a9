import SolventCore
import SolventSimulation
import Testing

/// Goal: the simulator's cascade (engine liquidations feeding the impact model feeding the
/// mark) reaches the fixed point theory gives. Method: N isolated longs of s contracts each at
/// entry E, with liquidation prices spread uniformly over [L0, L1] (collateral chosen so), a
/// flat maintenance rate m, and whole-position liquidation; an exogenous shock to P0 < L1. At
/// price P the liquidated size is Q(P) = sN (L1 − P)/(L1 − L0); the price satisfies
/// P = P0 (1 − I(Q(P))).
///   linear, I = λQ/D:        P* = P0 (1 − a L1) / (1 − a P0),  a = λ sN / ((L1 − L0) D)
///   square root, I = c√(Q/D): with x = L1 − P*, √x = (β + √(β² + 4(L1 − P0))) / 2,
///                            β = P0 c √(sN / ((L1 − L0) D))
/// The simulated end price must match within the population's granularity (one account's
/// share of the range, times the feedback gain) plus a tick.
struct CascadeFixedPointTests {
    static let (entry, m, l0, l1, p0) = (10_000.0, 0.005, 8_000.0, 9_500.0, 9_000.0)
    static let (accounts, size, depth) = (2_000, 0.1, 1_000.0)

    static func flatSchedule(maintenance: Double) -> MarginSchedule {
        .tiered(
            try! RiskTierTable.make(tiers: [
                RiskTier(
                    notionalCap: nil, initialRate: Rate(atoms: Int64(2 * maintenance * 1e9)),
                    maintenanceRate: Rate(atoms: Int64(maintenance * 1e9)))
            ]).get())
    }

    /// Collateral so that equity C + s(P − E) equals m·s·P exactly at P = L.
    static func population() -> [SimulatedAccount] {
        (0..<accounts).map { index in
            let liquidation = l0 + (Double(index) + 0.5) * (l1 - l0) / Double(accounts)
            let collateral = size * entry - liquidation * size * (1 - m)
            return SimulatedAccount(
                id: UInt64(index + 1), size: Int64(size * 1e8), entryPrice: Int64(entry * 1e8),
                collateral: Int64((collateral * 1e6).rounded()), collateralAsset: .settlement, isolated: true)
        }
    }

    static func simulate(_ impact: MarketImpact) throws -> Double {
        var config = SimulationConfig(margin: flatSchedule(maintenance: m), impact: impact)
        config.dustNotional = 1e9  // every step closes the whole position
        config.stepFraction = 1
        config.insuranceFundFraction = 1
        let t0 = Timestamp(nanoseconds: 1_600_000_000_000_000_000)
        let path = [
            CascadeSimulator.PricePoint(time: t0, price: Price(atoms: Int64(entry * 1e8))),
            CascadeSimulator.PricePoint(
                time: Timestamp(nanoseconds: t0.nanoseconds + 3_600_000_000_000), price: Price(atoms: Int64(p0 * 1e8))),
        ]
        var simulator = try CascadeSimulator(config: config, population: population(), start: path[0])
        let result = simulator.run(path: path)
        #expect(result.auditViolations.isEmpty, "\(result.auditViolations)")
        #expect(result.stillLiquidating == 0, "\(result.refusals)")
        return result.points.last!.price
    }

    @Test func linearImpactReachesTheClosedFormFixedPoint() throws {
        let lambda = 0.417
        let a = lambda * Self.size * Double(Self.accounts) / ((Self.l1 - Self.l0) * Self.depth)
        let expected = Self.p0 * (1 - a * Self.l1) / (1 - a * Self.p0)
        let simulated = try Self.simulate(MarketImpact(shape: .linear, coefficient: lambda, depth: Self.depth))
        print("linear impact: simulated \(simulated), closed form \(expected)")
        let gain = a * Self.p0 / (1 - a * Self.p0)
        let tolerance = (gain + 1) * (Self.l1 - Self.l0) / Double(Self.accounts) + 0.2
        #expect(
            abs(simulated - expected) <= tolerance, "simulated \(simulated), closed form \(expected) ± \(tolerance)")
        #expect(expected < 8_600 && expected > 8_400)
    }

    @Test func squareRootImpactReachesTheClosedFormFixedPoint() throws {
        let c = 0.15
        let beta = Self.p0 * c * (Self.size * Double(Self.accounts) / ((Self.l1 - Self.l0) * Self.depth)).squareRoot()
        let y = (beta + (beta * beta + 4 * (Self.l1 - Self.p0)).squareRoot()) / 2
        let expected = Self.l1 - y * y
        let simulated = try Self.simulate(MarketImpact(shape: .squareRoot, coefficient: c, depth: Self.depth))
        print("square-root impact: simulated \(simulated), closed form \(expected)")
        let gain = beta / (2 * y)
        let tolerance = (gain + 1) * (Self.l1 - Self.l0) / Double(Self.accounts) * 2 + 0.2
        #expect(
            abs(simulated - expected) <= tolerance, "simulated \(simulated), closed form \(expected) ± \(tolerance)")
        #expect(expected < 8_700 && expected > 8_300)
    }

    @Test func withoutImpactThePriceIsThePath() throws {
        let simulated = try Self.simulate(MarketImpact(shape: .none, coefficient: 0, depth: Self.depth))
        #expect(simulated == Self.p0)
    }
}
