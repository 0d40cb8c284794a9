import ArgumentParser
import Foundation
import SolventCore
import SolventProofs
import SolventServer
import SolventStore
import Testing

@testable import SolventCLI

/// Inputs that used to end in a trap (SIGILL, exit 132) or print "nan": each now exits 2 with a
/// message naming the field, and the message says which.
@Suite(.capturingDiagnostics)
struct InputRegressionTests {
    static let files = TemporaryFiles("solvent-input-regression")

    /// The exit status a command's `run()` ends with (0 when it returns).
    static func exitStatus(_ body: () throws -> Void) -> Int32? {
        do {
            try body()
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            Issue.record("not an exit status: \(error)")
            return nil
        }
    }

    static func inputError(_ body: () throws -> Any) -> InputError? {
        do {
            _ = try body()
            Issue.record("accepted")
            return nil
        } catch let error as InputError {
            return error
        } catch {
            Issue.record("not an input error: \(error)")
            return nil
        }
    }

    static let inlineMarket = """
        {"assets": [{"symbol": "USDT", "scale": 6, "indexPrice": "1"}],
         "markets": [{"symbol": "BTCUSDT", "kind": "linear", "settleAsset": "USDT", "contractSize": "1", "tickSize": "0.1",
                      "lotSize": "%LOT%", "margin": {"tiers": [{"initialRate": "0.01", "maintenanceRate": "0.005"}]}, "markPrice": "60000"}],
         "account": {"collateral": {"USDT": "1000"}, "positions": [{"symbol": "BTCUSDT", "size": "0.01", "entryPrice": "60000"}]}}
        """

    /// A lot size of 0 divided the position's size by zero.
    @Test func marginZeroLotSize() throws {
        let path = Self.files.file("lot-zero.json", Self.inlineMarket.replacingOccurrences(of: "%LOT%", with: "0"))
        #expect(Self.exitStatus { try MarginCommand.parse(["--portfolio", path]).run() } == 2)
        let error = Self.inputError { try MarginCommand.render(portfolioPath: path, model: .standard, format: .json) }
        #expect(error?.location == "\(path): markets[0].lotSize", "\(String(describing: error))")
        #expect(error?.message.contains("positive lotSize") == true, "\(String(describing: error))")
        // The file is otherwise good.
        let good = Self.files.file("lot-good.json", Self.inlineMarket.replacingOccurrences(of: "%LOT%", with: "0.001"))
        #expect(Self.exitStatus { try MarginCommand.parse(["--portfolio", good]).run() } == 0)
    }

    /// A first bar at 92233720368 overflowed the seeded population's entry prices.
    @Test func simulateHugeFirstBar() throws {
        let bars = SimulateCommandTests.bars.replacingOccurrences(
            of: "2024-01-01T00:00:00Z,60000.0", with: "2024-01-01T00:00:00Z,92233720368")
        #expect(bars != SimulateCommandTests.bars)
        let prices = Self.files.file("huge-open.csv", bars)
        #expect(Self.exitStatus { try SimulateCommand.parse(["--prices", prices, "--accounts", "300"]).run() } == 2)
        let error = Self.inputError {
            try SimulateCommand.simulate(try SimulateCommand.parse(["--prices", prices, "--accounts", "300"])) { _ in }
        }
        #expect(error?.location == "\(prices):2", "\(String(describing: error))")
        #expect(error?.message.hasPrefix("open: expected a price at most") == true, "\(String(describing: error))")
    }

