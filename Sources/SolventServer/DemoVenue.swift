import Foundation
import SolventCore
import SolventSimulation
import SolventStore

/// `solvent serve --demo`: a BTCUSDT venue with a seeded population and a crash, so a newcomer
/// sees margin calls and liquidations on the dashboard within a minute. Everything goes through
/// the journaled engine like any client's input. The path is a real crash when the caller passes
/// one (`solvent serve --demo` reads 2020-03-12 from ../shared/data when present), else a
/// generated one (60,000 falling 35 % in 40 steps with a bounce, then recovering), so the demo
/// needs no data files.
public enum DemoVenue {
    public static func path() -> [Int64] {
        var prices: [Int64] = []
        var price = 60_000.0
        for step in 0..<120 {
            let move: Double
            switch step {
            case 0..<10: move = 0.001
            case 10..<50: move = step % 7 == 0 ? 0.012 : -0.013
            case 50..<70: move = 0.004
            default: move = step % 2 == 0 ? 0.003 : -0.002
            }
            price *= 1 + move
            prices.append(Int64((price * 10).rounded()) * 10_000_000)
        }
        return prices
    }

    /// A recorded path's marks on the demo market's 0.1 tick grid.
    public static func onTickGrid(_ prices: [Price]) -> [Int64] {
        prices.map { max(10_000_000, ($0.atoms + 5_000_000) / 10_000_000 * 10_000_000) }
    }

    /// `liquidates`: submit the steps of flagged pools after each price (off when the service's
    /// own keeper runs, which does the same).
    public static func run(
        service: SolventService, accounts: Int, interval: Double, path recorded: [Int64]? = nil,
        liquidates: Bool = true
    ) async {
        let engine = service.engine
        let seeded = await engine.read { $0.market(MarketID(1)) != nil }
        let marks = recorded.flatMap { $0.isEmpty ? nil : $0 } ?? path()
        do {
            // The population opens at the path's first price (a recovered journal keeps its own).
            if !seeded { try await seed(engine, accounts: accounts, startPrice: marks[0]) }
            for mark in marks {
                try Task.checkCancellation()
                try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                _ = try await engine.submit(.setIndexPrice(asset: AssetID(1), price: Price("1")!))
                _ = try await engine.submit(.setMarkPrice(market: MarketID(1), mark: Price(atoms: mark), index: nil))
                let liquidating =
                    liquidates
                    ? await engine.read { engine in
                        engine.alerts.filter { $0.alert == .liquidating }.map(\.pool.account)
                    } : []
                for account in liquidating {
                    _ = try await engine.submit(.liquidate(account: account, market: MarketID(1), keeper: nil))
                }
            }
            FileHandle.standardError.write(
                Data(
                    "serve: the demo's price path has ended; the market holds its last price (restart for another run)\n"
                        .utf8))
        } catch {
            // Cancelled (the server stopped) or the journal failed: the demo ends.
        }
    }

    static func seed(_ engine: JournaledEngine, accounts: Int, startPrice: Int64) async throws {
        let usdt = AssetID(1), market = MarketID(1)
        let tiers = try RiskTierTable.make(tiers: [
            RiskTier(
                notionalCap: Amount(atoms: 50_000_000_000), initialRate: Rate("0.008")!, maintenanceRate: Rate("0.004")!
            ),
            RiskTier(
                notionalCap: Amount(atoms: 250_000_000_000), initialRate: Rate("0.01")!, maintenanceRate: Rate("0.005")!
            ),
            RiskTier(
                notionalCap: Amount(atoms: 1_000_000_000_000), initialRate: Rate("0.02")!,
                maintenanceRate: Rate("0.01")!),
            RiskTier(notionalCap: nil, initialRate: Rate("0.05")!, maintenanceRate: Rate("0.025")!),
        ]).get()
        let margin = MarginSchedule.tiered(tiers)
        for command: Command in [
            .createAsset(AssetSpec(id: usdt, symbol: "USDT", scale: 6, priceMaxAgeSeconds: 86_400)),
            .setIndexPrice(asset: usdt, price: Price("1")!),
            .createMarket(
                MarketSpec(
                    id: market, symbol: "BTCUSDT", kind: .linear, settleAsset: usdt, contractSize: Quantity("1")!,
                    tickSize: Price("0.1")!, lotSize: Quantity("0.001")!),
                RiskParameters(margin: margin, priceMaxAgeSeconds: 86_400)),
            .configureLiquidation(
                market: market,
                LiquidationParameters(
                    depth: .squareRoot(depth: 50_000_000_000_000, coefficient: Rate("0.02")!),
                    penaltyRate: Rate("0.005")!,
                    clearanceFeeRate: Rate("0.001")!, target: .maintenancePlusBuffer(Rate("0.1")!),
                    stepFraction: Rate("0.5")!,
                    dustNotional: 10_000_000,
                    lossAllocation: .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 64))),
            .fundInsurance(asset: usdt, amount: Amount(atoms: 200_000_000_000)),
            .setMarkPrice(market: market, mark: Price(atoms: startPrice), index: nil),
        ] {
            _ = try await engine.submit(command)
        }
        var spec = PopulationSpec(accounts: accounts, seed: 8)
        spec.coinCollateralFraction = 0
        let population = PopulationGenerator.generate(spec, startPrice: startPrice, margin: margin, lotSize: 100_000)
        for account in population {
            let id = AccountID(account.id)
            _ = try await engine.submit(.openAccount(id))
            _ = try await engine.submit(.deposit(account: id, asset: usdt, amount: Amount(atoms: account.collateral)))
            _ = try await engine.submit(
                .importPosition(
                    account: id, market: market, size: Quantity(atoms: account.size),
                    entryPrice: Price(atoms: account.entryPrice),
                    isolatedMargin: account.isolated ? Amount(atoms: account.collateral) : nil))
        }
    }
}
