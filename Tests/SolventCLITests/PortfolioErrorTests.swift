import Foundation
import SolventCLI
import Testing

/// Goal: every kind of bad portfolio file fails with the field named and what is expected, never
/// a crash or a partial report. Method: one small broken file per case.
@Suite(.capturingDiagnostics)
struct PortfolioErrorTests {
    static let valid = """
        {"assets": [{"symbol": "USDT", "scale": 6, "indexPrice": "1"}],
         "markets": [{"preset": "binance-btcusdt-2021", "markPrice": "50000"}],
         "account": {"collateral": {"USDT": "1000"}, "positions": [{"symbol": "BTCUSDT", "size": "0.1", "entryPrice": "50000"}]}}
        """

    static func error(_ text: String) -> InputError? {
        do {
            _ = try PortfolioFile.parse(Data(text.utf8)).buildEngine()
            return nil
        } catch let error as InputError {
            return error
        } catch {
            return InputError("?", "\(error)")
        }
    }

    @Test func theValidFileLoads() { #expect(Self.error(Self.valid) == nil) }

    /// Decimals may be JSON numbers as well as strings: the same file with numbers builds the
    /// same engine.
    @Test func numbersAndDecimalStringsReadTheSame() throws {
        let numbers = Self.valid.replacingOccurrences(of: "\"1000\"", with: "1000")
            .replacingOccurrences(of: "\"0.1\"", with: "0.1").replacingOccurrences(of: "\"50000\"", with: "50000")
        #expect(numbers != Self.valid)
        let a = try PortfolioFile.parse(Data(Self.valid.utf8)).buildEngine()
        let b = try PortfolioFile.parse(Data(numbers.utf8)).buildEngine()
        #expect(a.digestHex() == b.digestHex())
    }

    static func replacing(_ of: String, _ with: String) -> String { valid.replacingOccurrences(of: of, with: with) }

    static let cases: [(String, String, String)] = {
        var cases: [(String, String, String)] = []
        func add(_ text: String, _ location: String, _ message: String) { cases.append((text, location, message)) }
        add("{\"assets\": [", "", "malformed JSON")
        add("[1, 2]", "", "expected an object")
        add(replacing("\"scale\": 6,", "\"scale\": 6, \"colour\": 1,"), "assets[0].colour", "unknown field")
        add(
            replacing("\"size\": \"0.1\"", "\"size\": \"0.1\", \"marginMode\": \"portfolio\""),
            "account.positions[0].marginMode", "expected \"cross\" or \"isolated\"")
        add(replacing("binance-btcusdt-2021", "binance-2019"), "markets[0].preset", "unknown preset")
        add(replacing("\"markPrice\": \"50000\"", "\"markPrice\": \"-1\""), "markets[0].markPrice", "positive price")
        add(replacing("\"markPrice\": \"50000\"", "\"markPrice\": \"0\""), "markets[0].markPrice", "positive price")
        add(
            replacing("\"entryPrice\": \"50000\"", "\"entryPrice\": \"0\""), "account.positions[0].entryPrice",
            "positive price")
        add(replacing(", \"markPrice\": \"50000\"", ""), "markets[0].markPrice", "required")
        add(replacing(", \"indexPrice\": \"1\"", ""), "assets[0].indexPrice", "required")
        add(replacing("\"size\": \"0.1\"", "\"size\": \"0.0001\""), "account.positions[0].size", "lot size")
        add(replacing("\"size\": \"0.1\"", "\"size\": \"abc\""), "account.positions[0].size", "decimal")
        add(
            replacing("\"size\": \"0.1\"", "\"size\": \"0.123456789\""), "account.positions[0].size",
            "more than 8 decimals")
        add(replacing("\"USDT\": \"1000\"", "\"USDT\": \"99999999999999\""), "account.collateral.USDT", "too large")
        add(
            replacing(
                "\"size\": \"0.1\", \"entryPrice\": \"50000\"",
                "\"size\": \"90000000000\", \"entryPrice\": \"90000000000\""),
            "account.positions[0]", "exceeds 64-bit")
        add(replacing("\"USDT\": \"1000\"", "\"ETH\": \"1\""), "account.collateral.ETH", "unknown field")
        add(
            replacing("\"symbol\": \"BTCUSDT\"", "\"symbol\": \"ETHUSDT\""), "account.positions[0].symbol",
            "no market ETHUSDT")
        add(
            replacing("\"entryPrice\": \"50000\"}", "\"entryPrice\": \"50000\", \"leverage\": 500}"),
            "account.positions[0].leverage", "between 1 and 125")
        add(
            replacing("\"entryPrice\": \"50000\"}", "\"entryPrice\": \"50000\", \"marginMode\": \"isolated\"}"),
            "account.positions[0].isolatedMargin", "required")
        add(replacing("\"scale\": 6", "\"scale\": true"), "assets[0].scale", "decimal number")
        // Wrong JSON types, nulls and unknown keys at any depth are named by their path.
        add(replacing("\"scale\": 6", "\"scale\": null"), "assets[0].scale", "got null")
        add(
            replacing("\"entryPrice\": \"50000\"}", "\"entryPrice\": \"50000\", \"leverage\": null}"),
            "account.positions[0].leverage", "got null")
        add(replacing("{\"USDT\": \"1000\"}", "{\"USDT\": null}"), "account.collateral.USDT", "decimal number")
        add(replacing("\"symbol\": \"BTCUSDT\"", "\"symbol\": 5"), "account.positions[0].symbol", "expected a string")
        add(replacing("{\"USDT\": \"1000\"}", "[\"USDT\"]"), "account.collateral", "expected an object")
        add(
            replacing("\"scale\": 6,", "\"scale\": 6, \"collateralTiers\": [{\"ratio\": \"1\", \"cap\": 1}],"),
            "assets[0].collateralTiers[0].cap", "unknown field; expected one of: quantityCap, ratio")
        add(
            replacing(
                "\"markPrice\": \"50000\"",
                "\"markPrice\": \"50000\", \"margin\": {\"sizeScaled\": {\"initialBase\": \"0.02\", \"base\": 1}}"),
            "markets[0].margin.sizeScaled.base", "unknown field")
        add(
            replacing("\"markPrice\": \"50000\"", "\"markPrice\": \"50000\", \"margin\": {\"tiers\": [{}]}"),
            "markets[0].margin.tiers[0].initialRate", "required")
        add(
            replacing("\"size\": \"0.1\"", "\"size\": \"0.1\", \"size\": \"0.2\""), "account.positions[0].size",
            "appears twice")
        return cases
    }()

    @Test(arguments: cases)
    func badFilesNameTheField(text: String, location: String, message: String) {
        let error = Self.error(text)
        #expect(error != nil, "accepted a bad file")
        #expect(error?.location == location, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func presetsCarryThePublishedTables() {
        // BN-T1: the preset's derived cum column equals Binance's published one.
        guard case .tiered(let table) = MarketPresets.binanceBTCUSDT2021.margin else {
            Issue.record("not tiered"); return
        }
        #expect(
            table.maintenanceAmounts.map { $0 / 1_000_000 } == [
                0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300, 25_016_300, 100_016_300,
            ])
        // HL-1: Hyperliquid BTC tier 2 deduction 150,000,000 × (2.5 % − 1.25 %) = 1,875,000 USDC.
        guard case .tiered(let hyperliquid) = MarketPresets.hyperliquidBTC.margin else {
            Issue.record("not tiered"); return
        }
        #expect(hyperliquid.maintenanceAmounts[1] == 1_875_000_000_000)
    }
}
