import Foundation
import SolventCLI
import SolventCore
import Testing

/// Goal: `solvent margin` prints exactly the engine's numbers, and bad files fail with the field
/// named. Method: for each example file, an engine is built independently through ordinary
/// commands (deposits, fills against a counterparty at the entry price, then marks) and its
/// report is compared field by field with the CLI's JSON.
@Suite(.capturingDiagnostics)
struct MarginCommandTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")

    /// Runs the CLI renderer and parses its JSON.
    static func cliReport(_ name: String) throws -> [String: Any] {
        let text = try MarginCommand.render(
            portfolioPath: examples.appendingPathComponent(name).path, model: .standard, format: .json)
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    /// Builds state the way a venue would: deposits, fills against account 2, then marks.
    struct Venue {
        var engine = Engine()
        var sequence: UInt64 = 0
        mutating func ok(_ command: Command) {
            sequence += 1
            let outcome = engine.execute(
                SequencedInput(
                    sequence: sequence, timestamp: Timestamp(nanoseconds: Int64(sequence)),
                    commandID: nil, command: command))
            #expect(outcome.rejection == nil, "\(command): \(String(describing: outcome.rejection))")
        }
        mutating func fill(_ market: UInt32, buyer: UInt64, seller: UInt64, _ quantity: String, _ price: String) {
            ok(
                .applyFill(
                    Fill(
                        market: MarketID(market), buyer: AccountID(buyer), seller: AccountID(seller),
                        quantity: Quantity(quantity)!, price: Price(price)!, taker: .buyer)))
        }
        static func schedule(_ preset: MarketPresets.Preset) -> RiskParameters { RiskParameters(margin: preset.margin) }
    }

    static func compare(_ cli: [String: Any], _ engine: Engine, sourceLocation: SourceLocation = #_sourceLocation) {
        let report = try! engine.marginReport(of: AccountID(1))!.get()
        #expect(cli["equity"] as? String == report.equity.description, sourceLocation: sourceLocation)
        #expect(cli["initialMargin"] as? String == report.initialMargin.description, sourceLocation: sourceLocation)
        #expect(
            cli["maintenanceMargin"] as? String == report.maintenanceMargin.description, sourceLocation: sourceLocation)
        #expect(
            cli["availableBalance"] as? String == report.availableBalance.description, sourceLocation: sourceLocation)
        #expect(cli["marginRatio"] as? String == report.marginRatio?.description, sourceLocation: sourceLocation)
        #expect(cli["status"] as? String == report.status.rawValue, sourceLocation: sourceLocation)
        let positions = cli["positions"] as! [[String: Any]]
        #expect(positions.count == report.positions.count, sourceLocation: sourceLocation)
        for (printed, position) in zip(positions, report.positions) {
            #expect(printed["symbol"] as? String == position.symbol, sourceLocation: sourceLocation)
            #expect(printed["size"] as? String == position.size.description, sourceLocation: sourceLocation)
            #expect(printed["markPrice"] as? String == position.markPrice.description, sourceLocation: sourceLocation)
            #expect(
                printed["unrealizedPnl"] as? String == position.unrealizedPnl.formatted(scale: position.settleScale),
                sourceLocation: sourceLocation)
            #expect(
                printed["initialMargin"] as? String == position.initialMargin.formatted(scale: position.settleScale),
                sourceLocation: sourceLocation)
            #expect(
                printed["maintenanceMargin"] as? String
                    == position.maintenanceMargin.formatted(scale: position.settleScale), sourceLocation: sourceLocation
            )
            #expect(
                printed["liquidationPrice"] as? String == position.liquidationPrice?.description,
                sourceLocation: sourceLocation)
            #expect(
                printed["bankruptcyPrice"] as? String == position.bankruptcyPrice?.description,
                sourceLocation: sourceLocation)
        }
    }

    @Test func isolatedExampleMatchesTheEngine() throws {
        var venue = Venue()
        venue.ok(.createAsset(AssetSpec(id: AssetID(1), symbol: "USDT", scale: 6)))
        venue.ok(.setIndexPrice(asset: AssetID(1), price: Price("1")!))
        let preset = MarketPresets.binanceBTCUSDT2021
        venue.ok(
            .createMarket(
                MarketSpec(
                    id: MarketID(1), symbol: "BTCUSDT", kind: .linear, settleAsset: AssetID(1),
                    contractSize: Quantity("1")!, tickSize: Price("0.1")!, lotSize: Quantity("0.001")!),
                Venue.schedule(preset)))
        venue.ok(.setMarkPrice(market: MarketID(1), mark: Price("50000")!, index: Price("50000")!))
        for id: UInt64 in 1...2 { venue.ok(.openAccount(AccountID(id))) }
        venue.ok(.deposit(account: AccountID(1), asset: AssetID(1), amount: Amount(atoms: 3_500_000_000)))
        venue.ok(.deposit(account: AccountID(2), asset: AssetID(1), amount: Amount(atoms: 1_000_000_000_000)))
        venue.ok(.setLeverage(account: AccountID(1), market: MarketID(1), leverage: 20, isolated: true))
        venue.fill(1, buyer: 1, seller: 2, "1", "50000")  // posts 2,500 of isolated margin at 20x
        let report = try Self.cliReport("binance-isolated-long.json")
        Self.compare(report, venue.engine)
        // BN-D1: the example's liquidation price is Binance's 47,690.7631.
        let price = Double((report["positions"] as! [[String: Any]])[0]["liquidationPrice"] as! String)!
        #expect(abs(price - 47_690.7631) < 0.0001)
    }

    @Test func crossMultiCollateralExampleMatchesTheEngine() throws {
        var venue = Venue()
        venue.ok(.createAsset(AssetSpec(id: AssetID(1), symbol: "USDT", scale: 6)))
        venue.ok(
            .createAsset(
                AssetSpec(
                    id: AssetID(2), symbol: "BTC", scale: 8,
                    collateralTiers: [
                        CollateralTier(quantityCap: Amount(atoms: 1_000_000_000), ratio: Rate("0.98")!),
                        CollateralTier(quantityCap: Amount(atoms: 2_000_000_000), ratio: Rate("0.95")!),
                        CollateralTier(quantityCap: nil, ratio: Rate("0.9")!),
                    ])))
        venue.ok(.setIndexPrice(asset: AssetID(1), price: Price("1")!))
        venue.ok(.setIndexPrice(asset: AssetID(2), price: Price("50000")!))
        venue.ok(
            .createMarket(
                MarketSpec(
                    id: MarketID(1), symbol: "BTCUSDT", kind: .linear, settleAsset: AssetID(1),
                    contractSize: Quantity("1")!, tickSize: Price("0.1")!, lotSize: Quantity("0.001")!),
                Venue.schedule(MarketPresets.binanceBTCUSDT2021)))
        let ethTiers = try RiskTierTable.make(tiers: [
            RiskTier(
                notionalCap: Amount(atoms: 250_000_000_000), initialRate: Rate("0.01")!, maintenanceRate: Rate("0.005")!
            ),
            RiskTier(notionalCap: nil, initialRate: Rate("0.02")!, maintenanceRate: Rate("0.01")!),
        ]).get()
        venue.ok(
            .createMarket(
                MarketSpec(
                    id: MarketID(2), symbol: "ETHUSDT", kind: .linear, settleAsset: AssetID(1),
                    contractSize: Quantity("1")!, tickSize: Price("0.01")!, lotSize: Quantity("0.001")!),
                RiskParameters(margin: .tiered(ethTiers))))
        venue.ok(.setMarkPrice(market: MarketID(1), mark: Price("50000")!, index: nil))
        venue.ok(.setMarkPrice(market: MarketID(2), mark: Price("1980")!, index: nil))
        for id: UInt64 in 1...2 { venue.ok(.openAccount(AccountID(id))) }
        venue.ok(.deposit(account: AccountID(1), asset: AssetID(1), amount: Amount(atoms: 10_000_000_000)))
        venue.ok(.deposit(account: AccountID(1), asset: AssetID(2), amount: Amount(atoms: 10_000_000)))
        venue.ok(.deposit(account: AccountID(2), asset: AssetID(1), amount: Amount(atoms: 1_000_000_000_000)))
        venue.fill(1, buyer: 1, seller: 2, "2", "50000")
        venue.fill(2, buyer: 2, seller: 1, "50", "1980")
        venue.ok(.setMarkPrice(market: MarketID(2), mark: Price("2000")!, index: nil))
        Self.compare(try Self.cliReport("cross-multi-collateral.json"), venue.engine)
    }

    @Test func coinMarginedExampleMatchesTheEngine() throws {
        var venue = Venue()
        venue.ok(.createAsset(AssetSpec(id: AssetID(1), symbol: "BTC", scale: 8)))
        venue.ok(.setIndexPrice(asset: AssetID(1), price: Price("45000")!))
        let table = try RiskTierTable.make(tiers: [
            RiskTier(
                notionalCap: Amount(atoms: 10_000_000_000), initialRate: Rate("0.01")!,
                maintenanceRate: Rate("0.00895")!),
            RiskTier(notionalCap: nil, initialRate: Rate("0.25")!, maintenanceRate: Rate("0.125")!),
        ]).get()
        venue.ok(
            .createMarket(
                MarketSpec(
                    id: MarketID(1), symbol: "BTCUSD_PERP", kind: .inverse, settleAsset: AssetID(1),
                    contractSize: Quantity("100")!, tickSize: Price("0.1")!, lotSize: Quantity("1")!),
                RiskParameters(margin: .tiered(table))))
        venue.ok(.setMarkPrice(market: MarketID(1), mark: Price("45000")!, index: nil))
        for id: UInt64 in 1...2 { venue.ok(.openAccount(AccountID(id))) }
        venue.ok(.deposit(account: AccountID(1), asset: AssetID(1), amount: Amount(atoms: 10_100_000_000)))
        venue.ok(.deposit(account: AccountID(2), asset: AssetID(1), amount: Amount(atoms: 100_000_000_000)))
        venue.fill(1, buyer: 1, seller: 2, "100000", "45000")
        let report = try Self.cliReport("coin-margined.json")
        Self.compare(report, venue.engine)
        let price = Double((report["positions"] as! [[String: Any]])[0]["liquidationPrice"] as! String)!
        #expect(abs(price - 33_599.4186) < 0.001)  // BN-C1
    }

    @Test func deribitExampleMatchesThePublishedMargins() throws {
        let report = try Self.cliReport("deribit-linear.json")
        #expect(report["initialMargin"] as? String == "53125")  // DB-L2
        #expect(report["maintenanceMargin"] as? String == "28125")
    }

    @Test func tableFormatShowsTheSameFigures() throws {
        let text = try MarginCommand.render(
            portfolioPath: Self.examples.appendingPathComponent("cross-multi-collateral.json").path,
            model: .standard, format: .table)
        #expect(text.contains("equity              13900"))
        #expect(text.contains("43492.46231249"))
    }
}
