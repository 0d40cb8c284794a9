import Foundation
import SolventCLI
import Testing

/// Goal: `solvent margin --model portfolio|span|greeks|standard` on an option portfolio gives the
/// reference's numbers through the engine's own account models and reports the worst scenario
/// and every scenario; bad files name the field. Method: TV-PM-1 and TV-SPAN-2 written as
/// portfolio files.
@Suite(.capturingDiagnostics)
struct OptionMarginCommandTests {
    static let files = TemporaryFiles("solvent-option-margin-tests")

    static func json(_ text: String, model: MarginCommand.Model) throws -> [String: Any] {
        let path = files.file("p-\(UUID().uuidString).json", text)
        let output = try MarginCommand.render(portfolioPath: path, model: model, format: .json)
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: Any]
    }

    /// A requirement of the report (a decimal string, USD).
    static func usd(_ value: Any?) -> Double { Double(value as! String)! }

    @Test func paradexShortPut() throws {
        let report = try Self.json(
            """
            {"underlyings": [{"symbol": "BTC", "spot": "100000", "options": [
                {"right": "put", "strike": "90000", "days": 30, "volatility": "0.60", "quantity": "-1"}]}]}
            """, model: .portfolio)
        #expect(abs(Self.usd(report["initial"]) - 12_794.04) < 0.01)
        // Maintenance 0.8 of initial by default (Deribit's mm_factor).
        #expect(abs(Self.usd(report["maintenance"]) - 10_235.23) < 0.01)
        let btc = (report["underlyings"] as! [[String: Any]])[0]
        #expect((btc["scenarios"] as! [Any]).count == 26)
        let worst = btc["worstScenario"] as! [String: Any]
        #expect(worst["scenario"] as? String == "spot -66%, vol +40%")
    }

    /// TV-SPAN-2: PSR 8 %, VSR ±0.10 absolute on σ 0.55 (the engine's range is relative: 0.10 /
    /// 0.55), extreme 3× at 35 %, one day of decay, no short option minimum. The requirement is the
    /// scan risk: the engine margins options futures-style, their value already in the account's
    /// equity, so SPAN's net option value is not subtracted (the reference's 4,787.68 is the scan
    /// risk less a negative net option value).
    @Test func spanPortfolio() throws {
        let rules =
            #""span": {"priceScanRange": "0.08", "volatilityScanRange": "0.181818182", "shortOptionMinimum": "0"}"#
        let call = #"{"right": "call", "strike": "110000", "days": 30, "volatility": "0.55", "quantity": "-1"}"#
        let put = #"{"right": "put", "strike": "90000", "days": 30, "volatility": "0.55", "quantity": "1"}"#
        let report = try Self.json(
            #"{"underlyings": [{"symbol": "BTC", "spot": "100000", "linear": "1", "options": ["#
                + "\(call), \(put)]}], \(rules)}", model: .span)
        let btc = (report["underlyings"] as! [[String: Any]])[0]
        let detail = btc["detail"] as! [String: Any]
        #expect(abs(detail["scanRisk"] as! Double - 4_273.94) < 0.01)
        #expect(abs(Self.usd(report["initial"]) - 4_273.94) < 0.01)
        #expect((btc["worstScenario"] as! [String: Any])["index"] as? Int == 14)
        // The short call alone: the extreme move (scenario 15) decides.
        let alone = try Self.json(
            #"{"underlyings": [{"symbol": "BTC", "spot": "100000", "options": ["# + "\(call)]}], \(rules)}",
            model: .span)
        let line = (alone["underlyings"] as! [[String: Any]])[0]
        #expect(abs(Self.usd(alone["initial"]) - 4_729.99) < 0.01)
        #expect((line["worstScenario"] as! [String: Any])["index"] as? Int == 15)
    }

    /// The example under every model: each underlying charged, and the total the engine's (the
    /// lines' sum under the per-underlying models, whose credits are booked per line).
    @Test func theExampleUnderEveryModel() throws {
        let text = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("examples/option-portfolio.json"), encoding: .utf8)
        for model in MarginCommand.Model.allCases {
            let report = try Self.json(text, model: model)
            let lines = (report["underlyings"] as! [[String: Any]]).map { Self.usd($0["initial"]) }
            #expect(abs(Self.usd(report["initial"]) - lines.reduce(0, +)) < 1e-6, "\(model)")
            #expect(lines.allSatisfy { $0 > 0 }, "\(model)")
        }
    }

    /// Long 1 BTC perpetual (value delta 100,000) and short 20 ETH (−60,000) with a 1 : 1 spread at
    /// 50 %: 60,000 of delta pairs, so BTC keeps 1 − 0.5 × 0.6 of its requirement and ETH half.
    @Test func spreadCreditsBetweenUnderlyings() throws {
        let book =
            #"{"underlyings": [{"symbol": "BTC", "spot": "100000", "linear": "1"}, {"symbol": "ETH", "spot": "3000", "linear": "-20"}]"#
        for model in [MarginCommand.Model.portfolio, .span, .greeks] {
            let plain = try Self.json(book + "}", model: model)
            let credited = try Self.json(
                book + #", "spreads": [{"first": "BTC", "second": "ETH", "creditRate": "0.5"}]}"#, model: model)
            let standAlone = (plain["underlyings"] as! [[String: Any]]).map { Self.usd($0["initial"]) }
            let expected = standAlone[0] * 0.7 + standAlone[1] * 0.5
            #expect(abs(Self.usd(credited["initial"]) - expected) < 1e-5, "\(model)")
            let eth = (credited["underlyings"] as! [[String: Any]])[1]["detail"] as! [String: Any]
            #expect(abs(eth["valueDelta"] as! Double + 60_000) < 1e-9)
            // Same direction: nothing.
            let together = try Self.json(
                book.replacingOccurrences(of: "\"-20\"", with: "\"20\"")
                    + #", "spreads": [{"first": "BTC", "second": "ETH", "creditRate": "0.5"}]}"#, model: model)
            let sum = (together["underlyings"] as! [[String: Any]]).map { Self.usd($0["initial"]) }.reduce(0, +)
            #expect(
                abs(Self.usd(together["initial"]) - sum) < 1e-6
                    && ((together["underlyings"] as! [[String: Any]])[0]["detail"] as! [String: Any])["spreadCredit"]
                        as? Double == 0
            )
        }
    }

    /// The error `solvent margin` gives for an option portfolio file, or "" when it reads.
    static func error(_ text: String, model: MarginCommand.Model = .portfolio) -> String {
        let path = files.file("bad-\(UUID().uuidString).json", text)
        do {
            _ = try MarginCommand.render(portfolioPath: path, model: model, format: .json)
            return ""
        } catch let error as InputError { return error.description } catch { return "\(error)" }
    }

    @Test func nestedObjectsAreReadStrictly() {
        func error(_ text: String) -> String { Self.error(text) }
        // Nested objects are read as strictly as the top, and wrong types are named by path.
        #expect(
            error(#"{"underlyings": [{"symbol": "BTC", "spot": "1"}], "grid": {"preset": "uniform", "steps": 3}}"#)
                .contains("grid.steps: unknown field; expected one of: preset, maxMove, moves, volatilityShocks"))
        #expect(
            error(#"{"underlyings": [{"symbol": "BTC", "spot": "1", "options": {}}]}"#).contains(
                "underlyings[0].options: expected an array"))
        #expect(
            error(#"{"underlyings": [{"symbol": "BTC", "spot": "1"}], "greeks": {"vegaOffsetsAcrossExpiries": 1}}"#)
                .contains("greeks.vegaOffsetsAcrossExpiries: expected true or false"))
        #expect(
            error(#"{"underlyings": [{"symbol": "BTC", "spot": "1", "rate": {"r": 1}}]}"#).contains("rate: not taken"))
    }

    @Test func badOptionPortfoliosNameTheField() {
        func error(_ text: String, model: MarginCommand.Model = .portfolio) -> String { Self.error(text, model: model) }
        #expect(error(#"{"underlyings": [{"symbol": "BTC"}]}"#).contains("underlyings[0].spot: required"))
        #expect(
            error(#"{"underlyings": [{"symbol": "BTC", "spot": "1", "options": [{"right": "straddle"}]}]}"#).contains(
                "options[0].right"))
        #expect(
            error(
                #"{"underlyings": [{"symbol": "BTC", "spot": "1", "options": [{"right": "call", "strike": "1", "days": 1, "volatility": "-1", "quantity": "1"}]}]}"#
            ).contains("volatility"))
        #expect(error(#"{"underlyings": [], "colour": 1}"#).contains("colour: unknown field"))
        let two = #"{"underlyings": [{"symbol": "BTC", "spot": "1"}, {"symbol": "ETH", "spot": "1"}], "#
        #expect(
            error(two + #""spreads": [{"first": "BTC", "second": "SOL", "creditRate": "0.5"}]}"#).contains(
                "spreads[0].second: no underlying SOL"))
        #expect(
            error(two + #""spreads": [{"first": "BTC", "second": "BTC", "creditRate": "0.5"}]}"#).contains(
                "spreads[0].second"))
        #expect(
            error(two + #""spreads": [{"first": "BTC", "second": "ETH"}]}"#).contains("spreads[0].creditRate: required")
        )
        // Fields the engine has no meaning for are refused, saying what to give instead.
        #expect(error(two + #""correlationOffset": "0.2"}"#).contains("correlationOffset: not taken"))
        #expect(
            error(#"{"underlyings": [{"symbol": "BTC", "spot": "1", "rate": "0.05"}]}"#).contains("rate: not taken"))
        // The engine's own checks of the rules name the file's field.
        #expect(
            error(
                #"{"underlyings": [{"symbol": "BTC", "spot": "1"}], "span": {"priceScanRange": "1.5"}}"#, model: .span
            )
            .contains("span.priceScanRange: above 0 and below 1"))
        // The engine's limits, named at the field that passes them.
        let options = (0..<65).map {
            #"{"right": "call", "strike": "\#(100 + $0)", "days": 30, "volatility": "0.5", "quantity": "1"}"#
        }
        #expect(
            error(
                #"{"underlyings": [{"symbol": "BTC", "spot": "100", "options": ["# + options.joined(separator: ",")
                    + "]}]}"
            )
            .contains("options[64].quantity: at most 64 positions"))
        #expect(
            error(
                #"{"underlyings": [{"symbol": "BTC", "spot": "1"}], "#
                    + #""grid": {"preset": "uniform", "moves": 200, "volatilityShocks": ["0", "0.1"]}}"#
            ).contains("grid.moves: moves × volatility shocks is 400"))
        #expect(
            error(
                #"{"underlyings": [{"symbol": "BTC", "spot": "1"}], "#
                    + #""grid": {"preset": "uniform", "volatilityShocks": ["-1"]}}"#
            ).contains("grid.volatilityShocks[0]"))
        #expect(error(#"{"underlyings": [{"symbol": "B\u001bC", "spot": "1"}]}"#).contains("underlyings[0].symbol"))
        // A premium past 64-bit fixed point is capped when the engine marks the option, never a
        // trap: the market is built and the report printed (nothing held, nothing charged).
        for model in MarginCommand.Model.allCases {
            let report = try? Self.json(
                #"{"underlyings": [{"symbol": "BTC", "spot": "92233720368.54775807", "options": [{"right": "call", "#
                    + #""strike": "0.00000001", "days": 1, "volatility": "0.01", "quantity": "0"}]}]}"#,
                model: model)
            #expect(report?["initial"] as? String == "0", "\(model)")
        }
        // One volatility per strike and expiry: the engine's smile.
        #expect(
            error(
                #"{"underlyings": [{"symbol": "BTC", "spot": "100", "options": [{"right": "call", "strike": "100", "days": 1, "volatility": "0.5", "quantity": "1"}, {"right": "put", "strike": "100", "days": 1, "volatility": "0.6", "quantity": "1"}]}]}"#
            ).contains("options[1].volatility"))
        let engineFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/deribit-linear.json").path
        #expect(throws: InputError.self) {
            try MarginCommand.render(portfolioPath: engineFile, model: .span, format: .json)
        }
    }
}