    /// A population row of 92233720368s overflowed the venue's depth and fund (Double → Int64).
    @Test func simulateHugePopulationRow() throws {
        let prices = Self.files.file("crash.csv", SimulateCommandTests.bars)
        let population = Self.files.file(
            "huge-population.csv",
            """
            account,size,entry_price,collateral,collateral_asset,isolated
            92233720368,92233720368,92233720368,92233720368,USDT,false

            """)
        let arguments = ["--prices", prices, "--population", population]
        #expect(Self.exitStatus { try SimulateCommand.parse(arguments).run() } == 2)
        let error = Self.inputError { try SimulateCommand.simulate(try SimulateCommand.parse(arguments)) { _ in } }
        #expect(
            error?.description.hasPrefix("\(population): line 2: entry_price: expected at most") == true,
            "\(String(describing: error))")
        // Within the price range but a notional no venue holds: the size is named.
        let large = Self.files.file(
            "large-population.csv",
            """
            account,size,entry_price,collateral,collateral_asset,isolated
            1,92233720368,60000,1000,USDT,false

            """)
        let sized = Self.inputError {
            try SimulateCommand.simulate(try SimulateCommand.parse(["--prices", prices, "--population", large])) { _ in
            }
        }
        #expect(
            sized?.description.hasPrefix("\(large): line 2: size: expected a position notional") == true,
            "\(String(describing: sized))")
    }

    /// A liquidation proof whose penalty rate is Int64.max atoms overflowed the waterfall's re-run.
    @Test func verifyRefusesAPenaltyRateTheEngineWouldRefuse() async throws {
        let db = try await ProofCommandTests.journal()
        try await CommitCommand.parse(["--db", db]).run()
        let root = try #require(try await Commitments.journaledRoots(in: try SQLiteStore(path: db)).last)
        let proof = Self.files.folder.appendingPathComponent("liquidation-\(UUID().uuidString).json").path
        try await ProveCommand.parse(["--db", db, "--event", "\(root.sequence)", "--output", proof]).run()
        #expect(Self.exitStatus { try VerifyCommand.parse([proof]).run() } == 0)
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: proof))) as? [String: Any])
        var markets = try #require(object["markets"] as? [[String: Any]])
        var liquidation = try #require(markets[0]["liquidation"] as? [String: Any])
        var penalty = try #require(liquidation["penaltyRate"] as? [String: Any])
        penalty["atoms"] = Int64.max
        liquidation["penaltyRate"] = penalty
        markets[0]["liquidation"] = liquidation
        object["markets"] = markets
        let tampered = Self.files.file(
            "liquidation-penalty-max.json",
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        #expect(Self.exitStatus { try VerifyCommand.parse([tampered]).run() } == 2)
        let error = Self.inputError { try VerifyCommand.check(proofPath: tampered, root: nil) }
        #expect(error?.location == "\(tampered): markets[0].liquidation.penaltyRate", "\(String(describing: error))")
        #expect(error?.message == "expected 0 to 0.1", "\(String(describing: error))")
        // A field solvent prove never writes is refused by name (the decoder alone ignores it).
        markets[0]["liquidation"] = liquidation.merging(["penaltyRate": ["atoms": 5_000_000]]) { $1 }
        markets[0]["extraField"] = 1
        object["markets"] = markets
        let extra = Self.files.file(
            "liquidation-extra.json",
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        let unknown = Self.inputError { try VerifyCommand.check(proofPath: extra, root: nil) }
        #expect(
            unknown?.location == "\(extra): markets[0].extraField"
                && unknown?.message.hasPrefix("unknown field") == true,
            "\(String(describing: unknown))")
        // The library's own verify refuses it too, naming the field, before running any rule.
        let decoded = try JournalCodec.decoder().decode(
            LiquidationProof.self, from: Data(contentsOf: URL(fileURLWithPath: tampered)))
        #expect(decoded.verify().failures == ["markets[0].liquidation.penaltyRate: expected 0 to 0.1"])
    }

    /// 1e308 years gave rho = -nan with exit 0, even with --strict.
    @Test func priceRefusesYearsNoModelCanValue() throws {
        let input = Self.files.file(
            "years.csv", "right,spot,strike,years,volatility,rate,dividend\nput,42,40,1e308,0.2,0.1,0\n")
        #expect(Self.exitStatus { try PriceCommand.parse(["--input", input, "--strict"]).run() } == 2)
        let strict = Self.inputError { try PriceCommand.parse(["--input", input, "--strict"]).table.render() }
        #expect(strict?.location == "\(input): line 2: years", "\(String(describing: strict))")
        #expect(
            strict?.message.hasPrefix("expected a number from 0.0 to 100.0") == true, "\(String(describing: strict))")
        // Without --strict the row is reported and skipped (exit 1), and nothing prints nan.
        let output = Self.files.folder.appendingPathComponent("years-out.csv").path
        #expect(Self.exitStatus { try PriceCommand.parse(["--input", input, "--output", output]).run() } == 1)
        let (csv, rows, rejected) = try PriceCommand.parse(["--input", input]).table.render()
        #expect(rows == 0 && rejected.map(\.location) == ["\(input): line 2: years"])
        let written = try String(contentsOfFile: output, encoding: .utf8)
        #expect(!csv.contains("nan") && !written.contains("nan"))
    }

    /// A key given twice in an object is refused naming it (JSONSerialization kept one silently).
    @Test func duplicateKeysAreRefused() throws {
        let text = Self.inlineMarket.replacingOccurrences(
            of: "\"lotSize\": \"%LOT%\"", with: "\"lotSize\": \"0.001\", \"lotSize\": \"1\"")
        let path = Self.files.file("duplicate.json", text)
        #expect(Self.exitStatus { try MarginCommand.parse(["--portfolio", path]).run() } == 2)
        let error = Self.inputError { try MarginCommand.render(portfolioPath: path, model: .standard, format: .json) }
        #expect(error?.location == "\(path): markets[0].lotSize", "\(String(describing: error))")
        #expect(error?.message.contains("appears twice") == true)
        // Escapes do not hide a duplicate; the same key in two objects is not one.
        #expect(duplicateKey(in: Array(#"{"a": 1, "\u0061": 2}"#.utf8)) == "a")
        #expect(duplicateKey(in: Array(#"{"x": [{"a": 1}, {"a": 2}], "s": "{\"a\":1,\"a\":2}"}"#.utf8)) == nil)
        #expect(duplicateKey(in: Array(#"{"x": [{"a": 1}, {"b": 2, "b": 3}]}"#.utf8)) == "x[1].b")
        // An unknown field is named as well.
        let unknown = Self.files.file(
            "unknown.json",
            Self.inlineMarket.replacingOccurrences(of: "%LOT%", with: "0.001")
                .replacingOccurrences(of: "\"kind\"", with: "\"lotsize\": \"1\", \"kind\""))
        let named = Self.inputError {
            try MarginCommand.render(portfolioPath: unknown, model: .standard, format: .json)
        }
        #expect(
            named?.location == "\(unknown): markets[0].lotsize" && named?.message.hasPrefix("unknown field") == true,
            "\(String(describing: named))")
    }
}
