import Foundation
import SolventCLI
import SolventRandom
import SolventRisk
import Testing

/// Goal: `solvent backtest` counts exceptions the way the coverage tests expect, reports gaps
/// instead of bridging them, and refuses what it cannot do with a named error. Method: seeded
/// synthetic hourly series with normal daily returns (a correct model should pass), a series with
/// a hole, bad arguments; the real BTC series where ../shared/data is present.
@Suite(.capturingDiagnostics)
struct BacktestCommandTests {
    static let files = TemporaryFiles("solvent-backtest-tests")

    /// Hourly bars whose daily closes follow a lognormal walk with daily σ = 3 %.
    static func series(days: Int, seed: UInt64, skipDay: Int? = nil) -> String {
        var random = SplitMix64(seed: seed)
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
        for model in ["historical", "fhs", "fhs-dynamic", "normal"] {
            let summary = try BacktestCommand.summary(
                prices: [prices], portfolioPath: portfolio, model: model, confidence: 0.99,
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
            try BacktestCommand.run(
                prices: [prices], portfolioPath: portfolio, model: "monte-carlo", confidence: 0.99, horizon: "1d",
                window: 250, lambda: 0.97, draws: 1_000, seed: seed)
        }
        let first = try run(seed: 3), again = try run(seed: 3), other = try run(seed: 4)
        #expect(first.margins == again.margins)
        #expect(first.margins != other.margins)
        #expect((first.summary["kupiec"] as! [String: Any])["verdict"] as? String == "accept")
        // Against the normal model on the same history: the same σ, so margins within sampling error.
        let normal = try BacktestCommand.run(
            prices: [prices], portfolioPath: portfolio, model: "normal", confidence: 0.99, horizon: "1d",
            window: 250, lambda: 0.97)
        let ratio = first.margins.reduce(0, +) / normal.margins.reduce(0, +)
        #expect(abs(ratio - 1) < 0.05, "monte carlo / normal mean margin \(ratio)")
    }

    /// The HTML report: self-contained (no script, nothing fetched), one red mark per exception.
    @Test func htmlReport() throws {
        let prices = Self.files.file("report_walk.csv", Self.series(days: 600, seed: 17))
        let portfolio = Self.files.file("report.json", #"{"positions": [{"symbol": "REPORT", "quantity": "-2"}]}"#)
        let output = Self.files.folder.appendingPathComponent("report.html").path
        let command = try BacktestCommand.parse([
            "--prices", prices, "--portfolio", portfolio, "--model", "normal", "--window", "200",
            "--html", output,
        ])
        try command.run()
        let html = try String(contentsOfFile: output, encoding: .utf8)
        let summary = try BacktestCommand.summary(
            prices: [prices], portfolioPath: portfolio, model: "normal", confidence: 0.99,
            horizon: "1d", window: 200, lambda: 0.94)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && html.contains("<polyline"))
        // The main chart marks every exception; the crash-window charts after it repeat some.
        let main = html.components(separatedBy: "<h2>Through the crash windows")[0]
        #expect(main.components(separatedBy: "<circle").count - 1 == summary["exceptions"] as! Int)
        #expect(html.contains("Acerbi–Székely Z2") && html.contains("<h3>2021-05-19</h3>"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
    }

    /// On normal returns a Student-t(4) margin is the more conservative: higher on average,
    /// fewer exceptions than the normal model's.
    @Test func studentTIsMoreConservativeOnNormalReturns() throws {
        let prices = Self.files.file("t_walk.csv", Self.series(days: 1_200, seed: 23))
        let portfolio = Self.files.file("t.json", #"{"positions": [{"symbol": "T", "quantity": "1"}]}"#)
        func run(_ model: String) throws -> [String: Any] {
            try BacktestCommand.summary(
                prices: [prices], portfolioPath: portfolio, model: model, confidence: 0.99, horizon: "1d",
                window: 250, lambda: 0.97, degrees: 4)
        }
        let (normal, t) = (try run("normal"), try run("student-t"))
        #expect((t["meanMargin"] as! Double) > (normal["meanMargin"] as! Double))
        #expect((t["exceptions"] as! Int) <= (normal["exceptions"] as! Int))
        #expect(throws: InputError.self) {
            try BacktestCommand.summary(
                prices: [prices], portfolioPath: portfolio, model: "student-t", confidence: 0.99, horizon: "1d",
                window: 250, lambda: 0.97, degrees: 2)
        }
    }

    /// The standard and portfolio models on a hand-checkable book, the anti-procyclicality tools
    /// against the model they wrap, and the crash-window figures.
    @Test func standardPortfolioAndTools() throws {
        let text = Self.series(days: 900, seed: 31)
        let prices = Self.files.file("tools_walk.csv", text)
        let portfolio = Self.files.file("tools.json", #"{"positions": [{"symbol": "TOOLS", "quantity": "-3"}]}"#)
        func run(_ model: String, apc: String = "none") throws -> BacktestCommand.Run {
            try BacktestCommand.run(
                prices: [prices], portfolioPath: portfolio, model: model, confidence: 0.99, horizon: "1d",
                window: 250, lambda: 0.94, apc: apc, standardRate: 0.05)
        }
        let closes = text.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[4])! }
        // Period t's margin is set on the close at its start: forecasts start at period 250.
        let standard = try run("standard")
        for (index, margin) in standard.margins.enumerated().prefix(50) {
            #expect(abs(margin - 0.05 * 3 * closes[250 + index]) <= 1e-9 * margin)
        }
        #expect(standard.summary["acerbiSzekelyZ2"] is NSNull && standard.summary["standardRate"] as? Double == 0.05)
        // Portfolio: a short's worst grid move is the +16 % one (extended moves are weighted down).
        let grid = ScenarioGrid.paradex()
        let worstUp = grid.scenarios.map { $0.spotMove * $0.weight }.max()!
        let portfolioRun = try run("portfolio")
        #expect(abs(portfolioRun.margins[0] - 3 * closes[250] * worstUp) <= 1e-9 * portfolioRun.margins[0])
        // The tools never lower the model's margin; the buffer is exactly 25 % on top.
        let model = try run("fhs")
        #expect(model.summary["acerbiSzekelyZ2"] is [String: Any])
        let buffered = try run("fhs", apc: "buffer")
        #expect(zip(buffered.margins, model.margins).allSatisfy { abs($0 - 1.25 * $1) <= 1e-9 * $0 })
        for tool in ["stressed", "floor"] {
            let held = try run("fhs", apc: tool)
            #expect(zip(held.margins, model.margins).allSatisfy { $0 >= $1 * 0.75 - 1e-9 }, "\(tool)")
            #expect(held.summary["apc"] as? String == tool)
        }
        #expect(zip(try run("fhs", apc: "floor").margins, model.margins).allSatisfy { $0 >= $1 - 1e-9 })
        // 2020-01-01 + 900 days covers the 2021-05-19 window (forecasts from 2020-09-07).
        let windows = model.summary["crashWindows"] as! [[String: Any]]
        let may = try #require(windows.first { $0["window"] as? String == "2021-05-19" })
        let times = model.times.map { $0 / 1_000_000_000 }
        let window = CrashWindow.known[1]
        let before = model.margins[times.lastIndex { $0 <= window.start }!]
        let inside = times.indices.filter { times[$0] > window.start && times[$0] <= window.end }
        #expect(inside.count == 5)
        #expect(may["marginBefore"] as? Double == before)
        #expect(may["peakMargin"] as? Double == inside.map { model.margins[$0] }.max())
        #expect(error(try run("fhs", apc: "sometimes")).contains("--apc"))
        #expect(
            error(
                try BacktestCommand.run(
                    prices: [prices], portfolioPath: portfolio, model: "standard", confidence: 0.99,
                    horizon: "1d", window: 250, lambda: 0.94, standardRate: 0)
            ).contains("--standard-rate"))
    }

    /// Options in the backtested book: the realised loss of a constant-maturity call is its
    /// Black-Scholes revaluation over the day (checked against the pricer directly from the
    /// file's closes), the delta hedge cuts the loss of small moves, the standard model is
    /// Deribit's formula and the portfolio model the grid's worst loss; bad fields are named.
    @Test func optionBooks() throws {
        let text = Self.series(days: 700, seed: 41)
        let prices = Self.files.file("option_walk.csv", text)
        let closes = text.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[4])! }
        func book(_ legs: String) -> String {
            Self.files.file("book\(legs.hashValue).json", #"{"positions": [\#(legs)]}"#)
        }
        func run(_ path: String, _ model: String) throws -> BacktestCommand.Run {
            try BacktestCommand.run(
                prices: [prices], portfolioPath: path, model: model, confidence: 0.99, horizon: "1d", window: 250,
                lambda: 0.94)
        }
        let call = book(
            #"{"symbol": "OPTION", "option": "call", "moneyness": "1.1", "days": 30, "quantity": "-2", "volatility": "0.6"}"#
        )
        let historical = try run(call, "historical")
        for index in [0, 17, 300] {
            let (s0, s1) = (closes[250 + index], closes[251 + index])
            func value(_ spot: Double, _ days: Double) -> Double {
                BlackScholes.price(
                    EuropeanOption(right: .call, spot: spot, strike: 1.1 * s0, years: days / 365, volatility: 0.6))
            }
            let expected = 2 * (value(s1, 29) - value(s0, 30))
            #expect(abs(historical.losses[index] - expected) <= 1e-9 * max(1, abs(expected)), "period \(index)")
            #expect(abs(historical.values[index] + 2 * value(s0, 30)) <= 1e-9 * value(s0, 30))
        }
        // Standard: Deribit's short-call initial margin, in money.
        let standard = try run(call, "standard")
        let s0 = closes[250]
        let premium = BlackScholes.price(
            EuropeanOption(right: .call, spot: s0, strike: 1.1 * s0, years: 30.0 / 365, volatility: 0.6))
        let deribit = (max(0.15 - 0.1, 0.10) * s0 + premium) * 2
        #expect(abs(standard.margins[0] - deribit) <= 1e-9 * deribit)
        // Portfolio: the grid's worst weighted loss, fully revalued with the shocked volatility.
        let grid = ScenarioGrid.paradex()
        let worst = grid.scenarios.map { scenario -> Double in
            let shocked = grid.shockedVolatility(0.6, shock: scenario.volatilityShock, days: 30)
            let moved = BlackScholes.price(
                EuropeanOption(
                    right: .call, spot: s0 * (1 + scenario.spotMove), strike: 1.1 * s0,
                    years: 30.0 / 365, volatility: shocked))
            return 2 * (moved - premium) * scenario.weight
        }.max()!
        #expect(abs(try run(call, "portfolio").margins[0] - max(0, worst)) <= 1e-9 * worst)
        // The hedge: a delta-hedged short call loses far less on the day than the naked one;
        // a linear position beside it adds its own P&L.
        let naked = book(#"{"symbol": "OPTION", "option": "call", "days": 30, "quantity": "-1"}"#)
        let hedged = book(#"{"symbol": "OPTION", "option": "call", "days": 30, "quantity": "-1", "deltaHedged": true}"#)
        let (a, b) = (try run(naked, "fhs"), try run(hedged, "fhs"))
        let nakedTotal = a.losses.map(abs).reduce(0, +), hedgedTotal = b.losses.map(abs).reduce(0, +)
        #expect(hedgedTotal < 0.5 * nakedTotal, "hedged \(hedgedTotal) vs naked \(nakedTotal)")
        // The tools see the whole book: on an option-only book (no linear exposure) the floor
        // and the stressed period still add margin.
        for tool in ["floor", "stressed"] {
            let toolRun = try BacktestCommand.run(
                prices: [prices], portfolioPath: hedged, model: "fhs", confidence: 0.99, horizon: "1d",
                window: 250, lambda: 0.94, apc: tool)
            #expect(zip(toolRun.margins, b.margins).allSatisfy { $0 >= 0.75 * $1 - 1e-9 }, "\(tool)")
            #expect(toolRun.margins.reduce(0, +) > 0.9 * b.margins.reduce(0, +), "\(tool)")
        }
        let mixed = try run(
            book(
                #"{"symbol": "OPTION", "option": "call", "days": 30, "quantity": "-1", "deltaHedged": true}, {"symbol": "OPTION", "quantity": "0.5"}"#
            ), "fhs")
        for index in [0, 99] {
            let linear = -0.5 * (closes[251 + index] - closes[250 + index])
            #expect(abs(mixed.losses[index] - b.losses[index] - linear) <= 1e-9 * max(1, abs(linear)))
        }
        #expect((b.summary["observations"] as! Int) == 699 - 250)
        // Bad fields are named.
        for (legs, expected) in [
            (#"{"symbol": "OPTION", "option": "straddle", "quantity": "1"}"#, "option"),
            (#"{"symbol": "OPTION", "option": "put", "moneyness": "0", "quantity": "1"}"#, "moneyness"),
            (#"{"symbol": "OPTION", "option": "put", "days": 0, "quantity": "1"}"#, "days"),
            (#"{"symbol": "OPTION", "option": "put", "volatility": "-1", "quantity": "1"}"#, "volatility"),
            (#"{"symbol": "OPTION", "days": 30, "quantity": "1"}"#, "only for an option"),
        ] {
            let message = error(try run(book(legs), "fhs"))
            #expect(message.contains(expected), "\(legs): \(message)")
        }
    }

    /// The liquidity add-on: |q|·price × k·√(|q| / ADV), ADV the trailing 30 days' volume / 30
    /// (one bar of volume 1 a day here), on top of the model's margin; a file without volume is
    /// a named error.
    @Test func liquidityAddOn() throws {
        let text = Self.series(days: 400, seed: 51)
        let prices = Self.files.file("liquid_walk.csv", text)
        let closes = text.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[4])! }
        let portfolio = Self.files.file("liquid.json", #"{"positions": [{"symbol": "LIQUID", "quantity": "-10"}]}"#)
        func run(_ liquidity: Double?) throws -> BacktestCommand.Run {
            try BacktestCommand.run(
                prices: [prices], portfolioPath: portfolio, model: "historical", confidence: 0.99, horizon: "1d",
                window: 250, lambda: 0.94, liquidity: liquidity)
        }
        let (plain, liquid) = (try run(nil), try run(0.1))
        for index in [0, 50, 148] {
            let expected = 10 * closes[250 + index] * 0.1 * (10.0 / 1).squareRoot()
            #expect(abs(liquid.margins[index] - plain.margins[index] - expected) <= 1e-9 * expected, "period \(index)")
        }
        #expect(((liquid.summary["liquidity"] as? [String: Any])?["coefficient"] as? Double) == 0.1)
        #expect(error(try run(-1)).contains("--liquidity"))
        let bare = Self.files.file(
            "bare_walk.csv",
            text.split(separator: "\n").map { $0.split(separator: ",").prefix(5).joined(separator: ",") }
                .joined(separator: "\n") + "\n")
        let barePortfolio = Self.files.file("bare.json", #"{"positions": [{"symbol": "BARE", "quantity": "1"}]}"#)
        #expect(
            error(
                try BacktestCommand.run(
                    prices: [bare], portfolioPath: barePortfolio, model: "historical", confidence: 0.99,
                    horizon: "1d", window: 250, lambda: 0.94, liquidity: 0.1)
            ).contains("no volume column"))
    }

    func error(_ body: @autoclosure () throws -> BacktestCommand.Run) -> String {
        do { _ = try body(); return "" } catch let error as InputError { return error.description } catch {
            return "\(error)"
        }
    }

    @Test func gapsAreReportedNotBridged() throws {
        let prices = Self.files.file("holed_walk.csv", Self.series(days: 400, seed: 3, skipDay: 200))
        let portfolio = Self.files.file("holed.json", #"{"positions": [{"symbol": "HOLED", "quantity": "1"}]}"#)
        let summary = try BacktestCommand.summary(
            prices: [prices], portfolioPath: portfolio, model: "historical", confidence: 0.99,
            horizon: "1d", window: 100, lambda: 0.94)
        let gaps = summary["gaps"] as! [[String: String]]
        #expect(gaps.count == 1 && gaps[0]["from"] == "2020-07-18T00:00:00Z" && gaps[0]["to"] == "2020-07-20T00:00:00Z")
        #expect(summary["observations"] as? Int == 398 - 1 - 100)
    }

    @Test func badArgumentsAreNamed() {
        let prices = Self.files.file("short_walk.csv", Self.series(days: 50, seed: 5))
        let portfolio = Self.files.file("short.json", #"{"positions": [{"symbol": "SHORT", "quantity": "-1"}]}"#)
        let other = Self.files.file("other.json", #"{"positions": [{"symbol": "ETHUSDT", "quantity": "1"}]}"#)
        func error(
            _ prices: [String], _ portfolio: String, model: String = "fhs", horizon: String = "1d", window: Int = 250
        ) -> String {
            do {
                _ = try BacktestCommand.summary(
                    prices: prices, portfolioPath: portfolio, model: model, confidence: 0.99, horizon: horizon,
                    window: window, lambda: 0.94)
                return ""
            } catch let error as InputError { return error.description } catch { return "\(error)" }
        }
        #expect(error([prices], portfolio).contains("the window needs more than 250"))
        #expect(error([prices], other).contains("no prices for ETHUSDT"))
        #expect(error([prices], portfolio, model: "garch").contains("--model"))
        #expect(error([prices], portfolio, horizon: "2w").contains("--horizon"))
        #expect(error([prices], portfolio, window: 3).contains("--window"))
        // A `solvent margin` account file is recognised and the expected format shown.
        let account = Self.files.file("account.json", #"{"account": {"collateral": []}, "markets": []}"#)
        #expect(
            error([prices], account).contains(
                "this is a `solvent margin` account file; backtest reads a static portfolio"))
    }

    /// Real data (skipped without ../shared/data): 1 BTC long, 99 %, one day, FHS.
    static let history = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/market/btcusdt_binance_perp_1h.csv").path

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: history),
            "../shared/data/market/btcusdt_binance_perp_1h.csv is absent: skipped"))
    func btcHistory() throws {
        let path = Self.history
        let portfolio = Self.files.file("btc.json", #"{"positions": [{"symbol": "BTCUSDT", "quantity": "1"}]}"#)
        let summary = try BacktestCommand.summary(
            prices: [path], portfolioPath: portfolio, model: "fhs", confidence: 0.99, horizon: "1d",
            window: 250, lambda: 0.94)
        print(
            "BTC 1d 99 % FHS: \(summary["exceptions"]!) exceptions in \(summary["observations"]!), Kupiec p \((summary["kupiec"] as! [String: Any])["pValue"]!)"
        )
        #expect((summary["observations"] as! Int) > 2_000)
    }
}
