import SolventCore
import SolventSimulation
import Testing

/// Goal: markets driven together cascade across each other the way cross margin makes them:
/// a cross account hurt on one market is liquidated on the other (its largest requirement
/// first, as the engine's keeper picks), and collateral in one market's coin falling with that
/// market liquidates a position on a market that did not move. Method: two markets (BTCUSDT
/// at 10,000, ETHUSDT at 1,000), no impact, a book deep enough that a step pays no slippage
/// to speak of, a flat 1 % maintenance rate, the auditor after every event; hand-sized accounts
/// whose outcome follows from the arithmetic in each test.
struct MultiMarketCascadeTests {
    static let t0 = Timestamp(nanoseconds: 1_600_000_000_000_000_000)
    static let hour: Int64 = 3_600_000_000_000

    static func config() -> SimulationConfig {
        var config = SimulationConfig(
            margin: CascadeFixedPointTests.flatSchedule(maintenance: 0.01),
            impact: MarketImpact(shape: .none, coefficient: 0, depth: 1))
        config.insuranceFundFraction = 1
        config.audit = .everyEvent
        return config
    }

    /// A path from `start` to `end` in one hour, then flat for an hour.
    static func path(_ start: Double, _ end: Double) -> [CascadeSimulator.PricePoint] {
        [start, end, end].enumerated().map { index, price in
            CascadeSimulator.PricePoint(
                time: Timestamp(nanoseconds: t0.nanoseconds + Int64(index) * hour),
                price: Price(atoms: Int64(price * 1e8)))
        }
    }

    static func row(
        _ id: UInt64, market: Int, size: Double, entry: Double, collateral: Int64,
        coin: Bool = false, isolated: Bool = false
    ) -> SimulatedAccount {
        var row = SimulatedAccount(
            id: id, size: Int64((size * 1e8).rounded()), entryPrice: Int64(entry * 1e8), collateral: collateral,
            collateralAsset: coin ? .coin : .settlement, isolated: isolated)
        row.market = market
        return row
    }

    static func run(
        _ population: [SimulatedAccount], btc: [CascadeSimulator.PricePoint], eth: [CascadeSimulator.PricePoint]
    ) throws -> (SimulationResult, Engine) {
        var simulator = try CascadeSimulator(
            config: config(), population: population,
            markets: [
                .init(symbol: "BTCUSDT", coin: "BTC", start: btc[0], depth: 10_000_000),
                .init(symbol: "ETHUSDT", coin: "ETH", start: eth[0], depth: 10_000_000),
            ])
        let result = simulator.run(paths: [btc, eth])
        #expect(result.auditViolations.isEmpty, "\(result.auditViolations)")
        return (result, simulator.engine)
    }

    /// Account 1 is long 0.3 BTC and 20 ETH on 1,560 USDT (maintenance 30 + 200). BTC falls
    /// to 5,400: it loses 1,380, its equity of 180 is below the 216.2 of maintenance while ETH has
    /// not moved. ETH's 200 is the larger requirement, so the engine steps the ETH position, and
    /// the pool is healthy again before BTC's turn: the BTC position is untouched, the ETH one
    /// reduced. Account 2 holds ETH alone and is untouched.
    @Test func aCrossAccountHurtOnOneMarketIsLiquidatedOnTheOther() throws {
        let population = [
            Self.row(1, market: 0, size: 0.3, entry: 10_000, collateral: 100_000_000),
            Self.row(1, market: 1, size: 20, entry: 1_000, collateral: 1_460_000_000),
            Self.row(2, market: 1, size: 20, entry: 1_000, collateral: 2_000_000_000),
        ]
        let (result, engine) = try Self.run(population, btc: Self.path(10_000, 5_400), eth: Self.path(1_000, 1_000))
        #expect(result.accounts == 2)
        #expect(result.markets.map(\.symbol) == ["BTCUSDT", "ETHUSDT"])
        #expect(result.markets[0].steps == 0 && result.markets[1].steps > 0, "\(result.markets)")
        #expect(result.markets[1].exogenousLow == 1_000)
        let positions = engine.account(AccountID(1))?.positions ?? []
        #expect(positions.first { $0.market == MarketID(1) }?.size == 30_000_000)
        let eth = positions.first { $0.market == MarketID(2) }?.size ?? 0
        #expect(eth > 0 && eth < 2_000_000_000, "ETH position \(eth)")
        #expect(engine.account(AccountID(2))?.positions.first?.size == 2_000_000_000)
    }

    /// Account 3 is long 1 BTC (maintenance 100) with 0.3 ETH as collateral (285 USDT after
    /// the 95 % ratio) on a token ETH position. ETH falls 70 %: the collateral is worth 85.5, below
    /// the maintenance, and the BTC position is liquidated although BTC has not moved.
    @Test func collateralFallingWithItsMarketLiquidatesAnotherMarketsPosition() throws {
        let population = [
            Self.row(3, market: 0, size: 1, entry: 10_000, collateral: 1),
            Self.row(3, market: 1, size: 0.001, entry: 1_000, collateral: 30_000_000, coin: true),
        ]
        let (result, _) = try Self.run(population, btc: Self.path(10_000, 10_000), eth: Self.path(1_000, 300))
        #expect(result.markets[0].steps > 0, "no step on BTCUSDT")
        #expect(result.markets[0].exogenousLow == 10_000)
        // Without the fall nothing happens.
        let (calm, _) = try Self.run(population, btc: Self.path(10_000, 10_000), eth: Self.path(1_000, 1_000))
        #expect(calm.steps == 0)
    }

    /// The seeded population over two markets: the first market's rows are the one-market draw
    /// with as many accounts, a share of the second market's cross rows share an id with a
    /// first-market cross row, and the run is deterministic.
    @Test func theSeededPopulationJoinsCrossAccountsAndRunsDeterministically() throws {
        let margin = CascadeFixedPointTests.flatSchedule(maintenance: 0.01)
        var spec = PopulationSpec(accounts: 400, seed: 11)
        let rows = try PopulationGenerator.make(
            spec, startPrices: [1_000_000_000_000, 100_000_000_000], margin: margin, lotSize: 100_000,
            crossMarketFraction: 0.5)
        spec.accounts = 200
        let alone = try PopulationGenerator.make(spec, startPrice: 1_000_000_000_000, margin: margin, lotSize: 100_000)
        #expect(Array(rows.prefix(200)) == alone)
        let firstIDs = Set(alone.map(\.id))
        let joined = rows.filter { $0.market == 1 && firstIDs.contains($0.id) }
        #expect(!joined.isEmpty && joined.allSatisfy { !$0.isolated })
        #expect(Double(joined.count) > 0.3 * Double(rows.filter { $0.market == 1 && !$0.isolated }.count))
        #expect {
            try PopulationGenerator.make(
                spec, startPrices: [1], margin: margin, lotSize: 100_000, crossMarketFraction: 1.5)
        } throws: { error in
            (error as? PopulationGenerator.Problem)?.field == "crossMarketFraction"
        }
        let btc = Self.path(10_000, 7_000), eth = Self.path(1_000, 650)
        let (first, _) = try Self.run(rows, btc: btc, eth: eth)
        let (second, _) = try Self.run(rows, btc: btc, eth: eth)
        #expect(first.digest == second.digest)
        #expect(first.steps > 0 && first.markets.allSatisfy { $0.steps > 0 })
    }
}
