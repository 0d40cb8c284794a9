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
