import Foundation
import SolventCLI
import SolventRisk
import Testing

/// Goal: `solvent backtest` counts exceptions the way the coverage tests expect, reports gaps
/// instead of bridging them, and refuses what it cannot do with a named error. Method: seeded
/// synthetic hourly series with normal daily returns (a correct model should pass), a series with
/// a hole, bad arguments; the real BTC series where ../shared/data is present.
struct BacktestCommandTests {
    static let files = TemporaryFiles("solvent-backtest-tests")

    /// Hourly bars whose daily closes follow a lognormal walk with daily σ = 3 %.
    static func series(days: Int, seed: UInt64, skipDay: Int? = nil) -> String {
        var random = TestRandom(seed: seed)
        var lines = ["timestamp,open,high,low,close,volume"]
        var price = 100.0
        let formatter = ISO8601DateFormatter()
        for day in 0..<days {
            let u1 = max(random.unit(), 1e-300)
            let u2 = random.unit()
            let move = 0.03 * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            if day == skipDay { price *= exp(move); continue }
            let time = formatter.string(from: Date(timeIntervalSince1970: 1_577_836_800 + Double(day) * 86_400))
            let text = String(format: "%.6f", price)
            lines.append("\(time),\(text),\(text),\(text),\(text),1")
            price *= exp(move)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func aCorrectModelPassesOnNormalReturns() throws {
        let text = Self.series(days: 1_500, seed: 11)
        let prices = Self.files.file("normal_walk.csv", text)
        // The average close over the forecast days (the exposure the margin scales with).
        let closes = text.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[4])! }
        let averageExposure = 10 * closes.dropFirst(250).reduce(0, +) / Double(closes.count - 250)
        let portfolio = Self.files.file("long.json", #"{"positions": [{"symbol": "NORMAL", "quantity": "10"}]}"#)
        for model in ["historical", "fhs", "normal"] {
            let summary = try BacktestCommand.summary(prices: [prices], portfolioPath: portfolio, model: model, confidence: 0.99,
                                                      horizon: "1d", window: 250, lambda: 0.97)
            let observations = summary["observations"] as! Int
            let exceptions = summary["exceptions"] as! Int
            #expect(observations == 1_499 - 250)
            // 99 % over 1,249 days: about 12.5 expected; a correct model stays well inside.
            #expect((3...25).contains(exceptions), "\(model): \(exceptions) exceptions")
            #expect((summary["kupiec"] as! [String: Any])["verdict"] as? String == "accept", "\(model)")
            // 99 % of a 3 % daily σ: about 2.33 × 3 % ≈ 7 % of the exposure.
            let share = (summary["meanMargin"] as! Double) / averageExposure
            #expect(share > 0.05 && share < 0.09, "\(model): mean margin \(share) of the exposure")
        }
    }

    /// Monte Carlo: a correct model on normal returns, and deterministic by seed.
    @Test func monteCarloPassesAndIsDeterministicBySeed() throws {
        let prices = Self.files.file("normal_walk_mc.csv", Self.series(days: 600, seed: 5))
        let portfolio = Self.files.file("long_mc.json", #"{"positions": [{"symbol": "NORMAL", "quantity": "10"}]}"#)
        func run(seed: UInt64) throws -> BacktestCommand.Run {
            try BacktestCommand.run(prices: [prices], portfolioPath: portfolio, model: "monte-carlo", confidence: 0.99, horizon: "1d",
                                    window: 250, lambda: 0.97, draws: 1_000, seed: seed)
        }
        let first = try run(seed: 3), again = try run(seed: 3), other = try run(seed: 4)
        #expect(first.margins == again.margins)
        #expect(first.margins != other.margins)
        #expect((first.summary["kupiec"] as! [String: Any])["verdict"] as? String == "accept")
        // Against the normal model on the same history: the same σ, so margins within sampling error.
        let normal = try BacktestCommand.run(prices: [prices], portfolioPath: portfolio, model: "normal", confidence: 0.99, horizon: "1d",
                                             window: 250, lambda: 0.97)
        let ratio = first.margins.reduce(0, +) / normal.margins.reduce(0, +)
        #expect(abs(ratio - 1) < 0.05, "monte carlo / normal mean margin \(ratio)")
    }

    /// The HTML report: self-contained (no script, nothing fetched), one red mark per exception.
    @Test func htmlReport() throws {
        let prices = Self.files.file("report_walk.csv", Self.series(days: 600, seed: 17))
        let portfolio = Self.files.file("report.json", #"{"positions": [{"symbol": "REPORT", "quantity": "-2"}]}"#)
        let output = Self.files.folder.appendingPathComponent("report.html").path
        var command = try BacktestCommand.parse(["--prices", prices, "--portfolio", portfolio, "--model", "normal", "--window", "200",
                                                 "--html", output])
        try command.run()
        let html = try String(contentsOfFile: output, encoding: .utf8)
        let summary = try BacktestCommand.summary(prices: [prices], portfolioPath: portfolio, model: "normal", confidence: 0.99,
                                                  horizon: "1d", window: 200, lambda: 0.94)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && html.contains("<polyline"))
        #expect(html.components(separatedBy: "<circle").count - 1 == summary["exceptions"] as! Int)
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
    }

    /// On normal returns a Student-t(4) margin is the more conservative: higher on average,
    /// fewer exceptions than the normal model's.
    @Test func studentTIsMoreConservativeOnNormalReturns() throws {
        let prices = Self.files.file("t_walk.csv", Self.series(days: 1_200, seed: 23))
        let portfolio = Self.files.file("t.json", #"{"positions": [{"symbol": "T", "quantity": "1"}]}"#)
        func run(_ model: String) throws -> [String: Any] {
            try BacktestCommand.summary(prices: [prices], portfolioPath: portfolio, model: model, confidence: 0.99, horizon: "1d",
                                        window: 250, lambda: 0.97, degrees: 4)
        }
        let (normal, t) = (try run("normal"), try run("student-t"))
        #expect((t["meanMargin"] as! Double) > (normal["meanMargin"] as! Double))
        #expect((t["exceptions"] as! Int) <= (normal["exceptions"] as! Int))
        #expect(throws: InputError.self) {
            try BacktestCommand.summary(prices: [prices], portfolioPath: portfolio, model: "student-t", confidence: 0.99, horizon: "1d",
                                        window: 250, lambda: 0.97, degrees: 2)
        }
    }

    @Test func gapsAreReportedNotBridged() throws {
        let prices = Self.files.file("holed_walk.csv", Self.series(days: 400, seed: 3, skipDay: 200))
        let portfolio = Self.files.file("holed.json", #"{"positions": [{"symbol": "HOLED", "quantity": "1"}]}"#)
        let summary = try BacktestCommand.summary(prices: [prices], portfolioPath: portfolio, model: "historical", confidence: 0.99,
                                                  horizon: "1d", window: 100, lambda: 0.94)
        let gaps = summary["gaps"] as! [[String: String]]
        #expect(gaps.count == 1 && gaps[0]["from"] == "2020-07-18T00:00:00Z" && gaps[0]["to"] == "2020-07-20T00:00:00Z")
        #expect(summary["observations"] as? Int == 398 - 1 - 100)
    }

    @Test func badArgumentsAreNamed() {
        let prices = Self.files.file("short_walk.csv", Self.series(days: 50, seed: 5))
        let portfolio = Self.files.file("short.json", #"{"positions": [{"symbol": "SHORT", "quantity": "-1"}]}"#)
        let other = Self.files.file("other.json", #"{"positions": [{"symbol": "ETHUSDT", "quantity": "1"}]}"#)
        func error(_ prices: [String], _ portfolio: String, model: String = "fhs", horizon: String = "1d", window: Int = 250) -> String {
            do {
                _ = try BacktestCommand.summary(prices: prices, portfolioPath: portfolio, model: model, confidence: 0.99, horizon: horizon,
                                                window: window, lambda: 0.94)
                return ""
            } catch let error as InputError { return error.description } catch { return "\(error)" }
        }
        #expect(error([prices], portfolio).contains("the window needs more than 250"))
        #expect(error([prices], other).contains("no prices for ETHUSDT"))
        #expect(error([prices], portfolio, model: "garch").contains("--model"))
        #expect(error([prices], portfolio, horizon: "2w").contains("--horizon"))
        #expect(error([prices], portfolio, window: 3).contains("--window"))
    }

    /// Real data (skipped without ../shared/data): 1 BTC long, 99 %, one day, FHS.
    @Test func btcHistory() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data/market/btcusdt_binance_perp_1h.csv").path
        guard FileManager.default.fileExists(atPath: path) else {
            print("skipped: ../shared/data/market/btcusdt_binance_perp_1h.csv is absent")
            return
        }
        let portfolio = Self.files.file("btc.json", #"{"positions": [{"symbol": "BTCUSDT", "quantity": "1"}]}"#)
        let summary = try BacktestCommand.summary(prices: [path], portfolioPath: portfolio, model: "fhs", confidence: 0.99, horizon: "1d",
                                                  window: 250, lambda: 0.94)
        print("BTC 1d 99 % FHS: \(summary["exceptions"]!) exceptions in \(summary["observations"]!), Kupiec p \((summary["kupiec"] as! [String: Any])["pValue"]!)")
        #expect((summary["observations"] as! Int) > 2_000)
    }
}
