import SolventCore
import SolventTestSupport
import Testing

/// Goal: a keeper's order is the engine's: bankrupt pools before pools merely below
/// maintenance, the deepest deficit first, then maintenance / equity, ties by pool.
struct PendingLiquidationTests {
    /// Worst first: a bankrupt pool before one merely below maintenance, then by
    /// maintenance / equity.
    @Test func pendingStepsAreWorstFirst() {
        var harness = Harness()
        harness.standardAssets()
        let spec = MarketSpec(
            id: MarketID(1), symbol: "BTCUSDT", kind: .linear, settleAsset: Harness.usdt, contractSize: Quantity("1")!,
            tickSize: Price("0.1")!, lotSize: Quantity("0.001")!)
        let tiers = try! RiskTierTable.make(tiers: [
            RiskTier(notionalCap: nil, initialRate: rate("0.01"), maintenanceRate: rate("0.005"))
        ]).get()
        harness.ok(.createMarket(spec, RiskParameters(margin: .tiered(tiers))))
        harness.ok(.setMarkPrice(market: MarketID(1), mark: Price("50000")!, index: nil))
        harness.ok(
            .configureLiquidation(
                market: MarketID(1),
                LiquidationParameters(
                    depth: .squareRoot(depth: 1_000_000_000_000, coefficient: rate("0.01")), penaltyRate: rate("0.005"),
                    clearanceFeeRate: .zero,
                    target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("1"), dustNotional: 0)))
        // Longs of 1 BTC at 50,000 on 1,000 / 600 / 400 USDT: at 49,200 equities 200 (below the 246
        // of maintenance) / −200 / −400; the fourth account is healthy.
        for (id, wallet) in [(UInt64(1), "1000"), (2, "600"), (3, "400"), (4, "5000")] {
            harness.ok(.openAccount(AccountID(id)))
            harness.ok(
                .deposit(account: AccountID(id), asset: Harness.usdt, amount: Amount(atoms: Int64(wallet)! * 1_000_000))
            )
            harness.ok(
                .importPosition(
                    account: AccountID(id), market: MarketID(1), size: Quantity("1")!, entryPrice: Price("50000")!,
                    isolatedMargin: nil))
        }
        harness.ok(.setMarkPrice(market: MarketID(1), mark: Price("49200")!, index: nil))
        #expect(harness.engine.pendingLiquidations().map(\.account) == [AccountID(3), AccountID(2), AccountID(1)])
    }
}
