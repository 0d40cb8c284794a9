import SolventCore
import SolventTestSupport
import Testing

/// Goal: a liquidation step closes the smallest lot-grid amount that restores the target, within
/// the step cap and dust floor, and executes through the book never worse than bankruptcy for the
/// system. Method: the BN-D1 position (isolated long 1 BTC at 50,000 with 2,500 margin, Binance
/// 2021 tiers) at mark 47,690, with hand-computed thresholds, and depth-model arithmetic by hand.
struct PartialLiquidationTests {
    static func inputs(costRate: String, stepFraction: String = "1", dust: String = "0") -> PartialLiquidation.Inputs {
        // Equity at 47,690: 2,500 + (47,690 − 50,000) = 190 USDT.
        PartialLiquidation.Inputs(
            equity: amount("190", scale: 6).atoms, otherInitial: 0, otherMaintenance: 0,
            size: Quantity("1")!.atoms, mark: Price("47690")!.atoms, lot: Quantity("0.001")!.atoms,
            valuation: ContractValuation(kind: .linear, contractSize: Quantity("1")!, settleScale: 6),
            schedule: .tiered(binanceBTCUSDT2021()), leverageRate: 0, costRate: rate(costRate),
            stepFraction: rate(stepFraction), dustNotional: amount(dust, scale: 6).atoms)
    }

    /// Costs 0.1 % of the closed notional, target maintenance + 10 %: 190 − 47.69 q ≥ 1.1 × 190.76 (1 − q)
    /// → q ≥ 0.12233 → 0.123 BTC; 0.122 does not restore.
    @Test func smallestCloseThatRestoresMaintenancePlusBuffer() {
        let target = PartialLiquidation.Target.maintenancePlusBuffer(rate("0.1"))
        let step = PartialLiquidation.stepQuantity(Self.inputs(costRate: "0.001"), target: target)
        #expect(step.quantity == Quantity("0.123")!.atoms && !step.closesAll)
        #expect(PartialLiquidation.restores(Quantity("0.123")!.atoms, Self.inputs(costRate: "0.001"), target: target))
        #expect(!PartialLiquidation.restores(Quantity("0.122")!.atoms, Self.inputs(costRate: "0.001"), target: target))
    }

    /// Target initial margin (0.8 %): 190 − 47.69 q ≥ 381.52 (1 − q) → q ≥ 0.5737 → 0.574 BTC.
    @Test func smallestCloseThatRestoresInitialMargin() {
        let step = PartialLiquidation.stepQuantity(Self.inputs(costRate: "0.001"), target: .initialMargin)
        #expect(step.quantity == Quantity("0.574")!.atoms)
    }

    /// When closing costs more per unit than the maintenance it frees (0.5 % > 0.44 %), no partial
    /// close helps: the whole position goes (why venues fully liquidate small positions).
    @Test func costlierThanTheMaintenanceItFreesClosesEverything() {
        let step = PartialLiquidation.stepQuantity(
            Self.inputs(costRate: "0.005"), target: .maintenancePlusBuffer(rate("0.1")))
        #expect(step.closesAll && step.quantity == Quantity("1")!.atoms)
    }

    @Test func stepCapAndDustFloor() {
        let target = PartialLiquidation.Target.maintenancePlusBuffer(rate("0.1"))
        let capped = PartialLiquidation.stepQuantity(
            Self.inputs(costRate: "0.001", stepFraction: "0.1"), target: target)
        #expect(capped.quantity == Quantity("0.1")!.atoms && !capped.closesAll)
        // 0.877 BTC would remain: 41,824 USDT of notional, under a 50,000 dust floor.
        let dusty = PartialLiquidation.stepQuantity(Self.inputs(costRate: "0.001", dust: "50000"), target: target)
        #expect(dusty.closesAll)
    }

    /// √ impact: depth 1,000,000, coefficient 0.01, notional 10,000 → 0.01 × √0.01 = 0.1 %:
    /// a long sells at 49,950 from a mark of 50,000; a short buys back at 50,050.
    @Test func squareRootImpact() {
        let depth = DepthModel.squareRoot(depth: amount("1000000", scale: 6).atoms, coefficient: rate("0.01"))
        let notional = amount("10000", scale: 6).atoms
        let sell = OrderBookExecution.execute(
            long: true, mark: Price("50000")!.atoms, notional: notional,
            bankruptcyPrice: Price("40000")!.atoms, depth: depth)
        #expect(
            sell?.marketPrice == Price("49950")!.atoms && sell?.accountPrice == Price("49950")!.atoms
                && sell?.fundCoversGap == false)
        let buy = OrderBookExecution.execute(
            long: false, mark: Price("50000")!.atoms, notional: notional,
            bankruptcyPrice: Price("60000")!.atoms, depth: depth)
        #expect(buy?.marketPrice == Price("50050")!.atoms)
    }

    /// Levels 0.1 % (5,000), 0.2 % (5,000), 0.5 % (deep): 8,000 fills at an average 0.1375 %.
    @Test func priceLevelsAndExhaustion() {
        let depth = DepthModel.levels([
            .init(distance: rate("0.001"), notional: amount("5000", scale: 6).atoms),
            .init(distance: rate("0.002"), notional: amount("5000", scale: 6).atoms),
        ])
        #expect(depth.slippage(notional: amount("8000", scale: 6).atoms) == rate("0.001375"))
        #expect(depth.slippage(notional: amount("10001", scale: 6).atoms) == nil)  // the book is exhausted
    }

    /// The account is never closed worse than its bankruptcy price; the fund covers the gap.
    @Test func bankruptcyPriceFloor() {
        let depth = DepthModel.squareRoot(depth: amount("1000000", scale: 6).atoms, coefficient: rate("0.01"))
        let notional = amount("10000", scale: 6).atoms
        let long = OrderBookExecution.execute(
            long: true, mark: Price("50000")!.atoms, notional: notional,
            bankruptcyPrice: Price("49960")!.atoms, depth: depth)!
        #expect(
            long.marketPrice == Price("49950")!.atoms && long.accountPrice == Price("49960")!.atoms
                && long.fundCoversGap)
        let short = OrderBookExecution.execute(
            long: false, mark: Price("50000")!.atoms, notional: notional,
            bankruptcyPrice: Price("50040")!.atoms, depth: depth)!
        #expect(short.accountPrice == Price("50040")!.atoms && short.fundCoversGap)
    }
}
